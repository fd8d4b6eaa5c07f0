#!/bin/bash
# kq-group reset: prints the plan and changes nothing without --execute;
# with it, kafka-python finds the new offsets; refused while the group
# has members. kq-group delete -t: one topic's offsets only.
. "$(dirname "$0")/lib.sh"
no_mock "group description or offset deletion"

start_broker --topic r2:2 --topic keep:1 --topic live:1

# commit.py GROUP TOPIC PARTITION OFFSET...: kafka-python commits them.
# committed.py GROUP TOPIC PARTITION...: what it finds ("None": nothing).
cat >"$TMP/commit.py" <<'PY'
import os, sys
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
c = KafkaConsumer(bootstrap_servers=os.environ["KQ_BROKERS"],
                  group_id=sys.argv[1], enable_auto_commit=False)
a = sys.argv[3:]
c.commit({TopicPartition(sys.argv[2], int(a[i])): OffsetAndMetadata(int(a[i + 1]), "")
          for i in range(0, len(a), 2)})
c.close()
PY
cat >"$TMP/committed.py" <<'PY'
import os, sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=os.environ["KQ_BROKERS"],
                  group_id=sys.argv[1], enable_auto_commit=False)
print(" ".join(str(c.committed(TopicPartition(sys.argv[2], int(p))))
               for p in sys.argv[3:]))
c.close()
PY

test_expect_success 'setup: 10 and 6 messages, the group at 5 and 2' '
	seq 10 | kcat_write r2 -p 0 &&
	seq 6 | kcat_write r2 -p 1 &&
	seq 3 | kcat_write keep -p 0 &&
	/usr/bin/python3 "$TMP/commit.py" g r2 0 5 1 2 &&
	/usr/bin/python3 "$TMP/commit.py" g keep 0 3
'

test_expect_success 'without --execute: the plan, and nothing changed' '
	kq-group reset g -t r2 --to earliest >got 2>err &&
	printf "%s\n" "GROUP	TOPIC	PARTITION	OLD-OFFSET	NEW-OFFSET" \
		"g	r2	0	5	0" "g	r2	1	2	0" >want &&
	test_cmp want got &&
	grep -q "nothing changed" err &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "5 2"
'

test_expect_success '--execute --to latest: kafka-python finds the ends' '
	kq-group reset g -t r2 --to latest --execute >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "10 6" &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g keep 0)" = "3"
'

test_expect_success '--shift within the log, one partition by TOPIC:P; an offset kept in range' '
	kq-group reset g -t r2:0 --shift -4 --execute >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "6 6" &&
	kq-group reset g -t r2:1 --shift -100 --execute >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "6 0" &&
	kq-group reset g -t r2 --to 8 --execute >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "8 6"
'

test_expect_success 'kafka-consumer-groups spelling, and --all-topics' '
	kq-group --reset-offsets --group g --all-topics --to-earliest --execute >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "0 0" &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g keep 0)" = "0" &&
	kq-group --reset-offsets --group g --topic r2 --to-offset 3 --execute >/dev/null &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "3 3"
'

test_expect_success '@-DURATION: a time before every message is the start' '
	kq-group reset g -t keep --to @-1h --execute >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g keep 0)" = "0"
'

test_expect_success 'refused while the group has members, with the reason; nothing changed' '
	seq 3 | kcat_write live
	kq-sub -v -g busy -t live >/dev/null 2>sub.err &
	sub=$!
	wait_for sub.err committed &&
	st=0; kq-group reset busy -t live --to earliest --execute >got 2>err || st=$?
	kill -TERM $sub; wait $sub || true
	test $st = 69 &&
	grep -q "has 1 member" err &&
	test "$(/usr/bin/python3 "$TMP/committed.py" busy live 0)" = "3"
'

test_expect_success 'a group that does not exist yet is made, as kafka-consumer-groups does' '
	kq-group reset fresh -t r2 --to 4 >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" fresh r2 0 1)" = "None None" &&
	kq-group reset fresh -t r2 --to 4 --execute >got &&
	test "$(/usr/bin/python3 "$TMP/committed.py" fresh r2 0 1)" = "4 4"
'

test_expect_success 'a missing topic is 69, named; a bad --to is 64' '
	expect_status 69 kq-group reset g -t nosuchtopic --to earliest 2>err &&
	grep -q "nosuchtopic" err &&
	expect_status 64 kq-group reset g -t r2 --to sideways 2>err &&
	expect_status 64 kq-group reset g -t r2 2>err
'

test_expect_success 'delete -t: that topic s offsets go, the others stay' '
	kq-group delete g -t keep &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g keep 0)" = "None" &&
	test "$(/usr/bin/python3 "$TMP/committed.py" g r2 0 1)" = "3 3"
'

test_done
