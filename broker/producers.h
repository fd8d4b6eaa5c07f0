/*
 * Idempotent producers: the producer ids handed out by InitProducerId
 * (a counter kept on disk, so an id is never reused after a restart) and,
 * per partition, each producer's recent sequence numbers, so that a retried
 * batch is acknowledged once and a gap is refused.
 */
#ifndef KB_PRODUCERS_H
#define KB_PRODUCERS_H

#include <stdint.h>

/* As Kafka: the last five batches of each producer are remembered. */
#define KB_PBATCHES 5
/* Producers remembered a partition; beyond, the least recent is forgotten. */
#define KB_PSTATES_MAX 1024

struct kb_pbatch {
	int32_t first, last; /* sequence numbers */
	int64_t offset;	     /* where it was stored */
};

struct kb_pstate {
	int64_t pid;
	int16_t epoch;
	int n; /* batches remembered, the newest at b[n - 1] */
	struct kb_pbatch b[KB_PBATCHES];
};

struct kb_pstates {
	struct kb_pstate *v;
	int n, cap;
};

enum {
	KB_SEQ_OK,
	KB_SEQ_DUP,	     /* stored already, at *offset */
	KB_SEQ_OUT_OF_ORDER, /* a gap or a stale batch */
	KB_SEQ_FENCED,	     /* an older epoch than one already seen */
};

/*
 * Whether a batch of producer pid (epoch, sequences first..last) may be
 * appended. A producer not seen before on this partition is accepted at
 * any sequence (its state may predate the tail segment that recovery
 * reads).
 */
int kb_pstates_check(const struct kb_pstates *ps, int64_t pid, int16_t epoch,
		     int32_t first, int32_t last, int64_t *offset);
void kb_pstates_record(struct kb_pstates *ps, int64_t pid, int16_t epoch,
		       int32_t first, int32_t last, int64_t offset);
/*
 * A transaction marker of producer pid at epoch: a batch of an older
 * epoch is refused from now on (a zombie fenced), as Kafka's producer
 * state learns the epoch from the marker.
 */
void kb_pstates_fence(struct kb_pstates *ps, int64_t pid, int16_t epoch);
void kb_pstates_free(struct kb_pstates *ps);

struct kb_pids {
	int fd;
	int64_t next;	  /* the next id to hand out */
	int64_t reserved; /* ids below this are recorded as used on disk */
};

/* Open DIR/producer-ids; 0, or -1 with errno. */
int kb_pids_open(struct kb_pids *p, const char *dir);
/* A new producer id, or -1 when the counter cannot be saved. */
int64_t kb_pids_next(struct kb_pids *p);
void kb_pids_close(struct kb_pids *p);

#endif
