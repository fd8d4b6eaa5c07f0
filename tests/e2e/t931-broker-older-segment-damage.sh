#!/bin/bash
# kq-broker never serves a record whose CRC-32C fails: a byte gone bad in
# an older segment is kept on disk, reported once, and a read that reaches
# it fails with CORRUPT_MESSAGE, which kq-sub and kcat report and stop on
# (they once printed the wrong value, or -e never ended). Nothing else is
# lost: the batches before it and after it are still served.
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
start_kq_broker -d "$D"

test_expect_success 'data: 1000 messages over several segments' '
	kq-topic create segs -c segment.bytes=2000 &&
	seq 1000 | kcat_write segs -X linger.ms=0 -X batch.num.messages=10 &&
	test "$(ls "$D"/segs-0/*.log | wc -l)" -gt 4
'

stop_broker

# The value 300 becomes 370 in an older segment, as a bad sector or a
# stray write would leave it; the broker had stopped cleanly, so its
# recovery point is the log end and nothing is checked at start.
test_expect_success 'a byte of an older segment goes bad' '
	f=$(grep -la "300" "$D"/segs-0/*.log | head -1) &&
	test "$f" != "$(ls "$D"/segs-0/*.log | tail -1)" &&
	pos=$(grep -obUa "300" "$f" | head -1 | cut -d: -f1) &&
	printf 7 | dd of="$f" bs=1 seek=$((pos + 1)) conv=notrunc 2>/dev/null &&
	grep -qa "370" "$f" &&
	echo "$f" >"$TMP/damaged"
'

start_kq_broker -d "$D"
E=$TMP/broker$n.err

test_expect_success 'the start reports nothing (the damage is not looked for)' '
	grep -q "listening" "$E" && ! grep "segs-0" "$E"
'

test_expect_success 'kq-sub -e prints the messages before the damage, says why it stops, exits 65' '
	expect_status 65 timeout 60 kq-sub -t segs -o beginning -e >got 2>err &&
	grep_err "^kq-sub: segs \[0\] at offset [0-9]*: corrupt message (CRC check failed): .*Invalid message" err &&
	n=$(wc -l <got) &&
	test "$n" -gt 100 && test "$n" -lt 300 &&
	seq "$n" >want && test_cmp want got
'

test_expect_success 'kcat sees the same: the broker answers CORRUPT_MESSAGE' '
	set +e; timeout 60 kcat -b "$KQ_BROKERS" -C -t segs -o beginning -e >got 2>err; rc=$?; set -e &&
	test "$rc" -ne 0 && test "$rc" -ne 124 &&
	grep_err "Invalid message" err &&
	! grep -q "^370$" got &&
	n=$(wc -l <got) && seq "$n" >want && test_cmp want got
'

test_expect_success 'the broker logged the damage once, with its place, and kept the file' '
	test "$(grep -c "segs-0: .*\.log: bad data at position [0-9]* (offset [0-9]*): record batch CRC-32C mismatch; kept, and reads of it fail" "$E")" -eq 1 &&
	# The file itself: 370, 1370... stand in other segments too.
	grep -qa "370" "$(cat "$TMP/damaged")"
'

test_expect_success 'a group that reaches the damage stops there and commits nothing past it' '
	expect_status 65 timeout 60 kq-sub -q -g g1 -t segs >got 2>err &&
	n=$(wc -l <got) && seq "$n" >want && test_cmp want got &&
	expect_status 65 timeout 60 kq-sub -q -g g1 -t segs >again 2>err &&
	test ! -s again
'

test_expect_success 'what lies past the damaged batch is still served' '
	kcat -b "$KQ_BROKERS" -C -t segs -o 400 -c 3 -q >got &&
	printf "401\n402\n403\n" >want && test_cmp want got
'

stop_broker
start_kq_broker -d "$D"
E=$TMP/broker$n.err

test_expect_success 'a restart does not report it again; a read does, once' '
	grep -q "listening" "$E" && ! grep "segs-0" "$E" &&
	expect_status 65 timeout 60 kq-sub -q -t segs -o beginning -e >/dev/null 2>&1 &&
	expect_status 65 timeout 60 kq-sub -q -t segs -o beginning -e >/dev/null 2>&1 &&
	test "$(grep -c "segs-0: .*bad data" "$E")" -eq 1
'

test_done
