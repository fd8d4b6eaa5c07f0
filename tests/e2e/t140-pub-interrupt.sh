#!/bin/bash
# kq-pub: SIGINT and SIGTERM stop the reading; what was read is delivered
# and counted, and the status is 130.
. "$(dirname "$0")/lib.sh"

start_broker --topic int:1 --topic term:1 --topic flood:4

# interrupt SIGNAL TOPIC: kq-pub reading a pipe that stays open gets
# SIGNAL after 5 records; its status is in ./status.
interrupt() {
	rm -f in
	mkfifo in
	kq-pub -t "$2" -T <in >out 2>err &
	pid=$!
	exec 3>in
	seq 5 >&3
	wait_lines 5 out || return 1
	kill -s "$1" $pid
	set +e
	wait $pid
	echo $? >status
	set -e
	exec 3>&-
}

test_expect_success 'SIGINT: the records read are delivered, then status 130' '
	interrupt INT int &&
	test "$(cat status)" = 130 &&
	test "$(cat err)" = "kq-pub: Produced 5 messages; interrupted." &&
	kcat_read int >got &&
	seq 5 >want &&
	test_cmp want got
'

test_expect_success 'SIGTERM does the same, and dies by it: status 143' '
	interrupt TERM term &&
	test "$(cat status)" = 143 &&
	grep_err "^kq-pub: Produced 5 messages; interrupted.$" err &&
	test "$(kcat_read term | wc -l)" -eq 5
'

test_expect_success 'SIGINT in a flood: what it says it produced, kcat reads' '
	{ seq 2000000 | kq-pub -t flood -T >out 2>err & } &&
	pid=$! &&
	wait_lines 1000 out &&
	kill -INT $pid &&
	set +e &&
	wait $pid
	status=$?
	set -e
	test $status -eq 130 &&
	n=$(sed -n "s/^kq-pub: Produced \([0-9]*\) messages; interrupted.$/\1/p" err) &&
	test -n "$n" &&
	test "$(wc -l <out)" -eq "$n" &&
	sort -n out >want &&
	kcat_read flood | sort -n >got &&
	test_cmp want got &&
	if grep -q "read but not sent" err; then
		grep -Eq "^kq-pub: stdin: [0-9]+ records? after line $n (was|were) read but not sent$" err
	fi
'

test_expect_success 'SIGINT: records already read but not yet sent are named, not dropped in silence' '
	rm -f in && mkfifo in
	kq-pub -t int --rate 2 -T <in >out 2>err &
	pid=$!
	exec 3>in
	seq 10 >&3
	wait_lines 3 out &&
	kill -INT $pid &&
	set +e
	wait $pid
	status=$?
	set -e
	exec 3>&-
	test $status -eq 130 &&
	sent=$(wc -l <out) &&
	test "$sent" -lt 10 &&
	grep -qx "kq-pub: stdin: $((10 - sent)) records\{0,1\} after line $sent w[a-z]* read but not sent" err &&
	grep -qx "kq-pub: Produced $sent messages; interrupted." err
'

test_done
