#!/bin/bash
# kq-sub: where a read starts (-o in every form) and where it stops (-c,
# -e, --idle-timeout, --until), and what it says when data is gone.
. "$(dirname "$0")/lib.sh"

start_broker --topic ten:1 --topic two:2 --topic empty:3 --topic times:1 \
	--topic big:1

test_expect_success 'setup: ten messages in one partition' '
	seq 10 | kcat_write ten &&
	test "$(kcat_read ten | wc -l)" -eq 10
'

test_expect_success '-o beginning and --from-beginning read everything' '
	seq 10 >want &&
	kq-sub -q -t ten -o beginning -e >got && test_cmp want got &&
	kq-sub -q -t ten --from-beginning -e >got && test_cmp want got
'

test_expect_success 'with -e and no -o the read starts at the beginning, as kcat -C -e' '
	kq-sub -t ten -e >got 2>err &&
	seq 10 >want && test_cmp want got &&
	kcat -b "$KQ_BROKERS" -C -t ten -e -q >theirs && test_cmp theirs got &&
	grep -q "Processed a total of 10 messages" err &&
	kq-sub -q -t ten -o end -e >out && test ! -s out
'

test_expect_success 'without -e or -o the read starts at the end, as the console consumer' '
	kq-sub -q -t ten --idle-timeout 2s >out &&
	test ! -s out
'

test_expect_success '-o N starts at offset N; -o -N N before the end' '
	kq-sub -q -t ten -o 7 -e >got && seq 8 10 >want && test_cmp want got &&
	kq-sub -q -t ten -o -3 -e >got && test_cmp want got &&
	kq-sub -q -t ten -o -30 -e >got && seq 10 >want && test_cmp want got
'

test_expect_success '-o -N counts from the end of each partition' '
	seq 100 | kcat_write two -X sticky.partitioning.linger.ms=0 &&
	kq-sub -q -t two -o -2 -e -f "%p %v\n" | sort >got &&
	for p in 0 1; do kcat_read two -p $p | tail -2 | sed "s/^/$p /"; done |
		sort >want &&
	test_cmp want got
'

test_expect_success '-o past the end says so and waits at the end' '
	kq-sub -t ten -o 50 -e >out 2>err &&
	test ! -s out &&
	grep_err "ten \[0\]: offset 50 is past the end 10" err
'

test_expect_success '-o stored needs a group' '
	expect_status 64 kq-sub -t ten -o stored -e 2>err &&
	grep_err "needs a group" err
'

test_expect_success 'bad offsets are usage errors' '
	expect_status 64 kq-sub -t ten -o soon 2>err &&
	grep_err "^kq-sub: -o: .soon. is not an offset" err &&
	expect_status 64 kq-sub -t ten -o @yesterday 2>err
'

# Timestamps set by the producer: 2001, 2017, and now.
test_expect_success 'setup: messages with known timestamps' '
	{
		echo "{\"value\":\"old\",\"timestamp\":1000000000000}"
		echo "{\"value\":\"mid\",\"timestamp\":1500000000000}"
		echo "{\"value\":\"new\"}"
	} | kq-pub -q -J -t times &&
	kcat_read times -f "%T\n" | head -2 >ts &&
	printf "1000000000000\n1500000000000\n" >want && test_cmp want ts
'

test_expect_success '-o @MS, @ISO 8601 and @-DURATION start at a time' '
	printf "mid\nnew\n" >want &&
	kq-sub -q -t times -o @1400000000000 -e >got && test_cmp want got &&
	kq-sub -q -t times -o @1500000000000 -e >got && test_cmp want got &&
	kq-sub -q -t times -o @2017-07-14T02:40:00Z -e >got &&
	test_cmp want got &&
	kq-sub -q -t times -o @2017-07-14T04:40:00+02:00 -e >got &&
	test_cmp want got &&
	echo new >want &&
	kq-sub -q -t times -o @-1h -e >got && test_cmp want got &&
	kq-sub -q -t times -o @-2d -e >got && test_cmp want got
'

