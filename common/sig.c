#include "sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

volatile sig_atomic_t kq_stop;

/* Die by sig, as an uncaught one would: the shell sees 128 + sig. */
static void
die_by(int sig)
{
	sigset_t set;

	signal(sig, SIG_DFL);
	/* Inside its own handler, sig is blocked until unblocked here. */
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

static void
on_stop(int sig)
{
	if (kq_stop)
		die_by(sig);
	kq_stop = sig;
}

/*
 * A program that stopped for a signal has cleaned up by the time it
 * returns KQ_EX_INTERRUPTED; it now dies by that signal, so that a shell
 * loop around it stops on Ctrl-C and a SIGTERM reads as 143.
 */
static void
on_exit_status(int status, void *arg)
{
	(void)arg;
	if (status == KQ_EX_INTERRUPTED && kq_stop) {
		fflush(NULL);
		die_by(kq_stop);
	}
}

void
kq_sig_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	on_exit(on_exit_status, NULL);
}
