#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "die.h"

/* --- writing ------------------------------------------------------------ */

/*
 * Messages are encoded straight into the writer's buffer: the most an
 * envelope can take is known before it is written (every byte at most 6
 * as \u00XX), so one check of room replaces one per piece.
 */

/* 1: ends a run that goes into a JSON string as it is. */
static const unsigned char stop_ascii[256] = {
	[0 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
	[0x80 ... 0xff] = 1,
};
static const unsigned char stop_escape[256] = {
	[0 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
};

/* How many leading bytes are ASCII with nothing to escape. */
static size_t
ascii_run(const unsigned char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(' ');

	for (; i + 16 <= n; i += 16) {
		__m128i v =
			_mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* Signed: below ' ' catches 0x00-0x1f and 0x80-0xff alike. */
		__m128i m =
			_mm_or_si128(_mm_cmplt_epi8(v, space),
				     _mm_or_si128(_mm_cmpeq_epi8(v, quote),
						  _mm_cmpeq_epi8(v, bslash)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);

		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	while (i < n && !stop_ascii[s[i]])
		i++;
	return i;
}

/* How many leading bytes need no escape (UTF-8 passes as it is). */
static size_t
plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);

	for (; i + 16 <= n; i += 16) {
		__m128i v =
			_mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* Unsigned v <= 0x1f: min(v, 0x1f) == v. */
		__m128i m =
			_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v),
				     _mm_or_si128(_mm_cmpeq_epi8(v, quote),
						  _mm_cmpeq_epi8(v, bslash)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);

		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	while (i < n && !stop_escape[s[i]])
		i++;
	return i;
}

#define LIT(o, lit) (memcpy((o), (lit), sizeof(lit) - 1), (o) + sizeof(lit) - 1)

static inline char *
copy(char *o, const void *p, size_t n)
{
	if (n)
		memcpy(o, p, n);
	return o + n;
}

/* The body of a JSON string (no quotes) of UTF-8 bytes, escaped. */
static char *
enc_escaped(char *o, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (;;) {
		size_t k = plain_run(s, n);

		o = copy(o, s, k);
		s += k;
		n -= k;
		if (n == 0)
			return o;
		*o++ = '\\';
		switch (*s) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\t':
			*o++ = 't';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		default:
			o = LIT(o, "u00");
			*o++ = hex[*s >> 4];
			*o++ = hex[*s & 15];
		}
		s++;
		n--;
	}
}

/* p[0..n) as a JSON string, quotes included; p must be UTF-8. */
static char *
enc_string(char *o, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t k = ascii_run(s, n);

	*o++ = '"';
	o = copy(o, s, k);
	if (k < n)
		o = enc_escaped(o, s + k, n - k);
	*o++ = '"';
	return o;
}

/* 1 when p[0..n) goes into a JSON string (UTF-8), 0 when it needs base64. */
static int
is_text(const char *p, size_t n)
{
	size_t k = ascii_run((const unsigned char *)p, n);

	return k == n || kq_utf8_valid(p + k, n - k);
}

static char *
enc_base64(char *o, const unsigned char *p, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
				  "stuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
			     p[i + 2];

		o[0] = b64[v >> 18];
		o[1] = b64[(v >> 12) & 63];
		o[2] = b64[(v >> 6) & 63];
		o[3] = b64[v & 63];
		o += 4;
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		o[0] = b64[v >> 18];
		o[1] = b64[(v >> 12) & 63];
		o[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		o[3] = '=';
		o += 4;
	}
	return o;
}

static char *
enc_int(char *o, int64_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718"
		"19202122232425262728293031323334353637"
		"38394041424344454647484950515253545556"
		"57585960616263646566676869707172737475"
		"767778798081828384858687888990919293949596979899";
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);

		u /= 100;
		p -= 2;
		memcpy(p, pairs + 2 * r, 2);
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0)
		*--p = '-';
	return copy(o, p, (size_t)(buf + sizeof(buf) - p));
}

