/* Tests for node/consensus/tbft.c: a deterministic simulation of n
 * validators (and full nodes) on a simulated network (delays, loss,
 * duplicates, partitions), with a simulated clock, crashes and restarts,
 * Byzantine equivocators, and real secp256k1 signatures.  Blocks are text
 * such as "h=5 by v2 #17"; a block's hash is its keccak-256.
 *
 * The randomised runs print their seeds; TBFT_SEED=N replays one, and
 * TBFT_RUNS=N runs N seeds from it (a longer search for failures). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consensus/tbft.h"
#include "harness.h"
#include "keccak.h"
#include "log.h"
#include "rlp.h"
#include "secp.h"
#include "xalloc.h"

#define MAXN 9 /* validators and full nodes */
#define OUTSIDER MAXN /* keys[OUTSIDER] is no validator's */
#define NEVER UINT64_MAX
#define CHAIN_ID 31337
#define DOMAIN "chainbox/tbft/1"

static struct secp *secp;
static uint8_t keys[MAXN + 1][32];
static uint8_t addrs[MAXN + 1][20];

/* A block as a node holds it. */
struct blk {
	uint8_t *block;
	size_t len;
	uint8_t hash[32];
	uint8_t *cert;
	size_t cert_len;
	uint64_t round; /* from the certificate */
	uint64_t at; /* when it was committed or synced */
};

struct sim;

struct node {
	struct sim *sim;
	size_t idx;
	struct tbft *t;
	bool up;
	bool ignored; /* not waited for by sim_run_to() */
	bool byz; /* sends two versions of everything it signs */
	bool bad_blocks; /* proposes blocks that fail validation */
	uint64_t timer;
	struct blk *chain; /* chain[h - 1] is height h */
	size_t nchain, capchain;
	uint8_t *record;
	size_t record_len;
	bool txs;
	unsigned evidence;
	bool accused_honest; /* evidence named a validator that is not byz */
	uint8_t accused[20];
	bool wants_sync;
	uint64_t nonce;
	unsigned sent, signs, syncs;
	unsigned sent_h1r0; /* messages it sent for height 1 round 0 */
};

struct event {
	uint64_t at, seq;
	size_t to;
	uint8_t *msg;
	size_t len;
};

struct sim {
	uint64_t now;
	size_t nvals, nnodes;
	struct node nodes[MAXN];
	struct tbft_config cfg;
	struct event *heap;
	size_t nheap, capheap;
	uint64_t seq, rng;
	unsigned drop_pm, dup_pm; /* per mille */
	uint64_t delay_min, delay_max;
	int group[MAXN]; /* nodes talk only inside their group */
	bool drop_proposals;
	bool verify_certs;
	struct decided {
		bool has;
		uint8_t hash[32];
	} *decided;
	size_t ndecided;
	unsigned violations;
	unsigned long delivered, syncs;
	unsigned long same_time; /* events in a row at one time */
};

/* --- the messages, written from the format in tbft.h ------------------- */

struct tmsg {
	uint64_t type, height, round, pol1;
	bool nil;
	uint8_t hash[32];
	const uint8_t *block;
	size_t block_len;
};

static void
t_digest(uint8_t out[32], uint64_t chain_id, const struct tmsg *m)
{
	struct rlp_enc e;
	size_t mark;

	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, (const uint8_t *)DOMAIN, strlen(DOMAIN));
	rlp_enc_u64(&e, chain_id);
	rlp_enc_u64(&e, m->type);
	rlp_enc_u64(&e, m->height);
	rlp_enc_u64(&e, m->round);
	rlp_enc_u64(&e, m->type == TBFT_PROPOSAL ? m->pol1 : 0);
	rlp_enc_bytes(&e, m->hash, m->nil ? 0 : 32);
	rlp_enc_list_end(&e, mark);
	CU_ASSERT_EQUAL_FATAL(rlp_enc_error(&e), 0);
	keccak256(out, e.data, e.len);
	rlp_enc_release(&e);
}

/* Returns: m signed with key, encoded (caller frees).  Out: *len. */
static uint8_t *
t_encode(size_t *len, const uint8_t key[32], const struct tmsg *m)
{
	uint8_t digest[32], sig[65];
	struct rlp_enc e;
	size_t mark;

	t_digest(digest, CHAIN_ID, m);
	CU_ASSERT_EQUAL_FATAL(secp_sign(secp, sig, digest, key), 0);
	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, m->type);
	rlp_enc_u64(&e, m->height);
	rlp_enc_u64(&e, m->round);
	if (m->type == TBFT_PROPOSAL)
		rlp_enc_u64(&e, m->pol1);
	rlp_enc_bytes(&e, m->hash, m->nil ? 0 : 32);
	if (m->type == TBFT_PROPOSAL)
		rlp_enc_bytes(&e, m->block, m->block_len);
	rlp_enc_bytes(&e, sig, 65);
	rlp_enc_list_end(&e, mark);
	return rlp_enc_detach(&e, len);
}

static uint8_t *
t_vote(size_t *len, size_t signer, uint64_t type, uint64_t h, uint64_t r, const uint8_t *hash)
{
	struct tmsg m = { .type = type, .height = h, .round = r, .nil = hash == NULL };

	if (hash != NULL)
		memcpy(m.hash, hash, 32);
	return t_encode(len, keys[signer], &m);
}

static uint8_t *
t_proposal(size_t *len, size_t signer, uint64_t h, uint64_t r, const char *block)
{
	struct tmsg m = { .type = TBFT_PROPOSAL, .height = h, .round = r };

	m.block = (const uint8_t *)block;
	m.block_len = strlen(block);
	keccak256(m.hash, block, strlen(block));
	return t_encode(len, keys[signer], &m);
}

/* Returns: 0, or -1 for bytes that are no message. */
static int
t_decode(struct tmsg *m, const uint8_t *buf, size_t len)
{
	struct rlp_item top, it[7];
	size_t n, k = 3;

	memset(m, 0, sizeof(*m));
	if (rlp_decode(&top, buf, len) < 0 || rlp_list_count(&n, &top) < 0 || (n != 5 && n != 7) ||
	    rlp_list_split(it, n, &top) < 0 || rlp_item_u64(&m->type, &it[0]) < 0 ||
	    rlp_item_u64(&m->height, &it[1]) < 0 || rlp_item_u64(&m->round, &it[2]) < 0)
		return -1;
	if (n == 7) {
		if (rlp_item_u64(&m->pol1, &it[3]) < 0)
			return -1;
		k = 4;
		m->block = it[5].p;
		m->block_len = it[5].len;
	}
	m->nil = it[k].len == 0;
	if (!m->nil)
		memcpy(m->hash, it[k].p, 32);
	return 0;
}

/* Returns: a certificate [height, round, hash, sigs] of the precommits of
 * the validators in signers[0..n-1] (caller frees). */
static uint8_t *
t_cert(size_t *len, uint64_t h, uint64_t r, const uint8_t hash[32], const size_t *signers, size_t n)
{
	struct rlp_enc e;
	size_t mark, inner;

	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, h);
	rlp_enc_u64(&e, r);
	rlp_enc_bytes(&e, hash, 32);
	inner = rlp_enc_list_begin(&e);
	for (size_t i = 0; i < n; i++) {
		struct tmsg m = { .type = TBFT_PRECOMMIT, .height = h, .round = r };
		uint8_t digest[32], sig[65];

		memcpy(m.hash, hash, 32);
		t_digest(digest, CHAIN_ID, &m);
		CU_ASSERT_EQUAL_FATAL(secp_sign(secp, sig, digest, keys[signers[i]]), 0);
		rlp_enc_bytes(&e, sig, 65);
	}
	rlp_enc_list_end(&e, inner);
	rlp_enc_list_end(&e, mark);
	return rlp_enc_detach(&e, len);
}

