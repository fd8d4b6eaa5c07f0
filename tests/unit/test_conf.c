/*
 * The option table and kq_getopt, --help made from it, the config file,
 * the order brokers are found in, the warning about a password file
 * others can read, and the command of a program that has several.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"

enum { OPT_LONGONLY = KQ_LONG };

static const struct kq_option options[] = {
	{"topic", 't', KQ_ARG, "TOPIC", "topic to use", "@topic"},
	{"count", 'c', KQ_ARG, "N", "stop after N", NULL},
	{"null", '0', KQ_NOARG, NULL, "records end at NUL", NULL},
	{"long-only", OPT_LONGONLY, KQ_NOARG, NULL, "an option with no letter",
	 "a b"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-test",
	"-t TOPIC [FILE...]",
	"Test the option table.",
	options,
	1,
	"@file",
	"0 ok.",
};

static const struct kq_command local = {
	"kq-local", "[FILE...]", "No broker.", options, 0, NULL, "0 ok.",
};

/* A program's own --config, as kq-topic has it, and -F by another name. */
static const struct kq_option shadow_options[] = {
	{"config", 'c', KQ_ARG, "NAME=VALUE", "a topic config", NULL},
	{"command-config", 'F', KQ_ARG, "FILE", "the config file", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command shadow = {
	"kq-shadow", "", "Shadows --config.", shadow_options, 1, NULL, "0 ok.",
};

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kq-test-conf.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	/* Nothing of the tester's own may leak in. */
	unsetenv("KQ_BROKERS");
	unsetenv("KQ_CONFIG");
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("HOME", tmpdir, 1);
	return 0;
}

static int
teardown(void **state)
{
	char cmdline[128];

	(void)state;
	snprintf(cmdline, sizeof(cmdline), "rm -rf %s", tmpdir);
	return system(cmdline);
}

/* argv from a NULL-terminated list of words. */
#define ARGV(...) ((char *[]){"kq-test", __VA_ARGS__, NULL})
static int
argc_of(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

/*
 * Parse argv; the keys returned, as a string of letters ('L' long-only),
 * and the argument of the last option that had one.
 */
static const char *last_arg;

static void
parse(struct kq_conf *c, const struct kq_command *k, char **argv, char *keys)
{
	int key, n = 0;

	kq_conf_init(c, k, argv);
	last_arg = NULL;
	while ((key = kq_getopt(c, argc_of(argv), argv)) != -1) {
		keys[n++] = key == OPT_LONGONLY ? 'L' : (char)key;
		if (c->arg)
			last_arg = c->arg;
	}
	keys[n] = 0;
}

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/*
 * Run fn(arg) in a child with stdout and stderr in pipes: its exit
 * status, and what it wrote to each.
 */
struct run {
	int status;
	char out[8192];
	char err[2048];
};

static void
drain(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
}

static void
run_child(void (*fn)(void *), void *arg, struct run *r)
{
	int out[2], err[2], st;
	pid_t pid;

	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		fn(arg);
		fflush(NULL);
		_exit(0);
	}
	close(out[1]);
	close(err[1]);
	/* Small outputs: the pipes hold them until the child is done. */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	drain(out[0], r->out, sizeof(r->out));
	drain(err[0], r->err, sizeof(r->err));
	assert_true(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
}

static void
parse_argv(void *arg)
{
	struct kq_conf c;
	char keys[64];

	parse(&c, &cmd, arg, keys);
	kq_conf_finish(&c);
	printf("keys=%s\n", keys);
}

static void
parse_local(void *arg)
{
	struct kq_conf c;
	char keys[64];

	parse(&c, &local, arg, keys);
	printf("keys=%s\n", keys);
}

static void
program_options(void **state)
{
	struct kq_conf c;
	char keys[64];
	char **argv = ARGV("-t", "foo", "--count=5", "-0", "--long-only",
			   "file1", "--topic", "bar", "file2");

	(void)state;
	parse(&c, &cmd, argv, keys);
	assert_string_equal(keys, "tc0Lt");
	assert_string_equal(last_arg, "bar");
	/* Operands are moved after the options, in order. */
	assert_int_equal(argc_of(argv) - optind, 2);
	assert_string_equal(argv[optind], "file1");
	assert_string_equal(argv[optind + 1], "file2");
	kq_conf_free(&c);
}

static void
common_options(void **state)
{
	struct kq_conf c;
	char keys[64];

	(void)state;
	parse(&c, &cmd,
	      ARGV("-q", "-vv", "-b", "h1:9092", "-X", "linger.ms=5",
		   "--property", "acks=all", "--timeout", "1.5s", "-t", "x"),
	      keys);
	/* Handled inside: only the program's own come back. */
	assert_string_equal(keys, "t");
	assert_int_equal(c.quiet, 1);
	assert_int_equal(c.verbose, 2);
	assert_int_equal(c.timeout_ms, 1500);
	assert_int_equal(c.nprops, 2);
	assert_string_equal(kq_conf_prop(&c, "linger.ms"), "5");
	assert_string_equal(kq_conf_prop(&c, "acks"), "all");
	assert_null(kq_conf_prop(&c, "nope"));
	kq_conf_finish(&c);
	assert_string_equal(c.brokers, "h1:9092");
	assert_string_equal(c.brokers_from, "-b");
	kq_conf_free(&c);

	parse(&c, &cmd, ARGV("--bootstrap-server", "h2:9092"), keys);
	kq_conf_finish(&c);
	assert_string_equal(c.brokers, "h2:9092");
	assert_int_equal(c.timeout_ms, 10000);
	kq_conf_free(&c);
}

static void
usage_errors(void **state)
{
	const struct {
		char **argv;
		const char *msg;
	} cases[] = {
		{ARGV("-z"), "kq-test: unknown option -z\n"},
		{ARGV("--nope"), "kq-test: unknown option --nope\n"},
		{ARGV("-t"), "kq-test: -t needs an argument\n"},
		{ARGV("--topic"), "kq-test: --topic needs an argument\n"},
		{ARGV("--timeout"), "kq-test: --timeout needs an argument\n"},
		{ARGV("--long-only=x"),
		 "kq-test: --long-only takes no argument\n"},
		{ARGV("--null=x"), "kq-test: --null takes no argument\n"},
		{ARGV("--top"), "kq-test: --top needs an argument\n"},
		{ARGV("-0z"), "kq-test: unknown option -z\n"},
		{ARGV("--null", "-z"), "kq-test: unknown option -z\n"},
		{ARGV("--null", "-0z"), "kq-test: unknown option -z\n"},
		{ARGV("--topic=x", "-c"), "kq-test: -c needs an argument\n"},
		{ARGV("-X", "novalue"),
		 "kq-test: -X: expected PROP=VALUE, got 'novalue'\n"},
		{ARGV("-X", "=v"),
		 "kq-test: -X: no property name before '='\n"},
		{ARGV("--timeout", "0"),
		 "kq-test: --timeout must be above 0\n"},
		{ARGV("--timeout", "soon"), "kq-test: --timeout: "},
		{ARGV("--help=nothing"), "kq-test: --help: unknown topic "},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		run_child(parse_argv, cases[i].argv, &r);
		if (strncmp(r.err, cases[i].msg, strlen(cases[i].msg)))
			print_error("%s: %s", cases[i].argv[1], r.err);
		assert_int_equal(r.status, EX_USAGE);
		/* The message, then the synopsis and the hint. */
		assert_true(strncmp(r.err, cases[i].msg,
				    strlen(cases[i].msg)) == 0);
		if (strncmp(cases[i].argv[1], "--timeout", 9) == 0 &&
		    cases[i].argv[2])
			continue; /* a bad value: one line, as kq_eduration */
		assert_non_null(strstr(r.err,
				       "usage: kq-test -t TOPIC [FILE...]\n"
				       "Try 'kq-test --help' for more.\n"));
		assert_string_equal(r.out, "");
	}
}

static void
no_broker_options_without_a_broker(void **state)
{
	struct run r;

	(void)state;
	run_child(parse_local, ARGV("-b", "h:1"), &r);
	assert_int_equal(r.status, EX_USAGE);
	run_child(parse_local, ARGV("--timeout", "1s"), &r);
	assert_int_equal(r.status, EX_USAGE);
	run_child(parse_local, ARGV("-q", "-t", "x"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "keys=t\n");
}

static void
help_from_the_table(void **state)
{
	struct run r;

	(void)state;
	run_child(parse_argv, ARGV("-c", "1", "--help"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_true(strncmp(r.out,
			    "usage: kq-test -t TOPIC [FILE...]\n"
			    "Test the option table.\n\nOptions:\n",
			    60) == 0);
	assert_non_null(strstr(r.out, "  -t, --topic=TOPIC           topic to "
				      "use\n"));
	assert_non_null(strstr(r.out, "      --long-only             an option "
				      "with no letter\n"));
	assert_non_null(strstr(r.out, "\nBroker options:\n"));
	assert_non_null(strstr(r.out, "  -X, --property=PROP=VALUE"));
	assert_non_null(strstr(r.out, "      --timeout=DURATION"));
	assert_non_null(strstr(r.out, "\nGeneral options:\n"));
	assert_non_null(strstr(r.out, "  -h, --help  "));
	assert_non_null(strstr(r.out, "See kq-test(1) and kq(7).\n"));

	/* No line is wider than 80 columns. */
	{
		const char *p = r.out, *nl;

		for (; (nl = strchr(p, '\n')); p = nl + 1)
			assert_true(nl - p <= 80 ||
				    strncmp(p, "usage:", 6) == 0 ||
				    strncmp(p, "      ", 6) == 0);
	}
}

static void
help_table_for_completions(void **state)
{
	struct run r;

	(void)state;
	run_child(parse_argv, ARGV("--help=options"), &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "topic\tt\trequired\tTOPIC\t@topic\t"
				      "topic to use\n"));
	assert_non_null(strstr(r.out, "long-only\t\tnone\t\ta b\t"
				      "an option with no letter\n"));
	assert_non_null(strstr(r.out, "\nconfig\tF\trequired\tFILE\t@file\t"));
	assert_non_null(strstr(r.out, "\n@operands\t\t\t\t@file\t\n"));

	run_child(parse_local, ARGV("--help=options"), &r);
	assert_null(strstr(r.out, "brokers\t"));
	assert_non_null(strstr(r.out, "verbose\tv\tnone\t"));
}

static void
shadow_argv(void *arg)
{
	struct kq_conf c;
	int key;
	char **argv = arg;

	kq_conf_init(&c, &shadow, argv);
	while ((key = kq_getopt(&c, argc_of(argv), argv)) != -1)
		printf("%c=%s\n", key, c.arg);
	printf("file=%s\n", c.config_path ? c.config_path : "-");
}

/* A program's own --config wins over -F's long name, in --help too. */
static void
own_option_shadows_common(void **state)
{
	struct run r;

	(void)state;
	run_child(shadow_argv,
		  ((char *[]){"kq-shadow", "--config", "a=b", "-F", "f.conf",
			      NULL}),
		  &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "c=a=b\nfile=f.conf\n");
	run_child(shadow_argv,
		  ((char *[]){"kq-shadow", "--command-config", "g.conf", NULL}),
		  &r);
	assert_string_equal(r.out, "file=g.conf\n");

	run_child(shadow_argv, ((char *[]){"kq-shadow", "--help", NULL}), &r);
	assert_non_null(strstr(r.out, "  -c, --config=NAME=VALUE"));
	assert_null(strstr(r.out, "--config=FILE"));
	run_child(shadow_argv,
		  ((char *[]){"kq-shadow", "--help=options", NULL}), &r);
	assert_non_null(strstr(r.out, "config\tc\trequired\tNAME=VALUE"));
	assert_null(strstr(r.out, "\nconfig\tF\t"));
}

static void
version(void **state)
{
	struct run r;

	(void)state;
	run_child(parse_argv, ARGV("-V"), &r);
	assert_int_equal(r.status, 0);
	assert_true(strncmp(r.out, "kq-test ", 8) == 0);
	assert_non_null(strstr(r.out, "(librdkafka "));
}

static void
config_file(void **state)
{
	struct kq_conf c;
	char keys[64];
	char *path = write_file("a.conf",
				"# a comment\n"
				"\n"
				"  linger.ms = 7  \n"
				"client.id=from-file\n"
				"\tacks=1\r\n"
				"bootstrap.servers=file:9092\n",
				0600);

	(void)state;
	parse(&c, &cmd, ARGV("-F", path, "-X", "acks=all"), keys);
	kq_conf_finish(&c);
	/* The file's first, then -X, which wins. */
	assert_string_equal(kq_conf_prop(&c, "linger.ms"), "7");
	assert_string_equal(kq_conf_prop(&c, "client.id"), "from-file");
	assert_string_equal(kq_conf_prop(&c, "acks"), "all");
	assert_string_equal(c.props[0].name, "linger.ms");
	assert_string_equal(c.props[c.nprops - 1].name, "acks");
	assert_string_equal(c.props[c.nprops - 1].value, "all");
	assert_string_equal(c.brokers, "file:9092");
	assert_string_equal(c.brokers_from, path);
	kq_conf_free(&c);
}

static void
finish_argv(void *arg)
{
	struct kq_conf c;
	char keys[64];

	parse(&c, &cmd, arg, keys);
	kq_conf_finish(&c);
	printf("%s from %s\n", c.brokers, c.brokers_from);
}

static void
bad_config_files(void **state)
{
	struct run r;
	char *path;

	(void)state;
	path = write_file("bad.conf", "linger.ms=1\nthis is no property\n",
			  0600);
	run_child(finish_argv, ARGV("-F", path), &r);
	assert_int_equal(r.status, EX_USAGE);
	assert_non_null(strstr(r.err, "bad.conf:2: expected PROP=VALUE\n"));

	run_child(finish_argv, ARGV("-F", "/nonexistent/kq.conf"), &r);
	assert_int_equal(r.status, EX_NOINPUT);
	assert_string_equal(r.err, "kq-test: /nonexistent/kq.conf: No such "
				   "file or directory\n");

	setenv("KQ_CONFIG", "/nonexistent/env.conf", 1);
	run_child(finish_argv, ARGV("-t", "x"), &r);
	unsetenv("KQ_CONFIG");
	assert_int_equal(r.status, EX_NOINPUT);
	assert_non_null(strstr(r.err, "/nonexistent/env.conf"));
}

/* -b, then -X bootstrap.servers, $KQ_BROKERS, the file, the default. */
static void
broker_discovery_order(void **state)
{
	struct run r;
	char *path, env[300];

	(void)state;
	path = write_file("b.conf", "bootstrap.servers=file:1\n", 0600);
	snprintf(env, sizeof(env), "%s", path);
	setenv("KQ_BROKERS", "env:1", 1);
	run_child(finish_argv,
		  ARGV("-F", env, "-X", "bootstrap.servers=x:1", "-b", "b:1"),
		  &r);
	assert_string_equal(r.out, "b:1 from -b\n");
	run_child(finish_argv, ARGV("-F", env, "-X", "bootstrap.servers=x:1"),
		  &r);
	assert_string_equal(r.out, "x:1 from -X\n");
	run_child(finish_argv,
		  ARGV("-F", env, "-X", "metadata.broker.list=m:1"), &r);
	assert_string_equal(r.out, "m:1 from -X\n");
	run_child(finish_argv, ARGV("-F", env), &r);
	assert_string_equal(r.out, "env:1 from $KQ_BROKERS\n");
	setenv("KQ_BROKERS", "", 1);
	run_child(finish_argv, ARGV("-F", env), &r);
	unsetenv("KQ_BROKERS");
	assert_true(strncmp(r.out, "file:1 from /", 13) == 0);
	run_child(finish_argv, ARGV("-t", "x"), &r);
	assert_string_equal(r.out, "localhost:9092 from the default\n");
}

static void
config_file_places(void **state)
{
	struct run r;
	char dir[300], path[320];

	(void)state;
	/* $KQ_CONFIG when there is no -F. */
	setenv("KQ_CONFIG",
	       write_file("env.conf", "bootstrap.servers=envfile:1\n", 0600),
	       1);
	run_child(finish_argv, ARGV("-t", "x"), &r);
	assert_true(strncmp(r.out, "envfile:1 from ", 15) == 0);
	unsetenv("KQ_CONFIG");

	/* Else $XDG_CONFIG_HOME/kq/kq.conf. */
	snprintf(dir, sizeof(dir), "%s/kq", tmpdir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/kq.conf", dir);
	write_file("kq/kq.conf", "bootstrap.servers=xdg:1\n", 0600);
	run_child(finish_argv, ARGV("-t", "x"), &r);
	assert_true(strncmp(r.out, "xdg:1 from ", 11) == 0);
	assert_non_null(strstr(r.out, "/kq/kq.conf\n"));

	/* Else ~/.config/kq/kq.conf. */
	unsetenv("XDG_CONFIG_HOME");
	snprintf(dir, sizeof(dir), "%s/.config", tmpdir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/.config/kq", tmpdir);
	mkdir(dir, 0700);
	write_file(".config/kq/kq.conf", "bootstrap.servers=home:1\n", 0600);
	run_child(finish_argv, ARGV("-t", "x"), &r);
	assert_true(strncmp(r.out, "home:1 from ", 12) == 0);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	unlink(path);
}

static void
password_warning(void **state)
{
	struct run r;
	char *path;

	(void)state;
	path = write_file("secret.conf", "sasl.password=hunter2\n", 0644);
	run_child(finish_argv, ARGV("-F", path), &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "holds a password and others can read "
				      "it (chmod 600 "));
	assert_true(strncmp(r.err, "kq-test: warning: ", 18) == 0);
	/* One line. */
	assert_int_equal(strchr(r.err, '\n') - r.err + 1, strlen(r.err));

	path = write_file("secret.conf", "ssl.key.password=x\n", 0640);
	run_child(finish_argv, ARGV("-F", path), &r);
	assert_non_null(strstr(r.err, "holds a password"));

	path = write_file("secret.conf", "sasl.password=hunter2\n", 0600);
	run_child(finish_argv, ARGV("-F", path), &r);
	assert_string_equal(r.err, "");

	path = write_file("open.conf", "linger.ms=1\n", 0644);
	run_child(finish_argv, ARGV("-F", path), &r);
	assert_string_equal(r.err, "");
}

static void
info_argv(void *arg)
{
	struct kq_conf c;
	char keys[64];

	parse(&c, &cmd, arg, keys);
	kq_info(&c, "a note, %d", 1);
}

static void
info_unless_quiet(void **state)
{
	struct run r;

	(void)state;
	run_child(info_argv, ARGV("-t", "x"), &r);
	assert_string_equal(r.err, "kq-test: a note, 1\n");
	run_child(info_argv, ARGV("-q"), &r);
	assert_string_equal(r.err, "");
}

/*
 * A program of several commands: names[1..) are the words; --long-only
 * chooses create and --count list, as a Kafka tool's spelling would;
 * -0 serves create alone.
 */
enum { NO_MODE, MODE_LIST, MODE_CREATE, MODE_DELETE };

static const char *const mode_names[] = {"", "list", "create", "delete"};

static const struct kq_serves mode_serves[] = {
	{'0', 1u << MODE_CREATE},
};

static const struct kq_spelling mode_spellings[] = {
	{OPT_LONGONLY, MODE_CREATE, "--long-only"},
	{'c', MODE_LIST, "--count"},
};

static void
modes_argv(void *arg)
{
	struct kq_modes m = {.names = mode_names,
			     .n = 4,
			     .serves = mode_serves,
			     .nserves = 1,
			     .spellings = mode_spellings,
			     .nspellings = 2};
	struct kq_conf c;
	char **argv = arg;
	int argc = argc_of(argv), key, spelled = 0;

	kq_conf_init(&c, &cmd, argv);
	while ((key = kq_getopt(&c, argc, argv)) != -1) {
		kq_mode_note(&m, key);
		spelled += kq_mode_spelled(&c, &m, key);
	}
	if (spelled)
		printf("%d spelled, ", spelled);
	argc -= optind;
	argv += optind;
	kq_mode_word(&c, &m, &argc, &argv);
	kq_mode_check(&c, &m);
	printf("%s, %d left%s%s\n", mode_names[m.mode], argc, argc ? ": " : "",
	       argc ? argv[0] : "");
}

static void
modes(void **state)
{
	struct run r;

	(void)state;
	run_child(modes_argv, ARGV("create", "-0", "x"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "create, 1 left: x\n");
	/* An option chose it: the first operand is no command word. */
	run_child(modes_argv, ARGV("--long-only", "--long-only", "x"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "2 spelled, create, 1 left: x\n");
	run_child(modes_argv, ARGV("-c", "5", "delete"), &r);
	assert_string_equal(r.out, "1 spelled, list, 1 left: delete\n");
	run_child(modes_argv, ARGV("delete"), &r);
	assert_string_equal(r.out, "delete, 0 left\n");
}

/* The first line a usage error in argv gives. */
static const char *
mode_error(char **argv)
{
	static struct run r;

	run_child(modes_argv, argv, &r);
	assert_int_equal(r.status, 64);
	*strchrnul(r.err, '\n') = 0;
	return r.err;
}

static void
mode_errors(void **state)
{
	(void)state;
	assert_string_equal(mode_error(ARGV("-t", "x")),
			    "kq-test: no command (list, create or delete)");
	assert_string_equal(mode_error(ARGV("frob", "x")),
			    "kq-test: unknown command 'frob'");
	assert_string_equal(mode_error(ARGV("--long-only", "-c", "1")),
			    "kq-test: --long-only and --count: choose one");
	assert_string_equal(mode_error(ARGV("list", "-0")),
			    "kq-test: --null does not apply to list");
	assert_string_equal(mode_error(ARGV("-0", "-c", "1")),
			    "kq-test: --null does not apply to list");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(program_options),
		cmocka_unit_test(common_options),
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(no_broker_options_without_a_broker),
		cmocka_unit_test(help_from_the_table),
		cmocka_unit_test(help_table_for_completions),
		cmocka_unit_test(own_option_shadows_common),
		cmocka_unit_test(version),
		cmocka_unit_test(config_file),
		cmocka_unit_test(bad_config_files),
		cmocka_unit_test(broker_discovery_order),
		cmocka_unit_test(config_file_places),
		cmocka_unit_test(password_warning),
		cmocka_unit_test(info_unless_quiet),
		cmocka_unit_test(modes),
		cmocka_unit_test(mode_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