test_expect_success '--until stops at the first message at or after a time' '
	echo old >want &&
	kq-sub -q -t times -o beginning --until @1500000000000 >got &&
	test_cmp want got &&
	kq-sub -q -t times -o beginning --until @2010-01-01T00:00:00Z >got &&
	test_cmp want got &&
	printf "old\nmid\n" >want &&
	kq-sub -q -t times -o beginning --until @-1h >got &&
	test_cmp want got
'

test_expect_success 'kcat'"'"'s -o s@MS and -o e@MS: a start and an end time, as kcat reads them' '
	kq-sub -q -t times -o s@1400000000000 -o e@1600000000000 >got &&
	echo mid >want && test_cmp want got &&
	# The mock looks up no offset by time: kcat then reads nothing there.
	if [ "${KQ_TEST_BROKER:-}" != mock ]; then
		kcat_read times -o s@1400000000000 -o e@1600000000000 >theirs &&
		test_cmp theirs got
	fi
'

test_expect_success '--until a time to come stops at the end once it has passed' '
	until=$(( $(date +%s%3N) + 1500 )) &&
	kq-sub -q -t ten -o beginning --until "@$until" >got &&
	seq 10 >want && test_cmp want got
'

test_expect_success '-c N stops after N messages, exit 0' '
	kq-sub -t ten -o beginning -c 4 >got 2>err &&
	seq 4 >want && test_cmp want got &&
	grep -q "Processed a total of 4 messages" err
'

test_expect_success '-c N with fewer before -e is a short read: exit 1' '
	expect_status 1 kq-sub -t ten -o 5 -c 42 -e >got 2>err &&
	seq 6 10 >want && test_cmp want got &&
	grep_err "short read: 5 of 42 messages" err
'

test_expect_success '--idle-timeout ends a read that has nothing more' '
	kq-sub -q -t ten -o beginning --idle-timeout 300ms >got &&
	seq 10 >want && test_cmp want got &&
	expect_status 1 kq-sub -q -t ten -o beginning -c 11 --idle-timeout 300ms >got
'

test_expect_success '-e on an empty topic exits at once with nothing' '
	kq-sub -t empty -o beginning -e >out 2>err &&
	test ! -s out &&
	grep -q "Processed a total of 0 messages" err
'

test_expect_success '-e stops at the ends of when the read began' '
	seq 2000 | kcat_write two -p 0 &&
	kq-sub -q -t two -p 0 -o -1 -e >got &&
	echo 2000 >want && test_cmp want got
'

test_expect_success '-p names partitions; a missing one is status 69' '
	kq-sub -q -t two -p 1 -o beginning -e >got &&
	kcat_read two -p 1 >want && test_cmp want got &&
	expect_status 69 kq-sub -t two -p 5 -e 2>err &&
	grep_err "two: no partition 5 (it has 2)" err
'

# A broker that keeps about 5 MB a partition: 8 MB moves the log start.
main_brokers=$KQ_BROKERS main_pid=$BROKER_PID
start_small_broker --topic big:1
test_expect_success 'an offset retention passed: a warning with the count, then the rest' '
	awk "BEGIN { for (i = 0; i < 80000; i++) printf \"%06d%094d\n\", i, 0 }" |
		kcat_write big &&
	# Kafka removes old segments in the background, within seconds.
	for _ in $(seq 200); do
		lo=$(kcat_read big -c 1 -f "%o") &&
		test "$lo" -gt 0 && break
		sleep 0.1
	done &&
	test "$lo" -gt 0 &&
	kq-sub -t big -o 3 -e >out 2>err &&
	grep_err "big \[0\]: $((lo - 3)) messages are gone: offset 3 is before the log start $lo" err &&
	test "$(wc -l <out)" -eq $((80000 - lo)) &&
	kcat_read big | cmp - out
'

KQ_BROKERS=$main_brokers BROKER_PID=$main_pid

test_expect_success 'a failure before any message: its line, and no count' '
	expect_status 69 kq-sub -t two -p 7 -e 2>err &&
	test "$(wc -l <err)" -eq 1
'

test_done
