#include "die.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "kq";

void
kq_setprogname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	progname = slash ? slash + 1 : argv0;
}

const char *
kq_progname(void)
{
	return progname;
}

void
kq_vwarn(const char *fmt, va_list ap)
{
	char line[4096];
	int n = snprintf(line, sizeof(line), "%s: ", progname);

	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	strcat(line, "\n");
	/* One write, so lines from programs sharing a terminal do not mix. */
	fputs(line, stderr);
	fflush(stderr);
}

void
kq_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kq_vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
kq_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kq_vwarn(fmt, ap);
	va_end(ap);
}

void *
kq_emalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		kq_die(EX_OSERR, "out of memory (%zu bytes)", n);
	return p;
}

void *
kq_ecalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		kq_die(EX_OSERR, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
kq_erealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		kq_die(EX_OSERR, "out of memory (%zu bytes)", n);
	return p;
}

char *
kq_estrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(kq_emalloc(n), s, n);
}

void
kq_strv_add(char ***v, int *n, char *s)
{
	*v = kq_erealloc(*v, (size_t)(*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

int
kq_worse_status(int a, int b)
{
	return a > b ? a : b;
}
