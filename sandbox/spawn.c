/* Spawning a confined program.
 *
 * The parent does everything that allocates: it validates the paths,
 * turns the policy into a list of mount operations (the plan), compiles
 * nothing (the filter arrives compiled), and only then clones.  The child
 * runs in a copy of a possibly multi-threaded process, where another
 * thread may have held malloc's or stdio's lock at the time of the clone,
 * so from the clone to execve() it calls async-signal-safe functions only:
 * no malloc, no stdio, no snprintf.  Errors travel as a fixed-size record
 * (step, errno, path) and the parent writes the sentence.
 *
 *   parent                          init (pid 1)               program
 *   clone(NEWNS|NEWPID|NEWIPC|NEWUTS[|NEWNET]|CLONE_PIDFD)
 *     cgroup.procs <- pid           pdeathsig, wait for "go"
 *     send "go" -------------------> setsid, mounts, pivot_root,
 *                                    hostname, lo up, fork ------> pdeathsig, stdio,
 *                                    drop caps, close fds          rlimits, caps, NNP,
 *                                    wait, forward signals         seccomp -> listener
 *     recv listener <------------------------------------------- SCM_RIGHTS
 *     recv "exec" <--------------------------------------------- execve
 *     EOF (close-on-exec) = executed; an error record = failed
 *     status pipe <----------------- the program's wait status
 *
 * The clone is a raw syscall (as in bubblewrap): glibc's clone() wants a
 * separate stack, and fork() cannot create a pid namespace with us outside
 * it and the child as its pid 1.  pid namespaces also mean getppid() is 0
 * in the child, so the "parent died before PR_SET_PDEATHSIG" check is the
 * read of "go": it sees EOF when the parent is gone. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "spawn.h"
#include "xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Where the host's root is while the view is built, inside the new root. */
#define SPAWN_OLDROOT "/oldroot"
/* How long the child may take from clone to execve. */
#define SPAWN_TIMEOUT_MS 10000

enum spawn_op_kind {
	OP_MKDIR, /* dst, a directory; it may exist */
	OP_FILE, /* dst, an empty file to bind a file on; it may exist */
	OP_SYMLINK, /* dst -> src */
	OP_BIND, /* src onto dst, with flags (MS_REC) */
	OP_TMPFS, /* a tmpfs on dst with flags and options src */
	OP_PROC, /* a procfs of the new pid namespace on dst */
	OP_ATTR, /* mount_setattr(dst, attr, recursive when rec) */
	OP_DETACH, /* unmount and remove SPAWN_OLDROOT */
};

struct spawn_op {
	enum spawn_op_kind kind;
	char *dst;
	char *src;
	unsigned long flags;
	uint64_t attr;
	bool rec;
	bool optional; /* ENOENT skips it */
};

struct spawn_plan {
	struct spawn_op *ops;
	size_t n;
	size_t cap;
};

/* Each step the child can fail at.  The parent words the message. */
enum spawn_step {
	STEP_PDEATHSIG,
	STEP_SETSID,
	STEP_PRIVATE,
	STEP_ROOT,
	STEP_PIVOT,
	STEP_MKDIR,
	STEP_FILE,
	STEP_SYMLINK,
	STEP_BIND,
	STEP_TMPFS,
	STEP_PROC,
	STEP_ATTR,
	STEP_DETACH,
	STEP_HOSTNAME,
	STEP_LOOPBACK,
	STEP_SIGNALS,
	STEP_FORK,
	STEP_INIT,
	STEP_STDIO,
	STEP_CHDIR,
	STEP_RLIMIT,
	STEP_SECUREBITS,
	STEP_CAPS,
	STEP_NNP,
	STEP_SECCOMP,
	STEP_LISTENER,
	STEP_EXEC,
	STEP_COUNT,
};

/* What failed, in git's words; the detail, when there is one, follows in
 * quotes. */
