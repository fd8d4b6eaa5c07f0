/*
 * Delimiters, the record reader and the output writer: records split
 * across reads, no final delimiter, empty records, longer delimiters, the
 * size limit; large writes, a closed pipe, a full disk.
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
#include <unistd.h>

#include "die.h"
#include "record.h"

/* A file holding n bytes of p; its path, to unlink. */
static char *
file_of(const char *p, size_t n)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/kq-test-record.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
	return path;
}

/* A reader on p[0..n) whose buffer starts at cap bytes, so small reads
 * split records and delimiters wherever they fall. */
static void
open_on(struct kq_reader *r, const char *p, size_t n, const char *delim,
	size_t cap)
{
	struct kq_delim d;
	char *path = file_of(p, n);

	assert_int_equal(kq_delim_parse(delim, &d), 0);
	memset(r, 0, sizeof(*r));
	if (cap) {
		r->cap = cap;
		r->buf = malloc(cap);
	}
	assert_int_equal(kq_reader_open(r, path, &d), 0);
	unlink(path);
}

static void
close_reader(struct kq_reader *r)
{
	kq_reader_free(r);
	assert_null(r->buf);
	assert_int_equal(r->fd, -1);
}

/* One buffer serves input after input; once freed, the reader starts over. */
static void
reader_reused_then_freed(void **state)
{
	struct kq_reader r;
	struct kq_delim d = {"\n", 1};
	const char *rec;
	size_t len;
	char *buf = NULL, *path;
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.fd = -1;
	kq_reader_free(&r); /* never opened: nothing to do */
	for (i = 0; i < 2; i++) {
		path = file_of("a\nb", 3);
		assert_int_equal(kq_reader_open(&r, path, &d), 0);
		unlink(path);
		if (i == 0)
			buf = r.buf;
		assert_ptr_equal(r.buf, buf);
		assert_int_equal(kq_reader_next(&r, &rec, &len), 1);
		assert_memory_equal(rec, "a", 1);
		kq_reader_close(&r);
	}
	kq_reader_free(&r);
	assert_null(r.buf);
	path = file_of("c", 1);
	assert_int_equal(kq_reader_open(&r, path, &d), 0);
	unlink(path);
	assert_int_equal(kq_reader_next(&r, &rec, &len), 1);
	assert_memory_equal(rec, "c", 1);
	close_reader(&r);
}

/* The records of p, joined with '|' after each; every buffer size. */
static void
assert_records(const char *p, size_t n, const char *delim, const char *want)
{
	static const size_t caps[] = {1, 2, 3, 4, 7, 0};
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct kq_reader r;
		char got[1024] = "";
		const char *rec;
		size_t len, used = 0;
		int rc;

		open_on(&r, p, n, delim, caps[i]);
		while ((rc = kq_reader_next(&r, &rec, &len)) == 1) {
			assert_true(used + len + 1 < sizeof(got));
			memcpy(got + used, rec, len);
			used += len;
			got[used++] = '|';
			got[used] = 0;
		}
		assert_int_equal(rc, 0);
		/* The end stays the end. */
		assert_int_equal(kq_reader_next(&r, &rec, &len), 0);
		assert_string_equal(got, want);
		close_reader(&r);
	}
}

static void
delimiter_escapes(void **state)
{
	struct kq_delim d;

	(void)state;
	assert_int_equal(kq_delim_parse("\\n", &d), 0);
	assert_int_equal(d.len, 1);
	assert_int_equal(d.s[0], '\n');
	assert_int_equal(kq_delim_parse("\\t", &d), 0);
	assert_int_equal(d.s[0], '\t');
	assert_int_equal(kq_delim_parse("\\r\\n", &d), 0);
	assert_int_equal(d.len, 2);
	assert_memory_equal(d.s, "\r\n", 2);
	assert_int_equal(kq_delim_parse("\\0", &d), 0);
	assert_int_equal(d.len, 1);
	assert_int_equal(d.s[0], 0);
	assert_int_equal(kq_delim_parse("\\\\", &d), 0);
	assert_int_equal(d.len, 1);
	assert_int_equal(d.s[0], '\\');
	assert_int_equal(kq_delim_parse("\\x1e", &d), 0);
	assert_int_equal(d.s[0], 0x1e);
	assert_int_equal(kq_delim_parse("\\xFF", &d), 0);
	assert_int_equal((unsigned char)d.s[0], 0xff);
	assert_int_equal(kq_delim_parse("::", &d), 0);
	assert_int_equal(d.len, 2);
	assert_int_equal(kq_delim_parse("0123456789abcdef", &d), 0);
	assert_int_equal(d.len, 16);
	assert_int_equal(kq_delim_parse("\\x00\\x00", &d), 0);
	assert_int_equal(d.len, 2);
	assert_memory_equal(d.s, "\0\0", 2);
}

