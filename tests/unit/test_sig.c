/*
 * Signals: the first SIGINT or SIGTERM asks to stop and interrupts a
 * blocking read (so the reader sees it), the second ends the program at
 * once by that signal; a program that returns KQ_EX_INTERRUPTED after the
 * first dies by it once it has cleaned up; a closed pipe is EPIPE, not
 * death by SIGPIPE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "record.h"
#include "sig.h"

/*
 * Run fn in a child: how it ended (WEXITSTATUS, or 1000 + signal). It
 * leaves by exit(3), as a program returning from main does, when
 * by_exit; else by _exit(2), past the exit handlers.
 */
static int
run_child(int (*fn)(void), int by_exit)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		/* Whatever happens, no hang. */
		alarm(10);
		if (by_exit)
			exit(fn());
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int
child(int (*fn)(void))
{
	return run_child(fn, 0);
}

/* A SIGINT (sig) for this process in ms milliseconds. */
static void
signal_in(int sig, long ms)
{
	struct sigevent ev;
	struct itimerspec when;
	timer_t t;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = sig;
	assert_int_equal(timer_create(CLOCK_MONOTONIC, &ev, &t), 0);
	memset(&when, 0, sizeof(when));
	when.it_value.tv_sec = ms / 1000;
	when.it_value.tv_nsec = (ms % 1000) * 1000000;
	assert_int_equal(timer_settime(t, 0, &when, NULL), 0);
}

static void
installed(void **state)
{
	struct sigaction sa;

	(void)state;
	kq_sig_install();
	sigaction(SIGINT, NULL, &sa);
	assert_true(sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
	/* No SA_RESTART: a blocking read must return and see kq_stop. */
	assert_false(sa.sa_flags & SA_RESTART);
	sigaction(SIGTERM, NULL, &sa);
	assert_true(sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
	assert_false(sa.sa_flags & SA_RESTART);
	sigaction(SIGPIPE, NULL, &sa);
	assert_true(sa.sa_handler == SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

static int
first_sigint(void)
{
	kq_sig_install();
	if (kq_stop)
		return 1;
	raise(SIGINT);
	return kq_stop == SIGINT ? 0 : 2;
}

static int
first_sigterm(void)
{
	kq_sig_install();
	raise(SIGTERM);
	return kq_stop == SIGTERM ? 0 : 2;
}

static int
second_signal(void)
{
	kq_sig_install();
	raise(SIGINT);
	raise(SIGTERM);
	return 3; /* not reached: the second one ends it */
}

static void
first_asks_second_ends(void **state)
{
	(void)state;
	assert_int_equal(child(first_sigint), 0);
	assert_int_equal(child(first_sigterm), 0);
	assert_int_equal(child(second_signal), 1000 + SIGTERM);
}

static int
term_then_interrupted(void)
{
	kq_sig_install();
	raise(SIGTERM);
	return KQ_EX_INTERRUPTED;
}

static int
int_then_interrupted(void)
{
	kq_sig_install();
	raise(SIGINT);
	return KQ_EX_INTERRUPTED;
}

static int
int_then_failed(void)
{
	kq_sig_install();
	raise(SIGINT);
	return EX_UNAVAILABLE;
}

static int
interrupted_unsignalled(void)
{
	kq_sig_install();
	return KQ_EX_INTERRUPTED;
}

/* After its cleanup, a program stopped by a signal dies by that signal. */
static void
interrupted_dies_by_the_signal(void **state)
{
	(void)state;
	assert_int_equal(run_child(term_then_interrupted, 1), 1000 + SIGTERM);
	assert_int_equal(run_child(int_then_interrupted, 1), 1000 + SIGINT);
	/* Any other status stands, and 130 without a signal stays 130. */
	assert_int_equal(run_child(int_then_failed, 1), EX_UNAVAILABLE);
	assert_int_equal(run_child(interrupted_unsignalled, 1),
			 KQ_EX_INTERRUPTED);
}

static int
blocked_read(void)
{
	int fds[2];
	char c;
	ssize_t n;

	if (pipe(fds))
		return 4;
	kq_sig_install();
	signal_in(SIGINT, 200);
	/* Nothing comes: only the signal can end this read. */
	n = read(fds[0], &c, 1);
	if (n != -1 || errno != EINTR)
		return 5;
	return kq_stop == SIGINT ? 0 : 6;
}

static void
signal_interrupts_a_read(void **state)
{
	(void)state;
	assert_int_equal(child(blocked_read), 0);
}

/* The reader: the records in hand come out, then EINTR, not a hang. */
static int
reader_stops(void)
{
	struct kq_reader r;
	struct kq_delim d = {"\n", 1};
	const char *p;
	size_t n;
	int fds[2];

	if (pipe(fds))
		return 4;
	memset(&r, 0, sizeof(r));
	kq_sig_install();
	if (write(fds[1], "one\ntw", 6) != 6)
		return 5;
	dup2(fds[0], 0);
	if (kq_reader_open(&r, "-", &d))
		return 6;
	if (kq_reader_next(&r, &p, &n) != 1 || n != 3 ||
	    memcmp(p, "one", 3) != 0)
		return 7;
	signal_in(SIGTERM, 200);
	if (kq_reader_next(&r, &p, &n) != -1 || errno != EINTR)
		return 8;
	free(r.buf);
	return kq_stop == SIGTERM ? 0 : 9;
}

static void
reader_sees_the_signal(void **state)
{
	(void)state;
	assert_int_equal(child(reader_stops), 0);
}

static int
idle(void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* With an idle callback (a producer serving its reports) too. */
static int
idle_reader_stops(void)
{
	struct kq_reader r;
	struct kq_delim d = {"\n", 1};
	const char *p;
	size_t n;
	int fds[2], idles = 0;

	if (pipe(fds))
		return 4;
	memset(&r, 0, sizeof(r));
	kq_sig_install();
	dup2(fds[0], 0);
	if (kq_reader_open(&r, "-", &d))
		return 6;
	r.idle = idle;
	r.idle_arg = &idles;
	signal_in(SIGINT, 350);
	if (kq_reader_next(&r, &p, &n) != -1 || errno != EINTR)
		return 8;
	free(r.buf);
	return idles > 0 ? 0 : 9;
}

static void
idle_reader_sees_the_signal(void **state)
{
	(void)state;
	assert_int_equal(child(idle_reader_stops), 0);
}

static int
write_to_closed_pipe(void)
{
	int fds[2];

	if (pipe(fds))
		return 4;
	kq_sig_install();
	close(fds[0]);
	if (write(fds[1], "x", 1) != -1 || errno != EPIPE)
		return 5;
	return 0;
}

static void
closed_pipe_is_epipe(void **state)
{
	(void)state;
	assert_int_equal(child(write_to_closed_pipe), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(installed),
		cmocka_unit_test(first_asks_second_ends),
		cmocka_unit_test(interrupted_dies_by_the_signal),
		cmocka_unit_test(signal_interrupts_a_read),
		cmocka_unit_test(reader_sees_the_signal),
		cmocka_unit_test(idle_reader_sees_the_signal),
		cmocka_unit_test(closed_pipe_is_epipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
