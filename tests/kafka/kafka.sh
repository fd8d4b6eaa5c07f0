#!/bin/sh
# Apache Kafka for the tests, from its published jars (no Docker): a KRaft
# node or a cluster of three on free loopback ports, its data in a scratch
# folder.
#
#   kafka.sh fetch              the jars into $KQ_KAFKA_HOME (a no-op when
#                               they are there); Maven Central only
#   kafka.sh start DIR [1|3] [NAME=VALUE]...
#                               format and start the nodes (broker and
#                               controller in one process each), data and
#                               logs in DIR, NAME=VALUE added to their
#                               server.properties; returns once every node
#                               answers and prints KQ_BROKERS=host:port,...
#   kafka.sh stop DIR           stop them all (SIGTERM, then SIGKILL)
#   kafka.sh kill DIR N         kill -9 node N (1..3)
#   kafka.sh restart DIR N      start node N again, once it answers
#   kafka.sh pids DIR           the nodes' process ids
#   kafka.sh present            status 0 when the jars are fetched
#   kafka.sh NAME [ARGS...]     a tool: kafka-topics, kafka-console-producer,
#                               kafka-console-consumer, kafka-consumer-groups,
#                               kafka-broker-api-versions, kafka-configs
#
# KQ_KAFKA_HOME: the jars (default ${XDG_CACHE_HOME:-~/.cache}/kq/kafka-V,
# V the version in pom.xml; the libs/ of a Kafka 4 distribution will do).
# KQ_KAFKA_HEAP: a node's heap (default 384m). KQ_KAFKA_GC: its collector
# (default -XX:+UseSerialGC, small and quick to start; Kafka's own scripts
# use G1).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' \
	"$here/pom.xml")
: "${KQ_KAFKA_HOME:=${XDG_CACHE_HOME:-$HOME/.cache}/kq/kafka-$version}"
: "${KQ_KAFKA_HEAP:=384m}"
: "${KQ_KAFKA_GC:=-XX:+UseSerialGC}"

die() {
	trap - EXIT
	echo "kafka.sh: $*" >&2
	exit 1
}

fetch() {
	[ -f "$KQ_KAFKA_HOME/.complete" ] && return 0
	command -v mvn >/dev/null || die "no mvn: sh scripts/deps.sh test"
	rm -rf "$KQ_KAFKA_HOME.tmp"
	mvn -q -B -Dstyle.color=never -f "$here/pom.xml" \
		dependency:copy-dependencies -DincludeScope=runtime \
		-DoutputDirectory="$KQ_KAFKA_HOME.tmp" ||
		die "cannot resolve Apache Kafka $version from Maven"
	rm -rf "$KQ_KAFKA_HOME"
	mv "$KQ_KAFKA_HOME.tmp" "$KQ_KAFKA_HOME"
	touch "$KQ_KAFKA_HOME/.complete"
}

# present: the jars are there, fetched or a distribution's.
present() {
	[ -f "$KQ_KAFKA_HOME/.complete" ] ||
		ls "$KQ_KAFKA_HOME"/kafka_2.13-*.jar >/dev/null 2>&1
}

# java_run [JVM options] CLASS ARGS...: a class of the Kafka jars, with
# the tests' log configuration. (Short-lived tools start faster with the
# client compiler only: -XX:TieredStopAtLevel=1.)
java_run() {
	present ||
		die "no Kafka in $KQ_KAFKA_HOME: sh tests/kafka/kafka.sh fetch"
	exec java -cp "$KQ_KAFKA_HOME/*" \
		-Dlog4j2.configurationFile="$here/log4j2.properties" "$@"
}

tool() {
	name=$1
	shift
	case $name in
	kafka-topics) class=org.apache.kafka.tools.TopicCommand ;;
	kafka-console-producer) class=org.apache.kafka.tools.ConsoleProducer ;;
	kafka-console-consumer)
		class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
	kafka-consumer-groups)
		class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
	kafka-broker-api-versions)
		class=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
	kafka-configs) class=org.apache.kafka.tools.ConfigCommand ;;
	*) die "no such tool: $name" ;;
	esac
	# The tools log only warnings, to stderr, as Kafka's own scripts do.
	java_run -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
		-Dkq.log.level=warn -Dkq.log.target=SYSTEM_ERR "$class" "$@"
}

# free_ports N: N loopback ports no one listens on now.
free_ports() {
	python3 -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}

