#include "print.h"

#include <stdlib.h>
#include <string.h>

#include "kafka.h"

void
kq_print_choose(struct kq_print *pr, const struct kq_conf *c,
		const char *format, int json, int json_values,
		const char *filter, int raw)
{
	char err[256];

	pr->mode = pr->kdelim.len ? KQ_PRINT_KEY : KQ_PRINT_VALUE;
	if (format) {
		if (kq_format_parse(&pr->fmt, format, err, sizeof(err)))
			kq_usage(c, "-f: %s", err);
		if (pr->show_null)
			kq_format_null(&pr->fmt, pr->null_literal
							 ? pr->null_literal
							 : "NULL");
		pr->mode = KQ_PRINT_FORMAT;
	}
	if (json) {
		kq_envenc_init(&pr->enc, json_values);
		pr->mode = KQ_PRINT_JSON;
	}
	if (filter) {
		if (kq_jq_compile(&pr->jq, filter, raw))
			kq_usage(c, "--jq: %s", pr->jq.err);
		pr->mode = KQ_PRINT_JQ;
	}
}

void
kq_print_check(const struct kq_print *pr, const struct kq_conf *c,
	       const char *format, int json, int json_values,
	       const char *filter, int raw, int delim_given)
{
	if (json + !!format + !!pr->kdelim.len + !!filter > 1)
		kq_usage(c, "-J, -f, -K and --jq each choose the output; "
			    "give one");
	if (format && delim_given)
		kq_usage(c, "-f writes its own delimiters: put them in "
			    "the format");
	if (json_values && !json)
		kq_usage(c, "--json-values goes with -J");
	if ((raw || pr->keep_going) && !filter)
		kq_usage(c, "%s goes with --jq", raw ? "-r" : "--keep-going");
	if (pr->show_null && (json || filter))
		kq_usage(c, "-Z has no use with %s: nulls are null in JSON",
			 json ? "-J" : "--jq");
}

/* A console tool's boolean property: true or false. */
static int
console_bool(const struct kq_conf *c, const char *name, char *v)
{
	int yes = strcmp(v, "true") == 0;

	if (!yes && strcmp(v, "false") != 0)
		kq_usage(c, "--property %s: true or false, not '%s'", name, v);
	free(v);
	return yes;
}

const char *
kq_print_console(struct kq_print *pr, struct kq_conf *c)
{
	static const char *const names[] = {
		"print.timestamp", "print.partition", "print.offset",
		"print.headers",   "print.key",	      "print.value"};
	struct kq_console_fmt p = {0, 0, 0, 0, 0, 1, NULL, NULL};
	int *flag[] = {&p.timestamp, &p.partition, &p.offset,
		       &p.headers,   &p.key,	   &p.value};
	char *v, *ksep, *lsep;
	int i, any = 0;

	for (i = 0; i < 6; i++)
		if ((v = kq_conf_take(c, names[i]))) {
			*flag[i] = console_bool(c, names[i], v);
			any = 1;
		}
	ksep = kq_conf_take(c, "key.separator");
	lsep = kq_conf_take(c, "line.separator");
	pr->null_literal = kq_conf_take(c, "null.literal");
	if (!any && !ksep && !lsep && !pr->null_literal)
		return NULL;
	p.key_sep = ksep;
	p.line_sep = lsep;
	pr->console_fmt = kq_format_console(&p);
	free(ksep);
	free(lsep);
	if (!pr->null_literal)
		pr->null_literal = kq_estrdup("null");
	pr->show_null = 1;
	return pr->console_fmt;
}

static inline void
put(struct kq_print *pr, const void *p, size_t n)
{
	kq_writer_put(pr->out, p, n);
	pr->put += n;
}

static void
put_nullable(struct kq_print *pr, const void *p, size_t n)
{
	if (p)
		put(pr, p, n);
	else if (pr->show_null)
		put(pr, "NULL", 4);
}

/* A result of --jq, and the delimiter. */
static int
put_result(void *arg, const char *p, size_t n)
{
	struct kq_print *pr = arg;

	put(pr, p, n);
	put(pr, pr->delim.s, pr->delim.len);
	return 0;
}

/* A value --jq cannot take: fatal, or skipped with --keep-going. */
static int
bad_value(struct kq_print *pr, const struct kq_conf *c,
	  const rd_kafka_message_t *m)
{
	const char *what = pr->jq.bad_input ? "not JSON" : "jq";

	if (pr->keep_going)
		kq_info(c, "%s [%d] at offset %lld: %s: %s; skipped",
			rd_kafka_topic_name(m->rkt), (int)m->partition,
			(long long)m->offset, what, pr->jq.err);
	else
		kq_warn("%s [%d] at offset %lld: %s: %s",
			rd_kafka_topic_name(m->rkt), (int)m->partition,
			(long long)m->offset, what, pr->jq.err);
	return pr->keep_going ? 0 : KQ_PRINT_BAD;
}

int
kq_print_message(struct kq_print *pr, const struct kq_conf *c,
		 const rd_kafka_message_t *m)
{
	struct kq_envelope e;
	int rc;

	switch (pr->mode) {
	case KQ_PRINT_VALUE:
		put_nullable(pr, m->payload, m->len);
		put(pr, pr->delim.s, pr->delim.len);
		break;
	case KQ_PRINT_KEY:
		put_nullable(pr, m->key, m->key_len);
		put(pr, pr->kdelim.s, pr->kdelim.len);
		put_nullable(pr, m->payload, m->len);
		put(pr, pr->delim.s, pr->delim.len);
		break;
	case KQ_PRINT_FORMAT:
		kq_kafka_envelope(m, &e,
				  pr->fmt.uses_headers ? &pr->hdrs : NULL,
				  &pr->hcap);
		pr->put += kq_format_write(&pr->fmt, pr->out, &e);
		break;
	case KQ_PRINT_JSON:
		kq_kafka_envelope(m, &e, &pr->hdrs, &pr->hcap);
		pr->put += kq_envelope_write(&pr->enc, pr->out, &e);
		put(pr, pr->delim.s, pr->delim.len);
		break;
	case KQ_PRINT_JQ:
		rc = kq_jq_run(&pr->jq, m->payload, m->len, put_result, pr);
		if (rc == KQ_JQ_HALT)
			return rc;
		return rc ? bad_value(pr, c, m) : 0;
	}
	return 0;
}

void
kq_print_free(struct kq_print *pr)
{
	free(pr->hdrs);
	if (pr->mode == KQ_PRINT_FORMAT)
		kq_format_free(&pr->fmt);
	if (pr->mode == KQ_PRINT_JSON)
		kq_envenc_free(&pr->enc);
	kq_jq_free(&pr->jq);
	free(pr->console_fmt);
	free(pr->null_literal);
}
