/* The TCP mesh between the nodes of one network, on the node's libevent
 * loop: each pair of nodes keeps one connection (the node with the lower
 * address dials, the other accepts; a dialer retries with backoff, so a
 * node that restarts rejoins), both ends prove their node key in a
 * handshake, and then carry length-prefixed frames whose types belong to
 * the caller.  A fault filter (partition, delay with jitter, loss) sits
 * between the caller and the wire, for the supervisor's fault commands.
 *
 * Wire format.  Every frame, handshake included, is
 *
 *   [u32 big-endian length][u8 type][payload: length - 1 bytes]
 *
 * where length counts the type byte and the payload: it is at least 1 and
 * at most P2P_MAX_FRAME (P2P_HANDSHAKE_MAX_FRAME until the handshake is
 * done, so that a stranger cannot make the node buffer megabytes).  Types
 * below P2P_TYPE_USER are the layer's own:
 *
 *   HELLO (0x01)  [u8 version = 1][u64 BE chain id][32 genesis hash][32 nonce]
 *   AUTH  (0x02)  [65-byte signature: r || s || recovery id]
 *   BYE   (0x03)  [why, UTF-8 text of at most 256 bytes], sent before closing
 *   PING  (0x04)  [], sent every idle_ms / 5; a connection that carries
 *                 nothing for idle_ms is closed (a stopped peer)
 *   ACCEPT (0x05) [], the sender has checked the other's AUTH
 *
 * Both ends send HELLO at once, AUTH after reading the other's HELLO, and
 * ACCEPT (or BYE) after checking the other's AUTH; a connection is up, and
 * on_peer() called, once an end has checked the other's AUTH and read its
 * ACCEPT, so that a refused peer never looks up for a moment.  AUTH signs,
 * with the sender's node key,
 *
 *   keccak256("chainbox p2p v1" || chain id || genesis hash
 *             || the receiver's nonce || the sender's nonce)
 *
 * with the sender's own chain id (u64 BE) and genesis hash.  The receiver
 * hashes with the values the sender's HELLO claimed, recovers the address,
 * and refuses the connection unless it is a configured peer (the one it
 * dialed, when it dialed), on the same chain id and genesis, and not cut
 * off by a partition.  Refusals are logged with the reason ("peer
 * validator-3 is on chain 1, not 31337"), kept for the peer's status, and
 * sent to the other end in a BYE, which logs it too.  After the handshake a
 * connection is trusted: frames carry no further signatures.
 *
 * Anything malformed (a length of 0 or over the limit, an unknown layer
 * type, a handshake frame out of place or of the wrong size) closes that
 * connection alone, with a logged reason.
 *
 * Back-pressure.  Each peer's unsent bytes (libevent's output buffer plus
 * frames held by the delay filter) are capped at max_output.  A frame that
 * would go over the cap is dropped, counted in dropped_full, and the
 * connection is closed (from the loop, not inside the send), so a peer that
 * has stopped reading costs at most max_output bytes; it reconnects when
 * it reads again, and catches up through the caller's block sync.  Dropping
 * the oldest gossip instead would leave consensus messages missing at
 * random on a connection that looks healthy.
 *
 * Faults.  A partition closes the connections to the peers outside the
 * allowed set; they are not dialed, and their handshakes are refused, until
 * heal, so a partition looks to the caller like peers that went down
 * (on_peer) and heal like peers coming back.  Delay and loss apply to the
 * caller's outgoing frames only (never to handshakes and pings): loss drops
 * each frame with the given probability from a PRNG seeded by cfg->seed,
 * and delay holds each frame for delay +- jitter (uniform), never
 * reordering the frames to one peer.
 *
 * Handlers are called from the event loop only, never from inside a p2p_*
 * call; a handler may call p2p_send() and p2p_broadcast(), but not
 * p2p_free(). */
#ifndef CHAINBOX_P2P_H
#define CHAINBOX_P2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

struct bufferevent;
struct event_base;
struct p2p;

/* The largest frame, counting the type byte and the payload. */
#define P2P_MAX_FRAME (16u << 20)
#define P2P_MAX_PAYLOAD (P2P_MAX_FRAME - 1)
/* The largest frame before the handshake is done. */
#define P2P_HANDSHAKE_MAX_FRAME 512u
/* The default cap on one peer's unsent bytes: two frames of the largest
 * size fit. */
