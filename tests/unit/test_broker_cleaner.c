/*
 * Log compaction: the offset map, one batch cleaned (records dropped,
 * offsets kept, CRC-32C anew, untouched kinds), a whole pass over a log
 * of closed segments (newest value per key, tombstones kept then gone,
 * reads across the gaps, a reopen), a copy a crash left behind, and
 * null keys refused by a compacted log.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_broker.h"
#include "cleaner.h"
#include "compress.h"
#include "errors.h"

static const struct kb_logconf conf = {
	.segment_bytes = 300,
	.retention_bytes = -1,
	.retention_ms = -1,
	.max_message_bytes = 1 << 20,
	.compact = 1,
	.delete_retention_ms = 1000,
	.min_dirty_ratio = 0.5,
};

/* compress.c's bound for the default max.message.bytes. */
#define LIM ((size_t)64 << 20)

/*
 * A batch of records "key=value" from spec ("a=1 b=2 c=~": ~ is a null
 * value, a key "-" a null key), as a producer sends it.
 */
static size_t
batch(unsigned char *b, const char *spec)
{
	char buf[256], *tok, *save;
	size_t len = KB_BATCH_HEADER;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save), n++) {
		char *eq = strchr(tok, '=');
		int64_t kl = eq - tok, vl = (int64_t)strlen(eq + 1);

		if (kl == 1 && *tok == '-')
			kl = -1;
		if (!strcmp(eq + 1, "~"))
			vl = -1;
		len += unit_record(b + len, n, tok, kl, eq + 1, vl);
	}
	unit_batch_seal(b, len, n, 1000, -1, -1);
	return len;
}

/*
 * The records of whole batches as "offset:key=value" words (~ a null
 * value), a space apart, into s; each batch's CRC-32C checked, a
 * compressed one's records decompressed.
 */
static void
records(const unsigned char *p, size_t n, char *s, size_t size)
{
	size_t off = 0;

	*s = 0;
	while (off < n) {
		const unsigned char *b = p + off;
		size_t bs = (size_t)kb_be32(b + KB_B_LENGTH) + 12;
		int64_t base = (int64_t)kb_be64(b);
		int32_t i, count = (int32_t)kb_be32(b + KB_B_COUNT);
		struct kb_buf raw = {0};
		const char *why;
		struct kb_rd r;

		assert_true(bs <= n - off);
		assert_int_equal(kb_crc32c(0, b + KB_B_ATTRS, bs - KB_B_ATTRS),
				 kb_be32(b + KB_B_CRC));
		kb_rd_init(&r, b + KB_BATCH_HEADER, bs - KB_BATCH_HEADER);
		if (b[KB_B_ATTRS + 1] & 0x07) {
			assert_int_equal(
				kb_zip_decompress(b[KB_B_ATTRS + 1] & 0x07, r.p,
						  kb_left(&r), LIM, &raw, &why),
				0);
			kb_rd_init(&r, raw.p, raw.len);
		}
		for (i = 0; i < count; i++) {
			int64_t len = kb_varlong(&r), od, kl, vl;
			const unsigned char *end = r.p + len, *k, *v;
			char w[64];

			kb_i8(&r);
			kb_varlong(&r);
			od = kb_varlong(&r);
			kl = kb_varlong(&r);
			k = r.p;
			if (kl > 0)
				kb_skip(&r, (size_t)kl);
			vl = kb_varlong(&r);
			v = r.p;
			snprintf(w, sizeof(w), "%s%lld:%.*s=%.*s",
				 *s ? " " : "", (long long)(base + od),
				 (int)(kl > 0 ? kl : 0), (const char *)k,
				 (int)(vl >= 0 ? vl : 1),
				 vl >= 0 ? (const char *)v : "~");
			strncat(s, w, size - strlen(s) - 1);
			r.p = end;
		}
		kb_buf_free(&raw);
		off += bs;
	}
}

