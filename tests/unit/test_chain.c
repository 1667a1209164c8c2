/* Tests for node/chain/chain.c: genesis, automine, the pool, calls, gas
 * estimates and lookups, with transactions signed by anvil's first dev
 * account. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "harness.h"
#include "harness_node.h"
#include "hdwallet.h"
#include "secp.h"
#include "state/store.h"

#define MNEMONIC "test test test test test test test test test test test junk"

static struct secp *secp;
static struct hdwallet_account alice, bob;

/* Returns: a chain with alice's 10,000 ether, kept in dir (NULL: in
 * memory). */
static struct chain *
new_chain_in(bool automine, const char *dir)
{
	struct chain_alloc alloc[2];
	struct chain_config cfg = {
		.chain_id = 31337, .gas_limit = 30000000, .base_fee = u256_from_u64(1000000000),
		.timestamp = 1700000000, .alloc = alloc, .nalloc = 2, .automine = automine,
		.data_dir = dir,
	};
	char *cause = NULL;
	struct chain *c;

	memset(alloc, 0, sizeof(alloc));
	memcpy(alloc[0].address, alice.addr, 20);
	alloc[0].balance = harness_u256("10000000000000000000000");
	memcpy(alloc[1].address, bob.addr, 20);
	c = chain_new(&cfg, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

static struct chain *
new_chain(bool automine)
{
	return new_chain_in(automine, NULL);
}

/* Signs an EIP-1559 transaction from alice.  Out: *raw (caller frees). */
static void
signed_tx(uint8_t **raw, size_t *len, uint64_t nonce, const uint8_t *to, uint64_t value,
	  const uint8_t *data, size_t data_len, uint64_t gas)
{
	CU_ASSERT_EQUAL_FATAL(harness_signed_tx(raw, len, secp, alice.key, nonce, to, value, data,
						data_len, gas), 0);
}

static void
test_chain_genesis(void)
{
	struct chain *c = new_chain(true);
	const struct chain_block *g = chain_head(c);
	struct u256 bal = state_balance(chain_state(c), alice.addr);

	CU_ASSERT_EQUAL(g->header.number, 0);
	CU_ASSERT_PTR_EQUAL(chain_block(c, 0), g);
	CU_ASSERT_PTR_NULL(chain_block(c, 1));
	CU_ASSERT_PTR_EQUAL(chain_block_by_hash(c, g->hash), g);
	CU_ASSERT_TRUE(harness_u256_is(chain_next_base_fee(c), 1000000000));
	CU_ASSERT_EQUAL(bal.w[0], harness_u256("10000000000000000000000").w[0]);
	CU_ASSERT_EQUAL(chain_id(c), 31337);
	chain_free(c);
}

/* Automine: the receipt exists when the send returns. */
static void
test_chain_automine_transfer(void)
{
	struct chain *c = new_chain(true);
	const struct chain_tx *t;
	uint8_t *raw, hash[32];
	const char *why = NULL;
	struct u256 bal;
	size_t len;

	signed_tx(&raw, &len, 0, bob.addr, 1000, NULL, 0, 21000);
	CU_ASSERT_EQUAL_FATAL(chain_send_raw(c, hash, &why, raw, len), 0);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 1);
	t = chain_tx(c, hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->receipt.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(t->receipt.gas_used, 21000);
	CU_ASSERT_EQUAL(t->block_number, 1);
	CU_ASSERT_EQUAL(memcmp(t->sender, alice.addr, 20), 0);
	CU_ASSERT_TRUE(harness_u256_is(t->effective_gas_price, 2000000000));
	bal = state_balance(chain_state(c), bob.addr);
	CU_ASSERT_TRUE(harness_u256_is(bal, 1000));
	/* The state after each recent block stays readable. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(chain_state_at(c, 0));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(chain_state_at(c, 0), bob.addr), 0));
	CU_ASSERT_PTR_EQUAL(chain_state_at(c, 1), chain_state(c));
	CU_ASSERT_PTR_NULL(chain_state_at(c, 2));
	CU_ASSERT_EQUAL(state_nonce(chain_state(c), alice.addr), 1);
	CU_ASSERT_EQUAL(chain_head(c)->header.gas_used, 21000);
	/* Block 1 keeps the genesis base fee, as anvil's does; then it moves. */
	CU_ASSERT_TRUE(harness_u256_is(chain_head(c)->header.base_fee, 1000000000));
	CU_ASSERT_FALSE(harness_u256_is(chain_next_base_fee(c), 1000000000));
	/* The same bytes again, and an old nonce, are refused. */
	CU_ASSERT_EQUAL(chain_send_raw(c, hash, &why, raw, len), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "already known");
	free(raw);
	signed_tx(&raw, &len, 0, bob.addr, 5, NULL, 0, 21000);
	CU_ASSERT_EQUAL(chain_send_raw(c, hash, &why, raw, len), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "nonce too low");
	free(raw);
	signed_tx(&raw, &len, 1, bob.addr, 5, NULL, 0, 20000);
	CU_ASSERT_EQUAL(chain_send_raw(c, hash, &why, raw, len), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "intrinsic gas too low");
	free(raw);
	CU_ASSERT_EQUAL(chain_send_raw(c, hash, &why, (const uint8_t *)"\x02\xc0", 2), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(why);
	chain_free(c);
}

static void
test_chain_insufficient_funds(void)
{
	struct chain *c = new_chain(true);
	uint8_t *raw, hash[32];
	const char *why = NULL;
	size_t len;

	/* 10,001 ether is more than alice has. */
	{
		struct tx tx = { 0 };

		tx.type = TX_DYNAMIC_FEE;
		tx.chain_id = u256_from_u64(31337);
		tx.max_fee = u256_from_u64(3000000000);
		tx.gas_limit = 21000;
		memcpy(tx.to, bob.addr, 20);
		tx.value = harness_u256("10001000000000000000000");
		CU_ASSERT_EQUAL_FATAL(tx_sign(secp, &tx, alice.key), 0);
		CU_ASSERT_EQUAL_FATAL(tx_encode(&raw, &len, &tx), 0);
		tx_release(&tx);
	}
	CU_ASSERT_EQUAL(chain_send_raw(c, hash, &why, raw, len), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "insufficient funds for gas * price + value");
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 0);
	free(raw);
	chain_free(c);
}

/* Without automine, transactions wait, nonce gaps included, for a block. */
static void
test_chain_pool_and_mine(void)
{
	struct chain *c = new_chain(false);
	uint8_t *raw, h0[32], h1[32];
	const char *why = NULL;
	size_t len;

	signed_tx(&raw, &len, 1, bob.addr, 1, NULL, 0, 21000);
	CU_ASSERT_EQUAL(chain_send_raw(c, h1, &why, raw, len), 0);
	free(raw);
	signed_tx(&raw, &len, 0, bob.addr, 1, NULL, 0, 21000);
	CU_ASSERT_EQUAL(chain_send_raw(c, h0, &why, raw, len), 0);
	free(raw);
	CU_ASSERT_EQUAL(chain_pending(c), 2);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 0);
	CU_ASSERT_EQUAL(chain_mine(c, 0), 0);
	CU_ASSERT_EQUAL(chain_pending(c), 0);
	CU_ASSERT_EQUAL_FATAL(chain_head(c)->ntxs, 2);
	CU_ASSERT_EQUAL(chain_tx(c, h0)->index, 0);
	CU_ASSERT_EQUAL(chain_tx(c, h1)->index, 1);
	CU_ASSERT_EQUAL(chain_tx(c, h1)->cumulative_gas, 42000);
	CU_ASSERT_EQUAL(chain_mine(c, 0), 0); /* an empty block */
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 2);
	/* An empty block shares its parent's kept state. */
	CU_ASSERT_EQUAL(chain_mine(c, 0), 0);
	CU_ASSERT_PTR_EQUAL(chain_state_at(c, 2), chain_state_at(c, 1));
	CU_ASSERT_EQUAL(chain_head(c)->ntxs, 0);
	CU_ASSERT_TRUE(chain_head(c)->header.timestamp > chain_block(c, 1)->header.timestamp);
	chain_free(c);
}

