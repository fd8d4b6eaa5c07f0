/*
 * kq-jsonsplit: JSON texts in, each result of a jq filter out, one compact
 * value a line. A simple path (.[], .a.b[], .[].items[]) runs on the
 * streaming scanner of jsonscan.c: constant memory, every number and
 * string passed through as it came. Any other filter runs in libjq, on
 * one top-level text at a time, after the scanner has checked it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "jqrun.h"
#include "jsonscan.h"
#include "record.h"
#include "sig.h"

static const struct kq_option options[] = {
	{"raw-output", 'r', KQ_NOARG, NULL,
	 "print strings without quotes, as jq -r", NULL},
	{"null", '0', KQ_NOARG, NULL, "end each value with NUL, not newline",
	 NULL},
	{"compact-output", 'c', KQ_NOARG, NULL,
	 "accepted for jq's habit: the output is always compact", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-jsonsplit",
	"[-0cr] [FILTER] [FILE...]",
	"Print each result of FILTER (default .[]: the elements of an array, "
	"the values of\nan object) for the JSON texts in the FILEs or stdin, "
	"one compact value a line.",
	options,
	0,
	"@file",
	"0 ok, 64 usage, 65 bad data, 66 no input, 74 I/O error,\n"
	"130 SIGINT, 143 SIGTERM; halt_error's own status.",
};

/* Why the work stopped early. */
enum { STOP_OUTPUT = 1, STOP_DATA, STOP_HALT, STOP_READ, STOP_SIGNAL };

struct split {
	struct kq_writer out;
	const char *name; /* the input, for messages */
	char sep;
	int raw;
	struct kq_jq jq;	     /* unused for a simple path */
	const struct kq_jsonpos *at; /* where the text given to jq began */
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

/* A result of the jq program: -0 cannot carry a NUL (JSON has none). */
static int
put_result(void *arg, const char *p, size_t n)
{
	struct split *sp = arg;

	return put_raw(sp, p, n, sp->at);
}

/* One top-level text, checked and compacted by the scanner, through jq. */
static int
run_jq(void *arg, const char *p, size_t n, const struct kq_jsonpos *at)
{
	struct split *sp = arg;
	int rc;

	sp->at = at;
	rc = kq_jq_run(&sp->jq, p, n, put_result, sp);
	if (rc == -1)
		return bad_data(sp, at, "jq: %s", sp->jq.err);
	if (rc == KQ_JQ_HALT) {
		/* As jq: what halt_error says, then its status. */
		kq_writer_flush(&sp->out);
		if (sp->jq.halt_msg)
			fputs(sp->jq.halt_msg, stderr);
		sp->halt_status = sp->jq.halt_status;
		return STOP_HALT;
	}
	return rc;
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

/*
 * "kq-jsonsplit data.json": a first operand that names a file is the
 * first input, and the filter is the default, even when the name would
 * also read as a jq program (input, length, type.json...); but "." and
 * "..", always there, are jq's. "-" is standard input.
 */
static int
names_input(const char *s)
{
	if (strcmp(s, "-") == 0)
		return 1;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	return access(s, F_OK) == 0;
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
		case 'c':
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
		if (kq_jq_compile(&sp.jq, filter, sp.raw))
			kq_usage(&c, "FILTER: %s", sp.jq.err);
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
	kq_jq_free(&sp.jq);
	free(sp.text);
	kq_reader_free(&in);
	kq_conf_free(&c);
	return status;
}
