/* The node's chain (see chain.h): blocks in memory, the head's state, a
 * pool of transactions waiting for a block, and mining; with a data dir,
 * each block is also written to the store, and loaded from it at start. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "chain/chain.h"
#include "keccak.h"
#include "rlp.h"
#include "state/store.h"
#include "xalloc.h"

#define MAX_TX_BYTES (128 * 1024) /* geth's txpool limit for one transaction */

/* A transaction waiting for a block. */
struct pooled {
	struct tx tx;
	uint8_t sender[20];
	uint8_t *raw;
	size_t raw_len;
};

/* A hash table from 32-byte hashes to pointers, for transactions and
 * blocks.  Keys are keccak outputs, already uniform. */
struct index {
	struct index_entry {
		const uint8_t *key; /* points into the value */
		void *value;
	} *v;
	size_t cap, n;
};

/* A saved point for evm_snapshot: the state then and the chain's length. */
struct snap {
	uint64_t id;
	struct state *state;
	size_t nblocks;
};

struct chain {
	struct chain_config cfg;
	struct state *state;
	struct exec *exec;
	struct chain_block **blocks;
	size_t nblocks, ablocks;
	struct index by_tx, by_block;
	struct pooled *pool;
	size_t npool, apool;
	bool automine;
	/* A setter changed the head's state since the last block, so the
	 * next block's state differs from its parent's even without
	 * transactions. */
	bool set_since_block;
	chain_pool_hook *pool_hook;
	void *pool_hook_arg;
	chain_stored_hook *stored_hook;
	void *stored_hook_arg;
	struct snap *snaps; /* in id order */
	size_t nsnaps, asnaps;
	uint64_t next_snap;
	/* Time control: seconds added to the wall clock (evm_increaseTime),
	 * and the next block's timestamp when set (evm_setNextBlockTimestamp;
	 * 0 for none). */
	int64_t time_offset;
	uint64_t next_timestamp;
	/* Who eth_sendTransaction may send as without a key
	 * (anvil_impersonateAccount), or anyone with auto_impersonate. */
	uint8_t (*impersonated)[20];
	size_t nimpersonated;
	bool auto_impersonate;
	/* The store, or NULL in memory.  Blocks [0, nstored) are in it, and
	 * the state changes since are marked dirty.  After evm_revert the
	 * store holds blocks past the chain: store_rewrite asks the next
	 * write to drop blocks from store_keep on and rewrite the state. */
	struct store *store;
	size_t nstored;
	bool store_rewrite;
	size_t store_keep;
	char *store_error;
};

