#!/bin/bash
# Idle and slow connections cannot lock anyone out of kq-broker: at the
# connection limit the connection sending a request the longest (or idle
# the longest) makes way for a new one, so a normal producer produces
# through a slowloris flood; a request not whole after --request-timeout,
# answers not taken for as long, and connections idle for --idle-timeout
# are closed; --max-connections-per-ip confines a flood from one address to
# its own connections; a client gone while it waits is closed at once.
# Each limit is logged once for a flood.
. "$(dirname "$0")/lib.sh"
kq_broker_test

FLOOD=$(cd "$(dirname "$0")" && pwd)/kqflood.py
flood() { /usr/bin/python3 "$FLOOD" "$@"; }

start_kq_broker -d "$TMP/data0" --max-connections 300 --topic slow:1

test_expect_success '300 connections sending a request a byte a second: kq-pub produces meanwhile' '
	flood slow "$KQ_BROKERS" 300 12 >slow.out &
	flooder=$!
	wait_for slow.out connected &&
	seq 100 | kq-pub -t slow --timeout 10s &&
	kcat_read slow >got &&
	seq 100 >want &&
	test_cmp want got &&
	wait $flooder &&
	grep -x "[1-9][0-9]* of 300 closed" slow.out &&
	grep_err "connection limit: 300 connections: closed 127.0.0.1:[0-9]* (no client id), sending a request for [0-9]*s, for 127.0.0.1:[0-9]*" "$TMP/broker0.err" &&
	test "$(grep -c "connection limit: " "$TMP/broker0.err")" -le 2
'

start_kq_broker -d "$TMP/data1" --request-timeout 2s --idle-timeout 3s \
	--topic big:1

test_expect_success 'requests not whole after --request-timeout: closed, logged once for ten' '
	flood slow "$KQ_BROKERS" 10 6 >slow.out &&
	grep -x "10 of 10 closed" slow.out &&
	grep_err "request timeout: closed 127.0.0.1:[0-9]* (no client id): [0-9]* bytes of a request in 2s" "$TMP/broker1.err" &&
	test "$(grep -c "request timeout: " "$TMP/broker1.err")" -eq 1
'

test_expect_success 'a connection with no traffic for --idle-timeout is closed, answered or not' '
	/usr/bin/python3 - "$KQ_BROKERS" >got <<-\PY &&
	import socket, sys
	host, port = sys.argv[1].rsplit(":", 1)
	a = socket.create_connection((host, int(port)), timeout=20)
	b = socket.create_connection((host, int(port)), timeout=20)
	b.sendall(bytes.fromhex("0000000a001200000000000affff"))
	b.recv(65536)
	print("a", "closed" if a.recv(1) == b"" else "served")
	print("b", "closed" if b.recv(1) == b"" else "served")
	PY
	printf "a closed\nb closed\n" >want &&
	test_cmp want got &&
	grep_err "idle timeout: closed 127.0.0.1:[0-9]* (no client id), idle for 3s" "$TMP/broker1.err"
'

test_expect_success 'answers not taken for --request-timeout: closed, logged' '
	head -c 100000 /dev/zero | tr "\0" y >line &&
	for i in $(seq 30); do cat line; echo; done | kcat_write big &&
	mkfifo lazy.fifo &&
	cat >lazy.py <<-\PY
	import socket, struct, sys
	host, port = sys.argv[1].rsplit(":", 1)
	s = socket.create_connection((host, int(port)), timeout=20)
	body = struct.pack(">iiiib", -1, 0, 0, 1 << 30, 0) + struct.pack(">i", 1)
	body += struct.pack(">h", 3) + b"big" + struct.pack(">iiqi", 1, 0, 0, 1 << 30)
	for corr in range(50):
	    req = struct.pack(">hhih", 1, 4, corr, 4) + b"lazy" + body
	    s.sendall(struct.pack(">i", len(req)) + req)
	sys.stdin.read()
	n = 0
	while True:
	    try:
	        d = s.recv(1 << 20)
	    except ConnectionResetError:
	        break
	    if not d:
	        break
	    n += len(d)
	print("closed" if n < 50 * 1000000 else "all taken")
	PY
	/usr/bin/python3 lazy.py "$KQ_BROKERS" <lazy.fifo >got &
	reader=$!
	exec 8>lazy.fifo &&
	wait_for "$TMP/broker1.err" "answer timeout: closed 127.0.0.1:[0-9]* (lazy): [0-9]* bytes of answers not taken in 2s" &&
	exec 8>&- &&
	wait $reader &&
	test "$(cat got)" = closed
