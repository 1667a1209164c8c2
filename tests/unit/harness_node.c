/* Test helpers for the node's code (see harness_node.h). */
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "harness_node.h"

int
harness_signed_tx(uint8_t **raw, size_t *len, const struct secp *secp, const uint8_t key[32],
		  uint64_t nonce, const uint8_t *to, uint64_t value, const uint8_t *data,
		  size_t data_len, uint64_t gas)
{
	struct tx tx = { 0 };
	int rc;

	tx.type = TX_DYNAMIC_FEE;
	tx.chain_id = u256_from_u64(31337);
	tx.nonce = nonce;
	tx.max_priority_fee = u256_from_u64(1000000000);
	tx.max_fee = u256_from_u64(3000000000);
	tx.gas_limit = gas;
	tx.is_create = to == NULL;
	if (to != NULL)
		memcpy(tx.to, to, 20);
	tx.value = u256_from_u64(value);
	if (data_len > 0) {
		tx.data = malloc(data_len);
		memcpy(tx.data, data, data_len);
		tx.data_len = data_len;
	}
	rc = tx_sign(secp, &tx, key);
	if (rc == 0)
		rc = tx_encode(raw, len, &tx);
	tx_release(&tx);
	return rc;
}
