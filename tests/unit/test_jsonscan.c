/*
 * The strict streaming JSON scanner: what each path selects, every rule of
 * RFC 8259 with the position of each fault, and the same result however
 * the input is cut, down to one byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"

struct out {
	char *buf;
	size_t len, cap;
	int values;
	int stop_after; /* emit returns 7 after this many values (0: never) */
};

static void
add(struct out *o, const char *p, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->buf = realloc(o->buf, o->cap);
		assert_non_null(o->buf);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static int
emit(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	struct out *o = arg;
	char pos[64];

	snprintf(pos, sizeof(pos), "%llu:%llu ", (unsigned long long)at->line,
		 (unsigned long long)at->col);
	add(o, pos, strlen(pos));
	if (p)
		add(o, p, n);
	add(o, "\n", 1);
	o->values++;
	return o->stop_after && o->values == o->stop_after ? 7 : 0;
}

/*
 * The values path selects in in[0..n), fed in pieces of step bytes (0: at
 * once), as "LINE:COL VALUE" lines, then "error LINE:COL: message" if the
 * input is refused. The caller frees the result.
 */
static char *
run_flags(const char *path, const char *in, size_t n, size_t step, int flags)
{
	struct kq_jsonpath p;
	struct kq_jsonscan *s;
	struct out o = {0};
	size_t off = 0;
	int rc = 0;

	assert_int_equal(kq_jsonpath_parse(path, &p), 0);
	s = kq_jsonscan_new(&p, flags, emit, &o);
	kq_jsonpath_free(&p);
	add(&o, "", 0);
	while (off < n && rc == 0) {
		size_t k = step && step < n - off ? step : n - off;

		rc = kq_jsonscan_feed(s, in + off, k);
		off += k;
	}
	if (rc == 0)
		rc = kq_jsonscan_end(s);
	if (rc) {
		struct kq_jsonpos at;
		const char *msg = kq_jsonscan_error(s, &at);
		char line[512];

		assert_int_equal(rc, -1);
		snprintf(line, sizeof(line), "error %llu:%llu: %s",
			 (unsigned long long)at.line,
			 (unsigned long long)at.col, msg);
		add(&o, line, strlen(line));
	}
	kq_jsonscan_free(s);
	return o.buf;
}

static char *
run(const char *path, const char *in)
{
	return run_flags(path, in, strlen(in), 0, 0);
}

#define EXPECT(path, in, want)                                                 \
	do {                                                                   \
		char *got_ = run(path, in);                                    \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

/* Only the error line of a refused input. */
#define REFUSE(path, in, want)                                                 \
	do {                                                                   \
		char *got_ = run(path, in), *e_ = strstr(got_, "error ");      \
		assert_non_null(e_);                                           \
		assert_string_equal(e_ + 6, want);                             \
		free(got_);                                                    \
	} while (0)

static void
paths(void **state)
{
	struct kq_jsonpath p;

	(void)state;
	assert_int_equal(kq_jsonpath_parse(".", &p), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(kq_jsonpath_parse(".[]", &p), 0);
	assert_int_equal(p.n, 1);
	assert_true(p.step[0].iterate);
	kq_jsonpath_free(&p);

	assert_int_equal(kq_jsonpath_parse(".a.b[]", &p), 0);
	assert_int_equal(p.n, 3);
	assert_false(p.step[0].iterate);
	assert_string_equal(p.step[0].key, "a");
	assert_string_equal(p.step[1].key, "b");
	assert_true(p.step[2].iterate);
	kq_jsonpath_free(&p);

	assert_int_equal(kq_jsonpath_parse(".[].items[]", &p), 0);
	assert_int_equal(p.n, 3);
	assert_true(p.step[0].iterate);
	assert_string_equal(p.step[1].key, "items");
	assert_true(p.step[2].iterate);
	kq_jsonpath_free(&p);

	assert_int_equal(kq_jsonpath_parse(".\"a key\"[]", &p), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.step[0].key, "a key");
	kq_jsonpath_free(&p);

	/* Keys are unescaped as jq reads its string literals. */
	assert_int_equal(kq_jsonpath_parse(".\"\\u0061\\n\\u00e9\"", &p), 0);
	assert_int_equal(p.step[0].keylen, 4);
	assert_memory_equal(p.step[0].key, "a\n\xc3\xa9", 4);
	kq_jsonpath_free(&p);

	assert_int_equal(kq_jsonpath_parse(".[\"x\"][\"y\"][]", &p), 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.step[1].key, "y");
	kq_jsonpath_free(&p);

	assert_int_equal(kq_jsonpath_parse(" .a_1.B2 ", &p), 0);
	assert_string_equal(p.step[0].key, "a_1");
	assert_string_equal(p.step[1].key, "B2");
	kq_jsonpath_free(&p);
}

static void
not_simple_paths(void **state)
{
	static const char *other[] = {
		"",
		"a",
		"..",
		".[",
		".[1]",
		".a.",
		".a..b",
		".a[]?",
		".a?",
		".[] | .a",
		".\"a\\(1)\"",
		".1a",
		". a",
		".a.[]",
		".[ ]",
		"{a}",
		".\"unterminated",
		".\"\\ud800\"",
		".[\"x\"",
		".a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", /* 17 steps */
	};
	struct kq_jsonpath p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (kq_jsonpath_parse(other[i], &p) != -1)
			fail_msg("'%s' taken as a simple path", other[i]);
		assert_int_equal(p.n, 0);
	}
	assert_int_equal(
		kq_jsonpath_parse(".a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", &p), 0);
	assert_int_equal(p.n, 16);
	kq_jsonpath_free(&p);
}

static void
selection(void **state)
{
	(void)state;
	EXPECT(".[]", "[1, 2 ,3]", "1:2 1\n1:5 2\n1:8 3\n");
	EXPECT(".[]", "[\n  {\"a\": [1, 2]},\n  \"x y\"\n]\n",
	       "2:3 {\"a\":[1,2]}\n3:3 \"x y\"\n");
	/* .[] on an object: its values. */
	EXPECT(".[]", "{\"a\": 1, \"b\": [ 2 , 3 ] }", "1:7 1\n1:15 [2,3]\n");
	EXPECT(".[]", "[]", "");
	EXPECT(".[]", "{}", "");
	EXPECT(".a[]", "{\"b\":[9],\"a\":[1,{\"a\":[8]}]}",
	       "1:15 1\n1:17 {\"a\":[8]}\n");
	EXPECT(".[].items[]",
	       "[{\"items\":[1]},{\"x\":0,\"items\":[]},{\"items\":[2,3]}]",
	       "1:12 1\n1:45 2\n1:47 3\n");
	EXPECT(".a.b", "{\"a\":{\"c\":1,\"b\":{\"d\" : 2}}}",
	       "1:17 {\"d\":2}\n");
	/* A key is matched unescaped. */
	EXPECT(".a[]", "{\"\\u0061\":[1]}", "1:12 1\n");
	EXPECT(".\"\xc3\xa9\"[]", "{\"\\u00e9\":[1],\"\\u00E9\":[2]}",
	       "1:12 1\n1:25 2\n");
	EXPECT(".a[]", "{\"a\\u0000\":[1],\"ab\":[2],\"\":[3],\"a\":[4]}",
	       "1:37 4\n");
	EXPECT(".\"\"[]", "{\"a\":[1],\"\":[2]}", "1:14 2\n");
	/* Every occurrence of a duplicate key is selected. */
	EXPECT(".a[]", "{\"a\":[1],\"a\":[2]}", "1:7 1\n1:15 2\n");
	/* Each top-level text, with or without whitespace between. */
	EXPECT(".", "1 [2] {\"a\":3}\"x\"\n-4\n",
	       "1:1 1\n1:3 [2]\n1:7 {\"a\":3}\n1:14 \"x\"\n2:1 -4\n");
	EXPECT(".[]", "[1][2]\n[3]", "1:2 1\n1:5 2\n2:2 3\n");
	EXPECT(".", "", "");
	EXPECT(".", " \n\t\r ", "");
	EXPECT(".", "12", "1:1 12\n");
}

static void
passthrough(void **state)
{
	(void)state;
	/* Numbers and strings come out byte for byte. */
	EXPECT(".[]",
	       "[123456789012345678901234567890, 1.000000000000000000001, "
	       "-0, 1E+2, 0.5e-7]",
	       "1:2 123456789012345678901234567890\n"
	       "1:34 1.000000000000000000001\n1:59 -0\n1:63 1E+2\n"
	       "1:69 0.5e-7\n");
	EXPECT(".[]",
	       "[\"\\u00e9\\n\\/\", \"a  b\", "
	       "\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\"]",
	       "1:2 \"\\u00e9\\n\\/\"\n1:16 \"a  b\"\n"
	       "1:24 \"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\"\n");
	EXPECT(".[]", "[\"\\ud83d\\ude00\", true, false, null]",
	       "1:2 \"\\ud83d\\ude00\"\n1:18 true\n1:24 false\n1:31 null\n");
}

static void
null_and_missing(void **state)
{
	(void)state;
	/* As jq: a missing key or null gives null, until something iterates. */
	EXPECT(".a", "{\"b\":1}", "1:1 null\n");
	EXPECT(".a.b", "{\"a\":null}", "1:6 null\n");
	EXPECT(".a.b", "{\"a\":{}}", "1:6 null\n");
	EXPECT(".a", "null", "1:1 null\n");
	EXPECT(".a", "{\"a\":1} {} null", "1:6 1\n1:9 null\n1:12 null\n");
	REFUSE(".a[]", "{}", "1:1: cannot iterate over null");
	REFUSE(".a[]", "{\"a\":null}", "1:6: cannot iterate over null");
	REFUSE(".a.b[]", "{\"a\":null}", "1:6: cannot iterate over null");
	REFUSE(".[]", "null", "1:1: cannot iterate over null");
}

static void
path_errors(void **state)
{
	(void)state;
	REFUSE(".[]", "1", "1:1: cannot iterate over number");
	REFUSE(".[]", " \"s\"", "1:2: cannot iterate over string");
	REFUSE(".[]", "\ntrue", "2:1: cannot iterate over boolean");
	REFUSE(".a", "[1]", "1:1: cannot index array with string \"a\"");
	REFUSE(".a", "5", "1:1: cannot index number with string \"a\"");
	REFUSE(".a.b", "{\"a\":\"s\"}",
	       "1:6: cannot index string with string \"b\"");
	/* Values before the fault are kept. */
	EXPECT(".[][]", "[[1],2,[3]]",
	       "1:3 1\nerror 1:6: cannot iterate over number");
	EXPECT(".[]", "[1,{\"a\":2},[3",
	       "1:2 1\n1:4 {\"a\":2}\n"
	       "error 1:14: expected ',' or ']' after an array element, not "
	       "the end of the input");
	/* A syntax error in the value comes before the path's error. */
	REFUSE(".[]", "tru", "1:4: expected 'true', not the end of the input");
	REFUSE(".a", "[1,]", "1:4: expected a value after ',', not ']'");
	REFUSE(".[]", "-",
	       "1:2: expected a digit after '-', not the end of "
	       "the input");
}

static const struct {
	const char *in, *error;
} invalid[] = {
	{"[1,]", "1:4: expected a value after ',', not ']'"},
	{"{\"a\":1,}", "1:8: expected a string key after ',', not '}'"},
	{"[01]", "1:3: expected '.', 'e' or the end of the number after a "
		 "leading 0"},
	{"[-01]", "1:4: expected '.', 'e' or the end of the number after a "
		  "leading 0"},
	{"[1.]", "1:4: expected a digit after '.'"},
	{"[1.e5]", "1:4: expected a digit after '.'"},
	{"[1e]", "1:4: expected a digit in the exponent"},
	{"[1e+]", "1:5: expected a digit in the exponent"},
	{"[-]", "1:3: expected a digit after '-'"},
	{"[+1]", "1:2: expected a value, not '+'"},
	{"[.5]", "1:2: expected a value, not '.'"},
	{"[NaN]", "1:2: expected a value, not NaN or Infinity, which are not "
		  "JSON numbers"},
	{"[nan]", "1:3: expected 'null'"},
	{"[Infinity]", "1:2: expected a value, not NaN or Infinity, which are "
		       "not JSON numbers"},
	{"[-Infinity]", "1:3: expected a value, not NaN or Infinity, which "
			"are not JSON numbers"},
	{"\xef\xbb\xbf[1]",
	 "1:1: expected a value, not a UTF-8 byte order mark "
	 "(BOM), which JSON does not allow"},
	{"['a']", "1:2: expected a value, not a single quote: JSON strings "
		  "take double quotes"},
	{"[\x01]", "1:2: expected a value, not byte 0x01"},
	{"[True]", "1:2: expected a value, not 'T'"},
	{"[nulL]", "1:5: expected 'null'"},
	{"[undefined]", "1:2: expected a value, not 'u'"},
	{"[0x1F]", "1:3: expected ',' or ']' after an array element"},
	{"{a:1}", "1:2: expected a string key or '}'"},
	{"{'a':1}", "1:2: expected a string key or '}'"},
	{"{\"a\" 1}", "1:6: expected ':' after an object key"},
	{"{\"a\":1 \"b\":2}",
	 "1:8: expected ',' or '}' after an object member"},
	{"{1:2}", "1:2: expected a string key or '}'"},
	{"[1 2]", "1:4: expected ',' or ']' after an array element"},
	{"[1}", "1:3: expected ',' or ']' after an array element"},
	{"{\"a\":1]", "1:7: expected ',' or '}' after an object member"},
	{"]", "1:1: expected a value, not ']'"},
	{"[1] x", "1:5: expected a value, not 'x'"},
	{"1true", "1:2: expected whitespace after a top-level number, true, "
		  "false or null"},
	{"nullnull", "1:5: expected whitespace after a top-level number, "
		     "true, false or null"},
	{"[\"\\x\"]", "1:4: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r "
		      "\\t \\u after '\\'"},
	{"[\"\\U0041\"]", "1:4: expected one of \\\" \\\\ \\/ \\b \\f \\n "
			  "\\r \\t \\u after '\\'"},
	{"[\"\\u12G4\"]", "1:7: expected 4 hex digits after \\u"},
	{"[\"\\ud800\"]", "1:9: expected a low surrogate \\uDC00-\\uDFFF "
			  "after a high surrogate"},
	{"[\"\\ud800\\u0041\"]", "1:9: expected a low surrogate "
				 "\\uDC00-\\uDFFF after a high surrogate"},
	{"[\"\\ud800\\n\"]", "1:10: expected a low surrogate \\uDC00-\\uDFFF "
			     "after a high surrogate"},
	{"[\"\\udc00\"]", "1:3: expected a high surrogate \\uD800-\\uDBFF "
			  "before a low surrogate"},
	{"[\"a\nb\"]", "1:4: expected a control character in a string to be "
		       "escaped"},
	{"[\"a\tb\"]", "1:4: expected a control character in a string to be "
		       "escaped"},
	{"[\"\xff\"]", "1:3: expected valid UTF-8 in a string"},
	{"[\"\x80\"]", "1:3: expected valid UTF-8 in a string"},
	{"[\"\xc0\xaf\"]", "1:3: expected valid UTF-8 in a string"},
	{"[\"\xe0\x80\xaf\"]", "1:4: expected valid UTF-8 in a string"},
	{"[\"\xed\xa0\x80\"]", "1:4: expected valid UTF-8 in a string"},
	{"[\"\xf4\x90\x80\x80\"]", "1:4: expected valid UTF-8 in a string"},
	{"[\"\xf5\x80\x80\x80\"]", "1:3: expected valid UTF-8 in a string"},
	{"[\"\xe6\x97\"]", "1:5: expected valid UTF-8 in a string"},
	{"[\"\xc3\"]", "1:4: expected valid UTF-8 in a string"},
	{"[", "1:2: expected a value or ']', not the end of the input"},
	{"[1,", "1:4: expected a value, not the end of the input"},
	{"{", "1:2: expected a string key or '}', not the end of the input"},
	{"{\"a\"", "1:5: expected ':' after an object key, not the end of the "
		   "input"},
	{"{\"a\":", "1:6: expected a value, not the end of the input"},
	{"{\"a\":1,", "1:8: expected a string key after ',', not the end of "
		      "the input"},
	{"\"abc", "1:5: expected '\"' to end the string, not the end of the "
		  "input"},
	{"\"\\", "1:3: expected an escape after '\\', not the end of the "
		 "input"},
	{"\"\\u12", "1:6: expected 4 hex digits after \\u, not the end of "
		    "the input"},
	{"\"\xe6\x97", "1:4: expected the rest of a UTF-8 sequence, not the "
		       "end of the input"},
	{"[1,\n2,\n", "3:1: expected a value, not the end of the input"},
	{"tru", "1:4: expected 'true', not the end of the input"},
	{"1.", "1:3: expected a digit after '.', not the end of the input"},
	{"1e-", "1:4: expected a digit in the exponent, not the end of the "
		"input"},
	{"-", "1:2: expected a digit after '-', not the end of the input"},
};

static void
refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char *got = run(".", invalid[i].in), *e = strstr(got, "error ");

		if (!e || strcmp(e + 6, invalid[i].error) != 0)
			fail_msg("%s: got '%s', want '%s'", invalid[i].in,
				 e ? e + 6 : got, invalid[i].error);
		free(got);
	}
}

