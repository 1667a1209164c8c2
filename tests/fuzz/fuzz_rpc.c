/* libFuzzer target for the JSON-RPC dispatcher: request framing, batches,
 * ids, params and error paths, behind a small table of methods.  The node's
 * own table joins when chainbox-node has one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rpc/dispatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
m_echo(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	*result = json_deep_copy(params);
	return 0;
}

static int
m_fail(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	return rpc_error_set(err, RPC_INVALID_PARAMS, "bad params: %zu", json_array_size(params));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rpc_method methods[] = {
		{ "eth_chainId", m_echo },
		{ "eth_call", m_fail },
	};
	static struct rpc_dispatch *d;
	char *out;

	if (d == NULL)
		d = rpc_dispatch_new(methods, 2, NULL);
	out = rpc_dispatch_body(d, (const char *)data, size);
	free(out);
	return 0;
}
