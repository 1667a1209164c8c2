/* sandbox: spawn a program confined by a policy, and report exactly what
 * went wrong when something does.
 *
 * The supervisor compiles the seccomp filter once (sandbox_prepare), then
 * spawns each node with sandbox_spawn().  Everything that can fail in the
 * child before execve() comes back as one message on a close-on-exec
 * socket, so the caller gets "cannot execute '/x/chainbox-node': No such
 * file or directory" instead of an exit status 127.
 *
 * Processes.  sandbox_spawn() clones a child into new mount, pid, ipc and
 * uts namespaces (and a net namespace when policy->netns is set).  That
 * child is pid 1 of its pid namespace and stays there as a tiny init: it
 * builds the file system view, forks the program, forwards SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGTSTP and SIGWINCH to it,
 * reaps orphans, and when the program ends it writes the program's raw wait
 * status to a pipe the supervisor holds, then exits (with 128+N when the
 * program died of signal N).  sandbox_reap() returns the program's own wait
 * status, so "killed by SIGSYS" survives the extra process.  The pid, pidfd
 * (CLONE_PIDFD) and process group the caller gets are the init's: SIGKILL
 * to it ends the whole namespace, because the kernel kills every process
 * of a pid namespace whose init exits.  Both processes set
 * PR_SET_PDEATHSIG(SIGKILL), so nodes die with the supervisor.
 *
 * The file system view is a tmpfs root reached with pivot_root(2):
 *   /usr, /bin, /sbin, /lib, /lib64   read-only binds (symlinks on merged-/usr
 *                                     hosts are recreated as symlinks)
 *   /etc    only ld.so.cache, ld.so.conf(.d), hostname, hosts, resolv.conf,
 *           nsswitch.conf, host.conf, gai.conf, passwd, group, localtime
 *           and ssl/, each read-only: not /etc/shadow or host keys
 *   /dev    a tmpfs with binds of null, zero, random, urandom and the
 *           fd, stdin, stdout, stderr symlinks
 *   /proc   a fresh procfs of the new pid namespace; /proc/sys,
 *           /proc/sysrq-trigger, /proc/irq and /proc/bus read-only
 *   /tmp    a 16 MiB tmpfs (nosuid, nodev, noexec)
 *   policy->ro_paths   read-only, at the same path
 *   policy->data_dir   the one writable host path, at the same path
 *                      (nosuid, nodev, noexec); also the working directory
 * The root itself is read-only, so writing anywhere else gives EROFS (or
 * ENOENT).  Paths must be absolute and canonical (no symlinks, no "..").
 *
 * Before execve() the program gets stdin from /dev/null and stdout/stderr
 * on the caller's fds, a new session, default signal dispositions and an
 * empty signal mask, rlimits (RLIMIT_NOFILE = policy->files or 65536,
 * RLIMIT_CORE 0, RLIMIT_NPROC and RLIMIT_AS when asked), locked securebits,
 * an empty capability bounding set, no ambient, effective, permitted or
 * inheritable capabilities, and no_new_privs.  It still runs as uid 0, but
 * without capabilities that uid only owns root's files; /etc/shadow is not
 * in its view and the root is read-only.  Every fd above 2 is closed.
 *
 * Limits.  Memory, pids and CPU limits go into cgroups named
 * chainbox/<network>/<node>, created below the supervisor's own cgroup in
 * every writable hierarchy that has the controller: cgroup v2 when its
 * cgroup.controllers lists it and it can be enabled in subtree_control, else
 * the v1 hierarchy of that controller (Debian's hybrid layout puts memory,
 * pids and cpu in v1).  A v2 group is also made, even without controllers,
 * for cgroup.freeze.  The parent writes the init's pid into every group
 * before the child goes on, so the program starts inside them.
 * sandbox_limits_desc() says what is in force, e.g. "cgroup v1
 * memory,pids,cpu + v2 freeze" or "rlimits only: no writable cgroup
 * hierarchy"; a limit no hierarchy can enforce is named there.
 *
 * Seccomp.  The filter is an allowlist of what chainbox-node needs (see
 * policy.c), compiled to BPF in the parent, because the supervisor is
 * multi-threaded and allocating between fork and exec is unsafe.  It is
 * installed last, just before execve(), with SECCOMP_FILTER_FLAG_NEW_LISTENER;
 * the listener fd reaches the supervisor over SCM_RIGHTS.  A syscall of
 * another ABI (x32, i386) kills the process (SIGSYS).  clone3, io_uring_*
 * and numbers newer than libseccomp's table (457..511) fail with ENOSYS,
 * silently, so libraries fall back.  Everything else outside the allowlist
 * waits for the supervisor (SECCOMP_RET_USER_NOTIF), which learns pid,
 * syscall and arch through sandbox_notify_read():
 *   strict  the sandbox is killed (SIGKILL to the init), and
 *           sandbox_exit_desc() then says "stopped by its seccomp policy:
 *           syscall ptrace (101)";
 *   log     learning mode: the call goes on (USER_NOTIF_FLAG_CONTINUE),
 *           except the never-allowed ones (ptrace, process_vm_*, mount,
 *           umount2, pivot_root, bpf, perf_event_open, kexec_*, *_module,
 *           keyctl, add_key, request_key, userfaultfd, unshare, setns,
 *           personality, clone with a CLONE_NEW* flag), which fail with
 *           EPERM; each one is reported;
 *   off     no filter (namespaces, rlimits and cgroups still apply).
 * A program blocked in a notified syscall waits for the supervisor, so the
 * supervisor must poll sandbox_child_notify_fd() in its event loop.  If the
 * supervisor goes away, pending and later notified syscalls fail with ENOSYS
 * (and PR_SET_PDEATHSIG kills the node anyway).
 *
 * Pause and resume freeze the v2 cgroup (cgroup.freeze); without one they
 * send SIGSTOP/SIGCONT to the sandbox's process group, which a program that
 * calls setsid() or setpgid() leaves.
 *
 * Threads: sandbox_spawn() is safe in a multi-threaded process (the child
 * calls only async-signal-safe functions), but PR_SET_PDEATHSIG fires when
 * the *thread* that spawned the child exits, so spawn from a thread that
 * lives as long as the supervisor.  Do not set SIGCHLD to SIG_IGN, and do
 * not reap the pid yourself: call sandbox_reap() when the pidfd is readable.
 *
 * Needs root (or CAP_SYS_ADMIN) for the namespaces, Linux >= 5.12
 * (CLONE_PIDFD, mount_setattr, close_range) and libseccomp >= 2.5. */
