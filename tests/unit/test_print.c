/*
 * A message printed in each form kq-sub offers: the value, key DELIM
 * value with nulls shown or not, a jq filter's results and the values it
 * cannot take; the console consumer's --property forms; and the output
 * options that do not go together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "print.h"
#include "unit.h"

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "", "Test how messages print.", options, 1, NULL, "0 ok.",
};

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

/* The output options given to kq_print_check, in a child. */
struct choice {
	const char *format, *filter;
	int json, json_values, raw, delim_given, key, keep_going, show_null;
};

/*
 * The first line kq_print_check says for ch, with its status in the
 * line's place when it says nothing: "ok" for 0.
 */
static const char *
check_says(const struct choice *ch)
{
	static char line[512];
	size_t len = 0;
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct kq_print pr = {0};
		struct kq_conf c;

		dup2(fds[1], 2);
		close(fds[0]);
		unit_conf(&c, &cmd, ARGV("-b", "localhost:1"));
		if (ch->key)
			pr.kdelim = (struct kq_delim){":", 1};
		pr.keep_going = ch->keep_going;
		pr.show_null = ch->show_null;
		kq_print_check(&pr, &c, ch->format, ch->json, ch->json_values,
			       ch->filter, ch->raw, ch->delim_given);
		_exit(0);
	}
	close(fds[1]);
	/* Until the child is done: a message may come in pieces. */
	while (len < sizeof(line) - 1 &&
	       (n = read(fds[0], line + len, sizeof(line) - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	line[len] = 0;
	line[strcspn(line, "\n")] = 0;
	if (WEXITSTATUS(st) == 0)
		return "ok";
	assert_int_equal(WEXITSTATUS(st), 64);
	return line;
}

static void
output_choices(void **state)
{
	(void)state;
	assert_string_equal(check_says(&(struct choice){.json = 1}), "ok");
	assert_string_equal(
		check_says(&(struct choice){.format = "%v", .filter = ".a"}),
		"kq-test: -J, -f, -K and --jq each choose the output; give "
		"one");
	assert_string_equal(check_says(&(struct choice){.json = 1, .key = 1}),
			    "kq-test: -J, -f, -K and --jq each choose the "
			    "output; give one");
	assert_string_equal(
		check_says(&(struct choice){.format = "%v", .delim_given = 1}),
		"kq-test: -f writes its own delimiters: put them in the "
		"format");
	assert_string_equal(check_says(&(struct choice){.json_values = 1}),
			    "kq-test: --json-values goes with -J");
	assert_string_equal(check_says(&(struct choice){.raw = 1}),
			    "kq-test: -r goes with --jq");
	assert_string_equal(check_says(&(struct choice){.keep_going = 1}),
			    "kq-test: --keep-going goes with --jq");
	assert_string_equal(check_says(&(struct choice){
				    .filter = ".", .raw = 1, .keep_going = 1}),
			    "ok");
	assert_string_equal(
		check_says(&(struct choice){.filter = ".", .show_null = 1}),
		"kq-test: -Z has no use with --jq: nulls are null in JSON");
	assert_string_equal(check_says(&(struct choice){.key = 1,
							.show_null = 1,
							.delim_given = 1}),
			    "ok");
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
		cmocka_unit_test(output_choices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
