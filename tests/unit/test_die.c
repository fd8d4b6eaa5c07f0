/*
 * Messages and exit statuses: every line starts with the program's name
 * and ends in one newline, however long; the functions that die exit with
 * the status they are given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

/* Run fn in a child with stderr in a pipe: its status, what it said. */
static int
child(void (*fn)(void), char *err, size_t size)
{
	int fds[2], st;
	pid_t pid;
	ssize_t n, got = 0;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		fn();
		_exit(99);
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
progname(void **state)
{
	(void)state;
	kq_setprogname("/usr/local/bin/kq-pub");
	assert_string_equal(kq_progname(), "kq-pub");
	kq_setprogname("kq-sub");
	assert_string_equal(kq_progname(), "kq-sub");
	kq_setprogname("./kq-count");
	assert_string_equal(kq_progname(), "kq-count");
}

static void
die_data(void)
{
	kq_setprogname("/bin/kq-pub");
	kq_die(EX_DATAERR, "%s:%d: expected %s", "stdin", 17, "a value");
}

static void
die_prints_one_line_and_exits(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(child(die_data, err, sizeof(err)), EX_DATAERR);
	assert_string_equal(err, "kq-pub: stdin:17: expected a value\n");
}

static void
warn_twice(void)
{
	kq_setprogname("kq-sub");
	kq_warn("first %d", 1);
	kq_warn("second");
	exit(0);
}

static void
warn_does_not_exit(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(child(warn_twice, err, sizeof(err)), 0);
	assert_string_equal(err, "kq-sub: first 1\nkq-sub: second\n");
}

static void
warn_long(void)
{
	static char big[10000];

	kq_setprogname("kq-x");
	memset(big, 'a', sizeof(big) - 1);
	kq_warn("%s", big);
	kq_warn("after");
	exit(0);
}

/* A message longer than the line is cut, never left without its newline. */
static void
long_messages_keep_their_newline(void **state)
{
	static char err[32768];
	char *nl;

	(void)state;
	assert_int_equal(child(warn_long, err, sizeof(err)), 0);
	assert_true(strncmp(err, "kq-x: aaaa", 10) == 0);
	nl = strchr(err, '\n');
	assert_non_null(nl);
	assert_true(nl - err < 4096);
	assert_string_equal(nl + 1, "kq-x: after\n");
}

static void
allocation(void **state)
{
	char *p = kq_emalloc(0), *s;
	int *z = kq_ecalloc(4, sizeof(int));

	(void)state;
	assert_non_null(p);
	assert_int_equal(z[0] | z[1] | z[2] | z[3], 0);
	p = kq_erealloc(p, 100);
	memset(p, 1, 100);
	s = kq_estrdup("hello");
	assert_string_equal(s, "hello");
	free(p);
	free(z);
	free(s);
}

static void
calloc_overflow(void)
{
	kq_setprogname("kq-x");
	kq_ecalloc(SIZE_MAX / 2, 4);
}

#if defined(__SANITIZE_ADDRESS__)
/* ASan would abort on such sizes; what a program sees is NULL. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

/* Sizes no allocator can give: EX_OSERR with a line, not a crash. */
static void
out_of_memory(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(child(calloc_overflow, err, sizeof(err)), EX_OSERR);
	assert_true(strncmp(err, "kq-x: out of memory", 19) == 0);
}

/* The helpers kq-topic and kq-group share. */
static void
string_arrays_and_statuses(void **state)
{
	char **v = NULL;
	int n = 0;

	(void)state;
	kq_strv_add(&v, &n, "a");
	kq_strv_add(&v, &n, "b");
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	free(v);
	assert_int_equal(kq_worse_status(0, EX_UNAVAILABLE), EX_UNAVAILABLE);
	assert_int_equal(kq_worse_status(EX_USAGE, 1), EX_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(string_arrays_and_statuses),
		cmocka_unit_test(progname),
		cmocka_unit_test(die_prints_one_line_and_exits),
		cmocka_unit_test(warn_does_not_exit),
		cmocka_unit_test(long_messages_keep_their_newline),
		cmocka_unit_test(allocation),
		cmocka_unit_test(out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
