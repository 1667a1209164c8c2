/* Tests for node/evm/interp.c.  Most run real bytecode through exec_tx()
 * over a real state and read the gas of each instruction from the EIP-3155
 * tracer; a few run evm_execute() against a small host of their own, to see
 * the messages the interpreter sends for calls and creates.  Every expected
 * gas figure comes from the Cancun specification (ethereum/execution-specs,
 * src/ethereum/cancun/vm) or from the EIPs' own tables, not from the code
 * under test. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec.h"
#include "evm/evm.h"
#include "harness.h"
#include "hex.h"
#include "keccak.h"
#include "rlp.h"
#include "state/state.h"

enum {
	STOP = 0x00, ADD = 0x01, MUL = 0x02, SUB = 0x03, DIV = 0x04, SDIV = 0x05,
	MOD = 0x06, SMOD = 0x07, ADDMOD = 0x08, MULMOD = 0x09, EXP = 0x0a,
	SIGNEXTEND = 0x0b, LT = 0x10, GT = 0x11, SLT = 0x12, SGT = 0x13, EQ = 0x14,
	ISZERO = 0x15, AND = 0x16, OR = 0x17, XOR = 0x18, NOT = 0x19, BYTE = 0x1a,
	SHL = 0x1b, SHR = 0x1c, SAR = 0x1d, KECCAK256 = 0x20, ADDRESS = 0x30,
	BALANCE = 0x31, ORIGIN = 0x32, CALLER = 0x33, CALLVALUE = 0x34,
	CALLDATALOAD = 0x35, CALLDATASIZE = 0x36, CALLDATACOPY = 0x37, CODESIZE = 0x38,
	CODECOPY = 0x39, GASPRICE = 0x3a, EXTCODESIZE = 0x3b, EXTCODECOPY = 0x3c,
	RETURNDATASIZE = 0x3d, RETURNDATACOPY = 0x3e, EXTCODEHASH = 0x3f,
	BLOCKHASH = 0x40, COINBASE = 0x41, TIMESTAMP = 0x42, NUMBER = 0x43,
	PREVRANDAO = 0x44, GASLIMIT = 0x45, CHAINID = 0x46, SELFBALANCE = 0x47,
	BASEFEE = 0x48, BLOBHASH = 0x49, BLOBBASEFEE = 0x4a, POP = 0x50, MLOAD = 0x51,
	MSTORE = 0x52, MSTORE8 = 0x53, SLOAD = 0x54, SSTORE = 0x55, JUMP = 0x56,
	JUMPI = 0x57, PC = 0x58, MSIZE = 0x59, GAS = 0x5a, JUMPDEST = 0x5b, TLOAD = 0x5c,
	TSTORE = 0x5d, MCOPY = 0x5e, PUSH0 = 0x5f, PUSH1 = 0x60, PUSH2 = 0x61,
	PUSH20 = 0x73, PUSH32 = 0x7f, DUP1 = 0x80, SWAP1 = 0x90, SWAP16 = 0x9f,
	LOG0 = 0xa0, LOG2 = 0xa2, CREATE = 0xf0, CALL = 0xf1, CALLCODE = 0xf2,
	RETURN = 0xf3, DELEGATECALL = 0xf4, CREATE2 = 0xf5, STATICCALL = 0xfa,
	REVERT = 0xfd, INVALID = 0xfe, SELFDESTRUCT = 0xff,
};

/* --- A small assembler ------------------------------------------------- */

struct asm_ {
	uint8_t *b;
	size_t n, cap;
	size_t label[16];
	struct {
		size_t at;
		int label;
	} fix[32];
	size_t nfix;
};

static void
a_byte(struct asm_ *a, uint8_t v)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 256;
		a->b = realloc(a->b, a->cap);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a->b);
	}
	a->b[a->n++] = v;
}

/* Emits op; returns its pc. */
static size_t
a_op(struct asm_ *a, uint8_t op)
{
	size_t pc = a->n;

	a_byte(a, op);
	return pc;
}

static void
a_push_bytes(struct asm_ *a, const uint8_t *p, size_t n)
{
	a_byte(a, (uint8_t)(0x5f + n));
	for (size_t i = 0; i < n; i++)
		a_byte(a, p[i]);
}

/* PUSHn with the fewest bytes (PUSH1 for 0). */
static void
a_push_w(struct asm_ *a, const struct u256 *v)
{
	uint8_t be[32];
	size_t n = u256_byte_len(v);

	if (n == 0)
		n = 1;
	u256_to_be(be, v);
	a_push_bytes(a, be + 32 - n, n);
}

static void
a_push(struct asm_ *a, uint64_t v)
{
	struct u256 w = u256_from_u64(v);

	a_push_w(a, &w);
}

static void
a_push_addr(struct asm_ *a, const uint8_t addr[20])
{
	a_push_bytes(a, addr, 20);
}

static void
a_label(struct asm_ *a, int id)
{
	a->label[id] = a->n;
	a_byte(a, JUMPDEST);
}

static void
a_push_label(struct asm_ *a, int id)
{
	a->fix[a->nfix].at = a->n + 1;
	a->fix[a->nfix++].label = id;
	a_byte(a, PUSH2);
	a_byte(a, 0);
	a_byte(a, 0);
}

static void
a_done(struct asm_ *a)
{
	for (size_t i = 0; i < a->nfix; i++) {
		size_t to = a->label[a->fix[i].label];

		a->b[a->fix[i].at] = (uint8_t)(to >> 8);
		a->b[a->fix[i].at + 1] = (uint8_t)to;
	}
}

static void
a_free(struct asm_ *a)
{
	free(a->b);
	memset(a, 0, sizeof(*a));
}

/* Returns the top of the stack as a 32-byte word. */
static void
a_ret_top(struct asm_ *a)
{
	a_push(a, 0);
	a_op(a, MSTORE);
	a_push(a, 32);
	a_push(a, 0);
	a_op(a, RETURN);
}

/* Stores the top of the stack at slot. */
static void
a_sstore_top(struct asm_ *a, uint64_t slot)
{
	a_push(a, slot);
	a_op(a, SSTORE);
}

/* A call of kind op.  to NULL: ADDRESS; gas UINT64_MAX: GAS.  Returns the
 * pc of the call instruction. */
static size_t
a_call(struct asm_ *a, uint8_t op, uint64_t gas, const uint8_t *to, uint64_t value,
       uint64_t in_off, uint64_t in_len, uint64_t out_off, uint64_t out_len)
{
	a_push(a, out_len);
	a_push(a, out_off);
	a_push(a, in_len);
	a_push(a, in_off);
	if (op == CALL || op == CALLCODE)
		a_push(a, value);
	if (to == NULL)
		a_op(a, ADDRESS);
	else
		a_push_addr(a, to);
	if (gas == UINT64_MAX)
		a_op(a, GAS);
	else
		a_push(a, gas);
	return a_op(a, op);
}

/* --- A world to run transactions in ------------------------------------- */

struct step {
	uint32_t pc;
	uint8_t op;
	int depth;
	int64_t gas, refund;
	size_t stack_len;
	struct u256 top;
};

struct world {
	struct state *s;
	struct exec *x;
	struct exec_block b;
	struct exec_receipt r;
	uint8_t sender[20];
	struct step *steps;
	size_t nsteps, asteps;
};

static struct u256
u(uint64_t v)
{
	return u256_from_u64(v);
}

static void
record_step(void *arg, const struct evm_trace_step *st)
{
	struct world *w = arg;
	struct step *p;

	if (w->nsteps == w->asteps) {
		w->asteps = w->asteps ? 2 * w->asteps : 1024;
		w->steps = realloc(w->steps, w->asteps * sizeof(*w->steps));
		CU_ASSERT_PTR_NOT_NULL_FATAL(w->steps);
	}
	p = &w->steps[w->nsteps++];
	p->pc = st->pc;
	p->op = st->op;
	p->depth = st->depth;
	p->gas = st->gas;
	p->refund = st->refund;
	p->stack_len = st->stack_len;
	p->top = st->stack_len ? st->stack[st->stack_len - 1] : u(0);
}

static void
block_hash_fn(void *arg, uint64_t number, uint8_t hash[32])
{
	(void)arg;
	memset(hash, 0, 32);
	hash[0] = 0xbb;
	hash[24] = (uint8_t)(number >> 56);
	hash[31] = (uint8_t)number;
}

static void
w_init(struct world *w)
{
	struct u256 rich = harness_u256("1000000000000000000000000");

	memset(w, 0, sizeof(*w));
	w->s = state_new();
	w->x = exec_new(w->s);
	exec_set_tracer(w->x, record_step, w);
	exec_set_block_hash(w->x, block_hash_fn, NULL);
	harness_address(w->b.coinbase, 0xc0, 1);
	w->b.number = 100;
	w->b.timestamp = 1700000000;
	w->b.gas_limit = 30000000;
	w->b.prevrandao = u(0x1234);
	w->b.chain_id = u(1);
	harness_address(w->sender, 0x5e, 1);
	state_set_balance(w->s, w->sender, &rich);
	state_end_tx(w->s);
}

static void
w_release(struct world *w)
{
	exec_receipt_release(&w->r);
	exec_free(w->x);
	state_free(w->s);
	free(w->steps);
}

/* Installs code at addr (outside any transaction). */
static void
w_code(struct world *w, const uint8_t addr[20], const struct asm_ *a)
{
	state_set_code(w->s, addr, a->b, a->n);
	state_end_tx(w->s);
}

static int
w_tx(struct world *w, struct tx *tx)
{
	const char *why = NULL;
	int rc;

	exec_receipt_release(&w->r);
	w->nsteps = 0;
	tx->nonce = state_nonce(w->s, w->sender);
	rc = exec_tx(w->x, &w->r, &why, &w->b, tx, w->sender, UINT64_MAX / 2,
		     TX_MAX_BLOB_GAS_PER_BLOCK);
	if (rc != 0)
		fprintf(stderr, "exec_tx: %d %s\n", rc, why ? why : "");
	return rc;
}

/* A legacy call at gas price 0 (the base fee is 0). */
static int
w_call(struct world *w, const uint8_t to[20], const uint8_t *data, size_t len, uint64_t gas,
       uint64_t value)
{
	struct tx tx = { 0 };

	tx.type = TX_LEGACY;
	tx.gas_limit = gas;
	memcpy(tx.to, to, 20);
	tx.value = u(value);
	tx.data = (uint8_t *)data;
	tx.data_len = len;
	return w_tx(w, &tx);
}

static int
w_create(struct world *w, const uint8_t *initcode, size_t len, uint64_t gas, uint64_t value)
{
	struct tx tx = { 0 };

	tx.type = TX_LEGACY;
	tx.gas_limit = gas;
	tx.is_create = true;
	tx.value = u(value);
	tx.data = (uint8_t *)initcode;
	tx.data_len = len;
	return w_tx(w, &tx);
}

static struct u256
w_slot(struct world *w, const uint8_t addr[20], uint64_t slot)
{
	struct u256 k = u(slot);

	return state_storage(w->s, addr, &k);
}

/* Returns: the index of the first step at pc in a frame of depth, or -1. */
static long
w_step(const struct world *w, int depth, size_t pc)
{
	for (size_t i = 0; i < w->nsteps; i++) {
		if (w->steps[i].depth == depth && w->steps[i].pc == pc)
			return (long)i;
	}
	return -1;
}

/* Returns: the gas the instruction at pc (depth 1, first run) took, from
 * the gas of the next step in the same frame; -1 when there is none. */
static int64_t
w_cost_at(const struct world *w, int depth, size_t pc)
{
	long i = w_step(w, depth, pc);

	if (i < 0)
		return -1;
	for (size_t k = (size_t)i + 1; k < w->nsteps; k++) {
		if (w->steps[k].depth == depth)
			return w->steps[i].gas - w->steps[k].gas;
		if (w->steps[k].depth < depth)
			break;
	}
	return -1;
}

static int64_t
w_cost(const struct world *w, size_t pc)
{
	return w_cost_at(w, 1, pc);
}

/* --- Arithmetic, memory and the constant gas of each family ------------ */

/* PUSH, ADD, MSTORE, RETURN: 4 PUSH1 (12), ADD (3), MSTORE (3 + 3 for the
 * first word), 2 PUSH1 (6), RETURN (0, memory already covers it). */
static void
test_evm_push_add_mstore_return(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20];
	size_t pc_mstore;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	a_push(&a, 2);
	a_push(&a, 3);
	a_op(&a, ADD);
	a_push(&a, 0);
	pc_mstore = a_op(&a, MSTORE);
	a_push(&a, 32);
	a_push(&a, 0);
	a_op(&a, RETURN);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 24);
	CU_ASSERT_EQUAL(w_cost(&w, pc_mstore), 6);
	CU_ASSERT_EQUAL_FATAL(w.r.output_len, 32);
	CU_ASSERT_EQUAL(w.r.output[31], 5);
	CU_ASSERT_EQUAL(w.r.output[0], 0);
	a_free(&a);
	w_release(&w);
}

