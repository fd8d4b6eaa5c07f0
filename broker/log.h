/*
 * A partition's log on disk: append-only segment files holding record
 * batches exactly as producers sent them (CRC-32C checked, baseOffset
 * rewritten), each with a sparse offset index and a timestamp index;
 * recovery of a torn tail, retention by size and age, and reads for
 * Fetch and ListOffsets.
 */
#ifndef KB_LOG_H
#define KB_LOG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "producers.h"

/* The fixed part of a RecordBatch (magic 2), and where its fields lie. */
#define KB_BATCH_HEADER 61
#define KB_B_LENGTH	8
#define KB_B_EPOCH	12
#define KB_B_MAGIC	16
#define KB_B_CRC	17
#define KB_B_ATTRS	21
#define KB_B_LASTDELTA	23
#define KB_B_BASETS	27
#define KB_B_MAXTS	35
#define KB_B_PID	43
#define KB_B_PEPOCH	51
#define KB_B_BASESEQ	53
#define KB_B_COUNT	57

/* A RecordBatch header, decoded (issue 21: one decoder, not three). */
struct kb_bhdr {
	int64_t base;	    /* baseOffset */
	size_t size;	    /* the whole batch: batchLength + 12 */
	int16_t attrs;	    /* codec 0x07, transactional 0x10, control 0x20 */
	int32_t last_delta; /* lastOffsetDelta */
	int64_t base_ts, max_ts;
	int64_t pid; /* producerId, -1 if none */
	int16_t pepoch;
	int32_t base_seq,
		last_seq; /* last_seq: base_seq + last_delta, wrapped */
	int32_t count;	  /* records */
};

/* Decode the KB_BATCH_HEADER bytes at p (not checked: kb_batch_check). */
void kb_bhdr(const unsigned char *p, struct kb_bhdr *h);

/* An index entry every this many bytes of log (Kafka's default too). */
#define KB_INDEX_INTERVAL 4096

struct kb_logconf {
	int64_t segment_bytes;	   /* roll a segment past this size */
	int64_t retention_bytes;   /* per partition; -1: keep all */
	int64_t retention_ms;	   /* -1: keep all */
	int64_t max_message_bytes; /* the largest batch accepted */
	char compression[16];	   /* compression.type; "": producer */
	/* cleanup.policy has compact: the cleaner's configs (cleaner.h). */
	int compact;
	int64_t delete_retention_ms; /* a tombstone's stay once cleaned */
	int64_t min_lag_ms;	     /* min.compaction.lag.ms */
	double min_dirty_ratio;	     /* min.cleanable.dirty.ratio */
};

struct kb_idx {
	uint32_t rel; /* offset - segment base */
	uint32_t pos; /* byte position in the segment */
};

struct kb_tidx {
	int64_t ts;
	uint32_t rel;
};

struct kb_seg {
	int64_t base; /* the first offset it holds */
	int fd, ifd, tfd;
	uint64_t size;
	int64_t max_ts;	  /* the newest batch timestamp, -1 if none */
	int64_t mtime_ms; /* wall clock of the last append */
	struct kb_idx *idx;
	size_t nidx, cidx;
	struct kb_tidx *tidx;
	size_t ntidx, ctidx;
	uint64_t idx_pos;  /* position of the latest offset index entry */
	uint64_t tidx_pos; /* and of the latest time index entry */
	uint64_t bad_pos;  /* 1 + the position of damage reported, or 0 */
};

