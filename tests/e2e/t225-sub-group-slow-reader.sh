#!/bin/bash
# kq-sub -g behind a slow reader: a bounded run waits for the reader,
# however slow, and commits what it took, so run after run advances a
# batch each; commits advance during a run too, not only at its end.
. "$(dirname "$0")/lib.sh"

start_broker --topic rows:1 --topic lines:1 --topic small:1 --topic long:1

# loader.py OUT [SECONDS]: a loader taking a line every SECONDS (0.005).
cat >"$TMP/loader.py" <<'EOF'
import sys, time
pause = float(sys.argv[2]) if len(sys.argv) > 2 else 0.005
with open(sys.argv[1], "a") as out:
    for line in sys.stdin:
        out.write(line)
        out.flush()
        time.sleep(pause)
EOF

test_expect_success 'three runs of -c 1000 -e into a slow loader advance 1000 each' '
	seq 3000 | awk "{ printf \"%d,%0100d\\n\", \$1, \$1 }" | kcat_write rows &&
	for run in 1 2 3; do
		kq-sub -q -g loader -t rows -c 1000 -e |
			/usr/bin/python3 loader.py got.$run || exit 1
		kq-count -t rows -g loader >lag.$run || exit 1
	done &&
	test "$(cat lag.1) $(cat lag.2) $(cat lag.3)" = "2000 1000 0" &&
	cat got.1 got.2 got.3 >rows.got &&
	kcat_read rows >want && test_cmp want rows.got
'

test_expect_success 'the same with a shell loop that sleeps a line' '
	seq 600 | kcat_write lines &&
	for run in 1 2 3; do
		kq-sub -q -g shell -t lines -c 200 -e |
			while read -r l; do echo "$l" >>lines.got; sleep 0.01; done
		kq-count -t lines -g shell >>lags
	done &&
	printf "400\n200\n0\n" >want && test_cmp want lags &&
	kcat_read lines >want && test_cmp want lines.got
'

test_expect_success '--fast: 20,000 six-byte messages at 2,000 lines a second, all committed, with a word on the wait' '
	seq -w 100000 119999 | kcat_write small &&
	kq-sub --fast -g bulk -t small -e 2>err |
		/usr/bin/python3 loader.py small.got 0.0005 &&
	kq-count -t small -g bulk >lag &&
	test "$(cat lag)" -eq 0 &&
	kcat_read small >want && test_cmp want small.got &&
	grep_err "waiting for the reader to take [0-9]* more bytes" err &&
	grep_err "Processed a total of 20000 messages" err
'

test_expect_success 'commits advance while a slow reader is still at it' '
	seq 1000 | kcat_write long &&
	( kq-sub -q -g long -t long -e & echo $! >long.pid; wait ) |
		/usr/bin/python3 loader.py long.got 0.01 &
	lag=1000
	for _ in $(seq 100); do
		lag=$(kq-count -t long -g long)
		test "$lag" -gt 0 && test "$lag" -lt 1000 && break
		sleep 0.2
	done
	test "$lag" -gt 0 && test "$lag" -lt 1000 &&
	kill -0 "$(cat long.pid)" &&
	wait &&
	test "$(kq-count -t long -g long)" -eq 0 &&
	kcat_read long >want && test_cmp want long.got
'

test_done
