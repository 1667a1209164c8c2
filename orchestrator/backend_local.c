/* The local backend: nodes as confined processes on this machine, through
 * the sandbox library (see backend.h and sandbox/sandbox.h). */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "backend.h"
#include "sandbox.h"
#include "xalloc.h"

struct local {
	enum sandbox_seccomp mode;
	struct sandbox_prog *prog;
};

struct backend_node {
	struct sandbox_child *child;
};

static enum sandbox_seccomp
sandbox_mode(enum spec_seccomp m)
{
	switch (m) {
	case SPEC_SECCOMP_STRICT: return SANDBOX_SECCOMP_STRICT;
	case SPEC_SECCOMP_LOG: return SANDBOX_SECCOMP_LOG;
	case SPEC_SECCOMP_OFF: return SANDBOX_SECCOMP_OFF;
	}
	return SANDBOX_SECCOMP_STRICT;
}

static int
local_launch(void *be, struct backend_node **np, char **cause, const struct backend_launch *l)
{
	struct local *lo = be;
	struct sandbox_policy pol;
	struct backend_node *n;
	char *bin = xstrdup(l->argv[0]);
	const char *ro[] = { dirname(bin), NULL };
	int rc;

	memset(&pol, 0, sizeof(pol));
	pol.seccomp = lo->mode;
	pol.netns = l->sandbox->network == SPEC_NET_NETNS;
	pol.data_dir = l->dir;
	pol.ro_paths = ro;
	pol.network = l->network;
	pol.node = l->node;
	pol.memory = l->resources->memory;
	pol.cpu_milli = l->resources->cpu_milli;
	pol.pids = l->resources->pids;
	pol.files = l->resources->files;
	n = xcalloc(1, sizeof(*n));
	rc = sandbox_spawn(&n->child, cause, lo->prog, &pol, l->argv, l->envp, l->out_fd,
			   l->out_fd);
	free(bin);
	if (rc != 0) {
		free(n);
		return -1;
	}
	*np = n;
	return 0;
}

static pid_t
local_pid(const struct backend_node *n)
{
	return sandbox_child_pid(n->child);
}

static int
local_exit_fd(const struct backend_node *n)
{
	return sandbox_child_pidfd(n->child);
}

static int
local_event_fd(const struct backend_node *n)
{
	return sandbox_child_notify_fd(n->child);
}

static int
local_event(struct backend_node *n, char **msg)
{
	struct sandbox_violation v;
	char *cause = NULL;
	int rc = sandbox_notify_read(n->child, &cause, &v);

	if (rc == -ENOENT)
		return -EAGAIN;
	if (rc == -EAGAIN || rc == -EPIPE)
		return rc;
	if (rc != 0) {
		xasprintf(msg, "cannot read a seccomp notification: %s", cause);
		free(cause);
		return 0;
	}
	switch (v.verdict) {
	case SANDBOX_KILLED:
		xasprintf(msg, "stopped by its seccomp policy: syscall %s (%d)", v.name, v.nr);
		break;
	case SANDBOX_DENIED:
		xasprintf(msg, "seccomp policy (log mode): syscall %s (%d) refused with %s",
			  v.name, v.nr, strerror(v.err));
		break;
	case SANDBOX_ALLOWED:
		xasprintf(msg, "seccomp policy (log mode): syscall %s (%d) is outside the "
			  "policy; allowed", v.name, v.nr);
		break;
	}
	return 0;
}

static int
local_signal(struct backend_node *n, int sig)
{
	return sandbox_kill(n->child, sig);
}

static int
local_pause(struct backend_node *n, char **cause)
{
	return sandbox_pause(n->child, cause);
}

static int
local_resume(struct backend_node *n, char **cause)
{
	return sandbox_resume(n->child, cause);
}

static int
local_reap(struct backend_node *n, char **why, bool *failed)
{
	char *cause = NULL;
	int wstatus, rc = sandbox_reap(n->child, &wstatus);

	if (rc != 0)
		return rc;
	*why = sandbox_exit_desc(n->child, wstatus);
	*failed = !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
	if (sandbox_cleanup(n->child, &cause) != 0) {
		char *more;

		xasprintf(&more, "%s (and its cgroups stay: %s)", *why, cause);
		free(*why);
		free(cause);
		*why = more;
	}
	return 0;
}

static const char *
local_limits(const struct backend_node *n)
{
	return sandbox_limits_desc(n->child);
}

static void
local_release(struct backend_node *n)
{
	if (n == NULL)
		return;
	sandbox_child_free(n->child);
	free(n);
}

static void
local_free(void *be)
{
	struct local *lo = be;

	if (lo == NULL)
		return;
	sandbox_prog_free(lo->prog);
	free(lo);
}

static const struct backend_ops local_ops = {
	.name = "local",
	.launch = local_launch,
	.pid = local_pid,
	.exit_fd = local_exit_fd,
	.event_fd = local_event_fd,
	.event = local_event,
	.signal = local_signal,
	.pause = local_pause,
	.resume = local_resume,
	.reap = local_reap,
	.limits = local_limits,
	.release = local_release,
	.free = local_free,
};

int
backend_local_new(struct backend *b, char **cause, enum spec_seccomp mode)
{
	struct local *lo = xcalloc(1, sizeof(*lo));
	struct sandbox_policy pol;

	memset(&pol, 0, sizeof(pol));
	lo->mode = sandbox_mode(mode);
	pol.seccomp = lo->mode;
	if (sandbox_prepare(&lo->prog, cause, &pol) != 0) {
		free(lo);
		return -1;
	}
	b->ops = &local_ops;
	b->be = lo;
	return 0;
}
