#include "topics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "errors.h"

/* Kafka's limit: a topic name makes directory names with a suffix. */
#define NAME_MAX_LEN 249
#define MAX_PARTITIONS 10000

const char *const kb_cfg_names[KB_NCFG] = {
	"retention.ms",	     "retention.bytes", "segment.bytes",
	"max.message.bytes", "cleanup.policy",
};

const char *
kb_topic_name_bad(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return "the name is empty";
	if (n > NAME_MAX_LEN)
		return "the name is longer than 249 characters";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "'.' and '..' are not topic names";
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return "a topic name has only ASCII letters, digits, '.', "
		       "'_' and '-'";
	return NULL;
}

static int
parse_i64(const char *s, int64_t min, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (!*s || *end || errno || x < min)
		return -1;
	*v = x;
	return 0;
}

int
kb_cfg_parse(struct kb_logconf *conf, unsigned *set, const char *name,
	     const char *value, const char **why)
{
	int64_t v;
	int i;

	for (i = 0; i < KB_NCFG; i++)
		if (!strcmp(name, kb_cfg_names[i]))
			break;
	if (i == KB_NCFG) {
		*why = "unknown or unsupported topic config (kq-broker honours "
		       "retention.ms, retention.bytes, segment.bytes, "
		       "max.message.bytes, cleanup.policy=delete)";
		return KB_INVALID_CONFIG;
	}
	if (!value) {
		*why = "a config needs a value";
		return KB_INVALID_CONFIG;
	}
	*why = "not a number in range";
	switch (i) {
	case KB_CFG_RETENTION_MS:
		if (parse_i64(value, -1, &v))
			return KB_INVALID_CONFIG;
		conf->retention_ms = v;
		break;
	case KB_CFG_RETENTION_BYTES:
		if (parse_i64(value, -1, &v))
			return KB_INVALID_CONFIG;
		conf->retention_bytes = v;
		break;
	case KB_CFG_SEGMENT_BYTES:
		/* Positions in the indexes are 32-bit. */
		if (parse_i64(value, 14, &v) || v > INT32_MAX)
			return KB_INVALID_CONFIG;
		conf->segment_bytes = v;
		break;
	case KB_CFG_MAX_MESSAGE_BYTES:
		if (parse_i64(value, 0, &v) || v > INT32_MAX)
			return KB_INVALID_CONFIG;
		conf->max_message_bytes = v;
		break;
	case KB_CFG_CLEANUP_POLICY:
		if (strcmp(value, "delete")) {
			*why = "only cleanup.policy=delete is supported "
			       "(no compaction)";
			return KB_INVALID_CONFIG;
		}
		break;
	}
	if (set)
		*set |= 1u << i;
	return 0;
}

const char *
kb_cfg_value(const struct kb_logconf *conf, int i, char *buf, size_t size)
{
	int64_t v = 0;

	switch (i) {
	case KB_CFG_RETENTION_MS:
		v = conf->retention_ms;
		break;
	case KB_CFG_RETENTION_BYTES:
		v = conf->retention_bytes;
		break;
	case KB_CFG_SEGMENT_BYTES:
		v = conf->segment_bytes;
		break;
	case KB_CFG_MAX_MESSAGE_BYTES:
		v = conf->max_message_bytes;
		break;
	default:
		return "delete";
	}
	snprintf(buf, size, "%" PRId64, v);
	return buf;
}

static void
part_dir(const struct kb_topics *ts, const char *name, int p, char *buf,
	 size_t size)
{
	snprintf(buf, size, "%s/%s-%d", ts->dir, name, p);
}

static void
topic_file(const struct kb_topics *ts, const char *name, char *buf,
	   size_t size)
{
	snprintf(buf, size, "%s/%s.topic", ts->dir, name);
}

