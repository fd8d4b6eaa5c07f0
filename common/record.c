#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "sig.h"

/* Large reads: a pipe gives what it holds, a file up to this much. */
#define READ_SIZE (1 << 20)

int
kq_delim_parse(const char *s, struct kq_delim *d)
{
	size_t n = 0;

	while (*s) {
		int c = (unsigned char)*s++;

		if (c == '\\') {
			switch (*s++) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case '0':
				c = 0;
				break;
			case '\\':
				c = '\\';
				break;
			case 'x': {
				int i, v = 0;

				for (i = 0; i < 2; i++, s++) {
					int h = (unsigned char)*s;

					if (h >= '0' && h <= '9')
						v = v * 16 + h - '0';
					else if (h >= 'a' && h <= 'f')
						v = v * 16 + h - 'a' + 10;
					else if (h >= 'A' && h <= 'F')
						v = v * 16 + h - 'A' + 10;
					else
						return -1;
				}
				c = v;
				break;
			}
			default:
				return -1;
			}
		}
		if (n == KQ_DELIM_MAX)
			return -1;
		d->s[n++] = (char)c;
	}
	if (n == 0)
		return -1;
	d->len = n;
	return 0;
}

struct kq_delim
kq_edelim(const char *opt, const char *s)
{
	struct kq_delim d;

	if (kq_delim_parse(s, &d))
		kq_die(EX_USAGE,
		       "%s: '%s' is not a delimiter (1 to %d bytes; escapes "
		       "\\n \\t \\r \\0 \\\\ \\xNN)",
		       opt, s, KQ_DELIM_MAX);
	return d;
}

int
kq_reader_open(struct kq_reader *r, const char *path, const struct kq_delim *d)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	/* A directory opens, and fails only at the first read: say so now. */
	if (fd > 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	r->fd = fd;
	r->name = fd == 0 ? "stdin" : path;
	r->delim = *d;
	r->pos = r->end = 0;
	r->eof = 0;
	r->recno = 0;
	if (!r->buf) {
		r->cap = READ_SIZE;
		r->buf = kq_emalloc(r->cap);
	}
	return 0;
}

void
kq_reader_close(struct kq_reader *r)
{
	if (r->fd > 0)
		close(r->fd);
	r->fd = -1;
}

void
kq_reader_free(struct kq_reader *r)
{
	kq_reader_close(r);
	free(r->buf);
	r->buf = NULL;
	r->cap = r->pos = r->end = 0;
}

/* Wait until fd can be read, calling idle meanwhile; -1 when told to stop. */
static int
wait_readable(struct kq_reader *r)
{
	struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
	int timeout = 0;

	for (;;) {
		int n = poll(&pfd, 1, timeout);

		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 0; /* let read() report it */
		if (kq_stop) {
			errno = EINTR;
			return -1;
		}
		if (r->idle(r->idle_arg)) {
			errno = ECANCELED;
			return -1;
		}
		timeout = 100;
	}
}

/* Read more at the end of the buffer; 1 read, 0 end of input, -1 error. */
static int
fill(struct kq_reader *r)
{
	ssize_t n;

	if (r->pos == r->end) {
		r->pos = r->end = 0;
	} else if (r->end == r->cap && r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		if (r->max && r->cap > r->max + r->delim.len) {
			errno = EFBIG;
			return -1;
		}
		r->cap *= 2;
		r->buf = kq_erealloc(r->buf, r->cap);
	}
	for (;;) {
		if (r->idle && wait_readable(r))
			return -1;
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n >= 0)
			break;
		if (errno != EINTR || kq_stop)
			return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += n;
	return 1;
}

static const char *
find(const struct kq_reader *r, const char *p, size_t n)
{
	if (r->delim.len == 1)
		return memchr(p, r->delim.s[0], n);
	return memmem(p, n, r->delim.s, r->delim.len);
}

int
kq_reader_next(struct kq_reader *r, const char **p, size_t *n)
{
	size_t scanned = 0;

	for (;;) {
		const char *start = r->buf + r->pos;
		size_t avail = r->end - r->pos;
		const char *hit = find(r, start + scanned, avail - scanned);

		if (hit) {
			if (r->max && (size_t)(hit - start) > r->max) {
				errno = EFBIG;
				return -1;
			}
			*p = start;
			*n = hit - start;
			r->pos += *n + r->delim.len;
			r->recno++;
			return 1;
		}
		/* The last delim.len - 1 bytes may begin the delimiter. */
		if (r->max && avail > r->max + r->delim.len - 1) {
			errno = EFBIG;
			return -1;
		}
		/* The delimiter may straddle what we have and what comes. */
		scanned =
			avail >= r->delim.len ? avail - (r->delim.len - 1) : 0;
		if (!r->eof) {
			int got = fill(r);

			if (got < 0)
				return -1;
			if (got > 0)
				continue;
		}
		if (avail == 0)
			return 0;
		if (r->max && avail > r->max) {
			errno = EFBIG;
			return -1;
		}
		*p = r->buf + r->pos;
		*n = avail;
		r->pos = r->end;
		r->recno++;
		return 1;
	}
}

