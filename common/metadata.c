/*
 * A cluster's metadata as kafka-topics and kcat -L show it: a topic by
 * name, topics sorted, each partition's leader, replicas, in-sync
 * replicas and (-o) watermarks, in text or JSON.
 */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "apiversions.h"
#include "configs.h"
#include "die.h"
#include "envelope.h"
#include "kafka.h"
#include "metadata.h"
#include "record.h"
#include "sig.h"

const rd_kafka_metadata_topic_t *
kq_md_topic(const struct rd_kafka_metadata *md, const char *name)
{
	int i;

	for (i = 0; i < md->topic_cnt; i++)
		if (strcmp(md->topics[i].topic, name) == 0)
			return &md->topics[i];
	return NULL;
}

static int
by_topic(const void *a, const void *b)
{
	const rd_kafka_metadata_topic_t *const *x = a, *const *y = b;

	return strcmp((*x)->topic, (*y)->topic);
}

static int
by_partition(const void *a, const void *b)
{
	const rd_kafka_metadata_partition_t *const *x = a, *const *y = b;

	return ((*x)->id > (*y)->id) - ((*x)->id < (*y)->id);
}

int
kq_md_has_controller(const struct rd_kafka_metadata *md, int32_t id)
{
	int i;

	if (id < 0)
		return 1; /* the request will find out */
	for (i = 0; i < md->broker_cnt; i++)
		if (md->brokers[i].id == id)
			return 1;
	return 0;
}

void
kq_md_sort_topics(const rd_kafka_metadata_topic_t **v, int n)
{
	qsort(v, n, sizeof(*v), by_topic);
}

static void
put_ids(struct kq_writer *w, const int32_t *id, int n, int json)
{
	int i;

	if (json)
		kq_writer_puts(w, "[");
	for (i = 0; i < n; i++)
		kq_writer_printf(w, i ? ",%d" : "%d", (int)id[i]);
	if (json)
		kq_writer_puts(w, "]");
}

int
kq_marks_get(struct kq_kafka *kk, const rd_kafka_metadata_topic_t **v, int n,
	     struct kq_marks *m)
{
	rd_kafka_resp_err_t err;
	int i, k, any = 0;

	m->lo = rd_kafka_topic_partition_list_new(16);
	m->hi = rd_kafka_topic_partition_list_new(16);
	for (i = 0; i < n; i++)
		for (k = 0; k < v[i]->partition_cnt; k++) {
			rd_kafka_topic_partition_list_add(
				m->lo, v[i]->topic, v[i]->partitions[k].id);
			rd_kafka_topic_partition_list_add(
				m->hi, v[i]->topic, v[i]->partitions[k].id);
		}
	if (m->lo->cnt == 0)
		return 0;
	err = kq_kafka_watermarks(kk, m->lo, m->hi);
	if (!err)
		return 0;
	for (i = 0; i < m->lo->cnt; i++)
		any |= m->lo->elems[i].err || m->hi->elems[i].err;
	if (!any) {
		/* Not one partition's fault: the request failed. */
		kq_warn("watermarks: %s", rd_kafka_err2str(err));
		return kq_kafka_status(err);
	}
	for (i = 0; i < m->lo->cnt; i++) {
		rd_kafka_topic_partition_t *lo = &m->lo->elems[i];

		err = lo->err ? lo->err : m->hi->elems[i].err;
		if (err)
			kq_warn("watermarks of %s [%d]: %s", lo->topic,
				(int)lo->partition, rd_kafka_err2str(err));
	}
	return EX_UNAVAILABLE;
}

static void
put_marks(struct kq_writer *w, const struct kq_marks *m, const char *topic,
	  int32_t p, int json)
{
	rd_kafka_topic_partition_t *lo, *hi;

	if (!m->lo)
		return;
	lo = rd_kafka_topic_partition_list_find(m->lo, topic, p);
	hi = rd_kafka_topic_partition_list_find(m->hi, topic, p);
	if (lo && hi && !lo->err && !hi->err)
		kq_writer_printf(
			w,
			json ? ",\"low\":%lld,\"high\":%lld"
			     : "\tLowWatermark: %lld\tHighWatermark: %lld",
			(long long)lo->offset, (long long)hi->offset);
	else
		kq_writer_puts(w, json ? ",\"low\":null,\"high\":null"
				       : "\tLowWatermark: -\tHighWatermark: -");
}

/* What a partition's line says in text, and in JSON. */
static const struct form {
	const char *none, *replicas, *isr, *end;
} forms[2] = {
	{"none", "\tReplicas: ", "\tIsr: ", "\n"},
	{"null", ",\"replicas\":", ",\"isr\":", "}"},
};

