#!/bin/bash
# kq-broker speaks the flexible versions (KIP-482: compact strings and
# arrays, tagged fields) of the requests it serves, as Kafka 3.x brokers
# do, so that clients which start at ApiVersions v3, or require the newer
# versions, connect (issue 17). librdkafka (kcat, kq) uses them where
# advertised; the rest are spoken by hand (tests/e2e/kqwire.py), field by
# field as in Kafka's message definitions.
. "$(dirname "$0")/lib.sh"

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

test_done
