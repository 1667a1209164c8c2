/* The event loop's io_uring backend: one ring for watches (POLL_ADD), pipe
 * streams (READ_MULTISHOT with provided-buffer rings, else re-armed READ)
 * and file writes (WRITE at explicit offsets).  Timers are the timeout of
 * the wait, passed with IORING_ENTER_EXT_ARG, so they cost no SQE.
 *
 * Built against liburing 2.3 (Debian 12), which predates READ_MULTISHOT
 * and io_uring_setup_buf_ring(): the opcode is defined here and the buffer
 * rings are mapped and registered by hand
 * (shared/reference/sandbox-and-io_uring.md, B.0). */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "loop_int.h"
#include "xalloc.h"

/* IORING_OP_READ_MULTISHOT: Linux 6.7, liburing 2.6. */
#define URING_OP_READ_MULTISHOT 49

#define URING_SQ_ENTRIES 256
/* "Never overflow the CQ ring" (liburing's proxy.c): one multishot read can
 * post many completions per wait. */
#define URING_CQ_ENTRIES 4096
/* How long loop_free() waits for reads and watches to be cancelled. */
#define URING_DRAIN_MS 2000

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct uring_pool {
	unsigned short bgid;
	struct io_uring_buf_ring *br;
	size_t br_size;
	char *mem;
	unsigned nfree;	   /* buffers the kernel may pick, as far as we know */
	unsigned nstreams; /* streams reading from it */
	TAILQ_HEAD(, loop_stream) starved; /* multishots ended by ENOBUFS */
	TAILQ_ENTRY(uring_pool) entry;
	struct loop_buf bufs[LOOP_POOL_BUFS];
};

struct uring_be {
	struct io_uring ring;
	bool mshot;	   /* READ_MULTISHOT with buffer rings */
	unsigned inflight; /* SQEs whose last completion has not been reaped */
	bool busy;	   /* woken often: batch the next wait */
	unsigned npools;
	TAILQ_HEAD(, uring_pool) pools;
};

static struct io_uring_sqe *
get_sqe(struct uring_be *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (sqe == NULL) {
		/* The SQ is full: hand it to the kernel now. */
		io_uring_submit(&u->ring);
		if ((sqe = io_uring_get_sqe(&u->ring)) == NULL)
			BUG("io_uring submission queue full after a submit");
	}
	return sqe;
}

/* Queues an SQE whose completion is reported to op, or ignored (op NULL). */
static void
set_op(struct uring_be *u, struct io_uring_sqe *sqe, struct loop_op *op)
{
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op);
	if (op != NULL)
		u->inflight++;
}

static void
cancel_op(struct uring_be *u, struct loop_op *op)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)op, 0);
	set_op(u, sqe, NULL);
}

/* --- provided-buffer pools ---------------------------------------------------- */

/* Maps and registers a ring of LOOP_POOL_BUFS provided buffers.
 * Returns: 0, or -errno from the kernel (no buffer rings before 5.19). */
