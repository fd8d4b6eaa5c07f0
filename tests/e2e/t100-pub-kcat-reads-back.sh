#!/bin/bash
# kq-pub: what it writes, kcat reads back exactly: values, keys, headers,
# partitions, null and empty, binary bytes, large records, several inputs.
. "$(dirname "$0")/lib.sh"

# One partition keeps order, so outputs compare line for line.
topics=""
for t in lines empty1 empty2 empty3 tail bin delim keys tee tee0 rep big \
	files whole count slow acks zgzip zsnappy zlz4 zzstd; do
	topics="$topics --topic $t:1"
done
start_broker $topics --topic wide:3

test_expect_success 'seq 42 | kq-pub: kcat reads the 42 lines back' '
	seq 42 | kq-pub -t lines 2>err &&
	test "$(cat err)" = "kq-pub: Produced 42 messages." &&
	kcat_read lines >got &&
	seq 42 >want &&
	test_cmp want got
'

test_expect_success 'an empty record is an empty message, not skipped' '
	printf "a\n\nb\n\n" | kq-pub -t empty1 &&
	kcat_read empty1 -f "%S:%s\n" >got &&
	printf "1:a\n0:\n1:b\n0:\n" >want &&
	test_cmp want got
'

test_expect_success '-Z and --empty=null send empty records as null messages' '
	printf "a\n\nb\n" | kq-pub -t empty2 -Z &&
	printf "\nc\n" | kq-pub -t empty2 --empty=null &&
	kcat_read empty2 -f "%S:%s\n" >got &&
	printf "1:a\n-1:\n1:b\n-1:\n1:c\n" >want &&
	test_cmp want got
'

test_expect_success '-T writes a null message back as the empty record it was read as' '
	printf "a\n\nb\n" | kq-pub -q -t empty2 --empty=null -T >got &&
	printf "a\n\nb\n" >want &&
	test_cmp want got
'

test_expect_success '--empty=skip sends no message for them and says how many' '
	printf "a\n\n\nb\n" | kq-pub -t empty3 --empty=skip 2>err &&
	grep_err "^kq-pub: Produced 2 messages (2 empty records skipped).$" err &&
	kcat_read empty3 -f "%S:%s\n" >got &&
	printf "1:a\n1:b\n" >want &&
	test_cmp want got
'

test_expect_success 'a last record with no delimiter is sent too' '
	printf "one\ntwo" | kq-pub -t tail &&
	kcat_read tail >got &&
	printf "one\ntwo\n" >want &&
	test_cmp want got
'

test_expect_success '-0 splits at NUL bytes; every other byte passes as it is' '
	printf "a\r\tb\0\001\377\033\n\0x" | kq-pub -t bin -0 &&
	kcat_read bin -f "%S|%s|" >got &&
	printf "4|a\r\tb|4|\001\377\033\n|1|x|" >want &&
	test_cmp want got
'

test_expect_success '-D takes escapes and delimiters of several bytes' '
	printf "a::b::c" | kq-pub -t delim -D :: &&
	printf "d\x1ee" | kq-pub -t delim -D "\\x1e" &&
	kcat_read delim >got &&
	printf "a\nb\nc\nd\ne\n" >want &&
	test_cmp want got
'

test_expect_success '-K splits key and value at the first delimiter; none: null key' '
	printf "k1=v1\nk2=v=2\nnokey\n=emptykey\nk3=\n" |
		kq-pub -t keys -K = &&
	kcat_read keys -f "%K:%k|%S:%s\n" >got &&
	cat >want <<-\EOF &&
	2:k1|2:v1
	2:k2|3:v=2
	-1:|5:nokey
	0:|8:emptykey
	2:k3|0:
	EOF
	test_cmp want got
'

test_expect_success '-k, -p and -H: one key, the partition, headers in order' '
	seq 2 | kq-pub -t wide -p 2 -k K -H a=1 -H b -H c= -H a=2 &&
	kcat_read wide -p 2 -J |
		jq -c "[.partition, .key, .payload, .headers]" >got &&
	cat >want <<-\EOF &&
	[2,"K","1",["a","1","b",null,"c","","a","2"]]
	[2,"K","2",["a","1","b",null,"c","","a","2"]]
	EOF
	test_cmp want got &&
	test -z "$(kcat_read wide -p 0)" &&
	test -z "$(kcat_read wide -p 1)"
