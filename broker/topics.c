#include "topics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compress.h"
#include "datadir.h"
#include "die.h"
#include "errors.h"

/* Kafka's limit: a topic name makes directory names with a suffix. */
#define NAME_MAX_LEN   249
#define MAX_PARTITIONS 10000

#define L_MAX INT64_MAX
#define I_MAX INT32_MAX

/*
 * Kafka's topic configs (LogConfig, 3.9), their types, defaults and the
 * values they take. The four of struct kb_logconf come first, then
 * cleanup.policy, then the others by name.
 */
const struct kb_cfgdef kb_cfgs[KB_NCFG] = {
	{"retention.ms", KB_CFGT_LONG, "604800000", -1, L_MAX, NULL},
	{"retention.bytes", KB_CFGT_LONG, "-1", INT64_MIN, L_MAX, NULL},
	/* Positions in the indexes are 32-bit. */
	{"segment.bytes", KB_CFGT_INT, "1073741824", 14, I_MAX, NULL},
	{"max.message.bytes", KB_CFGT_INT, "1048588", 0, I_MAX, NULL},
	{"cleanup.policy", KB_CFGT_LIST, "delete", 0, 0, "compact|delete"},
	{"compression.gzip.level", KB_CFGT_INT, "-1", -1, 9, NULL},
	{"compression.lz4.level", KB_CFGT_INT, "9", 1, 17, NULL},
	{"compression.type", KB_CFGT_STRING, "producer", 0, 0,
	 "uncompressed|zstd|lz4|snappy|gzip|producer"},
	{"compression.zstd.level", KB_CFGT_INT, "3", -131072, 22, NULL},
	{"delete.retention.ms", KB_CFGT_LONG, "86400000", 0, L_MAX, NULL},
	{"file.delete.delay.ms", KB_CFGT_LONG, "60000", 0, L_MAX, NULL},
	{"flush.messages", KB_CFGT_LONG, "9223372036854775807", 1, L_MAX, NULL},
	{"flush.ms", KB_CFGT_LONG, "9223372036854775807", 0, L_MAX, NULL},
	{"follower.replication.throttled.replicas", KB_CFGT_LIST, "", 0, 0,
	 NULL},
	{"index.interval.bytes", KB_CFGT_INT, "4096", 0, I_MAX, NULL},
	{"leader.replication.throttled.replicas", KB_CFGT_LIST, "", 0, 0, NULL},
	{"local.retention.bytes", KB_CFGT_LONG, "-2", -2, L_MAX, NULL},
	{"local.retention.ms", KB_CFGT_LONG, "-2", -2, L_MAX, NULL},
	{"max.compaction.lag.ms", KB_CFGT_LONG, "9223372036854775807", 1, L_MAX,
	 NULL},
	{"message.downconversion.enable", KB_CFGT_BOOLEAN, "true", 0, 0, NULL},
	{"message.format.version", KB_CFGT_STRING, "3.0-IV1", 0, 0, NULL},
	{"message.timestamp.after.max.ms", KB_CFGT_LONG, "9223372036854775807",
	 0, L_MAX, NULL},
	{"message.timestamp.before.max.ms", KB_CFGT_LONG, "9223372036854775807",
	 0, L_MAX, NULL},
	{"message.timestamp.difference.max.ms", KB_CFGT_LONG,
	 "9223372036854775807", 0, L_MAX, NULL},
	{"message.timestamp.type", KB_CFGT_STRING, "CreateTime", 0, 0,
	 "CreateTime|LogAppendTime"},
	{"min.cleanable.dirty.ratio", KB_CFGT_DOUBLE, "0.5", 0, 1, NULL},
	{"min.compaction.lag.ms", KB_CFGT_LONG, "0", 0, L_MAX, NULL},
	{"min.insync.replicas", KB_CFGT_INT, "1", 1, I_MAX, NULL},
	{"preallocate", KB_CFGT_BOOLEAN, "false", 0, 0, NULL},
	{"remote.log.copy.disable", KB_CFGT_BOOLEAN, "false", 0, 0, NULL},
	{"remote.log.delete.on.disable", KB_CFGT_BOOLEAN, "false", 0, 0, NULL},
	{"remote.storage.enable", KB_CFGT_BOOLEAN, "false", 0, 0, NULL},
	{"segment.index.bytes", KB_CFGT_INT, "10485760", 4, I_MAX, NULL},
	{"segment.jitter.ms", KB_CFGT_LONG, "0", 0, L_MAX, NULL},
	{"segment.ms", KB_CFGT_LONG, "604800000", 1, L_MAX, NULL},
	{"unclean.leader.election.enable", KB_CFGT_BOOLEAN, "false", 0, 0,
	 NULL},
};

