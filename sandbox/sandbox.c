/* The sandbox's public API (sandbox.h): policy checks, the child's
 * lifecycle, seccomp notifications, pause and resume, and the words for how
 * a node ended.  spawn.c, policy.c and cgroup.c do the work. */
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "policy.h"
#include "sandbox.h"
#include "spawn.h"
#include "xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct sandbox_prog {
	struct sock_filter *filter; /* NULL when seccomp is off */
	size_t len;
};

struct sandbox_child {
	pid_t pid;
	int pidfd;
	int notify_fd;
	int status_fd;
	enum sandbox_seccomp mode;
	struct cgroup_set *cgroups;
	/* Sized by the kernel (SECCOMP_GET_NOTIF_SIZES), which may know a
	 * larger struct than our headers. */
	struct seccomp_notif *req;
	size_t req_size;
	struct seccomp_notif_resp *resp;
	size_t resp_size;
	bool killed; /* by the policy; violation says why */
	struct sandbox_violation violation;
	bool reaped;
	char *limits; /* sandbox_limits_desc() */
};

int
sandbox_prepare(struct sandbox_prog **progp, char **cause,
		const struct sandbox_policy *policy)
{
	struct sandbox_prog *prog;
	int rc;

	prog = xcalloc(1, sizeof(*prog));
	if (policy->seccomp != SANDBOX_SECCOMP_OFF) {
		rc = policy_compile(&prog->filter, &prog->len, cause);
		if (rc < 0) {
			free(prog);
			return rc;
		}
	}
	*progp = prog;
	return 0;
}

void
sandbox_prog_free(struct sandbox_prog *prog)
{
	if (prog == NULL)
		return;
	free(prog->filter);
	free(prog);
}

/* Returns: whether s can name a cgroup: [A-Za-z0-9._-]+, not . or .. */
static bool
sandbox_is_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			     "0123456789._-");

	return n > 0 && s[n] == '\0' && n < 64 && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

/* Checks what spawn.c does not: argv, names, the filter's presence.
 * Returns: 0, or -EINVAL with *cause set (caller frees). */
static int
sandbox_check(char **cause, const struct sandbox_prog *prog,
	      const struct sandbox_policy *pol, char *const argv[], int out_fd,
	      int err_fd)
{
	if (argv == NULL || argv[0] == NULL) {
		xasprintf(cause, "no program to run");
		return -EINVAL;
	}
	if (argv[0][0] != '/') {
		xasprintf(cause, "the program '%s' is not an absolute path", argv[0]);
		return -EINVAL;
	}
	if (pol->seccomp != SANDBOX_SECCOMP_OFF &&
	    (prog == NULL || prog->filter == NULL)) {
		xasprintf(cause, "seccomp is on but no filter was prepared");
		return -EINVAL;
	}
	if ((pol->network == NULL) != (pol->node == NULL)) {
		xasprintf(cause, "a cgroup needs both a network and a node name");
		return -EINVAL;
	}
	if (pol->network != NULL && !sandbox_is_name(pol->network)) {
		xasprintf(cause, "invalid network name '%s' (use letters, digits, "
				 "'.', '_' and '-')", pol->network);
		return -EINVAL;
	}
	if (pol->node != NULL && !sandbox_is_name(pol->node)) {
		xasprintf(cause, "invalid node name '%s' (use letters, digits, "
				 "'.', '_' and '-')", pol->node);
		return -EINVAL;
	}
	if (out_fd < -1 || err_fd < -1) {
		xasprintf(cause, "invalid output fd %d", out_fd < -1 ? out_fd : err_fd);
		return -EINVAL;
	}
	return 0;
}

/* Returns: whether we hold CAP_SYS_RESOURCE, needed to raise a hard
 * rlimit. */
static bool
sandbox_has_sys_resource(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data) == -1)
		return false;
	return data[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32));
}

