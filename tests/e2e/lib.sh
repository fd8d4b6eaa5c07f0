# The end-to-end harness, sourced by every tests/e2e/tNNN-what.sh.
#
#   start_broker [--topic NAME:N]...  a kq-broker of its own, on a free port;
#                                     KQ_BROKERS is exported, and the broker
#                                     is stopped when the test file ends,
#                                     whether it passed or not
#                                     (the mock cluster when KQ_TEST_BROKER=mock,
#                                     Apache Kafka when KQ_TEST_BROKER=kafka)
#   start_kq_broker, start_mock_broker, start_kafka_broker  always that one
#   start_small_broker                about 5 MB kept a partition
#   test_expect_success 'what it proves' 'commands'
#                                     runs the commands under `set -e` in a
#                                     subshell of $TMP and prints one TAP line
#   test_done                         the file's status
#
# The programs come from $KQ_BIN (bin/ by default, build/asan/bin under
# `make asan`); kcat and jq are the independent peers.
set -u
KQ_BIN=${KQ_BIN:-$(cd "$(dirname "$0")/../../bin" && pwd)}
KQ_TESTBIN=${KQ_TESTBIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/tests}
KQ_DATA=$(cd "$(dirname "$0")/../data" && pwd)
PATH=$KQ_BIN:$PATH
export PATH KQ_BIN KQ_TESTBIN KQ_DATA
# Apache Kafka (tests/kafka/kafka.sh): its jars are found before HOME moves;
# a cluster of the tester's own, KQ_BROKERS with KQ_TEST_BROKER=kafka,
# stands in for the node each file would start.
KQ_KAFKA_SH=$(cd "$(dirname "$0")/../kafka" && pwd)/kafka.sh
KQ_KAFKA_HOME=${KQ_KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kq/kafka-$(sed -n \
	's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' \
	"$(dirname "$KQ_KAFKA_SH")/pom.xml")}
KQ_KAFKA_CLUSTER=
[ "${KQ_TEST_BROKER:-}" = kafka ] && KQ_KAFKA_CLUSTER=${KQ_BROKERS:-}
export KQ_KAFKA_SH KQ_KAFKA_HOME
unset KQ_CONFIG KQ_BROKERS
# ASan: librdkafka keeps some memory for the life of the process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kq-test.XXXXXX")
# A test must not read the tester's own configuration, nor write in the
# tester's home (fish, a broker's default data directory...).
mkdir "$TMP/home"
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" \
	XDG_DATA_HOME="$TMP/home/.local/share" XDG_RUNTIME_DIR="$TMP/home"
test_count=0
test_failed=0

# Every broker's pid goes to $TMP/broker.pids, those started in a test
# body (a subshell) too, so that none outlives its test file.
cleanup() {
	# Kafka's nodes keep scratch data: no controlled shutdown needed.
	for f in "$TMP"/kafka-*/node*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	pids=$(cat "$TMP/broker.pids" 2>/dev/null)
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
		# Not a child of this shell: wait by polling, 10 s at most.
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	done
	# A broker built with sanitizers reports on its stderr, which no
	# test reads: a report there fails the file (make asan).
	if grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" \
		"$TMP"/broker*.err >"$TMP/sanitized" 2>/dev/null; then
		echo "not ok - a broker's sanitizer report"
		xargs cat <"$TMP/sanitized" | sed 's/^/#   /'
		rm -rf "$TMP"
		exit 1
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_broker [--topic NAME[:N]]...: a broker of its own on a free port,
# KQ_BROKERS exported: kq-broker, durable, with its data in $TMP/data-N;
# librdkafka's mock cluster instead when KQ_TEST_BROKER=mock, Apache Kafka
# when KQ_TEST_BROKER=kafka, so that the whole suite can run against the
# reference brokers too.
start_broker() {
	case ${KQ_TEST_BROKER:-} in
	mock) start_mock_broker "$@" ;;
	kafka) start_kafka_broker "$@" ;;
	*) start_kq_broker "$@" ;;
	esac
}

# broker_number: how many brokers this file has started, so a new one
# gets files and a data directory of its own.
broker_number() {
	if [ -f "$TMP/broker.pids" ]; then wc -l <"$TMP/broker.pids"; else echo 0; fi
}

# wait_broker_ready N: until $TMP/brokerN.out names the broker's address.
wait_broker_ready() {
	i=0
	while ! grep -q '^KQ_BROKERS=' "$TMP/broker$1.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$BROKER_PID" 2>/dev/null; then
			echo "not ok - the broker did not start"
			cat "$TMP/broker$1.err"
			exit 1
		fi
		sleep 0.05
	done
	KQ_BROKERS=$(sed -n 's/^KQ_BROKERS=//p' "$TMP/broker$1.out")
	export KQ_BROKERS BROKER_PID
}

