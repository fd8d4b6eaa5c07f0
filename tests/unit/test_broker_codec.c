/* The broker's wire reader and writer: bounds, nulls, hostile counts. */
#include "unit_broker.h"
#include "codec.h"

static void
round_trip(void **state)
{
	struct kb_buf b = {0};
	struct kb_rd r;
	struct kb_str s;
	const unsigned char *p;

	(void)state;
	kb_put_i8(&b, -2);
	kb_put_i16(&b, -300);
	kb_put_i32(&b, 70000);
	kb_put_i64(&b, -5000000000LL);
	kb_put_cstr(&b, "topic");
	kb_put_cstr(&b, NULL);
	kb_put_bytes(&b, "xyz", 3);
	kb_put_i32(&b, 2);
	kb_rd_init(&r, b.p, b.len);
	assert_int_equal(kb_i8(&r), -2);
	assert_int_equal(kb_i16(&r), -300);
	assert_int_equal(kb_i32(&r), 70000);
	assert_true(kb_i64(&r) == -5000000000LL);
	s = kb_string(&r);
	assert_true(kb_str_eq(s, "topic"));
	s = kb_string(&r);
	assert_int_equal(s.len, -1);
	assert_null(s.s);
	assert_int_equal(kb_bytes(&r, &p), 3);
	assert_memory_equal(p, "xyz", 3);
	assert_int_equal(kb_array(&r),
			 0); /* 2 elements cannot fit in 0 bytes */
	assert_true(r.err);
	kb_buf_free(&b);
}

static void
short_reads_fail_once(void **state)
{
	static const unsigned char in[] = {0, 5, 'a', 'b'};
	struct kb_rd r;
	struct kb_str s;

	(void)state;
	kb_rd_init(&r, in, sizeof(in));
	s = kb_string(&r);
	assert_true(r.err);
	assert_int_equal(s.len, -1);
	/* Everything after an error reads as zero. */
	assert_int_equal(kb_i32(&r), 0);
	assert_int_equal(kb_left(&r), 0);
}

static void
negative_lengths(void **state)
{
	static const unsigned char str[] = {0xff, 0xfe};
	static const unsigned char bytes[] = {0xff, 0xff, 0xff, 0xf0};
	static const unsigned char arr[] = {0x80, 0, 0, 0};
	const unsigned char *p;
	struct kb_rd r;

	(void)state;
	kb_rd_init(&r, str, sizeof(str));
	kb_string(&r);
	assert_true(r.err);
	kb_rd_init(&r, bytes, sizeof(bytes));
	assert_int_equal(kb_bytes(&r, &p), -1);
	assert_true(r.err);
	kb_rd_init(&r, arr, sizeof(arr));
	kb_array(&r);
	assert_true(r.err);
}

/* A count the bytes left cannot hold: refused before a handler allocates. */
static void
array_counts_are_bounded(void **state)
{
	/* Count 3, then 6 bytes: three strings of 2 bytes fit; four do not. */
	static const unsigned char three[] = {0, 0, 0, 3, 0, 0, 0, 0, 0, 0};
	static const unsigned char four[] = {0, 0, 0, 4, 0, 0, 0, 0, 0, 0};
	static const unsigned char huge[] = {0x05, 0xf5, 0xe1, 0x00, 0, 0};
	struct kb_rd r;

	(void)state;
	kb_rd_init(&r, three, sizeof(three));
	assert_int_equal(kb_array_of(&r, 2), 3);
	assert_false(r.err);
	kb_rd_init(&r, four, sizeof(four));
	assert_int_equal(kb_array_of(&r, 2), 0);
	assert_true(r.err);
	/* 100,000,000 elements in 2 bytes: an error, not an allocation. */
	kb_rd_init(&r, huge, sizeof(huge));
	assert_int_equal(kb_array(&r), 0);
	assert_true(r.err);
}

static void
varlongs(void **state)
{
	/* Zig-zag: 0 -> 0, -1 -> 1, 1 -> 2, 150 -> 300 (0xac 0x02). */
	static const unsigned char in[] = {0x00, 0x01, 0x02, 0xac, 0x02};
	static const unsigned char bad[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0x01};
	struct kb_rd r;

	(void)state;
	kb_rd_init(&r, in, sizeof(in));
	assert_int_equal(kb_varlong(&r), 0);
	assert_int_equal(kb_varlong(&r), -1);
	assert_int_equal(kb_varlong(&r), 1);
	assert_int_equal(kb_varlong(&r), 150);
	assert_false(r.err);
	kb_rd_init(&r, bad, sizeof(bad));
	kb_varlong(&r);
	assert_true(r.err);
}