static void
omap(void **state)
{
	struct kb_omap m;
	char key[16];
	int i;

	(void)state;
	kb_omap_init(&m, 10 * sizeof(struct kb_oent));
	assert_int_equal(kb_omap_get(&m, "a", 1), -1);
	assert_int_equal(kb_omap_put(&m, "a", 1, 5), 0);
	assert_int_equal(kb_omap_put(&m, "", 0, 6), 0);
	assert_int_equal(kb_omap_put(&m, "a", 1, 7), 0);
	assert_int_equal(kb_omap_get(&m, "a", 1), 7);
	assert_int_equal(kb_omap_get(&m, "", 0), 6);
	assert_int_equal(kb_omap_get(&m, "b", 1), -1);
	assert_int_equal(m.latest, 7);
	/* 90% of 10 slots: 9 keys, then full; a known key still moves. */
	for (i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(kb_omap_put(&m, key, strlen(key), 10 + i), 0);
	}
	assert_int_equal(kb_omap_put(&m, "new", 3, 20), -1);
	assert_int_equal(m.latest, 16);
	assert_int_equal(kb_omap_put(&m, "a", 1, 21), 0);
	assert_int_equal(kb_omap_get(&m, "a", 1), 21);
	kb_omap_free(&m);
}

static void
one_batch(void **state)
{
	unsigned char b[1024];
	struct kb_buf out = {0};
	struct kb_omap m;
	char got[512];
	size_t n;
	int tombs = 0;

	(void)state;
	/* Offsets 100-104: a, b, a, c (a tombstone), a record without key. */
	n = batch(b, "a=1 b=1 a=2 c=~ -=x");
	kb_st64(b, 100);
	kb_omap_init(&m, 1 << 12);
	assert_int_equal(kb_omap_add_batch(&m, b, n, 0, LIM), 0);
	assert_int_equal(kb_omap_get(&m, "a", 1), 102);
	assert_int_equal(kb_omap_get(&m, "b", 1), 101);
	/* As a pass sets it: the map covers the whole batch. */
	m.latest = 104;
	assert_int_equal(kb_clean_batch(b, n, &m, 0, 0, LIM, &out, &tombs),
			 KB_CLEAN_SHRUNK);
	/* Base offset and lastOffsetDelta kept: offsets do not move. */
	assert_int_equal(kb_be64(out.p), 100);
	assert_int_equal(kb_be32(out.p + KB_B_LASTDELTA), 4);
	assert_int_equal(kb_be32(out.p + KB_B_COUNT), 3);
	assert_int_equal(kb_be32(out.p + KB_B_LENGTH) + 12, out.len);
	records(out.p, out.len, got, sizeof(got));
	assert_string_equal(got, "101:b=1 102:a=2 103:c=~");
	assert_int_equal(tombs, 1);
	/* The tombstone's time is up. */
	out.len = 0;
	tombs = 0;
	assert_int_equal(kb_clean_batch(b, n, &m, 1, 0, LIM, &out, &tombs),
			 KB_CLEAN_SHRUNK);
	records(out.p, out.len, got, sizeof(got));
	assert_string_equal(got, "101:b=1 102:a=2");
	assert_int_equal(tombs, 0);
	/* Every record replaced: gone, or an empty batch when kept. */
	assert_int_equal(kb_omap_put(&m, "a", 1, 200), 0);
	assert_int_equal(kb_omap_put(&m, "b", 1, 201), 0);
	out.len = 0;
	assert_int_equal(kb_clean_batch(b, n, &m, 1, 0, LIM, &out, &tombs),
			 KB_CLEAN_GONE);
	assert_int_equal(out.len, 0);
	assert_int_equal(kb_clean_batch(b, n, &m, 1, 1, LIM, &out, &tombs),
			 KB_CLEAN_SHRUNK);
	assert_int_equal(out.len, KB_BATCH_HEADER);
	assert_int_equal(kb_be32(out.p + KB_B_COUNT), 0);
	assert_int_equal(kb_be32(out.p + KB_B_LASTDELTA), 4);
	assert_int_equal(
		kb_crc32c(0, out.p + KB_B_ATTRS, KB_BATCH_HEADER - KB_B_ATTRS),
		kb_be32(out.p + KB_B_CRC));
	/* Past the map's latest offset: kept, whatever the key. */
	m.latest = 99;
	out.len = 0;
	assert_int_equal(kb_clean_batch(b, n, &m, 1, 0, LIM, &out, &tombs),
			 KB_CLEAN_SAME);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.p, b, n);
	/* Said gzip but not: damage, nothing written, no key put. */
	m.latest = 1000;
	b[KB_B_ATTRS + 1] = 0x01;
	out.len = 0;
	assert_int_equal(kb_clean_batch(b, n, &m, 1, 0, LIM, &out, &tombs),
			 KB_CLEAN_DAMAGED);
	assert_int_equal(out.len, 0);
	assert_int_equal(kb_omap_add_batch(&m, b, n, 0, LIM), -2);
	/* Transactional: untouched. */
	b[KB_B_ATTRS + 1] = 0x10;
	out.len = 0;
	assert_int_equal(kb_clean_batch(b, n, &m, 1, 0, LIM, &out, &tombs),
			 KB_CLEAN_UNTOUCHED);
	kb_buf_free(&out);
	kb_omap_free(&m);
}

