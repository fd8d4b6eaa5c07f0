#!/bin/bash
# Every option of every program is in its --help, its man page and each
# completion file; the completions are made from the current option
# tables; each completion file loads in its shell and completes; the man
# pages are lint-clean.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROGS=$(cd "$KQ_BIN" && ls kq-*)

# A second broker, with a topic of its own, for "-b on the line wins".
start_broker --topic gamma:1
SECOND=$KQ_BROKERS
start_broker --topic alpha:1 --topic beta:1

test_expect_success 'every option is in --help, the man page and the completions' '
	for p in $PROGS; do
		"$p" --help >help &&
		"$p" --help=options | grep -v "^@" | cut -f1,2 >names &&
		test -s names &&
		while IFS="	" read -r name letter; do
			grep -q -- "--$name\\b" help ||
				{ echo "$p --$name: not in --help"; exit 1; }
			grep -Eq "^\\.It .*Fl -$name\\b" "$ROOT/cmd/$p.1" ||
				{ echo "$p --$name: no .It for it in cmd/$p.1"; exit 1; }
			if [ -n "$letter" ]; then
				grep -Eq "^\\.It Fl $letter\\b" "$ROOT/cmd/$p.1" ||
					{ echo "$p -$letter: no .It for it in cmd/$p.1"; exit 1; }
			fi
			for f in kq.bash _kq kq.fish; do
				grep -q -- "$name" "$ROOT/completions/$f" ||
					{ echo "$p --$name: not in completions/$f"; exit 1; }
			done
		done <names
	done
'

test_expect_success 'the completions are made from the current option tables' '
	mkdir fresh &&
	sh "$ROOT/scripts/completions.sh" "$KQ_BIN" fresh &&
	for f in kq.bash _kq kq.fish; do
		test_cmp "$ROOT/completions/$f" "fresh/$f" ||
			{ echo "completions/$f is stale: run make completions"; exit 1; }
	done
'

test_expect_success '--help lists the exit statuses the program has, as its man page' '
	for p in kq-jsonsplit kq-broker; do
		$p --help >help &&
		! grep -q "librdkafka" help &&
		! grep -q "69 broker or topic unavailable" help || exit 1
	done &&
	kq-broker --help | grep -q "73 cannot make the data directory" &&
	for p in $PROGS; do
		$p --help | sed -n "/^Exit status/,\\\$p" |
			awk -v p=$p "length > 80 { print p \": \" \$0; bad = 1 }
			END { exit bad }" || exit 1
	done &&
	for p in kq-pub kq-sub kq-topic kq-group kq-count kq-jsonsplit kq-broker; do
		$p --help | grep -q "130 SIGINT, 143 SIGTERM" &&
		for n in $($p --help | sed -n "/^Exit status/,/^See/p" |
			grep -oE "(^| )[0-9]+ " | tr -d " "); do
			grep -q "^\.It.*\<$n\>" "$ROOT/cmd/$p.1" ||
				{ echo "$p: status $n not in its man page"; exit 1; }
		done || exit 1
	done
'

test_expect_success 'kq-sub --help names every -f directive that format.c knows' '
	for d in $(sed -n "/directives\[\] = {/,/^};/p" "$ROOT/common/format.c" |
		grep -o "{.\(.\)." | cut -c3); do
		kq-sub --help | grep -q -- "%$d" ||
			{ echo "%$d is not in kq-sub --help"; exit 1; }
	done
'

test_expect_success '--help and --version on a full disk: status 74, said' '
	for p in kq-pub kq-jsonsplit kq-broker; do
		expect_status 74 $p --help >/dev/full 2>err &&
		grep_err "^$p: stdout: No space left on device" err &&
		expect_status 74 $p --version >/dev/full 2>err || exit 1
	done
'

