/* The node's chain (see chain.h): blocks in memory, the head's state, a
 * pool of transactions waiting for a block, and mining. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "keccak.h"
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
	struct snap *snaps; /* in id order */
	size_t nsnaps, asnaps;
	uint64_t next_snap;
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

struct chain *
chain_new(const struct chain_config *cfg, char **cause)
{
	struct chain *c = xcalloc(1, sizeof(*c));
	struct chain_block *g = xcalloc(1, sizeof(*g));

	c->cfg = *cfg;
	c->cfg.alloc = NULL;
	c->cfg.nalloc = 0;
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
	}
	state_end_tx(c->state);

	block_header_init(&g->header);
	g->header.gas_limit = cfg->gas_limit;
	g->header.base_fee = cfg->base_fee;
	g->header.timestamp = cfg->timestamp;
	memcpy(g->header.coinbase, cfg->coinbase, 20);
	if (state_root(c->state, g->header.state_root) != 0 || seal(g) != 0) {
		xasprintf(cause, "cannot compute the genesis block: out of memory");
		free(g);
		chain_free(c);
		return NULL;
	}
	append_block(c, g);
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

static void
pooled_release(struct pooled *p)
{
	tx_release(&p->tx);
	free(p->raw);
}

void
chain_free(struct chain *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nblocks; i++) {
		for (size_t k = 0; k < c->blocks[i]->ntxs; k++)
			chain_tx_free(c->blocks[i]->txs[k]);
		free(c->blocks[i]->txs);
		free(c->blocks[i]);
	}
	for (size_t i = 0; i < c->npool; i++)
		pooled_release(&c->pool[i]);
	free(c->pool);
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

static int
finish_block(struct chain *c, struct chain_block *b)
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
		rc = state_root(c->state, b->header.state_root);
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

int
chain_mine(struct chain *c, uint64_t timestamp)
{
	const struct chain_block *h = chain_head(c);
	struct chain_block *b = xcalloc(1, sizeof(*b));
	struct exec_block env;
	size_t atxs = 0;
	long i;
	int rc;

	next_block_env(c, &env, timestamp);
	block_header_init(&b->header);
	memcpy(b->header.parent_hash, h->hash, 32);
	memcpy(b->header.coinbase, env.coinbase, 20);
	b->header.number = env.number;
	b->header.timestamp = env.timestamp;
	b->header.gas_limit = env.gas_limit;
	b->header.base_fee = env.base_fee;
	b->header.excess_blob_gas = env.excess_blob_gas;
	/* With automine each transaction gets a block of its own. */
	while ((i = pool_next_ready(c)) >= 0 && !(c->automine && b->ntxs == 1)) {
		struct pooled p = c->pool[i];
		struct chain_tx *t = xcalloc(1, sizeof(*t));
		const char *why;

		pool_remove(c, (size_t)i);
		rc = exec_tx(c->exec, &t->receipt, &why, &env, &p.tx, p.sender,
			     env.gas_limit - b->header.gas_used,
			     TX_MAX_BLOB_GAS_PER_BLOCK - b->header.blob_gas_used);
		if (rc != 0) {
			/* It cannot go in any more: it leaves the pool. */
			pooled_release(&p);
			free(t);
			continue;
		}
		t->tx = p.tx;
		memcpy(t->sender, p.sender, 20);
		t->raw = p.raw;
		t->raw_len = p.raw_len;
		t->block_number = env.number;
		t->index = (uint32_t)b->ntxs;
		t->first_log_index = b->ntxs ? b->txs[b->ntxs - 1]->first_log_index +
						       b->txs[b->ntxs - 1]->receipt.nlogs : 0;
		b->header.gas_used += t->receipt.gas_used;
		b->header.blob_gas_used += t->receipt.blob_gas_used;
		t->cumulative_gas = b->header.gas_used;
		t->effective_gas_price = effective_price(&t->tx, &env.base_fee);
		block_bloom_logs(t->bloom, t->receipt.logs, t->receipt.nlogs);
		if (b->ntxs == atxs) {
			atxs = atxs ? 2 * atxs : 8;
			b->txs = xreallocarray(b->txs, atxs, sizeof(*b->txs));
		}
		b->txs[b->ntxs++] = t;
	}
	if ((rc = finish_block(c, b)) != 0) {
		for (size_t k = 0; k < b->ntxs; k++)
			chain_tx_free(b->txs[k]);
		free(b->txs);
		free(b);
		return rc;
	}
	append_block(c, b);
	return 0;
}

int
chain_send_raw(struct chain *c, uint8_t hash[32], const char **why, const uint8_t *raw,
	       size_t len)
{
	struct pooled p = { 0 };
	struct exec_block env;
	int rc;

	*why = NULL;
	if (len > MAX_TX_BYTES) {
		*why = "oversized data";
		return -EINVAL;
	}
	if ((rc = tx_decode(&p.tx, why, raw, len)) != 0)
		return rc;
	memcpy(hash, p.tx.hash, 32);
	if (tx_check(&p.tx, why, c->cfg.chain_id) != 0 || tx_sender(p.sender, &p.tx) != 0) {
		if (*why == NULL)
			*why = "invalid sender";
		*why = geth_reason(*why);
		tx_release(&p.tx);
		return -EINVAL;
	}
	if (chain_tx(c, p.tx.hash) != NULL) {
		*why = "already known";
		tx_release(&p.tx);
		return -EINVAL;
	}
	if (p.tx.nonce < state_nonce(c->state, p.sender)) {
		*why = "nonce too low";
		tx_release(&p.tx);
		return -EINVAL;
	}
	/* One that could run now must pass the checks it would meet in the
	 * next block, so that the sender hears of them at once. */
	if (p.tx.nonce == state_nonce(c->state, p.sender)) {
		next_block_env(c, &env, 0);
		*why = exec_check(c->exec, &env, &p.tx, p.sender, env.gas_limit,
				  TX_MAX_BLOB_GAS_PER_BLOCK);
		if (*why != NULL) {
			*why = geth_reason(*why);
			tx_release(&p.tx);
			return -EINVAL;
		}
	}
	p.raw = xmalloc(len);
	memcpy(p.raw, raw, len);
	p.raw_len = len;
	if (c->npool == c->apool) {
		c->apool = c->apool ? 2 * c->apool : 16;
		c->pool = xreallocarray(c->pool, c->apool, sizeof(*c->pool));
	}
	c->pool[c->npool++] = p;
	if (c->automine) {
		while (pool_next_ready(c) >= 0) {
			if ((rc = chain_mine(c, 0)) != 0)
				return rc;
		}
	}
	return 0;
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
	while (c->nblocks > c->snaps[k].nblocks) {
		struct chain_block *b = c->blocks[--c->nblocks];

		for (size_t i = 0; i < b->ntxs; i++)
			chain_tx_free(b->txs[i]);
		free(b->txs);
		free(b);
	}
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
	return true;
}
