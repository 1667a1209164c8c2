/* tbft: the Tendermint consensus state machine (see tbft.h).  The comments
 * "rule 22" and so on name the lines of Algorithm 1 in the paper. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/tbft.h"
#include "hex.h"
#include "keccak.h"
#include "log.h"
#include "rlp.h"
#include "secp.h"
#include "xalloc.h"

/* The domain of every signature: chain id and message type follow it. */
#define TBFT_DOMAIN "chainbox/tbft/1"
/* The version of the restart record (struct tbft_host's persist). */
#define TBFT_RECORD_VERSION 1
/* Rounds above this are refused, so round arithmetic never overflows. */
#define TBFT_ROUND_MAX (UINT32_C(1) << 30)
/* No deadline. */
#define NEVER UINT64_MAX

/* The steps share their numbers with the message each one signs. */
enum step {
	STEP_PROPOSE = TBFT_PROPOSAL,
	STEP_PREVOTE = TBFT_PREVOTE,
	STEP_PRECOMMIT = TBFT_PRECOMMIT,
};

/* Vote kinds, as indexes into struct round. */
enum { PV, PC };

/* A decoded message; block points into the buffer it came from. */
struct msg {
	int type;
	uint64_t height;
	uint32_t round;
	int64_t pol; /* the proposal's valid round; -1: none */
	bool nil;
	uint8_t hash[32];
	const uint8_t *block;
	size_t block_len;
	uint8_t sig[65];
};

/* How many different votes of one validator for one round and step are
 * kept.  An honest validator signs one; an equivocator's others are kept
 * too (see add_vote()). */
#define VERSIONS 3

/* What one validator voted in one round and step. */
struct vote {
	size_t nver; /* 0: nothing yet */
	bool reported; /* an equivocation was reported */
	struct version {
		bool nil;
		uint8_t hash[32];
		uint8_t sig[65];
	} ver[VERSIONS];
};

struct proposal {
	uint8_t hash[32];
	uint32_t round;
	int64_t pol;
	uint8_t sig[65];
	uint8_t *block;
	size_t len;
	int validity; /* 0: not asked yet, 1: valid, -1: invalid */
};

/* What a node knows of one round of its height. */
struct round {
	uint32_t r;
	struct vote *votes[2]; /* [PV] and [PC], one slot per validator */
	size_t count[2]; /* validators that voted */
	size_t nils[2]; /* of which for nil */
	bool quorum[2]; /* more than 2/3 voted for quorum_hash */
	uint8_t quorum_hash[2][32];
	/* The proposer's proposals: one, or two when it equivocated. */
	struct proposal props[2];
	size_t nprops;
	bool props_reported;
	/* This node's own messages, by type - 1, for rebroadcasts. */
	uint8_t *own[3];
	size_t own_len[3];
	bool prevote_timer; /* rule 34 fired */
	bool precommit_timer; /* rule 47 fired */
	bool polka; /* rule 36 fired */
	bool bad_block; /* a quorum precommitted a block host->valid refuses */
};

/* A verified message of the next height, replayed when the node gets there. */
struct future {
	size_t signer;
	uint64_t height;
	uint8_t *raw;
	size_t len;
};

struct tbft {
	struct tbft_host host;
	uint64_t chain_id;
	uint8_t (*vals)[20];
	size_t n;
	long self; /* index in vals; -1: follower */
	size_t quorum; /* more than 2/3 of n */
	size_t third; /* more than 1/3 of n */
	uint64_t to_base[3], to_delta[3]; /* by step - 1 */
	uint64_t block_time;
	uint64_t rebroadcast;
	bool empty_blocks;

	bool started;
	uint64_t height;
	uint32_t round;
	enum step step;
	/* In the propose step, before the proposal went out or the propose
	 * timer started: waiting for round_start or for transactions. */
	bool waiting;
	bool joined; /* another validator spoke at this height */
	uint64_t height_start; /* round 0 may start then */
	uint64_t round_start;

	/* Deadlines, NEVER when not armed. */
	uint64_t dl_start, dl_propose, dl_prevote, dl_precommit;
	uint64_t dl_rebroadcast, dl_behind;
	uint64_t armed; /* the deadline last given to host->schedule */

	int64_t locked_round;
	uint8_t locked_hash[32];
	const struct proposal *locked_prop; /* the locked block; NULL: none */
	int64_t valid_round;
	const struct proposal *valid_prop; /* NULL when none */
	/* The locked block of a restart record, for its height. */
	struct proposal restored;

	struct round **rounds;
	size_t nrounds, caprounds;
	int64_t *max_round; /* per validator, at this height; -1: none */
	uint64_t *max_height; /* per validator */
	int64_t *scratch; /* n entries for check_behind() */
	uint64_t behind_told;

	struct future *future;
	size_t nfuture, capfuture;
	size_t *nfuture_of; /* per validator */

	/* The proposal and precommits that decided the previous height, sent
	 * again with this node's own messages when it stalls, for peers that
	 * missed them. */
	uint8_t **last;
	size_t *last_len;
	size_t nlast;
	uint64_t helped; /* when help_behind() last sent them; NEVER: not yet */

	/* The last (height, round, step) signed, and a lock loaded by
	 * tbft_load() for its height. */
	bool has_signed;
	uint64_t ls_height;
	uint32_t ls_round;
	int ls_step;
	bool has_saved_lock;
	int64_t saved_round;
	/* The messages of the record's round, filed and sent again when the
	 * node reaches the record's height. */
	uint8_t *saved_msgs[3];
	size_t saved_len[3];
};

static const char *const type_names[] = { "?", "proposal", "prevote", "precommit" };
static const char *const step_names[] = { "?", "propose", "prevote", "precommit" };

/* Out: out, "0x" and the 40 hex digits of a. */
static void
fmt_addr(char out[43], const uint8_t a[20])
{
	out[0] = '0';
	out[1] = 'x';
	hex_encode(out + 2, a, 20);
}

/* Out: out, "nil" or "0x" and the first 8 bytes of hash in hex. */
static void
fmt_hash(char out[19], bool nil, const uint8_t hash[32])
{
	if (nil) {
		strcpy(out, "nil");
		return;
	}
	out[0] = '0';
	out[1] = 'x';
	hex_encode(out + 2, hash, 8);
}

static size_t
proposer_of(size_t n, uint64_t height, uint32_t round)
{
	return (size_t)((height % n + round % n) % n);
}

size_t
tbft_proposer(const struct tbft_config *cfg, uint64_t height, uint32_t round)
{
	return proposer_of(cfg->nvalidators, height, round);
}

/* Returns: the index of addr in vals, or -1. */
static long
find_validator(const uint8_t (*vals)[20], size_t n, const uint8_t addr[20])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(vals[i], addr, 20) == 0)
			return (long)i;
	return -1;
}

/* Computes the digest a message's signature signs.
 * Returns: 0, or -ENOMEM. */
static int
msg_digest(uint8_t out[32], uint64_t chain_id, const struct msg *m)
{
	struct rlp_enc e;
	size_t mark;
	int rc;

	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, (const uint8_t *)TBFT_DOMAIN, strlen(TBFT_DOMAIN));
	rlp_enc_u64(&e, chain_id);
	rlp_enc_u64(&e, (uint64_t)m->type);
	rlp_enc_u64(&e, m->height);
	rlp_enc_u64(&e, m->round);
	rlp_enc_u64(&e, m->type == TBFT_PROPOSAL ? (uint64_t)(m->pol + 1) : 0);
	rlp_enc_bytes(&e, m->hash, m->nil ? 0 : 32);
	rlp_enc_list_end(&e, mark);
	rc = rlp_enc_error(&e);
	if (rc == 0)
		keccak256(out, e.data, e.len);
	rlp_enc_release(&e);
	return rc;
}

