#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

struct fdev {
	kb_io_fn *fn;
	void *arg;
	int mask;
	int known;
};

struct timer {
	uint64_t id;
	int64_t when;
	kb_timer_fn *fn;
	void *arg;
};

struct kb_loop {
	int ep;
	struct fdev *fds;
	int nfds;
	/* Timers are few (sessions, parked requests): an unsorted array. */
	struct timer *timers;
	size_t ntimers, tcap;
	uint64_t next_id;
	kb_hook_fn *hook;
	void *hook_arg;
	int64_t now;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct kb_loop *
kb_loop_new(void)
{
	struct kb_loop *l = kq_ecalloc(1, sizeof(*l));

	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		free(l);
		return NULL;
	}
	l->now = mono_ms();
	return l;
}

void
kb_loop_free(struct kb_loop *l)
{
	if (!l)
		return;
	close(l->ep);
	free(l->fds);
	free(l->timers);
	free(l);
}

static uint32_t
epmask(int mask)
{
	return (mask & KB_READ ? EPOLLIN : 0) |
	       (mask & KB_WRITE ? EPOLLOUT : 0) | EPOLLRDHUP;
}

int
kb_loop_watch(struct kb_loop *l, int fd, int mask, kb_io_fn *fn, void *arg)
{
	struct epoll_event ev = {.events = epmask(mask), .data.fd = fd};

	if (fd >= l->nfds) {
		int n = l->nfds ? l->nfds : 64;

		while (n <= fd)
			n *= 2;
		l->fds = kq_erealloc(l->fds, n * sizeof(*l->fds));
		memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof(*l->fds));
		l->nfds = n;
	}
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	l->fds[fd] = (struct fdev){fn, arg, mask, 1};
	return 0;
}

int
kb_loop_mask(struct kb_loop *l, int fd, int mask)
{
	struct epoll_event ev = {.events = epmask(mask), .data.fd = fd};

	if (fd >= l->nfds || !l->fds[fd].known)
		return -1;
	if (l->fds[fd].mask == mask)
		return 0;
	l->fds[fd].mask = mask;
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
}

void
kb_loop_forget(struct kb_loop *l, int fd)
{
	if (fd < l->nfds && l->fds[fd].known) {
		epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
		l->fds[fd].known = 0;
	}
}

uint64_t
kb_timer_add(struct kb_loop *l, int64_t ms, kb_timer_fn *fn, void *arg)
{
	if (l->ntimers == l->tcap) {
		l->tcap = l->tcap ? l->tcap * 2 : 16;
		l->timers =
			kq_erealloc(l->timers, l->tcap * sizeof(*l->timers));
	}
	l->timers[l->ntimers++] =
		(struct timer){++l->next_id, mono_ms() + ms, fn, arg};
	return l->next_id;
}

void
kb_timer_del(struct kb_loop *l, uint64_t id)
{
	size_t i;

	if (!id)
		return;
	for (i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id) {
			l->timers[i] = l->timers[--l->ntimers];
			return;
		}
}

void
kb_loop_before_sleep(struct kb_loop *l, kb_hook_fn *fn, void *arg)
{
	l->hook = fn;
	l->hook_arg = arg;
}

int64_t
kb_loop_now(const struct kb_loop *l)
{
	return l->now;
}

/* Fire due timers; each is removed before its callback runs. */
static void
run_timers(struct kb_loop *l)
{
	size_t i;

	l->now = mono_ms();
	for (i = 0; i < l->ntimers;) {
		if (l->timers[i].when <= l->now) {
			struct timer t = l->timers[i];

			l->timers[i] = l->timers[--l->ntimers];
			t.fn(l, t.arg);
			/* The array may have changed: start over. */
			i = 0;
			continue;
		}
		i++;
	}
}

static int
sleep_ms(struct kb_loop *l)
{
	int64_t first = -1, d;
	size_t i;

	for (i = 0; i < l->ntimers; i++)
		if (first < 0 || l->timers[i].when < first)
			first = l->timers[i].when;
	if (first < 0)
		return -1;
	d = first - mono_ms();
	return d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

void
kb_loop_run(struct kb_loop *l, volatile sig_atomic_t *stop)
{
	struct epoll_event evs[128];
	sigset_t block, open;
	int n, i;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &open);
	sigdelset(&open, SIGINT);
	sigdelset(&open, SIGTERM);
	while (!*stop) {
		if (l->hook)
			l->hook(l, l->hook_arg);
		n = epoll_pwait(l->ep, evs, 128, sleep_ms(l), &open);
		l->now = mono_ms();
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, mask = 0;
			struct fdev *f;

			if (fd >= l->nfds || !l->fds[fd].known)
				continue;
			f = &l->fds[fd];
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				mask |= KB_READ;
			if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				mask |= KB_WRITE;
			mask &= f->mask |
				(evs[i].events & (EPOLLERR | EPOLLHUP) ? KB_READ
								       : 0);
			if (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				mask |= KB_HUP;
			if (mask)
				f->fn(l, fd, f->arg, mask);
		}
		run_timers(l);
	}
	sigprocmask(SIG_UNBLOCK, &block, NULL);
}
