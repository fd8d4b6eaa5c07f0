#!/bin/bash
# On a cluster of three Apache Kafka nodes, a node killed with SIGKILL in
# the middle of the work: kq-pub loses nothing it acknowledged and
# duplicates nothing, kq-sub -g reads on and skips nothing, kq-topic
# describe shows what is missing while the node is down.
# Kafka only: it runs with KQ_TEST_BROKER=kafka (tests/kafka/kafka.sh).
. "$(dirname "$0")/lib.sh"
kafka_only

# A dead node is fenced after broker.session.timeout.ms (9 s by default):
# 3 s keeps the file short.
start_kafka_broker --nodes 3 --set broker.session.timeout.ms=3000 \
	--set broker.heartbeat.interval.ms=500

# describe_fields: kafka-topics --describe without what kq-topic does not
# print (the topic id, the eligible leader replicas of KIP-966).
describe_fields() {
	sed -e 's/\tTopicId: [^\t]*//' -e 's/\tElr:.*$//'
}

# leader TOPIC PARTITION: the node that leads it now.
leader() {
	kcat -b "$KQ_BROKERS" -L -J -t "$1" |
		jq -r ".topics[0].partitions[] | select(.partition == $2) | .leader"
}

# all_up: every node running, whatever a test before left killed.
all_up() {
	for n in 1 2 3; do
		kill -0 "$(cat "$KAFKA_DIR/node$n.pid")" 2>/dev/null ||
			kafka_restart "$n" || return 1
	done
}

# wait_until COMMAND...: until it succeeds (60 s at most).
wait_until() {
	for _ in $(seq 300); do
		"$@" && return 0
		sleep 0.2
	done
	echo "still not: $*" >&2
	return 1
}

test_expect_success 'kill -9 the leader during kq-pub -T of 200,000: every acknowledged record once, in order' '
	kq-topic create rep --partitions 1 --replication-factor 3 \
		-c min.insync.replicas=2 &&
	seq 200000 >in &&
	{ kq-pub -t rep -T --timeout 60s <in >acked 2>err & } &&
	pid=$! &&
	wait_lines 20000 acked &&
	victim=$(leader rep 0) &&
	kafka_kill "$victim" &&
	set +e &&
	wait $pid
	status=$?
	set -e
	cat err &&
	test $status -eq 0 &&
	test "$(cat err)" = "kq-pub: Produced 200000 messages." &&
	test_cmp in acked &&
	test "$(leader rep 0)" != "$victim" &&
	kcat_read rep >got &&
	test_cmp in got &&
	kafka_restart "$victim"
'

test_expect_success 'kq-topic describe shows partitions under-replicated and without a leader while a node is down' '
	all_up &&
	kq-topic create solo --partitions 3 --replication-factor 1 &&
	kq-topic create trio --partitions 1 --replication-factor 3 &&
	wait_until sh -c "test \"\$(kq-topic describe --under-replicated-partitions trio solo)\" = \"\"" &&
	victim=$(leader solo 1) &&
	kafka_kill "$victim" &&
	wait_until sh -c "kq-topic describe --unavailable-partitions solo | grep -q \"Partition: 1\"" &&
	kq-topic describe --unavailable-partitions solo >got &&
	grep -q "^	Topic: solo	Partition: 1	Leader: none	Replicas: $victim	" got &&
	kafka_tool kafka-topics --bootstrap-server "$KQ_BROKERS" --describe \
		--unavailable-partitions --topic solo | describe_fields >want &&
	test_cmp want got &&
	wait_until sh -c "kq-topic describe --under-replicated-partitions trio | grep -q \"Partition: 0\"" &&
	kq-topic describe --under-replicated-partitions trio >got &&
	grep -q "Topic: trio	Partition: 0	" got &&
	! grep -q "Isr: .*$victim" got &&
	kafka_restart "$victim" &&
	wait_until sh -c "test \"\$(kq-topic describe --under-replicated-partitions --unavailable-partitions trio solo)\" = \"\""
'

test_expect_success 'kq-sub -g reads on through its group coordinator'"'"'s kill and restart, and skips nothing' '
	all_up &&
	kq-topic create flow --partitions 3 --replication-factor 3 \
		-c min.insync.replicas=2 &&
	seq 30000 | kq-pub -t flow 2>err &&
	{ kq-sub -t flow -g g1 -o beginning >out 2>suberr & } &&
	pid=$! &&
	wait_lines 30000 out &&
	kafka_tool kafka-consumer-groups --bootstrap-server "$KQ_BROKERS" \
		--describe --group g1 --state >state 2>&1 &&
	victim=$(sed -n "s/.*(\([0-9]\)).*/\1/p" state | head -n 1) &&
	test -n "$victim" &&
	kafka_kill "$victim" &&
	{ seq 30001 60000 | kq-pub -t flow --timeout 60s || exit 1; } &&
	kafka_restart "$victim" &&
	{ seq 60001 90000 | kq-pub -t flow --timeout 60s || exit 1; } &&
	wait_until sh -c "test \"\$(sort -un out | wc -l)\" -ge 90000" &&
	kill -INT $pid &&
	set +e &&
	wait $pid
	status=$?
	set -e
	test $status -eq 130 &&
	seq 90000 >want &&
	sort -un out >got &&
	test_cmp want got
'

test_done
