/* The chain a node keeps: genesis, blocks, mined transactions with their
 * receipts, the head's world state, and mining (automine: a block for every
 * transaction as it arrives, or blocks on demand).
 *
 * With a data dir the chain also lives in an LMDB store there (see
 * state/store.h): every mined block is written with the state changes it
 * made in one transaction, and a chain made again over the same data dir
 * (after kill -9 too) starts from the stored head.  Without one, as for
 * --memory, everything stays in RAM. */
#ifndef CHAINBOX_CHAIN_H
#define CHAINBOX_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/block.h"
#include "chain/exec.h"
#include "chain/tx.h"
#include "compat.h"
#include "state/state.h"
#include "state/store.h"

struct chain_alloc {
	uint8_t address[20];
	struct u256 balance;
	uint64_t nonce;
	const uint8_t *code; /* copied; may be NULL */
	size_t code_len;
	const struct u256 (*storage)[2]; /* slot, value pairs; copied */
	size_t nstorage;
};

struct chain_config {
	uint64_t chain_id;
	uint64_t gas_limit;
	struct u256 base_fee; /* of the genesis block */
	uint64_t timestamp; /* of the genesis block */
	uint8_t coinbase[20];
	const uint8_t *extra; /* the genesis header's extraData, at most 32 bytes */
	size_t extra_len;
	const struct chain_alloc *alloc;
	size_t nalloc;
	bool automine;
	/* Where the chain is stored (copied); NULL keeps it in memory. */
	const char *data_dir;
};

/* A transaction in a block, with what running it gave. */
struct chain_tx {
	struct tx tx;
	uint8_t sender[20];
	uint8_t *raw; /* the network encoding */
	size_t raw_len;
	uint64_t block_number;
	uint32_t index; /* in its block */
	uint64_t first_log_index; /* of its first log, in its block */
	struct exec_receipt receipt;
	uint64_t cumulative_gas;
	uint8_t bloom[BLOCK_BLOOM_LEN];
	struct u256 effective_gas_price;
};

struct chain_kept;

struct chain_block {
	struct block_header header;
	uint8_t hash[32];
	struct chain_tx **txs;
	size_t ntxs;
	/* The state after this block, kept for CHAIN_KEEP_STATES blocks (see
	 * chain_state_at()); NULL once dropped.  Private to chain.c. */
	struct chain_kept *kept;
	/* The commit certificate that made it final (tbft), as consensus
	 * gave it; NULL for none. */
	uint8_t *cert;
	size_t cert_len;
};

/* How many recent blocks' states are kept for queries at older blocks, as
 * a geth node keeps 128. */
#define CHAIN_KEEP_STATES 128

struct chain;

/* Returns: a chain at its genesis block, or with cfg->data_dir holding a
 * chain, at that chain's head (caller frees with chain_free()); or NULL
 * with *cause set (caller frees): a data dir that cannot be created or
 * opened, or is in use by another node; a stored chain of another chain id
 * or genesis block (cfg's alloc, gas limit, base fee, timestamp and
 * coinbase all go into the genesis hash, so they must be the same on each
 * start); a store whose state does not match its head (corrupt). */
struct chain *chain_new(const struct chain_config *cfg, char **cause);
void chain_free(struct chain *c);
/* The genesis timestamp goes into the genesis hash, so a node that picks
 * "now" at start must reuse the stored one on a restart: call this before
 * chain_new() and put *timestamp in the config.
 * Returns: 0; -ENOENT when data_dir holds no chain yet (or does not
 * exist); -errno with *cause set (caller frees), as chain_new().
 * Out: *timestamp, the stored genesis block's. */
int chain_stored_genesis_time(uint64_t *timestamp, char **cause, const char *data_dir) WARN_UNUSED;