/* Picks RLIMIT_NOFILE.  An explicit policy->files is used as it is (the
 * child fails clearly when it cannot be set).  The default, 65536, is
 * lowered to our own hard limit when we cannot raise it: containers often
 * run without CAP_SYS_RESOURCE, and failing every node there helps nobody.
 * Out: *note, what was lowered, or NULL (caller frees). */
static uint64_t
sandbox_files(const struct sandbox_policy *pol, char **note)
{
	struct rlimit rl;

	*note = NULL;
	if (pol->files != 0)
		return pol->files;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < SANDBOX_DEFAULT_FILES && !sandbox_has_sys_resource()) {
		xasprintf(note, "RLIMIT_NOFILE %llu, not %d: raising the hard limit "
				"needs CAP_SYS_RESOURCE",
			  (unsigned long long)rl.rlim_max, SANDBOX_DEFAULT_FILES);
		return rl.rlim_max;
	}
	return SANDBOX_DEFAULT_FILES;
}

/* Allocates the buffers for notifications, sized by the kernel.
 * Returns: 0, or -errno with *cause set (caller frees). */
static int
sandbox_notify_init(struct sandbox_child *c, char **cause)
{
	struct seccomp_notif_sizes sizes;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == -1) {
		xasprintf(cause, "cannot get the seccomp notification sizes: %s",
			  strerror(errno));
		return -errno;
	}
	c->req_size = sizes.seccomp_notif > sizeof(*c->req) ? sizes.seccomp_notif
							    : sizeof(*c->req);
	c->resp_size = sizes.seccomp_notif_resp > sizeof(*c->resp)
			       ? sizes.seccomp_notif_resp
			       : sizeof(*c->resp);
	c->req = xcalloc(1, c->req_size);
	c->resp = xcalloc(1, c->resp_size);
	return 0;
}

int
sandbox_spawn(struct sandbox_child **childp, char **cause,
	      const struct sandbox_prog *prog, const struct sandbox_policy *policy,
	      char *const argv[], char *const envp[], int out_fd, int err_fd)
{
	struct cgroup_limits lim = { policy->memory, policy->cpu_milli, policy->pids };
	struct spawn_req req = { 0 };
	struct spawn_out out;
	struct sandbox_child *c;
	char *note = NULL;
	int rc;

	rc = sandbox_check(cause, prog, policy, argv, out_fd, err_fd);
	if (rc < 0)
		return rc;
	c = xcalloc(1, sizeof(*c));
	c->pidfd = c->notify_fd = c->status_fd = -1;
	c->mode = policy->seccomp;
	if (c->mode != SANDBOX_SECCOMP_OFF) {
		rc = sandbox_notify_init(c, cause);
		if (rc < 0)
			goto out;
	}
	if (policy->network != NULL) {
		rc = cgroup_create(&c->cgroups, cause, policy->network, policy->node,
				   &lim);
		if (rc < 0)
			goto out;
	} else {
		c->cgroups = cgroup_none("rlimits only: no cgroup was asked for");
	}

	req.policy = policy;
	if (c->mode != SANDBOX_SECCOMP_OFF) {
		req.filter = prog->filter;
		req.filter_len = prog->len;
	}
	req.files = sandbox_files(policy, &note);
	req.argv = argv;
	req.envp = envp;
	req.out_fd = out_fd;
	req.err_fd = err_fd;
	req.cgroups = c->cgroups;
	rc = spawn_start(&out, cause, &req);
	if (rc < 0) {
		char *ignored = NULL;

		(void)cgroup_remove(c->cgroups, &ignored);
		free(ignored);
		goto out;
	}
	c->pid = out.pid;
	c->pidfd = out.pidfd;
	c->notify_fd = out.notify_fd;
	c->status_fd = out.status_fd;
	if (note != NULL)
		xasprintf(&c->limits, "%s; %s", cgroup_desc(c->cgroups), note);
	else
		c->limits = xstrdup(cgroup_desc(c->cgroups));
	*childp = c;
	c = NULL;
out:
	free(note);
	if (c != NULL) {
		cgroup_free(c->cgroups);
		free(c->req);
		free(c->resp);
		free(c);
	}
	return rc;
}

