/* The snapshot copy engine (see copy.h): opening and choosing a way per
 * file, the read/write pass, copy_file_range, the io_uring pass, and the
 * clean-up that removes every dst of a call that failed.
 *
 * Why these defaults: bench/copy on the project's machine (2 vCPUs, Linux
 * 6.18, ext4 without journal or reflink, sources in the page cache, copies
 * not fsynced unless said; medians of 5 runs on a quiet machine).
 *
 * COPY_CFR_MIN is never.  The reference (shared/reference/
 * sandbox-and-io_uring.md, B.2) found copy_file_range the fastest plain
 * copy of a large cached file, but we also need the checksum, and the read
 * pass that copy_file_range then needs costs more than it saves.  The
 * single io_uring pass overlaps the reads and hashing on our thread with
 * the writes, which ext4 hands to io-wq workers on the other CPU:
 *	1 GiB file	  io_uring 3435 MiB/s (cpu 0.56 s), read/write 2448,
 *			  copy_file_range + io_uring read 1860, + read() 2054,
 *			  cp -a 2828 (no checksum), tar|tar 1142;
 *	  with fsync	  io_uring 0.79 s, copy_file_range 1.06 s.
 *	sweep, MiB/s	  size   4K   16K  64K  256K  1M   4M   16M  64M
 *			  uring  154  708  1475 3109 2921 1715 2082 3107
 *			  cfr    164  587  1020 1449 1750 1405 1523 1822
 *   Only at 4 KiB did copy_file_range tie (1.06, within the noise); there
 *   the cost is creating the inode, whatever moves the data.
 * 1000 files of 4 KiB: io_uring 17.2 ms, read/write 17.6, copy_file_range
 *   18.3, cp -a 22.4, tar|tar 21.3; with fsync (io_uring's run in
 *   parallel) 36 ms.  The inode allocator of ext4 without a journal slows
 *   every tool down 5-10 times for a few minutes after many files were
 *   deleted (recently_deleted()); such runs were thrown away.
 * COPY_DEPTH 32 x COPY_BLOCK 128 KiB (4 MiB of buffers), MiB/s:
 *	1 GiB	  depth   8: 3249 (128K) 3373 (256K) 2030 (1M)
 *			 16: 3116        3706        3239
 *			 32: 3261        3184        2191
 *			 64: 3416        3414        2708
 *	4 KiB x 1000, 128K: 223 (8) 230 (16) 230 (32) 237 (64); 1M: 109 at 64
 *   128K and 256K tie within the noise; 1 MiB blocks are slower (the
 *   buffers fall out of the caches), and deep queues of big blocks cost
 *   more to set up than small files take to copy.  A depth of 32 also
 *   keeps up to 32 small files reading at once.
 * Registered buffers (READ_FIXED/WRITE_FIXED) were 10% slower on the 1 GiB
 *   file (7 pairs: 250-305 ms plain, 278-344 fixed), so plain READ/WRITE.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#ifdef HAVE_IO_URING
#include <liburing.h>
#endif

#include "copy.h"
#include "log.h"
#include "xalloc.h"

/* Bounds on copy_options: a CQE's res is an int, so a read must stay well
 * below 2 GiB, and a deeper queue only holds more memory. */
#define DEPTH_MAX 1024
#define BLOCK_MAX (64 * 1024 * 1024)
/* Files open at once on the io_uring path, those waiting for their fsync
 * included; each holds two descriptors. */
#define FILES_IN_FLIGHT 64
/* copy_file_range() is called for at most this much at a time, so that a
 * signal is noticed and progress reported between calls. */
#define CFR_CHUNK (64 * 1024 * 1024)

