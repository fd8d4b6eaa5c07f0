/*
 * kq-count: the wc -l of kq. It counts the records of a pipe or files
 * (delimiter-aware, a last record with no delimiter included, or JSON
 * envelopes), or the messages a topic holds from its watermarks without
 * reading one, or a consumer group's lag.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "envelope.h"
#include "jsonscan.h"
#include "kafka.h"
#include "memcount.h"
#include "record.h"
#include "sig.h"
#include "spec.h"

enum {
	OPT_EXACT = KQ_LONG,
	OPT_EVERY,
	OPT_JSON,
};

static const struct kq_option options[] = {
	{"topic", 't', KQ_ARG, "TOPIC",
	 "count the messages TOPIC holds, from its watermarks", "@topic"},
	{"partition", 'p', KQ_ARG, "N",
	 "with -t: only partition N (repeatable)", NULL},
	{"group", 'g', KQ_ARG, "GROUP",
	 "with -t: the lag of GROUP, the messages it has not committed",
	 "@group"},
	{"exact", OPT_EXACT, KQ_NOARG, NULL,
	 "with -t: read up to the end offsets and count real records", NULL},
	{"delimiter", 'D', KQ_ARG, "DELIM",
	 "records end at DELIM (default \\n; escapes \\n \\t \\r \\0 \\xNN)",
	 NULL},
	{"null", '0', KQ_NOARG, NULL, "records end at a NUL byte (-D '\\0')",
	 NULL},
	{"envelopes", 'J', KQ_NOARG, NULL,
	 "count JSON texts (kq-sub -J's envelopes), not lines", NULL},
	{"bytes", 'c', KQ_NOARG, NULL, "print the byte count too", NULL},
	{"every", OPT_EVERY, KQ_ARG, "N",
	 "print the running count on stderr every N records", NULL},
	{"json", OPT_JSON, KQ_NOARG, NULL,
	 "print the counts as one JSON object", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-count",
	"[-0 | -D DELIM | -J] [-c] [--every N] [--json] [FILE...]\n"
	"-t TOPIC [-p N]... [-g GROUP] [--exact] [--json]",
	"Count the records of standard input or FILEs (lines by default), or "
	"the messages\na topic holds, or a consumer group's lag.",
	options,
	1,
	"@file",
	"0 ok, 64 usage, 65 bad data, 66 no input,\n"
	"69 broker or topic unavailable, 74 I/O error, 75 timed out,\n"
	"130 SIGINT, 143 SIGTERM.",
};

struct opts {
	const char *topic;
	int32_t *parts; /* -p */
	int nparts;
	const char *group;
	int exact, envelopes, bytes, json;
	struct kq_delim delim;
	uint64_t every; /* 0: never */
};

/* --- counting records ---------------------------------------------------- */

struct tally {
	uint64_t records, bytes;
};

/* --every: a line on stderr each time the count passes a multiple of N. */
struct every {
	uint64_t n, next;
};

static void
every(struct every *e, uint64_t count)
{
	if (e->n && count >= e->next) {
		kq_warn("%llu records", (unsigned long long)count);
		e->next = (count / e->n + 1) * e->n;
	}
}

struct counter {
	const struct opts *o;
	kq_memcount_fn count;
	struct tally total, input; /* all inputs before this one; this one */
	struct every every;
	const char *name;
	/* A one-byte delimiter: the input's last byte. */
	unsigned char last;
	/*
	 * A longer one: where the last delimiter ended, and the bytes after
	 * it that may begin the next.
	 */
	uint64_t last_end;
	char carry[2 * KQ_DELIM_MAX];
	size_t clen;
	struct kq_jsonscan *js; /* -J */
};

static void
add_records(struct counter *k, uint64_t n)
{
	k->input.records += n;
	every(&k->every, k->total.records + k->input.records);
}

/*
 * Delimiters of more than one byte, leftmost first and not overlapping,
 * as kq_reader_next splits records; one may straddle two blocks.
 */