/* A value longer than this is refused: a topic file line holds it. */
#define CFG_VALUE_MAX 255

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
kb_cfg_find(const char *name)
{
	int i;

	for (i = 0; i < KB_NCFG; i++)
		if (!strcmp(name, kb_cfgs[i].name))
			return i;
	return -1;
}

/* Whether word (n bytes) is one of the '|'-separated choices. */
static int
one_of(const char *choices, const char *word, size_t n)
{
	const char *c = choices, *bar;

	for (;; c = bar + 1) {
		bar = strchr(c, '|');
		if ((size_t)((bar ? bar : c + strlen(c)) - c) == n &&
		    !memcmp(c, word, n))
			return 1;
		if (!bar)
			return 0;
	}
}

/* A throttled replica list item: "*" alone, or PARTITION:BROKER. */
static int
replica_item(const char *w, size_t n)
{
	size_t d1 = 0, d2;

	while (d1 < n && w[d1] >= '0' && w[d1] <= '9')
		d1++;
	if (d1 == 0 || d1 == n || w[d1] != ':')
		return 0;
	for (d2 = d1 + 1; d2 < n && w[d2] >= '0' && w[d2] <= '9'; d2++)
		;
	return d2 == n && d2 > d1 + 1;
}

/* Each item of a comma-separated list, spaces around it dropped. */
static const char *
list_bad(const struct kb_cfgdef *d, const char *v)
{
	const char *p = v;

	if (!d->in && !strcmp(v, "*"))
		return NULL;
	while (*p) {
		const char *e = strchr(p, ','), *end = e ? e : p + strlen(p);

		while (p < end && *p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
		if (d->in ? !one_of(d->in, p, (size_t)(end - p))
			  : !replica_item(p, (size_t)(end - p)))
			return d->in ? "each item must be one of the values "
				       "listed in kq-broker(1)"
				     : "expected * or PARTITION:BROKER, ...";
		if (!e)
			break;
		p = e + 1;
	}
	return NULL;
}

/* Why v is no value of config d, or NULL; a number goes to *num. */
static const char *
value_bad(const struct kb_cfgdef *d, const char *v, int64_t *num)
{
	char *end;
	double x;

	*num = 0;
	if (strlen(v) > CFG_VALUE_MAX)
		return "the value is too long";
	switch (d->type) {
	case KB_CFGT_LONG:
	case KB_CFGT_INT:
		if (parse_i64(v, INT64_MIN, num))
			return d->type == KB_CFGT_LONG
				       ? "Not a number of type LONG"
				       : "Not a number of type INT";
		if (*num < d->min || *num > d->max)
			return "Value out of range";
		return NULL;
	case KB_CFGT_DOUBLE:
		errno = 0;
		x = strtod(v, &end);
		if (!*v || *end || errno || !(x >= d->min && x <= d->max))
			return "Not a number in range";
		return NULL;
	case KB_CFGT_BOOLEAN:
		if (strcasecmp(v, "true") && strcasecmp(v, "false"))
			return "Expected value to be either true or false";
		return NULL;
	case KB_CFGT_LIST:
		return list_bad(d, v);
	default:
		if (d->in && !one_of(d->in, v, strlen(v)))
			return "String must be one of the values listed in "
			       "kq-broker(1)";
		if (!*v)
			return "the value is empty";
		return NULL;
	}
}

int
kb_cfg_parse(struct kb_logconf *conf, unsigned *set, const char *name,
	     const char *value, const char **why)
{
	int i = kb_cfg_find(name), zip = kb_cfg_find("compression.type");
	int64_t v;

	if (i < 0 ||
	    (i >= KB_CFG_NLOG && i != KB_CFG_CLEANUP_POLICY && i != zip)) {
		*why = i < 0 ? "unknown topic config"
			     : "as a broker default, kq-broker takes only "
			       "retention.ms, retention.bytes, segment.bytes, "
			       "max.message.bytes, compression.type and "
			       "cleanup.policy=delete";
		return KB_INVALID_CONFIG;
	}
	if (!value) {
		*why = "a config needs a value";
		return KB_INVALID_CONFIG;
	}
	if (i == zip) {
		if (value_bad(&kb_cfgs[i], value, &v)) {
			*why = "not one of uncompressed, zstd, lz4, snappy, "
			       "gzip and producer";
			return KB_INVALID_CONFIG;
		}
		snprintf(conf->compression, sizeof(conf->compression), "%s",
			 value);
		return 0;
	}
	if (i == KB_CFG_CLEANUP_POLICY) {
		if (strcmp(value, "delete")) {
			*why = "as a broker default, only "
			       "cleanup.policy=delete is supported";
			return KB_INVALID_CONFIG;
		}
		return 0;
	}
	if (value_bad(&kb_cfgs[i], value, &v)) {
		*why = "not a number in range";
		return KB_INVALID_CONFIG;
	}
	switch (i) {
	case KB_CFG_RETENTION_MS:
		conf->retention_ms = v;
		break;
	case KB_CFG_RETENTION_BYTES:
		conf->retention_bytes = v;
		break;
	case KB_CFG_SEGMENT_BYTES:
		conf->segment_bytes = v;
		break;
	default:
		conf->max_message_bytes = v;
		break;
	}
	if (set)
		*set |= 1u << i;
	return 0;
}

static int64_t
logconf_get(const struct kb_logconf *conf, int i)
{
	switch (i) {
	case KB_CFG_RETENTION_MS:
		return conf->retention_ms;
	case KB_CFG_RETENTION_BYTES:
		return conf->retention_bytes;
	case KB_CFG_SEGMENT_BYTES:
		return conf->segment_bytes;
	default:
		return conf->max_message_bytes;
	}
}

const char *
kb_cfg_value(const struct kb_topics *ts, const struct kb_topic *t, int i,
	     char *buf, size_t size, int *is_set)
{
	*is_set = t && (t->set >> i & 1);
	if (*is_set)
		return t->val[i];
	if (i == kb_cfg_find("compression.type") && ts->defaults.compression[0])
		return ts->defaults.compression;
	if (i >= KB_CFG_NLOG)
		return kb_cfgs[i].def;
	snprintf(buf, size, "%" PRId64, logconf_get(&ts->defaults, i));
	return buf;
}

/*
 * Set config name of t to value (NULL: back to its default), in t->val
 * and t->set only; settle() makes t->conf follow. 0, or INVALID_CONFIG
 * with why, in Kafka's words.
 */
static int
cfg_set(struct kb_topic *t, const char *name, const char *value, char *why,
	size_t whysize)
{
	int i = kb_cfg_find(name);
	const char *bad;
	int64_t v;

	if (i < 0) {
		snprintf(why, whysize, "Unknown topic config name: %s", name);
		return KB_INVALID_CONFIG;
	}
	free(t->val[i]);
	t->val[i] = NULL;
	t->set &= ~((uint64_t)1 << i);
	if (!value)
		return 0;
	if ((bad = value_bad(&kb_cfgs[i], value, &v))) {
		snprintf(why, whysize,
			 "Invalid value %s for configuration %s: %s", value,
			 name, bad);
		return KB_INVALID_CONFIG;
	}
	t->val[i] = kq_estrdup(value);
	t->set |= (uint64_t)1 << i;
	return 0;
}

static int64_t
cfg_long(const struct kb_topic *t, int i)
{
	int64_t v = 0;

	parse_i64(t->set >> i & 1 ? t->val[i] : kb_cfgs[i].def, INT64_MIN, &v);
	return v;
}

/* What Kafka checks across configs: the compaction lags' order. */
static int
cfgs_conflict(const struct kb_topic *t, char *why, size_t whysize)
{
	int lo = kb_cfg_find("min.compaction.lag.ms"),
	    hi = kb_cfg_find("max.compaction.lag.ms");

	if (cfg_long(t, lo) <= cfg_long(t, hi))
		return 0;
	snprintf(why, whysize,
		 "conflict topic config setting min.compaction.lag.ms "
		 "(%" PRId64 ") > max.compaction.lag.ms (%" PRId64 ")",
		 cfg_long(t, lo), cfg_long(t, hi));
	return 1;
}

/* Whether the list value holds word. */
static int
list_has(const char *value, const char *word)
{
	const char *p = value;
	size_t n = strlen(word);

	while ((p = strstr(p, word))) {
		const char *e = p + n;

		if ((p == value || p[-1] == ',' || p[-1] == ' ') &&
		    (!*e || *e == ',' || *e == ' '))
			return 1;
		p = e;
	}
	return 0;
}

/*
 * compression.type, the topic's or else the broker's default, and the
 * level of its codec (Kafka's compression.CODEC.level): what the broker
 * recompresses batches into.
 */
static void
settle_zip(const struct kb_topics *ts, struct kb_topic *t)
{
	static const char *levels[] = {NULL, "compression.gzip.level", NULL,
				       "compression.lz4.level",
				       "compression.zstd.level"};
	int i = kb_cfg_find("compression.type");

	t->zip = kb_zip_by_name(t->set >> i & 1 ? t->val[i]
				: ts->defaults.compression[0]
					? ts->defaults.compression
					: kb_cfgs[i].def);
	if (t->zip < KB_ZIP_PRODUCER)
		t->zip = KB_ZIP_PRODUCER; /* checked when set: not reached */
	t->zip_level = t->zip > 0 && levels[t->zip]
			       ? (int)cfg_long(t, kb_cfg_find(levels[t->zip]))
			       : 0;
}

/*
 * t->conf from the broker's defaults and the configs t sets, and to the
 * partitions open. A topic whose cleanup.policy is not "delete" (Kafka:
 * compacted only) loses nothing to retention.
 */
static void
settle(const struct kb_topics *ts, struct kb_topic *t)
{
	int i, p;

	t->conf = ts->defaults;
	for (i = 0; i < KB_CFG_NLOG; i++)
		if (t->set >> i & 1)
			kb_cfg_parse(&t->conf, NULL, kb_cfgs[i].name, t->val[i],
				     &(const char *){NULL});
	if ((t->set >> KB_CFG_CLEANUP_POLICY & 1) &&
	    !list_has(t->val[KB_CFG_CLEANUP_POLICY], "delete")) {
		t->conf.retention_ms = -1;
		t->conf.retention_bytes = -1;
	}
	i = kb_cfg_find("message.timestamp.type");
	t->append_time =
		(t->set >> i & 1) && !strcmp(t->val[i], "LogAppendTime");
	t->min_insync = (int)cfg_long(t, kb_cfg_find("min.insync.replicas"));
	settle_zip(ts, t);
	for (p = 0; t->parts && p < t->nparts; p++)
		t->parts[p].conf = t->conf;
}

static void
part_dir(const struct kb_topics *ts, const char *name, int p, char *buf,
	 size_t size)
{
	snprintf(buf, size, "%s/%s-%d", ts->dir, name, p);
}

static void
topic_file(const struct kb_topics *ts, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.topic", ts->dir, name);
}

/* Write NAME.topic whole, through a temporary file and a rename. */
static int
save_topic(const struct kb_topics *ts, const struct kb_topic *t)
{
	char path[4096], tmp[4200];
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
		if (t->set >> i & 1)
			fprintf(f, "%s=%s\n", kb_cfgs[i].name, t->val[i]);
	fail = fflush(f) || fsync(fileno(f));
	fail |= fclose(f);
	if (fail || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	kb_sync_dir(ts->dir);
	return 0;
}

/*
 * Remove what the broker wrote in a partition's directory, then the
 * directory if that emptied it: a file someone else put there stays, and
 * so does the directory, with a log line.
 */
static void
remove_ours(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	int left = 0;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!kb_datadir_part_file(e->d_name))
			left++;
		else if (unlink(path))
			kq_warn("%s: %s", path, strerror(errno));
	}
	closedir(d);
	if (left)
		kq_warn("%s: left in place: it holds %d file%s kq-broker did "
			"not write",
			dir, left, left == 1 ? "" : "s");
	else if (rmdir(dir))
		kq_warn("%s: %s", dir, strerror(errno));
}