void
kq_md_put_topic(struct kq_writer *w, const rd_kafka_metadata_topic_t *t,
		const rd_kafka_ConfigResource_t *cr, const struct kq_marks *m,
		int json, unsigned only)
{
	const rd_kafka_metadata_partition_t **p;
	const struct form *f = &forms[json != 0];
	int i, shown = 0;

	p = kq_ecalloc(t->partition_cnt + 1, sizeof(*p));
	for (i = 0; i < t->partition_cnt; i++)
		p[i] = &t->partitions[i];
	qsort(p, t->partition_cnt, sizeof(*p), by_partition);
	if (json) {
		kq_writer_printf(w,
				 "{\"topic\":\"%s\",\"partition_count\":%d,"
				 "\"replication_factor\":%d,\"configs\":",
				 t->topic, t->partition_cnt,
				 t->partition_cnt ? p[0]->replica_cnt : 0);
		kq_configs_put_set(w, cr, 1);
		kq_writer_puts(w, ",\"partitions\":[");
	} else if (!only) {
		kq_writer_printf(
			w,
			"Topic: %s\tPartitionCount: %d\tReplicationFactor: "
			"%d\tConfigs: ",
			t->topic, t->partition_cnt,
			t->partition_cnt ? p[0]->replica_cnt : 0);
		kq_configs_put_set(w, cr, 0);
		kq_writer_puts(w, "\n");
	}
	for (i = 0; i < t->partition_cnt; i++) {
		const rd_kafka_metadata_partition_t *q = p[i];

		if ((only & KQ_MD_UNDER_REPLICATED) &&
		    q->isr_cnt >= q->replica_cnt)
			continue;
		if ((only & KQ_MD_UNAVAILABLE) && q->leader >= 0)
			continue;
		if (json)
			kq_writer_printf(w, "%s{\"partition\":%d,\"leader\":",
					 shown ? "," : "", (int)q->id);
		else
			kq_writer_printf(w,
					 "\tTopic: %s\tPartition: %d\tLeader: ",
					 t->topic, (int)q->id);
		if (q->leader >= 0)
			kq_writer_printf(w, "%d", (int)q->leader);
		else
			kq_writer_puts(w, f->none);
		kq_writer_puts(w, f->replicas);
		put_ids(w, q->replicas, q->replica_cnt, json);
		kq_writer_puts(w, f->isr);
		put_ids(w, q->isrs, q->isr_cnt, json);
		put_marks(w, m, t->topic, q->id, json);
		kq_writer_puts(w, f->end);
		shown++;
	}
	if (json)
		kq_writer_puts(w, "]}\n");
	free(p);
}

void
kq_marks_free(struct kq_marks *m)
{
	if (m->lo) {
		rd_kafka_topic_partition_list_destroy(m->lo);
		rd_kafka_topic_partition_list_destroy(m->hi);
	}
}

static int
by_broker(const void *a, const void *b)
{
	const struct rd_kafka_metadata_broker *const *x = a, *const *y = b;

	return ((*x)->id > (*y)->id) - ((*x)->id < (*y)->id);
}

int
kq_md_put_brokers(struct kq_writer *w, const struct rd_kafka_metadata *md,
		  const char *cluster, int32_t ctl, int json,
		  int (*each)(void *arg,
			      const struct rd_kafka_metadata_broker *b),
		  void *arg)
{
	const struct rd_kafka_metadata_broker **b;
	int i, status = 0;

	b = kq_ecalloc(md->broker_cnt + 1, sizeof(*b));
	for (i = 0; i < md->broker_cnt; i++)
		b[i] = &md->brokers[i];
	qsort(b, md->broker_cnt, sizeof(*b), by_broker);
	if (json) {
		kq_writer_puts(w, "{\"cluster_id\":");
		kq_json_write_str(w, cluster);
		if (ctl >= 0)
			kq_writer_printf(w, ",\"controller\":%d", (int)ctl);
		else
			kq_writer_puts(w, ",\"controller\":null");
		kq_writer_puts(w, ",\"brokers\":[");
	} else {
		kq_writer_printf(w, "ClusterId: %s\tController: ",
				 cluster ? cluster : "-");
		if (ctl >= 0)
			kq_writer_printf(w, "%d\n", (int)ctl);
		else
			kq_writer_puts(w, "-\n");
	}
	for (i = 0; i < md->broker_cnt && !kq_stop; i++) {
		if (json) {
			kq_writer_printf(w,
					 "%s{\"id\":%d,\"host\":", i ? "," : "",
					 (int)b[i]->id);
			kq_json_write_string(w, b[i]->host, strlen(b[i]->host));
			kq_writer_printf(w, ",\"port\":%d", b[i]->port);
		} else {
			kq_writer_printf(w,
					 "Broker: %d\tHost: %s\tPort: %d%s\n",
					 (int)b[i]->id, b[i]->host, b[i]->port,
					 b[i]->id == ctl ? "\tController" : "");
		}
		if (each)
			status = kq_worse_status(status, each(arg, b[i]));
		if (json)
			kq_writer_puts(w, "}");
	}
	if (json)
		kq_writer_puts(w, "]}\n");
	free(b);
	return status;
}

void
kq_md_put_apis(struct kq_writer *w, int32_t broker, const struct kq_api *apis,
	       int n, int json)
{
	const char *name;
	int i;

	if (json)
		kq_writer_puts(w, ",\"apis\":[");
	for (i = 0; i < n; i++) {
		name = kq_api_name(apis[i].key);
		if (json) {
			kq_writer_printf(w, "%s{\"key\":%d,\"name\":",
					 i ? "," : "", apis[i].key);
			kq_json_write_str(w, name);
			kq_writer_printf(w, ",\"min\":%d,\"max\":%d}",
					 apis[i].min, apis[i].max);
		} else {
			kq_writer_printf(w,
					 "Broker: %d\tApiKey: %d\tName: %s\t"
					 "MinVersion: %d\tMaxVersion: %d\n",
					 (int)broker, apis[i].key,
					 name ? name : "-", apis[i].min,
					 apis[i].max);
		}
	}
	if (json)
		kq_writer_puts(w, "]");
}
