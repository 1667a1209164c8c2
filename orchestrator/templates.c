/* Lookups over the compiled-in templates (see templates.h). */
#include <string.h>

#include "templates.h"

const struct template *
templates_find(const char *name)
{
	for (size_t i = 0; i < templates_count; i++) {
		if (strcmp(templates[i].name, name) == 0)
			return &templates[i];
	}
	return NULL;
}

void
templates_summary(char *buf, size_t size, const struct template *t)
{
	const char *p = t->text, *end;
	size_t nlen = strlen(t->name);

	buf[0] = '\0';
	if (strncmp(p, "# ", 2) != 0)
		return;
	p += 2;
	if (strncmp(p, t->name, nlen) == 0 && p[nlen] == ':')
		p += nlen + 1;
	while (*p == ' ')
		p++;
	end = strchr(p, '\n');
	if (end == NULL)
		end = p + strlen(p);
	if ((size_t)(end - p) >= size)
		end = p + size - 1;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
}
