/*
 * A consumer group as kafka-consumer-groups --describe shows it, from
 * what kq-group learnt of it: rows of offsets, members, text or JSON.
 */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>

#include "die.h"
#include "envelope.h"
#include "group.h"
#include "record.h"

/* The member partition (topic, id) is assigned to, or NULL. */
static const struct kq_group_member *
owner(const struct kq_group *g, const char *topic, int32_t id)
{
	size_t i;

	for (i = 0; i < g->nmembers; i++) {
		const rd_kafka_topic_partition_list_t *a =
			g->members[i].assignment;

		if (a &&
		    rd_kafka_topic_partition_list_find(
			    (rd_kafka_topic_partition_list_t *)a, topic, id))
			return &g->members[i];
	}
	return NULL;
}

void
kq_group_rows(struct kq_group *g,
	      const rd_kafka_topic_partition_list_t *committed,
	      const rd_kafka_topic_partition_list_t *end)
{
	int i;

	g->rows = kq_ecalloc(committed->cnt + 1, sizeof(*g->rows));
	g->nrows = committed->cnt;
	for (i = 0; i < committed->cnt; i++) {
		const rd_kafka_topic_partition_t *p = &committed->elems[i];
		struct kq_group_row *r = &g->rows[i];

		r->topic = p->topic;
		r->partition = p->partition;
		r->committed = p->offset >= 0 ? p->offset : -1;
		r->end = end->elems[i].err || end->elems[i].offset < 0
				 ? -1
				 : end->elems[i].offset;
		r->owner = owner(g, p->topic, p->partition);
	}
}

void
kq_group_free(struct kq_group *g)
{
	free(g->rows);
	g->rows = NULL;
	g->nrows = 0;
}

int64_t
kq_group_lag(const struct kq_group_row *r)
{
	return r->end >= 0 && r->committed >= 0 ? r->end - r->committed : -1;
}

/* n and a tab, or "-" and a tab when not known. */
static void
put_known(struct kq_writer *w, int64_t n)
{
	if (n >= 0)
		kq_writer_printf(w, "%lld\t", (long long)n);
	else
		kq_writer_puts(w, "-\t");
}

void
kq_group_put_offsets(struct kq_writer *w, const struct kq_group *g)
{
	int i;

	kq_writer_puts(w,
		       "GROUP\tTOPIC\tPARTITION\tCURRENT-OFFSET\t"
		       "LOG-END-OFFSET\tLAG\tCONSUMER-ID\tHOST\tCLIENT-ID\n");
	for (i = 0; i < g->nrows; i++) {
		const struct kq_group_row *r = &g->rows[i];
		const struct kq_group_member *m = r->owner;

		kq_writer_printf(w, "%s\t%s\t%d\t", g->name, r->topic,
				 (int)r->partition);
		put_known(w, r->committed);
		put_known(w, r->end);
		put_known(w, kq_group_lag(r));
		kq_writer_printf(w, "%s\t%s\t%s\n", m ? m->id : "-",
				 m ? m->host : "-", m ? m->client : "-");
	}
}

/* What goes before a string, then the string in JSON. */
static void
put_json_str(struct kq_writer *w, const char *before, const char *s)
{
	kq_writer_puts(w, before);
	kq_json_write_str(w, s);
}

static void
put_assignment(struct kq_writer *w, const struct kq_group_member *m, int json)
{
	const rd_kafka_topic_partition_list_t *a = m->assignment;
	int i;

	if (json)
		kq_writer_puts(w, "[");
	for (i = 0; a && i < a->cnt; i++) {
		if (json) {
			put_json_str(w, i ? ",{\"topic\":" : "{\"topic\":",
				     a->elems[i].topic);
			kq_writer_printf(w, ",\"partition\":%d}",
					 (int)a->elems[i].partition);
		} else {
			kq_writer_printf(w, "%s%s:%d", i ? "," : "",
					 a->elems[i].topic,
					 (int)a->elems[i].partition);
		}
	}
	if (json)
		kq_writer_puts(w, "]");
	else if (!a || a->cnt == 0)
		kq_writer_puts(w, "-");
}

void
kq_group_put_members(struct kq_writer *w, const struct kq_group *g)
{
	size_t i;

	kq_writer_puts(w, "GROUP\tCONSUMER-ID\tHOST\tCLIENT-ID\t#PARTITIONS\t"
			  "ASSIGNMENT\n");
	for (i = 0; i < g->nmembers; i++) {
		const struct kq_group_member *m = &g->members[i];

		kq_writer_printf(w, "%s\t%s\t%s\t%s\t%d\t", g->name, m->id,
				 m->host, m->client,
				 m->assignment ? m->assignment->cnt : 0);
		put_assignment(w, m, 0);
		kq_writer_puts(w, "\n");
	}
}

/* ,"name":n or ,"name":null */
static void
put_json_known(struct kq_writer *w, const char *name, int64_t n)
{
	if (n >= 0)
		kq_writer_printf(w, ",\"%s\":%lld", name, (long long)n);
	else
		kq_writer_printf(w, ",\"%s\":null", name);
}

void
kq_group_put_json(struct kq_writer *w, const struct kq_group *g)
{
	size_t i;
	int k;

	put_json_str(w, "{\"group\":", g->name);
	put_json_str(w, ",\"state\":", g->state);
	put_json_str(w, ",\"assignor\":", g->assignor);
	kq_writer_puts(w, ",\"members\":[");
	for (i = 0; i < g->nmembers; i++) {
		const struct kq_group_member *m = &g->members[i];

		put_json_str(w, i ? ",{\"id\":" : "{\"id\":", m->id);
		put_json_str(w, ",\"client\":", m->client);
		put_json_str(w, ",\"host\":", m->host);
		kq_writer_puts(w, ",\"assignment\":");
		put_assignment(w, m, 1);
		kq_writer_puts(w, "}");
	}
	kq_writer_puts(w, "],\"offsets\":[");
	for (k = 0; k < g->nrows; k++) {
		const struct kq_group_row *r = &g->rows[k];

		put_json_str(w, k ? ",{\"topic\":" : "{\"topic\":", r->topic);
		kq_writer_printf(w, ",\"partition\":%d", (int)r->partition);
		put_json_known(w, "committed", r->committed);
		put_json_known(w, "end", r->end);
		put_json_known(w, "lag", kq_group_lag(r));
		kq_writer_puts(w, "}");
	}
	kq_writer_puts(w, "]}\n");
}