static struct index_entry *
index_slot(struct index_entry *v, size_t cap, const uint8_t key[32])
{
	size_t i;

	memcpy(&i, key, sizeof(i));
	i &= cap - 1;
	while (v[i].key != NULL && memcmp(v[i].key, key, 32) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static void
index_put(struct index *ix, const uint8_t *key, void *value)
{
	struct index_entry *e;

	if (4 * (ix->n + 1) > 3 * ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 256;
		struct index_entry *v = xcalloc(cap, sizeof(*v));

		for (size_t i = 0; i < ix->cap; i++) {
			if (ix->v[i].key != NULL)
				*index_slot(v, cap, ix->v[i].key) = ix->v[i];
		}
		free(ix->v);
		ix->v = v;
		ix->cap = cap;
	}
	e = index_slot(ix->v, ix->cap, key);
	if (e->key == NULL)
		ix->n++;
	e->key = key;
	e->value = value;
}

static void *
index_get(const struct index *ix, const uint8_t key[32])
{
	if (ix->cap == 0)
		return NULL;
	return index_slot(ix->v, ix->cap, key)->value;
}

/* BLOCKHASH from the chain's own blocks. */
static void
chain_block_hash(void *arg, uint64_t number, uint8_t hash[32])
{
	const struct chain *c = arg;
	const struct chain_block *b = chain_block(c, number);

	if (b != NULL)
		memcpy(hash, b->hash, 32);
	else
		memset(hash, 0, 32);
}

/* A state kept for queries at an older block.  Blocks without
 * transactions change nothing, so they share their parent's. */
struct chain_kept {
	struct state *state;
	unsigned refs;
};

static void
kept_release(struct chain_kept *k)
{
	if (k != NULL && --k->refs == 0) {
		state_free(k->state);
		free(k);
	}
}

/* Keeps the state after b, the new head, and lets go of the one that has
 * fallen out of the window. */
static void
keep_state(struct chain *c, struct chain_block *b)
{
	struct chain_block *parent = c->nblocks > 0 ? c->blocks[c->nblocks - 1] : NULL;

	if (b->ntxs == 0 && !c->set_since_block && parent != NULL && parent->kept != NULL) {
		b->kept = parent->kept;
		b->kept->refs++;
	} else {
		b->kept = xcalloc(1, sizeof(*b->kept));
		b->kept->state = state_clone(c->state);
		b->kept->refs = 1;
	}
	c->set_since_block = false;
	if (c->nblocks >= CHAIN_KEEP_STATES) {
		struct chain_block *old = c->blocks[c->nblocks - CHAIN_KEEP_STATES];

		kept_release(old->kept);
		old->kept = NULL;
	}
}

static int
seal(struct chain_block *b)
{
	return block_header_hash(b->hash, &b->header);
}

static void
append_block(struct chain *c, struct chain_block *b)
{
	if (c->nblocks == c->ablocks) {
		c->ablocks = c->ablocks ? 2 * c->ablocks : 64;
		c->blocks = xreallocarray(c->blocks, c->ablocks, sizeof(*c->blocks));
	}
	c->blocks[c->nblocks++] = b;
	index_put(&c->by_block, b->hash, b);
	for (size_t i = 0; i < b->ntxs; i++)
		index_put(&c->by_tx, b->txs[i]->tx.hash, b->txs[i]);
}

static int chain_open_store(struct chain *c, char **cause, const char *dir);

struct chain *
chain_new(const struct chain_config *cfg, char **cause)
{
	struct chain *c = xcalloc(1, sizeof(*c));
	struct chain_block *g = xcalloc(1, sizeof(*g));

	c->cfg = *cfg;
	c->cfg.alloc = NULL;
	c->cfg.nalloc = 0;
	c->cfg.data_dir = NULL;
	c->automine = cfg->automine;
	c->state = state_new();
	c->exec = exec_new(c->state);
	exec_set_block_hash(c->exec, chain_block_hash, c);
	for (size_t i = 0; i < cfg->nalloc; i++) {
		const struct chain_alloc *a = &cfg->alloc[i];

		state_create(c->state, a->address);
		state_set_balance(c->state, a->address, &a->balance);
		state_set_nonce(c->state, a->address, a->nonce);
		if (a->code_len > 0)
			state_set_code(c->state, a->address, a->code, a->code_len);
		for (size_t k = 0; k < a->nstorage; k++)
			state_set_storage(c->state, a->address, &a->storage[k][0],
					  &a->storage[k][1]);
	}
	state_end_tx(c->state);

	block_header_init(&g->header);
	g->header.gas_limit = cfg->gas_limit;
	g->header.base_fee = cfg->base_fee;
	g->header.timestamp = cfg->timestamp;
	memcpy(g->header.coinbase, cfg->coinbase, 20);
	if (cfg->extra_len > 0) {
		g->header.extra_len = cfg->extra_len < sizeof g->header.extra ? cfg->extra_len
									      : sizeof g->header.extra;
		memcpy(g->header.extra, cfg->extra, g->header.extra_len);
	}
	if (state_root(c->state, g->header.state_root) != 0 || seal(g) != 0) {
		xasprintf(cause, "cannot compute the genesis block: out of memory");
		free(g);
		chain_free(c);
		return NULL;
	}
	keep_state(c, g);
	append_block(c, g);
	if (cfg->data_dir != NULL && chain_open_store(c, cause, cfg->data_dir) != 0) {
		chain_free(c);
		return NULL;
	}
	return c;
}

static void
chain_tx_free(struct chain_tx *t)
{
	tx_release(&t->tx);
	free(t->raw);
	exec_receipt_release(&t->receipt);
	free(t);
}

/* Frees a block that is out of the chain (or never went in). */
static void
block_free(struct chain_block *b)
{
	for (size_t i = 0; i < b->ntxs; i++)
		chain_tx_free(b->txs[i]);
	kept_release(b->kept);
	free(b->txs);
	free(b->cert);
	free(b);
}

static void
pooled_release(struct pooled *p)
{
	tx_release(&p->tx);
	free(p->raw);
}

static int chain_persist(struct chain *c);

void
chain_free(struct chain *c)
{
	if (c == NULL)
		return;
	/* A write that failed earlier gets a last try. */
	if (c->store != NULL)
		(void)chain_persist(c);
	store_free(c->store);
	free(c->store_error);
	for (size_t i = 0; i < c->nblocks; i++)
		block_free(c->blocks[i]);
	for (size_t i = 0; i < c->npool; i++)
		pooled_release(&c->pool[i]);
	free(c->pool);
	free(c->impersonated);
	for (size_t i = 0; i < c->nsnaps; i++)
		state_free(c->snaps[i].state);
	free(c->snaps);
	free(c->blocks);
	free(c->by_tx.v);
	free(c->by_block.v);
	exec_free(c->exec);
	state_free(c->state);
	free(c);
}

uint64_t
chain_id(const struct chain *c)
{
	return c->cfg.chain_id;
}

const struct chain_block *
chain_head(const struct chain *c)
{
	return c->blocks[c->nblocks - 1];
}

const struct chain_block *
chain_block(const struct chain *c, uint64_t n)
{
	return n < c->nblocks ? c->blocks[n] : NULL;
}

const struct chain_block *
chain_block_by_hash(const struct chain *c, const uint8_t hash[32])
{
	return index_get(&c->by_block, hash);
}

const struct chain_tx *
chain_tx(const struct chain *c, const uint8_t hash[32])
{
	return index_get(&c->by_tx, hash);
}

const struct state *
chain_state(const struct chain *c)
{
	return c->state;
}

/* anvil keeps block 1 at the genesis base fee, then follows EIP-1559. */
struct u256
chain_next_base_fee(const struct chain *c)
{
	const struct chain_block *h = chain_head(c);

	return h->header.number == 0 ? h->header.base_fee : block_next_base_fee(&h->header);
}

void
chain_set_automine(struct chain *c, bool on)
{
	c->automine = on;
}

bool
chain_automine(const struct chain *c)
{
	return c->automine;
}

size_t
chain_pending(const struct chain *c)
{
	return c->npool;
}

/* The block a new transaction or call runs in: the one after the head. */
static void
next_block_env(const struct chain *c, struct exec_block *b, uint64_t timestamp)
{
	const struct chain_block *h = chain_head(c);

	/* No timestamp given: the one set for the next block, else the clock
	 * moved by evm_increaseTime, as anvil does. */
	if (timestamp == 0)
		timestamp = c->next_timestamp != 0 ? c->next_timestamp
						   : (uint64_t)((int64_t)time(NULL) + c->time_offset);
	memset(b, 0, sizeof(*b));
	memcpy(b->coinbase, c->cfg.coinbase, 20);
	b->number = h->header.number + 1;
	b->timestamp = timestamp > h->header.timestamp ? timestamp : h->header.timestamp + 1;
	b->gas_limit = c->cfg.gas_limit;
	b->base_fee = chain_next_base_fee(c);
	b->chain_id = u256_from_u64(c->cfg.chain_id);
	b->excess_blob_gas = block_next_excess_blob_gas(&h->header);
}

/* Says a refusal in geth's words, which clients match on. */
static const char *
geth_reason(const char *why)
{
	static const struct {
		const char *exception, *geth;
	} map[] = {
		{ "TransactionException.NONCE_MISMATCH_TOO_LOW", "nonce too low" },
		{ "TransactionException.NONCE_MISMATCH_TOO_HIGH", "nonce too high" },
		{ "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
		  "insufficient funds for gas * price + value" },
		{ "TransactionException.INTRINSIC_GAS_TOO_LOW", "intrinsic gas too low" },
		{ "TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS",
		  "max fee per gas less than block base fee" },
		{ "TransactionException.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
		  "max priority fee per gas higher than max fee per gas" },
		{ "TransactionException.GAS_ALLOWANCE_EXCEEDED", "exceeds block gas limit" },
		{ "TransactionException.SENDER_NOT_EOA", "sender not an eoa" },
		{ "TransactionException.INITCODE_SIZE_EXCEEDED", "max initcode size exceeded" },
		{ "TransactionException.NONCE_IS_MAX", "nonce has max value" },
		{ "TransactionException.INVALID_CHAINID", "invalid chain id for signer" },
	};

	for (size_t i = 0; why != NULL && i < ARRAY_SIZE(map); i++) {
		if (strcmp(why, map[i].exception) == 0)
			return map[i].geth;
	}
	return why;
}

static struct u256
effective_price(const struct tx *tx, const struct u256 *base_fee)
{
	struct u256 p;

	if (!tx_has_dynamic_fee(tx))
		return tx->gas_price;
	(void)u256_add(&p, base_fee, &tx->max_priority_fee);
	return u256_lt(&tx->max_fee, &p) ? tx->max_fee : p;
}

/* Removes pool entry i, keeping the order of the rest. */
static void
pool_remove(struct chain *c, size_t i)
{
	memmove(&c->pool[i], &c->pool[i + 1], (c->npool - i - 1) * sizeof(*c->pool));
	c->npool--;
}

/* Returns: the index of a pooled transaction whose nonce is its sender's
 * next, or -1. */
static long
pool_next_ready(const struct chain *c)
{
	for (size_t i = 0; i < c->npool; i++) {
		if (c->pool[i].tx.nonce == state_nonce(c->state, c->pool[i].sender))
			return (long)i;
	}
	return -1;
}

/* Drops what can never be mined: transactions whose nonce their sender
 * has used since (by another transaction, or anvil_setNonce). */
static void
pool_prune(struct chain *c)
{
	for (size_t i = c->npool; i-- > 0;) {
		if (c->pool[i].tx.nonce < state_nonce(c->state, c->pool[i].sender)) {
			pooled_release(&c->pool[i]);
			pool_remove(c, i);
		}
	}
}

static int
finish_block(const struct state *st, struct chain_block *b)
{
	const uint8_t **items = xcalloc(b->ntxs + 1, sizeof(*items));
	uint8_t **receipts = xcalloc(b->ntxs + 1, sizeof(*receipts));
	size_t *lens = xcalloc(b->ntxs + 1, sizeof(*lens)), *rlens = xcalloc(b->ntxs + 1, sizeof(*rlens));
	int rc = 0;

	for (size_t i = 0; i < b->ntxs && rc == 0; i++) {
		const struct chain_tx *t = b->txs[i];

		items[i] = t->raw;
		lens[i] = t->raw_len;
		rc = block_receipt_encode(&receipts[i], &rlens[i], t->tx.type,
					  t->receipt.status == EVM_SUCCESS, t->cumulative_gas,
					  t->bloom, t->receipt.logs, t->receipt.nlogs);
		for (size_t k = 0; k < BLOCK_BLOOM_LEN; k++)
			b->header.bloom[k] |= t->bloom[k];
	}
	if (rc == 0)
		rc = block_list_root(b->header.tx_root, items, lens, b->ntxs);
	if (rc == 0)
		rc = block_list_root(b->header.receipts_root, (const uint8_t *const *)receipts,
				     rlens, b->ntxs);
	if (rc == 0)
		rc = state_root(st, b->header.state_root);
	if (rc == 0)
		rc = seal(b);
	for (size_t i = 0; i < b->ntxs; i++)
		free(receipts[i]);
	free(receipts);
	free(items);
	free(lens);
	free(rlens);
	return rc;
}

/* Returns: the next block, empty, with the header fields env gives. */
static struct chain_block *
new_block(const struct chain *c, const struct exec_block *env)
{
	struct chain_block *b = xcalloc(1, sizeof(*b));

	block_header_init(&b->header);
	memcpy(b->header.parent_hash, chain_head(c)->hash, 32);
	memcpy(b->header.coinbase, env->coinbase, 20);
	b->header.number = env->number;
	b->header.timestamp = env->timestamp;
	b->header.gas_limit = env->gas_limit;
	b->header.base_fee = env->base_fee;
	b->header.excess_blob_gas = env->excess_blob_gas;
	return b;
}

/* Runs tx from sender on x as the next transaction of b.
 * Returns: 0 with tx, its sender and raw (which move into b: the caller
 * keeps nothing); -EINVAL and the others of exec_tx() with *why set, and
 * the caller still owns tx and raw. */
static int
add_tx(struct chain_block *b, struct exec *x, const char **why, const struct exec_block *env,
       struct tx *tx, const uint8_t sender[20], uint8_t *raw, size_t raw_len)
{
	struct chain_tx *t = xcalloc(1, sizeof(*t));
	int rc;

	rc = exec_tx(x, &t->receipt, why, env, tx, sender, env->gas_limit - b->header.gas_used,
		     TX_MAX_BLOB_GAS_PER_BLOCK - b->header.blob_gas_used);
	if (rc != 0) {
		free(t);
		return rc;
	}
	t->tx = *tx;
	memcpy(t->sender, sender, 20);
	t->raw = raw;
	t->raw_len = raw_len;
	t->block_number = env->number;
	t->index = (uint32_t)b->ntxs;
	t->first_log_index = b->ntxs ? b->txs[b->ntxs - 1]->first_log_index +
					       b->txs[b->ntxs - 1]->receipt.nlogs : 0;
	b->header.gas_used += t->receipt.gas_used;
	b->header.blob_gas_used += t->receipt.blob_gas_used;
	t->cumulative_gas = b->header.gas_used;
	t->effective_gas_price = effective_price(&t->tx, &env->base_fee);
	block_bloom_logs(t->bloom, t->receipt.logs, t->receipt.nlogs);
	/* Grows by doubling: the capacity is the next power of two. */
	if ((b->ntxs & (b->ntxs - 1)) == 0)
		b->txs = xreallocarray(b->txs, b->ntxs ? 2 * b->ntxs : 1, sizeof(*b->txs));
	b->txs[b->ntxs++] = t;
	return 0;
}

/* Mines one block in memory; chain_persist() stores it. */
static int
mine_block(struct chain *c, uint64_t timestamp)
{
	struct chain_block *b;
	struct exec_block env;
	long i;
	int rc;

	next_block_env(c, &env, timestamp);
	b = new_block(c, &env);
	/* With automine each transaction gets a block of its own. */
	while ((i = pool_next_ready(c)) >= 0 && !(c->automine && b->ntxs == 1)) {
		struct pooled p = c->pool[i];
		const char *why;

		pool_remove(c, (size_t)i);
		if (add_tx(b, c->exec, &why, &env, &p.tx, p.sender, p.raw, p.raw_len) != 0) {
			/* It cannot go in any more: it leaves the pool. */
			pooled_release(&p);
		}
	}
	if ((rc = finish_block(c->state, b)) != 0) {
		block_free(b);
		return rc;
	}
	keep_state(c, b);
	append_block(c, b);
	c->next_timestamp = 0;
	pool_prune(c);
	return 0;
}

int
chain_mine(struct chain *c, uint64_t timestamp)
{
	int rc = mine_block(c, timestamp);

	return rc != 0 ? rc : chain_persist(c);
}

int
chain_mine_many(struct chain *c, uint64_t n, uint64_t timestamp, uint64_t interval)
{
	int rc = 0;

	if (interval == 0)
		interval = 1;
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		uint64_t t = timestamp;

		if (i > 0)
			t = chain_head(c)->header.timestamp + interval;
		rc = mine_block(c, t);
	}
	/* What was mined before a failure is stored all the same. */
	if (c->nblocks > c->nstored) {
		int prc = chain_persist(c);

		if (rc == 0)
			rc = prc;
	}
	return rc;
}

const char *
chain_store_error(const struct chain *c)
{
	return c->store_error;
}

/* Returns: the index of the pooled transaction with hash, or -1. */
static long
pool_find_hash(const struct chain *c, const uint8_t hash[32])
{
	for (size_t i = 0; i < c->npool; i++) {
		if (memcmp(c->pool[i].tx.hash, hash, 32) == 0)
			return (long)i;
	}
	return -1;
}

/* Returns: the index of sender's pooled transaction with nonce, or -1. */
static long
pool_find_nonce(const struct chain *c, const uint8_t sender[20], uint64_t nonce)
{
	for (size_t i = 0; i < c->npool; i++) {
		if (c->pool[i].tx.nonce == nonce && memcmp(c->pool[i].sender, sender, 20) == 0)
			return (long)i;
	}
	return -1;
}

/* Returns: whether fee, a replacement's, is geth's price bump above old:
 * higher, and by at least 10%. */
static bool
is_bumped(const struct u256 *fee, const struct u256 *old)
{
	struct u256 ten = u256_from_u64(10), tenth, least;

	u256_div(&tenth, old, &ten);
	if (u256_add(&least, old, &tenth))
		return false;
	return u256_gt(fee, old) && !u256_lt(fee, &least);
}

/* What a transaction offers at most per gas, and as a tip. */
static const struct u256 *
fee_cap(const struct tx *tx)
{
	return tx_has_dynamic_fee(tx) ? &tx->max_fee : &tx->gas_price;
}

static const struct u256 *
tip_cap(const struct tx *tx)
{
	return tx_has_dynamic_fee(tx) ? &tx->max_priority_fee : &tx->gas_price;
}

/* chain_send_raw() and chain_send_as(): decodes raw, signed, or with the
 * stand-in signature when as names the sender, and puts it in the pool
 * (in place of the sender's transaction with its nonce, when it pays
 * enough more), then mines with automine. */
static int
pool_take(struct chain *c, uint8_t hash[32], const char **why, const uint8_t *raw, size_t len,
	  const uint8_t *as)
{
	struct pooled p = { 0 };
	struct exec_block env;
	long old;
	int rc;

	*why = NULL;
	if (len > MAX_TX_BYTES) {
		*why = "oversized data";
		return -EINVAL;
	}
	rc = as != NULL ? tx_decode_impersonated(&p.tx, why, raw, len, as)
			: tx_decode(&p.tx, why, raw, len);
	if (rc != 0)
		return rc;
	memcpy(hash, p.tx.hash, 32);
	if (as != NULL)
		memcpy(p.sender, as, 20);
	rc = -EINVAL;
	if (tx_check(&p.tx, why, c->cfg.chain_id) != 0 ||
	    (as == NULL && tx_sender(p.sender, &p.tx) != 0)) {
		if (*why == NULL)
			*why = "invalid sender";
		*why = geth_reason(*why);
		goto out;
	}
	if (chain_tx(c, p.tx.hash) != NULL || pool_find_hash(c, p.tx.hash) >= 0) {
		*why = "already known";
		goto out;
	}
	if (p.tx.nonce < state_nonce(c->state, p.sender)) {
		*why = "nonce too low";
		goto out;
	}
	/* One that could run now must pass the checks it would meet in the
	 * next block, so that the sender hears of them at once. */
	if (p.tx.nonce == state_nonce(c->state, p.sender)) {
		next_block_env(c, &env, 0);
		*why = exec_check(c->exec, &env, &p.tx, p.sender, env.gas_limit,
				  TX_MAX_BLOB_GAS_PER_BLOCK);
		if (*why != NULL) {
			*why = geth_reason(*why);
			goto out;
		}
	}
	/* The same sender and nonce again replaces the pooled one, for geth's
	 * 10% more in both the fee cap and the tip. */
	old = pool_find_nonce(c, p.sender, p.tx.nonce);
	if (old >= 0 && (!is_bumped(fee_cap(&p.tx), fee_cap(&c->pool[old].tx)) ||
			 !is_bumped(tip_cap(&p.tx), tip_cap(&c->pool[old].tx)))) {
		*why = "replacement transaction underpriced";
		goto out;
	}
	p.raw = xmalloc(len);
	memcpy(p.raw, raw, len);
	p.raw_len = len;
	if (old >= 0) {
		pooled_release(&c->pool[old]);
		c->pool[old] = p;
	} else {
		if (c->npool == c->apool) {
			c->apool = c->apool ? 2 * c->apool : 16;
			c->pool = xreallocarray(c->pool, c->apool, sizeof(*c->pool));
		}
		c->pool[c->npool++] = p;
	}
	memset(&p, 0, sizeof(p));
	rc = 0;
	if (c->pool_hook != NULL)
		c->pool_hook(c->pool_hook_arg, raw, len, as);
	if (c->automine) {
		while (rc == 0 && pool_next_ready(c) >= 0)
			rc = chain_mine(c, 0);
	}
out:
	pooled_release(&p);
	return rc;
}

int
chain_send_raw(struct chain *c, uint8_t hash[32], const char **why, const uint8_t *raw,
	       size_t len)
{
	return pool_take(c, hash, why, raw, len, NULL);
}

int
chain_send_raw_as(struct chain *c, uint8_t hash[32], const char **why, const uint8_t *raw,
		  size_t len, const uint8_t sender[20])
{
	return pool_take(c, hash, why, raw, len, sender);
}

void
chain_set_pool_hook(struct chain *c, chain_pool_hook *fn, void *arg)
{
	c->pool_hook = fn;
	c->pool_hook_arg = arg;
}

int
chain_send_as(struct chain *c, uint8_t hash[32], const char **why, const struct tx *tx,
	      const uint8_t sender[20])
{
	struct tx t = *tx; /* shares tx's data: only v, r, s and the hash change */
	uint8_t *raw = NULL;
	size_t len;
	int rc;

	*why = NULL;
	if ((rc = tx_impersonate(&t, sender)) != 0 || (rc = tx_encode(&raw, &len, &t)) != 0) {
		*why = rc == -EINVAL ? "transaction cannot be encoded" : NULL;
		goto out;
	}
	rc = pool_take(c, hash, why, raw, len, sender);
out:
	free(raw);
	return rc;
}

/* The order chain_pool_foreach() walks the pool in: by sender, then
 * nonce. */
static int
pooled_cmp(const void *a, const void *b)
{
	const struct pooled *x = *(const struct pooled *const *)a;
	const struct pooled *y = *(const struct pooled *const *)b;
	int d = memcmp(x->sender, y->sender, 20);

	if (d != 0)
		return d;
	return x->tx.nonce < y->tx.nonce ? -1 : x->tx.nonce > y->tx.nonce;
}

int
chain_pool_foreach(const struct chain *c, int (*fn)(void *arg, const struct chain_pooled *p),
		   void *arg)
{
	const struct pooled **v = xcalloc(c->npool + 1, sizeof(*v));
	uint64_t next = 0;
	bool gap = false;
	int rc = 0;

	for (size_t i = 0; i < c->npool; i++)
		v[i] = &c->pool[i];
	qsort(v, c->npool, sizeof(*v), pooled_cmp);
	/* Each sender's run of nonces from its state nonce is pending; from
	 * the first gap on, the rest wait queued. */
	for (size_t i = 0; i < c->npool && rc == 0; i++) {
		struct chain_pooled p = { &v[i]->tx, v[i]->sender, false };

		if (i == 0 || memcmp(v[i - 1]->sender, v[i]->sender, 20) != 0) {
			next = state_nonce(c->state, v[i]->sender);
			gap = false;
		}
		if (v[i]->tx.nonce < next)
			continue; /* used up; pool_prune() drops it */
		if (!gap && v[i]->tx.nonce == next) {
			p.pending = true;
			next++;
		} else {
			gap = true;
		}
		rc = fn(arg, &p);
	}
	free(v);
	return rc;
}

struct pool_count {
	size_t pending, queued;
};

static int
count_pooled(void *arg, const struct chain_pooled *p)
{
	struct pool_count *n = arg;

	if (p->pending)
		n->pending++;
	else
		n->queued++;
	return 0;
}

void
chain_pool_count(const struct chain *c, size_t *pending, size_t *queued)
{
	struct pool_count n = { 0, 0 };

	(void)chain_pool_foreach(c, count_pooled, &n);
	*pending = n.pending;
	*queued = n.queued;
}

uint64_t
chain_pool_nonce(const struct chain *c, const uint8_t addr[20])
{
	uint64_t n = state_nonce(c->state, addr);

	for (size_t i = 0; i < c->npool; i++) {
		if (memcmp(c->pool[i].sender, addr, 20) == 0 && c->pool[i].tx.nonce >= n)
			n = c->pool[i].tx.nonce + 1;
	}
	return n;
}

bool
chain_pool_get(const struct chain *c, struct chain_pooled *p, const uint8_t hash[32])
{
	long i = pool_find_hash(c, hash);

	if (i < 0)
		return false;
	p->tx = &c->pool[i].tx;
	p->sender = c->pool[i].sender;
	p->pending = false;
	/* Pending when every nonce from the sender's state nonce up to its
	 * own is in the pool. */
	for (uint64_t n = state_nonce(c->state, p->sender); n <= p->tx->nonce; n++) {
		if (n == p->tx->nonce)
			p->pending = true;
		else if (pool_find_nonce(c, p->sender, n) < 0)
			break;
	}
	return true;
}

bool
chain_pool_drop(struct chain *c, const uint8_t hash[32])
{
	long i = pool_find_hash(c, hash);

	if (i < 0)
		return false;
	pooled_release(&c->pool[i]);
	pool_remove(c, (size_t)i);
	return true;
}

size_t
chain_pool_drop_sender(struct chain *c, const uint8_t addr[20])
{
	size_t n = 0;

	for (size_t i = c->npool; i-- > 0;) {
		if (memcmp(c->pool[i].sender, addr, 20) == 0) {
			pooled_release(&c->pool[i]);
			pool_remove(c, i);
			n++;
		}
	}
	return n;
}

void
chain_pool_clear(struct chain *c)
{
	for (size_t i = 0; i < c->npool; i++)
		pooled_release(&c->pool[i]);
	c->npool = 0;
}

void
chain_impersonate(struct chain *c, const uint8_t addr[20], bool on)
{
	for (size_t i = 0; i < c->nimpersonated; i++) {
		if (memcmp(c->impersonated[i], addr, 20) != 0)
			continue;
		if (!on)
			memcpy(c->impersonated[i], c->impersonated[--c->nimpersonated], 20);
		return;
	}
	if (on) {
		c->impersonated = xreallocarray(c->impersonated, c->nimpersonated + 1,
						sizeof(*c->impersonated));
		memcpy(c->impersonated[c->nimpersonated++], addr, 20);
	}
}

void
chain_set_auto_impersonate(struct chain *c, bool on)
{
	c->auto_impersonate = on;
}

bool
chain_is_impersonated(const struct chain *c, const uint8_t addr[20])
{
	if (c->auto_impersonate)
		return true;
	for (size_t i = 0; i < c->nimpersonated; i++) {
		if (memcmp(c->impersonated[i], addr, 20) == 0)
			return true;
	}
	return false;
}

/* Builds the transaction a call runs as. */
static void
call_tx(const struct chain *c, struct tx *tx, const struct chain_call *call, uint64_t gas)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = TX_LEGACY;
	tx->gas_limit = gas;
	tx->is_create = call->is_create;
	memcpy(tx->to, call->to, 20);
	tx->value = call->value;
	tx->data = (uint8_t *)call->data; /* borrowed: never released */
	tx->data_len = call->data_len;
	tx->chain_id = u256_from_u64(c->cfg.chain_id);
}

