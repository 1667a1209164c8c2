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

/* A sender's next nonce past its transactions in the pool. */
struct pooled_nonce {
	uint8_t addr[20];
	uint64_t next;
};

struct filter;

struct eth {
	struct chain *chain;
	struct secp *secp;
	struct hdwallet_account *accts; /* keys wiped in eth_free() */
	size_t naccts;
	uint8_t instance_id[32]; /* anvil_metadata's: tells a restart apart */
	struct pooled_nonce *pooled;
	size_t npooled;
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
	   size_t len, const uint8_t sender[20], uint64_t nonce);

#endif
