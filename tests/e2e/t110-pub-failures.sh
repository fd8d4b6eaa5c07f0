#!/bin/bash
# kq-pub: a record that cannot be sent is named, counted and makes the
# status 1; bad input files and bad command lines are refused up front.
. "$(dirname "$0")/lib.sh"

topics=""
for t in fail keep named rep miss early epipe; do
	topics="$topics --topic $t:1"
done
start_broker $topics --topic two:2

# Records 1-3 fit, record 4 is over message.max.bytes, then two more.
{ seq 3; head -c 1100000 /dev/zero | tr "\0" x; echo; seq 5 6; } >"$TMP/in"

test_expect_success 'a record too large: named, counted, reading stops, status 1' '
	expect_status 1 kq-pub -t fail <in 2>err &&
	cat >want <<-\EOF &&
	kq-pub: record 4 (stdin line 4): Message size too large: over the producer limit message.max.bytes=1000000 (raise it with -X message.max.bytes=N)
	kq-pub: Produced 3 messages, 1 failed; stopped reading at the first failure.
	EOF
	test_cmp want err &&
	kcat_read fail >got &&
	seq 3 >want &&
	test_cmp want got
'

test_expect_success '--keep-going sends the rest after a failure' '
	expect_status 1 kq-pub -t keep --keep-going <in 2>err &&
	grep_err "^kq-pub: record 4 (stdin line 4): Message size too large: over the producer limit message.max.bytes=1000000 (raise it with -X message.max.bytes=N)$" err &&
	grep_err "^kq-pub: Produced 5 messages, 1 failed.$" err &&
	kcat_read keep >got &&
	{ seq 3; seq 5 6; } >want &&
	test_cmp want got
'

test_expect_success 'a failed record is named by its file and line there' '
	seq 2 >a &&
	expect_status 1 kq-pub -t named --keep-going a in 2>err &&
	grep_err "^kq-pub: record 6 (in line 4): Message size too large: over the producer limit message.max.bytes=" err &&
	test "$(kcat_read named | wc -l)" -eq 7
'

test_expect_success '--report: the failed record has its error, the rest offsets' '
	expect_status 1 kq-pub -t rep --keep-going --report <in >out 2>err &&
	jq -s -c "sort_by(.record)[] | [.record, .error[:22]]" out >got &&
	cat >want <<-\EOF &&
	[1,null]
	[2,null]
	[3,null]
	[4,"Message size too large"]
	[5,null]
	[6,null]
	EOF
	test_cmp want got &&
	jq -c "select(.error == null) | .offset" out >got &&
	printf "0\n1\n2\n3\n4\n" >want &&
	test_cmp want got
'

test_expect_success 'a missing input file: status 66 before anything is sent' '
	seq 3 >a &&
	expect_status 66 kq-pub -t miss a nosuch 2>err &&
	test "$(cat err)" = "kq-pub: nosuch: No such file or directory" &&
	expect_status 66 kq-pub -t miss a . 2>err &&
	grep_err "^kq-pub: \.: Is a directory$" err &&
	test -z "$(kcat_read miss)"
'

test_expect_success 'bad command lines: status 64 and a line saying why' '
	expect_status 64 kq-pub </dev/null 2>err &&
	grep_err "^kq-pub: -t TOPIC is required$" err &&
	expect_status 64 kq-pub -t x -k a -K : </dev/null 2>err &&
	grep_err "^kq-pub: -k and -K cannot be used together$" err &&
	expect_status 64 kq-pub -t x -J -K : </dev/null 2>err &&
	grep_err "^kq-pub: -J reads envelopes" err &&
	expect_status 64 kq-pub -t x --empty=drop </dev/null 2>err &&
	grep_err "^kq-pub: --empty: expected send, skip or null" err &&
	expect_status 64 kq-pub -t x -z brotli </dev/null 2>err &&
	grep_err "^kq-pub: -z: expected gzip, snappy, lz4 or zstd" err &&
	expect_status 64 kq-pub -t x -T --report </dev/null 2>err &&
	expect_status 64 kq-pub -t x -D "" </dev/null 2>err &&
	expect_status 64 kq-pub -t x -c 0 </dev/null 2>err &&
	expect_status 64 kq-pub -t x -X nosuch.property=1 </dev/null 2>err &&
	grep_err "^kq-pub: -X nosuch.property: No such configuration property" err
'

test_expect_success '-p beyond the topic: status 69 naming its partitions, as kq-sub' '
	expect_status 69 kq-pub -t two -p 2 </dev/null 2>err &&
	test "$(cat err)" = "kq-pub: -p 2: topic two has 2 partitions (0 to 1)"
'

test_expect_success 'no broker: status 69 at once, nothing read' '
	expect_status 69 kq-pub -b 127.0.0.1:1 --timeout 1s -t x </dev/null \
		2>err &&
	grep_err "^kq-pub: cannot reach 127.0.0.1:1: " err
'

test_expect_success 'stdout closed under -T ends quietly with status 0' '
	{ seq 200000 | kq-pub -t epipe -T 2>err; echo $? >status; } |
		head -1 >first &&
	test "$(cat first)" = 1 &&
	test "$(cat status)" = 0 &&
	! grep -q -i "pipe" err
'

test_done
