/* Log capture (see logcap.h): pipes to files through the loop's streams and
 * writes; offsets, line carries, rotation, tails and error accounting. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "logcap.h"
#include "xalloc.h"

/* logcap_file_tail() reads at most this much of the file's end. */
#define FILE_TAIL_BYTES (64 * 1024)

/* What keeps a chunk's bytes alive while writes of it are in flight: the
 * loop's read buffer, or memory of our own (prefixed lines, a carry). */
struct hold {
	unsigned refs;
	struct loop_buf *buf;
	char *mem;
};

/* One open descriptor of a log file.  Rotation gives the file a new one
 * while writes to the old one (now NODE.log.1) finish. */
struct lc_fd {
	int fd;
	unsigned refs;
};

struct lc_file {
	char *path;
	struct lc_fd *cur;
	uint64_t size;	 /* the offset of the next write */
	bool mid_line;	 /* the last byte written was not a newline */
	unsigned users;	 /* streams writing here that have not ended */
	unsigned writes; /* writes in flight */
	bool failed;	 /* a write failed: drop until a retry */
	uint64_t failed_ms;
	bool reported;	      /* the write failure was reported */
	bool rotate_reported; /* a rotation failure was reported */
	TAILQ_ENTRY(lc_file) entry;
};

struct lc_stream {
	struct logcap *cap;
	unsigned id;
	struct loop_stream *ls; /* NULL once ended */
	struct lc_file *file;	/* NULL once ended */
	char *prefix;
	size_t plen;
	bool bol; /* the next byte starts a line */
	char *carry; /* a partial line held back (shared files) */
	size_t carry_len;
	unsigned writes; /* writes in flight */
	bool eof;
	int eof_err;
	struct logcap_stats st;
	uint64_t tail_total; /* bytes ever put in tail[], a ring */
	char tail[LOGCAP_TAIL_BYTES];
	TAILQ_ENTRY(lc_stream) entry;
};

struct lc_write {
	struct lc_stream *s;
	struct lc_file *file;
	struct lc_fd *fd;
	struct hold *hold;
	size_t len;
};

struct logcap {
	struct loop *loop;
	struct logcap_config cfg;
	logcap_event_fn *cb;
	void *arg;
	unsigned last_id;
	unsigned active;
	unsigned writes;
	struct loop_timer *carry_timer;
	TAILQ_HEAD(, lc_stream) streams;
	TAILQ_HEAD(, lc_file) files;
};

static void
report(struct logcap *cap, unsigned id, enum logcap_event ev, int err)
{
	if (cap->cb != NULL)
		cap->cb(cap, id, ev, err, cap->arg);
}

static struct hold *
hold_new(struct loop_buf *buf, char *mem)
{
	struct hold *h = xmalloc(sizeof(*h));

	h->refs = 1;
	h->buf = buf;
	h->mem = mem;
	return h;
}

static void
hold_put(struct hold *h)
{
	if (--h->refs > 0)
		return;
	if (h->buf != NULL)
		loop_buf_release(h->buf);
	free(h->mem);
	free(h);
}

static struct lc_fd *
fd_new(int fd)
{
	struct lc_fd *f = xmalloc(sizeof(*f));

	f->fd = fd;
	f->refs = 1;
	return f;
}

static void
fd_put(struct lc_fd *f)
{
	if (--f->refs > 0)
		return;
	close(f->fd);
	free(f);
}

static void
file_maybe_free(struct logcap *cap, struct lc_file *f)
{
	if (f->users > 0 || f->writes > 0)
		return;
	TAILQ_REMOVE(&cap->files, f, entry);
	fd_put(f->cur);
	free(f->path);
	free(f);
}

static struct lc_stream *
find_stream(const struct logcap *cap, unsigned id)
{
	struct lc_stream *s;

	TAILQ_FOREACH(s, &cap->streams, entry) {
		if (s->id == id)
			return s;
	}
	return NULL;
}

static void
stream_maybe_finish(struct lc_stream *s)
{
	struct logcap *cap = s->cap;

	if (!s->eof || s->writes > 0 || s->st.ended)
		return;
	s->st.ended = true;
	cap->active--;
	report(cap, s->id, LOGCAP_EOF, s->eof_err); /* s may be forgotten */
}

