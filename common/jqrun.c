#include "jqrun.h"

#include <jq.h>
#include <jv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"

/* The first line of s, less jq's prefix and a trailing colon. */
static void
one_line(char *dst, size_t size, const char *s)
{
	size_t n;

	if (strncmp(s, "jq: error: ", 11) == 0)
		s += 11;
	n = strcspn(s, "\n");
	while (n > 0 && (s[n - 1] == ':' || s[n - 1] == ' '))
		n--;
	snprintf(dst, size, "%.*s", (int)n, s);
}

/* jq's message: a string as it is, anything else as JSON. */
static void
message(char *dst, size_t size, jv msg)
{
	if (jv_get_kind(msg) == JV_KIND_STRING) {
		one_line(dst, size, jv_string_value(msg));
	} else {
		msg = jv_dump_string(msg, 0);
		snprintf(dst, size, "%s (not a string)", jv_string_value(msg));
	}
	jv_free(msg);
}

/* Compile errors: keep the first, in one line. */
static void
on_error(void *arg, jv msg)
{
	struct kq_jq *q = arg;

	if (!*q->err) {
		msg = jq_format_error(msg);
		one_line(q->err, sizeof(q->err), jv_string_value(msg));
	}
	jv_free(msg);
}

/* The debug builtin writes what jq writes. */
static void
on_debug(void *arg, jv v)
{
	(void)arg;
	v = jv_dump_string(JV_ARRAY(jv_string("DEBUG:"), v), 0);
	fprintf(stderr, "%s\n", jv_string_value(v));
	jv_free(v);
}

int
kq_jq_compile(struct kq_jq *q, const char *filter, int raw)
{
	jq_state *jq = jq_init();

	memset(q, 0, sizeof(*q));
	if (!jq)
		kq_die(EX_OSERR, "cannot start libjq");
	q->jq = jq;
	q->raw = raw;
	jq_set_error_cb(jq, on_error, q);
	jq_set_debug_cb(jq, on_debug, NULL);
	if (!jq_compile(jq, filter)) {
		if (!*q->err)
			snprintf(q->err, sizeof(q->err), "not a jq program");
		return -1;
	}
	return 0;
}

static int
give(struct kq_jq *q, jv r, int (*out)(void *, const char *, size_t), void *arg)
{
	int rc;

	if (!q->raw || jv_get_kind(r) != JV_KIND_STRING)
		r = jv_dump_string(r, 0);
	rc = out(arg, jv_string_value(r),
		 (size_t)jv_string_length_bytes(jv_copy(r)));
	jv_free(r);
	return rc;
}

static int
halted(struct kq_jq *q)
{
	jv code = jq_get_exit_code(q->jq);
	jv msg = jq_get_error_message(q->jq);

	q->halted = 1;
	q->halt_status = jv_get_kind(code) == JV_KIND_NUMBER
				 ? (int)jv_number_value(code)
				 : 0;
	/* As jq prints it: a string as it is, anything else as JSON. */
	if (jv_get_kind(msg) == JV_KIND_STRING) {
		q->halt_msg = kq_estrdup(jv_string_value(msg));
	} else if (jv_is_valid(msg)) {
		msg = jv_dump_string(msg, 0);
		q->halt_msg = kq_emalloc(strlen(jv_string_value(msg)) + 2);
		sprintf(q->halt_msg, "%s\n", jv_string_value(msg));
	}
	jv_free(code);
	jv_free(msg);
	return KQ_JQ_HALT;
}

int
kq_jq_run(struct kq_jq *q, const char *p, size_t n,
	  int (*out)(void *, const char *, size_t), void *arg)
{
	const char *nul;
	jv in, r;
	int rc;

	if (q->halted)
		return KQ_JQ_HALT;
	*q->err = 0;
	q->bad_input = 0;
	if (n > INT_MAX) {
		snprintf(q->err, sizeof(q->err),
			 "a text over 2 GB is too "
			 "large for jq");
		return -1;
	}
	/* libjq's parser ends a text at a NUL and takes what came before. */
	if (p && (nul = memchr(p, 0, n))) {
		q->bad_input = 1;
		snprintf(q->err, sizeof(q->err), "a NUL byte at byte %zu",
			 (size_t)(nul - p) + 1);
		return -1;
	}
	in = p ? jv_parse_sized(p, (int)n) : jv_null();
	if (!jv_is_valid(in)) {
		/* Its position counts in the text, not in the input: cut. */
		char *at;

		q->bad_input = 1;
		message(q->err, sizeof(q->err), jv_invalid_get_msg(in));
		if ((at = strstr(q->err, " at line ")))
			*at = 0;
		return -1;
	}
	jq_start(q->jq, in, 0);
	while (jv_is_valid(r = jq_next(q->jq)))
		if ((rc = give(q, r, out, arg)) != 0)
			return rc;
	if (jq_halted(q->jq)) {
		jv_free(r);
		return halted(q);
	}
	if (jv_invalid_has_msg(jv_copy(r))) {
		message(q->err, sizeof(q->err), jv_invalid_get_msg(r));
		return -1;
	}
	jv_free(r);
	return 0;
}

void
kq_jq_free(struct kq_jq *q)
{
	jq_state *jq = q->jq;

	if (jq)
		jq_teardown(&jq);
	free(q->halt_msg);
	memset(q, 0, sizeof(*q));
}
