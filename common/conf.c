#include "conf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "spec.h"

#ifndef KQ_VERSION
#define KQ_VERSION "0.0.0"
#endif

#define DEFAULT_BROKERS	   "localhost:9092"
#define DEFAULT_TIMEOUT_MS 10000

enum {
	OPT_TIMEOUT = KQ_LONG + 1000,
};

/* Every program has these; the ones about brokers only where uses_broker. */
static const struct kq_option base_options[] = {
	{"help", 'h', KQ_OPTARG, NULL, "show this help and exit", NULL},
	{"version", 'V', KQ_NOARG, NULL, "show the version and exit", NULL},
	{"quiet", 'q', KQ_NOARG, NULL, "print no summary or warnings", NULL},
	{"verbose", 'v', KQ_NOARG, NULL,
	 "say more; twice for librdkafka's debug log", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

/* The same for a program that has no librdkafka handle. */
static const struct kq_option local_base_options[] = {
	{"help", 'h', KQ_OPTARG, NULL, "show this help and exit", NULL},
	{"version", 'V', KQ_NOARG, NULL, "show the version and exit", NULL},
	{"quiet", 'q', KQ_NOARG, NULL, "print no summary or warnings", NULL},
	{"verbose", 'v', KQ_NOARG, NULL, "say more", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_option broker_options[] = {
	{"brokers", 'b', KQ_ARG, "HOST:PORT,...",
	 "brokers to start from (else $KQ_BROKERS, the config file, "
	 "localhost:9092)",
	 NULL},
	{"bootstrap-server", 'b', KQ_ARG, "HOST:PORT,...",
	 "the same as -b, as the Kafka tools spell it", NULL},
	{"property", 'X', KQ_ARG, "PROP=VALUE",
	 "set a librdkafka property (repeatable)", NULL},
	{"config", 'F', KQ_ARG, "FILE",
	 "read librdkafka properties from FILE (else $KQ_CONFIG, "
	 "~/.config/kq/kq.conf)",
	 "@file"},
	{"timeout", OPT_TIMEOUT, KQ_ARG, "DURATION",
	 "give up on an unreachable broker after DURATION (default 10s)", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static size_t
count(const struct kq_option *o)
{
	size_t n = 0;

	while (o[n].name)
		n++;
	return n;
}

/* The tables in the order --help shows them. */
static void
tables(const struct kq_command *cmd, const struct kq_option *t[3])
{
	t[0] = cmd->options;
	t[1] = cmd->uses_broker ? broker_options : NULL;
	t[2] = cmd->uses_broker ? base_options : local_base_options;
}

/*
 * A common option whose long name the program gives one of its own (such
 * as kq-topic's --config NAME=VALUE, as kafka-topics spells it) is left
 * out, so getopt, --help and the completions agree on what it means.
 */
static int
shadowed(const struct kq_command *cmd, const struct kq_option *t,
	 const struct kq_option *o)
{
	const struct kq_option *p;

	if (t == cmd->options)
		return 0;
	for (p = cmd->options; p->name; p++)
		if (strcmp(p->name, o->name) == 0)
			return 1;
	return 0;
}

/*
 * A closed stdin or stdout would be the next descriptor librdkafka opens,
 * and kq would read or write its internal pipes. Put /dev/null there,
 * opened the wrong way round, so that using it fails with EBADF as it
 * would have.
 */
static void
guard_stdio(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
			open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
}

void
kq_conf_init(struct kq_conf *c, const struct kq_command *cmd, char **argv)
{
	const struct kq_option *t[3];
	size_t n = 0, i, k, s = 0;

	guard_stdio();
	kq_setprogname(argv[0] ? argv[0] : cmd->name);
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	tables(cmd, t);
	for (i = 0; i < 3; i++)
		n += t[i] ? count(t[i]) : 0;
	c->longopts = kq_ecalloc(n + 1, sizeof(*c->longopts));
	c->byindex = kq_ecalloc(n + 1, sizeof(*c->byindex));
	c->shortopts = kq_ecalloc(3 * n + 2, 1);
	c->shortopts[s++] = ':'; /* a missing argument returns ':' */
	for (n = 0, i = 0; i < 3; i++) {
		for (k = 0; t[i] && t[i][k].name; k++) {
			const struct kq_option *o = &t[i][k];
			int key = o->key;

			if (shadowed(cmd, t[i], o))
				continue;
			c->longopts[n].name = o->name;
			c->longopts[n].has_arg = o->arg;
			c->longopts[n].val = key;
			c->byindex[n] = o;
			if (key < KQ_LONG && !strchr(c->shortopts, key)) {
				c->shortopts[s++] = (char)key;
				if (o->arg != KQ_NOARG)
					c->shortopts[s++] = ':';
				if (o->arg == KQ_OPTARG)
					c->shortopts[s++] = ':';
			}
			n++;
		}
	}
	opterr = 0;
	optind = 1;
}

void
kq_conf_free(struct kq_conf *c)
{
	size_t i;

	for (i = 0; i < c->nprops; i++) {
		free(c->props[i].name);
		free(c->props[i].value);
	}
	free(c->props);
	free(c->longopts);
	free(c->byindex);
	free(c->shortopts);
	memset(c, 0, sizeof(*c));
}

static void
print_usage(const struct kq_conf *c, FILE *f)
{
	const char *u = c->cmd->usage, *nl;
	const char *lead = "usage:";

	for (;;) {
		nl = strchr(u, '\n');
		fprintf(f, "%s %s %.*s\n", lead, c->cmd->name,
			(int)(nl ? (size_t)(nl - u) : strlen(u)), u);
		if (!nl)
			break;
		u = nl + 1;
		lead = "      ";
	}
}

void
kq_usage(const struct kq_conf *c, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		kq_vwarn(fmt, ap);
		va_end(ap);
	}
	print_usage(c, stderr);
	fprintf(stderr, "Try '%s --help' for more.\n", c->cmd->name);
	exit(EX_USAGE);
}

/* Help text from column 30, wrapped at 79. */
static void
print_option(FILE *f, const struct kq_option *o, int alias)
{
	char left[64];
	const char *h = o->help;
	int n;

	/* An alias (--bootstrap-server for -b) shows its long name only. */
	if (o->key < KQ_LONG && !alias)
		n = snprintf(left, sizeof(left), "  -%c, --%s", o->key,
			     o->name);
	else
		n = snprintf(left, sizeof(left), "      --%s", o->name);
	if (o->argname)
		snprintf(left + n, sizeof(left) - n,
			 o->arg == KQ_OPTARG ? "[=%s]" : "=%s", o->argname);
	if (strlen(left) < 30)
		fprintf(f, "%-30s", left);
	else
		fprintf(f, "%s\n%30s", left, "");
	for (;;) {
		size_t len = strlen(h), cut = len;

		if (len > 49) {
			for (cut = 49; cut > 0 && h[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = len;
		}
		fprintf(f, "%.*s\n", (int)cut, h);
		if (cut == len)
			break;
		h += cut + 1;
		fprintf(f, "%30s", "");
	}
}

static void
print_help(const struct kq_conf *c)
{
	const struct kq_option *t[3];
	static const char *heads[3] = {"Options", "Broker options",
				       "General options"};
	size_t i, k;

	tables(c->cmd, t);
	print_usage(c, stdout);
	printf("%s\n", c->cmd->about);
	for (i = 0; i < 3; i++) {
		if (!t[i] || !t[i][0].name)
			continue;
		printf("\n%s:\n", heads[i]);
		for (k = 0; t[i][k].name; k++)
			if (!shadowed(c->cmd, t[i], &t[i][k]))
				print_option(stdout, &t[i][k],
					     k > 0 && t[i][k - 1].key ==
							      t[i][k].key);
	}
	printf("\nExit status: %s\nSee %s(1) and kq(7).\n", c->cmd->exits,
	       c->cmd->name);
}

/*
 * --help=options: the option tables, one tab-separated line each (name,
 * letter, argument, its name, completion values, help), then a line
 * "@operands" with the completion of the operands.
 */
static void
print_table(const struct kq_conf *c)
{
	const struct kq_option *t[3];
	size_t i, k;

	tables(c->cmd, t);
	for (i = 0; i < 3; i++) {
		for (k = 0; t[i] && t[i][k].name; k++) {
			const struct kq_option *o = &t[i][k];
			char s[2] = {o->key < KQ_LONG ? (char)o->key : 0, 0};

			if (shadowed(c->cmd, t[i], o))
				continue;
			printf("%s\t%s\t%s\t%s\t%s\t%s\n", o->name, s,
			       o->arg == KQ_NOARG ? "none"
			       : o->arg == KQ_ARG ? "required"
						  : "optional",
			       o->argname ? o->argname : "",
			       o->values ? o->values : "", o->help);
		}
	}
	if (c->cmd->operands)
		printf("@operands\t\t\t\t%s\t\n", c->cmd->operands);
}

static void
add_prop(struct kq_prop **props, size_t *n, const char *name, size_t nlen,
	 const char *value)
{
	*props = kq_erealloc(*props, (*n + 1) * sizeof(**props));
	(*props)[*n].name = strndup(name, nlen);
	(*props)[*n].value = kq_estrdup(value);
	(*props)[*n].file = NULL;
	(*props)[*n].line = 0;
	if (!(*props)[*n].name)
		kq_die(EX_OSERR, "out of memory");
	(*n)++;
}

/*
 * The option a getopt error is about, as it was written: "-t", or
 * "--topic" for a long one (getopt gives a long option's short letter,
 * or none at all, in optopt).
 */
static const char *
spelled(const struct kq_conf *c, char **argv)
{
	static char buf[64];
	const char *a = optind > 0 ? argv[optind - 1] : "";
	size_t n = strcspn(a, "="), i;
	int islong = 0;

	if (strncmp(a, "--", 2) == 0 && n > 2) {
		islong = optopt == 0 || optopt >= KQ_LONG;
		/* Or a short option in the next word, after this one. */
		for (i = 0; !islong && c->longopts[i].name; i++)
			islong =
				c->longopts[i].val == optopt &&
				strncmp(c->longopts[i].name, a + 2, n - 2) == 0;
	}
	if (islong)
		snprintf(buf, sizeof(buf), "%.*s", (int)n, a);
	else
		snprintf(buf, sizeof(buf), "-%c", optopt);
	return buf;
}

int
kq_getopt(struct kq_conf *c, int argc, char **argv)
{
	int key, longindex;

	for (;;) {
		const char *eq, *s;

		longindex = -1;
		key = getopt_long(argc, argv, c->shortopts, c->longopts,
				  &longindex);
		c->arg = optarg;
		switch (key) {
		case -1:
			return -1;
		case 'h':
			if (optarg && strcmp(optarg, "options") == 0) {
				print_table(c);
				exit(kq_fshut(stdout, "stdout"));
			}
			if (optarg)
				kq_usage(c, "--help: unknown topic '%s'",
					 optarg);
			print_help(c);
			exit(kq_fshut(stdout, "stdout"));
		case 'V':
			printf("%s %s (librdkafka %s)\n", c->cmd->name,
			       KQ_VERSION, rd_kafka_version_str());
			exit(kq_fshut(stdout, "stdout"));
		case 'q':
			c->quiet = 1;
			break;
		case 'v':
			c->verbose++;
			break;
		case ':':
			kq_usage(c, "%s needs an argument", spelled(c, argv));
		case '?':
			s = spelled(c, argv);
			if (s[1] == '-' && optopt)
				kq_usage(c, "%s takes no argument", s);
			kq_usage(c, "unknown option %s", s);
		default:
			if (!c->cmd->uses_broker)
				return key;
			switch (key) {
			case 'b':
				c->cmdline_brokers = optarg;
				break;
			case 'F':
				c->config_path = optarg;
				break;
			case 'X':
				/* The value may be a secret: never echoed. */
				eq = strchr(optarg, '=');
				if (!eq)
					kq_usage(c,
						 "-X: expected PROP=VALUE, got "
						 "'%s'",
						 optarg);
				if (eq == optarg)
					kq_usage(c, "-X: no property name "
						    "before '='");
				add_prop(&c->props, &c->nprops, optarg,
					 eq - optarg, eq + 1);
				break;
			case OPT_TIMEOUT:
				c->timeout_ms =
					kq_eduration("--timeout", optarg);
				/* librdkafka counts its timeouts in an int. */
				if (c->timeout_ms <= 0)
					kq_usage(c,
						 "--timeout must be above 0");
				if (c->timeout_ms > INT_MAX)
					kq_usage(c, "--timeout: at most %dms",
						 INT_MAX);
				break;
			default:
				return key;
			}
		}
	}
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = 0;
	return s;
}

int
kq_conf_line(char *line, struct kq_prop **props, size_t *n)
{
	char *s = trim(line), *eq, *key;

	if (!*s || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq || eq == s)
		return -1;
	*eq = 0;
	key = trim(s);
	if (!*key)
		return -1;
	add_prop(props, n, key, strlen(key), trim(eq + 1));
	return 0;
}

/* librdkafka key=value lines with # comments, into props. */
static void
read_config(const char *path, struct kq_prop **props, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int secret = 0;
	struct stat st;

	if (!f)
		kq_die(EX_NOINPUT, "%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) != -1) {
		size_t before = *n;

		lineno++;
		if (kq_conf_line(line, props, n)) {
			kq_warn("%s:%zu: expected PROP=VALUE", path, lineno);
			exit(EX_USAGE);
		}
		if (*n > before) {
			(*props)[before].file = path;
			(*props)[before].line = lineno;
		}
		if (*n > before &&
		    (strcmp((*props)[before].name, "sasl.password") == 0 ||
		     strcmp((*props)[before].name, "ssl.key.password") == 0))
			secret = 1;
	}
	if (ferror(f))
		kq_die(EX_IOERR, "%s: %s", path, strerror(errno));
	free(line);
	if (secret && fstat(fileno(f), &st) == 0 &&
	    (st.st_mode & (S_IRGRP | S_IROTH)))
		kq_warn("warning: %s holds a password and others can read it "
			"(chmod 600 %s)",
			path, path);
	fclose(f);
}

static const char *
find_prop(const struct kq_prop *p, size_t n, const char *name)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			v = p[i].value;
	return v;
}

static const char *
brokers_prop(const struct kq_prop *p, size_t n)
{
	const char *v = find_prop(p, n, "bootstrap.servers");

	return v ? v : find_prop(p, n, "metadata.broker.list");
}

const char *
kq_conf_prop(const struct kq_conf *c, const char *name)
{
	return find_prop(c->props, c->nprops, name);
}

char *
kq_conf_take(struct kq_conf *c, const char *name)
{
	char *v = NULL;
	size_t i, n = 0;

	for (i = 0; i < c->nprops; i++) {
		if (strcmp(c->props[i].name, name) != 0) {
			c->props[n++] = c->props[i];
			continue;
		}
		free(v);
		v = c->props[i].value;
		free(c->props[i].name);
	}
	c->nprops = n;
	return v;
}

void
kq_conf_finish(struct kq_conf *c)
{
	struct kq_prop *file = NULL;
	size_t nfile = 0, nx = c->nprops, i;
	const char *path = c->config_path, *env, *v;
	static char defpath[4096];

	if (!c->cmd->uses_broker)
		return;
	if (!path && (env = getenv("KQ_CONFIG")) && *env)
		path = env;
	if (path) {
		read_config(path, &file, &nfile);
	} else {
		const char *xdg = getenv("XDG_CONFIG_HOME");
		const char *home = getenv("HOME");

		if (xdg && *xdg)
			snprintf(defpath, sizeof(defpath), "%s/kq/kq.conf",
				 xdg);
		else if (home)
			snprintf(defpath, sizeof(defpath),
				 "%s/.config/kq/kq.conf", home);
		if (*defpath && access(defpath, F_OK) == 0) {
			path = defpath;
			read_config(path, &file, &nfile);
		}
	}

	/* The file's properties first, so -X overrides them. */
	if (nfile) {
		for (i = 0; i < c->nprops; i++)
			add_prop(&file, &nfile, c->props[i].name,
				 strlen(c->props[i].name), c->props[i].value);
		for (i = 0; i < c->nprops; i++) {
			free(c->props[i].name);
			free(c->props[i].value);
		}
		free(c->props);
		c->props = file;
		c->nprops = nfile;
	}

	if (c->cmdline_brokers) {
		c->brokers = c->cmdline_brokers;
		c->brokers_from = "-b";
	} else if ((v = brokers_prop(c->props + c->nprops - nx, nx))) {
		c->brokers = v;
		c->brokers_from = "-X";
	} else if ((env = getenv("KQ_BROKERS")) && *env) {
		c->brokers = env;
		c->brokers_from = "$KQ_BROKERS";
	} else if ((v = brokers_prop(c->props, c->nprops))) {
		c->brokers = v;
		c->brokers_from = path;
	} else {
		c->brokers = DEFAULT_BROKERS;
		c->brokers_from = "the default";
	}
}

void
kq_info(const struct kq_conf *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet)
		return;
	va_start(ap, fmt);
	kq_vwarn(fmt, ap);
	va_end(ap);
}

void
kq_mode_set(const struct kq_conf *c, struct kq_modes *m, int mode,
	    const char *how)
{
	if (m->mode != 0 && m->mode != mode)
		kq_usage(c, "%s and %s: choose one", m->spelling, how);
	m->mode = mode;
	m->spelling = how;
}

int
kq_mode_spelled(const struct kq_conf *c, struct kq_modes *m, int key)
{
	size_t i;

	for (i = 0; i < m->nspellings; i++)
		if (m->spellings[i].key == key) {
			kq_mode_set(c, m, m->spellings[i].mode,
				    m->spellings[i].how);
			return 1;
		}
	return 0;
}

/* The commands option key serves. */
static unsigned
modes_of(const struct kq_modes *m, int key)
{
	size_t i;

	for (i = 0; i < m->nserves; i++)
		if (m->serves[i].key == key)
			return m->serves[i].modes;
	return ~0u;
}

void
kq_mode_note(struct kq_modes *m, int key)
{
	if (modes_of(m, key) != ~0u &&
	    m->ngiven < (int)(sizeof(m->given) / sizeof(m->given[0])))
		m->given[m->ngiven++] = key;
}

/* "no command (a, b or c)" */
static KQ_NORETURN void
no_command(const struct kq_conf *c, const struct kq_modes *m)
{
	char list[512];
	size_t len = 0;
	int i;

	list[0] = 0;
	for (i = 1; i < m->n && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				i == 1		? ""
				: i == m->n - 1 ? " or "
						: ", ",
				m->names[i]);
	kq_usage(c, "no command (%s)", list);
}

void
kq_mode_word(const struct kq_conf *c, struct kq_modes *m, int *argc,
	     char ***argv)
{
	int i;

	if (m->mode != 0)
		return;
	if (*argc == 0)
		no_command(c, m);
	for (i = 1; i < m->n; i++)
		if (strcmp((*argv)[0], m->names[i]) == 0)
			m->mode = i;
	if (m->mode == 0)
		kq_usage(c, "unknown command '%s'", (*argv)[0]);
	(*argc)--;
	(*argv)++;
}

void
kq_mode_check(const struct kq_conf *c, const struct kq_modes *m)
{
	const struct kq_option *op;
	int i;

	for (i = 0; i < m->ngiven; i++) {
		if (modes_of(m, m->given[i]) & (1u << m->mode))
			continue;
		for (op = c->cmd->options; op->name && op->key != m->given[i];
		     op++)
			continue;
		kq_usage(c, "--%s does not apply to %s",
			 op->name ? op->name : "?", m->names[m->mode]);
	}
}
