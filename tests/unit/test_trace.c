/* Tests for node/chain/trace.c and the debug_trace* methods of
 * node/rpc/debug.c: struct logs (ops, pcs, gas and costs, stack, storage,
 * memory, faults), call frames (nesting, creates, reverts with their
 * reason, logs), replays in the middle of a block, calls at older blocks,
 * and each error the header and the methods document. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain/chain.h"
#include "chain/trace.h"
#include "harness.h"
#include "harness_node.h"
#include "hdwallet.h"
#include "rpc/eth.h"
#include "rpc/eth_int.h"
#include "secp.h"
#include "xalloc.h"

#define MNEMONIC "test test test test test test test test test test test junk"

static struct secp *secp;
static struct hdwallet_account alice;

/* The contracts the tests call, placed at genesis: a state change made
 * between blocks cannot be replayed (see test_trace_stale_state). */
static uint8_t store_addr[20], callee_addr[20], caller_addr[20], reverter_addr[20],
	counter_addr[20], factory_addr[20], underflow_addr[20], loop_addr[20], invalid_addr[20],
	logrevert_addr[20], multi_addr[20], heir_addr[20], toggle_addr[20];

/* SSTORE(0, 42); MSTORE(0, SLOAD(0)); RETURN(0, 32) */
static const uint8_t store_code[] = {
	0x60, 0x2a, 0x60, 0x00, 0x55, 0x60, 0x00, 0x54, 0x60, 0x00, 0x52,
	0x60, 0x20, 0x60, 0x00, 0xf3,
};
/* MSTORE(0, CALLDATALOAD(0) + 1); RETURN(0, 32) */
static const uint8_t callee_code[] = {
	0x60, 0x00, 0x35, 0x60, 0x01, 0x01, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3,
};
/* MSTORE(0, 7); CALL(50000, callee, 0, 0, 32, 0, 32); POP;
 * LOG1(0, 32, 0xaa); RETURN(0, 32).  The callee's address goes in at 16. */
static uint8_t caller_code[] = {
	0x60, 0x07, 0x60, 0x00, 0x52, /* pc 0 */
	0x60, 0x20, 0x60, 0x00, 0x60, 0x20, 0x60, 0x00, 0x60, 0x00, /* pc 5 */
	0x73, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* pc 15 */
	0x61, 0xc3, 0x50, 0xf1, 0x50, /* pc 36: PUSH2 50000, CALL (39), POP */
	0x60, 0xaa, 0x60, 0x20, 0x60, 0x00, 0xa1, /* pc 41: LOG1 at 47 */
	0x60, 0x20, 0x60, 0x00, 0xf3, /* pc 48 */
};
/* CODECOPY(0, 12, 100); REVERT(0, 100), then Error("nope") */
static const uint8_t reverter_code[] = {
	0x60, 0x64, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x64, 0x60, 0x00, 0xfd,
	0x08, 0xc3, 0x79, 0xa0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04,
	'n', 'o', 'p', 'e', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0,
};
/* SSTORE(0, SLOAD(0) + 1); STOP */
static const uint8_t counter_code[] = {
	0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00,
};
/* MSTORE(0, initcode); CREATE(0, 22, 10); STOP, where the initcode
 * MSTORE8(0, 0); RETURN(0, 1) deploys the one-byte code 00. */
static const uint8_t factory_code[] = {
	0x69, 0x60, 0x00, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3, /* PUSH10 initcode */
	0x60, 0x00, 0x52, /* pc 11 */
	0x60, 0x0a, 0x60, 0x16, 0x60, 0x00, 0xf0, /* pc 14: CREATE at 20 */
	0x00,
};
static const uint8_t underflow_code[] = { 0x01 }; /* ADD on an empty stack */
static const uint8_t loop_code[] = { 0x5b, 0x60, 0x00, 0x56 }; /* JUMPDEST; JUMP(0) */
static const uint8_t invalid_code[] = { 0xfe };
/* SSTORE(0, SLOAD(0) == 0); STOP */
static const uint8_t toggle_code[] = { 0x60, 0x00, 0x54, 0x15, 0x60, 0x00, 0x55, 0x00 };
/* LOG0(0, 0); REVERT(0, 0) */
static const uint8_t logrevert_code[] = { 0x60, 0x00, 0x60, 0x00, 0xa0, 0x60, 0x00, 0x60, 0x00, 0xfd };
/* MSTORE(0, 7); DELEGATECALL and STATICCALL of the callee with that word;
 * CALL(logrevert); LOG0(0, 0); SELFDESTRUCT(heir).  Made by make_multi(). */
static uint8_t multi_code[192];
static size_t multi_len;

static void
emit(const uint8_t *b, size_t n)
{
	CU_ASSERT_FATAL(multi_len + n <= sizeof(multi_code));
	memcpy(multi_code + multi_len, b, n);
	multi_len += n;
}

static void
emit_push20(const uint8_t addr[20])
{
	emit((const uint8_t[]){ 0x73 }, 1);
	emit(addr, 20);
}

