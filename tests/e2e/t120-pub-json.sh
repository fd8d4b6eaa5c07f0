#!/bin/bash
# kq-pub -J: JSON envelopes in, messages out with their keys, headers,
# partitions and timestamps, as kcat -J sees them; bad envelopes stop the
# run with status 65 after the records before them are delivered.
. "$(dirname "$0")/lib.sh"

topics=""
for t in bytes jv kcatcopy bad badjson over tee src dst; do
	topics="$topics --topic $t:1"
done
start_broker $topics --topic env:3 --topic pretty:3 --topic copy:3 \
	--topic subsrc:3 --topic subdst:3

test_expect_success 'envelopes by hand: kcat -J sees keys, values, headers, partitions' '
	cat >in <<-\EOF &&
	{"key":"k1","value":"v1","partition":2,"headers":[["h","x"],["h",null],["e",""]]}
	{"value":null,"key":null,"partition":1}
	{"value":"","key":"","partition":0,"timestamp":1700000000000}
	{"value":"tab\tquote\"nl\nuni\u00e9\ud83d\ude00","partition":0}
	EOF
	kq-pub -J -t env <in 2>err &&
	grep_err "Produced 4 messages" err &&
	kcat_read env -J |
		jq -c "[.partition, .key, .payload, .headers]" | sort >got &&
	cat >want <<-\EOF &&
	[0,"","",null]
	[0,null,"tab\tquote\"nl\nunié😀",null]
	[1,null,null,null]
	[2,"k1","v1",["h","x","h",null,"e",""]]
	EOF
	test_cmp want got &&
	test "$(kcat_read env -p 0 -f "%T\n" | head -1)" = 1700000000000
'

test_expect_success 'pretty-printed envelopes over several lines are read too' '
	printf "{\"value\":\"a\",\"partition\":1}{\"value\":\"b\",\"partition\":1}" |
		jq . >in &&
	test "$(wc -l <in)" -gt 2 &&
	kq-pub -J -t pretty <in &&
	kcat_read pretty -p 1 >got &&
	printf "a\nb\n" >want &&
	test_cmp want got
'

test_expect_success 'key_b64, value_b64 and {"b64":...} headers carry any bytes' '
	echo "{\"key_b64\":\"AP8=\",\"value_b64\":\"/wAB\",\"headers\":[[\"h\",{\"b64\":\"gA==\"}]]}" |
		kq-pub -J -t bytes &&
	kcat_read bytes -f "%k|%s|%h" >got &&
	printf "\000\377|\377\000\001|h=\200" >want &&
	test_cmp want got
'

test_expect_success 'a JSON value in "value" is sent as its compact text' '
	cat >in <<-\EOF &&
	{"value": {"a": [1, 2.50, "x"], "b": null}}
	{"value": 12e3}
	{"value": true}
	EOF
	kq-pub -J -t jv <in &&
	kcat_read jv >got &&
	cat >want <<-\EOF &&
	{"a":[1,2.50,"x"],"b":null}
	12e3
	true
	EOF
	test_cmp want got
'

test_expect_success 'kcat -J output goes back in: its envelope is understood' '
	printf "k1:v1\nk2:v2\n:v3\n" | kcat_write kcatcopy -K : -H a=b &&
	kcat_read kcatcopy -J | kq-pub -J -t copy -p 2 &&
	kcat_read kcatcopy -f "%K %k|%S %s|%h\n" >want &&
	kcat_read copy -p 2 -f "%K %k|%S %s|%h\n" >got &&
	test_cmp want got
'

test_expect_success 'a bad envelope: status 65 at its line and column, the ones before sent' '
	printf "{\"value\":\"1\"}\n{\"value\":\"2\"}\n  {\"valeu\":\"3\"}\n{\"value\":\"4\"}\n" >in &&
	expect_status 65 kq-pub -J -t bad <in 2>err &&
	cat >want <<-\EOF &&
	kq-pub: stdin:3:3: envelope: unknown field "valeu"
	kq-pub: Produced 2 messages.
	EOF
	test_cmp want err &&
	kcat_read bad >got &&
	printf "1\n2\n" >want &&
	test_cmp want got
