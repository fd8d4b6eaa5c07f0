/*
 * kq-sub: Kafka messages to standard output, safe to pipe anywhere. With
 * a group it commits only what the reader at the other end of the pipe has
 * taken, so a crash or a reader that leaves early loses nothing.
 */
#include <errno.h>
#include <jv.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "consume.h"
#include "envelope.h"
#include "format.h"
#include "hold.h"
#include "jqrun.h"
#include "kafka.h"
#include "partset.h"
#include "points.h"
#include "print.h"
#include "progress.h"
#include "record.h"
#include "sig.h"
#include "spec.h"
#include "start.h"
#include "taken.h"

enum {
	OPT_FROM_BEGINNING = KQ_LONG,
	OPT_UNTIL,
	OPT_IDLE,
	OPT_JSON_VALUES,
	OPT_JQ,
	OPT_KEEP_GOING,
	OPT_FAST,
};

static const struct kq_option options[] = {
	{"topic", 't', KQ_ARG, "TOPIC",
	 "topic to read (repeatable; ^REGEX with -g)", "@topic"},
	{"partition", 'p', KQ_ARG, "N", "read only partition N (repeatable)",
	 NULL},
	{"offset", 'o', KQ_ARG, "SPEC",
	 "start at beginning, end, stored, N, -N (N before the end), @TIME "
	 "or @-DURATION; kcat's s@MS and e@MS (default: end; with -e the "
	 "beginning; with -g the committed offsets)",
	 "beginning end stored"},
	{"from-beginning", OPT_FROM_BEGINNING, KQ_NOARG, NULL,
	 "the same as -o beginning", NULL},
	{"group", 'g', KQ_ARG, "ID",
	 "read as a member of consumer group ID, committing only what the "
	 "reader took",
	 "@group"},
	{"fast", OPT_FAST, KQ_NOARG, NULL,
	 "with -g into a pipe: write in blocks, not one message at a time "
	 "(a reader that reads and drops skips messages)",
	 NULL},
	{"max-messages", 'c', KQ_ARG, "N", "stop after N messages", NULL},
	{"exit", 'e', KQ_NOARG, NULL,
	 "stop at the end offsets of when the read began (and start at the "
	 "beginning unless -o or -g says otherwise, as kcat -e)",
	 NULL},
	{"until", OPT_UNTIL, KQ_ARG, "@TIME",
	 "stop at the first message stamped at or after TIME", NULL},
	{"idle-timeout", OPT_IDLE, KQ_ARG, "DURATION",
	 "stop when no message came for DURATION", NULL},
	{"delimiter", 'D', KQ_ARG, "DELIM",
	 "end each message with DELIM (default \\n)", NULL},
	{"null", '0', KQ_NOARG, NULL,
	 "end each message with a NUL byte (-D '\\0')", NULL},
	{"key-delimiter", 'K', KQ_ARG, "DELIM",
	 "print the key, DELIM, then the value", NULL},
	{"format", 'f', KQ_ARG, "FORMAT",
	 "print each message as FORMAT: %t %p %o %k %v (or %s) %T %I %h %K "
	 "%S %R %%, \\n \\t \\0 (kq-sub(1))",
	 NULL},
	{"json", 'J', KQ_NOARG, NULL,
	 "print each message as a JSON envelope (as kq-pub -J reads)", NULL},
	{"json-values", OPT_JSON_VALUES, KQ_NOARG, NULL,
	 "with -J, embed a value that is JSON as JSON, not as a string", NULL},
	{"jq", OPT_JQ, KQ_ARG, "FILTER",
	 "run the jq FILTER on each value and print its results", NULL},
	{"raw-output", 'r', KQ_NOARG, NULL,
	 "with --jq, print strings without quotes", NULL},
	{"keep-going", OPT_KEEP_GOING, KQ_NOARG, NULL,
	 "with --jq, report a value that is not JSON and go on", NULL},
	{"show-null", 'Z', KQ_NOARG, NULL, "print null keys and values as NULL",
	 NULL},
	{"unbuffered", 'u', KQ_NOARG, NULL,
	 "flush the output after each message", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-sub",
	"-t TOPIC [-p N] [-o SPEC | --from-beginning] [-g ID] [-c N] [-e]\n"
	"[-D DELIM | -0] [-K DELIM | -f FORMAT | -J | --jq FILTER] [options]",
	"Write the messages of Kafka topics to standard output.",
	options,
	1,
	NULL,
	"0 ok, 1 partial, 64 usage, 65 bad data,\n"
	"69 broker or topic unavailable, 70 internal, 74 I/O error,\n"
	"130 SIGINT, 143 SIGTERM.",
};

#define SAY_DOWN_MS    1000 /* every broker down this long: say so */
#define BATCH	       1024
#define OUT_BUF	       (256 * 1024)
#define WAIT_MS	       100  /* longest wait for the broker in one call */
#define TICK_MS	       250  /* offsets stored, progress shown */
#define SURVIVE_MS     500  /* a pipe reader must outlive what it took */
#define END_SURVIVE_MS 100  /* the same, once, at the end */
#define HOLD_MS	       1000 /* a wait for the reader this long pauses */
#define NOTICE_MS      3000 /* and this long is worth a word */

enum stop {
	GOING,
	STOP_COUNT,  /* -c reached */
	STOP_END,    /* -e or --until: every partition at its end */
	STOP_IDLE,   /* --idle-timeout */
	STOP_SIGNAL, /* SIGINT, SIGTERM */
	STOP_GONE,   /* the reader closed the pipe */
	STOP_ERROR,  /* s->status says why */
};

struct sub {
	struct kq_conf c;
	struct kq_kafka kk; /* its address is librdkafka's opaque */

	/* Options. */
	const char **topic_names;
	int ntopic_names;
	int32_t *partitions;
	int npartitions;
	struct kq_offset_spec spec;
	int have_spec;
	const char *group;
	int64_t max;
	int exit_at_end;
	int64_t until, idle_ms;
	int have_delim;
	int unbuffered, fast;

	/* The read. */
	rd_kafka_queue_t *queue; /* without a group: the simple consumer's */
	struct kq_partset ps;
	int assigned_once, rebalancing;
	int own_reset;	     /* auto.offset.reset=error is ours to handle */
	int use_poll;	     /* a partition restarted: no more batches */
	struct kq_wake wake; /* the queue messages wait in, watched */
	uint64_t count;
	int64_t last_msg;
	enum stop stop;
	int status;

	/* Output. */
	struct kq_writer out;
	struct kq_print pr;	 /* the form, and the bytes given to out */
	int closed;		 /* out is finished: what it took is stored */
	struct kq_taken taken;	 /* with -g: what the reader took */
	struct kq_points points; /* and the offsets it may commit */
	uint64_t given;		 /* messages given to out */
	int waiting;	     /* in a wait for the reader: no flush, no poll */
	struct kq_hold hold; /* a long wait keeps the group */
	int64_t noticed;     /* the wait that was worth a word */
	int64_t next_tick;
	struct kq_progress progress;
};

static struct sub *
sub_of(void *opaque)
{
	return KQ_KAFKA_OWNER(opaque, struct sub, kk);
}

static void fail(struct sub *s, int status, const char *fmt, ...)
	KQ_PRINTF(3, 4);

/* Stop the read (what failed was said); the cleanup path runs. */
static void
halt(struct sub *s, int status)
{
	if (status && s->stop != STOP_ERROR) {
		s->stop = STOP_ERROR;
		s->status = status;
	}
}

/* Report and stop the read. */
static void
fail(struct sub *s, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kq_vwarn(fmt, ap);
	va_end(ap);
	halt(s, status);
}

/*
 * Without a group, auto.offset.reset=error brings here a partition whose
 * next offset the broker no longer has (retention passed the reader):
 * say how many messages are gone and read on from the log start.
 */
static void
reset(struct sub *s, rd_kafka_message_t *m)
{
	const char *topic = rd_kafka_topic_name(m->rkt);
	int64_t to;
	int st;

	st = kq_partset_restart(&s->ps, kq_partset_find(&s->ps, m), &s->kk,
				&s->c, topic, m->partition, m->offset, &to);
	if (st) {
		halt(s, st);
		return;
	}
	/*
	 * The error stopped the partition (a seek cannot restart it), and
	 * a batch after a restart may hold stale messages (2.0.x): poll.
	 */
	s->use_poll = 1;
	rd_kafka_consume_stop(m->rkt, m->partition);
	if (rd_kafka_consume_start_queue(m->rkt, m->partition, to, s->queue))
		fail(s, EX_UNAVAILABLE, "%s [%d]: %s", topic, (int)m->partition,
		     rd_kafka_err2str(rd_kafka_last_error()));
}

/* --- output -------------------------------------------------------------- */

/* Not inside a wait for the reader: that is a write of the buffer. */
static void
flush(struct sub *s)
{
	if (s->out.len && !s->waiting)
		kq_writer_flush(&s->out);
}

/*
 * One message out, in the chosen form. 0, or -1 to stop: the value is
 * then neither counted nor committed (after a jq halt too, as jq stops).
 */
static int
emit(struct sub *s, rd_kafka_message_t *m)
{
	int rc = kq_print_message(&s->pr, &s->c, m);

	if (rc == KQ_JQ_HALT) {
		flush(s);
		if (s->pr.jq.halt_msg)
			fputs(s->pr.jq.halt_msg, stderr);
		/* halt's status may be 0: it still ends the read. */
		if (s->stop != STOP_ERROR) {
			s->stop = STOP_ERROR;
			s->status = s->pr.jq.halt_status;
		}
	} else if (rc) {
		halt(s, EX_DATAERR);
	}
	return rc ? -1 : 0;
}

/* --- what the reader has taken ------------------------------------------- */

/* The output cannot reach its reader any more. */
static int
gone(struct sub *s)
{
	if (s->stop == STOP_GONE || s->closed || s->out.err)
		return 1;
	if (kq_writer_gone(&s->out)) {
		s->stop = STOP_GONE;
		return 1;
	}
	return 0;
}

/*
 * Store, for librdkafka to commit, what the reader took: exact, every
 * message it read; in blocks, the newest snapshot it took survive ms
 * before it was last seen there.
 */
static void
store(struct sub *s, int64_t now, int64_t survive)
{
	rd_kafka_topic_partition_list_t *l;

	if (!s->group || s->closed ||
	    !(l = kq_points_due(&s->points, now, survive, s->count)))
		return;
	/* Partitions revoked meanwhile fail alone; the rest are stored. */
	if (l->cnt)
		rd_kafka_offsets_store(s->kk.rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

/* Blocks, not exact: where every partition is, as of the output so far. */
static void
snapshot(struct sub *s, int last)
{
	kq_points_snapshot(&s->points, s->pr.put, s->given, last);
}

static void
progress(struct sub *s, int64_t now)
{
	char pct[32];

	if (kq_progress_due(&s->progress, now))
		kq_progress_show(
			&s->progress,
			"\r%s: %llu messages, %.1f MB, %.0f/s%s\033[K",
			kq_progname(), (unsigned long long)s->count,
			(double)s->pr.put / 1e6,
			now > s->progress.t0
				? (double)s->count * 1000.0 /
					  (double)(now - s->progress.t0)
				: 0.0,
			kq_partset_percent(&s->ps, pct, sizeof(pct)));
}

/* Every TICK_MS: hand the output over, store offsets, show progress. */
static void
tick(struct sub *s, int64_t now)
{
	s->next_tick = now + TICK_MS;
	if (s->group) {
		flush(s);
		snapshot(s, 0);
		store(s, now, s->taken.pipe ? SURVIVE_MS : 0);
	}
	progress(s, now);
}

/*
 * Each tick of a wait for the reader: store what it took, keep the
 * group, say once what the wait is for. Non-zero: a signal says stop.
 */
static int
waiting(void *arg)
{
	struct sub *s = arg;
	int64_t now = kq_clock_ms(), since = s->taken.since;

	s->waiting++;
	if (now >= s->next_tick)
		tick(s, now);
	if (now - since >= HOLD_MS && s->group)
		kq_hold_poll(&s->hold);
	if (now - since >= NOTICE_MS && s->noticed != since) {
		s->noticed = since;
		kq_info(&s->c,
			"stdout: waiting for the reader to take %llu more "
			"bytes; %llu message%s not committed until it does",
			(unsigned long long)(s->pr.put -
					     kq_taken_bytes(&s->taken)),
			(unsigned long long)(s->given - s->points.stored),
			s->given - s->points.stored == 1 ? " is" : "s are");
	}
	s->waiting--;
	return kq_stop != 0;
}

/*
 * Exact: the message just given goes to the reader alone, the next only
 * once it read all of it, so whatever its buffer it reads no more than
 * one. 1 once it did; 0 if it went away or a signal came first.
 */
static int
took(struct sub *s)
{
	enum kq_taken_state r;

	flush(s);
	if (s->out.err)
		return 0;
	r = kq_taken_wait(&s->taken);
	if (r == KQ_TAKEN_ALL)
		return 1;
	if (!s->stop)
		s->stop = r == KQ_TAKEN_GONE ? STOP_GONE : STOP_SIGNAL;
	return 0;
}

/*
 * The end of the read: wait, however long, for the reader to take all
 * that was written and still be there a moment later, then store what
 * it took. A signal ends the wait with what was taken until then.
 */
static void
store_last(struct sub *s)
{
	enum kq_taken_state r = KQ_TAKEN_ALL;
	int64_t until;

	flush(s);
	if (s->out.err == ECANCELED) /* a signal while the reader was slow */
		s->stop = STOP_SIGNAL;
	if (!s->group)
		return;
	snapshot(s, 1);
	if (s->points.exact || !s->taken.pipe) {
		store(s, kq_clock_ms(), 0);
		return;
	}
	if (!gone(s) && s->stop != STOP_SIGNAL)
		r = kq_taken_wait(&s->taken);
	if (r == KQ_TAKEN_ALL && !gone(s)) {
		store(s, kq_clock_ms(), END_SURVIVE_MS); /* seen taken now */
		until = kq_clock_ms() + END_SURVIVE_MS;
		while (kq_clock_ms() < until && !kq_taken_gone(&s->taken))
			usleep(5000);
	}
	store(s, kq_clock_ms(), END_SURVIVE_MS);
	if (r == KQ_TAKEN_STOPPED)
		s->stop = STOP_SIGNAL;
	if (r == KQ_TAKEN_GONE && s->given > s->points.stored)
		kq_info(&s->c,
			"stdout: the reader went away: %llu of the %llu "
			"messages written are not committed",
			(unsigned long long)(s->given - s->points.stored),
			(unsigned long long)s->given);
}

/* --- the group ------------------------------------------------------------ */

static void
on_assign(struct sub *s, rd_kafka_topic_partition_list_t *parts)
{
	/* -o moves the group once, on its first assignment. */
	int set_offsets = s->have_spec && s->spec.kind != KQ_OFFSET_STORED &&
			  !s->assigned_once;

	kq_partset_assign(&s->ps, parts);
	/* Else the group's committed offsets rule. */
	halt(s, kq_partset_locate(&s->ps, &s->kk, &s->c, parts,
				  set_offsets ? &s->spec : NULL));
}

static void
on_revoke(struct sub *s, const rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_resp_err_t err;

	/* What the reader took of these partitions is theirs to keep. */
	if (!s->closed) {
		flush(s);
		snapshot(s, 1);
		store(s, kq_clock_ms(), s->taken.pipe ? SURVIVE_MS : 0);
	}
	err = rd_kafka_commit(s->kk.rk, NULL, 0);
	if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET && s->c.verbose)
		kq_warn("commit: %s", rd_kafka_err2str(err));
	kq_taken_forget(&s->taken);
	kq_hold_drop(&s->hold, parts);
	kq_partset_revoke(&s->ps, parts);
}

static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
	     rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct sub *s = sub_of(opaque);
	int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, dropped;
	const char *why;
	char buf[512];

	if (assign)
		on_assign(s, parts);
	else
		on_revoke(s, parts);
	why = kq_consume_rebalance(rk, &s->c, err, parts, &dropped, buf,
				   sizeof(buf));
	if (assign) {
		kq_hold_assigned(&s->hold, parts);
		s->assigned_once = 1;
		s->rebalancing = 0;
	} else if (dropped) {
		s->rebalancing = 1;
	}
	if (why)
		fail(s, EX_SOFTWARE, "rebalance: %s", why);
}

/* --- the read ------------------------------------------------------------- */

/* The partitions of a topic (waited for without -e); -1 after a word. */
static int
check_topic(struct sub *s, const char *name)
{
	int n = kq_consume_topic(&s->kk, name, !s->exit_at_end);

	if (n == KQ_CONSUME_STOPPED)
		s->stop = STOP_SIGNAL;
	else if (n < 0)
		halt(s, EX_UNAVAILABLE);
	return n < 0 ? -1 : n;
}

static int
start_group(struct sub *s)
{
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(s->ntopic_names);
	rd_kafka_resp_err_t err;
	int i;

	for (i = 0; i < s->ntopic_names; i++) {
		if (s->topic_names[i][0] != '^' &&
		    check_topic(s, s->topic_names[i]) < 0)
			break;
		rd_kafka_topic_partition_list_add(l, s->topic_names[i],
						  RD_KAFKA_PARTITION_UA);
	}
	if (!s->stop && (err = rd_kafka_subscribe(s->kk.rk, l)))
		fail(s, EX_UNAVAILABLE, "subscribe: %s", rd_kafka_err2str(err));
	rd_kafka_topic_partition_list_destroy(l);
	return s->stop ? -1 : 0;
}

static int
start_simple(struct sub *s)
{
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(8);
	int i, k;

	for (i = 0; i < s->ntopic_names && !s->stop; i++) {
		const char *name = s->topic_names[i];
		int n = check_topic(s, name);

		if (n < 0)
			break;
		for (k = 0; k < (s->npartitions ? s->npartitions : n); k++) {
			int32_t p = s->npartitions ? s->partitions[k] : k;

			if (p >= n) {
				fail(s, EX_UNAVAILABLE,
				     "%s: no partition %d (it has %d)", name,
				     (int)p, n);
				break;
			}
			rd_kafka_topic_partition_list_add(l, name, p);
		}
	}
	if (!s->stop)
		halt(s, kq_partset_locate(&s->ps, &s->kk, &s->c, l, &s->spec));
	s->queue = rd_kafka_queue_new(s->kk.rk);
	if (!s->stop && kq_consume_start(&s->ps, s->kk.rk, s->queue, l))
		halt(s, EX_UNAVAILABLE);
	s->assigned_once = 1;
	rd_kafka_topic_partition_list_destroy(l);
	return s->stop ? -1 : 0;
}

/* A message with an error: an end, a reset, or a failure. */
static void
on_error(struct sub *s, rd_kafka_message_t *m)
{
	struct kq_part *p;

	switch (m->err) {
	case RD_KAFKA_RESP_ERR__PARTITION_EOF:
		p = kq_partset_find(&s->ps, m);
		if (p && p->end >= 0 && m->offset >= p->end)
			kq_partset_done(&s->ps, p);
		break;
	case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
		if (s->own_reset)
			reset(s, m);
		else
			fail(s, EX_UNAVAILABLE, "%s [%d]: %s",
			     rd_kafka_topic_name(m->rkt), (int)m->partition,
			     rd_kafka_message_errstr(m));
		break;
	default:
		halt(s, kq_consume_error(&s->c, m));
	}
}

/*
 * Every broker down: say so within a second, once, naming the address and
 * why; and say when a broker answers again (a fetch brought something).
 */
static void
outage(struct sub *s, int answered)
{
	if (answered) {
		kq_kafka_answered(&s->kk);
	} else if (s->kk.all_down_ms && !s->kk.down_said &&
		   kq_clock_ms() - s->kk.all_down_ms >= SAY_DOWN_MS) {
		kq_progress_clear(&s->progress);
		kq_kafka_say_down(&s->kk, "still trying");
	}
}

static void
handle(struct sub *s, rd_kafka_message_t *m)
{
	struct kq_part *p;

	if (s->kk.all_down_ms &&
	    (!m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF))
		outage(s, 1);
	if (m->err) {
		on_error(s, m);
		return;
	}
	p = kq_partset_find(&s->ps, m);
	if (!p || p->done)
		return;
	if (p->end >= 0 && m->offset >= p->end) {
		kq_partset_done(&s->ps, p);
		return;
	}
	if (p->skip_before >= 0) {
		if (rd_kafka_message_timestamp(m, NULL) < p->skip_before) {
			p->next = m->offset + 1;
			return;
		}
		p->skip_before = -1;
	}
	if (s->until >= 0 && rd_kafka_message_timestamp(m, NULL) >= s->until) {
		kq_partset_done(&s->ps, p);
		return;
	}
	if (emit(s, m))
		return;
	s->given++;
	if (s->points.exact && !took(s))
		return;
	s->count++;
	if (s->max >= 0 && (int64_t)s->count >= s->max)
		s->stop = STOP_COUNT;
	/* A wait for the reader may have served a rebalance. */
	if (s->group && !(p = kq_partset_find(&s->ps, m)))
		return;
	p->next = m->offset + 1;
	if (p->end >= 0 && p->next >= p->end)
		kq_partset_done(&s->ps, p);
	if (s->unbuffered)
		flush(s);
}

static void
check_end(struct sub *s)
{
	if (s->stop || (!s->ps.ends && s->until < 0))
		return;
	if (!s->assigned_once || s->rebalancing)
		return;
	if (s->ps.nassigned == 0 && !s->ps.ends)
		return;
	if (s->ps.ndone >= s->ps.nassigned)
		s->stop = STOP_END;
}

static ssize_t
fetch(struct sub *s, rd_kafka_message_t **msgs, int timeout)
{
	return kq_consume_fetch(s->kk.rk, s->group ? NULL : s->queue, &s->hold,
				s->use_poll, msgs, BATCH, timeout);
}

/* Nothing to read now: hand the output over and check the clocks. */
static int
idle(struct sub *s)
{
	int64_t now, wait = WAIT_MS;

	flush(s);
	if (!s->group)
		rd_kafka_poll(s->kk.rk, 0); /* error and log callbacks */
	outage(s, 0);
	now = kq_clock_ms();
	if (now >= s->next_tick)
		tick(s, now);
	if (gone(s) || s->out.err)
		return 0;
	if (s->kk.fatal) {
		fail(s, EX_UNAVAILABLE, "%s", kq_kafka_reason(&s->kk));
		return 0;
	}
	if (s->until >= 0 && !s->ps.ends && kq_now_ms() >= s->until)
		halt(s, kq_partset_end_now(&s->ps, &s->kk));
	/* Waiting for the group to give us partitions is not idleness. */
	if (!s->assigned_once || s->rebalancing)
		s->last_msg = now;
	if (s->idle_ms >= 0) {
		if (now - s->last_msg >= s->idle_ms) {
			s->stop = STOP_IDLE;
			return 0;
		}
		if (s->idle_ms - (now - s->last_msg) < wait)
			wait = s->idle_ms - (now - s->last_msg);
	}
	return (int)wait;
}

static void
run(struct sub *s)
{
	static rd_kafka_message_t *msgs[BATCH];
	ssize_t n, i;
	uint64_t before;

	s->last_msg = kq_clock_ms();
	s->next_tick = s->last_msg + TICK_MS;
	for (;;) {
		check_end(s);
		if (!s->stop && kq_stop)
			s->stop = STOP_SIGNAL;
		if (s->stop)
			break;
		n = fetch(s, msgs, 0);
		if (n == 0) {
			int wait = idle(s);

			if (s->stop || s->out.err)
				break;
			n = fetch(s, msgs, wait);
		}
		if (n < 0) {
			fail(s, EX_SOFTWARE, "consume: %s",
			     rd_kafka_err2str(rd_kafka_last_error()));
			break;
		}
		before = s->count;
		kq_wake_check(&s->wake, &s->ps);
		for (i = 0; i < n; i++) {
			if (!s->stop)
				handle(s, msgs[i]);
			rd_kafka_message_destroy(msgs[i]);
		}
		if (s->out.err)
			break;
		if (n > 0) {
			int64_t now = kq_clock_ms();

			if (s->count != before)
				s->last_msg = now;
			if (now >= s->next_tick)
				tick(s, now);
		}
	}
	/* kq_writer_finish reports any other write error. */
	if (s->out.err == EPIPE)
		s->stop = STOP_GONE;
	else if (s->out.err == ECANCELED) /* a signal in a wait */
		s->stop = STOP_SIGNAL;
	else if (s->out.err && s->stop != STOP_ERROR)
		s->stop = STOP_ERROR, s->status = EX_IOERR;
}

/* --- setting up ----------------------------------------------------------- */

/* --until's time (or kcat's -o e@TS): @MS, an ISO 8601 time, @-DURATION. */
static int64_t
until_time(struct sub *s, const char *a)
{
	int64_t ms;

	if (kq_parse_time(a, kq_now_ms(), &ms))
		kq_usage(&s->c,
			 "--until: '%s' is not a time (@MS, "
			 "@2024-05-01T12:00:00Z or @-DURATION)",
			 a);
	return ms;
}

static void
parse_options(struct sub *s, int argc, char **argv)
{
	const char *format = NULL, *filter = NULL, *console;
	int key, json = 0, json_values = 0, raw = 0;

	while ((key = kq_getopt(&s->c, argc, argv)) != -1) {
		const char *a = s->c.arg;

		switch (key) {
		case 't':
			s->topic_names =
				kq_erealloc(s->topic_names,
					    (s->ntopic_names + 1) *
						    sizeof(*s->topic_names));
			/* ^REGEX (with -g) is a pattern, not a name. */
			s->topic_names[s->ntopic_names++] =
				a[0] == '^' ? a : kq_etopic("-t", a);
			break;
		case 'p':
			s->partitions = kq_erealloc(
				s->partitions,
				(s->npartitions + 1) * sizeof(*s->partitions));
			s->partitions[s->npartitions++] =
				(int32_t)kq_eint("-p", a, 0, INT32_MAX);
			break;
		case 'o':
			/* kcat's -o e@TS: where to stop, as --until. */
			if (a[0] == 'e' && a[1] == '@') {
				s->until = until_time(s, a + 1);
				break;
			}
			s->spec = kq_eoffset("-o", a);
			s->have_spec = 1;
			break;
		case OPT_FROM_BEGINNING:
			s->spec.kind = KQ_OFFSET_BEGINNING;
			s->spec.value = 0;
			s->have_spec = 1;
			break;
		case 'g':
			if (!*a)
				kq_usage(&s->c, "-g: the group needs a name");
			s->group = a;
			break;
		case 'c':
			s->max = kq_eint("-c", a, 1, INT64_MAX);
			break;
		case 'e':
			s->exit_at_end = 1;
			break;
		case OPT_UNTIL:
			s->until = until_time(s, a);
			break;
		case OPT_IDLE:
			s->idle_ms = kq_eduration("--idle-timeout", a);
			break;
		case 'D':
			s->pr.delim = kq_edelim("-D", a);
			s->have_delim = 1;
			break;
		case '0':
			s->pr.delim = kq_edelim("-0", "\\0");
			s->have_delim = 1;
			break;
		case 'K':
			s->pr.kdelim = kq_edelim("-K", a);
			break;
		case 'f':
			format = a;
			break;
		case 'J':
			json = 1;
			break;
		case OPT_JSON_VALUES:
			json_values = 1;
			break;
		case OPT_JQ:
			filter = a;
			break;
		case 'r':
			raw = 1;
			break;
		case OPT_KEEP_GOING:
			s->pr.keep_going = 1;
			break;
		case 'Z':
			s->pr.show_null = 1;
			break;
		case 'u':
			s->unbuffered = 1;
			break;
		case OPT_FAST:
			s->fast = 1;
			break;
		default:
			kq_usage(&s->c, NULL);
		}
	}
	if (optind < argc)
		kq_usage(&s->c, "unexpected argument '%s'", argv[optind]);
	if ((console = kq_print_console(&s->pr, &s->c))) {
		if (format)
			kq_usage(&s->c, "--property print.* and -f each choose "
					"the output; give one");
		format = console;
	}
	if (s->ntopic_names == 0)
		kq_usage(&s->c, "no topic: give one with -t");
	if (!s->have_delim)
		s->pr.delim = kq_edelim("-D", "\\n");
	kq_print_check(&s->pr, &s->c, format, json, json_values, filter, raw,
		       s->have_delim);
	if (s->group) {
		if (s->npartitions)
			kq_usage(&s->c, "-p and -g do not go together: the "
					"group assigns the partitions");
	} else {
		int i;

		if (s->have_spec && s->spec.kind == KQ_OFFSET_STORED)
			kq_usage(&s->c, "-o stored needs a group (-g)");
		for (i = 0; i < s->ntopic_names; i++)
			if (s->topic_names[i][0] == '^')
				kq_usage(&s->c,
					 "-t %s: a pattern needs a group (-g)",
					 s->topic_names[i]);
	}

	kq_print_choose(&s->pr, &s->c, format, json, json_values, filter, raw);
}

static rd_kafka_conf_t *
consumer_conf(struct sub *s)
{
	struct kq_default d[16];
	rd_kafka_conf_t *rc;
	int n = 0;

	/*
	 * -X overrides each. Against the mock broker, which holds an empty
	 * fetch for all of fetch.wait.max.ms, 10 ms makes a live tail show
	 * each message at once; a larger queued.min.messages bought no
	 * speed and cost memory (a whole topic held for a slow reader).
	 */
	d[n++] = (struct kq_default){"isolation.level", "read_committed"};
	d[n++] = (struct kq_default){"enable.partition.eof", "true"};
	d[n++] = (struct kq_default){"fetch.wait.max.ms", "10"};
	/* A record damaged on a broker's disk is an error, not a value. */
	d[n++] = (struct kq_default){"check.crcs", "true"};
	if (!kq_conf_prop(&s->c, "auto.offset.reset") &&
	    !kq_conf_prop(&s->c, "topic.auto.offset.reset")) {
		/*
		 * A group starts where it has no commit at the beginning,
		 * so it skips nothing. Without one, a gone offset comes to
		 * us, to be counted and reported.
		 */
		d[n++] = (struct kq_default){"auto.offset.reset",
					     s->group ? "earliest" : "error"};
		s->own_reset = !s->group;
	}
	if (s->group) {
		d[n++] = (struct kq_default){"enable.auto.commit", "true"};
		d[n++] = (struct kq_default){"enable.auto.offset.store",
					     "false"};
		d[n++] = (struct kq_default){"auto.commit.interval.ms", "1000"};
		/* A member that died hands its partitions on in seconds. */
		d[n++] = (struct kq_default){"session.timeout.ms", "6000"};
		d[n++] = (struct kq_default){"heartbeat.interval.ms", "2000"};
	}
	d[n] = (struct kq_default){NULL, NULL};
	rc = kq_kafka_conf(&s->kk, &s->c, d);
	if (s->group) {
		kq_kafka_set(rc, "group.id", s->group);
		rd_kafka_conf_set_rebalance_cb(rc, rebalance_cb);
		rd_kafka_conf_set_offset_commit_cb(rc, kq_consume_commit_cb);
	}
	return rc;
}

static void
cleanup(struct sub *s)
{
	free(s->topic_names);
	free(s->partitions);
	kq_print_free(&s->pr);
	kq_conf_free(&s->c);
}

int
main(int argc, char **argv)
{
	static struct sub sub;
	struct sub *s = &sub;
	struct stat st;
	rd_kafka_resp_err_t err;
	int wstatus, status;

	s->max = s->until = s->idle_ms = -1;
	s->spec.kind = KQ_OFFSET_END; /* as kafka-console-consumer */
	kq_conf_init(&s->c, &cmd, argv);
	parse_options(s, argc, argv);
	/* "Read what is there": kcat -C -e starts at the beginning too. */
	if (s->exit_at_end && !s->have_spec && !s->group)
		s->spec.kind = KQ_OFFSET_BEGINNING;
	kq_conf_finish(&s->c);
	kq_sig_install();

	s->points.exact = s->group && !s->fast && fstat(1, &st) == 0 &&
			  S_ISFIFO(st.st_mode);
	kq_progress_init(&s->progress, 2, !s->c.quiet && isatty(2),
			 kq_clock_ms(), 0, 500);
	s->ps.ends =
		s->exit_at_end || (s->until >= 0 && s->until <= kq_now_ms());
	kq_writer_init(&s->out, 1, "stdout", OUT_BUF);
	s->pr.out = &s->out;
	if (s->group) {
		kq_taken_init(&s->taken, 1, s->points.exact);
		s->points.ps = &s->ps;
		s->points.taken = &s->taken;
		s->taken.idle = waiting;
		s->taken.idle_arg = s;
		s->taken.drop = kq_points_drop;
		s->out.write = kq_taken_write;
		s->out.write_arg = &s->taken;
	}
	kq_kafka_open(&s->kk, RD_KAFKA_CONSUMER, consumer_conf(s));
	kq_hold_init(&s->hold, s->kk.rk);

	if (s->group) {
		rd_kafka_poll_set_consumer(s->kk.rk);
		kq_wake_init(&s->wake, s->kk.rk,
			     rd_kafka_queue_get_consumer(s->kk.rk), BATCH);
		if (start_group(s) == 0)
			run(s);
	} else if (start_simple(s) == 0) {
		kq_wake_init(&s->wake, s->kk.rk, s->queue, BATCH);
		run(s);
	}

	/* Even after an error or a reader gone: what it took is done. */
	store_last(s);
	kq_progress_clear(&s->progress);
	kq_hold_drop(&s->hold, NULL);
	kq_taken_close(&s->taken);
	wstatus = kq_writer_finish(&s->out);
	s->closed = 1;
	if (s->group) {
		/* The stored offsets: only what the reader took. */
		err = rd_kafka_commit(s->kk.rk, NULL, 0);
		if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
			kq_warn("commit: %s", rd_kafka_err2str(err));
		rd_kafka_consumer_close(s->kk.rk);
	}
	if (s->wake.q && s->wake.q != s->queue)
		rd_kafka_queue_destroy(s->wake.q);
	if (s->queue)
		rd_kafka_queue_destroy(s->queue);
	kq_partset_free(&s->ps);
	kq_kafka_close(&s->kk);

	switch (s->stop) {
	case STOP_SIGNAL:
		status = KQ_EX_INTERRUPTED;
		break;
	case STOP_ERROR:
		status = s->status;
		break;
	case STOP_END:
	case STOP_IDLE:
		status = 0;
		if (s->max >= 0 && (int64_t)s->count < s->max) {
			kq_info(&s->c, "short read: %llu of %lld messages",
				(unsigned long long)s->count,
				(long long)s->max);
			status = KQ_EX_PARTIAL;
		}
		break;
	default:
		status = 0;
	}
	if (wstatus)
		status = wstatus;
	/*
	 * The count is of messages handed to stdout: no use when stdout
	 * failed (none may have arrived) or the reader left, nor after a
	 * failure that came before any message.
	 */
	if (s->stop != STOP_GONE && !wstatus &&
	    !(s->stop == STOP_ERROR && s->count == 0))
		kq_info(&s->c, "Processed a total of %llu messages",
			(unsigned long long)s->count);
	cleanup(s);
	return status;
}
