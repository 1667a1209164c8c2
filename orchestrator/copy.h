/* The snapshot copy engine: copies a list of files and returns the
 * XXH3_64bits of every copy, computed from the bytes as they go by, so a
 * snapshot never needs a second pass to checksum what it wrote.
 *
 * How each file is copied, in order of preference:
 *   "reflink"		where the file system shares extents (XFS reflink=1,
 *			btrfs): FICLONE for a whole file, FICLONERANGE for a
 *			prefix that ends on a block boundary; then a read pass
 *			of src for the checksum.
 *   "copy_file_range"	files of at least options.cfr_min bytes, when the
 *			caller sets it: the kernel's copy, then a read pass of
 *			src for the checksum.  Never by default: with that
 *			second pass it was slower than "io_uring" at every size
 *			(copy.c has the figures).
 *   "io_uring"		everything else: one pass that reads src in blocks at
 *			queue depth COPY_DEPTH, checksums the blocks in file
 *			order and writes each one as soon as it is read, with
 *			several files in flight on one ring.
 *   "read/write"	the same single pass with read(2) and write(2), one
 *			file at a time, when io_uring is off: options.no_uring,
 *			CHAINBOX_NO_URING=1 in the environment (any value but
 *			empty or "0"), a build --without-io-uring, or a kernel
 *			that refuses io_uring_setup.
 * Every way gives the same bytes and the same checksum.  The figures behind
 * the defaults are in copy.c and come from bench/copy.
 *
 * The io_uring and read/write passes checksum the very bytes they write;
 * after a reflink or copy_file_range the checksum pass reads the copy.
 * Either way the checksum describes dst, even when src changes during the
 * copy (a snapshot copies live LMDB files, whose free pages may change).
 *
 * Files are read as they are while being copied: what makes the copy
 * consistent is the caller's business (a snapshot pins the pages it
 * needs, see node/state/store.h). */
#ifndef CHAINBOX_COPY_H
#define CHAINBOX_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* copy_file.len: the whole file, as large as fstat(2) says when it is
 * opened. */
#define COPY_WHOLE UINT64_MAX

/* One file to copy: the first len bytes of src (COPY_WHOLE: all of it) to
 * dst, created with O_EXCL (an existing dst is an error), mode 0644 (less
 * the umask), optionally with its first bytes replaced. */
struct copy_file {
	const char *src, *dst;
	uint64_t len;
	/* When not NULL, dst starts with these head_len bytes instead of
	 * src's first head_len (a snapshot writes the LMDB meta pages it
	 * pinned); size and xxh3 describe dst.  head_len must not exceed the
	 * bytes copied.  Not owned; read during copy_files() only. */
	const uint8_t *head;
	size_t head_len;
	/* Out, set when copy_files() returns 0: */
	uint64_t size;	 /* bytes copied */
	uint64_t xxh3;	 /* XXH3_64bits (seed 0) of those bytes */
	const char *how; /* "reflink", "io_uring", "copy_file_range" or
			    "read/write"; a string literal */
};

/* Every field may be left 0 (a zeroed struct, or NULL options) for the
 * defaults. */
struct copy_options {
	bool no_uring;	 /* read(2)/write(2) instead of io_uring */
	unsigned depth;	 /* io_uring queue depth, blocks in flight; 0:
			    COPY_DEPTH; at most 1024 */
	size_t block;	 /* bytes per read; 0: COPY_BLOCK; at most 64 MiB */
	/* Called from the copying thread now and then (about every
	 * COPY_PROGRESS_MS, not per block) with the bytes copied and
	 * checksummed so far and the total, and once more with done == total
	 * when every file is copied; may be NULL. */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *arg;
	/* Files of at least this many bytes go through copy_file_range(2);
	 * 0: COPY_CFR_MIN, which is never.  For file systems that copy
	 * without moving the data (NFS 4.2 server-side copy), and tests. */
	uint64_t cfr_min;
	bool no_reflink; /* do not try FICLONE and FICLONERANGE */
	/* Skip every fsync: for callers that syncfs(2) the snapshot's file
	 * system once at the end, and for bench/copy. */
	bool no_fsync;
};

/* The defaults of copy_options, measured with bench/copy; the figures are
 * at the top of copy.c. */
#define COPY_DEPTH 32
#define COPY_BLOCK (128 * 1024)
/* Never: with the checksum's read pass, copy_file_range was slower than
 * the io_uring pass at every size from 16 KiB to 64 MiB (0.47-0.83x) and
 * tied at 4 KiB. */
#define COPY_CFR_MIN UINT64_MAX
#define COPY_PROGRESS_MS 200

/* Copies every file, checksumming in the same pass, and fsyncs each dst and
 * then each directory a dst is in (not the directories above them: the
 * caller created those).  On failure, every dst this call created is
 * removed again, and nothing else is written.
 * Returns: 0, or -errno with *cause set (caller frees) naming the file and
 * what failed, e.g. "cannot write '/x/y/chain.mdb': No space left on
 * device"; an existing dst gives -EEXIST ("cannot create '...': File
 * exists"), a src shorter than len -ENODATA ("cannot read '...': shorter
 * than expected (...)"), a src that is not a regular file or a head
 * longer than the copy -EINVAL.
 * Out: files[i].size, .xxh3 and .how, on success.
 * In: files, n of them (0 does nothing and returns 0), their paths distinct;
 *     o, NULL for the defaults. */
int copy_files(struct copy_file *files, size_t n, const struct copy_options *o, char **cause)
	WARN_UNUSED;

/* Reads the whole of path, through io_uring unless o or the environment
 * say otherwise (see above).
 * Returns: 0, or -errno with *cause set (caller frees) naming path.
 * Out: *size, its size; *xxh3, the XXH3_64bits (seed 0) of its bytes.
 * In: o, NULL for the defaults (only no_uring, depth, block and progress
 *     matter). */
int copy_checksum(const char *path, uint64_t *size, uint64_t *xxh3, const struct copy_options *o,
		  char **cause) WARN_UNUSED;

#endif
