/* probe: performs each action named on its command line, in order, inside
 * the sandbox, and prints one line per action on stdout:
 *   NAME ret R errno E    for a raw syscall (ptrace, mount, clone3, ...)
 *   ACTION ok [DETAIL]    for anything else that worked
 *   ACTION errno E        for anything else that failed
 * It stands for a node in tests/sandbox/test_sandbox.c, like bubblewrap's
 * try-syscall.c.  Every raw syscall gets harmless arguments: under the log
 * policy the supervisor answers EPERM for the dangerous ones, but should
 * one ever run, it must not hurt the host. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints one line and flushes it: the supervisor may kill us next. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
report_ret(const char *name, long ret)
{
	say("%s ret %ld errno %d", name, ret, ret == -1 ? errno : 0);
}

/* ---- raw syscalls, one per name ---- */

static long
sys_ptrace(void)
{
	return syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}

static long
sys_process_vm_readv(void)
{
	char a[8] = "", b[8] = "";
	struct iovec l = { a, sizeof(a) }, r = { b, sizeof(b) };

	return syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0);
}

static long
sys_mount(void)
{
	return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
}

static long
sys_umount2(void)
{
	return syscall(SYS_umount2, "/nonexistent", 0);
}

static long
sys_pivot_root(void)
{
	return syscall(SYS_pivot_root, "/nonexistent", "/nonexistent");
}

static long
sys_bpf(void)
{
	return syscall(SYS_bpf, -1, NULL, 0);
}

static long
sys_perf_event_open(void)
{
	return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
}

static long
sys_kexec_load(void)
{
	return syscall(SYS_kexec_load, 0, 0, NULL, 0);
}

static long
sys_init_module(void)
{
	return syscall(SYS_init_module, NULL, 0, "");
}

static long
sys_keyctl(void)
{
	return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -2, 0);
}

static long
sys_add_key(void)
{
	return syscall(SYS_add_key, "user", "probe", "x", 1, -2);
}

static long
sys_userfaultfd(void)
{
	return syscall(SYS_userfaultfd, 0);
}

static long
sys_unshare(void)
{
	return syscall(SYS_unshare, CLONE_NEWUTS);
}

static long
sys_setns(void)
{
	return syscall(SYS_setns, -1, 0);
}

static long
sys_clone_newuser(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

static long
sys_personality(void)
{
	return syscall(SYS_personality, 0xffffffffUL); /* a query */
}

static long
sys_io_uring_setup(void)
{
	char params[120] = "";

	return syscall(SYS_io_uring_setup, 1, params);
}

static long
sys_clone3(void)
{
	struct clone_args args;
	long pid;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

static long
sys_newsys(void)
{
	return syscall(462); /* mseal on newer kernels; unknown to libseccomp 2.5 */
}

static long
sys_sched_getscheduler(void)
{
	return syscall(SYS_sched_getscheduler, 0);
}

static long
sys_x32(void)
{
	return syscall(X32_SYSCALL_BIT | SYS_getpid);
}

static long
sys_i386(void)
{
	long ret = 20; /* getpid on i386 */

	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	return ret;
}

static const struct {
	const char *name;
	long (*fn)(void);
} probe_syscalls[] = {
	{ "ptrace", sys_ptrace },
	{ "process_vm_readv", sys_process_vm_readv },
	{ "mount", sys_mount },
	{ "umount2", sys_umount2 },
	{ "pivot_root", sys_pivot_root },
	{ "bpf", sys_bpf },
	{ "perf_event_open", sys_perf_event_open },
	{ "kexec_load", sys_kexec_load },
	{ "init_module", sys_init_module },
	{ "keyctl", sys_keyctl },
	{ "add_key", sys_add_key },
	{ "userfaultfd", sys_userfaultfd },
	{ "unshare", sys_unshare },
	{ "setns", sys_setns },
	{ "clone_newuser", sys_clone_newuser },
	{ "personality", sys_personality },
	{ "io_uring_setup", sys_io_uring_setup },
	{ "clone3", sys_clone3 },
	{ "newsys", sys_newsys },
	{ "sched_getscheduler", sys_sched_getscheduler },
	{ "x32", sys_x32 },
	{ "i386", sys_i386 },
};

/* ---- other actions ---- */

static int
act_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd == -1)
		return -1;
	if (write(fd, "hello\n", 6) != 6) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int
act_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the entries of a directory, sorted, on one line. */
static int
act_ls(const char *path, char *buf, size_t size)
{
	char *names[256];
	struct dirent *e;
	size_t n = 0, i, len = 0;
	DIR *d = opendir(path);

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && n < 256) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len += snprintf(buf + len, len < size ? size - len : 0, "%s%s",
				i ? " " : "", names[i]);
		free(names[i]);
	}
	return 0;
}

