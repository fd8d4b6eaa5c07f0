#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "cleaner.h"
#include "compress.h"
#include "datadir.h"
#include "die.h"
#include "errors.h"

static void settle(struct kb_log *lg);

/* --- CRC-32C -------------------------------------------------------------- */

static uint32_t crc_table[8][256];

static void
crc_init(void)
{
	uint32_t c;
	int i, j;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc_table[j][i] =
				(crc_table[j - 1][i] >> 8) ^
				crc_table[0][crc_table[j - 1][i] & 0xff];
}

static uint32_t
crc_soft(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n >= 8) {
		uint32_t a =
			crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);

		crc = crc_table[7][a & 0xff] ^ crc_table[6][(a >> 8) & 0xff] ^
		      crc_table[5][(a >> 16) & 0xff] ^ crc_table[4][a >> 24] ^
		      crc_table[3][p[4]] ^ crc_table[2][p[5]] ^
		      crc_table[1][p[6]] ^ crc_table[0][p[7]];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The SSE 4.2 instruction: the broker's CRC check runs at memory speed. */
__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t crc, const unsigned char *p, size_t n)
{
	uint64_t c = crc;

	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		n -= 8;
	}
	crc = (uint32_t)c;
	while (n--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

uint32_t
kb_crc32c(uint32_t crc, const void *p, size_t n)
{
	static int mode; /* 0 unknown, 1 software, 2 hardware */

	if (!mode) {
		crc_init();
		mode = 1;
#if defined(__x86_64__) && defined(__GNUC__)
		if (__builtin_cpu_supports("sse4.2"))
			mode = 2;
#endif
	}
	crc = ~crc;
#if defined(__x86_64__) && defined(__GNUC__)
	if (mode == 2)
		return ~crc_hw(crc, p, n);
#endif
	return ~crc_soft(crc, p, n);
}

/* --- batches ---------------------------------------------------------------
 */

void
kb_bhdr(const unsigned char *p, struct kb_bhdr *h)
{
	h->base = (int64_t)kb_be64(p);
	h->size = (size_t)(uint32_t)kb_be32(p + KB_B_LENGTH) + 12;
	h->attrs = (int16_t)(p[KB_B_ATTRS] << 8 | p[KB_B_ATTRS + 1]);
	h->last_delta = (int32_t)kb_be32(p + KB_B_LASTDELTA);
	h->base_ts = (int64_t)kb_be64(p + KB_B_BASETS);
	h->max_ts = (int64_t)kb_be64(p + KB_B_MAXTS);
	h->pid = (int64_t)kb_be64(p + KB_B_PID);
	h->pepoch = (int16_t)(p[KB_B_PEPOCH] << 8 | p[KB_B_PEPOCH + 1]);
	h->base_seq = (int32_t)kb_be32(p + KB_B_BASESEQ);
	/* Sequences wrap at 2^31 (Kafka's DefaultRecordBatch). */
	h->last_seq = (int32_t)(((int64_t)h->base_seq + h->last_delta) %
				((int64_t)INT32_MAX + 1));
	h->count = (int32_t)kb_be32(p + KB_B_COUNT);
}

/*
 * The offsets a batch takes come from its header: the count must agree
 * with lastOffsetDelta (as Kafka's LogValidator insists), or a producer
 * could make the log's offsets jump past records that are not there.
 * Records are not decompressed, so only an uncompressed batch can be
 * held to its size: a record takes at least 7 bytes. A stored batch may
 * hold fewer records than its offsets (stored set): compaction removed
 * some, and kept lastOffsetDelta.
 */
static int
batch_check_counts(const unsigned char *p, size_t total, const char **why,
		   int stored)
{
	int32_t delta = (int32_t)kb_be32(p + KB_B_LASTDELTA);
	int32_t count = (int32_t)kb_be32(p + KB_B_COUNT);

	if (delta < 0) {
		*why = "negative lastOffsetDelta";
		return KB_CORRUPT_MESSAGE;
	}
	if (stored ? count < 0 || count > delta + 1
		   : (int64_t)count != (int64_t)delta + 1) {
		*why = "record count is not lastOffsetDelta + 1";
		return KB_INVALID_RECORD;
	}
	if (!(p[KB_B_ATTRS + 1] & 0x07) &&
	    (uint64_t)count * 7 > total - KB_BATCH_HEADER) {
		*why = "more records than the batch has bytes for";
		return KB_INVALID_RECORD;
	}
	return 0;
}

static int
batch_check(const unsigned char *p, size_t n, size_t *size, const char **why,
	    int stored)
{
	int32_t len;
	size_t total;

	if (n < KB_BATCH_HEADER) {
		*why = "short record batch header";
		return KB_CORRUPT_MESSAGE;
	}
	len = (int32_t)kb_be32(p + KB_B_LENGTH);
	if (len < KB_BATCH_HEADER - 12) {
		*why = "record batch length too small";
		return KB_CORRUPT_MESSAGE;
	}
	total = (size_t)len + 12;
	if (total > n) {
		*why = "record batch longer than its data";
		return KB_CORRUPT_MESSAGE;
	}
	if (p[KB_B_MAGIC] != 2) {
		*why = "record batch is not magic 2 (message format v2)";
		return KB_UNSUPPORTED_FOR_MESSAGE_FORMAT;
	}
	if (kb_crc32c(0, p + KB_B_ATTRS, total - KB_B_ATTRS) !=
	    kb_be32(p + KB_B_CRC)) {
		*why = "record batch CRC-32C mismatch";
		return KB_CORRUPT_MESSAGE;
	}
	*size = total;
	return batch_check_counts(p, total, why, stored);
}

int
kb_batch_check(const unsigned char *p, size_t n, size_t *size, const char **why)
{
	return batch_check(p, n, size, why, 0);
}

/* --- segments --------------------------------------------------------------
 */

static void
seg_path(const struct kb_log *lg, int64_t base, const char *ext, char *path,
	 size_t size)
{
	snprintf(path, size, "%s/%020" PRId64 ".%s", lg->dir, base, ext);
}

static void
idx_push(struct kb_seg *s, uint32_t rel, uint32_t pos)
{
	if (s->nidx == s->cidx) {
		s->cidx = s->cidx ? s->cidx * 2 : 64;
		s->idx = kq_erealloc(s->idx, s->cidx * sizeof(*s->idx));
	}
	s->idx[s->nidx++] = (struct kb_idx){rel, pos};
}

static void
tidx_push(struct kb_seg *s, int64_t ts, uint32_t rel)
{
	if (s->ntidx == s->ctidx) {
		s->ctidx = s->ctidx ? s->ctidx * 2 : 64;
		s->tidx = kq_erealloc(s->tidx, s->ctidx * sizeof(*s->tidx));
	}
	s->tidx[s->ntidx++] = (struct kb_tidx){ts, rel};
}

/* Entries as they lie in the index files: big-endian. */
static void
idx_write(struct kb_seg *s, uint32_t rel, uint32_t pos)
{
	unsigned char e[8];

	kb_st32(e, rel);
	kb_st32(e + 4, pos);
	/* An index lost is rebuilt on recovery: no error to report. */
	if (write(s->ifd, e, 8) != 8)
		return;
}

static void
tidx_write(struct kb_seg *s, int64_t ts, uint32_t rel)
{
	unsigned char e[12];

	kb_st64(e, (uint64_t)ts);
	kb_st32(e + 8, rel);
	if (write(s->tfd, e, 12) != 12)
		return;
}

/*
 * Note one stored batch in the segment's indexes: an offset entry every
 * KB_INDEX_INTERVAL bytes, a time entry when the newest timestamp grows
 * (at the same spacing).
 */
static void
seg_note(struct kb_seg *s, int64_t base, uint64_t pos, int64_t maxts,
	 int write_files)
{
	uint32_t rel = (uint32_t)(base - s->base);

	if (s->nidx == 0 || pos - s->idx_pos >= KB_INDEX_INTERVAL) {
		idx_push(s, rel, (uint32_t)pos);
		if (write_files)
			idx_write(s, rel, (uint32_t)pos);
		s->idx_pos = pos;
	}
	if (maxts > s->max_ts) {
		if (s->ntidx == 0 || pos - s->tidx_pos >= KB_INDEX_INTERVAL) {
			tidx_push(s, maxts, rel);
			if (write_files)
				tidx_write(s, maxts, rel);
			s->tidx_pos = pos;
		}
		s->max_ts = maxts;
	}
}

void
kb_seg_note(struct kb_seg *s, int64_t base, uint64_t pos, int64_t maxts)
{
	seg_note(s, base, pos, maxts, 0);
}

/* The last timestamp entry, so that a closed segment's age is known. */
void
kb_seg_close_index(struct kb_seg *s, int64_t end)
{
	if (s->max_ts >= 0 &&
	    (s->ntidx == 0 || s->tidx[s->ntidx - 1].ts < s->max_ts))
		tidx_push(s, s->max_ts, (uint32_t)(end - 1 - s->base));
}

/* The index files := the entries in memory. */
static int
seg_write_indexes(struct kb_seg *s)
{
	size_t i;

	if (ftruncate(s->ifd, 0) || ftruncate(s->tfd, 0))
		return -1;
	for (i = 0; i < s->nidx; i++)
		idx_write(s, s->idx[i].rel, s->idx[i].pos);
	for (i = 0; i < s->ntidx; i++)
		tidx_write(s, s->tidx[i].ts, s->tidx[i].rel);
	return 0;
}

static void
seg_close(struct kb_seg *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->ifd >= 0)
		close(s->ifd);
	if (s->tfd >= 0)
		close(s->tfd);
	free(s->idx);
	free(s->tidx);
	memset(s, 0, sizeof(*s));
	s->fd = s->ifd = s->tfd = -1;
}