/*
 * Mark a partition's directory deleted by renaming it NAME-P.HEX-delete,
 * as Kafka does: a name no topic has, so that a crash half way through
 * never gives its files to a topic made later under that name, and that
 * the next start finishes the deletion.
 */
static int
set_aside(const struct kb_topics *ts, const char *part, char *to, size_t tosize)
{
	char from[4096];
	unsigned long long r;
	struct timespec now;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r)) {
		clock_gettime(CLOCK_REALTIME, &now);
		r = (unsigned long long)now.tv_sec * 1000000000ULL ^
		    (unsigned long long)now.tv_nsec << 20 ^
		    (unsigned long long)getpid();
	}
	snprintf(from, sizeof(from), "%s/%s", ts->dir, part);
	snprintf(to, tosize, "%s/%s.%016llx-delete", ts->dir, part, r);
	return rename(from, to);
}

/* Delete partitions [from, to) of topic name, whose logs are closed. */
static void
delete_parts(const struct kb_topics *ts, const char *name, int from, int to)
{
	char part[300], (*gone)[4400];
	int p, n = 0;

	if (to <= from)
		return;
	gone = kq_ecalloc((size_t)(to - from), sizeof(*gone));
	for (p = from; p < to; p++) {
		snprintf(part, sizeof(part), "%s-%d", name, p);
		if (!set_aside(ts, part, gone[n], sizeof(gone[n])))
			n++;
		else if (errno != ENOENT)
			kq_warn("%s/%s: cannot rename it to delete it: %s",
				ts->dir, part, strerror(errno));
	}
	if (n)
		kb_sync_dir(ts->dir);
	for (p = 0; p < n; p++)
		remove_ours(gone[p]);
	free(gone);
}

