#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "groups.h"

static kb_handler api_versions, metadata, create_topics, delete_topics,
	create_partitions, describe_configs, alter_configs, describe_cluster;

/* No flexible version. */
#define NOFLEX INT16_MAX

/*
 * The versions served; from flex on, a request and its answer take the
 * flexible forms (KIP-482), with the request header's tagged fields and,
 * but for ApiVersions, the response header's.
 */
static const struct api {
	int16_t key;
	const char *name;
	int16_t min, max, flex;
	kb_handler *fn;
} apis[] = {
	{KB_PRODUCE, "Produce", 3, 11, 9, kb_api_produce},
	{KB_FETCH, "Fetch", 4, 12, 12, kb_api_fetch},
	{KB_LIST_OFFSETS, "ListOffsets", 1, 6, 6, kb_api_list_offsets},
	{KB_METADATA, "Metadata", 0, 12, 9, metadata},
	{KB_OFFSET_COMMIT, "OffsetCommit", 0, 9, 8, kb_api_offset_commit},
	{KB_OFFSET_FETCH, "OffsetFetch", 0, 9, 6, kb_api_offset_fetch},
	{KB_FIND_COORDINATOR, "FindCoordinator", 0, 4, 3,
	 kb_api_find_coordinator},
	{KB_JOIN_GROUP, "JoinGroup", 0, 9, 6, kb_api_join_group},
	{KB_HEARTBEAT, "Heartbeat", 0, 4, 4, kb_api_heartbeat},
	{KB_LEAVE_GROUP, "LeaveGroup", 0, 5, 4, kb_api_leave_group},
	{KB_SYNC_GROUP, "SyncGroup", 0, 5, 4, kb_api_sync_group},
	{KB_DESCRIBE_GROUPS, "DescribeGroups", 0, 5, 5, kb_api_describe_groups},
	{KB_LIST_GROUPS, "ListGroups", 0, 5, 3, kb_api_list_groups},
	{KB_API_VERSIONS, "ApiVersions", 0, 4, 3, api_versions},
	{KB_CREATE_TOPICS, "CreateTopics", 0, 7, 5, create_topics},
	{KB_DELETE_TOPICS, "DeleteTopics", 0, 6, 4, delete_topics},
	{KB_DELETE_RECORDS, "DeleteRecords", 0, 2, 2, kb_api_delete_records},
	{KB_INIT_PRODUCER_ID, "InitProducerId", 0, 2, 2,
	 kb_api_init_producer_id},
	{KB_ADD_PARTITIONS_TO_TXN, "AddPartitionsToTxn", 0, 3, 3,
	 kb_api_add_partitions_to_txn},
	{KB_ADD_OFFSETS_TO_TXN, "AddOffsetsToTxn", 0, 3, 3,
	 kb_api_add_offsets_to_txn},
	{KB_END_TXN, "EndTxn", 0, 3, 3, kb_api_end_txn},
	{KB_TXN_OFFSET_COMMIT, "TxnOffsetCommit", 0, 3, 3,
	 kb_api_txn_offset_commit},
	{KB_DESCRIBE_CONFIGS, "DescribeConfigs", 0, 4, 4, describe_configs},
	{KB_ALTER_CONFIGS, "AlterConfigs", 0, 2, 2, alter_configs},
	{KB_CREATE_PARTITIONS, "CreatePartitions", 0, 3, 2, create_partitions},
	{KB_DELETE_GROUPS, "DeleteGroups", 0, 2, 2, kb_api_delete_groups},
	{KB_INCREMENTAL_ALTER_CONFIGS, "IncrementalAlterConfigs", 0, 1, 1,
	 alter_configs},
	{KB_OFFSET_DELETE, "OffsetDelete", 0, 0, NOFLEX, kb_api_offset_delete},
	{KB_DESCRIBE_CLUSTER, "DescribeCluster", 0, 1, 0, describe_cluster},
};
#define NAPIS (sizeof(apis) / sizeof(apis[0]))

static const struct api *
find_api(int key)
{
	size_t i;

	for (i = 0; i < NAPIS; i++)
		if (apis[i].key == key)
			return &apis[i];
	return NULL;
}

const char *
kb_api_name(int key)
{
	static char buf[32];
	const struct api *a = find_api(key);

	if (a)
		return a->name;
	snprintf(buf, sizeof(buf), "ApiKey %d", key);
	return buf;
}

