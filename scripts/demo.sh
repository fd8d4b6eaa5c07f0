#!/bin/sh
# The demo of README.md: kq's flow on kq-broker, each command
# shown before it runs. Usage: scripts/demo.sh [BINDIR]
set -eu
cd "$(dirname "$0")/.."
bin=$(cd "${1:-bin}" && pwd)
PATH=$bin:$PATH
export PATH
# A broker of its own: a free port and a scratch data directory, so that
# the demo never meets a kq-broker or a Kafka already on localhost:9092.
data=$(mktemp -d "${TMPDIR:-/tmp}/kq-demo.XXXXXX")
pidfile=$data.pid

run() {
	printf '\n$ %s\n' "$1"
	sh -c "$1"
}

printf '$ eval "$(kq-broker --daemon -l 127.0.0.1:0 -d %s)"\n' "$data"
eval "$(kq-broker --daemon -l 127.0.0.1:0 -d "$data" --pidfile "$pidfile")"
trap 'kq-broker --stop --pidfile "$pidfile"; rm -rf "$data"' EXIT
echo "KQ_BROKERS=$KQ_BROKERS"

run 'kq-topic create foo --partitions 1 --if-not-exists'
run 'seq 42 | kq-pub -t foo'
run 'kq-sub -t foo --from-beginning -c 42 | paste -s -d " " -'
run 'kq-jsonsplit < tests/data/github_events.json | kq-pub -t events'
run 'kq-sub -t events -o beginning -e | kq-count'
run "kq-sub -t events -o beginning -e --jq .type | sort | uniq -c | sort -rn"
run 'kq-count -t events -v'