/* Deploys code that returns 42, calls it, estimates gas, and sees a revert. */
static void
test_chain_call_and_estimate(void)
{
	/* Runtime: PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.  Initcode
	 * copies those 10 bytes to memory and returns them. */
	static const uint8_t init[] = { 0x69, 0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60,
					0x00, 0xf3, 0x60, 0x00, 0x52, 0x60, 0x0a, 0x60, 0x16,
					0xf3 };
	static const uint8_t revert[] = { 0x60, 0x00, 0x60, 0x00, 0xfd };
	struct chain *c = new_chain(true);
	struct chain_call call = { 0 };
	struct exec_receipt r;
	const struct chain_tx *t;
	uint8_t *raw, hash[32];
	const char *why = NULL;
	uint64_t gas = 0;
	size_t len;

	signed_tx(&raw, &len, 0, NULL, 0, init, sizeof(init), 200000);
	CU_ASSERT_EQUAL_FATAL(chain_send_raw(c, hash, &why, raw, len), 0);
	free(raw);
	t = chain_tx(c, hash);
	CU_ASSERT_TRUE_FATAL(t->receipt.created);
	memcpy(call.from, alice.addr, 20);
	memcpy(call.to, t->receipt.contract_address, 20);
	CU_ASSERT_EQUAL_FATAL(chain_call(c, &r, &why, &call), 0);
	CU_ASSERT_EQUAL(r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(r.output_len, 32);
	CU_ASSERT_EQUAL(r.output[31], 42);
	exec_receipt_release(&r);
	/* A call changes nothing. */
	CU_ASSERT_EQUAL(state_nonce(chain_state(c), alice.addr), 1);
	CU_ASSERT_EQUAL(chain_estimate_gas(c, &gas, &r, &why, &call), 0);
	CU_ASSERT_TRUE(gas > 21000 && gas < 22000);
	exec_receipt_release(&r);
	/* At genesis the contract was not there yet: the call returns nothing. */
	CU_ASSERT_EQUAL_FATAL(chain_call_at(c, 0, &r, &why, &call), 0);
	CU_ASSERT_EQUAL(r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(r.output_len, 0);
	exec_receipt_release(&r);
	CU_ASSERT_EQUAL(chain_call_at(c, 1, &r, &why, &call), 0);
	CU_ASSERT_EQUAL(r.output_len, 32);
	exec_receipt_release(&r);
	memcpy(call.to, bob.addr, 20);
	call.value = u256_from_u64(1);
	CU_ASSERT_EQUAL(chain_estimate_gas(c, &gas, &r, &why, &call), 0);
	CU_ASSERT_EQUAL(gas, 21000);
	exec_receipt_release(&r);
	call.is_create = true;
	call.value = u256_from_u64(0);
	call.data = revert;
	call.data_len = sizeof(revert);
	CU_ASSERT_EQUAL(chain_estimate_gas(c, &gas, &r, &why, &call), -EINVAL);
	CU_ASSERT_EQUAL(r.status, EVM_REVERT);
	exec_receipt_release(&r);
	chain_free(c);
}

/* evm_snapshot and evm_revert put back blocks and balances, once. */
static void
test_chain_snapshot_revert(void)
{
	struct chain *c = new_chain(true);
	uint8_t *raw, hash[32], head[32];
	const char *why = NULL;
	uint64_t s0, s1;
	size_t len;

	s0 = chain_snapshot(c);
	CU_ASSERT_EQUAL(s0, 0);
	memcpy(head, chain_head(c)->hash, 32);
	signed_tx(&raw, &len, 0, bob.addr, 7, NULL, 0, 21000);
	CU_ASSERT_EQUAL_FATAL(chain_send_raw(c, hash, &why, raw, len), 0);
	s1 = chain_snapshot(c);
	CU_ASSERT_EQUAL(s1, 1);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 1);
	CU_ASSERT_TRUE(chain_revert(c, s0));
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 0);
	CU_ASSERT_EQUAL(memcmp(chain_head(c)->hash, head, 32), 0);
	CU_ASSERT_PTR_NULL(chain_tx(c, hash));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(chain_state(c), bob.addr), 0));
	CU_ASSERT_EQUAL(state_nonce(chain_state(c), alice.addr), 0);
	CU_ASSERT_FALSE(chain_revert(c, s0)); /* used up */
	CU_ASSERT_FALSE(chain_revert(c, s1)); /* later ones too */
	/* The same transaction goes in again after the revert. */
	CU_ASSERT_EQUAL(chain_send_raw(c, hash, &why, raw, len), 0);
	CU_ASSERT_PTR_NOT_NULL(chain_tx(c, hash));
	free(raw);
	chain_free(c);
}

