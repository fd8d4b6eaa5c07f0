#!/bin/bash
# Bad input, program by program: each gets one line naming the program
# (and the input and position where there is one), the documented status,
# and keeps everything before the fault.
. "$(dirname "$0")/lib.sh"

start_broker --topic t:1

# status PROGRAM ARGS...: run with stdin from $IN (default /dev/null),
# stdout to out, stderr to err; print the status.
status() {
	set +e
	"$@" <"${IN:-/dev/null}" >out 2>err
	echo $?
	set -e
}

test_expect_success 'an unknown option: 64, the program named, a hint to --help' '
	for p in kq-pub kq-sub kq-topic kq-count kq-jsonsplit kq-broker; do
		test "$(status $p --no-such-option)" = 64 &&
		grep -q "^$p: unknown option --no-such-option" err &&
		grep -q "^Try .$p --help. for more" err || { echo "$p"; cat err; exit 1; }
	done
'

test_expect_success 'an option without its argument: 64, the option named' '
	for p in kq-pub kq-sub kq-count; do
		test "$(status $p -t x --timeout)" = 64 &&
		grep -q "^$p: --timeout needs an argument" err || { echo "$p"; cat err; exit 1; }
	done
'

test_expect_success 'options that contradict each other: 64' '
	test "$(status kq-pub -t t -J -K :)" = 64 &&
	test "$(status kq-sub -t t -J -f %v)" = 64 &&
	test "$(status kq-count -t t -0)" = 64 &&
	test "$(status kq-topic create)" = 64
'

test_expect_success 'a missing input file: 66, named, for every program that reads files' '
	test "$(status kq-pub -t t /no/such/file)" = 66 &&
	grep -qx "kq-pub: /no/such/file: No such file or directory" err &&
	test "$(status kq-count /no/such/file)" = 66 &&
	grep -qx "kq-count: /no/such/file: No such file or directory" err &&
	test "$(status kq-jsonsplit .[] /no/such/file)" = 66 &&
	grep -qx "kq-jsonsplit: /no/such/file: No such file or directory" err &&
	test "$(status kq-pub -F /no/such/file -t t)" = 66 &&
	grep -qx "kq-pub: /no/such/file: No such file or directory" err
'

test_expect_success 'an input that cannot be read (a directory): 66 naming it, in every program' '
	mkdir adir &&
	test "$(status kq-pub -t t adir)" = 66 && grep -q "^kq-pub: adir: Is a directory" err &&
	test "$(status kq-count adir)" = 66 && grep -q "^kq-count: adir: Is a directory" err &&
	test "$(status kq-jsonsplit .[] adir)" = 66 && grep -q "^kq-jsonsplit: adir: Is a directory" err &&
	test "$(status kq-jsonsplit adir)" = 66 && grep -q "^kq-jsonsplit: adir: Is a directory" err
'

test_expect_success 'a topic name Kafka refuses: 64 with the rule, before any broker is asked' '
	for p in "kq-pub -t" "kq-sub -e -t" "kq-count -t" "kq-topic create"; do
		test "$(status $p "bad name" -b 127.0.0.1:1)" = 64 &&
		grep -q "'"'"'bad name'"'"' is not a topic name (1 to 249 of a-z A-Z 0-9 . _ -)" err ||
			{ echo "$p:"; cat err; exit 1; }
	done
'

test_expect_success 'invalid delimiters, durations, offsets and numbers: 64, the value quoted' '
	test "$(status kq-pub -t t -D "\\q")" = 64 &&
	grep -q "^kq-pub: -D: .*q.* is not a delimiter" err &&
	test "$(status kq-count -D "")" = 64 &&
	test "$(status kq-sub -t t --idle-timeout 5x)" = 64 && grep -q "5x" err &&
	test "$(status kq-sub -t t -o soon)" = 64 && grep -q "soon" err &&
	test "$(status kq-sub -t t -c many)" = 64 && grep -q "many" err &&
	test "$(status kq-pub -t t --timeout 0)" = 64
'

