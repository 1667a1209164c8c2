/* How the supervisor runs node processes: launch, signal, pause, reap,
 * report.  Everything that knows nodes are local, confined processes lives
 * behind this interface (backend_local.c, on the sandbox library), so that
 * another backend (Kubernetes, later) can take its place.
 *
 * A launched node gives the supervisor two descriptors to watch: one
 * readable when the node has ended (then call reap), and one readable when
 * the node has an event to report (a seccomp violation; then call event),
 * or -1. */
#ifndef CHAINBOX_BACKEND_H
#define CHAINBOX_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat.h"
#include "spec.h"

/* What to launch. */
struct backend_launch {
	const char *network;
	const char *node;
	char *const *argv; /* argv[0] absolute */
	char *const *envp;
	const char *dir; /* the node's own directory, the only one it writes */
	const struct spec_resources *resources;
	const struct spec_sandbox *sandbox;
	int out_fd; /* stdout and stderr */
};

struct backend_node; /* one launched node */

struct backend_ops {
	const char *name;
	/* Returns: 0 with *np set, or -1 with *cause set (caller frees). */
	int (*launch)(void *be, struct backend_node **np, char **cause,
		      const struct backend_launch *l);
	pid_t (*pid)(const struct backend_node *n);
	int (*exit_fd)(const struct backend_node *n);
	int (*event_fd)(const struct backend_node *n);
	/* Reads one event.  Returns: 0 with *msg set (caller frees);
	 * -EAGAIN for none; -EPIPE when the event fd is done (stop
	 * watching it). */
	int (*event)(struct backend_node *n, char **msg);
	int (*signal)(struct backend_node *n, int sig);
	int (*pause)(struct backend_node *n, char **cause);
	int (*resume)(struct backend_node *n, char **cause);
	/* Returns: 0 with *why set (caller frees: "exited with status 1",
	 * "stopped by its seccomp policy: syscall ptrace (101)") and *failed
	 * (anything but a clean exit 0 or an exit the supervisor asked for
	 * by signal); -EAGAIN while the node runs. */
	int (*reap)(struct backend_node *n, char **why, bool *failed);
	/* Returns: what limits the node, for `chainbox status`. */
	const char *(*limits)(const struct backend_node *n);
	/* Kills what is left, cleans up and frees n; NULL does nothing. */
	void (*release)(struct backend_node *n);
	void (*free)(void *be);
};

struct backend {
	const struct backend_ops *ops;
	void *be;
};

/* Makes the local backend: confined processes on this machine.
 * In: policy_mode, the seccomp mode every node of the network runs under
 * (the filter is compiled once, here).
 * Returns: 0, or -1 with *cause set. */
int backend_local_new(struct backend *b, char **cause, enum spec_seccomp mode) WARN_UNUSED;

#endif
