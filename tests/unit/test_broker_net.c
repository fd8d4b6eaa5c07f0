/*
 * The broker's connection layer on its own, with no broker: a client on a
 * real socket, and a kb_proto whose handler echoes a request's body
 * (key 0) or parks it (key 1). Requests reach the handler with the arg the
 * layer was given, answers come back framed and in order, a parked
 * request's cancel gets the arg it was parked with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "codec.h"
#include "loop.h"
#include "net.h"

/* How often run looks whether the case got where it waits for. */
#define CHECK_MS 10
/* A case that never gets there fails its assertions, not hangs. */
#define GIVE_UP_MS 20000

struct fixture;

/* The arg a request is parked with. */
struct park {
	struct fixture *f;
};

struct fixture {
	struct kb_loop *l;
	struct kb_net net;
	volatile sig_atomic_t stop;
	int (*until)(const struct fixture *f);
	int waited; /* ms */
	int fd;	    /* the client */
	/* What the handler saw. */
	int handled;
	void *arg;
	int16_t key[4], ver[4];
	int32_t corr[4];
	char who[4][32];
	char peer[96];
	struct kb_conn *parked;
	int32_t parked_corr;
	struct park park;
	void *cancelled; /* the arg the cancel was called with */
};

static void
cancel(void *arg)
{
	struct park *p = arg;

	p->f->cancelled = arg;
}

static int
handle(void *arg, struct kb_req *r)
{
	struct fixture *f = arg;
	int i = f->handled++;

	if (i < 4) {
		f->key[i] = r->key;
		f->ver[i] = r->ver;
		f->corr[i] = r->corr;
		snprintf(f->who[i], sizeof(f->who[i]), "%s", r->who);
	}
	f->arg = arg;
	snprintf(f->peer, sizeof(f->peer), "%s", r->peer);
	if (r->key == 1) {
		f->parked = r->c;
		f->parked_corr = r->corr;
		f->park.f = f;
		kb_conn_park(r->c, cancel, &f->park);
		return KB_PARKED;
	}
	kb_put(r->out, r->body, r->len);
	return KB_REPLY;
}

static const char *
name(int key)
{
	return key ? "Park" : "Echo";
}

static size_t
room(int key)
{
	(void)key;
	return 0;
}

static const struct kb_proto proto = {handle, name, room};

/* As the broker's hook: what the connection layer asks of each turn. */
static void
before_sleep(struct kb_loop *l, void *arg)
{
	struct fixture *f = arg;

	(void)l;
	do {
		kb_net_resume(&f->net);
		kb_net_tick(&f->net);
	} while (f->net.ready);
}

static void
check(struct kb_loop *l, void *arg)
{
	struct fixture *f = arg;

	f->waited += CHECK_MS;
	if (f->until(f) || f->waited > GIVE_UP_MS)
		f->stop = 1;
	else
		kb_timer_add(l, CHECK_MS, check, f);
}

/* Run the loop until f->until says the case got there. */
static void
run(struct fixture *f, int (*until)(const struct fixture *f))
{
	f->until = until;
	f->waited = 0;
	f->stop = 0;
	kb_timer_add(f->l, CHECK_MS, check, f);
	kb_loop_run(f->l, &f->stop);
}

static int
handled_two(const struct fixture *f)
{
	return f->handled >= 2;
}

static int
parked(const struct fixture *f)
{
	return f->parked != NULL;
}

static int
cancelled(const struct fixture *f)
{
	return f->cancelled != NULL;
}

/* A connection came and went. */
static int
closed(const struct fixture *f)
{
	return f->net.next_conn_id > 0 && f->net.nconns == 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = {0};
	struct timeval tv = {GIVE_UP_MS / 1000, 0};
	char err[256];

	assert_non_null(f);
	assert_non_null(f->l = kb_loop_new());
	f->net.loop = f->l;
	f->net.proto = &proto;
	f->net.arg = f;
	f->net.max_conns = f->net.max_conns_ip = 10;
	f->net.max_request = 1024;
	f->net.max_memory = 1 << 20;
	f->net.quiet = 1;
	f->net.lfd = -1;
	assert_int_equal(
		kb_net_listen(&f->net, "127.0.0.1", 0, err, sizeof(err)), 0);
	kb_loop_before_sleep(f->l, before_sleep, f);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)kb_net_port(&f->net));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((f->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	kb_net_close(&f->net);
	kb_loop_free(f->l);
	free(f);
	return 0;
}

/* A request frame: the v1 header (client id "c1"), then body. */
static void
put_request(struct kb_buf *b, int16_t key, int16_t ver, int32_t corr,
	    const char *body)
{
	size_t mark = b->len;

	kb_put_i32(b, 0);
	kb_put_i16(b, key);
	kb_put_i16(b, ver);
	kb_put_i32(b, corr);
	kb_put_cstr(b, "c1");
	kb_put(b, body, strlen(body));
	kb_patch_i32(b, mark, (int32_t)(b->len - mark - 4));
}

static void
send_all(int fd, const struct kb_buf *b)
{
	assert_int_equal(send(fd, b->p, b->len, MSG_NOSIGNAL), (ssize_t)b->len);
}

static void
recv_all(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);

		assert_true(r > 0);
		p += r;
		n -= (size_t)r;
	}
}

