/*
 * Where a record came from, to name it in messages: the input it was
 * read from (each input by the number of its first record) and where in
 * it ("stdin line 17", "a.bin record 3", "a.txt" for a whole file); for
 * JSON envelopes, the line each of the newest KQ_ORIGIN_RING began on.
 */
#ifndef KQ_ORIGIN_H
#define KQ_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

#define KQ_ORIGIN_RING 65536

/* What a record of an input is. */
enum kq_origin_unit {
	KQ_ORIGIN_LINE,	    /* a line: "line N" */
	KQ_ORIGIN_RECORD,   /* ended by another delimiter: "record N" */
	KQ_ORIGIN_WHOLE,    /* the whole input: its name alone */
	KQ_ORIGIN_ENVELOPE, /* a JSON text: the line it began on */
};

struct kq_origin_input {
	const char *name;
	uint64_t first; /* its first record, numbered from 1 over all */
};

struct kq_origin {
	enum kq_origin_unit unit;
	struct kq_origin_input *inputs;
	size_t ninputs;
	uint64_t *ring; /* envelopes: record number and line, in pairs */
};

void kq_origin_init(struct kq_origin *o, enum kq_origin_unit unit);
void kq_origin_free(struct kq_origin *o);
/* An input begins (name must live as long as o) with record first. */
void kq_origin_input(struct kq_origin *o, const char *name, uint64_t first);
/* Envelopes: record rec began on line of its input. */
void kq_origin_line(struct kq_origin *o, uint64_t rec, uint64_t line);
/* Where record rec came from, in buf; "?" before any input. */
const char *kq_origin_name(const struct kq_origin *o, uint64_t rec, char *buf,
			   size_t size);

#endif
