/*
 * The progress line a program keeps on a terminal's stderr while it runs:
 * redrawn in place with \r at most every so often, and wiped at the end
 * so that the last messages and the shell prompt start on a clean line.
 */
#ifndef KQ_PROGRESS_H
#define KQ_PROGRESS_H

#include <stdint.h>

struct kq_progress {
	int fd;	       /* 2, unless a test says otherwise */
	int on;	       /* a terminal, and no -q */
	int shown;     /* a line is on the screen */
	int64_t t0;    /* kq_clock_ms at the start, for rates */
	int64_t next;  /* no line before this kq_clock_ms */
	int64_t every; /* milliseconds between lines */
};

/*
 * Lines on fd when on, the first after first_ms from now, then one every
 * every_ms at most.
 */
void kq_progress_init(struct kq_progress *p, int fd, int on, int64_t now,
		      int64_t first_ms, int64_t every_ms);
/* Whether a line is due at now; if it is, the next is due every later. */
int kq_progress_due(struct kq_progress *p, int64_t now);
/*
 * Draw the line (the caller gives the \r and \033[K); a failed write
 * turns the line off.
 */
void kq_progress_show(struct kq_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Wipe the line if one was drawn: before other output to stderr, and at the
 * end. */
void kq_progress_clear(struct kq_progress *p);

#endif
