/*
 * The Admin API plumbing of kq-topic and kq-group: plaintext or not, a
 * request that times out as -T says, an answer waited for until a
 * deadline or a signal, the status each topic error gives, an answer's
 * per-group and per-topic results, and on librdkafka's mock cluster the
 * metadata asked and waited for until it shows what a request did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin.h"
#include "conf.h"
#include "metadata.h"
#include "sig.h"
#include "spec.h"
#include "unit.h"

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "",	    "Test the Admin API plumbing.", options, 1,
	NULL,	   "0 ok.",
};

static int
setup(void **state)
{
	(void)state;
	unit_env();
	kq_stop = 0;
	return 0;
}

static int
plaintext_as(char **argv)
{
	struct kq_conf c;
	int yes;

	unit_conf(&c, &cmd, argv);
	yes = kq_plaintext(&c);
	kq_conf_free(&c);
	return yes;
}

static void
plaintext(void **state)
{
	(void)state;
	assert_true(plaintext_as(ARGV("-b", "localhost:9092")));
	assert_true(plaintext_as(ARGV("-X", "security.protocol=PLAINTEXT")));
	assert_false(plaintext_as(ARGV("-X", "security.protocol=SSL")));
	assert_false(
		plaintext_as(ARGV("-X", "security.protocol=sasl_plaintext")));
}

static void
topic_statuses(void **state)
{
	(void)state;
	assert_int_equal(
		kq_admin_topic_status(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS),
		EX_USAGE);
	assert_int_equal(
		kq_admin_topic_status(RD_KAFKA_RESP_ERR_INVALID_CONFIG),
		EX_USAGE);
	assert_int_equal(
		kq_admin_topic_status(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT),
		EX_TEMPFAIL);
	assert_int_equal(kq_admin_topic_status(RD_KAFKA_RESP_ERR__TIMED_OUT),
			 EX_TEMPFAIL);
	assert_int_equal(kq_admin_topic_status(
				 RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED),
			 EX_UNAVAILABLE);
}

/* A handle whose broker never answers: port 1 of this host. */
static rd_kafka_t *
nowhere(void)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char errstr[256];

	rd_kafka_conf_set(rc, "bootstrap.servers", "127.0.0.1:1", errstr,
			  sizeof(errstr));
	rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof(errstr));
	return rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof(errstr));
}

