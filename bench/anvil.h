/* A running anvil (Foundry's local node, whose EVM is revm) for the EVM
 * benchmark to compare with: started on a free loopback port, spoken to
 * over JSON-RPC on one kept-alive HTTP connection, killed by its PID. */
#ifndef CHAINBOX_BENCH_ANVIL_H
#define CHAINBOX_BENCH_ANVIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat.h"

struct anvil;

/* Starts path with the given extra arguments (after the host and port
 * that this module picks), NULL-terminated, and waits up to 30 seconds for
 * it to answer web3_clientVersion.  Its output goes to a temporary file,
 * whose end a failure quotes.  curl_global_init() must have been called.
 * Returns: 0; -errno (or -EIO for a node that exits or never answers) with
 * *cause set (caller frees).
 * Out: *out, stopped and freed with anvil_free(). */
int anvil_new(struct anvil **out, char **cause, const char *path,
	      const char *const *args) WARN_UNUSED;
/* Kills the node (SIGTERM, then SIGKILL after 5 seconds), reaps it and
 * frees a.  a may be NULL. */
void anvil_free(struct anvil *a);
/* Returns: the node's PID, for a signal handler to kill. */
pid_t anvil_pid(const struct anvil *a);
/* Returns: what web3_clientVersion answered ("anvil/v1.7.1"), owned by a. */
const char *anvil_version(const struct anvil *a);

/* Calls method with params (a JSON array, stolen).
 * Returns: 0; -EIO with *cause set for a transport failure or an error
 * answer (caller frees).  Out: *result, the answer's result (caller
 * decrefs). */
int anvil_rpc(struct anvil *a, json_t **result, char **cause, const char *method,
	      json_t *params) WARN_UNUSED;
/* Sends a request made beforehand by anvil_request() and times the HTTP
 * exchange alone.  Returns: as anvil_rpc().  Out: *seconds; *result. */
int anvil_rpc_timed(struct anvil *a, double *seconds, json_t **result, char **cause,
		    const char *body) WARN_UNUSED;
/* Returns: the JSON-RPC request text for method and params (stolen),
 * caller frees. */
char *anvil_request(const char *method, json_t *params);

#endif
