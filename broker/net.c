#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"

#define READ_CHUNK (256 * 1024)

static void
set_reading(struct kb_broker *b, struct kb_conn *c, int on)
{
	int mask = (on ? KB_READ : 0) | (c->out.len > c->outoff ? KB_WRITE : 0);

	c->reading = on;
	kb_loop_mask(b->loop, c->fd, mask);
}

static void
conn_free(struct kb_broker *b, struct kb_conn *c)
{
	if (c->parked && c->cancel)
		c->cancel(b, c->cancel_arg);
	if (c->ready) {
		struct kb_conn **pp;

		for (pp = &b->ready; *pp; pp = &(*pp)->ready_next)
			if (*pp == c) {
				*pp = c->ready_next;
				break;
			}
	}
	kb_loop_forget(b->loop, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		b->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	b->nconns--;
	free(c->in);
	kb_buf_free(&c->out);
	free(c->client_id);
	free(c);
}

/* Close c; a reason is logged (NULL: the client went, logged with -v). */
static void
conn_drop(struct kb_broker *b, struct kb_conn *c, const char *why)
{
	if (why)
		kb_note(b, "connection %s (%s): %s: closed", c->peer,
			c->client_id ? c->client_id : "no client id", why);
	else
		kb_debug(b, "connection %s closed", c->peer);
	conn_free(b, c);
}

/* Send what can be sent; -1 when the connection failed (and is gone). */
static int
conn_flush(struct kb_broker *b, struct kb_conn *c)
{
	while (c->outoff < c->out.len) {
		ssize_t w = send(c->fd, c->out.p + c->outoff,
				 c->out.len - c->outoff, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0) {
			conn_drop(b, c, errno == EPIPE || errno == ECONNRESET
						? NULL
						: strerror(errno));
			return -1;
		}
		c->outoff += (size_t)w;
	}
	if (c->outoff == c->out.len) {
		c->outoff = c->out.len = 0;
		/* Give back a large buffer a big fetch left. */
		if (c->out.cap > (4u << 20))
			kb_buf_free(&c->out);
	}
	kb_loop_mask(b->loop, c->fd,
		     (c->reading ? KB_READ : 0) |
			     (c->out.len > c->outoff ? KB_WRITE : 0));
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

/* Handle the whole requests in c's buffer, in order, until one parks. */
static void
conn_process(struct kb_broker *b, struct kb_conn *c)
{
	size_t pos = 0;

	while (!c->parked && c->inlen - pos >= 4) {
		uint32_t size = kb_be32(c->in + pos);
		struct kb_req r;
		struct kb_rd rd;
		size_t mark;
		int rc;

		if (size < 8 || size > b->max_request) {
			char why[128];

			snprintf(why, sizeof(why),
				 size < 8 ? "request frame of %u bytes is too "
					    "short"
					  : "request of %u bytes is over "
					    "--max-request-size",
				 size);
			conn_drop(b, c, why);
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
			conn_drop(b, c, "malformed request header");
			return;
		}
		if (r.client.len > 0 &&
		    (!c->client_id || !kb_str_eq(r.client, c->client_id))) {
			free(c->client_id);
			c->client_id = kb_str_dup(r.client);
		}
		r.body = (unsigned char *)rd.p;
		r.len = kb_left(&rd);
		pos += 4 + size;
		mark = kb_reply_begin(c, r.corr);
		rc = kb_api_handle(b, &r);
		switch (rc) {
		case KB_REPLY:
			kb_patch_i32(&c->out, mark,
				     (int32_t)(c->out.len - mark - 4));
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
			conn_drop(b, c, "storage failed: the request is not "
					"acknowledged");
			return;
		default: {
			char why[128];

			snprintf(why, sizeof(why), "malformed %s v%d request",
				 kb_api_name(r.key), r.ver);
			c->out.len = mark;
			conn_drop(b, c, why);
			return;
		}
		}
	}
	if (pos > 0) {
		memmove(c->in, c->in + pos, c->inlen - pos);
		c->inlen -= pos;
	}
	/* Give back the room a large request took. */
	if (c->inlen == 0 && c->incap > (4u << 20)) {
		free(c->in);
		c->in = NULL;
		c->incap = 0;
	}
	if (conn_flush(b, c))
		return;
	if (c->parked && c->reading)
		set_reading(b, c, 0);
}

static void
conn_read(struct kb_broker *b, struct kb_conn *c)
{
	ssize_t n;

	/* Room for a whole frame when its size is known. */
	if (c->inlen >= 4) {
		size_t want = (size_t)kb_be32(c->in) + 4;

		if (want <= b->max_request + 4 && want > c->incap) {
			c->in = kq_erealloc(c->in, want);
			c->incap = want;
		}
	}
	if (c->incap - c->inlen < 4096) {
		size_t cap = c->incap ? c->incap * 2 : READ_CHUNK;

		c->in = kq_erealloc(c->in, cap);
		c->incap = cap;
	}
	n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
	if (n == 0) {
		conn_drop(b, c, NULL);
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_drop(b, c,
				  errno == ECONNRESET ? NULL : strerror(errno));
		return;
	}
	c->inlen += (size_t)n;
	conn_process(b, c);
}

static void
on_conn(struct kb_loop *l, int fd, void *arg, int mask)
{
	struct kb_conn *c = arg;
	struct kb_broker *b = c->b;

	(void)l;
	(void)fd;
	if (mask & KB_WRITE) {
		if (conn_flush(b, c))
			return;
	}
	if ((mask & KB_READ) && c->reading)
		conn_read(b, c);
	else if (mask & KB_READ) {
		/*
		 * Not reading, yet an event: the peer hung up or failed.
		 * Requests it sent before a reset may still wait unread,
		 * so the socket's error decides too, or the loop would spin.
		 */
		char probe;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		ssize_t n = recv(c->fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);

		if (n == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		     errno != EINTR) ||
		    (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		     soerr))
			conn_drop(b, c, NULL);
	}
}

static void
on_accept(struct kb_loop *l, int fd, void *arg, int mask)
{
	struct kb_broker *b = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct kb_conn *c;
	char host[64], port[16];
	int cfd, one = 1;

	(void)mask;
	while ((cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
			      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host),
				port, sizeof(port),
				NI_NUMERICHOST | NI_NUMERICSERV))
			snprintf(host, sizeof(host), "?"), port[0] = 0;
		sl = sizeof(ss);
		if (b->nconns >= b->max_conns) {
			if (!b->conns_full)
				kb_note(b,
					"connection limit of %d reached: "
					"refusing %s:%s (and others, until "
					"one closes)",
					b->max_conns, host, port);
			b->conns_full = 1;
			close(cfd);
			continue;
		}
		b->conns_full = 0;
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = kq_ecalloc(1, sizeof(*c));
		c->fd = cfd;
		c->b = b;
		c->id = ++b->next_conn_id;
		snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
		if (kb_loop_watch(l, cfd, KB_READ, on_conn, c)) {
			close(cfd);
			free(c);
			continue;
		}
		c->reading = 1;
		c->next = b->conns;
		if (b->conns)
			b->conns->prev = c;
		b->conns = c;
		b->nconns++;
		kb_debug(b, "connection %s opened", c->peer);
	}
	if (errno == EMFILE || errno == ENFILE)
		kb_note(b, "accept: %s", strerror(errno));
}