#define P2P_DEFAULT_MAX_OUTPUT (32u << 20)
/* Frame types the caller may use are P2P_TYPE_USER to 255. */
#define P2P_TYPE_USER 0x10
#define P2P_TYPE_HELLO 0x01
#define P2P_TYPE_AUTH 0x02
#define P2P_TYPE_BYE 0x03
#define P2P_TYPE_PING 0x04
#define P2P_TYPE_ACCEPT 0x05
#define P2P_HELLO_LEN (1 + 8 + 32 + 32)
#define P2P_AUTH_LEN 65
#define P2P_BYE_MAX 256
/* The default idle_ms. */
#define P2P_IDLE_MS 10000
/* A handshake not done by then fails. */
#define P2P_HANDSHAKE_MS 5000
/* Redial backoff: the first retry after P2P_REDIAL_MIN_MS, doubling up to
 * P2P_REDIAL_MAX_MS. */
#define P2P_REDIAL_MIN_MS 50
#define P2P_REDIAL_MAX_MS 1000
/* The longest delay and jitter the filter takes. */
#define P2P_MAX_DELAY_MS 600000u

struct p2p_peer_config {
	const char *name;
	const char *host; /* a numeric IPv4 or IPv6 address */
	uint16_t port;
	uint8_t address[20]; /* the Ethereum address of the peer's node key */
};

struct p2p_config {
	const char *name; /* this node's, for messages and partitions */
	uint8_t node_key[32]; /* copied, and wiped by p2p_free() */
	const char *host; /* the address to listen on, numeric */
	uint16_t port; /* 0 picks a free one: see p2p_port() */
	/* Every other node of the network; this node itself must not be
	 * among them.  The index into peers is the peer index of the API. */
	const struct p2p_peer_config *peers;
	size_t npeers;
	uint64_t chain_id;
	uint8_t genesis_hash[32];
	uint64_t seed; /* for loss and jitter, so that a run can be replayed */
	size_t max_output; /* per-peer cap on unsent bytes; 0: P2P_DEFAULT_MAX_OUTPUT */
	/* A connection silent for this long is closed; pings go every
	 * idle_ms / 5.  0: P2P_IDLE_MS. */
	uint32_t idle_ms;
};

struct p2p_handlers {
	/* A frame of a caller's type from an authenticated peer.  payload
	 * is valid during the call only; it may be NULL when len is 0. */
	void (*on_message)(void *arg, size_t peer, uint8_t type, const uint8_t *payload,
			   size_t len);
	/* A peer's connection finished its handshake (up) or ended (down).
	 * Ups and downs of one peer alternate, starting with up. */
	void (*on_peer)(void *arg, size_t peer, bool up);
	void *arg;
};

/* What happened on one peer's link, since p2p_new(). */
struct p2p_peer_stats {
	uint64_t frames_out, bytes_out; /* the caller's frames handed to the socket */
	uint64_t frames_in, bytes_in; /* the caller's frames received */
	uint64_t dropped_loss; /* dropped by the loss filter */
	uint64_t dropped_partition; /* sends refused while partitioned away */
	uint64_t dropped_full; /* over max_output; each closed the connection */
	uint64_t connects; /* handshakes completed */
	uint64_t refusals; /* handshakes refused, by either end */
};

/* Listens on cfg->host:cfg->port and starts dialing the peers it should.
 * Returns: the mesh (caller frees with p2p_free()), or NULL with *cause set
 * (caller frees) when cfg is invalid (a bad key or host, a peer with this
 * node's own key or a name used twice) or the port cannot be bound.
 * In: cfg, copied; handlers, copied, and any handler may be NULL. */
struct p2p *p2p_new(struct event_base *base, const struct p2p_config *cfg,
		    const struct p2p_handlers *handlers, char **cause) WARN_UNUSED;
/* Closes every connection (without calling the handlers) and frees p;
 * p2p_free(NULL) does nothing. */
void p2p_free(struct p2p *p);

/* Returns: the port p listens on. */
uint16_t p2p_port(const struct p2p *p);
/* Out: addr, this node's address. */
void p2p_address(const struct p2p *p, uint8_t addr[20]);