static int
seg_open(struct kb_log *lg, struct kb_seg *s, int64_t base, int create)
{
	char path[4096];
	int fl = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->base = base;
	s->max_ts = -1;
	s->ifd = s->tfd = -1;
	seg_path(lg, base, "log", path, sizeof(path));
	if ((s->fd = open(path, fl, 0644)) < 0)
		return -1;
	if (fstat(s->fd, &st)) {
		close(s->fd);
		return -1;
	}
	s->size = (uint64_t)st.st_size;
	s->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 +
		      st.st_mtim.tv_nsec / 1000000;
	seg_path(lg, base, "index", path, sizeof(path));
	s->ifd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_APPEND, 0644);
	seg_path(lg, base, "timeindex", path, sizeof(path));
	s->tfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_APPEND, 0644);
	if (s->ifd < 0 || s->tfd < 0) {
		seg_close(s);
		return -1;
	}
	return 0;
}

static void
seg_unlink(struct kb_log *lg, int64_t base)
{
	static const char *ext[] = {"log", "index", "timeindex"};
	char path[4096];
	int i;

	for (i = 0; i < 3; i++) {
		seg_path(lg, base, ext[i], path, sizeof(path));
		unlink(path);
	}
}

int
kb_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
kb_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* And the directory that holds path. */
static int
sync_parent(const char *path)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if (!(slash = strrchr(dir, '/')))
		return kb_sync_dir(".");
	*slash = 0;
	return kb_sync_dir(slash == dir ? "/" : dir);
}

/*
 * Does the batch at pos begin with offset? The index check: an entry
 * that still grows but points at the wrong batch would make a read
 * start past the offset asked for, skipping records without a word.
 */
static int
batch_at(const struct kb_seg *s, uint32_t pos, int64_t offset)
{
	unsigned char h[KB_BATCH_HEADER];

	if ((uint64_t)pos + KB_BATCH_HEADER > s->size ||
	    pread(s->fd, h, sizeof(h), pos) != (ssize_t)sizeof(h))
		return 0;
	return (int64_t)kb_be64(h) == offset && h[KB_B_MAGIC] == 2 &&
	       (uint64_t)pos + (int32_t)kb_be32(h + KB_B_LENGTH) + 12 <=
		       s->size;
}

/*
 * Load and check the index files of a segment that is not the tail, whose
 * offsets end before end: 0; -1 when they are missing or empty; -2 with
 * why when they disagree with the segment. Every offset entry must grow
 * and lie in the segment, and time entries grow within its range. The
 * first and the last entry must point at a batch that starts with their
 * offset; the others are held to it when a read uses them (see
 * kb_log_read), since a header read per entry at start is a read of the
 * whole data directory, a page in every 4 KiB.
 */
static int
seg_load_indexes(struct kb_seg *s, int64_t end, const char **why)
{
	struct stat ist, tst;
	unsigned char *buf;
	size_t i, n;

	if (fstat(s->ifd, &ist) || fstat(s->tfd, &tst) ||
	    (ist.st_size == 0 && s->size > 0))
		return -1;
	*why = "its size is not whole entries";
	if (ist.st_size % 8 || tst.st_size % 12)
		return -2;
	n = (size_t)(ist.st_size > tst.st_size ? ist.st_size : tst.st_size);
	buf = kq_emalloc(n ? n : 1);
	*why = "it does not read";
	if (pread(s->ifd, buf, (size_t)ist.st_size, 0) != ist.st_size)
		goto bad;
	for (i = 0; i < (size_t)ist.st_size / 8; i++) {
		uint32_t rel = kb_be32(buf + 8 * i),
			 pos = kb_be32(buf + 8 * i + 4);

		*why = "its entries do not grow within the segment";
		if (pos >= s->size || s->base + rel >= end ||
		    (s->nidx && (rel <= s->idx[s->nidx - 1].rel ||
				 pos <= s->idx[s->nidx - 1].pos)))
			goto bad;
		idx_push(s, rel, pos);
		s->idx_pos = pos;
	}
	*why = "an entry does not point at the batch of its offset";
	if (s->nidx && (!batch_at(s, s->idx[0].pos, s->base + s->idx[0].rel) ||
			!batch_at(s, s->idx[s->nidx - 1].pos,
				  s->base + s->idx[s->nidx - 1].rel)))
		goto bad;
	*why = "the time index does not read";
	if (pread(s->tfd, buf, (size_t)tst.st_size, 0) != tst.st_size)
		goto bad;
	for (i = 0; i < (size_t)tst.st_size / 12; i++) {
		int64_t ts = (int64_t)kb_be64(buf + 12 * i);
		uint32_t rel = kb_be32(buf + 12 * i + 8);

		*why = "the time index entries do not grow within the segment";
		if (s->base + rel >= end ||
		    (s->ntidx && (ts <= s->tidx[s->ntidx - 1].ts ||
				  rel < s->tidx[s->ntidx - 1].rel)))
			goto bad;
		tidx_push(s, ts, rel);
		s->max_ts = ts;
	}
	free(buf);
	return 0;
bad:
	free(buf);
	s->nidx = s->ntidx = 0;
	s->max_ts = -1;
	return -2;
}

void
kb_segscan_init(struct kb_segscan *sc, int fd, uint64_t size)
{
	memset(sc, 0, sizeof(*sc));
	sc->fd = fd;
	sc->size = size;
	sc->cap = 1 << 20;
	sc->buf = kq_emalloc(sc->cap);
}

