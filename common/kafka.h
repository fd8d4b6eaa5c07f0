/*
 * Broker connection: a librdkafka handle made from the shared options, the
 * fail-fast check that a broker answers, metadata and watermarks.
 */
#ifndef KQ_KAFKA_H
#define KQ_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "envelope.h"

struct kq_kafka {
	rd_kafka_t *rk;
	const struct kq_conf *conf;
	/* The newest error librdkafka reported, for "cannot reach". */
	char last_error[512];
	/* Set when librdkafka raised a fatal error (the handle is unusable). */
	int fatal;
	/* When librdkafka first said every broker was down; 0 never. */
	int64_t all_down_ms;
	int down_said; /* kq_kafka_say_down said it */
};

/* A property and its value; lists of them end with a NULL name. */
struct kq_default {
	const char *name;
	const char *value;
};

/*
 * A librdkafka configuration: the program's defaults, then the properties
 * of the config file and -X (which win), the brokers, logging and the
 * error callback (its opaque is kk). A bad property dies with EX_USAGE.
 */
rd_kafka_conf_t *kq_kafka_conf(struct kq_kafka *kk, const struct kq_conf *c,
			       const struct kq_default *defaults);
/*
 * The program's struct of type, from the opaque librdkafka hands its
 * callbacks: the address of that struct's kq_kafka, named member.
 */
#define KQ_KAFKA_OWNER(opaque, type, member)                                   \
	((type *)(void *)((char *)(opaque)-offsetof(type, member)))

/* Set one property on a configuration, dying with EX_USAGE on failure. */
void kq_kafka_set(rd_kafka_conf_t *rc, const char *name, const char *value);

/*
 * Create the handle and wait (up to --timeout) for a broker to answer; if
 * none does, or every address refuses the connection, die with
 * EX_UNAVAILABLE naming the brokers and the reason.
 */
void kq_kafka_open(struct kq_kafka *kk, rd_kafka_type_t type,
		   rd_kafka_conf_t *rc);
/*
 * Free the handle, waiting KQ_CLOSE_WAIT_S at most (then a warning):
 * librdkafka 2.0.2 can hang there after a topic was deleted.
 */
#define KQ_CLOSE_WAIT_S 5
void kq_kafka_close(struct kq_kafka *kk);

/* Why the broker could not be reached, from librdkafka's last error. */
const char *kq_kafka_reason(const struct kq_kafka *kk);

/*
 * Every broker down: "no broker answers at BROKERS (why); then" on
 * stderr (unless -q), once until kq_kafka_answered.
 */
void kq_kafka_say_down(struct kq_kafka *kk, const char *then);
/* A broker answered: the outage is over ("a broker answers again", when
 * it was said). */
void kq_kafka_answered(struct kq_kafka *kk);

/*
 * A topic's partitions are found one of two ways, because asking for one
 * topic's metadata makes a broker that auto-creates topics (kq-broker
 * does) create it:
 *
 * kq_kafka_partitions asks for the topic alone, so a writer or a reader
 * may have it made. The partition count, or -1 with err set when the
 * broker does not know it or metadata could not be fetched.
 */
int kq_kafka_partitions(struct kq_kafka *kk, const char *topic,
			rd_kafka_resp_err_t *err);
/*
 * kq_kafka_topic_parts asks for every topic's metadata, so that looking
 * makes nothing. The topic's partition ids, sorted, in *ids (to free) and
 * *n: 0. -1 when the request failed, 1 when the topic did not answer,
 * with *err set (RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC: not in the list).
 */
int kq_kafka_topic_parts(struct kq_kafka *kk, const char *topic, int32_t **ids,
			 int *n, rd_kafka_resp_err_t *err);
/*
 * Keep of ids[0..*n) (sorted) those want[0..nwant) names, all when nwant
 * is 0; their order stays. Whether id is among ids[0..n).
 */
void kq_parts_pick(int32_t *ids, int *n, const int32_t *want, int nwant);
int kq_parts_has(const int32_t *ids, int n, int32_t id);

/*
 * Status for a broker-side failure: EX_TEMPFAIL when it timed out,
 * EX_UNAVAILABLE otherwise.
 */
int kq_kafka_status(rd_kafka_resp_err_t err);

/*
 * The envelope view of a message: pointers into m, valid while m is. Its
 * headers go into *hdrs (grown as needed, *cap its room), or are left out
 * when hdrs is NULL.
 */
void kq_kafka_envelope(const rd_kafka_message_t *m, struct kq_envelope *e,
		       struct kq_header **hdrs, size_t *cap);

/*
 * Low and high watermarks of every partition in parts (offsets set in the
 * .offset of lo and hi copies); one request per leader. 0 or an error.
 */
rd_kafka_resp_err_t kq_kafka_watermarks(struct kq_kafka *kk,
					rd_kafka_topic_partition_list_t *lo,
					rd_kafka_topic_partition_list_t *hi);

#endif