static void
feed_long(struct counter *k, const char *p, size_t n)
{
	const struct kq_delim *d = &k->o->delim;
	uint64_t base = k->input.bytes, hits = 0;
	size_t pos = 0, keep;
	const char *hit;

	k->input.bytes += n;
	if (k->clen) {
		size_t take = n < d->len - 1 ? n : d->len - 1;
		size_t jl = k->clen + take;

		memcpy(k->carry + k->clen, p, take);
		hit = memmem(k->carry, jl, d->s, d->len);
		if (hit && (size_t)(hit - k->carry) < k->clen) {
			hits++;
			pos = (size_t)(hit - k->carry) + d->len - k->clen;
			k->last_end = base + pos;
		} else if (take < d->len - 1) {
			/* Too short to tell yet: keep the tail. */
			keep = jl < d->len - 1 ? jl : d->len - 1;
			memmove(k->carry, k->carry + jl - keep, keep);
			k->clen = keep;
			return;
		}
	}
	while ((hit = memmem(p + pos, n - pos, d->s, d->len))) {
		hits++;
		pos = (size_t)(hit - p) + d->len;
		k->last_end = base + pos;
	}
	keep = n - pos < d->len - 1 ? n - pos : d->len - 1;
	memcpy(k->carry, p + n - keep, keep);
	k->clen = keep;
	add_records(k, hits);
}

static int
emit_text(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	(void)p;
	(void)n;
	(void)at;
	add_records(arg, 1);
	return 0;
}

static int
json_failed(struct counter *k)
{
	struct kq_jsonpos at;
	const char *why = kq_jsonscan_error(k->js, &at);

	kq_warn("%s:%llu:%llu: %s", k->name, (unsigned long long)at.line,
		(unsigned long long)at.col, why);
	return EX_DATAERR;
}

/* One block of input; 0 or EX_DATAERR. */
static int
feed(struct counter *k, const char *p, size_t n)
{
	if (k->js) {
		k->input.bytes += n;
		return kq_jsonscan_feed(k->js, p, n) ? json_failed(k) : 0;
	}
	if (k->o->delim.len > 1) {
		feed_long(k, p, n);
		return 0;
	}
	k->input.bytes += n;
	k->last = (unsigned char)p[n - 1];
	add_records(k, k->count((const unsigned char *)p, n,
				(unsigned char)k->o->delim.s[0]));
	return 0;
}

/* The end of an input: a last record with no delimiter counts too. */
static struct tally
end_input(struct counter *k)
{
	struct tally t;

	if (!k->js && k->o->delim.len == 1)
		add_records(k,
			    k->input.bytes &&
				    k->last != (unsigned char)k->o->delim.s[0]);
	else if (!k->js)
		add_records(k, k->input.bytes > k->last_end);
	t = k->input;
	k->total.records += t.records;
	k->total.bytes += t.bytes;
	memset(&k->input, 0, sizeof(k->input));
	k->last_end = 0;
	k->clen = 0;
	return t;
}

static void
put_tally(struct kq_writer *w, const struct tally *t, int bytes,
	  const char *name)
{
	char buf[64];
	int n;

	if (bytes)
		n = snprintf(buf, sizeof(buf), "%llu\t%llu",
			     (unsigned long long)t->records,
			     (unsigned long long)t->bytes);
	else
		n = snprintf(buf, sizeof(buf), "%llu",
			     (unsigned long long)t->records);
	kq_writer_put(w, buf, n);
	if (name) {
		kq_writer_put(w, "\t", 1);
		kq_writer_put(w, name, strlen(name));
	}
	kq_writer_put(w, "\n", 1);
}

