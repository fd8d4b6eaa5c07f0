#!/bin/bash
# kq-pub: when the broker goes away in the middle, kq-pub does not hang:
# within --timeout it stops with status 1, and every record it read is
# counted either delivered or failed.
. "$(dirname "$0")/lib.sh"

test_expect_success 'broker killed while the input is slow: 5 delivered, 5 failed, status 1' '
	start_broker --topic slow:1 &&
	at=$KQ_BROKERS &&
	mkfifo in &&
	{ kq-pub -t slow --timeout 2s -T <in >out 2>err & } &&
	pid=$! &&
	exec 3>in &&
	seq 5 >&3 &&
	wait_lines 5 out &&
	stop_broker &&
	seq 6 10 >&3 &&
	set +e &&
	wait $pid
	status=$?
	set -e
	exec 3>&-
	test $status -eq 1 &&
	cat >want <<-EOF &&
	kq-pub: no broker answers at $at (Connection refused); waiting up to --timeout
	kq-pub: record 6 (stdin line 6): Message timed out (Connection refused)
	kq-pub: Produced 5 messages, 5 failed; stopped reading at the first failure.
	EOF
	test_cmp want err &&
	seq 5 >want &&
	test_cmp want out
'

test_expect_success 'broker killed under a flood: the counts add up to what was read' '
	start_broker --topic flood:4 &&
	# --rate: unpaced, kq-pub now sends the 300,000 before the broker
	# is stopped on a quiet machine, and there is no failure to count.
	{ seq 300000 | kq-pub -t flood --timeout 2s --rate 50000 --report >out 2>err & } &&
	pid=$! &&
	wait_lines 1000 out &&
	stop_broker &&
	set +e &&
	wait $pid
	status=$?
	set -e
	test $status -eq 1 &&
	jq -s "[length, (map(.record) | sort == [range(1; length + 1)])]" \
		out >got &&
	echo "[$(wc -l <out),true]" | jq . >want &&
	test_cmp want got &&
	ok=$(jq -s "map(select(.error == null)) | length" out) &&
	bad=$(jq -s "map(select(.error != null)) | length" out) &&
	test "$bad" -gt 0 &&
	grep_err "^kq-pub: Produced $ok messages, $bad failed[;.]" err
'

test_done
