/* How chainbox-node is told what to be when it runs as one node of a
 * network: a node config (node.conf, JSON) that the orchestrator writes for
 * each node, naming a geth-format genesis.json beside it.
 *
 * node.conf:
 *   {
 *     "name": "validator-1",
 *     "genesis": "genesis.json",          relative to node.conf's directory
 *     "data_dir": "data",                 likewise; null keeps the chain in RAM
 *     "rpc": {"host": "127.0.0.1", "port": 8545},     absent: no JSON-RPC
 *     "node_key": "0x<64 hex digits>",    the node's secp256k1 key
 *     "accounts": {"mnemonic": "...", "count": 10}    unlocked dev accounts
 *     "p2p": {"host": "127.0.0.1", "port": 30303, "seed": 0},  absent: no P2P
 *     "peers": [{"name": "validator-2", "host": "127.0.0.1", "port": 30304,
 *                "address": "0x<40 hex digits>"}, ...]  the other nodes
 *     "control": "control.sock",          the supervisor's socket, likewise
 *     "validator": true                   takes part in consensus
 *   }
 *
 * genesis.json is geth's format: "config" (chainId, and chainbox's own
 * "chainbox" object: consensus, blockTimeMs, emptyBlocks, validators: the
 * validators' node-key addresses), "alloc"
 * (address -> balance, nonce, code, storage), "gasLimit", "baseFeePerGas",
 * "timestamp", "extraData" and "coinbase".  Quantities are 0x-hex or
 * decimal, as strings or JSON numbers.
 *
 * Errors name the file, and the field with what was expected, or the line
 * and column where the JSON broke. */
#ifndef CHAINBOX_NODECONF_H
#define CHAINBOX_NODECONF_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/chain.h"
#include "compat.h"

#define NODE_CONFIG_MAX_BYTES (64 * 1024 * 1024)
#define NODE_MAX_VALIDATORS 256

struct node_genesis {
	/* chain_new()'s config, pointing into alloc and extra below; its
	 * automine and data_dir are left for the caller. */
	struct chain_config chain;
	struct chain_alloc *alloc;
	size_t nalloc;
	uint8_t extra[32];
	bool tbft; /* config.chainbox.consensus: "solo" (default) or "tbft" */
	uint64_t block_time_ms; /* 0: a block for each transaction */
	bool empty_blocks;
	uint8_t (*validators)[20]; /* config.chainbox.validators */
	size_t nvalidators;
};

struct node_peer {
	char *name;
	char *host;
	uint16_t port;
	uint8_t address[20]; /* its node key's */
};

struct node_config {
	char *name;
	char *data_dir; /* absolute or relative to the cwd; NULL: in memory */
	bool rpc;
	char *rpc_host;
	uint16_t rpc_port;
	bool has_node_key;
	uint8_t node_key[32];
	char *mnemonic; /* NULL: no dev accounts */
	uint64_t accounts;
	bool p2p;
	char *p2p_host;
	uint16_t p2p_port;
	uint64_t p2p_seed; /* the spec's: replays the loss and jitter faults */
	struct node_peer *peers;
	size_t npeers;
	char *control_path; /* NULL: none */
	bool validator;
	struct node_genesis genesis;
};

/* Reads a geth-format genesis file.
 * Returns: 0, or -1 with *cause set (caller frees).
 * Out: g, released with node_genesis_release() either way. */
int node_genesis_load(struct node_genesis *g, char **cause, const char *path) WARN_UNUSED;
void node_genesis_release(struct node_genesis *g);

/* Reads node.conf and the genesis file it names.
 * Returns: 0, or -1 with *cause set (caller frees).
 * Out: nc, released with node_config_release() either way. */
int node_config_load(struct node_config *nc, char **cause, const char *path) WARN_UNUSED;
void node_config_release(struct node_config *nc);

#endif
