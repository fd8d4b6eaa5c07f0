/*
 * ApiVersions v0 by hand: the request (header v1: api key 18, version 0,
 * correlation id, client id; an empty body) and its response (header v0:
 * the correlation id; then error_code, [api_key, min_version,
 * max_version]). v0 is neither flexible nor new: every broker since Kafka
 * 0.10 answers it, and one that wants a newer version still answers in v0.
 * IncrementalAlterConfigs v0 (api key 44, Kafka 2.3 on) the same way:
 * [resource_type, resource_name, [name, operation, value]], validate_only;
 * its response: throttle_time_ms, [error_code, error_message,
 * resource_type, resource_name].
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "apiversions.h"
#include "die.h"

#define API_VERSIONS	  18
#define INCREMENTAL_ALTER 44
#define RESOURCE_TOPIC	  2
#define OP_SET		  0
#define OP_DELETE	  1
/* No broker has a thousand APIs, and IncrementalAlterConfigs of one
 * topic says little: a longer answer is not one of them. */
#define RESP_MAX    (1 << 16)
#define CORRELATION 0x6b71 /* "kq" */

/*
 * Kafka's names of the API keys (clients' ApiKeys, the "name" of each
 * message definition in ../shared/kafka-protocol/messages/ and its
 * siblings), as kafka-broker-api-versions prints them.
 */
static const char *const names[] = {
	"Produce",
	"Fetch",
	"ListOffsets",
	"Metadata",
	"LeaderAndIsr",
	"StopReplica",
	"UpdateMetadata",
	"ControlledShutdown",
	"OffsetCommit",
	"OffsetFetch",
	"FindCoordinator",
	"JoinGroup",
	"Heartbeat",
	"LeaveGroup",
	"SyncGroup",
	"DescribeGroups",
	"ListGroups",
	"SaslHandshake",
	"ApiVersions",
	"CreateTopics",
	"DeleteTopics",
	"DeleteRecords",
	"InitProducerId",
	"OffsetForLeaderEpoch",
	"AddPartitionsToTxn",
	"AddOffsetsToTxn",
	"EndTxn",
	"WriteTxnMarkers",
	"TxnOffsetCommit",
	"DescribeAcls",
	"CreateAcls",
	"DeleteAcls",
	"DescribeConfigs",
	"AlterConfigs",
	"AlterReplicaLogDirs",
	"DescribeLogDirs",
	"SaslAuthenticate",
	"CreatePartitions",
	"CreateDelegationToken",
	"RenewDelegationToken",
	"ExpireDelegationToken",
	"DescribeDelegationToken",
	"DeleteGroups",
	"ElectLeaders",
	"IncrementalAlterConfigs",
	"AlterPartitionReassignments",
	"ListPartitionReassignments",
	"OffsetDelete",
	"DescribeClientQuotas",
	"AlterClientQuotas",
	"DescribeUserScramCredentials",
	"AlterUserScramCredentials",
	"Vote",
	"BeginQuorumEpoch",
	"EndQuorumEpoch",
	"DescribeQuorum",
	"AlterPartition",
	"UpdateFeatures",
	"Envelope",
	"FetchSnapshot",
	"DescribeCluster",
	"DescribeProducers",
	"BrokerRegistration",
	"BrokerHeartbeat",
	"UnregisterBroker",
	"DescribeTransactions",
	"ListTransactions",
	"AllocateProducerIds",
	"ConsumerGroupHeartbeat",
	"ConsumerGroupDescribe",
	"ControllerRegistration",
	"GetTelemetrySubscriptions",
	"PushTelemetry",
	"AssignReplicasToDirs",
	"ListConfigResources",
	"DescribeTopicPartitions",
	"ShareGroupHeartbeat",
	"ShareGroupDescribe",
	"ShareFetch",
	"ShareAcknowledge",
	"AddRaftVoter",
	"RemoveRaftVoter",
	"UpdateRaftVoter",
	"InitializeShareGroupState",
	"ReadShareGroupState",
	"WriteShareGroupState",
	"DeleteShareGroupState",
	"ReadShareGroupStateSummary",
	"StreamsGroupHeartbeat",
	"StreamsGroupDescribe",
	"DescribeShareGroupOffsets",
	"AlterShareGroupOffsets",
	"DeleteShareGroupOffsets",
	"StreamsGroupTopologyDescriptionUpdate",
	"UnregisterController",
};