int
chain_call(struct chain *c, struct exec_receipt *r, const char **why,
	   const struct chain_call *call)
{
	struct exec_block env;
	struct tx tx;

	next_block_env(c, &env, 0);
	call_tx(c, &tx, call, call->gas ? call->gas : c->cfg.gas_limit);
	return exec_call(c->exec, r, why, &env, &tx, call->from);
}

int
chain_estimate_gas(struct chain *c, uint64_t *gas, struct exec_receipt *r, const char **why,
		   const struct chain_call *call)
{
	uint64_t hi = call->gas ? call->gas : c->cfg.gas_limit, lo;
	struct exec_block env;
	struct tx tx;
	int rc;

	next_block_env(c, &env, 0);
	call_tx(c, &tx, call, hi);
	if ((rc = exec_call(c->exec, r, why, &env, &tx, call->from)) != 0)
		return rc;
	if (r->status != EVM_SUCCESS)
		return -EINVAL;
	/* The least gas that succeeds lies in (lo, hi]: bisect, as geth does,
	 * since gas used can be below what a call needs to run (the 63/64
	 * rule, refunds). */
	lo = tx_intrinsic_gas(&tx) - 1;
	if (r->gas_used > lo + 1)
		lo = r->gas_used - 1;
	while (lo + 1 < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		struct exec_receipt t;
		const char *w;

		call_tx(c, &tx, call, mid);
		rc = exec_call(c->exec, &t, &w, &env, &tx, call->from);
		if (rc == 0 && t.status == EVM_SUCCESS)
			hi = mid;
		else
			lo = mid;
		exec_receipt_release(&t);
	}
	*gas = hi;
	return 0;
}

