#!/bin/bash
# kq-broker speaks the flexible versions (KIP-482: compact strings and
# arrays, tagged fields) of the requests it serves, as Kafka 3.x brokers
# do, so that clients which start at ApiVersions v3, or require the newer
# versions, connect (issue 17). librdkafka (kcat, kq) uses them where
# advertised; the rest are spoken by hand (tests/e2e/kqwire.py), field by
# field as in Kafka's message definitions.
. "$(dirname "$0")/lib.sh"
kq_broker_test

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_kq_broker -d "$TMP/data" --topic one:2

py() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@"
}

test_expect_success 'ApiVersions v3 and v4 are answered in the flexible form; v5 falls back to v0' '
	py <<-\PY &&
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	err, v0 = api_versions(c, 0)
	for ver in 3, 4:
	    err, v = api_versions(c, ver)
	    expect("v%d" % ver, (err, v), (NONE, v0))
	expect("ApiVersions", v0[API_VERSIONS], (0, 4))
	c.send(API_VERSIONS, 5, cs("kqwire") + cs("1.0") + TAGS, flex=True)
	r = c.recv()
	expect("v5", r.i16(), UNSUPPORTED_VERSION)
	expect("ranges", {k: (lo, hi) for k, lo, hi in
	                  r.array(lambda: (r.i16(), r.i16(), r.i16()))}, v0)
	PY
	kcat -b "$KQ_BROKERS" -L -d protocol 2>err >meta &&
	grep -q "Received ApiVersionResponse (v3" err &&
	! grep -q "ApiVersionRequest failed" err &&
	grep -q "topic \"one\" with 2 partitions" meta
'

