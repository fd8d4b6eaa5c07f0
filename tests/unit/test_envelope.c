/*
 * The JSON envelope: what kq-sub -J writes, kq-pub -J reads back to the
 * same bytes; kcat's spelling is understood; bad envelopes say why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "unit.h"

static struct kq_envdec dec;

static int
teardown(void **state)
{
	(void)state;
	kq_envdec_free(&dec);
	return 0;
}

/* Decode a C string; the envelope's pointers last until the next call. */
static int
decode(const char *json, struct kq_envelope *e)
{
	return kq_envelope_decode(&dec, json, strlen(json), e);
}

static void
assert_bytes(const char *p, size_t n, const char *want, size_t wantlen)
{
	assert_non_null(p);
	assert_int_equal(n, wantlen);
	assert_memory_equal(p, want, wantlen);
}

#define ASSERT_STR(p, n, lit) assert_bytes((p), (n), (lit), sizeof(lit) - 1)

static void
every_field(void **state)
{
	struct kq_envelope e;

	(void)state;
	assert_int_equal(
		decode("{\"topic\":\"t\",\"partition\":3,\"offset\":5,"
		       "\"timestamp\":1700000000000,\"key\":\"k\",\"value\":"
		       "\"v\",\"headers\":[[\"a\",\"1\"],[\"b\",null],"
		       "[\"a\",\"\"]]}",
		       &e),
		0);
	assert_int_equal(e.partition, 3);
	assert_int_equal(e.timestamp, 1700000000000LL);
	/* topic and offset are where a message was; a new one gets its own. */
	assert_int_equal(e.offset, -1);
	assert_null(e.topic);
	ASSERT_STR(e.key, e.key_len, "k");
	ASSERT_STR(e.value, e.value_len, "v");
	assert_int_equal(e.nheaders, 3);
	ASSERT_STR(e.headers[0].name, e.headers[0].name_len, "a");
	ASSERT_STR(e.headers[0].value, e.headers[0].value_len, "1");
	ASSERT_STR(e.headers[1].name, e.headers[1].name_len, "b");
	assert_null(e.headers[1].value);
	ASSERT_STR(e.headers[2].name, e.headers[2].name_len, "a");
	ASSERT_STR(e.headers[2].value, e.headers[2].value_len, "");
}

static void
only_value(void **state)
{
	struct kq_envelope e;

	(void)state;
	assert_int_equal(decode("{\"value\":\"v\"}", &e), 0);
	assert_null(e.key);
	assert_int_equal(e.partition, -1);
	assert_int_equal(e.timestamp, -1);
	assert_int_equal(e.nheaders, 0);
	ASSERT_STR(e.value, e.value_len, "v");
}

static void
null_is_not_empty(void **state)
{
	struct kq_envelope e;

	(void)state;
	assert_int_equal(decode("{\"key\":null,\"value\":null}", &e), 0);
	assert_null(e.key);
	assert_null(e.value);
	assert_int_equal(decode("{\"key\":\"\",\"value\":\"\"}", &e), 0);
	ASSERT_STR(e.key, e.key_len, "");
	ASSERT_STR(e.value, e.value_len, "");
	assert_int_equal(decode("{\"value_b64\":\"\",\"key_b64\":null}", &e),
			 0);
	ASSERT_STR(e.value, e.value_len, "");
	assert_null(e.key);
}

static void
escapes(void **state)
{
	struct kq_envelope e;

	(void)state;
	assert_int_equal(
		decode("{\"value\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9"
		       "\\ud83d\\ude00x\"}",
		       &e),
		0);
	ASSERT_STR(e.value, e.value_len,
		   "\"\\/\b\f\n\r\t\0\xc3\xa9\xf0\x9f\x98\x80x");
	/* UTF-8 as it came. */
	assert_int_equal(decode("{\"value\":\"\xc3\xa9\"}", &e), 0);
	ASSERT_STR(e.value, e.value_len, "\xc3\xa9");
}

static void
base64(void **state)
{
	struct kq_envelope e;

	(void)state;
	assert_int_equal(decode("{\"key_b64\":\"AP8=\",\"value_b64\":\"/wAB\","
				"\"headers\":[[\"h\",{\"b64\":\"gA==\"}],"
				"[{\"b64\":\"/w==\"},null]]}",
				&e),
			 0);
	ASSERT_STR(e.key, e.key_len, "\0\377");
	ASSERT_STR(e.value, e.value_len, "\377\0\1");
	assert_int_equal(e.nheaders, 2);
	ASSERT_STR(e.headers[0].value, e.headers[0].value_len, "\200");
	ASSERT_STR(e.headers[1].name, e.headers[1].name_len, "\377");
	assert_null(e.headers[1].value);
}

