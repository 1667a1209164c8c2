/* Log bundles: everything there is to read about a network after the fact,
 * in one archive for CI artifacts (`chainbox logs --bundle FILE`).  A
 * bundle is made from the state directory, so it works whether the network
 * runs or was brought down (without --purge).
 *
 * Under one top directory, NET-logs/ with NET the network's name:
 *   logs/NODE.log, logs/NODE.log.1, ...   every node's log, rotated ones too
 *   network.json, spec.yaml, genesis.json, supervisor.log
 *                                         STATE's own, those that exist
 *   status.json    the supervisor's answer to status, when one runs
 *   status.txt     otherwise: why there is no status.json
 * A log that grows while it is read is cut at its size when it was opened. */
#ifndef CHAINBOX_BUNDLE_H
#define CHAINBOX_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* What bundle_write() put in the archive. */
struct bundle_stats {
	size_t files;
	uint64_t bytes; /* of the files, before compression */
};

/* Writes the bundle of the network in state_dir, whose node logs are in
 * log_dir, to file: through file.partial and a rename, replacing file.
 * It is a gzip'd tar, or a plain one when file ends in ".tar".
 * Returns: 0, or -1 with *cause set (caller frees), naming the file that
 * failed; then neither file.partial nor a new file is left.
 * Out: *st, on success. */
int bundle_write(char **cause, struct bundle_stats *st, const char *file, const char *state_dir,
		 const char *log_dir) WARN_UNUSED;

#endif
