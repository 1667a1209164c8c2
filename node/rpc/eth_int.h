/* What the files of eth_ methods share (eth.c, and its siblings that add
 * methods to its table): the context every method gets, and the node-side
 * signing and submitting.  Private to node/rpc/. */
#ifndef CHAINBOX_RPC_ETH_INT_H
#define CHAINBOX_RPC_ETH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hdwallet.h"
#include "rpc/dispatch.h"
#include "secp.h"

struct filter;

struct eth {
	struct chain *chain;
	struct secp *secp;
	struct hdwallet_account *accts; /* keys wiped in eth_free() */
	size_t naccts;
	uint8_t instance_id[32]; /* anvil_metadata's: tells a restart apart */
	struct filter *filters; /* eth_newFilter and kin */
	size_t nfilters;
	uint64_t filter_ids; /* the last id given */
};

/* Returns: the dev account with address addr, or NULL. */
const struct hdwallet_account *find_account(const struct eth *e, const uint8_t addr[20]);
/* Returns: addr's next nonce counting its transactions in the pool. */
uint64_t pending_nonce(struct eth *e, const uint8_t addr[20]);
/* Hands a signed transaction to the chain.  Returns: 0 or -1.
 * Out: hash. */
int submit(struct eth *e, struct rpc_error *err, uint8_t hash[32], const uint8_t *raw,
	   size_t len);

/* sign.c */
/* eth_signTypedData_v4: [address, typedData]; an rpc_fn for eth.c's table. */
int rpc_eth_sign_typed_data_v4(void *ctx, const json_t *params, json_t **result,
			       struct rpc_error *err);

/* anvil.c: impersonation, the pool (txpool_*, anvil_drop*) and state
 * dumps (anvil_dumpState, anvil_loadState), as rpc_fn methods. */
int rpc_anvil_impersonate_account(void *ctx, const json_t *params, json_t **result,
				  struct rpc_error *err);
int rpc_anvil_stop_impersonating_account(void *ctx, const json_t *params, json_t **result,
					 struct rpc_error *err);
int rpc_anvil_auto_impersonate_account(void *ctx, const json_t *params, json_t **result,
				       struct rpc_error *err);
int rpc_txpool_status(void *ctx, const json_t *params, json_t **result, struct rpc_error *err);
int rpc_txpool_content(void *ctx, const json_t *params, json_t **result, struct rpc_error *err);
int rpc_txpool_inspect(void *ctx, const json_t *params, json_t **result, struct rpc_error *err);
int rpc_anvil_drop_transaction(void *ctx, const json_t *params, json_t **result,
			       struct rpc_error *err);
int rpc_anvil_drop_all_transactions(void *ctx, const json_t *params, json_t **result,
				    struct rpc_error *err);
int rpc_anvil_remove_pool_transactions(void *ctx, const json_t *params, json_t **result,
				       struct rpc_error *err);
int rpc_anvil_dump_state(void *ctx, const json_t *params, json_t **result, struct rpc_error *err);
int rpc_anvil_load_state(void *ctx, const json_t *params, json_t **result, struct rpc_error *err);

/* debug.c: debug_traceTransaction and debug_traceCall, as rpc_fn methods. */
int rpc_debug_trace_transaction(void *ctx, const json_t *params, json_t **result,
				struct rpc_error *err);
int rpc_debug_trace_call(void *ctx, const json_t *params, json_t **result, struct rpc_error *err);

#endif