struct kb_log {
	char *dir;
	char *name; /* "topic-3", for messages */
	struct kb_seg *segs;
	size_t nsegs;
	int64_t start; /* log start offset */
	int64_t next;  /* log end offset: the next offset to assign */
	struct kb_logconf conf;
	int dirty;  /* appended since the last good sync */
	int failed; /* errno of a failed fsync: no more writes */
	/*
	 * The recovery point: every offset below it is known to be on
	 * disk (a sync succeeded after it was written). A start after an
	 * unclean stop checks every batch from it on, CRCs included.
	 */
	int64_t recovery;
	int64_t saved; /* the recovery point in the file */
	int ready;     /* opened whole: close writes the recovery point */
	/* The syncer holding a job of this log, and whether it syncs data. */
	struct kb_syncer *syncer;
	int syncing;
	/* The syncer whose due list holds it, and its place there. */
	struct kb_syncer *due;
	size_t due_at;
	struct kb_pstates prod;
	/*
	 * The cleaner's pass over this log, if any; its checkpoint (the
	 * offsets below it are compacted: DIR/cleaner-offset), once read;
	 * when tombstones it kept may go (0: none known).
	 */
	struct kb_cleaner *cleaner;
	int clean_known;
	int64_t clean_ckpt, tomb_due;
};

/*
 * A segment read through from its start, whole batches at a time, in
 * large blocks: recovery and the cleaner both read with it. The buffer
 * grows to fit a batch of any size its length field gives, within the
 * segment's size.
 */
struct kb_segscan {
	int fd;
	uint64_t size; /* the segment's bytes: a batch past them is torn */
	uint64_t pos;  /* the position of the batch given last */
	size_t last;   /* its size (0 before the first) */
	unsigned char *buf;
	size_t cap, have, off; /* buf + off: the bytes at pos */
};

void kb_segscan_init(struct kb_segscan *sc, int fd, uint64_t size);
void kb_segscan_free(struct kb_segscan *sc);
/*
 * Step over the batch given last to the next, whole in the buffer (*b,
 * valid until the next call), its position in pos: 0 with its size, 1 at
 * the end of the segment, -1 on a torn or short batch (why says what),
 * -2 on a read error (errno). Its contents are not checked.
 */
int kb_segscan_next(struct kb_segscan *sc, const unsigned char **b,
		    size_t *size, const char **why);

/* CRC-32C (Castagnoli), as in record batches. */
uint32_t kb_crc32c(uint32_t crc, const void *p, size_t n);

/*
 * Check one record batch at p (n bytes available): 0 with its total size
 * in *size, or a Kafka error code (CORRUPT_MESSAGE...) with a reason.
 */
int kb_batch_check(const unsigned char *p, size_t n, size_t *size,
		   const char **why);

/*
 * Open (creating) the log in dir and recover it. Every batch from the
 * recovery point on (DIR/recovery-point; 0 when it is missing) is checked
 * whole, CRC-32C included, in whichever segment it lies. The tail segment
 * is read through, and a torn or corrupt tail is cut off (reported
 * through warn). An older segment's indexes are checked against it (each
 * entry must point at a batch holding its offset) and rebuilt, with a
 * line, when they disagree; bad data in an older segment is reported once
 * and kept on disk, and reads that reach it fail (CORRUPT_MESSAGE).
 * 0, or -1 with a message in err naming the file.
 */
int kb_log_open(struct kb_log *lg, const char *dir, const char *name,
		const struct kb_logconf *conf, char *err, size_t errsize);
/* Sync, write the recovery point at the log end (a clean stop), close. */
void kb_log_close(struct kb_log *lg);
/* Close and remove the files and the directory. */
void kb_log_remove(struct kb_log *lg);

/*
 * Append a produced record set (one or more batches, changed in place:
 * offsets assigned). 0 with the first offset in *base (a duplicate of a
 * batch stored already gives its first offset), or a Kafka error code
 * with a reason; KAFKA_STORAGE_ERROR once a sync of the log failed.
 */
int kb_log_append(struct kb_log *lg, unsigned char *p, size_t n, int64_t now_ms,
		  int64_t *base, const char **why);
/* The same for a transaction marker (a control batch), from txn.c. */
int kb_log_append_marker(struct kb_log *lg, unsigned char *p, size_t n,
			 int64_t now_ms, int64_t *base, const char **why);
/*
 * fdatasync the tail if appended since the last good sync: 0, or -1 with
 * errno. A failure sticks until the log is closed: every later sync fails
 * with the same errno and appends are refused, so nothing (a duplicate
 * retry neither) is acknowledged that may not be on disk.
 */
