/* The network templates in templates/, compiled into the binary so that
 * chainbox works without its source tree.  templates_data.c is generated
 * from the YAML files in templates/ at build time. */
#ifndef CHAINBOX_TEMPLATES_H
#define CHAINBOX_TEMPLATES_H

#include <stddef.h>

struct template {
	const char *name; /* the file name without .yaml */
	const char *text; /* the file's contents */
	size_t len;
};

extern const struct template templates[];
extern const size_t templates_count;

/* Returns: the template named name, or NULL. */
const struct template *templates_find(const char *name);
/* Out: buf, the template's one-line summary: its first comment line
 * without "# NAME: ".  In: size, the room in buf. */
void templates_summary(char *buf, size_t size, const struct template *t);

#endif