static int
open_parts(struct kb_topics *ts, struct kb_topic *t, int from, int to,
	   char *err, size_t errsize)
{
	char dir[4096], name[300];
	int p;

	/* The syncer holds the addresses of logs it syncs: they move. */
	for (p = 0; p < from; p++)
		kb_log_settle(&t->parts[p]);
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
	for (p = 0; p < KB_NCFG; p++)
		free(t->val[p]);
	free(t);
}

/* Read NAME.topic into a new topic; NULL (err set) when it is bad. */
static struct kb_topic *
load_topic(struct kb_topics *ts, const char *name, char *err, size_t errsize)
{
	char path[4096], line[512], why[512];
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
		} else if (cfg_set(t, line, eq + 1, why, sizeof(why))) {
			snprintf(err, errsize, "%s:%d: %s", path, lineno, why);
			goto bad;
		}
	}
	settle(ts, t);
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

/* Is NAME-P a partition of a topic we hold? */
static int
part_of_topic(const struct kb_topics *ts, const char *entry)
{
	const char *dash = strrchr(entry, '-');
	struct kb_topic *t = kb_topics_find(ts, entry, (int)(dash - entry));

	return t && atoi(dash + 1) < t->nparts;
}

/* Say which files of a partition's directory are not the broker's. */
static void
note_strangers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !kb_datadir_part_file(e->d_name))
			kq_warn("%s/%s: not kq-broker's, left in place", dir,
				e->d_name);
	closedir(d);
}

