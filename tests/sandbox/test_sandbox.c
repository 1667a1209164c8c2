/* Tests for sandbox/: real processes under the real policy.  Each test
 * spawns tests/sandbox/probe (next to this program), which performs the
 * actions it is given inside the sandbox and prints what happened, while
 * run_wait() plays the supervisor: it reads the probe's stdout and stderr,
 * answers seccomp notifications and reaps it.
 *
 * Needs root (CAP_SYS_ADMIN): without it the test checks that spawning
 * fails with a clear error, and exits 77 (skipped). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "sandbox.h"

#define MAX_VIOLATIONS 64

/* What one run of the probe produced. */
struct run {
	char out[32768];
	size_t nout;
	char err[4096];
	size_t nerr;
	struct sandbox_violation v[MAX_VIOLATIONS];
	size_t nv;
	int wstatus;
	char *desc; /* sandbox_exit_desc() */
	char limits[256];
	bool timed_out;
};

static char probe[PATH_MAX]; /* the probe program */
static char probe_dir[PATH_MAX]; /* its directory, bound read-only */
static char *data_dir; /* the probe's writable directory */
static char *scratch; /* a host directory outside the sandbox */
static const char *ro_paths[2];
static struct sandbox_prog *filter;
static char net_name[32]; /* a cgroup network name of our own */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The policy most tests use: the probe's directory read-only, data_dir
 * writable, no cgroups. */
static void
base_policy(struct sandbox_policy *pol, enum sandbox_seccomp mode)
{
	memset(pol, 0, sizeof(*pol));
	pol->seccomp = mode;
	pol->data_dir = data_dir;
	pol->ro_paths = ro_paths;
}

/* Spawns the probe with actions; its stdout and stderr are pipes.
 * Returns: sandbox_spawn()'s result. */
static int
run_spawn(struct sandbox_child **c, char **cause, const struct sandbox_policy *pol,
	  const char *const *actions, int *out, int *err)
{
	char *argv[64];
	int po[2], pe[2], rc;
	size_t n = 0;

	argv[n++] = probe;
	while (actions != NULL && *actions != NULL && n < 63)
		argv[n++] = (char *)*actions++;
	argv[n] = NULL;
	CU_ASSERT_FATAL(pipe2(po, O_CLOEXEC) == 0);
	CU_ASSERT_FATAL(pipe2(pe, O_CLOEXEC) == 0);
	*cause = NULL;
	rc = sandbox_spawn(c, cause, filter, pol, argv, NULL, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	*out = po[0];
	*err = pe[0];
	return rc;
}

/* Reads what is there from fd into buf; closes it at EOF. */
static void
run_drain(int *fd, char *buf, size_t size, size_t *n)
{
	ssize_t r;

	r = read(*fd, buf + *n, size - 1 - *n);
	if (r > 0) {
		*n += (size_t)r;
		buf[*n] = '\0';
	} else if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR)) {
		close(*fd);
		*fd = -1;
	}
}

/* Plays the supervisor until the sandbox has ended and its output is
 * read, or timeout_ms passed (then it is killed and timed_out set).  Does
 * not free c. */
static void
run_wait(struct sandbox_child *c, struct run *r, int out, int err, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int nfd = sandbox_child_notify_fd(c);
	bool ended = false;
	char *cause = NULL;
	int rc;

	while (!ended || out != -1 || err != -1) {
		struct pollfd p[4] = {
			{ out, POLLIN, 0 },
			{ err, POLLIN, 0 },
			{ nfd, POLLIN, 0 },
			{ ended ? -1 : sandbox_child_pidfd(c), POLLIN, 0 },
		};
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			r->timed_out = true;
			rc = sandbox_kill(c, SIGKILL);
			CU_ASSERT(rc == 0 || rc == -ESRCH);
			deadline = now_ms() + 2000;
			timeout_ms = 0;
			continue;
		}
		if (poll(p, 4, (int)left) <= 0)
			continue;
		if (p[0].revents)
			run_drain(&out, r->out, sizeof(r->out), &r->nout);
		if (p[1].revents)
			run_drain(&err, r->err, sizeof(r->err), &r->nerr);
		if (p[2].revents) {
			struct sandbox_violation v;

			rc = sandbox_notify_read(c, &cause, &v);
			if (rc == 0 && r->nv < MAX_VIOLATIONS)
				r->v[r->nv++] = v;
			else if (rc == -EPIPE)
				nfd = -1;
			else if (rc < 0 && rc != -EAGAIN && rc != -ENOENT) {
				fprintf(stderr, "sandbox_notify_read: %s\n", cause);
				CU_FAIL("sandbox_notify_read failed");
				free(cause);
				cause = NULL;
				nfd = -1;
			}
		}
		if (p[3].revents) {
			rc = sandbox_reap(c, &r->wstatus);
			if (rc == 0)
				ended = true;
			else
				CU_ASSERT_EQUAL(rc, -EAGAIN);
		}
	}
	/* Notifications still queued when the sandbox ended. */
	while (nfd != -1) {
		struct sandbox_violation v;

		rc = sandbox_notify_read(c, &cause, &v);
		if (rc != 0)
			break;
		if (r->nv < MAX_VIOLATIONS)
			r->v[r->nv++] = v;
	}
	free(cause);
	r->desc = sandbox_exit_desc(c, r->wstatus);
	snprintf(r->limits, sizeof(r->limits), "%s", sandbox_limits_desc(c));
}

/* Runs the probe to its end under pol; a failed spawn fails the test. */
static struct run *
run_probe(const struct sandbox_policy *pol, const char *const *actions)
{
	struct sandbox_child *c = NULL;
	struct run *r = calloc(1, sizeof(*r));
	char *cause = NULL;
	int out, err, rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	rc = run_spawn(&c, &cause, pol, actions, &out, &err);
	if (rc != 0) {
		fprintf(stderr, "sandbox_spawn: %s\n", cause ? cause : "?");
		free(cause);
		close(out);
		close(err);
		CU_FAIL_FATAL("sandbox_spawn failed");
	}
	run_wait(c, r, out, err, 5000);
	CU_ASSERT_FALSE(r->timed_out);
	sandbox_child_free(c);
	return r;
}

static void
run_free(struct run *r)
{
	if (r == NULL)
		return;
	free(r->desc);
	free(r);
}

/* Shows what a run produced, when a test fails on it. */
static void
run_dump(const char *test, const struct run *r)
{
	size_t i;

	fprintf(stderr, "%s: %s; limits: %s\nstdout:\n%sstderr:\n%s", test,
		r->desc ? r->desc : "?", r->limits, r->out, r->err);
	for (i = 0; i < r->nv; i++)
		fprintf(stderr, "violation: %s (%d)\n", r->v[i].name, r->v[i].nr);
}

