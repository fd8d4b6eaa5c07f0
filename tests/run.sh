#!/bin/sh
# The test suite: the cmocka unit tests of common/, then the end-to-end
# tests of tests/e2e/ (two at a time, each with its own broker). Every test
# prints TAP lines ("ok N - what", "not ok N - what"); this counts them and
# ends with one line, "N passed, N failed", and a non-zero status on any
# failure. Usage: tests/run.sh [unit|e2e|all] [FILE...]
set -u
what=${1:-all}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
: "${KQ_TESTBIN:=$here/../build/tests}"
: "${KQ_BIN:=$here/../bin}"
export KQ_BIN KQ_TESTBIN
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Each test file gets this long before it is stopped and counted failed.
limit=${KQ_TEST_TIMEOUT:-300}

run_one() {
	name=$(basename "$1")
	log="$out/$name.log"
	case $1 in
	*.sh) set -- bash "$1" ;;
	esac
	# With TAP output cmocka writes nothing else to stdout.
	start=$(date +%s)
	CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 5 "$limit" "$@" >"$log" 2>&1
	rc=$?
	echo $(($(date +%s) - start)) >"$log.secs"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "not ok - $name: stopped after ${limit}s" >>"$log"
	elif [ $rc -ne 0 ] && ! grep '^not ok' "$log" | grep -qv '# SKIP'; then
		echo "not ok - $name: exited with status $rc" >>"$log"
	fi
}

files=""
if [ "$what" = unit ] || [ "$what" = all ]; then
	for t in "$KQ_TESTBIN"/test_*; do
		[ -x "$t" ] && files="$files $t"
	done
fi
if [ "$what" = e2e ] || [ "$what" = all ]; then
	if [ $# -gt 0 ]; then
		files="$files $*"
	else
		files="$files $(ls "$here"/e2e/t[0-9]*.sh)"
	fi
fi

jobs=${KQ_TEST_JOBS:-2}
running=0
for f in $files; do
	run_one "$f" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

passed=0
failed=0
for f in $files; do
	log="$out/$(basename "$f").log"
	echo "# $(basename "$f") ($(cat "$log.secs") s)"
	# Failures show everything the test printed; successes their TAP lines.
	# cmocka writes a skipped test as "not ok N # SKIP": not a failure.
	if grep '^not ok' "$log" | grep -qv '# SKIP'; then
		cat "$log"
	else
		grep -E '^(ok|not ok)' "$log"
	fi
	p=$(grep -c '^ok' "$log")
	n=$(grep '^not ok' "$log" | grep -cv '# SKIP')
	passed=$((passed + p))
	failed=$((failed + n))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
