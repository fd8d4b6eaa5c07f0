/*
 * What the unit tests of broker/ share: cmocka, a scratch data
 * directory, the log configuration most of them open logs with, record
 * batches built as a producer sends them, and a broker's stores opened
 * in a scratch directory as kb_broker_open opens them.
 */
#ifndef KB_UNIT_BROKER_H
#define KB_UNIT_BROKER_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "broker.h"
#include "codec.h"
#include "log.h"
#include "loop.h"
#include "offsets.h"
#include "topics.h"
#include "txn.h"

/* Large enough for what a test writes; no retention. */
static const struct kb_logconf unit_logconf = {
	.segment_bytes = 1 << 20,
	.retention_bytes = -1,
	.retention_ms = -1,
	.max_message_bytes = 1 << 20,
};

/* A new directory under /tmp; unit_tmpdir_free removes it and frees d. */
static inline char *
unit_tmpdir(void)
{
	char *d = strdup("/tmp/kq-unit-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static inline void
unit_tmpdir_free(char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(d);
}

/* v as a record's zigzag varint at p: its length. */
static inline size_t
unit_varint(unsigned char *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (z >= 0x80) {
		p[n++] = (unsigned char)(z | 0x80);
		z >>= 7;
	}
	p[n++] = (unsigned char)z;
	return n;
}

/*
 * Record i of a batch at p, its length in front: timestamp and offset
 * deltas i, key and value of kl and vl bytes (-1: null), no headers.
 * The bytes written.
 */
static inline size_t
unit_record(unsigned char *p, int i, const char *key, int64_t kl,
	    const char *val, int64_t vl)
{
	unsigned char t[10];
	size_t n, body;

	body = 1 + 2 * unit_varint(t, i) + unit_varint(t, kl) +
	       (size_t)(kl > 0 ? kl : 0) + unit_varint(t, vl) +
	       (size_t)(vl > 0 ? vl : 0) + 1;
	n = unit_varint(p, (int64_t)body);
	p[n++] = 0; /* attributes */
	n += unit_varint(p + n, i);
	n += unit_varint(p + n, i);
	n += unit_varint(p + n, kl);
	if (kl > 0) {
		memcpy(p + n, key, (size_t)kl);
		n += (size_t)kl;
	}
	n += unit_varint(p + n, vl);
	if (vl > 0) {
		memcpy(p + n, val, (size_t)vl);
		n += (size_t)vl;
	}
	p[n++] = 0; /* no headers */
	return n;
}

/*
 * The header of an uncompressed batch of n records at b, len bytes in
 * all with the records unit_record wrote after KB_BATCH_HEADER, as a
 * producer sends it (baseOffset 0): timestamps ts0 to ts0 + n - 1,
 * producer pid (epoch 0) from sequence seq; its CRC-32C last.
 */
static inline void
unit_batch_seal(unsigned char *b, size_t len, int n, int64_t ts0, int64_t pid,
		int32_t seq)
{
	memset(b, 0, KB_BATCH_HEADER);
	kb_st32(b + KB_B_LENGTH, (uint32_t)(len - 12));
	kb_st32(b + KB_B_EPOCH, (uint32_t)-1);
	b[KB_B_MAGIC] = 2;
	kb_st32(b + KB_B_LASTDELTA, (uint32_t)(n - 1));
	kb_st64(b + KB_B_BASETS, (uint64_t)ts0);
	kb_st64(b + KB_B_MAXTS, (uint64_t)(ts0 + n - 1));
	kb_st64(b + KB_B_PID, (uint64_t)pid);
	kb_st32(b + KB_B_BASESEQ, (uint32_t)seq);
	kb_st32(b + KB_B_COUNT, (uint32_t)n);
	kb_st32(b + KB_B_CRC, kb_crc32c(0, b + KB_B_ATTRS, len - KB_B_ATTRS));
}

/* A broker without a network: its stores in a scratch directory. */
struct unit_broker {
	struct kb_broker b;
	char *dir;
};

/* The stores, as kb_broker_open opens them, for f->dir. */
static inline void
unit_stores_open(struct unit_broker *f)
{
	char err[512];

	memset(&f->b, 0, sizeof(f->b));
	f->b.quiet = 1;
	f->b.offsets.fd = -1;
	assert_non_null(f->b.loop = kb_loop_new());
	assert_int_equal(kb_topics_open(&f->b.topics, f->dir, &unit_logconf,
					err, sizeof(err)),
			 0);
	assert_int_equal(
		kb_offsets_open(&f->b.offsets, f->dir, err, sizeof(err)), 0);
	assert_int_equal(kb_pids_open(&f->b.pids, f->dir), 0);
	assert_int_equal(kb_txn_open(&f->b, f->dir, err, sizeof(err)), 0);
}

static inline void
unit_stores_close(struct unit_broker *f)
{
	kb_txn_close(&f->b);
	kb_pids_close(&f->b.pids);
	kb_offsets_close(&f->b.offsets);
	kb_topics_close(&f->b.topics);
	kb_loop_free(f->b.loop);
}

/* cmocka's setup: the stores, and a topic "t" of two partitions. */
static inline int
unit_broker_setup(void **state)
{
	struct unit_broker *f = calloc(1, sizeof(*f));
	char err[512];

	assert_non_null(f);
	f->dir = unit_tmpdir();
	unit_stores_open(f);
	assert_int_equal(kb_topics_create(&f->b.topics, "t", 2, NULL, 0, 0,
					  NULL, err, sizeof(err)),
			 0);
	*state = f;
	return 0;
}

static inline int
unit_broker_teardown(void **state)
{
	struct unit_broker *f = *state;

	unit_stores_close(f);
	unit_tmpdir_free(f->dir);
	free(f);
	return 0;
}

#endif
