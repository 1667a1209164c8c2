/* Tests for orchestrator/logcap.c, each run on every loop backend: poll,
 * io_uring (multishot reads) and io_uring with re-armed reads. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "logcap.h"
#include "loop.h"
#include "xalloc.h"

static const enum loop_backend backends[] = { LOOP_POLL, LOOP_URING, LOOP_URING_REARM };

static struct loop *
open_loop(size_t i)
{
	char *cause = NULL;
	struct loop *loop = loop_new(backends[i], &cause);

	if (loop == NULL) {
		printf("\n  (backend %zu skipped: %s) ", i, cause);
		free(cause);
	}
	return loop;
}

#define FOR_EACH_LOOP(loop)                                                                        \
	for (size_t bi_ = 0; bi_ < ARRAY_SIZE(backends); bi_++)                                    \
		if (((loop) = open_loop(bi_)) != NULL)

struct events {
	int eof, write_error;
	int last_err;
	unsigned ids[8];
};

static void
on_event(struct logcap *cap, unsigned id, enum logcap_event ev, int err, void *arg)
{
	struct events *e = arg;

	if (ev == LOGCAP_EOF) {
		if (e->eof < (int)ARRAY_SIZE(e->ids))
			e->ids[e->eof] = id;
		e->eof++;
	} else {
		e->write_error++;
	}
	e->last_err = err;
}

/* Runs the loop until every stream of cap ended.  Returns: whether they did
 * within timeout_ms. */
static bool
drain(struct loop *loop, struct logcap *cap, int timeout_ms)
{
	uint64_t end = loop_now_ms(loop) + (uint64_t)timeout_ms;

	while (logcap_active(cap) > 0 && loop_now_ms(loop) < end)
		CU_ASSERT_FATAL(loop_run_once(loop, 100) >= 0);
	return logcap_active(cap) == 0;
}

/* Returns: the whole file at path (caller frees), its length in *len;
 * NULL when it does not exist. */
static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd == -1)
		return NULL;
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	buf = xmalloc((size_t)st.st_size + 1);
	CU_ASSERT_FATAL(pread(fd, buf, (size_t)st.st_size, 0) == st.st_size);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	close(fd);
	return buf;
}

/* Byte i of stream k's pseudo-random pattern. */
static inline uint8_t
pattern_byte(unsigned k, uint64_t i)
{
	uint64_t x = (i >> 3) * 0x9e3779b97f4a7c15ULL ^ (k + 1) * 0xd1b54a32d192ed03ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return (uint8_t)(x >> ((i & 7) * 8));
}

static void
pattern_fill(unsigned k, uint64_t off, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern_byte(k, off + i);
}

/* Forks a child that runs fn(arg, wfds) with the write ends and exits.
 * The parent closes the write ends.  Returns: the child's pid. */
static pid_t
spawn(void (*fn)(void *, const int *), void *arg, const int *rfds, const int *wfds, size_t n)
{
	pid_t pid = fork();

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		for (size_t i = 0; i < n; i++)
			close(rfds[i]);
		fn(arg, wfds);
		_exit(0);
	}
	for (size_t i = 0; i < n; i++)
		close(wfds[i]);
	return pid;
}

static void
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		c += w;
		n -= (size_t)w;
	}
}

#define BURST_STREAMS 4
#define BURST_BYTES (16u * 1024 * 1024) /* per stream: 64 MiB in all */

/* Bursts of random sizes, from a few bytes to 256 KiB, to the four pipes
 * in random order, with short pauses now and then. */
static void
burst_writer(void *arg, const int *wfds)
{
	static uint8_t buf[256 * 1024];
	uint64_t off[BURST_STREAMS] = { 0 }, rng = 88172645463325252ULL;
	unsigned left = BURST_STREAMS;

	while (left > 0) {
		unsigned k;
		size_t n;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		k = (unsigned)(rng % BURST_STREAMS);
		if (off[k] >= BURST_BYTES)
			continue;
		n = (rng >> 8) % 4 == 0 ? (size_t)(rng >> 20) % 100 + 1 : (size_t)(rng >> 20) % sizeof(buf) + 1;
		if (n > BURST_BYTES - off[k])
			n = BURST_BYTES - off[k];
		pattern_fill(k, off[k], buf, n);
		write_all(wfds[k], buf, n);
		off[k] += n;
		if (off[k] == BURST_BYTES) {
			close(wfds[k]);
			left--;
		}
		if ((rng >> 40) % 64 == 0)
			usleep(1000);
	}
}

