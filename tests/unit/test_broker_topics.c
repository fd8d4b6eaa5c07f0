/*
 * Topic configs: every Kafka topic config taken and checked, kept across
 * a reopen, changed by kb_topics_alter all or nothing, and applied to the
 * partitions: a topic that is not cleanup.policy=delete loses nothing to
 * retention.
 */
#include "unit_broker.h"
#include "errors.h"

static const char *
value(struct kb_topics *ts, struct kb_topic *t, const char *name)
{
	static char buf[32];
	int set;

	return kb_cfg_value(ts, t, kb_cfg_find(name), buf, sizeof(buf), &set);
}

static void
compacted_topics_keep_everything(void **state)
{
	char *d = unit_tmpdir(), err[256], why[256];
	struct kb_topics ts;
	struct kb_topic *t;
	struct kb_cfgval cfg[] = {{"retention.ms", "1000"},
				  {"cleanup.policy", "compact"},
				  {"min.insync.replicas", "2"}};
	struct kb_cfgval del[] = {{"cleanup.policy", "compact"}};
	int ops[] = {KB_CFG_OP_SUBTRACT};
	struct kb_cfgval add[] = {{"cleanup.policy", "delete"}};
	int addop[] = {KB_CFG_OP_APPEND};

	(void)state;
	assert_int_equal(
		kb_topics_open(&ts, d, &unit_logconf, err, sizeof(err)), 0);
	assert_int_equal(
		kb_topics_create(&ts, "c", 2, cfg, 3, 0, &t, why, sizeof(why)),
		0);
	/* Compacted only: retention is off, on every partition. */
	assert_int_equal(t->conf.retention_ms, -1);
	assert_int_equal(t->parts[1].conf.retention_ms, -1);
	assert_string_equal(value(&ts, t, "retention.ms"), "1000");
	assert_int_equal(
		kb_topics_alter(&ts, t, add, addop, 1, 0, 0, why, sizeof(why)),
		0);
	assert_string_equal(value(&ts, t, "cleanup.policy"), "compact,delete");
	assert_int_equal(t->parts[1].conf.retention_ms, 1000);
	assert_int_equal(
		kb_topics_alter(&ts, t, del, ops, 1, 0, 0, why, sizeof(why)),
		0);
	assert_string_equal(value(&ts, t, "cleanup.policy"), "delete");
	kb_topics_close(&ts);
	assert_int_equal(
		kb_topics_open(&ts, d, &unit_logconf, err, sizeof(err)), 0);
	t = kb_topics_find(&ts, "c", 1);
	assert_non_null(t);
	assert_string_equal(value(&ts, t, "min.insync.replicas"), "2");
	assert_string_equal(value(&ts, t, "cleanup.policy"), "delete");
	assert_int_equal(t->parts[0].conf.retention_ms, 1000);
	kb_topics_close(&ts);
	unit_tmpdir_free(d);
}

static void
a_bad_change_changes_nothing(void **state)
{
	char *d = unit_tmpdir(), err[256], why[256];
	struct kb_topics ts;
	struct kb_topic *t;
	struct kb_cfgval cfg[] = {{"segment.ms", "60000"}};
	struct kb_cfgval bad[] = {{"retention.ms", "7"},
				  {"compression.type", "brotli"}};
	struct kb_cfgval all[] = {{"retention.ms", "7"}};

	(void)state;
	assert_int_equal(
		kb_topics_open(&ts, d, &unit_logconf, err, sizeof(err)), 0);
	assert_int_equal(
		kb_topics_create(&ts, "a", 1, cfg, 1, 0, &t, why, sizeof(why)),
		0);
	assert_int_equal(
		kb_topics_alter(&ts, t, bad, NULL, 2, 0, 0, why, sizeof(why)),
		KB_INVALID_CONFIG);
	assert_non_null(strstr(why, "Invalid value brotli for configuration "
				    "compression.type"));
	assert_int_equal(t->conf.retention_ms, -1);
	/* validate_only: checked, not made. */
	assert_int_equal(
		kb_topics_alter(&ts, t, all, NULL, 1, 0, 1, why, sizeof(why)),
		0);
	assert_int_equal(t->conf.retention_ms, -1);
	/* AlterConfigs: what is not given goes back to its default. */
	assert_int_equal(
		kb_topics_alter(&ts, t, all, NULL, 1, 1, 0, why, sizeof(why)),
		0);
	assert_int_equal(t->conf.retention_ms, 7);
	assert_string_equal(value(&ts, t, "segment.ms"), "604800000");
	kb_topics_close(&ts);
	unit_tmpdir_free(d);
}

static void
values_are_checked_as_kafka_checks_them(void **state)
{
	static const struct {
		const char *name, *value;
		int ok;
	} cases[] = {
		{"retention.ms", "-1", 1},
		{"retention.ms", "-2", 0},
		{"segment.bytes", "2147483648", 0},
		{"compression.type", "zstd", 1},
		{"compression.type", "ZSTD", 0},
		{"message.timestamp.type", "LogAppendTime", 1},
		{"min.cleanable.dirty.ratio", "0.25", 1},
		{"min.cleanable.dirty.ratio", "-0.1", 0},
		{"preallocate", "TRUE", 1},
		{"leader.replication.throttled.replicas", "*", 1},
		{"leader.replication.throttled.replicas", "0:1, 1:1", 1},
		{"leader.replication.throttled.replicas", "0:", 0},
		{"cleanup.policy", "delete, compact", 1},
		{"cleanup.policy", "none", 0},
		{"no.such.config", "1", 0},
	};
	char *d = unit_tmpdir(), err[256], why[256];
	struct kb_topics ts;
	size_t i;

	(void)state;
	assert_int_equal(
		kb_topics_open(&ts, d, &unit_logconf, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kb_cfgval c = {cases[i].name, cases[i].value};
		int e = kb_topics_create(&ts, "v", 1, &c, 1, 1, NULL, why,
					 sizeof(why));

		if (e != (cases[i].ok ? 0 : KB_INVALID_CONFIG))
			fail_msg("%s=%s: %d (%s)", cases[i].name,
				 cases[i].value, e, why);
	}
	kb_topics_close(&ts);
	unit_tmpdir_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compacted_topics_keep_everything),
		cmocka_unit_test(a_bad_change_changes_nothing),
		cmocka_unit_test(values_are_checked_as_kafka_checks_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
