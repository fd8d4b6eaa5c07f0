#!/bin/bash
# kq-group beside kafka-consumer-groups on Apache Kafka: each moves a
# group's offsets and the other shows the same; their describe and list
# agree; a group deleted by one is gone for the other.
# Kafka only: it runs with KQ_TEST_BROKER=kafka (tests/kafka/kafka.sh).
. "$(dirname "$0")/lib.sh"
kafka_only

start_kafka_broker

kcg() {
	kafka_tool kafka-consumer-groups --bootstrap-server "$KQ_BROKERS" "$@"
}

# offsets: topic, partition, current, end and lag of a --describe, sorted.
offsets() {
	awk -F "[ \t]+" "\$1 != \"GROUP\" && NF >= 6 { print \$2, \$3, \$4, \$5, \$6 }" | sort
}

test_expect_success 'setup: 10 and 6 messages in two partitions' '
	kq-topic create pair -p 2 &&
	seq 10 | kcat_write pair -p 0 &&
	seq 6 | kcat_write pair -p 1
'

test_expect_success 'kq-group reset --execute, then kafka-consumer-groups shows the same offsets' '
	kq-group reset g -t pair --to 4 --execute >plan &&
	kcg --describe --group g >theirs 2>err &&
	offsets <theirs >got &&
	printf "%s\n" "pair 0 4 10 6" "pair 1 4 6 2" >want &&
	test_cmp want got
'

test_expect_success 'kafka-consumer-groups --reset-offsets, then kq-group describe shows the same' '
	kcg --reset-offsets --group g --topic pair:1 --shift-by -3 --execute >out 2>err &&
	kq-group describe g | offsets >got &&
	printf "%s\n" "pair 0 4 10 6" "pair 1 1 6 5" >want &&
	test_cmp want got &&
	kcg --describe --group g 2>err | offsets >theirs &&
	test_cmp theirs got
'

test_expect_success 'the Kafka spelling too: kq-group --reset-offsets --to-earliest --execute' '
	kq-group --bootstrap-server "$KQ_BROKERS" --reset-offsets --group g \
		--topic pair --to-earliest --execute >out &&
	kcg --describe --group g 2>err | offsets >got &&
	printf "%s\n" "pair 0 0 10 10" "pair 1 0 6 6" >want &&
	test_cmp want got
'

test_expect_success 'kq-group list names what kafka-consumer-groups --list does' '
	kcg --reset-offsets --group h --topic pair --to-latest --execute >out 2>err &&
	kcg --list 2>err | sort >want &&
	kq-group list | cut -f1 >got &&
	test_cmp want got
'

test_expect_success 'a group deleted by one is gone for the other' '
	kcg --delete --group h >out 2>err &&
	expect_status 69 kq-group describe h 2>err &&
	grep -q "no group .h." err &&
	kq-group delete g &&
	kcg --list 2>err >groups &&
	! grep -qx g groups
'

test_done
