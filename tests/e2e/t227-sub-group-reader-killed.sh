#!/bin/bash
# A reader killed mid-stream loses nothing: run after run with the same
# group, each reader killed (SIGKILL) at a different point, the union of
# what the readers wrote covers every message, as kcat reads the topic.
. "$(dirname "$0")/lib.sh"

start_broker --topic kill:1 --topic killfast:1

# reader.py OUT N: writes each line it reads to OUT, then stops reading
# after N lines (and waits to be killed); its pid in OUT.pid.
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

# runs GROUP TOPIC [kq-sub options]: three killed readers, then one that
# reads the rest.
runs() {
	g=$1 t=$2
	shift 2
	for n in 137 1 555; do
		kq-sub -q -g "$g" -t "$t" "$@" |
			/usr/bin/python3 reader.py "$g.$n" "$n" &
		wait_lines "$n" "$g.$n" || return 1
		kill -KILL "$(cat "$g.$n.pid")"
		wait || :
	done
	kq-sub -q -g "$g" -t "$t" -e "$@" >"$g.rest"
}

test_expect_success 'exact: three killed readers and a last run, every message exactly once' '
	seq 2000 | kcat_write kill &&
	runs k kill &&
	cat k.137 k.1 k.555 k.rest >got &&
	kcat_read kill >want && test_cmp want got &&
	test "$(kq-count -t kill -g k)" -eq 0
'

test_expect_success '--fast: the same readers, every message at least once' '
	seq 200000 | kcat_write killfast &&
	runs kf killfast --fast &&
	sort -u kf.137 kf.1 kf.555 kf.rest >got &&
	kcat_read killfast | sort >want && test_cmp want got
'

test_done