/* Write NAME.topic whole, through a temporary file and a rename. */
static int
save_topic(const struct kb_topics *ts, const struct kb_topic *t)
{
	char path[4096], tmp[4200], val[32];
	FILE *f;
	int i, fail;

	topic_file(ts, t->name, path, sizeof(path));
	/*
	 * Not NAME.topic.tmp: with a name of 246 to 249 characters that is
	 * longer than a file name may be. One at a time: one thread.
	 */
	snprintf(tmp, sizeof(tmp), "%s/.topic.tmp", ts->dir);
	if (!(f = fopen(tmp, "w")))
		return -1;
	fprintf(f, "partitions=%d\n", t->nparts);
	for (i = 0; i < KB_NCFG; i++)
		if (t->set & (1u << i))
			fprintf(f, "%s=%s\n", kb_cfg_names[i],
				kb_cfg_value(&t->conf, i, val, sizeof(val)));
	fail = fflush(f) || fsync(fileno(f));
	fail |= fclose(f);
	if (fail || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	kb_sync_dir(ts->dir);
	return 0;
}

/* Remove a partition directory and the files in it. */
static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

static int
open_parts(struct kb_topics *ts, struct kb_topic *t, int from, int to,
	   char *err, size_t errsize)
{
	char dir[4096], name[300];
	int p;

	t->parts = kq_erealloc(t->parts, (size_t)to * sizeof(*t->parts));
	for (p = from; p < to; p++) {
		part_dir(ts, t->name, p, dir, sizeof(dir));
		snprintf(name, sizeof(name), "%s-%d", t->name, p);
		if (kb_log_open(&t->parts[p], dir, name, &t->conf, err,
				errsize)) {
			while (p-- > from)
				kb_log_close(&t->parts[p]);
			return -1;
		}
	}
	return 0;
}

static void
add(struct kb_topics *ts, struct kb_topic *t)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 16;
		ts->v = kq_erealloc(ts->v, (size_t)ts->cap * sizeof(*ts->v));
	}
	ts->v[ts->n++] = t;
}

static void
free_topic(struct kb_topic *t)
{
	int p;

	for (p = 0; p < t->nparts; p++)
		kb_log_close(&t->parts[p]);
	free(t->parts);
	free(t->name);
	free(t);
}

/* Read NAME.topic into a new topic; NULL (err set) when it is bad. */
static struct kb_topic *
load_topic(struct kb_topics *ts, const char *name, char *err, size_t errsize)
{
	char path[4096], line[512];
	struct kb_topic *t;
	FILE *f;
	int lineno = 0;

	topic_file(ts, name, path, sizeof(path));
	if (!(f = fopen(path, "r"))) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return NULL;
	}
	t = kq_ecalloc(1, sizeof(*t));
	t->name = kq_estrdup(name);
	t->conf = ts->defaults;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *nl = strchr(line, '\n');
		const char *why;
		int64_t v;

		lineno++;
		if (nl)
			*nl = 0;
		if (!eq) {
			snprintf(err, errsize, "%s:%d: expected NAME=VALUE",
				 path, lineno);
			goto bad;
		}
		*eq = 0;
		if (!strcmp(line, "partitions")) {
			if (parse_i64(eq + 1, 1, &v) || v > MAX_PARTITIONS) {
				snprintf(err, errsize,
					 "%s:%d: bad partition count", path,
					 lineno);
				goto bad;
			}
			t->nparts = (int)v;
		} else if (kb_cfg_parse(&t->conf, &t->set, line, eq + 1,
					&why)) {
			snprintf(err, errsize, "%s:%d: %s: %s", path, lineno,
				 line, why);
			goto bad;
		}
	}
	fclose(f);
	f = NULL;
	if (t->nparts < 1) {
		snprintf(err, errsize, "%s: no partition count", path);
		goto bad;
	}
	if (open_parts(ts, t, 0, t->nparts, err, errsize))
		goto bad;
	return t;
bad:
	if (f)
		fclose(f);
	t->nparts = 0;
	free_topic(t);
	return NULL;
}

