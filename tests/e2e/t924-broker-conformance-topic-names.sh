#!/bin/bash
# kq-broker takes and refuses topic names as Apache Kafka does (issue 17):
# names up to 249 characters, and no second topic whose name differs from
# one that exists only by '.' against '_'. Asked through kafka-python's
# admin client, seen through kcat.
. "$(dirname "$0")/lib.sh"
kq_broker_test

start_kq_broker -d "$TMP/data"

py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@"
}

test_expect_success 'topic names of 246 to 249 characters are made and take records' '
	py <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient, NewTopic
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	for n in 246, 247, 248, 249:
	    a.create_topics([NewTopic("t" * n, 2, 1)])
	PY
	for n in 246 247 248 249; do
		name=$(printf "%${n}s" "" | tr " " t) &&
		echo "$n" | kcat -b "$KQ_BROKERS" -P -t "$name" -p 1 &&
		kcat -b "$KQ_BROKERS" -C -t "$name" -p 1 -e -q >got &&
		echo "$n" >want &&
		test_cmp want got || return 1
	done
'

stop_broker
start_kq_broker -d "$TMP/data"

test_expect_success 'the 249-character topic is still there after a restart' '
	name=$(printf "%249s" "" | tr " " t) &&
	kcat -b "$KQ_BROKERS" -C -t "$name" -p 1 -e -q >got &&
	echo 249 >want &&
	test_cmp want got
'

test_expect_success 'a 250-character name is refused' '
	py <<-\PY
	import sys
	from kafka.admin import KafkaAdminClient, NewTopic
	from kafka.errors import InvalidTopicError
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	try:
	    a.create_topics([NewTopic("t" * 250, 1, 1)])
	    raise AssertionError("made")
	except InvalidTopicError:
	    pass
	PY
'

test_expect_success 'a name that differs only by . against _ collides, as in Kafka' '
	py <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient, NewTopic
	from kafka.errors import InvalidTopicError
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	a.create_topics([NewTopic("metrics.cpu_load", 1, 1)])
	for name in "metrics_cpu_load", "metrics.cpu.load", "metrics_cpu.load":
	    try:
	        r = a.create_topics([NewTopic(name, 1, 1)])
	        raise AssertionError("%s made: %r" % (name, r))
	    except InvalidTopicError as e:
	        assert "collides with existing topic" in str(e), str(e)
	a.create_topics([NewTopic("metrics-cpu-load", 1, 1)])
	PY
	kcat -b "$KQ_BROKERS" -L >meta &&
	grep "topic \"metrics" meta | sort >got &&
	cat >want <<-\EOF &&
	  topic "metrics-cpu-load" with 1 partitions:
	  topic "metrics.cpu_load" with 1 partitions:
	EOF
	test_cmp want got
'

test_done
