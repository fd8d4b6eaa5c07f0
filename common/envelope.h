/*
 * The JSON envelope: one Kafka message as one JSON object, written by
 * kq-sub -J and read by kq-pub -J, so a topic can be copied through a pipe
 * byte for byte:
 *
 *   {"topic":"t","partition":0,"offset":5,"timestamp":1700000000000,
 *    "key":"k","value":"v","headers":[["name","value"],["n2",null]]}
 *
 * key and value are null or a string holding the exact bytes; bytes that
 * are not UTF-8 go as base64 in key_b64 / value_b64 instead, and in a
 * header as {"b64":"..."}. With --json-values a value that is a JSON
 * object, array, number or boolean is embedded as JSON. kq-pub reads
 * value (required; null allowed), key, headers, partition and timestamp;
 * ignores topic and offset (and kcat's tstype, broker, key_error,
 * payload_error and *_schema_id); accepts kcat's "payload", "ts" and flat
 * ["n","v",...] headers, and headers as an object {"n":"v"}; refuses
 * other fields.
 */
#ifndef KQ_ENVELOPE_H
#define KQ_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "jsonscan.h"
#include "record.h"

struct kq_header {
	const char *name;
	size_t name_len;
	const char *value; /* NULL: a null value */
	size_t value_len;
};

struct kq_envelope {
	const char *topic; /* NULL: none (encoding only) */
	int32_t partition; /* -1: none */
	int64_t offset;	   /* -1: none */
	int64_t timestamp; /* -1: none; milliseconds */
	const char *key;   /* NULL: null */
	size_t key_len;
	const char *value; /* NULL: null */
	size_t value_len;
	const struct kq_header *headers;
	size_t nheaders;
};

/* Decoding keeps the bytes it unescapes; one decoder for a whole input. */
struct kq_envdec {
	char *buf;
	size_t len, cap;
	struct kq_header *headers;
	void *spans; /* private: where the headers are, while decoding */
	size_t hcap;
	char err[256];
};

/*
 * Decode one JSON text (as kq_jsonscan emits it: valid and compact) into
 * e; its pointers stay valid until the next decode. 0, or -1 with the
 * reason in d->err ("no \"value\" field", "partition: not an integer").
 */
int kq_envelope_decode(struct kq_envdec *d, const char *json, size_t n,
		       struct kq_envelope *e);
void kq_envdec_free(struct kq_envdec *d);

/* Encoding options. */
struct kq_envenc {
	/* Embed values that are JSON objects, arrays, numbers or booleans. */
	int json_values;
	struct kq_jsonscan *js; /* made by kq_envenc_init when json_values */
	/* Scratch for an envelope larger than the writer's buffer. */
	char *big;
	size_t big_cap;
};

void kq_envenc_init(struct kq_envenc *enc, int json_values);
void kq_envenc_free(struct kq_envenc *enc);
/*
 * Append e as one JSON object (no newline) to w; the number of bytes
 * given to w (so a caller can tell where each message ends in its output).
 */
size_t kq_envelope_write(struct kq_envenc *enc, struct kq_writer *w,
			 const struct kq_envelope *e);
/* A JSON string of p[0..n) (which must be UTF-8), quotes included. */
size_t kq_json_write_string(struct kq_writer *w, const char *p, size_t n);
/* A JSON string of s, or null for NULL. */
void kq_json_write_str(struct kq_writer *w, const char *s);

/* Base64 (RFC 4648, with padding): decode into out (room for n * 3 / 4 bytes);
 * its length, or -1. */
long kq_base64_decode(const char *s, size_t n, unsigned char *out);

#endif
