/*
 * The broker's batch codecs: round trips, the decompression bound,
 * corrupt streams refused, and batches recompressed from each codec into
 * each other with every record and header field kept.
 */
#include <snappy-c.h>

#include "unit_broker.h"
#include "compress.h"
#include "errors.h"

static const int codecs[] = {KB_ZIP_NONE, KB_ZIP_GZIP, KB_ZIP_SNAPPY,
			     KB_ZIP_LZ4, KB_ZIP_ZSTD};
#define NCODECS (int)(sizeof(codecs) / sizeof(codecs[0]))

/* Kafka's default level of each codec (snappy has none). */
static int
level(int codec)
{
	return codec == KB_ZIP_GZIP ? -1 : codec == KB_ZIP_LZ4 ? 9 : 3;
}

/* Text that compresses some, but not to nothing: n bytes of it. */
static unsigned char *
sample(size_t n)
{
	unsigned char *p = malloc(n);
	size_t i;
	uint32_t x = 12345;

	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (unsigned char)("abcdefgh 0123\n"[(x >> 16) % 14]);
	}
	return p;
}

static void
round_trips(void **state)
{
	size_t n = 300 * 1024;
	unsigned char *p = sample(n);
	struct kb_buf z = {0}, out = {0};
	const char *why;
	int i;

	(void)state;
	for (i = 1; i < NCODECS; i++) {
		z.len = out.len = 0;
		assert_int_equal(kb_zip_compress(codecs[i], level(codecs[i]), p,
						 n, &z, &why),
				 0);
		assert_true(z.len < n);
		assert_int_equal(
			kb_zip_decompress(codecs[i], z.p, z.len, n, &out, &why),
			0);
		assert_int_equal(out.len, n);
		assert_memory_equal(out.p, p, n);
		/* One byte short of the limit: refused, nothing kept. */
		out.len = 0;
		assert_int_equal(kb_zip_decompress(codecs[i], z.p, z.len, n - 1,
						   &out, &why),
				 -2);
		assert_int_equal(out.len, 0);
	}
	kb_buf_free(&z);
	kb_buf_free(&out);
	free(p);
}

/* Kafka's Java client frames snappy (xerial); librdkafka writes it raw. */
static void
raw_snappy_is_read_too(void **state)
{
	size_t n = 100 * 1024, len = snappy_max_compressed_length(n);
	unsigned char *p = sample(n);
	char *z = malloc(len);
	struct kb_buf out = {0};
	const char *why;

	(void)state;
	assert_int_equal(snappy_compress((char *)p, n, z, &len), SNAPPY_OK);
	assert_int_equal(
		kb_zip_decompress(KB_ZIP_SNAPPY, z, len, n, &out, &why), 0);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.p, p, n);
	/* Announcing more than the limit is refused before any work. */
	out.len = 0;
	assert_int_equal(
		kb_zip_decompress(KB_ZIP_SNAPPY, z, len, n / 2, &out, &why),
		-2);
	kb_buf_free(&out);
	free(z);
	free(p);
}

static void
corrupt_streams_are_refused(void **state)
{
	size_t n = 64 * 1024;
	unsigned char *p = sample(n);
	struct kb_buf z = {0}, out = {0};
	const char *why;
	int i;

	(void)state;
	for (i = 1; i < NCODECS; i++) {
		z.len = out.len = 0;
		assert_int_equal(kb_zip_compress(codecs[i], level(codecs[i]), p,
						 n, &z, &why),
				 0);
		/*
		 * Cut short. (Bytes changed in the middle may still
		 * decompress where the codec has no checksum: the batch's
		 * CRC catches those, and the records are walked.)
		 */
		assert_int_equal(kb_zip_decompress(codecs[i], z.p, z.len / 2, n,
						   &out, &why),
				 -1);
		assert_int_equal(out.len, 0);
		/* Not the codec's data at all. */
		memset(z.p, 0xff, 200);
		assert_int_equal(
			kb_zip_decompress(codecs[i], z.p, 200, n, &out, &why),
			-1);
	}
	assert_int_equal(kb_zip_decompress(7, p, 10, n, &out, &why), -1);
	kb_buf_free(&z);
	kb_buf_free(&out);
	free(p);
}

static void
put_varint(struct kb_buf *b, int64_t v)
{
	unsigned char t[10];

	kb_put(b, t, unit_varint(t, v));
}

/* The records of a batch: n of them, key "kI", value "value I...". */
static void
put_records(struct kb_buf *b, int n)
{
	struct kb_buf r = {0};
	char key[32], val[64];
	int i;

	for (i = 0; i < n; i++) {
		r.len = 0;
		snprintf(key, sizeof(key), "k%d", i);
		snprintf(val, sizeof(val), "value %d of the batch", i);
		kb_put_i8(&r, 0);      /* attributes */
		put_varint(&r, i * 3); /* timestamp delta */
		put_varint(&r, i);     /* offset delta */
		put_varint(&r, (int64_t)strlen(key));
		kb_put(&r, key, strlen(key));
		put_varint(&r, (int64_t)strlen(val));
		kb_put(&r, val, strlen(val));
		put_varint(&r, 1); /* one header */
		put_varint(&r, 1);
		kb_put(&r, "h", 1);
		put_varint(&r, 1);
		kb_put(&r, "x", 1);
		put_varint(b, (int64_t)r.len);
		kb_put(b, r.p, r.len);
	}
	kb_buf_free(&r);
}

/*
 * An uncompressed batch of n records, transactional, of producer 7 epoch
 * 3 from sequence 11: the fields recompression must keep.
 */
