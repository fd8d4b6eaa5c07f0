/*
 * The partition log: batches in and out as stored, offsets assigned,
 * recovery of a torn or corrupt tail, segments, retention, timestamps,
 * idempotent producers; and the committed offsets and topics on disk.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_broker.h"
#include "errors.h"

/*
 * A batch of n uncompressed records valued "v<first+i>", timestamps
 * ts0 + i, as a producer would send it (baseOffset 0).
 */
static size_t
batch(unsigned char *b, int n, int first, int64_t ts0, int64_t pid, int32_t seq)
{
	size_t len = KB_BATCH_HEADER;
	int i;

	for (i = 0; i < n; i++) {
		char val[16];
		int vl = snprintf(val, sizeof(val), "v%d", first + i);

		len += unit_record(b + len, i, NULL, -1, val, vl);
	}
	unit_batch_seal(b, len, n, ts0, pid, seq);
	return len;
}

/* Open the log "t-0" in d under the default configuration. */
static void
open_log(struct kb_log *lg, const char *d)
{
	char err[256];

	assert_int_equal(
		kb_log_open(lg, d, "t-0", &unit_logconf, err, sizeof(err)), 0);
}

/*
 * Open the log "t-0" in d under c and append count batches of 4 records
 * (offsets and values from 0 on, timestamps from 1000), the log left
 * open: the size of the last batch.
 */
static size_t
fill(struct kb_log *lg, const char *d, const struct kb_logconf *c, int count)
{
	unsigned char b[4096];
	char err[256];
	const char *why;
	int64_t base;
	size_t n = 0;
	int i;

	assert_int_equal(kb_log_open(lg, d, "t-0", c, err, sizeof(err)), 0);
	for (i = 0; i < count; i++) {
		n = batch(b, 4, 4 * i, 1000 + 4 * i, -1, 0);
		assert_int_equal(kb_log_append(lg, b, n, 0, &base, &why), 0);
	}
	return n;
}

static void
crc32c_vector(void **state)
{
	(void)state;
	/* The check value of CRC-32C. */
	assert_int_equal(kb_crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(kb_crc32c(kb_crc32c(0, "1234", 4), "56789", 5),
			 0xe3069283);
}

static void
append_and_read(void **state)
{
	char *d = unit_tmpdir();
	unsigned char b[4096];
	struct kb_log lg;
	struct kb_buf out = {0};
	const char *why;
	int64_t base;
	size_t n;

	(void)state;
	open_log(&lg, d);
	n = batch(b, 3, 0, 1000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 0);
	n = batch(b, 2, 3, 2000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 3);
	assert_int_equal(lg.next, 5);
	/* Offset 4 lies in the second batch: that batch comes back. */
	assert_int_equal(kb_log_read(&lg, 4, 1 << 20, 1, &out), 0);
	assert_int_equal(out.len, n);
	assert_int_equal(kb_be64(out.p), 3);
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 0, 1 << 20, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), 0);
	/* A limit smaller than the first batch still gives the first. */
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 0, 10, 1, &out), 0);
	assert_int_equal(kb_be32(out.p + KB_B_LENGTH) + 12, out.len);
	/* Unless it need not come first: then nothing. */
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 0, 10, 0, &out), 0);
	assert_int_equal(out.len, 0);
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 5, 100, 1, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(kb_log_read(&lg, 6, 100, 1, &out),
			 KB_OFFSET_OUT_OF_RANGE);
	kb_log_close(&lg);
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

static void
bad_batches_are_refused(void **state)
{
	char *d = unit_tmpdir();
	unsigned char b[4096];
	struct kb_log lg;
	const char *why = NULL;
	int64_t base;
	size_t n;

	(void)state;
	open_log(&lg, d);
	n = batch(b, 3, 0, 1000, -1, 0);
	b[n - 1] ^= 1;
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_CORRUPT_MESSAGE);
	assert_string_equal(why, "record batch CRC-32C mismatch");
	n = batch(b, 3, 0, 1000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n - 1, 0, &base, &why),
			 KB_CORRUPT_MESSAGE);
	b[KB_B_MAGIC] = 1;
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_UNSUPPORTED_FOR_MESSAGE_FORMAT);
	assert_int_equal(lg.next, 0);
	assert_int_equal(kb_log_size(&lg), 0);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

static void
set_recovery_point(const char *d, const char *line)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/recovery-point", d);
	assert_non_null(f = fopen(path, "w"));
	fputs(line, f);
	assert_int_equal(fclose(f), 0);
}

static char *
read_recovery_point(const char *d, char *line, size_t size)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/recovery-point", d);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, (int)size, f));
	fclose(f);
	return line;
}

static void
recovery_cuts_a_torn_tail(void **state)
{
	char *d = unit_tmpdir(), path[256];
	unsigned char b[4096];
	struct kb_log lg;
	const char *why;
	int64_t base;
	size_t n, good;
	int fd, i;

	(void)state;
	open_log(&lg, d);
	for (i = 0; i < 10; i++) {
		n = batch(b, 5, 5 * i, 1000 + i, -1, 0);
		assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	}
	good = kb_log_size(&lg);
	kb_log_close(&lg);
	/* Half a batch at the end, as a crash mid-write leaves it. */
	snprintf(path, sizeof(path), "%s/%020d.log", d, 0);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	n = batch(b, 5, 50, 2000, -1, 0);
	kb_st64(b, 50);
	assert_int_equal(write(fd, b, n / 2), (ssize_t)(n / 2));
	close(fd);
	open_log(&lg, d);
	assert_int_equal(lg.next, 50);
	assert_int_equal(kb_log_size(&lg), good);
	kb_log_close(&lg);
	/*
	 * A flipped byte in the last batch, past the recovery point (as a
	 * crash leaves it when the last sync covered offsets below 45):
	 * that batch goes, no more.
	 */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "X", 1, (off_t)good - 3), 1);
	close(fd);
	set_recovery_point(d, "45\n");
	open_log(&lg, d);
	assert_int_equal(lg.next, 45);
	n = batch(b, 1, 0, 3000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 45);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