/* One file on its way: a copy, or a checksum alone (dst_path NULL). */
struct job {
	struct copy_file *f; /* NULL for copy_checksum() */
	const char *src_path, *dst_path;
	uint64_t len;	 /* COPY_WHOLE or the bytes wanted */
	const uint8_t *head; /* dst's first head_len bytes, or NULL */
	size_t head_len;
	uint64_t guess;	 /* its size in the total, before it was opened */
	int src, dst;	 /* -1: none */
	bool created;	 /* dst exists because of this call */
	bool write;	 /* the pass writes the blocks it reads to dst */
	bool finished;	 /* copied, checksummed and synced; fds closed */
	bool syncing;	 /* io_uring: an fsync is in flight */
	const char *how;
	uint64_t size;	  /* bytes to copy and checksum */
	uint64_t next;	  /* offset of the next block to read */
	uint64_t hashed;  /* bytes checksummed, from offset 0 on */
	uint64_t written; /* bytes written */
	uint64_t xxh3;
	XXH3_state_t *xs;
	TAILQ_ENTRY(job) entry; /* io_uring: in ctx.active */
};

/* One call of copy_files() or copy_checksum(). */
struct ctx {
	struct job *jobs;
	size_t njobs;
	size_t opened; /* jobs[0..opened) have been opened */
	unsigned depth;
	size_t block;
	uint64_t cfr_min;
	bool reflink;
	bool fsync;
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *arg;
	uint64_t done, total;
	uint64_t last_ns; /* of the last progress call */
	int rc;		  /* the first failure, with its cause */
	char *cause;
	TAILQ_HEAD(, job) active;
	unsigned nactive;
};


/* Records a failure; the first one of a call is what the caller hears about
 * (later ones follow from it, or from the clean-up).  Returns: rc. */
static int PRINTFLIKE(3, 4)
fail(struct ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (c->rc == 0) {
		c->rc = rc;
		c->cause = msg;
	} else {
		log_debug("also: %s", msg);
		free(msg);
	}
	return rc;
}

/* Returns: -ENODATA, recorded as the failure: src ended at got bytes, or
 * earlier, as fstat() now says (a read beyond the end returns 0 too). */
static int
fail_short(struct ctx *c, const struct job *j, uint64_t got)
{
	struct stat st;

	if (fstat(j->src, &st) == 0 && (uint64_t)st.st_size < got)
		got = (uint64_t)st.st_size;
	return fail(c, -ENODATA, "cannot read '%s': shorter than expected (%" PRIu64
		    " bytes, expected %" PRIu64 ")", j->src_path, got, j->size);
}

static void
report(struct ctx *c, bool last)
{
	uint64_t now;

	if (c->progress == NULL)
		return;
	now = mono_ns();
	if (!last && now - c->last_ns < COPY_PROGRESS_MS * 1000000ULL)
		return;
	c->last_ns = now;
	c->progress(c->arg, c->done, c->total);
}

static void
ctx_init(struct ctx *c, const struct copy_options *o, struct job *jobs, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->jobs = jobs;
	c->njobs = n;
	c->depth = o->depth == 0 ? COPY_DEPTH : o->depth > DEPTH_MAX ? DEPTH_MAX : o->depth;
	c->block = o->block == 0 ? COPY_BLOCK : o->block > BLOCK_MAX ? BLOCK_MAX : o->block;
	c->cfr_min = o->cfr_min == 0 ? COPY_CFR_MIN : o->cfr_min;
	c->reflink = !o->no_reflink;
	c->fsync = !o->no_fsync;
	c->progress = o->progress;
	c->arg = o->arg;
	c->last_ns = mono_ns();
	TAILQ_INIT(&c->active);
}

static void
job_init(struct ctx *c, struct job *j, struct copy_file *f, const char *src, const char *dst,
	 uint64_t len)
{
	struct stat st;

	memset(j, 0, sizeof(*j));
	j->f = f;
	j->src_path = src;
	j->dst_path = dst;
	j->len = len;
	if (f != NULL && f->head != NULL) {
		j->head = f->head;
		j->head_len = f->head_len;
	}
	j->src = j->dst = -1;
	/* Only for the progress total, which opening the file corrects: it
	 * gives the real size, and the real errors. */
	if (c->progress != NULL && stat(src, &st) == 0 && S_ISREG(st.st_mode))
		j->guess = len < (uint64_t)st.st_size ? len : (uint64_t)st.st_size;
	c->total += j->guess;
}

