/*
 * A producer's hand-over of messages to librdkafka, which copies them:
 * one at a time with headers and a timestamp, or many together through
 * rd_kafka_produce_batch, which takes a lock and reads the clock once a
 * batch rather than once a message. While librdkafka's queue is full the
 * caller's room hook serves delivery reports to make room.
 */
#ifndef KQ_PRODUCE_H
#define KQ_PRODUCE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"

#define KQ_PRODUCE_BATCH_MSGS  1024
#define KQ_PRODUCE_BATCH_BYTES (1 << 20)

/* One message to send; a NULL key or value is a null one. */
struct kq_pmsg {
	const char *key;
	size_t keylen;
	const char *value;
	size_t len;
	int32_t partition;
	int64_t timestamp; /* -1: now */
	const struct kq_header *headers;
	size_t nheaders;
};

struct kq_producer {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	/* Headers every message carries (-H), after its own; NULL none. */
	const struct kq_header *headers;
	size_t nheaders;
	rd_kafka_headers_t *hdrs; /* the same, made once */
	/*
	 * The caller's: a message librdkafka took (its bytes), or refused
	 * (rec is the caller's number for it, the delivery report's
	 * _private); room when the queue is full, non-zero to give up.
	 */
	void (*taken)(void *arg, size_t len);
	void (*refused)(void *arg, uint64_t rec, rd_kafka_resp_err_t err);
	int (*room)(void *arg);
	void *arg;
	/*
	 * The batch. The reader's buffer moves, so the bytes are copied to
	 * the arena first.
	 */
	rd_kafka_message_t *m;
	size_t n;
	char *arena;
	size_t used;
	int32_t partition; /* of them all, unless mixed */
	int mixed;
};

/*
 * A record over the producer's message.max.bytes, refused before any
 * broker saw it (MSG_SIZE_TOO_LARGE is a broker's refusal). No
 * librdkafka code.
 */
#define KQ_ERR_OVER_MAX ((rd_kafka_resp_err_t)-1000)

/*
 * Why a message failed, in buf: librdkafka's words without its "Broker: "
 * or "Local: "; for a message too large, which limit (max_bytes, the
 * producer's) and how to raise it; for one timed out, why no broker
 * answered (down, or NULL when not known).
 */
const char *kq_produce_reason(rd_kafka_resp_err_t err, size_t max_bytes,
			      const char *down, char *buf, size_t size);

/* After rk, rkt, headers, the hooks and arg are set. */
void kq_producer_init(struct kq_producer *pr);
void kq_producer_free(struct kq_producer *pr);

/* Whether m can go in a batch: no headers, no timestamp, not too big. */
int kq_produce_batchable(const struct kq_producer *pr, const struct kq_pmsg *m);
/* Add m (batchable) to the batch, handing the batch over when full. */
void kq_produce_add(struct kq_producer *pr, const struct kq_pmsg *m,
		    uint64_t rec);
/* Hand the batch over; how many messages it held. */
size_t kq_produce_flush(struct kq_producer *pr);
/* Hand over one message: 0, or why librdkafka would not take it. */
rd_kafka_resp_err_t kq_produce_one(struct kq_producer *pr,
				   const struct kq_pmsg *m, uint64_t rec);

#endif
