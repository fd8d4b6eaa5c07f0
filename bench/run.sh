#!/bin/bash
# make bench: each kq program against its established peer (kcat, jq, wc,
# librdkafka's own rdkafka_performance as the ceiling), on the same input
# and the same broker, runs alternating, medians reported. Prints a table
# and writes one JSON line per pair to bench/out/results.json.
#
# The broker is kq-broker, the one kq users run, its data in
# $KQ_BENCH_OUT/data; KQ_BENCH_BROKER=mock runs the same pairs on
# librdkafka's mock cluster (in memory). bench/broker.sh sets the two
# brokers side by side.
#
# Environment: KQ_BIN (programs, default bin/), KQ_TESTBIN (the fixture,
# default build/tests), KQ_BENCH_RUNS (runs of each command, default 5),
# KQ_BENCH_OUT (scratch and results, default bench/out; the 1 GB input
# goes there too), KQ_BENCH_BROKER (kq or mock, default kq).
set -eu
cd "$(dirname "$0")/.."
BIN=$(cd "${KQ_BIN:-bin}" && pwd)
TESTBIN=$(cd "${KQ_TESTBIN:-build/tests}" && pwd)
BROKER=${KQ_BENCH_BROKER:-kq}
PATH=$BIN:$PATH
RUNS=${KQ_BENCH_RUNS:-5}
OUT=${KQ_BENCH_OUT:-$PWD/bench/out}
mkdir -p "$OUT"
RESULTS=$OUT/results.json
: >"$RESULTS"
export LC_ALL=C

N=1000000            # messages in the Kafka pairs
PARTS=32             # ~3 MB a partition: under the mock's ~5 MB
MSG=100              # bytes a message

for tool in kcat jq bc /usr/bin/time; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: $tool is missing (sh scripts/deps.sh test)" >&2; exit 69; }
done

# --- the ceiling: librdkafka's own example, built here, never committed ----
# Its source includes two private headers of librdkafka; a shim of the few
# things it takes from them is enough.
perf=$OUT/rdkafka_performance
if [ ! -x "$perf" ]; then
	src=$(dpkg -L librdkafka-dev | grep 'rdkafka_performance\.c$' | head -1)
	mkdir -p "$OUT/perf/src" "$OUT/perf/ex"
	cp "$src" "$OUT/perf/ex/"
	cat >"$OUT/perf/src/rd.h" <<'SHIM'
