/* Tests for orchestrator/loop.c, each run on every backend: poll, io_uring
 * and io_uring with re-armed reads.  Where the kernel (or the build) has no
 * io_uring, its runs are skipped and say so. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "loop.h"
#include "xalloc.h"

static const enum loop_backend backends[] = { LOOP_POLL, LOOP_URING, LOOP_URING_REARM };

/* Returns: a loop with backend i, or NULL when it is unavailable here. */
static struct loop *
open_loop(size_t i)
{
	char *cause = NULL;
	struct loop *loop = loop_new(backends[i], &cause);

	if (loop == NULL) {
		CU_ASSERT_PTR_NOT_NULL(cause);
		printf("\n  (backend %zu skipped: %s) ", i, cause);
		free(cause);
	}
	return loop;
}

#define FOR_EACH_LOOP(loop)                                                                        \
	for (size_t bi_ = 0; bi_ < ARRAY_SIZE(backends); bi_++)                                    \
		if (((loop) = open_loop(bi_)) != NULL)

/* Runs loop until *flag is set or timeout_ms passed.  Returns: *flag. */
static bool
run_until(struct loop *loop, const bool *flag, int timeout_ms)
{
	uint64_t end = loop_now_ms(loop) + (uint64_t)timeout_ms;

	while (!*flag && loop_now_ms(loop) < end)
		CU_ASSERT_FATAL(loop_run_once(loop, 50) >= 0);
	return *flag;
}

static void
make_pipe(int p[2])
{
	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
}

static void
test_loop_backend_name(void)
{
	struct loop *loop;
	char *cause = NULL;

	loop = loop_new(LOOP_POLL, &cause);
	CU_ASSERT_FATAL(loop != NULL);
	CU_ASSERT_STRING_EQUAL(loop_backend_name(loop), "poll");
	CU_ASSERT_STRING_EQUAL(loop_describe(loop), "poll");
	loop_free(loop);

	setenv("CHAINBOX_NO_URING", "1", 1);
	loop = loop_new(LOOP_AUTO, &cause);
	CU_ASSERT_FATAL(loop != NULL);
	CU_ASSERT_STRING_EQUAL(loop_backend_name(loop), "poll");
	CU_ASSERT_STRING_EQUAL(loop_describe(loop), "poll (CHAINBOX_NO_URING=1)");
	loop_free(loop);
	unsetenv("CHAINBOX_NO_URING");

	loop = loop_new(LOOP_URING, &cause);
	if (loop == NULL) {
		/* Then AUTO falls back and says why. */
		printf("\n  (io_uring unavailable: %s) ", cause);
		free(cause);
		loop = loop_new(LOOP_AUTO, &cause);
		CU_ASSERT_FATAL(loop != NULL);
		CU_ASSERT_STRING_EQUAL(loop_backend_name(loop), "poll");
		CU_ASSERT(strncmp(loop_describe(loop), "poll (", 6) == 0);
		loop_free(loop);
		return;
	}
	CU_ASSERT_STRING_EQUAL(loop_backend_name(loop), "io_uring");
	CU_ASSERT(strncmp(loop_describe(loop), "io_uring (", 10) == 0);
	printf("\n  (%s) ", loop_describe(loop));
	loop_free(loop);

	loop = loop_new(LOOP_URING_REARM, &cause);
	CU_ASSERT_FATAL(loop != NULL);
	CU_ASSERT(strstr(loop_describe(loop), "re-armed reads") != NULL);
	loop_free(loop);

	loop = loop_new(LOOP_AUTO, &cause);
	CU_ASSERT_FATAL(loop != NULL);
	CU_ASSERT_STRING_EQUAL(loop_backend_name(loop), "io_uring");
	loop_free(loop);
}

/* In a child: io_uring_setup fails with ENOSYS, as under Docker's or our
 * nodes' seccomp policy.  Then LOOP_URING fails with a cause and LOOP_AUTO
 * falls back to poll and says why.  Returns: the exit status (0: as
 * expected). */
