/*
 * The partitions of a read: found by message, counted as assigned and
 * done, listed, described; where each starts and stops on librdkafka's
 * mock cluster, from an -o spec and from a group with no commit.
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
#include <string.h>

#include "conf.h"
#include "kafka.h"
#include "partset.h"
#include "unit.h"

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "",	    "Test the partitions of a read.", options, 1,
	NULL,	   "0 ok.",
};

static int
setup(void **state)
{
	(void)state;
	unit_env();
	return 0;
}

static rd_kafka_topic_partition_list_t *
list_of(const char *topic, int n)
{
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(n);
	int i;

	for (i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, topic, i);
	return l;
}

static void
assign_and_revoke(void **state)
{
	struct kq_partset ps = {0};
	rd_kafka_topic_partition_list_t *l = list_of("a", 3), *r, *got;
	struct kq_part *p;

	(void)state;
	kq_partset_assign(&ps, l);
	assert_int_equal(ps.nassigned, 3);
	assert_int_equal(l->elems[1].offset, RD_KAFKA_OFFSET_INVALID);
	p = kq_partset_part(&ps, "a", 1);
	assert_true(p->assigned);
	assert_int_equal(p->start, -1);
	kq_partset_done(&ps, p);
	kq_partset_done(&ps, p);
	assert_int_equal(ps.ndone, 1);
	p->next = 7;
	/* Only those with a message read, at their next offset. */
	got = kq_partset_list(&ps, 1);
	assert_int_equal(got->cnt, 1);
	assert_int_equal(got->elems[0].partition, 1);
	assert_int_equal(got->elems[0].offset, 7);
	rd_kafka_topic_partition_list_destroy(got);
	r = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(r, "a", 1);
	kq_partset_revoke(&ps, r);
	assert_int_equal(ps.nassigned, 2);
	assert_int_equal(ps.ndone, 0);
	got = kq_partset_list(&ps, 0);
	assert_int_equal(got->cnt, 2);
	rd_kafka_topic_partition_list_destroy(got);
	rd_kafka_topic_partition_list_destroy(r);
	rd_kafka_topic_partition_list_destroy(l);
	kq_partset_free(&ps);
}

static void
percent_of_ends(void **state)
{
	struct kq_partset ps = {0};
	rd_kafka_topic_partition_list_t *l = list_of("a", 2);
	struct kq_part *p;
	char buf[64];

	(void)state;
	kq_partset_assign(&ps, l);
	assert_string_equal(kq_partset_percent(&ps, buf, sizeof(buf)), "");
	p = kq_partset_part(&ps, "a", 0);
	p->start = 0, p->end = 10, p->next = 5;
	p = kq_partset_part(&ps, "a", 1);
	p->start = 10, p->end = 20;
	assert_string_equal(kq_partset_percent(&ps, buf, sizeof(buf)),
			    ", 25% of the end offsets");
	kq_partset_done(&ps, p);
	assert_string_equal(kq_partset_percent(&ps, buf, sizeof(buf)),
			    ", 75% of the end offsets");
	rd_kafka_topic_partition_list_destroy(l);
	kq_partset_free(&ps);
}

static void
described(void **state)
{
	rd_kafka_topic_partition_list_t *l = list_of("foo", 3);
	char buf[256], small[40], name[16];
	int i;

	(void)state;
	rd_kafka_topic_partition_list_add(l, "bar", 0);
	assert_string_equal(kq_parts_describe(l, buf, sizeof(buf)),
			    "foo [0,1,2], bar [0]");
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "topic%d", i);
		rd_kafka_topic_partition_list_add(l, name, 0);
	}
	/* Cut short, and said to be. */
	kq_parts_describe(l, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	assert_non_null(strstr(small, "..."));
	rd_kafka_topic_partition_list_destroy(l);
	l = rd_kafka_topic_partition_list_new(0);
	assert_string_equal(kq_parts_describe(l, buf, sizeof(buf)), "nothing");
	rd_kafka_topic_partition_list_destroy(l);
}