/* Returns: whether the probe printed exactly this line. */
static bool
has_line(const struct run *r, const char *line)
{
	size_t n = strlen(line);
	const char *p = r->out;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == r->out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
		p++;
	}
	return false;
}

/* Asserts has_line(), showing the output when it fails. */
#define ASSERT_LINE(r, line)                                                   \
	do {                                                                   \
		if (!has_line((r), (line)))                                    \
			fprintf(stderr, "%s:%d: no line '%s' in:\n%s\n",       \
				__FILE__, __LINE__, (line), (r)->out);         \
		CU_ASSERT(has_line((r), (line)));                              \
	} while (0)

/* ---- the tests ------------------------------------------------------- */

static void
test_sandbox_prepare(void)
{
	struct sandbox_policy pol;
	struct sandbox_prog *p = NULL;
	char *cause = NULL;

	base_policy(&pol, SANDBOX_SECCOMP_LOG);
	CU_ASSERT_EQUAL(sandbox_prepare(&p, &cause, &pol), 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	sandbox_prog_free(p);
	base_policy(&pol, SANDBOX_SECCOMP_OFF);
	CU_ASSERT_EQUAL(sandbox_prepare(&p, &cause, &pol), 0);
	sandbox_prog_free(p);
	sandbox_prog_free(NULL);
	sandbox_child_free(NULL);
}

/* Expects sandbox_spawn() to fail with rc and a cause containing want. */
static void
expect_spawn_error(const struct sandbox_policy *pol, const struct sandbox_prog *prog,
		   char *const argv[], int rc, const char *want)
{
	struct sandbox_child *c = NULL;
	char *cause = NULL;
	int got;

	got = sandbox_spawn(&c, &cause, prog, pol, argv, NULL, -1, -1);
	if (got != rc || cause == NULL || strstr(cause, want) == NULL)
		fprintf(stderr, "expected %d '%s', got %d '%s'\n", rc, want, got,
			cause ? cause : "(null)");
	CU_ASSERT_EQUAL(got, rc);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, want));
	CU_ASSERT_PTR_NULL(c);
	free(cause);
}

static void
test_sandbox_spawn_rejects_bad_policies(void)
{
	char *argv[] = { probe, NULL }, *rel[] = { "probe", NULL }, *none[] = { NULL };
	const char *root_ro[] = { "/", NULL }, *proc_ro[] = { "/proc/self", NULL };
	const char *missing_ro[] = { "/nonexistent-chainbox", NULL };
	struct sandbox_policy pol;
	char link[PATH_MAX + 16], file[PATH_MAX + 16];
	const char *link_ro[] = { link, NULL };

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	expect_spawn_error(&pol, filter, rel, -EINVAL, "the program 'probe' is not an absolute path");
	expect_spawn_error(&pol, filter, none, -EINVAL, "no program to run");
	expect_spawn_error(&pol, NULL, argv, -EINVAL, "no filter was prepared");

	pol.data_dir = "tmp/data";
	expect_spawn_error(&pol, filter, argv, -EINVAL,
			   "data directory 'tmp/data' is not an absolute path");
	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	snprintf(file, sizeof(file), "%s/file", scratch);
	free(harness_write(scratch, "file", "x"));
	pol.data_dir = file;
	expect_spawn_error(&pol, filter, argv, -ENOTDIR, "is not a directory");

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.ro_paths = root_ro;
	expect_spawn_error(&pol, filter, argv, -EINVAL,
			   "read-only path '/' cannot be bound");
	pol.ro_paths = proc_ro;
	expect_spawn_error(&pol, filter, argv, -EINVAL,
			   "read-only path '/proc/self' cannot be bound");
	pol.ro_paths = missing_ro;
	expect_spawn_error(&pol, filter, argv, -ENOENT,
			   "cannot resolve read-only path '/nonexistent-chainbox': "
			   "No such file or directory");
	snprintf(link, sizeof(link), "%s/link", scratch);
	CU_ASSERT_FATAL(symlink(probe_dir, link) == 0);
	pol.ro_paths = link_ro;
	expect_spawn_error(&pol, filter, argv, -EINVAL, "is not canonical");
	unlink(link);

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.network = "net";
	expect_spawn_error(&pol, filter, argv, -EINVAL,
			   "a cgroup needs both a network and a node name");
	pol.node = "../x";
	expect_spawn_error(&pol, filter, argv, -EINVAL, "invalid node name '../x'");
	pol.network = "a/b";
	pol.node = "n";
	expect_spawn_error(&pol, filter, argv, -EINVAL, "invalid network name 'a/b'");
}

static void
test_sandbox_exec_errors(void)
{
	struct sandbox_policy pol;
	char missing[PATH_MAX + 32], plain[PATH_MAX + 32], want[2 * PATH_MAX];
	char *argv[2] = { NULL, NULL }, *path;
	const char *ro[3] = { probe_dir, NULL, NULL };
	char dir[PATH_MAX];

	/* A file that is not there. */
	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	snprintf(missing, sizeof(missing), "%s/no-such-program", probe_dir);
	argv[0] = missing;
	snprintf(want, sizeof(want),
		 "cannot execute '%s': No such file or directory", missing);
	expect_spawn_error(&pol, filter, argv, -ENOENT, want);

	/* A file without execute permission, in a read-only path. */
	snprintf(dir, sizeof(dir), "%s", scratch);
	path = harness_write(dir, "plain", "#!/bin/sh\nexit 0\n");
	snprintf(plain, sizeof(plain), "%s", path);
	free(path);
	CU_ASSERT_FATAL(chmod(plain, 0644) == 0);
	ro[1] = dir;
	pol.ro_paths = ro;
	argv[0] = plain;
	snprintf(want, sizeof(want), "cannot execute '%s': Permission denied", plain);
	expect_spawn_error(&pol, filter, argv, -EACCES, want);

	/* An executable that exists on the host but not in the sandbox. */
	CU_ASSERT_FATAL(chmod(plain, 0755) == 0);
	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	snprintf(want, sizeof(want), "cannot execute '%s': No such file or "
		 "directory (it exists outside the sandbox: add its directory "
		 "to the read-only paths)", plain);
	expect_spawn_error(&pol, filter, argv, -ENOENT, want);

	/* A step of the child's set-up that fails: an RLIMIT_NOFILE above
	 * the kernel's nr_open. */
	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.files = (uint64_t)1 << 40;
	argv[0] = probe;
	expect_spawn_error(&pol, filter, argv, -EPERM,
			   "cannot set the resource limit 'RLIMIT_NOFILE': "
			   "Operation not permitted");
}

