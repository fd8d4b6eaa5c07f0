/*
 * kq-broker: a Kafka broker for one machine, so kq works with no Kafka at
 * all. Today it is librdkafka's mock cluster: it speaks the real protocol
 * on loopback, keeps messages in memory only, about 5 MB per partition.
 */
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "record.h"
#include "sig.h"
#include "spec.h"

enum {
	OPT_BROKERS = KQ_LONG,
	OPT_DAEMON,
	OPT_PIDFILE,
	OPT_STOP,
};

static const struct kq_option options[] = {
	{"topic", 't', KQ_ARG, "NAME[:PARTITIONS]",
	 "create a topic at start (default 1 partition; repeatable)", NULL},
	{"brokers", OPT_BROKERS, KQ_ARG, "N",
	 "run N brokers in the cluster (default 1)", NULL},
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
	"[--topic NAME[:PARTITIONS]]... [--brokers N] [--daemon] "
	"[--pidfile FILE]\n--stop [--pidfile FILE]",
	"Run a Kafka broker for this machine and print its address as "
	"KQ_BROKERS=HOST:PORT.\n"
	"It is librdkafka's mock cluster: messages are kept in memory only, "
	"about 5 MB\nper partition (older ones are dropped), on a random "
	"port; topics are made at\nstart with --topic or when first used "
	"(4 partitions); it does not implement\nCreateTopics or DeleteTopics.",
	options,
	0,
	NULL,
};

struct topic {
	const char *name;
	int partitions;
};

struct opts {
	struct topic *topics;
	int ntopics;
	int brokers;
	int daemon;
	int stop;
	const char *pidfile;
};

static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	const struct kq_conf *c = rd_kafka_opaque(rk);

	(void)level;
	if (c->verbose)
		kq_warn("%s: %s", fac, buf);
}

/* Sleep until SIGINT or SIGTERM, with no window for one to slip by. */
static void
wait_for_signal(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!kq_stop)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

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

static int
stop_daemon(const char *pidfile)
{
	FILE *f = fopen(pidfile, "r");
	long pid;
	int i;

	if (!f)
		kq_die(EX_NOINPUT, "%s: %s", pidfile, strerror(errno));
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1)
		kq_die(EX_DATAERR, "%s: no process id in it", pidfile);
	fclose(f);
	if (kill((pid_t)pid, SIGTERM))
		kq_die(EX_UNAVAILABLE, "process %ld: %s", pid, strerror(errno));
	/* Wait for it, so a script may start another at once. */
	for (i = 0; i < 100 && kill((pid_t)pid, 0) == 0; i++)
		usleep(50000);
	unlink(pidfile);
	return EX_OK;
}

/* Fork; the parent waits for the child's first line and prints it. */
static int
daemonize(const struct opts *o, int *report)
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
		while ((n = read(fds[0], line + got, sizeof(line) - 1 - got)) >
		       0)
			got += n;
		if (got == 0)
			kq_die(EX_SOFTWARE, "the broker did not start");
		line[got] = 0;
		printf("%s", line);
		return kq_fshut(stdout, "stdout");
	}
	close(fds[0]);
	setsid();
	*report = fds[1];
	(void)o;
	return -1;
}

static void
parse_topic(const struct kq_conf *c, const char *arg, struct topic *t)
{
	const char *colon = strrchr(arg, ':');
	char *name;

	t->partitions = 1;
	if (colon) {
		t->partitions = (int)kq_eint("--topic", colon + 1, 1, 100000);
		name = strndup(arg, colon - arg);
	} else {
		name = kq_estrdup(arg);
	}
	if (!name || !*name)
		kq_usage(c, "--topic: no name in '%s'", arg);
	t->name = name;
}

static void
free_topics(struct opts *o)
{
	int i;

	for (i = 0; i < o->ntopics; i++)
		free((char *)o->topics[i].name);
	free(o->topics);
}

int
main(int argc, char **argv)
{
	struct kq_conf c;
	struct opts o = {.brokers = 1};
	rd_kafka_conf_t *rc;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	char errstr[512], line[512];
	int key, i, report = -1, status = EX_OK;

	kq_conf_init(&c, &cmd, argv);
	while ((key = kq_getopt(&c, argc, argv)) != -1) {
		switch (key) {
		case 't':
			o.topics = kq_erealloc(o.topics, (o.ntopics + 1) *
								 sizeof(*o.topics));
			parse_topic(&c, c.arg, &o.topics[o.ntopics++]);
			break;
		case OPT_BROKERS:
			o.brokers = (int)kq_eint("--brokers", c.arg, 1, 32);
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
	if (o.stop)
		return stop_daemon(o.pidfile);

	if (o.daemon && (status = daemonize(&o, &report)) >= 0) {
		free_topics(&o);
		kq_conf_free(&c);
		return status;
	}
	status = EX_OK;
	kq_sig_install();

	rc = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(rc, log_cb);
	rd_kafka_conf_set_opaque(rc, &c);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof(errstr));
	if (!rk)
		kq_die(EX_SOFTWARE, "%s", errstr);
	mc = rd_kafka_mock_cluster_new(rk, o.brokers);
	if (!mc) {
		rd_kafka_destroy(rk);
		kq_die(EX_SOFTWARE, "cannot start the mock cluster");
	}
	for (i = 0; i < o.ntopics; i++) {
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
			mc, o.topics[i].name, o.topics[i].partitions, 1);

		if (err) {
			kq_warn("topic %s: %s", o.topics[i].name,
				rd_kafka_err2str(err));
			status = EX_SOFTWARE;
			goto out;
		}
	}

	if (o.daemon) {
		FILE *pf = fopen(o.pidfile, "w");

		if (!pf || fprintf(pf, "%ld\n", (long)getpid()) < 0 ||
		    fclose(pf)) {
			kq_warn("%s: %s", o.pidfile, strerror(errno));
			status = EX_CANTCREAT;
			goto out;
		}
		snprintf(line, sizeof(line),
			 "KQ_BROKERS=%s; export KQ_BROKERS\n"
			 "KQ_BROKER_PID=%ld\n",
			 rd_kafka_mock_cluster_bootstraps(mc), (long)getpid());
		if (write(report, line, strlen(line)) < 0)
			status = EX_IOERR;
		close(report);
		i = open("/dev/null", O_RDWR);
		dup2(i, 0);
		dup2(i, 1);
		if (!c.verbose)
			dup2(i, 2);
		close(i);
	} else {
		printf("KQ_BROKERS=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
		fflush(stdout);
	}

	wait_for_signal();

out:
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	if (o.daemon && status == EX_OK)
		unlink(o.pidfile);
	free_topics(&o);
	kq_conf_free(&c);
	return status;
}