static void
segments_and_retention(void **state)
{
	char *d = unit_tmpdir(), err[256];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	struct kb_buf out = {0};

	(void)state;
	c.segment_bytes = 1000;
	fill(&lg, d, &c, 100);
	assert_true(lg.nsegs > 10);
	kb_log_close(&lg);
	/* Reopened: the indexes of the older segments are used. */
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.next, 400);
	assert_int_equal(kb_log_read(&lg, 201, 1, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), 200);
	lg.conf.retention_bytes = 2000;
	assert_true(kb_log_retain(&lg, 0) > 0);
	assert_true(kb_log_size(&lg) < 2000 + 1000);
	assert_true(lg.start > 0);
	assert_int_equal(lg.start, lg.segs[0].base);
	assert_int_equal(kb_log_read(&lg, 0, 100, 1, &out),
			 KB_OFFSET_OUT_OF_RANGE);
	/* By time: everything older than 3 s ago (ts 1000.. is 1970). */
	lg.conf.retention_ms = 3000;
	kb_log_retain(&lg, 1000 + 400 + 3000 + 10);
	assert_int_equal(lg.nsegs, 1);
	kb_log_close(&lg);
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

static void
offsets_by_time(void **state)
{
	char *d = unit_tmpdir(), err[256];
	unsigned char b[4096];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	const char *why;
	int64_t base, found;
	size_t n;
	int i;

	(void)state;
	c.segment_bytes = 2000;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	for (i = 0; i < 200; i++) {
		/* 10 records a batch, timestamps 10000 + 10 i + j */
		n = batch(b, 10, 10 * i, 10000 + 10 * i, -1, 0);
		assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	}
	assert_int_equal(kb_log_offset_for_time(&lg, 0, &found), 0);
	assert_int_equal(found, 10000);
	assert_int_equal(kb_log_offset_for_time(&lg, 10537, &found), 537);
	assert_int_equal(found, 10537);
	assert_int_equal(kb_log_offset_for_time(&lg, 11999, &found), 1999);
	assert_int_equal(kb_log_offset_for_time(&lg, 12000, &found), -1);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

static void
idempotent_producers(void **state)
{
	char *d = unit_tmpdir();
	unsigned char b[4096];
	struct kb_log lg;
	const char *why;
	int64_t base;
	size_t n;

	(void)state;
	open_log(&lg, d);
	n = batch(b, 3, 0, 1000, 7, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	n = batch(b, 3, 3, 1000, 7, 3);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 3);
	/* A retry of the first batch: acknowledged, not stored again. */
	n = batch(b, 3, 0, 1000, 7, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 0);
	assert_int_equal(lg.next, 6);
	/* A gap. */
	n = batch(b, 3, 9, 1000, 7, 9);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_OUT_OF_ORDER_SEQUENCE_NUMBER);
	kb_log_close(&lg);
	/* After a restart the tail segment tells the sequences again. */
	open_log(&lg, d);
	n = batch(b, 3, 3, 1000, 7, 3);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 3);
	assert_int_equal(lg.next, 6);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

static void
committed_offsets_survive(void **state)
{
	char *d = unit_tmpdir(), err[256], path[256];
	struct kb_offsets o;
	const struct kb_committed *c;
	int fd;

	(void)state;
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 0, 5, NULL), 0);
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 0, 9, "m"), 0);
	assert_int_equal(kb_offsets_commit(&o, "g", "u", 1, 3, NULL), 0);
	kb_offsets_drop_topic(&o, "u");
	kb_offsets_close(&o);
	/* A torn record at the end is dropped. */
	snprintf(path, sizeof(path), "%s/group-offsets", d);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "\0\0\0\x40garbage", 11), 11);
	close(fd);
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	c = kb_offsets_get(kb_offsets_group(&o, "g"), "t", 0);
	assert_non_null(c);
	assert_int_equal(c->offset, 9);
	assert_string_equal(c->meta, "m");
	assert_null(kb_offsets_get(kb_offsets_group(&o, "g"), "u", 1));
	kb_offsets_close(&o);
	unit_tmpdir_free(d);
}

