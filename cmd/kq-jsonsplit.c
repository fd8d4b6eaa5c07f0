/*
 * kq-jsonsplit: JSON texts in, each result of a jq filter out, one compact
 * value a line. A simple path (.[], .a.b[], .[].items[]) runs on the
 * streaming scanner of jsonscan.c: constant memory, every number and
 * string passed through as it came. Any other filter runs in libjq, on
 * one top-level text at a time, after the scanner has checked it.
 */
#include <errno.h>
#include <fcntl.h>
#include <jq.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "jsonscan.h"
#include "record.h"
#include "sig.h"

static const struct kq_option options[] = {
	{"raw-output", 'r', KQ_NOARG, NULL,
	 "print strings without quotes, as jq -r", NULL},
	{"null", '0', KQ_NOARG, NULL, "end each value with NUL, not newline",
	 NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-jsonsplit",
	"[-0r] [FILTER] [FILE...]",
	"Print each result of FILTER (default .[]: the elements of an array, "
	"the values of\nan object) for the JSON texts in the FILEs or stdin, "
	"one compact value a line.",
	options,
	0,
	"@file",
};

/* Why the work stopped early. */
enum { STOP_OUTPUT = 1, STOP_DATA, STOP_HALT, STOP_READ, STOP_SIGNAL };

struct split {
	struct kq_writer out;
	const char *name; /* the input, for messages */
	char sep;
	int raw;
	jq_state *jq; /* NULL for a simple path */
	int halt_status;
	char *text; /* -r: the text of a string */
	size_t cap;
};

/*
 * "kq-jsonsplit: FILE:LINE:COL: message" (FILE alone without at), after
 * the values before it, so that a terminal shows them in order.
 */
static int bad_data(struct split *sp, const struct kq_jsonpos *at,
		    const char *fmt, ...) KQ_PRINTF(3, 4);

static int
bad_data(struct split *sp, const struct kq_jsonpos *at, const char *fmt, ...)
{
	char msg[2048], where[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at)
		snprintf(where, sizeof(where), ":%llu:%llu",
			 (unsigned long long)at->line,
			 (unsigned long long)at->col);
	kq_writer_flush(&sp->out);
	kq_warn("%s%s: %s", sp->name, where, msg);
	return STOP_DATA;
}

static int
put(struct split *sp, const char *p, size_t n)
{
	kq_writer_put(&sp->out, p, n);
	kq_writer_put(&sp->out, &sp->sep, 1);
	return sp->out.err ? STOP_OUTPUT : 0;
}

/* -r with -0: a NUL inside the text would cut it in two. */
static int
put_raw(struct split *sp, const char *p, size_t n, const struct kq_jsonpos *at)
{
	if (sp->sep == 0 && memchr(p, 0, n))
		return bad_data(sp, at,
				"cannot print a string holding NUL with -0 -r");
	return put(sp, p, n);
}

/* A value the simple path selected, compacted by the scanner. */
static int
put_value(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	struct split *sp = arg;

	if (!sp->raw || p[0] != '"')
		return put(sp, p, n);
	if (n > sp->cap) {
		sp->cap = n;
		sp->text = kq_erealloc(sp->text, sp->cap);
	}
	n = kq_json_unescape(p + 1, n - 2, sp->text);
	return put_raw(sp, sp->text, n, at);
}

static int
put_jv(struct split *sp, jv r, const struct kq_jsonpos *at)
{
	int raw = sp->raw && jv_get_kind(r) == JV_KIND_STRING, rc;
	size_t n;

	if (!raw)
		r = jv_dump_string(r, 0);
	n = (size_t)jv_string_length_bytes(jv_copy(r));
	rc = raw ? put_raw(sp, jv_string_value(r), n, at)
		 : put(sp, jv_string_value(r), n);
	jv_free(r);
	return rc;
}

/* jq's message: a string as it is, anything else as JSON. */
static int
jq_failed(struct split *sp, const struct kq_jsonpos *at, jv msg)
{
	int rc;

	if (jv_get_kind(msg) == JV_KIND_STRING) {
		rc = bad_data(sp, at, "jq: %s", jv_string_value(msg));
	} else {
		msg = jv_dump_string(msg, 0);
		rc = bad_data(sp, at, "jq: %s (not a string)",
			      jv_string_value(msg));
	}
	jv_free(msg);
	return rc;
}

/* One top-level text, checked and compacted by the scanner, through jq. */
static int
run_jq(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	struct split *sp = arg;
	jv in, r;
	int rc = 0;

	if (n > INT_MAX)
		return bad_data(sp, at, "a text over 2 GB is too large for jq");
	in = jv_parse_sized(p, (int)n);
	if (!jv_is_valid(in)) {
		/*
		 * Valid JSON that jq will not take: nesting over 256. Its
		 * message quotes the whole text and places the fault in the
		 * compacted text, not the input: keep only what it says.
		 */
		jv msg = jv_invalid_get_msg(in);
		const char *m = jv_get_kind(msg) == JV_KIND_STRING
					? jv_string_value(msg)
					: "cannot parse";
		const char *cut = strstr(m, " at line ");

		rc = bad_data(sp, at, "jq: %.*s",
			      cut ? (int)(cut - m) : (int)strlen(m), m);
		jv_free(msg);
		return rc;
	}
	jq_start(sp->jq, in, 0);
	while (jv_is_valid(r = jq_next(sp->jq)))
		if ((rc = put_jv(sp, r, at)) != 0)
			return rc;
	if (jq_halted(sp->jq)) {
		jv code = jq_get_exit_code(sp->jq);
		jv msg = jq_get_error_message(sp->jq);

		kq_writer_flush(&sp->out);
		/* As jq: a string as it is, anything else as JSON. */
		if (jv_get_kind(msg) == JV_KIND_STRING) {
			fputs(jv_string_value(msg), stderr);
		} else if (jv_is_valid(msg)) {
			msg = jv_dump_string(msg, 0);
			fprintf(stderr, "%s\n", jv_string_value(msg));
		}
		sp->halt_status = jv_get_kind(code) == JV_KIND_NUMBER
					  ? (int)jv_number_value(code)
					  : EX_OK;
		jv_free(code);
		jv_free(msg);
		jv_free(r);
		return STOP_HALT;
	}
	if (jv_invalid_has_msg(jv_copy(r)))
		return jq_failed(sp, NULL, jv_invalid_get_msg(r));
	jv_free(r);
	return 0;
}

/* libjq's errors; arg points to a flag that asks for silence. */
static void
jq_error(void *arg, jv msg)
{
	msg = jq_format_error(msg);
	if (!arg || !*(int *)arg)
		kq_warn("%s", jv_string_value(msg));
	jv_free(msg);
}

static void
jq_debug(void *arg, jv v)
{
	(void)arg;
	v = jv_dump_string(JV_ARRAY(jv_string("DEBUG:"), v), 0);
	fprintf(stderr, "%s\n", jv_string_value(v));
	jv_free(v);
}

static jq_state *
compile(struct kq_conf *c, const char *filter)
{
	jq_state *jq = jq_init();

	if (!jq)
		kq_die(EX_OSERR, "cannot start libjq");
	jq_set_error_cb(jq, jq_error, NULL);
	jq_set_debug_cb(jq, jq_debug, NULL);
	if (!jq_compile(jq, filter))
		kq_usage(c, "FILTER: not a jq program");
	return jq;
}

/*
 * "kq-jsonsplit data.json": a first operand that names a file and is no
 * jq program is the first input, and the filter is the default.
 */
static int
names_input(const char *s)
{
	struct kq_jsonpath path;
	jq_state *jq;
	int quiet = 1, ok;

	if (access(s, F_OK) != 0)
		return 0;
	if (kq_jsonpath_parse(s, &path) == 0) {
		kq_jsonpath_free(&path);
		return 0;
	}
	if (!(jq = jq_init()))
		return 0;
	jq_set_error_cb(jq, jq_error, &quiet);
	ok = jq_compile(jq, s);
	jq_teardown(&jq);
	return !ok;
}

/* One input through the scanner: 0, -1 (bad JSON) or a STOP_ reason. */
static int
split_input(struct kq_jsonscan *scan, struct kq_reader *in)
{
	const char *p;
	size_t n;
	int got, rc;

	kq_jsonscan_reset(scan);
	for (;;) {
		if (kq_stop)
			return STOP_SIGNAL;
		got = kq_reader_block(in, &p, &n);
		if (got == 0)
			return kq_jsonscan_end(scan);
		if (got < 0 && errno == EINTR)
			return STOP_SIGNAL;
		if (got < 0) {
			kq_warn("%s: %s", in->name, strerror(errno));
			return STOP_READ;
		}
		if ((rc = kq_jsonscan_feed(scan, p, n)) != 0)
			return rc;
	}
}

/* The reader has to wait for input: let what we have go first. */
static int
flush(void *arg)
{
	kq_writer_flush(arg);
	return 0;
}

int
main(int argc, char **argv)
{
	static char *stdin_only[] = {"-", NULL};
	struct kq_conf c;
	struct split sp = {.sep = '\n'};
	struct kq_jsonpath path;
	struct kq_jsonscan *scan;
	struct kq_reader in = {.fd = -1};
	struct kq_delim nl = {"\n", 1};
	struct kq_jsonpos at;
	const char *filter = ".[]";
	char **files;
	int key, rc = 0, status = EX_OK, out;

	kq_conf_init(&c, &cmd, argv);
	while ((key = kq_getopt(&c, argc, argv)) != -1) {
		switch (key) {
		case 'r':
			sp.raw = 1;
			break;
		case '0':
			sp.sep = 0;
			break;
		default:
			kq_usage(&c, NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && !names_input(argv[0])) {
		filter = argv[0];
		argc--;
		argv++;
	}
	files = argc > 0 ? argv : stdin_only;
	kq_sig_install();

	if (kq_jsonpath_parse(filter, &path) == 0) {
		scan = kq_jsonscan_new(&path, 0, put_value, &sp);
	} else {
		sp.jq = compile(&c, filter);
		path.n = 0; /* ".": each top-level text */
		scan = kq_jsonscan_new(&path, 0, run_jq, &sp);
	}
	kq_jsonpath_free(&path);
	kq_writer_init(&sp.out, STDOUT_FILENO, "stdout", 1 << 18);
	/*
	 * A pipe holds 64 KB; with 1 MB this program and its reader take
	 * turns far less often (a third faster into wc -l). Not a pipe, or
	 * not allowed: no matter.
	 */
	fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);
	in.idle = flush;
	in.idle_arg = &sp.out;

	for (; *files && rc == 0; files++) {
		if (kq_reader_open(&in, *files, &nl)) {
			kq_warn("%s: %s", *files, strerror(errno));
			status = EX_NOINPUT;
			continue;
		}
		sp.name = in.name;
		rc = split_input(scan, &in);
		kq_reader_close(&in);
	}
	if (rc == -1) {
		const char *msg = kq_jsonscan_error(scan, &at);

		rc = bad_data(&sp, &at, "%s", msg);
	}

	switch (rc) {
	case STOP_DATA:
		status = EX_DATAERR;
		break;
	case STOP_HALT:
		status = sp.halt_status;
		break;
	case STOP_READ:
		status = EX_IOERR;
		break;
	case STOP_SIGNAL:
		status = KQ_EX_INTERRUPTED;
		break;
	}
	out = kq_writer_finish(&sp.out);
	if (out && (status == EX_OK || status == EX_NOINPUT))
		status = out;
	kq_jsonscan_free(scan);
	if (sp.jq)
		jq_teardown(&sp.jq);
	free(sp.text);
	free(in.buf);
	kq_conf_free(&c);
	return status;
}