/* Returns: m's wire encoding (caller frees), or NULL when out of memory.
 * Out: *len. */
static uint8_t *
msg_encode(const struct msg *m, size_t *len)
{
	struct rlp_enc e;
	size_t mark;

	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, (uint64_t)m->type);
	rlp_enc_u64(&e, m->height);
	rlp_enc_u64(&e, m->round);
	if (m->type == TBFT_PROPOSAL)
		rlp_enc_u64(&e, (uint64_t)(m->pol + 1));
	rlp_enc_bytes(&e, m->hash, m->nil ? 0 : 32);
	if (m->type == TBFT_PROPOSAL)
		rlp_enc_bytes(&e, m->block, m->block_len);
	rlp_enc_bytes(&e, m->sig, 65);
	rlp_enc_list_end(&e, mark);
	return rlp_enc_detach(&e, len);
}

/* Decodes a message and checks its fields' ranges, not its signature.
 * Returns: 0, or -EBADMSG with *why set.  Out: *m, pointing into buf. */
static int
msg_decode(struct msg *m, char **why, const uint8_t *buf, size_t len)
{
	struct rlp_item top, it[7];
	uint64_t type, round, pol = 0;
	size_t n, k;

	memset(m, 0, sizeof(*m));
	m->pol = -1;
	if (rlp_decode(&top, buf, len) < 0 || !top.is_list || rlp_list_count(&n, &top) < 0) {
		xasprintf(why, "malformed message: not an RLP list");
		return -EBADMSG;
	}
	if (n < 1 || n > 7 || rlp_list_split(it, n, &top) < 0 || it[0].is_list ||
	    rlp_item_u64(&type, &it[0]) < 0 || type < TBFT_PROPOSAL || type > TBFT_PRECOMMIT) {
		xasprintf(why, "malformed message: no known message type");
		return -EBADMSG;
	}
	if (n != (type == TBFT_PROPOSAL ? 7u : 5u)) {
		xasprintf(why, "malformed %s: %zu items", type_names[type], n);
		return -EBADMSG;
	}
	for (size_t i = 1; i < n; i++) {
		if (it[i].is_list) {
			xasprintf(why, "malformed %s: item %zu is a list", type_names[type], i);
			return -EBADMSG;
		}
	}
	m->type = (int)type;
	if (rlp_item_u64(&m->height, &it[1]) < 0 || m->height == 0 ||
	    rlp_item_u64(&round, &it[2]) < 0 || round > TBFT_ROUND_MAX) {
		xasprintf(why, "malformed %s: bad height or round", type_names[type]);
		return -EBADMSG;
	}
	m->round = (uint32_t)round;
	k = 3;
	if (type == TBFT_PROPOSAL) {
		if (rlp_item_u64(&pol, &it[3]) < 0 || pol > round) {
			xasprintf(why, "malformed proposal: valid round not below round %" PRIu64,
				  round);
			return -EBADMSG;
		}
		m->pol = (int64_t)pol - 1;
		k = 4;
	}
	if (it[k].len == 0 && type != TBFT_PROPOSAL) {
		m->nil = true;
	} else if (it[k].len == 32) {
		memcpy(m->hash, it[k].p, 32);
	} else {
		xasprintf(why, "malformed %s: hash of %zu bytes", type_names[type], it[k].len);
		return -EBADMSG;
	}
	if (type == TBFT_PROPOSAL) {
		m->block = it[5].p;
		m->block_len = it[5].len;
	}
	if (it[n - 1].len != 65) {
		xasprintf(why, "malformed %s: signature of %zu bytes", type_names[type],
			  it[n - 1].len);
		return -EBADMSG;
	}
	memcpy(m->sig, it[n - 1].p, 65);
	return 0;
}

/* Finds who signed m.
 * Returns: 0; -EPERM with *why set for a bad signature or a signer that is
 * not a validator; -ENOMEM.  Out: *idx, the signer's index in vals. */
static int
msg_signer(size_t *idx, char **why, uint64_t chain_id, const uint8_t (*vals)[20], size_t n,
	   const struct msg *m)
{
	uint8_t digest[32], pub[64], addr[20];
	char a[43];
	long i;
	int rc;

	if ((rc = msg_digest(digest, chain_id, m)) < 0) {
		xasprintf(why, "cannot hash %s: %s", type_names[m->type], strerror(-rc));
		return rc;
	}
	if (secp_recover(pub, digest, m->sig) < 0) {
		xasprintf(why, "bad signature on %s", type_names[m->type]);
		return -EPERM;
	}
	secp_address(addr, pub);
	if ((i = find_validator(vals, n, addr)) < 0) {
		fmt_addr(a, addr);
		xasprintf(why, "%s signed by %s, not a validator", type_names[m->type], a);
		return -EPERM;
	}
	*idx = (size_t)i;
	return 0;
}

static uint64_t
timeout_of(const struct tbft *t, enum step s, uint32_t round)
{
	uint64_t base = t->to_base[s - 1], delta = t->to_delta[s - 1];

	if (delta != 0 && round > (UINT64_MAX - base) / delta)
		return UINT64_MAX / 2;
	return base + round * delta;
}

static uint64_t
now_of(const struct tbft *t)
{
	return t->host.now_ms(t->host.arg);
}

static uint64_t
after(uint64_t now, uint64_t delay)
{
	return delay >= NEVER - now ? NEVER - 1 : now + delay;
}

/* Returns: the k-th largest of v[0..n-1] (1 <= k <= n). */
static int64_t
kth_largest(const int64_t *v, size_t n, size_t k)
{
	int64_t best = INT64_MIN;

	/* Count, for each candidate, how many are at least as large: n is
	 * small and this runs only on messages from ahead. */
	for (size_t i = 0; i < n; i++) {
		size_t ge = 0;

		for (size_t j = 0; j < n; j++)
			ge += v[j] >= v[i];
		if (ge >= k && v[i] > best)
			best = v[i];
	}
	return best;
}

static struct round *
round_find(const struct tbft *t, uint32_t r)
{
	for (size_t i = 0; i < t->nrounds; i++)
		if (t->rounds[i]->r == r)
			return t->rounds[i];
	return NULL;
}

static struct round *
round_get(struct tbft *t, uint32_t r)
{
	struct round *rs = round_find(t, r);

	if (rs != NULL)
		return rs;
	if (t->nrounds == t->caprounds) {
		t->caprounds = t->caprounds ? 2 * t->caprounds : 4;
		t->rounds = xreallocarray(t->rounds, t->caprounds, sizeof(*t->rounds));
	}
	rs = xcalloc(1, sizeof(*rs));
	rs->r = r;
	rs->votes[PV] = xcalloc(t->n, sizeof(struct vote));
	rs->votes[PC] = xcalloc(t->n, sizeof(struct vote));
	t->rounds[t->nrounds++] = rs;
	return rs;
}

static void
round_free(struct round *rs)
{
	if (rs == NULL)
		return;
	free(rs->votes[PV]);
	free(rs->votes[PC]);
	for (size_t i = 0; i < rs->nprops; i++)
		free(rs->props[i].block);
	for (size_t i = 0; i < 3; i++)
		free(rs->own[i]);
	free(rs);
}

static void
rounds_clear(struct tbft *t)
{
	for (size_t i = 0; i < t->nrounds; i++)
		round_free(t->rounds[i]);
	t->nrounds = 0;
	t->valid_prop = NULL;
	t->locked_prop = NULL;
}