static void
test_logcap_burst_byte_exact(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct logcap_config cfg = { 0, 0 };
		struct events ev = { 0 };
		struct logcap *cap = logcap_new(loop, &cfg, on_event, &ev);
		char *dir = harness_tmpdir(), *paths[BURST_STREAMS], *cause = NULL;
		int rfds[BURST_STREAMS], wfds[BURST_STREAMS];
		unsigned ids[BURST_STREAMS];
		uint8_t *want = xmalloc(BURST_BYTES);
		int status;
		pid_t pid;

		for (unsigned k = 0; k < BURST_STREAMS; k++) {
			int p[2];

			CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
			rfds[k] = p[0];
			wfds[k] = p[1];
			xasprintf(&paths[k], "%s/node%u.log", dir, k);
		}
		pid = spawn(burst_writer, NULL, rfds, wfds, BURST_STREAMS);
		for (unsigned k = 0; k < BURST_STREAMS; k++)
			CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &ids[k], &cause, rfds[k], paths[k], NULL), 0);
		CU_ASSERT(drain(loop, cap, 60000));
		CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CU_ASSERT_EQUAL(ev.eof, BURST_STREAMS);
		CU_ASSERT_EQUAL(ev.write_error, 0);
		for (unsigned k = 0; k < BURST_STREAMS; k++) {
			struct logcap_stats st;
			size_t len;
			char *got = slurp(paths[k], &len);

			CU_ASSERT_EQUAL(logcap_stats(cap, &st, ids[k]), 0);
			CU_ASSERT(st.ended);
			CU_ASSERT_EQUAL(st.read, BURST_BYTES);
			CU_ASSERT_EQUAL(st.written, BURST_BYTES);
			CU_ASSERT_EQUAL(st.dropped, 0);
			CU_ASSERT_EQUAL(len, BURST_BYTES);
			pattern_fill(k, 0, want, BURST_BYTES);
			CU_ASSERT(got != NULL && len == BURST_BYTES && memcmp(got, want, len) == 0);
			free(got);
			free(paths[k]);
		}
		logcap_free(cap);
		loop_free(loop);
		harness_rmtree(dir);
		free(dir);
		free(want);
	}
}

#define SHARED_LINES 3000

static char zs[256]; /* 'z' * 255, filled by main() */

/* Lines "out N xxx...\n" on wfds[0] and "err N yyy...\n" on wfds[1], each
 * written in two pieces, from two processes at once. */
static void
shared_writer(void *arg, const int *wfds)
{
	pid_t pid = fork();
	int me = pid == 0 ? 1 : 0;
	char line[300];

	close(wfds[1 - me]);
	for (int i = 0; i < SHARED_LINES; i++) {
		int len = snprintf(line, sizeof(line), "%s %d %.*s\n", me ? "err" : "out", i,
				   i % 200, zs);
		int half = len / 2;

		write_all(wfds[me], line, (size_t)half);
		if (i % 100 == 0)
			usleep(200);
		write_all(wfds[me], line + half, (size_t)(len - half));
	}
	close(wfds[me]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	else
		_exit(0);
}

/* Checks that line is "[prefix]TAG N zzz" with N the next number of its
 * stream.  Returns: whether it is. */
static bool
check_line(const char *line, size_t len, const char *prefix, const char *tag, int *next)
{
	char want[400];
	int n;

	n = snprintf(want, sizeof(want), "%s%s %d %.*s", prefix, tag, *next, *next % 200,
		     zs);
	if ((size_t)n != len || memcmp(want, line, len) != 0)
		return false;
	(*next)++;
	return true;
}

static void
test_logcap_shared_file_whole_lines(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct logcap_config cfg = { 0, 0 };
		struct events ev = { 0 };
		struct logcap *cap = logcap_new(loop, &cfg, on_event, &ev);
		char *dir = harness_tmpdir(), *path, *cause = NULL, *got, *p, *end;
		int rfds[2], wfds[2], next_out = 0, next_err = 0, bad = 0;
		unsigned id_out, id_err;
		size_t len;
		pid_t pid;

		xasprintf(&path, "%s/node.log", dir);
		for (int k = 0; k < 2; k++) {
			int fds[2];

			CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
			rfds[k] = fds[0];
			wfds[k] = fds[1];
		}
		pid = spawn(shared_writer, NULL, rfds, wfds, 2);
		CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id_out, &cause, rfds[0], path, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id_err, &cause, rfds[1], path, "E "), 0);
		CU_ASSERT(drain(loop, cap, 30000));
		waitpid(pid, NULL, 0);
		got = slurp(path, &len);
		CU_ASSERT_FATAL(got != NULL);
		for (p = got, end = got + len; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

			if (!check_line(p, n, "", "out", &next_out) &&
			    !check_line(p, n, "E ", "err", &next_err))
				bad++;
			p += n + 1;
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(next_out, SHARED_LINES);
		CU_ASSERT_EQUAL(next_err, SHARED_LINES);
		CU_ASSERT(len > 0 && got[len - 1] == '\n');
		free(got);
		logcap_free(cap);
		loop_free(loop);
		harness_rmtree(dir);
		free(dir);
		free(path);
	}
}