void
kb_segscan_free(struct kb_segscan *sc)
{
	free(sc->buf);
	sc->buf = NULL;
}

/*
 * Have at least need bytes from pos (the position of buf + off) in the
 * buffer, read in large blocks; fewer only at the end of the file.
 */
static int
scan_fill(struct kb_segscan *sc, size_t need)
{
	ssize_t r;

	if (sc->have - sc->off >= need)
		return 0;
	memmove(sc->buf, sc->buf + sc->off, sc->have - sc->off);
	sc->have -= sc->off;
	sc->off = 0;
	if (need > sc->cap) {
		sc->cap = need;
		sc->buf = kq_erealloc(sc->buf, sc->cap);
	}
	while (sc->have < need) {
		r = pread(sc->fd, sc->buf + sc->have, sc->cap - sc->have,
			  (off_t)(sc->pos + sc->have));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		sc->have += (size_t)r;
	}
	return 0;
}

/*
 * The size comes from the batch's own length field, so a batch of any
 * size is read whole, and a length past the end of the segment is a torn
 * write, not a reason to allocate.
 */
int
kb_segscan_next(struct kb_segscan *sc, const unsigned char **b, size_t *size,
		const char **why)
{
	int32_t len;

	sc->pos += sc->last;
	sc->off += sc->last;
	sc->last = 0;
	if (sc->pos >= sc->size)
		return 1;
	if (scan_fill(sc, KB_BATCH_HEADER))
		return -2;
	if (sc->have - sc->off < KB_BATCH_HEADER) {
		*why = "torn record batch at the end";
		return -1;
	}
	len = (int32_t)kb_be32(sc->buf + sc->off + KB_B_LENGTH);
	if (len < KB_BATCH_HEADER - 12) {
		*why = "record batch length too small";
		return -1;
	}
	*size = (size_t)len + 12;
	if (*size > sc->size - sc->pos) {
		*why = "torn record batch at the end";
		return -1;
	}
	if (scan_fill(sc, *size))
		return -2;
	if (sc->have - sc->off < *size) {
		*why = "torn record batch at the end";
		return -1;
	}
	sc->last = *size;
	*b = sc->buf + sc->off;
	return 0;
}

/*
 * A batch before the recovery point, its CRC not checked: it was synced,
 * and a read checks the CRC of what it serves.
 */
static int
scan_check(const unsigned char *b, size_t size, const char **why, int stored)
{
	if (b[KB_B_MAGIC] != 2) {
		*why = "record batch is not magic 2";
		return -1;
	}
	return batch_check_counts(b, size, why, stored);
}

/* Damage in an older segment: said once, however often it is reached. */
static void
seg_bad(const struct kb_log *lg, struct kb_seg *s, uint64_t pos, int64_t offset,
	const char *why)
{
	if (s->bad_pos == pos + 1)
		return;
	s->bad_pos = pos + 1;
	kq_warn("%s: %020" PRId64 ".log: bad data at position %" PRIu64
		" (offset %" PRId64 "): %s; kept, and reads of it fail",
		lg->name, s->base, pos, offset, why);
}

/*
 * Read a segment through from the start: check each batch (its CRC too
 * from offset crc_from on), rebuild the indexes, learn the producers'
 * sequences (when learn: not once the broker runs, as that would take
 * them back) and the next offset. Bad data in the tail cuts it there, as
 * a crash leaves a torn write (never acknowledged under --fsync always).
 * An older segment was synced whole when it rolled, so bad data there is
 * damage from outside: nothing is cut (an operator may still rescue it),
 * it is reported, and reads that reach it fail. Its index files are
 * written for what reads, so that the next start trusts them and does
 * not report it again. 0, or -1 with a message in err.
 */
static int
seg_scan(struct kb_log *lg, struct kb_seg *s, int tail, int64_t crc_from,
	 int learn, int64_t *next, char *err, size_t errsize)
{
	struct kb_segscan sc;
	const unsigned char *b;
	uint64_t pos;
	int64_t expect = s->base;
	const char *why = NULL, *op = "read";
	struct kb_bhdr h;
	size_t size;
	int rc;

	s->nidx = s->ntidx = 0;
	s->max_ts = -1;
	s->idx_pos = s->tidx_pos = 0;
	kb_segscan_init(&sc, s->fd, s->size);
	while ((rc = kb_segscan_next(&sc, &b, &size, &why)) == 0) {
		int64_t base = (int64_t)kb_be64(b);

		/* A compacted segment has gaps; the tail never. */
		if (tail ? base != expect : base < expect) {
			why = "offsets out of sequence";
			break;
		}
		if (base >= crc_from
			    ? batch_check(b, size, &size, &why, !tail) != 0
			    : scan_check(b, size, &why, !tail) != 0)
			break;
		kb_bhdr(b, &h);
		seg_note(s, base, sc.pos, h.max_ts, 0);
		/* A transaction marker has no sequence number. */
		if (learn && h.pid >= 0 && !(h.attrs & 0x20))
			kb_pstates_record(&lg->prod, h.pid, h.pepoch,
					  h.base_seq, h.last_seq, base);
		expect = base + h.last_delta + 1;
	}
	/* Where the read stopped: the end, or the batch found bad. */
	pos = sc.pos;
	kb_segscan_free(&sc);
	*next = expect;
	if (rc == -2)
		goto fail;
	if (pos < s->size && !tail)
		seg_bad(lg, s, pos, expect, why ? why : "bad data");
	if (pos < s->size && tail) {
		kq_warn("%s: %020" PRId64 ".log: cut %" PRIu64
			" bytes at position %" PRIu64 ": %s",
			lg->name, s->base, s->size - pos, pos,
			why ? why : "bad data");
		op = "cut";
		if (ftruncate(s->fd, (off_t)pos) || fsync(s->fd))
			goto fail;
		s->size = pos;
	}
	op = "rewrite the indexes";
	/* The last time entry, so that the segment's age is known. */
	if (!tail)
		kb_seg_close_index(s, expect);
	if (seg_write_indexes(s))
		goto fail;
	return 0;
fail:
	snprintf(err, errsize, "%s/%020" PRId64 ".log: %s: %s", lg->dir,
		 s->base, op, strerror(errno));
	return -1;
}

/* --- the recovery point ------------------------------------------------- */

/*
 * DIR/recovery-point holds one line: the offset, and "clean" when the
 * broker stopped cleanly (Kafka's clean-shutdown marker, per partition;
 * for the operator: a clean close puts the point at the log end, which
 * is what spares the next start any check). Missing or unreadable, it is
 * 0 and *found is 0: everything is checked.
 */
static int64_t
rp_load(const struct kb_log *lg, int *found)
{
	int64_t v = kb_line_offset(lg->dir, "recovery-point");

	*found = v >= 0;
	return v >= 0 ? v : 0;
}

int
kb_line_write(const char *dir, const char *file, const char *line)
{
	char path[4200], tmp[4300];
	size_t n = strlen(line);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, line, n) != (ssize_t)n || fdatasync(fd)) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) || rename(tmp, path) || kb_sync_dir(dir))
		return -1;
	return 0;
}

int64_t
kb_line_offset(const char *dir, const char *file)
{
	char path[4200], line[64];
	long long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	line[n > 0 ? n : 0] = 0;
	if (sscanf(line, "%lld", &v) < 1 || v < 0)
		return -1;
	return v;
}

/*
 * DIR/recovery-point := v; the syncer's thread calls it too. A point
 * lost to a crash is an older one: only a longer check.
 */