/* Returns: a proposal of this height whose block has hash, or NULL. */
static struct proposal *
find_block(struct tbft *t, const uint8_t hash[32])
{
	for (size_t i = 0; i < t->nrounds; i++)
		for (size_t j = 0; j < t->rounds[i]->nprops; j++)
			if (memcmp(t->rounds[i]->props[j].hash, hash, 32) == 0)
				return &t->rounds[i]->props[j];
	if (t->locked_prop == &t->restored && memcmp(t->restored.hash, hash, 32) == 0)
		return &t->restored;
	return NULL;
}

/* Returns: whether p's block is valid, asking the host once per hash. */
static bool
is_valid(struct tbft *t, struct proposal *p)
{
	if (p->validity == 0) {
		for (size_t i = 0; i < t->nrounds && p->validity == 0; i++)
			for (size_t j = 0; j < t->rounds[i]->nprops; j++) {
				struct proposal *q = &t->rounds[i]->props[j];

				if (q->validity != 0 && memcmp(q->hash, p->hash, 32) == 0) {
					p->validity = q->validity;
					break;
				}
			}
	}
	if (p->validity == 0)
		p->validity = t->host.valid(t->host.arg, t->height, p->block, p->len, p->hash)
				      ? 1 : -1;
	return p->validity > 0;
}

static void
report(struct tbft *t, size_t who, const char *fmt, ...) PRINTFLIKE(3, 4);

/* Tells the host that validator who equivocated. */
static void
report(struct tbft *t, size_t who, const char *fmt, ...)
{
	char a[43], *what;
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(&what, fmt, ap);
	va_end(ap);
	fmt_addr(a, t->vals[who]);
	log_warn("validator %s %s", a, what);
	if (t->host.evidence != NULL)
		t->host.evidence(t->host.arg, t->vals[who], what);
	free(what);
}

/* Returns: v's vote for hash (NULL: nil), or NULL when it has none. */
static const struct version *
vote_for(const struct vote *v, const uint8_t *hash)
{
	for (size_t i = 0; i < v->nver; i++) {
		const struct version *x = &v->ver[i];

		if (hash == NULL ? x->nil : !x->nil && memcmp(x->hash, hash, 32) == 0)
			return x;
	}
	return NULL;
}

/* Returns: how many validators voted kind k for hash in rs. */
static size_t
tally(const struct tbft *t, const struct round *rs, int k, const uint8_t hash[32])
{
	size_t c = 0;

	for (size_t i = 0; i < t->n; i++)
		c += vote_for(&rs->votes[k][i], hash) != NULL;
	return c;
}

/* Files a vote.  A second, different vote of a validator for the same round
 * and step is an equivocation: reported once, and kept apart from the
 * first.  Each count below counts a validator at most once: count[] and
 * the rules 34 and 47 that use it, once whatever it voted; a tally for one
 * hash (or nil), once if any of its votes is for that.  Counting the
 * equivocator's vote for a block where a quorum needs it is safe (two
 * quorums for different blocks in one round would need more than f
 * equivocators), and needed: an honest validator that locked on a block
 * with it must convince the others, which may have seen the equivocator's
 * other vote first, with the same prevotes (relay_pol()). */
static int
add_vote(struct tbft *t, char **why, struct round *rs, const struct msg *m, size_t signer)
{
	int k = m->type == TBFT_PREVOTE ? PV : PC;
	struct vote *v = &rs->votes[k][signer];
	const uint8_t *hash = m->nil ? NULL : m->hash;
	struct version *x;
	char a[19], b[19];
	int rc = 0;

	if (vote_for(v, hash) != NULL) {
		if (why != NULL)
			xasprintf(why, "duplicate %s", type_names[m->type]);
		return -EALREADY;
	}
	if (v->nver > 0) {
		fmt_hash(a, v->ver[0].nil, v->ver[0].hash);
		fmt_hash(b, m->nil, m->hash);
		if (!v->reported) {
			v->reported = true;
			report(t, signer, "signed two %ss at height %" PRIu64 " round %" PRIu32
				   ": %s and %s", type_names[m->type], m->height, m->round, a, b);
		}
		if (why != NULL)
			xasprintf(why, "equivocation: second %s at height %" PRIu64
				       " round %" PRIu32 " (%s after %s)", type_names[m->type],
				  m->height, m->round, b, a);
		rc = -EEXIST;
		if (v->nver == VERSIONS)
			return rc;
	} else {
		rs->count[k]++;
	}
	x = &v->ver[v->nver++];
	x->nil = m->nil;
	memcpy(x->hash, m->hash, 32);
	memcpy(x->sig, m->sig, 65);
	if (m->nil)
		rs->nils[k]++;
	else if (!rs->quorum[k] && tally(t, rs, k, m->hash) >= t->quorum) {
		rs->quorum[k] = true;
		memcpy(rs->quorum_hash[k], m->hash, 32);
	}
	return rc;
}

static int
add_proposal(struct tbft *t, char **why, struct round *rs, const struct msg *m, size_t signer,
	     bool own)
{
	struct proposal *p;
	char a[19], b[19];

	for (size_t i = 0; i < rs->nprops; i++) {
		if (memcmp(rs->props[i].hash, m->hash, 32) == 0 && rs->props[i].pol == m->pol) {
			if (why != NULL)
				xasprintf(why, "duplicate proposal");
			return -EALREADY;
		}
	}
	if (rs->nprops > 0) {
		fmt_hash(a, false, rs->props[0].hash);
		fmt_hash(b, false, m->hash);
		if (!rs->props_reported) {
			rs->props_reported = true;
			report(t, signer, "proposed twice at height %" PRIu64 " round %" PRIu32
				   ": %s and %s", m->height, m->round, a, b);
		}
		if (why != NULL)
			xasprintf(why, "equivocation: second proposal at height %" PRIu64
				       " round %" PRIu32 " (%s after %s)", m->height, m->round, b, a);
	}
	/* A second proposal is kept, so that its block is at hand if a quorum
	 * precommits it; a third is not. */
	if (rs->nprops == ARRAY_SIZE(rs->props))
		return -EEXIST;
	p = &rs->props[rs->nprops++];
	memcpy(p->hash, m->hash, 32);
	p->round = m->round;
	memcpy(p->sig, m->sig, 65);
	p->pol = m->pol;
	p->len = m->block_len;
	p->block = xmalloc(m->block_len ? m->block_len : 1);
	if (m->block_len)
		memcpy(p->block, m->block, m->block_len);
	p->validity = own ? 1 : 0;
	return rs->nprops > 1 ? -EEXIST : 0;
}

/* Files a verified message of the current height.
 * Returns: 0, -EALREADY, -EEXIST or -ENOBUFS, with *why set on errors when
 * why is not NULL. */
static int
add_msg(struct tbft *t, char **why, const struct msg *m, size_t signer, bool own)
{
	struct round *rs;

	if (t->max_round[signer] < (int64_t)m->round)
		t->max_round[signer] = m->round;
	if ((long)signer != t->self)
		t->joined = true;
	if ((uint64_t)m->round > (uint64_t)t->round + TBFT_ROUNDS_AHEAD) {
		if (why != NULL)
			xasprintf(why, "round %" PRIu32 " is too far ahead of %" PRIu32, m->round,
				  t->round);
		return -ENOBUFS;
	}
	rs = round_get(t, m->round);
	if (m->type == TBFT_PROPOSAL)
		return add_proposal(t, why, rs, m, signer, own);
	return add_vote(t, why, rs, m, signer);
}