static char *
nested(size_t open, size_t close)
{
	char *s = malloc(open + close + 2);

	assert_non_null(s);
	memset(s, '[', open);
	memset(s + open, ']', close);
	s[open + close] = 0;
	return s;
}

static void
depth(void **state)
{
	char *s, *inner, *got, want[128];

	(void)state;
	/* As deep as allowed: fine, and .[] gives the one level less. */
	s = nested(KQ_JSON_MAX_DEPTH, KQ_JSON_MAX_DEPTH);
	inner = nested(KQ_JSON_MAX_DEPTH - 1, KQ_JSON_MAX_DEPTH - 1);
	got = run(".[]", s);
	assert_memory_equal(got, "1:2 ", 4);
	assert_string_equal(got + 4, strcat(inner, "\n") ? inner : "");
	free(got);
	free(inner);
	free(s);

	/* 100,000 open brackets: an error at the first one too many. */
	s = nested(100000, 0);
	snprintf(want, sizeof(want),
		 "1:%d: expected at most %d levels of nesting",
		 KQ_JSON_MAX_DEPTH + 1, KQ_JSON_MAX_DEPTH);
	REFUSE(".", s, want);
	REFUSE(".[]", s, want);
	free(s);
}

/* The inputs fed whole and cut: everything above and a bigger document. */
static const char document[] =
	"[\n"
	"  {\n"
	"    \"id\": \"2489651045\",\n"
	"    \"type\": \"PushEvent\",\n"
	"    \"actor\": {\"id\": 665991, \"login\": \"petroav\", "
	"\"\\u0061\": [1.5e-3, -0, true, false, null]},\n"
	"    \"payload\": {\n"
	"      \"commits\": [\n"
	"        {\"message\": \"caf\xc3\xa9 \\\"quoted\\\" \\ud83d\\ude00 "
	"\xf0\x9f\x98\x80 tab\\t newline\\n\", \"distinct\": true},\n"
	"        {\"message\": \"                                        "
	"long run of spaces inside a string\", \"items\": []}\n"
	"      ],\n"
	"      \"size\": 123456789012345678901234567890\n"
	"    },\n"
	"    \"items\": [{}, [], \"\", 0, {\"items\": [1, [2], {\"3\": 4}]}]\n"
	"  },\n"
	"  {\"type\":\"CreateEvent\",\"a\":{\"b\":[{\"c\":\"\xe6\x97\xa5\"}]}},"
	"\t\r\n"
	"  {\"a\": {\"b\": null}, \"items\": [\"x\"]}\n"
	"]\n"
	"{\"a\": [\"second text\"], \"a\": [\"duplicate\"]}\n"
	"3 \"text\" null\n";

