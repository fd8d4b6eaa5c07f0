/*
 * The partitions a consumer reads: where the read began in each, how far
 * it got and where it stops; where each starts, from an -o spec or the
 * group's committed offsets against its watermarks; and when ends apply.
 */
#ifndef KQ_PARTSET_H
#define KQ_PARTSET_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "kafka.h"
#include "spec.h"

struct kq_part {
	int64_t start;	     /* where the read began; -1 unknown */
	int64_t next;	     /* after the last message written; -1 none yet */
	int64_t end;	     /* stop here; -1 no end */
	int64_t skip_before; /* @TIME the broker could not find; -1 none */
	int assigned;
	int done;
};

struct kq_ptopic {
	char *name;
	rd_kafka_topic_t *rkt;	      /* the simple consumer's handle */
	const rd_kafka_topic_t *seen; /* the handle messages carry */
	struct kq_part *parts;
	int nparts;
};

struct kq_partset {
	struct kq_ptopic *topics;
	int ntopics;
	struct kq_ptopic *last; /* of the last message: most are */
	int nassigned, ndone;
	int ends; /* parts stop at their end offsets (-e, --until passed) */
};

/* The topic, or partition of it, added when new. */
struct kq_ptopic *kq_partset_topic(struct kq_partset *ps, const char *name);
struct kq_part *kq_partset_part(struct kq_partset *ps, const char *topic,
				int32_t partition);
/* The assigned partition a message belongs to; NULL if none of ours. */
struct kq_part *kq_partset_find(struct kq_partset *ps,
				const rd_kafka_message_t *m);
void kq_partset_done(struct kq_partset *ps, struct kq_part *p);
/*
 * A group assigned parts: each read anew, from where the group says
 * (their .offset is left to it). A group revoked parts: none read.
 */
void kq_partset_assign(struct kq_partset *ps,
		       rd_kafka_topic_partition_list_t *parts);
void kq_partset_revoke(struct kq_partset *ps,
		       const rd_kafka_topic_partition_list_t *parts);
/* The assigned partitions (with_next: those with a message read) with
 * .offset their next. The caller destroys it. */
rd_kafka_topic_partition_list_t *kq_partset_list(const struct kq_partset *ps,
						 int with_next);
/*
 * Learn where each of parts begins and ends, and set where the read
 * starts: from spec (into .offset), or with spec NULL from the group's
 * committed offsets; with ends, where it stops. 0, or EX_UNAVAILABLE
 * after a message.
 */
int kq_partset_locate(struct kq_partset *ps, struct kq_kafka *kk,
		      const struct kq_conf *c,
		      rd_kafka_topic_partition_list_t *parts,
		      const struct kq_offset_spec *spec);
/*
 * From now on every partition stops at its end offset (--until has
 * passed). 0, or EX_UNAVAILABLE after a message.
 */
int kq_partset_end_now(struct kq_partset *ps, struct kq_kafka *kk);
/*
 * Where a partition the broker said is out of range (at offset, -1 for
 * none) reads on: the log start when the offset is gone, the end when it
 * is past it, each said; p (its part, or NULL) starts there. 0 with *to
 * set, or EX_UNAVAILABLE after a message.
 */
int kq_partset_restart(struct kq_partset *ps, struct kq_part *p,
		       struct kq_kafka *kk, const struct kq_conf *c,
		       const char *topic, int32_t partition, int64_t offset,
		       int64_t *to);
/* With ends: ", 42% of the end offsets" in buf, else "". */
const char *kq_partset_percent(const struct kq_partset *ps, char *buf,
			       size_t size);
/* Frees all, and destroys the topics' handles. */
void kq_partset_free(struct kq_partset *ps);

/*
 * The watermarks of parts into new lists *lo and *hi, and into *at the
 * offsets of spec's @TIME (see kq_start_times), or with spec NULL the
 * group's committed offsets, or NULL for any other spec. The caller
 * destroys them (after an error too). 0 or an error.
 */
rd_kafka_resp_err_t
kq_parts_offsets(struct kq_kafka *kk, const struct kq_conf *c,
		 const rd_kafka_topic_partition_list_t *parts,
		 const struct kq_offset_spec *spec,
		 rd_kafka_topic_partition_list_t **lo,
		 rd_kafka_topic_partition_list_t **hi,
		 rd_kafka_topic_partition_list_t **at);
/* Destroys what kq_parts_offsets made (at may be NULL). */
void kq_parts_offsets_free(rd_kafka_topic_partition_list_t *lo,
			   rd_kafka_topic_partition_list_t *hi,
			   rd_kafka_topic_partition_list_t *at);

/* "foo [0,1,2], bar [0]" for messages, cut short if long. */
const char *kq_parts_describe(const rd_kafka_topic_partition_list_t *l,
			      char *buf, size_t size);

#endif