int
kb_api_flexible(int key, int ver)
{
	const struct api *a = find_api(key);

	return a && ver >= a->flex;
}

/*
 * The ApiVersions body of version ver; v0 is also the answer to a version
 * it does not know, so that the client asks again at one both know.
 */
static void
put_versions(struct kb_buf *out, int16_t err, int ver)
{
	size_t i;

	kb_put_i16(out, err);
	kb_put_array(out, (int32_t)NAPIS);
	for (i = 0; i < NAPIS; i++) {
		kb_put_i16(out, apis[i].key);
		/*
		 * Produce from v0, as Kafka 4 says too (KAFKA-18659), though
		 * v0-2 are refused: librdkafka before 2.8 compresses with
		 * gzip, snappy or lz4 only for a broker that lists Produce v0
		 * (its issue 4956), and sends the highest version both know.
		 */
		kb_put_i16(out, apis[i].key == KB_PRODUCE ? 0 : apis[i].min);
		kb_put_i16(out, apis[i].max);
		kb_put_tags(out);
	}
	if (ver >= 1)
		kb_put_i32(out, 0);
	/* v3: no features (KIP-584), none finalized. */
	kb_put_tags(out);
}

static int
api_versions(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	     struct kb_buf *out)
{
	(void)b;
	if (r->ver >= 3) {
		/* The client's software name and version, for no use. */
		kb_string(in);
		kb_string(in);
		kb_tags(in);
		if (in->err)
			return KB_BADREQ;
	}
	put_versions(out, KB_NONE, r->ver);
	return KB_REPLY;
}

size_t
kb_api_room(int key)
{
	/* KB_FETCH_MAX and a first batch of up to max.message.bytes' default.
	 */
	return key == KB_FETCH ? (size_t)KB_FETCH_MAX + 1048588 + 65536 : 0;
}

/* The connection layer's callback: arg is the broker it was given. */
static int
handle(void *arg, struct kb_req *r)
{
	return kb_api_handle(arg, r);
}

const struct kb_proto kb_api_proto = {handle, kb_api_name, kb_api_room};

int
kb_api_handle(struct kb_broker *b, struct kb_req *r)
{
	const struct api *a = find_api(r->key);
	struct kb_buf *out = r->out;
	struct kb_rd in;
	size_t hdr;
	int rc, tag;

	kb_rd_init(&in, r->body, r->len);
	out->flex = 0;
	if (r->key == KB_API_VERSIONS && r->ver > a->max) {
		/*
		 * A newer client: answer in a v0 body, with our ranges, so
		 * it asks again at a version both know.
		 */
		kb_debug(b,
			 "ApiVersions v%d from %s: answering "
			 "UNSUPPORTED_VERSION with the versions supported",
			 r->ver, r->peer);
		put_versions(r->out, KB_UNSUPPORTED_VERSION, 0);
		return KB_REPLY;
	}
	if (!a || r->ver < a->min || r->ver > a->max) {
		/*
		 * No response layout fits a request we do not know; the
		 * error code leads the body, which is as close as the
		 * protocol comes. The log says what happened.
		 */
		kb_note(b,
			"%s v%d from %s (%.*s) is not supported: answered "
			"UNSUPPORTED_VERSION",
			kb_api_name(r->key), r->ver, r->peer,
			r->client.len > 0 ? r->client.len : 0,
			r->client.len > 0 ? r->client.s : "");
		kb_put_i16(r->out, KB_UNSUPPORTED_VERSION);
		return KB_REPLY;
	}
	if (r->ver >= a->flex) {
		in.flex = out->flex = 1;
		kb_tags(&in); /* the request header's */
		if (in.err)
			return KB_BADREQ;
	}
	hdr = out->len;
	tag = r->ver >= a->flex && r->key != KB_API_VERSIONS;
	if (tag)
		kb_put_tags(out); /* the response header's */
	rc = a->fn(b, r, &in, out);
	if (rc == KB_PARKED && tag) {
		/* Whoever answers writes the header anew. */
		memmove(out->p + hdr, out->p + hdr + 1, out->len - hdr - 1);
		out->len--;
	}
	return rc;
}