/* The batch at b (n bytes) compressed in codec, into z. */
static void
zip(const unsigned char *b, size_t n, int codec, struct kb_buf *z)
{
	const char *why;

	z->len = 0;
	assert_int_equal(
		kb_zip_batch(b, n, codec, kb_zip_level(codec), LIM, z, &why),
		0);
	assert_int_equal(z->p[KB_B_ATTRS + 1] & 0x07, codec);
}

/*
 * A compressed batch in each codec: its keys mapped, then cleaned as
 * Kafka's cleaner does, the kept records compressed anew in its codec at
 * the same offsets; emptied, it keeps no codec; one that does not
 * decompress is damage.
 */
static void
compressed_batch(void **state)
{
	unsigned char b[1024];
	struct kb_buf z = {0}, out = {0};
	struct kb_omap m;
	char got[512];
	size_t n;
	int codec, tombs;

	(void)state;
	n = batch(b, "a=1 b=1 a=2 c=~ -=x");
	kb_st64(b, 100);
	for (codec = KB_ZIP_GZIP; codec <= KB_ZIP_ZSTD; codec++) {
		zip(b, n, codec, &z);
		kb_omap_init(&m, 1 << 12);
		assert_int_equal(kb_omap_add_batch(&m, z.p, z.len, 0, LIM), 0);
		assert_int_equal(kb_omap_get(&m, "a", 1), 102);
		assert_int_equal(kb_omap_get(&m, "c", 1), 103);
		m.latest = 104;
		out.len = 0;
		tombs = 0;
		assert_int_equal(
			kb_clean_batch(z.p, z.len, &m, 0, 0, LIM, &out, &tombs),
			KB_CLEAN_SHRUNK);
		assert_int_equal(out.p[KB_B_ATTRS + 1], codec);
		assert_int_equal(kb_be64(out.p), 100);
		assert_int_equal(kb_be32(out.p + KB_B_LASTDELTA), 4);
		assert_int_equal(kb_be32(out.p + KB_B_COUNT), 3);
		assert_int_equal(kb_be32(out.p + KB_B_LENGTH) + 12, out.len);
		assert_int_equal(tombs, 1);
		records(out.p, out.len, got, sizeof(got));
		assert_string_equal(got, "101:b=1 102:a=2 103:c=~");
		/* A newer record elsewhere makes one of it go. */
		assert_int_equal(kb_omap_put(&m, "b", 1, 300), 0);
		out.len = 0;
		assert_int_equal(
			kb_clean_batch(z.p, z.len, &m, 1, 0, LIM, &out, &tombs),
			KB_CLEAN_SHRUNK);
		assert_int_equal(out.p[KB_B_ATTRS + 1], codec);
		records(out.p, out.len, got, sizeof(got));
		assert_string_equal(got, "102:a=2");
		/* All replaced: gone, or kept empty, without a codec. */
		assert_int_equal(kb_omap_put(&m, "a", 1, 301), 0);
		out.len = 0;
		assert_int_equal(
			kb_clean_batch(z.p, z.len, &m, 1, 0, LIM, &out, &tombs),
			KB_CLEAN_GONE);
		assert_int_equal(out.len, 0);
		assert_int_equal(
			kb_clean_batch(z.p, z.len, &m, 1, 1, LIM, &out, &tombs),
			KB_CLEAN_SHRUNK);
		assert_int_equal(out.len, KB_BATCH_HEADER);
		assert_int_equal(out.p[KB_B_ATTRS + 1], 0);
		assert_int_equal(kb_be32(out.p + KB_B_COUNT), 0);
		assert_int_equal(kb_be32(out.p + KB_B_LASTDELTA), 4);
		records(out.p, out.len, got, sizeof(got));
		/* Past the limit: untouched, no key put. */
		out.len = 0;
		assert_int_equal(
			kb_clean_batch(z.p, z.len, &m, 1, 0, 10, &out, &tombs),
			KB_CLEAN_UNTOUCHED);
		assert_int_equal(out.len, z.len);
		assert_memory_equal(out.p, z.p, z.len);
		kb_omap_free(&m);
		kb_omap_init(&m, 1 << 12);
		assert_int_equal(kb_omap_add_batch(&m, z.p, z.len, 0, 10), 0);
		assert_int_equal(kb_omap_get(&m, "a", 1), -1);
		/* Its compressed bytes damaged (the CRC made anew): damage. */
		memset(z.p + KB_BATCH_HEADER, 0xee, z.len - KB_BATCH_HEADER);
		m.latest = 1000;
		out.len = 0;
		assert_int_equal(
			kb_clean_batch(z.p, z.len, &m, 1, 0, LIM, &out, &tombs),
			KB_CLEAN_DAMAGED);
		assert_int_equal(out.len, 0);
		assert_int_equal(kb_omap_add_batch(&m, z.p, z.len, 0, LIM), -2);
		kb_omap_free(&m);
	}
	kb_buf_free(&z);
	kb_buf_free(&out);
}

