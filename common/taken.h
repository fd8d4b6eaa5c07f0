/*
 * What the reader of a pipe took: bytes written less the bytes still in
 * the pipe, waits for the pipe to empty that call a hook every tick (so a
 * consumer keeps its group), and marks (offsets, say) that count as taken
 * once the reader took their bytes and was still there a moment later.
 * A file or a terminal takes everything written.
 */
#ifndef KQ_TAKEN_H
#define KQ_TAKEN_H

#include <stdint.h>
#include <sys/types.h>

#define KQ_TAKEN_TICK_MS 100 /* the idle hook is called this often */
#define KQ_TAKEN_MARKS	 16

enum kq_taken_state {
	KQ_TAKEN_ALL,	  /* the pipe is empty: everything written was read */
	KQ_TAKEN_GONE,	  /* the reader closed the pipe before it emptied */
	KQ_TAKEN_STOPPED, /* the idle hook asked to stop waiting */
};

struct kq_taken_mark {
	uint64_t bytes;	  /* taken once the reader took this many bytes */
	int64_t taken_at; /* when it was seen taken (kq_clock_ms); -1 not */
	void *data;
};

struct kq_taken {
	int fd;
	int pipe;     /* a pipe or FIFO: what it holds is not taken yet */
	int one_slot; /* one page: POLLOUT says the pipe is empty */
	int old_size; /* the pipe's size before, restored by close; 0 */
	int size;     /* the pipe's size; 0 unknown */
	uint64_t written;
	int64_t since;	  /* when the wait or write began (kq_clock_ms) */
	int64_t alive_at; /* when the reader was last seen there; -1 */
	/* Called every tick of a wait; non-zero ends it (STOPPED). */
	int (*idle)(void *arg);
	void *idle_arg;
	void (*drop)(void *data); /* frees a mark's data */
	struct kq_taken_mark marks[KQ_TAKEN_MARKS];
	int nmarks;
};

/*
 * Watch fd. With one_slot, a pipe is shrunk to one page so that a wait
 * for it to empty sleeps in poll(2); if it cannot be (it holds more, or
 * the system has no F_SETPIPE_SZ), waits poll FIONREAD with short naps.
 */
void kq_taken_init(struct kq_taken *t, int fd, int one_slot);
/* Give the pipe its size back and drop the marks. */
void kq_taken_close(struct kq_taken *t);

/* Bytes still in the pipe (anyone's: an underestimate of what we gave). */
uint64_t kq_taken_pending(const struct kq_taken *t);
/* Bytes the reader took: written less pending. */
uint64_t kq_taken_bytes(const struct kq_taken *t);
/* The reader closed the pipe. */
int kq_taken_gone(const struct kq_taken *t);

/* Wait, however long, until the pipe is empty, the reader gone or idle
 * asks to stop. */
enum kq_taken_state kq_taken_wait(struct kq_taken *t);

/*
 * A kq_writer's write (arg is the kq_taken): waits for room in the pipe
 * with the idle hook called each tick, so it never blocks for long, and
 * counts what it wrote. -1 with EPIPE, ECANCELED (idle said stop) or
 * write(2)'s errno.
 */
ssize_t kq_taken_write(void *arg, const void *p, size_t n);

/*
 * Remember data, taken once the reader takes bytes. When all marks are in
 * use a last one replaces the newest (its data dropped); otherwise it is
 * refused: -1, and data stays the caller's.
 */
int kq_taken_mark(struct kq_taken *t, uint64_t bytes, void *data, int last);
/*
 * The newest mark whose bytes the reader took survive ms or more before
 * now (a reader such as head(1) takes a block and then exits without
 * using all of it): its data, now the caller's; the older ones dropped.
 * NULL when none is. Once the reader is gone, only what it took survive
 * ms before it was last seen there counts.
 */
void *kq_taken_settled(struct kq_taken *t, int64_t now, int64_t survive);
/* Drop every mark. */
void kq_taken_forget(struct kq_taken *t);

#endif