/* Memory expansion: 3 * words + words^2 / 512, charged on the difference. */
static void
test_evm_memory_expansion(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20];
	size_t pc1, pc2, pc3, pc4, pc5, pc6;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	a_push(&a, 1);
	a_push(&a, 0x400);
	pc1 = a_op(&a, MSTORE); /* to 1056 bytes: 33 words, 99 + 2 */
	a_push(&a, 1);
	a_push(&a, 0xffe0);
	pc2 = a_op(&a, MSTORE); /* to 2048 words: 6144 + 8192 = 14336 */
	a_push(&a, 0);
	pc3 = a_op(&a, MLOAD); /* inside: 3 */
	a_op(&a, POP);
	a_push(&a, 7);
	a_push(&a, 0x10000);
	pc4 = a_op(&a, MSTORE8); /* to 2049 words: 6147 + 8200 = 14347 */
	pc5 = a_op(&a, MSIZE);
	a_op(&a, POP);
	/* A zero length touches nothing, whatever the offset. */
	a_push(&a, 0);
	a_push_w(&a, &(struct u256){ { 0, 0, 0, 1ull << 63 } });
	pc6 = a_op(&a, RETURN);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc1), 3 + 101);
	CU_ASSERT_EQUAL(w_cost(&w, pc2), 3 + 14336 - 101);
	CU_ASSERT_EQUAL(w_cost(&w, pc3), 3);
	CU_ASSERT_EQUAL(w_cost(&w, pc4), 3 + 11);
	CU_ASSERT_EQUAL(w_cost(&w, pc5), 2);
	CU_ASSERT_TRUE(harness_u256_is(w.steps[w_step(&w, 1, pc5) + 1].top, 2049 * 32));
	CU_ASSERT_TRUE(w_step(&w, 1, pc6) >= 0);
	CU_ASSERT_EQUAL(w.r.output_len, 0);
	/* 21000 + 9 pushes + the instructions above + 2 POPs. */
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 9 * 3 + 104 + 14238 + 3 + 14 + 2 + 2 * 2);
	a_free(&a);

	/* Memory that gas cannot pay for is out of gas, not a crash. */
	a_push(&a, 1);
	a_push_w(&a, &(struct u256){ { 0, 1, 0, 0 } });
	a_op(&a, MSTORE);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_OUT_OF_GAS);
	CU_ASSERT_EQUAL(w.r.gas_used, 1000000);
	a_free(&a);
	w_release(&w);
}

/* EXP: 10 + 50 per byte of the exponent. */
static void
test_evm_exp_gas(void)
{
	static const struct {
		const char *base, *exponent, *result;
		int64_t gas;
	} cases[] = {
		{ "7", "0", "1", 10 },
		{ "7", "1", "7", 60 },
		{ "2", "255", "0x8000000000000000000000000000000000000000000000000000000000000000", 60 },
		{ "2", "256", "0", 110 },
		{ "3", "0x8000000000000000000000000000000000000000000000000000000000000000",
		  NULL, 10 + 50 * 32 },
	};
	struct world w;
	uint8_t c[20];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct asm_ a = { 0 };
		struct u256 base = harness_u256(cases[i].base), e = harness_u256(cases[i].exponent), got;
		size_t pc;

		a_push_w(&a, &e);
		a_push_w(&a, &base);
		pc = a_op(&a, EXP);
		a_ret_top(&a);
		w_code(&w, c, &a);
		CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 100000, 0), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
		CU_ASSERT_EQUAL(w_cost(&w, pc), cases[i].gas);
		if (cases[i].result != NULL && w.r.output_len == 32) {
			struct u256 want = harness_u256(cases[i].result);

			u256_from_be32(&got, w.r.output);
			CU_ASSERT_TRUE(u256_eq(&got, &want));
		}
		a_free(&a);
	}
	w_release(&w);
}

/* One case of an instruction on concrete operands: a is the top of the
 * stack.  Checks the result and the constant gas. */
struct opcase {
	uint8_t op;
	int nargs;
	const char *a, *b, *c, *result;
	int64_t gas;
};

#define MAXW "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define MINS "0x8000000000000000000000000000000000000000000000000000000000000000"

static void
test_evm_arith_bitwise_families(void)
{
	static const struct opcase cases[] = {
		{ ADD, 2, MAXW, "1", NULL, "0", 3 },
		{ MUL, 2, "3", "5", NULL, "15", 5 },
		{ MUL, 2, "0x100000000000000000000000000000000", "0x100000000000000000000000000000000",
		  NULL, "0", 5 },
		{ SUB, 2, "0", "1", NULL, MAXW, 3 },
		{ DIV, 2, "7", "2", NULL, "3", 5 },
		{ DIV, 2, "7", "0", NULL, "0", 5 },
		{ SDIV, 2, "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff8", "3", NULL,
		  "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe", 5 },
		{ SDIV, 2, MINS, MAXW, NULL, MINS, 5 },
		{ MOD, 2, "7", "3", NULL, "1", 5 },
		{ MOD, 2, "7", "0", NULL, "0", 5 },
		{ SMOD, 2, "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9", "3", NULL,
		  MAXW, 5 },
		{ ADDMOD, 3, MAXW, "2", "5", "2", 8 },
		{ MULMOD, 3, MAXW, MAXW, "12", "9", 8 },
		{ ADDMOD, 3, "1", "2", "0", "0", 8 },
		{ SIGNEXTEND, 2, "0", "0xff", NULL, MAXW, 5 },
		{ SIGNEXTEND, 2, "0", "0x7f", NULL, "0x7f", 5 },
		{ LT, 2, "1", "2", NULL, "1", 3 },
		{ GT, 2, "1", "2", NULL, "0", 3 },
		{ SLT, 2, MAXW, "0", NULL, "1", 3 },
		{ SGT, 2, MAXW, "0", NULL, "0", 3 },
		{ EQ, 2, "5", "5", NULL, "1", 3 },
		{ ISZERO, 1, "0", NULL, NULL, "1", 3 },
		{ ISZERO, 1, "9", NULL, NULL, "0", 3 },
		{ AND, 2, "0xf0", "0x3c", NULL, "0x30", 3 },
		{ OR, 2, "0xf0", "0x3c", NULL, "0xfc", 3 },
		{ XOR, 2, "0xf0", "0x3c", NULL, "0xcc", 3 },
		{ NOT, 1, "0", NULL, NULL, MAXW, 3 },
		{ BYTE, 2, "31", "0x1234", NULL, "0x34", 3 },
		{ BYTE, 2, "30", "0x1234", NULL, "0x12", 3 },
		{ BYTE, 2, "32", MAXW, NULL, "0", 3 },
		{ SHL, 2, "4", "1", NULL, "16", 3 },
		{ SHL, 2, "256", "1", NULL, "0", 3 },
		{ SHR, 2, "4", "0x100", NULL, "0x10", 3 },
		{ SAR, 2, "4", "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0", NULL,
		  MAXW, 3 },
		{ SAR, 2, "1", MINS, NULL,
		  "0xc000000000000000000000000000000000000000000000000000000000000000", 3 },
		{ SAR, 2, "300", "0x7f", NULL, "0", 3 },
	};
	struct world w;
	uint8_t c[20];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct opcase *k = &cases[i];
		struct asm_ a = { 0 };
		struct u256 v, got, want = harness_u256(k->result);
		size_t pc;

		if (k->nargs >= 3) {
			v = harness_u256(k->c);
			a_push_w(&a, &v);
		}
		if (k->nargs >= 2) {
			v = harness_u256(k->b);
			a_push_w(&a, &v);
		}
		v = harness_u256(k->a);
		a_push_w(&a, &v);
		pc = a_op(&a, k->op);
		a_ret_top(&a);
		w_code(&w, c, &a);
		CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 100000, 0), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
		if (w_cost(&w, pc) != k->gas)
			fprintf(stderr, "case %zu (%s): gas %lld\n", i, evm_opcode_name(k->op),
				(long long)w_cost(&w, pc));
		CU_ASSERT_EQUAL(w_cost(&w, pc), k->gas);
		CU_ASSERT_EQUAL_FATAL(w.r.output_len, 32);
		u256_from_be32(&got, w.r.output);
		if (!u256_eq(&got, &want))
			fprintf(stderr, "case %zu (%s): wrong result\n", i, evm_opcode_name(k->op));
		CU_ASSERT_TRUE(u256_eq(&got, &want));
		a_free(&a);
	}
	w_release(&w);
}

/* KECCAK256 (30 + 6 per word + memory), CALLDATACOPY and CODECOPY (3 + 3
 * per word + memory), LOG (375 + 375 per topic + 8 per byte + memory). */
static void
test_evm_keccak_copy_log(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20], h[32], data[40];
	size_t pc_k0, pc_k1, pc_cd, pc_cc, pc_log;
	struct u256 t1 = u(0xaa), t2 = u(0xbb);

	w_init(&w);
	harness_address(c, 0xcc, 1);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	a_push(&a, 0);
	a_push(&a, 0);
	pc_k0 = a_op(&a, KECCAK256); /* keccak(""): 30 */
	a_sstore_top(&a, 0);
	a_push(&a, 40);
	a_push(&a, 0);
	a_push(&a, 0);
	pc_cd = a_op(&a, CALLDATACOPY); /* 2 words: 3 + 6 + memory 6 */
	a_push(&a, 33);
	a_push(&a, 0);
	pc_k1 = a_op(&a, KECCAK256); /* 2 words: 30 + 12 */
	a_sstore_top(&a, 1);
	a_push(&a, 4);
	a_push(&a, 0);
	a_push(&a, 64);
	pc_cc = a_op(&a, CODECOPY); /* 1 word: 3 + 3 + memory 3 */
	a_push_w(&a, &t2);
	a_push_w(&a, &t1);
	a_push(&a, 3);
	a_push(&a, 1);
	pc_log = a_op(&a, LOG2); /* 375 * 3 + 8 * 3 */
	a_push(&a, 0);
	a_push(&a, 0);
	a_op(&a, LOG0);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, data, sizeof(data), 200000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc_k0), 30);
	CU_ASSERT_EQUAL(w_cost(&w, pc_cd), 3 + 6 + 6);
	CU_ASSERT_EQUAL(w_cost(&w, pc_k1), 30 + 12);
	CU_ASSERT_EQUAL(w_cost(&w, pc_cc), 3 + 3 + 3);
	CU_ASSERT_EQUAL(w_cost(&w, pc_log), 375 * 3 + 8 * 3);
	{
		struct u256 got = w_slot(&w, c, 0), want;

		keccak256(h, NULL, 0);
		u256_from_be32(&want, h);
		CU_ASSERT_TRUE(u256_eq(&got, &want));
		got = w_slot(&w, c, 1);
		keccak256(h, data, 33);
		u256_from_be32(&want, h);
		CU_ASSERT_TRUE(u256_eq(&got, &want));
	}
	CU_ASSERT_EQUAL_FATAL(w.r.nlogs, 2);
	CU_ASSERT_EQUAL(memcmp(w.r.logs[0].address, c, 20), 0);
	CU_ASSERT_EQUAL(w.r.logs[0].ntopics, 2);
	CU_ASSERT_EQUAL(w.r.logs[0].topics[0][31], 0xaa);
	CU_ASSERT_EQUAL(w.r.logs[0].topics[1][31], 0xbb);
	CU_ASSERT_EQUAL_FATAL(w.r.logs[0].len, 3);
	/* Memory 64.. holds the code's first 4 bytes; the log reads 1..3. */
	CU_ASSERT_EQUAL(memcmp(w.r.logs[0].data, data + 1, 3), 0);
	CU_ASSERT_EQUAL(w.r.logs[1].ntopics, 0);
	CU_ASSERT_EQUAL(w.r.logs[1].len, 0);
	a_free(&a);
	w_release(&w);
}

