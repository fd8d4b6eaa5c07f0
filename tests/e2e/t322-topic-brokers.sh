#!/bin/bash
# kq-topic brokers: the brokers and controller kcat -L names, and the
# cluster id kafka-python's DescribeCluster finds.
. "$(dirname "$0")/lib.sh"
no_mock "DescribeCluster"

start_broker

test_expect_success 'brokers: each broker and the controller, as kcat -L says' '
	kq-topic brokers >out &&
	sed -n "s/^Broker: \([0-9]*\)	Host: \([^	]*\)	Port: \([0-9]*\)\(	Controller\)\{0,1\}$/broker \1 at \2:\3\4/p" out |
		sed "s/	Controller$/ (controller)/" >got &&
	test -s got &&
	kcat -b "$KQ_BROKERS" -L | sed -n "s/^  \(broker .*\)$/\1/p" >want &&
	test_cmp want got
'

test_expect_success 'the cluster id and controller, as kafka-python finds them; --json the same' '
	/usr/bin/python3 -c "
import os
from kafka import KafkaAdminClient
c = KafkaAdminClient(bootstrap_servers=os.environ[\"KQ_BROKERS\"]).describe_cluster()
print(\"ClusterId: %s\tController: %s\" % (c[\"cluster_id\"], c[\"controller_id\"]))" >want &&
	kq-topic brokers | head -1 >got &&
	test_cmp want got &&
	kq-topic brokers --json >b.json &&
	test "$(jq -r "\"ClusterId: \(.cluster_id)\tController: \(.controller)\"" b.json)" = "$(cat want)" &&
	test "$(jq ".brokers | length" b.json)" = "$(grep -c "^Broker: " <(kq-topic brokers))"
'

test_expect_success 'brokers takes no operands' '
	expect_status 64 kq-topic brokers foo 2>err
'

test_done
