#include "cleaner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress.h"
#include "die.h"
#include "spec.h"
#include "topics.h"

/* --- the offset map --------------------------------------------------------
 */

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/*
 * Two 64-bit lanes over the key's bytes: a key is known by its 128-bit
 * hash alone, as Kafka's map knows it by its MD5, so that the map's
 * memory does not grow with the keys' size.
 */
static void
hash128(const unsigned char *p, size_t n, uint64_t *a, uint64_t *b)
{
	uint64_t h1 = 0x9e3779b97f4a7c15ULL ^ n, h2 = 0x6a09e667f3bcc909ULL + n;
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h1 = mix(h1 ^ w) * 0x87c37b91114253d5ULL;
		h2 = mix(h2 + (w << 31 | w >> 33)) ^ 0x4cf5ad432745937fULL;
	}
	w = 0;
	memcpy(&w, p, n);
	h1 = mix(h1 ^ w ^ (uint64_t)n << 56);
	h2 = mix(h2 + w + ((uint64_t)n << 48) + h1);
	*a = h1;
	*b = h2 ? h2 : 1;
}

void
kb_omap_init(struct kb_omap *m, size_t bytes)
{
	memset(m, 0, sizeof(*m));
	m->cap = bytes / sizeof(struct kb_oent);
	if (m->cap < 2)
		m->cap = 2;
	m->max = m->cap * 9 / 10;
	if (m->max < 1)
		m->max = 1;
	m->v = kq_ecalloc(m->cap, sizeof(*m->v));
	m->latest = -1;
}

void
kb_omap_free(struct kb_omap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
	m->latest = -1;
}

static struct kb_oent *
slot(const struct kb_omap *m, uint64_t a, uint64_t b)
{
	size_t i = (size_t)(a % m->cap);

	while (m->v[i].h2 && (m->v[i].h1 != a || m->v[i].h2 != b))
		i = i + 1 == m->cap ? 0 : i + 1;
	return &m->v[i];
}

int
kb_omap_put(struct kb_omap *m, const void *key, size_t len, int64_t off)
{
	struct kb_oent *e;
	uint64_t a, b;

	hash128(key, len, &a, &b);
	e = slot(m, a, b);
	if (!e->h2) {
		if (m->n >= m->max)
			return -1;
		m->n++;
		e->h1 = a;
		e->h2 = b;
	}
	e->off = off;
	m->latest = off;
	return 0;
}

int64_t
kb_omap_get(const struct kb_omap *m, const void *key, size_t len)
{
	const struct kb_oent *e;
	uint64_t a, b;

	if (!m->v)
		return -1;
	hash128(key, len, &a, &b);
	e = slot(m, a, b);
	return e->h2 ? e->off : -1;
}

/* --- records ---------------------------------------------------------------
 */

struct rec {
	const unsigned char *raw; /* from its length varint on */
	size_t rawlen;
	int64_t od; /* offset delta */
	const unsigned char *key;
	int64_t klen, vlen; /* -1: null */
};

/* The next record of a batch's records: 0, or -1 when it does not parse. */
static int
rec_next(struct kb_rd *r, struct rec *x)
{
	const unsigned char *raw = r->p, *body;
	struct kb_rd in;
	int64_t len = kb_varlong(r);

	body = r->p;
	if (r->err || len < 0 || (uint64_t)len > kb_left(r))
		return -1;
	kb_rd_init(&in, body, (size_t)len);
	kb_i8(&in);
	kb_varlong(&in);
	x->od = kb_varlong(&in);
	x->klen = kb_varlong(&in);
	x->key = in.p;
	if (x->klen > 0 && (uint64_t)x->klen <= kb_left(&in))
		kb_skip(&in, (size_t)x->klen);
	else if (x->klen > 0)
		return -1;
	x->vlen = kb_varlong(&in);
	if (in.err || x->klen < -1 || x->vlen < -1)
		return -1;
	x->raw = raw;
	x->rawlen = (size_t)(body - raw) + (size_t)len;
	r->p = body + len;
	return 0;
}

/*
 * A transactional or a control batch: left as it is (an aborted record
 * must not make a committed one go).
 */