int
kb_net_listen(struct kb_broker *b, const char *host, int port, char *err,
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
	b->lfd = -1;
	for (ai = res; ai; ai = ai->ai_next) {
		b->lfd = socket(ai->ai_family,
				ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				0);
		if (b->lfd < 0)
			continue;
		setsockopt(b->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(b->lfd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(b->lfd, 512) == 0)
			break;
		snprintf(err, errsize, "%s:%d: %s", host, port,
			 strerror(errno));
		close(b->lfd);
		b->lfd = -1;
	}
	freeaddrinfo(res);
	if (b->lfd < 0)
		return -1;
	if (kb_loop_watch(b->loop, b->lfd, KB_READ, on_accept, b)) {
		snprintf(err, errsize, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
kb_net_port(const struct kb_broker *b)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(b->lfd, (struct sockaddr *)&ss, &sl))
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void
kb_net_close(struct kb_broker *b)
{
	while (b->conns) {
		/* Answers already made still go out, as far as they can. */
		conn_flush(b, b->conns);
		if (b->conns)
			conn_free(b, b->conns);
	}
	if (b->lfd >= 0) {
		kb_loop_forget(b->loop, b->lfd);
		close(b->lfd);
		b->lfd = -1;
	}
}

void
kb_conn_park(struct kb_conn *c, void (*cancel)(struct kb_broker *, void *),
	     void *arg)
{
	c->parked = 1;
	c->cancel = cancel;
	c->cancel_arg = arg;
}

void
kb_conn_unpark(struct kb_broker *b, struct kb_conn *c)
{
	c->parked = 0;
	c->cancel = NULL;
	c->cancel_arg = NULL;
	/*
	 * Not handled here and now: the caller may be in the middle of
	 * another connection's request, or of this one's.
	 */
	if (!c->ready) {
		c->ready = 1;
		c->ready_next = b->ready;
		b->ready = c;
	}
}

void
kb_net_resume(struct kb_broker *b)
{
	struct kb_conn *c;

	while ((c = b->ready)) {
		b->ready = c->ready_next;
		c->ready = 0;
		if (!c->parked && !c->reading && !b->mem_full)
			set_reading(b, c, 1);
		conn_process(b, c);
	}
}

void
kb_net_tick(struct kb_broker *b)
{
	struct kb_conn *c;

	size_t mem = 0;

	for (c = b->conns; c; c = c->next)
		mem += c->inlen + (c->out.len - c->outoff);
	b->mem = mem;
	if (!b->mem_full && mem > b->max_memory) {
		b->mem_full = 1;
		kb_note(b,
			"memory limit reached (%zu MiB buffered, --max-memory "
			"%zu MiB): reading paused until clients take their "
			"responses",
			mem >> 20, b->max_memory >> 20);
	} else if (b->mem_full && mem <= b->max_memory / 2) {
		b->mem_full = 0;
		kb_note(b, "memory back under the limit: reading again");
	}
	for (c = b->conns; c; c = c->next) {
		/*
		 * Over the limit, the connections with answers waiting to
		 * be taken are read no more; those in the middle of a
		 * request read it whole, since handling it frees memory.
		 */
		int want = !c->parked &&
			   (!b->mem_full || c->inlen > 0 ||
			    c->out.len == c->outoff);

		if (want != c->reading)
			set_reading(b, c, want);
	}
}
