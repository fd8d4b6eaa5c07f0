#include "memcount.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

size_t
kq_memcount_plain(const unsigned char *p, size_t n, unsigned char c)
{
	size_t k = 0, i;

	for (i = 0; i < n; i++)
		k += p[i] == c;
	return k;
}

#if defined(__x86_64__)
/*
 * Each compare gives -1 per hit; subtracting it adds 1 to byte counters.
 * Each round adds up to 2 to a counter (a and b take two vectors each), so
 * they are summed (psadbw) every 127 rounds, before they can overflow.
 */
static size_t
count_sse2(const unsigned char *p, size_t n, unsigned char c)
{
	const __m128i needle = _mm_set1_epi8((char)c);
	const __m128i zero = _mm_setzero_si128();
	__m128i total = zero;
	size_t i = 0;

	while (n - i >= 64) {
		__m128i a = zero, b = zero;
		size_t rounds = (n - i) / 64;

		if (rounds > 127)
			rounds = 127;
		for (; rounds > 0; rounds--, i += 64) {
			const __m128i *v =
				(const __m128i *)(const void *)(p + i);

			a = _mm_sub_epi8(
				a, _mm_cmpeq_epi8(_mm_loadu_si128(v), needle));
			b = _mm_sub_epi8(
				b,
				_mm_cmpeq_epi8(_mm_loadu_si128(v + 1), needle));
			a = _mm_sub_epi8(
				a,
				_mm_cmpeq_epi8(_mm_loadu_si128(v + 2), needle));
			b = _mm_sub_epi8(
				b,
				_mm_cmpeq_epi8(_mm_loadu_si128(v + 3), needle));
		}
		total = _mm_add_epi64(total, _mm_sad_epu8(a, zero));
		total = _mm_add_epi64(total, _mm_sad_epu8(b, zero));
	}
	return (size_t)_mm_cvtsi128_si64(total) +
	       (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(total, total)) +
	       kq_memcount_plain(p + i, n - i, c);
}

__attribute__((target("avx2"))) static size_t
count_avx2(const unsigned char *p, size_t n, unsigned char c)
{
	const __m256i needle = _mm256_set1_epi8((char)c);
	const __m256i zero = _mm256_setzero_si256();
	__m256i total = zero;
	__m128i sum;
	size_t i = 0;

	while (n - i >= 128) {
		__m256i a = zero, b = zero;
		size_t rounds = (n - i) / 128;

		if (rounds > 127)
			rounds = 127;
		for (; rounds > 0; rounds--, i += 128) {
			const __m256i *v =
				(const __m256i *)(const void *)(p + i);

			a = _mm256_sub_epi8(
				a, _mm256_cmpeq_epi8(_mm256_loadu_si256(v),
						     needle));
			b = _mm256_sub_epi8(
				b, _mm256_cmpeq_epi8(_mm256_loadu_si256(v + 1),
						     needle));
			a = _mm256_sub_epi8(
				a, _mm256_cmpeq_epi8(_mm256_loadu_si256(v + 2),
						     needle));
			b = _mm256_sub_epi8(
				b, _mm256_cmpeq_epi8(_mm256_loadu_si256(v + 3),
						     needle));
		}
		total = _mm256_add_epi64(total, _mm256_sad_epu8(a, zero));
		total = _mm256_add_epi64(total, _mm256_sad_epu8(b, zero));
	}
	sum = _mm_add_epi64(_mm256_castsi256_si128(total),
			    _mm256_extracti128_si256(total, 1));
	return (size_t)_mm_cvtsi128_si64(sum) +
	       (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum)) +
	       count_sse2(p + i, n - i, c);
}
#endif

kq_memcount_fn
kq_memcount_best(void)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		return count_avx2;
	return count_sse2;
#else
	return kq_memcount_plain;
#endif
}