const char *
kq_api_name(int key)
{
	if (key < 0 || key >= (int)(sizeof(names) / sizeof(names[0])))
		return NULL;
	return names[key];
}

static int
by_key(const void *a, const void *b)
{
	const struct kq_api *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

const struct kq_api *
kq_api_find(const struct kq_api *apis, int n, int key)
{
	struct kq_api k = {.key = (int16_t)key};

	if (n <= 0 || key < INT16_MIN || key > INT16_MAX)
		return NULL;
	return bsearch(&k, apis, (size_t)n, sizeof(*apis), by_key);
}

static unsigned char *
put16(unsigned char *p, int v)
{
	p[0] = (unsigned char)((unsigned)v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

static unsigned char *
put32(unsigned char *p, int32_t v)
{
	p = put16(p, (int)((uint32_t)v >> 16));
	return put16(p, (int)(v & 0xffff));
}

static int
get16(const unsigned char *p)
{
	return (int16_t)((p[0] << 8) | p[1]);
}

static int32_t
get32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			 (uint32_t)p[2] << 8 | p[3]);
}

size_t
kq_apiversions_request(char *buf, int32_t correlation_id, const char *client_id)
{
	unsigned char *p = (unsigned char *)buf;
	size_t idlen = strlen(client_id);

	if (idlen > KQ_APIVERSIONS_REQ_MAX - 14)
		idlen = KQ_APIVERSIONS_REQ_MAX - 14;
	p = put32(p, (int32_t)(10 + idlen));
	p = put16(p, API_VERSIONS);
	p = put16(p, 0);
	p = put32(p, correlation_id);
	p = put16(p, (int)idlen);
	memcpy(p, client_id, idlen);
	return 14 + idlen;
}

int
kq_apiversions_parse(const unsigned char *p, size_t len, int32_t correlation_id,
		     int16_t *err, struct kq_api **apis, int *n, char *reason,
		     size_t rsize)
{
	int32_t i, count;
	struct kq_api *v;

	*apis = NULL;
	*n = 0;
	if (len < 10) {
		snprintf(reason, rsize, "a short answer (%zu bytes)", len);
		return -1;
	}
	if (get32(p) != correlation_id) {
		snprintf(reason, rsize,
			 "the answer to another request (correlation id %d)",
			 (int)get32(p));
		return -1;
	}
	*err = (int16_t)get16(p + 4);
	count = get32(p + 6);
	if (count < 0 || (size_t)count > (len - 10) / 6) {
		snprintf(reason, rsize, "%d APIs in %zu bytes", (int)count,
			 len);
		return -1;
	}
	v = kq_ecalloc((size_t)count + 1, sizeof(*v));
	for (i = 0; i < count; i++) {
		const unsigned char *q = p + 10 + 6 * (size_t)i;

		v[i].key = (int16_t)get16(q);
		v[i].min = (int16_t)get16(q + 2);
		v[i].max = (int16_t)get16(q + 4);
	}
	qsort(v, (size_t)count, sizeof(*v), by_key);
	*apis = v;
	*n = count;
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until fd is ready for events or the deadline: 0, or a status with
 * why in reason.
 */
static int
wait_fd(int fd, short events, int64_t deadline, char *reason, size_t rsize)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int64_t left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			snprintf(reason, rsize, "no answer in time");
			return EX_TEMPFAIL;
		}
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			snprintf(reason, rsize, "poll: %s", strerror(errno));
			return EX_OSERR;
		}
	}
}

/* Write or read all of len bytes by the deadline. */
static int
move_all(int fd, int out, unsigned char *p, size_t len, int64_t deadline,
	 char *reason, size_t rsize)
{
	size_t done = 0;
	ssize_t k;
	int st;

	while (done < len) {
		if ((st = wait_fd(fd, out ? POLLOUT : POLLIN, deadline, reason,
				  rsize)))
			return st;
		k = out ? send(fd, p + done, len - done, MSG_NOSIGNAL)
			: recv(fd, p + done, len - done, 0);
		if (k > 0) {
			done += (size_t)k;
		} else if (k == 0) {
			snprintf(reason, rsize, "the broker hung up");
			return EX_UNAVAILABLE;
		} else if (errno != EINTR && errno != EAGAIN &&
			   errno != EWOULDBLOCK) {
			snprintf(reason, rsize, "%s", strerror(errno));
			return EX_UNAVAILABLE;
		}
	}
	return 0;
}

