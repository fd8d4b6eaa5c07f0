/*
 * A topic's configs as the Admin API gives them: the ones set, every one
 * as kafka-configs shows it, the whole set AlterConfigs is to leave, and
 * the changes IncrementalAlterConfigs makes.
 */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "apiversions.h"
#include "conf.h"
#include "configs.h"
#include "die.h"
#include "envelope.h"
#include "kafka.h"
#include "record.h"

rd_kafka_event_t *
kq_configs_describe(struct kq_admin *a, const struct kq_conf *c,
		    const rd_kafka_metadata_topic_t **v, int n)
{
	rd_kafka_ConfigResource_t **res;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	int i;

	res = kq_ecalloc(n, sizeof(*res));
	for (i = 0; i < n; i++)
		res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC,
						     v[i]->topic);
	ao = kq_admin_options(a->kk.rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
			      c->timeout_ms, 0);
	rd_kafka_DescribeConfigs(a->kk.rk, res, n, ao, a->q);
	rd_kafka_AdminOptions_destroy(ao);
	rd_kafka_ConfigResource_destroy_array(res, n);
	free(res);
	ev = kq_admin_poll(a->q, -1, NULL);
	if (ev && rd_kafka_event_error(ev)) {
		if (c->verbose)
			kq_warn("configs unavailable: %s",
				rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		ev = NULL;
	}
	return ev;
}

int
kq_configs_alter(struct kq_admin *a, const struct kq_conf *c,
		 rd_kafka_ConfigResource_t **todo, int n)
{
	const rd_kafka_ConfigResource_t **res;
	rd_kafka_AdminOptions_t *ao;
	rd_kafka_event_t *ev;
	rd_kafka_resp_err_t err;
	size_t nres, k;
	int status = 0;

	ao = kq_admin_options(a->kk.rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS,
			      c->timeout_ms, 1);
	rd_kafka_AlterConfigs(a->kk.rk, todo, n, ao, a->q);
	rd_kafka_AdminOptions_destroy(ao);
	if (!(ev = kq_admin_poll(a->q, -1, NULL)))
		return KQ_EX_INTERRUPTED;
	if ((err = rd_kafka_event_error(ev))) {
		kq_warn("alter %s%s: %s", rd_kafka_ConfigResource_name(todo[0]),
			n > 1 ? " ..." : "", rd_kafka_event_error_string(ev));
		status = kq_kafka_status(err);
	} else {
		res = rd_kafka_AlterConfigs_result_resources(
			rd_kafka_event_AlterConfigs_result(ev), &nres);
		for (k = 0; k < nres; k++) {
			const char *why =
				rd_kafka_ConfigResource_error_string(res[k]);

			if (!(err = rd_kafka_ConfigResource_error(res[k])))
				continue;
			kq_warn("alter %s: %s",
				rd_kafka_ConfigResource_name(res[k]),
				why ? why : rd_kafka_err2str(err));
			status = kq_worse_status(status,
						 kq_admin_topic_status(err));
		}
	}
	rd_kafka_event_destroy(ev);
	return status;
}

const rd_kafka_ConfigResource_t *
kq_configs_of(rd_kafka_event_t *ev, const char *topic)
{
	const rd_kafka_DescribeConfigs_result_t *res;
	const rd_kafka_ConfigResource_t **rs;
	size_t n, i;

	if (!ev || !(res = rd_kafka_event_DescribeConfigs_result(ev)))
		return NULL;
	rs = rd_kafka_DescribeConfigs_result_resources(res, &n);
	for (i = 0; i < n; i++)
		if (strcmp(rd_kafka_ConfigResource_name(rs[i]), topic) == 0)
			return rd_kafka_ConfigResource_error(rs[i]) ? NULL
								    : rs[i];
	return NULL;
}

void
kq_configs_put_set(struct kq_writer *w, const rd_kafka_ConfigResource_t *cr,
		   int json)
{
	const rd_kafka_ConfigEntry_t **e;
	size_t n = 0, i;
	int first = 1;

	if (!cr) {
		if (json)
			kq_writer_puts(w, "null");
		return;
	}
	e = rd_kafka_ConfigResource_configs(cr, &n);
	if (json)
		kq_writer_puts(w, "{");
	for (i = 0; i < n; i++) {
		const char *name = rd_kafka_ConfigEntry_name(e[i]);
		const char *value = rd_kafka_ConfigEntry_value(e[i]);

		if (rd_kafka_ConfigEntry_is_default(e[i]))
			continue;
		if (!first)
			kq_writer_puts(w, ",");
		first = 0;
		if (json) {
			kq_json_write_string(w, name, strlen(name));
			kq_writer_puts(w, ":");
			kq_json_write_str(w, value);
		} else {
			kq_writer_puts(w, name);
			kq_writer_puts(w, "=");
			kq_writer_puts(w, value ? value : "");
		}
	}
	if (json)
		kq_writer_puts(w, "}");
}

static int
by_config_name(const void *a, const void *b)
{
	const rd_kafka_ConfigEntry_t *const *x = a, *const *y = b;

	return strcmp(rd_kafka_ConfigEntry_name(*x),
		      rd_kafka_ConfigEntry_name(*y));
}

/*
 * One config as kafka-configs --describe --all tells it: name, value,
 * whether it is the default, and where it was set. A sensitive value is
 * never shown (the broker does not send it either).
 */
