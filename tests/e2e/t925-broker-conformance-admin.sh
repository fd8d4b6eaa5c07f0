#!/bin/bash
# The admin requests Kafka has and kq-broker refused (issue 17):
# AlterConfigs and DeleteGroups through kafka-python's admin client;
# IncrementalAlterConfigs, OffsetDelete and DescribeCluster, which no
# client on the machine sends, spoken by hand (tests/e2e/kqwire.py), in
# their classic and flexible versions.
. "$(dirname "$0")/lib.sh"
kq_broker_test

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_kq_broker -d "$TMP/data" --topic one:2 --topic conf:1

py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@"
}

cat >"$TMP/describe.py" <<-\PY
import sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[2])])
for e in sorted(r[0].resources[0][4]):
    if e[3] != 5:
        print(e[0], e[1])
PY

test_expect_success 'the requests are advertised' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	err, v = api_versions(Conn(sys.argv[1]))
	expect("error", err, NONE)
	for key, hi in ((ALTER_CONFIGS, 2), (DELETE_GROUPS, 2),
	                (INCREMENTAL_ALTER_CONFIGS, 1), (OFFSET_DELETE, 0),
	                (DESCRIBE_CLUSTER, 1)):
	    expect("versions of %d" % key, v.get(key), (0, hi))
	PY
'

test_expect_success 'AlterConfigs (kafka-python) sets the configs given, the others back to their defaults' '
	py <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	T = ConfigResourceType.TOPIC
	r = a.alter_configs([ConfigResource(T, "conf", configs={
	    "retention.ms": "3600000", "compression.type": "lz4"})])
	assert r.resources[0][0] == 0, r
	r = a.alter_configs([ConfigResource(T, "conf", configs={
	    "segment.ms": "60000", "compression.type": "zstd"})])
	assert r.resources[0][0] == 0, r
	r = a.alter_configs([ConfigResource(T, "conf", configs={
	    "segment.ms": "never"})])
	assert r.resources[0][0] == 40, r
	r = a.alter_configs([ConfigResource(T, "nosuch", configs={
	    "segment.ms": "1"})])
	assert r.resources[0][0] == 3, r
	PY
	/usr/bin/python3 "$TMP/describe.py" "$KQ_BROKERS" conf >got &&
	printf "%s\n" "compression.type zstd" "segment.ms 60000" >want &&
	test_cmp want got
'

test_expect_success 'IncrementalAlterConfigs v0 and v1 (flexible): set, append, subtract, delete' '
	py <<-\PY &&
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3

	def alter(ver, configs, only=False):
	    flex = ver >= 1
	    st, ar = (cs, carray) if flex else (s, array)
	    t = TAGS if flex else b""
	    body = ar([i8(2) + st("conf") + ar([st(k) + i8(op) + st(v) + t
	                                        for k, op, v in configs]) + t])
	    c.send(INCREMENTAL_ALTER_CONFIGS, ver, body + i8(only) + t, flex)
	    r = c.recv(flex)
	    r.i32()
	    rd = r.cstr if flex else r.str
	    n = r.uvarint() - 1 if flex else r.i32()
	    expect("resources", n, 1)
	    got = (r.i16(), rd(), r.i8(), rd())
	    if flex:
	        r.tags()
	        r.tags()
	    r.end()
	    return got

	e = alter(0, [("retention.ms", SET, "7200000"),
	              ("cleanup.policy", APPEND, "compact")])
	expect("v0", e, (NONE, None, 2, "conf"))
	e = alter(1, [("compression.type", DELETE, None),
	              ("cleanup.policy", SUBTRACT, "delete"),
	              ("min.insync.replicas", SET, "2")])
	expect("v1", e, (NONE, None, 2, "conf"))
	e = alter(1, [("min.insync.replicas", SET, "0")])
	expect("a bad value", e[0], INVALID_CONFIG)
	e = alter(1, [("retention.ms", APPEND, "1")])
	expect("append to a number", e[0], INVALID_CONFIG)
	e = alter(1, [("retention.ms", SET, "1"), ("retention.ms", SET, "2")])
	expect("twice", e[0], INVALID_REQUEST)
	e = alter(1, [("segment.ms", SET, "1")], only=True)
	expect("validate only", e[0], NONE)
	PY
	/usr/bin/python3 "$TMP/describe.py" "$KQ_BROKERS" conf >got &&
	printf "%s\n" "cleanup.policy compact" "min.insync.replicas 2" \
		"retention.ms 7200000" "segment.ms 60000" >want &&
	test_cmp want got
