/*
 * libFuzzer target for the config file: every line either is refused or
 * becomes a property whose name is not empty, holds no '=', and has no
 * space at either end (nor has its value).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

static int
padded(const char *s)
{
	size_t n = strlen(s);

	return n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
		     s[n - 1] == '\t');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *save = NULL;
	struct kq_prop *props = NULL;
	size_t n = 0, i;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		kq_conf_line(line, &props, &n);
	for (i = 0; i < n; i++) {
		if (!*props[i].name || strchr(props[i].name, '=') ||
		    padded(props[i].name) || padded(props[i].value))
			abort();
		free(props[i].name);
		free(props[i].value);
	}
	free(props);
	free(text);
	return 0;
}
