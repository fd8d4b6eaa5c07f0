#!/bin/bash
# kq-topic alter: sets and deletes configs and keeps the others set, as
# kafka-python's DescribeConfigs then finds them; with IncrementalAlterConfigs
# (kq-broker, Kafka) a config another client sets meanwhile is kept.
. "$(dirname "$0")/lib.sh"
no_mock "AlterConfigs"

start_broker

# set.py TOPIC: the configs set on the topic (not defaults), by kafka-python.
cat >"$TMP/set.py" <<'PY'
import os, sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers=os.environ["KQ_BROKERS"])
r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[1])])
# (name, value, read_only, source, ...): source 1 is DYNAMIC_TOPIC_CONFIG.
for e in sorted(r[0].resources[0][4]):
    if e[3] == 1:
        print("%s=%s" % (e[0], e[1]))
PY

test_expect_success 'alter -c sets one config and keeps those set before' '
	kq-topic create al -c retention.ms=1000 -c cleanup.policy=compact &&
	kq-topic alter al -c segment.ms=5000 &&
	/usr/bin/python3 "$TMP/set.py" al >got &&
	printf "%s\n" cleanup.policy=compact retention.ms=1000 segment.ms=5000 >want &&
	test_cmp want got
'

test_expect_success '--delete-config puts one back to its default; -c changes another' '
	kq-topic alter al --delete-config retention.ms -c cleanup.policy=delete &&
	/usr/bin/python3 "$TMP/set.py" al >got &&
	printf "%s\n" cleanup.policy=delete segment.ms=5000 >want &&
	test_cmp want got &&
	kq-topic configs al | grep -q "^al	retention.ms	[^	]*	default	"
'

test_expect_success 'an unknown config is refused (64) and nothing changes; a missing topic is 69' '
	expect_status 64 kq-topic alter al -c no.such.config=1 2>err &&
	grep -q "alter al" err &&
	/usr/bin/python3 "$TMP/set.py" al >got &&
	test_cmp want got &&
	expect_status 69 kq-topic alter nosuch -c retention.ms=1 2>err &&
	grep -q "no topic .nosuch." err &&
	expect_status 64 kq-topic alter al 2>err
'

# other.py TOPIC: another client sets cleanup.policy=compact on TOPIC
# (kafka-python's AlterConfigs, so retention.ms=1000 is given again).
cat >"$TMP/other.py" <<'PY'
import os, sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers=os.environ["KQ_BROKERS"])
r = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, sys.argv[1],
    configs={"retention.ms": "1000", "cleanup.policy": "compact"})])
assert r.resources[0][0] == 0, r
PY

# gdb stops kq-topic alter just before it writes (AlterConfigs, or
# IncrementalAlterConfigs), and the other client changes a config there
# (LeakSanitizer cannot work under ptrace: make asan).
if command -v gdb >/dev/null; then
test_expect_success 'a config another client sets while alter runs is kept' '
	kq-topic create race -c retention.ms=1000 &&
	ASAN_OPTIONS=detect_leaks=0 gdb -batch -nx -ex "set breakpoint pending on" \
		-ex "break rd_kafka_AlterConfigs" -ex "break kq_incalter_topic" \
		-ex run -ex "shell /usr/bin/python3 $TMP/other.py race" \
		-ex continue --args "$(command -v kq-topic)" alter race \
		-c segment.ms=5000 >gdb.out 2>&1 &&
	grep -q "hit Breakpoint" gdb.out &&
	grep -q "exited normally" gdb.out &&
	/usr/bin/python3 "$TMP/set.py" race >got &&
	printf "%s\n" cleanup.policy=compact retention.ms=1000 segment.ms=5000 >want &&
	test_cmp want got
'
fi

test_done
