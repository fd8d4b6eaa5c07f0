#include "jsonscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "die.h"

/*
 * The scanner is one resumable state machine. scan() keeps its place in
 * locals and jumps between labels with goto; when a piece of input ends
 * it stores the label to come back to in s->state, so a value or a token
 * may be cut anywhere. The common cases (runs of indentation, string
 * bodies) have loops of their own that look at 16 bytes at a time.
 *
 * Selection: a container is "on the path" when it is the top-level text
 * or a child of an on-path container that the path steps into; on-path
 * containers are always the outermost ones, so their number (onpath) is
 * all the scanner needs, and the path is looked at only where
 * depth == onpath. A value that the path selects, or that the path
 * cannot apply to, is "marked" at its first byte; when it is complete
 * (and so known to be valid) it is emitted, or the path error reported.
 * While a selected value is scanned, the bytes between runs of whitespace
 * are copied to s->out in spans, with memcpy.
 */

enum state {
	S_TOP,	     /* between top-level texts */
	S_TOP_TOKEN, /* after a top-level number or literal */
	S_VALUE,     /* after ':' or an array's ',' */
	S_ARR_FIRST, /* after '[' */
	S_ARR_NEXT,  /* after an array element */
	S_OBJ_FIRST, /* after '{' */
	S_OBJ_KEY,   /* after an object's ',' */
	S_COLON,     /* after a key */
	S_OBJ_NEXT,  /* after an object member */
	S_STR,	     /* in a string */
	S_ESC,	     /* after a backslash */
	S_HEX,	     /* in the four digits of \u */
	S_SURR_BS,   /* after a high surrogate: its low half must follow */
	S_SURR_U,
	S_UTF8,	    /* in a multibyte UTF-8 sequence */
	S_MINUS,    /* numbers, after: '-' */
	S_ZERO,	    /* a leading 0 */
	S_INT,	    /* an integer digit */
	S_DOT,	    /* the '.' */
	S_FRAC,	    /* a fraction digit */
	S_EXP,	    /* 'e' or 'E' */
	S_EXPSIGN,  /* the exponent's sign */
	S_EXPDIGIT, /* an exponent digit */
	S_LIT,	    /* in true, false or null */
	S_FAIL,
};

/* What was expected in each state, for a text cut short. */
static const char *const expected[] = {
	[S_VALUE] = "expected a value",
	[S_ARR_FIRST] = "expected a value or ']'",
	[S_ARR_NEXT] = "expected ',' or ']' after an array element",
	[S_OBJ_FIRST] = "expected a string key or '}'",
	[S_OBJ_KEY] = "expected a string key after ','",
	[S_COLON] = "expected ':' after an object key",
	[S_OBJ_NEXT] = "expected ',' or '}' after an object member",
	[S_STR] = "expected '\"' to end the string",
	[S_ESC] = "expected an escape after '\\'",
	[S_HEX] = "expected 4 hex digits after \\u",
	[S_SURR_BS] = "expected a low surrogate \\uDC00-\\uDFFF after a high "
		      "surrogate",
	[S_SURR_U] = "expected a low surrogate \\uDC00-\\uDFFF after a high "
		     "surrogate",
	[S_UTF8] = "expected the rest of a UTF-8 sequence",
	[S_MINUS] = "expected a digit after '-'",
	[S_DOT] = "expected a digit after '.'",
	[S_EXP] = "expected a digit or a sign in the exponent",
	[S_EXPSIGN] = "expected a digit in the exponent",
	[S_LIT] = "expected true, false or null",
};

enum { MARK_NONE, MARK_COPY, MARK_FAIL };

struct kq_jsonscan {
	int state;
	int flags;
	kq_json_emit_fn emit;
	void *arg;
	struct kq_jsonpath path;
	/* iter_after[k]: some step from k on iterates (null cannot go on). */
	unsigned char iter_after[KQ_JSONPATH_MAX + 1];

	unsigned depth, onpath;
	unsigned char *stack; /* '[' or '{' for depths 1..KQ_JSON_MAX_DEPTH */
	/* The on-path containers: where each began, and if its key was seen. */
	struct kq_jsonpos cpos[KQ_JSONPATH_MAX];
	unsigned char keyseen[KQ_JSONPATH_MAX];
	int keymatch; /* the key just read is the step's */

	int mark;
	struct kq_jsonpos markpos;
	char markmsg[160];

	/* Strings: a key or not, the key being matched, escapes, UTF-8. */
	int iskey, kcollect, klong;
	char *kbuf;
	size_t klen, kcap;
	unsigned hex, nhex, high;
	unsigned u8need, u8lo, u8hi;
	const char *lit;
	unsigned litpos;