uint64_t
chain_snapshot(struct chain *c)
{
	struct snap *sn;

	if (c->nsnaps == c->asnaps) {
		c->asnaps = c->asnaps ? 2 * c->asnaps : 8;
		c->snaps = xreallocarray(c->snaps, c->asnaps, sizeof(*c->snaps));
	}
	sn = &c->snaps[c->nsnaps++];
	sn->id = c->next_snap++;
	sn->state = state_clone(c->state);
	sn->nblocks = c->nblocks;
	return sn->id;
}

bool
chain_revert(struct chain *c, uint64_t id)
{
	size_t k = 0;

	while (k < c->nsnaps && c->snaps[k].id != id)
		k++;
	if (k == c->nsnaps)
		return false;
	/* The state goes back; the executor is rebuilt over it. */
	exec_free(c->exec);
	state_free(c->state);
	c->state = c->snaps[k].state;
	c->exec = exec_new(c->state);
	exec_set_block_hash(c->exec, chain_block_hash, c);
	/* Blocks after the snapshot go, and with them their index entries. */
	while (c->nblocks > c->snaps[k].nblocks)
		block_free(c->blocks[--c->nblocks]);
	free(c->by_tx.v);
	free(c->by_block.v);
	memset(&c->by_tx, 0, sizeof(c->by_tx));
	memset(&c->by_block, 0, sizeof(c->by_block));
	for (size_t i = 0; i < c->nblocks; i++) {
		index_put(&c->by_block, c->blocks[i]->hash, c->blocks[i]);
		for (size_t t = 0; t < c->blocks[i]->ntxs; t++)
			index_put(&c->by_tx, c->blocks[i]->txs[t]->tx.hash, c->blocks[i]->txs[t]);
	}
	for (size_t i = 0; i < c->npool; i++)
		pooled_release(&c->pool[i]);
	c->npool = 0;
	/* Reverting uses the snapshot up, and every later one with it. */
	for (size_t i = k + 1; i < c->nsnaps; i++)
		state_free(c->snaps[i].state);
	c->nsnaps = k;
	/* The store follows: blocks past the snapshot go, and the state is
	 * written whole, since the dirty marks say nothing about a swapped-in
	 * state.  A failure leaves this for the next write to do. */
	if (c->store != NULL) {
		if (!c->store_rewrite || c->nblocks < c->store_keep)
			c->store_keep = c->nblocks;
		c->store_rewrite = true;
		if (c->nstored > c->nblocks)
			c->nstored = c->nblocks;
		(void)chain_persist(c);
	}
	return true;
}

