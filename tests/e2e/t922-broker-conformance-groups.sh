#!/bin/bash
# kq-broker's group coordinator answers as Apache Kafka does, where
# independent clients found it did not (issue 17): commits during a
# rebalance, committed offsets as the client gave them, session timeout
# bounds, the protocol type of an empty group. Spoken by hand
# (tests/e2e/kqwire.py) where the exact request matters, with kafka-python
# and kcat where a client shows it.
. "$(dirname "$0")/lib.sh"
kq_broker_test

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_kq_broker -d "$TMP/data" --topic one:1

py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@"
}

test_expect_success 'a member commits while its group prepares a rebalance, not while it completes one' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br = sys.argv[1]
	a, c, A, B, gen = pair(br, "g-revoke")
	expect("completing: refused", a.commit("g-revoke", gen, A, "one", 0, 5),
	       REBALANCE_IN_PROGRESS)
	stable(a, c, "g-revoke", A, B, gen)
	# A third member: the group prepares a rebalance, and A commits what
	# it processed before it gives up its partition, as Java consumers
	# do in onPartitionsRevoked and kafka-python before it rejoins.
	n = Conn(br)
	n.join_send("g-revoke", "", ["range"])
	wait_state(a, "g-revoke", "PreparingRebalance")
	expect("preparing: taken", a.commit("g-revoke", gen, A, "one", 0, 7),
	       NONE)
	expect("stale generation", a.commit("g-revoke", gen - 1, A, "one", 0, 8),
	       ILLEGAL_GENERATION)
	expect("stranger", a.commit("g-revoke", gen, "nobody", "one", 0, 8),
	       UNKNOWN_MEMBER_ID)
	expect("the commit stands", a.committed("g-revoke", "one", 0)[:1], (7,))
	PY
'

test_expect_success 'kafka-python commits -2, the earliest offset' '
	seq 3 | kcat_write one &&
	py <<-\PY
	import sys
	from kafka import KafkaConsumer, TopicPartition
	from kafka.structs import OffsetAndMetadata
	c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id="g-earliest",
	                  enable_auto_commit=False)
	tp = TopicPartition("one", 0)
	# What kafkajs resetOffsets({earliest: true}) commits.
	c.commit({tp: OffsetAndMetadata(-2, "")})
	c.close()
	PY
'

# Restarted: what was committed was read back from the disk.
stop_broker
start_kq_broker -d "$TMP/data"

test_expect_success 'a committed offset of -2 (earliest) is kept as committed, across a restart' '
	py <<-\PY &&
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	# kafka-python hides a negative committed offset: ask by hand.
	expect("committed", Conn(sys.argv[1]).committed("g-earliest", "one", 0),
	       (-2, "", NONE))
	PY
	# A member of the group starts at the earliest, not at the end.
	kcat -b "$KQ_BROKERS" -G g-earliest -X auto.offset.reset=latest \
		-o stored -e -q -f "%s\n" one >got &&
	seq 3 >want &&
	test_cmp want got
'

test_expect_success 'a session timeout outside 6000-1800000 ms is refused, as Kafka refuses it' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	for ms in 100, 5999, 1800001:
	    r = c.join("g-session", "", ["range"], session=ms)
	    expect("session %d ms" % ms, r["error"], INVALID_SESSION_TIMEOUT)
	expect("nothing made", c.describe("g-session")[0], "Dead")
	for ms in 6000, 1800000:
	    r = c.join("g-session-%d" % ms, "", ["range"], session=ms)
	    expect("session %d ms" % ms, r["error"], NONE)
	PY
'

test_expect_success 'an empty group with commits is described as ListGroups lists it, a consumer group' '
	kq-sub -q -g g-empty -t one -e >/dev/null &&
	py >got <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	d = a.describe_consumer_groups(["g-empty"])[0]
	print("describe", d.state, d.protocol_type)
	print("list", dict(a.list_consumer_groups())["g-empty"])
	PY
	printf "describe Empty consumer\nlist consumer\n" >want &&
	test_cmp want got
'

test_expect_success 'a group only committed to has no protocol type; an emptied one keeps its own across a restart' '
	py <<-\PY &&
	import sys
	from kafka import KafkaConsumer, TopicPartition
	from kafka.structs import OffsetAndMetadata
	c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id="g-simple",
	                  enable_auto_commit=False, api_version=(2, 0))
	c.commit({TopicPartition("one", 0): OffsetAndMetadata(1, "")})
	c.close()
	PY
	stop_broker &&
	start_kq_broker -d "$TMP/data" &&
	py >got <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	listed = dict(a.list_consumer_groups())
	for g in "g-empty", "g-simple":
	    d = a.describe_consumer_groups([g])[0]
	    print(g, d.state, repr(d.protocol_type), repr(listed[g]))
	PY
	printf "%s\n" "g-empty Empty '"'consumer' 'consumer'"'" \
		"g-simple Empty '"''"' '"''"'" >want &&
	test_cmp want got &&
	kq-group list "g-*" >got &&
	grep -q "^g-simple	Empty	simple$" got &&
	grep -q "^g-empty	Empty	consumer$" got
'

test_done