	/* The selected value, compacted. */
	char *out;
	size_t outlen, outcap;
	int copying;

	uint64_t base; /* offset of the piece being scanned */
	uint64_t line, linestart;

	/* kq_json_one */
	int one;
	uint64_t ntexts;
	size_t onelen;

	const char *err;
	char errbuf[200];
	struct kq_jsonpos errpos;
};

static const unsigned char ws[256] = {
	[' '] = 1,
	['\t'] = 1,
	['\n'] = 1,
	['\r'] = 1,
};

/* The one-letter escapes: \" \\ \/ \b \f \n \r \t, and what they mean. */
static const unsigned char esc[256] = {
	['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
	['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t',
};

static inline int
hexval(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6)
		return (int)(c - 'a' + 10);
	return -1;
}

/*
 * A UTF-8 lead byte: how many continuation bytes follow and the range of
 * the first (RFC 3629 table 4: this rules out overlongs, surrogates and
 * code points past U+10FFFF). 0 for a byte that cannot lead.
 */
static inline unsigned
u8lead(unsigned c, unsigned *lo, unsigned *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return 1;
	if (c < 0xF0) {
		if (c == 0xE0)
			*lo = 0xA0;
		else if (c == 0xED)
			*hi = 0x9F;
		return 2;
	}
	if (c > 0xF4)
		return 0;
	if (c == 0xF0)
		*lo = 0x90;
	else if (c == 0xF4)
		*hi = 0x8F;
	return 3;
}

/* Is p[0..n) (p[0] >= 0x80) one whole valid sequence? Its length or 0. */
static inline size_t
u8seq(const unsigned char *p, size_t avail)
{
	unsigned lo, hi, n = u8lead(p[0], &lo, &hi), i;

	if (n == 0 || avail <= n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i <= n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n + 1;
}

int
kq_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
#ifdef __SSE2__
		while (e - p >= 16) {
			__m128i v = _mm_loadu_si128(
				(const __m128i *)(const void *)p);
			unsigned m = (unsigned)_mm_movemask_epi8(v);

			if (m) {
				p += __builtin_ctz(m);
				break;
			}
			p += 16;
		}
#else
		while (e - p >= 8) {
			uint64_t w;

			memcpy(&w, p, 8);
			if (w & 0x8080808080808080ULL)
				break;
			p += 8;
		}
#endif
		while (p < e && *p < 0x80)
			p++;
		if (p == e)
			break;
		{
			size_t k = u8seq(p, (size_t)(e - p));

			if (k == 0)
				return 0;
			p += k;
		}
	}
	return 1;
}

