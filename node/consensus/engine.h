/* A node's part in a tbft network: the consensus state machine (tbft.h)
 * hosted on the chain, the P2P mesh (p2p/p2p.h) and the node's libevent
 * loop.
 *
 * What travels between nodes, as P2P frames of these types:
 *   ENGINE_MSG_CONSENSUS  a tbft message (proposal, prevote, precommit)
 *   ENGINE_MSG_TX         a transaction the sender's pool took: its
 *                         encoding, or rlp([encoding, sender]) for an
 *                         impersonated sender's
 *   ENGINE_MSG_STATUS     the sender's head height, 8 bytes big-endian,
 *                         sent when a peer comes up and every second
 *   ENGINE_MSG_GET_BLOCKS a request for blocks: from (8) and count (4)
 *   ENGINE_MSG_BLOCKS     rlp([[block, certificate], ...]), blocks as
 *                         chain_block_encode() writes them
 * A node that learns a peer is ahead asks it for the blocks it lacks,
 * checks each one's commit certificate against the validator set, imports
 * it, and then takes part in consensus at the new height. */
#ifndef CHAINBOX_ENGINE_H
#define CHAINBOX_ENGINE_H

#include <jansson.h>

#include "chain/chain.h"
#include "compat.h"
#include "nodeconf.h"

#define ENGINE_MSG_CONSENSUS 0x10
#define ENGINE_MSG_TX 0x11
#define ENGINE_MSG_STATUS 0x12
#define ENGINE_MSG_GET_BLOCKS 0x13
#define ENGINE_MSG_BLOCKS 0x14
/* The most blocks one ENGINE_MSG_BLOCKS carries, as many as fit one P2P
 * frame, counting ENGINE_SYNC_SLACK bytes of RLP framing for each. */
#define ENGINE_SYNC_BATCH 64
#define ENGINE_SYNC_SLACK 32
#define ENGINE_STATUS_MS 1000
#define ENGINE_REBROADCAST_MS 100
/* tbft's restart record holds at most a locked block and a few messages. */
#define ENGINE_RECORD_MAX (64 * 1024 * 1024)

struct event_base;
struct engine;
struct p2p;

/* Starts the node's P2P mesh and its consensus (as a validator when nc
 * says so).
 * Returns: the engine (caller frees with engine_free()), or NULL with
 * *cause set (caller frees).  In: nc and chain outlive the engine. */
struct engine *engine_new(struct event_base *base, const struct node_config *nc,
			  struct chain *chain, char **cause) WARN_UNUSED;
void engine_free(struct engine *e);

/* For the node's control socket (nodectl.h): the mesh its fault commands
 * act on, and the consensus fields of a status reply (height, round...);
 * arg is the engine. */
struct p2p *engine_p2p(struct engine *e);
void engine_status(void *arg, json_t *reply);

#endif
