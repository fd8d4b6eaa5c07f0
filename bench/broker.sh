#!/bin/bash
# kq-broker against librdkafka's mock cluster, side by side: publish and
# consume 1,000,000 x 100 B lines with kq-pub and kq-sub (the numbers
# their own benchmarks use), on the durable broker with each --fsync mode
# and on the mock (tests/fixture/faultbroker, which wraps it). Runs
# alternate; medians are reported, with the broker's CPU seconds for the
# work (from /proc), its peak memory and its disk use. The goal, marked
# MISS when missed: kq-broker with --fsync interval, the default,
# publishes at least as fast as the mock.
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
trap 'for p in $pids; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$OUT/data"' EXIT

lines=$OUT/lines.txt
awk -v n=$N 'BEGIN { srand(42); for (i = 0; i < n; i++) {
	s = sprintf("%08d ", i);
	while (length(s) < 100) s = s sprintf("%x", int(rand() * 2^31));
	print substr(s, 1, 100) } }' >"$lines"

topics() {
	local i
	for i in $(seq "$RUNS"); do printf -- " --topic pub-%d:$PARTS" "$i"; done
	printf -- " --topic sub:$PARTS"
}

# start NAME COMMAND...: a broker in the background; sets B (its address).
start() {
	local name=$1
	shift
	"$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
	pids="$pids $!"
	for _ in $(seq 200); do
		grep -q '^KQ_BROKERS=' "$OUT/$name.out" && break
		sleep 0.05
	done
	B=$(sed -n 's/^KQ_BROKERS=//p' "$OUT/$name.out")
	pid[$name]=$!
	[ -n "$B" ] || { echo "bench: $name did not start" >&2; cat "$OUT/$name.err" >&2; exit 70; }
}

# ticks PID: the CPU clock ticks (user and system) PID has used.
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

declare -A addr pid
start durable-always kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/always" --fsync always $(topics)
addr[durable-always]=$B
start durable-interval kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/interval" $(topics)
addr[durable-interval]=$B
start durable-never kq-broker -q -l 127.0.0.1:0 -d "$OUT/data/never" --fsync never $(topics)
addr[durable-never]=$B
# The fixture serves while its stdin is open.
mkfifo "$OUT/ctl"
exec 9<>"$OUT/ctl"
# shellcheck disable=SC2046
start mock sh -c "exec \"$TESTBIN/faultbroker\" $(topics) <\"$OUT/ctl\""
addr[mock]=$B
brokers="mock durable-never durable-interval durable-always"

pub() {
	kq-pub -q -b "$1" -t "$2" -X sticky.partitioning.linger.ms=0 <"$lines"
}

sub() {
	local n
	n=$(kq-sub -q -b "$1" -t sub -o beginning -e | wc -l)
	[ "$n" -eq $N ] || { echo "bench: read $n of $N" >&2; exit 1; }
}

for b in $brokers; do
	pub "${addr[$b]}" sub
done
for i in $(seq "$RUNS"); do
	for b in $brokers; do
		secs "$b" "$OUT/$b.pub" pub "${addr[$b]}" "pub-$i"
		secs "$b" "$OUT/$b.sub" sub "${addr[$b]}"
	done
done

echo "machine: $(nproc) cores, $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); $N x 100 B lines, $PARTS partitions, median of $RUNS"
# Ratios: the mock's time over this broker's (above 1: faster than the mock).
mp=$(median <"$OUT/mock.pub")
ms=$(median <"$OUT/mock.sub")
# The broker's CPU: median seconds of its own, publishing and consuming.
printf "%-18s %9s %9s %7s %7s %9s %9s %7s %7s %8s  %s\n" broker "publish s" "msgs/s" \
	"x mock" "CPU s" "consume s" "msgs/s" "x mock" "CPU s" "peak MB" goal
misses=0
for b in $brokers; do
	p=$(median <"$OUT/$b.pub")
	s=$(median <"$OUT/$b.sub")
	xp=$(echo "scale=3; $mp / $p" | bc)
	mark=""
	if [ "$b" = durable-interval ]; then
		if [ "$(echo "$xp >= 1" | bc)" -eq 1 ]; then
			mark="ok: publish x mock >= 1"
		else
			mark="MISS: publish x mock >= 1"
			misses=$((misses + 1))
		fi
	fi
	printf "%-18s %9s %9.0f %7.2f %7s %9s %9.0f %7.2f %7s %8.1f  %s\n" "$b" \
		"$p" "$(echo "$N / $p" | bc)" "$xp" "$(median <"$OUT/$b.pub.cpu")" \
		"$s" "$(echo "$N / $s" | bc)" "$(echo "scale=3; $ms / $s" | bc)" \
		"$(median <"$OUT/$b.sub.cpu")" \
		"$(echo "$(awk '/^VmHWM/ { print $2 }' "/proc/${pid[$b]}/status") / 1024" | bc -l)" \
		"$mark"
done
echo "$misses $([ "$misses" -eq 1 ] && echo "row misses its goal" || echo "rows miss their goals"); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for d in always interval never; do
	echo "disk ($d): $(du -sh "$OUT/data/$d" | cut -f1)"
done
