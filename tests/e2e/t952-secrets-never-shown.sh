#!/bin/sh
# A property's value may be a password: every program names the property
# in an error about it (and the config file's name and line), never its
# value, whether the property came from -X or from a -F file.
. "$(dirname "$0")/lib.sh"

# run PROGRAM ARGS...: 64 expected, stderr in err, nothing on stdout.
run() {
	expect_status 64 "$@" </dev/null >out 2>err &&
	test ! -s out
}

# no_secret: err does not show the value.
no_secret() {
	! grep -q SECRET err || { echo "the value shown:" >&2; cat err >&2; return 1; }
}

test_expect_success 'a misspelled property from -X: its name, not its value, in every program' '
	for p in "kq-pub -t x" "kq-sub -t x -e" "kq-topic list" "kq-count -t x"; do
		prog=${p%% *} &&
		run $p -b 127.0.0.1:1 -X sasl.pasword=SECRET &&
		grep_err "^$prog: -X sasl.pasword: No such configuration property; did you mean sasl.password?$" err &&
		no_secret || { echo "$p" >&2; exit 1; }
	done
'

test_expect_success 'the same from a config file: the file and line instead' '
	printf "# kq\nlinger.ms=5\nsasl.pasword=SECRET\n" >kq.conf &&
	for p in "kq-pub -t x" "kq-sub -t x -e" "kq-topic list" "kq-count -t x"; do
		prog=${p%% *} &&
		run $p -b 127.0.0.1:1 -F kq.conf &&
		grep_err "^$prog: kq.conf:3: sasl.pasword: No such configuration property; did you mean sasl.password?$" err &&
		no_secret || { echo "$p" >&2; exit 1; }
	done &&
	KQ_CONFIG=$PWD/kq.conf run kq-pub -t x -b 127.0.0.1:1 &&
	grep_err "^kq-pub: $PWD/kq.conf:3: sasl.pasword: No such" err && no_secret
'

test_expect_success 'a value librdkafka refuses is not quoted back' '
	run kq-pub -t x -b 127.0.0.1:1 -X security.protocol=SECRET &&
	grep_err "^kq-pub: -X security.protocol: Invalid value for configuration property" err &&
	no_secret &&
	run kq-sub -t x -e -b 127.0.0.1:1 -X debug=SECRET &&
	grep_err "^kq-sub: -X debug: " err &&
	no_secret &&
	printf "linger.ms=9999999999\n" >range.conf &&
	run kq-pub -t x -b 127.0.0.1:1 -F range.conf &&
	grep_err "^kq-pub: range.conf:1: linger.ms: .* outside allowed range" err &&
	! grep -q "9999999999\|e+" err
'

test_expect_success 'nor when librdkafka checks it as the client starts' '
	run kq-pub -t x -b 127.0.0.1:1 -X security.protocol=sasl_plaintext \
		-X sasl.mechanisms=SECRET &&
	grep_err "^kq-pub: Unsupported SASL mechanism: (the value of sasl.mechanisms)$" err &&
	no_secret
'

test_expect_success 'no property name before =: the value is not echoed' '
	run kq-pub -t x -X =SECRET &&
	grep_err "^kq-pub: -X: no property name before .=.$" err &&
	no_secret
'

test_done