/* Encodes the restart record, with this node's messages of the round it
 * last signed in: those of rs and the new one, raw, of type type.
 * Returns: it (caller frees), or NULL. */
static uint8_t *
record_encode(const struct tbft *t, size_t *len, const struct round *rs, int type,
	      const uint8_t *raw, size_t raw_len)
{
	struct rlp_enc e;
	size_t mark, inner;

	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, TBFT_RECORD_VERSION);
	rlp_enc_u64(&e, t->ls_height);
	rlp_enc_u64(&e, t->ls_round);
	rlp_enc_u64(&e, (uint64_t)t->ls_step);
	if (t->locked_prop != NULL) {
		rlp_enc_u64(&e, (uint64_t)(t->locked_round + 1));
		rlp_enc_bytes(&e, t->locked_prop->hash, 32);
		rlp_enc_bytes(&e, t->locked_prop->block, t->locked_prop->len);
	} else {
		rlp_enc_u64(&e, 0);
		rlp_enc_bytes(&e, NULL, 0);
		rlp_enc_bytes(&e, NULL, 0);
	}
	inner = rlp_enc_list_begin(&e);
	for (int i = 0; i < 3; i++) {
		if (i == type - 1)
			rlp_enc_bytes(&e, raw, raw_len);
		else if (rs != NULL && rs->own[i] != NULL)
			rlp_enc_bytes(&e, rs->own[i], rs->own_len[i]);
	}
	rlp_enc_list_end(&e, inner);
	rlp_enc_list_end(&e, mark);
	return rlp_enc_detach(&e, len);
}

/* Signs m as this node, sends it to every peer and files it.  Nothing is
 * signed twice at one (height, round, step), even across restarts: the
 * restart record with the message is stored before the message leaves.
 * Returns: whether it was sent. */
static bool
sign_send(struct tbft *t, struct msg *m)
{
	uint8_t digest[32], *buf = NULL, *rec = NULL;
	struct round *rs;
	size_t len, rec_len;
	bool sent = false;
	int rc;

	if (t->self < 0)
		return false;
	if (t->has_signed &&
	    (m->height < t->ls_height ||
	     (m->height == t->ls_height &&
	      (m->round < t->ls_round || (m->round == t->ls_round && m->type <= t->ls_step))))) {
		log_debug("not signing a %s at height %" PRIu64 " round %" PRIu32
			  ": signed up to round %" PRIu32 " of height %" PRIu64,
			  type_names[m->type], m->height, m->round, t->ls_round, t->ls_height);
		goto out;
	}
	/* From here on this step counts as signed, even if nothing leaves. */
	t->has_signed = true;
	t->ls_height = m->height;
	t->ls_round = m->round;
	t->ls_step = m->type;
	if ((rc = msg_digest(digest, t->chain_id, m)) < 0 ||
	    (rc = t->host.sign(t->host.arg, m->sig, digest)) < 0) {
		log_error("cannot sign a %s: %s", type_names[m->type], strerror(-rc));
		goto out;
	}
	if ((buf = msg_encode(m, &len)) == NULL) {
		log_error("cannot encode a %s", type_names[m->type]);
		goto out;
	}
	if (t->host.persist != NULL) {
		rec = record_encode(t, &rec_len, round_find(t, m->round), m->type, buf, len);
		if (rec == NULL) {
			log_error("cannot encode the restart record");
			goto out;
		}
		if ((rc = t->host.persist(t->host.arg, rec, rec_len)) < 0) {
			log_error("cannot store the restart record: %s", strerror(-rc));
			goto out;
		}
	}
	log_debug("%s at height %" PRIu64 " round %" PRIu32, type_names[m->type],
		  m->height, m->round);
	t->host.broadcast(t->host.arg, buf, len);
	/* Without a restart record, a message signed before a restart may be
	 * filed already; then the old one stays. */
	if (add_msg(t, NULL, m, (size_t)t->self, true) < 0)
		log_warn("this node equivocated at height %" PRIu64 " round %" PRIu32
			 " after a restart without a record", m->height, m->round);
	rs = round_get(t, m->round);
	free(rs->own[m->type - 1]);
	rs->own[m->type - 1] = buf;
	rs->own_len[m->type - 1] = len;
	buf = NULL;
	t->dl_rebroadcast = after(now_of(t), t->rebroadcast);
	sent = true;
out:
	free(rec);
	free(buf);
	return sent;
}

static void
set_step(struct tbft *t, enum step s)
{
	t->step = s;
	t->waiting = false;
	t->dl_start = NEVER;
	t->dl_propose = NEVER;
}

/* Moves to step s and signs a vote for hash (NULL: nil). */
static void
vote(struct tbft *t, enum step s, const uint8_t *hash)
{
	struct msg m = { .type = (int)s, .height = t->height, .round = t->round, .pol = -1 };

	set_step(t, s);
	m.nil = hash == NULL;
	if (hash != NULL)
		memcpy(m.hash, hash, 32);
	sign_send(t, &m);
}

/* Relays the prevotes of round pol for the block hash, as they were
 * signed: the proof of lock that lets validators that missed them (or
 * restarted) accept a re-proposed validValue (rule 28). */
static void
relay_pol(struct tbft *t, const uint8_t hash[32], int64_t pol)
{
	struct msg m = { .type = TBFT_PREVOTE, .height = t->height, .pol = -1 };
	struct round *vr;
	uint8_t *buf;
	size_t len;

	if (pol < 0 || (vr = round_find(t, (uint32_t)pol)) == NULL)
		return;
	m.round = vr->r;
	memcpy(m.hash, hash, 32);
	for (size_t i = 0; i < t->n; i++) {
		const struct version *x = vote_for(&vr->votes[PV][i], hash);

		if (x == NULL)
			continue;
		memcpy(m.sig, x->sig, 65);
		if ((buf = msg_encode(&m, &len)) != NULL)
			t->host.broadcast(t->host.arg, buf, len);
		free(buf);
	}
}

/* The proposer's part of StartRound: validValue, else a new block. */
static void
propose(struct tbft *t)
{
	struct msg m = { .type = TBFT_PROPOSAL, .height = t->height, .round = t->round };
	uint8_t *block = NULL;
	size_t len = 0;
	int rc;

	if (t->valid_prop != NULL) {
		m.pol = t->valid_round;
		memcpy(m.hash, t->valid_prop->hash, 32);
		m.block = t->valid_prop->block;
		m.block_len = t->valid_prop->len;
	} else {
		if ((rc = t->host.propose(t->host.arg, t->height, &block, &len, m.hash)) < 0) {
			log_warn("cannot build block %" PRIu64 ": %s", t->height,
				 strerror(-rc));
			goto out;
		}
		m.pol = -1;
		m.block = block;
		m.block_len = len;
	}
	if (sign_send(t, &m))
		relay_pol(t, m.hash, m.pol);
out:
	free(block);
}

/* StartRound(r): the propose step; the wait for round_start and
 * transactions is left to begin_round(). */
static void
start_round(struct tbft *t, uint32_t r)
{
	log_debug("height %" PRIu64 " round %" PRIu32, t->height, r);
	t->round = r;
	set_step(t, STEP_PROPOSE);
	t->waiting = true;
	t->round_start = r == 0 ? t->height_start : now_of(t);
	/* A new height begins on a tick, even with no block time to wait
	 * for, so that deciding heights never loops without returning. */
	t->dl_start = r == 0 ? t->height_start : NEVER;
	t->dl_prevote = NEVER;
	t->dl_precommit = NEVER;
	t->dl_rebroadcast = NEVER;
}

/* Ends the wait of the propose step when it may end: the proposer
 * proposes and the others start timeout_propose.
 * Returns: whether the wait ended. */