static void
commits_past_the_log_end_move_to_it(void **state)
{
	char *d = unit_tmpdir(), err[256], why[256];
	unsigned char b[4096];
	struct kb_topics ts;
	struct kb_topic *t;
	struct kb_offsets o;
	const struct kb_committed *c;
	const char *w;
	int64_t base;
	size_t n;

	(void)state;
	assert_int_equal(
		kb_topics_open(&ts, d, &unit_logconf, err, sizeof(err)), 0);
	assert_int_equal(
		kb_topics_create(&ts, "t", 2, NULL, 0, 0, &t, why, sizeof(why)),
		0);
	n = batch(b, 5, 0, 1000, -1, 0);
	assert_int_equal(kb_log_append(&t->parts[1], b, n, 0, &base, &w), 0);
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	/* Commits a cut log left behind, and ones that are fine. */
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 0, 1000, "m"), 0);
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 1, 3, NULL), 0);
	assert_int_equal(kb_offsets_commit(&o, "h", "t", 1, 9, NULL), 0);
	assert_int_equal(kb_offsets_commit(&o, "h", "gone", 0, 9, NULL), 0);
	assert_int_equal(kb_offsets_fit(&o, &ts, err, sizeof(err)), 0);
	kb_offsets_close(&o);
	/* Durably. */
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	c = kb_offsets_get(kb_offsets_group(&o, "g"), "t", 0);
	assert_int_equal(c->offset, 0);
	assert_string_equal(c->meta, "m");
	c = kb_offsets_get(kb_offsets_group(&o, "g"), "t", 1);
	assert_int_equal(c->offset, 3);
	c = kb_offsets_get(kb_offsets_group(&o, "h"), "t", 1);
	assert_int_equal(c->offset, 5);
	/* A topic that is not there is left to the group to find out. */
	c = kb_offsets_get(kb_offsets_group(&o, "h"), "gone", 0);
	assert_int_equal(c->offset, 9);
	kb_offsets_close(&o);
	kb_topics_close(&ts);
	unit_tmpdir_free(d);
}

/* Recompute a batch's CRC after its header was changed. */
static void
recrc(unsigned char *b, size_t n)
{
	kb_st32(b + KB_B_CRC, kb_crc32c(0, b + KB_B_ATTRS, n - KB_B_ATTRS));
}

/* A batch of one record whose value is vlen bytes; malloc'd. */
static unsigned char *
big_batch(size_t vlen, size_t *n)
{
	unsigned char *b = malloc(vlen + 100);
	char *v = malloc(vlen);
	size_t len = KB_BATCH_HEADER;

	assert_non_null(b);
	assert_non_null(v);
	memset(v, 'x', vlen);
	len += unit_record(b + len, 0, NULL, -1, v, (int64_t)vlen);
	free(v);
	unit_batch_seal(b, len, 1, 0, -1, 0);
	*n = len;
	return b;
}

static off_t
file_size(const char *dir, int64_t base, const char *ext)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%020lld.%s", dir, (long long)base,
		 ext);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void
batches_over_a_mebibyte_survive_a_restart(void **state)
{
	char *d = unit_tmpdir(), err[256];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	struct kb_buf out = {0};
	const char *why;
	unsigned char *b;
	int64_t base;
	size_t n;
	int i;

	(void)state;
	/* Kafka's default max.message.bytes, 1048588, takes these. */
	c.max_message_bytes = 1048588;
	c.segment_bytes = 64 << 20;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	for (i = 0; i < 3; i++) {
		b = big_batch((1 << 20) - 60, &n);
		assert_true(n > (1 << 20) && n <= 1048588);
		assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
		free(b);
	}
	kb_log_close(&lg);
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.next, 3);
	assert_int_equal(kb_log_size(&lg), 3 * n);
	assert_int_equal(file_size(d, 0, "log"), (off_t)(3 * n));
	assert_int_equal(kb_log_read(&lg, 2, 1, 1, &out), 0);
	assert_int_equal(out.len, n);
	assert_int_equal(kb_be64(out.p), 2);
	kb_log_close(&lg);
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