static void
base64_decode(void **state)
{
	static const struct {
		const char *in;
		long len;
		const char *out;
	} t[] = {
		{"", 0, ""},
		{"Zg==", 1, "f"},
		{"Zm8=", 2, "fo"},
		{"Zm9v", 3, "foo"},
		{"Zm9vYg==", 4, "foob"},
		{"+/+/", 3, "\373\377\277"},
		{"Zm9", -1, NULL},
		{"Z===", -1, NULL},
		{"Zm=v", -1, NULL},
		{"Zm9v====", -1, NULL},
		{"Zm9v\n", -1, NULL},
		{"Zm 9", -1, NULL},
		{"Zm-_", -1, NULL},
	};
	unsigned char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		long n = kq_base64_decode(t[i].in, strlen(t[i].in), out);

		assert_int_equal(n, t[i].len);
		if (n > 0)
			assert_memory_equal(out, t[i].out, (size_t)n);
	}
}

static void
embedded_json(void **state)
{
	struct kq_envelope e;

	(void)state;
	assert_int_equal(
		decode("{\"value\":{\"a\":[1,2.50,\"x\"],\"b\":null}}", &e), 0);
	ASSERT_STR(e.value, e.value_len, "{\"a\":[1,2.50,\"x\"],\"b\":null}");
	assert_int_equal(decode("{\"value\":-12e3}", &e), 0);
	ASSERT_STR(e.value, e.value_len, "-12e3");
	assert_int_equal(decode("{\"value\":false,\"key\":[]}", &e), 0);
	ASSERT_STR(e.value, e.value_len, "false");
	ASSERT_STR(e.key, e.key_len, "[]");
}

static void
kcat_spelling(void **state)
{
	struct kq_envelope e;

	(void)state;
	assert_int_equal(
		decode("{\"topic\":\"t\",\"partition\":0,\"offset\":7,"
		       "\"tstype\":\"create\",\"ts\":1700000000001,\"broker\":"
		       "1,"
		       "\"headers\":[\"a\",\"1\",\"b\",null],\"key\":\"k\","
		       "\"payload\":\"p\"}",
		       &e),
		0);
	assert_int_equal(e.partition, 0);
	assert_int_equal(e.timestamp, 1700000000001LL);
	ASSERT_STR(e.value, e.value_len, "p");
	assert_int_equal(e.nheaders, 2);
	ASSERT_STR(e.headers[1].name, e.headers[1].name_len, "b");
	assert_null(e.headers[1].value);
	/* Headers as an object, as some tools write them. */
	assert_int_equal(decode("{\"value\":\"v\",\"headers\":{\"a\":\"1\","
				"\"a\":null}}",
				&e),
			 0);
	assert_int_equal(e.nheaders, 2);
	assert_null(e.headers[1].value);
	assert_int_equal(decode("{\"value\":\"v\",\"headers\":null}", &e), 0);
	assert_int_equal(e.nheaders, 0);
}

static void
errors(void **state)
{
	static const struct {
		const char *json;
		const char *err;
	} t[] = {
		{"{}", "no \"value\" field"},
		{"{\"key\":\"k\"}", "no \"value\" field"},
		{"[1]", "an envelope is a JSON object"},
		{"\"v\"", "an envelope is a JSON object"},
		{"{\"valeu\":\"v\"}", "unknown field \"valeu\""},
		{"{\"value\":\"v\",\"value\":\"w\"}", "more than one value"},
		{"{\"value\":\"v\",\"payload\":\"w\"}", "more than one value"},
		{"{\"key\":\"v\",\"key_b64\":\"AA==\",\"value\":null}",
		 "more than one key"},
		{"{\"value\":\"v\",\"partition\":\"0\"}",
		 "partition: not an integer"},
		{"{\"value\":\"v\",\"partition\":1.5}",
		 "partition: not an integer"},
		{"{\"value\":\"v\",\"partition\":2147483648}",
		 "partition: out of range"},
		{"{\"value\":\"v\",\"partition\":-2}",
		 "partition: out of range"},
		{"{\"value\":\"v\",\"timestamp\":-1}",
		 "timestamp: out of range"},
		{"{\"value\":\"v\",\"timestamp\":99999999999999999999}",
		 "timestamp: out of range"},
		{"{\"value_b64\":\"not base64\"}", "value: not base64"},
		{"{\"value_b64\":12}", "value: expected a base64 string"},
		{"{\"value\":\"v\",\"headers\":\"h\"}",
		 "headers: expected an array"},
		{"{\"value\":\"v\",\"headers\":[[null,\"x\"]]}",
		 "headers: expected [name, value]"},
		{"{\"value\":\"v\",\"headers\":[[{\"b64\":null},\"x\"]]}",
		 "headers: expected [name, value]"},
		{"{\"value\":\"v\",\"headers\":[[\"a\",1]]}",
		 "headers: expected [name, value]"},
		{"{\"value\":\"v\",\"headers\":[\"a\"]}",
		 "headers: expected name, value"},
		{"{\"value\":\"v\"}x", "text after the envelope"},
	};
	struct kq_envelope e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (decode(t[i].json, &e) != -1)
			fail_msg("%s: decoded", t[i].json);
		if (strcmp(dec.err, t[i].err) != 0)
			fail_msg("%s: \"%s\", not \"%s\"", t[i].json, dec.err,
				 t[i].err);
	}
}