static bool
is_whole(const struct job *j, const struct stat *st)
{
	return j->len == COPY_WHOLE || j->len == (uint64_t)st->st_size;
}

/* An error of copy_file_range() that says "not here" (another file system,
 * no support, an old kernel) rather than "failed". */
static bool
is_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOTTY || err == EXDEV || err == EINVAL ||
	       err == ENOSYS || err == EPERM || err == ETXTBSY;
}

/* Reads exactly len bytes at off.  Returns: 0, or -errno, recorded. */
static int
read_full(struct ctx *c, const struct job *j, char *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(j->src, buf + got, len - got, (off_t)(off + got));

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return fail(c, -errno, "cannot read '%s': %s", j->src_path,
				    strerror(errno));
		if (n == 0)
			return fail_short(c, j, off + got);
		got += (size_t)n;
	}
	return 0;
}

/* Writes all len bytes at off.  Returns: 0, or -errno, recorded. */
static int
write_full(struct ctx *c, const struct job *j, const char *buf, size_t len, uint64_t off)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = pwrite(j->dst, buf + put, len - put, (off_t)(off + put));

		if (n == -1 && errno == EINTR)
			continue;
		/* write(2) returns 0 only for a zero count; do not spin. */
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return fail(c, -errno, "cannot write '%s': %s", j->dst_path,
				    strerror(errno));
		put += (size_t)n;
	}
	return 0;
}

/* Puts the job's head over the part of a block read from src at off that
 * it covers, before the block is checksummed and written. */
static void
overlay_head(const struct job *j, char *buf, size_t len, uint64_t off)
{
	size_t n;

	if (j->head == NULL || off >= j->head_len)
		return;
	n = j->head_len - (size_t)off;
	memcpy(buf, j->head + off, n < len ? n : len);
}

/* Copies the whole job with copy_file_range(), CFR_CHUNK at a time.
 * Returns: 0 when copied; 1 when the kernel cannot do it for these files
 * and nothing was written, so another way may; or -errno, recorded. */
static int
job_cfr(struct ctx *c, struct job *j)
{
	loff_t in = 0, out = 0;

	while ((uint64_t)in < j->size) {
		uint64_t left = j->size - (uint64_t)in;
		ssize_t n = copy_file_range(j->src, &in, j->dst, &out,
					    left < CFR_CHUNK ? (size_t)left : CFR_CHUNK, 0);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && in == 0 && is_unsupported(errno)) {
			log_debug("no copy_file_range from '%s' to '%s': %s", j->src_path,
				  j->dst_path, strerror(errno));
			return 1;
		}
		if (n == -1 && (errno == ENOSPC || errno == EFBIG || errno == EDQUOT))
			return fail(c, -errno, "cannot write '%s': %s", j->dst_path,
				    strerror(errno));
		if (n == -1)
			return fail(c, -errno, "cannot copy '%s' to '%s': %s", j->src_path,
				    j->dst_path, strerror(errno));
		if (n == 0)
			return fail_short(c, j, (uint64_t)in);
		report(c, false);
	}
	return 0;
}

/* Shares src's extents with dst instead of copying them, where the file
 * system can (XFS with reflink=1, btrfs): all of src with FICLONE, a prefix
 * with FICLONERANGE (which needs a length on a block boundary).
 * Returns: whether it did. */
static bool
job_reflink(struct ctx *c, struct job *j, const struct stat *st)
{
	struct file_clone_range r = { .src_fd = j->src, .src_length = j->size };
	int rc;

	if (!c->reflink || j->size == 0)
		return false;
	if (is_whole(j, st))
		rc = ioctl(j->dst, FICLONE, j->src);
	else
		rc = ioctl(j->dst, FICLONERANGE, &r);
	if (rc == 0)
		return true;
	/* ext4 and tmpfs answer EOPNOTSUPP: do not ask again for every file.
	 * A failed clone leaves at most part of the range in dst, which the
	 * copy that follows overwrites; it meets any real error (ENOSPC...)
	 * again and names it better. */
	log_debug("no reflink from '%s' to '%s': %s", j->src_path, j->dst_path, strerror(errno));
	if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EXDEV || errno == ENOSYS)
		c->reflink = false;
	return false;
}

