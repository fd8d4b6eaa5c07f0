#!/bin/sh
# Install the Debian packages kq needs: `sh scripts/deps.sh` for building and
# running, `sh scripts/deps.sh test` for the test suite and benchmarks too,
# and Apache Kafka's jars from Maven Central into a cache outside the tree
# (tests/kafka/kafka.sh fetch). Uses sudo when not run as root; a second run
# changes nothing.
set -eu

# kq-broker recompresses record batches: zlib, lz4, zstd and snappy.
build="make gcc libc6-dev pkg-config librdkafka-dev libjq-dev
       zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev"
# kcat and jq are the independent peers of the tests; the shells load the
# completions; mandoc and groff lint the man pages; docker-compose checks
# the compose file; clang runs the fuzzers; clang-format checks the
# layout (make style-check); bc and time serve the benchmarks; maven
# fetches Apache Kafka, the reference broker, which a Java 17 runs.
test="libcmocka-dev kcat jq mandoc groff-base bash-completion zsh fish docker-compose
      clang libclang-rt-14-dev clang-format bc time procps python3 python3-kafka maven"

# java_17: a Java of 17 or later is on PATH (whichever package brought it).
java_17() {
	v=$(java -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
	[ -n "$v" ] && [ "$v" -ge 17 ]
}

pkgs=$build
if [ "${1:-}" = test ]; then
	pkgs="$build $test"
	java_17 || pkgs="$pkgs default-jre-headless"
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "${1:-}" = test ]; then
	sh "$(dirname "$0")/../tests/kafka/kafka.sh" fetch
fi
