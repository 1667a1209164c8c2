/* JSON-RPC values as the eth_ methods read and write them: params parsed
 * with errors that name the param and what it should be (-32602), and
 * results built in geth's and anvil's shapes: QUANTITY as 0x-hex without
 * leading zeros, DATA as 0x-hex, addresses in lowercase hex, and blocks,
 * transactions, receipts and logs as geth shows them.  Shared by every
 * file of methods (eth.c and its siblings). */
#ifndef CHAINBOX_RPC_CODEC_H
#define CHAINBOX_RPC_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "compat.h"
#include "jsonhex.h"
#include "rpc/dispatch.h"
#include "u256.h"

/* The code geth gives transactions the pool refuses, and anvil's -32602
 * for a block past the head. */
#define RPC_SERVER_ERROR -32000
/* The code geth and anvil give a revert, with the revert data. */
#define RPC_REVERTED 3

/* A transaction object as eth_call, eth_estimateGas and eth_sendTransaction
 * take it; what is absent stays unset. */
struct txreq {
	bool has_from, has_to, has_gas, has_gas_price, has_max_fee, has_prio, has_nonce;
	bool has_chain_id, has_type, has_access;
	uint8_t from[20], to[20];
	uint64_t gas, nonce, type;
	struct u256 gas_price, max_fee, prio, value, chain_id;
	uint8_t *data;
	size_t data_len;
	struct tx_access *access;
	size_t naccess;
};

json_t *jaddr(const uint8_t addr[20]);
json_t *jhash(const uint8_t hash[32]);
/* A JSON number where it fits one, as anvil writes its u64 and u128
 * fields; hex beyond that. */
json_t *jnum_u256(const struct u256 *v);
/* Hands v over as the result.  Returns: 0, or -1 when jansson ran out of
 * memory (the dispatcher then answers an internal error). */
int rpc_ok(json_t **result, json_t *v);
/* Reports a bad param, named by its position (from 0, as geth counts) and
 * its name.  Returns: -1. */
int bad_param(struct rpc_error *err, size_t idx, const char *name, const char *fmt,
	      ...) PRINTFLIKE(4, 5);
/* Returns: -1, after reporting that param idx is not what. */
int param_expected(struct rpc_error *err, size_t idx, const char *name, const char *what,
		   const json_t *got);
/* Checks that params is an array of min to max values.  Returns: 0 or -1. */
int check_params(struct rpc_error *err, const json_t *params, const char *method, size_t min,
		 size_t max);
/* Returns: param i, or NULL when it is absent or null (an optional param
 * left out). */
const json_t *opt_param(const json_t *params, size_t i);
/* Parses a QUANTITY: 0x-hex (leading zeros allowed, as anvil allows them),
 * decimal text, or a JSON integer.  Returns: 0 or -1. */
int parse_u256(struct rpc_error *err, struct u256 *out, const json_t *v, size_t idx,
	       const char *name);
int parse_u64(struct rpc_error *err, uint64_t *out, const json_t *v, size_t idx, const char *name);
int parse_address(struct rpc_error *err, uint8_t addr[20], const json_t *v, size_t idx,
		  const char *name);
int parse_hash(struct rpc_error *err, uint8_t hash[32], const json_t *v, size_t idx,
	       const char *name);
/* Parses DATA of any length.  The request body is capped, so its size is
 * too.  Returns: 0 or -1.  Out: *out (caller frees; never NULL), *len. */
int parse_bytes(struct rpc_error *err, uint8_t **out, size_t *len, const json_t *v, size_t idx,
		const char *name);
int parse_bool(struct rpc_error *err, bool *out, const json_t *v, size_t idx, const char *name);
bool is_tag(const json_t *v, const char *tag);
/* Resolves a block param: a tag, a number, or EIP-1898's {"blockNumber"}
 * or {"blockHash"}.  The chain is a single dev node, so safe, finalized
 * and pending all name the head.
 * Returns: 0 with *n set (it may lie past the head), or -1. */
int parse_block(const struct chain *c, struct rpc_error *err, uint64_t *n, const json_t *v,
		size_t idx);
/* Resolves the optional block param at idx (absent: the head) to its
 * number and the state after it.  The chain keeps the last 128 blocks'
 * states; an older one is an error, never the head's state in its place.
 * Returns: 0 or -1.  Out: *n, *st. */
int block_state(const struct chain *c, struct rpc_error *err, uint64_t *n, const struct state **st,
		const json_t *params, size_t idx);
/* Frees what q owns and clears it. */
void txreq_release(struct txreq *q);
/* Returns: field key of object v, or NULL when it is absent or null. */
const json_t *opt_field(const json_t *v, const char *key);
/* Parses the transaction object at param idx.  Both "data" and "input" are
 * read, since cast sends both; they must then agree.
 * Returns: 0 or -1.  Out: q, released with txreq_release() either way. */
int parse_txreq(struct rpc_error *err, struct txreq *q, const json_t *v, size_t idx);
/* Out: call, what q asks to run, reading q's data in place. */
void txreq_call(struct chain_call *call, const struct txreq *q);
/* Returns: why the revert data says the call reverted (caller frees), or
 * NULL when it says nothing readable.  Error(string) gives its text, as
 * geth does; Panic(uint256) and custom errors are named as anvil names
 * them. */
char *revert_reason(const uint8_t *out, size_t len);
/* Reports code that did not succeed: a revert with code 3, its reason and
 * its data; an exceptional halt with -32000 and the halt's name.
 * Returns: -1. */
int run_failure(struct rpc_error *err, const struct exec_receipt *r, uint64_t gas_cap);
void jset(json_t *o, const char *key, json_t *v);
/* Returns: a transaction as geth shows it.  In: b, its block, or NULL for a
 * transaction not mined yet. */
json_t *tx_json(const struct chain_tx *t, const struct chain_block *b);
/* Returns: log i of t, in block b, as geth shows it. */
json_t *log_json(const struct chain_tx *t, const struct chain_block *b, size_t i);
/* Returns: t's receipt as geth shows it.  In: b, t's block. */
json_t *receipt_json(const struct chain_tx *t, const struct chain_block *b);
/* Returns: a block as geth shows it, with its transactions as objects when
 * full, else as hashes; NULL when out of memory. */
json_t *block_json(const struct chain_block *b, bool full);
/* Returns: a transaction waiting in the pool as geth shows it, with null
 * block fields. */
json_t *pooled_json(const struct chain_pooled *p);

#endif
