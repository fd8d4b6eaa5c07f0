/*
 * A consumer group as kafka-consumer-groups --describe shows it: each
 * partition's committed offset, end and lag with the member it is
 * assigned to, each member and its assignment; a table or JSON.
 */
#ifndef KQ_GROUP_H
#define KQ_GROUP_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* A member of the group and the partitions assigned to it. */
struct kq_group_member {
	const char *id, *client, *host;
	const rd_kafka_topic_partition_list_t *assignment; /* NULL: none */
};

/* One partition the group has an offset for; -1: not known. */
struct kq_group_row {
	const char *topic;
	int32_t partition;
	int64_t committed, end;
	const struct kq_group_member *owner; /* NULL: not assigned */
};

struct kq_group {
	const char *name, *state, *assignor;
	const struct kq_group_member *members;
	size_t nmembers;
	struct kq_group_row *rows;
	int nrows;
};

/*
 * g's rows from its committed offsets and the end offsets of the same
 * partitions (an element with an error: not known), each with the member
 * of g->members it is assigned to; kq_group_free frees them.
 */
void kq_group_rows(struct kq_group *g,
		   const rd_kafka_topic_partition_list_t *committed,
		   const rd_kafka_topic_partition_list_t *end);
void kq_group_free(struct kq_group *g);

/* The end less the committed offset, or -1 when either is not known. */
int64_t kq_group_lag(const struct kq_group_row *r);

/* describe: a line per partition, after a header. */
void kq_group_put_offsets(struct kq_writer *w, const struct kq_group *g);
/* describe --members: a line per member, after a header. */
void kq_group_put_members(struct kq_writer *w, const struct kq_group *g);
/* describe --json: one object, its members and offsets, on one line. */
void kq_group_put_json(struct kq_writer *w, const struct kq_group *g);

#endif
