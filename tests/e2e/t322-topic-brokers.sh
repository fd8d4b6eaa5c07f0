#!/bin/bash
# kq-topic brokers: the brokers and controller kcat -L names, the
# cluster id kafka-python's DescribeCluster finds, and with -v the API
# versions librdkafka learns from each broker (kafka-broker-api-versions'
# with KQ_TEST_BROKER=kafka).
. "$(dirname "$0")/lib.sh"

start_broker

test_expect_success 'brokers: each broker and the controller, as kcat -L says' '
	kq-topic brokers >out &&
	sed -n "s/^Broker: \([0-9]*\)	Host: \([^	]*\)	Port: \([0-9]*\)\(	Controller\)\{0,1\}$/broker \1 at \2:\3\4/p" out |
		sed "s/	Controller$/ (controller)/" >got &&
	test -s got &&
	kcat -b "$KQ_BROKERS" -L | sed -n "s/^  \(broker .*\)$/\1/p" >want &&
	test_cmp want got
'

# The mock cluster has no DescribeCluster.
if [ "${KQ_TEST_BROKER:-}" != mock ]; then
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
fi

# apis FILE: "key min max" of each API kq-topic brokers -v printed.
apis() {
	sed -n "s/^Broker: [0-9]*	ApiKey: \([0-9]*\)	Name: [^	]*	MinVersion: \([0-9]*\)	MaxVersion: \([0-9]*\)$/\1 \2 \3/p" "$1"
}

test_expect_success 'brokers -v: the API versions librdkafka learns from the broker' '
	kq-topic brokers -v >out &&
	apis out >got &&
	test "$(wc -l <got)" -gt 10 &&
	kcat -b "$KQ_BROKERS" -L -X debug=feature 2>&1 >/dev/null |
		sed -n "s/.* ApiKey [^ ]* (\([0-9]*\)) Versions \([0-9]*\)\.\.\([0-9]*\)$/\1 \2 \3/p" |
		sort -n -u >want &&
	test_cmp want got &&
	grep -q "^Broker: [0-9]*	ApiKey: 18	Name: ApiVersions	MinVersion: 0	" out
'

test_expect_success 'brokers -v --json: the same APIs under each broker' '
	kq-topic brokers -v >out &&
	apis out >want &&
	kq-topic brokers -v --json >b.json &&
	jq -r ".brokers[].apis[] | \"\(.key) \(.min) \(.max)\"" b.json >got &&
	test_cmp want got &&
	test "$(jq -r ".brokers[0].apis[] | select(.key == 3) | .name" b.json)" = Metadata
'

if [ "${KQ_TEST_BROKER:-}" = kafka ]; then
test_expect_success 'brokers -v: the keys, names and ranges kafka-broker-api-versions prints' '
	kafka_tool kafka-broker-api-versions --bootstrap-server "$KQ_BROKERS" >kbav &&
	sed -n "s/^	\([A-Za-z]*\)(\([0-9]*\)): \([0-9]*\)\( to \([0-9]*\)\)\{0,1\} \[usable.*/\2 \1 \3 \5/p" kbav |
		awk "{ print \$1, \$2, \$3, (\$4 == \"\" ? \$3 : \$4) }" >want &&
	test -s want &&
	kq-topic brokers -v |
		sed -n "s/^Broker: [0-9]*	ApiKey: \([0-9]*\)	Name: \([^	]*\)	MinVersion: \([0-9]*\)	MaxVersion: \([0-9]*\)$/\1 \2 \3 \4/p" >got &&
	test_cmp want got
'
fi

test_expect_success 'brokers -v speaks plaintext only: another security.protocol is refused at once' '
	expect_status 69 kq-topic brokers -v -X security.protocol=SSL >out 2>err &&
	test ! -s out &&
	test "$(wc -l <err)" = 1 &&
	grep -q "plaintext only, not with security.protocol=SSL" err
'

test_expect_success 'brokers takes no operands' '
	expect_status 64 kq-topic brokers foo 2>err
'

test_done