static int
pool_new(struct loop *loop, struct uring_be *u, struct uring_pool **out)
{
	struct io_uring_buf_reg reg;
	struct uring_pool *pool = NULL;
	void *br = MAP_FAILED;
	long page = sysconf(_SC_PAGESIZE);
	size_t size = LOOP_POOL_BUFS * sizeof(struct io_uring_buf);
	int rc;

	*out = NULL;
	size = (size + (size_t)page - 1) & ~((size_t)page - 1);
	br = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (br == MAP_FAILED) {
		rc = -errno;
		goto out;
	}
	/* The kernel pins this page; children need not copy it at fork. */
	madvise(br, size, MADV_DONTFORK);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uint64_t)(uintptr_t)br;
	reg.ring_entries = LOOP_POOL_BUFS;
	reg.bgid = (unsigned short)u->npools;
	rc = io_uring_register_buf_ring(&u->ring, &reg, 0);
	if (rc < 0)
		goto out;

	pool = xcalloc(1, sizeof(*pool));
	pool->bgid = reg.bgid;
	pool->br = br;
	pool->br_size = size;
	br = MAP_FAILED;
	/* Zeroed: the kernel fills it, unseen by valgrind. */
	pool->mem = xcalloc(LOOP_POOL_BUFS, LOOP_BUF_SIZE);
	TAILQ_INIT(&pool->starved);
	io_uring_buf_ring_init(pool->br);
	for (unsigned i = 0; i < LOOP_POOL_BUFS; i++) {
		struct loop_buf *buf = &pool->bufs[i];

		buf->loop = loop;
		buf->data = pool->mem + (size_t)i * LOOP_BUF_SIZE;
		buf->size = LOOP_BUF_SIZE;
		buf->bid = (unsigned short)i;
		buf->pool = pool;
		io_uring_buf_ring_add(pool->br, buf->data, buf->size, buf->bid,
				      io_uring_buf_ring_mask(LOOP_POOL_BUFS), (int)i);
	}
	io_uring_buf_ring_advance(pool->br, LOOP_POOL_BUFS);
	pool->nfree = LOOP_POOL_BUFS;
	u->npools++;
	TAILQ_INSERT_TAIL(&u->pools, pool, entry);
	*out = pool;
out:
	if (br != MAP_FAILED)
		munmap(br, size);
	return rc < 0 ? rc : 0;
}

static void
pool_free(struct uring_be *u, struct uring_pool *pool)
{
	io_uring_unregister_buf_ring(&u->ring, pool->bgid);
	munmap(pool->br, pool->br_size);
	free(pool->mem);
	free(pool);
}

/* Gives buf back to the kernel. */
static void
pool_put(struct uring_pool *pool, struct loop_buf *buf)
{
	io_uring_buf_ring_add(pool->br, buf->data, buf->size, buf->bid,
			      io_uring_buf_ring_mask(LOOP_POOL_BUFS), 0);
	io_uring_buf_ring_advance(pool->br, 1);
	pool->nfree++;
}

/* --- streams -------------------------------------------------------------------- */

static void arm_read(struct loop *loop, struct loop_stream *s);

/* A read found the pipe empty and returned EAGAIN instead of waiting (older
 * kernels do so for O_NONBLOCK files): wait for data with a POLL_ADD. */
static void
arm_poll(struct loop *loop, struct loop_stream *s)
{
	struct uring_be *u = loop->be;
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_poll_add(sqe, s->fd, POLLIN);
	set_op(u, sqe, &s->poll_op);
	s->reading = true;
	s->inflight++;
}

static void
poll_complete(struct loop *loop, struct loop_op *op, int res, unsigned flags)
{
	struct loop_stream *s = container_of(op, struct loop_stream, poll_op);
	struct uring_be *u = loop->be;

	u->inflight--;
	s->inflight--;
	s->reading = false;
	if (!s->dead && !s->ended)
		arm_read(loop, s); /* an error shows on the read */
}