/* After a reflink or copy_file_range(), the checksum pass reads dst, not
 * src: a src that changes meanwhile (a live store's free pages) must not
 * give a checksum the copy does not have.
 * Returns: 0, or -errno, recorded. */
static int
read_back(struct ctx *c, struct job *j)
{
	int fd = TEMP_FAILURE_RETRY_INT(open(j->dst_path, O_RDONLY | O_CLOEXEC));

	if (fd == -1)
		return fail(c, -errno, "cannot read back '%s': %s", j->dst_path, strerror(errno));
	close(j->src);
	j->src = fd;
	return 0;
}

/* Opens src (and creates dst), checks the size, and decides how the data
 * moves: a reflink or copy_file_range() copies it here, and the pass that
 * follows only reads the copy for the checksum (j->write false); otherwise
 * the pass copies it (and sets how).
 * Returns: 0, or -errno, recorded. */
static int
job_open(struct ctx *c, struct job *j)
{
	struct stat st;
	int rc;

	j->src = TEMP_FAILURE_RETRY_INT(open(j->src_path, O_RDONLY | O_CLOEXEC));
	if (j->src == -1)
		return fail(c, -errno, "cannot open '%s': %s", j->src_path, strerror(errno));
	if (fstat(j->src, &st) == -1)
		return fail(c, -errno, "cannot stat '%s': %s", j->src_path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(c, -EINVAL, "cannot read '%s': not a regular file", j->src_path);
	j->size = j->len == COPY_WHOLE ? (uint64_t)st.st_size : j->len;
	if ((uint64_t)st.st_size < j->size)
		return fail_short(c, j, (uint64_t)st.st_size);
	if (j->head_len > j->size)
		return fail(c, -EINVAL, "cannot copy '%s' to '%s': the head (%zu bytes) is longer "
			    "than the copy (%" PRIu64 " bytes)", j->src_path, j->dst_path,
			    j->head_len, j->size);
	c->total += j->size - j->guess;
	j->xs = XXH3_createState();
	if (j->xs == NULL || XXH3_64bits_reset(j->xs) != XXH_OK)
		die("out of memory allocating a checksum state");
	j->write = j->dst_path != NULL;
	if (j->dst_path == NULL)
		return 0;
	/* What cp does: the kernel may read ahead further. */
	posix_fadvise(j->src, 0, 0, POSIX_FADV_SEQUENTIAL);
	j->dst = TEMP_FAILURE_RETRY_INT(
		open(j->dst_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
	if (j->dst == -1)
		return fail(c, -errno, "cannot create '%s': %s", j->dst_path, strerror(errno));
	j->created = true;

	if (job_reflink(c, j, &st)) {
		j->how = "reflink";
		j->write = false;
		rc = write_full(c, j, (const char *)j->head, j->head_len, 0);
		return rc < 0 ? rc : read_back(c, j);
	}
	if (j->size >= c->cfr_min) {
		rc = job_cfr(c, j);
		if (rc <= 0) {
			j->how = "copy_file_range";
			j->write = false;
			if (rc == 0)
				rc = write_full(c, j, (const char *)j->head, j->head_len, 0);
			return rc < 0 ? rc : read_back(c, j);
		}
	}
	return 0;
}

/* Closes the job's descriptors.  Returns: 0, or -errno, recorded, when
 * closing dst reports a write error (NFS does, late). */
static int
job_close(struct ctx *c, struct job *j)
{
	int rc = 0;

	if (j->src != -1)
		close(j->src);
	j->src = -1;
	if (j->dst != -1 && close(j->dst) == -1 && errno != EINTR)
		rc = fail(c, -errno, "cannot write '%s': %s", j->dst_path, strerror(errno));
	j->dst = -1;
	XXH3_freeState(j->xs);
	j->xs = NULL;
	return rc;
}

/* The job's data is all copied and checksummed: the checksum is final. */
static void
job_digest(struct job *j)
{
	j->xxh3 = XXH3_64bits_digest(j->xs);
	if (j->f != NULL) {
		j->f->size = j->size;
		j->f->xxh3 = j->xxh3;
		j->f->how = j->how;
	}
}

/* Returns: the directory path is in (caller frees): "." for a bare name. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A new file is durable only once the directory entry naming it is: fsync
 * each directory a dst was created in, once.  Returns: 0, or -errno,
 * recorded. */
static int
sync_dirs(struct ctx *c)
{
	char **dirs = xcalloc(c->njobs, sizeof(*dirs));
	int rc = 0;

	for (size_t i = 0; i < c->njobs; i++)
		dirs[i] = dir_of(c->jobs[i].dst_path);
	qsort(dirs, c->njobs, sizeof(*dirs), cmp_str);
	for (size_t i = 0; i < c->njobs && rc == 0; i++) {
		int fd;

		if (i > 0 && strcmp(dirs[i], dirs[i - 1]) == 0)
			continue;
		fd = TEMP_FAILURE_RETRY_INT(open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		if (fd == -1 || fsync(fd) == -1)
			rc = fail(c, -errno, "cannot sync directory '%s': %s", dirs[i],
				  strerror(errno));
		if (fd != -1)
			close(fd);
	}
	for (size_t i = 0; i < c->njobs; i++)
		free(dirs[i]);
	free(dirs);
	return rc;
}

/* After a failure: closes what is open and removes every dst this call
 * created, so that a failed snapshot leaves nothing behind. */
static void
undo(struct ctx *c)
{
	for (size_t i = 0; i < c->njobs; i++) {
		struct job *j = &c->jobs[i];

		job_close(c, j);
		if (j->created && unlink(j->dst_path) == -1 && errno != ENOENT)
			log_warn("cannot remove '%s': %s", j->dst_path, strerror(errno));
		j->created = false;
	}
}

/* --- the read/write pass ------------------------------------------------ */

/* Copies (or only reads, when !j->write) and checksums one opened job,
 * then syncs dst.  Returns: 0, or -errno, recorded. */
static int
rw_job(struct ctx *c, struct job *j, char *buf)
{
	int rc;

	if (j->how == NULL)
		j->how = "read/write";
	while (j->next < j->size) {
		uint64_t left = j->size - j->next;
		size_t len = left < c->block ? (size_t)left : c->block;

		if ((rc = read_full(c, j, buf, len, j->next)) < 0)
			return rc;
		overlay_head(j, buf, len, j->next);
		XXH3_64bits_update(j->xs, buf, len);
		if (j->write && (rc = write_full(c, j, buf, len, j->next)) < 0)
			return rc;
		j->next += len;
		j->hashed = j->written = j->next;
		c->done += len;
		report(c, false);
	}
	job_digest(j);
	if (j->dst != -1 && c->fsync && fsync(j->dst) == -1)
		return fail(c, -errno, "cannot sync '%s': %s", j->dst_path, strerror(errno));
	j->finished = true;
	return job_close(c, j);
}

static int
rw_run(struct ctx *c)
{
	char *buf = xmalloc(c->block);
	int rc = 0;

	for (size_t i = 0; i < c->njobs && rc == 0; i++) {
		rc = job_open(c, &c->jobs[i]);
		if (rc == 0)
			rc = rw_job(c, &c->jobs[i], buf);
	}
	free(buf);
	return rc;
}

/* --- the io_uring pass -------------------------------------------------- */
#ifdef HAVE_IO_URING

/* CHAINBOX_NO_URING=1 (any value but empty or "0") asks for read/write, as
 * it asks the event loop for poll (loop.c). */
static bool
is_uring_disabled(const struct copy_options *o)
{
	const char *v = getenv("CHAINBOX_NO_URING");

	if (o->no_uring)
		return true;
	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* An fsync's user_data is its job's address with this bit set; a block's
 * is the block's address.  Both are at least 8-byte aligned. */
#define TAG_FSYNC 1ULL

/* One buffer of the pass.  It belongs to a job from its read until it is
 * both checksummed and, when the job writes, written. */
struct blk {
	struct job *job; /* NULL: free */
	char *buf;
	uint64_t off;
	size_t len;
	size_t done;   /* bytes read, then bytes written */
	bool read;     /* all len bytes are in buf */
	bool hashed;
	bool written;
};

struct uring {
	struct io_uring ring;
	unsigned inflight;
	unsigned nfree;
	unsigned nblk;
	struct blk *blks;
	char *mem;
};

/* Ring set-up flags, best first, as in loop_uring.c: a kernel that does not
 * know a flag answers EINVAL. */
static const unsigned setup_flags[] = {
	IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	IORING_SETUP_COOP_TASKRUN,
	0,
};

/* Returns: 0, or -errno with *why set (caller frees) when the kernel will
 * not give us a ring with READ, WRITE and FSYNC. */
static int
uring_init(struct uring *u, unsigned nblk, size_t block, char **why)
{
	struct io_uring_probe *probe = NULL;
	unsigned entries = nblk + FILES_IN_FLIGHT;
	int rc = -EINVAL;

	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < ARRAY_SIZE(setup_flags) && rc == -EINVAL; i++)
		rc = io_uring_queue_init(entries, &u->ring, setup_flags[i]);
	if (rc < 0) {
		xasprintf(why, "io_uring_setup: %s", strerror(-rc));
		return rc;
	}
	probe = io_uring_get_probe_ring(&u->ring);
	if (probe == NULL || !io_uring_opcode_supported(probe, IORING_OP_READ) ||
	    !io_uring_opcode_supported(probe, IORING_OP_WRITE) ||
	    !io_uring_opcode_supported(probe, IORING_OP_FSYNC)) {
		xasprintf(why, "io_uring lacks READ, WRITE or FSYNC (Linux 5.6)");
		rc = -ENOSYS;
		goto out;
	}
	u->nblk = u->nfree = nblk;
	u->blks = xcalloc(nblk, sizeof(*u->blks));
	/* Zeroed (for free: fresh pages) because the kernel fills it unseen
	 * by valgrind. */
	u->mem = xcalloc(nblk, block);
	for (unsigned i = 0; i < nblk; i++)
		u->blks[i].buf = u->mem + (size_t)i * block;
	rc = 0;
out:
	if (probe != NULL)
		io_uring_free_probe(probe);
	if (rc < 0)
		io_uring_queue_exit(&u->ring);
	return rc;
}

static void
uring_release(struct uring *u)
{
	io_uring_queue_exit(&u->ring);
	free(u->blks);
	free(u->mem);
}

static struct io_uring_sqe *
get_sqe(struct uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (sqe == NULL) {
		io_uring_submit(&u->ring);
		if ((sqe = io_uring_get_sqe(&u->ring)) == NULL)
			BUG("io_uring submission queue full after a submit");
	}
	u->inflight++;
	return sqe;
}

/* Queues the read of what is still missing of b. */
static void
submit_read(struct uring *u, struct blk *b)
{
	struct io_uring_sqe *sqe = get_sqe(u);
	char *p = b->buf + b->done;
	unsigned n = (unsigned)(b->len - b->done);

	io_uring_prep_read(sqe, b->job->src, p, n, b->off + b->done);
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)b);
}

/* Queues the write of what is still unwritten of b. */
static void
submit_write(struct uring *u, struct blk *b)
{
	struct io_uring_sqe *sqe = get_sqe(u);
	char *p = b->buf + b->done;
	unsigned n = (unsigned)(b->len - b->done);

	io_uring_prep_write(sqe, b->job->dst, p, n, b->off + b->done);
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)b);
}