static const char *const spawn_step_msgs[STEP_COUNT] = {
	[STEP_PDEATHSIG] = "cannot set the parent-death signal",
	[STEP_SETSID] = "cannot start a new session",
	[STEP_PRIVATE] = "cannot make the mounts private",
	[STEP_ROOT] = "cannot mount the private root",
	[STEP_PIVOT] = "cannot pivot_root into the private root",
	[STEP_MKDIR] = "cannot create the mount point",
	[STEP_FILE] = "cannot create the mount point",
	[STEP_SYMLINK] = "cannot create the symlink",
	[STEP_BIND] = "cannot bind",
	[STEP_TMPFS] = "cannot mount a tmpfs on",
	[STEP_PROC] = "cannot mount /proc",
	[STEP_ATTR] = "cannot set the mount flags of",
	[STEP_DETACH] = "cannot detach the host's root",
	[STEP_HOSTNAME] = "cannot set the host name",
	[STEP_LOOPBACK] = "cannot bring up the loopback interface",
	[STEP_SIGNALS] = "cannot set up the signals",
	[STEP_FORK] = "cannot fork the program inside the pid namespace",
	[STEP_INIT] = "cannot drop the init's privileges",
	[STEP_STDIO] = "cannot set up stdin, stdout and stderr",
	[STEP_CHDIR] = "cannot change directory to",
	[STEP_RLIMIT] = "cannot set the resource limit",
	[STEP_SECUREBITS] = "cannot lock the securebits",
	[STEP_CAPS] = "cannot drop capabilities",
	[STEP_NNP] = "cannot set no_new_privs",
	[STEP_SECCOMP] = "cannot install the seccomp filter",
	[STEP_LISTENER] = "cannot pass the seccomp listener to the supervisor",
	[STEP_EXEC] = "cannot execute",
};

enum spawn_report_kind {
	REPORT_ERROR,
	REPORT_LISTENER, /* the listener fd rides along (SCM_RIGHTS) */
	REPORT_EXEC, /* execve() comes next */
};

struct spawn_report {
	int kind;
	int step;
	int err;
	char detail[512];
};

/* What the child needs, all prepared by the parent. */
struct spawn_ctx {
	const struct spawn_req *req;
	struct spawn_plan plan;
	struct sock_fprog prog;
	char *const *envp;
	const char *hostname;
	const char *workdir;
	int cap_last;
	int report_fd; /* the child's end of the socketpair */
	int status_fd; /* the write end of the status pipe */
};

/* The signals the init hands on to the program. */
static const int spawn_forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGTSTP, SIGWINCH,
};

/* The program's pid, in the init's copy of this variable. */
static volatile pid_t spawn_program;

/* System directories bound read-only (or recreated as the symlinks they
 * are on merged-/usr hosts): what the dynamic loader and libc need. */
static const char *const spawn_system_dirs[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib64",
};

/* The part of /etc that programs read at start-up.  Not all of it: /etc
 * holds shadow passwords and host keys. */
static const char *const spawn_etc[] = {
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "hostname", "hosts",
	"resolv.conf", "nsswitch.conf", "host.conf", "gai.conf", "passwd",
	"group", "localtime", "ssl",
};

static const char *const spawn_devices[] = { "null", "zero", "random", "urandom" };

/* Parts of the new /proc that would let uid 0 without capabilities change
 * the host (sysctls, sysrq): read-only, as bubblewrap does. */
static const char *const spawn_proc_ro[] = {
	"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
};

/* ---- the plan, built in the parent -------------------------------- */

static void
plan_add(struct spawn_plan *p, enum spawn_op_kind kind, const char *dst,
	 const char *src, unsigned long flags, uint64_t attr, bool rec,
	 bool optional)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->ops = xreallocarray(p->ops, p->cap, sizeof(*p->ops));
	}
	p->ops[p->n++] = (struct spawn_op){
		.kind = kind,
		.dst = dst != NULL ? xstrdup(dst) : NULL,
		.src = src != NULL ? xstrdup(src) : NULL,
		.flags = flags,
		.attr = attr,
		.rec = rec,
		.optional = optional,
	};
}

static void
plan_release(struct spawn_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->ops[i].dst);
		free(p->ops[i].src);
	}
	free(p->ops);
	p->ops = NULL;
	p->n = p->cap = 0;
}

/* Adds a bind of the host's path at the same place: a directory or a
 * file (with attr), a symlink recreated as such, nothing when missing. */
static void
plan_host_path(struct spawn_plan *p, const char *path, uint64_t attr)
{
	char *src, target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			return;
		target[n] = '\0';
		plan_add(p, OP_SYMLINK, path, target, 0, 0, false, false);
		return;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return;
	xasprintf(&src, SPAWN_OLDROOT "%s", path);
	plan_add(p, S_ISDIR(st.st_mode) ? OP_MKDIR : OP_FILE, path, NULL, 0, 0,
		 false, false);
	plan_add(p, OP_BIND, path, src, MS_REC, 0, false, false);
	plan_add(p, OP_ATTR, path, NULL, 0, attr, true, false);
	free(src);
}

