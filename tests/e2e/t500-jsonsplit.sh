#!/bin/bash
# kq-jsonsplit: the same values as jq -c, value by value, on the samples;
# numbers pass through unchanged; -r and -0; filters that go to libjq.
. "$(dirname "$0")/lib.sh"

# Each side normalised by jq 1.6 itself: sorted keys, compact.
norm() {
	jq -S -c . "$@"
}

cat >"$TMP/raw.json" <<'EOF'
["a\nb", "caf\u00e9", "tab\there", 1, {"x": "y"}, ["z"], null, "\"q\""]
EOF
cat >"$TMP/texts.json" <<'EOF'
[1, 2]
[3]{"a": 4, "b": [5]}   ["six"]
EOF

test_expect_success 'github_events.json: the 30 values of jq -c .[]' '
	kq-jsonsplit <"$KQ_DATA/github_events.json" >got &&
	test $(wc -l <got) -eq 30 &&
	jq -c ".[]" "$KQ_DATA/github_events.json" | norm >want &&
	norm got >got.norm &&
	test_cmp want got.norm
'

test_expect_success 'each value is compact: one line, no space between tokens' '
	kq-jsonsplit <"$KQ_DATA/github_events.json" >got &&
	jq -c ".[]" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got
'

test_expect_success 'twitter.json with .statuses[]: the 100 statuses of jq' '
	kq-jsonsplit .statuses[] "$KQ_DATA/twitter.json" >got &&
	test $(wc -l <got) -eq 100 &&
	jq -c ".statuses[]" "$KQ_DATA/twitter.json" | norm >want &&
	norm got >got.norm &&
	test_cmp want got.norm
'

test_expect_success 'a path of keys and iterations: .statuses[].user' '
	kq-jsonsplit .statuses[].user "$KQ_DATA/twitter.json" | norm >got &&
	jq -c ".statuses[].user" "$KQ_DATA/twitter.json" | norm >want &&
	test_cmp want got
'

test_expect_success 'FILTER defaults to .[]; files are read in order' '
	kq-jsonsplit ".[]" "$KQ_DATA/github_events.json" raw.json >got &&
	{ kq-jsonsplit <"$KQ_DATA/github_events.json" &&
	  kq-jsonsplit <raw.json; } >want &&
	test_cmp want got &&
	test $(wc -l <got) -eq 38
'

test_expect_success '.[] on an object gives its values, as jq' '
	echo "{\"a\": 1, \"b\": {\"c\": [2]}}" | kq-jsonsplit >got &&
	printf "1\n{\"c\":[2]}\n" >want &&
	test_cmp want got
'

test_expect_success 'several top-level texts are each split, as jq does' '
	kq-jsonsplit <texts.json >got &&
	jq -c ".[]" texts.json >want &&
	test_cmp want got
'

test_expect_success 'an empty input prints nothing and exits 0' '
	kq-jsonsplit </dev/null >got &&
	test ! -s got &&
	printf "  \n\t\n" | kq-jsonsplit >got &&
	test ! -s got
'

test_expect_success 'big integers and exact decimals pass through unchanged' '
	echo "[123456789012345678901234567890, 1.000000000000000000001, 1E+2, -0, 0.1e-999]" |
		kq-jsonsplit >got &&
	printf "%s\n" 123456789012345678901234567890 1.000000000000000000001 \
		1E+2 -0 0.1e-999 >want &&
	test_cmp want got &&
	echo "[123456789012345678901234567890]" | jq -c ".[]" >jq.out &&
	! grep -q 123456789012345678901234567890 jq.out
'

test_expect_success 'twitter ids over 2^53 keep every digit' '
	kq-jsonsplit .statuses[].id "$KQ_DATA/twitter.json" >got &&
	grep -q "^505874924095815681$" got &&
	kq-jsonsplit -r .statuses[].id_str "$KQ_DATA/twitter.json" >ids &&
	test_cmp ids got
'

test_expect_success 'strings and escapes are passed through as they came' '
	printf "[\"caf\\\\u00e9\", \"\\\\ud83d\\\\ude00\", \"a  b\"]" >esc.json &&
	kq-jsonsplit .[] esc.json >got &&
	printf "\"caf\\\\u00e9\"\n\"\\\\ud83d\\\\ude00\"\n\"a  b\"\n" >want &&
	test_cmp want got &&
	norm got >got.norm &&
	jq -c ".[]" esc.json | norm >want.norm &&
	test_cmp want.norm got.norm
'

test_expect_success 'keys are matched unescaped: "\u0061" is .a' '
	printf "{\"\\\\u0061\": [1, 2], \"b\": [3]}" >key.json &&
	kq-jsonsplit .a[] key.json >got &&
	jq -c ".a[]" key.json >want &&
	test_cmp want got &&
	printf "1\n2\n" >want &&
	test_cmp want got
'

test_expect_success 'a missing key gives null, as jq' '
	echo "{\"b\": 1} {\"a\": {}}" | kq-jsonsplit .a.b >got &&
	printf "null\nnull\n" >want &&
	test_cmp want got
