/* Tests for node/chain/exec.c: every reason exec_tx() refuses a
 * transaction for, with the state left as it was; the fees (EIP-1559's
 * effective price, the coinbase's priority fee, the burnt base fee, the
 * blob fee of EIP-4844) and EIP-3529's refund cap; logs; the -ENOSYS path
 * of a precompile this build cannot run; and the CREATE and CREATE2
 * addresses against published vectors. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec.h"
#include "evm/precompiles.h"
#include "harness.h"
#include "hex.h"
#include "keccak.h"
#include "rlp.h"
#include "state/state.h"

static struct u256
u(uint64_t v)
{
	return u256_from_u64(v);
}

static void
root_of(const struct state *s, uint8_t root[32])
{
	CU_ASSERT_EQUAL_FATAL(state_root(s, root), 0);
}

/* Returns: the sum of every balance (below 2^64 in these tests). */
static int
add_balance(void *arg, const struct state_account_view *a)
{
	struct u256 *sum = arg;

	CU_ASSERT_FALSE(u256_add(sum, sum, &a->balance));
	return 0;
}

static struct u256
total_ether(const struct state *s)
{
	struct u256 sum = u(0);

	(void)state_foreach(s, add_balance, &sum);
	return sum;
}

/* The setting most tests share: a sender with 1 ether, a recipient, a
 * block with base fee 7. */
struct env {
	struct state *s;
	struct exec *x;
	struct exec_block b;
	struct exec_receipt r;
	uint8_t sender[20], to[20];
	uint64_t gas_available, blob_gas_available;
	const char *why;
};

static void
env_init(struct env *e)
{
	struct u256 one_ether = harness_u256("1000000000000000000");

	memset(e, 0, sizeof(*e));
	e->s = state_new();
	e->x = exec_new(e->s);
	harness_address(e->b.coinbase, 0xc0, 1);
	e->b.number = 1;
	e->b.timestamp = 1000;
	e->b.gas_limit = 30000000;
	e->b.base_fee = u(7);
	e->b.chain_id = u(1);
	harness_address(e->sender, 0x5e, 1);
	harness_address(e->to, 0x70, 1);
	state_set_balance(e->s, e->sender, &one_ether);
	state_end_tx(e->s);
	e->gas_available = 30000000;
	e->blob_gas_available = TX_MAX_BLOB_GAS_PER_BLOCK;
}

static void
env_release(struct env *e)
{
	exec_receipt_release(&e->r);
	exec_free(e->x);
	state_free(e->s);
}

static int
env_run(struct env *e, const struct tx *tx)
{
	exec_receipt_release(&e->r);
	e->why = NULL;
	return exec_tx(e->x, &e->r, &e->why, &e->b, tx, e->sender, e->gas_available,
		       e->blob_gas_available);
}

/* A legacy transfer of 1 wei at gas price 10. */
static void
base_tx(struct tx *tx, const struct env *e)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = TX_LEGACY;
	tx->nonce = state_nonce(e->s, e->sender);
	tx->gas_price = u(10);
	tx->gas_limit = 21000;
	memcpy(tx->to, e->to, 20);
	tx->value = u(1);
	tx->chain_id = u(1);
}

static uint8_t good_hashes[2][32] = { { TX_BLOB_HASH_VERSION, 1 }, { TX_BLOB_HASH_VERSION, 2 } };

static void
blob_tx(struct tx *tx, const struct env *e, size_t nblobs)
{
	base_tx(tx, e);
	tx->type = TX_BLOB;
	tx->gas_price = u(0);
	tx->max_fee = u(10);
	tx->max_priority_fee = u(1);
	tx->max_fee_per_blob_gas = u(1);
	tx->blob_hashes = good_hashes;
	tx->nblob_hashes = nblobs;
}

/* --- Refusals -------------------------------------------------------------- */

enum {
	R_CONTROL, R_INTRINSIC, R_NONCE_MAX, R_INITCODE, R_ALLOWANCE, R_PRIORITY,
	R_MAXFEE_1559, R_MAXFEE_LEGACY, R_FUNDS, R_FUNDS_MAXFEE, R_FUNDS_VALUE_OVERFLOW,
	R_FUNDS_PRICE_OVERFLOW, R_FUNDS_MAXFEE_OVERFLOW, R_BLOB_CREATE, R_BLOB_ZERO,
	R_BLOB_VERSION, R_BLOB_ALLOWANCE, R_BLOB_FEE, R_BLOB_FEE_OVERFLOW, R_BLOB_FUNDS,
	R_NONCE_LOW, R_NONCE_HIGH, R_NOT_EOA, R_COUNT,
};

static const char *const reject_why[R_COUNT] = {
	[R_CONTROL] = NULL,
	[R_INTRINSIC] = "TransactionException.INTRINSIC_GAS_TOO_LOW",
	[R_NONCE_MAX] = "TransactionException.NONCE_IS_MAX",
	[R_INITCODE] = "TransactionException.INITCODE_SIZE_EXCEEDED",
	[R_ALLOWANCE] = "TransactionException.GAS_ALLOWANCE_EXCEEDED",
	[R_PRIORITY] = "TransactionException.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
	[R_MAXFEE_1559] = "TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS",
	[R_MAXFEE_LEGACY] = "TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS",
	[R_FUNDS] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
	[R_FUNDS_MAXFEE] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
	[R_FUNDS_VALUE_OVERFLOW] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
	[R_FUNDS_PRICE_OVERFLOW] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
	[R_FUNDS_MAXFEE_OVERFLOW] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
	[R_BLOB_CREATE] = "TransactionException.TYPE_3_TX_CONTRACT_CREATION",
	[R_BLOB_ZERO] = "TransactionException.TYPE_3_TX_ZERO_BLOBS",
	[R_BLOB_VERSION] = "TransactionException.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH",
	[R_BLOB_ALLOWANCE] = "TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED",
	[R_BLOB_FEE] = "TransactionException.INSUFFICIENT_MAX_FEE_PER_BLOB_GAS",
	[R_BLOB_FEE_OVERFLOW] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
	[R_BLOB_FUNDS] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
	[R_NONCE_LOW] = "TransactionException.NONCE_MISMATCH_TOO_LOW",
	[R_NONCE_HIGH] = "TransactionException.NONCE_MISMATCH_TOO_HIGH",
	[R_NOT_EOA] = "TransactionException.SENDER_NOT_EOA",
};