/* "two": partition 0 empty, partition 1 holding offsets 0 to 2. */
static void
mock_two(struct unit_mock *m)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_t *prk;
	char errstr[256];
	int i;

	unit_mock_start(m, "two", 2);
	rd_kafka_conf_set(rc, "bootstrap.servers", m->brokers, errstr,
			  sizeof(errstr));
	prk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof(errstr));
	assert_non_null(prk);
	for (i = 0; i < 3; i++)
		assert_int_equal(rd_kafka_producev(prk, RD_KAFKA_V_TOPIC("two"),
						   RD_KAFKA_V_PARTITION(1),
						   RD_KAFKA_V_VALUE("x", 1),
						   RD_KAFKA_V_END),
				 0);
	assert_int_equal(rd_kafka_flush(prk, 5000), 0);
	rd_kafka_destroy(prk);
}

static void
located_on_mock(void **state)
{
	struct kq_offset_spec past = {KQ_OFFSET_ABSOLUTE, 99};
	struct kq_offset_spec back = {KQ_OFFSET_FROM_END, 2};
	struct kq_partset ps = {.ends = 1};
	rd_kafka_topic_partition_list_t *l = list_of("two", 2);
	struct unit_mock m;
	struct kq_conf c;
	struct kq_kafka kk;
	int64_t to;

	(void)state;
	mock_two(&m);
	unit_conf(&c, &cmd,
		  ARGV("-q", "-b", m.brokers, "--timeout", "5s", "-X",
		       "group.id=kq-test"));
	kq_kafka_open(&kk, RD_KAFKA_CONSUMER, kq_kafka_conf(&kk, &c, NULL));

	/* Past the end: the end, and with ends each is done at once. */
	kq_partset_assign(&ps, l);
	assert_int_equal(kq_partset_locate(&ps, &kk, &c, l, &past), 0);
	assert_int_equal(l->elems[0].offset, 0);
	assert_int_equal(l->elems[1].offset, 3);
	assert_int_equal(kq_partset_part(&ps, "two", 1)->end, 3);
	assert_int_equal(ps.ndone, 2);

	kq_partset_assign(&ps, l);
	ps.ndone = 0;
	assert_int_equal(kq_partset_locate(&ps, &kk, &c, l, &back), 0);
	assert_int_equal(l->elems[1].offset, 1);
	assert_int_equal(kq_partset_part(&ps, "two", 1)->start, 1);
	assert_int_equal(ps.ndone, 1);

	/* No commit in the group: the start, as kq-sub's groups do. */
	kq_partset_assign(&ps, l);
	ps.ndone = 0;
	assert_int_equal(kq_partset_locate(&ps, &kk, &c, l, NULL), 0);
	assert_int_equal(kq_partset_part(&ps, "two", 1)->start, 0);
	assert_int_equal(ps.ndone, 1);

	/* The lists behind it: watermarks, and no @TIME to look up. */
	{
		rd_kafka_topic_partition_list_t *lo, *hi, *at;

		assert_int_equal(
			kq_parts_offsets(&kk, &c, l, &back, &lo, &hi, &at), 0);
		assert_null(at);
		assert_int_equal(lo->elems[1].offset, 0);
		assert_int_equal(hi->elems[1].offset, 3);
		kq_parts_offsets_free(lo, hi, at);
		/* An @TIME: a third list, freed with the others. */
		kq_parts_offsets(&kk, &c, l,
				 &(struct kq_offset_spec){KQ_OFFSET_TIME, 1},
				 &lo, &hi, &at);
		assert_non_null(at);
		assert_int_equal(at->cnt, l->cnt);
		kq_parts_offsets_free(lo, hi, at);
	}

	/* An offset gone or past: the start or the end, and said. */
	assert_int_equal(
		kq_partset_restart(&ps, NULL, &kk, &c, "two", 1, 9, &to), 0);
	assert_int_equal(to, 3);
	assert_int_equal(
		kq_partset_restart(&ps, NULL, &kk, &c, "two", 1, -1, &to), 0);
	assert_int_equal(to, 0);

	rd_kafka_topic_partition_list_destroy(l);
	kq_partset_free(&ps);
	kq_kafka_close(&kk);
	kq_conf_free(&c);
	unit_mock_stop(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(assign_and_revoke),
		cmocka_unit_test(percent_of_ends),
		cmocka_unit_test(described),
		cmocka_unit_test(located_on_mock),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
