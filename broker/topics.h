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

/* The configs honoured, in DescribeConfigs order. */
enum {
	KB_CFG_RETENTION_MS,
	KB_CFG_RETENTION_BYTES,
	KB_CFG_SEGMENT_BYTES,
	KB_CFG_MAX_MESSAGE_BYTES,
	KB_CFG_CLEANUP_POLICY,
	KB_NCFG
};

extern const char *const kb_cfg_names[KB_NCFG];

struct kb_topic {
	char *name;
	int nparts;
	struct kb_log *parts;
	struct kb_logconf conf;
	unsigned set; /* bit per KB_CFG_*: set on the topic, not a default */
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

/*
 * Parse a config onto conf (setting its bit in *set); 0, or
 * INVALID_CONFIG with a reason.
 */
int kb_cfg_parse(struct kb_logconf *conf, unsigned *set, const char *name,
		 const char *value, const char **why);
/* The value of config i of a topic, as text, into buf. */
const char *kb_cfg_value(const struct kb_logconf *conf, int i, char *buf,
			 size_t size);

/* Load every topic of dir (recovering each partition); 0, or -1 and err. */
int kb_topics_open(struct kb_topics *ts, const char *dir,
		   const struct kb_logconf *defaults, char *err, size_t errsize);
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
/* Raise the partition count; 0 or a Kafka error code with why. */
int kb_topics_grow(struct kb_topics *ts, struct kb_topic *t, int nparts,
		   int check, char *why, size_t whysize);

#endif
