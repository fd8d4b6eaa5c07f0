#!/bin/bash
# kq-pub --atomic on Apache Kafka, which keeps transactions (the mock only
# pretends, kq-broker has none: t150): a run is committed whole, and an
# abort, on a bad record or a signal, hides every record of the run from a
# read_committed reader although they reached the log.
# Kafka only: it runs with KQ_TEST_BROKER=kafka (tests/kafka/kafka.sh).
. "$(dirname "$0")/lib.sh"
kafka_only

start_kafka_broker --topic atom:2 --topic int:1
# A topic whose broker refuses records over 1000 bytes: a bad record that
# only the broker sees, after the good ones before it were sent.
kq-topic create small --partitions 1 -c max.message.bytes=1000

# read TOPIC ISOLATION: every message kcat sees at that isolation level.
read() {
	kcat_read "$1" -X isolation.level="$2"
}

# wait_count TOPIC N: until a read_uncommitted reader sees N messages.
wait_count() {
	for _ in $(seq 200); do
		[ "$(read "$1" read_uncommitted | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

test_expect_success '--atomic commits at the end: read_committed readers see all 100' '
	seq 100 | kq-pub -t atom --atomic 2>err &&
	test "$(cat err)" = "kq-pub: Produced 100 messages in one transaction." &&
	seq 100 >want &&
	read atom read_committed | sort -n >got &&
	test_cmp want got &&
	kafka_tool kafka-console-consumer --bootstrap-server "$KQ_BROKERS" \
		--topic atom --from-beginning --max-messages 100 \
		--isolation-level read_committed 2>err | sort -n >got &&
	test_cmp want got
'

test_expect_success '--atomic: a record the broker refuses aborts all, though 5 reached the log' '
	mkfifo in &&
	{ kq-pub -t small --atomic <in 2>err & } &&
	pid=$! &&
	exec 3>in &&
	seq 5 >&3 &&
	wait_count small 5 &&
	test "$(read small read_committed | wc -l)" -eq 0 &&
	head -c 2000 /dev/zero | tr "\0" x >&3 &&
	echo >&3 &&
	seq 7 9 >&3 &&
	exec 3>&- &&
	set +e &&
	wait $pid
	status=$?
	set -e
	test $status -eq 1 &&
	grep_err "^kq-pub: record 6 (stdin line 6): " err &&
	grep_err "^kq-pub: Aborted the transaction: none of .* messages committed.$" err &&
	test "$(read small read_committed | wc -l)" -eq 0 &&
	seq 5 >want &&
	read small read_uncommitted >got &&
	test_cmp want got &&
	test "$(kq-sub -t small -o beginning -e | wc -l)" -eq 0
'

test_expect_success 'after an abort the next run commits: readers see it alone, all or none' '
	seq 11 13 | kq-pub -t small --atomic 2>err &&
	seq 11 13 >want &&
	read small read_committed >got &&
	test_cmp want got &&
	kq-sub -t small -o beginning -e >got &&
	test_cmp want got
'

test_expect_success '--atomic: SIGINT aborts, status 130, and no reader sees the 5 sent' '
	mkfifo in2 &&
	{ kq-pub -t int --atomic <in2 2>err & } &&
	pid=$! &&
	exec 3>in2 &&
	seq 5 >&3 &&
	wait_count int 5 &&
	kill -INT $pid &&
	set +e &&
	wait $pid
	status=$?
	set -e
	exec 3>&-
	test $status -eq 130 &&
	grep_err "^kq-pub: Aborted the transaction: none of 5 messages committed.$" err &&
	test "$(read int read_committed | wc -l)" -eq 0 &&
	test "$(kq-sub -t int -o beginning -e | wc -l)" -eq 0 &&
	test "$(read int read_uncommitted | wc -l)" -eq 5
'

test_done
