/*
 * A topic as kafka-topics --describe shows it, from metadata: partitions
 * in order, a partition without a leader, the filters of under-replicated
 * and unavailable partitions, the watermarks of -o, and --json; topics
 * found by name and sorted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "apiversions.h"
#include "metadata.h"
#include "record.h"
#include "unit.h"

static int32_t both[] = {1, 2}, one[] = {1};

/* Partition 1 first, as metadata may give them; partition 0 unled. */
static rd_kafka_metadata_partition_t parts[] = {
	{1, RD_KAFKA_RESP_ERR_NO_ERROR, 2, 2, both, 2, both},
	{0, RD_KAFKA_RESP_ERR_NO_ERROR, -1, 2, both, 1, one},
};

static rd_kafka_metadata_topic_t topics[] = {
	{"zeta", 2, parts, RD_KAFKA_RESP_ERR_NO_ERROR},
	{"alpha", 0, NULL, RD_KAFKA_RESP_ERR_NO_ERROR},
};

static void
described(void **state)
{
	struct kq_marks none = {NULL, NULL};
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	kq_md_put_topic(&w, &topics[0], NULL, &none, 0, 0);
	assert_string_equal(
		unit_written(&w),
		"Topic: zeta\tPartitionCount: 2\tReplicationFactor: 2\t"
		"Configs: \n"
		"\tTopic: zeta\tPartition: 0\tLeader: none\tReplicas: 1,2\t"
		"Isr: 1\n"
		"\tTopic: zeta\tPartition: 1\tLeader: 2\tReplicas: 1,2\t"
		"Isr: 1,2\n");
	kq_md_put_topic(&w, &topics[0], NULL, &none, 1, 0);
	assert_string_equal(
		unit_written(&w),
		"{\"topic\":\"zeta\",\"partition_count\":2,"
		"\"replication_factor\":2,\"configs\":null,"
		"\"partitions\":["
		"{\"partition\":0,\"leader\":null,\"replicas\":[1,2],"
		"\"isr\":[1]},"
		"{\"partition\":1,\"leader\":2,\"replicas\":[1,2],"
		"\"isr\":[1,2]}]}\n");
	free(w.buf);
}

/* Only the partitions that are: no topic line. */
static void
filters(void **state)
{
	struct kq_marks none = {NULL, NULL};
	struct kq_writer w;
	const char *unled = "\tTopic: zeta\tPartition: 0\tLeader: none\t"
			    "Replicas: 1,2\tIsr: 1\n";

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	kq_md_put_topic(&w, &topics[0], NULL, &none, 0, KQ_MD_UNDER_REPLICATED);
	assert_string_equal(unit_written(&w), unled);
	kq_md_put_topic(&w, &topics[0], NULL, &none, 0, KQ_MD_UNAVAILABLE);
	assert_string_equal(unit_written(&w), unled);
	kq_md_put_topic(&w, &topics[1], NULL, &none, 0, KQ_MD_UNAVAILABLE);
	assert_string_equal(unit_written(&w), "");
	free(w.buf);
}

/* -o: each partition's watermarks; one not learnt is "-" (null). */
static void
watermarks(void **state)
{
	struct kq_marks m = {rd_kafka_topic_partition_list_new(2),
			     rd_kafka_topic_partition_list_new(2)};
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 4096);
	rd_kafka_topic_partition_list_add(m.lo, "zeta", 0)->offset = 3;
	rd_kafka_topic_partition_list_add(m.hi, "zeta", 0)->offset = 9;
	rd_kafka_topic_partition_list_add(m.lo, "zeta", 1)->err =
		RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
	rd_kafka_topic_partition_list_add(m.hi, "zeta", 1)->offset = 1;
	kq_md_put_topic(&w, &topics[0], NULL, &m, 0, 0);
	assert_string_equal(
		unit_written(&w),
		"Topic: zeta\tPartitionCount: 2\tReplicationFactor: 2\t"
		"Configs: \n"
		"\tTopic: zeta\tPartition: 0\tLeader: none\tReplicas: 1,2\t"
		"Isr: 1\tLowWatermark: 3\tHighWatermark: 9\n"
		"\tTopic: zeta\tPartition: 1\tLeader: 2\tReplicas: 1,2\t"
		"Isr: 1,2\tLowWatermark: -\tHighWatermark: -\n");
	kq_md_put_topic(&w, &topics[1], NULL, &m, 1, 0);
	assert_string_equal(unit_written(&w),
			    "{\"topic\":\"alpha\",\"partition_count\":0,"
			    "\"replication_factor\":0,\"configs\":null,"
			    "\"partitions\":[]}\n");
	kq_marks_free(&m);
	free(w.buf);
}

