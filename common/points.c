/*
 * The offsets a consumer in a group may commit, as the reader of its
 * output takes it.
 */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>

#include "die.h"
#include "partset.h"
#include "points.h"
#include "taken.h"

/* Offsets due once the reader has taken the output before them. */
struct point {
	rd_kafka_topic_partition_list_t *offsets;
	uint64_t given; /* messages written before them */
};

void
kq_points_drop(void *data)
{
	struct point *pt = data;

	rd_kafka_topic_partition_list_destroy(pt->offsets);
	free(pt);
}

void
kq_points_snapshot(struct kq_points *p, uint64_t bytes, uint64_t given,
		   int last)
{
	rd_kafka_topic_partition_list_t *l;
	struct point *pt;
	int n = p->taken->nmarks;

	if (p->exact || (n == KQ_TAKEN_MARKS && !last) ||
	    (n > 0 && p->taken->marks[n - 1].bytes == bytes))
		return;
	l = kq_partset_list(p->ps, 1);
	if (l->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(l);
		return;
	}
	pt = kq_emalloc(sizeof(*pt));
	pt->offsets = l;
	pt->given = given;
	if (kq_taken_mark(p->taken, bytes, pt, last))
		kq_points_drop(pt);
}

rd_kafka_topic_partition_list_t *
kq_points_due(struct kq_points *p, int64_t now, int64_t survive, uint64_t count)
{
	rd_kafka_topic_partition_list_t *l;
	struct point *pt;

	if (p->exact) {
		p->stored = count;
		return kq_partset_list(p->ps, 1);
	}
	if (!(pt = kq_taken_settled(p->taken, now, survive)))
		return NULL;
	l = pt->offsets;
	p->stored = pt->given;
	free(pt);
	return l;
}
