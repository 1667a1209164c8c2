/* libFuzzer target for the EVM: arbitrary code runs through exec_tx() in a
 * fresh state, and what must hold whatever the code does is checked; a
 * violation aborts.
 *
 * The input is a 4-byte header, then the calldata, the code of contract A
 * and the code of contract B:
 *
 *   byte 0   flags: bit 0 a base fee of 7 (else 0), bit 1 a creation
 *            transaction with A's code as initcode, bit 2 a second
 *            transaction after the first, bit 3 a value of 1000 wei,
 *            bits 4-7 the gas limit (100,000 + n * 300,000)
 *   byte 1   the calldata length
 *   byte 2-3 A's code length, big-endian; B's code is the rest
 *
 * A lives at 0x..aa and B at 0x..bb, so that PUSH1 0xbb reaches B; both
 * hold some ether.  The checks: exec_tx() accepts the transaction (or
 * refuses with -ENOSYS and the state unchanged); gas used is within the
 * limit and, less at most a fifth in refunds, covers the intrinsic gas; an
 * exceptional halt of the transaction's frame uses all of it; the sender's
 * nonce goes up by exactly one; no ether is made: the balances add up to
 * what they did less the burnt base fee, exactly unless a SELFDESTRUCT ran
 * (which may burn); a failed transaction keeps no logs; the state root can
 * be computed; and every traced step has sane gas, stack and depth.
 *
 * Build with CC=clang ./configure --enable-fuzzing; run as
 * tests/fuzz/fuzz_evm -max_total_time=300 CORPUS_DIR SEED_DIR. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec.h"
#include "evm/evm.h"
#include "state/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_evm: invariant failed at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

struct watch {
	bool selfdestructed;
	size_t steps;
};

/* Checks each step as it comes, and notes any SELFDESTRUCT. */
static void
on_step(void *arg, const struct evm_trace_step *st)
{
	struct watch *w = arg;

	CHECK(st->gas >= 0);
	CHECK(st->stack_len <= EVM_STACK_LIMIT);
	CHECK(st->depth >= 1 && st->depth <= EVM_MAX_DEPTH + 1);
	CHECK(st->mem_size % 32 == 0);
	if (st->op == 0xff)
		w->selfdestructed = true;
	w->steps++;
}

static int
sum_balance(void *arg, const struct state_account_view *a)
{
	struct u256 *sum = arg;

	CHECK(!u256_add(sum, sum, &a->balance));
	return 0;
}

static struct u256
total_ether(const struct state *s)
{
	struct u256 sum = u256_from_u64(0);

	CHECK(state_foreach(s, sum_balance, &sum) == 0);
	return sum;
}

static bool
is_exceptional(enum evm_status st)
{
	return st != EVM_SUCCESS && st != EVM_REVERT;
}

