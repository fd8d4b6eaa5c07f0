/*
 * kq-group: list, describe and delete consumer groups and move their
 * committed offsets, from librdkafka's Admin API. The spelling of
 * kafka-consumer-groups (--list, --describe --group G, --reset-offsets
 * --to-earliest --execute, --delete) works too.
 */
#include <fnmatch.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "admin.h"
#include "apiversions.h"
#include "conf.h"
#include "group.h"
#include "kafka.h"
#include "partset.h"
#include "record.h"
#include "sig.h"
#include "spec.h"
#include "start.h"

/* In the order usage names them. */
enum mode { NONE, LIST, DESCRIBE, RESET, DELETE };

static const char *const mode_name[] = {"", "list", "describe", "reset",
					"delete"};

enum {
	OPT_LIST = KQ_LONG,
	OPT_DESCRIBE,
	OPT_DELETE,
	OPT_JSON,
	OPT_MEMBERS,
	OPT_OFFSETS,
	OPT_COMMAND_CONFIG,
	OPT_RESET_OFFSETS,
	OPT_DELETE_OFFSETS,
	OPT_TO,
	OPT_TO_EARLIEST,
	OPT_TO_LATEST,
	OPT_TO_OFFSET,
	OPT_TO_DATETIME,
	OPT_SHIFT,
	OPT_EXECUTE,
	OPT_DRY_RUN,
	OPT_ALL_TOPICS,
};

