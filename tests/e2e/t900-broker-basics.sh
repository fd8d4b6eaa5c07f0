#!/bin/bash
# kq-broker: a durable broker that kcat, python3-kafka and every kq program
# use; its data outlives it; one broker per data directory; its options.
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
start_kq_broker -d "$D" --topic foo:1 --topic wide:3

test_expect_success 'kq-broker prints its address and logs where its data is' '
	grep -q "^KQ_BROKERS=127.0.0.1:[0-9][0-9]*$" "$TMP/broker0.out" &&
	grep -q "^kq-broker: listening on $KQ_BROKERS, data in $D (2 topics)" \
		"$TMP/broker0.err"
'

test_expect_success 'kcat writes, kq-sub and kq-count read the same' '
	seq 1000 | kcat_write foo &&
	kq-sub -q -t foo -o beginning -e >got &&
	seq 1000 >want && test_cmp want got &&
	test "$(kq-count -t foo)" = 1000
'

test_expect_success 'kq-pub writes (idempotent, all partitions), kcat reads' '
	seq 3000 | kq-pub -q -t wide &&
	kcat_read wide | sort -n >got &&
	seq 3000 >want && test_cmp want got
'

test_expect_success 'acks 0 and 1 (no idempotence) store as acks all does' '
	seq 100 | kq-pub -q -t acks --acks=0 &&
	seq 101 200 | kq-pub -q -t acks --acks=1 &&
	seq 201 300 | kcat_write acks -X acks=0 &&
	for i in $(seq 50); do
		test "$(kcat_read acks | wc -l)" -eq 300 && break
		sleep 0.1
	done &&
	seq 300 >want && kcat_read acks >got && test_cmp want got
'

test_expect_success 'keys, headers and compressed batches pass through as sent' '
	for z in gzip snappy lz4 zstd; do
		printf "k1:a\nk2:b\n" | kq-pub -q -t foo -K : -H h=$z -z $z
	done &&
	kcat_read foo -o -8 -f "%k=%s %h\n" >got &&
	for z in gzip snappy lz4 zstd; do
		printf "k1=a h=$z\nk2=b h=$z\n"
	done >want &&
	test_cmp want got
'

test_expect_success 'kcat -L lists the topics; kcat -Q finds offsets by time' '
	kcat -b "$KQ_BROKERS" -L -J | jq -r ".topics[].topic" | sort >got &&
	printf "acks\nfoo\nwide\n" >want && test_cmp want got &&
	kcat -b "$KQ_BROKERS" -L -J |
		jq -e ".brokers == [{\"id\": 1, \"name\": \"$KQ_BROKERS\"}]" &&
	printf "old\nnew\n" | kcat_write times -K: -X topic.metadata.refresh.interval.ms=100 &&
	echo "t1:before" | kcat_write stamped -K: &&
	sleep 0.05 && now=$(date +%s%3N) && sleep 0.05 &&
	echo "t2:after" | kcat_write stamped -K: &&
	kcat -b "$KQ_BROKERS" -Q -t stamped:0:$now >q &&
	grep -q "stamped \[0\] offset 1$" q &&
	kcat -b "$KQ_BROKERS" -Q -t stamped:0:$((now + 60000)) >q &&
	grep -q "stamped \[0\] offset -1$" q
'

test_expect_success 'a topic is made on first use with 1 partition' '
	echo x | kcat_write fresh &&
	kcat -b "$KQ_BROKERS" -L -t fresh >md &&
	grep -q "topic \"fresh\" with 1 partitions" md &&
	grep -q "topic fresh created with 1 partition (auto-created" "$TMP/broker0.err"
'

test_expect_success 'kq-sub waits for new messages (long polling) and gets them' '
	kq-sub -q -t foo -o end -c 3 >got &
	sub=$! &&
	sleep 1 &&
	seq 3 | kcat_write foo &&
	wait $sub &&
	seq 3 >want && test_cmp want got
'

test_expect_success 'python3-kafka produces and consumes (another implementation)' '
	/usr/bin/python3 - "$KQ_BROKERS" <<-\PY &&
	import sys
	from kafka import KafkaProducer, KafkaConsumer, TopicPartition
	b = sys.argv[1]
	p = KafkaProducer(bootstrap_servers=b)
	for i in range(500):
	    p.send("py", ("m%d" % i).encode())
	p.flush()
	c = KafkaConsumer(bootstrap_servers=b, auto_offset_reset="earliest",
	                  consumer_timeout_ms=3000)
	c.assign([TopicPartition("py", 0)])
	got = [m.value.decode() for m in c]
	assert got == ["m%d" % i for i in range(500)], got[:5]
	PY
	kcat_read py >got &&
	test "$(wc -l <got)" -eq 500 && test "$(head -1 got)" = m0
'

stop_broker
start_kq_broker -d "$D"

test_expect_success 'after a restart on the same directory everything is there' '
	kcat_read foo >got &&
	test "$(wc -l <got)" -eq 1011 &&
	kcat_read wide | wc -l >n && test "$(cat n)" -eq 3000 &&
	kcat -b "$KQ_BROKERS" -L -t wide | grep -q "with 3 partitions" &&
	echo more | kcat_write foo &&
	test "$(kcat_read foo -o -1)" = more &&
	kcat -b "$KQ_BROKERS" -Q -t foo:0:-1 | grep -q "offset 1012$"
'

test_expect_success 'a second broker on the same directory is refused' '
	expect_status 75 kq-broker -l 127.0.0.1:0 -d "$D" >out 2>err &&
	grep_err "^kq-broker: $D: in use by another kq-broker (process $BROKER_PID)$" err &&
	test ! -s out