static void
check_cuts(const char *path, const char *in, size_t n)
{
	char *whole = run_flags(path, in, n, 0, 0);
	size_t steps[] = {1, 2, 3, 5, 7, 16, 17, 31, 64};
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char *cut = run_flags(path, in, n, steps[i], 0);

		if (strcmp(whole, cut) != 0)
			fail_msg("%s on '%s' in pieces of %zu:\n%s\n"
				 "differs from at once:\n%s",
				 path, in, steps[i], cut, whole);
		free(cut);
	}
	free(whole);
}

static void
byte_at_a_time(void **state)
{
	static const char *const ps[] = {".",		".[]",	 ".a",
					 ".a[]",	".[].a", ".[][]",
					 ".[].items[]", ".a.b"};
	static const char *const more[] = {
		"[1, 2 ,3]",
		"{\"a\": 1, \"b\": [ 2 , 3 ] }",
		"[123456789012345678901234567890, -0.5e+10, 0, 1E2]",
		"{\"\\u0061\":[1]}",
		"{\"a\":[1],\"a\":[2]}",
		"1 [2] {\"a\":3}\"x\"\n-4\n12",
		"[\"\\ud83d\\ude00\"]",
		"{\"a\":{\"b\":[{\"c\":null}]}}",
		"",
		"  \n",
	};
	char *deep;
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		check_cuts(ps[k], document, strlen(document));
		for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
			check_cuts(ps[k], more[i], strlen(more[i]));
		for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
			check_cuts(ps[k], invalid[i].in, strlen(invalid[i].in));
	}
	deep = nested(KQ_JSON_MAX_DEPTH + 1, 0);
	check_cuts(".", deep, strlen(deep));
	free(deep);
}