/* --- the simulation ------------------------------------------------------ */

static uint64_t
rnd(struct sim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * UINT64_C(0x2545F4914F6CDD1D);
}

static uint64_t
rnd_below(struct sim *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static bool
event_before(const struct event *a, const struct event *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_push(struct sim *s, struct event ev)
{
	size_t i;

	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? 2 * s->capheap : 256;
		s->heap = xreallocarray(s->heap, s->capheap, sizeof(*s->heap));
	}
	i = s->nheap++;
	s->heap[i] = ev;
	while (i > 0 && event_before(&s->heap[i], &s->heap[(i - 1) / 2])) {
		struct event tmp = s->heap[i];

		s->heap[i] = s->heap[(i - 1) / 2];
		s->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static struct event
heap_pop(struct sim *s)
{
	struct event top = s->heap[0];
	size_t i = 0;

	s->heap[0] = s->heap[--s->nheap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct event tmp;

		if (l < s->nheap && event_before(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->nheap && event_before(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = tmp;
		i = m;
	}
	return top;
}

/* Puts msg on the link from one node to another, which may lose, delay or
 * duplicate it. */
static void
send(struct sim *s, size_t from, size_t to, const uint8_t *msg, size_t len)
{
	struct tmsg m;
	unsigned copies;

	if (s->group[from] != s->group[to])
		return;
	if (s->drop_proposals && t_decode(&m, msg, len) == 0 && m.type == TBFT_PROPOSAL)
		return;
	if (rnd_below(s, 1000) < s->drop_pm)
		return;
	copies = 1 + (rnd_below(s, 1000) < s->dup_pm);
	for (unsigned i = 0; i < copies; i++) {
		struct event ev = { .to = to, .len = len, .seq = s->seq++ };

		ev.at = s->now + s->delay_min + rnd_below(s, s->delay_max - s->delay_min + 1);
		ev.msg = xmalloc(len);
		memcpy(ev.msg, msg, len);
		heap_push(s, ev);
	}
}

static void
decided_check(struct sim *s, uint64_t h, const uint8_t hash[32])
{
	if (h > s->ndecided) {
		size_t n = s->ndecided ? 2 * s->ndecided : 64;

		while (n < h)
			n *= 2;
		s->decided = xreallocarray(s->decided, n, sizeof(*s->decided));
		memset(s->decided + s->ndecided, 0, (n - s->ndecided) * sizeof(*s->decided));
		s->ndecided = n;
	}
	if (!s->decided[h - 1].has) {
		s->decided[h - 1].has = true;
		memcpy(s->decided[h - 1].hash, hash, 32);
	} else if (memcmp(s->decided[h - 1].hash, hash, 32) != 0) {
		s->violations++;
		CU_FAIL("two different blocks committed at one height");
	}
}

static void
chain_append(struct node *n, uint64_t h, const uint8_t *block, size_t len, const uint8_t hash[32],
	     const uint8_t *cert, size_t cert_len)
{
	struct rlp_item top, it[4];
	struct blk *b;

	CU_ASSERT_EQUAL_FATAL(h, n->nchain + 1);
	if (n->nchain == n->capchain) {
		n->capchain = n->capchain ? 2 * n->capchain : 64;
		n->chain = xreallocarray(n->chain, n->capchain, sizeof(*n->chain));
	}
	b = &n->chain[n->nchain++];
	b->block = xmalloc(len + 1);
	memcpy(b->block, block, len);
	b->block[len] = 0;
	b->len = len;
	memcpy(b->hash, hash, 32);
	b->cert = xmalloc(cert_len);
	memcpy(b->cert, cert, cert_len);
	b->cert_len = cert_len;
	b->at = n->sim->now;
	b->round = UINT64_MAX;
	if (rlp_decode(&top, cert, cert_len) == 0 && rlp_list_split(it, 4, &top) == 0)
		CU_ASSERT_EQUAL(rlp_item_u64(&b->round, &it[1]), 0);
	decided_check(n->sim, h, hash);
}

static int
h_propose(void *arg, uint64_t height, uint8_t **block, size_t *len, uint8_t hash[32])
{
	struct node *n = arg;
	char *b;

	n->nonce++;
	*len = (size_t)xasprintf(&b, "h=%" PRIu64 " by v%zu #%" PRIu64,
				 n->bad_blocks ? height + 1000 : height, n->idx, n->nonce);
	*block = (uint8_t *)b;
	keccak256(hash, b, *len);
	return 0;
}

static bool
h_valid(void *arg, uint64_t height, const uint8_t *block, size_t len, const uint8_t hash[32])
{
	uint8_t h[32];
	char want[32];
	int k = snprintf(want, sizeof(want), "h=%" PRIu64 " by v", height);

	(void)arg;
	keccak256(h, block, len);
	return memcmp(h, hash, 32) == 0 && len > (size_t)k && memcmp(block, want, (size_t)k) == 0;
}

static void
h_commit(void *arg, uint64_t height, const uint8_t *block, size_t len, const uint8_t hash[32],
	 const uint8_t *cert, size_t cert_len)
{
	struct node *n = arg;
	char *why = NULL;

	if (n->sim->verify_certs) {
		CU_ASSERT_EQUAL(tbft_verify_commit(&n->sim->cfg, &why, height, hash, cert, cert_len),
				0);
		if (why != NULL)
			fprintf(stderr, "certificate refused: %s\n", why);
		free(why);
	}
	chain_append(n, height, block, len, hash, cert, cert_len);
}

static void byz_broadcast(struct node *n, const uint8_t *msg, size_t len);

static void
h_broadcast(void *arg, const uint8_t *msg, size_t len)
{
	struct node *n = arg;
	struct sim *s = n->sim;
	struct tmsg m;

	n->sent++;
	CU_ASSERT_EQUAL_FATAL(t_decode(&m, msg, len), 0);
	n->sent_h1r0 += m.height == 1 && m.round == 0;
	if (n->byz) {
		byz_broadcast(n, msg, len);
		return;
	}
	for (size_t j = 0; j < s->nnodes; j++)
		if (j != n->idx)
			send(s, n->idx, j, msg, len);
}

static int
h_sign(void *arg, uint8_t sig[65], const uint8_t digest[32])
{
	struct node *n = arg;

	n->signs++;
	return secp_sign(secp, sig, digest, keys[n->idx]);
}

static void
h_schedule(void *arg, uint64_t delay)
{
	struct node *n = arg;

	n->timer = n->sim->now + delay;
}

static uint64_t
h_now(void *arg)
{
	struct node *n = arg;

	return n->sim->now;
}

static bool
h_has_txs(void *arg)
{
	struct node *n = arg;

	return n->txs;
}

static void
h_evidence(void *arg, const uint8_t validator[20], const char *what)
{
	struct node *n = arg;

	CU_ASSERT_PTR_NOT_NULL(what);
	n->evidence++;
	memcpy(n->accused, validator, 20);
	for (size_t i = 0; i < n->sim->nvals; i++)
		if (memcmp(addrs[i], validator, 20) == 0 && !n->sim->nodes[i].byz)
			n->accused_honest = true;
}

static void
h_behind(void *arg, uint64_t height)
{
	struct node *n = arg;

	CU_ASSERT(height > n->nchain + 1);
	n->wants_sync = true;
}

static int
h_persist(void *arg, const uint8_t *state, size_t len)
{
	struct node *n = arg;

	free(n->record);
	n->record = xmalloc(len);
	memcpy(n->record, state, len);
	n->record_len = len;
	return 0;
}

/* The Byzantine node sends each peer its message, a conflicting one it
 * signs too (another block, or nil against a hash), or both. */
static void
byz_broadcast(struct node *n, const uint8_t *msg, size_t len)
{
	struct sim *s = n->sim;
	struct tmsg m, alt;
	uint8_t *other;
	size_t olen;
	char *block = NULL;

	CU_ASSERT_EQUAL_FATAL(t_decode(&m, msg, len), 0);
	alt = m;
	if (m.type == TBFT_PROPOSAL) {
		xasprintf(&block, "h=%" PRIu64 " by v%zu evil #%" PRIu64, m.height, n->idx,
			  rnd(s));
		alt.block = (const uint8_t *)block;
		alt.block_len = strlen(block);
		keccak256(alt.hash, block, alt.block_len);
	} else if (m.nil) {
		alt.nil = false;
		for (size_t i = 0; i < 32; i++)
			alt.hash[i] = (uint8_t)rnd(s);
	} else {
		alt.nil = true;
	}
	other = t_encode(&olen, keys[n->idx], &alt);
	for (size_t j = 0; j < s->nnodes; j++) {
		if (j == n->idx)
			continue;
		switch (rnd_below(s, 4)) {
		case 0:
			send(s, n->idx, j, msg, len);
			break;
		case 1:
			send(s, n->idx, j, other, olen);
			break;
		default:
			send(s, n->idx, j, msg, len);
			send(s, n->idx, j, other, olen);
			break;
		}
	}
	free(other);
	free(block);
}

static struct tbft_host
host_of(struct node *n)
{
	struct tbft_host h = {
		.arg = n, .propose = h_propose, .valid = h_valid, .commit = h_commit,
		.broadcast = h_broadcast, .sign = h_sign, .schedule = h_schedule,
		.now_ms = h_now, .has_txs = h_has_txs, .evidence = h_evidence,
		.behind = h_behind, .persist = h_persist,
	};

	return h;
}

static struct sim *
sim_new(size_t nvals, size_t nfollowers, uint64_t seed)
{
	struct sim *s = xcalloc(1, sizeof(*s));

	CU_ASSERT_FATAL(nvals + nfollowers <= MAXN);
	s->nvals = nvals;
	s->nnodes = nvals + nfollowers;
	s->rng = seed * UINT64_C(0x9E3779B97F4A7C15) | 1;
	s->now = 1000000;
	s->delay_min = 5;
	s->delay_max = 20;
	s->verify_certs = true;
	s->cfg.chain_id = CHAIN_ID;
	s->cfg.validators = (const uint8_t(*)[20])addrs;
	s->cfg.nvalidators = nvals;
	s->cfg.empty_blocks = true;
	s->cfg.timeout_propose_ms = 300;
	s->cfg.timeout_propose_delta_ms = 100;
	s->cfg.timeout_prevote_ms = 100;
	s->cfg.timeout_prevote_delta_ms = 50;
	s->cfg.timeout_precommit_ms = 100;
	s->cfg.timeout_precommit_delta_ms = 50;
	s->cfg.rebroadcast_ms = 250;
	for (size_t i = 0; i < s->nnodes; i++) {
		s->nodes[i].sim = s;
		s->nodes[i].idx = i;
		s->nodes[i].timer = NEVER;
		s->nodes[i].txs = true;
	}
	return s;
}

static void
node_start(struct sim *s, size_t i)
{
	struct node *n = &s->nodes[i];
	struct tbft_config cfg = s->cfg;
	struct tbft_host host = host_of(n);
	char *cause = NULL;

	memcpy(cfg.self, addrs[i], 20);
	n->t = tbft_new(&cfg, &host, n->nchain + 1, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n->t);
	if (n->record != NULL)
		CU_ASSERT_EQUAL(tbft_load(n->t, &cause, n->record, n->record_len), 0);
	free(cause);
	n->up = true;
	n->timer = NEVER;
	tbft_start(n->t);
}

static void
node_crash(struct sim *s, size_t i)
{
	struct node *n = &s->nodes[i];

	tbft_free(n->t);
	n->t = NULL;
	n->up = false;
	n->timer = NEVER;
	n->wants_sync = false;
}

static void
sim_start(struct sim *s)
{
	for (size_t i = 0; i < s->nnodes; i++)
		node_start(s, i);
}

static void
sim_free(struct sim *s)
{
	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];

		tbft_free(n->t);
		for (size_t h = 0; h < n->nchain; h++) {
			free(n->chain[h].block);
			free(n->chain[h].cert);
		}
		free(n->chain);
		free(n->record);
	}
	for (size_t i = 0; i < s->nheap; i++)
		free(s->heap[i].msg);
	free(s->heap);
	free(s->decided);
	free(s);
}

/* Hands node i the blocks, with their certificates, of the longest chain
 * it can reach, as block sync would; each certificate is checked. */
static void
sync_node(struct sim *s, size_t i)
{
	struct node *n = &s->nodes[i], *src = NULL;
	char *why = NULL;

	for (size_t j = 0; j < s->nnodes; j++) {
		struct node *m = &s->nodes[j];

		if (j != i && m->up && s->group[j] == s->group[i] &&
		    m->nchain > (src ? src->nchain : n->nchain))
			src = m;
	}
	if (src == NULL)
		return;
	while (n->nchain < src->nchain) {
		struct blk *b = &src->chain[n->nchain];
		uint64_t h = n->nchain + 1;

		CU_ASSERT_EQUAL(tbft_verify_commit(&s->cfg, &why, h, b->hash, b->cert, b->cert_len),
				0);
		free(why);
		why = NULL;
		chain_append(n, h, b->block, b->len, b->hash, b->cert, b->cert_len);
	}
	s->syncs++;
	n->syncs++;
	tbft_set_height(n->t, n->nchain + 1);
}

/* Runs the next event, unless it comes after until.
 * Returns: whether one ran. */
static bool
sim_step(struct sim *s, uint64_t until)
{
	uint64_t next = NEVER;
	size_t who = SIZE_MAX;
	bool msg;

	for (size_t i = 0; i < s->nnodes; i++) {
		if (s->nodes[i].up && s->nodes[i].timer < next) {
			next = s->nodes[i].timer;
			who = i;
		}
	}
	msg = s->nheap > 0 && s->heap[0].at <= next;
	if (msg)
		next = s->heap[0].at;
	if (next == NEVER || next > until) {
		s->now = until;
		return false;
	}
	if (next > s->now) {
		s->now = next;
		s->same_time = 0;
	} else if (++s->same_time > 1000000) {
		CU_FAIL("the simulation does not advance");
		return false;
	}
	if (msg) {
		struct event ev = heap_pop(s);
		char *why = NULL;

		if (s->nodes[ev.to].up) {
			(void)tbft_receive(s->nodes[ev.to].t, &why, ev.msg, ev.len);
			s->delivered++;
		}
		free(why);
		free(ev.msg);
	} else {
		s->nodes[who].timer = NEVER;
		tbft_tick(s->nodes[who].t);
	}
	for (size_t i = 0; i < s->nnodes; i++) {
		if (s->nodes[i].up && s->nodes[i].wants_sync) {
			s->nodes[i].wants_sync = false;
			sync_node(s, i);
		}
	}
	return true;
}

static void
sim_run_for(struct sim *s, uint64_t ms)
{
	uint64_t until = s->now + ms;

	while (sim_step(s, until))
		;
}

/* Prints where each node is, for a failure's report. */
static void
sim_dump(const struct sim *s, const char *why)
{
	fprintf(stderr, "\n  %s at %" PRIu64 " ms:\n", why, s->now);
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct node *n = &s->nodes[i];
		uint64_t h = 0;
		uint32_t r = 0;
		const char *step = "down";

		if (n->up)
			tbft_status(n->t, &h, &r, &step);
		fprintf(stderr, "    node %zu%s: %zu blocks, height %" PRIu64 " round %" PRIu32
			" %s, group %d\n", i, n->byz ? " (byz)" : "", n->nchain, h, r, step,
			s->group[i]);
	}
}

/* Returns: whether every up node reached height h (committed h blocks)
 * within ms. */
static bool
sim_run_to(struct sim *s, uint64_t h, uint64_t ms)
{
	uint64_t until = s->now + ms;

	for (;;) {
		bool all = true;

		for (size_t i = 0; i < s->nnodes; i++)
			all = all && (!s->nodes[i].up || s->nodes[i].ignored ||
				      s->nodes[i].nchain >= h);
		if (all)
			return true;
		if (!sim_step(s, until)) {
			sim_dump(s, "stalled");
			return false;
		}
	}
}

static size_t
max_height(const struct sim *s)
{
	size_t h = 0;

	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].nchain > h)
			h = s->nodes[i].nchain;
	return h;
}

/* Checks that block h of node n was proposed by validator v. */
static bool
proposed_by(const struct node *n, uint64_t h, size_t v)
{
	char want[48];
	int k = snprintf(want, sizeof(want), "h=%" PRIu64 " by v%zu ", h, v);

	return n->chain[h - 1].len > (size_t)k && memcmp(n->chain[h - 1].block, want, (size_t)k) == 0;
}

static void
set_calm(struct sim *s)
{
	s->drop_pm = 0;
	s->dup_pm = 0;
	s->delay_min = 5;
	s->delay_max = 20;
	memset(s->group, 0, sizeof(s->group));
}

/* --- tests ------------------------------------------------------------- */

static void
test_tbft_new_errors(void)
{
	struct sim *s = sim_new(4, 0, 1);
	struct tbft_host host = host_of(&s->nodes[0]);
	struct tbft_config cfg = s->cfg;
	uint8_t dup[2][20];
	char *cause = NULL;

	memcpy(cfg.self, addrs[0], 20);
	cfg.nvalidators = 0;
	CU_ASSERT_PTR_NULL(tbft_new(&cfg, &host, 1, &cause));
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);
	cause = NULL;
	memcpy(dup[0], addrs[1], 20);
	memcpy(dup[1], addrs[1], 20);
	cfg.validators = (const uint8_t(*)[20])dup;
	cfg.nvalidators = 2;
	CU_ASSERT_PTR_NULL(tbft_new(&cfg, &host, 1, &cause));
	CU_ASSERT(cause != NULL && strstr(cause, "twice") != NULL);
	free(cause);
	cause = NULL;
	cfg = s->cfg;
	memcpy(cfg.self, addrs[0], 20);
	CU_ASSERT_PTR_NULL(tbft_new(&cfg, &host, 0, &cause));
	free(cause);
	cause = NULL;
	host.sign = NULL;
	CU_ASSERT_PTR_NULL(tbft_new(&cfg, &host, 1, &cause));
	free(cause);
	cause = NULL;
	/* A full node needs no signing key. */
	memcpy(cfg.self, addrs[OUTSIDER], 20);
	tbft_free(tbft_new(&cfg, &host, 1, &cause));
	CU_ASSERT_PTR_NULL(cause);
	tbft_free(NULL);
	/* The proposer rotates with height and round. */
	CU_ASSERT_EQUAL(tbft_proposer(&cfg, 1, 0), 1);
	CU_ASSERT_EQUAL(tbft_proposer(&cfg, 1, 3), 0);
	CU_ASSERT_EQUAL(tbft_proposer(&cfg, 6, 1), 3);
	sim_free(s);
}