static void
null_keys(void **state)
{
	unsigned char b[1024];
	struct kb_buf z = {0};
	const char *why;
	size_t n;
	int codec;

	(void)state;
	n = batch(b, "a=1 b=2");
	assert_false(kb_batch_has_null_key(b, n, LIM));
	n = batch(b, "a=1 -=2");
	assert_true(kb_batch_has_null_key(b, n, LIM));
	/* Inside a compressed batch too. */
	for (codec = KB_ZIP_GZIP; codec <= KB_ZIP_ZSTD; codec++) {
		z.len = 0;
		assert_int_equal(kb_zip_batch(b, n, codec, kb_zip_level(codec),
					      LIM, &z, &why),
				 0);
		assert_true(kb_batch_has_null_key(z.p, z.len, LIM));
	}
	n = batch(b, "a=1 b=2");
	z.len = 0;
	assert_int_equal(kb_zip_batch(b, n, KB_ZIP_ZSTD, 3, LIM, &z, &why), 0);
	assert_false(kb_batch_has_null_key(z.p, z.len, LIM));
	kb_buf_free(&z);
}

static void
put(struct kb_log *lg, const char *spec)
{
	unsigned char b[1024];
	const char *why;
	int64_t base;
	size_t n = batch(b, spec);

	assert_int_equal(kb_log_append(lg, b, n, 0, &base, &why), 0);
}

