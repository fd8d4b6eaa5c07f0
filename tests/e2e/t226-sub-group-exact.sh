#!/bin/bash
# kq-sub -g into a pipe hands the reader one message at a time: what the
# reader read is exactly what is committed, whatever its buffer, so the
# head forms take exactly three and the next run starts at the fourth.
. "$(dirname "$0")/lib.sh"

start_broker --topic head:1 --topic sleepy:1 --topic count:1 --topic file:1 \
	--topic big:1

# committed.py TOPIC GROUP: the group's committed offset of partition 0,
# as kafka-python (not kq) reads it.
cat >"$TMP/committed.py" <<'EOF'
import os, sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=os.environ["KQ_BROKERS"],
                  group_id=sys.argv[2], enable_auto_commit=False)
print(c.committed(TopicPartition(sys.argv[1], 0)))
c.close()
EOF

test_expect_success '| head -n 3 takes exactly three, quietly; the next run prints 4 5 6' '
	seq 100 | kcat_write head &&
	bash -c "kq-sub -g h -t head 2>err | head -n 3 >got; echo \${PIPESTATUS[0]} >st" &&
	seq 3 >want && test_cmp want got &&
	test "$(cat st)" = 0 && test ! -s err &&
	test "$(kq-count -t head -g h)" -eq 97 &&
	test "$(/usr/bin/python3 committed.py head h)" = 3 &&
	kq-sub -g h -t head 2>/dev/null | head -n 3 >got &&
	seq 4 6 >want && test_cmp want got &&
	test "$(/usr/bin/python3 committed.py head h)" = 6
'

test_expect_success '| { head -n 3; sleep 1; } takes exactly three too, not the block head read' '
	seq 100 | kcat_write sleepy &&
	kq-sub -q -g s -t sleepy | { head -n 3; sleep 1; } >got1 &&
	seq 3 >want && test_cmp want got1 &&
	test "$(kq-count -t sleepy -g s)" -eq 97 &&
	kq-sub -q -g s -t sleepy | { head -n 3; sleep 1; } >got2 &&
	seq 4 6 >want && test_cmp want got2 &&
	test "$(/usr/bin/python3 committed.py sleepy s)" = 6 &&
	kq-sub -q -g s -t sleepy -e >rest &&
	kcat_read sleepy >want && cat got1 got2 rest >got &&
	test_cmp want got
'

test_expect_success 'a reader that reads 64 KiB blocks and keeps one line a read takes one message a read' '
	seq 50 | kcat_write count &&
	kq-sub -q -g blocks -t count -c 20 | /usr/bin/python3 -c "
import os, sys
n = 0
while True:
    b = os.read(0, 65536)
    if not b:
        break
    sys.stdout.write(b.decode().split(chr(10))[0] + chr(10))
    n += 1
" >got &&
	seq 20 >want && test_cmp want got &&
	test "$(kq-count -t count -g blocks)" -eq 30
'

test_expect_success '-c N with -g takes and commits exactly N' '
	kq-sub -q -g n -t count -c 7 | cat >got &&
	seq 7 >want && test_cmp want got &&
	test "$(/usr/bin/python3 committed.py count n)" = 7 &&
	kq-sub -q -g n -t count -c 7 | head -n 2 >got &&
	test "$(/usr/bin/python3 committed.py count n)" = 9
'

test_expect_success 'into a file, everything written is taken' '
	seq 30 | kcat_write file &&
	kq-sub -q -g f -t file -c 10 >got &&
	seq 10 >want && test_cmp want got &&
	test "$(kq-count -t file -g f)" -eq 20
'

test_expect_success 'messages larger than the pipe go whole, one at a time' '
	for i in 1 2 3 4 5; do head -c 100000 /dev/zero | tr "\0" $i; echo; done >big.in &&
	kcat_write big <big.in &&
	kq-sub -q -g b -t big | head -n 2 >got &&
	head -n 2 big.in >want && test_cmp want got &&
	test "$(kq-count -t big -g b)" -eq 3 &&
	kq-sub -q -g b -t big -e >got &&
	tail -n 3 big.in >want && test_cmp want got
'

test_done