/* Every byte string of the message survives kq_envelope_write, then decode. */
struct msg {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
	struct kq_header h[3];
	size_t nh;
};

static void
round_trip_one(struct kq_envenc *enc, const struct msg *m)
{
	struct kq_jsonpath dot;
	struct kq_jsonscan *js;
	struct kq_envelope in, out;
	struct kq_writer w;
	const char *text;
	size_t len, i;

	memset(&in, 0, sizeof(in));
	in.topic = "t";
	in.partition = 2;
	in.offset = 9;
	in.timestamp = 1700000000000LL;
	in.key = m->key;
	in.key_len = m->key_len;
	in.value = m->value;
	in.value_len = m->value_len;
	in.headers = m->h;
	in.nheaders = m->nh;
	/* A buffer larger than any envelope here: it is never flushed. */
	kq_writer_init(&w, -1, "test", 1 << 16);
	kq_envelope_write(enc, &w, &in);

	/* What was written is one valid JSON text, and compact. */
	assert_int_equal(kq_jsonpath_parse(".", &dot), 0);
	js = kq_jsonscan_new(&dot, 0, NULL, NULL);
	kq_jsonpath_free(&dot);
	if (kq_json_one(js, w.buf, w.len, &text, &len))
		fail_msg("not JSON: %.*s", (int)w.len, w.buf);
	assert_memory_equal(text, w.buf, w.len);

	assert_int_equal(kq_envelope_decode(&dec, text, len, &out), 0);
	assert_int_equal(out.partition, 2);
	assert_int_equal(out.timestamp, 1700000000000LL);
	if (m->key)
		assert_bytes(out.key, out.key_len, m->key, m->key_len);
	else
		assert_null(out.key);
	if (m->value)
		assert_bytes(out.value, out.value_len, m->value, m->value_len);
	else
		assert_null(out.value);
	assert_int_equal(out.nheaders, m->nh);
	for (i = 0; i < m->nh; i++) {
		assert_bytes(out.headers[i].name, out.headers[i].name_len,
			     m->h[i].name, m->h[i].name_len);
		if (m->h[i].value)
			assert_bytes(out.headers[i].value,
				     out.headers[i].value_len, m->h[i].value,
				     m->h[i].value_len);
		else
			assert_null(out.headers[i].value);
	}
	kq_jsonscan_free(js);
	free(w.buf);
}

#define B(lit) (lit), sizeof(lit) - 1

static void
round_trip(void **state)
{
	static const struct msg msgs[] = {
		{B("k"), B("v"), {{B("a"), B("1")}}, 1},
		{NULL, 0, NULL, 0, {{0}}, 0},
		{B(""), B(""), {{B(""), B("")}}, 1},
		{B("\0\377\200"), B("a\0b"), {{B("\377"), NULL, 0}}, 1},
		{B("\"\\/\b\f\n\r\t\x01\x1f"),
		 B("\xc3\xa9\xf0\x9f\x98\x80"),
		 {{B("dup"), B("x")}, {B("dup"), NULL, 0}, {B("dup"), B("")}},
		 3},
		/* Not UTF-8: a lone continuation, an overlong, a surrogate. */
		{B("\x80"), B("\xc0\xaf"), {{B("s"), B("\xed\xa0\x80")}}, 1},
		/* JSON-looking values stay the bytes they are. */
		{B("{\"a\":1}"), B(" [1, 2] "), {{0}}, 0},
		{B("null"), B("true"), {{0}}, 0},
	};
	struct kq_envenc enc;
	size_t i;

	(void)state;
	kq_envenc_init(&enc, 0);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		round_trip_one(&enc, &msgs[i]);
	kq_envenc_free(&enc);
}