static void
put_entry(struct kq_writer *w, const char *topic,
	  const rd_kafka_ConfigEntry_t *e, int json, int first)
{
	const char *name = rd_kafka_ConfigEntry_name(e);
	const char *value = rd_kafka_ConfigEntry_value(e);
	const char *source =
		rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(e));
	int dflt = rd_kafka_ConfigEntry_is_default(e);
	int sensitive = rd_kafka_ConfigEntry_is_sensitive(e);

	if (sensitive)
		value = NULL;
	if (!json) {
		kq_writer_printf(w, "%s\t%s\t%s\t%s\t%s\n", topic, name,
				 value ? value : "-", dflt ? "default" : "set",
				 source);
		return;
	}
	kq_writer_puts(w, first ? "{\"name\":" : ",{\"name\":");
	kq_json_write_string(w, name, strlen(name));
	kq_writer_puts(w, ",\"value\":");
	kq_json_write_str(w, value);
	kq_writer_printf(w,
			 ",\"default\":%s,\"source\":\"%s\","
			 "\"read_only\":%s,\"sensitive\":%s}",
			 dflt ? "true" : "false", source,
			 rd_kafka_ConfigEntry_is_read_only(e) ? "true"
							      : "false",
			 sensitive ? "true" : "false");
}

void
kq_configs_put_all(struct kq_writer *w, const char *topic,
		   const rd_kafka_ConfigResource_t *cr, int json)
{
	const rd_kafka_ConfigEntry_t **e, **sorted;
	size_t n = 0, i;

	e = rd_kafka_ConfigResource_configs(cr, &n);
	sorted = kq_ecalloc(n + 1, sizeof(*sorted));
	memcpy(sorted, e, n * sizeof(*e));
	qsort(sorted, n, sizeof(*sorted), by_config_name);
	if (json) {
		kq_writer_puts(w, "{\"topic\":");
		kq_json_write_string(w, topic, strlen(topic));
		kq_writer_puts(w, ",\"configs\":[");
	}
	for (i = 0; i < n; i++)
		put_entry(w, topic, sorted[i], json, i == 0);
	if (json)
		kq_writer_puts(w, "]}\n");
	free(sorted);
}

/* Whether NAME=VALUE... or NAME... (v[0..n)) names config name. */
static int
named(char **v, int n, const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 0; i < n; i++)
		if (strncmp(v[i], name, len) == 0 &&
		    (v[i][len] == '=' || v[i][len] == 0))
			return 1;
	return 0;
}

rd_kafka_ConfigResource_t *
kq_configs_merge(const char *topic, const rd_kafka_ConfigResource_t *now,
		 char **set, int nset, char **unset, int nunset)
{
	const rd_kafka_ConfigEntry_t **e;
	rd_kafka_ConfigResource_t *cr;
	size_t n = 0, i;
	int k;

	cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
	e = rd_kafka_ConfigResource_configs(now, &n);
	for (i = 0; i < n; i++) {
		const char *name = rd_kafka_ConfigEntry_name(e[i]);
		const char *value = rd_kafka_ConfigEntry_value(e[i]);

		if (rd_kafka_ConfigEntry_source(e[i]) !=
			    RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG ||
		    named(unset, nunset, name) || named(set, nset, name))
			continue;
		if (!value || rd_kafka_ConfigEntry_is_sensitive(e[i])) {
			kq_warn("alter %s: %s is sensitive, so the broker does "
				"not tell it, and AlterConfigs would drop it",
				topic, name);
			rd_kafka_ConfigResource_destroy(cr);
			return NULL;
		}
		rd_kafka_ConfigResource_set_config(cr, name, value);
	}
	for (k = 0; k < nset; k++) {
		char *eq = strchr(set[k], '=');

		*eq = 0;
		rd_kafka_ConfigResource_set_config(cr, set[k], eq + 1);
		*eq = '=';
	}
	return cr;
}

/* Whether ops[0..n) names config name (NAME=VALUE's NAME). */
static int
has_op(const struct kq_config_op *ops, int n, const char *name, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(ops[i].name) == len &&
		    strncmp(ops[i].name, name, len) == 0)
			return 1;
	return 0;
}

struct kq_config_op *
kq_configs_ops(char **set, int nset, char **unset, int nunset, int *n)
{
	struct kq_config_op *ops;
	int nops = 0, k;

	ops = kq_ecalloc(nset + nunset + 1, sizeof(*ops));
	for (k = nset - 1; k >= 0; k--) {
		char *eq = strchr(set[k], '='), *name;
		size_t len = (size_t)(eq - set[k]);

		if (has_op(ops, nops, set[k], len))
			continue;
		name = kq_emalloc(len + 1);
		memcpy(name, set[k], len);
		name[len] = 0;
		ops[nops].name = name;
		ops[nops++].value = eq + 1;
	}
	for (k = 0; k < nunset; k++)
		if (!has_op(ops, nops, unset[k], strlen(unset[k]))) {
			ops[nops].name = kq_estrdup(unset[k]);
			ops[nops++].value = NULL;
		}
	*n = nops;
	return ops;
}

void
kq_configs_ops_free(struct kq_config_op *ops, int n)
{
	int k;

	for (k = 0; k < n; k++)
		free((char *)ops[k].name);
	free(ops);
}
