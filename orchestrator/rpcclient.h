/* A small JSON-RPC client over HTTP (libcurl), for the supervisor's own
 * questions to its nodes: is it up, how high is its chain.  One handle is
 * reused, so that asking many times keeps one connection alive. */
#ifndef CHAINBOX_RPCCLIENT_H
#define CHAINBOX_RPCCLIENT_H

#include <jansson.h>
#include <stdint.h>

#include "compat.h"

struct rpcclient;

/* Returns: a client (caller frees with rpcclient_free()), or NULL when
 * libcurl cannot make a handle. */
struct rpcclient *rpcclient_new(void);
void rpcclient_free(struct rpcclient *c);

/* Calls method with params (an array, which stays the caller's; NULL for
 * none) at url, waiting at most timeout_ms.
 * Returns: 0 with *result set (caller frees); -1 with *cause set (caller
 * frees): the connection failed, the answer was not JSON-RPC, or it was an
 * error (then *cause holds its message). */
int rpcclient_call(struct rpcclient *c, json_t **result, char **cause, const char *url,
		   const char *method, json_t *params, long timeout_ms) WARN_UNUSED;

/* As rpcclient_call(), and for a JSON-RPC error whose "data" is a string
 * (a revert's), that string in *data (caller frees; NULL otherwise). */
int rpcclient_request(struct rpcclient *c, json_t **result, char **cause, char **data,
		      const char *url, const char *method, json_t *params,
		      long timeout_ms) WARN_UNUSED;

/* Asks url for eth_blockNumber.  Returns: 0 or -1, as rpcclient_call().
 * Out: *height. */
int rpcclient_block_number(struct rpcclient *c, uint64_t *height, char **cause,
			   const char *url, long timeout_ms) WARN_UNUSED;

#endif
