/*
 * The data path: Produce, Fetch (with long polling), ListOffsets,
 * DeleteRecords and InitProducerId.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "compress.h"
#include "errors.h"
#include "spec.h"
#include "txn.h"

/* --- Produce ---------------------------------------------------------------
 */

static struct kb_log *
find_log(struct kb_broker *b, struct kb_str topic, int32_t part, int16_t *err)
{
	struct kb_topic *t = kb_topics_find(&b->topics, topic.s, topic.len);

	if (!t || part < 0 || part >= t->nparts) {
		*err = KB_UNKNOWN_TOPIC_OR_PARTITION;
		return NULL;
	}
	*err = KB_NONE;
	return &t->parts[part];
}

/*
 * Transactional batches stored at base: the coordinator learns where its
 * transaction starts in the partition (the last stable offset stops
 * there). A record set holds one producer's batches.
 */
static void
txn_note(struct kb_broker *b, const char *topic, int32_t part,
	 const unsigned char *p, size_t n, int64_t base)
{
	if (n >= KB_BATCH_HEADER && (p[KB_B_ATTRS + 1] & 0x10))
		kb_txn_produced(b, topic, part, (int64_t)kb_be64(p + KB_B_PID),
				base);
}

/*
 * A transactional record set must belong to its producer's open
 * transaction, which holds the partition (the first batch tells: a
 * producer sends its batches of one partition together).
 */
static int16_t
txn_check(struct kb_broker *b, const char *topic, int32_t part,
	  const unsigned char *p, size_t n)
{
	if (n < KB_BATCH_HEADER || !(p[KB_B_ATTRS + 1] & 0x10))
		return KB_NONE;
	return kb_txn_check(
		b, topic, part, (int64_t)kb_be64(p + KB_B_PID),
		(int16_t)(p[KB_B_PEPOCH] << 8 | p[KB_B_PEPOCH + 1]));
}

/*
 * read_committed: cut the batches read into out from start at the last
 * stable offset, so that no record of an open transaction is served.
 */
static void
cut_at(struct kb_buf *out, size_t start, int64_t lso)
{
	size_t at = start, size;

	while (out->len - at >= KB_BATCH_HEADER) {
		if ((int64_t)kb_be64(out->p + at) >= lso) {
			out->len = at;
			return;
		}
		size = (size_t)kb_be32(out->p + at + KB_B_LENGTH) + 12;
		if (size > out->len - at)
			return;
		at += size;
	}
}

/*
 * message.timestamp.type=LogAppendTime: each batch takes the time it is
 * stored at (the timestamp type bit of its attributes, its maxTimestamp),
 * its CRC made anew, as Kafka's log does. Only batches whose CRC checks
 * are changed; kb_log_append refuses the others.
 */
static void
stamp_append_time(unsigned char *p, size_t n, int64_t now)
{
	size_t size;
	const char *why;

	while (n > 0 && kb_batch_check(p, n, &size, &why) == KB_NONE) {
		p[KB_B_ATTRS + 1] |= 0x08;
		kb_st64(p + KB_B_MAXTS, (uint64_t)now);
		kb_st32(p + KB_B_CRC,
			kb_crc32c(0, p + KB_B_ATTRS, size - KB_B_ATTRS));
		p += size;
		n -= size;
	}
}

/* compress.c's bound, with --max-memory. */
static size_t
zip_limit(const struct kb_broker *b, const struct kb_log *lg)
{
	return kb_zip_limit(lg->conf.max_message_bytes, b->net.max_memory);
}

/*
 * As Kafka's LogValidator: the records of each compressed batch are
 * decompressed (at most zip_limit bytes) and checked, and with a
 * compression.type other than producer each batch in another codec is
 * recompressed into it: *p and *n then point into nb. 0, or an error with
 * why. A batch that kb_log_append refuses anyway is left to it.
 */
static int16_t
zip_records(const struct kb_broker *b, const struct kb_topic *t,
	    const struct kb_log *lg, const unsigned char **p, size_t *n,
	    struct kb_buf *nb, const char **why)
{
	const unsigned char *bt;
	size_t off, size, limit = zip_limit(b, lg);
	int from, redo, building = 0;
	int16_t err;