/* One input to its end; 0 or the status to end with. */
static int
count_input(struct counter *k, struct kq_reader *r)
{
	const char *p;
	size_t n;
	int got = 0, st;

	k->name = r->name;
	if (k->js)
		kq_jsonscan_reset(k->js);
	while (!kq_stop && (got = kq_reader_block(r, &p, &n)) > 0)
		if ((st = feed(k, p, n)))
			return st;
	if (kq_stop)
		return KQ_EX_INTERRUPTED;
	if (got < 0) {
		kq_warn("%s: %s", r->name, strerror(errno));
		return errno == EISDIR ? EX_NOINPUT : EX_IOERR;
	}
	if (k->js && kq_jsonscan_end(k->js))
		return json_failed(k);
	return 0;
}

static int
count_inputs(const struct kq_conf *c, const struct opts *o, int argc,
	     char **argv)
{
	static char *dash[] = {"-", NULL};
	struct counter k = {.o = o, .count = kq_memcount_best()};
	struct kq_reader r = {.fd = -1};
	struct kq_jsonpath dot;
	struct kq_writer w;
	struct tally t;
	int i, status = 0;

	k.every = (struct every){o->every, o->every};
	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	if (o->envelopes) {
		if (kq_jsonpath_parse(".", &dot))
			kq_die(EX_SOFTWARE, "cannot parse the path '.'");
		k.js = kq_jsonscan_new(&dot, KQ_JSONSCAN_NOCOPY, emit_text, &k);
	}
	kq_writer_init(&w, 1, "stdout", 1 << 16);
	for (i = 0; i < argc && !status; i++) {
		if (kq_reader_open(&r, argv[i], &o->delim)) {
			kq_warn("%s: %s", argv[i], strerror(errno));
			status = EX_NOINPUT;
			break;
		}
		status = count_input(&k, &r);
		kq_reader_close(&r);
		t = end_input(&k);
		if (c->verbose && !o->json &&
		    (!status || status == KQ_EX_INTERRUPTED))
			put_tally(&w, &t, o->bytes, r.name);
	}
	if (status && status != KQ_EX_INTERRUPTED) {
		/* No count at all rather than a wrong one. */
	} else if (o->json) {
		char buf[128];
		int n = snprintf(buf, sizeof(buf),
				 "{\"count\":%llu,\"bytes\":%llu}\n",
				 (unsigned long long)k.total.records,
				 (unsigned long long)k.total.bytes);

		kq_writer_put(&w, buf, n);
	} else {
		put_tally(&w, &k.total, o->bytes, NULL);
	}
	kq_reader_free(&r);
	if (k.js) {
		kq_jsonscan_free(k.js);
		kq_jsonpath_free(&dot);
	}
	i = kq_writer_finish(&w);
	return status ? status : i;
}

/* --- counting a topic ---------------------------------------------------- */

struct part {
	int32_t id;
	int64_t lo, hi;	   /* the watermarks at the start */
	int64_t committed; /* -g; RD_KAFKA_OFFSET_INVALID: none */
	int64_t from;	   /* where counting starts: lo, or committed */
	uint64_t count;
	int done;
};

struct topic_run {
	const struct kq_conf *c;
	const struct opts *o;
	struct kq_kafka kk;
	struct part *parts;
	int nparts;
	uint64_t total;
};

/* The partitions to count: all, or -p's, which must exist. */
static int
find_parts(struct topic_run *t)
{
	rd_kafka_resp_err_t err;
	int32_t *ids;
	int i, n, all, rc, status = 0;

	rc = kq_kafka_topic_parts(&t->kk, t->o->topic, &ids, &n, &err);
	if (rc < 0) {
		kq_warn("cannot get metadata from %s: %s", t->c->brokers,
			rd_kafka_err2str(err));
		return kq_kafka_status(err);
	}
	if (rc > 0) {
		kq_warn("%s: %s", t->o->topic,
			err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
				? "no such topic"
				: rd_kafka_err2str(err));
		return EX_UNAVAILABLE;
	}
	all = n;
	kq_parts_pick(ids, &n, t->o->parts, t->o->nparts);
	for (i = 0; i < t->o->nparts; i++)
		if (!kq_parts_has(ids, n, t->o->parts[i])) {
			kq_warn("%s: no partition %d (it has %d)", t->o->topic,
				(int)t->o->parts[i], all);
			status = EX_UNAVAILABLE;
		}
	t->parts = kq_ecalloc(n + 1, sizeof(*t->parts));
	for (i = 0; i < n; i++)
		t->parts[i].id = ids[i];
	t->nparts = n;
	free(ids);
	return status;
}

