#!/bin/sh
# compression.type (issue 17): a topic that names a codec gets every batch
# in that codec, whatever the producer sent, its records, keys, headers
# and timestamps unchanged; "producer" keeps the producer's codec. The
# codec stored is read through a raw Fetch (tests/e2e/kqwire.py), so the
# same checks run on Apache Kafka (KQ_TEST_BROKER=kafka). max.message.bytes
# holds the batch as recompressed; a batch that does not decompress, or
# decompresses past kq-broker's bound, is refused and not stored.
. "$(dirname "$0")/lib.sh"

no_mock "topic configs"

WIRE=$(cd "$(dirname "$0")" && pwd)
export WIRE

start_broker

# codecs TOPIC: the codec of each batch of partition 0, one a line.
cat >"$TMP/codecs.py" <<-\PY
import os, struct, sys
sys.path.insert(0, os.environ["WIRE"])
from kqwire import *
NAMES = ["none", "gzip", "snappy", "lz4", "zstd"]
c = Conn(sys.argv[1])
off, high = 0, 1
while off < high:
    c.send(1, 4, i32(-1) + i32(100) + i32(1) + i32(8 << 20) + i8(0) +
           i32(1) + s(sys.argv[2]) + i32(1) + i32(0) + i64(off) +
           i32(8 << 20))
    r = c.recv()
    r.i32()
    r.i32()
    r.str()
    r.i32()
    r.i32()
    err = r.i16()
    high = r.i64()
    r.i64()
    r.array(lambda: (r.i64(), r.i64()))
    recs = r.bytes() or b""
    assert err == 0, "fetch error %d" % err
    p = 0
    while p + 61 <= len(recs):
        base, size = struct.unpack(">qi", recs[p:p + 12])
        if p + 12 + size > len(recs):
            break
        attrs, delta = struct.unpack(">hi", recs[p + 21:p + 27])
        print(NAMES[attrs & 7])
        off = base + delta + 1
        p += 12 + size
PY
codecs() {
	/usr/bin/python3 "$TMP/codecs.py" "$KQ_BROKERS" "$1" | uniq
}

# The same, but for a first uncompressed batch: kcat (librdkafka 2.0.2)
# sometimes sends its first messages before it knows what the broker
# reads, uncompressed, as seen on Apache Kafka 4.4, which keeps what the
# producer sent (compression.type=producer).
producer_codecs() {
	codecs "$1" | sed "1{/^none$/d}"
}

# produce TOPIC HEX: a raw Produce v3 of one batch (hex), its error code.
cat >"$TMP/produce.py" <<-\PY
import os, sys
sys.path.insert(0, os.environ["WIRE"])
from kqwire import *
c = Conn(sys.argv[1])
batch = bytes.fromhex(sys.stdin.read().strip())
c.send(0, 3, s(None) + i16(-1) + i32(10000) + i32(1) + s(sys.argv[2]) +
       i32(1) + i32(0) + b(batch))
r = c.recv()
r.i32()
r.str()
r.i32()
r.i32()
print(r.i16())
PY
produce() {
	/usr/bin/python3 "$TMP/produce.py" "$KQ_BROKERS" "$1"
}

# batch CODEC N SIZE: a batch of N records of SIZE zero bytes each, its
# records compressed with CODEC (gzip, or "garbage": bytes no codec
# reads), as hex.
cat >"$TMP/batch.py" <<-\PY
import struct, sys, zlib
codec, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def varint(v):
    u, out = (v << 1) ^ (v >> 63), b""
    while u >= 0x80:
        out += bytes([u & 0x7f | 0x80])
        u >>= 7
    return out + bytes([u])
def record(i):
    r = b"\0" + varint(0) + varint(i) + varint(-1) + varint(size) + \
        bytes(size) + varint(0)
    return varint(len(r)) + r
recs = b"".join(record(i) for i in range(n))
if codec == "gzip":
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    recs, attrs = z.compress(recs) + z.flush(), 1
else:
    recs, attrs = b"\x1f\x8b" + bytes(range(200)), 1
body = struct.pack(">hiqqqhii", attrs, n - 1, 1700000000000,
                   1700000000000, -1, -1, -1, n) + recs
def crc32c(data):
    crc = 0xffffffff
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff
head = struct.pack(">qiib", 0, 4 + 1 + 4 + len(body), -1, 2)
print((head + struct.pack(">I", crc32c(body)) + body).hex())
PY