static bool
begin_round(struct tbft *t)
{
	uint64_t now = now_of(t);
	bool txs;

	if (t->dl_start != NEVER)
		return false;
	if (now < t->round_start) {
		t->dl_start = t->round_start;
		return false;
	}
	t->dl_start = NEVER;
	if (t->round == 0 && !t->empty_blocks && t->valid_prop == NULL && !t->joined) {
		txs = t->host.has_txs != NULL && t->host.has_txs(t->host.arg);
		if (!txs)
			return false;
	}
	t->waiting = false;
	t->dl_propose = after(now, timeout_of(t, STEP_PROPOSE, t->round));
	if (t->self >= 0 && proposer_of(t->n, t->height, t->round) == (size_t)t->self)
		propose(t);
	return true;
}

/* Replays the kept messages of the current height; drops older ones. */
static void
replay_future(struct tbft *t)
{
	size_t keep = 0;

	for (size_t i = 0; i < t->nfuture; i++) {
		struct future *f = &t->future[i];
		struct msg m;
		char *why = NULL;

		if (f->height == t->height && msg_decode(&m, &why, f->raw, f->len) == 0)
			(void)add_msg(t, NULL, &m, f->signer, false);
		free(why);
		if (f->height > t->height) {
			t->future[keep++] = *f;
			continue;
		}
		t->nfuture_of[f->signer]--;
		free(f->raw);
	}
	t->nfuture = keep;
}

/* Files the messages of the restart record when the node reaches its
 * height, as this node's own; drops them once past it. */
static void
restore_own(struct tbft *t, uint64_t h)
{
	for (size_t i = 0; i < 3; i++) {
		struct round *rs;
		struct msg m;
		char *why = NULL;

		if (t->saved_msgs[i] == NULL || t->ls_height > h)
			continue;
		if (t->ls_height == h && t->self >= 0 &&
		    msg_decode(&m, &why, t->saved_msgs[i], t->saved_len[i]) == 0 &&
		    m.height == h && add_msg(t, NULL, &m, (size_t)t->self, true) == 0) {
			rs = round_get(t, m.round);
			free(rs->own[m.type - 1]);
			rs->own[m.type - 1] = t->saved_msgs[i];
			rs->own_len[m.type - 1] = t->saved_len[i];
			t->saved_msgs[i] = NULL;
			t->dl_rebroadcast = now_of(t);
		}
		free(why);
		free(t->saved_msgs[i]);
		t->saved_msgs[i] = NULL;
	}
}

/* Enters height h: fresh rounds, locks and counters, then round 0 (or the
 * round of the restart record), and the messages kept for h. */
static void
enter_height(struct tbft *t, uint64_t h, uint64_t start)
{
	rounds_clear(t);
	t->height = h;
	t->locked_round = -1;
	t->valid_round = -1;
	t->joined = false;
	t->height_start = start;
	t->dl_behind = NEVER;
	for (size_t i = 0; i < t->n; i++)
		t->max_round[i] = -1;
	if (t->has_saved_lock && t->ls_height == h) {
		/* The lock survives the restart, and its block becomes the
		 * validValue, proposed without a proof of lock: the prevotes
		 * that were the proof are gone. */
		t->locked_round = t->saved_round;
		memcpy(t->locked_hash, t->restored.hash, 32);
		t->locked_prop = &t->restored;
		t->valid_prop = &t->restored;
	} else if (t->ls_height <= h) {
		free(t->restored.block);
		t->restored.block = NULL;
		t->has_saved_lock = false;
	}
	if (t->has_signed && t->ls_height == h) {
		/* A restarted node resumes at the round and step it had
		 * signed, and sends again what it signed there: peers still
		 * in that round may need it to get on. */
		start_round(t, t->ls_round);
		set_step(t, (enum step)t->ls_step);
		if (t->step == STEP_PROPOSE)
			t->dl_propose = after(now_of(t), timeout_of(t, STEP_PROPOSE, t->round));
	} else {
		start_round(t, 0);
	}
	restore_own(t, h);
	replay_future(t);
}

static void
last_clear(struct tbft *t)
{
	for (size_t i = 0; i < t->nlast; i++)
		free(t->last[i]);
	t->nlast = 0;
}

/* Keeps the messages that decided the height: rs's precommits for p's
 * block, and p unless it came from a restart record. */
static void
last_keep(struct tbft *t, const struct round *rs, const struct proposal *p)
{
	struct msg m = { .type = TBFT_PRECOMMIT, .height = t->height, .round = rs->r, .pol = -1 };
	uint8_t *buf;
	size_t len;

	last_clear(t);
	memcpy(m.hash, p->hash, 32);
	for (size_t i = 0; i < t->n; i++) {
		const struct version *x = vote_for(&rs->votes[PC][i], p->hash);

		if (x == NULL)
			continue;
		memcpy(m.sig, x->sig, 65);
		if ((buf = msg_encode(&m, &len)) == NULL)
			continue;
		t->last[t->nlast] = buf;
		t->last_len[t->nlast++] = len;
	}
	if (p == &t->restored)
		return;
	m = (struct msg){ .type = TBFT_PROPOSAL, .height = t->height, .round = p->round,
			  .pol = p->pol, .block = p->block, .block_len = p->len };
	memcpy(m.hash, p->hash, 32);
	memcpy(m.sig, p->sig, 65);
	if ((buf = msg_encode(&m, &len)) != NULL) {
		t->last[t->nlast] = buf;
		t->last_len[t->nlast++] = len;
	}
}

/* Builds the commit certificate of the precommits for hash in rs.
 * Returns: it (caller frees), or NULL when out of memory. */
static uint8_t *
cert_encode(const struct tbft *t, const struct round *rs, const uint8_t hash[32], size_t *len)
{
	struct rlp_enc e;
	size_t mark, inner;

	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, t->height);
	rlp_enc_u64(&e, rs->r);
	rlp_enc_bytes(&e, hash, 32);
	inner = rlp_enc_list_begin(&e);
	for (size_t i = 0; i < t->n; i++) {
		const struct version *x = vote_for(&rs->votes[PC][i], hash);

		if (x != NULL)
			rlp_enc_bytes(&e, x->sig, 65);
	}
	rlp_enc_list_end(&e, inner);
	rlp_enc_list_end(&e, mark);
	return rlp_enc_detach(&e, len);
}

/* Rule 49: a quorum of precommits for a known, valid block in any round of
 * the height decides it.  Returns: whether the height changed. */
static bool
rule_decide(struct tbft *t)
{
	for (size_t i = 0; i < t->nrounds; i++) {
		struct round *rs = t->rounds[i];
		struct proposal *p;
		uint8_t *cert;
		size_t len;
		char h[19];

		if (!rs->quorum[PC] || rs->bad_block ||
		    (p = find_block(t, rs->quorum_hash[PC])) == NULL)
			continue;
		if (!is_valid(t, p)) {
			rs->bad_block = true;
			fmt_hash(h, false, p->hash);
			log_error("more than 2/3 of the validators precommitted block %s at "
				  "height %" PRIu64 ", which this node finds invalid", h, t->height);
			continue;
		}
		if ((cert = cert_encode(t, rs, p->hash, &len)) == NULL) {
			log_error("cannot encode a certificate");
			return false;
		}
		fmt_hash(h, false, p->hash);
		log_debug("height %" PRIu64 " round %" PRIu32 " block %s",
			  t->height, rs->r, h);
		t->host.commit(t->host.arg, t->height, p->block, p->len, p->hash, cert, len);
		free(cert);
		last_keep(t, rs, p);
		enter_height(t, t->height + 1, after(now_of(t), t->block_time));
		return true;
	}
	return false;
}