/* The next answer: its correlation id, and its body in body. */
static int32_t
recv_answer(int fd, char *body, size_t size)
{
	unsigned char hdr[8];
	uint32_t n;

	recv_all(fd, hdr, sizeof(hdr));
	n = kb_be32(hdr);
	assert_true(n >= 4 && n - 4 < size);
	recv_all(fd, (unsigned char *)body, n - 4);
	body[n - 4] = 0;
	return (int32_t)kb_be32(hdr + 4);
}

static void
requests_reach_the_handler_answers_go_in_order(void **state)
{
	struct fixture *f = *state;
	struct kb_buf req = {0};
	char body[64];

	put_request(&req, 0, 3, 7, "hello");
	put_request(&req, 0, 1, 8, "world");
	send_all(f->fd, &req);
	run(f, handled_two);
	assert_int_equal(f->handled, 2);
	assert_ptr_equal(f->arg, f);
	assert_int_equal(f->key[0], 0);
	assert_int_equal(f->ver[0], 3);
	assert_int_equal(f->corr[0], 7);
	assert_int_equal(f->ver[1], 1);
	assert_int_equal(f->corr[1], 8);
	assert_string_equal(f->who[1], "c1");
	assert_memory_equal(f->peer, "127.0.0.1:", 10);
	assert_int_equal(recv_answer(f->fd, body, sizeof(body)), 7);
	assert_string_equal(body, "hello");
	assert_int_equal(recv_answer(f->fd, body, sizeof(body)), 8);
	assert_string_equal(body, "world");
	kb_buf_free(&req);
}

static void
a_parked_request_answered_later_keeps_the_order(void **state)
{
	struct fixture *f = *state;
	struct kb_buf req = {0};
	struct kb_conn *c;
	char body[64];
	size_t mark;

	put_request(&req, 1, 0, 1, "");
	put_request(&req, 0, 0, 2, "after");
	send_all(f->fd, &req);
	run(f, parked);
	/* The request behind the parked one waits. */
	assert_int_equal(f->handled, 1);
	c = f->parked;
	mark = kb_reply_begin(c, f->parked_corr);
	kb_put(&c->out, "late", 4);
	kb_reply_end(c, mark);
	kb_conn_unpark(&f->net, c);
	run(f, handled_two);
	assert_int_equal(f->handled, 2);
	assert_int_equal(recv_answer(f->fd, body, sizeof(body)), 1);
	assert_string_equal(body, "late");
	assert_int_equal(recv_answer(f->fd, body, sizeof(body)), 2);
	assert_string_equal(body, "after");
	assert_null(f->cancelled);
	kb_buf_free(&req);
}

static void
a_client_gone_while_parked_cancels_with_the_park_arg(void **state)
{
	struct fixture *f = *state;
	struct kb_buf req = {0};

	put_request(&req, 1, 0, 1, "");
	send_all(f->fd, &req);
	run(f, parked);
	assert_non_null(f->parked);
	close(f->fd);
	f->fd = -1;
	run(f, cancelled);
	assert_ptr_equal(f->cancelled, &f->park);
	assert_int_equal(f->net.nconns, 0);
	kb_buf_free(&req);
}

static void
a_frame_over_max_request_closes_the_connection(void **state)
{
	struct fixture *f = *state;
	struct kb_buf req = {0};
	unsigned char c;

	kb_put_i32(&req, 2000);
	kb_put(&req, "12345678", 8);
	send_all(f->fd, &req);
	run(f, closed);
	assert_int_equal(f->net.nconns, 0);
	assert_int_equal(f->handled, 0);
	assert_int_equal(recv(f->fd, &c, 1, 0), 0);
	kb_buf_free(&req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			requests_reach_the_handler_answers_go_in_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_parked_request_answered_later_keeps_the_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_client_gone_while_parked_cancels_with_the_park_arg,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_frame_over_max_request_closes_the_connection, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