static void
lost_indexes_are_rebuilt_without_a_cut(void **state)
{
	char *d = unit_tmpdir(), err[256], path[256];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	struct kb_buf out = {0};
	int64_t bases[64];
	off_t sizes[64];
	size_t i, nsegs;

	(void)state;
	c.segment_bytes = 1000;
	fill(&lg, d, &c, 40);
	nsegs = lg.nsegs;
	assert_true(nsegs >= 4 && nsegs < 64);
	for (i = 0; i < nsegs; i++)
		bases[i] = lg.segs[i].base;
	kb_log_close(&lg);
	for (i = 0; i < nsegs; i++) {
		sizes[i] = file_size(d, bases[i], "log");
		snprintf(path, sizeof(path), "%s/%020lld.index", d,
			 (long long)bases[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.nsegs, nsegs);
	assert_int_equal(lg.next, 160);
	for (i = 0; i < nsegs; i++) {
		assert_int_equal(file_size(d, bases[i], "log"), sizes[i]);
		assert_int_equal(lg.segs[i].size, (uint64_t)sizes[i]);
		assert_true(file_size(d, bases[i], "index") > 0);
	}
	assert_int_equal(kb_log_read(&lg, 81, 1, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), 80);
	kb_log_close(&lg);
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

/* Leave the log as a crash does: no last sync, no recovery point. */
static void
crash(struct kb_log *lg)
{
	lg->dirty = lg->ready = 0;
	kb_log_close(lg);
}

/*
 * DeleteRecords: the start moves forward only, is on disk when the call
 * returns (a crash keeps it), hides what is below it from reads and
 * timestamps, and lets retention drop the segments wholly below it.
 */
static void
deleted_records_stay_deleted(void **state)
{
	char *d = unit_tmpdir(), err[256];
	unsigned char b[4096];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	struct kb_buf out = {0};
	const char *why;
	int64_t base, low, found;
	size_t n;

	(void)state;
	c.segment_bytes = 1000;
	n = fill(&lg, d, &c, 100);
	assert_int_equal(kb_log_delete_records(&lg, 401, &low),
			 KB_OFFSET_OUT_OF_RANGE);
	assert_int_equal(kb_log_delete_records(&lg, -2, &low),
			 KB_OFFSET_OUT_OF_RANGE);
	assert_int_equal(lg.start, 0);
	assert_int_equal(kb_log_delete_records(&lg, 201, &low), 0);
	assert_int_equal(low, 201);
	/* Below the start: it stays. */
	assert_int_equal(kb_log_delete_records(&lg, 100, &low), 0);
	assert_int_equal(low, 201);
	assert_int_equal(kb_log_read(&lg, 200, 100, 1, &out),
			 KB_OFFSET_OUT_OF_RANGE);
	assert_int_equal(kb_log_offset_for_time(&lg, 0, &found), 201);

	/* A crash right after: the start was written before the answer. */
	crash(&lg);
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.start, 201);
	assert_int_equal(kb_log_read(&lg, 200, 100, 1, &out),
			 KB_OFFSET_OUT_OF_RANGE);
	assert_int_equal(kb_log_read(&lg, 201, 100, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), 200);

	/* No retention configured: only what lies below the start goes. */
	assert_true(kb_log_retain(&lg, 0) > 0);
	assert_true(lg.segs[0].base <= 201);
	assert_true(lg.nsegs > 1 && lg.segs[1].base > 201);
	assert_int_equal(lg.start, 201);
	assert_int_equal(kb_log_retain(&lg, 0), 0);

	/* -1: the log end; the log empties, and goes on from there. */
	assert_int_equal(kb_log_delete_records(&lg, -1, &low), 0);
	assert_int_equal(low, 400);
	kb_log_close(&lg);
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.start, 400);
	assert_int_equal(lg.next, 400);
	assert_int_equal(kb_log_offset_for_time(&lg, 0, &found), -1);
	n = batch(b, 4, 400, 5000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 400);
	/* Removed, it leaves nothing: the directory itself goes. */
	kb_log_remove(&lg);
	assert_int_equal(access(d, F_OK), -1);
	kb_buf_free(&out);
	free(d);
}

static void
flip(const char *d, int64_t base, uint64_t pos)
{
	char path[256];
	unsigned char c;
	int fd;

	snprintf(path, sizeof(path), "%s/%020lld.log", d, (long long)base);
	assert_true((fd = open(path, O_RDWR)) >= 0);
	assert_int_equal(pread(fd, &c, 1, (off_t)pos), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)pos), 1);
	close(fd);
}

static void
the_recovery_point_bounds_the_check(void **state)
{
	char *d = unit_tmpdir(), line[64];
	unsigned char b[4096];
	struct kb_log lg;
	struct kb_buf out = {0};
	const char *why;
	int64_t base;
	uint64_t pos20 = 0, pos60 = 0;
	size_t n;
	int i;

	(void)state;
	open_log(&lg, d);
	for (i = 0; i < 10; i++) {
		if (i == 4)
			pos20 = lg.segs[0].size;
		n = batch(b, 5, 5 * i, 1000 + i, -1, 0);
		assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	}
	/* A sync moves the point; the checkpoint writes it, once. */
	assert_int_equal(kb_log_sync(&lg), 0);
	assert_int_equal(lg.recovery, 50);
	assert_int_equal(kb_log_checkpoint(&lg), 0);
	assert_string_equal(read_recovery_point(d, line, sizeof(line)), "50\n");
	for (i = 10; i < 14; i++) {
		if (i == 12)
			pos60 = lg.segs[0].size;
		n = batch(b, 5, 5 * i, 1000 + i, -1, 0);
		assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	}
	assert_int_equal(lg.recovery, 50);
	crash(&lg);
	/* Damage on both sides of the point. */
	flip(d, 0, pos20 + 70);
	flip(d, 0, pos60 + 70);
	open_log(&lg, d);
	/* Past the point: checked to the CRC and cut. */
	assert_int_equal(lg.next, 60);
	assert_int_equal(kb_log_size(&lg), pos60);
	/* Before it: kept, and never served. */
	assert_int_equal(kb_log_read(&lg, 0, 1 << 20, 1, &out), 0);
	assert_int_equal(out.len, pos20);
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 22, 1 << 20, 1, &out),
			 KB_CORRUPT_MESSAGE);
	assert_int_equal(out.len, 0);
	assert_int_equal(kb_log_read(&lg, 25, 1 << 20, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), 25);
	/* What was checked is the new point: not checked again. */
	assert_string_equal(read_recovery_point(d, line, sizeof(line)), "60\n");
	kb_log_close(&lg);
	/* A clean close says so. */
	assert_string_equal(read_recovery_point(d, line, sizeof(line)),
			    "60 clean\n");
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

