/*
 * kq-pub: records from standard input or files to Kafka messages, one a
 * record, with nothing lost: every record read is either acknowledged by
 * the broker or reported, and the exit status says which.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "envelope.h"
#include "jsonscan.h"
#include "kafka.h"
#include "origin.h"
#include "produce.h"
#include "progress.h"
#include "record.h"
#include "sig.h"
#include "spec.h"

enum {
	OPT_WHOLE = KQ_LONG,
	OPT_EMPTY,
	OPT_ACKS,
	OPT_RATE,
	OPT_REPORT,
	OPT_KEEP_GOING,
	OPT_ATOMIC,
};

static const struct kq_option options[] = {
	{"topic", 't', KQ_ARG, "TOPIC", "topic to write to (required)",
	 "@topic"},
	{"partition", 'p', KQ_ARG, "N",
	 "write to partition N (default: the partitioner; overrides an "
	 "envelope's)",
	 NULL},
	{"key", 'k', KQ_ARG, "KEY", "the same key for every message", NULL},
	{"key-delimiter", 'K', KQ_ARG, "DELIM",
	 "split each record into key and value at the first DELIM", NULL},
	{"header", 'H', KQ_ARG, "NAME=VALUE",
	 "add a header to every message (repeatable; NAME alone: null value)",
	 NULL},
	{"delimiter", 'D', KQ_ARG, "DELIM",
	 "records end at DELIM (default \\n; escapes \\n \\t \\r \\0 \\xNN)",
	 NULL},
	{"null", '0', KQ_NOARG, NULL, "records end at a NUL byte (-D '\\0')",
	 NULL},
	{"whole", OPT_WHOLE, KQ_NOARG, NULL, "send each file as one message",
	 NULL},
	{"empty", OPT_EMPTY, KQ_ARG, "send|skip|null",
	 "what an empty record becomes (default send: an empty message)",
	 "send skip null"},
	{"empty-null", 'Z', KQ_NOARG, NULL, "the same as --empty=null", NULL},
	{"json", 'J', KQ_NOARG, NULL,
	 "read JSON envelopes, as kq-sub -J writes them", NULL},
	{"compression", 'z', KQ_ARG, "CODEC",
	 "compress with gzip, snappy, lz4 or zstd", "gzip snappy lz4 zstd"},
	{"acks", OPT_ACKS, KQ_ARG, "0|1|all",
	 "acknowledgements to wait for (default all, idempotent)", "0 1 all"},
	{"count", 'c', KQ_ARG, "N", "stop after N messages", NULL},
	{"rate", OPT_RATE, KQ_ARG, "N", "send at most N messages a second",
	 NULL},
	{"tee", 'T', KQ_NOARG, NULL,
	 "write each record to stdout once the broker has it", NULL},
	{"report", OPT_REPORT, KQ_NOARG, NULL,
	 "write a JSON line per record: partition and offset, or the error",
	 NULL},
	{"keep-going", OPT_KEEP_GOING, KQ_NOARG, NULL,
	 "after a failure, send the rest (default: stop reading)", NULL},
	{"atomic", OPT_ATOMIC, KQ_NOARG, NULL,
	 "send all records in one transaction: all or none", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-pub",
	"-t TOPIC [-J | -K DELIM | -k KEY] [-p N] [-H NAME=VALUE]... "
	"[options] [FILE...]",
	"Publish records from FILEs or standard input to a Kafka topic, one "
	"message each:\nlines by default, or what -D, -0, --whole or -J "
	"(JSON envelopes) say.",
	options,
	1,
	"@file",
	"0 ok, 1 some records failed, 64 usage, 65 bad data, 66 no input,\n"
	"69 broker or topic unavailable, 74 I/O error, 130 SIGINT, 143 "
	"SIGTERM.",
};

enum empty { EMPTY_SEND, EMPTY_SKIP, EMPTY_NULL };

struct opts {
	const char *topic;
	int32_t partition; /* RD_KAFKA_PARTITION_UA unless -p */
	const char *key;   /* -k */
	size_t keylen;
	struct kq_delim kdelim; /* -K; len 0 when not given */
	struct kq_delim delim;
	enum empty empty;
	int whole, json, tee, report, keep_going, atomic;
	int delim_given, empty_given;
	const char *codec;
	const char *acks;
	int64_t count;		   /* 0: no limit */
	int64_t rate;		   /* 0: no limit */
	struct kq_header *headers; /* -H */
	size_t nheaders;
};

struct pub {
	struct kq_kafka kk; /* its address is librdkafka's opaque */
	struct kq_conf c;
	struct opts o;
	struct kq_producer pr; /* -H's headers too */
	int64_t msg_timeout;   /* ms */
	size_t max_bytes;      /* message.max.bytes */