/* Sends a frame to one peer.
 * Returns: 0 when the frame was handed to the connection, or dropped by the
 * loss filter (as the network would); -EINVAL for a type below
 * P2P_TYPE_USER or a bad peer index; -EMSGSIZE when len is over
 * P2P_MAX_PAYLOAD; -ENOTCONN when the peer has no authenticated connection
 * (down, or partitioned away); -ENOBUFS when the peer's unsent bytes would
 * go over the cap: the frame is dropped and the connection closed.
 * In: payload, copied; it may be NULL when len is 0. */
int p2p_send(struct p2p *p, size_t peer, uint8_t type, const uint8_t *payload, size_t len);
/* Sends a frame to every connected peer, as p2p_send() does.
 * Returns: how many peers it was handed to (lost frames included), or
 * -EINVAL or -EMSGSIZE as p2p_send(). */
int p2p_broadcast(struct p2p *p, uint8_t type, const uint8_t *payload, size_t len);

/* Returns: how many peers have an authenticated connection. */
size_t p2p_peers_connected(const struct p2p *p);
size_t p2p_peer_count(const struct p2p *p);
/* Returns: peer's name, kept by p.  peer must be below p2p_peer_count(). */
const char *p2p_peer_name(const struct p2p *p, size_t peer);
/* Returns: whether peer has an authenticated connection. */
bool p2p_is_peer_connected(const struct p2p *p, size_t peer);
/* Returns: whether the partition lets this node talk to peer. */
bool p2p_is_peer_allowed(const struct p2p *p, size_t peer);
/* Returns: why peer's last handshake was refused, or NULL; kept by p until
 * the next handshake. */
const char *p2p_peer_error(const struct p2p *p, size_t peer);
/* Out: st, peer's counters. */
void p2p_peer_stats(const struct p2p *p, size_t peer, struct p2p_peer_stats *st);
/* Returns: the index of the peer called name, or -ENOENT. */
int p2p_peer_find(const struct p2p *p, const char *name);

/* Lets this node talk only to the peers named in allow (this node's own
 * name may be among them), and closes its connections to the others.
 * Returns: 0; -EINVAL with *cause set (caller frees) when a name is no
 * peer's, and then nothing changes. */
int p2p_partition(struct p2p *p, char **cause, const char *const *allow, size_t n) WARN_UNUSED;
/* Ends a partition: every peer is allowed again and dialed at once. */
void p2p_heal(struct p2p *p);
/* Returns: whether a partition is in force. */
bool p2p_is_partitioned(const struct p2p *p);
/* Holds each outgoing frame for delay_ms +- jitter_ms from now on (both 0:
 * no delay); frames already held keep their time.
 * Returns: 0, or -EINVAL when either is over P2P_MAX_DELAY_MS. */
int p2p_set_delay(struct p2p *p, uint32_t delay_ms, uint32_t jitter_ms) WARN_UNUSED;
/* Drops each outgoing frame with probability percent / 100.
 * Returns: 0, or -EINVAL unless 0 <= percent <= 100. */
int p2p_set_loss(struct p2p *p, double percent) WARN_UNUSED;
/* Out: the filter's current settings. */
void p2p_faults(const struct p2p *p, uint32_t *delay_ms, uint32_t *jitter_ms, double *loss_percent);

/* Takes bev as a connection accepted from an unknown address, as the
 * listener does with each connection it accepts; tests and the fuzzer hand
 * in one end of a bufferevent pair.
 * In: bev, owned by p from now on, even on failure. */
void p2p_adopt(struct p2p *p, struct bufferevent *bev);

/* One frame at the start of buf. */
struct p2p_frame {
	uint8_t type;
	const uint8_t *payload; /* into buf */
	size_t len; /* of the payload */
	size_t size; /* of the whole frame, header included */
};

/* Parses the frame at the start of buf, allowing frames of up to max
 * bytes (type and payload).
 * Returns: 0 with f set when buf holds a whole frame; -EAGAIN when buf holds
 * a valid beginning and more bytes are needed (f->size is then the whole
 * frame's size once the length is known, else 0); -EBADMSG for a length of
 * 0; -EMSGSIZE for a length over max. */
int p2p_frame_parse(struct p2p_frame *f, const uint8_t *buf, size_t len, size_t max) WARN_UNUSED;

#endif