pid_t
sandbox_child_pid(const struct sandbox_child *child)
{
	return child->pid;
}

int
sandbox_child_pidfd(const struct sandbox_child *child)
{
	return child->pidfd;
}

int
sandbox_child_notify_fd(const struct sandbox_child *child)
{
	return child->notify_fd;
}

const char *
sandbox_limits_desc(const struct sandbox_child *child)
{
	return child->limits;
}

int
sandbox_notify_read(struct sandbox_child *c, char **cause,
		    struct sandbox_violation *v)
{
	struct pollfd pfd = { c->notify_fd, POLLIN, 0 };
	struct seccomp_notif *req = c->req;
	struct seccomp_notif_resp *resp = c->resp;
	int rc, e;

	if (c->notify_fd == -1) {
		xasprintf(cause, "the sandbox has no seccomp filter");
		return -EBADF;
	}
	rc = TEMP_FAILURE_RETRY_INT(poll(&pfd, 1, 0));
	if (rc == -1) {
		rc = -errno;
		xasprintf(cause, "cannot poll the seccomp listener: %s",
			  strerror(-rc));
		return rc;
	}
	if (!(pfd.revents & POLLIN))
		return (pfd.revents & (POLLHUP | POLLERR)) ? -EPIPE : -EAGAIN;
	memset(req, 0, c->req_size);
	if (ioctl(c->notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req) == -1) {
		rc = -errno;
		if (rc == -ENOENT || rc == -EINTR)
			return rc == -EINTR ? -EAGAIN : rc;
		xasprintf(cause, "cannot read a seccomp notification: %s",
			  strerror(-rc));
		return rc;
	}
	memset(v, 0, sizeof(*v));
	v->pid = (pid_t)req->pid;
	v->nr = req->data.nr;
	v->arch = req->data.arch;
	memcpy(v->args, req->data.args, sizeof(v->args));
	policy_syscall_name(v->name, sizeof(v->name), v->arch, v->nr);

	if (c->mode == SANDBOX_SECCOMP_STRICT) {
		/* Kill, and do not answer: an answer could reach the program
		 * before the init's death ends the namespace, and it would
		 * run on.  Unanswered, the call stays blocked until SIGKILL
		 * reaches it. */
		(void)pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
		v->verdict = SANDBOX_KILLED;
		if (!c->killed) {
			c->killed = true;
			c->violation = *v;
		}
		return 0;
	}
	memset(resp, 0, c->resp_size);
	resp->id = req->id;
	e = policy_never_errno(v->name, v->args);
	if (e != 0) {
		v->verdict = SANDBOX_DENIED;
		v->err = e;
		resp->error = -e;
	} else {
		v->verdict = SANDBOX_ALLOWED;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	}
	if (ioctl(c->notify_fd, SECCOMP_IOCTL_NOTIF_SEND, resp) == -1 &&
	    errno != ENOENT) {
		rc = -errno;
		xasprintf(cause, "cannot answer the seccomp notification for "
				 "syscall %s (%d): %s", v->name, v->nr, strerror(-rc));
		return rc;
	}
	return 0;
}

int
sandbox_kill(struct sandbox_child *child, int sig)
{
	if (child->reaped)
		return -ESRCH;
	if (pidfd_send_signal(child->pidfd, sig, NULL, 0) == -1)
		return -errno;
	return 0;
}

/* Pauses (stop true) or resumes the sandbox.
 * Returns: 0, or -errno with *cause set (caller frees). */