/* --- the store ------------------------------------------------------------ */

/* A block's receipt record: per transaction, what the receipt and
 * struct chain_tx hold that the transaction and header cannot give back:
 * rlp([[sender, status, gas used, blob gas used, cumulative gas, created,
 * contract address, output, [[address, [topic...], data]...]]...]). */
static void
encode_receipts(struct rlp_enc *e, const struct chain_block *b)
{
	size_t outer = rlp_enc_list_begin(e);

	for (size_t i = 0; i < b->ntxs; i++) {
		const struct chain_tx *t = b->txs[i];
		const struct exec_receipt *r = &t->receipt;
		size_t m = rlp_enc_list_begin(e), logs;

		rlp_enc_bytes(e, t->sender, 20);
		rlp_enc_u64(e, (uint64_t)r->status);
		rlp_enc_u64(e, r->gas_used);
		rlp_enc_u64(e, r->blob_gas_used);
		rlp_enc_u64(e, t->cumulative_gas);
		rlp_enc_u64(e, r->created);
		rlp_enc_bytes(e, r->contract_address, r->created ? 20 : 0);
		rlp_enc_bytes(e, r->output, r->output_len);
		logs = rlp_enc_list_begin(e);
		for (size_t k = 0; k < r->nlogs; k++) {
			const struct exec_log *l = &r->logs[k];
			size_t lm = rlp_enc_list_begin(e), tm;

			rlp_enc_bytes(e, l->address, 20);
			tm = rlp_enc_list_begin(e);
			for (size_t j = 0; j < l->ntopics; j++)
				rlp_enc_bytes(e, l->topics[j], 32);
			rlp_enc_list_end(e, tm);
			rlp_enc_bytes(e, l->data, l->len);
			rlp_enc_list_end(e, lm);
		}
		rlp_enc_list_end(e, logs);
		rlp_enc_list_end(e, m);
	}
	rlp_enc_list_end(e, outer);
}

/* Writes block b and its transactions' index entries. */
static int
put_block(struct chain *c, char **cause, const struct chain_block *b)
{
	struct store_block sb = { .number = b->header.number };
	struct rlp_enc body, receipts;
	uint8_t *header = NULL;
	int rc;

	rlp_enc_init(&body);
	rlp_enc_init(&receipts);
	if ((rc = block_header_encode(&header, &sb.header_len, &b->header)) != 0)
		goto nomem;
	sb.header = header;
	if (b->ntxs > 0) {
		size_t m = rlp_enc_list_begin(&body);

		for (size_t i = 0; i < b->ntxs; i++)
			rlp_enc_bytes(&body, b->txs[i]->raw, b->txs[i]->raw_len);
		rlp_enc_list_end(&body, m);
		encode_receipts(&receipts, b);
		if ((rc = rlp_enc_error(&body)) != 0 || (rc = rlp_enc_error(&receipts)) != 0)
			goto nomem;
		sb.body = body.data;
		sb.body_len = body.len;
		sb.receipts = receipts.data;
		sb.receipts_len = receipts.len;
	}
	sb.cert = b->cert;
	sb.cert_len = b->cert_len;
	if ((rc = store_put_block(c->store, cause, &sb)) != 0)
		goto out;
	for (size_t i = 0; i < b->ntxs && rc == 0; i++)
		rc = store_put_tx(c->store, cause, b->txs[i]->tx.hash, sb.number, b->txs[i]->index);
	goto out;
nomem:
	xasprintf(cause, "cannot encode block %llu: %s",
		  (unsigned long long)b->header.number, strerror(-rc));
out:
	free(header);
	rlp_enc_release(&body);
	rlp_enc_release(&receipts);
	return rc;
}

/* Writes what the store lacks, in one LMDB transaction: the blocks from
 * nstored on and the state changes since the last write (or, after a
 * revert, the whole state).  Returns: 0 or -errno, with store_error set. */