# start_kq_broker [kq-broker options]: always kq-broker, whatever
# KQ_TEST_BROKER says (its own tests, t9NN-broker-*); options given win
# over the defaults (-l 127.0.0.1:0 -d $TMP/data-N).
start_kq_broker() {
	n=$(broker_number)
	kq-broker -l 127.0.0.1:0 -d "$TMP/data-$n" "$@" >"$TMP/broker$n.out" \
		2>"$TMP/broker$n.err" &
	BROKER_PID=$!
	echo $! >>"$TMP/broker.pids"
	wait_broker_ready "$n"
}

# start_mock_broker [--brokers N] [--topic NAME:N]...: librdkafka's mock
# cluster (tests/fixture/faultbroker, not steered): for the tests of what
# only the mock does (topics made with 4 partitions on first use, no
# CreateTopics, about 5 MB kept a partition, transactions).
start_mock_broker() {
	n=$(broker_number)
	mkfifo "$TMP/mock$n.ctl"
	# Opened for reading and writing, its stdin never ends.
	"$KQ_TESTBIN/faultbroker" "$@" <>"$TMP/mock$n.ctl" >"$TMP/broker$n.out" \
		2>"$TMP/broker$n.err" &
	BROKER_PID=$!
	echo $! >>"$TMP/broker.pids"
	wait_broker_ready "$n"
}

# start_kafka_broker [--nodes 3] [--set NAME=VALUE]... [--topic NAME:N]...:
# Apache Kafka in KRaft mode (tests/kafka/kafka.sh), a node of its own (or
# three) with its data in $TMP/kafka-N; the topics are made with kq-topic.
# With KQ_TEST_BROKER=kafka and KQ_BROKERS given, that cluster instead.
start_kafka_broker() {
	n=$(broker_number)
	nodes=1 props=""
	while [ $# -gt 0 ]; do
		case $1 in
		--nodes) nodes=$2 ;;
		--set) props="$props $2" ;;
		*) break ;;
		esac
		shift 2
	done
	if [ -n "$KQ_KAFKA_CLUSTER" ] && [ "$nodes" = 1 ] && [ -z "$props" ]; then
		KQ_BROKERS=$KQ_KAFKA_CLUSTER
		echo "KQ_BROKERS=$KQ_BROKERS" >"$TMP/broker$n.out"
	else
		# shellcheck disable=SC2086
		sh "$KQ_KAFKA_SH" start "$TMP/kafka-$n" "$nodes" $props \
			>"$TMP/broker$n.out" 2>"$TMP/broker$n.err" || {
			echo "not ok - Apache Kafka did not start"
			cat "$TMP/broker$n.err"
			exit 1
		}
		KQ_BROKERS=$(sed -n 's/^KQ_BROKERS=//p' "$TMP/broker$n.out")
		BROKER_PID=$(cat "$TMP/kafka-$n/node1.pid")
		KAFKA_DIR=$TMP/kafka-$n
	fi
	# One line per file whatever the number of nodes: broker_number.
	echo "${BROKER_PID:-}" >>"$TMP/broker.pids"
	export KQ_BROKERS BROKER_PID KAFKA_DIR
	while [ $# -gt 0 ]; do
		case $1 in
		--topic) t=$2 && shift 2 ;;
		--topic=*) t=${1#--topic=} && shift ;;
		*) echo "start_kafka_broker: unknown $1" >&2 && exit 1 ;;
		esac
		name=${t%%:*} parts=1
		[ "$name" != "$t" ] && parts=${t#*:}
		kq-topic create "$name" --partitions "$parts" --if-not-exists ||
			{ echo "not ok - cannot create $name on Kafka"; exit 1; }
	done
}

# kafka_kill N, kafka_restart N: kill -9 node N of the cluster that
# start_kafka_broker --nodes 3 started; start it again, once it answers.
kafka_kill() {
	sh "$KQ_KAFKA_SH" kill "$KAFKA_DIR" "$1"
}
kafka_restart() {
	sh "$KQ_KAFKA_SH" restart "$KAFKA_DIR" "$1" &&
	cat "$KAFKA_DIR/node$1.pid" >>"$TMP/broker.pids"
}

# kafka_only: the file needs Apache Kafka (what kq-broker and the mock
# cannot show); without KQ_TEST_BROKER=kafka it is one skipped test.
kafka_only() {
	[ "${KQ_TEST_BROKER:-}" = kafka ] && return 0
	echo "ok 1 # SKIP Apache Kafka only: KQ_TEST_BROKER=kafka"
	echo "1..1"
	exit 0
}

# no_mock WHAT: the file needs what librdkafka's mock cluster lacks (its
# admin requests: DescribeConfigs, AlterConfigs, group listing and
# deletion); with KQ_TEST_BROKER=mock it is one skipped test, saying so.
# kq_broker_test: this file tests kq-broker itself, which it starts
# whatever broker the suite runs the programs against: it runs in the
# default run (and under ASan), not again with KQ_TEST_BROKER=mock or
# kafka, where it would test the same thing a second and third time.
kq_broker_test() {
	case ${KQ_TEST_BROKER:-} in
	mock | kafka)
		echo "ok 1 # SKIP kq-broker's own test: run with the default broker"
		echo "1..1"
		exit 0
		;;
	esac
}