/* Adds the directories above path, which must be absolute. */
static void
plan_parents(struct spawn_plan *p, const char *path)
{
	char *dir = xstrdup(path), *s;

	for (s = strchr(dir + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		plan_add(p, OP_MKDIR, dir, NULL, 0, 0, false, false);
		*s = '/';
	}
	free(dir);
}

/* A path the caller wants in the view. */
struct plan_user {
	const char *path;
	int kind; /* 0: /tmp's tmpfs, 1: read-only, 2: the data directory */
};

static int
plan_user_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_user *)a)->path,
		      ((const struct plan_user *)b)->path);
}

/* Checks that a caller's path is absolute, canonical and allowed.
 * Returns: 0, or -errno with *cause set (caller frees). */
static int
plan_check_path(char **cause, const char *what, const char *path, bool dir)
{
	char *real;
	struct stat st;
	size_t top;
	int rc = 0;

	if (path[0] != '/') {
		xasprintf(cause, "%s '%s' is not an absolute path", what, path);
		return -EINVAL;
	}
	/* The first component must not be one the sandbox makes itself. */
	top = strcspn(path + 1, "/") + 1;
	if (top == 1 || (top == 5 && strncmp(path, "/proc", 5) == 0) ||
	    (top == 4 && strncmp(path, "/dev", 4) == 0) ||
	    (top == strlen(SPAWN_OLDROOT) && strncmp(path, SPAWN_OLDROOT, top) == 0)) {
		xasprintf(cause, "%s '%s' cannot be bound: the sandbox has its own "
				 "/, /proc and /dev", what, path);
		return -EINVAL;
	}
	real = realpath(path, NULL);
	if (real == NULL) {
		rc = -errno;
		xasprintf(cause, "cannot resolve %s '%s': %s", what, path,
			  strerror(-rc));
		return rc;
	}
	if (strcmp(real, path) != 0) {
		xasprintf(cause, "%s '%s' is not canonical (it resolves to '%s')",
			  what, path, real);
		rc = -EINVAL;
	} else if (stat(path, &st) == -1) {
		rc = -errno;
		xasprintf(cause, "cannot stat %s '%s': %s", what, path,
			  strerror(-rc));
	} else if (dir && !S_ISDIR(st.st_mode)) {
		xasprintf(cause, "%s '%s' is not a directory", what, path);
		rc = -ENOTDIR;
	}
	free(real);
	return rc;
}

/* Turns the policy into mount operations.
 * Returns: 0, or -errno with *cause set (caller frees). */