# node_props DIR N PORT CPORT VOTERS NODES [NAME=VALUE]...:
# DIR/nodeN/server.properties.
node_props() {
	rf=1 minisr=1
	[ "$6" -ge 3 ] && rf=3 minisr=2
	mkdir -p "$1/node$2/data"
	sed -e "s|@NODE@|$2|" -e "s|@PORT@|$3|" -e "s|@CPORT@|$4|" \
		-e "s|@VOTERS@|$5|" -e "s|@RF@|$rf|" -e "s|@MINISR@|$minisr|" \
		-e "s|@DIR@|$1/node$2/data|" "$here/server.properties" \
		>"$1/node$2/server.properties"
	f=$1/node$2/server.properties
	shift 6
	for p in "$@"; do echo "$p" >>"$f"; done
}

format_node() {
	(java_run -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
		kafka.tools.StorageTool format --cluster-id="$2" \
		-c "$1/node$3/server.properties") >"$1/node$3.format" 2>&1 ||
		{ cat "$1/node$3.format" >&2; die "cannot format node $3"; }
}

launch_node() {
	# shellcheck disable=SC2086
	(java_run -Xmx"$KQ_KAFKA_HEAP" -Xms64m $KQ_KAFKA_GC \
		-XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
		kafka.Kafka "$1/node$2/server.properties") \
		</dev/null >>"$1/node$2.log" 2>&1 &
	echo $! >"$1/node$2.pid"
}

# wait_nodes DIR BROKERS N: until a metadata request to BROKERS names N
# brokers (two minutes at most: the machine may be loaded).
wait_nodes() {
	i=0
	while ! kcat -L -b "$2" -m 5 2>/dev/null | grep -q "^ $3 brokers:"; do
		i=$((i + 1))
		for p in "$1"/node*.pid; do
			kill -0 "$(cat "$p")" 2>/dev/null && continue
			tail -n 30 "${p%.pid}.log" >&2
			die "$(basename "${p%.pid}") ended"
		done
		[ $i -lt 1200 ] || die "no answer from $2 after 2 minutes"
		sleep 0.1
	done
}

start() {
	dir=$1 nodes=${2:-1}
	shift 2
	extra=$*
	case $nodes in 1 | 3) ;; *) die "a cluster of 1 or 3 nodes" ;; esac
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# shellcheck disable=SC2046
	set -- $(free_ports $((2 * nodes)))
	voters="" brokers=""
	i=1
	for _ in $(seq "$nodes"); do
		eval "port$i=\$1 cport$i=\$2"
		voters="$voters${voters:+,}$i@127.0.0.1:$2"
		brokers="$brokers${brokers:+,}127.0.0.1:$1"
		shift 2
		i=$((i + 1))
	done
	# A KRaft cluster id: 16 random bytes, base64url without padding.
	id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c 1-22)
	for i in $(seq "$nodes"); do
		# shellcheck disable=SC2086
		eval "node_props \"\$dir\" $i \$port$i \$cport$i \"\$voters\" $nodes $extra"
		format_node "$dir" "$id" "$i" &
	done
	wait
	for i in $(seq "$nodes"); do
		[ -f "$dir/node$i/data/meta.properties" ] ||
			die "node $i was not formatted"
		launch_node "$dir" "$i"
	done
	echo "$brokers" >"$dir/brokers"
	wait_nodes "$dir" "$brokers" "$nodes"
	echo "KQ_BROKERS=$brokers"
}

stop() {
	[ -d "$1" ] || return 0
	pids=$(cat "$1"/node*.pid 2>/dev/null) || return 0
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	# A controlled shutdown takes a few seconds; a minute at most.
	i=0
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null; do
			i=$((i + 1))
			[ $i -lt 600 ] || { kill -9 "$p" 2>/dev/null || :; }
			sleep 0.1
		done
	done
	rm -f "$1"/node*.pid
}

node_pid() {
	[ -f "$1/node$2.pid" ] || die "no node $2 in $1"
	cat "$1/node$2.pid"
}

# Whatever else stops this script early says so, with its status.
trap 'rc=$?; [ $rc -eq 0 ] || [ "$cmdline" = present ] ||
	echo "kafka.sh $cmdline: status $rc" >&2' EXIT
cmdline=$*
case ${1:-} in
fetch) fetch ;;
start)
	shift
	[ $# -ge 2 ] || set -- "$1" 1
	start "$@"
	;;
stop) stop "$2" ;;
kill)
	p=$(node_pid "$2" "$3")
	kill -9 "$p"
	while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
	;;
restart)
	dir=$(cd "$2" && pwd)
	launch_node "$dir" "$3"
	nodes=$(ls "$dir"/node*/server.properties | wc -l)
	wait_nodes "$dir" "$(cat "$dir/brokers")" "$nodes"
	;;
pids) cat "$2"/node*.pid ;;
present) present ;;
kafka-*) tool "$@" ;;
*)
	die "usage: kafka.sh fetch | present | start DIR [1|3] [NAME=VALUE]... |" \
		"stop DIR | kill DIR N | restart DIR N | pids DIR | kafka-TOOL [ARG]..."
	;;
esac
