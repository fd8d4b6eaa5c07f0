/*
 * A cluster's metadata as kafka-topics and kcat -L show it: a topic by
 * name, topics sorted, each partition's leader, replicas, in-sync
 * replicas and (-o) watermarks; the brokers and (as
 * kafka-broker-api-versions) the requests each takes; in text or JSON.
 */
#ifndef KQ_METADATA_H
#define KQ_METADATA_H

#include <librdkafka/rdkafka.h>

#include "kafka.h"
#include "record.h"

/* The topic name in md, or NULL. */
const rd_kafka_metadata_topic_t *kq_md_topic(const struct rd_kafka_metadata *md,
					     const char *name);

/* Whether broker id (-1: not known, then yes) is one of md's. */
int kq_md_has_controller(const struct rd_kafka_metadata *md, int32_t id);

/* v[0..n) by name. */
void kq_md_sort_topics(const rd_kafka_metadata_topic_t **v, int n);

/* The watermarks of partitions, in two lists that match. */
struct kq_marks {
	rd_kafka_topic_partition_list_t *lo, *hi;
};

/*
 * -o: the watermarks of every partition of v[0..n), one request per
 * leader, into m (kq_marks_free frees it, after an error too); 0, or a
 * status with each partition that failed said.
 */
int kq_marks_get(struct kq_kafka *kk, const rd_kafka_metadata_topic_t **v,
		 int n, struct kq_marks *m);
void kq_marks_free(struct kq_marks *m);

/* Only the partitions that are (kafka-topics' filters; no topic line). */
#define KQ_MD_UNDER_REPLICATED 1u /* fewer in-sync replicas than replicas */
#define KQ_MD_UNAVAILABLE      2u /* without a leader */

/*
 * Topic t as kafka-topics --describe shows it (with cr its configs set,
 * with m->lo the watermarks), or one JSON object (json).
 */
void kq_md_put_topic(struct kq_writer *w, const rd_kafka_metadata_topic_t *t,
		     const rd_kafka_ConfigResource_t *cr,
		     const struct kq_marks *m, int json, unsigned only);

/*
 * The cluster's id (NULL: not known), its controller (-1: none) and its
 * brokers by id, as kcat -L, or one JSON object; each(arg, b) may add to
 * a broker's line or object (an "apis" member). The worst status each
 * gave, 0 if none.
 */
int kq_md_put_brokers(struct kq_writer *w, const struct rd_kafka_metadata *md,
		      const char *cluster, int32_t controller, int json,
		      int (*each)(void *arg,
				  const struct rd_kafka_metadata_broker *b),
		      void *arg);

struct kq_api;

/* The requests broker takes: a line each, or JSON's ,"apis":[...]. */
void kq_md_put_apis(struct kq_writer *w, int32_t broker,
		    const struct kq_api *apis, int n, int json);

#endif
