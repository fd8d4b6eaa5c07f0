#!/bin/bash
# kq-broker never destroys what it does not own: it starts only in a
# directory it made, found empty, or that an earlier kq-broker wrote, and
# marks it (meta.properties, as Kafka does); it removes only the files it
# writes, even when deleting a topic, and finishes a deletion cut short.
. "$(dirname "$0")/lib.sh"
kq_broker_test

test_expect_success 'a folder named like a partition, with a photo in it: refused, untouched' '
	mkdir -p D/photos-2024 D/backup-1 D/python-3 &&
	echo x >D/photos-2024/img.jpg &&
	echo y >D/backup-1/db.dump &&
	echo z >D/python-3/setup.py &&
	(cd D && find . | sort) >before &&
	expect_status 78 timeout 60 kq-broker -l 127.0.0.1:0 -d D >out 2>err &&
	test "$(wc -l <err)" -eq 1 &&
	grep_err "^kq-broker: D: not a kq-broker data directory (it holds .* and no meta.properties): give -d a new or empty directory$" err &&
	! grep -q removing err &&
	test ! -s out &&
	(cd D && find . | sort) >after &&
	test_cmp before after &&
	test "$(cat D/photos-2024/img.jpg)" = x
'

test_expect_success '-d . in a home directory: refused, nothing written' '
	mkdir userhome && echo secret >userhome/.profile && mkdir userhome/work-2 &&
	(cd userhome && expect_status 78 timeout 60 kq-broker -l 127.0.0.1:0 -d . 2>../err) &&
	grep_err "^kq-broker: \.: not a kq-broker data directory" err &&
	test "$(ls -A userhome | sort | tr "\n" " ")" = ".profile work-2 " &&
	test "$(cat userhome/.profile)" = secret
'

test_expect_success 'an empty folder is taken, and marked in Kafka'"'"'s meta.properties format' '
	mkdir empty
	kq-broker -l 127.0.0.1:0 -d empty >out 2>err &
	pid=$!
	echo $pid >>"$TMP/broker.pids" &&
	wait_for out KQ_BROKERS= &&
	kill $pid && wait $pid &&
	grep -q "^version=1$" empty/meta.properties &&
	grep -q "^node.id=1$" empty/meta.properties &&
	grep -Eq "^cluster.id=[A-Za-z0-9_-]{22}$" empty/meta.properties &&
	! grep -v "^#" empty/meta.properties | grep -qv "^[a-z.]*=" &&
	! grep -q "earlier kq-broker" err
'

test_expect_success 'a meta.properties that is not kq-broker'"'"'s: refused' '
	mkdir kafka &&
	printf "version=1\nnode.id=3\ncluster.id=abc\n" >kafka/meta.properties &&
	expect_status 78 timeout 60 kq-broker -l 127.0.0.1:0 -d kafka 2>err &&
	grep_err "^kq-broker: kafka/meta.properties: not kq-broker.s" err
'

D=$TMP/data
start_kq_broker -d "$D" --topic kept:2

test_expect_success 'data for the restarts' '
	seq 10 | kcat_write kept -p 0 &&
	seq 5 | kcat_write doomed &&
	seq 3 | kcat_write gone &&
	test -f "$D/meta.properties"
'

stop_broker
# A data directory as the previous kq-broker left it: no mark.
rm "$D/meta.properties"
mkdir "$D/ghost-0" "$D/ghost-1"
cp "$D/doomed-0/00000000000000000000.log" "$D/ghost-0/"
start_kq_broker -d "$D"
ERR=$TMP/broker$n.err

test_expect_success 'the data directory of an earlier kq-broker is adopted and marked, its data kept' '
	grep_err "$D: the data directory of an earlier kq-broker, marked as its own (meta.properties)" "$ERR" &&
	grep -q "^cluster.id=" "$D/meta.properties" &&
	test "$(kcat_read kept -p 0 | tr "\n" " ")" = "1 2 3 4 5 6 7 8 9 10 "
'

test_expect_success 'a partition folder of no topic is left, and logged; a topic made under its name starts empty' '
	grep_err "$D/ghost-0: a partition of no topic, left in place" "$ERR" &&
	test -f "$D/ghost-0/00000000000000000000.log" &&
	kq-topic create ghost -p 1 &&
	test "$(kcat_read ghost | wc -l)" -eq 0 &&
	test -d "$D/ghost-1"
'

test_expect_success 'deleting a topic removes the files kq-broker wrote, not one a user put there' '
	echo mine >"$D/doomed-0/notes.txt" &&
	kq-topic delete doomed &&
	test ! -e "$D/doomed.topic" && test ! -e "$D/doomed-0" &&
	set -- "$D"/doomed-0.*-delete &&
	test "$(ls "$1")" = notes.txt &&
	test "$(cat "$1/notes.txt")" = mine &&
	grep_err "$1: left in place: it holds 1 file kq-broker did not write" "$ERR" &&
	kq-topic create doomed &&
	test "$(kcat_read doomed | wc -l)" -eq 0
'

stop_broker
# A deletion cut short by a crash after the rename; files of a user's.
rm "$D/gone.topic"
mv "$D/gone-0" "$D/gone-0.0123456789abcdef-delete"
echo note >"$D/README" && mkdir "$D/mine" && echo x >"$D/mine/f"
echo kept >"$D/kept-0/notes.txt"
start_kq_broker -d "$D"
ERR=$TMP/broker$n.err

test_expect_success 'a deletion cut short is finished at the next start; what is not kq-broker'"'"'s stays, logged' '
	test ! -e "$D/gone-0.0123456789abcdef-delete" &&
	! kcat -b "$KQ_BROKERS" -L -J | jq -r ".topics[].topic" | grep -qx gone &&
	grep_err "$D/README: not kq-broker.s, left in place" "$ERR" &&
	grep_err "$D/mine: not kq-broker.s, left in place" "$ERR" &&
	grep_err "$D/kept-0/notes.txt: not kq-broker.s, left in place" "$ERR" &&
	test "$(cat "$D/kept-0/notes.txt")" = kept &&
	test "$(cat "$D/README")" = note && test "$(cat "$D/mine/f")" = x &&
	test "$(kcat_read kept -p 0 | wc -l)" -eq 10
'

test_done