/* Is this directory entry a partition of a topic we hold? */
static int
is_ours(const struct kb_topics *ts, const char *entry)
{
	const char *dash = strrchr(entry, '-');
	struct kb_topic *t;
	char *end;
	long p;

	if (!dash || dash == entry)
		return 1;
	p = strtol(dash + 1, &end, 10);
	if (*end || end == dash + 1)
		return 1;
	t = kb_topics_find(ts, entry, (int)(dash - entry));
	return t && p >= 0 && p < t->nparts;
}

int
kb_topics_open(struct kb_topics *ts, const char *dir,
	       const struct kb_logconf *defaults, char *err, size_t errsize)
{
	DIR *d;
	struct dirent *e;
	char path[4096];

	memset(ts, 0, sizeof(*ts));
	ts->dir = kq_estrdup(dir);
	ts->defaults = *defaults;
	if (!(d = opendir(dir))) {
		snprintf(err, errsize, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char name[NAME_MAX_LEN + 1];
		struct kb_topic *t;

		if (n < 7 || strcmp(e->d_name + n - 6, ".topic") ||
		    n - 6 > NAME_MAX_LEN)
			continue;
		memcpy(name, e->d_name, n - 6);
		name[n - 6] = 0;
		if (kb_topic_name_bad(name))
			continue;
		if (!(t = load_topic(ts, name, err, errsize))) {
			closedir(d);
			return -1;
		}
		add(ts, t);
	}
	/*
	 * Partition directories of no topic are what a deletion or a
	 * creation cut short left behind: remove them, so that a topic
	 * made later under that name starts empty.
	 */
	rewinddir(d);
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' || is_ours(ts, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		kq_warn("%s: removing a partition of no topic (left by a "
			"deletion cut short)", path);
		remove_dir(path);
	}
	closedir(d);
	return 0;
}

void
kb_topics_close(struct kb_topics *ts)
{
	int i;

	for (i = 0; i < ts->n; i++)
		free_topic(ts->v[i]);
	free(ts->v);
	free(ts->dir);
	memset(ts, 0, sizeof(*ts));
}

struct kb_topic *
kb_topics_find(const struct kb_topics *ts, const char *name, int len)
{
	int i;

	if (len < 0)
		return NULL;
	for (i = 0; i < ts->n; i++)
		if (strlen(ts->v[i]->name) == (size_t)len &&
		    !memcmp(ts->v[i]->name, name, (size_t)len))
			return ts->v[i];
	return NULL;
}

/*
 * A topic whose name differs from name only by '.' against '_', or NULL.
 * Kafka refuses such a second topic: both would have the same metric
 * names.
 */
static struct kb_topic *
collides(const struct kb_topics *ts, const char *name)
{
	size_t n = strlen(name), k;
	int i;

	for (i = 0; i < ts->n; i++) {
		const char *o = ts->v[i]->name;

		if (strlen(o) != n)
			continue;
		for (k = 0; k < n; k++)
			if (o[k] != name[k] &&
			    !(strchr("._", o[k]) && strchr("._", name[k])))
				break;
		if (k == n)
			return ts->v[i];
	}
	return NULL;
}

int
kb_topics_create(struct kb_topics *ts, const char *name, int nparts,
		 const struct kb_cfgval *cfg, int ncfg, int check,
		 struct kb_topic **out, char *why, size_t whysize)
{
	struct kb_topic *t;
	const char *bad;
	char err[512], dir[4096];
	int i, p;