struct blob {
	const char *data;
	size_t len;
};

static void
blob_writer(void *arg, const int *wfds)
{
	const struct blob *b = arg;

	/* Uneven writes, so that reads end anywhere in a line. */
	for (size_t off = 0, n; off < b->len; off += n) {
		n = (off * 7 + 1000) % 5000 + 1;
		if (n > b->len - off)
			n = b->len - off;
		write_all(wfds[0], b->data + off, n);
	}
}

/* Captures data into dir/name with cfg.  Returns: the EOF count. */
static int
capture(struct loop *loop, const struct logcap_config *cfg, const char *path, const char *data,
	size_t len)
{
	struct events ev = { 0 };
	struct logcap *cap = logcap_new(loop, cfg, on_event, &ev);
	struct blob b = { data, len };
	char *cause = NULL;
	unsigned id;
	int fds[2];
	pid_t pid;

	CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
	pid = spawn(blob_writer, &b, &fds[0], &fds[1], 1);
	CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id, &cause, fds[0], path, NULL), 0);
	CU_ASSERT(drain(loop, cap, 30000));
	waitpid(pid, NULL, 0);
	CU_ASSERT_EQUAL(ev.write_error, 0);
	logcap_free(cap);
	return ev.eof;
}

/* Returns: the concatenation of path.keep ... path.1, path (caller
 * frees); checks each is at most max bytes (plus the end of a line) and
 * that path.(keep+1) does not exist. */
static char *
rotated(const char *path, unsigned keep, uint64_t max, size_t *len, int *files,
	bool *lines_whole)
{
	char *all = xstrdup(""), *name, *got;
	size_t n;

	*len = 0;
	*files = 0;
	*lines_whole = true;
	for (int i = (int)keep + 1; i >= 0; i--) {
		if (i == 0)
			name = xstrdup(path);
		else
			xasprintf(&name, "%s.%d", path, i);
		got = slurp(name, &n);
		if (i == (int)keep + 1) {
			CU_ASSERT_PTR_NULL(got);
		} else if (got != NULL) {
			(*files)++;
			CU_ASSERT(n <= max + LOGCAP_LINE_MAX);
			if (i > 0 && (n == 0 || got[n - 1] != '\n'))
				*lines_whole = false;
			all = xreallocarray(all, *len + n + 1, 1);
			memcpy(all + *len, got, n);
			*len += n;
			all[*len] = '\0';
		}
		free(got);
		free(name);
	}
	return all;
}