static int
untouchable(const unsigned char *b)
{
	return b[KB_B_ATTRS + 1] & 0x30;
}

static int
codec_of(const unsigned char *b)
{
	return b[KB_B_ATTRS + 1] & 0x07;
}

/*
 * The records of a batch (size bytes): in place, or decompressed into
 * raw, at most limit bytes, as Kafka's cleaner reads a compressed batch.
 * 0; -1 when they do not decompress (damage, as a bad CRC would be); -2
 * past limit.
 */
static int
records(const unsigned char *b, size_t size, size_t limit, struct kb_buf *raw,
	const unsigned char **p, size_t *n)
{
	const char *why;
	int rc;

	*p = b + KB_BATCH_HEADER;
	*n = size - KB_BATCH_HEADER;
	if (codec_of(b) == KB_ZIP_NONE)
		return 0;
	if ((rc = kb_zip_decompress(codec_of(b), *p, *n, limit, raw, &why)))
		return rc;
	*p = raw->p;
	*n = raw->len;
	return 0;
}

/*
 * Walk the n bytes of records at p of batch b, calling fn on each: 0;
 * -1 when a record does not parse or lies outside the batch's offsets;
 * or what fn returned when not 0.
 */
static int
each_rec(const unsigned char *b, const unsigned char *p, size_t n,
	 int (*fn)(void *arg, const struct rec *x), void *arg)
{
	struct kb_bhdr h;
	struct kb_rd r;
	struct rec x;
	int32_t i;
	int rc;

	kb_bhdr(b, &h);
	kb_rd_init(&r, p, n);
	for (i = 0; i < h.count; i++) {
		if (rec_next(&r, &x) || x.od < 0 || x.od > h.last_delta)
			return -1;
		if ((rc = fn(arg, &x)))
			return rc;
	}
	return kb_left(&r) ? -1 : 0;
}

static int
null_key(void *arg, const struct rec *x)
{
	(void)arg;
	return x->klen < 0;
}

int
kb_batch_has_null_key(const unsigned char *b, size_t size, size_t limit)
{
	struct kb_buf raw = {0};
	const unsigned char *p;
	size_t n;
	int rc = 0;

	if (b[KB_B_ATTRS + 1] & 0x20)
		return 0;
	if (records(b, size, limit, &raw, &p, &n) == 0)
		rc = each_rec(b, p, n, null_key, NULL) == 1;
	kb_buf_free(&raw);
	return rc;
}

struct add {
	struct kb_omap *m;
	int64_t base, from;
};

static int
add_rec(void *arg, const struct rec *x)
{
	struct add *a = arg;

	if (x->klen < 0 || a->base + x->od < a->from)
		return 0;
	return kb_omap_put(a->m, x->key, (size_t)x->klen, a->base + x->od) ? 2
									   : 0;
}

int
kb_omap_add_batch(struct kb_omap *m, const unsigned char *b, size_t size,
		  int64_t from, size_t limit)
{
	struct add a = {m, (int64_t)kb_be64(b), from};
	struct kb_buf raw = {0};
	const unsigned char *p;
	size_t n;
	int rc;

	if (untouchable(b))
		return 0;
	rc = records(b, size, limit, &raw, &p, &n);
	if (rc == 0)
		rc = each_rec(b, p, n, add_rec, &a) == 2 ? -1 : 0;
	else
		rc = rc == -1 ? -2 : 0; /* past limit: left untouched */
	kb_buf_free(&raw);
	return rc;
}

struct keep {
	const struct kb_omap *m;
	int64_t base;
	int drop_tombs;
	struct kb_buf *out;
	int32_t kept;
	int changed, *tombs;
};

/* Kafka's rule (Cleaner.shouldRetainRecord), record by record. */
static int
keep_rec(void *arg, const struct rec *x)
{
	struct keep *k = arg;
	int64_t off = k->base + x->od;
	int keep = 1;

	/* Past the map: a later pass knows whether a newer one exists. */
	if (off <= k->m->latest) {
		if (x->klen < 0)
			keep = 0;
		else if (off < kb_omap_get(k->m, x->key, (size_t)x->klen))
			keep = 0;
		else if (x->vlen < 0 && k->drop_tombs)
			keep = 0;
	}
	if (!keep) {
		k->changed = 1;
		return 0;
	}
	if (x->vlen < 0)
		(*k->tombs)++;
	kb_put(k->out, x->raw, x->rawlen);
	k->kept++;
	return 0;
}

