/*
 * Committed group offsets, kept durably: an append-only file of commits
 * (DIR/group-offsets), read back and compacted on start. A torn last
 * record (a crash mid-write) is dropped with a log line; a corrupt one is
 * skipped, and a file that did not read whole is kept beside the new one
 * (DIR/group-offsets.corrupt-TIME) before compaction.
 */
#ifndef KB_OFFSETS_H
#define KB_OFFSETS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct kb_topics;

struct kb_committed {
	char *topic;
	int32_t part;
	int64_t offset;
	char *meta; /* NULL when null */
};

struct kb_goffsets {
	char *group;
	struct kb_committed *v;
	int n, cap;
};

struct kb_offsets {
	char *path;
	int fd;
	struct kb_goffsets **g;
	int n, cap;
	off_t size; /* bytes in the file, to cut a torn write back to */
	int dirty;  /* written since the last good sync */
	int failed; /* errno of a failed fsync: no more commits */
};

int kb_offsets_open(struct kb_offsets *o, const char *dir, char *err,
		    size_t errsize);
void kb_offsets_close(struct kb_offsets *o);
/* The offsets of a group, or NULL if it has none. */
struct kb_goffsets *kb_offsets_group(const struct kb_offsets *o,
				     const char *group);
const struct kb_committed *kb_offsets_get(const struct kb_goffsets *g,
					  const char *topic, int32_t part);
/*
 * Record a commit (meta may be NULL); 0, or -1 with errno on a write
 * error or once a sync failed.
 */
int kb_offsets_commit(struct kb_offsets *o, const char *group,
		      const char *topic, int32_t part, int64_t offset,
		      const char *meta);
/*
 * After recovery: a commit past its partition's log end (a cut tail) is
 * moved to the end, durably and with a log line, so that the group reads
 * the offsets new messages take, which it has not seen. 0, or -1 with a
 * message in err.
 */
int kb_offsets_fit(struct kb_offsets *o, const struct kb_topics *ts, char *err,
		   size_t errsize);
/* Forget every commit on a deleted topic. */
void kb_offsets_drop_topic(struct kb_offsets *o, const char *topic);
/*
 * Forget a group's commit on one partition (DeleteGroups, OffsetDelete);
 * 0, or -1 with errno as kb_offsets_commit.
 */
int kb_offsets_delete(struct kb_offsets *o, const char *group,
		      const char *topic, int32_t part);
/*
 * fdatasync what was appended since the last good sync: 0, or -1 with
 * errno. A failure sticks until close: every later sync and commit fails
 * too, since a second fsync after a failed one proves nothing (see
 * kb_log_sync).
 */
int kb_offsets_sync(struct kb_offsets *o);

#endif
