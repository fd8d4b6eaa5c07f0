/*
 * Options and configuration shared by every program: the option table that
 * also writes --help (and, with --help=options, the table the shell
 * completions are made from), the config file, and broker discovery.
 */
#ifndef KQ_CONF_H
#define KQ_CONF_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "die.h"

/* Keys of options with no short form start here. */
#define KQ_LONG 256

#define KQ_NOARG  no_argument
#define KQ_ARG	  required_argument
#define KQ_OPTARG optional_argument

struct kq_option {
	const char *name;    /* long name; a NULL name ends a table */
	int key;	     /* the short letter, or KQ_LONG + n */
	int arg;	     /* KQ_NOARG, KQ_ARG or KQ_OPTARG */
	const char *argname; /* "N", "DELIM"... shown in --help */
	const char *help;    /* one line */
	/* What the shells complete: words ("0 1 all"), "@topic", "@file". */
	const char *values;
};

struct kq_command {
	const char *name;  /* "kq-pub" */
	const char *usage; /* synopsis lines after the name, '\n' between */
	const char *about; /* one sentence */
	const struct kq_option *options;
	int uses_broker; /* 0: -b, -X, -F and --timeout are not offered */
	/* What the shells complete for operands: words, "@file", "@topic". */
	const char *operands;
	/* --help's list of exit statuses, after "Exit status: ". */
	const char *exits;
};

struct kq_prop {
	char *name;
	char *value;
	/* Where it was set, for messages that must not show the value. */
	const char *file; /* the config file, or NULL for -X */
	size_t line;
};

struct kq_conf {
	const struct kq_command *cmd;
	/* Broker list and where it came from: "-b", "$KQ_BROKERS", a path. */
	const char *brokers;
	const char *brokers_from;
	const char *config_path; /* -F */
	/* librdkafka properties: the config file's first, then -X in order. */
	struct kq_prop *props;
	size_t nprops;
	int64_t timeout_ms; /* --timeout, default 10 s */
	int verbose;
	int quiet;
	/* The argument of the option kq_getopt last returned. */
	char *arg;
	/* Private: getopt's tables. */
	struct option *longopts;
	const struct kq_option **byindex;
	char *shortopts;
	char *cmdline_brokers;
};

/* Sets the program name for messages too. */
void kq_conf_init(struct kq_conf *c, const struct kq_command *cmd, char **argv);
/*
 * The next option of the program's own table (its key, argument in c->arg),
 * or -1 at the end of the options; the common options are handled inside.
 * Afterwards optind indexes the first operand, as with getopt.
 */
int kq_getopt(struct kq_conf *c, int argc, char **argv);
/* Read the config file and settle the broker list; after the options. */
void kq_conf_finish(struct kq_conf *c);
void kq_conf_free(struct kq_conf *c);

/*
 * One line of a config file (changed in place): a property appended to
 * props, or nothing for a blank line or a # comment; -1 when the line is
 * not PROP=VALUE.
 */
int kq_conf_line(char *line, struct kq_prop **props, size_t *n);

/* The value of a librdkafka property as set by -F or -X, or NULL. */
const char *kq_conf_prop(const struct kq_conf *c, const char *name);
/*
 * Take a property that is the program's own, not librdkafka's (the Kafka
 * console tools' --property parse.key=true): its last value, the
 * caller's to free, or NULL; none is left in the list.
 */
char *kq_conf_take(struct kq_conf *c, const char *name);

/*
 * Bad command line: "prog: message" (when fmt is given), the synopsis and
 * a hint to --help on stderr, then exit EX_USAGE.
 */
KQ_NORETURN void kq_usage(const struct kq_conf *c, const char *fmt, ...)
	KQ_PRINTF(2, 3);

/* "prog: message" on stderr unless -q. */
void kq_info(const struct kq_conf *c, const char *fmt, ...) KQ_PRINTF(2, 3);

/*
 * The command of a program that has several (kq-topic create, kq-group
 * reset): a word, or an option as the Kafka tool spells it (--create);
 * and which options each command takes, beside the option table.
 */
struct kq_serves {
	int key;
	unsigned modes; /* bits of 1 << command */
};

/* An option that chooses a command, as the Kafka tool spells it. */
struct kq_spelling {
	int key;
	int mode;
	const char *how; /* "--create" */
};

struct kq_modes {
	const char *const *names; /* names[0] is "": no command yet */
	int n;
	const struct kq_serves *serves; /* an option not here serves all */
	size_t nserves;
	const struct kq_spelling *spellings;
	size_t nspellings;
	int mode;
	const char *spelling; /* the option that chose it: "--create" */
	int given[16];	      /* the keys of options that serve some */
	int ngiven;
};

/* Option how chooses command mode: another one before is a usage error. */
void kq_mode_set(const struct kq_conf *c, struct kq_modes *m, int mode,
		 const char *how);

/*
 * Whether option key is one of m's spellings of a command: then it chose
 * that command (kq_mode_set).
 */
int kq_mode_spelled(const struct kq_conf *c, struct kq_modes *m, int key);

/* Keep option key, to check once the command is known. */
void kq_mode_note(struct kq_modes *m, int key);

/*
 * Unless an option chose it, the command is the word (*argv)[0], taken
 * off; none or an unknown one is a usage error.
 */
void kq_mode_word(const struct kq_conf *c, struct kq_modes *m, int *argc,
		  char ***argv);

/* An option noted that does not serve the command is a usage error. */
void kq_mode_check(const struct kq_conf *c, const struct kq_modes *m);

#endif