/* Rule 55: messages from more than 1/3 of the validators at a higher round
 * of the height (counting each validator's highest) move the node there. */
static bool
rule_skip(struct tbft *t)
{
	int64_t r = kth_largest(t->max_round, t->n, t->third);

	if (r <= (int64_t)t->round)
		return false;
	start_round(t, (uint32_t)r);
	return true;
}

/* The rules of the current round that depend on the step.
 * Returns: whether one fired. */
static bool
rule_step(struct tbft *t)
{
	struct round *rs = round_find(t, t->round);
	struct proposal *p;
	uint64_t now;

	if (t->step == STEP_PROPOSE) {
		if (t->waiting && begin_round(t))
			return true;
		rs = round_find(t, t->round); /* begin_round may propose */
		for (size_t i = 0; rs != NULL && i < rs->nprops; i++) {
			struct round *vr;
			bool ok;

			p = &rs->props[i];
			if (p->pol < 0) {
				/* Rule 22. */
				ok = (t->locked_round < 0 ||
				      memcmp(t->locked_hash, p->hash, 32) == 0) && is_valid(t, p);
			} else {
				/* Rule 28: the proof of lock must be here. */
				vr = round_find(t, (uint32_t)p->pol);
				if (vr == NULL || !vr->quorum[PV] ||
				    memcmp(vr->quorum_hash[PV], p->hash, 32) != 0)
					continue;
				ok = (t->locked_round <= p->pol ||
				      memcmp(t->locked_hash, p->hash, 32) == 0) && is_valid(t, p);
			}
			vote(t, STEP_PREVOTE, ok ? p->hash : NULL);
			return true;
		}
	}
	if (rs == NULL)
		return false;
	/* Rule 36: a quorum of prevotes for a valid block. */
	if (t->step != STEP_PROPOSE && rs->quorum[PV] && !rs->polka &&
	    (p = find_block(t, rs->quorum_hash[PV])) != NULL && is_valid(t, p)) {
		rs->polka = true;
		t->valid_round = t->round;
		t->valid_prop = p;
		if (t->step == STEP_PREVOTE) {
			t->locked_round = t->round;
			memcpy(t->locked_hash, p->hash, 32);
			t->locked_prop = p;
			vote(t, STEP_PRECOMMIT, p->hash);
		}
		return true;
	}
	/* Rule 44. */
	if (t->step == STEP_PREVOTE && rs->nils[PV] >= t->quorum) {
		vote(t, STEP_PRECOMMIT, NULL);
		return true;
	}
	now = now_of(t);
	/* Rule 34. */
	if (t->step == STEP_PREVOTE && rs->count[PV] >= t->quorum && !rs->prevote_timer) {
		rs->prevote_timer = true;
		t->dl_prevote = after(now, timeout_of(t, STEP_PREVOTE, t->round));
		return true;
	}
	/* Rule 47. */
	if (rs->count[PC] >= t->quorum && !rs->precommit_timer) {
		rs->precommit_timer = true;
		t->dl_precommit = after(now, timeout_of(t, STEP_PRECOMMIT, t->round));
		return true;
	}
	return false;
}

/* Arms the host's timer for the earliest deadline. */
static void
reschedule(struct tbft *t)
{
	uint64_t dl[] = { t->dl_start, t->dl_propose, t->dl_prevote, t->dl_precommit,
			  t->dl_rebroadcast, t->dl_behind };
	uint64_t min = NEVER, now;

	for (size_t i = 0; i < ARRAY_SIZE(dl); i++)
		if (dl[i] < min)
			min = dl[i];
	if (min == NEVER || min == t->armed)
		return;
	t->armed = min;
	now = now_of(t);
	t->host.schedule(t->host.arg, min > now ? min - now : 0);
}

/* Runs the rules until none fires, then arms the timer. */
static void
run(struct tbft *t)
{
	for (;;) {
		if (rule_decide(t) || rule_skip(t) || rule_step(t))
			continue;
		break;
	}
	reschedule(t);
}

/* Tells the host when the node is behind: at once when more than 1/3 of
 * the validators are two heights or more ahead (so at least one honest
 * one), and when any validator has been ahead for rebroadcast_ms.  The
 * second may be a Byzantine validator's claim, but syncing only imports
 * blocks with certificates, and without it a node that missed the end of
 * a height that only a few validators finished (with Byzantine help, or
 * before they restarted) would wait forever.  fired: dl_behind ran out. */
static void
check_behind(struct tbft *t, bool fired)
{
	int64_t *v = t->scratch, top, max = 0;

	if (t->host.behind == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		v[i] = t->max_height[i] > INT64_MAX ? INT64_MAX : (int64_t)t->max_height[i];
		if (v[i] > max)
			max = v[i];
	}
	top = kth_largest(v, t->n, t->third);
	if (max <= (int64_t)t->height) {
		t->dl_behind = NEVER;
		return;
	}
	if (top >= (int64_t)t->height + 2 && (uint64_t)top > t->behind_told) {
		t->behind_told = (uint64_t)top;
	} else if (fired) {
		t->behind_told = (uint64_t)max;
	} else {
		if (t->dl_behind == NEVER)
			t->dl_behind = after(now_of(t), t->rebroadcast);
		return;
	}
	t->dl_behind = after(now_of(t), t->rebroadcast);
	t->host.behind(t->host.arg, t->behind_told);
}

/* Sends this node's messages of the current round again, and the ones
 * that decided the previous height.  A node with nothing of its own to
 * send stays quiet, so an idle network sends nothing. */
static void
rebroadcast(struct tbft *t)
{
	struct round *cur = round_find(t, t->round), *prev = NULL;
	bool any = false;

	/* The latest earlier round with messages of this node: peers stuck
	 * there may lack them (it moved on when they did not). */
	for (size_t i = 0; i < t->nrounds; i++) {
		struct round *rs = t->rounds[i];

		if (rs->r < t->round && (rs->own[0] || rs->own[1] || rs->own[2]) &&
		    (prev == NULL || rs->r > prev->r))
			prev = rs;
	}
	for (size_t i = 0; i < 6; i++) {
		struct round *rs = i < 3 ? prev : cur;

		if (rs != NULL && rs->own[i % 3] != NULL) {
			t->host.broadcast(t->host.arg, rs->own[i % 3], rs->own_len[i % 3]);
			any = true;
		}
	}
	if (cur != NULL && cur->own[0] != NULL && cur->nprops > 0)
		relay_pol(t, cur->props[0].hash, cur->props[0].pol);
	for (size_t i = 0; any && i < t->nlast; i++)
		t->host.broadcast(t->host.arg, t->last[i], t->last_len[i]);
	t->dl_rebroadcast = any ? after(now_of(t), t->rebroadcast) : NEVER;
}

/* A peer still works on the previous height: send it the messages that
 * decided it, at most once per rebroadcast interval.  The peer's message is
 * not verified first (that would cost more than the answer), so this is
 * rate-limited instead; an idle network, where nobody has messages of its
 * own to send again, needs it to let a peer that missed the end of a
 * height finish it. */
static void
help_behind(struct tbft *t)
{
	uint64_t now = now_of(t);

	if (t->nlast == 0 || (t->helped != NEVER && now < after(t->helped, t->rebroadcast)))
		return;
	t->helped = now;
	for (size_t i = 0; i < t->nlast; i++)
		t->host.broadcast(t->host.arg, t->last[i], t->last_len[i]);
}

