#include "txn.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "errors.h"
#include "spec.h"

/* Kafka's error codes of the transaction requests. */
enum {
	INVALID_TXN_STATE = 48,
	INVALID_PRODUCER_ID_MAPPING = 49,
	INVALID_TRANSACTION_TIMEOUT = 50,
};

/* How often open transactions are checked against their timeout. */
#define TICK_MS 1000

enum { EMPTY, ONGOING, PREPARE_COMMIT, PREPARE_ABORT };
enum { ENDED_NONE, ENDED_COMMIT, ENDED_ABORT };

struct tpart {
	char *topic;
	int32_t part;
	int64_t first; /* the log end when it was added */
	int64_t data;  /* its first record in the transaction, or -1 */
};

struct toff {
	char *group, *topic;
	int32_t part;
	int64_t offset;
	char *meta; /* NULL when null */
};

struct txn {
	char *id;
	int64_t pid;
	int16_t epoch;
	int32_t timeout_ms;
	int state;
	int ended; /* how the last one ended: EndTxn retried is answered */
	int64_t started;
	struct tpart *parts;
	int nparts, cparts;
	struct toff *offs;
	int noffs, coffs;
};

/* One aborted transaction of a partition, as Kafka's .txnindex entry. */
struct aborted {
	char *topic;
	int32_t part;
	int64_t pid, first, last; /* last: the offset of its marker */
};

struct kb_txns {
	char *dir;
	int fd;
	off_t size;
	int failed; /* a write or sync failed: no more changes */
	struct txn **v;
	int n, cap;
	struct aborted *ab;
	int nab, cab;
	uint64_t timer;
};

/* --- the state file --------------------------------------------------------
 */

/* A string as one word: "x" and its bytes in hex; "-" for null. */
static void
put_word(struct kb_buf *o, const char *s, int len)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	kb_put(o, " ", 1);
	if (!s) {
		kb_put(o, "-", 1);
		return;
	}
	kb_put(o, "x", 1);
	for (i = 0; i < len; i++) {
		char h[2] = {hex[(unsigned char)s[i] >> 4],
			     hex[(unsigned char)s[i] & 15]};

		kb_put(o, h, 2);
	}
}

static void
put_cword(struct kb_buf *o, const char *s)
{
	put_word(o, s, s ? (int)strlen(s) : 0);
}

static void
put_num(struct kb_buf *o, int64_t v)
{
	char n[32];

	kb_put(o, n, (size_t)snprintf(n, sizeof(n), " %" PRId64, v));
}