/* One validator decides alone. */
static void
test_tbft_single(void)
{
	struct sim *s = sim_new(1, 0, 2);

	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 10, 10000));
	for (uint64_t h = 1; h <= 10; h++)
		CU_ASSERT_TRUE(proposed_by(&s->nodes[0], h, 0));
	sim_free(s);
}

/* Four healthy validators: every height in round 0, proposers in turn,
 * certificates that verify, and no evidence. */
static void
test_tbft_four_healthy(void)
{
	struct sim *s = sim_new(4, 0, 3);
	uint64_t h;
	uint32_t r;
	const char *step;

	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 30, 60000));
	for (size_t i = 0; i < 4; i++) {
		struct node *n = &s->nodes[i];

		for (h = 1; h <= 30; h++) {
			CU_ASSERT_EQUAL(n->chain[h - 1].round, 0);
			CU_ASSERT_TRUE(proposed_by(n, h, h % 4));
		}
		CU_ASSERT_EQUAL(n->evidence, 0);
		tbft_status(n->t, &h, &r, &step);
		CU_ASSERT(h > 30);
		CU_ASSERT_PTR_NOT_NULL(step);
	}
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

/* Seven validators and a full node that follows without signing. */
static void
test_tbft_seven_and_follower(void)
{
	struct sim *s = sim_new(7, 1, 4);
	struct node *f = &s->nodes[7];

	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 20, 60000));
	CU_ASSERT_EQUAL(f->signs, 0);
	CU_ASSERT(f->nchain >= 20);
	for (uint64_t h = 1; h <= 20; h++)
		CU_ASSERT_TRUE(proposed_by(f, h, h % 7));
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