static void
patching(void **state)
{
	struct kb_buf b = {0};
	size_t at;
	int i;

	(void)state;
	at = b.len;
	kb_put_i32(&b, 0);
	for (i = 0; i < 5000; i++)
		kb_put_i16(&b, (int16_t)i);
	kb_patch_i32(&b, at, 5000);
	assert_int_equal(kb_be32(b.p), 5000);
	assert_int_equal(b.len, 4 + 10000);
	kb_buf_free(&b);
}

/* KIP-482's compact forms, as Kafka's own tests spell them. */
static void
flexible_forms(void **state)
{
	static const unsigned char want[] = {
		6,    't',  'o', 'p', 'i', 'c', /* compact string: length + 1 */
		0,				/* null string */
		4,    'x',  'y', 'z',		/* compact bytes */
		0x81, 0x01, /* array of 128: 129 as a varint */
		0,	    /* no tagged fields */
	};
	struct kb_buf b = {0};
	struct kb_rd r;
	struct kb_str s;
	const unsigned char *p;

	(void)state;
	b.flex = 1;
	kb_put_cstr(&b, "topic");
	kb_put_cstr(&b, NULL);
	kb_put_bytes(&b, "xyz", 3);
	kb_put_array(&b, 128);
	kb_put_tags(&b);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.p, want, sizeof(want));
	kb_rd_init(&r, b.p, b.len);
	r.flex = 1;
	s = kb_string(&r);
	assert_true(kb_str_eq(s, "topic"));
	assert_int_equal(kb_string(&r).len, -1);
	assert_int_equal(kb_bytes(&r, &p), 3);
	assert_memory_equal(p, "xyz", 3);
	/* 128 elements cannot fit in the byte left. */
	assert_int_equal(kb_array(&r), 0);
	assert_true(r.err);
	kb_buf_free(&b);
}

static void
tagged_fields_are_skipped(void **state)
{
	/* Two tags: 0 of 2 bytes, 5 of 0 bytes; then an int8. */
	static const unsigned char in[] = {2, 0, 2, 0xaa, 0xbb, 5, 0, 7};
	static const unsigned char bad[] = {1, 0, 9, 0xaa};
	static const unsigned char huge[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
	struct kb_rd r;

	(void)state;
	kb_rd_init(&r, in, sizeof(in));
	r.flex = 1;
	kb_tags(&r);
	assert_int_equal(kb_i8(&r), 7);
	assert_false(r.err);
	kb_rd_init(&r, bad, sizeof(bad));
	r.flex = 1;
	kb_tags(&r);
	assert_true(r.err);
	/* A varint over 32 bits is refused, not wrapped. */
	kb_rd_init(&r, huge, sizeof(huge));
	kb_uvarint(&r);
	assert_true(r.err);
	/* Classic forms have no tagged fields: nothing is read. */
	kb_rd_init(&r, in, sizeof(in));
	kb_tags(&r);
	assert_int_equal(kb_left(&r), sizeof(in));
}

static void
patched_compact_counts_move_what_follows(void **state)
{
	struct kb_buf b = {0};
	struct kb_rd r;
	size_t at;
	int i;

	(void)state;
	b.flex = 1;
	at = kb_array_mark(&b);
	for (i = 0; i < 200; i++)
		kb_put_i8(&b, (int8_t)i);
	kb_patch_array(&b, at, 200);
	kb_put_tags(&b);
	kb_rd_init(&r, b.p, b.len);
	r.flex = 1;
	assert_int_equal(kb_array(&r), 200);
	for (i = 0; i < 200; i++)
		assert_int_equal((unsigned char)kb_i8(&r), i);
	kb_tags(&r);
	assert_false(r.err);
	assert_int_equal(kb_left(&r), 0);
	kb_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(short_reads_fail_once),
		cmocka_unit_test(negative_lengths),
		cmocka_unit_test(array_counts_are_bounded),
		cmocka_unit_test(varlongs),
		cmocka_unit_test(patching),
		cmocka_unit_test(flexible_forms),
		cmocka_unit_test(tagged_fields_are_skipped),
		cmocka_unit_test(patched_compact_counts_move_what_follows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