static int
plan_build(struct spawn_plan *p, char **cause, const struct sandbox_policy *pol)
{
	const uint64_t ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	struct plan_user *user = NULL;
	char path[PATH_MAX];
	size_t i, n = 0, nro = 0;
	int rc = 0;

	while (pol->ro_paths != NULL && pol->ro_paths[nro] != NULL)
		nro++;
	user = xcalloc(nro + 2, sizeof(*user));
	user[n++] = (struct plan_user){ "/tmp", 0 };
	for (i = 0; i < nro; i++) {
		rc = plan_check_path(cause, "read-only path", pol->ro_paths[i], false);
		if (rc < 0)
			goto out;
		user[n++] = (struct plan_user){ pol->ro_paths[i], 1 };
	}
	if (pol->data_dir != NULL) {
		rc = plan_check_path(cause, "data directory", pol->data_dir, true);
		if (rc < 0)
			goto out;
		user[n++] = (struct plan_user){ pol->data_dir, 2 };
	}
	/* A parent sorts before what is below it, so it is mounted first. */
	qsort(user, n, sizeof(*user), plan_user_cmp);

	for (i = 0; i < ARRAY_SIZE(spawn_system_dirs); i++)
		plan_host_path(p, spawn_system_dirs[i], ro);

	plan_add(p, OP_MKDIR, "/etc", NULL, 0, 0, false, false);
	for (i = 0; i < ARRAY_SIZE(spawn_etc); i++) {
		snprintf(path, sizeof(path), "/etc/%s", spawn_etc[i]);
		plan_host_path(p, path, ro);
	}

	plan_add(p, OP_MKDIR, "/dev", NULL, 0, 0, false, false);
	plan_add(p, OP_TMPFS, "/dev", "mode=0755,size=64k", MS_NOSUID | MS_NOEXEC,
		 0, false, false);
	for (i = 0; i < ARRAY_SIZE(spawn_devices); i++) {
		char src[64];

		snprintf(path, sizeof(path), "/dev/%s", spawn_devices[i]);
		snprintf(src, sizeof(src), SPAWN_OLDROOT "/dev/%s", spawn_devices[i]);
		plan_add(p, OP_FILE, path, NULL, 0, 0, false, false);
		plan_add(p, OP_BIND, path, src, 0, 0, false, false);
		plan_add(p, OP_ATTR, path, NULL, 0,
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false, false);
	}
	plan_add(p, OP_SYMLINK, "/dev/fd", "/proc/self/fd", 0, 0, false, false);
	plan_add(p, OP_SYMLINK, "/dev/stdin", "/proc/self/fd/0", 0, 0, false, false);
	plan_add(p, OP_SYMLINK, "/dev/stdout", "/proc/self/fd/1", 0, 0, false, false);
	plan_add(p, OP_SYMLINK, "/dev/stderr", "/proc/self/fd/2", 0, 0, false, false);
	plan_add(p, OP_ATTR, "/dev", NULL, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		 MOUNT_ATTR_NOEXEC, false, false);

	plan_add(p, OP_MKDIR, "/proc", NULL, 0, 0, false, false);
	plan_add(p, OP_PROC, "/proc", NULL, 0, 0, false, false);
	for (i = 0; i < ARRAY_SIZE(spawn_proc_ro); i++) {
		plan_add(p, OP_BIND, spawn_proc_ro[i], spawn_proc_ro[i], MS_REC, 0,
			 false, true);
		plan_add(p, OP_ATTR, spawn_proc_ro[i], NULL, 0,
			 ro | MOUNT_ATTR_NOEXEC, true, true);
	}

	for (i = 0; i < n; i++) {
		const char *dst = user[i].path;
		char *src;
		struct stat st;

		plan_parents(p, dst);
		if (user[i].kind == 0) {
			plan_add(p, OP_MKDIR, dst, NULL, 0, 0, false, false);
			plan_add(p, OP_TMPFS, dst, "mode=1777,size=16m",
				 MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, false, false);
			continue;
		}
		if (stat(dst, &st) == -1) { /* checked above; raced */
			rc = -errno;
			xasprintf(cause, "cannot stat '%s': %s", dst, strerror(-rc));
			goto out;
		}
		xasprintf(&src, SPAWN_OLDROOT "%s", dst);
		plan_add(p, S_ISDIR(st.st_mode) ? OP_MKDIR : OP_FILE, dst, NULL, 0,
			 0, false, false);
		plan_add(p, OP_BIND, dst, src, MS_REC, 0, false, false);
		plan_add(p, OP_ATTR, dst, NULL, 0,
			 user[i].kind == 1 ? ro
					   : MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						     MOUNT_ATTR_NOEXEC,
			 true, false);
		free(src);
	}

	plan_add(p, OP_DETACH, SPAWN_OLDROOT, NULL, 0, 0, false, false);
	plan_add(p, OP_ATTR, "/", NULL, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		 MOUNT_ATTR_NODEV, false, false);
out:
	free(user);
	return rc;
}

/* ---- the child: async-signal-safe only ---------------------------- */

/* Copies s into the fixed buffer of a report. */
static void
child_copy(char *dst, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < size; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

/* Sends one report; with fd >= 0, the fd travels with it. */
static int
child_send(int sock, const struct spawn_report *r, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)r, sizeof(*r) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return TEMP_FAILURE_RETRY_INT(sendmsg(sock, &msg, MSG_NOSIGNAL)) == -1 ? -1 : 0;
}

/* Reports a failed step with errno and exits. */
static NORETURN void
child_fail(const struct spawn_ctx *c, enum spawn_step step, const char *detail)
{
	struct spawn_report r;

	memset(&r, 0, sizeof(r));
	r.kind = REPORT_ERROR;
	r.step = step;
	r.err = errno;
	child_copy(r.detail, sizeof(r.detail), detail);
	(void)child_send(c->report_fd, &r, -1);
	_exit(127);
}

