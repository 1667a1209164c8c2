/* The node's seccomp policy.  An allowlist of what chainbox-node (one
 * thread, libevent, LMDB, OpenSSL) and the dynamic loader need, grouped by
 * purpose, after the baseline in shared/reference/sandbox-and-io_uring.md
 * section A.7 (systemd's @system-service without @aio, @keyring, @setuid).
 * Grow it with log mode: run the node once with seccomp: log and add what
 * it reports, if it belongs in a node.
 *
 * The filter is the same for strict and log mode; only the supervisor's
 * answer differs (sandbox.c).  Default action: SECCOMP_RET_USER_NOTIF, the
 * only action that tells the supervisor which syscall was attempted.  A
 * foreign ABI (i386 through int 0x80, x32) kills the process: libseccomp
 * checks the arch and x32's bit for us (SCMP_FLTATR_ACT_BADARCH). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "policy.h"
#include "xalloc.h"

/* clone() flags that would create a namespace.  CLONE_NEWTIME (0x80) is
 * only valid for clone3 and unshare, and sits in clone()'s exit-signal
 * byte, so it is not part of the mask. */
#define POLICY_CLONE_NEW                                                       \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |         \
	 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* Syscall numbers newer than the libseccomp 2.5.4 table (it ends at 456,
 * futex_requeue) and below the x32 range: ENOSYS, so callers fall back. */
#define POLICY_NEW_FIRST 457
#define POLICY_NEW_LAST 511

static const char *const policy_runtime[] = {
	/* execve itself, and what ld.so and libc's start-up do */
	"execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list",
	"rseq", "prlimit64", "getrlimit", "uname", "getrandom", "exit",
	"exit_group", "restart_syscall", "getpid", "gettid", "getppid",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getgroups", "sysinfo", "prctl", "sched_getaffinity", "sched_yield",
	"umask", "capget", "getrusage", "times", NULL,
};

static const char *const policy_memory[] = {
	"mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "msync",
	NULL,
};

/* clone is added with an argument filter below; clone3 gets ENOSYS. */
static const char *const policy_process[] = {
	"futex", "nanosleep", "clock_nanosleep", "clock_gettime",
	"clock_getres", "gettimeofday", "tgkill", "tkill", "kill",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
	"rt_sigsuspend", "rt_sigpending", "sigaltstack", "signalfd4", "pause",
	"wait4", "waitid", NULL,
};

/* File access is confined by the mount namespace, not here. */
static const char *const policy_files[] = {
	"openat", "open", "close", "close_range", "read", "write", "pread64",
	"pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2",
	"pwritev2", "lseek", "fstat", "newfstatat", "stat", "lstat", "statx",
	"access", "faccessat", "faccessat2", "fcntl", "flock", "fsync",
	"fdatasync", "ftruncate", "fallocate", "rename", "renameat",
	"renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir",
	"getdents64", "getcwd", "chdir", "fchdir", "readlink", "readlinkat",
	"fadvise64", "dup", "dup2", "dup3", "pipe", "pipe2", "statfs",
	"fstatfs", "utimensat", "chmod", "fchmod", "fchmodat", "link", "linkat",
	"symlink", "symlinkat", NULL,
};

static const char *const policy_events[] = {
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select", "pselect6",
	"eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime",
	NULL,
};

/* socket is added with an argument filter below. */
static const char *const policy_network[] = {
	"socketpair", "bind", "listen", "accept", "accept4", "connect",
	"getsockname", "getpeername", "setsockopt", "getsockopt", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
	NULL,
};

static const struct {
	const char *purpose;
	const char *const *names;
} policy_groups[] = {
	{ "process runtime and loader", policy_runtime },
	{ "memory", policy_memory },
	{ "threads, signals and time", policy_process },
	{ "files", policy_files },
	{ "event loop", policy_events },
	{ "network", policy_network },
};

