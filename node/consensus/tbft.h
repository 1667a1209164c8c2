/* tbft: Tendermint-style BFT consensus as a pure state machine.
 *
 * tbft is Algorithm 1 of "The latest gossip on BFT consensus" (Buchman,
 * Kwon, Milosevic 2018).  It does no I/O of its own: the node drives it with
 * tbft_receive() (a message from a peer), tbft_tick() (a timer) and
 * tbft_nudge() (transactions arrived), and tbft talks back through the
 * callbacks of struct tbft_host (build a block, check a block, commit one,
 * broadcast a message, sign, arm the timer).  A test drives it the same way
 * from a simulated network and clock.
 *
 * ## Validators, heights and rounds
 *
 * The validators are a fixed list of n >= 1 Ethereum addresses from genesis,
 * each with one vote.  f = (n - 1) / 3 of them may be faulty.  A quorum is
 * more than 2/3 of the votes (2n/3 + 1, which is 2f + 1 when n = 3f + 1);
 * "f + 1" below means more than 1/3 (n/3 + 1): at least one of them is
 * honest.  Height h is the block being decided; the first is 1 (genesis is
 * 0).  Each height runs rounds 0, 1, 2... until one decides; round r of
 * height h is proposed by validators[(h + r) % n], so the proposer rotates
 * with both.  A round has three steps:
 *
 *   propose    the proposer broadcasts PROPOSAL(h, r, block, hash, pol):
 *              its validValue if it has one (pol = validRound), else a new
 *              block from host->propose (pol = none).  The others wait for
 *              it at most timeout_propose(r).
 *   prevote    each validator broadcasts PREVOTE(h, r, hash) for a proposal
 *              that host->valid accepts and that its lock allows (not locked,
 *              locked on the same hash, or pol >= its lockedRound and a
 *              quorum prevoted the block in round pol); else PREVOTE(nil),
 *              also when timeout_propose(r) passes first.
 *   precommit  on a quorum of prevotes for a valid block in round r, a
 *              validator locks on it (lockedRound = r) and broadcasts
 *              PRECOMMIT(h, r, hash); on a quorum of nil prevotes, or
 *              timeout_prevote(r) after any quorum of prevotes, it
 *              broadcasts PRECOMMIT(nil).  Any validator seeing a quorum of
 *              prevotes for a block also records it as validValue/validRound.
 *
 * A quorum of precommits for one hash, in any round of the height, with the
 * block known and valid, decides it: host->commit receives the block and its
 * commit certificate (those precommits), exactly once per height, and the
 * node starts round 0 of the next height.  timeout_precommit(r) after any
 * quorum of precommits without a decision starts round r + 1.  Timeouts grow
 * with the round: timeout_X(r) = timeout_X + r * timeout_X_delta.  Messages
 * from f + 1 validators at a higher round of the height make a node jump to
 * that round (round skipping).  Safety holds with at most f faulty
 * validators whatever the network does; progress needs a quorum of
 * validators that can talk to each other.
 *
 * Pacing: the proposal of a new height waits until block_time_ms after the
 * node committed the previous block (the others start timeout_propose then
 * too).  With empty_blocks false, round 0 also waits until host->has_txs
 * says transactions are pending (checked again on tbft_nudge()), or until
 * another validator's message for the height shows that someone else
 * started; later rounds never wait, so a height that has started ends.
 * An idle network sends nothing at all.
 *
 * ## Messages
 *
 * Every message is one RLP list.  hash is 32 bytes, or the empty string for
 * nil (votes only); pol is the proposal's valid round + 1, 0 for none; sig is
 * 65 bytes, r || s || recovery id, as lib/secp.h makes them:
 *
 *   PROPOSAL   [1, height, round, pol, hash, block, sig]
 *   PREVOTE    [2, height, round, hash, sig]
 *   PRECOMMIT  [3, height, round, hash, sig]
 *
 * sig signs keccak256(rlp(["chainbox/tbft/1", chain_id, type, height,
 * round, pol, hash])), with pol 0 in votes, so a message counts on one chain
 * for one step only.  The sender is not in the message: it is the address
 * recovered from sig, and it must be a validator (and the round's proposer
 * for a PROPOSAL).  The block is opaque to tbft; host->valid must check that
 * hash is the block's hash, since only the hash is signed.
 *
 * The commit certificate of height h, decided in round r:
 *
 *   CERT       [height, round, hash, [sig, sig, ...]]
 *
 * the signatures of PRECOMMIT(h, r, hash) by more than 2/3 of the
 * validators.  tbft_verify_commit() checks one without running the protocol,
 * so a node catching up (or a full node) can import blocks from peers.
 *
 * ## Receiving
 *
 * tbft_receive() verifies the signature and the sender before anything else
 * is kept.  A message of a decided height is dropped; one of the next height
 * is kept (at most TBFT_FUTURE_PER_VALIDATOR per validator) and replayed
 * when the node gets there; one further ahead only counts towards telling
 * the host that the node is behind (host->behind), so that it syncs blocks
 * with their certificates and calls tbft_set_height().  Rounds
 * more than TBFT_ROUNDS_AHEAD ahead of the node's round are counted for
 * round skipping, not stored.  The same message twice is a harmless
 * duplicate; two different votes (or proposals) of one validator for the
 * same height, round and step are an equivocation: host->evidence hears of
 * it.  The validator still counts once towards any total, and once towards
 * the tally of each block it voted for: a quorum for a block that needs its
 * vote is the proof an honest validator locked with, and the others must
 * accept it when relayed (two quorums for different blocks in one round
 * would need more than f equivocators).
 *
 * A validator sends its own messages of the current round (and of the
 * last earlier round it signed in) again every rebroadcast_ms while it
 * makes no progress, with the proposal and the precommits that decided the
 * previous height (relayed as they were signed); a node that hears from a
 * peer still at the previous height sends it those too, at most once per
 * rebroadcast_ms.  A proposer that re-proposes its validValue relays the
 * prevotes that made it valid (its proof of lock).  So lost messages (a
 * partition that heals, a peer that restarts, a peer one height behind in
 * an idle network) do not stall the network.
 *
 * ## Restarts
 *
 * After each signature, before the message is sent, tbft hands
 * host->persist its restart record: the last (height, round, step) signed,
 * the lock (lockedRound and the locked block), and the node's messages of
 * that round.  The host must store it durably before returning, and give it
 * back to tbft_load() after a restart.  tbft then never signs at or below
 * that (height, round, step) again, so a restarted validator cannot
 * equivocate.  It resumes at that round and step, sends its stored
 * messages again (peers still in that round may need them), keeps its
 * lock, and proposes the locked block when it is the proposer, so that a
 * validator or a whole network restarting at once neither forks nor
 * stalls.
 *
 *   RECORD     [1, height, round, step, lockedRound + 1 (0: none),
 *               locked hash or "", locked block or "", [message, ...]]
 *
 * where the messages are the node's own, as sent, of that round.  tbft
 * signs, stores the record, and only then sends.
 *
 * ## Full nodes
 *
 * A node whose address is not a validator runs in follower mode: the same
 * machine, but it never proposes or signs (host->sign may be NULL); it
 * decides blocks from the validators' messages and calls host->commit like
 * a validator, and only relays what decided a height to a peer still at
 * it.  A full node that does not receive consensus messages can instead
 * import blocks from peers, checking each with tbft_verify_commit().
 *
 * Memory is bounded by n, TBFT_ROUNDS_AHEAD, TBFT_FUTURE_PER_VALIDATOR
 * and the rounds the height has run; a proposal's block is copied, so the
 * P2P layer must bound the size of a message.
 *
 * tbft is single-threaded and not re-entrant: callbacks must not call
 * tbft_receive(), tbft_tick(), tbft_nudge(), tbft_set_height() or
 * tbft_free() on the same instance (tbft_status() is fine). */
