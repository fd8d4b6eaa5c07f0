/*
 * The librdkafka handle: why a broker could not be reached, from
 * librdkafka's own error strings; property errors; kq_kafka_open against
 * an in-process mock cluster and against a closed port; metadata and
 * watermarks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "kafka.h"
#include "unit.h"

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "", "Test the Kafka handle.", options, 1, NULL, "0 ok.",
};

static int
setup(void **state)
{
	(void)state;
	unit_env();
	return 0;
}

static const char *
reason_of(const char *last_error)
{
	static struct kq_kafka kk;

	snprintf(kk.last_error, sizeof(kk.last_error), "%s", last_error);
	return kq_kafka_reason(&kk);
}

/* Error strings as librdkafka 2.0 words them. */
static void
reasons(void **state)
{
	(void)state;
	assert_string_equal(reason_of(""), "no broker answered");
	assert_string_equal(
		reason_of("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 "
			  "failed: Connection refused (after 0ms in state "
			  "CONNECT)"),
		"Connection refused");
	assert_string_equal(
		reason_of("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 "
			  "failed: Connection refused (after 0ms in state "
			  "CONNECT, 1 identical error(s) suppressed)"),
		"Connection refused");
	assert_string_equal(
		reason_of("nosuch.invalid:9092/bootstrap: Failed to resolve "
			  "'nosuch.invalid:9092': Name or service not known "
			  "(after 3ms in state CONNECT)"),
		"Name or service not known");
	assert_string_equal(
		reason_of("sasl_ssl://k1:9093/bootstrap: SASL authentication "
			  "error: Authentication failed: Invalid username or "
			  "password (after 5ms in state AUTH_REQ)"),
		"Invalid username or password");
	assert_string_equal(
		reason_of("ssl://k1:9093/bootstrap: SSL handshake failed: "
			  "error:0A000086:SSL routines::certificate verify "
			  "failed: broker certificate could not be verified, "
			  "verify that ssl.ca.location is correctly configured "
			  "or root CA certificates are installed (install "
			  "ca-certificates package) (after 12ms in state "
			  "SSL_HANDSHAKE)"),
		"broker certificate could not be verified, verify that "
		"ssl.ca.location is correctly configured or root CA "
		"certificates are installed (install ca-certificates package)");
	assert_string_equal(reason_of("1/1 brokers are down"),
			    "1/1 brokers are down");
}

/* Run fn in a child with stderr in a pipe: its status, what it said. */
static int
child(void (*fn)(void *), void *arg, char *err, size_t size)
{
	int fds[2], st;
	pid_t pid;
	ssize_t n, got = 0;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], err + got, size - 1 - got)) > 0)
		got += n;
	err[got] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
make_conf(void *arg)
{
	struct kq_conf c;
	struct kq_kafka kk;
	rd_kafka_conf_t *rc;

	unit_conf(&c, &cmd, arg);
	rc = kq_kafka_conf(&kk, &c, NULL);
	rd_kafka_conf_destroy(rc);
	kq_conf_free(&c);
}

static void
property_errors(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(child(make_conf, ARGV("-X", "no.such.property=1"), err,
			       sizeof(err)),
			 EX_USAGE);
	assert_string_equal(err, "kq-test: -X no.such.property: No such "
				 "configuration property\n");
	/* The value may be a secret: named by its property, never shown. */
	assert_int_equal(child(make_conf, ARGV("-X", "linger.ms=soon"), err,
			       sizeof(err)),
			 EX_USAGE);
	assert_true(strncmp(err, "kq-test: -X linger.ms: ", 23) == 0);
	assert_null(strstr(err, "soon"));
	assert_int_equal(strchr(err, '\n') - err + 1, strlen(err));
	assert_int_equal(child(make_conf,
			       ARGV("-X", "security.protocol=hunter2"), err,
			       sizeof(err)),
			 EX_USAGE);
	assert_string_equal(err, "kq-test: -X security.protocol: Invalid "
				 "value for configuration property "
				 "\"security.protocol\"\n");
	assert_int_equal(child(make_conf, ARGV("-X", "linger.ms=99999999999"),
			       err, sizeof(err)),
			 EX_USAGE);
	assert_null(strstr(err, "e+11"));
	assert_null(strstr(err, "99999999999"));
	/* kcat's "topic." spelling of topic properties works. */
	assert_int_equal(child(make_conf,
			       ARGV("-X", "topic.message.timeout.ms=5000", "-X",
				    "linger.ms=1"),
			       err, sizeof(err)),
			 0);
	assert_string_equal(err, "");
}

