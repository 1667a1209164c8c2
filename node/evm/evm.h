/* The EVM interpreter (Cancun).  It is pure: no I/O and no globals.  It sees
 * the world only through struct evm_host, which the node's execution layer
 * (node/chain/exec.c) implements on top of the world state: account reads,
 * storage, logs, and message calls, which the host runs by calling
 * evm_execute() again for the callee's code. */
#ifndef CHAINBOX_EVM_H
#define CHAINBOX_EVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "u256.h"

#define EVM_MAX_DEPTH 1024
#define EVM_STACK_LIMIT 1024
#define EVM_MAX_CODE_SIZE 24576 /* EIP-170 */
#define EVM_MAX_INITCODE_SIZE (2 * EVM_MAX_CODE_SIZE) /* EIP-3860 */
#define EVM_CALL_STIPEND 2300

enum evm_kind {
	EVM_CALL,
	EVM_CALLCODE,
	EVM_DELEGATECALL,
	EVM_STATICCALL,
	EVM_CREATE,
	EVM_CREATE2,
};

/* How a frame ended.  Everything but SUCCESS and REVERT is an exceptional
 * halt, which consumes all of the frame's gas. */
enum evm_status {
	EVM_SUCCESS,
	EVM_REVERT,
	EVM_OUT_OF_GAS,
	EVM_INVALID_OPCODE,
	EVM_STACK_UNDERFLOW,
	EVM_STACK_OVERFLOW,
	EVM_BAD_JUMP,
	EVM_STATIC_VIOLATION,
	EVM_RETURNDATA_OUT_OF_BOUNDS,
	EVM_CODE_TOO_LARGE,
	EVM_INVALID_CODE_PREFIX, /* EIP-3541: deployed code starting with 0xEF */
	EVM_ADDRESS_COLLISION,
	EVM_PRECOMPILE_FAILURE,
	/* Not halts of the callee: the call never started (depth limit,
	 * insufficient balance, nonce overflow).  All of msg->gas returns. */
	EVM_CALL_NOT_STARTED,
};

struct evm_message {
	enum evm_kind kind;
	bool is_static;
	int depth; /* 0 for the transaction's own frame */
	int64_t gas;
	uint8_t caller[20]; /* CALLER */
	uint8_t recipient[20]; /* ADDRESS: whose storage and balance */
	uint8_t code_address[20]; /* whose code runs (CALLCODE, DELEGATECALL) */
	struct u256 value; /* CALLVALUE */
	const uint8_t *input; /* calldata, or initcode for CREATE* */
	size_t input_len;
	struct u256 salt; /* CREATE2 */
};

struct evm_result {
	enum evm_status status;
	int64_t gas_left;
	int64_t gas_refund; /* may be negative within a frame */
	uint8_t *output; /* malloc'd; release with evm_result_release() */
	size_t output_len;
	uint8_t create_address[20]; /* CREATE* that succeeded */
};

/* The block and transaction a frame runs in. */
struct evm_env {
	uint8_t origin[20];
	struct u256 gas_price;
	uint8_t coinbase[20];
	uint64_t number, timestamp, gas_limit;
	struct u256 prevrandao, base_fee, chain_id, blob_base_fee;
	const uint8_t (*blob_hashes)[32];
	size_t nblob_hashes;
};

/* One EIP-3155 trace step, reported before the instruction runs; or a
 * fault, the instruction that halted its frame (see evm_host's fault). */
struct evm_trace_step {
	uint32_t pc;
	uint8_t op;
	int64_t gas, gas_cost; /* gas_cost: the instruction's constant part */
	const struct u256 *stack; /* bottom first */
	size_t stack_len;
	const uint8_t *memory; /* mem_size bytes */
	size_t mem_size;
	const uint8_t *return_data; /* the frame's last call's */
	size_t return_data_len;
	int depth; /* 1 for the transaction's frame, as EIP-3155 counts */
	int64_t refund; /* the frame's own, its finished calls' included */
	/* A fault only: why the frame halts; whether the instruction passed
	 * its stack check and constant gas (a traced one was then reported
	 * as a step before it halted); and with a stack error, the height
	 * the instruction needs (underflow) or allows at most (overflow). */
	enum evm_status error;
	bool ran;
	uint32_t stack_bound;
};