#ifndef CHAINBOX_TBFT_H
#define CHAINBOX_TBFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* Message types, the first item of every message. */
#define TBFT_PROPOSAL 1
#define TBFT_PREVOTE 2
#define TBFT_PRECOMMIT 3

/* Messages of the next height kept per validator until the node gets there. */
#define TBFT_FUTURE_PER_VALIDATOR 8
/* How far ahead of the node's round messages of its height are stored. */
#define TBFT_ROUNDS_AHEAD 16

/* Defaults for the zero fields of struct tbft_config, in milliseconds. */
#define TBFT_DEFAULT_TIMEOUT_PROPOSE 1000
#define TBFT_DEFAULT_TIMEOUT_PROPOSE_DELTA 500
#define TBFT_DEFAULT_TIMEOUT_PREVOTE 500
#define TBFT_DEFAULT_TIMEOUT_PREVOTE_DELTA 250
#define TBFT_DEFAULT_TIMEOUT_PRECOMMIT 500
#define TBFT_DEFAULT_TIMEOUT_PRECOMMIT_DELTA 250
#define TBFT_DEFAULT_REBROADCAST 1000

struct tbft_config {
	uint64_t chain_id;
	/* The validators in genesis order, each once; copied.  n >= 1. */
	const uint8_t (*validators)[20];
	size_t nvalidators;
	/* This node's address; not among the validators: follower mode. */
	uint8_t self[20];
	/* The target time between blocks; 0: as fast as consensus goes. */
	uint64_t block_time_ms;
	/* false: propose only when host->has_txs says transactions wait. */
	bool empty_blocks;
	/* timeout_X(round) = timeout_X_ms + round * timeout_X_delta_ms;
	 * 0 takes the TBFT_DEFAULT_ value. */
	uint64_t timeout_propose_ms, timeout_propose_delta_ms;
	uint64_t timeout_prevote_ms, timeout_prevote_delta_ms;
	uint64_t timeout_precommit_ms, timeout_precommit_delta_ms;
	/* How long without progress before own messages are sent again. */
	uint64_t rebroadcast_ms;
};

