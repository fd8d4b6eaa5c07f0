/* kq-sub -f format strings: parsing, every directive, nulls, big messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "spec.h"

static const struct kq_header hdrs[] = {
	{"a", 1, "1", 1},
	{"b", 1, NULL, 0},
	{"c", 1, "x=y", 3},
};

static struct kq_envelope
sample(void)
{
	struct kq_envelope e = {
		.topic = "events",
		.partition = 3,
		.offset = 1234567,
		.timestamp = 1700000000123LL,
		.key = "k1",
		.key_len = 2,
		.value = "hello",
		.value_len = 5,
		.headers = hdrs,
		.nheaders = 3,
	};

	return e;
}

/* Render e with fmt into a buffer big enough not to flush; the output. */
static char *
render(const char *fmt, const struct kq_envelope *e, const char *null,
       size_t *n)
{
	static char out[4096];
	struct kq_format f;
	struct kq_writer w;
	char err[256];
	size_t got;

	assert_int_equal(kq_format_parse(&f, fmt, err, sizeof(err)), 0);
	if (null)
		kq_format_null(&f, null);
	kq_writer_init(&w, -1, "test", sizeof(out));
	got = kq_format_write(&f, &w, e);
	assert_int_equal(got, w.len);
	memcpy(out, w.buf, w.len);
	*n = w.len;
	free(w.buf);
	kq_format_free(&f);
	return out;
}

static void
expect(const char *fmt, const struct kq_envelope *e, const char *null,
       const char *want, size_t wantlen)
{
	size_t n;
	char *got = render(fmt, e, null, &n);

	assert_int_equal(n, wantlen);
	assert_memory_equal(got, want, wantlen);
}

#define EXPECT(fmt, e, null, want) expect(fmt, e, null, want, sizeof(want) - 1)

static void
directives(void **state)
{
	struct kq_envelope e = sample();

	(void)state;
	EXPECT("%t %p %o", &e, NULL, "events 3 1234567");
	EXPECT("%k=%v", &e, NULL, "k1=hello");
	EXPECT("%s", &e, NULL, "hello"); /* kcat's name for the value */
	EXPECT("%K %S", &e, NULL, "2 5");
	EXPECT("%T", &e, NULL, "1700000000123");
	EXPECT("%I", &e, NULL, "2023-11-14T22:13:20.123Z");
	EXPECT("%h", &e, NULL, "a=1,b=,c=x=y");
	EXPECT("%R", &e, NULL, "\0\0\0\5");
	EXPECT("100%% %v", &e, NULL, "100% hello");
	EXPECT("no directive", &e, NULL, "no directive");
}

static void
escapes(void **state)
{
	struct kq_envelope e = sample();

	(void)state;
	EXPECT("%v\\n", &e, NULL, "hello\n");
	EXPECT("\\t%v\\r\\0", &e, NULL, "\thello\r\0");
	EXPECT("\\x41\\x1e\\\\", &e, NULL, "A\x1e\\");
}

static void
nulls(void **state)
{
	struct kq_envelope e = sample();

	(void)state;
	e.key = NULL;
	e.key_len = 0;
	e.value = NULL;
	e.value_len = 0;
	e.timestamp = -1;
	EXPECT("[%k][%v][%K][%S][%T][%I]", &e, NULL, "[][][-1][-1][-1][]");
	EXPECT("[%k][%v][%h][%I]", &e, "NULL",
	       "[NULL][NULL][a=1,b=NULL,c=x=y][NULL]");
	EXPECT("%R", &e, NULL, "\xff\xff\xff\xff");
	/* Empty is not null. */
	e.key = "";
	e.value = "";
	EXPECT("[%k][%v][%K][%S]", &e, "NULL", "[][][0][0]");
	e.nheaders = 0;
	EXPECT("[%h]", &e, NULL, "[]");
}

