/*
 * jq programs, as kq-sub --jq and kq-jsonsplit run them through libjq:
 * compiled once, then run on one JSON text at a time; each error in one
 * line; halt and halt_error end the run as they end jq.
 */
#ifndef KQ_JQRUN_H
#define KQ_JQRUN_H

#include <stddef.h>

struct kq_jq {
	void *jq;      /* jq_state */
	int raw;       /* strings without quotes, as jq -r */
	char err[512]; /* why the last call failed, in one line */
	int bad_input; /* it failed because jq could not parse the text */
	/* After a halt: the status jq would exit with, and what it says. */
	int halted;
	int halt_status;
	char *halt_msg;
};

/* kq_jq_run's results besides 0 and -1. */
#define KQ_JQ_HALT 1

/* 0, or -1 with the first line of libjq's complaint in q->err. */
int kq_jq_compile(struct kq_jq *q, const char *filter, int raw);

/*
 * Run the program on one JSON text p[0..n) (null when p is NULL) and give
 * each result, compact JSON or a raw string, to out(arg, bytes, len); a
 * non-zero return from out stops the run and is returned. Otherwise 0;
 * -1 when jq does not take the text (q->bad_input) or the program raised
 * an error (q->err); KQ_JQ_HALT after halt or halt_error (q->halt_status, and
 * q->halt_msg for the caller to print as jq would, or NULL). A program
 * that halted runs no more: libjq 1.6 corrupts its memory when one is
 * started again after a halt, so every later call returns KQ_JQ_HALT.
 */
int kq_jq_run(struct kq_jq *q, const char *p, size_t n,
	      int (*out)(void *arg, const char *p, size_t n), void *arg);

void kq_jq_free(struct kq_jq *q);

#endif
