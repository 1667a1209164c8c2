/* "Did you mean" hints for mistyped keys, commands and names. */
#ifndef CHAINBOX_SUGGEST_H
#define CHAINBOX_SUGGEST_H

#include <stddef.h>

/* Returns: the edit (Levenshtein) distance between a and b, or SIZE_MAX
 * when either is longer than 64 bytes. */
size_t suggest_distance(const char *a, const char *b);
/* Returns: the candidate closest to word when it is close enough to be a
 * typo (at most a third of word's length, and 3, edits), else NULL. */
const char *suggest_closest(const char *word, const char *const *cands, size_t n);

#endif