static void
arm_read(struct loop *loop, struct loop_stream *s)
{
	struct uring_be *u = loop->be;
	struct uring_pool *pool = s->pool;
	struct io_uring_sqe *sqe;

	if (pool != NULL) {
		sqe = get_sqe(u);
		/* Buffers are picked by the kernel, so len and addr are 0. */
		io_uring_prep_rw(URING_OP_READ_MULTISHOT, sqe, s->fd, NULL, 0, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = pool->bgid;
	} else {
		struct loop_buf *buf = NULL;

		for (unsigned i = 0; i < LOOP_STREAM_BUFS && buf == NULL; i++) {
			if (!s->bufs[i].busy)
				buf = &s->bufs[i];
		}
		if (buf == NULL)
			return; /* armed again when a buffer comes back */
		s->rbuf = buf->bid;
		sqe = get_sqe(u);
		io_uring_prep_read(sqe, s->fd, buf->data, buf->size, (uint64_t)-1);
	}
	set_op(u, sqe, &s->read_op);
	s->reading = true;
	s->inflight++;
}

static void
read_complete(struct loop *loop, struct loop_op *op, int res, unsigned flags)
{
	struct loop_stream *s = container_of(op, struct loop_stream, read_op);
	struct uring_be *u = loop->be;
	struct uring_pool *pool = s->pool;
	struct loop_buf *buf = NULL;
	bool more = (flags & IORING_CQE_F_MORE) != 0;

	if (!more) {
		u->inflight--;
		s->inflight--;
		s->reading = false;
	}
	if (pool != NULL && (flags & IORING_CQE_F_BUFFER)) {
		buf = &pool->bufs[flags >> IORING_CQE_BUFFER_SHIFT];
		pool->nfree--;
	} else if (pool == NULL && res > 0) {
		buf = &s->bufs[s->rbuf];
	}
	if (s->dead || s->ended || res <= 0) {
		if (buf != NULL && pool != NULL)
			pool_put(pool, buf);
		if (s->dead || s->ended)
			return;
	}
	if (res > 0) {
		loop_stream_deliver(s, buf, (size_t)res, 0);
		if (!more && !s->dead && !s->reading)
			arm_read(loop, s);
		return;
	}
	switch (res) {
	case 0:
		loop_stream_deliver(s, NULL, 0, 0);
		break;
	case -ENOBUFS:
		if (pool == NULL)
			BUG("ENOBUFS from a read with a buffer of its own");
		/* The pool ran dry.  Re-arming at once would fail again
		 * (thousands of times in a burst: the "ENOBUFS storm"), so
		 * the stream waits until buffers come back (wake_starved). */
		s->starved = true;
		TAILQ_INSERT_TAIL(&pool->starved, s, starved_entry);
		break;
	case -EAGAIN:
	case -EINTR:
		arm_poll(loop, s);
		break;
	case -ECANCELED:
		if (!more && !s->reading)
			arm_read(loop, s);
		break;
	default:
		loop_stream_deliver(s, NULL, 0, res);
		break;
	}
}

/* Re-arms starved multishot reads, no more of them than buffers came back,
 * oldest first. */
static void
wake_starved(struct loop *loop, struct uring_be *u)
{
	struct uring_pool *pool;
	struct loop_stream *s;

	TAILQ_FOREACH(pool, &u->pools, entry) {
		for (unsigned k = pool->nfree; k > 0; k--) {
			if ((s = TAILQ_FIRST(&pool->starved)) == NULL)
				break;
			TAILQ_REMOVE(&pool->starved, s, starved_entry);
			s->starved = false;
			arm_read(loop, s);
		}
	}
}

static void
uring_stream_start(struct loop_stream *s)
{
	struct loop *loop = s->loop;
	struct uring_be *u = loop->be;
	struct uring_pool *pool;

	s->read_op.complete = read_complete;
	s->poll_op.complete = poll_complete;
	if (u->mshot) {
		TAILQ_FOREACH(pool, &u->pools, entry) {
			if (pool->nstreams < LOOP_POOL_STREAMS)
				break;
		}
		if (pool == NULL) {
			int rc = pool_new(loop, u, &pool);

			if (rc < 0)
				log_warn("cannot add a buffer ring, reading with re-armed "
					 "reads: %s",
					 strerror(-rc));
		}
		if (pool != NULL) {
			pool->nstreams++;
			s->pool = pool;
		}
	}
	if (s->pool == NULL)
		loop_stream_alloc_bufs(s);
	arm_read(loop, s);
}

static void
uring_stream_cancel(struct loop_stream *s)
{
	struct uring_be *u = s->loop->be;
	struct uring_pool *pool = s->pool;

	if (s->starved) {
		TAILQ_REMOVE(&pool->starved, s, starved_entry);
		s->starved = false;
	}
	if (s->reading && !s->cancelling) {
		/* One of the two is in flight; cancelling the other one
		 * finds nothing. */
		cancel_op(u, &s->read_op);
		cancel_op(u, &s->poll_op);
		s->cancelling = true;
	}
}

static void
uring_stream_release(struct loop_stream *s)
{
	if (s->pool != NULL)
		((struct uring_pool *)s->pool)->nstreams--;
}

static void
uring_buf_release(struct loop_buf *buf)
{
	struct loop_stream *s = buf->owner;

	if (buf->pool != NULL) {
		pool_put(buf->pool, buf);
		return;
	}
	if (!s->dead && !s->ended && !s->reading)
		arm_read(s->loop, s);
}

/* --- watches -------------------------------------------------------------------- */

static unsigned
poll_mask(unsigned events)
{
	return ((events & LOOP_READ) ? POLLIN : 0u) | ((events & LOOP_WRITE) ? POLLOUT : 0u);
}

static unsigned
revents_of(int res)
{
	return ((res & POLLIN) ? LOOP_READ : 0u) | ((res & POLLOUT) ? LOOP_WRITE : 0u) |
	       ((res & POLLHUP) ? LOOP_HUP : 0u) | ((res & (POLLERR | POLLNVAL)) ? LOOP_ERR : 0u);
}

/* One-shot POLL_ADD: it checks readiness when armed, so re-arming after
 * each callback gives poll(2)'s level-triggered behaviour (see loop.h). */
static void
arm_watch(struct uring_be *u, struct loop_watch *w)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_poll_add(sqe, w->fd, poll_mask(w->events));
	set_op(u, sqe, &w->op);
	w->armed = true;
	w->armed_events = w->events;
	w->inflight++;
}