'

test_expect_success 'a port in use: 69, naming it' '
	expect_status 69 kq-broker -l "$KQ_BROKERS" -d "$TMP/other" 2>err &&
	grep_err "^kq-broker: $KQ_BROKERS: Address already in use$" err
'

test_expect_success '--no-auto-create: an unknown topic stays unknown' '
	kq-broker -l 127.0.0.1:0 -d "$TMP/noauto" --no-auto-create >out 2>err &
	pid=$! &&
	trap "rc=\$?; kill $pid 2>/dev/null || :; exit \$rc" EXIT
	wait_for out KQ_BROKERS &&
	b=$(sed -n "s/^KQ_BROKERS=//p" out) &&
	expect_status 69 kq-sub -b "$b" -t nosuch -e 2>suberr &&
	kcat -b "$b" -L -J | jq -e ".topics == []" &&
	kill $pid && wait $pid
'

test_expect_success '--partitions N: topics made on first use get N' '
	kq-broker -l 127.0.0.1:0 -d "$TMP/parts" -p 4 >out 2>err &
	pid=$! &&
	trap "rc=\$?; kill $pid 2>/dev/null || :; exit \$rc" EXIT
	wait_for out KQ_BROKERS &&
	b=$(sed -n "s/^KQ_BROKERS=//p" out) &&
	echo x | kcat -b "$b" -P -t four &&
	kcat -b "$b" -L -t four | grep -q "with 4 partitions" &&
	kill $pid && wait $pid
'

test_expect_success 'SIGTERM stops kq-broker with status 0, saying so' '
	kq-broker -l 127.0.0.1:0 -d "$TMP/term" >out 2>err &
	pid=$! &&
	trap "rc=\$?; kill $pid 2>/dev/null || :; exit \$rc" EXIT
	wait_for out KQ_BROKERS &&
	kill -TERM $pid &&
	wait $pid &&
	grep -q "^kq-broker: stopping (SIGTERM)$" err
'

test_expect_success 'SIGINT too; -q: nothing logged but errors' '
	kq-broker -q -l 127.0.0.1:0 -d "$TMP/term" >out 2>err &
	pid=$! &&
	trap "rc=\$?; kill $pid 2>/dev/null || :; exit \$rc" EXIT
	wait_for out KQ_BROKERS &&
	kill -INT $pid &&
	wait $pid &&
	test ! -s err
'

test_expect_success '--daemon prints shell assignments and logs to the data directory; --stop ends it' '
	eval "$(kq-broker --daemon -l 127.0.0.1:0 -d "$TMP/daemon" --pidfile "$PWD/pid")" &&
	test "$(cat pid)" = "$KQ_BROKER_PID" &&
	echo hello | kcat_write daemon &&
	test "$(kcat_read daemon)" = hello &&
	kq-broker --stop --pidfile "$PWD/pid" &&
	! kill -0 "$KQ_BROKER_PID" 2>/dev/null &&
	test ! -e pid &&
	grep -q "stopping (SIGTERM)" "$TMP/daemon/kq-broker.log"
'

test_expect_success '--daemon that cannot start: the broker'"'"'s status and reason; --stop on a stale pid file' '
	eval "$(kq-broker --daemon -l 127.0.0.1:0 -d "$TMP/daemon" --pidfile "$PWD/pid")" &&
	# The directory is in use: 75, as in the foreground.
	expect_status 75 kq-broker --daemon -l 127.0.0.1:0 -d "$TMP/daemon" \
		--pidfile "$PWD/pid2" 2>err &&
	grep_err "^kq-broker: .*daemon" err &&
	test ! -e pid2 &&
	kq-broker --stop --pidfile "$PWD/pid" &&
	# A pid file naming a process that is not kq-broker: never signalled.
	sleeper=$(sh -c "sleep 30 >/dev/null 2>&1 & echo \$!") &&
	echo $sleeper >pid &&
	expect_status 69 kq-broker --stop --pidfile "$PWD/pid" 2>err &&
	grep_err "pid: stale: no running kq-broker holds it, process $sleeper is not signalled" err &&
	kill -0 $sleeper && kill $sleeper &&
	test ! -e pid &&
	: >pid &&
	expect_status 65 kq-broker --stop --pidfile "$PWD/pid" 2>err &&
	grep_err "no process id in it" err
'

test_expect_success 'bad options: 64 with a message' '
	expect_status 64 kq-broker extra 2>err &&
	grep_err "unexpected argument" err &&
	expect_status 64 kq-broker --topic x:0 2>err &&
	grep_err "^kq-broker: --topic:" err &&
	expect_status 64 kq-broker --topic "a b" 2>err &&
	grep_err "^kq-broker: --topic: .a b.: a topic name has only" err &&
	expect_status 64 kq-broker -l nocolon 2>err &&
	grep_err "^kq-broker: --listen: expected HOST:PORT" err &&
	expect_status 64 kq-broker --fsync sometimes 2>err &&
	grep_err "^kq-broker: --fsync: .sometimes.: expected always" err &&
	expect_status 64 kq-broker -c retention.ms=soon 2>err &&
	grep_err "^kq-broker: --config: retention.ms: not a number" err &&
	expect_status 64 kq-broker -c cleanup.policy=compact 2>err &&
	grep_err "only cleanup.policy=delete" err &&
	expect_status 64 kq-broker --max-memory 12X 2>err &&
	grep_err "^kq-broker: --max-memory: .12X. is not a size" err &&
	(unset HOME XDG_DATA_HOME && expect_status 64 kq-broker 2>err) &&
	grep_err "no data directory: give one with -d DIR" err
'

test_done
