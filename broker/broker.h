/*
 * The broker as a whole: its settings and the state every module shares
 * (the loop, the topics, the groups), the connection layer it embeds and
 * sets up (net.h, which hands each request to api.c's kb_api_proto with
 * the broker as its arg), and the log lines it writes to stderr. One
 * broker per process; no global state.
 */
#ifndef KB_BROKER_H
#define KB_BROKER_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "cleaner.h"
#include "die.h"
#include "loop.h"
#include "net.h"
#include "offsets.h"
#include "producers.h"
#include "topics.h"

enum kb_fsync { KB_FSYNC_NEVER, KB_FSYNC_INTERVAL, KB_FSYNC_ALWAYS };

/* How often --fsync interval syncs, and retention is checked. */
#define KB_FSYNC_INTERVAL_MS  1000
#define KB_RETENTION_CHECK_MS 5000

struct kb_park;
struct kb_group;
struct kb_txns;

struct kb_broker {
	/* Settings, from the command line. */
	char *host; /* advertised in Metadata */
	int port;
	int32_t node_id;
	enum kb_fsync fsync;
	int auto_create;     /* topics made on Metadata requests */
	int auto_partitions; /* their partition count */
	int verbose, quiet;

	struct kb_loop *loop;
	int lockfd; /* holds the data directory's lock */
	struct kb_topics topics;
	struct kb_offsets offsets;
	struct kb_pids pids;
	struct kb_group *groups; /* a list */
	struct kb_txns *txns;	 /* the transaction coordinator (txn.c) */

	/* Connections: their settings (the limits) and state. */
	struct kb_net net;

	/* Fetches waiting for data (long polling). */
	struct kb_park *parked;
	int appended; /* data came since the parked fetches were looked at */
	uint64_t timer_fsync, timer_retain;
	int fsync_failed;	 /* logged once: a failed sync fails for good */
	struct kb_syncer syncer; /* the logs' syncs, off the loop */
	struct kb_cleaner cleaner; /* compaction, off the loop */
	uint64_t timer_clean;
};

/* A notable event: "kq-broker: message" on stderr, unless -q. */
void kb_note(const struct kb_broker *b, const char *fmt, ...) KQ_PRINTF(2, 3);
/* With -v only. */
void kb_debug(const struct kb_broker *b, const char *fmt, ...) KQ_PRINTF(2, 3);

/* fsync what --fsync always asks for, after a request stored data. */
int kb_broker_sync_logs(struct kb_broker *b);

/* What the command line gives kb_broker_open. */
struct kb_settings {
	const char *listen_host;
	int listen_port;
	const char *data_dir;
	enum kb_fsync fsync;
	int auto_create, auto_partitions;
	int max_conns, max_conns_ip; /* 0: max_conns */
	size_t max_request, max_memory;
	int64_t idle_ms, request_ms; /* 0: never */
	struct kb_logconf defaults;
	int verbose, quiet;
};

/*
 * Lock and open the data directory (recovering every partition), then
 * listen. 0, or an exit status with a message in err.
 */
int kb_broker_open(struct kb_broker *b, const struct kb_settings *s, char *err,
		   size_t errsize);
/*
 * Create a topic if it does not exist (--topic); 0, or an exit status
 * with a message in err.
 */
int kb_broker_topic(struct kb_broker *b, const char *name, int partitions,
		    char *err, size_t errsize);
/* Serve until *stop is set. */
void kb_broker_run(struct kb_broker *b, volatile sig_atomic_t *stop);
/* Answer what waits, flush and sync everything, close. */
void kb_broker_close(struct kb_broker *b);

#endif
