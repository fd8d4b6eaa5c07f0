#!/bin/bash
# kq-broker's group coordinator against requests no well-behaved client
# sends, spoken by hand (tests/e2e/kqwire.py): a leader that changes its
# protocols mid-rebalance, one member id on two connections, a hostile
# protocol count, a rebalance longer than the session timeout, a late
# LeaveGroup, groups left empty. Each case ends with the broker still up;
# the last one checks that it stops cleanly, with no sanitizer report.
. "$(dirname "$0")/lib.sh"
kq_broker_test

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_kq_broker -d "$TMP/data" --topic one:1

# py: run the Python program on stdin with kqwire at hand, then make sure
# the broker is still up and answering kcat.
py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@" &&
	kill -0 "$BROKER_PID" &&
	kcat -b "$KQ_BROKERS" -L -t one -m 5 >meta.out &&
	grep -q "topic \"one\" with 1 partitions" meta.out
}

test_expect_success 'a leader rejoining with protocols the others lack is refused and stays leader' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	a, c, A, B, gen = pair(sys.argv[1], "g-proto")
	r = a.join("g-proto", A, ["other"])
	expect("leader with a foreign protocol", r["error"],
	       INCONSISTENT_GROUP_PROTOCOL)
	# The follower syncs: it waits for the leader, who is still there.
	c.sync_send("g-proto", gen, B)
	expect("leader syncs", a.sync("g-proto", gen, A, {A: b"a", B: b"b"}),
	       (NONE, b"a"))
	expect("follower is given its share", c.sync_recv(), (NONE, b"b"))
	expect("both are members", sorted(a.describe("g-proto")[1]),
	       sorted([A, B]))
	PY
'

test_expect_success 'the leader leaving: the waiting follower is told to rejoin, and leads' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	a, c, A, B, gen = pair(sys.argv[1], "g-lead")
	c.sync_send("g-lead", gen, B)
	expect("leader leaves", a.leave("g-lead", A), NONE)
	expect("follower told", c.sync_recv()[0], REBALANCE_IN_PROGRESS)
	j = c.join("g-lead", B, ["range"])
	expect("rejoin", (j["error"], j["leader"], [m for m, _ in j["members"]]),
	       (NONE, B, [B]))
	PY
'

test_expect_success 'one member id waiting on two connections: both are answered, closing them is safe' '
	py <<-\PY
	import os, select, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br = sys.argv[1]

	# Send on two connections; once one is answered (both wait then), the
	# member leaves; read both: one was told the other superseded it, the
	# other that the member left.
	def twice(send, recv, leave):
	    c1, c2 = Conn(br), Conn(br)
	    send(c1)
	    send(c2)
	    select.select([c1.sock, c2.sock], [], [], 3)
	    leave()
	    got = []
	    for w in c1, c2:
	        got.append(recv(w)[0] if w.answered(3) else "no answer")
	        w.close()
	    expect("answers", sorted(got, key=str),
	           [UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS])

	a, c, A, B, gen = pair(br, "g-join")
	stable(a, c, "g-join", A, B, gen)
	twice(lambda w: w.join_send("g-join", A, ["range"]),
	      lambda w: (w.join_recv()["error"],),
	      lambda: expect("A leaves", a.leave("g-join", A), NONE))

	a, c, A, B, gen = pair(br, "g-sync")
	twice(lambda w: w.sync_send("g-sync", gen, B), lambda w: w.sync_recv(),
	      lambda: expect("B leaves", c.leave("g-sync", B), NONE))
	PY
'

test_expect_success 'a JoinGroup claiming millions of protocols is refused before any is allocated' '
	# Address space for the broker as it is and a little more: room for
	# the request, none for a slot per claimed protocol. (Not under ASan,
	# whose shadow memory needs terabytes of it.)
	grep -q __asan_init "$(command -v kq-broker)" ||
		prlimit --pid "$BROKER_PID" --as=$((600 << 20)):
	py <<-\PY &&
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	# 48 MiB: 8 Mi real protocols (empty name, empty metadata) at most,
	# but a count of 48 Mi.
	room = 48 << 20
	c.send(JOIN, 1, s("g-huge") + i32(10000) + i32(10000) + s("") +
	       s("consumer") + i32(room) + bytes(room))
	try:
	    c.recv()
	    raise AssertionError("answered")
	except (EOFError, ConnectionResetError):
	    pass
	PY
	prlimit --pid "$BROKER_PID" --as=unlimited: &&
	grep_err "malformed JoinGroup v1 request" "$TMP/broker0.err"
'

test_expect_success 'a member waiting in JoinGroup outlives its session timeout' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br = sys.argv[1]
	kw = {"session": 6000, "rebalance": 30000}
	a, c = Conn(br), Conn(br)
	A = a.join("g-slow", "", ["range"], **kw)["member"]
	expect("A syncs", a.sync("g-slow", 1, A, {A: b"a"}), (NONE, b"a"))
	c.join_send("g-slow", "", ["range"], **kw)
	wait_state(a, "g-slow", "PreparingRebalance")
	# A takes more than a session timeout to rejoin, heartbeating
	# meanwhile.
	end = time.time() + 7
	while time.time() < end:
	    expect("A heartbeats", a.heartbeat("g-slow", 1, A),
	           REBALANCE_IN_PROGRESS)
	    time.sleep(0.2)
	ja = a.join("g-slow", A, ["range"], **kw)
	jb = c.join_recv()
	expect("B waited", (jb["error"], jb["generation"]), (NONE, 2))
	expect("A leads both", (ja["error"], len(ja["members"])), (NONE, 2))
	PY
'

test_expect_success 'a LeaveGroup for a member long gone leaves the group stable' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	a, c, A, B, gen = pair(sys.argv[1], "g-late")
	stable(a, c, "g-late", A, B, gen)
	expect("unknown leaves", a.leave("g-late", "long-gone"),
	       UNKNOWN_MEMBER_ID)
	expect("A", a.heartbeat("g-late", gen, A), NONE)
	expect("B", c.heartbeat("g-late", gen, B), NONE)
	expect("state", a.describe("g-late")[0], "Stable")
	PY
'

test_expect_success 'groups left empty go; a group with commits stays listed; a pending id expires' '
	seq 3 | kcat_write one &&
	kq-sub -q -g g-kept -t one -e >got &&
	seq 3 >want && test_cmp want got &&
	py <<-\PY &&
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	a = Conn(sys.argv[1])
	A = a.join("g-gone", "", ["range"])["member"]
	expect("A syncs", a.sync("g-gone", 1, A, {A: b"a"}), (NONE, b"a"))
	expect("A leaves", a.leave("g-gone", A), NONE)
	r = a.join("g-pending", "", ["range"], session=6000, ver=4)
	expect("asked to come back", r["error"], MEMBER_ID_REQUIRED)
	time.sleep(7)
	r = a.join("g-pending", r["member"], ["range"], session=6000, ver=4)
	expect("too late", r["error"], UNKNOWN_MEMBER_ID)
	expect("g-gone", a.describe("g-gone")[0], "Dead")
	expect("g-kept", a.describe("g-kept")[0], "Empty")
	PY
	/usr/bin/python3 - "$KQ_BROKERS" >groups <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	print("\n".join(sorted(g for g, t in a.list_consumer_groups())))
	PY
	grep -qx g-kept groups &&
	! grep -E "^g-(gone|pending|huge)$" groups
'

stop_broker
stopped=$?

test_expect_success 'the broker stops cleanly, with no sanitizer report' '
	test "$stopped" -eq 0 &&
	! grep -E "Sanitizer|runtime error" "$TMP/broker0.err"
'

test_done
