#!/bin/bash
# kq-broker takes, refuses and describes topic configs as Apache Kafka
# does (issue 17): every valid topic config is taken, its value checked;
# only unknown names and bad values are refused, with INVALID_CONFIG; a
# topic is described with all of Kafka's topic configs, set or default.
# Spoken with kafka-python's admin client.
. "$(dirname "$0")/lib.sh"
kq_broker_test

start_kq_broker -d "$TMP/data"

py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@"
}

# describe TOPIC: "name value source" per config, sorted.
cat >"$TMP/describe.py" <<-\PY
import sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[2])])
for e in sorted(r[0].resources[0][4]):
    print(e[0], e[1], e[3])
PY

test_expect_success 'configs kq-broker does not act on are taken, checked and described' '
	py <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient, NewTopic
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	a.create_topics([NewTopic("cfg", 1, 1, topic_configs={
	    "min.insync.replicas": "2", "compression.type": "gzip",
	    "message.timestamp.type": "LogAppendTime",
	    "cleanup.policy": "compact,delete", "segment.ms": "3600000",
	    "retention.ms": "86400000"})])
	PY
	/usr/bin/python3 describe.py "$KQ_BROKERS" cfg >got &&
	grep -x "min.insync.replicas 2 1" got &&
	grep -x "compression.type gzip 1" got &&
	grep -x "message.timestamp.type LogAppendTime 1" got &&
	grep -x "cleanup.policy compact,delete 1" got &&
	grep -x "segment.ms 3600000 1" got &&
	grep -x "retention.ms 86400000 1" got &&
	grep -x "unclean.leader.election.enable false 5" got &&
	grep -x "min.cleanable.dirty.ratio 0.5 5" got &&
	grep -x "max.message.bytes 1048588 5" got &&
	cut -d" " -f1 got >names &&
	cat >want <<-\EOF &&
	cleanup.policy
	compression.gzip.level
	compression.lz4.level
	compression.type
	compression.zstd.level
	delete.retention.ms
	file.delete.delay.ms
	flush.messages
	flush.ms
	follower.replication.throttled.replicas
	index.interval.bytes
	leader.replication.throttled.replicas
	local.retention.bytes
	local.retention.ms
	max.compaction.lag.ms
	max.message.bytes
	message.downconversion.enable
	message.format.version
	message.timestamp.after.max.ms
	message.timestamp.before.max.ms
	message.timestamp.difference.max.ms
	message.timestamp.type
	min.cleanable.dirty.ratio
	min.compaction.lag.ms
	min.insync.replicas
	preallocate
	remote.log.copy.disable
	remote.log.delete.on.disable
	remote.storage.enable
	retention.bytes
	retention.ms
	segment.bytes
	segment.index.bytes
	segment.jitter.ms
	segment.ms
	unclean.leader.election.enable
	EOF
	test_cmp want names
'

test_expect_success 'unknown names and bad values are refused with INVALID_CONFIG, nothing made' '
	py <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient, NewTopic
	from kafka.errors import InvalidConfigurationError
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	bad = [("no.such.config", "1", "Unknown topic config name"),
	       ("min.insync.replicas", "0", "Invalid value 0"),
	       ("compression.type", "brotli", "Invalid value brotli"),
	       ("message.timestamp.type", "Now", "Invalid value Now"),
	       ("cleanup.policy", "compact,shred", "Invalid value"),
	       ("retention.ms", "-2", "Invalid value -2"),
	       ("segment.ms", "soon", "Not a number of type LONG"),
	       ("preallocate", "yes", "either true or false"),
	       ("min.cleanable.dirty.ratio", "1.5", "Invalid value 1.5"),
	       ("leader.replication.throttled.replicas", "0:x", "Invalid value")]
	for i, (k, v, why) in enumerate(bad):
	    try:
	        a.create_topics([NewTopic("bad%d" % i, 1, 1,
	                                  topic_configs={k: v})])
	        raise AssertionError("%s=%s taken" % (k, v))
	    except InvalidConfigurationError as e:
	        assert why in str(e), (k, v, str(e))
	try:
	    a.create_topics([NewTopic("lags", 1, 1, topic_configs={
	        "min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"})])
	    raise AssertionError("lags taken")
	except InvalidConfigurationError as e:
	    assert "conflict topic config setting" in str(e), str(e)
	PY
	kcat -b "$KQ_BROKERS" -L >meta &&
	! grep -E "topic \"(bad|lags)" meta
'

test_expect_success 'message.timestamp.type=LogAppendTime stamps records with the time they are stored' '
	py <<-\PY &&
	import sys, time
	from kafka import KafkaProducer
	from kafka.admin import KafkaAdminClient, NewTopic
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	a.create_topics([NewTopic("stamped", 1, 1, topic_configs={
	    "message.timestamp.type": "LogAppendTime"}),
	    NewTopic("created", 1, 1)])
	p = KafkaProducer(bootstrap_servers=sys.argv[1])
	for t in "stamped", "created":
	    p.send(t, b"x", timestamp_ms=1000)
	p.flush()
	PY
	now=$(date +%s) &&
	test "$(kcat_read created -f "%T\n")" = 1000 &&
	ts=$(kcat_read stamped -f "%T\n") &&
	test $((ts / 1000)) -ge $((now - 60)) && test $((ts / 1000)) -le $((now + 1))
'

test_expect_success 'min.insync.replicas above 1: acks=all is refused with NOT_ENOUGH_REPLICAS, acks=1 taken' '
	py <<-\PY &&
	import sys
	from kafka import KafkaProducer
	from kafka.errors import NotEnoughReplicasError
	from kafka.admin import KafkaAdminClient, NewTopic
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	a.create_topics([NewTopic("isr", 1, 1, topic_configs={
	    "min.insync.replicas": "2"})])
	p = KafkaProducer(bootstrap_servers=sys.argv[1], acks="all", retries=0)
	try:
	    p.send("isr", b"all").get(timeout=10)
	    raise AssertionError("acks=all taken")
	except NotEnoughReplicasError:
	    pass
	p = KafkaProducer(bootstrap_servers=sys.argv[1], acks=1)
	p.send("isr", b"one").get(timeout=10)
	PY
	test "$(kcat_read isr)" = one
'

stop_broker
start_kq_broker -d "$TMP/data"

test_expect_success 'the configs set outlive a restart' '
	/usr/bin/python3 describe.py "$KQ_BROKERS" cfg >got &&
	grep -x "min.insync.replicas 2 1" got &&
	grep -x "compression.type gzip 1" got &&
	grep -x "cleanup.policy compact,delete 1" got &&
	grep -x "retention.ms 86400000 1" got
'

test_done