/* Sets up case k: the transaction, the block and the sender. */
static void
reject_setup(struct env *e, struct tx *tx, int k, uint8_t *initcode, uint8_t (*bad_hash)[32])
{
	static const uint8_t code[] = { 0x00 };
	struct u256 bal;

	base_tx(tx, e);
	switch (k) {
	case R_CONTROL:
		break;
	case R_INTRINSIC:
		tx->gas_limit = 20999;
		break;
	case R_NONCE_MAX:
		state_set_nonce(e->s, e->sender, UINT64_MAX);
		tx->nonce = UINT64_MAX;
		break;
	case R_INITCODE:
		tx->is_create = true;
		tx->data = initcode;
		tx->data_len = EVM_MAX_INITCODE_SIZE + 1;
		tx->gas_limit = 1000000;
		tx->gas_price = u(7);
		break;
	case R_ALLOWANCE:
		e->gas_available = 20999;
		break;
	case R_PRIORITY:
		tx->type = TX_DYNAMIC_FEE;
		tx->max_fee = u(10);
		tx->max_priority_fee = u(11);
		break;
	case R_MAXFEE_1559:
		tx->type = TX_DYNAMIC_FEE;
		tx->max_fee = u(6);
		tx->max_priority_fee = u(1);
		break;
	case R_MAXFEE_LEGACY:
		tx->gas_price = u(6);
		break;
	case R_FUNDS:
		/* One wei short of 21000 * 10 + 1. */
		bal = u(210000);
		state_set_balance(e->s, e->sender, &bal);
		break;
	case R_FUNDS_MAXFEE:
		/* Enough at the effective price (8), not at the cap (20). */
		tx->type = TX_DYNAMIC_FEE;
		tx->max_fee = u(20);
		tx->max_priority_fee = u(1);
		bal = u(21000 * 8 + 1);
		state_set_balance(e->s, e->sender, &bal);
		break;
	case R_FUNDS_VALUE_OVERFLOW:
		tx->value = harness_u256("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
		break;
	case R_FUNDS_PRICE_OVERFLOW:
		tx->gas_price = harness_u256("0x8000000000000000000000000000000000000000000000000000000000000000");
		break;
	case R_FUNDS_MAXFEE_OVERFLOW:
		tx->type = TX_DYNAMIC_FEE;
		tx->max_fee = harness_u256("0x8000000000000000000000000000000000000000000000000000000000000000");
		tx->max_priority_fee = u(1);
		break;
	case R_BLOB_CREATE:
		blob_tx(tx, e, 1);
		tx->is_create = true;
		tx->gas_limit = 53000;
		break;
	case R_BLOB_ZERO:
		blob_tx(tx, e, 0);
		break;
	case R_BLOB_VERSION:
		blob_tx(tx, e, 1);
		memcpy(bad_hash[0], good_hashes[0], 32);
		memcpy(bad_hash[1], good_hashes[1], 32);
		bad_hash[1][0] = 0x02;
		tx->blob_hashes = bad_hash;
		tx->nblob_hashes = 2;
		break;
	case R_BLOB_ALLOWANCE:
		blob_tx(tx, e, 1);
		e->blob_gas_available = TX_BLOB_GAS_PER_BLOB - 1;
		break;
	case R_BLOB_FEE:
		/* Excess 33384770 gives e^10, 22026 wei per blob gas. */
		blob_tx(tx, e, 1);
		e->b.excess_blob_gas = 33384770;
		tx->max_fee_per_blob_gas = u(22025);
		break;
	case R_BLOB_FEE_OVERFLOW:
		blob_tx(tx, e, 1);
		tx->max_fee_per_blob_gas =
			harness_u256("0x8000000000000000000000000000000000000000000000000000000000000000");
		break;
	case R_BLOB_FUNDS:
		/* Gas at the cap and the value, but the blob gas one wei short. */
		blob_tx(tx, e, 1);
		bal = u(21000 * 10 + 1 + TX_BLOB_GAS_PER_BLOB - 1);
		state_set_balance(e->s, e->sender, &bal);
		break;
	case R_NONCE_LOW:
		state_set_nonce(e->s, e->sender, 5);
		tx->nonce = 4;
		break;
	case R_NONCE_HIGH:
		state_set_nonce(e->s, e->sender, 5);
		tx->nonce = 6;
		break;
	case R_NOT_EOA:
		state_set_code(e->s, e->sender, code, sizeof(code));
		break;
	}
	state_end_tx(e->s);
}

/* Each refusal: -EINVAL, the reason in the tests' words, and the state as
 * it was (same root: no nonce, no fee, no touched account). */
static void
test_exec_rejections(void)
{
	uint8_t *initcode = calloc(EVM_MAX_INITCODE_SIZE + 1, 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(initcode);
	for (int k = 0; k < R_COUNT; k++) {
		struct env e;
		struct tx tx;
		uint8_t before[32], after[32], bad_hash[2][32];
		int rc;

		env_init(&e);
		reject_setup(&e, &tx, k, initcode, bad_hash);
		root_of(e.s, before);
		rc = env_run(&e, &tx);
		if (k == R_CONTROL) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_PTR_NULL(e.why);
			CU_ASSERT_EQUAL(e.r.gas_used, 21000);
			env_release(&e);
			continue;
		}
		if (rc != -EINVAL || e.why == NULL || strcmp(e.why, reject_why[k]) != 0)
			fprintf(stderr, "case %d: rc %d, why %s, want %s\n", k, rc,
				e.why ? e.why : "(null)", reject_why[k]);
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e.why);
		CU_ASSERT_STRING_EQUAL(e.why, reject_why[k]);
		root_of(e.s, after);
		CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
		CU_ASSERT_FALSE(state_exists(e.s, e.to));
		CU_ASSERT_FALSE(state_exists(e.s, e.b.coinbase));
		CU_ASSERT_EQUAL(e.r.gas_used, 0);
		CU_ASSERT_EQUAL(e.r.nlogs, 0);
		CU_ASSERT_PTR_NULL(e.r.output);
		/* The same executor still runs a good transaction afterwards. */
		e.gas_available = 30000000;
		e.blob_gas_available = TX_MAX_BLOB_GAS_PER_BLOCK;
		e.b.excess_blob_gas = 0;
		{
			struct u256 rich = harness_u256("1000000000000000000");

			state_set_balance(e.s, e.sender, &rich);
			state_set_code(e.s, e.sender, NULL, 0);
			state_set_nonce(e.s, e.sender, 0);
			state_end_tx(e.s);
		}
		base_tx(&tx, &e);
		CU_ASSERT_EQUAL(env_run(&e, &tx), 0);
		env_release(&e);
	}
	free(initcode);
}