/* The block and message environment, each stored to a slot. */
static void
test_evm_environment(void)
{
	static const uint8_t ops[] = {
		ADDRESS, ORIGIN, CALLER, CALLVALUE, CALLDATASIZE, CODESIZE, GASPRICE,
		COINBASE, TIMESTAMP, NUMBER, PREVRANDAO, GASLIMIT, CHAINID, SELFBALANCE,
		BASEFEE, RETURNDATASIZE, PC, MSIZE,
	};
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20], data[3] = { 1, 2, 3 };
	size_t pcs[ARRAY_SIZE(ops)], pc_bh[4], pc_cdl;
	struct u256 v;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	state_set_balance(w.s, c, &(struct u256){ { 1000 } });
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		pcs[i] = a_op(&a, ops[i]);
		a_sstore_top(&a, i);
	}
	/* BLOCKHASH: the 256 before the current block only. */
	a_push(&a, 99);
	pc_bh[0] = a_op(&a, BLOCKHASH);
	a_sstore_top(&a, 100);
	a_push(&a, 100);
	pc_bh[1] = a_op(&a, BLOCKHASH);
	a_sstore_top(&a, 101);
	a_push(&a, 0);
	pc_bh[2] = a_op(&a, BLOCKHASH); /* 100 - 0 <= 256 */
	a_sstore_top(&a, 102);
	a_push_w(&a, &(struct u256){ { 99, 0, 0, 1 } });
	pc_bh[3] = a_op(&a, BLOCKHASH);
	a_sstore_top(&a, 103);
	/* CALLDATALOAD past the end reads zeros. */
	a_push(&a, 1);
	pc_cdl = a_op(&a, CALLDATALOAD);
	a_sstore_top(&a, 104);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, data, sizeof(data), 2000000, 77), 0);
	CU_ASSERT_EQUAL_FATAL(w.r.status, EVM_SUCCESS);
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		CU_ASSERT_EQUAL(w_cost(&w, pcs[i]), ops[i] == SELFBALANCE ? 5 : 2);
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(w_cost(&w, pc_bh[i]), 20);
	CU_ASSERT_EQUAL(w_cost(&w, pc_cdl), 3);
	v = w_slot(&w, c, 0);
	{
		uint8_t be[32];

		u256_to_be(be, &v);
		CU_ASSERT_EQUAL(memcmp(be + 12, c, 20), 0);
		v = w_slot(&w, c, 1);
		u256_to_be(be, &v);
		CU_ASSERT_EQUAL(memcmp(be + 12, w.sender, 20), 0);
		v = w_slot(&w, c, 2);
		u256_to_be(be, &v);
		CU_ASSERT_EQUAL(memcmp(be + 12, w.sender, 20), 0);
		v = w_slot(&w, c, 7);
		u256_to_be(be, &v);
		CU_ASSERT_EQUAL(memcmp(be + 12, w.b.coinbase, 20), 0);
	}
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 3), 77));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 4), 3));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 5), a.n));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 6), 0));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 8), 1700000000));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 9), 100));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 10), 0x1234));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 11), 30000000));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 12), 1));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 13), 1077));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 14), 0));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 15), 0));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 16), pcs[16]));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 17), 0));
	{
		uint8_t want[32];
		struct u256 wv;

		block_hash_fn(NULL, 99, want);
		u256_from_be32(&wv, want);
		v = w_slot(&w, c, 100);
		CU_ASSERT_TRUE(u256_eq(&v, &wv));
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 101), 0));
		block_hash_fn(NULL, 0, want);
		u256_from_be32(&wv, want);
		v = w_slot(&w, c, 102);
		CU_ASSERT_TRUE(u256_eq(&v, &wv));
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 103), 0));
	}
	/* Bytes 1 and 2 of the calldata, then zeros. */
	v = w_slot(&w, c, 104);
	CU_ASSERT_TRUE(v.w[3] == 0x0203000000000000ull && v.w[2] == 0 && v.w[1] == 0 &&
		       v.w[0] == 0);
	a_free(&a);
	w_release(&w);
}

/* --- Storage ------------------------------------------------------------- */

/* EIP-3529's table (EIP-2200 with EIP-2929 and 3529), the slot warm from
 * the access list: code, original value, gas used by the code, refund. */
static void
test_evm_sstore_table(void)
{
	static const struct {
		const char *code;
		uint64_t original, used, refund, final;
	} rows[] = {
		{ "60006000556000600055", 0, 212, 0, 0 },
		{ "60006000556001600055", 0, 20112, 0, 1 },
		{ "60016000556000600055", 0, 20112, 19900, 0 },
		{ "60016000556002600055", 0, 20112, 0, 2 },
		{ "60016000556001600055", 0, 20112, 0, 1 },
		{ "60006000556000600055", 1, 3012, 4800, 0 },
		{ "60006000556001600055", 1, 3012, 2800, 1 },
		{ "60006000556002600055", 1, 3012, 0, 2 },
		{ "60026000556000600055", 1, 3012, 4800, 0 },
		{ "60026000556003600055", 1, 3012, 0, 3 },
		{ "60026000556001600055", 1, 3012, 2800, 1 },
		{ "60026000556002600055", 1, 3012, 0, 2 },
		{ "60016000556000600055", 1, 3012, 4800, 0 },
		{ "60016000556002600055", 1, 3012, 0, 2 },
		{ "60016000556001600055", 1, 212, 0, 1 },
		{ "600160005560006000556001600055", 0, 40118, 19900, 1 },
		{ "600060005560016000556000600055", 1, 5918, 7600, 0 },
	};
	uint8_t c[20];

	harness_address(c, 0xcc, 1);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct world w;
		struct tx tx = { 0 };
		struct tx_access al = { { 0 }, NULL, 1 };
		uint8_t code[32], key[1][32] = { { 0 } };
		size_t len = sizeof(code);
		uint64_t pre, refund;

		w_init(&w);
		CU_ASSERT_FATAL(hex_decode(code, &len, rows[i].code, strlen(rows[i].code)) == 0);
		state_set_code(w.s, c, code, len);
		state_set_storage(w.s, c, &(struct u256){ { 0 } },
				  &(struct u256){ { rows[i].original } });
		state_end_tx(w.s);
		memcpy(al.address, c, 20);
		al.keys = key;
		tx.type = TX_ACCESS_LIST;
		tx.gas_limit = 100000;
		memcpy(tx.to, c, 20);
		tx.access_list = &al;
		tx.naccess = 1;
		CU_ASSERT_EQUAL_FATAL(w_tx(&w, &tx), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
		/* The refund counter as the trailing STOP sees it. */
		CU_ASSERT_EQUAL_FATAL(w.nsteps > 0, true);
		CU_ASSERT_EQUAL(w.steps[w.nsteps - 1].refund, (int64_t)rows[i].refund);
		pre = 21000 + 2400 + 1900 + rows[i].used;
		refund = rows[i].refund < pre / 5 ? rows[i].refund : pre / 5;
		if (w.r.gas_used != pre - refund)
			fprintf(stderr, "row %zu (%s): gas used %llu, want %llu\n", i,
				rows[i].code, (unsigned long long)w.r.gas_used,
				(unsigned long long)(pre - refund));
		CU_ASSERT_EQUAL(w.r.gas_used, pre - refund);
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 0), rows[i].final));
		w_release(&w);
	}
}

/* A callee's refund counter joins the caller's when the callee succeeds,
 * negative or not, and is dropped when it reverts.  The caller clears slot
 * 1 (9 -> 0: +4800); the callee, called with 1 byte of calldata, restores
 * it (0 -> 9 with original 9: -4800 + 2800 = -2000); with 2 bytes it
 * restores it and reverts. */
static void
test_evm_refund_across_frames(void)
{
	uint8_t c[20];

	harness_address(c, 0xcc, 1);
	for (uint64_t len = 1; len <= 2; len++) {
		struct world w;
		struct asm_ a = { 0 };
		const struct step *last;
		int64_t want_refund = len == 1 ? 2800 : 4800, child_refund = 0;
		uint64_t pre, refund;
		bool seen_child = false;

		w_init(&w);
		a_op(&a, CALLDATASIZE);
		a_op(&a, ISZERO);
		a_push_label(&a, 0);
		a_op(&a, JUMPI);
		a_push(&a, 9);
		a_push(&a, 1);
		a_op(&a, SSTORE);
		a_op(&a, CALLDATASIZE);
		a_push(&a, 2);
		a_op(&a, EQ);
		a_push_label(&a, 1);
		a_op(&a, JUMPI);
		a_op(&a, STOP);
		a_label(&a, 1);
		a_push(&a, 0);
		a_push(&a, 0);
		a_op(&a, REVERT);
		a_label(&a, 0);
		a_push(&a, 0);
		a_push(&a, 1);
		a_op(&a, SSTORE);
		a_call(&a, CALL, UINT64_MAX, NULL, 0, 0, len, 0, 0);
		a_op(&a, POP);
		a_done(&a);
		w_code(&w, c, &a);
		state_set_storage(w.s, c, &(struct u256){ { 1 } }, &(struct u256){ { 9 } });
		state_end_tx(w.s);
		CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 200000, 0), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
		for (size_t i = 0; i < w.nsteps; i++) {
			if (w.steps[i].depth == 2) {
				child_refund = w.steps[i].refund;
				seen_child = true;
			}
		}
		CU_ASSERT_TRUE(seen_child);
		/* The callee's last step (STOP or REVERT) sees its own counter. */
		CU_ASSERT_EQUAL(child_refund, -2000);
		last = &w.steps[w.nsteps - 1];
		CU_ASSERT_EQUAL(last->depth, 1);
		CU_ASSERT_EQUAL(last->refund, want_refund);
		pre = 200000 - (uint64_t)last->gas;
		refund = (uint64_t)want_refund < pre / 5 ? (uint64_t)want_refund : pre / 5;
		CU_ASSERT_EQUAL(w.r.gas_used, pre - refund);
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 1), len == 1 ? 9 : 0));
		a_free(&a);
		w_release(&w);
	}
}

/* Cold slots: SLOAD 2100 then 100; SSTORE pays 2100 on top of its
 * EIP-2200 cost when the slot is cold; the EIP-2200 sentry. */
static void
test_evm_sstore_cold_and_sentry(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20];
	size_t pc_l1, pc_l2, pc_s1, pc_s2;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	a_push(&a, 5);
	pc_l1 = a_op(&a, SLOAD);
	a_push(&a, 5);
	pc_l2 = a_op(&a, SLOAD);
	a_op(&a, ADD);
	a_op(&a, POP);
	a_push(&a, 1);
	a_push(&a, 6);
	pc_s1 = a_op(&a, SSTORE); /* cold, 0 -> 1: 2100 + 20000 */
	a_push(&a, 1);
	a_push(&a, 7);
	pc_s2 = a_op(&a, SSTORE); /* cold, 9 -> 1: 2100 + 2900 */
	w_code(&w, c, &a);
	state_set_storage(w.s, c, &(struct u256){ { 7 } }, &(struct u256){ { 9 } });
	state_end_tx(w.s);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc_l1), 2100);
	CU_ASSERT_EQUAL(w_cost(&w, pc_l2), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc_s1), 22100);
	CU_ASSERT_EQUAL(w_cost(&w, pc_s2), 5000);
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 2100 + 100 + 3 + 2 + 4 * 3 + 2 * 3 + 22100 + 5000);
	a_free(&a);

	/* SSTORE with gas_left <= 2300 is out of gas even when it would cost
	 * only 100 (a no-op on a warm slot). */
	a_push(&a, 0);
	a_push(&a, 0);
	a_op(&a, SSTORE);
	w_code(&w, c, &a);
	{
		struct tx tx = { 0 };
		struct tx_access al = { { 0 }, NULL, 1 };
		uint8_t key[1][32] = { { 0 } };

		memcpy(al.address, c, 20);
		al.keys = key;
		tx.type = TX_ACCESS_LIST;
		memcpy(tx.to, c, 20);
		tx.access_list = &al;
		tx.naccess = 1;
		tx.gas_limit = 21000 + 2400 + 1900 + 6 + 2300;
		CU_ASSERT_EQUAL_FATAL(w_tx(&w, &tx), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_OUT_OF_GAS);
		CU_ASSERT_EQUAL(w.r.gas_used, tx.gas_limit);
		tx.gas_limit++;
		CU_ASSERT_EQUAL_FATAL(w_tx(&w, &tx), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
		CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 2400 + 1900 + 6 + 100);
	}
	a_free(&a);
	w_release(&w);
}

/* EIP-2929 for accounts: cold 2600, warm 100; the tx's own addresses,
 * the coinbase (EIP-3651) and the precompiles start warm; a failed frame's
 * warming is undone with it. */
static void
test_evm_cold_warm_accounts(void)
{
	struct world w;
	struct asm_ a = { 0 }, b = { 0 };
	uint8_t c[20], x[20], y[20], callee[20], pre1[20] = { [19] = 1 };
	size_t pc[14];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	harness_address(x, 0xdd, 1);
	harness_address(y, 0xdd, 2);
	harness_address(callee, 0xcc, 2);
	/* callee: BALANCE(y), then REVERT. */
	a_push_addr(&b, y);
	a_op(&b, BALANCE);
	a_push(&b, 0);
	a_push(&b, 0);
	a_op(&b, REVERT);
	w_code(&w, callee, &b);

	a_push_addr(&a, x);
	pc[0] = a_op(&a, BALANCE);
	a_push_addr(&a, x);
	pc[1] = a_op(&a, BALANCE);
	a_op(&a, ADDRESS);
	pc[2] = a_op(&a, BALANCE);
	a_op(&a, ORIGIN);
	pc[3] = a_op(&a, BALANCE);
	a_op(&a, COINBASE);
	pc[4] = a_op(&a, BALANCE);
	a_push_addr(&a, pre1);
	pc[5] = a_op(&a, BALANCE);
	a_push_addr(&a, y);
	pc[6] = a_op(&a, EXTCODESIZE);
	a_push_addr(&a, y);
	pc[7] = a_op(&a, EXTCODEHASH);
	a_push(&a, 0);
	a_push(&a, 0);
	a_push(&a, 0);
	a_push_addr(&a, x);
	pc[8] = a_op(&a, EXTCODECOPY); /* warm, no length: 100 and no base */
	a_call(&a, CALL, 50000, callee, 0, 0, 0, 0, 0);
	a_op(&a, POP);
	a_push_addr(&a, y);
	pc[9] = a_op(&a, BALANCE); /* warm: EXTCODESIZE warmed it before */
	{
		uint8_t z[20];

		harness_address(z, 0xdd, 3);
		/* callee2 warms z and reverts; z is cold again afterwards. */
		a_free(&b);
		a_push_addr(&b, z);
		a_op(&b, BALANCE);
		a_push(&b, 0);
		a_push(&b, 0);
		a_op(&b, REVERT);
		harness_address(callee, 0xcc, 3);
		w_code(&w, callee, &b);
		a_call(&a, CALL, 50000, callee, 0, 0, 0, 0, 0);
		a_op(&a, POP);
		a_push_addr(&a, z);
		pc[10] = a_op(&a, BALANCE);
		a_push_addr(&a, z);
		pc[11] = a_op(&a, BALANCE);
	}
	/* 0x0a is Cancun's last precompile, warm; 0x0b is nothing. */
	{
		uint8_t p10[20] = { [19] = 0x0a }, p11[20] = { [19] = 0x0b };

		a_push_addr(&a, p10);
		pc[12] = a_op(&a, BALANCE);
		a_push_addr(&a, p11);
		pc[13] = a_op(&a, BALANCE);
	}
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 200000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc[0]), 2600);
	CU_ASSERT_EQUAL(w_cost(&w, pc[1]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[2]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[3]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[4]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[5]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[6]), 2600);
	CU_ASSERT_EQUAL(w_cost(&w, pc[7]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[8]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[9]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[10]), 2600);
	CU_ASSERT_EQUAL(w_cost(&w, pc[11]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[12]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[13]), 2600);
	a_free(&a);
	a_free(&b);
	w_release(&w);
}

