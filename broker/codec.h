/*
 * The Kafka wire types: a bounds-checked reader over one request and a
 * growing buffer that responses are written into. Both speak the classic
 * forms or, with flex set, the flexible ones of KIP-482 (compact strings,
 * bytes and arrays, tagged-field sections), so that one handler serves
 * every version of its request. A read past the end sets r->err and
 * yields zeros, so a handler may parse a whole request and check once.
 */
#ifndef KB_CODEC_H
#define KB_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct kb_rd {
	const unsigned char *p, *end;
	int err;
	int flex; /* compact forms, tagged fields */
};

/* A string as it lies in the request: not NUL-terminated; len -1 is null. */
struct kb_str {
	const char *s;
	int len;
};

void kb_rd_init(struct kb_rd *r, const void *p, size_t n);
int8_t kb_i8(struct kb_rd *r);
int16_t kb_i16(struct kb_rd *r);
int32_t kb_i32(struct kb_rd *r);
int64_t kb_i64(struct kb_rd *r);
struct kb_str kb_string(struct kb_rd *r);
/* bytes: the length (-1 null) and *p at the bytes, in the request buffer. */
int32_t kb_bytes(struct kb_rd *r, const unsigned char **p);
/*
 * An array's count (-1 null). A count larger than the bytes left could
 * hold, each element taking min bytes at least (kb_array: 1), is an error,
 * so a hostile count cannot make a handler loop or allocate for long: a
 * handler that allocates per element passes its element's least size (a
 * string: 2).
 */
int32_t kb_array_of(struct kb_rd *r, size_t min);
int32_t kb_array(struct kb_rd *r);
/* Skip n bytes. */
void kb_skip(struct kb_rd *r, size_t n);
/* An unsigned varint of at most 32 bits; r->err if longer. */
uint32_t kb_uvarint(struct kb_rd *r);
/* Skip a tagged-field section (flex only: none in the classic forms). */
void kb_tags(struct kb_rd *r);
/* Zig-zag varint and varlong, as in records; r->err on overflow. */
int64_t kb_varlong(struct kb_rd *r);
size_t kb_left(const struct kb_rd *r);

/* A string compared with a C string. */
int kb_str_eq(struct kb_str s, const char *c);
/* A copy, NUL-terminated, allocated ("" for null). */
char *kb_str_dup(struct kb_str s);
/* The same, but NULL for a null string. */
char *kb_str_dup_null(struct kb_str s);

/*
 * With flex set, strings, bytes and arrays are written in their compact
 * forms. A connection's out buffer has it set for the request being
 * answered: a connection has one request in hand at a time, so it stays
 * right until that one is answered, parked or not.
 */
struct kb_buf {
	unsigned char *p;
	size_t len, cap;
	int flex;
};

void kb_buf_free(struct kb_buf *b);
/* Room for n more bytes; the pointer to them (len is not moved). */
unsigned char *kb_buf_room(struct kb_buf *b, size_t n);
void kb_put(struct kb_buf *b, const void *p, size_t n);
void kb_put_i8(struct kb_buf *b, int8_t v);
void kb_put_i16(struct kb_buf *b, int16_t v);
void kb_put_i32(struct kb_buf *b, int32_t v);
void kb_put_i64(struct kb_buf *b, int64_t v);
/* A string from a C string (NULL writes a null string). */
void kb_put_cstr(struct kb_buf *b, const char *s);
void kb_put_str(struct kb_buf *b, struct kb_str s);
/* bytes (NULL with n 0 writes null when null is set). */
void kb_put_bytes(struct kb_buf *b, const void *p, int32_t n);
/* Overwrite an int32 written earlier at offset at (sizes). */
void kb_patch_i32(struct kb_buf *b, size_t at, int32_t v);
void kb_put_uvarint(struct kb_buf *b, uint32_t v);
/* An array's count (-1: null). */
void kb_put_array(struct kb_buf *b, int32_t n);
/*
 * A count not known yet: kb_array_mark keeps its place, kb_patch_array
 * fills it in once the elements are written. A compact count may take
 * more than its place, moving what follows: patch the innermost first.
 */
size_t kb_array_mark(struct kb_buf *b);
void kb_patch_array(struct kb_buf *b, size_t at, int32_t n);
/* An empty tagged-field section (flex only). */
void kb_put_tags(struct kb_buf *b);

/* Big-endian loads and stores on raw bytes (record batch headers). */
static inline uint32_t
kb_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
kb_be64(const unsigned char *p)
{
	return (uint64_t)kb_be32(p) << 32 | kb_be32(p + 4);
}

static inline void
kb_st32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void
kb_st64(unsigned char *p, uint64_t v)
{
	kb_st32(p, v >> 32);
	kb_st32(p + 4, (uint32_t)v);
}

#endif