'

test_expect_success 'a record of 900 KB arrives whole' '
	head -c 900000 /dev/zero | tr "\0" x >big.in &&
	kq-pub -t big big.in &&
	kcat_read big >got &&
	echo >>big.in &&
	test_cmp big.in got
'

test_expect_success 'files are read one after another, like cat; - is stdin' '
	seq 3 >a &&
	seq 4 6 >b &&
	seq 7 9 | kq-pub -t files a - b 2>err &&
	grep_err "Produced 9 messages" err &&
	kcat_read files >got &&
	{ seq 3; seq 7 9; seq 4 6; } >want &&
	test_cmp want got
'

test_expect_success '--whole sends each file as one message' '
	printf "x\ny\n" >a &&
	printf "" >empty &&
	printf "z" >b &&
	kq-pub -t whole --whole a empty b &&
	kcat_read whole -f "%S:%s|" >got &&
	printf "4:x\ny\n|0:|1:z|" >want &&
	test_cmp want got
'

test_expect_success '-T writes each record once delivered: the output is the input' '
	seq 1000 | kq-pub -t tee -T >out 2>err &&
	seq 1000 >want &&
	test_cmp want out &&
	kcat_read tee >got &&
	test_cmp want got
'

test_expect_success '-T with -K and -0 writes the records as they were read' '
	printf "k=v\0w\0=\0" | kq-pub -t tee0 -K = -0 -T >out &&
	printf "k=v\0w\0=\0" >want &&
	test_cmp want out
'

test_expect_success '--report: one JSON line a record, with partition and offset' '
	seq 5 | kq-pub -t rep --report >out &&
	jq -c "[.record, .topic, .partition]" out >got &&
	for i in 1 2 3 4 5; do echo "[$i,\"rep\",0]"; done >want &&
	test_cmp want got &&
	jq .offset out >got &&
	kcat_read rep -f "%o\n" >want &&
	test_cmp want got
'

test_expect_success '-c N stops after N messages' '
	seq 100 | kq-pub -t count -c 10 2>err &&
	grep_err "Produced 10 messages" err &&
	kcat_read count >got &&
	seq 10 >want &&
	test_cmp want got
'

test_expect_success 'a line written slowly is sent at once, not when input ends' '
	mkfifo in &&
	{ kq-pub -t slow <in >out 2>err & } &&
	pid=$! &&
	exec 3>in &&
	echo first >&3 &&
	i=0 &&
	until test "$(kcat_read slow)" = first; do
		i=$((i + 1))
		if test $i -gt 100; then
			exec 3>&-
			wait $pid
			echo "first was not sent while the input stayed open"
			false
		fi
		sleep 0.1
	done &&
	echo second >&3 &&
	exec 3>&- &&
	wait $pid &&
	kcat_read slow >got &&
	printf "first\nsecond\n" >want &&
	test_cmp want got
'

test_expect_success 'compressed with gzip, snappy, lz4 and zstd, kcat reads it' '
	for z in gzip snappy lz4 zstd; do
		seq 100 | kq-pub -t "z$z" -z $z &&
		kcat_read "z$z" >got &&
		seq 100 >want &&
		test_cmp want got || exit 1
	done
'

test_expect_success '--acks 1 and --acks 0 deliver too; --rate paces but sends all' '
	seq 3 | kq-pub -t acks --acks 1 &&
	seq 4 6 | kq-pub -t acks --acks 0 &&
	seq 7 9 | kq-pub -t acks --rate 1000 &&
	kcat_read acks >got &&
	seq 9 >want &&
	test_cmp want got
'

test_expect_success 'the console producer'"'"'s --property parse.key and key.separator work as -K' '
	printf "k1:v1\nk2:v:2\n" |
		kq-pub -q -t conskey --property parse.key=true --property key.separator=: &&
	printf "k3\tv3\n" | kq-pub -q -t conskey --property parse.key=true &&
	kcat_read conskey -f "%k=%s\n" | sort >got &&
	printf "k1=v1\nk2=v:2\nk3=v3\n" >want &&
	test_cmp want got &&
	expect_status 64 kq-pub -t conskey --property parse.key=yes </dev/null 2>err &&
	grep_err "parse.key: true or false" err
'

test_done