uint64_t chain_id(const struct chain *c);
const struct chain_block *chain_head(const struct chain *c);
/* Returns: block number n, or NULL past the head. */
const struct chain_block *chain_block(const struct chain *c, uint64_t n);
const struct chain_block *chain_block_by_hash(const struct chain *c, const uint8_t hash[32]);
/* Returns: the mined transaction with this hash, or NULL. */
const struct chain_tx *chain_tx(const struct chain *c, const uint8_t hash[32]);
/* Returns: the head's world state, for reading (not owned). */
const struct state *chain_state(const struct chain *c);
/* Returns: the state after block n (for reading), or NULL when it is no
 * longer kept: only the last CHAIN_KEEP_STATES blocks' are, and none from
 * before the node started. */
const struct state *chain_state_at(const struct chain *c, uint64_t n);
/* Returns: the base fee the next block will have. */
struct u256 chain_next_base_fee(const struct chain *c);

/* Takes a signed transaction in its network encoding.  With automine it is
 * mined at once, in a block of its own, so that its receipt exists when
 * this returns.  Without, it waits in the pool for chain_mine().
 * Returns: 0; -EINVAL with *why set (a static message in geth's words,
 * such as "nonce too low") for a transaction that cannot be taken.
 * Out: hash, the transaction's hash. */
int chain_send_raw(struct chain *c, uint8_t hash[32], const char **why,
		   const uint8_t *raw, size_t len) WARN_UNUSED;
/* Takes a transaction sent as sender without sender's key (anvil's
 * impersonation): it gets the stand-in signature and anvil's hash (see
 * tx_impersonate()), then meets every check chain_send_raw() makes, and
 * is mined and stored with sender as its sender.
 * Returns: 0; -EINVAL with *why set, as chain_send_raw(); -ENOMEM.
 * Out: hash.  In: tx, unsigned or not: its signature is not used. */
int chain_send_as(struct chain *c, uint8_t hash[32], const char **why, const struct tx *tx,
		  const uint8_t sender[20]) WARN_UNUSED;
/* Mines one block of what the pool holds (possibly nothing) at timestamp
 * (0: the one evm_setNextBlockTimestamp set, else the clock plus the
 * evm_increaseTime offset), or at the head's timestamp + 1 when that is
 * later.
 * Returns: 0 or -errno. */
int chain_mine(struct chain *c, uint64_t timestamp) WARN_UNUSED;
/* anvil_mine: mines n blocks as chain_mine() does, the first at timestamp
 * and each later one interval seconds after the one before (at least 1),
 * and stores them in one write, which keeps 10,000 empty blocks fast.
 * Returns: 0 or -errno. */
int chain_mine_many(struct chain *c, uint64_t n, uint64_t timestamp,
		    uint64_t interval) WARN_UNUSED;
/* With a data dir, a mining call (chain_mine(), chain_mine_many(),
 * chain_send_raw() with automine) returns -errno when the store cannot be
 * written; the blocks stay mined in memory and the next write tries them
 * again.  Returns: why the last write failed, or NULL (not owned). */
const char *chain_store_error(const struct chain *c);
void chain_set_automine(struct chain *c, bool on);
bool chain_automine(const struct chain *c);
/* Returns: how many transactions wait in the pool. */
size_t chain_pending(const struct chain *c);

/* The pool.  A transaction sent with a nonce its sender has used is
 * refused ("nonce too low"); one with the same sender and nonce as a
 * pooled one replaces it when it offers at least 10% more in both the fee
 * cap and the tip ("replacement transaction underpriced" otherwise), as
 * geth's pool does.  Transactions whose nonces follow their sender's
 * without a gap are pending and get mined in the order they came; those
 * after a gap wait, queued, until it is filled. */
struct chain_pooled {
	const struct tx *tx;
	const uint8_t *sender; /* 20 bytes */
	bool pending; /* else queued */
};
/* Visits the pooled transactions by sender, then nonce.  The pointers in
 * *p are valid until the pool changes, and fn must not change it.
 * Returns: 0, or fn's result when fn returns non-zero, which stops the
 * walk. */
int chain_pool_foreach(const struct chain *c, int (*fn)(void *arg, const struct chain_pooled *p),
		       void *arg);
/* Out: *pending and *queued, how many pooled transactions are which. */
void chain_pool_count(const struct chain *c, size_t *pending, size_t *queued);
/* Returns: addr's next nonce past its pooled transactions (anvil's
 * "pending" nonce): one past the highest it has in the pool, or its state
 * nonce when that is higher. */