/* The defaults, then the file and -X, then the brokers. */
static void
conf_order(void **state)
{
	static const struct kq_default defaults[] = {
		{"linger.ms", "100"},
		{"client.id", "from-defaults"},
		{NULL, NULL},
	};
	struct kq_conf c;
	struct kq_kafka kk;
	rd_kafka_conf_t *rc;
	char buf[256];
	size_t n;

	(void)state;
	unit_conf(&c, &cmd, ARGV("-X", "linger.ms=7", "-b", "h1:1,h2:2"));
	rc = kq_kafka_conf(&kk, &c, defaults);
	n = sizeof(buf);
	assert_int_equal(rd_kafka_conf_get(rc, "linger.ms", buf, &n),
			 RD_KAFKA_CONF_OK);
	assert_string_equal(buf, "7");
	n = sizeof(buf);
	rd_kafka_conf_get(rc, "client.id", buf, &n);
	assert_string_equal(buf, "from-defaults");
	n = sizeof(buf);
	rd_kafka_conf_get(rc, "bootstrap.servers", buf, &n);
	assert_string_equal(buf, "h1:1,h2:2");
	assert_ptr_equal(kk.conf, &c);
	rd_kafka_conf_destroy(rc);
	kq_conf_free(&c);
}

/* A loopback port nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
open_closed(void *arg)
{
	struct kq_conf c;
	struct kq_kafka kk;

	unit_conf(&c, &cmd, arg);
	kq_kafka_open(&kk, RD_KAFKA_PRODUCER, kq_kafka_conf(&kk, &c, NULL));
	_exit(0);
}

static void
open_against_closed_port(void **state)
{
	char err[1024], brokers[64], want[128];

	(void)state;
	snprintf(brokers, sizeof(brokers), "127.0.0.1:%d", closed_port());
	assert_int_equal(child(open_closed,
			       ARGV("-b", brokers, "--timeout", "1500ms"), err,
			       sizeof(err)),
			 EX_UNAVAILABLE);
	snprintf(want, sizeof(want),
		 "kq-test: cannot reach %s: Connection refused\n", brokers);
	assert_string_equal(err, want);
}

static void
open_against_mock(void **state)
{
	struct unit_mock m;
	struct kq_conf c;
	struct kq_kafka kk;
	rd_kafka_resp_err_t err;
	rd_kafka_topic_partition_list_t *lo, *hi;
	int32_t *ids;
	int i, n;

	(void)state;
	unit_mock_start(&m, "three", 3);
	unit_conf(&c, &cmd, ARGV("-b", m.brokers, "--timeout", "5s"));
	kq_kafka_open(&kk, RD_KAFKA_PRODUCER, kq_kafka_conf(&kk, &c, NULL));
	assert_non_null(kk.rk);
	assert_int_equal(kk.fatal, 0);

	assert_int_equal(kq_kafka_partitions(&kk, "three", &err), 3);
	assert_int_equal(err, 0);

	/* Looking at every topic's metadata finds it too, and makes nothing. */
	assert_int_equal(kq_kafka_topic_parts(&kk, "three", &ids, &n, &err), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(ids[i], i);
	free(ids);
	for (i = 0; i < 2; i++) {
		assert_int_equal(
			kq_kafka_topic_parts(&kk, "ghost", &ids, &n, &err), 1);
		assert_int_equal(err, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC);
	}

	/* Five messages to partition 1: its high watermark is 5. */
	for (i = 0; i < 5; i++)
		assert_int_equal(rd_kafka_producev(kk.rk,
						   RD_KAFKA_V_TOPIC("three"),
						   RD_KAFKA_V_PARTITION(1),
						   RD_KAFKA_V_VALUE("x", 1),
						   RD_KAFKA_V_END),
				 0);
	assert_int_equal(rd_kafka_flush(kk.rk, 5000), 0);
	lo = rd_kafka_topic_partition_list_new(3);
	for (i = 0; i < 3; i++)
		rd_kafka_topic_partition_list_add(lo, "three", i);
	hi = rd_kafka_topic_partition_list_copy(lo);
	assert_int_equal(kq_kafka_watermarks(&kk, lo, hi), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(lo->elems[i].offset, 0);
		assert_int_equal(hi->elems[i].offset, i == 1 ? 5 : 0);
	}
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);

	/* A partition the topic does not have is an error, not a hang. */
	lo = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(lo, "three", 7);
	hi = rd_kafka_topic_partition_list_copy(lo);
	assert_int_not_equal(kq_kafka_watermarks(&kk, lo, hi), 0);
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);

	kq_kafka_close(&kk);
	assert_null(kk.rk);
	kq_conf_free(&c);
	unit_mock_stop(&m);
}