/* --- Calls --------------------------------------------------------------- */

/* CALL's extra costs: 9000 with value (of which the callee gets a 2300
 * stipend, returned unused here), 25000 more for a value sent to an account
 * that is not alive; CALLCODE has no new-account cost. */
static void
test_evm_call_value_costs(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20], n[20], e[20], m[20], p[20], z[20], e2[20];
	size_t pc[8];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	harness_address(n, 0xdd, 1);
	harness_address(e, 0xdd, 2);
	harness_address(m, 0xdd, 3);
	harness_address(p, 0xdd, 4);
	harness_address(z, 0xdd, 5);
	harness_address(e2, 0xdd, 6);
	state_set_balance(w.s, c, &(struct u256){ { 10 } });
	state_create(w.s, e);
	state_create(w.s, e2);
	state_end_tx(w.s);
	pc[0] = a_call(&a, CALL, 0, n, 1, 0, 0, 0, 0);
	a_sstore_top(&a, 0);
	pc[1] = a_call(&a, CALL, 0, n, 1, 0, 0, 0, 0);
	a_sstore_top(&a, 1);
	pc[2] = a_call(&a, CALL, 0, n, 0, 0, 0, 0, 0);
	a_sstore_top(&a, 2);
	pc[3] = a_call(&a, CALL, 0, e, 1, 0, 0, 0, 0);
	a_sstore_top(&a, 3);
	pc[4] = a_call(&a, CALLCODE, 0, m, 1, 0, 0, 0, 0);
	a_sstore_top(&a, 4);
	/* 7 wei left: this one cannot start; the stipend comes back. */
	pc[5] = a_call(&a, CALL, 0, p, 20, 0, 0, 0, 0);
	a_sstore_top(&a, 5);
	pc[6] = a_call(&a, CALL, 0, z, 0, 0, 0, 0, 0);
	a_sstore_top(&a, 6);
	pc[7] = a_call(&a, CALL, 0, e2, 0, 0, 0, 0, 0);
	a_sstore_top(&a, 7);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc[0]), 2600 + 9000 + 25000 - 2300);
	CU_ASSERT_EQUAL(w_cost(&w, pc[1]), 100 + 9000 - 2300);
	CU_ASSERT_EQUAL(w_cost(&w, pc[2]), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc[3]), 2600 + 9000 + 25000 - 2300);
	CU_ASSERT_EQUAL(w_cost(&w, pc[4]), 2600 + 9000 - 2300);
	CU_ASSERT_EQUAL(w_cost(&w, pc[5]), 2600 + 9000 + 25000 - 2300);
	CU_ASSERT_EQUAL(w_cost(&w, pc[6]), 2600);
	CU_ASSERT_EQUAL(w_cost(&w, pc[7]), 2600);
	for (uint64_t i = 0; i < 8; i++)
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, i), i == 5 ? 0 : 1));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, n), 2));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, e), 1));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, c), 7));
	CU_ASSERT_FALSE(state_exists(w.s, m));
	CU_ASSERT_FALSE(state_exists(w.s, p));
	/* EIP-161: a call touches; touched empty accounts are removed. */
	CU_ASSERT_FALSE(state_exists(w.s, z));
	CU_ASSERT_FALSE(state_exists(w.s, e2));
	a_free(&a);
	w_release(&w);
}

/* EIP-150: a callee gets at most all but a 64th of what is left after the
 * call's own costs, whatever it asks for. */
static void
test_evm_call_63_64(void)
{
	struct world w;
	struct asm_ a = { 0 }, b = { 0 };
	uint8_t c[20], callee[20];
	size_t pc_big, pc_small;
	long i, k;
	int64_t g0, child;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	harness_address(callee, 0xcc, 2);
	a_push(&b, 0);
	a_push(&b, 0);
	a_op(&b, RETURN);
	w_code(&w, callee, &b);
	a_push(&a, 0);
	a_push(&a, 0);
	a_push(&a, 0);
	a_push(&a, 0);
	a_push_addr(&a, callee);
	a_push_w(&a, &(struct u256){ { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX } });
	pc_big = a_op(&a, STATICCALL);
	a_op(&a, POP);
	pc_small = a_call(&a, CALL, 1000, callee, 0, 0, 0, 0, 0);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 500000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	i = w_step(&w, 1, pc_big);
	CU_ASSERT_FATAL(i >= 0 && (size_t)i + 1 < w.nsteps);
	g0 = w.steps[i].gas;
	child = (g0 - 2600) - (g0 - 2600) / 64;
	CU_ASSERT_EQUAL(w.steps[i + 1].depth, 2);
	CU_ASSERT_EQUAL(w.steps[i + 1].gas, child);
	/* The callee used 6 of it; the rest came back. */
	CU_ASSERT_EQUAL(w_cost(&w, pc_big), 2600 + 6);
	k = w_step(&w, 1, pc_small);
	CU_ASSERT_FATAL(k >= 0);
	CU_ASSERT_EQUAL(w.steps[k + 1].depth, 2);
	CU_ASSERT_EQUAL(w.steps[k + 1].gas, 1000);
	CU_ASSERT_EQUAL(w_cost(&w, pc_small), 100 + 6);
	a_free(&a);
	a_free(&b);
	w_release(&w);
}

/* EVM_MAX_DEPTH: a contract that calls itself with its depth + 1 reaches
 * depth 1024, where its call fails; it records that depth. */
static void
test_evm_call_depth_limit(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20], data[32] = { 0 };

	w_init(&w);
	exec_set_tracer(w.x, NULL, NULL);
	harness_address(c, 0xcc, 1);
	a_push(&a, 0);
	a_op(&a, CALLDATALOAD);
	a_push(&a, 1);
	a_op(&a, ADD);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_call(&a, CALL, UINT64_MAX, NULL, 0, 0, 32, 0, 0);
	a_op(&a, ISZERO);
	a_push_label(&a, 0);
	a_op(&a, JUMPI);
	a_op(&a, STOP);
	a_label(&a, 0);
	a_push(&a, 0);
	a_op(&a, CALLDATALOAD);
	a_sstore_top(&a, 0);
	a_done(&a);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, data, sizeof(data), 1ull << 40, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 0), EVM_MAX_DEPTH));
	a_free(&a);
	w_release(&w);
}

/* --- Exceptional halts ---------------------------------------------------- */

static void
run_expect(struct world *w, const uint8_t c[20], struct asm_ *a, enum evm_status st)
{
	w_code(w, c, a);
	CU_ASSERT_EQUAL_FATAL(w_call(w, c, NULL, 0, 100000, 0), 0);
	if (w->r.status != st)
		fprintf(stderr, "status %s, want %s\n", evm_status_name(w->r.status),
			evm_status_name(st));
	CU_ASSERT_EQUAL(w->r.status, st);
	/* An exceptional halt takes all the gas; a success here takes less. */
	if (st == EVM_SUCCESS) {
		CU_ASSERT_TRUE(w->r.gas_used < 100000);
	} else {
		CU_ASSERT_EQUAL(w->r.gas_used, 100000);
	}
	a_free(a);
}

static void
test_evm_stack_limits(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20];

	w_init(&w);
	exec_set_tracer(w.x, NULL, NULL);
	harness_address(c, 0xcc, 1);
	for (int i = 0; i < 1024; i++)
		a_op(&a, PUSH0);
	run_expect(&w, c, &a, EVM_SUCCESS);
	for (int i = 0; i < 1025; i++)
		a_op(&a, PUSH0);
	run_expect(&w, c, &a, EVM_STACK_OVERFLOW);
	for (int i = 0; i < 1024; i++)
		a_op(&a, PUSH0);
	a_op(&a, DUP1);
	run_expect(&w, c, &a, EVM_STACK_OVERFLOW);
	/* SWAP1 on a full stack does not grow it. */
	for (int i = 0; i < 1024; i++)
		a_op(&a, PUSH0);
	a_op(&a, SWAP1);
	run_expect(&w, c, &a, EVM_SUCCESS);
	a_push(&a, 1);
	a_op(&a, ADD);
	run_expect(&w, c, &a, EVM_STACK_UNDERFLOW);
	a_op(&a, POP);
	run_expect(&w, c, &a, EVM_STACK_UNDERFLOW);
	for (int i = 0; i < 16; i++)
		a_op(&a, PUSH0);
	a_op(&a, SWAP16);
	run_expect(&w, c, &a, EVM_STACK_UNDERFLOW);
	for (int i = 0; i < 17; i++)
		a_op(&a, PUSH0);
	a_op(&a, SWAP16);
	run_expect(&w, c, &a, EVM_SUCCESS);
	w_release(&w);
}

static void
test_evm_jumps(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	/* 0: PUSH1 4; 2: JUMP; 3: PUSH1 0x5b (a 0x5b at 4 that is data). */
	a_push(&a, 4);
	a_op(&a, JUMP);
	a_push(&a, 0x5b);
	a_op(&a, STOP);
	run_expect(&w, c, &a, EVM_BAD_JUMP);
	/* The same with a real JUMPDEST at 4. */
	a_push(&a, 4);
	a_op(&a, JUMP);
	a_op(&a, INVALID);
	a_op(&a, JUMPDEST);
	run_expect(&w, c, &a, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 3 + 8 + 1);
	/* To an instruction that is not a JUMPDEST. */
	a_push(&a, 3);
	a_op(&a, JUMP);
	a_op(&a, STOP);
	run_expect(&w, c, &a, EVM_BAD_JUMP);
	/* Past the end of the code, and beyond 64 bits. */
	a_push(&a, 200);
	a_op(&a, JUMP);
	run_expect(&w, c, &a, EVM_BAD_JUMP);
	a_push_w(&a, &(struct u256){ { 4, 1, 0, 0 } });
	a_op(&a, JUMP);
	a_op(&a, JUMPDEST);
	run_expect(&w, c, &a, EVM_BAD_JUMP);
	/* JUMPI: a false condition does not look at the destination. */
	a_push(&a, 0);
	a_push(&a, 99);
	a_op(&a, JUMPI);
	run_expect(&w, c, &a, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 3 + 3 + 10);
	a_push(&a, 1);
	a_push(&a, 99);
	a_op(&a, JUMPI);
	run_expect(&w, c, &a, EVM_BAD_JUMP);
	/* A PUSH32 whose data holds 0x5b bytes hides them all. */
	{
		uint8_t data[32];

		memset(data, 0x5b, sizeof(data));
		a_push(&a, 10);
		a_op(&a, JUMP);
		a_push_bytes(&a, data, 32);
		run_expect(&w, c, &a, EVM_BAD_JUMP);
	}
	w_release(&w);
}

static void
test_evm_invalid_opcodes(void)
{
	static const uint8_t bad[] = { 0xfe, 0x0c, 0x0d, 0x1e, 0x21, 0x4b, 0xa5, 0xef, 0xf6, 0xfb };
	struct world w;
	struct asm_ a = { 0 }, b = { 0 };
	uint8_t c[20], callee[20];
	size_t pc;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		a_op(&a, bad[i]);
		run_expect(&w, c, &a, EVM_INVALID_OPCODE);
	}
	/* In a callee: all the callee's gas goes; the caller goes on. */
	harness_address(callee, 0xcc, 2);
	a_op(&b, INVALID);
	w_code(&w, callee, &b);
	pc = a_call(&a, CALL, 1000, callee, 0, 0, 0, 0, 0);
	a_sstore_top(&a, 0);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc), 2600 + 1000);
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 0), 0));
	a_free(&a);
	a_free(&b);
	w_release(&w);
}

/* Writes in a static context: each halts the callee, which loses the gas
 * it was given; reads and value-free calls do not. */
