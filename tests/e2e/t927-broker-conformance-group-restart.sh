#!/bin/bash
# kq-broker keeps its groups across a restart, as Kafka's coordinator
# keeps their metadata durably (issue 17): members keep their ids and
# generation and heartbeat on; nothing rebalances, nothing is read twice.
# kafka-python consumes across a restart; the coordinator's answers are
# checked by hand (tests/e2e/kqwire.py).
. "$(dirname "$0")/lib.sh"
kq_broker_test

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_kq_broker -d "$TMP/data" --topic keep:1 --topic wire:1

py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@"
}

# restart: stop the broker and start it again on the same address (in a
# test body, where stop_broker cannot wait for it).
restart() {
	kill "$BROKER_PID" &&
	i=0 &&
	while kill -0 "$BROKER_PID" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done &&
	start_kq_broker -d "$TMP/data" -l "$KQ_BROKERS"
}

test_expect_success 'a stable group: its members, generation and assignments' '
	py >"$TMP/members" <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	a, c, A, B, gen = pair(sys.argv[1], "g-wire")
	stable(a, c, "g-wire", A, B, gen)
	print(A, B, gen)
	PY
'

stop_broker
start_kq_broker -d "$TMP/data" -l "$KQ_BROKERS"

test_expect_success 'after a restart the members heartbeat on, in the same generation' '
	py $(cat "$TMP/members") <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br, A, B, gen = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
	c = Conn(br)
	expect("A heartbeats", c.heartbeat("g-wire", gen, A), NONE)
	expect("B heartbeats", c.heartbeat("g-wire", gen, B), NONE)
	d = c.describe_all("g-wire")
	expect("described", (d["state"], d["protocol"], sorted(d["members"])),
	       ("Stable", "range", sorted([A, B])))
	expect("B is given its share again", c.sync("g-wire", gen, B),
	       (NONE, b"b"))
	expect("a stale generation", c.heartbeat("g-wire", gen - 1, A),
	       ILLEGAL_GENERATION)
	PY
'

test_expect_success 'kafka-python consumes on across a restart: same member, nothing read twice' '
	seq 1 5 | kcat_write keep &&
	py "$TMP" >kp.out 2>kp.err <<-\PY &
	import os, sys, time
	from kafka import KafkaConsumer
	c = KafkaConsumer("keep", bootstrap_servers=sys.argv[1], group_id="g-kp",
	                  auto_offset_reset="earliest", enable_auto_commit=False,
	                  session_timeout_ms=10000, heartbeat_interval_ms=500)
	got = []

	def poll():
	    for recs in c.poll(200).values():
	        got.extend(int(r.value) for r in recs)

	def poll_until(n):
	    end = time.time() + 60
	    while len(got) < n and time.time() < end:
	        poll()
	    c.commit()
	poll_until(5)
	before = c._coordinator._generation.member_id
	with open(os.path.join(sys.argv[2], "ready"), "w") as f:
	    f.write("ready\n")
	while not os.path.exists(os.path.join(sys.argv[2], "restarted")):
	    poll()
	poll_until(10)
	after = c._coordinator._generation.member_id
	print("same member" if before == after else "new member %s -> %s" %
	      (before, after))
	print(" ".join(map(str, got)))
	c.close()
	PY
	pid=$! &&
	wait_for "$TMP/ready" ready &&
	restart &&
	touch "$TMP/restarted" &&
	seq 6 10 | kcat_write keep &&
	wait $pid &&
	printf "%s\n" "same member" "1 2 3 4 5 6 7 8 9 10" >want &&
	test_cmp want kp.out
'

test_done