/* The balance check is against gas * fee cap + value exactly, and the
 * initcode limit against 49152 bytes exactly. */
static void
test_exec_boundaries(void)
{
	struct env e;
	struct tx tx;
	struct u256 bal;
	uint8_t *initcode = calloc(EVM_MAX_INITCODE_SIZE, 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(initcode);
	env_init(&e);
	bal = u(21000 * 10 + 1);
	state_set_balance(e.s, e.sender, &bal);
	state_end_tx(e.s);
	base_tx(&tx, &e);
	CU_ASSERT_EQUAL(env_run(&e, &tx), 0);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, e.sender), 0));
	/* The account emptied by paying is not removed: it has a nonce. */
	CU_ASSERT_TRUE(state_exists(e.s, e.sender));
	CU_ASSERT_EQUAL(state_nonce(e.s, e.sender), 1);
	env_release(&e);

	env_init(&e);
	base_tx(&tx, &e);
	tx.is_create = true;
	tx.data = initcode;
	tx.data_len = EVM_MAX_INITCODE_SIZE;
	tx.gas_limit = 1000000;
	tx.gas_price = u(7);
	CU_ASSERT_EQUAL(env_run(&e, &tx), 0);
	/* 21000 + 32000 + 49152 zero bytes * 4 + 1536 words * 2; the code is
	 * all STOP and returns nothing. */
	CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(e.r.gas_used, 21000 + 32000 + 49152 * 4 + 1536 * 2);
	/* The intrinsic gas exactly is enough for a transfer. */
	base_tx(&tx, &e);
	tx.gas_limit = 21000;
	e.gas_available = 21000;
	CU_ASSERT_EQUAL(env_run(&e, &tx), 0);
	env_release(&e);
	free(initcode);
}

/* --- Fees ------------------------------------------------------------------ */

/* EIP-1559: the sender pays gas * (base fee + priority fee), the coinbase
 * gets gas * priority fee, the base fee burns; the priority fee is capped
 * at max fee - base fee. */
static void
test_exec_fees_1559(void)
{
	static const struct {
		enum tx_type type;
		uint64_t gas_price, max_fee, max_priority, price, tip;
	} cases[] = {
		{ TX_DYNAMIC_FEE, 0, 20, 3, 10, 3 },
		{ TX_DYNAMIC_FEE, 0, 9, 5, 9, 2 },
		{ TX_DYNAMIC_FEE, 0, 7, 0, 7, 0 },
		{ TX_LEGACY, 12, 0, 0, 12, 5 },
		{ TX_ACCESS_LIST, 7, 0, 0, 7, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct env e;
		struct tx tx;
		struct u256 s0, s1, t0, t1, want, burnt;

		env_init(&e);
		base_tx(&tx, &e);
		tx.type = cases[i].type;
		tx.gas_price = u(cases[i].gas_price);
		tx.max_fee = u(cases[i].max_fee);
		tx.max_priority_fee = u(cases[i].max_priority);
		tx.value = u(1000);
		s0 = state_balance(e.s, e.sender);
		t0 = total_ether(e.s);
		CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
		CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
		CU_ASSERT_EQUAL(e.r.gas_used, 21000);
		s1 = state_balance(e.s, e.sender);
		(void)u256_sub(&want, &s0, &s1);
		CU_ASSERT_TRUE(harness_u256_is(want, 21000 * cases[i].price + 1000));
		CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, e.to), 1000));
		CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, e.b.coinbase), 21000 * cases[i].tip));
		/* A zero fee does not bring the coinbase into being. */
		CU_ASSERT_EQUAL(state_exists(e.s, e.b.coinbase), cases[i].tip != 0);
		t1 = total_ether(e.s);
		(void)u256_sub(&burnt, &t0, &t1);
		CU_ASSERT_TRUE(harness_u256_is(burnt, 21000 * 7));
		CU_ASSERT_EQUAL(state_nonce(e.s, e.sender), 1);
		env_release(&e);
	}
}

