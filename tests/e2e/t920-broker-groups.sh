#!/bin/bash
# kq-broker as group coordinator: members split partitions (kcat -G,
# kq-sub -g, python3-kafka), a member that dies is replaced, committed
# offsets are shared between implementations and outlive a restart.
. "$(dirname "$0")/lib.sh"
kq_broker_test

start_kq_broker -d "$TMP/data" --topic four:4 --topic one:1 \
	--topic py:2 --topic surv:4

test_expect_success 'two kcat -G members split four partitions, each message once' '
	kcat -b "$KQ_BROKERS" -G pair four -q -u -X auto.offset.reset=earliest >a.out 2>a.err &
	a=$!
	kcat -b "$KQ_BROKERS" -G pair four -q -u -X auto.offset.reset=earliest >b.out 2>b.err &
	b=$!
	trap "rc=\$?; kill $a $b 2>/dev/null || :; exit \$rc" EXIT
	sleep 4 &&
	seq 2000 | kcat_write four -X sticky.partitioning.linger.ms=0 &&
	wait_lines 2000 a.out b.out &&
	kill -TERM $a $b && { wait $a $b || true; } &&
	test -s a.out && test -s b.out &&
	sort -n a.out b.out >got &&
	seq 2000 >want && test_cmp want got
'

test_expect_success 'the group is listed and described (python3-kafka admin)' '
	kq-sub -g described -t four -v >/dev/null 2>s.err &
	s=$!
	trap "rc=\$?; kill $s 2>/dev/null || :; exit \$rc" EXIT
	wait_for s.err assigned &&
	/usr/bin/python3 - "$KQ_BROKERS" >py.out <<-\PY &&
	import sys
	from kafka.admin import KafkaAdminClient
	a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
	print(sorted(g for g, t in a.list_consumer_groups()))
	d = a.describe_consumer_groups(["described"])[0]
	print(d.state, d.protocol_type, d.protocol, len(d.members))
	PY
	kill -TERM $s && { wait $s || true; } &&
	grep -q "described" py.out &&
	grep -q "^Stable consumer range 1$" py.out
'

test_expect_success 'a member killed with SIGKILL: the other gets its partitions' '
	kq-sub -g survive -t surv -v >a.out 2>a.err &
	a=$!
	kq-sub -g survive -t surv -v -X session.timeout.ms=6000 >b.out 2>b.err &
	b=$!
	trap "rc=\$?; kill $a $b 2>/dev/null || :; exit \$rc" EXIT
	wait_for a.err assigned && wait_for b.err assigned &&
	sleep 1 &&
	kill -KILL $b && { wait $b || true; } &&
	seq 400 | kcat_write surv -X sticky.partitioning.linger.ms=0 &&
	wait_lines 400 a.out &&
	kill -TERM $a && { wait $a || true; } &&
	sort -n a.out b.out | uniq >got &&
	seq 400 >want && test_cmp want got
'

test_expect_success 'python3-kafka consumes in a group and commits; kq-sub -g resumes there' '
	seq 100 | kcat_write py -X sticky.partitioning.linger.ms=0 &&
	/usr/bin/python3 - "$KQ_BROKERS" >py.out <<-\PY &&
	import sys
	from kafka import KafkaConsumer
	c = KafkaConsumer("py", bootstrap_servers=sys.argv[1], group_id="shared",
	                  auto_offset_reset="earliest", enable_auto_commit=False,
	                  consumer_timeout_ms=4000)
	n = 0
	for m in c:
	    n += 1
	c.commit()
	c.close()
	print(n)
	PY
	test "$(cat py.out)" -eq 100 &&
	seq 101 150 | kcat_write py -X sticky.partitioning.linger.ms=0 &&
	kq-sub -q -g shared -t py -e | sort -n >got &&
	seq 101 150 >want && test_cmp want got
'

test_expect_success 'kq-sub -g commits; the committed offsets are what kcat -G resumes from' '
	seq 10 | kcat_write one &&
	kq-sub -q -g g1 -t one -e >got &&
	seq 10 >want && test_cmp want got &&
	seq 11 15 | kcat_write one &&
	timeout 20 kcat -b "$KQ_BROKERS" -G g1 one -e -q >got &&
	seq 11 15 >want && test_cmp want got
'

stop_broker
stopped=$?
start_kq_broker -d "$TMP/data"

test_expect_success 'committed offsets outlive a restart' '
	seq 16 20 | kcat_write one &&
	kq-sub -q -g g1 -t one -e >got &&
	seq 16 20 >want && test_cmp want got &&
	kq-sub -q -g shared -t py -e >got &&
	test ! -s got
'

stop_broker
stopped_too=$?

test_expect_success 'both brokers stopped cleanly, with no sanitizer report' '
	test "$stopped" -eq 0 && test "$stopped_too" -eq 0 &&
	! grep -E "Sanitizer|runtime error" "$TMP/broker0.err" "$TMP/broker1.err"
'

test_done
