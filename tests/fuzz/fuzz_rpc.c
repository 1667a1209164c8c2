/* libFuzzer target for chainbox-node's JSON-RPC: the dispatcher's framing
 * (batches, ids, params, error paths) and every method of the node's own
 * table, over a real in-memory dev chain with anvil's first two accounts.
 * Each input runs from the same chain: a snapshot taken at start-up is
 * reverted to after it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "hdwallet.h"
#include "rpc/dispatch.h"
#include "rpc/eth.h"
#include "secp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MNEMONIC "test test test test test test test test test test test junk"

static struct chain *chain;
static struct eth *eth;
static struct rpc_dispatch *dispatch;
static uint64_t snap;

static void
setup(void)
{
	struct hdwallet_account accts[2];
	struct chain_alloc alloc[2];
	struct chain_config cfg = {
		.chain_id = 31337, .gas_limit = 30000000, .base_fee = u256_from_u64(1000000000),
		.timestamp = 1700000000, .alloc = alloc, .nalloc = 2, .automine = true,
	};
	struct secp *secp = secp_new();
	char *cause = NULL;
	const struct rpc_method *methods;
	size_t n;

	if (secp == NULL || hdwallet_accounts(secp, accts, 2, &cause, MNEMONIC, "",
					      HDWALLET_ETH_PATH, 0) != 0)
		abort();
	memset(alloc, 0, sizeof(alloc));
	for (int i = 0; i < 2; i++) {
		memcpy(alloc[i].address, accts[i].addr, 20);
		alloc[i].balance = u256_from_u64(UINT64_MAX);
	}
	chain = chain_new(&cfg, &cause);
	eth = chain != NULL ? eth_new(chain, accts, 2, &cause) : NULL;
	if (eth == NULL)
		abort();
	/* Arguments are evaluated in no set order: get n first. */
	methods = eth_methods(&n);
	dispatch = rpc_dispatch_new(methods, n, eth);
	for (int i = 0; i < 2; i++)
		hdwallet_account_release(&accts[i]);
	secp_free(secp);
	snap = chain_snapshot(chain);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out;

	if (dispatch == NULL)
		setup();
	out = rpc_dispatch_body(dispatch, (const char *)data, size);
	free(out);
	/* The input may have used the snapshot up itself (evm_revert): then
	 * the chain is already back, or further back. */
	(void)chain_revert(chain, snap);
	snap = chain_snapshot(chain);
	return 0;
}
