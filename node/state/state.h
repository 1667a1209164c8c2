/* World state in memory: accounts with balances, nonces, code and storage,
 * and everything a transaction needs on top of them: a journal for
 * call-frame reverts, EIP-2929 warm sets, EIP-1153 transient storage,
 * EIP-2200 original values, EIP-6780 created-this-transaction marks and the
 * EIP-161 touched set.
 *
 * Accounts are held in memory; the node's LMDB store loads and saves them
 * around blocks.  An account that does not exist reads as zero everywhere. */
#ifndef CHAINBOX_STATE_H
#define CHAINBOX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "u256.h"

struct state;

/* A position in the journal, from state_snapshot(). */
typedef size_t state_snap_t;

/* Returns: a new, empty state (caller frees with state_free()). */
struct state *state_new(void);
void state_free(struct state *s);

/* Reading.  An account exists once created or given anything; "empty" is
 * EIP-161's: no nonce, no balance and no code. */
bool state_exists(const struct state *s, const uint8_t addr[20]);
bool state_is_empty(const struct state *s, const uint8_t addr[20]);
/* Returns: whether the account exists and is not empty (EIP-161 "alive"). */
bool state_is_alive(const struct state *s, const uint8_t addr[20]);
struct u256 state_balance(const struct state *s, const uint8_t addr[20]);
uint64_t state_nonce(const struct state *s, const uint8_t addr[20]);
/* Returns: the code (not owned; valid until the code changes), *len its
 * length; NULL with *len 0 for none. */
const uint8_t *state_code(const struct state *s, const uint8_t addr[20], size_t *len);
/* Out: hash, keccak256 of the code; zero for an account that does not
 * exist (what EXTCODEHASH reports). */
void state_code_hash(const struct state *s, const uint8_t addr[20], uint8_t hash[32]);
struct u256 state_storage(const struct state *s, const uint8_t addr[20], const struct u256 *key);
/* Returns: the slot's value when the current transaction began. */
struct u256 state_storage_original(const struct state *s, const uint8_t addr[20],
				   const struct u256 *key);
bool state_has_storage(const struct state *s, const uint8_t addr[20]);

/* Writing; every change is journaled.  Setting anything creates the
 * account. */
void state_create(struct state *s, const uint8_t addr[20]);
void state_set_balance(struct state *s, const uint8_t addr[20], const struct u256 *v);
/* Returns: 0, or -ERANGE when the balance is below v (nothing changes). */
int state_sub_balance(struct state *s, const uint8_t addr[20], const struct u256 *v) WARN_UNUSED;
/* Returns: 0, or -ERANGE when the balance would pass 2^256 (unchanged). */
int state_add_balance(struct state *s, const uint8_t addr[20], const struct u256 *v) WARN_UNUSED;
void state_set_nonce(struct state *s, const uint8_t addr[20], uint64_t nonce);
/* In: code, copied. */
void state_set_code(struct state *s, const uint8_t addr[20], const uint8_t *code, size_t len);
void state_set_storage(struct state *s, const uint8_t addr[20], const struct u256 *key,
		       const struct u256 *value);
/* Empties the account's storage (CREATE over an address that had some). */
void state_clear_storage(struct state *s, const uint8_t addr[20]);
/* Removes the account, storage and all. */
void state_destroy(struct state *s, const uint8_t addr[20]);
/* Marks the account touched, for EIP-161 clearing at the end of the
 * transaction. */
void state_touch(struct state *s, const uint8_t addr[20]);

/* Transaction-scoped marks. */
/* Warms addr.  Returns: whether it was cold (EIP-2929). */
bool state_warm_address(struct state *s, const uint8_t addr[20]);
/* Warms a storage slot.  Returns: whether it was cold. */
bool state_warm_slot(struct state *s, const uint8_t addr[20], const struct u256 *key);
struct u256 state_tload(const struct state *s, const uint8_t addr[20], const struct u256 *key);
void state_tstore(struct state *s, const uint8_t addr[20], const struct u256 *key,
		  const struct u256 *value);
/* EIP-6780: marks addr as created in this transaction; and asks. */
void state_mark_created(struct state *s, const uint8_t addr[20]);
bool state_is_created(const struct state *s, const uint8_t addr[20]);
/* Queues addr for destruction at the end of the transaction. */
void state_mark_destructed(struct state *s, const uint8_t addr[20]);

/* Returns: a journal position to revert to. */
state_snap_t state_snapshot(const struct state *s);
/* Undoes every change made since snap, marks included. */
void state_revert(struct state *s, state_snap_t snap);

/* Starts a transaction: clears the warm sets, transient storage and marks,
 * and takes every slot's current value as its original. */
void state_begin_tx(struct state *s);
/* Ends a transaction: destroys the accounts queued for it, then (EIP-161)
 * every touched account that is empty, and drops the journal. */
void state_end_tx(struct state *s);

/* Visits every existing account in no particular order.  Stops and returns
 * fn's result when fn returns non-zero. */
struct state_account_view {
	const uint8_t *address;
	uint64_t nonce;
	struct u256 balance;
	const uint8_t *code_hash;
	const uint8_t *code;
	size_t code_len;
};
int state_foreach(const struct state *s,
		  int (*fn)(void *arg, const struct state_account_view *a), void *arg);
/* Visits every non-zero storage slot of addr, like state_foreach(). */
int state_foreach_slot(const struct state *s, const uint8_t addr[20],
		       int (*fn)(void *arg, const struct u256 *key, const struct u256 *value),
		       void *arg);

/* What changed since the last state_clear_dirty(), for the node's store:
 * an account whose nonce, balance, code, storage or existence changed
 * (even when a revert put it back), with exists false once destroyed. */
struct state_dirty_account {
	struct state_account_view a;
	bool exists;
	bool code_changed;
};
/* Visits every dirty account, then each of its dirty storage slots (the
 * value zero for one that was cleared, and for every slot of an account
 * that no longer exists), in no particular order.  Stops and returns the
 * callback's result when one returns non-zero.  The marks stay until
 * state_clear_dirty(), so that a failed write can be tried again. */
int state_foreach_dirty(const struct state *s,
			int (*fn)(void *arg, const struct state_dirty_account *a),
			int (*slot_fn)(void *arg, const uint8_t addr[20], const struct u256 *key,
				       const struct u256 *value),
			void *arg);
/* Forgets every dirty mark. */
void state_clear_dirty(struct state *s);

/* Returns: a deep copy of s, taken between transactions (the journal is
 * not copied), for the node's evm_snapshot.  Caller frees. */
struct state *state_clone(const struct state *s);

/* Computes the state root: the secure trie of keccak(address) ->
 * rlp([nonce, balance, storage root, code hash]), each storage root the
 * secure trie of keccak(slot) -> rlp(value).
 * Returns: 0 or -errno.  Out: root. */
int state_root(const struct state *s, uint8_t root[32]) WARN_UNUSED;

#endif
