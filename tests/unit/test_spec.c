/* Durations, timestamps, integers and offset specs as users write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"
#include "spec.h"

static void
durations(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(kq_parse_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(kq_parse_duration("3s", &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(kq_parse_duration("2m", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(kq_parse_duration("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(kq_parse_duration("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	/* A bare number is seconds. */
	assert_int_equal(kq_parse_duration("10", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(kq_parse_duration("0.25", &ms), 0);
	assert_int_equal(ms, 250);
}

static void
bad_durations(void **state)
{
	static const char *bad[] = {"",
				    "s",
				    "ms",
				    "3x",
				    "-1s",
				    " 3s",
				    "3 s",
				    "1.s",
				    ".5s",
				    "1e3",
				    "99999999999999999h",
				    "9223372036854775809ms",
				    "9223372036854775807",
				    "106751991167301d"};
	int64_t ms = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kq_parse_duration(bad[i], &ms), -1);
		assert_int_equal(ms, 7);
	}
}

static void
integers(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(kq_parse_int("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(kq_parse_int("-3", -5, 5, &v), 0);
	assert_int_equal(v, -3);
	assert_int_equal(kq_parse_int("101", 0, 100, &v), -1);
	assert_int_equal(kq_parse_int("4x", 0, 100, &v), -1);
	assert_int_equal(kq_parse_int("", 0, 100, &v), -1);
	assert_int_equal(kq_parse_int(" 4", 0, 100, &v), -1);
	assert_int_equal(kq_parse_int("99999999999999999999", 0, INT64_MAX, &v),
			 -1);
}

static void
timestamps(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(kq_parse_timestamp("1700000000123", &ms), 0);
	assert_int_equal(ms, 1700000000123LL);
	assert_int_equal(kq_parse_timestamp("2023-11-14T22:13:20Z", &ms), 0);
	assert_int_equal(ms, 1700000000000LL);
	assert_int_equal(kq_parse_timestamp("2023-11-14T22:13:20.5Z", &ms), 0);
	assert_int_equal(ms, 1700000000500LL);
	assert_int_equal(kq_parse_timestamp("2023-11-14T23:13:20+01:00", &ms),
			 0);
	assert_int_equal(ms, 1700000000000LL);
	assert_int_equal(kq_parse_timestamp("2023-11-14", &ms), 0);
	assert_int_equal(ms, 1699920000000LL);
	/* No zone means UTC. */
	assert_int_equal(kq_parse_timestamp("2023-11-14 22:13", &ms), 0);
	assert_int_equal(ms, 1699999980000LL);
	assert_int_equal(kq_parse_timestamp("2023-13-01", &ms), -1);
	assert_int_equal(kq_parse_timestamp("2023-11-14T25:00", &ms), -1);
	assert_int_equal(kq_parse_timestamp("2023-11-14Tx", &ms), -1);
	assert_int_equal(kq_parse_timestamp("yesterday", &ms), -1);
}

static void
iso8601_round_trip(void **state)
{
	char buf[KQ_ISO8601_LEN];
	int64_t ms;

	(void)state;
	kq_format_iso8601(1700000000123LL, buf);
	assert_string_equal(buf, "2023-11-14T22:13:20.123Z");
	assert_int_equal(kq_parse_timestamp(buf, &ms), 0);
	assert_int_equal(ms, 1700000000123LL);
	kq_format_iso8601(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	/* Four digits for every year, as ISO 8601 wants. */
	kq_format_iso8601(-31000000000000LL, buf);
	assert_string_equal(buf, "0987-08-25T16:53:20.000Z");
	assert_int_equal(kq_parse_timestamp(buf, &ms), 0);
	assert_int_equal(ms, -31000000000000LL);
}

static void
offsets(void **state)
{
	struct kq_offset_spec o;
	int64_t now = 1700000000000LL;

	(void)state;
	assert_int_equal(kq_parse_offset("beginning", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_BEGINNING);
	assert_int_equal(kq_parse_offset("end", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_END);
	assert_int_equal(kq_parse_offset("stored", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_STORED);
	assert_int_equal(kq_parse_offset("17", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_ABSOLUTE);
	assert_int_equal(o.value, 17);
	assert_int_equal(kq_parse_offset("-5", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_FROM_END);
	assert_int_equal(o.value, 5);
	assert_int_equal(kq_parse_offset("@1700000000000", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_TIME);
	assert_int_equal(o.value, now);
	assert_int_equal(kq_parse_offset("@2023-11-14T22:13:20Z", now, &o), 0);
	assert_int_equal(o.value, now);
	assert_int_equal(kq_parse_offset("@-15m", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_TIME);
	assert_int_equal(o.value, now - 900000);
	/* kcat's s@TS is the same start. */
	assert_int_equal(kq_parse_offset("s@1700000000000", now, &o), 0);
	assert_int_equal(o.kind, KQ_OFFSET_TIME);
	assert_int_equal(o.value, now);
	assert_int_equal(kq_parse_offset("s@", now, &o), -1);
	assert_int_equal(kq_parse_offset("s1", now, &o), -1);
	assert_int_equal(kq_parse_offset("-0", now, &o), -1);
	assert_int_equal(kq_parse_offset("start", now, &o), -1);
	assert_int_equal(kq_parse_offset("@", now, &o), -1);
	assert_int_equal(kq_parse_offset("@-", now, &o), -1);
	assert_int_equal(kq_parse_offset("", now, &o), -1);
}

/* Kafka's rule, as kafka-topics applies it before asking a broker. */
static void
topic_names(void **state)
{
	char longest[251];

	(void)state;
	assert_true(kq_topic_name_ok("events"));
	assert_true(kq_topic_name_ok("a.b_c-D9"));
	assert_true(kq_topic_name_ok("..."));
	assert_false(kq_topic_name_ok(""));
	assert_false(kq_topic_name_ok("."));
	assert_false(kq_topic_name_ok(".."));
	assert_false(kq_topic_name_ok("bad name"));
	assert_false(kq_topic_name_ok("a/b"));
	assert_false(kq_topic_name_ok("caf\xc3\xa9"));
	memset(longest, 'x', 249);
	longest[249] = 0;
	assert_true(kq_topic_name_ok(longest));
	longest[249] = 'x';
	longest[250] = 0;
	assert_false(kq_topic_name_ok(longest));
}

/* --until's times: bare or after '@', or a duration before now. */
static void
times(void **state)
{
	int64_t ms = 42;

	(void)state;
	assert_int_equal(kq_parse_time("1700000000123", 0, &ms), 0);
	assert_int_equal(ms, 1700000000123);
	assert_int_equal(kq_parse_time("@1700000000123", 0, &ms), 0);
	assert_int_equal(ms, 1700000000123);
	assert_int_equal(kq_parse_time("@2023-11-14T22:13:20Z", 0, &ms), 0);
	assert_int_equal(ms, 1700000000000);
	assert_int_equal(kq_parse_time("@-15m", 1700000000000, &ms), 0);
	assert_int_equal(ms, 1700000000000 - 15 * 60 * 1000);
	ms = 42;
	assert_int_equal(kq_parse_time("-15m", 1700000000000, &ms), -1);
	assert_int_equal(kq_parse_time("@", 0, &ms), -1);
	assert_int_equal(kq_parse_time("@yesterday", 0, &ms), -1);
	assert_int_equal(kq_parse_time("end", 0, &ms), -1);
	assert_int_equal(ms, 42);
}

/* The two monotonic clocks are one clock. */
static void
clocks(void **state)
{
	int64_t ns = kq_clock_ns(), ms = kq_clock_ms(), ns2 = kq_clock_ns();

	(void)state;
	assert_true(ns2 >= ns);
	assert_true(ms >= ns / 1000000 && ms <= ns2 / 1000000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations),
		cmocka_unit_test(bad_durations),
		cmocka_unit_test(integers),
		cmocka_unit_test(timestamps),
		cmocka_unit_test(iso8601_round_trip),
		cmocka_unit_test(offsets),
		cmocka_unit_test(times),
		cmocka_unit_test(clocks),
		cmocka_unit_test(topic_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
