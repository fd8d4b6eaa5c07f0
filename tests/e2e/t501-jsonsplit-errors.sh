#!/bin/bash
# kq-jsonsplit refuses invalid JSON (RFC 8259, strictly) with status 65 and
# FILE:LINE:COLUMN of the first wrong byte, after printing every value that
# was complete before it; files, output and nesting faults have their own
# statuses.
. "$(dirname "$0")/lib.sh"

# refuse 'INPUT' 'LINE:COL: message': kq-jsonsplit . exits 65 on INPUT
# (a printf format) and says that about in.json.
refuse() {
	printf "$1" >in.json
	expect_status 65 kq-jsonsplit . in.json >out 2>err
	grep_err "^kq-jsonsplit: in.json:$2" err
	test $(wc -l <err) -eq 1
}

test_expect_success 'trailing commas' '
	refuse "[1, 2,]" "1:7: expected a value after .,., not .]." &&
	refuse "{\"a\": 1,\n}" "2:1: expected a string key after .,., not .}."
'

test_expect_success 'numbers: leading zeros, bare signs and points, NaN' '
	refuse "[01]" "1:3: expected .\\.., .e. or the end of the number" &&
	refuse "[-]" "1:3: expected a digit after .-." &&
	refuse "[+1]" "1:2: expected a value" &&
	refuse "[.5]" "1:2: expected a value" &&
	refuse "[1.]" "1:4: expected a digit after .\\.." &&
	refuse "[1e+]" "1:5: expected a digit in the exponent" &&
	refuse "[NaN]" "1:2: expected a value, not NaN or Infinity, which are not JSON numbers$" &&
	refuse "[Infinity]" "1:2: expected a value" &&
	refuse "[0x10]" "1:3: expected .,. or .]. after an array element"
'

test_expect_success 'bare words, single quotes, bad literals' '
	refuse "{a: 1}" "1:2: expected a string key or .}." &&
	refuse "[\x27a\x27]" "1:2: expected a value, not a single quote: JSON strings take double quotes$" &&
	refuse "[True]" "1:2: expected a value" &&
	refuse "[nul]" "1:5: expected .null." &&
	refuse "1true" "1:2: expected whitespace after a top-level number"
'

test_expect_success 'missing separators and unbalanced brackets' '
	refuse "[1 2]" "1:4: expected .,. or .]. after an array element" &&
	refuse "{\"a\" 1}" "1:6: expected .:. after an object key" &&
	refuse "[1}" "1:3: expected .,. or .]. after an array element" &&
	refuse "{\"a\": 1]" "1:8: expected .,. or .}. after an object member" &&
	refuse "[1]]" "1:4: expected a value" &&
	refuse "[[1]\n" "2:1: expected .,. or .]. after an array element, not the end of the input" &&
	refuse "{\"a\":\n" "2:1: expected a value, not the end of the input"
'

test_expect_success 'strings: escapes, control characters, unpaired surrogates' '
	refuse "[\"\\\\x\"]" "1:4: expected one of" &&
	refuse "[\"\\\\u12G4\"]" "1:7: expected 4 hex digits after .u" &&
	refuse "[\"a\tb\"]" "1:4: expected a control character in a string to be escaped" &&
	refuse "[\"a\nb\"]" "1:4: expected a control character" &&
	refuse "[\"\\\\ud800\"]" "1:9: expected a low surrogate" &&
	refuse "[\"\\\\udc00\"]" "1:3: expected a high surrogate" &&
	refuse "[\"abc" "1:6: expected .\". to end the string, not the end of the input"
'

test_expect_success 'invalid UTF-8: stray, overlong, surrogate, too large, cut' '
	refuse "[\"\xff\"]" "1:3: expected valid UTF-8 in a string" &&
	refuse "[\"\x80\"]" "1:3: expected valid UTF-8" &&
	refuse "[\"\xc0\xaf\"]" "1:3: expected valid UTF-8" &&
	refuse "[\"\xe0\x80\xaf\"]" "1:4: expected valid UTF-8" &&
	refuse "[\"\xed\xa0\x80\"]" "1:4: expected valid UTF-8" &&
	refuse "[\"\xf4\x90\x80\x80\"]" "1:4: expected valid UTF-8" &&
	refuse "[\"\xe6\x97\"]" "1:5: expected valid UTF-8" &&
	refuse "\xef\xbb\xbf[]" "1:1: expected a value, not a UTF-8 byte order mark (BOM), which JSON does not allow$"
