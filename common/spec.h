/*
 * The small languages of the command line: integers, durations ("500ms",
 * "3s", "2m", "1h"; a bare number is seconds), timestamps (milliseconds
 * since the epoch or ISO 8601) and kq-sub's offset specs.
 */
#ifndef KQ_SPEC_H
#define KQ_SPEC_H

#include <stddef.h>
#include <stdint.h>

enum kq_offset_kind {
	KQ_OFFSET_BEGINNING,
	KQ_OFFSET_END,
	KQ_OFFSET_STORED,
	KQ_OFFSET_ABSOLUTE, /* value: the offset */
	KQ_OFFSET_FROM_END, /* value: how many before the end */
	KQ_OFFSET_TIME,	    /* value: milliseconds since the epoch */
};

struct kq_offset_spec {
	enum kq_offset_kind kind;
	int64_t value;
};

/* Kafka's rule for a topic name: 1 to 249 of [a-zA-Z0-9._-], not . or ..*/
int kq_topic_name_ok(const char *s);

/* Each returns 0, or -1 when s is not of the form (nothing is set). */
int kq_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
int kq_parse_duration(const char *s, int64_t *ms);
int kq_parse_timestamp(const char *s, int64_t *ms);
/* now_ms anchors "@-15m". */
int kq_parse_offset(const char *s, int64_t now_ms, struct kq_offset_spec *out);
/* A time: a timestamp, bare or after '@', or @-DURATION before now_ms. */
int kq_parse_time(const char *s, int64_t now_ms, int64_t *ms);

/*
 * The same, for option arguments: on a bad value they die with EX_USAGE
 * and a line naming the option and the forms it takes.
 */
int64_t kq_eint(const char *opt, const char *s, int64_t min, int64_t max);
int64_t kq_eduration(const char *opt, const char *s);
struct kq_offset_spec kq_eoffset(const char *opt, const char *s);
/* A topic name, checked before any broker is asked. */
const char *kq_etopic(const char *opt, const char *s);

/* Milliseconds since the epoch, now. */
int64_t kq_now_ms(void);
/* Monotonic milliseconds, for timeouts and rates. */
int64_t kq_clock_ms(void);
/* The same clock in nanoseconds, for a rate finer than 1 ms (--rate). */
int64_t kq_clock_ns(void);

#endif
