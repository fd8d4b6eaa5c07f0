/*
 * Record batch codecs: gzip (zlib), snappy (xerial's framing, as Kafka's
 * Java client writes it; raw snappy read too, as librdkafka writes it),
 * lz4 (the LZ4 frame format) and zstd. Decompression grows its output in
 * steps and stops at the caller's limit: the sizes a stream announces are
 * never trusted for an allocation.
 */
#include "compress.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "errors.h"
#include "log.h"

/* Output is grown by at least this much at a time. */
#define STEP (64 * 1024)

/* xerial's snappy framing: magic, version, compatible version, blocks. */
static const unsigned char xerial_magic[8] = {0x82, 'S', 'N', 'A',
					      'P',  'P', 'Y', 0};
#define XERIAL_HEADER 16
#define XERIAL_BLOCK  (32 * 1024) /* the block size Kafka's client writes */

int
kb_zip_by_name(const char *name)
{
	static const char *names[] = {"uncompressed", "gzip", "snappy", "lz4",
				      "zstd"};
	size_t i;

	if (!strcmp(name, "producer"))
		return KB_ZIP_PRODUCER;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -2;
}

const char *
kb_zip_name(int codec)
{
	static const char *names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

	return codec >= 0 && codec <= KB_ZIP_ZSTD ? names[codec] : NULL;
}

/*
 * Room for the next piece of output, of at most limit bytes in all since
 * start (one more, so that going past it shows): 0 when none is left.
 */
static size_t
room(struct kb_buf *out, size_t start, size_t limit)
{
	size_t made = out->len - start, n = made > STEP ? made : STEP;

	if (made > limit)
		return 0;
	if (n > limit + 1 - made)
		n = limit + 1 - made;
	kb_buf_room(out, n);
	return n;
}

/* --- gzip ------------------------------------------------------------------
 */

static int
gzip_compress(int level, const void *p, size_t n, struct kb_buf *out,
	      const char **why)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer, as Kafka writes. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		*why = "gzip: cannot start compressing";
		return -1;
	}
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.avail_out = (uInt)deflateBound(&z, (uLong)n);
	z.next_out = kb_buf_room(out, z.avail_out);
	rc = deflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END)
		out->len += z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		*why = "gzip: compression failed";
		return -1;
	}
	return 0;
}

static int
gzip_decompress(const void *p, size_t n, size_t limit, struct kb_buf *out,
		const char **why)
{
	z_stream z;
	size_t start = out->len, r;
	int rc = Z_OK;

	memset(&z, 0, sizeof(z));
	/* 15 + 32: gzip or zlib headers, as librdkafka reads them. */
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		*why = "gzip: cannot start decompressing";
		return -1;
	}
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	while (rc == Z_OK) {
		if (!(r = room(out, start, limit))) {
			rc = -2;
			break;
		}
		z.next_out = out->p + out->len;
		z.avail_out = (uInt)r;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += r - z.avail_out;
		if (rc == Z_BUF_ERROR && z.avail_out > 0)
			break; /* no input left: truncated */
		if (rc == Z_BUF_ERROR)
			rc = Z_OK;
	}
	inflateEnd(&z);
	if (out->len - start > limit)
		rc = -2;
	if (rc == Z_STREAM_END)
		return 0;
	out->len = start;
	*why = rc == -2 ? "gzip: records decompress past the limit"
			: "gzip: corrupt or truncated data";
	return rc == -2 ? -2 : -1;
}

/* --- snappy ----------------------------------------------------------------
 */

static int
snappy_block_compress(const unsigned char *p, size_t n, struct kb_buf *out,
		      const char **why)
{
	size_t cap = snappy_max_compressed_length(n);
	char *dst = (char *)kb_buf_room(out, cap);

	if (snappy_compress((const char *)p, n, dst, &cap) != SNAPPY_OK) {
		*why = "snappy: compression failed";
		return -1;
	}
	out->len += cap;
	return 0;
}

/* xerial's framing: a header, then blocks each after its length. */
static int
snappy_xerial_compress(const unsigned char *p, size_t n, struct kb_buf *out,
		       const char **why)
{
	size_t start = out->len, off, len, at;

	kb_put(out, xerial_magic, sizeof(xerial_magic));
	kb_put_i32(out, 1); /* version */
	kb_put_i32(out, 1); /* the oldest version that reads it */
	for (off = 0; off < n; off += len) {
		len = n - off < XERIAL_BLOCK ? n - off : XERIAL_BLOCK;
		at = out->len;
		kb_put_i32(out, 0);
		if (snappy_block_compress(p + off, len, out, why)) {
			out->len = start;
			return -1;
		}
		kb_st32(out->p + at, (uint32_t)(out->len - at - 4));
	}
	return 0;
}

/* One raw snappy block, its announced size held to what is left. */
static int
snappy_block_decompress(const unsigned char *p, size_t n, size_t left,
			struct kb_buf *out, const char **why)
{
	size_t len;