static int
child_without_uring(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_SIZE(insns), insns };
	struct loop *loop;
	char *cause = NULL;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 10;
	if (loop_new(LOOP_URING, &cause) != NULL || cause == NULL ||
	    strstr(cause, "io_uring_setup: Function not implemented") == NULL)
		return 11;
	free(cause);
	loop = loop_new(LOOP_AUTO, &cause);
	if (loop == NULL || strcmp(loop_backend_name(loop), "poll") != 0 ||
	    strncmp(loop_describe(loop), "poll (io_uring unavailable: io_uring_setup: ", 44) != 0)
		return 12;
	loop_free(loop);
	return 0;
}

static void
test_loop_uring_blocked(void)
{
	struct loop *loop;
	char *cause = NULL;
	int status;
	pid_t pid;

#if !defined(__x86_64__)
	return;
#endif
	if ((loop = loop_new(LOOP_URING, &cause)) == NULL) {
		printf("\n  (skipped: %s) ", cause);
		free(cause);
		return;
	}
	loop_free(loop);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(child_without_uring());
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
}

struct reader {
	int calls;
	unsigned last;
	bool done;
};

/* Reads one byte per call: the rest must be reported again. */
static void
read_one(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct reader *r = arg;
	char c;

	r->calls++;
	r->last = revents;
	if (revents & LOOP_READ)
		CU_ASSERT(read(fd, &c, 1) == 1);
}

static void
test_loop_watch_level_triggered(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct reader r = { 0 };
		struct loop_watch *w;
		int p[2];

		make_pipe(p);
		w = loop_watch(loop, p[0], LOOP_READ, read_one, &r);
		CU_ASSERT_EQUAL(loop_run_once(loop, 0), 0);
		CU_ASSERT_EQUAL(r.calls, 0);
		CU_ASSERT(write(p[1], "abc", 3) == 3);
		for (int i = 0; i < 20 && r.calls < 3; i++)
			CU_ASSERT(loop_run_once(loop, 100) >= 0);
		CU_ASSERT_EQUAL(r.calls, 3);
		CU_ASSERT_EQUAL(r.last, LOOP_READ);
		/* Drained: nothing more. */
		CU_ASSERT(loop_run_once(loop, 20) >= 0);
		CU_ASSERT_EQUAL(r.calls, 3);
		/* The writer goes away: LOOP_HUP. */
		close(p[1]);
		CU_ASSERT(loop_run_once(loop, 500) >= 1);
		CU_ASSERT_EQUAL(r.calls, 4);
		CU_ASSERT(r.last & LOOP_HUP);
		loop_unwatch(w);
		CU_ASSERT(loop_run_once(loop, 20) >= 0);
		CU_ASSERT_EQUAL(r.calls, 4);
		close(p[0]);
		loop_free(loop);
	}
}

struct pair {
	struct loop *loop;
	struct loop_watch *a, *b, *added;
	int a_calls, b_calls, added_calls;
	int fd_c;
};

static void
added_cb(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct pair *pr = arg;

	pr->added_calls++;
	loop_unwatch(w);
	pr->added = NULL;
}

/* Removes itself and b, which is ready in the same round, and adds a watch. */
static void
a_cb(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct pair *pr = arg;

	pr->a_calls++;
	loop_unwatch(w);
	loop_unwatch(pr->b);
	pr->a = pr->b = NULL;
	pr->added = loop_watch(pr->loop, pr->fd_c, LOOP_READ, added_cb, pr);
}

static void
b_cb(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct pair *pr = arg;

	pr->b_calls++;
	loop_unwatch(w);
	loop_unwatch(pr->a);
	pr->a = pr->b = NULL;
	pr->added = loop_watch(pr->loop, pr->fd_c, LOOP_READ, added_cb, pr);
}