static void
test_evm_static_violations(void)
{
	enum { NV = 12 };
	struct world w;
	struct asm_ a = { 0 }, b = { 0 };
	uint8_t c[20], callee[NV][20], x[20];
	size_t pc[NV];
	/* 1: the static call failed; 2: it succeeded. */
	static const uint64_t want[NV] = { 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1 };

	w_init(&w);
	harness_address(c, 0xcc, 1);
	harness_address(x, 0xdd, 1);
	for (int i = 0; i < NV; i++)
		harness_address(callee[i], 0xcc, 10 + (uint32_t)i);
	/* 0: SSTORE */
	a_push(&b, 1);
	a_push(&b, 0);
	a_op(&b, SSTORE);
	w_code(&w, callee[0], &b);
	a_free(&b);
	/* 1: LOG0 */
	a_push(&b, 0);
	a_push(&b, 0);
	a_op(&b, LOG0);
	w_code(&w, callee[1], &b);
	a_free(&b);
	/* 2: TSTORE */
	a_push(&b, 1);
	a_push(&b, 0);
	a_op(&b, TSTORE);
	w_code(&w, callee[2], &b);
	a_free(&b);
	/* 3: CALL with value (the callee has no balance: still a violation) */
	a_call(&b, CALL, 0, x, 1, 0, 0, 0, 0);
	w_code(&w, callee[3], &b);
	a_free(&b);
	/* 4: SELFDESTRUCT */
	a_push_addr(&b, x);
	a_op(&b, SELFDESTRUCT);
	w_code(&w, callee[4], &b);
	a_free(&b);
	/* 5: CREATE, 6: CREATE2 */
	a_push(&b, 0);
	a_push(&b, 0);
	a_push(&b, 0);
	a_op(&b, CREATE);
	w_code(&w, callee[5], &b);
	a_free(&b);
	a_push(&b, 0);
	a_push(&b, 0);
	a_push(&b, 0);
	a_push(&b, 0);
	a_op(&b, CREATE2);
	w_code(&w, callee[6], &b);
	a_free(&b);
	/* 7: reads are allowed */
	a_push(&b, 0);
	a_op(&b, SLOAD);
	a_push(&b, 0);
	a_op(&b, TLOAD);
	a_push(&b, 0);
	a_op(&b, BALANCE);
	w_code(&w, callee[7], &b);
	a_free(&b);
	/* 8: a CALL without value is allowed */
	a_call(&b, CALL, 0, x, 0, 0, 0, 0, 0);
	w_code(&w, callee[8], &b);
	a_free(&b);
	/* 9: CALLCODE with value is allowed: the value stays with the caller
	 * (Cancun's callcode has no static check). */
	a_call(&b, CALLCODE, 0, x, 1, 0, 0, 0, 0);
	a_op(&b, ISZERO);
	a_push_label(&b, 0);
	a_op(&b, JUMPI);
	a_op(&b, STOP);
	a_label(&b, 0);
	a_op(&b, INVALID);
	a_done(&b);
	w_code(&w, callee[9], &b);
	state_set_balance(w.s, callee[9], &(struct u256){ { 5 } });
	state_end_tx(w.s);
	a_free(&b);
	/* 10: the static flag passes down: a CALL to the SSTORE callee fails
	 * inside, and this callee checks that it did. */
	a_call(&b, CALL, 20000, callee[0], 0, 0, 0, 0, 0);
	a_push_label(&b, 0);
	a_op(&b, JUMPI);
	a_op(&b, STOP);
	a_label(&b, 0);
	a_op(&b, INVALID);
	a_done(&b);
	w_code(&w, callee[10], &b);
	a_free(&b);
	/* 11: a DELEGATECALL keeps it too: the SSTORE callee's code fails. */
	a_call(&b, DELEGATECALL, 20000, callee[0], 0, 0, 0, 0, 0);
	a_push_label(&b, 0);
	a_op(&b, JUMPI);
	a_op(&b, INVALID);
	a_label(&b, 0);
	a_done(&b);
	w_code(&w, callee[11], &b);
	a_free(&b);

	for (int i = 0; i < NV; i++) {
		a_push(&a, 0);
		a_push(&a, 0);
		a_push(&a, 0);
		a_push(&a, 0);
		a_push_addr(&a, callee[i]);
		a_push(&a, 50000);
		pc[i] = a_op(&a, STATICCALL);
		a_push(&a, 1);
		a_op(&a, ADD);
		a_sstore_top(&a, (uint64_t)i);
	}
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 3000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	for (int i = 0; i < NV; i++) {
		if (!harness_u256_is(w_slot(&w, c, (uint64_t)i), want[i]))
			fprintf(stderr, "static case %d: wrong outcome\n", i);
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, (uint64_t)i), want[i]));
		if (want[i] == 1) {
			CU_ASSERT_EQUAL(w_cost(&w, pc[i]), 2600 + 50000);
		}
	}
	CU_ASSERT_EQUAL(w.r.nlogs, 0);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, callee[9]), 5));
	CU_ASSERT_FALSE(state_exists(w.s, x));
	a_free(&a);
	w_release(&w);
}

/* RETURNDATACOPY past the return data halts (EIP-211). */
static void
test_evm_returndatacopy_bounds(void)
{
	static const struct {
		uint64_t src, len;
		bool after_call;
		enum evm_status st;
	} cases[] = {
		{ 0, 32, true, EVM_SUCCESS },
		{ 32, 0, true, EVM_SUCCESS },
		{ 1, 32, true, EVM_RETURNDATA_OUT_OF_BOUNDS },
		{ 0, 33, true, EVM_RETURNDATA_OUT_OF_BOUNDS },
		{ 33, 0, true, EVM_RETURNDATA_OUT_OF_BOUNDS },
		{ 0, 0, false, EVM_SUCCESS },
		{ 1, 0, false, EVM_RETURNDATA_OUT_OF_BOUNDS },
		{ UINT64_MAX, 2, true, EVM_RETURNDATA_OUT_OF_BOUNDS },
	};
	struct world w;
	struct asm_ b = { 0 };
	uint8_t c[20], callee[20];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	harness_address(callee, 0xcc, 2);
	a_push(&b, 0x42);
	a_ret_top(&b);
	w_code(&w, callee, &b);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct asm_ a = { 0 };

		if (cases[i].after_call) {
			a_call(&a, STATICCALL, UINT64_MAX, callee, 0, 0, 0, 0, 0);
			a_op(&a, POP);
		}
		a_push(&a, cases[i].len);
		a_push(&a, cases[i].src);
		a_push(&a, 0);
		a_op(&a, RETURNDATACOPY);
		a_op(&a, RETURNDATASIZE);
		a_ret_top(&a);
		run_expect(&w, c, &a, cases[i].st);
		if (cases[i].st == EVM_SUCCESS && w.r.output_len == 32) {
			CU_ASSERT_EQUAL(w.r.output[31], cases[i].after_call ? 32 : 0);
		}
	}
	a_free(&b);
	w_release(&w);
}

/* RETURNDATASIZE after a revert is the revert data; after an exceptional
 * halt it is empty. */
static void
test_evm_returndata_after_failure(void)
{
	struct world w;
	struct asm_ a = { 0 }, b = { 0 };
	uint8_t c[20], reverter[20], halter[20];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	harness_address(reverter, 0xcc, 2);
	harness_address(halter, 0xcc, 3);
	a_push(&b, 7);
	a_push(&b, 0);
	a_op(&b, REVERT);
	w_code(&w, reverter, &b);
	a_free(&b);
	a_push(&b, 7);
	a_push(&b, 0);
	a_op(&b, INVALID);
	w_code(&w, halter, &b);
	a_call(&a, CALL, 10000, reverter, 0, 0, 0, 0, 0);
	a_sstore_top(&a, 0);
	a_op(&a, RETURNDATASIZE);
	a_sstore_top(&a, 1);
	a_call(&a, CALL, 10000, halter, 0, 0, 0, 0, 0);
	a_sstore_top(&a, 2);
	a_op(&a, RETURNDATASIZE);
	a_sstore_top(&a, 3);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 200000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 0), 0));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 1), 7));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 2), 0));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 3), 0));
	a_free(&a);
	a_free(&b);
	w_release(&w);
}

/* --- Creation ------------------------------------------------------------ */

/* Initcode that returns the 1-byte code 0x01. */
static const uint8_t small_init[] = { 0x60, 0x01, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3 };

static void
test_evm_create_addresses(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t f[20], want[20], be[32], buf[85], h[32];
	struct u256 salt = u(0x42), v;
	const uint8_t *code;
	size_t len;

	w_init(&w);
	harness_address(f, 0xfa, 1);
	state_set_nonce(w.s, f, 1);
	/* A balance alone at the CREATE2 address is no collision; it stays. */
	exec_create2_address(want, f, &salt, small_init, sizeof(small_init));
	state_set_balance(w.s, want, &(struct u256){ { 100 } });
	state_end_tx(w.s);
	a_push_bytes(&a, small_init, sizeof(small_init));
	a_push(&a, 0);
	a_op(&a, MSTORE);
	/* CREATE(value 0, offset 22, length 10) */
	a_push(&a, sizeof(small_init));
	a_push(&a, 32 - sizeof(small_init));
	a_push(&a, 0);
	a_op(&a, CREATE);
	a_sstore_top(&a, 0);
	a_push_w(&a, &salt);
	a_push(&a, sizeof(small_init));
	a_push(&a, 32 - sizeof(small_init));
	a_push(&a, 0);
	a_op(&a, CREATE2);
	a_sstore_top(&a, 1);
	/* The same CREATE2 again collides: 0, and the nonce still moves. */
	a_push_w(&a, &salt);
	a_push(&a, sizeof(small_init));
	a_push(&a, 32 - sizeof(small_init));
	a_push(&a, 0);
	a_op(&a, CREATE2);
	a_push(&a, 1);
	a_op(&a, ADD);
	a_sstore_top(&a, 2);
	w_code(&w, f, &a);
	/* The collision keeps the 63/64 it gave away: leave room after it. */
	CU_ASSERT_EQUAL_FATAL(w_call(&w, f, NULL, 0, 5000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);

	/* CREATE: keccak(rlp([f, 1]))[12:], encoded here independently. */
	{
		struct rlp_enc e;
		size_t mark;

		rlp_enc_init(&e);
		mark = rlp_enc_list_begin(&e);
		rlp_enc_bytes(&e, f, 20);
		rlp_enc_u64(&e, 1);
		rlp_enc_list_end(&e, mark);
		CU_ASSERT_EQUAL_FATAL(rlp_enc_error(&e), 0);
		keccak256(h, e.data, e.len);
		rlp_enc_release(&e);
	}
	v = w_slot(&w, f, 0);
	u256_to_be(be, &v);
	CU_ASSERT_EQUAL(memcmp(be + 12, h + 12, 20), 0);
	exec_create_address(want, f, 1);
	CU_ASSERT_EQUAL(memcmp(be + 12, want, 20), 0);
	code = state_code(w.s, want, &len);
	CU_ASSERT_TRUE(len == 1 && code[0] == 0x01);
	CU_ASSERT_EQUAL(state_nonce(w.s, want), 1);

	/* CREATE2: keccak(0xff ++ f ++ salt ++ keccak(initcode))[12:]. */
	buf[0] = 0xff;
	memcpy(buf + 1, f, 20);
	u256_to_be(buf + 21, &salt);
	keccak256(buf + 53, small_init, sizeof(small_init));
	keccak256(h, buf, 85);
	v = w_slot(&w, f, 1);
	u256_to_be(be, &v);
	CU_ASSERT_EQUAL(memcmp(be + 12, h + 12, 20), 0);
	exec_create2_address(want, f, &salt, small_init, sizeof(small_init));
	CU_ASSERT_EQUAL(memcmp(be + 12, want, 20), 0);
	CU_ASSERT_TRUE(state_exists(w.s, want));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, want), 100));
	CU_ASSERT_EQUAL(state_nonce(w.s, want), 1);
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, f, 2), 1));
	CU_ASSERT_EQUAL(state_nonce(w.s, f), 4);
	a_free(&a);
	w_release(&w);
}

