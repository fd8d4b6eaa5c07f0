/*
 * A consumer that waits on something else (a slow reader of its output)
 * keeps its place in the group: librdkafka gives away the partitions of
 * a consumer that does not poll for max.poll.interval.ms, so the fetch is
 * paused and the consumer polled, which serves rebalances too; what the
 * poll returns meanwhile is kept, in order, for later.
 */
#ifndef KQ_HOLD_H
#define KQ_HOLD_H

#include <librdkafka/rdkafka.h>

struct kq_hold {
	rd_kafka_t *rk;
	int paused;
	rd_kafka_message_t **kept;
	int nkept, cap;
};

void kq_hold_init(struct kq_hold *h, rd_kafka_t *rk);
/*
 * Pause the assignment (once; librdkafka drops what it fetched of a
 * paused partition and fetches it again on resume) and poll, without
 * waiting. Call it every so often while the wait lasts.
 */
void kq_hold_poll(struct kq_hold *h);
/* The wait is over: resume the fetch. */
void kq_hold_release(struct kq_hold *h);
/* Partitions assigned during a wait: paused too (from the rebalance). */
void kq_hold_assigned(struct kq_hold *h,
		      const rd_kafka_topic_partition_list_t *parts);
/* The oldest message kept, now the caller's; NULL when none is. */
rd_kafka_message_t *kq_hold_next(struct kq_hold *h);
/* Drop the kept messages of parts (revoked: the next owner's); all if NULL. */
void kq_hold_drop(struct kq_hold *h,
		  const rd_kafka_topic_partition_list_t *parts);

#endif