static void
make_multi(void)
{
	static const uint8_t mstore[] = { 0x60, 0x07, 0x60, 0x00, 0x52 };
	static const uint8_t word_args[] = { 0x60, 0x20, 0x60, 0x00, 0x60, 0x20, 0x60, 0x00 };
	static const uint8_t no_args[] = { 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00 };
	static const uint8_t gas[] = { 0x61, 0xc3, 0x50 };
	static const uint8_t log0[] = { 0x60, 0x00, 0x60, 0x00, 0xa0 };
	static const uint8_t delegatecall_pop[] = { 0xf4, 0x50 }, staticcall_pop[] = { 0xfa, 0x50 },
			     call_pop[] = { 0xf1, 0x50 }, selfdestruct[] = { 0xff };

	multi_len = 0;
	emit(mstore, sizeof(mstore));
	emit(word_args, sizeof(word_args));
	emit_push20(callee_addr);
	emit(gas, sizeof(gas));
	emit(delegatecall_pop, 2);
	emit(word_args, sizeof(word_args));
	emit_push20(callee_addr);
	emit(gas, sizeof(gas));
	emit(staticcall_pop, 2);
	emit(no_args, sizeof(no_args));
	emit_push20(logrevert_addr);
	emit(gas, sizeof(gas));
	emit(call_pop, 2);
	emit(log0, sizeof(log0));
	emit_push20(heir_addr);
	emit(selfdestruct, 1);
}

