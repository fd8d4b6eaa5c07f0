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
# are reported. Every row has the wall time of the work, the broker's CPU
# seconds for it (user and system, from /proc) and the broker's memory
# (idle after start, and its peak over all the runs); then each broker's
# time from start to first answer and its disk use. Then the group commit:
# four kq-pub at once into 16 partitions, acks all, on each broker. The
# goals, marked MISS when missed and counted in the last line: kq-broker
# with --fsync interval, the default, publishes (kq-pub) at least as fast
# as the mock; with --fsync always, four producers at once take at most
# 1.25 times --fsync interval's time.
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

for tool in kcat bc; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: $tool is missing (sh scripts/deps.sh test)" >&2; exit 69; }
done
[ -x "$TESTBIN/faultbroker" ] ||
	{ echo "bench: no $TESTBIN/faultbroker (make build/tests/faultbroker)" >&2; exit 69; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
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

# The group commit's work: GN lines from GPROD producers at once into
# GPARTS partitions, each producer its share.
GPROD=4
GPARTS=16
GN=500000 # ~3 MB a partition too
head -n $GN "$lines" >"$OUT/group.txt"
split -n l/$GPROD "$OUT/group.txt" "$OUT/share."

topics() {
	local i
	for i in $(seq "$RUNS"); do
		printf -- " --topic pub-%d:$PARTS --topic kpub-%d:$PARTS" "$i" "$i"
		printf -- " --topic gpub-%d:$GPARTS" "$i"
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
	echo "scale=1; $(sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status") / 1024" | bc
}

# ticks PID: the CPU clock ticks (user and system, all its threads) PID
# has used.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# secs BROKER OUTFILE COMMAND...: wall seconds of COMMAND into OUTFILE, and
# the CPU seconds BROKER spent meanwhile into OUTFILE.cpu.
secs() {
	local b=$1 out=$2 t0 t1 c0 c1
	shift 2
	c0=$(ticks "${pid[$b]}")
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	c1=$(ticks "${pid[$b]}")
	echo "scale=3; ($t1 - $t0) / 1000000000" | bc >>"$out"
	echo "scale=3; ($c1 - $c0) / $(getconf CLK_TCK)" | bc >>"$out.cpu"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A addr pid first disk
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
disk[durable-always]=$OUT/data/always
start durable-interval kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/interval" $(topics)
addr[durable-interval]=$B
pid[durable-interval]=$P
disk[durable-interval]=$OUT/data/interval
start durable-never kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/never" --fsync never $(topics)
addr[durable-never]=$B
pid[durable-never]=$P
disk[durable-never]=$OUT/data/never
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
	first[kafka]=$T
	addr[kafka]=$B
	pid[kafka]=$(sh "$kafka_sh" pids "$OUT/kafka")
	disk[kafka]=$OUT/kafka
	for t in $(topics); do
		case $t in --topic) continue ;; esac
		kq-topic -q -b "$B" create "${t%:*}" --partitions "${t#*:}"
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

