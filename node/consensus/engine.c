/* A node's part in a tbft network (see engine.h). */
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "consensus/engine.h"
#include "consensus/tbft.h"
#include "hex.h"
#include "keccak.h"
#include "log.h"
#include "p2p/p2p.h"
#include "rlp.h"
#include "secp.h"
#include "u256.h"
#include "xalloc.h"

struct engine {
	struct event_base *base;
	const struct node_config *nc;
	struct chain *chain;
	struct secp *secp;
	struct p2p *p2p;
	struct tbft *tbft;
	struct tbft_config tcfg;
	struct event *tick; /* tbft's timer */
	struct event *status; /* the periodic ENGINE_MSG_STATUS */
	bool relaying; /* a peer's transaction is going into the pool */
	bool syncing; /* blocks were asked for and have not come */
	uint64_t sync_asked_ms;
	uint64_t *peer_height; /* each peer's head, as it last said */
	char *state_path; /* tbft's restart record */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}



static uint64_t
head_height(const struct engine *e)
{
	return chain_head(e->chain)->header.number;
}

/* Reads tbft's restart record, which holds a locked block and so may be
 * large.  Returns: 0, or -errno (-ENOENT: none).  Out: *buf (caller
 * frees), *len. */
static int
read_file(uint8_t **buf, size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	int rc = 0;

	if (f == NULL)
		return -errno;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > ENGINE_RECORD_MAX) {
		fclose(f);
		return -EFBIG;
	}
	*len = (size_t)st.st_size;
	*buf = xmalloc(*len + 1);
	if (fread(*buf, 1, *len, f) != *len) {
		free(*buf);
		*buf = NULL;
		rc = -EIO;
	}
	fclose(f);
	return rc;
}

/* --- tbft's host ------------------------------------------------------------ */

static int
host_propose(void *arg, uint64_t height, uint8_t **block, size_t *len, uint8_t hash[32])
{
	struct engine *e = arg;
	uint64_t now = (uint64_t)time(NULL), parent = chain_head(e->chain)->header.timestamp;

	if (height != head_height(e) + 1)
		return -ESTALE;
	/* Seconds, as Ethereum stamps blocks: faster blocks than one a second
	 * run ahead of the clock by a second each. */
	return chain_propose(e->chain, block, len, hash, now > parent ? now : parent + 1);
}

static bool
host_valid(void *arg, uint64_t height, const uint8_t *block, size_t len, const uint8_t hash[32])
{
	struct engine *e = arg;
	const char *why = NULL;
	uint8_t got[32];

	if (height != head_height(e) + 1)
		return false;
	if (chain_check_block(e->chain, &why, block, len, got) != 0) {
		log_warn("block %" PRIu64 " proposed by a peer is invalid: %s", height, why);
		return false;
	}
	return memcmp(got, hash, 32) == 0;
}

static void
host_commit(void *arg, uint64_t height, const uint8_t *block, size_t len, const uint8_t hash[32],
	    const uint8_t *cert, size_t cert_len)
{
	struct engine *e = arg;
	const char *why = NULL;
	int rc;

	if (height != head_height(e) + 1)
		return; /* already imported through sync */
	rc = chain_import_block(e->chain, &why, block, len, cert, cert_len);
	if (rc != 0) {
		/* 2f+1 validators found it valid: this node cannot follow the
		 * chain any more, and says so loudly. */
		log_error("cannot import committed block %" PRIu64 ": %s", height,
			  why != NULL ? why : chain_store_error(e->chain) != NULL
						   ? chain_store_error(e->chain) : strerror(-rc));
		return;
	}
	log_debug("committed block %" PRIu64, height);
	(void)hash;
}

static void
host_broadcast(void *arg, const uint8_t *msg, size_t len)
{
	struct engine *e = arg;

	(void)p2p_broadcast(e->p2p, ENGINE_MSG_CONSENSUS, msg, len);
}

static int
host_sign(void *arg, uint8_t sig[65], const uint8_t digest[32])
{
	struct engine *e = arg;

	return secp_sign(e->secp, sig, digest, e->nc->node_key);
}

static void
host_schedule(void *arg, uint64_t delay_ms)
{
	struct engine *e = arg;
	struct timeval tv = { (time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000 * 1000) };

	event_add(e->tick, &tv);
}

