#!/bin/bash
# kq-topic configs: every config of a topic, default or set and where
# from, as kafka-python's DescribeConfigs finds them.
. "$(dirname "$0")/lib.sh"
no_mock "DescribeConfigs"

start_broker

# theirs.py TOPIC: name, value, default or set, by kafka-python.
cat >"$TMP/theirs.py" <<'PY'
import os, sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers=os.environ["KQ_BROKERS"])
r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[1])])
# DescribeConfigs v1 and later: (name, value, read_only, source, ...);
# source 5 is DEFAULT_CONFIG.
for e in sorted(r[0].resources[0][4]):
    print("%s\t%s\t%s" % (e[0], "-" if e[1] is None else e[1],
                          "default" if e[3] == 5 else "set"))
PY

test_expect_success 'configs: every config, the one set marked, as kafka-python sees them' '
	kq-topic create cf -c retention.ms=12345 &&
	kq-topic configs cf >got &&
	grep -qx "cf	retention.ms	12345	set	DYNAMIC_TOPIC_CONFIG" got &&
	grep -q "^cf	cleanup.policy	delete	default	" got &&
	cut -f2-4 got >ours &&
	/usr/bin/python3 "$TMP/theirs.py" cf >theirs &&
	test_cmp theirs ours
'

test_expect_success 'describe --configs is the same; --json has each, jq reads it' '
	kq-topic configs cf >want &&
	kq-topic describe --configs cf >got &&
	test_cmp want got &&
	kq-topic configs --json cf >got.json &&
	test "$(jq -r ".configs[] | select(.name == \"retention.ms\") | [.value, .default, .source] | @tsv" got.json)" = \
		"12345	false	DYNAMIC_TOPIC_CONFIG" &&
	test "$(jq ".configs | length" got.json)" = "$(wc -l <want)"
'

test_expect_success 'a missing topic is 69, by name; configs of nothing is 64' '
	expect_status 69 kq-topic configs nosuch 2>err &&
	grep -q "no topic .nosuch." err &&
	expect_status 64 kq-topic configs 2>err &&
	expect_status 64 kq-topic configs -o cf 2>err
'

test_done
