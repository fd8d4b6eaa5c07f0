/*
 * Where a read starts in a partition: an offset spec (-o) against the
 * partition's watermarks, a committed offset the log no longer holds,
 * auto.offset.reset, and the offsets of an @TIME.
 */
#ifndef KQ_START_H
#define KQ_START_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "conf.h"
#include "kafka.h"
#include "spec.h"

/* An @TIME the broker cannot look up: read from the start, skip the older. */
#define KQ_START_SCAN (-1000)

/* Where an offset stands against a log that holds lo to hi. */
enum kq_range {
	KQ_RANGE_IN,
	KQ_RANGE_GONE, /* before lo: retention removed what it named */
	KQ_RANGE_PAST, /* after hi */
};

enum kq_range kq_range_of(int64_t offset, int64_t lo, int64_t hi);

/*
 * Where spec starts in a partition holding lo to hi: an absolute offset
 * is kept in range (kq_range_of says whether it was), an @TIME starts at
 * at, its offset from kq_start_times (-1: no message that recent).
 */
int64_t kq_start_of(const struct kq_offset_spec *spec, int64_t lo, int64_t hi,
		    int64_t at);

/*
 * Where a partition with no committed offset starts, as librdkafka would
 * with the auto.offset.reset of c: hi for latest, largest and end.
 */
int64_t kq_start_reset(const struct kq_conf *c, int64_t lo, int64_t hi);

/*
 * The first offset at or after ms in each partition of at (lo and hi its
 * watermarks, in the same order). A broker answers -1 when no message is
 * that recent, but librdkafka's mock answers -1 to every time: a
 * partition with messages that does not even find time 0 is marked
 * KQ_START_SCAN, to be read from its start with the older ones skipped.
 */
rd_kafka_resp_err_t kq_start_times(struct kq_kafka *kk, int64_t ms,
				   rd_kafka_topic_partition_list_t *at,
				   const rd_kafka_topic_partition_list_t *lo,
				   const rd_kafka_topic_partition_list_t *hi);

#endif