	for (off = 0; off < *n; off += size) {
		bt = *p + off;
		if (kb_batch_check(bt, *n - off, &size, why) ||
		    (int64_t)size > lg->conf.max_message_bytes ||
		    (bt[KB_B_ATTRS + 1] & 0x20))
			return 0;
		from = bt[KB_B_ATTRS + 1] & 0x07;
		redo = t->zip != KB_ZIP_PRODUCER && t->zip != from;
		if (redo && !building) {
			kb_put(nb, *p, off);
			building = 1;
		}
		if (!redo && from == KB_ZIP_NONE) {
			if (building)
				kb_put(nb, bt, size);
			continue;
		}
		err = (int16_t)kb_zip_batch(bt, size, redo ? t->zip : from,
					    t->zip_level, limit,
					    building ? nb : NULL, why);
		if (err)
			return err;
	}
	if (building) {
		*p = nb->p;
		*n = nb->len;
	}
	return 0;
}

int
kb_api_produce(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	       struct kb_buf *out)
{
	struct kb_str txn = kb_string(in);
	int16_t acks = kb_i16(in);
	int32_t ntopics, i, j, np;
	int64_t now = kq_now_ms();
	struct kb_topic *t;

	kb_i32(in); /* timeout: a single node has no replicas to wait for */
	ntopics = kb_array(in);
	if (in->err)
		return KB_BADREQ;
	(void)txn;
	kb_put_array(out, ntopics);
	for (i = 0; i < ntopics; i++) {
		struct kb_str topic = kb_string(in);

		np = kb_array(in);
		if (in->err)
			return KB_BADREQ;
		kb_put_str(out, topic);
		kb_put_array(out, np);
		t = kb_topics_find(&b->topics, topic.s, topic.len);
		for (j = 0; j < np; j++) {
			int32_t part = kb_i32(in);
			const unsigned char *rec;
			int32_t n = kb_bytes(in, &rec);
			int16_t err;
			struct kb_log *lg;
			int64_t base = -1;
			const char *why = NULL;
			struct kb_buf nb = {0};
			size_t len = n > 0 ? (size_t)n : 0;

			kb_tags(in);
			if (in->err)
				return KB_BADREQ;
			lg = find_log(b, topic, part, &err);
			if (acks != 0 && acks != 1 && acks != -1)
				err = KB_INVALID_REQUIRED_ACKS;
			else if (lg && acks == -1 && t->min_insync > 1)
				/* As Kafka: the one replica is too few. */
				err = KB_NOT_ENOUGH_REPLICAS,
				why = "min.insync.replicas is above 1: this "
				      "broker is a single node";
			else if (lg && n <= 0)
				err = KB_CORRUPT_MESSAGE, why = "no records";
			else if (lg && (err = txn_check(b, t->name, part, rec,
							(size_t)n)))
				why = "not in an open transaction of its "
				      "producer's epoch";
			else if (lg && (err = zip_records(b, t, lg, &rec, &len,
							  &nb, &why)))
				;
			else if (lg) {
				if (t->append_time)
					stamp_append_time((unsigned char *)rec,
							  len, now);
				err = (int16_t)kb_log_append(
					lg, (unsigned char *)rec, len, now,
					&base, &why);
				if (err == KB_NONE) {
					b->appended = 1;
					txn_note(b, t->name, part, rec, len,
						 base);
					if (b->fsync == KB_FSYNC_ALWAYS)
						kb_log_sync_due(&b->syncer, lg);
				}
			}
			if (err && err != KB_UNKNOWN_TOPIC_OR_PARTITION &&
			    err != KB_OUT_OF_ORDER_SEQUENCE_NUMBER &&
			    err != KB_DUPLICATE_SEQUENCE_NUMBER &&
			    err != KB_NOT_ENOUGH_REPLICAS)
				kb_note(b, "produce to %.*s-%d from %s: %s",
					topic.len, topic.s, part, r->who,
					why ? why : "refused");
			else if (err)
				kb_debug(b, "produce to %.*s-%d from %s: %s",
					 topic.len, topic.s, part, r->peer,
					 why ? why : "unknown partition");
			kb_buf_free(&nb);
			kb_put_i32(out, part);
			kb_put_i16(out, err);
			kb_put_i64(out, base);
			/* log_append_time: -1 for CreateTime */
			kb_put_i64(out,
				   lg && !err && t->append_time ? now : -1);
			if (r->ver >= 5)
				kb_put_i64(out, lg ? lg->start : -1);
			if (r->ver >= 8) {
				kb_put_array(out, 0);
				kb_put_cstr(out, err ? why : NULL);
			}
			kb_put_tags(out);
		}
		kb_tags(in);
		kb_put_tags(out);
	}
	kb_put_i32(out, 0);
	kb_put_tags(out);
	/*
	 * --fsync always: the answer waits for the group commit at the end
	 * of the loop's turn, one fdatasync a log for every request of the
	 * turn. So does one that stored nothing: a duplicate it reports may
	 * stand for a batch of the turn not yet synced.
	 */
	if (b->fsync == KB_FSYNC_ALWAYS)
		r->hold = 1;
	return acks == 0 ? KB_NOREPLY : KB_REPLY;
}

