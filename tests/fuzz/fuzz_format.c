/*
 * libFuzzer target for kq-sub's format strings: the first line of the
 * input is the format, the rest a message's value. A format is refused
 * with a reason or renders; rendering never writes more than the writer
 * was given, and a format without directives prints itself (unescaped).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t flen = nl ? (size_t)(nl - (const char *)data) : size;
	char *fmt = malloc(flen + 1), err[256];
	struct kq_envelope e = {0};
	struct kq_format f;
	struct kq_writer w;
	size_t n;

	if (!fmt)
		abort();
	memcpy(fmt, data, flen);
	fmt[flen] = 0;
	flen = strlen(fmt); /* the format is a C string: it ends at a NUL */
	if (kq_format_parse(&f, fmt, err, sizeof(err))) {
		if (!*err)
			abort(); /* a refusal says why */
		free(fmt);
		return 0;
	}
	e.topic = "t";
	e.partition = 3;
	e.offset = 42;
	e.timestamp = (int64_t)size * 1000003;
	e.value = nl ? nl + 1 : NULL;
	e.value_len = nl ? size - (size_t)(nl + 1 - (const char *)data) : 0;
	kq_writer_init(&w, -1, "fuzz", 1 << 20);
	n = kq_format_write(&f, &w, &e);
	if (!w.err && n != w.len)
		abort();
	if (!strchr(fmt, '%') && !strchr(fmt, '\\') &&
	    (w.len != flen || memcmp(w.buf, fmt, flen)))
		abort();
	free(w.buf);
	kq_format_free(&f);
	free(fmt);
	return 0;
}
