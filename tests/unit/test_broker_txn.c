/*
 * The transaction coordinator (broker/txn.c) without a network: the
 * epochs of a transactional id and the fencing of an older producer, a
 * write allowed only inside its producer's open transaction, and what a
 * restart does with the state file: the id keeps its producer id and
 * epoch, an open transaction is aborted (its marker written into the
 * partition), a torn last line is dropped and the rest kept.
 */
#include <fcntl.h>
#include <unistd.h>

#include "api.h"
#include "unit_broker.h"
#include "errors.h"

enum {
	INVALID_TXN_STATE = 48,
	INVALID_PRODUCER_ID_MAPPING = 49,
	INVALID_TRANSACTION_TIMEOUT = 50,
};

static struct kb_str
str(const char *s)
{
	struct kb_str v = {s, (int)strlen(s)};

	return v;
}

static struct kb_log *
log_of(struct kb_broker *b, int32_t part)
{
	struct kb_topic *t = kb_topics_find(&b->topics, "t", 1);

	assert_non_null(t);
	return &t->parts[part];
}

/* AddPartitionsToTxn v0 of t:part for pid at epoch: the error answered. */
static int16_t
add_part(struct kb_broker *b, const char *id, int64_t pid, int16_t epoch,
	 int32_t part)
{
	struct kb_buf req = {0}, out = {0};
	struct kb_req r = {.ver = 0};
	struct kb_rd rd;
	int16_t err;

	kb_put_cstr(&req, id);
	kb_put_i64(&req, pid);
	kb_put_i16(&req, epoch);
	kb_put_i32(&req, 1);
	kb_put_cstr(&req, "t");
	kb_put_i32(&req, 1);
	kb_put_i32(&req, part);
	kb_rd_init(&rd, req.p, req.len);
	assert_int_equal(kb_api_add_partitions_to_txn(b, &r, &rd, &out),
			 KB_REPLY);
	kb_rd_init(&rd, out.p, out.len);
	kb_i32(&rd); /* throttle */
	assert_int_equal(kb_i32(&rd), 1);
	assert_true(kb_str_eq(kb_string(&rd), "t"));
	assert_int_equal(kb_i32(&rd), 1);
	assert_int_equal(kb_i32(&rd), part);
	err = kb_i16(&rd);
	assert_false(rd.err);
	kb_buf_free(&req);
	kb_buf_free(&out);
	return err;
}

static void
epochs_fence_the_older_producer(void **state)
{
	struct unit_broker *f = *state;
	int64_t pid, pid2;
	int16_t epoch, epoch2;

	assert_int_equal(kb_txn_init(&f->b, str("app"), 60000, &pid, &epoch),
			 KB_NONE);
	assert_int_equal(epoch, 0);
	assert_int_equal(kb_txn_init(&f->b, str("app"), 60000, &pid2, &epoch2),
			 KB_NONE);
	assert_int_equal(pid2, pid);
	assert_int_equal(epoch2, 1);
	/* The first producer, a zombie now, may not join a transaction. */
	assert_int_equal(add_part(&f->b, "app", pid, epoch, 0),
			 KB_INVALID_PRODUCER_EPOCH);
	assert_int_equal(add_part(&f->b, "app", pid + 1, epoch2, 0),
			 INVALID_PRODUCER_ID_MAPPING);
	assert_int_equal(add_part(&f->b, "app", pid2, epoch2, 0), KB_NONE);
	assert_int_equal(kb_txn_check(&f->b, "t", 0, pid, epoch),
			 KB_INVALID_PRODUCER_EPOCH);
	assert_int_equal(kb_txn_check(&f->b, "t", 0, pid2, epoch2), KB_NONE);
	/* Only the partitions its transaction holds. */
	assert_int_equal(kb_txn_check(&f->b, "t", 1, pid2, epoch2),
			 INVALID_TXN_STATE);
}

static void
timeouts_are_bounded(void **state)
{
	struct unit_broker *f = *state;
	int64_t pid;
	int16_t epoch;

	assert_int_equal(kb_txn_init(&f->b, str("a"), 0, &pid, &epoch),
			 INVALID_TRANSACTION_TIMEOUT);
	assert_int_equal(kb_txn_init(&f->b, str("a"), KB_TXN_MAX_TIMEOUT_MS + 1,
				     &pid, &epoch),
			 INVALID_TRANSACTION_TIMEOUT);
	assert_int_equal(kb_txn_init(&f->b, str("a"), KB_TXN_MAX_TIMEOUT_MS,
				     &pid, &epoch),
			 KB_NONE);
	assert_int_equal(kb_txn_init(&f->b, str(""), 1000, &pid, &epoch),
			 KB_INVALID_REQUEST);
}

/* A restart aborts the open transaction: a marker, and a new epoch. */
static void
restart_aborts_what_was_open(void **state)
{
	struct unit_broker *f = *state;
	int64_t pid, pid2, end;
	int16_t epoch, epoch2;

	assert_int_equal(kb_txn_init(&f->b, str("app"), 60000, &pid, &epoch),
			 KB_NONE);
	assert_int_equal(add_part(&f->b, "app", pid, epoch, 1), KB_NONE);
	end = log_of(&f->b, 1)->next;
	unit_stores_close(f);
	unit_stores_open(f);
	/* The abort marker is one record past what was there. */
	assert_int_equal(log_of(&f->b, 1)->next, end + 1);
	assert_int_equal(kb_txn_check(&f->b, "t", 1, pid, epoch),
			 KB_INVALID_PRODUCER_EPOCH);
	assert_int_equal(kb_txn_init(&f->b, str("app"), 60000, &pid2, &epoch2),
			 KB_NONE);
	assert_int_equal(pid2, pid);
	assert_int_equal(epoch2, epoch + 2);
}

/* A crash in the middle of a line loses that line only. */
static void
torn_last_line_is_dropped(void **state)
{
	struct unit_broker *f = *state;
	char path[64];
	int64_t pid, pid2;
	int16_t epoch, epoch2;
	int fd;

	assert_int_equal(kb_txn_init(&f->b, str("app"), 60000, &pid, &epoch),
			 KB_NONE);
	unit_stores_close(f);
	snprintf(path, sizeof(path), "%s/transactions", f->dir);
	assert_true((fd = open(path, O_WRONLY | O_APPEND)) >= 0);
	assert_int_equal(write(fd, "I app 9", 7), 7);
	close(fd);
	unit_stores_open(f);
	assert_int_equal(kb_txn_init(&f->b, str("app"), 60000, &pid2, &epoch2),
			 KB_NONE);
	assert_int_equal(pid2, pid);
	assert_int_equal(epoch2, epoch + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(epochs_fence_the_older_producer,
						unit_broker_setup,
						unit_broker_teardown),
		cmocka_unit_test_setup_teardown(timeouts_are_bounded,
						unit_broker_setup,
						unit_broker_teardown),
		cmocka_unit_test_setup_teardown(restart_aborts_what_was_open,
						unit_broker_setup,
						unit_broker_teardown),
		cmocka_unit_test_setup_teardown(torn_last_line_is_dropped,
						unit_broker_setup,
						unit_broker_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