'

start_kq_broker -d "$TMP/data2" --max-connections-per-ip 20 --topic ip:1

test_expect_success 'a flood from one address at --max-connections-per-ip: only its own connections make way' '
	/usr/bin/python3 - "$KQ_BROKERS" >got <<-\PY &&
	import socket, sys, time
	host, port = sys.argv[1].rsplit(":", 1)
	def conn(src):
	    s = socket.socket()
	    s.settimeout(20)
	    s.bind((src, 0))
	    s.connect((host, int(port)))
	    return s
	local = [conn("127.0.0.1") for _ in range(5)]
	time.sleep(0.2)
	other = []
	for _ in range(30):
	    other.append(conn("127.0.0.2"))
	    other[-1].send(b"\0")
	    time.sleep(0.02)
	time.sleep(0.5)
	def closed(s):
	    s.setblocking(False)
	    try:
	        return s.recv(1) == b""
	    except BlockingIOError:
	        return False
	print("local closed:", sum(closed(s) for s in local))
	print("other closed:", sum(closed(s) for s in other))
	print("oldest other closed:", all(closed(s) for s in other[:10]))
	PY
	printf "local closed: 0\nother closed: 10\noldest other closed: True\n" >want &&
	test_cmp want got &&
	grep_err "connection limit per address: 20 connections from 127.0.0.2: closed 127.0.0.2:[0-9]* (no client id), sending a request for [0-9]*s, for 127.0.0.2:[0-9]*" "$TMP/broker2.err" &&
	test "$(grep -c "connection limit per address: " "$TMP/broker2.err")" -eq 1 &&
	seq 10 | kq-pub -t ip --timeout 10s &&
	test "$(kcat_read ip | wc -l)" -eq 10
'

start_kq_broker -d "$TMP/data3" --max-connections 4 --topic empty:1

test_expect_success 'every connection waited on (long polls): a new one is refused, logged' '
	/usr/bin/python3 - "$KQ_BROKERS" >got <<-\PY &&
	import socket, struct, sys, time
	host, port = sys.argv[1].rsplit(":", 1)
	body = struct.pack(">iiiib", -1, 60000, 1, 1 << 20, 0) + struct.pack(">i", 1)
	body += struct.pack(">h", 5) + b"empty" + struct.pack(">iiqi", 1, 0, 0, 1 << 20)
	req = struct.pack(">hhih", 1, 4, 1, 4) + b"poll" + body
	polls = []
	for _ in range(4):
	    s = socket.create_connection((host, int(port)), timeout=20)
	    s.sendall(struct.pack(">i", len(req)) + req)
	    polls.append(s)
	time.sleep(0.5)
	extra = socket.create_connection((host, int(port)), timeout=20)
	print("extra", "refused" if extra.recv(1) == b"" else "served")
	for s in polls:
	    s.setblocking(False)
	    try:
	        s.recv(1)
	        print("poll ended")
	    except BlockingIOError:
	        print("poll waits")
	PY
	printf "extra refused\npoll waits\npoll waits\npoll waits\npoll waits\n" >want &&
	test_cmp want got &&
	grep_err "connection limit: 4 connections, none idle: refused 127.0.0.1:[0-9]*" "$TMP/broker3.err"
'

test_expect_success 'clients gone while their long polls wait (60 s) are closed at once: room for new ones' '
	/usr/bin/python3 - "$KQ_BROKERS" >got <<-\PY &&
	import socket, sys, time
	host, port = sys.argv[1].rsplit(":", 1)
	served = 0
	for _ in range(50):
	    s = socket.create_connection((host, int(port)), timeout=20)
	    try:
	        s.sendall(bytes.fromhex("0000000a001200000000000affff"))
	        answered = s.recv(4)
	    except ConnectionResetError:
	        answered = b""
	    if answered:
	        served += 1
	        if served == 4:
	            break
	    else:
	        s.close()
	        time.sleep(0.2)
	print("served", served)
	PY
	echo "served 4" >want &&
	test_cmp want got
'

test_done