uint64_t chain_pool_nonce(const struct chain *c, const uint8_t addr[20]);
/* Returns: whether the pool holds a transaction with hash.
 * Out: *p when it does (valid until the pool changes). */
bool chain_pool_get(const struct chain *c, struct chain_pooled *p, const uint8_t hash[32]);
/* anvil_dropTransaction: drops the pooled transaction with hash; its
 * sender's later ones then wait queued behind the gap.
 * Returns: whether there was one. */
bool chain_pool_drop(struct chain *c, const uint8_t hash[32]);
/* anvil_removePoolTransactions: drops every pooled transaction of addr.
 * Returns: how many. */
size_t chain_pool_drop_sender(struct chain *c, const uint8_t addr[20]);
/* anvil_dropAllTransactions: empties the pool. */
void chain_pool_clear(struct chain *c);

/* anvil_impersonateAccount and anvil_stopImpersonatingAccount (on false):
 * whom eth_sendTransaction may send as without a key, through
 * chain_send_as().  The chain only keeps the list; it is not stored, and
 * evm_revert leaves it as it is, as anvil does. */
void chain_impersonate(struct chain *c, const uint8_t addr[20], bool on);
/* anvil_autoImpersonateAccount: every address counts as impersonated. */
void chain_set_auto_impersonate(struct chain *c, bool on);
bool chain_is_impersonated(const struct chain *c, const uint8_t addr[20]);

/* evm_snapshot: saves the chain as it is.  Returns: the snapshot's id,
 * counting from 0 as anvil does. */
uint64_t chain_snapshot(struct chain *c);
/* evm_revert: puts the chain back as it was at snapshot id (blocks,
 * state, timestamps) and empties the pool.  The snapshot is used up, and
 * so is every later one (Hardhat's semantics).  With a data dir the store
 * follows in one write (blocks past the snapshot deleted, the state
 * rewritten); should that write fail, chain_store_error() says why and
 * the next mined block's write does it.  Snapshots themselves are not
 * stored: a restarted node has none.
 * Returns: true, or false for an unknown or used-up id. */
bool chain_revert(struct chain *c, uint64_t id);

/* anvil_setBalance, anvil_setNonce, anvil_setCode, anvil_setStorageAt:
 * change the head's state; the next block carries the change. */
void chain_set_balance(struct chain *c, const uint8_t addr[20], const struct u256 *v);
void chain_set_nonce(struct chain *c, const uint8_t addr[20], uint64_t nonce);
void chain_set_code(struct chain *c, const uint8_t addr[20], const uint8_t *code, size_t len);
void chain_set_storage(struct chain *c, const uint8_t addr[20], const struct u256 *slot,
		       const struct u256 *value);
/* evm_increaseTime: moves the clock blocks are stamped with.
 * Returns: the total offset in seconds. */
int64_t chain_increase_time(struct chain *c, int64_t seconds);
/* evm_setNextBlockTimestamp: the next block gets exactly timestamp.
 * Returns: 0, or -EINVAL when it is not after the head's. */
int chain_set_next_timestamp(struct chain *c, uint64_t timestamp) WARN_UNUSED;

/* What eth_call and eth_estimateGas run. */
struct chain_call {
	uint8_t from[20];
	bool is_create;
	uint8_t to[20];
	struct u256 value;
	const uint8_t *data;
	size_t data_len;
	uint64_t gas; /* 0: the block gas limit */
};

/* Runs a call on the head state and forgets its effects.
 * Returns: 0 (the receipt says whether it reverted, with the output), or
 * -errno with *why set.  Out: *r, released with exec_receipt_release(). */
int chain_call(struct chain *c, struct exec_receipt *r, const char **why,
	       const struct chain_call *call) WARN_UNUSED;
/* Runs a call on the state after block n, in block n's context.
 * Returns: as chain_call(); -ENOENT with *why set when that state is no
 * longer kept (see chain_state_at()). */
int chain_call_at(struct chain *c, uint64_t n, struct exec_receipt *r, const char **why,
		  const struct chain_call *call) WARN_UNUSED;