/* Runs tx and checks everything that must hold after it. */
static void
run_one(struct state *s, struct exec *x, struct watch *w, const struct exec_block *b,
	const struct tx *tx, const uint8_t sender[20])
{
	struct exec_receipt r = { 0 };
	struct u256 before, after, burnt, lhs;
	uint8_t root0[32], root1[32];
	uint64_t nonce = state_nonce(s, sender);
	const char *why = NULL;
	int rc;

	before = total_ether(s);
	CHECK(state_root(s, root0) == 0);
	w->selfdestructed = false;
	rc = exec_tx(x, &r, &why, b, tx, sender, b->gas_limit, TX_MAX_BLOB_GAS_PER_BLOCK);
	if (rc == -ENOSYS || rc == -ENOMEM || rc == -E2BIG) {
		/* Something this node cannot run: nothing may have changed. */
		CHECK(why != NULL);
		CHECK(state_root(s, root1) == 0);
		CHECK(memcmp(root0, root1, 32) == 0);
		CHECK(state_nonce(s, sender) == nonce);
		goto out;
	}
	CHECK(rc == 0);
	CHECK(r.gas_used <= tx->gas_limit);
	/* A refund takes at most a fifth of what was used, and a failed
	 * transaction gets none. */
	CHECK(5 * r.gas_used >= 4 * tx_intrinsic_gas(tx));
	if (r.status != EVM_SUCCESS)
		CHECK(r.gas_used >= tx_intrinsic_gas(tx));
	if (is_exceptional(r.status)) {
		CHECK(r.gas_used == tx->gas_limit);
		CHECK(r.output_len == 0);
	}
	if (r.status != EVM_SUCCESS)
		CHECK(r.nlogs == 0);
	CHECK(r.status <= EVM_PRECOMPILE_FAILURE);
	CHECK(state_nonce(s, sender) == nonce + 1);
	if (tx->is_create && r.status == EVM_SUCCESS) {
		size_t len;
		const uint8_t *code = state_code(s, r.contract_address, &len);

		CHECK(r.created);
		CHECK(len <= EVM_MAX_CODE_SIZE);
		CHECK(len == 0 || code[0] != 0xef);
	}
	/* Ether: after + gas_used * base fee == before, or <= when a
	 * SELFDESTRUCT may have burnt some. */
	after = total_ether(s);
	CHECK(!u256_mul_u64(&burnt, &b->base_fee, r.gas_used));
	CHECK(!u256_add(&lhs, &after, &burnt));
	if (w->selfdestructed)
		CHECK(!u256_gt(&lhs, &before));
	else
		CHECK(u256_eq(&lhs, &before));
	CHECK(state_root(s, root1) == 0);
out:
	exec_receipt_release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t a_addr[20] = { [19] = 0xaa }, b_addr[20] = { [19] = 0xbb };
	static const uint8_t sender[20] = { 0x5e, 0x5e, [19] = 0x01 };
	const uint8_t *calldata, *code_a, *code_b;
	size_t ncalldata, na, nb;
	struct exec_block b = { 0 };
	struct watch w = { 0 };
	struct state *s;
	struct exec *x;
	struct tx tx = { 0 };
	uint8_t flags;

	if (size < 4)
		return 0;
	flags = data[0];
	ncalldata = data[1];
	na = (size_t)data[2] << 8 | data[3];
	data += 4;
	size -= 4;
	if (ncalldata > size)
		ncalldata = size;
	calldata = data;
	data += ncalldata;
	size -= ncalldata;
	if (na > size)
		na = size;
	code_a = data;
	code_b = data + na;
	nb = size - na;

	s = state_new();
	x = exec_new(s);
	exec_set_tracer(x, on_step, &w);
	/* 10^20 wei for the sender, 10^18 for each contract. */
	state_set_balance(s, sender, &(struct u256){ { 0x6bc75e2d63100000ull, 5, 0, 0 } });
	state_set_balance(s, a_addr, &(struct u256){ { 1000000000000000000ull } });
	state_set_balance(s, b_addr, &(struct u256){ { 1000000000000000000ull } });
	if (na > 0 && !(flags & 2))
		state_set_code(s, a_addr, code_a, na);
	if (nb > 0)
		state_set_code(s, b_addr, code_b, nb);
	state_end_tx(s);

	b.coinbase[19] = 0xc0;
	b.number = 1000;
	b.timestamp = 1700000000;
	b.gas_limit = 30000000;
	b.prevrandao = u256_from_u64(0x1234);
	b.chain_id = u256_from_u64(1);
	b.base_fee = u256_from_u64(flags & 1 ? 7 : 0);

	tx.type = TX_LEGACY;
	tx.gas_price = u256_from_u64(flags & 1 ? 10 : 0);
	tx.gas_limit = 100000 + (uint64_t)(flags >> 4) * 300000;
	tx.value = u256_from_u64(flags & 8 ? 1000 : 0);
	tx.chain_id = u256_from_u64(1);
	if (flags & 2) {
		tx.is_create = true;
		tx.data = (uint8_t *)code_a;
		tx.data_len = na;
	} else {
		memcpy(tx.to, a_addr, 20);
		tx.data = (uint8_t *)calldata;
		tx.data_len = ncalldata;
	}
	/* Too little gas for the calldata is a refusal, not a run. */
	if (tx_intrinsic_gas(&tx) > tx.gas_limit || tx.data_len > EVM_MAX_INITCODE_SIZE)
		goto out;
	run_one(s, x, &w, &b, &tx, sender);
	if (flags & 4) {
		/* Again over what the first left: storage now has originals,
		 * transient storage must be gone, the caches are warm. */
		tx.nonce = state_nonce(s, sender);
		tx.is_create = false;
		memcpy(tx.to, a_addr, 20);
		tx.data = (uint8_t *)calldata;
		tx.data_len = ncalldata;
		if (tx_intrinsic_gas(&tx) <= tx.gas_limit)
			run_one(s, x, &w, &b, &tx, sender);
	}
out:
	exec_free(x);
	state_free(s);
	return 0;
}