/* -p's partitions, of those a topic has: kept in order, missing ones told. */
static void
pick_partitions(void **state)
{
	int32_t ids[] = {0, 1, 2, 3, 4};
	int32_t want[] = {3, 9, 1, 3};
	int n = 5;

	(void)state;
	kq_parts_pick(ids, &n, NULL, 0);
	assert_int_equal(n, 5);
	kq_parts_pick(ids, &n, want, 4);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);
	assert_true(kq_parts_has(ids, n, 3));
	assert_false(kq_parts_has(ids, n, 9));
	assert_false(kq_parts_has(ids, n, 0));
	assert_false(kq_parts_has(ids, 0, 1));
}

/* The broker goes away after the handle was made: errors, not hangs. */
static void
broker_gone(void **state)
{
	struct unit_mock m;
	struct kq_conf c;
	struct kq_kafka kk;
	rd_kafka_topic_partition_list_t *lo, *hi;

	(void)state;
	unit_mock_start(&m, "one", 1);
	unit_conf(&c, &cmd, ARGV("-b", m.brokers, "--timeout", "1s"));
	kq_kafka_open(&kk, RD_KAFKA_PRODUCER, kq_kafka_conf(&kk, &c, NULL));
	unit_mock_stop(&m);
	lo = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(lo, "one", 0);
	hi = rd_kafka_topic_partition_list_copy(lo);
	assert_int_not_equal(kq_kafka_watermarks(&kk, lo, hi), 0);
	rd_kafka_topic_partition_list_destroy(lo);
	rd_kafka_topic_partition_list_destroy(hi);
	kq_kafka_close(&kk);
	kq_conf_free(&c);
}

/* An outage said, then its end; the end said once, and only after. */
static void
outage(void *arg)
{
	struct kq_conf c;
	struct kq_kafka kk = {.all_down_ms = 1};

	unit_conf(&c, &cmd, arg);
	kk.conf = &c;
	kq_kafka_answered(&kk); /* its start was not said */
	kk.all_down_ms = 5;
	kq_kafka_say_down(&kk, "still trying");
	if (!kk.down_said)
		fputs("not noted\n", stderr);
	kq_kafka_answered(&kk);
	kq_kafka_answered(&kk);
	if (kk.all_down_ms || kk.down_said)
		fputs("not over\n", stderr);
	kq_conf_free(&c);
}

static void
outage_said(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(child(outage, ARGV("-b", "h:1"), err, sizeof(err)), 0);
	assert_string_equal(err, "kq-test: no broker answers at h:1 (no broker "
				 "answered); still trying\n"
				 "kq-test: a broker answers again\n");
	assert_int_equal(
		child(outage, ARGV("-q", "-b", "h:1"), err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reasons),
		cmocka_unit_test(property_errors),
		cmocka_unit_test(conf_order),
		cmocka_unit_test(open_against_closed_port),
		cmocka_unit_test(open_against_mock),
		cmocka_unit_test(pick_partitions),
		cmocka_unit_test(broker_gone),
		cmocka_unit_test(outage_said),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
