/* The Ethereum JSON-RPC methods of a dev node, as anvil answers them: the
 * eth_, net_ and web3_ namespaces over a chain (logs and filters
 * included), node-side signing for the dev accounts (eth_sendTransaction,
 * eth_sign, personal_sign), and the test-control methods that mine
 * (evm_mine, anvil_mine, hardhat_mine, evm_setAutomine), save and restore
 * (evm_snapshot, evm_revert) or describe the node (anvil_nodeInfo,
 * anvil_metadata).  The table in eth.c lists them all.
 *
 * Results follow anvil's shapes: QUANTITY as 0x-hex without leading zeros,
 * DATA as 0x-hex, addresses in lowercase hex.  Errors follow its codes:
 * -32602 for bad params (the message names the param and what it should
 * be), 3 for reverts with the revert data, -32000 with geth's words for a
 * transaction the chain refuses.
 *
 * The chain keeps only its head's state, so a state query at an older
 * block is refused (-32000) rather than answered from the wrong state. */
#ifndef CHAINBOX_RPC_ETH_H
#define CHAINBOX_RPC_ETH_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "hdwallet.h"
#include "rpc/dispatch.h"

struct chain;
struct eth;

/* What web3_clientVersion answers.  Hardhat's network helpers refuse a node
 * whose version does not start with "anvil", "hardhat" or "zksync". */
#define ETH_CLIENT_VERSION "anvil/v1.7.1-compatible chainbox/" PACKAGE_VERSION

/* Returns: the methods' context (caller frees with eth_free()), or NULL
 * with *cause set (caller frees) when no signing context can be made.
 * In: c, not owned, outlives the context; accts, n dev accounts whose keys
 * are copied (the caller wipes its own copy) and whose transactions the
 * node signs; accts may be NULL when n is 0. */
struct eth *eth_new(struct chain *c, const struct hdwallet_account *accts, size_t n,
		    char **cause) WARN_UNUSED;
/* Wipes the keys and frees e; eth_free(NULL) does nothing. */
void eth_free(struct eth *e);

/* Returns: the method table (static storage), to give rpc_dispatch_new()
 * with an eth context.  Out: *n, its length. */
const struct rpc_method *eth_methods(size_t *n);
/* Returns: eth_methods() for a node of a consensus network, where the
 * methods that would change one node's chain alone (evm_mine, evm_revert,
 * the setters, time control, anvil_loadState) answer -32000 instead
 * (caller frees the table).  Out: *n. */
struct rpc_method *eth_methods_consensus(size_t *n);

#endif