static void
test_logcap_rotation(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		char *dir = harness_tmpdir(), *path, *data, *all;
		struct logcap_config cfg = { 64 * 1024, 3 };
		size_t len = 0, got_len, cap = 1024 * 1024 + 4096;
		bool whole;
		int files;

		/* ~1 MiB of lines 10 to 300 bytes long. */
		data = xmalloc(cap);
		for (unsigned i = 0; len < 1024 * 1024; i++)
			len += (size_t)snprintf(data + len, cap - len, "line %u %.*s\n", i,
						(int)((i * 37) % 290),
						"-------------------------------------------------"
						"-------------------------------------------------"
						"-------------------------------------------------"
						"-------------------------------------------------"
						"-------------------------------------------------"
						"-------------------------------------------------");
		xasprintf(&path, "%s/node.log", dir);
		CU_ASSERT_EQUAL(capture(loop, &cfg, path, data, len), 1);
		all = rotated(path, cfg.keep, cfg.max_size, &got_len, &files, &whole);
		CU_ASSERT_EQUAL(files, 4);
		CU_ASSERT(whole); /* cut at line ends */
		CU_ASSERT(got_len > 3 * 60 * 1024);
		CU_ASSERT(got_len <= len && memcmp(all, data + len - got_len, got_len) == 0);
		free(all);
		free(path);

		/* A line longer than max_size is split, somewhere; keep 2. */
		cfg = (struct logcap_config){ 1000, 2 };
		memset(data, 'L', 2500);
		data[2500] = '\n';
		xasprintf(&path, "%s/long.log", dir);
		CU_ASSERT_EQUAL(capture(loop, &cfg, path, data, 2501), 1);
		all = rotated(path, cfg.keep, cfg.max_size, &got_len, &files, &whole);
		CU_ASSERT_EQUAL(files, 3);
		CU_ASSERT_EQUAL(got_len, 2501);
		CU_ASSERT(memcmp(all, data, 2501) == 0);
		free(all);
		free(path);

		/* keep 0: NODE.log alone, holding the newest lines. */
		cfg = (struct logcap_config){ 1000, 0 };
		for (len = 0; len < 5000; len += 100)
			snprintf(data + len, 101, "%099zu\n", len);
		xasprintf(&path, "%s/zero.log", dir);
		CU_ASSERT_EQUAL(capture(loop, &cfg, path, data, len), 1);
		all = rotated(path, 0, cfg.max_size, &got_len, &files, &whole);
		CU_ASSERT_EQUAL(files, 1);
		CU_ASSERT_EQUAL(got_len, 1000);
		CU_ASSERT(memcmp(all, data + len - got_len, got_len) == 0);
		free(all);
		free(path);

		/* An existing file is continued, and rotated when full. */
		cfg = (struct logcap_config){ 1000, 1 };
		xasprintf(&path, "%s/zero.log", dir);
		CU_ASSERT_EQUAL(capture(loop, &cfg, path, "new\n", 4), 1);
		all = rotated(path, 1, cfg.max_size, &got_len, &files, &whole);
		CU_ASSERT_EQUAL(files, 2);
		CU_ASSERT_EQUAL(got_len, 1004);
		CU_ASSERT(memcmp(all + 1000, "new\n", 4) == 0);
		free(all);
		free(path);

		free(data);
		loop_free(loop);
		harness_rmtree(dir);
		free(dir);
	}
}

/* NODE.log.1 is a directory that is not empty, so that rotating fails:
 * reported once, and the output goes on into NODE.log, whole. */
static void
test_logcap_rotation_fails(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct logcap_config cfg = { 1000, 1 };
		struct events ev = { 0 };
		struct logcap *cap = logcap_new(loop, &cfg, on_event, &ev);
		char *dir = harness_tmpdir(), *path, *sub, *cause = NULL, *got, data[5000 + 1];
		struct blob b = { data, sizeof(data) - 1 };
		unsigned id;
		size_t len;
		int fds[2];
		pid_t pid;

		for (size_t i = 0; i < b.len; i += 50)
			snprintf(data + i, 51, "%049zu\n", i);
		xasprintf(&path, "%s/node.log", dir);
		xasprintf(&sub, "%s/node.log.1", dir);
		CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
		free(harness_write(sub, "keep", "x"));
		CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
		pid = spawn(blob_writer, &b, &fds[0], &fds[1], 1);
		CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id, &cause, fds[0], path, NULL), 0);
		CU_ASSERT(drain(loop, cap, 10000));
		waitpid(pid, NULL, 0);
		CU_ASSERT_EQUAL(ev.write_error, 1);
		CU_ASSERT(ev.last_err == 0); /* the EOF came last */
		CU_ASSERT_EQUAL(ev.eof, 1);
		got = slurp(path, &len);
		CU_ASSERT(got != NULL && len == b.len && memcmp(got, data, len) == 0);
		free(got);
		logcap_free(cap);
		loop_free(loop);
		harness_rmtree(dir);
		free(dir);
		free(path);
		free(sub);
	}
}

static void
lines_writer(void *arg, const int *wfds)
{
	const unsigned *n = arg;
	char line[64];

	for (unsigned i = 0; i < *n; i++) {
		int len = snprintf(line, sizeof(line), "line %u\n", i);

		write_all(wfds[0], line, (size_t)len);
	}
}

