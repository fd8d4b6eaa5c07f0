/*
 * Where a record came from, to name it in messages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "die.h"
#include "origin.h"

void
kq_origin_init(struct kq_origin *o, enum kq_origin_unit unit)
{
	o->unit = unit;
	o->inputs = NULL;
	o->ninputs = 0;
	o->ring = unit == KQ_ORIGIN_ENVELOPE
			  ? kq_ecalloc(2 * KQ_ORIGIN_RING, sizeof(*o->ring))
			  : NULL;
}

void
kq_origin_free(struct kq_origin *o)
{
	free(o->inputs);
	free(o->ring);
}

void
kq_origin_input(struct kq_origin *o, const char *name, uint64_t first)
{
	o->inputs =
		kq_erealloc(o->inputs, (o->ninputs + 1) * sizeof(*o->inputs));
	o->inputs[o->ninputs].name = name;
	o->inputs[o->ninputs].first = first;
	o->ninputs++;
}

void
kq_origin_line(struct kq_origin *o, uint64_t rec, uint64_t line)
{
	uint64_t *slot = &o->ring[2 * (rec % KQ_ORIGIN_RING)];

	slot[0] = rec;
	slot[1] = line;
}

/* The last input whose first record is at or before rec. */
static const struct kq_origin_input *
input_of(const struct kq_origin *o, uint64_t rec)
{
	size_t lo = 0, hi = o->ninputs;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (o->inputs[mid].first <= rec)
			lo = mid;
		else
			hi = mid;
	}
	return o->ninputs ? &o->inputs[lo] : NULL;
}

const char *
kq_origin_name(const struct kq_origin *o, uint64_t rec, char *buf, size_t size)
{
	const struct kq_origin_input *in = input_of(o, rec);
	unsigned long long n;
	const uint64_t *slot;

	if (!in) {
		snprintf(buf, size, "?");
		return buf;
	}
	n = (unsigned long long)(rec - in->first + 1);
	switch (o->unit) {
	case KQ_ORIGIN_WHOLE:
		snprintf(buf, size, "%s", in->name);
		break;
	case KQ_ORIGIN_ENVELOPE:
		/* Only the newest are kept: an older one gets the name. */
		slot = &o->ring[2 * (rec % KQ_ORIGIN_RING)];
		if (slot[0] == rec)
			snprintf(buf, size, "%s line %llu", in->name,
				 (unsigned long long)slot[1]);
		else
			snprintf(buf, size, "%s", in->name);
		break;
	case KQ_ORIGIN_LINE:
		snprintf(buf, size, "%s line %llu", in->name, n);
		break;
	case KQ_ORIGIN_RECORD:
		snprintf(buf, size, "%s record %llu", in->name, n);
		break;
	}
	return buf;
}