test_expect_success 'a group lives its whole life in the newest flexible versions' '
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	FIND, OFFSET_COMMIT = 10, 8

	def call(key, ver, body):
	    c.send(key, ver, body, flex=True)
	    return c.recv(flex=True)

	# FindCoordinator v4: a coordinator per key.
	r = call(FIND, 4, i8(0) + carray([cs("g9"), cs("g10")]) + TAGS)
	r.i32()
	got = r.carray(lambda: (r.cstr(), r.i32(), r.cstr(), r.i32(), r.i16(),
	                        r.cstr(), r.tags())[:6])
	r.tags()
	r.end()
	host, port = sys.argv[1].rsplit(":", 1)
	expect("coordinators", got, [(k, 1, host, int(port), NONE, None)
	                             for k in ("g9", "g10")])

	# JoinGroup v9: the member id first, then the join itself.
	def join(member):
	    r = call(JOIN, 9, cs("g9") + i32(10000) + i32(10000) + cs(member) +
	             cs(None) + cs("consumer") +
	             carray([cs("range") + uvarint(1) + TAGS]) +
	             cs("testing") + TAGS)
	    a = {"throttle": r.i32(), "error": r.i16(), "generation": r.i32(),
	         "type": r.cstr(), "protocol": r.cstr(), "leader": r.cstr(),
	         "skip": r.i8(), "member": r.cstr()}
	    a["members"] = r.carray(lambda: (r.cstr(), r.cstr(),
	                                     r.uvarint(), r.tags())[:2])
	    r.tags()
	    r.end()
	    return a
	a = join("")
	expect("asked to come back", (a["error"], a["type"], a["protocol"]),
	       (MEMBER_ID_REQUIRED, None, None))
	M = a["member"]
	a = join(M)
	expect("joined", (a["error"], a["generation"], a["type"], a["protocol"],
	                  a["leader"], a["skip"], a["members"]),
	       (NONE, 1, "consumer", "range", M, 0, [(M, None)]))

	# SyncGroup v5: the protocol named, the assignment back.
	r = call(SYNC, 5, cs("g9") + i32(1) + cs(M) + cs(None) + cs("consumer") +
	         cs("range") + carray([cs(M) + uvarint(3) + b"ab" + TAGS]) + TAGS)
	expect("synced", (r.i32(), r.i16(), r.cstr(), r.cstr(), r.take(r.uvarint() - 1)),
	       (0, NONE, "consumer", "range", b"ab"))
	r.tags()
	r.end()
	r = call(SYNC, 5, cs("g9") + i32(1) + cs(M) + cs(None) + cs("consumer") +
	         cs("roundrobin") + carray([]) + TAGS)
	expect("another protocol", (r.i32(), r.i16()),
	       (0, INCONSISTENT_GROUP_PROTOCOL))

	# Heartbeat v4.
	r = call(HEARTBEAT, 4, cs("g9") + i32(1) + cs(M) + cs(None) + TAGS)
	expect("heartbeat", (r.i32(), r.i16(), r.tags()), (0, NONE, None))
	r.end()

	# OffsetCommit v9, then OffsetFetch v7, v8 and v9.
	r = call(OFFSET_COMMIT, 9, cs("g9") + i32(1) + cs(M) + cs(None) +
	         carray([cs("one") + carray([i32(1) + i64(42) + i32(-1) +
	                                     cs("meta") + TAGS]) + TAGS]) + TAGS)
	r.i32()
	got = r.carray(lambda: (r.cstr(), r.carray(lambda: (r.i32(), r.i16(),
	                                                    r.tags())[:2]),
	                        r.tags())[:2])
	r.tags()
	r.end()
	expect("committed", got, [("one", [(1, NONE)])])

	def partitions(r):
	    return r.carray(lambda: (r.i32(), r.i64(), r.i32(), r.cstr(),
	                             r.i16(), r.tags())[:5])

	def topics(r):
	    return r.carray(lambda: (r.cstr(), partitions(r), r.tags())[:2])

	want = [("one", [(0, -1, -1, "", NONE), (1, 42, -1, "meta", NONE)])]
	r = call(FETCH_OFFSETS, 7, cs("g9") +
	         carray([cs("one") + carray([i32(0), i32(1)]) + TAGS]) + i8(0) +
	         TAGS)
	r.i32()
	expect("v7", (topics(r), r.i16(), r.tags()), (want, NONE, None))
	r.end()
	r = call(FETCH_OFFSETS, 7, cs("g9") + uvarint(0) + i8(1) + TAGS)
	r.i32()
	expect("v7, all", topics(r), [("one", [(1, 42, -1, "meta", NONE)])])
	for ver in 8, 9:
	    member = cs(M) + i32(1) if ver == 9 else b""
	    r = call(FETCH_OFFSETS, ver, carray([
	        cs("g9") + member + carray([cs("one") +
	                                    carray([i32(0), i32(1)]) + TAGS]) +
	        TAGS, cs("nobody") + member + uvarint(0) + TAGS]) + i8(0) + TAGS)
	    r.i32()
	    got = r.carray(lambda: (r.cstr(), topics(r), r.i16(), r.tags())[:3])
	    r.tags()
	    r.end()
	    expect("v%d" % ver, got, [("g9", want, NONE), ("nobody", [], NONE)])

	# DescribeGroups v5, ListGroups v5 with its filters.
	r = call(DESCRIBE, 5, carray([cs("g9")]) + i8(0) + TAGS)
	r.i32()
	got = r.carray(lambda: (r.i16(), r.cstr(), r.cstr(), r.cstr(), r.cstr(),
	                        r.carray(lambda: (r.cstr(), r.cstr(), r.cstr(),
	                                          r.cstr(),
	                                          r.take(r.uvarint() - 1),
	                                          r.take(r.uvarint() - 1),
	                                          r.tags())[:2]),
	                        r.i32(), r.tags())[:6])
	r.tags()
	r.end()
	expect("described", got,
	       [(NONE, "g9", "Stable", "consumer", "range", [(M, None)])])
	def listed(states, types):
	    r = call(LIST, 5, carray([cs(x) for x in states]) +
	             carray([cs(x) for x in types]) + TAGS)
	    r.i32()
	    r.i16()
	    got = r.carray(lambda: (r.cstr(), r.cstr(), r.cstr(), r.cstr(),
	                            r.tags())[:4])
	    r.tags()
	    r.end()
	    return got
	expect("listed", listed([], []), [("g9", "consumer", "Stable", "classic")])
	expect("stable", listed(["stable"], ["Classic"]),
	       [("g9", "consumer", "Stable", "classic")])
	expect("empty ones", listed(["Empty"], []), [])
	expect("consumer type", listed([], ["consumer"]), [])

	# LeaveGroup v5, with a reason.
	r = call(LEAVE, 5, cs("g9") + carray([cs(M) + cs(None) + cs("done") +
	                                      TAGS]) + TAGS)
	expect("left", (r.i32(), r.i16(),
	                r.carray(lambda: (r.cstr(), r.cstr(), r.i16(),
	                                  r.tags())[:3])),
	       (0, NONE, [(M, None, NONE)]))
	PY