/*
 * The kept records (n bytes at recs), compressed in the batch's codec at
 * its default level, after the header at out->p + at, as Kafka's cleaner
 * writes them. One left empty has no records to compress: its codec goes
 * (Kafka's empty batch header is uncompressed too). 0 or -1.
 */
static int
put_kept(struct kb_buf *out, size_t at, int codec, const struct kb_buf *kept,
	 int32_t count)
{
	const char *why;

	if (count == 0) {
		out->p[at + KB_B_ATTRS + 1] &= (unsigned char)~0x07;
		return 0;
	}
	return kb_zip_compress(codec, kb_zip_level(codec), kept->p, kept->len,
			       out, &why);
}

int
kb_clean_batch(const unsigned char *b, size_t size, const struct kb_omap *m,
	       int drop_tombs, int keep_empty, size_t limit, struct kb_buf *out,
	       int *tombs)
{
	size_t at = out->len, len, n;
	int tombs0 = *tombs, codec = codec_of(b), rc;
	struct kb_buf raw = {0}, kept = {0};
	struct keep k = {m, (int64_t)kb_be64(b), drop_tombs, out, 0, 0, tombs};
	const unsigned char *recs;
	unsigned char *p;

	if (untouchable(b) ||
	    (rc = records(b, size, limit, &raw, &recs, &n)) == -2) {
		kb_buf_free(&raw);
		kb_put(out, b, size);
		return KB_CLEAN_UNTOUCHED;
	}
	if (rc) {
		kb_buf_free(&raw);
		return KB_CLEAN_DAMAGED;
	}
	/* A compressed batch's kept records are gathered to compress. */
	if (codec != KB_ZIP_NONE)
		k.out = &kept;
	kb_put(out, b, KB_BATCH_HEADER);
	rc = each_rec(b, recs, n, keep_rec, &k);
	kb_buf_free(&raw);
	if (!rc && k.changed && (k.kept || keep_empty) && codec != KB_ZIP_NONE)
		rc = put_kept(out, at, codec, &kept, k.kept);
	kb_buf_free(&kept);
	if (rc) {
		/*
		 * Records that do not parse are not the cleaner's to judge,
		 * nor a batch the codec failed to write.
		 */
		out->len = at;
		*tombs = tombs0;
		kb_put(out, b, size);
		return KB_CLEAN_UNTOUCHED;
	}
	if (!k.changed) {
		out->len = at;
		kb_put(out, b, size);
		return KB_CLEAN_SAME;
	}
	if (!k.kept && !keep_empty) {
		out->len = at;
		return KB_CLEAN_GONE;
	}
	p = out->p + at;
	len = out->len - at;
	kb_st32(p + KB_B_LENGTH, (uint32_t)(len - 12));
	kb_st32(p + KB_B_COUNT, (uint32_t)k.kept);
	kb_st32(p + KB_B_CRC, kb_crc32c(0, p + KB_B_ATTRS, len - KB_B_ATTRS));
	return KB_CLEAN_SHRUNK;
}

/* --- reading a segment -----------------------------------------------------
 */

/* A segment's batches, through log.c's reader, held to the segment. */
struct rdr {
	struct kb_segscan sc;
	int64_t expect; /* a batch's base is at least this */
	int64_t end;	/* and its offsets below this (the next segment's) */
};

/*
 * The next batch, whole and sound (its CRC-32C too: a rewritten batch
 * gets a new CRC, which must never cover damage), stepping over the one
 * given last: 0, 1 at the end, -1 on bad data or a read error.
 */
static int
rdr_next(struct rdr *r, const unsigned char **b, size_t *size,
	 struct kb_bhdr *bh)
{
	const char *why;
	int rc;