/* Watermarks, and with -g the group's committed offsets. */
static int
find_offsets(struct topic_run *t)
{
	rd_kafka_topic_partition_list_t *lo, *hi, *cm = NULL;
	rd_kafka_resp_err_t err;
	int i, status = 0;

	lo = rd_kafka_topic_partition_list_new(t->nparts);
	for (i = 0; i < t->nparts; i++)
		rd_kafka_topic_partition_list_add(lo, t->o->topic,
						  t->parts[i].id);
	hi = rd_kafka_topic_partition_list_copy(lo);
	if (t->o->group)
		cm = rd_kafka_topic_partition_list_copy(lo);
	if ((err = kq_kafka_watermarks(&t->kk, lo, hi))) {
		kq_warn("%s: watermarks: %s", t->o->topic,
			rd_kafka_err2str(err));
		status = kq_kafka_status(err);
		goto out;
	}
	if (cm &&
	    (err = rd_kafka_committed(t->kk.rk, cm, (int)t->c->timeout_ms))) {
		kq_warn("%s: offsets of group %s: %s", t->o->topic, t->o->group,
			rd_kafka_err2str(err));
		status = kq_kafka_status(err);
		goto out;
	}
	for (i = 0; i < t->nparts; i++) {
		struct part *p = &t->parts[i];

		p->lo = lo->elems[i].offset;
		p->hi = hi->elems[i].offset;
		p->committed = RD_KAFKA_OFFSET_INVALID;
		p->from = p->lo;
		if (cm && cm->elems[i].err) {
			kq_warn("%s [%d]: offset of group %s: %s", t->o->topic,
				(int)p->id, t->o->group,
				rd_kafka_err2str(cm->elems[i].err));
			status = EX_UNAVAILABLE;
		} else if (cm && cm->elems[i].offset >= 0) {
			p->committed = cm->elems[i].offset;
			/* What retention removed cannot be read. */
			if (p->committed > p->from)
				p->from = p->committed;
		}
		if (p->from > p->hi)
			p->from = p->hi;
		p->count = (uint64_t)(p->hi - p->from);
		t->total += p->count;
	}
out:
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);
	if (cm)
		rd_kafka_topic_partition_list_destroy(cm);
	return status;
}

static struct part *
part_of(struct topic_run *t, int32_t id)
{
	int i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].id == id)
			return &t->parts[i];
	return NULL;
}

