#!/bin/bash
# kq-broker: the embedded broker serves kcat, and stops cleanly.
. "$(dirname "$0")/lib.sh"

start_broker --topic foo:1 --topic wide:3

test_expect_success 'kcat produces to kq-broker and reads it back' '
	seq 42 | kcat_write foo &&
	kcat_read foo >got &&
	seq 42 >want &&
	test_cmp want got
'

test_expect_success 'a topic made with --topic NAME:N has N partitions' '
	kcat -b "$KQ_BROKERS" -L -t wide >md &&
	grep -q "topic \"wide\" with 3 partitions" md
'

# kq-broker makes 1 partition, as Kafka's num.partitions=1; the mock 4.
if [ "${KQ_TEST_BROKER:-}" = mock ]; then fresh=4; else fresh=1; fi

test_expect_success "an unknown topic is made on first use, with $fresh partitions" '
	echo x | kcat_write fresh &&
	kcat -b "$KQ_BROKERS" -L -t fresh >md &&
	grep -q "topic \"fresh\" with $fresh partitions" md
'

test_expect_success 'SIGTERM stops kq-broker with status 0, logging only that' '
	kq-broker -l 127.0.0.1:0 >out 2>err &
	pid=$! &&
	wait_for out KQ_BROKERS &&
	grep -q "^KQ_BROKERS=127.0.0.1:[0-9]*$" out &&
	kill -TERM $pid &&
	wait $pid &&
	grep -q "^kq-broker: listening on .*, data in $XDG_DATA_HOME/kq/broker " err &&
	grep -q "^kq-broker: stopping (SIGTERM)$" err &&
	test "$(wc -l <err)" -eq 2
'

test_expect_success '--daemon prints shell assignments; --stop ends it' '
	eval "$(kq-broker --daemon -l 127.0.0.1:0 --pidfile "$PWD/pid")" &&
	test "$(cat pid)" = "$KQ_BROKER_PID" &&
	echo hello | kcat_write daemon &&
	test "$(kcat_read daemon)" = hello &&
	kq-broker --stop --pidfile "$PWD/pid" &&
	! kill -0 "$KQ_BROKER_PID" 2>/dev/null &&
	test ! -e pid
'

test_expect_success 'kq-broker refuses operands and bad counts with status 64' '
	expect_status 64 kq-broker extra 2>err &&
	grep_err "unexpected argument" err &&
	expect_status 64 kq-broker --topic x:0 2>err &&
	grep_err "^kq-broker: --topic:" err
'

test_done