static void
test_logcap_tail(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct logcap_config cfg = { 0, 0 };
		struct events ev = { 0 };
		struct logcap *cap = logcap_new(loop, &cfg, on_event, &ev);
		char *dir = harness_tmpdir(), *path, *cause = NULL, *tail;
		unsigned counts[2] = { 100, 5000 }, id[2];
		struct logcap_stats st;
		int fds[2];
		pid_t pid;

		xasprintf(&path, "%s/node.log", dir);
		for (int k = 0; k < 2; k++) {
			CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
			pid = spawn(lines_writer, &counts[k], &fds[0], &fds[1], 1);
			CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id[k], &cause, fds[0], path, NULL),
					      0);
			CU_ASSERT(drain(loop, cap, 10000));
			waitpid(pid, NULL, 0);
		}
		CU_ASSERT_EQUAL(ev.eof, 2);
		CU_ASSERT_EQUAL(ev.ids[0], id[0]);
		CU_ASSERT_EQUAL(ev.ids[1], id[1]);
		CU_ASSERT(id[0] != id[1]);

		CU_ASSERT_EQUAL(logcap_tail(cap, &tail, id[0], 3), 0);
		CU_ASSERT_STRING_EQUAL(tail, "line 97\nline 98\nline 99\n");
		free(tail);
		CU_ASSERT_EQUAL(logcap_tail(cap, &tail, id[0], 1000), 0);
		CU_ASSERT(strncmp(tail, "line 0\n", 7) == 0);
		free(tail);
		CU_ASSERT_EQUAL(logcap_tail(cap, &tail, id[0], 0), 0);
		CU_ASSERT_STRING_EQUAL(tail, "");
		free(tail);
		/* More than LOGCAP_TAIL_BYTES: the oldest whole lines that fit. */
		CU_ASSERT_EQUAL(logcap_tail(cap, &tail, id[1], 2), 0);
		CU_ASSERT_STRING_EQUAL(tail, "line 4998\nline 4999\n");
		free(tail);
		CU_ASSERT_EQUAL(logcap_tail(cap, &tail, id[1], 100000), 0);
		CU_ASSERT(strncmp(tail, "line ", 5) == 0);
		CU_ASSERT(strlen(tail) <= LOGCAP_TAIL_BYTES);
		free(tail);

		CU_ASSERT_EQUAL(logcap_file_tail(&tail, path, 2), 0);
		CU_ASSERT_STRING_EQUAL(tail, "line 4998\nline 4999\n");
		free(tail);
		CU_ASSERT_EQUAL(logcap_file_tail(&tail, "/nonexistent/x.log", 2), -ENOENT);
		CU_ASSERT_PTR_NULL(tail);

		CU_ASSERT_EQUAL(logcap_stats(cap, &st, id[0]), 0);
		CU_ASSERT_EQUAL(st.read, st.written);
		CU_ASSERT_EQUAL(logcap_forget(cap, id[0]), 0);
		CU_ASSERT_EQUAL(logcap_forget(cap, id[0]), -ENOENT);
		CU_ASSERT_EQUAL(logcap_tail(cap, &tail, id[0], 3), -ENOENT);
		CU_ASSERT_EQUAL(logcap_stats(cap, &st, id[0]), -ENOENT);
		logcap_free(cap);
		loop_free(loop);
		harness_rmtree(dir);
		free(dir);
		free(path);
	}
}

#define FULL_BYTES (4u * 1024 * 1024)

static void
flood_writer(void *arg, const int *wfds)
{
	static char buf[64 * 1024];

	memset(buf, 'f', sizeof(buf));
	for (unsigned off = 0; off < FULL_BYTES; off += sizeof(buf))
		write_all(wfds[0], buf, sizeof(buf));
}

/* /dev/full fails every write with ENOSPC: reported once, the pipe is still
 * drained (the writer, 4 times the pipe's size, finishes), and every byte
 * is counted as dropped. */
static void
test_logcap_enospc(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct logcap_config cfg = { 0, 0 };
		struct events ev = { 0 };
		struct logcap *cap = logcap_new(loop, &cfg, on_event, &ev);
		struct logcap_stats st;
		char *cause = NULL;
		unsigned id;
		int fds[2], status;
		pid_t pid;

		CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
		pid = spawn(flood_writer, NULL, &fds[0], &fds[1], 1);
		CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id, &cause, fds[0], "/dev/full", NULL), 0);
		CU_ASSERT(drain(loop, cap, 30000));
		CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		CU_ASSERT_EQUAL(ev.write_error, 1);
		CU_ASSERT_EQUAL(ev.eof, 1);
		CU_ASSERT_EQUAL(logcap_stats(cap, &st, id), 0);
		CU_ASSERT_EQUAL(st.read, FULL_BYTES);
		CU_ASSERT_EQUAL(st.written, 0);
		CU_ASSERT_EQUAL(st.dropped, FULL_BYTES);
		logcap_free(cap);
		loop_free(loop);
	}
}

