#!/bin/bash
# Log compaction (issue 18): a topic with cleanup.policy=compact, read
# from the beginning by kcat and by kq-sub once the cleaner ran, holds
# the newest value of each key at the offset it was written at; a
# tombstone stays until delete.retention.ms has passed, then goes; a
# record without a key is refused; a SIGKILL while the cleaner works
# leaves the topic readable and whole, and a cleaned copy a crash left
# behind is removed at the next start. Compressed batches (kcat -z, a
# topic's compression.type) are cleaned too, and stay in their codec.
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
start_kq_broker -d "$D"

# One segment a batch (a kcat run is one batch of 10 records here).
cfg="-c cleanup.policy=compact -c segment.bytes=300 -c min.cleanable.dirty.ratio=0.01"
# shellcheck disable=SC2086
kq-topic create cmp $cfg -c delete.retention.ms=1000 >/dev/null
# shellcheck disable=SC2086
kq-topic create keep $cfg >/dev/null

# Offsets 0-49: five rounds over k0..k9 (value rROUND); 50: a tombstone
# for k3; 51: k9 once more; 52-56: five other keys, the last in the
# segment being written, which is never cleaned.
fill() {
	for r in 1 2 3 4 5; do
		for k in 0 1 2 3 4 5 6 7 8 9; do echo "k$k:r$r"; done |
			kcat_write "$1" -K:
	done
	printf 'k3:\n' | kcat_write "$1" -K: -Z
	echo "k9:last" | kcat_write "$1" -K:
	for i in 1 2 3 4 5; do echo "x$i:more" | kcat_write "$1" -K:; done
}
fill cmp
fill keep

{
	for k in 0 1 2 4 5 6 7 8; do echo "4$k k$k r5"; done
	echo "51 k9 last"
	for i in 1 2 3 4 5; do echo "$((51 + i)) x$i more"; done
} >"$TMP/expect.cmp"
# With the default delete.retention.ms (a day), the tombstone stays.
sort -n "$TMP/expect.cmp" - >"$TMP/expect.keep" <<-EOF
	50 k3 NULL
EOF

# until_read TOPIC EXPECTED: until kcat reads EXPECTED from TOPIC (60 s).
until_read() {
	for _ in $(seq 300); do
		kcat_read "$1" -Z -f '%o %k %s\n' >got."$1"
		cmp -s "$2" got."$1" && return 0
		sleep 0.2
	done
	test_cmp "$2" got."$1"
}

test_expect_success 'kcat from the beginning: the newest value of each key, offsets unchanged, the tombstone gone' '
	until_read cmp "$TMP/expect.cmp" &&
	test -s "$D/cmp-0/cleaner-offset" &&
	test "$(kcat -b "$KQ_BROKERS" -Q -t cmp:0:-1 | sed "s/.* //")" = 57 &&
	test "$(kcat -b "$KQ_BROKERS" -Q -t cmp:0:-2 | sed "s/.* //")" = 0
'

test_expect_success 'kq-sub from the beginning reads the same' '
	kq-sub -t cmp -e -Z -f "%o %k %s\n" >sub &&
	test_cmp "$TMP/expect.cmp" sub
'

test_expect_success 'before delete.retention.ms the tombstone stays (older values gone)' '
	until_read keep "$TMP/expect.keep"
'