/* A long value, every byte value, and a value much larger than the rest. */
static void
round_trip_large(void **state)
{
	struct kq_envenc enc;
	struct msg m;
	char *v = malloc(4000);
	int i;

	(void)state;
	for (i = 0; i < 4000; i++)
		v[i] = (char)(i * 7);
	memset(&m, 0, sizeof(m));
	m.value = v;
	m.value_len = 4000;
	kq_envenc_init(&enc, 0);
	round_trip_one(&enc, &m);
	for (i = 0; i < 4000; i++)
		v[i] = (char)(' ' + i % 95);
	round_trip_one(&enc, &m);
	kq_envenc_free(&enc);
	free(v);
}

/*
 * --json-values: a value that is a JSON object, array, number or boolean
 * is embedded, and comes back as its compact text.
 */
static void
round_trip_json_values(void **state)
{
	static const struct {
		const char *in, *back;
	} t[] = {
		{"{\"a\": [1, 2]}", "{\"a\":[1,2]}"},
		{"[]", "[]"},
		{"-1.5e3", "-1.5e3"},
		{"true", "true"},
		/* Strings and null stay strings, as their bytes. */
		{"\"s\"", "\"s\""},
		{"null", "null"},
		{"{\"a\":", "{\"a\":"},
	};
	struct kq_envenc enc;
	struct kq_envelope in, out;
	struct kq_writer w;
	size_t i;

	(void)state;
	kq_envenc_init(&enc, 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.partition = -1;
		in.offset = -1;
		in.timestamp = -1;
		in.value = t[i].in;
		in.value_len = strlen(t[i].in);
		kq_writer_init(&w, -1, "test", 4096);
		kq_envelope_write(&enc, &w, &in);
		assert_int_equal(kq_envelope_decode(&dec, w.buf, w.len, &out),
				 0);
		assert_bytes(out.value, out.value_len, t[i].back,
			     strlen(t[i].back));
		free(w.buf);
	}
	kq_envenc_free(&enc);
}

/*
 * The decoder checks its bounds on any bytes: every prefix of a good
 * envelope, and every one-byte change of it, decodes or fails cleanly
 * (ASan and UBSan watch).
 */
static void
any_bytes(void **state)
{
	static const char good[] =
		"{\"key_b64\":\"AP8=\",\"value\":{\"a\":[1,\"\\u00e9\"]},"
		"\"partition\":1,\"ts\":5,\"headers\":[[\"h\",{\"b64\":"
		"\"gA==\"}],[\"n\",null]],\"topic\":\"t\"}";
	static const char bytes[] = "\"\\{}[],:0-eE.nultrfab\x01\xff ";
	char buf[sizeof(good)];
	struct kq_envelope e;
	size_t n = sizeof(good) - 1, i, k;

	(void)state;
	assert_int_equal(kq_envelope_decode(&dec, good, n, &e), 0);
	for (i = 0; i < n; i++) {
		char *p = malloc(i ? i : 1);

		memcpy(p, good, i);
		assert_int_equal(kq_envelope_decode(&dec, p, i, &e), -1);
		free(p);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(bytes) - 1; k++) {
			memcpy(buf, good, n);
			buf[i] = bytes[k];
			kq_envelope_decode(&dec, buf, n, &e);
		}
	}
}

/* A string, or null where there is none (kq-topic and kq-group JSON). */
static void
string_or_null(void **state)
{
	struct kq_writer w;

	(void)state;
	kq_writer_init(&w, -1, "test", 64);
	kq_json_write_str(&w, "a\"b");
	kq_writer_puts(&w, ",");
	kq_json_write_str(&w, NULL);
	assert_string_equal(unit_written(&w), "\"a\\\"b\",null");
	free(w.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(every_field, teardown),
		cmocka_unit_test_teardown(only_value, teardown),
		cmocka_unit_test_teardown(null_is_not_empty, teardown),
		cmocka_unit_test_teardown(escapes, teardown),
		cmocka_unit_test_teardown(base64, teardown),
		cmocka_unit_test(base64_decode),
		cmocka_unit_test_teardown(embedded_json, teardown),
		cmocka_unit_test_teardown(kcat_spelling, teardown),
		cmocka_unit_test_teardown(errors, teardown),
		cmocka_unit_test_teardown(round_trip, teardown),
		cmocka_unit_test_teardown(round_trip_large, teardown),
		cmocka_unit_test_teardown(round_trip_json_values, teardown),
		cmocka_unit_test_teardown(any_bytes, teardown),
		cmocka_unit_test(string_or_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