# gpub ADDR TOPIC: GPROD kq-pub at once, each with its share of the lines.
gpub() {
	local f p ps=""
	for f in "$OUT"/share.*; do
		kq-pub -q -b "$1" -t "$2" -X sticky.partitioning.linger.ms=0 <"$f" &
		ps="$ps $!"
	done
	for p in $ps; do
		wait "$p" || { echo "bench: kq-pub into $2 failed" >&2; exit 1; }
	done
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
		secs "$b" "$OUT/$b.pub" pub "${addr[$b]}" "pub-$i"
		secs "$b" "$OUT/$b.sub" sub "${addr[$b]}"
		secs "$b" "$OUT/$b.kpub" kpub "${addr[$b]}" "kpub-$i"
		secs "$b" "$OUT/$b.ksub" ksub "${addr[$b]}"
		secs "$b" "$OUT/$b.gpub" gpub "${addr[$b]}" "gpub-$i"
	done
done

echo "machine: $(nproc) cores, $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); $N x 100 B lines, $PARTS partitions, median of $RUNS"
echo "x mock: the mock's time over the broker's (above 1: faster than the mock); CPU s: the broker's own, for the work; MB: the broker's RSS, idle after start and its peak over all the runs"
misses=0
# row BROKER CLIENT PUB SUB GOAL: one row, PUB and SUB the names of the
# runs' files; with GOAL, the publish ratio is checked against 1.
row() {
	local b=$1 client=$2 p s xp mark=""
	p=$(median <"$OUT/$b.$3")
	s=$(median <"$OUT/$b.$4")
	xp=$(echo "scale=3; $(median <"$OUT/mock.$3") / $p" | bc)
	if [ -n "$5" ]; then
		if [ "$(echo "$xp >= 1" | bc)" -eq 1 ]; then
			mark="ok: publish x mock >= 1"
		else
			mark="MISS: publish x mock >= 1"
			misses=$((misses + 1))
		fi
	fi
	printf "%-17s %-6s %8.3f %8.0f %6.2f %6.2f %8.3f %8.0f %6.2f %6.2f %7.1f %7.1f%s\n" \
		"$b" "$client" "$p" "$(echo "$N / $p" | bc)" "$xp" \
		"$(median <"$OUT/$b.$3.cpu")" \
		"$s" "$(echo "$N / $s" | bc)" \
		"$(echo "scale=3; $(median <"$OUT/mock.$4") / $s" | bc)" \
		"$(median <"$OUT/$b.$4.cpu")" \
		"${idle[$b]}" "$(mem "${pid[$b]}" VmHWM)" "${mark:+  $mark}"
}
printf "%-17s %-6s %8s %8s %6s %6s %8s %8s %6s %6s %7s %7s  %s\n" broker client \
	"pub s" "msgs/s" "x mock" "CPU s" "sub s" "msgs/s" "x mock" "CPU s" \
	"idle MB" "peak MB" goal
for b in $brokers; do
	goal=
	[ "$b" != durable-interval ] || goal=1
	row "$b" kq pub sub "$goal"
done
for b in $brokers; do
	row "$b" kcat kpub ksub ""
done
# The group commit: GPROD producers at once, acks=all. Its goal: --fsync
# always, a sync of every partition written before each answer, takes at
# most 1.25 times --fsync interval's time (x interval >= 0.8).
echo
echo "$GPROD kq-pub at once (acks all), $GN x 100 B lines into $GPARTS partitions; x interval: --fsync interval's time over this one's"
printf "%-17s %-6s %8s %8s %6s %10s %6s %7s %7s  %s\n" broker client \
	"pub s" "msgs/s" "x mock" "x interval" "CPU s" "idle MB" "peak MB" goal
for b in $brokers; do
	p=$(median <"$OUT/$b.gpub")
	xi=$(echo "scale=3; $(median <"$OUT/durable-interval.gpub") / $p" | bc)
	mark=
	if [ "$b" = durable-always ]; then
		if [ "$(echo "$xi >= 0.8" | bc)" -eq 1 ]; then
			mark="ok: x interval >= 0.8"
		else
			mark="MISS: x interval >= 0.8"
			misses=$((misses + 1))
		fi
	fi
	printf "%-17s %-6s %8.3f %8.0f %6.2f %10.2f %6.2f %7.1f %7.1f%s\n" \
		"$b" "kq x$GPROD" "$p" "$(echo "$GN / $p" | bc)" \
		"$(echo "scale=3; $(median <"$OUT/mock.gpub") / $p" | bc)" "$xi" \
		"$(median <"$OUT/$b.gpub.cpu")" "${idle[$b]}" \
		"$(mem "${pid[$b]}" VmHWM)" "${mark:+  $mark}"
done
echo
printf "start to first answer: kq-broker %.3f s" "${first[kq-broker]}"
[ -z "$kafka" ] || printf "; Apache Kafka %.3f s (storage format included)" "${first[kafka]}"
echo
printf "disk:"
for b in $brokers; do
	[ -n "${disk[$b]:-}" ] || continue
	printf " %s %s;" "$b" "$(du -sh "${disk[$b]}" | cut -f1)"
done
printf " mock in memory"
[ -n "$kafka" ] || printf "; no Apache Kafka (sh scripts/deps.sh test)"
echo
echo
echo "$misses $([ "$misses" -eq 1 ] && echo "row misses its goal" || echo "rows miss their goals") (MISS above); load average before and after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
