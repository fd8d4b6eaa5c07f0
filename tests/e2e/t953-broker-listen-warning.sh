#!/bin/bash
# kq-broker has no authentication and no TLS: listening beyond loopback
# (-l 0.0.0.0:PORT) it says so, once, at start; on loopback it does not.
. "$(dirname "$0")/lib.sh"
kq_broker_test

start_kq_broker -l 127.0.0.1:0
LOOP_ERR=$TMP/broker$n.err
start_kq_broker -l 0.0.0.0:0
ALL_ERR=$TMP/broker$n.err
ALL=$KQ_BROKERS

test_expect_success 'on a wildcard address: one warning, naming the address' '
	port=${ALL##*:} &&
	echo x | kcat -b "127.0.0.1:$port" -P -t t &&
	test "$(kcat -b "127.0.0.1:$port" -C -t t -o beginning -e -q)" = x &&
	test "$(grep -c "no authentication and no TLS" "$ALL_ERR")" -eq 1 &&
	grep_err "^kq-broker: warning: listening on $ALL, beyond this machine: there is no authentication and no TLS" "$ALL_ERR"
'

test_expect_success 'on loopback: no warning' '
	! grep -q "no authentication" "$LOOP_ERR"
'

test_done