static int
chain_persist(struct chain *c)
{
	struct store_meta m = { STORE_VERSION, c->cfg.chain_id, c->nblocks - 1, { 0 } };
	char *cause = NULL;
	int rc;

	if (c->store == NULL || (c->nstored == c->nblocks && !c->store_rewrite))
		return 0;
	memcpy(m.genesis, c->blocks[0]->hash, 32);
	if ((rc = store_begin(c->store, &cause)) != 0)
		goto out;
	if (c->store_rewrite) {
		if ((rc = store_truncate(c->store, &cause, c->store_keep)) != 0 ||
		    (rc = store_put_state(c->store, &cause, c->state)) != 0)
			goto out;
	}
	for (size_t i = c->nstored; i < c->nblocks && rc == 0; i++)
		rc = put_block(c, &cause, c->blocks[i]);
	if (rc == 0 && !c->store_rewrite)
		rc = store_put_dirty(c->store, &cause, c->state);
	if (rc == 0)
		rc = store_put_meta(c->store, &cause, &m);
	if (rc != 0)
		goto out;
	if ((rc = store_commit(c->store, &cause)) != 0)
		goto out;
	state_clear_dirty(c->state);
	c->nstored = c->nblocks;
	c->store_rewrite = false;
	free(c->store_error);
	c->store_error = NULL;
	if (c->stored_hook != NULL)
		c->stored_hook(c->stored_hook_arg, c->nblocks - 1);
out:
	store_abort(c->store);
	if (rc != 0) {
		free(c->store_error);
		c->store_error = cause;
	}
	return rc;
}

void
chain_set_stored_hook(struct chain *c, chain_stored_hook *fn, void *arg)
{
	c->stored_hook = fn;
	c->stored_hook_arg = arg;
}

int
chain_pin(struct chain *c, char **cause, struct store_pin *pin)
{
	if (c->store == NULL) {
		xasprintf(cause, "the chain is kept in memory: there is no store to pin");
		return -ENODEV;
	}
	if (c->nstored != c->nblocks || c->store_rewrite) {
		xasprintf(cause, "the head is not stored yet: %s",
			  c->store_error != NULL ? c->store_error : "a write is pending");
		return -EAGAIN;
	}
	return store_pin(c->store, cause, pin);
}

void
chain_unpin(struct chain *c)
{
	if (c->store != NULL)
		store_unpin(c->store);
}

/* Rebuilds a transaction of a stored block from its network encoding and
 * its receipt record. */
static int
load_tx(struct chain_tx **out, const struct chain_block *b, uint32_t index,
	const struct rlp_item *raw, const struct rlp_item *rec)
{
	struct chain_tx *t = xcalloc(1, sizeof(*t));
	struct rlp_item f[9], logs, log;
	struct exec_receipt *r = &t->receipt;
	const char *why;
	uint64_t status, created;
	size_t nlogs;
	int rc;

	if ((rc = rlp_list_split(f, 9, rec)) != 0 || (rc = rlp_list_count(&nlogs, &f[8])) != 0)
		goto out;
	if (f[0].is_list || f[0].len != 20 || f[6].is_list ||
	    (f[6].len != 0 && f[6].len != 20) || f[7].is_list) {
		rc = -EINVAL;
		goto out;
	}
	memcpy(t->sender, f[0].p, 20);
	/* An impersonated sender's transaction has the stand-in signature,
	 * and a hash that takes the sender (see tx.h). */
	if (tx_decode(&t->tx, &why, raw->p, raw->len) != 0 &&
	    (rc = tx_decode_impersonated(&t->tx, &why, raw->p, raw->len, t->sender)) != 0)
		goto out;
	if ((rc = rlp_item_u64(&status, &f[1])) != 0 ||
	    (rc = rlp_item_u64(&r->gas_used, &f[2])) != 0 ||
	    (rc = rlp_item_u64(&r->blob_gas_used, &f[3])) != 0 ||
	    (rc = rlp_item_u64(&t->cumulative_gas, &f[4])) != 0 ||
	    (rc = rlp_item_u64(&created, &f[5])) != 0)
		goto out;
	r->status = (enum evm_status)status;
	r->created = created != 0;
	if (f[6].len == 20)
		memcpy(r->contract_address, f[6].p, 20);
	if (f[7].len > 0) {
		r->output = xmalloc(f[7].len);
		memcpy(r->output, f[7].p, f[7].len);
		r->output_len = f[7].len;
	}
	r->logs = nlogs ? xcalloc(nlogs, sizeof(*r->logs)) : NULL;
	logs = f[8];
	while ((rc = rlp_list_next(&log, &logs)) == 1) {
		struct exec_log *l = &r->logs[r->nlogs++];
		struct rlp_item lf[3], topic;
		size_t ntopics;

		if ((rc = rlp_list_split(lf, 3, &log)) != 0 ||
		    (rc = rlp_list_count(&ntopics, &lf[1])) != 0)
			goto out;
		if (lf[0].is_list || lf[0].len != 20 || lf[2].is_list || ntopics > 4) {
			rc = -EINVAL;
			goto out;
		}
		memcpy(l->address, lf[0].p, 20);
		while ((rc = rlp_list_next(&topic, &lf[1])) == 1) {
			if (topic.is_list || topic.len != 32) {
				rc = -EINVAL;
				goto out;
			}
			memcpy(l->topics[l->ntopics++], topic.p, 32);
		}
		if (rc != 0)
			goto out;
		if (lf[2].len > 0) {
			l->data = xmalloc(lf[2].len);
			memcpy(l->data, lf[2].p, lf[2].len);
			l->len = lf[2].len;
		}
	}
	if (rc != 0)
		goto out;
	t->raw = xmalloc(raw->len);
	memcpy(t->raw, raw->p, raw->len);
	t->raw_len = raw->len;
	t->block_number = b->header.number;
	t->index = index;
	t->first_log_index = index ? b->txs[index - 1]->first_log_index +
					     b->txs[index - 1]->receipt.nlogs : 0;
	t->effective_gas_price = effective_price(&t->tx, &b->header.base_fee);
	block_bloom_logs(t->bloom, r->logs, r->nlogs);
out:
	if (rc != 0) {
		chain_tx_free(t);
		t = NULL;
	}
	*out = t;
	return rc;
}

/* store_foreach_block()'s callback: appends a stored block to the chain,
 * checking that it follows the one before. */
static int
load_block(void *arg, char **cause, const struct store_block *sb)
{
	struct chain *c = arg;
	struct chain_block *b = xcalloc(1, sizeof(*b));
	struct rlp_item body = { 0 }, recs = { 0 }, raw, rec;
	size_t n = 0, nrecs = 0;
	int rc;

	if ((rc = block_header_decode(&b->header, sb->header, sb->header_len)) != 0 ||
	    (rc = seal(b)) != 0)
		goto bad;
	if (b->header.number != sb->number ||
	    (sb->number == 0 && memcmp(b->hash, c->blocks[0]->hash, 32) != 0) ||
	    (sb->number > 0 && memcmp(b->header.parent_hash, chain_head(c)->hash, 32) != 0)) {
		rc = -EIO;
		goto bad;
	}
	if (sb->body_len > 0 || sb->receipts_len > 0) {
		if ((rc = rlp_decode(&body, sb->body, sb->body_len)) != 0 ||
		    (rc = rlp_decode(&recs, sb->receipts, sb->receipts_len)) != 0 ||
		    (rc = rlp_list_count(&n, &body)) != 0 ||
		    (rc = rlp_list_count(&nrecs, &recs)) != 0)
			goto bad;
		if (n != nrecs) {
			rc = -EIO;
			goto bad;
		}
		b->txs = xcalloc(n, sizeof(*b->txs));
	}
	while (b->ntxs < n) {
		if (rlp_list_next(&raw, &body) != 1 || rlp_list_next(&rec, &recs) != 1 ||
		    raw.is_list || !rec.is_list) {
			rc = -EIO;
			goto bad;
		}
		if ((rc = load_tx(&b->txs[b->ntxs], b, (uint32_t)b->ntxs, &raw, &rec)) != 0)
			goto bad;
		b->ntxs++;
	}
	if (sb->cert_len > 0) {
		b->cert = xmalloc(sb->cert_len);
		memcpy(b->cert, sb->cert, sb->cert_len);
		b->cert_len = sb->cert_len;
	}
	if (sb->number == 0) {
		/* The genesis block made from the config stays. */
		block_free(b);
		return 0;
	}
	append_block(c, b);
	return 0;
bad:
	xasprintf(cause, "store '%s' is corrupt: block %llu cannot be read (%s)",
		  store_path(c->store), (unsigned long long)sb->number, strerror(-rc));
	block_free(b);
	return -EIO;
}

/* Opens the store in dir: a new one gets the genesis block and state; an
 * existing one must hold this chain, and is loaded. */
