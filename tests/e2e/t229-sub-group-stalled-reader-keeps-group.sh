#!/bin/bash
# A reader that stalls longer than max.poll.interval.ms: kq-sub pauses
# the fetch and keeps polling, so it keeps its partitions, and a member
# that joins meanwhile gets its share without waiting for the reader.
. "$(dirname "$0")/lib.sh"

start_broker --topic slow:1 --topic shared:2

# stall.py OUT N SECONDS: writes each line to OUT; after line N, stalls;
# its pid in OUT.pid.
cat >"$TMP/stall.py" <<'EOF'
import os, sys, time
with open(sys.argv[1] + ".pid", "w") as f:
    f.write(str(os.getpid()))
n, pause = int(sys.argv[2]), float(sys.argv[3])
with open(sys.argv[1], "w") as out:
    for i, line in enumerate(sys.stdin):
        out.write(line)
        out.flush()
        if i + 1 == n:
            time.sleep(pause)
EOF

test_expect_success 'a 10 s stall with max.poll.interval.ms=7000: no revocation, every message once' '
	seq 2000 | awk "{ printf \"%d,%0100d\\n\", \$1, \$1 }" | kcat_write slow &&
	kq-sub -v -X max.poll.interval.ms=7000 -g slow -t slow -e 2>err |
		/usr/bin/python3 stall.py got 10 10 &&
	kcat_read slow >want && test_cmp want got &&
	test "$(grep -c "revoked" err)" -eq 1 &&
	sed -n "/committed slow \[0\] at 2000/,\$p" err | grep -q revoked &&
	test "$(kq-count -t slow -g slow)" -eq 0
'

test_expect_success 'a member joining during a stall gets its partition, and nothing is lost' '
	seq 2000 | kcat_write shared -X sticky.partitioning.linger.ms=0 &&
	kq-sub -v -g pair -t shared 2>a.err | /usr/bin/python3 stall.py a.got 10 30 &
	wait_for a.err "assigned shared \[0,1\]" &&
	wait_lines 10 a.got &&
	st=0 &&
	kq-sub -v -g pair -t shared --idle-timeout 3s 2>b.err >b.got || st=$?
	kill "$(cat a.got.pid)"
	wait || :
	test "$st" = 0 &&
	grep_err "assigned shared \[[01]\]" b.err &&
	test -s b.got &&
	# Until the coordinator has seen both leave, a run may get one partition.
	for _ in 1 2 3 4 5; do
		kq-sub -q -g pair -t shared -e >>rest
		test "$(kq-count -t shared -g pair)" -eq 0 && break
		sleep 2
	done
	sort -n -u a.got b.got rest >all && seq 2000 >want && test_cmp want all
'

test_done
