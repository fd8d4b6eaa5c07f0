#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "die.h"

/*
 * A connection's input buffer starts at IN_MIN and doubles as bytes come,
 * up to its frame's size: a length prefix alone takes no memory.
 */
#define IN_MIN 4096
/* Unsent answers past which a connection is handed no further request. */
#define OUT_MAX (256 * 1024)
/* Larger buffers go back once empty, when memory runs short. */
#define BUF_KEEP (64 * 1024)
/* A limit is logged at most this often. */
#define LIMIT_LOG_MS 10000
/* Idle and slow connections are looked for this often. */
#define SWEEP_MS 1000

/* How say logs a line. */
enum { NOTE, VERBOSE };

/*
 * A log line, as the broker's kb_note (VERBOSE: kb_debug) writes it, with
 * the broker's -q and -v.
 */
static void KQ_PRINTF(3, 4)
	say(const struct kb_net *net, int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (level == VERBOSE ? !net->verbose : net->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kq_warn("%s", line);
}

static const char *const limit_names[KB_NLIMITS] = {
	"connection limit", "connection limit per address",
	"memory limit",	    "idle timeout",
	"request timeout",  "answer timeout",
};

/*
 * A limit was hit: one log line, then none for LIMIT_LOG_MS, when the
 * next says how many hits it stands for; a flood gives a line in 10 s.
 */
static void KQ_PRINTF(3, 4)
	limit_note(struct kb_net *net, int which, const char *fmt, ...)
{
	int64_t now = kb_loop_now(net->loop);
	char line[512], more[96] = "";
	va_list ap;

	if (net->limit_at[which] && now - net->limit_at[which] < LIMIT_LOG_MS) {
		net->limit_more[which]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (net->limit_more[which])
		snprintf(more, sizeof(more), " (and %lu more since %llds ago)",
			 net->limit_more[which],
			 (long long)(now - net->limit_at[which]) / 1000);
	say(net, NOTE, "%s: %s%s", limit_names[which], line, more);
	net->limit_at[which] = now;
	net->limit_more[which] = 0;
}

static const char *
client_name(const struct kb_conn *c)
{
	return c->client_id ? c->client_id : "no client id";
}

static size_t
unsent(const struct kb_conn *c)
{
	return c->out.len - c->outoff;
}

/* What of it may go now: not the answers held for the turn's sync. */
static size_t
sendable(const struct kb_conn *c)
{
	return (c->held ? c->held_at : c->out.len) - c->outoff;
}

/* Count again what c holds, after its buffers changed. */
static void
account(struct kb_net *net, struct kb_conn *c)
{
	size_t out = c->out.cap + c->hold;

	net->mem = net->mem - c->mem_in - c->mem_out + c->incap + out;
	net->mem_out = net->mem_out - c->mem_out + out;
	c->mem_in = c->incap;
	c->mem_out = out;
}

/*
 * The bytes free under --max-memory. Big ones (input beyond IN_MIN, a
 * Fetch's room) have three quarters of it: the last quarter is kept for
 * small requests, which big ones could otherwise stop.
 */
static size_t
mem_free(const struct kb_net *net, int big)
{
	size_t limit = net->max_memory - (big ? net->max_memory / 4 : 0);

	return net->mem < limit ? limit - net->mem : 0;
}

/*
 * c waits for want bytes (big: of the big ones' share; 2: for a Fetch,
 * which may go when no other answer is held): it reads nothing and is
 * handed nothing until kb_net_tick sees them free.
 */
static void
mem_wait(struct kb_net *net, struct kb_conn *c, const char *what, size_t want,
	 int big)
{
	if (!c->mem_wait) {
		c->mem_wait = 1;
		net->mem_waits++;
	}
	c->mem_want = want;
	c->mem_big = big;
	limit_note(net, KB_LIMIT_MEMORY,
		   "%zu MiB held, --max-memory %zu MiB: %s from %s (%s) waits",
		   net->mem >> 20, net->max_memory >> 20, what, c->peer,
		   client_name(c));
}

/* Whether c should be read: not while it waits, or answers wait. */
static int
want_read(const struct kb_conn *c)
{
	return !c->parked && !c->mem_wait && unsent(c) <= OUT_MAX;
}

static void
set_mask(struct kb_net *net, struct kb_conn *c)
{
	c->reading = want_read(c);
	kb_loop_mask(net->loop, c->fd,
		     (c->reading ? KB_READ : 0) | (sendable(c) ? KB_WRITE : 0));
}

/* Queue c for kb_net_resume, which hands it its next requests. */
static void
conn_ready(struct kb_net *net, struct kb_conn *c)
{
	if (!c->ready) {
		c->ready = 1;
		c->ready_next = net->ready;
		net->ready = c;
	}
}

static void
conn_free(struct kb_net *net, struct kb_conn *c)
{
	if (c->parked && c->cancel)
		c->cancel(c->cancel_arg);
	if (c->ready) {
		struct kb_conn **pp;

		for (pp = &net->ready; *pp; pp = &(*pp)->ready_next)
			if (*pp == c) {
				*pp = c->ready_next;
				break;
			}
	}
	if (c->mem_wait)
		net->mem_waits--;
	if (c->held)
		net->nheld--;
	kb_loop_forget(net->loop, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		net->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	net->nconns--;
	free(c->in);
	kb_buf_free(&c->out);
	c->in = NULL;
	c->incap = 0;
	c->hold = 0;
	account(net, c);
	free(c->client_id);
	free(c);
}

/* Close c; a reason is logged (NULL: the client went, logged with -v). */
static void
conn_drop(struct kb_net *net, struct kb_conn *c, const char *why)
{
	if (why)
		say(net, NOTE, "connection %s (%s): %s: closed", c->peer,
		    client_name(c), why);
	else
		say(net, VERBOSE, "connection %s closed", c->peer);
	conn_free(net, c);
}

/* Give back c's empty buffers, if large, or if memory runs short. */
static void
conn_trim(struct kb_net *net, struct kb_conn *c)
{
	int tight = net->mem > net->max_memory / 2;

	if (c->inlen == 0 && c->incap > (tight ? 0 : BUF_KEEP)) {
		free(c->in);
		c->in = NULL;
		c->incap = 0;
	}
	if (unsent(c) == 0) {
		c->outoff = c->out.len = 0;
		c->out_since = 0;
		if (c->out.cap > (tight ? 0 : BUF_KEEP))
			kb_buf_free(&c->out);
	}
	account(net, c);
}

/* Send what can be sent; -1 when the connection failed (and is gone). */
static int
conn_flush(struct kb_net *net, struct kb_conn *c)
{
	int was_full = unsent(c) > OUT_MAX;

	while (sendable(c) > 0) {
		ssize_t w = send(c->fd, c->out.p + c->outoff, sendable(c),
				 MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0) {
			conn_drop(net, c,
				  errno == EPIPE || errno == ECONNRESET
					  ? NULL
					  : strerror(errno));
			return -1;
		}
		c->outoff += (size_t)w;
		c->active = c->out_since = kb_loop_now(net->loop);
	}
	if (c->outoff == c->out.len)
		conn_trim(net, c);
	/* Requests it sent meanwhile may wait whole in its buffer. */
	if (was_full && unsent(c) <= OUT_MAX)
		conn_ready(net, c);
	set_mask(net, c);
	return 0;
}

size_t
kb_reply_begin(struct kb_conn *c, int32_t corr)
{
	size_t mark = c->out.len;

	kb_put_i32(&c->out, 0);
	kb_put_i32(&c->out, corr);
	return mark;
}

void
kb_reply_end(struct kb_conn *c, size_t mark)
{
	/* Sent by conn_process, once for all the responses it made. */
	kb_patch_i32(&c->out, mark, (int32_t)(c->out.len - mark - 4));
}

/*
 * Whether c may be handed a request of this key now: its answers taken
 * (mostly), and for a Fetch the room its answer may take, which it holds
 * until answered. With no answer held anywhere a Fetch goes whatever the
 * room, or a --max-memory below that room would stop every one.
 */
static int
may_handle(struct kb_net *net, struct kb_conn *c, int16_t key, size_t size)
{
	size_t room;
	char what[48];

	if (unsent(c) > OUT_MAX)
		return 0;
	if (!(room = net->proto->room(key)))
		return 1;
	/* Behind up to OUT_MAX unsent. */
	room += (size_t)OUT_MAX + size;
	if (mem_free(net, 1) < room && net->mem_out > c->mem_out) {
		snprintf(what, sizeof(what), "a %s", net->proto->name(key));
		mem_wait(net, c, what, room, 2);
		return 0;
	}
	c->hold = room;
	account(net, c);
	return 1;
}

/* Drop what c has sent already, so the next answer needs no more room. */
static void
out_compact(struct kb_conn *c)
{
	if (c->outoff > 0) {
		memmove(c->out.p, c->out.p + c->outoff, unsent(c));
		c->out.len -= c->outoff;
		c->held_at -= c->held ? c->outoff : 0;
		c->outoff = 0;
	}
}

/*
 * The request timeout runs while c's input ends in a request not yet
 * whole, from its first bytes (new: a request was taken from before
 * them); a whole one waiting for its turn is not the client's delay.
 */
static void
req_clock(struct kb_net *net, struct kb_conn *c, int new)
{
	int partial =
		c->inlen > 0 && (c->inlen < 4 || c->inlen - 4 < kb_be32(c->in));

	if (!partial)
		c->req_since = 0;
	else if (new || !c->req_since)
		c->req_since = kb_loop_now(net->loop);
}

/* Handle the whole requests in c's buffer, in order, until one parks. */
static void
conn_process(struct kb_net *net, struct kb_conn *c)
{
	size_t pos = 0;

	while (!c->parked && !c->mem_wait && c->inlen - pos >= 4) {
		uint32_t size = kb_be32(c->in + pos);
		struct kb_req r;
		struct kb_rd rd;
		size_t mark;
		int rc;

		if (size < 8 || size > net->max_request) {
			char why[128];

			snprintf(why, sizeof(why),
				 size < 8 ? "request frame of %u bytes is too "
					    "short"
					  : "request of %u bytes is over "
					    "--max-request-size",
				 size);
			conn_drop(net, c, why);
			return;
		}
		if (c->inlen - pos - 4 < size)
			break;
		kb_rd_init(&rd, c->in + pos + 4, size);
		r.c = c;
		r.key = kb_i16(&rd);
		r.ver = kb_i16(&rd);
		r.corr = kb_i32(&rd);
		r.client = kb_string(&rd);
		if (rd.err) {
			conn_drop(net, c, "malformed request header");
			return;
		}
		if (unsent(c) > OUT_MAX && conn_flush(net, c))
			return;
		if (!may_handle(net, c, r.key, size))
			break;
		if (r.client.len > 0 &&
		    (!c->client_id || !kb_str_eq(r.client, c->client_id))) {
			free(c->client_id);
			c->client_id = kb_str_dup(r.client);
		}
		r.body = (unsigned char *)rd.p;
		r.len = kb_left(&rd);
		r.hold = 0;
		r.out = &c->out;
		r.peer = c->peer;
		r.who = c->client_id ? c->client_id : c->peer;
		pos += 4 + size;
		out_compact(c);
		mark = kb_reply_begin(c, r.corr);
		rc = net->proto->handle(net->arg, &r);
		if (!c->parked)
			c->hold = 0;
		account(net, c);
		switch (rc) {
		case KB_REPLY:
			kb_patch_i32(&c->out, mark,
				     (int32_t)(c->out.len - mark - 4));
			/* Those behind it wait with it: answers keep order. */
			if (r.hold && !c->held) {
				c->held = 1;
				c->held_at = mark;
				net->nheld++;
			}
			break;
		case KB_NOREPLY:
			c->out.len = mark;
			break;
		case KB_PARKED:
			/*
			 * The handler parked c (or the answer came at once,
			 * behind the frame header begun here): drop that
			 * header, keep what follows.
			 */
			memmove(c->out.p + mark, c->out.p + mark + 8,
				c->out.len - mark - 8);
			c->out.len -= 8;
			break;
		case KB_FAIL:
			c->out.len = mark;
			conn_drop(net, c,
				  "storage failed: the request is not "
				  "acknowledged");
			return;
		default: {
			char why[128];

			snprintf(why, sizeof(why), "malformed %s v%d request",
				 net->proto->name(r.key), r.ver);
			c->out.len = mark;
			conn_drop(net, c, why);
			return;
		}
		}
	}
	if (pos > 0) {
		memmove(c->in, c->in + pos, c->inlen - pos);
		c->inlen -= pos;
	}
	req_clock(net, c, pos > 0);
	if (unsent(c) && !c->out_since)
		c->out_since = kb_loop_now(net->loop);
	conn_trim(net, c);
	conn_flush(net, c);
}

/*
 * Make room in c's input for what comes next: up to its frame's size,
 * doubling, as memory allows. 0, or -1 when c must wait for memory.
 */
static int
in_room(struct kb_net *net, struct kb_conn *c)
{
	size_t frame = c->inlen >= 4 ? (size_t)kb_be32(c->in) + 4 : 0;
	size_t want, avail;

	if (c->incap - c->inlen >= 1024 || (frame && frame <= c->incap))
		return 0;
	want = c->incap ? c->incap * 2 : IN_MIN;
	if (frame > c->incap && want > frame)
		want = frame;
	avail = mem_free(net, want > IN_MIN);
	if (want - c->incap > avail) {
		/* Not all it would take: what there is, in IN_MIN steps. */
		if (avail < IN_MIN) {
			mem_wait(net, c, "a request", IN_MIN, want > IN_MIN);
			return -1;
		}
		want = c->incap + avail / IN_MIN * IN_MIN;
	}
	c->in = kq_erealloc(c->in, want);
	c->incap = want;
	account(net, c);
	return 0;
}

static void
conn_read(struct kb_net *net, struct kb_conn *c)
{
	ssize_t n;

	if (in_room(net, c)) {
		set_mask(net, c);
		return;
	}
	n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
	if (n == 0) {
		conn_drop(net, c, NULL);
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_drop(net, c,
				  errno == ECONNRESET ? NULL : strerror(errno));
		return;
	}
	c->inlen += (size_t)n;
	c->active = kb_loop_now(net->loop);
	conn_process(net, c);
}

static void
on_conn(struct kb_loop *l, int fd, void *arg, int mask)
{
	struct kb_conn *c = arg;
	struct kb_net *net = c->net;

	(void)l;
	(void)fd;
	if (mask & KB_WRITE) {
		if (conn_flush(net, c))
			return;
	}
	if ((mask & KB_READ) && c->reading)
		conn_read(net, c);
	else if (mask & (KB_READ | KB_HUP))
		/*
		 * Not read (parked, waiting for memory or for its answers to
		 * be taken), and the peer hung up or shut its side: it will
		 * take no answer, and what it holds is wanted.
		 */
		conn_drop(net, c, NULL);
}

/* "sending a request for 12s" or "idle for 3s": why c was chosen. */
static void
conn_state(const struct kb_net *net, const struct kb_conn *c, char *buf,
	   size_t size)
{
	int64_t now = kb_loop_now(net->loop);

	if (c->req_since)
		snprintf(buf, size, "sending a request for %llds",
			 (long long)(now - c->req_since) / 1000);
	else
		snprintf(buf, size, "idle for %llds",
			 (long long)(now - c->active) / 1000);
}

/*
 * The connection to close for a new one at a limit (from addr, or from
 * any address): the one that has been sending a request the longest, else
 * the one idle the longest, so that slow or idle connections cannot keep
 * others out. NULL when every one is busy: waited on, or taking answers.
 */
static struct kb_conn *
evictee(struct kb_net *net, const char *addr)
{
	struct kb_conn *c, *best = NULL;

	for (c = net->conns; c; c = c->next) {
		if (addr && strcmp(c->addr, addr))
			continue;
		if (c->parked || c->mem_wait || unsent(c) ||
		    (c->inlen && !c->req_since))
			continue;
		if (!best || (c->req_since && !best->req_since) ||
		    (!c->req_since == !best->req_since &&
		     (c->req_since ? c->req_since < best->req_since
				   : c->active < best->active)))
			best = c;
	}
	return best;
}

/*
 * At a limit (which, n connections), close the evictee for the new
 * connection from host:port; 0, or -1 when it is to be refused.
 */
static int
make_room(struct kb_net *net, int which, int n, const char *addr,
	  const char *host, const char *port)
{
	struct kb_conn *v = evictee(net, addr);
	char state[64];

	if (!v) {
		limit_note(net, which,
			   "%d connections%s%s, none idle: refused %s:%s", n,
			   addr ? " from " : "", addr ? addr : "", host, port);
		return -1;
	}
	conn_state(net, v, state, sizeof(state));
	limit_note(net, which,
		   "%d connections%s%s: closed %s (%s), %s, for %s:%s", n,
		   addr ? " from " : "", addr ? addr : "", v->peer,
		   client_name(v), state, host, port);
	conn_free(net, v);
	return 0;
}

/* How many connections come from addr. */
static int
conns_from(const struct kb_net *net, const char *addr)
{
	const struct kb_conn *c;
	int n = 0;

	for (c = net->conns; c; c = c->next)
		n += !strcmp(c->addr, addr);
	return n;
}

static void
on_accept(struct kb_loop *l, int fd, void *arg, int mask)
{
	struct kb_net *net = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct kb_conn *c;
	char host[64], port[16];
	int cfd, one = 1, n;

	(void)mask;
	while ((cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
			      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host),
				port, sizeof(port),
				NI_NUMERICHOST | NI_NUMERICSERV))
			snprintf(host, sizeof(host), "?"), port[0] = 0;
		sl = sizeof(ss);
		if ((net->max_conns_ip < net->max_conns &&
		     (n = conns_from(net, host)) >= net->max_conns_ip &&
		     make_room(net, KB_LIMIT_CONNS_IP, n, host, host, port)) ||
		    (net->nconns >= net->max_conns &&
		     make_room(net, KB_LIMIT_CONNS, net->nconns, NULL, host,
			       port))) {
			close(cfd);
			continue;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = kq_ecalloc(1, sizeof(*c));
		c->fd = cfd;
		c->net = net;
		c->id = ++net->next_conn_id;
		snprintf(c->addr, sizeof(c->addr), "%s", host);
		snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
		c->active = kb_loop_now(l);
		if (kb_loop_watch(l, cfd, KB_READ, on_conn, c)) {
			close(cfd);
			free(c);
			continue;
		}
		c->reading = 1;
		c->next = net->conns;
		if (net->conns)
			net->conns->prev = c;
		net->conns = c;
		net->nconns++;
		say(net, VERBOSE, "connection %s opened", c->peer);
	}
	if (errno == EMFILE || errno == ENFILE)
		say(net, NOTE, "accept: %s", strerror(errno));
}

/*
 * Close the connections that overstay: one sending a request for longer
 * than --request-timeout (slowloris), one not taking its answers for as
 * long, one with no traffic for --idle-timeout. Parked connections are
 * waited on, so they are none of these.
 */
static void
sweep(struct kb_loop *l, void *arg)
{
	struct kb_net *net = arg;
	struct kb_conn *c, *next;
	int64_t now = kb_loop_now(l);

	for (c = net->conns; c; c = next) {
		next = c->next;
		if (c->parked)
			continue;
		if (net->request_ms && c->req_since &&
		    now - c->req_since > net->request_ms) {
			limit_note(net, KB_LIMIT_REQUEST,
				   "closed %s (%s): %zu bytes of a request in "
				   "%llds",
				   c->peer, client_name(c), c->inlen,
				   (long long)(now - c->req_since) / 1000);
			conn_free(net, c);
		} else if (net->request_ms && unsent(c) && c->out_since &&
			   now - c->out_since > net->request_ms) {
			limit_note(net, KB_LIMIT_ANSWER,
				   "closed %s (%s): %zu bytes of answers not "
				   "taken in %llds",
				   c->peer, client_name(c), unsent(c),
				   (long long)(now - c->out_since) / 1000);
			conn_free(net, c);
		} else if (net->idle_ms && !c->inlen && !unsent(c) &&
			   now - c->active > net->idle_ms) {
			limit_note(net, KB_LIMIT_IDLE,
				   "closed %s (%s), idle for "
				   "%llds",
				   c->peer, client_name(c),
				   (long long)(now - c->active) / 1000);
			conn_free(net, c);
		}
	}
	net->timer_sweep = kb_timer_add(l, SWEEP_MS, sweep, net);
}

int
kb_net_listen(struct kb_net *net, const char *host, int port, char *err,
	      size_t errsize)
{
	struct addrinfo hints = {0}, *res, *ai;
	char ps[16];
	int rc, one = 1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	if ((rc = getaddrinfo(*host ? host : NULL, ps, &hints, &res))) {
		snprintf(err, errsize, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	net->lfd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		net->lfd = socket(
			ai->ai_family,
			ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (net->lfd < 0)
			continue;
		setsockopt(net->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
			   sizeof(one));
		if (bind(net->lfd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(net->lfd, 512) == 0)
			break;
		snprintf(err, errsize, "%s:%d: %s", host, port,
			 strerror(errno));
		close(net->lfd);
		net->lfd = -1;
	}
	freeaddrinfo(res);
	if (net->lfd < 0)
		return -1;
	if (kb_loop_watch(net->loop, net->lfd, KB_READ, on_accept, net)) {
		snprintf(err, errsize, "epoll: %s", strerror(errno));
		return -1;
	}
	/* A request larger than big input may take could never be read. */
	if (net->max_request > net->max_memory - net->max_memory / 4 - 4) {
		net->max_request = net->max_memory - net->max_memory / 4 - 4;
		say(net, NOTE,
		    "--max-request-size lowered to %zu KiB, three "
		    "quarters of --max-memory",
		    net->max_request >> 10);
	}
	if (net->idle_ms || net->request_ms)
		net->timer_sweep =
			kb_timer_add(net->loop, SWEEP_MS, sweep, net);
	return 0;
}

int
kb_net_port(const struct kb_net *net)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(net->lfd, (struct sockaddr *)&ss, &sl))
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void
kb_net_close(struct kb_net *net)
{
	kb_timer_del(net->loop, net->timer_sweep);
	net->timer_sweep = 0;
	while (net->conns) {
		/* Answers already made still go out, as far as they can. */
		conn_flush(net, net->conns);
		if (net->conns)
			conn_free(net, net->conns);
	}
	if (net->lfd >= 0) {
		kb_loop_forget(net->loop, net->lfd);
		close(net->lfd);
		net->lfd = -1;
	}
}

void
kb_conn_park(struct kb_conn *c, void (*cancel)(void *), void *arg)
{
	c->parked = 1;
	c->cancel = cancel;
	c->cancel_arg = arg;
}

void
kb_conn_unpark(struct kb_net *net, struct kb_conn *c)
{
	c->parked = 0;
	c->cancel = NULL;
	c->cancel_arg = NULL;
	/* The answer is in the output now, counted there. */
	c->hold = 0;
	account(net, c);
	/* What it sent before it was parked had no chance to be read. */
	if (c->req_since)
		c->req_since = kb_loop_now(net->loop);
	/*
	 * Not handled here and now: the caller may be in the middle of
	 * another connection's request, or of this one's.
	 */
	conn_ready(net, c);
}

void
kb_net_release(struct kb_net *net, int failed)
{
	struct kb_conn *c, *next;

	for (c = net->conns; c && net->nheld > 0; c = next) {
		next = c->next;
		if (!c->held)
			continue;
		if (failed) {
			conn_drop(net, c,
				  "storage failed: the request is not "
				  "acknowledged");
			continue;
		}
		c->held = 0;
		net->nheld--;
		if (!c->out_since)
			c->out_since = kb_loop_now(net->loop);
		conn_flush(net, c);
	}
}

void
kb_net_resume(struct kb_net *net)
{
	struct kb_conn *c;

	while ((c = net->ready)) {
		net->ready = c->ready_next;
		c->ready = 0;
		conn_process(net, c);
	}
}

void
kb_net_tick(struct kb_net *net)
{
	struct kb_conn *c;

	if (!net->mem_waits)
		return;
	/*
	 * Only those whose want fits are resumed, so that one resumed does
	 * not wait again at once: before_sleep calls this until none is.
	 */
	for (c = net->conns; c; c = c->next) {
		if (!c->mem_wait ||
		    (mem_free(net, c->mem_big) < c->mem_want &&
		     !(c->mem_big > 1 && net->mem_out == c->mem_out)))
			continue;
		c->mem_wait = 0;
		net->mem_waits--;
		set_mask(net, c);
		conn_ready(net, c);
	}
}
