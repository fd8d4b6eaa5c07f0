#!/bin/bash
# kq-sub: a topic or broker that is not there is status 69 and one line.
. "$(dirname "$0")/lib.sh"

start_fault_broker --topic foo:1

test_expect_success 'a topic the broker does not have: 69, naming it' '
	broker_ctl topic-error nosuch UNKNOWN_TOPIC_OR_PART &&
	expect_status 69 kq-sub -t nosuch -o beginning -e >out 2>err &&
	test ! -s out &&
	grep_err "^kq-sub: nosuch: no such topic$" err
'

test_expect_success 'the same with a group' '
	expect_status 69 kq-sub -t nosuch -g g1 -e >out 2>err &&
	grep_err "^kq-sub: nosuch: no such topic$" err
'

test_expect_success 'one missing topic among others stops the read' '
	echo x | kcat_write foo &&
	expect_status 69 kq-sub -t foo -t nosuch -o beginning -e >out 2>err &&
	grep_err "nosuch: no such topic" err
'

test_expect_success 'following (no -e), a topic to come is waited for, said once' '
	broker_ctl topic-error later UNKNOWN_TOPIC_OR_PART
	kq-sub -t later -o beginning -c 1 >out 2>err &
	pid=$! &&
	wait_for err "later: no such topic yet; waiting for it" &&
	broker_ctl topic-error later NO_ERROR &&
	echo hello | kcat_write later &&
	wait $pid &&
	echo hello >want && test_cmp want out &&
	test "$(grep -c "waiting for it" err)" -eq 1
'

test_expect_success 'Ctrl-C while waiting for a topic: 130' '
	broker_ctl topic-error gone UNKNOWN_TOPIC_OR_PART
	kq-sub -t gone >out 2>err &
	pid=$! &&
	wait_for err "gone: no such topic yet" &&
	kill -INT $pid &&
	expect_status 130 wait $pid
'

test_expect_success 'no broker at all: 69 within --timeout' '
	expect_status 69 kq-sub -b 127.0.0.1:1 --timeout 1s -t foo -e 2>err &&
	grep_err "^kq-sub: cannot reach 127.0.0.1:1" err
'

test_done
