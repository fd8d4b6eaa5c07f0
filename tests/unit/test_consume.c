/*
 * A consumer's plumbing: a rebalance applied (eager here, as a group
 * never joined has no cooperative protocol), what a message's error
 * means as an exit status, when the fetchers are woken, and on
 * librdkafka's mock cluster a topic checked, a simple consumer's
 * partitions started and their messages fetched.
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

#include "conf.h"
#include "consume.h"
#include "unit.h"

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "", "Test a consumer's plumbing.", options, 1, NULL, "0 ok.",
};

struct fixture {
	rd_kafka_t *rk;
	struct kq_conf c;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char errstr[256], **argv = ARGV("-b", "localhost:1");

	unit_env();
	kq_conf_init(&f->c, &cmd, argv);
	while (kq_getopt(&f->c, 3, argv) != -1)
		;
	kq_conf_finish(&f->c);
	rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof(errstr));
	rd_kafka_conf_set(rc, "group.id", "kq-test", errstr, sizeof(errstr));
	rd_kafka_conf_set(rc, "queued.min.messages", "100", errstr,
			  sizeof(errstr));
	f->rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof(errstr));
	assert_non_null(f->rk);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rd_kafka_destroy(f->rk);
	kq_conf_free(&f->c);
	free(f);
	return 0;
}

static void
rebalance_eager(void **state)
{
	struct fixture *f = *state;
	rd_kafka_topic_partition_list_t *l, *now = NULL;
	char buf[256];
	int dropped = 1;

	l = rd_kafka_topic_partition_list_new(2);
	rd_kafka_topic_partition_list_add(l, "t", 0);
	rd_kafka_topic_partition_list_add(l, "t", 1);
	assert_null(kq_consume_rebalance(f->rk, &f->c,
					 RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS,
					 l, &dropped, buf, sizeof(buf)));
	assert_int_equal(dropped, 0);
	assert_int_equal(rd_kafka_assignment(f->rk, &now), 0);
	assert_int_equal(now->cnt, 2);
	rd_kafka_topic_partition_list_destroy(now);
	/* Eager: one revoked drops them all. */
	l->cnt = 1;
	assert_null(kq_consume_rebalance(f->rk, &f->c,
					 RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS,
					 l, &dropped, buf, sizeof(buf)));
	assert_int_equal(dropped, 1);
	assert_int_equal(rd_kafka_assignment(f->rk, &now), 0);
	assert_int_equal(now->cnt, 0);
	rd_kafka_topic_partition_list_destroy(now);
	l->cnt = 2;
	rd_kafka_topic_partition_list_destroy(l);
}

static int
status_of(struct fixture *f, rd_kafka_resp_err_t err)
{
	rd_kafka_message_t m;

	memset(&m, 0, sizeof(m));
	m.err = err;
	m.partition = 3;
	m.offset = 17;
	return kq_consume_error(&f->c, &m);
}

static void
message_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(status_of(f, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC),
			 EX_UNAVAILABLE);
	assert_int_equal(
		status_of(f, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED),
		EX_UNAVAILABLE);
	assert_int_equal(status_of(f, RD_KAFKA_RESP_ERR__BAD_MSG), EX_DATAERR);
	/* What librdkafka retries by itself ends nothing. */
	assert_int_equal(status_of(f, RD_KAFKA_RESP_ERR__TRANSPORT), 0);
}

static void
fetchers_woken(void **state)
{
	struct fixture *f = *state;
	rd_kafka_queue_t *q = rd_kafka_queue_new(f->rk);
	struct kq_partset ps = {0};
	struct kq_wake w;

	kq_wake_init(&w, f->rk, q, 10);
	assert_int_equal(w.queued_min, 100);
	/* An empty queue that was never full: nothing to wake. */
	kq_wake_check(&w, &ps);
	assert_int_equal(w.full, 0);
	/* A batch's worth short of the fill: the fetchers stop. */
	w.batch = 100;
	kq_wake_check(&w, &ps);
	assert_int_equal(w.full, 1);
	/* Drained below half: woken, once. */
	w.batch = 10;
	kq_wake_check(&w, &ps);
	assert_int_equal(w.full, 0);
	rd_kafka_queue_destroy(q);
}

/* librdkafka's mock cluster with topic "two" (two partitions), and a
 * consumer's handle on it. */
struct mock {
	struct unit_mock u;
	struct kq_conf c;
	struct kq_kafka kk;
};

static void
mock_open(struct mock *m)
{
	unit_mock_start(&m->u, "two", 2);
	unit_conf(&m->c, &cmd, ARGV("-b", m->u.brokers));
}