/* --- Fetch -----------------------------------------------------------------
 */

struct kb_park {
	struct kb_broker *b;
	struct kb_conn *c; /* NULL once the connection went */
	int16_t ver;
	int32_t corr;
	unsigned char *body;
	size_t len;
	uint64_t timer;
	struct kb_park *next;
};

/*
 * Write a Fetch response for the request in in. Returns the bytes of
 * records in it, or -1 when the request is malformed; *errors tells
 * whether a partition had an error (answered at once).
 */
static int64_t
fetch(struct kb_broker *b, int ver, struct kb_rd *in, struct kb_buf *out,
      int *errors, int32_t *max_wait, int32_t *min_bytes)
{
	int32_t max_bytes, ntopics, i, j, np;
	int64_t total = 0;
	int committed;

	kb_i32(in); /* replica id */
	*max_wait = kb_i32(in);
	*min_bytes = kb_i32(in);
	max_bytes = kb_i32(in);
	if (max_bytes > KB_FETCH_MAX)
		max_bytes = KB_FETCH_MAX;
	/* Nor may a fetch wait for more than an answer can hold. */
	if (*min_bytes > max_bytes)
		*min_bytes = max_bytes;
	committed = kb_i8(in) == 1; /* isolation: read_committed */
	if (ver >= 7) {
		kb_i32(in);
		kb_i32(in);
	}
	ntopics = kb_array(in);
	if (in->err)
		return -1;
	*errors = 0;
	kb_put_i32(out, 0);
	if (ver >= 7) {
		kb_put_i16(out, KB_NONE);
		kb_put_i32(out, 0); /* no fetch sessions: always full */
	}
	kb_put_array(out, ntopics);
	for (i = 0; i < ntopics; i++) {
		struct kb_str topic = kb_string(in);

		np = kb_array(in);
		if (in->err)
			return -1;
		kb_put_str(out, topic);
		kb_put_array(out, np);
		for (j = 0; j < np; j++) {
			int32_t part = kb_i32(in), pmax;
			int64_t offset, lso = -1;
			int16_t err;
			struct kb_log *lg;
			size_t at, rat;
			char *name;

			if (ver >= 9)
				kb_i32(in);
			offset = kb_i64(in);
			if (ver >= 12)
				kb_i32(in); /* last fetched epoch */
			if (ver >= 5)
				kb_i64(in);
			pmax = kb_i32(in);
			kb_tags(in);
			if (in->err)
				return -1;
			lg = find_log(b, topic, part, &err);
			name = lg ? kb_str_dup(topic) : NULL;
			if (lg)
				lso = kb_txn_lso(b, name, part, lg);
			kb_put_i32(out, part);
			at = out->len;
			kb_put_i16(out, err);
			kb_put_i64(out, lg ? lg->next : -1);
			kb_put_i64(out, lso);
			if (ver >= 5)
				kb_put_i64(out, lg ? lg->start : -1);
			if (lg && committed)
				kb_txn_put_aborted(b, out, name, part, offset,
						   lso);
			else
				kb_put_array(out, -1);
			free(name);
			if (ver >= 11)
				kb_put_i32(out, -1);
			/* The records' size, once they are written. */
			rat = kb_array_mark(out);
			if (lg) {
				size_t start = out->len;
				int64_t room = max_bytes - total;
				int rc;

				if (room > pmax)
					room = pmax;
				/*
				 * KIP-74: the answer's first batch goes
				 * whatever its size, the others where they
				 * fit; a client asks again for the rest.
				 */
				/* Nothing past the last stable offset. */
				int held = committed && offset >= lso &&
					   offset <= lg->next;

				if (!held && (room > 0 || total == 0)) {
					rc = kb_log_sync_early(lg);
					if (rc == 0)
						rc = kb_log_read(
							lg, offset,
							room > 0 ? (size_t)room
								 : 0,
							total == 0, out);
					if (rc < 0) {
						rc = KB_KAFKA_STORAGE_ERROR;
						out->len = start;
					}
					if (committed && rc == 0)
						cut_at(out, start, lso);
					if (rc) {
						err = (int16_t)rc;
						*errors = 1;
						out->p[at] =
							(unsigned char)(err >>
									8);
						out->p[at + 1] =
							(unsigned char)err;
					}
				}
				total += (int64_t)(out->len - start);
				kb_patch_array(out, rat,
					       (int32_t)(out->len - start));
			} else {
				kb_patch_array(out, rat, 0);
				*errors = 1;
			}
			kb_put_tags(out);
		}
		kb_tags(in);
		kb_put_tags(out);
	}
	kb_put_tags(out);
	if (ver >= 7) {
		for (i = kb_array(in); i > 0 && !in->err; i--) {
			kb_string(in);
			np = kb_array(in);
			kb_skip(in, 4 * (size_t)(np > 0 ? np : 0));
			kb_tags(in);
		}
	}
	if (ver >= 11)
		kb_string(in);
	kb_tags(in);
	return in->err ? -1 : total;
}

