#!/bin/bash
# kq-broker killed with SIGKILL at random moments while kq-pub -T
# publishes, again and again on the same data directory, under both
# --fsync always and --fsync interval; between runs an older segment's
# index is damaged at random. After every restart each message kq-pub
# reported delivered is there, every run's messages are stored once and
# in order with no gap, and every index that disagreed was rebuilt.
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
RUNS=${KQ_CRASH_RUNS:-4}

# Damage one index of a segment before the tail, one of four ways (the
# run number picks): lost, cut short, an entry zeroed, or an entry moved
# on by a batch, still growing (the offset it names goes to moved).
damage_index() {
	idx=$(ls "$D"/crash-0/*.index | head -n -1 | shuf -n 1)
	[ -n "$idx" ] || return 0
	case $(($1 % 4)) in
	0) rm "$idx" ;;
	1) truncate -s 5 "$idx" ;;
	2) dd if=/dev/zero of="$idx" bs=8 seek=1 count=1 conv=notrunc 2>/dev/null ;;
	3) /usr/bin/python3 - "${idx%.index}" >>moved <<'PY'
import os, struct, sys
base = sys.argv[1]
idx = bytearray(open(base + '.index', 'rb').read())
log = open(base + '.log', 'rb').read()
if len(idx) >= 24:
    rel, pos = struct.unpack_from('>II', idx, 8)
    p = pos + struct.unpack_from('>i', log, pos + 8)[0] + 12
    if p < struct.unpack_from('>II', idx, 16)[1]:
        struct.pack_into('>II', idx, 8, rel, p)
        open(base + '.index', 'wb').write(idx)
        print(int(os.path.basename(base)) + rel)
PY
	;;
	esac
	echo "$idx"
}

run=0
for mode in always interval; do
	for i in $(seq "$RUNS"); do
		run=$((run + 1))
		start_kq_broker -d "$D" --fsync $mode --topic crash:1 \
			-c segment.bytes=200000
		E=$TMP/broker$n.err
		test_expect_success "run $run (--fsync $mode): kq-pub -T, then SIGKILL at a random moment" '
			seq 300000 | sed "s/^/r'$run'-/" |
				kq-pub -t crash -T --rate 50000 --timeout 3s \
				-X message.timeout.ms=3000 >delivered'$run' 2>/dev/null &
			pub=$!
			sleep "0.$((RANDOM % 9 + 1))" &&
			kill -KILL $BROKER_PID &&
			{ wait $pub || true; } &&
			damage_index '$run' >>damaged
		'
		stop_broker 2>/dev/null || true
	done
done

start_kq_broker -d "$D" --fsync always
E=$TMP/broker$n.err

test_expect_success 'every run: what kq-pub reported delivered is stored, once, in order, no gap' '
	kcat_read crash >stored &&
	total=0 &&
	for r in $(seq '$run'); do
		grep "^r$r-" stored | sed "s/^r$r-//" >run &&
		seq "$(wc -l <run)" >want &&
		test_cmp want run &&
		sed "s/^r$r-//" delivered$r | sort -n >acked &&
		test "$(comm -23 acked <(sort -n run) | wc -l)" -eq 0 &&
		total=$((total + $(wc -l <acked)))
	done &&
	test "$total" -gt 0 &&
	test "$(wc -l <stored)" -eq "$(sort -u stored | wc -l)"
'

test_expect_success 'every index is whole again: a read from anywhere starts at the offset asked' '
	for b in "$TMP"/broker*.err; do cat "$b"; done >all.err &&
	! grep -q "bad data" all.err &&
	grep -q "^kq-broker: crash-0: an unclean stop: offsets [0-9]* to [0-9]* checked$" all.err &&
	test "$(ls "$D"/crash-0/*.index | wc -l)" = "$(ls "$D"/crash-0/*.log | wc -l)" &&
	touch moved &&
	for f in "$D"/crash-0/*.log; do
		b=$(basename "$f" .log) && echo $((10#$b)) $((10#$b + 500))
	done >at &&
	for at in $(cat at moved); do
		if [ "$at" -lt "$(wc -l <stored)" ]; then
			kcat -b "$KQ_BROKERS" -C -t crash -o "$at" -c 1 -q >one &&
			sed -n "$((at + 1))p" stored >want &&
			test_cmp want one || exit 1
		fi
	done
'

test_done