	if (snappy_uncompressed_length((const char *)p, n, &len) != SNAPPY_OK) {
		*why = "snappy: corrupt data";
		return -1;
	}
	if (len > left) {
		*why = "snappy: records decompress past the limit";
		return -2;
	}
	if (snappy_uncompress((const char *)p, n,
			      (char *)kb_buf_room(out, len ? len : 1),
			      &len) != SNAPPY_OK) {
		*why = "snappy: corrupt data";
		return -1;
	}
	out->len += len;
	return 0;
}

static int
snappy_decompress(const unsigned char *p, size_t n, size_t limit,
		  struct kb_buf *out, const char **why)
{
	size_t start = out->len, off, len;
	int rc = 0;

	if (n < XERIAL_HEADER || memcmp(p, xerial_magic, sizeof(xerial_magic)))
		return snappy_block_decompress(p, n, limit, out, why);
	for (off = XERIAL_HEADER; off < n && !rc; off += len) {
		if (n - off < 4 || (len = kb_be32(p + off)) > n - off - 4) {
			*why = "snappy: truncated xerial block";
			rc = -1;
			break;
		}
		off += 4;
		rc = snappy_block_decompress(
			p + off, len, limit - (out->len - start), out, why);
	}
	if (rc)
		out->len = start;
	return rc;
}

/* --- lz4 -------------------------------------------------------------------
 */

static int
lz4_compress(int level, const void *p, size_t n, struct kb_buf *out,
	     const char **why)
{
	LZ4F_preferences_t prefs;
	size_t cap, got;

	/* Independent 64 KiB blocks, as Kafka's and librdkafka's. */
	memset(&prefs, 0, sizeof(prefs));
	prefs.frameInfo.blockSizeID = LZ4F_max64KB;
	prefs.frameInfo.blockMode = LZ4F_blockIndependent;
	prefs.compressionLevel = level;
	cap = LZ4F_compressFrameBound(n, &prefs);
	got = LZ4F_compressFrame(kb_buf_room(out, cap), cap, p, n, &prefs);
	if (LZ4F_isError(got)) {
		*why = "lz4: compression failed";
		return -1;
	}
	out->len += got;
	return 0;
}

static int
lz4_decompress(const unsigned char *p, size_t n, size_t limit,
	       struct kb_buf *out, const char **why)
{
	LZ4F_dctx *dc;
	size_t start = out->len, off = 0, r, in, hint = 1;
	int rc = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION))) {
		*why = "lz4: cannot start decompressing";
		return -1;
	}
	while (hint != 0) {
		if (!(r = room(out, start, limit))) {
			rc = -2;
			break;
		}
		in = n - off;
		hint = LZ4F_decompress(dc, out->p + out->len, &r, p + off, &in,
				       NULL);
		if (LZ4F_isError(hint) || (in == 0 && r == 0 && hint != 0)) {
			rc = -1; /* corrupt, or no input left: truncated */
			break;
		}
		off += in;
		out->len += r;
	}
	LZ4F_freeDecompressionContext(dc);
	if (!rc && out->len - start > limit)
		rc = -2;
	if (rc) {
		out->len = start;
		*why = rc == -2 ? "lz4: records decompress past the limit"
				: "lz4: corrupt or truncated data";
	}
	return rc;
}

/* --- zstd ------------------------------------------------------------------
 */

static int
zstd_compress(int level, const void *p, size_t n, struct kb_buf *out,
	      const char **why)
{
	size_t cap = ZSTD_compressBound(n), got;

	got = ZSTD_compress(kb_buf_room(out, cap), cap, p, n, level);
	if (ZSTD_isError(got)) {
		*why = "zstd: compression failed";
		return -1;
	}
	out->len += got;
	return 0;
}

static int
zstd_decompress(const unsigned char *p, size_t n, size_t limit,
		struct kb_buf *out, const char **why)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer in = {p, n, 0};
	ZSTD_outBuffer o;
	size_t start = out->len, r, was, hint = 1;
	int rc = 0, wlog = 20;

	if (!dc) {
		*why = "zstd: cannot start decompressing";
		return -1;
	}
	/* Nor may a frame's window take more memory than its records. */
	while (wlog < 27 && ((size_t)1 << wlog) < limit)
		wlog++;
	ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, wlog);
	while (in.pos < in.size || hint != 0) {
		if (!(r = room(out, start, limit))) {
			rc = -2;
			break;
		}
		o.dst = out->p + out->len;
		o.size = r;
		o.pos = 0;
		was = in.pos;
		hint = ZSTD_decompressStream(dc, &o, &in);
		out->len += o.pos;
		if (ZSTD_isError(hint) ||
		    (in.pos == was && o.pos == 0 && hint != 0)) {
			rc = -1;
			break;
		}
	}
	ZSTD_freeDCtx(dc);
	if (!rc && out->len - start > limit)
		rc = -2;
	if (rc) {
		out->len = start;
		*why = rc == -2 ? "zstd: records decompress past the limit"
				: "zstd: corrupt or truncated data";
	}
	return rc;
}

/* --- the codecs ------------------------------------------------------------
 */