'

test_expect_success 'librdkafka uses the flexible versions of the group requests' '
	seq 5 | kcat_write one -p 0 &&
	kcat -b "$KQ_BROKERS" -G g-rd -X auto.offset.reset=earliest -e -q \
		-d protocol -f "%s\n" one \
		>got 2>err &&
	seq 5 >want && test_cmp want got &&
	grep -q "Sent OffsetFetchRequest (v7" err &&
	! grep -Eiq "failed to parse|malformed|Protocol parse failure" err &&
	kq-sub -q -g g-rd -t one -e >more &&
	test ! -s more
'

test_expect_success 'topic admin in the newest flexible versions: Metadata, CreateTopics, CreatePartitions, DescribeConfigs, DeleteTopics' '
	py <<-\PY &&
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	METADATA, CREATE, DELETE, PARTITIONS = 3, 19, 20, 37
	ZERO = bytes(16)

	def call(key, ver, body):
	    c.send(key, ver, body, flex=True)
	    return c.recv(flex=True)

	def ints(r):
	    return r.carray(r.i32)

	def metadata(ver, topics):
	    body = carray([(ZERO if ver >= 10 else b"") + cs(t) + TAGS
	                   for t in topics])
	    body += i8(0) + (i8(0) if ver <= 10 else b"") + i8(0) + TAGS
	    r = call(METADATA, ver, body)
	    r.i32()
	    brokers = r.carray(lambda: (r.i32(), r.cstr(), r.i32(), r.cstr(),
	                                r.tags())[:3])
	    cluster, controller = r.cstr(), r.i32()

	    def topic():
	        t = [r.i16(), r.cstr()]
	        if ver >= 10:
	            t.append(r.take(16))
	        r.i8()
	        t.append(r.carray(lambda: (r.i16(), r.i32(), r.i32(), r.i32(),
	                                   ints(r), ints(r), ints(r),
	                                   r.tags())[:7]))
	        r.i32()
	        r.tags()
	        return tuple(t)
	    topics = r.carray(topic)
	    if ver <= 10:
	        r.i32()
	    r.tags()
	    r.end()
	    return brokers, cluster, controller, topics

	# CreateTopics v7: what was made, with the topic configs.
	body = carray([cs("flex") + i32(3) + i16(1) + carray([]) +
	               carray([cs("retention.ms") + cs("60000") + TAGS]) + TAGS,
	               cs("bad name") + i32(1) + i16(1) + carray([]) +
	               carray([]) + TAGS])
	r = call(CREATE, 7, body + i32(5000) + i8(0) + TAGS)
	r.i32()

	def created():
	    t = (r.cstr(), r.take(16), r.i16(), r.cstr(), r.i32(), r.i16(),
	         r.carray(lambda: (r.cstr(), r.cstr(), r.i8(), r.i8(), r.i8(),
	                           r.tags())[:4]))
	    r.tags()
	    return t
	made, bad = r.carray(created)
	r.tags()
	r.end()
	expect("made", made[:6], ("flex", ZERO, NONE, None, 3, 1))
	cfg = {n: (v, ro, src) for n, v, ro, src in made[6]}
	expect("retention.ms", cfg["retention.ms"], ("60000", 0, 1))
	expect("min.insync.replicas", cfg["min.insync.replicas"], ("1", 0, 5))
	expect("bad name", (bad[0], bad[2], bad[4], bad[6]),
	       ("bad name", INVALID_TOPIC_EXCEPTION, -1, None))

	# CreatePartitions v3.
	r = call(PARTITIONS, 3, carray([cs("flex") + i32(4) + uvarint(0) + TAGS]) +
	         i32(5000) + i8(0) + TAGS)
	expect("grown", (r.i32(), r.carray(lambda: (r.cstr(), r.i16(), r.cstr(),
	                                             r.tags())[:3])),
	       (0, [("flex", NONE, None)]))

	# Metadata v9 to v12.
	host, port = sys.argv[1].rsplit(":", 1)
	for ver in 9, 10, 11, 12:
	    brokers, cluster, ctl, topics = metadata(ver, ["flex"])
	    expect("v%d brokers" % ver, (brokers, cluster, ctl),
	           ([(1, host, int(port))], "kq-broker", 1))
	    t = topics[0]
	    expect("v%d topic" % ver, (t[0], t[1], len(t[-1])), (NONE, "flex", 4))
	    expect("v%d partition" % ver, t[-1][3], (NONE, 3, 1, 0, [1], [1], []))
	    if ver >= 10:
	        expect("v%d id" % ver, t[2], ZERO)

	# DescribeConfigs v4.
	r = call(32, 4, carray([i8(2) + cs("flex") + carray([cs("retention.ms")]) +
	                        TAGS]) + i8(1) + i8(0) + TAGS)
	r.i32()
	got = r.carray(lambda: (r.i16(), r.cstr(), r.i8(), r.cstr(),
	                        r.carray(lambda: (r.cstr(), r.cstr(), r.i8(),
	                                          r.i8(), r.i8(),
	                                          r.carray(lambda: (r.cstr(),
	                                                            r.cstr(),
	                                                            r.i8(),
	                                                            r.tags())[:3]),
	                                          r.i8(), r.cstr(),
	                                          r.tags())[:8]),
	                        r.tags())[:5])
	r.tags()
	r.end()
	expect("described", got, [(NONE, None, 2, "flex", [
	    ("retention.ms", "60000", 0, 1, 0, [("retention.ms", "60000", 1)],
	     5, None)])])

	# DeleteTopics v6: by name; by id, which kq-broker does not know.
	r = call(DELETE, 6, carray([cs("flex") + ZERO + TAGS,
	                            cs(None) + b"\x01" * 16 + TAGS]) +
	         i32(5000) + TAGS)
	r.i32()
	got = r.carray(lambda: (r.cstr(), r.take(16), r.i16(), r.cstr(),
	                        r.tags())[:4])
	r.tags()
	r.end()
	expect("deleted", got[0], ("flex", ZERO, NONE, None))
	expect("by id", got[1][:3], (None, ZERO, UNKNOWN_TOPIC_ID))
	PY
	kcat -b "$KQ_BROKERS" -L >meta &&
	! grep -q "topic \"flex\"" meta