/* EIP-3541, EIP-170 and EIP-3860 on creation transactions and CREATE. */
static void
test_evm_create_code_rules(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t addr[20], f[20];
	const uint8_t *code;
	size_t len;

	w_init(&w);
	/* Returning 0xef00: rejected, all gas gone, nothing deployed. */
	a_push(&a, 0xef00);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_push(&a, 2);
	a_push(&a, 30);
	a_op(&a, RETURN);
	exec_create_address(addr, w.sender, 0);
	CU_ASSERT_EQUAL_FATAL(w_create(&w, a.b, a.n, 200000, 5), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_INVALID_CODE_PREFIX);
	CU_ASSERT_EQUAL(w.r.gas_used, 200000);
	CU_ASSERT_FALSE(w.r.created);
	CU_ASSERT_FALSE(state_exists(w.s, addr));
	CU_ASSERT_EQUAL(state_nonce(w.s, w.sender), 1);
	a_free(&a);
	/* 0xfe first is fine, and so is empty code. */
	a_push(&a, 0xfe00);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_push(&a, 2);
	a_push(&a, 30);
	a_op(&a, RETURN);
	exec_create_address(addr, w.sender, 1);
	CU_ASSERT_EQUAL_FATAL(w_create(&w, a.b, a.n, 200000, 5), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_TRUE(w.r.created);
	CU_ASSERT_EQUAL(memcmp(w.r.contract_address, addr, 20), 0);
	code = state_code(w.s, addr, &len);
	CU_ASSERT_TRUE(len == 2 && code[0] == 0xfe && code[1] == 0x00);
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, addr), 5));
	CU_ASSERT_EQUAL(state_nonce(w.s, addr), 1);
	a_free(&a);
	CU_ASSERT_EQUAL_FATAL(w_create(&w, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w.r.gas_used, 53000);

	/* EIP-170: 24576 bytes deploy; 24577 do not. */
	a_push(&a, EVM_MAX_CODE_SIZE);
	a_push(&a, 0);
	a_op(&a, RETURN);
	CU_ASSERT_EQUAL_FATAL(w_create(&w, a.b, a.n, 10000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	(void)state_code(w.s, w.r.contract_address, &len);
	CU_ASSERT_EQUAL(len, EVM_MAX_CODE_SIZE);
	a_free(&a);
	a_push(&a, EVM_MAX_CODE_SIZE + 1);
	a_push(&a, 0);
	a_op(&a, RETURN);
	CU_ASSERT_EQUAL_FATAL(w_create(&w, a.b, a.n, 10000000, 0), 0);
	CU_ASSERT_TRUE(w.r.status == EVM_CODE_TOO_LARGE || w.r.status == EVM_OUT_OF_GAS);
	CU_ASSERT_EQUAL(w.r.gas_used, 10000000);
	CU_ASSERT_FALSE(state_exists(w.s, w.r.contract_address));
	/* The deposit, 200 per byte, to the last unit: intrinsic 53000 + 4
	 * non-zero bytes (64) + 1 zero byte (4) + 1 initcode word (2), code
	 * 3 + 3 + memory 12, deposit 20000. */
	a_free(&a);
	a_push(&a, 100);
	a_push(&a, 0);
	a_op(&a, RETURN);
	CU_ASSERT_EQUAL_FATAL(w_create(&w, a.b, a.n, 53070 + 18 + 20000 - 1, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_OUT_OF_GAS);
	CU_ASSERT_EQUAL(w.r.gas_used, 53070 + 18 + 20000 - 1);
	CU_ASSERT_EQUAL_FATAL(w_create(&w, a.b, a.n, 53070 + 18 + 20000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w.r.gas_used, 53070 + 18 + 20000);
	(void)state_code(w.s, w.r.contract_address, &len);
	CU_ASSERT_EQUAL(len, 100);
	a_free(&a);

	/* The same rules through CREATE: the frame goes on, with 0 pushed. */
	harness_address(f, 0xfa, 1);
	state_set_nonce(w.s, f, 1);
	state_end_tx(w.s);
	{
		static const uint8_t ef_init[] = { 0x61, 0xef, 0x00, 0x60, 0x00, 0x52,
						   0x60, 0x02, 0x60, 0x1e, 0xf3 };

		a_push_bytes(&a, ef_init, sizeof(ef_init));
		a_push(&a, 0);
		a_op(&a, MSTORE);
		a_push(&a, sizeof(ef_init));
		a_push(&a, 32 - sizeof(ef_init));
		a_push(&a, 0);
		a_op(&a, CREATE);
		a_push(&a, 1);
		a_op(&a, ADD);
		a_sstore_top(&a, 0);
		a_op(&a, RETURNDATASIZE);
		a_sstore_top(&a, 1);
		w_code(&w, f, &a);
		/* The failed child takes the 63/64 it was given. */
		CU_ASSERT_EQUAL_FATAL(w_call(&w, f, NULL, 0, 5000000, 0), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, f, 0), 1));
		CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, f, 1), 0));
		/* The nonce moved even though the creation failed. */
		CU_ASSERT_EQUAL(state_nonce(w.s, f), 2);
		a_free(&a);
	}
	/* EIP-3860: CREATE of 49153 bytes is an exceptional halt of the
	 * creator; 49152 bytes (zeros: STOP) create an empty contract. */
	a_push(&a, EVM_MAX_INITCODE_SIZE + 1);
	a_push(&a, 0);
	a_push(&a, 0);
	a_op(&a, CREATE);
	w_code(&w, f, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, f, NULL, 0, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_OUT_OF_GAS);
	CU_ASSERT_EQUAL(w.r.gas_used, 1000000);
	a_free(&a);
	a_push(&a, EVM_MAX_INITCODE_SIZE);
	a_push(&a, 0);
	a_push(&a, 0);
	a_op(&a, CREATE);
	a_sstore_top(&a, 0);
	w_code(&w, f, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, f, NULL, 0, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_FALSE(harness_u256_is(w_slot(&w, f, 0), 0));
	a_free(&a);
	w_release(&w);
}

/* EIP-6780: SELFDESTRUCT moves the balance; only an account created in
 * the same transaction is removed. */
static void
test_evm_selfdestruct_6780(void)
{
	struct world w;
	struct asm_ a = { 0 }, init = { 0 };
	uint8_t d[20], ben[20], f[20], child[20];
	const uint8_t *code;
	size_t len, pc;
	struct u256 k = u(1);

	w_init(&w);
	harness_address(d, 0xd0, 1);
	harness_address(ben, 0xbe, 1);
	harness_address(f, 0xfa, 1);
	/* A contract from an earlier transaction. */
	a_push_addr(&a, ben);
	pc = a_op(&a, SELFDESTRUCT);
	w_code(&w, d, &a);
	state_set_balance(w.s, d, &(struct u256){ { 100 } });
	state_set_storage(w.s, d, &k, &(struct u256){ { 9 } });
	state_end_tx(w.s);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, d, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	/* 5000, cold beneficiary 2600, beneficiary not alive and a balance
	 * to send 25000. */
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 3 + 5000 + 2600 + 25000);
	CU_ASSERT_EQUAL(w.steps[w.nsteps - 1].op, SELFDESTRUCT);
	CU_ASSERT_EQUAL(w.steps[w.nsteps - 1].pc, pc);
	CU_ASSERT_TRUE(state_exists(w.s, d));
	code = state_code(w.s, d, &len);
	CU_ASSERT_TRUE(len == 22 && code != NULL);
	CU_ASSERT_TRUE(harness_u256_is(state_storage(w.s, d, &k), 9));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, d), 0));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, ben), 100));
	/* Again: beneficiary alive now and no balance to send: 5000 + 2600. */
	CU_ASSERT_EQUAL_FATAL(w_call(&w, d, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 3 + 5000 + 2600);
	CU_ASSERT_TRUE(state_exists(w.s, d));
	a_free(&a);

	/* A contract created in this transaction whose initcode destructs:
	 * gone at the end, its 50 wei with the beneficiary. */
	a_push_addr(&init, ben);
	a_op(&init, SELFDESTRUCT);
	CU_ASSERT_FATAL(init.n <= 32);
	a_push_bytes(&a, init.b, init.n);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_push(&a, init.n);
	a_push(&a, 32 - init.n);
	a_push(&a, 50);
	a_op(&a, CREATE);
	a_sstore_top(&a, 0);
	w_code(&w, f, &a);
	state_set_balance(w.s, f, &(struct u256){ { 1000 } });
	state_set_nonce(w.s, f, 1);
	state_end_tx(w.s);
	exec_create_address(child, f, 1);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, f, NULL, 0, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_FALSE(harness_u256_is(w_slot(&w, f, 0), 0));
	CU_ASSERT_FALSE(state_exists(w.s, child));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, ben), 150));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, f), 950));
	a_free(&a);
	a_free(&init);

	/* Created in this transaction and naming itself: the balance burns. */
	a_op(&init, ADDRESS);
	a_op(&init, SELFDESTRUCT);
	a_push_bytes(&a, init.b, init.n);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_push(&a, init.n);
	a_push(&a, 32 - init.n);
	a_push(&a, 50);
	a_op(&a, CREATE);
	a_sstore_top(&a, 0);
	w_code(&w, f, &a);
	exec_create_address(child, f, 2);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, f, NULL, 0, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_FALSE(state_exists(w.s, child));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, child), 0));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, f), 900));
	a_free(&a);
	a_free(&init);

	/* An old contract naming itself keeps everything. */
	a_op(&a, ADDRESS);
	a_op(&a, SELFDESTRUCT);
	w_code(&w, d, &a);
	state_set_balance(w.s, d, &(struct u256){ { 33 } });
	state_end_tx(w.s);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, d, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_TRUE(state_exists(w.s, d));
	CU_ASSERT_TRUE(harness_u256_is(state_balance(w.s, d), 33));
	a_free(&a);
	w_release(&w);
}

/* --- Cancun's additions -------------------------------------------------- */

/* EIP-1153: TSTORE/TLOAD cost 100, are undone with a reverted frame, and
 * are gone in the next transaction. */
static void
test_evm_transient_storage(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20], mode[32] = { 0 };
	size_t pc_ts, pc_tl;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	/* mode = calldata word: 0 outer, 1 inner that reverts, 2 inner that
	 * returns, 3 read. */
	a_push(&a, 0);
	a_op(&a, CALLDATALOAD);
	a_op(&a, DUP1);
	a_push(&a, 1);
	a_op(&a, EQ);
	a_push_label(&a, 1);
	a_op(&a, JUMPI);
	a_op(&a, DUP1);
	a_push(&a, 2);
	a_op(&a, EQ);
	a_push_label(&a, 2);
	a_op(&a, JUMPI);
	a_op(&a, DUP1);
	a_push(&a, 3);
	a_op(&a, EQ);
	a_push_label(&a, 3);
	a_op(&a, JUMPI);
	/* outer: TSTORE(0, 1); call self in mode 1, then in mode 2 with the
	 * reverting result in slot 10 and the returning one in slot 11;
	 * TLOAD(0) after each in slots 0 and 1. */
	a_push(&a, 1);
	a_push(&a, 0);
	pc_ts = a_op(&a, TSTORE);
	a_push(&a, 1);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_call(&a, CALL, UINT64_MAX, NULL, 0, 0, 32, 0, 0);
	a_sstore_top(&a, 10);
	a_push(&a, 0);
	pc_tl = a_op(&a, TLOAD);
	a_sstore_top(&a, 0);
	a_push(&a, 2);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_call(&a, CALL, UINT64_MAX, NULL, 0, 0, 32, 0, 0);
	a_sstore_top(&a, 11);
	a_push(&a, 0);
	a_op(&a, TLOAD);
	a_sstore_top(&a, 1);
	a_op(&a, STOP);
	a_label(&a, 1);
	a_push(&a, 2);
	a_push(&a, 0);
	a_op(&a, TSTORE);
	a_push(&a, 0);
	a_push(&a, 0);
	a_op(&a, REVERT);
	a_label(&a, 2);
	a_push(&a, 3);
	a_push(&a, 0);
	a_op(&a, TSTORE);
	a_op(&a, STOP);
	a_label(&a, 3);
	a_push(&a, 0);
	a_op(&a, TLOAD);
	a_push(&a, 1);
	a_op(&a, ADD);
	a_sstore_top(&a, 2);
	a_op(&a, STOP);
	a_done(&a);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, mode, 32, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc_ts), 100);
	CU_ASSERT_EQUAL(w_cost(&w, pc_tl), 100);
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 10), 0));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 0), 1));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 11), 1));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 1), 3));
	/* Next transaction: nothing left (slot 2 = TLOAD + 1). */
	mode[31] = 3;
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, mode, 32, 1000000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 2), 1));
	a_free(&a);
	w_release(&w);
}

/* EIP-5656: MCOPY copies as if through a buffer; 3 + 3 per word +
 * memory expansion. */
static void
test_evm_mcopy(void)
{
	static const struct {
		uint64_t dst, src, len;
		int64_t gas;
	} cases[] = {
		{ 0, 32, 32, 6 },
		{ 0, 0, 32, 6 },
		{ 0, 1, 8, 6 },
		{ 1, 0, 8, 6 },
		{ 1, 0, 40, 3 + 6 },
		{ 64, 0, 32, 3 + 3 + 3 },
		{ 0, 40, 33, 3 + 6 + 3 }, /* source 40..73: 3 words */
		{ 1ull << 40, 1ull << 41, 0, 3 },
	};
	struct world w;
	uint8_t c[20], mem[96], pattern[32];

	w_init(&w);
	harness_address(c, 0xcc, 1);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)i;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct asm_ a = { 0 };
		size_t pc;

		/* Memory: 32 zero bytes, then 00 01 .. 1f. */
		a_push_bytes(&a, pattern, 32);
		a_push(&a, 32);
		a_op(&a, MSTORE);
		a_push(&a, cases[i].len);
		a_push(&a, cases[i].src);
		a_push(&a, cases[i].dst);
		pc = a_op(&a, MCOPY);
		a_push(&a, 96);
		a_push(&a, 0);
		a_op(&a, RETURN);
		w_code(&w, c, &a);
		CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 100000, 0), 0);
		CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
		if (w_cost(&w, pc) != cases[i].gas)
			fprintf(stderr, "mcopy case %zu: gas %lld\n", i, (long long)w_cost(&w, pc));
		CU_ASSERT_EQUAL(w_cost(&w, pc), cases[i].gas);
		memset(mem, 0, sizeof(mem));
		memcpy(mem + 32, pattern, 32);
		if (cases[i].len)
			memmove(mem + cases[i].dst, mem + cases[i].src, cases[i].len);
		CU_ASSERT_EQUAL_FATAL(w.r.output_len, 96);
		CU_ASSERT_EQUAL(memcmp(w.r.output, mem, 96), 0);
		a_free(&a);
	}
	w_release(&w);
}

/* EIP-3855: PUSH0 costs 2; a PUSH cut short by the end of code reads the
 * missing bytes as zeros. */