/* --- Metadata --------------------------------------------------------------
 */

/*
 * Topic ids (KIP-516): kq-broker keeps none, and answers the zero id,
 * which Kafka's clients take as "no id", as from a broker of before 2.8.
 */
static const unsigned char zero_uuid[16];

static void
put_topic_md(struct kb_broker *b, struct kb_buf *out, int ver, int16_t err,
	     struct kb_str name, const struct kb_topic *t)
{
	int p;

	kb_put_i16(out, err);
	kb_put_str(out, name);
	if (ver >= 10)
		kb_put(out, zero_uuid, sizeof(zero_uuid));
	if (ver >= 1)
		kb_put_i8(out,
			  name.len > 2 && name.s[0] == '_' && name.s[1] == '_');
	kb_put_array(out, t ? t->nparts : 0);
	for (p = 0; t && p < t->nparts; p++) {
		kb_put_i16(out, KB_NONE);
		kb_put_i32(out, p);
		kb_put_i32(out, b->node_id);
		if (ver >= 7)
			kb_put_i32(out, 0);
		kb_put_array(out, 1);
		kb_put_i32(out, b->node_id);
		kb_put_array(out, 1);
		kb_put_i32(out, b->node_id);
		if (ver >= 5)
			kb_put_array(out, 0);
		kb_put_tags(out);
	}
	if (ver >= 8)
		kb_put_i32(out, INT32_MIN);
	kb_put_tags(out);
}

/* A topic of a Metadata request (v10+: an id, and a name that may be null). */
struct md_topic {
	struct kb_str name;
	int by_id;
};

static int
metadata(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	 struct kb_buf *out)
{
	int32_t n = kb_array_of(in, 2), i, count = 0;
	struct md_topic *names = NULL;
	int allow = 1;
	size_t at;

	if (n > 0)
		names = kq_ecalloc((size_t)n, sizeof(*names));
	for (i = 0; i < n && !in->err; i++) {
		if (r->ver >= 10) {
			const unsigned char *id = in->p;

			kb_skip(in, 16);
			names[i].by_id =
				!in->err && memcmp(id, zero_uuid, 16) != 0;
		}
		names[i].name = kb_string(in);
		kb_tags(in);
	}
	if (r->ver >= 4)
		allow = kb_i8(in) != 0;
	if (r->ver >= 8 && r->ver <= 10)
		kb_i8(in);
	if (r->ver >= 8)
		kb_i8(in);
	kb_tags(in);
	if (in->err) {
		free(names);
		return KB_BADREQ;
	}
	if (r->ver >= 3)
		kb_put_i32(out, 0);
	kb_put_array(out, 1);
	kb_put_i32(out, b->node_id);
	kb_put_cstr(out, b->host);
	kb_put_i32(out, b->port);
	if (r->ver >= 1)
		kb_put_cstr(out, NULL);
	kb_put_tags(out);
	if (r->ver >= 2)
		kb_put_cstr(out, "kq-broker");
	if (r->ver >= 1)
		kb_put_i32(out, b->node_id);
	at = kb_array_mark(out);
	/* v0: an empty list means all topics; v1+: a null one does. */
	if (n < 0 || (n == 0 && r->ver == 0)) {
		for (i = 0; i < b->topics.n; i++) {
			struct kb_topic *t = b->topics.v[i];
			struct kb_str s = {t->name, (int)strlen(t->name)};

			put_topic_md(b, out, r->ver, KB_NONE, s, t);
			count++;
		}
	}
	for (i = 0; i < n; i++) {
		struct kb_str nm = names[i].name;
		struct kb_topic *t = kb_topics_find(&b->topics, nm.s, nm.len);
		int16_t err = KB_NONE;

		if (!t && nm.len < 0) {
			/* By id alone: kq-broker knows no topic by id. */
			err = names[i].by_id ? KB_UNKNOWN_TOPIC_ID
					     : KB_INVALID_REQUEST;
		} else if (!t && b->auto_create && allow) {
			char *name = kb_str_dup(nm), why[512];

			err = (int16_t)kb_topics_create(
				&b->topics, name, b->auto_partitions, NULL, 0,
				0, &t, why, sizeof(why));
			if (err == KB_NONE)
				kb_note(b,
					"topic %s created with %d "
					"partition%s (auto-created for %s)",
					name, b->auto_partitions,
					b->auto_partitions == 1 ? "" : "s",
					r->who);
			else
				kb_debug(b, "auto-creating topic %s: %s", name,
					 why);
			free(name);
		} else if (!t) {
			err = KB_UNKNOWN_TOPIC_OR_PARTITION;
		}
		put_topic_md(b, out, r->ver, err, nm, t);
		count++;
	}
	kb_patch_array(out, at, count);
	if (r->ver >= 8 && r->ver <= 10)
		kb_put_i32(out, INT32_MIN);
	kb_put_tags(out);
	free(names);
	return KB_REPLY;
}