/* Runs one mount operation.  Returns: 0, or -1 with errno set. */
static int
child_op(const struct spawn_op *op)
{
	struct mount_attr attr;
	int fd;

	switch (op->kind) {
	case OP_MKDIR:
		if (mkdir(op->dst, 0755) == -1 && errno != EEXIST)
			return -1;
		return 0;
	case OP_FILE:
		fd = open(op->dst, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		if (fd == -1)
			return -1;
		close(fd);
		return 0;
	case OP_SYMLINK:
		if (symlink(op->src, op->dst) == -1 && errno != EEXIST)
			return -1;
		return 0;
	case OP_BIND:
		return mount(op->src, op->dst, NULL, MS_BIND | op->flags, NULL);
	case OP_TMPFS:
		return mount("tmpfs", op->dst, "tmpfs", op->flags, op->src);
	case OP_PROC:
		return mount("proc", op->dst, "proc",
			     MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	case OP_ATTR:
		memset(&attr, 0, sizeof(attr));
		attr.attr_set = op->attr;
		return mount_setattr(AT_FDCWD, op->dst,
				     op->rec ? AT_RECURSIVE : 0, &attr, sizeof(attr));
	case OP_DETACH:
		if (umount2(op->dst, MNT_DETACH) == -1)
			return -1;
		return rmdir(op->dst);
	}
	errno = EINVAL;
	return -1;
}

static const enum spawn_step child_op_steps[] = {
	[OP_MKDIR] = STEP_MKDIR,
	[OP_FILE] = STEP_FILE,
	[OP_SYMLINK] = STEP_SYMLINK,
	[OP_BIND] = STEP_BIND,
	[OP_TMPFS] = STEP_TMPFS,
	[OP_PROC] = STEP_PROC,
	[OP_ATTR] = STEP_ATTR,
	[OP_DETACH] = STEP_DETACH,
};

/* Builds the view: a tmpfs root reached with pivot_root, then the plan. */
static void
child_mounts(const struct spawn_ctx *c)
{
	size_t i;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		child_fail(c, STEP_PRIVATE, NULL);
	/* The new root is a tmpfs mounted over /tmp in our namespace only.
	 * After pivot_root the host's root, /tmp included, is at
	 * SPAWN_OLDROOT, so binds can still reach every host path. */
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=1m") == -1)
		child_fail(c, STEP_ROOT, NULL);
	if (mkdir("/tmp" SPAWN_OLDROOT, 0755) == -1)
		child_fail(c, STEP_ROOT, NULL);
	if (syscall(SYS_pivot_root, "/tmp", "/tmp" SPAWN_OLDROOT) == -1)
		child_fail(c, STEP_PIVOT, NULL);
	if (chdir("/") == -1)
		child_fail(c, STEP_PIVOT, NULL);
	for (i = 0; i < c->plan.n; i++) {
		const struct spawn_op *op = &c->plan.ops[i];

		if (child_op(op) == -1 && !(op->optional && errno == ENOENT))
			child_fail(c, child_op_steps[op->kind], op->dst);
	}
}

/* Brings lo up in a new network namespace, where it starts down. */
static void
child_loopback(const struct spawn_ctx *c)
{
	struct ifreq ifr;
	int s;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s == -1)
		child_fail(c, STEP_LOOPBACK, NULL);
	memset(&ifr, 0, sizeof(ifr));
	child_copy(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		child_fail(c, STEP_LOOPBACK, NULL);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
		child_fail(c, STEP_LOOPBACK, NULL);
	close(s);
}

/* Empties the capability sets: bounding, ambient, then effective,
 * permitted and inheritable.  Returns: 0, or -1 with errno set. */
static int
child_drop_caps(int cap_last)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int cap;

	for (cap = 0; cap <= cap_last; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 && errno != EINVAL)
			return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	memset(data, 0, sizeof(data));
	return syscall(SYS_capset, &hdr, data) == -1 ? -1 : 0;
}

/* Moves fd above 2, close-on-exec.  Returns: the new fd, or -1. */
static int
child_fd_high(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* The program: confine, load the filter, exec.  Never returns. */
static NORETURN void
child_program(const struct spawn_ctx *c)
{
	const struct sandbox_policy *pol = c->req->policy;
	struct spawn_report r;
	struct sigaction sa;
	struct rlimit rl;
	sigset_t none;
	int sig, fds[3], i, listener;

	/* Dispositions the supervisor set (SIG_IGN for SIGPIPE, say) would
	 * survive execve(); the init's handlers must not run here. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL); /* EINVAL: libc's own */
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		child_fail(c, STEP_PDEATHSIG, NULL);

	fds[0] = child_fd_high(open("/dev/null", O_RDWR | O_CLOEXEC));
	fds[1] = c->req->out_fd >= 0 ? child_fd_high(c->req->out_fd) : fds[0];
	fds[2] = c->req->err_fd >= 0 ? child_fd_high(c->req->err_fd) : fds[0];
	for (i = 0; i < 3; i++) {
		if (fds[i] == -1 || dup2(fds[i], i) == -1)
			child_fail(c, STEP_STDIO, NULL);
	}
	/* Whatever else the supervisor had open (other nodes' pipes, its
	 * io_uring ring) closes at execve(); the report socket as well. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		child_fail(c, STEP_STDIO, NULL);
	if (chdir(c->workdir) == -1)
		child_fail(c, STEP_CHDIR, c->workdir);

	rl.rlim_cur = rl.rlim_max = c->req->files;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		child_fail(c, STEP_RLIMIT, "RLIMIT_NOFILE");
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		child_fail(c, STEP_RLIMIT, "RLIMIT_CORE");
	rl.rlim_cur = rl.rlim_max = pol->nproc;
	if (pol->nproc != 0 && setrlimit(RLIMIT_NPROC, &rl) == -1)
		child_fail(c, STEP_RLIMIT, "RLIMIT_NPROC");
	rl.rlim_cur = rl.rlim_max = pol->address_space;
	if (pol->address_space != 0 && setrlimit(RLIMIT_AS, &rl) == -1)
		child_fail(c, STEP_RLIMIT, "RLIMIT_AS");

	/* uid 0 must not get capabilities back at execve(), and nothing may
	 * undo that; this needs CAP_SETPCAP, so it comes before the drop. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		  SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
		  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) == -1)
		child_fail(c, STEP_SECUREBITS, NULL);
	if (child_drop_caps(c->cap_last) == -1)
		child_fail(c, STEP_CAPS, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		child_fail(c, STEP_NNP, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		child_fail(c, STEP_SIGNALS, NULL);

	/* Last, so the filter need not allow any of the above.  From here
	 * on only sendmsg, close, execve and exit_group run before the
	 * program, all allowed.  The listener is O_CLOEXEC, and closed
	 * anyway: a program holding it could answer its own violations. */
	memset(&r, 0, sizeof(r));
	if (c->prog.len != 0) {
		listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					SECCOMP_FILTER_FLAG_NEW_LISTENER, &c->prog);
		if (listener == -1)
			child_fail(c, STEP_SECCOMP, NULL);
		r.kind = REPORT_LISTENER;
		if (child_send(c->report_fd, &r, listener) == -1)
			child_fail(c, STEP_LISTENER, NULL);
		close(listener);
	}
	r.kind = REPORT_EXEC;
	(void)child_send(c->report_fd, &r, -1);
	execve(c->req->argv[0], c->req->argv, c->envp);
	child_fail(c, STEP_EXEC, c->req->argv[0]);
}

/* The init's handler: hand the signal on to the program. */
static void
child_forward(int sig)
{
	int saved = errno;

	if (spawn_program > 0)
		(void)kill(spawn_program, sig);
	errno = saved;
}

/* The init, pid 1 of the new pid namespace.  Never returns. */
static NORETURN void
child_init(const struct spawn_ctx *c)
{
	struct sigaction sa;
	sigset_t fwd;
	ssize_t n;
	size_t i;
	pid_t pid;
	char go;
	int st, null;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		child_fail(c, STEP_PDEATHSIG, NULL);
	/* Signals for the program wait until there is one. */
	sigemptyset(&fwd);
	for (i = 0; i < ARRAY_SIZE(spawn_forwarded); i++)
		sigaddset(&fwd, spawn_forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &fwd, NULL) == -1)
		child_fail(c, STEP_SIGNALS, NULL);
	/* "go" comes once our pid is in the cgroups.  EOF means the parent
	 * died before PR_SET_PDEATHSIG took effect: nobody wants us. */
	n = TEMP_FAILURE_RETRY_INT(recv(c->report_fd, &go, 1, 0));
	if (n != 1)
		_exit(127);
	if (setsid() == -1)
		child_fail(c, STEP_SETSID, NULL);
	child_mounts(c);
	if (sethostname(c->hostname, strlen(c->hostname)) == -1)
		child_fail(c, STEP_HOSTNAME, NULL);
	if (c->req->policy->netns)
		child_loopback(c);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_forward;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(spawn_forwarded); i++) {
		if (sigaction(spawn_forwarded[i], &sa, NULL) == -1)
			child_fail(c, STEP_SIGNALS, NULL);
	}
	/* A raw clone like our own: fork() would take glibc's locks, which
	 * another thread of the supervisor may have held when we were
	 * cloned. */
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == -1)
		child_fail(c, STEP_FORK, NULL);
	if (pid == 0)
		child_program(c);
	spawn_program = pid;

	/* The init keeps nothing the program could use: no capabilities,
	 * not dumpable (so uid 0 cannot ptrace it or read its memory), and
	 * none of the supervisor's fds but the status pipe. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    child_drop_caps(c->cap_last) == -1)
		child_fail(c, STEP_INIT, NULL);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (i = 0; i < 3; i++) {
		if (null == -1 || dup2(null, (int)i) == -1)
			child_fail(c, STEP_INIT, NULL);
	}
	if (c->status_fd > 3)
		(void)syscall(SYS_close_range, 3, c->status_fd - 1, 0);
	(void)syscall(SYS_close_range, c->status_fd + 1, ~0U, 0);
	(void)sigprocmask(SIG_UNBLOCK, &fwd, NULL);

	for (;;) {
		pid = waitpid(-1, &st, 0);
		/* Only its end: a program that asked to be traced reports
		 * stops here too. */
		if (pid == spawn_program && (WIFEXITED(st) || WIFSIGNALED(st))) {
			(void)TEMP_FAILURE_RETRY_INT(write(c->status_fd, &st, sizeof(st)));
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		}
		if (pid == -1 && errno == ECHILD)
			_exit(127);
	}
}