static void
test_evm_push0_and_short_push(void)
{
	struct world w;
	struct asm_ a = { 0 };
	uint8_t c[20];
	size_t pc;

	w_init(&w);
	harness_address(c, 0xcc, 1);
	a_push(&a, 9);
	pc = a_op(&a, PUSH0);
	a_op(&a, PUSH2);
	a_byte(&a, 0x01);
	w_code(&w, c, &a);
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 100000, 0), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc), 2);
	CU_ASSERT_EQUAL(w.r.gas_used, 21000 + 3 + 2 + 3);
	/* The last step is the implicit STOP, with 0x0100 on top. */
	CU_ASSERT_FATAL(w.nsteps == 4);
	CU_ASSERT_EQUAL(w.steps[2].stack_len, 2);
	CU_ASSERT_TRUE(harness_u256_is(w.steps[2].top, 0));
	CU_ASSERT_EQUAL(w.steps[3].op, STOP);
	CU_ASSERT_EQUAL(w.steps[3].stack_len, 3);
	CU_ASSERT_TRUE(harness_u256_is(w.steps[3].top, 0x0100));
	a_free(&a);
	w_release(&w);
}

/* EIP-4844's BLOBHASH (3 gas) and EIP-7516's BLOBBASEFEE (2 gas). */
static void
test_evm_blobhash_blobbasefee(void)
{
	struct world w;
	struct asm_ a = { 0 };
	struct tx tx = { 0 };
	uint8_t c[20], hashes[2][32];
	size_t pc_bh, pc_bf;
	struct u256 v, want;

	w_init(&w);
	/* e^10 wei per blob gas: fake_exponential(1, 33384770, 3338477). */
	w.b.excess_blob_gas = 33384770;
	harness_address(c, 0xcc, 1);
	memset(hashes, 0x11, sizeof(hashes));
	hashes[0][0] = TX_BLOB_HASH_VERSION;
	hashes[1][0] = TX_BLOB_HASH_VERSION;
	hashes[1][31] = 0x22;
	a_push(&a, 0);
	pc_bh = a_op(&a, BLOBHASH);
	a_sstore_top(&a, 0);
	a_push(&a, 1);
	a_op(&a, BLOBHASH);
	a_sstore_top(&a, 1);
	a_push(&a, 2);
	a_op(&a, BLOBHASH);
	a_push(&a, 1);
	a_op(&a, ADD);
	a_sstore_top(&a, 2);
	a_push_w(&a, &(struct u256){ { 0, 0, 0, 1 } });
	a_op(&a, BLOBHASH);
	a_push(&a, 1);
	a_op(&a, ADD);
	a_sstore_top(&a, 3);
	pc_bf = a_op(&a, BLOBBASEFEE);
	a_sstore_top(&a, 4);
	w_code(&w, c, &a);
	tx.type = TX_BLOB;
	tx.gas_limit = 200000;
	memcpy(tx.to, c, 20);
	tx.max_fee_per_blob_gas = u(22026);
	tx.blob_hashes = hashes;
	tx.nblob_hashes = 2;
	CU_ASSERT_EQUAL_FATAL(w_tx(&w, &tx), 0);
	CU_ASSERT_EQUAL(w.r.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(w_cost(&w, pc_bh), 3);
	CU_ASSERT_EQUAL(w_cost(&w, pc_bf), 2);
	v = w_slot(&w, c, 0);
	u256_from_be32(&want, hashes[0]);
	CU_ASSERT_TRUE(u256_eq(&v, &want));
	v = w_slot(&w, c, 1);
	u256_from_be32(&want, hashes[1]);
	CU_ASSERT_TRUE(u256_eq(&v, &want));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 2), 1));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 3), 1));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 4), 22026));
	CU_ASSERT_EQUAL(w.r.blob_gas_used, 2 * TX_BLOB_GAS_PER_BLOB);
	/* Outside a blob transaction there are no hashes. */
	CU_ASSERT_EQUAL_FATAL(w_call(&w, c, NULL, 0, 200000, 0), 0);
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 0), 0));
	CU_ASSERT_TRUE(harness_u256_is(w_slot(&w, c, 4), 22026));
	a_free(&a);
	w_release(&w);
}

/* --- Through a host of our own ------------------------------------------ */

struct mock {
	struct evm_message msg[8];
	uint8_t input[8][64];
	size_t n;
	bool cold, alive;
	struct u256 balance;
	struct step steps[64];
	size_t nsteps;
};

static bool
m_is_alive(void *ctx, const uint8_t addr[20])
{
	(void)addr;
	return ((struct mock *)ctx)->alive;
}

static struct u256
m_balance(void *ctx, const uint8_t addr[20])
{
	(void)addr;
	return ((struct mock *)ctx)->balance;
}

static const uint8_t *
m_code(void *ctx, const uint8_t addr[20], size_t *len)
{
	(void)ctx;
	(void)addr;
	*len = 0;
	return NULL;
}

static void
m_code_hash(void *ctx, const uint8_t addr[20], uint8_t hash[32])
{
	(void)ctx;
	(void)addr;
	memset(hash, 0, 32);
}

static struct u256
m_sload(void *ctx, const uint8_t addr[20], const struct u256 *key)
{
	(void)ctx;
	(void)addr;
	(void)key;
	return u(0);
}

static void
m_sstore(void *ctx, const uint8_t addr[20], const struct u256 *key, const struct u256 *value)
{
	(void)ctx;
	(void)addr;
	(void)key;
	(void)value;
}

static bool
m_access_account(void *ctx, const uint8_t addr[20])
{
	(void)addr;
	return ((struct mock *)ctx)->cold;
}

static bool
m_access_storage(void *ctx, const uint8_t addr[20], const struct u256 *key)
{
	(void)addr;
	(void)key;
	return ((struct mock *)ctx)->cold;
}

static void
m_emit_log(void *ctx, const uint8_t addr[20], const struct u256 *topics, size_t ntopics,
	   const uint8_t *data, size_t len)
{
	(void)ctx;
	(void)addr;
	(void)topics;
	(void)ntopics;
	(void)data;
	(void)len;
}

static void
m_selfdestruct(void *ctx, const uint8_t addr[20], const uint8_t beneficiary[20])
{
	(void)ctx;
	(void)addr;
	(void)beneficiary;
}

/* Records the message; the callee uses no gas and returns 2 bytes. */
static void
m_call(void *ctx, const struct evm_message *msg, struct evm_result *out)
{
	struct mock *m = ctx;

	memset(out, 0, sizeof(*out));
	if (m->n < ARRAY_SIZE(m->msg)) {
		m->msg[m->n] = *msg;
		memcpy(m->input[m->n], msg->input,
		       msg->input_len < 64 ? msg->input_len : 64);
		m->n++;
	}
	out->status = EVM_SUCCESS;
	out->gas_left = msg->gas;
	if (msg->kind == EVM_CREATE || msg->kind == EVM_CREATE2) {
		memset(out->create_address, 0x11, 20);
	} else {
		out->output = malloc(2);
		CU_ASSERT_PTR_NOT_NULL_FATAL(out->output);
		out->output[0] = 0xab;
		out->output[1] = 0xcd;
		out->output_len = 2;
	}
}

static void
m_block_hash(void *ctx, uint64_t number, uint8_t hash[32])
{
	(void)ctx;
	(void)number;
	memset(hash, 0, 32);
}

static void
m_trace(void *ctx, const struct evm_trace_step *st)
{
	struct mock *m = ctx;

	if (m->nsteps < ARRAY_SIZE(m->steps)) {
		m->steps[m->nsteps].pc = st->pc;
		m->steps[m->nsteps].gas = st->gas;
		m->steps[m->nsteps].depth = st->depth;
		m->nsteps++;
	}
}

static void
mock_host(struct evm_host *h, struct mock *m)
{
	memset(m, 0, sizeof(*m));
	*h = (struct evm_host){
		.ctx = m, .is_alive = m_is_alive, .balance = m_balance, .code = m_code,
		.code_hash = m_code_hash, .sload = m_sload, .sload_original = m_sload,
		.sstore = m_sstore, .tload = m_sload, .tstore = m_sstore,
		.access_account = m_access_account, .access_storage = m_access_storage,
		.emit_log = m_emit_log, .selfdestruct = m_selfdestruct, .call = m_call,
		.block_hash = m_block_hash, .trace = m_trace,
	};
}

/* Returns: the gas of the step at pc in the mock's trace, or -1. */
static int64_t
m_gas_at(const struct mock *m, size_t pc)
{
	for (size_t i = 0; i < m->nsteps; i++) {
		if (m->steps[i].pc == pc)
			return m->steps[i].gas;
	}
	return -1;
}

/* What each kind of call sends: caller, recipient, code address, value,
 * static flag, depth, input and gas (with the stipend). */
static void
test_evm_call_messages(void)
{
	struct evm_host h;
	struct mock m;
	struct evm_env env = { 0 };
	struct evm_message msg = { 0 };
	struct evm_result res;
	struct asm_ a = { 0 };
	uint8_t to[20], self[20], caller[20];
	int64_t g;
	size_t pc_call;

	mock_host(&h, &m);
	m.cold = true;
	m.alive = true;
	m.balance = u(1000);
	harness_address(to, 0xdd, 1);
	harness_address(self, 0xcc, 1);
	harness_address(caller, 0xca, 1);
	a_push(&a, 0x11223344);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	/* out 64..66 gets the 2 bytes returned. */
	pc_call = a_call(&a, CALL, 1000, to, 5, 28, 4, 64, 2);
	a_call(&a, CALLCODE, 1000, to, 5, 28, 4, 0, 0);
	a_call(&a, DELEGATECALL, 1000, to, 0, 28, 4, 0, 0);
	a_call(&a, STATICCALL, 1000, to, 0, 28, 4, 0, 0);
	a_push(&a, 96);
	a_push(&a, 0);
	a_op(&a, RETURN);
	msg.kind = EVM_CALL;
	msg.depth = 3;
	msg.gas = 1000000;
	memcpy(msg.caller, caller, 20);
	memcpy(msg.recipient, self, 20);
	memcpy(msg.code_address, self, 20);
	msg.value = u(9);
	evm_execute(&h, &env, &msg, a.b, a.n, NULL, &res);
	CU_ASSERT_EQUAL(res.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(m.n, 4);
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(m.msg[i].depth, 4);
		CU_ASSERT_EQUAL(m.msg[i].input_len, 4);
		CU_ASSERT_EQUAL(memcmp(m.input[i], "\x11\x22\x33\x44", 4), 0);
		CU_ASSERT_EQUAL(memcmp(m.msg[i].code_address, to, 20), 0);
	}
	CU_ASSERT_EQUAL(m.msg[0].kind, EVM_CALL);
	CU_ASSERT_EQUAL(memcmp(m.msg[0].caller, self, 20), 0);
	CU_ASSERT_EQUAL(memcmp(m.msg[0].recipient, to, 20), 0);
	CU_ASSERT_TRUE(harness_u256_is(m.msg[0].value, 5));
	CU_ASSERT_FALSE(m.msg[0].is_static);
	CU_ASSERT_EQUAL(m.msg[0].gas, 1000 + 2300);
	CU_ASSERT_EQUAL(m.msg[1].kind, EVM_CALLCODE);
	CU_ASSERT_EQUAL(memcmp(m.msg[1].caller, self, 20), 0);
	CU_ASSERT_EQUAL(memcmp(m.msg[1].recipient, self, 20), 0);
	CU_ASSERT_TRUE(harness_u256_is(m.msg[1].value, 5));
	CU_ASSERT_EQUAL(m.msg[1].gas, 1000 + 2300);
	CU_ASSERT_EQUAL(m.msg[2].kind, EVM_DELEGATECALL);
	CU_ASSERT_EQUAL(memcmp(m.msg[2].caller, caller, 20), 0);
	CU_ASSERT_EQUAL(memcmp(m.msg[2].recipient, self, 20), 0);
	CU_ASSERT_TRUE(harness_u256_is(m.msg[2].value, 9));
	CU_ASSERT_EQUAL(m.msg[2].gas, 1000);
	CU_ASSERT_FALSE(m.msg[2].is_static);
	CU_ASSERT_EQUAL(m.msg[3].kind, EVM_STATICCALL);
	CU_ASSERT_EQUAL(memcmp(m.msg[3].caller, self, 20), 0);
	CU_ASSERT_EQUAL(memcmp(m.msg[3].recipient, to, 20), 0);
	CU_ASSERT_TRUE(harness_u256_is(m.msg[3].value, 0));
	CU_ASSERT_TRUE(m.msg[3].is_static);
	CU_ASSERT_EQUAL_FATAL(res.output_len, 96);
	CU_ASSERT_EQUAL(res.output[64], 0xab);
	CU_ASSERT_EQUAL(res.output[65], 0xcd);
	CU_ASSERT_EQUAL(res.output[66], 0x00);
	/* The CALL: memory to 96 bytes (3 words: 9, of which MSTORE paid 3),
	 * cold 2600, value 9000; the callee's gas all came back. */
	g = m_gas_at(&m, pc_call);
	CU_ASSERT_EQUAL(g - m_gas_at(&m, pc_call + 1), 6 + 2600 + 9000 - 2300);
	evm_result_release(&res);
	a_free(&a);
}

/* EIP-150's cap computed against a host that says everything is cold and
 * dead: CALL with value pays 2600 + 9000 + 25000 and memory first. */
