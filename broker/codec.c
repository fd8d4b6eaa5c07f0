#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "die.h"

void
kb_rd_init(struct kb_rd *r, const void *p, size_t n)
{
	r->p = p;
	r->end = r->p + n;
	r->err = 0;
	r->flex = 0;
}

size_t
kb_left(const struct kb_rd *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

static const unsigned char *
take(struct kb_rd *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->err || (size_t)(r->end - r->p) < n) {
		r->err = 1;
		return NULL;
	}
	r->p += n;
	return p;
}

void
kb_skip(struct kb_rd *r, size_t n)
{
	take(r, n);
}

int8_t
kb_i8(struct kb_rd *r)
{
	const unsigned char *p = take(r, 1);

	return p ? (int8_t)p[0] : 0;
}

int16_t
kb_i16(struct kb_rd *r)
{
	const unsigned char *p = take(r, 2);

	return p ? (int16_t)(p[0] << 8 | p[1]) : 0;
}

int32_t
kb_i32(struct kb_rd *r)
{
	const unsigned char *p = take(r, 4);

	return p ? (int32_t)kb_be32(p) : 0;
}

int64_t
kb_i64(struct kb_rd *r)
{
	const unsigned char *p = take(r, 8);

	return p ? (int64_t)kb_be64(p) : 0;
}

uint32_t
kb_uvarint(struct kb_rd *r)
{
	uint32_t v = 0;
	int shift;

	for (shift = 0; shift < 35; shift += 7) {
		const unsigned char *p = take(r, 1);

		if (!p)
			return 0;
		if (shift == 28 && *p > 0x0f)
			break;
		v |= (uint32_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			return v;
	}
	r->err = 1;
	return 0;
}

/* A compact length: the varint is length + 1, 0 for null. */
static int32_t
compact_len(struct kb_rd *r)
{
	uint32_t n = kb_uvarint(r);

	if (n > (uint32_t)INT32_MAX)
		r->err = 1;
	return r->err ? -1 : (int32_t)n - 1;
}

void
kb_tags(struct kb_rd *r)
{
	uint32_t n, i;

	if (!r->flex)
		return;
	n = kb_uvarint(r);
	for (i = 0; i < n && !r->err; i++) {
		kb_uvarint(r);
		kb_skip(r, kb_uvarint(r));
	}
}

struct kb_str
kb_string(struct kb_rd *r)
{
	struct kb_str s = {NULL, -1};
	int32_t n = r->flex ? compact_len(r) : kb_i16(r);

	if (n < -1)
		r->err = 1;
	if (r->err || n < 0)
		return s;
	s.s = (const char *)take(r, (size_t)n);
	s.len = s.s ? n : -1;
	return s;
}

int32_t
kb_bytes(struct kb_rd *r, const unsigned char **p)
{
	int32_t n = r->flex ? compact_len(r) : kb_i32(r);

	*p = NULL;
	if (n < -1)
		r->err = 1;
	if (r->err || n < 0)
		return -1;
	*p = take(r, (size_t)n);
	return *p ? n : -1;
}

int32_t
kb_array_of(struct kb_rd *r, size_t min)
{
	int32_t n = r->flex ? compact_len(r) : kb_i32(r);

	if (n < -1 || (n > 0 && (size_t)n > kb_left(r) / min))
		r->err = 1;
	return r->err ? 0 : n;
}

int32_t
kb_array(struct kb_rd *r)
{
	return kb_array_of(r, 1);
}

int64_t
kb_varlong(struct kb_rd *r)
{
	uint64_t v = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		const unsigned char *p = take(r, 1);

		if (!p)
			return 0;
		v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	}
	r->err = 1;
	return 0;
}

int
kb_str_eq(struct kb_str s, const char *c)
{
	return s.len >= 0 && strlen(c) == (size_t)s.len &&
	       memcmp(s.s, c, (size_t)s.len) == 0;
}

