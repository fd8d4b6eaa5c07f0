/*
 * libFuzzer target for the envelope reader. Any bytes go to the decoder
 * directly (it must refuse, never crash); every JSON text the scanner
 * finds in the input goes through it too, and whatever it accepts is
 * written back as an envelope and read again: key, value and headers
 * must come back byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "jsonscan.h"

static int
same(const char *a, size_t an, const char *b, size_t bn)
{
	if (!a || !b)
		return !a && !b;
	return an == bn && memcmp(a, b, an) == 0;
}

static int
round_trip(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	struct kq_envdec d = {0}, d2 = {0};
	struct kq_envelope e, e2;
	struct kq_envenc enc;
	struct kq_writer w;
	size_t i;

	(void)arg;
	(void)at;
	if (kq_envelope_decode(&d, p, n, &e)) {
		kq_envdec_free(&d);
		return 0;
	}
	kq_envenc_init(&enc, 0);
	kq_writer_init(&w, -1, "fuzz", 1 << 24);
	kq_envelope_write(&enc, &w, &e);
	if (w.err)
		abort(); /* larger than 16 MB: the fuzzer never gets there */
	if (kq_envelope_decode(&d2, w.buf, w.len, &e2))
		abort();
	if (!same(e.key, e.key_len, e2.key, e2.key_len) ||
	    !same(e.value, e.value_len, e2.value, e2.value_len) ||
	    e.nheaders != e2.nheaders)
		abort();
	for (i = 0; i < e.nheaders; i++)
		if (!same(e.headers[i].name, e.headers[i].name_len,
			  e2.headers[i].name, e2.headers[i].name_len) ||
		    !same(e.headers[i].value, e.headers[i].value_len,
			  e2.headers[i].value, e2.headers[i].value_len))
			abort();
	free(w.buf);
	kq_envenc_free(&enc);
	kq_envdec_free(&d);
	kq_envdec_free(&d2);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kq_jsonpath dot;
	static int ready;
	struct kq_envdec d = {0};
	struct kq_envelope e;
	struct kq_jsonscan *s;

	if (!ready) {
		if (kq_jsonpath_parse(".", &dot))
			abort();
		ready = 1;
	}
	kq_envelope_decode(&d, (const char *)data, size, &e);
	kq_envdec_free(&d);

	s = kq_jsonscan_new(&dot, 0, round_trip, NULL);
	kq_jsonscan_feed(s, (const char *)data, size);
	kq_jsonscan_free(s);
	return 0;
}