'

test_expect_success 'duplicate keys: every occurrence is selected (man page)' '
	echo "{\"a\": [1], \"a\": [2]}" | kq-jsonsplit .a[] >got &&
	printf "1\n2\n" >want &&
	test_cmp want got
'

test_expect_success '-r prints strings raw, other values as JSON, as jq -r -c' '
	kq-jsonsplit -r <raw.json >got &&
	jq -r -c ".[]" raw.json >want &&
	test_cmp want got
'

test_expect_success '-r on the tweets: the same text as jq -r' '
	kq-jsonsplit -r .statuses[].text "$KQ_DATA/twitter.json" >got &&
	jq -r ".statuses[].text" "$KQ_DATA/twitter.json" >want &&
	test_cmp want got
'

test_expect_success '-0 ends each value with NUL' '
	kq-jsonsplit -0 <"$KQ_DATA/github_events.json" >got &&
	test $(tr -cd "\000" <got | wc -c) -eq 30 &&
	tr "\000" "\n" <got >got.nl &&
	jq -c ".[]" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got.nl
'

test_expect_success '-0 -r: raw strings, NUL-terminated; a NUL inside is refused' '
	kq-jsonsplit -0 -r .statuses[].text "$KQ_DATA/twitter.json" >got &&
	test $(tr -cd "\000" <got | wc -c) -eq 100 &&
	printf "[\"a\", \"b\\\\u0000c\"]" >nul.json &&
	expect_status 65 kq-jsonsplit -0r .[] nul.json >got 2>err &&
	printf "a\000" >want &&
	test_cmp want got &&
	grep_err "^kq-jsonsplit: nul.json:1:7: cannot print a string holding NUL" err
'

test_expect_success 'libjq: .[] | {id, type} as jq -c' '
	kq-jsonsplit ".[] | {id, type}" "$KQ_DATA/github_events.json" >got &&
	jq -c ".[] | {id, type}" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got &&
	test $(wc -l <got) -eq 30
'

test_expect_success 'libjq: -r, and one result per top-level text' '
	kq-jsonsplit -r ".statuses[] | .user.screen_name" \
		"$KQ_DATA/twitter.json" >got &&
	jq -r ".statuses[] | .user.screen_name" "$KQ_DATA/twitter.json" >want &&
	test_cmp want got &&
	kq-jsonsplit "length" <texts.json >got &&
	printf "2\n1\n2\n1\n" >want &&
	test_cmp want got
'

test_expect_success 'libjq: an error of the filter exits 65 after the values before it' '
	echo "[1, 2, 3, 4]" >n.json &&
	expect_status 65 kq-jsonsplit \
		".[] | if . == 3 then error(\"boom\") else . end" n.json \
		>got 2>err &&
	printf "1\n2\n" >want &&
	test_cmp want got &&
	grep_err "^kq-jsonsplit: n.json:1:1: jq: boom$" err &&
	expect_status 65 kq-jsonsplit ".[] | .a" n.json >got 2>err &&
	grep_err "^kq-jsonsplit: n.json:1:1: jq: Cannot index number with" err
'

test_expect_success 'libjq: the input is checked by the same scanner first' '
	printf "[1, 2,]" >bad.json &&
	expect_status 65 kq-jsonsplit ".[] | . + 1" bad.json >got 2>err &&
	grep_err "^kq-jsonsplit: bad.json:1:7: expected a value after" err &&
	test ! -s got
'

test_expect_success 'a filter jq cannot compile exits 64' '
	expect_status 64 kq-jsonsplit ".[] |||" </dev/null 2>err &&
	grep_err "syntax error" err
'

test_expect_success 'a first operand that is a file and no filter is the input (filter .[])' '
	kq-jsonsplit "$KQ_DATA/github_events.json" </dev/null >got 2>err &&
	test ! -s err &&
	jq -c ".[]" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got
'

test_expect_success 'a file whose name is also a filter is read, never taken as jq' '
	for name in input.json empty.json type.json length.json; do
		echo "[1,{\"a\":2}]" >$name &&
		kq-jsonsplit $name </dev/null >got &&
		jq -c ".[]" $name >want &&
		test_cmp want got || exit 1
	done
'

test_expect_success 'such a filter is still had in parentheses; "-" is stdin' '
	echo "[1,2,3]" >length &&
	echo "[1,2]" | kq-jsonsplit "(length)" >got &&
	echo 2 >want && test_cmp want got &&
	echo "[7]" | kq-jsonsplit - >got &&
	echo 7 >want && test_cmp want got
'

test_expect_success '-c is accepted as jq takes it, and changes nothing' '
	kq-jsonsplit -c ".[]" "$KQ_DATA/github_events.json" >got &&
	jq -c ".[]" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got &&
	echo "[{\"a\": [1, 2]}]" | kq-jsonsplit --compact-output >got &&
	echo "{\"a\":[1,2]}" >want && test_cmp want got
'

test_done
