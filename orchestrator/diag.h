/* Diagnostics for files people write (specs, suites): errors and warnings
 * at FILE:LINE:COL, collected so that one run reports every mistake. */
#ifndef CHAINBOX_DIAG_H
#define CHAINBOX_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compat.h"

/* At most this many errors are kept; later ones are counted, not stored. */
#define DIAG_MAX_ERRORS 20

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
	enum diag_severity severity;
	char *file; /* may be NULL: the message is about no file */
	unsigned line, col; /* 1-based; 0 when unknown */
	char *msg;
	size_t seq; /* order of arrival, to keep sorting stable */
};

struct diag {
	struct diag_entry *v;
	size_t n, alloc;
	size_t nerrors, nwarnings;
	size_t dropped; /* errors beyond DIAG_MAX_ERRORS */
};

void diag_init(struct diag *d);
void diag_release(struct diag *d);
/* Records an error or warning.  In: file may be NULL; it is copied. */
void diag_add(struct diag *d, enum diag_severity sev, const char *file,
	      unsigned line, unsigned col, const char *fmt, ...) PRINTFLIKE(6, 7);
/* Returns: whether no more errors will be stored, so that callers can stop. */
bool diag_is_full(const struct diag *d);
/* Prints every entry as "PROG: FILE:LINE:COL: [warning: ]message", sorted by
 * file and position, then a line for dropped errors. */
void diag_print(const struct diag *d);

#endif
