/* The shared CUnit runner: one suite per test program, a non-zero exit
 * status when any test fails, and a closing "N passed, M failed" line. */
#ifndef CHAINBOX_HARNESS_H
#define CHAINBOX_HARNESS_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>

#include "u256.h"

struct harness_test {
	const char *name;
	void (*fn)(void);
};

#define HARNESS_TEST(fn) { #fn, fn }
#define HARNESS_END { NULL, NULL }

/* Runs tests (ended by HARNESS_END) as the suite name.
 * Returns: the exit status for main(): 0 when every test passed, else 1. */
int harness_run(const char *name, const struct harness_test *tests);

/* Out: a path to a new empty temporary directory (caller frees, and removes
 * it with harness_rmtree()). */
char *harness_tmpdir(void);
void harness_rmtree(const char *path);
/* Writes text to dir/name.  Returns: the full path (caller frees). */
char *harness_write(const char *dir, const char *name, const char *text);

/* Helpers for tests of the node's code. */
/* Out: a, an address with tag in its first byte and n in its last four. */
void harness_address(uint8_t a[20], uint8_t tag, uint32_t n);
/* Returns: the number in s (decimal or 0x-hex); a bad s fails the test. */
struct u256 harness_u256(const char *s);
/* Returns: whether v equals want. */
bool harness_u256_is(struct u256 v, uint64_t want);
/* Out: out, exactly n bytes from the hex in s; anything else fails the
 * test. */
void harness_unhex(uint8_t *out, size_t n, const char *s);

#endif
