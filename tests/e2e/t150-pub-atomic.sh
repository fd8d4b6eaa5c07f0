#!/bin/bash
# kq-pub --atomic: the records of a run go in one transaction, committed at
# the end of the input, aborted on a failure or a signal.
#
# The mock broker keeps aborted messages visible to read_committed readers
# (it writes no transaction markers), so what an abort hides is not
# checked here; its status and its report are.
. "$(dirname "$0")/lib.sh"

start_mock_broker --topic atom:2 --topic fail:1 --topic int:1

test_expect_success '--atomic commits at the end: a read_committed reader sees all' '
	seq 100 | kq-pub -t atom --atomic 2>err &&
	test "$(cat err)" = "kq-pub: Produced 100 messages in one transaction." &&
	kcat_read atom -X isolation.level=read_committed | sort -n >got &&
	seq 100 >want &&
	test_cmp want got
'

test_expect_success '--atomic: a failed record aborts the transaction, status 1' '
	{ seq 3; head -c 1100000 /dev/zero | tr "\0" x; echo; seq 5 6; } >in &&
	expect_status 1 kq-pub -t fail --atomic <in 2>err &&
	cat >want <<-\EOF &&
	kq-pub: record 4 (stdin line 4): Message size too large: over the producer limit message.max.bytes=1000000 (raise it with -X message.max.bytes=N)
	kq-pub: Aborted the transaction: none of 4 messages committed.
	EOF
	test_cmp want err
'

test_expect_success '--atomic: SIGINT aborts the transaction, status 130' '
	mkfifo in2 &&
	{ kq-pub -t int --atomic <in2 2>err & } &&
	pid=$! &&
	exec 3>in2 &&
	seq 5 >&3 &&
	i=0 &&
	until test "$(kcat_read int | wc -l)" -eq 5; do
		i=$((i + 1))
		test $i -lt 100 || { exec 3>&-; false; }
		sleep 0.1
	done &&
	kill -INT $pid &&
	set +e &&
	wait $pid
	status=$?
	set -e
	exec 3>&-
	test $status -eq 130 &&
	grep_err "^kq-pub: Aborted the transaction: none of 5 messages committed.$" err
'

test_expect_success '--atomic refuses what it cannot keep: -T, --report, --keep-going, --acks 1' '
	expect_status 64 kq-pub -t x --atomic -T </dev/null 2>err &&
	expect_status 64 kq-pub -t x --atomic --report </dev/null 2>err &&
	expect_status 64 kq-pub -t x --atomic --keep-going </dev/null 2>err &&
	expect_status 64 kq-pub -t x --atomic --acks 1 </dev/null 2>err &&
	grep_err "^kq-pub: --atomic needs --acks all$" err
'

test_done
