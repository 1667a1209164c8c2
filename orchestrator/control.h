/* The control socket: STATE/control.sock, a UNIX stream socket on which the
 * supervisor of one network takes requests.  Each request is one line of
 * JSON, {"cmd": "status"} or {"cmd": "stop", "node": "validator-2"}, and
 * gets one line back: {"ok": true, ...} or {"ok": false, "error": "..."}.
 *
 * Socket paths are limited to 108 bytes, and state directories can be
 * longer, so both sides reach the socket through /proc/self/fd/N/ with N an
 * open descriptor of the state directory. */
#ifndef CHAINBOX_CONTROL_H
#define CHAINBOX_CONTROL_H

#include <jansson.h>

#include "compat.h"

#define CONTROL_SOCKET "control.sock"
/* A request or a reply longer than this is refused. */
#define CONTROL_LINE_MAX (1024 * 1024)

/* Binds and listens on state_dir's control socket, replacing a stale one.
 * Returns: the listening descriptor (non-blocking, close-on-exec), or -1
 * with *cause set (caller frees). */
int control_listen(char **cause, const char *state_dir) WARN_UNUSED;

/* Connects to the supervisor of state_dir, for control_call().
 * Returns: the socket (caller closes); -ENOENT when no supervisor answers
 * there; -1 with *cause set (caller frees). */
int control_connect(char **cause, const char *state_dir) WARN_UNUSED;
/* Sends req on fd and waits at most timeout_ms for the one-line reply.
 * A connection carries several requests only where a command says so
 * (snapshot_pin).  Returns: as control_request() but for -ENOENT. */
int control_call(int fd, json_t **reply, char **cause, const json_t *req,
		 int timeout_ms) WARN_UNUSED;

/* Sends req to the supervisor of state_dir and waits at most timeout_ms
 * for its reply.
 * Returns: 0 with *reply set (caller frees); -ENOENT when no supervisor
 * answers there (no socket, or nobody listening); -1 with *cause set
 * (caller frees) for any other failure, or a reply with "ok": false (then
 * *cause is its error). */
int control_request(json_t **reply, char **cause, const char *state_dir, const json_t *req,
		    int timeout_ms) WARN_UNUSED;

#endif
