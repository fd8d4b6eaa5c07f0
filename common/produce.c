#include "produce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

void
kq_producer_init(struct kq_producer *pr)
{
	size_t i;

	if (pr->nheaders) {
		pr->hdrs = rd_kafka_headers_new(pr->nheaders);
		for (i = 0; i < pr->nheaders; i++)
			rd_kafka_header_add(pr->hdrs, pr->headers[i].name,
					    (ssize_t)pr->headers[i].name_len,
					    pr->headers[i].value,
					    (ssize_t)pr->headers[i].value_len);
	}
	pr->m = kq_ecalloc(KQ_PRODUCE_BATCH_MSGS, sizeof(*pr->m));
	pr->arena = kq_emalloc(KQ_PRODUCE_BATCH_BYTES);
}

void
kq_producer_free(struct kq_producer *pr)
{
	if (pr->hdrs)
		rd_kafka_headers_destroy(pr->hdrs);
	free(pr->m);
	free(pr->arena);
	pr->hdrs = NULL;
	pr->m = NULL;
	pr->arena = NULL;
}

int
kq_produce_batchable(const struct kq_producer *pr, const struct kq_pmsg *m)
{
	return !m->nheaders && !pr->hdrs && m->timestamp < 0 &&
	       m->keylen + m->len <= KQ_PRODUCE_BATCH_BYTES;
}

size_t
kq_produce_flush(struct kq_producer *pr)
{
	rd_kafka_message_t *m = pr->m;
	size_t i = 0, j, n = pr->n;
	int32_t part = pr->mixed ? RD_KAFKA_PARTITION_UA : pr->partition;
	int flags = RD_KAFKA_MSG_F_COPY |
		    (pr->mixed ? RD_KAFKA_MSG_F_PARTITION : 0);

	while (i < n) {
		rd_kafka_produce_batch(pr->rkt, part, flags, m + i,
				       (int)(n - i));
		for (j = i; j < n && m[j].err != RD_KAFKA_RESP_ERR__QUEUE_FULL;
		     j++) {
			if (m[j].err)
				pr->refused(pr->arg,
					    (uint64_t)(uintptr_t)m[j]._private,
					    m[j].err);
			else
				pr->taken(pr->arg, m[j].len);
		}
		if ((i = j) == n)
			break;
		/* As in kq_produce_one: give up only when room says. */
		if (pr->room(pr->arg)) {
			for (; i < n; i++)
				pr->refused(pr->arg,
					    (uint64_t)(uintptr_t)m[i]._private,
					    RD_KAFKA_RESP_ERR__QUEUE_FULL);
			break;
		}
		for (j = i; j < n; j++)
			m[j].err = RD_KAFKA_RESP_ERR_NO_ERROR;
	}
	pr->n = 0;
	pr->used = 0;
	return n;
}

void
kq_produce_add(struct kq_producer *pr, const struct kq_pmsg *m, uint64_t rec)
{
	rd_kafka_message_t *bm;
	char *p;

	if (pr->n == KQ_PRODUCE_BATCH_MSGS ||
	    pr->used + m->keylen + m->len > KQ_PRODUCE_BATCH_BYTES)
		kq_produce_flush(pr);
	if (pr->n == 0) {
		pr->partition = m->partition;
		pr->mixed = 0;
	} else if (m->partition != pr->partition) {
		pr->mixed = 1;
	}
	p = pr->arena + pr->used;
	bm = &pr->m[pr->n++];
	memset(bm, 0, sizeof(*bm));
	bm->partition = m->partition;
	bm->_private = (void *)(uintptr_t)rec;
	if (m->key) {
		memcpy(p, m->key, m->keylen);
		bm->key = p;
		bm->key_len = m->keylen;
		p += m->keylen;
	}
	if (m->value) {
		memcpy(p, m->value, m->len);
		bm->payload = p;
		bm->len = m->len;
		p += m->len;
	}
	pr->used = (size_t)(p - pr->arena);
}

/* The message's own headers, then the ones every message carries. */
static rd_kafka_headers_t *
make_headers(const struct kq_producer *pr, const struct kq_pmsg *m)
{
	rd_kafka_headers_t *h;
	size_t i;

	if (!m->nheaders)
		return pr->hdrs ? rd_kafka_headers_copy(pr->hdrs) : NULL;
	h = rd_kafka_headers_new(m->nheaders + pr->nheaders);
	for (i = 0; i < m->nheaders; i++)
		rd_kafka_header_add(
			h, m->headers[i].name, (ssize_t)m->headers[i].name_len,
			m->headers[i].value, (ssize_t)m->headers[i].value_len);
	for (i = 0; i < pr->nheaders; i++)
		rd_kafka_header_add(h, pr->headers[i].name,
				    (ssize_t)pr->headers[i].name_len,
				    pr->headers[i].value,
				    (ssize_t)pr->headers[i].value_len);
	return h;
}

rd_kafka_resp_err_t
kq_produce_one(struct kq_producer *pr, const struct kq_pmsg *m, uint64_t rec)
{
	void *opaque = (void *)(uintptr_t)rec;
	rd_kafka_resp_err_t err;

	for (;;) {
		if (!m->nheaders && !pr->hdrs && m->timestamp < 0) {
			/* The plain call: no varargs, no header list. */
			if (rd_kafka_produce(pr->rkt, m->partition,
					     RD_KAFKA_MSG_F_COPY,
					     (void *)m->value, m->len, m->key,
					     m->keylen, opaque) == 0)
				return RD_KAFKA_RESP_ERR_NO_ERROR;
			err = rd_kafka_last_error();
		} else {
			rd_kafka_headers_t *h = make_headers(pr, m);

			err = rd_kafka_producev(
				pr->rk, RD_KAFKA_V_RKT(pr->rkt),
				RD_KAFKA_V_PARTITION(m->partition),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_VALUE((void *)m->value, m->len),
				RD_KAFKA_V_KEY(m->key, m->keylen),
				RD_KAFKA_V_OPAQUE(opaque),
				RD_KAFKA_V_TIMESTAMP(
					m->timestamp < 0 ? 0 : m->timestamp),
				RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
			if (!err)
				return err;
			if (h)
				rd_kafka_headers_destroy(h);
		}
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || pr->room(pr->arg))
			return err;
	}
}

const char *
kq_produce_reason(rd_kafka_resp_err_t err, size_t max_bytes, const char *down,
		  char *buf, size_t size)
{
	const char *s;

	/* Which limit, and how to raise it. */
	if (err == KQ_ERR_OVER_MAX) {
		snprintf(buf, size,
			 "Message size too large: over the producer limit "
			 "message.max.bytes=%zu (raise it with -X "
			 "message.max.bytes=N)",
			 max_bytes);
		return buf;
	}
	if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
		snprintf(buf, size,
			 "Message size too large for the broker: over the "
			 "topic limit max.message.bytes (or the broker "
			 "limit message.max.bytes)");
		return buf;
	}
	s = rd_kafka_err2str(err);
	if (strncmp(s, "Broker: ", 8) == 0 || strncmp(s, "Local: ", 7) == 0)
		s = strchr(s, ' ') + 1;
	if (err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT && down)
		snprintf(buf, size, "%s (%s)", s, down);
	else
		snprintf(buf, size, "%s", s);
	return buf;
}