/* What the whole document gives, so the cut runs are held to something. */
static void
document_values(void **state)
{
	char *got;

	(void)state;
	got = run(".[].type", document);
	assert_string_equal(got, "4:13 \"PushEvent\"\n"
				 "15:11 \"CreateEvent\"\n"
				 "16:3 null\n"
				 "error 18:7: cannot index array with string "
				 "\"type\"");
	free(got);
	got = run(".[].items[]", document);
	assert_non_null(
		strstr(got, "13:15 {}\n13:19 []\n13:23 \"\"\n"
			    "13:27 0\n13:30 {\"items\":[1,[2],{\"3\":4}]}\n"));
	/* The next element has no items: null, which cannot iterate. */
	assert_non_null(strstr(got, "{\"3\":4}]}\n"
				    "error 15:3: cannot iterate over null"));
	free(got);
	got = run(".[].actor.\"a\"", document);
	assert_non_null(
		strstr(got, "5:59 [1.5e-3,-0,true,false,null]\n15:3 null\n"));
	free(got);
}

static void
nocopy(void **state)
{
	char *got;

	(void)state;
	/* Only where each value began: no bytes. */
	got = run_flags(".", document, strlen(document), 3, KQ_JSONSCAN_NOCOPY);
	assert_string_equal(got, "1:1 \n18:1 \n19:1 \n19:3 \n19:10 \n");
	free(got);
	got = run_flags(".[]", "[1,2] [3", 8, 0, KQ_JSONSCAN_NOCOPY);
	assert_string_equal(got, "1:2 \n1:4 \n1:8 \nerror 1:9: expected ',' "
				 "or ']' after an array element, not the "
				 "end of the input");
	free(got);
}