static void
test_sandbox_legit_actions(void)
{
	char wr[PATH_MAX + 16], host[PATH_MAX + 16], text[PATH_MAX + 32] = "";
	const char *actions[] = {
		wr, "read:/etc/hostname", "listen", "threads", "getrandom", "mmap",
		"epoll", "fork", "stderr", "read:/dev/urandom", "write:/dev/null",
		"write:/tmp/scratch", NULL,
	};
	struct sandbox_policy pol;
	struct run *r;
	FILE *f;

	snprintf(wr, sizeof(wr), "write:%s/node.db", data_dir);
	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	r = run_probe(&pol, actions);
	CU_ASSERT_EQUAL(r->nv, 0);
	if (r->nv > 0)
		fprintf(stderr, "unexpected violation: %s (%d)\n", r->v[0].name, r->v[0].nr);
	CU_ASSERT(WIFEXITED(r->wstatus) && WEXITSTATUS(r->wstatus) == 0);
	CU_ASSERT_STRING_EQUAL(r->desc, "exited with status 0");
	snprintf(text, sizeof(text), "%s ok", wr);
	ASSERT_LINE(r, text);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "read:/etc/hostname ok "));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "listen ok port "));
	ASSERT_LINE(r, "threads ok");
	ASSERT_LINE(r, "getrandom ok");
	ASSERT_LINE(r, "mmap ok");
	ASSERT_LINE(r, "epoll ok");
	ASSERT_LINE(r, "fork ok");
	ASSERT_LINE(r, "stderr ok");
	ASSERT_LINE(r, "write:/dev/null ok");
	ASSERT_LINE(r, "write:/tmp/scratch ok");
	CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "read:/dev/urandom ok"));
	CU_ASSERT_STRING_EQUAL(r->err, "probe stderr\n");
	/* The write reached the host's data directory. */
	snprintf(host, sizeof(host), "%s/node.db", data_dir);
	f = fopen(host, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(text, sizeof(text), f));
	CU_ASSERT_STRING_EQUAL(text, "hello\n");
	fclose(f);
	run_free(r);
}

/* A raw syscall the node policy never allows, and its name. */
static const struct {
	const char *action;
	const char *name;
} denied[] = {
	{ "ptrace", "ptrace" },
	{ "process_vm_readv", "process_vm_readv" },
	{ "mount", "mount" },
	{ "umount2", "umount2" },
	{ "pivot_root", "pivot_root" },
	{ "bpf", "bpf" },
	{ "perf_event_open", "perf_event_open" },
	{ "kexec_load", "kexec_load" },
	{ "init_module", "init_module" },
	{ "keyctl", "keyctl" },
	{ "add_key", "add_key" },
	{ "userfaultfd", "userfaultfd" },
	{ "unshare", "unshare" },
	{ "setns", "setns" },
	{ "clone_newuser", "clone" },
	{ "personality", "personality" },
};

static void
test_sandbox_strict_kills_and_reports(void)
{
	struct sandbox_policy pol;
	char want[128], ran[64];
	size_t i;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	for (i = 0; i < ARRAY_SIZE(denied); i++) {
		const char *actions[] = { "getpid", denied[i].action, "getpid", NULL };
		int nr = seccomp_syscall_resolve_name(denied[i].name);
		struct run *r = run_probe(&pol, actions);

		CU_ASSERT_EQUAL(r->nv, 1);
		if (r->nv >= 1) {
			if (strcmp(r->v[0].name, denied[i].name) != 0)
				fprintf(stderr, "%s: reported %s\n", denied[i].action,
					r->v[0].name);
			CU_ASSERT_STRING_EQUAL(r->v[0].name, denied[i].name);
			CU_ASSERT_EQUAL(r->v[0].nr, nr);
			CU_ASSERT_EQUAL(r->v[0].arch, seccomp_arch_native());
			CU_ASSERT_EQUAL(r->v[0].verdict, SANDBOX_KILLED);
			CU_ASSERT(r->v[0].pid > 0);
		}
		snprintf(want, sizeof(want),
			 "stopped by its seccomp policy: syscall %s (%d)",
			 denied[i].name, nr);
		if (strcmp(r->desc, want) != 0)
			fprintf(stderr, "%s: %s\n", denied[i].action, r->desc);
		CU_ASSERT_STRING_EQUAL(r->desc, want);
		CU_ASSERT(WIFSIGNALED(r->wstatus) && WTERMSIG(r->wstatus) == SIGKILL);
		/* It got as far as the call, and never past it. */
		ASSERT_LINE(r, "getpid ok 2");
		snprintf(ran, sizeof(ran), "%s ret", denied[i].action);
		CU_ASSERT_PTR_NULL(strstr(r->out, ran));
		run_free(r);
	}
}

/* Once the sandbox has ended, the listener says so. */
static void
test_sandbox_notify_after_the_end(void)
{
	const char *actions[] = { "ptrace", NULL };
	struct sandbox_child *c = NULL;
	struct sandbox_violation v;
	struct sandbox_policy pol;
	char *cause = NULL;
	int out, err, rc;
	struct run r;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL_FATAL(run_spawn(&c, &cause, &pol, actions, &out, &err), 0);
	run_wait(c, &r, out, err, 3000);
	CU_ASSERT_EQUAL(r.nv, 1);
	rc = sandbox_notify_read(c, &cause, &v);
	CU_ASSERT_EQUAL(rc, -EPIPE);
	free(r.desc);
	sandbox_child_free(c);
}

/* seccomp off: no filter, no listener; the rest of the sandbox stays. */
static void
test_sandbox_seccomp_off(void)
{
	const char *actions[] = { "personality", "sched_getscheduler", "getpid",
				  "status", NULL };
	char *argv[] = { probe, "sleep:2000", NULL }, *cause = NULL;
	struct sandbox_child *c = NULL;
	struct sandbox_violation v;
	struct sandbox_policy pol;
	struct run *r;

	base_policy(&pol, SANDBOX_SECCOMP_OFF);
	r = run_probe(&pol, actions);
	CU_ASSERT_EQUAL(r->nv, 0);
	ASSERT_LINE(r, "personality ret 0 errno 0");
	ASSERT_LINE(r, "sched_getscheduler ret 0 errno 0");
	ASSERT_LINE(r, "getpid ok 2");
	CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "NoNewPrivs=1 Seccomp=0"));
	run_free(r);

	CU_ASSERT_EQUAL_FATAL(sandbox_spawn(&c, &cause, NULL, &pol, argv, NULL, -1, -1), 0);
	CU_ASSERT_EQUAL(sandbox_child_notify_fd(c), -1);
	CU_ASSERT_EQUAL(sandbox_notify_read(c, &cause, &v), -EBADF);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);
	sandbox_child_free(c); /* kills and reaps it */
}