/* Every record of lg from offset 0, as records() gives them. */
static void
read_all(struct kb_log *lg, char *s, size_t size)
{
	struct kb_buf out = {0};
	int64_t at = lg->start;
	char part[2048];

	*s = 0;
	while (at < lg->next) {
		size_t len = out.len;
		const unsigned char *b;

		assert_int_equal(kb_log_read(lg, at, 1 << 20, 1, &out), 0);
		assert_true(out.len > len);
		/* The batch ends where the next read starts. */
		for (b = out.p + len; b < out.p + out.len;
		     b += kb_be32(b + KB_B_LENGTH) + 12)
			at = (int64_t)kb_be64(b) +
			     (int32_t)kb_be32(b + KB_B_LASTDELTA) + 1;
	}
	records(out.p, out.len, part, sizeof(part));
	snprintf(s, size, "%s", part);
	kb_buf_free(&out);
}

static void
whole_pass(void **state)
{
	char *d = unit_tmpdir(), err[256], got[2048], path[512];
	struct kb_cleaner c;
	struct kb_log lg;
	struct stat st;
	uint64_t before;
	int fd;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	/* About 100 bytes a batch: a segment holds 3 batches. */
	put(&lg, "a=1 b=1 c=1");
	put(&lg, "a=2 d=1 e=1");
	put(&lg, "b=2 d=~ f=1");
	put(&lg, "a=3 c=2 g=1");
	put(&lg, "e=2 e=3 e=4");
	put(&lg, "h=1 h=2 a=4");
	put(&lg, "z=1");
	assert_true(lg.nsegs >= 3);
	before = kb_log_size(&lg);
	assert_int_equal(kb_cleaner_run(&c, &lg, 10000), 0);
	assert_true(kb_log_size(&lg) < before);
	assert_null(lg.cleaner);
	read_all(&lg, got, sizeof(got));
	/*
	 * The newest per key in the closed segments, at their offsets; the
	 * tombstone kept (cleaned just now); each segment's last batch kept
	 * even when emptied; the active segment untouched.
	 */
	assert_string_equal(got, "6:b=2 7:d=~ 8:f=1 10:c=2 11:g=1 14:e=4 "
				 "16:h=2 17:a=4 18:z=1");
	assert_int_equal(lg.clean_ckpt, lg.segs[lg.nsegs - 1].base);
	assert_true(lg.tomb_due > 0);
	snprintf(path, sizeof(path), "%s/%s", d, KB_CLEANER_CHECKPOINT);
	assert_int_equal(stat(path, &st), 0);

	/* A second pass, delete.retention.ms later: the tombstone goes. */
	assert_int_equal(kb_cleaner_run(&c, &lg, lg.tomb_due + 1000), 0);
	read_all(&lg, got, sizeof(got));
	assert_string_equal(got, "6:b=2 8:f=1 10:c=2 11:g=1 14:e=4 16:h=2 "
				 "17:a=4 18:z=1");
	/* Reads land in a gap: the next batch comes. */
	{
		struct kb_buf out = {0};

		assert_int_equal(kb_log_read(&lg, 0, 1 << 20, 1, &out), 0);
		assert_true(out.len > 0);
		kb_buf_free(&out);
	}

	/*
	 * A crash left a copy the cleaner had not put in place: the
	 * reopen removes it, and reads over the gaps, rebuilt indexes too.
	 */
	kb_log_close(&lg);
	snprintf(path, sizeof(path), "%s/00000000000000000000.log.cleaned", d);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "junk", 4), 4);
	close(fd);
	snprintf(path, sizeof(path), "%s/00000000000000000000.index", d);
	assert_int_equal(truncate(path, 0), 0);
	snprintf(path, sizeof(path), "%s/recovery-point", d);
	unlink(path);
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	snprintf(path, sizeof(path), "%s/00000000000000000000.log.cleaned", d);
	assert_int_not_equal(stat(path, &st), 0);
	read_all(&lg, got, sizeof(got));
	assert_string_equal(got, "6:b=2 8:f=1 10:c=2 11:g=1 14:e=4 16:h=2 "
				 "17:a=4 18:z=1");
	assert_int_equal(lg.next, 19);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

