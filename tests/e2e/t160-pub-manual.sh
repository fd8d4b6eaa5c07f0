#!/bin/bash
# kq-pub: every option of its table is in its man page (and in the shell
# completions), and the page is clean for mandoc.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
export top

test_expect_success 'every option kq-pub takes is described in kq-pub.1' '
	kq-pub --help=options >table &&
	test "$(wc -l <table)" -gt 20 &&
	awk -F "\t" "\$1 != \"@operands\" { print \"--\" \$1; if (\$2 != \"\") print \"-\" \$2 }" \
		table >wanted &&
	missing="" &&
	while read -r opt; do
		case $opt in
		--*) pat="^\.It .*Fl -${opt#--}\b" ;;
		*) pat="^\.It Fl ${opt#-}\b" ;;
		esac
		grep -q -- "$pat" "$top/cmd/kq-pub.1" || missing="$missing $opt"
	done <wanted &&
	test -z "$missing" || { echo "not in kq-pub.1:$missing"; false; }
'

test_expect_success 'kq-pub.1 is clean for mandoc -T lint' '
	mandoc -T lint "$top/cmd/kq-pub.1" >lint 2>&1 || true &&
	! grep -v -e "referenced manual not found" -e "mandoc.db" lint
'

if grep -q "kq-pub" "$top/completions/kq.bash" 2>/dev/null; then
test_expect_success 'the completions offer every option of kq-pub' '
	kq-pub --help=options | cut -f1 | grep -v "^@" >names &&
	sed -n "/^	kq-pub)/,/;;/p" "$top/completions/kq.bash" >section &&
	while read -r name; do
		grep -q -- "--$name\b" section || { echo "--$name"; exit 1; }
	done <names
'
else
	echo "# SKIP completions: run make completions to add kq-pub"
fi

test_done
