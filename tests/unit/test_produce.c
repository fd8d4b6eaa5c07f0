/*
 * Messages handed to librdkafka: a batch copies its bytes (the reader's
 * buffer moves), tells which messages were taken, and when librdkafka's
 * queue is full asks for room and gives up the rest when told to; one
 * message alone does the same. No broker is needed: nothing is sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "produce.h"

struct fixture {
	struct kq_producer pr;
	size_t taken, taken_bytes, refused, rooms;
	uint64_t last_refused;
	int give_up;
};

static void
taken(void *arg, size_t len)
{
	struct fixture *f = arg;

	f->taken++;
	f->taken_bytes += len;
}

static void
refused(void *arg, uint64_t rec, rd_kafka_resp_err_t err)
{
	struct fixture *f = arg;

	assert_int_equal(err, RD_KAFKA_RESP_ERR__QUEUE_FULL);
	f->refused++;
	f->last_refused = rec;
}

static int
room(void *arg)
{
	struct fixture *f = arg;

	f->rooms++;
	return f->give_up;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char errstr[256];

	rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof(errstr));
	rd_kafka_conf_set(rc, "bootstrap.servers", "localhost:1", errstr,
			  sizeof(errstr));
	/* Room for two: the third finds the queue full. */
	rd_kafka_conf_set(rc, "queue.buffering.max.messages", "2", errstr,
			  sizeof(errstr));
	f->pr.rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof(errstr));
	assert_non_null(f->pr.rk);
	f->pr.rkt = rd_kafka_topic_new(f->pr.rk, "t", NULL);
	f->pr.taken = taken;
	f->pr.refused = refused;
	f->pr.room = room;
	f->pr.arg = f;
	f->give_up = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rd_kafka_purge(f->pr.rk, RD_KAFKA_PURGE_F_QUEUE);
	rd_kafka_topic_destroy(f->pr.rkt);
	kq_producer_free(&f->pr);
	rd_kafka_destroy(f->pr.rk);
	free(f);
	return 0;
}

static void
batch_copies_and_gives_up(void **state)
{
	struct fixture *f = *state;
	char buf[8] = "abc";
	struct kq_pmsg m = {.value = buf,
			    .len = 3,
			    .partition = RD_KAFKA_PARTITION_UA,
			    .timestamp = -1};
	int i;

	kq_producer_init(&f->pr);
	assert_true(kq_produce_batchable(&f->pr, &m));
	for (i = 1; i <= 3; i++)
		kq_produce_add(&f->pr, &m, (uint64_t)i);
	/* The batch holds its own copy of the bytes. */
	memcpy(buf, "xyz", 3);
	assert_memory_equal(f->pr.m[2].payload, "abc", 3);
	assert_int_equal(kq_produce_flush(&f->pr), 3);
	assert_int_equal(f->taken, 2);
	assert_int_equal(f->taken_bytes, 6);
	assert_int_equal(f->rooms, 1);
	assert_int_equal(f->refused, 1);
	assert_int_equal(f->last_refused, 3);
	assert_int_equal(kq_produce_flush(&f->pr), 0);
}

static void
one_with_headers(void **state)
{
	static const struct kq_header every = {"from", 4, "kq", 2};
	struct fixture *f = *state;
	struct kq_pmsg m = {.value = "v",
			    .len = 1,
			    .partition = RD_KAFKA_PARTITION_UA,
			    .timestamp = -1};

	f->pr.headers = &every;
	f->pr.nheaders = 1;
	kq_producer_init(&f->pr);
	/* -H headers go one at a time, not in a batch. */
	assert_false(kq_produce_batchable(&f->pr, &m));
	assert_int_equal(kq_produce_one(&f->pr, &m, 1), 0);
	assert_int_equal(kq_produce_one(&f->pr, &m, 2), 0);
	assert_int_equal(kq_produce_one(&f->pr, &m, 3),
			 RD_KAFKA_RESP_ERR__QUEUE_FULL);
	assert_int_equal(f->rooms, 1);
}

/* A failure in words: librdkafka's, which limit, why no broker answered. */
static void
reasons(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(kq_produce_reason(KQ_ERR_OVER_MAX, 1000, NULL, buf,
					      sizeof(buf)),
			    "Message size too large: over the producer limit "
			    "message.max.bytes=1000 (raise it with -X "
			    "message.max.bytes=N)");
	assert_string_equal(
		kq_produce_reason(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, 1000,
				  "x", buf, sizeof(buf)),
		"Message size too large for the broker: over the topic limit "
		"max.message.bytes (or the broker limit message.max.bytes)");
	assert_string_equal(kq_produce_reason(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
					      0, "connection refused", buf,
					      sizeof(buf)),
			    "Message timed out (connection refused)");
	assert_string_equal(kq_produce_reason(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
					      0, NULL, buf, sizeof(buf)),
			    "Message timed out");
	/* The reason is for a timeout only. */
	assert_string_equal(
		kq_produce_reason(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
				  0, "connection refused", buf, sizeof(buf)),
		"Topic authorization failed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(batch_copies_and_gives_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(one_with_headers, setup,
						teardown),
		cmocka_unit_test(reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
