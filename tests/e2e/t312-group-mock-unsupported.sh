#!/bin/bash
# kq-group on librdkafka's mock cluster, which has no ListGroups,
# DescribeGroups, DeleteGroups nor OffsetDelete: each command ends at once
# with one line naming the request the broker lacks, and status 69.
# (librdkafka 2.0.2 frees its state twice when a group request is not
# supported, then hangs in rd_kafka_destroy or aborts: kq-group asks the
# broker's ApiVersions first.) kcat's view of the broker says the same.
. "$(dirname "$0")/lib.sh"

start_mock_broker --topic g2:2

# kq_group ARGS...: kq-group, killed if it hangs (the bug this file is
# about), so that a hang fails the test instead of the suite.
kq_group() {
	timeout -s KILL 120 kq-group "$@"
}

test_expect_success 'the mock lacks the group requests, as librdkafka learns it' '
	kcat -b "$KQ_BROKERS" -L -X debug=feature 2>&1 >/dev/null |
		sed -n "s/.* ApiKey [^ ]* (\([0-9]*\)) Versions .*/\1/p" | sort -n -u >keys &&
	grep -qx 9 keys &&
	! grep -qx 15 keys && ! grep -qx 16 keys && ! grep -qx 42 keys &&
	! grep -qx 47 keys
'

test_expect_success 'a group kafka-python committed to' '
	seq 10 | kcat_write g2 -p 0 &&
	/usr/bin/python3 -c "
import os
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
c = KafkaConsumer(bootstrap_servers=os.environ[\"KQ_BROKERS\"], group_id=\"lagging\",
                  enable_auto_commit=False, api_version=(2, 0))
c.commit({TopicPartition(\"g2\", 0): OffsetAndMetadata(7, \"\")})
c.close()"
'

# check REQUEST ARGS...: kq-group ARGS ends with 69 and one line saying
# the broker does not support REQUEST.
check() {
	req=$1
	shift
	expect_status 69 kq_group "$@" >out 2>err &&
	test ! -s out &&
	test "$(wc -l <err)" = 1 &&
	grep -q "^kq-group: [a-z]*: the broker at $KQ_BROKERS does not support $req\$" err
}

test_expect_success 'describe: DescribeGroups' '
	check DescribeGroups describe lagging &&
	check DescribeGroups describe --members lagging &&
	check DescribeGroups describe --json lagging
'

test_expect_success 'list: ListGroups' '
	check ListGroups list
'

test_expect_success 'delete: DeleteGroups; delete -t: OffsetDelete' '
	check DeleteGroups delete lagging &&
	check OffsetDelete delete lagging -t g2
'

test_expect_success 'reset: it cannot tell whether the group has members' '
	check DescribeGroups reset lagging -t g2 --to-earliest --execute
'

test_done