/* An empty coinbase that earns nothing is removed, as Cancun's
 * process_transaction says. */
static void
test_exec_coinbase_empty_zero_fee(void)
{
	struct env e;
	struct tx tx;

	env_init(&e);
	state_create(e.s, e.b.coinbase);
	state_end_tx(e.s);
	base_tx(&tx, &e);
	tx.gas_price = u(7);
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_FALSE(state_exists(e.s, e.b.coinbase));
	env_release(&e);
}

/* EIP-3529: the refund is at most gas_used / 5, and none on failure. */
static void
test_exec_refund_cap(void)
{
	/* Clears slots 1 and 2 (each 9 -> 0: cold 2100 + 2900, refund 4800),
	 * then, when n says so, reverts. */
	static const uint8_t clear2[] = {
		0x60, 0x00, 0x60, 0x01, 0x55, /* SSTORE(1, 0) */
		0x60, 0x00, 0x60, 0x02, 0x55, /* SSTORE(2, 0) */
	};
	static const uint8_t clear1[] = { 0x60, 0x00, 0x60, 0x01, 0x55 };
	static const uint8_t clear1_revert[] = { 0x60, 0x00, 0x60, 0x01, 0x55,
						 0x60, 0x00, 0x80, 0xfd };
	static const struct {
		const uint8_t *code;
		size_t len;
		enum evm_status st;
		uint64_t gas_used;
	} cases[] = {
		/* 21000 + 12 + 10000 = 31012; 9600 capped at 6202. */
		{ clear2, sizeof(clear2), EVM_SUCCESS, 31012 - 6202 },
		/* 21000 + 6 + 5000 = 26006; 4800 under the cap of 5201. */
		{ clear1, sizeof(clear1), EVM_SUCCESS, 26006 - 4800 },
		/* Reverted: 26006 + PUSH1, DUP1, REVERT (3 + 3 + 0), no refund. */
		{ clear1_revert, sizeof(clear1_revert), EVM_REVERT, 26012 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct env e;
		struct tx tx;
		struct u256 s0, s1, paid;

		env_init(&e);
		state_set_code(e.s, e.to, cases[i].code, cases[i].len);
		state_set_storage(e.s, e.to, &(struct u256){ { 1 } }, &(struct u256){ { 9 } });
		state_set_storage(e.s, e.to, &(struct u256){ { 2 } }, &(struct u256){ { 9 } });
		state_end_tx(e.s);
		base_tx(&tx, &e);
		tx.value = u(0);
		tx.gas_limit = 100000;
		s0 = state_balance(e.s, e.sender);
		CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
		CU_ASSERT_EQUAL(e.r.status, cases[i].st);
		CU_ASSERT_EQUAL(e.r.gas_used, cases[i].gas_used);
		s1 = state_balance(e.s, e.sender);
		(void)u256_sub(&paid, &s0, &s1);
		CU_ASSERT_TRUE(harness_u256_is(paid, cases[i].gas_used * 10));
		CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, e.b.coinbase), cases[i].gas_used * 3));
		CU_ASSERT_TRUE(harness_u256_is(state_storage(e.s, e.to, &(struct u256){ { 1 } }),
				       cases[i].st == EVM_SUCCESS ? 0 : 9));
		env_release(&e);
	}
}

/* EIP-4844: blob gas is bought at the block's blob base fee (not the
 * cap), and burnt. */
static void
test_exec_blob_fee(void)
{
	struct env e;
	struct tx tx;
	struct u256 s0, s1, t0, t1, d;

	env_init(&e);
	e.b.excess_blob_gas = 33384770; /* 22026 wei per blob gas */
	blob_tx(&tx, &e, 2);
	tx.max_fee_per_blob_gas = u(30000);
	tx.value = u(0);
	s0 = state_balance(e.s, e.sender);
	t0 = total_ether(e.s);
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(e.r.gas_used, 21000);
	CU_ASSERT_EQUAL(e.r.blob_gas_used, 2 * TX_BLOB_GAS_PER_BLOB);
	s1 = state_balance(e.s, e.sender);
	(void)u256_sub(&d, &s0, &s1);
	/* price 8 (base 7 + tip 1) * 21000 + 262144 * 22026 */
	CU_ASSERT_TRUE(harness_u256_is(d, 21000 * 8 + 2ull * TX_BLOB_GAS_PER_BLOB * 22026));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, e.b.coinbase), 21000));
	t1 = total_ether(e.s);
	(void)u256_sub(&d, &t0, &t1);
	CU_ASSERT_TRUE(harness_u256_is(d, 21000 * 7 + 2ull * TX_BLOB_GAS_PER_BLOB * 22026));
	env_release(&e);
}

/* GeneralStateTests/stExample/add11, Cancun: a contract adds 1 + 1 and
 * stores it.  Gas: 21000 + 4 PUSH1 + ADD + cold SSTORE 0 -> 2 (22100) =
 * 43112, and the state root the test gives. */