#ifndef KQ_RD_SHIM
#define KQ_RD_SHIM
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <librdkafka/rdkafka.h>
typedef int64_t rd_ts_t;
#define rd_snprintf snprintf
#define RD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RD_MAX(a, b) ((a) > (b) ? (a) : (b))
#define RD_UNUSED __attribute__((unused))
static inline rd_ts_t rd_clock(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (rd_ts_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
#endif
SHIM
	echo '#include "../src/rd.h"' >"$OUT/perf/ex/rd.h"
	: >"$OUT/perf/ex/rdtime.h"
	echo '#include <librdkafka/rdkafka.h>' >"$OUT/perf/ex/rdkafka.h"
	cc -O2 -w -o "$perf" "$OUT/perf/ex/rdkafka_performance.c" \
		$(pkg-config --libs rdkafka)
fi

# --- the broker ---------------------------------------------------------------
topics=""
for t in pub-kq pub-kcat pub-perf pipe-kq pipe-peer pipe-big; do
	for i in $(seq "$RUNS"); do
		topics="$topics --topic $t-$i:$PARTS"
	done
done
rm -rf "$OUT/data"
if [ "$BROKER" != mock ]; then
	# shellcheck disable=SC2086
	kq-broker -q -l 127.0.0.1:0 -d "$OUT/data" $topics --topic sub:$PARTS \
		--topic empty:1 --topic small:4 >"$OUT/broker.out" 2>"$OUT/broker.err" &
else
	[ -x "$TESTBIN/faultbroker" ] ||
		{ echo "bench: no $TESTBIN/faultbroker (make build/tests/faultbroker)" >&2; exit 69; }
	# The fixture serves while its stdin is open: a FIFO held by fd 9.
	rm -f "$OUT/ctl"
	mkfifo "$OUT/ctl"
	exec 9<>"$OUT/ctl"
	# shellcheck disable=SC2086
	"$TESTBIN/faultbroker" $topics --topic sub:$PARTS --topic empty:1 \
		--topic small:4 <"$OUT/ctl" >"$OUT/broker.out" 2>"$OUT/broker.err" &
fi
broker=$!
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$OUT/data" "$OUT/ctl"' EXIT
for _ in $(seq 100); do
	grep -q KQ_BROKERS "$OUT/broker.out" && break
	sleep 0.05
done
KQ_BROKERS=$(sed -n 's/^KQ_BROKERS=//p' "$OUT/broker.out")
export KQ_BROKERS
B=$KQ_BROKERS

# --- inputs, made here, seeded: every run sees the same bytes ---------------
lines=$OUT/lines.txt
[ -s "$lines" ] || awk -v n=$N -v len=$MSG 'BEGIN {
	srand(42)
	for (i = 0; i < n; i++) {
		s = sprintf("%08d ", i)
		while (length(s) < len) s = s sprintf("%x", int(rand() * 4294967296))
		print substr(s, 1, len)
	}
}' >"$lines"

big=$OUT/1g.txt
if [ ! -s "$big" ]; then
	head -n 100000 "$lines" >"$OUT/10m.txt"
	for _ in $(seq 100); do cat "$OUT/10m.txt"; done >"$big"
	rm -f "$OUT/10m.txt"
fi

json=$OUT/100m.json
if [ ! -s "$json" ]; then
	awk 'NR == FNR { body[++n] = $0; next }
	END {
		sub(/^\[/, "", body[1]); sub(/\]$/, "", body[n])
		copies = int(100000000 / 65000) + 1
		print "["
		for (c = 1; c <= copies; c++)
			for (i = 2; i < n; i++) {
				line = body[i]
				if (i == n - 1 && c < copies) line = line ","
				print line
			}
		print "]"
	}' tests/data/github_events.json tests/data/github_events.json >"$json"
fi
json_values=$(( $(grep -c '^  {$' "$json") ))

# The same values ten times over, one array: kq-pub's memory must not
# grow with its input.
gjson=$OUT/1g.json
[ -s "$gjson" ] || awk -v copies=10 'NR == FNR { line[++n] = $0; next }
END {
	print "["
	for (c = 1; c <= copies; c++)
		for (i = 2; i < n; i++)
			print line[i] ((i == n - 1 && c < copies) ? "," : "")
	print "]"
}' "$json" "$json" >"$gjson"

# --- measuring ------------------------------------------------------------------
# run CMD: wall seconds, CPU seconds (user + system, of CMD and all it
# started) and peak kilobytes (of its largest process) of CMD (a shell
# line) into $secs, $cpu and $kb; its stdout into $OUT/stdout.
run() {
	local t0 t1
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%U %S %M' -o "$OUT/mem" sh -c "$1" >"$OUT/stdout" 2>"$OUT/stderr" || {
		echo "bench: failed: $1" >&2; cat "$OUT/stderr" >&2; exit 1; }
	t1=$EPOCHREALTIME
	secs=$(echo "$t1 - $t0" | bc -l)
	read -r u s kb < <(tail -n 1 "$OUT/mem")
	cpu=$(echo "$u + $s" | bc -l)
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# end_offsets TOPIC: the sum of the partitions' end offsets, asked of kcat.
end_offsets() {
	local q="" p
	for p in $(seq 0 $((PARTS - 1))); do q="$q -t $1:$p:-1"; done
	# shellcheck disable=SC2086
	kcat -b "$B" -Q $q | awk '{ s += $NF } END { print s + 0 }'
}

printf '%-34s %-26s %8s %10s %7s %7s %8s %6s %6s  %s\n' work command 'median s' 'msg/s' 'MB/s' 'CPU s' 'peak MB' 'ratio' 'CPU r' goal
misses=0
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# pair WORK MSGS BYTES CHECK 'label :: command[ :: goal]' ...: the first
# command is kq's; beside each other one, its time / kq's (ratio) and its
# CPU / kq's (CPU r): above 1, kq is faster or uses less. A goal is
# conditions joined by "&&" on s (median wall seconds), cpu (median CPU
# seconds), mb (peak MB), x and xcpu (the two ratios); a row that misses
# its goal is marked MISS, and counted.
pair() {
	local work=$1 msgs=$2 bytes=$3 check=$4
	shift 4
	local i k n=$#
	declare -a label cmd goal
	for ((k = 0; k < n; k++)); do
		label[k]=${1%% :: *}
		cmd[k]=${1#* :: }
		goal[k]=""
		case ${cmd[k]} in *" :: "*)
			goal[k]=${cmd[k]##* :: }
			cmd[k]=${cmd[k]% :: *} ;;
		esac
		shift
		: >"$OUT/t$k"
		: >"$OUT/c$k"
		: >"$OUT/m$k"
	done
	for i in $(seq "$RUNS"); do
		for ((k = 0; k < n; k++)); do
			local c=${cmd[k]//@I@/$i}
			run "$c"
			$check "$k" "$i" || { echo "bench: wrong result from: $c" >&2; exit 1; }
			echo "$secs" >>"$OUT/t$k"
			echo "$cpu" >>"$OUT/c$k"
			echo "$kb" >>"$OUT/m$k"
		done
	done
	local kq_t kq_c json="" r rc
	kq_t=$(median <"$OUT/t0")
	kq_c=$(median <"$OUT/c0")
	for ((k = 0; k < n; k++)); do
		local t c m mb rate mbs mark=""
		t=$(median <"$OUT/t$k")
		c=$(median <"$OUT/c$k")
		m=$(sort -n "$OUT/m$k" | tail -n 1)
		mb=$(echo "$m / 1024" | bc -l)
		rate=$(echo "$msgs / $t" | bc -l)
		mbs=$(echo "$bytes / $t / 1000000" | bc -l)
		r=$(echo "$t / $kq_t" | bc -l)
		rc=$(echo "$c / ($kq_c + 0.0005)" | bc -l)
		if [ -n "${goal[k]}" ]; then
			if awk -v s="$t" -v cpu="$c" -v mb="$mb" -v x="$r" -v xcpu="$rc" \
				"BEGIN { exit !(${goal[k]}) }"; then
				mark="ok: ${goal[k]}"
			else
				mark="MISS: ${goal[k]}"
				misses=$((misses + 1))
			fi
		fi
		printf '%-34s %-26s %8.3f %10.0f %7.1f %7.3f %8.1f %6s %6s  %s\n' \
			"$([ $k -eq 0 ] && echo "$work")" "${label[k]}" "$t" "$rate" \
			"$mbs" "$c" "$mb" \
			"$([ $k -eq 0 ] && echo - || printf '%.2f' "$r")" \
			"$([ $k -eq 0 ] && echo - || printf '%.2f' "$rc")" "$mark"
		json="$json${json:+,}{\"command\":\"${label[k]}\",\"median_s\":$(printf '%.4f' "$t"),\"cpu_s\":$(printf '%.4f' "$c"),\"msgs_per_s\":$(printf '%.0f' "$rate"),\"mb_per_s\":$(printf '%.1f' "$mbs"),\"peak_kb\":$m,\"ratio_to_kq\":$(printf '%.3f' "$r"),\"cpu_ratio_to_kq\":$(printf '%.3f' "$rc"),\"goal\":\"${goal[k]}\",\"met\":$([ "${mark%%:*}" = MISS ] && echo false || echo true)}"
	done
	printf '{"work":"%s","runs":%d,"results":[%s]}\n' \
		"$work" "$RUNS" "$json" >>"$RESULTS"
}

# --- the checks ---------------------------------------------------------------
check_pub() {   # each run wrote N messages to its own topic
	local t
	case $1 in 0) t=pub-kq ;; 1) t=pub-kcat ;; 2) t=pub-perf ;; esac
	[ "$(end_offsets "$t-$2")" -eq "$N" ]
}
check_lines() { [ "$(cat "$OUT/stdout")" -eq "$N" ]; }
check_perf_consume() { grep -q "$N messages" "$OUT/stdout" "$OUT/stderr"; }
check_any() { :; }
check_empty() { [ ! -s "$OUT/stdout" ]; }
check_count_big() { [ "$(cat "$OUT/stdout")" -eq 10000000 ]; }
check_count_topic() { [ "$(cat "$OUT/stdout")" -eq "$N" ]; }
check_json() { [ "$(cat "$OUT/stdout")" -eq "$json_values" ]; }
check_pipe() {
	local t
	case $1 in 0) t=pipe-kq ;; 1) t=pipe-peer ;; esac
	[ "$(end_offsets "$t-$2")" -eq "$json_values" ]
}
check_pipe_big() { [ "$(end_offsets "pipe-big-$2")" -eq $((json_values * 10)) ]; }

