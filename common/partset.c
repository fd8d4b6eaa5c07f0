#include "partset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "start.h"

struct kq_ptopic *
kq_partset_topic(struct kq_partset *ps, const char *name)
{
	int i;

	for (i = 0; i < ps->ntopics; i++)
		if (strcmp(ps->topics[i].name, name) == 0)
			return &ps->topics[i];
	ps->topics = kq_erealloc(ps->topics,
				 (ps->ntopics + 1) * sizeof(*ps->topics));
	memset(&ps->topics[ps->ntopics], 0, sizeof(*ps->topics));
	ps->topics[ps->ntopics].name = kq_estrdup(name);
	ps->last = NULL; /* the array moved */
	return &ps->topics[ps->ntopics++];
}

struct kq_part *
kq_partset_part(struct kq_partset *ps, const char *topic, int32_t partition)
{
	struct kq_ptopic *t = kq_partset_topic(ps, topic);

	if (partition >= t->nparts) {
		int i, n = partition + 1;

		t->parts = kq_erealloc(t->parts, n * sizeof(*t->parts));
		for (i = t->nparts; i < n; i++) {
			memset(&t->parts[i], 0, sizeof(t->parts[i]));
			t->parts[i].start = t->parts[i].next = -1;
			t->parts[i].end = t->parts[i].skip_before = -1;
		}
		t->nparts = n;
	}
	return &t->parts[partition];
}

struct kq_part *
kq_partset_find(struct kq_partset *ps, const rd_kafka_message_t *m)
{
	struct kq_ptopic *t = ps->last;
	int i;

	if (!t || t->seen != m->rkt) {
		const char *name = rd_kafka_topic_name(m->rkt);

		t = NULL;
		for (i = 0; i < ps->ntopics; i++)
			if (strcmp(ps->topics[i].name, name) == 0)
				t = &ps->topics[i];
		if (!t)
			return NULL;
		t->seen = m->rkt;
		ps->last = t;
	}
	if (m->partition < 0 || m->partition >= t->nparts ||
	    !t->parts[m->partition].assigned)
		return NULL;
	return &t->parts[m->partition];
}

void
kq_partset_done(struct kq_partset *ps, struct kq_part *p)
{
	if (!p->done) {
		p->done = 1;
		ps->ndone++;
	}
}

void
kq_partset_assign(struct kq_partset *ps, rd_kafka_topic_partition_list_t *parts)
{
	int i;

	for (i = 0; i < parts->cnt; i++) {
		struct kq_part *p = kq_partset_part(ps, parts->elems[i].topic,
						    parts->elems[i].partition);

		if (!p->assigned)
			ps->nassigned++;
		p->assigned = 1;
		p->done = 0;
		p->next = p->start = -1;
		p->end = p->skip_before = -1;
		parts->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
	}
}

void
kq_partset_revoke(struct kq_partset *ps,
		  const rd_kafka_topic_partition_list_t *parts)
{
	int i;

	for (i = 0; i < parts->cnt; i++) {
		struct kq_part *p = kq_partset_part(ps, parts->elems[i].topic,
						    parts->elems[i].partition);

		if (p->assigned) {
			ps->nassigned--;
			if (p->done)
				ps->ndone--;
		}
		p->assigned = p->done = 0;
	}
}

rd_kafka_topic_partition_list_t *
kq_partset_list(const struct kq_partset *ps, int with_next)
{
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(ps->nassigned + 1);
	int i, k;

	for (i = 0; i < ps->ntopics; i++) {
		const struct kq_ptopic *t = &ps->topics[i];

		for (k = 0; k < t->nparts; k++) {
			if (!t->parts[k].assigned ||
			    (with_next && t->parts[k].next < 0))
				continue;
			rd_kafka_topic_partition_list_add(l, t->name, k)
				->offset = t->parts[k].next;
		}
	}
	return l;
}

/* Say that an offset is out of the log's range, and where reading goes. */
static void
say_range(const struct kq_conf *c, const char *topic, int32_t partition,
	  enum kq_range range, int64_t v, int64_t lo, int64_t hi)
{
	if (range == KQ_RANGE_GONE)
		kq_info(c,
			"%s [%d]: %lld messages are gone: offset %lld "
			"is before the log start %lld; reading from "
			"there",
			topic, (int)partition, (long long)(lo - v),
			(long long)v, (long long)lo);
	else if (range == KQ_RANGE_PAST)
		kq_info(c,
			"%s [%d]: offset %lld is past the end %lld; "
			"reading from the end",
			topic, (int)partition, (long long)v, (long long)hi);
}