test_expect_success 'the closed segments shrank' '
	n=$(cat "$D"/cmp-0/*.log | wc -c) &&
	test "$n" -lt 2000
'

test_expect_success 'a record without a key is refused by a compacted topic' '
	echo nokey >nokey &&
	! kq-pub -t cmp nokey 2>pub.err &&
	grep -q "failed to validate" pub.err &&
	kcat_read cmp -Z -f "%o %k %s\n" >after &&
	test_cmp "$TMP/expect.cmp" after
'

# Compressed batches are compacted too, as Kafka's cleaner does: by
# producers that compress (kcat -z) and by a topic's compression.type.
# Offsets 0-49: five rounds over k0..k9, a batch each; 50-54: k0..k4
# once more, which leaves half of the fifth batch; 55-59: x1..x5, the
# last in the segment being written.
for z in gzip lz4 snappy; do
	# shellcheck disable=SC2086
	kq-topic create "z$z" $cfg >/dev/null
done
# shellcheck disable=SC2086
kq-topic create zzstd $cfg -c compression.type=zstd >/dev/null
fill_z() {
	for r in 1 2 3 4 5; do
		for k in 0 1 2 3 4 5 6 7 8 9; do echo "k$k:r$r"; done |
			kcat_write "$@" -K:
	done
	for k in 0 1 2 3 4; do echo "k$k:r6"; done | kcat_write "$@" -K:
	for i in 1 2 3 4 5; do echo "x$i:more" | kcat_write "$@" -K:; done
}
fill_z zgzip -z gzip
fill_z zlz4 -z lz4
fill_z zsnappy -z snappy
fill_z zzstd
{
	for k in 5 6 7 8 9; do echo "4$k k$k r5"; done
	for k in 0 1 2 3 4; do echo "5$k k$k r6"; done
	for i in 1 2 3 4 5; do echo "$((54 + i)) x$i more"; done
} >"$TMP/expect.z"

# codec DIR OFFSET: the codec and record count of the stored batch at
# OFFSET. (librdkafka
# sends a batch that compression does not make smaller uncompressed: the
# x records are.)
codec() {
	/usr/bin/python3 - "$1" "$2" <<-'EOF'
	import glob, struct, sys
	for f in sorted(glob.glob(sys.argv[1] + "/*.log")):
	    b = open(f, "rb").read()
	    i = 0
	    while i + 61 <= len(b):
	        base, n = struct.unpack(">qi", b[i:i + 12])
	        if base == int(sys.argv[2]):
	            print(struct.unpack(">h", b[i + 21:i + 23])[0] & 7,
	                  struct.unpack(">i", b[i + 57:i + 61])[0])
	        i += n + 12
	EOF
}

test_expect_success 'compressed batches (kcat -z gzip, lz4, snappy; compression.type=zstd): kcat reads the newest value of each key, offsets unchanged' '
	for t in zgzip zlz4 zsnappy zzstd; do
		until_read $t "$TMP/expect.z" || return 1
		test "$(kcat -b "$KQ_BROKERS" -Q -t $t:0:-1 | sed "s/.* //")" = 60 ||
			return 1
	done
'

test_expect_success '... kq-sub reads the same' '
	for t in zgzip zlz4 zsnappy zzstd; do
		kq-sub -t $t -e -Z -f "%o %k %s\n" >sub.$t &&
		test_cmp "$TMP/expect.z" sub.$t || return 1
	done
'

test_expect_success '... the fifth batch rewritten with its 5 newest records, in its codec' '
	test "$(codec "$D/zgzip-0" 40)" = "1 5" &&
	test "$(codec "$D/zsnappy-0" 40)" = "2 5" &&
	test "$(codec "$D/zlz4-0" 40)" = "3 5" &&
	test "$(codec "$D/zzstd-0" 40)" = "4 5"
'

test_expect_success 'a record without a key in a compressed batch is refused' '
	echo nokey >nokey.z &&
	! kq-pub -t zgzip -z gzip nokey.z 2>pubz.err &&
	grep -q "failed to validate" pubz.err &&
	kcat_read zgzip -Z -f "%o %k %s\n" >afterz &&
	test_cmp "$TMP/expect.z" afterz
'

# Offset N holds "kK:rN" (K = N mod 200): any record read back tells
# whether it sits at its own offset.
# Batches of 200 at most, a segment each: some 150 segments to clean.
kq-topic create big -c cleanup.policy=compact -c segment.bytes=3000 \
	-c min.cleanable.dirty.ratio=0.01 >/dev/null
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "k%d:r%d\n", i % 200, i }' |
	kcat_write big -K: -X batch.num.messages=200
# A partition that is not compacted, with a copy left behind in it.
kq-topic create plain >/dev/null
echo "a:1" | kcat_write plain -K:

# The cleaner looks each second, and takes a segment each 50 ms.
sleep 1.5
kill -KILL "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null

echo junk >"$D/plain-0/00000000000000000000.log.cleaned"
start_kq_broker -d "$D"

# whole FILE: offsets grow, each record at its own offset, and each
# key's newest record (offsets 29800-29999) there.
whole() {
	awk '{
		if ($1 <= last || $3 != "r" $1) { print "bad: " $0; bad = 1 }
		last = $1; n[$2] = $1
	}
	END {
		for (k = 0; k < 200; k++)
			if (n["k" k] != 29800 + k) { print "k" k " newest " n["k" k]; bad = 1 }
		exit bad
	}' "$1"
}

test_expect_success 'SIGKILL while the cleaner works: the topic is readable and whole after the restart' '
	kcat_read big -f "%o %k %s\n" >big1 &&
	whole big1 &&
	until_read cmp "$TMP/expect.cmp"
'

test_expect_success '... and compacted once the cleaner ran again' '
	for _ in $(seq 300); do
		kcat_read big -f "%o %k %s\n" >big2
		test "$(wc -l <big2)" -le 400 && break
		sleep 0.2
	done &&
	whole big2 &&
	test "$(wc -l <big2)" -le 400
'

test_expect_success 'a cleaned copy a crash left behind is removed at start' '
	test ! -e "$D/plain-0/00000000000000000000.log.cleaned" &&
	test "$(kcat_read plain -f "%o %k %s\n")" = "0 a 1"
'

test_done