/* One of four crashed: its heights time out in round 0 and the next
 * proposer's block is decided in round 1. */
static void
test_tbft_one_crashed(void)
{
	struct sim *s = sim_new(4, 0, 5);
	struct node *n = &s->nodes[0];

	sim_start(s);
	node_crash(s, 3);
	CU_ASSERT_TRUE(sim_run_to(s, 20, 120000));
	for (uint64_t h = 1; h <= 20; h++) {
		if (h % 4 == 3) {
			CU_ASSERT_EQUAL(n->chain[h - 1].round, 1);
			CU_ASSERT_TRUE(proposed_by(n, h, 0));
		} else {
			CU_ASSERT_EQUAL(n->chain[h - 1].round, 0);
			CU_ASSERT_TRUE(proposed_by(n, h, h % 4));
		}
	}
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

/* Two of four crashed: nothing is decided.  One returns (restarting from
 * its record): the network resumes. */
static void
test_tbft_two_crashed(void)
{
	struct sim *s = sim_new(4, 0, 6);
	size_t before;

	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 5, 30000));
	node_crash(s, 2);
	node_crash(s, 3);
	sim_run_for(s, 2000);
	before = max_height(s);
	sim_run_for(s, 30000);
	CU_ASSERT_EQUAL(max_height(s), before);
	node_start(s, 2);
	CU_ASSERT_TRUE(sim_run_to(s, before + 5, 60000));
	node_start(s, 3);
	CU_ASSERT_TRUE(sim_run_to(s, before + 10, 60000));
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(s->nodes[i].evidence, 0);
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

