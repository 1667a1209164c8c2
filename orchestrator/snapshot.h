/* Network snapshots: every node's chain at one committed height, saved
 * while the network runs, restored in place, and carried to another
 * machine in one file.
 *
 * Under the network's state directory:
 *   snapshots/NAME/
 *     manifest.json      what the snapshot holds (below)
 *     spec.yaml          the effective spec of the network
 *     genesis.json       the network's genesis (its time makes its hash)
 *     nodes/NODE/chain.mdb   the node's LMDB store at the height
 *
 * manifest.json:
 *   {"format": 1, "name": "base", "network": "bft4", "consensus": "tbft",
 *    "chain_id": 31337, "spec_hash": "0x..", "height": 42,
 *    "created": "2026-11-28T16:50:00Z",
 *    "files": [{"path": "spec.yaml", "size": N, "xxh3": "16 hex digits"}, ...],
 *    "nodes": [{"name": "validator-1", "validator": true, "height": 42,
 *               "hash": "0x..", "state_root": "0x..",
 *               "files": [{"path": "nodes/validator-1/chain.mdb", ...}]}]}
 * Every node of a tbft network is at the same height with the same block;
 * a solo network's nodes each have a chain of their own, each at its head.
 *
 * Saving: the supervisor pins every node's store at the height
 * (supervisor.c, node/snapctl.h), the nodes go on committing, and this
 * process copies the pinned files with the copy engine (copy.h), which
 * checksums them in the same pass; the pins go once the copy is done.
 * Restoring: the snapshot's files are copied next to the nodes' own,
 * checksummed on the way, while the network still runs; only when every
 * checksum matches are the nodes stopped, the files swapped in and the
 * nodes started, so a corrupt snapshot never touches the network.
 * Exporting: one tar file (ustar) of the snapshot's directory, manifest
 * first; `chainbox up --from-snapshot FILE` unpacks it, checking every
 * checksum, into a new network's state directory. */
#ifndef CHAINBOX_SNAPSHOT_H
#define CHAINBOX_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "compat.h"

#define SNAPSHOT_DIR "snapshots"
#define SNAPSHOT_MANIFEST "manifest.json"
#define SNAPSHOT_FORMAT 1
#define SNAPSHOT_NAME_MAX 64

struct snapshot_options {
	bool no_uring; /* the copy engine's plain path */
	bool progress; /* show progress on stderr (a terminal) */
	/* restore: return once every node holds the saved block, without
	 * waiting for the next to commit (a test runner's next transaction
	 * waits for that anyway) */
	bool no_commit_wait;
};

/* What a save or a restore did, and how long each part took. */
struct snapshot_stats {
	uint64_t height;
	size_t nodes;
	uint64_t bytes; /* copied */
	const char *how; /* how the largest file was copied (copy.h) */
	double pin_ms; /* save: until every node was pinned */
	double copy_ms; /* save and restore: the copy (and checksums) */
	double stop_ms, swap_ms, start_ms; /* restore: the nodes' downtime */
	double commit_ms; /* restore: from the start until a new block (tbft,
			     interval mining); 0 when blocks come on demand */
	double total_ms;
	bool offline; /* restore: no supervisor ran; the files were swapped */
};

/* Saves the running network of state_dir as snapshot name.
 * Returns: 0, or -1 with *cause set (caller frees); on failure nothing of
 * the snapshot is left and the network runs on. */
int snapshot_save(const char *state_dir, const char *name, const struct snapshot_options *o,
		  struct snapshot_stats *st, char **cause) WARN_UNUSED;
/* Restores snapshot name into the network of state_dir (running or not).
 * Returns: 0, or -1 with *cause set (caller frees). */
int snapshot_restore(const char *state_dir, const char *name, const struct snapshot_options *o,
		     struct snapshot_stats *st, char **cause) WARN_UNUSED;

/* Unpacks an exported snapshot for `up --from-snapshot FILE`: into
 * STATE/snapshots/NAME, with the network's genesis and every node's chain
 * put in place, so that `up` of the snapshot's spec starts from it.
 * STATE is state_dir when given, else ./.chainbox/NET with NET the given
 * name or the snapshot's network.
 * Returns: 0 with *spec (the spec file to start), *state and *net set
 * (caller frees), or -1 with *cause set. */
int snapshot_import(const char *file, const char *name, const char *state_dir, char **spec,
		    char **state, char **net, char **cause) WARN_UNUSED;

/* chainbox snapshot save|restore|list|rm|export ...: the exit status. */
int snapshot_cmd(int argc, char **argv);

#endif
