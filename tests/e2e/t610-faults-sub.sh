#!/bin/bash
# kq-sub in a group under a failing broker (the steerable mock): through
# coordinator errors and a broker that goes down and comes back, every
# message reaches stdout at least once, and the group's commits leave no
# gap (a second run of the group reads nothing twice that it skipped).
. "$(dirname "$0")/lib.sh"

start_fault_broker --topic a:2 --topic b:2

test_expect_success 'coordinator errors: the group reads everything, then commits it all' '
	seq 2000 | kcat_write a &&
	broker_ctl error FindCoordinator 3 COORDINATOR_NOT_AVAILABLE COORDINATOR_LOAD_IN_PROGRESS &&
	broker_ctl error OffsetCommit 2 COORDINATOR_NOT_AVAILABLE &&
	broker_ctl error Heartbeat 2 NOT_COORDINATOR &&
	kq-sub -t a -g g1 -e -q >got &&
	sort -n got >sorted &&
	seq 2000 >want &&
	test_cmp want sorted &&
	kq-count -t a -g g1 >lag &&
	test "$(cat lag)" -eq 0
'

test_expect_success 'the broker goes down mid-read and comes back: nothing missed' '
	seq 1 1000 | kcat_write b &&
	kq-sub -t b -g g2 --idle-timeout 6s -q >got 2>err &
	sub=$!
	sleep 2 &&
	broker_ctl down 1 &&
	sleep 2 &&
	broker_ctl up 1 &&
	seq 1001 2000 | kcat_write b &&
	wait $sub &&
	sort -n got | uniq >sorted &&
	seq 2000 >want &&
	test_cmp want sorted
'

test_expect_success 'after the outage the group resumes where its commits say: no gap' '
	seq 2001 2500 | kcat_write b &&
	kq-sub -t b -g g2 -e -q >more &&
	sort -n more | uniq >sorted &&
	seq 2001 2500 >want &&
	comm -13 sorted want >missing &&
	test ! -s missing
'

test_expect_success 'an outage is said within seconds, naming the broker, and its end too' '
	seq 10 | kcat_write c
	kq-sub -t c -o beginning >got 2>err &
	sub=$!
	wait_lines 10 got &&
	broker_ctl down 1 &&
	wait_for err "no broker answers at $KQ_BROKERS" &&
	broker_ctl up 1 &&
	seq 11 20 | kcat_write c &&
	wait_lines 20 got &&
	wait_for err "a broker answers again" &&
	kill -INT $sub && { wait $sub || true; } &&
	test "$(grep -c "no broker answers" err)" -eq 1 &&
	sort -n got >sorted && seq 20 >want && test_cmp want sorted
'

test_done
