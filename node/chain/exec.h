/* Transaction execution: validating a transaction against the world state
 * and its block, and applying it by running the EVM, with this module as
 * the EVM's host (message calls, creates, precompiles, logs, refunds, fees
 * and EIP-161 clearing), as Cancun specifies. */
#ifndef CHAINBOX_EXEC_H
#define CHAINBOX_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "compat.h"
#include "evm/evm.h"
#include "state/state.h"
#include "chain/tx.h"

struct exec;

struct exec_block {
	uint8_t coinbase[20];
	uint64_t number, timestamp, gas_limit;
	struct u256 prevrandao, base_fee, chain_id;
	uint64_t excess_blob_gas;
};

struct exec_log {
	uint8_t address[20];
	uint8_t topics[4][32];
	size_t ntopics;
	uint8_t *data;
	size_t len;
};

struct exec_receipt {
	enum evm_status status;
	uint64_t gas_used; /* after refunds */
	uint64_t blob_gas_used;
	struct exec_log *logs;
	size_t nlogs;
	bool created;
	uint8_t contract_address[20];
	uint8_t *output; /* return or revert data */
	size_t output_len;
};

/* Returns: an executor over state (not owned), which keeps a JUMPDEST cache
 * across transactions.  Caller frees with exec_free(). */
struct exec *exec_new(struct state *state);
void exec_free(struct exec *x);
/* Sets how BLOCKHASH is answered; by default it gives zero. */
void exec_set_block_hash(struct exec *x,
			 void (*fn)(void *arg, uint64_t number, uint8_t hash[32]), void *arg);
/* Sets an EIP-3155 tracer, called before every instruction, in place of
 * any hooks; NULL for none. */
void exec_set_tracer(struct exec *x,
		     void (*fn)(void *arg, const struct evm_trace_step *step), void *arg);

/* How a frame ended, as a tracer hears it. */
struct exec_frame_end {
	enum evm_status status;
	int64_t gas_left; /* what returns to the caller; a create's after its code deposit */
	/* The return or revert data; for a create that succeeded, the code
	 * it deployed.  Not owned. */
	const uint8_t *output;
	size_t output_len;
	/* For a call or create that never started (EVM_CALL_NOT_STARTED):
	 * why, in geth's words ("max call depth exceeded"); else NULL. */
	const char *why;
};

/* What a tracer hears of a transaction, after geth's tracing hooks.  Any
 * may be NULL; with none set, nothing is spent on them. */
struct exec_hooks {
	/* Before every instruction (EIP-3155). */
	void (*step)(void *arg, const struct evm_trace_step *step);
	/* The instruction a frame halted on (see evm_host's fault). */
	void (*fault)(void *arg, const struct evm_trace_step *step);
	/* A message call or create begins, before anything is checked: msg
	 * as the callee gets it (depth 0 for the transaction's own; a
	 * create's recipient is the new address).  Every enter has its
	 * exit, precompiles and calls that never started included. */
	void (*enter)(void *arg, const struct evm_message *msg);
	/* The frame that began last ends.  Set with enter, or not at all. */
	void (*exit)(void *arg, const struct exec_frame_end *end);
	/* SELFDESTRUCT in the running frame: addr sends value, its whole
	 * balance, to beneficiary. */
	void (*selfdestruct)(void *arg, const uint8_t addr[20], const uint8_t beneficiary[20],
			     const struct u256 *value);
	/* A log as the running frame emits it; a failing frame's are
	 * dropped from the receipt afterwards, and this is not told. */
	void (*log)(void *arg, const struct exec_log *log);
};

/* Sets the hooks (copied) in place of any tracer, each called with arg;
 * h NULL for none. */
void exec_set_hooks(struct exec *x, const struct exec_hooks *h, void *arg);

/* Validates tx from sender and, when it is valid, applies it to the state.
 * Returns: 0 when applied (the receipt says whether it reverted); -EINVAL
 * for an invalid transaction, with *why set to a static reason in the
 * official tests' words ("TransactionException.INTRINSIC_GAS_TOO_LOW") and
 * the state unchanged; -ENOMEM, -E2BIG or -EIO when the transaction
 * reached something this node cannot run (see precompile_run()), with
 * *why saying what and the state unchanged.
 * Out: *r, released with exec_receipt_release().
 * In: gas_available, the block's gas not yet used; blob_gas_available,
 * likewise for blob gas. */
int exec_tx(struct exec *x, struct exec_receipt *r, const char **why,
	    const struct exec_block *block, const struct tx *tx, const uint8_t sender[20],
	    uint64_t gas_available, uint64_t blob_gas_available) WARN_UNUSED;
/* Checks tx as exec_tx() would, without running it.
 * Returns: NULL when it would be applied, else the reason (static). */
const char *exec_check(const struct exec *x, const struct exec_block *block, const struct tx *tx,
		       const uint8_t sender[20], uint64_t gas_available,
		       uint64_t blob_gas_available);
/* Runs tx as eth_call does: no fee is charged and the nonce is not
 * checked, the gas price is zero, and every effect is undone afterwards.
 * Returns: 0 (the receipt says how it ended, with the output and, for a
 * success, the logs); -EINVAL with *why when gas does not cover the
 * intrinsic cost or the balance the value; or as exec_tx().
 * Out: *r, released with exec_receipt_release(). */
int exec_call(struct exec *x, struct exec_receipt *r, const char **why,
	      const struct exec_block *block, const struct tx *tx, const uint8_t sender[20])
	WARN_UNUSED;
void exec_receipt_release(struct exec_receipt *r);

/* Out: addr, the address CREATE gives (keccak of rlp([sender, nonce])). */
void exec_create_address(uint8_t addr[20], const uint8_t sender[20], uint64_t nonce);
/* Out: addr, the address CREATE2 gives. */
void exec_create2_address(uint8_t addr[20], const uint8_t sender[20], const struct u256 *salt,
			  const uint8_t *initcode, size_t len);

#endif