/* --- CreateTopics, DeleteTopics, CreatePartitions --------------------------
 */

/*
 * CreateTopics v5+: what the topic was made with, its configs as
 * DescribeConfigs gives them (name NULL: it was not made).
 */
static void
put_created(struct kb_broker *b, struct kb_buf *out, const char *name,
	    int32_t parts, int check)
{
	const struct kb_topic *t =
		name ? kb_topics_find(&b->topics, name, (int)strlen(name))
		     : NULL;
	char val[32];
	int i, set;

	kb_put_i32(out, name ? parts : -1);
	kb_put_i16(out, name ? 1 : -1);
	if (!name || (!t && !check)) {
		kb_put_array(out, -1);
		return;
	}
	/* validate_only makes nothing: the broker's defaults are shown. */
	kb_put_array(out, KB_NCFG);
	for (i = 0; i < KB_NCFG; i++) {
		kb_put_cstr(out, kb_cfgs[i].name);
		kb_put_cstr(out, kb_cfg_value(&b->topics, t, i, val,
					      sizeof(val), &set));
		kb_put_i8(out, 0);
		kb_put_i8(out, set ? 1 : 5);
		kb_put_i8(out, 0);
		kb_put_tags(out);
	}
}

static int
create_topics(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	      struct kb_buf *out)
{
	struct kb_rd scan = *in;
	int32_t n = kb_array(&scan), i, j, k;
	int check = 0;

	/* validate_only lies after the topics: find it first. */
	for (i = 0; i < n && !scan.err; i++) {
		kb_string(&scan);
		kb_i32(&scan);
		kb_i16(&scan);
		for (j = kb_array(&scan); j > 0 && !scan.err; j--) {
			kb_i32(&scan);
			k = kb_array(&scan);
			kb_skip(&scan, 4 * (size_t)(k > 0 ? k : 0));
			kb_tags(&scan);
		}
		for (j = kb_array(&scan); j > 0 && !scan.err; j--) {
			kb_string(&scan);
			kb_string(&scan);
			kb_tags(&scan);
		}
		kb_tags(&scan);
	}
	kb_i32(&scan);
	if (r->ver >= 1)
		check = kb_i8(&scan) != 0;
	kb_tags(&scan);
	if (scan.err)
		return KB_BADREQ;

	if (r->ver >= 2)
		kb_put_i32(out, 0);
	n = kb_array(in);
	kb_put_array(out, n);
	for (i = 0; i < n; i++) {
		struct kb_str name = kb_string(in);
		int32_t parts = kb_i32(in), nassign;
		int16_t repl = kb_i16(in), err = KB_NONE;
		struct kb_cfgval cfg[64];
		int32_t ncfg;
		char why[512] = "", *cname;

		nassign = kb_array(in);
		for (j = 0; j < nassign && !in->err; j++) {
			int ok;

			kb_i32(in);
			k = kb_array(in);
			/* Every replica read, so the request stays in step. */
			for (ok = k == 1; k > 0 && !in->err; k--)
				if (kb_i32(in) != b->node_id)
					ok = 0;
			kb_tags(in);
			if (!ok && !err) {
				err = KB_INVALID_REPLICA_ASSIGNMENT;
				snprintf(why, sizeof(why),
					 "replicas can only be on broker %d, "
					 "this single node",
					 b->node_id);
			}
		}
		ncfg = kb_array(in);
		for (j = 0; j < ncfg && !in->err; j++) {
			struct kb_str cn = kb_string(in), cv = kb_string(in);

			kb_tags(in);
			if (j < 64) {
				cfg[j].name = kb_str_dup(cn);
				cfg[j].value = kb_str_dup_null(cv);
			}
		}
		kb_tags(in);
		if (ncfg > 64) {
			err = KB_INVALID_CONFIG;
			snprintf(why, sizeof(why), "too many configs");
		}
		if (in->err) {
			/* Only the first j were read. */
			for (ncfg = j, j = 0; j < ncfg && j < 64; j++) {
				free((char *)cfg[j].name);
				free((char *)cfg[j].value);
			}
			return KB_BADREQ;
		}
		if (nassign > 0)
			parts = nassign;
		if (parts == -1)
			parts = b->auto_partitions;
		cname = kb_str_dup(name);
		if (!err && repl != -1 && repl != 1) {
			err = KB_INVALID_REPLICATION_FACTOR;
			snprintf(why, sizeof(why),
				 "replication factor %d: this broker is a "
				 "single node (use 1)",
				 repl);
		}
		if (!err)
			err = (int16_t)kb_topics_create(
				&b->topics, cname, parts, cfg,
				ncfg < 64 ? ncfg : 64, check, NULL, why,
				sizeof(why));
		if (!err && !check)
			kb_note(b,
				"topic %s created with %d partition%s (for "
				"%s)",
				cname, parts, parts == 1 ? "" : "s", r->who);
		for (j = 0; j < ncfg && j < 64; j++) {
			free((char *)cfg[j].name);
			free((char *)cfg[j].value);
		}
		kb_put_str(out, name);
		if (r->ver >= 7)
			kb_put(out, zero_uuid, sizeof(zero_uuid));
		kb_put_i16(out, err);
		if (r->ver >= 1)
			kb_put_cstr(out, err ? why : NULL);
		if (r->ver >= 5)
			put_created(b, out, err ? NULL : cname, parts, check);
		kb_put_tags(out);
		free(cname);
	}
	kb_put_tags(out);
	return KB_REPLY;
}

