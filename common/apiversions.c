/*
 * ApiVersions v0 by hand: the request (header v1: api key 18, version 0,
 * correlation id, client id; an empty body) and its response (header v0:
 * the correlation id; then error_code, [api_key, min_version,
 * max_version]). v0 is neither flexible nor new: every broker since Kafka
 * 0.10 answers it, and one that wants a newer version still answers in v0.
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

#define API_VERSIONS 18
/* No broker has a thousand APIs: a longer answer is not ApiVersions. */
#define RESP_MAX    (4 + 2 + 4 + 1000 * 6)
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

int
kq_apiversions_ask(int fd, int timeout_ms, struct kq_api **apis, int *n,
		   char *reason, size_t rsize)
{
	char req[KQ_APIVERSIONS_REQ_MAX];
	unsigned char size[4], *resp;
	int64_t deadline = now_ms() + timeout_ms;
	int32_t len;
	int16_t err = 0;
	int st;

	*apis = NULL;
	*n = 0;
	if ((st = move_all(
		     fd, 1, (unsigned char *)req,
		     kq_apiversions_request(req, CORRELATION, kq_progname()),
		     deadline, reason, rsize)) ||
	    (st = move_all(fd, 0, size, 4, deadline, reason, rsize)))
		return st;
	len = get32(size);
	if (len < 0 || len > RESP_MAX) {
		snprintf(reason, rsize, "an answer of %d bytes", (int)len);
		return EX_PROTOCOL;
	}
	resp = kq_emalloc((size_t)len + 1);
	if ((st = move_all(fd, 0, resp, (size_t)len, deadline, reason,
			   rsize)) == 0) {
		if (kq_apiversions_parse(resp, (size_t)len, CORRELATION, &err,
					 apis, n, reason, rsize) < 0) {
			st = EX_PROTOCOL;
		} else if (err) {
			snprintf(reason, rsize, "ApiVersions error %d",
				 (int)err);
			free(*apis);
			*apis = NULL;
			*n = 0;
			st = EX_PROTOCOL;
		}
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

int
kq_apiversions_get(const char *host, int port, int timeout_ms,
		   struct kq_api **apis, int *n, char *reason, size_t rsize)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int64_t deadline = now_ms() + timeout_ms;
	char service[16];
	int fd = -1, st = EX_UNAVAILABLE, r;

	*apis = NULL;
	*n = 0;
	snprintf(service, sizeof(service), "%d", port);
	if ((r = getaddrinfo(host, service, &hints, &res)) != 0) {
		snprintf(reason, rsize, "%s", gai_strerror(r));
		return EX_UNAVAILABLE;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, deadline, &st, reason, rsize);
	freeaddrinfo(res);
	if (fd < 0)
		return st;
	r = (int)(deadline - now_ms());
	st = kq_apiversions_ask(fd, r > 0 ? r : 0, apis, n, reason, rsize);
	close(fd);
	return st;
}
