#include "start.h"

#include <string.h>

enum kq_range
kq_range_of(int64_t offset, int64_t lo, int64_t hi)
{
	if (offset < lo)
		return KQ_RANGE_GONE;
	return offset > hi ? KQ_RANGE_PAST : KQ_RANGE_IN;
}

int64_t
kq_start_of(const struct kq_offset_spec *spec, int64_t lo, int64_t hi,
	    int64_t at)
{
	int64_t v = spec->value;

	switch (spec->kind) {
	case KQ_OFFSET_BEGINNING:
		return lo;
	case KQ_OFFSET_ABSOLUTE:
		return v < lo ? lo : v > hi ? hi : v;
	case KQ_OFFSET_FROM_END:
		return hi - v < lo ? lo : hi - v;
	case KQ_OFFSET_TIME:
		return at >= 0 ? at : at == KQ_START_SCAN ? lo : hi;
	default:
		return hi;
	}
}

int64_t
kq_start_reset(const struct kq_conf *c, int64_t lo, int64_t hi)
{
	const char *v = kq_conf_prop(c, "auto.offset.reset");

	if (!v)
		v = kq_conf_prop(c, "topic.auto.offset.reset");
	if (v && (strcmp(v, "latest") == 0 || strcmp(v, "largest") == 0 ||
		  strcmp(v, "end") == 0))
		return hi;
	return lo;
}

rd_kafka_resp_err_t
kq_start_times(struct kq_kafka *kk, int64_t ms,
	       rd_kafka_topic_partition_list_t *at,
	       const rd_kafka_topic_partition_list_t *lo,
	       const rd_kafka_topic_partition_list_t *hi)
{
	rd_kafka_topic_partition_list_t *probe;
	rd_kafka_resp_err_t err;
	int timeout = (int)kk->conf->timeout_ms;
	int i, k;

	for (i = 0; i < at->cnt; i++)
		at->elems[i].offset = ms;
	err = rd_kafka_offsets_for_times(kk->rk, at, timeout);
	if (err)
		return err;
	probe = rd_kafka_topic_partition_list_new(at->cnt);
	for (i = 0; i < at->cnt; i++)
		if (at->elems[i].offset < 0 &&
		    lo->elems[i].offset < hi->elems[i].offset)
			rd_kafka_topic_partition_list_add(
				probe, at->elems[i].topic,
				at->elems[i].partition)
				->offset = 0;
	if (probe->cnt)
		err = rd_kafka_offsets_for_times(kk->rk, probe, timeout);
	for (k = 0, i = 0; !err && k < probe->cnt; k++) {
		while (i < at->cnt &&
		       (at->elems[i].partition != probe->elems[k].partition ||
			strcmp(at->elems[i].topic, probe->elems[k].topic)))
			i++;
		if (i < at->cnt && probe->elems[k].offset < 0)
			at->elems[i].offset = KQ_START_SCAN;
	}
	rd_kafka_topic_partition_list_destroy(probe);
	return err;
}