'

test_expect_success 'envelope errors name what is wrong' '
	for bad in "{\"key\":\"k\"}" "[1]" "{\"value\":\"v\",\"partition\":\"0\"}" \
		"{\"value\":\"v\",\"value\":\"w\"}" \
		"{\"value_b64\":\"not base64\"}"; do
		echo "$bad" >in &&
		expect_status 65 kq-pub -J -t bad in 2>err || exit 1
		grep -q "^kq-pub: in:1:1: envelope: " err || { cat err; exit 1; }
	done
'

test_expect_success 'malformed JSON: status 65 where the scanner stopped' '
	printf "{\"value\":\"1\"}\n{\"value\":\"2\",}\n" >in &&
	expect_status 65 kq-pub -J -t badjson in 2>err &&
	grep_err "^kq-pub: in:2:14: " err &&
	test "$(kcat_read badjson)" = 1 &&
	printf "{\"value\":\"1\"} {\"value\":" >in &&
	expect_status 65 kq-pub -J -t badjson in 2>err &&
	grep_err "^kq-pub: in:1:" err &&
	test "$(kcat_read badjson | wc -l)" -eq 2
'

test_expect_success '-p overrides the envelope partition, -k its key, -H adds' '
	echo "{\"value\":\"v\",\"key\":\"k\",\"partition\":5,\"headers\":[[\"a\",\"1\"]]}" |
		kq-pub -J -t over -p 0 -k K -H b=2 &&
	kcat_read over -J | jq -c "[.partition, .key, .payload, .headers]" >got &&
	echo "[0,\"K\",\"v\",[\"a\",\"1\",\"b\",\"2\"]]" >want &&
	test_cmp want got
'

test_expect_success '-J -T writes each delivered message as an envelope' '
	printf "{\"key\":\"a\",\"value\":\"1\"}\n{\"value\":null,\"headers\":[[\"h\",null]]}\n" |
		kq-pub -J -T -t tee >out &&
	jq -c "[.topic, .partition, .offset, .key, .value, .headers]" out >got &&
	cat >want <<-\EOF &&
	["tee",0,0,"a","1",[]]
	["tee",0,1,null,null,[["h",null]]]
	EOF
	test_cmp want got
'

test_expect_success 'what -J -T writes, kq-pub -J reads: a byte-exact copy' '
	cat >in <<-\EOF &&
	{"key":"k","value_b64":"YQD/","headers":[["x","y"],["n",null],["x",""]]}
	{"value":null,"key":"","headers":[["b",{"b64":"/w=="}]]}
	{"value":"","key_b64":"gA=="}
	EOF
	kq-pub -J -t src -T <in >out &&
	kq-pub -J -t dst <out &&
	kcat_read src -f "%K %k|%S %s|%h\n" >want &&
	kcat_read dst -f "%K %k|%S %s|%h\n" >got &&
	test_cmp want got &&
	test "$(wc -l <got)" -eq 3
'

if test -f "$(dirname "$0")/../../cmd/kq-sub.c"; then
test_expect_success 'kq-sub -J | kq-pub -J copies a topic byte for byte' '
	printf "k1:v1\nk2:\n:v3\n" | kcat_write subsrc -K : -p 0 -H a=1 &&
	printf "x\0\377\n" | kcat_write subsrc -p 1 &&
	printf "\n" | kcat_write subsrc -p 2 -Z &&
	kq-sub -J -t subsrc -o beginning -e | kq-pub -J -t subdst &&
	kcat_read subsrc -f "%p %o %T %K %k|%S %s|%h\n" | sort >want &&
	kcat_read subdst -f "%p %o %T %K %k|%S %s|%h\n" | sort >got &&
	test_cmp want got
'
else
	echo "# SKIP kq-sub -J | kq-pub -J: cmd/kq-sub.c is not there yet"
fi

test_done
