#include "producers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

/* Ids are reserved on disk in blocks, so not every InitProducerId syncs. */
#define PID_BLOCK 1000

static struct kb_pstate *
find(const struct kb_pstates *ps, int64_t pid)
{
	int i;

	for (i = 0; i < ps->n; i++)
		if (ps->v[i].pid == pid)
			return &ps->v[i];
	return NULL;
}

/* The sequence after s, wrapping as Kafka's does. */
static int32_t
seq_next(int32_t s)
{
	return s == INT32_MAX ? 0 : s + 1;
}

int
kb_pstates_check(const struct kb_pstates *ps, int64_t pid, int16_t epoch,
		 int32_t first, int32_t last, int64_t *offset)
{
	const struct kb_pstate *s = find(ps, pid);
	int i;

	(void)last;
	if (!s)
		return KB_SEQ_OK;
	if (epoch < s->epoch)
		return KB_SEQ_FENCED;
	if (epoch > s->epoch)
		return first == 0 ? KB_SEQ_OK : KB_SEQ_OUT_OF_ORDER;
	for (i = 0; i < s->n; i++)
		if (s->b[i].first == first && s->b[i].last == last) {
			*offset = s->b[i].offset;
			return KB_SEQ_DUP;
		}
	if (s->n == 0 || first == seq_next(s->b[s->n - 1].last))
		return KB_SEQ_OK;
	return KB_SEQ_OUT_OF_ORDER;
}

/*
 * The producer that wrote least recently, made free for a new one: each
 * run of kq-pub is a new idempotent producer, so the states would pile up.
 * One forgotten is accepted at any sequence again, as after a restart.
 */
static struct kb_pstate *
oldest(struct kb_pstates *ps)
{
	struct kb_pstate *s = NULL, *t;
	int i;

	for (i = 0; i < ps->n; i++) {
		t = &ps->v[i];
		if (t->n == 0)
			return t;
		if (!s || t->b[t->n - 1].offset < s->b[s->n - 1].offset)
			s = t;
	}
	return s;
}

void
kb_pstates_record(struct kb_pstates *ps, int64_t pid, int16_t epoch,
		  int32_t first, int32_t last, int64_t offset)
{
	struct kb_pstate *s = find(ps, pid);

	if (!s) {
		if (ps->n == KB_PSTATES_MAX) {
			s = oldest(ps);
		} else {
			if (ps->n == ps->cap) {
				ps->cap = ps->cap ? ps->cap * 2 : 4;
				ps->v = kq_erealloc(ps->v,
						    ps->cap * sizeof(*ps->v));
			}
			s = &ps->v[ps->n++];
		}
		memset(s, 0, sizeof(*s));
		s->pid = pid;
		s->epoch = epoch;
	}
	if (epoch != s->epoch) {
		s->epoch = epoch;
		s->n = 0;
	}
	if (s->n == KB_PBATCHES) {
		memmove(s->b, s->b + 1, (KB_PBATCHES - 1) * sizeof(s->b[0]));
		s->n--;
	}
	s->b[s->n++] = (struct kb_pbatch){first, last, offset};
}

void
kb_pstates_fence(struct kb_pstates *ps, int64_t pid, int16_t epoch)
{
	struct kb_pstate *s = find(ps, pid);

	if (s && epoch > s->epoch) {
		s->epoch = epoch;
		s->n = 0;
	}
}

void
kb_pstates_free(struct kb_pstates *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static int
save(struct kb_pids *p, int64_t upto)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%020" PRId64 "\n", upto);

	if (pwrite(p->fd, line, (size_t)n, 0) != n || fdatasync(p->fd))
		return -1;
	p->reserved = upto;
	return 0;
}

int
kb_pids_open(struct kb_pids *p, const char *dir)
{
	char path[4096], line[32];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/producer-ids", dir);
	p->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (p->fd < 0)
		return -1;
	n = pread(p->fd, line, sizeof(line) - 1, 0);
	if (n < 0) {
		close(p->fd);
		return -1;
	}
	line[n] = 0;
	/* Every id below the saved mark may have been handed out. */
	p->next = n > 0 ? strtoll(line, NULL, 10) : 1;
	if (p->next < 1)
		p->next = 1;
	p->reserved = p->next;
	return 0;
}

int64_t
kb_pids_next(struct kb_pids *p)
{
	if (p->next >= p->reserved && save(p, p->next + PID_BLOCK))
		return -1;
	return p->next++;
}

void
kb_pids_close(struct kb_pids *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
