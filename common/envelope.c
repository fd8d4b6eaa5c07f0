#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

/* --- writing ------------------------------------------------------------ */

/* Bytes a JSON string cannot hold as they are. */
static const unsigned char needs_escape[256] = {
	[0 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
};

static inline void
put(struct kq_writer *w, const char *s, size_t n)
{
	kq_writer_put(w, s, n);
}

#define PUTS(w, lit) put((w), (lit), sizeof(lit) - 1)

void
kq_json_write_string(struct kq_writer *w, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p, *end = s + n;
	const unsigned char *run = s;

	PUTS(w, "\"");
	for (; s < end; s++) {
		char e[6] = {'\\', 'u', '0', '0', 0, 0};
		size_t elen = 2;

		if (!needs_escape[*s])
			continue;
		put(w, (const char *)run, s - run);
		switch (*s) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\t': e[1] = 't'; break;
		case '\r': e[1] = 'r'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			e[4] = hex[*s >> 4];
			e[5] = hex[*s & 15];
			elen = 6;
		}
		put(w, e, elen);
		run = s + 1;
	}
	put(w, (const char *)run, end - run);
	PUTS(w, "\"");
}

void
kq_base64_write(struct kq_writer *w, const unsigned char *p, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[256];
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
			     p[i + 2];

		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
		if (o == sizeof(out)) {
			put(w, out, o);
			o = 0;
		}
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	put(w, out, o);
}

static void
put_int(struct kq_writer *w, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(w, p, buf + sizeof(buf) - p);
}

/* "name":"text", or "name_b64":"base64" when the bytes are not UTF-8. */
static void
put_bytes(struct kq_writer *w, const char *name, const char *p, size_t n)
{
	PUTS(w, "\"");
	put(w, name, strlen(name));
	if (!p) {
		PUTS(w, "\":null");
	} else if (kq_utf8_valid(p, n)) {
		PUTS(w, "\":");
		kq_json_write_string(w, p, n);
	} else {
		PUTS(w, "_b64\":\"");
		kq_base64_write(w, (const unsigned char *)p, n);
		PUTS(w, "\"");
	}
}

/* A header name or value: a string, null, or {"b64":"..."}. */
static void
put_header_part(struct kq_writer *w, const char *p, size_t n)
{
	if (!p) {
		PUTS(w, "null");
	} else if (kq_utf8_valid(p, n)) {
		kq_json_write_string(w, p, n);
	} else {
		PUTS(w, "{\"b64\":\"");
		kq_base64_write(w, (const unsigned char *)p, n);
		PUTS(w, "\"}");
	}
}

/* The compact JSON of a value worth embedding, or NULL. */
static const char *
json_value(struct kq_envenc *enc, const char *p, size_t n, size_t *outlen)
{
	const char *out;
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
			 p[i] == '\r'))
		i++;
	/* Strings and null stay strings, so the round trip keeps them. */
	if (i == n || !strchr("{[-0123456789tf", p[i]))
		return NULL;
	if (kq_json_one(enc->js, p, n, &out, outlen))
		return NULL;
	return out;
}

void
kq_envenc_init(struct kq_envenc *enc, int json_values)
{
	struct kq_jsonpath dot;

	enc->json_values = json_values;
	enc->js = NULL;
	if (json_values) {
		if (kq_jsonpath_parse(".", &dot))
			kq_die(EX_SOFTWARE, "cannot make the path \".\"");
		enc->js = kq_jsonscan_new(&dot, 0, NULL, NULL);
		kq_jsonpath_free(&dot);
	}
}

void
kq_envenc_free(struct kq_envenc *enc)
{
	if (enc->js)
		kq_jsonscan_free(enc->js);
	enc->js = NULL;
}

void
kq_envelope_write(struct kq_envenc *enc, struct kq_writer *w,
		  const struct kq_envelope *e)
{
	const char *sep = "{";
	const char *jv;
	size_t i, jn;

	if (e->topic) {
		PUTS(w, "{\"topic\":");
		kq_json_write_string(w, e->topic, strlen(e->topic));
		sep = ",";
	}
	if (e->partition >= 0) {
		put(w, sep, 1);
		PUTS(w, "\"partition\":");
		put_int(w, e->partition);
		sep = ",";
	}
	if (e->offset >= 0) {
		put(w, sep, 1);
		PUTS(w, "\"offset\":");
		put_int(w, e->offset);
		sep = ",";
	}
	if (e->timestamp >= 0) {
		put(w, sep, 1);
		PUTS(w, "\"timestamp\":");
		put_int(w, e->timestamp);
		sep = ",";
	}
	put(w, sep, 1);
	put_bytes(w, "key", e->key, e->key_len);
	if (enc->json_values && e->value &&
	    (jv = json_value(enc, e->value, e->value_len, &jn))) {
		PUTS(w, ",\"value\":");
		put(w, jv, jn);
	} else {
		PUTS(w, ",");
		put_bytes(w, "value", e->value, e->value_len);
	}
	PUTS(w, ",\"headers\":[");
	for (i = 0; i < e->nheaders; i++) {
		const struct kq_header *h = &e->headers[i];

		if (i)
			PUTS(w, ",");
		PUTS(w, "[");
		put_header_part(w, h->name, h->name_len);
		PUTS(w, ",");
		put_header_part(w, h->value, h->value_len);
		PUTS(w, "]");
	}
	PUTS(w, "]}");
}

