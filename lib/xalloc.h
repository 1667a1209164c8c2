/* Allocators for the orchestrator and tools: they exit on out-of-memory or
 * size overflow, so callers never check for NULL.  The node checks untrusted
 * sizes before it allocates and must not rely on these to reject them. */
#ifndef CHAINBOX_XALLOC_H
#define CHAINBOX_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "compat.h"

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* Returns: ptr resized to nmemb * size bytes; exits when that overflows. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Out: *ret, a new string the caller frees.  Returns: its length. */
int xasprintf(char **ret, const char *fmt, ...) PRINTFLIKE(2, 3);
int xvasprintf(char **ret, const char *fmt, va_list ap) PRINTFLIKE(2, 0);

#endif