test_expect_success 'a closed stdin or stdout is an I/O error (74), never librdkafka'"'"'s pipes' '
	set +e
	kq-count <&- 2>err; a=$?
	seq 3 | kq-count >&- 2>err2; b=$?
	kq-pub -t t <&- 2>err3; c=$?
	set -e
	test $a = 74 && grep -qx "kq-count: stdin: Bad file descriptor" err &&
	test $b = 74 && grep -qx "kq-count: stdout: Bad file descriptor" err2 &&
	test $c -ne 0 && grep -q "^kq-pub: stdin: Bad file descriptor" err3
'

test_expect_success 'a --timeout librdkafka cannot hold (over 24 days) is a usage error' '
	test "$(status kq-count -t t --timeout 25d)" = 64 &&
	grep -q "^kq-count: --timeout: at most" err &&
	test "$(status kq-count -t t --timeout 9223372036854775809ms)" = 64
'

test_expect_success 'a malformed envelope: 65, FILE:LINE:COLUMN, the ones before delivered' '
	cat >env.json <<-\EOF &&
	{"value":"one"}
	{"value":"two"}
	{"value":"three",}
	EOF
	test "$(status kq-pub -t t -J env.json)" = 65 &&
	grep -q "^kq-pub: env.json:3:" err &&
	kcat_read t >got && printf "one\\ntwo\\n" >want && test_cmp want got
'

test_expect_success 'malformed JSON to kq-jsonsplit and kq-count -J: 65 with the position' '
	printf "[1,\\n 2,\\n ]" >bad.json &&
	test "$(status kq-jsonsplit .[] bad.json)" = 65 &&
	grep -q "^kq-jsonsplit: bad.json:3:2: " err &&
	printf "1\\n2\\n" >want && test_cmp want out &&
	IN=bad.json &&
	test "$(IN=bad.json status kq-count -J)" = 65 && grep -q "^kq-count: stdin:3:2: " err
'

test_expect_success 'a record over message.max.bytes: status 1, the record named' '
	head -c 2000000 /dev/zero | tr "\\0" x >big && echo >>big && echo small >>big &&
	test "$(IN=big status kq-pub -t t)" = 1 &&
	grep -q "record 1 (stdin line 1)" err
'

test_expect_success 'a full disk on stdout: 74 and a line saying so' '
	seq 100 >in &&
	set +e
	kq-count <in >/dev/full 2>err; a=$?
	kq-jsonsplit .[] "$KQ_DATA/github_events.json" >/dev/full 2>err2; b=$?
	kq-sub -t t -o beginning -e >/dev/full 2>err3; c=$?
	kq-topic list >/dev/full 2>err4; d=$?
	set -e
	test $a = 74 && grep -q "kq-count: stdout: No space left on device" err &&
	test $b = 74 && grep -q "kq-jsonsplit: stdout: No space left on device" err2 &&
	test $c = 74 && grep -q "kq-sub: stdout: No space left on device" err3 &&
	test $d = 74 && grep -q "kq-topic: stdout: No space left on device" err4
'

test_expect_success 'a closed stdout ends a program quietly with status 0' '
	seq 100000 | kq-pub -q -t t &&
	kq-sub -t t -o beginning -e | head -1 >/dev/null &&
	kq-jsonsplit .[] "$KQ_DATA/github_events.json" 2>err | head -1 >/dev/null &&
	test ! -s err &&
	set +e
	kq-sub -t t -o beginning -e 2>err | head -1 >/dev/null
	test "${PIPESTATUS[0]}" = 0 && test ! -s err
'

test_expect_success 'no broker at the address given: 69 within --timeout, one line' '
	test "$(status kq-pub -b 127.0.0.1:9 --timeout 1s -t t)" = 69 &&
	test "$(wc -l <err)" -eq 1 &&
	grep -qx "kq-pub: cannot reach 127.0.0.1:9: Connection refused" err &&
	for p in kq-sub kq-count kq-topic; do
		case $p in kq-topic) a=list ;; *) a="-t t" ;; esac
		test "$(status $p -b 127.0.0.1:9 --timeout 1s $a)" = 69 &&
		grep -qx "$p: cannot reach 127.0.0.1:9: Connection refused" err || { cat err; exit 1; }
	done
'

test_done