static void
bad_formats(void **state)
{
	static const struct {
		const char *fmt, *err;
	} bad[] = {
		{"", "the format is empty"},
		{"%q", "unknown directive %q at byte 1"},
		{"ab%", "a lone % at byte 3"},
		{"x\\q", "unknown escape \\q at byte 2"},
		{"\\x4", "\\x needs two hex digits at byte 1"},
		{"\\xzz", "\\x needs two hex digits at byte 1"},
		{"abc\\", "a lone \\ at byte 4"},
	};
	struct kq_format f;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			kq_format_parse(&f, bad[i].fmt, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad[i].err));
	}
}

static void
uses_headers(void **state)
{
	struct kq_format f;
	char err[256];

	(void)state;
	assert_int_equal(kq_format_parse(&f, "%v", err, sizeof(err)), 0);
	assert_false(f.uses_headers);
	kq_format_free(&f);
	assert_int_equal(kq_format_parse(&f, "%v %h", err, sizeof(err)), 0);
	assert_true(f.uses_headers);
	kq_format_free(&f);
}

static void
iso_cache(void **state)
{
	struct kq_envelope e = sample();

	(void)state;
	e.timestamp = 1700000000001LL;
	EXPECT("%I %I", &e, NULL,
	       "2023-11-14T22:13:20.001Z 2023-11-14T22:13:20.001Z");
	{
		struct kq_format f;
		struct kq_writer w;
		char err[256];

		assert_int_equal(kq_format_parse(&f, "%I,", err, sizeof(err)),
				 0);
		kq_writer_init(&w, -1, "test", 256);
		e.timestamp = 1700000000001LL;
		kq_format_write(&f, &w, &e);
		e.timestamp = 1700000000999LL;
		kq_format_write(&f, &w, &e);
		e.timestamp = 1700000001000LL;
		kq_format_write(&f, &w, &e);
		e.timestamp = 1700000000500LL;
		kq_format_write(&f, &w, &e);
		assert_int_equal(w.len, 4 * 25);
		assert_memory_equal(w.buf,
				    "2023-11-14T22:13:20.001Z,"
				    "2023-11-14T22:13:20.999Z,"
				    "2023-11-14T22:13:21.000Z,"
				    "2023-11-14T22:13:20.500Z,",
				    w.len);
		free(w.buf);
		kq_format_free(&f);
	}
}

/* A message bigger than the writer's buffer goes out whole, in order. */
static void
big_message(void **state)
{
	struct kq_envelope e = sample();
	struct kq_format f;
	struct kq_writer w;
	char err[256], *value, *back;
	FILE *tmp = tmpfile();
	size_t n = 100000, total = 0, i;

	(void)state;
	assert_non_null(tmp);
	value = malloc(n);
	for (i = 0; i < n; i++)
		value[i] = (char)('a' + i % 26);
	e.value = value;
	e.value_len = n;
	assert_int_equal(kq_format_parse(&f, "<%v>\\n", err, sizeof(err)), 0);
	kq_writer_init(&w, fileno(tmp), "tmp", 64);
	total += kq_format_write(&f, &w, &e);
	total += kq_format_write(&f, &w, &e);
	assert_int_equal(total, 2 * (n + 3));
	assert_int_equal(kq_writer_flush(&w), 0);
	back = malloc(total);
	rewind(tmp);
	assert_int_equal(fread(back, 1, total, tmp), total);
	for (i = 0; i < 2; i++) {
		char *p = back + i * (n + 3);

		assert_int_equal(p[0], '<');
		assert_memory_equal(p + 1, value, n);
		assert_memory_equal(p + 1 + n, ">\n", 2);
	}
	free(back);
	free(value);
	free(w.buf);
	kq_format_free(&f);
	fclose(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(directives),	cmocka_unit_test(escapes),
		cmocka_unit_test(nulls),	cmocka_unit_test(bad_formats),
		cmocka_unit_test(uses_headers), cmocka_unit_test(iso_cache),
		cmocka_unit_test(big_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
