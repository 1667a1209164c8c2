/* The supervisor of one network: `chainbox up`.
 *
 * It makes the network's plan (plan.h), launches every node through the
 * backend (backend.h), copies their output into logs/NODE.log (logcap.h),
 * waits until each RPC node answers JSON-RPC (and, where blocks come by
 * interval, has block 1), then serves the control socket (control.h) until
 * `chainbox down`, SIGINT or SIGTERM.  One event loop (loop.h: io_uring,
 * or poll) carries the log pipes, the nodes' exits (pidfds), their seccomp
 * reports, the control socket, signals and timers.
 *
 * STATE/network.json says who is running: the supervisor's pid, and each
 * node's pid, state, RPC URL and log; it is rewritten on every change.
 * STATE/supervisor.lock is held (flock) for the supervisor's life, so one
 * state directory has one supervisor; a dead one's leftovers are cleaned
 * up, and said so, by the next `up`. */
#ifndef CHAINBOX_SUPERVISOR_H
#define CHAINBOX_SUPERVISOR_H

#include <stdbool.h>

#define SUPERVISOR_READY_TIMEOUT_MS 30000
/* How long a stopped node has between SIGTERM and SIGKILL. */
#define SUPERVISOR_STOP_TIMEOUT_MS 5000

struct up_options {
	const char *ref; /* a spec file or a template name */
	const char *name; /* --name; NULL: the spec's */
	const char *state_dir; /* --state-dir; NULL: ./.chainbox/NAME */
	bool detach; /* -d: return once ready, supervising in the background */
	unsigned timeout_ms; /* for readiness */
	bool any_port; /* --any-port: no 8545 first (see plan.h) */
};

/* Runs `chainbox up`.  Returns: the exit status (0, or 1 after saying
 * why). */
int supervisor_up(const struct up_options *o);

#endif
