#!/bin/sh
# Install the Debian packages kq needs: `sh scripts/deps.sh` for building and
# running, `sh scripts/deps.sh test` for the test suite and benchmarks too.
# Uses sudo when not run as root.
set -eu

build="make gcc libc6-dev pkg-config librdkafka-dev libjq-dev"
# kcat and jq are the independent peers of the tests; the shells load the
# completions; mandoc and groff lint the man pages; docker-compose checks the compose
# file; clang runs the fuzzers; clang-format checks the layout (make
# style-check); bc and time serve the benchmarks.
test="libcmocka-dev kcat jq mandoc groff-base bash-completion zsh fish docker-compose
      clang libclang-rt-14-dev clang-format bc time procps python3 python3-kafka"

pkgs=$build
[ "${1:-}" = test ] && pkgs="$build $test"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
