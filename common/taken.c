/*
 * What a pipe's reader took. The rule: a byte is taken once it left the
 * pipe (written less FIONREAD); a mark is taken once its bytes are and
 * the reader was still there a moment later; everything is taken by a
 * file or a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spec.h"
#include "taken.h"

#define PAGE	4096
#define NAP_MAX 2000 /* microseconds: the longest nap of a FIONREAD wait */

void
kq_taken_init(struct kq_taken *t, int fd, int one_slot)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->since = t->alive_at = -1;
	t->pipe = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	if (!t->pipe)
		return;
#ifdef F_SETPIPE_SZ
	t->size = fcntl(fd, F_GETPIPE_SZ);
	if (t->size < 0)
		t->size = 0;
	/* EBUSY when it holds more than a page: naps then. */
	if (one_slot && t->size > PAGE &&
	    fcntl(fd, F_SETPIPE_SZ, PAGE) == PAGE) {
		t->old_size = t->size;
		t->size = PAGE;
	}
	t->one_slot = t->size == PAGE;
#else
	(void)one_slot;
#endif
}

void
kq_taken_close(struct kq_taken *t)
{
#ifdef F_SETPIPE_SZ
	/* Whoever writes to the pipe after us gets its size back. */
	if (t->old_size)
		fcntl(t->fd, F_SETPIPE_SZ, t->old_size);
#endif
	t->old_size = 0;
	kq_taken_forget(t);
}

uint64_t
kq_taken_pending(const struct kq_taken *t)
{
	int n = 0;

	if (!t->pipe || ioctl(t->fd, FIONREAD, &n) < 0 || n < 0)
		return 0;
	return (uint64_t)n;
}

uint64_t
kq_taken_bytes(const struct kq_taken *t)
{
	uint64_t pending = kq_taken_pending(t);

	return pending >= t->written ? 0 : t->written - pending;
}

int
kq_taken_gone(const struct kq_taken *t)
{
	struct pollfd pfd = {.fd = t->fd, .events = 0};

	/* A pipe whose reader closed polls as an error. */
	return t->pipe && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

static void
nap(long *us)
{
	struct timespec ts = {0, *us * 1000};

	nanosleep(&ts, NULL);
	if (*us < NAP_MAX)
		*us *= 2;
}

/*
 * Sleep until the pipe may have changed, at most until ms: 1 when the
 * reader is gone.
 */
static int
sleep_on(struct kq_taken *t, int ms, long *us)
{
	struct pollfd pfd = {.fd = t->fd, .events = POLLOUT};

	if (!t->one_slot) {
		nap(us);
		return kq_taken_gone(t);
	}
	if (poll(&pfd, 1, ms) == 1) {
		if (pfd.revents & POLLERR)
			return 1;
		/* Ready but not empty: not one slot any more (resized). */
		if ((pfd.revents & POLLOUT) && kq_taken_pending(t) > 0)
			t->one_slot = 0;
	}
	return 0;
}

enum kq_taken_state
kq_taken_wait(struct kq_taken *t)
{
	int64_t now = kq_clock_ms(), tick = now + KQ_TAKEN_TICK_MS;
	long us = 20;

	t->since = now;
	for (;;) {
		/* Read, even by a reader that then left: it is the reader's. */
		if (kq_taken_pending(t) == 0)
			return KQ_TAKEN_ALL;
		/* Gone, but maybe after reading the rest: look again. */
		if (sleep_on(t, (int)(tick - now), &us))
			return kq_taken_pending(t) ? KQ_TAKEN_GONE
						   : KQ_TAKEN_ALL;
		t->alive_at = now = kq_clock_ms();
		if (now >= tick) {
			tick = now + KQ_TAKEN_TICK_MS;
			if (t->idle && t->idle(t->idle_arg))
				return KQ_TAKEN_STOPPED;
		}
	}
}

/*
 * Bytes that fit in the pipe without blocking, now that poll says some
 * do. Pending bytes may straddle two pages more than they fill.
 */
static size_t
room(const struct kq_taken *t)
{
	uint64_t pending = kq_taken_pending(t), pages;

	if (t->size <= PAGE)
		return PAGE;
	pages = (uint64_t)t->size / PAGE;
	if (pending / PAGE + 2 >= pages)
		return PAGE;
	return (size_t)(pages - pending / PAGE - 2) * PAGE;
}

ssize_t
kq_taken_write(void *arg, const void *p, size_t n)
{
	struct kq_taken *t = arg;
	struct pollfd pfd = {.fd = t->fd, .events = POLLOUT};
	int64_t tick = kq_clock_ms() + KQ_TAKEN_TICK_MS;
	size_t r;
	ssize_t k;

	t->since = tick - KQ_TAKEN_TICK_MS;
	while (t->pipe && poll(&pfd, 1, KQ_TAKEN_TICK_MS) != 1) {
		int64_t now = kq_clock_ms();

		if (now < tick)
			continue;
		tick = now + KQ_TAKEN_TICK_MS;
		if (t->idle && t->idle(t->idle_arg)) {
			errno = ECANCELED;
			return -1;
		}
	}
	if (t->pipe && n > (r = room(t)))
		n = r;
	/* A closed pipe (POLLERR) fails here with EPIPE. */
	k = write(t->fd, p, n);
	if (k > 0)
		t->written += (uint64_t)k;
	return k;
}

int
kq_taken_mark(struct kq_taken *t, uint64_t bytes, void *data, int last)
{
	struct kq_taken_mark *m;

	if (t->nmarks == KQ_TAKEN_MARKS) {
		if (!last)
			return -1;
		/* One commit point less, never the last. */
		t->nmarks--;
		if (t->drop)
			t->drop(t->marks[t->nmarks].data);
	}
	m = &t->marks[t->nmarks++];
	m->bytes = bytes;
	m->taken_at = -1;
	m->data = data;
	return 0;
}

static void
forget(struct kq_taken *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (t->drop)
			t->drop(t->marks[i].data);
	memmove(t->marks, t->marks + n, (t->nmarks - n) * sizeof(*t->marks));
	t->nmarks -= n;
}

void
kq_taken_forget(struct kq_taken *t)
{
	forget(t, t->nmarks);
}

void *
kq_taken_settled(struct kq_taken *t, int64_t now, int64_t survive)
{
	void *data;
	uint64_t taken;
	int i, best = -1;

	if (!kq_taken_gone(t)) {
		t->alive_at = now;
		taken = kq_taken_bytes(t);
		for (i = 0; i < t->nmarks; i++)
			if (t->marks[i].taken_at < 0 &&
			    t->marks[i].bytes <= taken)
				t->marks[i].taken_at = now;
	}
	for (i = 0; i < t->nmarks; i++)
		if (t->marks[i].taken_at >= 0 &&
		    t->alive_at - t->marks[i].taken_at >= survive)
			best = i;
	if (best < 0)
		return NULL;
	data = t->marks[best].data;
	t->marks[best].data = NULL;
	forget(t, best);
	/* The best one's data is the caller's now. */
	memmove(t->marks, t->marks + 1, (t->nmarks - 1) * sizeof(*t->marks));
	t->nmarks--;
	return data;
}