static struct chain *
new_chain(bool automine)
{
	struct chain_alloc alloc[13];
	struct chain_config cfg = {
		.chain_id = 31337, .gas_limit = 30000000, .base_fee = u256_from_u64(1000000000),
		.timestamp = 1700000000, .alloc = alloc, .nalloc = 13, .automine = automine,
	};
	const struct {
		uint8_t *addr;
		const uint8_t *code;
		size_t len;
	} contracts[] = {
		{ store_addr, store_code, sizeof(store_code) },
		{ callee_addr, callee_code, sizeof(callee_code) },
		{ caller_addr, caller_code, sizeof(caller_code) },
		{ reverter_addr, reverter_code, sizeof(reverter_code) },
		{ counter_addr, counter_code, sizeof(counter_code) },
		{ factory_addr, factory_code, sizeof(factory_code) },
		{ underflow_addr, underflow_code, sizeof(underflow_code) },
		{ loop_addr, loop_code, sizeof(loop_code) },
		{ invalid_addr, invalid_code, sizeof(invalid_code) },
		{ logrevert_addr, logrevert_code, sizeof(logrevert_code) },
		{ toggle_addr, toggle_code, sizeof(toggle_code) },
		{ multi_addr, multi_code, 0 },
	};
	char *cause = NULL;
	struct chain *c;

	memset(alloc, 0, sizeof(alloc));
	memcpy(alloc[0].address, alice.addr, 20);
	alloc[0].balance = harness_u256("10000000000000000000000");
	for (size_t i = 0; i < ARRAY_SIZE(contracts); i++) {
		harness_address(contracts[i].addr, 0xc0, (uint32_t)i + 1);
		if (contracts[i].addr == caller_addr)
			memcpy(caller_code + 16, callee_addr, 20);
		memcpy(alloc[i + 1].address, contracts[i].addr, 20);
		alloc[i + 1].code = contracts[i].code;
		alloc[i + 1].code_len = contracts[i].len;
	}
	harness_address(heir_addr, 0xe0, 1);
	make_multi();
	alloc[ARRAY_SIZE(contracts)].code_len = multi_len;
	alloc[ARRAY_SIZE(contracts)].balance = u256_from_u64(5);
	c = chain_new(&cfg, &cause);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* Sends a transaction from alice.  Out: hash. */
static void
send(struct chain *c, uint8_t hash[32], uint64_t nonce, const uint8_t *to, const uint8_t *data,
     size_t len, uint64_t gas)
{
	const char *why = NULL;
	uint8_t *raw;
	size_t rlen;

	CU_ASSERT_EQUAL_FATAL(harness_signed_tx(&raw, &rlen, secp, alice.key, nonce, to, 0, data,
						len, gas), 0);
	CU_ASSERT_EQUAL_FATAL(chain_send_raw(c, hash, &why, raw, rlen), 0);
	free(raw);
}

static bool
word_is(const struct u256 *w, uint64_t v)
{
	return harness_u256_is(*w, v);
}

/* Returns: whether the 32 bytes at p hold v, big-endian. */
static bool
be_is(const uint8_t *p, uint64_t v)
{
	struct u256 w;

	u256_from_be32(&w, p);
	return harness_u256_is(w, v);
}

/* The struct log of SSTORE, SLOAD, MSTORE, RETURN: every step's op, pc,
 * gas and cost, the stack, the storage at SLOAD and SSTORE, and the totals
 * against the receipt. */
static void
test_trace_struct_logs(void)
{
	static const struct {
		uint32_t pc;
		uint8_t op;
		uint64_t gas, cost;
		size_t stack;
	} want[] = {
		{ 0, 0x60, 79000, 3, 0 },      { 2, 0x60, 78997, 3, 1 },
		{ 4, 0x55, 78994, 22100, 2 },  { 5, 0x60, 56894, 3, 0 },
		{ 7, 0x54, 56891, 100, 1 },    { 8, 0x60, 56791, 3, 1 },
		{ 10, 0x52, 56788, 6, 2 },     { 11, 0x60, 56782, 3, 0 },
		{ 13, 0x60, 56779, 3, 1 },     { 15, 0xf3, 56776, 0, 2 },
	};
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	const struct chain_tx *ct;
	struct trace t;
	const char *why;
	uint8_t hash[32];

	send(c, hash, 0, store_addr, NULL, 0, 100000);
	ct = chain_tx(c, hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		CU_ASSERT_EQUAL(t.steps[i].pc, want[i].pc);
		CU_ASSERT_EQUAL(t.steps[i].op, want[i].op);
		CU_ASSERT_EQUAL(t.steps[i].gas, want[i].gas);
		CU_ASSERT_EQUAL(t.steps[i].gas_cost, want[i].cost);
		CU_ASSERT_EQUAL(t.steps[i].stack_len, want[i].stack);
		CU_ASSERT_EQUAL(t.steps[i].depth, 1);
		CU_ASSERT_PTR_NULL(t.steps[i].error);
		CU_ASSERT_PTR_NULL(t.steps[i].memory);
		/* Storage shows at SLOAD and SSTORE only. */
		CU_ASSERT_EQUAL(t.steps[i].nstorage,
				want[i].op == 0x54 || want[i].op == 0x55 ? 1u : 0u);
	}
	/* SSTORE(0, 42): the stack bottom first, and the slot as written. */
	CU_ASSERT_TRUE(word_is(&t.steps[2].stack[0], 42));
	CU_ASSERT_TRUE(word_is(&t.steps[2].stack[1], 0));
	CU_ASSERT_TRUE(be_is(t.steps[2].storage[0].key, 0));
	CU_ASSERT_TRUE(be_is(t.steps[2].storage[0].value, 42));
	/* SLOAD(0): the value it is about to read. */
	CU_ASSERT_TRUE(be_is(t.steps[4].storage[0].value, 42));
	/* The totals are the receipt's. */
	CU_ASSERT_EQUAL(t.gas_used, ct->receipt.gas_used);
	CU_ASSERT_EQUAL(t.gas_used, 21000 + 79000 - 56776);
	CU_ASSERT_FALSE(t.failed);
	CU_ASSERT_EQUAL_FATAL(t.output_len, 32);
	CU_ASSERT_TRUE(be_is(t.output, 42));
	trace_release(&t);

	/* The options: no stack, no storage, memory and return data kept. */
	o.disable_stack = true;
	o.disable_storage = true;
	o.enable_memory = true;
	o.enable_return_data = true;
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, ARRAY_SIZE(want));
	CU_ASSERT_PTR_NULL(t.steps[2].stack);
	CU_ASSERT_EQUAL(t.steps[2].nstorage, 0);
	CU_ASSERT_EQUAL(t.steps[10 - 1].mem_len, 32); /* RETURN sees the MSTORE */
	CU_ASSERT_TRUE(be_is(t.steps[9].memory, 42));
	CU_ASSERT_EQUAL(t.steps[6].mem_len, 0); /* MSTORE runs on empty memory */
	trace_release(&t);

	/* A limit keeps the first steps only; a small cap refuses. */
	memset(&o, 0, sizeof(o));
	o.limit = 3;
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL(t.nsteps, 3);
	CU_ASSERT_EQUAL(t.steps[2].gas_cost, 22100);
	trace_release(&t);
	o.limit = 0;
	o.max_bytes = 1000;
	CU_ASSERT_EQUAL(trace_tx(c, &t, &why, hash, &o), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(why);
	trace_release(&t);
	chain_free(c);
}

/* A CALL: its cost counts the gas it hands on, as geth's does; the
 * callee's steps sit at depth 2; and the call tracer nests the frame with
 * its from, to, input, output and gas. */
static void
test_trace_nested_call(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	const struct chain_tx *ct;
	const struct trace_frame *fr;
	struct trace t;
	const char *why;
	uint8_t hash[32];
	size_t i, call = SIZE_MAX, first_child = SIZE_MAX;

	send(c, hash, 0, caller_addr, NULL, 0, 200000);
	ct = chain_tx(c, hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_EQUAL_FATAL(ct->receipt.status, EVM_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	for (i = 0; i < t.nsteps; i++) {
		if (t.steps[i].op == 0xf1 && call == SIZE_MAX)
			call = i;
		if (t.steps[i].depth == 2 && first_child == SIZE_MAX)
			first_child = i;
	}
	CU_ASSERT_FATAL(call != SIZE_MAX && first_child == call + 1);
	CU_ASSERT_EQUAL(t.steps[call].pc, 39);
	/* A cold account (2600) and the 50000 handed on; no memory grows. */
	CU_ASSERT_EQUAL(t.steps[call].gas_cost, 2600 + 50000);
	CU_ASSERT_EQUAL(t.steps[first_child].gas, 50000);
	CU_ASSERT_EQUAL(t.steps[first_child].pc, 0);
	/* The callee's nine steps, then POP back at depth 1. */
	CU_ASSERT_EQUAL(t.steps[call + 10].depth, 1);
	CU_ASSERT_EQUAL(t.steps[call + 10].op, 0x50);
	CU_ASSERT_EQUAL(t.steps[call + 10].gas, t.steps[call].gas - (2600 + 50000) + (50000 - 27));
	CU_ASSERT_EQUAL(t.steps[call + 9].op, 0xf3);
	CU_ASSERT_EQUAL(t.steps[call + 9].depth, 2);
	CU_ASSERT_EQUAL(t.gas_used, ct->receipt.gas_used);
	trace_release(&t);

	o.kind = TRACE_CALLS;
	o.with_log = true;
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	fr = &t.root;
	CU_ASSERT_EQUAL(fr->type, 0xf1);
	CU_ASSERT_EQUAL(memcmp(fr->from, alice.addr, 20), 0);
	CU_ASSERT_EQUAL(memcmp(fr->to, caller_addr, 20), 0);
	CU_ASSERT_EQUAL(fr->gas, 200000);
	CU_ASSERT_EQUAL(fr->gas_used, ct->receipt.gas_used);
	CU_ASSERT_EQUAL(fr->input_len, 0);
	CU_ASSERT_EQUAL_FATAL(fr->output_len, 32);
	CU_ASSERT_TRUE(be_is(fr->output, 8));
	CU_ASSERT_PTR_NULL(fr->error);
	CU_ASSERT_TRUE(fr->has_value && u256_is_zero(&fr->value));
	CU_ASSERT_EQUAL_FATAL(fr->nlogs, 1);
	CU_ASSERT_EQUAL(fr->logs[0].position, 1); /* after the one call */
	CU_ASSERT_EQUAL(fr->logs[0].ntopics, 1);
	CU_ASSERT_TRUE(be_is(fr->logs[0].topics[0], 0xaa));
	CU_ASSERT_EQUAL_FATAL(fr->ncalls, 1);
	fr = &fr->calls[0];
	CU_ASSERT_EQUAL(fr->type, 0xf1);
	CU_ASSERT_EQUAL(memcmp(fr->from, caller_addr, 20), 0);
	CU_ASSERT_EQUAL(memcmp(fr->to, callee_addr, 20), 0);
	CU_ASSERT_EQUAL(fr->gas, 50000);
	CU_ASSERT_EQUAL(fr->gas_used, 27);
	CU_ASSERT_EQUAL_FATAL(fr->input_len, 32);
	CU_ASSERT_TRUE(be_is(fr->input, 7));
	CU_ASSERT_EQUAL_FATAL(fr->output_len, 32);
	CU_ASSERT_TRUE(be_is(fr->output, 8));
	CU_ASSERT_EQUAL(fr->ncalls, 0);
	trace_release(&t);

	/* onlyTopCall leaves the frames below out. */
	o.only_top_call = true;
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL(t.root.ncalls, 0);
	CU_ASSERT_EQUAL(t.root.nlogs, 1);
	trace_release(&t);
	chain_free(c);
}

/* CREATE: the frame's to is the new address and its output the code; the
 * step's cost leaves out the gas it handed on, as geth's does. */
static void
test_trace_create(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_CALLS };
	const struct trace_frame *fr;
	uint8_t hash[32], child[20];
	struct trace t;
	const char *why;
	size_t i;

	send(c, hash, 0, factory_addr, NULL, 0, 200000);
	exec_create_address(child, factory_addr, 0);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.root.ncalls, 1);
	fr = &t.root.calls[0];
	CU_ASSERT_EQUAL(fr->type, 0xf0);
	CU_ASSERT_EQUAL(memcmp(fr->from, factory_addr, 20), 0);
	CU_ASSERT_TRUE(fr->has_to);
	CU_ASSERT_EQUAL(memcmp(fr->to, child, 20), 0);
	CU_ASSERT_EQUAL(fr->input_len, 10);
	CU_ASSERT_EQUAL_FATAL(fr->output_len, 1);
	CU_ASSERT_EQUAL(fr->output[0], 0x00);
	CU_ASSERT_EQUAL(fr->gas_used, 18 + 200); /* the initcode and the deposit */
	trace_release(&t);

	o.kind = TRACE_STRUCT;
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	for (i = 0; i < t.nsteps && t.steps[i].op != 0xf0; i++)
		;
	CU_ASSERT_FATAL(i + 7 < t.nsteps);
	CU_ASSERT_EQUAL(t.steps[i].gas_cost, 32000 + 2); /* and one initcode word */
	CU_ASSERT_EQUAL(t.steps[i + 1].depth, 2);
	CU_ASSERT_EQUAL(t.steps[i + 6].op, 0xf3); /* the initcode's RETURN */
	CU_ASSERT_EQUAL(t.steps[i + 6].gas_cost, 0);
	CU_ASSERT_EQUAL(t.steps[i + 7].op, 0x00);
	CU_ASSERT_EQUAL(t.steps[i + 7].depth, 1);
	trace_release(&t);
	chain_free(c);
}

/* The other frame kinds: DELEGATECALL names the delegating contract as
 * its from and passes on the value; STATICCALL has none; a SELFDESTRUCT
 * is a frame of its own with the balance; a failed frame's logs go. */
static void
test_trace_frame_kinds(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_CALLS, .with_log = true };
	const struct trace_frame *fr;
	uint8_t hash[32];
	struct trace t;
	const char *why;

	send(c, hash, 0, multi_addr, NULL, 0, 300000);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_PTR_NULL(t.root.error);
	CU_ASSERT_EQUAL_FATAL(t.root.ncalls, 4);
	fr = &t.root.calls[0];
	CU_ASSERT_EQUAL(fr->type, 0xf4);
	CU_ASSERT_EQUAL(memcmp(fr->from, multi_addr, 20), 0);
	CU_ASSERT_EQUAL(memcmp(fr->to, callee_addr, 20), 0);
	CU_ASSERT_TRUE(fr->has_value);
	CU_ASSERT_EQUAL_FATAL(fr->output_len, 32);
	CU_ASSERT_TRUE(be_is(fr->output, 8));
	fr = &t.root.calls[1];
	CU_ASSERT_EQUAL(fr->type, 0xfa);
	CU_ASSERT_FALSE(fr->has_value);
	CU_ASSERT_EQUAL(fr->gas_used, 27);
	fr = &t.root.calls[2];
	CU_ASSERT_EQUAL(fr->type, 0xf1);
	CU_ASSERT_STRING_EQUAL(fr->error, "execution reverted");
	CU_ASSERT_EQUAL(fr->output_len, 0);
	CU_ASSERT_EQUAL(fr->nlogs, 0); /* its LOG0 was undone */
	fr = &t.root.calls[3];
	CU_ASSERT_EQUAL(fr->type, 0xff);
	CU_ASSERT_EQUAL(memcmp(fr->from, multi_addr, 20), 0);
	CU_ASSERT_EQUAL(memcmp(fr->to, heir_addr, 20), 0);
	CU_ASSERT_TRUE(fr->has_value && harness_u256_is(fr->value, 5));
	CU_ASSERT_EQUAL(fr->gas, 0);
	CU_ASSERT_EQUAL(fr->gas_used, 0);
	CU_ASSERT_EQUAL_FATAL(t.root.nlogs, 1);
	CU_ASSERT_EQUAL(t.root.logs[0].position, 3);
	CU_ASSERT_EQUAL(t.root.logs[0].ntopics, 0);
	trace_release(&t);

	/* Without withLog, no logs at all. */
	o.with_log = false;
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL(t.root.nlogs, 0);
	CU_ASSERT_EQUAL(t.root.ncalls, 4);
	trace_release(&t);
	chain_free(c);
}