/* Signs a transfer of value wei from alice to bob with the fee cap and
 * tip given.  Out: *raw (caller frees); hash, when not NULL. */
static void
fee_tx(uint8_t **raw, size_t *len, uint8_t *hash, uint64_t nonce, uint64_t value,
       uint64_t max_fee, uint64_t tip)
{
	struct tx tx = { 0 };

	tx.type = TX_DYNAMIC_FEE;
	tx.chain_id = u256_from_u64(31337);
	tx.nonce = nonce;
	tx.max_fee = u256_from_u64(max_fee);
	tx.max_priority_fee = u256_from_u64(tip);
	tx.gas_limit = 21000;
	memcpy(tx.to, bob.addr, 20);
	tx.value = u256_from_u64(value);
	CU_ASSERT_EQUAL_FATAL(tx_sign(secp, &tx, alice.key), 0);
	CU_ASSERT_EQUAL_FATAL(tx_encode(raw, len, &tx), 0);
	if (hash != NULL)
		memcpy(hash, tx.hash, 32);
	tx_release(&tx);
}

/* Sends fee_tx()'s transaction.  Returns: chain_send_raw()'s result. */
static int
send_fee_tx(struct chain *c, uint8_t hash[32], const char **why, uint64_t nonce, uint64_t value,
	    uint64_t max_fee, uint64_t tip)
{
	uint8_t *raw;
	size_t len;
	int rc;

	fee_tx(&raw, &len, NULL, nonce, value, max_fee, tip);
	rc = chain_send_raw(c, hash, why, raw, len);
	free(raw);
	return rc;
}

