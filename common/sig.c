#include "sig.h"

#include <string.h>
#include <unistd.h>

#include "die.h"

volatile sig_atomic_t kq_stop;

static void
on_stop(int sig)
{
	if (kq_stop)
		_exit(KQ_EX_INTERRUPTED);
	kq_stop = sig;
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
}
