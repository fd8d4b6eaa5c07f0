/*
 * Keeping a consumer's group while it waits: pause, poll, keep, resume.
 */
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "hold.h"

void
kq_hold_init(struct kq_hold *h, rd_kafka_t *rk)
{
	memset(h, 0, sizeof(*h));
	h->rk = rk;
}

static void
keep(struct kq_hold *h, rd_kafka_message_t *m)
{
	if (h->nkept == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 16;
		h->kept = kq_erealloc(h->kept, h->cap * sizeof(*h->kept));
	}
	h->kept[h->nkept++] = m;
}

void
kq_hold_poll(struct kq_hold *h)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	rd_kafka_message_t *m;

	if (!h->paused && !rd_kafka_assignment(h->rk, &l)) {
		rd_kafka_pause_partitions(h->rk, l);
		rd_kafka_topic_partition_list_destroy(l);
		h->paused = 1;
	}
	while ((m = rd_kafka_consumer_poll(h->rk, 0)))
		keep(h, m);
}

void
kq_hold_release(struct kq_hold *h)
{
	rd_kafka_topic_partition_list_t *l = NULL;

	if (!h->paused)
		return;
	h->paused = 0;
	if (!rd_kafka_assignment(h->rk, &l)) {
		rd_kafka_resume_partitions(h->rk, l);
		rd_kafka_topic_partition_list_destroy(l);
	}
}

void
kq_hold_assigned(struct kq_hold *h,
		 const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *l;

	if (!h->paused)
		return;
	l = rd_kafka_topic_partition_list_copy(parts);
	rd_kafka_pause_partitions(h->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

rd_kafka_message_t *
kq_hold_next(struct kq_hold *h)
{
	rd_kafka_message_t *m;

	if (h->nkept == 0)
		return NULL;
	m = h->kept[0];
	memmove(h->kept, h->kept + 1, --h->nkept * sizeof(*h->kept));
	return m;
}

void
kq_hold_drop(struct kq_hold *h, const rd_kafka_topic_partition_list_t *parts)
{
	int i, k = 0;

	for (i = 0; i < h->nkept; i++) {
		rd_kafka_message_t *m = h->kept[i];

		if (!parts ||
		    (m->rkt &&
		     rd_kafka_topic_partition_list_find(
			     parts, rd_kafka_topic_name(m->rkt), m->partition)))
			rd_kafka_message_destroy(m);
		else
			h->kept[k++] = m;
	}
	h->nkept = k;
	if (!parts) {
		free(h->kept);
		h->kept = NULL;
		h->cap = 0;
	}
}
