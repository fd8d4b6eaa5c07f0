#!/bin/sh
# Ctrl-C ends a shell loop around a kq program: after its cleanup the
# program dies by the signal, as the shell expects of a filter, so the
# loop's shell stops too (a program that exits 130 instead would leave the
# loop running). SIGTERM reads as 143.
. "$(dirname "$0")/lib.sh"

# loop_stops 'CMD': run CMD in a shell while-loop in a process group of
# its own, send the group SIGINT as a terminal would, and check that the
# loop ends within 20 s. (A job started with & ignores SIGINT: the loop's
# shell is given it back, and its own group, as a terminal's job has.)
loop_stops() {
	/usr/bin/python3 -c "if True:
		import os, signal, sys
		signal.signal(signal.SIGINT, signal.SIG_DFL)
		os.setpgid(0, 0)
		os.execvp(\"bash\", [\"bash\", \"-c\", sys.argv[1]])" \
		"while :; do $1; done" </dev/null >/dev/null 2>err &
	pid=$!
	sleep 1
	kill -INT -- "-$pid"
	for _ in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pgid"
	echo "the loop around $1 went on after SIGINT" >&2
	return 1
}

test_expect_success 'Ctrl-C ends a shell loop around kq-sub' '
	start_broker --topic loop:1
	loop_stops "kq-sub -q -t loop"
'

test_expect_success 'Ctrl-C ends a shell loop around kq-pub reading a terminal-like input' '
	loop_stops "sleep 30 | kq-pub -q -t loop"
'

test_expect_success 'SIGTERM: kq-count dies by it, status 143' '
	{ sleep 30 | kq-count & } 2>/dev/null
	pid=$!
	sleep 0.5
	kill -TERM $pid
	expect_status 143 wait $pid
'

test_done
