#!/bin/bash
# kq-jsonsplit as a stream: a value comes out as soon as it is complete,
# a closed pipe ends it quietly, and memory stays small however large the
# input.
. "$(dirname "$0")/lib.sh"

# copies N: github_events.json's 30 elements N times, in one array that is
# pretty-printed as the file is.
copies() {
	awk -v n="$1" 'NR == FNR { body[++len] = $0; next }
	END {
		print "["
		for (c = 1; c <= n; c++)
			for (i = 2; i < len; i++) {
				line = body[i]
				if (i == len - 1 && c < n) line = line ","
				print line
			}
		print "]"
	}' "$KQ_DATA/github_events.json" "$KQ_DATA/github_events.json"
}

copies 200 >"$TMP/13m.json"

test_expect_success 'the repeated sample is what jq reads too' '
	jq -c ".[]" 13m.json | tail -n 30 >want &&
	kq-jsonsplit <13m.json >got &&
	test $(wc -l <got) -eq 6000 &&
	tail -n 30 got >got.tail &&
	test_cmp want got.tail
'

# The bodies below put a job in the background: their commands are one
# a line (set -e stops at a failure), since "a && b &" would background
# the whole list.
test_expect_success 'a value comes out before the input ends' '
	mkfifo fifo
	kq-jsonsplit <fifo >stream.out 2>stream.err &
	pid=$!
	exec 3>fifo
	printf "[{\"a\": 1},\n" >&3
	for i in $(seq 200); do test -s stream.out && break; sleep 0.05; done
	echo "{\"a\":1}" >want
	test_cmp want stream.out
	printf " {\"b\": 2}]\n" >&3
	exec 3>&-
	wait $pid
	printf "{\"a\":1}\n{\"b\":2}\n" >want
	test_cmp want stream.out
	test ! -s stream.err
'

test_expect_success 'the same through libjq: each text as it completes' '
	mkfifo fifo2
	kq-jsonsplit ".[] | .a" <fifo2 >jq.out &
	pid=$!
	exec 3>fifo2
	printf "[{\"a\": 1}]\n" >&3
	for i in $(seq 200); do test -s jq.out && break; sleep 0.05; done
	echo 1 >want
	test_cmp want jq.out
	printf "[{\"a\": 2}]\n" >&3
	exec 3>&-
	wait $pid
	printf "1\n2\n" >want
	test_cmp want jq.out
'

test_expect_success 'SIGINT while waiting: what was read is out, status 130' '
	mkfifo fifo3
	kq-jsonsplit <fifo3 >int.out 2>int.err &
	pid=$!
	exec 3>fifo3
	printf "[1, 2, " >&3
	for i in $(seq 200); do test -s int.out && break; sleep 0.05; done
	kill -INT $pid
	expect_status 130 wait $pid
	exec 3>&-
	printf "1\n2\n" >want
	test_cmp want int.out
	test ! -s int.err
'

test_expect_success 'a closed pipe ends it quietly with status 0' '
	{ kq-jsonsplit <13m.json 2>err; echo $? >status; } | head -n 1 >first &&
	test "$(cat status)" -eq 0 &&
	test ! -s err &&
	test $(wc -l <first) -eq 1
'

test_expect_success 'the same with libjq' '
	{ kq-jsonsplit ".[] | .id" <13m.json 2>err; echo $? >status; } |
		head -n 1 >first &&
	test "$(cat status)" -eq 0 &&
	test ! -s err
'

# Under ASan the shadow memory hides what the program itself uses.
case $KQ_BIN in
*asan*) test_expect_success 'peak memory (not measured under ASan)' 'true' ;;
*)
	test_expect_success 'peak memory stays under 16 MB for a 65 MB array' '
		command -v /usr/bin/time >/dev/null || { echo "no /usr/bin/time"; exit 1; } &&
		copies 1000 >65m.json &&
		/usr/bin/time -f %M -o mem kq-jsonsplit <65m.json | wc -l >count &&
		test "$(cat count)" -eq 30000 &&
		kb=$(tail -n 1 mem) &&
		echo "peak ${kb} KB" &&
		test "$kb" -lt 16384 &&
		/usr/bin/time -f %M -o mem2 kq-jsonsplit <13m.json >/dev/null &&
		kb2=$(tail -n 1 mem2) &&
		test $((kb - kb2)) -lt 2048
	'
	;;
esac

test_done