static void
blk_release(struct uring *u, struct blk *b)
{
	b->job = NULL;
	u->nfree++;
}

static struct blk *
blk_get(struct uring *u)
{
	for (unsigned i = 0; i < u->nblk; i++) {
		if (u->blks[i].job == NULL) {
			u->nfree--;
			return &u->blks[i];
		}
	}
	BUG("no free block although nfree > 0");
}

/* Starts reading j's next block into a free one. */
static void
start_block(struct ctx *c, struct uring *u, struct job *j)
{
	struct blk *b = blk_get(u);
	uint64_t left = j->size - j->next;

	b->job = j;
	b->off = j->next;
	b->len = left < c->block ? (size_t)left : c->block;
	b->done = 0;
	b->read = b->hashed = b->written = false;
	j->next += b->len;
	submit_read(u, b);
}

static void
active_remove(struct ctx *c, struct job *j)
{
	TAILQ_REMOVE(&c->active, j, entry);
	c->nactive--;
}

/* Moves j on once its data is all checksummed and written: to its fsync,
 * or to the end. */
static void
job_check(struct ctx *c, struct uring *u, struct job *j)
{
	struct io_uring_sqe *sqe;

	if (j->finished || j->syncing || j->hashed < j->size || (j->write && j->written < j->size))
		return;
	job_digest(j);
	if (c->fsync && j->dst != -1) {
		sqe = get_sqe(u);
		io_uring_prep_fsync(sqe, j->dst, 0);
		io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)j | TAG_FSYNC);
		j->syncing = true;
		return;
	}
	j->finished = true;
	active_remove(c, j);
	job_close(c, j);
}