static void
remove_watch(struct uring_be *u, struct loop_watch *w)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_poll_remove(sqe, (uint64_t)(uintptr_t)&w->op);
	set_op(u, sqe, NULL);
	w->cancelling = true;
}

static void
watch_complete(struct loop *loop, struct loop_op *op, int res, unsigned flags)
{
	struct loop_watch *w = container_of(op, struct loop_watch, op);
	struct uring_be *u = loop->be;
	unsigned re;

	u->inflight--;
	w->inflight--;
	w->armed = false;
	w->cancelling = false;
	if (w->dead)
		return;
	/* -ECANCELED: removed by watch_update() to change the events. */
	if (res != -ECANCELED) {
		re = res < 0 ? LOOP_ERR : revents_of(res);
		re &= w->events | LOOP_HUP | LOOP_ERR;
		if (re != 0)
			w->cb(w, w->fd, re, w->arg);
	}
	if (!w->dead && !w->armed && w->events != 0)
		arm_watch(u, w);
}

static void
uring_watch_update(struct loop_watch *w)
{
	struct uring_be *u = w->loop->be;

	w->op.complete = watch_complete;
	if (w->armed) {
		/* The completion re-arms it with the new events. */
		if (!w->cancelling && w->armed_events != w->events)
			remove_watch(u, w);
	} else if (w->events != 0) {
		arm_watch(u, w);
	}
}

static void
uring_watch_cancel(struct loop_watch *w)
{
	struct uring_be *u = w->loop->be;

	if (w->armed && !w->cancelling)
		remove_watch(u, w);
}

/* --- writes -------------------------------------------------------------------- */

static void
submit_write(struct uring_be *u, struct loop_wreq *req)
{
	struct io_uring_sqe *sqe = get_sqe(u);
	size_t left = req->len - req->done;
	unsigned n = left > (1u << 30) ? 1u << 30 : (unsigned)left;

	io_uring_prep_write(sqe, req->fd, req->data + req->done, n, req->off + req->done);
	set_op(u, sqe, &req->op);
}

