#include "broker.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "datadir.h"
#include "groups.h"
#include "txn.h"
#include "spec.h"

static void
vnote(const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	kq_warn("%s", line);
}

void
kb_note(const struct kb_broker *b, const char *fmt, ...)
{
	va_list ap;

	if (b->quiet)
		return;
	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

void
kb_debug(const struct kb_broker *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->verbose)
		return;
	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

int
kb_broker_sync_logs(struct kb_broker *b)
{
	int i, p, fail = 0;

	for (i = 0; i < b->topics.n; i++)
		for (p = 0; p < b->topics.v[i]->nparts; p++)
			if (kb_log_sync(&b->topics.v[i]->parts[p]))
				fail = -1;
	if (kb_offsets_sync(&b->offsets))
		fail = -1;
	return fail;
}

/*
 * Each second: --fsync interval syncs; in every mode, the recovery points
 * the syncs moved are written. The syncer does both on its thread: the
 * loop only hands the work over and, a second later, takes the results
 * (while the thread is still at them, this second's wait a second more).
 */
static void
fsync_tick(struct kb_loop *l, void *arg)
{
	struct kb_broker *b = arg;
	int i, p, rc, fail = 0, data = b->fsync == KB_FSYNC_INTERVAL;

	if ((rc = kb_syncer_collect(&b->syncer)) < 0)
		fail = errno;
	for (i = 0; rc != 1 && i < b->topics.n; i++)
		for (p = 0; p < b->topics.v[i]->nparts; p++)
			if (kb_log_sync_later(&b->syncer,
					      &b->topics.v[i]->parts[p], data))
				fail = errno;
	if (rc != 1)
		kb_syncer_kick(&b->syncer);
	if (data && kb_offsets_sync(&b->offsets))
		fail = errno;
	if (data && fail && !b->fsync_failed) {
		b->fsync_failed = 1;
		kb_note(b,
			"fsync: %s: the files it failed on refuse "
			"writes until a restart",
			strerror(fail));
	}
	b->timer_fsync = kb_timer_add(l, KB_FSYNC_INTERVAL_MS, fsync_tick, b);
}

static void
retain_tick(struct kb_loop *l, void *arg)
{
	struct kb_broker *b = arg;
	int64_t now = kq_now_ms();
	int i, p, n;

	for (i = 0; i < b->topics.n; i++) {
		struct kb_topic *t = b->topics.v[i];

		for (p = 0; p < t->nparts; p++) {
			int64_t before = t->parts[p].start;

			if ((n = kb_log_retain(&t->parts[p], now)) > 0)
				kb_debug(b,
					 "%s: retention removed %d segment%s "
					 "(log start %lld -> %lld)",
					 t->parts[p].name, n, n == 1 ? "" : "s",
					 (long long)before,
					 (long long)t->parts[p].start);
		}
	}
	b->timer_retain =
		kb_timer_add(l, KB_RETENTION_CHECK_MS, retain_tick, b);
}

/*
 * Compaction: the thread works a step (the offset map, a segment's copy)
 * at a time; the loop swaps each copy in, soon after it is ready while
 * a pass runs, and looks for a log due a pass each second.
 */
static void
clean_tick(struct kb_loop *l, void *arg)
{
	struct kb_broker *b = arg;
	char note[4400];
	int fail = 0,
	    busy = kb_cleaner_tick(&b->cleaner, &b->topics, kq_now_ms(), &fail,
				   note, sizeof(note));

	if (*note && fail)
		kb_note(b, "%s", note);
	else if (*note)
		kb_debug(b, "%s", note);
	b->timer_clean = kb_timer_add(l, busy ? 50 : 1000, clean_tick, b);
}

/*
 * The group commit of --fsync always: the logs the turn's Produce
 * requests appended to are synced, one fdatasync each, then their held
 * answers go (or, when a sync failed, their connections are closed).
 */
static void
commit(struct kb_broker *b)
{
	int failed;

	if (!kb_syncer_due(&b->syncer) && !b->net.nheld)
		return;
	failed = kb_syncer_sync_due(&b->syncer) != 0;
	if (failed && !b->fsync_failed) {
		b->fsync_failed = 1;
		kb_note(b,
			"fsync: %s: the files it failed on refuse "
			"writes until a restart",
			strerror(errno));
	}
	kb_net_release(&b->net, failed);
}

/*
 * Before each sleep: the turn's data is synced first (--fsync always),
 * so that parked Fetches woken next are served only what is on disk.
 */
static void
before_sleep(struct kb_loop *l, void *arg)
{
	struct kb_broker *b = arg;

	(void)l;
	do {
		commit(b);
		kb_fetch_wake(b);
		kb_net_resume(&b->net);
		kb_net_tick(&b->net);
	} while (b->appended || b->net.ready || kb_syncer_due(&b->syncer) ||
		 b->net.nheld);
}

/* The connection layer's settings: s's limits, for api.c's requests. */
static void
net_settings(struct kb_broker *b, const struct kb_settings *s)
{
	struct kb_net *n = &b->net;

	n->proto = &kb_api_proto;
	n->arg = b;
	n->lfd = -1;
	n->max_conns = s->max_conns;
	n->max_conns_ip = s->max_conns_ip ? s->max_conns_ip : s->max_conns;
	n->max_request = s->max_request;
	n->max_memory = s->max_memory;
	n->idle_ms = s->idle_ms;
	n->request_ms = s->request_ms;
	n->verbose = s->verbose;
	n->quiet = s->quiet;
}

int
kb_broker_open(struct kb_broker *b, const struct kb_settings *s, char *err,
	       size_t errsize)
{
	char host[256], note[4200];
	int rc;

	memset(b, 0, sizeof(*b));
	b->lockfd = -1;
	b->pids.fd = -1;
	b->offsets.fd = -1;
	b->node_id = 1;
	b->fsync = s->fsync;
	b->auto_create = s->auto_create;
	b->auto_partitions = s->auto_partitions;
	b->verbose = s->verbose;
	b->quiet = s->quiet;
	net_settings(b, s);
	if (!(b->net.loop = b->loop = kb_loop_new())) {
		snprintf(err, errsize, "epoll: %s", strerror(errno));
		return EX_OSERR;
	}
	if (kb_mkdir_p(s->data_dir) < 0) {
		snprintf(err, errsize, "%s: %s", s->data_dir, strerror(errno));
		return EX_CANTCREAT;
	}
	if ((rc = kb_datadir_open(s->data_dir, &b->lockfd, note, sizeof(note),
				  err, errsize)))
		return rc;
	if (*note)
		kb_note(b, "%s", note);
	if (kb_topics_open(&b->topics, s->data_dir, &s->defaults, err, errsize))
		return EX_IOERR;
	if (kb_offsets_open(&b->offsets, s->data_dir, err, errsize) ||
	    kb_offsets_fit(&b->offsets, &b->topics, err, errsize))
		return EX_IOERR;
	if (kb_pids_open(&b->pids, s->data_dir)) {
		snprintf(err, errsize, "%s/producer-ids: %s", s->data_dir,
			 strerror(errno));
		return EX_IOERR;
	}
	if (kb_groups_load(b)) {
		snprintf(err, errsize, "%s/group-metadata: %s", s->data_dir,
			 strerror(errno));
		return EX_IOERR;
	}
	if (kb_txn_open(b, s->data_dir, err, errsize))
		return EX_IOERR;
	if (kb_net_listen(&b->net, s->listen_host, s->listen_port, err,
			  errsize))
		return EX_UNAVAILABLE;
	b->port = kb_net_port(&b->net);
	/* A wildcard address is no address to give clients. */
	if (!*s->listen_host || !strcmp(s->listen_host, "0.0.0.0") ||
	    !strcmp(s->listen_host, "::")) {
		if (gethostname(host, sizeof(host)))
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = 0;
		b->host = kq_estrdup(host);
	} else {
		b->host = kq_estrdup(s->listen_host);
	}
	/* Without the thread, the loop syncs by itself, as it can. */
	if ((rc = kb_syncer_start(&b->syncer)))
		kb_note(b, "no sync thread (%s): syncs stall the broker",
			strerror(rc));
	if ((rc = kb_cleaner_start(&b->cleaner, KB_CLEANER_MAP_BYTES)))
		kb_note(b, "no cleaner thread (%s): no log compaction",
			strerror(rc));
	else
		b->timer_clean = kb_timer_add(b->loop, 1000, clean_tick, b);
	kb_loop_before_sleep(b->loop, before_sleep, b);
	b->timer_fsync =
		kb_timer_add(b->loop, KB_FSYNC_INTERVAL_MS, fsync_tick, b);
	b->timer_retain = kb_timer_add(b->loop, 0, retain_tick, b);
	return 0;
}

int
kb_broker_topic(struct kb_broker *b, const char *name, int partitions,
		char *err, size_t errsize)
{
	struct kb_topic *t =
		kb_topics_find(&b->topics, name, (int)strlen(name));
	char why[512];
	int rc;

	if (t) {
		if (t->nparts < partitions &&
		    (rc = kb_topics_grow(&b->topics, t, partitions, 0, why,
					 sizeof(why)))) {
			snprintf(err, errsize, "--topic %s: %s", name, why);
			return EX_IOERR;
		}
		if (t->nparts > partitions)
			kb_note(b,
				"topic %s has %d partitions already (more than "
				"--topic asks)",
				name, t->nparts);
		return 0;
	}
	rc = kb_topics_create(&b->topics, name, partitions, NULL, 0, 0, NULL,
			      why, sizeof(why));
	if (rc) {
		snprintf(err, errsize, "--topic %s: %s", name, why);
		return rc == 17 ? EX_USAGE : EX_IOERR;
	}
	return 0;
}

void
kb_broker_run(struct kb_broker *b, volatile sig_atomic_t *stop)
{
	kb_loop_run(b->loop, stop);
}

void
kb_broker_close(struct kb_broker *b)
{
	if (b->loop) {
		kb_fetch_flush(b);
		kb_net_resume(&b->net);
		commit(b);
		kb_groups_free(b);
		kb_net_close(&b->net);
	}
	kb_txn_close(b);
	kb_topics_close(&b->topics);
	kb_cleaner_stop(&b->cleaner);
	kb_syncer_stop(&b->syncer);
	kb_offsets_close(&b->offsets);
	kb_pids_close(&b->pids);
	if (b->lockfd >= 0)
		close(b->lockfd);
	kb_loop_free(b->loop);
	free(b->host);
	memset(b, 0, sizeof(*b));
	b->lockfd = b->net.lfd = -1;
}