/* Where a group's committed offset c (-1: none) starts a partition. */
static int64_t
committed_start(const struct kq_conf *conf, const rd_kafka_topic_partition_t *e,
		int64_t c, int64_t lo, int64_t hi)
{
	if (c < 0)
		return kq_start_reset(conf, lo, hi);
	if (c < lo) {
		/* librdkafka resets it, without a word. */
		kq_info(conf,
			"%s [%d]: %lld messages are gone: the "
			"committed offset %lld is before the "
			"log start %lld; reading from there",
			e->topic, (int)e->partition, (long long)(lo - c),
			(long long)c, (long long)lo);
		return lo;
	}
	return c;
}

rd_kafka_resp_err_t
kq_parts_offsets(struct kq_kafka *kk, const struct kq_conf *c,
		 const rd_kafka_topic_partition_list_t *parts,
		 const struct kq_offset_spec *spec,
		 rd_kafka_topic_partition_list_t **lo,
		 rd_kafka_topic_partition_list_t **hi,
		 rd_kafka_topic_partition_list_t **at)
{
	rd_kafka_resp_err_t err;

	*lo = rd_kafka_topic_partition_list_copy(parts);
	*hi = rd_kafka_topic_partition_list_copy(parts);
	*at = NULL;
	err = kq_kafka_watermarks(kk, *lo, *hi);
	if (!err && spec && spec->kind == KQ_OFFSET_TIME) {
		*at = rd_kafka_topic_partition_list_copy(parts);
		err = kq_start_times(kk, spec->value, *at, *lo, *hi);
	} else if (!err && !spec) {
		*at = rd_kafka_topic_partition_list_copy(parts);
		err = rd_kafka_committed(kk->rk, *at, (int)c->timeout_ms);
	}
	return err;
}

void
kq_parts_offsets_free(rd_kafka_topic_partition_list_t *lo,
		      rd_kafka_topic_partition_list_t *hi,
		      rd_kafka_topic_partition_list_t *at)
{
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);
	if (at)
		rd_kafka_topic_partition_list_destroy(at);
}

int
kq_partset_locate(struct kq_partset *ps, struct kq_kafka *kk,
		  const struct kq_conf *c,
		  rd_kafka_topic_partition_list_t *parts,
		  const struct kq_offset_spec *spec)
{
	rd_kafka_topic_partition_list_t *lo, *hi, *at;
	rd_kafka_resp_err_t err;
	int i, status = 0;
	char buf[256];

	if (parts->cnt == 0)
		return 0;
	if ((err = kq_parts_offsets(kk, c, parts, spec, &lo, &hi, &at))) {
		kq_warn("%s: cannot learn the offsets: %s",
			kq_parts_describe(parts, buf, sizeof(buf)),
			rd_kafka_err2str(err));
		status = EX_UNAVAILABLE;
		goto out;
	}
	for (i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *e = &parts->elems[i];
		struct kq_part *p = kq_partset_part(ps, e->topic, e->partition);
		int64_t l = lo->elems[i].offset, h = hi->elems[i].offset;
		int64_t t = at ? at->elems[i].offset : -1, start;

		if (spec) {
			if (spec->kind == KQ_OFFSET_ABSOLUTE)
				say_range(c, e->topic, e->partition,
					  kq_range_of(spec->value, l, h),
					  spec->value, l, h);
			start = e->offset = kq_start_of(spec, l, h, t);
			if (t == KQ_START_SCAN && at)
				p->skip_before = spec->value;
		} else {
			start = committed_start(c, e, t, l, h);
		}
		p->start = start;
		if (ps->ends) {
			p->end = h;
			if (start >= h)
				kq_partset_done(ps, p);
		}
	}
out:
	kq_parts_offsets_free(lo, hi, at);
	return status;
}

