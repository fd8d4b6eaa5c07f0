#!/bin/bash
# kq-sub in a pipe: a live tail shows each message at once, a reader that
# leaves ends kq-sub quietly with status 0, a full disk is status 74, and
# SIGINT finishes, reports and exits 130.
. "$(dirname "$0")/lib.sh"

start_broker --topic many:2 --topic few:1 --topic live:1

test_expect_success 'setup' '
	seq 200000 | kcat_write many -X sticky.partitioning.linger.ms=0 &&
	seq 5 | kcat_write few
'

test_expect_success '| head -3 while messages pour in: status 0, not a word' '
	bash -c "kq-sub -t many -o beginning 2>err | head -3 >got; echo \${PIPESTATUS[0]} >st" &&
	test "$(wc -l <got)" -eq 3 &&
	test "$(cat st)" = 0 &&
	test ! -s err
'

test_expect_success '| head -3 while kq-sub waits for more: it notices and ends' '
	timeout 20 bash -c "kq-sub -t few -o beginning 2>err | head -3 >got; echo \${PIPESTATUS[0]} >st" &&
	seq 3 >want && test_cmp want got &&
	test "$(cat st)" = 0 &&
	test ! -s err
'

test_expect_success 'a live tail through grep shows each message as it comes' '
	echo first | kcat_write live
	( kq-sub -q -t live -o beginning & echo $! >pid; wait ) |
		grep --line-buffered . >got &
	wait_for got first
	echo second | kcat_write live
	wait_for got second
	kill -TERM $(cat pid)
	wait
	printf "first\nsecond\n" >want &&
	test_cmp want got
'

test_expect_success '-u gives the same bytes, one write a message' '
	kq-sub -q -t few -o beginning -e -u >got &&
	seq 5 >want && test_cmp want got
'

test_expect_success 'a write error is status 74 with one line, and no count of what never arrived' '
	expect_status 74 kq-sub -t many -o beginning -e >/dev/full 2>err &&
	grep_err "^kq-sub: stdout: No space left on device" err &&
	test "$(wc -l <err)" -eq 1
'

test_expect_success 'SIGINT: the read stops, the count is reported, status 130' '
	kq-sub -t few -o beginning >got 2>err &
	pid=$!
	wait_for got 5
	kill -INT $pid
	expect_status 130 wait $pid &&
	seq 5 >want && test_cmp want got &&
	grep_err "Processed a total of 5 messages" err
'

test_expect_success 'a write error commits nothing: the group has read none of it' '
	expect_status 74 kq-sub -q -t few -g full -o beginning -e >/dev/full 2>err &&
	kq-count -t few -g full >lag &&
	test "$(cat lag)" -eq 5
'

test_expect_success 'bytes another writer left in the pipe do not make unread messages taken' '
	{ head -c 60000 /dev/zero | tr "\0" x; echo; kq-sub -q -t few -g shared -o beginning -e; } | sleep 8 &&
	kq-count -t few -g shared >lag &&
	test "$(cat lag)" -eq 5
'

test_expect_success 'through a pipe or into a file, every message once' '
	kq-sub -q -t many -o beginning -e >file &&
	kq-sub -q -t many -o beginning -e | cat >piped &&
	seq 200000 >want &&
	sort -n file >got && test_cmp want got &&
	sort -n piped >got && test_cmp want got
'

test_expect_success 'on a terminal, -e shows count, rate and how far to the end; elsewhere nothing' '
	seq 100000 | kq-pub -q -t prog -p 0 &&
	script -qec "kq-sub -t prog -e | { sleep 2; cat >/dev/null; }" /dev/null >tty.out &&
	tr "\r" "\n" <tty.out | grep -Eq "^kq-sub: [0-9]+ messages, [0-9.]+ MB, [0-9]+/s, [0-9]+% of the end offsets" &&
	kq-sub -t prog -e 2>err | { sleep 2; cat >/dev/null; } &&
	! grep -q "of the end offsets" err &&
	! tr "\r" "\n" <err | grep -q "/s"
'

test_done
