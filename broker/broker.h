/*
 * The broker as a whole: its settings and the state every module shares
 * (the loop, the topics, the groups, the connections), and the log lines
 * it writes to stderr. One broker per process; no global state.
 */
#ifndef KB_BROKER_H
#define KB_BROKER_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "cleaner.h"
#include "die.h"
#include "loop.h"
#include "offsets.h"
#include "producers.h"
#include "topics.h"

enum kb_fsync { KB_FSYNC_NEVER, KB_FSYNC_INTERVAL, KB_FSYNC_ALWAYS };

/* How often --fsync interval syncs, and retention is checked. */
#define KB_FSYNC_INTERVAL_MS  1000
#define KB_RETENTION_CHECK_MS 5000

/* The limits on connections, each logged at most every 10 seconds. */
enum {
	KB_LIMIT_CONNS,
	KB_LIMIT_CONNS_IP,
	KB_LIMIT_MEMORY,
	KB_LIMIT_IDLE,
	KB_LIMIT_REQUEST,
	KB_LIMIT_ANSWER,
	KB_NLIMITS
};

struct kb_conn;
struct kb_proto;
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
	int max_conns;
	int max_conns_ip;   /* from one address */
	size_t max_request; /* the largest request frame */
	size_t max_memory;  /* held by all connections together */
	int64_t idle_ms;    /* a connection with no traffic is closed */
	int64_t request_ms; /* to send a whole request, or take an answer */
	int verbose, quiet;

	struct kb_loop *loop;
	int lockfd; /* holds the data directory's lock */
	struct kb_topics topics;
	struct kb_offsets offsets;
	struct kb_pids pids;
	struct kb_group *groups; /* a list */
	struct kb_txns *txns;	 /* the transaction coordinator (txn.c) */

	/* Connections. */
	const struct kb_proto *proto; /* the requests they carry */
	int lfd;
	struct kb_conn *conns; /* a list */
	struct kb_conn *ready; /* unparked, to be resumed before sleeping */
	int nconns;
	uint64_t next_conn_id;
	size_t mem;	      /* bytes held by connections */
	size_t mem_out;	      /* of which answers and parked Fetches */
	int mem_waits;	      /* connections waiting for memory */
	int nheld;	      /* connections whose answers wait for a sync */
	uint64_t timer_sweep; /* closes idle and slow connections */
	/* When each limit was last logged, and how often hit since. */
	int64_t limit_at[KB_NLIMITS];
	unsigned long limit_more[KB_NLIMITS];

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