#define GWEI 1000000000ULL

/* The same sender and nonce replace a pooled transaction only for 10% more
 * in both the fee cap and the tip, as geth's pool has it. */
static void
test_chain_pool_replacement(void)
{
	struct chain *c = new_chain(false);
	struct chain_pooled p;
	uint8_t *raw, h0[32], h1[32], h[32];
	const char *why = NULL;
	size_t len;

	fee_tx(&raw, &len, NULL, 0, 1, 2 * GWEI, GWEI);
	CU_ASSERT_EQUAL_FATAL(chain_send_raw(c, h0, &why, raw, len), 0);
	CU_ASSERT_EQUAL(chain_send_raw(c, h, &why, raw, len), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "already known");
	free(raw);
	/* 5% more of both, 10% more of only one, or 1 wei short of 10%. */
	CU_ASSERT_EQUAL(send_fee_tx(c, h, &why, 0, 2, 2100000000, 1050000000), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "replacement transaction underpriced");
	CU_ASSERT_EQUAL(send_fee_tx(c, h, &why, 0, 2, 2200000000, GWEI), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "replacement transaction underpriced");
	CU_ASSERT_EQUAL(send_fee_tx(c, h, &why, 0, 2, 2 * GWEI, 1100000000), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "replacement transaction underpriced");
	CU_ASSERT_EQUAL(send_fee_tx(c, h, &why, 0, 2, 2199999999, 1100000000), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "replacement transaction underpriced");
	CU_ASSERT_EQUAL(chain_pending(c), 1);
	CU_ASSERT_TRUE(chain_pool_get(c, &p, h0));
	/* Exactly 10% more of both takes the old one's place. */
	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h1, &why, 0, 2, 2200000000, 1100000000), 0);
	CU_ASSERT_EQUAL(chain_pending(c), 1);
	CU_ASSERT_FALSE(chain_pool_get(c, &p, h0));
	CU_ASSERT_TRUE_FATAL(chain_pool_get(c, &p, h1));
	CU_ASSERT_TRUE(p.pending);
	CU_ASSERT_EQUAL(memcmp(p.sender, alice.addr, 20), 0);
	CU_ASSERT_TRUE(harness_u256_is(p.tx->value, 2));
	CU_ASSERT_TRUE(harness_u256_is(p.tx->max_fee, 2200000000));
	CU_ASSERT_EQUAL(chain_mine(c, 0), 0);
	CU_ASSERT_PTR_NULL(chain_tx(c, h0));
	CU_ASSERT_PTR_NOT_NULL(chain_tx(c, h1));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(chain_state(c), bob.addr), 2));
	/* Once mined, the nonce is used: no replacing any more. */
	CU_ASSERT_EQUAL(send_fee_tx(c, h, &why, 0, 3, 5 * GWEI, 3 * GWEI), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "nonce too low");
	chain_free(c);
}

/* What chain_pool_foreach() showed, in order. */
struct seen {
	uint64_t nonce[8];
	bool pending[8];
	size_t n;
};

static int
see(void *arg, const struct chain_pooled *p)
{
	struct seen *s = arg;

	CU_ASSERT_EQUAL(memcmp(p->sender, alice.addr, 20), 0);
	if (s->n < 8) {
		s->nonce[s->n] = p->tx->nonce;
		s->pending[s->n] = p->pending;
	}
	s->n++;
	return 0;
}

/* Nonces after a gap wait queued until it is filled; the pool is walked,
 * counted and mined in nonce order; and dropped from. */