int
kq_reader_all(struct kq_reader *r, const char **p, size_t *n)
{
	int got;

	while (!r->eof && (got = fill(r)) != 0) {
		if (got < 0)
			return -1;
		if (r->max && r->end - r->pos > r->max) {
			errno = EFBIG;
			return -1;
		}
	}
	if (r->recno > 0)
		return 0;
	*p = r->buf + r->pos;
	*n = r->end - r->pos;
	r->pos = r->end;
	r->recno++;
	return 1;
}

int
kq_reader_block(struct kq_reader *r, const char **p, size_t *n)
{
	if (r->pos == r->end) {
		int got = r->eof ? 0 : fill(r);

		if (got <= 0)
			return got;
	}
	*p = r->buf + r->pos;
	*n = r->end - r->pos;
	r->pos = r->end;
	return 1;
}

int
kq_reader_skip(struct kq_reader *r)
{
	size_t keep = r->delim.len - 1;

	for (;;) {
		const char *start = r->buf + r->pos;
		const char *hit = find(r, start, r->end - r->pos);
		int got;

		if (hit) {
			r->pos = (size_t)(hit - r->buf) + r->delim.len;
			return 1;
		}
		/* Keep only what may begin a delimiter cut by the read. */
		if (r->end - r->pos > keep)
			r->pos = r->end - keep;
		if (r->eof)
			return 0;
		if ((got = fill(r)) <= 0)
			return got;
	}
}

uint64_t
kq_reader_pending(const struct kq_reader *r)
{
	const char *p = r->buf + r->pos, *end = r->buf + r->end, *hit;
	uint64_t n = 0;

	while (p < end && (hit = find(r, p, (size_t)(end - p)))) {
		n++;
		p = hit + r->delim.len;
	}
	return n + (p < end);
}

void
kq_writer_init(struct kq_writer *w, int fd, const char *name, size_t cap)
{
	w->fd = fd;
	w->name = name;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	w->write = NULL;
	w->write_arg = NULL;
	w->buf = kq_emalloc(cap);
}

static int
write_all(struct kq_writer *w, const char *p, size_t n)
{
	while (n > 0 && !w->err) {
		ssize_t k = w->write ? w->write(w->write_arg, p, n)
				     : write(w->fd, p, n);

		if (k < 0) {
			/* The record in hand is finished even after a signal.
			 */
			if (errno != EINTR)
				w->err = errno;
			continue;
		}
		p += k;
		n -= k;
	}
	return w->err ? -1 : 0;
}

int
kq_writer_flush(struct kq_writer *w)
{
	int rc = w->err ? -1 : write_all(w, w->buf, w->len);

	w->len = 0;
	return rc;
}

int
kq_writer_put_slow(struct kq_writer *w, const void *p, size_t n)
{
	if (kq_writer_flush(w))
		return -1;
	if (n >= w->cap)
		return write_all(w, p, n);
	memcpy(w->buf, p, n);
	w->len = n;
	return 0;
}

int
kq_writer_printf(struct kq_writer *w, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	return kq_writer_put(
		w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int
kq_writer_gone(const struct kq_writer *w)
{
	struct pollfd pfd = {.fd = w->fd, .events = 0};

	if (w->err == EPIPE)
		return 1;
	/* A pipe whose reader closed polls as an error. */
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

static int
output_status(const char *name, int err)
{
	if (!err || err == EPIPE || err == ECANCELED)
		return 0;
	kq_warn("%s: %s", name, strerror(err));
	return EX_IOERR;
}

int
kq_writer_finish(struct kq_writer *w)
{
	int err;

	kq_writer_flush(w);
	err = w->err;
	free(w->buf);
	w->buf = NULL;
	if (!err && close(w->fd) && errno != EINTR)
		err = errno;
	return output_status(w->name, err);
}

int
kq_fshut(FILE *f, const char *name)
{
	int err = 0;

	errno = 0;
	if (fflush(f) || ferror(f))
		err = errno ? errno : EIO;
	if (fclose(f) && !err)
		err = errno;
	return output_status(name, err);
}
