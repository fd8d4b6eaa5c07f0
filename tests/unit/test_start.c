/*
 * Where a read starts: each -o form against a partition's watermarks,
 * an offset out of range named as such, auto.offset.reset, and @TIME
 * against librdkafka's mock cluster, which finds no time at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "kafka.h"
#include "start.h"
#include "unit.h"

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "", "Test where a read starts.", options, 1, NULL, "0 ok.",
};

static int
setup(void **state)
{
	(void)state;
	unit_env();
	return 0;
}

static int64_t
start(enum kq_offset_kind kind, int64_t value, int64_t at)
{
	struct kq_offset_spec spec = {kind, value};

	/* A log that holds offsets 10 to 20. */
	return kq_start_of(&spec, 10, 20, at);
}

static void
offset_specs(void **state)
{
	(void)state;
	assert_int_equal(start(KQ_OFFSET_BEGINNING, 0, -1), 10);
	assert_int_equal(start(KQ_OFFSET_END, 0, -1), 20);
	assert_int_equal(start(KQ_OFFSET_STORED, 0, -1), 20);
	assert_int_equal(start(KQ_OFFSET_ABSOLUTE, 15, -1), 15);
	assert_int_equal(start(KQ_OFFSET_ABSOLUTE, 3, -1), 10);
	assert_int_equal(start(KQ_OFFSET_ABSOLUTE, 99, -1), 20);
	assert_int_equal(start(KQ_OFFSET_FROM_END, 4, -1), 16);
	assert_int_equal(start(KQ_OFFSET_FROM_END, 50, -1), 10);
	assert_int_equal(start(KQ_OFFSET_TIME, 1700000000000LL, 12), 12);
	/* No message that recent: the end; one the broker cannot find: all. */
	assert_int_equal(start(KQ_OFFSET_TIME, 1700000000000LL, -1), 20);
	assert_int_equal(start(KQ_OFFSET_TIME, 1, KQ_START_SCAN), 10);
}

static void
ranges(void **state)
{
	(void)state;
	assert_int_equal(kq_range_of(9, 10, 20), KQ_RANGE_GONE);
	assert_int_equal(kq_range_of(10, 10, 20), KQ_RANGE_IN);
	assert_int_equal(kq_range_of(20, 10, 20), KQ_RANGE_IN);
	assert_int_equal(kq_range_of(21, 10, 20), KQ_RANGE_PAST);
}

static void
reset_as_librdkafka(void **state)
{
	static const char *latest[] = {"latest", "largest", "end"};
	struct kq_conf c;
	char prop[64];
	size_t i;

	(void)state;
	unit_conf(&c, &cmd, ARGV("-b", "localhost:1"));
	assert_int_equal(kq_start_reset(&c, 10, 20), 10);
	kq_conf_free(&c);
	for (i = 0; i < sizeof(latest) / sizeof(latest[0]); i++) {
		snprintf(prop, sizeof(prop), "auto.offset.reset=%s", latest[i]);
		unit_conf(&c, &cmd, ARGV("-b", "localhost:1", "-X", prop));
		assert_int_equal(kq_start_reset(&c, 10, 20), 20);
		kq_conf_free(&c);
	}
	unit_conf(&c, &cmd,
		  ARGV("-b", "localhost:1", "-X",
		       "topic.auto.offset.reset=latest"));
	assert_int_equal(kq_start_reset(&c, 10, 20), 20);
	kq_conf_free(&c);
	unit_conf(
		&c, &cmd,
		ARGV("-b", "localhost:1", "-X", "auto.offset.reset=earliest"));
	assert_int_equal(kq_start_reset(&c, 10, 20), 10);
	kq_conf_free(&c);
}

/*
 * The mock finds no offset for any time: the partition with messages is
 * read whole with the older skipped, the empty one starts at its end.
 */
static void
times_on_mock(void **state)
{
	rd_kafka_topic_partition_list_t *at, *lo, *hi;
	struct unit_mock m;
	struct kq_conf c;
	struct kq_kafka kk;

	(void)state;
	unit_mock_start(&m, "two", 2);
	unit_conf(&c, &cmd, ARGV("-b", m.brokers, "--timeout", "5s"));
	kq_kafka_open(&kk, RD_KAFKA_PRODUCER, kq_kafka_conf(&kk, &c, NULL));
	assert_int_equal(rd_kafka_producev(kk.rk, RD_KAFKA_V_TOPIC("two"),
					   RD_KAFKA_V_PARTITION(1),
					   RD_KAFKA_V_VALUE("x", 1),
					   RD_KAFKA_V_END),
			 0);
	assert_int_equal(rd_kafka_flush(kk.rk, 5000), 0);

	lo = rd_kafka_topic_partition_list_new(2);
	rd_kafka_topic_partition_list_add(lo, "two", 0);
	rd_kafka_topic_partition_list_add(lo, "two", 1);
	hi = rd_kafka_topic_partition_list_copy(lo);
	at = rd_kafka_topic_partition_list_copy(lo);
	assert_int_equal(kq_kafka_watermarks(&kk, lo, hi), 0);
	assert_int_equal(kq_start_times(&kk, 1700000000000LL, at, lo, hi), 0);
	assert_int_equal(at->elems[0].offset, -1);
	assert_int_equal(at->elems[1].offset, KQ_START_SCAN);
	rd_kafka_topic_partition_list_destroy(at);
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);
	kq_kafka_close(&kk);
	kq_conf_free(&c);
	unit_mock_stop(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offset_specs),
		cmocka_unit_test(ranges),
		cmocka_unit_test(reset_as_librdkafka),
		cmocka_unit_test(times_on_mock),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
