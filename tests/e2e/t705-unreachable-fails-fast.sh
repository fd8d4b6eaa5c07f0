#!/bin/sh
# A broker that is not there is said so at once: when every bootstrap
# address refuses the connection (or is no Kafka broker), a program does
# not wait out its --timeout, whichever program it is. Each runs under
# timeout(1) far below its own --timeout: status 124 means it waited.
. "$(dirname "$0")/lib.sh"

# A port nothing listens on (tcpmux: never served here).
closed=1

test_expect_success 'every program gives up at once when every address refuses' '
	for p in "kq-pub -t x" "kq-sub -t x -e" "kq-count -t x" "kq-topic list"; do
		rc=0
		timeout 20 $p -b 127.0.0.1:$closed --timeout 60s </dev/null \
			2>err || rc=$?
		[ $rc -eq 69 ] || { echo "$p: status $rc"; cat err; exit 1; }
		grep_err "^${p%% *}: cannot reach 127.0.0.1:$closed: Connection refused$" err
	done
'

test_expect_success 'a name with two addresses is tried on both before giving up' '
	# localhost is ::1 and 127.0.0.1: a broker on the second is found.
	start_broker
	port=${KQ_BROKERS##*:}
	kq-topic -b localhost:$port list >out
'

test_expect_success 'a host name that does not resolve is said at once' '
	rc=0
	timeout 20 kq-topic -b no-such-host.invalid:9092 --timeout 60s list \
		2>err || rc=$?
	[ $rc -eq 69 ] || { echo "status $rc"; cat err; exit 1; }
	grep_err "^kq-topic: cannot reach no-such-host.invalid:9092: " err
'

test_expect_success 'an address that is not Kafka is named as such, at once' '
	# An HTTP server of a few lines: it answers 400 to anything.
	cat >http.py <<-PY
	import socket, sys
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	s.listen(16)
	s.settimeout(30)
	print(s.getsockname()[1], flush=True)
	while True:
	    c, _ = s.accept()
	    c.recv(4096)
	    c.sendall(b"HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n")
	    c.close()
	PY
	/usr/bin/python3 http.py >port &
	srv=$!
	wait_for port "^[0-9]"
	port=$(cat port)
	rc=0
	timeout 20 kq-pub -t x -b 127.0.0.1:$port --timeout 60s </dev/null \
		2>err || rc=$?
	kill $srv
	[ $rc -eq 69 ] || { echo "status $rc"; cat err; exit 1; }
	grep_err "did not answer as a Kafka broker" err
	! grep -q "receive.message.max.bytes" err
'

test_done