static void
test_exec_add11(void)
{
	static const uint8_t code[] = { 0x60, 0x01, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00 };
	struct env e;
	struct tx tx;
	struct u256 ether = harness_u256("0x0de0b6b3a7640000");
	uint8_t contract[20], root[32], want[32];

	env_init(&e);
	state_free(e.s);
	exec_free(e.x);
	e.s = state_new();
	e.x = exec_new(e.s);
	harness_unhex(contract, 20, "095e7baea6a6c7c4c2dfeb977efac326af552d87");
	harness_unhex(e.b.coinbase, 20, "2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
	harness_unhex(e.sender, 20, "a94f5374fce5edbc8e2a8697c15331677e6ebf0b");
	state_set_balance(e.s, contract, &ether);
	state_set_code(e.s, contract, code, sizeof(code));
	state_set_nonce(e.s, e.b.coinbase, 1);
	state_set_balance(e.s, e.sender, &ether);
	state_end_tx(e.s);
	e.b.base_fee = u(10);
	e.b.gas_limit = 0xff112233445566ull;
	e.b.prevrandao = u(0x20000);
	memset(&tx, 0, sizeof(tx));
	tx.type = TX_LEGACY;
	tx.gas_price = u(10);
	tx.gas_limit = 400000;
	memcpy(tx.to, contract, 20);
	tx.value = u(100000);
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(e.r.gas_used, 43112);
	CU_ASSERT_EQUAL(e.r.nlogs, 0);
	root_of(e.s, root);
	harness_unhex(want, 32, "e8010ce590f401c9d61fef8ab05bea9bcec24281b795e5868809bc4e515aa530");
	CU_ASSERT_EQUAL(memcmp(root, want, 32), 0);
	env_release(&e);
}

/* --- Outcomes -------------------------------------------------------------- */

/* A contract's code: LOG1(topic 0x77, data "hi") then, by the first
 * calldata byte, STOP (0), REVERT (1), INVALID (2), or a call to the
 * contract at 0x70..02 that logs and reverts (3). */
static const uint8_t log_code[] = {
	0x61, 'h', 'i', 0x60, 0x00, 0x52,       /* MSTORE(0, "hi") */
	0x60, 0x77, 0x60, 0x02, 0x60, 0x1e, 0xa1, /* LOG1(30, 2, 0x77) */
	0x60, 0x00, 0x35, 0x60, 0xf8, 0x1c,     /* CALLDATALOAD(0) >> 248 */
	0x80, 0x60, 0x01, 0x14, 0x60, 0x2a, 0x57, /* == 1: jump 42 */
	0x80, 0x60, 0x02, 0x14, 0x60, 0x2f, 0x57, /* == 2: jump 47 */
	0x80, 0x60, 0x03, 0x14, 0x60, 0x31, 0x57, /* == 3: jump 49 */
	0x00, 0x00,                               /* 40: STOP */
	0x5b, 0x60, 0x00, 0x80, 0xfd,             /* 42: REVERT(0, 0) */
	0x5b, 0xfe,                               /* 47: INVALID */
	0x5b,                                     /* 49: CALL(gas, 0x70..02, 0, 0, 0, 0, 0) */
	0x60, 0x00, 0x80, 0x80, 0x80, 0x80, 0x73,
	0x70, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x5a, 0xf1, 0x00,
};
/* Logs (topic 0x88) and reverts. */
static const uint8_t log_revert_code[] = {
	0x60, 0x88, 0x60, 0x00, 0x80, 0xa1, 0x60, 0x00, 0x80, 0xfd,
};

static void
test_exec_logs(void)
{
	static const struct {
		uint8_t mode;
		enum evm_status st;
		size_t nlogs;
	} cases[] = {
		{ 0, EVM_SUCCESS, 1 },
		{ 1, EVM_REVERT, 0 },
		{ 2, EVM_INVALID_OPCODE, 0 },
		{ 3, EVM_SUCCESS, 1 },
	};
	uint8_t other[20];

	CU_ASSERT_EQUAL_FATAL(log_code[42], 0x5b);
	CU_ASSERT_EQUAL_FATAL(log_code[47], 0x5b);
	CU_ASSERT_EQUAL_FATAL(log_code[49], 0x5b);
	harness_address(other, 0x70, 2);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct env e;
		struct tx tx;
		uint8_t data[1] = { cases[i].mode };

		env_init(&e);
		state_set_code(e.s, e.to, log_code, sizeof(log_code));
		state_set_code(e.s, other, log_revert_code, sizeof(log_revert_code));
		state_end_tx(e.s);
		base_tx(&tx, &e);
		tx.gas_limit = 200000;
		tx.data = data;
		tx.data_len = 1;
		CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
		CU_ASSERT_EQUAL(e.r.status, cases[i].st);
		CU_ASSERT_EQUAL_FATAL(e.r.nlogs, cases[i].nlogs);
		if (cases[i].nlogs == 1) {
			CU_ASSERT_EQUAL(memcmp(e.r.logs[0].address, e.to, 20), 0);
			CU_ASSERT_EQUAL(e.r.logs[0].ntopics, 1);
			CU_ASSERT_EQUAL(e.r.logs[0].topics[0][31], 0x77);
			CU_ASSERT_EQUAL(e.r.logs[0].len, 2);
			CU_ASSERT_EQUAL(memcmp(e.r.logs[0].data, "hi", 2), 0);
		}
		/* A reverted transaction's value goes back; the nonce and the
		 * fee stay spent. */
		CU_ASSERT_EQUAL(state_nonce(e.s, e.sender), 1);
		CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, e.to),
				       cases[i].st == EVM_SUCCESS ? 1 : 0));
		if (cases[i].st == EVM_INVALID_OPCODE) {
			CU_ASSERT_EQUAL(e.r.gas_used, 200000);
		}
		env_release(&e);
	}
}

/* Creation transactions: the address from the sender and nonce, and a
 * collision with an account that has code, a nonce or storage. */