	struct kq_origin origin; /* to name a record in messages */
	uint64_t rec;		 /* records read, numbered from 1 */
	uint64_t msgs;		 /* messages made of them (for -c) */
	uint64_t handed;	 /* messages librdkafka took */
	uint64_t bytes;		 /* and their bytes */
	uint64_t delivered;	 /* acknowledged */
	uint64_t failed;	 /* refused, failed or never acknowledged */
	uint64_t dr_failed;	 /* the failures among those handed */
	uint64_t skipped;	 /* empty records, --empty=skip */
	uint64_t fail_rec;	 /* the first failed record, 0: none */
	rd_kafka_resp_err_t fail_err;
	int fail_purged;
	int halt;	/* stop reading: a failure, or stdout gone */
	int gave_up;	/* every broker was down for --timeout */
	int status;	/* an input error's status, else 0 */
	int input_done; /* every input was read to its end */
	unsigned since_poll;

	struct kq_writer out; /* -T, --report */
	int out_used;

	/* -J */
	struct kq_jsonscan *js;
	struct kq_envdec dec;
	struct kq_envenc enc;
	const char *cur;      /* the input being scanned */
	struct kq_header *th; /* -T -J: a delivered message's headers */
	size_t thcap;

	struct kq_progress progress;
	int64_t next_ns; /* --rate */
};

/*
 * What librdkafka may hold unacknowledged, and so kq-pub's memory, whatever
 * the size of the input: a filter's memory must not grow with what flows
 * through it. QUEUE_KB is raised to hold two of the largest messages.
 */
#define QUEUE_MSGS "25000"
#define QUEUE_KB   16384

/* Messages between two polls for delivery reports; a batch at most. */
#define POLL_EVERY  1024
#define SAY_DOWN_MS 1000 /* every broker down this long: say so */

/* A read that ended because of a signal or a failure, not an input error. */
static int
read_stopped(void)
{
	return errno == EINTR || errno == ECANCELED;
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Why a message failed: the limit it was over, why no broker answered. */
static const char *
reason(const struct pub *P, rd_kafka_resp_err_t err, char *buf, size_t size)
{
	return kq_produce_reason(
		err, P->max_bytes,
		*P->kk.last_error ? kq_kafka_reason(&P->kk) : NULL, buf, size);
}

/* --- output: -T and --report ---------------------------------------------- */

static void
put(struct pub *P, const void *p, size_t n)
{
	kq_writer_put(&P->out, p, n);
}

#define PUTS(P, lit) put((P), (lit), sizeof(lit) - 1)

static void
put_num(struct pub *P, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	put(P, buf, (size_t)n);
}

/* A failed write to stdout ends the reading; EPIPE quietly. */
static void
check_out(struct pub *P)
{
	if (P->out.err) {
		P->halt = 1;
		if (P->out.err != EPIPE && !P->status)
			P->status = EX_IOERR;
	}
}

static void
flush_out(struct pub *P)
{
	if (P->out_used && P->out.len) {
		kq_writer_flush(&P->out);
		check_out(P);
	}
}

/* {"record":17,"topic":"t","partition":0,"offset":16,"timestamp":...} */
static void
report_line(struct pub *P, uint64_t rec, const rd_kafka_message_t *m,
	    rd_kafka_resp_err_t err)
{
	char why[512];
	int64_t ts;

	PUTS(P, "{\"record\":");
	put_num(P, (int64_t)rec);
	PUTS(P, ",\"topic\":");
	kq_json_write_string(&P->out, P->o.topic, strlen(P->o.topic));
	if (m && m->partition >= 0) {
		PUTS(P, ",\"partition\":");
		put_num(P, m->partition);
	}
	if (!err) {
		if (m->offset >= 0) {
			PUTS(P, ",\"offset\":");
			put_num(P, m->offset);
		}
		if ((ts = rd_kafka_message_timestamp(m, NULL)) >= 0) {
			PUTS(P, ",\"timestamp\":");
			put_num(P, ts);
		}
	} else {
		reason(P, err, why, sizeof(why));
		PUTS(P, ",\"error\":");
		kq_json_write_string(&P->out, why, strlen(why));
	}
	PUTS(P, "}\n");
	check_out(P);
}

/* -T: the record as it was read, or with -J the message as an envelope. */
static void
tee(struct pub *P, const rd_kafka_message_t *m)
{
	struct kq_envelope e;

	if (!P->o.json) {
		if (P->o.kdelim.len && m->key) {
			put(P, m->key, m->key_len);
			put(P, P->o.kdelim.s, P->o.kdelim.len);
		}
		put(P, m->payload, m->len);
		if (!P->o.whole)
			put(P, P->o.delim.s, P->o.delim.len);
		check_out(P);
		return;
	}
	kq_kafka_envelope(m, &e, &P->th, &P->thcap);
	kq_envelope_write(&P->enc, &P->out, &e);
	PUTS(P, "\n");
	check_out(P);
}

/* --- delivery ------------------------------------------------------------- */

static void
failed(struct pub *P, uint64_t rec, rd_kafka_resp_err_t err)
{
	char buf[128], why[512];
	int purged = err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
		     err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;

	P->failed++;
	if (!P->o.keep_going)
		P->halt = 1;
	/* The first failure is a cause: a purge only follows one. */
	if (!P->fail_rec || (P->fail_purged && !purged) ||
	    (purged == P->fail_purged && rec < P->fail_rec)) {
		P->fail_rec = rec;
		P->fail_err = err;
		P->fail_purged = purged;
	}
	if (P->c.verbose)
		kq_warn("record %llu (%s): %s", (unsigned long long)rec,
			kq_origin_name(&P->origin, rec, buf, sizeof(buf)),
			reason(P, err, why, sizeof(why)));
}

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct pub *P = KQ_KAFKA_OWNER(opaque, struct pub, kk);
	uint64_t rec = (uint64_t)(uintptr_t)m->_private;
	rd_kafka_resp_err_t err = m->err;

	(void)rk;
	/* Given up on a broker that is down: as librdkafka would say. */
	if (P->gave_up && (err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
			   err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT))
		err = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
	if (err) {
		P->dr_failed++;
		failed(P, rec, err);
	} else {
		P->delivered++;
		kq_kafka_answered(&P->kk);
	}
	if (P->o.report)
		report_line(P, rec, m, err);
	else if (P->o.tee && !err)
		tee(P, m);
}

