/* Small file-system helpers the orchestrator's parts share. */
#ifndef CHAINBOX_FSUTIL_H
#define CHAINBOX_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "compat.h"

/* Creates dir and its missing parents, as mkdir -p does.  Returns: 0 or
 * -errno. */
int fs_mkdirs(const char *dir) WARN_UNUSED;
/* Removes path and, for a directory, everything under it (symbolic links
 * are removed, never followed).  A missing path is fine.  Returns: 0 or
 * -errno. */
int fs_rmtree(const char *path) WARN_UNUSED;
/* Writes len bytes to path through PATH.tmp and a rename, so that a reader
 * sees the old file or the new one whole; with sync, the data and the
 * rename are on disk before it returns.
 * Returns: 0, or -1 with *cause set (caller frees) naming the file. */
int fs_write_file(char **cause, const char *path, const void *buf, size_t len, int mode,
		  bool sync) WARN_UNUSED;
/* Flushes directory dir's entries to disk.  Returns: 0 or -errno. */
int fs_sync_dir(const char *dir) WARN_UNUSED;

#endif