#ifndef CHAINBOX_SANDBOX_H
#define CHAINBOX_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compat.h"

enum sandbox_seccomp {
	SANDBOX_SECCOMP_STRICT, /* kill on anything outside the allowlist */
	SANDBOX_SECCOMP_LOG, /* report it and let it through (learning) */
	SANDBOX_SECCOMP_OFF,
};

#define SANDBOX_DEFAULT_FILES 65536

struct sandbox_policy {
	enum sandbox_seccomp seccomp;
	bool netns; /* own network namespace with only lo, brought up */
	const char *data_dir; /* the one writable path; NULL = none */
	const char *const *ro_paths; /* NULL-terminated; NULL = none */
	/* The cgroups are chainbox/<network>/<node>; both NULL = no cgroups.
	 * Each is [A-Za-z0-9._-]+ and not "." or "..".  node is also the
	 * host name (else "chainbox"). */
	const char *network;
	const char *node;
	uint64_t memory; /* bytes; cgroup; 0 = no limit */
	uint64_t cpu_milli; /* thousandths of a CPU; cgroup; 0 = no limit */
	uint64_t pids; /* cgroup pids.max; 0 = no limit */
	/* RLIMIT_NOFILE; 0 = SANDBOX_DEFAULT_FILES, or the supervisor's own
	 * hard limit when that is lower and it lacks CAP_SYS_RESOURCE to
	 * raise it (sandbox_limits_desc() then says so). */
	uint64_t files;
	/* RLIMIT_NPROC counts every process of the uid on the host (uid 0
	 * here), so prefer pids.  0 = unchanged. */
	uint64_t nproc;
	/* RLIMIT_AS in bytes; 0 = none.  Runtimes that reserve large ranges
	 * (and AddressSanitizer) fail under it: prefer memory. */
	uint64_t address_space;
};

/* A compiled seccomp filter, shared by any number of spawns. */
struct sandbox_prog;
/* One spawned sandbox: the init, the program, their fds and cgroups. */
struct sandbox_child;

enum sandbox_verdict {
	SANDBOX_KILLED, /* strict mode: the sandbox was killed */
	SANDBOX_DENIED, /* log mode: the call failed with err */
	SANDBOX_ALLOWED, /* log mode: the call went on */
};

/* A syscall the filter sent to the supervisor. */
struct sandbox_violation {
	pid_t pid; /* thread id, in the supervisor's pid namespace */
	int nr; /* syscall number */
	uint32_t arch; /* AUDIT_ARCH_* */
	char name[32]; /* "ptrace", or "unknown" */
	uint64_t args[6];
	enum sandbox_verdict verdict;
	int err; /* the errno answered (SANDBOX_DENIED), else 0 */
};

/* Compiles the filter for policy->seccomp (nothing for
 * SANDBOX_SECCOMP_OFF).  Call it before the supervisor starts threads if you
 * can; it allocates, so it never runs in a child.
 * Returns: 0, or -errno with *cause set (caller frees).
 * Out: *progp, freed with sandbox_prog_free(). */
int sandbox_prepare(struct sandbox_prog **progp, char **cause,
		    const struct sandbox_policy *policy) WARN_UNUSED;
/* Frees prog; NULL does nothing. */
void sandbox_prog_free(struct sandbox_prog *prog);

