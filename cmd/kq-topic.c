/*
 * kq-topic: list, describe, create and delete topics and raise their
 * partition count, from metadata and librdkafka's Admin API. The spelling
 * of kafka-topics (--create --topic foo --partitions 1 ...) works too.
 */
#include <fnmatch.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "admin.h"
#include "apiversions.h"
#include "configs.h"
#include "conf.h"
#include "kafka.h"
#include "metadata.h"
#include "record.h"
#include "sig.h"
#include "spec.h"

enum mode {
	NONE,
	LIST,
	DESCRIBE,
	CREATE,
	DELETE,
	PARTITIONS,
	CONFIGS,
	ALTER,
	BROKERS,
};

static const char *const mode_name[] = {
	"",	      "list",	 "describe", "create",	"delete",
	"partitions", "configs", "alter",    "brokers",
};

enum {
	OPT_CREATE = KQ_LONG,
	OPT_LIST,
	OPT_DESCRIBE,
	OPT_DELETE,
	OPT_ALTER,
	OPT_IF_NOT_EXISTS,
	OPT_IF_EXISTS,
	OPT_JSON,
	OPT_EXCLUDE_INTERNAL,
	OPT_UNDER_REPLICATED,
	OPT_UNAVAILABLE,
	OPT_ZOOKEEPER,
	OPT_CONFIGS,
	OPT_DELETE_CONFIG,
};

