/* The Merkle Patricia Trie (yellow paper, appendix D): an in-memory trie of
 * byte-string keys and values that gives the root hash Ethereum commits to
 * in block headers (state, storage, transactions, receipts, withdrawals).
 *
 * Inserts and deletes keep the trie in its canonical shape, and each node
 * caches its hash until something below it changes, so computing the root
 * again after a few writes hashes only the paths that changed.
 *
 * Memory comes from xalloc.h: running out of it exits the process.  Keys
 * are limited to MPT_KEY_MAX bytes; values are copied, and their size is the
 * caller's to bound. */
#ifndef CHAINBOX_MPT_H
#define CHAINBOX_MPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* The longest key, in bytes, before any hashing.  It also bounds the depth
 * of the recursion in every operation (at most 2 * 2 * MPT_KEY_MAX + 1
 * nodes on a path). */
#define MPT_KEY_MAX 256

/* Flags for mpt_new(). */
enum {
	/* A secure trie: each key is replaced by its keccak-256 hash, as in
	 * the state trie (keccak(address)) and storage tries (keccak(slot)). */
	MPT_SECURE = 1 << 0,
};

/* keccak256(rlp("")), the root of a trie with no keys. */
extern const uint8_t mpt_empty_root[32];

struct mpt;

/* Returns: a new empty trie (caller frees with mpt_free()).
 * In: flags, 0 or MPT_SECURE. */
struct mpt *mpt_new(unsigned flags);
/* Frees t and everything in it.  t may be NULL. */
void mpt_free(struct mpt *t);

/* Sets key to val, replacing any value it had.  An empty value deletes the
 * key, as Ethereum stores no empty values.
 * Returns: 0; -E2BIG when klen > MPT_KEY_MAX (never in a secure trie).
 * In: key and val may be NULL when their length is 0. */
int mpt_put(struct mpt *t, const uint8_t *key, size_t klen, const uint8_t *val,
	    size_t vlen) WARN_UNUSED;
/* Deletes key.
 * Returns: 0; -ENOENT when the trie has no such key; -E2BIG as for
 * mpt_put(). */
int mpt_del(struct mpt *t, const uint8_t *key, size_t klen) WARN_UNUSED;
/* Looks key up.
 * Returns: 0; -ENOENT when the trie has no such key; -E2BIG as for
 * mpt_put().
 * Out: *val, pointing into the trie and valid until the next write; *vlen. */
int mpt_get(const struct mpt *t, const uint8_t **val, size_t *vlen,
	    const uint8_t *key, size_t klen) WARN_UNUSED;
/* Returns: the number of keys in t. */
size_t mpt_count(const struct mpt *t);

/* Out: root, the trie's root hash; mpt_empty_root when t has no keys.
 * It hashes only the nodes changed since the last call. */
void mpt_root(struct mpt *t, uint8_t root[32]);

/* Called by mpt_walk() for each key.  Returns: 0 to go on, anything else to
 * stop the walk, which then returns that value.  In: key (the hashed key in
 * a secure trie) and val, valid during the call only. */
typedef int (*mpt_walk_fn)(void *arg, const uint8_t *key, size_t klen,
			   const uint8_t *val, size_t vlen);
/* Calls fn for every key in ascending byte order (a key comes before the
 * longer keys it is a prefix of).  The trie must not change meanwhile.
 * Returns: 0, or the first non-zero value fn returned. */
int mpt_walk(const struct mpt *t, mpt_walk_fn fn, void *arg);

/* Hex-prefix encoding (appendix C): n nibbles (each 0..15) packed two to a
 * byte behind a flag nibble that gives n's parity and whether the path ends
 * at a leaf.  Returns: the length written, n / 2 + 1.
 * Out: out, n / 2 + 1 bytes of room. */
size_t mpt_hex_prefix(uint8_t *out, const uint8_t *nibbles, size_t n, bool leaf);

#endif
