#!/bin/bash
# kq-broker's topic admin: kq-topic create, delete and partitions end to
# end (kcat -L agrees), re-runs with --if-not-exists and --if-exists, the
# configs it honours, and python3-kafka's admin client.
. "$(dirname "$0")/lib.sh"
kq_broker_test

start_kq_broker -d "$TMP/data" --topic foo:1

kcat_topics() {
	kcat -b "$KQ_BROKERS" -L -J | jq -r '.topics[].topic' | sort
}

kcat_parts() {
	kcat -b "$KQ_BROKERS" -L -J -t "$1" | jq '.topics[0].partitions | length'
}

test_expect_success 'create: kcat sees the topic with its partitions' '
	kq-topic create made -p 3 2>err &&
	test ! -s err &&
	test "$(kcat_parts made)" -eq 3 &&
	seq 30 | kcat_write made &&
	test "$(kcat_read made | wc -l)" -eq 30 &&
	grep -q "topic made created with 3 partitions (for kq-topic)" "$TMP/broker0.err"
'

test_expect_success 'create again: 1 saying so; --if-not-exists: 0, the data kept' '
	expect_status 1 kq-topic create made -p 3 2>err &&
	grep_err "^kq-topic: create made: the topic exists already$" err &&
	kq-topic create made -p 3 --if-not-exists 2>err &&
	test ! -s err &&
	kq-topic create made -p 1 --if-not-exists 2>err &&
	grep_err "exists already, with 3 partitions, not 1" err &&
	test "$(kcat_read made | wc -l)" -eq 30 &&
	kq-topic create foo -p 2 --if-not-exists 2>err &&
	grep_err "create foo: exists already, with 1 partition, not 2$" err
'

test_expect_success 'kafka-topics spelling, several topics at once' '
	kq-topic --create --topic k1 --topic k2 --partitions 2 \
		--replication-factor 1 --bootstrap-server "$KQ_BROKERS" &&
	test "$(kcat_parts k1)" -eq 2 && test "$(kcat_parts k2)" -eq 2
'

test_expect_success 'a replication factor above 1 is refused: one node' '
	expect_status 64 kq-topic create r3 -r 3 2>err &&
	grep_err "replication factor 3: this broker is a single node" err &&
	! kcat_topics | grep -qx r3
'

test_expect_success 'configs: set and described; unknown names and bad values refused' '
	kq-topic create conf -c retention.ms=3600000 -c retention.bytes=1048576 &&
	kq-topic describe conf >d &&
	grep -q "retention.bytes=1048576" d && grep -q "retention.ms=3600000" d &&
	expect_status 64 kq-topic create comp -c cleanup.policy=shred 2>err &&
	grep_err "Invalid value shred for configuration cleanup.policy" err &&
	expect_status 64 kq-topic create bogus -c no.such.config=1 2>err &&
	grep_err "Unknown topic config name: no.such.config" err &&
	! kcat_topics | grep -Eqx "comp|bogus"
'

test_expect_success 'a record over the topic limit: kq-pub names that limit, not its own' '
	kq-topic create small -c max.message.bytes=2000 &&
	seq 3 | kq-pub -q -t small &&
	head -c 5000 /dev/zero | tr "\0" x >big &&
	expect_status 1 kq-pub -t small <big 2>err &&
	grep_err "^kq-pub: record 1 (stdin line 1): Message size too large for the broker: over the topic limit max.message.bytes (or the broker limit message.max.bytes)$" err
'

test_expect_success 'partitions: raised, kcat sees them, old data stays in place' '
	kq-topic partitions made 5 &&
	test "$(kcat_parts made)" -eq 5 &&
	test "$(kcat_read made | wc -l)" -eq 30 &&
	echo new | kcat_write made -p 4 &&
	test "$(kcat_read made -p 4)" = new &&
	kq-topic partitions made 5 &&
	expect_status 64 kq-topic partitions made 2 2>err &&
	grep_err "it has 5 partitions" err &&
	expect_status 69 kq-topic partitions nosuch 3 2>err &&
	grep_err "partitions nosuch: no such topic" err &&
	kq-topic partitions nosuch 3 --if-exists
'

test_expect_success 'delete: gone for kcat; again: 1, or 0 with --if-exists' '
	kq-topic delete made 2>err &&
	test ! -s err &&
	! kcat_topics | grep -qx made &&
	test ! -e "$TMP/data/made.topic" && test ! -e "$TMP/data/made-0" &&
	expect_status 1 kq-topic delete made 2>err &&
	grep_err "^kq-topic: delete made: no such topic$" err &&
	kq-topic delete made --if-exists 2>err &&
	test ! -s err
'

test_expect_success 'a topic made again after delete starts empty' '
	kq-topic create made -p 1 &&
	test "$(kcat_read made | wc -l)" -eq 0 &&
	kcat -b "$KQ_BROKERS" -Q -t made:0:-2 | grep -q "offset 0$"
'

test_expect_success 'python3-kafka creates, describes and deletes topics' '
	/usr/bin/python3 - "$KQ_BROKERS" <<-\PY &&
	import sys
	from kafka.admin import (KafkaAdminClient, NewTopic, NewPartitions,
	                         ConfigResource, ConfigResourceType)
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	a.create_topics([NewTopic("pyt", 2, 1, topic_configs={"retention.ms": "60000"})])
	a.create_partitions({"pyt": NewPartitions(4)})
	r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "pyt")])
	cfg = {e[0]: e[1] for e in r[0].resources[0][4]}
	assert cfg["retention.ms"] == "60000", cfg
	assert "pyt" in a.list_topics()
	a.create_topics([NewTopic("pyt2", 1, 1)])
	a.delete_topics(["pyt2"])
	assert "pyt2" not in a.list_topics()
	PY
	test "$(kcat_parts pyt)" -eq 4 &&
	! kcat_topics | grep -qx pyt2
'

test_expect_success 'replicas assigned to other brokers: INVALID_REPLICA_ASSIGNMENT, the client carries on' '
	/usr/bin/python3 - "$KQ_BROKERS" <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient, NewTopic
	from kafka.errors import InvalidReplicationAssignmentError
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	try:
	    a.create_topics([NewTopic("ra", -1, -1, replica_assignments={0: [1, 2]})])
	    sys.exit("created")
	except InvalidReplicationAssignmentError:
	    pass
	a.create_topics([NewTopic("ra2", 1, 1)])
	PY
	! kcat_topics | grep -qx ra &&
	kcat_topics | grep -qx ra2 &&
	! grep -q "malformed CreateTopics" "$TMP/broker0.err"
'

stop_broker
start_kq_broker -d "$TMP/data"

test_expect_success 'topics, partition counts and configs outlive a restart' '
	kcat_topics >got &&
	printf "conf\nfoo\nk1\nk2\nmade\npyt\nra2\nsmall\n" >want &&
	test_cmp want got &&
	test "$(kcat_parts pyt)" -eq 4 &&
	kq-topic describe conf | grep -q "retention.ms=3600000"
'

test_done
