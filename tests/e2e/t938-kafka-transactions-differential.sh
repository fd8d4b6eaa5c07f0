#!/bin/bash
# Transactions on kq-broker and on Apache Kafka give the same results: a
# kq-pub --atomic commit and an abort as kcat and kq-sub read them
# (read_committed; the offsets of the commit too: how many of the records
# before the bad one librdkafka sent before the abort is its timing),
# and the exactly-once copy of txncopy killed mid-transaction.
# Kafka only: it runs with KQ_TEST_BROKER=kafka (tests/kafka/kafka.sh).
. "$(dirname "$0")/lib.sh"
kafka_only

start_kq_broker
KQ=$KQ_BROKERS
start_kafka_broker
KAFKA=$KQ_BROKERS

# both NAME 'commands': run them against kq-broker, then against Kafka
# (KQ_BROKERS and B set to each), stdout, stderr and status compared (but
# the shell's line on a process killed, which holds its pid).
both() {
	for b in kq kafka; do
		eval "B=\$$(echo "$b" | tr a-z A-Z)"
		KQ_BROKERS=$B
		export B KQ_BROKERS
		set +e
		(set -e && eval "$2") >"$1.out" 2>"$1.err"
		echo "status $?" >>"$1.err"
		set -e
		cat "$1.out" "$1.err" | sed -e "s/$KQ/BROKER/g" \
			-e "s/$KAFKA/BROKER/g" -e "/ Killed /d" >"$1.$b"
	done
	test_cmp "$1.kq" "$1.kafka"
}

for B in "$KQ" "$KAFKA"; do
	kq-topic -b "$B" create atom --partitions 1 &&
	kq-topic -b "$B" create ab --partitions 1 &&
	kq-topic -b "$B" create in --partitions 3 &&
	kq-topic -b "$B" create out --partitions 1 &&
	seq 1000 | kq-pub -q -b "$B" -t in ||
		{ echo "not ok - the topics could not be made"; exit 1; }
done

test_expect_success 'a commit: the records, their offsets, the ends' '
	both commit "seq 100 | kq-pub -t atom --atomic;
		kcat -b \$B -C -t atom -o beginning -e -q -f \"%o %s\n\" \
			-X isolation.level=read_committed;
		kq-sub -t atom -o beginning -e -X isolation.level=read_committed;
		kq-count -t atom -v" &&
	grep -qx "99 100" commit.kafka
'

test_expect_success 'an abort: nothing visible, then what follows' '
	both abort "{ seq 3; head -c 1100000 /dev/zero | tr \"\\\\0\" x; echo; } |
			kq-pub -t ab --atomic;
		seq 7 8 | kq-pub -q -t ab;
		kcat -b \$B -C -t ab -o beginning -e -q \
			-X isolation.level=read_committed;
		kq-sub -t ab -o beginning -e -X isolation.level=read_committed" &&
	grep -q "Aborted the transaction" abort.kafka
'

test_expect_success 'read-process-write killed mid-transaction: exactly once on both' '
	both eos "\"\$KQ_TESTBIN/txncopy\" \$B in out g tx 155 2>/dev/null;
		echo \$?;
		\"\$KQ_TESTBIN/txncopy\" \$B in out g tx 2>/dev/null;
		kcat -b \$B -C -t out -o beginning -e -q \
			-X isolation.level=read_committed | sort -n | md5sum;
		kcat -b \$B -C -t out -o beginning -e -q \
			-X isolation.level=read_uncommitted | wc -l" &&
	test "$(seq 1000 | md5sum)" = "$(sed -n 2p eos.kafka)"
'

test_done