/* The request's own timeout answers it; nothing more comes after. */
static void
timed_out_request(void **state)
{
	rd_kafka_t *rk = nowhere();
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_ConfigResource_t *res;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	int late = 0;

	(void)state;
	res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "t");
	ao = kq_admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, 300, 0);
	rd_kafka_DescribeConfigs(rk, &res, 1, ao, q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_ConfigResource_destroy(res);
	ev = kq_admin_poll(q, -1, NULL);
	assert_non_null(ev);
	assert_int_equal(rd_kafka_event_type(ev),
			 RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
	assert_int_equal(rd_kafka_event_error(ev),
			 RD_KAFKA_RESP_ERR__TIMED_OUT);
	rd_kafka_event_destroy(ev);
	assert_null(kq_admin_poll(q, kq_clock_ms() + 200, &late));
	assert_int_equal(late, 1);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
}

/* A signal ends the wait without calling it late. */
static void
interrupted(void **state)
{
	rd_kafka_t *rk = nowhere();
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	int late = 0;

	(void)state;
	kq_stop = 1;
	assert_null(kq_admin_poll(q, -1, &late));
	assert_int_equal(late, 0);
	kq_stop = 0;
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
}

/* What kq_admin_apis says on stderr, asking port 1 of this host. */
static const char *
apis_said(char **argv, const char *how)
{
	struct kq_api *apis = NULL;
	struct unit_catch k;
	struct kq_conf c;
	const char *said;
	int n = 0;

	unit_conf(&c, &cmd, argv);
	unit_catch(&k);
	assert_int_not_equal(kq_admin_apis(&c, how, "127.0.0.1", 1, &apis, &n),
			     0);
	said = unit_caught(&k);
	assert_null(apis);
	kq_conf_free(&c);
	return said;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A broker that cannot be asked: said with -v only, after how. */
static void
apis_unasked(void **state)
{
	(void)state;
	assert_string_equal(apis_said(ARGV("-b", "x:1"), "alter"), "");
	assert_true(starts(apis_said(ARGV("-v", "-b", "x:1"), "alter"),
			   "kq-test: alter: cannot ask 127.0.0.1:1 which "
			   "requests it takes: "));
	assert_true(starts(apis_said(ARGV("-v", "-b", "x:1"), NULL),
			   "kq-test: cannot ask 127.0.0.1:1 which requests "
			   "it takes: "));
}

/* librdkafka's mock cluster with topic "two" (two partitions), and an
 * admin handle on it within --timeout 500ms. */
struct mock {
	struct unit_mock u;
	struct kq_conf c;
	struct kq_admin a;
	const struct rd_kafka_metadata *md;
	int out; /* stdout, which kq_admin_close closes */
};

static void
mock_open(struct mock *m)
{
	unit_mock_start(&m->u, "two", 2);
	unit_conf(&m->c, &cmd, ARGV("--timeout", "500ms", "-b", m->u.brokers));
	m->out = dup(1);
	kq_admin_open(&m->a, &m->c);
	m->md = NULL;
}

static void
mock_close(struct mock *m)
{
	if (m->md)
		rd_kafka_metadata_destroy(m->md);
	kq_admin_close(&m->a);
	dup2(m->out, 1);
	close(m->out);
	kq_conf_free(&m->c);
	unit_mock_stop(&m->u);
}

/* Every topic, asked again as often as wanted. */
static void
metadata_asked(void **state)
{
	struct mock m;

	(void)state;
	mock_open(&m);
	assert_int_equal(kq_admin_metadata(&m.a, &m.c, &m.md), 0);
	assert_non_null(kq_md_topic(m.md, "two"));
	assert_int_equal(kq_admin_metadata(&m.a, &m.c, &m.md), 0);
	assert_int_equal(kq_md_topic(m.md, "two")->partition_cnt, 2);
	mock_close(&m);
}

/* What a script's next command would find: at once when it is there. */
static void
await_shown(void **state)
{
	char *two[] = {"two"}, *gone[] = {"gone", "none"};
	struct unit_catch k;
	struct mock m;

	(void)state;
	mock_open(&m);
	unit_catch(&k);
	assert_int_equal(kq_admin_await(&m.a, &m.c, "create", two, 1, 2, &m.md),
			 0);
	assert_int_equal(
		kq_admin_await(&m.a, &m.c, "delete", gone, 2, 0, &m.md), 0);
	assert_string_equal(unit_caught(&k), "");
	assert_non_null(kq_md_topic(m.md, "two"));
	mock_close(&m);
}

/* What metadata does not show after -T is said, and EX_TEMPFAIL. */
static void
await_late(void **state)
{
	char *two[] = {"two", "gone"};
	struct unit_catch k;
	struct mock m;

	(void)state;
	mock_open(&m);
	unit_catch(&k);
	assert_int_equal(
		kq_admin_await(&m.a, &m.c, "partitions", two, 1, 3, &m.md),
		EX_TEMPFAIL);
	assert_string_equal(unit_caught(&k),
			    "kq-test: partitions two: done, but metadata does "
			    "not show it after 500ms\n");
	unit_catch(&k);
	assert_int_equal(kq_admin_await(&m.a, &m.c, "delete", two, 2, 0, &m.md),
			 EX_TEMPFAIL);
	assert_string_equal(unit_caught(&k),
			    "kq-test: delete two ...: done, but metadata "
			    "does not show it after 500ms\n");
	mock_close(&m);
}

/* A signal ends the wait at once. */
static void
await_interrupted(void **state)
{
	char *gone[] = {"gone"};
	struct mock m;

	(void)state;
	mock_open(&m);
	kq_stop = 1;
	assert_int_equal(
		kq_admin_await(&m.a, &m.c, "create", gone, 1, 1, &m.md),
		KQ_EX_INTERRUPTED);
	kq_stop = 0;
	mock_close(&m);
}

/* An answer about a group's offsets gives that group's result. */
static void
group_results(void **state)
{
	const rd_kafka_group_result_t **gr;
	rd_kafka_AlterConsumerGroupOffsets_t *alter;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	struct mock m;
	size_t n = 9;

	(void)state;
	mock_open(&m);
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, "two", 1)->offset = 0;
	alter = rd_kafka_AlterConsumerGroupOffsets_new("g", l);
	ao = kq_admin_options(m.a.kk.rk,
			      RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, 5000,
			      0);
	rd_kafka_AlterConsumerGroupOffsets(m.a.kk.rk, &alter, 1, ao, m.a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_AlterConsumerGroupOffsets_destroy(alter);
	rd_kafka_topic_partition_list_destroy(l);
	ev = kq_admin_poll(m.a.q, kq_clock_ms() + 10000, NULL);
	assert_non_null(ev);
	assert_int_equal(rd_kafka_event_error(ev), 0);
	gr = kq_admin_group_results(ev, &n);
	assert_int_equal(n, 1);
	assert_string_equal(rd_kafka_group_result_name(gr[0]), "g");
	assert_null(kq_admin_topic_results(ev, &n));
	assert_int_equal(n, 0);
	rd_kafka_event_destroy(ev);
	mock_close(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(plaintext, setup),
		cmocka_unit_test_setup(apis_unasked, setup),
		cmocka_unit_test_setup(topic_statuses, setup),
		cmocka_unit_test_setup(timed_out_request, setup),
		cmocka_unit_test_setup(interrupted, setup),
		cmocka_unit_test_setup(metadata_asked, setup),
		cmocka_unit_test_setup(await_shown, setup),
		cmocka_unit_test_setup(await_late, setup),
		cmocka_unit_test_setup(await_interrupted, setup),
		cmocka_unit_test_setup(group_results, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