static const struct kq_option options[] = {
	{"group", 'g', KQ_ARG, "GROUP",
	 "a group to work on (repeatable), as kafka-consumer-groups spells "
	 "it",
	 "@group"},
	{"json", OPT_JSON, KQ_NOARG, NULL,
	 "describe: one JSON object per group", NULL},
	{"members", OPT_MEMBERS, KQ_NOARG, NULL,
	 "describe: each member and its assignment", NULL},
	{"offsets", OPT_OFFSETS, KQ_NOARG, NULL,
	 "describe: each partition's committed offset, end and lag (the "
	 "default)",
	 NULL},
	{"topic", 't', KQ_ARG, "TOPIC[:P,...]",
	 "reset: the offsets of TOPIC (its partitions P... only); delete: "
	 "only the group's offsets of TOPIC (repeatable)",
	 "@topic"},
	{"all-topics", OPT_ALL_TOPICS, KQ_NOARG, NULL,
	 "reset: every topic the group has offsets for", NULL},
	{"to", OPT_TO, KQ_ARG, "WHERE",
	 "reset: to earliest, latest, an OFFSET, -N (N before the end), "
	 "@TIME or @-DURATION",
	 "earliest latest"},
	{"shift", OPT_SHIFT, KQ_ARG, "N",
	 "reset: N after the committed offset (before, when negative)", NULL},
	{"execute", OPT_EXECUTE, KQ_NOARG, NULL,
	 "reset: do it (else only print the plan)", NULL},
	{"dry-run", OPT_DRY_RUN, KQ_NOARG, NULL,
	 "reset: only print the plan (the default)", NULL},
	{"reset-offsets", OPT_RESET_OFFSETS, KQ_NOARG, NULL,
	 "the same as the command reset", NULL},
	{"delete-offsets", OPT_DELETE_OFFSETS, KQ_NOARG, NULL,
	 "the same as the command delete with --topic", NULL},
	{"to-earliest", OPT_TO_EARLIEST, KQ_NOARG, NULL,
	 "the same as --to earliest", NULL},
	{"to-latest", OPT_TO_LATEST, KQ_NOARG, NULL, "the same as --to latest",
	 NULL},
	{"to-offset", OPT_TO_OFFSET, KQ_ARG, "OFFSET",
	 "the same as --to OFFSET", NULL},
	{"to-datetime", OPT_TO_DATETIME, KQ_ARG, "TIME",
	 "the same as --to @TIME", NULL},
	{"shift-by", OPT_SHIFT, KQ_ARG, "N", "the same as --shift N", NULL},
	{"list", OPT_LIST, KQ_NOARG, NULL, "the same as the command list",
	 NULL},
	{"describe", OPT_DESCRIBE, KQ_NOARG, NULL,
	 "the same as the command describe", NULL},
	{"delete", OPT_DELETE, KQ_NOARG, NULL, "the same as the command delete",
	 NULL},
	{"command-config", OPT_COMMAND_CONFIG, KQ_ARG, "FILE",
	 "the same as -F FILE, as kafka-consumer-groups spells it", "@file"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-group",
	"list [PATTERN...]\n"
	"describe [--members|--offsets] [--json] GROUP...\n"
	"reset GROUP -t TOPIC[:P,...]... --to WHERE|--shift N [--execute]\n"
	"delete GROUP... | delete GROUP -t TOPIC...",
	"List, describe and delete Kafka consumer groups, and move their "
	"offsets.",
	options,
	1,
	"list describe reset delete|@group",
	"0 ok, 1 a partition had no offset to shift, 64 usage,\n"
	"69 broker unavailable or no such group or topic, the group has\n"
	"members (reset), or the broker lacks a request, 74 I/O error,\n"
	"75 timed out, 130 SIGINT, 143 SIGTERM.",
};

/* kafka-consumer-groups' spellings of the commands. */
static const struct kq_spelling spellings[] = {
	{OPT_LIST, LIST, "--list"},
	{OPT_DESCRIBE, DESCRIBE, "--describe"},
	{OPT_DELETE, DELETE, "--delete"},
	{OPT_RESET_OFFSETS, RESET, "--reset-offsets"},
	{OPT_DELETE_OFFSETS, DELETE, "--delete-offsets"},
};

struct opts {
	struct kq_modes m;
	char **groups; /* -g and operands */
	int ngroups;
	int json, members, offsets;
	char **topics; /* -t TOPIC[:P,...] */
	int ntopics;
	int all_topics;
	struct kq_offset_spec to;
	int to_given;
	int64_t shift;
	int shift_given;
	int execute;
};

struct run {
	struct kq_conf *c;
	struct opts *o;
	struct kq_admin a;
	/* A request went unanswered: a late answer would be taken for the
	 * next one's, so no more are sent. */
	int timed_out;
	/* The requests a broker takes (NULL: not known), and where. */
	struct kq_api *apis;
	int napis, asked;
	char where[300];
};

static rd_kafka_AdminOptions_t *
admin_options(struct run *r, rd_kafka_admin_op_t op)
{
	return kq_admin_options(r->a.kk.rk, op, r->c->timeout_ms, 0);
}

/* Ask a broker of the metadata which requests it takes: need(). */
static void
ask_apis(struct run *r)
{
	const struct rd_kafka_metadata *md;

	r->asked = 1;
	if (!kq_plaintext(r->c))
		return;
	if (rd_kafka_metadata(r->a.kk.rk, 0, NULL, &md, (int)r->c->timeout_ms))
		return; /* the request itself will say why */
	if (md->broker_cnt > 0) {
		snprintf(r->where, sizeof(r->where), "%s:%d",
			 md->brokers[0].host, md->brokers[0].port);
		kq_admin_apis(r->c, NULL, md->brokers[0].host,
			      md->brokers[0].port, &r->apis, &r->napis);
	}
	rd_kafka_metadata_destroy(md);
}

/*
 * 0 when the broker takes request key (or cannot tell), else a one-line
 * error and EX_UNAVAILABLE. librdkafka 2.0.2's admin calls that go
 * through a group's coordinator free their state twice when the broker
 * lacks the request, then hang in rd_kafka_destroy or abort; its mock
 * cluster has no ListGroups, DescribeGroups, DeleteGroups nor
 * OffsetDelete. So kq-group asks first, with ApiVersions (in plaintext
 * only: with TLS or SASL it trusts the broker to be a Kafka, which has
 * them all).
 */
static int
need(struct run *r, int key, const char *how)
{
	if (!r->asked)
		ask_apis(r);
	if (!r->apis || kq_api_find(r->apis, r->napis, key))
		return 0;
	kq_warn("%s: the broker at %s does not support %s", how, r->where,
		kq_api_name(key));
	return EX_UNAVAILABLE;
}

/*
 * The answer to the request just sent, or NULL (status set) when it
 * failed as a whole or the program was interrupted.
 */
static rd_kafka_event_t *
answer(struct run *r, const char *what, int *status)
{
	/* librdkafka times the request out itself; this is for when it
	 * does not (its mock cluster can leave one unanswered). */
	int64_t deadline = kq_clock_ms() + r->c->timeout_ms + 2000;
	rd_kafka_event_t *ev = NULL;
	rd_kafka_resp_err_t err;
	int late = 0;

	if (!r->timed_out)
		ev = kq_admin_poll(r->a.q, deadline, &late);
	if (late) {
		kq_warn("%s: no answer from %s after %lldms", what,
			r->c->brokers, (long long)r->c->timeout_ms);
		r->timed_out = 1;
	}
	if (!ev) {
		*status = r->timed_out ? EX_TEMPFAIL : KQ_EX_INTERRUPTED;
		return NULL;
	}
	if ((err = rd_kafka_event_error(ev))) {
		kq_warn("%s: %s", what, rd_kafka_event_error_string(ev));
		*status = kq_kafka_status(err);
		rd_kafka_event_destroy(ev);
		return NULL;
	}
	return ev;
}

/* A missing group is named; others give the broker's reason. */
static int
group_error(const char *how, const char *group, rd_kafka_resp_err_t err,
	    const char *why)
{
	if (err == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
		kq_warn("%s: no group '%s'", how, group);
		return EX_UNAVAILABLE;
	}
	if (err == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP) {
		kq_warn("%s %s: the group has members; stop them first", how,
			group);
		return EX_UNAVAILABLE;
	}
	kq_warn("%s %s: %s", how, group, why ? why : rd_kafka_err2str(err));
	return kq_kafka_status(err);
}

static int
by_name(const void *a, const void *b)
{
	const rd_kafka_ConsumerGroupListing_t *const *x = a, *const *y = b;

	return strcmp(rd_kafka_ConsumerGroupListing_group_id(*x),
		      rd_kafka_ConsumerGroupListing_group_id(*y));
}

static int
listed(const struct opts *o, const char *name)
{
	int i;

	if (o->ngroups == 0)
		return 1;
	for (i = 0; i < o->ngroups; i++)
		if (fnmatch(o->groups[i], name, 0) == 0)
			return 1;
	return 0;
}

/* Each group, sorted: its name, state and protocol type, a tab between. */
static int
list_groups(struct run *r)
{
	const rd_kafka_ConsumerGroupListing_t **v;
	const rd_kafka_ConsumerGroupListing_t **sorted;
	const rd_kafka_error_t **errs;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	size_t n, nerr, i;
	int status = 0;

	if ((status = need(r, KQ_API_LIST_GROUPS, "list")))
		return status;
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
	rd_kafka_ListConsumerGroups(r->a.kk.rk, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	if (!(ev = answer(r, "list", &status)))
		return status;
	v = rd_kafka_ListConsumerGroups_result_valid(
		rd_kafka_event_ListConsumerGroups_result(ev), &n);
	errs = rd_kafka_ListConsumerGroups_result_errors(
		rd_kafka_event_ListConsumerGroups_result(ev), &nerr);
	/* One broker that did not answer: the list lacks its groups. */
	for (i = 0; i < nerr; i++) {
		kq_warn("list: %s", rd_kafka_error_string(errs[i]));
		status = kq_worse_status(
			status, kq_kafka_status(rd_kafka_error_code(errs[i])));
	}
	sorted = kq_ecalloc(n + 1, sizeof(*sorted));
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), by_name);
	for (i = 0; i < n; i++) {
		const char *name =
			rd_kafka_ConsumerGroupListing_group_id(sorted[i]);

		if (!listed(r->o, name))
			continue;
		kq_writer_printf(
			&r->a.w, "%s\t%s\t%s\n", name,
			rd_kafka_consumer_group_state_name(
				rd_kafka_ConsumerGroupListing_state(sorted[i])),
			rd_kafka_ConsumerGroupListing_is_simple_consumer_group(
				sorted[i])
				? "simple"
				: "consumer");
	}
	free(sorted);
	rd_kafka_event_destroy(ev);
	return status;
}