'

test_expect_success 'the position counts lines, and bytes in the line' '
	refuse "[\n  1,\n  \"\xc3\xa9\xc3\xa9\",\n  x\n]" "4:3: expected a value"
'

test_expect_success 'every value complete before the fault is printed' '
	printf "[{\"a\": 1},\n {\"b\": [2]},\n {\"c\": 3" >cut.json &&
	expect_status 65 kq-jsonsplit .[] cut.json >got 2>err &&
	printf "{\"a\":1}\n{\"b\":[2]}\n" >want &&
	test_cmp want got &&
	grep_err "^kq-jsonsplit: cut.json:3:9: expected .,. or .}. after an object member, not the end of the input$" err
'

test_expect_success 'a value cut by an error is never printed' '
	printf "[[1, 2], [3, 4 5], [6]]" | expect_status 65 kq-jsonsplit >got 2>err &&
	printf "[1,2]\n" >want &&
	test_cmp want got &&
	grep_err "^kq-jsonsplit: stdin:1:16: expected" err
'

test_expect_success 'the path does not apply: 65 at the value it met' '
	echo 5 | expect_status 65 kq-jsonsplit >got 2>err &&
	grep_err "^kq-jsonsplit: stdin:1:1: cannot iterate over number$" err &&
	printf "{\"a\": {}}" | expect_status 65 kq-jsonsplit .a.b[] 2>err &&
	grep_err "^kq-jsonsplit: stdin:1:7: cannot iterate over null$" err &&
	printf "[[1], 2]" | expect_status 65 kq-jsonsplit .[][] >got 2>err &&
	grep_err "^kq-jsonsplit: stdin:1:7: cannot iterate over number$" err &&
	echo 1 >want &&
	test_cmp want got &&
	printf "\n  [1]" | expect_status 65 kq-jsonsplit .a 2>err &&
	grep_err "^kq-jsonsplit: stdin:2:3: cannot index array with string \"a\"$" err
'

test_expect_success 'jq agrees that each refused path is an error' '
	echo 5 | expect_status 5 jq -c ".[]" 2>/dev/null &&
	printf "{\"a\": {}}" | expect_status 5 jq -c ".a.b[]" 2>/dev/null &&
	printf "[1]" | expect_status 5 jq -c ".a" 2>/dev/null
'

test_expect_success '100,000 open brackets: an error, not a crash' '
	head -c 100000 /dev/zero | tr "\000" "[" >deep.json &&
	expect_status 65 kq-jsonsplit .[] deep.json >got 2>err &&
	grep_err "^kq-jsonsplit: deep.json:1:10001: expected at most 10000 levels of nesting$" err &&
	test ! -s got
'

test_expect_success '10,000 levels are fine, and come out as they went in' '
	{ head -c 10000 /dev/zero | tr "\000" "["; head -c 10000 /dev/zero | tr "\000" "]"; } >deep.json &&
	kq-jsonsplit . deep.json >got &&
	{ cat deep.json; echo; } >want &&
	test_cmp want got
'

test_expect_success 'a missing file: 66, named; the other files are read' '
	expect_status 66 kq-jsonsplit .[] missing.json \
		"$KQ_DATA/github_events.json" >got 2>err &&
	grep_err "^kq-jsonsplit: missing.json: No such file or directory$" err &&
	test $(wc -l <got) -eq 30
'

test_expect_success 'the fault names the file it is in' '
	printf "[1" >short.json &&
	expect_status 65 kq-jsonsplit .[] "$KQ_DATA/github_events.json" \
		short.json >got 2>err &&
	grep_err "^kq-jsonsplit: short.json:1:3: " err &&
	test $(wc -l <got) -eq 31 &&
	test "$(tail -n 1 got)" = 1
'

test_expect_success 'a full output device: 74 with a message' '
	expect_status 74 kq-jsonsplit <"$KQ_DATA/github_events.json" \
		>/dev/full 2>err &&
	grep_err "^kq-jsonsplit: stdout: No space left on device$" err
'

test_done
