#!/bin/bash
# The seed's flow on Apache Kafka, with Kafka's own tools beside kq on the
# same broker: kafka-topics, kafka-console-producer, kafka-console-consumer
# and kafka-consumer-groups read what kq wrote and write what kq reads.
# Kafka only: it runs with KQ_TEST_BROKER=kafka (tests/kafka/kafka.sh).
. "$(dirname "$0")/lib.sh"
kafka_only

start_kafka_broker

# describe_fields: kafka-topics --describe without what kq-topic does not
# print (the topic id, the eligible leader replicas of KIP-966).
describe_fields() {
	sed -e 's/\tTopicId: [^\t]*//' -e 's/\tElr:.*$//'
}

test_expect_success 'kafka-topics --create, then kq-topic describes what kafka-topics does' '
	kafka_tool kafka-topics --bootstrap-server "$KQ_BROKERS" --create \
		--topic foo --partitions 1 --replication-factor 1 >out &&
	grep -q "Created topic foo" out &&
	kafka_tool kafka-topics --bootstrap-server "$KQ_BROKERS" --describe \
		--topic foo | describe_fields >want &&
	kq-topic describe foo >got &&
	test_cmp want got
'

test_expect_success 'seq 42: kafka-console-producer writes, kq-sub reads' '
	seq 42 | kafka_tool kafka-console-producer \
		--bootstrap-server "$KQ_BROKERS" --topic foo 2>err &&
	kq-sub -t foo --from-beginning -c 42 >got 2>err &&
	seq 42 >want &&
	test_cmp want got &&
	grep -q "Processed a total of 42 messages" err
'

test_expect_success 'seq 42: kq-pub writes, kafka-console-consumer reads' '
	seq 42 | kq-pub -t bar 2>err &&
	test "$(cat err)" = "kq-pub: Produced 42 messages." &&
	kafka_tool kafka-console-consumer --bootstrap-server "$KQ_BROKERS" \
		--topic bar --from-beginning --max-messages 42 >got 2>err &&
	seq 42 >want &&
	test_cmp want got
'

test_expect_success 'the GitHub events: kq-jsonsplit | kq-pub, Kafka reads 30, kq counts 30' '
	kq-jsonsplit <"$KQ_DATA/github_events.json" | kq-pub -t events 2>err &&
	jq -c ".[]" "$KQ_DATA/github_events.json" >want &&
	test "$(wc -l <want)" -eq 30 &&
	kafka_tool kafka-console-consumer --bootstrap-server "$KQ_BROKERS" \
		--topic events --from-beginning --max-messages 30 >got 2>err &&
	test_cmp want got &&
	test "$(kq-sub -t events -o beginning -e | kq-count)" -eq 30 &&
	test "$(kq-count -t events)" -eq 30
'

test_expect_success 'kq-topic spelled as kafka-topics gives what kafka-topics gives' '
	kq-topic --create --topic wide --partitions 3 --replication-factor 1 \
		--if-not-exists --bootstrap-server "$KQ_BROKERS" 2>err &&
	kq-topic --create --topic wide --partitions 3 --replication-factor 1 \
		--if-not-exists --bootstrap-server "$KQ_BROKERS" 2>>err &&
	test ! -s err &&
	kafka_tool kafka-topics --bootstrap-server "$KQ_BROKERS" --describe \
		--topic wide | describe_fields >want &&
	kq-topic --describe --topic wide --bootstrap-server "$KQ_BROKERS" >got &&
	test_cmp want got &&
	kafka_tool kafka-topics --bootstrap-server "$KQ_BROKERS" --list >want &&
	kq-topic --list --bootstrap-server "$KQ_BROKERS" >got &&
	test_cmp want got &&
	kq-topic --alter --topic wide --partitions 4 --bootstrap-server "$KQ_BROKERS" &&
	kafka_tool kafka-topics --bootstrap-server "$KQ_BROKERS" --describe \
		--topic wide | grep -q "PartitionCount: 4"
'

test_expect_success 'kq-sub -g commits what kafka-consumer-groups then shows, and kq-count agrees' '
	kq-sub -t foo -g billing -o beginning -c 40 >got 2>err &&
	test "$(wc -l <got)" -eq 40 &&
	kafka_tool kafka-consumer-groups --bootstrap-server "$KQ_BROKERS" \
		--describe --group billing >groups 2>err &&
	awk "\$2 == \"foo\" { print \$4, \$5, \$6 }" groups >got &&
	echo "40 42 2" >want &&
	test_cmp want got &&
	test "$(kq-count -t foo -g billing)" -eq 2
'

test_expect_success 'kafka-console-consumer in a group resumes where kq-sub -g stopped' '
	kafka_tool kafka-console-consumer --bootstrap-server "$KQ_BROKERS" \
		--topic foo --group billing --max-messages 2 >got 2>err &&
	printf "41\n42\n" >want &&
	test_cmp want got
'

test_expect_success 'the keys: kq-pub -K, kafka-console-consumer prints key and value' '
	printf "alice:1\nbob:2\n" | kq-pub -t kv -K : 2>err &&
	kafka_tool kafka-console-consumer --bootstrap-server "$KQ_BROKERS" \
		--topic kv --from-beginning --max-messages 2 \
		--formatter-property print.key=true \
		--formatter-property key.separator=: >got 2>err &&
	printf "alice:1\nbob:2\n" >want &&
	test_cmp want got
'

test_expect_success 'Debian'"'"'s kafka-python 2.0.2 speaks to Kafka 4: reads in a group what kq-pub wrote, writes what kq-sub reads' '
	seq 5 | kq-pub -t py 2>err &&
	/usr/bin/python3 - "$KQ_BROKERS" >got <<-\PY &&
	import sys
	from kafka import KafkaProducer, KafkaConsumer
	b = sys.argv[1]
	c = KafkaConsumer("py", bootstrap_servers=b, group_id="pyg",
	                  auto_offset_reset="earliest", consumer_timeout_ms=5000)
	for m in c:
	    print(m.value.decode())
	c.commit()
	p = KafkaProducer(bootstrap_servers=b, acks="all")
	for i in range(6, 11):
	    p.send("py", str(i).encode())
	p.flush()
	PY
	seq 5 >want &&
	test_cmp want got &&
	test "$(kq-count -t py -g pyg)" -eq 5 &&
	kq-sub -t py -o beginning -e >got &&
	seq 10 >want &&
	test_cmp want got
'

test_done
