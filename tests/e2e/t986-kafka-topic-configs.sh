#!/bin/bash
# kq-topic configs and alter beside kafka-configs on Apache Kafka: what
# one sets, the other shows.
# Kafka only: it runs with KQ_TEST_BROKER=kafka (tests/kafka/kafka.sh).
. "$(dirname "$0")/lib.sh"
kafka_only

start_kafka_broker

kcf() {
	kafka_tool kafka-configs --bootstrap-server "$KQ_BROKERS" "$@"
}

test_expect_success 'kq-topic alter, then kafka-configs --describe shows the configs set' '
	kq-topic create cf -c retention.ms=1000 &&
	kq-topic alter cf -c segment.ms=600000 &&
	kcf --describe --entity-type topics --entity-name cf >out 2>err &&
	grep -q "retention.ms=1000 " out &&
	grep -q "segment.ms=600000 " out
'

test_expect_success 'kafka-configs --alter, then kq-topic configs shows it set, the deleted one default' '
	kcf --alter --entity-type topics --entity-name cf \
		--add-config cleanup.policy=compact --delete-config retention.ms >out 2>err &&
	kq-topic configs cf >got &&
	grep -qx "cf	cleanup.policy	compact	set	DYNAMIC_TOPIC_CONFIG" got &&
	grep -q "^cf	retention.ms	[^	]*	default	" got &&
	grep -qx "cf	segment.ms	600000	set	DYNAMIC_TOPIC_CONFIG" got
'

test_expect_success 'kq-topic brokers names the cluster id Kafka gives' '
	kq-topic brokers | head -1 | grep -q "^ClusterId: [A-Za-z0-9_-]\{10,\}	Controller: [0-9]"
'

test_done
