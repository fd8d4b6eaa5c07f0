#!/bin/bash
# A transactional read-process-write loop (librdkafka's, in
# tests/fixture/txncopy.c: consume, produce, send the offsets to the
# transaction, commit) is exactly-once on kq-broker across kills of the
# processor mid-transaction: every input message is in the output once,
# as kcat and kq-sub (read_committed) read it. The offsets a transaction
# has pending are not given to a read_committed reader of the group's
# offsets (require_stable): it waits for the end of the transaction.
. "$(dirname "$0")/lib.sh"
kq_broker_test

start_kq_broker --fsync always --topic in:3 --topic out:2 --topic sin:1 \
	--topic sout:1

test_expect_success 'the processor killed twice mid-transaction, then run to the end' '
	seq 1000 | kq-pub -q -t in &&
	expect_status 137 "$KQ_TESTBIN/txncopy" "$KQ_BROKERS" in out g tx 155 \
		2>err1 &&
	expect_status 137 "$KQ_TESTBIN/txncopy" "$KQ_BROKERS" in out g tx 333 \
		2>err2 &&
	"$KQ_TESTBIN/txncopy" "$KQ_BROKERS" in out g tx 2>err3 &&
	kcat_read out -X isolation.level=read_committed | sort -n >got &&
	seq 1000 >want &&
	test_cmp want got &&
	kq-sub -t out -o beginning -e -X isolation.level=read_committed \
		2>/dev/null | sort -n >got2 &&
	test_cmp want got2
'

test_expect_success 'the 5 + 3 copies of the killed transactions are stored, and aborted' '
	test "$(kcat_read out -X isolation.level=read_uncommitted | wc -l)" \
		-eq 1008
'

test_expect_success 'offsets pending in a transaction: kq-count waits for its commit' '
	seq 10 | kq-pub -q -t sin &&
	{ "$KQ_TESTBIN/txncopy" "$KQ_BROKERS" sin sout sg stx 0 4000 \
		2>hold.err & } &&
	pid=$! &&
	wait_for hold.err "offsets sent" &&
	kq-count -t sin -g sg -v >count &&
	printf "PARTITION\tLAG\tCOMMITTED\tHIGH\n0\t0\t10\t10\n0\n" >want &&
	test_cmp want count &&
	wait $pid
'

test_done
