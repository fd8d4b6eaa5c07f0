/*
 * Counting one byte value: the vector versions give what the plain loop
 * gives, at every length and alignment, and when every byte matches
 * (where a vector counter would overflow if not summed in time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "memcount.h"

#define BIG (127 * 128 * 3 + 77)

static void
small_cases(void **state)
{
	(void)state;
	assert_int_equal(kq_memcount_plain((const unsigned char *)"", 0, 'a'),
			 0);
	assert_int_equal(
		kq_memcount_plain((const unsigned char *)"a\nb\n\n", 5, '\n'),
		3);
	assert_int_equal(
		kq_memcount_best()((const unsigned char *)"a\nb\n\n", 5, '\n'),
		3);
}

static void
best_as_plain(void **state)
{
	unsigned char *buf = malloc(BIG + 64);
	kq_memcount_fn best = kq_memcount_best();
	size_t n, off;

	(void)state;
	srand(21);
	for (n = 0; n < BIG + 64; n++)
		buf[n] = (unsigned char)(rand() % 4 ? rand() : '\n');
	for (off = 0; off < 33; off += 7)
		for (n = 0; n + off <= BIG; n = n * 3 + 1)
			assert_int_equal(best(buf + off, n, '\n'),
					 kq_memcount_plain(buf + off, n, '\n'));
	assert_int_equal(best(buf, BIG, '\n'),
			 kq_memcount_plain(buf, BIG, '\n'));
	/* Every byte a hit: the counters are summed before they wrap. */
	memset(buf, 0, BIG + 64);
	assert_int_equal(best(buf + 3, BIG, 0), BIG);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_cases),
		cmocka_unit_test(best_as_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
