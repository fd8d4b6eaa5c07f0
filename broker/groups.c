#include "groups.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "errors.h"
#include "log.h"
#include "net.h"
#include "txn.h"

enum state { EMPTY, PREPARING, COMPLETING, STABLE };

static const char *state_names[] = {"Empty", "PreparingRebalance",
				    "CompletingRebalance", "Stable"};

/* A member's protocol; a member's protocols are one allocation. */
struct proto {
	char *name;
	unsigned char *meta;
	int32_t len;
};

/*
 * Kafka's defaults of group.min.session.timeout.ms and
 * group.max.session.timeout.ms: a JoinGroup outside is refused
 * (INVALID_SESSION_TIMEOUT), so that a client tuned against kq-broker
 * works against Kafka too.
 */
#define MIN_SESSION_MS 6000
#define MAX_SESSION_MS 1800000

/*
 * The least a protocol takes on the wire: an empty name and metadata
 * (compact: a byte each, and one for the tagged fields).
 */
#define PROTO_MIN      6
#define PROTO_MIN_FLEX 3

/* A request waiting for the group: where its answer goes. */
struct waiter {
	struct kb_conn *c; /* NULL: none waits */
	int32_t corr;
	int16_t ver;
};

struct member {
	char *id;
	char *client_id, *host, *instance;
	int32_t session_ms, rebalance_ms;
	struct proto *protos;
	int nprotos;
	struct waiter join, sync;
	unsigned char *assign;
	int32_t assign_len;
	uint64_t timer;
	struct kb_group *g;
	struct member *next;
};

/* An id handed out with MEMBER_ID_REQUIRED, good for a session timeout. */
struct pending {
	char *id;
	uint64_t timer;
	struct kb_group *g;
	struct pending *next;
};

struct kb_group {
	struct kb_broker *b;
	char *id;
	enum state state;
	int32_t generation;
	char *type, *protocol, *leader;
	struct member *members;
	int nmembers;
	struct pending *pending; /* not yet joined */
	uint64_t timer;
	struct kb_buf saved; /* its latest stable generation, as kept on disk */
	struct kb_group *next;
};

/*
 * Connections answered during a state change. kb_conn_unpark defers
 * their resumption to the loop, so nothing else is needed here; the
 * struct marks the functions that answer.
 */
struct resume {
	int n;
};

static void
resume_add(struct kb_broker *b, struct resume *rs, struct kb_conn *c)
{
	(void)rs;
	kb_conn_unpark(&b->net, c);
}

static void
resume_all(struct kb_broker *b, struct resume *rs)
{
	(void)b;
	(void)rs;
}

static struct kb_group *
find_group(struct kb_broker *b, struct kb_str id)
{
	struct kb_group *g;

	for (g = b->groups; g; g = g->next)
		if (kb_str_eq(id, g->id))
			return g;
	return NULL;
}

static struct member *
find_member(struct kb_group *g, struct kb_str id)
{
	struct member *m;

	if (!g)
		return NULL;
	for (m = g->members; m; m = m->next)
		if (kb_str_eq(id, m->id))
			return m;
	return NULL;
}

/* The member of g with static instance id inst (KIP-345), or NULL. */
static struct member *
find_instance(struct kb_group *g, struct kb_str inst)
{
	struct member *m;

	if (!g || inst.len < 0)
		return NULL;
	for (m = g->members; m; m = m->next)
		if (m->instance && kb_str_eq(inst, m->instance))
			return m;
	return NULL;
}

/*
 * A request naming a static instance (inst not null) as member mid:
 * UNKNOWN_MEMBER_ID if no member has it, FENCED_INSTANCE_ID if another
 * member id has it now (mid is an old incarnation), else NONE.
 */
static int16_t
instance_check(struct kb_group *g, struct kb_str mid, struct kb_str inst)
{
	const struct member *e;

	if (inst.len < 0)
		return KB_NONE;
	if (!(e = find_instance(g, inst)))
		return KB_UNKNOWN_MEMBER_ID;
	return kb_str_eq(mid, e->id) ? KB_NONE : KB_FENCED_INSTANCE_ID;
}

/*
 * The member of group gid a request comes from (member id mid, static
 * instance inst), its group in *g; or NULL with the error in *err:
 * UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID.
 */
static struct member *
find_caller(struct kb_broker *b, struct kb_str gid, struct kb_str mid,
	    struct kb_str inst, struct kb_group **g, int16_t *err)
{
	struct member *m;

	*g = find_group(b, gid);
	m = find_member(*g, mid);
	if ((*err = instance_check(*g, mid, inst)))
		return NULL;
	if (!m)
		*err = KB_UNKNOWN_MEMBER_ID;
	return m;
}

static void
free_protos(struct member *m)
{
	free(m->protos);
	m->protos = NULL;
	m->nprotos = 0;
}

static void
wait_on(struct waiter *w, struct kb_req *r)
{
	w->c = r->c;
	w->corr = r->corr;
	w->ver = r->ver;
}

/*
 * Begin the answer to a request that waited: its header, in the form of
 * its version.
 */
static size_t
reply_begin(struct kb_conn *c, const struct waiter *w, int key)
{
	size_t mark = kb_reply_begin(c, w->corr);

	c->out.flex = kb_api_flexible(key, w->ver);
	kb_put_tags(&c->out);
	return mark;
}

/* A SyncGroup response body: m's assignment, or err. */
static void
put_sync(struct kb_buf *out, int ver, int16_t err, const struct member *m)
{
	if (ver >= 1)
		kb_put_i32(out, 0);
	kb_put_i16(out, err);
	if (ver >= 5) {
		kb_put_cstr(out, err ? NULL : m->g->type);
		kb_put_cstr(out, err ? NULL : m->g->protocol);
	}
	if (err)
		kb_put_bytes(out, NULL, 0);
	else
		kb_put_bytes(out, m->assign, m->assign_len);
	kb_put_tags(out);
}

/* Answer a waiting SyncGroup. */
static void
answer_sync(struct kb_broker *b, struct member *m, int16_t err,
	    struct resume *rs)
{
	struct kb_conn *c = m->sync.c;
	size_t mark;

	if (!c)
		return;
	mark = reply_begin(c, &m->sync, KB_SYNC_GROUP);
	put_sync(&c->out, m->sync.ver, err, m);
	kb_reply_end(c, mark);
	m->sync.c = NULL;
	resume_add(b, rs, c);
}

static const struct proto *
member_proto(const struct member *m, const char *name)
{
	int i;

	for (i = 0; i < m->nprotos; i++)
		if (!strcmp(m->protos[i].name, name))
			return &m->protos[i];
	return NULL;
}

/*
 * A JoinGroup response body: with err, only the member id mid; else the
 * generation, and for its leader every member. leader (NULL: the group's)
 * is the leader named; skip tells the leader that it need not assign
 * (KIP-814: a static leader back).
 */
static void
put_join(struct kb_buf *out, int ver, int16_t err, const struct kb_group *g,
	 const struct member *m, const char *mid, const char *leader, int skip)
{
	const struct member *o;

	if (!err && !leader)
		leader = g->leader;
	if (ver >= 2)
		kb_put_i32(out, 0);
	kb_put_i16(out, err);
	kb_put_i32(out, err ? -1 : g->generation);
	if (ver >= 7)
		kb_put_cstr(out, err ? NULL : g->type);
	kb_put_cstr(out, !err ? g->protocol : ver >= 7 ? NULL : "");
	kb_put_cstr(out, err ? "" : leader);
	if (ver >= 9)
		kb_put_i8(out, (int8_t)skip);
	kb_put_cstr(out, mid);
	if (!err && !strcmp(m->id, leader)) {
		kb_put_array(out, g->nmembers);
		for (o = g->members; o; o = o->next) {
			const struct proto *p = member_proto(o, g->protocol);

			kb_put_cstr(out, o->id);
			if (ver >= 5)
				kb_put_cstr(out, o->instance);
			kb_put_bytes(out, p ? p->meta : NULL, p ? p->len : 0);
			kb_put_tags(out);
		}
	} else {
		kb_put_array(out, 0);
	}
	kb_put_tags(out);
}

