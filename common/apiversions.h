/*
 * The requests librdkafka 2.0.2 cannot make, by hand on a plaintext
 * connection of our own: ApiVersions v0 (librdkafka learns the versions a
 * broker supports but tells nobody), for kq-topic brokers -v and
 * kq-group's checks; IncrementalAlterConfigs v0, for kq-topic alter.
 */
#ifndef KQ_APIVERSIONS_H
#define KQ_APIVERSIONS_H

#include <stddef.h>
#include <stdint.h>

/* One API of a broker: its key and the range of versions it takes. */
struct kq_api {
	int16_t key;
	int16_t min;
	int16_t max;
};

/* The keys of the requests kq-group and kq-topic alter need. */
#define KQ_API_OFFSET_COMMIT		 8
#define KQ_API_OFFSET_FETCH		 9
#define KQ_API_DESCRIBE_GROUPS		 15
#define KQ_API_LIST_GROUPS		 16
#define KQ_API_DELETE_GROUPS		 42
#define KQ_API_OFFSET_DELETE		 47
#define KQ_API_INCREMENTAL_ALTER_CONFIGS 44

/* The longest ApiVersions v0 request, client id included. */
#define KQ_APIVERSIONS_REQ_MAX 512

/*
 * An ApiVersions v0 request, its int32 size first, into buf (at least
 * KQ_APIVERSIONS_REQ_MAX bytes): its length. The client id is cut to fit.
 */
size_t kq_apiversions_request(char *buf, int32_t correlation_id,
			      const char *client_id);

/*
 * Read an ApiVersions v0 response body (what follows its int32 size):
 * 0 and the broker's error code in *err, its APIs in *apis (the
 * caller's to free, sorted by key) and their number in *n; -1 when p is
 * not that response to correlation_id, with why in reason.
 */
int kq_apiversions_parse(const unsigned char *p, size_t len,
			 int32_t correlation_id, int16_t *err,
			 struct kq_api **apis, int *n, char *reason,
			 size_t rsize);

/*
 * Ask the broker on socket fd (connected, blocking or not) with one
 * request, waiting at most timeout_ms for the whole answer: 0, or a
 * sysexits status with why in reason (EX_TEMPFAIL timed out,
 * EX_UNAVAILABLE the connection failed, EX_PROTOCOL a bad answer).
 */
int kq_apiversions_ask(int fd, int timeout_ms, struct kq_api **apis, int *n,
		       char *reason, size_t rsize);

/* Connect to host:port, then kq_apiversions_ask; the same statuses. */
int kq_apiversions_get(const char *host, int port, int timeout_ms,
		       struct kq_api **apis, int *n, char *reason,
		       size_t rsize);

/* The API of key among apis[0..n) (sorted by key), or NULL. */
const struct kq_api *kq_api_find(const struct kq_api *apis, int n, int key);

/* The name of API key (Kafka's: "Produce", "Fetch"...), or NULL. */
const char *kq_api_name(int key);

/* A change of IncrementalAlterConfigs: set name to value, or (NULL)
 * put it back to its default. */
struct kq_config_op {
	const char *name;
	const char *value;
};

/*
 * An IncrementalAlterConfigs v0 request of topic's ops[0..nops), its
 * int32 size first: the caller's to free, its length in *len.
 */
unsigned char *kq_incalter_request(int32_t correlation_id,
				   const char *client_id, const char *topic,
				   const struct kq_config_op *ops, int nops,
				   size_t *len);

/*
 * Read its response (what follows the size): 0, the broker's error code
 * for topic in *err and its message (or "") in msg; -1 when p is not that
 * answer, with why in reason.
 */
int kq_incalter_parse(const unsigned char *p, size_t len,
		      int32_t correlation_id, const char *topic, int16_t *err,
		      char *msg, size_t msize, char *reason, size_t rsize);

/*
 * Apply ops to topic through the broker at host:port within timeout_ms,
 * all or none: 0 (the broker's answer in *err and msg), or a status as
 * kq_apiversions_ask's.
 */
int kq_incalter_topic(const char *host, int port, int timeout_ms,
		      const char *topic, const struct kq_config_op *ops,
		      int nops, int16_t *err, char *msg, size_t msize,
		      char *reason, size_t rsize);

#endif
