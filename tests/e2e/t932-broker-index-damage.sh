#!/bin/bash
# kq-broker holds each index entry to its segment: an entry that still
# grows but points at a later batch once made a read of offset N start
# thousands of records later, with nothing said. Now the read that uses
# it finds the batch there does not hold its offset, rebuilds the index
# with a log line, and starts at the offset asked for.
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
start_kq_broker -d "$D"

test_expect_success 'data: 20000 messages in segments of 100 kB' '
	kq-topic create idx -c segment.bytes=100000 &&
	seq 20000 | kcat_write idx -X linger.ms=0 -X batch.num.messages=10 &&
	test "$(ls "$D"/idx-0/*.log | wc -l)" -gt 2
'

stop_broker

# The fifth entry of the first segment's index is moved to a batch 2 kB
# further on, as a torn or misdirected write could leave it: the entries
# still grow, and the place still holds a batch.
test_expect_success 'an index entry of an older segment is moved on' "
	/usr/bin/python3 - '$D/idx-0/00000000000000000000' >moved <<'PY'
import struct, sys
base = sys.argv[1]
idx = bytearray(open(base + '.index', 'rb').read())
log = open(base + '.log', 'rb').read()
rel, pos = struct.unpack_from('>II', idx, 4 * 8)
nrel, npos = struct.unpack_from('>II', idx, 5 * 8)
p = pos
while p < pos + 2048:
    p += struct.unpack_from('>i', log, p + 8)[0] + 12
assert p < npos
struct.pack_into('>II', idx, 4 * 8, rel, p)
open(base + '.index', 'wb').write(idx)
print(rel)
PY
"

start_kq_broker -d "$D"
E=$TMP/broker$n.err

test_expect_success 'a read of that entry'"'"'s offset starts there, nothing skipped' '
	at=$(cat moved) &&
	kcat -b "$KQ_BROKERS" -C -t idx -o "$at" -c 3 -q >got &&
	seq $((at + 1)) $((at + 3)) >want && test_cmp want got &&
	kq-sub -t idx -o "$at" -c 2000 -q >got &&
	seq $((at + 1)) $((at + 2000)) >want && test_cmp want got
'

test_expect_success 'the broker said the index disagreed and rebuilt it, once' '
	grep_err "^kq-broker: idx-0: 00000000000000000000.index: rebuilt: an entry does not point at the batch of its offset (offsets out of sequence)$" "$E" &&
	test "$(grep -c rebuilt "$E")" -eq 1
'

test_expect_success 'the whole log reads back in order' '
	kcat_read idx >got && seq 20000 >want && test_cmp want got
'

stop_broker
start_kq_broker -d "$D"
E=$TMP/broker$n.err

test_expect_success '... the rebuilt index is trusted at the next start' '
	grep -q listening "$E" && ! grep "idx-0" "$E" &&
	at=$(cat moved) &&
	kcat -b "$KQ_BROKERS" -C -t idx -o "$at" -c 1 -q >got &&
	echo $((at + 1)) >want && test_cmp want got
'

test_done
