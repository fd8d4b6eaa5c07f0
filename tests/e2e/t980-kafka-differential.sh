#!/bin/bash
# kq-broker against Apache Kafka: the same requests, from kcat, from kq and
# from Kafka's own tools, to both brokers, and the answers compared byte
# for byte once the address is taken out. The one difference left is
# Kafka 4's cluster-wide min.insync.replicas=1, which it reports among the
# configs of every topic and kq-broker (one node, no replication) does not.
# Kafka only: it runs with KQ_TEST_BROKER=kafka (tests/kafka/kafka.sh).
. "$(dirname "$0")/lib.sh"
kafka_only

start_kq_broker
KQ=$KQ_BROKERS
start_kafka_broker
KAFKA=$KQ_BROKERS

# both NAME 'commands': run them against kq-broker, then against Kafka
# (KQ_BROKERS and B set to each), each one's stdout, stderr and status
# in NAME.kq and NAME.kafka, and compare.
both() {
	for b in kq kafka; do
		eval "B=\$$(echo "$b" | tr a-z A-Z)"
		KQ_BROKERS=$B
		export B KQ_BROKERS
		set +e
		(set -e && eval "$2") >"$1.out" 2>"$1.err"
		echo "status $?" >>"$1.err"
		set -e
		cat "$1.out" "$1.err" | normalize >"$1.$b"
	done
	test_cmp "$1.kq" "$1.kafka"
}

# normalize: the broker's address, librdkafka's log timestamps and
# Kafka's own additions (the topic id, eligible leader replicas, the
# cluster-wide min.insync.replicas) out.
normalize() {
	sed -e "s/$KQ/BROKER/g" -e "s/$KAFKA/BROKER/g" \
		-e 's/^%\([0-9]\)|[0-9.]*|/%\1|TIME|/' \
		-e 's/\tTopicId: [^\t]*//' -e 's/\tElr:.*$//' \
		-e 's/min\.insync\.replicas=1,\{0,1\}//' \
		-e 's/"min\.insync\.replicas":"1",\{0,1\}//'
}

# Each broker gets the same topics and records first.
for B in "$KQ" "$KAFKA"; do
	kq-topic -b "$B" create foo --partitions 2 &&
	seq 10 | kq-pub -q -b "$B" -t foo -p 0 &&
	for i in 1 2 3 4 5; do
		echo "{\"value\":\"v$i\",\"timestamp\":$((1700000000000 + i * 1000))}"
	done | kq-pub -q -b "$B" -t times -J ||
		{ echo "not ok - the topics could not be made"; exit 1; }
done

test_expect_success 'metadata: kcat -L -J and kq-topic describe --json' '
	both md "kcat -b \$B -L -J -t foo | jq -c .topics" &&
	both describe "kq-topic describe --json foo times; kq-topic describe -o foo" &&
	grep -q "\"partition\":1," md.kafka &&
	grep -q "\"partition_count\":2" describe.kafka &&
	grep -q "HighWatermark: 10" describe.kafka
'

test_expect_success 'kafka-topics --describe and --list, Kafka'"'"'s own tool' '
	both kt "kafka_tool kafka-topics --bootstrap-server \$B --describe --topic foo;
		kafka_tool kafka-topics --bootstrap-server \$B --list" &&
	grep -q "PartitionCount: 2" kt.kafka &&
	grep -qx times kt.kafka
'

test_expect_success 'ListOffsets by time: kq-sub -o @T, kcat -o s@T, past the end' '
	both bytime "kq-sub -t times -o @1700000003000 -e -f \"%o %T %s\n\";
		kcat -b \$B -C -t times -o s@1700000003500 -e -q -f \"%o %T %s\n\";
		kcat -b \$B -C -t times -o s@1800000000000 -e -q -f \"%o %T %s\n\";
		kq-count -t times -v" &&
	test "$(grep -c "^3 1700000004000 v4$" bytime.kafka)" -eq 2
'

test_expect_success 'a group: its offsets and lag by kq-count and kafka-consumer-groups' '
	both group "kq-sub -t foo -g grp -o beginning -c 4 >/dev/null;
		kq-count -t foo -g grp -v;
		kafka_tool kafka-consumer-groups --bootstrap-server \$B --describe --group grp;
		kafka_tool kafka-consumer-groups --bootstrap-server \$B --list" &&
	grep -q "^grp  *foo  *0  *4  *10  *6 " group.kafka
'

test_expect_success 'errors: a bad name, an existing topic, an out-of-range offset, too large a message' '
	both badname "kcat -b \$B -L -t \"bad name!\" | tail -n 1; kq-pub -t \"bad!\" </dev/null" &&
	both exists "kq-topic create foo" &&
	both range "kq-sub -t foo -p 0 -o 1000 -e; kcat -b \$B -C -t foo -p 0 -o 1000 -e" &&
	both large "head -c 1100000 /dev/zero | tr \"\\0\" x |
		kq-pub -t foo -X message.max.bytes=2000000" &&
	grep -q "Invalid topic" badname.kafka &&
	grep -q "exists already" exists.kafka &&
	grep -q "offset 1000 is past the end 10" range.kafka &&
	grep -q "Message size too large" large.kafka &&
	grep -q "status 1" large.kafka
'

test_done