static int
sandbox_stop(struct sandbox_child *c, char **cause, bool stop)
{
	int rc;

	if (c->reaped) {
		xasprintf(cause, "the sandbox has ended");
		return -ESRCH;
	}
	if (cgroup_can_freeze(c->cgroups))
		return cgroup_freeze(c->cgroups, cause, stop, 1000);
	/* The init is the leader of the sandbox's process group. */
	if (kill(-c->pid, stop ? SIGSTOP : SIGCONT) == -1) {
		rc = -errno;
		xasprintf(cause, "cannot send SIG%s to process group %d: %s",
			  stop ? "STOP" : "CONT", (int)c->pid, strerror(-rc));
		return rc;
	}
	return 0;
}

int
sandbox_pause(struct sandbox_child *child, char **cause)
{
	return sandbox_stop(child, cause, true);
}

int
sandbox_resume(struct sandbox_child *child, char **cause)
{
	return sandbox_stop(child, cause, false);
}

int
sandbox_reap(struct sandbox_child *c, int *wstatus)
{
	siginfo_t si;
	ssize_t n;
	int st;

	if (c->reaped)
		return -ECHILD;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, c->pidfd, &si, WEXITED | WNOHANG) == -1)
		return -errno;
	if (si.si_pid == 0)
		return -EAGAIN;
	c->reaped = true;
	/* The init's own status, unless it wrote the program's. */
	if (si.si_code == CLD_EXITED)
		st = W_EXITCODE(si.si_status, 0);
	else
		st = si.si_status | (si.si_code == CLD_DUMPED ? WCOREFLAG : 0);
	n = TEMP_FAILURE_RETRY_INT(read(c->status_fd, wstatus, sizeof(*wstatus)));
	if (n != sizeof(*wstatus))
		*wstatus = st;
	return 0;
}

char *
sandbox_exit_desc(const struct sandbox_child *c, int wstatus)
{
	const char *abbrev;
	char *s;
	int sig;

	if (c->killed) {
		xasprintf(&s, "stopped by its seccomp policy: syscall %s (%d)",
			  c->violation.name, c->violation.nr);
		return s;
	}
	if (WIFEXITED(wstatus)) {
		xasprintf(&s, "exited with status %d", WEXITSTATUS(wstatus));
		return s;
	}
	if (!WIFSIGNALED(wstatus)) {
		xasprintf(&s, "ended with wait status 0x%x", (unsigned int)wstatus);
		return s;
	}
	sig = WTERMSIG(wstatus);
	if (sig == SIGKILL && cgroup_oom_kills(c->cgroups) > 0) {
		xasprintf(&s, "killed by the out-of-memory killer (memory limit "
			      "%" PRIu64 " bytes)", cgroup_memory_limit(c->cgroups));
		return s;
	}
	if (sig == SIGSYS && c->mode != SANDBOX_SECCOMP_OFF) {
		xasprintf(&s, "killed by SIGSYS: it made a system call of another "
			      "ABI (x32 or i386), which its seccomp policy rejects");
		return s;
	}
	abbrev = sigabbrev_np(sig);
	if (abbrev != NULL)
		xasprintf(&s, "killed by SIG%s%s", abbrev,
			  WCOREDUMP(wstatus) ? " (core dumped)" : "");
	else
		xasprintf(&s, "killed by signal %d", sig);
	return s;
}

int
sandbox_cleanup(struct sandbox_child *child, char **cause)
{
	return cgroup_remove(child->cgroups, cause);
}

void
sandbox_child_free(struct sandbox_child *c)
{
	char *ignored = NULL;
	siginfo_t si;

	if (c == NULL)
		return;
	if (!c->reaped) {
		(void)pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
		(void)TEMP_FAILURE_RETRY_INT(waitid(P_PIDFD, c->pidfd, &si, WEXITED));
	}
	(void)cgroup_remove(c->cgroups, &ignored);
	free(ignored);
	cgroup_free(c->cgroups);
	if (c->pidfd != -1)
		close(c->pidfd);
	if (c->notify_fd != -1)
		close(c->notify_fd);
	if (c->status_fd != -1)
		close(c->status_fd);
	free(c->req);
	free(c->resp);
	free(c->limits);
	free(c);
}
