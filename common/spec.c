#include "spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "die.h"

int
kq_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Digits with an optional fraction, scaled by unit (in ms); -1 if not. */
static int
parse_scaled(const char *s, size_t n, int64_t unit, int64_t *ms)
{
	int64_t whole = 0, frac = 0, div = 1;
	size_t i = 0;

	if (n == 0 || !isdigit((unsigned char)s[0]))
		return -1;
	for (; i < n && isdigit((unsigned char)s[i]); i++) {
		if (whole > (INT64_MAX - 9) / 10)
			return -1;
		whole = whole * 10 + (s[i] - '0');
	}
	/* Room for the whole part in ms and a fraction of one unit more. */
	if (whole > (INT64_MAX - unit) / unit)
		return -1;
	if (i < n && s[i] == '.') {
		if (++i == n)
			return -1;
		for (; i < n && isdigit((unsigned char)s[i]); i++) {
			if (div < 1000000000) {
				frac = frac * 10 + (s[i] - '0');
				div *= 10;
			}
		}
	}
	if (i != n)
		return -1;
	*ms = whole * unit + frac * unit / div;
	return 0;
}

int
kq_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *suffix;
		int64_t unit;
	} units[] = {
		{"ms", 1},	{"s", 1000},	 {"m", 60000},
		{"h", 3600000}, {"d", 86400000},
	};
	size_t n = strlen(s), i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t k = strlen(units[i].suffix);

		if (n > k && strcmp(s + n - k, units[i].suffix) == 0 &&
		    isdigit((unsigned char)s[n - k - 1]))
			return parse_scaled(s, n - k, units[i].unit, ms);
	}
	return parse_scaled(s, n, 1000, ms);
}

/* n digits at s into *v; -1 if any is not a digit. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* ISO 8601: YYYY-MM-DD[(T| )hh:mm[:ss[.fff]]][Z|(+|-)hh[:]mm]; UTC if no zone.
 */
static int
parse_iso8601(const char *s, int64_t *ms)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, zh, zm, frac = 0, scale = 100;
	int64_t zone = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	s += 10;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		if (digits(s + 1, 2, &h) || s[3] != ':' ||
		    digits(s + 4, 2, &mi))
			return -1;
		s += 6;
		if (*s == ':') {
			if (digits(s + 1, 2, &sec))
				return -1;
			s += 3;
			if (*s == '.' || *s == ',') {
				if (!isdigit((unsigned char)*++s))
					return -1;
				for (; isdigit((unsigned char)*s); s++) {
					frac += (*s - '0') * scale;
					scale /= 10;
				}
			}
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1;

		if (digits(s + 1, 2, &zh))
			return -1;
		s += 3;
		if (*s == ':')
			s++;
		if (digits(s, 2, &zm))
			return -1;
		s += 2;
		zone = sign * (zh * 3600 + zm * 60);
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ms = ((int64_t)t - zone) * 1000 + frac;
	return 0;
}

int
kq_parse_timestamp(const char *s, int64_t *ms)
{
	if (strchr(s, '-') || strchr(s, ':'))
		return parse_iso8601(s, ms);
	return kq_parse_int(s, 0, INT64_MAX, ms);
}

int
kq_parse_offset(const char *s, int64_t now_ms, struct kq_offset_spec *out)
{
	int64_t v;

	if (strcmp(s, "beginning") == 0 || strcmp(s, "earliest") == 0) {
		out->kind = KQ_OFFSET_BEGINNING;
		out->value = 0;
	} else if (strcmp(s, "end") == 0 || strcmp(s, "latest") == 0) {
		out->kind = KQ_OFFSET_END;
		out->value = 0;
	} else if (strcmp(s, "stored") == 0) {
		out->kind = KQ_OFFSET_STORED;
		out->value = 0;
	} else if (s[0] == 's' && s[1] == '@') {
		/* kcat's spelling of a start time. */
		return kq_parse_offset(s + 1, now_ms, out);
	} else if (s[0] == '@' && s[1] == '-') {
		if (kq_parse_duration(s + 2, &v))
			return -1;
		out->kind = KQ_OFFSET_TIME;
		out->value = now_ms - v;
	} else if (s[0] == '@') {
		if (kq_parse_timestamp(s + 1, &v))
			return -1;
		out->kind = KQ_OFFSET_TIME;
		out->value = v;
	} else if (s[0] == '-') {
		if (kq_parse_int(s + 1, 1, INT64_MAX, &v))
			return -1;
		out->kind = KQ_OFFSET_FROM_END;
		out->value = v;
	} else {
		if (kq_parse_int(s, 0, INT64_MAX, &v))
			return -1;
		out->kind = KQ_OFFSET_ABSOLUTE;
		out->value = v;
	}
	return 0;
}

int
kq_parse_time(const char *s, int64_t now_ms, int64_t *ms)
{
	struct kq_offset_spec o;

	if (s[0] != '@')
		return kq_parse_timestamp(s, ms);
	if (kq_parse_offset(s, now_ms, &o) || o.kind != KQ_OFFSET_TIME)
		return -1;
	*ms = o.value;
	return 0;
}

int
kq_topic_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 249 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n;
}

const char *
kq_etopic(const char *opt, const char *s)
{
	if (!kq_topic_name_ok(s))
		kq_die(EX_USAGE,
		       "%s: '%s' is not a topic name (1 to 249 of a-z A-Z 0-9 "
		       ". _ -)",
		       opt, s);
	return s;
}

int64_t
kq_eint(const char *opt, const char *s, int64_t min, int64_t max)
{
	int64_t v;

	if (kq_parse_int(s, min, max, &v))
		kq_die(EX_USAGE,
		       "%s: '%s' is not a whole number from %lld to %lld", opt,
		       s, (long long)min, (long long)max);
	return v;
}

int64_t
kq_eduration(const char *opt, const char *s)
{
	int64_t v;

	if (kq_parse_duration(s, &v))
		kq_die(EX_USAGE,
		       "%s: '%s' is not a duration (write 500ms, 3s, 2m or 1h)",
		       opt, s);
	return v;
}

struct kq_offset_spec
kq_eoffset(const char *opt, const char *s)
{
	struct kq_offset_spec o;

	if (kq_parse_offset(s, kq_now_ms(), &o))
		kq_die(EX_USAGE,
		       "%s: '%s' is not an offset (beginning, end, stored, N, "
		       "-N, @TIMESTAMP or @-DURATION)",
		       opt, s);
	return o;
}

int64_t
kq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
kq_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
kq_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
