#!/bin/bash
# kq-broker's group coordinator rebalances when Kafka's does, and only
# then (issue 17): a static member (KIP-345) that restarts takes its place
# back without a rebalance, and its old incarnation is fenced; a follower
# that asks to join again with nothing changed, as the cooperative
# protocol (KIP-429) makes its members do, is given the current generation
# instead of a new rebalance. Spoken by hand (tests/e2e/kqwire.py): the
# clients on the machine have no static membership (kafka-python) or end
# when a subscribed topic is deleted (kcat, kq-sub).
. "$(dirname "$0")/lib.sh"
kq_broker_test

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_kq_broker -d "$TMP/data" --topic one:2

py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@"
}

test_expect_success 'a static member restarting takes its place back: no rebalance, the old one fenced' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br = sys.argv[1]
	kw = {"ver": 5}
	a, c = Conn(br), Conn(br)
	ja = a.join("g-static", "", ["range"], instance="ia", **kw)
	expect("A joins at once, no member id asked for", ja["error"], NONE)
	A = ja["member"]
	c.join_send("g-static", "", ["range"], instance="ib", **kw)
	wait_state(a, "g-static", "PreparingRebalance")
	ja = a.join("g-static", A, ["range"], instance="ia", **kw)
	jb = c.join_recv()
	B, gen = jb["member"], ja["generation"]
	expect("both", (ja["error"], jb["error"], jb["leader"]), (NONE, NONE, A))
	stable(a, c, "g-static", A, B, gen)

	# B restarts: a new connection, no member id, the same instance id.
	n = Conn(br)
	n.join_send("g-static", "", ["range"], instance="ib", **kw)
	expect("answered at once", n.answered(3), True)
	jn = n.join_recv()
	B2 = jn["member"]
	expect("same generation, a new id", (jn["error"], jn["generation"],
	                                     B2 != B), (NONE, gen, True))
	expect("no rebalance: A heartbeats on", a.heartbeat("g-static", gen, A),
	       NONE)
	expect("B has its share back", n.sync("g-static", gen, B2), (NONE, b"b"))
	expect("the old B is fenced",
	       c.heartbeat("g-static", gen, B, instance="ib"),
	       FENCED_INSTANCE_ID)
	expect("members", sorted(a.describe("g-static")[1]), sorted([A, B2]))
	expect("still stable", a.describe("g-static")[0], "Stable")
	PY
'

test_expect_success 'a follower joining again with nothing changed is given the current generation' '
	py <<-\PY
	import os, sys, struct
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br = sys.argv[1]
	a, c, A, B, gen = pair(br, "g-coop")
	# While the leader assigns, B asks again: the generation it is in.
	jb = c.join("g-coop", B, ["range"])
	expect("completing", (jb["error"], jb["generation"]), (NONE, gen))
	stable(a, c, "g-coop", A, B, gen)
	jb = c.join("g-coop", B, ["range"])
	expect("stable", (jb["error"], jb["generation"], jb["leader"],
	                  jb["members"]), (NONE, gen, A, []))
	expect("A was not disturbed", a.heartbeat("g-coop", gen, A), NONE)
	expect("B syncs", c.sync("g-coop", gen, B), (NONE, b"b"))
	# Its subscription changed: now a rebalance.
	c.join_send("g-coop", B, ["range"], meta=b"changed")
	wait_state(a, "g-coop", "PreparingRebalance")
	expect("A is told", a.heartbeat("g-coop", gen, A), REBALANCE_IN_PROGRESS)
	ja = a.join("g-coop", A, ["range"])
	jb = c.join_recv()
	expect("next generation", (ja["error"], jb["error"], jb["generation"]),
	       (NONE, NONE, gen + 1))
	PY
'

test_done