struct evm_host {
	void *ctx;
	/* EIP-161: exists and is not empty. */
	bool (*is_alive)(void *ctx, const uint8_t addr[20]);
	struct u256 (*balance)(void *ctx, const uint8_t addr[20]);
	/* Returns: addr's code (not owned), or NULL with *len 0. */
	const uint8_t *(*code)(void *ctx, const uint8_t addr[20], size_t *len);
	/* Out: hash, zero for an account that is not alive (EXTCODEHASH). */
	void (*code_hash)(void *ctx, const uint8_t addr[20], uint8_t hash[32]);
	struct u256 (*sload)(void *ctx, const uint8_t addr[20], const struct u256 *key);
	struct u256 (*sload_original)(void *ctx, const uint8_t addr[20], const struct u256 *key);
	void (*sstore)(void *ctx, const uint8_t addr[20], const struct u256 *key,
		       const struct u256 *value);
	struct u256 (*tload)(void *ctx, const uint8_t addr[20], const struct u256 *key);
	void (*tstore)(void *ctx, const uint8_t addr[20], const struct u256 *key,
		       const struct u256 *value);
	/* EIP-2929: warm addr or the slot.  Returns: whether it was cold. */
	bool (*access_account)(void *ctx, const uint8_t addr[20]);
	bool (*access_storage)(void *ctx, const uint8_t addr[20], const struct u256 *key);
	void (*emit_log)(void *ctx, const uint8_t addr[20], const struct u256 *topics,
			 size_t ntopics, const uint8_t *data, size_t len);
	/* SELFDESTRUCT as EIP-6780 defines it, after gas is charged. */
	void (*selfdestruct)(void *ctx, const uint8_t addr[20], const uint8_t beneficiary[20]);
	/* Runs a message call or create; out->gas_left is what returns to the
	 * caller.  The caller releases *out. */
	void (*call)(void *ctx, const struct evm_message *msg, struct evm_result *out);
	/* Out: hash of block number (only asked for the 256 before). */
	void (*block_hash)(void *ctx, uint64_t number, uint8_t hash[32]);
	/* Optional: called before every instruction when set. */
	void (*trace)(void *ctx, const struct evm_trace_step *step);
	/* Optional: called when a frame halts exceptionally (a REVERT is not
	 * a fault), with the instruction that halted it.  For one that did
	 * not run, everything is as it was before it.  For one that did, op,
	 * gas_cost and depth are its own, gas what was left when it halted
	 * (before the halt took it all), pc its own but after a jump to a bad
	 * destination the destination, and stack and memory not to be
	 * read. */
	void (*fault)(void *ctx, const struct evm_trace_step *step);
};

/* Runs code for msg.  In: jumpdests, the code's JUMPDEST bitmap from
 * evm_analyze() when the host caches one per code hash, or NULL to have it
 * made when the code first jumps.  Out: *res (release with
 * evm_result_release()). */
void evm_execute(const struct evm_host *host, const struct evm_env *env,
		 const struct evm_message *msg, const uint8_t *code, size_t code_len,
		 const uint8_t *jumpdests, struct evm_result *res);
void evm_result_release(struct evm_result *res);

/* Returns: the size in bytes of a JUMPDEST bitmap for code_len bytes. */
static inline size_t
evm_jumpdests_size(size_t code_len)
{
	return (code_len + 7) / 8;
}
/* Marks every JUMPDEST that is an instruction (not PUSH data).
 * Out: bitmap, evm_jumpdests_size(len) bytes. */
void evm_analyze(uint8_t *bitmap, const uint8_t *code, size_t len);

/* Returns: the instruction's name ("PUSH1"), or NULL for an undefined one. */
const char *evm_opcode_name(uint8_t op);
/* Returns: a short name of a status, for messages and traces. */
const char *evm_status_name(enum evm_status status);

#endif
