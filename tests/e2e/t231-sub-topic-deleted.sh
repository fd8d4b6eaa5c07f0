#!/bin/bash
# A topic kq-sub -g reads is deleted under it: kq-sub says so, names it,
# and ends with 69, what it read before kept and committed. (librdkafka
# 2.0.2 then waits forever in rd_kafka_destroy: kq-sub must not.)
. "$(dirname "$0")/lib.sh"

no_mock "DeleteTopics"
start_broker --topic keep:2 --topic gone:2

test_expect_success 'a subscribed topic deleted: 69 naming it, the process ends, what was read stays committed' '
	seq 5 | kcat_write keep &&
	kq-sub -v -g del -t keep -t gone \
		-X topic.metadata.refresh.interval.ms=1000 >got 2>err &
	sub=$!
	wait_lines 5 got &&
	wait_for err committed &&
	kq-topic delete gone &&
	for _ in $(seq 600); do kill -0 $sub 2>/dev/null || break; sleep 0.1; done &&
	if kill -0 $sub 2>/dev/null; then
		kill -9 $sub; echo "kq-sub still runs a minute after" >&2; false
	fi &&
	{ wait $sub; rc=$?; } &&
	test "$rc" -eq 69 &&
	grep -q "gone" err &&
	seq 5 >want && sort -n got >sorted && test_cmp want sorted &&
	kq-sub -q -g del -t keep -e >again &&
	test ! -s again
'

test_done