char *
kb_str_dup(struct kb_str s)
{
	char *c = kq_emalloc(s.len > 0 ? (size_t)s.len + 1 : 1);

	if (s.len > 0)
		memcpy(c, s.s, (size_t)s.len);
	c[s.len > 0 ? s.len : 0] = 0;
	return c;
}

char *
kb_str_dup_null(struct kb_str s)
{
	return s.len < 0 ? NULL : kb_str_dup(s);
}

void
kb_buf_free(struct kb_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

unsigned char *
kb_buf_room(struct kb_buf *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap - b->len < n)
			cap *= 2;
		b->p = kq_erealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

void
kb_put(struct kb_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(kb_buf_room(b, n), p, n);
	b->len += n;
}

void
kb_put_i8(struct kb_buf *b, int8_t v)
{
	*kb_buf_room(b, 1) = (unsigned char)v;
	b->len++;
}

void
kb_put_i16(struct kb_buf *b, int16_t v)
{
	unsigned char *p = kb_buf_room(b, 2);

	p[0] = (uint16_t)v >> 8;
	p[1] = (unsigned char)v;
	b->len += 2;
}

void
kb_put_i32(struct kb_buf *b, int32_t v)
{
	kb_st32(kb_buf_room(b, 4), (uint32_t)v);
	b->len += 4;
}

void
kb_put_i64(struct kb_buf *b, int64_t v)
{
	kb_st64(kb_buf_room(b, 8), (uint64_t)v);
	b->len += 8;
}

void
kb_put_uvarint(struct kb_buf *b, uint32_t v)
{
	while (v >= 0x80) {
		kb_put_i8(b, (int8_t)(v | 0x80));
		v >>= 7;
	}
	kb_put_i8(b, (int8_t)v);
}

/* A string's length (-1: null), in the form of b. */
static void
put_strlen(struct kb_buf *b, int32_t n)
{
	if (b->flex)
		kb_put_uvarint(b, (uint32_t)(n + 1));
	else
		kb_put_i16(b, (int16_t)n);
}

void
kb_put_cstr(struct kb_buf *b, const char *s)
{
	size_t n;

	if (!s) {
		put_strlen(b, -1);
		return;
	}
	n = strlen(s);
	if (n > INT16_MAX)
		n = INT16_MAX;
	put_strlen(b, (int32_t)n);
	kb_put(b, s, n);
}

void
kb_put_str(struct kb_buf *b, struct kb_str s)
{
	put_strlen(b, s.len < 0 ? -1 : s.len);
	if (s.len > 0)
		kb_put(b, s.s, (size_t)s.len);
}

void
kb_put_bytes(struct kb_buf *b, const void *p, int32_t n)
{
	kb_put_array(b, n);
	if (n > 0)
		kb_put(b, p, (size_t)n);
}

void
kb_put_array(struct kb_buf *b, int32_t n)
{
	if (b->flex)
		kb_put_uvarint(b, (uint32_t)n + 1);
	else
		kb_put_i32(b, n);
}

size_t
kb_array_mark(struct kb_buf *b)
{
	size_t at = b->len;

	if (b->flex)
		kb_put_i8(b, 0);
	else
		kb_put_i32(b, 0);
	return at;
}

void
kb_patch_array(struct kb_buf *b, size_t at, int32_t n)
{
	unsigned char v[5];
	struct kb_buf t = {v, 0, sizeof(v), 0};

	if (!b->flex) {
		kb_patch_i32(b, at, n);
		return;
	}
	kb_put_uvarint(&t, (uint32_t)n + 1);
	if (t.len > 1) {
		kb_buf_room(b, t.len - 1);
		memmove(b->p + at + t.len, b->p + at + 1, b->len - at - 1);
		b->len += t.len - 1;
	}
	memcpy(b->p + at, v, t.len);
}

void
kb_put_tags(struct kb_buf *b)
{
	if (b->flex)
		kb_put_i8(b, 0);
}

void
kb_patch_i32(struct kb_buf *b, size_t at, int32_t v)
{
	kb_st32(b->p + at, (uint32_t)v);
}