'

test_expect_success 'DeleteGroups (kafka-python): an empty group goes with its offsets; a live one stays' '
	seq 4 | kcat_write one -p 0 &&
	kq-sub -q -g g-old -t one -e >/dev/null &&
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	from kafka.admin import KafkaAdminClient
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	live = Conn(sys.argv[1])
	j = live.join("g-live", "", ["range"])
	expect("joins", j["error"], NONE)
	r = a.delete_consumer_groups(["g-old", "g-live", "g-none"])
	got = {g: e.errno for g, e in r}
	expect("errors", got, {"g-old": NONE, "g-live": NON_EMPTY_GROUP,
	                       "g-none": GROUP_ID_NOT_FOUND})
	groups = [g for g, _ in a.list_consumer_groups()]
	expect("listed", sorted(groups), ["g-live"])
	c = Conn(sys.argv[1])
	expect("described", c.describe("g-old")[0], "Dead")
	expect("offsets", c.committed("g-old", "one", 0)[0], -1)
	PY
'

test_expect_success 'OffsetDelete: gone for a partition, refused while a member subscribes to the topic' '
	py <<-\PY
	import os, sys, struct
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br = sys.argv[1]
	c = Conn(br)

	def delete(group, topic, parts):
	    c.send(OFFSET_DELETE, 0, s(group) +
	           array([s(topic) + array([i32(p) for p in parts])]))
	    r = c.recv()
	    err = r.i16()
	    r.i32()
	    res = r.array(lambda: (r.str(), r.array(lambda: (r.i32(), r.i16()))))
	    r.end()
	    return err, res

	for p in 0, 1:
	    expect("commit", c.commit("g-del", -1, "", "one", p, 3), NONE)
	expect("delete", delete("g-del", "one", [0]), (NONE, [("one", [(0, NONE)])]))
	expect("gone", c.committed("g-del", "one", 0)[0], -1)
	expect("kept", c.committed("g-del", "one", 1)[0], 3)
	expect("no group", delete("g-nobody", "one", [0])[0], GROUP_ID_NOT_FOUND)
	expect("no topic", delete("g-del", "nosuch", [0]),
	       (NONE, [("nosuch", [(0, UNKNOWN_TOPIC_OR_PARTITION)])]))
	# A consumer member subscribed to "one": version 0, topics, user data.
	sub = struct.pack(">h", 0) + array([s("one")]) + b(b"")
	m = Conn(br)
	j = m.join("g-del", "", ["range"], meta=sub)
	expect("joins", j["error"], NONE)
	expect("subscribed", delete("g-del", "one", [1]),
	       (NONE, [("one", [(1, GROUP_SUBSCRIBED_TO_TOPIC)])]))
	expect("still there", c.committed("g-del", "one", 1)[0], 3)
	PY
'

test_expect_success 'DescribeCluster v0 and v1 (flexible both) name this broker' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	host, port = sys.argv[1].rsplit(":", 1)
	c = Conn(sys.argv[1])
	for ver in 0, 1:
	    c.send(DESCRIBE_CLUSTER, ver, i8(0) + (i8(1) if ver else b"") + TAGS,
	           flex=True)
	    r = c.recv(flex=True)
	    r.i32()
	    got = [r.i16(), r.cstr()]
	    if ver:
	        got.append(r.i8())
	    got += [r.cstr(), r.i32()]
	    got.append(r.carray(lambda: (r.i32(), r.cstr(), r.i32(), r.cstr(),
	                                 r.tags())[:4]))
	    r.i32()
	    r.tags()
	    r.end()
	    # Node 1: kq-broker is node 1 in Metadata too.
	    want = [NONE, None] + ([1] if ver else []) + [
	        "kq-broker", 1, [(1, host, int(port), None)]]
	    expect("v%d" % ver, got, want)
	# A controller endpoint: there is none.
	c.send(DESCRIBE_CLUSTER, 1, i8(0) + i8(2) + TAGS, flex=True)
	expect("controllers", c.recv(flex=True).take(6)[4:], b"\x00\x73")
	PY
'

test_done
