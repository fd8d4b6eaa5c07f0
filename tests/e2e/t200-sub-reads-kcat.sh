#!/bin/bash
# kq-sub: what kcat wrote (keys, headers, nulls, binary, several
# partitions) comes out of kq-sub exactly, in every output form.
. "$(dirname "$0")/lib.sh"

start_broker --topic foo:1 --topic kv:1 --topic three:3 --topic bin:1 \
	--topic hdr:1 --topic events:2

test_expect_success 'the seed flow: 1..42 and the count on stderr' '
	seq 42 | kcat_write foo &&
	kq-sub -t foo --from-beginning -c 42 >out 2>err &&
	seq 42 >want &&
	test_cmp want out &&
	grep -qx "kq-sub: Processed a total of 42 messages" err
'

test_expect_success 'values come out as kcat reads them, across partitions' '
	seq 1000 | kcat_write three -X sticky.partitioning.linger.ms=0 &&
	kcat_read three | sort -n >want &&
	kq-sub -q -t three -o beginning -e >out &&
	sort -n out >got &&
	test_cmp want got &&
	seq 1000 >all &&
	test_cmp all got
'

test_expect_success 'each partition keeps its order' '
	for p in 0 1 2; do
		kcat_read three -p $p >want.$p &&
		kq-sub -q -t three -p $p -o beginning -e >got.$p &&
		test_cmp want.$p got.$p || return 1
	done
'

test_expect_success '-K prints key DELIM value; a null key is empty, -Z shows NULL' '
	printf "a:1\nb:\n:3\n" | kcat_write kv -K: &&
	printf "n:\n" | kcat_write kv -K: -Z &&
	printf "solo\n" | kcat_write kv &&
	kq-sub -q -t kv -o beginning -e -K "=" >out &&
	printf "a=1\nb=\n=3\nn=\n=solo\n" >want &&
	test_cmp want out &&
	kq-sub -q -t kv -o beginning -e -K "=" -Z >out &&
	printf "a=1\nb=\n=3\nn=NULL\nNULL=solo\n" >want &&
	test_cmp want out
'

test_expect_success '-J: keys, nulls and empties as jq sees them' '
	kq-sub -q -t kv -o beginning -e -J >out &&
	jq -c "[.key, .value, .topic, .partition, .offset]" out >got &&
	cat >want <<-EOF &&
	["a","1","kv",0,0]
	["b","","kv",0,1]
	["","3","kv",0,2]
	["n",null,"kv",0,3]
	[null,"solo","kv",0,4]
	EOF
	test_cmp want got &&
	kcat_read kv -J | jq -c .ts >ts.kcat &&
	jq -c .timestamp out >ts.kq &&
	test_cmp ts.kcat ts.kq
'

test_expect_success 'headers: in order, duplicates and null values kept' '
	printf "x\n" | kcat_write hdr -H a=1 -H b -H a=2 -H "q=say \"hi\"" &&
	kq-sub -q -t hdr -o beginning -e -J | jq -c .headers >got &&
	cat >want <<-\EOF &&
	[["a","1"],["b",null],["a","2"],["q","say \"hi\""]]
	EOF
	test_cmp want got &&
	kq-sub -q -t hdr -o beginning -e -f "%h\n" >got &&
	echo "a=1,b=,a=2,q=say \"hi\"" >want &&
	test_cmp want got &&
	kcat_read hdr -f "%h\n" >kcat.h &&
	kq-sub -q -t hdr -o beginning -e -Z -f "%h\n" >got &&
	test_cmp kcat.h got
'

test_expect_success 'binary values: exact bytes raw, base64 in -J' '
	head -c 3000 /dev/urandom >blob &&
	kcat -b "$KQ_BROKERS" -P -t bin blob &&
	kq-sub -q -t bin -o beginning -e -D "\x1e" -c 1 >out &&
	printf "\036" >rs && cat blob rs >want &&
	test_cmp want out &&
	kq-sub -q -t bin -o beginning -e -J >env &&
	jq -r ".value_b64" env | base64 -d >got &&
	test_cmp blob got &&
	test "$(jq -r ".value" env)" = null
'

test_expect_success '-f: every directive, as kcat writes the ones it has' '
	kcat_read kv -f "%t|%p|%o|%k|%s|%K|%S|%T\n" >want &&
	kq-sub -q -t kv -o beginning -e -f "%t|%p|%o|%k|%v|%K|%S|%T\n" >got &&
	test_cmp want got &&
	kq-sub -q -t kv -o beginning -e -c 1 -f "%I\t%%\0" >got &&
	ms=$(kcat_read kv -c 1 -f "%T") &&
	iso=$(date -u -d "@$((ms / 1000))" +%Y-%m-%dT%H:%M:%S) &&
	printf "%s.%03dZ\t%%\0" "$iso" $((ms % 1000)) >want &&
	test_cmp want got
'

test_expect_success '-D and -0 end each message' '
	kq-sub -q -t foo -o beginning -c 3 -0 >out &&
	printf "1\0002\0003\000" >want &&
	test_cmp want out &&
	kq-sub -q -t foo -o beginning -c 3 -D "::" >out &&
	printf "1::2::3::" >want &&
	test_cmp want out
'

test_expect_success '--json-values embeds JSON values; others stay strings' '
	jq -c ".[]" "$KQ_DATA/github_events.json" >events.jsonl &&
	printf "not json\n42\n\"str\"\n" >>events.jsonl &&
	kcat_write events -p 0 <events.jsonl &&
	kq-sub -q -t events -o beginning -e --json-values -J >out &&
	jq -r "select(.value | type == \"object\") | .value.actor.login" out >got &&
	jq -r ".[].actor.login" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got &&
	jq -c ".value" out | tail -3 >got &&
	cat >want <<-\EOF &&
	"not json"
	42
	"\"str\""
	EOF
	test_cmp want got
'

test_expect_success 'the -J envelope goes back in through kq-pub -J' '
	kq-sub -q -t kv -o beginning -e -J | kq-pub -q -J -t kvcopy &&
	kcat_read kvcopy -f "%k|%s|%K|%S\n" >got &&
	kcat_read kv -f "%k|%s|%K|%S\n" >want &&
	test_cmp want got
'

test_expect_success 'the console consumer'"'"'s --property print.* forms print as it does' '
	printf "k1:v1\nk2:v2\n" | kcat_write cons -K: -p 0 &&
	echo bare | kcat_write cons -p 0 &&
	kq-sub -t cons -p 0 -e -q --property print.key=true >got &&
	printf "k1\tv1\nk2\tv2\nnull\tbare\n" >want && test_cmp want got &&
	kq-sub -t cons -p 0 -e -q --property print.partition=true \
		--property print.offset=true --property print.key=true \
		--property key.separator=" | " --property null.literal=- >got &&
	printf "Partition:0 | Offset:0 | k1 | v1\nPartition:0 | Offset:1 | k2 | v2\nPartition:0 | Offset:2 | - | bare\n" >want &&
	test_cmp want got &&
	kq-sub -t cons -p 0 -e -q --property print.timestamp=true >got &&
	grep -Eq "^CreateTime:[0-9]{13}	v1$" got &&
	expect_status 64 kq-sub -t cons -e --property print.key=yes 2>err &&
	grep_err "print.key: true or false" err &&
	expect_status 64 kq-sub -t cons -e --property print.key=true -f "%v\n" 2>err
'

test_done