/* Checksums j's blocks that are read, in file order: completions arrive in
 * any order, and XXH3's streaming state takes bytes only in order. */
static void
hash_ready(struct ctx *c, struct uring *u, struct job *j)
{
	bool found;

	do {
		found = false;
		for (unsigned i = 0; i < u->nblk; i++) {
			struct blk *b = &u->blks[i];

			if (b->job != j || !b->read || b->hashed || b->off != j->hashed)
				continue;
			XXH3_64bits_update(j->xs, b->buf, b->len);
			b->hashed = true;
			j->hashed += b->len;
			c->done += b->len;
			found = true;
			if (!j->write || b->written)
				blk_release(u, b);
		}
	} while (found);
	report(c, false);
}

static void
on_read(struct ctx *c, struct uring *u, struct blk *b, int res)
{
	struct job *j = b->job;

	if (c->rc != 0) {
		blk_release(u, b);
		return;
	}
	if (res == -EINTR || res == -EAGAIN) {
		submit_read(u, b);
		return;
	}
	if (res <= 0) {
		if (res < 0)
			fail(c, res, "cannot read '%s': %s", j->src_path, strerror(-res));
		else
			fail_short(c, j, b->off + b->done);
		blk_release(u, b);
		return;
	}
	b->done += (size_t)res;
	if (b->done < b->len) {
		submit_read(u, b);
		return;
	}
	b->read = true;
	b->done = 0;
	overlay_head(j, b->buf, b->len, b->off);
	if (j->write)
		submit_write(u, b);
	hash_ready(c, u, j);
	job_check(c, u, j);
}