/* Keeps a verified message of a later height if there is room. */
static int
keep_future(struct tbft *t, char **why, const struct msg *m, size_t signer, const uint8_t *raw,
	    size_t len)
{
	struct future *f;

	if (m->height > t->height + 1 || m->round > TBFT_ROUNDS_AHEAD ||
	    t->nfuture_of[signer] >= TBFT_FUTURE_PER_VALIDATOR) {
		xasprintf(why, "%s at height %" PRIu64 " round %" PRIu32 " is too far ahead of "
			       "height %" PRIu64, type_names[m->type], m->height, m->round,
			  t->height);
		return -ENOBUFS;
	}
	if (t->nfuture == t->capfuture) {
		t->capfuture = t->capfuture ? 2 * t->capfuture : 16;
		t->future = xreallocarray(t->future, t->capfuture, sizeof(*t->future));
	}
	f = &t->future[t->nfuture++];
	f->signer = signer;
	f->height = m->height;
	f->len = len;
	f->raw = xmalloc(len);
	memcpy(f->raw, raw, len);
	t->nfuture_of[signer]++;
	return 0;
}

/* Returns: whether m is already filed, judged by its signature, so that a
 * rebroadcast costs no signature recovery. */
static bool
is_known(const struct tbft *t, const struct msg *m, const uint8_t *raw, size_t len)
{
	struct round *rs;

	if (m->height > t->height) {
		for (size_t i = 0; i < t->nfuture; i++)
			if (t->future[i].len == len && memcmp(t->future[i].raw, raw, len) == 0)
				return true;
		return false;
	}
	if ((rs = round_find(t, m->round)) == NULL)
		return false;
	if (m->type == TBFT_PROPOSAL) {
		for (size_t i = 0; i < rs->nprops; i++)
			if (memcmp(rs->props[i].sig, m->sig, 65) == 0 &&
			    memcmp(rs->props[i].hash, m->hash, 32) == 0 && rs->props[i].pol == m->pol)
				return true;
		return false;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct version *x =
			vote_for(&rs->votes[m->type == TBFT_PREVOTE ? PV : PC][i],
				 m->nil ? NULL : m->hash);

		if (x != NULL && memcmp(x->sig, m->sig, 65) == 0)
			return true;
	}
	return false;
}

struct tbft *
tbft_new(const struct tbft_config *cfg, const struct tbft_host *host, uint64_t height,
	 char **cause)
{
	const uint64_t defaults[3][2] = {
		{ TBFT_DEFAULT_TIMEOUT_PROPOSE, TBFT_DEFAULT_TIMEOUT_PROPOSE_DELTA },
		{ TBFT_DEFAULT_TIMEOUT_PREVOTE, TBFT_DEFAULT_TIMEOUT_PREVOTE_DELTA },
		{ TBFT_DEFAULT_TIMEOUT_PRECOMMIT, TBFT_DEFAULT_TIMEOUT_PRECOMMIT_DELTA },
	};
	const uint64_t given[3][2] = {
		{ cfg->timeout_propose_ms, cfg->timeout_propose_delta_ms },
		{ cfg->timeout_prevote_ms, cfg->timeout_prevote_delta_ms },
		{ cfg->timeout_precommit_ms, cfg->timeout_precommit_delta_ms },
	};
	struct tbft *t = NULL;
	char a[43];
	long self;

	if (cfg->nvalidators == 0 || cfg->validators == NULL) {
		xasprintf(cause, "no validators");
		goto out;
	}
	for (size_t i = 1; i < cfg->nvalidators; i++) {
		if (find_validator(cfg->validators, i, cfg->validators[i]) >= 0) {
			fmt_addr(a, cfg->validators[i]);
			xasprintf(cause, "validator %s is listed twice", a);
			goto out;
		}
	}
	if (height == 0) {
		xasprintf(cause, "height 0 is genesis, not decided by consensus");
		goto out;
	}
	self = find_validator(cfg->validators, cfg->nvalidators, cfg->self);
	if (host->propose == NULL || host->valid == NULL || host->commit == NULL ||
	    host->broadcast == NULL || host->schedule == NULL || host->now_ms == NULL ||
	    (self >= 0 && host->sign == NULL)) {
		xasprintf(cause, "the host lacks a required callback");
		goto out;
	}
	t = xcalloc(1, sizeof(*t));
	t->host = *host;
	t->chain_id = cfg->chain_id;
	t->n = cfg->nvalidators;
	t->vals = xcalloc(t->n, sizeof(*t->vals));
	memcpy(t->vals, cfg->validators, t->n * sizeof(*t->vals));
	t->self = self;
	t->quorum = 2 * t->n / 3 + 1;
	t->third = t->n / 3 + 1;
	for (size_t i = 0; i < 3; i++) {
		t->to_base[i] = given[i][0] ? given[i][0] : defaults[i][0];
		t->to_delta[i] = given[i][1] ? given[i][1] : defaults[i][1];
	}
	t->block_time = cfg->block_time_ms;
	t->rebroadcast = cfg->rebroadcast_ms ? cfg->rebroadcast_ms : TBFT_DEFAULT_REBROADCAST;
	t->empty_blocks = cfg->empty_blocks;
	t->height = height;
	t->step = STEP_PROPOSE;
	t->locked_round = -1;
	t->valid_round = -1;
	t->max_round = xcalloc(t->n, sizeof(*t->max_round));
	t->max_height = xcalloc(t->n, sizeof(*t->max_height));
	t->scratch = xcalloc(t->n, sizeof(*t->scratch));
	t->nfuture_of = xcalloc(t->n, sizeof(*t->nfuture_of));
	t->last = xcalloc(t->n + 1, sizeof(*t->last));
	t->last_len = xcalloc(t->n + 1, sizeof(*t->last_len));
	t->dl_start = t->dl_propose = t->dl_prevote = t->dl_precommit = NEVER;
	t->dl_rebroadcast = t->dl_behind = t->armed = NEVER;
	t->helped = NEVER;
out:
	return t;
}

void
tbft_free(struct tbft *t)
{
	if (t == NULL)
		return;
	rounds_clear(t);
	free(t->rounds);
	free(t->restored.block);
	for (size_t i = 0; i < 3; i++)
		free(t->saved_msgs[i]);
	for (size_t i = 0; i < t->nfuture; i++)
		free(t->future[i].raw);
	free(t->future);
	free(t->nfuture_of);
	last_clear(t);
	free(t->last);
	free(t->last_len);
	free(t->max_round);
	free(t->max_height);
	free(t->scratch);
	free(t->vals);
	free(t);
}

