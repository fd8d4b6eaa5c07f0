/*
 * The topics on disk: DIR/NAME.topic holds a topic's partition count and
 * the configs set on it, DIR/NAME-P/ each partition's log. Creation,
 * deletion, more partitions, and the topic configs the broker honours.
 */
#ifndef KB_TOPICS_H
#define KB_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

/*
 * The topic configs, Kafka's (3.9) all: the first KB_CFG_NLOG are
 * honoured through struct kb_logconf; cleanup.policy is honoured too (a
 * topic that is not "delete" loses nothing to retention),
 * message.timestamp.type (Produce stamps batches with their append time)
 * and min.insync.replicas (above 1, the one replica is too few for
 * acks=all); the others are checked, kept and described, not acted on.
 */
enum {
	KB_CFG_RETENTION_MS,
	KB_CFG_RETENTION_BYTES,
	KB_CFG_SEGMENT_BYTES,
	KB_CFG_MAX_MESSAGE_BYTES,
	KB_CFG_NLOG,
	KB_CFG_CLEANUP_POLICY = KB_CFG_NLOG,
	KB_NCFG = 36
};

/* DescribeConfigs' config types. */
enum {
	KB_CFGT_BOOLEAN = 1,
	KB_CFGT_STRING = 2,
	KB_CFGT_INT = 3,
	KB_CFGT_LONG = 5,
	KB_CFGT_DOUBLE = 6,
	KB_CFGT_LIST = 7
};

struct kb_cfgdef {
	const char *name;
	int type;	  /* KB_CFGT_* */
	const char *def;  /* Kafka's default */
	int64_t min, max; /* INT, LONG */
	const char *in;	  /* STRING, LIST: the values taken, '|' apart */
};

extern const struct kb_cfgdef kb_cfgs[KB_NCFG];

struct kb_topic {
	char *name;
	int nparts;
	struct kb_log *parts;
	struct kb_logconf conf; /* as the partitions apply it */
	uint64_t set;		/* bit per config: set on the topic */
	char *val[KB_NCFG];	/* the value of each config set */
	int append_time;	/* message.timestamp.type=LogAppendTime */
	int zip;		/* compression.type: a KB_ZIP_* id */
	int zip_level;		/* and the level of that codec */
	int min_insync;		/* min.insync.replicas */
};

struct kb_topics {
	char *dir;
	struct kb_topic **v;
	int n, cap;
	struct kb_logconf defaults;
};

/* A name/value pair of a topic config, as a request carries it. */
struct kb_cfgval {
	const char *name;
	const char *value;
};

/* Why name is no topic name, or NULL. */
const char *kb_topic_name_bad(const char *name);

/* The index of a config in kb_cfgs, or -1. */
int kb_cfg_find(const char *name);
/*
 * Parse a broker default (--config) onto conf: the configs of
 * struct kb_logconf, and cleanup.policy=delete. 0, or INVALID_CONFIG with
 * a reason.
 */
int kb_cfg_parse(struct kb_logconf *conf, unsigned *set, const char *name,
		 const char *value, const char **why);
/*
 * The value of config i of t (t NULL: the broker's default), as text,
 * into buf; *is_set tells whether the topic sets it.
 */
const char *kb_cfg_value(const struct kb_topics *ts, const struct kb_topic *t,
			 int i, char *buf, size_t size, int *is_set);

/* Load every topic of dir (recovering each partition); 0, or -1 and err. */
int kb_topics_open(struct kb_topics *ts, const char *dir,
		   const struct kb_logconf *defaults, char *err,
		   size_t errsize);
void kb_topics_close(struct kb_topics *ts);

struct kb_topic *kb_topics_find(const struct kb_topics *ts, const char *name,
				int len);
/*
 * Create a topic: 0 (the topic in *out when out is set), or a Kafka error
 * code (TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_CONFIG,
 * KAFKA_STORAGE_ERROR...) with a reason in why. check only validates.
 */
int kb_topics_create(struct kb_topics *ts, const char *name, int nparts,
		     const struct kb_cfgval *cfg, int ncfg, int check,
		     struct kb_topic **out, char *why, size_t whysize);
/* Remove a topic and its data; 0 or KAFKA_STORAGE_ERROR. */
int kb_topics_delete(struct kb_topics *ts, struct kb_topic *t);
/* How kb_topics_alter changes a config (IncrementalAlterConfigs' ops). */
enum { KB_CFG_OP_SET, KB_CFG_OP_DELETE, KB_CFG_OP_APPEND, KB_CFG_OP_SUBTRACT };

/*
 * Change the configs of t: with replace (AlterConfigs), every config not
 * in cfg goes back to its default; otherwise each of cfg is changed by
 * its op (ops NULL: all KB_CFG_OP_SET). 0, or a Kafka error code
 * (INVALID_CONFIG, KAFKA_STORAGE_ERROR) with why; nothing changes then.
 * check only validates.
 */
int kb_topics_alter(struct kb_topics *ts, struct kb_topic *t,
		    const struct kb_cfgval *cfg, const int *ops, int ncfg,
		    int replace, int check, char *why, size_t whysize);
/* Raise the partition count; 0 or a Kafka error code with why. */
int kb_topics_grow(struct kb_topics *ts, struct kb_topic *t, int nparts,
		   int check, char *why, size_t whysize);

#endif