static void
part_done(struct topic_run *t, struct part *p, int *left)
{
	rd_kafka_topic_partition_list_t *l;

	p->done = 1;
	(*left)--;
	/* Fetch no more of it. */
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, t->o->topic, p->id);
	rd_kafka_pause_partitions(t->kk.rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

/*
 * --exact: read each partition from where counting starts up to the end
 * offset recorded at the start, and count the records that come.
 */
static int
read_exact(struct topic_run *t)
{
	rd_kafka_topic_partition_list_t *a;
	struct every e = {t->o->every, t->o->every};
	rd_kafka_resp_err_t err;
	int64_t last;
	int i, left = 0, status = 0;

	a = rd_kafka_topic_partition_list_new(t->nparts);
	t->total = 0;
	for (i = 0; i < t->nparts; i++) {
		struct part *p = &t->parts[i];

		p->count = 0;
		if (p->hi > p->from) {
			rd_kafka_topic_partition_list_add(a, t->o->topic, p->id)
				->offset = p->from;
			left++;
		} else {
			p->done = 1;
		}
	}
	err = rd_kafka_assign(t->kk.rk, a);
	rd_kafka_topic_partition_list_destroy(a);
	if (err) {
		kq_warn("%s: %s", t->o->topic, rd_kafka_err2str(err));
		return EX_UNAVAILABLE;
	}
	last = kq_clock_ms();
	while (left > 0 && !kq_stop) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(t->kk.rk, 100);
		struct part *p;

		if (!m) {
			if (kq_clock_ms() - last < t->c->timeout_ms)
				continue;
			kq_warn("%s: timed out: nothing came for %lldms",
				t->o->topic, (long long)t->c->timeout_ms);
			status = EX_TEMPFAIL;
			break;
		}
		last = kq_clock_ms();
		p = part_of(t, m->partition);
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* Before the end only when read_committed stops at
			 * an open transaction. */
			if (p && !p->done)
				part_done(t, p, &left);
		} else if (m->err) {
			kq_warn("%s [%d]: %s", t->o->topic, (int)m->partition,
				rd_kafka_message_errstr(m));
			status = EX_UNAVAILABLE;
			rd_kafka_message_destroy(m);
			break;
		} else if (p && !p->done) {
			if (m->offset < p->hi) {
				p->count++;
				t->total++;
				every(&e, t->total);
			}
			if (m->offset >= p->hi - 1)
				part_done(t, p, &left);
		}
		rd_kafka_message_destroy(m);
	}
	if (kq_stop && !status)
		status = KQ_EX_INTERRUPTED;
	return status;
}

static void
put_topic(struct topic_run *t, struct kq_writer *w)
{
	const char *what = t->o->group ? "lag" : "count";
	int i;

	if (t->o->json) {
		kq_writer_printf(w, "{\"topic\":\"%s\",", t->o->topic);
		if (t->o->group) {
			kq_writer_put(w, "\"group\":", 8);
			kq_json_write_string(w, t->o->group,
					     strlen(t->o->group));
			kq_writer_put(w, ",", 1);
		}
		kq_writer_printf(w, "\"%s\":%llu,\"exact\":%s,\"partitions\":[",
				 what, (unsigned long long)t->total,
				 t->o->exact ? "true" : "false");
		for (i = 0; i < t->nparts; i++) {
			const struct part *p = &t->parts[i];

			kq_writer_printf(w, "%s{\"partition\":%d,\"%s\":%llu,",
					 i ? "," : "", (int)p->id, what,
					 (unsigned long long)p->count);
			if (t->o->group && p->committed >= 0)
				kq_writer_printf(w, "\"committed\":%lld,",
						 (long long)p->committed);
			else if (t->o->group)
				kq_writer_printf(w, "\"committed\":null,");
			kq_writer_printf(w, "\"low\":%lld,\"high\":%lld}",
					 (long long)p->lo, (long long)p->hi);
		}
		kq_writer_printf(w, "]}\n");
		return;
	}
	if (t->c->verbose)
		kq_writer_printf(
			w, t->o->group ? "PARTITION\tLAG\tCOMMITTED\tHIGH\n"
				       : "PARTITION\tCOUNT\tLOW\tHIGH\n");
	for (i = 0; t->c->verbose && i < t->nparts; i++) {
		const struct part *p = &t->parts[i];

		kq_writer_printf(w, "%d\t%llu\t", (int)p->id,
				 (unsigned long long)p->count);
		if (!t->o->group)
			kq_writer_printf(w, "%lld", (long long)p->lo);
		else if (p->committed >= 0)
			kq_writer_printf(w, "%lld", (long long)p->committed);
		else
			kq_writer_printf(w, "-");
		kq_writer_printf(w, "\t%lld\n", (long long)p->hi);
	}
	kq_writer_printf(w, "%llu\n", (unsigned long long)t->total);
}