/* Finds the least gas with which the call does not fail, by bisection.
 * Returns: 0, or -EINVAL when it fails even with the block gas limit (*r
 * then holds that failure).  Out: *gas. */
int chain_estimate_gas(struct chain *c, uint64_t *gas, struct exec_receipt *r,
		       const char **why, const struct chain_call *call) WARN_UNUSED;

/* Out: env, the block environment block n's transactions ran in.
 * Returns: 0, or -ENOENT past the head. */
int chain_block_env(const struct chain *c, uint64_t n, struct exec_block *env) WARN_UNUSED;
/* Out: env, the one chain_call_at() runs a call at block n in: block n's,
 * or for the head the next block's, as chain_call() uses.
 * Returns: 0, or -ENOENT past the head. */
int chain_call_env(const struct chain *c, uint64_t n, struct exec_block *env) WARN_UNUSED;

/* Takes a transaction with the stand-in signature of an impersonated
 * sender, in its network encoding, as a peer relays one.  Returns: as
 * chain_send_raw(). */
int chain_send_raw_as(struct chain *c, uint8_t hash[32], const char **why, const uint8_t *raw,
		      size_t len, const uint8_t sender[20]) WARN_UNUSED;
/* Called for every transaction the pool takes, with its encoding and, for
 * an impersonated sender's, the sender (else NULL): how a node relays the
 * transactions it is sent to its peers. */
typedef void chain_pool_hook(void *arg, const uint8_t *raw, size_t len, const uint8_t *sender);
void chain_set_pool_hook(struct chain *c, chain_pool_hook *fn, void *arg);

/* Called after each write that stored new blocks, with the new head:
 * what a snapshot waits on to pin the store at a height. */
typedef void chain_stored_hook(void *arg, uint64_t head);
void chain_set_stored_hook(struct chain *c, chain_stored_hook *fn, void *arg);
/* Pins the store at the head, as store_pin() does.  Returns: 0; -ENODEV
 * for a chain kept in memory; -EAGAIN when the head is not stored yet (a
 * failed write); -errno with *cause set. */
int chain_pin(struct chain *c, char **cause, struct store_pin *pin) WARN_UNUSED;
void chain_unpin(struct chain *c);

/* Blocks agreed by consensus (tbft).  A block travels as
 * rlp([rlp(header) as a string, [tx, ...]]), each tx its network
 * encoding, or [encoding, sender] for an impersonated sender's.  Its hash
 * is its header's.  Every field of the header must be what the receiving
 * node would compute from its parent and its transactions: the proposer's
 * chain config (gas limit, coinbase) is everyone's, and the timestamp is
 * the one field the proposer picks (after its parent's). */

/* Builds the block this node would propose next: the pool's ready
 * transactions in order, run on a copy of the head's state, stamped with
 * timestamp (0: the clock).  The chain and the pool do not change.
 * Returns: 0 or -errno.  Out: *block (caller frees), *len, hash. */
int chain_propose(struct chain *c, uint8_t **block, size_t *len, uint8_t hash[32],
		  uint64_t timestamp) WARN_UNUSED;
/* Checks that block is a valid next block, by running it on a copy of the
 * head's state.  Returns: 0 with hash set; -EINVAL with *why set (static);
 * -ENOMEM. */
int chain_check_block(struct chain *c, const char **why, const uint8_t *block, size_t len,
		      uint8_t hash[32]) WARN_UNUSED;
/* Appends block, checked as chain_check_block() does, with its commit
 * certificate (kept with it, in the store too), takes its transactions out
 * of the pool, and writes it to the store.
 * Returns: 0; -EINVAL with *why set; or -errno from the store (see
 * chain_store_error()). */
int chain_import_block(struct chain *c, const char **why, const uint8_t *block, size_t len,
		       const uint8_t *cert, size_t cert_len) WARN_UNUSED;
/* Encodes a block of the chain as it travels, for peers catching up.
 * Returns: 0 or -ENOMEM.  Out: *out (caller frees), *len. */
int chain_block_encode(const struct chain_block *b, uint8_t **out, size_t *len) WARN_UNUSED;

#endif
