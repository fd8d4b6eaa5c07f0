/*
 * The plumbing of librdkafka's Admin API that kq-topic and kq-group
 * share: the handle, its queue and stdout, a request's options with the
 * -T timeout, waiting for its answer,
 * the status an error about one topic gives, and whether kq may open a
 * connection of its own (plaintext only).
 */
#ifndef KQ_ADMIN_H
#define KQ_ADMIN_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "apiversions.h"
#include "conf.h"
#include "kafka.h"
#include "record.h"

/* What an admin program works with. */
struct kq_admin {
	struct kq_kafka kk;
	struct kq_writer w;  /* stdout */
	rd_kafka_queue_t *q; /* the answers to its requests */
};

/* stdout, and a connected handle from c (or exit, as kq_kafka_open). */
void kq_admin_open(struct kq_admin *a, struct kq_conf *c);
/* Close it all; the status of stdout (kq_writer_finish). */
int kq_admin_close(struct kq_admin *a);

/* Whether security.protocol is unset or plaintext. */
int kq_plaintext(const struct kq_conf *c);

/*
 * The requests the broker at host:port takes, asked on a plaintext
 * connection of kq's own (kq_apiversions_get, within -T): 0 with *apis
 * (to free) and *n, or kq_apiversions_get's status, said with -v as
 * "HOW: cannot ask HOST:PORT which requests it takes: why" (how may be
 * NULL).
 */
int kq_admin_apis(const struct kq_conf *c, const char *how, const char *host,
		  int port, struct kq_api **apis, int *n);

/*
 * The options of a request of type op: it times out after timeout_ms,
 * and, with wait_done, the broker answers once the controller has done
 * it (create, delete, partitions, configs).
 */
rd_kafka_AdminOptions_t *kq_admin_options(rd_kafka_t *rk,
					  rd_kafka_admin_op_t op,
					  int64_t timeout_ms, int wait_done);

/*
 * The next event of q; NULL when the program was interrupted, or when
 * deadline (a kq_clock_ms, -1 none: then late may be NULL) passed
 * first: then *late is set.
 */
rd_kafka_event_t *kq_admin_poll(rd_kafka_queue_t *q, int64_t deadline,
				int *late);

/*
 * The status an error about one topic of a request gives: a request the
 * broker refuses as such is EX_USAGE, a timeout EX_TEMPFAIL, the rest
 * EX_UNAVAILABLE.
 */
int kq_admin_topic_status(rd_kafka_resp_err_t err);

#endif
