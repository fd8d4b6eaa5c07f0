#include "consume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "hold.h"
#include "kafka.h"
#include "partset.h"
#include "sig.h"

const char *
kq_consume_rebalance(rd_kafka_t *rk, const struct kq_conf *c,
		     rd_kafka_resp_err_t why,
		     rd_kafka_topic_partition_list_t *parts, int *dropped,
		     char *buf, size_t size)
{
	int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	int assign = why == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
	rd_kafka_error_t *error = NULL;
	rd_kafka_resp_err_t err = 0;
	char what[512];

	*dropped = 0;
	if (assign && coop) {
		error = rd_kafka_incremental_assign(rk, parts);
	} else if (assign) {
		err = rd_kafka_assign(rk, parts);
	} else if (coop) {
		error = rd_kafka_incremental_unassign(rk, parts);
	} else {
		err = rd_kafka_assign(rk, NULL);
		*dropped = 1;
	}
	if (c->verbose)
		kq_warn("%s %s", assign ? "assigned" : "revoked",
			kq_parts_describe(parts, what, sizeof(what)));
	if (error) {
		snprintf(buf, size, "%s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		return buf;
	}
	if (err) {
		snprintf(buf, size, "%s", rd_kafka_err2str(err));
		return buf;
	}
	return NULL;
}

void
kq_consume_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
		     rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
	const struct kq_kafka *kk = opaque;
	char buf[512];
	size_t n = 0;
	int i;

	(void)rk;
	if (!kk->conf->verbose || err == RD_KAFKA_RESP_ERR__NO_OFFSET)
		return;
	if (err) {
		kq_warn("commit: %s", rd_kafka_err2str(err));
		return;
	}
	for (i = 0; offsets && i < offsets->cnt && n + 64 < sizeof(buf); i++)
		if (offsets->elems[i].offset >= 0)
			n += snprintf(buf + n, sizeof(buf) - n,
				      "%s%s [%d] at %lld", n ? ", " : "",
				      offsets->elems[i].topic,
				      (int)offsets->elems[i].partition,
				      (long long)offsets->elems[i].offset);
	if (n)
		kq_warn("committed %s", buf);
}

int
kq_consume_error(const struct kq_conf *c, const rd_kafka_message_t *m)
{
	switch (m->err) {
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
		kq_warn("%s: %s",
			m->rkt ? rd_kafka_topic_name(m->rkt) : "group",
			rd_kafka_message_errstr(m));
		return EX_UNAVAILABLE;
	case RD_KAFKA_RESP_ERR__BAD_MSG:
	case RD_KAFKA_RESP_ERR_INVALID_MSG:
		/*
		 * Our CRC check (check.crcs) failed, or the broker's
		 * (CORRUPT_MESSAGE). Retried, it fails forever: a value
		 * never to be printed.
		 */
		kq_warn("%s [%d] at offset %lld: corrupt message "
			"(CRC check failed): %s",
			m->rkt ? rd_kafka_topic_name(m->rkt) : "?",
			(int)m->partition, (long long)m->offset,
			rd_kafka_message_errstr(m));
		return EX_DATAERR;
	default:
		if (c->verbose)
			kq_warn("%s", rd_kafka_message_errstr(m));
		return 0;
	}
}

#define TOPIC_WAIT_MS 500 /* how often a topic to come is looked for */

int
kq_consume_topic(struct kq_kafka *kk, const char *name, int wait)
{
	rd_kafka_resp_err_t err = 0;
	int n = kq_kafka_partitions(kk, name, &err), said = 0;

	while (n < 0 && err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
	       wait && !kq_stop) {
		if (!said++)
			kq_info(kk->conf,
				"%s: no such topic yet; waiting for it", name);
		rd_kafka_poll(kk->rk, TOPIC_WAIT_MS);
		n = kq_kafka_partitions(kk, name, &err);
	}
	if (n >= 0)
		return n;
	if (kq_stop)
		return KQ_CONSUME_STOPPED;
	if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
		kq_warn("%s: no such topic", name);
	else
		kq_warn("%s: %s", name, rd_kafka_err2str(err));
	return -1;
}