static void
put_zip(struct kb_log *lg, const char *spec, int codec)
{
	unsigned char b[1024];
	struct kb_buf z = {0};
	const char *why;
	int64_t base;

	zip(b, batch(b, spec), codec, &z);
	assert_int_equal(kb_log_append(lg, z.p, z.len, 0, &base, &why), 0);
	kb_buf_free(&z);
}

/* The codec of each batch of lg, one digit a batch, into s. */
static void
codecs(struct kb_log *lg, char *s, size_t size)
{
	struct kb_buf out = {0};
	const unsigned char *b;
	int64_t at = lg->start;
	size_t i = 0;

	while (at < lg->next) {
		size_t len = out.len;

		assert_int_equal(kb_log_read(lg, at, 1 << 20, 1, &out), 0);
		assert_true(out.len > len);
		for (b = out.p + len; b < out.p + out.len && i + 1 < size;
		     b += kb_be32(b + KB_B_LENGTH) + 12) {
			s[i++] = (char)('0' + (b[KB_B_ATTRS + 1] & 0x07));
			at = (int64_t)kb_be64(b) +
			     (int32_t)kb_be32(b + KB_B_LASTDELTA) + 1;
		}
	}
	s[i] = 0;
	kb_buf_free(&out);
}

/*
 * A log of compressed batches in the four codecs and plain ones: a
 * newer record in either kind removes an older one in the other; the
 * kept batches keep their codecs and offsets.
 */
