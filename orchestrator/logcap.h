/* Log capture: copies each node's stdout and stderr pipes into
 * logs/NODE.log on the supervisor's loop (loop.h), keeps the last lines of
 * every stream in memory, and bounds the files by size with rotation.
 *
 * How the bytes move: the loop reads each pipe (io_uring: multishot reads
 * into a small shared ring of provided buffers where the kernel has them,
 * else re-armed reads; poll: poll and read), and logcap writes every chunk
 * at an explicit offset reserved when it is submitted, so that writes in
 * flight together never overlap and a stream's bytes stay in order.  A read
 * buffer goes back to the pipe's pool once its write completed.
 *
 * Two streams may share one file (stdout and stderr of a node): while they
 * do, each stream holds back a trailing partial line until its newline
 * comes (or LOGCAP_CARRY_MS pass, or it grows past LOGCAP_LINE_MAX), so
 * lines of the two do not mix.
 *
 * Rotation: before a write would take a file past max_size, NODE.log.K-1
 * becomes NODE.log.K ... NODE.log becomes NODE.log.1, the oldest is
 * overwritten, and a new NODE.log starts.  Files end at a line boundary:
 * after the last newline that fits, or, when the file ends inside a line,
 * after the end of that line.  So a file exceeds max_size only by the end
 * of its last line, at most LOGCAP_LINE_MAX; longer lines are split.
 * keep 0 keeps NODE.log alone.
 *
 * Errors: when writing a file fails (ENOSPC, EIO...), the stream's callback
 * gets LOGCAP_WRITE_ERROR once, the pipes keep being drained, so that no
 * node blocks, and what cannot be written is dropped and counted
 * (logcap_stats); writing is retried every LOGCAP_RETRY_MS. */
#ifndef CHAINBOX_LOGCAP_H
#define CHAINBOX_LOGCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "compat.h"
#include "loop.h"

/* A pipe is enlarged to this (F_SETPIPE_SZ; /proc/sys/fs/pipe-max-size
 * allows 1 MiB unprivileged), so a node survives a slow supervisor. */
#define LOGCAP_PIPE_SIZE (1024 * 1024)
/* Bytes of each stream kept in memory for logcap_tail(). */
#define LOGCAP_TAIL_BYTES (8 * 1024)
#define LOGCAP_CARRY_MS 200
/* Lines longer than this may be split: by the hold-back of a shared file,
 * and by rotation. */
#define LOGCAP_LINE_MAX (16 * 1024)
#define LOGCAP_RETRY_MS 1000

struct logcap;

struct logcap_config {
	uint64_t max_size; /* logs.max_size: rotate before a file exceeds it;
			      0: never rotate */
	unsigned keep;	   /* logs.keep: rotated files kept, NODE.log.1 is
			      the newest */
};

enum logcap_event {
	/* The stream ended: err is 0 at end of file, or -errno when a read
	 * failed.  Everything it delivered is in the file (or was counted as
	 * dropped).  Its pipe is closed; its tail and stats stay until
	 * logcap_forget(). */
	LOGCAP_EOF,
	/* Writing the stream's file failed with err (-ENOSPC...), or
	 * rotating it did; output is dropped and counted until a write
	 * succeeds again.  Reported once per failure, not per write. */
	LOGCAP_WRITE_ERROR,
};

/* May call logcap_add(), logcap_tail(), logcap_stats() and logcap_forget()
 * (for id too), but not logcap_free(). */
typedef void logcap_event_fn(struct logcap *cap, unsigned id, enum logcap_event ev, int err,
			     void *arg);

struct logcap_stats {
	uint64_t read;	  /* bytes read from the pipe */
	uint64_t written; /* bytes written to the files (prefixes included) */
	uint64_t dropped; /* bytes lost to write errors */
	bool ended;	  /* LOGCAP_EOF was reported */
};

/* In: loop, cfg (copied); cb may be NULL.
 * Returns: a capture with no streams (free with logcap_free()). */
struct logcap *logcap_new(struct loop *loop, const struct logcap_config *cfg, logcap_event_fn *cb,
			  void *arg);
/* Stops reading every pipe (what is still in them is lost: wait for
 * LOGCAP_EOF to keep it), writes what was read, and runs the loop until
 * those writes are done (other callbacks may run meanwhile).  NULL does
 * nothing. */
void logcap_free(struct logcap *cap);

/* Starts copying fd to path.  Several fds may name one path.  The file is
 * created (mode 0644) or appended to; it continues at its current size.
 * In: fd, a pipe's read end, owned from now on (closed on failure too);
 * prefix, NULL or a string written at the start of each of its lines (e.g.
 * "stderr: "), copied.
 * Returns: 0 with *id set (ids are never reused), or -errno with *cause set
 * (caller frees) when path cannot be opened. */
int logcap_add(struct logcap *cap, unsigned *id, char **cause, int fd, const char *path,
	       const char *prefix) WARN_UNUSED;
/* Returns: the number of streams that have not reported LOGCAP_EOF. */
unsigned logcap_active(const struct logcap *cap);
/* Out: *out, the last nlines lines the stream read (at most
 * LOGCAP_TAIL_BYTES; no prefixes), NUL-terminated; caller frees.
 * Returns: 0, or -ENOENT for an unknown (or forgotten) id. */
int logcap_tail(const struct logcap *cap, char **out, unsigned id, unsigned nlines) WARN_UNUSED;
/* Out: *st.  Returns: 0, or -ENOENT for an unknown id. */
int logcap_stats(const struct logcap *cap, struct logcap_stats *st, unsigned id) WARN_UNUSED;
/* Forgets a stream that reported LOGCAP_EOF (its tail and stats); a live
 * stream is left alone.  Returns: 0, -ENOENT, or -EBUSY when it is live. */
int logcap_forget(struct logcap *cap, unsigned id);

/* Reads the last nlines lines of the file at path, for a stream already
 * forgotten or a log from an earlier run.
 * Out: *out, NUL-terminated, caller frees.  Returns: 0, or -errno. */
int logcap_file_tail(char **out, const char *path, unsigned nlines) WARN_UNUSED;

#endif
