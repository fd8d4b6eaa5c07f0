/*
 * libFuzzer target for kq-broker's request decoder and handlers: the input
 * is a stream of request frames, as one connection would send them. Each
 * frame is split as net.c splits it and handed to the handler of its API
 * key; a malformed one must be refused (KB_BADREQ), never read out of
 * bounds. The broker runs on a scratch data directory with a topic of two
 * partitions; state that would otherwise pile up between inputs (parked
 * requests, groups) is dropped after each.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "broker.h"
#include "codec.h"
#include "groups.h"
#include "net.h"

static struct kb_broker b;
static struct kb_conn c;

static char dir[] = "/tmp/kq-fuzz-broker-XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The scratch data directory goes when the fuzzer ends. */
static void
rm_dir(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	struct kb_settings s = {0};
	char err[512];

	if (!mkdtemp(dir))
		abort();
	atexit(rm_dir);
	s.listen_host = "127.0.0.1";
	s.listen_port = 0;
	s.data_dir = dir;
	s.fsync = KB_FSYNC_NEVER;
	s.auto_create = 1;
	s.auto_partitions = 1;
	s.max_conns = 10;
	s.max_request = 1 << 20;
	s.max_memory = 1 << 26;
	s.defaults = (struct kb_logconf){1 << 20, -1, -1, 1 << 20};
	s.quiet = 1;
	if (kb_broker_open(&b, &s, err, sizeof(err)) ||
	    kb_broker_topic(&b, "t", 2, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	c.fd = -1;
	c.net = &b.net;
	snprintf(c.peer, sizeof(c.peer), "fuzz");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;
	size_t pos = 0;

	if (!b.loop)
		setup();
	/* The handlers may change the request in place (Produce does). */
	buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	while (size - pos >= 4) {
		uint32_t n = kb_be32(buf + pos);
		struct kb_rd rd;
		struct kb_req r;

		if (n < 8 || n > size - pos - 4)
			break;
		kb_rd_init(&rd, buf + pos + 4, n);
		memset(&r, 0, sizeof(r));
		r.c = &c;
		r.out = &c.out;
		r.peer = c.peer;
		r.who = c.peer;
		r.key = kb_i16(&rd);
		r.ver = kb_i16(&rd);
		r.corr = kb_i32(&rd);
		r.client = kb_string(&rd);
		if (rd.err)
			break;
		r.body = (unsigned char *)rd.p;
		r.len = kb_left(&rd);
		pos += 4 + n;
		kb_reply_begin(&c, r.corr);
		if (kb_api_handle(&b, &r) == KB_PARKED && c.parked && c.cancel)
			c.cancel(c.cancel_arg);
		c.parked = 0;
		c.cancel = NULL;
		c.ready = 0;
		b.net.ready = NULL;
		c.out.len = 0;
	}
	kb_fetch_flush(&b);
	kb_groups_free(&b);
	b.net.ready = NULL;
	c.ready = 0;
	free(buf);
	return 0;
}
