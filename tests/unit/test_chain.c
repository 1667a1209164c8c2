/* Tests for node/chain/chain.c: genesis, automine, the pool, calls, gas
 * estimates and lookups, with transactions signed by anvil's first dev
 * account. */
#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "harness.h"
#include "harness_node.h"
#include "hdwallet.h"
#include "secp.h"

#define MNEMONIC "test test test test test test test test test test test junk"

static struct secp *secp;
static struct hdwallet_account alice, bob;

static struct chain *
new_chain(bool automine)
{
	struct chain_alloc alloc[2];
	struct chain_config cfg = {
		.chain_id = 31337, .gas_limit = 30000000, .base_fee = u256_from_u64(1000000000),
		.timestamp = 1700000000, .alloc = alloc, .nalloc = 2, .automine = automine,
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
