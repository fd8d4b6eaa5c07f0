#!/bin/bash
# kq-sub: --help, and a man page that describes every option.
. "$(dirname "$0")/lib.sh"

test_expect_success '--help shows the options from the table' '
	kq-sub --help >out &&
	grep -q "^usage: kq-sub -t TOPIC" out &&
	grep -q -- "--idle-timeout=DURATION" out &&
	grep -q -- "--bootstrap-server" out
'

test_expect_success 'every option is in the man page, and the page is clean' '
	page="$KQ_DATA/../../cmd/kq-sub.1" &&
	kq-sub --help=options | cut -f1 | grep -v "^@" >names &&
	test $(wc -l <names) -ge 25 &&
	while read -r name; do
		grep -Eq "^\.It .*Fl -$name( |$)" "$page" ||
			{ echo "--$name not in the man page"; exit 1; }
	done <names &&
	if command -v mandoc >/dev/null; then
		mandoc -T lint -W warning "$page"
	fi
'

test_done