/* ---- the parent ---------------------------------------------------- */

/* Returns: the highest capability number the kernel knows. */
static int
spawn_cap_last(void)
{
	char buf[16];
	ssize_t n;
	int fd, last = CAP_LAST_CAP;

	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return last;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		last = atoi(buf);
	}
	close(fd);
	return last;
}

/* Moves *fd above 2 (close-on-exec) if it is not.
 * Returns: 0, or -1 with errno set. */
static int
spawn_fd_high(int *fd)
{
	int n;

	if (*fd > 2)
		return 0;
	n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n == -1)
		return -1;
	close(*fd);
	*fd = n;
	return 0;
}

/* Words a child's error report. */
static void
spawn_describe(char **cause, const struct spawn_report *r)
{
	const char *what = "cannot start the sandbox", *hint = "";

	if (r->step >= 0 && r->step < STEP_COUNT && spawn_step_msgs[r->step] != NULL)
		what = spawn_step_msgs[r->step];
	if (r->step == STEP_SECCOMP && r->err == EINVAL)
		hint = " (SECCOMP_FILTER_FLAG_NEW_LISTENER needs Linux 5.0)";
	else if (r->step == STEP_ATTR && r->err == ENOSYS)
		hint = " (mount_setattr needs Linux 5.12)";
	else if (r->step == STEP_EXEC && r->err == ENOENT &&
		 access(r->detail, F_OK) == 0)
		hint = " (it exists outside the sandbox: add its directory "
		       "to the read-only paths)";
	if (r->detail[0] != '\0')
		xasprintf(cause, "%s '%s': %s%s", what, r->detail, strerror(r->err),
			  hint);
	else
		xasprintf(cause, "%s: %s%s", what, strerror(r->err), hint);
}