/* Append the lines in o and sync them: 0, or -1 (and no more writes). */
static int
save(struct kb_broker *b, struct kb_buf *o)
{
	struct kb_txns *x = b->txns;
	size_t off = 0;
	ssize_t w;

	if (x->failed)
		return -1;
	while (off < o->len) {
		w = pwrite(x->fd, o->p + off, o->len - off, x->size + off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fdatasync(x->fd))
		goto fail;
	x->size += (off_t)o->len;
	return 0;
fail:
	kb_note(b,
		"%s/transactions: %s: transactions are refused until a "
		"restart",
		x->dir, strerror(errno ? errno : EIO));
	x->failed = 1;
	return -1;
}

static void
line_init(struct kb_buf *o, struct txn *t, char kind)
{
	memset(o, 0, sizeof(*o));
	kb_put(o, &kind, 1);
	if (t)
		put_cword(o, t->id);
}

static void
put_txn(struct kb_buf *o, const struct txn *t)
{
	int i;
	char c;

	kb_put(o, "I", 1);
	put_cword(o, t->id);
	put_num(o, t->pid);
	put_num(o, t->epoch);
	put_num(o, t->timeout_ms);
	kb_put(o, "\n", 1);
	for (i = 0; i < t->nparts; i++) {
		kb_put(o, "A", 1);
		put_cword(o, t->id);
		put_cword(o, t->parts[i].topic);
		put_num(o, t->parts[i].part);
		put_num(o, t->parts[i].first);
		kb_put(o, "\n", 1);
	}
	for (i = 0; i < t->noffs; i++) {
		kb_put(o, "O", 1);
		put_cword(o, t->id);
		put_cword(o, t->offs[i].group);
		put_cword(o, t->offs[i].topic);
		put_num(o, t->offs[i].part);
		put_num(o, t->offs[i].offset);
		put_cword(o, t->offs[i].meta);
		kb_put(o, "\n", 1);
	}
	if (t->state == PREPARE_COMMIT || t->state == PREPARE_ABORT) {
		kb_put(o, "P", 1);
		put_cword(o, t->id);
		c = t->state == PREPARE_COMMIT ? 'C' : 'A';
		kb_put(o, " ", 1);
		kb_put(o, &c, 1);
		kb_put(o, "\n", 1);
	}
}

static void
put_aborted(struct kb_buf *o, const struct aborted *a)
{
	kb_put(o, "X", 1);
	put_cword(o, a->topic);
	put_num(o, a->part);
	put_num(o, a->pid);
	put_num(o, a->first);
	put_num(o, a->last);
	kb_put(o, "\n", 1);
}

/* The log of a partition, or NULL when it is gone. */
static struct kb_log *
find_log(struct kb_broker *b, const char *topic, int32_t part)
{
	struct kb_topic *t =
		kb_topics_find(&b->topics, topic, (int)strlen(topic));

	return t && part >= 0 && part < t->nparts ? &t->parts[part] : NULL;
}

/*
 * Write the whole state anew (DIR/transactions.tmp, renamed over), which
 * also forgets the aborted transactions retention has removed: 0 or -1.
 */
static int
compact(struct kb_broker *b)
{
	struct kb_txns *x = b->txns;
	struct kb_buf o = {0};
	char path[4096], tmp[4096];
	struct kb_log *lg;
	int i, j, fd, rc = -1;

	for (i = j = 0; i < x->nab; i++) {
		lg = find_log(b, x->ab[i].topic, x->ab[i].part);
		if (!lg || x->ab[i].last < lg->start) {
			free(x->ab[i].topic);
			continue;
		}
		x->ab[j++] = x->ab[i];
	}
	x->nab = j;
	for (i = 0; i < x->n; i++)
		put_txn(&o, x->v[i]);
	for (i = 0; i < x->nab; i++)
		put_aborted(&o, &x->ab[i]);
	snprintf(path, sizeof(path), "%s/transactions", x->dir);
	snprintf(tmp, sizeof(tmp), "%s/transactions.tmp", x->dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	if ((o.len && write(fd, o.p, o.len) != (ssize_t)o.len) ||
	    fdatasync(fd) || rename(tmp, path) || kb_sync_dir(x->dir)) {
		close(fd);
		goto out;
	}
	if (x->fd >= 0)
		close(x->fd);
	x->fd = fd;
	x->size = (off_t)o.len;
	rc = 0;
out:
	kb_buf_free(&o);
	return rc;
}

/* --- the state -------------------------------------------------------------
 */

static struct txn *
find_txn(const struct kb_txns *x, const char *id, int len)
{
	int i;

	for (i = 0; i < x->n; i++)
		if ((int)strlen(x->v[i]->id) == len &&
		    !memcmp(x->v[i]->id, id, (size_t)len))
			return x->v[i];
	return NULL;
}

static struct txn *
new_txn(struct kb_txns *x, const char *id, int len)
{
	struct txn *t = kq_ecalloc(1, sizeof(*t));

	t->id = kq_emalloc((size_t)len + 1);
	memcpy(t->id, id, (size_t)len);
	t->id[len] = 0;
	t->pid = -1;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 8;
		x->v = kq_erealloc(x->v, (size_t)x->cap * sizeof(*x->v));
	}
	x->v[x->n++] = t;
	return t;
}

/* Forget the partitions and offsets of the transaction: it ended. */
static void
clear(struct txn *t)
{
	int i;

	for (i = 0; i < t->nparts; i++)
		free(t->parts[i].topic);
	for (i = 0; i < t->noffs; i++) {
		free(t->offs[i].group);
		free(t->offs[i].topic);
		free(t->offs[i].meta);
	}
	t->nparts = t->noffs = 0;
	t->state = EMPTY;
}

static void
txn_free(struct txn *t)
{
	clear(t);
	free(t->parts);
	free(t->offs);
	free(t->id);
	free(t);
}

static struct tpart *
find_part(struct txn *t, const char *topic, int len, int32_t part)
{
	int i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].part == part &&
		    (int)strlen(t->parts[i].topic) == len &&
		    !memcmp(t->parts[i].topic, topic, (size_t)len))
			return &t->parts[i];
	return NULL;
}