/* Spawns argv[0] (an absolute path inside the sandbox's view) confined by
 * policy, and returns once it has been executed or has failed.
 * In: prog from sandbox_prepare() for a policy with the same seccomp mode
 * (may be NULL when policy->seccomp is SANDBOX_SECCOMP_OFF); envp may be
 * NULL (empty environment); out_fd and err_fd become the program's stdout
 * and stderr (-1 = /dev/null); the caller keeps and closes them.
 * Returns: 0, or -errno with *cause set (caller frees): -EINVAL for a bad
 * policy or argv, -EBUSY when the node's cgroup is in use, the errno of the
 * step that failed in the child ("cannot execute '/x': No such file or
 * directory", "cannot mount the private root: ...") or of the parent's own
 * calls ("cannot create the sandbox's namespaces: ...").  Nothing is left
 * behind on failure.
 * Out: *childp, freed with sandbox_child_free(). */
int sandbox_spawn(struct sandbox_child **childp, char **cause,
		  const struct sandbox_prog *prog,
		  const struct sandbox_policy *policy, char *const argv[],
		  char *const envp[], int out_fd, int err_fd) WARN_UNUSED;

/* Returns: the init's pid in the caller's pid namespace; it is also the
 * sandbox's process group. */
pid_t sandbox_child_pid(const struct sandbox_child *child);
/* Returns: a pidfd for the init (O_CLOEXEC), readable when the sandbox has
 * ended; owned by child. */
int sandbox_child_pidfd(const struct sandbox_child *child);
/* Returns: the seccomp listener (O_CLOEXEC), readable when a violation
 * waits for sandbox_notify_read(); -1 when seccomp is off.  Owned by
 * child. */
int sandbox_child_notify_fd(const struct sandbox_child *child);
/* Returns: what enforces the limits, e.g. "cgroup v1 memory,pids,cpu + v2
 * freeze" or "rlimits only: no writable cgroup hierarchy", followed by
 * "; not enforced: memory" for a limit nothing enforces and "; RLIMIT_NOFILE
 * 20000, not 65536: ..." when the default was lowered; owned by child. */
const char *sandbox_limits_desc(const struct sandbox_child *child);

/* Reads one pending violation and answers it as the policy's mode says;
 * in strict mode it kills the sandbox and remembers the violation for
 * sandbox_exit_desc().  Never blocks.
 * Returns: 0 with *v set; -EAGAIN when nothing is pending; -ENOENT when the
 * calling thread died before it could be read (nothing to report); -EPIPE
 * when no process uses the filter any more (stop polling the fd); else
 * -errno with *cause set (caller frees). */
int sandbox_notify_read(struct sandbox_child *child, char **cause,
			struct sandbox_violation *v) WARN_UNUSED;

/* Sends sig to the init, which forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGUSR1, SIGUSR2, SIGCONT, SIGTSTP and SIGWINCH to the program; SIGKILL
 * and SIGSTOP act on the init (SIGKILL ends the whole sandbox).
 * Returns: 0, or -errno (-ESRCH once reaped). */
int sandbox_kill(struct sandbox_child *child, int sig) WARN_UNUSED;

/* Freezes every process of the sandbox (cgroup v2 cgroup.freeze, waiting up
 * to a second for cgroup.events to say "frozen 1"), or sends SIGSTOP to its
 * process group when there is no v2 group.  sandbox_resume() undoes it.
 * Returns: 0, or -errno with *cause set (caller frees). */
int sandbox_pause(struct sandbox_child *child, char **cause) WARN_UNUSED;
int sandbox_resume(struct sandbox_child *child, char **cause) WARN_UNUSED;

/* Reaps the sandbox once it has ended (call it when the pidfd is readable).
 * Returns: 0; -EAGAIN while it runs; -ECHILD when already reaped.
 * Out: *wstatus, the program's wait status as the init saw it, or the
 * init's own when the init died first (SIGKILL from sandbox_kill(), a
 * strict-mode violation or the supervisor's death). */
int sandbox_reap(struct sandbox_child *child, int *wstatus) WARN_UNUSED;

/* Returns: why the program ended, for humans (caller frees):
 * "stopped by its seccomp policy: syscall ptrace (101)", "exited with
 * status 1", "killed by SIGTERM", "killed by the out-of-memory killer
 * (memory limit 33554432 bytes)", "killed by SIGSYS: it made a system call
 * of another ABI (x32 or i386), which its seccomp policy rejects".
 * In: wstatus from sandbox_reap(). */
char *sandbox_exit_desc(const struct sandbox_child *child, int wstatus);

/* Removes the sandbox's cgroups (and chainbox/<network> and chainbox/ when
 * they are empty).  Call it after sandbox_reap(); later calls do nothing.
 * Returns: 0, or -errno with *cause set (caller frees), e.g. -EBUSY when
 * processes are left in a group. */
int sandbox_cleanup(struct sandbox_child *child, char **cause) WARN_UNUSED;

/* Kills (SIGKILL) and reaps the sandbox if that has not been done, removes
 * its cgroups, closes its fds and frees child; NULL does nothing. */
void sandbox_child_free(struct sandbox_child *child);

#endif
