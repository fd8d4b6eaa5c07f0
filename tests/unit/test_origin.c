/*
 * A record named by where it came from: the input it was in (found among
 * several by the number of its first record), its line or record number
 * there, a whole input by its name, an envelope by the line it began on
 * while it is among the newest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "origin.h"

static const char *
name(const struct kq_origin *o, uint64_t rec)
{
	static char buf[128];

	return kq_origin_name(o, rec, buf, sizeof(buf));
}

static void
lines_and_records(void **state)
{
	struct kq_origin o;

	(void)state;
	kq_origin_init(&o, KQ_ORIGIN_LINE);
	assert_string_equal(name(&o, 1), "?");
	kq_origin_input(&o, "stdin", 1);
	kq_origin_input(&o, "a.txt", 18);
	/* An empty input: its first record is the next one's. */
	kq_origin_input(&o, "empty", 20);
	kq_origin_input(&o, "b.txt", 20);
	assert_string_equal(name(&o, 1), "stdin line 1");
	assert_string_equal(name(&o, 17), "stdin line 17");
	assert_string_equal(name(&o, 18), "a.txt line 1");
	assert_string_equal(name(&o, 19), "a.txt line 2");
	assert_string_equal(name(&o, 20), "b.txt line 1");
	assert_string_equal(name(&o, 1000), "b.txt line 981");
	o.unit = KQ_ORIGIN_RECORD;
	assert_string_equal(name(&o, 19), "a.txt record 2");
	o.unit = KQ_ORIGIN_WHOLE;
	assert_string_equal(name(&o, 19), "a.txt");
	kq_origin_free(&o);
}

static void
envelopes(void **state)
{
	struct kq_origin o;

	(void)state;
	kq_origin_init(&o, KQ_ORIGIN_ENVELOPE);
	kq_origin_input(&o, "in.json", 1);
	kq_origin_line(&o, 1, 1);
	kq_origin_line(&o, 2, 4);
	assert_string_equal(name(&o, 2), "in.json line 4");
	/* Not yet seen, or pushed out by a newer one: the input alone. */
	assert_string_equal(name(&o, 3), "in.json");
	kq_origin_line(&o, 1 + KQ_ORIGIN_RING, 99);
	assert_string_equal(name(&o, 1), "in.json");
	assert_string_equal(name(&o, 1 + KQ_ORIGIN_RING), "in.json line 99");
	kq_origin_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_and_records),
		cmocka_unit_test(envelopes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