static void
progress(struct pub *P)
{
	int64_t now = kq_clock_ms();

	if (kq_progress_due(&P->progress, now))
		kq_progress_show(
			&P->progress,
			"\r\033[K%s: %llu messages sent, %.1f MB, %.0f/s",
			kq_progname(), (unsigned long long)P->handed,
			(double)P->bytes / 1e6,
			(double)P->handed * 1000.0 / (now - P->progress.t0));
}

/* Messages handed over and not yet reported on. */
static uint64_t
unacked(const struct pub *P)
{
	return P->handed - P->delivered - P->dr_failed;
}

/*
 * Every broker went down with messages waiting: read no more (each new
 * one would wait out a message.timeout.ms of its own), say so, and wait
 * for an acknowledgement; after --timeout, what waits fails, as timed out.
 */
static void
wait_for_brokers(struct pub *P)
{
	int64_t start = kq_clock_ms(), now = start;

	while (P->kk.all_down_ms && unacked(P) && !P->gave_up) {
		if (!P->kk.down_said && now - start >= SAY_DOWN_MS) {
			kq_progress_clear(&P->progress);
			kq_kafka_say_down(&P->kk, "waiting up to --timeout");
		}
		if (now - start >= P->c.timeout_ms) {
			P->gave_up = P->halt = 1;
			rd_kafka_purge(P->kk.rk,
				       RD_KAFKA_PURGE_F_QUEUE |
					       RD_KAFKA_PURGE_F_INFLIGHT);
			break;
		}
		rd_kafka_poll(P->kk.rk, 100);
		now = kq_clock_ms();
	}
}

/* Serve delivery reports, waiting up to ms for the first. */
static void
serve(struct pub *P, int ms)
{
	if (ms)
		flush_out(P);
	rd_kafka_poll(P->kk.rk, ms);
	P->since_poll = 0;
	progress(P);
	if (P->kk.all_down_ms && unacked(P))
		wait_for_brokers(P);
}

static int
stopping(const struct pub *P)
{
	return P->halt || kq_stop ||
	       (P->o.count && P->msgs >= (uint64_t)P->o.count);
}

/*
 * --rate: wait for this message's turn, serving reports meanwhile. Waits
 * are whole milliseconds, so a fast rate goes in bursts of at most 1 ms.
 */
static void
pace(struct pub *P)
{
	int64_t now = kq_clock_ns();

	/* An idle input earns no burst afterwards. */
	if (P->next_ns < now)
		P->next_ns = now;
	while (P->next_ns - now >= 1000000 && !kq_stop) {
		serve(P, (int)((P->next_ns - now) / 1000000));
		now = kq_clock_ns();
	}
	P->next_ns += (1000000000 + P->o.rate - 1) / P->o.rate;
}

/* A message librdkafka would not take. */
static void
refused(void *arg, uint64_t rec, rd_kafka_resp_err_t err)
{
	struct pub *P = arg;

	if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
		err = KQ_ERR_OVER_MAX;
	failed(P, rec, err);
	if (P->o.report)
		report_line(P, rec, NULL, err);
}

/* A message librdkafka took. */
static void
taken(void *arg, size_t len)
{
	struct pub *P = arg;

	P->handed++;
	P->bytes += len;
}

/* The queue is full: serve reports, or give up after a failure. */
static int
room(void *arg)
{
	struct pub *P = arg;

	/*
	 * The records in hand are finished even after Ctrl-C, a closed
	 * stdout or bad input further on (they were read before the
	 * fault); only a failed delivery that stops the run, or brokers
	 * given up on, give them up (as failed).
	 */
	if (P->halt && (P->failed || P->gave_up) && !P->o.keep_going)
		return 1;
	serve(P, 10);
	return 0;
}

static void
batch_flush(struct pub *P)
{
	if (kq_produce_flush(&P->pr))
		serve(P, 0);
}

