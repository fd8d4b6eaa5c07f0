/*
 * A strict JSON scanner (RFC 8259) that works on a stream: bytes go in, in
 * pieces of any size, and each value that a simple path selects comes out
 * compacted (whitespace outside strings removed, every other byte as it
 * came, so numbers and escapes pass through unchanged) as soon as its last
 * byte is in. Memory is bounded by the largest selected value, not by the
 * input. Used by kq-jsonsplit, the -J readers of kq-pub and kq-count, and
 * kq-sub --json-values.
 */
#ifndef KQ_JSONSCAN_H
#define KQ_JSONSCAN_H

#include <stddef.h>
#include <stdint.h>

/* Nesting deeper than this is an error, not a crash. */
#define KQ_JSON_MAX_DEPTH 10000
#define KQ_JSONPATH_MAX	  16

/*
 * A simple path, in jq's syntax: "." (each top-level text), ".[]",
 * ".a.b[]", ".[].items[]", ".\"a key\"[]", ".[\"a\"]". Steps are object
 * keys or iterations ([]: the elements of an array, the values of an
 * object). Keys in the input are matched unescaped ("\u0061" is a).
 */
struct kq_jsonpath {
	int n;
	struct {
		int iterate; /* 1 for [], 0 for a key */
		char *key;   /* the key, unescaped (NUL-terminated) */
		size_t keylen;
	} step[KQ_JSONPATH_MAX];
};

/* 0, or -1 when s is not a simple path (then libjq has to run it). */
int kq_jsonpath_parse(const char *s, struct kq_jsonpath *p);
void kq_jsonpath_free(struct kq_jsonpath *p);

/*
 * A position in the input: line and column from 1 (the column counts
 * bytes), byte offset from 0.
 */
struct kq_jsonpos {
	uint64_t line;
	uint64_t col;
	uint64_t offset;
};

/*
 * Called with each selected value, compacted (p is valid until the call
 * returns), and where the value began. A non-zero return stops the scan:
 * kq_jsonscan_feed returns that value, and the rest of that piece is not
 * read (reset the scanner before feeding it again).
 *
 * What the path selects is what jq selects, with one difference: when an
 * object has a path's key more than once, jq keeps the last; the scanner
 * cannot know the future, so it selects from every occurrence in order.
 * A key missing from an object gives null, as in jq; the error of a path
 * that does not apply ("cannot iterate over number") is reported at the
 * value it met, once that value is complete (syntax errors come first).
 */
typedef int (*kq_json_emit_fn)(void *arg, const char *p, size_t n,
			       const struct kq_jsonpos *start);

/* Flags for kq_jsonscan_new. */
#define KQ_JSONSCAN_NOCOPY 1 /* emit with p = NULL, n = 0: only count */

struct kq_jsonscan;

struct kq_jsonscan *kq_jsonscan_new(const struct kq_jsonpath *path, int flags,
				    kq_json_emit_fn emit, void *arg);
void kq_jsonscan_free(struct kq_jsonscan *s);
/* Back to the state of a new scanner: position 1:1, nothing pending. */
void kq_jsonscan_reset(struct kq_jsonscan *s);

/*
 * Scan the next n bytes. 0: fine so far; -1: the input is not valid JSON
 * or the path does not apply (kq_jsonscan_error says what and where;
 * later calls return -1 until a reset); otherwise the non-zero value an
 * emit call returned. Top-level texts follow each other with or without
 * whitespace between them, except that a number, true, false or null at
 * the top must be followed by whitespace or the end. Strings must be
 * Unicode: invalid UTF-8 and unpaired surrogate escapes are refused (jq
 * refuses the escapes too).
 */
int kq_jsonscan_feed(struct kq_jsonscan *s, const char *p, size_t n);
/*
 * The end of the input, which ends a number there (and may emit it): 0,
 * -1 when a text is unfinished, or the non-zero value of an emit call.
 */
int kq_jsonscan_end(struct kq_jsonscan *s);

/*
 * After -1: what was expected, such as "expected ',' or ']' after an
 * array element", and where (line, column, offset of the fault).
 */
const char *kq_jsonscan_error(const struct kq_jsonscan *s,
			      struct kq_jsonpos *where);

/*
 * Whether p[0..n) is exactly one JSON text (whitespace around it
 * allowed). If it is, 0 with its compact form in *out and *outlen (valid
 * until the next use of s); otherwise -1. s must have been made with the
 * path "." and no emit function; it is reset on each call.
 */
int kq_json_one(struct kq_jsonscan *s, const char *p, size_t n,
		const char **out, size_t *outlen);

/* Whether p[0..n) is valid UTF-8 (RFC 3629: no surrogates, no overlongs). */
int kq_utf8_valid(const char *p, size_t n);

/*
 * The text of a JSON string from its body (the bytes between the quotes,
 * as the scanner accepted them) into out, which may be in itself and needs
 * room for n bytes; returns the length. For -r and for matching keys.
 */
size_t kq_json_unescape(const char *in, size_t n, char *out);

#endif
