/* The event loop's backend-neutral part (see loop.h): picking the backend,
 * handles and their deferred freeing, and timers, which both backends turn
 * into the timeout of their wait. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "loop_int.h"
#include "xalloc.h"

#define NS_PER_MS 1000000ULL

#ifndef HAVE_IO_URING
int
loop_uring_init(struct loop *loop, bool rearm, char **cause)
{
	xasprintf(cause, "built without io_uring (--without-io-uring)");
	return -ENOSYS;
}
#endif

/* CHAINBOX_NO_URING=1 (any value but empty or "0") asks for poll. */
static bool
is_uring_disabled(void)
{
	const char *v = getenv("CHAINBOX_NO_URING");

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

struct loop *
loop_new(enum loop_backend want, char **cause)
{
	struct loop *loop;
	char *why = NULL;
	int rc;

	loop = xcalloc(1, sizeof(*loop));
	TAILQ_INIT(&loop->watches);
	TAILQ_INIT(&loop->dead_watches);
	TAILQ_INIT(&loop->streams);
	TAILQ_INIT(&loop->dead_streams);
	TAILQ_INIT(&loop->timers);
	TAILQ_INIT(&loop->all_timers);
	TAILQ_INIT(&loop->done_writes);
	loop->batch_nr = 16;
	loop->batch_usec = 1000;

	if (want == LOOP_POLL) {
		loop_poll_init(loop);
		xasprintf(&loop->desc, "poll");
		return loop;
	}
	if (want == LOOP_AUTO && is_uring_disabled()) {
		loop_poll_init(loop);
		xasprintf(&loop->desc, "poll (CHAINBOX_NO_URING=1)");
		return loop;
	}
	rc = loop_uring_init(loop, want == LOOP_URING_REARM, &why);
	if (rc == 0)
		return loop;
	if (want != LOOP_AUTO) {
		*cause = why;
		free(loop);
		return NULL;
	}
	log_info("io_uring unavailable, using poll: %s", why);
	loop_poll_init(loop);
	xasprintf(&loop->desc, "poll (io_uring unavailable: %s)", why);
	free(why);
	return loop;
}

/* Frees dead watches and streams that nothing in flight points to any more
 * (all of them when force is set: the loop is going away). */
static void
sweep(struct loop *loop, bool force)
{
	struct loop_watch *w, *wnext;
	struct loop_stream *s, *snext;

	for (w = TAILQ_FIRST(&loop->dead_watches); w != NULL; w = wnext) {
		wnext = TAILQ_NEXT(w, entry);
		if (w->inflight != 0 && !force)
			continue;
		TAILQ_REMOVE(&loop->dead_watches, w, entry);
		free(w);
	}
	for (s = TAILQ_FIRST(&loop->dead_streams); s != NULL; s = snext) {
		snext = TAILQ_NEXT(s, entry);
		if (s->inflight != 0 && !force)
			continue;
		TAILQ_REMOVE(&loop->dead_streams, s, entry);
		loop->ops->stream_release(s);
		if (s->fd != -1)
			close(s->fd);
		free(s->mem);
		free(s);
	}
}

void
loop_free(struct loop *loop)
{
	struct loop_timer *t;

	if (loop == NULL)
		return;
	loop->closing = true;
	while (!TAILQ_EMPTY(&loop->watches))
		loop_unwatch(TAILQ_FIRST(&loop->watches));
	while (!TAILQ_EMPTY(&loop->streams))
		loop_stream_free(TAILQ_FIRST(&loop->streams));
	while ((t = TAILQ_FIRST(&loop->all_timers)) != NULL)
		loop_timer_free(t);
	loop_run_done_writes(loop); /* without callbacks: closing */
	loop->ops->release(loop);
	sweep(loop, true);
	free(loop->desc);
	free(loop);
}

const char *
loop_backend_name(const struct loop *loop)
{
	return loop->ops->name;
}

const char *
loop_describe(const struct loop *loop)
{
	return loop->desc;
}

void
loop_set_batch(struct loop *loop, unsigned nr, unsigned usec)
{
	loop->batch_nr = nr;
	loop->batch_usec = usec;
}

uint64_t
loop_now_ms(const struct loop *loop)
{
	return mono_ns() / NS_PER_MS;
}

void
loop_stop(struct loop *loop)
{
	loop->stopped = true;
}

/* Puts t in the active list at deadline, after every timer due at the same
 * time or earlier, so that ties run in the order they were started.  There
 * are few timers; a sorted list is enough. */
static void
timer_insert(struct loop *loop, struct loop_timer *t, uint64_t deadline_ns)
{
	struct loop_timer *at;

	t->deadline_ns = deadline_ns;
	t->seq = ++loop->timer_seq;
	t->active = true;
	TAILQ_FOREACH_REVERSE(at, &loop->timers, loop_timers_head, entry) {
		if (at->deadline_ns <= deadline_ns)
			break;
	}
	if (at == NULL)
		TAILQ_INSERT_HEAD(&loop->timers, t, entry);
	else
		TAILQ_INSERT_AFTER(&loop->timers, at, t, entry);
}

/* Runs the timers due now, in deadline order.  A timer (re)started by a
 * callback waits for the next round even when it is due at once, so that a
 * callback restarting itself with 0 cannot hold the loop. */
static int
run_timers(struct loop *loop)
{
	uint64_t now = mono_ns(), limit = loop->timer_seq;
	struct loop_timer *t;
	int n = 0;

	while ((t = TAILQ_FIRST(&loop->timers)) != NULL) {
		if (t->deadline_ns > now || t->seq > limit)
			break;
		TAILQ_REMOVE(&loop->timers, t, entry);
		t->active = false;
		if (t->every_ns != 0) {
			/* Keep the cadence, but skip missed periods rather
			 * than running them back to back. */
			uint64_t next = t->deadline_ns + t->every_ns;

			timer_insert(loop, t, next > now ? next : now + t->every_ns);
		}
		t->cb(t, t->arg); /* t may be freed from here on */
		n++;
	}
	return n;
}

int
loop_run_once(struct loop *loop, int timeout_ms)
{
	int64_t timeout_ns = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * (int64_t)NS_PER_MS;
	struct loop_timer *t;
	int n, rc;

	n = loop_run_done_writes(loop);
	if ((t = TAILQ_FIRST(&loop->timers)) != NULL) {
		uint64_t now = mono_ns();
		int64_t left = t->deadline_ns > now ? (int64_t)(t->deadline_ns - now) : 0;

		if (timeout_ns < 0 || left < timeout_ns)
			timeout_ns = left;
	}
	if (n > 0 || !TAILQ_EMPTY(&loop->done_writes))
		timeout_ns = 0;
	rc = loop->ops->wait(loop, timeout_ns);
	if (rc < 0 && rc != -EINTR) {
		sweep(loop, false);
		return rc;
	}
	if (rc > 0)
		n += rc;
	n += run_timers(loop);
	sweep(loop, false);
	return n;
}

int
loop_run(struct loop *loop)
{
	int rc = 0;

	while (!loop->stopped) {
		rc = loop_run_once(loop, -1);
		if (rc < 0)
			break;
	}
	loop->stopped = false;
	return rc < 0 ? rc : 0;
}

/* --- watches ----------------------------------------------------------------- */

struct loop_watch *
loop_watch(struct loop *loop, int fd, unsigned events, loop_watch_fn *cb, void *arg)
{
	struct loop_watch *w = xcalloc(1, sizeof(*w));

	w->loop = loop;
	w->fd = fd;
	w->events = events & (LOOP_READ | LOOP_WRITE);
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&loop->watches, w, entry);
	loop->ops->watch_update(w);
	return w;
}