/* A revert: failed, the revert data returned, and in the call tracer the
 * error and the reason. */
static void
test_trace_revert(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	const struct chain_tx *ct;
	struct trace t;
	const char *why;
	uint8_t hash[32];

	send(c, hash, 0, reverter_addr, NULL, 0, 100000);
	ct = chain_tx(c, hash);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_EQUAL(ct->receipt.status, EVM_REVERT);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_TRUE(t.failed);
	CU_ASSERT_EQUAL(t.gas_used, ct->receipt.gas_used);
	CU_ASSERT_EQUAL_FATAL(t.output_len, 100);
	CU_ASSERT_EQUAL(memcmp(t.output, reverter_code + 12, 100), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 7);
	CU_ASSERT_EQUAL(t.steps[6].op, 0xfd);
	CU_ASSERT_PTR_NULL(t.steps[6].error); /* geth logs REVERT without one */
	CU_ASSERT_EQUAL(t.steps[6].gas_cost, 0); /* CODECOPY grew the memory */
	CU_ASSERT_EQUAL(t.steps[3].op, 0x39);
	CU_ASSERT_EQUAL(t.steps[3].gas_cost, 3 + 3 * 4 + (3 * 4 + 16 / 512));
	trace_release(&t);

	o.kind = TRACE_CALLS;
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL(t.root.status, EVM_REVERT);
	CU_ASSERT_STRING_EQUAL(t.root.error, "execution reverted");
	CU_ASSERT_EQUAL(t.root.output_len, 100);
	CU_ASSERT_EQUAL(t.root.gas_used, ct->receipt.gas_used);
	trace_release(&t);
	chain_free(c);
}

