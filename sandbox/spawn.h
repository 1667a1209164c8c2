/* Spawning a confined program: clone into new namespaces, build the file
 * system view, fork the program under a tiny init, drop privileges, load
 * the seccomp filter and exec.  The child reports the step that failed
 * over a close-on-exec socket; spawn_start() turns that into a message. */
#ifndef CHAINBOX_SANDBOX_SPAWN_H
#define CHAINBOX_SANDBOX_SPAWN_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat.h"
#include "sandbox.h"

struct cgroup_set;

struct spawn_req {
	const struct sandbox_policy *policy;
	const struct sock_filter *filter; /* NULL = no seccomp */
	size_t filter_len;
	char *const *argv;
	char *const *envp; /* NULL = empty */
	uint64_t files; /* RLIMIT_NOFILE */
	int out_fd; /* -1 = /dev/null */
	int err_fd;
	const struct cgroup_set *cgroups; /* the init joins them */
};

struct spawn_out {
	pid_t pid; /* the init's, in our pid namespace */
	int pidfd;
	int notify_fd; /* the seccomp listener, or -1 */
	int status_fd; /* non-blocking; the init writes the program's status */
};

/* Starts req->argv[0] and waits until it has been executed or has failed.
 * Returns: 0, or -errno with *cause set (caller frees); on failure the
 * child has been killed and reaped.
 * Out: *out, whose fds the caller owns. */
int spawn_start(struct spawn_out *out, char **cause,
		const struct spawn_req *req) WARN_UNUSED;

#endif