/* Answer a waiting JoinGroup: the leader gets every member. */
static void
answer_join(struct kb_broker *b, struct kb_group *g, struct member *m,
	    int16_t err, struct resume *rs)
{
	struct kb_conn *c = m->join.c;
	size_t mark;

	if (!c)
		return;
	mark = reply_begin(c, &m->join, KB_JOIN_GROUP);
	put_join(&c->out, m->join.ver, err, g, m,
		 err == KB_UNKNOWN_MEMBER_ID ? "" : m->id, NULL, 0);
	kb_reply_end(c, mark);
	m->join.c = NULL;
	resume_add(b, rs, c);
}

static void session_expired(struct kb_loop *l, void *arg);
static void group_saved(struct kb_broker *b, struct kb_group *g);
static void group_unsaved(struct kb_broker *b, struct kb_group *g);

/*
 * Restart m's session timer. A member waiting in JoinGroup has none: its
 * connection is parked, so it cannot heartbeat, and Kafka keeps such a
 * member however long the rebalance takes (its rebalance timeout).
 */
static void
touch(struct kb_broker *b, struct member *m)
{
	kb_timer_del(b->loop, m->timer);
	m->timer = m->join.c ? 0
			     : kb_timer_add(b->loop, m->session_ms,
					    session_expired, m);
}

/* A member's waiting JoinGroup went with its connection. */
static void
join_cancel(void *arg)
{
	struct member *m = arg;

	m->join.c = NULL;
	touch(m->g->b, m);
}

static void
sync_cancel(void *arg)
{
	struct member *m = arg;

	m->sync.c = NULL;
}

/*
 * Park r until the rebalance answers it. Nothing stops two connections
 * from using one member id: a request already waiting is answered first
 * (REBALANCE_IN_PROGRESS, so that its client asks again), as no
 * connection may stay parked on a member that no longer knows it.
 */
static void
park_join(struct kb_broker *b, struct kb_req *r, struct member *m,
	  struct resume *rs)
{
	answer_join(b, m->g, m, KB_REBALANCE_IN_PROGRESS, rs);
	wait_on(&m->join, r);
	kb_conn_park(r->c, join_cancel, m);
	touch(b, m);
}

static void
park_sync(struct kb_broker *b, struct kb_req *r, struct member *m,
	  struct resume *rs)
{
	answer_sync(b, m, KB_REBALANCE_IN_PROGRESS, rs);
	wait_on(&m->sync, r);
	kb_conn_park(r->c, sync_cancel, m);
}

/* Free m; a request still waiting (at shutdown) is left unanswered. */
static void
member_free(struct kb_broker *b, struct member *m)
{
	kb_timer_del(b->loop, m->timer);
	if (m->join.c)
		m->join.c->cancel = NULL;
	if (m->sync.c)
		m->sync.c->cancel = NULL;
	free_protos(m);
	free(m->id);
	free(m->client_id);
	free(m->host);
	free(m->instance);
	free(m->assign);
	free(m);
}