static void
test_chain_pool_queued(void)
{
	struct chain *c = new_chain(false);
	uint8_t h[6][32];
	struct chain_pooled p;
	struct seen s = { { 0 }, { false }, 0 };
	const char *why = NULL;
	size_t pending, queued;

	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h[3], &why, 3, 3, 2 * GWEI, GWEI), 0);
	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h[0], &why, 0, 0, 2 * GWEI, GWEI), 0);
	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h[2], &why, 2, 2, 2 * GWEI, GWEI), 0);
	chain_pool_count(c, &pending, &queued);
	CU_ASSERT_EQUAL(pending, 1);
	CU_ASSERT_EQUAL(queued, 2);
	CU_ASSERT_EQUAL(chain_pool_nonce(c, alice.addr), 4);
	CU_ASSERT_EQUAL(chain_pool_nonce(c, bob.addr), 0);
	CU_ASSERT_EQUAL(chain_pool_foreach(c, see, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 3);
	CU_ASSERT_TRUE(s.nonce[0] == 0 && s.nonce[1] == 2 && s.nonce[2] == 3);
	CU_ASSERT_TRUE(s.pending[0] && !s.pending[1] && !s.pending[2]);
	/* Only nonce 0 can go into a block. */
	CU_ASSERT_EQUAL(chain_mine(c, 0), 0);
	CU_ASSERT_EQUAL(chain_head(c)->ntxs, 1);
	CU_ASSERT_PTR_NOT_NULL(chain_tx(c, h[0]));
	chain_pool_count(c, &pending, &queued);
	CU_ASSERT_EQUAL(pending, 0);
	CU_ASSERT_EQUAL(queued, 2);
	/* Filling the gap makes the rest pending. */
	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h[1], &why, 1, 1, 2 * GWEI, GWEI), 0);
	chain_pool_count(c, &pending, &queued);
	CU_ASSERT_EQUAL(pending, 3);
	CU_ASSERT_EQUAL(queued, 0);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(chain_pool_foreach(c, see, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 3);
	CU_ASSERT_TRUE(s.nonce[0] == 1 && s.nonce[1] == 2 && s.nonce[2] == 3);
	CU_ASSERT_TRUE(s.pending[0] && s.pending[1] && s.pending[2]);
	/* Dropping nonce 2 leaves 3 queued behind the new gap. */
	CU_ASSERT_TRUE(chain_pool_drop(c, h[2]));
	CU_ASSERT_FALSE(chain_pool_drop(c, h[2]));
	chain_pool_count(c, &pending, &queued);
	CU_ASSERT_EQUAL(pending, 1);
	CU_ASSERT_EQUAL(queued, 1);
	CU_ASSERT_TRUE_FATAL(chain_pool_get(c, &p, h[3]));
	CU_ASSERT_FALSE(p.pending);
	CU_ASSERT_TRUE_FATAL(chain_pool_get(c, &p, h[1]));
	CU_ASSERT_TRUE(p.pending);
	CU_ASSERT_EQUAL(chain_mine(c, 0), 0);
	CU_ASSERT_EQUAL_FATAL(chain_head(c)->ntxs, 1);
	CU_ASSERT_EQUAL(chain_tx(c, h[1])->index, 0);
	CU_ASSERT_EQUAL(chain_pending(c), 1);
	CU_ASSERT_EQUAL(chain_pool_drop_sender(c, bob.addr), 0);
	CU_ASSERT_EQUAL(chain_pool_drop_sender(c, alice.addr), 1);
	CU_ASSERT_EQUAL(chain_pending(c), 0);
	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h[4], &why, 2, 4, 2 * GWEI, GWEI), 0);
	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h[5], &why, 4, 5, 2 * GWEI, GWEI), 0);
	CU_ASSERT_EQUAL(chain_pending(c), 2);
	chain_pool_clear(c);
	CU_ASSERT_EQUAL(chain_pending(c), 0);
	CU_ASSERT_FALSE(chain_pool_get(c, &p, h[4]));
	chain_free(c);
}

/* With automine a queued transaction waits; filling the gap mines both,
 * a block each. */
static void
test_chain_pool_queued_automine(void)
{
	struct chain *c = new_chain(true);
	uint8_t h0[32], h1[32];
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h1, &why, 1, 1, 2 * GWEI, GWEI), 0);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 0);
	CU_ASSERT_EQUAL(chain_pending(c), 1);
	CU_ASSERT_EQUAL_FATAL(send_fee_tx(c, h0, &why, 0, 0, 2 * GWEI, GWEI), 0);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 2);
	CU_ASSERT_EQUAL(chain_pending(c), 0);
	CU_ASSERT_EQUAL(chain_tx(c, h0)->block_number, 1);
	CU_ASSERT_EQUAL(chain_tx(c, h1)->block_number, 2);
	chain_free(c);
}

/* The transaction anvil 1.7.1 sent for 0x11..11, impersonated, to 0x22..22:
 * 1000 wei, nonce 0, 21000 gas, a 2 gwei fee cap and a 1 gwei tip. */
static void
impersonated_tx(struct tx *tx, enum tx_type type, uint64_t nonce, uint64_t value)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = type;
	tx->chain_id = u256_from_u64(31337);
	tx->nonce = nonce;
	tx->max_fee = u256_from_u64(2 * GWEI);
	tx->max_priority_fee = u256_from_u64(GWEI);
	tx->gas_price = u256_from_u64(2 * GWEI);
	tx->gas_limit = 21000;
	memset(tx->to, 0x22, 20);
	tx->value = u256_from_u64(value);
}