	rc = kb_segscan_next(&r->sc, b, size, &why);
	if (rc)
		return rc == 1 ? 1 : -1;
	kb_bhdr(*b, bh);
	/* The base offset lies outside the CRC: held to its segment. */
	if ((*b)[KB_B_MAGIC] != 2 || bh->base < r->expect ||
	    bh->last_delta < 0 || bh->base + bh->last_delta >= r->end ||
	    bh->count < 0 || bh->count > bh->last_delta + 1 ||
	    kb_crc32c(0, *b + KB_B_ATTRS, *size - KB_B_ATTRS) !=
		    kb_be32(*b + KB_B_CRC))
		return -1;
	r->expect = bh->base + bh->last_delta + 1;
	return 0;
}

static void
rdr_init(struct rdr *r, const struct kb_cseg *s)
{
	kb_segscan_init(&r->sc, s->fd, s->size);
	r->expect = s->base;
	r->end = s->end;
}

/* --- the passes ------------------------------------------------------------
 */

static void
cleaned_path(const char *dir, int64_t base, char *path, size_t size)
{
	snprintf(path, size, "%s/%020" PRId64 ".log.cleaned", dir, base);
}

/* Step 0: the map over the dirty part, until it fills. */
static void
build_map(struct kb_cleaner *c)
{
	const unsigned char *b;
	size_t i, size = 0;
	struct kb_bhdr h;
	struct rdr r;
	int rc, full = 0;

	kb_omap_init(&c->map, c->map_bytes);
	for (i = 0; i < c->nsegs && !full; i++) {
		if (!c->segs[i].dirty)
			continue;
		rdr_init(&r, &c->segs[i]);
		while (!full && (rc = rdr_next(&r, &b, &size, &h)) == 0) {
			if (h.base + h.last_delta < c->ckpt)
				continue;
			rc = kb_omap_add_batch(&c->map, b, size, c->ckpt,
					       c->zip_limit);
			full = rc == -1;
			/* Records that do not decompress: damage. */
			if (rc == -2) {
				rc = -1;
				break;
			}
		}
		kb_segscan_free(&r.sc);
		/* Damage: what lies past it is not known, nor cleaned. */
		if (!full && rc < 0) {
			full = 1;
			if (c->map.latest < 0)
				c->map.latest = c->segs[i].base - 1;
		}
	}
	if (!full)
		c->map.latest = c->segs[c->nsegs - 1].end - 1;
	for (c->upto = 0; c->upto < c->nsegs; c->upto++)
		if (c->segs[c->upto].base > c->map.latest)
			break;
}

static void
set_mtime(int fd, int64_t ms)
{
	struct timespec t[2];

	t[0].tv_sec = t[1].tv_sec = ms / 1000;
	t[0].tv_nsec = t[1].tv_nsec = (ms % 1000) * 1000000;
	/* Only a tombstone's stay depends on it: no error to report. */
	if (futimens(fd, t))
		return;
}

/*
 * Step i + 1: segment i copied to BASE.log.cleaned without what the map
 * replaces, its indexes noted; nothing is left when nothing changed. A
 * segment cleaned before (wholly below the checkpoint) keeps its mtime:
 * that is when its tombstones were first cleaned, and they go once it is
 * delete.retention.ms old.
 */