no_mock() {
	[ "${KQ_TEST_BROKER:-}" != mock ] && return 0
	echo "ok 1 # SKIP the mock cluster has no $1"
	echo "1..1"
	exit 0
}

# kafka_tool NAME ARGS...: one of Apache Kafka's own tools (kafka-topics,
# kafka-console-producer, kafka-console-consumer, kafka-consumer-groups,
# kafka-configs).
kafka_tool() {
	sh "$KQ_KAFKA_SH" "$@"
}

# start_small_broker [--topic NAME:N]...: a broker that keeps only about
# the newest 5 MB of each partition, so that a test sees the log start
# move: the mock does so by itself; kq-broker and Kafka are given
# retention.bytes (Kafka checks it every second, from its start).
start_small_broker() {
	case ${KQ_TEST_BROKER:-} in
	mock) start_mock_broker "$@" ;;
	kafka)
		start_kafka_broker --set log.retention.bytes=5000000 \
			--set log.segment.bytes=1048576 \
			--set log.retention.check.interval.ms=1000 \
			--set log.initial.task.delay.ms=0 "$@"
		;;
	*)
		start_kq_broker -c retention.bytes=5000000 \
			-c segment.bytes=1000000 "$@"
		;;
	esac
}

# start_fault_broker [--brokers N] [--topic NAME:N]...: like start_broker,
# but the broker is tests/fixture/faultbroker, steered with broker_ctl.
start_fault_broker() {
	mkfifo "$TMP/ctl"
	"$KQ_TESTBIN/faultbroker" "$@" <"$TMP/ctl" >"$TMP/fault.out" \
		2>"$TMP/fault.err" &
	BROKER_PID=$!
	echo $! >>"$TMP/broker.pids"
	exec 9>"$TMP/ctl"
	i=0
	while ! grep -q '^KQ_BROKERS=' "$TMP/fault.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "not ok - the fault broker did not start"
			cat "$TMP/fault.err"
			exit 1
		fi
		sleep 0.05
	done
	KQ_BROKERS=$(sed -n 's/^KQ_BROKERS=//p' "$TMP/fault.out")
	export KQ_BROKERS BROKER_PID
}

# broker_ctl COMMAND...: steer the fault broker (see tests/fixture/
# faultbroker.c: down ID, up ID, rtt ID MS, error REQUEST N ERR...) and
# wait until it has done it.
broker_ctl() {
	before=$(wc -l <"$TMP/fault.out")
	echo "$*" >&9
	i=0
	while [ "$(wc -l <"$TMP/fault.out")" -le "$before" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "broker_ctl: no answer to $*" >&2; return 1; }
		sleep 0.01
	done
	tail -n 1 "$TMP/fault.out" | grep -q '^ok$' || {
		echo "broker_ctl $*: $(tail -n 1 "$TMP/fault.out")" >&2
		return 1
	}
}

# stop_broker [PID]: SIGTERM, and wait until it has ended (by polling
# when it is not a child of this shell: Kafka's nodes are not).
stop_broker() {
	p=${1:-$BROKER_PID}
	kill "$p" || return
	wait "$p" 2>/dev/null
	rc=$?
	[ $rc -eq 127 ] || return $rc
	while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
}

test_expect_success() {
	test_count=$((test_count + 1))
	log="$TMP/test$test_count.log"
	(
		cd "$TMP" || exit 1
		set -e
		eval "$2"
	) >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$log"
	fi
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
	exit $?
}

# --- helpers for test bodies ------------------------------------------------

# kcat_read TOPIC [kcat options]: every message of TOPIC, as kcat sees it.
kcat_read() {
	t=$1
	shift
	kcat -b "$KQ_BROKERS" -C -t "$t" -o beginning -e -q "$@"
}

# kcat_write TOPIC [kcat options]: stdin to TOPIC through kcat.
kcat_write() {
	t=$1
	shift
	kcat -b "$KQ_BROKERS" -P -t "$t" "$@"
}

# expect_status N command...: run it, fail unless it exits with N.
expect_status() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "expected status $want, got $got: $*" >&2
		return 1
	fi
}

# test_cmp EXPECTED ACTUAL: the same bytes, or a diff and failure.
test_cmp() {
	cmp -s "$1" "$2" || {
		echo "$1 and $2 differ:" >&2
		diff -u "$1" "$2" | head -40 >&2
		return 1
	}
}

# wait_for FILE PATTERN: until FILE holds a line matching PATTERN (20 s).
wait_for() {
	for _ in $(seq 200); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

# wait_lines N FILE...: until the files hold N lines together (20 s).
wait_lines() {
	n=$1
	shift
	for _ in $(seq 200); do
		[ "$(cat "$@" 2>/dev/null | wc -l)" -ge "$n" ] && return 0
		sleep 0.1
	done
	echo "expected $n lines in $*, got $(cat "$@" | wc -l)" >&2
	return 1
}

# grep_err PATTERN FILE: FILE (stderr saved by the test) has the pattern.
grep_err() {
	grep -q -- "$1" "$2" || {
		echo "no '$1' in $2:" >&2
		cat "$2" >&2
		return 1
	}
}
