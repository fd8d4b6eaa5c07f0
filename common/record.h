/*
 * Records in and out: a reader that splits files or stdin at a delimiter
 * with large reads and no copy, and a writer that gathers output into
 * large writes. Delimiters are written with escapes (\n \t \r \0 \xNN).
 */
#ifndef KQ_RECORD_H
#define KQ_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define KQ_DELIM_MAX 16

struct kq_delim {
	char s[KQ_DELIM_MAX];
	size_t len;
};

/* "\n", "\t", "\x1e", "::"... into d; -1 if empty, too long or bad. */
int kq_delim_parse(const char *s, struct kq_delim *d);
/* The same for an option's argument: dies with EX_USAGE. */
struct kq_delim kq_edelim(const char *opt, const char *s);

struct kq_reader {
	int fd;
	const char *name; /* "stdin" or the path, for messages */
	struct kq_delim delim;
	char *buf;
	size_t cap, pos, end;
	size_t max;	/* the largest record accepted, 0 for any */
	uint64_t recno; /* records returned so far from this input */
	int eof;
	/*
	 * Called while the input has nothing to read, every 100 ms or so,
	 * so a producer can serve its delivery reports meanwhile. A non-zero
	 * return ends the wait: the read fails with ECANCELED.
	 */
	int (*idle)(void *arg);
	void *idle_arg;
};

/*
 * Open path ("-" is stdin) with the delimiter; -1 with errno if it cannot
 * be opened. The reader owns a buffer, kept from one input to the next
 * (close one, open the next) until kq_reader_free.
 */
int kq_reader_open(struct kq_reader *r, const char *path,
		   const struct kq_delim *d);
void kq_reader_close(struct kq_reader *r);
/* Close the input if open and free the buffer; r can be opened again. */
void kq_reader_free(struct kq_reader *r);

/*
 * The next record, without its delimiter, in *p and *n: valid until the
 * next call. A last record with no delimiter is returned too.
 * 1: a record; 0: end of input; -1: error with errno (EINTR when a
 * signal asked to stop; ECANCELED when the idle hook did; EFBIG for a
 * record over r->max).
 */
int kq_reader_next(struct kq_reader *r, const char **p, size_t *n);
/* The rest of the input as one record (--whole); same results. */
int kq_reader_all(struct kq_reader *r, const char **p, size_t *n);
/*
 * The next block of raw bytes, as read (for counting); 1, 0 or -1.
 */
int kq_reader_block(struct kq_reader *r, const char **p, size_t *n);
/*
 * Skip the rest of the current record, up to and past its delimiter
 * (after EFBIG): 1 skipped, 0 end of input, -1 error with errno.
 */
int kq_reader_skip(struct kq_reader *r);
/* Records read from the input but not yet returned (a last part counts). */
uint64_t kq_reader_pending(const struct kq_reader *r);

struct kq_writer {
	int fd;
	const char *name; /* "stdout" */
	char *buf;
	size_t len, cap;
	int err; /* errno of the first failed write, then nothing is written */
	/* write(2) unless set (kq_taken_write), with write_arg first. */
	ssize_t (*write)(void *arg, const void *p, size_t n);
	void *write_arg;
};

void kq_writer_init(struct kq_writer *w, int fd, const char *name, size_t cap);
/* 0, or -1 once a write has failed (w->err). */
int kq_writer_flush(struct kq_writer *w);
int kq_writer_put_slow(struct kq_writer *w, const void *p, size_t n);

static inline int
kq_writer_put(struct kq_writer *w, const void *p, size_t n)
{
	if (n == 0) /* p may be NULL then: memcpy must not see it */
		return w->err ? -1 : 0;
	if (w->len + n > w->cap)
		return kq_writer_put_slow(w, p, n);
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

/* Formatted output for what is not a hot path (up to 4 KiB a call). */
int kq_writer_printf(struct kq_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline int
kq_writer_puts(struct kq_writer *w, const char *s)
{
	return kq_writer_put(w, s, strlen(s));
}

/*
 * Flush and free. Returns the status the program should end with because
 * of its output: 0 when all was written, the reader closed the pipe
 * (EPIPE ends a filter quietly) or the write hook gave up on a signal
 * (ECANCELED), EX_IOERR after a one-line message otherwise.
 */
int kq_writer_finish(struct kq_writer *w);

/* True when the reader at the other end has gone (a closed pipe). */
int kq_writer_gone(const struct kq_writer *w);

/*
 * For output written with stdio: fflush, ferror and fclose, with the same
 * result as kq_writer_finish.
 */
int kq_fshut(FILE *f, const char *name);

#endif
