/* The node's control channel, for its supervisor only: a UNIX stream
 * socket (mode 0600) at a path from the node's config, never the public
 * RPC port.  Each request is one line of JSON, and gets one line back:
 *
 *   {"cmd":"partition","allow":["validator-1","validator-2"]}
 *       talk only to these nodes (this node's own name may be among them)
 *   {"cmd":"heal"}                 end a partition; "all": true also ends
 *                                  delay and loss
 *   {"cmd":"delay","ms":200,"jitter_ms":50}   jitter_ms is optional
 *   {"cmd":"loss","percent":20}    0 to 100, fractions allowed
 *   {"cmd":"status"}
 *       {"ok":true,"peers":[{"name":"validator-2","connected":true,
 *        "allowed":true,"error":"why the last handshake was refused",
 *        "frames_out":N,...}],"faults":{"partitioned":false,"delay_ms":0,
 *        "jitter_ms":0,"loss_percent":0.0}} and the fields the status
 *       callback adds
 *
 * and the caller's own commands.  Success is {"ok":true,...}, failure
 * {"ok":false,"error":"..."}; a line that is not a JSON object, or longer
 * than NODECTL_LINE_MAX, gets an error and closes the connection.
 *
 * Socket paths are limited to 108 bytes and node directories can be
 * longer: then the socket is bound through /proc/self/fd/N/ with N an open
 * descriptor of its directory, as the supervisor's own control socket is
 * (orchestrator/control.c), so a client must reach it the same way. */
#ifndef CHAINBOX_NODECTL_H
#define CHAINBOX_NODECTL_H

#include <jansson.h>

#include "compat.h"

struct event_base;
struct p2p;
struct nodectl;

#define NODECTL_LINE_MAX (64 * 1024)
/* Clients connected at once, at most; more are closed at once. */
#define NODECTL_MAX_CLIENTS 16

/* A command of the caller's, next to the built-in ones. */
struct nodectl_command {
	const char *name;
	/* Returns: 0 with any fields of the answer added to reply, or -1
	 * with *cause set (caller frees; it becomes the "error"). */
	int (*fn)(void *arg, json_t *reply, char **cause, const json_t *req);
};

struct nodectl_config {
	const char *path; /* the socket's path; a stale socket there is replaced */
	struct p2p *p2p; /* the mesh the fault commands act on; NULL: none */
	/* Adds fields (height, round...) to a status reply; may be NULL. */
	void (*status)(void *arg, json_t *reply);
	const struct nodectl_command *commands; /* the caller's; may be NULL */
	size_t ncommands;
	void *arg; /* for status and the commands */
};

/* Binds and listens on cfg->path, serving requests in base's loop.
 * Returns: the channel (caller frees with nodectl_free()), or NULL with
 * *cause set (caller frees).
 * In: cfg, copied; cfg->p2p and cfg->commands must outlive the channel. */
struct nodectl *nodectl_new(struct event_base *base, const struct nodectl_config *cfg,
			    char **cause) WARN_UNUSED;
/* Closes the socket and its clients, removes the socket file and frees c;
 * nodectl_free(NULL) does nothing. */
void nodectl_free(struct nodectl *c);

/* Answers one request line, as a client of the socket would get it.
 * Returns: the reply (caller frees with json_decref()).
 * In: line, len bytes, need not end in a newline. */
json_t *nodectl_handle(struct nodectl *c, const char *line, size_t len) WARN_UNUSED;

#endif
