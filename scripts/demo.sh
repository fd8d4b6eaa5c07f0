#!/bin/sh
# The demo of README.md: kq's flow on the embedded broker, each command
# shown before it runs. Usage: scripts/demo.sh [BINDIR]
set -eu
cd "$(dirname "$0")/.."
bin=$(cd "${1:-bin}" && pwd)
PATH=$bin:$PATH
export PATH
pidfile=$(mktemp -u "${TMPDIR:-/tmp}/kq-demo.XXXXXX")

run() {
	printf '\n$ %s\n' "$1"
	sh -c "$1"
}

printf '$ eval "$(kq-broker --daemon --topic foo:1 --topic events:1)"\n'
eval "$(kq-broker --daemon --pidfile "$pidfile" --topic foo:1 --topic events:1)"
trap 'kq-broker --stop --pidfile "$pidfile"' EXIT
echo "KQ_BROKERS=$KQ_BROKERS"

run 'kq-topic create foo --partitions 1 --if-not-exists'
run 'seq 42 | kq-pub -t foo'
run 'kq-sub -t foo --from-beginning -c 42 | paste -s -d " " -'
run 'kq-jsonsplit < tests/data/github_events.json | kq-pub -t events'
run 'kq-sub -t events -o beginning -e | kq-count'
run "kq-sub -t events -o beginning -e --jq .type | sort | uniq -c | sort -rn"
run 'kq-count -t events -v'