static void
test_exec_create_tx(void)
{
	static const uint8_t init[] = { 0x60, 0x01, 0x60, 0x00, 0x53,
					0x60, 0x01, 0x60, 0x00, 0xf3 };
	static const uint8_t code[] = { 0x00 };
	struct env e;
	struct tx tx;
	uint8_t want[20];
	const uint8_t *c;
	size_t len;

	env_init(&e);
	base_tx(&tx, &e);
	tx.is_create = true;
	tx.data = (uint8_t *)init;
	tx.data_len = sizeof(init);
	tx.gas_limit = 100000;
	tx.value = u(5);
	exec_create_address(want, e.sender, 0);
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
	CU_ASSERT_TRUE(e.r.created);
	CU_ASSERT_EQUAL(memcmp(e.r.contract_address, want, 20), 0);
	c = state_code(e.s, want, &len);
	CU_ASSERT_TRUE(len == 1 && c[0] == 0x01);
	CU_ASSERT_EQUAL(state_nonce(e.s, want), 1);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, want), 5));
	CU_ASSERT_PTR_NULL(e.r.output);

	for (int kind = 0; kind < 3; kind++) {
		uint64_t nonce = state_nonce(e.s, e.sender);

		exec_create_address(want, e.sender, nonce);
		if (kind == 0)
			state_set_code(e.s, want, code, sizeof(code));
		else if (kind == 1)
			state_set_nonce(e.s, want, 1);
		else
			state_set_storage(e.s, want, &(struct u256){ { 1 } },
					  &(struct u256){ { 1 } });
		state_end_tx(e.s);
		base_tx(&tx, &e);
		tx.is_create = true;
		tx.data = (uint8_t *)init;
		tx.data_len = sizeof(init);
		tx.gas_limit = 100000;
		CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
		CU_ASSERT_EQUAL(e.r.status, EVM_ADDRESS_COLLISION);
		CU_ASSERT_FALSE(e.r.created);
		CU_ASSERT_EQUAL(e.r.gas_used, 100000);
		CU_ASSERT_EQUAL(state_nonce(e.s, e.sender), nonce + 1);
		CU_ASSERT_TRUE(harness_u256_is(state_balance(e.s, want), 0));
	}
	env_release(&e);
}

/* EIP-4844's point evaluation (0x0a): when precompile_run() cannot run it
 * (-ENOSYS, BLS12-381 not built), exec_tx() gives -ENOSYS and leaves the
 * state as it was, even after the code wrote storage; when it can, the
 * transaction is applied like any other. */
static void
test_exec_point_evaluation_enosys_or_applied(void)
{
	static const uint8_t caller_code[] = {
		0x60, 0x01, 0x60, 0x00, 0x55,           /* SSTORE(0, 1) */
		0x60, 0x00, 0x80, 0x60, 0xc0, 0x81, 0x80, /* CALL(gas, 0x0a, 0, 0, 192, 0, 0) */
		0x60, 0x0a, 0x5a, 0xf1, 0x60, 0x01, 0x55, /* SSTORE(1, result) */
	};
	uint8_t kzg[20] = { [19] = 0x0a }, input[192] = { 0 }, caller[20];
	struct precompile_result pr = { 0 };
	struct precompile_call call = { PRECOMPILE_POINT_EVALUATION, input, sizeof(input), 100000 };
	int direct;

	CU_ASSERT_EQUAL(precompile_lookup(kzg), PRECOMPILE_POINT_EVALUATION);
	CU_ASSERT_PTR_NOT_NULL(precompile_name(PRECOMPILE_POINT_EVALUATION));
	direct = precompile_run(&pr, &call);
	precompile_result_release(&pr);
	CU_ASSERT_TRUE(direct == 0 || direct == -ENOSYS);
	harness_address(caller, 0xca, 1);

	for (int via_contract = 0; via_contract < 2; via_contract++) {
		struct env e;
		struct tx tx;
		uint8_t before[32], after[32];
		struct u256 bal0;
		int rc;

		env_init(&e);
		state_set_code(e.s, caller, caller_code, sizeof(caller_code));
		state_end_tx(e.s);
		base_tx(&tx, &e);
		memcpy(tx.to, via_contract ? caller : kzg, 20);
		tx.data = via_contract ? NULL : input;
		tx.data_len = via_contract ? 0 : sizeof(input);
		tx.gas_limit = 300000;
		root_of(e.s, before);
		bal0 = state_balance(e.s, e.sender);
		rc = env_run(&e, &tx);
		if (direct == -ENOSYS) {
			struct u256 bal1 = state_balance(e.s, e.sender);

			CU_ASSERT_EQUAL(rc, -ENOSYS);
			CU_ASSERT_PTR_NOT_NULL(e.why);
			root_of(e.s, after);
			CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
			CU_ASSERT_EQUAL(state_nonce(e.s, e.sender), 0);
			CU_ASSERT_TRUE(u256_eq(&bal0, &bal1));
			CU_ASSERT_TRUE(harness_u256_is(state_storage(e.s, caller, &(struct u256){ { 0 } }), 0));
			CU_ASSERT_EQUAL(e.r.gas_used, 0);
			CU_ASSERT_EQUAL(e.r.nlogs, 0);
			CU_ASSERT_FALSE(state_exists(e.s, e.b.coinbase));
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(state_nonce(e.s, e.sender), 1);
			CU_ASSERT_TRUE(e.r.gas_used > 21000);
			if (via_contract) {
				CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
				CU_ASSERT_TRUE(harness_u256_is(state_storage(e.s, caller, &(struct u256){ { 0 } }),
						       1));
			}
		}
		/* Either way the executor is usable afterwards. */
		base_tx(&tx, &e);
		CU_ASSERT_EQUAL(env_run(&e, &tx), 0);
		env_release(&e);
	}
}