static void
every_segment_past_the_point_is_checked(void **state)
{
	char *d = unit_tmpdir(), err[256], line[64];
	unsigned char b[4096];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	struct kb_buf out = {0};
	int64_t seg1, bad;
	uint64_t pos;
	size_t n;
	int i;

	(void)state;
	c.segment_bytes = 2000;
	n = fill(&lg, d, &c, 100);
	assert_true(lg.nsegs >= 4);
	/* A batch in the middle of the second segment, CRC flipped. */
	seg1 = lg.segs[1].base;
	for (pos = 0, i = 0; i < 3; i++)
		pos += (n = batch(b, 4, (int)seg1 + 4 * i, 0, -1, 0));
	bad = seg1 + 12;
	kb_log_close(&lg);
	flip(d, seg1, pos + 70);
	/* The last checkpoint before a crash named the first segment. */
	set_recovery_point(d, "4\n");
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	/* Found at start though not in the tail; kept, never served. */
	assert_int_equal(lg.segs[1].bad_pos, pos + 1);
	assert_int_equal(lg.next, 400);
	assert_int_equal(kb_log_read(&lg, bad, 1 << 20, 1, &out),
			 KB_CORRUPT_MESSAGE);
	assert_int_equal(kb_log_read(&lg, bad - 1, 1 << 20, 1, &out), 0);
	/* The batch before it, alone: the answer ends at the damage. */
	assert_int_equal(kb_be64(out.p), bad - 4);
	assert_int_equal(out.len, n);
	assert_string_equal(read_recovery_point(d, line, sizeof(line)),
			    "400\n");
	kb_log_close(&lg);
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

/*
 * Entry slot of the first segment's offset index, for offset at (the
 * batch at pos), moved on by one batch: the entries still grow and still
 * point at a batch, but not at the one of their offset.
 */
static void
move_entry(const char *d, size_t slot, int64_t at, uint32_t pos)
{
	unsigned char e[8], h[KB_BATCH_HEADER];
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%020d.log", d, 0);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(pread(fd, h, sizeof(h), pos), (ssize_t)sizeof(h));
	close(fd);
	snprintf(path, sizeof(path), "%s/%020d.index", d, 0);
	assert_true((fd = open(path, O_RDWR)) >= 0);
	kb_st32(e, (uint32_t)at);
	kb_st32(e + 4, pos + kb_be32(h + KB_B_LENGTH) + 12);
	assert_int_equal(pwrite(fd, e, 8, (off_t)(8 * slot)), 8);
	close(fd);
}

static void
an_index_that_disagrees_is_rebuilt(void **state)
{
	char *d = unit_tmpdir(), err[256];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	struct kb_buf out = {0};
	int64_t at;
	uint32_t pos;
	size_t last;

	(void)state;
	c.segment_bytes = 20000;
	fill(&lg, d, &c, 1000);
	assert_true(lg.nsegs >= 3 && lg.segs[0].nidx >= 4);
	at = lg.segs[0].base + lg.segs[0].idx[2].rel;
	pos = lg.segs[0].idx[2].pos;
	kb_log_close(&lg);
	/* The third entry moved on by one batch. */
	move_entry(d, 2, at, pos);
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	/*
	 * A read that uses the entry finds it wrong, rebuilds the index and
	 * starts with the batch of its offset.
	 */
	assert_int_equal(kb_log_read(&lg, at, 1, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), at);
	assert_int_equal(lg.segs[0].idx[2].pos, pos);
	assert_int_equal(lg.next, 4000);
	kb_log_close(&lg);
	/* And on disk: the next start finds it right. */
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.segs[0].idx[2].pos, pos);
	last = lg.segs[0].nidx - 1;
	at = lg.segs[0].base + lg.segs[0].idx[last].rel;
	pos = lg.segs[0].idx[last].pos;
	kb_log_close(&lg);
	/* The last entry moved on likewise is caught at start. */
	move_entry(d, last, at, pos);
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.segs[0].nidx, last + 1);
	assert_int_equal(lg.segs[0].idx[last].pos, pos);
	kb_log_close(&lg);
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