static void
send_msg(struct pub *P, const struct kq_pmsg *m, uint64_t rec)
{
	rd_kafka_resp_err_t err;

	P->msgs++;
	/* What produce_batch can carry: no headers, no timestamp. */
	if (!P->o.rate && kq_produce_batchable(&P->pr, m)) {
		kq_produce_add(&P->pr, m, rec);
		return;
	}
	batch_flush(P);
	if (P->o.rate)
		pace(P);
	err = kq_produce_one(&P->pr, m, rec);
	if (err)
		refused(P, rec, err);
	else
		taken(P, m->len);
	if (++P->since_poll >= POLL_EVERY)
		serve(P, 0);
}

/* While the input has nothing to read; a failure ends the wait. */
static int
idle(void *arg)
{
	struct pub *P = arg;

	batch_flush(P);
	serve(P, 0);
	flush_out(P);
	return P->halt;
}

/* --- reading -------------------------------------------------------------- */

static void
plain_record(struct pub *P, const char *p, size_t n)
{
	struct kq_pmsg m = {.partition = P->o.partition, .timestamp = -1};
	const char *hit = NULL;

	m.value = p;
	m.len = n;
	if (P->o.kdelim.len) {
		hit = P->o.kdelim.len == 1
			      ? memchr(p, P->o.kdelim.s[0], n)
			      : memmem(p, n, P->o.kdelim.s, P->o.kdelim.len);
		if (hit) {
			m.key = p;
			m.keylen = (size_t)(hit - p);
			m.value = hit + P->o.kdelim.len;
			m.len = n - m.keylen - P->o.kdelim.len;
		}
	} else if (P->o.key) {
		m.key = P->o.key;
		m.keylen = P->o.keylen;
	}
	if (m.len == 0) {
		if (P->o.empty == EMPTY_SKIP) {
			P->skipped++;
			return;
		}
		if (P->o.empty == EMPTY_NULL)
			m.value = NULL;
	}
	send_msg(P, &m, P->rec);
}

static void
input_error(struct pub *P, const char *name)
{
	kq_warn("%s: %s", name, strerror(errno));
	P->status = EX_IOERR;
	P->halt = 1;
}

static void
read_plain(struct pub *P, struct kq_reader *r)
{
	const char *p;
	size_t n;
	int got;
	uint64_t left;

	while (!stopping(P)) {
		got = P->o.whole ? kq_reader_all(r, &p, &n)
				 : kq_reader_next(r, &p, &n);
		if (got == 0)
			return;
		if (got > 0) {
			P->rec++;
			plain_record(P, p, n);
			continue;
		}
		if (read_stopped())
			return;
		if (errno != EFBIG) {
			input_error(P, r->name);
			return;
		}
		/* Longer than message.max.bytes: as librdkafka would say. */
		P->rec++;
		P->msgs++;
		failed(P, P->rec, KQ_ERR_OVER_MAX);
		if (P->o.report)
			report_line(P, P->rec, NULL, KQ_ERR_OVER_MAX);
		if (P->o.whole)
			return;
		if (kq_reader_skip(r) < 0) {
			if (!read_stopped())
				input_error(P, r->name);
			return;
		}
	}
	/* Ctrl-C: records read from the input but not sent are named. */
	if (kq_stop && (left = kq_reader_pending(r)))
		kq_warn("%s: %llu %s after %s %llu %s read but not sent",
			r->name, (unsigned long long)left,
			plural(left, "record", "records"),
			r->delim.len == 1 && r->delim.s[0] == '\n' ? "line"
								   : "record",
			(unsigned long long)r->recno,
			plural(left, "was", "were"));
}

static int
on_envelope(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	struct pub *P = arg;
	struct kq_envelope e;
	struct kq_pmsg m;

	if (kq_envelope_decode(&P->dec, p, n, &e)) {
		kq_warn("%s:%llu:%llu: envelope: %s", P->cur,
			(unsigned long long)at->line,
			(unsigned long long)at->col, P->dec.err);
		P->status = EX_DATAERR;
		P->halt = 1;
		return 1;
	}
	P->rec++;
	kq_origin_line(&P->origin, P->rec, at->line);
	m.key = e.key;
	m.keylen = e.key_len;
	if (P->o.key) {
		m.key = P->o.key;
		m.keylen = P->o.keylen;
	}
	m.value = e.value;
	m.len = e.value_len;
	m.partition = e.partition >= 0 ? e.partition : RD_KAFKA_PARTITION_UA;
	if (P->o.partition != RD_KAFKA_PARTITION_UA)
		m.partition = P->o.partition;
	m.timestamp = e.timestamp;
	m.headers = e.headers;
	m.nheaders = e.nheaders;
	send_msg(P, &m, P->rec);
	return stopping(P) ? 2 : 0;
}