static void
test_evm_call_gas_cap(void)
{
	struct evm_host h;
	struct mock m;
	struct evm_env env = { 0 };
	struct evm_message msg = { 0 };
	struct evm_result res;
	struct asm_ a = { 0 };
	uint8_t to[20];
	int64_t g, avail;
	size_t pc;

	mock_host(&h, &m);
	m.cold = true;
	m.alive = false;
	m.balance = u(1000);
	harness_address(to, 0xdd, 1);
	a_push(&a, 64);
	a_push(&a, 64);
	a_push(&a, 64);
	a_push(&a, 0);
	a_push(&a, 1);
	a_push_addr(&a, to);
	a_push_w(&a, &(struct u256){ { 0, 0, 0, 1 } });
	pc = a_op(&a, CALL);
	msg.kind = EVM_CALL;
	msg.gas = 100000;
	evm_execute(&h, &env, &msg, a.b, a.n, NULL, &res);
	CU_ASSERT_EQUAL(res.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(m.n, 1);
	g = m_gas_at(&m, pc);
	/* Memory 128 bytes: 12. */
	avail = g - 12 - 2600 - 9000 - 25000;
	CU_ASSERT_EQUAL(m.msg[0].gas, avail - avail / 64 + 2300);
	/* With less gas than the fixed costs it is out of gas. */
	msg.gas = 6 * 3 + 3 + 12 + 36599;
	m.n = 0;
	evm_result_release(&res);
	evm_execute(&h, &env, &msg, a.b, a.n, NULL, &res);
	CU_ASSERT_EQUAL(res.status, EVM_OUT_OF_GAS);
	CU_ASSERT_EQUAL(res.gas_left, 0);
	CU_ASSERT_EQUAL(m.n, 0);
	msg.gas++;
	evm_execute(&h, &env, &msg, a.b, a.n, NULL, &res);
	CU_ASSERT_EQUAL(res.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(m.n, 1);
	CU_ASSERT_EQUAL(m.msg[0].gas, 2300);
	evm_result_release(&res);
	a_free(&a);
}

/* CREATE: 32000 + 2 per word of initcode (EIP-3860) + memory; CREATE2 adds
 * 6 per word for hashing; the child gets all but a 64th; in a static
 * frame no create starts. */
static void
test_evm_create_gas(void)
{
	struct evm_host h;
	struct mock m;
	struct evm_env env = { 0 };
	struct evm_message msg = { 0 };
	struct evm_result res;
	struct asm_ a = { 0 };
	size_t pc1, pc2;
	int64_t g, rest;

	mock_host(&h, &m);
	m.balance = u(1000);
	a_push(&a, 64);
	a_push(&a, 0);
	a_push(&a, 3);
	pc1 = a_op(&a, CREATE);
	a_op(&a, POP);
	a_push(&a, 0x5a17);
	a_push(&a, 64);
	a_push(&a, 0);
	a_push(&a, 0);
	pc2 = a_op(&a, CREATE2);
	msg.kind = EVM_CALL;
	msg.gas = 1000000;
	msg.depth = 7;
	evm_execute(&h, &env, &msg, a.b, a.n, NULL, &res);
	CU_ASSERT_EQUAL(res.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(m.n, 2);
	g = m_gas_at(&m, pc1);
	rest = g - 32000 - 2 * 2 - 6;
	CU_ASSERT_EQUAL(m.msg[0].kind, EVM_CREATE);
	CU_ASSERT_EQUAL(m.msg[0].gas, rest - rest / 64);
	CU_ASSERT_EQUAL(m.msg[0].depth, 8);
	CU_ASSERT_TRUE(harness_u256_is(m.msg[0].value, 3));
	CU_ASSERT_EQUAL(m.msg[0].input_len, 64);
	CU_ASSERT_EQUAL(g - m_gas_at(&m, pc1 + 1), 32000 + 4 + 6);
	g = m_gas_at(&m, pc2);
	CU_ASSERT_EQUAL(m.msg[1].kind, EVM_CREATE2);
	CU_ASSERT_TRUE(harness_u256_is(m.msg[1].salt, 0x5a17));
	CU_ASSERT_EQUAL(g - res.gas_left, 32000 + 4 + 12);
	evm_result_release(&res);
	/* Static: a write-protection halt, and the host never hears of it. */
	m.n = 0;
	msg.is_static = true;
	evm_execute(&h, &env, &msg, a.b, a.n, NULL, &res);
	CU_ASSERT_EQUAL(res.status, EVM_STATIC_VIOLATION);
	CU_ASSERT_EQUAL(res.gas_left, 0);
	CU_ASSERT_EQUAL(m.n, 0);
	evm_result_release(&res);
	a_free(&a);
}

/* REVERT returns the gas left and its data; an exceptional halt returns
 * neither; a JUMPDEST bitmap from evm_analyze() may be handed in. */
static void
test_evm_revert_halt_and_bitmap(void)
{
	struct evm_host h;
	struct mock m;
	struct evm_env env = { 0 };
	struct evm_message msg = { 0 };
	struct evm_result res;
	struct asm_ a = { 0 };
	uint8_t *bm;

	mock_host(&h, &m);
	/* MSTORE(0, 0xbeef); JUMP to 8; REVERT(30, 2) */
	a_push(&a, 0xbeef);
	a_push(&a, 0);
	a_op(&a, MSTORE);
	a_push(&a, 9);
	a_op(&a, JUMP);
	CU_ASSERT_EQUAL_FATAL(a.n, 9);
	a_label(&a, 0);
	a_push(&a, 2);
	a_push(&a, 30);
	a_op(&a, REVERT);
	bm = malloc(evm_jumpdests_size(a.n));
	CU_ASSERT_PTR_NOT_NULL_FATAL(bm);
	evm_analyze(bm, a.b, a.n);
	msg.kind = EVM_CALL;
	msg.gas = 1000;
	evm_execute(&h, &env, &msg, a.b, a.n, bm, &res);
	CU_ASSERT_EQUAL(res.status, EVM_REVERT);
	/* PUSH2, PUSH1, MSTORE + memory, PUSH1, JUMP, JUMPDEST, 2 PUSH1. */
	CU_ASSERT_EQUAL(res.gas_left, 1000 - (3 + 3 + 6 + 3 + 8 + 1 + 6));
	CU_ASSERT_EQUAL(res.gas_refund, 0);
	CU_ASSERT_EQUAL_FATAL(res.output_len, 2);
	CU_ASSERT_EQUAL(res.output[0], 0xbe);
	CU_ASSERT_EQUAL(res.output[1], 0xef);
	evm_result_release(&res);
	CU_ASSERT_PTR_NULL(res.output);
	CU_ASSERT_EQUAL(res.output_len, 0);
	evm_result_release(&res);
	/* One gas short of reaching the REVERT: an exceptional halt. */
	msg.gas = 3 + 3 + 6 + 3 + 8 + 1 + 6 - 1;
	evm_execute(&h, &env, &msg, a.b, a.n, bm, &res);
	CU_ASSERT_EQUAL(res.status, EVM_OUT_OF_GAS);
	CU_ASSERT_EQUAL(res.gas_left, 0);
	CU_ASSERT_EQUAL(res.output_len, 0);
	CU_ASSERT_PTR_NULL(res.output);
	evm_result_release(&res);
	/* Empty code succeeds at once with all the gas. */
	msg.gas = 77;
	evm_execute(&h, &env, &msg, NULL, 0, NULL, &res);
	CU_ASSERT_EQUAL(res.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL(res.gas_left, 77);
	evm_result_release(&res);
	free(bm);
	a_free(&a);
}

/* --- Helpers: analysis and names ----------------------------------------- */

static bool
is_jumpdest(const uint8_t *bm, size_t pc)
{
	return (bm[pc / 8] >> (pc % 8)) & 1;
}

static void
test_evm_analyze(void)
{
	/* 0: JUMPDEST; 1: PUSH1 5b; 3: JUMPDEST; 4: PUSH2 5b5b; 7: JUMPDEST;
	 * 8: PUSH32 (5b x 31, cut short); everything after is data. */
	uint8_t code[40], bm[5];

	memset(code, 0x5b, sizeof(code));
	code[1] = PUSH1;
	code[4] = PUSH2;
	code[8] = PUSH32;
	CU_ASSERT_EQUAL(evm_jumpdests_size(40), 5);
	CU_ASSERT_EQUAL(evm_jumpdests_size(0), 0);
	CU_ASSERT_EQUAL(evm_jumpdests_size(1), 1);
	CU_ASSERT_EQUAL(evm_jumpdests_size(8), 1);
	CU_ASSERT_EQUAL(evm_jumpdests_size(9), 2);
	memset(bm, 0xff, sizeof(bm));
	evm_analyze(bm, code, sizeof(code));
	for (size_t pc = 0; pc < sizeof(code); pc++) {
		bool want = pc == 0 || pc == 3 || pc == 7;

		CU_ASSERT_EQUAL(is_jumpdest(bm, pc), want);
	}
	/* Bits past the code stay clear. */
	evm_analyze(bm, code, 3);
	CU_ASSERT_EQUAL(bm[0], 0x01);
	evm_analyze(bm, NULL, 0);
}

static void
test_evm_opcode_name(void)
{
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x00), "STOP");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x01), "ADD");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x20), "KECCAK256");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x4a), "BLOBBASEFEE");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x5c), "TLOAD");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x5e), "MCOPY");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x5f), "PUSH0");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x60), "PUSH1");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x7f), "PUSH32");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x8f), "DUP16");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0x9f), "SWAP16");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0xa4), "LOG4");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0xf5), "CREATE2");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0xfa), "STATICCALL");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0xfe), "INVALID");
	CU_ASSERT_STRING_EQUAL(evm_opcode_name(0xff), "SELFDESTRUCT");
	CU_ASSERT_PTR_NULL(evm_opcode_name(0x0c));
	CU_ASSERT_PTR_NULL(evm_opcode_name(0x21));
	CU_ASSERT_PTR_NULL(evm_opcode_name(0x4b));
	CU_ASSERT_PTR_NULL(evm_opcode_name(0xa5));
	CU_ASSERT_PTR_NULL(evm_opcode_name(0xef));
	CU_ASSERT_PTR_NULL(evm_opcode_name(0xf6));
	CU_ASSERT_PTR_NULL(evm_opcode_name(0xfc));
	/* 149 defined instructions in Cancun, counting INVALID. */
	{
		int n = 0;

		for (int op = 0; op < 256; op++)
			n += evm_opcode_name((uint8_t)op) != NULL;
		CU_ASSERT_EQUAL(n, 149);
	}
}

static void
test_evm_status_name(void)
{
	for (int st = EVM_SUCCESS; st <= EVM_CALL_NOT_STARTED; st++) {
		const char *name = evm_status_name((enum evm_status)st);

		CU_ASSERT_PTR_NOT_NULL(name);
		CU_ASSERT_STRING_NOT_EQUAL(name, "unknown");
	}
	CU_ASSERT_STRING_EQUAL(evm_status_name(EVM_SUCCESS), "success");
	CU_ASSERT_STRING_EQUAL(evm_status_name(EVM_REVERT), "reverted");
	CU_ASSERT_STRING_EQUAL(evm_status_name(EVM_OUT_OF_GAS), "out of gas");
	CU_ASSERT_STRING_EQUAL(evm_status_name((enum evm_status)(EVM_CALL_NOT_STARTED + 1)),
			       "unknown");
	CU_ASSERT_STRING_EQUAL(evm_status_name((enum evm_status)-1), "unknown");
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_evm_push_add_mstore_return),
		HARNESS_TEST(test_evm_memory_expansion),
		HARNESS_TEST(test_evm_exp_gas),
		HARNESS_TEST(test_evm_arith_bitwise_families),
		HARNESS_TEST(test_evm_keccak_copy_log),
		HARNESS_TEST(test_evm_environment),
		HARNESS_TEST(test_evm_sstore_table),
		HARNESS_TEST(test_evm_refund_across_frames),
		HARNESS_TEST(test_evm_sstore_cold_and_sentry),
		HARNESS_TEST(test_evm_cold_warm_accounts),
		HARNESS_TEST(test_evm_call_value_costs),
		HARNESS_TEST(test_evm_call_63_64),
		HARNESS_TEST(test_evm_call_depth_limit),
		HARNESS_TEST(test_evm_stack_limits),
		HARNESS_TEST(test_evm_jumps),
		HARNESS_TEST(test_evm_invalid_opcodes),
		HARNESS_TEST(test_evm_static_violations),
		HARNESS_TEST(test_evm_returndatacopy_bounds),
		HARNESS_TEST(test_evm_returndata_after_failure),
		HARNESS_TEST(test_evm_create_addresses),
		HARNESS_TEST(test_evm_create_code_rules),
		HARNESS_TEST(test_evm_selfdestruct_6780),
		HARNESS_TEST(test_evm_transient_storage),
		HARNESS_TEST(test_evm_mcopy),
		HARNESS_TEST(test_evm_push0_and_short_push),
		HARNESS_TEST(test_evm_blobhash_blobbasefee),
		HARNESS_TEST(test_evm_call_messages),
		HARNESS_TEST(test_evm_call_gas_cap),
		HARNESS_TEST(test_evm_create_gas),
		HARNESS_TEST(test_evm_revert_halt_and_bitmap),
		HARNESS_TEST(test_evm_analyze),
		HARNESS_TEST(test_evm_opcode_name),
		HARNESS_TEST(test_evm_status_name),
		HARNESS_END,
	};
	return harness_run("evm", tests);
}