static int
chain_open_store(struct chain *c, char **cause, const char *dir)
{
	struct store_meta m;
	uint8_t root[32];
	bool found;
	int rc;

	if ((rc = store_open(&c->store, cause, dir)) != 0)
		goto out;
	if ((rc = store_get_meta(c->store, cause, &found, &m)) != 0)
		goto out;
	if (!found) {
		if ((rc = chain_persist(c)) != 0)
			*cause = xstrdup(c->store_error);
		goto out;
	}
	if (m.chain_id != c->cfg.chain_id) {
		xasprintf(cause, "data dir '%s' holds a chain with chain id %llu, not %llu", dir,
			  (unsigned long long)m.chain_id, (unsigned long long)c->cfg.chain_id);
		rc = -EINVAL;
		goto out;
	}
	if (memcmp(m.genesis, c->blocks[0]->hash, 32) != 0) {
		xasprintf(cause, "data dir '%s' holds a chain with another genesis block "
			  "(the alloc, gas limit, base fee, timestamp or coinbase differ)", dir);
		rc = -EINVAL;
		goto out;
	}
	/* The stored state replaces the genesis state. */
	exec_free(c->exec);
	state_free(c->state);
	c->state = state_new();
	c->exec = exec_new(c->state);
	exec_set_block_hash(c->exec, chain_block_hash, c);
	if ((rc = store_load_state(c->store, cause, c->state)) != 0 ||
	    (rc = store_foreach_block(c->store, cause, load_block, c)) != 0)
		goto out;
	if ((rc = state_root(c->state, root)) != 0) {
		xasprintf(cause, "cannot compute the state root: %s", strerror(-rc));
		goto out;
	}
	if (chain_head(c)->header.number != m.head ||
	    memcmp(root, chain_head(c)->header.state_root, 32) != 0) {
		xasprintf(cause, "store '%s' is corrupt: its state does not match block %llu",
			  store_path(c->store), (unsigned long long)chain_head(c)->header.number);
		rc = -EIO;
		goto out;
	}
	c->nstored = c->nblocks;
out:
	if (rc != 0) {
		/* Nothing of a chain that failed to load may be written. */
		store_free(c->store);
		c->store = NULL;
	}
	return rc;
}

/* store_foreach_block()'s callback: reads block 0's timestamp, then stops
 * the walk with 1. */
static int
genesis_time(void *arg, char **cause, const struct store_block *sb)
{
	struct block_header h;
	int rc = block_header_decode(&h, sb->header, sb->header_len);

	if (rc != 0) {
		xasprintf(cause, "a stored genesis header cannot be read: %s", strerror(-rc));
		return -EIO;
	}
	*(uint64_t *)arg = h.timestamp;
	return 1;
}

int
chain_stored_genesis_time(uint64_t *timestamp, char **cause, const char *data_dir)
{
	struct store *st = NULL;
	struct store_meta m;
	struct stat sb;
	bool found;
	int rc;

	/* A missing data dir holds no chain, and is not made here. */
	if (stat(data_dir, &sb) == -1 && errno == ENOENT)
		return -ENOENT;
	if ((rc = store_open(&st, cause, data_dir)) != 0)
		goto out;
	if ((rc = store_get_meta(st, cause, &found, &m)) != 0)
		goto out;
	if (!found) {
		rc = -ENOENT;
		goto out;
	}
	rc = store_foreach_block(st, cause, genesis_time, timestamp);
	if (rc == 1)
		rc = 0;
out:
	store_free(st);
	return rc;
}

const struct state *
chain_state_at(const struct chain *c, uint64_t n)
{
	const struct chain_block *b = chain_block(c, n);

	if (b == NULL)
		return NULL;
	if (n == chain_head(c)->header.number)
		return c->state;
	return b->kept != NULL ? b->kept->state : NULL;
}

int
chain_call_at(struct chain *c, uint64_t n, struct exec_receipt *r, const char **why,
	      const struct chain_call *call)
{
	const struct chain_block *b = chain_block(c, n);
	struct exec_block env;
	struct exec *x;
	struct tx tx;
	int rc;

	if (b != NULL && n == chain_head(c)->header.number)
		return chain_call(c, r, why, call);
	if (b == NULL || b->kept == NULL) {
		memset(r, 0, sizeof(*r));
		*why = "historical state not available: only the last 128 blocks are kept";
		return -ENOENT;
	}
	/* The block's own context, over the state it left; the executor is
	 * a throwaway one, and exec_call undoes every effect. */
	memset(&env, 0, sizeof(env));
	memcpy(env.coinbase, b->header.coinbase, 20);
	env.number = b->header.number;
	env.timestamp = b->header.timestamp;
	env.gas_limit = b->header.gas_limit;
	env.base_fee = b->header.base_fee;
	env.chain_id = u256_from_u64(c->cfg.chain_id);
	env.excess_blob_gas = b->header.excess_blob_gas;
	x = exec_new(b->kept->state);
	exec_set_block_hash(x, chain_block_hash, c);
	call_tx(c, &tx, call, call->gas ? call->gas : c->cfg.gas_limit);
	rc = exec_call(x, r, why, &env, &tx, call->from);
	exec_free(x);
	return rc;
}

/* The setters change the head's state between blocks; the next block
 * carries them (and the store gets them with it). */
void
chain_set_balance(struct chain *c, const uint8_t addr[20], const struct u256 *v)
{
	state_set_balance(c->state, addr, v);
	state_end_tx(c->state);
	c->set_since_block = true;
}

void
chain_set_nonce(struct chain *c, const uint8_t addr[20], uint64_t nonce)
{
	state_set_nonce(c->state, addr, nonce);
	state_end_tx(c->state);
	c->set_since_block = true;
}

void
chain_set_code(struct chain *c, const uint8_t addr[20], const uint8_t *code, size_t len)
{
	state_set_code(c->state, addr, code, len);
	state_end_tx(c->state);
	c->set_since_block = true;
}

void
chain_set_storage(struct chain *c, const uint8_t addr[20], const struct u256 *slot,
		  const struct u256 *value)
{
	state_set_storage(c->state, addr, slot, value);
	state_end_tx(c->state);
	c->set_since_block = true;
}

int64_t
chain_increase_time(struct chain *c, int64_t seconds)
{
	c->time_offset += seconds;
	return c->time_offset;
}

int
chain_set_next_timestamp(struct chain *c, uint64_t timestamp)
{
	if (timestamp <= chain_head(c)->header.timestamp)
		return -EINVAL;
	c->next_timestamp = timestamp;
	return 0;
}

int
chain_block_env(const struct chain *c, uint64_t n, struct exec_block *env)
{
	const struct chain_block *b = chain_block(c, n);

	if (b == NULL)
		return -ENOENT;
	memset(env, 0, sizeof(*env));
	memcpy(env->coinbase, b->header.coinbase, 20);
	env->number = b->header.number;
	env->timestamp = b->header.timestamp;
	env->gas_limit = b->header.gas_limit;
	env->base_fee = b->header.base_fee;
	env->chain_id = u256_from_u64(c->cfg.chain_id);
	env->excess_blob_gas = b->header.excess_blob_gas;
	return 0;
}

int
chain_call_env(const struct chain *c, uint64_t n, struct exec_block *env)
{
	if (chain_block(c, n) == NULL)
		return -ENOENT;
	if (n == chain_head(c)->header.number) {
		next_block_env(c, env, 0);
		return 0;
	}
	return chain_block_env(c, n, env);
}

/* --- blocks agreed by consensus ------------------------------------------ */

/* A block on the wire: rlp([header as a string, [tx...]]), each tx its
 * network encoding, or [encoding, sender] for an impersonated sender's. */