static void
read_json(struct pub *P, struct kq_reader *r)
{
	struct kq_jsonpos at;
	const char *p, *msg;
	size_t n;
	int got, rc = 0;

	P->cur = r->name;
	kq_jsonscan_reset(P->js);
	while (!stopping(P)) {
		got = kq_reader_block(r, &p, &n);
		if (got < 0) {
			if (!read_stopped())
				input_error(P, r->name);
			return;
		}
		rc = got ? kq_jsonscan_feed(P->js, p, n)
			 : kq_jsonscan_end(P->js);
		if (rc || !got)
			break;
	}
	if (rc == -1) {
		msg = kq_jsonscan_error(P->js, &at);
		kq_warn("%s:%llu:%llu: %s", r->name,
			(unsigned long long)at.line, (unsigned long long)at.col,
			msg);
		P->status = EX_DATAERR;
		P->halt = 1;
	}
}

/* Every file before connecting: a typo sends nothing. */
static void
check_inputs(char **files, int n)
{
	struct stat st;
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(files[i], "-") == 0)
			continue;
		if (stat(files[i], &st) || access(files[i], R_OK))
			kq_die(EX_NOINPUT, "%s: %s", files[i], strerror(errno));
		if (S_ISDIR(st.st_mode))
			kq_die(EX_NOINPUT, "%s: %s", files[i],
			       strerror(EISDIR));
	}
}

static void
read_inputs(struct pub *P, char **files, int nfiles)
{
	struct kq_reader r;
	int i;

	memset(&r, 0, sizeof(r));
	r.fd = -1;
	for (i = 0; i < nfiles && !stopping(P); i++) {
		if (kq_reader_open(&r, files[i], &P->o.delim)) {
			kq_warn("%s: %s", files[i], strerror(errno));
			P->status = EX_NOINPUT;
			break;
		}
		r.idle = idle;
		r.idle_arg = P;
		r.max = P->o.json ? 0 : P->max_bytes;
		kq_origin_input(&P->origin, r.name, P->rec + 1);
		if (P->o.json)
			read_json(P, &r);
		else
			read_plain(P, &r);
		/* Nothing was left to read (for the summary's words). */
		if (i == nfiles - 1 && r.eof && r.pos == r.end &&
		    (!P->o.json || !stopping(P)))
			P->input_done = 1;
		kq_reader_close(&r);
	}
	batch_flush(P);
	kq_reader_free(&r);
}

/* --- the end -------------------------------------------------------------- */

/*
 * Wait for every message handed over to be acknowledged or to fail:
 * librdkafka fails them after message.timeout.ms, so this ends by itself;
 * past that and a second, what is left is purged (and fails).
 */
