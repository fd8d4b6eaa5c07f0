#!/bin/bash
# kq-topic create, delete and partitions on a broker without CreateTopics,
# DeleteTopics or CreatePartitions (the mock cluster, always): what can be
# done without them works, the rest says so in one line with status 69; and
# the argument errors. Against kq-broker, which has them: t910.
. "$(dirname "$0")/lib.sh"

start_mock_broker --topic foo:1 --topic wide:3

kcat_topics() {
	kcat -b "$KQ_BROKERS" -L -J | jq -r '.topics[].topic' | sort
}

test_expect_success 'the seed flow: create --if-not-exists of a topic kq-broker made' '
	kq-topic create foo --partitions 1 --if-not-exists 2>err &&
	test ! -s err &&
	kq-topic --create --topic foo --partitions 1 --replication-factor 1 \
		--if-not-exists --bootstrap-server "$KQ_BROKERS" 2>err &&
	test ! -s err &&
	seq 3 | kcat_write foo &&
	test "$(kcat_read foo | wc -l)" -eq 3
'

test_expect_success 'create --if-not-exists notes a partition count that differs' '
	kq-topic create wide -p 1 --if-not-exists 2>err &&
	grep_err "^kq-topic: create wide: exists already, with 3 partitions, not 1$" err &&
	kq-topic create wide -p 1 --if-not-exists -q 2>err &&
	test ! -s err
'

test_expect_success 'create of a topic that exists: 1, saying so' '
	expect_status 1 kq-topic create foo 2>err &&
	grep_err "^kq-topic: create foo: the topic exists already$" err
'

test_expect_success 'create on a broker without CreateTopics: 69, one line with a hint' '
	kcat_topics >before &&
	expect_status 69 kq-topic create newt -p 2 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	grep_err "^kq-topic: create newt: the broker at $KQ_BROKERS does not support CreateTopics (librdkafka.s mock cluster has none: .* --topic newt:2)$" err &&
	kcat_topics >after &&
	test_cmp before after
'

test_expect_success 'create of a new and an existing topic: the request is still tried' '
	expect_status 69 kq-topic create foo newt --if-not-exists 2>err &&
	grep_err "^kq-topic: create newt: .*CreateTopics" err &&
	! grep -q "create foo" err
'

test_expect_success 'delete on a broker without DeleteTopics: 69, one line' '
	expect_status 69 kq-topic delete foo 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	grep_err "^kq-topic: delete foo: the broker at $KQ_BROKERS does not support DeleteTopics" err &&
	kcat_topics | grep -qx foo
'

test_expect_success 'delete of a topic that does not exist: 1, or 0 with --if-exists' '
	expect_status 1 kq-topic delete nosuch 2>err &&
	grep_err "^kq-topic: delete nosuch: no such topic$" err &&
	kq-topic delete nosuch --if-exists 2>err &&
	test ! -s err &&
	kq-topic --delete --topic nosuch --if-exists &&
	! kcat_topics | grep -q nosuch
'

test_expect_success 'partitions: raising needs CreatePartitions (69), lowering is 64, the same count is done' '
	expect_status 69 kq-topic partitions wide 5 2>err &&
	grep_err "^kq-topic: partitions wide: the broker at .* does not support CreatePartitions (.*--topic wide:5)$" err &&
	expect_status 69 kq-topic --alter --topic wide --partitions 5 2>err &&
	grep_err "CreatePartitions" err &&
	expect_status 64 kq-topic partitions wide 2 2>err &&
	grep_err "^kq-topic: partitions wide: it has 3 partitions" err &&
	kq-topic partitions wide 3 &&
	kq-topic partitions -p 3 wide &&
	expect_status 69 kq-topic partitions nosuch 3 2>err &&
	grep_err "partitions nosuch: no such topic" err &&
	kq-topic partitions nosuch 3 --if-exists
'

test_expect_success 'invalid names and counts: 64 before the broker is asked' '
	expect_status 64 kq-topic create "bad name" 2>err &&
	grep_err "^kq-topic: .bad name. is not a topic name" err &&
	expect_status 64 kq-topic create .. 2>err &&
	expect_status 64 kq-topic create "$(printf "%0250d" 0)" 2>err &&
	expect_status 64 kq-topic create ok -p 0 2>err &&
	grep_err "^kq-topic: --partitions: " err &&
	expect_status 64 kq-topic create ok -r 0 2>err &&
	expect_status 64 kq-topic partitions wide 0 2>err &&
	expect_status 64 kq-topic delete "a/b" 2>err &&
	expect_status 64 kq-topic create ok -c retention.ms 2>err &&
	grep_err "^kq-topic: --config: expected NAME=VALUE" err
'

test_expect_success 'argument errors: 64 with a message' '
	expect_status 64 kq-topic 2>err &&
	grep_err "^kq-topic: no command" err &&
	expect_status 64 kq-topic frobnicate 2>err &&
	grep_err "^kq-topic: unknown command .frobnicate.$" err &&
	expect_status 64 kq-topic create 2>err &&
	grep_err "^kq-topic: create: which topic" err &&
	expect_status 64 kq-topic partitions wide 2>err &&
	grep_err "^kq-topic: partitions: expected TOPIC N$" err &&
	expect_status 64 kq-topic list --if-exists 2>err &&
	grep_err "^kq-topic: --if-exists does not apply to list$" err &&
	expect_status 64 kq-topic delete foo -p 3 2>err &&
	grep_err "^kq-topic: --partitions does not apply to delete$" err &&
	expect_status 64 kq-topic describe --if-not-exists 2>err &&
	expect_status 64 kq-topic --create --delete --topic foo 2>err &&
	grep_err "^kq-topic: --create and --delete: choose one$" err &&
	expect_status 64 kq-topic --alter --topic foo 2>err &&
	grep_err "^kq-topic: --alter: " err
'

test_expect_success '--zookeeper says what to use instead' '
	expect_status 64 kq-topic --zookeeper localhost:2181 --list 2>err &&
	grep_err "^kq-topic: --zookeeper is not needed: .*--bootstrap-server" err
'

test_expect_success '--config is the topic config here; -F and --command-config read the file' '
	echo "bootstrap.servers=$KQ_BROKERS" >kq.conf &&
	unset KQ_BROKERS &&
	kq-topic list -F kq.conf >a &&
	kq-topic list --command-config kq.conf >b &&
	test_cmp a b &&
	grep -qx foo a &&
	kq-topic --help >help &&
	grep -q -- "-c, --config=NAME=VALUE" help &&
	! grep -q -- "-F, --config" help &&
	kq-topic --help=options | grep -c "^config	" >n &&
	test "$(cat n)" -eq 1
'

test_done