/* Take m out of its group, answering what it waits for. */
static void
remove_member(struct kb_broker *b, struct member *m, struct resume *rs)
{
	struct kb_group *g = m->g;
	struct member **pp;

	answer_join(b, g, m, KB_UNKNOWN_MEMBER_ID, rs);
	answer_sync(b, m, KB_UNKNOWN_MEMBER_ID, rs);
	for (pp = &g->members; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	g->nmembers--;
	if (g->leader && !strcmp(g->leader, m->id)) {
		free(g->leader);
		g->leader = NULL;
	}
	member_free(b, m);
}

/* The protocol every member supports, the first member's order first. */
static const char *
choose_protocol(struct kb_group *g)
{
	struct member *first = g->members, *m;
	int i;

	if (!first)
		return NULL;
	for (i = 0; i < first->nprotos; i++) {
		for (m = first->next; m; m = m->next)
			if (!member_proto(m, first->protos[i].name))
				break;
		if (!m)
			return first->protos[i].name;
	}
	return NULL;
}

static void
complete_join(struct kb_broker *b, struct kb_group *g, struct resume *rs)
{
	struct member *m, *next;
	const char *proto;

	kb_timer_del(b->loop, g->timer);
	g->timer = 0;
	/* Those that did not rejoin in time are out. */
	for (m = g->members; m; m = next) {
		next = m->next;
		if (!m->join.c) {
			kb_debug(b, "group %s: member %s did not rejoin", g->id,
				 m->id);
			remove_member(b, m, rs);
		}
	}
	g->generation++;
	free(g->protocol);
	g->protocol = NULL;
	if (!g->members) {
		g->state = EMPTY;
		return;
	}
	proto = choose_protocol(g);
	g->protocol = kq_estrdup(proto ? proto : "");
	if (!g->leader)
		g->leader = kq_estrdup(g->members->id);
	g->state = COMPLETING;
	kb_debug(b, "group %s: generation %d with %d member%s, protocol %s",
		 g->id, g->generation, g->nmembers, g->nmembers == 1 ? "" : "s",
		 g->protocol);
	for (m = g->members; m; m = m->next) {
		free(m->assign);
		m->assign = NULL;
		m->assign_len = 0;
		answer_join(b, g, m, KB_NONE, rs);
		touch(b, m);
	}
}

/* Every member has asked to join: the rebalance can complete. */
static void
maybe_complete(struct kb_broker *b, struct kb_group *g, struct resume *rs)
{
	struct member *m;

	if (g->state != PREPARING)
		return;
	for (m = g->members; m; m = m->next)
		if (!m->join.c)
			return;
	complete_join(b, g, rs);
}

static void
pending_free(struct kb_broker *b, struct pending *p)
{
	kb_timer_del(b->loop, p->timer);
	free(p->id);
	free(p);
}

static void
group_free(struct kb_broker *b, struct kb_group *g)
{
	struct member *m;
	struct pending *p;

	while ((m = g->members)) {
		g->members = m->next;
		member_free(b, m);
	}
	while ((p = g->pending)) {
		g->pending = p->next;
		pending_free(b, p);
	}
	kb_timer_del(b->loop, g->timer);
	kb_buf_free(&g->saved);
	free(g->id);
	free(g->type);
	free(g->protocol);
	free(g->leader);
	free(g);
}

/* Take g off the broker's list and out of the metadata file. */
static void
group_drop(struct kb_broker *b, struct kb_group *g)
{
	struct kb_group **pp;

	for (pp = &b->groups; *pp != g; pp = &(*pp)->next)
		;
	*pp = g->next;
	group_unsaved(b, g);
	group_free(b, g);
}

/*
 * Once nobody is in g or about to join it: a group that had members and
 * has committed offsets stays, Empty, and keeps its protocol type
 * ("consumer") across restarts, as Kafka's does until DeleteGroups; any
 * other is forgotten. Committed offsets live in offsets.c and stay either way:
 * a group known only by them is listed Empty with no protocol type, as Kafka
 * lists a group whose offsets were committed from outside it. The callers are
 * the entry points (requests, timers), once done with g.
 */
static void
group_reap(struct kb_broker *b, struct kb_group *g)
{
	const struct kb_goffsets *go;

	if (g->members || g->pending)
		return;
	go = kb_offsets_group(&b->offsets, g->id);
	if (g->type && go && go->n > 0) {
		g->state = EMPTY;
		group_saved(b, g);
		return;
	}
	kb_debug(b, "group %s: empty, forgotten", g->id);
	group_drop(b, g);
}

static void
rebalance_expired(struct kb_loop *l, void *arg)
{
	struct kb_group *g = arg;
	struct kb_broker *b = g->b;
	struct resume rs = {.n = 0};

	(void)l;
	g->timer = 0;
	complete_join(b, g, &rs);
	resume_all(b, &rs);
	group_reap(b, g);
}

static void
prepare(struct kb_broker *b, struct kb_group *g, struct resume *rs)
{
	struct member *m;
	int32_t t = 0;

	if (g->state == PREPARING)
		return;
	/* Syncs waiting for the leader learn that the group moved on. */
	for (m = g->members; m; m = m->next) {
		answer_sync(b, m, KB_REBALANCE_IN_PROGRESS, rs);
		if (m->rebalance_ms > t)
			t = m->rebalance_ms;
	}
	g->state = PREPARING;
	kb_timer_del(b->loop, g->timer);
	g->timer = kb_timer_add(b->loop, t, rebalance_expired, g);
}

/*
 * After members left or timed out: a rebalance, as the others may hold
 * the partitions of those gone (and one of them may have led).
 */
static void
after_leave(struct kb_broker *b, struct kb_group *g, struct resume *rs)
{
	if (!g->members) {
		kb_timer_del(b->loop, g->timer);
		g->timer = 0;
		g->state = EMPTY;
		g->generation++;
		free(g->protocol);
		g->protocol = NULL;
		return;
	}
	prepare(b, g, rs);
	maybe_complete(b, g, rs);
}

static void
session_expired(struct kb_loop *l, void *arg)
{
	struct member *m = arg;
	struct kb_group *g = m->g;
	struct kb_broker *b = g->b;
	struct resume rs = {.n = 0};

	(void)l;
	m->timer = 0;
	kb_note(b, "group %s: member %s (%s) left: no heartbeat for %d ms",
		g->id, m->id, m->client_id, m->session_ms);
	remove_member(b, m, &rs);
	after_leave(b, g, &rs);
	resume_all(b, &rs);
	group_reap(b, g);
}

static struct kb_group *
new_group(struct kb_broker *b, struct kb_str id)
{
	struct kb_group *g = kq_ecalloc(1, sizeof(*g));

	g->b = b;
	g->id = kb_str_dup(id);
	g->next = b->groups;
	b->groups = g;
	return g;
}

static char *
new_member_id(struct kb_broker *b, struct kb_req *r)
{
	static unsigned long long n;
	char buf[512];

	snprintf(buf, sizeof(buf), "%.*s-%llx-%llx",
		 r->client.len > 0 && r->client.len < 200 ? r->client.len : 2,
		 r->client.len > 0 && r->client.len < 200 ? r->client.s : "kq",
		 (unsigned long long)kb_loop_now(b->loop), ++n);
	return kq_estrdup(buf);
}

/* A pending id not used in time: Kafka too forgets it after the session. */
static void
pending_expired(struct kb_loop *l, void *arg)
{
	struct pending *p = arg, **pp;
	struct kb_group *g = p->g;

	(void)l;
	p->timer = 0;
	for (pp = &g->pending; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	pending_free(g->b, p);
	group_reap(g->b, g);
}

static void
add_pending(struct kb_broker *b, struct kb_group *g, const char *id,
	    int32_t session_ms)
{
	struct pending *p = kq_ecalloc(1, sizeof(*p));

	p->id = kq_estrdup(id);
	p->g = g;
	p->timer = kb_timer_add(b->loop, session_ms, pending_expired, p);
	p->next = g->pending;
	g->pending = p;
}

/* Whether id was handed out in g; it is used up. */
static int
take_pending(struct kb_broker *b, struct kb_group *g, struct kb_str id)
{
	struct pending **pp, *p;

	if (!g)
		return 0;
	for (pp = &g->pending; (p = *pp); pp = &p->next)
		if (kb_str_eq(id, p->id)) {
			*pp = p->next;
			pending_free(b, p);
			return 1;
		}
	return 0;
}

/*
 * A JoinGroup's protocols, in one allocation: the array, then the names
 * and metadata. The request is checked whole before anything is
 * allocated, so that a hostile count costs nothing and a well-formed list
 * no more than a few times its own size. NULL, with in->err, if malformed.
 */
static struct proto *
read_protos(struct kb_rd *in, int32_t *np)
{
	int32_t n = kb_array(in), i;
	size_t size;
	struct kb_rd scan;
	struct proto *v;
	unsigned char *at;

	if (in->err || n < 0 ||
	    (size_t)n > kb_left(in) / (in->flex ? PROTO_MIN_FLEX : PROTO_MIN)) {
		in->err = 1;
		return NULL;
	}
	scan = *in;
	size = (size_t)n * sizeof(*v);
	for (i = 0; i < n && !scan.err; i++) {
		const unsigned char *p;
		struct kb_str name = kb_string(&scan);
		int32_t len = kb_bytes(&scan, &p);

		kb_tags(&scan);
		size += (size_t)(name.len > 0 ? name.len : 0) + 1 +
			(size_t)(len > 0 ? len : 0);
	}
	if (scan.err) {
		in->err = 1;
		return NULL;
	}
	v = kq_emalloc(size);
	at = (unsigned char *)(v + n);
	for (i = 0; i < n; i++) {
		const unsigned char *p;
		struct kb_str name = kb_string(in);
		int32_t len = kb_bytes(in, &p);
		size_t nl = name.len > 0 ? (size_t)name.len : 0;

		kb_tags(in);
		v[i].name = (char *)at;
		if (nl)
			memcpy(at, name.s, nl);
		at[nl] = '\0';
		at += nl + 1;
		v[i].meta = at;
		v[i].len = len > 0 ? len : 0;
		if (v[i].len)
			memcpy(at, p, (size_t)len);
		at += v[i].len;
	}
	*np = n;
	return v;
}

/*
 * Whether protos leave g a protocol that every member supports, m (if a
 * member already) counted with its new protocols. Asked before anything
 * changes, as Kafka does: a member refused keeps its place, its old
 * protocols and, if it led, the lead.
 */
static int
protos_fit(const struct kb_group *g, const struct member *m,
	   const struct proto *protos, int32_t n)
{
	const struct member *o;
	int32_t i;

	for (i = 0; i < n; i++) {
		for (o = g ? g->members : NULL; o; o = o->next)
			if (o != m && !member_proto(o, protos[i].name))
				break;
		if (!o)
			return 1;
	}
	return 0;
}

/* A new member of g, last in line: members keep the order they came in. */
static struct member *
add_member(struct kb_broker *b, struct kb_req *r, struct kb_group *g,
	   struct kb_str mid)
{
	struct member *m = kq_ecalloc(1, sizeof(*m)), **pp;
	const char *colon = strrchr(r->peer, ':');
	struct kb_str host = {r->peer, colon ? (int)(colon - r->peer)
					     : (int)strlen(r->peer)};

	m->id = mid.len > 0 ? kb_str_dup(mid) : new_member_id(b, r);
	m->g = g;
	for (pp = &g->members; *pp; pp = &(*pp)->next)
		;
	*pp = m;
	g->nmembers++;
	m->client_id = kb_str_dup(r->client);
	m->host = kb_str_dup(host);
	kb_debug(b, "group %s: member %s joins", g->id, m->id);
	return m;
}

/* Whether protos are m's protocols as they are, in the same order. */
static int
same_protos(const struct member *m, const struct proto *protos, int32_t n)
{
	int32_t i;

	if (n != m->nprotos)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(protos[i].name, m->protos[i].name) ||
		    protos[i].len != m->protos[i].len ||
		    (protos[i].len && memcmp(protos[i].meta, m->protos[i].meta,
					     (size_t)protos[i].len)))
			return 0;
	return 1;
}

/*
 * A static member (KIP-345) back with no member id, its instance id known
 * in its group as old: a new id takes old's place, with old's assignment
 * and, if old led, the lead; old's waiting requests are fenced. In a
 * stable group whose protocol stays, that is all: no rebalance, the
 * member syncs to get its assignment back, as Kafka does.
 */
static int
static_rejoin(struct kb_broker *b, struct kb_req *r, struct member *old,
	      struct proto *protos, int32_t n, int32_t session,
	      int32_t rebalance, struct kb_buf *out)
{
	struct kb_group *g = old->g;
	struct resume rs = {.n = 0};
	char *was = old->id;
	const char *chosen;
	int leads = g->leader && !strcmp(g->leader, was);

	answer_join(b, g, old, KB_FENCED_INSTANCE_ID, &rs);
	answer_sync(b, old, KB_FENCED_INSTANCE_ID, &rs);
	old->id = new_member_id(b, r);
	if (leads) {
		free(g->leader);
		g->leader = kq_estrdup(old->id);
	}
	free_protos(old);
	old->protos = protos;
	old->nprotos = n;
	old->session_ms = session;
	old->rebalance_ms = rebalance;
	kb_debug(b, "group %s: static member %s is back as %s", g->id,
		 old->instance, old->id);
	if (g->state == STABLE && (chosen = choose_protocol(g)) &&
	    g->protocol && !strcmp(chosen, g->protocol)) {
		touch(b, old);
		group_saved(b, g);
		/*
		 * v9 (KIP-814): a leader back is told it leads, and that it
		 * need not assign; before, it is not told it leads.
		 */
		put_join(out, r->ver, KB_NONE, g, old, old->id,
			 leads && r->ver < 9 ? was : NULL, leads);
		free(was);
		resume_all(b, &rs);
		return KB_REPLY;
	}
	free(was);
	park_join(b, r, old, &rs);
	prepare(b, g, &rs);
	maybe_complete(b, g, &rs);
	resume_all(b, &rs);
	return KB_PARKED;
}

int
kb_api_join_group(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		  struct kb_buf *out)
{
	struct kb_str gid = kb_string(in), mid, inst = {NULL, -1}, type;
	int32_t session = kb_i32(in), rebalance, n = 0;
	struct kb_group *g;
	struct member *m;
	struct proto *protos;
	struct resume rs = {.n = 0};
	int16_t err = KB_NONE;

	rebalance = r->ver >= 1 ? kb_i32(in) : session;
	mid = kb_string(in);
	if (r->ver >= 5)
		inst = kb_string(in);
	type = kb_string(in);
	protos = read_protos(in, &n);
	if (r->ver >= 8)
		kb_string(in); /* why it joins, for logs we do not keep */
	kb_tags(in);
	if (in->err) {
		free(protos);
		return KB_BADREQ;
	}
	g = find_group(b, gid);
	m = find_member(g, mid);
	if (gid.len <= 0)
		err = KB_INVALID_GROUP_ID;
	else if (session < MIN_SESSION_MS || session > MAX_SESSION_MS)
		err = KB_INVALID_SESSION_TIMEOUT;
	else if (n == 0)
		err = KB_INCONSISTENT_GROUP_PROTOCOL;
	else if ((g && g->members && g->type && !kb_str_eq(type, g->type)) ||
		 !protos_fit(g, m, protos, n))
		err = KB_INCONSISTENT_GROUP_PROTOCOL;
	else if (mid.len > 0 && (err = instance_check(g, mid, inst)))
		;
	else if (!m && mid.len > 0 && !take_pending(b, g, mid))
		err = KB_UNKNOWN_MEMBER_ID;
	if (err) {
		free(protos);
		put_join(out, r->ver, err, NULL, NULL, "", NULL, 0);
		return KB_REPLY;
	}
	if (!g)
		g = new_group(b, gid);
	if (!m && mid.len <= 0 && (m = find_instance(g, inst)))
		return static_rejoin(b, r, m, protos, n, session, rebalance,
				     out);
	if (m && g->state != PREPARING && same_protos(m, protos, n) &&
	    (g->state == COMPLETING || strcmp(m->id, g->leader))) {
		/*
		 * As Kafka: a follower asking again with nothing changed (or
		 * any member, while the leader assigns) is given the current
		 * generation, and no rebalance starts.
		 */
		free(protos);
		answer_join(b, g, m, KB_REBALANCE_IN_PROGRESS, &rs);
		resume_all(b, &rs);
		touch(b, m);
		put_join(out, r->ver, KB_NONE, g, m, m->id, NULL, 0);
		return KB_REPLY;
	}
	/* A static member (KIP-345) is known by its instance id at once. */
	if (!m && mid.len <= 0 && inst.len < 0 && r->ver >= 4) {
		/* KIP-394: the member asks again with this id. */
		char *id = new_member_id(b, r);

		add_pending(b, g, id, session);
		free(protos);
		put_join(out, r->ver, KB_MEMBER_ID_REQUIRED, NULL, NULL, id,
			 NULL, 0);
		free(id);
		return KB_REPLY;
	}
	if (!m)
		m = add_member(b, r, g, mid);
	free_protos(m);
	m->protos = protos;
	m->nprotos = n;
	m->session_ms = session;
	m->rebalance_ms = rebalance;
	free(m->instance);
	m->instance = kb_str_dup_null(inst);
	/* The first member of an empty group gives it its type. */
	if (!g->type || g->state == EMPTY) {
		free(g->type);
		g->type = kb_str_dup(type);
	}
	park_join(b, r, m, &rs);
	prepare(b, g, &rs);
	maybe_complete(b, g, &rs);
	/*
	 * The joiner itself may have been answered at once; the net layer
	 * sends its answer when this returns KB_PARKED and it is resumed.
	 */
	resume_all(b, &rs);
	return KB_PARKED;
}

int
kb_api_sync_group(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		  struct kb_buf *out)
{
	struct kb_str gid = kb_string(in), mid;
	int32_t gen = kb_i32(in), n, i;
	struct kb_group *g;
	struct member *m;
	int16_t err = KB_NONE;
	struct resume rs = {.n = 0};
	struct kb_rd assigns;
	struct kb_str ptype = {NULL, -1}, pname = {NULL, -1};
	struct kb_str inst = {NULL, -1};

	mid = kb_string(in);
	if (r->ver >= 3)
		inst = kb_string(in);
	if (r->ver >= 5) {
		ptype = kb_string(in);
		pname = kb_string(in);
	}
	assigns = *in;
	n = kb_array(in);
	for (i = 0; i < n && !in->err; i++) {
		const unsigned char *p;

		kb_string(in);
		kb_bytes(in, &p);
		kb_tags(in);
	}
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	if (!(m = find_caller(b, gid, mid, inst, &g, &err)))
		;
	else if (gen != g->generation)
		err = KB_ILLEGAL_GENERATION;
	else if ((ptype.len >= 0 && g->type && !kb_str_eq(ptype, g->type)) ||
		 (pname.len >= 0 && g->protocol &&
		  !kb_str_eq(pname, g->protocol)))
		err = KB_INCONSISTENT_GROUP_PROTOCOL;
	else if (g->state == PREPARING)
		err = KB_REBALANCE_IN_PROGRESS;
	if (err || g->state == STABLE) {
		if (!err)
			touch(b, m);
		put_sync(out, r->ver, err, m);
		return KB_REPLY;
	}
	touch(b, m);
	park_sync(b, r, m, &rs);
	if (g->leader && !strcmp(m->id, g->leader)) {
		struct member *o;

		n = kb_array(&assigns);
		for (i = 0; i < n; i++) {
			struct kb_str to = kb_string(&assigns);
			const unsigned char *p;
			int32_t len = kb_bytes(&assigns, &p);

			kb_tags(&assigns);
			if ((o = find_member(g, to)) && len >= 0) {
				free(o->assign);
				o->assign = kq_emalloc(len ? (size_t)len : 1);
				memcpy(o->assign, p, (size_t)len);
				o->assign_len = len;
			}
		}
		g->state = STABLE;
		kb_debug(b, "group %s: generation %d is stable", g->id,
			 g->generation);
		group_saved(b, g);
		for (o = g->members; o; o = o->next)
			answer_sync(b, o, KB_NONE, &rs);
	}
	resume_all(b, &rs);
	return KB_PARKED;
}

int
kb_api_heartbeat(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		 struct kb_buf *out)
{
	struct kb_str gid = kb_string(in), mid, inst = {NULL, -1};
	int32_t gen = kb_i32(in);
	struct kb_group *g;
	struct member *m;
	int16_t err = KB_NONE;

	mid = kb_string(in);
	if (r->ver >= 3)
		inst = kb_string(in);
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	if (!(m = find_caller(b, gid, mid, inst, &g, &err)))
		;
	else if (g->state == PREPARING)
		err = KB_REBALANCE_IN_PROGRESS;
	else if (gen != g->generation)
		err = KB_ILLEGAL_GENERATION;
	if (m)
		touch(b, m);
	if (r->ver >= 1)
		kb_put_i32(out, 0);
	kb_put_i16(out, err);
	kb_put_tags(out);
	return KB_REPLY;
}

int
kb_api_leave_group(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		   struct kb_buf *out)
{
	struct kb_str gid = kb_string(in), ids[64], insts[64];
	int32_t n = 1, i;
	struct kb_group *g;
	struct resume rs = {.n = 0};
	int16_t errs[64], err = KB_NONE;
	int left = 0;

	if (r->ver <= 2)
		ids[0] = kb_string(in);
	else {
		n = kb_array(in);
		for (i = 0; i < n && !in->err; i++) {
			struct kb_str id = kb_string(in);
			struct kb_str inst = kb_string(in);

			if (r->ver >= 5)
				kb_string(in); /* the reason */
			kb_tags(in);
			if (i < 64) {
				ids[i] = id;
				insts[i] = inst;
			}
		}
		if (n > 64)
			return KB_BADREQ;
	}
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	g = find_group(b, gid);
	for (i = 0; i < n; i++) {
		struct member *m = find_member(g, ids[i]);
		int16_t e = KB_NONE;

		/*
		 * KIP-345: a static member may leave by its instance id; an
		 * old incarnation of it is fenced.
		 */
		if (r->ver >= 3 && ids[i].len <= 0)
			m = find_instance(g, insts[i]);
		else if (r->ver >= 3 &&
			 (e = instance_check(g, ids[i], insts[i])))
			m = NULL;
		errs[i] = m ? KB_NONE : e ? e : KB_UNKNOWN_MEMBER_ID;
		if (m) {
			kb_debug(b, "group %s: member %s leaves", g->id, m->id);
			remove_member(b, m, &rs);
			left = 1;
		} else {
			err = errs[i];
		}
	}
	/* A late LeaveGroup (the member expired) changes nothing. */
	if (left) {
		after_leave(b, g, &rs);
		resume_all(b, &rs);
		group_reap(b, g);
	}
	if (r->ver >= 1)
		kb_put_i32(out, 0);
	if (r->ver <= 2) {
		kb_put_i16(out, err);
		return KB_REPLY;
	}
	kb_put_i16(out, KB_NONE);
	kb_put_array(out, n);
	for (i = 0; i < n; i++) {
		kb_put_str(out, ids[i]);
		kb_put_str(out, insts[i]);
		kb_put_i16(out, errs[i]);
		kb_put_tags(out);
	}
	kb_put_tags(out);
	return KB_REPLY;
}

/* --- offsets ---------------------------------------------------------------
 */

/*
 * The commits answered in out (an OffsetCommit response from at on) were
 * not made durable: each partition answered NONE is told
 * KAFKA_STORAGE_ERROR instead, so that its client commits again.
 */
static void
commits_failed(struct kb_buf *out, size_t at, int ver)
{
	struct kb_rd rd;
	int32_t nt, np, i, j;

	kb_rd_init(&rd, out->p + at, out->len - at);
	rd.flex = out->flex;
	if (ver >= 3)
		kb_i32(&rd);
	nt = kb_array(&rd);
	for (i = 0; i < nt && !rd.err; i++) {
		kb_string(&rd);
		np = kb_array(&rd);
		for (j = 0; j < np && !rd.err; j++) {
			kb_i32(&rd);
			if (kb_i16(&rd) == KB_NONE && !rd.err) {
				unsigned char *e = out->p + (rd.p - out->p) - 2;

				e[0] = 0;
				e[1] = KB_KAFKA_STORAGE_ERROR;
			}
			kb_tags(&rd);
		}
		kb_tags(&rd);
	}
}

/* A partition's committed offset, for OffsetCommit. */
struct commits {
	struct kb_broker *b;
	const char *group;
	int ver;
	int16_t err;	/* of the whole request, or 0 */
	int fail, done; /* a commit failed; one was written */
};

static int
commit_offset(void *arg, struct kb_str topic, struct kb_rd *in,
	      struct kb_buf *out)
{
	struct commits *cm = arg;
	int32_t part = kb_i32(in);
	int64_t offset = kb_i64(in);
	struct kb_topic *t;
	struct kb_str meta;
	int16_t err = cm->err;

	if (cm->ver >= 6)
		kb_i32(in);
	if (cm->ver == 1)
		kb_i64(in);
	meta = kb_string(in);
	kb_tags(in);
	if (in->err)
		return -1;
	t = kb_topics_find(&cm->b->topics, topic.s, topic.len);
	if (!err && (!t || part < 0 || part >= t->nparts))
		err = KB_UNKNOWN_TOPIC_OR_PARTITION;
	if (!err) {
		char *tname = kb_str_dup(topic);
		char *m = kb_str_dup_null(meta);

		if (kb_offsets_commit(&cm->b->offsets, cm->group, tname, part,
				      offset, m)) {
			err = KB_KAFKA_STORAGE_ERROR;
			cm->fail = 1;
		} else {
			cm->done = 1;
		}
		free(m);
		free(tname);
	}
	kb_put_i32(out, part);
	kb_put_i16(out, err);
	kb_put_tags(out);
	return 0;
}

int
kb_api_offset_commit(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		     struct kb_buf *out)
{
	struct kb_str gid = kb_string(in), mid = {"", 0}, inst = {NULL, -1};
	int32_t gen = -1, nt;
	struct kb_group *g;
	struct commits cm = {b, NULL, r->ver, KB_NONE, 0, 0};
	char *group;
	size_t at = out->len;
	int bad;

	if (r->ver >= 1) {
		gen = kb_i32(in);
		mid = kb_string(in);
	}
	if (r->ver >= 7)
		inst = kb_string(in);
	if (r->ver >= 2 && r->ver <= 4)
		kb_i64(in);
	nt = kb_array(in);
	if (in->err)
		return KB_BADREQ;
	g = find_group(b, gid);
	if (gid.len <= 0)
		cm.err = KB_INVALID_GROUP_ID;
	else if (gen < 0 && (!g || g->state == EMPTY))
		cm.err = KB_NONE; /* a commit from outside any group */
	else if (inst.len >= 0 && find_instance(g, inst) &&
		 !kb_str_eq(mid, find_instance(g, inst)->id))
		cm.err = KB_FENCED_INSTANCE_ID;
	else if (g && g->state == COMPLETING)
		cm.err = KB_REBALANCE_IN_PROGRESS;
	else if (!find_member(g, mid))
		cm.err = KB_UNKNOWN_MEMBER_ID;
	else if (gen != g->generation)
		cm.err = KB_ILLEGAL_GENERATION;
	/*
	 * PreparingRebalance takes commits, as Kafka does: a member commits
	 * what it processed as its partitions are revoked, before it
	 * rejoins; refused, the commit is lost and the next owner re-reads.
	 */
	group = kb_str_dup(gid);
	cm.group = group;
	if (r->ver >= 3)
		kb_put_i32(out, 0);
	bad = kb_each_part(in, out, nt, commit_offset, &cm);
	kb_tags(in);
	kb_put_tags(out);
	if (bad || in->err) {
		free(group);
		return KB_BADREQ;
	}
	if (cm.fail)
		kb_note(b, "%s: cannot write a committed offset",
			b->offsets.path);
	if (cm.done && b->fsync == KB_FSYNC_ALWAYS &&
	    kb_offsets_sync(&b->offsets)) {
		kb_note(b, "%s: fsync failed: %s", b->offsets.path,
			strerror(errno));
		commits_failed(out, at, r->ver);
	}
	free(group);
	return KB_REPLY;
}

/*
 * Where an OffsetFetch answer holds the offset and the error of each
 * partition an open transaction has an offset pending for: if the
 * request, at its end, asks for stable offsets only (require_stable),
 * they become -1 and UNSTABLE_OFFSET_COMMIT, and the client asks again.
 */
struct unstable {
	const char *group;
	size_t *at; /* pairs */
	int n, cap;
};

#define UNSTABLE_OFFSET_COMMIT 88

static void
put_committed(struct kb_broker *b, struct kb_buf *out, int ver,
	      const char *topic, int32_t part, const struct kb_committed *c,
	      struct unstable *u)
{
	size_t off_at;

	kb_put_i32(out, part);
	off_at = out->len;
	kb_put_i64(out, c ? c->offset : -1);
	if (ver >= 5)
		kb_put_i32(out, -1);
	kb_put_cstr(out, c ? c->meta : "");
	if (kb_txn_pending(b, u->group, topic, part)) {
		if (u->n + 2 > u->cap) {
			u->cap = u->cap ? 2 * u->cap : 16;
			u->at = kq_erealloc(u->at,
					    (size_t)u->cap * sizeof(*u->at));
		}
		u->at[u->n++] = off_at;
		u->at[u->n++] = out->len;
	}
	kb_put_i16(out, KB_NONE);
	kb_put_tags(out);
}

static void
mark_unstable(struct kb_buf *out, const struct unstable *u)
{
	int i;

	for (i = 0; i < u->n; i += 2) {
		kb_st64(out->p + u->at[i], (uint64_t)-1);
		out->p[u->at[i + 1]] = 0;
		out->p[u->at[i + 1] + 1] = UNSTABLE_OFFSET_COMMIT;
	}
}

/* Every topic group go committed on, grouped by topic. */
static void
put_all_committed(struct kb_broker *b, struct kb_buf *out, int ver,
		  const struct kb_goffsets *go, struct unstable *u)
{
	int n = go ? go->n : 0, i, k, count = 0;
	size_t at = kb_array_mark(out);
	char *done = kq_ecalloc((size_t)(n ? n : 1), 1);

	for (i = 0; i < n; i++) {
		size_t pat;
		int pc = 0;

		if (done[i])
			continue;
		kb_put_cstr(out, go->v[i].topic);
		pat = kb_array_mark(out);
		for (k = i; k < n; k++)
			if (!done[k] &&
			    !strcmp(go->v[k].topic, go->v[i].topic)) {
				done[k] = 1;
				put_committed(b, out, ver, go->v[k].topic,
					      go->v[k].part, &go->v[k], u);
				pc++;
			}
		kb_patch_array(out, pat, pc);
		kb_put_tags(out);
		count++;
	}
	kb_patch_array(out, at, count);
	free(done);
}

/*
 * The topics of one group in an OffsetFetch: read from in (a null array:
 * all) and answered in out. -1 if malformed.
 */
static int
fetch_topics(struct kb_broker *b, int ver, struct kb_str gid, struct kb_rd *in,
	     struct kb_buf *out, struct unstable *u)
{
	int32_t nt = kb_array(in), np, i, j;
	const struct kb_goffsets *go;
	char *group;

	if (in->err)
		return -1;
	group = kb_str_dup(gid);
	u->group = group;
	go = kb_offsets_group(&b->offsets, group);
	if (nt < 0) {
		put_all_committed(b, out, ver, go, u);
		free(group);
		return 0;
	}
	kb_put_array(out, nt);
	for (i = 0; i < nt; i++) {
		struct kb_str topic = kb_string(in);
		char *tname = kb_str_dup(topic);

		np = kb_array(in);
		kb_put_str(out, topic);
		kb_put_array(out, np > 0 ? np : 0);
		for (j = 0; j < np && !in->err; j++) {
			int32_t part = kb_i32(in);

			put_committed(b, out, ver, tname, part,
				      kb_offsets_get(go, tname, part), u);
		}
		kb_tags(in);
		kb_put_tags(out);
		free(tname);
		if (in->err)
			break;
	}
	free(group);
	return in->err ? -1 : 0;
}

int
kb_api_offset_fetch(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		    struct kb_buf *out)
{
	struct unstable u = {0};
	int32_t ng, i;

	if (r->ver >= 3)
		kb_put_i32(out, 0);
	if (r->ver <= 7) {
		if (fetch_topics(b, r->ver, kb_string(in), in, out, &u))
			goto bad;
		if (r->ver >= 2)
			kb_put_i16(out, KB_NONE);
	} else {
		/* v8: groups at once, each answered as v7 answers one. */
		ng = kb_array(in);
		kb_put_array(out, ng > 0 ? ng : 0);
		for (i = 0; i < ng && !in->err; i++) {
			struct kb_str gid = kb_string(in);

			if (r->ver >= 9) {
				kb_string(in); /* member id, */
				kb_i32(in);    /* its epoch: KIP-848's */
			}
			kb_put_str(out, gid);
			if (fetch_topics(b, r->ver, gid, in, out, &u))
				goto bad;
			kb_tags(in);
			kb_put_i16(out, KB_NONE);
			kb_put_tags(out);
		}
	}
	if (r->ver >= 7 && kb_i8(in))
		mark_unstable(out, &u);
	kb_tags(in);
	kb_put_tags(out);
	free(u.at);
	return in->err ? KB_BADREQ : KB_REPLY;
bad:
	free(u.at);
	return KB_BADREQ;
}

/* --- FindCoordinator, ListGroups, DescribeGroups ---------------------------
 */

/* One coordinator, this broker, for a group and a transaction alike. */
static void
put_coordinator(struct kb_broker *b, struct kb_buf *out, int ver)
{
	if (ver >= 4) {
		kb_put_i32(out, b->node_id);
		kb_put_cstr(out, b->host);
		kb_put_i32(out, b->port);
	}
	kb_put_i16(out, KB_NONE);
	if (ver >= 1)
		kb_put_cstr(out, NULL);
	if (ver < 4) {
		kb_put_i32(out, b->node_id);
		kb_put_cstr(out, b->host);
		kb_put_i32(out, b->port);
	}
}

int
kb_api_find_coordinator(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
			struct kb_buf *out)
{
	struct kb_rd keys;
	int32_t n = 1, i;

	if (r->ver <= 3)
		kb_string(in);
	if (r->ver >= 1)
		kb_i8(in); /* the key type: a group or a transaction */
	keys = *in;
	if (r->ver >= 4)
		for (n = kb_array_of(in, 1), i = 0; i < n; i++)
			kb_string(in);
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	if (r->ver >= 1)
		kb_put_i32(out, 0);
	if (r->ver <= 3) {
		put_coordinator(b, out, r->ver);
	} else {
		/* v4: a coordinator per key, the key first. */
		n = kb_array(&keys);
		kb_put_array(out, n);
		for (i = 0; i < n; i++) {
			kb_put_str(out, kb_string(&keys));
			put_coordinator(b, out, r->ver);
			kb_put_tags(out);
		}
	}
	kb_put_tags(out);
	return KB_REPLY;
}

/* Whether a ListGroups filter (an array of strings; empty: all) takes s. */
static int
filter_takes(struct kb_rd f, const char *s)
{
	int32_t n = kb_array(&f), i;

	if (n <= 0)
		return 1;
	for (i = 0; i < n; i++) {
		struct kb_str w = kb_string(&f);

		if (w.len >= 0 && strlen(s) == (size_t)w.len &&
		    !strncasecmp(w.s, s, (size_t)w.len))
			return 1;
	}
	return 0;
}

/* One group of ListGroups, if the filters take it; 1 if listed. */
static int
put_listed(struct kb_buf *out, int ver, struct kb_rd states, struct kb_rd types,
	   const char *id, const char *type, const char *state)
{
	if ((ver >= 4 && !filter_takes(states, state)) ||
	    (ver >= 5 && !filter_takes(types, "classic")))
		return 0;
	kb_put_cstr(out, id);
	kb_put_cstr(out, type);
	if (ver >= 4)
		kb_put_cstr(out, state);
	if (ver >= 5)
		kb_put_cstr(out, "classic");
	kb_put_tags(out);
	return 1;
}

int
kb_api_list_groups(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		   struct kb_buf *out)
{
	struct kb_group *g;
	struct kb_rd states = *in, types;
	size_t at;
	int32_t n = 0, k;
	int i;

	/* The filters: their strings are read where they lie. */
	if (r->ver >= 4)
		for (k = kb_array_of(in, 1); k > 0 && !in->err; k--)
			kb_string(in);
	types = *in;
	if (r->ver >= 5)
		for (k = kb_array_of(in, 1); k > 0 && !in->err; k--)
			kb_string(in);
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	if (r->ver >= 1)
		kb_put_i32(out, 0);
	kb_put_i16(out, KB_NONE);
	at = kb_array_mark(out);
	for (g = b->groups; g; g = g->next)
		n += put_listed(out, r->ver, states, types, g->id,
				g->type ? g->type : "", state_names[g->state]);
	/* Groups known only by their committed offsets. */
	for (i = 0; i < b->offsets.n; i++) {
		struct kb_str id = {b->offsets.g[i]->group,
				    (int)strlen(b->offsets.g[i]->group)};

		if (find_group(b, id) || b->offsets.g[i]->n == 0)
			continue;
		n += put_listed(out, r->ver, states, types,
				b->offsets.g[i]->group, "", "Empty");
	}
	kb_patch_array(out, at, n);
	kb_put_tags(out);
	return KB_REPLY;
}

int
kb_api_describe_groups(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		       struct kb_buf *out)
{
	int32_t n = kb_array(in), i;
	struct kb_rd names = *in;

	for (i = 0; i < n; i++)
		kb_string(in);
	if (r->ver >= 3)
		kb_i8(in);
	kb_tags(in);
	if (in->err)
		return KB_BADREQ;
	if (r->ver >= 1)
		kb_put_i32(out, 0);
	kb_put_array(out, n);
	for (i = 0; i < n; i++) {
		struct kb_str id = kb_string(&names);
		struct kb_group *g = find_group(b, id);
		char *cid = kb_str_dup(id);
		struct member *m;
		const struct kb_goffsets *go =
			kb_offsets_group(&b->offsets, cid);
		const char *state = g		      ? state_names[g->state]
				    : go && go->n > 0 ? "Empty"
						      : "Dead";

		free(cid);
		kb_put_i16(out, KB_NONE);
		kb_put_str(out, id);
		kb_put_cstr(out, state);
		kb_put_cstr(out, g && g->type ? g->type : "");
		kb_put_cstr(out, g && g->protocol && g->state != PREPARING
					 ? g->protocol
					 : "");
		kb_put_array(out, g ? g->nmembers : 0);
		for (m = g ? g->members : NULL; m; m = m->next) {
			const struct proto *p =
				g->protocol ? member_proto(m, g->protocol)
					    : NULL;

			kb_put_cstr(out, m->id);
			if (r->ver >= 4)
				kb_put_cstr(out, m->instance);
			kb_put_cstr(out, m->client_id);
			kb_put_cstr(out, m->host);
			kb_put_bytes(out, p ? p->meta : NULL, p ? p->len : 0);
			kb_put_bytes(out, m->assign, m->assign_len);
			kb_put_tags(out);
		}
		if (r->ver >= 3)
			kb_put_i32(out, INT32_MIN);
		kb_put_tags(out);
	}
	kb_put_tags(out);
	return KB_REPLY;
}

/* --- DeleteGroups, OffsetDelete --------------------------------------------
 */

/*
 * Forget the commits of group on topic (NULL: all) and make that
 * durable as a commit is; 0, or -1 with a log line.
 */
static int
forget(struct kb_broker *b, const char *group, const char *topic, int32_t part)
{
	struct kb_goffsets *go = kb_offsets_group(&b->offsets, group);
	int i, fail = 0;

	for (i = go ? go->n - 1 : -1; i >= 0 && !fail; i--) {
		const struct kb_committed *c = &go->v[i];

		if ((!topic || !strcmp(c->topic, topic)) &&
		    (part < 0 || c->part == part))
			fail = kb_offsets_delete(&b->offsets, group, c->topic,
						 c->part);
	}
	if (!fail && b->fsync == KB_FSYNC_ALWAYS)
		fail = kb_offsets_sync(&b->offsets);
	if (fail)
		kb_note(b, "%s: cannot forget committed offsets: %s",
			b->offsets.path, strerror(errno));
	return fail ? -1 : 0;
}

int
kb_api_delete_groups(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		     struct kb_buf *out)
{
	int32_t n = kb_array_of(in, 1), i;

	(void)r;
	kb_put_i32(out, 0);
	kb_put_array(out, n > 0 ? n : 0);
	for (i = 0; i < n; i++) {
		struct kb_str id = kb_string(in);
		struct kb_group *g;
		const struct kb_goffsets *go;
		int16_t err = KB_NONE;
		char *cid;

		if (in->err)
			return KB_BADREQ;
		cid = kb_str_dup(id);
		g = find_group(b, id);
		go = kb_offsets_group(&b->offsets, cid);
		if (id.len <= 0)
			err = KB_INVALID_GROUP_ID;
		else if (g && g->members)
			err = KB_NON_EMPTY_GROUP;
		else if (!g && (!go || go->n == 0))
			err = KB_GROUP_ID_NOT_FOUND;
		else if (forget(b, cid, NULL, -1))
			err = KB_KAFKA_STORAGE_ERROR;
		if (!err && g && !g->pending) {
			group_drop(b, g);
		} else if (!err && g) {
			free(g->type); /* forgotten once its joiners are */
			g->type = NULL;
			group_unsaved(b, g);
		}
		if (!err)
			kb_note(b, "group %s deleted (for %s)", cid, r->who);
		free(cid);
		kb_put_str(out, id);
		kb_put_i16(out, err);
		kb_put_tags(out);
	}
	kb_tags(in);
	kb_put_tags(out);
	return in->err ? KB_BADREQ : KB_REPLY;
}

/*
 * Whether a member of g may consume topic: named in the subscription
 * (the consumer protocol's metadata: version, topics...) of any of its
 * protocols, as Kafka refuses to delete the offsets such a member uses.
 */
static int
subscribed(const struct kb_group *g, struct kb_str topic)
{
	const struct member *m;
	int i;

	for (m = g->members; m; m = m->next)
		for (i = 0; i < m->nprotos; i++) {
			struct kb_rd rd;
			int32_t n, k;

			kb_rd_init(&rd, m->protos[i].meta,
				   (size_t)m->protos[i].len);
			kb_i16(&rd);
			n = kb_array_of(&rd, 2);
			for (k = 0; k < n && !rd.err; k++) {
				struct kb_str t = kb_string(&rd);

				if (!rd.err && t.len == topic.len &&
				    !memcmp(t.s, topic.s, (size_t)t.len))
					return 1;
			}
		}
	return 0;
}

int
kb_api_offset_delete(struct kb_broker *b, struct kb_req *r, struct kb_rd *in,
		     struct kb_buf *out)
{
	struct kb_str gid = kb_string(in);
	int32_t nt = kb_array(in), np, i, j;
	struct kb_group *g = find_group(b, gid);
	const struct kb_goffsets *go;
	int16_t gerr = KB_NONE;
	char *group;

	(void)r;
	if (in->err)
		return KB_BADREQ;
	group = kb_str_dup(gid);
	go = kb_offsets_group(&b->offsets, group);
	if (gid.len <= 0)
		gerr = KB_INVALID_GROUP_ID;
	else if (!g && (!go || go->n == 0))
		gerr = KB_GROUP_ID_NOT_FOUND;
	else if (g && g->members && g->type && strcmp(g->type, "consumer"))
		gerr = KB_NON_EMPTY_GROUP;
	kb_put_i16(out, gerr);
	kb_put_i32(out, 0);
	kb_put_array(out, gerr ? 0 : nt);
	for (i = 0; i < nt && !gerr; i++) {
		struct kb_str topic = kb_string(in);
		const struct kb_topic *t =
			kb_topics_find(&b->topics, topic.s, topic.len);
		int busy = g && subscribed(g, topic);
		char *tname = kb_str_dup(topic);

		np = kb_array(in);
		kb_put_str(out, topic);
		kb_put_array(out, np > 0 ? np : 0);
		for (j = 0; j < np && !in->err; j++) {
			int32_t part = kb_i32(in);
			int16_t err = KB_NONE;

			if (!t || part < 0 || part >= t->nparts)
				err = KB_UNKNOWN_TOPIC_OR_PARTITION;
			else if (busy)
				err = KB_GROUP_SUBSCRIBED_TO_TOPIC;
			else if (forget(b, group, tname, part))
				err = KB_KAFKA_STORAGE_ERROR;
			kb_put_i32(out, part);
			kb_put_i16(out, err);
		}
		free(tname);
		if (in->err) {
			free(group);
			return KB_BADREQ;
		}
	}
	free(group);
	return KB_REPLY;
}

void
kb_groups_free(struct kb_broker *b)
{
	struct kb_group *g;

	while ((g = b->groups)) {
		b->groups = g->next;
		group_free(b, g);
	}
}

/* --- durable group metadata ------------------------------------------------
 */

/*
 * Each group's latest stable generation (its protocol, leader, and
 * members with their ids, timeouts, subscriptions and assignments) is
 * kept in DIR/group-metadata, written whole through a temporary file, a
 * rename and a directory sync each time a generation becomes stable or a
 * group goes. A restart loads it: members keep their ids and generation
 * and heartbeat on, as with Kafka's coordinator, instead of all being
 * told UNKNOWN_MEMBER_ID and rebalancing. A group caught mid-rebalance
 * comes back as its last stable generation, and its members are told to
 * rejoin as they would have been.
 */

static void
metadata_path(const struct kb_broker *b, char *buf, size_t size,
	      const char *suffix)
{
	snprintf(buf, size, "%s/group-metadata%s", b->topics.dir, suffix);
}

/* Write every group's saved generation; a failure is logged, not fatal. */
static void
groups_save(struct kb_broker *b)
{
	struct kb_buf all = {0};
	struct kb_group *g;
	char path[4200], tmp[4200];
	int fd;

	for (g = b->groups; g; g = g->next) {
		if (!g->saved.len)
			continue;
		kb_put_i32(&all, (int32_t)g->saved.len);
		kb_put_i32(&all,
			   (int32_t)kb_crc32c(0, g->saved.p, g->saved.len));
		kb_put(&all, g->saved.p, g->saved.len);
	}
	metadata_path(b, path, sizeof(path), "");
	metadata_path(b, tmp, sizeof(tmp), ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && (kb_write_all(fd, all.p, all.len) || fsync(fd))) {
		int e = errno;

		close(fd);
		errno = e;
		fd = -1;
	}
	if (fd < 0 || close(fd) || rename(tmp, path) ||
	    kb_sync_dir(b->topics.dir)) {
		kb_note(b, "%s: cannot keep the groups' metadata: %s", path,
			strerror(errno));
		unlink(tmp);
	}
	kb_buf_free(&all);
}

/* g's generation is stable: keep it. */
static void
group_saved(struct kb_broker *b, struct kb_group *g)
{
	struct kb_buf *o = &g->saved;
	const struct member *m;

	o->len = 0;
	o->flex = 0;
	kb_put_cstr(o, g->id);
	kb_put_cstr(o, g->type);
	kb_put_cstr(o, g->protocol);
	kb_put_cstr(o, g->leader);
	kb_put_i32(o, g->generation);
	kb_put_i32(o, g->nmembers);
	for (m = g->members; m; m = m->next) {
		const struct proto *p = member_proto(m, g->protocol);

		kb_put_cstr(o, m->id);
		kb_put_cstr(o, m->client_id);
		kb_put_cstr(o, m->host);
		kb_put_cstr(o, m->instance);
		kb_put_i32(o, m->session_ms);
		kb_put_i32(o, m->rebalance_ms);
		kb_put_bytes(o, p ? p->meta : NULL, p ? p->len : 0);
		kb_put_bytes(o, m->assign, m->assign_len);
	}
	groups_save(b);
}

/* g has no member left: forget what was kept of it. */
static void
group_unsaved(struct kb_broker *b, struct kb_group *g)
{
	if (!g->saved.len)
		return;
	kb_buf_free(&g->saved);
	groups_save(b);
}

/* One protocol, name and metadata in one allocation, as read_protos. */
static struct proto *
one_proto(const char *name, const unsigned char *meta, int32_t len)
{
	size_t nl = strlen(name);
	struct proto *v =
		kq_emalloc(sizeof(*v) + nl + 1 + (size_t)(len > 0 ? len : 0));
	unsigned char *at = (unsigned char *)(v + 1);

	v->name = (char *)at;
	memcpy(at, name, nl + 1);
	v->meta = at + nl + 1;
	v->len = len > 0 ? len : 0;
	if (v->len)
		memcpy(v->meta, meta, (size_t)len);
	return v;
}

/* A group back from its record; -1 if the record does not parse. */
static int
group_load(struct kb_broker *b, const unsigned char *p, size_t len)
{
	struct kb_rd rd;
	struct kb_str id, type, proto, leader;
	struct kb_group *g;
	int32_t gen, n, i;

	kb_rd_init(&rd, p, len);
	id = kb_string(&rd);
	type = kb_string(&rd);
	proto = kb_string(&rd);
	leader = kb_string(&rd);
	gen = kb_i32(&rd);
	n = kb_array_of(&rd, 22);
	/* An empty group keeps only its type (group_reap). */
	if (rd.err || id.len <= 0 || n < 0 || find_group(b, id) ||
	    (n > 0 && (proto.len < 0 || leader.len < 0)) ||
	    (n == 0 && type.len <= 0))
		return -1;
	g = new_group(b, id);
	g->type = kb_str_dup_null(type);
	g->protocol = n ? kb_str_dup(proto) : NULL;
	g->leader = n ? kb_str_dup(leader) : NULL;
	g->generation = gen;
	g->state = n ? STABLE : EMPTY;
	for (i = 0; i < n && !rd.err; i++) {
		struct member *m = kq_ecalloc(1, sizeof(*m)), **pp;
		const unsigned char *meta, *assign;
		int32_t mlen, alen;

		m->id = kb_str_dup(kb_string(&rd));
		m->client_id = kb_str_dup(kb_string(&rd));
		m->host = kb_str_dup(kb_string(&rd));
		m->instance = kb_str_dup_null(kb_string(&rd));
		m->session_ms = kb_i32(&rd);
		m->rebalance_ms = kb_i32(&rd);
		mlen = kb_bytes(&rd, &meta);
		alen = kb_bytes(&rd, &assign);
		m->g = g;
		for (pp = &g->members; *pp; pp = &(*pp)->next)
			;
		*pp = m;
		g->nmembers++;
		m->protos = one_proto(g->protocol, meta, mlen);
		m->nprotos = 1;
		m->assign = kq_emalloc(alen > 0 ? (size_t)alen : 1);
		m->assign_len = alen > 0 ? alen : 0;
		if (m->assign_len)
			memcpy(m->assign, assign, (size_t)alen);
		/* Its session starts now: it has until then to heartbeat. */
		touch(b, m);
	}
	if (rd.err) {
		b->groups = g->next;
		group_free(b, g);
		return -1;
	}
	kb_put(&g->saved, p, len);
	kb_debug(b, "group %s: generation %d back with %d member%s", g->id,
		 g->generation, g->nmembers, g->nmembers == 1 ? "" : "s");
	return 0;
}

int
kb_groups_load(struct kb_broker *b)
{
	char path[4200];
	struct stat st;
	unsigned char *data;
	size_t off = 0, size;
	int fd, n = 0;

	metadata_path(b, path, sizeof(path), "");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	size = (size_t)st.st_size;
	data = kq_emalloc(size ? size : 1);
	if (pread(fd, data, size, 0) != (ssize_t)size) {
		free(data);
		close(fd);
		return -1;
	}
	close(fd);
	while (size - off >= 8) {
		uint32_t len = kb_be32(data + off);

		if (len > size - off - 8)
			break;
		if (kb_crc32c(0, data + off + 8, len) !=
			    kb_be32(data + off + 4) ||
		    group_load(b, data + off + 8, len))
			kq_warn("%s: skipped a bad group record at position "
				"%zu",
				path, off);
		else
			n++;
		off += (size_t)len + 8;
	}
	if (off < size)
		kq_warn("%s: dropped %zu bytes of a torn record at position "
			"%zu",
			path, size - off, off);
	free(data);
	if (n)
		kb_note(b, "%d group%s back as they were", n,
			n == 1 ? "" : "s");
	return 0;
}
