#include "kafka.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "die.h"
#include "spec.h"

/* kq_kafka_open: rounds of ROUND_MS in the first FIRST_ROUNDS_MS. */
#define ROUND_MS	100
#define FIRST_ROUNDS_MS 1000
/* How long every address must have refused before kq gives up. */
#define REFUSED_MS 300

static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct kq_kafka *kk = rd_kafka_opaque(rk);
	int verbose = kk && kk->conf ? kk->conf->verbose : 0;

	/*
	 * Connection failures are reported once, by kq, as "cannot reach";
	 * librdkafka's own lines about them are only noise unless asked for.
	 */
	if (verbose >= 2 || (verbose == 1 && level <= LOG_WARNING) ||
	    strcmp(fac, "CONFWARN") == 0)
		kq_warn("rdkafka: %s: %s", fac, buf);
}

static void
error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kq_kafka *kk = opaque;

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		kk->fatal = 1;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !kk->all_down_ms)
		kk->all_down_ms = kq_clock_ms();
	/* "all brokers down" says less than the connect error before it. */
	if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || !*kk->last_error)
		snprintf(kk->last_error, sizeof(kk->last_error), "%s", reason);
	if (kk->conf && kk->conf->verbose)
		kq_warn("rdkafka: %s", reason);
}

/*
 * librdkafka's reason for refusing a value, without the value: a property
 * may be a password, and a message goes to a screen or a log. It quotes
 * the value ("Invalid value \"x\" for ...") or a number made from it
 * ("value 1e+11 is outside ..."); what still holds the value is replaced.
 */
static void
reason_without(char *err, size_t size, const char *value)
{
	size_t vn = strlen(value);
	char *p, *q;

	err[strcspn(err, "\n")] = 0;
	if (vn && (p = strstr(err, value)) && p > err && p[-1] == '"' &&
	    p[vn] == '"')
		memmove(p - 2 > err ? p - 2 : p - 1, p + vn + 1,
			strlen(p + vn + 1) + 1);
	if ((p = strstr(err, "\" value ")) && (q = strstr(p, " is outside")))
		memmove(p + 1, q, strlen(q) + 1);
	if (vn && strstr(err, value))
		snprintf(err, size, "Invalid value for configuration property");
}

/* Levenshtein's distance between a and b, or 99 when either is long. */
static int
distance(const char *a, const char *b)
{
	int row[2][65], i, j;
	size_t na = strlen(a), nb = strlen(b);

	if (na > 64 || nb > 64)
		return 99;
	for (j = 0; j <= (int)nb; j++)
		row[0][j] = j;
	for (i = 1; i <= (int)na; i++) {
		int *cur = row[i & 1], *prev = row[!(i & 1)];

		cur[0] = i;
		for (j = 1; j <= (int)nb; j++) {
			int d = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
	}
	return row[na & 1][nb];
}

/*
 * The property librdkafka knows that is nearest to name, two edits at
 * most (a typo), from its own table of properties; 0 when there is none.
 */
static int
nearest_property(const char *name, char *out, size_t size)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int best = 3, d;

	if (!f)
		return 0;
	rd_kafka_conf_properties_show(f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t n = strcspn(line, " |");

		/* "name   | C/P | ...": not the headings. */
		if (!n || !strchr("abcdefghijklmnopqrstuvwxyz", line[0]) ||
		    !strstr(line + n, "|"))
			continue;
		line[n] = 0;
		if ((d = distance(name, line)) < best) {
			best = d;
			snprintf(out, size, "%s", line);
		}
	}
	free(text);
	return best < 3;
}

/* Set name=value; where says where the user set it (NULL: kq itself). */
static void
set_prop(rd_kafka_conf_t *rc, const char *name, const char *value,
	 const struct kq_prop *where)
{
	char err[512], at[4200], near[128];
	rd_kafka_conf_res_t r;

	/* kcat's spelling of topic properties. */
	if (strncmp(name, "topic.", 6) == 0 &&
	    rd_kafka_conf_set(rc, name, value, err, sizeof(err)) ==
		    RD_KAFKA_CONF_UNKNOWN)
		name += 6;
	r = rd_kafka_conf_set(rc, name, value, err, sizeof(err));
	if (r == RD_KAFKA_CONF_OK)
		return;
	if (r == RD_KAFKA_CONF_UNKNOWN &&
	    nearest_property(name, near, sizeof(near)))
		snprintf(err, sizeof(err),
			 "No such configuration property; did you mean %s?",
			 near);
	else if (r == RD_KAFKA_CONF_UNKNOWN)
		snprintf(err, sizeof(err), "No such configuration property");
	else
		reason_without(err, sizeof(err), value);
	if (!where)
		snprintf(at, sizeof(at), "%s", name);
	else if (where->file)
		snprintf(at, sizeof(at), "%s:%zu: %s", where->file, where->line,
			 where->name);
	else
		snprintf(at, sizeof(at), "-X %s", where->name);
	kq_die(EX_USAGE, "%s: %s", at, err);
}

