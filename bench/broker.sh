#!/bin/bash
# kq-broker against librdkafka's mock cluster and Apache Kafka, side by
# side: publish and consume 1,000,000 x 100 B lines with kq-pub and kq-sub
# (the numbers their own benchmarks use) and with kcat, on the durable
# broker with each --fsync mode, on the mock (tests/fixture/faultbroker,
# which wraps it) and, when its jars are there (sh scripts/deps.sh test),
# on a node of Apache Kafka (tests/kafka/kafka.sh; heap and collector as
# Kafka's own scripts set them, 1 GB and G1; it never calls fsync itself,
# log.flush.interval.messages being unset: like kq-broker --fsync never,
# the page cache and replication keep the data). Runs alternate; medians
# are reported, with each broker's time from start to first answer, its
# memory idle and at its peak under load, and its disk use.
#
# Environment: KQ_BIN (programs, default bin/), KQ_TESTBIN (the fixture,
# default build/tests), KQ_BENCH_RUNS (default 5), KQ_BENCH_OUT (scratch,
# default bench/out).
set -eu
cd "$(dirname "$0")/.."
BIN=$(cd "${KQ_BIN:-bin}" && pwd)
TESTBIN=$(cd "${KQ_TESTBIN:-build/tests}" && pwd)
PATH=$BIN:$PATH
RUNS=${KQ_BENCH_RUNS:-5}
OUT=${KQ_BENCH_OUT:-$PWD/bench/out}/broker
N=1000000
PARTS=32 # ~3 MB a partition: under the mock's ~5 MB
export LC_ALL=C

[ -x "$TESTBIN/faultbroker" ] ||
	{ echo "bench: no $TESTBIN/faultbroker (make build/tests/faultbroker)" >&2; exit 69; }
rm -rf "$OUT"
mkdir -p "$OUT"
pids=""
kafka_sh=$PWD/tests/kafka/kafka.sh
kafka=
sh "$kafka_sh" present && kafka=1
trap 'for p in $pids; do kill $p 2>/dev/null || :; done; wait 2>/dev/null
	[ -z "$kafka" ] || sh "$kafka_sh" stop "$OUT/kafka"; rm -rf "$OUT/data" "$OUT/kafka"' EXIT
trap 'exit 130' INT TERM

lines=$OUT/lines.txt
awk -v n=$N 'BEGIN { srand(42); for (i = 0; i < n; i++) {
	s = sprintf("%08d ", i);
	while (length(s) < 100) s = s sprintf("%x", int(rand() * 2^31));
	print substr(s, 1, 100) } }' >"$lines"

topics() {
	local i
	for i in $(seq "$RUNS"); do
		printf -- " --topic pub-%d:$PARTS --topic kpub-%d:$PARTS" "$i" "$i"
	done
	printf -- " --topic sub:$PARTS"
}

# start NAME COMMAND...: a broker in the background; sets B (its address)
# and P (its process).
start() {
	local name=$1
	shift
	"$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
	P=$!
	pids="$pids $P"
	for _ in $(seq 200); do
		grep -q '^KQ_BROKERS=' "$OUT/$name.out" && break
		sleep 0.05
	done
	B=$(sed -n 's/^KQ_BROKERS=//p' "$OUT/$name.out")
	[ -n "$B" ] || { echo "bench: $name did not start" >&2; cat "$OUT/$name.err" >&2; exit 70; }
}

# answers ADDR: a metadata request to ADDR is answered.
answers() {
	kcat -L -b "$1" -m 1 >/dev/null 2>&1
}

# first_answer COMMAND...: T, the seconds from starting a broker to its
# first answer; the command starts it in the background and sets B.
first_answer() {
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	until answers "$B"; do sleep 0.01; done
	t1=$(date +%s%N)
	T=$(echo "scale=3; ($t1 - $t0) / 1000000000" | bc)
}

# mem PID FIELD: VmRSS (now) or VmHWM (the peak) of a process, in MB.
mem() {
	echo "$(sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status") / 1024" | bc
}