static void
older_segment_damage_is_kept_not_cut(void **state)
{
	char *d = unit_tmpdir(), err[256], path[256];
	struct kb_logconf c = unit_logconf;
	struct kb_log lg;
	struct kb_buf out = {0};
	int64_t lost, seg1;
	uint32_t pos;
	off_t size0;
	int i, fd;

	(void)state;
	c.segment_bytes = 20000;
	fill(&lg, d, &c, 1000);
	assert_true(lg.nsegs >= 3);
	assert_true(lg.segs[0].nidx >= 4 && lg.segs[1].nidx >= 4);
	/* A batch in the middle of the first segment goes bad... */
	pos = lg.segs[0].idx[2].pos;
	lost = lg.segs[0].base + lg.segs[0].idx[3].rel;
	seg1 = lg.segs[1].base;
	kb_log_close(&lg);
	size0 = file_size(d, 0, "log");
	snprintf(path, sizeof(path), "%s/%020d.log", d, 0);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\x09", 1, (off_t)pos + KB_B_MAGIC), 1);
	close(fd);
	/* ... and its index is lost, so it is read through. */
	snprintf(path, sizeof(path), "%s/%020d.index", d, 0);
	assert_int_equal(unlink(path), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(
			kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
		/* Nothing acknowledged is cut; what reads is served. */
		assert_int_equal(file_size(d, 0, "log"), size0);
		assert_int_equal(lg.segs[0].size, size0);
		assert_int_equal(lg.next, 4000);
		out.len = 0;
		assert_int_equal(kb_log_read(&lg, 1, 1, 1, &out), 0);
		assert_int_equal(kb_be64(out.p), 0);
		/* The damage is an error, never a silent jump ahead. */
		out.len = 0;
		assert_int_equal(kb_log_read(&lg, lost, 1, 1, &out),
				 KB_CORRUPT_MESSAGE);
		assert_int_equal(out.len, 0);
		out.len = 0;
		assert_int_equal(kb_log_read(&lg, seg1, 1, 1, &out), 0);
		assert_int_equal(kb_be64(out.p), seg1);
		/* Found once: the index is whole again for the next start. */
		assert_true(file_size(d, 0, "index") > 0);
		kb_log_close(&lg);
	}
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

static void
batch_headers_must_agree(void **state)
{
	char *d = unit_tmpdir();
	unsigned char b[4096];
	struct kb_log lg;
	const char *why = NULL;
	int64_t base;
	size_t n;

	(void)state;
	open_log(&lg, d);
	/* recordCount must be lastOffsetDelta + 1. */
	n = batch(b, 3, 0, 1000, -1, 0);
	kb_st32(b + KB_B_COUNT, 2);
	recrc(b, n);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_INVALID_RECORD);
	kb_st32(b + KB_B_COUNT, (uint32_t)-1);
	kb_st32(b + KB_B_LASTDELTA, (uint32_t)-2);
	recrc(b, n);
	assert_int_not_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	/* More records than the bytes of an uncompressed batch can hold. */
	n = batch(b, 3, 0, 1000, -1, 0);
	kb_st32(b + KB_B_COUNT, 1000000);
	kb_st32(b + KB_B_LASTDELTA, 999999);
	recrc(b, n);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_INVALID_RECORD);
	assert_int_equal(lg.next, 0);
	assert_int_equal(kb_log_size(&lg), 0);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

/* A gzip batch claiming 2^31 - 1 records (never decompressed here). */
static size_t
huge_batch(unsigned char *b)
{
	size_t n = batch(b, 1, 0, 1000, -1, 0);

	b[KB_B_ATTRS + 1] = 1;
	kb_st32(b + KB_B_LASTDELTA, INT32_MAX - 1);
	kb_st32(b + KB_B_COUNT, INT32_MAX);
	recrc(b, n);
	return n;
}

static void
offset_ranges_fit_the_index(void **state)
{
	char *d = unit_tmpdir();
	unsigned char b[4096], two[8192];
	struct kb_log lg;
	struct kb_buf out = {0};
	const char *why;
	int64_t base, last = 0;
	size_t n, i;
	int k;

	(void)state;
	open_log(&lg, d);
	n = batch(b, 1, 0, 1000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	for (k = 0; k < 3; k++) {
		n = huge_batch(b);
		assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	}
	n = batch(b, 1, 0, 1000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	last = base;
	assert_int_equal(last, 1 + 3 * (int64_t)INT32_MAX);
	/* Every segment's offsets lie within 2^31 of its base. */
	assert_true(lg.nsegs > 1);
	for (i = 0; i < lg.nsegs; i++) {
		int64_t end = i + 1 < lg.nsegs ? lg.segs[i + 1].base : lg.next;

		assert_true(end - 1 - lg.segs[i].base <= INT32_MAX);
	}
	assert_int_equal(kb_log_read(&lg, last, 1, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), last);
	/* A set of batches that alone spans more is refused. */
	n = huge_batch(two);
	memcpy(two + n, two, n);
	assert_int_equal(kb_log_append(&lg, two, 2 * n, 0, &base, &why),
			 KB_INVALID_RECORD);
	kb_log_close(&lg);
	open_log(&lg, d);
	assert_int_equal(lg.next, last + 1);
	kb_log_close(&lg);
	kb_buf_free(&out);
	unit_tmpdir_free(d);
}

/* Put fd where *slot is, for a while: returns the one it replaced. */
static int
swap_fd(int *slot, int fd)
{
	int old = *slot;

	*slot = fd;
	return old;
}

static void
a_failed_fsync_is_not_forgotten(void **state)
{
	char *d = unit_tmpdir();
	unsigned char b[4096];
	struct kb_log lg;
	const char *why;
	int64_t base;
	size_t n;
	int p[2], fd;

	(void)state;
	assert_int_equal(pipe(p), 0);
	open_log(&lg, d);
	n = batch(b, 3, 0, 1000, 7, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	/* fdatasync fails on a pipe (EINVAL), as on a failing disk. */
	fd = swap_fd(&lg.segs[0].fd, p[0]);
	assert_int_equal(kb_log_sync(&lg), -1);
	swap_fd(&lg.segs[0].fd, fd);
	/*
	 * The data may never have reached the disk, and a second fsync
	 * proves nothing (Linux may have dropped the pages): the failure
	 * stays, and a producer's retry is not acknowledged.
	 */
	assert_int_equal(kb_log_sync(&lg), -1);
	assert_int_equal(lg.dirty, 1);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_KAFKA_STORAGE_ERROR);
	kb_log_close(&lg);
	close(p[0]);
	close(p[1]);
	unit_tmpdir_free(d);
}

/* The syncer's jobs, handed over and waited for as the tick does. */
static int
sync_on_thread(struct kb_syncer *s, struct kb_log *lg)
{
	int rc;

	if (kb_log_sync_later(s, lg, 1))
		return -1;
	kb_syncer_kick(s);
	while ((rc = kb_syncer_collect(s)) == 1)
		usleep(1000);
	return rc;
}

static void
the_syncer_syncs_on_its_thread_and_a_failure_sticks(void **state)
{
	char *d = unit_tmpdir(), path[4200], line[64] = "";
	unsigned char b[4096];
	struct kb_syncer s;
	struct kb_log lg;
	const char *why;
	int64_t base;
	size_t n;
	int p[2], fd;
	FILE *f;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(kb_syncer_start(&s), 0);
	open_log(&lg, d);
	n = batch(b, 3, 0, 1000, 7, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	/* Synced, and the recovery point written, by the thread. */
	assert_int_equal(sync_on_thread(&s, &lg), 0);
	assert_int_equal(lg.dirty, 0);
	assert_int_equal(lg.recovery, 3);
	assert_int_equal(lg.saved, 3);
	snprintf(path, sizeof(path), "%s/recovery-point", d);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "3\n");
	/* Its fdatasync fails (a pipe's, EINVAL): the log takes no more. */
	n = batch(b, 3, 3, 1003, 7, 3);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 3);
	fd = swap_fd(&lg.segs[0].fd, p[0]);
	assert_int_equal(sync_on_thread(&s, &lg), -1);
	swap_fd(&lg.segs[0].fd, fd);
	assert_int_equal(lg.recovery, 3);
	assert_int_equal(kb_log_sync(&lg), -1);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_KAFKA_STORAGE_ERROR);
	kb_log_close(&lg);
	kb_syncer_stop(&s);
	close(p[0]);
	close(p[1]);
	unit_tmpdir_free(d);
}

/*
 * --fsync always's group commit: logs marked due (however often) are
 * synced once each at the end of the turn; one that moves or closes
 * before is synced then, and a failure then is still reported at the end.
 */
static void
due_logs_are_synced_once_at_the_end_of_the_turn(void **state)
{
	char *d = unit_tmpdir(), err[256], sub[4200];
	unsigned char b[4096];
	struct kb_syncer s;
	struct kb_log lg[2];
	const char *why;
	int64_t base;
	size_t n;
	int i, p[2], fd;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(kb_syncer_start(&s), 0);
	for (i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "%s/t-%d", d, i);
		assert_int_equal(kb_log_open(&lg[i], sub, "t", &unit_logconf,
					     err, sizeof(err)),
				 0);
		n = batch(b, 3, 0, 1000, 7, 0);
		assert_int_equal(kb_log_append(&lg[i], b, n, 0, &base, &why),
				 0);
		kb_log_sync_due(&s, &lg[i]);
		kb_log_sync_due(&s, &lg[i]);
	}
	assert_int_equal(s.ndue, 2);
	/* Not synced until the end of the turn... */
	assert_int_equal(lg[0].dirty, 1);
	assert_int_equal(lg[1].dirty, 1);
	/* ...unless the log is about to move: then at once. */
	kb_log_settle(&lg[0]);
	assert_int_equal(lg[0].dirty, 0);
	assert_int_equal(lg[0].recovery, 3);
	assert_int_equal(s.ndue, 1);
	assert_int_equal(kb_syncer_due(&s), 1);
	assert_int_equal(kb_syncer_sync_due(&s), 0);
	assert_int_equal(lg[1].dirty, 0);
	assert_int_equal(lg[1].recovery, 3);
	assert_int_equal(kb_syncer_due(&s), 0);
	/* A Fetch about to read a due log syncs it: none is served unsynced. */
	n = batch(b, 3, 3, 1003, 7, 3);
	assert_int_equal(kb_log_append(&lg[1], b, n, 0, &base, &why), 0);
	kb_log_sync_due(&s, &lg[1]);
	assert_int_equal(lg[1].dirty, 1);
	assert_int_equal(kb_log_sync_early(&lg[1]), 0);
	assert_int_equal(lg[1].dirty, 0);
	assert_int_equal(lg[1].recovery, 6);
	assert_int_equal(kb_syncer_due(&s), 0);
	assert_int_equal(kb_log_sync_early(&lg[1]), 0);
	/* A failure when settled early is the turn's failure. */
	n = batch(b, 3, 3, 1003, 7, 3);
	assert_int_equal(kb_log_append(&lg[0], b, n, 0, &base, &why), 0);
	kb_log_sync_due(&s, &lg[0]);
	fd = swap_fd(&lg[0].segs[0].fd, p[0]);
	kb_log_settle(&lg[0]);
	swap_fd(&lg[0].segs[0].fd, fd);
	assert_int_equal(kb_syncer_due(&s), 1);
	assert_int_equal(kb_syncer_sync_due(&s), -1);
	assert_int_equal(kb_syncer_sync_due(&s), 0);
	assert_int_equal(kb_log_append(&lg[0], b, n, 0, &base, &why),
			 KB_KAFKA_STORAGE_ERROR);
	for (i = 0; i < 2; i++)
		kb_log_close(&lg[i]);
	kb_syncer_stop(&s);
	close(p[0]);
	close(p[1]);
	unit_tmpdir_free(d);
}

