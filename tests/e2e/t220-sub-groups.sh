#!/bin/bash
# kq-sub -g: a consumer group that commits only what the pipe took, so
# none is skipped, even across a crash, and a reader that leaves early
# gets the rest next time.
. "$(dirname "$0")/lib.sh"

start_broker --topic one:1 --topic four:4 --topic flow:2 --topic early:1 \
	--topic trickle:1 --topic term:1

test_expect_success 'a new group reads from the beginning, then resumes' '
	seq 100 | kcat_write one &&
	kq-sub -g resume -t one -e >got 2>err &&
	seq 100 >want && test_cmp want got &&
	grep -q "Processed a total of 100 messages" err &&
	seq 101 150 | kcat_write one &&
	kq-sub -q -g resume -t one -e >got &&
	seq 101 150 >want && test_cmp want got &&
	kq-sub -q -g resume -t one -o stored -e >got &&
	test ! -s got
'

test_expect_success '-o with a group moves it: -o beginning reads it all again' '
	kq-sub -q -g resume -t one -o beginning -e >got &&
	seq 150 >want && test_cmp want got
'

test_expect_success 'two processes in a group split the partitions and read each message once' '
	kq-sub -v -g pair -t four >a.out 2>a.err &
	a=$!
	kq-sub -v -g pair -t four >b.out 2>b.err &
	b=$!
	wait_for a.err "assigned" && wait_for b.err "assigned" &&
	sleep 1 &&
	seq 2000 | kcat_write four -X sticky.partitioning.linger.ms=0 &&
	wait_lines 2000 a.out b.out &&
	kill -TERM $a $b &&
	expect_status 143 wait $a && expect_status 143 wait $b &&
	test -s a.out && test -s b.out &&
	sort -n a.out b.out >got &&
	seq 2000 >want && test_cmp want got
'

test_expect_success 'SIGKILL mid-read, then the same group again: every message, none missed' '
	seq 3000 | kcat_write flow -X sticky.partitioning.linger.ms=0
	( kq-sub -v -g crash -t flow 2>k.err & echo $! >k.pid; wait ) |
		while read -r l; do echo "$l"; sleep 0.001; done >first &
	reader=$!
	wait_for k.err "committed"
	seq 3001 6000 | kcat_write flow -X sticky.partitioning.linger.ms=0 &
	sleep 0.3
	kill -KILL $(cat k.pid) &&
	wait $reader &&
	wait &&
	test -s first &&
	sleep 7 && # the dead member leaves the group after session.timeout.ms
	kq-sub -q -g crash -t flow -e >second &&
	sort -n -u first second >got &&
	seq 6000 >want && test_cmp want got &&
	test "$(wc -l <second)" -lt 6000
'

test_expect_success 'kq-sub | head -3 ends at once, quietly, and commits nothing it did not take' '
	seq 100 | kcat_write early &&
	timeout 20 bash -c "kq-sub -g early -t early 2>err | head -3 >got; echo \${PIPESTATUS[0]} >st" &&
	seq 3 >want && test_cmp want got &&
	test "$(cat st)" = 0 &&
	test ! -s err &&
	kq-sub -q -g early -t early -e >again &&
	seq 4 100 >want &&
	grep -Fx -f want again >seen && test_cmp want seen
'

test_expect_success 'a reader taking messages one by one: what it did not take comes next time' '
	echo 1 | kcat_write trickle
	timeout 30 sh -c "kq-sub -v -g trickle -t trickle 2>t.err | head -3 >got" &
	pipe=$!
	wait_for t.err assigned
	for i in 2 3 4 5; do echo $i | kcat_write trickle; sleep 0.7; done &&
	wait $pipe &&
	seq 3 >want && test_cmp want got &&
	kq-sub -q -g trickle -t trickle -e >again &&
	grep -qx 4 again && grep -qx 5 again
'

test_expect_success 'SIGTERM: what the pipe took is committed' '
	seq 50 | kcat_write term
	( kq-sub -q -g term -t term & echo $! >t.pid; wait ) | cat >got &
	wait_lines 50 got
	kill -TERM $(cat t.pid) &&
	wait &&
	seq 50 >want && test_cmp want got &&
	seq 51 60 | kcat_write term &&
	kq-sub -q -g term -t term -e >again &&
	seq 51 60 >want && test_cmp want again
'

test_expect_success '-c N through a pipe: the N taken are committed at the end, no more' '
	kq-sub -q -g counted -t term -c 20 | cat >got &&
	seq 20 >want && test_cmp want got &&
	kq-sub -q -g counted -t term -e >again &&
	seq 21 60 >want && test_cmp want again
'

test_done