static int
delete_topics(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	      struct kb_buf *out)
{
	int32_t n = kb_array(in), i;

	if (in->err)
		return KB_BADREQ;
	if (r->ver >= 1)
		kb_put_i32(out, 0);
	kb_put_array(out, n);
	for (i = 0; i < n; i++) {
		struct kb_str name;
		struct kb_topic *t;
		int16_t err = KB_UNKNOWN_TOPIC_OR_PARTITION;
		const char *why = "no such topic";
		int by_id = 0;

		if (r->ver >= 6) {
			/* v6: a name (or null) and a topic id. */
			const unsigned char *id;

			name = kb_string(in);
			id = in->p;
			kb_skip(in, 16);
			by_id = !in->err && memcmp(id, zero_uuid, 16) != 0;
			kb_tags(in);
		} else {
			name = kb_string(in);
		}
		if (in->err)
			return KB_BADREQ;
		t = kb_topics_find(&b->topics, name.s, name.len);
		if (name.len < 0) {
			err = by_id ? KB_UNKNOWN_TOPIC_ID : KB_INVALID_REQUEST;
			why = by_id ? "kq-broker knows topics by name only"
				    : "neither a name nor an id";
		} else if (t) {
			char *cname = kb_str_dup(name);

			err = (int16_t)kb_topics_delete(&b->topics, t);
			why = "the topic's files cannot be removed";
			if (!err) {
				kb_offsets_drop_topic(&b->offsets, cname);
				kb_note(b, "topic %s deleted (for %s)", cname,
					r->who);
				/* Parked fetches on it learn it is gone. */
				b->appended = 1;
			}
			free(cname);
		}
		kb_put_str(out, name);
		if (r->ver >= 6)
			kb_put(out, zero_uuid, sizeof(zero_uuid));
		kb_put_i16(out, err);
		if (r->ver >= 5)
			kb_put_cstr(out, err ? why : NULL);
		kb_put_tags(out);
	}
	kb_i32(in);
	kb_tags(in);
	kb_put_tags(out);
	return in->err ? KB_BADREQ : KB_REPLY;
}