test_expect_success 'every man page is lint-clean (mandoc -W warning), and groff is silent' '
	for page in "$ROOT"/cmd/*.1 "$ROOT"/doc/*.7; do
		mandoc -T lint -W warning "$page" &&
		groff -mdoc -ww -z -Tutf8 "$page" 2>groff.err &&
		test ! -s groff.err || { echo "$page:"; cat groff.err; exit 1; }
	done &&
	# Quotes that open and close as they should in the rendering.
	groff -mdoc -Tutf8 "$ROOT/cmd/kq-sub.1" 2>/dev/null | sed "s/.\x08//g" |
		grep -q "(‘500ms’, ‘3s’, ‘2m’; a" &&
	groff -mdoc -Tutf8 "$ROOT/cmd/kq-pub.1" 2>/dev/null | sed "s/.\x08//g" |
		grep -q "{\"b64\": \"...\"}" &&
	for p in $PROGS; do test -f "$ROOT/cmd/$p.1" || { echo "no page for $p"; exit 1; }; done
'

test_expect_success 'bash completes options, enumerated values and files' '
	cat >try.bash <<-\EOS &&
	source "$1/completions/kq.bash"
	complete_line() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _kq; echo "${COMPREPLY[*]}"; }
	complete_line kq-sub --from-b
	complete_line kq-pub --acks ""
	complete_line kq-jsonsplit "$1/tests/data/git"
	EOS
	bash try.bash "$ROOT" >out &&
	sed -n 1p out | grep -qx -- "--from-beginning" &&
	sed -n 2p out | grep -qx "0 1 all" &&
	sed -n 3p out | grep -q "github_events.json"
'

test_expect_success 'bash completes topic names live from the broker' '
	cat >try.bash <<-\EOS &&
	source "$1/completions/kq.bash"
	COMP_WORDS=(kq-sub -t ""); COMP_CWORD=2; _kq; echo "${COMPREPLY[*]}"
	EOS
	bash try.bash "$ROOT" >out &&
	grep -qw alpha out && grep -qw beta out
'

test_expect_success 'bash: a command, then topics, for kq-topic; --topic=; -b on the line' '
	cat >try.bash <<-\EOS &&
	source "$1/completions/kq.bash"
	complete_line() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; _kq; echo "${COMPREPLY[*]}"; }
	complete_line kq-topic ""
	complete_line kq-topic describe ""
	complete_line kq-topic -a delete alp
	complete_line kq-sub --topic = ""
	complete_line kq-sub --topic = be
	complete_line kq-sub -b "$2" -t ""
	complete_line kq-topic --bootstrap-server "$2" describe ""
	EOS
	bash try.bash "$ROOT" "$SECOND" >out &&
	sed -n 1p out | grep -qx "list describe create delete partitions configs alter brokers" &&
	sed -n 2p out | grep -qx "alpha beta" &&
	sed -n 3p out | grep -qx "alpha" &&
	sed -n 4p out | grep -qx "alpha beta" &&
	sed -n 5p out | grep -qx "beta" &&
	sed -n 6p out | grep -qx "gamma" &&
	sed -n 7p out | grep -qx "gamma"
'

# The mock cluster lists no groups (no ListGroups): kq-broker and Kafka do.
if [ "${KQ_TEST_BROKER:-}" != mock ]; then
test_expect_success 'groups complete live, in bash, zsh and fish, from the broker -b names' '
	echo one | kcat_write beta &&
	kq-sub -q -g grp-one -t beta -e >/dev/null &&
	echo two | kcat_write gamma -b "$SECOND" &&
	kq-sub -q -b "$SECOND" -g grp-two -t gamma -e >/dev/null &&
	cat >try.bash <<-\EOS &&
	source "$1/completions/kq.bash"
	complete_line() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; _kq; echo "${COMPREPLY[*]}"; }
	complete_line kq-group describe ""
	complete_line kq-count -g grp
	complete_line kq-sub -b "$2" -g ""
	EOS
	bash try.bash "$ROOT" "$SECOND" >out &&
	sed -n 1p out | grep -qx "grp-one" &&
	sed -n 2p out | grep -qx "grp-one" &&
	sed -n 3p out | grep -qx "grp-two" &&
	zsh -f "$ROOT/tests/e2e/zsh-complete.zsh" "$ROOT/completions" "kq-group delete " >out &&
	grep -qx grp-one out && ! grep -qx grp-two out &&
	fish -c "source $ROOT/completions/kq.fish; complete -C \"kq-sub -b $SECOND -g \"" >out &&
	grep -q "^grp-two" out && ! grep -q "^grp-one" out
'
fi

test_expect_success 'bash prints nothing when no broker answers' '
	cat >try.bash <<-\EOS &&
	source "$1/completions/kq.bash"
	COMP_WORDS=(kq-sub -t ""); COMP_CWORD=2; _kq; echo "[${COMPREPLY[*]}]"
	EOS
	KQ_BROKERS=127.0.0.1:9 bash try.bash "$ROOT" >out 2>err &&
	test "$(cat out)" = "[]" && test ! -s err
'

test_expect_success 'zsh completes options from _kq' '
	zsh -f "$ROOT/tests/e2e/zsh-complete.zsh" "$ROOT/completions" "kq-sub --from-b" >out &&
	grep -qx -- "--from-beginning" out
'

test_expect_success 'zsh: topics after kq-topic describe, from the broker -b names' '
	zsh -f "$ROOT/tests/e2e/zsh-complete.zsh" "$ROOT/completions" "kq-topic describe " >out &&
	grep -qx alpha out && grep -qx beta out &&
	zsh -f "$ROOT/tests/e2e/zsh-complete.zsh" "$ROOT/completions" "kq-sub -b $SECOND -t " >out &&
	grep -qx gamma out && ! grep -qx alpha out
'

test_expect_success 'fish: a command, then topics, for kq-topic; -b on the line' '
	fish -c "source $ROOT/completions/kq.fish; complete -C \"kq-topic \"" >out &&
	grep -q "^describe" out && ! grep -q "^alpha" out &&
	fish -c "source $ROOT/completions/kq.fish; complete -C \"kq-topic delete \"" >out &&
	grep -q "^alpha" out && grep -q "^beta" out && ! grep -q "^describe" out &&
	fish -c "source $ROOT/completions/kq.fish; complete -C \"kq-sub -b $SECOND -t \"" >out &&
	grep -q "^gamma" out && ! grep -q "^alpha" out
'

test_expect_success 'fish completes options and enumerated values' '
	fish -c "source $ROOT/completions/kq.fish; complete -C \"kq-sub --from-b\"; complete -C \"kq-pub --acks \"" >out &&
	grep -q "^--from-beginning" out &&
	grep -q "^all" out
'

test_done