static size_t
u8put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Four hex digits at p (p[0..4) readable), or -1. */
static long
hex4(const unsigned char *p)
{
	long v = 0;
	int i, h;

	/* One at a time: a NUL-terminated string may end in the middle. */
	for (i = 0; i < 4; i++) {
		if ((h = hexval(p[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

size_t
kq_json_unescape(const char *in, size_t n, char *out)
{
	const unsigned char *p = (const unsigned char *)in, *e = p + n;
	char *o = out;

	while (p < e) {
		const unsigned char *bs = memchr(p, '\\', (size_t)(e - p));
		long cp, lo;

		if (!bs)
			bs = e;
		memmove(o, p, (size_t)(bs - p));
		o += bs - p;
		p = bs;
		if (e - p < 2)
			break;
		if (p[1] != 'u') {
			*o++ = esc[p[1]] ? (char)esc[p[1]] : (char)p[1];
			p += 2;
			continue;
		}
		if (e - p < 6 || (cp = hex4(p + 2)) < 0) {
			*o++ = (char)*p++;
			continue;
		}
		p += 6;
		if (cp >= 0xD800 && cp < 0xDC00 && e - p >= 6 && p[0] == '\\' &&
		    p[1] == 'u' && (lo = hex4(p + 2)) >= 0xDC00 &&
		    lo < 0xE000) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			p += 6;
		}
		o += u8put(o, (unsigned)cp);
	}
	if (p < e)
		*o++ = (char)*p;
	return (size_t)(o - out);
}

/* --- paths --------------------------------------------------------------- */

/* A jq string literal at s (at its '"'): the key, and the end, or NULL. */
static const char *
path_string(const char *s, char **key, size_t *keylen)
{
	const char *t = s + 1;
	size_t n;

	while (*t != '"') {
		unsigned char c = (unsigned char)*t;

		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (t[1] == 'u') {
				long cp = hex4((const unsigned char *)t + 2);

				/* Surrogate pairs are left to jq. */
				if (cp < 0 || (cp >= 0xD800 && cp < 0xE000))
					return NULL;
				t += 6;
				continue;
			}
			if (!esc[(unsigned char)t[1]])
				return NULL; /* \( is interpolation */
			t++;
		}
		t++;
	}
	n = (size_t)(t - s - 1);
	*key = kq_emalloc(n + 1);
	*keylen = kq_json_unescape(s + 1, n, *key);
	(*key)[*keylen] = 0;
	if (!kq_utf8_valid(*key, *keylen)) {
		free(*key);
		return NULL;
	}
	return t + 1;
}

static int
ident_char(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

int
kq_jsonpath_parse(const char *s, struct kq_jsonpath *p)
{
	const char *end;
	int first;

	memset(p, 0, sizeof(*p));
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	end = s + strlen(s);
	while (end > s &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;
	if (*s != '.')
		return -1;
	for (s++, first = 1; s < end; first = 0) {
		int n = p->n;

		if (n == KQ_JSONPATH_MAX)
			goto bad;
		p->step[n].iterate = 0;
		p->step[n].key = NULL;
		if (*s == '[') {
			if (s[1] == ']') {
				p->step[n].iterate = 1;
				p->n++;
				s += 2;
				continue;
			}
			if (s[1] != '"')
				goto bad;
			s = path_string(s + 1, &p->step[n].key,
					&p->step[n].keylen);
			if (!s)
				goto bad;
			p->n++;
			if (*s++ != ']')
				goto bad;
			continue;
		}
		if (!first && *s++ != '.')
			goto bad;
		if (*s == '"') {
			s = path_string(s, &p->step[n].key, &p->step[n].keylen);
			if (!s)
				goto bad;
			p->n++;
			continue;
		}
		if (!ident_char((unsigned char)*s, 1))
			goto bad;
		{
			const char *t = s;

			while (ident_char((unsigned char)*t, 0))
				t++;
			p->step[n].keylen = (size_t)(t - s);
			p->step[n].key = kq_emalloc((size_t)(t - s) + 1);
			memcpy(p->step[n].key, s, (size_t)(t - s));
			p->step[n].key[t - s] = 0;
			p->n++;
			s = t;
		}
	}
	if (s != end)
		goto bad;
	return 0;
bad:
	kq_jsonpath_free(p);
	return -1;
}

void
kq_jsonpath_free(struct kq_jsonpath *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		free(p->step[i].key);
	p->n = 0;
}

/* --- the scanner ------------------------------------------------------- */

struct kq_jsonscan *
kq_jsonscan_new(const struct kq_jsonpath *path, int flags, kq_json_emit_fn emit,
		void *arg)
{
	struct kq_jsonscan *s = kq_ecalloc(1, sizeof(*s));
	int i;

	s->flags = flags;
	s->emit = emit;
	s->arg = arg;
	if (path) {
		s->path.n = path->n;
		for (i = 0; i < path->n; i++) {
			s->path.step[i].iterate = path->step[i].iterate;
			if (path->step[i].iterate)
				continue;
			s->path.step[i].keylen = path->step[i].keylen;
			s->path.step[i].key =
				kq_emalloc(path->step[i].keylen + 1);
			memcpy(s->path.step[i].key, path->step[i].key,
			       path->step[i].keylen + 1);
		}
	}
	for (i = s->path.n - 1; i >= 0; i--)
		s->iter_after[i] =
			s->iter_after[i + 1] | !!s->path.step[i].iterate;
	s->stack = kq_emalloc(KQ_JSON_MAX_DEPTH + 1);
	kq_jsonscan_reset(s);
	return s;
}

void
kq_jsonscan_free(struct kq_jsonscan *s)
{
	if (!s)
		return;
	kq_jsonpath_free(&s->path);
	free(s->stack);
	free(s->kbuf);
	free(s->out);
	free(s);
}

void
kq_jsonscan_reset(struct kq_jsonscan *s)
{
	s->state = S_TOP;
	s->depth = s->onpath = 0;
	s->keymatch = 0;
	s->mark = MARK_NONE;
	s->iskey = s->kcollect = s->klong = 0;
	s->klen = 0;
	s->hex = s->nhex = s->high = 0;
	s->u8need = 0;
	s->outlen = 0;
	s->copying = 0;
	s->base = 0;
	s->line = 1;
	s->linestart = 0;
	s->one = 0;
	s->ntexts = 0;
	s->onelen = 0;
	s->err = NULL;
}

static void
grow(struct kq_jsonscan *s, size_t need)
{
	size_t cap = s->outcap ? s->outcap : 4096;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			kq_die(EX_OSERR, "out of memory (%zu bytes)", need);
		cap *= 2;
	}
	s->out = kq_erealloc(s->out, cap);
	s->outcap = cap;
}

static inline void
append(struct kq_jsonscan *s, const void *p, size_t n)
{
	if (n > s->outcap - s->outlen)
		grow(s, s->outlen + n);
	memcpy(s->out + s->outlen, p, n);
	s->outlen += n;
}

/*
 * A span of the input up to e: most are short ("key":, a number), so copy
 * 32 bytes when both sides have room, rather than call memcpy.
 */
static inline void
append_span(struct kq_jsonscan *s, const unsigned char *p, size_t n,
	    const unsigned char *e)
{
	if (n <= 32 && e - p >= 32 && s->outcap - s->outlen >= 32) {
		memcpy(s->out + s->outlen, p, 32);
		s->outlen += n;
		return;
	}
	append(s, p, n);
}

/* Raw key bytes, kept only while they could still match the step's key. */
static void
collect(struct kq_jsonscan *s, unsigned k, const unsigned char *p, size_t n)
{
	/* An escape is at most 6 bytes for each byte it stands for. */
	size_t limit = 6 * s->path.step[k].keylen;

	if (s->klong || n > limit - s->klen) {
		s->klong = 1;
		return;
	}
	if (s->klen + n > s->kcap) {
		s->kcap = limit > 64 ? limit : 64;
		s->kbuf = kq_erealloc(s->kbuf, s->kcap);
	}
	memcpy(s->kbuf + s->klen, p, n);
	s->klen += n;
}

/* The key of an on-path object ended: is it the step's key? */
static void
key_done(struct kq_jsonscan *s, unsigned k, const unsigned char *p, size_t n)
{
	const char *key = (const char *)p;

	if (s->klen || memchr(p, '\\', n)) {
		collect(s, k, p, n);
		key = s->kbuf;
		n = s->klong ? 0 : kq_json_unescape(s->kbuf, s->klen, s->kbuf);
	}
	s->keymatch = !s->klong && n == s->path.step[k].keylen &&
		      memcmp(key, s->path.step[k].key, n) == 0;
	if (s->keymatch)
		s->keyseen[k] = 1;
	s->kcollect = s->klong = 0;
	s->klen = 0;
}

static inline const unsigned char *
skip_ws(struct kq_jsonscan *s, const unsigned char *p, const unsigned char *e,
	const unsigned char *b)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' ');
#endif

	while (p < e) {
		unsigned c = *p;

		if (c == '\n') {
			s->line++;
			s->linestart = s->base + (uint64_t)(p + 1 - b);
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		p++;
#ifdef __SSE2__
		/* Indentation, 16 spaces at a time. */
		while (e - p >= 16 && *p == ' ') {
			__m128i v = _mm_loadu_si128(
				(const __m128i *)(const void *)p);
			unsigned m = 0xFFFF & ~(unsigned)_mm_movemask_epi8(
						      _mm_cmpeq_epi8(v, sp));

			if (m) {
				p += __builtin_ctz(m);
				break;
			}
			p += 16;
		}
#endif
	}
	return p;
}

static struct kq_jsonpos
pos_at(const struct kq_jsonscan *s, uint64_t off)
{
	struct kq_jsonpos at;

	at.line = s->line;
	at.col = off - s->linestart + 1;
	at.offset = off;
	return at;
}

static int
emit_value(struct kq_jsonscan *s, const struct kq_jsonpos *at)
{
	int r = 0;

	if (!s->emit)
		s->onelen = s->outlen;
	else if (s->flags & KQ_JSONSCAN_NOCOPY)
		r = s->emit(s->arg, NULL, 0, at);
	else
		r = s->emit(s->arg, s->out, s->outlen, at);
	s->outlen = 0;
	return r;
}

/* Where the scanner goes after a value at this depth. */
static int
after_state(const struct kq_jsonscan *s, unsigned depth, int bare)
{
	if (depth == 0)
		return bare ? S_TOP_TOKEN : S_TOP;
	return s->stack[depth] == '[' ? S_ARR_NEXT : S_OBJ_NEXT;
}

static const char *
type_name(unsigned c)
{
	switch (c) {
	case '[':
		return "array";
	case '{':
		return "object";
	case '"':
		return "string";
	case 't':
	case 'f':
		return "boolean";
	case 'n':
		return "null";
	case '-':
		return "number";
	default:
		return c - '0' < 10 ? "number" : NULL;
	}
}

#define OFF(q)	 (s->base + (uint64_t)((q)-b))
#define DIGIT(c) ((unsigned)(c) - '0' < 10)

/* Skip whitespace; suspend in state st if the piece ends. */
#define SKIP_WS(st)                                                            \
	do {                                                                   \
		if (p < e && ws[*p]) {                                         \
			if (copying)                                           \
				append_span(s, span, (size_t)(p - span), e);   \
			p = skip_ws(s, p, e, b);                               \
			span = p;                                              \
		}                                                              \
		if (p == e) {                                                  \
			s->state = (st);                                       \
			goto suspend;                                          \
		}                                                              \
	} while (0)

#define NEED(st)                                                               \
	do {                                                                   \
		if (p == e) {                                                  \
			s->state = (st);                                       \
			goto suspend;                                          \
		}                                                              \
	} while (0)

#define FAIL(m)                                                                \
	do {                                                                   \
		msg = (m);                                                     \
		goto fail;                                                     \
	} while (0)

/*
 * Why the byte c cannot start a value: the plain "expected a value", and
 * what the text has instead where a name helps (a BOM, NaN, a quote JSON
 * does not use).
 */
static const char *
not_a_value(struct kq_jsonscan *s, unsigned c)
{
	const char *what;

	switch (c) {
	case 0xEF:
		what = "a UTF-8 byte order mark (BOM), which JSON does not "
		       "allow";
		break;
	case 'N':
	case 'I':
		what = "NaN or Infinity, which are not JSON numbers";
		break;
	case '\'':
		what = "a single quote: JSON strings take double quotes";
		break;
	case 0:
		what = "a NUL byte";
		break;
	default:
		if (c > ' ' && c < 0x7f)
			snprintf(s->errbuf, sizeof(s->errbuf),
				 "expected a value, not '%c'", (int)c);
		else
			snprintf(s->errbuf, sizeof(s->errbuf),
				 "expected a value, not byte 0x%02X", c);
		return s->errbuf;
	}
	snprintf(s->errbuf, sizeof(s->errbuf), "expected a value, not %s",
		 what);
	return s->errbuf;
}

static int
scan(struct kq_jsonscan *s, const unsigned char *b, const unsigned char *e)
{
	const unsigned char *p = b, *span = b, *kstart = b;
	unsigned depth = s->depth, onpath = s->onpath, c, k, n;
	int copying = s->copying, bare = 0, r = 0;
	const char *msg;
	uint64_t failoff;
#ifdef __SSE2__
	const __m128i vq = _mm_set1_epi8('"'), vbs = _mm_set1_epi8('\\'),
		      vsp = _mm_set1_epi8(' ');
#endif

	switch (s->state) {
	case S_TOP:
		goto top;
	case S_TOP_TOKEN:
		goto top_token;
	case S_VALUE:
		goto value;
	case S_ARR_FIRST:
		goto arr_first;
	case S_ARR_NEXT:
		goto arr_next;
	case S_OBJ_FIRST:
		goto obj_first;
	case S_OBJ_KEY:
		goto obj_key;
	case S_COLON:
		goto colon;
	case S_OBJ_NEXT:
		goto obj_next;
	case S_STR:
		goto str;
	case S_ESC:
		goto str_esc;
	case S_HEX:
		goto str_hex;
	case S_SURR_BS:
		goto surr_bs;
	case S_SURR_U:
		goto surr_u;
	case S_UTF8:
		goto utf8;
	case S_MINUS:
		goto num_minus;
	case S_ZERO:
		goto num_zero;
	case S_INT:
		goto num_int;
	case S_DOT:
		goto num_dot;
	case S_FRAC:
		goto num_frac;
	case S_EXP:
		goto num_exp;
	case S_EXPSIGN:
		goto num_expsign;
	case S_EXPDIGIT:
		goto num_expdigit;
	case S_LIT:
		goto lit;
	default:
		return -1;
	}

top:
	SKIP_WS(S_TOP);
	goto value_start;

top_token:
	/* "1true" is not two texts: jq refuses it too. */
	NEED(S_TOP_TOKEN);
	if (!ws[*p])
		FAIL("expected whitespace after a top-level number, true, "
		     "false or null");
	goto top;

value:
	SKIP_WS(S_VALUE);
value_start:
	if (depth == onpath)
		goto value_on_path;
dispatch:
	c = *p;
	switch (c) {
	case '"':
		p++;
		s->iskey = 0;
		goto str;
	case '[':
	case '{':
		if (depth == KQ_JSON_MAX_DEPTH)
			goto too_deep;
		s->stack[++depth] = (unsigned char)c;
		p++;
		if (c == '[')
			goto arr_first;
		goto obj_first;
	case '-':
		p++;
		goto num_minus;
	case '0':
		p++;
		goto num_zero;
	case 't':
		s->lit = "true";
		goto lit_start;
	case 'f':
		s->lit = "false";
		goto lit_start;
	case 'n':
		s->lit = "null";
		goto lit_start;
	default:
		if (c - '1' < 9) {
			p++;
			goto num_int;
		}
		if (depth > 0 && s->stack[depth] == '[' && c == ']')
			FAIL("expected a value after ',', not ']'");
		FAIL(not_a_value(s, c));
	}

value_on_path:
	/* A top-level text, or a child of the innermost on-path container. */
	if (depth > 0 && !s->path.step[depth - 1].iterate && !s->keymatch)
		goto dispatch;
	if (depth == 0 && s->one && s->ntexts++ > 0)
		FAIL("expected only one JSON text");
	c = *p;
	k = depth;
	if (k == (unsigned)s->path.n)
		goto select;
	if (c == '{' || (c == '[' && s->path.step[k].iterate)) {
		if (depth == KQ_JSON_MAX_DEPTH)
			goto too_deep;
		s->cpos[k] = pos_at(s, OFF(p));
		s->keyseen[k] = 0;
		s->keymatch = 0;
		s->stack[++depth] = (unsigned char)c;
		onpath = depth;
		p++;
		if (c == '[')
			goto arr_first;
		goto obj_first;
	}
	/* null goes through keys as null; what iterates over it fails. */
	if (c == 'n' && !s->iter_after[k])
		goto select;
	if (!type_name(c))
		goto dispatch; /* a syntax error */
	if (s->path.step[k].iterate || c == 'n')
		snprintf(s->markmsg, sizeof(s->markmsg),
			 "cannot iterate over %s", type_name(c));
	else
		snprintf(s->markmsg, sizeof(s->markmsg),
			 "cannot index %s with string \"%s\"", type_name(c),
			 s->path.step[k].key);
	/* Reported once the value is complete: a syntax error comes first. */
	s->mark = MARK_FAIL;
	s->markpos = pos_at(s, OFF(p));
	goto dispatch;
select:
	s->mark = MARK_COPY;
	s->markpos = pos_at(s, OFF(p));
	if (!(s->flags & KQ_JSONSCAN_NOCOPY)) {
		copying = 1;
		span = p;
	}
	goto dispatch;

value_end:
	/* p is just past a string or a container. */
	bare = 0;
	if (depth == onpath)
		goto value_end_on_path;
after:
	if (depth == 0)
		goto top_after;
	if (s->stack[depth] == '[')
		goto arr_next;
	goto obj_next;
scalar_end:
	/* p is just past a number or a literal. */
	bare = 1;
	if (depth != onpath)
		goto after;
value_end_on_path:
	if (s->mark == MARK_NONE)
		goto after;
	if (s->mark == MARK_FAIL) {
		s->mark = MARK_NONE;
		s->errpos = s->markpos;
		msg = s->markmsg;
		goto fail_at_pos;
	}
	s->mark = MARK_NONE;
	if (copying) {
		append_span(s, span, (size_t)(p - span), e);
		copying = 0;
	}
	if ((r = emit_value(s, &s->markpos)) != 0) {
		s->state = after_state(s, depth, bare);
		goto stop;
	}
	goto after;
top_after:
	if (bare)
		goto top_token;
	goto top;

arr_first:
	SKIP_WS(S_ARR_FIRST);
	if (*p == ']') {
		p++;
		goto close;
	}
	goto value_start;

arr_next:
	SKIP_WS(S_ARR_NEXT);
	if (*p == ',') {
		p++;
		goto value;
	}
	if (*p == ']') {
		p++;
		goto close;
	}
	FAIL("expected ',' or ']' after an array element");

obj_first:
	SKIP_WS(S_OBJ_FIRST);
	if (*p == '"')
		goto key_start;
	if (*p == '}') {
		p++;
		goto close;
	}
	FAIL("expected a string key or '}'");

obj_key:
	SKIP_WS(S_OBJ_KEY);
	if (*p != '"') {
		if (*p == '}')
			FAIL("expected a string key after ',', not '}'");
		FAIL("expected a string key after ','");
	}
key_start:
	p++;
	s->iskey = 1;
	if (depth == onpath && !s->path.step[depth - 1].iterate) {
		s->kcollect = 1;
		kstart = p;
	}
	goto str;

colon:
	SKIP_WS(S_COLON);
	if (*p != ':')
		FAIL("expected ':' after an object key");
	p++;
	goto value;

obj_next:
	SKIP_WS(S_OBJ_NEXT);
	if (*p == ',') {
		p++;
		goto obj_key;
	}
	if (*p == '}') {
		p++;
		goto close;
	}
	FAIL("expected ',' or '}' after an object member");

close:
	/* p is just past the ']' or '}' of the container at depth. */
	if (depth == onpath) {
		k = depth - 1;
		onpath--;
		if (!s->path.step[k].iterate && !s->keyseen[k]) {
			/* A missing key gives null, as in jq. */
			if (s->iter_after[k + 1]) {
				s->errpos = s->cpos[k];
				msg = "cannot iterate over null";
				goto fail_at_pos;
			}
			depth--;
			if (!(s->flags & KQ_JSONSCAN_NOCOPY))
				append(s, "null", 4);
			if ((r = emit_value(s, &s->cpos[k])) != 0) {
				s->state = after_state(s, depth, 0);
				goto stop;
			}
			goto value_end;
		}
	}
	depth--;
	goto value_end;

	/* Strings. */
str:
	for (;;) {
#ifdef __SSE2__
		while (e - p >= 16) {
			__m128i v = _mm_loadu_si128(
				(const __m128i *)(const void *)p);
			__m128i x = _mm_or_si128(
				_mm_or_si128(_mm_cmpeq_epi8(v, vq),
					     _mm_cmpeq_epi8(v, vbs)),
				_mm_cmplt_epi8(v, vsp)); /* and >= 0x80 */
			unsigned m = (unsigned)_mm_movemask_epi8(x);

			if (m) {
				p += __builtin_ctz(m);
				goto str_special;
			}
			p += 16;
		}
#endif
		while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		       *p != '\\')
			p++;
		NEED(S_STR);
#ifdef __SSE2__
	str_special:
#endif
		c = *p;
		if (c == '"') {
			p++;
			goto str_end;
		}
		if (c == '\\') {
			if (e - p >= 2 && esc[p[1]]) {
				p += 2;
				continue;
			}
			if (e - p >= 6 && p[1] == 'u') {
				long cp = hex4(p + 2);

				if (cp >= 0 && (cp < 0xD800 || cp >= 0xE000)) {
					p += 6;
					continue;
				}
			}
			p++;
			goto str_esc;
		}
		if (c < 0x20)
			FAIL("expected a control character in a string to be "
			     "escaped");
		if ((n = (unsigned)u8seq(p, (size_t)(e - p))) != 0) {
			p += n;
			continue;
		}
		/* Invalid, or cut by the end of the piece. */
		s->u8need = u8lead(c, &s->u8lo, &s->u8hi);
		if (s->u8need == 0)
			FAIL("expected valid UTF-8 in a string");
		p++;
		goto utf8;
	}
utf8:
	while (s->u8need) {
		NEED(S_UTF8);
		if (*p < s->u8lo || *p > s->u8hi)
			FAIL("expected valid UTF-8 in a string");
		s->u8lo = 0x80;
		s->u8hi = 0xBF;
		s->u8need--;
		p++;
	}
	goto str;
str_esc:
	NEED(S_ESC);
	if (esc[*p]) {
		p++;
		goto str;
	}
	if (*p != 'u')
		FAIL("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u "
		     "after '\\'");
	p++;
	s->hex = s->nhex = 0;
str_hex:
	while (s->nhex < 4) {
		int h;

		NEED(S_HEX);
		if ((h = hexval(*p)) < 0)
			FAIL("expected 4 hex digits after \\u");
		s->hex = s->hex << 4 | (unsigned)h;
		s->nhex++;
		p++;
	}
	if (s->high) {
		s->high = 0;
		if (s->hex < 0xDC00 || s->hex > 0xDFFF) {
			failoff = OFF(p) - 6;
			msg = expected[S_SURR_BS];
			goto fail_at_off;
		}
		goto str;
	}
	if (s->hex >= 0xDC00 && s->hex <= 0xDFFF) {
		failoff = OFF(p) - 6;
		msg = "expected a high surrogate \\uD800-\\uDBFF before a low "
		      "surrogate";
		goto fail_at_off;
	}
	if (s->hex < 0xD800 || s->hex > 0xDBFF)
		goto str;
	s->high = 1;
surr_bs:
	NEED(S_SURR_BS);
	if (*p != '\\')
		FAIL(expected[S_SURR_BS]);
	p++;
surr_u:
	NEED(S_SURR_U);
	if (*p != 'u')
		FAIL(expected[S_SURR_U]);
	p++;
	s->hex = s->nhex = 0;
	goto str_hex;
str_end:
	if (!s->iskey)
		goto value_end;
	if (s->kcollect)
		key_done(s, onpath - 1, kstart, (size_t)(p - 1 - kstart));
	goto colon;

	/* Numbers, as RFC 8259 writes them: no leading zeros, no '+'. */
num_minus:
	NEED(S_MINUS);
	if (*p == '0') {
		p++;
		goto num_zero;
	}
	if (DIGIT(*p)) {
		p++;
		goto num_int;
	}
	FAIL(*p == 'I' ? not_a_value(s, *p) : "expected a digit after '-'");
num_zero:
	NEED(S_ZERO);
	if (DIGIT(*p))
		FAIL("expected '.', 'e' or the end of the number after a "
		     "leading 0");
	goto num_point;
num_int:
	while (p < e && DIGIT(*p))
		p++;
	NEED(S_INT);
num_point:
	if (*p == '.') {
		p++;
		goto num_dot;
	}
	if ((*p | 0x20) == 'e') {
		p++;
		goto num_exp;
	}
	goto scalar_end;
num_dot:
	NEED(S_DOT);
	if (!DIGIT(*p))
		FAIL(expected[S_DOT]);
	p++;
num_frac:
	while (p < e && DIGIT(*p))
		p++;
	NEED(S_FRAC);
	if ((*p | 0x20) == 'e') {
		p++;
		goto num_exp;
	}
	goto scalar_end;
num_exp:
	NEED(S_EXP);
	if (*p == '+' || *p == '-')
		p++;
num_expsign:
	NEED(S_EXPSIGN);
	if (!DIGIT(*p))
		FAIL(expected[S_EXPSIGN]);
	p++;
num_expdigit:
	while (p < e && DIGIT(*p))
		p++;
	NEED(S_EXPDIGIT);
	goto scalar_end;

lit_start:
	n = (unsigned)strlen(s->lit);
	if ((size_t)(e - p) >= n && memcmp(p, s->lit, n) == 0) {
		p += n;
		goto scalar_end;
	}
	s->litpos = 1;
	p++;
lit:
	while (s->lit[s->litpos]) {
		NEED(S_LIT);
		if (*p != (unsigned char)s->lit[s->litpos]) {
			snprintf(s->errbuf, sizeof(s->errbuf), "expected '%s'",
				 s->lit);
			FAIL(s->errbuf);
		}
		p++;
		s->litpos++;
	}
	goto scalar_end;

too_deep:
	snprintf(s->errbuf, sizeof(s->errbuf),
		 "expected at most %d levels of nesting", KQ_JSON_MAX_DEPTH);
	FAIL(s->errbuf);

suspend:
	if (copying && e > span)
		append(s, span, (size_t)(e - span));
	if (s->kcollect && e > kstart)
		collect(s, onpath - 1, kstart, (size_t)(e - kstart));
	s->depth = depth;
	s->onpath = onpath;
	s->copying = copying;
	s->base += (uint64_t)(e - b);
	return 0;

stop:
	/* An emit call asked to stop; the rest of the piece is not read. */
	s->depth = depth;
	s->onpath = onpath;
	s->copying = copying;
	s->base += (uint64_t)(p - b);
	return r;

fail:
	failoff = OFF(p);
fail_at_off:
	s->errpos = pos_at(s, failoff);
fail_at_pos:
	s->err = msg;
	s->state = S_FAIL;
	s->depth = depth;
	s->onpath = onpath;
	s->copying = 0;
	s->outlen = 0;
	return -1;
}

int
kq_jsonscan_feed(struct kq_jsonscan *s, const char *p, size_t n)
{
	if (s->state == S_FAIL)
		return -1;
	if (n == 0)
		return 0;
	return scan(s, (const unsigned char *)p, (const unsigned char *)p + n);
}

int
kq_jsonscan_end(struct kq_jsonscan *s)
{
	struct kq_jsonpos at = pos_at(s, s->base);
	int r;

	switch (s->state) {
	case S_FAIL:
		return -1;
	case S_ZERO:
	case S_INT:
	case S_FRAC:
	case S_EXPDIGIT:
		/* A number ends where the input does. */
		if ((r = scan(s, (const unsigned char *)" ",
			      (const unsigned char *)" " + 1)) != 0)
			return r;
		break;
	}
	if (s->state == S_TOP || s->state == S_TOP_TOKEN) {
		if (!s->one || s->ntexts > 0)
			return 0;
		snprintf(s->errbuf, sizeof(s->errbuf),
			 "expected a JSON text, not the end of the input");
	} else if (s->state == S_LIT) {
		snprintf(s->errbuf, sizeof(s->errbuf),
			 "expected '%s', not the end of the input", s->lit);
	} else {
		snprintf(s->errbuf, sizeof(s->errbuf),
			 "%s, not the end of the input", expected[s->state]);
	}
	s->err = s->errbuf;
	s->errpos = at;
	s->state = S_FAIL;
	return -1;
}

const char *
kq_jsonscan_error(const struct kq_jsonscan *s, struct kq_jsonpos *where)
{
	if (where)
		*where = s->errpos;
	return s->err ? s->err : "no error";
}

int
kq_json_one(struct kq_jsonscan *s, const char *p, size_t n, const char **out,
	    size_t *outlen)
{
	kq_jsonscan_reset(s);
	s->one = 1;
	if (kq_jsonscan_feed(s, p, n) || kq_jsonscan_end(s))
		return -1;
	*out = s->out;
	*outlen = s->onelen;
	return 0;
}