static void
mock_close(struct mock *m)
{
	kq_kafka_close(&m->kk);
	kq_conf_free(&m->c);
	unit_mock_stop(&m->u);
}

/* A topic there (the mock makes any topic it is asked for). */
static void
topic_checked(void **state)
{
	struct mock m;

	(void)state;
	mock_open(&m);
	kq_kafka_open(&m.kk, RD_KAFKA_CONSUMER,
		      kq_kafka_conf(&m.kk, &m.c, NULL));
	assert_int_equal(kq_consume_topic(&m.kk, "two", 1), 2);
	mock_close(&m);
}

/* n messages into partition p of topic on the mock at brokers. */
static void
produce(const char *brokers, const char *topic, int32_t p, int n)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_t *rk;
	char errstr[256];
	int i;

	rd_kafka_conf_set(rc, "bootstrap.servers", brokers, errstr,
			  sizeof(errstr));
	rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof(errstr));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof(errstr));
	assert_non_null(rk);
	for (i = 0; i < n; i++)
		assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
						   RD_KAFKA_V_PARTITION(p),
						   RD_KAFKA_V_VALUE("v", 1),
						   RD_KAFKA_V_END),
				 0);
	assert_int_equal(rd_kafka_flush(rk, 10000), 0);
	rd_kafka_destroy(rk);
}

/* Fetch until want messages came (each of partition 0), or 10 s passed. */
static int
fetch_all(rd_kafka_t *rk, rd_kafka_queue_t *q, struct kq_hold *h,
	  int one_by_one, int want)
{
	rd_kafka_message_t *msgs[4];
	int got = 0, tries, i;
	ssize_t n;

	for (tries = 0; got < want && tries < 100; tries++) {
		/* No more than want: what is left is the next call's. */
		n = kq_consume_fetch(rk, q, h, one_by_one, msgs,
				     want - got < 4 ? (size_t)(want - got) : 4,
				     100);
		assert_true(n >= 0 && n <= 4);
		for (i = 0; i < n; i++) {
			assert_int_equal(msgs[i]->err, 0);
			assert_int_equal(msgs[i]->partition, 0);
			rd_kafka_message_destroy(msgs[i]);
		}
		got += (int)n;
	}
	return got;
}

/*
 * Partition 0 named twice is started once; partition 1, done already, is
 * not read at all; batches and one by one fetch the same messages.
 */
static void
simple_fetch(void **state)
{
	struct mock m;
	struct kq_partset ps = {0};
	struct kq_hold h;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_message_t *none[4];
	rd_kafka_queue_t *q;

	(void)state;
	mock_open(&m);
	produce(m.u.brokers, "two", 0, 9);
	produce(m.u.brokers, "two", 1, 3);
	kq_kafka_open(&m.kk, RD_KAFKA_CONSUMER,
		      kq_kafka_conf(&m.kk, &m.c, NULL));
	kq_hold_init(&h, m.kk.rk);
	kq_partset_part(&ps, "two", 1)->done = 1;
	l = rd_kafka_topic_partition_list_new(3);
	rd_kafka_topic_partition_list_add(l, "two", 0)->offset = 0;
	rd_kafka_topic_partition_list_add(l, "two", 1)->offset = 0;
	rd_kafka_topic_partition_list_add(l, "two", 0)->offset = 0;
	q = rd_kafka_queue_new(m.kk.rk);
	assert_int_equal(kq_consume_start(&ps, m.kk.rk, q, l), 0);
	assert_int_equal(ps.nassigned, 2);
	assert_true(kq_partset_part(&ps, "two", 0)->assigned);
	assert_non_null(kq_partset_topic(&ps, "two")->rkt);
	assert_int_equal(fetch_all(m.kk.rk, q, &h, 1, 4), 4);
	assert_int_equal(fetch_all(m.kk.rk, q, &h, 0, 5), 5);
	/* Nothing of partition 1, nothing more of 0. */
	assert_int_equal(kq_consume_fetch(m.kk.rk, q, &h, 0, none, 4, 300), 0);
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_consume_stop(kq_partset_topic(&ps, "two")->rkt, 0);
	rd_kafka_queue_destroy(q);
	kq_partset_free(&ps);
	mock_close(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rebalance_eager, setup,
						teardown),
		cmocka_unit_test_setup_teardown(message_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fetchers_woken, setup,
						teardown),
		cmocka_unit_test(topic_checked),
		cmocka_unit_test(simple_fetch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
