#include "offsets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "die.h"
#include "log.h"
#include "topics.h"

/*
 * A commit of this offset removes the entry (a deleted topic). Not -2:
 * Kafka stores any offset a client commits, -2 (earliest) included.
 */
#define TOMBSTONE INT64_MIN

struct kb_goffsets *
kb_offsets_group(const struct kb_offsets *o, const char *group)
{
	int i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->g[i]->group, group))
			return o->g[i];
	return NULL;
}

const struct kb_committed *
kb_offsets_get(const struct kb_goffsets *g, const char *topic, int32_t part)
{
	int i;

	if (!g)
		return NULL;
	for (i = 0; i < g->n; i++)
		if (g->v[i].part == part && !strcmp(g->v[i].topic, topic))
			return &g->v[i];
	return NULL;
}

/* Change the in-memory state only. */
static void
apply(struct kb_offsets *o, const char *group, const char *topic, int32_t part,
      int64_t offset, const char *meta)
{
	struct kb_goffsets *g = kb_offsets_group(o, group);
	struct kb_committed *c =
		(struct kb_committed *)kb_offsets_get(g, topic, part);

	if (offset == TOMBSTONE) {
		if (c) {
			free(c->topic);
			free(c->meta);
			*c = g->v[--g->n];
		}
		return;
	}
	if (!g) {
		if (o->n == o->cap) {
			o->cap = o->cap ? o->cap * 2 : 8;
			o->g = kq_erealloc(o->g,
					   (size_t)o->cap * sizeof(*o->g));
		}
		g = o->g[o->n++] = kq_ecalloc(1, sizeof(*g));
		g->group = kq_estrdup(group);
	}
	if (!c) {
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 8;
			g->v = kq_erealloc(g->v,
					   (size_t)g->cap * sizeof(*g->v));
		}
		c = &g->v[g->n++];
		c->topic = kq_estrdup(topic);
		c->part = part;
		c->meta = NULL;
	}
	c->offset = offset;
	free(c->meta);
	c->meta = meta ? kq_estrdup(meta) : NULL;
}

static void
put_s(struct kb_buf *b, const char *s)
{
	kb_put_cstr(b, s);
}

/* One record: length, CRC-32C, then the commit. */
static void
encode(struct kb_buf *b, const char *group, const char *topic, int32_t part,
       int64_t offset, const char *meta)
{
	size_t at = b->len;

	kb_put_i32(b, 0);
	kb_put_i32(b, 0);
	put_s(b, group);
	put_s(b, topic);
	kb_put_i32(b, part);
	kb_put_i64(b, offset);
	put_s(b, meta);
	kb_patch_i32(b, at, (int32_t)(b->len - at - 8));
	kb_patch_i32(b, at + 4,
		     (int32_t)kb_crc32c(0, b->p + at + 8, b->len - at - 8));
}

/* Apply one record's commit; -1 if it does not parse. */
static int
replay(struct kb_offsets *o, const unsigned char *p, size_t len)
{
	struct kb_rd r;
	struct kb_str g, t, m;
	int32_t part;
	int64_t offset;
	char *gs, *ts, *ms;

	kb_rd_init(&r, p, len);
	g = kb_string(&r);
	t = kb_string(&r);
	part = kb_i32(&r);
	offset = kb_i64(&r);
	m = kb_string(&r);
	if (r.err || g.len < 0 || t.len < 0)
		return -1;
	gs = kb_str_dup_null(g);
	ts = kb_str_dup_null(t);
	ms = kb_str_dup_null(m);
	apply(o, gs, ts, part, offset, ms);
	free(gs);
	free(ts);
	free(ms);
	return 0;
}

/*
 * Apply the records in data; how many bytes were not applied. A bad
 * record whose length lies within the file is stepped over, so that it
 * costs one commit and not every later one; a length past the end (a
 * torn last write, or a damaged length) ends the reading there.
 */
