/*
 * A consumed message on the output in the form the user chose: its value,
 * key DELIM value, a -f format, a JSON envelope, or a jq filter's results;
 * and the Kafka console consumer's --property forms of the same.
 */
#ifndef KQ_PRINT_H
#define KQ_PRINT_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "envelope.h"
#include "format.h"
#include "jqrun.h"
#include "record.h"

enum kq_print_mode {
	KQ_PRINT_VALUE,
	KQ_PRINT_KEY,
	KQ_PRINT_FORMAT,
	KQ_PRINT_JSON,
	KQ_PRINT_JQ,
};

struct kq_print {
	enum kq_print_mode mode;
	struct kq_writer *out;
	uint64_t put; /* bytes given to out */
	struct kq_delim delim, kdelim;
	int show_null;	/* -Z: a null key or value as NULL */
	int keep_going; /* --jq: a value it cannot take is skipped */
	struct kq_format fmt;
	struct kq_envenc enc;
	struct kq_jq jq;
	/* The console consumer's --property forms: a format, null.literal. */
	char *console_fmt, *null_literal;
	struct kq_header *hdrs;
	size_t hcap;
};

/*
 * The form, after the options: format (-f), json (-J, with json_values
 * values that are JSON embedded), filter (--jq, raw: strings bare), else
 * key DELIM value when kdelim is set, else the value. A bad format or
 * filter is a usage error.
 */
void kq_print_choose(struct kq_print *pr, const struct kq_conf *c,
		     const char *format, int json, int json_values,
		     const char *filter, int raw);

/*
 * The output options that do not go together, as usage errors, once the
 * options are read: -J, -f, -K (pr->kdelim) and --jq each choose the
 * form, -f writes its own delimiters (so no -D, delim_given),
 * --json-values goes with -J, -r and --keep-going with --jq, and -Z has
 * no use in JSON.
 */
void kq_print_check(const struct kq_print *pr, const struct kq_conf *c,
		    const char *format, int json, int json_values,
		    const char *filter, int raw, int delim_given);

/*
 * kafka-console-consumer's --property print.key=true and the rest of its
 * formatter's properties, taken from c: the -f format that prints the
 * same, or NULL when none is given. Nulls then show as null.literal,
 * "null" by default.
 */
const char *kq_print_console(struct kq_print *pr, struct kq_conf *c);

/*
 * One message out. 0 when printed, or with keep_going skipped (said);
 * KQ_PRINT_BAD when --jq could not take it (said: EX_DATAERR);
 * KQ_JQ_HALT when the filter halted (pr->jq says how to end).
 */
#define KQ_PRINT_BAD (-1)

int kq_print_message(struct kq_print *pr, const struct kq_conf *c,
		     const rd_kafka_message_t *m);

void kq_print_free(struct kq_print *pr);

#endif
