#!/bin/bash
# kq-topic list and describe: what the broker's metadata says, as kcat -L
# sees it; the kafka-topics layout, JSON that jq reads, watermarks.
. "$(dirname "$0")/lib.sh"

start_broker --topic foo:1 --topic wide:3 --topic __internal:1 \
	--topic orders.eu:2 --topic orders.us:1

# kcat_topics: the topic names kcat -L sees, sorted (-L with no -t, which
# would create the topic on kq-broker).
kcat_topics() {
	kcat -b "$KQ_BROKERS" -L -J | jq -r '.topics[].topic' | sort
}

test_expect_success 'list prints the names kcat -L sees, sorted, internal ones with -a or --list' '
	kcat_topics >all &&
	kq-topic list -a >got &&
	test_cmp all got &&
	grep -v "^__" all >want &&
	kq-topic list >got &&
	test_cmp want got &&
	kq-topic --list --exclude-internal --bootstrap-server "$KQ_BROKERS" >got &&
	test_cmp want got &&
	kq-topic --list --bootstrap-server "$KQ_BROKERS" >got &&
	test_cmp all got
'

test_expect_success 'list takes shell patterns' '
	printf "orders.eu\norders.us\n" >want &&
	kq-topic list "orders.*" >got &&
	test_cmp want got &&
	kq-topic list "nomatch*" >got &&
	test ! -s got &&
	echo __internal >want &&
	kq-topic list "_*" >got &&
	test_cmp want got
'

# The configs a broker reports as set on a topic made with none: Apache
# Kafka 4 sets min.insync.replicas for the whole cluster (KIP-966), and
# kafka-topics shows it too (t960).
configs=
[ "${KQ_TEST_BROKER:-}" = kafka ] && configs=min.insync.replicas=1

test_expect_success 'describe prints the kafka-topics layout, as kcat -L sees it' '
	kq-topic describe wide >got &&
	printf "Topic: wide\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: %s\n" \
		"$configs" >want &&
	kcat -b "$KQ_BROKERS" -L -J |
		jq -r ".topics[] | select(.topic == \"wide\") | .partitions |
			sort_by(.partition)[] |
			\"\tTopic: wide\tPartition: \(.partition)\tLeader: \(.leader)\tReplicas: \([.replicas[].id] | join(\",\"))\tIsr: \([.isrs[].id] | join(\",\"))\"" >>want &&
	test_cmp want got
'

test_expect_success 'describe with no topic describes all but internal ones' '
	kq-topic describe >got &&
	grep "^Topic:" got | cut -f1 | sed "s/^Topic: //" >names &&
	kcat_topics | grep -v "^__" >want &&
	test_cmp want names &&
	test "$(grep -c "	Partition: " got)" -eq 7
'

test_expect_success 'describe --json: one object per topic, as kcat -L sees it' '
	kq-topic describe --json wide foo >got &&
	test "$(wc -l <got)" -eq 2 &&
	jq -c "{topic, partition_count, replication_factor,
		parts: [.partitions[] | [.partition, .leader, .replicas, .isr]]}" got >mine &&
	kcat -b "$KQ_BROKERS" -L -J |
		jq -c ".topics | sort_by(.topic)[] |
			select(.topic == \"wide\" or .topic == \"foo\") |
			{topic, partition_count: (.partitions | length),
			 replication_factor: (.partitions[0].replicas | length),
			 parts: [.partitions | sort_by(.partition)[] |
				[.partition, .leader, [.replicas[].id], [.isrs[].id]]]}" >theirs &&
	test_cmp theirs mine &&
	jq -s -e --arg c "$configs" "map(select(.topic == \"foo\"))[0].configs |
		. == null or (to_entries | map(\"\(.key)=\(.value)\") | join(\",\")) == \$c" got
'

test_expect_success 'describe -o adds each partition'"'"'s watermarks' '
	seq 42 | kcat_write wide -p 1 &&
	seq 5 | kcat_write wide -p 2 &&
	kq-topic describe -o wide >got &&
	grep -q "Partition: 0	.*LowWatermark: 0	HighWatermark: 0$" got &&
	grep -q "Partition: 1	.*LowWatermark: 0	HighWatermark: 42$" got &&
	grep -q "Partition: 2	.*LowWatermark: 0	HighWatermark: 5$" got &&
	kq-topic describe -o --json wide >got &&
	test "$(jq "[.partitions[] | .high - .low] | add" got)" -eq \
		"$(kcat_read wide | wc -l)"
'

test_expect_success 'describe patterns and internal topics' '
	kq-topic describe "orders.*" >got &&
	test "$(grep -c "^Topic: " got)" -eq 2 &&
	kq-topic describe __internal >got &&
	grep -q "^Topic: __internal	" got &&
	kq-topic describe >got &&
	! grep -q __internal got &&
	kq-topic describe -a >got &&
	grep -q "^Topic: __internal	" got
'

test_expect_success 'describe a topic that does not exist: 69, and it is not made' '
	expect_status 69 kq-topic describe foo nosuch "zz*" >out 2>err &&
	grep_err "^kq-topic: describe: no topic .nosuch.$" err &&
	grep_err "^kq-topic: describe: no topic matches .zz\*.$" err &&
	grep -q "^Topic: foo	" out &&
	! kcat_topics | grep -q nosuch
'

test_expect_success 'the partition filters of kafka-topics show healthy partitions not at all' '
	kq-topic describe --under-replicated-partitions >got &&
	test ! -s got &&
	kq-topic describe --unavailable-partitions >got &&
	test ! -s got
'

test_expect_success 'a closed reader ends describe quietly' '
	kq-topic describe -a | head -c 10 >/dev/null &&
	kq-topic describe -a 2>err | head -1 >/dev/null &&
	test ! -s err
'

test_expect_success 'no broker: 69 and one line naming it' '
	expect_status 69 kq-topic list -b 127.0.0.1:1 --timeout 2s 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	grep_err "^kq-topic: cannot reach 127.0.0.1:1: " err
'

test_done