static void
test_sandbox_log_reports_and_continues(void)
{
	const char *actions[ARRAY_SIZE(denied) + 3];
	struct sandbox_policy pol;
	char line[96];
	struct run *r;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(denied); i++)
		actions[i] = denied[i].action;
	actions[i++] = "sched_getscheduler"; /* outside the allowlist, harmless */
	actions[i++] = "getpid";
	actions[i] = NULL;
	base_policy(&pol, SANDBOX_SECCOMP_LOG);
	r = run_probe(&pol, actions);
	CU_ASSERT(WIFEXITED(r->wstatus) && WEXITSTATUS(r->wstatus) == 0);
	CU_ASSERT_STRING_EQUAL(r->desc, "exited with status 0");
	CU_ASSERT_EQUAL(r->nv, ARRAY_SIZE(denied) + 1);
	/* Each never-allowed call was reported, in order, and failed with
	 * EPERM. */
	for (i = 0, j = 0; i < ARRAY_SIZE(denied) && j < r->nv; i++, j++) {
		CU_ASSERT_STRING_EQUAL(r->v[j].name, denied[i].name);
		CU_ASSERT_EQUAL(r->v[j].nr, seccomp_syscall_resolve_name(denied[i].name));
		CU_ASSERT_EQUAL(r->v[j].verdict, SANDBOX_DENIED);
		CU_ASSERT_EQUAL(r->v[j].err, EPERM);
		snprintf(line, sizeof(line), "%s ret -1 errno %d", denied[i].action, EPERM);
		ASSERT_LINE(r, line);
	}
	/* Anything else is reported and goes through. */
	if (r->nv == ARRAY_SIZE(denied) + 1) {
		CU_ASSERT_STRING_EQUAL(r->v[r->nv - 1].name, "sched_getscheduler");
		CU_ASSERT_EQUAL(r->v[r->nv - 1].verdict, SANDBOX_ALLOWED);
	}
	ASSERT_LINE(r, "sched_getscheduler ret 0 errno 0");
	ASSERT_LINE(r, "getpid ok 2");
	run_free(r);
}

static void
test_sandbox_enosys_is_silent(void)
{
	const char *actions[] = { "io_uring_setup", "clone3", "newsys", "threads", NULL };
	struct sandbox_policy pol;
	struct run *r;
	char line[64];

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	r = run_probe(&pol, actions);
	CU_ASSERT_EQUAL(r->nv, 0);
	CU_ASSERT(WIFEXITED(r->wstatus) && WEXITSTATUS(r->wstatus) == 0);
	snprintf(line, sizeof(line), "io_uring_setup ret -1 errno %d", ENOSYS);
	ASSERT_LINE(r, line);
	snprintf(line, sizeof(line), "clone3 ret -1 errno %d", ENOSYS);
	ASSERT_LINE(r, line);
	snprintf(line, sizeof(line), "newsys ret -1 errno %d", ENOSYS);
	ASSERT_LINE(r, line);
	/* glibc's pthread_create falls back from clone3 to clone. */
	ASSERT_LINE(r, "threads ok");
	run_free(r);
}

static void
test_sandbox_foreign_abi_is_killed(void)
{
	static const char *const abis[] = { "x32", "i386" };
	struct sandbox_policy pol;
	size_t i;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	for (i = 0; i < ARRAY_SIZE(abis); i++) {
		const char *actions[] = { abis[i], NULL };
		struct run *r = run_probe(&pol, actions);

		CU_ASSERT_EQUAL(r->nv, 0);
		CU_ASSERT(WIFSIGNALED(r->wstatus) && WTERMSIG(r->wstatus) == SIGSYS);
		CU_ASSERT_STRING_EQUAL(r->desc,
				       "killed by SIGSYS: it made a system call of another "
				       "ABI (x32 or i386), which its seccomp policy rejects");
		CU_ASSERT_PTR_NULL(strstr(r->out, " ret "));
		run_free(r);
	}
}

/* Returns: the sorted, space-separated top-level entries the sandbox's /
 * must have on this host. */
static void
expected_root(char *buf, size_t size)
{
	static const char *const sys[] = { "bin", "lib", "lib64", "sbin", "usr" };
	const char *bound[] = { probe_dir, data_dir };
	char tops[ARRAY_SIZE(bound)][NAME_MAX + 1];
	const char *names[16];
	struct stat st;
	char path[64];
	size_t n = 0, i, j, len = 0;

	names[n++] = "dev";
	names[n++] = "etc";
	names[n++] = "proc";
	names[n++] = "tmp";
	for (i = 0; i < ARRAY_SIZE(sys); i++) {
		snprintf(path, sizeof(path), "/%s", sys[i]);
		if (lstat(path, &st) == 0)
			names[n++] = sys[i];
	}
	/* The first component of each bound path appears too (the build may
	 * live anywhere, /check/work/main/build say), once. */
	for (i = 0; i < ARRAY_SIZE(bound); i++) {
		size_t k = strcspn(bound[i] + 1, "/");

		snprintf(tops[i], sizeof(tops[i]), "%.*s", (int)k, bound[i] + 1);
		for (j = 0; j < n && strcmp(names[j], tops[i]) != 0; j++)
			;
		if (j == n)
			names[n++] = tops[i];
	}
	for (i = 0; i < n; i++) { /* insertion sort */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? " " : "", names[i]);
}

static void
test_sandbox_filesystem_view(void)
{
	char outside[PATH_MAX + 16], ro_write[PATH_MAX + 16], root[256];
	char line[PATH_MAX + 64];
	char *host_file;
	const char *actions[] = {
		"ls:/", "stat:/root", "stat:/work", "stat:/home", "stat:/etc/shadow",
		"stat:/var", outside, "write:/usr/x", "write:/x", "write:/etc/x",
		ro_write, "rdonly:/proc/sys", "rdonly:/proc/sysrq-trigger",
		"rdonly:/", "rdonly:/usr", "rdonly:/tmp", "ls:/dev", "getpid",
		"hostname", "status", NULL,
	};
	struct sandbox_policy pol;
	struct run *r;

	/* The scratch directory is a host path outside every bound path. */
	host_file = harness_write(scratch, "secret", "host only\n");
	snprintf(outside, sizeof(outside), "stat:%s", host_file);
	snprintf(ro_write, sizeof(ro_write), "write:%s/x", probe_dir);
	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	r = run_probe(&pol, actions);
	CU_ASSERT_EQUAL(r->nv, 0);
	CU_ASSERT(WIFEXITED(r->wstatus) && WEXITSTATUS(r->wstatus) == 0);

	expected_root(root, sizeof(root));
	snprintf(line, sizeof(line), "ls:/ ok %s", root);
	ASSERT_LINE(r, line);
	ASSERT_LINE(r, "stat:/root errno 2");
	ASSERT_LINE(r, "stat:/work errno 2");
	ASSERT_LINE(r, "stat:/home errno 2");
	ASSERT_LINE(r, "stat:/etc/shadow errno 2");
	ASSERT_LINE(r, "stat:/var errno 2");
	snprintf(line, sizeof(line), "%s errno 2", outside);
	ASSERT_LINE(r, line);
	ASSERT_LINE(r, "write:/usr/x errno 30");
	ASSERT_LINE(r, "write:/x errno 30");
	ASSERT_LINE(r, "write:/etc/x errno 30");
	snprintf(line, sizeof(line), "%s errno 30", ro_write);
	ASSERT_LINE(r, line);
	ASSERT_LINE(r, "rdonly:/proc/sys ok yes");
	/* Not every kernel has it (CONFIG_MAGIC_SYSRQ). */
	if (access("/proc/sysrq-trigger", F_OK) == 0)
		ASSERT_LINE(r, "rdonly:/proc/sysrq-trigger ok yes");
	else
		ASSERT_LINE(r, "rdonly:/proc/sysrq-trigger errno 2");
	ASSERT_LINE(r, "rdonly:/ ok yes");
	ASSERT_LINE(r, "rdonly:/usr ok yes");
	ASSERT_LINE(r, "rdonly:/tmp ok no");
	ASSERT_LINE(r, "ls:/dev ok fd null random stderr stdin stdout urandom zero");
	/* pid 1 is the init; the probe is its only child. */
	ASSERT_LINE(r, "getpid ok 2");
	ASSERT_LINE(r, "hostname ok chainbox");
	ASSERT_LINE(r, "status ok CapInh=0000000000000000 CapPrm=0000000000000000 "
		       "CapEff=0000000000000000 CapBnd=0000000000000000 "
		       "CapAmb=0000000000000000 NoNewPrivs=1 Seccomp=2");
	run_free(r);
	free(host_file);
}