static void
test_loop_watch_remove_in_callback(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct pair pr = { .loop = loop };
		int pa[2], pb[2], pc[2];

		make_pipe(pa);
		make_pipe(pb);
		make_pipe(pc);
		pr.fd_c = pc[0];
		pr.a = loop_watch(loop, pa[0], LOOP_READ, a_cb, &pr);
		pr.b = loop_watch(loop, pb[0], LOOP_READ, b_cb, &pr);
		CU_ASSERT(write(pa[1], "x", 1) == 1);
		CU_ASSERT(write(pb[1], "x", 1) == 1);
		CU_ASSERT(write(pc[1], "x", 1) == 1);
		for (int i = 0; i < 4; i++)
			CU_ASSERT(loop_run_once(loop, 10) >= 0);
		/* Whichever ran first removed the other. */
		CU_ASSERT_EQUAL(pr.a_calls + pr.b_calls, 1);
		CU_ASSERT_EQUAL(pr.added_calls, 1);
		CU_ASSERT_PTR_NULL(pr.added);
		for (int i = 0; i < 2; i++) {
			close(pa[i]);
			close(pb[i]);
			close(pc[i]);
		}
		loop_free(loop);
	}
}

static void
count_cb(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct reader *r = arg;

	r->calls++;
	r->last = revents;
}

static void
test_loop_watch_set(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct reader r = { 0 }, wr = { 0 };
		struct loop_watch *w, *ww;
		int p[2];
		char c;

		make_pipe(p);
		CU_ASSERT(write(p[1], "x", 1) == 1);
		w = loop_watch(loop, p[0], 0, count_cb, &r);
		CU_ASSERT(loop_run_once(loop, 20) >= 0);
		CU_ASSERT_EQUAL(r.calls, 0); /* paused */
		loop_watch_set(w, LOOP_READ);
		CU_ASSERT(loop_run_once(loop, 500) >= 1);
		CU_ASSERT_EQUAL(r.calls, 1);
		loop_watch_set(w, 0);
		CU_ASSERT(loop_run_once(loop, 20) >= 0);
		CU_ASSERT(loop_run_once(loop, 20) >= 0);
		CU_ASSERT_EQUAL(r.calls, 1);
		loop_watch_set(w, LOOP_READ);
		CU_ASSERT(loop_run_once(loop, 500) >= 1);
		CU_ASSERT_EQUAL(r.calls, 2);
		CU_ASSERT(read(p[0], &c, 1) == 1);
		/* An empty pipe's write end is writable. */
		ww = loop_watch(loop, p[1], LOOP_WRITE, count_cb, &wr);
		loop_watch_set(w, 0);
		CU_ASSERT(loop_run_once(loop, 500) >= 1);
		CU_ASSERT(wr.calls >= 1);
		CU_ASSERT_EQUAL(wr.last, LOOP_WRITE);
		loop_unwatch(ww);
		loop_unwatch(w);
		close(p[0]);
		close(p[1]);
		loop_free(loop);
	}
}

struct timers {
	char order[16];
	int n;
	int periodic;
	struct loop_timer *self_free;
};

static void
tag_a(struct loop_timer *t, void *arg)
{
	struct timers *ts = arg;

	ts->order[ts->n++] = 'a';
}

static void
tag_b(struct loop_timer *t, void *arg)
{
	struct timers *ts = arg;

	ts->order[ts->n++] = 'b';
}

static void
tag_c(struct loop_timer *t, void *arg)
{
	struct timers *ts = arg;

	ts->order[ts->n++] = 'c';
}

static void
tag_d(struct loop_timer *t, void *arg)
{
	struct timers *ts = arg;

	ts->order[ts->n++] = 'd';
}

static void
tag_e(struct loop_timer *t, void *arg)
{
	struct timers *ts = arg;

	ts->order[ts->n++] = 'e';
}

/* Stops itself after three periods. */
static void
periodic_cb(struct loop_timer *t, void *arg)
{
	struct timers *ts = arg;

	if (++ts->periodic == 3)
		loop_timer_stop(t);
}

