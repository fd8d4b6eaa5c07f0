#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "die.h"
#include "spec.h"

static const struct {
	char c;
	enum kq_fmt_op op;
} directives[] = {
	{'t', KQ_FMT_TOPIC},	 {'p', KQ_FMT_PARTITION},
	{'o', KQ_FMT_OFFSET},	 {'k', KQ_FMT_KEY},
	{'v', KQ_FMT_VALUE},	 {'s', KQ_FMT_VALUE},
	{'T', KQ_FMT_TIMESTAMP}, {'I', KQ_FMT_ISO8601},
	{'h', KQ_FMT_HEADERS},	 {'K', KQ_FMT_KEY_LEN},
	{'S', KQ_FMT_VALUE_LEN}, {'R', KQ_FMT_VALUE_LEN32},
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
add_item(struct kq_format *f, enum kq_fmt_op op)
{
	f->items[f->n].op = op;
	f->items[f->n].off = f->text_len;
	f->items[f->n].len = 0;
	f->n++;
}

/* One literal byte, joined to the literal before it if there is one. */
static void
add_char(struct kq_format *f, char c)
{
	if (f->n == 0 || f->items[f->n - 1].op != KQ_FMT_TEXT)
		add_item(f, KQ_FMT_TEXT);
	f->text[f->text_len++] = c;
	f->items[f->n - 1].len++;
}

static int
parse_error(struct kq_format *f, char *err, size_t errsize, const char *fmt,
	    int c, size_t at)
{
	snprintf(err, errsize, fmt, c, at);
	kq_format_free(f);
	return -1;
}

int
kq_format_parse(struct kq_format *f, const char *s, char *err, size_t errsize)
{
	size_t len = strlen(s), i, k;

	memset(f, 0, sizeof(*f));
	f->null = "";
	f->iso_sec = INT64_MIN;
	if (len == 0) {
		snprintf(err, errsize, "the format is empty");
		return -1;
	}
	f->items = kq_ecalloc(len, sizeof(*f->items));
	f->text = kq_emalloc(len);
	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i], h1, h2;

		if (c == '%') {
			c = (unsigned char)s[++i];
			if (c == '%') {
				add_char(f, '%');
				continue;
			}
			if (c == 0)
				return parse_error(
					f, err, errsize,
					"a lone %c at byte %zu (write "
					"%%%% for a percent sign)",
					'%', i);
			for (k = 0;
			     k < sizeof(directives) / sizeof(*directives); k++)
				if (directives[k].c == c)
					break;
			if (k == sizeof(directives) / sizeof(*directives))
				return parse_error(f, err, errsize,
						   "unknown directive %%%c at "
						   "byte %zu",
						   c, i);
			add_item(f, directives[k].op);
			if (directives[k].op == KQ_FMT_HEADERS)
				f->uses_headers = 1;
		} else if (c == '\\') {
			c = (unsigned char)s[++i];
			switch (c) {
			case 'n':
				add_char(f, '\n');
				break;
			case 't':
				add_char(f, '\t');
				break;
			case 'r':
				add_char(f, '\r');
				break;
			case '0':
				add_char(f, '\0');
				break;
			case '\\':
				add_char(f, '\\');
				break;
			case 'x':
				h1 = hexval((unsigned char)s[i + 1]);
				h2 = h1 < 0 ? -1
					    : hexval((unsigned char)s[i + 2]);
				if (h2 < 0)
					return parse_error(
						f, err, errsize,
						"\\%c needs two hex digits at "
						"byte %zu",
						'x', i);
				add_char(f, (char)(h1 << 4 | h2));
				i += 2;
				break;
			case 0:
				return parse_error(f, err, errsize,
						   "a lone %c at byte %zu",
						   '\\', i);
			default:
				return parse_error(
					f, err, errsize,
					"unknown escape \\%c at byte "
					"%zu (use \\n \\t \\r \\0 \\\\ "
					"\\xNN)",
					c, i);
			}
		} else {
			add_char(f, (char)c);
		}
	}
	return 0;
}

/* s, with the format's own characters escaped, added to b at *n. */
static void
add_literal(char *b, size_t *n, const char *s)
{
	for (; *s; s++) {
		if (*s == '%' || *s == '\\')
			b[(*n)++] = *s;
		b[(*n)++] = *s;
	}
}

char *
kq_format_console(const struct kq_console_fmt *p)
{
	static const char *const field[] = {
		"CreateTime:%T", "Partition:%p", "Offset:%o", "%h", "%k", "%v"};
	int want[] = {p->timestamp, p->partition, p->offset,
		      p->headers,   p->key,	  p->value};
	const char *ksep = p->key_sep ? p->key_sep : "\t";
	const char *lsep = p->line_sep ? p->line_sep : "\n";
	size_t n = 0, i, room = 64 + 2 * (6 * strlen(ksep) + strlen(lsep));
	char *b = kq_emalloc(room);
	int first = 1;

	for (i = 0; i < 6; i++) {
		if (!want[i])
			continue;
		if (!first)
			add_literal(b, &n, ksep);
		memcpy(b + n, field[i], strlen(field[i]));
		n += strlen(field[i]);
		first = 0;
	}
	add_literal(b, &n, lsep);
	b[n] = 0;
	return b;
}

void
kq_format_null(struct kq_format *f, const char *s)
{
	f->null = s;
	f->null_len = strlen(s);
}