/* Returns: milliseconds on the monotonic clock. */
static int64_t
spawn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Receives one report.
 * Returns: 1 with *r (and *fd, or -1), 0 at EOF, or -errno. */
static int
spawn_recv(int sock, struct spawn_report *r, int *fd, int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { r, sizeof(*r) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct pollfd pfd = { sock, POLLIN, 0 };
	struct cmsghdr *cm;
	int64_t left;
	ssize_t n;
	int rc;

	*fd = -1;
	for (;;) {
		left = deadline - spawn_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc == -1 && errno != EINTR)
			return -errno;
		if (rc == 1)
			break;
	}
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	n = TEMP_FAILURE_RETRY_INT(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC));
	if (n == -1)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	}
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*r)) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	r->detail[sizeof(r->detail) - 1] = '\0';
	return 1;
}

/* Kills the child and waits for it. */
static void
spawn_kill(int pidfd)
{
	siginfo_t si;

	(void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	(void)TEMP_FAILURE_RETRY_INT(waitid(P_PIDFD, pidfd, &si, WEXITED));
}

/* Words how the child ended during setup, for a message. */
static void
spawn_describe_death(char **cause, int pidfd)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (TEMP_FAILURE_RETRY_INT(waitid(P_PIDFD, pidfd, &si, WEXITED)) == -1)
		xasprintf(cause, "the sandbox ended before its program was executed");
	else if (si.si_code == CLD_EXITED)
		xasprintf(cause, "the sandbox ended before its program was "
				 "executed (exit status %d)", si.si_status);
	else
		xasprintf(cause, "the sandbox ended before its program was "
				 "executed (killed by SIG%s)",
			  sigabbrev_np(si.si_status) ? sigabbrev_np(si.si_status) : "?");
}

