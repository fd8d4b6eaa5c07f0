/*
 * kq-broker: a Kafka broker for one machine, so kq works with no Kafka at
 * all. It speaks the Kafka protocol on one port, keeps every partition's
 * record batches on disk as producers sent them, and coordinates consumer
 * groups. The work is done by the modules in broker/; this file holds the
 * options and the wiring.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "conf.h"
#include "record.h"
#include "sig.h"
#include "spec.h"

enum {
	OPT_DAEMON = KQ_LONG,
	OPT_PIDFILE,
	OPT_STOP,
	OPT_FSYNC,
	OPT_NO_AUTO_CREATE,
	OPT_MAX_CONNS,
	OPT_MAX_CONNS_IP,
	OPT_IDLE_TIMEOUT,
	OPT_REQUEST_TIMEOUT,
	OPT_MAX_REQUEST,
	OPT_MAX_MEMORY,
};

static const struct kq_option options[] = {
	{"listen", 'l', KQ_ARG, "HOST:PORT",
	 "address to listen on (default 127.0.0.1:9092; port 0: any free)",
	 NULL},
	{"data-dir", 'd', KQ_ARG, "DIR",
	 "where the data lives (default $XDG_DATA_HOME/kq/broker)", "@file"},
	{"topic", 't', KQ_ARG, "NAME[:PARTITIONS]",
	 "create a topic at start if missing (default 1 partition; "
	 "repeatable)",
	 NULL},
	{"config", 'c', KQ_ARG, "NAME=VALUE",
	 "a topic config default: retention.ms, retention.bytes, "
	 "segment.bytes, max.message.bytes",
	 NULL},
	{"partitions", 'p', KQ_ARG, "N",
	 "partitions of a topic created on first use (default 1)", NULL},
	{"no-auto-create", OPT_NO_AUTO_CREATE, KQ_NOARG, NULL,
	 "do not create topics on first use", NULL},
	{"fsync", OPT_FSYNC, KQ_ARG, "WHEN",
	 "always (before acknowledging), interval (every second; default) "
	 "or never",
	 "always interval never"},
	{"max-connections", OPT_MAX_CONNS, KQ_ARG, "N",
	 "at N connections, close the longest idle or slow one for a new one "
	 "(default 1000)",
	 NULL},
	{"max-connections-per-ip", OPT_MAX_CONNS_IP, KQ_ARG, "N",
	 "the same for the connections from one address (default: "
	 "--max-connections)",
	 NULL},
	{"idle-timeout", OPT_IDLE_TIMEOUT, KQ_ARG, "DURATION",
	 "close a connection with no traffic for this long (default 10m; "
	 "0: never)",
	 NULL},
	{"request-timeout", OPT_REQUEST_TIMEOUT, KQ_ARG, "DURATION",
	 "close a connection that takes longer to send a request or to take "
	 "an answer (default 30s; 0: never)",
	 NULL},
	{"max-request-size", OPT_MAX_REQUEST, KQ_ARG, "SIZE",
	 "close a connection that sends a larger request (default 100M)",
	 NULL},
	{"max-memory", OPT_MAX_MEMORY, KQ_ARG, "SIZE",
	 "the most that connections hold together (default 1G)",
	 NULL},
	{"daemon", OPT_DAEMON, KQ_NOARG, NULL,
	 "detach, write a pid file, print shell assignments", NULL},
	{"pidfile", OPT_PIDFILE, KQ_ARG, "FILE",
	 "the pid file of --daemon and --stop "
	 "(default $XDG_RUNTIME_DIR/kq-broker.pid)",
	 "@file"},
	{"stop", OPT_STOP, KQ_NOARG, NULL,
	 "stop the broker started with --daemon", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-broker",
	"[-l HOST:PORT] [-d DIR] [-t NAME[:PARTITIONS]]... [-c NAME=VALUE]...\n"
	"[--fsync always|interval|never] [--daemon] [--pidfile FILE]\n"
	"--stop [--pidfile FILE]",
	"Run a Kafka broker for this machine, keeping its data on disk, and "
	"print\nits address as KQ_BROKERS=HOST:PORT.",
	options,
	0,
	NULL,
};

struct topic {
	char *name;
	int partitions;
};

struct opts {
	struct kb_settings s;
	struct topic *topics;
	int ntopics;
	int daemon;
	int stop;
	const char *pidfile;
	char *data_dir;
	char *host;
};

static const char *
default_pidfile(void)
{
	static char path[4096];
	const char *dir = getenv("XDG_RUNTIME_DIR");

	if (dir && *dir)
		snprintf(path, sizeof(path), "%s/kq-broker.pid", dir);
	else
		snprintf(path, sizeof(path), "/tmp/kq-broker.%ld.pid",
			 (long)getuid());
	return path;
}

static char *
default_data_dir(const struct kq_conf *c)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char path[4096];

	if (xdg && *xdg == '/')
		snprintf(path, sizeof(path), "%s/kq/broker", xdg);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.local/share/kq/broker", home);
	else
		kq_usage(c, "no data directory: give one with -d DIR");
	return kq_estrdup(path);
}

/* The process id in pidfile, or 0 when there is none. */
static long
read_pidfile(const char *pidfile)
{
	FILE *f = fopen(pidfile, "r");
	long pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1)
		pid = 0;
	fclose(f);
	return pid;
}

