#!/bin/bash
# kq-broker keeps what it acknowledged: SIGKILL while kq-pub publishes
# with --fsync always loses nothing kq-pub reported delivered; a torn or
# corrupt tail is cut off and logged at start, and nothing else is (a
# batch over 1 MiB, lost index files); retention by size and age; with
# producers in parallel (a group commit), nothing acknowledged is lost.
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
start_kq_broker -d "$D" --fsync always --topic crash:1

test_expect_success 'SIGKILL mid-publish: every message kq-pub reported delivered is there, in order' '
	seq 300000 | kq-pub -t crash -T --rate 50000 --timeout 3s \
		-X message.timeout.ms=3000 >delivered 2>pub.err &
	pub=$!
	sleep 1.5 &&
	kill -KILL $BROKER_PID &&
	{ wait $pub; echo $? >pub.rc; } &&
	test "$(cat pub.rc)" -ne 0 &&
	test -s delivered &&
	test "$(wc -l <delivered)" -lt 300000 &&
	grep -q "failed" pub.err
'

# The broker is restarted on the same directory (at top level, so the
# harness stops it at the end).
start_kq_broker -d "$D" --fsync always

test_expect_success '... and after the restart they are all there, in order, none twice' '
	kcat_read crash >stored &&
	n=$(wc -l <delivered) &&
	head -n "$n" stored >prefix &&
	test_cmp delivered prefix &&
	seq "$(wc -l <stored)" >want &&
	test_cmp want stored &&
	seq 10 | kq-pub -q -t crash &&
	test "$(kcat_read crash | wc -l)" -eq "$(($(wc -l <stored) + 10))"
'

test_expect_success 'data for the recovery tests' '
	seq 100 | kcat_write torn &&
	seq 50 | kcat_write bad &&
	seq 51 60 | kcat_write bad &&
	kq-topic create big -c max.message.bytes=4000000 &&
	for n in 1048600 3000000; do
		head -c $n /dev/zero | tr "\0" x && echo
	done >big.in &&
	kcat_write big -X message.max.bytes=4000000 <big.in &&
	kq-topic create segs -c segment.bytes=2000 &&
	seq 1000 | kcat_write segs -X linger.ms=0 -X batch.num.messages=10 &&
	test "$(ls "$D"/segs-0/*.log | wc -l)" -gt 3
'

stop_broker

