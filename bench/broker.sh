#!/bin/bash
# kq-broker against librdkafka's mock cluster, side by side: publish and
# consume 1,000,000 x 100 B lines with kq-pub and kq-sub (the numbers
# their own benchmarks use), on the durable broker with each --fsync mode
# and on the mock (tests/fixture/faultbroker, which wraps it). Runs
# alternate; medians are reported, with the broker's disk use.
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
	[ -n "$B" ] || { echo "bench: $name did not start" >&2; cat "$OUT/$name.err" >&2; exit 70; }
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

declare -A addr
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
		secs pub "${addr[$b]}" "pub-$i" >>"$OUT/$b.pub"
		secs sub "${addr[$b]}" >>"$OUT/$b.sub"
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
for d in always interval never; do
	echo "disk ($d): $(du -sh "$OUT/data/$d" | cut -f1)"
done
