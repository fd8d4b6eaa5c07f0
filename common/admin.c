/*
 * The plumbing of librdkafka's Admin API that kq-topic and kq-group
 * share.
 */
#include <librdkafka/rdkafka.h>
#include <strings.h>
#include <sysexits.h>

#include "admin.h"
#include "apiversions.h"
#include "conf.h"
#include "kafka.h"
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