# A crash leaves the recovery point (what a sync made durable) short of
# the log end; the batches past it are the ones a start checks whole. The
# files are set so: the point of bad-0 is put back to 50, before its last
# batch.
test_expect_success 'damage: a torn tail on one log, a flipped byte in another, lost indexes' '
	grep -qx "100 clean" "$D/torn-0/recovery-point" &&
	rm "$D"/segs-0/*.index &&
	seg=$D/torn-0/00000000000000000000.log &&
	stat -c %s "$seg" >torn.size &&
	printf "\0\0\0\0\0\0\0\144\0\0\1\0garbage" >>"$seg" &&
	seg=$D/bad-0/00000000000000000000.log &&
	size=$(stat -c %s "$seg") &&
	printf X | dd of="$seg" bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null &&
	echo 50 >"$D/bad-0/recovery-point"
'

start_kq_broker -d "$D"

test_expect_success 'a torn tail is cut off at start and logged; writing goes on' '
	size=$(cat torn.size) &&
	grep_err "^kq-broker: torn-0: 00000000000000000000.log: cut 19 bytes at position $size: torn record batch at the end$" "$TMP/broker2.err" &&
	test "$(stat -c %s "$D/torn-0/00000000000000000000.log")" -eq "$size" &&
	seq 100 >want && kcat_read torn >got && test_cmp want got &&
	echo 101 | kcat_write torn &&
	kcat -b "$KQ_BROKERS" -Q -t torn:0:-1 | grep -q "offset 101$"
'

test_expect_success 'a corrupt last batch (CRC-32C) is cut off; the batches before stay' '
	grep_err "^kq-broker: bad-0: 00000000000000000000.log: cut [0-9]* bytes at position [0-9]*: record batch CRC-32C mismatch$" "$TMP/broker2.err" &&
	seq 50 >want && kcat_read bad >got && test_cmp want got &&
	echo 51 | kcat_write bad &&
	seq 51 >want && kcat_read bad >got && test_cmp want got
'

test_expect_success 'batches over 1 MiB are kept whole across a restart' '
	! grep "big-0" "$TMP/broker2.err" &&
	kcat_read big >got && test_cmp big.in got
'

test_expect_success 'lost index files are rebuilt; no segment is cut' '
	! grep "segs-0" "$TMP/broker2.err" &&
	test "$(cat "$D"/segs-0/*.log | wc -c)" -gt 8000 &&
	seq 1000 >want && kcat_read segs >got && test_cmp want got &&
	test "$(ls "$D"/segs-0/*.index | wc -l)" = "$(ls "$D"/segs-0/*.log | wc -l)"
'

test_expect_success 'retention.bytes: old segments go, the log start moves, readers see it' '
	kq-topic create small -c segment.bytes=20000 -c retention.bytes=50000 &&
	seq 100000 | kq-pub -q -t small &&
	kcat -b "$KQ_BROKERS" -Q -t small:0:-2 >q &&
	start=$(sed -n "s/.*offset //p" q) &&
	test "$start" -gt 0 &&
	kcat_read small >got &&
	test "$(head -1 got)" -eq $((start + 1)) &&
	test "$(tail -1 got)" -eq 100000 &&
	test "$(du -sk "$D/small-0" | cut -f1)" -lt 200
'

test_expect_success 'retention.ms: segments whose newest record is older go' '
	kq-topic create aged -c segment.bytes=2000 -c retention.ms=86400000 &&
	for i in $(seq 100); do
		echo "{\"value\":\"old$i\",\"timestamp\":1000000000000}"
	done | kq-pub -q -J -t aged &&
	seq 100 | kq-pub -q -t aged &&
	kcat_read aged >got &&
	! grep -q old got &&
	test "$(tail -1 got)" = 100
'

test_expect_success 'a group commits, then the broker is killed with SIGKILL' '
	seq 5 | kcat_write grp &&
	kq-sub -q -g keep -t grp -e >got &&
	seq 5 >want && test_cmp want got &&
	kill -KILL $BROKER_PID
'

start_kq_broker -d "$D"

test_expect_success '... and the committed offset is there after the restart' '
	seq 6 8 | kcat_write grp &&
	kq-sub -q -g keep -t grp -e >got &&
	seq 6 8 >want && test_cmp want got
'

# The group commit: under --fsync always the answers of a loop turn's
# Produce requests wait for one sync of each partition they wrote.
D3=$TMP/group
start_kq_broker -d "$D3" --fsync always --topic par:8

test_expect_success 'four producers in parallel, SIGKILL after their acks: each acknowledged message is there' '
	for i in 1 2 3 4; do
		seq 100000 | sed "s/^/p$i-/" |
			kq-pub -t par -T --rate 10000 --timeout 3s \
				-X message.timeout.ms=3000 >acked$i 2>pub$i.err &
		echo $! >>pubs
	done &&
	for i in 1 2 3 4; do
		wait_for acked$i "^p$i-5000$" || return 1
	done &&
	kill -KILL $BROKER_PID &&
	for p in $(cat pubs); do wait $p || :; done &&
	cat acked1 acked2 acked3 acked4 | sort >acked &&
	test "$(wc -l <acked)" -ge 20000
'

start_kq_broker -d "$D3" --fsync always

test_expect_success '... and after the restart kcat reads every one of them, none twice' '
	kcat_read par | sort >stored &&
	comm -23 acked stored >lost &&
	test ! -s lost &&
	uniq -d stored >twice &&
	test ! -s twice
'

test_done