static int
create_partitions(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		  struct kb_buf *out)
{
	struct kb_rd scan = *in;
	int32_t n = kb_array(&scan), i, j, k;
	int check;

	for (i = 0; i < n && !scan.err; i++) {
		kb_string(&scan);
		kb_i32(&scan);
		for (j = kb_array(&scan); j > 0 && !scan.err; j--) {
			k = kb_array(&scan);
			kb_skip(&scan, 4 * (size_t)(k > 0 ? k : 0));
			kb_tags(&scan);
		}
		kb_tags(&scan);
	}
	kb_i32(&scan);
	check = kb_i8(&scan) != 0;
	kb_tags(&scan);
	if (scan.err)
		return KB_BADREQ;
	(void)r;
	kb_put_i32(out, 0);
	n = kb_array(in);
	kb_put_array(out, n);
	for (i = 0; i < n; i++) {
		struct kb_str name = kb_string(in);
		int32_t count = kb_i32(in), na;
		struct kb_topic *t;
		int16_t err = KB_NONE;
		char why[512] = "";

		na = kb_array(in);
		for (j = 0; j < na; j++) {
			k = kb_array(in);
			for (; k > 0; k--)
				if (kb_i32(in) != b->node_id)
					err = KB_INVALID_REPLICA_ASSIGNMENT;
			kb_tags(in);
		}
		kb_tags(in);
		if (in->err)
			return KB_BADREQ;
		t = kb_topics_find(&b->topics, name.s, name.len);
		if (err)
			snprintf(why, sizeof(why),
				 "replicas can only be on broker %d",
				 b->node_id);
		else if (!t) {
			err = KB_UNKNOWN_TOPIC_OR_PARTITION;
			snprintf(why, sizeof(why), "no such topic");
		} else {
			int old = t->nparts;

			err = (int16_t)kb_topics_grow(&b->topics, t, count,
						      check, why, sizeof(why));
			if (!err && !check)
				kb_note(b,
					"topic %s now has %d partitions (was "
					"%d)",
					t->name, count, old);
		}
		kb_put_str(out, name);
		kb_put_i16(out, err);
		kb_put_cstr(out, err ? why : NULL);
		kb_put_tags(out);
	}
	kb_put_tags(out);
	return KB_REPLY;
}

/* --- DescribeConfigs -------------------------------------------------------
 */

static int
wanted(struct kb_str *keys, int32_t nkeys, const char *name)
{
	int32_t i;

	if (nkeys < 0)
		return 1;
	for (i = 0; i < nkeys; i++)
		if (kb_str_eq(keys[i], name))
			return 1;
	return 0;
}

static void
put_config(struct kb_buf *out, int ver, const char *name, const char *value,
	   int is_default, int read_only, int8_t type, int synonyms)
{
	kb_put_cstr(out, name);
	kb_put_cstr(out, value);
	kb_put_i8(out, (int8_t)read_only);
	if (ver == 0)
		kb_put_i8(out, (int8_t)is_default);
	else
		/* 1: DYNAMIC_TOPIC_CONFIG, 5: DEFAULT_CONFIG */
		kb_put_i8(out, is_default ? 5 : 1);
	kb_put_i8(out, 0);
	if (ver >= 1) {
		if (synonyms) {
			kb_put_array(out, 1);
			kb_put_cstr(out, name);
			kb_put_cstr(out, value);
			kb_put_i8(out, is_default ? 5 : 1);
			kb_put_tags(out);
		} else {
			kb_put_array(out, 0);
		}
	}
	if (ver >= 3) {
		kb_put_i8(out, type);
		kb_put_cstr(out, NULL);
	}
	kb_put_tags(out);
}

