/*
 * jq programs through libjq: results in order, compact or raw; one-line
 * errors for a program that does not compile, a text jq cannot parse and
 * an error the program raises; halt and halt_error as jq has them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "jqrun.h"

struct out {
	char buf[1024];
	size_t len;
	int stop_after; /* stop the run after this many results, 0: never */
	int n;
};

static int
collect(void *arg, const char *p, size_t n)
{
	struct out *o = arg;

	assert_true(o->len + n + 1 < sizeof(o->buf));
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len++] = '|';
	o->buf[o->len] = 0;
	return ++o->n == o->stop_after ? 7 : 0;
}

static const char *
run(const char *filter, int raw, const char *text, int *rc)
{
	static struct out o;
	struct kq_jq q;

	memset(&o, 0, sizeof(o));
	assert_int_equal(kq_jq_compile(&q, filter, raw), 0);
	*rc = kq_jq_run(&q, text, text ? strlen(text) : 0, collect, &o);
	kq_jq_free(&q);
	return o.buf;
}

static void
results_compact_and_raw(void **state)
{
	int rc;

	(void)state;
	assert_string_equal(run(".[] | {a: .}", 0, "[1, \"x\"]", &rc),
			    "{\"a\":1}|{\"a\":\"x\"}|");
	assert_int_equal(rc, 0);
	assert_string_equal(run(".[]", 1, "[\"a b\", 2, null]", &rc),
			    "a b|2|null|");
	assert_string_equal(run(".", 0, NULL, &rc), "null|");
	assert_string_equal(run("empty", 0, "1", &rc), "");
}

static void
output_can_stop_the_run(void **state)
{
	static struct out o;
	struct kq_jq q;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.stop_after = 2;
	assert_int_equal(kq_jq_compile(&q, "range(10)", 0), 0);
	assert_int_equal(kq_jq_run(&q, "null", 4, collect, &o), 7);
	assert_string_equal(o.buf, "0|1|");
	kq_jq_free(&q);
}

static void
compile_errors_are_one_line(void **state)
{
	struct kq_jq q;

	(void)state;
	assert_int_equal(kq_jq_compile(&q, ".[] |", 0), -1);
	assert_non_null(strstr(q.err, "syntax error"));
	assert_null(strchr(q.err, '\n'));
	assert_int_not_equal(strncmp(q.err, "jq: error", 9), 0);
	kq_jq_free(&q);
	assert_int_equal(kq_jq_compile(&q, "nosuch(1)", 0), -1);
	assert_non_null(strstr(q.err, "nosuch/1 is not defined"));
	assert_null(strchr(q.err, '\n'));
	kq_jq_free(&q);
}

static void
run_errors(void **state)
{
	static struct out o;
	struct kq_jq q;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(kq_jq_compile(&q, ".a", 0), 0);
	assert_int_equal(kq_jq_run(&q, "not json", 8, collect, &o), -1);
	assert_true(q.bad_input);
	assert_null(strstr(q.err, " at line "));
	assert_int_equal(kq_jq_run(&q, "[1]", 3, collect, &o), -1);
	assert_false(q.bad_input);
	assert_non_null(strstr(q.err, "Cannot index array"));
	kq_jq_free(&q);
	/* libjq alone would take "1" of "1\0002", and 0 of a lone NUL. */
	assert_int_equal(kq_jq_compile(&q, ".", 0), 0);
	assert_int_equal(kq_jq_run(&q, "1\0002", 3, collect, &o), -1);
	assert_true(q.bad_input);
	assert_string_equal(q.err, "a NUL byte at byte 2");
	assert_int_equal(kq_jq_run(&q, "\0", 1, collect, &o), -1);
	assert_true(q.bad_input);
	kq_jq_free(&q);
	assert_int_equal(kq_jq_compile(&q, "error({x: 1})", 0), 0);
	assert_int_equal(kq_jq_run(&q, "1", 1, collect, &o), -1);
	assert_string_equal(q.err, "{\"x\":1} (not a string)");
	kq_jq_free(&q);
}

static void
halt_and_halt_error(void **state)
{
	static struct out o;
	struct kq_jq q;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(kq_jq_compile(&q,
				       ".[] | if . == 2 then \"bye\\n\" | "
				       "halt_error(3) else . end",
				       0),
			 0);
	assert_int_equal(kq_jq_run(&q, "[1,2,3]", 7, collect, &o), KQ_JQ_HALT);
	assert_string_equal(o.buf, "1|");
	assert_int_equal(q.halt_status, 3);
	assert_string_equal(q.halt_msg, "bye\n");
	/* A halted program runs no more (libjq 1.6 would corrupt memory). */
	assert_int_equal(kq_jq_run(&q, "[5]", 3, collect, &o), KQ_JQ_HALT);
	assert_string_equal(o.buf, "1|");
	kq_jq_free(&q);
	assert_int_equal(kq_jq_compile(&q, "{a: 1} | halt_error", 0), 0);
	assert_int_equal(kq_jq_run(&q, "0", 1, collect, &o), KQ_JQ_HALT);
	assert_int_equal(q.halt_status, 5);
	assert_string_equal(q.halt_msg, "{\"a\":1}\n");
	kq_jq_free(&q);
	assert_int_equal(kq_jq_compile(&q, "halt", 0), 0);
	assert_int_equal(kq_jq_run(&q, "0", 1, collect, &o), KQ_JQ_HALT);
	assert_int_equal(q.halt_status, 0);
	assert_null(q.halt_msg);
	kq_jq_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(results_compact_and_raw),
		cmocka_unit_test(output_can_stop_the_run),
		cmocka_unit_test(compile_errors_are_one_line),
		cmocka_unit_test(run_errors),
		cmocka_unit_test(halt_and_halt_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