# The records: keys and headers through kcat, timestamps through kq-pub.
printf 'k%d:value %d\n' $(seq 1 500 | sed 'p') >"$TMP/lines"
for i in 1 2 3; do
	printf '{"key":"t%d","value":"at %d","timestamp":150000000%d123,"headers":[["h","%d"],["n",null]]}\n' \
		$i $i $i $i
done >"$TMP/envelopes"

for x in gzip snappy lz4 zstd uncompressed; do
	# The producer's codec: none, but zstd where none is what is asked.
	z=none
	[ $x != uncompressed ] || z=zstd
	test_expect_success "compression.type=$x: batches stored in $x, records unchanged" "
		kq-topic create -c compression.type=$x ct-$x &&
		kcat_write ct-$x -z $z -K: -H h=x -H e= <\"\$TMP/lines\" &&
		kq-pub -q -J -t ct-$x <\"\$TMP/envelopes\" &&
		want=$x && [ $x != uncompressed ] || want=none &&
		codecs ct-$x >codecs &&
		echo \$want >expect && test_cmp expect codecs &&
		kcat_read ct-$x -f '%k|%s|%h\n' | head -n 500 >got &&
		sed 's/:/|/; s/\$/|h=x,e=/' \"\$TMP/lines\" >expect &&
		test_cmp expect got &&
		kq-sub -J -t ct-$x -o beginning -e -q |
			jq -c 'select(.key | startswith(\"t\")) |
				{timestamp, key, value, headers}' >got &&
		jq -c '{timestamp, key, value, headers}' \"\$TMP/envelopes\" >expect &&
		test_cmp expect got
	"
done

test_expect_success 'compression.type=uncompressed: a gzip batch from kcat is stored uncompressed' '
	kcat_write ct-uncompressed -z gzip -K: <"$TMP/lines" &&
	/usr/bin/python3 "$TMP/batch.py" gzip 2 1000 >hex &&
	produce ct-uncompressed <hex >err && echo 0 >expect && test_cmp expect err &&
	echo none >expect && codecs ct-uncompressed >got && test_cmp expect got &&
	kcat_read ct-uncompressed -f "%k|%s\n" | tail -n 502 | head -n 500 >got &&
	sed "s/:/|/" "$TMP/lines" >expect && test_cmp expect got
'

test_expect_success 'compression.type=producer keeps what each producer sent' '
	kq-topic create ct-producer &&
	kcat_write ct-producer -z lz4 -K: <"$TMP/lines" &&
	kcat_write ct-producer -z none -K: <"$TMP/lines" &&
	kcat_write ct-producer -z gzip -K: <"$TMP/lines" &&
	kcat_write ct-producer -z snappy -K: <"$TMP/lines" &&
	printf "lz4\nnone\ngzip\nsnappy\n" >expect &&
	producer_codecs ct-producer >got && test_cmp expect got &&
	kcat_read ct-producer -f "%k|%s\n" >got &&
	cat "$TMP/lines" "$TMP/lines" "$TMP/lines" "$TMP/lines" |
		sed "s/:/|/" >expect &&
	test_cmp expect got
'

test_expect_success 'kq-topic alter: a new compression.type applies to the batches after it' '
	kq-topic alter -c compression.type=zstd ct-producer &&
	kcat_write ct-producer -z gzip -K: <"$TMP/lines" &&
	printf "lz4\nnone\ngzip\nsnappy\nzstd\n" >expect &&
	producer_codecs ct-producer >got && test_cmp expect got &&
	kcat_read ct-producer -f "%k|%s\n" -o 2000 >got &&
	sed "s/:/|/" "$TMP/lines" >expect && test_cmp expect got
'

test_expect_success 'max.message.bytes holds the batch as recompressed' '
	kq-topic create -c compression.type=uncompressed \
		-c max.message.bytes=5000 ct-small &&
	kq-topic create -c max.message.bytes=5000 ct-small-producer &&
	awk "BEGIN { for (i = 0; i < 2000; i++) printf \"0123456789\"; print \"\" }" >big &&
	kq-pub -q -z gzip -t ct-small-producer big &&
	expect_status 1 kq-pub -q -z gzip -t ct-small --report big >report &&
	grep -i "too large" report &&
	kcat_read ct-small -f "%s\n" >got && test ! -s got &&
	kcat_read ct-small-producer -f "%s\n" >got && test_cmp big got
'