/* Halts: a stack underflow and an out-of-gas show at their step with
 * geth's words; INVALID names itself in the call tracer. */
static void
test_trace_faults(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	const struct trace_step *s;
	struct trace t;
	const char *why;
	uint8_t hash[32];

	send(c, hash, 0, underflow_addr, NULL, 0, 50000);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 1);
	CU_ASSERT_EQUAL(t.steps[0].op, 0x01);
	CU_ASSERT_EQUAL(t.steps[0].gas, 29000);
	CU_ASSERT_EQUAL(t.steps[0].gas_cost, 3);
	CU_ASSERT_STRING_EQUAL(t.steps[0].error, "stack underflow (0 <=> 2)");
	CU_ASSERT_TRUE(t.failed);
	CU_ASSERT_EQUAL(t.output_len, 0);
	CU_ASSERT_EQUAL(t.gas_used, 50000);
	trace_release(&t);

	/* 29000 gas at 12 a loop: the JUMPDEST after the last whole one
	 * finds 8 left and the PUSH1 after it 7, JUMP then lacks 1. */
	send(c, hash, 1, loop_addr, NULL, 0, 50000);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 3 * (29000 / 12) + 3);
	s = &t.steps[t.nsteps - 1];
	CU_ASSERT_EQUAL(s->op, 0x56);
	CU_ASSERT_EQUAL(s->gas, 29000 % 12 - 1 - 3);
	CU_ASSERT_EQUAL(s->gas_cost, 8);
	CU_ASSERT_STRING_EQUAL(s->error, "out of gas");
	CU_ASSERT_PTR_NULL(t.steps[t.nsteps - 2].error);
	CU_ASSERT_EQUAL(t.steps[t.nsteps - 2].gas_cost, 3);
	CU_ASSERT_TRUE(t.failed);
	trace_release(&t);

	o.kind = TRACE_CALLS;
	send(c, hash, 2, invalid_addr, NULL, 0, 50000);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_STRING_EQUAL(t.root.error, "invalid opcode: INVALID");
	CU_ASSERT_EQUAL(t.root.gas_used, 50000);
	CU_ASSERT_EQUAL(t.root.output_len, 0);
	trace_release(&t);
	chain_free(c);
}

