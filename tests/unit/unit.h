/*
 * What the unit tests of common/ share: a configuration made as a
 * program's command line makes it, an environment in which the user's
 * own settings (KQ_BROKERS, a config file) play no part, what a writer
 * in memory holds, what the test itself wrote on stderr, and librdkafka's
 * mock cluster to run a client against.
 */
#ifndef KQ_UNIT_H
#define KQ_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "conf.h"
#include "record.h"

/* An argv as a program's: ARGV("-b", "host:9092"). */
#define ARGV(...) ((char *[]){"kq-test", __VA_ARGS__, NULL})

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

/* librdkafka's mock cluster: one broker, on a handle of its own. */
struct unit_mock {
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	char brokers[128];
};

/* Start it, with topic made (NULL: none) of n partitions. */
static inline void
unit_mock_start(struct unit_mock *m, const char *topic, int n)
{
	rd_kafka_conf_t *rc = rd_kafka_conf_new();
	char errstr[256];

	rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof(errstr));
	if (!(m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr,
				   sizeof(errstr))) ||
	    !(m->mc = rd_kafka_mock_cluster_new(m->rk, 1)))
		abort();
	snprintf(m->brokers, sizeof(m->brokers), "%s",
		 rd_kafka_mock_cluster_bootstraps(m->mc));
	if (topic && rd_kafka_mock_topic_create(m->mc, topic, n, 1))
		abort();
}

static inline void
unit_mock_stop(struct unit_mock *m)
{
	rd_kafka_mock_cluster_destroy(m->mc);
	rd_kafka_destroy(m->rk);
}

#endif