/*
 * What the start makes of an entry of the data directory: a deletion cut
 * short is finished; a partition of no topic (a deletion cut short before
 * its rename) and anything the broker did not write stay as they are,
 * with a line.
 */
static void
check_entry(const struct kb_topics *ts, const char *entry)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", ts->dir, entry);
	if (!strcmp(entry, ".") || !strcmp(entry, "..") || lstat(path, &st))
		return;
	switch (kb_datadir_entry(entry)) {
	case KB_ENTRY_FILE:
	case KB_ENTRY_TOPIC:
		if (S_ISREG(st.st_mode))
			return;
		break;
	case KB_ENTRY_DELETING:
		if (!S_ISDIR(st.st_mode))
			break;
		remove_ours(path);
		return;
	case KB_ENTRY_PART:
		if (!S_ISDIR(st.st_mode))
			break;
		if (part_of_topic(ts, entry))
			note_strangers(path);
		else
			kq_warn("%s: a partition of no topic, left in place "
				"(a topic made under that name sets it aside)",
				path);
		return;
	default:
		break;
	}
	kq_warn("%s: not kq-broker's, left in place", path);
}

int
kb_topics_open(struct kb_topics *ts, const char *dir,
	       const struct kb_logconf *defaults, char *err, size_t errsize)
{
	DIR *d;
	struct dirent *e;

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
	rewinddir(d);
	while ((e = readdir(d)))
		check_entry(ts, e->d_name);
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
	char err[512];
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
	for (i = 0; i < ncfg; i++) {
		int e = KB_INVALID_CONFIG;

		if (!cfg[i].value)
			snprintf(why, whysize,
				 "Null value not supported for topic configs: "
				 "%s",
				 cfg[i].name);
		else
			e = cfg_set(t, cfg[i].name, cfg[i].value, why, whysize);
		if (e) {
			free_topic(t);
			return e;
		}
	}
	if (cfgs_conflict(t, why, whysize)) {
		free_topic(t);
		return KB_INVALID_CONFIG;
	}
	settle(ts, t);
	if (check) {
		free_topic(t);
		return 0;
	}
	/* Leftovers of an older topic of that name must not come back. */
	delete_parts(ts, name, 0, nparts);
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
	for (p = 0; p < t->nparts; p++) {
		t->parts[p].dirty = 0; /* its data goes: no last sync */
		kb_log_close(&t->parts[p]);
	}
	delete_parts(ts, t->name, 0, t->nparts);
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

/* A list value with item added (append) or taken out (subtract). */
static char *
list_edit(const char *list, const char *item, int add)
{
	size_t n = strlen(list) + strlen(item) + 2;
	char *out = kq_emalloc(n), *copy = kq_estrdup(list), *w, *save;

	out[0] = 0;
	for (w = strtok_r(copy, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		if (!*w || !strcmp(w, item))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, w);
	}
	if (add) {
		if (*out)
			strcat(out, ",");
		strcat(out, item);
	}
	free(copy);
	return out;
}

/* Apply one change of kb_topics_alter to t. */
static int
alter_one(struct kb_topic *t, const struct kb_cfgval *c, int op, char *why,
	  size_t whysize)
{
	int i = kb_cfg_find(c->name), e;
	char *v;

	if (i < 0) {
		snprintf(why, whysize, "Unknown topic config name: %s",
			 c->name);
		return KB_INVALID_CONFIG;
	}
	if (op == KB_CFG_OP_DELETE)
		return cfg_set(t, c->name, NULL, why, whysize);
	if (!c->value) {
		snprintf(why, whysize,
			 "Null value not supported for topic configs: %s",
			 c->name);
		return KB_INVALID_CONFIG;
	}
	if (op == KB_CFG_OP_SET)
		return cfg_set(t, c->name, c->value, why, whysize);
	if (kb_cfgs[i].type != KB_CFGT_LIST) {
		snprintf(why, whysize,
			 "Config value append is not allowed for config "
			 "key: %s",
			 c->name);
		return KB_INVALID_CONFIG;
	}
	v = list_edit(t->set >> i & 1 ? t->val[i] : kb_cfgs[i].def, c->value,
		      op == KB_CFG_OP_APPEND);
	e = cfg_set(t, c->name, v, why, whysize);
	free(v);
	return e;
}

int
kb_topics_alter(struct kb_topics *ts, struct kb_topic *t,
		const struct kb_cfgval *cfg, const int *ops, int ncfg,
		int replace, int check, char *why, size_t whysize)
{
	struct kb_topic n = *t;
	uint64_t set = t->set;
	int i, e = 0;

	/* The changes go on a copy of the values, kept only if all hold. */
	for (i = 0; i < KB_NCFG; i++)
		n.val[i] = replace || !(set >> i & 1) ? NULL
						      : kq_estrdup(t->val[i]);
	if (replace)
		n.set = 0;
	for (i = 0; i < ncfg && !e; i++)
		e = alter_one(&n, &cfg[i], ops ? ops[i] : KB_CFG_OP_SET, why,
			      whysize);
	if (!e && cfgs_conflict(&n, why, whysize))
		e = KB_INVALID_CONFIG;
	if (!e && !check) {
		for (i = 0; i < KB_NCFG; i++) {
			char *old = t->val[i];

			t->val[i] = n.val[i];
			n.val[i] = old;
		}
		t->set = n.set;
		if (save_topic(ts, t)) {
			snprintf(why, whysize, "%s.topic: %s", t->name,
				 strerror(errno));
			e = KB_KAFKA_STORAGE_ERROR;
			for (i = 0; i < KB_NCFG; i++) {
				char *now = t->val[i];

				t->val[i] = n.val[i];
				n.val[i] = now;
			}
			t->set = set;
		}
		settle(ts, t);
	}
	for (i = 0; i < KB_NCFG; i++)
		free(n.val[i]);
	return e;
}

int
kb_topics_grow(struct kb_topics *ts, struct kb_topic *t, int nparts, int check,
	       char *why, size_t whysize)
{
	char err[512];
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
	delete_parts(ts, t->name, old, nparts);
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