static void
emit_stops(void **state)
{
	struct kq_jsonpath p;
	struct kq_jsonscan *s;
	struct out o = {.stop_after = 2};

	(void)state;
	assert_int_equal(kq_jsonpath_parse(".[]", &p), 0);
	s = kq_jsonscan_new(&p, 0, emit, &o);
	kq_jsonpath_free(&p);
	assert_int_equal(kq_jsonscan_feed(s, "[1,2,3]", 7), 7);
	assert_int_equal(o.values, 2);
	assert_string_equal(o.buf, "1:2 1\n1:4 2\n");
	/* After a reset, it starts over at 1:1. */
	kq_jsonscan_reset(s);
	o.stop_after = 0;
	assert_int_equal(kq_jsonscan_feed(s, "\n[4]", 4), 0);
	assert_int_equal(kq_jsonscan_end(s), 0);
	assert_string_equal(o.buf, "1:2 1\n1:4 2\n2:2 4\n");
	/* An error stays until a reset. */
	assert_int_equal(kq_jsonscan_feed(s, "]", 1), -1);
	assert_int_equal(kq_jsonscan_feed(s, "[5]", 3), -1);
	assert_int_equal(kq_jsonscan_end(s), -1);
	kq_jsonscan_free(s);
	free(o.buf);
}