static void
clean_seg(struct kb_cleaner *c, size_t i)
{
	struct kb_cseg *s = &c->segs[i];
	char path[4200];
	struct kb_buf out = {0};
	const unsigned char *b;
	size_t size = 0, at;
	struct kb_bhdr h;
	uint64_t written = 0;
	struct rdr r;
	int fd, rc, what, failed = 0, before = s->end <= c->ckpt;
	int drop = before && c->now - s->mtime_ms >= c->retention_ms;

	memset(&s->ix, 0, sizeof(s->ix));
	s->ix.base = s->base;
	s->ix.max_ts = -1;
	s->ix.fd = s->ix.ifd = s->ix.tfd = -1;
	s->when = s->mtime_ms;
	cleaned_path(c->dir, s->base, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		c->err = errno;
		return;
	}
	rdr_init(&r, s);
	while ((rc = rdr_next(&r, &b, &size, &h)) == 0) {
		int last = h.base + h.last_delta + 1 == s->end;

		at = out.len;
		what = kb_clean_batch(b, size, &c->map, drop, last,
				      c->zip_limit, &out, &s->tombs);
		if (what == KB_CLEAN_DAMAGED) {
			rc = -1;
			break;
		}
		if (what == KB_CLEAN_SHRUNK || what == KB_CLEAN_GONE) {
			s->changed = 1;
			c->dropped +=
				(uint32_t)h.count -
				(what == KB_CLEAN_GONE
					 ? 0
					 : kb_be32(out.p + at + KB_B_COUNT));
		}
		if (out.len > at)
			kb_seg_note(&s->ix, h.base, written + at,
				    (int64_t)kb_be64(out.p + at + KB_B_MAXTS));
		if (out.len >= (1 << 20)) {
			if (kb_write_all(fd, out.p, out.len)) {
				failed = errno;
				break;
			}
			written += out.len;
			out.len = 0;
		}
	}
	/* Damage (rc -1) is left as it is, for reads to report. */
	if (rc < 0)
		s->changed = 0;
	if (!failed && s->changed) {
		if (kb_write_all(fd, out.p, out.len) || fdatasync(fd))
			failed = errno;
		written += out.len;
	}
	if (failed) {
		c->err = failed;
		s->changed = 0;
	}
	kb_buf_free(&out);
	kb_segscan_free(&r.sc);
	if (s->changed) {
		s->ix.size = written;
		kb_seg_close_index(&s->ix, s->end);
		s->when = before ? s->mtime_ms : c->now;
		set_mtime(fd, s->when);
	}
	close(fd);
	if (!s->changed) {
		unlink(path);
		free(s->ix.idx);
		free(s->ix.tidx);
		memset(&s->ix, 0, sizeof(s->ix));
		/* Its tombstones' time starts now, as if it were rewritten. */
		if (!before && s->tombs && rc == 1) {
			set_mtime(s->fd, c->now);
			s->when = c->now;
		}
	}
}

static void
do_step(struct kb_cleaner *c)
{
	if (c->step == 0)
		build_map(c);
	else
		clean_seg(c, c->step - 1);
}

/* The thread's work: the step of the pass handed over. */
static void
cleaner_run(void *arg)
{
	do_step(arg);
}

int
kb_cleaner_start(struct kb_cleaner *c, size_t map_bytes)
{
	memset(c, 0, sizeof(*c));
	c->map_bytes = map_bytes;
	/*
	 * Background work: below the loop's priority, so that on a busy
	 * machine a pass takes longer rather than the answers.
	 */
	return kb_worker_start(&c->w, cleaner_run, c, 10);
}

/* A pass ended: what it made and did not swap in goes. */
static void
end_pass(struct kb_cleaner *c)
{
	char path[4200];
	size_t i;

	for (i = 0; i < c->nsegs; i++) {
		struct kb_cseg *s = &c->segs[i];

		if (s->changed) {
			cleaned_path(c->dir, s->base, path, sizeof(path));
			unlink(path);
		}
		free(s->ix.idx);
		free(s->ix.tidx);
		close(s->fd);
	}
	free(c->segs);
	free(c->dir);
	kb_omap_free(&c->map);
	if (c->lg)
		c->lg->cleaner = NULL;
	c->lg = NULL;
	c->segs = NULL;
	c->dir = NULL;
	c->nsegs = 0;
}

void
kb_cleaner_stop(struct kb_cleaner *c)
{
	kb_worker_wait(&c->w);
	if (c->lg)
		end_pass(c);
	kb_worker_stop(&c->w);
	memset(c, 0, sizeof(*c));
}

void
kb_cleaner_drop(struct kb_log *lg)
{
	struct kb_cleaner *c = lg->cleaner;

	if (!c)
		return;
	kb_worker_wait(&c->w);
	end_pass(c);
}

/* --- the checkpoint --------------------------------------------------------
 */