static struct tpart *
add_part(struct txn *t, char *topic, int32_t part, int64_t first)
{
	struct tpart *p;

	if (t->nparts == t->cparts) {
		t->cparts = t->cparts ? 2 * t->cparts : 4;
		t->parts = kq_erealloc(t->parts,
				       (size_t)t->cparts * sizeof(*t->parts));
	}
	p = &t->parts[t->nparts++];
	*p = (struct tpart){topic, part, first, -1};
	t->state = ONGOING;
	return p;
}

/* A pending offset, replacing one of the same group and partition. */
static void
add_off(struct txn *t, char *group, char *topic, int32_t part, int64_t offset,
	char *meta)
{
	struct toff *o;
	int i;

	for (i = 0; i < t->noffs; i++) {
		o = &t->offs[i];
		if (o->part == part && !strcmp(o->group, group) &&
		    !strcmp(o->topic, topic)) {
			free(o->group);
			free(o->topic);
			free(o->meta);
			*o = (struct toff){group, topic, part, offset, meta};
			return;
		}
	}
	if (t->noffs == t->coffs) {
		t->coffs = t->coffs ? 2 * t->coffs : 4;
		t->offs = kq_erealloc(t->offs,
				      (size_t)t->coffs * sizeof(*t->offs));
	}
	t->offs[t->noffs++] = (struct toff){group, topic, part, offset, meta};
	t->state = ONGOING;
}

static void
add_aborted(struct kb_txns *x, const char *topic, int32_t part, int64_t pid,
	    int64_t first, int64_t last)
{
	if (x->nab == x->cab) {
		x->cab = x->cab ? 2 * x->cab : 16;
		x->ab = kq_erealloc(x->ab, (size_t)x->cab * sizeof(*x->ab));
	}
	x->ab[x->nab++] =
		(struct aborted){kq_estrdup(topic), part, pid, first, last};
}

/* --- markers ---------------------------------------------------------------
 */

/*
 * The control batch that ends a transaction in a partition: one record,
 * key (version 0, type 0 abort or 1 commit), value (version 0,
 * coordinator epoch 0).
 */
static size_t
make_marker(unsigned char *p, int64_t pid, int16_t epoch, int commit,
	    int64_t now)
{
	static const unsigned char rec[17] = {
		32,		       /* length 16, zigzag */
		0,		       /* attributes */
		0,  0,		       /* timestamp and offset deltas */
		8,		       /* key length 4 */
		0,  0, 0, 0, 12,       /* value length 6 */
		0,  0, 0, 0, 0,	 0, 0, /* no headers */
	};
	size_t n = KB_BATCH_HEADER + sizeof(rec);

	memset(p, 0, KB_BATCH_HEADER);
	kb_st32(p + KB_B_LENGTH, (uint32_t)(n - 12));
	p[KB_B_MAGIC] = 2;
	p[KB_B_ATTRS + 1] = 0x30; /* transactional, control */
	kb_st64(p + KB_B_BASETS, (uint64_t)now);
	kb_st64(p + KB_B_MAXTS, (uint64_t)now);
	kb_st64(p + KB_B_PID, (uint64_t)pid);
	p[KB_B_PEPOCH] = (unsigned char)((uint16_t)epoch >> 8);
	p[KB_B_PEPOCH + 1] = (unsigned char)epoch;
	kb_st32(p + KB_B_BASESEQ, 0xffffffffu);
	kb_st32(p + KB_B_COUNT, 1);
	memcpy(p + KB_BATCH_HEADER, rec, sizeof(rec));
	p[KB_BATCH_HEADER + 8] = (unsigned char)commit;
	kb_st32(p + KB_B_CRC, kb_crc32c(0, p + KB_B_ATTRS, n - KB_B_ATTRS));
	return n;
}

/*
 * End transaction t: its decision saved, a marker into each partition,
 * on commit its offsets to the groups, then its end saved. recovered: the
 * broker restarted during it, so where its records start is not known
 * and the offset it was added at stands for it. A Kafka error code; on
 * an error the decision stands, and a retry or the next start finishes.
 */
