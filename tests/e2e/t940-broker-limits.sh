#!/bin/bash
# kq-broker under hostile or greedy clients: malformed frames close that
# one connection with a log line while others carry on; a request it does
# not know gets UNSUPPORTED_VERSION; limits on request size and
# connections, each with a log line (the longest idle connection makes way
# at the connection limit); ApiVersions falls back for newer
# clients; transactions fail at once with a reason.
. "$(dirname "$0")/lib.sh"
kq_broker_test

start_kq_broker -d "$TMP/data" --max-request-size 64k \
	--max-connections 8 --topic foo:1

# raw HEXFRAME...: send each frame (hex) on one connection; print what
# comes back (hex), "closed" when the broker closed the connection.
raw() {
	/usr/bin/python3 - "$KQ_BROKERS" "$@" <<-\PY
	import socket, sys
	host, port = sys.argv[1].rsplit(":", 1)
	s = socket.create_connection((host, int(port)), timeout=5)
	for f in sys.argv[2:]:
	    s.sendall(bytes.fromhex(f))
	    try:
	        d = s.recv(65536)
	    except ConnectionResetError:
	        d = b""
	    print(d.hex() if d else "closed")
	PY
}

test_expect_success 'a frame too short to hold a header: closed, logged' '
	raw 00000004deadbeef >got &&
	test "$(cat got)" = closed &&
	grep_err ": request frame of 4 bytes is too short: closed$" "$TMP/broker0.err"
'

test_expect_success 'a frame over --max-request-size: closed, logged' '
	raw 00100000000000000000000100000000 >got &&
	test "$(cat got)" = closed &&
	grep_err "request of 1048576 bytes is over --max-request-size: closed$" "$TMP/broker0.err"
'

test_expect_success 'a truncated Produce body: closed, logged, naming the request' '
	raw 0000000e000000030000000700000002ffff >got &&
	test "$(cat got)" = closed &&
	grep_err "(no client id): malformed Produce v3 request: closed$" "$TMP/broker0.err"
'

test_expect_success 'an unknown request: UNSUPPORTED_VERSION (35), logged, the connection stays' '
	raw 0000000a0039000000000009ffff 0000000a001200000000000affff >got &&
	test "$(sed -n 1p got)" = 00000006000000090023 &&
	sed -n 2p got | grep -q "^0000.*0000000a0000" &&
	grep_err "ApiKey 57 v0 from 127.0.0.1:[0-9]* () is not supported: answered UNSUPPORTED_VERSION$" "$TMP/broker0.err"
'

test_expect_success 'ApiVersions v5 (newer than served): UNSUPPORTED_VERSION with the ranges, in v0' '
	raw 0000000b0012000500000001000000 >got &&
	case $(cat got) in 00000000*) exit 1 ;; esac &&
	cut -c 9-20 got | grep -qx 000000010023
'

test_expect_success 'other clients carry on while one sends garbage' '
	for i in 1 2 3; do raw 00000004deadbeef >/dev/null; done &&
	seq 100 | kcat_write foo &&
	test "$(kcat_read foo | wc -l)" -eq 100
'

test_expect_success 'a message over --max-request-size: the producer fails, the broker logs why' '
	head -c 100000 /dev/zero | tr "\0" x >big &&
	expect_status 1 kq-pub -t foo --whole big -X message.timeout.ms=3000 2>err &&
	grep_err "request of [0-9]* bytes is over --max-request-size: closed$" "$TMP/broker0.err" &&
	test "$(kcat_read foo | wc -l)" -eq 100
'

test_expect_success 'at --max-connections the longest idle connection makes way for a new one, logged once' '
	# The consumers of the tests before are gone: a parked Fetch is seen
	# gone when it ends (kcat waits 500 ms at most).
	sleep 1 &&
	/usr/bin/python3 - "$KQ_BROKERS" >got <<-\PY &&
	import socket, struct, sys, time
	host, port = sys.argv[1].rsplit(":", 1)
	held = []
	for _ in range(8):
	    held.append(socket.create_connection((host, int(port)), timeout=5))
	    time.sleep(0.05)
	extra = socket.create_connection((host, int(port)), timeout=5)
	extra.sendall(bytes.fromhex("0000000a001200000000000affff"))
	print("served" if len(extra.recv(4)) == 4 else "refused")
	print("oldest closed" if held[0].recv(1) == b"" else "oldest open")
	held[1].setblocking(False)
	try:
	    held[1].recv(1)
	    print("next closed")
	except BlockingIOError:
	    print("next open")
	for s in held:
	    s.close()
	PY
	printf "served\noldest closed\nnext open\n" >want &&
	test_cmp want got &&
	grep_err "connection limit: 8 connections: closed 127.0.0.1:[0-9]* (no client id), idle for [0-9]*s, for 127.0.0.1:[0-9]*$" "$TMP/broker0.err" &&
	sleep 0.2 &&
	test "$(kcat_read foo | wc -l)" -eq 100
'

test_expect_success 'a client that does not take its answers is handed no more requests; others carry on' '
	kq-broker -l 127.0.0.1:0 -d "$TMP/mem" --max-memory 8M >out 2>err &
	pid=$!
	trap "rc=\$?; kill $pid 2>/dev/null || :; exit \$rc" EXIT
	wait_for out KQ_BROKERS &&
	b=$(sed -n "s/^KQ_BROKERS=//p" out) &&
	head -c 100000 /dev/zero | tr "\\0" y >line &&
	for i in $(seq 200); do cat line; echo; done >many &&
	kq-pub -q -b "$b" -t mem <many
	/usr/bin/python3 - "$b" >slow.out <<-\PY &
	import socket, struct, sys, time
	host, port = sys.argv[1].rsplit(":", 1)
	s = socket.create_connection((host, int(port)))
	body = struct.pack(">iiiib", -1, 0, 0, 1 << 30, 0) + struct.pack(">i", 1)
	body += struct.pack(">h", 3) + b"mem" + struct.pack(">iiqi", 1, 0, 0, 1 << 30)
	for corr in range(20):
	    req = struct.pack(">hhih", 1, 4, corr, 4) + b"slow" + body
	    s.sendall(struct.pack(">i", len(req)) + req)
	time.sleep(3)
	s.settimeout(10)
	def take(n):
	    d = b""
	    while len(d) < n:
	        c = s.recv(n - len(d))
	        if not c:
	            raise SystemExit("closed after %d of %d bytes" % (len(d), n))
	        d += c
	    return d
	# Twenty answers, each as much as an answer holds (up to 1 MiB, in
	# whole batches of 100 kB here): more than the kernel buffers.
	got = [len(take(struct.unpack(">i", take(4))[0])) for corr in range(20)]
	print(all(n > 800000 for n in got) and "all" or "short %s" % got)
	PY
	slow=$!
	trap "rc=\$?; kill $pid $slow 2>/dev/null || :; exit \$rc" EXIT
	sleep 1 &&
	kcat -b "$b" -C -t mem -o beginning -e -q >got &&
	wait $slow &&
	kill $pid && wait $pid &&
	test_cmp many got &&
	{ test "$(cat slow.out)" = all || { cat slow.out err; false; }; }
'

test_done