/* A 2|2 partition halts; healing it resumes. */
static void
test_tbft_partition_halves(void)
{
	struct sim *s = sim_new(4, 0, 7);
	size_t before;

	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 5, 30000));
	s->group[2] = s->group[3] = 1;
	sim_run_for(s, 2000);
	before = max_height(s);
	sim_run_for(s, 30000);
	CU_ASSERT_EQUAL(max_height(s), before);
	set_calm(s);
	CU_ASSERT_TRUE(sim_run_to(s, before + 5, 60000));
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

/* A 3|1 partition: the three go on; after healing, the one catches up
 * through blocks and certificates handed to it, and takes part again: the
 * others cannot decide without it once one of them crashes. */
static void
test_tbft_partition_three_one(void)
{
	struct sim *s = sim_new(4, 0, 8);
	size_t alone;

	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 5, 30000));
	s->group[3] = 1;
	sim_run_for(s, 1000);
	alone = s->nodes[3].nchain;
	s->nodes[3].ignored = true;
	CU_ASSERT_TRUE(sim_run_to(s, alone + 20, 60000));
	s->nodes[3].ignored = false;
	CU_ASSERT_EQUAL(s->nodes[3].nchain, alone);
	CU_ASSERT_EQUAL(s->nodes[3].syncs, 0);
	set_calm(s);
	CU_ASSERT_TRUE(sim_run_to(s, max_height(s) + 5, 60000));
	CU_ASSERT(s->nodes[3].syncs > 0);
	node_crash(s, 0);
	CU_ASSERT_TRUE(sim_run_to(s, max_height(s) + 5, 60000));
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

static void
byzantine_run(size_t nvals, const size_t *byz, size_t nbyz, uint64_t seed, uint64_t heights)
{
	struct sim *s = sim_new(nvals, 0, seed);
	unsigned evidence = 0;

	for (size_t i = 0; i < nbyz; i++)
		s->nodes[byz[i]].byz = true;
	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, heights, 600000));
	for (size_t i = 0; i < nvals; i++) {
		if (s->nodes[i].byz)
			continue;
		evidence += s->nodes[i].evidence;
		CU_ASSERT_FALSE(s->nodes[i].accused_honest);
	}
	CU_ASSERT(evidence > 0);
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

/* A validator that double-votes and double-proposes: safety and progress
 * hold, and the honest ones report it, and only it. */
static void
test_tbft_byzantine_four(void)
{
	const size_t byz[] = { 1 };

	byzantine_run(4, byz, 1, 9, 40);
}

static void
test_tbft_byzantine_seven(void)
{
	const size_t byz[] = { 2, 5 };

	byzantine_run(7, byz, 2, 10, 30);
}

/* A validator whose blocks fail validation never gets one decided. */
static void
test_tbft_invalid_proposer(void)
{
	struct sim *s = sim_new(4, 0, 11);

	s->nodes[2].bad_blocks = true;
	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 12, 120000));
	for (uint64_t h = 1; h <= 12; h++) {
		CU_ASSERT_FALSE(proposed_by(&s->nodes[0], h, 2));
		CU_ASSERT_EQUAL(s->nodes[0].chain[h - 1].round, h % 4 == 2 ? 1u : 0u);
	}
	sim_free(s);
}

/* With every proposal lost, rounds time out, each longer than the last by
 * the propose and precommit deltas. */
static void
test_tbft_growing_timeouts(void)
{
	struct sim *s = sim_new(4, 0, 12);
	uint64_t entered[8] = { 0 }, d[7];
	uint64_t h;
	uint32_t r = 0, seen = 0;

	s->delay_min = s->delay_max = 5;
	s->drop_proposals = true;
	sim_start(s);
	entered[0] = s->now;
	while (seen < 7 && sim_step(s, s->now + 100000)) {
		tbft_status(s->nodes[0].t, &h, &r, NULL);
		CU_ASSERT_EQUAL(h, 1);
		if (r > seen && r < 8) {
			CU_ASSERT_EQUAL(r, seen + 1);
			seen = r;
			entered[r] = s->now;
		}
	}
	CU_ASSERT_EQUAL_FATAL(seen, 7);
	for (size_t i = 0; i < 7; i++)
		d[i] = entered[i + 1] - entered[i];
	/* timeout_propose(r) + timeout_precommit(r) + two hops. */
	for (size_t i = 0; i < 7; i++) {
		uint64_t want = 300 + 100 * i + 100 + 50 * i + 10;

		CU_ASSERT(d[i] + 10 >= want && d[i] <= want + 10);
	}
	CU_ASSERT_EQUAL(max_height(s), 0);
	s->drop_proposals = false;
	CU_ASSERT_TRUE(sim_run_to(s, 2, 30000));
	CU_ASSERT(s->nodes[0].chain[0].round >= 7);
	sim_free(s);
}

/* block_time paces the chain: a proposal waits for it after each commit. */
static void
test_tbft_block_time(void)
{
	struct sim *s = sim_new(4, 0, 13);

	s->cfg.block_time_ms = 200;
	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 10, 30000));
	for (size_t i = 0; i < 4; i++) {
		struct node *n = &s->nodes[i];

		for (size_t h = 1; h < 10; h++) {
			uint64_t gap = n->chain[h].at - n->chain[h - 1].at;

			CU_ASSERT(gap >= 200 - 20 && gap < 200 + 100);
		}
	}
	sim_free(s);
}

/* empty_blocks false: an idle network sends nothing and decides nothing;
 * transactions start it, and it stops again when they are gone. */
static void
test_tbft_empty_blocks(void)
{
	struct sim *s = sim_new(4, 0, 14);
	unsigned sent = 0;
	size_t before;

	s->cfg.empty_blocks = false;
	s->cfg.block_time_ms = 100;
	for (size_t i = 0; i < 4; i++)
		s->nodes[i].txs = false;
	sim_start(s);
	sim_run_for(s, 5000);
	CU_ASSERT_EQUAL(max_height(s), 0);
	for (size_t i = 0; i < 4; i++) {
		const char *step;

		sent += s->nodes[i].sent;
		tbft_status(s->nodes[i].t, NULL, NULL, &step);
		CU_ASSERT_STRING_EQUAL(step, "wait");
	}
	CU_ASSERT_EQUAL(sent, 0);
	for (size_t i = 0; i < 4; i++) {
		s->nodes[i].txs = true;
		tbft_nudge(s->nodes[i].t);
	}
	CU_ASSERT_TRUE(sim_run_to(s, 3, 10000));
	for (size_t i = 0; i < 4; i++)
		s->nodes[i].txs = false;
	sim_run_for(s, 2000);
	before = max_height(s);
	sent = 0;
	for (size_t i = 0; i < 4; i++)
		sent += s->nodes[i].sent;
	sim_run_for(s, 5000);
	CU_ASSERT_EQUAL(max_height(s), before);
	for (size_t i = 0; i < 4; i++)
		sent -= s->nodes[i].sent;
	CU_ASSERT_EQUAL(sent, 0);
	/* Transactions at one validator that is not the next proposer: its
	 * nil prevote wakes the others, and a block is decided. */
	for (size_t i = 0; i < 4; i++) {
		if (i != (before + 1) % 4) {
			s->nodes[i].txs = true;
			tbft_nudge(s->nodes[i].t);
			break;
		}
	}
	CU_ASSERT_TRUE(sim_run_to(s, before + 1, 10000));
	sim_free(s);
}