static int16_t
end_txn(struct kb_broker *b, struct txn *t, int commit, int recovered)
{
	struct kb_txns *x = b->txns;
	struct kb_buf o;
	unsigned char m[KB_BATCH_HEADER + 32];
	int64_t now = kq_now_ms(), at;
	struct kb_log *lg;
	const char *why;
	struct toff *f;
	int i, nab = x->nab;
	size_t n;

	t->state = commit ? PREPARE_COMMIT : PREPARE_ABORT;
	line_init(&o, t, 'P');
	kb_put(&o, commit ? " C\n" : " A\n", 3);
	if (save(b, &o)) {
		kb_buf_free(&o);
		return KB_KAFKA_STORAGE_ERROR;
	}
	kb_buf_free(&o);
	for (i = 0; i < t->nparts; i++) {
		struct tpart *p = &t->parts[i];

		if (!(lg = find_log(b, p->topic, p->part)))
			continue; /* deleted since */
		n = make_marker(m, t->pid, t->epoch, commit, now);
		if (kb_log_append_marker(lg, m, n, now, &at, &why) ||
		    (b->fsync == KB_FSYNC_ALWAYS && kb_log_sync(lg))) {
			kb_note(b, "%s: transaction marker of '%s': %s",
				lg->name, t->id, why ? why : strerror(errno));
			x->nab = nab;
			return KB_KAFKA_STORAGE_ERROR;
		}
		b->appended = 1;
		if (!commit && (recovered || p->data >= 0))
			add_aborted(x, p->topic, p->part, t->pid,
				    recovered ? p->first : p->data, at);
	}
	for (i = 0; commit && i < t->noffs; i++) {
		f = &t->offs[i];
		if (kb_offsets_commit(&b->offsets, f->group, f->topic, f->part,
				      f->offset, f->meta))
			return KB_KAFKA_STORAGE_ERROR;
	}
	if (commit && t->noffs && kb_offsets_sync(&b->offsets))
		return KB_KAFKA_STORAGE_ERROR;
	memset(&o, 0, sizeof(o));
	for (i = nab; i < x->nab; i++)
		put_aborted(&o, &x->ab[i]);
	kb_put(&o, "E", 1);
	put_cword(&o, t->id);
	kb_put(&o, "\n", 1);
	i = save(b, &o);
	kb_buf_free(&o);
	if (i)
		return KB_KAFKA_STORAGE_ERROR;
	kb_debug(b, "transaction '%s' %s (%d partitions, %d offsets)", t->id,
		 commit ? "committed" : "aborted", t->nparts, t->noffs);
	clear(t);
	t->ended = commit ? ENDED_COMMIT : ENDED_ABORT;
	if (x->size > KB_TXN_FILE_MAX && compact(b))
		kb_note(b, "%s/transactions: cannot compact: %s", x->dir,
			strerror(errno));
	return KB_NONE;
}

/* Save the id's producer id, epoch and timeout: 0, or a Kafka error. */
static int16_t
save_id(struct kb_broker *b, struct txn *t)
{
	struct kb_buf o = {0};
	int rc;

	kb_put(&o, "I", 1);
	put_cword(&o, t->id);
	put_num(&o, t->pid);
	put_num(&o, t->epoch);
	put_num(&o, t->timeout_ms);
	kb_put(&o, "\n", 1);
	rc = save(b, &o);
	kb_buf_free(&o);
	return rc ? KB_KAFKA_STORAGE_ERROR : KB_NONE;
}

/*
 * A transaction past its timeout is aborted, as Kafka does, under a new
 * epoch: its producer is fenced and learns it at its next request.
 */
static void
tick(struct kb_loop *l, void *arg)
{
	struct kb_broker *b = arg;
	struct kb_txns *x = b->txns;
	int64_t now = kq_now_ms();
	struct txn *t;
	int i;

	for (i = 0; i < x->n; i++) {
		t = x->v[i];
		if (t->state != ONGOING || now - t->started <= t->timeout_ms)
			continue;
		kb_note(b, "transaction '%s' timed out after %d ms: aborted",
			t->id, t->timeout_ms);
		t->epoch++;
		if (save_id(b, t) == KB_NONE)
			end_txn(b, t, 0, 0);
	}
	x->timer = kb_timer_add(l, TICK_MS, tick, b);
}

/* --- reading the state back ------------------------------------------------
 */

/* The next word of a line: a string (malloc'd; NULL for "-") or a number. */
static int
word(char **s, char **out)
{
	char *w = *s, *e;
	size_t n, i;

	while (*w == ' ')
		w++;
	e = w + strcspn(w, " ");
	*s = e;
	if (e - w == 1 && *w == '-') {
		*out = NULL;
		return 0;
	}
	if (*w != 'x' || (e - w - 1) % 2)
		return -1;
	n = (size_t)(e - w - 1) / 2;
	*out = kq_emalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(w + 1 + 2 * i, "%2x", &v) != 1) {
			free(*out);
			return -1;
		}
		(*out)[i] = (char)v;
	}
	(*out)[n] = 0;
	return 0;
}