static size_t
replay_all(struct kb_offsets *o, const unsigned char *data, size_t size)
{
	size_t off = 0, lost = 0;

	while (off < size) {
		uint32_t len;

		if (size - off < 8 ||
		    (len = kb_be32(data + off)) > size - off - 8) {
			kq_warn("%s: dropped %zu bytes of a torn or corrupt "
				"record at position %zu",
				o->path, size - off, off);
			return lost + size - off;
		}
		if (kb_crc32c(0, data + off + 8, len) !=
			    kb_be32(data + off + 4) ||
		    replay(o, data + off + 8, len)) {
			kq_warn("%s: skipped a corrupt record of %zu bytes at "
				"position %zu",
				o->path, (size_t)len + 8, off);
			lost += (size_t)len + 8;
		}
		off += (size_t)len + 8;
	}
	return lost;
}

/*
 * Before compaction writes over a file that did not read whole, keep it
 * under another name: what could not be read may still be rescued.
 */
static int
keep_damaged(struct kb_offsets *o, char *err, size_t errsize)
{
	char path[4200], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	snprintf(path, sizeof(path), "%s.corrupt-%s", o->path, stamp);
	if (link(o->path, path)) {
		snprintf(err, errsize, "%s: cannot keep the damaged file: %s",
			 path, strerror(errno));
		return -1;
	}
	kq_warn("%s: kept as it was in %s", o->path, path);
	return 0;
}

/*
 * Read the file, then write it anew with one record per live offset,
 * through a temporary file, a rename and an fsync of the directory.
 */
