/*
 * The group coordinator's OffsetCommit under --fsync always: a commit that
 * could not be made durable is not acknowledged (KAFKA_STORAGE_ERROR for
 * each of its partitions, so that the client commits again); one that was
 * made durable is. The disk's failure is this file's fdatasync and fsync,
 * which take the place of libc's.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api.h"
#include "unit_broker.h"
#include "errors.h"
#include "net.h"

static int sync_fails; /* set: the disk lost what was written */

int
fdatasync(int fd)
{
	if (sync_fails) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

int
fsync(int fd)
{
	if (sync_fails) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

/* The disk works again for the next test. */
static int
teardown(void **state)
{
	sync_fails = 0;
	return unit_broker_teardown(state);
}

/*
 * OffsetCommit v2 from outside any group: t's partitions 0 and 1 at 42,
 * and partition 0 of a topic that does not exist. The errors answered.
 */
static void
commit(struct kb_broker *b, int16_t err[3])
{
	struct kb_buf req = {0}, out = {0};
	struct kb_req r = {.ver = 2};
	struct kb_rd rd;
	int32_t p;

	kb_put_cstr(&req, "g");
	kb_put_i32(&req, -1);
	kb_put_cstr(&req, "");
	kb_put_i64(&req, -1);
	kb_put_i32(&req, 2);
	kb_put_cstr(&req, "t");
	kb_put_i32(&req, 2);
	for (p = 0; p < 2; p++) {
		kb_put_i32(&req, p);
		kb_put_i64(&req, 42);
		kb_put_cstr(&req, "m");
	}
	kb_put_cstr(&req, "nosuch");
	kb_put_i32(&req, 1);
	kb_put_i32(&req, 0);
	kb_put_i64(&req, 1);
	kb_put_cstr(&req, NULL);
	kb_rd_init(&rd, req.p, req.len);
	assert_int_equal(kb_api_offset_commit(b, &r, &rd, &out), KB_REPLY);

	kb_rd_init(&rd, out.p, out.len);
	assert_int_equal(kb_i32(&rd), 2);
	assert_true(kb_str_eq(kb_string(&rd), "t"));
	assert_int_equal(kb_i32(&rd), 2);
	assert_int_equal(kb_i32(&rd), 0);
	err[0] = kb_i16(&rd);
	assert_int_equal(kb_i32(&rd), 1);
	err[1] = kb_i16(&rd);
	assert_true(kb_str_eq(kb_string(&rd), "nosuch"));
	assert_int_equal(kb_i32(&rd), 1);
	assert_int_equal(kb_i32(&rd), 0);
	err[2] = kb_i16(&rd);
	assert_false(rd.err);
	assert_int_equal(kb_left(&rd), 0);
	kb_buf_free(&req);
	kb_buf_free(&out);
}

static void
synced_commit_acknowledged(void **state)
{
	struct unit_broker *f = *state;
	int16_t err[3];

	f->b.fsync = KB_FSYNC_ALWAYS;
	commit(&f->b, err);
	assert_int_equal(err[0], KB_NONE);
	assert_int_equal(err[1], KB_NONE);
	assert_int_equal(err[2], KB_UNKNOWN_TOPIC_OR_PARTITION);
}

static void
failed_sync_is_storage_error(void **state)
{
	struct unit_broker *f = *state;
	int16_t err[3];

	f->b.fsync = KB_FSYNC_ALWAYS;
	sync_fails = 1;
	commit(&f->b, err);
	assert_int_equal(err[0], KB_KAFKA_STORAGE_ERROR);
	assert_int_equal(err[1], KB_KAFKA_STORAGE_ERROR);
	/* Its own error stays: nothing was written for it. */
	assert_int_equal(err[2], KB_UNKNOWN_TOPIC_OR_PARTITION);
}

/* Without --fsync always no commit waits for the disk, nor fails with it. */
static void
unsynced_commit_acknowledged(void **state)
{
	struct unit_broker *f = *state;
	int16_t err[3];

	f->b.fsync = KB_FSYNC_INTERVAL;
	sync_fails = 1;
	commit(&f->b, err);
	assert_int_equal(err[0], KB_NONE);
	assert_int_equal(err[1], KB_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(synced_commit_acknowledged,
						unit_broker_setup, teardown),
		cmocka_unit_test_setup_teardown(failed_sync_is_storage_error,
						unit_broker_setup, teardown),
		cmocka_unit_test_setup_teardown(unsynced_commit_acknowledged,
						unit_broker_setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