/* Frees itself. */
static void
self_free_cb(struct loop_timer *t, void *arg)
{
	struct timers *ts = arg;

	ts->order[ts->n++] = 'f';
	loop_timer_free(t);
	ts->self_free = NULL;
}

static void
test_loop_timers(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct timers ts = { { 0 }, 0, 0, NULL };
		struct loop_timer *a, *b, *c, *d, *e, *p;
		uint64_t start = loop_now_ms(loop);

		a = loop_timer_new(loop, tag_a, &ts);
		b = loop_timer_new(loop, tag_b, &ts);
		c = loop_timer_new(loop, tag_c, &ts);
		d = loop_timer_new(loop, tag_d, &ts);
		e = loop_timer_new(loop, tag_e, &ts);
		p = loop_timer_new(loop, periodic_cb, &ts);
		ts.self_free = loop_timer_new(loop, self_free_cb, &ts);
		loop_timer_start(a, 60, 0);
		loop_timer_start(b, 20, 0);
		loop_timer_start(c, 40, 0);
		loop_timer_start(d, 20, 0); /* same time as b, started later */
		loop_timer_start(e, 30, 0);
		loop_timer_start(ts.self_free, 50, 0);
		loop_timer_start(p, 5, 5);
		CU_ASSERT(loop_timer_is_active(e));
		loop_timer_stop(e);
		CU_ASSERT(!loop_timer_is_active(e));
		while (ts.n < 5 && loop_now_ms(loop) - start < 2000)
			CU_ASSERT(loop_run_once(loop, -1) >= 0);
		CU_ASSERT_STRING_EQUAL(ts.order, "bdcfa");
		CU_ASSERT(loop_now_ms(loop) - start >= 60);
		CU_ASSERT_EQUAL(ts.periodic, 3);
		CU_ASSERT(!loop_timer_is_active(p));
		CU_ASSERT(!loop_timer_is_active(a));
		CU_ASSERT_PTR_NULL(ts.self_free);
		/* A stopped timer can be started again. */
		loop_timer_start(e, 0, 0);
		CU_ASSERT(loop_run_once(loop, 100) >= 1);
		CU_ASSERT_STRING_EQUAL(ts.order, "bdcfae");
		loop_timer_free(a);
		loop_timer_free(b);
		loop_timer_free(c);
		loop_timer_free(d);
		loop_timer_free(e);
		loop_timer_free(NULL);
		/* p is freed by loop_free(). */
		loop_free(loop);
	}
}

static void
stop_cb(struct loop_timer *t, void *arg)
{
	loop_stop(arg);
}

static void
test_loop_run_stop(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct loop_timer *t = loop_timer_new(loop, stop_cb, loop);
		uint64_t start = loop_now_ms(loop);

		loop_timer_start(t, 30, 0);
		CU_ASSERT_EQUAL(loop_run(loop), 0);
		CU_ASSERT(loop_now_ms(loop) - start >= 30);
		CU_ASSERT(loop_now_ms(loop) - start < 1000);
		loop_timer_free(t);
		loop_free(loop);
	}
}

struct child {
	int pidfd;
	int status;
	bool done;
	struct loop_watch *w;
};

static void
pidfd_cb(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct child *c = arg;
	siginfo_t si;

	CU_ASSERT(revents & LOOP_READ);
	memset(&si, 0, sizeof(si));
	CU_ASSERT_EQUAL(waitid((idtype_t)3 /* P_PIDFD */, (id_t)fd, &si, WEXITED), 0);
	c->status = si.si_status;
	c->done = true;
	loop_unwatch(w);
}

