#!/bin/bash
# DeleteRecords (issue 17): kq-broker moves a partition's log start
# forward, keeps it on disk before it answers (DIR/log-start-offset, as
# Kafka's log-start-offset-checkpoint), serves nothing below it
# (OFFSET_OUT_OF_RANGE), answers ListOffsets earliest with it, and drops
# the segments wholly below it. kafka-python 2.0.2 has no delete_records:
# the request is sent by hand (tests/e2e/kqwire.py); kcat, kafka-python
# and kq-count read back what it did.
. "$(dirname "$0")/lib.sh"
kq_broker_test

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_kq_broker -d "$TMP/data"

# One batch a segment: offsets 0-9 in 00..00.log, 10-19 in 00..10.log...
kq-topic create dr -c segment.bytes=100 >/dev/null
kq-topic create two --partitions 2 >/dev/null
for i in 0 1 2 3 4 5 6 7 8 9; do
	seq $((i * 10 + 1)) $((i * 10 + 10)) | kcat_write dr -p 0
done

# py VERSION TOPIC:PARTITION:OFFSET...: one DeleteRecords request, its
# answer printed a partition a line: "topic partition low error".
py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@" <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	ver = int(sys.argv[2])
	flex = ver >= 2
	S, A = (cs, carray) if flex else (s, array)
	T = TAGS if flex else b""
	want = {}
	for arg in sys.argv[3:]:
	    t, p, o = arg.rsplit(":", 2)
	    want.setdefault(t, []).append((int(p), int(o)))
	c.send(21, ver, A([S(t) + A([i32(p) + i64(o) + T for p, o in ps]) + T
	                   for t, ps in want.items()]) + i32(5000) + T,
	       flex=flex)
	r = c.recv(flex=flex)
	r.i32()
	rs = r.cstr if flex else r.str
	ra = r.carray if flex else r.array
	def part(t):
	    got = (r.i32(), r.i64(), r.i16())
	    if flex:
	        r.tags()
	    print(t, *got)
	def topic():
	    t = rs()
	    ra(lambda: part(t))
	    if flex:
	        r.tags()
	ra(topic)
	if flex:
	    r.tags()
	r.end()
	PY
}

# fetch_error OFFSET: the error code of a Fetch v4 of dr 0 at OFFSET.
fetch_error() {
	/usr/bin/python3 - "$KQ_BROKERS" "$1" <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	c.send(1, 4, i32(-1) + i32(0) + i32(1) + i32(1 << 20) + i8(0) +
	       array([s("dr") + array([i32(0) + i64(int(sys.argv[2])) +
	                               i32(1 << 20)])]))
	r = c.recv()
	r.i32()
	r.i32()
	r.str()
	r.i32()
	r.i32()
	print(r.i16())
	PY
}

# earliest: ListOffsets earliest of dr 0, as kafka-python asks it.
earliest() {
	/usr/bin/python3 - "$KQ_BROKERS" <<-\PY
	import sys
	from kafka import KafkaConsumer, TopicPartition
	tp = TopicPartition("dr", 0)
	c = KafkaConsumer(bootstrap_servers=sys.argv[1])
	print(c.beginning_offsets([tp])[tp])
	PY
}

test_expect_success 'ApiVersions advertises DeleteRecords v0 to v2' '
	/usr/bin/python3 - "$KQ_BROKERS" <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	err, v = api_versions(Conn(sys.argv[1]))
	expect("DeleteRecords", v.get(21), (0, 2))
	PY
'

test_expect_success 'DeleteRecords v0 moves the start; kcat, kafka-python and kq-count start there' '
	py 0 dr:0:35 >got &&
	echo "dr 0 35 0" >want &&
	test_cmp want got &&
	kcat_read dr >read &&
	seq 36 100 >want &&
	test_cmp want read &&
	test "$(earliest)" = 35 &&
	kcat -b "$KQ_BROKERS" -Q -t dr:0:-2 >q &&
	grep -qx "dr \[0\] offset 35" q &&
	test "$(kq-count -t dr)" = 65
'

test_expect_success 'a Fetch below the start is OFFSET_OUT_OF_RANGE; at it, served' '
	test "$(fetch_error 34)" = 1 &&
	test "$(fetch_error 0)" = 1 &&
	test "$(fetch_error 35)" = 0 &&
	kcat_read dr -o 35 | head -n 1 >first &&
	echo 36 >want &&
	test_cmp want first
'

test_expect_success 'retention drops the segments wholly below the start, keeps the one holding it' '
	for _ in $(seq 200); do
		[ -e data/dr-0/00000000000000000000.log ] || break
		sleep 0.1
	done &&
	ls data/dr-0 | grep "\.log$" >segs &&
	for b in 30 40 50 60 70 80 90; do
		printf "%020d.log\n" $b
	done >want &&
	test_cmp want segs &&
	test "$(earliest)" = 35
'

test_expect_success 'DeleteRecords answers once the start is on disk' '
	py 0 dr:0:37 >got &&
	echo "dr 0 37 0" >want &&
	test_cmp want got &&
	echo 37 >want &&
	test_cmp want data/dr-0/log-start-offset
'

# Killed, not stopped: nothing written at a clean close helps.
kill -9 "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
start_kq_broker -d "$TMP/data" -l "$KQ_BROKERS"

test_expect_success 'the start survives a broker killed at once' '
	kcat_read dr >read &&
	seq 38 100 >want &&
	test_cmp want read &&
	test "$(earliest)" = 37 &&
	test "$(fetch_error 36)" = 1
'

test_expect_success 'DeleteRecords v2 (flexible): -1 is the end; errors as Kafka gives them' '
	py 2 dr:0:20 dr:0:101 dr:3:5 nosuch:0:1 two:1:-1 two:0:0 >got &&
	cat >want <<-\EOF &&
	dr 0 37 0
	dr 0 -1 1
	dr 3 -1 3
	nosuch 0 -1 3
	two 1 0 0
	two 0 0 0
	EOF
	test_cmp want got &&
	py 1 dr:0:-1 >got &&
	echo "dr 0 100 0" >want &&
	test_cmp want got &&
	kcat_read dr >read &&
	test ! -s read &&
	test "$(kq-count -t dr)" = 0 &&
	seq 101 103 | kcat_write dr -p 0 &&
	kcat_read dr >read &&
	seq 101 103 >want &&
	test_cmp want read
'

test_done
