/*
 * The compression codecs of record batches (gzip, snappy, lz4, zstd) and
 * the recompression of a batch into another codec, as Kafka's broker does
 * for a topic whose compression.type is not "producer". Decompression is
 * always bounded: a batch whose records would take more than the caller's
 * limit is refused, never allocated for.
 */
#ifndef KB_COMPRESS_H
#define KB_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/* The codec ids of a batch's attributes (its lowest 3 bits). */
enum {
	KB_ZIP_NONE = 0,
	KB_ZIP_GZIP = 1,
	KB_ZIP_SNAPPY = 2,
	KB_ZIP_LZ4 = 3,
	KB_ZIP_ZSTD = 4,
	KB_ZIP_PRODUCER = -1 /* compression.type=producer: keep the codec */
};

/*
 * The most a batch's records may take decompressed: 16 times
 * max.message.bytes, 64 MiB at least, max_memory at most. Kafka sets no
 * bound; a producer's batch (librdkafka's batch.size, 1 MB) is far below.
 */
size_t kb_zip_limit(int64_t max_message_bytes, size_t max_memory);
/* The default level of a codec (Kafka's compression.CODEC.level's). */
int kb_zip_level(int codec);

/* The codec a compression.type value names (KB_ZIP_PRODUCER), or -2. */
int kb_zip_by_name(const char *name);
/* The name of a codec id ("none" for 0), or NULL. */
const char *kb_zip_name(int codec);

/*
 * Append the n bytes at p, compressed with codec (not NONE) at level (as
 * Kafka's compression.gzip.level and the others take it; snappy has
 * none), to out. 0, or -1 with why (the codec library failed).
 */
int kb_zip_compress(int codec, int level, const void *p, size_t n,
		    struct kb_buf *out, const char **why);

/*
 * Append the n bytes at p, compressed with codec, decompressed to out:
 * at most limit bytes. 0; -1 with why when the data is not a valid stream
 * of codec (or the codec is unknown); -2 with why when it would go past
 * limit. Nothing is appended on failure.
 */
int kb_zip_decompress(int codec, const void *p, size_t n, size_t limit,
		      struct kb_buf *out, const char **why);

/*
 * The checked batch at p (size bytes) with its records in codec
 * (KB_ZIP_PRODUCER: as they are), appended to out: the header kept but
 * for the codec bits, the length and the CRC; the records kept byte for
 * byte. Its records are decompressed (at most limit bytes) and walked: a
 * batch whose records do not add up to its count is refused. 0, or a
 * Kafka error code with why: CORRUPT_MESSAGE for data that does not
 * decompress or records that do not parse, INVALID_RECORD past limit.
 * out may be NULL to check the batch only.
 */
int kb_zip_batch(const unsigned char *p, size_t size, int codec, int level,
		 size_t limit, struct kb_buf *out, const char **why);

#endif