static void
a_failed_offsets_fsync_is_not_forgotten(void **state)
{
	char *d = unit_tmpdir(), err[256];
	struct kb_offsets o;
	int p[2], fd;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 0, 5, NULL), 0);
	fd = swap_fd(&o.fd, p[0]);
	assert_int_equal(kb_offsets_sync(&o), -1);
	swap_fd(&o.fd, fd);
	assert_int_equal(kb_offsets_sync(&o), -1);
	assert_int_not_equal(kb_offsets_commit(&o, "g", "t", 0, 6, NULL), 0);
	kb_offsets_close(&o);
	close(p[0]);
	close(p[1]);
	unit_tmpdir_free(d);
}

/* The names in d that start with prefix. */
static int
count_files(const char *d, const char *prefix)
{
	DIR *dir = opendir(d);
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(dir);
	return n;
}

static void
a_corrupt_commit_costs_only_itself(void **state)
{
	char *d = unit_tmpdir(), err[256], path[256];
	struct kb_offsets o;
	const struct kb_committed *c;
	struct kb_goffsets *g;
	struct stat st;
	off_t one;
	int fd;

	(void)state;
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 0, 5, NULL), 0);
	snprintf(path, sizeof(path), "%s/group-offsets", d);
	assert_int_equal(stat(path, &st), 0);
	one = st.st_size;
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 1, 6, NULL), 0);
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 2, 7, NULL), 0);
	kb_offsets_close(&o);
	/* A flipped byte in the body of the second record. */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "X", 1, one + 12), 1);
	close(fd);
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	g = kb_offsets_group(&o, "g");
	c = kb_offsets_get(g, "t", 0);
	assert_non_null(c);
	assert_int_equal(c->offset, 5);
	assert_null(kb_offsets_get(g, "t", 1));
	c = kb_offsets_get(g, "t", 2);
	assert_non_null(c);
	assert_int_equal(c->offset, 7);
	/* The damaged file is kept beside the compacted one. */
	assert_int_equal(count_files(d, "group-offsets.corrupt-"), 1);
	assert_int_equal(kb_offsets_commit(&o, "g", "t", 1, 8, NULL), 0);
	kb_offsets_close(&o);
	/* A length nobody can step over: reading stops, the rest is kept. */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "\x7f", 1, one), 1);
	close(fd);
	/* (The copy's name is the time to the second: make room.) */
	snprintf(path, sizeof(path), "rm %s/group-offsets.corrupt-*", d);
	assert_int_equal(system(path), 0);
	assert_int_equal(kb_offsets_open(&o, d, err, sizeof(err)), 0);
	assert_non_null(kb_offsets_get(kb_offsets_group(&o, "g"), "t", 0));
	assert_int_equal(count_files(d, "group-offsets.corrupt-"), 1);
	kb_offsets_close(&o);
	unit_tmpdir_free(d);
}

