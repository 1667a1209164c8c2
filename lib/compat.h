/* Small macros every module shares: attributes, EINTR retry, BUG() and the
 * monotonic clock. */
#ifndef CHAINBOX_COMPAT_H
#define CHAINBOX_COMPAT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

/* Returns: the monotonic clock in nanoseconds, for timeouts and timings. */
static inline uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A broken invariant is a bug, not an error: abort with where it happened. */
#define BUG(msg)                                                               \
	do {                                                                   \
		fprintf(stderr, "BUG at %s:%d in %s: %s\n", __FILE__,          \
			__LINE__, __func__, (msg));                            \
		abort();                                                       \
	} while (0)

#endif