	if ((bad = kb_topic_name_bad(name))) {
		snprintf(why, whysize, "%s", bad);
		return KB_INVALID_TOPIC_EXCEPTION;
	}
	if (kb_topics_find(ts, name, (int)strlen(name))) {
		snprintf(why, whysize, "topic '%s' already exists", name);
		return KB_TOPIC_ALREADY_EXISTS;
	}
	if ((t = collides(ts, name))) {
		snprintf(why, whysize,
			 "topic '%s' collides with existing topic: %s", name,
			 t->name);
		return KB_INVALID_TOPIC_EXCEPTION;
	}
	if (nparts < 1 || nparts > MAX_PARTITIONS) {
		snprintf(why, whysize, "the partition count must be 1 to %d",
			 MAX_PARTITIONS);
		return KB_INVALID_PARTITIONS;
	}
	t = kq_ecalloc(1, sizeof(*t));
	t->name = kq_estrdup(name);
	t->conf = ts->defaults;
	for (i = 0; i < ncfg; i++) {
		int e = kb_cfg_parse(&t->conf, &t->set, cfg[i].name,
				     cfg[i].value, &bad);

		if (e) {
			snprintf(why, whysize, "%s: %s", cfg[i].name, bad);
			free_topic(t);
			return e;
		}
	}
	if (check) {
		free_topic(t);
		return 0;
	}
	/* Leftovers of an older topic of that name must not come back. */
	for (p = 0; p < nparts; p++) {
		part_dir(ts, name, p, dir, sizeof(dir));
		remove_dir(dir);
	}
	if (open_parts(ts, t, 0, nparts, err, sizeof(err))) {
		snprintf(why, whysize, "%s", err);
		free_topic(t);
		return KB_KAFKA_STORAGE_ERROR;
	}
	t->nparts = nparts;
	if (save_topic(ts, t)) {
		snprintf(why, whysize, "%s.topic: %s", name, strerror(errno));
		for (p = 0; p < nparts; p++)
			kb_log_remove(&t->parts[p]);
		t->nparts = 0;
		free_topic(t);
		return KB_KAFKA_STORAGE_ERROR;
	}
	add(ts, t);
	if (out)
		*out = t;
	return 0;
}

int
kb_topics_delete(struct kb_topics *ts, struct kb_topic *t)
{
	char path[4096];
	int i, p;

	topic_file(ts, t->name, path, sizeof(path));
	/* Once the topic file is gone the topic is gone, even on a crash. */
	if (unlink(path) && errno != ENOENT)
		return KB_KAFKA_STORAGE_ERROR;
	kb_sync_dir(ts->dir);
	for (p = 0; p < t->nparts; p++)
		kb_log_remove(&t->parts[p]);
	t->nparts = 0;
	for (i = 0; i < ts->n; i++)
		if (ts->v[i] == t) {
			memmove(ts->v + i, ts->v + i + 1,
				(size_t)(ts->n - i - 1) * sizeof(*ts->v));
			ts->n--;
			break;
		}
	free_topic(t);
	return 0;
}

int
kb_topics_grow(struct kb_topics *ts, struct kb_topic *t, int nparts,
	       int check, char *why, size_t whysize)
{
	char err[512], dir[4096];
	int old = t->nparts, p;

	if (nparts <= old) {
		snprintf(why, whysize,
			 "topic '%s' has %d partitions; the count can only "
			 "grow",
			 t->name, old);
		return KB_INVALID_PARTITIONS;
	}
	if (nparts > MAX_PARTITIONS) {
		snprintf(why, whysize, "at most %d partitions", MAX_PARTITIONS);
		return KB_INVALID_PARTITIONS;
	}
	if (check)
		return 0;
	for (p = old; p < nparts; p++) {
		part_dir(ts, t->name, p, dir, sizeof(dir));
		remove_dir(dir);
	}
	if (open_parts(ts, t, old, nparts, err, sizeof(err))) {
		snprintf(why, whysize, "%s", err);
		return KB_KAFKA_STORAGE_ERROR;
	}
	t->nparts = nparts;
	if (save_topic(ts, t)) {
		snprintf(why, whysize, "%s.topic: %s", t->name,
			 strerror(errno));
		for (p = old; p < nparts; p++)
			kb_log_remove(&t->parts[p]);
		t->nparts = old;
		return KB_KAFKA_STORAGE_ERROR;
	}
	return 0;
}