static void
drain(struct pub *P)
{
	/* message.timeout.ms=0 is librdkafka's "for ever". */
	int64_t now = kq_clock_ms(),
		deadline = P->msg_timeout ? now + P->msg_timeout + 1000
					  : INT64_MAX;

	while (unacked(P) && now < deadline) {
		flush_out(P);
		rd_kafka_flush(P->kk.rk, 100);
		serve(P, 0);
		now = kq_clock_ms();
		/* Ctrl-C: what is in flight gets --timeout, no more. */
		if (kq_stop && deadline - now > P->c.timeout_ms)
			deadline = now + P->c.timeout_ms;
	}
	if (!unacked(P))
		return;
	rd_kafka_purge(P->kk.rk,
		       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	deadline = kq_clock_ms() + 1000;
	while (unacked(P) && kq_clock_ms() < deadline)
		serve(P, 100);
}

/* --atomic: commit when all went well, else abort; 0 when committed. */
static int
finish_transaction(struct pub *P)
{
	rd_kafka_error_t *error = NULL;
	int timeout = P->msg_timeout ? (int)P->msg_timeout : -1;

	if (!P->failed && !kq_stop && !P->status) {
		error = rd_kafka_commit_transaction(P->kk.rk, timeout);
		serve(P, 0);
		if (!error)
			return 0;
		kq_warn("commit: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	}
	error = rd_kafka_abort_transaction(P->kk.rk, timeout);
	if (error) {
		kq_warn("abort: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	}
	drain(P);
	return -1;
}

/* The last lines on stderr, and the status. */
static int
summary(struct pub *P, int committed)
{
	char buf[128], why[512], skipped[64] = "";
	uint64_t lost = unacked(P);
	const char *stop = kq_stop ? "; interrupted" : "";

	/* Nothing unaccounted for: what never came back failed. */
	if (lost) {
		P->failed += lost;
		if (!P->fail_rec)
			P->fail_err = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
	}
	kq_progress_clear(&P->progress);
	if (P->skipped)
		snprintf(skipped, sizeof(skipped), " (%llu empty %s skipped)",
			 (unsigned long long)P->skipped,
			 plural(P->skipped, "record", "records"));
	if (P->fail_rec)
		kq_warn("record %llu (%s): %s", (unsigned long long)P->fail_rec,
			kq_origin_name(&P->origin, P->fail_rec, buf,
				       sizeof(buf)),
			reason(P, P->fail_err, why, sizeof(why)));
	else if (lost)
		kq_warn("%llu %s not acknowledged: %s",
			(unsigned long long)lost,
			plural(lost, "message", "messages"),
			reason(P, P->fail_err, why, sizeof(why)));
	if (P->o.atomic && committed != 0) {
		kq_warn("Aborted the transaction: none of %llu %s committed.",
			(unsigned long long)(P->delivered + P->failed),
			plural(P->delivered + P->failed, "message",
			       "messages"));
	} else if (P->failed) {
		if (!kq_stop && !P->status && !P->o.keep_going &&
		    !P->input_done)
			stop = "; stopped reading at the first failure";
		kq_warn("Produced %llu %s, %llu failed%s%s.",
			(unsigned long long)P->delivered,
			plural(P->delivered, "message", "messages"),
			(unsigned long long)P->failed, skipped, stop);
	} else {
		kq_info(&P->c, "Produced %llu %s%s%s%s.",
			(unsigned long long)P->delivered,
			plural(P->delivered, "message", "messages"),
			P->o.atomic ? " in one transaction" : "", skipped,
			stop);
	}
	if (kq_stop)
		return KQ_EX_INTERRUPTED;
	if (P->status)
		return P->status;
	if (P->failed || (P->o.atomic && committed != 0))
		return KQ_EX_PARTIAL;
	return EX_OK;
}

/* --- setting up ----------------------------------------------------------- */

static void
parse_header(struct kq_conf *c, struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct kq_header *h;

	if (eq == arg || !*arg)
		kq_usage(c, "-H: expected NAME=VALUE, got '%s'", arg);
	o->headers = kq_erealloc(o->headers,
				 (o->nheaders + 1) * sizeof(*o->headers));
	h = &o->headers[o->nheaders++];
	h->name = arg;
	h->name_len = eq ? (size_t)(eq - arg) : strlen(arg);
	h->value = eq ? eq + 1 : NULL;
	h->value_len = eq ? strlen(eq + 1) : 0;
}

static void
parse_options(struct pub *P, int argc, char **argv)
{
	struct opts *o = &P->o;
	struct kq_conf *c = &P->c;
	int key;

	o->partition = RD_KAFKA_PARTITION_UA;
	o->delim = kq_edelim("-D", "\\n");
	while ((key = kq_getopt(c, argc, argv)) != -1) {
		switch (key) {
		case 't':
			o->topic = kq_etopic("-t", c->arg);
			break;
		case 'p':
			o->partition =
				(int32_t)kq_eint("-p", c->arg, 0, INT32_MAX);
			break;
		case 'k':
			o->key = c->arg;
			o->keylen = strlen(c->arg);
			break;
		case 'K':
			o->kdelim = kq_edelim("-K", c->arg);
			break;
		case 'H':
			parse_header(c, o, c->arg);
			break;
		case 'D':
			o->delim = kq_edelim("-D", c->arg);
			o->delim_given = 1;
			break;
		case '0':
			o->delim = kq_edelim("-0", "\\0");
			o->delim_given = 1;
			break;
		case OPT_WHOLE:
			o->whole = 1;
			break;
		case OPT_EMPTY:
			if (strcmp(c->arg, "send") == 0)
				o->empty = EMPTY_SEND;
			else if (strcmp(c->arg, "skip") == 0)
				o->empty = EMPTY_SKIP;
			else if (strcmp(c->arg, "null") == 0)
				o->empty = EMPTY_NULL;
			else
				kq_usage(c,
					 "--empty: expected send, skip or "
					 "null, got '%s'",
					 c->arg);
			o->empty_given = 1;
			break;
		case 'Z':
			o->empty = EMPTY_NULL;
			o->empty_given = 1;
			break;
		case 'J':
			o->json = 1;
			break;
		case 'z':
			if (strcmp(c->arg, "gzip") &&
			    strcmp(c->arg, "snappy") && strcmp(c->arg, "lz4") &&
			    strcmp(c->arg, "zstd") && strcmp(c->arg, "none"))
				kq_usage(c,
					 "-z: expected gzip, snappy, lz4 or "
					 "zstd, got '%s'",
					 c->arg);
			o->codec = c->arg;
			break;
		case OPT_ACKS:
			if (strcmp(c->arg, "0") && strcmp(c->arg, "1") &&
			    strcmp(c->arg, "all") && strcmp(c->arg, "-1"))
				kq_usage(c,
					 "--acks: expected 0, 1 or all, got "
					 "'%s'",
					 c->arg);
			o->acks = c->arg;
			break;
		case 'c':
			o->count = kq_eint("-c", c->arg, 1, INT64_MAX);
			break;
		case OPT_RATE:
			o->rate = kq_eint("--rate", c->arg, 1, 1000000);
			break;
		case 'T':
			o->tee = 1;
			break;
		case OPT_REPORT:
			o->report = 1;
			break;
		case OPT_KEEP_GOING:
			o->keep_going = 1;
			break;
		case OPT_ATOMIC:
			o->atomic = 1;
			break;
		default:
			kq_usage(c, NULL);
		}
	}
	/* Refuse what would be ignored: nothing the user says is dropped. */
	if (!o->topic)
		kq_usage(c, "-t TOPIC is required");
	if (o->key && o->kdelim.len)
		kq_usage(c, "-k and -K cannot be used together");
	if (o->json &&
	    (o->kdelim.len || o->delim_given || o->empty_given || o->whole))
		kq_usage(c, "-J reads envelopes: -K, -D, -0, --empty, -Z and "
			    "--whole do not apply");
	if (o->whole && o->delim_given)
		kq_usage(c,
			 "--whole sends whole files: -D and -0 do not apply");
	if (o->tee && o->report)
		kq_usage(c, "-T and --report cannot be used together");
	if (o->atomic && (o->tee || o->report))
		kq_usage(c, "--atomic: -T and --report cannot be used: records "
			    "are not delivered until the commit");
	if (o->atomic && o->keep_going)
		kq_usage(c,
			 "--atomic and --keep-going cannot be used together: "
			 "a failure aborts the transaction");
	if (o->atomic && o->acks && strcmp(o->acks, "all") &&
	    strcmp(o->acks, "-1"))
		kq_usage(c, "--atomic needs --acks all");
}

/* librdkafka's configuration: kq-pub's defaults, which -X overrides. */
static rd_kafka_conf_t *
make_conf(struct pub *P)
{
	static char timeout[24], txn_timeout[24], txid[96], kb[24];
	struct kq_default d[16];
	const struct kq_conf *c = &P->c;
	const char *acks = P->o.acks ? P->o.acks : "all";
	int idempotent = strcmp(acks, "all") == 0 || strcmp(acks, "-1") == 0;
	rd_kafka_conf_t *rc;
	const char *v;
	char buf[64];
	size_t n = 0, size;

	/* acks below all, set with -X, turns idempotence off too. */
	if (!P->o.acks && ((v = kq_conf_prop(c, "acks")) ||
			   (v = kq_conf_prop(c, "request.required.acks"))))
		idempotent = strcmp(v, "all") == 0 || strcmp(v, "-1") == 0;
	snprintf(timeout, sizeof(timeout), "%lld", (long long)c->timeout_ms);
	d[n++] = (struct kq_default){"acks", acks};
	d[n++] = (struct kq_default){"enable.idempotence",
				     idempotent ? "true" : "false"};
	d[n++] = (struct kq_default){"message.timeout.ms", timeout};
	d[n++] = (struct kq_default){"linger.ms", "5"};
	d[n++] =
		(struct kq_default){"queue.buffering.max.messages", QUEUE_MSGS};
	if (P->o.codec)
		d[n++] = (struct kq_default){"compression.codec", P->o.codec};
	if (P->o.atomic) {
		snprintf(txid, sizeof(txid), "kq-pub-%ld-%lld", (long)getpid(),
			 (long long)kq_now_ms());
		snprintf(txn_timeout, sizeof(txn_timeout), "%lld",
			 (long long)(c->timeout_ms > 60000 ? c->timeout_ms
							   : 60000));
		d[n++] = (struct kq_default){"transactional.id", txid};
		d[n++] = (struct kq_default){"transaction.timeout.ms",
					     txn_timeout};
	}
	d[n] = (struct kq_default){NULL, NULL};
	rc = kq_kafka_conf(&P->kk, c, d);
	rd_kafka_conf_set_dr_msg_cb(rc, on_delivery);
	/* Every message is counted by its report (-X cannot turn it off). */
	kq_kafka_set(rc, "delivery.report.only.error", "false");

	size = sizeof(buf);
	P->msg_timeout = c->timeout_ms;
	if (rd_kafka_conf_get(rc, "message.timeout.ms", buf, &size) ==
	    RD_KAFKA_CONF_OK)
		P->msg_timeout = strtoll(buf, NULL, 10);
	size = sizeof(buf);
	P->max_bytes = 1000000;
	if (rd_kafka_conf_get(rc, "message.max.bytes", buf, &size) ==
	    RD_KAFKA_CONF_OK)
		P->max_bytes = (size_t)strtoull(buf, NULL, 10);
	/* A message larger than the queue would never fit: wait for ever. */
	if (!kq_conf_prop(c, "queue.buffering.max.kbytes")) {
		snprintf(kb, sizeof(kb), "%zu",
			 P->max_bytes / 512 + 1 > QUEUE_KB
				 ? P->max_bytes / 512 + 1
				 : (size_t)QUEUE_KB);
		kq_kafka_set(rc, "queue.buffering.max.kbytes", kb);
	}
	return rc;
}

/*
 * The topic exists (or the broker made it) and -p is one of its own.
 * Apache Kafka answers the request that makes a topic with "unknown topic"
 * or "leader not available" until its controller has made it, so those
 * answers are asked again within --timeout, as librdkafka itself waits
 * for a topic to appear before it fails a message.
 */
static int
check_topic(struct pub *P)
{
	rd_kafka_resp_err_t err;
	int64_t end = kq_clock_ns() + P->c.timeout_ms * 1000000;
	int n;

	while ((n = kq_kafka_partitions(&P->kk, P->o.topic, &err)) < 0 &&
	       (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) &&
	       kq_clock_ns() < end && !kq_stop)
		rd_kafka_poll(P->kk.rk, 100);
	if (n < 0) {
		kq_warn("topic %s: %s", P->o.topic, rd_kafka_err2str(err));
		return EX_UNAVAILABLE;
	}
	if (P->o.partition != RD_KAFKA_PARTITION_UA && P->o.partition >= n) {
		kq_warn("-p %ld: topic %s has %d %s (0 to %d)",
			(long)P->o.partition, P->o.topic, n,
			plural((uint64_t)n, "partition", "partitions"), n - 1);
		return EX_UNAVAILABLE;
	}
	return 0;
}

static int
start_transaction(struct pub *P)
{
	rd_kafka_error_t *error;

	error = rd_kafka_init_transactions(P->kk.rk, (int)P->c.timeout_ms);
	if (!error)
		error = rd_kafka_begin_transaction(P->kk.rk);
	if (!error)
		return 0;
	kq_warn("cannot start a transaction: %s", rd_kafka_error_string(error));
	rd_kafka_error_destroy(error);
	return EX_UNAVAILABLE;
}

/*
 * kafka-console-producer's --property forms: parse.key=true splits each
 * record at key.separator (its default a tab), as -K does.
 */
static void
console_properties(struct kq_conf *c, struct opts *o)
{
	char *parse = kq_conf_take(c, "parse.key");
	char *sep = kq_conf_take(c, "key.separator");

	if (parse && strcmp(parse, "true") != 0 && strcmp(parse, "false") != 0)
		kq_die(EX_USAGE,
		       "--property parse.key: true or false, not '%s'", parse);
	if (parse && strcmp(parse, "true") == 0 && !o->kdelim.len)
		o->kdelim = kq_edelim("--property key.separator",
				      sep ? sep : "\\t");
	free(parse);
	free(sep);
}

int
main(int argc, char **argv)
{
	static char *stdin_only[] = {"-", NULL};
	struct pub *P = kq_ecalloc(1, sizeof(*P));
	rd_kafka_conf_t *rc;
	struct kq_jsonpath dot;
	char **files;
	int nfiles, status, committed = -1;

	kq_conf_init(&P->c, &cmd, argv);
	parse_options(P, argc, argv);
	files = argv + optind;
	nfiles = argc - optind;
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	check_inputs(files, nfiles);
	kq_conf_finish(&P->c);
	console_properties(&P->c, &P->o);
	kq_sig_install();

	kq_origin_init(&P->origin,
		       P->o.whole  ? KQ_ORIGIN_WHOLE
		       : P->o.json ? KQ_ORIGIN_ENVELOPE
		       : P->o.delim.len == 1 && P->o.delim.s[0] == '\n'
			       ? KQ_ORIGIN_LINE
			       : KQ_ORIGIN_RECORD);
	if (P->o.json) {
		if (kq_jsonpath_parse(".", &dot))
			kq_die(EX_SOFTWARE, "cannot make the path \".\"");
		P->js = kq_jsonscan_new(&dot, 0, on_envelope, P);
		kq_jsonpath_free(&dot);
		kq_envenc_init(&P->enc, 0);
	}
	if (P->o.tee || P->o.report) {
		kq_writer_init(&P->out, 1, "stdout", 1 << 16);
		P->out_used = 1;
	}
	P->pr.headers = P->o.headers;
	P->pr.nheaders = P->o.nheaders;
	P->pr.taken = taken;
	P->pr.refused = refused;
	P->pr.room = room;
	P->pr.arg = P;
	kq_producer_init(&P->pr);

	rc = make_conf(P);
	kq_kafka_open(&P->kk, RD_KAFKA_PRODUCER, rc);
	/* From here on, every way out goes through the end of main. */
	P->pr.rk = P->kk.rk;
	P->pr.rkt = rd_kafka_topic_new(P->kk.rk, P->o.topic, NULL);
	status = check_topic(P);
	if (!status && P->o.atomic)
		status = start_transaction(P);
	if (status) {
		P->status = status;
		goto out;
	}

	/* The first line after a second: a short run shows none. */
	kq_progress_init(&P->progress, 2, !P->c.quiet && isatty(2),
			 kq_clock_ms(), 1000, 250);
	read_inputs(P, files, nfiles);
	if (P->o.atomic)
		committed = finish_transaction(P);
	else
		drain(P);
	status = summary(P, committed);

out:
	if (P->pr.rkt)
		rd_kafka_topic_destroy(P->pr.rkt);
	kq_kafka_close(&P->kk);
	if (P->out_used) {
		int st = kq_writer_finish(&P->out);

		if (st && (!status || status == KQ_EX_PARTIAL))
			status = st;
	}
	if (P->js) {
		kq_jsonscan_free(P->js);
		kq_envdec_free(&P->dec);
		kq_envenc_free(&P->enc);
	}
	if (!status && P->status)
		status = P->status;
	free(P->th);
	kq_producer_free(&P->pr);
	kq_origin_free(&P->origin);
	free(P->o.headers);
	kq_conf_free(&P->c);
	free(P);
	return status;
}