'

test_expect_success 'InitProducerId v2 (librdkafka, idempotent) and ListOffsets v6, flexible' '
	seq 4 | kcat -b "$KQ_BROKERS" -P -t one -p 1 -X enable.idempotence=true \
		-d protocol 2>err &&
	grep -q "Sent InitProducerIdRequest (v2" err &&
	test "$(kcat_read one -p 1 | wc -l)" -eq 4 &&
	py <<-\PY
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	parts = carray([i32(1) + i32(-1) + i64(t) + TAGS for t in (-2, -1, 0)])
	c.send(2, 6, i32(-1) + i8(0) + carray([cs("one") + parts + TAGS]) +
	       TAGS, flex=True)
	r = c.recv(flex=True)
	r.i32()
	got = r.carray(lambda: (r.cstr(), r.carray(lambda: (r.i32(), r.i16(),
	                                                    r.i64(), r.i64(),
	                                                    r.i32(),
	                                                    r.tags())[:5]),
	                        r.tags())[:2])
	r.tags()
	r.end()
	name, (first, last, bytime) = got[0]
	expect("earliest", first, (1, NONE, -1, 0, 0))
	expect("latest", last, (1, NONE, -1, 4, 0))
	expect("by time", (bytime[1], bytime[3]), (NONE, 0))
	PY
