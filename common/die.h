/*
 * Errors, warnings and exit statuses. Every message starts with the
 * program's name; the functions that end in "die" or start with "e" exit.
 */
#ifndef KQ_DIE_H
#define KQ_DIE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sysexits.h>

/* Statuses beyond sysexits.h; the README's table lists them all. */
#define KQ_EX_PARTIAL	  1   /* some records not delivered, a short read */
#define KQ_EX_INTERRUPTED 130 /* SIGINT or SIGTERM */

#ifdef __GNUC__
#define KQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KQ_NORETURN	__attribute__((noreturn))
#else
#define KQ_PRINTF(f, a)
#define KQ_NORETURN
#endif

/* Set once from argv[0] by kq_conf_init; "kq" until then. */
void kq_setprogname(const char *argv0);
const char *kq_progname(void);

/* "prog: message" on stderr, then exit(status). */
KQ_NORETURN void kq_die(int status, const char *fmt, ...) KQ_PRINTF(2, 3);
/* "prog: message" on stderr. */
void kq_warn(const char *fmt, ...) KQ_PRINTF(1, 2);
void kq_vwarn(const char *fmt, va_list ap) KQ_PRINTF(1, 0);

/* Allocation that cannot fail: on failure it dies with EX_OSERR. */
void *kq_emalloc(size_t n);
void *kq_ecalloc(size_t n, size_t size);
void *kq_erealloc(void *p, size_t n);
char *kq_estrdup(const char *s);
/* Append s to the array *v of *n strings, growing it. */
void kq_strv_add(char ***v, int *n, char *s);
/* Of two exit statuses, the one to report: the higher. */
int kq_worse_status(int a, int b);

#endif
