/* JSON-RPC 2.0 without the transport: a request body in, a response body
 * out, through a table of methods.  Single requests, batches and
 * notifications; errors with the standard codes (-32700 parse error,
 * -32600 invalid request, -32601 method not found, -32602 invalid params,
 * -32603 internal error) and any a method adds, such as 3 for reverts.
 *
 * The body is untrusted: nothing here trusts a size or nesting from it
 * beyond what jansson checks, and a batch is capped at RPC_MAX_BATCH. */
#ifndef CHAINBOX_RPC_DISPATCH_H
#define CHAINBOX_RPC_DISPATCH_H

#include <jansson.h>
#include <stddef.h>

#include "compat.h"

#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
#define RPC_MAX_BATCH 10000

struct rpc_error {
	int code;
	char *message; /* owned */
	json_t *data; /* owned; NULL for none */
};

/* A method: returns 0 with *result set (a new reference), or -1 after
 * filling err with rpc_error_set().  In: params, always an array or an
 * object (an absent "params" arrives as an empty array). */
typedef int rpc_fn(void *ctx, const json_t *params, json_t **result, struct rpc_error *err);

struct rpc_method {
	const char *name;
	rpc_fn *fn;
};

struct rpc_dispatch;

/* Returns: a dispatcher over methods (copied and sorted; names must be
 * unique), calling each with ctx.  Caller frees with rpc_dispatch_free(). */
struct rpc_dispatch *rpc_dispatch_new(const struct rpc_method *methods, size_t n, void *ctx);
void rpc_dispatch_free(struct rpc_dispatch *d);
/* Handles one request body.  Returns: the response body (caller frees), or
 * NULL when there is nothing to answer (only notifications). */
char *rpc_dispatch_body(const struct rpc_dispatch *d, const char *body, size_t len);
/* Fills err; the message is formatted.  Returns: -1, for "return
 * rpc_error_set(...)" in methods. */
int rpc_error_set(struct rpc_error *err, int code, const char *fmt, ...) PRINTFLIKE(3, 4);

#endif