long
kq_base64_decode(const char *s, size_t n, unsigned char *out)
{
	unsigned v = 0;
	size_t i, bits = 0, o = 0, pad = 0;

	if (n % 4)
		return -1;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= 'A' && c <= 'Z')
			d = c - 'A';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			d = c - '0' + 52;
		else if (c == '+')
			d = 62;
		else if (c == '/')
			d = 63;
		else if (c == '=' && i >= n - 2) {
			pad++;
			continue;
		} else
			return -1;
		if (pad)
			return -1; /* data after padding */
		v = v << 6 | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return (long)o;
}

/* --- reading ------------------------------------------------------------ */

/*
 * The input is one valid, compact JSON text, but the decoder is also
 * given arbitrary bytes by its fuzzer: every step checks its bounds.
 */
struct parse {
	const char *s, *end;
	struct kq_envdec *d;
};

/* A span of the decoder's buffer; off == SIZE_MAX means null. */
struct span {
	size_t off, len;
};

#define NULL_SPAN ((struct span){SIZE_MAX, 0})

static int
fail(struct parse *p, const char *fmt, const char *what)
{
	snprintf(p->d->err, sizeof(p->d->err), fmt, what);
	return -1;
}

static void
reserve(struct kq_envdec *d, size_t n)
{
	if (d->len + n > d->cap) {
		d->cap = (d->len + n) * 2 + 256;
		d->buf = kq_erealloc(d->buf, d->cap);
	}
}

static int
peek(const struct parse *p, char c)
{
	return p->s < p->end && *p->s == c;
}

static int
literal(struct parse *p, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(p->end - p->s) < n || memcmp(p->s, lit, n))
		return 0;
	p->s += n;
	return 1;
}

static int
hex4(const char *s, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		int c = (unsigned char)s[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return -1;
	}
	return 0;
}

static size_t
utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 63));
		o[2] = (char)(0x80 | (cp & 63));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 63));
	o[2] = (char)(0x80 | ((cp >> 6) & 63));
	o[3] = (char)(0x80 | (cp & 63));
	return 4;
}