static int
num(char **s, int64_t *v)
{
	char *e;

	errno = 0;
	*v = strtoll(*s, &e, 10);
	if (e == *s || errno || (*e && *e != ' '))
		return -1;
	*s = e;
	return 0;
}

/* Apply one line of the state file: 0, or -1 when it is malformed. */
static int
replay(struct kb_txns *x, char *s)
{
	char kind = *s++, *id = NULL, *a = NULL, *c = NULL, *d = NULL;
	int64_t v1, v2, v3, v4;
	struct txn *t = NULL;
	int rc = -1;

	if (kind == 'X') {
		if (word(&s, &a) || !a || num(&s, &v1) || num(&s, &v2) ||
		    num(&s, &v3) || num(&s, &v4))
			goto out;
		add_aborted(x, a, (int32_t)v1, v2, v3, v4);
		rc = 0;
		goto out;
	}
	if (word(&s, &id) || !id)
		goto out;
	t = find_txn(x, id, (int)strlen(id));
	if (!t && kind != 'I')
		goto out;
	switch (kind) {
	case 'I':
		if (num(&s, &v1) || num(&s, &v2) || num(&s, &v3))
			goto out;
		if (!t)
			t = new_txn(x, id, (int)strlen(id));
		t->pid = v1;
		t->epoch = (int16_t)v2;
		t->timeout_ms = (int32_t)v3;
		break;
	case 'A':
		if (word(&s, &a) || !a || num(&s, &v1) || num(&s, &v2))
			goto out;
		add_part(t, a, (int32_t)v1, v2);
		a = NULL;
		break;
	case 'O':
		if (word(&s, &a) || !a || word(&s, &c) || !c || num(&s, &v1) ||
		    num(&s, &v2) || word(&s, &d))
			goto out;
		add_off(t, a, c, (int32_t)v1, v2, d);
		a = c = d = NULL;
		break;
	case 'P':
		if (strcmp(s, " C") && strcmp(s, " A"))
			goto out;
		t->state = s[1] == 'C' ? PREPARE_COMMIT : PREPARE_ABORT;
		break;
	case 'E':
		clear(t);
		break;
	default:
		goto out;
	}
	rc = 0;
out:
	free(id);
	free(a);
	free(c);
	free(d);
	return rc;
}