static int
describe_configs(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		 struct kb_buf *out)
{
	int32_t n = kb_array(in), i, j;
	struct kb_rd scan = *in;
	int synonyms = 0;

	/* include_synonyms lies after the resources. */
	for (i = 0; i < n && !scan.err; i++) {
		kb_i8(&scan);
		kb_string(&scan);
		for (j = kb_array(&scan); j > 0 && !scan.err; j--)
			kb_string(&scan);
		kb_tags(&scan);
	}
	if (r->ver >= 1)
		synonyms = kb_i8(&scan) != 0;
	if (r->ver >= 3)
		kb_i8(&scan); /* include_documentation: there is none */
	kb_tags(&scan);
	if (scan.err)
		return KB_BADREQ;
	kb_put_i32(out, 0);
	kb_put_array(out, n);
	for (i = 0; i < n; i++) {
		int8_t type = kb_i8(in);
		struct kb_str name = kb_string(in), keys[64];
		int32_t nkeys = kb_array(in), c;
		char val[32], node[16];
		size_t at;

		for (j = 0; j < nkeys; j++) {
			struct kb_str k = kb_string(in);

			if (j < 64)
				keys[j] = k;
		}
		kb_tags(in);
		if (in->err)
			return KB_BADREQ;
		if (nkeys > 64)
			nkeys = -1;
		snprintf(node, sizeof(node), "%d", b->node_id);
		if (type == 2) {
			struct kb_topic *t =
				kb_topics_find(&b->topics, name.s, name.len);

			kb_put_i16(out,
				   t ? KB_NONE : KB_UNKNOWN_TOPIC_OR_PARTITION);
			kb_put_cstr(out, t ? NULL : "no such topic");
			kb_put_i8(out, type);
			kb_put_str(out, name);
			at = kb_array_mark(out);
			for (c = 0, j = 0; t && j < KB_NCFG; j++) {
				const char *v;
				int set;

				if (!wanted(keys, nkeys, kb_cfgs[j].name))
					continue;
				v = kb_cfg_value(&b->topics, t, j, val,
						 sizeof(val), &set);
				put_config(out, r->ver, kb_cfgs[j].name, v,
					   !set, 0, (int8_t)kb_cfgs[j].type,
					   synonyms);
				c++;
			}
			kb_patch_array(out, at, c);
		} else if (type == 4 &&
			   (name.len == 0 || kb_str_eq(name, node))) {
			static const char *bnames[] = {
				"log.retention.ms", "log.retention.bytes",
				"log.segment.bytes", "message.max.bytes",
				"compression.type"};
			/* Each one's topic config, whose default it is. */
			const int of[] = {0, 1, 2, 3,
					  kb_cfg_find("compression.type")};

			kb_put_i16(out, KB_NONE);
			kb_put_cstr(out, NULL);
			kb_put_i8(out, type);
			kb_put_str(out, name);
			at = kb_array_mark(out);
			for (c = 0, j = 0; j < 5; j++) {
				int set;

				if (!wanted(keys, nkeys, bnames[j]))
					continue;
				put_config(out, r->ver, bnames[j],
					   kb_cfg_value(&b->topics, NULL, of[j],
							val, sizeof(val), &set),
					   1, 1, 5, synonyms);
				c++;
			}
			kb_patch_array(out, at, c);
		} else {
			kb_put_i16(out, KB_INVALID_REQUEST);
			kb_put_cstr(out, "kq-broker describes topics and "
					 "its own broker only");
			kb_put_i8(out, type);
			kb_put_str(out, name);
			kb_put_array(out, 0);
		}
		kb_put_tags(out);
	}
	kb_put_tags(out);
	return KB_REPLY;
}

/* --- AlterConfigs, IncrementalAlterConfigs ---------------------------------
 */

/* The configs of one resource, as the request carries them. */
struct alter {
	struct kb_cfgval cfg[64];
	int ops[64];
	int n;
	int dup, badop; /* a name twice, an unknown operation */
};

static void
alter_free(struct alter *al)
{
	int i;

	for (i = 0; i < al->n; i++) {
		free((char *)al->cfg[i].name);
		free((char *)al->cfg[i].value);
	}
}

/* Read a resource's configs; -1 if malformed or too many. */
static int
alter_read(struct kb_rd *in, int incremental, struct alter *al)
{
	int32_t n = kb_array(in), i;
	int j;

	al->n = 0;
	al->dup = al->badop = 0;
	if (n > 64)
		return -1;
	for (i = 0; i < n && !in->err; i++) {
		struct kb_str name = kb_string(in), value;
		int op = incremental ? kb_i8(in) : KB_CFG_OP_SET;

		value = kb_string(in);
		kb_tags(in);
		if (in->err)
			break;
		if (op < KB_CFG_OP_SET || op > KB_CFG_OP_SUBTRACT)
			al->badop = 1;
		for (j = 0; j < al->n; j++)
			if (kb_str_eq(name, al->cfg[j].name))
				al->dup = 1;
		al->cfg[al->n].name = kb_str_dup(name);
		al->cfg[al->n].value = kb_str_dup_null(value);
		al->ops[al->n++] = op;
	}
	return in->err ? -1 : 0;
}