static uint64_t
host_now_ms(void *arg)
{
	(void)arg;
	return now_ms();
}

static bool
host_has_txs(void *arg)
{
	struct engine *e = arg;

	return chain_pending(e->chain) > 0;
}

static void
host_evidence(void *arg, const uint8_t validator[20], const char *what)
{
	char hex[41];

	(void)arg;
	hex_encode(hex, validator, 20);
	log_warn("validator 0x%s misbehaved: %s", hex, what);
}

static void on_peer_status(struct engine *e, size_t peer, uint64_t height);

/* tbft says this node is behind: fetch the blocks from a peer that has
 * them. */
static void
host_behind(void *arg, uint64_t height)
{
	struct engine *e = arg;

	for (size_t i = 0; i < p2p_peer_count(e->p2p); i++) {
		if (p2p_is_peer_connected(e->p2p, i) && e->peer_height[i] + 1 >= height) {
			on_peer_status(e, i, e->peer_height[i]);
			return;
		}
	}
}

/* Keeps tbft's restart record beside the chain, on disk before the vote
 * leaves, so that a restarted validator never signs a vote that conflicts
 * with one it signed. */
static int
host_persist(void *arg, const uint8_t *state, size_t len)
{
	struct engine *e = arg;
	char *tmp;
	FILE *f;
	int rc = 0;

	xasprintf(&tmp, "%s.tmp", e->state_path);
	f = fopen(tmp, "wb");
	if (f == NULL || fwrite(state, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -EIO;
	if (f != NULL && fclose(f) != 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, e->state_path) != 0)
		rc = -errno;
	if (rc != 0)
		log_error("cannot write %s: %s", e->state_path, strerror(-rc));
	free(tmp);
	return rc;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;

	tbft_tick(e->tbft);
}

/* --- catching up ----------------------------------------------------------- */

static void
send_status(struct engine *e, long peer)
{
	uint8_t h[8];

	u256_store_be64(h, head_height(e));
	if (peer < 0)
		(void)p2p_broadcast(e->p2p, ENGINE_MSG_STATUS, h, 8);
	else
		(void)p2p_send(e->p2p, (size_t)peer, ENGINE_MSG_STATUS, h, 8);
}

static void
on_status_timer(evutil_socket_t fd, short what, void *arg)
{
	send_status(arg, -1);
}

/* A peer is at height: ask it for what this node lacks. */
static void
on_peer_status(struct engine *e, size_t peer, uint64_t height)
{
	uint8_t req[12];
	uint64_t from = head_height(e) + 1;
	uint32_t count;

	if (height < from || (e->syncing && now_ms() - e->sync_asked_ms < 2000))
		return;
	count = height - from + 1 > ENGINE_SYNC_BATCH ? ENGINE_SYNC_BATCH
						      : (uint32_t)(height - from + 1);
	u256_store_be64(req, from);
	req[8] = (uint8_t)(count >> 24);
	req[9] = (uint8_t)(count >> 16);
	req[10] = (uint8_t)(count >> 8);
	req[11] = (uint8_t)count;
	if (p2p_send(e->p2p, peer, ENGINE_MSG_GET_BLOCKS, req, sizeof req) == 0) {
		e->syncing = true;
		e->sync_asked_ms = now_ms();
	}
}

static void
on_get_blocks(struct engine *e, size_t peer, const uint8_t *p, size_t len)
{
	struct rlp_enc enc;
	uint64_t from;
	uint32_t count;
	size_t m;
	uint8_t *out;
	size_t outlen, sent = 0;

	if (len != 12)
		return;
	from = u256_load_be64(p);
	count = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	if (count > ENGINE_SYNC_BATCH)
		count = ENGINE_SYNC_BATCH;
	rlp_enc_init(&enc);
	m = rlp_enc_list_begin(&enc);
	for (uint64_t n = from; n < from + count; n++) {
		const struct chain_block *b = chain_block(e->chain, n);
		uint8_t *blk;
		size_t blen, pm;

		/* A block without its certificate proves nothing to the peer. */
		if (b == NULL || b->cert_len == 0 || chain_block_encode(b, &blk, &blen) != 0)
			break;
		/* The reply must fit one frame: big blocks go fewer at a time
		 * (the peer asks again from where it got to). */
		if (sent > 0 && sent + blen + b->cert_len + ENGINE_SYNC_SLACK > P2P_MAX_PAYLOAD) {
			free(blk);
			break;
		}
		if (blen + b->cert_len + ENGINE_SYNC_SLACK > P2P_MAX_PAYLOAD) {
			log_warn("block %llu is %zu bytes, more than one P2P frame holds: a peer "
				 "cannot sync it", (unsigned long long)n, blen);
			free(blk);
			break;
		}
		sent += blen + b->cert_len + ENGINE_SYNC_SLACK;
		pm = rlp_enc_list_begin(&enc);
		rlp_enc_bytes(&enc, blk, blen);
		rlp_enc_bytes(&enc, b->cert, b->cert_len);
		rlp_enc_list_end(&enc, pm);
		free(blk);
	}
	rlp_enc_list_end(&enc, m);
	if (rlp_enc_error(&enc) == 0) {
		out = rlp_enc_detach(&enc, &outlen);
		int src = p2p_send(e->p2p, peer, ENGINE_MSG_BLOCKS, out, outlen);

		if (src != 0 && src != -ENOTCONN)
			log_warn("cannot send %zu bytes of blocks to %s: %s", outlen,
				 p2p_peer_name(e->p2p, peer), strerror(-src));
		free(out);
	}
	rlp_enc_release(&enc);
}

static void
on_blocks(struct engine *e, size_t peer, const uint8_t *p, size_t len)
{
	struct rlp_item list, item, f[2];
	uint64_t before = head_height(e);
	int rc;

	e->syncing = false;
	if (rlp_decode(&list, p, len) != 0 || !list.is_list)
		return;
	while ((rc = rlp_list_next(&item, &list)) == 1) {
		const char *why = NULL;
		uint8_t hash[32];
		char *cause = NULL;
		uint64_t n = head_height(e) + 1;

		if (rlp_list_split(f, 2, &item) != 0 || f[0].is_list || f[1].is_list)
			break;
		/* The block must be the next one, valid, and certified by the
		 * validators before it goes in. */
		if (chain_check_block(e->chain, &why, f[0].p, f[0].len, hash) != 0) {
			log_warn("block %" PRIu64 " from peer %s is invalid: %s", n,
				 p2p_peer_name(e->p2p, peer), why);
			break;
		}
		if (tbft_verify_commit(&e->tcfg, &cause, n, hash, f[1].p, f[1].len) != 0) {
			log_warn("block %" PRIu64 " from peer %s has no valid certificate: %s", n,
				 p2p_peer_name(e->p2p, peer), cause);
			free(cause);
			break;
		}
		if (chain_import_block(e->chain, &why, f[0].p, f[0].len, f[1].p, f[1].len) != 0) {
			log_error("cannot import block %" PRIu64 ": %s", n,
				  why != NULL ? why : "the store refused it");
			break;
		}
	}
	if (head_height(e) > before) {
		log_info("caught up from block %" PRIu64 " to %" PRIu64 " from peer %s", before,
			 head_height(e), p2p_peer_name(e->p2p, peer));
		tbft_set_height(e->tbft, head_height(e) + 1);
		/* More may be there: ask again at once. */
		send_status(e, (long)peer);
	}
}

/* --- transactions ------------------------------------------------------------- */

/* The pool took a transaction: every peer gets it, unless a peer sent it. */
static void
on_pooled(void *arg, const uint8_t *raw, size_t len, const uint8_t *sender)
{
	struct engine *e = arg;
	struct rlp_enc enc;
	uint8_t *out;
	size_t outlen, m;

	tbft_nudge(e->tbft);
	if (e->relaying)
		return;
	if (sender == NULL) {
		(void)p2p_broadcast(e->p2p, ENGINE_MSG_TX, raw, len);
		return;
	}
	rlp_enc_init(&enc);
	m = rlp_enc_list_begin(&enc);
	rlp_enc_bytes(&enc, raw, len);
	rlp_enc_bytes(&enc, sender, 20);
	rlp_enc_list_end(&enc, m);
	if (rlp_enc_error(&enc) == 0) {
		out = rlp_enc_detach(&enc, &outlen);
		(void)p2p_broadcast(e->p2p, ENGINE_MSG_TX, out, outlen);
		free(out);
	}
	rlp_enc_release(&enc);
}

static void
on_peer_tx(struct engine *e, const uint8_t *p, size_t len)
{
	struct rlp_item item, f[2];
	const char *why = NULL;
	uint8_t hash[32];

	int rc = -EINVAL;

	e->relaying = true;
	if (len > 0 && p[0] >= 0xc0) {
		if (rlp_decode(&item, p, len) == 0 && rlp_list_split(f, 2, &item) == 0 &&
		    !f[0].is_list && !f[1].is_list && f[1].len == 20)
			rc = chain_send_raw_as(e->chain, hash, &why, f[0].p, f[0].len, f[1].p);
	} else {
		rc = chain_send_raw(e->chain, hash, &why, p, len);
	}
	e->relaying = false;
	/* Refusals ("already known", "nonce too low") are the usual fate of
	 * a relayed transaction. */
	if (rc != 0)
		log_debug("a relayed transaction is refused: %s", why != NULL ? why : "malformed");
}

/* --- P2P ------------------------------------------------------------------------ */

static void
on_message(void *arg, size_t peer, uint8_t type, const uint8_t *payload, size_t len)
{
	struct engine *e = arg;
	char *why = NULL;

	switch (type) {
	case ENGINE_MSG_CONSENSUS:
		if (tbft_receive(e->tbft, &why, payload, len) != 0) {
			log_debug("consensus message from %s refused: %s",
				  p2p_peer_name(e->p2p, peer), why);
			free(why);
		}
		break;
	case ENGINE_MSG_TX:
		on_peer_tx(e, payload, len);
		break;
	case ENGINE_MSG_STATUS:
		if (len == 8) {
			e->peer_height[peer] = u256_load_be64(payload);
			on_peer_status(e, peer, e->peer_height[peer]);
		}
		break;
	case ENGINE_MSG_GET_BLOCKS:
		on_get_blocks(e, peer, payload, len);
		break;
	case ENGINE_MSG_BLOCKS:
		on_blocks(e, peer, payload, len);
		break;
	default:
		log_debug("unknown message type 0x%02x from %s", type,
			  p2p_peer_name(e->p2p, peer));
	}
}

static void
on_peer(void *arg, size_t peer, bool up)
{
	struct engine *e = arg;

	log_info("peer %s is %s", p2p_peer_name(e->p2p, peer), up ? "up" : "down");
	if (up)
		send_status(e, (long)peer);
}

/* --- the control socket's status ------------------------------------------------- */

void
engine_status(void *arg, json_t *reply)
{
	struct engine *e = arg;
	uint64_t height;
	uint32_t round;
	const char *step;

	tbft_status(e->tbft, &height, &round, &step);
	json_object_set_new(reply, "height", json_integer((json_int_t)head_height(e)));
	json_object_set_new(reply, "consensus_height", json_integer((json_int_t)height));
	json_object_set_new(reply, "round", json_integer((json_int_t)round));
	json_object_set_new(reply, "step", json_string(step));
}

struct p2p *
engine_p2p(struct engine *e)
{
	return e->p2p;
}

/* --- life ---------------------------------------------------------------------------- */

struct engine *
engine_new(struct event_base *base, const struct node_config *nc, struct chain *chain,
	   char **cause)
{
	const struct node_genesis *g = &nc->genesis;
	struct engine *e = xcalloc(1, sizeof(*e));
	struct p2p_peer_config *peers = xcalloc(nc->npeers + 1, sizeof(*peers));
	struct p2p_config pc;
	struct p2p_handlers ph = { on_message, on_peer, e };
	struct tbft_host host = {
		.arg = e, .propose = host_propose, .valid = host_valid, .commit = host_commit,
		.broadcast = host_broadcast, .sign = host_sign, .schedule = host_schedule,
		.now_ms = host_now_ms, .has_txs = host_has_txs, .evidence = host_evidence,
		.behind = host_behind, .persist = host_persist,
	};
	uint8_t *saved = NULL;
	size_t saved_len = 0;
	struct timeval every = { ENGINE_STATUS_MS / 1000, ENGINE_STATUS_MS % 1000 * 1000 };

	e->base = base;
	e->nc = nc;
	e->chain = chain;
	if ((e->secp = secp_new()) == NULL) {
		xasprintf(cause, "cannot create a signing context");
		goto fail;
	}
	memset(&pc, 0, sizeof(pc));
	pc.name = nc->name;
	memcpy(pc.node_key, nc->node_key, 32);
	pc.host = nc->p2p_host;
	pc.port = nc->p2p_port;
	for (size_t i = 0; i < nc->npeers; i++) {
		peers[i].name = nc->peers[i].name;
		peers[i].host = nc->peers[i].host;
		peers[i].port = nc->peers[i].port;
		memcpy(peers[i].address, nc->peers[i].address, 20);
	}
	pc.peers = peers;
	pc.npeers = nc->npeers;
	pc.chain_id = g->chain.chain_id;
	memcpy(pc.genesis_hash, chain_block(chain, 0)->hash, 32);
	/* Each node its own stream of faults, all of them from the spec's seed. */
	{
		uint8_t h[32];

		keccak256(h, nc->name, strlen(nc->name));
		pc.seed = nc->p2p_seed ^ u256_load_be64(h);
	}
	e->p2p = p2p_new(base, &pc, &ph, cause);
	explicit_bzero(pc.node_key, sizeof pc.node_key);
	if (e->p2p == NULL)
		goto fail;
	memset(&e->tcfg, 0, sizeof(e->tcfg));
	e->tcfg.chain_id = g->chain.chain_id;
	e->tcfg.validators = (const uint8_t(*)[20])g->validators;
	e->tcfg.nvalidators = g->nvalidators;
	e->tcfg.block_time_ms = g->block_time_ms;
	e->tcfg.empty_blocks = g->empty_blocks;
	/* A round whose proposer is down costs timeout_propose: fast networks
	 * get shorter timeouts, so that a crashed validator slows them less
	 * (tbft's defaults above a 200 ms block time). */
	if (g->block_time_ms > 0 && g->block_time_ms < 200) {
		uint64_t t = g->block_time_ms * 5 < 200 ? 200 : g->block_time_ms * 5;

		e->tcfg.timeout_propose_ms = t;
		e->tcfg.timeout_propose_delta_ms = t / 2;
		e->tcfg.timeout_prevote_ms = t / 2;
		e->tcfg.timeout_prevote_delta_ms = t / 4;
		e->tcfg.timeout_precommit_ms = t / 2;
		e->tcfg.timeout_precommit_delta_ms = t / 4;
	}
	/* Messages sent before a peer's connection was up are lost: resending
	 * soon after a stall is what gets the first block out quickly. */
	e->tcfg.rebroadcast_ms = ENGINE_REBROADCAST_MS;
	/* A node whose address is not among the validators follows. */
	p2p_address(e->p2p, e->tcfg.self);
	e->peer_height = xcalloc(nc->npeers + 1, sizeof(*e->peer_height));
	e->tick = evtimer_new(base, on_tick, e);
	e->status = event_new(base, -1, EV_PERSIST, on_status_timer, e);
	if (e->tick == NULL || e->status == NULL || event_add(e->status, &every) != 0) {
		xasprintf(cause, "cannot make the consensus timers");
		goto fail;
	}
	e->tbft = tbft_new(&e->tcfg, &host, head_height(e) + 1, cause);
	if (e->tbft == NULL)
		goto fail;
	xasprintf(&e->state_path, "%s/tbft.state",
		  nc->data_dir != NULL ? nc->data_dir : ".");
	if (nc->data_dir != NULL) {
		int lrc = read_file(&saved, &saved_len, e->state_path);

		if (lrc == 0) {
			lrc = tbft_load(e->tbft, cause, saved, saved_len);
			free(saved);
			if (lrc != 0)
				goto fail;
		} else if (lrc != -ENOENT) {
			xasprintf(cause, "cannot read %s: %s", e->state_path, strerror(-lrc));
			goto fail;
		}
	}
	chain_set_pool_hook(chain, on_pooled, e);
	tbft_start(e->tbft);
	free(peers);
	return e;
fail:
	free(peers);
	engine_free(e);
	return NULL;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	chain_set_pool_hook(e->chain, NULL, NULL);
	tbft_free(e->tbft);
	if (e->tick != NULL)
		event_free(e->tick);
	if (e->status != NULL)
		event_free(e->status);
	p2p_free(e->p2p);
	secp_free(e->secp);
	free(e->peer_height);
	free(e->state_path);
	free(e);
}