static void
write_complete(struct loop *loop, struct loop_op *op, int res, unsigned flags)
{
	struct loop_wreq *req = container_of(op, struct loop_wreq, op);
	struct uring_be *u = loop->be;

	u->inflight--;
	if (res == -EINTR || res == -EAGAIN) {
		submit_write(u, req);
		return;
	}
	if (res < 0) {
		req->err = res;
	} else if (res == 0) {
		req->err = -EIO;
	} else {
		req->done += (size_t)res;
		if (req->done < req->len) {
			submit_write(u, req); /* a short write */
			return;
		}
	}
	loop_write_finish(loop, req);
}

static void
uring_write(struct loop *loop, struct loop_wreq *req)
{
	req->op.complete = write_complete;
	if (req->len == 0) {
		TAILQ_INSERT_TAIL(&loop->done_writes, req, entry);
		return;
	}
	submit_write(loop->be, req);
}

/* --- waiting ---------------------------------------------------------------------- */

/* Runs the completions that are ready.  Returns: how many. */
static int
reap(struct loop *loop, struct uring_be *u)
{
	struct io_uring_cqe *cqe;
	int n = 0;

	while (n < URING_CQ_ENTRIES && io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		struct loop_op *op = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		unsigned flags = cqe->flags;

		/* Seen before the callback runs: it may submit and wait. */
		io_uring_cqe_seen(&u->ring, cqe);
		if (op != NULL)
			op->complete(loop, op, res, flags);
		n++;
	}
	return n;
}

static void
set_ts(struct __kernel_timespec *ts, int64_t ns)
{
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

static int
uring_wait(struct loop *loop, int64_t timeout_ns)
{
	struct uring_be *u = loop->be;
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	int64_t window = (int64_t)loop->batch_usec * 1000;
	unsigned wait_nr = 1;
	uint64_t start;
	int rc, n;

	wake_starved(loop, u);
	if (io_uring_cq_ready(&u->ring) > 0)
		timeout_ns = 0;
	/* Batching: while completions keep coming, wait for several (or
	 * the window) per wake-up.  DEFER_TASKRUN makes the kernel wake
	 * us only once wait_nr are ready. */
	if (u->busy && loop->batch_nr > 1 && timeout_ns != 0) {
		wait_nr = loop->batch_nr;
		if (timeout_ns < 0 || timeout_ns > window)
			timeout_ns = window;
	}
	set_ts(&ts, timeout_ns);
	start = mono_ns();
	rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, wait_nr, timeout_ns >= 0 ? &ts : NULL,
					      NULL);
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
		return rc;
	n = reap(loop, u);
	u->busy = n > 0 && (int64_t)(mono_ns() - start) < window;
	return n;
}

static void
uring_release(struct loop *loop)
{
	struct uring_be *u = loop->be;
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct uring_pool *pool;
	struct loop_stream *s;
	uint64_t deadline;

	/* Writes always complete; wait for them first, so that nothing
	 * below cancels one. */
	set_ts(&ts, 100 * 1000000LL);
	while (loop->writes > 0) {
		io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
		reap(loop, u);
	}
	/* Watches and streams were cancelled one by one; cancel anything
	 * left as well (5.19), then wait, for a while, for it all to end. */
	sqe = get_sqe(u);
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	set_op(u, sqe, NULL);
	deadline = mono_ns() + URING_DRAIN_MS * 1000000ULL;
	while (u->inflight > 0 && mono_ns() < deadline) {
		io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
		reap(loop, u);
	}
	if (u->inflight > 0)
		log_warn("%u io_uring operations did not end", u->inflight);
	/* loop_free() frees the streams after this. */
	TAILQ_FOREACH(s, &loop->dead_streams, entry)
		s->pool = NULL;
	while ((pool = TAILQ_FIRST(&u->pools)) != NULL) {
		TAILQ_REMOVE(&u->pools, pool, entry);
		pool_free(u, pool);
	}
	io_uring_queue_exit(&u->ring);
	free(u);
	loop->be = NULL;
}

