#!/bin/bash
# kq-sub --jq: a jq program on each value, in process, judged against jq.
. "$(dirname "$0")/lib.sh"

start_broker --topic events:1 --topic mixed:1

test_expect_success 'setup: the GitHub events, one a message' '
	jq -c ".[]" "$KQ_DATA/github_events.json" | kcat_write events &&
	test "$(kcat_read events | wc -l)" -eq 30
'

test_expect_success '--jq gives what jq gives on each value, compact' '
	kq-sub -q -t events -o beginning -e --jq ".actor.login" >got &&
	jq ".[].actor.login" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got &&
	kq-sub -q -t events -o beginning -e --jq "{type, id}" >got &&
	jq -c ".[] | {type, id}" "$KQ_DATA/github_events.json" >want &&
	test_cmp want got
'

test_expect_success '--jq with several or no results a value; -r prints strings raw' '
	kq-sub -q -t events -o beginning -e -r \
		--jq "select(.type == \"PushEvent\") | .payload.commits[]?.sha" >got &&
	jq -r ".[] | select(.type == \"PushEvent\") | .payload.commits[]?.sha" \
		"$KQ_DATA/github_events.json" >want &&
	test -s want && test_cmp want got
'

test_expect_success '-D ends each result' '
	kq-sub -q -t events -o beginning -e -c 2 --jq .id -D , >got &&
	printf "%s," $(jq -c ".[0:2][].id" "$KQ_DATA/github_events.json") >want &&
	test_cmp want got
'

test_expect_success 'a value that is not JSON: status 65, with where it was' '
	printf "{\"a\":1}\nnot json\n{\"a\":2}\n" | kcat_write mixed &&
	expect_status 65 kq-sub -t mixed -o beginning -e --jq .a >got 2>err &&
	echo 1 >want && test_cmp want got &&
	grep_err "^kq-sub: mixed \[0\] at offset 1: not JSON" err
'

test_expect_success 'a value with a NUL byte is not JSON either, wherever the NUL is' '
	printf "1\0002" | kcat_write nul -p 0 &&
	printf "\000" | kcat_write nul -p 0 &&
	expect_status 65 kq-sub -t nul -p 0 -o beginning -e --jq . >got 2>err &&
	test ! -s got &&
	grep_err "^kq-sub: nul \[0\] at offset 0: not JSON: a NUL byte at byte 2$" err &&
	kq-sub -t nul -p 0 -o beginning -e --jq . --keep-going >got 2>err &&
	test ! -s got &&
	grep_err "at offset 1: not JSON: a NUL byte at byte 1; skipped" err
'

test_expect_success '--keep-going reports it and goes on' '
	kq-sub -t mixed -o beginning -e --jq .a --keep-going >got 2>err &&
	printf "1\n2\n" >want && test_cmp want got &&
	grep_err "mixed \[0\] at offset 1: not JSON.*skipped" err
'

test_expect_success 'a jq error on a value is reported the same way' '
	expect_status 65 kq-sub -q -t events -o beginning -e --jq ".type | .x" 2>err &&
	grep_err "events \[0\] at offset 0: jq: Cannot index string" err
'

test_expect_success 'halt_error ends kq-sub as it ends jq: message, status, nothing committed for it' '
	filter="if .type == \"ForkEvent\" then \"stop here\n\" | halt_error(3) else .id end" &&
	jq -c "[.[] | .type] | index(\"ForkEvent\")" "$KQ_DATA/github_events.json" >n &&
	jq -c ".[:$(cat n)][] | .id" "$KQ_DATA/github_events.json" >want &&
	printf "stop here\n" >want.err &&
	expect_status 3 kq-sub -q -t events -g halting -o beginning -e --jq "$filter" >got 2>err &&
	test_cmp want got &&
	test_cmp want.err err &&
	kq-count -t events -g halting >lag &&
	test "$(cat lag)" -ge $((30 - $(cat n)))
'

test_expect_success 'a filter that does not compile is a usage error' '
	expect_status 64 kq-sub -t events --jq ".[" 2>err &&
	grep_err "^kq-sub: --jq: " err
'

test_expect_success 'output choices that do not go together are usage errors' '
	expect_status 64 kq-sub -t events -J --jq . 2>err &&
	expect_status 64 kq-sub -t events -f "%v" -K : 2>err &&
	expect_status 64 kq-sub -t events --json-values 2>err &&
	expect_status 64 kq-sub -t events -r 2>err &&
	grep_err "goes with --jq" err &&
	expect_status 64 kq-sub -t events -f "%q" 2>err &&
	grep_err "unknown directive %q at byte 1" err &&
	expect_status 64 kq-sub -t events -p 1 -g g 2>err &&
	expect_status 64 kq-sub 2>err &&
	grep_err "no topic" err
'

test_done
