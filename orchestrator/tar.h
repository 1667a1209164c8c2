/* Tar archives of regular files, in the ustar format: written to a file
 * descriptor as they are or through gzip (zlib), and read back from a
 * plain one.  Snapshots are exported as plain tar (snapshot.h); log
 * bundles are gzip'd (bundle.h).
 *
 * A member is a 512-byte header, its data, and zeros up to the next block;
 * two zero blocks end the archive.  A path fits in 100 bytes, or in 256
 * when a '/' splits it into the header's prefix (155) and name (100).
 * Sizes of 8 GiB and more use GNU's base-256, which GNU tar and libarchive
 * read. */
#ifndef CHAINBOX_TAR_H
#define CHAINBOX_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "compat.h"

#define TAR_BLOCK 512
/* A ustar path: a prefix of 155, a slash, a name of 100, and the NUL. */
#define TAR_PATH_MAX 257

/* --- writing ------------------------------------------------------------------------- */

struct tar_writer;

/* Returns: a writer that appends to fd, through gzip when gzip.  The fd
 * stays the caller's: it is neither closed nor synced here.  Exits when
 * out of memory, as the x allocators do. */
struct tar_writer *tar_writer_new(int fd, bool gzip);
/* Frees w without ending the archive (call tar_write_end() first for a
 * whole one).  tar_writer_free(NULL) does nothing. */
void tar_writer_free(struct tar_writer *w);

/* The calls below return 0 or -errno.  An error sticks: once a write has
 * failed, every later call returns the same error and writes nothing, so a
 * caller may check only the last one. */

/* Appends the header of a regular file: its path in the archive (relative,
 * '/'-separated), its size in bytes, mtime and permission bits (0644).
 * Returns: 0; -ENAMETOOLONG for a path that does not fit (the error does
 * not stick: nothing was written); -errno. */
int tar_write_header(struct tar_writer *w, const char *path, uint64_t size, time_t mtime,
		     unsigned mode) WARN_UNUSED;
/* Appends len bytes of the current member's data. */
int tar_write(struct tar_writer *w, const void *buf, size_t len) WARN_UNUSED;
/* Appends the zeros that end a member of size bytes at a block boundary. */
int tar_write_pad(struct tar_writer *w, uint64_t size) WARN_UNUSED;
/* Appends the two zero blocks that end the archive and, with gzip, the end
 * of the gzip stream; everything is then written to the fd. */
int tar_write_end(struct tar_writer *w) WARN_UNUSED;

/* --- reading (plain tar only) ------------------------------------------------------ */

/* Reads the next member's header from fd.
 * Returns: 1 with path and *size set; 0 at the archive's end (a zero
 * block); -ENODATA when fd ends first; -EBADMSG for a block that is not a
 * ustar header (a wrong checksum: not tar, or damaged); -EMEDIUMTYPE for a
 * member that is not a regular file; -errno.
 * Out: path, the member's path (NUL-terminated); *size, its data's length. */
int tar_next(int fd, char path[TAR_PATH_MAX], uint64_t *size) WARN_UNUSED;
/* Reads exactly len bytes of a member's data from fd.
 * Returns: 0; -ENODATA when fd ends first; -errno. */
int tar_read(int fd, void *buf, size_t len) WARN_UNUSED;
/* Skips the zeros after the data of a member of size bytes.
 * Returns: 0; -ENODATA when fd ends first; -errno. */
int tar_skip_pad(int fd, uint64_t size) WARN_UNUSED;

#endif