/* --- writing -------------------------------------------------------------------- */

static void
write_done(void *arg, int err, size_t written)
{
	struct lc_write *w = arg;
	struct lc_stream *s = w->s;
	struct lc_file *f = w->file;
	struct logcap *cap = s->cap;
	bool tell = false;

	s->st.written += written;
	if (err < 0) {
		s->st.dropped += w->len - written;
		if (!f->failed) {
			f->failed = true;
			f->failed_ms = loop_now_ms(cap->loop);
		}
		if (!f->reported) {
			f->reported = true;
			tell = true;
			log_warn("cannot write '%s', dropping output until it works again: %s",
				 f->path, strerror(-err));
		}
	} else if (!f->failed) {
		f->reported = false;
	}
	fd_put(w->fd);
	hold_put(w->hold);
	f->writes--;
	s->writes--;
	cap->writes--;
	free(w);
	if (tell)
		report(cap, s->id, LOGCAP_WRITE_ERROR, err);
	file_maybe_free(cap, f);
	stream_maybe_finish(s);
}

static void
submit(struct lc_stream *s, struct hold *h, const char *p, size_t n)
{
	struct logcap *cap = s->cap;
	struct lc_file *f = s->file;
	struct lc_write *w = xmalloc(sizeof(*w));
	uint64_t off = f->size;

	w->s = s;
	w->file = f;
	w->fd = f->cur;
	w->fd->refs++;
	w->hold = h;
	h->refs++;
	w->len = n;
	/* The offset is taken now, so writes in flight together never
	 * overlap and complete in any order. */
	f->size += n;
	f->mid_line = p[n - 1] != '\n';
	f->writes++;
	s->writes++;
	cap->writes++;
	loop_write(cap->loop, w->fd->fd, p, n, off, write_done, w);
}

/* After a write failed, writing is tried again once LOGCAP_RETRY_MS passed
 * and nothing is in flight, from the file's real end (no hole where the
 * failed writes were). */
static bool
is_writable(struct logcap *cap, struct lc_file *f)
{
	struct stat st;

	if (!f->failed)
		return true;
	if (f->writes > 0 || loop_now_ms(cap->loop) - f->failed_ms < LOGCAP_RETRY_MS)
		return false;
	if (fstat(f->cur->fd, &st) == 0)
		f->size = (uint64_t)st.st_size;
	f->mid_line = false; /* not known; assume a line ended */
	f->failed = false;
	return true;
}

/* NODE.log.K-1 -> NODE.log.K, ..., NODE.log -> NODE.log.1, then a new
 * NODE.log.  Returns: 0, or -errno (reported once). */
static int
rotate(struct logcap *cap, struct lc_stream *s, struct lc_file *f)
{
	char *from = NULL, *to = NULL;
	int fd, rc = 0;

	if (cap->cfg.keep == 0 && unlink(f->path) == -1 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	for (unsigned i = cap->cfg.keep; i >= 1; i--) {
		free(from);
		free(to);
		if (i == 1)
			from = xstrdup(f->path);
		else
			xasprintf(&from, "%s.%u", f->path, i - 1);
		xasprintf(&to, "%s.%u", f->path, i);
		/* A missing one is a gap, not an error. */
		if (rename(from, to) == -1 && errno != ENOENT) {
			rc = -errno;
			goto out;
		}
	}
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		rc = -errno;
		goto out;
	}
	fd_put(f->cur);
	f->cur = fd_new(fd);
	f->size = 0;
	f->mid_line = false;
	f->rotate_reported = false;
out:
	if (rc < 0 && !f->rotate_reported) {
		f->rotate_reported = true;
		log_warn("cannot rotate '%s': %s", f->path, strerror(-rc));
		report(cap, s->id, LOGCAP_WRITE_ERROR, rc);
	}
	free(from);
	free(to);
	return rc;
}

/* Writes n bytes at p (kept alive by h) to s's file, rotating first where
 * they would take it past max_size: after the last newline that fits; or,
 * when the file ends inside a line, after the end of that line if it comes
 * within LOGCAP_LINE_MAX past max_size; or, failing both, at max_size. */