static void
on_write(struct ctx *c, struct uring *u, struct blk *b, int res)
{
	struct job *j = b->job;

	if (c->rc != 0) {
		blk_release(u, b);
		return;
	}
	if (res == -EINTR || res == -EAGAIN) {
		submit_write(u, b);
		return;
	}
	if (res <= 0) {
		/* write(2) returns 0 only for a zero count; do not spin. */
		res = res == 0 ? -EIO : res;
		fail(c, res, "cannot write '%s': %s", j->dst_path, strerror(-res));
		blk_release(u, b);
		return;
	}
	b->done += (size_t)res;
	if (b->done < b->len) {
		submit_write(u, b);
		return;
	}
	b->written = true;
	j->written += b->len;
	if (b->hashed)
		blk_release(u, b);
	job_check(c, u, j);
}

static void
on_fsync(struct ctx *c, struct job *j, int res)
{
	j->syncing = false;
	if (res < 0)
		fail(c, res, "cannot sync '%s': %s", j->dst_path, strerror(-res));
	if (c->rc != 0)
		return;
	j->finished = true;
	active_remove(c, j);
	job_close(c, j);
}

static void
on_cqe(struct ctx *c, struct uring *u, const struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	struct blk *b;

	u->inflight--;
	if (data & TAG_FSYNC) {
		on_fsync(c, (struct job *)(uintptr_t)(data & ~TAG_FSYNC), cqe->res);
		return;
	}
	b = (struct blk *)(uintptr_t)data;
	if (!b->read)
		on_read(c, u, b, cqe->res);
	else
		on_write(c, u, b, cqe->res);
}