/* Change one resource's configs: the error code, with why. */
static int16_t
alter_one(struct kb_broker *b, struct kb_req *r, int8_t type,
	  struct kb_str name, struct alter *al, int check, char *why,
	  size_t whysize)
{
	struct kb_topic *t;
	int16_t err;

	if (al->dup || al->badop) {
		snprintf(why, whysize,
			 al->dup ? "Error due to duplicate config "
				   "keys"
				 : "Unknown config operation");
		return KB_INVALID_REQUEST;
	}
	if (type != 2) {
		snprintf(why, whysize,
			 "kq-broker alters topic configs only; its own are "
			 "set on its command line");
		return KB_INVALID_REQUEST;
	}
	if (!(t = kb_topics_find(&b->topics, name.s, name.len))) {
		snprintf(why, whysize, "no such topic");
		return KB_UNKNOWN_TOPIC_OR_PARTITION;
	}
	err = (int16_t)kb_topics_alter(
		&b->topics, t, al->cfg,
		r->key == KB_ALTER_CONFIGS ? NULL : al->ops, al->n,
		r->key == KB_ALTER_CONFIGS, check, why, whysize);
	if (!err && !check)
		kb_note(b, "topic %s: configs changed (for %s)", t->name,
			r->who);
	return err;
}

/*
 * AlterConfigs (every config not given goes back to its default) and
 * IncrementalAlterConfigs (each given is set, deleted, appended to or
 * subtracted from): the same request but for the operation.
 */
static int
alter_configs(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	      struct kb_buf *out)
{
	struct kb_rd scan = *in;
	int incremental = r->key == KB_INCREMENTAL_ALTER_CONFIGS;
	int32_t n = kb_array(&scan), i, j;
	int check;

	/* validate_only lies after the resources. */
	for (i = 0; i < n && !scan.err; i++) {
		kb_i8(&scan);
		kb_string(&scan);
		for (j = kb_array(&scan); j > 0 && !scan.err; j--) {
			kb_string(&scan);
			if (incremental)
				kb_i8(&scan);
			kb_string(&scan);
			kb_tags(&scan);
		}
		kb_tags(&scan);
	}
	check = kb_i8(&scan) != 0;
	kb_tags(&scan);
	if (scan.err)
		return KB_BADREQ;
	kb_put_i32(out, 0);
	n = kb_array(in);
	kb_put_array(out, n);
	for (i = 0; i < n; i++) {
		int8_t type = kb_i8(in);
		struct kb_str name = kb_string(in);
		struct alter al;
		char why[512] = "";
		int16_t err;

		if (alter_read(in, incremental, &al)) {
			alter_free(&al);
			return KB_BADREQ;
		}
		kb_tags(in);
		err = alter_one(b, r, type, name, &al, check, why, sizeof(why));
		alter_free(&al);
		kb_put_i16(out, err);
		kb_put_cstr(out, err ? why : NULL);
		kb_put_i8(out, type);
		kb_put_str(out, name);
		kb_put_tags(out);
	}
	kb_put_tags(out);
	return in->err ? KB_BADREQ : KB_REPLY;
}

/* --- DescribeCluster -------------------------------------------------------
 */

static int
describe_cluster(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		 struct kb_buf *out)
{
	int8_t endpoint = 1; /* brokers */

	kb_i8(in);
	if (r->ver >= 1)
		endpoint = kb_i8(in);
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	kb_put_i32(out, 0);
	if (endpoint != 1) {
		kb_put_i16(out, KB_UNSUPPORTED_ENDPOINT_TYPE);
		kb_put_cstr(out, "kq-broker has brokers only, no controller "
				 "endpoint");
	} else {
		kb_put_i16(out, KB_NONE);
		kb_put_cstr(out, NULL);
	}
	if (r->ver >= 1)
		kb_put_i8(out, endpoint);
	kb_put_cstr(out, "kq-broker");
	kb_put_i32(out, b->node_id);
	kb_put_array(out, 1);
	kb_put_i32(out, b->node_id);
	kb_put_cstr(out, b->host);
	kb_put_i32(out, b->port);
	kb_put_cstr(out, NULL);
	kb_put_tags(out);
	kb_put_i32(out, INT32_MIN);
	kb_put_tags(out);
	return KB_REPLY;
}
