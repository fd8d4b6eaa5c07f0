/*
 * The plumbing of librdkafka's Admin API that kq-topic and kq-group
 * share.
 */
#include <librdkafka/rdkafka.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "admin.h"
#include "apiversions.h"
#include "conf.h"
#include "die.h"
#include "kafka.h"
#include "metadata.h"
#include "record.h"
#include "sig.h"
#include "spec.h"

void
kq_admin_open(struct kq_admin *a, struct kq_conf *c)
{
	kq_writer_init(&a->w, 1, "stdout", 1 << 16);
	kq_kafka_open(&a->kk, RD_KAFKA_PRODUCER,
		      kq_kafka_conf(&a->kk, c, NULL));
	a->q = rd_kafka_queue_new(a->kk.rk);
}

int
kq_admin_close(struct kq_admin *a)
{
	rd_kafka_queue_destroy(a->q);
	kq_kafka_close(&a->kk);
	return kq_writer_finish(&a->w);
}

int
kq_plaintext(const struct kq_conf *c)
{
	const char *proto = kq_conf_prop(c, "security.protocol");

	return !proto || strcasecmp(proto, "plaintext") == 0;
}

int
kq_admin_apis(const struct kq_conf *c, const char *how, const char *host,
	      int port, struct kq_api **apis, int *n)
{
	char why[256];
	int st;

	st = kq_apiversions_get(host, port, (int)c->timeout_ms, apis, n, why,
				sizeof(why));
	if (st && c->verbose)
		kq_warn("%s%scannot ask %s:%d which requests it takes: %s",
			how ? how : "", how ? ": " : "", host, port, why);
	return st;
}

rd_kafka_AdminOptions_t *
kq_admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op, int64_t timeout_ms,
		 int wait_done)
{
	rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, op);
	char errstr[256];

	rd_kafka_AdminOptions_set_request_timeout(ao, (int)timeout_ms, errstr,
						  sizeof(errstr));
	if (wait_done)
		rd_kafka_AdminOptions_set_operation_timeout(
			ao, (int)timeout_ms, errstr, sizeof(errstr));
	return ao;
}

rd_kafka_event_t *
kq_admin_poll(rd_kafka_queue_t *q, int64_t deadline, int *late)
{
	rd_kafka_event_t *ev = NULL;

	while (!kq_stop && !(ev = rd_kafka_queue_poll(q, 100)))
		if (deadline >= 0 && kq_clock_ms() >= deadline) {
			*late = 1;
			break;
		}
	return ev;
}

int
kq_admin_topic_status(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
	case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
	case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
	case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
	case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
	case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
		return EX_USAGE;
	case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
		return EX_TEMPFAIL;
	default:
		return EX_UNAVAILABLE;
	}
}

const rd_kafka_topic_result_t **
kq_admin_topic_results(rd_kafka_event_t *ev, size_t *n)
{
	*n = 0;
	switch (rd_kafka_event_type(ev)) {
	case RD_KAFKA_EVENT_CREATETOPICS_RESULT:
		return rd_kafka_CreateTopics_result_topics(
			rd_kafka_event_CreateTopics_result(ev), n);
	case RD_KAFKA_EVENT_DELETETOPICS_RESULT:
		return rd_kafka_DeleteTopics_result_topics(
			rd_kafka_event_DeleteTopics_result(ev), n);
	case RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT:
		return rd_kafka_CreatePartitions_result_topics(
			rd_kafka_event_CreatePartitions_result(ev), n);
	default:
		return NULL;
	}
}

const rd_kafka_group_result_t **
kq_admin_group_results(rd_kafka_event_t *ev, size_t *n)
{
	*n = 0;
	switch (rd_kafka_event_type(ev)) {
	case RD_KAFKA_EVENT_DELETEGROUPS_RESULT:
		return rd_kafka_DeleteGroups_result_groups(
			rd_kafka_event_DeleteGroups_result(ev), n);
	case RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT:
		return rd_kafka_ListConsumerGroupOffsets_result_groups(
			rd_kafka_event_ListConsumerGroupOffsets_result(ev), n);
	case RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT:
		return rd_kafka_AlterConsumerGroupOffsets_result_groups(
			rd_kafka_event_AlterConsumerGroupOffsets_result(ev), n);
	case RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT:
		return rd_kafka_DeleteConsumerGroupOffsets_result_groups(
			rd_kafka_event_DeleteConsumerGroupOffsets_result(ev),
			n);
	default:
		return NULL;
	}
}

int
kq_admin_topics_done(const struct kq_admin_req *rq, rd_kafka_event_t *ev,
		     char **done, int *n)
{
	const rd_kafka_topic_result_t **tr;
	rd_kafka_resp_err_t err;
	size_t nres, i;
	int status = 0;

	tr = kq_admin_topic_results(ev, &nres);
	for (i = 0; i < nres; i++) {
		const char *name = rd_kafka_topic_result_name(tr[i]);
		const char *why = rd_kafka_topic_result_error_string(tr[i]);

		err = rd_kafka_topic_result_error(tr[i]);
		/* Timed out: the controller is still at it. */
		if (!err || err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT) {
			done[(*n)++] = (char *)name;
		} else if (err == rq->already) {
			if (!rq->already_ok) {
				kq_warn("%s %s: %s", rq->how, name,
					rq->already_says);
				status = kq_worse_status(status, KQ_EX_PARTIAL);
			}
		} else {
			kq_warn("%s %s: %s", rq->how, name,
				why ? why : rd_kafka_err2str(err));
			status = kq_worse_status(status,
						 kq_admin_topic_status(err));
		}
	}
	return status;
}

int
kq_admin_metadata(struct kq_admin *a, const struct kq_conf *c,
		  const struct rd_kafka_metadata **md)
{
	rd_kafka_resp_err_t err;

	if (*md)
		rd_kafka_metadata_destroy(*md);
	*md = NULL;
	err = rd_kafka_metadata(a->kk.rk, 1, NULL, md, (int)c->timeout_ms);
	if (err) {
		*md = NULL;
		kq_warn("cannot get metadata from %s: %s", c->brokers,
			rd_kafka_err2str(err));
		return kq_kafka_status(err);
	}
	return 0;
}

/* Whether md shows each of names as kq_admin_await waits for. */
static int
shown(const struct rd_kafka_metadata *md, char **names, int n, int want)
{
	int i, k, done = 1;

	for (i = 0; done && i < n; i++) {
		const rd_kafka_metadata_topic_t *t = kq_md_topic(md, names[i]);

		if (want == 0) {
			done = t == NULL;
			continue;
		}
		done = t && !t->err && t->partition_cnt >= want;
		for (k = 0; done && k < t->partition_cnt; k++)
			done = t->partitions[k].leader >= 0;
	}
	return done;
}

int
kq_admin_await(struct kq_admin *a, const struct kq_conf *c, const char *how,
	       char **names, int n, int want,
	       const struct rd_kafka_metadata **md)
{
	int64_t deadline = kq_clock_ms() + c->timeout_ms;
	int st;

	for (;;) {
		if ((st = kq_admin_metadata(a, c, md)))
			return st;
		if (shown(*md, names, n, want))
			return 0;
		if (kq_stop)
			return KQ_EX_INTERRUPTED;
		if (kq_clock_ms() >= deadline) {
			kq_warn("%s %s%s: done, but metadata does not show it "
				"after %lldms",
				how, names[0], n > 1 ? " ..." : "",
				(long long)c->timeout_ms);
			return EX_TEMPFAIL;
		}
		usleep(100000);
	}
}
