/*
 * What a consumer in a group may commit as the reader of its output takes
 * it: written one message at a time (exact), each partition's position
 * as it stands; written in blocks, snapshots of the positions marked at
 * the bytes written (kq_taken), due once the reader took those bytes and
 * stayed.
 */
#ifndef KQ_POINTS_H
#define KQ_POINTS_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "partset.h"
#include "taken.h"

struct kq_points {
	const struct kq_partset *ps;
	struct kq_taken *taken; /* its drop hook is kq_points_drop */
	int exact;
	uint64_t stored; /* the messages the offsets due so far cover */
};

/* Free a snapshot (kq_taken's drop hook). */
void kq_points_drop(void *data);

/*
 * In blocks: where every partition is after given messages, marked at
 * bytes written; nothing when no message was read, when the output did
 * not grow since the last snapshot, or when the marks are all in use
 * (unless last: then it replaces the newest).
 */
void kq_points_snapshot(struct kq_points *p, uint64_t bytes, uint64_t given,
			int last);

/*
 * The offsets to store now, the caller's to destroy: exact, each
 * partition's next (count: the messages read, all taken); in blocks, the
 * newest snapshot the reader took survive ms before now, or NULL when
 * none did. p->stored then counts the messages they cover.
 */
rd_kafka_topic_partition_list_t *kq_points_due(struct kq_points *p, int64_t now,
					       int64_t survive, uint64_t count);

#endif