static void
test_loop_pidfd_exit(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct child c = { .pidfd = -1 };
		pid_t pid = fork();

		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			usleep(30 * 1000);
			_exit(7);
		}
		c.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (c.pidfd < 0 && errno == ENOSYS) {
			/* Before 5.3, or under valgrind 3.19. */
			printf("\n  (skipped: no pidfd_open) ");
			waitpid(pid, NULL, 0);
			loop_free(loop);
			continue;
		}
		CU_ASSERT_FATAL(c.pidfd >= 0);
		c.w = loop_watch(loop, c.pidfd, LOOP_READ, pidfd_cb, &c);
		CU_ASSERT(loop_run_once(loop, 0) >= 0);
		CU_ASSERT(!c.done);
		CU_ASSERT(run_until(loop, &c.done, 5000));
		CU_ASSERT_EQUAL(c.status, 7);
		close(c.pidfd);
		loop_free(loop);
	}
}

struct sink {
	char *data;
	size_t len;
	int err;
	bool eof;
	struct loop_buf *held; /* released on the next chunk */
	int chunks;
	struct loop_stream *s;
};

static void
sink_cb(struct loop_stream *s, struct loop_buf *buf, const void *data, size_t len, int err,
	void *arg)
{
	struct sink *k = arg;

	if (buf == NULL) {
		k->eof = true;
		k->err = err;
		loop_stream_free(s);
		k->s = NULL;
		return;
	}
	k->data = xreallocarray(k->data, k->len + len, 1);
	memcpy(k->data + k->len, data, len);
	k->len += len;
	k->chunks++;
	/* Hold one buffer across callbacks, as a write in flight would. */
	if (k->held != NULL)
		loop_buf_release(k->held);
	k->held = buf;
}

static void
test_loop_stream(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct sink k = { 0 };
		size_t total = 3 * 1024 * 1024 + 17;
		int p[2];
		pid_t pid;

		make_pipe(p);
		pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			char buf[8192];
			size_t off = 0;

			close(p[0]);
			while (off < total) {
				size_t n = total - off < sizeof(buf) ? total - off : sizeof(buf);

				for (size_t i = 0; i < n; i++)
					buf[i] = (char)((off + i) * 31 / 7);
				if (write(p[1], buf, n) != (ssize_t)n)
					_exit(1);
				off += n;
			}
			_exit(0);
		}
		close(p[1]);
		CU_ASSERT_EQUAL_FATAL(loop_stream_new(loop, &k.s, p[0], sink_cb, &k), 0);
		CU_ASSERT(run_until(loop, &k.eof, 10000));
		CU_ASSERT_EQUAL(k.err, 0);
		CU_ASSERT_EQUAL(k.len, total);
		for (size_t i = 0; i < k.len && i < total; i++) {
			if (k.data[i] != (char)(i * 31 / 7)) {
				CU_FAIL("stream data differs");
				break;
			}
		}
		CU_ASSERT(k.chunks > 1);
		if (k.held != NULL)
			loop_buf_release(k.held);
		waitpid(pid, NULL, 0);
		free(k.data);
		/* Not a descriptor: -EBADF. */
		CU_ASSERT_EQUAL(loop_stream_new(loop, &k.s, -1, sink_cb, &k), -EBADF);
		CU_ASSERT_PTR_NULL(k.s);
		loop_free(loop);
	}
}

/* Frees the stream from its first data callback, with data still coming. */
static void
free_early_cb(struct loop_stream *s, struct loop_buf *buf, const void *data, size_t len, int err,
	      void *arg)
{
	int *calls = arg;

	(*calls)++;
	if (buf != NULL)
		loop_buf_release(buf);
	loop_stream_free(s);
}

static void
test_loop_stream_free_in_callback(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct loop_stream *s;
		static char big[256 * 1024];
		int calls = 0, p[2];

		make_pipe(p);
		CU_ASSERT(fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024) > 0);
		CU_ASSERT(write(p[1], big, sizeof(big)) == (ssize_t)sizeof(big));
		CU_ASSERT_EQUAL_FATAL(loop_stream_new(loop, &s, p[0], free_early_cb, &calls), 0);
		for (int i = 0; i < 5; i++)
			CU_ASSERT(loop_run_once(loop, 20) >= 0);
		CU_ASSERT_EQUAL(calls, 1);
		/* The stream closed its fd: the writer sees EPIPE. */
		signal(SIGPIPE, SIG_IGN);
		CU_ASSERT(write(p[1], "x", 1) == -1 && errno == EPIPE);
		close(p[1]);
		loop_free(loop);
	}
}