/* Returns: our own cgroup's directory in the v1 hierarchy of ctrl, if
 * that hierarchy is mounted at /sys/fs/cgroup/<ctrl> and writable; else
 * NULL (caller frees). */
static char *
v1_own_dir(const char *ctrl)
{
	char line[512], *path = NULL, mnt[64];
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (f == NULL)
		return NULL;
	while (path == NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':'), *p;

		if (c == NULL || (p = strchr(c + 1, ':')) == NULL)
			continue;
		*p = '\0';
		p[strcspn(p + 1, "\n") + 1] = '\0';
		if (strcmp(c + 1, ctrl) == 0 || strncmp(c + 1, ctrl, strlen(ctrl)) == 0) {
			snprintf(mnt, sizeof(mnt), "/sys/fs/cgroup/%s", ctrl);
			if (asprintf(&path, "%s%s", mnt, strcmp(p + 1, "/") == 0 ? "" : p + 1) < 0)
				path = NULL;
		}
	}
	fclose(f);
	if (path != NULL && access(path, W_OK) != 0) {
		free(path);
		path = NULL;
	}
	return path;
}

/* Returns: the first line of dir/chainbox/<net>/<node>/file, or "". */
static void
read_group_file(char *buf, size_t size, const char *own, const char *node,
		const char *file)
{
	char path[PATH_MAX];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/chainbox/%s/%s/%s", own, net_name, node, file);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	if (fgets(buf, (int)size, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static bool
group_exists(const char *own, const char *node)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/chainbox/%s/%s", own, net_name, node);
	return stat(path, &st) == 0;
}

/* Returns: the RLIMIT_NOFILE the sandbox should give by default: 65536,
 * or our hard limit when that is lower and we cannot raise it (bit 24 of
 * CapEff is CAP_SYS_RESOURCE). */
static unsigned long long
default_files(void)
{
	unsigned long long eff = 0;
	struct rlimit rl;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "CapEff:", 7) == 0)
			eff = strtoull(line + 7, NULL, 16);
	}
	if (f != NULL)
		fclose(f);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < SANDBOX_DEFAULT_FILES && !(eff & (1ULL << 24)))
		return rl.rlim_max;
	return SANDBOX_DEFAULT_FILES;
}

static void
test_sandbox_limits(void)
{
	const char *actions[] = { "rlimit", "cgroup", "forks:20", NULL };
	char *mem = v1_own_dir("memory"), *pids = v1_own_dir("pids");
	char *cpu = v1_own_dir("cpu"), text[256], line[256], *cause = NULL;
	struct sandbox_child *c = NULL;
	struct sandbox_policy pol;
	struct run r;
	int out, err, k = -1;
	const char *p;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.files = 4321;
	pol.address_space = (uint64_t)8 << 30;
	pol.memory = (uint64_t)64 << 20;
	pol.pids = 8;
	pol.cpu_milli = 500;
	pol.network = net_name;
	pol.node = "limits-1";
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL_FATAL(run_spawn(&c, &cause, &pol, actions, &out, &err), 0);
	run_wait(c, &r, out, err, 5000);
	if (!WIFEXITED(r.wstatus) || WEXITSTATUS(r.wstatus) != 0 || r.nv != 0)
		run_dump(__func__, &r);
	CU_ASSERT(WIFEXITED(r.wstatus) && WEXITSTATUS(r.wstatus) == 0);
	CU_ASSERT_EQUAL(r.nv, 0);
	ASSERT_LINE(&r, "rlimit ok nofile 4321 4321 core 0 as 8589934592");

	if (mem != NULL && pids != NULL && cpu != NULL) {
		/* This host's layout: v1 memory, pids and cpu we can write. */
		CU_ASSERT_PTR_NOT_NULL(strstr(r.limits, "cgroup v1 memory,pids,cpu"));
		read_group_file(text, sizeof(text), mem, "limits-1", "memory.limit_in_bytes");
		CU_ASSERT_STRING_EQUAL(text, "67108864");
		read_group_file(text, sizeof(text), pids, "limits-1", "pids.max");
		CU_ASSERT_STRING_EQUAL(text, "8");
		read_group_file(text, sizeof(text), cpu, "limits-1", "cpu.cfs_quota_us");
		CU_ASSERT_STRING_EQUAL(text, "50000");
		read_group_file(text, sizeof(text), cpu, "limits-1", "cpu.cfs_period_us");
		CU_ASSERT_STRING_EQUAL(text, "100000");
		/* The probe ran inside them. */
		snprintf(line, sizeof(line), "/chainbox/%s/limits-1;", net_name);
		p = strstr(r.out, "cgroup ok ");
		CU_ASSERT_PTR_NOT_NULL(p);
		CU_ASSERT_PTR_NOT_NULL(p != NULL ? strstr(p, line) : NULL);
		/* pids.max = 8 counts the init and the probe. */
		p = strstr(r.out, "forks:20 ok ");
		if (p != NULL)
			k = atoi(p + strlen("forks:20 ok "));
		CU_ASSERT(k >= 1 && k <= 6);
		CU_ASSERT(group_exists(mem, "limits-1"));
		CU_ASSERT_EQUAL(sandbox_cleanup(c, &cause), 0);
		CU_ASSERT_FALSE(group_exists(mem, "limits-1"));
		CU_ASSERT_FALSE(group_exists(pids, "limits-1"));
		CU_ASSERT_FALSE(group_exists(cpu, "limits-1"));
	} else {
		fprintf(stderr, "test_sandbox_limits: no writable v1 memory, pids "
				"and cpu hierarchies here; checking that the sandbox "
				"says what it does instead: %s\n", r.limits);
		CU_ASSERT(strncmp(r.limits, "rlimits only", 12) == 0 ||
			  strstr(r.limits, "cgroup v2") != NULL);
		CU_ASSERT_EQUAL(sandbox_cleanup(c, &cause), 0);
	}
	CU_ASSERT_EQUAL(sandbox_cleanup(c, &cause), 0); /* again: nothing */
	sandbox_child_free(c);
	free(r.desc);
	free(cause);
	free(mem);
	free(pids);
	free(cpu);

	/* No cgroup asked for: the description says so. */
	{
		const char *rl[] = { "rlimit", NULL };
		struct run *q;

		base_policy(&pol, SANDBOX_SECCOMP_STRICT);
		q = run_probe(&pol, rl);
		CU_ASSERT(strncmp(q->limits, "rlimits only: no cgroup was asked for",
				  37) == 0);
		snprintf(line, sizeof(line), "rlimit ok nofile %llu %llu core 0 as -1",
			 default_files(), default_files());
		ASSERT_LINE(q, line);
		if (default_files() != SANDBOX_DEFAULT_FILES) {
			fprintf(stderr, "test_sandbox_limits: no CAP_SYS_RESOURCE here: "
					"RLIMIT_NOFILE is %llu, not %d (%s)\n",
				default_files(), SANDBOX_DEFAULT_FILES, q->limits);
			CU_ASSERT_PTR_NOT_NULL(strstr(q->limits, "needs CAP_SYS_RESOURCE"));
		}
		run_free(q);
	}
}

