/* ethtest: runs the official Ethereum test vectors (ethereum/tests) against
 * chainbox's code.  This is the API the mode files share: ethtest.c walks
 * the paths, loads each JSON file and hands it to the mode, which checks
 * every test in it and counts the outcome here.
 *
 * Adding a mode: write ethtest_MODE.c with an ethtest_file_fn, declare it
 * below, and add one line to the mode table in ethtest.c.
 *
 * Output: one "FAIL FILE: TEST: what differed" line per failed test on
 * stdout; with --trace also "PASS ..." and "SKIP ..." lines and whatever
 * the mode adds with ethtest_trace().  ethtest is a tool, so it allocates
 * with xalloc.h. */
#ifndef CHAINBOX_ETHTEST_H
#define CHAINBOX_ETHTEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* One run: the options and the result counter. */
struct ethtest {
	bool trace;
	const char *only; /* --only: run just the cases whose label holds it */
	unsigned passed;
	unsigned failed;
	unsigned skipped;
	unsigned errors; /* paths that could not be read or parsed */
};

/* Runs every test in one file.  In: file, the path as walked, for
 * messages; root, the file's top-level JSON object. */
typedef void (*ethtest_file_fn)(struct ethtest *t, const char *file,
				const json_t *root);

/* The modes, one per file. */
void ethtest_rlp_file(struct ethtest *t, const char *file, const json_t *root);
void ethtest_trie_file(struct ethtest *t, const char *file, const json_t *root);
void ethtest_state_file(struct ethtest *t, const char *file, const json_t *root);
void ethtest_tx_file(struct ethtest *t, const char *file, const json_t *root);

/* Returns: whether the case labelled label is to run (see --only). */
bool ethtest_wanted(const struct ethtest *t, const char *label);

/* Walks path, a .json file or a directory searched recursively (in name
 * order, skipping names that start with a dot) for *.json files, and calls
 * fn with each file's JSON.  A file named directly is read whatever its
 * name.  Returns: 0, or -errno after printing a message naming the file
 * that could not be read or is not a JSON object; the walk goes on past
 * such files, and each counts in t->errors. */
int ethtest_walk(struct ethtest *t, const char *path, ethtest_file_fn fn);

/* Count one test's outcome.  ethtest_fail() prints the failure line,
 * ethtest_fail_bytes() one that shows where two byte strings differ. */
void ethtest_pass(struct ethtest *t, const char *file, const char *name);
void ethtest_fail(struct ethtest *t, const char *file, const char *name,
		  const char *fmt, ...) PRINTFLIKE(4, 5);
void ethtest_fail_bytes(struct ethtest *t, const char *file, const char *name,
			const char *what, const uint8_t *want, size_t wlen,
			const uint8_t *got, size_t glen);
void ethtest_skip(struct ethtest *t, const char *file, const char *name,
		  const char *why);
/* Prints an indented detail line when --trace is on.  Details come before
 * the PASS, FAIL or SKIP line of the test they belong to. */
void ethtest_trace(const struct ethtest *t, const char *fmt, ...) PRINTFLIKE(2, 3);

/* Decodes hex digits, with or without "0x"; "" and "0x" give no bytes.
 * Returns: 0, or -EINVAL for an odd count or a non-hex character.
 * Out: *out (caller frees; not NULL even when *len is 0), *len. */
int ethtest_hex_decode(uint8_t **out, size_t *len, const char *s,
		       size_t slen) WARN_UNUSED;
/* Returns: "0x" and the hex digits of p (caller frees). */
char *ethtest_hex_str(const uint8_t *p, size_t len);

#endif