/* A validator cut off at the end of a height, in a network that then goes
 * idle (empty_blocks false, no transactions): once it hears from it again,
 * a peer sends it what decided that height, without any block sync. */
static void
test_tbft_idle_catch_up(void)
{
	struct sim *s = sim_new(4, 0, 19);

	s->cfg.empty_blocks = false;
	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 2, 10000));
	s->group[3] = 1;
	for (size_t i = 0; i < 3; i++)
		s->nodes[i].txs = false;
	sim_run_for(s, 5000);
	CU_ASSERT(s->nodes[0].nchain > s->nodes[3].nchain);
	CU_ASSERT_EQUAL(s->nodes[0].nchain, s->nodes[1].nchain);
	s->nodes[3].txs = false;
	set_calm(s);
	CU_ASSERT_TRUE(sim_run_to(s, s->nodes[0].nchain, 5000));
	CU_ASSERT_EQUAL(s->nodes[3].nchain, s->nodes[0].nchain);
	CU_ASSERT_EQUAL(s->nodes[3].syncs, 0);
	CU_ASSERT_EQUAL(s->violations, 0);
	sim_free(s);
}

/* A restarted validator never signs again where its record says it
 * signed, and keeps its lock. */
static void
test_tbft_restart_record(void)
{
	struct sim *s = sim_new(4, 0, 15);
	struct rlp_enc e;
	size_t mark, inner, len;
	uint8_t *rec, hash[32];
	const char *locked = "h=1 by v0 locked";
	char *why = NULL;

	/* Node 0 signed up to the precommit of height 1 round 0. */
	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, 1);
	rlp_enc_u64(&e, 1);
	rlp_enc_u64(&e, 0);
	rlp_enc_u64(&e, TBFT_PRECOMMIT);
	rlp_enc_u64(&e, 0);
	rlp_enc_bytes(&e, NULL, 0);
	rlp_enc_bytes(&e, NULL, 0);
	rlp_enc_list_end(&e, rlp_enc_list_begin(&e)); /* no messages */
	rlp_enc_list_end(&e, mark);
	s->nodes[0].record = rlp_enc_detach(&e, &s->nodes[0].record_len);
	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 3, 30000));
	CU_ASSERT_EQUAL(s->nodes[0].sent_h1r0, 0);
	CU_ASSERT(s->nodes[1].sent_h1r0 > 0);
	CU_ASSERT_EQUAL(tbft_load(s->nodes[0].t, &why, s->nodes[0].record,
				  s->nodes[0].record_len), -EALREADY);
	free(why);
	why = NULL;
	sim_free(s);

	/* A lone validator that precommitted a block in round 0, locked on
	 * it, decides that block. */
	s = sim_new(1, 0, 16);
	keccak256(hash, locked, strlen(locked));
	rec = t_vote(&len, 0, TBFT_PRECOMMIT, 1, 0, hash);
	rlp_enc_init(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_u64(&e, 1);
	rlp_enc_u64(&e, 1);
	rlp_enc_u64(&e, 0);
	rlp_enc_u64(&e, TBFT_PRECOMMIT);
	rlp_enc_u64(&e, 1);
	rlp_enc_bytes(&e, hash, 32);
	rlp_enc_bytes(&e, (const uint8_t *)locked, strlen(locked));
	inner = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, rec, len);
	rlp_enc_list_end(&e, inner);
	rlp_enc_list_end(&e, mark);
	free(rec);
	s->nodes[0].record = rlp_enc_detach(&e, &s->nodes[0].record_len);
	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 2, 30000));
	CU_ASSERT_STRING_EQUAL((char *)s->nodes[0].chain[0].block, locked);
	CU_ASSERT_EQUAL(s->nodes[0].chain[0].round, 0);

	/* Records that are not records. */
	{
		struct tbft_config cfg = s->cfg;
		struct tbft_host host = host_of(&s->nodes[0]);
		struct tbft *t;

		memcpy(cfg.self, addrs[0], 20);
		t = tbft_new(&cfg, &host, 1, &why);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		rec = (uint8_t *)"\xc3\x01\x02\x03";
		CU_ASSERT_EQUAL(tbft_load(t, &why, rec, 4), -EBADMSG);
		CU_ASSERT_PTR_NOT_NULL(why);
		free(why);
		why = NULL;
		len = s->nodes[0].record_len;
		CU_ASSERT_EQUAL(tbft_load(t, &why, s->nodes[0].record, len - 1), -EBADMSG);
		free(why);
		why = NULL;
		tbft_free(t);
	}
	sim_free(s);
}

/* Every validator crashes at once, mid-height, and restarts from its
 * record: no fork, no equivocation, and the chain goes on. */
static void
test_tbft_restart_all(void)
{
	for (uint64_t seed = 20; seed < 26; seed++) {
		struct sim *s = sim_new(4, 0, seed);

		sim_start(s);
		CU_ASSERT_TRUE(sim_run_to(s, 3, 30000));
		sim_run_for(s, 1 + rnd_below(s, 60));
		for (size_t i = 0; i < 4; i++)
			node_crash(s, i);
		for (size_t i = 0; i < 4; i++)
			node_start(s, i);
		CU_ASSERT_TRUE(sim_run_to(s, max_height(s) + 5, 60000));
		for (size_t i = 0; i < 4; i++)
			CU_ASSERT_EQUAL(s->nodes[i].evidence, 0);
		CU_ASSERT_EQUAL(s->violations, 0);
		sim_free(s);
	}
}

/* Certificates: real ones pass; forged, short, foreign, duplicated and
 * misplaced ones do not. */
static void
test_tbft_verify_commit(void)
{
	struct sim *s = sim_new(4, 0, 17);
	struct tbft_config other;
	struct blk *b;
	uint8_t *cert, hash[32];
	size_t len;
	char *why = NULL;
	const size_t three[] = { 0, 2, 3 }, two[] = { 1, 3 }, dup[] = { 0, 0, 1 };
	const size_t stranger[] = { 0, 1, OUTSIDER };

#define REFUSED(rc_, expr)                                                     \
	do {                                                                   \
		CU_ASSERT_EQUAL((expr), (rc_));                                \
		CU_ASSERT_PTR_NOT_NULL(why);                                   \
		free(why);                                                     \
		why = NULL;                                                    \
	} while (0)

	sim_start(s);
	CU_ASSERT_TRUE(sim_run_to(s, 3, 30000));
	b = &s->nodes[1].chain[1];
	CU_ASSERT_EQUAL(tbft_verify_commit(&s->cfg, &why, 2, b->hash, b->cert, b->cert_len), 0);
	CU_ASSERT_PTR_NULL(why);
	REFUSED(-EINVAL, tbft_verify_commit(&s->cfg, &why, 3, b->hash, b->cert, b->cert_len));
	REFUSED(-EINVAL, tbft_verify_commit(&s->cfg, &why, 2, s->nodes[1].chain[0].hash, b->cert,
					    b->cert_len));
	other = s->cfg;
	other.chain_id = 1;
	REFUSED(-EPERM, tbft_verify_commit(&other, &why, 2, b->hash, b->cert, b->cert_len));
	/* Flip a bit of the first signature's s. */
	cert = xmalloc(b->cert_len);
	memcpy(cert, b->cert, b->cert_len);
	cert[b->cert_len - 65 * 3 - 2] ^= 1;
	REFUSED(-EPERM, tbft_verify_commit(&s->cfg, &why, 2, b->hash, cert, b->cert_len));
	free(cert);
	REFUSED(-EBADMSG, tbft_verify_commit(&s->cfg, &why, 2, b->hash, b->cert, b->cert_len - 1));
	REFUSED(-EBADMSG, tbft_verify_commit(&s->cfg, &why, 2, b->hash, NULL, 0));

	keccak256(hash, "some block", 10);
	cert = t_cert(&len, 7, 2, hash, three, 3);
	CU_ASSERT_EQUAL(tbft_verify_commit(&s->cfg, &why, 7, hash, cert, len), 0);
	free(cert);
	cert = t_cert(&len, 7, 2, hash, two, 2);
	REFUSED(-EPERM, tbft_verify_commit(&s->cfg, &why, 7, hash, cert, len));
	free(cert);
	cert = t_cert(&len, 7, 2, hash, dup, 3);
	REFUSED(-EINVAL, tbft_verify_commit(&s->cfg, &why, 7, hash, cert, len));
	free(cert);
	cert = t_cert(&len, 7, 2, hash, stranger, 3);
	REFUSED(-EPERM, tbft_verify_commit(&s->cfg, &why, 7, hash, cert, len));
	free(cert);
	sim_free(s);
#undef REFUSED
}

