#!/bin/bash
# kq-count -t: the messages a topic holds, per partition, equal to what
# kcat wrote and reads back; --exact; a group's lag after it read part of
# a topic.
. "$(dirname "$0")/lib.sh"

start_broker --topic three:3 --topic one:1 --topic empty:2 --topic lag:3

# kcat_per_partition TOPIC: "PARTITION COUNT" lines of what kcat reads.
kcat_per_partition() {
	kcat_read "$1" -f "%p\n" | sort -n | uniq -c | awk "{ print \$2, \$1 }"
}

test_expect_success 'setup: kcat writes to chosen partitions' '
	seq 10 | kcat_write three -p 0 &&
	seq 25 | kcat_write three -p 1 &&
	seq 7 | kcat_write three -p 2 &&
	seq 42 | kcat_write one
'

test_expect_success 'a topic'"'"'s count is what kcat reads back' '
	test "$(kq-count -t three)" -eq 42 &&
	test "$(kq-count -t three)" -eq "$(kcat_read three | wc -l)" &&
	test "$(kq-count -t one)" -eq 42 &&
	test "$(kq-count -t empty)" -eq 0
'

test_expect_success '-v: one line per partition, as kcat counts them, then the total' '
	kq-count -t three -v >got &&
	test "$(tail -n1 got)" -eq 42 &&
	sed 1d got | head -n -1 | awk "{ print \$1, \$2 }" >mine &&
	kcat_per_partition three >theirs &&
	test_cmp theirs mine &&
	printf "PARTITION\tCOUNT\tLOW\tHIGH\n0\t10\t0\t10\n1\t25\t0\t25\n2\t7\t0\t7\n42\n" >want &&
	test_cmp want got
'

test_expect_success '-p counts only the partitions named' '
	test "$(kq-count -t three -p 1)" -eq 25 &&
	test "$(kq-count -t three -p 0 -p 2)" -eq 17 &&
	expect_status 69 kq-count -t three -p 3 2>err &&
	grep_err "^kq-count: three: no partition 3 (it has 3)$" err
'

test_expect_success '--json: the totals and each partition, for jq' '
	kq-count -t three --json >got &&
	test "$(jq .count got)" -eq 42 &&
	test "$(jq .topic got)" = "\"three\"" &&
	jq -r ".partitions[] | \"\(.partition) \(.count)\"" got >mine &&
	kcat_per_partition three >theirs &&
	test_cmp theirs mine &&
	jq -e "[.partitions[] | .high - .low == .count] | all" got
'

test_expect_success 'a topic that does not exist: 69, and it is not made' '
	expect_status 69 kq-count -t nosuch >out 2>err &&
	test ! -s out &&
	grep_err "^kq-count: nosuch: no such topic$" err &&
	! kcat -b "$KQ_BROKERS" -L -J | jq -r ".topics[].topic" | grep -qx nosuch
'

test_expect_success '--exact reads up to the end and counts the same records' '
	test "$(kq-count -t three --exact)" -eq "$(kcat_read three | wc -l)" &&
	kq-count -t three --exact -v >got &&
	sed 1d got | head -n -1 | awk "{ print \$1, \$2 }" >mine &&
	kcat_per_partition three >theirs &&
	test_cmp theirs mine &&
	test "$(kq-count -t empty --exact)" -eq 0 &&
	kq-count -t three --exact --json | jq -e ".exact == true and .count == 42"
'

test_expect_success '--exact --every reports as it reads' '
	kq-count -t three --exact --every 20 >out 2>err &&
	test "$(cat out)" -eq 42 &&
	grep_err "^kq-count: 20 records$" err &&
	grep_err "^kq-count: 40 records$" err
'

main_brokers=$KQ_BROKERS main_pid=$BROKER_PID
start_small_broker --topic one:1

test_expect_success 'the count follows the log start when old messages go' '
	# The broker keeps about 5 MB a partition: the oldest go, the low
	# watermark moves, and the count is what a consumer still finds.
	# Kafka deletes old segments in a task that runs every second, so
	# wait for the log start to move before comparing.
	awk "BEGIN { s = sprintf(\"%1000s\", \"\"); for (i = 0; i < 8000; i++) print i s }" |
		kcat_write one -p 0 &&
	for _ in $(seq 200); do
		test "$(kq-count -t one)" -lt 8000 && break
		sleep 0.1
	done &&
	test "$(kq-count -t one)" -lt 8000 &&
	test "$(kq-count -t one)" -eq "$(kcat_read one | wc -l)" &&
	test "$(kq-count -t one --exact)" -eq "$(kcat_read one | wc -l)"
'

KQ_BROKERS=$main_brokers BROKER_PID=$main_pid

test_expect_success 'a group that has read part of a topic: its lag' '
	seq 100 | kcat_write lag -p 0 &&
	seq 60 | kcat_write lag -p 1 &&
	seq 40 | kcat_write lag -p 2 &&
	kq-count -t lag -g reader -v >got &&
	printf "PARTITION\tLAG\tCOMMITTED\tHIGH\n0\t100\t-\t100\n1\t60\t-\t60\n2\t40\t-\t40\n200\n" >want &&
	test_cmp want got &&
	kcat -b "$KQ_BROKERS" -G reader -X auto.offset.reset=earliest \
		-c 70 -e -q -f "%p\n" lag >read &&
	test "$(wc -l <read)" -eq 70 &&
	test "$(kq-count -t lag -g reader)" -eq 130 &&
	kq-count -t lag -g reader --json >got &&
	jq -e ".group == \"reader\" and .lag == 130" got &&
	jq -e "[.partitions[] | .high - (.committed // 0) == .lag] | all" got &&
	jq -r ".partitions[] | select(.committed != null) | \"\(.partition) \(.committed)\"" got >mine &&
	sort -n read | uniq -c | awk "{ print \$2, \$1 }" >theirs &&
	test_cmp theirs mine &&
	kq-count -t lag -g reader -v >got &&
	test "$(tail -n1 got)" -eq 130 &&
	test "$(head -n -1 got | awk "{ s += \$2 } END { print s }")" -eq 130
'

test_expect_success 'reading the lag moves no group: kq-count commits nothing' '
	test "$(kq-count -t lag -g untouched)" -eq 200 &&
	test "$(kq-count -t lag -g untouched --exact)" -eq 200 &&
	test "$(kq-count -t lag -g untouched)" -eq 200 &&
	kcat -b "$KQ_BROKERS" -G untouched -X auto.offset.reset=earliest \
		-e -q lag | wc -l >n &&
	test "$(cat n)" -eq 200
'

test_expect_success 'argument errors with -t: 64' '
	expect_status 64 kq-count -t one file 2>err &&
	grep_err "choose one" err &&
	expect_status 64 kq-count -t one -0 2>err &&
	expect_status 64 kq-count -t one -J 2>err &&
	expect_status 64 kq-count -t one --bytes 2>err &&
	expect_status 64 kq-count -t one --every 10 2>err &&
	grep_err "needs --exact" err &&
	expect_status 64 kq-count -t one -t three 2>err &&
	expect_status 64 kq-count -t one -p x 2>err
'

test_expect_success 'no broker: 69 and one line naming it' '
	expect_status 69 kq-count -t one -b 127.0.0.1:1 --timeout 2s >out 2>err &&
	test ! -s out &&
	test "$(wc -l <err)" -eq 1 &&
	grep_err "^kq-count: cannot reach 127.0.0.1:1: " err
'

test_done