static const struct kq_option options[] = {
	{"partitions", 'p', KQ_ARG, "N",
	 "create: N partitions each (default: the broker's); partitions, "
	 "--alter: the new count",
	 NULL},
	{"replication-factor", 'r', KQ_ARG, "N",
	 "create: N replicas of each partition (default: the broker's)", NULL},
	{"config", 'c', KQ_ARG, "NAME=VALUE",
	 "create, alter: set a topic config (repeatable)", NULL},
	{"delete-config", OPT_DELETE_CONFIG, KQ_ARG, "NAME",
	 "alter: put config NAME back to its default (repeatable)", NULL},
	{"if-not-exists", OPT_IF_NOT_EXISTS, KQ_NOARG, NULL,
	 "create: a topic that exists already is no error", NULL},
	{"if-exists", OPT_IF_EXISTS, KQ_NOARG, NULL,
	 "delete, partitions: a topic that does not exist is no error", NULL},
	{"all", 'a', KQ_NOARG, NULL,
	 "list, describe: internal topics (__consumer_offsets...) too", NULL},
	{"offsets", 'o', KQ_NOARG, NULL,
	 "describe: each partition's low and high watermark too", NULL},
	{"json", OPT_JSON, KQ_NOARG, NULL,
	 "describe, configs: one JSON object per topic; brokers: one object",
	 NULL},
	{"configs", OPT_CONFIGS, KQ_NOARG, NULL,
	 "describe: every config instead (the same as the command configs)",
	 NULL},
	{"under-replicated-partitions", OPT_UNDER_REPLICATED, KQ_NOARG, NULL,
	 "describe: only partitions with fewer in-sync replicas than "
	 "replicas",
	 NULL},
	{"unavailable-partitions", OPT_UNAVAILABLE, KQ_NOARG, NULL,
	 "describe: only partitions with no leader", NULL},
	{"topic", 't', KQ_ARG, "TOPIC",
	 "a topic to work on (repeatable), as kafka-topics spells it",
	 "@topic"},
	{"list", OPT_LIST, KQ_NOARG, NULL,
	 "the command list, internal topics too (as kafka-topics)", NULL},
	{"describe", OPT_DESCRIBE, KQ_NOARG, NULL,
	 "the command describe, internal topics too (as kafka-topics)", NULL},
	{"create", OPT_CREATE, KQ_NOARG, NULL, "the same as the command create",
	 NULL},
	{"delete", OPT_DELETE, KQ_NOARG, NULL, "the same as the command delete",
	 NULL},
	{"alter", OPT_ALTER, KQ_NOARG, NULL,
	 "with --partitions N: the same as the command partitions", NULL},
	{"exclude-internal", OPT_EXCLUDE_INTERNAL, KQ_NOARG, NULL,
	 "--list, --describe: leave internal topics out", NULL},
	{"command-config", 'F', KQ_ARG, "FILE",
	 "read librdkafka properties from FILE (else $KQ_CONFIG, "
	 "~/.config/kq/kq.conf)",
	 "@file"},
	{"zookeeper", OPT_ZOOKEEPER, KQ_ARG, "HOST:PORT",
	 "not needed: kq talks to the brokers (use -b)", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-topic",
	"list [-a] [PATTERN...]\n"
	"describe [-ao] [--json] [TOPIC|PATTERN...]\n"
	"create [-p N] [-r N] [-c NAME=VALUE]... [--if-not-exists] TOPIC...\n"
	"delete [--if-exists] TOPIC...\n"
	"partitions [--if-exists] TOPIC N\n"
	"configs [--json] TOPIC...\n"
	"alter [-c NAME=VALUE]... [--delete-config NAME]... TOPIC...\n"
	"brokers [-v] [--json]",
	"List, describe, create and delete Kafka topics, raise their "
	"partition count, show and change their configs, and show the "
	"brokers.",
	options,
	1,
	"list describe create delete partitions configs alter brokers|@topic",
	"0 ok, 1 exists already or does not exist, 64 usage,\n"
	"69 broker or topic unavailable, 74 I/O error, 75 timed out,\n"
	"76 a bad ApiVersions answer (brokers -v), 130 SIGINT, 143 SIGTERM.",
};

/*
 * The commands an option serves, beside the option table: bits of
 * (1 << mode). An option not here serves every command.
 */
#define M(m) (1u << (m))
static const struct kq_serves serves[] = {
	{'p', M(CREATE) | M(PARTITIONS)},
	{'r', M(CREATE)},
	{'c', M(CREATE) | M(ALTER)},
	{OPT_DELETE_CONFIG, M(ALTER)},
	{OPT_IF_NOT_EXISTS, M(CREATE)},
	{OPT_IF_EXISTS, M(DELETE) | M(PARTITIONS)},
	{'a', M(LIST) | M(DESCRIBE)},
	{OPT_EXCLUDE_INTERNAL, M(LIST) | M(DESCRIBE)},
	{'o', M(DESCRIBE)},
	{OPT_JSON, M(DESCRIBE) | M(CONFIGS) | M(BROKERS)},
	{OPT_CONFIGS, M(DESCRIBE) | M(CONFIGS)},
	{OPT_UNDER_REPLICATED, M(DESCRIBE)},
	{OPT_UNAVAILABLE, M(DESCRIBE)},
};

/* kafka-topics' spellings of the commands. */
static const struct kq_spelling spellings[] = {
	{OPT_LIST, LIST, "--list"},
	{OPT_DESCRIBE, DESCRIBE, "--describe"},
	{OPT_CREATE, CREATE, "--create"},
	{OPT_DELETE, DELETE, "--delete"},
	{OPT_ALTER, PARTITIONS, "--alter"},
};

struct opts {
	struct kq_modes m;
	int alter;
	char **topics; /* -t and operands */
	int ntopics;
	int partitions;	 /* -1: the broker's default */
	int replication; /* -1: the broker's default */
	char **configs;	 /* NAME=VALUE */
	int nconfigs;
	char **unset; /* --delete-config NAME */
	int nunset;
	int if_not_exists, if_exists, all, offsets, json, all_configs;
	int spelled_list, exclude_internal; /* kafka-topics' --list ... */
	int under_replicated, unavailable;
};

struct run {
	struct kq_conf *c;
	struct opts *o;
	struct kq_admin a;
	const struct rd_kafka_metadata *md;
};

static int
is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int
internal(const char *name)
{
	return strncmp(name, "__", 2) == 0;
}

static int
fetch_metadata(struct run *r)
{
	return kq_admin_metadata(&r->a, r->c, &r->md);
}

/*
 * The topics list or describe shows, sorted: those the operands name or
 * match (all when there are none), internal ones only with -a, when named
 * or when the pattern starts with '_'. An operand that finds nothing is
 * reported; the status is then EX_UNAVAILABLE, or 0 for list.
 */
static const rd_kafka_metadata_topic_t **
select_topics(struct run *r, int *n, int *status)
{
	const struct rd_kafka_metadata *md = r->md;
	const rd_kafka_metadata_topic_t **v;
	int i, k, found;

	v = kq_ecalloc(md->topic_cnt + 1, sizeof(*v));
	*n = 0;
	for (i = 0; i < md->topic_cnt; i++) {
		const char *name = md->topics[i].topic;
		int want = r->o->ntopics == 0 && (r->o->all || !internal(name));

		for (k = 0; !want && k < r->o->ntopics; k++) {
			const char *t = r->o->topics[k];

			if (is_pattern(t))
				want = fnmatch(t, name, 0) == 0 &&
				       (r->o->all || !internal(name) ||
					t[0] == '_');
			else
				want = strcmp(t, name) == 0;
		}
		if (want)
			v[(*n)++] = &md->topics[i];
	}
	kq_md_sort_topics(v, *n);
	for (k = 0; r->o->m.mode == DESCRIBE && k < r->o->ntopics; k++) {
		const char *t = r->o->topics[k];

		for (i = 0, found = 0; !found && i < *n; i++)
			found = is_pattern(t) ? fnmatch(t, v[i]->topic, 0) == 0
					      : strcmp(t, v[i]->topic) == 0;
		if (!found) {
			kq_warn(is_pattern(t)
					? "describe: no topic matches '%s'"
					: "describe: no topic '%s'",
				t);
			*status = EX_UNAVAILABLE;
		}
	}
	return v;
}

static int
list_topics(struct run *r)
{
	const rd_kafka_metadata_topic_t **v;
	int n, i, status = 0;

	v = select_topics(r, &n, &status);
	for (i = 0; i < n; i++) {
		kq_writer_puts(&r->a.w, v[i]->topic);
		kq_writer_puts(&r->a.w, "\n");
	}
	free(v);
	return status;
}

/*
 * Whether the cluster's metadata names a controller among its brokers.
 * librdkafka's mock cluster names broker 0, which does not exist, so
 * every admin request would wait for it until it timed out.
 */
static int
has_controller(struct run *r)
{
	return kq_md_has_controller(r->md,
				    rd_kafka_controllerid(r->a.kk.rk, 0));
}

/* The configs DescribeConfigs reports, or NULL when there are none. */
static rd_kafka_event_t *
describe_configs(struct run *r, const rd_kafka_metadata_topic_t **v, int n)
{
	if (n == 0 || !has_controller(r))
		return NULL;
	return kq_configs_describe(&r->a, r->c, v, n);
}

static int
describe_topics(struct run *r)
{
	const rd_kafka_metadata_topic_t **v;
	struct kq_marks m = {NULL, NULL};
	rd_kafka_event_t *configs;
	unsigned only = 0;
	int n, i, status = 0, st;

	v = select_topics(r, &n, &status);
	configs = describe_configs(r, v, n);
	if (r->o->under_replicated)
		only |= KQ_MD_UNDER_REPLICATED;
	if (r->o->unavailable)
		only |= KQ_MD_UNAVAILABLE;
	if (r->o->offsets && (st = kq_marks_get(&r->a.kk, v, n, &m)))
		status = st;
	for (i = 0; i < n && !kq_stop; i++)
		kq_md_put_topic(&r->a.w, v[i],
				kq_configs_of(configs, v[i]->topic), &m,
				r->o->json, only);
	kq_marks_free(&m);
	if (configs)
		rd_kafka_event_destroy(configs);
	free(v);
	return status;
}

/* The hint for a broker that cannot do what was asked. */
static int
unsupported(struct run *r, const char *request, char **names, int n)
{
	char hint[512] = "";
	size_t len = 0;
	int i;

	if (r->o->m.mode == CREATE || r->o->m.mode == PARTITIONS) {
		len = snprintf(hint, sizeof(hint),
			       " (librdkafka's mock cluster has none: make "
			       "topics as it starts,");
		for (i = 0; i < n && len < sizeof(hint); i++)
			len += snprintf(hint + len, sizeof(hint) - len,
					" --topic %s:%d", names[i],
					r->o->partitions > 0 ? r->o->partitions
							     : 1);
		if (len < sizeof(hint))
			snprintf(hint + len, sizeof(hint) - len, ")");
	} else {
		snprintf(hint, sizeof(hint),
			 " (librdkafka's mock cluster has none: its "
			 "topics last until it stops)");
	}
	kq_warn("%s %s%s: the broker at %s does not support %s%s",
		mode_name[r->o->m.mode], names[0], n > 1 ? " ..." : "",
		r->c->brokers, request, hint);
	return EX_UNAVAILABLE;
}

/* The broker answers once the controller has done it. */
static rd_kafka_AdminOptions_t *
admin_options(struct run *r, rd_kafka_admin_op_t op)
{
	return kq_admin_options(r->a.kk.rk, op, r->c->timeout_ms, 1);
}

/*
 * Wait for the answer to the request sent for todo[0..n), report each
 * topic that failed, then wait for metadata to show the others done.
 */
static int
finish_request(struct run *r, const struct kq_admin_req *rq, char **todo, int n)
{
	rd_kafka_event_t *ev;
	rd_kafka_resp_err_t err;
	int status = 0, ndone = 0;

	if (!(ev = kq_admin_poll(r->a.q, -1, NULL)))
		return KQ_EX_INTERRUPTED;
	if ((err = rd_kafka_event_error(ev))) {
		if (err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE)
			status = unsupported(r, rq->name, todo, n);
		else
			kq_warn("%s %s%s: %s", rq->how, todo[0],
				n > 1 ? " ..." : "",
				rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		if (status)
			return status;
		return kq_kafka_status(err);
	}
	status = kq_admin_topics_done(rq, ev, todo, &ndone);
	/* The names live in the event until it is destroyed. */
	if (ndone)
		status = kq_worse_status(
			status, kq_admin_await(&r->a, r->c, rq->how, todo,
					       ndone, rq->want, &r->md));
	rd_kafka_event_destroy(ev);
	return status;
}

static int
create_topics(struct run *r)
{
	struct opts *o = r->o;
	struct kq_admin_req rq = {"create",
				  "CreateTopics",
				  RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
				  "the topic exists already",
				  o->if_not_exists,
				  o->partitions > 0 ? o->partitions : 1};
	rd_kafka_NewTopic_t **nt;
	rd_kafka_AdminOptions_t *ao;
	char **todo, errstr[512];
	int ntodo = 0, i, k, status = 0;

	todo = kq_ecalloc(o->ntopics + 1, sizeof(*todo));
	for (i = 0; i < o->ntopics; i++) {
		const rd_kafka_metadata_topic_t *t =
			kq_md_topic(r->md, o->topics[i]);

		if (!t) {
			todo[ntodo++] = o->topics[i];
		} else if (!o->if_not_exists) {
			kq_warn("create %s: %s", o->topics[i], rq.already_says);
			status = KQ_EX_PARTIAL;
		} else if (o->partitions > 0 &&
			   t->partition_cnt != o->partitions) {
			kq_info(r->c,
				"create %s: exists already, with %d "
				"partition%s, not %d",
				o->topics[i], t->partition_cnt,
				t->partition_cnt == 1 ? "" : "s",
				o->partitions);
		}
	}
	if (ntodo == 0)
		goto out;
	if (!has_controller(r)) {
		status = unsupported(r, rq.name, todo, ntodo);
		goto out;
	}
	nt = kq_ecalloc(ntodo, sizeof(*nt));
	for (i = 0; i < ntodo; i++) {
		/* Only for what check() has already refused. */
		nt[i] = rd_kafka_NewTopic_new(todo[i], o->partitions,
					      o->replication, errstr,
					      sizeof(errstr));
		if (!nt[i]) {
			kq_warn("create %s: %s", todo[i], errstr);
			rd_kafka_NewTopic_destroy_array(nt, i);
			free(nt);
			status = EX_USAGE;
			goto out;
		}
		for (k = 0; k < o->nconfigs; k++) {
			char *eq = strchr(o->configs[k], '=');

			*eq = 0;
			rd_kafka_NewTopic_set_config(nt[i], o->configs[k],
						     eq + 1);
			*eq = '=';
		}
	}
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_CreateTopics(r->a.kk.rk, nt, ntodo, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_NewTopic_destroy_array(nt, ntodo);
	free(nt);
	status = kq_worse_status(status, finish_request(r, &rq, todo, ntodo));
out:
	free(todo);
	return status;
}

static int
delete_topics(struct run *r)
{
	struct opts *o = r->o;
	struct kq_admin_req rq = {"delete",
				  "DeleteTopics",
				  RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
				  "no such topic",
				  o->if_exists,
				  0};
	rd_kafka_DeleteTopic_t **dt;
	rd_kafka_AdminOptions_t *ao;
	char **todo;
	int ntodo = 0, i, status = 0;

	todo = kq_ecalloc(o->ntopics + 1, sizeof(*todo));
	for (i = 0; i < o->ntopics; i++) {
		if (kq_md_topic(r->md, o->topics[i])) {
			todo[ntodo++] = o->topics[i];
		} else if (!o->if_exists) {
			kq_warn("delete %s: %s", o->topics[i], rq.already_says);
			status = KQ_EX_PARTIAL;
		}
	}
	if (ntodo == 0)
		goto out;
	if (!has_controller(r)) {
		status = unsupported(r, rq.name, todo, ntodo);
		goto out;
	}
	dt = kq_ecalloc(ntodo, sizeof(*dt));
	for (i = 0; i < ntodo; i++)
		dt[i] = rd_kafka_DeleteTopic_new(todo[i]);
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_DELETETOPICS);
	rd_kafka_DeleteTopics(r->a.kk.rk, dt, ntodo, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_DeleteTopic_destroy_array(dt, ntodo);
	free(dt);
	status = kq_worse_status(status, finish_request(r, &rq, todo, ntodo));
out:
	free(todo);
	return status;
}

static int
add_partitions(struct run *r)
{
	struct opts *o = r->o;
	/* No error means "nothing to do": the counts were checked. */
	struct kq_admin_req rq = {"partitions",
				  "CreatePartitions",
				  RD_KAFKA_RESP_ERR_NO_ERROR,
				  NULL,
				  0,
				  o->partitions};
	rd_kafka_NewPartitions_t **np;
	rd_kafka_AdminOptions_t *ao;
	char **todo, errstr[512];
	int ntodo = 0, i, status = 0;

	todo = kq_ecalloc(o->ntopics + 1, sizeof(*todo));
	for (i = 0; i < o->ntopics; i++) {
		const rd_kafka_metadata_topic_t *t =
			kq_md_topic(r->md, o->topics[i]);

		if (!t) {
			if (!o->if_exists) {
				kq_warn("partitions %s: no such topic",
					o->topics[i]);
				status = EX_UNAVAILABLE;
			}
		} else if (t->partition_cnt > o->partitions) {
			kq_warn("partitions %s: it has %d partition%s; Kafka "
				"cannot remove partitions",
				o->topics[i], t->partition_cnt,
				t->partition_cnt == 1 ? "" : "s");
			status = kq_worse_status(status, EX_USAGE);
		} else if (t->partition_cnt < o->partitions) {
			todo[ntodo++] = o->topics[i];
		}
	}
	if (ntodo == 0 || status)
		goto out;
	if (!has_controller(r)) {
		status = unsupported(r, rq.name, todo, ntodo);
		goto out;
	}
	np = kq_ecalloc(ntodo, sizeof(*np));
	for (i = 0; i < ntodo; i++) {
		np[i] = rd_kafka_NewPartitions_new(todo[i], o->partitions,
						   errstr, sizeof(errstr));
		if (!np[i]) {
			kq_warn("partitions %s: %s", todo[i], errstr);
			rd_kafka_NewPartitions_destroy_array(np, i);
			free(np);
			status = EX_USAGE;
			goto out;
		}
	}
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
	rd_kafka_CreatePartitions(r->a.kk.rk, np, ntodo, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_NewPartitions_destroy_array(np, ntodo);
	free(np);
	status = finish_request(r, &rq, todo, ntodo);
out:
	free(todo);
	return status;
}

/* configs: every config of each topic named, as kafka-configs shows. */
static int
show_configs(struct run *r)
{
	const rd_kafka_metadata_topic_t **v;
	const rd_kafka_ConfigResource_t *cr;
	rd_kafka_event_t *ev;
	int n = 0, i, status = 0;

	v = kq_ecalloc(r->o->ntopics + 1, sizeof(*v));
	for (i = 0; i < r->o->ntopics; i++) {
		if ((v[n] = kq_md_topic(r->md, r->o->topics[i]))) {
			n++;
		} else {
			kq_warn("configs: no topic '%s'", r->o->topics[i]);
			status = EX_UNAVAILABLE;
		}
	}
	if (n == 0)
		goto out;
	if (!(ev = describe_configs(r, v, n))) {
		kq_warn("configs: the broker at %s does not answer "
			"DescribeConfigs (-v says why)",
			r->c->brokers);
		status = EX_UNAVAILABLE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((cr = kq_configs_of(ev, v[i]->topic))) {
			kq_configs_put_all(&r->a.w, v[i]->topic, cr,
					   r->o->json);
		} else {
			kq_warn("configs: %s: the broker gave none",
				v[i]->topic);
			status = EX_UNAVAILABLE;
		}
	}
	rd_kafka_event_destroy(ev);
out:
	free(v);
	return status;
}

/*
 * Whether kq-topic can alter configs with IncrementalAlterConfigs, which
 * changes only the configs given, all at once on the broker: when the
 * connection is plaintext and a broker says it takes version 0 (then its
 * address in where). Else alter reads, merges and writes the whole set.
 */
static int
incremental(struct run *r, const struct rd_kafka_metadata_broker **where)
{
	const struct rd_kafka_metadata_broker *b;
	const struct kq_api *a;
	struct kq_api *apis;
	int n, yes;

	if (!kq_plaintext(r->c) || r->md->broker_cnt < 1)
		return 0;
	b = &r->md->brokers[0];
	if (kq_admin_apis(r->c, "alter", b->host, b->port, &apis, &n))
		return 0;
	a = kq_api_find(apis, n, KQ_API_INCREMENTAL_ALTER_CONFIGS);
	yes = a && a->min <= 0 && a->max >= 0;
	free(apis);
	*where = b;
	return yes;
}

/*
 * alter with IncrementalAlterConfigs: -c sets (the last of a name wins),
 * --delete-config deletes unless -c sets it too, each topic at once.
 */
static int
alter_incremental(struct run *r, const struct rd_kafka_metadata_broker *b,
		  const rd_kafka_metadata_topic_t **v, int n)
{
	struct kq_config_op *ops;
	char msg[512], why[256];
	int16_t err;
	int nops, i, st, status = 0;

	ops = kq_configs_ops(r->o->configs, r->o->nconfigs, r->o->unset,
			     r->o->nunset, &nops);
	for (i = 0; i < n && !kq_stop; i++) {
		st = kq_incalter_topic(b->host, b->port, (int)r->c->timeout_ms,
				       v[i]->topic, ops, nops, &err, msg,
				       sizeof(msg), why, sizeof(why));
		if (st) {
			kq_warn("alter %s: %s:%d: %s", v[i]->topic, b->host,
				b->port, why);
			status = kq_worse_status(status, st);
		} else if (err) {
			kq_warn("alter %s: %s", v[i]->topic,
				msg[0] ? msg
				       : rd_kafka_err2str(
						 (rd_kafka_resp_err_t)err));
			status = kq_worse_status(
				status, kq_admin_topic_status(
						(rd_kafka_resp_err_t)err));
		}
	}
	kq_configs_ops_free(ops, nops);
	return status;
}

/* alter: set and delete configs of each topic named, keeping the others. */
static int
alter_configs(struct run *r)
{
	const rd_kafka_metadata_topic_t **v;
	const struct rd_kafka_metadata_broker *where = NULL;
	const rd_kafka_ConfigResource_t *now;
	rd_kafka_ConfigResource_t **todo;
	rd_kafka_event_t *ev;
	int n = 0, ntodo = 0, i, status = 0;

	v = kq_ecalloc(r->o->ntopics + 1, sizeof(*v));
	todo = kq_ecalloc(r->o->ntopics + 1, sizeof(*todo));
	for (i = 0; i < r->o->ntopics; i++) {
		if ((v[n] = kq_md_topic(r->md, r->o->topics[i]))) {
			n++;
		} else {
			kq_warn("alter: no topic '%s'", r->o->topics[i]);
			status = EX_UNAVAILABLE;
		}
	}
	if (n == 0)
		goto out;
	if (incremental(r, &where)) {
		status = kq_worse_status(status,
					 alter_incremental(r, where, v, n));
		goto out;
	}
	if (!(ev = describe_configs(r, v, n))) {
		kq_warn("alter: the broker at %s does not answer "
			"DescribeConfigs (-v says why)",
			r->c->brokers);
		status = EX_UNAVAILABLE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!(now = kq_configs_of(ev, v[i]->topic))) {
			kq_warn("alter %s: the broker gave no configs",
				v[i]->topic);
			status = EX_UNAVAILABLE;
		} else if (!(todo[ntodo] = kq_configs_merge(
				     v[i]->topic, now, r->o->configs,
				     r->o->nconfigs, r->o->unset,
				     r->o->nunset))) {
			status = kq_worse_status(status, EX_UNAVAILABLE);
		} else {
			ntodo++;
		}
	}
	rd_kafka_event_destroy(ev);
	if (ntodo == 0)
		goto out;
	status = kq_worse_status(status,
				 kq_configs_alter(&r->a, r->c, todo, ntodo));
out:
	for (i = 0; i < ntodo; i++)
		rd_kafka_ConfigResource_destroy(todo[i]);
	free(todo);
	free(v);
	return status;
}

/*
 * brokers -v: the APIs broker b takes; one that does not answer is a
 * warning, null in JSON, and the status.
 */
static int
show_apis(void *arg, const struct rd_kafka_metadata_broker *b)
{
	struct run *r = arg;
	struct kq_api *apis;
	char why[256];
	int n, st;

	st = kq_apiversions_get(b->host, b->port, (int)r->c->timeout_ms, &apis,
				&n, why, sizeof(why));
	if (st) {
		kq_warn("broker %d (%s:%d): %s", (int)b->id, b->host, b->port,
			why);
		if (r->o->json)
			kq_writer_puts(&r->a.w, ",\"apis\":null");
		return st;
	}
	kq_md_put_apis(&r->a.w, b->id, apis, n, r->o->json);
	free(apis);
	return 0;
}

/* brokers: the cluster id, its controller and each broker (as kcat -L). */
static int
show_brokers(struct run *r)
{
	char *cluster;
	int status;

	cluster = rd_kafka_clusterid(r->a.kk.rk, (int)r->c->timeout_ms);
	status = kq_md_put_brokers(
		&r->a.w, r->md, cluster,
		rd_kafka_controllerid(r->a.kk.rk, (int)r->c->timeout_ms),
		r->o->json, r->c->verbose ? show_apis : NULL, r);
	if (cluster)
		rd_kafka_mem_free(r->a.kk.rk, cluster);
	return status;
}

/*
 * brokers -v asks each broker itself on a connection of its own, which
 * speaks plaintext only: with TLS or SASL it would hang or be refused, so
 * it says so at once instead, before any connection.
 */
static void
check_plaintext(const struct kq_conf *c)
{
	if (!kq_plaintext(c))
		kq_die(EX_UNAVAILABLE,
		       "brokers -v: the API versions are asked in plaintext "
		       "only, not with security.protocol=%s",
		       kq_conf_prop(c, "security.protocol"));
}

/* Check the operands and options against the command; usage errors exit. */
static void
check(struct kq_conf *c, struct opts *o, int argc, char **argv)
{
	int i, k;

	kq_mode_word(c, &o->m, &argc, &argv);
	/* describe --configs, as kafka-configs --describe. */
	if (o->all_configs && o->m.mode == DESCRIBE)
		o->m.mode = CONFIGS;
	if (o->alter && o->partitions < 0)
		kq_usage(c, "--alter: only the partition count can be "
			    "changed here (--alter --partitions N)");
	kq_mode_check(c, &o->m);
	if (o->m.mode == PARTITIONS && o->partitions < 0) {
		if (argc < 1 || (argc == 1 && o->ntopics == 0))
			kq_usage(c, "partitions: expected TOPIC N");
		o->partitions =
			(int)kq_eint("partitions", argv[argc - 1], 1, 1000000);
		argc--;
	}
	if (o->m.mode == ALTER && o->nconfigs + o->nunset == 0)
		kq_usage(c, "alter: what? (-c NAME=VALUE, --delete-config "
			    "NAME)");
	for (i = 0; i < argc; i++)
		kq_strv_add(&o->topics, &o->ntopics, argv[i]);
	if (o->m.mode == BROKERS && o->ntopics)
		kq_usage(c, "brokers: no operands");
	if (o->ntopics == 0 && o->m.mode != LIST && o->m.mode != DESCRIBE &&
	    o->m.mode != BROKERS)
		kq_usage(c, "%s: which topic?", mode_name[o->m.mode]);
	for (i = 0; i < o->ntopics; i++) {
		const char *t = o->topics[i];

		if ((o->m.mode == LIST || o->m.mode == DESCRIBE) &&
		    is_pattern(t))
			continue;
		if (!kq_topic_name_ok(t))
			kq_usage(c,
				 "'%s' is not a topic name (1 to 249 of "
				 "a-z A-Z 0-9 . _ -)",
				 t);
		/* The same topic twice is one request. */
		for (k = 0; k < i; k++)
			if (strcmp(o->topics[k], t) == 0) {
				o->topics[i--] = o->topics[--o->ntopics];
				break;
			}
	}
}

int
main(int argc, char **argv)
{
	struct kq_conf c;
	struct opts o = {
		.m = {.names = mode_name,
		      .n = sizeof(mode_name) / sizeof(mode_name[0]),
		      .serves = serves,
		      .nserves = sizeof(serves) / sizeof(serves[0]),
		      .spellings = spellings,
		      .nspellings = sizeof(spellings) / sizeof(spellings[0])},
		.partitions = -1,
		.replication = -1,
	};
	struct run r = {.c = &c, .o = &o};
	int key, status = 0;

	kq_conf_init(&c, &cmd, argv);
	while ((key = kq_getopt(&c, argc, argv)) != -1) {
		kq_mode_note(&o.m, key);
		if (kq_mode_spelled(&c, &o.m, key)) {
			o.spelled_list |=
				key == OPT_LIST || key == OPT_DESCRIBE;
			o.alter |= key == OPT_ALTER;
			continue;
		}
		switch (key) {
		case 'p':
			o.partitions =
				(int)kq_eint("--partitions", c.arg, 1, 1000000);
			break;
		case 'r':
			o.replication = (int)kq_eint("--replication-factor",
						     c.arg, 1, 32767);
			break;
		case 'c': {
			const char *eq = strchr(c.arg, '=');

			if (!eq || eq == c.arg)
				kq_usage(&c,
					 "--config: expected NAME=VALUE, got "
					 "'%s'",
					 c.arg);
			kq_strv_add(&o.configs, &o.nconfigs, c.arg);
			break;
		}
		case OPT_IF_NOT_EXISTS:
			o.if_not_exists = 1;
			break;
		case OPT_IF_EXISTS:
			o.if_exists = 1;
			break;
		case 'a':
			o.all = 1;
			break;
		case OPT_EXCLUDE_INTERNAL:
			o.exclude_internal = 1;
			break;
		case 'o':
			o.offsets = 1;
			break;
		case OPT_JSON:
			o.json = 1;
			break;
		case OPT_CONFIGS:
			o.all_configs = 1;
			break;
		case OPT_DELETE_CONFIG:
			kq_strv_add(&o.unset, &o.nunset, c.arg);
			break;
		case OPT_UNDER_REPLICATED:
			o.under_replicated = 1;
			break;
		case OPT_UNAVAILABLE:
			o.unavailable = 1;
			break;
		case 't':
			kq_strv_add(&o.topics, &o.ntopics, c.arg);
			break;
		case OPT_ZOOKEEPER:
			kq_usage(&c,
				 "--zookeeper is not needed: kq talks to the "
				 "brokers; use --bootstrap-server HOST:PORT "
				 "(or -b, or $KQ_BROKERS)");
		default:
			kq_usage(&c, NULL);
		}
	}
	argc -= optind;
	argv += optind;
	/* kafka-topics lists internal topics unless told not to; so does its
	 * spelling, so that a script's output stays the same. */
	if (o.spelled_list && !o.exclude_internal)
		o.all = 1;
	check(&c, &o, argc, argv);
	kq_conf_finish(&c);
	if (o.m.mode == BROKERS && c.verbose)
		check_plaintext(&c);
	kq_sig_install();

	kq_admin_open(&r.a, &c);
	if ((status = fetch_metadata(&r)))
		goto out;
	switch (o.m.mode) {
	case LIST:
		status = list_topics(&r);
		break;
	case DESCRIBE:
		status = describe_topics(&r);
		break;
	case CREATE:
		status = create_topics(&r);
		break;
	case DELETE:
		status = delete_topics(&r);
		break;
	case PARTITIONS:
		status = add_partitions(&r);
		break;
	case CONFIGS:
		status = show_configs(&r);
		break;
	case ALTER:
		status = alter_configs(&r);
		break;
	case BROKERS:
		status = show_brokers(&r);
		break;
	case NONE:
		break;
	}
	if (kq_stop)
		status = KQ_EX_INTERRUPTED;
out:
	if (r.md)
		rd_kafka_metadata_destroy(r.md);
	status = kq_worse_status(status, kq_admin_close(&r.a));
	free(o.topics);
	free(o.configs);
	free(o.unset);
	kq_conf_free(&c);
	return status;
}
