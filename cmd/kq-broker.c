/*
 * kq-broker: a Kafka broker for one machine, so kq works with no Kafka at
 * all. It speaks the Kafka protocol on one port, keeps every partition's
 * record batches on disk as producers sent them, and coordinates consumer
 * groups. The work is done by the modules in broker/; this file holds the
 * options and the wiring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
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
	 "close a connection that sends a larger request (default 100M)", NULL},
	{"max-memory", OPT_MAX_MEMORY, KQ_ARG, "SIZE",
	 "the most that connections hold together (default 1G)", NULL},
	{"daemon", OPT_DAEMON, KQ_NOARG, NULL,
	 "detach, write a pid file, print shell assignments", NULL},
	{"pidfile", OPT_PIDFILE, KQ_ARG, "FILE",
	 "the pid file of --daemon and --stop "
	 "(default DIR/kq-broker.pid)",
	 "@file"},
	{"stop", OPT_STOP, KQ_NOARG, NULL,
	 "stop the broker started with --daemon", NULL},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct kq_command cmd = {
	"kq-broker",
	"[-l HOST:PORT] [-d DIR] [-t NAME[:PARTITIONS]]... [-c NAME=VALUE]...\n"
	"[--fsync always|interval|never] [--daemon] [--pidfile FILE]\n"
	"--stop [-d DIR] [--pidfile FILE]",
	"Run a Kafka broker for this machine, keeping its data on disk, and "
	"print\nits address as KQ_BROKERS=HOST:PORT.",
	options,
	0,
	NULL,
	"0 stopped, 64 usage, 65 bad pid file, 66 no pid file,\n"
	"69 cannot listen or no broker to stop, 73 cannot make the data "
	"directory,\n74 data directory I/O error, 75 data directory in use "
	"or still running,\n78 not kq-broker's data directory,\n"
	"130 SIGINT, 143 SIGTERM while stopping.",
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

/*
 * The pid file is kq-broker's own: created without following a symbolic
 * link, and locked (fcntl) for as long as the broker runs. --stop signals
 * only the process that holds that lock, so a stale file, or a process
 * that got the id of a broker gone since, is never signalled.
 */
static int
pidfile_lock(int fd, short type, pid_t *holder)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET};

	if (holder) {
		if (fcntl(fd, F_GETLK, &fl))
			return -1;
		*holder = fl.l_type == F_UNLCK ? 0 : fl.l_pid;
		return 0;
	}
	return fcntl(fd, F_SETLK, &fl);
}

/* The process id written in the file, or 0; *whole: nothing else in it. */
static long
pidfile_read(int fd, int *whole)
{
	char buf[32], *end;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	buf[n > 0 ? n : 0] = 0;
	errno = 0;
	pid = strtol(buf, &end, 10);
	*whole = end != buf && (!strcmp(end, "\n") || !*end);
	return errno || end == buf || pid <= 1 ? 0 : pid;
}