void
kq_kafka_set(rd_kafka_conf_t *rc, const char *name, const char *value)
{
	set_prop(rc, name, value, NULL);
}

rd_kafka_conf_t *
kq_kafka_conf(struct kq_kafka *kk, const struct kq_conf *c,
	      const struct kq_default *defaults)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	size_t i;

	memset(kk, 0, sizeof(*kk));
	kk->conf = c;
	kq_kafka_set(rc, "client.id", c->cmd->name);
	for (; defaults && defaults->name; defaults++)
		kq_kafka_set(rc, defaults->name, defaults->value);
	for (i = 0; i < c->nprops; i++)
		set_prop(rc, c->props[i].name, c->props[i].value, &c->props[i]);
	kq_kafka_set(rc, "bootstrap.servers", c->brokers);
	if (c->verbose >= 2)
		kq_kafka_set(rc, "debug",
			     c->verbose >= 3 ? "all"
					     : "generic,broker,topic,metadata,"
					       "msg,consumer,cgrp,fetch,eos");
	rd_kafka_conf_set_log_cb(rc, log_cb);
	rd_kafka_conf_set_error_cb(rc, error_cb);
	rd_kafka_conf_set_opaque(rc, kk);
	return rc;
}

const char *
kq_kafka_reason(const struct kq_kafka *kk)
{
	static char reason[512];
	const char *s = kk->last_error, *colon, *p;
	char *after;

	if (!*s)
		return "no broker answered";
	/*
	 * An HTTP server, an SSH daemon or a TLS port sends bytes that read
	 * as an absurd frame size; librdkafka's last clause then suggests
	 * raising receive.message.max.bytes, which would not help.
	 */
	if (strstr(s, "Invalid response size"))
		return "the address did not answer as a Kafka broker "
		       "(a TLS listener, or not Kafka at all?)";
	if (strstr(s, "Disconnected while requesting ApiVersion"))
		return "the connection was closed before the broker answered "
		       "(not a Kafka broker, a TLS listener, or a broker at "
		       "its connection limit)";
	/* "host:9092/bootstrap: Connect to ipv4#... failed: WHY (after 0ms...)"
	 */
	snprintf(reason, sizeof(reason), "%s", s);
	if ((after = strstr(reason, " (after ")))
		*after = 0;
	colon = NULL;
	for (p = reason; (p = strstr(p, ": ")); p += 2)
		colon = p;
	return colon ? colon + 2 : reason;
}

void
kq_kafka_say_down(struct kq_kafka *kk, const char *then)
{
	kq_info(kk->conf, "no broker answers at %s (%s); %s", kk->conf->brokers,
		kq_kafka_reason(kk), then);
	kk->down_said = 1;
}

void
kq_kafka_answered(struct kq_kafka *kk)
{
	if (kk->down_said)
		kq_info(kk->conf, "a broker answers again");
	kk->all_down_ms = 0;
	kk->down_said = 0;
}

/*
 * librdkafka's checks when the handle is made quote values too
 * ("Unsupported SASL mechanism: x"): each value the user set is replaced
 * by its property's name.
 */
static void
hide_values(char *err, size_t size, const struct kq_conf *c)
{
	char out[512], name[128];
	size_t i, vn, at;
	char *p;
	int n;

	for (i = 0; i < c->nprops; i++) {
		vn = strlen(c->props[i].value);
		/* A short value, such as "1", is in most messages anyway. */
		if (vn < 3)
			continue;
		snprintf(name, sizeof(name), "(the value of %s)",
			 c->props[i].name);
		/* Searched after each replacement: a name may hold the value.
		 */
		for (at = 0; (p = strstr(err + at, c->props[i].value));) {
			n = snprintf(out, sizeof(out), "%s%s", name, p + vn);
			at = (size_t)(p - err) + strlen(name);
			snprintf(p, size - (size_t)(p - err), "%s", out);
			if (n < 0 || at >= strlen(err))
				break;
		}
	}
}