static void
bad_delimiters(void **state)
{
	static const char *bad[] = {"",	     "0123456789abcdefg",
				    "\\q",   "\\",
				    "a\\",   "\\x",
				    "\\x1",  "\\xg0",
				    "\\x0g", "\\N"};
	struct kq_delim d = {"keep", 4};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kq_delim_parse(bad[i], &d), -1);
		assert_int_equal(d.len, 4);
	}
}

static void
edelim_dies_with_usage(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		freopen("/dev/null", "w", stderr);
		kq_edelim("-D", "");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EX_USAGE);
}

static void
records_split_across_reads(void **state)
{
	(void)state;
	assert_records("one\ntwo\nthree\n", 14, "\\n", "one|two|three|");
	assert_records("a longer record than any buffer\nb\n", 34, "\\n",
		       "a longer record than any buffer|b|");
}

static void
no_final_delimiter(void **state)
{
	(void)state;
	assert_records("a\nb", 3, "\\n", "a|b|");
	assert_records("x", 1, "\\n", "x|");
	assert_records("", 0, "\\n", "");
}

static void
empty_records(void **state)
{
	(void)state;
	assert_records("\n", 1, "\\n", "|");
	assert_records("\n\n\n", 3, "\\n", "|||");
	assert_records("a\n\nb\n", 5, "\\n", "a||b|");
	assert_records("a\0\0b", 4, "\\0", "a||b|");
}

static void
multibyte_delimiters(void **state)
{
	(void)state;
	assert_records("a::b::::c", 9, "::", "a|b||c|");
	assert_records("a::b::", 6, "::", "a|b|");
	/* Leftmost first, no overlap. */
	assert_records("aaa", 3, "aa", "|a|");
	assert_records("aaaa", 4, "aa", "||");
	assert_records("a:b", 3, "::", "a:b|");
	assert_records("ab\r\ncd\r\n\r\n", 10, "\\r\\n", "ab|cd||");
	assert_records("x<=>y<=", 7, "<=>", "x|y<=|");
	assert_records("0123456789abcdefRECORD0123456789abcdef", 38,
		       "0123456789abcdef", "|RECORD|");
}

/* A record over r->max is EFBIG; one of exactly max is fine. */
static void
record_too_large(void **state)
{
	static const size_t caps[] = {2, 5, 0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct kq_reader r;
		const char *p;
		size_t n;

		open_on(&r, "abc\nabcd\nab\n", 12, "\\n", caps[i]);
		r.max = 3;
		assert_int_equal(kq_reader_next(&r, &p, &n), 1);
		assert_int_equal(n, 3);
		assert_memory_equal(p, "abc", 3);
		errno = 0;
		assert_int_equal(kq_reader_next(&r, &p, &n), -1);
		assert_int_equal(errno, EFBIG);
		close_reader(&r);

		/* The same at the end of the input, with no delimiter. */
		open_on(&r, "abcd", 4, "\\n", caps[i]);
		r.max = 3;
		errno = 0;
		assert_int_equal(kq_reader_next(&r, &p, &n), -1);
		assert_int_equal(errno, EFBIG);
		close_reader(&r);
		open_on(&r, "abcd", 4, "::", caps[i]);
		r.max = 3;
		errno = 0;
		assert_int_equal(kq_reader_next(&r, &p, &n), -1);
		assert_int_equal(errno, EFBIG);
		close_reader(&r);
		open_on(&r, "ab::abcd::", 10, "::", caps[i]);
		r.max = 3;
		assert_int_equal(kq_reader_next(&r, &p, &n), 1);
		errno = 0;
		assert_int_equal(kq_reader_next(&r, &p, &n), -1);
		assert_int_equal(errno, EFBIG);
		close_reader(&r);
	}
}

