#!/bin/bash
# kq-count on standard input and files: the same as wc -l on newline
# files, and right where wc -l is not: no final newline, NUL and longer
# delimiters, JSON texts with newlines inside.
. "$(dirname "$0")/lib.sh"

test_expect_success 'equal to wc -l on newline files' '
	for f in "$KQ_DATA"/*; do
		test "$(kq-count <"$f")" -eq "$(wc -l <"$f")"
		test "$(kq-count "$f")" -eq "$(wc -l <"$f")"
	done &&
	seq 100000 >lines &&
	test "$(kq-count lines)" -eq 100000 &&
	test "$(cat lines | kq-count)" = 100000
'

test_expect_success 'equal to wc -l across block sizes and SIMD strides' '
	for n in 0 1 15 16 17 63 64 65 127 128 129 255 256 4095 32640 32641 65535 300000; do
		head -c $n /dev/urandom | tr "\000-\377" "\n\nabcdefghijklmnopqrstuvwxyz\n\n\n" >in
		printf x >>in
		test "$(kq-count <in)" -eq "$(($(wc -l <in) + 1))"
	done &&
	head -c 5000000 /dev/urandom >random &&
	test "$(kq-count <random)" -eq "$(($(wc -l <random) + $(test "$(tail -c1 random | od -An -tx1)" = " 0a" && echo 0 || echo 1)))"
'

test_expect_success 'a last record with no newline counts; empty input is 0' '
	test "$(printf "a\nb" | kq-count)" -eq 2 &&
	test "$(printf "a\nb" | wc -l)" -eq 1 &&
	test "$(printf "" | kq-count)" -eq 0 &&
	test "$(printf "\n" | kq-count)" -eq 1 &&
	test "$(printf "\n\n\n" | kq-count)" -eq 3 &&
	test "$(printf "x" | kq-count)" -eq 1
'

test_expect_success 'NUL-delimited records, as find -print0 writes them' '
	mkdir -p tree/a tree/b &&
	touch "tree/a/one" "tree/a/two
lines" "tree/b/three" &&
	test "$(find tree -type f -print0 | kq-count -0)" -eq 3 &&
	test "$(find tree -type f -print0 | kq-count -D "\0")" -eq 3 &&
	test "$(find tree -type f -print0 | wc -l)" -eq 1 &&
	test "$(printf "a\0b" | kq-count -0)" -eq 2
'

test_expect_success 'other one-byte delimiters' '
	test "$(printf "a,b,c," | kq-count -D ,)" -eq 3 &&
	test "$(printf "a\tb" | kq-count -D "\t")" -eq 2 &&
	test "$(printf "a\036b\036" | kq-count -D "\x1e")" -eq 2
'

# awk_count DELIM FILE: records as awk splits them (RS is a regex there,
# so the delimiters used below have no special characters).
awk_count() {
	awk -v RS="$1" "END { print NR }" "$2"
}

test_expect_success 'multi-byte delimiters, as awk splits records' '
	printf "a::b::::c::" >in &&
	test "$(kq-count -D :: in)" -eq "$(awk_count :: in)" &&
	test "$(kq-count -D :: in)" -eq 4 &&
	printf "aaa" | kq-count -D aa >got &&
	test "$(cat got)" -eq 2 &&
	printf "::" | kq-count -D :: >got &&
	test "$(cat got)" -eq 1 &&
	printf ":" | kq-count -D :: >got &&
	test "$(cat got)" -eq 1
'

test_expect_success 'multi-byte delimiters across read boundaries' '
	awk "BEGIN { srand(7); for (i = 0; i < 300000; i++) {
		n = int(rand() * 20); s = \"\";
		for (j = 0; j < n; j++) s = s \"x\";
		printf \"%s<=>\", s } }" >big &&
	test "$(kq-count -D "<=>" big)" -eq 300000 &&
	test "$(cat big | kq-count -D "<=>")" -eq "$(awk_count "<=>" big)" &&
	{ printf "a<"; sleep 0.2; printf "=>b<="; sleep 0.2; printf ">"; } | kq-count -D "<=>" >got &&
	test "$(cat got)" -eq 2 &&
	{ printf "a<"; sleep 0.2; printf "="; sleep 0.2; printf "x"; } | kq-count -D "<=>" >got &&
	test "$(cat got)" -eq 1
'

test_expect_success 'each file is counted on its own, as kq-pub reads them' '
	printf "a\nb" >f1 &&
	printf "c\n" >f2 &&
	test "$(kq-count f1 f2)" -eq 3 &&
	test "$(kq-count f1 - f2 <f1)" -eq 5 &&
	kq-count -v f1 f2 >got &&
	printf "2\tf1\n1\tf2\n3\n" >want &&
	test_cmp want got
'

test_expect_success '--bytes adds the byte count, as wc -c counts it' '
	seq 1000 >in &&
	printf "%s\t%s\n" "$(wc -l <in)" "$(wc -c <in)" >want &&
	kq-count --bytes <in >got &&
	test_cmp want got &&
	kq-count -c in in >got &&
	test "$(cut -f2 got)" -eq $((2 * $(wc -c <in)))
'

test_expect_success '--json prints the totals as one object' '
	printf "a\nb\nc" >in &&
	kq-count --json in >got &&
	test "$(jq -c . got)" = "{\"count\":3,\"bytes\":5}"
'

test_expect_success '-J counts JSON texts whatever newlines they hold' '
	jq -c ".[]" "$KQ_DATA/github_events.json" >events &&
	jq . events >pretty &&
	test "$(jq -s length events)" -eq "$(kq-count -J events)" &&
	test "$(jq -s length pretty)" -eq "$(kq-count -J pretty)" &&
	test "$(wc -l <pretty)" -gt "$(kq-count -J pretty)" &&
	jq -n "{value: \"one\ntwo\nthree\"}, {value: {a: [1, 2]}}" >env &&
	test "$(kq-count -J env)" -eq 2 &&
	test "$(kq-count env)" -eq 11
'

test_expect_success '-J: not JSON is 65, naming where' '
	printf "{\"a\":1}\n{\"a\":\n" >bad &&
	expect_status 65 kq-count -J bad >out 2>err &&
	test ! -s out &&
	grep_err "^kq-count: bad:3:1: " err &&
	printf "{\"a\":1}\n[1,,2]\n" | { expect_status 65 kq-count -J 2>err; } &&
	grep_err "^kq-count: stdin:2:4: " err
'

test_expect_success 'a missing file: 66 and no count' '
	expect_status 66 kq-count /nonexistent/file >out 2>err &&
	test ! -s out &&
	grep_err "^kq-count: /nonexistent/file: No such file or directory$" err &&
	echo a >ok &&
	expect_status 66 kq-count ok nosuch >out 2>err &&
	test ! -s out
'

test_expect_success '--every prints the running count on stderr' '
	seq 10 | kq-count --every 4 >out 2>err
	test "$(cat out)" -eq 10
	grep_err "^kq-count: 10 records$" err
	# The second half is written once the first is reported.
	mkfifo slow
	kq-count --every 5 <slow >out 2>err &
	pid=$!
	exec 3>slow
	seq 5 >&3
	for i in $(seq 200); do
		grep -q "5 records" err && break
		sleep 0.05
	done
	seq 6 10 >&3
	exec 3>&-
	wait $pid
	test "$(cat out)" -eq 10
	printf "kq-count: 5 records\nkq-count: 10 records\n" >want
	test_cmp want err
'

test_expect_success 'SIGINT prints the count so far, status 130' '
	mkfifo fifo
	{ seq 3; sleep 30; } >fifo &
	writer=$!
	kq-count --every 3 <fifo >out 2>err &
	pid=$!
	for i in $(seq 200); do
		grep -q "3 records" err && break
		sleep 0.05
	done
	kill -INT $pid
	st=0
	wait $pid || st=$?
	kill $writer
	test "$st" -eq 130
	test "$(cat out)" -eq 3
'

test_expect_success 'usage errors: 64' '
	expect_status 64 kq-count -D "" 2>err &&
	expect_status 64 kq-count -D "\q" 2>err &&
	expect_status 64 kq-count -J -0 2>err &&
	expect_status 64 kq-count -p 1 2>err &&
	grep_err "need -t TOPIC" err &&
	expect_status 64 kq-count -g g 2>err &&
	expect_status 64 kq-count --exact 2>err &&
	expect_status 64 kq-count -b localhost:1 2>err &&
	grep_err "^kq-count: -b, -X and -F need -t TOPIC$" err &&
	expect_status 64 kq-count --every 0 2>err
'

test_expect_success 'output errors: a closed pipe is quiet, a full disk is 74' '
	seq 10 | kq-count | true &&
	expect_status 74 kq-count lines >/dev/full 2>err &&
	grep_err "^kq-count: stdout: No space left on device$" err
'

test_done