/* A transaction in the middle of a block sees what the ones before it
 * left: the counter reads 1 there, not 0. */
static void
test_trace_middle_of_block(void)
{
	struct chain *c = new_chain(false);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	uint8_t h0[32], h1[32];
	struct trace t;
	const char *why;

	send(c, h0, 0, counter_addr, NULL, 0, 100000);
	send(c, h1, 1, counter_addr, NULL, 0, 100000);
	CU_ASSERT_EQUAL_FATAL(chain_mine(c, 0), 0);
	CU_ASSERT_EQUAL_FATAL(chain_head(c)->ntxs, 2);
	CU_ASSERT_EQUAL(chain_tx(c, h1)->index, 1);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, h1, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 7);
	CU_ASSERT_EQUAL(t.steps[1].op, 0x54);
	CU_ASSERT_EQUAL(t.steps[1].gas_cost, 2100); /* cold again: a new transaction */
	CU_ASSERT_TRUE(be_is(t.steps[1].storage[0].value, 1));
	CU_ASSERT_EQUAL(t.steps[5].op, 0x55);
	CU_ASSERT_TRUE(be_is(t.steps[5].storage[0].value, 2));
	CU_ASSERT_EQUAL(t.steps[5].gas_cost, 2900); /* 1 -> 2, slot warm */
	CU_ASSERT_EQUAL(t.gas_used, chain_tx(c, h1)->receipt.gas_used);
	trace_release(&t);
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, h0, &o), 0);
	CU_ASSERT_TRUE(be_is(t.steps[1].storage[0].value, 0));
	CU_ASSERT_EQUAL(t.steps[5].gas_cost, 20000);
	trace_release(&t);
	chain_free(c);
}

/* The refund counter: clearing a slot set in an earlier transaction earns
 * 4800, shown from the step after the SSTORE; the trace's gas is the
 * receipt's, after the refund. */
static void
test_trace_refund(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	uint8_t hash[32];
	struct trace t;
	const char *why;

	send(c, hash, 0, toggle_addr, NULL, 0, 100000); /* 0 -> 1 */
	send(c, hash, 1, toggle_addr, NULL, 0, 100000); /* 1 -> 0 */
	CU_ASSERT_EQUAL_FATAL(trace_tx(c, &t, &why, hash, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 6);
	CU_ASSERT_EQUAL(t.steps[4].op, 0x55);
	CU_ASSERT_EQUAL(t.steps[4].gas_cost, 2900);
	CU_ASSERT_EQUAL(t.steps[4].refund, 0);
	CU_ASSERT_TRUE(be_is(t.steps[4].storage[0].value, 0));
	CU_ASSERT_EQUAL(t.steps[5].refund, 4800);
	CU_ASSERT_EQUAL(t.gas_used, 21000 + 3 + 2100 + 3 + 3 + 2900 - 4800);
	CU_ASSERT_EQUAL(t.gas_used, chain_tx(c, hash)->receipt.gas_used);
	trace_release(&t);
	chain_free(c);
}

/* trace_call at an older block sees that block's state; nothing it does
 * stays. */
static void
test_trace_call_at_block(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	struct chain_call call = { .gas = 100000 };
	uint8_t hash[32];
	struct trace t;
	const char *why;

	send(c, hash, 0, counter_addr, NULL, 0, 100000); /* block 1: 1 */
	send(c, hash, 1, counter_addr, NULL, 0, 100000); /* block 2: 2 */
	memcpy(call.from, alice.addr, 20);
	memcpy(call.to, counter_addr, 20);
	CU_ASSERT_EQUAL_FATAL(trace_call(c, &t, &why, 1, &call, &o), 0);
	CU_ASSERT_EQUAL_FATAL(t.nsteps, 7);
	CU_ASSERT_TRUE(be_is(t.steps[1].storage[0].value, 1));
	CU_ASSERT_TRUE(be_is(t.steps[5].storage[0].value, 2));
	CU_ASSERT_FALSE(t.failed);
	CU_ASSERT_EQUAL(t.gas_used, 21000 + 3 + 2100 + 3 + 3 + 3 + 2900);
	trace_release(&t);
	CU_ASSERT_EQUAL_FATAL(trace_call(c, &t, &why, 2, &call, &o), 0);
	CU_ASSERT_TRUE(be_is(t.steps[1].storage[0].value, 2));
	trace_release(&t);
	/* Neither call stayed. */
	CU_ASSERT_TRUE(harness_u256_is(state_storage(chain_state(c), counter_addr,
						     &(struct u256){ { 0 } }), 2));
	/* A call that cannot start, and a block whose state is gone. */
	call.gas = 100;
	CU_ASSERT_EQUAL(trace_call(c, &t, &why, 2, &call, &o), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "intrinsic gas too low");
	trace_release(&t);
	CU_ASSERT_EQUAL(trace_call(c, &t, &why, 99, &call, &o), -ENOENT);
	trace_release(&t);
	chain_free(c);
}

/* The chain keeps the state after each block; a change made between
 * blocks is refused rather than replayed wrong. */
static void
test_trace_stale_state(void)
{
	struct chain *c = new_chain(true);
	struct trace_opts o = { .kind = TRACE_STRUCT };
	uint8_t hash[32], unknown[32] = { 1 };
	struct trace t;
	const char *why;

	chain_set_storage(c, counter_addr, &(struct u256){ { 0 } }, &(struct u256){ { 5 } });
	send(c, hash, 0, counter_addr, NULL, 0, 100000);
	CU_ASSERT_EQUAL(trace_tx(c, &t, &why, hash, &o), -ESTALE);
	CU_ASSERT_PTR_NOT_NULL(why);
	trace_release(&t);
	CU_ASSERT_EQUAL(trace_tx(c, &t, &why, unknown, &o), -ENOENT);
	CU_ASSERT_STRING_EQUAL(why, "transaction not found");
	trace_release(&t);
	chain_free(c);
}

/* --- The methods, over JSON ------------------------------------------------ */

/* Calls fn with params (a JSON text).  Returns: the result, or NULL with
 * *err filled (the caller frees both). */
static json_t *
call_rpc(rpc_fn *fn, struct eth *e, struct rpc_error *err, const char *params)
{
	json_t *p = json_loads(params, 0, NULL), *result = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(err, 0, sizeof(*err));
	if (fn(e, p, &result, err) != 0)
		result = NULL;
	json_decref(p);
	return result;
}

static void
err_release(struct rpc_error *err)
{
	free(err->message);
	json_decref(err->data);
	memset(err, 0, sizeof(*err));
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *
hex_of(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 3);

	strcpy(s, "0x");
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 + 2 * i, "%02x", p[i]);
	return s;
}

