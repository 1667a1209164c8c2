/* A network's plan: what a spec becomes on disk before any node starts.
 *
 * Under the state directory (STATE, by default ./.chainbox/NAME):
 *   genesis.json          geth format, shared by every node (see nodeconf.h)
 *   spec.yaml             the effective spec the network was made from
 *   nodes/NODE/           the node's own directory, the only place it
 *                         sees of the state dir, and may write to:
 *     node.conf           its config (see nodeconf.h)
 *     genesis.json        a copy of the network's
 *     data/               its chain (LMDB)
 *   logs/NODE.log         what the node prints (written by the supervisor;
 *                         the spec's logs.dir moves it)
 *
 * Keys come from the spec's seed and the node's name, so the same spec
 * gives the same network.  Ports are picked free when the plan is made:
 * the first RPC node gets 8545 when it is free (unless any_port, for
 * networks started side by side), the others a free port each; a port
 * the spec fixes must be free or the plan fails.
 *
 * A state directory that already holds a genesis.json keeps it, and with
 * it the genesis time, so a network brought down without --purge comes
 * back with its chain; one made from another spec is refused. */
#ifndef CHAINBOX_PLAN_H
#define CHAINBOX_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "compat.h"
#include "spec.h"

#define PLAN_DEFAULT_RPC_PORT 8545
#define PLAN_SPEC_FILE "spec.yaml"

struct plan_node {
	char *name;
	size_t group; /* index into spec->groups */
	bool validator;
	char *dir; /* STATE/nodes/NAME */
	char *conf; /* dir/node.conf */
	char *data_dir; /* dir/data */
	char *log; /* STATE/logs/NAME.log, or in the spec's logs.dir */
	bool rpc;
	uint16_t rpc_port;
	uint16_t p2p_port; /* tbft networks; 0 for none */
	char *control; /* dir/control.sock: the node's socket for the supervisor */
	uint8_t key[32]; /* the node key */
	uint8_t address[20]; /* the node key's address */
};

struct plan {
	char *name;
	char *state_dir; /* absolute */
	char *genesis; /* STATE/genesis.json */
	uint64_t genesis_time;
	uint8_t spec_hash[32];
	bool reused; /* the genesis was already there */
	bool any_port; /* no 8545 first: every port is picked free */
	struct plan_node *nodes;
	size_t nnodes;
};

/* Makes the plan for spec in state_dir (created if need be), writing the
 * genesis and every node's config.
 * Returns: 0, or -1 with *cause set (caller frees).  Out: p, released with
 * plan_release() either way. */
int plan_make(struct plan *p, char **cause, const struct spec *spec,
	      const char *state_dir, bool any_port) WARN_UNUSED;
void plan_release(struct plan *p);

/* Out: hash, keccak-256 of the spec's effective JSON (keys sorted), less
 * its file and name, which tells two specs apart. */
void plan_spec_hash(uint8_t hash[32], const struct spec *spec);

/* Returns: a TCP port on 127.0.0.1 free right now (0 when none could be
 * found), trying want first when it is not 0. */
uint16_t plan_free_port(uint16_t want);

#endif
