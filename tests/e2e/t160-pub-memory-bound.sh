#!/bin/bash
# kq-pub's memory does not grow with its input: publishing 50 MB of small
# lines, or 135 MB of records of 900 KB, to a broker slower than the
# input (100 ms round trips), its peak RSS stays under the 64 MB kq-pub(1)
# states, and every record arrives (kcat counts them).
. "$(dirname "$0")/lib.sh"

# In KiB. AddressSanitizer keeps freed memory in quarantine, and its
# shadow: under it the RSS says nothing of kq-pub's.
BOUND=$((64 * 1024))
if ldd "$(command -v kq-pub)" | grep -q libasan; then
	BOUND=$((1 << 40))
fi

# The fault broker (librdkafka's mock cluster), for its slow round trips.
start_fault_broker --topic small:8 --topic large:8
broker_ctl rtt 1 100

# total TOPIC: the sum of its partitions' end offsets, as kcat says.
total() {
	q=""
	for p in 0 1 2 3 4 5 6 7; do q="$q -t $1:$p:-1"; done
	# shellcheck disable=SC2086
	kcat -b "$KQ_BROKERS" -Q $q | awk '{ s += $NF } END { print s + 0 }'
}

test_expect_success '500,000 lines of 100 bytes: peak RSS under 64 MB, all delivered' '
	awk "BEGIN { s = sprintf(\"%0100d\", 0)
		for (i = 0; i < 500000; i++) print s }" >lines &&
	/usr/bin/time -f %M -o rss kq-pub -q -t small <lines &&
	echo "peak $(cat rss) KiB" &&
	test "$(cat rss)" -lt $BOUND &&
	test "$(total small)" -eq 500000
'

test_expect_success '150 records of 900 KB: peak RSS under 64 MB, all delivered' '
	head -c 900000 /dev/zero | tr "\0" y >record &&
	for i in $(seq 150); do cat record; echo; done >large &&
	/usr/bin/time -f %M -o rss kq-pub -q -t large <large &&
	echo "peak $(cat rss) KiB" &&
	test "$(cat rss)" -lt $BOUND &&
	test "$(total large)" -eq 150
'

test_done