/* What tbft needs from the node.  Every function gets arg.  The ones
 * marked optional may be NULL; the others are required. */
struct tbft_host {
	void *arg;
	/* Builds the block to propose at height.
	 * Returns: 0, or -errno (tbft then lets timeout_propose pass).
	 * Out: *block, allocated with malloc (tbft frees it); *len; hash, the
	 * block's 32-byte hash. */
	int (*propose)(void *arg, uint64_t height, uint8_t **block, size_t *len,
		       uint8_t hash[32]);
	/* Returns: whether block is valid as the block at height on top of the
	 * node's chain, and hash is its hash.  Called at most once per hash
	 * and height, never for the node's own proposals. */
	bool (*valid)(void *arg, uint64_t height, const uint8_t *block, size_t len,
		      const uint8_t hash[32]);
	/* The block at height is decided: import it.  cert is its commit
	 * certificate (see above), to store with the block and serve to
	 * peers that sync.  Both buffers are tbft's: copy what you keep. */
	void (*commit)(void *arg, uint64_t height, const uint8_t *block, size_t len,
		       const uint8_t hash[32], const uint8_t *cert, size_t cert_len);
	/* Sends msg to every peer (validators and full nodes).  Delivery may
	 * fail; tbft sends again while stalled.  msg is tbft's. */
	void (*broadcast)(void *arg, const uint8_t *msg, size_t len);
	/* Signs digest with the node's validator key (required only for a
	 * validator).  Returns: 0, or -errno (nothing is sent).
	 * Out: sig, r || s || recovery id as secp_sign() makes it. */
	int (*sign)(void *arg, uint8_t sig[65], const uint8_t digest[32]);
	/* Re-arms the host's one timer: call tbft_tick() delay_ms from now,
	 * replacing any earlier request.  Early or extra ticks are harmless. */
	void (*schedule)(void *arg, uint64_t delay_ms);
	/* Returns: a monotonic clock in milliseconds. */
	uint64_t (*now_ms)(void *arg);
	/* Returns: whether transactions wait to be included (asked only with
	 * empty_blocks false; optional then too: NULL means never). */
	bool (*has_txs)(void *arg);
	/* Optional.  validator equivocated; what says how, for the log. */
	void (*evidence)(void *arg, const uint8_t validator[20], const char *what);
	/* Optional.  This node is behind: more than 1/3 of the validators
	 * are two heights or more past it, or some validator has been past
	 * it for rebroadcast_ms; height is how far they claim to be.  Fetch
	 * the blocks peers have, check each with tbft_verify_commit(), import
	 * them, and call tbft_set_height().  Called again every
	 * rebroadcast_ms while the node stays behind. */
	void (*behind)(void *arg, uint64_t height);
	/* Optional (NULL: a restart may equivocate).  Stores state, tbft's
	 * restart record, durably, replacing the previous one; called after
	 * every signature, before the message is sent.
	 * Returns: 0, or -errno (then the message is not sent). */
	int (*persist)(void *arg, const uint8_t *state, size_t len);
};

