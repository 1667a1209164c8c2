/* JSON-RPC over HTTP on libevent's evhttp: POST bodies go to a dispatcher,
 * browsers get CORS headers and preflight answers, connections are kept
 * alive, and a body over the limit is refused with 413 before it is read
 * in full. */
#ifndef CHAINBOX_RPC_SERVER_H
#define CHAINBOX_RPC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "rpc/dispatch.h"

struct event_base;
struct rpc_server;

#define RPC_DEFAULT_MAX_BODY (8u << 20)

/* Starts serving on host:port (port 0 picks a free one) in base's loop.
 * Returns: the server, or NULL with *cause set (caller frees) when the
 * address cannot be bound.  In: d, not owned; max_body, the largest request
 * body in bytes. */
struct rpc_server *rpc_server_new(struct event_base *base, const char *host, uint16_t port,
				  const struct rpc_dispatch *d, size_t max_body, char **cause);
/* Returns: the port the server listens on. */
uint16_t rpc_server_port(const struct rpc_server *s);
void rpc_server_free(struct rpc_server *s);

#endif
