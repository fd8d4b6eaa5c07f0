#!/bin/bash
# kq-broker is a transaction coordinator: kq-pub --atomic commits what
# read_committed readers (kq-sub, kcat) then see, an abort leaves nothing
# visible to them, a transaction open when the broker is killed is aborted
# at the restart, and one past its timeout is aborted too; a producer
# whose transaction was aborted under it writes nothing more.
. "$(dirname "$0")/lib.sh"
kq_broker_test

D=$TMP/data
start_kq_broker -d "$D" --fsync always --topic atom:2 --topic int:1 \
	--topic crash:1 --topic slow:1 --topic zomb:1

test_expect_success '--atomic commits: kq-sub and kcat (read_committed) see it all' '
	seq 100 | kq-pub -t atom --atomic 2>err &&
	test "$(cat err)" = "kq-pub: Produced 100 messages in one transaction." &&
	kcat_read atom -X isolation.level=read_committed | sort -n >got &&
	seq 100 >want &&
	test_cmp want got &&
	kq-sub -t atom -o beginning -e -X isolation.level=read_committed \
		2>/dev/null | sort -n >got2 &&
	test_cmp want got2
'

# Open a transaction through kq-pub --atomic on a fifo: its 5 records are
# stored (a read_uncommitted reader sees them) but not committed.
open_txn() {
	mkfifo "$1.in" &&
	{ kq-pub -t "$1" --atomic <"$1.in" 2>"$1.err" & } &&
	echo $! >"$1.pid" &&
	exec 3>"$1.in" &&
	seq 5 >&3 &&
	i=0 &&
	until test "$(kcat_read "$1" -X isolation.level=read_uncommitted |
		wc -l)" -eq 5; do
		i=$((i + 1))
		test $i -lt 200 || return 1
		sleep 0.1
	done
}

test_expect_success 'an open transaction is held from read_committed readers' '
	open_txn int &&
	test "$(kcat_read int -X isolation.level=read_committed | wc -l)" -eq 0 &&
	kill -INT "$(cat int.pid)" &&
	wait_for int.err "Aborted the transaction: none of 5 messages committed"
'

test_expect_success '... aborted, it stays invisible to them, and what follows is seen' '
	seq 6 8 | kq-pub -q -t int &&
	kcat_read int -X isolation.level=read_committed >got &&
	seq 6 8 >want &&
	test_cmp want got &&
	kq-sub -t int -o beginning -e -X isolation.level=read_committed \
		2>/dev/null >got2 &&
	test_cmp want got2 &&
	test "$(kcat_read int -X isolation.level=read_uncommitted | wc -l)" -eq 8
'

test_expect_success 'kill -9 of the broker mid-transaction ...' '
	open_txn crash &&
	kill -KILL $BROKER_PID &&
	{ kill -INT "$(cat crash.pid)" 2>/dev/null || :; } &&
	exec 3>&-
'

start_kq_broker -d "$D" --fsync always

test_expect_success '... leaves it aborted after the restart' '
	grep_err "1 transaction in flight at the last stop: finished" \
		"$TMP/broker1.err" &&
	seq 6 7 | kq-pub -q -t crash &&
	kcat_read crash -X isolation.level=read_committed >got &&
	seq 6 7 >want &&
	test_cmp want got &&
	test "$(kcat_read crash -X isolation.level=read_uncommitted | wc -l)" -eq 7
'

test_expect_success 'what was committed before the kill is still there' '
	kcat_read atom -X isolation.level=read_committed | sort -n >got &&
	seq 100 >want &&
	test_cmp want got
'

test_expect_success 'a transaction past its timeout is aborted by the broker' '
	mkfifo slow.in &&
	{ kq-pub -t slow --atomic -X transaction.timeout.ms=2000 \
		-X message.timeout.ms=1500 <slow.in \
		2>slow.err & } &&
	pid=$! &&
	exec 3>slow.in &&
	seq 3 >&3 &&
	wait_for "$TMP/broker1.err" "transaction .* timed out after 2000 ms: aborted" &&
	exec 3>&- &&
	expect_status 1 wait $pid &&
	grep_err "fenced by a newer instance" slow.err &&
	echo 9 | kq-pub -q -t slow &&
	test "$(kcat_read slow -X isolation.level=read_committed)" = 9
'

test_expect_success 'a producer whose transaction a restart aborted ...' '
	open_txn zomb &&
	{ sleep 600 >zomb.in & } &&
	echo $! >holder.pid &&
	exec 3>&- &&
	kill $BROKER_PID &&
	while kill -0 $BROKER_PID 2>/dev/null; do sleep 0.1; done
'

# On the same address, so that the producer comes back to it.
start_kq_broker -d "$D" --fsync always -l "$KQ_BROKERS"

test_expect_success '... is fenced: what it sends after is refused, never seen' '
	seq 6 8 >zomb.in &&
	kill "$(cat holder.pid)" &&
	wait_for zomb.err "Aborted the transaction" &&
	test "$(kcat_read zomb -X isolation.level=read_committed | wc -l)" -eq 0
'

test_done
