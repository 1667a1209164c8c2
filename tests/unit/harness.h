/* The shared CUnit runner: one suite per test program, a non-zero exit
 * status when any test fails, and a closing "N passed, M failed" line. */
#ifndef CHAINBOX_HARNESS_H
#define CHAINBOX_HARNESS_H

#include <CUnit/CUnit.h>

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

#endif
