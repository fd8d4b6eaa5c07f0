#!/bin/bash
# The wait for a slow reader: kq-sub says after a few seconds what it
# waits for; Ctrl-C in the wait commits what was taken and exits 130; a
# reader that goes away has what it took committed, and kq-sub says how
# many written messages were not.
. "$(dirname "$0")/lib.sh"

start_broker --topic stall:1 --topic stallfast:1 --topic away:1

# reader.py OUT N: writes each line it reads to OUT and stops reading
# after N lines; its pid in OUT.pid.
cat >"$TMP/reader.py" <<'EOF'
import os, sys, time
with open(sys.argv[1] + ".pid", "w") as f:
    f.write(str(os.getpid()))
n = int(sys.argv[2])
with open(sys.argv[1], "w") as out:
    for i, line in enumerate(sys.stdin):
        out.write(line)
        out.flush()
        if i + 1 == n:
            time.sleep(60)
EOF

test_expect_success 'a reader that stops: a word after 3 s; SIGINT commits the 100 it took, status 130' '
	seq 1000 | kcat_write stall &&
	( kq-sub -g s -t stall -e 2>err & echo $! >pid; r=0; wait $! || r=$?; echo $r >st ) |
		/usr/bin/python3 reader.py got 100 &
	wait_lines 100 got &&
	wait_for err "waiting for the reader to take 4 more bytes; 1 message is not committed" &&
	kill -INT "$(cat pid)" &&
	for _ in $(seq 100); do test -s st && break; sleep 0.1; done &&
	kill "$(cat got.pid)" && wait || :
	test "$(cat st)" = 130 &&
	grep_err "Processed a total of 100 messages" err &&
	test "$(kq-count -t stall -g s)" -eq 900 &&
	kq-sub -q -g s -t stall -e >rest &&
	cat got rest >all && kcat_read stall >want && test_cmp want all
'

test_expect_success '--fast: SIGINT while the reader stalls, status 130, and the next run misses nothing' '
	seq 300000 | kcat_write stallfast &&
	( kq-sub -q --fast -g sf -t stallfast -e & echo $! >pidf; r=0; wait $! || r=$?; echo $r >stf ) |
		/usr/bin/python3 reader.py gotf 1000 &
	wait_lines 1000 gotf &&
	sleep 1 &&
	kill -INT "$(cat pidf)" &&
	for _ in $(seq 100); do test -s stf && break; sleep 0.1; done &&
	kill "$(cat gotf.pid)" && wait || :
	test "$(cat stf)" = 130 &&
	test "$(kq-count -t stallfast -g sf)" -gt 0 &&
	kq-sub -q -g sf -t stallfast -e >rest &&
	sort -u gotf rest >all && kcat_read stallfast | sort >want &&
	test_cmp want all
'

test_expect_success '--fast: a reader that leaves in the end wait; what it did not take is named and not committed' '
	seq 2000 | kcat_write away &&
	kq-sub --fast -g a -t away -e 2>err |
		{
			while ! test -e go; do sleep 0.1; done
			for i in $(seq 100); do read -r l; echo "$l"; done
		} >got &
	wait_for err "waiting for the reader to take [0-9]* more bytes; 2000 messages" &&
	touch go && wait &&
	seq 100 >want && test_cmp want got &&
	grep_err "the reader went away: [0-9]* of the 2000 messages written are not committed" err &&
	n=$(sed -n "s/.*went away: \([0-9]*\) of.*/\1/p" err) &&
	test "$(kq-count -t away -g a)" -eq "$n" &&
	kq-sub -q -g a -t away -e >rest &&
	sort -n -u got rest >all && seq 2000 >want && test_cmp want all
'

test_done
