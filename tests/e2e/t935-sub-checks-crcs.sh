#!/bin/bash
# kq-sub checks the CRC-32C of every record batch it reads (librdkafka's
# check.crcs, on by default in kq-sub): a batch that does not match is an
# error with its place and status 65, never a value on stdout. A broker
# that stores and serves what it was sent unchecked (the mock cluster)
# is given such a batch by hand, in a Produce request.
. "$(dirname "$0")/lib.sh"

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_mock_broker --topic crc:1

test_expect_success 'a good message, then a batch whose CRC does not match, then a good one' '
	echo good | kcat_write crc -p 0 &&
	/usr/bin/python3 - "$KQ_BROKERS" <<-\PY &&
	import os, struct, sys, time
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import Conn, s, b, i32, array

	def varint(v):
	    z, out = (v << 1) ^ (v >> 63), b""
	    while z >= 0x80:
	        out += bytes([(z & 0x7f) | 0x80])
	        z >>= 7
	    return out + bytes([z])

	value = b"damaged"
	rec = b"\0" + varint(0) + varint(0) + varint(-1) + \
	    varint(len(value)) + value + varint(0)
	rec = varint(len(rec)) + rec
	now = int(time.time() * 1000)
	# attributes .. records: what the CRC covers; a wrong CRC on purpose.
	body = struct.pack(">hiqqqhii", 0, 0, now, now, -1, -1, -1, 1) + rec
	batch = struct.pack(">qiib", 0, 9 + len(body), -1, 2) + \
	    struct.pack(">I", 0x12345678) + body
	c = Conn(sys.argv[1])
	c.send(0, 3, s(None) + struct.pack(">hi", 1, 5000) +
	       array([s("crc") + array([i32(0) + b(batch)])]))
	r = c.recv()
	r.array(lambda: (r.str(), r.array(lambda: r.take(4 + 2 + 8 + 8))))
	PY
	echo after | kcat_write crc -p 0 &&
	kcat -b "$KQ_BROKERS" -Q -t crc:0:-1 | grep -q "offset 3$"
'

test_expect_success 'kq-sub prints the message before it, names the bad one, exits 65' '
	expect_status 65 timeout 60 kq-sub -t crc -o beginning -e >got 2>err &&
	echo good >want && test_cmp want got &&
	grep_err "^kq-sub: crc \[0\] at offset 1: corrupt message (CRC check failed): .*CRC" err
'

test_expect_success 'with check.crcs=false it is a value again (the default is what catches it)' '
	kq-sub -t crc -o beginning -e -X check.crcs=false >got 2>err &&
	printf "good\ndamaged\nafter\n" >want && test_cmp want got
'

test_done