int
kb_zip_compress(int codec, int level, const void *p, size_t n,
		struct kb_buf *out, const char **why)
{
	switch (codec) {
	case KB_ZIP_GZIP:
		return gzip_compress(level, p, n, out, why);
	case KB_ZIP_SNAPPY:
		return snappy_xerial_compress(p, n, out, why);
	case KB_ZIP_LZ4:
		return lz4_compress(level, p, n, out, why);
	case KB_ZIP_ZSTD:
		return zstd_compress(level, p, n, out, why);
	}
	*why = "unknown compression codec";
	return -1;
}

int
kb_zip_decompress(int codec, const void *p, size_t n, size_t limit,
		  struct kb_buf *out, const char **why)
{
	switch (codec) {
	case KB_ZIP_GZIP:
		return gzip_decompress(p, n, limit, out, why);
	case KB_ZIP_SNAPPY:
		return snappy_decompress(p, n, limit, out, why);
	case KB_ZIP_LZ4:
		return lz4_decompress(p, n, limit, out, why);
	case KB_ZIP_ZSTD:
		return zstd_decompress(p, n, limit, out, why);
	}
	*why = "unknown compression codec";
	return -1;
}

size_t
kb_zip_limit(int64_t max_message_bytes, size_t max_memory)
{
	uint64_t limit =
		max_message_bytes > 0 ? (uint64_t)max_message_bytes * 16 : 0;

	if (limit < 64 << 20)
		limit = 64 << 20;
	if (limit > max_memory)
		limit = max_memory;
	return (size_t)limit;
}

int
kb_zip_level(int codec)
{
	switch (codec) {
	case KB_ZIP_GZIP:
		return -1; /* zlib's Z_DEFAULT_COMPRESSION */
	case KB_ZIP_LZ4:
		return 9;
	case KB_ZIP_ZSTD:
		return 3;
	}
	return 0;
}

/* --- batches ---------------------------------------------------------------
 */

/*
 * The records of a batch, count of them, each after its length (a
 * zig-zag varint), end where the data does: as Kafka holds a compressed
 * batch's records to its count. A record has 6 bytes at least (its
 * attributes and five varints).
 */
static int
records_check(const unsigned char *p, size_t n, int32_t count, const char **why)
{
	struct kb_rd r;
	int32_t i;
	int64_t len;

	kb_rd_init(&r, p, n);
	for (i = 0; i < count && !r.err; i++) {
		len = kb_varlong(&r);
		if (len < 6 || (uint64_t)len > kb_left(&r)) {
			*why = "a record's length is out of its batch";
			return KB_CORRUPT_MESSAGE;
		}
		kb_skip(&r, (size_t)len);
	}
	if (r.err || kb_left(&r) > 0) {
		*why = r.err ? "fewer records than the batch's count"
			     : "bytes past the batch's last record";
		return KB_CORRUPT_MESSAGE;
	}
	return 0;
}

int
kb_zip_batch(const unsigned char *p, size_t size, int codec, int level,
	     size_t limit, struct kb_buf *out, const char **why)
{
	int from = p[KB_B_ATTRS + 1] & 0x07, rc = 0;
	const unsigned char *recs = p + KB_BATCH_HEADER;
	size_t n = size - KB_BATCH_HEADER, start;
	struct kb_buf raw = {0};
	unsigned char *b;

	if (from > KB_ZIP_ZSTD) {
		*why = "unknown compression codec";
		return KB_CORRUPT_MESSAGE;
	}
	if (codec == KB_ZIP_PRODUCER)
		codec = from;
	if (from != KB_ZIP_NONE) {
		rc = kb_zip_decompress(from, recs, n, limit, &raw, why);
		if (rc) {
			kb_buf_free(&raw);
			return rc == -2 ? KB_INVALID_RECORD
					: KB_CORRUPT_MESSAGE;
		}
		recs = raw.p;
		n = raw.len;
	}
	if ((from != KB_ZIP_NONE || codec != from) &&
	    (rc = records_check(recs, n, (int32_t)kb_be32(p + KB_B_COUNT),
				why))) {
		kb_buf_free(&raw);
		return rc;
	}
	if (!out) {
		kb_buf_free(&raw);
		return 0;
	}
	if (codec == from) {
		kb_buf_free(&raw);
		kb_put(out, p, size);
		return 0;
	}
	start = out->len;
	kb_put(out, p, KB_BATCH_HEADER);
	if (codec == KB_ZIP_NONE)
		kb_put(out, recs, n);
	else if (kb_zip_compress(codec, level, recs, n, out, why))
		rc = KB_UNKNOWN_SERVER_ERROR;
	kb_buf_free(&raw);
	if (rc) {
		out->len = start;
		return rc;
	}
	b = out->p + start;
	b[KB_B_ATTRS + 1] =
		(unsigned char)((b[KB_B_ATTRS + 1] & ~0x07) | codec);
	kb_st32(b + KB_B_LENGTH, (uint32_t)(out->len - start - 12));
	kb_st32(b + KB_B_CRC,
		kb_crc32c(0, b + KB_B_ATTRS, out->len - start - KB_B_ATTRS));
	return 0;
}
