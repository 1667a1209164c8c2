/* `chainbox test`: runs contract test suites (suite.h) on networks of
 * their own, writing TAP to standard output and JUnit XML to a file
 * (report.h).
 *
 * For each suite: bring its network up (detached, in a temporary state
 * directory), run the setup steps, then each test.  With isolation: fresh
 * (the default) every test starts from the state right after the setup:
 * evm_snapshot and evm_revert on solo networks, a network snapshot
 * (snapshot.h) on tbft networks.  Then the network goes down, unless
 * --keep.  Suites run one after another, or -j N at a time, each in a
 * process of its own with a network of its own. */
#ifndef CHAINBOX_TESTRUN_H
#define CHAINBOX_TESTRUN_H

#include <stdbool.h>

#include "report.h"
#include "suite.h"

struct testrun_options {
	const char *filter; /* run only tests whose name matches (fnmatch, or a substring) */
	bool keep; /* leave the networks up */
	bool quiet; /* no progress on stderr */
};

/* Runs one loaded suite.  Out: r, every test's result (or the suite's
 * error); release with report_suite_release(). */
void testrun_suite(const struct suite *s, const struct testrun_options *o,
		   struct suite_result *r);

/* chainbox test SUITE... [--junit FILE] [--keep] [--filter PATTERN] [-j N]:
 * the exit status (0 all passed, 1 a failure, 2 wrong usage). */
int testrun_cmd(int argc, char **argv);

#endif
