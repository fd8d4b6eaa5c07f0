#!/bin/bash
# A group never misses messages because recovery cut a log below its
# commit: the commit moves to the new log end, with a log line, so the
# offsets new messages take are read. (A group at 1000 whose log was cut
# back to 500 once resumed at 1000 and never saw 500 new messages.)
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
start_kq_broker -d "$D" --fsync interval

test_expect_success 'a group reads 1000 messages and commits 1000' '
	seq 500 | kcat_write reuse &&
	stat -c %s "$D/reuse-0/00000000000000000000.log" >cut &&
	seq 501 1000 | kcat_write reuse &&
	kq-sub -q -g g -t reuse -e >got &&
	seq 1000 >want && test_cmp want got &&
	kq-sub -q -g other -t reuse -e -c 200 >got &&
	seq 200 >want && test_cmp want got
'

# As a power loss under --fsync interval leaves it: the commits reached
# the disk, the last 500 messages did not (the kernel writes dirty pages
# back in any order), and the recovery point, moved only by a sync, is
# at most where the log now ends.
test_expect_success 'the broker is killed; the disk kept the log up to offset 500' '
	kill -KILL $BROKER_PID &&
	truncate -s "$(cat cut)" "$D/reuse-0/00000000000000000000.log" &&
	echo 500 >"$D/reuse-0/recovery-point"
'

start_kq_broker -d "$D" --fsync interval
E=$TMP/broker$n.err

test_expect_success 'at start the commit past the end moves to it, and says so' '
	grep_err "^kq-broker: group g: reuse-0: committed offset 1000 is past the log end after recovery; moved to 500$" "$E" &&
	! grep "group other" "$E"
'

test_expect_success 'the group reads every new message, though they take offsets it had committed past' '
	seq 2001 2600 | kcat_write reuse &&
	kcat -b "$KQ_BROKERS" -C -t reuse -o 500 -c 1 -q -f "%o %s\n" >first &&
	echo "500 2001" >want && test_cmp want first &&
	kq-sub -q -g g -t reuse -e >got &&
	seq 2001 2600 >want && test_cmp want got
'

test_expect_success 'a commit below the end stays where it was' '
	kq-sub -q -g other -t reuse -e -c 1 >got &&
	echo 201 >want && test_cmp want got
'

stop_broker
start_kq_broker -d "$D" --fsync interval
E=$TMP/broker$n.err

test_expect_success 'a clean restart moves nothing' '
	grep -q listening "$E" && ! grep "committed offset" "$E" &&
	seq 3001 3005 | kcat_write reuse &&
	kq-sub -q -g g -t reuse -e >got &&
	seq 3001 3005 >want && test_cmp want got
'

test_done