/* Hands free blocks to the open jobs, oldest first, so that files finish
 * (and close) in order; opens more files while blocks are left over. */
static void
fill(struct ctx *c, struct uring *u)
{
	struct job *j;

	TAILQ_FOREACH(j, &c->active, entry) {
		while (u->nfree > 0 && j->next < j->size)
			start_block(c, u, j);
	}
	while (c->rc == 0 && u->nfree > 0 && c->nactive < FILES_IN_FLIGHT &&
	       c->opened < c->njobs) {
		j = &c->jobs[c->opened++];
		if (job_open(c, j) < 0)
			break;
		if (j->how == NULL)
			j->how = "io_uring";
		TAILQ_INSERT_TAIL(&c->active, j, entry);
		c->nactive++;
		while (u->nfree > 0 && j->next < j->size)
			start_block(c, u, j);
		/* An empty file has no block to wait for. */
		job_check(c, u, j);
	}
}

/* Runs every job through the ring.  Returns: 0, or -errno, recorded. */
static int
uring_run(struct ctx *c, struct uring *u)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen;
	int rc;

	for (;;) {
		if (c->rc == 0)
			fill(c, u);
		if (u->inflight == 0)
			break;
		rc = io_uring_submit_and_wait(&u->ring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
			/* The kernel still owns our buffers: wait for it. */
			fail(c, rc, "io_uring_enter: %s", strerror(-rc));
			if (io_uring_wait_cqe(&u->ring, &cqe) < 0)
				BUG("cannot wait for io_uring completions");
		}
		seen = 0;
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			on_cqe(c, u, cqe);
			seen++;
		}
		io_uring_cq_advance(&u->ring, seen);
	}
	return c->rc;
}

#endif /* HAVE_IO_URING */

/* Runs the jobs on io_uring when it may and can, else read/write.
 * Returns: 0, or -errno, recorded. */
static int
run(struct ctx *c, const struct copy_options *o)
{
#ifdef HAVE_IO_URING
	struct uring u;
	char *why = NULL;
	int rc;

	if (!is_uring_disabled(o)) {
		rc = uring_init(&u, c->depth, c->block, &why);
		if (rc == 0) {
			rc = uring_run(c, &u);
			uring_release(&u);
			return rc;
		}
		log_info("io_uring unavailable, using read/write: %s", why);
		free(why);
	}
#endif
	return rw_run(c);
}

int
copy_files(struct copy_file *files, size_t n, const struct copy_options *o, char **cause)
{
	static const struct copy_options defaults;
	struct job *jobs;
	struct ctx c;
	int rc;

	if (n == 0)
		return 0;
	o = o != NULL ? o : &defaults;
	jobs = xcalloc(n, sizeof(*jobs));
	ctx_init(&c, o, jobs, n);
	for (size_t i = 0; i < n; i++)
		job_init(&c, &jobs[i], &files[i], files[i].src, files[i].dst, files[i].len);
	rc = run(&c, o);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!jobs[i].finished)
			BUG("a copy ended without error before every file was copied");
	}
	if (rc == 0 && c.fsync)
		rc = sync_dirs(&c);
	if (rc == 0) {
		report(&c, true);
	} else {
		undo(&c);
		*cause = c.cause;
	}
	free(jobs);
	return rc;
}

int
copy_checksum(const char *path, uint64_t *size, uint64_t *xxh3, const struct copy_options *o,
	      char **cause)
{
	static const struct copy_options defaults;
	struct job job;
	struct ctx c;
	int rc;

	o = o != NULL ? o : &defaults;
	ctx_init(&c, o, &job, 1);
	job_init(&c, &job, NULL, path, NULL, COPY_WHOLE);
	rc = run(&c, o);
	if (rc == 0) {
		*size = job.size;
		*xxh3 = job.xxh3;
		report(&c, true);
	} else {
		job_close(&c, &job);
		*cause = c.cause;
	}
	return rc;
}