int
spawn_start(struct spawn_out *out, char **cause, const struct spawn_req *req)
{
	static char *const empty_env[] = { NULL };
	const struct sandbox_policy *pol = req->policy;
	struct spawn_report r;
	struct spawn_ctx c;
	int sv[2] = { -1, -1 }, st[2] = { -1, -1 }, pidfd = -1, notify = -1;
	int fd, rc, err = 0;
	bool executed = false;
	unsigned long flags;
	int64_t deadline;
	pid_t pid;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.envp = req->envp != NULL ? req->envp : empty_env;
	c.hostname = pol->node != NULL ? pol->node : "chainbox";
	c.workdir = pol->data_dir != NULL ? pol->data_dir : "/";
	c.cap_last = spawn_cap_last();
	c.prog.filter = (struct sock_filter *)req->filter;
	c.prog.len = (unsigned short)req->filter_len;
	rc = plan_build(&c.plan, cause, pol);
	if (rc < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 ||
	    pipe2(st, O_CLOEXEC) == -1) {
		rc = -errno;
		xasprintf(cause, "cannot create the sandbox's sockets: %s",
			  strerror(-rc));
		goto out;
	}
	/* The init replaces 0, 1 and 2 with /dev/null, so none of ours may
	 * be there (a supervisor may run with stdin closed). */
	for (fd = 0; fd < 2; fd++) {
		if (spawn_fd_high(&sv[fd]) == -1 || spawn_fd_high(&st[fd]) == -1) {
			rc = -errno;
			xasprintf(cause, "cannot create the sandbox's sockets: %s",
				  strerror(-rc));
			goto out;
		}
	}
	c.report_fd = sv[1];
	c.status_fd = st[1];

	flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		CLONE_PIDFD | SIGCHLD;
	if (pol->netns)
		flags |= CLONE_NEWNET;
	pid = (pid_t)syscall(SYS_clone, flags, NULL, &pidfd, NULL, 0);
	if (pid == 0) {
		close(sv[0]);
		close(st[0]);
		child_init(&c);
	}
	if (pid == -1) {
		rc = -errno;
		xasprintf(cause, "cannot create the sandbox's namespaces: %s%s",
			  strerror(-rc),
			  rc == -EPERM ? " (it needs root or CAP_SYS_ADMIN)" : "");
		goto out;
	}
	close(sv[1]);
	sv[1] = -1;
	close(st[1]);
	st[1] = -1;

	if (req->cgroups != NULL) {
		rc = cgroup_attach(req->cgroups, cause, pid);
		if (rc < 0)
			goto out;
	}
	/* If this fails, the child is gone; its report or EOF says why. */
	(void)TEMP_FAILURE_RETRY_INT(send(sv[0], "g", 1, MSG_NOSIGNAL));
	/* Reports until EOF: the last copy of the socket closes at the
	 * program's execve(). */
	deadline = spawn_now_ms() + SPAWN_TIMEOUT_MS;
	for (;;) {
		rc = spawn_recv(sv[0], &r, &fd, deadline);
		if (rc <= 0)
			break;
		if (r.kind == REPORT_LISTENER && fd != -1 && notify == -1) {
			notify = fd;
			fd = -1;
		} else if (r.kind == REPORT_EXEC) {
			executed = true;
		} else if (r.kind == REPORT_ERROR && err == 0) {
			err = r.err != 0 ? r.err : EIO;
			spawn_describe(cause, &r);
		}
		if (fd != -1)
			close(fd);
	}
	if (rc == -ETIMEDOUT) {
		xasprintf(cause, "the sandbox did not execute its program within %d s",
			  SPAWN_TIMEOUT_MS / 1000);
	} else if (rc < 0) {
		xasprintf(cause, "cannot read the sandbox's reports: %s",
			  strerror(-rc));
	} else if (err != 0) {
		rc = -err;
	} else if (!executed) {
		rc = -ECHILD;
		spawn_describe_death(cause, pidfd);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (fcntl(st[0], F_SETFL, O_NONBLOCK) == -1) {
		rc = -errno;
		xasprintf(cause, "cannot set up the status pipe: %s", strerror(-rc));
		goto out;
	}
	out->pid = pid;
	out->pidfd = pidfd;
	out->notify_fd = notify;
	out->status_fd = st[0];
	pidfd = notify = st[0] = -1;
out:
	if (pidfd != -1) {
		if (rc != -ECHILD)
			spawn_kill(pidfd);
		close(pidfd);
	}
	if (notify != -1)
		close(notify);
	for (fd = 0; fd < 2; fd++) {
		if (sv[fd] != -1)
			close(sv[fd]);
		if (st[fd] != -1)
			close(st[fd]);
	}
	plan_release(&c.plan);
	return rc;
}
