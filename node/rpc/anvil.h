/* anvil's state dumps, which anvil_dumpState and anvil_loadState speak over
 * RPC (gzip'd, as hex) and chainbox-node's --dump-state, --load-state and
 * --state keep in files (plain JSON; gzip'd JSON is read too).
 *
 * A dump has anvil's top-level keys but holds only the state: every
 * account with its nonce, balance, code and storage, and the head's
 * number as "best_block_number".  "block" is null, and "blocks" and
 * "transactions" are empty, since this chain's blocks cannot go into
 * another node: anvil refuses a non-null "block" whose best block the dump
 * does not hold ("Best hash not found"), and with a null one it keeps its
 * own head and takes the accounts. */
#ifndef CHAINBOX_RPC_ANVIL_H
#define CHAINBOX_RPC_ANVIL_H

#include <jansson.h>
#include <stdint.h>

#include "compat.h"

struct chain;

/* Returns: c's head state as a dump (caller json_decref()s), or NULL when
 * jansson runs out of memory. */
json_t *anvil_state_json(const struct chain *c) WARN_UNUSED;
/* Merges a dump into c as anvil_loadState does: each account's balance
 * and code replaced, the higher of the two nonces kept, each slot set.
 * Then, when the dump's best block ("best_block_number", else
 * "block"."number") is past c's head, empty blocks are mined up to it (a
 * transaction waiting in the pool goes into the first of them), which
 * starts a fresh node at the dump's block number; a dump behind the head
 * leaves the head where it is.  A dump that does not read changes nothing.
 * Returns: 0; -EINVAL with *cause set (caller frees) for a dump that does
 * not read, or whose best block lies more than max_blocks past the head;
 * -errno with *cause set when mining fails (the accounts are loaded). */
int anvil_state_load(struct chain *c, char **cause, const json_t *root,
		     uint64_t max_blocks) WARN_UNUSED;

/* Writes anvil_state_json() to path, or to path/state.json when path is a
 * directory, through a temporary file in the same directory that is
 * synced and then renamed over it, so that a crash leaves the old file or
 * the new one, never half of one.
 * Returns: 0, or -errno with *cause set (caller frees), naming the file. */
int anvil_state_dump_file(const struct chain *c, char **cause, const char *path) WARN_UNUSED;
/* Reads a dump, plain or gzip'd JSON, from path (or path/state.json when
 * path is a directory) and loads it with anvil_state_load(), which may
 * mine up to ten million blocks for it.
 * Returns: 0; -ENOENT when the file does not exist; -EINVAL for a file
 * that is not a dump (JSON errors with their line and column); -errno;
 * each with *cause set (caller frees), naming the file. */
int anvil_state_load_file(struct chain *c, char **cause, const char *path) WARN_UNUSED;

#endif