static void
park_unlink(struct kb_broker *b, struct kb_park *p)
{
	struct kb_park **pp;

	for (pp = &b->parked; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

static void
park_free(struct kb_park *p)
{
	free(p->body);
	free(p);
}

/* Answer a parked fetch now (force) or if it has enough; 1 if answered. */
static int
park_try(struct kb_broker *b, struct kb_park *p, int force)
{
	struct kb_conn *c = p->c;
	struct kb_rd in;
	size_t mark = kb_reply_begin(c, p->corr);
	int errors;
	int32_t wait, min;
	int64_t got;

	/* The request, its header's tagged fields first, as first read. */
	kb_rd_init(&in, p->body, p->len);
	in.flex = c->out.flex = kb_api_flexible(KB_FETCH, p->ver);
	kb_tags(&in);
	kb_put_tags(&c->out);
	got = fetch(b, p->ver, &in, &c->out, &errors, &wait, &min);
	if (!force && !errors && got < min) {
		c->out.len = mark;
		return 0;
	}
	kb_reply_end(c, mark);
	kb_timer_del(b->loop, p->timer);
	park_free(p);
	kb_conn_unpark(&b->net, c);
	return 1;
}

static void
park_timeout(struct kb_loop *l, void *arg)
{
	struct kb_park *p = arg;
	struct kb_broker *b = p->b;

	(void)l;
	p->timer = 0;
	park_unlink(b, p);
	if (!p->c) {
		park_free(p);
		return;
	}
	park_try(b, p, 1);
}

static void
park_cancel(void *arg)
{
	struct kb_park *p = arg;

	p->c = NULL;
}

int
kb_api_fetch(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	     struct kb_buf *out)
{
	int errors;
	int32_t wait, min;
	size_t start = out->len;
	int64_t got = fetch(b, r->ver, in, out, &errors, &wait, &min);
	struct kb_park *p;

	if (got < 0)
		return KB_BADREQ;
	if (errors || got >= min || wait <= 0)
		return KB_REPLY;
	out->len = start;
	p = kq_ecalloc(1, sizeof(*p));
	p->b = b;
	p->c = r->c;
	p->ver = r->ver;
	p->corr = r->corr;
	p->len = r->len;
	p->body = kq_emalloc(r->len ? r->len : 1);
	memcpy(p->body, r->body, r->len);
	p->timer = kb_timer_add(b->loop, wait, park_timeout, p);
	p->next = b->parked;
	b->parked = p;
	kb_conn_park(r->c, park_cancel, p);
	return KB_PARKED;
}

void
kb_fetch_wake(struct kb_broker *b)
{
	struct kb_park *list, *p, *next;

	if (!b->appended)
		return;
	b->appended = 0;
	list = b->parked;
	b->parked = NULL;
	for (p = list; p; p = next) {
		next = p->next;
		if (!p->c) {
			kb_timer_del(b->loop, p->timer);
			park_free(p);
		} else if (!park_try(b, p, 0)) {
			p->next = b->parked;
			b->parked = p;
		}
	}
}

void
kb_fetch_flush(struct kb_broker *b)
{
	struct kb_park *p;

	while ((p = b->parked)) {
		b->parked = p->next;
		if (!p->c) {
			kb_timer_del(b->loop, p->timer);
			park_free(p);
		} else {
			park_try(b, p, 1);
		}
	}
}

/* --- a request's topics and their partitions -------------------------------
 */

int
kb_each_part(struct kb_rd *in, struct kb_buf *out, int32_t ntopics,
	     kb_part_fn *fn, void *arg)
{
	int32_t i, j, np;

	kb_put_array(out, ntopics);
	for (i = 0; i < ntopics; i++) {
		struct kb_str topic = kb_string(in);

		np = kb_array(in);
		if (in->err)
			return -1;
		kb_put_str(out, topic);
		kb_put_array(out, np);
		for (j = 0; j < np; j++)
			if (fn(arg, topic, in, out))
				return -1;
		kb_tags(in);
		kb_put_tags(out);
	}
	return 0;
}

/* --- ListOffsets -----------------------------------------------------------
 */

struct list_offsets {
	struct kb_broker *b;
	int ver;
	int committed; /* read_committed: the latest is the LSO */
};

static int
list_offset(void *arg, struct kb_str topic, struct kb_rd *in,
	    struct kb_buf *out)
{
	struct list_offsets *lo = arg;
	int32_t part = kb_i32(in);
	int64_t ts, off = -1, found = -1;
	int16_t err;
	struct kb_log *lg;

	if (lo->ver >= 4)
		kb_i32(in);
	ts = kb_i64(in);
	kb_tags(in);
	if (in->err)
		return -1;
	lg = find_log(lo->b, topic, part, &err);
	if (lg && ts == -1 && lo->committed) {
		char *name = kb_str_dup(topic);

		off = kb_txn_lso(lo->b, name, part, lg);
		free(name);
	} else if (lg && ts == -1)
		off = lg->next;
	else if (lg && ts == -2)
		off = lg->start;
	else if (lg) {
		off = kb_log_offset_for_time(lg, ts, &found);
		if (off < 0)
			found = -1;
	}
	kb_put_i32(out, part);
	kb_put_i16(out, err);
	kb_put_i64(out, found);
	kb_put_i64(out, off);
	if (lo->ver >= 4)
		kb_put_i32(out, 0);
	kb_put_tags(out);
	return 0;
}

int
kb_api_list_offsets(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		    struct kb_buf *out)
{
	struct list_offsets lo = {b, r->ver, 0};
	int32_t ntopics;

	kb_i32(in);
	if (r->ver >= 2)
		lo.committed = kb_i8(in) == 1;
	ntopics = kb_array(in);
	if (in->err)
		return KB_BADREQ;
	if (r->ver >= 2)
		kb_put_i32(out, 0);
	if (kb_each_part(in, out, ntopics, list_offset, &lo))
		return KB_BADREQ;
	kb_tags(in);
	kb_put_tags(out);
	return in->err ? KB_BADREQ : KB_REPLY;
}

/* --- DeleteRecords ---------------------------------------------------------
 */

struct delete_records {
	struct kb_broker *b;
	const char *who;
};

static int
delete_records(void *arg, struct kb_str topic, struct kb_rd *in,
	       struct kb_buf *out)
{
	struct delete_records *dr = arg;
	int32_t part = kb_i32(in);
	int64_t off = kb_i64(in), low = -1;
	int16_t err;
	struct kb_log *lg;

	kb_tags(in);
	if (in->err)
		return -1;
	if ((lg = find_log(dr->b, topic, part, &err))) {
		int64_t before = lg->start;

		err = (int16_t)kb_log_delete_records(lg, off, &low);
		if (err == KB_KAFKA_STORAGE_ERROR)
			kb_note(dr->b, "%s: %s/log-start-offset: %s", lg->name,
				lg->dir, strerror(errno));
		else if (low > before)
			kb_note(dr->b,
				"%s: records below %lld deleted (for %s)",
				lg->name, (long long)low, dr->who);
	}
	kb_put_i32(out, part);
	kb_put_i64(out, err ? -1 : low);
	kb_put_i16(out, err);
	kb_put_tags(out);
	return 0;
}

int
kb_api_delete_records(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		      struct kb_buf *out)
{
	struct delete_records dr = {b, r->who};
	int32_t ntopics = kb_array(in);

	if (in->err)
		return KB_BADREQ;
	kb_put_i32(out, 0);
	if (kb_each_part(in, out, ntopics, delete_records, &dr))
		return KB_BADREQ;
	kb_i32(in);
	kb_tags(in);
	kb_put_tags(out);
	return in->err ? KB_BADREQ : KB_REPLY;
}

/* --- InitProducerId --------------------------------------------------------
 */

int
kb_api_init_producer_id(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
			struct kb_buf *out)
{
	struct kb_str txn = kb_string(in);
	int64_t pid = -1;
	int16_t err = KB_NONE, epoch = 0;
	int32_t timeout = kb_i32(in);

	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	if (txn.len >= 0) {
		err = kb_txn_init(b, txn, timeout, &pid, &epoch);
		if (err)
			kb_debug(b,
				 "InitProducerId for '%.*s' from %s: error %d",
				 txn.len, txn.s, r->peer, err);
	} else if ((pid = kb_pids_next(&b->pids)) < 0) {
		kb_note(b, "producer ids: cannot save the counter");
		err = KB_KAFKA_STORAGE_ERROR;
	}
	kb_put_i32(out, 0);
	kb_put_i16(out, err);
	kb_put_i64(out, err ? -1 : pid);
	kb_put_i16(out, err ? -1 : epoch);
	kb_put_tags(out);
	return KB_REPLY;
}
