/*
 * Log compaction (cleanup.policy=compact): a thread that keeps the newest
 * record per key in a partition's closed segments, as Kafka's LogCleaner
 * does. An offset map (a key's hash -> its newest offset) is built over
 * the dirty part of the log (from the cleaner's checkpoint to the first
 * segment it may not clean); then each closed segment is copied to
 * BASE.log.cleaned without the records a newer one of their key
 * replaces, and the loop puts the copy in its place. Offsets never
 * change and records are never reordered: a batch keeps its base offset,
 * its lastOffsetDelta and its kept records' offset deltas.
 */
#ifndef KB_CLEANER_H
#define KB_CLEANER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "log.h"

/*
 * The offset map's memory, allocated for a pass and freed after it: 24
 * bytes an entry, filled to 90%, so some 630000 keys a pass (Kafka's
 * log.cleaner.dedupe.buffer.size). A dirty part with more keys is
 * cleaned in several passes.
 */
#define KB_CLEANER_MAP_BYTES (16u << 20)

/* The cleaner's checkpoint in a partition's directory. */
#define KB_CLEANER_CHECKPOINT "cleaner-offset"

struct kb_oent {
	uint64_t h1, h2; /* the key's 128-bit hash; 0, 0: a free slot */
	int64_t off;
};

struct kb_omap {
	struct kb_oent *v;
	size_t cap, n, max;
	int64_t latest; /* the newest offset put, -1 if none */
};

/* A map in bytes of memory (at least 2 entries). */
void kb_omap_init(struct kb_omap *m, size_t bytes);
void kb_omap_free(struct kb_omap *m);
/* key (len bytes, len >= 0) -> off: 0, or -1 when the map is full. */
int kb_omap_put(struct kb_omap *m, const void *key, size_t len, int64_t off);
/* The newest offset of key, or -1. */
int64_t kb_omap_get(const struct kb_omap *m, const void *key, size_t len);

/* What kb_clean_batch did with a batch. */
enum {
	KB_CLEAN_SAME,
	KB_CLEAN_SHRUNK,
	KB_CLEAN_GONE,
	KB_CLEAN_UNTOUCHED,
	KB_CLEAN_DAMAGED /* its records do not decompress: nothing appended */
};

/*
 * Clean one stored batch (b, size bytes, checked): the records whose key
 * has a newer offset in m (up to m->latest), and records without a key,
 * are dropped; a tombstone (a null value) that is its key's newest is
 * kept unless drop_tombs. A batch left with records, or with none when
 * keep_empty is set, is appended to out (base offset, lastOffsetDelta,
 * attributes and the records' bytes as they were; count, length and
 * CRC-32C computed anew). A compressed batch's records are decompressed
 * (at most limit bytes) and the kept ones compressed anew in its codec;
 * one left empty loses its codec, as Kafka's empty batch. A batch past
 * limit, transactional batches and control batches are untouched
 * (appended as they are): an aborted record must not make a committed
 * one go. *tombs counts the tombstones kept.
 */
int kb_clean_batch(const unsigned char *b, size_t size, const struct kb_omap *m,
		   int drop_tombs, int keep_empty, size_t limit,
		   struct kb_buf *out, int *tombs);
/*
 * Put the keys of a stored batch's records at offset from and later into
 * m (a compressed batch's decompressed, at most limit bytes): 0, -1 when
 * it filled (m->latest is the last offset put), -2 when its records do
 * not decompress (damage). Batches kb_clean_batch leaves untouched put
 * nothing.
 */
int kb_omap_add_batch(struct kb_omap *m, const unsigned char *b, size_t size,
		      int64_t from, size_t limit);
/*
 * Does a batch hold a record without a key (a compressed one's records
 * decompressed, at most limit bytes; past it, or not decompressing, it is
 * not known: 0)? Kafka refuses those for a compacted topic
 * (INVALID_RECORD): the cleaner has no key to keep them by.
 */
int kb_batch_has_null_key(const unsigned char *b, size_t size, size_t limit);

/* One closed segment as the pass sees it (the thread reads fd, a dup). */
struct kb_cseg {
	int64_t base, end; /* its offsets: [base, end) */
	int fd;
	uint64_t size;
	int64_t mtime_ms;
	int dirty;	  /* part of it lies past the checkpoint */
	int changed;	  /* BASE.log.cleaned is written */
	int tombs;	  /* tombstones kept in it */
	int64_t when;	  /* its mtime after the pass */
	struct kb_seg ix; /* the cleaned file's indexes */
};

/*
 * The cleaner: one pass at a time, over one log. The loop starts a pass
 * and, at its ticks, takes each step's result: the map built, then one
 * segment cleaned at a time (so the disk holds one cleaned copy more at
 * most), which the loop swaps in before the thread goes on. The thread
 * touches no struct kb_log; a log closed, removed or moved in memory
 * drops its pass (see kb_cleaner_drop).
 */
struct kb_cleaner {
	struct kb_worker w; /* busy: a step is the thread's */
	size_t map_bytes;

	/* The pass. */
	struct kb_log *lg; /* NULL: none */
	char *dir;
	int64_t now, ckpt, retention_ms;
	size_t zip_limit; /* a batch's records decompressed, at most */
	struct kb_cseg *segs;
	size_t nsegs;
	size_t step; /* 0: the map; i + 1: segment i */
	size_t upto; /* segments cleaned: those below it */
	struct kb_omap map;
	int err; /* errno of the step, -1 for another failure, or 0 */
	int ok;	 /* the pass ended well */
	unsigned long dropped;

	int next_topic, next_part; /* where the next look for a log starts */
};

struct kb_topics;

/* Start the thread: 0 or an errno (no compaction then). */
int kb_cleaner_start(struct kb_cleaner *c, size_t map_bytes);
void kb_cleaner_stop(struct kb_cleaner *c);
/*
 * On the loop: take the thread's result and hand it the next step, or
 * start a pass over the next log due one. A line for the log in note
 * (empty if none), *fail set when it tells of a failure. 1 while a pass
 * runs (tick again soon), else 0.
 */
int kb_cleaner_tick(struct kb_cleaner *c, struct kb_topics *ts, int64_t now,
		    int *fail, char *note, size_t size);
/* Wait for the thread and drop lg's pass (log.c's settle calls it). */
void kb_cleaner_drop(struct kb_log *lg);

/* A whole pass over lg on the calling thread, for tests: 0 or -1. */
int kb_cleaner_run(struct kb_cleaner *c, struct kb_log *lg, int64_t now);

#endif