/* "name":"text", "name":null, or "name_b64":"base64" when not UTF-8. */
static char *
enc_field(char *o, const char *name, size_t namelen, const char *p, size_t n)
{
	*o++ = '"';
	o = copy(o, name, namelen);
	if (!p)
		return LIT(o, "\":null");
	if (is_text(p, n)) {
		o = LIT(o, "\":");
		return enc_string(o, p, n);
	}
	o = LIT(o, "_b64\":\"");
	o = enc_base64(o, (const unsigned char *)p, n);
	*o++ = '"';
	return o;
}

/* A header name or value: a string, null, or {"b64":"..."}. */
static char *
enc_header_part(char *o, const char *p, size_t n)
{
	if (!p)
		return LIT(o, "null");
	if (is_text(p, n))
		return enc_string(o, p, n);
	o = LIT(o, "{\"b64\":\"");
	o = enc_base64(o, (const unsigned char *)p, n);
	return LIT(o, "\"}");
}

/* The compact JSON of a value worth embedding, or NULL. */
static const char *
json_value(struct kq_envenc *enc, const char *p, size_t n, size_t *outlen)
{
	const char *out;
	size_t i = 0;

	while (i < n &&
	       (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	/* Strings and null stay strings, so the round trip keeps them. */
	if (i == n || !memchr("{[-0123456789tf", p[i], 15))
		return NULL;
	if (kq_json_one(enc->js, p, n, &out, outlen))
		return NULL;
	return out;
}

/* The most bytes e can take as an envelope. */
static size_t
envelope_bound(const struct kq_envelope *e)
{
	size_t n = 160, i;

	if (e->topic)
		n += 6 * strlen(e->topic);
	n += 6 * e->key_len + 6 * e->value_len;
	for (i = 0; i < e->nheaders; i++)
		n += 6 * (e->headers[i].name_len + e->headers[i].value_len) +
		     32;
	return n;
}

static char *
enc_envelope(struct kq_envenc *enc, char *o, const struct kq_envelope *e)
{
	char sep = '{';
	const char *jv;
	size_t i, jn;

	if (e->topic) {
		o = LIT(o, "{\"topic\":");
		o = enc_string(o, e->topic, strlen(e->topic));
		sep = ',';
	}
	if (e->partition >= 0) {
		*o++ = sep;
		o = LIT(o, "\"partition\":");
		o = enc_int(o, e->partition);
		sep = ',';
	}
	if (e->offset >= 0) {
		*o++ = sep;
		o = LIT(o, "\"offset\":");
		o = enc_int(o, e->offset);
		sep = ',';
	}
	if (e->timestamp >= 0) {
		*o++ = sep;
		o = LIT(o, "\"timestamp\":");
		o = enc_int(o, e->timestamp);
		sep = ',';
	}
	*o++ = sep;
	o = enc_field(o, "key", 3, e->key, e->key_len);
	*o++ = ',';
	if (enc->json_values && e->value &&
	    (jv = json_value(enc, e->value, e->value_len, &jn))) {
		o = LIT(o, "\"value\":");
		o = copy(o, jv, jn);
	} else {
		o = enc_field(o, "value", 5, e->value, e->value_len);
	}
	o = LIT(o, ",\"headers\":[");
	for (i = 0; i < e->nheaders; i++) {
		const struct kq_header *h = &e->headers[i];

		if (i)
			*o++ = ',';
		*o++ = '[';
		o = enc_header_part(o, h->name, h->name_len);
		*o++ = ',';
		o = enc_header_part(o, h->value, h->value_len);
		*o++ = ']';
	}
	return LIT(o, "]}");
}

/*
 * Room for need bytes at the end of w's buffer (flushing it if that
 * makes room), or NULL when need is more than the buffer holds.
 */
static char *
room(struct kq_writer *w, size_t need)
{
	if (w->cap - w->len < need)
		kq_writer_flush(w);
	return w->cap - w->len >= need ? w->buf + w->len : NULL;
}

/* A scratch buffer of at least need bytes, for what the writer cannot hold. */
static char *
scratch(char **buf, size_t *cap, size_t need)
{
	if (*cap < need) {
		free(*buf);
		*cap = need;
		*buf = kq_emalloc(need);
	}
	return *buf;
}

size_t
kq_json_write_string(struct kq_writer *w, const char *p, size_t n)
{
	size_t need = 6 * n + 2, len;
	char *o = room(w, need), *big = NULL;

	if (!o)
		o = big = kq_emalloc(need);
	len = (size_t)(enc_string(o, p, n) - o);
	if (big) {
		kq_writer_put(w, big, len);
		free(big);
	} else {
		w->len += len;
	}
	return len;
}

void
kq_json_write_str(struct kq_writer *w, const char *s)
{
	if (s)
		kq_json_write_string(w, s, strlen(s));
	else
		kq_writer_puts(w, "null");
}

void
kq_envenc_init(struct kq_envenc *enc, int json_values)
{
	struct kq_jsonpath dot;

	memset(enc, 0, sizeof(*enc));
	enc->json_values = json_values;
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
	free(enc->big);
	enc->js = NULL;
	enc->big = NULL;
	enc->big_cap = 0;
}

size_t
kq_envelope_write(struct kq_envenc *enc, struct kq_writer *w,
		  const struct kq_envelope *e)
{
	size_t need = envelope_bound(e), len;
	char *o = room(w, need);

	if (o) {
		len = (size_t)(enc_envelope(enc, o, e) - o);
		w->len += len;
		return len;
	}
	o = scratch(&enc->big, &enc->big_cap, need);
	len = (size_t)(enc_envelope(enc, o, e) - o);
	kq_writer_put(w, o, len);
	return len;
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
		case '"':
			d->buf[d->len++] = '"';
			break;
		case '\\':
			d->buf[d->len++] = '\\';
			break;
		case '/':
			d->buf[d->len++] = '/';
			break;
		case 'b':
			d->buf[d->len++] = '\b';
			break;
		case 'f':
			d->buf[d->len++] = '\f';
			break;
		case 'n':
			d->buf[d->len++] = '\n';
			break;
		case 'r':
			d->buf[d->len++] = '\r';
			break;
		case 't':
			d->buf[d->len++] = '\t';
			break;
		case 'u':
			if (p->end - p->s < 4 || hex4(p->s, &cp))
				return fail(p, "%s", "bad \\u escape");
			p->s += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, "%s",
					    "lone surrogate \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->end - p->s < 6 || p->s[0] != '\\' ||
				    p->s[1] != 'u' || hex4(p->s + 2, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(
						p, "%s",
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
			/* A number or literal; never stop short of one byte. */
			do
				p->s++;
			while (p->s < p->end && !memchr(",:]}", *p->s, 4));
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
			return fail(p, "%s",
				    "headers: expected {\"b64\":\"...\"}");
		if (!nullable && out->off == SIZE_MAX)
			return fail(p, "%s", "headers: a name cannot be null");
		p->s++;
		return 0;
	}
	if (!peek(p, '"'))
		return fail(
			p, "%s",
			"headers: expected a string, null or {\"b64\":...}");
	return string(p, out);
}

struct hspan {
	struct span name, value;
};

/* Spans first; pointers once the buffer has stopped moving. */
static void
add_header(struct kq_envdec *d, size_t *n, struct span name, struct span value)
{
	struct hspan *h;

	if (*n == d->hcap) {
		d->hcap = d->hcap * 2 + 8;
		d->headers =
			kq_erealloc(d->headers, d->hcap * sizeof(*d->headers));
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
				return fail(&p, "%s",
					    "more than one partition");
			if (integer(&p, "partition", -1, INT32_MAX, &v))
				return -1;
			e->partition = (int32_t)v;
		} else if (IS("timestamp") || IS("ts")) {
			if (have_timestamp++)
				return fail(&p, "%s",
					    "more than one timestamp");
			if (integer(&p, "timestamp", 0, INT64_MAX, &v))
				return -1;
			e->timestamp = v;
		} else if (IS("topic") || IS("offset") || IS("tstype") ||
			   IS("broker") || IS("key_error") ||
			   IS("payload_error") || IS("key_schema_id") ||
			   IS("value_schema_id")) {
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
		out->value =
			h.value.off == SIZE_MAX ? NULL : d->buf + h.value.off;
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