void
loop_watch_set(struct loop_watch *w, unsigned events)
{
	events &= LOOP_READ | LOOP_WRITE;
	if (w->dead || w->events == events)
		return;
	w->events = events;
	w->loop->ops->watch_update(w);
}

void
loop_unwatch(struct loop_watch *w)
{
	struct loop *loop;

	if (w == NULL || w->dead)
		return;
	loop = w->loop;
	w->dead = true;
	TAILQ_REMOVE(&loop->watches, w, entry);
	TAILQ_INSERT_TAIL(&loop->dead_watches, w, entry);
	loop->ops->watch_cancel(w);
}

/* --- timers ------------------------------------------------------------------ */

struct loop_timer *
loop_timer_new(struct loop *loop, loop_timer_fn *cb, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));

	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	TAILQ_INSERT_TAIL(&loop->all_timers, t, all_entry);
	return t;
}

void
loop_timer_start(struct loop_timer *t, uint64_t after_ms, uint64_t every_ms)
{
	loop_timer_stop(t);
	t->every_ns = every_ms * NS_PER_MS;
	timer_insert(t->loop, t, mono_ns() + after_ms * NS_PER_MS);
}

void
loop_timer_stop(struct loop_timer *t)
{
	if (!t->active)
		return;
	TAILQ_REMOVE(&t->loop->timers, t, entry);
	t->active = false;
}

