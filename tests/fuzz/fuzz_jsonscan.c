/*
 * libFuzzer target for the JSON scanner. The first byte picks a path, the
 * second how the input is cut; the rest is the input. It checks what a
 * user relies on: the same values, error and position however the input
 * is cut (down to one byte at a time), with and without copying; every
 * value emitted is one valid JSON text already compact; strings unescape
 * to valid UTF-8; kq_utf8_valid agrees with a plain decoder, and the
 * scanner's verdict with a plain recursive-descent reader of RFC 8259.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
 *	tests/fuzz/fuzz_jsonscan.c common/jsonscan.c common/die.c \
 *	-o build/fuzz_jsonscan
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"

static const char *const paths[] = {
	".", ".[]", ".a", ".a[]", ".[].a", ".[][]", ".a.b", ".\"\\u00e9\"[]",
};

struct run {
	char *buf; /* values and positions, one after another */
	size_t len, cap;
	size_t count;
	int nocopy;
};

static void
add(struct run *r, const void *p, size_t n)
{
	if (r->len + n > r->cap) {
		r->cap = (r->len + n) * 2 + 64;
		r->buf = realloc(r->buf, r->cap);
		if (!r->buf)
			abort();
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static struct kq_jsonscan *checker;

static int
emit(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	struct run *r = arg;
	const char *one;
	size_t onelen;

	r->count++;
	add(r, at, sizeof(*at));
	if (r->nocopy) {
		if (p || n)
			abort();
		return 0;
	}
	add(r, &n, sizeof(n));
	add(r, p, n);
	/* A value is one JSON text, and compact already. */
	if (kq_json_one(checker, p, n, &one, &onelen) || onelen != n ||
	    memcmp(one, p, n) != 0)
		abort();
	if (p[0] == '"') {
		char *t = malloc(n);

		if (!t)
			abort();
		if (!kq_utf8_valid(t, kq_json_unescape(p + 1, n - 2, t)))
			abort();
		free(t);
	}
	return 0;
}

/* Scan data in pieces of the sizes cuts gives (0: all at once). */
static int
scan(const struct kq_jsonpath *path, int nocopy, const char *data, size_t size,
     unsigned cuts, struct run *r, struct kq_jsonpos *errpos, char *err,
     size_t errsize)
{
	struct kq_jsonscan *s =
		kq_jsonscan_new(path, nocopy ? KQ_JSONSCAN_NOCOPY : 0, emit, r);
	size_t off = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->nocopy = nocopy;
	while (off < size && rc == 0) {
		size_t n = cuts == 0 ? size - off : 1 + (off * 7 + cuts) % cuts;

		if (n > size - off)
			n = size - off;
		rc = kq_jsonscan_feed(s, data + off, n);
		off += n;
	}
	if (rc == 0)
		rc = kq_jsonscan_end(s);
	memset(errpos, 0, sizeof(*errpos));
	snprintf(err, errsize, "%s", rc ? kq_jsonscan_error(s, errpos) : "");
	kq_jsonscan_free(s);
	return rc;
}

static int
same(const struct run *a, const struct run *b)
{
	return a->len == b->len &&
	       (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

/* A plain UTF-8 decoder, to hold kq_utf8_valid to. */
static int
utf8_plain(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i], cp, k, j;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC0 && c < 0xE0)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c < 0xF0)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c < 0xF8)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (i + k >= n)
			return 0;
		for (j = 1; j <= k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3F);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) ||
		    (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp < 0xE000))
			return 0;
		i += k + 1;
	}
	return 1;
}

/*
 * A plain recursive-descent reader of RFC 8259, written from the grammar
 * and nothing else, to hold the scanner's verdict to.
 */
struct ref {
	const unsigned char *p, *e;
	int depth;
};

static int ref_value(struct ref *r);

static int
ref_isws(const struct ref *r)
{
	return r->p < r->e && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' ||
			       *r->p == '\r');
}

static void
ref_ws(struct ref *r)
{
	while (ref_isws(r))
		r->p++;
}

static int
ref_eat(struct ref *r, int c)
{
	if (r->p < r->e && *r->p == c) {
		r->p++;
		return 1;
	}
	return 0;
}

static long
ref_hex4(struct ref *r)
{
	long v = 0;
	int i;

	if (r->e - r->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int c = r->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	r->p += 4;
	return v;
}

static int
ref_string(struct ref *r)
{
	r->p++;
	while (r->p < r->e) {
		unsigned c = *r->p;

		if (c == '"') {
			r->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c >= 0x80) {
			size_t k = 2;

			/* The shortest prefix the plain decoder accepts. */
			while (k <= 4 &&
			       (r->e - r->p < (long)k || !utf8_plain(r->p, k)))
				k++;
			if (k > 4)
				return 0;
			r->p += k;
			continue;
		}
		if (c != '\\') {
			r->p++;
			continue;
		}
		r->p++;
		if (r->p == r->e)
			return 0;
		c = *r->p++;
		if (c == 'u') {
			long cp = ref_hex4(r), lo;

			if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
				return 0;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (!ref_eat(r, '\\') || !ref_eat(r, 'u'))
					return 0;
				lo = ref_hex4(r);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return 0;
			}
		} else if (!strchr("\"\\/bfnrt", (int)c) || c == 0) {
			return 0;
		}
	}
	return 0;
}

