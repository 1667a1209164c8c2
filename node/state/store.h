/* The node's store on disk: one LMDB environment, DATA_DIR/chain.mdb,
 * holding the chain's blocks, receipts, transaction index and head state,
 * so that a node restarted (after kill -9 too) keeps its chain.
 *
 * Named databases:
 *   meta      "version", "chain_id", "head" (8-byte big-endian) and
 *             "genesis" (the genesis block's 32-byte hash)
 *   headers   number -> rlp(header)
 *   bodies    number -> rlp([raw tx, ...]), absent for an empty block
 *   receipts  number -> the chain's receipt record, absent likewise
 *   txs       tx hash -> number (8) || index (4)
 *   accounts  address -> nonce (8) || balance (32) || code hash (32)
 *   code      code hash -> code
 *   storage   address || slot (32) -> value (32), non-zero values only
 *   certs     number -> the block's commit certificate (tbft), absent
 *             where there is none (solo chains, the genesis)
 * Numbers are 8-byte big-endian keys, so a cursor walks blocks in order.
 *
 * Writes happen between store_begin() and store_commit(), in one LMDB write
 * transaction: what a commit holds lands whole or not at all, so the store
 * always holds a consistent prefix of the chain.  Commits use
 * MDB_NOMETASYNC (see store_open()). */
#ifndef CHAINBOX_STORE_H
#define CHAINBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "state/state.h"

#define STORE_VERSION 1
#define STORE_FILE "chain.mdb"

struct store;

struct store_meta {
	uint64_t version;
	uint64_t chain_id;
	uint64_t head; /* the head block's number */
	uint8_t genesis[32]; /* the genesis block's hash */
};

/* One block's records.  Pointers are borrowed: valid during the callback
 * that receives them, or for the call that is given them.  A body or a
 * receipt record of length 0 means an empty block. */
struct store_block {
	uint64_t number;
	const uint8_t *header;
	size_t header_len;
	const uint8_t *body;
	size_t body_len;
	const uint8_t *receipts;
	size_t receipts_len;
	/* The commit certificate that made it final (tbft); none: len 0. */
	const uint8_t *cert;
	size_t cert_len;
};

/* Opens the store in dir, creating dir (with its parents) and the
 * environment when missing, and locks dir against a second node.
 * Returns: 0; -errno with *cause set (caller frees), naming the path:
 * -EBUSY when another process holds dir, -EIO for a file LMDB cannot read.
 * Out: *st, freed with store_free(). */
int store_open(struct store **st, char **cause, const char *dir) WARN_UNUSED;
/* Aborts an open write transaction and closes the store.  NULL is fine. */
void store_free(struct store *st);
/* Returns: the environment's path (not owned). */
const char *store_path(const struct store *st);

/* Reading.  Each call reads one consistent snapshot of the store. */
/* Returns: 0, with *found false for a store that holds no chain yet;
 * -errno with *cause set.  Out: *m when found. */
int store_get_meta(struct store *st, char **cause, bool *found,
		   struct store_meta *m) WARN_UNUSED;
/* Calls fn for blocks 0 to the head in order.  fn returns 0 or -errno
 * with *cause set; a non-zero result stops the walk and is returned.
 * Returns: 0; -EIO with *cause for a missing block; -errno. */
int store_foreach_block(struct store *st, char **cause,
			int (*fn)(void *arg, char **cause, const struct store_block *b),
			void *arg) WARN_UNUSED;
/* Adds every stored account, with its code and storage, to s (an empty
 * state), leaving no journal and no dirty marks.
 * Returns: 0; -EIO with *cause for a malformed row or missing code. */
int store_load_state(struct store *st, char **cause, struct state *s) WARN_UNUSED;
/* Looks a transaction up in the index.
 * Returns: 0; -ENOENT when it is not there; -errno with *cause set. */
int store_get_tx(struct store *st, char **cause, uint64_t *number, uint32_t *index,
		 const uint8_t hash[32]) WARN_UNUSED;

/* Writing.  Every write below needs store_begin() first. */
/* Returns: 0; -EBUSY when a write transaction is already open; -errno. */
int store_begin(struct store *st, char **cause) WARN_UNUSED;
/* Makes the writes since store_begin() durable and visible, at once.
 * Returns: 0; -ENOSPC when the map is full; -errno.  Either way the write
 * transaction is over. */
int store_commit(struct store *st, char **cause) WARN_UNUSED;
/* Drops the writes since store_begin(); nothing if none is open. */
void store_abort(struct store *st);

int store_put_meta(struct store *st, char **cause, const struct store_meta *m) WARN_UNUSED;
/* In: b, whose body (when not empty) is rlp([raw tx, ...]). */
int store_put_block(struct store *st, char **cause, const struct store_block *b) WARN_UNUSED;
int store_put_tx(struct store *st, char **cause, const uint8_t hash[32], uint64_t number,
		 uint32_t index) WARN_UNUSED;
/* Deletes blocks from number on, with their transactions' index entries. */
int store_truncate(struct store *st, char **cause, uint64_t from) WARN_UNUSED;
/* Writes what state_foreach_dirty() reports: changed accounts, new code,
 * changed slots; a destroyed account's row and its slots are deleted.
 * The caller clears the marks once the commit succeeded. */
int store_put_dirty(struct store *st, char **cause, const struct state *s) WARN_UNUSED;
/* Replaces the whole stored state with s (after evm_revert). */
int store_put_state(struct store *st, char **cause, const struct state *s) WARN_UNUSED;

/* Pinning, for a snapshot taken while the node goes on committing.
 *
 * A pin is an LMDB read transaction held open on the store as it is now.
 * LMDB never reuses a page that an open reader can see, so the pages of
 * this view stay put in STORE_FILE until the pin is released, whatever
 * is committed meanwhile.  A copy of the file's first `size` bytes, taken
 * at any time while the pin is held, with its two meta pages (pages 0
 * and 1) both replaced by `meta`, is then a store holding exactly this
 * view.  Only the meta pages are rewritten by later commits, which is why
 * the pin keeps its own. */
struct store_pin {
	uint64_t txnid; /* the view's LMDB transaction */
	uint64_t size; /* bytes of STORE_FILE the view uses */
	uint32_t page_size;
	uint8_t *meta[2]; /* page_size bytes each: what pages 0 and 1 must hold */
};

/* Pins the store as it is now (no write may be open).
 * Returns: 0; -EBUSY when a pin or a write is under way; -errno with
 * *cause set.  Out: *pin, valid until store_unpin(). */
int store_pin(struct store *st, char **cause, struct store_pin *pin) WARN_UNUSED;
/* Releases the pin, if any. */
void store_unpin(struct store *st);

#endif
