/*
 * ApiVersions v0 by hand: the request's bytes are the protocol's, the
 * response is read whole however the broker cuts it, and every way an
 * answer goes wrong (none in time, a hang-up, another request's, a broker
 * error, a size that lies) is a status, never a hang or a bad read. The
 * broker is the other end of a real socket, in a child process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "apiversions.h"
#include "die.h"

/* What the fake broker does once it has read the request. */
enum how { ANSWER, PIECES, SILENT, HANGUP, OTHER_ID, BROKER_ERROR, LIAR };

/* The APIs the fake broker lists, out of order on purpose. */
static const unsigned char apis_wire[] = {
	0, 18, 0, 0, 0, 3, /* ApiVersions 0..3 */
	0, 0,  0, 3, 0, 9, /* Produce 3..9 */
	0, 3,  0, 0, 0, 12 /* Metadata 0..12 */
};

/* The request as the protocol spells it, with client id "kq-test". */
static const unsigned char request_wire[] = {
	0, 0,  0,    17,   /* size */
	0, 18,		   /* api key: ApiVersions */
	0, 0,		   /* api version 0 */
	0, 0,  0x6b, 0x71, /* correlation id */
	0, 7,  'k',  'q',  '-', 't', 'e', 's', 't',
};

static void
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0 && (k = write(fd, c, n)) > 0) {
		c += k;
		n -= (size_t)k;
	}
}

/* The child: read one request, check it is ours, answer as told. */
static void
broker(int fd, enum how how)
{
	unsigned char req[sizeof(request_wire)], resp[64];
	size_t got = 0, i, n;
	ssize_t k;

	while (got < sizeof(req) &&
	       (k = read(fd, req + got, sizeof(req) - got)) > 0)
		got += (size_t)k;
	if (got != sizeof(req) || memcmp(req, request_wire, sizeof(req)))
		_exit(2);
	if (how == SILENT) {
		pause();
		_exit(0);
	}
	if (how == HANGUP)
		_exit(0);
	n = 4 + 4 + 2 + 4 + sizeof(apis_wire);
	memset(resp, 0, sizeof(resp));
	resp[3] = (unsigned char)(how == LIAR ? 200 : n - 4);
	resp[6] = how == OTHER_ID ? 0x6c : 0x6b;
	resp[7] = 0x71;
	resp[9] = how == BROKER_ERROR ? 35 : 0;
	resp[13] = 3;
	memcpy(resp + 14, apis_wire, sizeof(apis_wire));
	if (how == PIECES)
		for (i = 0; i < n; i++) {
			write_all(fd, resp + i, 1);
			usleep(1000);
		}
	else
		write_all(fd, resp, n);
	_exit(0);
}

