#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void
kq_progress_init(struct kq_progress *p, int fd, int on, int64_t now,
		 int64_t first_ms, int64_t every_ms)
{
	p->fd = fd;
	p->on = on;
	p->shown = 0;
	p->t0 = now;
	p->next = now + first_ms;
	p->every = every_ms;
}

int
kq_progress_due(struct kq_progress *p, int64_t now)
{
	if (!p->on || now < p->next)
		return 0;
	p->next = now + p->every;
	return 1;
}

/* One write, so the line is never drawn in pieces between others' lines. */
static void
put(struct kq_progress *p, const char *s, size_t n)
{
	if (write(p->fd, s, n) < 0)
		p->on = 0;
}

void
kq_progress_show(struct kq_progress *p, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (!p->on)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	put(p, line, (size_t)n);
	p->shown = p->on;
}

void
kq_progress_clear(struct kq_progress *p)
{
	if (!p->on || !p->shown)
		return;
	put(p, "\r\033[K", 4);
	p->shown = 0;
}