/* What tbft_receive() refuses, and why. */
static void
test_tbft_receive_refuses(void)
{
	struct sim *s = sim_new(4, 0, 18);
	struct node *n = &s->nodes[0];
	struct tmsg m;
	uint8_t *msg, hash[32], hash2[32];
	size_t len;
	char *why = NULL;
	struct tbft *idle;
	struct tbft_config cfg = s->cfg;
	struct tbft_host host = host_of(n);

#define EXPECT(rc_, text, expr)                                                \
	do {                                                                   \
		CU_ASSERT_EQUAL((expr), (rc_));                                \
		if ((rc_) != 0)                                                \
			CU_ASSERT(why != NULL && strstr(why, (text)) != NULL); \
		free(why);                                                     \
		why = NULL;                                                    \
	} while (0)

	keccak256(hash, "a", 1);
	keccak256(hash2, "b", 1);
	memcpy(cfg.self, addrs[0], 20);
	idle = tbft_new(&cfg, &host, 1, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(idle);
	msg = t_vote(&len, 1, TBFT_PREVOTE, 1, 0, hash);
	EXPECT(-EAGAIN, "not started", tbft_receive(idle, &why, msg, len));
	tbft_free(idle);

	node_start(s, 0);
	EXPECT(0, "", tbft_receive(n->t, &why, msg, len));
	EXPECT(-EALREADY, "duplicate", tbft_receive(n->t, &why, msg, len));
	free(msg);
	/* The same validator votes nil, then for another block. */
	msg = t_vote(&len, 1, TBFT_PREVOTE, 1, 0, NULL);
	EXPECT(-EEXIST, "equivocation", tbft_receive(n->t, &why, msg, len));
	free(msg);
	CU_ASSERT_EQUAL(n->evidence, 1);
	CU_ASSERT_EQUAL(memcmp(n->accused, addrs[1], 20), 0);
	msg = t_vote(&len, 1, TBFT_PREVOTE, 1, 0, hash2);
	EXPECT(-EEXIST, "equivocation", tbft_receive(n->t, &why, msg, len));
	free(msg);
	CU_ASSERT_EQUAL(n->evidence, 1);
	/* Not a validator. */
	msg = t_vote(&len, OUTSIDER, TBFT_PRECOMMIT, 1, 0, hash);
	EXPECT(-EPERM, "not a validator", tbft_receive(n->t, &why, msg, len));
	free(msg);
	/* A signature with r = 0 recovers nothing. */
	msg = t_vote(&len, 2, TBFT_PRECOMMIT, 1, 0, hash);
	memset(msg + len - 65, 0, 32);
	EXPECT(-EPERM, "bad signature", tbft_receive(n->t, &why, msg, len));
	free(msg);
	/* A signature of another message recovers someone else. */
	m = (struct tmsg){ .type = TBFT_PRECOMMIT, .height = 1, .round = 0 };
	memcpy(m.hash, hash, 32);
	msg = t_encode(&len, keys[2], &m);
	msg[len - 68] ^= 1; /* the hash's last byte, before the signature's 67 */
	EXPECT(-EPERM, "not a validator", tbft_receive(n->t, &why, msg, len));
	free(msg);
	/* Height 1 round 0 is validator 1's to propose. */
	msg = t_proposal(&len, 2, 1, 0, "h=1 by v2 #1");
	EXPECT(-EPERM, "not the proposer", tbft_receive(n->t, &why, msg, len));
	free(msg);
	msg = t_proposal(&len, 1, 1, 0, "h=1 by v1 #1");
	EXPECT(0, "", tbft_receive(n->t, &why, msg, len));
	free(msg);
	msg = t_proposal(&len, 1, 1, 0, "h=1 by v1 #2");
	EXPECT(-EEXIST, "equivocation", tbft_receive(n->t, &why, msg, len));
	free(msg);
	CU_ASSERT_EQUAL(n->evidence, 2);
	/* Malformed. */
	EXPECT(-EBADMSG, "malformed", tbft_receive(n->t, &why, (const uint8_t *)"\x01\x02", 2));
	EXPECT(-EBADMSG, "malformed", tbft_receive(n->t, &why, (const uint8_t *)"\xc2\x02\x01", 3));
	EXPECT(-EBADMSG, "malformed", tbft_receive(n->t, &why, (const uint8_t *)"\xc1\x09", 2));
	m = (struct tmsg){ .type = TBFT_PROPOSAL, .height = 1, .round = 0, .pol1 = 1 };
	msg = t_encode(&len, keys[1], &m);
	EXPECT(-EBADMSG, "valid round", tbft_receive(n->t, &why, msg, len));
	free(msg);
	m = (struct tmsg){ .type = TBFT_PREVOTE, .height = 0, .round = 0, .nil = true };
	msg = t_encode(&len, keys[1], &m);
	EXPECT(-EBADMSG, "height", tbft_receive(n->t, &why, msg, len));
	free(msg);
	msg = t_vote(&len, 1, TBFT_PREVOTE, 1, 0, hash);
	msg[len - 67 - 33] = 0x9f; /* the hash's header: 31 bytes */
	CU_ASSERT(tbft_receive(n->t, &why, msg, len) < 0);
	free(why);
	why = NULL;
	free(msg);
	/* The next height is kept; one further ahead is not. */
	msg = t_vote(&len, 3, TBFT_PREVOTE, 2, 0, hash);
	EXPECT(0, "", tbft_receive(n->t, &why, msg, len));
	EXPECT(-EALREADY, "duplicate", tbft_receive(n->t, &why, msg, len));
	free(msg);
	msg = t_vote(&len, 3, TBFT_PREVOTE, 9, 0, hash);
	EXPECT(-ENOBUFS, "ahead", tbft_receive(n->t, &why, msg, len));
	free(msg);
	msg = t_vote(&len, 3, TBFT_PREVOTE, 1, TBFT_ROUNDS_AHEAD + 1, hash);
	EXPECT(-ENOBUFS, "ahead", tbft_receive(n->t, &why, msg, len));
	free(msg);
	/* Decided heights are past. */
	tbft_set_height(n->t, 3);
	msg = t_vote(&len, 3, TBFT_PREVOTE, 2, 0, hash);
	EXPECT(-ESTALE, "decided", tbft_receive(n->t, &why, msg, len));
	free(msg);
	sim_free(s);
#undef EXPECT
}

/* A randomised fault schedule over heights heights: loss, delay,
 * duplicates, partitions, crashes and restarts (one at a time or all at
 * once), with nbyz Byzantine validators and random timeouts; then calm,
 * and every node must reach the top.  Safety is checked at every commit. */
static void
random_run(size_t nvals, size_t nbyz, uint64_t seed, uint64_t heights)
{
	struct sim *s = sim_new(nvals, 1, seed);
	uint64_t cap, start = s->now;
	unsigned restarts = 0, failures = CU_get_number_of_failures();
	clock_t c0 = clock();

	/* Signature checks are the cost here; blocks that sync are checked
	 * anyway, so certificates are not checked again at every commit. */
	s->verify_certs = false;
	s->cfg.timeout_propose_ms = 50 + rnd_below(s, 400);
	s->cfg.timeout_prevote_ms = 20 + rnd_below(s, 200);
	s->cfg.timeout_precommit_ms = 20 + rnd_below(s, 200);
	s->cfg.rebroadcast_ms = 50 + rnd_below(s, 500);
	s->cfg.block_time_ms = rnd_below(s, 3) == 0 ? rnd_below(s, 100) : 0;
	for (size_t i = 0; i < nbyz; i++)
		s->nodes[(i * nvals) / nbyz + rnd_below(s, nvals / nbyz)].byz = true;
	sim_start(s);
	cap = s->now + 4 * 3600 * 1000;
	while (max_height(s) < heights && s->now < cap) {
		size_t i = (size_t)rnd_below(s, s->nnodes);

		switch (rnd_below(s, 11)) {
		case 0:
		case 1:
		case 2:
			s->drop_pm = (unsigned)rnd_below(s, 300);
			s->dup_pm = (unsigned)rnd_below(s, 200);
			s->delay_min = 1 + rnd_below(s, 20);
			s->delay_max = s->delay_min + rnd_below(s, 80);
			break;
		case 3:
		case 4:
			if (s->nodes[i].up)
				node_crash(s, i);
			break;
		case 5:
			if (!s->nodes[i].up) {
				node_start(s, i);
				restarts++;
			}
			break;
		case 6:
			for (size_t j = 0; j < s->nnodes; j++)
				s->group[j] = (int)rnd_below(s, 2);
			break;
		case 7:
			memset(s->group, 0, sizeof(s->group));
			break;
		case 8:
			for (size_t j = 0; j < s->nnodes; j++) {
				if (s->nodes[j].up)
					node_crash(s, j);
				node_start(s, j);
				restarts++;
			}
			break;
		default:
			set_calm(s);
			for (size_t j = 0; j < s->nnodes; j++) {
				if (!s->nodes[j].up) {
					node_start(s, j);
					restarts++;
				}
			}
			break;
		}
		sim_run_for(s, 100 + rnd_below(s, 1500));
	}
	set_calm(s);
	for (size_t j = 0; j < s->nnodes; j++)
		if (!s->nodes[j].up)
			node_start(s, j);
	CU_ASSERT_TRUE(sim_run_to(s, max_height(s), 600000));
	CU_ASSERT(max_height(s) >= heights);
	for (size_t j = 0; j < s->nnodes; j++) {
		CU_ASSERT_FALSE(s->nodes[j].accused_honest);
		if (nbyz == 0)
			CU_ASSERT_EQUAL(s->nodes[j].evidence, 0);
	}
	CU_ASSERT_EQUAL(s->violations, 0);
	printf("\n  seed %" PRIu64 ": %zu validators (%zu Byzantine), %zu heights in %.1f s "
	       "simulated, %lu messages, %lu syncs, %u restarts, %.2f s",
	       seed, nvals, nbyz, max_height(s), (double)(s->now - start) / 1000, s->delivered,
	       s->syncs, restarts, (double)(clock() - c0) / CLOCKS_PER_SEC);
	if (CU_get_number_of_failures() > failures)
		printf(" -- FAILED: TBFT_SEED=%" PRIu64 " replays it", seed);
	fflush(stdout);
	sim_free(s);
}

/* The seed of the randomised runs (TBFT_SEED, else the time), and how many
 * seeds from it each runs (TBFT_RUNS, default 1). */
static uint64_t random_seed;
static uint64_t random_runs = 1;

static void
test_tbft_random_four(void)
{
	for (uint64_t i = 0; i < random_runs; i++)
		random_run(4, 0, random_seed + 3 * i, 200);
}

static void
test_tbft_random_byzantine(void)
{
	for (uint64_t i = 0; i < random_runs; i++) {
		random_run(4, 1, random_seed + 3 * i + 1, 200);
		random_run(7, 2, random_seed + 3 * i + 2, 200);
	}
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_tbft_new_errors),
		HARNESS_TEST(test_tbft_single),
		HARNESS_TEST(test_tbft_four_healthy),
		HARNESS_TEST(test_tbft_seven_and_follower),
		HARNESS_TEST(test_tbft_one_crashed),
		HARNESS_TEST(test_tbft_two_crashed),
		HARNESS_TEST(test_tbft_partition_halves),
		HARNESS_TEST(test_tbft_partition_three_one),
		HARNESS_TEST(test_tbft_byzantine_four),
		HARNESS_TEST(test_tbft_byzantine_seven),
		HARNESS_TEST(test_tbft_invalid_proposer),
		HARNESS_TEST(test_tbft_growing_timeouts),
		HARNESS_TEST(test_tbft_block_time),
		HARNESS_TEST(test_tbft_empty_blocks),
		HARNESS_TEST(test_tbft_idle_catch_up),
		HARNESS_TEST(test_tbft_restart_record),
		HARNESS_TEST(test_tbft_restart_all),
		HARNESS_TEST(test_tbft_verify_commit),
		HARNESS_TEST(test_tbft_receive_refuses),
		HARNESS_TEST(test_tbft_random_four),
		HARNESS_TEST(test_tbft_random_byzantine),
		HARNESS_END,
	};
	const char *env = getenv("TBFT_SEED");
	uint8_t pub[64];
	int rc;

	secp = secp_new();
	if (secp == NULL) {
		fprintf(stderr, "test_tbft: cannot create a secp256k1 context\n");
		return 1;
	}
	for (size_t i = 0; i <= MAXN; i++) {
		char seed[32];

		snprintf(seed, sizeof(seed), "tbft test key %zu", i);
		keccak256(keys[i], seed, strlen(seed));
		if (secp_pubkey(secp, pub, keys[i]) != 0)
			return 1;
		secp_address(addrs[i], pub);
	}
	/* Equivocations are logged as warnings; the tests count them. */
	log_set_level(LOG_ERROR);
	random_seed = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	if ((env = getenv("TBFT_RUNS")) != NULL)
		random_runs = strtoull(env, NULL, 0);
	printf("test_tbft: random seed %" PRIu64 " (TBFT_SEED=%" PRIu64 " replays it)\n",
	       random_seed, random_seed);
	rc = harness_run("tbft", tests);
	secp_free(secp);
	return rc;
}