static void
test_logcap_add_errors(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct logcap_config cfg = { 0, 0 };
		struct logcap *cap = logcap_new(loop, &cfg, NULL, NULL);
		char *cause = NULL, *dir, *path;
		unsigned id = 0;
		int fds[2];

		CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
		CU_ASSERT_EQUAL(logcap_add(cap, &id, &cause, fds[0], "/nonexistent/dir/x.log", NULL),
				-ENOENT);
		CU_ASSERT(cause != NULL && strstr(cause, "cannot open '/nonexistent/dir/x.log'") != NULL);
		free(cause);
		/* The fd was taken, and closed. */
		CU_ASSERT(fcntl(fds[0], F_GETFD) == -1 && errno == EBADF);
		CU_ASSERT_EQUAL(logcap_active(cap), 0);
		CU_ASSERT_EQUAL(logcap_forget(cap, 12345), -ENOENT);
		close(fds[1]);

		/* Not a descriptor: the stream cannot start. */
		dir = harness_tmpdir();
		xasprintf(&path, "%s/node.log", dir);
		CU_ASSERT_EQUAL(logcap_add(cap, &id, &cause, -1, path, NULL), -EBADF);
		CU_ASSERT(cause != NULL && strstr(cause, "cannot read the output for") != NULL);
		free(cause);
		cause = NULL;

		/* A live stream cannot be forgotten. */
		CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
		CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id, &cause, fds[0], path, NULL), 0);
		CU_ASSERT(id != 0);
		CU_ASSERT_EQUAL(logcap_active(cap), 1);
		CU_ASSERT_EQUAL(logcap_forget(cap, id), -EBUSY);
		close(fds[1]);
		CU_ASSERT(drain(loop, cap, 5000));
		CU_ASSERT_EQUAL(logcap_forget(cap, id), 0);
		logcap_free(cap);
		harness_rmtree(dir);
		free(dir);
		free(path);
		logcap_free(NULL);
		loop_free(loop);
	}
}

/* logcap_free() with live streams and data in flight: no leaks, no
 * callbacks, and what was read is in the file. */
static void
test_logcap_free_while_live(void)
{
	struct loop *loop;

	FOR_EACH_LOOP(loop) {
		struct logcap_config cfg = { 0, 0 };
		struct events ev = { 0 };
		struct logcap *cap = logcap_new(loop, &cfg, on_event, &ev);
		char *dir = harness_tmpdir(), *path, *cause = NULL, *got;
		static char buf[300 * 1024];
		struct stat st;
		unsigned id;
		int fds[2];
		size_t len;

		memset(buf, 'q', sizeof(buf));
		xasprintf(&path, "%s/node.log", dir);
		CU_ASSERT_FATAL(pipe2(fds, O_CLOEXEC) == 0);
		CU_ASSERT_FATAL(fcntl(fds[1], F_SETPIPE_SZ, 1024 * 1024) > 0);
		CU_ASSERT(write(fds[1], buf, sizeof(buf)) == (ssize_t)sizeof(buf));
		CU_ASSERT_EQUAL_FATAL(logcap_add(cap, &id, &cause, fds[0], path, NULL), 0);
		CU_ASSERT(loop_run_once(loop, 100) >= 0);
		logcap_free(cap);
		CU_ASSERT_EQUAL(ev.eof, 0);
		got = slurp(path, &len);
		CU_ASSERT(stat(path, &st) == 0 && len > 0 && len <= sizeof(buf));
		CU_ASSERT(got != NULL && memcmp(got, buf, len) == 0);
		free(got);
		close(fds[1]);
		loop_free(loop);
		harness_rmtree(dir);
		free(dir);
		free(path);
	}
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_logcap_burst_byte_exact),
		HARNESS_TEST(test_logcap_shared_file_whole_lines),
		HARNESS_TEST(test_logcap_rotation),
		HARNESS_TEST(test_logcap_rotation_fails),
		HARNESS_TEST(test_logcap_tail),
		HARNESS_TEST(test_logcap_enospc),
		HARNESS_TEST(test_logcap_add_errors),
		HARNESS_TEST(test_logcap_free_while_live),
		HARNESS_END,
	};

	memset(zs, 'z', sizeof(zs) - 1);
	log_set_level(LOG_ERROR); /* the ENOSPC test warns */
	signal(SIGPIPE, SIG_IGN);
	return harness_run("logcap", tests);
}
