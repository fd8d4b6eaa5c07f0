#!/bin/bash
# kq-group: the groups and offsets a peer (kafka-python) made, listed,
# described with their lag, and deleted; a missing group is 69 by name.
. "$(dirname "$0")/lib.sh"
no_mock "group listing, description or deletion"

start_broker --topic g2:2 --topic other:1

# commit.py GROUP TOPIC PARTITION OFFSET...: kafka-python commits them.
cat >"$TMP/commit.py" <<'PY'
import os, sys
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
group, topic = sys.argv[1], sys.argv[2]
c = KafkaConsumer(bootstrap_servers=os.environ["KQ_BROKERS"], group_id=group,
                  enable_auto_commit=False, api_version=(2, 0))
offsets = {}
args = sys.argv[3:]
for i in range(0, len(args), 2):
    offsets[TopicPartition(topic, int(args[i]))] = OffsetAndMetadata(int(args[i + 1]), "")
c.commit(offsets)
c.close()
PY

test_expect_success 'describe shows what kafka-python committed, the end and the lag' '
	seq 10 | kcat_write g2 -p 0 &&
	seq 4 | kcat_write g2 -p 1 &&
	/usr/bin/python3 "$TMP/commit.py" lagging g2 0 7 1 4 &&
	kq-group describe lagging >got &&
	printf "%s\n" \
		"GROUP	TOPIC	PARTITION	CURRENT-OFFSET	LOG-END-OFFSET	LAG	CONSUMER-ID	HOST	CLIENT-ID" \
		"lagging	g2	0	7	10	3	-	-	-" \
		"lagging	g2	1	4	4	0	-	-	-" >want &&
	test_cmp want got
'

test_expect_success '--json: one object per group, that jq reads' '
	kq-group describe --json lagging >got.json &&
	test "$(jq -c "[.group, .members, [.offsets[] | [.partition, .committed, .end, .lag]]]" got.json)" = \
		"[\"lagging\",[],[[0,7,10,3],[1,4,4,0]]]"
'

test_expect_success 'list: each group with its state, a pattern picks some' '
	/usr/bin/python3 "$TMP/commit.py" other-group other 0 0 &&
	kq-group list >got &&
	grep -q "^lagging	Empty	simple$" got &&
	grep -q "^other-group	" got &&
	kq-group list "lag*" >got &&
	echo "lagging	Empty	simple" >want && test_cmp want got
'

test_expect_success 'a member is shown with its assignment while it reads' '
	kq-sub -v -g live -t other >/dev/null 2>sub.err &
	sub=$!
	wait_for sub.err assigned &&
	kq-group describe --members live >got &&
	kill -TERM $sub && wait $sub || true
	grep -q "^live	.*	1	other:0$" got
'

test_expect_success 'a missing group is 69, by name; so is its deletion' '
	expect_status 69 kq-group describe nosuch 2>err &&
	grep -q "no group .nosuch." err &&
	expect_status 69 kq-group delete nosuch 2>err &&
	grep -q "nosuch" err
'

test_expect_success 'delete removes the group: kafka-python finds no offset left' '
	kq-group delete lagging &&
	expect_status 69 kq-group describe lagging 2>err &&
	/usr/bin/python3 -c "
import os
from kafka import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=os.environ[\"KQ_BROKERS\"])
print(len(a.list_consumer_group_offsets(\"lagging\")))" >n &&
	echo 0 >want && test_cmp want n
'

test_expect_success 'kafka-consumer-groups spelling: --describe --group, --list' '
	kq-group --bootstrap-server "$KQ_BROKERS" --list >got &&
	grep -q "^other-group	" got &&
	kq-group --describe --group other-group >got &&
	grep -q "^other-group	other	0	0	" got
'

test_done
