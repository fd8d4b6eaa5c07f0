/*
 * The plumbing of librdkafka's Admin API that kq-topic and kq-group
 * share: the handle, its queue and stdout, a request's options with the
 * -T timeout, waiting for its answer,
 * the per-topic and per-group results of an answer, the status an error
 * about one topic gives, waiting until metadata shows what a request did,
 * and whether kq may open a connection of its own (plaintext only).
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

/*
 * What a request on topics is, for its per-topic results (create,
 * delete, partitions).
 */
struct kq_admin_req {
	const char *how;  /* "create": what its messages start with */
	const char *name; /* "CreateTopics" */
	/* The error that means "nothing to do", and what it says. */
	rd_kafka_resp_err_t already;
	const char *already_says;
	int already_ok; /* --if-not-exists, --if-exists */
	int want;	/* partitions to wait for (kq_admin_await) */
};

/*
 * The per-topic results of a CreateTopics, DeleteTopics or
 * CreatePartitions answer (n of them, kept by ev); NULL for another.
 */
const rd_kafka_topic_result_t **kq_admin_topic_results(rd_kafka_event_t *ev,
						       size_t *n);

/*
 * The per-group results of a DeleteGroups, ListConsumerGroupOffsets,
 * AlterConsumerGroupOffsets or DeleteConsumerGroupOffsets answer (n of
 * them, kept by ev); NULL for another.
 */
const rd_kafka_group_result_t **kq_admin_group_results(rd_kafka_event_t *ev,
						       size_t *n);

/*
 * What rq's answer ev did to each topic: those done (or still at it when
 * the request timed out: the controller goes on) are added to done[*n]
 * (names kept by ev); rq->already is said as "HOW TOPIC: already_says"
 * and KQ_EX_PARTIAL unless already_ok; any other error is said with the
 * broker's reason and gives kq_admin_topic_status. 0 or the worst.
 */
int kq_admin_topics_done(const struct kq_admin_req *rq, rd_kafka_event_t *ev,
			 char **done, int *n);

/*
 * The metadata of every topic, in *md (any there before is freed); 0, or
 * *md NULL, said as "cannot get metadata from BROKERS: why", and
 * kq_kafka_status. Every topic, since asking for one would create it on
 * brokers that auto-create topics (kq-broker does).
 */
int kq_admin_metadata(struct kq_admin *a, const struct kq_conf *c,
		      const struct rd_kafka_metadata **md);

/*
 * Wait until metadata (kept in *md) shows each of names[0..n) with at
 * least want partitions, all led (want > 0), or not at all (want == 0),
 * so that the next command of a script finds the topics as the request
 * left them. 0, KQ_EX_INTERRUPTED, kq_admin_metadata's status, or after
 * -T EX_TEMPFAIL, said as "HOW TOPIC [...]: done, but metadata does not
 * show it after Nms".
 */
int kq_admin_await(struct kq_admin *a, const struct kq_conf *c, const char *how,
		   char **names, int n, int want,
		   const struct rd_kafka_metadata **md);

#endif