/* Listens on 127.0.0.1, connects to itself, and passes a byte. */
static int
act_listen(char *buf, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l = -1, c = -1, s = -1, rc = -1;
	char x = 'x', y = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l == -1 || bind(l, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(l, 1) == -1 || getsockname(l, (struct sockaddr *)&a, &alen) == -1)
		goto out;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c == -1 || connect(c, (struct sockaddr *)&a, sizeof(a)) == -1)
		goto out;
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s == -1 || write(c, &x, 1) != 1 || read(s, &y, 1) != 1 || y != 'x')
		goto out;
	snprintf(buf, size, "port %d", ntohs(a.sin_port));
	rc = 0;
out:
	if (s != -1)
		close(s);
	if (c != -1)
		close(c);
	if (l != -1)
		close(l);
	return rc;
}

static void *
thread_main(void *arg)
{
	return arg;
}

static int
act_threads(void)
{
	pthread_t t[4];
	int i, rc;

	for (i = 0; i < 4; i++) {
		rc = pthread_create(&t[i], NULL, thread_main, NULL);
		if (rc != 0) {
			errno = rc;
			return -1;
		}
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static int
act_mmap(void)
{
	size_t len = 1 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 1, len);
	if (mprotect(p, len, PROT_READ) == -1 || madvise(p, len, MADV_DONTNEED) == -1)
		return -1;
	return munmap(p, len);
}

static int
act_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep, efd, rc = -1;

	ep = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ep == -1 || efd == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == -1 ||
	    eventfd_write(efd, 1) == -1 || epoll_wait(ep, &out, 1, 1000) != 1)
		goto out;
	rc = 0;
out:
	if (efd != -1)
		close(efd);
	if (ep != -1)
		close(ep);
	return rc;
}

static int
act_fork(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	if (pid == -1 || waitpid(pid, &st, 0) == -1)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : -1;
}

/* Forks up to n children that wait to be killed.
 * Returns: how many could be forked. */
static int
act_forks(int n)
{
	pid_t pids[256];
	int i, k = 0;

	for (i = 0; i < n && i < 256; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid == -1)
			break;
		pids[k++] = pid;
	}
	for (i = 0; i < k; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	return k;
}

/* Reads a small file whole and joins its lines with ';'. */
static int
act_lines(const char *path, char *buf, size_t size)
{
	ssize_t n;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while ((p = strchr(buf, '\n')) != NULL)
		*p = p[1] != '\0' ? ';' : '\0';
	return 0;
}

/* Prints the status lines about privileges. */
static int
act_status(char *buf, size_t size)
{
	static const char *const keys[] = { "CapInh", "CapPrm", "CapEff", "CapBnd",
					    "CapAmb", "NoNewPrivs", "Seccomp" };
	char text[4096], *line, *save;
	size_t len = 0, i;

	if (act_lines("/proc/self/status", text, sizeof(text)) == -1)
		return -1;
	buf[0] = '\0';
	for (line = strtok_r(text, ";", &save); line != NULL;
	     line = strtok_r(NULL, ";", &save)) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t k = strlen(keys[i]);

			if (strncmp(line, keys[i], k) == 0 && line[k] == ':') {
				char *v = line + k + 1;

				v += strspn(v, " \t");
				len += snprintf(buf + len, len < size ? size - len : 0,
						"%s%s=%s", len ? " " : "", keys[i], v);
			}
		}
	}
	return 0;
}