static int
count_topic(const struct kq_conf *c, const struct opts *o)
{
	static const struct kq_default defaults[] = {
		/* Counting never moves a group on. */
		{"enable.auto.commit", "false"},
		{"enable.auto.offset.store", "false"},
		{"enable.partition.eof", "true"},
		{"auto.offset.reset", "earliest"},
		/* librdkafka assigns partitions only in a group; this one
		 * is never joined and nothing is committed to it. */
		{"group.id", "kq-count"},
		{NULL, NULL},
	};
	struct topic_run t = {.c = c, .o = o};
	struct kq_writer w;
	rd_kafka_conf_t *rc;
	int status, st;

	rc = kq_kafka_conf(&t.kk, c, defaults);
	if (o->group)
		kq_kafka_set(rc, "group.id", o->group);
	kq_writer_init(&w, 1, "stdout", 1 << 16);
	kq_kafka_open(&t.kk, RD_KAFKA_CONSUMER, rc);
	if ((status = find_parts(&t)) || (status = find_offsets(&t)))
		goto out;
	if (o->exact)
		status = read_exact(&t);
	if (!status || status == KQ_EX_INTERRUPTED)
		put_topic(&t, &w);
out:
	rd_kafka_consumer_close(t.kk.rk);
	kq_kafka_close(&t.kk);
	free(t.parts);
	st = kq_writer_finish(&w);
	return status ? status : st;
}

int
main(int argc, char **argv)
{
	struct kq_conf c;
	struct opts o = {.delim = {"\n", 1}};
	int key, status, delim_given = 0, k;

	kq_conf_init(&c, &cmd, argv);
	while ((key = kq_getopt(&c, argc, argv)) != -1) {
		switch (key) {
		case 't':
			if (o.topic)
				kq_usage(&c, "-t: one topic at a time");
			o.topic = kq_etopic("-t", c.arg);
			break;
		case 'p':
			o.parts = kq_erealloc(
				o.parts, (o.nparts + 1) * sizeof(*o.parts));
			o.parts[o.nparts] = (int32_t)kq_eint(
				"--partition", c.arg, 0, INT32_MAX);
			for (k = 0; k < o.nparts; k++)
				if (o.parts[k] == o.parts[o.nparts])
					break;
			if (k == o.nparts)
				o.nparts++;
			break;
		case 'g':
			if (!*c.arg)
				kq_usage(&c, "--group: an empty name");
			o.group = c.arg;
			break;
		case OPT_EXACT:
			o.exact = 1;
			break;
		case 'D':
			o.delim = kq_edelim("--delimiter", c.arg);
			delim_given = 1;
			break;
		case '0':
			o.delim = (struct kq_delim){"", 1};
			delim_given = 1;
			break;
		case 'J':
			o.envelopes = 1;
			break;
		case 'c':
			o.bytes = 1;
			break;
		case OPT_EVERY:
			o.every = (uint64_t)kq_eint("--every", c.arg, 1,
						    INT64_MAX);
			break;
		case OPT_JSON:
			o.json = 1;
			break;
		default:
			kq_usage(&c, NULL);
		}
	}
	argc -= optind;
	argv += optind;

	if (o.topic) {
		if (argc > 0)
			kq_usage(&c, "-t TOPIC and FILE operands: choose one");
		if (delim_given || o.envelopes || o.bytes)
			kq_usage(&c, "-D, -0, -J and --bytes are for counting "
				     "input, not a topic");
		if (o.every && !o.exact)
			kq_usage(&c, "--every with -t needs --exact (the "
				     "watermarks are not read one by one)");
		if (o.group && !kq_utf8_valid(o.group, strlen(o.group)))
			kq_usage(&c, "--group: the name is not UTF-8");
		kq_conf_finish(&c);
		kq_sig_install();
		status = count_topic(&c, &o);
	} else {
		if (o.nparts || o.group || o.exact)
			kq_usage(&c, "-p, -g and --exact need -t TOPIC");
		if (c.cmdline_brokers || c.nprops || c.config_path)
			kq_usage(&c, "-b, -X and -F need -t TOPIC");
		if (o.envelopes && delim_given)
			kq_usage(&c, "-J and -D or -0: choose one");
		kq_sig_install();
		status = count_inputs(&c, &o, argc, argv);
	}
	free(o.parts);
	kq_conf_free(&c);
	return status;
}
