/*
 * The progress line: nothing when off, the first line only after its
 * delay and then at most one an interval, the line as given, a wipe only
 * of a line that was drawn, and off for good once stderr fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

/* What was written to the pipe so far, as a string. */
static const char *
drain(int fd)
{
	static char buf[512];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void
pipe_nb(int fds[2])
{
	assert_int_equal(pipe(fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
}

static void
due_after_delay_then_every_interval(void **state)
{
	struct kq_progress p;
	int fds[2];

	(void)state;
	pipe_nb(fds);
	kq_progress_init(&p, fds[1], 1, 5000, 1000, 250);
	assert_false(kq_progress_due(&p, 5000));
	assert_false(kq_progress_due(&p, 5999));
	assert_true(kq_progress_due(&p, 6000));
	assert_false(kq_progress_due(&p, 6249));
	assert_true(kq_progress_due(&p, 6300));
	assert_false(kq_progress_due(&p, 6500));
	assert_true(kq_progress_due(&p, 6550));
	assert_string_equal(drain(fds[0]), "");
	close(fds[0]);
	close(fds[1]);
}

static void
line_then_wipe(void **state)
{
	struct kq_progress p;
	int fds[2];

	(void)state;
	pipe_nb(fds);
	kq_progress_init(&p, fds[1], 1, 0, 0, 500);
	kq_progress_clear(&p); /* nothing drawn: nothing to wipe */
	assert_string_equal(drain(fds[0]), "");
	assert_true(kq_progress_due(&p, 0));
	kq_progress_show(&p, "\r%s: %d messages\033[K", "kq-sub", 3);
	assert_string_equal(drain(fds[0]), "\rkq-sub: 3 messages\033[K");
	kq_progress_clear(&p);
	assert_string_equal(drain(fds[0]), "\r\033[K");
	kq_progress_clear(&p); /* once is enough */
	assert_string_equal(drain(fds[0]), "");
	close(fds[0]);
	close(fds[1]);
}

static void
off_says_nothing(void **state)
{
	struct kq_progress p;
	int fds[2];

	(void)state;
	pipe_nb(fds);
	kq_progress_init(&p, fds[1], 0, 0, 0, 500);
	assert_false(kq_progress_due(&p, 10000));
	kq_progress_show(&p, "x");
	kq_progress_clear(&p);
	assert_string_equal(drain(fds[0]), "");
	close(fds[0]);
	close(fds[1]);
}

/* stderr closed under it: the line stops, and nothing else fails. */
static void
failed_write_turns_it_off(void **state)
{
	struct kq_progress p;

	(void)state;
	kq_progress_init(&p, -1, 1, 0, 0, 500);
	assert_true(kq_progress_due(&p, 0));
	kq_progress_show(&p, "x");
	assert_int_equal(p.on, 0);
	assert_false(kq_progress_due(&p, 10000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(due_after_delay_then_every_interval),
		cmocka_unit_test(line_then_wipe),
		cmocka_unit_test(off_says_nothing),
		cmocka_unit_test(failed_write_turns_it_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