static void
topics_on_disk(void **state)
{
	char *d = unit_tmpdir(), err[256], why[256];
	struct kb_topics ts;
	struct kb_topic *t;
	struct kb_cfgval cfg[] = {{"retention.ms", "60000"}};
	struct kb_cfgval bad[] = {{"cleanup.policy", "shred"}};

	(void)state;
	assert_int_equal(
		kb_topics_open(&ts, d, &unit_logconf, err, sizeof(err)), 0);
	assert_int_equal(kb_topics_create(&ts, "a.b-c_d", 3, cfg, 1, 0, &t, why,
					  sizeof(why)),
			 0);
	assert_int_equal(kb_topics_create(&ts, "a.b-c_d", 3, NULL, 0, 0, NULL,
					  why, sizeof(why)),
			 KB_TOPIC_ALREADY_EXISTS);
	assert_int_equal(kb_topics_create(&ts, "bad name", 1, NULL, 0, 0, NULL,
					  why, sizeof(why)),
			 KB_INVALID_TOPIC_EXCEPTION);
	assert_int_equal(kb_topics_create(&ts, "x", 1, bad, 1, 0, NULL, why,
					  sizeof(why)),
			 KB_INVALID_CONFIG);
	assert_int_equal(kb_topics_create(&ts, "gone", 2, NULL, 0, 0, &t, why,
					  sizeof(why)),
			 0);
	assert_int_equal(kb_topics_delete(&ts, t), 0);
	t = kb_topics_find(&ts, "a.b-c_d", 7);
	assert_int_equal(kb_topics_grow(&ts, t, 5, 0, why, sizeof(why)), 0);
	assert_int_equal(kb_topics_grow(&ts, t, 2, 0, why, sizeof(why)),
			 KB_INVALID_PARTITIONS);
	kb_topics_close(&ts);
	assert_int_equal(
		kb_topics_open(&ts, d, &unit_logconf, err, sizeof(err)), 0);
	assert_int_equal(ts.n, 1);
	t = kb_topics_find(&ts, "a.b-c_d", 7);
	assert_non_null(t);
	assert_int_equal(t->nparts, 5);
	assert_int_equal(t->conf.retention_ms, 60000);
	assert_true(t->set & (1u << KB_CFG_RETENTION_MS));
	assert_null(kb_topics_find(&ts, "gone", 4));
	kb_topics_close(&ts);
	unit_tmpdir_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32c_vector),
		cmocka_unit_test(append_and_read),
		cmocka_unit_test(bad_batches_are_refused),
		cmocka_unit_test(recovery_cuts_a_torn_tail),
		cmocka_unit_test(segments_and_retention),
		cmocka_unit_test(offsets_by_time),
		cmocka_unit_test(deleted_records_stay_deleted),
		cmocka_unit_test(idempotent_producers),
		cmocka_unit_test(committed_offsets_survive),
		cmocka_unit_test(commits_past_the_log_end_move_to_it),
		cmocka_unit_test(batches_over_a_mebibyte_survive_a_restart),
		cmocka_unit_test(lost_indexes_are_rebuilt_without_a_cut),
		cmocka_unit_test(older_segment_damage_is_kept_not_cut),
		cmocka_unit_test(the_recovery_point_bounds_the_check),
		cmocka_unit_test(an_index_that_disagrees_is_rebuilt),
		cmocka_unit_test(every_segment_past_the_point_is_checked),
		cmocka_unit_test(batch_headers_must_agree),
		cmocka_unit_test(offset_ranges_fit_the_index),
		cmocka_unit_test(a_failed_fsync_is_not_forgotten),
		cmocka_unit_test(
			the_syncer_syncs_on_its_thread_and_a_failure_sticks),
		cmocka_unit_test(
			due_logs_are_synced_once_at_the_end_of_the_turn),
		cmocka_unit_test(a_failed_offsets_fsync_is_not_forgotten),
		cmocka_unit_test(a_corrupt_commit_costs_only_itself),
		cmocka_unit_test(topics_on_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
