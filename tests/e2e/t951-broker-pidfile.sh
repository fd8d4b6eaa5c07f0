#!/bin/bash
# kq-broker --daemon's pid file is its own: in the data directory by
# default (never a predictable name in /tmp), made without following a
# symbolic link, locked while the broker runs; --stop signals only the
# process holding that lock, never one that got a stale pid.
. "$(dirname "$0")/lib.sh"
kq_broker_test

# A broker the harness stops at the end, whatever happens.
start_kq_broker
OTHER=$BROKER_PID

# not_started: a --daemon that was to fail did not (out holds its
# assignments): the harness stops it, and the test fails.
not_started() {
	sed -n "s/^KQ_BROKER_PID=//p" out >>"$TMP/broker.pids"
	return 1
}

# daemon DIR [options]: eval a --daemon's assignments; its pid is
# recorded for the harness.
daemon() {
	d=$1
	shift
	eval "$(kq-broker --daemon -l 127.0.0.1:0 -d "$d" "$@")" &&
	echo "$KQ_BROKER_PID" >>"$TMP/broker.pids"
}

test_expect_success 'the pid file is in the data directory, mode 0644; --stop -d finds it' '
	unset XDG_RUNTIME_DIR &&
	umask 022 &&
	daemon "$TMP/d1" &&
	test "$(cat "$TMP/d1/kq-broker.pid")" = "$KQ_BROKER_PID" &&
	test "$(stat -c %a "$TMP/d1/kq-broker.pid")" = 644 &&
	test ! -e "/tmp/kq-broker.$(id -u).pid" &&
	echo hi | kcat_write t && test "$(kcat_read t)" = hi &&
	kq-broker --stop -d "$TMP/d1" &&
	! kill -0 "$KQ_BROKER_PID" 2>/dev/null &&
	test ! -e "$TMP/d1/kq-broker.pid"
'

test_expect_success 'a pid file naming another running kq-broker: it is not signalled' '
	echo "$OTHER" >pid &&
	expect_status 69 kq-broker --stop --pidfile "$PWD/pid" 2>err &&
	grep_err "pid: stale: no running kq-broker holds it, process $OTHER is not signalled" err &&
	kill -0 "$OTHER" &&
	kcat -b "$KQ_BROKERS" -L >/dev/null
'

test_expect_success 'nor a program renamed kq-broker that got the pid' '
	mkdir fake
	cp "$(command -v sleep)" fake/kq-broker
	fake/kq-broker 60 &
	fake=$!
	trap "rc=\$?; kill $fake 2>/dev/null || :; exit \$rc" EXIT
	# Until it has exec()ed, it bears the shell'"'"'s name.
	for _ in $(seq 200); do
		test "$(cat /proc/$fake/comm)" = kq-broker && break
		sleep 0.1
	done
	test "$(cat /proc/$fake/comm)" = kq-broker &&
	echo "$fake" >pid &&
	expect_status 69 kq-broker --stop --pidfile "$PWD/pid" 2>err &&
	kill -0 "$fake" &&
	kill "$fake"
'

test_expect_success 'the broker that wrote the file, after a reused pid file name: only it is stopped' '
	daemon "$TMP/d2" --pidfile "$PWD/shared.pid" &&
	first=$KQ_BROKER_PID &&
	# A second daemon on the same pid file is refused: the first holds it.
	expect_status 75 kq-broker --daemon -l 127.0.0.1:0 -d "$TMP/d3" \
		--pidfile "$PWD/shared.pid" >out 2>err || not_started &&
	grep_err "shared.pid: held by a running kq-broker (process $first)" err &&
	test "$(cat shared.pid)" = "$first" &&
	kq-broker --stop --pidfile "$PWD/shared.pid" &&
	! kill -0 "$first" 2>/dev/null &&
	kill -0 "$OTHER"
'

test_expect_success 'a pid file that is a symbolic link is not followed, by --daemon or --stop' '
	echo precious >victim &&
	ln -s victim link.pid &&
	expect_status 73 kq-broker --daemon -l 127.0.0.1:0 -d "$TMP/d4" \
		--pidfile "$PWD/link.pid" >out 2>err || not_started &&
	grep_err "link.pid: a symbolic link, not followed" err &&
	test "$(cat victim)" = precious &&
	test ! -s out &&
	expect_status 66 kq-broker --stop --pidfile "$PWD/link.pid" 2>err &&
	grep_err "link.pid: a symbolic link, not followed" err &&
	test -L link.pid && test "$(cat victim)" = precious
'

test_done