void
kq_wake_init(struct kq_wake *w, rd_kafka_t *rk, rd_kafka_queue_t *q,
	     size_t batch)
{
	char qmin[32];
	size_t qlen = sizeof(qmin);

	memset(w, 0, sizeof(*w));
	w->rk = rk;
	w->q = q;
	w->batch = batch;
	if (rd_kafka_conf_get(rd_kafka_conf(rk), "queued.min.messages", qmin,
			      &qlen) == RD_KAFKA_CONF_OK)
		w->queued_min = strtoul(qmin, NULL, 10);
}

void
kq_wake_check(struct kq_wake *w, const struct kq_partset *ps)
{
	size_t n = rd_kafka_queue_length(w->q);
	rd_kafka_topic_partition_list_t *l;
	int i;

	/* Sampled after a batch was taken out. */
	if (n + w->batch >= w->queued_min) {
		w->full = 1;
		return;
	}
	if (!w->full || n >= w->queued_min / 2)
		return;
	w->full = 0;
	l = kq_partset_list(ps, 0);
	for (i = 0; i < l->cnt; i++)
		l->elems[i].offset = -1; /* the end: any answer will do */
	if (l->cnt)
		rd_kafka_offsets_for_times(w->rk, l, 1000);
	rd_kafka_topic_partition_list_destroy(l);
}

int
kq_consume_start(struct kq_partset *ps, rd_kafka_t *rk, rd_kafka_queue_t *q,
		 const rd_kafka_topic_partition_list_t *l)
{
	int i;

	for (i = 0; i < l->cnt; i++) {
		const rd_kafka_topic_partition_t *e = &l->elems[i];
		struct kq_ptopic *t = kq_partset_topic(ps, e->topic);
		struct kq_part *p = kq_partset_part(ps, e->topic, e->partition);

		if (p->assigned)
			continue;
		p->assigned = 1;
		ps->nassigned++;
		if (p->done)
			continue;
		if (!t->rkt)
			t->rkt = rd_kafka_topic_new(rk, t->name, NULL);
		if (rd_kafka_consume_start_queue(t->rkt, e->partition,
						 e->offset, q) == -1) {
			kq_warn("%s [%d]: %s", e->topic, (int)e->partition,
				rd_kafka_err2str(rd_kafka_last_error()));
			return -1;
		}
	}
	return 0;
}

/* One by one, the most a fetch takes from a simple consumer's queue. */
#define ONE_BY_ONE_MAX 64

ssize_t
kq_consume_fetch(rd_kafka_t *rk, rd_kafka_queue_t *q, struct kq_hold *h,
		 int one_by_one, rd_kafka_message_t **msgs, size_t max,
		 int timeout)
{
	rd_kafka_message_t *m;
	ssize_t n = 0;

	if (q && !one_by_one) {
		if (timeout == 0)
			return rd_kafka_consume_batch_queue(q, 0, msgs, max);
		/* A batch call waits for a full batch: wait for one. */
		if (!(m = rd_kafka_consume_queue(q, timeout)))
			return 0;
		msgs[0] = m;
		n = rd_kafka_consume_batch_queue(q, 0, msgs + 1, max - 1);
		return n < 0 ? n : n + 1;
	}
	if (!q && (msgs[0] = kq_hold_next(h)))
		return 1;
	kq_hold_release(h);
	do {
		m = q ? rd_kafka_consume_queue(q, n ? 0 : timeout)
		      : rd_kafka_consumer_poll(rk, n ? 0 : timeout);
		if (m)
			msgs[n++] = m;
	} while (m && q && n < ONE_BY_ONE_MAX && (size_t)n < max);
	return n;
}