/* Lists the network interfaces in /proc/net/dev. */
static int
act_netdev(char *buf, size_t size)
{
	char text[4096], *line, *save, *colon;
	size_t len = 0;

	if (act_lines("/proc/net/dev", text, sizeof(text)) == -1)
		return -1;
	buf[0] = '\0';
	for (line = strtok_r(text, ";", &save); line != NULL;
	     line = strtok_r(NULL, ";", &save)) {
		colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		line += strspn(line, " ");
		len += snprintf(buf + len, len < size ? size - len : 0, "%s%s",
				len ? " " : "", line);
	}
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Runs one action; returns 0 when it was one. */
/* Writes len bytes to stdout: lines of 64 bytes, each with its number.
 * Returns: 0, or -1 with errno. */
static int
act_flood(long len)
{
	char buf[65536];
	long done = 0;

	while (done < len) {
		size_t n = 0;

		while (n + 64 <= sizeof buf && done + (long)n + 64 <= len) {
			snprintf(buf + n, 65, "%063ld", (done + (long)n) / 64);
			buf[n + 63] = '\n';
			n += 64;
		}
		if (n == 0) {
			memset(buf, 'x', (size_t)(len - done));
			n = (size_t)(len - done);
		}
		for (size_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
			off += (size_t)w;
		}
		done += (long)n;
	}
	return 0;
}

static int
run(const char *a)
{
	char buf[4096] = "";
	struct rlimit nofile, core, as;
	struct statvfs sv;
	struct utsname u;
	size_t i;
	int rc = -1;

	for (i = 0; i < sizeof(probe_syscalls) / sizeof(probe_syscalls[0]); i++) {
		if (strcmp(a, probe_syscalls[i].name) == 0) {
			errno = 0;
			report_ret(a, probe_syscalls[i].fn());
			return 0;
		}
	}
	if (strncmp(a, "write:", 6) == 0) {
		rc = act_write(a + 6);
	} else if (strncmp(a, "read:", 5) == 0) {
		rc = act_read(a + 5, buf, sizeof(buf));
	} else if (strncmp(a, "stat:", 5) == 0) {
		struct stat st;

		rc = lstat(a + 5, &st);
	} else if (strncmp(a, "ls:", 3) == 0) {
		rc = act_ls(a + 3, buf, sizeof(buf));
	} else if (strncmp(a, "rdonly:", 7) == 0) {
		rc = statvfs(a + 7, &sv);
		if (rc == 0)
			snprintf(buf, sizeof(buf), "%s",
				 (sv.f_flag & ST_RDONLY) ? "yes" : "no");
	} else if (strcmp(a, "listen") == 0) {
		rc = act_listen(buf, sizeof(buf));
	} else if (strcmp(a, "threads") == 0) {
		rc = act_threads();
	} else if (strcmp(a, "getrandom") == 0) {
		rc = getrandom(buf, 16, 0) == 16 ? 0 : -1;
		buf[0] = '\0';
	} else if (strcmp(a, "mmap") == 0) {
		rc = act_mmap();
	} else if (strcmp(a, "epoll") == 0) {
		rc = act_epoll();
	} else if (strcmp(a, "fork") == 0) {
		rc = act_fork();
	} else if (strncmp(a, "forks:", 6) == 0) {
		snprintf(buf, sizeof(buf), "%d", act_forks(atoi(a + 6)));
		rc = 0;
	} else if (strcmp(a, "getpid") == 0) {
		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		rc = 0;
	} else if (strcmp(a, "hostname") == 0) {
		rc = uname(&u);
		snprintf(buf, sizeof(buf), "%s", u.nodename);
	} else if (strcmp(a, "rlimit") == 0) {
		rc = getrlimit(RLIMIT_NOFILE, &nofile) | getrlimit(RLIMIT_CORE, &core) |
		     getrlimit(RLIMIT_AS, &as);
		snprintf(buf, sizeof(buf), "nofile %llu %llu core %llu as %lld",
			 (unsigned long long)nofile.rlim_cur,
			 (unsigned long long)nofile.rlim_max,
			 (unsigned long long)core.rlim_max,
			 as.rlim_max == RLIM_INFINITY ? -1LL : (long long)as.rlim_max);
	} else if (strcmp(a, "status") == 0) {
		rc = act_status(buf, sizeof(buf));
	} else if (strcmp(a, "cgroup") == 0) {
		rc = act_lines("/proc/self/cgroup", buf, sizeof(buf));
	} else if (strcmp(a, "netdev") == 0) {
		rc = act_netdev(buf, sizeof(buf));
	} else if (strcmp(a, "stderr") == 0) {
		rc = write(2, "probe stderr\n", 13) == 13 ? 0 : -1;
	} else if (strncmp(a, "sleep:", 6) == 0) {
		sleep_ms(atol(a + 6));
		rc = 0;
	} else if (strcmp(a, "tick") == 0) {
		for (;;) {
			say("tick");
			sleep_ms(20);
		}
	} else if (strncmp(a, "alloc:", 6) == 0) {
		/* Through a volatile pointer: the compiler may drop an
		 * allocation nobody reads. */
		size_t len = (size_t)atol(a + 6) << 20, off;
		volatile char *p = malloc(len);

		if (p != NULL) {
			for (off = 0; off < len; off += 4096)
				p[off] = 1;
			rc = 0;
		}
	} else if (strncmp(a, "write-stdout:", 13) == 0) {
		/* A flood: N bytes of numbered lines, as fast as stdout takes
		 * them, for the supervisor's log capture. */
		rc = act_flood(atol(a + 13));
	} else if (strncmp(a, "exit:", 5) == 0) {
		exit(atoi(a + 5));
	} else {
		say("%s unknown action", a);
		return -1;
	}
	if (rc == 0)
		say("%s ok%s%s", a, buf[0] != '\0' ? " " : "", buf);
	else
		say("%s errno %d", a, errno);
	return 0;
}

int
main(int argc, char **argv)
{
	int i = 1;

	/* Run as a node by chainbox up, it is given "--config FILE" first. */
	if (argc > 2 && strcmp(argv[1], "--config") == 0)
		i = 3;
	for (; i < argc; i++) {
		if (run(argv[i]) != 0)
			return 2;
	}
	return 0;
}
