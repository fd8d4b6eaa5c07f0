/*
 * What the unit tests of common/ share: a configuration made as a
 * program's command line makes it, and an environment in which the
 * user's own settings (KQ_BROKERS, a config file) play no part.
 */
#ifndef KQ_UNIT_H
#define KQ_UNIT_H

#include <stdlib.h>

#include "conf.h"

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

#endif