secs() {
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A addr pid first
# From start to a first answer: a fresh kq-broker, its data empty.
kqstart() {
	start first kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/first"
}
first_answer kqstart
first[kq-broker]=$T
kill "$P"
start durable-always kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/always" --fsync always $(topics)
addr[durable-always]=$B
pid[durable-always]=$P
start durable-interval kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/interval" $(topics)
addr[durable-interval]=$B
pid[durable-interval]=$P
start durable-never kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/never" --fsync never $(topics)
addr[durable-never]=$B
pid[durable-never]=$P
# The fixture serves while its stdin is open.
mkfifo "$OUT/ctl"
exec 9<>"$OUT/ctl"
# shellcheck disable=SC2046
start mock sh -c "exec \"$TESTBIN/faultbroker\" $(topics) <\"$OUT/ctl\""
addr[mock]=$B
pid[mock]=$P
brokers="mock durable-never durable-interval durable-always"
if [ -n "$kafka" ]; then
	# Kafka's own settings: 1 GB heap, G1 (kafka-server-start.sh).
	export KQ_KAFKA_HEAP=1g KQ_KAFKA_GC="-XX:+UseG1GC -XX:MaxGCPauseMillis=20"
	kstart() {
		sh "$kafka_sh" start "$OUT/kafka" >"$OUT/kafka.out"
		B=$(sed -n 's/^KQ_BROKERS=//p' "$OUT/kafka.out")
	}
	first_answer kstart
	kfirst=$T
	addr[kafka]=$B
	pid[kafka]=$(sh "$kafka_sh" pids "$OUT/kafka")
	for t in $(topics); do
		case $t in --topic) continue ;; esac
		kq-topic -q -b "$B" create "${t%:*}" --partitions $PARTS
	done
	brokers="$brokers kafka"
fi

pub() {
	kq-pub -q -b "$1" -t "$2" -X sticky.partitioning.linger.ms=0 <"$lines"
}

sub() {
	local n
	n=$(kq-sub -q -b "$1" -t sub -o beginning -e | wc -l)
	[ "$n" -eq $N ] || { echo "bench: read $n of $N" >&2; exit 1; }
}

kpub() {
	kcat -P -b "$1" -t "$2" -X sticky.partitioning.linger.ms=0 <"$lines"
}

ksub() {
	local n
	n=$(kcat -C -b "$1" -t sub -o beginning -e -q | wc -l)
	[ "$n" -eq $N ] || { echo "bench: kcat read $n of $N" >&2; exit 1; }
}

declare -A idle
for b in $brokers; do
	idle[$b]=$(mem "${pid[$b]}" VmRSS)
	pub "${addr[$b]}" sub
done
for i in $(seq "$RUNS"); do
	for b in $brokers; do
		secs pub "${addr[$b]}" "pub-$i" >>"$OUT/$b.pub"
		secs sub "${addr[$b]}" >>"$OUT/$b.sub"
		secs kpub "${addr[$b]}" "kpub-$i" >>"$OUT/$b.kpub"
		secs ksub "${addr[$b]}" >>"$OUT/$b.ksub"
	done
done

echo "machine: $(nproc) cores, $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); $N x 100 B lines, $PARTS partitions, median of $RUNS"
# Ratios: the mock's time over this broker's (above 1: faster than the mock).
mp=$(median <"$OUT/mock.pub")
ms=$(median <"$OUT/mock.sub")
printf "%-18s %10s %10s %9s %10s %10s %9s\n" broker "publish s" "msgs/s" "x mock" \
	"consume s" "msgs/s" "x mock"
for b in $brokers; do
	p=$(median <"$OUT/$b.pub")
	s=$(median <"$OUT/$b.sub")
	printf "%-18s %10s %10.0f %9.2f %10s %10.0f %9.2f\n" "$b" \
		"$p" "$(echo "$N / $p" | bc)" "$(echo "scale=3; $mp / $p" | bc)" \
		"$s" "$(echo "$N / $s" | bc)" "$(echo "scale=3; $ms / $s" | bc)"
done
echo
echo "with kcat (-P, and -C -e into wc -l), the same lines and topics:"
printf "%-18s %10s %10s\n" broker "publish s" "consume s"
for b in $brokers; do
	printf "%-18s %10s %10s\n" "$b" "$(median <"$OUT/$b.kpub")" \
		"$(median <"$OUT/$b.ksub")"
done
echo
echo "memory (RSS, MB): idle after start, and the peak over all the runs:"
for b in $brokers; do
	printf "%-18s %6s idle %6s peak\n" "$b" "${idle[$b]}" "$(mem "${pid[$b]}" VmHWM)"
done
echo "start to first answer: kq-broker ${first[kq-broker]} s${kafka:+; Apache Kafka $kfirst s (storage format included)}"
for d in always interval never; do
	echo "disk ($d): $(du -sh "$OUT/data/$d" | cut -f1)"
done
[ -z "$kafka" ] || echo "disk (kafka): $(du -sh "$OUT/kafka" | cut -f1)"