int
kq_partset_end_now(struct kq_partset *ps, struct kq_kafka *kk)
{
	rd_kafka_topic_partition_list_t *l = kq_partset_list(ps, 0), *lo;
	rd_kafka_resp_err_t err;
	int i;

	ps->ends = 1;
	lo = rd_kafka_topic_partition_list_copy(l);
	err = l->cnt ? kq_kafka_watermarks(kk, lo, l) : 0;
	for (i = 0; !err && i < l->cnt; i++) {
		struct kq_part *p = kq_partset_part(ps, l->elems[i].topic,
						    l->elems[i].partition);
		int64_t pos = p->next >= 0 ? p->next : p->start;

		p->end = l->elems[i].offset;
		if (pos >= p->end)
			kq_partset_done(ps, p);
	}
	if (err)
		kq_warn("cannot learn the end offsets: %s",
			rd_kafka_err2str(err));
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(l);
	return err ? EX_UNAVAILABLE : 0;
}

int
kq_partset_restart(struct kq_partset *ps, struct kq_part *p,
		   struct kq_kafka *kk, const struct kq_conf *c,
		   const char *topic, int32_t partition, int64_t offset,
		   int64_t *to)
{
	rd_kafka_topic_partition_list_t *lo =
		rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_t *hi;
	rd_kafka_resp_err_t err;
	enum kq_range range;
	int64_t l, h;

	rd_kafka_topic_partition_list_add(lo, topic, partition);
	hi = rd_kafka_topic_partition_list_copy(lo);
	err = kq_kafka_watermarks(kk, lo, hi);
	l = lo->elems[0].offset;
	h = hi->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);
	if (err) {
		kq_warn("%s [%d]: cannot learn the offsets: %s", topic,
			(int)partition, rd_kafka_err2str(err));
		return EX_UNAVAILABLE;
	}
	range = offset < 0 ? KQ_RANGE_IN : kq_range_of(offset, l, h);
	say_range(c, topic, partition, range, offset, l, h);
	if (range == KQ_RANGE_GONE)
		*to = l;
	else if (range == KQ_RANGE_PAST)
		*to = h;
	else /* In range after all (the log moved meanwhile): go on. */
		*to = offset >= 0 ? offset : l;
	if (p) {
		p->start = *to;
		if (p->end >= 0 && *to >= p->end)
			kq_partset_done(ps, p);
	}
	return 0;
}

const char *
kq_partset_percent(const struct kq_partset *ps, char *buf, size_t size)
{
	int64_t total = 0, done = 0;
	int i, k;

	*buf = 0;
	for (i = 0; i < ps->ntopics; i++)
		for (k = 0; k < ps->topics[i].nparts; k++) {
			const struct kq_part *p = &ps->topics[i].parts[k];

			if (!p->assigned || p->end < 0 || p->start < 0)
				continue;
			total += p->end - p->start;
			done += p->done ? p->end - p->start
					: (p->next >= 0 ? p->next - p->start
							: 0);
		}
	if (total > 0)
		snprintf(buf, size, ", %d%% of the end offsets",
			 (int)(done * 100 / total));
	return buf;
}

void
kq_partset_free(struct kq_partset *ps)
{
	int i;

	for (i = 0; i < ps->ntopics; i++) {
		if (ps->topics[i].rkt)
			rd_kafka_topic_destroy(ps->topics[i].rkt);
		free(ps->topics[i].name);
		free(ps->topics[i].parts);
	}
	free(ps->topics);
	memset(ps, 0, sizeof(*ps));
}

/* printf at buf + *n, never past size (less one for the NUL). */
static void
append(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n + 1 >= size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < size - 1 ? *n + (size_t)k : size - 1;
}

const char *
kq_parts_describe(const rd_kafka_topic_partition_list_t *l, char *buf,
		  size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	if (l->cnt == 0)
		append(buf, size, &n, "nothing");
	for (i = 0; i < l->cnt && n + 8 < size; i++) {
		const rd_kafka_topic_partition_t *e = &l->elems[i];

		if (i > 0 && strcmp(l->elems[i - 1].topic, e->topic) == 0) {
			n--; /* the ']' */
			append(buf, size - 4, &n, ",%d]", (int)e->partition);
		} else {
			append(buf, size - 4, &n, "%s%s [%d]", i ? ", " : "",
			       e->topic, (int)e->partition);
		}
	}
	if (i < l->cnt)
		append(buf, size, &n, "...");
	return buf;
}