static int64_t
ckpt_load(const struct kb_log *lg)
{
	int64_t v = kb_line_offset(lg->dir, KB_CLEANER_CHECKPOINT);

	return v >= 0 ? v : 0;
}

/* Through a temporary file and a rename, as the recovery point. */
static int
ckpt_save(const struct kb_log *lg, int64_t v)
{
	char line[64];

	snprintf(line, sizeof(line), "%" PRId64 "\n", v);
	return kb_line_write(lg->dir, KB_CLEANER_CHECKPOINT, line);
}

/* The checkpoint, read once; below the log's first segment, its base. */
static void
ckpt_know(struct kb_log *lg, int64_t now)
{
	if (!lg->clean_known) {
		lg->clean_known = 1;
		lg->clean_ckpt = ckpt_load(lg);
		/* Tombstones cleaned before a restart: look at them once. */
		if (lg->clean_ckpt > lg->segs[0].base)
			lg->tomb_due = now;
	}
	if (lg->clean_ckpt < lg->segs[0].base)
		lg->clean_ckpt = lg->segs[0].base;
}

/*
 * The closed segments the cleaner may touch: those before the first one
 * holding a record newer than min.compaction.lag.ms.
 */
static size_t
cleanable(const struct kb_log *lg, int64_t now)
{
	size_t i;

	for (i = 0; i + 1 < lg->nsegs; i++) {
		const struct kb_seg *s = &lg->segs[i];
		int64_t t = s->max_ts >= 0 ? s->max_ts : s->mtime_ms;

		if (lg->conf.min_lag_ms > 0 && now - t < lg->conf.min_lag_ms)
			break;
	}
	return i;
}

/* Is lg due a pass: enough of it dirty (min.cleanable.dirty.ratio), or
 * tombstones due to go? */
static int
due(struct kb_log *lg, int64_t now)
{
	uint64_t dirty = 0, total = 0;
	size_t i, n;

	if (!lg->conf.compact || lg->nsegs < 2 || lg->failed || !lg->ready)
		return 0;
	ckpt_know(lg, now);
	if (!(n = cleanable(lg, now)))
		return 0;
	for (i = 0; i < n; i++) {
		total += lg->segs[i].size;
		if (lg->segs[i + 1].base > lg->clean_ckpt)
			dirty += lg->segs[i].size;
	}
	if (dirty > 0 && (double)dirty >= lg->conf.min_dirty_ratio * total)
		return 1;
	return lg->tomb_due && now >= lg->tomb_due;
}

/* Take hold of lg's cleanable segments for a pass. */
static int
begin(struct kb_cleaner *c, struct kb_log *lg, int64_t now)
{
	size_t i, n;

	ckpt_know(lg, now);
	if (!(n = cleanable(lg, now)))
		return -1;
	c->segs = kq_ecalloc(n, sizeof(*c->segs));
	for (i = 0; i < n; i++) {
		struct kb_cseg *s = &c->segs[i];

		s->base = lg->segs[i].base;
		s->end = lg->segs[i + 1].base;
		s->size = lg->segs[i].size;
		s->mtime_ms = lg->segs[i].mtime_ms;
		s->dirty = s->end > lg->clean_ckpt;
		s->fd = fcntl(lg->segs[i].fd, F_DUPFD_CLOEXEC, 0);
		c->nsegs = i + 1;
		if (s->fd < 0) {
			c->lg = lg;
			end_pass(c);
			return -1;
		}
	}
	c->lg = lg;
	c->dir = kq_estrdup(lg->dir);
	c->now = now;
	c->ckpt = lg->clean_ckpt;
	c->retention_ms = lg->conf.delete_retention_ms;
	c->zip_limit = kb_zip_limit(lg->conf.max_message_bytes, SIZE_MAX);
	c->step = 0;
	c->upto = 0;
	c->err = 0;
	c->dropped = 0;
	lg->cleaner = c;
	return 0;
}

