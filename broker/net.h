/*
 * The network side: the listening socket, connections with one read
 * buffer and one write queue each, request framing and the limits on
 * connections, request size and buffered memory. Requests of a connection
 * are handled one at a time, so responses go back in request order; a
 * request that must wait (a long-polling Fetch, a JoinGroup) parks the
 * connection until it is answered.
 *
 * --max-memory bounds what connections hold: input buffers, which grow
 * with the bytes that came, never to what a length prefix announces;
 * answers not yet taken; parked Fetches, with the room their answer may
 * take. A connection whose answers wait untaken is handed no further
 * request (as Kafka mutes a channel); one whose next Fetch or input finds
 * no room waits, unread, until others free some. At the connection limits
 * the connection slowest to send its request, or idle the longest, makes
 * way for a new one; timeouts close idle and slow ones.
 *
 * It owns its settings and state (struct kb_net) and includes nothing
 * above it: requests reach the broker through the struct kb_proto and the
 * arg it is given, and handlers see a request (struct kb_req), never a
 * socket.
 */
#ifndef KB_NET_H
#define KB_NET_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "loop.h"

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

struct kb_proto;

/*
 * The connection layer. Its user fills in the fields up to lfd (lfd -1)
 * and calls kb_net_listen; the rest is the layer's own.
 */
struct kb_net {
	struct kb_loop *loop;
	const struct kb_proto *proto; /* the requests connections carry */
	void *arg;		      /* handed to proto->handle (the broker) */
	int max_conns;
	int max_conns_ip;   /* from one address */
	size_t max_request; /* the largest request frame */
	size_t max_memory;  /* held by all connections together */
	int64_t idle_ms;    /* a connection with no traffic is closed */
	int64_t request_ms; /* to send a whole request, or take an answer */
	int verbose, quiet; /* the broker's -v and -q, for its log lines */

	int lfd;	       /* -1 until listening */
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
};

struct kb_conn {
	int fd;
	struct kb_net *net;
	uint64_t id;
	char peer[96];	 /* "127.0.0.1:51234" */
	char *client_id; /* as the latest request named it */
	unsigned char *in;
	size_t inlen, incap;
	struct kb_buf out;
	size_t outoff; /* written so far of out */
	/*
	 * Answers from held_at on wait for the loop turn's sync (an answer
	 * to a Produce under --fsync always, and those behind it).
	 */
	int held;
	size_t held_at;
	int parked; /* a request waits: no other is read */
	/* Called if the connection goes while parked. */
	void (*cancel)(void *arg);
	void *cancel_arg;
	char addr[64];		/* "127.0.0.1": the limit per address */
	size_t mem_in, mem_out; /* what it holds, as counted in net->mem */
	size_t hold;	   /* a parked Fetch: its copy and its answer's room */
	int mem_wait;	   /* its next request or read waits for memory */
	size_t mem_want;   /* for so much */
	int mem_big;	   /* of the big ones' share (2: a Fetch) */
	int64_t active;	   /* bytes came or went (loop milliseconds) */
	int64_t req_since; /* the first bytes of a request not yet whole */
	int64_t out_since; /* answers wait untaken since, or the latest send */
	int reading;	   /* KB_READ is watched */
	int ready;	   /* on net's list of connections to resume */
	struct kb_conn *next, *prev, *ready_next;
};

/*
 * One request, as the handlers see it: they know its connection through
 * it (c, for kb_conn_park and kb_reply_begin), never by its fields.
 */
struct kb_req {
	struct kb_conn *c;
	struct kb_buf *out; /* the connection's output: the answer goes there */
	const char *peer;   /* "127.0.0.1:51234" */
	const char *who;    /* for log lines: the client id, else the peer */
	int16_t key, ver;
	int32_t corr;
	struct kb_str client;
	unsigned char *body; /* changeable: Produce rewrites offsets */
	size_t len;
	/*
	 * Set by the handler: its answer goes only once the logs it marked
	 * due (kb_log_sync_due) are synced, at the end of the loop's turn.
	 */
	int hold;
};

/* Outcomes of a handler. */
enum {
	KB_REPLY,   /* the response body is in the output */
	KB_NOREPLY, /* none is sent (Produce with acks 0) */
	KB_PARKED,  /* answered later through kb_reply_begin/end */
	KB_BADREQ,  /* malformed: the connection is closed, with a log line */
	KB_FAIL,    /* not answered (data not made durable): closed, logged */
};

/*
 * What the connection layer knows of the requests it frames, given by the
 * layer above, so that it calls nothing above it.
 */
struct kb_proto {
	/* Answer r into r->out, arg being kb_net's: KB_REPLY, KB_PARKED... */
	int (*handle)(void *arg, struct kb_req *r);
	/* The name of an API key, for log lines ("Fetch"). */
	const char *(*name)(int key);
	/*
	 * The room a request's answer may take beyond what waits unsent,
	 * held while it is handled or parked; 0 when it needs none (all but
	 * a Fetch).
	 */
	size_t (*room)(int key);
};

/*
 * Listen on host:port (port 0: any) for requests of n->proto; 0, or -1
 * with err.
 */
int kb_net_listen(struct kb_net *n, const char *host, int port, char *err,
		  size_t errsize);
/* The port listened on. */
int kb_net_port(const struct kb_net *n);
void kb_net_close(struct kb_net *n);

/* Start a response on c; the mark to hand to kb_reply_end. */
size_t kb_reply_begin(struct kb_conn *c, int32_t corr);
/* Finish it: its size is filled in. */
void kb_reply_end(struct kb_conn *c, size_t mark);
/*
 * Park c: its request waits (the handler returns KB_PARKED). cancel(arg) is
 * called if the connection goes meanwhile.
 */
void kb_conn_park(struct kb_conn *c, void (*cancel)(void *arg), void *arg);
/*
 * A parked request was answered (kb_reply_begin/end): c is sent its
 * answer and goes on with its next requests from kb_net_resume.
 */
void kb_conn_unpark(struct kb_net *n, struct kb_conn *c);
/*
 * At the end of a loop's turn, once the logs due are synced (or failed:
 * failed set): the answers held for that sync go, or, when it failed,
 * their connections are closed, since those answers may acknowledge what
 * is not on disk.
 */
void kb_net_release(struct kb_net *n, int failed);
/* Before each sleep: the connections unparked since the last time. */
void kb_net_resume(struct kb_net *n);
/*
 * Before each sleep: connections waiting for memory are resumed when some
 * is free; reading is paused or resumed.
 */
void kb_net_tick(struct kb_net *n);

#endif
