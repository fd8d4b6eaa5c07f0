/*
 * Idempotent producers: a retried batch is a duplicate, a gap is refused,
 * an older epoch is fenced, and the states a partition keeps are bounded.
 */
#include "unit_broker.h"
#include "producers.h"

static void
sequences(void **state)
{
	struct kb_pstates ps = {0};
	int64_t at = -1;

	(void)state;
	assert_int_equal(kb_pstates_check(&ps, 7, 0, 0, 9, &at), KB_SEQ_OK);
	kb_pstates_record(&ps, 7, 0, 0, 9, 100);
	/* The same batch again (a retry): acknowledged where it is. */
	assert_int_equal(kb_pstates_check(&ps, 7, 0, 0, 9, &at), KB_SEQ_DUP);
	assert_int_equal(at, 100);
	assert_int_equal(kb_pstates_check(&ps, 7, 0, 10, 19, &at), KB_SEQ_OK);
	/* A gap: a batch was lost on the way. */
	assert_int_equal(kb_pstates_check(&ps, 7, 0, 11, 19, &at),
			 KB_SEQ_OUT_OF_ORDER);
	assert_int_equal(kb_pstates_check(&ps, 7, 1, 0, 4, &at), KB_SEQ_OK);
	kb_pstates_record(&ps, 7, 1, 0, 4, 110);
	assert_int_equal(kb_pstates_check(&ps, 7, 0, 10, 19, &at),
			 KB_SEQ_FENCED);
	kb_pstates_free(&ps);
}

static void
least_recent_forgotten(void **state)
{
	struct kb_pstates ps = {0};
	int64_t pid, at;

	(void)state;
	for (pid = 1; pid <= KB_PSTATES_MAX + 1; pid++)
		kb_pstates_record(&ps, pid, 0, 0, 0, pid * 10);
	assert_int_equal(ps.n, KB_PSTATES_MAX);
	/* Producer 1 wrote first: forgotten, so any sequence is accepted. */
	assert_int_equal(kb_pstates_check(&ps, 1, 0, 5, 5, &at), KB_SEQ_OK);
	/* The others are remembered: their retries are duplicates. */
	assert_int_equal(kb_pstates_check(&ps, 2, 0, 0, 0, &at), KB_SEQ_DUP);
	assert_int_equal(at, 20);
	assert_int_equal(
		kb_pstates_check(&ps, KB_PSTATES_MAX + 1, 0, 0, 0, &at),
		KB_SEQ_DUP);
	kb_pstates_free(&ps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sequences),
		cmocka_unit_test(least_recent_forgotten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