bool
loop_timer_is_active(const struct loop_timer *t)
{
	return t->active;
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	loop_timer_stop(t);
	TAILQ_REMOVE(&t->loop->all_timers, t, all_entry);
	free(t);
}

/* --- streams ------------------------------------------------------------------ */

int
loop_stream_new(struct loop *loop, struct loop_stream **sp, int fd, loop_stream_fn *cb,
		void *arg)
{
	struct loop_stream *s;
	int fl;

	*sp = NULL;
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->fd = fd;
	s->cb = cb;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&loop->streams, s, entry);
	loop->ops->stream_start(s);
	*sp = s;
	return 0;
}

void
loop_stream_free(struct loop_stream *s)
{
	struct loop *loop;

	if (s == NULL || s->dead)
		return;
	loop = s->loop;
	s->dead = true;
	TAILQ_REMOVE(&loop->streams, s, entry);
	TAILQ_INSERT_TAIL(&loop->dead_streams, s, entry);
	loop->ops->stream_cancel(s);
}

void
loop_stream_alloc_bufs(struct loop_stream *s)
{
	if (s->mem != NULL)
		return;
	/* Zeroed: io_uring fills it, unseen by valgrind. */
	s->mem = xcalloc(LOOP_STREAM_BUFS, LOOP_BUF_SIZE);
	for (unsigned i = 0; i < LOOP_STREAM_BUFS; i++) {
		s->bufs[i].data = s->mem + (size_t)i * LOOP_BUF_SIZE;
		s->bufs[i].size = LOOP_BUF_SIZE;
		s->bufs[i].bid = (unsigned short)i;
		s->bufs[i].owner = s;
		s->bufs[i].loop = s->loop;
	}
}

void
loop_stream_deliver(struct loop_stream *s, struct loop_buf *buf, size_t len, int err)
{
	if (buf == NULL) {
		s->ended = true;
		s->cb(s, NULL, NULL, 0, err, s->arg);
		return;
	}
	buf->busy = true;
	if (buf->owner != NULL)
		s->inflight++;
	s->cb(s, buf, buf->data, len, 0, s->arg);
}

void
loop_buf_release(struct loop_buf *buf)
{
	if (!buf->busy)
		BUG("loop_buf released twice");
	buf->busy = false;
	if (buf->owner != NULL)
		buf->owner->inflight--;
	buf->loop->ops->buf_release(buf);
}

/* --- writes ------------------------------------------------------------------ */

void
loop_write(struct loop *loop, int fd, const void *data, size_t len, uint64_t off,
	   loop_write_fn *done, void *arg)
{
	struct loop_wreq *req = xcalloc(1, sizeof(*req));

	req->fd = fd;
	req->data = data;
	req->len = len;
	req->off = off;
	req->cb = done;
	req->arg = arg;
	loop->writes++;
	loop->ops->write(loop, req);
}

void
loop_write_finish(struct loop *loop, struct loop_wreq *req)
{
	loop->writes--;
	if (!loop->closing)
		req->cb(req->arg, req->err, req->done);
	free(req);
}

int
loop_run_done_writes(struct loop *loop)
{
	struct loop_wreq *req;
	int n = 0;

	while ((req = TAILQ_FIRST(&loop->done_writes)) != NULL) {
		TAILQ_REMOVE(&loop->done_writes, req, entry);
		loop_write_finish(loop, req);
		n++;
	}
	return n;
}