/* A modexp whose modulus is over PRECOMPILE_MODEXP_MAX_LEN, with the gas
 * to pay for it: exec_tx() gives -E2BIG and leaves the state unchanged,
 * even after the calling code wrote storage and sent value. */
static void
test_exec_precompile_e2big(void)
{
	/* CALLDATACOPY the 96-byte header to memory, SSTORE(0, 1), then
	 * CALL(gas, 0x05, 1 wei, 0, 96, 0, 0). */
	static const uint8_t code[] = {
		0x60, 0x60, 0x60, 0x00, 0x80, 0x37,       /* CALLDATACOPY(0, 0, 96) */
		0x60, 0x01, 0x60, 0x00, 0x55,             /* SSTORE(0, 1) */
		0x60, 0x00, 0x80, 0x60, 0x60, 0x81, 0x60, 0x01, /* 0, 0, 96, 0, 1 */
		0x60, 0x05, 0x5a, 0xf1, 0x00,             /* 0x05, GAS, CALL */
	};
	uint8_t header[96] = { 0 }, before[32], after[32], contract[20];
	uint64_t mlen = PRECOMPILE_MODEXP_MAX_LEN + 1;
	struct env e;
	struct tx tx;
	int rc;

	for (int i = 0; i < 8; i++)
		header[95 - i] = (uint8_t)(mlen >> (8 * i));
	harness_address(contract, 0xca, 1);
	for (int via_contract = 0; via_contract < 2; via_contract++) {
		env_init(&e);
		state_set_code(e.s, contract, code, sizeof(code));
		state_set_balance(e.s, contract, &(struct u256){ { 10 } });
		state_end_tx(e.s);
		base_tx(&tx, &e);
		memset(tx.to, 0, 20);
		tx.to[19] = PRECOMPILE_MODEXP;
		if (via_contract)
			memcpy(tx.to, contract, 20);
		tx.data = header;
		tx.data_len = sizeof(header);
		tx.gas_limit = 1ull << 43;
		e.gas_available = tx.gas_limit;
		root_of(e.s, before);
		rc = env_run(&e, &tx);
		CU_ASSERT_EQUAL(rc, -E2BIG);
		CU_ASSERT_PTR_NOT_NULL(e.why);
		root_of(e.s, after);
		CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
		CU_ASSERT_EQUAL(state_nonce(e.s, e.sender), 0);
		CU_ASSERT_EQUAL(e.r.gas_used, 0);
		env_release(&e);
	}
}

/* The JUMPDEST cache is keyed by code hash: the same code at two
 * addresses shares it, and new code at an address is analysed anew. */
static void
test_exec_jumpdest_cache(void)
{
	/* PUSH1 4, JUMP, INVALID, JUMPDEST: fine. */
	static const uint8_t good[] = { 0x60, 0x04, 0x56, 0xfe, 0x5b };
	/* PUSH1 4, JUMP, PUSH1 0x5b: the 0x5b at 4 is data. */
	static const uint8_t bad[] = { 0x60, 0x04, 0x56, 0x60, 0x5b };
	uint8_t other[20];
	struct env e;
	struct tx tx;

	env_init(&e);
	harness_address(other, 0x70, 9);
	state_set_code(e.s, e.to, good, sizeof(good));
	state_set_code(e.s, other, good, sizeof(good));
	state_end_tx(e.s);
	for (int i = 0; i < 2; i++) {
		base_tx(&tx, &e);
		tx.gas_limit = 50000;
		memcpy(tx.to, i ? other : e.to, 20);
		CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
		CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
	}
	state_set_code(e.s, e.to, bad, sizeof(bad));
	state_end_tx(e.s);
	base_tx(&tx, &e);
	tx.gas_limit = 50000;
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_EQUAL(e.r.status, EVM_BAD_JUMP);
	base_tx(&tx, &e);
	tx.gas_limit = 50000;
	memcpy(tx.to, other, 20);
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_EQUAL(e.r.status, EVM_SUCCESS);
	env_release(&e);
}

/* --- Addresses --------------------------------------------------------------- */

/* CREATE: the vectors of ethereum.stackexchange.com/a/761, and others
 * checked against an RLP encoding made here. */