/*
 * Whether process pid is a kq-broker, so that a stale pid file, whose id
 * the system has handed to another program since, never gets it killed.
 */
static int
is_broker(long pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (!(f = fopen(path, "r")))
		return kill((pid_t)pid, 0) == 0; /* no /proc: trust the file */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return strcmp(comm, "kq-broker\n") == 0;
}

static int
stop_daemon(const char *pidfile)
{
	long pid;
	int i;

	if (access(pidfile, F_OK))
		kq_die(EX_NOINPUT, "%s: %s", pidfile, strerror(errno));
	if (!(pid = read_pidfile(pidfile)))
		kq_die(EX_DATAERR, "%s: no process id in it", pidfile);
	if (!is_broker(pid) || kill((pid_t)pid, SIGTERM)) {
		unlink(pidfile);
		kq_die(EX_UNAVAILABLE,
		       "%s: process %ld is not a running kq-broker (the stale "
		       "pid file is removed)",
		       pidfile, pid);
	}
	/* Wait for it, so a script may start another at once. */
	for (i = 0; i < 600 && kill((pid_t)pid, 0) == 0; i++)
		usleep(50000);
	if (kill((pid_t)pid, 0) == 0)
		kq_die(EX_TEMPFAIL, "process %ld still runs 30s after SIGTERM",
		       pid);
	/* It removes the file itself, unless it was killed. */
	if (read_pidfile(pidfile) == pid)
		unlink(pidfile);
	return EX_OK;
}

/* Write our process id to pidfile, whole or not at all. */
static int
write_pidfile(const char *pidfile)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.%ld", pidfile, (long)getpid());
	if (!(f = fopen(tmp, "w")))
		return -1;
	if (fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) ||
	    rename(tmp, pidfile)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Fork; the parent waits for the child's first lines and prints them.
 * Returns the parent's status, or -1 in the child.
 */
static int
daemonize(int *report)
{
	int fds[2];
	pid_t pid;
	char line[512];
	ssize_t n, got = 0;

	if (pipe(fds))
		kq_die(EX_OSERR, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		kq_die(EX_OSERR, "fork: %s", strerror(errno));
	if (pid > 0) {
		close(fds[1]);
		while ((n = read(fds[0], line + got,
				 sizeof(line) - 1 - (size_t)got)) > 0)
			got += n;
		if (got == 0) {
			int st;

			/* The child said why on stderr; its status is ours. */
			if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
				return EX_SOFTWARE;
			return WEXITSTATUS(st) ? WEXITSTATUS(st) : EX_SOFTWARE;
		}
		line[got] = 0;
		printf("%s", line);
		return kq_fshut(stdout, "stdout");
	}
	close(fds[0]);
	setsid();
	*report = fds[1];
	return -1;
}

static void
parse_topic(const struct kq_conf *c, const char *arg, struct topic *t)
{
	const char *colon = strrchr(arg, ':');

	t->partitions = 1;
	if (colon) {
		t->partitions = (int)kq_eint("--topic", colon + 1, 1, 10000);
		t->name = strndup(arg, (size_t)(colon - arg));
	} else {
		t->name = kq_estrdup(arg);
	}
	if (!t->name || !*t->name)
		kq_usage(c, "--topic: no name in '%s'", arg);
	if (kb_topic_name_bad(t->name))
		kq_usage(c, "--topic: '%s': %s", t->name,
			 kb_topic_name_bad(t->name));
}

/* "100M", "64k", "1G", "4096": bytes. */
static size_t
parse_size(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end != s && *end && !end[1]) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: shift = -1;
		}
		end++;
	}
	if (end == s || *end || shift < 0 || errno || v == 0 ||
	    v > (1ULL << 40) >> shift)
		kq_die(EX_USAGE, "%s: '%s' is not a size (bytes, or N with k, "
				 "M or G)",
		       opt, s);
	return (size_t)(v << shift);
}

