/*
 * A consumer's dealings with librdkafka that are no program's own: a
 * rebalance applied as its protocol wants, commits said with -v, what an
 * error a message carries means, a topic waited for, a simple consumer's
 * partitions started, the next messages fetched, and fetchers woken
 * where librdkafka 2.0 would let them sleep.
 */
#ifndef KQ_CONSUME_H
#define KQ_CONSUME_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "hold.h"
#include "kafka.h"
#include "partset.h"

/*
 * Assign parts (why is RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) or revoke
 * them, incrementally under the cooperative protocol; under the eager
 * one a revoke drops the whole assignment (*dropped set). With -v says
 * which. NULL, or the error in buf.
 */
const char *kq_consume_rebalance(rd_kafka_t *rk, const struct kq_conf *c,
				 rd_kafka_resp_err_t why,
				 rd_kafka_topic_partition_list_t *parts,
				 int *dropped, char *buf, size_t size);

/* An offset commit callback whose opaque is a kq_kafka: -v says each. */
void kq_consume_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			  rd_kafka_topic_partition_list_t *offsets,
			  void *opaque);

/*
 * A message's error other than a partition's end or an offset reset:
 * EX_UNAVAILABLE (no topic, partition or rights) or EX_DATAERR (a corrupt
 * message) after saying so, or 0 for what librdkafka retries (said with
 * -v).
 */
int kq_consume_error(const struct kq_conf *c, const rd_kafka_message_t *m);

/*
 * The partition count of a topic, which must exist. With wait, a topic
 * not there yet is waited for, as a tail -F waits for its file, saying
 * so once. -1 after a message, KQ_CONSUME_STOPPED when a signal came.
 */
#define KQ_CONSUME_STOPPED (-2)
int kq_consume_topic(struct kq_kafka *kk, const char *name, int wait);

/*
 * A simple consumer reads each partition of l from its .offset into q,
 * each marked assigned in ps (a partition named twice once; one already
 * done is not read). 0, or -1 after "TOPIC [P]: why".
 */
int kq_consume_start(struct kq_partset *ps, rd_kafka_t *rk, rd_kafka_queue_t *q,
		     const rd_kafka_topic_partition_list_t *l);

/*
 * Up to max messages into msgs, waiting up to timeout ms for the first:
 * from a simple consumer's queue q in batches, or with one_by_one a few
 * at a time (after a partition restarted, a batch of librdkafka 2.0 may
 * hold stale messages); from a group (q NULL) one at a time, as a
 * rebalance may come between two, and first those h kept. How many, or
 * -1 (rd_kafka_last_error says why).
 */
ssize_t kq_consume_fetch(rd_kafka_t *rk, rd_kafka_queue_t *q, struct kq_hold *h,
			 int one_by_one, rd_kafka_message_t **msgs, size_t max,
			 int timeout);

/*
 * librdkafka 2.0 stops fetching while its queue holds queued.min.messages
 * and looks again only when its broker thread wakes, up to a second
 * later: a reader slower than the fetch would stall each time the queue
 * fills. kq_wake_check, after each batch taken out of q, sends once the
 * queue is half drained a ListOffsets request, which wakes every broker
 * thread the partitions of ps are fetched from.
 */
struct kq_wake {
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;
	size_t queued_min; /* queued.min.messages */
	size_t batch;	   /* the most a batch takes out */
	int full;	   /* the fetchers stopped: the queue is full */
};

void kq_wake_init(struct kq_wake *w, rd_kafka_t *rk, rd_kafka_queue_t *q,
		  size_t batch);
void kq_wake_check(struct kq_wake *w, const struct kq_partset *ps);

#endif