/* Impersonation: chain_send_as() takes a transaction without a signature,
 * gives it anvil's hash, checks it as any other, and mines it as sent by
 * the impersonated sender. */
static void
test_chain_impersonated_send(void)
{
	struct chain *c = new_chain(true);
	uint8_t carol[20], dave[20], eve[20], to[20], hash[32], h2[32], want[32];
	struct u256 ether = harness_u256("1000000000000000000");
	const struct chain_tx *t;
	const char *why = NULL;
	struct tx tx;

	memset(carol, 0x11, 20);
	memset(dave, 0x33, 20);
	memset(eve, 0x44, 20);
	memset(to, 0x22, 20);
	CU_ASSERT_FALSE(chain_is_impersonated(c, carol));
	chain_impersonate(c, carol, true);
	chain_impersonate(c, carol, true);
	CU_ASSERT_TRUE(chain_is_impersonated(c, carol));
	CU_ASSERT_FALSE(chain_is_impersonated(c, dave));
	chain_impersonate(c, dave, true);
	chain_impersonate(c, carol, false);
	CU_ASSERT_FALSE(chain_is_impersonated(c, carol));
	CU_ASSERT_TRUE(chain_is_impersonated(c, dave));
	chain_set_auto_impersonate(c, true);
	CU_ASSERT_TRUE(chain_is_impersonated(c, carol));
	chain_set_auto_impersonate(c, false);
	CU_ASSERT_FALSE(chain_is_impersonated(c, carol));

	chain_set_balance(c, carol, &ether);
	chain_set_balance(c, dave, &ether);
	impersonated_tx(&tx, TX_DYNAMIC_FEE, 0, 1000);
	CU_ASSERT_EQUAL_FATAL(chain_send_as(c, hash, &why, &tx, carol), 0);
	harness_unhex(want, 32, "b9b077107562cd917e4f909f9947cb5eac9f1f73c67904dcb636809e18d30274");
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 1);
	t = chain_tx(c, hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(memcmp(t->sender, carol, 20), 0);
	CU_ASSERT_EQUAL(t->receipt.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(t->receipt.gas_used, 21000);
	CU_ASSERT_TRUE(tx_is_impersonated(&t->tx));
	CU_ASSERT_TRUE(harness_u256_is(t->tx.v, 0));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(chain_state(c), to), 1000));
	CU_ASSERT_EQUAL(state_nonce(chain_state(c), carol), 1);
	/* Its encoding carries no signature anyone can recover. */
	CU_ASSERT_EQUAL(chain_send_raw(c, h2, &why, t->raw, t->raw_len), -EINVAL);
	/* The same fields from dave make another transaction. */
	CU_ASSERT_EQUAL_FATAL(chain_send_as(c, h2, &why, &tx, dave), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(h2, hash, 32), 0);
	CU_ASSERT_EQUAL(memcmp(chain_tx(c, h2)->sender, dave, 20), 0);
	/* The pool's checks apply as to any transaction. */
	CU_ASSERT_EQUAL(chain_send_as(c, h2, &why, &tx, carol), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "already known");
	tx.value = u256_from_u64(1001);
	CU_ASSERT_EQUAL(chain_send_as(c, h2, &why, &tx, carol), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "nonce too low");
	CU_ASSERT_EQUAL(chain_send_as(c, h2, &why, &tx, eve), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "insufficient funds for gas * price + value");
	/* A legacy one: EIP-155's v for y parity 0, and anvil's hash again. */
	impersonated_tx(&tx, TX_LEGACY, 1, 1000);
	CU_ASSERT_EQUAL_FATAL(chain_send_as(c, hash, &why, &tx, carol), 0);
	harness_unhex(want, 32, "d3ae3aef1f9f9178a46d9c0ad8a05dbd30ca73894c13fdd996be894fa3568779");
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	t = chain_tx(c, hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_TRUE(harness_u256_is(t->tx.v, 2 * 31337 + 35));
	CU_ASSERT_EQUAL(memcmp(t->sender, carol, 20), 0);
	chain_free(c);
}

/* An impersonated transaction keeps its sender and hash through the store,
 * and a revert drops it from the store's index too. */