static void
whole_pass_compressed(void **state)
{
	char *d = unit_tmpdir(), err[256], got[2048];
	struct kb_cleaner c;
	struct kb_log lg;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	put_zip(&lg, "a=1 b=1 c=1", KB_ZIP_GZIP);
	put(&lg, "a=2 d=1 e=1");
	put_zip(&lg, "b=2 d=~ f=1", KB_ZIP_SNAPPY);
	put_zip(&lg, "a=3 c=2 g=1", KB_ZIP_LZ4);
	put_zip(&lg, "e=2 e=3 e=4", KB_ZIP_ZSTD);
	put(&lg, "h=1 h=2 a=4");
	put(&lg, "z=1");
	assert_true(lg.nsegs >= 3);
	assert_int_equal(kb_cleaner_run(&c, &lg, 10000), 0);
	read_all(&lg, got, sizeof(got));
	assert_string_equal(got, "6:b=2 7:d=~ 8:f=1 10:c=2 11:g=1 14:e=4 "
				 "16:h=2 17:a=4 18:z=1");
	/* gzip's batch and the plain one emptied; the others kept so. */
	codecs(&lg, got, sizeof(got));
	assert_string_equal(got, "23400");
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

/*
 * A compressed batch that does not decompress stops the pass at its
 * segment, which is left as it is: no record of it goes.
 */
static void
damaged_compressed(void **state)
{
	char *d = unit_tmpdir(), err[256];
	unsigned char b[1024];
	struct kb_buf z = {0};
	struct kb_cleaner c;
	struct kb_log lg;
	const char *why;
	uint64_t seg1;
	int64_t base;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	for (i = 0; i < 3; i++)
		put(&lg, "a=1 b=1 c=1");
	put(&lg, "a=2 b=2 c=2");
	/* zstd bytes gone bad, under a good CRC (as a bad disk could not). */
	zip(b, batch(b, "a=3 b=3 c=3"), KB_ZIP_ZSTD, &z);
	memset(z.p + KB_BATCH_HEADER, 0xee, z.len - KB_BATCH_HEADER);
	kb_st32(z.p + KB_B_CRC,
		kb_crc32c(0, z.p + KB_B_ATTRS, z.len - KB_B_ATTRS));
	assert_int_equal(kb_log_append(&lg, z.p, z.len, 0, &base, &why), 0);
	put(&lg, "a=4 b=4 c=4");
	put(&lg, "z=1");
	assert_int_equal(lg.nsegs, 3);
	seg1 = lg.segs[1].size;
	assert_int_equal(kb_cleaner_run(&c, &lg, 10000), 0);
	/*
	 * The first segment cleaned by what lies before the damage; the
	 * second, which holds it, left whole (its records read as before).
	 */
	{
		struct kb_buf out = {0};

		assert_int_equal(kb_log_read(&lg, 0, 1 << 20, 1, &out), 0);
		assert_int_equal(kb_be64(out.p), 6);
		assert_int_equal(kb_be32(out.p + KB_B_COUNT), 0);
		kb_buf_free(&out);
	}
	assert_int_equal(lg.segs[1].size, seg1);
	z.len = 0;
	assert_int_equal(kb_log_read(&lg, 9, 1 << 20, 1, &z), 0);
	assert_int_equal(kb_be64(z.p), 9);
	assert_int_equal(kb_be32(z.p + KB_B_COUNT), 3);
	kb_buf_free(&z);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

/*
 * A segment compaction emptied holds one empty batch: a read there goes
 * on to the next segment, so that a client gets a record to move on by.
 */
static void
read_past_emptied(void **state)
{
	char *d = unit_tmpdir(), err[256], got[512];
	struct kb_buf out = {0};
	struct kb_cleaner c;
	struct kb_log lg;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	for (i = 0; i < 3; i++)
		put(&lg, "a=1 b=1 c=1");
	for (i = 0; i < 3; i++)
		put(&lg, "a=2 b=2 c=2");
	put(&lg, "z=1");
	assert_int_equal(lg.nsegs, 3);
	assert_int_equal(kb_cleaner_run(&c, &lg, 10000), 0);
	assert_int_equal(kb_log_read(&lg, 0, 1 << 20, 1, &out), 0);
	/* The empty last batch of the first segment, then the second's. */
	assert_int_equal(kb_be64(out.p), 6);
	assert_int_equal(kb_be32(out.p + KB_B_COUNT), 0);
	records(out.p, out.len, got, sizeof(got));
	assert_string_equal(got, "15:a=2 16:b=2 17:c=2");
	kb_buf_free(&out);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

/* min.compaction.lag.ms: a segment with a record newer is not cleaned. */
static void
compaction_lag(void **state)
{
	char *d = unit_tmpdir(), err[256], got[512];
	struct kb_logconf lc = conf;
	struct kb_cleaner c;
	struct kb_log lg;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* The records are stamped 1000 to 1002. */
	lc.min_lag_ms = 10000;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &lc, err, sizeof(err)), 0);
	for (i = 0; i < 3; i++)
		put(&lg, "a=1 b=1 c=1");
	put(&lg, "z=1");
	assert_int_equal(kb_cleaner_run(&c, &lg, 5000), -1);
	read_all(&lg, got, sizeof(got));
	assert_string_equal(got, "0:a=1 1:b=1 2:c=1 3:a=1 4:b=1 5:c=1 "
				 "6:a=1 7:b=1 8:c=1 9:z=1");
	assert_int_equal(kb_cleaner_run(&c, &lg, 20000), 0);
	read_all(&lg, got, sizeof(got));
	assert_string_equal(got, "6:a=1 7:b=1 8:c=1 9:z=1");
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

static void
refuses_null_keys(void **state)
{
	char *d = unit_tmpdir(), err[256];
	unsigned char b[1024];
	struct kb_logconf dc = conf;
	struct kb_log lg;
	const char *why;
	int64_t base;
	size_t n = batch(b, "a=1 -=2");

	(void)state;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why),
			 KB_INVALID_RECORD);
	assert_int_equal(lg.next, 0);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
	d = unit_tmpdir();
	dc.compact = 0;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &dc, err, sizeof(err)), 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	kb_log_close(&lg);
	unit_tmpdir_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(omap),
		cmocka_unit_test(one_batch),
		cmocka_unit_test(compressed_batch),
		cmocka_unit_test(null_keys),
		cmocka_unit_test(whole_pass),
		cmocka_unit_test(whole_pass_compressed),
		cmocka_unit_test(damaged_compressed),
		cmocka_unit_test(read_past_emptied),
		cmocka_unit_test(compaction_lag),
		cmocka_unit_test(refuses_null_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