static int
encode_block(const struct chain_block *b, uint8_t **out, size_t *len)
{
	struct rlp_enc e;
	uint8_t *hdr = NULL;
	size_t hlen, m, txs;
	int rc;

	if ((rc = block_header_encode(&hdr, &hlen, &b->header)) != 0)
		return rc;
	rlp_enc_init(&e);
	m = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, hdr, hlen);
	txs = rlp_enc_list_begin(&e);
	for (size_t i = 0; i < b->ntxs; i++) {
		const struct chain_tx *t = b->txs[i];

		if (tx_is_impersonated(&t->tx)) {
			size_t pm = rlp_enc_list_begin(&e);

			rlp_enc_bytes(&e, t->raw, t->raw_len);
			rlp_enc_bytes(&e, t->sender, 20);
			rlp_enc_list_end(&e, pm);
		} else {
			rlp_enc_bytes(&e, t->raw, t->raw_len);
		}
	}
	rlp_enc_list_end(&e, txs);
	rlp_enc_list_end(&e, m);
	free(hdr);
	if ((rc = rlp_enc_error(&e)) != 0) {
		rlp_enc_release(&e);
		return rc;
	}
	*out = rlp_enc_detach(&e, len);
	return 0;
}

int
chain_block_encode(const struct chain_block *b, uint8_t **out, size_t *len)
{
	return encode_block(b, out, len);
}

/* Decodes and runs a block from the wire on st (through x), as the next
 * block after the head.  Returns: 0 with *out the executed block, whose
 * hash matches its header's; -EINVAL with *why when it is not a valid
 * next block; -ENOMEM. */
static int
run_block(struct chain *c, struct chain_block **out, const char **why, struct state *st,
	  struct exec *x, const uint8_t *buf, size_t len)
{
	const struct chain_block *head = chain_head(c);
	struct rlp_item top, f[2], item;
	struct block_header h;
	struct chain_block *b = NULL;
	struct exec_block env;
	uint8_t want[32];
	int rc;

	*out = NULL;
	*why = "malformed block";
	if (rlp_decode(&top, buf, len) != 0 || rlp_list_split(f, 2, &top) != 0 || f[0].is_list ||
	    !f[1].is_list || block_header_decode(&h, f[0].p, f[0].len) != 0)
		return -EINVAL;
	if ((rc = block_header_hash(want, &h)) != 0)
		return rc;
	next_block_env(c, &env, h.timestamp);
	if (h.number != env.number || memcmp(h.parent_hash, head->hash, 32) != 0) {
		*why = "not the next block after the head";
		return -EINVAL;
	}
	if (h.timestamp <= head->header.timestamp) {
		*why = "timestamp not after its parent's";
		return -EINVAL;
	}
	/* Every other field must be what this node would have made: the
	 * hash comparison at the end catches any that is not. */
	b = new_block(c, &env);
	while ((rc = rlp_list_next(&item, &f[1])) == 1) {
		struct rlp_item raw = item, sender = { 0 };
		struct tx tx;
		uint8_t from[20], *copy;

		if (item.is_list) {
			struct rlp_item pf[2];

			if (rlp_list_split(pf, 2, &item) != 0 || pf[0].is_list || pf[1].is_list ||
			    pf[1].len != 20) {
				rc = -EINVAL;
				break;
			}
			raw = pf[0];
			sender = pf[1];
		}
		if (sender.len == 20) {
			memcpy(from, sender.p, 20);
			rc = tx_decode_impersonated(&tx, why, raw.p, raw.len, from);
		} else if ((rc = tx_decode(&tx, why, raw.p, raw.len)) == 0 &&
			   (rc = tx_check(&tx, why, c->cfg.chain_id)) == 0 &&
			   tx_sender(from, &tx) != 0) {
			*why = "invalid sender";
			tx_release(&tx);
			rc = -EINVAL;
		}
		if (rc != 0)
			break;
		copy = xmalloc(raw.len);
		memcpy(copy, raw.p, raw.len);
		if ((rc = add_tx(b, x, why, &env, &tx, from, copy, raw.len)) != 0) {
			tx_release(&tx);
			free(copy);
			break;
		}
	}
	if (rc < 0) {
		block_free(b);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	if ((rc = finish_block(st, b)) != 0) {
		block_free(b);
		return rc;
	}
	if (memcmp(b->hash, want, 32) != 0) {
		*why = b->header.gas_used != h.gas_used ? "gas used differs"
		       : memcmp(b->header.state_root, h.state_root, 32) != 0 ? "state root differs"
		       : memcmp(b->header.receipts_root, h.receipts_root, 32) != 0
			       ? "receipts root differ"
			       : "header differs from what its transactions give";
		block_free(b);
		return -EINVAL;
	}
	*out = b;
	return 0;
}

int
chain_propose(struct chain *c, uint8_t **out, size_t *len, uint8_t hash[32], uint64_t timestamp)
{
	struct state *st = state_clone(c->state);
	struct exec *x = exec_new(st);
	bool *tried = xcalloc(c->npool + 1, sizeof(*tried));
	struct chain_block *b;
	struct exec_block env;
	int rc;

	exec_set_block_hash(x, chain_block_hash, c);
	next_block_env(c, &env, timestamp);
	b = new_block(c, &env);
	/* The pool's ready transactions in its order, on a copy of the state:
	 * the pool and the head stay as they are until the block is agreed. */
	for (;;) {
		struct tx tx;
		const char *why;
		uint8_t *raw;
		size_t i;

		for (i = 0; i < c->npool; i++) {
			if (!tried[i] && c->pool[i].tx.nonce == state_nonce(st, c->pool[i].sender))
				break;
		}
		if (i == c->npool || b->header.gas_used + TX_G_BASE > env.gas_limit)
			break;
		tried[i] = true;
		rc = c->pool[i].tx.impersonated
			     ? tx_decode_impersonated(&tx, &why, c->pool[i].raw, c->pool[i].raw_len,
						      c->pool[i].sender)
			     : tx_decode(&tx, &why, c->pool[i].raw, c->pool[i].raw_len);
		if (rc != 0)
			continue;
		raw = xmalloc(c->pool[i].raw_len);
		memcpy(raw, c->pool[i].raw, c->pool[i].raw_len);
		if (add_tx(b, x, &why, &env, &tx, c->pool[i].sender, raw, c->pool[i].raw_len) != 0) {
			tx_release(&tx);
			free(raw);
		}
	}
	rc = finish_block(st, b);
	if (rc == 0)
		rc = encode_block(b, out, len);
	if (rc == 0)
		memcpy(hash, b->hash, 32);
	block_free(b);
	free(tried);
	exec_free(x);
	state_free(st);
	return rc;
}

int
chain_check_block(struct chain *c, const char **why, const uint8_t *buf, size_t len,
		  uint8_t hash[32])
{
	struct state *st = state_clone(c->state);
	struct exec *x = exec_new(st);
	struct chain_block *b;
	int rc;

	exec_set_block_hash(x, chain_block_hash, c);
	rc = run_block(c, &b, why, st, x, buf, len);
	if (rc == 0) {
		memcpy(hash, b->hash, 32);
		block_free(b);
	}
	exec_free(x);
	state_free(st);
	return rc;
}

int
chain_import_block(struct chain *c, const char **why, const uint8_t *buf, size_t len,
		   const uint8_t *cert, size_t cert_len)
{
	struct chain_block *b;
	uint8_t hash[32];
	int rc;

	/* Checked on a copy first, so that a bad block never touches the
	 * head's state; then run on the head, which the store follows. */
	if ((rc = chain_check_block(c, why, buf, len, hash)) != 0)
		return rc;
	if ((rc = run_block(c, &b, why, c->state, c->exec, buf, len)) != 0) {
		/* It passed on a copy of the same state: the head is now
		 * half-changed, which only a bug can do. */
		BUG("a checked block failed on the head");
	}
	if (cert_len > 0) {
		b->cert = xmalloc(cert_len);
		memcpy(b->cert, cert, cert_len);
		b->cert_len = cert_len;
	}
	/* Its transactions leave the pool, and so do the ones it made stale. */
	for (size_t i = 0; i < b->ntxs; i++) {
		long k = pool_find_hash(c, b->txs[i]->tx.hash);

		if (k >= 0) {
			pooled_release(&c->pool[k]);
			pool_remove(c, (size_t)k);
		}
	}
	keep_state(c, b);
	append_block(c, b);
	c->next_timestamp = 0;
	pool_prune(c);
	return chain_persist(c);
}