static void
emit(struct lc_stream *s, struct hold *h, const char *p, size_t n)
{
	struct logcap *cap = s->cap;
	struct lc_file *f = s->file;
	uint64_t max = cap->cfg.max_size;

	while (n > 0) {
		size_t room, cut = 0;
		const char *nl;

		if (!is_writable(cap, f)) {
			s->st.dropped += n;
			return;
		}
		if (max == 0 || f->size + n <= max)
			break;
		room = f->size < max ? (size_t)(max - f->size) : 0;
		if (room > 0 && (nl = memrchr(p, '\n', room < n ? room : n)) != NULL)
			cut = (size_t)(nl - p) + 1;
		if (cut == 0 && f->mid_line) {
			uint64_t limit = max + LOGCAP_LINE_MAX;
			size_t slack = f->size < limit ? (size_t)(limit - f->size) : 0;

			if ((nl = memchr(p, '\n', slack < n ? slack : n)) != NULL)
				cut = (size_t)(nl - p) + 1;
			else if (n <= slack)
				break; /* the line goes on: decide at its end */
			else
				cut = room;
		}
		if (cut == 0 && f->size == 0)
			cut = room; /* a line longer than max_size */
		if (cut > 0) {
			submit(s, h, p, cut);
			p += cut;
			n -= cut;
		}
		if (rotate(cap, s, f) < 0)
			break; /* keep writing where we are */
	}
	if (n > 0)
		submit(s, h, p, n);
}

/* --- lines ---------------------------------------------------------------------- */

static void
carry_append(struct lc_stream *s, const char *p, size_t n)
{
	s->carry = xreallocarray(s->carry, s->carry_len + n, 1);
	memcpy(s->carry + s->carry_len, p, n);
	s->carry_len += n;
}

static void
flush_carry(struct lc_stream *s)
{
	struct hold *h;

	if (s->carry_len == 0)
		return;
	h = hold_new(NULL, s->carry);
	emit(s, h, s->carry, s->carry_len);
	hold_put(h);
	s->carry = NULL;
	s->carry_len = 0;
}

static void
on_carry_timer(struct loop_timer *t, void *arg)
{
	struct logcap *cap = arg;
	struct lc_stream *s;

	TAILQ_FOREACH(s, &cap->streams, entry) {
		if (s->file != NULL)
			flush_carry(s);
	}
}

/* For a file two streams share: writes whole lines, and holds back the
 * trailing partial line until its end comes. */
static void
put_lines(struct lc_stream *s, struct hold *h, const char *p, size_t n)
{
	const char *nl = memrchr(p, '\n', n);
	size_t k = nl != NULL ? (size_t)(nl - p) + 1 : 0;

	if (k > 0) {
		flush_carry(s); /* the start of the first line */
		emit(s, h, p, k);
	}
	if (k < n) {
		carry_append(s, p + k, n - k);
		if (s->carry_len > LOGCAP_LINE_MAX)
			flush_carry(s);
		else if (!loop_timer_is_active(s->cap->carry_timer))
			loop_timer_start(s->cap->carry_timer, LOGCAP_CARRY_MS, 0);
	}
}

/* Returns: p with s's prefix at the start of every line (caller frees). */
static char *
add_prefix(struct lc_stream *s, const char *p, size_t n, size_t *outlen)
{
	const char *end = p + n;
	size_t lines = 0;
	char *out, *o;

	for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
		lines++;
	out = o = xmalloc(n + (lines + 1) * s->plen);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (s->bol) {
			memcpy(o, s->prefix, s->plen);
			o += s->plen;
		}
		memcpy(o, p, k);
		o += k;
		p += k;
		s->bol = nl != NULL;
	}
	*outlen = (size_t)(o - out);
	return out;
}

