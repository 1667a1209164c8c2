/* Small macros every module shares: attributes, EINTR retry and BUG(). */
#ifndef CHAINBOX_COMPAT_H
#define CHAINBOX_COMPAT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define WARN_UNUSED __attribute__((warn_unused_result))
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Retries a system call that failed with EINTR; evaluates to its result. */
#define TEMP_FAILURE_RETRY_INT(expr)                                           \
	({                                                                     \
		long _rc;                                                      \
		do                                                             \
			_rc = (long)(expr);                                    \
		while (_rc == -1 && errno == EINTR);                           \
		_rc;                                                           \
	})

/* A broken invariant is a bug, not an error: abort with where it happened. */
#define BUG(msg)                                                               \
	do {                                                                   \
		fprintf(stderr, "BUG at %s:%d in %s: %s\n", __FILE__,          \
			__LINE__, __func__, (msg));                            \
		abort();                                                       \
	} while (0)

#endif
