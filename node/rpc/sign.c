/* Signing methods that go beyond eth.c's messages: EIP-712 typed data. */
#include <errno.h>
#include <stdlib.h>

#include "eip712.h"
#include "rpc/codec.h"
#include "rpc/eth_int.h"
#include "secp.h"

/* eth_signTypedData_v4: [address, typedData], the typed data as an object
 * or as a JSON string of one (ethers and viem send a string, hand-written
 * requests often an object).  Signs keccak256(0x19 0x01 || domainSeparator
 * || hashStruct(message)) with the dev account's key; v is 27 or 28, as
 * anvil answers. */
int
rpc_eth_sign_typed_data_v4(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct hdwallet_account *acct;
	struct eip712_digest d;
	uint8_t addr[20], sig[65];
	char *cause = NULL;
	int rc = -1;

	if (check_params(err, params, "eth_signTypedData_v4", 2, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0)
		goto out;
	if ((acct = find_account(e, addr)) == NULL) {
		rpc_error_set(err, RPC_INVALID_PARAMS, "No Signer available");
		goto out;
	}
	if (eip712_hash(&d, &cause, json_array_get(params, 1)) != 0) {
		rpc_error_set(err, RPC_INVALID_PARAMS, "invalid typed data: %s", cause);
		goto out;
	}
	if (secp_sign(e->secp, sig, d.digest, acct->key) != 0) {
		rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot sign the typed data");
		goto out;
	}
	sig[64] += 27;
	rc = rpc_ok(result, jsonhex_bytes(sig, sizeof(sig)));
out:
	free(cause);
	return rc;
}