static int
stop_daemon(const char *pidfile)
{
	pid_t holder;
	long pid;
	int fd, whole, i;

	fd = open(pidfile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		kq_die(EX_NOINPUT, "%s: %s", pidfile,
		       errno == ELOOP ? "a symbolic link, not followed"
				      : strerror(errno));
	if (!(pid = pidfile_read(fd, &whole)))
		kq_die(EX_DATAERR, "%s: no process id in it", pidfile);
	if (pidfile_lock(fd, F_WRLCK, &holder))
		kq_die(EX_OSERR, "%s: %s", pidfile, strerror(errno));
	if (!holder) {
		/* Only a file as a broker writes it goes. */
		if (whole)
			unlink(pidfile);
		kq_die(EX_UNAVAILABLE,
		       "%s: stale: no running kq-broker holds it, process %ld "
		       "is not signalled%s",
		       pidfile, pid, whole ? " (the file is removed)" : "");
	}
	if (holder != pid)
		kq_die(EX_UNAVAILABLE,
		       "%s: names process %ld, but process %ld holds it: "
		       "nothing signalled",
		       pidfile, pid, (long)holder);
	if (kill(holder, SIGTERM))
		kq_die(EX_UNAVAILABLE, "process %ld: %s", pid, strerror(errno));
	/* Wait for it, so a script may start another at once. */
	for (i = 0; i < 600; i++) {
		if ((pidfile_lock(fd, F_WRLCK, &holder) || holder != pid) &&
		    kill((pid_t)pid, 0))
			break;
		usleep(50000);
	}
	close(fd);
	if (i == 600)
		kq_die(EX_TEMPFAIL, "process %ld still runs 30s after SIGTERM",
		       pid);
	return EX_OK;
}

/*
 * Create and lock the pid file, and write our process id in it; the
 * descriptor stays open, holding the lock, until the broker ends.
 */
static int
pidfile_write(const char *pidfile, char *err, size_t errsize)
{
	char line[32];
	struct stat st;
	pid_t holder;
	int fd, n;

	fd = open(pidfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errsize, "%s: %s", pidfile,
			 errno == ELOOP ? "a symbolic link, not followed"
					: strerror(errno));
		return -EX_CANTCREAT;
	}
	/* Someone else's file, in a shared directory: not ours to write. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errsize, "%s: not a regular file of this user's",
			 pidfile);
		close(fd);
		return -EX_CANTCREAT;
	}
	if (pidfile_lock(fd, F_WRLCK, NULL)) {
		if (pidfile_lock(fd, F_WRLCK, &holder))
			holder = 0;
		snprintf(err, errsize,
			 "%s: held by a running kq-broker (process %ld)",
			 pidfile, (long)holder);
		close(fd);
		return -EX_TEMPFAIL;
	}
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n) {
		snprintf(err, errsize, "%s: %s", pidfile, strerror(errno));
		close(fd);
		return -EX_IOERR;
	}
	return fd;
}

/* Remove the pid file if it is still the one we hold. */
static void
pidfile_remove(const char *pidfile, int fd)
{
	struct stat a, b;

	if (fd < 0)
		return;
	if (!fstat(fd, &a) && !lstat(pidfile, &b) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		unlink(pidfile);
	close(fd);
}

/* Whether clients can reach the broker only from this machine. */
static int
listens_on_loopback(const struct kb_broker *b)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;

	if (getsockname(b->net.lfd, (struct sockaddr *)&ss, &sl))
		return 0;
	if (ss.ss_family == AF_INET)
		return (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family != AF_INET6)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
		return a6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
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
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			shift = -1;
		}
		end++;
	}
	if (end == s || *end || shift < 0 || errno || v == 0 ||
	    v > (1ULL << 40) >> shift)
		kq_die(EX_USAGE,
		       "%s: '%s' is not a size (bytes, or N with k, "
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
		kq_die(EX_USAGE, "--config: expected NAME=VALUE, not '%s'",
		       arg);
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
	log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		   0644);
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
	char err[1024], line[512], pidpath[4200];
	int key, i, report = -1, status, pidfd = -1;

	memset(&o, 0, sizeof(o));
	o.s.listen_host = "127.0.0.1";
	o.s.listen_port = 9092;
	o.s.fsync = KB_FSYNC_INTERVAL;
	o.s.auto_create = 1;
	o.s.auto_partitions = 1;
	o.s.max_conns = 1000;
	o.s.idle_ms = 600000;	/* Kafka's connections.max.idle.ms */
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
			o.topics = kq_erealloc(o.topics,
					       (size_t)(o.ntopics + 1) *
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
			o.s.request_ms =
				kq_eduration("--request-timeout", c.arg);
			break;
		case OPT_MAX_REQUEST:
			o.s.max_request =
				parse_size("--max-request-size", c.arg);
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
	if (!o.data_dir)
		o.data_dir = default_data_dir(&c);
	/* One broker a data directory: one pid file there, never shared. */
	if (!o.pidfile) {
		snprintf(pidpath, sizeof(pidpath), "%s/kq-broker.pid",
			 o.data_dir);
		o.pidfile = pidpath;
	}
	if (o.stop) {
		status = stop_daemon(o.pidfile);
		free_opts(&o);
		kq_conf_free(&c);
		return status;
	}
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
	if (!listens_on_loopback(&b))
		kb_note(&b,
			"warning: listening on %s:%d, beyond this machine: "
			"there is no authentication and no TLS, anyone "
			"who reaches it reads and writes every topic",
			b.host, b.port);
	if (o.daemon) {
		if ((pidfd = pidfile_write(o.pidfile, err, sizeof(err))) < 0) {
			kq_warn("%s", err);
			status = -pidfd;
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
		o.s.fsync == KB_FSYNC_ALWAYS  ? "always"
		: o.s.fsync == KB_FSYNC_NEVER ? "never"
					      : "every second");
	kb_broker_run(&b, &kq_stop);
	kb_note(&b, "stopping (%s)", kq_stop == SIGINT ? "SIGINT" : "SIGTERM");

out:
	kb_broker_close(&b);
	pidfile_remove(o.pidfile, pidfd);
	if (report >= 0)
		close(report);
	free_opts(&o);
	kq_conf_free(&c);
	return status;
}