static void
found_and_sorted(void **state)
{
	struct rd_kafka_metadata md = {0};
	const rd_kafka_metadata_topic_t *v[] = {&topics[0], &topics[1]};

	(void)state;
	md.topic_cnt = 2;
	md.topics = topics;
	assert_ptr_equal(kq_md_topic(&md, "alpha"), &topics[1]);
	assert_null(kq_md_topic(&md, "alph"));
	kq_md_sort_topics(v, 2);
	assert_string_equal(v[0]->topic, "alpha");
	assert_string_equal(v[1]->topic, "zeta");
}

/* A broker given an "apis" member by the hook; its status kept. */
static int
apis_of(void *arg, const struct rd_kafka_metadata_broker *b)
{
	static const struct kq_api apis[] = {{0, 0, 11}, {999, 1, 2}};

	kq_md_put_apis(arg, b->id, apis, 2, 0);
	return b->id == 1 ? 69 : 0;
}

static int
apis_json(void *arg, const struct rd_kafka_metadata_broker *b)
{
	static const struct kq_api apis[] = {{0, 0, 11}, {999, 1, 2}};

	kq_md_put_apis(arg, b->id, apis, 2, 1);
	return 0;
}

/* brokers: by id, the controller marked; with -v the requests each takes. */
static void
brokers(void **state)
{
	struct rd_kafka_metadata_broker b[] = {{2, "h\"2", 9093},
					       {1, "h1", 9092}};
	struct rd_kafka_metadata md = {0};
	struct kq_writer w;

	(void)state;
	md.broker_cnt = 2;
	md.brokers = b;
	/* librdkafka's mock names a controller 0 it does not have. */
	assert_true(kq_md_has_controller(&md, 1));
	assert_false(kq_md_has_controller(&md, 0));
	assert_true(kq_md_has_controller(&md, -1));
	kq_writer_init(&w, -1, "test", 4096);
	assert_int_equal(kq_md_put_brokers(&w, &md, "c1", 2, 0, NULL, NULL), 0);
	assert_string_equal(unit_written(&w),
			    "ClusterId: c1\tController: 2\n"
			    "Broker: 1\tHost: h1\tPort: 9092\n"
			    "Broker: 2\tHost: h\"2\tPort: 9093\tController\n");
	assert_int_equal(kq_md_put_brokers(&w, &md, NULL, -1, 1, NULL, NULL),
			 0);
	assert_string_equal(
		unit_written(&w),
		"{\"cluster_id\":null,\"controller\":null,"
		"\"brokers\":[{\"id\":1,\"host\":\"h1\",\"port\":9092},"
		"{\"id\":2,\"host\":\"h\\\"2\",\"port\":9093}]}\n");
	md.broker_cnt = 1;
	md.brokers = &b[1];
	assert_int_equal(kq_md_put_brokers(&w, &md, NULL, -1, 0, apis_of, &w),
			 69);
	assert_string_equal(
		unit_written(&w),
		"ClusterId: -\tController: -\n"
		"Broker: 1\tHost: h1\tPort: 9092\n"
		"Broker: 1\tApiKey: 0\tName: Produce\tMinVersion: 0\t"
		"MaxVersion: 11\n"
		"Broker: 1\tApiKey: 999\tName: -\tMinVersion: 1\t"
		"MaxVersion: 2\n");
	assert_int_equal(kq_md_put_brokers(&w, &md, "c1", 1, 1, apis_json, &w),
			 0);
	assert_string_equal(
		unit_written(&w),
		"{\"cluster_id\":\"c1\",\"controller\":1,\"brokers\":[{\"id\":"
		"1,"
		"\"host\":\"h1\",\"port\":9092,\"apis\":[{\"key\":0,\"name\":"
		"\"Produce\",\"min\":0,\"max\":11},{\"key\":999,\"name\":null,"
		"\"min\":1,\"max\":2}]}]}\n");
	free(w.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(described),
		cmocka_unit_test(filters),
		cmocka_unit_test(watermarks),
		cmocka_unit_test(found_and_sorted),
		cmocka_unit_test(brokers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