int kb_log_sync(struct kb_log *lg);
/*
 * Write the recovery point (DIR/recovery-point, through a temporary file,
 * a rename and a directory fsync) if a sync moved it since it was last
 * written: the broker calls it once a second, not per request, since a
 * stale point costs only a longer check at the next start. 0 or -1.
 */
int kb_log_checkpoint(struct kb_log *lg);

/*
 * A thread that does one piece of work at a time for the event loop: the
 * syncer's jobs, a step of the cleaner's pass. What the work uses is the
 * thread's from kb_worker_hand until kb_worker_busy says 0 or
 * kb_worker_wait returns.
 */
struct kb_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void (*run)(void *arg);
	void *arg;
	int nice; /* below the loop's priority by this much */
	int busy; /* work handed over, not done */
	int quit, started;
};

/* Start the thread (w zeroed): 0, or an errno (the loop does the work). */
int kb_worker_start(struct kb_worker *w, void (*run)(void *arg), void *arg,
		    int nice);
/* Hand the thread its work: run(arg), once. */
void kb_worker_hand(struct kb_worker *w);
/* Whether the work handed over is not done yet. */
int kb_worker_busy(struct kb_worker *w);
/* Wait until it is done. */
void kb_worker_wait(struct kb_worker *w);
/* Stop the thread, once it is idle, and join it. */
void kb_worker_stop(struct kb_worker *w);

/*
 * The syncer: a thread that makes logs durable off the event loop, so
 * that a second's fdatasyncs (one a partition, a journal commit each) do
 * not stall every connection. Each second the loop hands it a job for
 * each log appended to, or whose recovery point moved: fdatasync a
 * duplicate of the tail's descriptor (a roll or a close on the loop
 * cannot pull it away), then write the recovery point. The thread
 * touches no struct kb_log; the loop takes the results at the next tick,
 * or at once when such a log is synced, rolled, closed or removed
 * (waiting for the thread then). A failed sync sticks as kb_log_sync's.
 */
struct kb_syncjob {
	struct kb_log *lg;
	int fd;	      /* the duplicate; -1: only the recovery point */
	int64_t next; /* the log end (or recovery point) when handed over */
	char *dir;
	int err;   /* errno of a failed fdatasync, or 0 */
	int saved; /* the recovery point was written */
};

struct kb_syncer {
	struct kb_worker w; /* busy: jobs handed over, not all done */
	struct kb_syncjob *jobs;
	size_t n, cap;
	/* The logs --fsync always syncs at the end of the loop's turn. */
	struct kb_log **due;
	size_t ndue, cdue;
	int due_err; /* errno of a due log's failed sync, since the last */
};

/* Start the thread: 0, or an errno (the loop then syncs by itself). */
int kb_syncer_start(struct kb_syncer *s);
/* Stop it, once every log it had jobs of is closed. */
void kb_syncer_stop(struct kb_syncer *s);
/*
 * 1 while the thread is at the jobs handed over; else their results are
 * taken: 0, or -1 with errno when a sync failed (the log refuses writes).
 */
int kb_syncer_collect(struct kb_syncer *s);
/*
 * Wait for the syncer's job of lg, if any, and take its result: before
 * lg moves in memory (its topic's array of partitions grows), since the
 * job holds its address.
 */
void kb_log_settle(struct kb_log *lg);
/*
 * After collect gave 0 or -1: give the syncer the log's job, if it needs
 * one: a sync of what was appended when data is set (else, or without a
 * thread, the sync is done here), the recovery point's write. -1 with
 * errno when the log failed a sync before.
 */
int kb_log_sync_later(struct kb_syncer *s, struct kb_log *lg, int data);
/* Hand the jobs queued over to the thread. */
void kb_syncer_kick(struct kb_syncer *s);

/*
 * The group commit of --fsync always: lg was appended to by a request
 * whose answer waits for it to be on disk. It is synced (once, however
 * many requests of the turn appended to it) by kb_syncer_sync_due at the
 * end of the loop's turn, or before then if it moves, closes or goes
 * (kb_log_settle and the rest).
 */