/* Two sandboxes cannot be the same node of the same network. */
static void
test_sandbox_cgroup_in_use(void)
{
	char *argv[] = { probe, "sleep:5000", NULL }, *cause = NULL;
	struct sandbox_child *c = NULL, *d = NULL;
	struct sandbox_policy pol;
	int rc;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.network = net_name;
	pol.node = "busy-1";
	CU_ASSERT_EQUAL_FATAL(sandbox_spawn(&c, &cause, filter, &pol, argv, NULL, -1, -1), 0);
	if (strncmp(sandbox_limits_desc(c), "rlimits only", 12) == 0) {
		fprintf(stderr, "test_sandbox_cgroup_in_use: no writable cgroup "
				"hierarchy here; nothing to collide\n");
	} else {
		rc = sandbox_spawn(&d, &cause, filter, &pol, argv, NULL, -1, -1);
		CU_ASSERT_EQUAL(rc, -EBUSY);
		CU_ASSERT_PTR_NOT_NULL(cause != NULL ? strstr(cause, "is in use: is node "
							     "'busy-1' of network") : NULL);
		CU_ASSERT_PTR_NULL(d);
		free(cause);
	}
	sandbox_child_free(c);
	/* Its groups are gone, so the name can be used again. */
	cause = NULL;
	CU_ASSERT_EQUAL(sandbox_spawn(&c, &cause, filter, &pol, argv, NULL, -1, -1), 0);
	sandbox_child_free(c);
	free(cause);
}

static void
test_sandbox_memory_limit_kills(void)
{
	const char *actions[] = { "alloc:256", NULL };
	struct sandbox_policy pol;
	struct run *r;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.memory = (uint64_t)32 << 20;
	pol.network = net_name;
	pol.node = "oom-1";
	r = run_probe(&pol, actions);
	if (strstr(r->limits, "memory") == NULL || strstr(r->limits, "not enforced")) {
		fprintf(stderr, "test_sandbox_memory_limit_kills: no memory cgroup "
				"here (%s); the description must say so\n", r->limits);
		CU_ASSERT_PTR_NOT_NULL(strstr(r->limits, "memory"));
	} else {
		if (!WIFSIGNALED(r->wstatus))
			run_dump(__func__, r);
		CU_ASSERT(WIFSIGNALED(r->wstatus) && WTERMSIG(r->wstatus) == SIGKILL);
		CU_ASSERT_STRING_EQUAL(r->desc, "killed by the out-of-memory killer "
						"(memory limit 33554432 bytes)");
	}
	CU_ASSERT_PTR_NULL(strstr(r->out, "alloc:256 ok"));
	run_free(r);
}