sticky="-X sticky.partitioning.linger.ms=0"

pair "publish 1M x 100 B lines" $N $((N * (MSG + 1))) check_pub \
	"kq-pub :: kq-pub -q -t pub-kq-@I@ $sticky < $lines :: mb < 64" \
	"kcat -P :: kcat -b $B -P -t pub-kcat-@I@ $sticky < $lines :: x >= 1.1 && xcpu >= 1" \
	"rdkafka_performance -P :: $perf -P -b $B -t pub-perf-@I@ -s $MSG -c $N -q $sticky -X linger.ms=5 :: x >= 0.9"

# The topic the consume pairs read: filled once, checked with kcat.
kq-pub -q -t sub $sticky <"$lines"
[ "$(end_offsets sub)" -eq "$N" ] || { echo "bench: the topic sub is not full" >&2; exit 1; }
parts=""
for p in $(seq 0 $((PARTS - 1))); do parts="$parts -p $p"; done

pair "consume 1M into a pipe" $N $((N * (MSG + 1))) check_lines \
	"kq-sub -e :: kq-sub -q -t sub -o beginning -e | wc -l" \
	"kcat -C -e :: kcat -b $B -C -t sub -o beginning -e -q | wc -l :: x >= 3" \
	"kcat -C -e tuned :: kcat -b $B -C -t sub -o beginning -e -q -X queued.min.messages=1000000 -X fetch.wait.max.ms=10 | wc -l :: x >= 1.1"

