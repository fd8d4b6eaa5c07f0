/*
 * The offsets a consumer in a group may commit: in blocks, a snapshot of
 * the positions marked at the bytes written, due once the reader took
 * them (a file takes all at once), none while nothing was read, one per
 * growth of the output; exact, the positions as they stand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include "partset.h"
#include "points.h"
#include "spec.h"
#include "taken.h"

/* Partition 0 of t, assigned, nothing read yet. */
static struct kq_part *
assigned(struct kq_partset *ps)
{
	struct kq_part *p = kq_partset_part(ps, "t", 0);

	p->assigned = 1;
	p->next = -1;
	ps->nassigned = 1;
	return p;
}

static void
write_n(struct kq_taken *t, size_t n)
{
	static const char buf[64];

	assert_int_equal(kq_taken_write(t, buf, n), (ssize_t)n);
}

static void
blocks(void **state)
{
	struct kq_partset ps = {0};
	struct kq_taken t;
	struct kq_points pts = {&ps, &t, 0, 0};
	struct kq_part *p = assigned(&ps);
	rd_kafka_topic_partition_list_t *l;

	(void)state;
	kq_taken_init(&t, open("/dev/null", O_WRONLY), 0);
	t.drop = kq_points_drop;
	/* Nothing read: nothing to mark. */
	kq_points_snapshot(&pts, 0, 0, 0);
	assert_int_equal(t.nmarks, 0);
	p->next = 5;
	write_n(&t, 10);
	kq_points_snapshot(&pts, 10, 3, 0);
	/* The output did not grow: the same mark. */
	kq_points_snapshot(&pts, 10, 3, 0);
	assert_int_equal(t.nmarks, 1);
	p->next = 8;
	write_n(&t, 5);
	kq_points_snapshot(&pts, 15, 5, 0);
	assert_int_equal(t.nmarks, 2);
	/* A file took it all: the newest is due, the older dropped. */
	l = kq_points_due(&pts, kq_clock_ms(), 0, 5);
	assert_non_null(l);
	assert_int_equal(l->cnt, 1);
	assert_string_equal(l->elems[0].topic, "t");
	assert_int_equal(l->elems[0].offset, 8);
	assert_int_equal(pts.stored, 5);
	assert_int_equal(t.nmarks, 0);
	rd_kafka_topic_partition_list_destroy(l);
	/* Nothing new: nothing due. */
	assert_null(kq_points_due(&pts, kq_clock_ms(), 0, 5));
	close(t.fd);
	kq_taken_close(&t);
	kq_partset_free(&ps);
}

static void
blocks_full(void **state)
{
	struct kq_partset ps = {0};
	struct kq_taken t;
	struct kq_points pts = {&ps, &t, 0, 0};
	struct kq_part *p = assigned(&ps);
	rd_kafka_topic_partition_list_t *l;
	int i;

	(void)state;
	kq_taken_init(&t, open("/dev/null", O_WRONLY), 0);
	t.drop = kq_points_drop;
	for (i = 1; i <= KQ_TAKEN_MARKS + 1; i++) {
		p->next = i;
		kq_points_snapshot(&pts, (uint64_t)i, (uint64_t)i, 0);
	}
	assert_int_equal(t.nmarks, KQ_TAKEN_MARKS);
	/* The last replaces the newest. */
	p->next = 100;
	kq_points_snapshot(&pts, 100, 100, 1);
	assert_int_equal(t.nmarks, KQ_TAKEN_MARKS);
	write_n(&t, 50);
	write_n(&t, 50);
	l = kq_points_due(&pts, kq_clock_ms(), 0, 100);
	assert_int_equal(l->elems[0].offset, 100);
	assert_int_equal(pts.stored, 100);
	rd_kafka_topic_partition_list_destroy(l);
	close(t.fd);
	kq_taken_close(&t);
	kq_partset_free(&ps);
}

static void
exact(void **state)
{
	struct kq_partset ps = {0};
	struct kq_taken t;
	struct kq_points pts = {&ps, &t, 1, 0};
	struct kq_part *p = assigned(&ps);
	rd_kafka_topic_partition_list_t *l;

	(void)state;
	kq_taken_init(&t, open("/dev/null", O_WRONLY), 0);
	t.drop = kq_points_drop;
	p->next = 7;
	kq_points_snapshot(&pts, 10, 3, 1);
	assert_int_equal(t.nmarks, 0);
	l = kq_points_due(&pts, kq_clock_ms(), 0, 3);
	assert_int_equal(l->cnt, 1);
	assert_int_equal(l->elems[0].offset, 7);
	assert_int_equal(pts.stored, 3);
	rd_kafka_topic_partition_list_destroy(l);
	close(t.fd);
	kq_taken_close(&t);
	kq_partset_free(&ps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocks),
		cmocka_unit_test(blocks_full),
		cmocka_unit_test(exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