static void
tail_append(struct lc_stream *s, const char *p, size_t n)
{
	if (n > LOGCAP_TAIL_BYTES) {
		s->tail_total += n - LOGCAP_TAIL_BYTES;
		p += n - LOGCAP_TAIL_BYTES;
		n = LOGCAP_TAIL_BYTES;
	}
	while (n > 0) {
		size_t at = (size_t)(s->tail_total % LOGCAP_TAIL_BYTES);
		size_t k = n < LOGCAP_TAIL_BYTES - at ? n : LOGCAP_TAIL_BYTES - at;

		memcpy(s->tail + at, p, k);
		p += k;
		n -= k;
		s->tail_total += k;
	}
}

static void
on_eof(struct lc_stream *s, int err)
{
	struct logcap *cap = s->cap;
	struct lc_file *f = s->file;

	s->eof = true;
	s->eof_err = err;
	flush_carry(s);
	loop_stream_free(s->ls);
	s->ls = NULL;
	f->users--;
	s->file = NULL;
	file_maybe_free(cap, f);
	stream_maybe_finish(s);
}

static void
on_stream(struct loop_stream *ls, struct loop_buf *buf, const void *data, size_t len, int err,
	  void *arg)
{
	struct lc_stream *s = arg;
	const char *p = data;
	struct hold *h;

	if (buf == NULL) {
		on_eof(s, err);
		return;
	}
	s->st.read += len;
	tail_append(s, p, len);
	if (s->prefix != NULL) {
		h = hold_new(NULL, add_prefix(s, p, len, &len));
		p = h->mem;
		loop_buf_release(buf);
	} else {
		h = hold_new(buf, NULL);
	}
	if (s->file->users > 1 || s->carry_len > 0)
		put_lines(s, h, p, len);
	else
		emit(s, h, p, len);
	hold_put(h);
}

/* --- the API -------------------------------------------------------------------- */

struct logcap *
logcap_new(struct loop *loop, const struct logcap_config *cfg, logcap_event_fn *cb, void *arg)
{
	struct logcap *cap = xcalloc(1, sizeof(*cap));

	cap->loop = loop;
	cap->cfg = *cfg;
	cap->cb = cb;
	cap->arg = arg;
	cap->carry_timer = loop_timer_new(loop, on_carry_timer, cap);
	TAILQ_INIT(&cap->streams);
	TAILQ_INIT(&cap->files);
	return cap;
}

void
logcap_free(struct logcap *cap)
{
	struct lc_stream *s;
	struct lc_file *f;

	if (cap == NULL)
		return;
	cap->cb = NULL;
	TAILQ_FOREACH(s, &cap->streams, entry) {
		if (s->ls == NULL)
			continue;
		flush_carry(s);
		loop_stream_free(s->ls);
		s->ls = NULL;
		s->file->users--;
		s->file = NULL;
	}
	while (cap->writes > 0) {
		if (loop_run_once(cap->loop, 100) < 0)
			break; /* loop_free() waits for them, without callbacks */
	}
	while ((s = TAILQ_FIRST(&cap->streams)) != NULL) {
		TAILQ_REMOVE(&cap->streams, s, entry);
		free(s->prefix);
		free(s->carry);
		free(s);
	}
	while ((f = TAILQ_FIRST(&cap->files)) != NULL) {
		f->users = 0;
		f->writes = 0;
		file_maybe_free(cap, f);
	}
	loop_timer_free(cap->carry_timer);
	free(cap);
}