/*
 * Every bootstrap address refused the connection, has no address, or is
 * not Kafka: no broker is there, and waiting out --timeout only delays
 * saying so.
 * librdkafka tries one address of a name per round ("localhost" is ::1,
 * then 127.0.0.1), raising "all brokers down" after each failed round, so
 * the refusal must have lasted a few rounds.
 */
static int
nobody_there(const struct kq_kafka *kk, int64_t now)
{
	return kk->all_down_ms && now - kk->all_down_ms >= REFUSED_MS &&
	       (strstr(kk->last_error, "Connection refused") ||
		strstr(kk->last_error, "Failed to resolve") ||
		strstr(kk->last_error, "Invalid response size"));
}

/* Serve the error events that say why a broker cannot be reached. */
static void
serve_errors(struct kq_kafka *kk, rd_kafka_type_t type)
{
	rd_kafka_poll(kk->rk, 0);
	if (type == RD_KAFKA_CONSUMER) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(kk->rk, 0);

		if (m)
			rd_kafka_message_destroy(m);
	}
}

void
kq_kafka_open(struct kq_kafka *kk, rd_kafka_type_t type, rd_kafka_conf_t *rc)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t err;
	char errstr[512];
	int64_t start = kq_clock_ms(), now = start;
	int64_t deadline = start + kk->conf->timeout_ms;

	kk->rk = rd_kafka_new(type, rc, errstr, sizeof(errstr));
	if (!kk->rk) {
		hide_values(errstr, sizeof(errstr), kk->conf);
		kq_die(EX_USAGE, "%s", errstr);
	}
	/*
	 * Short waits at first, to see a refusal early; then the rest of
	 * --timeout in one, for a broker slow to answer.
	 */
	do {
		int64_t wait = deadline - now;

		if (now - start < FIRST_ROUNDS_MS && wait > ROUND_MS)
			wait = ROUND_MS;
		err = rd_kafka_metadata(kk->rk, 0, NULL, &md, (int)wait);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_metadata_destroy(md);
			return;
		}
		serve_errors(kk, type);
		now = kq_clock_ms();
	} while ((err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
		  err == RD_KAFKA_RESP_ERR__TRANSPORT) &&
		 now < deadline && !nobody_there(kk, now));
	snprintf(errstr, sizeof(errstr), "%s", kq_kafka_reason(kk));
	if (!*kk->last_error && err != RD_KAFKA_RESP_ERR__TIMED_OUT)
		snprintf(errstr, sizeof(errstr), "%s", rd_kafka_err2str(err));
	rd_kafka_destroy(kk->rk);
	kk->rk = NULL;
	kq_die(EX_UNAVAILABLE, "cannot reach %s: %s", kk->conf->brokers,
	       errstr);
}

static void *
destroy_handle(void *rk)
{
	rd_kafka_destroy(rk);
	return NULL;
}

/*
 * What had to be done is done before this (deliveries counted, offsets
 * committed, the group left): here the handle is only freed. librdkafka
 * 2.0.2 can wait forever in rd_kafka_destroy once a topic a consumer was
 * subscribed to is deleted (a broker thread keeps the partition), so the
 * wait is bounded: the program ends with its own status, not a hang.
 */
void
kq_kafka_close(struct kq_kafka *kk)
{
	struct timespec until;
	pthread_t t;
	int err;

	if (!kk->rk)
		return;
	if (pthread_create(&t, NULL, destroy_handle, kk->rk)) {
		rd_kafka_destroy(kk->rk);
		kk->rk = NULL;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += KQ_CLOSE_WAIT_S;
	while ((err = pthread_timedjoin_np(t, NULL, &until)) == EINTR)
		;
	if (err) {
		kq_warn("librdkafka has not let go of its connections after "
			"%d s (a deleted topic?): ending without it",
			KQ_CLOSE_WAIT_S);
		pthread_detach(t);
	}
	kk->rk = NULL;
}

int
kq_kafka_partitions(struct kq_kafka *kk, const char *topic,
		    rd_kafka_resp_err_t *errp)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(kk->rk, topic, NULL);
	rd_kafka_resp_err_t err;
	int n = -1;

	err = rd_kafka_metadata(kk->rk, 0, rkt, &md, (int)kk->conf->timeout_ms);
	rd_kafka_topic_destroy(rkt);
	if (err) {
		*errp = err;
		return -1;
	}
	if (md->topic_cnt == 1) {
		*errp = md->topics[0].err;
		if (!md->topics[0].err)
			n = md->topics[0].partition_cnt;
	} else {
		*errp = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
	}
	rd_kafka_metadata_destroy(md);
	return n;
}