static void
parse_listen(const struct kq_conf *c, struct opts *o, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	const char *h = arg;
	size_t hl;

	if (!colon)
		kq_usage(c, "--listen: expected HOST:PORT, not '%s'", arg);
	hl = (size_t)(colon - arg);
	/* [::1]:9092 */
	if (hl >= 2 && arg[0] == '[' && arg[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	free(o->host);
	o->host = strndup(h, hl);
	o->s.listen_host = o->host;
	o->s.listen_port = (int)kq_eint("--listen", colon + 1, 0, 65535);
}

static void
parse_config(struct opts *o, const char *arg)
{
	char *copy = kq_estrdup(arg), *eq = strchr(copy, '=');
	const char *why;

	if (!eq || eq == copy)
		kq_die(EX_USAGE, "--config: expected NAME=VALUE, not '%s'", arg);
	*eq = 0;
	if (kb_cfg_parse(&o->s.defaults, NULL, copy, eq + 1, &why))
		kq_die(EX_USAGE, "--config: %s: %s", copy, why);
	free(copy);
}

static void
free_opts(struct opts *o)
{
	int i;

	for (i = 0; i < o->ntopics; i++)
		free(o->topics[i].name);
	free(o->topics);
	free(o->data_dir);
	free(o->host);
}

/* Send stderr to a log file in the data directory (--daemon). */
static void
detach(const struct opts *o, int verbose)
{
	char path[4096];
	int fd = open("/dev/null", O_RDWR), log;

	snprintf(path, sizeof(path), "%s/kq-broker.log", o->data_dir);
	log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	dup2(fd, 0);
	dup2(fd, 1);
	if (log >= 0) {
		dup2(log, 2);
		close(log);
	} else if (!verbose) {
		dup2(fd, 2);
	}
	close(fd);
}

int
main(int argc, char **argv)
{
	struct kq_conf c;
	struct opts o;
	struct kb_broker b;
	char err[1024], line[512];
	int key, i, report = -1, status;

	memset(&o, 0, sizeof(o));
	o.s.listen_host = "127.0.0.1";
	o.s.listen_port = 9092;
	o.s.fsync = KB_FSYNC_INTERVAL;
	o.s.auto_create = 1;
	o.s.auto_partitions = 1;
	o.s.max_conns = 1000;
	o.s.idle_ms = 600000;	 /* Kafka's connections.max.idle.ms */
	o.s.request_ms = 30000; /* and request.timeout.ms */
	o.s.max_request = 100 << 20;
	o.s.max_memory = 1 << 30;
	o.s.defaults = (struct kb_logconf){
		.segment_bytes = 64 << 20,
		.retention_bytes = -1,
		.retention_ms = -1,
		.max_message_bytes = 1048588, /* Kafka's default */
	};
	kq_conf_init(&c, &cmd, argv);
	while ((key = kq_getopt(&c, argc, argv)) != -1) {
		switch (key) {
		case 'l':
			parse_listen(&c, &o, c.arg);
			break;
		case 'd':
			free(o.data_dir);
			o.data_dir = kq_estrdup(c.arg);
			break;
		case 't':
			o.topics = kq_erealloc(o.topics, (size_t)(o.ntopics + 1) *
								 sizeof(*o.topics));
			parse_topic(&c, c.arg, &o.topics[o.ntopics++]);
			break;
		case 'c':
			parse_config(&o, c.arg);
			break;
		case 'p':
			o.s.auto_partitions =
				(int)kq_eint("--partitions", c.arg, 1, 10000);
			break;
		case OPT_NO_AUTO_CREATE:
			o.s.auto_create = 0;
			break;
		case OPT_FSYNC:
			if (!strcmp(c.arg, "always"))
				o.s.fsync = KB_FSYNC_ALWAYS;
			else if (!strcmp(c.arg, "interval"))
				o.s.fsync = KB_FSYNC_INTERVAL;
			else if (!strcmp(c.arg, "never"))
				o.s.fsync = KB_FSYNC_NEVER;
			else
				kq_usage(&c,
					 "--fsync: '%s': expected always, "
					 "interval or never",
					 c.arg);
			break;
		case OPT_MAX_CONNS:
			o.s.max_conns = (int)kq_eint("--max-connections", c.arg,
						     1, 1000000);
			break;
		case OPT_MAX_CONNS_IP:
			o.s.max_conns_ip = (int)kq_eint(
				"--max-connections-per-ip", c.arg, 1, 1000000);
			break;
		case OPT_IDLE_TIMEOUT:
			o.s.idle_ms = kq_eduration("--idle-timeout", c.arg);
			break;
		case OPT_REQUEST_TIMEOUT:
			o.s.request_ms = kq_eduration("--request-timeout", c.arg);
			break;
		case OPT_MAX_REQUEST:
			o.s.max_request = parse_size("--max-request-size", c.arg);
			break;
		case OPT_MAX_MEMORY:
			o.s.max_memory = parse_size("--max-memory", c.arg);
			break;
		case OPT_DAEMON:
			o.daemon = 1;
			break;
		case OPT_PIDFILE:
			o.pidfile = c.arg;
			break;
		case OPT_STOP:
			o.stop = 1;
			break;
		default:
			kq_usage(&c, NULL);
		}
	}
	if (optind < argc)
		kq_usage(&c, "unexpected argument '%s'", argv[optind]);
	if (!o.pidfile)
		o.pidfile = default_pidfile();
	if (o.stop) {
		status = stop_daemon(o.pidfile);
		free_opts(&o);
		kq_conf_free(&c);
		return status;
	}
	if (!o.data_dir)
		o.data_dir = default_data_dir(&c);
	o.s.data_dir = o.data_dir;
	o.s.verbose = c.verbose;
	o.s.quiet = c.quiet;

	if (o.daemon && (status = daemonize(&report)) >= 0) {
		free_opts(&o);
		kq_conf_free(&c);
		return status;
	}
	kq_sig_install();

	status = kb_broker_open(&b, &o.s, err, sizeof(err));
	for (i = 0; !status && i < o.ntopics; i++)
		status = kb_broker_topic(&b, o.topics[i].name,
					 o.topics[i].partitions, err,
					 sizeof(err));
	if (status) {
		kq_warn("%s", err);
		goto out;
	}
	if (o.daemon) {
		if (write_pidfile(o.pidfile)) {
			kq_warn("%s: %s", o.pidfile, strerror(errno));
			status = EX_CANTCREAT;
			goto out;
		}
		snprintf(line, sizeof(line),
			 "KQ_BROKERS=%s:%d; export KQ_BROKERS\n"
			 "KQ_BROKER_PID=%ld\n",
			 b.host, b.port, (long)getpid());
		detach(&o, c.verbose);
		if (write(report, line, strlen(line)) < 0)
			status = EX_IOERR;
		close(report);
		report = -1;
	} else {
		printf("KQ_BROKERS=%s:%d\n", b.host, b.port);
		if (fflush(stdout)) {
			status = EX_IOERR;
			goto out;
		}
	}
	kb_note(&b, "listening on %s:%d, data in %s (%d topic%s), fsync %s",
		b.host, b.port, o.data_dir, b.topics.n,
		b.topics.n == 1 ? "" : "s",
		o.s.fsync == KB_FSYNC_ALWAYS	? "always"
		: o.s.fsync == KB_FSYNC_NEVER ? "never"
					      : "every second");
	kb_broker_run(&b, &kq_stop);
	kb_note(&b, "stopping (%s)", kq_stop == SIGINT ? "SIGINT" : "SIGTERM");

out:
	kb_broker_close(&b);
	/* Another broker may have written the file since: only ours goes. */
	if (o.daemon && status == EX_OK && read_pidfile(o.pidfile) == getpid())
		unlink(o.pidfile);
	if (report >= 0)
		close(report);
	free_opts(&o);
	kq_conf_free(&c);
	return status;
}