int
tbft_load(struct tbft *t, char **why, const uint8_t *state, size_t len)
{
	struct rlp_item top, it[8], list, item;
	uint64_t version, height, round, step, locked;
	size_t nmsgs = 0;
	int rc = -EBADMSG;

	if (t->started) {
		xasprintf(why, "cannot load a restart record after the start");
		return -EALREADY;
	}
	if (rlp_decode(&top, state, len) < 0 || rlp_list_split(it, 8, &top) < 0 ||
	    rlp_item_u64(&version, &it[0]) < 0 || version != TBFT_RECORD_VERSION ||
	    rlp_item_u64(&height, &it[1]) < 0 || rlp_item_u64(&round, &it[2]) < 0 ||
	    round > TBFT_ROUND_MAX || rlp_item_u64(&step, &it[3]) < 0 ||
	    step < TBFT_PROPOSAL || step > TBFT_PRECOMMIT || rlp_item_u64(&locked, &it[4]) < 0 ||
	    locked > round + 1 || it[5].is_list || it[5].len != (locked ? 32u : 0u) ||
	    it[6].is_list || (!locked && it[6].len != 0) || !it[7].is_list ||
	    rlp_list_count(&nmsgs, &it[7]) < 0 || nmsgs > 3) {
		xasprintf(why, "not a tbft restart record");
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		free(t->saved_msgs[i]);
		t->saved_msgs[i] = NULL;
	}
	list = it[7];
	for (size_t i = 0; rlp_list_next(&item, &list) > 0 && !item.is_list; i++) {
		t->saved_msgs[i] = xmalloc(item.len ? item.len : 1);
		memcpy(t->saved_msgs[i], item.p, item.len);
		t->saved_len[i] = item.len;
	}
	t->has_signed = true;
	t->ls_height = height;
	t->ls_round = (uint32_t)round;
	t->ls_step = (int)step;
	t->has_saved_lock = locked > 0;
	t->saved_round = (int64_t)locked - 1;
	free(t->restored.block);
	memset(&t->restored, 0, sizeof(t->restored));
	if (locked) {
		memcpy(t->restored.hash, it[5].p, 32);
		t->restored.pol = -1;
		t->restored.len = it[6].len;
		t->restored.block = xmalloc(it[6].len ? it[6].len : 1);
		memcpy(t->restored.block, it[6].p, it[6].len);
	}
	rc = 0;
out:
	return rc;
}

void
tbft_start(struct tbft *t)
{
	if (t->started)
		return;
	t->started = true;
	enter_height(t, t->height, now_of(t));
	run(t);
}

int
tbft_receive(struct tbft *t, char **why, const uint8_t *buf, size_t len)
{
	struct msg m;
	size_t signer;
	int rc;

	if (!t->started) {
		xasprintf(why, "consensus has not started");
		return -EAGAIN;
	}
	if ((rc = msg_decode(&m, why, buf, len)) < 0)
		goto out;
	if (m.height < t->height) {
		xasprintf(why, "%s of height %" PRIu64 ", which is decided", type_names[m.type],
			  m.height);
		rc = -ESTALE;
		if (m.height + 1 == t->height)
			help_behind(t);
		goto out;
	}
	if (is_known(t, &m, buf, len)) {
		xasprintf(why, "duplicate %s", type_names[m.type]);
		rc = -EALREADY;
		goto out;
	}
	if ((rc = msg_signer(&signer, why, t->chain_id, (const uint8_t(*)[20])t->vals, t->n,
			     &m)) < 0)
		goto out;
	if (m.type == TBFT_PROPOSAL && signer != proposer_of(t->n, m.height, m.round)) {
		char a[43];

		fmt_addr(a, t->vals[signer]);
		xasprintf(why, "proposal signed by %s, not the proposer of height %" PRIu64
			       " round %" PRIu32, a, m.height, m.round);
		rc = -EPERM;
		goto out;
	}
	if (t->max_height[signer] < m.height)
		t->max_height[signer] = m.height;
	if (m.height > t->height) {
		rc = keep_future(t, why, &m, signer, buf, len);
		check_behind(t, false);
	} else {
		rc = add_msg(t, why, &m, signer, false);
	}
	run(t);
out:
	return rc;
}

void
tbft_tick(struct tbft *t)
{
	uint64_t now = now_of(t);

	t->armed = NEVER;
	if (!t->started)
		return;
	if (t->dl_start <= now)
		t->dl_start = NEVER; /* begin_round() looks again */
	if (t->dl_propose <= now) {
		t->dl_propose = NEVER;
		if (t->step == STEP_PROPOSE)
			vote(t, STEP_PREVOTE, NULL);
	}
	if (t->dl_prevote <= now) {
		t->dl_prevote = NEVER;
		if (t->step == STEP_PREVOTE)
			vote(t, STEP_PRECOMMIT, NULL);
	}
	if (t->dl_precommit <= now) {
		t->dl_precommit = NEVER;
		start_round(t, t->round + 1);
	}
	if (t->dl_rebroadcast <= now)
		rebroadcast(t);
	if (t->dl_behind <= now)
		check_behind(t, true);
	run(t);
}

void
tbft_nudge(struct tbft *t)
{
	if (t->started && t->step == STEP_PROPOSE && t->waiting)
		run(t);
}

void
tbft_status(const struct tbft *t, uint64_t *height, uint32_t *round, const char **step)
{
	if (height != NULL)
		*height = t->height;
	if (round != NULL)
		*round = t->round;
	if (step != NULL)
		*step = t->step == STEP_PROPOSE && t->waiting ? "wait" : step_names[t->step];
}

void
tbft_set_height(struct tbft *t, uint64_t height)
{
	if (height <= t->height)
		return;
	log_debug("synced to height %" PRIu64, height);
	last_clear(t);
	if (!t->started) {
		t->height = height;
		return;
	}
	enter_height(t, height, now_of(t));
	check_behind(t, false);
	run(t);
}

int
tbft_verify_commit(const struct tbft_config *cfg, char **why, uint64_t height,
		   const uint8_t hash[32], const uint8_t *cert, size_t cert_len)
{
	struct rlp_item top, it[4], list, sig;
	struct msg m = { .type = TBFT_PRECOMMIT, .height = height, .pol = -1 };
	uint64_t h, round;
	bool *seen = NULL;
	size_t nsigs, count = 0, idx;
	char a[43];
	int rc = -EBADMSG;

	if (rlp_decode(&top, cert, cert_len) < 0 || rlp_list_split(it, 4, &top) < 0 ||
	    rlp_item_u64(&h, &it[0]) < 0 || rlp_item_u64(&round, &it[1]) < 0 ||
	    round > TBFT_ROUND_MAX || it[2].is_list || it[2].len != 32 || !it[3].is_list ||
	    rlp_list_count(&nsigs, &it[3]) < 0) {
		xasprintf(why, "malformed commit certificate");
		goto out;
	}
	rc = -EINVAL;
	if (h != height) {
		xasprintf(why, "certificate of height %" PRIu64 ", not %" PRIu64, h, height);
		goto out;
	}
	if (memcmp(it[2].p, hash, 32) != 0) {
		xasprintf(why, "certificate of another block at height %" PRIu64, height);
		goto out;
	}
	if (nsigs > cfg->nvalidators) {
		xasprintf(why, "certificate with %zu signatures for %zu validators", nsigs,
			  cfg->nvalidators);
		goto out;
	}
	m.round = (uint32_t)round;
	memcpy(m.hash, hash, 32);
	seen = xcalloc(cfg->nvalidators ? cfg->nvalidators : 1, sizeof(*seen));
	list = it[3];
	while ((rc = rlp_list_next(&sig, &list)) > 0) {
		if (sig.is_list || sig.len != 65) {
			xasprintf(why, "malformed commit certificate: signature of %zu bytes",
				  sig.len);
			rc = -EBADMSG;
			goto out;
		}
		memcpy(m.sig, sig.p, 65);
		if ((rc = msg_signer(&idx, why, cfg->chain_id, cfg->validators, cfg->nvalidators,
				     &m)) < 0)
			goto out;
		if (seen[idx]) {
			fmt_addr(a, cfg->validators[idx]);
			xasprintf(why, "certificate signed twice by %s", a);
			rc = -EINVAL;
			goto out;
		}
		seen[idx] = true;
		count++;
	}
	if (rc < 0) {
		xasprintf(why, "malformed commit certificate");
		rc = -EBADMSG;
		goto out;
	}
	if (count * 3 <= 2 * cfg->nvalidators) {
		xasprintf(why, "certificate signed by %zu of %zu validators; more than 2/3 needed",
			  count, cfg->nvalidators);
		rc = -EPERM;
		goto out;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}