/* A record of exactly max bytes whose delimiter comes in two reads. */
static void
record_of_max_with_split_delimiter(void **state)
{
	struct kq_reader r;
	const char *p;
	size_t n;

	(void)state;
	open_on(&r, "abc::d", 6, "::", 4);
	r.max = 3;
	assert_int_equal(kq_reader_next(&r, &p, &n), 1);
	assert_int_equal(n, 3);
	assert_int_equal(kq_reader_next(&r, &p, &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(kq_reader_next(&r, &p, &n), 0);
	close_reader(&r);
}

static void
whole_input(void **state)
{
	struct kq_reader r;
	const char *p;
	size_t n;

	(void)state;
	open_on(&r, "a\nb\nc", 5, "\\n", 2);
	assert_int_equal(kq_reader_all(&r, &p, &n), 1);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "a\nb\nc", 5);
	assert_int_equal(kq_reader_all(&r, &p, &n), 0);
	close_reader(&r);
}

static void
blocks_are_the_input(void **state)
{
	static char data[3 << 20];
	static char back[3 << 20];
	struct kq_reader r;
	const char *p;
	size_t n, used = 0, i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + i / 251);
	open_on(&r, data, sizeof(data), "\\n", 0);
	/* After records, blocks carry on where they stopped. */
	assert_int_equal(kq_reader_next(&r, &p, &n), 1);
	memcpy(back, p, n);
	back[n] = '\n';
	used = n + 1;
	while ((rc = kq_reader_block(&r, &p, &n)) == 1) {
		assert_true(used + n <= sizeof(back));
		memcpy(back + used, p, n);
		used += n;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(used, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	close_reader(&r);
}

static void
open_missing(void **state)
{
	struct kq_reader r;
	struct kq_delim d = {"\n", 1};

	(void)state;
	memset(&r, 0, sizeof(r));
	errno = 0;
	assert_int_equal(kq_reader_open(&r, "/nonexistent/kq", &d), -1);
	assert_int_equal(errno, ENOENT);
	free(r.buf);
}

/* Skipping a record too large, whatever the buffer size and delimiter. */
static void
skip_and_pending(void **state)
{
	static const size_t caps[] = {2, 3, 5, 8, 0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct kq_reader r;
		const char *rec;
		size_t len;

		open_on(&r, "aaaaaaaaaa::bb::c::d", 20, "::", caps[i]);
		r.max = 4;
		assert_int_equal(kq_reader_next(&r, &rec, &len), -1);
		assert_int_equal(errno, EFBIG);
		assert_int_equal(kq_reader_skip(&r), 1);
		assert_int_equal(kq_reader_next(&r, &rec, &len), 1);
		assert_int_equal(len, 2);
		assert_memory_equal(rec, "bb", 2);
		if (caps[i] == 0) /* all of the input is in the buffer */
			assert_int_equal(kq_reader_pending(&r), 2);
		assert_int_equal(kq_reader_next(&r, &rec, &len), 1);
		assert_int_equal(kq_reader_next(&r, &rec, &len), 1);
		assert_memory_equal(rec, "d", 1);
		assert_int_equal(kq_reader_pending(&r), 0);
		assert_int_equal(kq_reader_skip(&r), 0);
		close_reader(&r);
	}
}

static int
give_up_on_third(void *arg)
{
	return ++*(int *)arg == 3;
}

/* An idle hook that says stop ends a wait for input with ECANCELED. */
static void
idle_hook_ends_wait(void **state)
{
	struct kq_reader r;
	struct kq_delim d = {"\n", 1};
	const char *rec;
	size_t len;
	int fds[2], calls = 0, saved = dup(0);

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "a\n", 2), 2);
	dup2(fds[0], 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(kq_reader_open(&r, "-", &d), 0);
	r.idle = give_up_on_third;
	r.idle_arg = &calls;
	assert_int_equal(kq_reader_next(&r, &rec, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(kq_reader_next(&r, &rec, &len), -1);
	assert_int_equal(errno, ECANCELED);
	assert_int_equal(calls, 3);
	dup2(saved, 0);
	close(saved);
	close(fds[0]);
	close(fds[1]);
	free(r.buf);
}

/* Everything written to w, through a pipe, read back in full. */
static void
large_writes(void **state)
{
	static char big[1 << 20], back[(1 << 20) + 4096];
	struct kq_writer w;
	int fds[2], st;
	pid_t pid;
	size_t got = 0, i;
	ssize_t k;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 253);
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		kq_writer_init(&w, fds[1], "pipe", 4096);
		kq_writer_put(&w, "ab", 2);
		/* Larger than the buffer: straight through, in order. */
		kq_writer_put(&w, big, sizeof(big));
		kq_writer_put(&w, "cd", 2);
		for (i = 0; i < 3000; i++)
			kq_writer_put(&w, "x", 1);
		_exit(kq_writer_finish(&w));
	}
	close(fds[1]);
	while ((k = read(fds[0], back + got, sizeof(back) - got)) > 0)
		got += k;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(got, 2 + sizeof(big) + 2 + 3000);
	assert_memory_equal(back, "ab", 2);
	assert_memory_equal(back + 2, big, sizeof(big));
	assert_memory_equal(back + 2 + sizeof(big), "cd", 2);
	for (i = 0; i < 3000; i++)
		assert_int_equal(back[4 + sizeof(big) + i], 'x');
}

/* A reader that went away: quiet, status 0, and the writer knows. */
static void
closed_pipe(void **state)
{
	struct kq_writer w;
	int fds[2];
	char buf[8192];
	struct sigaction sa, old;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	kq_writer_init(&w, fds[1], "stdout", 4096);
	assert_int_equal(kq_writer_put(&w, buf, sizeof(buf)), -1);
	assert_int_equal(w.err, EPIPE);
	assert_true(kq_writer_gone(&w));
	/* Nothing more is tried. */
	assert_int_equal(kq_writer_put(&w, buf, sizeof(buf)), -1);
	assert_int_equal(kq_writer_finish(&w), 0);
	sigaction(SIGPIPE, &old, NULL);
}

/* kq_writer_gone sees a closed reader before anything is written. */
static void
gone_before_writing(void **state)
{
	struct kq_writer w;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	kq_writer_init(&w, fds[1], "stdout", 64);
	assert_false(kq_writer_gone(&w));
	close(fds[0]);
	assert_true(kq_writer_gone(&w));
	assert_int_equal(kq_writer_finish(&w), 0);
}

/* Run fn in a child with stderr in a pipe; its status and what it said. */
static int
child_stderr(void (*fn)(void), char *msg, size_t size)
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
	while ((n = read(fds[0], msg + got, size - 1 - got)) > 0)
		got += n;
	msg[got] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
write_to_full(void)
{
	struct kq_writer w;
	int fd = open("/dev/full", O_WRONLY);

	kq_setprogname("kq-test");
	kq_writer_init(&w, fd, "stdout", 4096);
	kq_writer_put(&w, "hello\n", 6);
	_exit(kq_writer_finish(&w));
}

static void
full_disk(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(child_stderr(write_to_full, msg, sizeof(msg)),
			 EX_IOERR);
	assert_string_equal(msg, "kq-test: stdout: No space left on device\n");
}

static void
fshut_to_full(void)
{
	FILE *f = fopen("/dev/full", "w");

	kq_setprogname("kq-test");
	fputs("hello\n", f);
	_exit(kq_fshut(f, "stdout"));
}

static void
fshut_full_disk(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(child_stderr(fshut_to_full, msg, sizeof(msg)),
			 EX_IOERR);
	assert_string_equal(msg, "kq-test: stdout: No space left on device\n");
}

static void
fshut_ok(void **state)
{
	char *path = file_of("", 0);
	FILE *f = fopen(path, "w");

	(void)state;
	fputs("hello\n", f);
	assert_int_equal(kq_fshut(f, "out"), 0);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delimiter_escapes),
		cmocka_unit_test(reader_reused_then_freed),
		cmocka_unit_test(idle_hook_ends_wait),
		cmocka_unit_test(skip_and_pending),
		cmocka_unit_test(bad_delimiters),
		cmocka_unit_test(edelim_dies_with_usage),
		cmocka_unit_test(records_split_across_reads),
		cmocka_unit_test(no_final_delimiter),
		cmocka_unit_test(empty_records),
		cmocka_unit_test(multibyte_delimiters),
		cmocka_unit_test(record_too_large),
		cmocka_unit_test(record_of_max_with_split_delimiter),
		cmocka_unit_test(whole_input),
		cmocka_unit_test(blocks_are_the_input),
		cmocka_unit_test(open_missing),
		cmocka_unit_test(large_writes),
		cmocka_unit_test(closed_pipe),
		cmocka_unit_test(gone_before_writing),
		cmocka_unit_test(full_disk),
		cmocka_unit_test(fshut_full_disk),
		cmocka_unit_test(fshut_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