pair "consume 1M, the broker's limit" $N $((N * MSG)) check_perf_consume \
	"rdkafka_performance -C :: $perf -C -b $B -t sub $parts -o beginning -c $N -q -X fetch.wait.max.ms=10 -X queued.min.messages=1000000"

pair "consume 1M as JSON envelopes" $N $((N * MSG)) check_lines \
	"kq-sub -J -e :: kq-sub -q -J -t sub -o beginning -e | wc -l" \
	"kcat -C -J -e :: kcat -b $B -C -J -t sub -o beginning -e -q | wc -l :: x >= 1.5"

# A group into a pipe: exact (one message a read, the default) against
# --fast (blocks); a group of its own each run, so each reads it all. The
# ratio is the cost of exact (no goal: README states the figures).
pair "consume 1M with -g into a pipe" $N $((N * (MSG + 1))) check_lines \
	"kq-sub -g (exact) :: kq-sub -q -t sub -g exact-@I@ -o beginning -e | wc -l" \
	"kq-sub -g --fast :: kq-sub -q -t sub -g fast-@I@ -o beginning -e --fast | wc -l"

pair "exit at the end of an empty topic" 0 0 check_empty \
	"kq-sub -e :: kq-sub -q -t empty -e :: s < 0.05" \
	"kcat -C -e :: kcat -b $B -C -t empty -e -q"

pair "count a 1 GB file of lines" 10000000 $(stat -c %s "$big") check_count_big \
	"kq-count :: kq-count < $big" \
	"wc -l :: wc -l < $big :: x >= 1.0"

seq 10 | kq-pub -q -t small
pair "count a topic" $N 0 check_count_topic \
	"kq-count -t (1M messages) :: kq-count -t sub :: s < 0.05" \
	"kcat -C -e | wc -l :: kcat -b $B -C -t sub -o beginning -e -q | wc -l"
pair "count a topic of 10 messages" 10 0 check_any \
	"kq-count -t (10 messages) :: kq-count -t small :: s < 0.05"

pair "split a 100 MB JSON array" "$json_values" $(stat -c %s "$json") check_json \
	"kq-jsonsplit :: kq-jsonsplit < $json | wc -l :: mb < 16" \
	"jq -c '.[]' :: jq -c '.[]' < $json | wc -l :: x >= 25"

pair "the seed's JSON pipeline, 100 MB" "$json_values" $(stat -c %s "$json") check_pipe \
	"kq-jsonsplit | kq-pub :: kq-jsonsplit < $json | kq-pub -q -t pipe-kq-@I@ $sticky :: mb < 64" \
	"jq -c '.[]' | kcat -P :: jq -c '.[]' < $json | kcat -b $B -P -t pipe-peer-@I@ $sticky :: x >= 5"

# Only kq here: jq | kcat would take a minute a run.
pair "the seed's JSON pipeline, 1 GB" "$((json_values * 10))" $(stat -c %s "$gjson") check_pipe_big \
	"kq-jsonsplit | kq-pub :: kq-jsonsplit < $gjson | kq-pub -q -t pipe-big-@I@ $sticky :: mb < 64"

echo
echo "$misses $([ "$misses" -eq 1 ] && echo "row misses its goal" || echo "rows miss their goals") (MISS above); load average before and after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1); broker: $([ "$BROKER" != mock ] && echo "kq-broker, data in $OUT/data" || echo "librdkafka's mock cluster"); librdkafka $(kq-pub --version | sed 's/.*librdkafka //; s/)//')"
echo "results: $RESULTS"
