/* The supervisor's event loop: fd watches, timers, pipe streams and file
 * writes, on one io_uring ring or on poll(2) with read(2) and pwrite(2).
 *
 * The backend is picked once, in loop_new(): io_uring unless
 * CHAINBOX_NO_URING=1 is in the environment, the build has no io_uring
 * (--without-io-uring), or the kernel refuses it (seccomp, the
 * kernel.io_uring_disabled sysctl, an old kernel); then poll.  Both backends
 * behave the same; loop_backend_name() and loop_describe() say which one
 * runs, for `chainbox status`.
 *
 * The loop is single-threaded: create it, run it and call every function
 * below from one thread (the io_uring ring is SINGLE_ISSUER).  Callbacks may
 * add and remove watches, timers and streams, the one being called back
 * included, and may call loop_stop().  Handles stay valid until they are
 * removed (loop_unwatch, loop_timer_free, loop_stream_free); freeing is
 * deferred inside the loop, so a callback never sees freed memory.
 *
 * Typical use by the supervisor:
 *	loop = loop_new(LOOP_AUTO, &cause);
 *	w = loop_watch(loop, listen_fd, LOOP_READ, on_accept, sup);
 *	t = loop_timer_new(loop, on_tick, sup); loop_timer_start(t, 1000, 1000);
 *	loop_run(loop);		until a callback calls loop_stop(loop)
 * Log pipes go through logcap.h, which uses streams and writes. */
#ifndef CHAINBOX_LOOP_H
#define CHAINBOX_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

struct loop;
struct loop_watch;
struct loop_timer;
struct loop_stream;
struct loop_buf;

enum loop_backend {
	LOOP_AUTO,	  /* io_uring, else poll (see above) */
	LOOP_URING,	  /* io_uring, or fail */
	LOOP_URING_REARM, /* io_uring with re-armed READs even where the
			     kernel has READ_MULTISHOT: for tests and
			     benchmarks */
	LOOP_POLL,	  /* poll(2), read(2), pwrite(2) */
};

/* Creates a loop.  In: want, the backend; LOOP_AUTO also reads
 * CHAINBOX_NO_URING.
 * Returns: the loop (free with loop_free()), or NULL with *cause set (caller
 * frees) when the backend asked for cannot be set up.  LOOP_AUTO and
 * LOOP_POLL do not fail. */
struct loop *loop_new(enum loop_backend want, char **cause) WARN_UNUSED;
/* Frees the loop.  Watches, timers and streams still present are removed
 * without callbacks; writes still in flight are waited for, and their done
 * callbacks are not called.  Every loop_buf must have been released before.
 * NULL does nothing. */
void loop_free(struct loop *loop);

/* Returns: "io_uring" or "poll". */
const char *loop_backend_name(const struct loop *loop);
/* Returns: one line for `chainbox status`, the backend with the features in
 * use or why io_uring is not: "io_uring (multishot reads, buffer ring)",
 * "io_uring (re-armed reads)", "poll (CHAINBOX_NO_URING=1)",
 * "poll (io_uring unavailable: ...)".  Owned by the loop. */
const char *loop_describe(const struct loop *loop);

/* Runs the loop until loop_stop() is called.
 * Returns: 0 once stopped, or -errno when waiting fails. */
int loop_run(struct loop *loop) WARN_UNUSED;
/* Waits at most timeout_ms (-1: no limit, 0: do not block) for events, then
 * runs the callbacks of everything ready and of expired timers.
 * Returns: how many events were handled (0: it timed out), or -errno. */
int loop_run_once(struct loop *loop, int timeout_ms);
/* Makes loop_run() return after the current round of callbacks. */
void loop_stop(struct loop *loop);
/* Returns: the loop's clock (CLOCK_MONOTONIC) in milliseconds. */
uint64_t loop_now_ms(const struct loop *loop);

/* io_uring only: after a round that ran at least nr completions, the next
 * wait returns once nr completions are ready or usec have passed, so that
 * chatty nodes cause few wakeups; an idle loop still sleeps until something
 * happens.  nr <= 1 turns batching off.  Defaults: 16 completions, 1000 us.
 * The poll backend ignores it. */
void loop_set_batch(struct loop *loop, unsigned nr, unsigned usec);

/* --- watches: readiness of a descriptor ------------------------------------ */

/* Interest and readiness bits.  LOOP_HUP and LOOP_ERR are only reported:
 * LOOP_ERR also stands for an invalid descriptor (POLLNVAL). */
enum {
	LOOP_READ = 1u << 0,
	LOOP_WRITE = 1u << 1,
	LOOP_HUP = 1u << 2,
	LOOP_ERR = 1u << 3,
};

/* In: revents, the LOOP_* bits that are ready. */
typedef void loop_watch_fn(struct loop_watch *w, int fd, unsigned revents, void *arg);

