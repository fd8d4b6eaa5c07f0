/*
 * libFuzzer target for the small languages of the command line:
 * durations, timestamps, offset specs, integers and delimiter escapes.
 * Each parser either refuses the text or gives a value that keeps what it
 * promises: a duration is never negative, a delimiter is 1 to 16 bytes,
 * a timestamp written back as ISO 8601 parses to the same instant.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "format.h"
#include "spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct kq_offset_spec o;
	struct kq_delim d;
	int64_t v, again;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;

	if (kq_parse_duration(s, &v) == 0 && v < 0)
		abort();
	if (kq_parse_int(s, -1000, 1000, &v) == 0 && (v < -1000 || v > 1000))
		abort();
	if (kq_parse_timestamp(s, &v) == 0 && v >= 0 &&
	    v < INT64_C(253402300800000)) {
		char iso[KQ_ISO8601_LEN];

		kq_format_iso8601(v, iso);
		if (kq_parse_timestamp(iso, &again) || again != v)
			abort();
	}
	if (kq_parse_offset(s, 1700000000000, &o) == 0) {
		if (o.kind == KQ_OFFSET_FROM_END && o.value < 1)
			abort();
		if (o.kind == KQ_OFFSET_ABSOLUTE && o.value < 0)
			abort();
	}
	if (kq_delim_parse(s, &d) == 0 && (d.len < 1 || d.len > KQ_DELIM_MAX))
		abort();
	free(s);
	return 0;
}
