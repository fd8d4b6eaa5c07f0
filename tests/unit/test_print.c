/*
 * A message printed in each form kq-sub offers: the value, key DELIM
 * value with nulls shown or not, a jq filter's results and the values it
 * cannot take; and the console consumer's --property forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "print.h"
#include "unit.h"

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "", "Test how messages print.", options, 1, NULL, "0 ok.",
};

#define ARGV(...) ((char *[]){"kq-test", __VA_ARGS__, NULL})

struct fixture {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct kq_conf c;
	struct kq_writer w;
	struct kq_print pr;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char errstr[256];

	unit_env();
	rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof(errstr));
	f->rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof(errstr));
	assert_non_null(f->rk);
	f->rkt = rd_kafka_topic_new(f->rk, "t", NULL);
	unit_conf(&f->c, &cmd,
		  ARGV("-q", "-b", "localhost:1", "-X", "print.key=true", "-X",
		       "key.separator=:"));
	kq_writer_init(&f->w, -1, "test", 4096);
	f->pr.out = &f->w;
	f->pr.delim = (struct kq_delim){"\n", 1};
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	kq_print_free(&f->pr);
	free(f->w.buf);
	kq_conf_free(&f->c);
	rd_kafka_topic_destroy(f->rkt);
	rd_kafka_destroy(f->rk);
	free(f);
	return 0;
}

static int
print(struct fixture *f, const char *key, const char *value)
{
	rd_kafka_message_t m;

	memset(&m, 0, sizeof(m));
	m.rkt = f->rkt;
	m.offset = 4;
	m.key = (void *)key;
	m.key_len = key ? strlen(key) : 0;
	m.payload = (void *)value;
	m.len = value ? strlen(value) : 0;
	return kq_print_message(&f->pr, &f->c, &m);
}

static void
assert_printed(struct fixture *f, const char *want)
{
	assert_int_equal(f->w.len, strlen(want));
	assert_memory_equal(f->w.buf, want, f->w.len);
	assert_int_equal(f->pr.put, strlen(want));
}

static void
values(void **state)
{
	struct fixture *f = *state;

	kq_print_choose(&f->pr, &f->c, NULL, 0, 0, NULL, 0);
	assert_int_equal(print(f, "k", "v"), 0);
	assert_int_equal(print(f, NULL, NULL), 0);
	assert_printed(f, "v\n\n");
}

static void
keys_and_nulls(void **state)
{
	struct fixture *f = *state;

	f->pr.kdelim = (struct kq_delim){"=", 1};
	f->pr.show_null = 1;
	kq_print_choose(&f->pr, &f->c, NULL, 0, 0, NULL, 0);
	assert_int_equal(f->pr.mode, KQ_PRINT_KEY);
	assert_int_equal(print(f, "k", "v"), 0);
	assert_int_equal(print(f, NULL, ""), 0);
	assert_printed(f, "k=v\nNULL=\n");
}

static void
jq_results(void **state)
{
	struct fixture *f = *state;

	kq_print_choose(&f->pr, &f->c, NULL, 0, 0, ".a, .b", 1);
	assert_int_equal(print(f, NULL, "{\"a\":\"x\",\"b\":2}"), 0);
	assert_printed(f, "x\n2\n");
	/* Not JSON: said and refused, or skipped with --keep-going. */
	assert_int_equal(print(f, NULL, "{"), KQ_PRINT_BAD);
	f->pr.keep_going = 1;
	assert_int_equal(print(f, NULL, "{"), 0);
	assert_printed(f, "x\n2\n");
}

static void
console_properties(void **state)
{
	struct fixture *f = *state;
	const char *fmt = kq_print_console(&f->pr, &f->c);

	assert_non_null(fmt);
	assert_non_null(strstr(fmt, "%k:%v"));
	assert_true(f->pr.show_null);
	assert_string_equal(f->pr.null_literal, "null");
	/* Taken: librdkafka never sees them. */
	assert_null(kq_conf_prop(&f->c, "print.key"));
	assert_null(kq_conf_prop(&f->c, "key.separator"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(values, setup, teardown),
		cmocka_unit_test_setup_teardown(keys_and_nulls, setup,
						teardown),
		cmocka_unit_test_setup_teardown(jq_results, setup, teardown),
		cmocka_unit_test_setup_teardown(console_properties, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