static void
make_batch(struct kb_buf *b, int n)
{
	b->len = 0;
	kb_put_i64(b, 0);
	kb_put_i32(b, 0); /* length, below */
	kb_put_i32(b, 0);
	kb_put_i8(b, 2);
	kb_put_i32(b, 0); /* CRC, below */
	kb_put_i16(b, 0x10);
	kb_put_i32(b, n - 1);
	kb_put_i64(b, 1700000000000);
	kb_put_i64(b, 1700000000000 + 3 * (n - 1));
	kb_put_i64(b, 7);
	kb_put_i16(b, 3);
	kb_put_i32(b, 11);
	kb_put_i32(b, n);
	put_records(b, n);
	kb_st32(b->p + KB_B_LENGTH, (uint32_t)(b->len - 12));
	kb_st32(b->p + KB_B_CRC,
		kb_crc32c(0, b->p + KB_B_ATTRS, b->len - KB_B_ATTRS));
}

/* The records of the batch at p, uncompressed, into out. */
static void
records_of(const struct kb_buf *bt, struct kb_buf *out)
{
	const char *why;
	int codec = bt->p[KB_B_ATTRS + 1] & 0x07;

	out->len = 0;
	if (codec == KB_ZIP_NONE)
		kb_put(out, bt->p + KB_BATCH_HEADER, bt->len - KB_BATCH_HEADER);
	else
		assert_int_equal(kb_zip_decompress(codec,
						   bt->p + KB_BATCH_HEADER,
						   bt->len - KB_BATCH_HEADER,
						   1 << 20, out, &why),
				 0);
}

static void
batches_are_recompressed_into_each_codec(void **state)
{
	struct kb_buf raw = {0}, first = {0}, second = {0}, want = {0},
		      got = {0};
	const char *why;
	size_t size;
	int i, j;

	(void)state;
	make_batch(&raw, 500);
	records_of(&raw, &want);
	for (i = 0; i < NCODECS; i++) {
		first.len = 0;
		assert_int_equal(kb_zip_batch(raw.p, raw.len, codecs[i],
					      level(codecs[i]), 1 << 20, &first,
					      &why),
				 0);
		for (j = 0; j < NCODECS; j++) {
			second.len = 0;
			assert_int_equal(kb_zip_batch(first.p, first.len,
						      codecs[j],
						      level(codecs[j]), 1 << 20,
						      &second, &why),
					 0);
			/* A whole batch, its CRC right, in codec j. */
			assert_int_equal(kb_batch_check(second.p, second.len,
							&size, &why),
					 0);
			assert_int_equal(size, second.len);
			assert_int_equal(second.p[KB_B_ATTRS + 1],
					 0x10 | codecs[j]);
			/* Offsets, timestamps, producer, count kept. */
			assert_memory_equal(second.p, raw.p, KB_B_LENGTH);
			assert_memory_equal(second.p + KB_B_LASTDELTA,
					    raw.p + KB_B_LASTDELTA,
					    KB_BATCH_HEADER - KB_B_LASTDELTA);
			records_of(&second, &got);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.p, want.p, want.len);
		}
	}
	kb_buf_free(&raw);
	kb_buf_free(&first);
	kb_buf_free(&second);
	kb_buf_free(&want);
	kb_buf_free(&got);
}

static void
bad_batches_are_refused(void **state)
{
	struct kb_buf raw = {0}, z = {0};
	const char *why;
	int i;

	(void)state;
	make_batch(&raw, 50);
	for (i = 1; i < NCODECS; i++) {
		z.len = 0;
		assert_int_equal(kb_zip_batch(raw.p, raw.len, codecs[i],
					      level(codecs[i]), 1 << 20, &z,
					      &why),
				 0);
		/* Past the bound when decompressed. */
		assert_int_equal(kb_zip_batch(z.p, z.len, KB_ZIP_PRODUCER, 0,
					      100, NULL, &why),
				 KB_INVALID_RECORD);
		/* A count its records do not add up to. */
		kb_st32(z.p + KB_B_COUNT, 51);
		assert_int_equal(kb_zip_batch(z.p, z.len, KB_ZIP_PRODUCER, 0,
					      1 << 20, NULL, &why),
				 KB_CORRUPT_MESSAGE);
		kb_st32(z.p + KB_B_COUNT, 50);
		/* Records that do not decompress. */
		memset(z.p + KB_BATCH_HEADER, 0, 12);
		assert_int_equal(kb_zip_batch(z.p, z.len, KB_ZIP_NONE, 0,
					      1 << 20, &raw, &why),
				 KB_CORRUPT_MESSAGE);
	}
	/* An unknown codec. */
	raw.p[KB_B_ATTRS + 1] |= 0x07;
	assert_int_equal(kb_zip_batch(raw.p, raw.len, KB_ZIP_PRODUCER, 0,
				      1 << 20, NULL, &why),
			 KB_CORRUPT_MESSAGE);
	kb_buf_free(&raw);
	kb_buf_free(&z);
}

static void
names(void **state)
{
	(void)state;
	assert_int_equal(kb_zip_by_name("producer"), KB_ZIP_PRODUCER);
	assert_int_equal(kb_zip_by_name("uncompressed"), KB_ZIP_NONE);
	assert_int_equal(kb_zip_by_name("zstd"), KB_ZIP_ZSTD);
	assert_int_equal(kb_zip_by_name("none"), -2);
	assert_string_equal(kb_zip_name(KB_ZIP_LZ4), "lz4");
	assert_null(kb_zip_name(5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips),
		cmocka_unit_test(raw_snappy_is_read_too),
		cmocka_unit_test(corrupt_streams_are_refused),
		cmocka_unit_test(batches_are_recompressed_into_each_codec),
		cmocka_unit_test(bad_batches_are_refused),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
