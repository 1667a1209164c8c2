/* Test helpers for the node's code, in an object of their own so that only
 * the tests that call them link the node's libraries. */
#ifndef CHAINBOX_HARNESS_NODE_H
#define CHAINBOX_HARNESS_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "secp.h"

/* Signs an EIP-1559 transaction on chain 31337 (tip 1 gwei, fee cap 3 gwei)
 * with key; to NULL makes a creation.
 * Returns: 0 or -errno.  Out: *raw, its network encoding (caller frees). */
int harness_signed_tx(uint8_t **raw, size_t *len, const struct secp *secp, const uint8_t key[32],
		      uint64_t nonce, const uint8_t *to, uint64_t value, const uint8_t *data,
		      size_t data_len, uint64_t gas);

#endif