static int
cmp_id(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int
kq_kafka_topic_parts(struct kq_kafka *kk, const char *topic, int32_t **ids,
		     int *n, rd_kafka_resp_err_t *errp)
{
	const struct rd_kafka_metadata *md;
	const rd_kafka_metadata_topic_t *mt = NULL;
	rd_kafka_resp_err_t err;
	int i;

	err = rd_kafka_metadata(kk->rk, 1, NULL, &md,
				(int)kk->conf->timeout_ms);
	if ((*errp = err))
		return -1;
	for (i = 0; i < md->topic_cnt && !mt; i++)
		if (strcmp(md->topics[i].topic, topic) == 0)
			mt = &md->topics[i];
	*errp = !mt ? RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC : mt->err;
	if (*errp) {
		rd_kafka_metadata_destroy(md);
		return 1;
	}
	*ids = kq_ecalloc(mt->partition_cnt + 1, sizeof(**ids));
	for (i = 0; i < mt->partition_cnt; i++)
		(*ids)[i] = mt->partitions[i].id;
	*n = mt->partition_cnt;
	qsort(*ids, *n, sizeof(**ids), cmp_id);
	rd_kafka_metadata_destroy(md);
	return 0;
}

int
kq_parts_has(const int32_t *ids, int n, int32_t id)
{
	return n > 0 && bsearch(&id, ids, n, sizeof(*ids), cmp_id) != NULL;
}

void
kq_parts_pick(int32_t *ids, int *n, const int32_t *want, int nwant)
{
	int i, k, kept = 0;

	if (nwant == 0)
		return;
	for (i = 0; i < *n; i++)
		for (k = 0; k < nwant; k++)
			if (want[k] == ids[i]) {
				ids[kept++] = ids[i];
				break;
			}
	*n = kept;
}

static rd_kafka_resp_err_t
offsets_at(struct kq_kafka *kk, rd_kafka_topic_partition_list_t *parts,
	   int64_t which)
{
	int i;

	for (i = 0; i < parts->cnt; i++)
		parts->elems[i].offset = which;
	return rd_kafka_offsets_for_times(kk->rk, parts,
					  (int)kk->conf->timeout_ms);
}

rd_kafka_resp_err_t
kq_kafka_watermarks(struct kq_kafka *kk, rd_kafka_topic_partition_list_t *lo,
		    rd_kafka_topic_partition_list_t *hi)
{
	/* ListOffsets' timestamps -2 and -1 mean earliest and latest. */
	rd_kafka_resp_err_t err = offsets_at(kk, lo, -2);
	int i;

	if (!err)
		err = offsets_at(kk, hi, -1);
	for (i = 0; !err && i < lo->cnt; i++)
		err = lo->elems[i].err ? lo->elems[i].err : hi->elems[i].err;
	return err;
}

int
kq_kafka_status(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? EX_TEMPFAIL
						   : EX_UNAVAILABLE;
}

void
kq_kafka_envelope(const rd_kafka_message_t *m, struct kq_envelope *e,
		  struct kq_header **hdrs, size_t *cap)
{
	rd_kafka_headers_t *h;
	size_t n, i;

	e->topic = rd_kafka_topic_name(m->rkt);
	e->partition = m->partition;
	e->offset = m->offset;
	e->timestamp = rd_kafka_message_timestamp(m, NULL);
	e->key = m->key;
	e->key_len = m->key_len;
	e->value = m->payload;
	e->value_len = m->len;
	e->headers = NULL;
	e->nheaders = 0;
	if (!hdrs || rd_kafka_message_headers(m, &h))
		return;
	n = rd_kafka_header_cnt(h);
	if (n > *cap) {
		*cap = n * 2;
		*hdrs = kq_erealloc(*hdrs, *cap * sizeof(**hdrs));
	}
	for (i = 0; i < n; i++) {
		const char *name;
		const void *v;
		size_t vlen;

		if (rd_kafka_header_get_all(h, i, &name, &v, &vlen))
			break;
		(*hdrs)[i].name = name;
		(*hdrs)[i].name_len = strlen(name);
		(*hdrs)[i].value = v;
		(*hdrs)[i].value_len = vlen;
	}
	e->headers = *hdrs;
	e->nheaders = i;
}
