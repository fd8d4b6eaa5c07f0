/*
 * The event loop, in the spirit of redis's ae.c: file events on epoll,
 * one-shot timers, and a hook run before each sleep (where parked fetches
 * are woken and buffered writes flushed). Single-threaded: every callback
 * runs to completion on the loop's thread.
 */
#ifndef KB_LOOP_H
#define KB_LOOP_H

#include <signal.h>
#include <stdint.h>

#define KB_READ	 1
#define KB_WRITE 2
/*
 * Reported whatever the mask: the peer hung up or shut its side, which a
 * socket not read shows no other way.
 */
#define KB_HUP 4

struct kb_loop;
typedef void kb_io_fn(struct kb_loop *l, int fd, void *arg, int mask);
typedef void kb_timer_fn(struct kb_loop *l, void *arg);
typedef void kb_hook_fn(struct kb_loop *l, void *arg);

struct kb_loop *kb_loop_new(void);
void kb_loop_free(struct kb_loop *l);
/* Watch fd for the events in mask (KB_READ|KB_WRITE); 0 or -1 (errno). */
int kb_loop_watch(struct kb_loop *l, int fd, int mask, kb_io_fn *fn, void *arg);
/* Change the events watched; 0 stops watching (the fd stays known). */
int kb_loop_mask(struct kb_loop *l, int fd, int mask);
void kb_loop_forget(struct kb_loop *l, int fd);

/* A timer that fires once, ms from now; its id (never 0). */
uint64_t kb_timer_add(struct kb_loop *l, int64_t ms, kb_timer_fn *fn,
		      void *arg);
/* Cancel a timer that has not fired; 0 is ignored. */
void kb_timer_del(struct kb_loop *l, uint64_t id);

void kb_loop_before_sleep(struct kb_loop *l, kb_hook_fn *fn, void *arg);
/*
 * Run until *stop is set (by a signal: SIGINT and SIGTERM are blocked
 * except while the loop sleeps, so none slips by between the check and
 * the sleep).
 */
void kb_loop_run(struct kb_loop *l, volatile sig_atomic_t *stop);

/* Monotonic milliseconds, as the loop saw them at the latest wake. */
int64_t kb_loop_now(const struct kb_loop *l);

#endif
