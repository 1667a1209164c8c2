/* Tracing, as geth's debug_traceTransaction and debug_traceCall do it: a
 * mined transaction replayed over the state its block started from (the
 * transactions before it in the block run first, untraced), or a call run
 * over a kept state, with one of geth's two main tracers listening:
 *
 * - the struct logger: a step for every instruction with its pc, gas, cost,
 *   depth and refund counter, and as asked its stack, memory, return data
 *   and (at SLOAD and SSTORE) the slots of the running contract touched so
 *   far in the transaction;
 * - the call tracer: the tree of frames (calls, creates, selfdestructs)
 *   with their gas, input, output and error, and as asked their logs.
 *
 * What they record is plain data here; node/rpc/debug.c writes it as geth's
 * JSON.  A trace is capped (see struct trace_opts) so that one cannot take
 * the node's memory. */
#ifndef CHAINBOX_TRACE_H
#define CHAINBOX_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "compat.h"
#include "u256.h"

enum trace_kind {
	TRACE_STRUCT, /* geth's default, the struct (opcode) logger */
	TRACE_CALLS, /* geth's callTracer */
};

/* The default cap of a trace, on the memory it takes: what it holds here,
 * and the JSON tree and text made of it.  A struct log with a short stack
 * comes to about 1.2 KiB, so some 200,000 such steps fit. */
#define TRACE_MAX_BYTES ((size_t)256 << 20)

struct trace_opts {
	enum trace_kind kind;
	/* The struct logger's options, named as geth names them. */
	bool disable_stack, disable_storage, enable_memory, enable_return_data;
	uint64_t limit; /* the most steps to keep (geth's "limit"); 0: all */
	/* The call tracer's (its tracerConfig). */
	bool only_top_call, with_log;
	/* The cap, 0 for TRACE_MAX_BYTES: a trace that grows past it is
	 * refused, with -E2BIG. */
	size_t max_bytes;
};

struct trace_slot {
	uint8_t key[32], value[32];
};

/* One instruction, as geth's struct logger shows it. */
struct trace_step {
	uint32_t pc;
	uint8_t op;
	int depth; /* 1 for the transaction's frame */
	uint64_t gas; /* before the instruction */
	/* What it cost: the gas before it less the gas before the next
	 * instruction of its frame; for a call or create, less the gas the
	 * callee gave back and (a create) plus what it was given, since geth
	 * counts a call's gas in its cost and a create's not.  The last
	 * instruction of a frame costs its memory expansion (RETURN, REVERT)
	 * or what the frame's gas fell by (SELFDESTRUCT); one that halts the
	 * frame exceptionally costs its constant part, as geth reports it. */
	uint64_t gas_cost;
	uint64_t refund; /* the transaction's refund counter before it */
	char *error; /* geth's words, for a halt on gas or stack; else NULL */
	struct u256 *stack; /* bottom first; NULL with disable_stack */
	size_t stack_len;
	uint8_t *memory; /* with enable_memory */
	size_t mem_len;
	uint8_t *return_data; /* with enable_return_data: the last call's */
	size_t return_len;
	/* At SLOAD and SSTORE (unless disable_storage): every slot of the
	 * running contract read or written so far in the transaction, with
	 * the value read, or written. */
	struct trace_slot *storage;
	size_t nstorage;
};

struct trace_log {
	uint8_t address[20];
	uint8_t topics[4][32];
	size_t ntopics;
	uint8_t *data;
	size_t len;
	size_t position; /* how many calls of its frame came before it */
};

/* One frame, as geth's callTracer shows it. */
struct trace_frame {
	uint8_t type; /* the opcode: CALL, CALLCODE, DELEGATECALL, STATICCALL,
		       * CREATE, CREATE2 or SELFDESTRUCT */
	uint8_t from[20], to[20];
	bool has_to; /* a create that failed has none */
	bool has_value; /* a STATICCALL has none */
	struct u256 value;
	uint64_t gas, gas_used; /* the top frame's: the transaction's */
	uint8_t *input;
	size_t input_len;
	uint8_t *output; /* returned or revert data; a create's: its code */
	size_t output_len;
	enum evm_status status;
	char *error; /* geth's words, NULL for a success */
	struct trace_frame *calls;
	size_t ncalls;
	struct trace_log *logs; /* with with_log; none for a failed frame */
	size_t nlogs;
};

struct trace {
	enum trace_kind kind;
	/* TRACE_STRUCT: the gas the transaction used (after refunds),
	 * whether it failed, what it returned (or the revert data), and
	 * its steps. */
	uint64_t gas_used;
	bool failed;
	uint8_t *output;
	size_t output_len;
	struct trace_step *steps;
	size_t nsteps;
	/* TRACE_CALLS: the transaction's own frame. */
	struct trace_frame root;
};

/* Replays the mined transaction with hash under the tracer opts asks for.
 * Returns: 0; -ENOENT with *why set for a hash not mined ("transaction not
 * found", geth's words) or a block whose parent's state is no longer
 * kept; -ESTALE with *why when the replay does not give what mining the
 * transaction gave (status, gas, logs, output), which happens when the
 * state was changed between blocks (chain_set_balance() and kin) before
 * its block was mined, since only the state after each block is kept;
 * -E2BIG when the trace passes its cap; another -errno with *why when the
 * replay fails (see exec_tx()).  Out: *t, released with trace_release()
 * whatever the result. */
int trace_tx(struct chain *c, struct trace *t, const char **why, const uint8_t hash[32],
	     const struct trace_opts *opts) WARN_UNUSED;
/* Runs call over the state after block n, in the block chain_call_at()
 * would use, under the tracer opts asks for; nothing it does stays.
 * Returns: 0 (the trace says whether it failed); -ENOENT with *why set
 * when that state is no longer kept; -EINVAL with *why when the call
 * cannot start (as exec_call()); -E2BIG past the cap.
 * Out: *t, released with trace_release() whatever the result. */
int trace_call(struct chain *c, struct trace *t, const char **why, uint64_t n,
	       const struct chain_call *call, const struct trace_opts *opts) WARN_UNUSED;
void trace_release(struct trace *t);

#endif
