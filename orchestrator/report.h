/* Test reports for `chainbox test`: TAP (version 13) on a stream, as tests
 * finish, and JUnit XML in a file at the end.
 *
 * A failed test carries what a CI reader needs to act without re-running:
 * the step that failed, the expected and actual values, the transaction
 * and its decoded revert reason, and the last log lines of the nodes the
 * step involved.  A suite that could not run at all (its network did not
 * start, say) has an error and no tests; it counts as one failure. */
#ifndef CHAINBOX_REPORT_H
#define CHAINBOX_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compat.h"

enum test_status { TEST_PASS, TEST_FAIL, TEST_SKIP };

struct test_result {
	char *name;
	enum test_status status;
	double ms;
	/* A failure's details; each may be NULL. */
	char *step; /* "step 2: call balanceOf(address)" */
	char *message; /* one line: what went wrong */
	char *expected, *actual;
	char *tx; /* the transaction's hash */
	char *reason; /* the decoded revert reason */
	char *logs; /* the last lines of the nodes involved, several lines */
	char *skip; /* TEST_SKIP: why */
};

struct suite_result {
	char *name;
	char *file;
	double ms;
	char *error; /* the suite could not run: why; NULL when it ran */
	char *logs; /* with error: the nodes' last lines, or NULL */
	struct test_result *tests;
	size_t ntests;
};

/* Frees what r holds (not r itself). */
void report_suite_release(struct suite_result *r);
/* Adds a test to r and returns it, zeroed but for its name (copied).  The
 * pointer holds until the next report_add() to r, which grows r->tests:
 * fill r->tests only through it, starting from a zeroed r. */
struct test_result *report_add(struct suite_result *r, const char *name);

/* TAP 13: "TAP version 13" first, then one line per test as it finishes
 * ("ok 3 - token: transfer works", "not ok 4 - ...", "ok 5 - ... # SKIP
 * why") with a failure's details as a YAML block ("  ---" ... "  ..."),
 * and the plan "1..N" at the end, as TAP allows when the count is not
 * known at the start.  A suite that could not run is one "not ok"
 * ("not ok 6 - vault: (suite)", its error as the YAML block's message). */
void report_tap_begin(FILE *out);
/* Prints suite's tests (or its error), numbered on from *number, the
 * count printed before (0 at first), which it advances. */
void report_tap_suite(FILE *out, const struct suite_result *suite, unsigned *number);
void report_tap_end(FILE *out, unsigned total);

/* Writes JUnit XML (<testsuites> with one <testsuite> per suite, a
 * <testcase> per test with <failure message="..."> or <skipped/>, times in
 * seconds) to path, through a temporary file and a rename.
 * Returns: 0, or -1 with *cause set (caller frees). */
int report_junit(const char *path, const struct suite_result *suites, size_t n,
		 char **cause) WARN_UNUSED;

/* Returns: the number of failures in suites (a suite that could not run
 * is one). */
size_t report_failures(const struct suite_result *suites, size_t n);

#endif
