/* Private to the event loop: loop.c (the backend-neutral part: handles,
 * timers, deferred frees) and its two backends, loop_uring.c and
 * loop_poll.c, each reached through a table of operations picked once in
 * loop_new(). */
#ifndef CHAINBOX_LOOP_INT_H
#define CHAINBOX_LOOP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "loop.h"

/* Read buffers: LOOP_BUF_SIZE bytes each.  Poll and re-armed io_uring reads
 * give each stream LOOP_STREAM_BUFS of its own (one is read into while the
 * other waits for its write); multishot reads share pools of provided
 * buffers, LOOP_POOL_BUFS for every LOOP_POOL_STREAMS streams (4 a stream).
 * The reference measurements (shared/reference/sandbox-and-io_uring.md
 * B.1) found a pool much larger than that slower: buffers cycled FIFO
 * through the ring fall out of the cache. */
#define LOOP_BUF_SIZE (64 * 1024)
#define LOOP_STREAM_BUFS 2
#define LOOP_POOL_STREAMS 8
#define LOOP_POOL_BUFS 32

/* io_uring: every SQE whose completion matters has user_data pointing to
 * one of these, inside the watch, stream or write it belongs to. */
struct loop_op {
	void (*complete)(struct loop *loop, struct loop_op *op, int res, unsigned flags);
};

struct loop_buf {
	struct loop *loop;
	char *data;
	unsigned size;
	unsigned short bid;	   /* index in its stream's or pool's array */
	bool busy;		   /* handed to the stream's callback */
	struct loop_stream *owner; /* per-stream buffer; NULL in a pool */
	void *pool;		   /* io_uring pool buffer */
};

struct loop_watch {
	struct loop *loop;
	int fd;
	unsigned events;
	loop_watch_fn *cb;
	void *arg;
	bool dead;
	unsigned inflight; /* io_uring operations pointing here */
	TAILQ_ENTRY(loop_watch) entry; /* loop->watches or loop->dead_watches */
	/* io_uring */
	struct loop_op op;
	bool armed;	   /* a POLL_ADD is in flight */
	bool cancelling;   /* a POLL_REMOVE for it is in flight */
	unsigned armed_events;
};

struct loop_timer {
	struct loop *loop;
	loop_timer_fn *cb;
	void *arg;
	uint64_t deadline_ns, every_ns;
	uint64_t seq; /* start order, for ties and for one round at a time */
	bool active;
	TAILQ_ENTRY(loop_timer) entry;	   /* loop->timers, by deadline */
	TAILQ_ENTRY(loop_timer) all_entry; /* loop->all_timers */
};

struct loop_stream {
	struct loop *loop;
	int fd;
	loop_stream_fn *cb;
	void *arg;
	bool dead, ended;
	unsigned inflight; /* operations in flight + own buffers handed out */
	TAILQ_ENTRY(loop_stream) entry; /* loop->streams or loop->dead_streams */
	struct loop_buf bufs[LOOP_STREAM_BUFS]; /* poll, re-armed reads */
	char *mem;				/* their memory, or NULL */
	/* io_uring */
	struct loop_op read_op;
	struct loop_op poll_op; /* POLL_ADD when a read said EAGAIN */
	bool reading;		/* read_op or poll_op in flight */
	bool cancelling;
	unsigned rbuf;		/* re-armed read: the buffer read into */
	void *pool;		/* multishot: the pool it takes from */
	bool starved;		/* multishot ended with ENOBUFS */
	TAILQ_ENTRY(loop_stream) starved_entry;
};

struct loop_wreq {
	struct loop_op op;
	int fd;
	const char *data;
	size_t len, done;
	uint64_t off;
	int err;
	loop_write_fn *cb;
	void *arg;
	TAILQ_ENTRY(loop_wreq) entry; /* loop->done_writes */
};

struct loop_ops {
	const char *name;
	/* Waits for everything in flight (completions run with loop->closing
	 * set), then frees the backend's state. */
	void (*release)(struct loop *loop);
	void (*watch_update)(struct loop_watch *w); /* new, or events changed */
	void (*watch_cancel)(struct loop_watch *w); /* w->dead is set */
	void (*stream_start)(struct loop_stream *s);
	void (*stream_cancel)(struct loop_stream *s); /* s->dead is set */
	void (*stream_release)(struct loop_stream *s); /* before it is freed */
	void (*buf_release)(struct loop_buf *buf);
	void (*write)(struct loop *loop, struct loop_wreq *req);
	/* Waits at most timeout_ns (-1: no limit) and runs the callbacks of
	 * what is ready.  Returns: the number run, or -errno. */
	int (*wait)(struct loop *loop, int64_t timeout_ns);
};

struct loop {
	const struct loop_ops *ops;
	void *be; /* the backend's state */
	char *desc;
	bool stopped, closing;
	unsigned batch_nr, batch_usec;
	TAILQ_HEAD(, loop_watch) watches, dead_watches;
	TAILQ_HEAD(, loop_stream) streams, dead_streams;
	TAILQ_HEAD(loop_timers_head, loop_timer) timers;
	TAILQ_HEAD(, loop_timer) all_timers;
	TAILQ_HEAD(, loop_wreq) done_writes; /* poll: done, callback not run */
	uint64_t timer_seq;
	unsigned writes; /* loop_write()s whose callback has not run */
};

/* Backends.  Returns: 0, or -errno with *cause set (caller frees). */
int loop_uring_init(struct loop *loop, bool rearm, char **cause);
void loop_poll_init(struct loop *loop);

/* For the backends. */
/* Allocates s's own buffers (once). */
void loop_stream_alloc_bufs(struct loop_stream *s);
/* Hands buf (len bytes read) to s's callback, or ends s (buf NULL; err 0
 * at end of file).  Own buffers count as in flight until released. */
void loop_stream_deliver(struct loop_stream *s, struct loop_buf *buf, size_t len, int err);
/* Runs req's callback (unless the loop is closing) and frees req. */
void loop_write_finish(struct loop *loop, struct loop_wreq *req);
/* Poll: runs the callbacks of writes done so far.  Returns: how many. */
int loop_run_done_writes(struct loop *loop);

#endif
