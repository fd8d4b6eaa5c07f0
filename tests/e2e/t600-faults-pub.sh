#!/bin/bash
# kq-pub under a failing broker (the steerable mock): transient errors
# are retried by the idempotent producer, so every record lands once and
# in order; permanent errors and a broker gone for longer than --timeout
# give exact counts, and what was reported delivered is in the topic.
. "$(dirname "$0")/lib.sh"

start_fault_broker --topic t1:1 --topic t2:1 --topic t3:1 --topic t4:1 --topic t5:2

test_expect_success 'transient Produce errors: every record once, in order (kcat reads back)' '
	broker_ctl error Produce 6 NOT_LEADER_FOR_PARTITION REQUEST_TIMED_OUT NOT_ENOUGH_REPLICAS &&
	seq 5000 | kq-pub -t t1 2>err &&
	grep -q "Produced 5000 messages" err &&
	kcat_read t1 >got &&
	seq 5000 >want &&
	test_cmp want got
'

test_expect_success 'a slow broker (500 ms round trips) still gets everything, in order' '
	broker_ctl rtt 1 500 &&
	seq 300 | kq-pub -t t2 2>err &&
	broker_ctl rtt 1 0 &&
	kcat_read t2 >got &&
	seq 300 >want &&
	test_cmp want got
'

test_expect_success 'a permanent error: exact delivered and failed counts, status 1' '
	seq 10 | kq-pub -t t3 -q &&
	broker_ctl error Produce 100 MSG_SIZE_TOO_LARGE &&
	expect_status 1 kq-pub -t t3 -T --keep-going --timeout 5s <"$KQ_DATA/../data/github_events.json" >delivered 2>err &&
	broker_ctl clear Produce &&
	grep -q "Message size too large" err &&
	grep -Eq "Produced 0 messages, [0-9]+ failed" err &&
	test ! -s delivered &&
	test "$(kcat_read t3 | wc -l)" -eq 10
'

test_expect_success 'broker down for longer than --timeout: non-zero, counts add up, delivered ones are there' '
	( sleep 0.8; broker_ctl down 1 ) &
	ctl=$!
	set +e
	for i in $(seq 400); do
		echo "r$i"; [ $i -eq 200 ] && sleep 1; sleep 0.002
	done | kq-pub -t t4 --timeout 2s -T >delivered 2>err
	rc=$?
	set -e
	wait $ctl
	broker_ctl up 1 &&
	test $rc -ne 0 &&
	cat err &&
	d=$(wc -l <delivered) &&
	grep -Eq "Produced $d messages?, [0-9]+ failed" err &&
	f=$(sed -nE "s/.*Produced [0-9]+ messages?, ([0-9]+) failed.*/\\1/p" err) &&
	test $((d + f)) -le 400 && test "$f" -gt 0 &&
	kcat_read t4 >landed &&
	grep -Fxf delivered landed >found &&
	test_cmp delivered found
'

test_expect_success 'kq-jsonsplit | kq-pub with the broker failing half way: exact count of values delivered' '
	( sleep 0.7; broker_ctl down 1 ) &
	ctl=$!
	set +e
	(cat "$KQ_DATA/github_events.json"; sleep 1.5; cat "$KQ_DATA/github_events.json") |
		kq-jsonsplit | kq-pub -t t5 --timeout 2s -T >delivered 2>err
	rc=$?
	set -e
	wait $ctl
	broker_ctl up 1 &&
	test $rc -ne 0 &&
	d=$(wc -l <delivered) &&
	test "$d" -eq 30 &&
	grep -Eq "Produced 30 messages, [0-9]+ failed" err &&
	test "$(kcat_read t5 | wc -l)" -eq 30
'

test_done