/* Socket families a node uses: local, IPv4, IPv6, and netlink for
 * getaddrinfo's interface query.  Others go to the default action. */
static const int policy_families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };

/* ioctls libevent, LMDB and libc use.  ioctl's command is an unsigned int
 * in the kernel, so only the low 32 bits are compared: set high bits must
 * not slip past the TIOCSTI rule. */
static const unsigned long policy_ioctls[] = {
	FIONBIO, FIONREAD, FIOCLEX, FIONCLEX, TCGETS, TIOCGWINSZ,
};

/* Silent ENOSYS: libraries probe these and fall back.  io_uring's
 * operations would bypass this filter altogether (reference A.5), and
 * clone3's flags sit in memory, where seccomp cannot see them, so glibc
 * must fall back to clone (reference A.6). */
static const char *const policy_enosys[] = {
	"clone3", "io_uring_setup", "io_uring_enter", "io_uring_register",
	NULL,
};

/* What a node never gets, even in log mode, where the supervisor answers
 * EPERM instead of letting it through: debugging other processes, mounts,
 * kernel code and keys, namespaces, and personality (READ_IMPLIES_EXEC). */
static const char *const policy_never[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
	"kcmp", "mount", "umount2", "pivot_root", "chroot", "fsopen",
	"fsconfig", "fsmount", "fspick", "open_tree", "move_mount",
	"mount_setattr", "bpf", "perf_event_open", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module",
	"keyctl", "add_key", "request_key", "userfaultfd", "unshare", "setns",
	"personality", "reboot", "swapon", "swapoff", "iopl", "ioperm",
	"open_by_handle_at", NULL,
};

/* Adds one rule; a name libseccomp does not know is a bug in the tables. */
static int
policy_add(scmp_filter_ctx ctx, char **cause, uint32_t action,
	   const char *name, unsigned int argc, const struct scmp_arg_cmp *arg)
{
	int nr, rc;

	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		xasprintf(cause, "libseccomp does not know the syscall '%s'",
			  name);
		return -EINVAL;
	}
	rc = seccomp_rule_add_array(ctx, action, nr, argc, arg);
	if (rc < 0)
		xasprintf(cause, "cannot add a seccomp rule for '%s': %s", name,
			  strerror(-rc));
	return rc;
}

/* Adds the ENOSYS rules, including raw numbers newer than libseccomp. */
static int
policy_add_enosys(scmp_filter_ctx ctx, char **cause)
{
	int nr, rc = 0;
	size_t i;

	for (i = 0; policy_enosys[i] != NULL; i++) {
		rc = policy_add(ctx, cause, SCMP_ACT_ERRNO(ENOSYS),
				policy_enosys[i], 0, NULL);
		if (rc < 0)
			return rc;
	}
	for (nr = POLICY_NEW_FIRST; nr <= POLICY_NEW_LAST; nr++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
		if (rc == -EEXIST)
			rc = 0; /* a newer libseccomp knows it, and a rule has it */
		if (rc < 0) {
			xasprintf(cause, "cannot add a seccomp rule for syscall %d: %s",
				  nr, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Adds the rules that look at arguments: clone, socket, ioctl. */
static int
policy_add_filtered(scmp_filter_ctx ctx, char **cause)
{
	struct scmp_arg_cmp arg;
	size_t i;
	int rc;

	arg = SCMP_A0(SCMP_CMP_MASKED_EQ, POLICY_CLONE_NEW, 0);
	rc = policy_add(ctx, cause, SCMP_ACT_ALLOW, "clone", 1, &arg);
	for (i = 0; rc == 0 && i < ARRAY_SIZE(policy_families); i++) {
		/* Both data given: clang warns about SCMP_A0's missing one. */
		arg = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)policy_families[i], 0);
		rc = policy_add(ctx, cause, SCMP_ACT_ALLOW, "socket", 1, &arg);
	}
	for (i = 0; rc == 0 && i < ARRAY_SIZE(policy_ioctls); i++) {
		arg = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, policy_ioctls[i]);
		rc = policy_add(ctx, cause, SCMP_ACT_ALLOW, "ioctl", 1, &arg);
	}
	if (rc == 0) {
		/* Faking terminal input (CVE-2017-5226); setsid() already
		 * detaches the node from the supervisor's terminal. */
		arg = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI);
		rc = policy_add(ctx, cause, SCMP_ACT_ERRNO(EPERM), "ioctl", 1,
				&arg);
	}
	return rc;
}