/* The pass done: its checkpoint kept, and when tombstones are due. */
static void
finish(struct kb_cleaner *c)
{
	struct kb_log *lg = c->lg;
	int64_t ck = c->map.latest + 1, tomb = 0;
	size_t i;

	for (i = 0; i < c->upto; i++) {
		int64_t t = c->segs[i].when + c->retention_ms;

		if (c->segs[i].tombs && (!tomb || t < tomb))
			tomb = t;
	}
	lg->tomb_due = tomb;
	if (ck > lg->clean_ckpt && ckpt_save(lg, ck) == 0)
		lg->clean_ckpt = ck;
}

/*
 * The thread's step done: swap its segment in; 1 with the next step
 * set, or 0 with the pass ended.
 */
static int
advance(struct kb_cleaner *c, char *note, size_t size)
{
	struct kb_log *lg = c->lg;
	char err[512];

	if (c->step > 0 && c->segs[c->step - 1].changed) {
		struct kb_cseg *s = &c->segs[c->step - 1];
		char path[4200];
		int rc;

		cleaned_path(c->dir, s->base, path, sizeof(path));
		rc = kb_log_swap_segment(lg, s->base, s->size, path, &s->ix,
					 err, sizeof(err));
		s->changed = 0;
		if (rc)
			unlink(path);
		if (rc < 0)
			snprintf(note, size, "%s: compaction: %s", lg->name,
				 err);
		/* Failed, or the segment went (retention): the pass ends. */
		if (rc)
			c->err = -1;
	} else if (c->step > 0) {
		/* Left as it was, its tombstones' time may have started. */
		struct kb_cseg *s = &c->segs[c->step - 1];
		size_t i;

		for (i = 0; i + 1 < lg->nsegs; i++)
			if (lg->segs[i].base == s->base)
				lg->segs[i].mtime_ms = s->when;
	}
	c->ok = !c->err;
	if (c->err) {
		if (c->err > 0)
			snprintf(note, size, "%s: compaction: %s", lg->name,
				 strerror(c->err));
		end_pass(c);
		return 0;
	}
	if (++c->step <= c->upto)
		return 1;
	finish(c);
	if (c->dropped)
		snprintf(note, size,
			 "%s: compaction removed %lu record%s below offset "
			 "%" PRId64 " (%zu segments, %lld ms)",
			 lg->name, c->dropped, c->dropped == 1 ? "" : "s",
			 lg->clean_ckpt, c->upto,
			 (long long)(kq_now_ms() - c->now));
	end_pass(c);
	return 0;
}

/* The next log due a pass, round the topics from where the last was. */
static struct kb_log *
pick(struct kb_cleaner *c, struct kb_topics *ts, int64_t now)
{
	int n, i, p;

	for (n = 0; n <= ts->n; n++) {
		i = (c->next_topic + n) % (ts->n ? ts->n : 1);
		if (i >= ts->n)
			break;
		for (p = n ? 0 : c->next_part; p < ts->v[i]->nparts; p++)
			if (due(&ts->v[i]->parts[p], now)) {
				c->next_topic = i;
				c->next_part = p + 1;
				return &ts->v[i]->parts[p];
			}
	}
	c->next_topic = c->next_part = 0;
	return NULL;
}

int
kb_cleaner_tick(struct kb_cleaner *c, struct kb_topics *ts, int64_t now,
		int *fail, char *note, size_t size)
{
	struct kb_log *lg;

	*note = 0;
	*fail = 0;
	if (!c->w.started)
		return 0;
	if (kb_worker_busy(&c->w))
		return 1;
	if (c->lg) {
		if (!advance(c, note, size)) {
			*fail = !c->ok;
			return 0;
		}
		kb_worker_hand(&c->w);
		return 1;
	}
	if (!(lg = pick(c, ts, now)) || begin(c, lg, now))
		return 0;
	kb_worker_hand(&c->w);
	return 1;
}

int
kb_cleaner_run(struct kb_cleaner *c, struct kb_log *lg, int64_t now)
{
	char note[600];

	if (!c->map_bytes)
		c->map_bytes = KB_CLEANER_MAP_BYTES;
	if (begin(c, lg, now))
		return -1;
	do {
		do_step(c);
		*note = 0;
	} while (advance(c, note, sizeof(note)));
	if (*note && !c->ok)
		kq_warn("%s", note);
	return c->ok ? 0 : -1;
}
