/* The event loop's plain backend: ppoll(2) for readiness and timers, read(2)
 * for streams, pwrite(2) for writes.  Used where io_uring is unavailable or
 * CHAINBOX_NO_URING=1; it behaves like the io_uring backend (loop.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "loop_int.h"
#include "xalloc.h"

/* Reads of one stream per round, so that one flooding pipe cannot starve
 * the others or the timers. */
#define POLL_READS_PER_ROUND 4

struct poll_ent {
	struct loop_watch *w; /* one of w and s */
	struct loop_stream *s;
};

struct poll_be {
	struct pollfd *pfds;
	struct poll_ent *ents;
	size_t n, alloc;
};

static void
poll_release(struct loop *loop)
{
	struct poll_be *be = loop->be;

	free(be->pfds);
	free(be->ents);
	free(be);
	loop->be = NULL;
}

/* The pollfd set is rebuilt every round from the live watches and streams:
 * a few dozen entries, far cheaper than the ppoll() itself. */
static void
poll_watch_update(struct loop_watch *w)
{
}

static void
poll_watch_cancel(struct loop_watch *w)
{
}

static void
poll_stream_start(struct loop_stream *s)
{
	loop_stream_alloc_bufs(s);
}

static void
poll_stream_cancel(struct loop_stream *s)
{
}

static void
poll_stream_release(struct loop_stream *s)
{
}

static void
poll_buf_release(struct loop_buf *buf)
{
}

/* Writes at once: regular files do not block for long, and the callback
 * still runs from the loop, after the current callback returns. */
static void
poll_write(struct loop *loop, struct loop_wreq *req)
{
	while (req->done < req->len) {
		ssize_t n = pwrite(req->fd, req->data + req->done, req->len - req->done,
				   (off_t)(req->off + req->done));

		if (n > 0) {
			req->done += (size_t)n;
		} else if (n == 0) {
			req->err = -EIO;
			break;
		} else if (errno == EAGAIN) {
			struct pollfd pfd = { .fd = req->fd, .events = POLLOUT };

			TEMP_FAILURE_RETRY_INT(poll(&pfd, 1, -1));
		} else if (errno != EINTR) {
			req->err = -errno;
			break;
		}
	}
	TAILQ_INSERT_TAIL(&loop->done_writes, req, entry);
}

static struct loop_buf *
free_buf(struct loop_stream *s)
{
	for (unsigned i = 0; i < LOOP_STREAM_BUFS; i++) {
		if (!s->bufs[i].busy)
			return &s->bufs[i];
	}
	return NULL;
}

static void
add_ent(struct poll_be *be, int fd, short events, struct loop_watch *w, struct loop_stream *s)
{
	if (be->n == be->alloc) {
		be->alloc = be->alloc ? 2 * be->alloc : 16;
		be->pfds = xreallocarray(be->pfds, be->alloc, sizeof(*be->pfds));
		be->ents = xreallocarray(be->ents, be->alloc, sizeof(*be->ents));
	}
	be->pfds[be->n] = (struct pollfd){ .fd = fd, .events = events };
	be->ents[be->n] = (struct poll_ent){ .w = w, .s = s };
	be->n++;
}

static void
rebuild(struct loop *loop, struct poll_be *be)
{
	struct loop_watch *w;
	struct loop_stream *s;

	be->n = 0;
	TAILQ_FOREACH(w, &loop->watches, entry) {
		short ev = (short)(((w->events & LOOP_READ) ? POLLIN : 0) |
				   ((w->events & LOOP_WRITE) ? POLLOUT : 0));

		/* A paused watch must not report POLLHUP over and over. */
		add_ent(be, w->events != 0 ? w->fd : -1, ev, w, NULL);
	}
	TAILQ_FOREACH(s, &loop->streams, entry) {
		/* Without a free buffer the pipe waits (and fills up). */
		if (!s->ended && free_buf(s) != NULL)
			add_ent(be, s->fd, POLLIN, NULL, s);
	}
}

static unsigned
revents_of(short re)
{
	return ((re & POLLIN) ? LOOP_READ : 0u) | ((re & POLLOUT) ? LOOP_WRITE : 0u) |
	       ((re & POLLHUP) ? LOOP_HUP : 0u) | ((re & (POLLERR | POLLNVAL)) ? LOOP_ERR : 0u);
}

/* Reads what s has, a few buffers at most; each write its callback starts
 * completes before the next read, so one buffer usually suffices. */
static int
read_stream(struct loop *loop, struct loop_stream *s)
{
	struct loop_buf *buf;
	int n = 0;

	for (int i = 0; i < POLL_READS_PER_ROUND; i++) {
		ssize_t len;

		if (s->dead || s->ended || (buf = free_buf(s)) == NULL)
			break;
		len = read(s->fd, buf->data, buf->size);
		if (len > 0) {
			loop_stream_deliver(s, buf, (size_t)len, 0);
		} else if (len == 0) {
			loop_stream_deliver(s, NULL, 0, 0);
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN) {
			break;
		} else {
			loop_stream_deliver(s, NULL, 0, -errno);
		}
		n++;
		n += loop_run_done_writes(loop);
	}
	return n;
}

static int
poll_wait(struct loop *loop, int64_t timeout_ns)
{
	struct poll_be *be = loop->be;
	struct timespec ts, *tsp = NULL;
	int rc, n = 0;

	rebuild(loop, be);
	if (timeout_ns >= 0) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000);
		ts.tv_nsec = (long)(timeout_ns % 1000000000);
		tsp = &ts;
	}
	rc = ppoll(be->pfds, be->n, tsp, NULL);
	if (rc < 0)
		return -errno;
	for (size_t i = 0; i < be->n && rc > 0; i++) {
		struct poll_ent *e = &be->ents[i];
		unsigned re;

		if (be->pfds[i].revents == 0)
			continue;
		rc--;
		if (e->s != NULL) {
			n += read_stream(loop, e->s);
			continue;
		}
		/* Entries removed or paused during this round are skipped;
		 * dead ones are freed only after it. */
		re = revents_of(be->pfds[i].revents) & (e->w->events | LOOP_HUP | LOOP_ERR);
		if (e->w->dead || re == 0)
			continue;
		e->w->cb(e->w, e->w->fd, re, e->w->arg);
		n++;
		n += loop_run_done_writes(loop);
	}
	return n;
}

static const struct loop_ops poll_ops = {
	.name = "poll",
	.release = poll_release,
	.watch_update = poll_watch_update,
	.watch_cancel = poll_watch_cancel,
	.stream_start = poll_stream_start,
	.stream_cancel = poll_stream_cancel,
	.stream_release = poll_stream_release,
	.buf_release = poll_buf_release,
	.write = poll_write,
	.wait = poll_wait,
};

void
loop_poll_init(struct loop *loop)
{
	loop->ops = &poll_ops;
	loop->be = xcalloc(1, sizeof(struct poll_be));
}