void
kq_format_free(struct kq_format *f)
{
	free(f->items);
	free(f->text);
	free(f->big);
	f->items = NULL;
	f->text = NULL;
	f->big = NULL;
	f->n = f->big_cap = 0;
}

static char *
put_int(char *o, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	n = (size_t)(buf + sizeof(buf) - p);
	memcpy(o, p, n);
	return o + n;
}

static inline char *
put_bytes(char *o, const char *p, size_t n)
{
	if (n)
		memcpy(o, p, n);
	return o + n;
}

static void
two(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

static char *
put_iso(struct kq_format *f, char *o, int64_t ms)
{
	int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	unsigned frac = (unsigned)(ms - sec * 1000);

	/* Messages come in bursts from the same second: keep its text. */
	if (sec != f->iso_sec) {
		f->iso_len = kq_format_iso8601(ms, f->iso);
		f->iso_sec = f->iso_len == 24 ? sec : INT64_MIN;
	} else {
		f->iso[20] = (char)('0' + frac / 100);
		two(f->iso + 21, frac % 100);
	}
	return put_bytes(o, f->iso, f->iso_len);
}

/* The most a message can take in this format. */
static size_t
bound(const struct kq_format *f, const struct kq_envelope *e)
{
	size_t n = f->text_len, i;

	for (i = 0; i < f->n; i++) {
		switch (f->items[i].op) {
		case KQ_FMT_TEXT:
			break;
		case KQ_FMT_TOPIC:
			n += e->topic ? strlen(e->topic) : 0;
			break;
		case KQ_FMT_KEY:
			n += e->key ? e->key_len : f->null_len;
			break;
		case KQ_FMT_VALUE:
			n += e->value ? e->value_len : f->null_len;
			break;
		case KQ_FMT_ISO8601:
			n += KQ_ISO8601_LEN;
			break;
		case KQ_FMT_HEADERS: {
			size_t h;

			for (h = 0; h < e->nheaders; h++)
				n += e->headers[h].name_len + 2 +
				     (e->headers[h].value
					      ? e->headers[h].value_len
					      : f->null_len);
			break;
		}
		default:
			n += 24;
		}
	}
	return n;
}

static char *
render(struct kq_format *f, char *o, const struct kq_envelope *e)
{
	size_t i, h;

	for (i = 0; i < f->n; i++) {
		const struct kq_fmt_item *it = &f->items[i];

		switch (it->op) {
		case KQ_FMT_TEXT:
			o = put_bytes(o, f->text + it->off, it->len);
			break;
		case KQ_FMT_TOPIC:
			if (e->topic)
				o = put_bytes(o, e->topic, strlen(e->topic));
			break;
		case KQ_FMT_PARTITION:
			o = put_int(o, e->partition);
			break;
		case KQ_FMT_OFFSET:
			o = put_int(o, e->offset);
			break;
		case KQ_FMT_KEY:
			o = e->key ? put_bytes(o, e->key, e->key_len)
				   : put_bytes(o, f->null, f->null_len);
			break;
		case KQ_FMT_VALUE:
			o = e->value ? put_bytes(o, e->value, e->value_len)
				     : put_bytes(o, f->null, f->null_len);
			break;
		case KQ_FMT_TIMESTAMP:
			o = put_int(o, e->timestamp);
			break;
		case KQ_FMT_ISO8601:
			if (e->timestamp >= 0)
				o = put_iso(f, o, e->timestamp);
			else
				o = put_bytes(o, f->null, f->null_len);
			break;
		case KQ_FMT_HEADERS:
			for (h = 0; h < e->nheaders; h++) {
				const struct kq_header *hd = &e->headers[h];

				if (h)
					*o++ = ',';
				o = put_bytes(o, hd->name, hd->name_len);
				*o++ = '=';
				o = hd->value ? put_bytes(o, hd->value,
							  hd->value_len)
					      : put_bytes(o, f->null,
							  f->null_len);
			}
			break;
		case KQ_FMT_KEY_LEN:
			o = put_int(o, e->key ? (int64_t)e->key_len : -1);
			break;
		case KQ_FMT_VALUE_LEN:
			o = put_int(o, e->value ? (int64_t)e->value_len : -1);
			break;
		case KQ_FMT_VALUE_LEN32: {
			uint32_t v =
				e->value ? (uint32_t)e->value_len : UINT32_MAX;

			*o++ = (char)(v >> 24);
			*o++ = (char)(v >> 16);
			*o++ = (char)(v >> 8);
			*o++ = (char)v;
			break;
		}
		}
	}
	return o;
}

size_t
kq_format_write(struct kq_format *f, struct kq_writer *w,
		const struct kq_envelope *e)
{
	size_t need = bound(f, e), n;

	/* Render straight into the writer's buffer when the message fits. */
	if (w->cap - w->len < need)
		kq_writer_flush(w);
	if (w->cap - w->len >= need) {
		n = (size_t)(render(f, w->buf + w->len, e) - (w->buf + w->len));
		w->len += n;
		return n;
	}
	if (f->big_cap < need) {
		free(f->big);
		f->big_cap = need;
		f->big = kq_emalloc(need);
	}
	n = (size_t)(render(f, f->big, e) - f->big);
	kq_writer_put(w, f->big, n);
	return n;
}

size_t
kq_format_iso8601(int64_t ms, char *buf)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)t * 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	/* %04d, not strftime's %Y, so years before 1000 keep four digits. */
	return (size_t)snprintf(buf, KQ_ISO8601_LEN,
				"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
				tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}
