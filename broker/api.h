/*
 * The requests the broker answers: which API keys and versions it
 * advertises, the dispatch of a request to its handler, and the handlers
 * (api.c: ApiVersions, Metadata and the topic admin requests; api_data.c:
 * Produce, Fetch, ListOffsets, InitProducerId; groups.c: the group
 * coordinator). A handler parses the request body and writes the
 * response body to r->c->out; it returns KB_REPLY, KB_NOREPLY, KB_PARKED
 * or KB_BADREQ (net.h).
 */
#ifndef KB_API_H
#define KB_API_H

#include "broker.h"
#include "codec.h"
#include "net.h"

/* API keys. */
enum {
	KB_PRODUCE = 0,
	KB_FETCH = 1,
	KB_LIST_OFFSETS = 2,
	KB_METADATA = 3,
	KB_OFFSET_COMMIT = 8,
	KB_OFFSET_FETCH = 9,
	KB_FIND_COORDINATOR = 10,
	KB_JOIN_GROUP = 11,
	KB_HEARTBEAT = 12,
	KB_LEAVE_GROUP = 13,
	KB_SYNC_GROUP = 14,
	KB_DESCRIBE_GROUPS = 15,
	KB_LIST_GROUPS = 16,
	KB_API_VERSIONS = 18,
	KB_CREATE_TOPICS = 19,
	KB_DELETE_TOPICS = 20,
	KB_DELETE_RECORDS = 21,
	KB_INIT_PRODUCER_ID = 22,
	KB_ADD_PARTITIONS_TO_TXN = 24,
	KB_ADD_OFFSETS_TO_TXN = 25,
	KB_END_TXN = 26,
	KB_TXN_OFFSET_COMMIT = 28,
	KB_DESCRIBE_CONFIGS = 32,
	KB_ALTER_CONFIGS = 33,
	KB_CREATE_PARTITIONS = 37,
	KB_DELETE_GROUPS = 42,
	KB_INCREMENTAL_ALTER_CONFIGS = 44,
	KB_OFFSET_DELETE = 47,
	KB_DESCRIBE_CLUSTER = 60,
};

/*
 * The most a Fetch answer holds beyond its first batch: 1 MiB, where a
 * client asks for up to 50 MiB. librdkafka has one fetch in flight to a
 * broker: with smaller answers it parses one while the next is made, and
 * reading 1M messages through 32 partitions took 0.6-0.7 s instead of
 * 0.9 (256 KiB to 1 MiB were alike; 50 MiB the slowest). net.c reserves
 * the room of such an answer before it hands a Fetch over.
 */
#define KB_FETCH_MAX (1024 * 1024)

typedef int kb_handler(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		       struct kb_buf *out);

/* "Produce", or "ApiKey 57" for a key the broker does not know. */
const char *kb_api_name(int key);
/* Whether version ver of request key takes the flexible forms. */
int kb_api_flexible(int key, int ver);
/* Handle one request whose header net.c has read. */
int kb_api_handle(struct kb_broker *b, struct kb_req *r);
/* The room a request's answer may take (a Fetch's), for the net layer. */
size_t kb_api_room(int key);
/* The requests as the connection layer sees them. */
extern const struct kb_proto kb_api_proto;

kb_handler kb_api_produce, kb_api_fetch, kb_api_list_offsets,
	kb_api_delete_records, kb_api_init_producer_id;
kb_handler kb_api_find_coordinator, kb_api_join_group, kb_api_sync_group,
	kb_api_heartbeat, kb_api_leave_group, kb_api_offset_commit,
	kb_api_offset_fetch, kb_api_list_groups, kb_api_describe_groups,
	kb_api_delete_groups, kb_api_offset_delete;
/* txn.c: the transaction coordinator. */
kb_handler kb_api_add_partitions_to_txn, kb_api_add_offsets_to_txn,
	kb_api_end_txn, kb_api_txn_offset_commit;

/*
 * The topics and their partitions, as ListOffsets, DeleteRecords,
 * OffsetCommit and the transactions' requests send them: each topic's
 * name and partition count copied to out (ntopics, read already, too),
 * fn called on each partition with in at its fields (it reads them and
 * writes its answer: 0, or -1 when they do not read), each topic's tags.
 * 0, or -1 when the request does not read.
 */
typedef int kb_part_fn(void *arg, struct kb_str topic, struct kb_rd *in,
		       struct kb_buf *out);
int kb_each_part(struct kb_rd *in, struct kb_buf *out, int32_t ntopics,
		 kb_part_fn *fn, void *arg);

/* Before each sleep: answer the parked fetches that data has come for. */
void kb_fetch_wake(struct kb_broker *b);
/* At shutdown: answer every parked fetch now. */
void kb_fetch_flush(struct kb_broker *b);

#endif