static void
test_exec_create_address(void)
{
	static const struct {
		uint64_t nonce;
		const char *addr;
	} known[] = {
		{ 0, "cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d" },
		{ 1, "343c43a37d37dff08ae8c4a11544c718abb4fcf8" },
		{ 2, "f778b86fa74e846c4f0a1fbd1335fe81c00a0c91" },
		{ 3, "fffd933a0bc612844eaf0c6fe3e5b8e9b6c1d19c" },
	};
	static const uint64_t nonces[] = {
		0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffffull, 1ull << 32,
		1ull << 56, UINT64_MAX - 1, UINT64_MAX,
	};
	uint8_t sender[20], got[20], want[20], h[32];

	harness_unhex(sender, 20, "6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		exec_create_address(got, sender, known[i].nonce);
		harness_unhex(want, 20, known[i].addr);
		CU_ASSERT_EQUAL(memcmp(got, want, 20), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(nonces); i++) {
		struct rlp_enc e;
		size_t mark;

		rlp_enc_init(&e);
		mark = rlp_enc_list_begin(&e);
		rlp_enc_bytes(&e, sender, 20);
		rlp_enc_u64(&e, nonces[i]);
		rlp_enc_list_end(&e, mark);
		CU_ASSERT_EQUAL_FATAL(rlp_enc_error(&e), 0);
		keccak256(h, e.data, e.len);
		rlp_enc_release(&e);
		exec_create_address(got, sender, nonces[i]);
		CU_ASSERT_EQUAL(memcmp(got, h + 12, 20), 0);
	}
}

/* CREATE2: the examples of EIP-1014. */
static void
test_exec_create2_address(void)
{
	static const struct {
		const char *sender, *salt, *init, *addr;
	} v[] = {
		{ "0000000000000000000000000000000000000000",
		  "0000000000000000000000000000000000000000000000000000000000000000", "00",
		  "4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38" },
		{ "deadbeef00000000000000000000000000000000",
		  "0000000000000000000000000000000000000000000000000000000000000000", "00",
		  "b928f69bb1d91cd65274e3c79d8986362984fda3" },
		{ "deadbeef00000000000000000000000000000000",
		  "000000000000000000000000feed000000000000000000000000000000000000", "00",
		  "d04116cdd17bebe565eb2422f2497e06cc1c9833" },
		{ "0000000000000000000000000000000000000000",
		  "0000000000000000000000000000000000000000000000000000000000000000", "deadbeef",
		  "70f2b2914a2a4b783faefb75f459a580616fcb5e" },
		{ "00000000000000000000000000000000deadbeef",
		  "00000000000000000000000000000000000000000000000000000000cafebabe", "deadbeef",
		  "60f3f640a8508fc6a86d45df051962668e1e8ac7" },
		{ "00000000000000000000000000000000deadbeef",
		  "00000000000000000000000000000000000000000000000000000000cafebabe",
		  "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
		  "1d8bfdc5d46dc4f61d6b6115972536ebe6a8854c" },
		{ "0000000000000000000000000000000000000000",
		  "0000000000000000000000000000000000000000000000000000000000000000", "",
		  "e33c0c7f7df4809055c3eba6c09cfe4baf1bd9e0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		uint8_t sender[20], salt_be[32], init[64], got[20], want[20];
		size_t len = sizeof(init);
		struct u256 salt;

		harness_unhex(sender, 20, v[i].sender);
		harness_unhex(salt_be, 32, v[i].salt);
		u256_from_be32(&salt, salt_be);
		CU_ASSERT_FATAL(hex_decode(init, &len, v[i].init, strlen(v[i].init)) == 0);
		harness_unhex(want, 20, v[i].addr);
		exec_create2_address(got, sender, &salt, len ? init : NULL, len);
		CU_ASSERT_EQUAL(memcmp(got, want, 20), 0);
	}
}

/* --- The executor's own API ----------------------------------------------- */

static void
count_steps(void *arg, const struct evm_trace_step *st)
{
	(void)st;
	(*(size_t *)arg)++;
}

static void
fixed_hash(void *arg, uint64_t number, uint8_t hash[32])
{
	(void)arg;
	memset(hash, (int)(number & 0xff), 32);
}

/* Tracer on and off; BLOCKHASH answered by default with zero, then by the
 * function set; exec_free(NULL) and releasing an empty receipt. */
static void
test_exec_tracer_and_block_hash(void)
{
	/* SSTORE(0, BLOCKHASH(NUMBER - 1)) */
	static const uint8_t code[] = { 0x60, 0x01, 0x43, 0x03, 0x40, 0x60, 0x00, 0x55 };
	struct env e;
	struct tx tx;
	size_t steps = 0;
	struct exec_receipt empty = { 0 };

	env_init(&e);
	e.b.number = 10;
	state_set_code(e.s, e.to, code, sizeof(code));
	state_end_tx(e.s);
	exec_set_tracer(e.x, count_steps, &steps);
	base_tx(&tx, &e);
	tx.gas_limit = 100000;
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_EQUAL(steps, 7); /* six instructions and the final STOP */
	CU_ASSERT_TRUE(harness_u256_is(state_storage(e.s, e.to, &(struct u256){ { 0 } }), 0));
	exec_set_tracer(e.x, NULL, NULL);
	exec_set_block_hash(e.x, fixed_hash, NULL);
	base_tx(&tx, &e);
	tx.gas_limit = 100000;
	CU_ASSERT_EQUAL_FATAL(env_run(&e, &tx), 0);
	CU_ASSERT_EQUAL(steps, 7);
	{
		struct u256 v = state_storage(e.s, e.to, &(struct u256){ { 0 } });

		CU_ASSERT_TRUE(v.w[0] == 0x0909090909090909ull && v.w[3] == 0x0909090909090909ull);
	}
	env_release(&e);
	exec_free(NULL);
	exec_receipt_release(&empty);
	exec_receipt_release(&empty);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_exec_rejections),
		HARNESS_TEST(test_exec_boundaries),
		HARNESS_TEST(test_exec_fees_1559),
		HARNESS_TEST(test_exec_coinbase_empty_zero_fee),
		HARNESS_TEST(test_exec_refund_cap),
		HARNESS_TEST(test_exec_blob_fee),
		HARNESS_TEST(test_exec_add11),
		HARNESS_TEST(test_exec_logs),
		HARNESS_TEST(test_exec_create_tx),
		HARNESS_TEST(test_exec_point_evaluation_enosys_or_applied),
		HARNESS_TEST(test_exec_precompile_e2big),
		HARNESS_TEST(test_exec_jumpdest_cache),
		HARNESS_TEST(test_exec_create_address),
		HARNESS_TEST(test_exec_create2_address),
		HARNESS_TEST(test_exec_tracer_and_block_hash),
		HARNESS_END,
	};
	return harness_run("exec", tests);
}