/* A JSON string, unescaped into the buffer. */
static int
string(struct parse *p, struct span *out)
{
	struct kq_envdec *d = p->d;

	if (!peek(p, '"'))
		return fail(p, "%s", "expected a string");
	p->s++;
	reserve(d, (size_t)(p->end - p->s));
	out->off = d->len;
	while (p->s < p->end && *p->s != '"') {
		const char *q = p->s;
		unsigned cp, lo;

		while (q < p->end && *q != '"' && *q != '\\')
			q++;
		memcpy(d->buf + d->len, p->s, q - p->s);
		d->len += q - p->s;
		p->s = q;
		if (q == p->end || *q == '"')
			break;
		if (p->end - q < 2)
			return fail(p, "%s", "unfinished escape");
		p->s += 2;
		switch (q[1]) {
		case '"': d->buf[d->len++] = '"'; break;
		case '\\': d->buf[d->len++] = '\\'; break;
		case '/': d->buf[d->len++] = '/'; break;
		case 'b': d->buf[d->len++] = '\b'; break;
		case 'f': d->buf[d->len++] = '\f'; break;
		case 'n': d->buf[d->len++] = '\n'; break;
		case 'r': d->buf[d->len++] = '\r'; break;
		case 't': d->buf[d->len++] = '\t'; break;
		case 'u':
			if (p->end - p->s < 4 || hex4(p->s, &cp))
				return fail(p, "%s", "bad \\u escape");
			p->s += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, "%s", "lone surrogate \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->end - p->s < 6 || p->s[0] != '\\' ||
				    p->s[1] != 'u' || hex4(p->s + 2, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(p, "%s",
						    "lone surrogate \\u escape");
				p->s += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			/* An escape is 6 input bytes, at most 4 output. */
			d->len += utf8_put(d->buf + d->len, cp);
			break;
		default:
			return fail(p, "%s", "bad escape");
		}
	}
	if (!peek(p, '"'))
		return fail(p, "%s", "unfinished string");
	p->s++;
	out->len = d->len - out->off;
	return 0;
}

/* Skip one value of a compact text. */
static int
skip(struct parse *p)
{
	int depth = 0;

	do {
		if (p->s >= p->end)
			return fail(p, "%s", "unfinished value");
		switch (*p->s) {
		case '"': {
			const char *q = p->s + 1;

			while (q < p->end && *q != '"')
				q += *q == '\\' ? 2 : 1;
			if (q >= p->end)
				return fail(p, "%s", "unfinished string");
			p->s = q + 1;
			break;
		}
		case '{':
		case '[':
			depth++;
			p->s++;
			break;
		case '}':
		case ']':
			depth--;
			p->s++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return fail(p, "%s", "expected a value");
			p->s++;
			break;
		default:
			while (p->s < p->end && !strchr(",:]}", *p->s))
				p->s++;
		}
	} while (depth > 0);
	return depth < 0 ? fail(p, "%s", "unbalanced value") : 0;
}

static int
integer(struct parse *p, const char *field, int64_t min, int64_t max,
	int64_t *v)
{
	const char *q = p->s;
	int neg = 0;
	int64_t n = 0;

	if (q < p->end && *q == '-')
		neg = 1, q++;
	if (q == p->end || *q < '0' || *q > '9')
		return fail(p, "%s: not an integer", field);
	for (; q < p->end && *q >= '0' && *q <= '9'; q++) {
		if (n > (INT64_MAX - 9) / 10)
			return fail(p, "%s: out of range", field);
		n = n * 10 + (*q - '0');
	}
	if (q < p->end && strchr(".eE", *q))
		return fail(p, "%s: not an integer", field);
	n = neg ? -n : n;
	if (n < min || n > max)
		return fail(p, "%s: out of range", field);
	p->s = q;
	*v = n;
	return 0;
}

/* Bytes given as a string, null, or (json) any other value's text. */
static int
bytes(struct parse *p, struct span *out, int b64, const char *field)
{
	struct kq_envdec *d = p->d;
	const char *start = p->s;
	long n;

	if (literal(p, "null")) {
		*out = NULL_SPAN;
		return 0;
	}
	if (peek(p, '"')) {
		if (string(p, out))
			return -1;
		if (!b64)
			return 0;
		reserve(d, out->len);
		n = kq_base64_decode(d->buf + out->off, out->len,
				     (unsigned char *)d->buf + d->len);
		if (n < 0)
			return fail(p, "%s: not base64", field);
		memmove(d->buf + out->off, d->buf + d->len, (size_t)n);
		d->len = out->off + (size_t)n;
		out->len = (size_t)n;
		return 0;
	}
	if (b64)
		return fail(p, "%s: expected a base64 string", field);
	/* An embedded JSON value (kq-sub --json-values) is sent as text. */
	if (skip(p))
		return -1;
	reserve(d, (size_t)(p->s - start));
	out->off = d->len;
	out->len = (size_t)(p->s - start);
	memcpy(d->buf + d->len, start, out->len);
	d->len += out->len;
	return 0;
}

/* A header part: a string, null, or {"b64":"..."}. */
static int
header_part(struct parse *p, struct span *out, int nullable)
{
	if (literal(p, "null")) {
		if (!nullable)
			return fail(p, "%s", "headers: a name cannot be null");
		*out = NULL_SPAN;
		return 0;
	}
	if (literal(p, "{\"b64\":")) {
		if (bytes(p, out, 1, "headers") || !peek(p, '}'))
			return fail(p, "%s", "headers: expected {\"b64\":\"...\"}");
		p->s++;
		return 0;
	}
	if (!peek(p, '"'))
		return fail(p, "%s",
			    "headers: expected a string, null or {\"b64\":...}");
	return string(p, out);
}

struct hspan {
	struct span name, value;
};

/* Spans first; pointers once the buffer has stopped moving. */
static void
add_header(struct kq_envdec *d, size_t *n, struct span name,
	   struct span value)
{
	struct hspan *h;

	if (*n == d->hcap) {
		d->hcap = d->hcap * 2 + 8;
		d->headers = kq_erealloc(d->headers,
					 d->hcap * sizeof(*d->headers));
		d->spans = kq_erealloc(d->spans, d->hcap * sizeof(*h));
	}
	h = (struct hspan *)d->spans + *n;
	h->name = name;
	h->value = value;
	(*n)++;
}

/* [["n","v"],...], kcat's ["n","v",...], or {"n":"v",...}. */
static int
headers(struct parse *p, size_t *nh)
{
	struct span name, value;
	char close;

	if (literal(p, "null"))
		return 0;
	if (!peek(p, '[') && !peek(p, '{'))
		return fail(p, "%s", "headers: expected an array");
	close = *p->s == '[' ? ']' : '}';
	p->s++;
	while (!peek(p, close)) {
		if (*nh && !literal(p, ","))
			return fail(p, "%s", "headers: expected ','");
		if (close == '}') {
			if (string(p, &name) || !literal(p, ":") ||
			    header_part(p, &value, 1))
				return fail(p, "%s", "headers: bad member");
		} else if (literal(p, "[")) {
			if (header_part(p, &name, 0) || !literal(p, ",") ||
			    header_part(p, &value, 1) || !literal(p, "]"))
				return fail(p, "%s",
					    "headers: expected [name, value]");
		} else {
			if (header_part(p, &name, 0) || !literal(p, ",") ||
			    header_part(p, &value, 1))
				return fail(p, "%s",
					    "headers: expected name, value");
		}
		add_header(p->d, nh, name, value);
	}
	p->s++;
	return 0;
}

int
kq_envelope_decode(struct kq_envdec *d, const char *json, size_t n,
		   struct kq_envelope *e)
{
	struct parse p = {json, json + n, d};
	struct span key = NULL_SPAN, value = NULL_SPAN, field;
	int have_value = 0, have_key = 0, have_headers = 0, first = 1;
	int have_partition = 0, have_timestamp = 0;
	size_t nh = 0, i;
	int64_t v;

	d->len = 0;
	d->err[0] = 0;
	memset(e, 0, sizeof(*e));
	e->partition = -1;
	e->offset = -1;
	e->timestamp = -1;
	if (!literal(&p, "{"))
		return fail(&p, "%s", "an envelope is a JSON object");
	while (!peek(&p, '}')) {
		const char *name;

		if (!first && !literal(&p, ","))
			return fail(&p, "%s", "expected ','");
		first = 0;
		if (string(&p, &field) || !literal(&p, ":"))
			return fail(&p, "%s", "expected a field name");
		/* Field names are short; compare them in place. */
		d->len = field.off;
		reserve(d, 1);
		d->buf[field.off + field.len] = 0;
		name = d->buf + field.off;
#define IS(s) (strlen(s) == field.len && memcmp(name, s, field.len) == 0)
		if (IS("value") || IS("payload") || IS("value_b64")) {
			if (have_value++)
				return fail(&p, "%s", "more than one value");
			if (bytes(&p, &value, IS("value_b64"), "value"))
				return -1;
		} else if (IS("key") || IS("key_b64")) {
			if (have_key++)
				return fail(&p, "%s", "more than one key");
			if (bytes(&p, &key, IS("key_b64"), "key"))
				return -1;
		} else if (IS("headers")) {
			if (have_headers++)
				return fail(&p, "%s", "more than one headers");
			if (headers(&p, &nh))
				return -1;
		} else if (IS("partition")) {
			if (have_partition++)
				return fail(&p, "%s", "more than one partition");
			if (integer(&p, "partition", -1, INT32_MAX, &v))
				return -1;
			e->partition = (int32_t)v;
		} else if (IS("timestamp") || IS("ts")) {
			if (have_timestamp++)
				return fail(&p, "%s", "more than one timestamp");
			if (integer(&p, "timestamp", 0, INT64_MAX, &v))
				return -1;
			e->timestamp = v;
		} else if (IS("topic") || IS("offset") || IS("tstype") ||
			   IS("broker")) {
			if (skip(&p))
				return -1;
		} else {
			char what[64];

			snprintf(what, sizeof(what), "%.*s",
				 (int)(field.len > 40 ? 40 : field.len), name);
			return fail(&p, "unknown field \"%s\"", what);
		}
#undef IS
	}
	p.s++;
	if (p.s != p.end)
		return fail(&p, "%s", "text after the envelope");
	if (!have_value)
		return fail(&p, "%s", "no \"value\" field");

	/* The buffer has stopped moving: spans become pointers. */
	e->key = key.off == SIZE_MAX ? NULL : d->buf + key.off;
	e->key_len = key.len;
	e->value = value.off == SIZE_MAX ? NULL : d->buf + value.off;
	e->value_len = value.len;
	for (i = 0; i < nh; i++) {
		struct hspan h = ((struct hspan *)d->spans)[i];
		struct kq_header *out = &d->headers[i];

		out->name = d->buf + h.name.off;
		out->name_len = h.name.len;
		out->value = h.value.off == SIZE_MAX ? NULL
						      : d->buf + h.value.off;
		out->value_len = h.value.len;
	}
	e->headers = d->headers;
	e->nheaders = nh;
	return 0;
}

void
kq_envdec_free(struct kq_envdec *d)
{
	free(d->buf);
	free(d->headers);
	free(d->spans);
	memset(d, 0, sizeof(*d));
}