# Kafka's Java client (when its jars are fetched: tests/kafka/kafka.sh):
# it reads xerial's snappy framing and the LZ4 frames written here, and
# its own batches, snappy framed so, are checked and kept.
if sh "$KQ_KAFKA_SH" present; then
	test_expect_success "Kafka's Java client reads every codec stored, and writes each" '
		for c in gzip snappy lz4 zstd; do
			test "$(codecs ct-$c)" = $c || exit 1
			kafka_tool kafka-console-consumer \
				--bootstrap-server "$KQ_BROKERS" --topic ct-$c \
				--from-beginning --max-messages 500 \
				--formatter-property print.key=true \
				--formatter-property key.separator=: >got 2>err ||
				{ cat err; exit 1; }
			test_cmp "$TMP/lines" got || exit 1
		done &&
		kq-topic create ct-java &&
		for c in snappy lz4 zstd gzip; do
			kafka_tool kafka-console-producer \
				--bootstrap-server "$KQ_BROKERS" --topic ct-java \
				--compression-codec $c <"$TMP/lines" 2>err ||
				{ cat err; exit 1; }
		done &&
		printf "snappy\nlz4\nzstd\ngzip\n" >expect &&
		codecs ct-java >got && test_cmp expect got &&
		kcat_read ct-java -f "%s\n" >got &&
		cat "$TMP/lines" "$TMP/lines" "$TMP/lines" "$TMP/lines" >expect &&
		test_cmp expect got
	'
fi

test_expect_success 'message.timestamp.type=LogAppendTime: readers see the time of the append' '
	kq-topic create -c compression.type=lz4 \
		-c message.timestamp.type=LogAppendTime ct-append &&
	before=$(($(date +%s) * 1000)) &&
	kq-pub -q -J -t ct-append <"$TMP/envelopes" &&
	echo lz4 >expect && codecs ct-append >got && test_cmp expect got &&
	kq-sub -J -t ct-append -o beginning -e -q >got &&
	test $(wc -l <got) = 3 &&
	jq -c --argjson t $before "select(.timestamp < \$t)" got >old &&
	test ! -s old
'

test_expect_success 'a compressed batch that does not decompress is refused, not stored' '
	kq-topic create ct-corrupt &&
	/usr/bin/python3 "$TMP/batch.py" garbage 3 10 >hex &&
	produce ct-corrupt <hex >err &&
	test "$(cat err)" != 0 &&
	if [ "${KQ_TEST_BROKER:-}" != kafka ]; then echo 2 >expect && test_cmp expect err; fi &&
	kcat_read ct-corrupt >got && test ! -s got
'

if [ "${KQ_TEST_BROKER:-}" != kafka ]; then
	# Listed from v0 so that librdkafka compresses (KAFKA-18659), as
	# Kafka 4 lists it; v0-2 themselves are refused.
	test_expect_success 'Produce is listed from v0; v0 to v2 are refused UNSUPPORTED_VERSION' '
		/usr/bin/python3 - "$KQ_BROKERS" <<-\PY
		import os, sys
		sys.path.insert(0, os.environ["WIRE"])
		from kqwire import *
		c = Conn(sys.argv[1])
		err, v = api_versions(c)
		expect("Produce versions", v.get(0), (0, 11))
		for ver in (0, 1, 2):
		    c.send(0, ver, s(None) + i16(1) + i32(1000) + i32(0))
		    expect("Produce v%d" % ver, c.recv().i16(), UNSUPPORTED_VERSION)
		PY
	'

	test_expect_success 'kq-broker -c compression.type: the default of the topics that set none' '
		(
			start_kq_broker -c compression.type=gzip &&
			kq-topic create dz &&
			kq-topic create -c compression.type=producer dp &&
			test "$(kq-topic configs dz |
				awk "\$2 == \"compression.type\" { print \$3 }")" = gzip &&
			kcat_write dz -z none -K: <"$TMP/lines" &&
			kcat_write dp -z none -K: <"$TMP/lines" &&
			echo gzip >expect && codecs dz >got && test_cmp expect got &&
			echo none >expect && codecs dp >got && test_cmp expect got &&
			kcat_read dz -f "%k|%s\n" >got &&
			sed "s/:/|/" "$TMP/lines" >expect && test_cmp expect got
		)
	'

	test_expect_success 'a batch that decompresses past the bound is refused (INVALID_RECORD)' '
		kq-topic create ct-bomb &&
		/usr/bin/python3 "$TMP/batch.py" gzip 2 $((40 << 20)) >hex &&
		test $(wc -c <hex) -lt 1000000 &&
		produce ct-bomb <hex >err &&
		echo 87 >expect && test_cmp expect err &&
		kcat_read ct-bomb >got && test ! -s got &&
		/usr/bin/python3 "$TMP/batch.py" gzip 2 1000 >hex &&
		produce ct-bomb <hex >err &&
		echo 0 >expect && test_cmp expect err
	'
fi

test_done
