/*
 * The transaction coordinator of one node (KIP-98): transactional ids
 * with their producer id and epoch, the partitions and group offsets of
 * each open transaction, transaction markers written into the partitions
 * at its end, the last stable offset of a partition and the aborted
 * transactions a read_committed Fetch is told of.
 *
 * Its state is kept durably in DIR/transactions, as Kafka keeps it in
 * __transaction_state: an append-only file of one line per change, synced
 * before the change is acknowledged, read back and compacted at start.
 * A start completes a transaction whose end was decided and aborts every
 * other one that was open.
 */
#ifndef KB_TXN_H
#define KB_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

struct kb_broker;
struct kb_log;

/* As Kafka's transaction.max.timeout.ms default: 15 minutes. */
#define KB_TXN_MAX_TIMEOUT_MS 900000
/* The state file is compacted when it grows past this. */
#define KB_TXN_FILE_MAX (4 << 20)

struct kb_txns;

/*
 * Read DIR/transactions, finish what was in flight (markers written into
 * the logs, so the topics must be open) and compact the file. 0, or -1
 * with a message in err.
 */
int kb_txn_open(struct kb_broker *b, const char *dir, char *err,
		size_t errsize);
void kb_txn_close(struct kb_broker *b);

/*
 * InitProducerId for transactional id txn: an open transaction of it is
 * aborted, and the id's epoch bumped (fencing an older producer). A Kafka
 * error code; the producer id and epoch in *pid and *epoch.
 */
int16_t kb_txn_init(struct kb_broker *b, struct kb_str txn, int32_t timeout_ms,
		    int64_t *pid, int16_t *epoch);
/*
 * Whether producer pid at epoch may write transactional batches to the
 * partition: its transaction is open and holds it (a zombie, fenced or
 * whose transaction was aborted, may not). A Kafka error code.
 */
int16_t kb_txn_check(const struct kb_broker *b, const char *topic, int32_t part,
		     int64_t pid, int16_t epoch);
/* A transactional batch of producer pid was stored at offset base. */
void kb_txn_produced(struct kb_broker *b, const char *topic, int32_t part,
		     int64_t pid, int64_t base);
/* The last stable offset: before the first record of an open transaction. */
int64_t kb_txn_lso(const struct kb_broker *b, const char *topic, int32_t part,
		   const struct kb_log *lg);
/* Whether an open transaction holds an offset of group on the partition. */
int kb_txn_pending(const struct kb_broker *b, const char *group,
		   const char *topic, int32_t part);
/*
 * Write a Fetch's aborted transactions array for the partition: those
 * whose marker is at from or later and whose first offset is below upto.
 */
void kb_txn_put_aborted(const struct kb_broker *b, struct kb_buf *out,
			const char *topic, int32_t part, int64_t from,
			int64_t upto);

#endif