/*
 * Send request req (its size first) on fd and read the answer whole by
 * the deadline: 0 and the body in *resp (the caller's to free), or a
 * status with why in reason.
 */
static int
call(int fd, int64_t deadline, const unsigned char *req, size_t len,
     unsigned char **resp, size_t *rlen, char *reason, size_t rsize)
{
	unsigned char size[4];
	int32_t n;
	int st;

	*resp = NULL;
	if ((st = move_all(fd, 1, (unsigned char *)req, len, deadline, reason,
			   rsize)) ||
	    (st = move_all(fd, 0, size, 4, deadline, reason, rsize)))
		return st;
	n = get32(size);
	if (n < 0 || n > RESP_MAX) {
		snprintf(reason, rsize, "an answer of %d bytes", (int)n);
		return EX_PROTOCOL;
	}
	*resp = kq_emalloc((size_t)n + 1);
	*rlen = (size_t)n;
	if ((st = move_all(fd, 0, *resp, (size_t)n, deadline, reason, rsize))) {
		free(*resp);
		*resp = NULL;
	}
	return st;
}

int
kq_apiversions_ask(int fd, int timeout_ms, struct kq_api **apis, int *n,
		   char *reason, size_t rsize)
{
	char req[KQ_APIVERSIONS_REQ_MAX];
	unsigned char *resp;
	size_t len;
	int16_t err = 0;
	int st;

	*apis = NULL;
	*n = 0;
	len = kq_apiversions_request(req, CORRELATION, kq_progname());
	if ((st = call(fd, now_ms() + timeout_ms, (unsigned char *)req, len,
		       &resp, &len, reason, rsize)))
		return st;
	if (kq_apiversions_parse(resp, len, CORRELATION, &err, apis, n, reason,
				 rsize) < 0) {
		st = EX_PROTOCOL;
	} else if (err) {
		snprintf(reason, rsize, "ApiVersions error %d", (int)err);
		free(*apis);
		*apis = NULL;
		*n = 0;
		st = EX_PROTOCOL;
	}
	free(resp);
	return st;
}

/* A non-blocking connect to one address by the deadline: the socket or -1. */
static int
connect_one(const struct addrinfo *ai, int64_t deadline, int *st, char *reason,
	    size_t rsize)
{
	int fd, e = 0;
	socklen_t elen = sizeof(e);

	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0) {
		snprintf(reason, rsize, "socket: %s", strerror(errno));
		*st = EX_OSERR;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		e = errno;
	} else if ((*st = wait_fd(fd, POLLOUT, deadline, reason, rsize))) {
		close(fd);
		return -1;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0) {
		e = errno;
	}
	if (e == 0)
		return fd;
	snprintf(reason, rsize, "cannot connect: %s", strerror(e));
	*st = EX_UNAVAILABLE;
	close(fd);
	return -1;
}

/* A connection to host:port by the deadline: the socket, or -1 and *st. */
static int
dial(const char *host, int port, int64_t deadline, int *st, char *reason,
     size_t rsize)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char service[16];
	int fd = -1, r;

	*st = EX_UNAVAILABLE;
	snprintf(service, sizeof(service), "%d", port);
	if ((r = getaddrinfo(host, service, &hints, &res)) != 0) {
		snprintf(reason, rsize, "%s", gai_strerror(r));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, deadline, st, reason, rsize);
	freeaddrinfo(res);
	return fd;
}

int
kq_apiversions_get(const char *host, int port, int timeout_ms,
		   struct kq_api **apis, int *n, char *reason, size_t rsize)
{
	int64_t deadline = now_ms() + timeout_ms;
	int fd, st, left;

	*apis = NULL;
	*n = 0;
	if ((fd = dial(host, port, deadline, &st, reason, rsize)) < 0)
		return st;
	left = (int)(deadline - now_ms());
	st = kq_apiversions_ask(fd, left > 0 ? left : 0, apis, n, reason,
				rsize);
	close(fd);
	return st;
}

/* A growing request. */
struct req {
	unsigned char *p;
	size_t n, cap;
};

static void
put(struct req *q, const void *v, size_t len)
{
	if (q->n + len > q->cap) {
		q->cap = (q->n + len) * 2;
		q->p = kq_erealloc(q->p, q->cap);
	}
	memcpy(q->p + q->n, v, len);
	q->n += len;
}