/* Watches fd for events (LOOP_READ, LOOP_WRITE; 0 pauses the watch) until
 * loop_unwatch().  For listeners, client sockets, pidfds (readable once the
 * process exited) and seccomp notification fds.
 *
 * Watches are level-triggered on both backends, like poll(2): cb runs again
 * in the next round as long as fd is ready, so it must consume what is ready
 * (read, accept, reap, answer), pause the watch, or remove it.  One
 * notification per round is enough; draining to EAGAIN is not required,
 * which matters for seccomp fds, whose RECV blocks.  (On io_uring each
 * watch is a one-shot POLL_ADD re-armed after the callback, in the next
 * batched submission: a multishot poll merges wake-ups that arrive close
 * together, which would leave a second seccomp notification unseen.)
 *
 * In: fd is not owned; it must stay open until loop_unwatch().
 * Returns: the watch, never NULL. */
struct loop_watch *loop_watch(struct loop *loop, int fd, unsigned events, loop_watch_fn *cb,
			      void *arg);
/* Changes the events watched (e.g. adds LOOP_WRITE while a reply waits). */
void loop_watch_set(struct loop_watch *w, unsigned events);
/* Removes the watch; cb is not called again.  The caller may close the fd
 * right after.  NULL does nothing. */
void loop_unwatch(struct loop_watch *w);

/* --- timers ----------------------------------------------------------------- */

typedef void loop_timer_fn(struct loop_timer *t, void *arg);

/* Returns: a stopped timer (free with loop_timer_free()), never NULL. */
struct loop_timer *loop_timer_new(struct loop *loop, loop_timer_fn *cb, void *arg);
/* (Re)starts t: cb runs after_ms from now, then every every_ms if that is
 * not 0.  Timers due at the same time run in the order they were started. */
void loop_timer_start(struct loop_timer *t, uint64_t after_ms, uint64_t every_ms);
/* Stops t; its callback does not run until it is started again. */
void loop_timer_stop(struct loop_timer *t);
/* Returns: whether t will run (a one-shot timer stops once it ran). */
bool loop_timer_is_active(const struct loop_timer *t);
/* Stops and frees t.  NULL does nothing. */
void loop_timer_free(struct loop_timer *t);

/* --- streams: a pipe read continuously into the loop's buffers ------------- */

/* Data: buf != NULL, and data and len (> 0) are its contents.  The buffer
 * belongs to the callee until it calls loop_buf_release(buf), which it must
 * do exactly once, at any time (after a write of it completed, typically);
 * the stream reads less while its buffers are held, and stops reading when
 * none is left.
 * End: buf == NULL, len == 0, and err is 0 at end of file or -errno when a
 * read failed.  No further callback follows; free the stream. */
typedef void loop_stream_fn(struct loop_stream *s, struct loop_buf *buf, const void *data,
			    size_t len, int err, void *arg);

/* Starts reading fd, a pipe's read end (or another pollable descriptor;
 * never a regular file).  io_uring: READ_MULTISHOT with a shared ring of
 * provided buffers where the kernel has it (6.7), else one READ re-armed
 * after each completion; never IORING_OP_SPLICE, which parks a kernel
 * worker on every idle pipe.  poll: poll(2) and read(2).
 * In: fd, owned by the stream from now on (also on failure), set to
 * O_NONBLOCK here; closed by loop_stream_free().
 * Returns: 0 with *s set, or -errno (fcntl). */
int loop_stream_new(struct loop *loop, struct loop_stream **s, int fd, loop_stream_fn *cb,
		    void *arg) WARN_UNUSED;
/* Stops reading; cb is not called again.  The fd is closed at the end of
 * the round (io_uring: once the read in flight is cancelled).  Buffers
 * handed out stay valid until released.  NULL does nothing. */
void loop_stream_free(struct loop_stream *s);
/* Returns buf to its stream or pool. */
void loop_buf_release(struct loop_buf *buf);

/* --- writes: a whole buffer at an explicit file offset ---------------------- */

/* In: err, 0 or -errno; written, the bytes written (len unless err). */
typedef void loop_write_fn(void *arg, int err, size_t written);

/* Writes len bytes of data to fd at offset off, retrying short writes and
 * EINTR/EAGAIN, then calls done from the loop (never from inside
 * loop_write()).  Writes to one file may complete in any order: compute
 * offsets when submitting, never rely on O_APPEND.  io_uring: IORING_OP_WRITE
 * (buffered writes to ext4 run on io-wq workers); poll: pwrite(2) at once.
 * In: fd and data must stay valid until done runs. */
void loop_write(struct loop *loop, int fd, const void *data, size_t len, uint64_t off,
		loop_write_fn *done, void *arg);

#endif