/* Ask a fake broker that behaves as told: the status, the APIs. */
static int
ask(enum how how, int timeout_ms, struct kq_api **apis, int *n, char *why,
    size_t wsize)
{
	int sv[2], st, ws;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		broker(sv[1], how);
	}
	close(sv[1]);
	why[0] = 0;
	st = kq_apiversions_ask(sv[0], timeout_ms, apis, n, why, wsize);
	close(sv[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	/* The child saw the request it expected, byte for byte. */
	if (WIFEXITED(ws))
		assert_int_equal(WEXITSTATUS(ws), 0);
	return st;
}

static void
request_bytes(void **state)
{
	char buf[KQ_APIVERSIONS_REQ_MAX];
	size_t n;

	(void)state;
	n = kq_apiversions_request(buf, 0x6b71, "kq-test");
	assert_int_equal(n, sizeof(request_wire));
	assert_memory_equal(buf, request_wire, n);
}

static void
request_long_client_id_fits(void **state)
{
	char buf[KQ_APIVERSIONS_REQ_MAX], id[1000];
	size_t n;

	(void)state;
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	n = kq_apiversions_request(buf, 1, id);
	assert_true(n <= sizeof(buf));
	/* The size says what follows it; the id's length says the rest. */
	assert_int_equal(ntohl(*(uint32_t *)(void *)buf), n - 4);
	assert_int_equal(((unsigned char)buf[12] << 8) | (unsigned char)buf[13],
			 n - 14);
}

static void
answer_read_and_sorted(void **state)
{
	struct kq_api *apis;
	char why[128];
	int n;

	(void)state;
	assert_int_equal(ask(ANSWER, 5000, &apis, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(apis[0].key, 0);
	assert_int_equal(apis[0].min, 3);
	assert_int_equal(apis[0].max, 9);
	assert_int_equal(apis[1].key, 3);
	assert_int_equal(apis[1].max, 12);
	assert_int_equal(apis[2].key, 18);
	assert_int_equal(apis[2].max, 3);
	assert_ptr_equal(kq_api_find(apis, n, 18), &apis[2]);
	assert_ptr_equal(kq_api_find(apis, n, 0), &apis[0]);
	assert_null(kq_api_find(apis, n, 15));
	assert_null(kq_api_find(apis, 0, 0));
	free(apis);
}

static void
answer_in_pieces(void **state)
{
	struct kq_api *apis;
	char why[128];
	int n;

	(void)state;
	assert_int_equal(ask(PIECES, 5000, &apis, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(apis[1].key, 3);
	free(apis);
}

static void
no_answer_times_out(void **state)
{
	struct kq_api *apis;
	char why[128];
	int n;

	(void)state;
	assert_int_equal(ask(SILENT, 200, &apis, &n, why, sizeof(why)),
			 EX_TEMPFAIL);
	assert_null(apis);
	assert_string_equal(why, "no answer in time");
}

static void
hangup_is_unavailable(void **state)
{
	struct kq_api *apis;
	char why[128];
	int n;

	(void)state;
	assert_int_equal(ask(HANGUP, 5000, &apis, &n, why, sizeof(why)),
			 EX_UNAVAILABLE);
	assert_string_equal(why, "the broker hung up");
}

static void
bad_answers_are_protocol_errors(void **state)
{
	struct kq_api *apis;
	char why[128];
	int n;

	(void)state;
	assert_int_equal(ask(OTHER_ID, 5000, &apis, &n, why, sizeof(why)),
			 EX_PROTOCOL);
	assert_non_null(strstr(why, "correlation id 27761"));
	assert_int_equal(ask(BROKER_ERROR, 5000, &apis, &n, why, sizeof(why)),
			 EX_PROTOCOL);
	assert_string_equal(why, "ApiVersions error 35");
	assert_null(apis);
	/* A size longer than what comes: the hang-up ends the wait. */
	assert_int_equal(ask(LIAR, 5000, &apis, &n, why, sizeof(why)),
			 EX_UNAVAILABLE);
}

static void
parse_checks_bounds(void **state)
{
	unsigned char p[10 + 6] = {0, 0, 0x6b, 0x71, 0, 0, 0, 0,
				   0, 2, 0,    1,    0, 0, 0, 4};
	struct kq_api *apis;
	char why[128];
	int16_t err;
	int n;

	(void)state;
	/* Two APIs said, room for one. */
	assert_int_equal(kq_apiversions_parse(p, sizeof(p), 0x6b71, &err, &apis,
					      &n, why, sizeof(why)),
			 -1);
	assert_null(apis);
	p[9] = 1;
	assert_int_equal(kq_apiversions_parse(p, sizeof(p), 0x6b71, &err, &apis,
					      &n, why, sizeof(why)),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(apis[0].key, 1);
	assert_int_equal(apis[0].max, 4);
	free(apis);
	/* A negative count. */
	p[6] = 0xff;
	assert_int_equal(kq_apiversions_parse(p, sizeof(p), 0x6b71, &err, &apis,
					      &n, why, sizeof(why)),
			 -1);
	assert_int_equal(kq_apiversions_parse(p, 9, 0x6b71, &err, &apis, &n,
					      why, sizeof(why)),
			 -1);
}

static void
get_connects_over_tcp(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	struct kq_api *apis;
	char why[128];
	int ls, fd, n, port, ws;
	pid_t pid;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((ls = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	if ((pid = fork()) == 0) {
		fd = accept(ls, NULL, NULL);
		broker(fd, ANSWER);
	}
	assert_int_equal(kq_apiversions_get("127.0.0.1", port, 5000, &apis, &n,
					    why, sizeof(why)),
			 0);
	assert_int_equal(n, 3);
	free(apis);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_int_equal(WEXITSTATUS(ws), 0);
	/* Nobody listens there any more. */
	close(ls);
	assert_int_equal(kq_apiversions_get("127.0.0.1", port, 5000, &apis, &n,
					    why, sizeof(why)),
			 EX_UNAVAILABLE);
	assert_non_null(strstr(why, "cannot connect"));
}

static void
incalter_request_bytes(void **state)
{
	static const unsigned char want[] = {
		0,   0,	  0,   49,  /* size */
		0,   44,  0,   0,   /* IncrementalAlterConfigs v0 */
		0,   0,	  0,   9,   /* correlation id */
		0,   2,	  'k', 'q', /* client id */
		0,   0,	  0,   1,   /* one resource */
		2,   0,	  1,   't', /* a topic, "t" */
		0,   0,	  0,   2,   /* two configs */
		0,   12,  'r', 'e', 't',  'e',	'n', 't',
		'i', 'o', 'n', '.', 'm',  's',	0, /* SET */
		0,   1,	  '5',			   /* "5" */
		0,   1,	  'x', 1,   0xff, 0xff,	   /* x: DELETE, null */
		0,				   /* validate_only */
	};
	const struct kq_config_op ops[] = {{"retention.ms", "5"}, {"x", NULL}};
	unsigned char *req;
	size_t n;

	(void)state;
	req = kq_incalter_request(9, "kq", "t", ops, 2, &n);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(req, want, n);
	free(req);
}

static void
incalter_response(void **state)
{
	unsigned char ok[] = {
		0, 0, 0,    9,	  0, 0, 0, 0, /* correlation id, throttle */
		0, 0, 0,    1,		      /* one resource */
		0, 0, 0xff, 0xff,	      /* no error, null message */
		2, 0, 1,    't',
	};
	unsigned char bad[] = {
		0, 0, 0,   9,	0,   0,	  0,
		0, 0, 0,   0,	1,   0,	  40, /* INVALID_CONFIG */
		0, 4, 'n', 'o', 'p', 'e',     /* its message */
		2, 0, 1,   't',
	};
	char msg[64], why[128];
	int16_t err = -1;

	(void)state;
	assert_int_equal(kq_incalter_parse(ok, sizeof(ok), 9, "t", &err, msg,
					   sizeof(msg), why, sizeof(why)),
			 0);
	assert_int_equal(err, 0);
	assert_string_equal(msg, "");
	assert_int_equal(kq_incalter_parse(bad, sizeof(bad), 9, "t", &err, msg,
					   sizeof(msg), why, sizeof(why)),
			 0);
	assert_int_equal(err, 40);
	assert_string_equal(msg, "nope");
	/* Another topic's answer, another request's, one cut short. */
	assert_int_equal(kq_incalter_parse(bad, sizeof(bad), 9, "u", &err, msg,
					   sizeof(msg), why, sizeof(why)),
			 -1);
	assert_int_equal(kq_incalter_parse(bad, sizeof(bad), 8, "t", &err, msg,
					   sizeof(msg), why, sizeof(why)),
			 -1);
	assert_int_equal(kq_incalter_parse(bad, sizeof(bad) - 1, 9, "t", &err,
					   msg, sizeof(msg), why, sizeof(why)),
			 -1);
	bad[15] = 40; /* a message longer than the answer */
	assert_int_equal(kq_incalter_parse(bad, sizeof(bad), 9, "t", &err, msg,
					   sizeof(msg), why, sizeof(why)),
			 -1);
}

static void
names_are_kafkas(void **state)
{
	(void)state;
	assert_string_equal(kq_api_name(0), "Produce");
	assert_string_equal(kq_api_name(18), "ApiVersions");
	assert_string_equal(kq_api_name(44), "IncrementalAlterConfigs");
	assert_string_equal(kq_api_name(60), "DescribeCluster");
	assert_null(kq_api_name(-1));
	assert_null(kq_api_name(10000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_bytes),
		cmocka_unit_test(request_long_client_id_fits),
		cmocka_unit_test(answer_read_and_sorted),
		cmocka_unit_test(answer_in_pieces),
		cmocka_unit_test(no_answer_times_out),
		cmocka_unit_test(hangup_is_unavailable),
		cmocka_unit_test(bad_answers_are_protocol_errors),
		cmocka_unit_test(parse_checks_bounds),
		cmocka_unit_test(get_connects_over_tcp),
		cmocka_unit_test(incalter_request_bytes),
		cmocka_unit_test(incalter_response),
		cmocka_unit_test(names_are_kafkas),
	};

	kq_setprogname("kq-test");
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