static int
load_and_compact(struct kb_offsets *o, const char *dir, char *err,
		 size_t errsize)
{
	struct stat st;
	unsigned char *data = NULL;
	size_t size;
	struct kb_buf b = {0};
	char tmp[4200];
	int fd, i, j;

	fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (fstat(fd, &st))
			goto ioerr;
		size = (size_t)st.st_size;
		data = kq_emalloc(size ? size : 1);
		if (pread(fd, data, size, 0) != (ssize_t)size)
			goto ioerr;
		close(fd);
		fd = -1;
		if (replay_all(o, data, size) &&
		    keep_damaged(o, err, errsize)) {
			free(data);
			return -1;
		}
		free(data);
		data = NULL;
	} else if (errno != ENOENT) {
		snprintf(err, errsize, "%s: %s", o->path, strerror(errno));
		return -1;
	}
	for (i = 0; i < o->n; i++)
		for (j = 0; j < o->g[i]->n; j++) {
			struct kb_committed *c = &o->g[i]->v[j];

			encode(&b, o->g[i]->group, c->topic, c->part, c->offset,
			       c->meta);
		}
	snprintf(tmp, sizeof(tmp), "%s.tmp", o->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || kb_write_all(fd, b.p, b.len) || fsync(fd) || close(fd) ||
	    rename(tmp, o->path)) {
		snprintf(err, errsize, "%s: %s", tmp, strerror(errno));
		kb_buf_free(&b);
		return -1;
	}
	o->size = (off_t)b.len;
	kb_buf_free(&b);
	/* The rename is not durable until the directory is synced. */
	if (kb_sync_dir(dir)) {
		snprintf(err, errsize, "%s: fsync: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
ioerr:
	snprintf(err, errsize, "%s: %s", o->path, strerror(errno));
	close(fd);
	free(data);
	return -1;
}

int
kb_offsets_open(struct kb_offsets *o, const char *dir, char *err,
		size_t errsize)
{
	char path[4096];

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	snprintf(path, sizeof(path), "%s/group-offsets", dir);
	o->path = kq_estrdup(path);
	if (load_and_compact(o, dir, err, errsize))
		return -1;
	o->fd = open(o->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (o->fd < 0) {
		snprintf(err, errsize, "%s: %s", o->path, strerror(errno));
		return -1;
	}
	return 0;
}

void
kb_offsets_close(struct kb_offsets *o)
{
	int i, j;

	if (o->fd >= 0) {
		if (o->dirty && !o->failed && fdatasync(o->fd))
			kq_warn("%s: fsync: %s", o->path, strerror(errno));
		close(o->fd);
	}
	for (i = 0; i < o->n; i++) {
		for (j = 0; j < o->g[i]->n; j++) {
			free(o->g[i]->v[j].topic);
			free(o->g[i]->v[j].meta);
		}
		free(o->g[i]->v);
		free(o->g[i]->group);
		free(o->g[i]);
	}
	free(o->g);
	free(o->path);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

int
kb_offsets_commit(struct kb_offsets *o, const char *group, const char *topic,
		  int32_t part, int64_t offset, const char *meta)
{
	struct kb_buf b = {0};
	int e;

	if (o->failed) {
		errno = o->failed;
		return -1;
	}
	encode(&b, group, topic, part, offset, meta);
	if (kb_write_all(o->fd, b.p, b.len)) {
		e = errno;
		kb_buf_free(&b);
		/*
		 * A torn record followed by good ones would cost those
		 * too at the next start: cut it, or write no more.
		 */
		if (ftruncate(o->fd, o->size))
			o->failed = errno;
		errno = e;
		return -1;
	}
	o->size += (off_t)b.len;
	kb_buf_free(&b);
	o->dirty = 1;
	apply(o, group, topic, part, offset, meta);
	return 0;
}

int
kb_offsets_fit(struct kb_offsets *o, const struct kb_topics *ts, char *err,
	       size_t errsize)
{
	int i, j, moved = 0;

	for (i = 0; i < o->n; i++)
		for (j = 0; j < o->g[i]->n; j++) {
			struct kb_committed *c = &o->g[i]->v[j];
			struct kb_topic *t = kb_topics_find(
				ts, c->topic, (int)strlen(c->topic));
			int64_t end;
			char *meta;
			int rc;

			if (!t || c->part < 0 || c->part >= t->nparts ||
			    c->offset <= (end = t->parts[c->part].next))
				continue;
			kq_warn("group %s: %s-%d: committed offset %lld is "
				"past the log end after recovery; "
				"moved to %lld",
				o->g[i]->group, c->topic, (int)c->part,
				(long long)c->offset, (long long)end);
			/* The commit replaces c->meta: pass a copy. */
			meta = c->meta ? kq_estrdup(c->meta) : NULL;
			rc = kb_offsets_commit(o, o->g[i]->group, c->topic,
					       c->part, end, meta);
			free(meta);
			if (rc)
				goto fail;
			moved = 1;
		}
	if (moved && kb_offsets_sync(o))
		goto fail;
	return 0;
fail:
	snprintf(err, errsize, "%s: %s", o->path, strerror(errno));
	return -1;
}

void
kb_offsets_drop_topic(struct kb_offsets *o, const char *topic)
{
	int i, j;

	for (i = 0; i < o->n; i++)
		for (j = o->g[i]->n - 1; j >= 0; j--) {
			struct kb_committed *c = &o->g[i]->v[j];

			if (!strcmp(c->topic, topic))
				kb_offsets_commit(o, o->g[i]->group, topic,
						  c->part, TOMBSTONE, NULL);
		}
}

int
kb_offsets_delete(struct kb_offsets *o, const char *group, const char *topic,
		  int32_t part)
{
	return kb_offsets_commit(o, group, topic, part, TOMBSTONE, NULL);
}

/* A failure sticks, for the reason kb_log_sync gives. */
int
kb_offsets_sync(struct kb_offsets *o)
{
	if (o->failed) {
		errno = o->failed;
		return -1;
	}
	if (!o->dirty)
		return 0;
	if (fdatasync(o->fd)) {
		o->failed = errno;
		return -1;
	}
	o->dirty = 0;
	return 0;
}
