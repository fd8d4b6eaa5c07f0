/*
 * A consumer held while it waits keeps its group past max.poll.interval.ms,
 * and after the wait reads on from where it was: nothing skipped, nothing
 * twice. Against librdkafka's in-process mock cluster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hold.h"
#include "spec.h"

#define N 100

static void
set(rd_kafka_conf_t *rc, const char *k, const char *v)
{
	char errstr[256];

	assert_int_equal(rd_kafka_conf_set(rc, k, v, errstr, sizeof(errstr)),
			 RD_KAFKA_CONF_OK);
}

static rd_kafka_t *
consumer(const char *brokers)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l;
	char errstr[256];
	rd_kafka_t *rk;

	set(rc, "bootstrap.servers", brokers);
	set(rc, "group.id", "held");
	set(rc, "auto.offset.reset", "earliest");
	set(rc, "session.timeout.ms", "6000");
	set(rc, "heartbeat.interval.ms", "500");
	set(rc, "max.poll.interval.ms", "6000");
	set(rc, "log_level", "0");
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof(errstr));
	assert_non_null(rk);
	rd_kafka_poll_set_consumer(rk);
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, "t", RD_KAFKA_PARTITION_UA);
	assert_int_equal(rd_kafka_subscribe(rk, l), 0);
	rd_kafka_topic_partition_list_destroy(l);
	return rk;
}

/* The next message, kept ones first; errors fail the test. */
static rd_kafka_message_t *
next(struct kq_hold *h, int64_t deadline)
{
	rd_kafka_message_t *m;

	while (kq_clock_ms() < deadline) {
		if (!(m = kq_hold_next(h))) {
			kq_hold_release(h);
			m = rd_kafka_consumer_poll(h->rk, 100);
		}
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			rd_kafka_message_destroy(m);
			continue;
		}
		if (m->err)
			fail_msg("%s", rd_kafka_message_errstr(m));
		return m;
	}
	fail_msg("no message in time");
	return NULL;
}

static void
held_past_max_poll_interval(void **state)
{
	rd_kafka_conf_t *pc = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_message_t *m;
	rd_kafka_t *host, *p, *c;
	struct kq_hold h;
	char errstr[256], v[16];
	int64_t until;
	int i;

	(void)state;
	set(pc, "log_level", "0");
	host = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(pc), errstr,
			    sizeof(errstr));
	assert_non_null(host);
	mc = rd_kafka_mock_cluster_new(host, 1);
	assert_int_equal(rd_kafka_mock_topic_create(mc, "t", 1, 1), 0);
	set(pc, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mc));
	p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof(errstr));
	assert_non_null(p);
	for (i = 0; i < N; i++) {
		snprintf(v, sizeof(v), "%d", i);
		assert_int_equal(
			rd_kafka_producev(
				p, RD_KAFKA_V_TOPIC("t"),
				RD_KAFKA_V_VALUE(v, strlen(v)),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_END),
			0);
	}
	assert_int_equal(rd_kafka_flush(p, 10000), 0);

	c = consumer(rd_kafka_mock_cluster_bootstraps(mc));
	kq_hold_init(&h, c);
	m = next(&h, kq_clock_ms() + 20000);
	assert_int_equal(m->offset, 0);
	rd_kafka_message_destroy(m);

	/* A wait longer than max.poll.interval.ms, held. */
	until = kq_clock_ms() + 8000;
	while (kq_clock_ms() < until) {
		struct timespec ts = {0, 100 * 1000000};

		kq_hold_poll(&h);
		assert_true(h.paused);
		nanosleep(&ts, NULL);
	}

	for (i = 1; i < N; i++) {
		m = next(&h, kq_clock_ms() + 20000);
		assert_int_equal(m->offset, i);
		rd_kafka_message_destroy(m);
	}
	kq_hold_drop(&h, NULL);
	rd_kafka_consumer_close(c);
	rd_kafka_destroy(c);
	rd_kafka_destroy(p);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(host);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(held_past_max_poll_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
