/*
 * What a pipe's reader took, on a real pipe with a real reader (a child
 * process): slow, gone, reading and dropping, closing early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spec.h"
#include "taken.h"

struct pipe_reader {
	int fd; /* our end */
	pid_t pid;
};

static void
ms_sleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* A child reading the pipe with fn(fd); its exit status is fn's. */
static struct pipe_reader
reader(int (*fn)(int))
{
	struct pipe_reader r;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	if ((r.pid = fork()) == 0) {
		alarm(20); /* whatever happens, no hang */
		close(fds[1]);
		_exit(fn(fds[0]));
	}
	close(fds[0]);
	r.fd = fds[1];
	return r;
}

static int
finish(struct pipe_reader *r)
{
	int st;

	close(r->fd);
	assert_int_equal(waitpid(r->pid, &st, 0), r->pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static void
put(struct kq_taken *t, const char *s)
{
	assert_int_equal(kq_taken_write(t, s, strlen(s)), (ssize_t)strlen(s));
}

/* A shell's read: a byte at a time, slowly; 0 if it got 1..20. */
static int
slow_bytes(int fd)
{
	char want[256], got[256], c;
	size_t n = 0, w = 0;
	int i;

	for (i = 1; i <= 20; i++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%d\n", i);
	while (n < sizeof(got) && read(fd, &c, 1) == 1) {
		got[n++] = c;
		ms_sleep(2);
	}
	return n == w && memcmp(got, want, n) == 0 ? 0 : 1;
}

static void
test_slow_reader_takes_all(void **state)
{
	struct pipe_reader r = reader(slow_bytes);
	struct kq_taken t;
	char line[16];
	int i;

	(void)state;
	kq_taken_init(&t, r.fd, 1);
	assert_true(t.pipe);
	assert_true(t.one_slot);
	for (i = 1; i <= 20; i++) {
		snprintf(line, sizeof(line), "%d\n", i);
		put(&t, line);
		assert_int_equal(kq_taken_wait(&t), KQ_TAKEN_ALL);
		assert_int_equal(kq_taken_pending(&t), 0);
		assert_int_equal(kq_taken_bytes(&t), t.written);
	}
	kq_taken_close(&t);
	assert_int_equal(finish(&r), 0);
}

static int
never_reads(int fd)
{
	(void)fd;
	ms_sleep(300);
	return 0;
}

static void
test_reader_gone_took_nothing(void **state)
{
	struct pipe_reader r = reader(never_reads);
	struct kq_taken t;

	(void)state;
	kq_taken_init(&t, r.fd, 1);
	put(&t, "one\n");
	assert_int_equal(kq_taken_wait(&t), KQ_TAKEN_GONE);
	assert_true(kq_taken_gone(&t));
	assert_int_equal(kq_taken_bytes(&t), 0);
	assert_int_equal(kq_taken_write(&t, "two\n", 4), -1);
	assert_int_equal(errno, EPIPE);
	kq_taken_close(&t);
	assert_int_equal(finish(&r), 0);
}

/*
 * Reads as head(1) and Python do, a large block at a time, keeps the
 * first line of what it read and drops the rest, and stays open a while:
 * the status is the number of reads that got more than one line.
 */
static int
reads_and_drops(int fd)
{
	char buf[65536];
	ssize_t n;
	int over = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (memchr(buf, '\n', (size_t)n) != buf + n - 1)
			over++;
	return over;
}

static void
test_block_reader_gets_one_message_a_read(void **state)
{
	struct pipe_reader r = reader(reads_and_drops);
	struct kq_taken t;
	int i;

	(void)state;
	kq_taken_init(&t, r.fd, 1);
	for (i = 0; i < 200; i++) {
		put(&t, "a message\n");
		assert_int_equal(kq_taken_wait(&t), KQ_TAKEN_ALL);
	}
	kq_taken_close(&t);
	assert_int_equal(finish(&r), 0);
}

/* head -n 3 with a large buffer: three lines, then it exits. */
static int
head3(int fd)
{
	char buf[65536];
	ssize_t n;
	int lines = 0;

	while (lines < 3 && (n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	return lines;
}

static void
test_reader_closing_early_took_three(void **state)
{
	struct pipe_reader r = reader(head3);
	struct kq_taken t;
	enum kq_taken_state st = KQ_TAKEN_ALL;
	int i, taken = 0;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	kq_taken_init(&t, r.fd, 1);
	for (i = 0; i < 10 && st == KQ_TAKEN_ALL; i++) {
		if (kq_taken_write(&t, "12345\n", 6) != 6)
			break;
		if ((st = kq_taken_wait(&t)) == KQ_TAKEN_ALL)
			taken++;
	}
	assert_int_equal(taken, 3);
	assert_int_equal(kq_taken_bytes(&t), 18);
	kq_taken_close(&t);
	assert_int_equal(finish(&r), 3);
}

/* Reads all as fast as it can; 0 if it got 8 MB of the pattern. */
static int
drains(int fd)
{
	static char buf[65536];
	size_t got = 0, i;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < (size_t)n; i++, got++)
			if (buf[i] != (char)(got % 251))
				return 1;
	return got == 8u << 20 ? 0 : 2;
}

/* Blocks: a write never goes past what it was given, however fast the
 * pipe empties. */
static void
test_writes_never_exceed_the_request(void **state)
{
	static char big[8u << 20];
	struct pipe_reader r = reader(drains);
	struct kq_taken t;
	size_t off = 0, i;
	ssize_t k;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	kq_taken_init(&t, r.fd, 0);
	while (off < sizeof(big)) {
		size_t want =
			sizeof(big) - off < 300000 ? sizeof(big) - off : 300000;

		k = kq_taken_write(&t, big + off, want);
		assert_true(k > 0);
		assert_true((size_t)k <= want);
		off += (size_t)k;
	}
	assert_int_equal(t.written, sizeof(big));
	kq_taken_close(&t);
	assert_int_equal(finish(&r), 0);
}

static int
wait_twice(void *arg)
{
	int *calls = arg;

	return ++*calls >= 2;
}

static void
test_idle_hook_ends_a_wait(void **state)
{
	struct pipe_reader r = reader(never_reads);
	struct kq_taken t;
	int calls = 0;

	(void)state;
	kq_taken_init(&t, r.fd, 1);
	t.idle = wait_twice;
	t.idle_arg = &calls;
	put(&t, "x\n");
	assert_int_equal(kq_taken_wait(&t), KQ_TAKEN_STOPPED);
	assert_int_equal(calls, 2);
	kq_taken_close(&t);
	finish(&r);
}

/* Reads one block and stays open a while. */
static int
reads_then_stays(int fd)
{
	char buf[65536];

	if (read(fd, buf, sizeof(buf)) <= 0)
		return 1;
	ms_sleep(700);
	return 0;
}

static int
reads_then_exits(int fd)
{
	char buf[65536];

	return read(fd, buf, sizeof(buf)) > 0 ? 0 : 1;
}

static int drops;

static void
count_drop(void *data)
{
	(void)data;
	drops++;
}

/* Blocks: a mark is taken once read and the reader outlived it. */
static void
test_marks_settle_only_if_the_reader_stays(void **state)
{
	static int data1, data2;
	struct pipe_reader r = reader(reads_then_stays);
	struct kq_taken t;
	int64_t t0;

	(void)state;
	kq_taken_init(&t, r.fd, 0);
	assert_false(t.one_slot);
	t.drop = count_drop;
	put(&t, "1\n2\n3\n");
	assert_int_equal(kq_taken_mark(&t, 6, &data1, 0), 0);
	assert_int_equal(kq_taken_wait(&t), KQ_TAKEN_ALL);
	t0 = kq_clock_ms();
	assert_null(kq_taken_settled(&t, t0, 500));
	ms_sleep(550);
	assert_ptr_equal(kq_taken_settled(&t, kq_clock_ms(), 500), &data1);
	assert_int_equal(t.nmarks, 0);
	kq_taken_close(&t);
	assert_int_equal(finish(&r), 0);

	/* head -3: read the block, left at once: nothing settles. */
	r = reader(reads_then_exits);
	kq_taken_init(&t, r.fd, 0);
	t.drop = count_drop;
	drops = 0;
	put(&t, "1\n2\n3\n");
	assert_int_equal(kq_taken_mark(&t, 6, &data2, 1), 0);
	assert_int_equal(kq_taken_wait(&t), KQ_TAKEN_ALL);
	ms_sleep(200);
	assert_null(kq_taken_settled(&t, kq_clock_ms() + 1000, 500));
	kq_taken_close(&t);
	assert_int_equal(drops, 1);
	assert_int_equal(finish(&r), 0);
}

static void
test_marks_full_keep_the_last(void **state)
{
	static int data[KQ_TAKEN_MARKS + 2];
	struct kq_taken t;
	char buf[100];
	int i;

	(void)state;
	kq_taken_init(&t, open("/dev/null", O_WRONLY), 0);
	t.drop = count_drop;
	drops = 0;
	for (i = 0; i < KQ_TAKEN_MARKS; i++)
		assert_int_equal(kq_taken_mark(&t, i, &data[i], 0), 0);
	assert_int_equal(kq_taken_mark(&t, 99, &data[i], 0), -1);
	assert_int_equal(kq_taken_mark(&t, 100, &data[i + 1], 1), 0);
	assert_int_equal(drops, 1);
	/* A file takes everything written: the last settles at once. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(kq_taken_write(&t, buf, 100), 100);
	assert_ptr_equal(kq_taken_settled(&t, kq_clock_ms(), 0), &data[i + 1]);
	assert_int_equal(drops, KQ_TAKEN_MARKS);
	close(t.fd);
	kq_taken_close(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_reader_takes_all),
		cmocka_unit_test(test_reader_gone_took_nothing),
		cmocka_unit_test(test_block_reader_gets_one_message_a_read),
		cmocka_unit_test(test_reader_closing_early_took_three),
		cmocka_unit_test(test_writes_never_exceed_the_request),
		cmocka_unit_test(test_idle_hook_ends_a_wait),
		cmocka_unit_test(test_marks_settle_only_if_the_reader_stays),
		cmocka_unit_test(test_marks_full_keep_the_last),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
