/*
 * A topic's configs: the ones set as kafka-topics shows them, every one
 * as kafka-configs does (sorted, text and JSON), the set AlterConfigs is
 * to leave, and the changes of IncrementalAlterConfigs (the last -c of a
 * name wins; --delete-config yields to -c); DescribeConfigs and
 * AlterConfigs that a broker leaves unanswered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin.h"
#include "configs.h"
#include "record.h"
#include "unit.h"

#define V(...) ((char *[]){__VA_ARGS__, NULL})

/* Configs as the broker would list them, in this order. */
static rd_kafka_ConfigResource_t *
resource(char **nv)
{
	rd_kafka_ConfigResource_t *cr =
		rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "t");

	for (; nv[0]; nv += 2)
		rd_kafka_ConfigResource_set_config(cr, nv[0], nv[1]);
	return cr;
}

static void
set_ones(void **state)
{
	rd_kafka_ConfigResource_t *cr = resource(
		V("retention.ms", "1000", "cleanup.policy", "compact"));
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	kq_configs_put_set(&w, NULL, 0);
	assert_string_equal(unit_written(&w), "");
	kq_configs_put_set(&w, NULL, 1);
	assert_string_equal(unit_written(&w), "null");
	kq_configs_put_set(&w, cr, 0);
	assert_string_equal(unit_written(&w),
			    "retention.ms=1000,cleanup.policy=compact");
	kq_configs_put_set(&w, cr, 1);
	assert_string_equal(
		unit_written(&w),
		"{\"retention.ms\":\"1000\",\"cleanup.policy\":\"compact\"}");
	rd_kafka_ConfigResource_destroy(cr);
	free(w.buf);
}

static void
all_sorted(void **state)
{
	rd_kafka_ConfigResource_t *cr =
		resource(V("retention.ms", "1000", "cleanup.policy", "a\"b"));
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	kq_configs_put_all(&w, "t", cr, 0);
	assert_string_equal(unit_written(&w),
			    "t\tcleanup.policy\ta\"b\tset\tUNKNOWN_CONFIG\n"
			    "t\tretention.ms\t1000\tset\tUNKNOWN_CONFIG\n");
	kq_configs_put_all(&w, "t", cr, 1);
	assert_string_equal(unit_written(&w),
			    "{\"topic\":\"t\",\"configs\":["
			    "{\"name\":\"cleanup.policy\",\"value\":\"a\\\"b\","
			    "\"default\":false,\"source\":\"UNKNOWN_CONFIG\","
			    "\"read_only\":false,\"sensitive\":false},"
			    "{\"name\":\"retention.ms\",\"value\":\"1000\","
			    "\"default\":false,\"source\":\"UNKNOWN_CONFIG\","
			    "\"read_only\":false,\"sensitive\":false}]}\n");
	rd_kafka_ConfigResource_destroy(cr);
	free(w.buf);
}

/* Only configs set on the topic itself are kept: these are not. */
static void
merged(void **state)
{
	rd_kafka_ConfigResource_t *now = resource(V("segment.ms", "5")), *cr;
	char a[] = "retention.ms=1", b[] = "retention.ms=2";
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	cr = kq_configs_merge("t", now, V(a, b), 2, V("segment.ms"), 1);
	assert_non_null(cr);
	kq_configs_put_set(&w, cr, 0);
	assert_string_equal(unit_written(&w), "retention.ms=1,retention.ms=2");
	/* The operands are left as they were. */
	assert_string_equal(a, "retention.ms=1");
	rd_kafka_ConfigResource_destroy(cr);
	rd_kafka_ConfigResource_destroy(now);
	free(w.buf);
}

static void
incremental_ops(void **state)
{
	char a1[] = "a=1", a2[] = "a=2", b[] = "b=3";
	struct kq_config_op *ops;
	int n;

	(void)state;
	ops = kq_configs_ops(V(a1, a2, b), 3, V("a", "c"), 2, &n);
	assert_int_equal(n, 3);
	assert_string_equal(ops[0].name, "b");
	assert_string_equal(ops[0].value, "3");
	assert_string_equal(ops[1].name, "a");
	assert_string_equal(ops[1].value, "2");
	assert_string_equal(ops[2].name, "c");
	assert_null(ops[2].value);
	kq_configs_ops_free(ops, n);
}

static const struct kq_option options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test", "", "Test the configs.", options, 1, NULL, "0 ok.",
};

/*
 * Against port 1 of this host, where nothing answers: DescribeConfigs
 * times out (said with -v), AlterConfigs too, said and EX_TEMPFAIL.
 */
static void
requests_unanswered(void **state)
{
	char *argv[] = {"kq-test",   "-v",    "-b", "127.0.0.1:1",
			"--timeout", "300ms", NULL};
	rd_kafka_metadata_topic_t t = {"t", 0, NULL, 0};
	const rd_kafka_metadata_topic_t *v[] = {&t};
	rd_kafka_ConfigResource_t *todo[] = {resource(V("retention.ms", "1"))};
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	struct kq_admin a = {0};
	struct unit_catch k;
	struct kq_conf c;
	const char *said;
	char errstr[256];
	int st;

	(void)state;
	unit_env();
	unit_conf(&c, &cmd, argv);
	rd_kafka_conf_set(rc, "bootstrap.servers", "127.0.0.1:1", errstr,
			  sizeof(errstr));
	rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof(errstr));
	a.kk.rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof(errstr));
	assert_non_null(a.kk.rk);
	a.q = rd_kafka_queue_new(a.kk.rk);
	unit_catch(&k);
	assert_null(kq_configs_describe(&a, &c, v, 1));
	st = kq_configs_alter(&a, &c, todo, 1);
	said = unit_caught(&k);
	assert_int_equal(st, EX_TEMPFAIL);
	assert_true(strncmp(said, "kq-test: configs unavailable: ", 30) == 0);
	assert_non_null(strstr(said, "\nkq-test: alter t: "));
	rd_kafka_ConfigResource_destroy(todo[0]);
	rd_kafka_queue_destroy(a.q);
	rd_kafka_destroy(a.kk.rk);
	kq_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_ones),
		cmocka_unit_test(all_sorted),
		cmocka_unit_test(merged),
		cmocka_unit_test(incremental_ops),
		cmocka_unit_test(requests_unanswered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
