/*
 * What the unit tests of common/ share: a configuration made as a
 * program's command line makes it, an environment in which the user's
 * own settings (KQ_BROKERS, a config file) play no part, and what a
 * writer in memory holds.
 */
#ifndef KQ_UNIT_H
#define KQ_UNIT_H

#include <stdlib.h>
#include <string.h>

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

#endif
