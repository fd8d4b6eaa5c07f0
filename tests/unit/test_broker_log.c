/*
 * The partition log: batches in and out as stored, offsets assigned,
 * recovery of a torn or corrupt tail, segments, retention, timestamps,
 * idempotent producers; and the committed offsets and topics on disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "codec.h"
#include "errors.h"
#include "log.h"
#include "offsets.h"
#include "topics.h"

static const struct kb_logconf conf = {
	.segment_bytes = 1 << 20,
	.retention_bytes = -1,
	.retention_ms = -1,
	.max_message_bytes = 1 << 20,
};

static size_t
varint(unsigned char *p, int64_t v)
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
 * A batch of n uncompressed records valued "v<first+i>", timestamps
 * ts0 + i, as a producer would send it (baseOffset 0).
 */
static size_t
batch(unsigned char *b, int n, int first, int64_t ts0, int64_t pid,
      int32_t seq)
{
	size_t len = KB_BATCH_HEADER;
	int i;

	memset(b, 0, KB_BATCH_HEADER);
	for (i = 0; i < n; i++) {
		unsigned char rec[64];
		char val[16];
		size_t r = 0;
		int vl = snprintf(val, sizeof(val), "v%d", first + i);

		rec[r++] = 0;
		r += varint(rec + r, i);
		r += varint(rec + r, i);
		r += varint(rec + r, -1);
		r += varint(rec + r, vl);
		memcpy(rec + r, val, (size_t)vl);
		r += (size_t)vl;
		r += varint(rec + r, 0);
		len += varint(b + len, (int64_t)r);
		memcpy(b + len, rec, r);
		len += r;
	}
	kb_st32(b + KB_B_LENGTH, (uint32_t)(len - 12));
	kb_st32(b + KB_B_EPOCH, (uint32_t)-1);
	b[KB_B_MAGIC] = 2;
	kb_st32(b + KB_B_LASTDELTA, (uint32_t)(n - 1));
	kb_st64(b + KB_B_BASETS, (uint64_t)ts0);
	kb_st64(b + KB_B_MAXTS, (uint64_t)(ts0 + n - 1));
	kb_st64(b + KB_B_PID, (uint64_t)pid);
	b[KB_B_PEPOCH] = 0;
	b[KB_B_PEPOCH + 1] = 0;
	kb_st32(b + KB_B_BASESEQ, (uint32_t)seq);
	kb_st32(b + KB_B_COUNT, (uint32_t)n);
	kb_st32(b + KB_B_CRC, kb_crc32c(0, b + KB_B_ATTRS, len - KB_B_ATTRS));
	return len;
}

static char *
tmpdir(void)
{
	char *d = strdup("/tmp/kq-unit-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void
rm_rf(const char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
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
	char *d = tmpdir(), err[256];
	unsigned char b[4096];
	struct kb_log lg;
	struct kb_buf out = {0};
	const char *why;
	int64_t base;
	size_t n;

	(void)state;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	n = batch(b, 3, 0, 1000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 0);
	n = batch(b, 2, 3, 2000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 3);
	assert_int_equal(lg.next, 5);
	/* Offset 4 lies in the second batch: that batch comes back. */
	assert_int_equal(kb_log_read(&lg, 4, 1 << 20, &out), 0);
	assert_int_equal(out.len, n);
	assert_int_equal(kb_be64(out.p), 3);
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 0, 1 << 20, &out), 0);
	assert_int_equal(kb_be64(out.p), 0);
	/* A limit smaller than the first batch still gives the first. */
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 0, 10, &out), 0);
	assert_int_equal(kb_be32(out.p + KB_B_LENGTH) + 12, out.len);
	out.len = 0;
	assert_int_equal(kb_log_read(&lg, 5, 100, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(kb_log_read(&lg, 6, 100, &out), KB_OFFSET_OUT_OF_RANGE);
	kb_log_close(&lg);
	kb_buf_free(&out);
	rm_rf(d);
	free(d);
}

static void
bad_batches_are_refused(void **state)
{
	char *d = tmpdir(), err[256];
	unsigned char b[4096];
	struct kb_log lg;
	const char *why = NULL;
	int64_t base;
	size_t n;

	(void)state;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
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
	rm_rf(d);
	free(d);
}

static void
recovery_cuts_a_torn_tail(void **state)
{
	char *d = tmpdir(), err[256], path[256];
	unsigned char b[4096];
	struct kb_log lg;
	const char *why;
	int64_t base;
	size_t n, good;
	int fd, i;

	(void)state;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
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
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	assert_int_equal(lg.next, 50);
	assert_int_equal(kb_log_size(&lg), good);
	kb_log_close(&lg);
	/* A flipped byte in the last batch: that batch goes, no more. */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "X", 1, (off_t)good - 3), 1);
	close(fd);
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	assert_int_equal(lg.next, 45);
	n = batch(b, 1, 0, 3000, -1, 0);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 45);
	kb_log_close(&lg);
	rm_rf(d);
	free(d);
}

