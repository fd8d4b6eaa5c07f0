/*
 * A group as kq-group describe shows it: each partition's committed
 * offset, end and lag, "-" (null in JSON) for what is not known, the
 * member each is assigned to; the members and their assignments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "record.h"
#include "unit.h"

/* Committed offsets of three partitions, and their ends. */
static rd_kafka_topic_partition_list_t *committed, *end, *one, *none;
static struct kq_group_member members[2];

static int
setup(void **state)
{
	(void)state;
	committed = rd_kafka_topic_partition_list_new(3);
	rd_kafka_topic_partition_list_add(committed, "t", 0)->offset = 5;
	/* No offset committed for partition 1. */
	rd_kafka_topic_partition_list_add(committed, "t", 1)->offset =
		RD_KAFKA_OFFSET_INVALID;
	rd_kafka_topic_partition_list_add(committed, "u\"v", 0)->offset = 7;
	end = rd_kafka_topic_partition_list_copy(committed);
	end->elems[0].offset = 12;
	end->elems[1].offset = 3;
	/* The end of u"v [0] could not be learnt. */
	end->elems[2].offset = RD_KAFKA_OFFSET_INVALID;
	end->elems[2].err = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
	one = rd_kafka_topic_partition_list_new(2);
	rd_kafka_topic_partition_list_add(one, "t", 0);
	rd_kafka_topic_partition_list_add(one, "u\"v", 0);
	none = rd_kafka_topic_partition_list_new(0);
	members[0] = (struct kq_group_member){"m-1", "c1", "/10.0.0.1", one};
	members[1] = (struct kq_group_member){"m-2", "c2", "/10.0.0.2", none};
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rd_kafka_topic_partition_list_destroy(committed);
	rd_kafka_topic_partition_list_destroy(end);
	rd_kafka_topic_partition_list_destroy(one);
	rd_kafka_topic_partition_list_destroy(none);
	return 0;
}

static void
rows_and_lag(void **state)
{
	struct kq_group g = {"g", "Stable", "range", members, 2, NULL, 0};

	(void)state;
	kq_group_rows(&g, committed, end);
	assert_int_equal(g.nrows, 3);
	assert_int_equal(g.rows[0].committed, 5);
	assert_int_equal(g.rows[0].end, 12);
	assert_int_equal(kq_group_lag(&g.rows[0]), 7);
	assert_ptr_equal(g.rows[0].owner, &members[0]);
	assert_int_equal(g.rows[1].committed, -1);
	assert_int_equal(g.rows[1].end, 3);
	assert_int_equal(kq_group_lag(&g.rows[1]), -1);
	assert_null(g.rows[1].owner);
	assert_int_equal(g.rows[2].end, -1);
	assert_int_equal(kq_group_lag(&g.rows[2]), -1);
	kq_group_free(&g);
	assert_null(g.rows);
}

static void
offsets_table(void **state)
{
	struct kq_group g = {"g", "Stable", "range", members, 2, NULL, 0};
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	kq_group_rows(&g, committed, end);
	kq_group_put_offsets(&w, &g);
	assert_string_equal(
		unit_written(&w),
		"GROUP\tTOPIC\tPARTITION\tCURRENT-OFFSET\tLOG-END-OFFSET\t"
		"LAG\tCONSUMER-ID\tHOST\tCLIENT-ID\n"
		"g\tt\t0\t5\t12\t7\tm-1\t/10.0.0.1\tc1\n"
		"g\tt\t1\t-\t3\t-\t-\t-\t-\n"
		"g\tu\"v\t0\t7\t-\t-\tm-1\t/10.0.0.1\tc1\n");
	kq_group_free(&g);
	free(w.buf);
}

static void
members_table(void **state)
{
	struct kq_group g = {"g", "Stable", "range", members, 2, NULL, 0};
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	kq_group_put_members(&w, &g);
	assert_string_equal(unit_written(&w),
			    "GROUP\tCONSUMER-ID\tHOST\tCLIENT-ID\t#PARTITIONS\t"
			    "ASSIGNMENT\n"
			    "g\tm-1\t/10.0.0.1\tc1\t2\tt:0,u\"v:0\n"
			    "g\tm-2\t/10.0.0.2\tc2\t0\t-\n");
	free(w.buf);
}

static void
json(void **state)
{
	struct kq_group g = {"g", "Stable", "range", members, 2, NULL, 0};
	struct kq_group empty = {"e", "Empty", "", NULL, 0, NULL, 0};
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	kq_group_rows(&g, committed, end);
	kq_group_put_json(&w, &g);
	assert_string_equal(
		unit_written(&w),
		"{\"group\":\"g\",\"state\":\"Stable\",\"assignor\":\"range\","
		"\"members\":[{\"id\":\"m-1\",\"client\":\"c1\",\"host\":"
		"\"/"
		"10.0.0.1\",\"assignment\":[{\"topic\":\"t\",\"partition\":0},"
		"{\"topic\":\"u\\\"v\",\"partition\":0}]},{\"id\":\"m-2\","
		"\"client\":\"c2\",\"host\":\"/10.0.0.2\",\"assignment\":[]}],"
		"\"offsets\":[{\"topic\":\"t\",\"partition\":0,\"committed\":5,"
		"\"end\":12,\"lag\":7},{\"topic\":\"t\",\"partition\":1,"
		"\"committed\":null,\"end\":3,\"lag\":null},{\"topic\":"
		"\"u\\\"v\","
		"\"partition\":0,\"committed\":7,\"end\":null,\"lag\":null}]}"
		"\n");
	kq_group_put_json(&w, &empty);
	assert_string_equal(unit_written(&w),
			    "{\"group\":\"e\",\"state\":\"Empty\",\"assignor\":"
			    "\"\",\"members\":[],\"offsets\":[]}\n");
	kq_group_free(&g);
	free(w.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_and_lag),
		cmocka_unit_test(offsets_table),
		cmocka_unit_test(members_table),
		cmocka_unit_test(json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
