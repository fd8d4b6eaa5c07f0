/*
 * What the unit tests of common/ share: a configuration made as a
 * program's command line makes it, an environment in which the user's
 * own settings (KQ_BROKERS, a config file) play no part, what a writer
 * in memory holds, and what the test itself wrote on stderr.
 */
#ifndef KQ_UNIT_H
#define KQ_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "record.h"

static inline void
unit_conf(struct kq_conf *c, const struct kq_command *cmd, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	kq_conf_init(c, cmd, argv);
	while (kq_getopt(c, argc, argv) != -1)
		;
	kq_conf_finish(c);
}

static inline void
unit_env(void)
{
	unsetenv("KQ_BROKERS");
	unsetenv("KQ_CONFIG");
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	setenv("HOME", "/nonexistent", 1);
}

/*
 * What a writer made with kq_writer_init(w, -1, ...) holds, as a string
 * (until the next call); w is emptied.
 */
static inline const char *
unit_written(struct kq_writer *w)
{
	static char s[8192];
	size_t n = w->len < sizeof(s) - 1 ? w->len : sizeof(s) - 1;

	memcpy(s, w->buf, n);
	s[n] = 0;
	w->len = 0;
	return s;
}

/* stderr caught in a pipe, from unit_catch to unit_caught. */
struct unit_catch {
	int saved, fd;
};

static inline void
unit_catch(struct unit_catch *k)
{
	int fds[2];

	if (pipe(fds))
		abort();
	fflush(stderr);
	k->saved = dup(2);
	dup2(fds[1], 2);
	close(fds[1]);
	k->fd = fds[0];
}

/* What was written on stderr meanwhile (up to 4 KiB, until the next
 * call); stderr is itself again. */
static inline const char *
unit_caught(struct unit_catch *k)
{
	static char s[4096];
	size_t n = 0;
	ssize_t got;

	fflush(stderr);
	dup2(k->saved, 2);
	close(k->saved);
	while (n < sizeof(s) - 1 &&
	       (got = read(k->fd, s + n, sizeof(s) - 1 - n)) > 0)
		n += (size_t)got;
	s[n] = 0;
	close(k->fd);
	return s;
}

#endif