static int
rp_write(const char *dir, int64_t v, int clean)
{
	char line[64];

	snprintf(line, sizeof(line), "%" PRId64 "%s\n", v,
		 clean ? " clean" : "");
	return kb_line_write(dir, "recovery-point", line);
}

static int
rp_save(struct kb_log *lg, int clean)
{
	if (rp_write(lg->dir, lg->recovery, clean))
		return -1;
	lg->saved = lg->recovery;
	return 0;
}

int
kb_log_checkpoint(struct kb_log *lg)
{
	if (lg->recovery == lg->saved)
		return 0;
	return rp_save(lg, 0);
}

/* --- the log start offset ---------------------------------------------- */

/*
 * DIR/log-start-offset holds the start DeleteRecords moved the log to
 * (Kafka's log-start-offset-checkpoint, per partition). Missing, the
 * start is the first segment's base; it is written only by DeleteRecords,
 * since retention moves the start to a segment's base, which the files
 * tell by themselves.
 */
static int64_t
ls_load(const struct kb_log *lg)
{
	int64_t v = kb_line_offset(lg->dir, "log-start-offset");

	return v >= 0 ? v : 0;
}

int
kb_log_delete_records(struct kb_log *lg, int64_t offset, int64_t *low)
{
	char line[32];

	*low = lg->start;
	if (offset == -1)
		offset = lg->next;
	if (offset < 0 || offset > lg->next)
		return KB_OFFSET_OUT_OF_RANGE;
	if (offset <= lg->start)
		return 0;
	/*
	 * On disk before the answer: a client told the records are gone
	 * must not see them again after a crash.
	 */
	snprintf(line, sizeof(line), "%" PRId64 "\n", offset);
	if (kb_line_write(lg->dir, "log-start-offset", line))
		return KB_KAFKA_STORAGE_ERROR;
	lg->start = offset;
	*low = offset;
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
kb_mkdir_p(const char *dir)
{
	char path[4096], *p;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(path, 0755) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	if (mkdir(path, 0755) == 0)
		return 1;
	return errno == EEXIST ? 0 : -1;
}

int
kb_log_open(struct kb_log *lg, const char *dir, const char *name,
	    const struct kb_logconf *conf, char *err, size_t errsize)
{
	DIR *d;
	struct dirent *e;
	int64_t *bases = NULL, rp;
	size_t n = 0, cap = 0, i;
	int made, found;

	memset(lg, 0, sizeof(*lg));
	lg->dir = kq_estrdup(dir);
	lg->name = kq_estrdup(name);
	lg->conf = *conf;
	if ((made = kb_mkdir_p(dir)) < 0 || !(d = opendir(dir))) {
		snprintf(err, errsize, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *end;
		long long b;

		/* A copy the cleaner did not put in place: the old one holds.
		 */
		if (len == 32 && !strcmp(e->d_name + 20, ".log.cleaned") &&
		    kb_datadir_part_file(e->d_name)) {
			unlinkat(dirfd(d), e->d_name, 0);
			continue;
		}
		if (len != 24 || strcmp(e->d_name + 20, ".log"))
			continue;
		b = strtoll(e->d_name, &end, 10);
		if (end != e->d_name + 20 || b < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			bases = kq_erealloc(bases, cap * sizeof(*bases));
		}
		bases[n++] = b;
	}
	closedir(d);
	if (n > 1)
		qsort(bases, n, sizeof(*bases), cmp_i64);
	if (n == 0) {
		bases = kq_erealloc(bases, sizeof(*bases));
		bases[n++] = 0;
		made = 1;
	}
	rp = rp_load(lg, &found);
	lg->segs = kq_ecalloc(n, sizeof(*lg->segs));
	for (i = 0; i < n; i++) {
		struct kb_seg *s = &lg->segs[i];
		const char *why;
		int rc;

		if (seg_open(lg, s, bases[i], 0) &&
		    (errno != ENOENT || seg_open(lg, s, bases[i], 1))) {
			snprintf(err, errsize, "%s/%020" PRId64 ".log: %s", dir,
				 bases[i], strerror(errno));
			lg->nsegs = i;
			goto fail;
		}
		lg->nsegs = i + 1;
		/* Wholly below the recovery point: its indexes, checked. */
		if (i + 1 < n && bases[i + 1] <= rp) {
			rc = seg_load_indexes(s, bases[i + 1], &why);
			if (rc == 0) {
				lg->next = bases[i + 1];
				continue;
			}
			if (rc == -2)
				kq_warn("%s: %020" PRId64 ".index: rebuilt: %s",
					lg->name, bases[i], why);
		}
		if (seg_scan(lg, s, i + 1 == n, rp, 1, &lg->next, err, errsize))
			goto fail;
		if (i + 1 < n && lg->next != bases[i + 1] && !s->bad_pos) {
			/*
			 * A segment before the tail ends short of the next
			 * one's base: the files were damaged outside the
			 * broker. Keep what reads; the gap stays a gap.
			 */
			kq_warn("%s: %020" PRId64 ".log ends at offset %" PRId64
				", the next segment starts at %" PRId64,
				lg->name, bases[i], lg->next, bases[i + 1]);
		}
	}
	/*
	 * A new partition: fdatasync makes the data of its first segment
	 * durable, not the names that lead to it.
	 */
	if (made && (kb_sync_dir(dir) || sync_parent(dir))) {
		snprintf(err, errsize, "%s: fsync: %s", dir, strerror(errno));
		goto fail;
	}
	if (lg->next > rp)
		kq_warn("%s: %s: offsets %" PRId64 " to %" PRId64 " checked",
			lg->name,
			found ? "an unclean stop" : "no recovery point", rp,
			lg->next - 1);
	/*
	 * What was checked is made durable and the point moved to the end,
	 * so that the next start neither checks it nor reports its damage
	 * again; a log cut below the point takes the point down with it.
	 */
	lg->saved = rp;
	if (lg->next != rp) {
		if (fdatasync(lg->segs[lg->nsegs - 1].fd)) {
			snprintf(err, errsize, "%s: fsync: %s", dir,
				 strerror(errno));
			goto fail;
		}
		lg->recovery = lg->next;
		if (rp_save(lg, 0)) {
			snprintf(err, errsize, "%s/recovery-point: %s", dir,
				 strerror(errno));
			goto fail;
		}
	}
	lg->recovery = lg->next;
	/* A tail cut short by recovery takes the start down with it. */
	lg->start = ls_load(lg);
	if (lg->start < lg->segs[0].base)
		lg->start = lg->segs[0].base;
	if (lg->start > lg->next)
		lg->start = lg->next;
	lg->ready = 1;
	free(bases);
	return 0;
fail:
	free(bases);
	kb_log_close(lg);
	return -1;
}

void
kb_log_close(struct kb_log *lg)
{
	size_t i;

	settle(lg);
	if (lg->dirty && !lg->failed && fdatasync(lg->segs[lg->nsegs - 1].fd))
		kq_warn("%s: fsync: %s", lg->name, strerror(errno));
	else if (lg->ready && !lg->failed) {
		lg->recovery = lg->next;
		if (rp_save(lg, 1))
			kq_warn("%s: %s/recovery-point: %s", lg->name, lg->dir,
				strerror(errno));
	}
	for (i = 0; i < lg->nsegs; i++)
		seg_close(&lg->segs[i]);
	free(lg->segs);
	free(lg->dir);
	free(lg->name);
	kb_pstates_free(&lg->prod);
	memset(lg, 0, sizeof(*lg));
}

void
kb_log_remove(struct kb_log *lg)
{
	size_t i;
	char *dir = kq_estrdup(lg->dir), path[4096];

	/* The syncer may be writing in the directory. */
	settle(lg);
	for (i = 0; i < lg->nsegs; i++)
		seg_unlink(lg, lg->segs[i].base);
	snprintf(path, sizeof(path), "%s/recovery-point", dir);
	unlink(path);
	/* Left by a crash in the middle of a checkpoint. */
	snprintf(path, sizeof(path), "%s/recovery-point.tmp", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/log-start-offset", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/log-start-offset.tmp", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" KB_CLEANER_CHECKPOINT, dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" KB_CLEANER_CHECKPOINT ".tmp", dir);
	unlink(path);
	lg->dirty = lg->ready = 0;
	kb_log_close(lg);
	rmdir(dir);
	free(dir);
}

/* Start a new tail segment at the log end, the old one made durable. */
static int
roll(struct kb_log *lg)
{
	struct kb_seg *t = &lg->segs[lg->nsegs - 1], s;

	/* The last timestamp entry, so the old segment's age is known. */
	if (t->ntidx == 0 || t->tidx[t->ntidx - 1].ts < t->max_ts) {
		uint32_t rel = (uint32_t)(lg->next - 1 - t->base);

		tidx_push(t, t->max_ts, rel);
		tidx_write(t, t->max_ts, rel);
	}
	/*
	 * The syncer's descriptor shares this one's error state: a failure
	 * it saw is reported to it alone, so take its result first.
	 */
	if (lg->syncing)
		settle(lg);
	if (lg->failed) {
		errno = lg->failed;
		return -1;
	}
	if (fdatasync(t->fd)) {
		lg->failed = errno;
		return -1;
	}
	lg->dirty = 0;
	lg->recovery = lg->next;
	if (fdatasync(t->ifd) || fdatasync(t->tfd))
		return -1;
	if (seg_open(lg, &s, lg->next, 1))
		return -1;
	/* Without its name durable, what is synced to it could vanish. */
	if (kb_sync_dir(lg->dir)) {
		int e = errno;

		seg_close(&s);
		seg_unlink(lg, lg->next);
		errno = e;
		return -1;
	}
	lg->segs = kq_erealloc(lg->segs, (lg->nsegs + 1) * sizeof(*lg->segs));
	lg->segs[lg->nsegs++] = s;
	return 0;
}

/* As kb_log_append; control batches (transaction markers) only if marker. */
static int
append(struct kb_log *lg, unsigned char *p, size_t n, int64_t now_ms,
       int64_t *base, const char **why, int marker)
{
	struct kb_seg *t;
	struct kb_bhdr h;
	size_t off, size,
		zlim = kb_zip_limit(lg->conf.max_message_bytes, SIZE_MAX);
	int64_t next = lg->next, dup, span = 0;
	ssize_t w;
	int err;

	if (lg->failed) {
		*why = "an fsync of this log failed; it takes no writes "
		       "until the broker restarts";
		return KB_KAFKA_STORAGE_ERROR;
	}
	/* Check every batch before anything is stored. */
	for (off = 0; off < n; off += size) {
		unsigned char *b = p + off;

		if ((err = kb_batch_check(b, n - off, &size, why)))
			return err;
		if ((int64_t)size > lg->conf.max_message_bytes) {
			*why = "record batch larger than max.message.bytes";
			return KB_MESSAGE_TOO_LARGE;
		}
		kb_bhdr(b, &h);
		if ((h.attrs & 0x20) && !marker) {
			*why = "a client may not write control batches";
			return KB_INVALID_RECORD;
		}
		/*
		 * Kafka's answer, and the cleaner would drop it; a
		 * compressed batch's records are looked at decompressed,
		 * within the bound Produce held them to.
		 */
		if (lg->conf.compact && !marker &&
		    kb_batch_has_null_key(b, size, zlim)) {
			*why = "Compacted topic cannot accept message without "
			       "key";
			return KB_INVALID_RECORD;
		}
		span += h.last_delta + 1;
		if (span > INT32_MAX) {
			*why = "record set spans more than 2^31 - 1 offsets";
			return KB_INVALID_RECORD;
		}
		if (h.pid >= 0 && !marker) {
			switch (kb_pstates_check(&lg->prod, h.pid, h.pepoch,
						 h.base_seq, h.last_seq,
						 &dup)) {
			case KB_SEQ_DUP:
				if (n == size) {
					*base = dup;
					return 0;
				}
				*why = "duplicate batch";
				return KB_DUPLICATE_SEQUENCE_NUMBER;
			case KB_SEQ_OUT_OF_ORDER:
				*why = "out of order sequence number";
				return KB_OUT_OF_ORDER_SEQUENCE_NUMBER;
			case KB_SEQ_FENCED:
				*why = "producer epoch is older than one seen";
				return KB_INVALID_PRODUCER_EPOCH;
			}
		}
	}
	/*
	 * Roll past segment.bytes, and before an offset would lie 2^31 or
	 * more past the base: the indexes hold 32-bit relative offsets.
	 */
	t = &lg->segs[lg->nsegs - 1];
	if (t->size > 0 && (t->size + n > (uint64_t)lg->conf.segment_bytes ||
			    lg->next + span - 1 - t->base > INT32_MAX)) {
		if (roll(lg)) {
			*why = strerror(errno);
			return KB_KAFKA_STORAGE_ERROR;
		}
		t = &lg->segs[lg->nsegs - 1];
	}
	for (off = 0; off < n; off += size) {
		unsigned char *b = p + off;

		size = (size_t)(int32_t)kb_be32(b + KB_B_LENGTH) + 12;
		kb_st64(b, (uint64_t)next);
		kb_st32(b + KB_B_EPOCH, 0);
		next += (int32_t)kb_be32(b + KB_B_LASTDELTA) + 1;
	}
	for (off = 0; off < n; off += (size_t)w) {
		w = pwrite(t->fd, p + off, n - off, (off_t)(t->size + off));
		if (w < 0 && errno == EINTR)
			w = 0;
		else if (w <= 0) {
			*why = w < 0 ? strerror(errno) : "short write";
			/* Leave no partial batch behind. */
			if (ftruncate(t->fd, (off_t)t->size))
				*why = strerror(errno);
			return KB_KAFKA_STORAGE_ERROR;
		}
	}
	*base = lg->next;
	for (off = 0; off < n; off += h.size) {
		kb_bhdr(p + off, &h);
		seg_note(t, h.base, t->size + off, h.max_ts, 1);
		if (marker)
			kb_pstates_fence(&lg->prod, h.pid, h.pepoch);
		else if (h.pid >= 0)
			kb_pstates_record(&lg->prod, h.pid, h.pepoch,
					  h.base_seq, h.last_seq, h.base);
	}
	t->size += n;
	t->mtime_ms = now_ms;
	lg->next = next;
	lg->dirty = 1;
	/* A roll may have put a segment past retention: drop it now. */
	if (lg->nsegs > 1 && t->size == n)
		kb_log_retain(lg, now_ms);
	return 0;
}

int
kb_log_append(struct kb_log *lg, unsigned char *p, size_t n, int64_t now_ms,
	      int64_t *base, const char **why)
{
	return append(lg, p, n, now_ms, base, why, 0);
}

int
kb_log_append_marker(struct kb_log *lg, unsigned char *p, size_t n,
		     int64_t now_ms, int64_t *base, const char **why)
{
	return append(lg, p, n, now_ms, base, why, 1);
}

/*
 * A failure sticks. After a failed writeback Linux may drop the pages and
 * report success to the next fsync, so a retry proves nothing: what was
 * appended since the last good sync is not known to be on disk, and a
 * producer's retry, matched as a duplicate, must not be acknowledged.
 */
int
kb_log_sync(struct kb_log *lg)
{
	/* See roll(). */
	if (lg->syncing)
		settle(lg);
	if (lg->failed) {
		errno = lg->failed;
		return -1;
	}
	if (!lg->dirty)
		return 0;
	if (fdatasync(lg->segs[lg->nsegs - 1].fd)) {
		lg->failed = errno;
		return -1;
	}
	lg->dirty = 0;
	lg->recovery = lg->next;
	return 0;
}

/* --- a worker thread ---------------------------------------------------- */

static void *
worker_main(void *arg)
{
	struct kb_worker *w = arg;

	/* Not being able to lower its priority is no reason to stop. */
	if (w->nice && setpriority(PRIO_PROCESS, (id_t)gettid(), w->nice))
		errno = 0;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->busy)
			break;
		/* The work is the thread's until busy is cleared. */
		pthread_mutex_unlock(&w->mu);
		w->run(w->arg);
		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int
kb_worker_start(struct kb_worker *w, void (*run)(void *arg), void *arg,
		int nice)
{
	int rc;

	w->run = run;
	w->arg = arg;
	w->nice = nice;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((rc = pthread_create(&w->thread, NULL, worker_main, w)))
		return rc;
	w->started = 1;
	return 0;
}

void
kb_worker_hand(struct kb_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->busy = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int
kb_worker_busy(struct kb_worker *w)
{
	int busy;

	if (!w->started)
		return 0;
	pthread_mutex_lock(&w->mu);
	busy = w->busy;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

void
kb_worker_wait(struct kb_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void
kb_worker_stop(struct kb_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	w->started = 0;
}

/* --- the syncer ----------------------------------------------------------- */

/* The thread's work: the jobs handed over. */
static void
syncer_run(void *arg)
{
	struct kb_syncer *s = arg;
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct kb_syncjob *j = &s->jobs[i];

		if (j->fd >= 0 && fdatasync(j->fd)) {
			j->err = errno;
			continue;
		}
		j->saved = rp_write(j->dir, j->next, 0) == 0;
	}
}

int
kb_syncer_start(struct kb_syncer *s)
{
	memset(s, 0, sizeof(*s));
	return kb_worker_start(&s->w, syncer_run, s, 0);
}

void
kb_syncer_stop(struct kb_syncer *s)
{
	kb_worker_stop(&s->w);
	/* Every log with a job was closed, and took its result. */
	free(s->jobs);
	free(s->due);
	memset(s, 0, sizeof(*s));
}

/* The results of the jobs done, into their logs. */
static int
syncer_apply(struct kb_syncer *s)
{
	int fail = 0;
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct kb_syncjob *j = &s->jobs[i];
		struct kb_log *lg = j->lg;

		if (j->fd >= 0)
			close(j->fd);
		free(j->dir);
		lg->syncer = NULL;
		lg->syncing = 0;
		if (j->err) {
			if (!lg->failed)
				lg->failed = j->err;
			fail = j->err;
			continue;
		}
		if (lg->failed)
			continue;
		if (j->fd >= 0) {
			if (j->next > lg->recovery)
				lg->recovery = j->next;
			/* Nothing appended since: nothing left to sync. */
			if (lg->next == j->next)
				lg->dirty = 0;
		}
		if (j->saved && j->next > lg->saved)
			lg->saved = j->next;
	}
	s->n = 0;
	if (fail) {
		errno = fail;
		return -1;
	}
	return 0;
}

/* Wait for the thread to finish the jobs, and take their results. */
static int
syncer_wait(struct kb_syncer *s)
{
	kb_worker_wait(&s->w);
	return syncer_apply(s);
}

/* Take lg off its syncer's due list and sync it now: 0, or -1. */
static int
due_sync(struct kb_log *lg)
{
	struct kb_syncer *s = lg->due;
	size_t i = lg->due_at;

	s->due[i] = s->due[--s->ndue];
	s->due[i]->due_at = i;
	lg->due = NULL;
	if (!kb_log_sync(lg))
		return 0;
	if (!s->due_err)
		s->due_err = errno;
	return -1;
}

int
kb_log_sync_early(struct kb_log *lg)
{
	return lg->due ? due_sync(lg) : 0;
}

/*
 * lg is closed, removed or moved: its syncer's job, a cleaner's pass over
 * it and a sync it is due for are done with first.
 */
static void
settle(struct kb_log *lg)
{
	if (lg->syncer)
		syncer_wait(lg->syncer);
	if (lg->cleaner)
		kb_cleaner_drop(lg);
	if (lg->due)
		due_sync(lg);
}

void
kb_log_settle(struct kb_log *lg)
{
	settle(lg);
}

int
kb_syncer_collect(struct kb_syncer *s)
{
	if (!s->w.started)
		return 0;
	return kb_worker_busy(&s->w) ? 1 : syncer_apply(s);
}

int
kb_log_sync_later(struct kb_syncer *s, struct kb_log *lg, int data)
{
	struct kb_syncjob *j;
	int fd = -1;

	if (lg->failed) {
		errno = lg->failed;
		return -1;
	}
	if (data && lg->dirty &&
	    (!s->w.started || (fd = fcntl(lg->segs[lg->nsegs - 1].fd,
					  F_DUPFD_CLOEXEC, 0)) < 0) &&
	    kb_log_sync(lg))
		return -1;
	if (!s->w.started) {
		kb_log_checkpoint(lg);
		return 0;
	}
	if (fd < 0 && lg->recovery == lg->saved)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->jobs = kq_erealloc(s->jobs, s->cap * sizeof(*s->jobs));
	}
	j = &s->jobs[s->n++];
	memset(j, 0, sizeof(*j));
	j->lg = lg;
	j->fd = fd;
	j->next = fd >= 0 ? lg->next : lg->recovery;
	j->dir = kq_estrdup(lg->dir);
	lg->syncer = s;
	lg->syncing = fd >= 0;
	return 0;
}

void
kb_syncer_kick(struct kb_syncer *s)
{
	if (!s->n)
		return;
	kb_worker_hand(&s->w);
}

void
kb_log_sync_due(struct kb_syncer *s, struct kb_log *lg)
{
	if (lg->due)
		return;
	if (s->ndue == s->cdue) {
		s->cdue = s->cdue ? 2 * s->cdue : 64;
		s->due = kq_erealloc(s->due, s->cdue * sizeof(*s->due));
	}
	lg->due = s;
	lg->due_at = s->ndue;
	s->due[s->ndue++] = lg;
}

int
kb_syncer_due(const struct kb_syncer *s)
{
	return s->ndue > 0 || s->due_err;
}

int
kb_syncer_sync_due(struct kb_syncer *s)
{
	int err;

	while (s->ndue > 0)
		due_sync(s->due[s->ndue - 1]);
	err = s->due_err;
	s->due_err = 0;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* The segment that holds offset: the last whose base is not above it. */
static size_t
find_seg(const struct kb_log *lg, int64_t offset)
{
	size_t lo = 0, hi = lg->nsegs;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (lg->segs[mid].base <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A position in s at or before the batch that holds offset, and in *first
 * the offset the batch there starts with.
 */
static uint64_t
index_pos(const struct kb_seg *s, int64_t offset, int64_t *first)
{
	size_t lo = 0, hi = s->nidx;
	uint32_t rel;

	*first = s->base;
	/* Below the base: a reader that stepped over a gap before s. */
	if (hi == 0 || offset < s->base)
		return 0;
	rel = offset - s->base > UINT32_MAX ? UINT32_MAX
					    : (uint32_t)(offset - s->base);
	if (s->idx[0].rel > rel)
		return 0;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (s->idx[mid].rel <= rel)
			lo = mid;
		else
			hi = mid;
	}
	*first = s->base + s->idx[lo].rel;
	return s->idx[lo].pos;
}

/*
 * A batch header that cannot be walked over: its size, its magic, or a
 * base offset other than the one the batch before it leads to (the base
 * offset lies outside the CRC). Compaction leaves gaps, so after the
 * first one (exact unset) a base offset need only be at least expect;
 * the first one, where an index entry or a read points, must be it.
 * NULL when it is sound.
 */
static const char *
hdr_bad(const unsigned char *h, uint64_t at, uint64_t end, int64_t expect,
	int exact)
{
	int32_t len = (int32_t)kb_be32(h + KB_B_LENGTH);

	if (len < KB_BATCH_HEADER - 12 || at + (uint64_t)len + 12 > end)
		return "a record batch length that does not fit";
	if (h[KB_B_MAGIC] != 2)
		return "record batch is not magic 2";
	if (exact ? (int64_t)kb_be64(h) != expect
		  : (int64_t)kb_be64(h) < expect)
		return "offsets out of sequence";
	if ((int32_t)kb_be32(h + KB_B_LASTDELTA) < 0)
		return "negative lastOffsetDelta";
	return NULL;
}

/*
 * Walk batch headers from pos (where offset *expect starts) to the first
 * batch whose last offset is at least key (pred 0) or whose newest
 * timestamp is at least key (pred 1): its position, or s->size when there
 * is none; -1 on a read error; -2 on damage, with its position in *bad,
 * the offset it should hold in *expect and what it is in *why. The header
 * is left in hdr.
 */
static int64_t
walk(const struct kb_seg *s, uint64_t pos, int64_t *expect, int pred,
     int64_t key, unsigned char *hdr, uint64_t *bad, const char **why)
{
	unsigned char buf[65536];
	size_t have = 0, off = 0;
	uint64_t at = pos;

	while (at < s->size) {
		const unsigned char *h;
		size_t size;

		if (have - off < KB_BATCH_HEADER) {
			ssize_t r = pread(s->fd, buf, sizeof(buf), (off_t)at);

			if (r < 0)
				return -1;
			if (r < KB_BATCH_HEADER) {
				*bad = at;
				*why = "torn record batch header";
				return -2;
			}
			have = (size_t)r;
			off = 0;
		}
		h = buf + off;
		/* At an index entry's position, its very offset. */
		if ((*why = hdr_bad(h, at, s->size, *expect,
				    at == pos && pos > 0))) {
			*bad = at;
			return -2;
		}
		*expect = (int64_t)kb_be64(h);
		size = (size_t)(int32_t)kb_be32(h + KB_B_LENGTH) + 12;
		if (pred == 0
			    ? *expect + (int32_t)kb_be32(h + KB_B_LASTDELTA) >=
				      key
			    : (int64_t)kb_be64(h + KB_B_MAXTS) >= key) {
			memcpy(hdr, h, KB_BATCH_HEADER);
			return (int64_t)at;
		}
		*expect += (int32_t)kb_be32(h + KB_B_LASTDELTA) + 1;
		at += size;
		if (have - off > size)
			off += size;
		else
			have = off = 0;
	}
	return (int64_t)s->size;
}

/*
 * How many bytes of the n read into p (whole batches from first on) may
 * be served: each batch is checked to its CRC, since a byte that went bad
 * on disk after the batch was stored would otherwise reach a client as a
 * wrong value. 0 with the damage in *why when the first batch is bad.
 */
static size_t
read_check(const unsigned char *p, size_t n, int64_t first, const char **why)
{
	size_t end = 0, size;

	while (n - end >= KB_BATCH_HEADER) {
		const unsigned char *b = p + end;

		if ((*why = hdr_bad(b, 0, n - end, first, end == 0)))
			break;
		if (batch_check(b, n - end, &size, why, 1))
			break;
		first = (int64_t)kb_be64(b) +
			(int32_t)kb_be32(b + KB_B_LASTDELTA) + 1;
		end += size;
	}
	return end;
}

/*
 * A read found no sound batch where an index entry of an older segment
 * points: the index disagrees (or the data there went bad). Rebuild it
 * from the segment, with a line; 0 when that was done.
 */
static int
reindex(struct kb_log *lg, struct kb_seg *s, const char *why)
{
	char err[512];
	int64_t next;

	kq_warn("%s: %020" PRId64 ".index: rebuilt: an entry does not point "
		"at the batch of its offset (%s)",
		lg->name, s->base, why);
	if (seg_scan(lg, s, 0, INT64_MAX, 0, &next, err, sizeof(err))) {
		kq_warn("%s", err);
		return -1;
	}
	return 0;
}

static int
read_seg(struct kb_log *lg, int64_t offset, size_t max, int first_always,
	 struct kb_buf *out)
{
	struct kb_seg *s = NULL;
	unsigned char hdr[KB_BATCH_HEADER], *dst;
	int64_t pos = 0, first = 0;
	size_t i, want, got, size, end;
	uint64_t bad, at;
	const char *why = NULL;
	ssize_t r;

	if (offset < lg->start || offset > lg->next)
		return KB_OFFSET_OUT_OF_RANGE;
	if (offset == lg->next)
		return 0;
	for (i = find_seg(lg, offset); i < lg->nsegs; i++) {
		s = &lg->segs[i];
		at = index_pos(s, offset, &first);
		pos = walk(s, at, &first, 0, offset, hdr, &bad, &why);
		if (pos == -2 && bad == at && at > 0 && i + 1 < lg->nsegs &&
		    reindex(lg, s, why) == 0) {
			at = index_pos(s, offset, &first);
			pos = walk(s, at, &first, 0, offset, hdr, &bad, &why);
		}
		if (pos == -2) {
			seg_bad(lg, s, bad, first, why);
			return KB_CORRUPT_MESSAGE;
		}
		if (pos < 0)
			return -1;
		if ((uint64_t)pos < s->size)
			break;
	}
	if (i == lg->nsegs)
		return 0;
	size = (size_t)(int32_t)kb_be32(hdr + KB_B_LENGTH) + 12;
	if (size > max && !first_always)
		return 0;
	want = max > size ? max : size;
	if (want > s->size - (uint64_t)pos)
		want = (size_t)(s->size - (uint64_t)pos);
	dst = kb_buf_room(out, want);
	for (got = 0; got < want; got += (size_t)r) {
		r = pread(s->fd, dst + got, want - got, (off_t)pos + got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR) {
				r = 0;
				continue;
			}
			return -1;
		}
	}
	/* Whole, sound batches only. */
	end = read_check(dst, want, (int64_t)kb_be64(hdr), &why);
	if (end == 0) {
		seg_bad(lg, s, (uint64_t)pos, (int64_t)kb_be64(hdr), why);
		return KB_CORRUPT_MESSAGE;
	}
	out->len += end;
	return 0;
}

/* Whole batches that hold no record (compaction emptied them): 1. */
static int
all_empty(const unsigned char *p, size_t n)
{
	size_t off;

	for (off = 0; off < n; off += kb_be32(p + off + KB_B_LENGTH) + 12)
		if (kb_be32(p + off + KB_B_COUNT))
			return 0;
	return 1;
}

/*
 * A read stops at the end of a segment, but one that compaction left
 * with only empty batches gives a client no record to move on by
 * (librdkafka takes such an answer for a batch too large to fetch): then
 * the next segments are read too, while room is left.
 */
int
kb_log_read(struct kb_log *lg, int64_t offset, size_t max, int first_always,
	    struct kb_buf *out)
{
	size_t start = out->len, at;
	const unsigned char *b;
	int rc;

	for (;;) {
		at = out->len;
		rc = read_seg(lg, offset, max - (at - start),
			      first_always && at == start, out);
		if (rc)
			return at == start ? rc : 0;
		if (out->len == at || !all_empty(out->p + at, out->len - at))
			return 0;
		for (b = out->p + at;
		     b + kb_be32(b + KB_B_LENGTH) + 12 < out->p + out->len;
		     b += kb_be32(b + KB_B_LENGTH) + 12)
			;
		offset = (int64_t)kb_be64(b) +
			 (int32_t)kb_be32(b + KB_B_LASTDELTA) + 1;
		if (offset >= lg->next || out->len - start >= max)
			return 0;
	}
}

/* In an uncompressed batch, the first record at ts or later. */
static int64_t
record_for_time(const struct kb_seg *s, int64_t pos, const unsigned char *hdr,
		int64_t ts, int64_t *found)
{
	size_t size = (size_t)(int32_t)kb_be32(hdr + KB_B_LENGTH) + 12;
	int64_t base = (int64_t)kb_be64(hdr);
	int64_t bts = (int64_t)kb_be64(hdr + KB_B_BASETS);
	unsigned char *buf;
	struct kb_rd r;
	int32_t i, count = (int32_t)kb_be32(hdr + KB_B_COUNT);

	*found = (int64_t)kb_be64(hdr + KB_B_MAXTS);
	if ((hdr[KB_B_ATTRS + 1] & 0x07) || size > (64u << 20))
		return base;
	buf = kq_emalloc(size);
	if (pread(s->fd, buf, size, pos) != (ssize_t)size) {
		free(buf);
		return base;
	}
	kb_rd_init(&r, buf + KB_BATCH_HEADER, size - KB_BATCH_HEADER);
	for (i = 0; i < count; i++) {
		int64_t len = kb_varlong(&r);
		const unsigned char *start = r.p;
		int64_t tsd, od;

		kb_i8(&r);
		tsd = kb_varlong(&r);
		od = kb_varlong(&r);
		if (r.err || len < 0 ||
		    (size_t)len > kb_left(&r) + (size_t)(r.p - start))
			break;
		if (bts + tsd >= ts) {
			*found = bts + tsd;
			free(buf);
			/* An offset outside the batch is not believed. */
			if (od < 0 ||
			    od > (int32_t)kb_be32(hdr + KB_B_LASTDELTA))
				return base;
			return base + od;
		}
		r.p = start + len;
	}
	free(buf);
	return base;
}

int64_t
kb_log_offset_for_time(struct kb_log *lg, int64_t ts, int64_t *found)
{
	unsigned char hdr[KB_BATCH_HEADER];
	size_t i, j;
	uint64_t bad;
	const char *why;

	for (i = 0; i < lg->nsegs; i++) {
		struct kb_seg *s = &lg->segs[i];
		uint64_t pos = 0;
		int64_t at, first = s->base;

		/* Wholly below the start: deleted, as far as reads go. */
		if (s->max_ts < ts ||
		    (i + 1 < lg->nsegs && lg->segs[i + 1].base <= lg->start))
			continue;
		/* Every batch before an entry older than ts is older too. */
		for (j = s->ntidx; j > 0; j--)
			if (s->tidx[j - 1].ts < ts) {
				pos = index_pos(s, s->base + s->tidx[j - 1].rel,
						&first);
				break;
			}
		at = walk(s, pos, &first, 1, ts, hdr, &bad, &why);
		if (at < 0)
			return -1;
		if ((uint64_t)at < s->size) {
			int64_t off = record_for_time(s, at, hdr, ts, found);

			/* Kafka's answer too: never below the start. */
			if (off >= 0 && off < lg->start)
				off = lg->start < lg->next ? lg->start : -1;
			return off;
		}
	}
	return -1;
}

int
kb_log_swap_segment(struct kb_log *lg, int64_t base, uint64_t size,
		    const char *cleaned, struct kb_seg *ix, char *err,
		    size_t errsize)
{
	char path[4096];
	struct kb_seg *s = NULL;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i + 1 < lg->nsegs; i++)
		if (lg->segs[i].base == base)
			s = &lg->segs[i];
	if (!s || s->size != size)
		return 1;
	seg_path(lg, base, "log", path, sizeof(path));
	if ((fd = open(cleaned, O_RDWR | O_CLOEXEC)) < 0)
		goto fail;
	if (fstat(fd, &st) || (uint64_t)st.st_size != ix->size) {
		close(fd);
		errno = errno ? errno : EIO;
		goto fail;
	}
	/*
	 * The old indexes go first: were they left to a crash past the
	 * rename, they would point into the new file. Empty, they are
	 * rebuilt at the next start.
	 */
	if (ftruncate(s->ifd, 0) || ftruncate(s->tfd, 0) || fdatasync(s->ifd) ||
	    fdatasync(s->tfd) || rename(cleaned, path)) {
		close(fd);
		seg_write_indexes(s);
		goto fail;
	}
	/* Not durable, a crash leaves the old segment: no harm. */
	kb_sync_dir(lg->dir);
	close(s->fd);
	s->fd = fd;
	s->size = (uint64_t)st.st_size;
	s->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 +
		      st.st_mtim.tv_nsec / 1000000;
	free(s->idx);
	free(s->tidx);
	s->idx = ix->idx;
	s->nidx = ix->nidx;
	s->cidx = ix->cidx;
	s->tidx = ix->tidx;
	s->ntidx = ix->ntidx;
	s->ctidx = ix->ctidx;
	s->idx_pos = ix->idx_pos;
	s->tidx_pos = ix->tidx_pos;
	s->max_ts = ix->max_ts;
	s->bad_pos = 0;
	ix->idx = NULL;
	ix->tidx = NULL;
	/* An index lost is rebuilt on recovery: no error to report. */
	seg_write_indexes(s);
	return 0;
fail:
	snprintf(err, errsize, "%s: %s", path, strerror(errno));
	return -1;
}

uint64_t
kb_log_size(const struct kb_log *lg)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < lg->nsegs; i++)
		n += lg->segs[i].size;
	return n;
}

int
kb_log_retain(struct kb_log *lg, int64_t now_ms)
{
	int dropped = 0;

	while (lg->nsegs > 1) {
		struct kb_seg *s = &lg->segs[0];
		int64_t age = s->max_ts >= 0 ? s->max_ts : s->mtime_ms;
		int old = lg->conf.retention_ms >= 0 &&
			  now_ms - age > lg->conf.retention_ms;
		int big = lg->conf.retention_bytes >= 0 &&
			  kb_log_size(lg) - s->size >=
				  (uint64_t)lg->conf.retention_bytes;

		/* Wholly below the start DeleteRecords set. */
		int gone = lg->segs[1].base <= lg->start;

		if (!old && !big && !gone)
			break;
		seg_unlink(lg, s->base);
		seg_close(s);
		memmove(lg->segs, lg->segs + 1,
			(lg->nsegs - 1) * sizeof(*lg->segs));
		lg->nsegs--;
		if (lg->start < lg->segs[0].base)
			lg->start = lg->segs[0].base;
		dropped++;
	}
	return dropped;
}