/* Counts the "tick" lines read so far. */
static int
ticks(const struct run *r)
{
	int n = 0;
	const char *p = r->out;

	while ((p = strstr(p, "tick\n")) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* Reads out for ms milliseconds. */
static void
read_for(struct run *r, int *out, int ms)
{
	int64_t end = now_ms() + ms;

	while (*out != -1 && now_ms() < end) {
		struct pollfd p = { *out, POLLIN, 0 };

		if (poll(&p, 1, (int)(end - now_ms())) == 1)
			run_drain(out, r->out, sizeof(r->out), &r->nout);
	}
}

/* Reads out until it holds n ticks, or for ms milliseconds. */
static void
read_until_ticks(struct run *r, int *out, int n, int ms)
{
	int64_t end = now_ms() + ms;

	while (ticks(r) < n && *out != -1 && now_ms() < end)
		read_for(r, out, 20);
}

/* Pauses and resumes a ticking probe; with cgroups, through cgroup.freeze,
 * else through SIGSTOP to the process group. */
static void
check_pause(bool cgroups)
{
	const char *actions[] = { "tick", NULL };
	struct sandbox_child *c = NULL;
	struct sandbox_policy pol;
	char *cause = NULL;
	struct run r;
	int out, err, before;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	if (cgroups) {
		pol.network = net_name;
		pol.node = "pause-1";
	}
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL_FATAL(run_spawn(&c, &cause, &pol, actions, &out, &err), 0);
	CU_ASSERT_FATAL(fcntl(out, F_SETFL, O_NONBLOCK) == 0);
	if (cgroups && strstr(sandbox_limits_desc(c), "freeze") == NULL)
		fprintf(stderr, "check_pause: no cgroup v2 group here (%s); pausing "
				"with SIGSTOP\n", sandbox_limits_desc(c));
	read_until_ticks(&r, &out, 2, 3000);
	CU_ASSERT(ticks(&r) >= 2);
	CU_ASSERT_EQUAL(sandbox_pause(c, &cause), 0);
	read_for(&r, &out, 100); /* what was written before it stopped */
	before = ticks(&r);
	read_for(&r, &out, 250);
	CU_ASSERT_EQUAL(ticks(&r), before);
	CU_ASSERT_EQUAL(sandbox_resume(c, &cause), 0);
	read_until_ticks(&r, &out, before + 2, 3000);
	CU_ASSERT(ticks(&r) >= before + 2);
	CU_ASSERT_EQUAL(sandbox_kill(c, SIGKILL), 0);
	run_wait(c, &r, out, err, 2000);
	CU_ASSERT(WIFSIGNALED(r.wstatus) && WTERMSIG(r.wstatus) == SIGKILL);
	CU_ASSERT_EQUAL(sandbox_kill(c, SIGTERM), -ESRCH);
	CU_ASSERT_EQUAL(sandbox_pause(c, &cause), -ESRCH);
	free(cause);
	free(r.desc);
	sandbox_child_free(c);
}

static void
test_sandbox_pause_resume(void)
{
	check_pause(true);
	check_pause(false);
}

static void
test_sandbox_signals_reach_the_program(void)
{
	const char *actions[] = { "sleep:5000", NULL };
	struct sandbox_child *c = NULL;
	struct sandbox_policy pol;
	char *cause = NULL;
	int out, err, ws;
	struct run r;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL_FATAL(run_spawn(&c, &cause, &pol, actions, &out, &err), 0);
	CU_ASSERT_EQUAL(sandbox_reap(c, &ws), -EAGAIN);
	/* The init forwards SIGTERM; the probe dies of it, and the init
	 * passes on its status. */
	CU_ASSERT_EQUAL(sandbox_kill(c, SIGTERM), 0);
	run_wait(c, &r, out, err, 3000);
	CU_ASSERT_FALSE(r.timed_out);
	CU_ASSERT(WIFSIGNALED(r.wstatus) && WTERMSIG(r.wstatus) == SIGTERM);
	CU_ASSERT_STRING_EQUAL(r.desc, "killed by SIGTERM");
	CU_ASSERT_EQUAL(sandbox_reap(c, &ws), -ECHILD);
	free(r.desc);
	sandbox_child_free(c);

	/* An exit status comes through as it is. */
	{
		const char *ex[] = { "exit:3", NULL };
		struct run *q = run_probe(&pol, ex);

		CU_ASSERT(WIFEXITED(q->wstatus) && WEXITSTATUS(q->wstatus) == 3);
		CU_ASSERT_STRING_EQUAL(q->desc, "exited with status 3");
		run_free(q);
	}
}

static void
test_sandbox_netns(void)
{
	const char *actions[] = { "netdev", "listen", "hostname", NULL };
	struct sandbox_policy pol;
	struct run *r;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.netns = true;
	pol.network = net_name;
	pol.node = "validator-2";
	r = run_probe(&pol, actions);
	CU_ASSERT_EQUAL(r->nv, 0);
	/* Only loopback, and it is up: connecting to 127.0.0.1 works. */
	ASSERT_LINE(r, "netdev ok lo");
	CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "listen ok port "));
	ASSERT_LINE(r, "hostname ok validator-2");
	run_free(r);
}

/* The supervisor dies; the sandbox must die with it.  Our own child plays
 * the supervisor, and we are a subreaper, so the orphans come back to us
 * and are reaped by pid. */
static void
test_sandbox_dies_with_parent(void)
{
	const char *actions[] = { "sleep:30000", NULL };
	char path[64], text[64] = "";
	struct pollfd p[2];
	pid_t mid, init = 0, prog = 0;
	int fds[2], st, i;
	int64_t end;
	FILE *f;

	CU_ASSERT_FATAL(pipe(fds) == 0);
	mid = fork();
	CU_ASSERT_FATAL(mid != -1);
	if (mid == 0) {
		struct sandbox_child *c = NULL;
		struct sandbox_policy pol;
		char *cause = NULL;
		int out, err;

		close(fds[0]);
		base_policy(&pol, SANDBOX_SECCOMP_STRICT);
		if (run_spawn(&c, &cause, &pol, actions, &out, &err) == 0) {
			init = sandbox_child_pid(c);
			(void)write(fds[1], &init, sizeof(init));
		}
		for (;;)
			pause();
	}
	close(fds[1]);
	p[0] = (struct pollfd){ fds[0], POLLIN, 0 };
	if (poll(p, 1, 5000) == 1 && read(fds[0], &init, sizeof(init)) != sizeof(init))
		init = 0;
	close(fds[0]);
	CU_ASSERT(init > 0);
	/* The program is the init's only child. */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)init, (int)init);
	for (i = 0; init > 0 && i < 100 && prog <= 0; i++) {
		f = fopen(path, "r");
		if (f != NULL) {
			if (fgets(text, sizeof(text), f) != NULL)
				prog = atoi(text);
			fclose(f);
		}
		if (prog <= 0)
			usleep(10000);
	}
	CU_ASSERT(prog > 0);
	p[0] = (struct pollfd){ init > 0 ? pidfd_open(init, 0) : -1, POLLIN, 0 };
	p[1] = (struct pollfd){ prog > 0 ? pidfd_open(prog, 0) : -1, POLLIN, 0 };
	CU_ASSERT(p[0].fd >= 0 && p[1].fd >= 0);

	CU_ASSERT_EQUAL(kill(mid, SIGKILL), 0);
	CU_ASSERT_EQUAL(waitpid(mid, &st, 0), mid);
	/* A pidfd is readable once its process has exited. */
	end = now_ms() + 1000;
	for (i = 0; i < 2; i++) {
		while (p[i].fd >= 0 && now_ms() < end && poll(&p[i], 1, (int)(end - now_ms())) == 0)
			;
		CU_ASSERT(p[i].fd >= 0 && (p[i].revents & POLLIN));
		if (p[i].fd >= 0)
			close(p[i].fd);
	}
	/* Reap the orphaned init (the program was the init's to reap). */
	if (init > 0) {
		for (i = 0; i < 100 && waitpid(init, &st, WNOHANG) == 0; i++)
			usleep(10000);
		CU_ASSERT(kill(init, 0) == -1 && errno == ESRCH);
	}
}

/* Returns: a free TCP port on 127.0.0.1 (racy, as any such helper). */
static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(s, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

/* Sends one JSON-RPC request over HTTP.  Returns: the response (caller
 * frees), or NULL. */
static char *
rpc(int port, const char *body)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char req[512], *resp = calloc(1, 4096);
	size_t n = 0;
	ssize_t r;
	int s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || resp == NULL || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		if (s >= 0)
			close(s);
		free(resp);
		return NULL;
	}
	snprintf(req, sizeof(req),
		 "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		 "Connection: close\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
	if (write(s, req, strlen(req)) == (ssize_t)strlen(req)) {
		while (n < 4095 && (r = read(s, resp + n, 4095 - n)) > 0)
			n += (size_t)r;
	}
	close(s);
	return resp;
}

/* The real node under the strict policy: it starts, answers JSON-RPC
 * (LMDB in its data directory), and stops on SIGTERM with no violation. */