/* One group as describe shows it. */
struct group {
	const char *name;
	const rd_kafka_ConsumerGroupDescription_t *d;
	/* Committed offsets, then the end offsets of the same partitions. */
	rd_kafka_topic_partition_list_t *committed, *lo, *hi;
};

/*
 * The committed offsets of group: of the partitions of want, or (NULL)
 * of every one it has, into *got (the caller's); 0 or a status.
 */
static int
list_offsets(struct run *r, const char *group, const char *how,
	     const rd_kafka_topic_partition_list_t *want,
	     rd_kafka_topic_partition_list_t **got)
{
	rd_kafka_ListConsumerGroupOffsets_t *lo;
	const rd_kafka_group_result_t **gr;
	const rd_kafka_topic_partition_list_t *parts;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	const rd_kafka_error_t *e;
	size_t n;
	int status = 0;

	if ((status = need(r, KQ_API_OFFSET_FETCH, how)))
		return status;
	lo = rd_kafka_ListConsumerGroupOffsets_new(group, want);
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
	rd_kafka_ListConsumerGroupOffsets(r->a.kk.rk, &lo, 1, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_ListConsumerGroupOffsets_destroy(lo);
	if (!(ev = answer(r, how, &status)))
		return status;
	gr = kq_admin_group_results(ev, &n);
	if (n < 1) {
		status = EX_UNAVAILABLE;
	} else if ((e = rd_kafka_group_result_error(gr[0]))) {
		status = group_error(how, group, rd_kafka_error_code(e),
				     rd_kafka_error_string(e));
	} else {
		parts = rd_kafka_group_result_partitions(gr[0]);
		*got = parts ? rd_kafka_topic_partition_list_copy(parts)
			     : rd_kafka_topic_partition_list_new(0);
	}
	rd_kafka_event_destroy(ev);
	return status;
}

/* The committed offsets of g, all its partitions; 0 or a status. */
static int
fetch_offsets(struct run *r, struct group *g)
{
	int status = list_offsets(r, g->name, "describe", NULL, &g->committed);

	if (!status)
		rd_kafka_topic_partition_list_sort(g->committed, NULL, NULL);
	return status;
}

/* The end offsets of the partitions g committed to. */
static int
fetch_ends(struct run *r, struct group *g)
{
	rd_kafka_resp_err_t err;
	int i;

	g->lo = rd_kafka_topic_partition_list_copy(g->committed);
	g->hi = rd_kafka_topic_partition_list_copy(g->committed);
	if (g->committed->cnt == 0)
		return 0;
	err = kq_kafka_watermarks(&r->a.kk, g->lo, g->hi);
	if (!err)
		return 0;
	for (i = 0; i < g->hi->cnt; i++)
		if (g->hi->elems[i].err)
			return 0; /* that partition shows "-" */
	kq_warn("describe %s: end offsets: %s", g->name, rd_kafka_err2str(err));
	return kq_kafka_status(err);
}

/* describe's output of g, in the form asked for. */
static void
put_group(struct run *r, const struct group *g)
{
	size_t i, n = rd_kafka_ConsumerGroupDescription_member_count(g->d);
	struct kq_group_member *m = kq_ecalloc(n + 1, sizeof(*m));
	struct kq_group v = {
		g->name,
		rd_kafka_consumer_group_state_name(
			rd_kafka_ConsumerGroupDescription_state(g->d)),
		rd_kafka_ConsumerGroupDescription_partition_assignor(g->d),
		m,
		n,
		NULL,
		0,
	};

	for (i = 0; i < n; i++) {
		const rd_kafka_MemberDescription_t *d =
			rd_kafka_ConsumerGroupDescription_member(g->d, i);

		m[i] = (struct kq_group_member){
			rd_kafka_MemberDescription_consumer_id(d),
			rd_kafka_MemberDescription_client_id(d),
			rd_kafka_MemberDescription_host(d),
			rd_kafka_MemberAssignment_partitions(
				rd_kafka_MemberDescription_assignment(d)),
		};
	}
	kq_group_rows(&v, g->committed, g->hi);
	if (r->o->json)
		kq_group_put_json(&r->a.w, &v);
	else if (r->o->members)
		kq_group_put_members(&r->a.w, &v);
	else
		kq_group_put_offsets(&r->a.w, &v);
	kq_group_free(&v);
	free(m);
}

/*
 * A group that has neither members nor offsets does not exist: Kafka
 * describes any name, as an empty or dead group.
 */
static int
missing(const struct group *g)
{
	rd_kafka_consumer_group_state_t st =
		rd_kafka_ConsumerGroupDescription_state(g->d);

	return rd_kafka_ConsumerGroupDescription_member_count(g->d) == 0 &&
	       (!g->committed || g->committed->cnt == 0) &&
	       (st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD ||
		st == RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY ||
		st == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN);
}

static int
describe_one(struct run *r, struct group *g)
{
	const rd_kafka_error_t *e =
		rd_kafka_ConsumerGroupDescription_error(g->d);
	int status;

	if (e)
		return group_error("describe", g->name, rd_kafka_error_code(e),
				   rd_kafka_error_string(e));
	if ((status = fetch_offsets(r, g)))
		return status;
	if (missing(g))
		return group_error("describe", g->name,
				   RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, NULL);
	if ((status = fetch_ends(r, g)))
		return status;
	put_group(r, g);
	return 0;
}

static void
group_free(struct group *g)
{
	if (g->committed)
		rd_kafka_topic_partition_list_destroy(g->committed);
	if (g->lo)
		rd_kafka_topic_partition_list_destroy(g->lo);
	if (g->hi)
		rd_kafka_topic_partition_list_destroy(g->hi);
}

/* A coordinator that is moving or loading (a new cluster's first group). */
static int
coordinator_busy(const rd_kafka_ConsumerGroupDescription_t *d)
{
	const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d);

	switch (e ? rd_kafka_error_code(e) : RD_KAFKA_RESP_ERR_NO_ERROR) {
	case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
	case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
		return 1;
	default:
		return 0;
	}
}

