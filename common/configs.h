/*
 * A topic's configs as the Admin API gives them (DescribeConfigs): the
 * ones set, every one as kafka-configs shows it, the whole set
 * AlterConfigs is to leave and its outcome, and the changes
 * IncrementalAlterConfigs makes. A sensitive value is never shown.
 */
#ifndef KQ_CONFIGS_H
#define KQ_CONFIGS_H

#include <librdkafka/rdkafka.h>

#include "admin.h"
#include "apiversions.h"
#include "conf.h"
#include "record.h"

/*
 * DescribeConfigs of topics v[0..n): the answer (the caller's to
 * destroy), or NULL when the request failed (said with -v) or a signal
 * came.
 */
rd_kafka_event_t *kq_configs_describe(struct kq_admin *a,
				      const struct kq_conf *c,
				      const rd_kafka_metadata_topic_t **v,
				      int n);

/* The configs of topic in a DescribeConfigs answer, or NULL. */
const rd_kafka_ConfigResource_t *kq_configs_of(rd_kafka_event_t *ev,
					       const char *topic);

/*
 * What kafka-topics shows: the configs not at their default, "a=1,b=2"
 * or a JSON object ("null" for cr NULL).
 */
void kq_configs_put_set(struct kq_writer *w,
			const rd_kafka_ConfigResource_t *cr, int json);

/*
 * Every config of topic, sorted, as kafka-configs --describe --all: one
 * line each (topic, name, value, default or set, source), or one JSON
 * object.
 */
void kq_configs_put_all(struct kq_writer *w, const char *topic,
			const rd_kafka_ConfigResource_t *cr, int json);

/*
 * The whole config set AlterConfigs is to leave on topic (it puts every
 * config it is not given back to its default): those set on it now,
 * less unset[0..nunset) (names), with set[0..nset) (NAME=VALUE). NULL,
 * said, when one set now is sensitive: its value is not told, so it
 * could not be kept.
 */
rd_kafka_ConfigResource_t *
kq_configs_merge(const char *topic, const rd_kafka_ConfigResource_t *now,
		 char **set, int nset, char **unset, int nunset);

/*
 * AlterConfigs of todo[0..n) (kq_configs_merge's), done once the
 * controller has: 0, or the worst status of a failure, each said as
 * "alter TOPIC: why".
 */
int kq_configs_alter(struct kq_admin *a, const struct kq_conf *c,
		     rd_kafka_ConfigResource_t **todo, int n);

/*
 * The changes of IncrementalAlterConfigs, *n of them: set[] sets (the
 * last of a name wins), unset[] deletes unless set[] sets it too.
 */
struct kq_config_op *kq_configs_ops(char **set, int nset, char **unset,
				    int nunset, int *n);
void kq_configs_ops_free(struct kq_config_op *ops, int n);

#endif
