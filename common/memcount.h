/*
 * How many bytes of a buffer are one value, as memchr finds one: what
 * counting lines comes down to. SSE2 or AVX2 where the CPU has them.
 */
#ifndef KQ_MEMCOUNT_H
#define KQ_MEMCOUNT_H

#include <stddef.h>

typedef size_t (*kq_memcount_fn)(const unsigned char *p, size_t n,
				 unsigned char c);

/* The fastest this CPU runs; each gives what the plain one does. */
kq_memcount_fn kq_memcount_best(void);
size_t kq_memcount_plain(const unsigned char *p, size_t n, unsigned char c);

#endif