void kb_log_sync_due(struct kb_syncer *s, struct kb_log *lg);
/*
 * Sync lg now if it is due (a Fetch is about to read it: what is served
 * is on disk first, as a Produce's answer waits for it): 0, or -1 with
 * errno, the failure also kept for the turn's commit.
 */
int kb_log_sync_early(struct kb_log *lg);
/* Whether logs are due. */
int kb_syncer_due(const struct kb_syncer *s);
/*
 * fdatasync every due log: 0 when all of them (and those synced early)
 * are on disk, or -1 with errno when one failed.
 */
int kb_syncer_sync_due(struct kb_syncer *s);

/*
 * Append to out the stored batches from offset on, whole, up to max bytes;
 * the first one whatever its size when first_always, else nothing if it
 * is larger. Each batch is checked (its offsets, its CRC-32C) before it
 * is served: damage ends the answer before it, or is CORRUPT_MESSAGE when
 * the first batch is bad (reported once through warn). 0 (also when
 * nothing was appended), OFFSET_OUT_OF_RANGE or CORRUPT_MESSAGE; -1 on
 * an I/O error.
 */
int kb_log_read(struct kb_log *lg, int64_t offset, size_t max, int first_always,
		struct kb_buf *out);
/*
 * The first offset whose timestamp is ts or later, and that timestamp;
 * -1 when every record is older. Exact for uncompressed batches; for a
 * compressed one, the batch's first offset.
 */
int64_t kb_log_offset_for_time(struct kb_log *lg, int64_t ts, int64_t *found);

/*
 * DeleteRecords: move the log start to offset (-1: the log end), written
 * to DIR/log-start-offset before it returns. 0 with the start in *low
 * (an offset below the start leaves it), OFFSET_OUT_OF_RANGE past the
 * end, KAFKA_STORAGE_ERROR when the file cannot be written. Reads below
 * the start are OFFSET_OUT_OF_RANGE; retention drops the segments
 * wholly below it.
 */
int kb_log_delete_records(struct kb_log *lg, int64_t offset, int64_t *low);

/*
 * Drop whole segments past retention, or wholly below the start; how
 * many were dropped.
 */
int kb_log_retain(struct kb_log *lg, int64_t now_ms);
/*
 * For the cleaner, which writes a segment's copy: note a batch at pos in
 * the indexes of s (in memory only), as an append does; and, once all
 * are noted, the last time entry of a segment that ends at offset end.
 */
void kb_seg_note(struct kb_seg *s, int64_t base, uint64_t pos, int64_t maxts);
void kb_seg_close_index(struct kb_seg *s, int64_t end);
/*
 * Put the cleaned copy of a closed segment (path, written and synced:
 * the same offsets, fewer records) in the place of the segment at base,
 * of size bytes, its indexes from ix (taken). The old index files are
 * emptied first, so that a crash leaves the old segment or the new one,
 * each with indexes that are rebuilt if they do not agree. 0; 1 when
 * there is no such closed segment (any more); -1 with err.
 */
int kb_log_swap_segment(struct kb_log *lg, int64_t base, uint64_t size,
			const char *path, struct kb_seg *ix, char *err,
			size_t errsize);

/* Bytes stored. */
uint64_t kb_log_size(const struct kb_log *lg);

/*
 * A partition's one-line files (recovery-point, log-start-offset,
 * cleaner-offset). DIR/file := line, through DIR/file.tmp, a rename and
 * a directory fsync: synced before the rename, the file never reads as a
 * line that was not written, and a crash leaves the old line or the new
 * one. 0, or -1 (errno).
 */
int kb_line_write(const char *dir, const char *file, const char *line);
/* The offset DIR/file begins with; -1 when it is missing or has none. */
int64_t kb_line_offset(const char *dir, const char *file);
/* fsync a directory, so that files made or removed in it stay so; 0 or -1. */
int kb_sync_dir(const char *dir);
/* write(2) all of p, through short writes and EINTR; 0, or -1 (errno). */
int kb_write_all(int fd, const void *p, size_t n);
/* Make dir and its parents: 1 when dir itself was made, 0, or -1 (errno). */
int kb_mkdir_p(const char *dir);

#endif