/*
 * The descriptions of groups[0..n), asked again while a coordinator is
 * busy (as kafka-consumer-groups does), up to --timeout; NULL (status
 * set) when the request failed.
 */
static rd_kafka_event_t *
describe_request(struct run *r, const char **groups, int n, const char *how,
		 int *status)
{
	int64_t deadline = kq_clock_ms() + r->c->timeout_ms;
	const rd_kafka_ConsumerGroupDescription_t **d;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	size_t nd, i;
	int busy;

	if ((*status = need(r, KQ_API_DESCRIBE_GROUPS, how)))
		return NULL;
	for (;;) {
		ao = admin_options(r, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
		rd_kafka_DescribeConsumerGroups(r->a.kk.rk, groups, n, ao,
						r->a.q);
		rd_kafka_AdminOptions_destroy(ao);
		if (!(ev = answer(r, how, status)))
			return NULL;
		d = rd_kafka_DescribeConsumerGroups_result_groups(
			rd_kafka_event_DescribeConsumerGroups_result(ev), &nd);
		for (i = 0, busy = 0; i < nd; i++)
			busy |= coordinator_busy(d[i]);
		if (!busy || kq_stop || kq_clock_ms() >= deadline)
			return ev;
		rd_kafka_event_destroy(ev);
		usleep(200000);
	}
}

static int
describe_groups(struct run *r)
{
	const rd_kafka_ConsumerGroupDescription_t **d;
	rd_kafka_event_t *ev;
	size_t n, i;
	int status = 0, k;

	if (!(ev = describe_request(r, (const char **)r->o->groups,
				    r->o->ngroups, "describe", &status)))
		return status;
	d = rd_kafka_DescribeConsumerGroups_result_groups(
		rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
	/* In the order the command line named them. */
	for (k = 0; k < r->o->ngroups && !kq_stop; k++)
		for (i = 0; i < n; i++) {
			struct group g = {r->o->groups[k], d[i], NULL, NULL,
					  NULL};

			if (strcmp(rd_kafka_ConsumerGroupDescription_group_id(
					   d[i]),
				   g.name) != 0)
				continue;
			status = kq_worse_status(status, describe_one(r, &g));
			group_free(&g);
			break;
		}
	rd_kafka_event_destroy(ev);
	return status;
}

static int
delete_groups(struct run *r)
{
	rd_kafka_DeleteGroup_t **dg;
	const rd_kafka_group_result_t **gr;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	size_t n, i;
	int status = 0, k;

	if ((status = need(r, KQ_API_DELETE_GROUPS, "delete")))
		return status;
	dg = kq_ecalloc(r->o->ngroups, sizeof(*dg));
	for (k = 0; k < r->o->ngroups; k++)
		dg[k] = rd_kafka_DeleteGroup_new(r->o->groups[k]);
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_DELETEGROUPS);
	rd_kafka_DeleteGroups(r->a.kk.rk, dg, r->o->ngroups, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_DeleteGroup_destroy_array(dg, r->o->ngroups);
	free(dg);
	if (!(ev = answer(r, "delete", &status)))
		return status;
	gr = kq_admin_group_results(ev, &n);
	for (i = 0; i < n; i++) {
		const rd_kafka_error_t *e = rd_kafka_group_result_error(gr[i]);

		if (e)
			status = kq_worse_status(
				status,
				group_error("delete",
					    rd_kafka_group_result_name(gr[i]),
					    rd_kafka_error_code(e),
					    rd_kafka_error_string(e)));
	}
	rd_kafka_event_destroy(ev);
	return status;
}

/* --- reset and delete -t ------------------------------------------------ */

/* The group's one description, or NULL (status set) when it failed. */
static rd_kafka_event_t *
describe_group(struct run *r, const char *group, const char *how,
	       const rd_kafka_ConsumerGroupDescription_t **d, int *status)
{
	const rd_kafka_ConsumerGroupDescription_t **v;
	rd_kafka_event_t *ev;
	const rd_kafka_error_t *e;
	size_t n;

	if (!(ev = describe_request(r, &group, 1, how, status)))
		return NULL;
	v = rd_kafka_DescribeConsumerGroups_result_groups(
		rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
	if (n != 1) {
		*status = EX_UNAVAILABLE;
		kq_warn("%s %s: the broker did not describe it", how, group);
	} else if ((e = rd_kafka_ConsumerGroupDescription_error(v[0]))) {
		*status = group_error(how, group, rd_kafka_error_code(e),
				      rd_kafka_error_string(e));
	}
	if (*status) {
		rd_kafka_event_destroy(ev);
		return NULL;
	}
	*d = v[0];
	return ev;
}

/*
 * Add the partitions of spec ("TOPIC" or "TOPIC:P,P...") to l; 0, or a
 * status when the topic or a partition is missing (each reported).
 */
static int
add_topic(struct run *r, const char *how, const char *spec,
	  rd_kafka_topic_partition_list_t *l)
{
	char *topic = kq_estrdup(spec), *colon = strchr(topic, ':'), *p;
	int32_t *ids = NULL, *want = NULL;
	rd_kafka_resp_err_t err;
	int n = 0, nwant = 0, i, status = 0;

	if (colon) {
		*colon = 0;
		for (p = strtok(colon + 1, ","); p; p = strtok(NULL, ",")) {
			want = kq_erealloc(want, (nwant + 1) * sizeof(*want));
			want[nwant++] =
				(int32_t)kq_eint("--topic", p, 0, INT32_MAX);
		}
	}
	switch (kq_kafka_topic_parts(&r->a.kk, topic, &ids, &n, &err)) {
	case 0:
		break;
	case 1:
		kq_warn("%s: no topic '%s'", how, topic);
		status = EX_UNAVAILABLE;
		goto out;
	default:
		kq_warn("%s: partitions of %s: %s", how, topic,
			rd_kafka_err2str(err));
		status = kq_kafka_status(err);
		goto out;
	}
	for (i = 0; i < nwant; i++)
		if (!kq_parts_has(ids, n, want[i])) {
			kq_warn("%s: %s has no partition %d", how, topic,
				(int)want[i]);
			status = EX_UNAVAILABLE;
		}
	kq_parts_pick(ids, &n, want, nwant);
	for (i = 0; !status && i < n; i++)
		rd_kafka_topic_partition_list_add(l, topic, ids[i]);
out:
	free(ids);
	free(want);
	free(topic);
	return status;
}

/* The group's committed offsets of the partitions of l, into l. */
static int
committed_of(struct run *r, const char *group, const char *how,
	     rd_kafka_topic_partition_list_t *l)
{
	rd_kafka_topic_partition_list_t *got;
	int status, i;

	if ((status = list_offsets(r, group, how, l, &got)))
		return status;
	for (i = 0; i < l->cnt; i++) {
		rd_kafka_topic_partition_t *p = &l->elems[i], *c;

		c = rd_kafka_topic_partition_list_find(got, p->topic,
						       p->partition);
		p->offset = c && !c->err ? c->offset : RD_KAFKA_OFFSET_INVALID;
	}
	rd_kafka_topic_partition_list_destroy(got);
	return 0;
}

/*
 * Where each partition of old (its committed offsets) goes, into plan:
 * --to against the watermarks, or --shift from the committed offset,
 * kept within what the log holds, as kafka-consumer-groups does.
 */
static int
plan_offsets(struct run *r, const char *group,
	     const rd_kafka_topic_partition_list_t *old,
	     rd_kafka_topic_partition_list_t *plan)
{
	rd_kafka_topic_partition_list_t *lo, *hi, *at;
	rd_kafka_resp_err_t err;
	int i, status = 0;

	/* Without --to, to is zero: no @TIME to look up. */
	err = kq_parts_offsets(&r->a.kk, r->c, old, &r->o->to, &lo, &hi, &at);
	if (err) {
		kq_warn("reset %s: cannot learn the offsets: %s", group,
			rd_kafka_err2str(err));
		status = kq_kafka_status(err);
		goto out;
	}
	for (i = 0; i < old->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &old->elems[i];
		int64_t l = lo->elems[i].offset, h = hi->elems[i].offset, to;

		if (r->o->to_given) {
			to = kq_start_of(&r->o->to, l, h,
					 at ? at->elems[i].offset : -1);
		} else if (p->offset < 0) {
			kq_warn("reset %s: %s [%d]: no committed offset to "
				"shift",
				group, p->topic, (int)p->partition);
			status = kq_worse_status(status, KQ_EX_PARTIAL);
			continue;
		} else {
			to = p->offset + r->o->shift;
			to = to < l ? l : to > h ? h : to;
		}
		rd_kafka_topic_partition_list_add(plan, p->topic, p->partition)
			->offset = to;
	}
out:
	kq_parts_offsets_free(lo, hi, at);
	return status;
}

static void
put_plan(struct run *r, const char *group,
	 const rd_kafka_topic_partition_list_t *old,
	 const rd_kafka_topic_partition_list_t *plan)
{
	struct kq_writer *w = &r->a.w;
	int i;

	kq_writer_puts(w, "GROUP\tTOPIC\tPARTITION\tOLD-OFFSET\tNEW-OFFSET\n");
	for (i = 0; i < plan->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &plan->elems[i], *o;

		o = rd_kafka_topic_partition_list_find(
			(rd_kafka_topic_partition_list_t *)old, p->topic,
			p->partition);
		kq_writer_printf(w, "%s\t%s\t%d\t", group, p->topic,
				 (int)p->partition);
		if (o && o->offset >= 0)
			kq_writer_printf(w, "%lld\t", (long long)o->offset);
		else
			kq_writer_puts(w, "-\t");
		kq_writer_printf(w, "%lld\n", (long long)p->offset);
	}
}

/*
 * The outcome of an admin request on one group's partitions (alter or
 * delete offsets): the group's error, else each partition's, reported.
 * 0 or a status.
 */
static int
partition_results(const char *how, const char *group,
		  const rd_kafka_group_result_t **gr, size_t n)
{
	const rd_kafka_topic_partition_list_t *res;
	const rd_kafka_error_t *e;
	int status = 0, i;

	if (n < 1)
		return EX_UNAVAILABLE;
	if ((e = rd_kafka_group_result_error(gr[0])))
		return group_error(how, group, rd_kafka_error_code(e),
				   rd_kafka_error_string(e));
	res = rd_kafka_group_result_partitions(gr[0]);
	for (i = 0; res && i < res->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &res->elems[i];

		if (!p->err)
			continue;
		kq_warn("%s %s: %s [%d]: %s", how, group, p->topic,
			(int)p->partition, rd_kafka_err2str(p->err));
		status = kq_worse_status(status, kq_kafka_status(p->err));
	}
	return status;
}

/* The answer to the request just sent on group's partitions. */
static int
partitions_answer(struct run *r, const char *how, const char *group)
{
	const rd_kafka_group_result_t **gr;
	rd_kafka_event_t *ev;
	size_t n;
	int status = 0;

	if (!(ev = answer(r, how, &status)))
		return status;
	gr = kq_admin_group_results(ev, &n);
	status = partition_results(how, group, gr, n);
	rd_kafka_event_destroy(ev);
	return status;
}

/* Commit plan for group. */
static int
commit_plan(struct run *r, const char *group,
	    const rd_kafka_topic_partition_list_t *plan)
{
	rd_kafka_AlterConsumerGroupOffsets_t *alter;
	rd_kafka_AdminOptions_t *ao;
	int status = 0;

	if ((status = need(r, KQ_API_OFFSET_COMMIT, "reset")))
		return status;
	alter = rd_kafka_AlterConsumerGroupOffsets_new(group, plan);
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
	rd_kafka_AlterConsumerGroupOffsets(r->a.kk.rk, &alter, 1, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_AlterConsumerGroupOffsets_destroy(alter);
	return partitions_answer(r, "reset", group);
}

/*
 * The partitions reset works on, with their committed offsets: those of
 * -t, and with --all-topics every one the group has an offset for.
 */
static int
reset_parts(struct run *r, const char *group,
	    rd_kafka_topic_partition_list_t *old)
{
	struct group g = {group, NULL, NULL, NULL, NULL};
	int status = 0, i;

	if (r->o->all_topics) {
		if ((status = fetch_offsets(r, &g)))
			return status;
		for (i = 0; i < g.committed->cnt; i++)
			rd_kafka_topic_partition_list_add(
				old, g.committed->elems[i].topic,
				g.committed->elems[i].partition);
		group_free(&g);
	}
	for (i = 0; i < r->o->ntopics; i++)
		status = kq_worse_status(
			status, add_topic(r, "reset", r->o->topics[i], old));
	if (status || old->cnt == 0)
		return status;
	rd_kafka_topic_partition_list_sort(old, NULL, NULL);
	return committed_of(r, group, "reset", old);
}

/*
 * Print where each partition would go and, with --execute, commit it.
 * Kafka lets nobody but a member commit for a group that has members
 * (their next commit would undo it anyway): refused, with the reason.
 */
static int
reset_group(struct run *r)
{
	const char *group = r->o->groups[0];
	const rd_kafka_ConsumerGroupDescription_t *d;
	rd_kafka_topic_partition_list_t *old, *plan;
	rd_kafka_event_t *ev;
	size_t members;
	int status = 0;

	if (!(ev = describe_group(r, group, "reset", &d, &status)))
		return status;
	members = rd_kafka_ConsumerGroupDescription_member_count(d);
	if (members > 0) {
		kq_warn("reset %s: the group has %zu member%s (state %s); its "
			"offsets can be reset only when none is reading",
			group, members, members == 1 ? "" : "s",
			rd_kafka_consumer_group_state_name(
				rd_kafka_ConsumerGroupDescription_state(d)));
		rd_kafka_event_destroy(ev);
		return EX_UNAVAILABLE;
	}
	rd_kafka_event_destroy(ev);
	old = rd_kafka_topic_partition_list_new(16);
	plan = rd_kafka_topic_partition_list_new(16);
	if ((status = reset_parts(r, group, old)))
		goto out;
	if (old->cnt == 0) {
		kq_warn("reset: no group '%s' (it has no offsets)", group);
		status = EX_UNAVAILABLE;
		goto out;
	}
	status = plan_offsets(r, group, old, plan);
	if (plan->cnt == 0)
		goto out;
	if (r->o->execute)
		status = kq_worse_status(status, commit_plan(r, group, plan));
	if (status <= KQ_EX_PARTIAL)
		put_plan(r, group, old, plan);
	if (!r->o->execute)
		kq_info(r->c,
			"reset %s: a plan only, nothing changed; --execute "
			"does it",
			group);
out:
	rd_kafka_topic_partition_list_destroy(old);
	rd_kafka_topic_partition_list_destroy(plan);
	return status;
}

/* delete GROUP -t TOPIC...: only the group's offsets of those topics. */
static int
delete_offsets(struct run *r)
{
	const char *group = r->o->groups[0];
	rd_kafka_DeleteConsumerGroupOffsets_t *del;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_AdminOptions_t *ao;
	int status = 0, i;

	l = rd_kafka_topic_partition_list_new(16);
	for (i = 0; i < r->o->ntopics; i++)
		status = kq_worse_status(
			status, add_topic(r, "delete", r->o->topics[i], l));
	if (status || l->cnt == 0)
		goto out;
	if ((status = need(r, KQ_API_OFFSET_DELETE, "delete")))
		goto out;
	del = rd_kafka_DeleteConsumerGroupOffsets_new(group, l);
	ao = admin_options(r, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
	rd_kafka_DeleteConsumerGroupOffsets(r->a.kk.rk, &del, 1, ao, r->a.q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_DeleteConsumerGroupOffsets_destroy(del);
	status = partitions_answer(r, "delete", group);
out:
	rd_kafka_topic_partition_list_destroy(l);
	return status;
}

/* Check the operands and options against the command; usage errors exit. */
static void
check(struct kq_conf *c, struct opts *o, int argc, char **argv)
{
	int i, k;

	kq_mode_word(c, &o->m, &argc, &argv);
	if (o->m.mode != DESCRIBE && (o->json || o->members || o->offsets))
		kq_usage(c, "--json, --members and --offsets apply to "
			    "describe only");
	if (o->m.mode != RESET &&
	    (o->to_given || o->shift_given || o->execute || o->all_topics))
		kq_usage(c, "--to, --shift, --execute and --all-topics apply "
			    "to reset only");
	if (o->ntopics && o->m.mode != RESET && o->m.mode != DELETE)
		kq_usage(c, "--topic applies to reset and delete only");
	if (o->m.mode == RESET && o->to_given + o->shift_given != 1)
		kq_usage(c, "reset: say where, with one of --to or --shift");
	if (o->m.mode == RESET && o->to_given && o->to.kind == KQ_OFFSET_STORED)
		kq_usage(c, "reset: --to stored is where the group is already");
	if (o->m.mode == RESET && !o->ntopics && !o->all_topics)
		kq_usage(c, "reset: which topic? (-t TOPIC, or --all-topics)");
	if (o->members && o->offsets)
		kq_usage(c, "--members and --offsets: choose one");
	for (i = 0; i < argc; i++)
		kq_strv_add(&o->groups, &o->ngroups, argv[i]);
	if (o->ngroups == 0 && o->m.mode != LIST)
		kq_usage(c, "%s: which group?", mode_name[o->m.mode]);
	if (o->ngroups > 1 && (o->m.mode == RESET || o->ntopics))
		kq_usage(c, "%s: one group at a time", mode_name[o->m.mode]);
	/* The same group twice is one. */
	for (i = 0; i < o->ngroups; i++)
		for (k = 0; k < i; k++)
			if (strcmp(o->groups[k], o->groups[i]) == 0) {
				memmove(&o->groups[i], &o->groups[i + 1],
					(o->ngroups - i - 1) *
						sizeof(o->groups[0]));
				o->ngroups--;
				i--;
				break;
			}
}

int
main(int argc, char **argv)
{
	struct kq_conf c;
	struct opts o = {
		.m = {.names = mode_name,
		      .n = sizeof(mode_name) / sizeof(mode_name[0]),
		      .spellings = spellings,
		      .nspellings = sizeof(spellings) / sizeof(spellings[0])},
	};
	struct run r = {.c = &c, .o = &o};
	int key, status = 0;

	kq_conf_init(&c, &cmd, argv);
	while ((key = kq_getopt(&c, argc, argv)) != -1) {
		if (kq_mode_spelled(&c, &o.m, key))
			continue;
		switch (key) {
		case 'g':
			kq_strv_add(&o.groups, &o.ngroups, c.arg);
			break;
		case OPT_JSON:
			o.json = 1;
			break;
		case OPT_MEMBERS:
			o.members = 1;
			break;
		case OPT_OFFSETS:
			o.offsets = 1;
			break;
		case 't':
			kq_strv_add(&o.topics, &o.ntopics, c.arg);
			break;
		case OPT_ALL_TOPICS:
			o.all_topics = 1;
			break;
		case OPT_TO:
			o.to = kq_eoffset("--to", c.arg);
			o.to_given++;
			break;
		case OPT_TO_EARLIEST:
			o.to = kq_eoffset("--to-earliest", "earliest");
			o.to_given++;
			break;
		case OPT_TO_LATEST:
			o.to = kq_eoffset("--to-latest", "latest");
			o.to_given++;
			break;
		case OPT_TO_OFFSET:
			o.to.kind = KQ_OFFSET_ABSOLUTE;
			o.to.value =
				kq_eint("--to-offset", c.arg, 0, INT64_MAX);
			o.to_given++;
			break;
		case OPT_TO_DATETIME:
			o.to.kind = KQ_OFFSET_TIME;
			if (kq_parse_timestamp(c.arg, &o.to.value))
				kq_usage(
					&c,
					"--to-datetime: expected milliseconds "
					"since the epoch or ISO 8601, got '%s'",
					c.arg);
			o.to_given++;
			break;
		case OPT_SHIFT:
			o.shift = kq_eint("--shift", c.arg, INT64_MIN + 1,
					  INT64_MAX);
			o.shift_given++;
			break;
		case OPT_EXECUTE:
			o.execute = 1;
			break;
		case OPT_DRY_RUN:
			break;
		case OPT_COMMAND_CONFIG:
			c.config_path = c.arg;
			break;
		default:
			kq_usage(&c, NULL);
		}
	}
	argc -= optind;
	argv += optind;
	check(&c, &o, argc, argv);
	kq_conf_finish(&c);
	kq_sig_install();

	kq_admin_open(&r.a, &c);
	switch (o.m.mode) {
	case LIST:
		status = list_groups(&r);
		break;
	case DESCRIBE:
		status = describe_groups(&r);
		break;
	case DELETE:
		status = o.ntopics ? delete_offsets(&r) : delete_groups(&r);
		break;
	case RESET:
		status = reset_group(&r);
		break;
	case NONE:
		break;
	}
	if (kq_stop)
		status = KQ_EX_INTERRUPTED;
	status = kq_worse_status(status, kq_admin_close(&r.a));
	free(r.apis);
	free(o.groups);
	free(o.topics);
	kq_conf_free(&c);
	return status;
}