static void
one_text(void **state)
{
	struct kq_jsonpath dot = {0};
	struct kq_jsonscan *s = kq_jsonscan_new(&dot, 0, NULL, NULL);
	static const char *bad[] = {
		"",    " ",	     "1 2",	    "[1] [2]",	  "[1",
		"nul", "{\"a\":1,}", "\"\\ud800\"", "[\"\xff\"]", "1true"};
	const char *out;
	size_t n, i;

	(void)state;
	assert_int_equal(kq_json_one(s, " {\"a\" : [1, 2]}\n", 16, &out, &n),
			 0);
	assert_int_equal(n, 11);
	assert_memory_equal(out, "{\"a\":[1,2]}", 11);
	assert_int_equal(kq_json_one(s, "1", 1, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(out, "1", 1);
	assert_int_equal(kq_json_one(s, "\"x y\" ", 6, &out, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "\"x y\"", 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kq_json_one(s, bad[i], strlen(bad[i]), &out, &n) != -1)
			fail_msg("'%s' taken as one JSON text", bad[i]);
	/* Usable again after a refusal. */
	assert_int_equal(kq_json_one(s, "[ ]", 3, &out, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "[]", 2);
	kq_jsonscan_free(s);
}

static void
utf8(void **state)
{
	static const char *good[] = {
		"",
		"abc",
		"\xc3\xa9",
		"\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x98\x80",
		"\xef\xbf\xbf",
		"\xf4\x8f\xbf\xbf",
		"\xc2\x80",
		"\xe0\xa0\x80",
		"\xed\x9f\xbf",
		"\xee\x80\x80",
		"\xf0\x90\x80\x80",
		"0123456789abcdef0123456789abcdef0123456789\xc3\xa9xyz",
	};
	static const char *bad[] = {
		"\x80",
		"\xbf",
		"\xc0\x80",
		"\xc1\xbf",
		"\xe0\x80\x80",
		"\xe0\x9f\xbf",
		"\xed\xa0\x80",
		"\xed\xbf\xbf",
		"\xf0\x80\x80\x80",
		"\xf0\x8f\xbf\xbf",
		"\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80",
		"\xff",
		"\xfe",
		"\xe6\x97",
		"\xc3",
		"\xc3\x28",
		"\xe6\x97\x28",
		"0123456789abcdef0123456789abcdef0123456789\xc3",
		/* A sequence cut short in the middle of ASCII. */
		("0123456789abcdef\xe6\x97\xa5\xe6\x9c"
		 "0123456789abcdef"),
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!kq_utf8_valid(good[i], strlen(good[i])))
			fail_msg("good[%zu] refused", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kq_utf8_valid(bad[i], strlen(bad[i])))
			fail_msg("bad[%zu] accepted", i);
	/* NUL is ASCII; the length decides, not a terminator. */
	assert_true(kq_utf8_valid("a\0b", 3));
	assert_false(kq_utf8_valid("a\0\xff", 3));
}

static void
unescape(void **state)
{
	static const char in[] =
		"a\\nb\\u00e9\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\r\\t\\u0000z";
	char out[sizeof(in)];
	size_t n;

	(void)state;
	n = kq_json_unescape(in, sizeof(in) - 1, out);
	assert_int_equal(n, 18);
	assert_memory_equal(out, "a\nb\xc3\xa9\xf0\x9f\x98\x80/\"\\\b\f\r\t\0z",
			    18);
	/* In place. */
	memcpy(out, in, sizeof(in));
	assert_int_equal(kq_json_unescape(out, sizeof(in) - 1, out), 18);
	assert_memory_equal(out, "a\nb\xc3\xa9", 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(not_simple_paths),
		cmocka_unit_test(selection),
		cmocka_unit_test(passthrough),
		cmocka_unit_test(null_and_missing),
		cmocka_unit_test(path_errors),
		cmocka_unit_test(refused),
		cmocka_unit_test(depth),
		cmocka_unit_test(byte_at_a_time),
		cmocka_unit_test(document_values),
		cmocka_unit_test(nocopy),
		cmocka_unit_test(emit_stops),
		cmocka_unit_test(one_text),
		cmocka_unit_test(utf8),
		cmocka_unit_test(unescape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