static void
test_trace_rpc(void)
{
	struct chain *c = new_chain(true);
	struct rpc_error err;
	char *cause = NULL, *h, *params, *addr;
	struct eth *e = eth_new(c, NULL, 0, &cause);
	uint8_t hash[32], rhash[32];
	json_t *r, *logs, *s, *calls;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	send(c, hash, 0, store_addr, NULL, 0, 100000);
	h = hex_of(hash, 32);

	/* The struct logger, in geth's shape. */
	xasprintf(&params, "[\"%s\"]", h);
	r = call_rpc(rpc_debug_trace_transaction, e, &err, params);
	free(params);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "gas")), 21000 + 79000 - 56776);
	CU_ASSERT_TRUE(json_is_false(json_object_get(r, "failed")));
	CU_ASSERT_STRING_EQUAL(jstr(r, "returnValue"),
			       "0x000000000000000000000000000000000000000000000000000000000000002a");
	logs = json_object_get(r, "structLogs");
	CU_ASSERT_EQUAL_FATAL(json_array_size(logs), 10);
	s = json_array_get(logs, 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "pc")), 4);
	CU_ASSERT_STRING_EQUAL(jstr(s, "op"), "SSTORE");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "gas")), 78994);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "gasCost")), 22100);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "depth")), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(s, "stack"), 0)),
			       "0x2a");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(s, "stack"), 1)),
			       "0x0");
	CU_ASSERT_STRING_EQUAL(
		jstr(json_object_get(s, "storage"),
		     "0000000000000000000000000000000000000000000000000000000000000000"),
		"000000000000000000000000000000000000000000000000000000000000002a");
	CU_ASSERT_PTR_NULL(json_object_get(s, "memory"));
	CU_ASSERT_PTR_NULL(json_object_get(s, "error"));
	CU_ASSERT_PTR_NULL(json_object_get(s, "refund"));
	CU_ASSERT_PTR_NULL(json_object_get(json_array_get(logs, 0), "storage"));
	json_decref(r);

	/* Options: memory in 32-byte words, no stack. */
	xasprintf(&params, "[\"%s\", {\"enableMemory\": true, \"disableStack\": true}]", h);
	r = call_rpc(rpc_debug_trace_transaction, e, &err, params);
	free(params);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	s = json_array_get(json_object_get(r, "structLogs"), 9);
	CU_ASSERT_PTR_NULL(json_object_get(s, "stack"));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(s, "memory")), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(s, "memory"), 0)),
			       "000000000000000000000000000000000000000000000000000000000000002a");
	json_decref(r);

	/* The call tracer, nested, with a revert and its reason. */
	send(c, rhash, 1, caller_addr, NULL, 0, 200000);
	free(h);
	h = hex_of(rhash, 32);
	xasprintf(&params, "[\"%s\", {\"tracer\": \"callTracer\", "
			   "\"tracerConfig\": {\"withLog\": true}}]", h);
	r = call_rpc(rpc_debug_trace_transaction, e, &err, params);
	free(params);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(jstr(r, "type"), "CALL");
	CU_ASSERT_STRING_EQUAL(jstr(r, "gas"), "0x30d40");
	CU_ASSERT_STRING_EQUAL(jstr(r, "value"), "0x0");
	CU_ASSERT_STRING_EQUAL(jstr(r, "input"), "0x");
	CU_ASSERT_STRING_EQUAL(
		jstr(r, "output"), "0x0000000000000000000000000000000000000000000000000000000000000008");
	calls = json_object_get(r, "calls");
	CU_ASSERT_EQUAL_FATAL(json_array_size(calls), 1);
	s = json_array_get(calls, 0);
	addr = hex_of(callee_addr, 20);
	CU_ASSERT_STRING_EQUAL(jstr(s, "to"), addr);
	free(addr);
	addr = hex_of(caller_addr, 20);
	CU_ASSERT_STRING_EQUAL(jstr(s, "from"), addr);
	free(addr);
	CU_ASSERT_STRING_EQUAL(jstr(s, "gas"), "0xc350");
	CU_ASSERT_STRING_EQUAL(jstr(s, "gasUsed"), "0x1b");
	CU_ASSERT_STRING_EQUAL(
		jstr(s, "input"), "0x0000000000000000000000000000000000000000000000000000000000000007");
	CU_ASSERT_PTR_NULL(json_object_get(s, "error"));
	CU_ASSERT_PTR_NULL(json_object_get(s, "calls"));
	s = json_array_get(json_object_get(r, "logs"), 0);
	CU_ASSERT_STRING_EQUAL(jstr(s, "position"), "0x1");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(s, "topics")), 1);
	json_decref(r);

	send(c, rhash, 2, reverter_addr, NULL, 0, 100000);
	free(h);
	h = hex_of(rhash, 32);
	xasprintf(&params, "[\"%s\", {\"tracer\": \"callTracer\"}]", h);
	r = call_rpc(rpc_debug_trace_transaction, e, &err, params);
	free(params);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(jstr(r, "error"), "execution reverted");
	CU_ASSERT_STRING_EQUAL(jstr(r, "revertReason"), "nope");
	CU_ASSERT_EQUAL(strlen(jstr(r, "output")), 2 + 200);
	json_decref(r);

	/* debug_traceCall at the latest block, with the call tracer. */
	addr = hex_of(callee_addr, 20);
	xasprintf(&params, "[{\"to\": \"%s\", \"data\": \"0x%064x\"}, \"latest\", "
			   "{\"tracer\": \"callTracer\"}]", addr, 41);
	free(addr);
	r = call_rpc(rpc_debug_trace_call, e, &err, params);
	free(params);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(
		jstr(r, "output"), "0x000000000000000000000000000000000000000000000000000000000000002a");
	CU_ASSERT_STRING_EQUAL(jstr(r, "from"), "0x0000000000000000000000000000000000000000");
	json_decref(r);

	/* The errors: an unknown tracer, an unknown hash, bad params. */
	xasprintf(&params, "[\"%s\", {\"tracer\": \"prestateTracer\"}]", h);
	CU_ASSERT_PTR_NULL(call_rpc(rpc_debug_trace_transaction, e, &err, params));
	free(params);
	CU_ASSERT_EQUAL(err.code, -32602);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "unknown tracer \"prestateTracer\""));
	err_release(&err);
	CU_ASSERT_PTR_NULL(call_rpc(rpc_debug_trace_transaction, e, &err,
				    "[\"0x0000000000000000000000000000000000000000000000000000000000"
				    "000001\"]"));
	CU_ASSERT_EQUAL(err.code, -32000);
	CU_ASSERT_STRING_EQUAL(err.message, "transaction not found");
	err_release(&err);
	xasprintf(&params, "[\"%s\", {\"disableStack\": 1}]", h);
	CU_ASSERT_PTR_NULL(call_rpc(rpc_debug_trace_transaction, e, &err, params));
	free(params);
	CU_ASSERT_EQUAL(err.code, -32602);
	err_release(&err);
	CU_ASSERT_PTR_NULL(call_rpc(rpc_debug_trace_transaction, e, &err, "[]"));
	CU_ASSERT_EQUAL(err.code, -32602);
	err_release(&err);
	CU_ASSERT_PTR_NULL(call_rpc(rpc_debug_trace_call, e, &err,
				    "[{}, \"latest\", {\"stateOverrides\": {}}]"));
	CU_ASSERT_EQUAL(err.code, -32602);
	err_release(&err);
	CU_ASSERT_PTR_NULL(call_rpc(rpc_debug_trace_call, e, &err, "[{}, \"0x99\"]"));
	CU_ASSERT_EQUAL(err.code, -32602);
	err_release(&err);
	free(h);
	eth_free(e);
	chain_free(c);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_trace_struct_logs),
		HARNESS_TEST(test_trace_nested_call),
		HARNESS_TEST(test_trace_create),
		HARNESS_TEST(test_trace_frame_kinds),
		HARNESS_TEST(test_trace_revert),
		HARNESS_TEST(test_trace_faults),
		HARNESS_TEST(test_trace_middle_of_block),
		HARNESS_TEST(test_trace_refund),
		HARNESS_TEST(test_trace_call_at_block),
		HARNESS_TEST(test_trace_stale_state),
		HARNESS_TEST(test_trace_rpc),
		HARNESS_END,
	};
	char *cause = NULL;
	int rc;

	secp = secp_new();
	if (secp == NULL || hdwallet_account(secp, &alice, &cause, MNEMONIC, 0) != 0) {
		fprintf(stderr, "test_trace: cannot derive the dev account: %s\n",
			cause ? cause : "?");
		return 1;
	}
	rc = harness_run("trace", tests);
	hdwallet_account_release(&alice);
	secp_free(secp);
	return rc;
}