static void
test_sandbox_runs_chainbox_node(void)
{
	const char *node = getenv("CHAINBOX_NODE");
	char dir[PATH_MAX], port_s[16], chain[PATH_MAX + 16], *cause = NULL, *resp;
	char *argv[] = { NULL, "--dev", "--port", port_s, "--data-dir", chain, NULL };
	char *env[] = { "ASAN_OPTIONS=detect_leaks=0", NULL };
	const char *ro[] = { dir, NULL };
	struct sandbox_child *c = NULL;
	struct sandbox_policy pol;
	int po[2], pe[2], port, rc;
	int64_t end;
	struct run r;

	if (node == NULL || access(node, X_OK) != 0) {
		fprintf(stderr, "test_sandbox_runs_chainbox_node: CHAINBOX_NODE is "
				"not set to a program (make check sets it); not run\n");
		return;
	}
	if (realpath(node, dir) == NULL)
		return;
	argv[0] = strdup(dir);
	*strrchr(dir, '/') = '\0';
	port = free_port();
	snprintf(port_s, sizeof(port_s), "%d", port);
	snprintf(chain, sizeof(chain), "%s/chain", data_dir);
	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	pol.ro_paths = ro;
	pol.network = net_name;
	pol.node = "node-1";
	memset(&r, 0, sizeof(r));
	CU_ASSERT_FATAL(pipe2(po, O_CLOEXEC) == 0 && pipe2(pe, O_CLOEXEC) == 0);
	/* In an --enable-asan build the node is instrumented too, and
	 * LeakSanitizer stops threads with ptrace, which the policy never
	 * allows: it has to be off inside a sandbox. */
	rc = sandbox_spawn(&c, &cause, filter, &pol, argv, env, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (rc != 0)
		fprintf(stderr, "sandbox_spawn: %s\n", cause);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_FATAL(fcntl(po[0], F_SETFL, O_NONBLOCK) == 0);
	end = now_ms() + 5000;
	while (strstr(r.out, "Listening on") == NULL && po[0] != -1 && now_ms() < end)
		read_for(&r, &po[0], 50);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Listening on"));
	resp = rpc(port, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}");
	CU_ASSERT_PTR_NOT_NULL(resp != NULL ? strstr(resp, "\"0x7a69\"") : NULL);
	free(resp);
	resp = rpc(port, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_sendTransaction\","
			 "\"params\":[{\"from\":\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\","
			 "\"to\":\"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\",\"value\":\"0x1\"}]}");
	CU_ASSERT_PTR_NOT_NULL(resp != NULL ? strstr(resp, "\"result\":\"0x") : NULL);
	free(resp);
	CU_ASSERT_EQUAL(sandbox_kill(c, SIGTERM), 0);
	run_wait(c, &r, po[0], pe[0], 5000);
	if (r.nv > 0)
		fprintf(stderr, "chainbox-node violated its policy: %s (%d)\n",
			r.v[0].name, r.v[0].nr);
	CU_ASSERT_EQUAL(r.nv, 0);
	CU_ASSERT_STRING_EQUAL(r.desc, "exited with status 0");
	free(r.desc);
	free(cause);
	free(argv[0]);
	sandbox_child_free(c);
}

/* Without root, spawning must fail, and say why. */
static void
test_sandbox_needs_root(void)
{
	char *argv[] = { probe, NULL }, *cause = NULL;
	struct sandbox_child *c = NULL;
	struct sandbox_policy pol;
	int rc;

	base_policy(&pol, SANDBOX_SECCOMP_STRICT);
	rc = sandbox_spawn(&c, &cause, filter, &pol, argv, NULL, -1, -1);
	CU_ASSERT_EQUAL(rc, -EPERM);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, "cannot create the sandbox's namespaces"));
	free(cause);
}

static const struct harness_test tests[] = {
	HARNESS_TEST(test_sandbox_prepare),
	HARNESS_TEST(test_sandbox_spawn_rejects_bad_policies),
	HARNESS_TEST(test_sandbox_exec_errors),
	HARNESS_TEST(test_sandbox_legit_actions),
	HARNESS_TEST(test_sandbox_strict_kills_and_reports),
	HARNESS_TEST(test_sandbox_notify_after_the_end),
	HARNESS_TEST(test_sandbox_seccomp_off),
	HARNESS_TEST(test_sandbox_log_reports_and_continues),
	HARNESS_TEST(test_sandbox_enosys_is_silent),
	HARNESS_TEST(test_sandbox_foreign_abi_is_killed),
	HARNESS_TEST(test_sandbox_filesystem_view),
	HARNESS_TEST(test_sandbox_limits),
	HARNESS_TEST(test_sandbox_cgroup_in_use),
	HARNESS_TEST(test_sandbox_memory_limit_kills),
	HARNESS_TEST(test_sandbox_pause_resume),
	HARNESS_TEST(test_sandbox_signals_reach_the_program),
	HARNESS_TEST(test_sandbox_netns),
	HARNESS_TEST(test_sandbox_dies_with_parent),
	HARNESS_TEST(test_sandbox_runs_chainbox_node),
	HARNESS_END,
};

static const struct harness_test unprivileged_tests[] = {
	HARNESS_TEST(test_sandbox_prepare),
	HARNESS_TEST(test_sandbox_needs_root),
	HARNESS_END,
};

/* Returns: whether CapEff has CAP_SYS_ADMIN (bit 21), which the
 * namespaces need. */
static bool
has_sys_admin(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "CapEff:", 7) == 0)
			eff = strtoull(line + 7, NULL, 16);
	}
	if (f != NULL)
		fclose(f);
	return (eff & (1ULL << 21)) != 0;
}

int
main(void)
{
	struct sandbox_policy pol;
	char *cause = NULL;
	ssize_t n;
	int rc;

	n = readlink("/proc/self/exe", probe, sizeof(probe) - 16);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	probe[n] = '\0';
	*strrchr(probe, '/') = '\0';
	snprintf(probe_dir, sizeof(probe_dir), "%s", probe);
	strcat(probe, "/probe");
	ro_paths[0] = probe_dir;
	data_dir = harness_tmpdir();
	scratch = harness_tmpdir();
	snprintf(net_name, sizeof(net_name), "test-sandbox-%d", (int)getpid());
	/* Orphans of test_sandbox_dies_with_parent come back to us. */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);

	memset(&pol, 0, sizeof(pol));
	if (sandbox_prepare(&filter, &cause, &pol) != 0) {
		fprintf(stderr, "test_sandbox: %s\n", cause);
		return 1;
	}
	if (!has_sys_admin()) {
		rc = harness_run("sandbox (unprivileged)", unprivileged_tests);
		fprintf(stderr, "test_sandbox: skipped: creating namespaces needs "
				"CAP_SYS_ADMIN (root); only the error path was checked\n");
		rc = rc != 0 ? rc : 77;
	} else {
		rc = harness_run("sandbox", tests);
	}
	sandbox_prog_free(filter);
	harness_rmtree(data_dir);
	harness_rmtree(scratch);
	free(data_dir);
	free(scratch);
	return rc;
}