static int
load(struct kb_broker *b, char *err, size_t errsize)
{
	struct kb_txns *x = b->txns;
	char path[4096], *buf, *s, *nl;
	struct stat st;
	int bad = 0;

	snprintf(path, sizeof(path), "%s/transactions", x->dir);
	x->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (x->fd < 0 || fstat(x->fd, &st)) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = kq_emalloc((size_t)st.st_size + 1);
	if (pread(x->fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	buf[st.st_size] = 0;
	for (s = buf; (nl = strchr(s, '\n')); s = nl + 1) {
		*nl = 0;
		if (replay(x, s))
			bad++;
	}
	if (*s)
		kb_note(b,
			"%s: a torn last line (a crash while it was "
			"written): dropped",
			path);
	if (bad)
		kb_note(b, "%s: %d malformed lines skipped", path, bad);
	free(buf);
	return 0;
}

int
kb_txn_open(struct kb_broker *b, const char *dir, char *err, size_t errsize)
{
	struct kb_txns *x = kq_ecalloc(1, sizeof(*x));
	struct txn *t;
	int i, n = 0;

	x->dir = kq_estrdup(dir);
	x->fd = -1;
	b->txns = x;
	if (load(b, err, errsize))
		return -1;
	for (i = 0; i < x->n; i++) {
		t = x->v[i];
		if (t->state == EMPTY)
			continue;
		n++;
		/*
		 * One not decided is aborted under a new epoch, as at its
		 * timeout: its producer, if it lives on, is fenced.
		 */
		if (t->state == ONGOING) {
			t->epoch++;
			if (save_id(b, t)) {
				snprintf(err, errsize, "%s/transactions: %s",
					 dir, strerror(errno));
				return -1;
			}
		}
		if (end_txn(b, t, t->state == PREPARE_COMMIT, 1)) {
			snprintf(err, errsize,
				 "%s/transactions: cannot end transaction "
				 "'%s'",
				 dir, t->id);
			return -1;
		}
	}
	if (n)
		kb_note(b,
			"%d transaction%s in flight at the last stop: "
			"finished",
			n, n == 1 ? "" : "s");
	if (compact(b)) {
		snprintf(err, errsize, "%s/transactions: %s", dir,
			 strerror(errno));
		return -1;
	}
	x->timer = kb_timer_add(b->loop, TICK_MS, tick, b);
	return 0;
}

void
kb_txn_close(struct kb_broker *b)
{
	struct kb_txns *x = b->txns;
	int i;

	if (!x)
		return;
	if (x->timer)
		kb_timer_del(b->loop, x->timer);
	for (i = 0; i < x->n; i++)
		txn_free(x->v[i]);
	for (i = 0; i < x->nab; i++)
		free(x->ab[i].topic);
	free(x->v);
	free(x->ab);
	if (x->fd >= 0)
		close(x->fd);
	free(x->dir);
	free(x);
	b->txns = NULL;
}

/* --- queries from the data path --------------------------------------------
 */

int16_t
kb_txn_check(const struct kb_broker *b, const char *topic, int32_t part,
	     int64_t pid, int16_t epoch)
{
	const struct kb_txns *x = b->txns;
	struct txn *t;
	int i;

	for (i = 0; i < x->n; i++) {
		t = x->v[i];
		if (t->pid != pid)
			continue;
		if (epoch < t->epoch)
			return KB_INVALID_PRODUCER_EPOCH;
		if (epoch > t->epoch || t->state != ONGOING ||
		    !find_part(t, topic, (int)strlen(topic), part))
			return INVALID_TXN_STATE;
		return KB_NONE;
	}
	return INVALID_PRODUCER_ID_MAPPING;
}

void
kb_txn_produced(struct kb_broker *b, const char *topic, int32_t part,
		int64_t pid, int64_t base)
{
	struct kb_txns *x = b->txns;
	struct tpart *p;
	int i;

	for (i = 0; i < x->n; i++)
		if (x->v[i]->pid == pid && x->v[i]->state == ONGOING) {
			p = find_part(x->v[i], topic, (int)strlen(topic), part);
			if (p && p->data < 0)
				p->data = base;
			return;
		}
}

int64_t
kb_txn_lso(const struct kb_broker *b, const char *topic, int32_t part,
	   const struct kb_log *lg)
{
	const struct kb_txns *x = b->txns;
	int64_t lso = lg->next, at;
	struct tpart *p;
	int i;

	for (i = 0; i < x->n; i++) {
		if (x->v[i]->state == EMPTY)
			continue;
		p = find_part(x->v[i], topic, (int)strlen(topic), part);
		if (!p)
			continue;
		/* Ending but not ended (a marker failed): hold it all. */
		at = p->data >= 0 || x->v[i]->state == ONGOING ? p->data
							       : p->first;
		if (at >= 0 && at < lso)
			lso = at;
	}
	return lso;
}

int
kb_txn_pending(const struct kb_broker *b, const char *group, const char *topic,
	       int32_t part)
{
	const struct kb_txns *x = b->txns;
	const struct toff *o;
	int i, j;

	for (i = 0; i < x->n; i++)
		for (j = 0; x->v[i]->state != EMPTY && j < x->v[i]->noffs;
		     j++) {
			o = &x->v[i]->offs[j];
			if (o->part == part && !strcmp(o->topic, topic) &&
			    !strcmp(o->group, group))
				return 1;
		}
	return 0;
}

void
kb_txn_put_aborted(const struct kb_broker *b, struct kb_buf *out,
		   const char *topic, int32_t part, int64_t from, int64_t upto)
{
	const struct kb_txns *x = b->txns;
	const struct aborted *a;
	size_t at = kb_array_mark(out);
	int32_t n = 0;
	int i;

	for (i = 0; i < x->nab; i++) {
		a = &x->ab[i];
		if (a->part != part || a->last < from || a->first >= upto ||
		    strcmp(a->topic, topic))
			continue;
		kb_put_i64(out, a->pid);
		kb_put_i64(out, a->first);
		kb_put_tags(out);
		n++;
	}
	kb_patch_array(out, at, n);
}

/* --- the requests ----------------------------------------------------------
 */

int16_t
kb_txn_init(struct kb_broker *b, struct kb_str id, int32_t timeout_ms,
	    int64_t *pid, int16_t *epoch)
{
	struct kb_txns *x = b->txns;
	struct txn *t;
	int16_t err;

	if (id.len <= 0)
		return KB_INVALID_REQUEST;
	if (timeout_ms <= 0 || timeout_ms > KB_TXN_MAX_TIMEOUT_MS)
		return INVALID_TRANSACTION_TIMEOUT;
	if (x->failed)
		return KB_KAFKA_STORAGE_ERROR;
	t = find_txn(x, id.s, id.len);
	if (!t)
		t = new_txn(x, id.s, id.len);
	/* The producer before has gone: what it left open is aborted. */
	if (t->state != EMPTY &&
	    (err = end_txn(b, t, t->state == PREPARE_COMMIT, 0)))
		return err;
	if (t->pid < 0 || t->epoch >= INT16_MAX - 1) {
		if ((t->pid = kb_pids_next(&b->pids)) < 0)
			return KB_KAFKA_STORAGE_ERROR;
		t->epoch = 0;
	} else {
		t->epoch++;
	}
	t->timeout_ms = timeout_ms;
	t->ended = ENDED_NONE;
	if ((err = save_id(b, t)))
		return err;
	*pid = t->pid;
	*epoch = t->epoch;
	return KB_NONE;
}

/* The transaction a request names, checked: a Kafka error code. */
static int16_t
lookup(struct kb_broker *b, struct kb_str id, int64_t pid, int16_t epoch,
       struct txn **tp)
{
	struct txn *t = find_txn(b->txns, id.s, id.len);

	*tp = t;
	if (!t || t->pid != pid)
		return INVALID_PRODUCER_ID_MAPPING;
	if (epoch != t->epoch)
		return KB_INVALID_PRODUCER_EPOCH;
	if (b->txns->failed)
		return KB_KAFKA_STORAGE_ERROR;
	return KB_NONE;
}

/* The transaction (re)opens at its first partition or group. */
static void
begin(struct txn *t)
{
	if (t->state == EMPTY) {
		t->started = kq_now_ms();
		t->ended = ENDED_NONE;
	}
}

/* A partition's answer to AddPartitionsToTxn, in the transaction. */
struct add_parts {
	struct kb_broker *b;
	struct txn *t;
	int16_t err; /* of the whole request, or 0 */
};

static int
add_partition(void *arg, struct kb_str topic, struct kb_rd *in,
	      struct kb_buf *out)
{
	struct add_parts *ap = arg;
	struct txn *t = ap->t;
	int32_t part = kb_i32(in);
	char *name = kb_str_dup(topic);
	struct kb_log *lg = find_log(ap->b, name, part);
	struct kb_buf o = {0};
	int16_t perr = ap->err;

	if (!perr && !lg)
		perr = KB_UNKNOWN_TOPIC_OR_PARTITION;
	if (!perr && !find_part(t, topic.s, topic.len, part)) {
		begin(t);
		add_part(t, kq_estrdup(name), part, lg->next);
		line_init(&o, t, 'A');
		put_cword(&o, name);
		put_num(&o, part);
		put_num(&o, lg->next);
		kb_put(&o, "\n", 1);
		if (save(ap->b, &o)) {
			perr = KB_KAFKA_STORAGE_ERROR;
			free(t->parts[--t->nparts].topic);
		}
		kb_buf_free(&o);
	}
	free(name);
	kb_put_i32(out, part);
	kb_put_i16(out, perr);
	kb_put_tags(out);
	return 0;
}

int
kb_api_add_partitions_to_txn(struct kb_broker *b, struct kb_req *r,
			     struct kb_rd *in, struct kb_buf *out)
{
	struct kb_str id = kb_string(in);
	int64_t pid = kb_i64(in);
	int16_t epoch = kb_i16(in);
	struct add_parts ap = {b, NULL, 0};
	struct kb_rd topics;
	int32_t nt, np, i;

	(void)r;
	topics = *in;
	/* Parse it whole first: an error answers every partition. */
	for (nt = kb_array(in), i = 0; i < nt && !in->err; i++) {
		kb_string(in);
		np = kb_array_of(in, 4);
		kb_skip(in, 4 * (size_t)(np > 0 ? np : 0));
		kb_tags(in);
	}
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	ap.err = lookup(b, id, pid, epoch, &ap.t);
	if (!ap.err && ap.t->state != EMPTY && ap.t->state != ONGOING)
		ap.err = 51; /* CONCURRENT_TRANSACTIONS */
	kb_put_i32(out, 0);
	nt = kb_array(&topics);
	kb_each_part(&topics, out, nt, add_partition, &ap);
	kb_put_tags(out);
	return KB_REPLY;
}

int
kb_api_add_offsets_to_txn(struct kb_broker *b, struct kb_req *r,
			  struct kb_rd *in, struct kb_buf *out)
{
	struct kb_str id = kb_string(in);
	int64_t pid = kb_i64(in);
	int16_t epoch = kb_i16(in), err;
	struct txn *t;

	(void)r;
	kb_string(in); /* the group: its offsets come by TxnOffsetCommit */
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	err = lookup(b, id, pid, epoch, &t);
	if (!err && t->state != EMPTY && t->state != ONGOING)
		err = 51;
	if (!err) {
		begin(t);
		t->state = ONGOING;
	}
	kb_put_i32(out, 0);
	kb_put_i16(out, err);
	kb_put_tags(out);
	return KB_REPLY;
}

/* A partition's offset of TxnOffsetCommit, pending in the transaction. */
struct txn_offsets {
	struct kb_broker *b;
	struct txn *t;
	struct kb_str group;
	int ver;
	int16_t err; /* of the whole request, or 0 */
};

static int
txn_offset(void *arg, struct kb_str topic, struct kb_rd *in, struct kb_buf *out)
{
	struct txn_offsets *to = arg;
	struct kb_str group = to->group;
	int32_t part = kb_i32(in);
	int64_t off = kb_i64(in);
	struct kb_buf o = {0};
	struct kb_str meta;
	int16_t perr = to->err;

	if (to->ver >= 2)
		kb_i32(in);
	meta = kb_string(in);
	kb_tags(in);
	if (in->err)
		return -1;
	if (!perr) {
		add_off(to->t, kb_str_dup(group), kb_str_dup(topic), part, off,
			kb_str_dup_null(meta));
		line_init(&o, to->t, 'O');
		put_word(&o, group.s, group.len);
		put_word(&o, topic.s, topic.len);
		put_num(&o, part);
		put_num(&o, off);
		put_word(&o, meta.len < 0 ? NULL : meta.s, meta.len);
		kb_put(&o, "\n", 1);
		if (save(to->b, &o))
			perr = KB_KAFKA_STORAGE_ERROR;
		kb_buf_free(&o);
	}
	kb_put_i32(out, part);
	kb_put_i16(out, perr);
	kb_put_tags(out);
	return 0;
}

int
kb_api_txn_offset_commit(struct kb_broker *b, struct kb_req *r,
			 struct kb_rd *in, struct kb_buf *out)
{
	struct kb_str id = kb_string(in), group = kb_string(in);
	int64_t pid = kb_i64(in);
	int16_t epoch = kb_i16(in);
	struct txn_offsets to = {b, NULL, group, r->ver, 0};
	int32_t nt;

	if (r->ver >= 3) {
		kb_i32(in);    /* generation */
		kb_string(in); /* member */
		kb_string(in); /* instance */
	}
	nt = kb_array(in);
	if (in->err)
		return KB_BADREQ;
	to.err = lookup(b, id, pid, epoch, &to.t);
	if (!to.err && to.t->state != ONGOING)
		to.err = INVALID_TXN_STATE;
	if (!to.err && group.len <= 0)
		to.err = KB_INVALID_GROUP_ID;
	kb_put_i32(out, 0);
	if (kb_each_part(in, out, nt, txn_offset, &to))
		return KB_BADREQ;
	kb_tags(in);
	kb_put_tags(out);
	return in->err ? KB_BADREQ : KB_REPLY;
}

int
kb_api_end_txn(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
	       struct kb_buf *out)
{
	struct kb_str id = kb_string(in);
	int64_t pid = kb_i64(in);
	int16_t epoch = kb_i16(in), err;
	int commit = kb_i8(in) != 0;
	struct txn *t;

	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	err = lookup(b, id, pid, epoch, &t);
	if (err)
		;
	else if (t->state == EMPTY)
		/* A retry of an EndTxn that was done is answered so. */
		err = t->ended == (commit ? ENDED_COMMIT : ENDED_ABORT)
			      ? KB_NONE
			      : INVALID_TXN_STATE;
	else if (t->state == (commit ? PREPARE_ABORT : PREPARE_COMMIT))
		err = INVALID_TXN_STATE;
	else
		err = end_txn(b, t, commit, 0);
	if (err && err != INVALID_TXN_STATE)
		kb_debug(b, "EndTxn of '%.*s' from %s: error %d", id.len, id.s,
			 r->peer, err);
	kb_put_i32(out, 0);
	kb_put_i16(out, err);
	kb_put_tags(out);
	return KB_REPLY;
}