static const struct loop_ops uring_ops = {
	.name = "io_uring",
	.release = uring_release,
	.watch_update = uring_watch_update,
	.watch_cancel = uring_watch_cancel,
	.stream_start = uring_stream_start,
	.stream_cancel = uring_stream_cancel,
	.stream_release = uring_stream_release,
	.buf_release = uring_buf_release,
	.write = uring_write,
	.wait = uring_wait,
};

/* Ring set-up flags, best first ("DEFER_TASKRUN should be considered the
 * default mode", man io_uring_setup_flags(7)); a kernel that does not know
 * a flag answers EINVAL. */
static const struct {
	unsigned flags;
	const char *name;
} setup_modes[] = {
	{ IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, "defer-taskrun" },
	{ IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, "coop-taskrun" },
	{ 0, NULL },
};

static const struct {
	int op;
	const char *name;
} required_ops[] = {
	{ IORING_OP_POLL_ADD, "POLL_ADD" },	    { IORING_OP_POLL_REMOVE, "POLL_REMOVE" },
	{ IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL" }, { IORING_OP_READ, "READ" },
	{ IORING_OP_WRITE, "WRITE" },
};

int
loop_uring_init(struct loop *loop, bool rearm, char **cause)
{
	struct uring_be *u = xcalloc(1, sizeof(*u));
	struct io_uring_probe *probe = NULL;
	struct io_uring_params p;
	struct uring_pool *pool;
	const char *mode = NULL;
	bool ring = false;
	int rc = -EINVAL;

	TAILQ_INIT(&u->pools);
	for (size_t i = 0; i < ARRAY_SIZE(setup_modes); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = setup_modes[i].flags | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
		p.cq_entries = URING_CQ_ENTRIES;
		rc = io_uring_queue_init_params(URING_SQ_ENTRIES, &u->ring, &p);
		mode = setup_modes[i].name;
		if (rc != -EINVAL)
			break;
	}
	if (rc < 0) {
		xasprintf(cause, "io_uring_setup: %s%s", strerror(-rc),
			  rc == -EPERM || rc == -ENOSYS
				  ? " (is it blocked by seccomp or kernel.io_uring_disabled?)"
				  : "");
		goto out;
	}
	ring = true;
	if ((p.features & IORING_FEAT_EXT_ARG) == 0) {
		/* Without it, liburing queues a TIMEOUT SQE for every wait. */
		xasprintf(cause, "io_uring lacks IORING_FEAT_EXT_ARG (Linux 5.11)");
		rc = -ENOSYS;
		goto out;
	}
	if ((probe = io_uring_get_probe_ring(&u->ring)) == NULL) {
		xasprintf(cause, "cannot probe io_uring opcodes");
		rc = -ENOSYS;
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(required_ops); i++) {
		if (!io_uring_opcode_supported(probe, required_ops[i].op)) {
			xasprintf(cause, "io_uring lacks IORING_OP_%s", required_ops[i].name);
			rc = -ENOSYS;
			goto out;
		}
	}
	u->mshot = !rearm && io_uring_opcode_supported(probe, URING_OP_READ_MULTISHOT);
	if (u->mshot && (rc = pool_new(loop, u, &pool)) < 0) {
		log_info("no buffer rings, using re-armed reads: %s", strerror(-rc));
		u->mshot = false;
	}
	loop->ops = &uring_ops;
	loop->be = u;
	xasprintf(&loop->desc, "io_uring (%s%s%s)",
		  u->mshot ? "multishot reads, buffer ring" : "re-armed reads",
		  mode != NULL ? ", " : "", mode != NULL ? mode : "");
	u = NULL;
	rc = 0;
out:
	if (probe != NULL)
		io_uring_free_probe(probe);
	if (u != NULL && ring)
		io_uring_queue_exit(&u->ring);
	free(u);
	return rc;
}
