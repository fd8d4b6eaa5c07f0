/*
 * kq-sub -f: format strings such as "%t [%p] @%o: %k=%v\n", parsed once
 * into a list of operations, then rendered per message into a writer with
 * no allocation and no stdio call.
 */
#ifndef KQ_FORMAT_H
#define KQ_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "record.h"

enum kq_fmt_op {
	KQ_FMT_TEXT,	    /* literal bytes, escapes already applied */
	KQ_FMT_TOPIC,	    /* %t */
	KQ_FMT_PARTITION,   /* %p */
	KQ_FMT_OFFSET,	    /* %o */
	KQ_FMT_KEY,	    /* %k */
	KQ_FMT_VALUE,	    /* %v, and kcat's %s */
	KQ_FMT_TIMESTAMP,   /* %T: milliseconds, -1 when none */
	KQ_FMT_ISO8601,	    /* %I: 2024-05-01T12:00:00.123Z */
	KQ_FMT_HEADERS,	    /* %h: name=value,name=value */
	KQ_FMT_KEY_LEN,	    /* %K: -1 for a null key */
	KQ_FMT_VALUE_LEN,   /* %S: -1 for a null value */
	KQ_FMT_VALUE_LEN32, /* %R: kcat's 4-byte big-endian length */
};

struct kq_fmt_item {
	enum kq_fmt_op op;
	size_t off, len; /* KQ_FMT_TEXT: where in text */
};

struct kq_format {
	struct kq_fmt_item *items;
	size_t n;
	char *text;	  /* the literal parts, unescaped */
	size_t text_len;  /* their total length */
	const char *null; /* how a null key, value or header shows */
	size_t null_len;
	int uses_headers; /* %h: the caller must fill e->headers */
	/* Scratch for a message too large for the writer's buffer. */
	char *big;
	size_t big_cap;
	/* The last %I rendered, reused within the same second. */
	int64_t iso_sec;
	char iso[32];
	size_t iso_len;
};

/*
 * Parse s (directives %t %p %o %k %v %s %T %I %h %K %S %R %%; escapes
 * \n \t \r \0 \\ \xNN). 0, or -1 with the reason in err, such as
 * "unknown directive %q at byte 7".
 */
int kq_format_parse(struct kq_format *f, const char *s, char *err,
		    size_t errsize);
/* Show null keys, values and header values as s (default: nothing). */
void kq_format_null(struct kq_format *f, const char *s);
void kq_format_free(struct kq_format *f);

/*
 * What kafka-console-consumer's formatter properties ask for (print.key,
 * print.timestamp...; key.separator and line.separator as given, NULL
 * for the defaults, a tab and a newline).
 */
struct kq_console_fmt {
	int timestamp, partition, offset, headers, key, value;
	const char *key_sep, *line_sep;
};
/*
 * The format that prints as that formatter does: "CreateTime:%T",
 * "Partition:%p", "Offset:%o", headers, key and value, in that order,
 * key_sep between them and line_sep after; the caller frees it.
 */
char *kq_format_console(const struct kq_console_fmt *p);

/* "2024-05-01T12:00:00.123Z" into buf (at least KQ_ISO8601_LEN bytes). */
#define KQ_ISO8601_LEN 32
size_t kq_format_iso8601(int64_t ms, char *buf);

/* Render one message; returns the number of bytes given to w. */
size_t kq_format_write(struct kq_format *f, struct kq_writer *w,
		       const struct kq_envelope *e);

#endif