static void
put_i8(struct req *q, int v)
{
	unsigned char b = (unsigned char)v;

	put(q, &b, 1);
}

static void
put_i16(struct req *q, int v)
{
	unsigned char b[2];

	put16(b, v);
	put(q, b, 2);
}

static void
put_i32(struct req *q, int32_t v)
{
	unsigned char b[4];

	put32(b, v);
	put(q, b, 4);
}

/* A string, cut to 32767 bytes; NULL is the null string. */
static void
put_str(struct req *q, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len > INT16_MAX)
		len = INT16_MAX;
	put_i16(q, s ? (int)len : -1);
	if (s)
		put(q, s, len);
}

unsigned char *
kq_incalter_request(int32_t correlation_id, const char *client_id,
		    const char *topic, const struct kq_config_op *ops, int nops,
		    size_t *len)
{
	struct req q = {NULL, 0, 0};
	int i;

	put_i32(&q, 0); /* the size, below */
	put_i16(&q, INCREMENTAL_ALTER);
	put_i16(&q, 0);
	put_i32(&q, correlation_id);
	put_str(&q, client_id);
	put_i32(&q, 1);
	put_i8(&q, RESOURCE_TOPIC);
	put_str(&q, topic);
	put_i32(&q, nops);
	for (i = 0; i < nops; i++) {
		put_str(&q, ops[i].name);
		put_i8(&q, ops[i].value ? OP_SET : OP_DELETE);
		put_str(&q, ops[i].value);
	}
	put_i8(&q, 0); /* validate_only */
	put32(q.p, (int32_t)(q.n - 4));
	*len = q.n;
	return q.p;
}

/* A string at p[*at] of p[0..len) into buf; -1 when it overruns. */
static int
get_str(const unsigned char *p, size_t len, size_t *at, char *buf, size_t size)
{
	int n;

	if (*at + 2 > len)
		return -1;
	n = get16(p + *at);
	*at += 2;
	if (n < 0) {
		buf[0] = 0;
		return n == -1 ? 0 : -1;
	}
	if (*at + (size_t)n > len)
		return -1;
	snprintf(buf, size, "%.*s", n, (const char *)p + *at);
	*at += (size_t)n;
	return 0;
}

int
kq_incalter_parse(const unsigned char *p, size_t len, int32_t correlation_id,
		  const char *topic, int16_t *err, char *msg, size_t msize,
		  char *reason, size_t rsize)
{
	char name[256];
	size_t at = 12;

	if (len < 12 + 2 + 2 + 1 + 2) {
		snprintf(reason, rsize, "a short answer (%zu bytes)", len);
		return -1;
	}
	if (get32(p) != correlation_id) {
		snprintf(reason, rsize,
			 "the answer to another request (correlation id %d)",
			 (int)get32(p));
		return -1;
	}
	/* throttle_time_ms, then the one resource asked about. */
	if (get32(p + 8) != 1) {
		snprintf(reason, rsize, "%d resources for one",
			 (int)get32(p + 8));
		return -1;
	}
	*err = (int16_t)get16(p + at);
	at += 2;
	if (get_str(p, len, &at, msg, msize) < 0 || at + 1 > len ||
	    p[at++] != RESOURCE_TOPIC ||
	    get_str(p, len, &at, name, sizeof(name)) < 0) {
		snprintf(reason, rsize, "a malformed answer");
		return -1;
	}
	if (strcmp(name, topic) != 0) {
		snprintf(reason, rsize, "the answer for another topic");
		return -1;
	}
	return 0;
}

int
kq_incalter_topic(const char *host, int port, int timeout_ms, const char *topic,
		  const struct kq_config_op *ops, int nops, int16_t *err,
		  char *msg, size_t msize, char *reason, size_t rsize)
{
	int64_t deadline = now_ms() + timeout_ms;
	unsigned char *req, *resp;
	size_t len;
	int fd, st;

	if ((fd = dial(host, port, deadline, &st, reason, rsize)) < 0)
		return st;
	req = kq_incalter_request(CORRELATION, kq_progname(), topic, ops, nops,
				  &len);
	st = call(fd, deadline, req, len, &resp, &len, reason, rsize);
	free(req);
	close(fd);
	if (st)
		return st;
	if (kq_incalter_parse(resp, len, CORRELATION, topic, err, msg, msize,
			      reason, rsize) < 0)
		st = EX_PROTOCOL;
	free(resp);
	return st;
}