int
logcap_add(struct logcap *cap, unsigned *id, char **cause, int fd, const char *path,
	   const char *prefix)
{
	struct lc_stream *s = NULL;
	struct lc_file *f;
	struct stat st;
	int ofd = -1, rc = 0;
	char last;

	*id = 0;
	TAILQ_FOREACH(f, &cap->files, entry) {
		if (strcmp(f->path, path) == 0)
			break;
	}
	if (f == NULL) {
		ofd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (ofd == -1 || fstat(ofd, &st) == -1) {
			rc = -errno;
			xasprintf(cause, "cannot open '%s': %s", path, strerror(-rc));
			close(fd);
			goto out;
		}
		f = xcalloc(1, sizeof(*f));
		f->path = xstrdup(path);
		f->cur = fd_new(ofd);
		f->size = (uint64_t)st.st_size;
		if (f->size > 0 && pread(ofd, &last, 1, st.st_size - 1) == 1)
			f->mid_line = last != '\n';
		ofd = -1;
		TAILQ_INSERT_TAIL(&cap->files, f, entry);
	}
	/* A node then survives a slow supervisor without blocking.  Not
	 * fatal: a pipe keeps its 64 KiB. */
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    fcntl(fd, F_SETPIPE_SZ, LOGCAP_PIPE_SIZE) == -1)
		log_debug("cannot enlarge the pipe for '%s': %s", path, strerror(errno));

	s = xcalloc(1, sizeof(*s));
	s->cap = cap;
	s->id = ++cap->last_id;
	s->file = f;
	s->bol = true;
	if (prefix != NULL && *prefix != '\0') {
		s->prefix = xstrdup(prefix);
		s->plen = strlen(prefix);
	}
	f->users++;
	rc = loop_stream_new(cap->loop, &s->ls, fd, on_stream, s);
	if (rc < 0) {
		xasprintf(cause, "cannot read the output for '%s': %s", path, strerror(-rc));
		f->users--;
		file_maybe_free(cap, f);
		goto out;
	}
	TAILQ_INSERT_TAIL(&cap->streams, s, entry);
	cap->active++;
	*id = s->id;
	s = NULL;
out:
	if (ofd != -1)
		close(ofd);
	if (s != NULL) {
		free(s->prefix);
		free(s);
	}
	return rc;
}

unsigned
logcap_active(const struct logcap *cap)
{
	return cap->active;
}

int
logcap_stats(const struct logcap *cap, struct logcap_stats *st, unsigned id)
{
	const struct lc_stream *s = find_stream(cap, id);

	if (s == NULL)
		return -ENOENT;
	*st = s->st;
	return 0;
}

int
logcap_forget(struct logcap *cap, unsigned id)
{
	struct lc_stream *s = find_stream(cap, id);

	if (s == NULL)
		return -ENOENT;
	if (!s->st.ended)
		return -EBUSY;
	TAILQ_REMOVE(&cap->streams, s, entry);
	free(s->prefix);
	free(s->carry);
	free(s);
	return 0;
}

/* Returns: the last n lines of buf (caller frees).  When is_cut, buf's
 * first line may have lost its start and is left out if need be. */
static char *
last_lines(const char *buf, size_t len, unsigned n, bool is_cut)
{
	size_t pos = len, seen = 0;

	if (n == 0)
		return xstrdup("");
	if (pos > 0 && buf[pos - 1] == '\n')
		pos--; /* the newline ending the last line */
	for (; pos > 0; pos--) {
		if (buf[pos - 1] == '\n' && ++seen == n)
			break;
	}
	if (pos == 0 && is_cut) {
		const char *nl = memchr(buf, '\n', len);

		if (nl != NULL && (size_t)(nl - buf) + 1 < len)
			pos = (size_t)(nl - buf) + 1;
	}
	return xstrndup(buf + pos, len - pos);
}

int
logcap_tail(const struct logcap *cap, char **out, unsigned id, unsigned nlines)
{
	const struct lc_stream *s = find_stream(cap, id);
	size_t len, start;
	char *lin;

	if (s == NULL)
		return -ENOENT;
	len = s->tail_total < LOGCAP_TAIL_BYTES ? (size_t)s->tail_total : LOGCAP_TAIL_BYTES;
	start = (size_t)((s->tail_total - len) % LOGCAP_TAIL_BYTES);
	lin = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		lin[i] = s->tail[(start + i) % LOGCAP_TAIL_BYTES];
	*out = last_lines(lin, len, nlines, s->tail_total > LOGCAP_TAIL_BYTES);
	free(lin);
	return 0;
}

int
logcap_file_tail(char **out, const char *path, unsigned nlines)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		rc = -errno;
		goto out;
	}
	len = st.st_size > FILE_TAIL_BYTES ? FILE_TAIL_BYTES : (size_t)st.st_size;
	buf = xmalloc(len + 1);
	n = TEMP_FAILURE_RETRY_INT(pread(fd, buf, len, st.st_size - (off_t)len));
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	*out = last_lines(buf, (size_t)n, nlines, st.st_size > (off_t)len);
out:
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}