'

test_expect_success 'Produce v9 to v11, flexible: stored, and read back by kcat' '
	py <<-\PY &&
	import os, sys
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	c = Conn(sys.argv[1])
	for ver in 9, 10, 11:
	    recs = batch([b"v%d" % ver])
	    c.send(0, ver, cs(None) + i16(-1) + i32(5000) + carray([
	        cs("one") + carray([i32(0) + uvarint(len(recs) + 1) + recs +
	                            TAGS]) + TAGS]) + TAGS, flex=True)
	    r = c.recv(flex=True)
	    got = r.carray(lambda: (r.cstr(), r.carray(lambda: (
	        r.i32(), r.i16(), r.i64(), r.i64(), r.i64(),
	        r.carray(lambda: None), r.cstr(), r.tags())[:2]), r.tags())[:2])
	    r.i32()
	    r.tags()
	    r.end()
	    expect("v%d" % ver, got, [("one", [(0, NONE)])])
	PY
	kcat_read one -p 0 | tail -n 3 >got &&
	printf "%s\n" v9 v10 v11 >want &&
	test_cmp want got
'

test_expect_success 'Fetch v12, flexible: at once, and long-polling until a record comes' '
	seq 2 | kcat_write one -p 1 &&
	py <<-\PY >fetch.out &&
	import os, sys, subprocess
	sys.path.insert(0, os.environ["WIRE"])
	from kqwire import *
	br = sys.argv[1]
	c = Conn(br)

	def fetch_send(offset, wait):
	    part = i32(1) + i32(-1) + i64(offset) + i32(-1) + i64(-1) + \
	        i32(1 << 20) + TAGS
	    c.send(1, 12, i32(-1) + i32(wait) + i32(1) + i32(1 << 20) + i8(0) +
	           i32(0) + i32(-1) + carray([cs("one") + carray([part]) + TAGS]) +
	           carray([]) + cs("") + TAGS, flex=True)

	def fetch_recv():
	    r = c.recv(flex=True)
	    head = (r.i32(), r.i16(), r.i32())

	    def partition():
	        p = (r.i32(), r.i16(), r.i64(), r.i64(), r.i64())
	        r.carray(lambda: None)
	        r.i32()
	        n = r.uvarint()
	        recs = r.take(n - 1) if n else None
	        r.tags()
	        return p, recs
	    got = r.carray(lambda: (r.cstr(), r.carray(partition), r.tags())[:2])
	    r.tags()
	    r.end()
	    return head, got

	fetch_send(0, 0)
	head, got = fetch_recv()
	(p, recs), = got[0][1]
	expect("at once", (head, got[0][0], p[:2]), ((0, NONE, 0), "one", (1, NONE)))
	end = p[2]
	expect("records", recs is not None and len(recs) > 61, True)
	fetch_send(end, 10000)
	expect("waits", c.answered(1), False)
	subprocess.run(["kcat", "-b", br, "-P", "-t", "one", "-p", "1"],
	               input=b"late\n", check=True)
	head, got = fetch_recv()
	(p, recs), = got[0][1]
	expect("woken", (p[:3], len(recs) > 61), ((1, NONE, end + 1), True))
	print(recs[61:].count(b"late"))
	PY
	test "$(cat fetch.out)" = 1
'

test_done