static void
test_chain_impersonated_store(void)
{
	char *dir = harness_tmpdir(), *cause = NULL;
	struct chain *c = new_chain_in(true, dir);
	uint8_t carol[20], h0[32], h1[32], h2[32];
	struct u256 ether = harness_u256("1000000000000000000");
	const struct chain_tx *t;
	struct store *st = NULL;
	const char *why = NULL;
	uint64_t snap, number;
	uint32_t index;
	struct tx tx;

	memset(carol, 0x11, 20);
	chain_set_balance(c, carol, &ether);
	impersonated_tx(&tx, TX_DYNAMIC_FEE, 0, 1000);
	CU_ASSERT_EQUAL_FATAL(chain_send_as(c, h0, &why, &tx, carol), 0);
	snap = chain_snapshot(c);
	impersonated_tx(&tx, TX_DYNAMIC_FEE, 1, 1000);
	CU_ASSERT_EQUAL_FATAL(chain_send_as(c, h1, &why, &tx, carol), 0);
	CU_ASSERT_TRUE(chain_revert(c, snap));
	CU_ASSERT_PTR_NULL(chain_store_error(c));
	impersonated_tx(&tx, TX_DYNAMIC_FEE, 1, 2000);
	CU_ASSERT_EQUAL_FATAL(chain_send_as(c, h2, &why, &tx, carol), 0);
	chain_free(c);

	c = new_chain_in(true, dir);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 2);
	t = chain_tx(c, h0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(memcmp(t->sender, carol, 20), 0);
	CU_ASSERT_EQUAL(memcmp(t->tx.hash, h0, 32), 0);
	CU_ASSERT_TRUE(tx_is_impersonated(&t->tx));
	t = chain_tx(c, h2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(memcmp(t->sender, carol, 20), 0);
	CU_ASSERT_TRUE(harness_u256_is(t->tx.value, 2000));
	CU_ASSERT_PTR_NULL(chain_tx(c, h1));
	CU_ASSERT_EQUAL(state_nonce(chain_state(c), carol), 2);
	chain_free(c);

	CU_ASSERT_EQUAL_FATAL(store_open(&st, &cause, dir), 0);
	CU_ASSERT_EQUAL(store_get_tx(st, &cause, &number, &index, h1), -ENOENT);
	CU_ASSERT_EQUAL(store_get_tx(st, &cause, &number, &index, h0), 0);
	CU_ASSERT_EQUAL(number, 1);
	CU_ASSERT_EQUAL(store_get_tx(st, &cause, &number, &index, h2), 0);
	CU_ASSERT_EQUAL(number, 2);
	CU_ASSERT_EQUAL(index, 0);
	store_free(st);
	free(cause);
	harness_rmtree(dir);
	free(dir);
}

/* A setter between blocks changes the next block's state even when the
 * block has no transactions: the state kept for that block must have it,
 * not share its parent's. */
static void
test_chain_setter_then_empty_block(void)
{
	struct chain *c = new_chain(false);
	struct u256 v = u256_from_u64(12345), got;

	chain_set_balance(c, bob.addr, &v);
	CU_ASSERT_EQUAL_FATAL(chain_mine(c, 0), 0);
	CU_ASSERT_EQUAL_FATAL(chain_mine(c, 0), 0);
	CU_ASSERT_EQUAL(chain_head(c)->header.number, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(chain_state_at(c, 1));
	got = state_balance(chain_state_at(c, 1), bob.addr);
	CU_ASSERT_TRUE(u256_eq(&got, &v));
	got = state_balance(chain_state_at(c, 0), bob.addr);
	CU_ASSERT_TRUE(u256_is_zero(&got));
	chain_free(c);
}

/* Consensus: one node proposes from its pool, another checks and imports
 * the block, and both end with the same head and state. */
static void
test_chain_propose_import(void)
{
	struct chain *a = new_chain(false), *b = new_chain(false);
	uint8_t *raw, *block, hash[32], check[32];
	size_t len, blen;
	const char *why = NULL;
	struct u256 ba, bb;

	signed_tx(&raw, &len, 0, bob.addr, 1000, NULL, 0, 21000);
	CU_ASSERT_EQUAL_FATAL(chain_send_raw(a, hash, &why, raw, len), 0);
	free(raw);
	CU_ASSERT_EQUAL_FATAL(chain_propose(a, &block, &blen, hash, 1700000005), 0);
	/* Proposing changes nothing. */
	CU_ASSERT_EQUAL(chain_head(a)->header.number, 0);
	CU_ASSERT_EQUAL(chain_pending(a), 1);
	CU_ASSERT_EQUAL(chain_check_block(b, &why, block, blen, check), 0);
	CU_ASSERT_EQUAL(memcmp(check, hash, 32), 0);
	CU_ASSERT_EQUAL(chain_import_block(b, &why, block, blen, (const uint8_t *)"cert", 4), 0);
	CU_ASSERT_EQUAL(chain_import_block(a, &why, block, blen, (const uint8_t *)"cert", 4), 0);
	CU_ASSERT_EQUAL(chain_head(a)->header.number, 1);
	CU_ASSERT_EQUAL(memcmp(chain_head(a)->hash, hash, 32), 0);
	CU_ASSERT_EQUAL(memcmp(chain_head(b)->hash, hash, 32), 0);
	CU_ASSERT_EQUAL(chain_head(b)->ntxs, 1);
	CU_ASSERT_EQUAL(chain_head(b)->cert_len, 4);
	CU_ASSERT_EQUAL(chain_pending(a), 0);
	ba = state_balance(chain_state(a), bob.addr);
	bb = state_balance(chain_state(b), bob.addr);
	CU_ASSERT_TRUE(harness_u256_is(ba, 1000));
	CU_ASSERT_TRUE(u256_eq(&ba, &bb));
	/* The same block again is no longer the next one. */
	CU_ASSERT_EQUAL(chain_import_block(b, &why, block, blen, NULL, 0), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "not the next block after the head");
	free(block);
	chain_free(a);
	chain_free(b);
}

/* An imported block keeps its certificate across a restart. */
static void
test_chain_import_store(void)
{
	char *dir = harness_tmpdir();
	struct chain *a = new_chain(false), *b = new_chain_in(false, dir);
	uint8_t *block, hash[32];
	size_t blen;
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(chain_propose(a, &block, &blen, hash, 1700000005), 0);
	CU_ASSERT_EQUAL(chain_import_block(b, &why, block, blen, (const uint8_t *)"cert", 4), 0);
	chain_free(b);
	b = new_chain_in(false, dir);
	CU_ASSERT_EQUAL(chain_head(b)->header.number, 1);
	CU_ASSERT_EQUAL(memcmp(chain_head(b)->hash, hash, 32), 0);
	CU_ASSERT_EQUAL_FATAL(chain_head(b)->cert_len, 4);
	CU_ASSERT_EQUAL(memcmp(chain_head(b)->cert, "cert", 4), 0);
	free(block);
	chain_free(a);
	chain_free(b);
	harness_rmtree(dir);
	free(dir);
}

/* A block whose header does not match its transactions, or that carries a
 * transaction that cannot run, is refused and leaves the head alone. */
static void
test_chain_import_refuses(void)
{
	struct chain *a = new_chain(false), *b = new_chain(false);
	uint8_t *raw, *block, hash[32], root[32];
	size_t len, blen;
	const char *why = NULL;

	signed_tx(&raw, &len, 0, bob.addr, 1000, NULL, 0, 21000);
	CU_ASSERT_EQUAL_FATAL(chain_send_raw(a, hash, &why, raw, len), 0);
	free(raw);
	CU_ASSERT_EQUAL_FATAL(chain_propose(a, &block, &blen, hash, 1700000005), 0);
	/* Flip a byte of the value, inside the signed transaction: the
	 * signature no longer gives alice, so the sender cannot pay. */
	block[blen - 70] ^= 1;
	memcpy(root, chain_head(b)->header.state_root, 32);
	CU_ASSERT_EQUAL(chain_import_block(b, &why, block, blen, NULL, 0), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(why);
	CU_ASSERT_EQUAL(chain_head(b)->header.number, 0);
	CU_ASSERT_EQUAL(memcmp(chain_head(b)->header.state_root, root, 32), 0);
	CU_ASSERT_EQUAL(chain_import_block(b, &why, (const uint8_t *)"\xc0", 1, NULL, 0), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "malformed block");
	free(block);
	chain_free(a);
	chain_free(b);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_chain_genesis),
		HARNESS_TEST(test_chain_automine_transfer),
		HARNESS_TEST(test_chain_insufficient_funds),
		HARNESS_TEST(test_chain_pool_and_mine),
		HARNESS_TEST(test_chain_call_and_estimate),
		HARNESS_TEST(test_chain_snapshot_revert),
		HARNESS_TEST(test_chain_pool_replacement),
		HARNESS_TEST(test_chain_pool_queued),
		HARNESS_TEST(test_chain_pool_queued_automine),
		HARNESS_TEST(test_chain_impersonated_send),
		HARNESS_TEST(test_chain_impersonated_store),
		HARNESS_TEST(test_chain_setter_then_empty_block),
		HARNESS_TEST(test_chain_propose_import),
		HARNESS_TEST(test_chain_import_store),
		HARNESS_TEST(test_chain_import_refuses),
		HARNESS_END,
	};
	char *cause = NULL;
	int rc;

	secp = secp_new();
	if (secp == NULL || hdwallet_account(secp, &alice, &cause, MNEMONIC, 0) != 0 ||
	    hdwallet_account(secp, &bob, &cause, MNEMONIC, 1) != 0) {
		fprintf(stderr, "test_chain: cannot derive the dev accounts: %s\n", cause ? cause : "?");
		return 1;
	}
	rc = harness_run("chain", tests);
	hdwallet_account_release(&alice);
	hdwallet_account_release(&bob);
	secp_free(secp);
	return rc;
}