static int
ref_digits(struct ref *r)
{
	const unsigned char *start = r->p;

	while (r->p < r->e && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > start;
}

static int
ref_number(struct ref *r)
{
	ref_eat(r, '-');
	if (!ref_eat(r, '0')) {
		if (r->p == r->e || *r->p < '1' || *r->p > '9')
			return 0;
		ref_digits(r);
	}
	if (ref_eat(r, '.') && !ref_digits(r))
		return 0;
	if (ref_eat(r, 'e') || ref_eat(r, 'E')) {
		if (!ref_eat(r, '+'))
			ref_eat(r, '-');
		if (!ref_digits(r))
			return 0;
	}
	return 1;
}

static int
ref_word(struct ref *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->e - r->p) < n || memcmp(r->p, w, n))
		return 0;
	r->p += n;
	return 1;
}

static int
ref_container(struct ref *r, int close)
{
	if (++r->depth > KQ_JSON_MAX_DEPTH)
		return 0;
	r->p++;
	ref_ws(r);
	if (ref_eat(r, close)) {
		r->depth--;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			if (r->p == r->e || *r->p != '"' || !ref_string(r))
				return 0;
			ref_ws(r);
			if (!ref_eat(r, ':'))
				return 0;
			ref_ws(r);
		}
		if (!ref_value(r))
			return 0;
		ref_ws(r);
		if (ref_eat(r, close))
			break;
		if (!ref_eat(r, ','))
			return 0;
		ref_ws(r);
	}
	r->depth--;
	return 1;
}

static int
ref_value(struct ref *r)
{
	if (r->p == r->e)
		return 0;
	switch (*r->p) {
	case '{':
		return ref_container(r, '}');
	case '[':
		return ref_container(r, ']');
	case '"':
		return ref_string(r);
	case 't':
		return ref_word(r, "true");
	case 'f':
		return ref_word(r, "false");
	case 'n':
		return ref_word(r, "null");
	default:
		return ref_number(r);
	}
}

/* Texts one after another; a bare number or word needs whitespace after. */
static int
ref_texts(const char *p, size_t n)
{
	struct ref r = {(const unsigned char *)p, (const unsigned char *)p + n,
			0};

	ref_ws(&r);
	while (r.p < r.e) {
		int bare = !strchr("[{\"", *r.p) || *r.p == 0;

		if (!ref_value(&r))
			return 0;
		if (bare && r.p < r.e && !ref_isws(&r))
			return 0;
		ref_ws(&r);
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct kq_jsonpath path;
	struct run whole, cut, bytes, count;
	struct kq_jsonpos pw, pc, pb, pn;
	char ew[256], ec[256], eb[256], en[256];
	const char *in;
	unsigned cuts;
	int rw, rc, rb, rn;

	if (size < 2)
		return 0;
	if (kq_jsonpath_parse(paths[data[0] % 8], &path))
		abort();
	cuts = data[1] % 64;
	in = (const char *)data + 2;
	size -= 2;
	if (!checker) {
		struct kq_jsonpath dot = {0};

		checker = kq_jsonscan_new(&dot, 0, NULL, NULL);
	}

	if (kq_utf8_valid(in, size) != utf8_plain((const void *)in, size))
		abort();

	rw = scan(&path, 0, in, size, 0, &whole, &pw, ew, sizeof(ew));
	rc = scan(&path, 0, in, size, cuts + 1, &cut, &pc, ec, sizeof(ec));
	rb = scan(&path, 0, in, size, 1, &bytes, &pb, eb, sizeof(eb));
	rn = scan(&path, 1, in, size, cuts + 1, &count, &pn, en, sizeof(en));
	if (rw != rc || rw != rb || rw != rn)
		abort();
	if (!same(&whole, &cut) || !same(&whole, &bytes))
		abort();
	if (whole.count != count.count)
		abort();
	/* With ".", refused exactly when the plain reader refuses. */
	if (data[0] % 8 == 0 && (rw == 0) != ref_texts(in, size))
		abort();
	if (rw &&
	    (strcmp(ew, ec) || strcmp(ew, eb) || strcmp(ew, en) ||
	     memcmp(&pw, &pc, sizeof(pw)) || memcmp(&pw, &pb, sizeof(pw)) ||
	     memcmp(&pw, &pn, sizeof(pw)) || pw.offset > size))
		abort();
	free(whole.buf);
	free(cut.buf);
	free(bytes.buf);
	free(count.buf);
	kq_jsonpath_free(&path);
	return 0;
}