struct tbft;

/* Creates the machine for a node whose chain holds the blocks below height
 * (height >= 1; genesis is 0).  Nothing happens until tbft_start().
 * Returns: the machine (caller frees with tbft_free()), or NULL with *cause
 * set (caller frees): no validators, a duplicate validator, a required
 * callback missing, height 0.
 * In: cfg and host are copied. */
struct tbft *tbft_new(const struct tbft_config *cfg, const struct tbft_host *host,
		      uint64_t height, char **cause) WARN_UNUSED;
/* Frees t; tbft_free(NULL) does nothing. */
void tbft_free(struct tbft *t);

/* Restores the record host->persist stored before a restart; call it
 * before tbft_start().  A record of a later height than t's is kept for
 * when t gets there.
 * Returns: 0; -EBADMSG with *why set (caller frees) when state is not a
 * record; -EALREADY when t has started. */
int tbft_load(struct tbft *t, char **why, const uint8_t *state, size_t len) WARN_UNUSED;

/* Starts round 0 of the first height (or the round of a loaded record),
 * without waiting for block_time_ms.  Later calls do nothing. */
void tbft_start(struct tbft *t);

/* Handles one message from a peer.
 * Returns: 0 when it was used or kept for later;
 *   -EBADMSG  malformed: not RLP, wrong item count or sizes, a round or
 *             valid round out of range
 *   -EPERM    bad signature, signer not a validator, or a proposal from a
 *             validator that is not the round's proposer
 *   -EEXIST   an equivocation, reported to host->evidence
 *   -EALREADY a duplicate; -ESTALE a message of a decided height; -ENOBUFS
 *             too far ahead to keep: these are no fault of the sender
 *   -EAGAIN   t has not started
 * Out: *why, a reason for every error (caller frees).  In: msg is copied
 * where kept. */
int tbft_receive(struct tbft *t, char **why, const uint8_t *msg, size_t len);

/* Runs the timers that are due; call it when host->schedule's delay ends. */
void tbft_tick(struct tbft *t);

/* Transactions arrived: a proposer waiting for them goes on. */
void tbft_nudge(struct tbft *t);

/* Out: *height, the height being decided; *round; *step, "wait" (for the
 * block time or for transactions), "propose", "prevote" or "precommit"
 * (static).  Any output may be NULL. */
void tbft_status(const struct tbft *t, uint64_t *height, uint32_t *round, const char **step);

/* The node imported the blocks below height by sync (each checked with
 * tbft_verify_commit()): move to height, round 0.  Heights at or below the
 * current one are ignored. */
void tbft_set_height(struct tbft *t, uint64_t height);

/* Checks that cert is a commit certificate for the block hash at height:
 * distinct validators of cfg, more than 2/3 of them, signed
 * PRECOMMIT(height, round, hash) on cfg's chain.  Needs no tbft.
 * Returns: 0; -EBADMSG for a malformed cert; -EINVAL for another height or
 * hash, or a validator signing twice; -EPERM for a bad signature, a signer
 * that is not a validator, or too few signatures.
 * Out: *why on error (caller frees). */
int tbft_verify_commit(const struct tbft_config *cfg, char **why, uint64_t height,
		       const uint8_t hash[32], const uint8_t *cert, size_t cert_len) WARN_UNUSED;

/* Returns: the round's proposer, an index into cfg's validators. */
size_t tbft_proposer(const struct tbft_config *cfg, uint64_t height, uint32_t round);

#endif
