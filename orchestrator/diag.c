/* Collected diagnostics (see diag.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "log.h"
#include "xalloc.h"

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_release(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

bool
diag_is_full(const struct diag *d)
{
	return d->nerrors >= DIAG_MAX_ERRORS;
}

void
diag_add(struct diag *d, enum diag_severity sev, const char *file,
	 unsigned line, unsigned col, const char *fmt, ...)
{
	struct diag_entry *e;
	va_list ap;

	if (sev == DIAG_ERROR && diag_is_full(d)) {
		d->dropped++;
		return;
	}
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 8;
		d->v = xreallocarray(d->v, d->alloc, sizeof(*d->v));
	}
	e = &d->v[d->n];
	e->severity = sev;
	e->file = file != NULL ? xstrdup(file) : NULL;
	e->line = line;
	e->col = col;
	e->seq = d->n++;
	va_start(ap, fmt);
	xvasprintf(&e->msg, fmt, ap);
	va_end(ap);
	if (sev == DIAG_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
}

static int
diag_compare(const void *pa, const void *pb)
{
	const struct diag_entry *a = pa, *b = pb;
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (c != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
diag_print(const struct diag *d)
{
	struct diag_entry *sorted = xreallocarray(NULL, d->n, sizeof(*sorted));

	if (d->n > 0) {
		memcpy(sorted, d->v, d->n * sizeof(*sorted));
		qsort(sorted, d->n, sizeof(*sorted), diag_compare);
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &sorted[i];
		char *where = NULL;

		if (e->file != NULL && e->line > 0)
			xasprintf(&where, "%s:%u:%u: ", e->file, e->line, e->col);
		else if (e->file != NULL)
			xasprintf(&where, "%s: ", e->file);
		else
			where = xstrdup("");
		msg_error("%s%s%s", where,
			  e->severity == DIAG_WARNING ? "warning: " : "", e->msg);
		free(where);
	}
	if (d->dropped > 0)
		msg_error("%zu more error%s not shown", d->dropped,
			  d->dropped == 1 ? "" : "s");
	free(sorted);
}