/* Writes the compiled filter into a memfd and reads it back: libseccomp
 * 2.5 has no export to memory (seccomp_export_bpf_mem is 2.6). */
static int
policy_export(struct sock_filter **filter, size_t *len, char **cause,
	      scmp_filter_ctx ctx)
{
	struct sock_filter *buf = NULL;
	off_t size;
	ssize_t n;
	int fd = -1, rc;

	fd = memfd_create("chainbox-seccomp", MFD_CLOEXEC);
	if (fd == -1) {
		rc = -errno;
		xasprintf(cause, "cannot create a memfd for the seccomp filter: %s",
			  strerror(-rc));
		goto out;
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		xasprintf(cause, "cannot export the seccomp filter: %s",
			  strerror(-rc));
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(*buf) != 0 ||
	    size / sizeof(*buf) > BPF_MAXINSNS) {
		rc = -EINVAL;
		xasprintf(cause, "the exported seccomp filter has %lld bytes",
			  (long long)size);
		goto out;
	}
	buf = xmalloc(size);
	n = TEMP_FAILURE_RETRY_INT(pread(fd, buf, size, 0));
	if (n != size) {
		rc = n == -1 ? -errno : -EIO;
		xasprintf(cause, "cannot read the seccomp filter back: %s",
			  strerror(-rc));
		goto out;
	}
	*filter = buf;
	*len = size / sizeof(*buf);
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

int
policy_compile(struct sock_filter **filter, size_t *len, char **cause)
{
	scmp_filter_ctx ctx;
	size_t g, i;
	int rc = 0;

	ctx = seccomp_init(SCMP_ACT_NOTIFY);
	if (ctx == NULL) {
		xasprintf(cause, "cannot create a seccomp filter (does the kernel "
				 "support SECCOMP_RET_USER_NOTIF? it needs Linux 5.0)");
		return -ENOSYS;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0) /* a binary tree: the allowlist is long */
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc < 0) {
		xasprintf(cause, "cannot set the seccomp filter's attributes: %s",
			  strerror(-rc));
		goto out;
	}
	for (g = 0; g < ARRAY_SIZE(policy_groups); g++) {
		for (i = 0; policy_groups[g].names[i] != NULL; i++) {
			rc = policy_add(ctx, cause, SCMP_ACT_ALLOW,
					policy_groups[g].names[i], 0, NULL);
			if (rc < 0)
				goto out;
		}
	}
	rc = policy_add_filtered(ctx, cause);
	if (rc == 0)
		rc = policy_add_enosys(ctx, cause);
	if (rc == 0)
		rc = policy_export(filter, len, cause, ctx);
out:
	seccomp_release(ctx);
	return rc;
}

int
policy_never_errno(const char *name, const uint64_t args[6])
{
	size_t i;

	if (strcmp(name, "clone") == 0)
		return (args[0] & POLICY_CLONE_NEW) != 0 ? EPERM : 0;
	for (i = 0; policy_never[i] != NULL; i++) {
		if (strcmp(name, policy_never[i]) == 0)
			return EPERM;
	}
	return 0;
}

void
policy_syscall_name(char *name, size_t size, uint32_t arch, int nr)
{
	char *s;

	s = seccomp_syscall_resolve_num_arch(arch, nr);
	snprintf(name, size, "%s", s != NULL ? s : "unknown");
	free(s);
}