struct wres {
	int err;
	size_t written;
	int calls;
};

static void
write_cb(void *arg, int err, size_t written)
{
	struct wres *r = arg;

	r->err = err;
	r->written = written;
	r->calls++;
}

static void
test_loop_write(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		char *dir = harness_tmpdir(), *path;
		struct wres r1 = { 0 }, r2 = { 0 }, bad = { 0 };
		char got[16] = { 0 };
		int fd, rfd;

		xasprintf(&path, "%s/out", dir);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		CU_ASSERT_FATAL(fd >= 0);
		/* Out of order on purpose: offsets decide. */
		loop_write(loop, fd, "world", 5, 6, write_cb, &r2);
		loop_write(loop, fd, "hello ", 6, 0, write_cb, &r1);
		CU_ASSERT_EQUAL(r1.calls + r2.calls, 0); /* never from inside */
		rfd = open(path, O_RDONLY | O_CLOEXEC);
		CU_ASSERT_FATAL(rfd >= 0);
		loop_write(loop, rfd, "x", 1, 0, write_cb, &bad);
		for (int i = 0; i < 50 && r1.calls + r2.calls + bad.calls < 3; i++)
			CU_ASSERT(loop_run_once(loop, 100) >= 0);
		CU_ASSERT_EQUAL(r1.calls, 1);
		CU_ASSERT_EQUAL(r2.calls, 1);
		CU_ASSERT_EQUAL(r1.err, 0);
		CU_ASSERT_EQUAL(r1.written, 6);
		CU_ASSERT_EQUAL(r2.written, 5);
		CU_ASSERT_EQUAL(bad.calls, 1);
		CU_ASSERT_EQUAL(bad.err, -EBADF);
		CU_ASSERT_EQUAL(bad.written, 0);
		CU_ASSERT(pread(rfd, got, sizeof(got) - 1, 0) == 11);
		CU_ASSERT_STRING_EQUAL(got, "hello world");
		close(fd);
		close(rfd);
		harness_rmtree(dir);
		free(path);
		free(dir);
		loop_free(loop);
	}
}

static void
test_loop_free_with_everything_present(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct reader r = { 0 };
		struct loop_stream *s;
		struct sink k = { 0 };
		int p[2], q[2];

		make_pipe(p);
		make_pipe(q);
		loop_watch(loop, p[0], LOOP_READ, read_one, &r);
		loop_timer_start(loop_timer_new(loop, stop_cb, loop), 1000, 0);
		CU_ASSERT_EQUAL_FATAL(loop_stream_new(loop, &s, q[0], sink_cb, &k), 0);
		CU_ASSERT(loop_run_once(loop, 0) >= 0);
		loop_free(loop); /* ASan checks for leaks */
		close(p[0]);
		close(p[1]);
		close(q[1]);
		CU_ASSERT_EQUAL(r.calls, 0);
	}
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_loop_backend_name),
		HARNESS_TEST(test_loop_uring_blocked),
		HARNESS_TEST(test_loop_watch_level_triggered),
		HARNESS_TEST(test_loop_watch_remove_in_callback),
		HARNESS_TEST(test_loop_watch_set),
		HARNESS_TEST(test_loop_timers),
		HARNESS_TEST(test_loop_run_stop),
		HARNESS_TEST(test_loop_pidfd_exit),
		HARNESS_TEST(test_loop_stream),
		HARNESS_TEST(test_loop_stream_free_in_callback),
		HARNESS_TEST(test_loop_write),
		HARNESS_TEST(test_loop_free_with_everything_present),
		HARNESS_END,
	};

	return harness_run("loop", tests);
}