static void
segments_and_retention(void **state)
{
	char *d = tmpdir(), err[256];
	unsigned char b[4096];
	struct kb_logconf c = conf;
	struct kb_log lg;
	struct kb_buf out = {0};
	const char *why;
	int64_t base;
	size_t n;
	int i;

	(void)state;
	c.segment_bytes = 1000;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	for (i = 0; i < 100; i++) {
		n = batch(b, 4, 4 * i, 1000 + 4 * i, -1, 0);
		assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	}
	assert_true(lg.nsegs > 10);
	kb_log_close(&lg);
	/* Reopened: the indexes of the older segments are used. */
	assert_int_equal(kb_log_open(&lg, d, "t-0", &c, err, sizeof(err)), 0);
	assert_int_equal(lg.next, 400);
	assert_int_equal(kb_log_read(&lg, 201, 1, &out), 0);
	assert_int_equal(kb_be64(out.p), 200);
	lg.conf.retention_bytes = 2000;
	assert_true(kb_log_retain(&lg, 0) > 0);
	assert_true(kb_log_size(&lg) < 2000 + 1000);
	assert_true(lg.start > 0);
	assert_int_equal(lg.start, lg.segs[0].base);
	assert_int_equal(kb_log_read(&lg, 0, 100, &out),
			 KB_OFFSET_OUT_OF_RANGE);
	/* By time: everything older than 3 s ago (ts 1000.. is 1970). */
	lg.conf.retention_ms = 3000;
	kb_log_retain(&lg, 1000 + 400 + 3000 + 10);
	assert_int_equal(lg.nsegs, 1);
	kb_log_close(&lg);
	kb_buf_free(&out);
	rm_rf(d);
	free(d);
}

static void
offsets_by_time(void **state)
{
	char *d = tmpdir(), err[256];
	unsigned char b[4096];
	struct kb_logconf c = conf;
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
	rm_rf(d);
	free(d);
}

static void
idempotent_producers(void **state)
{
	char *d = tmpdir(), err[256];
	unsigned char b[4096];
	struct kb_log lg;
	const char *why;
	int64_t base;
	size_t n;

	(void)state;
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
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
	assert_int_equal(kb_log_open(&lg, d, "t-0", &conf, err, sizeof(err)),
			 0);
	n = batch(b, 3, 3, 1000, 7, 3);
	assert_int_equal(kb_log_append(&lg, b, n, 0, &base, &why), 0);
	assert_int_equal(base, 3);
	assert_int_equal(lg.next, 6);
	kb_log_close(&lg);
	rm_rf(d);
	free(d);
}

static void
committed_offsets_survive(void **state)
{
	char *d = tmpdir(), err[256], path[256];
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
	rm_rf(d);
	free(d);
}

static void
topics_on_disk(void **state)
{
	char *d = tmpdir(), err[256], why[256];
	struct kb_topics ts;
	struct kb_topic *t;
	struct kb_cfgval cfg[] = {{"retention.ms", "60000"}};
	struct kb_cfgval bad[] = {{"cleanup.policy", "compact"}};

	(void)state;
	assert_int_equal(kb_topics_open(&ts, d, &conf, err, sizeof(err)), 0);
	assert_int_equal(kb_topics_create(&ts, "a.b-c_d", 3, cfg, 1, 0, &t,
					  why, sizeof(why)),
			 0);
	assert_int_equal(kb_topics_create(&ts, "a.b-c_d", 3, NULL, 0, 0, NULL,
					  why, sizeof(why)),
			 KB_TOPIC_ALREADY_EXISTS);
	assert_int_equal(kb_topics_create(&ts, "bad name", 1, NULL, 0, 0,
					  NULL, why, sizeof(why)),
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
	assert_int_equal(kb_topics_open(&ts, d, &conf, err, sizeof(err)), 0);
	assert_int_equal(ts.n, 1);
	t = kb_topics_find(&ts, "a.b-c_d", 7);
	assert_non_null(t);
	assert_int_equal(t->nparts, 5);
	assert_int_equal(t->conf.retention_ms, 60000);
	assert_true(t->set & (1u << KB_CFG_RETENTION_MS));
	assert_null(kb_topics_find(&ts, "gone", 4));
	kb_topics_close(&ts);
	rm_rf(d);
	free(d);
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
		cmocka_unit_test(idempotent_producers),
		cmocka_unit_test(committed_offsets_survive),
		cmocka_unit_test(topics_on_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
