/* The EVM interpreter (see evm.h): Cancun's instruction set with exact gas.
 *
 * Dispatch is by computed goto, one indirect jump at the end of each
 * instruction, so that the branch predictor learns instruction pairs.  Every
 * instruction first passes a common prologue (the DISPATCH macro): the
 * stack-depth check from two tables, the constant gas from a third, and the
 * trace hook when one is set.  Gas lives in a local; helpers that charge
 * more take a pointer to it.
 *
 * Each frame allocates its stack once; nothing in the loop allocates except
 * memory expansion, which the gas schedule makes pay for itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evm.h"
#include "keccak.h"
#include "xalloc.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Memory past this many bytes costs more gas than any block holds. */
#define MEM_LIMIT (1ULL << 32)

#define G_WARM 100
#define G_COLD_ACCOUNT 2600
#define G_COLD_SLOAD 2100
#define G_SSTORE_SET 20000
#define G_SSTORE_RESET 2900
#define R_SSTORE_CLEARS 4800
#define G_CALL_VALUE 9000
#define G_NEW_ACCOUNT 25000
#define G_SELFDESTRUCT 5000
#define G_CREATE 32000
#define G_CODE_DEPOSIT 200

/* Every defined instruction: opcode, name, constant gas, stack items it
 * takes and stack items it leaves.  Undefined opcodes halt as invalid. */
#define OPCODES(X) \
	X(0x00, "STOP", 0, 0, 0) \
	X(0x01, "ADD", 3, 2, 1) \
	X(0x02, "MUL", 5, 2, 1) \
	X(0x03, "SUB", 3, 2, 1) \
	X(0x04, "DIV", 5, 2, 1) \
	X(0x05, "SDIV", 5, 2, 1) \
	X(0x06, "MOD", 5, 2, 1) \
	X(0x07, "SMOD", 5, 2, 1) \
	X(0x08, "ADDMOD", 8, 3, 1) \
	X(0x09, "MULMOD", 8, 3, 1) \
	X(0x0a, "EXP", 10, 2, 1) \
	X(0x0b, "SIGNEXTEND", 5, 2, 1) \
	X(0x10, "LT", 3, 2, 1) \
	X(0x11, "GT", 3, 2, 1) \
	X(0x12, "SLT", 3, 2, 1) \
	X(0x13, "SGT", 3, 2, 1) \
	X(0x14, "EQ", 3, 2, 1) \
	X(0x15, "ISZERO", 3, 1, 1) \
	X(0x16, "AND", 3, 2, 1) \
	X(0x17, "OR", 3, 2, 1) \
	X(0x18, "XOR", 3, 2, 1) \
	X(0x19, "NOT", 3, 1, 1) \
	X(0x1a, "BYTE", 3, 2, 1) \
	X(0x1b, "SHL", 3, 2, 1) \
	X(0x1c, "SHR", 3, 2, 1) \
	X(0x1d, "SAR", 3, 2, 1) \
	X(0x20, "KECCAK256", 30, 2, 1) \
	X(0x30, "ADDRESS", 2, 0, 1) \
	X(0x31, "BALANCE", 0, 1, 1) \
	X(0x32, "ORIGIN", 2, 0, 1) \
	X(0x33, "CALLER", 2, 0, 1) \
	X(0x34, "CALLVALUE", 2, 0, 1) \
	X(0x35, "CALLDATALOAD", 3, 1, 1) \
	X(0x36, "CALLDATASIZE", 2, 0, 1) \
	X(0x37, "CALLDATACOPY", 3, 3, 0) \
	X(0x38, "CODESIZE", 2, 0, 1) \
	X(0x39, "CODECOPY", 3, 3, 0) \
	X(0x3a, "GASPRICE", 2, 0, 1) \
	X(0x3b, "EXTCODESIZE", 0, 1, 1) \
	X(0x3c, "EXTCODECOPY", 0, 4, 0) \
	X(0x3d, "RETURNDATASIZE", 2, 0, 1) \
	X(0x3e, "RETURNDATACOPY", 3, 3, 0) \
	X(0x3f, "EXTCODEHASH", 0, 1, 1) \
	X(0x40, "BLOCKHASH", 20, 1, 1) \
	X(0x41, "COINBASE", 2, 0, 1) \
	X(0x42, "TIMESTAMP", 2, 0, 1) \
	X(0x43, "NUMBER", 2, 0, 1) \
	X(0x44, "PREVRANDAO", 2, 0, 1) \
	X(0x45, "GASLIMIT", 2, 0, 1) \
	X(0x46, "CHAINID", 2, 0, 1) \
	X(0x47, "SELFBALANCE", 5, 0, 1) \
	X(0x48, "BASEFEE", 2, 0, 1) \
	X(0x49, "BLOBHASH", 3, 1, 1) \
	X(0x4a, "BLOBBASEFEE", 2, 0, 1) \
	X(0x50, "POP", 2, 1, 0) \
	X(0x51, "MLOAD", 3, 1, 1) \
	X(0x52, "MSTORE", 3, 2, 0) \
	X(0x53, "MSTORE8", 3, 2, 0) \
	X(0x54, "SLOAD", 0, 1, 1) \
	X(0x55, "SSTORE", 0, 2, 0) \
	X(0x56, "JUMP", 8, 1, 0) \
	X(0x57, "JUMPI", 10, 2, 0) \
	X(0x58, "PC", 2, 0, 1) \
	X(0x59, "MSIZE", 2, 0, 1) \
	X(0x5a, "GAS", 2, 0, 1) \
	X(0x5b, "JUMPDEST", 1, 0, 0) \
	X(0x5c, "TLOAD", 100, 1, 1) \
	X(0x5d, "TSTORE", 100, 2, 0) \
	X(0x5e, "MCOPY", 3, 3, 0) \
	X(0x5f, "PUSH0", 2, 0, 1) \
	X(0x60, "PUSH1", 3, 0, 1) \
	X(0x61, "PUSH2", 3, 0, 1) \
	X(0x62, "PUSH3", 3, 0, 1) \
	X(0x63, "PUSH4", 3, 0, 1) \
	X(0x64, "PUSH5", 3, 0, 1) \
	X(0x65, "PUSH6", 3, 0, 1) \
	X(0x66, "PUSH7", 3, 0, 1) \
	X(0x67, "PUSH8", 3, 0, 1) \
	X(0x68, "PUSH9", 3, 0, 1) \
	X(0x69, "PUSH10", 3, 0, 1) \
	X(0x6a, "PUSH11", 3, 0, 1) \
	X(0x6b, "PUSH12", 3, 0, 1) \
	X(0x6c, "PUSH13", 3, 0, 1) \
	X(0x6d, "PUSH14", 3, 0, 1) \
	X(0x6e, "PUSH15", 3, 0, 1) \
	X(0x6f, "PUSH16", 3, 0, 1) \
	X(0x70, "PUSH17", 3, 0, 1) \
	X(0x71, "PUSH18", 3, 0, 1) \
	X(0x72, "PUSH19", 3, 0, 1) \
	X(0x73, "PUSH20", 3, 0, 1) \
	X(0x74, "PUSH21", 3, 0, 1) \
	X(0x75, "PUSH22", 3, 0, 1) \
	X(0x76, "PUSH23", 3, 0, 1) \
	X(0x77, "PUSH24", 3, 0, 1) \
	X(0x78, "PUSH25", 3, 0, 1) \
	X(0x79, "PUSH26", 3, 0, 1) \
	X(0x7a, "PUSH27", 3, 0, 1) \
	X(0x7b, "PUSH28", 3, 0, 1) \
	X(0x7c, "PUSH29", 3, 0, 1) \
	X(0x7d, "PUSH30", 3, 0, 1) \
	X(0x7e, "PUSH31", 3, 0, 1) \
	X(0x7f, "PUSH32", 3, 0, 1) \
	X(0x80, "DUP1", 3, 1, 2) \
	X(0x81, "DUP2", 3, 2, 3) \
	X(0x82, "DUP3", 3, 3, 4) \
	X(0x83, "DUP4", 3, 4, 5) \
	X(0x84, "DUP5", 3, 5, 6) \
	X(0x85, "DUP6", 3, 6, 7) \
	X(0x86, "DUP7", 3, 7, 8) \
	X(0x87, "DUP8", 3, 8, 9) \
	X(0x88, "DUP9", 3, 9, 10) \
	X(0x89, "DUP10", 3, 10, 11) \
	X(0x8a, "DUP11", 3, 11, 12) \
	X(0x8b, "DUP12", 3, 12, 13) \
	X(0x8c, "DUP13", 3, 13, 14) \
	X(0x8d, "DUP14", 3, 14, 15) \
	X(0x8e, "DUP15", 3, 15, 16) \
	X(0x8f, "DUP16", 3, 16, 17) \
	X(0x90, "SWAP1", 3, 2, 2) \
	X(0x91, "SWAP2", 3, 3, 3) \
	X(0x92, "SWAP3", 3, 4, 4) \
	X(0x93, "SWAP4", 3, 5, 5) \
	X(0x94, "SWAP5", 3, 6, 6) \
	X(0x95, "SWAP6", 3, 7, 7) \
	X(0x96, "SWAP7", 3, 8, 8) \
	X(0x97, "SWAP8", 3, 9, 9) \
	X(0x98, "SWAP9", 3, 10, 10) \
	X(0x99, "SWAP10", 3, 11, 11) \
	X(0x9a, "SWAP11", 3, 12, 12) \
	X(0x9b, "SWAP12", 3, 13, 13) \
	X(0x9c, "SWAP13", 3, 14, 14) \
	X(0x9d, "SWAP14", 3, 15, 15) \
	X(0x9e, "SWAP15", 3, 16, 16) \
	X(0x9f, "SWAP16", 3, 17, 17) \
	X(0xa0, "LOG0", 375, 2, 0) \
	X(0xa1, "LOG1", 750, 3, 0) \
	X(0xa2, "LOG2", 1125, 4, 0) \
	X(0xa3, "LOG3", 1500, 5, 0) \
	X(0xa4, "LOG4", 1875, 6, 0) \
	X(0xf0, "CREATE", G_CREATE, 3, 1) \
	X(0xf1, "CALL", 0, 7, 1) \
	X(0xf2, "CALLCODE", 0, 7, 1) \
	X(0xf3, "RETURN", 0, 2, 0) \
	X(0xf4, "DELEGATECALL", 0, 6, 1) \
	X(0xf5, "CREATE2", G_CREATE, 4, 1) \
	X(0xfa, "STATICCALL", 0, 6, 1) \
	X(0xfd, "REVERT", 0, 2, 0) \
	X(0xfe, "INVALID", 0, 0, 0) \
	X(0xff, "SELFDESTRUCT", 0, 1, 0)

#define NAME_ENTRY(code, name, gas, pops, pushes) [code] = name,
static const char *const opnames[256] = { OPCODES(NAME_ENTRY) };
#undef NAME_ENTRY

/* What the dispatch prologue needs, packed: the constant gas, and the
 * stack heights (as byte offsets, to spare a shift) the instruction may
 * start from: min for its pops, min + span for room to push.  An undefined
 * opcode passes both checks and reaches op_invalid. */
struct hot {
	uint16_t gas; /* the largest constant cost, CREATE's, is 32000 */
	uint16_t min, span; /* at most 1024 * 32 */
	uint16_t unused; /* makes an entry 8 bytes, one scaled index */
};
#define GROWTH(pops, pushes) ((pushes) > (pops) ? (pushes) - (pops) : 0)
#define HOT_ENTRY(code, name, gas, pops, pushes)                               \
	[code] = { gas, (pops) * 32, (EVM_STACK_LIMIT - GROWTH(pops, pushes) - (pops)) * 32, 0 },
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct hot hot[256] = {
	[0 ... 255] = { 0, 0, EVM_STACK_LIMIT * 32, 0 },
	OPCODES(HOT_ENTRY)
};
#pragma GCC diagnostic pop
#undef HOT_ENTRY
#undef GROWTH

const char *
evm_opcode_name(uint8_t op)
{
	return opnames[op];
}

const char *
evm_status_name(enum evm_status status)
{
	static const char *const names[] = {
		[EVM_SUCCESS] = "success",
		[EVM_REVERT] = "reverted",
		[EVM_OUT_OF_GAS] = "out of gas",
		[EVM_INVALID_OPCODE] = "invalid opcode",
		[EVM_STACK_UNDERFLOW] = "stack underflow",
		[EVM_STACK_OVERFLOW] = "stack overflow",
		[EVM_BAD_JUMP] = "invalid jump destination",
		[EVM_STATIC_VIOLATION] = "write protection",
		[EVM_RETURNDATA_OUT_OF_BOUNDS] = "return data out of bounds",
		[EVM_CODE_TOO_LARGE] = "max code size exceeded",
		[EVM_INVALID_CODE_PREFIX] = "invalid code: must not begin with 0xef",
		[EVM_ADDRESS_COLLISION] = "contract address collision",
		[EVM_PRECOMPILE_FAILURE] = "precompile failed",
		[EVM_CALL_NOT_STARTED] = "call not started",
	};

	return (size_t)status < ARRAY_SIZE(names) ? names[status] : "unknown";
}

void
evm_analyze(uint8_t *bitmap, const uint8_t *code, size_t len)
{
	memset(bitmap, 0, evm_jumpdests_size(len));
	for (size_t pc = 0; pc < len; pc++) {
		uint8_t op = code[pc];

		if (op == 0x5b)
			bitmap[pc / 8] |= (uint8_t)(1 << (pc % 8));
		else if (op >= 0x60 && op <= 0x7f)
			pc += op - 0x5f;
	}
}

void
evm_result_release(struct evm_result *res)
{
	free(res->output);
	res->output = NULL;
	res->output_len = 0;
}

struct frame {
	const struct evm_host *host;
	const struct evm_env *env;
	const struct evm_message *msg;
	uint8_t *mem;
	size_t mem_size, mem_cap; /* mem_size is a multiple of 32 */
	uint8_t *ret; /* the last call's return data */
	size_t ret_len;
};

static uint64_t
mem_cost(uint64_t words)
{
	return 3 * words + words * words / 512;
}

/* Grows memory to cover [off, off + len) and charges for it.  A zero len
 * touches nothing, whatever off is.  Returns: false when out of gas. */
static bool
mem_expand(struct frame *f, int64_t *gas, const struct u256 *off, const struct u256 *len)
{
	uint64_t end, words, old_words, cost;

	if (u256_is_zero(len))
		return true;
	if (!u256_fits_u64(off) || !u256_fits_u64(len) || off->w[0] > MEM_LIMIT ||
	    len->w[0] > MEM_LIMIT)
		return false;
	end = off->w[0] + len->w[0];
	if (end <= f->mem_size)
		return true;
	if (end > MEM_LIMIT)
		return false;
	words = (end + 31) / 32;
	old_words = f->mem_size / 32;
	cost = mem_cost(words) - mem_cost(old_words);
	if ((uint64_t)*gas < cost)
		return false;
	*gas -= (int64_t)cost;
	if (words * 32 > f->mem_cap) {
		size_t cap = f->mem_cap ? f->mem_cap : 1024;

		while (cap < words * 32)
			cap *= 2;
		f->mem = xreallocarray(f->mem, cap, 1);
		memset(f->mem + f->mem_cap, 0, cap - f->mem_cap);
		f->mem_cap = cap;
	}
	f->mem_size = words * 32;
	return true;
}

/* Copies len bytes from src (src_len long, zero beyond) at src_off into
 * memory at dst; memory is already expanded. */
static void
copy_padded(uint8_t *dst, const uint8_t *src, size_t src_len, const struct u256 *src_off,
	    size_t len)
{
	size_t off = u256_fits_u64(src_off) && src_off->w[0] < src_len ? src_off->w[0] : src_len;
	size_t n = src_len - off < len ? src_len - off : len;

	if (n)
		memcpy(dst, src + off, n);
	memset(dst + n, 0, len - n);
}

static bool
charge(int64_t *gas, uint64_t cost)
{
	if ((uint64_t)*gas < cost)
		return false;
	*gas -= (int64_t)cost;
	return true;
}

static uint64_t
words_of(uint64_t len)
{
	return (len + 31) / 32;
}

static void
word_to_address(uint8_t addr[20], const struct u256 *w)
{
	uint8_t be[32];

	u256_to_be(be, w);
	memcpy(addr, be + 12, 20);
}

static struct u256
address_to_word(const uint8_t addr[20])
{
	struct u256 w;

	u256_from_be(&w, addr, 20);
	return w;
}

/* SSTORE's dynamic gas and refund (EIP-2200 with EIP-2929 and EIP-3529). */
static int64_t
sstore_cost(const struct u256 *orig, const struct u256 *cur, const struct u256 *val,
	    int64_t *refund)
{
	if (u256_eq(cur, val))
		return G_WARM;
	if (u256_eq(orig, cur)) {
		if (u256_is_zero(orig))
			return G_SSTORE_SET;
		if (u256_is_zero(val))
			*refund += R_SSTORE_CLEARS;
		return G_SSTORE_RESET;
	}
	if (!u256_is_zero(orig)) {
		if (u256_is_zero(cur))
			*refund -= R_SSTORE_CLEARS;
		else if (u256_is_zero(val))
			*refund += R_SSTORE_CLEARS;
	}
	if (u256_eq(orig, val))
		*refund += u256_is_zero(orig) ? G_SSTORE_SET - G_WARM
					       : G_SSTORE_RESET - G_WARM;
	return G_WARM;
}

/* Returns: what remains of gas after the caller keeps 1/64 (EIP-150). */
static int64_t
all_but_64th(int64_t gas)
{
	return gas - gas / 64;
}

enum call_outcome { CALL_OK, CALL_HALT_OOG, CALL_HALT_STATIC };

/* CALL, CALLCODE, DELEGATECALL and STATICCALL, after their pops.  Pushes
 * the result into *top.  Returns: whether the calling frame goes on. */
static enum call_outcome
do_call(struct frame *f, int64_t *gas, int64_t *refund, enum evm_kind kind, const struct u256 *gas_req,
	const struct u256 *to_word, const struct u256 *value, const struct u256 *in_off,
	const struct u256 *in_len, const struct u256 *out_off, const struct u256 *out_len,
	struct u256 *top)
{
	const struct evm_message *m = f->msg;
	struct evm_message child;
	struct evm_result res = { 0 };
	uint8_t to[20];
	int64_t extra, mem_before = *gas, mem_gas, child_gas, stipend = 0;
	bool has_value = !u256_is_zero(value);
	size_t n;

	word_to_address(to, to_word);
	if (!mem_expand(f, gas, in_off, in_len) || !mem_expand(f, gas, out_off, out_len))
		return CALL_HALT_OOG;
	mem_gas = mem_before - *gas;
	*gas = mem_before; /* charged below with the rest, as the spec orders it */
	extra = f->host->access_account(f->host->ctx, to) ? G_COLD_ACCOUNT : G_WARM;
	if (has_value && (kind == EVM_CALL || kind == EVM_CALLCODE)) {
		extra += G_CALL_VALUE;
		stipend = EVM_CALL_STIPEND;
		if (kind == EVM_CALL && !f->host->is_alive(f->host->ctx, to))
			extra += G_NEW_ACCOUNT;
	}
	if (*gas < extra + mem_gas)
		return CALL_HALT_OOG;
	child_gas = all_but_64th(*gas - extra - mem_gas);
	if (u256_fits_u64(gas_req) && gas_req->w[0] < (uint64_t)child_gas)
		child_gas = (int64_t)gas_req->w[0];
	*gas -= extra + mem_gas + child_gas;
	if (kind == EVM_CALL && has_value && m->is_static)
		return CALL_HALT_STATIC;

	memset(&child, 0, sizeof(child));
	child.kind = kind;
	child.depth = m->depth + 1;
	child.gas = child_gas + stipend;
	child.is_static = m->is_static || kind == EVM_STATICCALL;
	memcpy(child.code_address, to, 20);
	switch (kind) {
	case EVM_CALL:
	case EVM_STATICCALL:
		memcpy(child.caller, m->recipient, 20);
		memcpy(child.recipient, to, 20);
		child.value = kind == EVM_CALL ? *value : u256_from_u64(0);
		break;
	case EVM_CALLCODE:
		memcpy(child.caller, m->recipient, 20);
		memcpy(child.recipient, m->recipient, 20);
		child.value = *value;
		break;
	default: /* DELEGATECALL keeps the caller and value it was given */
		memcpy(child.caller, m->caller, 20);
		memcpy(child.recipient, m->recipient, 20);
		child.value = m->value;
		break;
	}
	if (!u256_is_zero(in_len)) {
		child.input = f->mem + in_off->w[0];
		child.input_len = in_len->w[0];
	}
	free(f->ret);
	f->ret = NULL;
	f->ret_len = 0;
	f->host->call(f->host->ctx, &child, &res);
	*gas += res.gas_left;
	if (res.status == EVM_SUCCESS)
		*refund += res.gas_refund;
	*top = u256_from_u64(res.status == EVM_SUCCESS);
	if (res.status == EVM_SUCCESS || res.status == EVM_REVERT) {
		f->ret = res.output;
		f->ret_len = res.output_len;
		res.output = NULL;
		n = out_len->w[0] < f->ret_len ? out_len->w[0] : f->ret_len;
		if (n)
			memcpy(f->mem + out_off->w[0], f->ret, n);
	}
	evm_result_release(&res);
	return CALL_OK;
}

/* CREATE and CREATE2 after their pops; pushes the new address or 0. */
static enum call_outcome
do_create(struct frame *f, int64_t *gas, int64_t *refund, enum evm_kind kind, const struct u256 *value,
	  const struct u256 *off, const struct u256 *len, const struct u256 *salt,
	  struct u256 *top)
{
	const struct evm_message *m = f->msg;
	struct evm_message child;
	struct evm_result res = { 0 };
	uint64_t words;

	if (!mem_expand(f, gas, off, len))
		return CALL_HALT_OOG;
	if (!u256_is_zero(len) && len->w[0] > EVM_MAX_INITCODE_SIZE)
		return CALL_HALT_OOG;
	words = u256_is_zero(len) ? 0 : words_of(len->w[0]);
	if (!charge(gas, 2 * words + (kind == EVM_CREATE2 ? 6 * words : 0)))
		return CALL_HALT_OOG;
	if (m->is_static)
		return CALL_HALT_STATIC;
	memset(&child, 0, sizeof(child));
	child.kind = kind;
	child.depth = m->depth + 1;
	child.gas = all_but_64th(*gas);
	*gas -= child.gas;
	memcpy(child.caller, m->recipient, 20);
	child.value = *value;
	if (salt != NULL)
		child.salt = *salt;
	if (words) {
		child.input = f->mem + off->w[0];
		child.input_len = len->w[0];
	}
	free(f->ret);
	f->ret = NULL;
	f->ret_len = 0;
	f->host->call(f->host->ctx, &child, &res);
	*gas += res.gas_left;
	if (res.status == EVM_SUCCESS) {
		*refund += res.gas_refund;
		*top = address_to_word(res.create_address);
	} else {
		*top = u256_from_u64(0);
		if (res.status == EVM_REVERT) {
			f->ret = res.output;
			f->ret_len = res.output_len;
			res.output = NULL;
		}
	}
	evm_result_release(&res);
	return CALL_OK;
}

/* Reports the step about to run to the host's tracer.  Out of line, as
 * trace_fault() is. */
static void __attribute__((noinline))
trace_step(const struct frame *f, size_t pc, uint8_t op, int64_t gas,
	   const struct u256 *stack, size_t depth, int64_t refund)
{
	struct evm_trace_step step = {
		.pc = (uint32_t)pc, .op = op, .gas = gas, .gas_cost = hot[op].gas,
		.stack = stack, .stack_len = depth, .memory = f->mem, .mem_size = f->mem_size,
		.return_data = f->ret, .return_data_len = f->ret_len,
		.depth = f->msg->depth + 1, .refund = refund,
	};

	f->host->trace(f->host->ctx, &step);
}

/* Reports the instruction that halts f to the host's fault hook.  It
 * never ran when the prologue stopped it: a stack error, or gas below
 * zero, which only the prologue's constant charge leaves.  Out of line and
 * cold, so that the interpreter's loop is laid out as without it. */
static void __attribute__((noinline, cold))
trace_fault(const struct frame *f, size_t pc, uint8_t op, int64_t gas,
	    const struct u256 *stack, size_t depth, int64_t refund, enum evm_status status)
{
	struct evm_trace_step step = {
		.pc = (uint32_t)pc, .op = op, .gas = gas < 0 ? gas + hot[op].gas : gas,
		.gas_cost = hot[op].gas, .stack = stack, .stack_len = depth, .memory = f->mem,
		.mem_size = f->mem_size, .return_data = f->ret, .return_data_len = f->ret_len,
		.depth = f->msg->depth + 1, .refund = refund, .error = status,
		.ran = status != EVM_STACK_UNDERFLOW && status != EVM_STACK_OVERFLOW && gas >= 0,
	};

	if (status == EVM_STACK_UNDERFLOW)
		step.stack_bound = hot[op].min / 32;
	else if (status == EVM_STACK_OVERFLOW)
		step.stack_bound = (hot[op].min + hot[op].span) / 32;
	f->host->fault(f->host->ctx, &step);
}

void
evm_execute(const struct evm_host *host, const struct evm_env *env,
	    const struct evm_message *msg, const uint8_t *code, size_t code_len,
	    const uint8_t *jumpdests, struct evm_result *res)
{
	/* Undefined opcodes first, then each defined one over its slot. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
	static const void *labels[256] = {
		[0 ... 255] = &&op_invalid,
		[0x00] = &&op_stop, [0x01] = &&op_add, [0x02] = &&op_mul, [0x03] = &&op_sub,
		[0x04] = &&op_div, [0x05] = &&op_sdiv, [0x06] = &&op_mod, [0x07] = &&op_smod,
		[0x08] = &&op_addmod, [0x09] = &&op_mulmod, [0x0a] = &&op_exp,
		[0x0b] = &&op_signextend,
		[0x10] = &&op_lt, [0x11] = &&op_gt, [0x12] = &&op_slt, [0x13] = &&op_sgt,
		[0x14] = &&op_eq, [0x15] = &&op_iszero, [0x16] = &&op_and, [0x17] = &&op_or,
		[0x18] = &&op_xor, [0x19] = &&op_not, [0x1a] = &&op_byte, [0x1b] = &&op_shl,
		[0x1c] = &&op_shr, [0x1d] = &&op_sar, [0x20] = &&op_keccak,
		[0x30] = &&op_address, [0x31] = &&op_balance, [0x32] = &&op_origin,
		[0x33] = &&op_caller, [0x34] = &&op_callvalue, [0x35] = &&op_calldataload,
		[0x36] = &&op_calldatasize, [0x37] = &&op_calldatacopy, [0x38] = &&op_codesize,
		[0x39] = &&op_codecopy, [0x3a] = &&op_gasprice, [0x3b] = &&op_extcodesize,
		[0x3c] = &&op_extcodecopy, [0x3d] = &&op_returndatasize,
		[0x3e] = &&op_returndatacopy, [0x3f] = &&op_extcodehash,
		[0x40] = &&op_blockhash, [0x41] = &&op_coinbase, [0x42] = &&op_timestamp,
		[0x43] = &&op_number, [0x44] = &&op_prevrandao, [0x45] = &&op_gaslimit,
		[0x46] = &&op_chainid, [0x47] = &&op_selfbalance, [0x48] = &&op_basefee,
		[0x49] = &&op_blobhash, [0x4a] = &&op_blobbasefee,
		[0x50] = &&op_pop, [0x51] = &&op_mload, [0x52] = &&op_mstore,
		[0x53] = &&op_mstore8, [0x54] = &&op_sload, [0x55] = &&op_sstore,
		[0x56] = &&op_jump, [0x57] = &&op_jumpi, [0x58] = &&op_pc, [0x59] = &&op_msize,
		[0x5a] = &&op_gas, [0x5b] = &&op_jumpdest, [0x5c] = &&op_tload,
		[0x5d] = &&op_tstore, [0x5e] = &&op_mcopy, [0x5f] = &&op_push0,
		[0x60 ... 0x7f] = &&op_push, [0x80 ... 0x8f] = &&op_dup,
		[0x90 ... 0x9f] = &&op_swap, [0xa0 ... 0xa4] = &&op_log,
		[0xf0] = &&op_create, [0xf1] = &&op_call, [0xf2] = &&op_callcode,
		[0xf3] = &&op_return, [0xf4] = &&op_delegatecall, [0xf5] = &&op_create2,
		[0xfa] = &&op_staticcall, [0xfd] = &&op_revert, [0xff] = &&op_selfdestruct,
	};
#pragma GCC diagnostic pop
	static const struct u256 word_len = { { 32, 0, 0, 0 } }, byte_len = { { 1, 0, 0, 0 } };
	static const struct u256 zero_word;
	/* With a tracer every opcode first goes through op_trace, so that the
	 * untraced loop carries no test for it. */
	static const void *traced[256] = { [0 ... 255] = &&op_trace };
	const void *const *table = host->trace != NULL ? traced : labels;
	struct frame f = { .host = host, .env = env, .msg = msg };
	struct u256 *stack = xreallocarray(NULL, EVM_STACK_LIMIT, sizeof(*stack));
	struct u256 *sp = stack; /* the next free slot; the top is sp[-1] */
	uint8_t *jd_own = NULL;
	int64_t gas = msg->gas, refund = 0;
	enum evm_status status = EVM_SUCCESS;
	size_t pc = 0;
	unsigned op;

	memset(res, 0, sizeof(*res));

/* The prologue every instruction passes on its way in. */
#define DISPATCH()                                                             \
	do {                                                                   \
		op = likely(pc < code_len) ? code[pc] : 0x00;                  \
		if (unlikely((size_t)((char *)sp - (char *)stack) - hot[op].min > \
			     hot[op].span))                                    \
			goto stack_error;                                      \
		gas -= hot[op].gas;                                            \
		if (unlikely(gas < 0))                                         \
			goto oog;                                              \
		goto *table[op];                                               \
	} while (0)
#define NEXT()                                                                 \
	do {                                                                   \
		pc++;                                                          \
		DISPATCH();                                                    \
	} while (0)
/* gas never has its address taken, so that it can live in a register:
 * helpers that charge work on a copy. */
#define CHARGE(c)                                                              \
	do {                                                                   \
		uint64_t c_ = (c);                                             \
		if ((uint64_t)gas < c_)                                        \
			goto oog;                                              \
		gas -= (int64_t)c_;                                            \
	} while (0)
#define MEM(off, len)                                                          \
	do {                                                                   \
		int64_t g_ = gas;                                              \
		if (!mem_expand(&f, &g_, (off), (len)))                        \
			goto oog;                                              \
		gas = g_;                                                      \
	} while (0)
#define BINOP(fn)                                                              \
	do {                                                                   \
		sp--;                                                          \
		fn(&sp[-1], &sp[0], &sp[-1]);                                  \
		NEXT();                                                        \
	} while (0)
#define CMPOP(fn)                                                              \
	do {                                                                   \
		sp--;                                                          \
		sp[-1] = u256_from_u64(fn(&sp[0], &sp[-1]));                   \
		NEXT();                                                        \
	} while (0)
#define PUSHW(v)                                                               \
	do {                                                                   \
		*sp++ = (v);                                                   \
		NEXT();                                                        \
	} while (0)

	DISPATCH();

op_trace:
	/* The prologue has charged the constant gas; report the state before. */
	trace_step(&f, pc, op, gas + hot[op].gas, stack, (size_t)(sp - stack), refund);
	goto *labels[op];
op_stop:
	goto done;
op_add:
	sp--;
	(void)u256_add(&sp[-1], &sp[0], &sp[-1]);
	NEXT();
op_mul:
	BINOP(u256_mul);
op_sub:
	sp--;
	(void)u256_sub(&sp[-1], &sp[0], &sp[-1]);
	NEXT();
op_div:
	BINOP(u256_div);
op_sdiv:
	BINOP(u256_sdiv);
op_mod:
	BINOP(u256_mod);
op_smod:
	BINOP(u256_smod);
op_addmod:
	sp -= 2;
	u256_addmod(&sp[-1], &sp[1], &sp[0], &sp[-1]);
	NEXT();
op_mulmod:
	sp -= 2;
	u256_mulmod(&sp[-1], &sp[1], &sp[0], &sp[-1]);
	NEXT();
op_exp:
	CHARGE(50 * (uint64_t)u256_byte_len(&sp[-2]));
	BINOP(u256_exp);
op_signextend:
	BINOP(u256_signextend);
op_lt:
	CMPOP(u256_lt);
op_gt:
	CMPOP(u256_gt);
op_slt:
	CMPOP(u256_slt);
op_sgt:
	CMPOP(u256_sgt);
op_eq:
	CMPOP(u256_eq);
op_iszero:
	sp[-1] = u256_from_u64(u256_is_zero(&sp[-1]));
	NEXT();
op_and:
	BINOP(u256_and);
op_or:
	BINOP(u256_or);
op_xor:
	BINOP(u256_xor);
op_not:
	u256_not(&sp[-1], &sp[-1]);
	NEXT();
op_byte:
	BINOP(u256_byte);
op_shl:
	BINOP(u256_shl);
op_shr:
	BINOP(u256_shr);
op_sar:
	BINOP(u256_sar);
op_keccak: {
	uint8_t h[32];

	MEM(&sp[-1], &sp[-2]);
	CHARGE(6 * words_of(u256_to_u64_clamped(&sp[-2])));
	keccak256(h, u256_is_zero(&sp[-2]) ? NULL : f.mem + sp[-1].w[0],
		  u256_is_zero(&sp[-2]) ? 0 : sp[-2].w[0]);
	sp--;
	u256_from_be32(&sp[-1], h);
	NEXT();
}
op_address:
	PUSHW(address_to_word(msg->recipient));
op_balance: {
	uint8_t a[20];

	word_to_address(a, &sp[-1]);
	CHARGE(host->access_account(host->ctx, a) ? G_COLD_ACCOUNT : G_WARM);
	sp[-1] = host->balance(host->ctx, a);
	NEXT();
}
op_origin:
	PUSHW(address_to_word(env->origin));
op_caller:
	PUSHW(address_to_word(msg->caller));
op_callvalue:
	PUSHW(msg->value);
op_calldataload: {
	uint8_t word[32];
	struct u256 off = sp[-1];

	copy_padded(word, msg->input, msg->input_len, &off, 32);
	u256_from_be32(&sp[-1], word);
	NEXT();
}
op_calldatasize:
	PUSHW(u256_from_u64(msg->input_len));
op_calldatacopy:
op_codecopy:
op_returndatacopy: {
	const struct u256 *dst = &sp[-1], *src = &sp[-2], *len = &sp[-3];

	if (op == 0x3e) {
		/* Reading past the return data is a halt, not zeros. */
		if (!u256_fits_u64(src) || !u256_fits_u64(len) ||
		    src->w[0] + len->w[0] < src->w[0] || src->w[0] + len->w[0] > f.ret_len) {
			status = EVM_RETURNDATA_OUT_OF_BOUNDS;
			goto halt;
		}
	}
	MEM(dst, len);
	CHARGE(3 * words_of(u256_to_u64_clamped(len)));
	if (!u256_is_zero(len)) {
		if (op == 0x37)
			copy_padded(f.mem + dst->w[0], msg->input, msg->input_len, src, len->w[0]);
		else if (op == 0x39)
			copy_padded(f.mem + dst->w[0], code, code_len, src, len->w[0]);
		else
			memcpy(f.mem + dst->w[0], f.ret + src->w[0], len->w[0]);
	}
	sp -= 3;
	NEXT();
}
op_codesize:
	PUSHW(u256_from_u64(code_len));
op_gasprice:
	PUSHW(env->gas_price);
op_extcodesize: {
	uint8_t a[20];
	size_t n;

	word_to_address(a, &sp[-1]);
	CHARGE(host->access_account(host->ctx, a) ? G_COLD_ACCOUNT : G_WARM);
	(void)host->code(host->ctx, a, &n);
	sp[-1] = u256_from_u64(n);
	NEXT();
}
op_extcodecopy: {
	const struct u256 *dst = &sp[-2], *src = &sp[-3], *len = &sp[-4];
	const uint8_t *c;
	uint8_t a[20];
	size_t n;

	word_to_address(a, &sp[-1]);
	MEM(dst, len);
	CHARGE(3 * words_of(u256_to_u64_clamped(len)));
	CHARGE(host->access_account(host->ctx, a) ? G_COLD_ACCOUNT : G_WARM);
	if (!u256_is_zero(len)) {
		c = host->code(host->ctx, a, &n);
		copy_padded(f.mem + dst->w[0], c, n, src, len->w[0]);
	}
	sp -= 4;
	NEXT();
}
op_returndatasize:
	PUSHW(u256_from_u64(f.ret_len));
op_extcodehash: {
	uint8_t a[20], h[32];

	word_to_address(a, &sp[-1]);
	CHARGE(host->access_account(host->ctx, a) ? G_COLD_ACCOUNT : G_WARM);
	host->code_hash(host->ctx, a, h);
	u256_from_be32(&sp[-1], h);
	NEXT();
}
op_blockhash: {
	uint8_t h[32];
	uint64_t n = u256_to_u64_clamped(&sp[-1]);

	if (n < env->number && env->number - n <= 256) {
		host->block_hash(host->ctx, n, h);
		u256_from_be32(&sp[-1], h);
	} else {
		sp[-1] = u256_from_u64(0);
	}
	NEXT();
}
op_coinbase:
	PUSHW(address_to_word(env->coinbase));
op_timestamp:
	PUSHW(u256_from_u64(env->timestamp));
op_number:
	PUSHW(u256_from_u64(env->number));
op_prevrandao:
	PUSHW(env->prevrandao);
op_gaslimit:
	PUSHW(u256_from_u64(env->gas_limit));
op_chainid:
	PUSHW(env->chain_id);
op_selfbalance:
	PUSHW(host->balance(host->ctx, msg->recipient));
op_basefee:
	PUSHW(env->base_fee);
op_blobhash: {
	uint64_t i = u256_to_u64_clamped(&sp[-1]);

	if (i < env->nblob_hashes)
		u256_from_be32(&sp[-1], env->blob_hashes[i]);
	else
		sp[-1] = u256_from_u64(0);
	NEXT();
}
op_blobbasefee:
	PUSHW(env->blob_base_fee);
op_pop:
	sp--;
	NEXT();
op_mload:
	MEM(&sp[-1], &word_len);
	u256_from_be32(&sp[-1], f.mem + sp[-1].w[0]);
	NEXT();
op_mstore:
	MEM(&sp[-1], &word_len);
	u256_to_be(f.mem + sp[-1].w[0], &sp[-2]);
	sp -= 2;
	NEXT();
op_mstore8:
	MEM(&sp[-1], &byte_len);
	f.mem[sp[-1].w[0]] = (uint8_t)sp[-2].w[0];
	sp -= 2;
	NEXT();
op_sload:
	CHARGE(host->access_storage(host->ctx, msg->recipient, &sp[-1]) ? G_COLD_SLOAD : G_WARM);
	sp[-1] = host->sload(host->ctx, msg->recipient, &sp[-1]);
	NEXT();
op_sstore: {
	struct u256 cur, orig;
	int64_t cost;

	if (msg->is_static) {
		status = EVM_STATIC_VIOLATION;
		goto halt;
	}
	/* EIP-2200's sentry: SSTORE needs more than the call stipend. */
	if (gas <= EVM_CALL_STIPEND)
		goto oog;
	cost = host->access_storage(host->ctx, msg->recipient, &sp[-1]) ? G_COLD_SLOAD : 0;
	cur = host->sload(host->ctx, msg->recipient, &sp[-1]);
	orig = host->sload_original(host->ctx, msg->recipient, &sp[-1]);
	cost += sstore_cost(&orig, &cur, &sp[-2], &refund);
	CHARGE((uint64_t)cost);
	host->sstore(host->ctx, msg->recipient, &sp[-1], &sp[-2]);
	sp -= 2;
	NEXT();
}
op_jump:
	sp--;
	if (!u256_fits_u64(&sp[0]) || sp[0].w[0] >= code_len)
		goto badjump;
	pc = sp[0].w[0];
	goto jumped;
op_jumpi:
	sp -= 2;
	if (u256_is_zero(&sp[0]))
		NEXT();
	if (!u256_fits_u64(&sp[1]) || sp[1].w[0] >= code_len)
		goto badjump;
	pc = sp[1].w[0];
jumped:
	if (jumpdests == NULL) {
		jd_own = xmalloc(evm_jumpdests_size(code_len));
		evm_analyze(jd_own, code, code_len);
		jumpdests = jd_own;
	}
	if (!(jumpdests[pc / 8] & (1 << (pc % 8))))
		goto badjump;
	DISPATCH();
op_pc:
	PUSHW(u256_from_u64(pc));
op_msize:
	PUSHW(u256_from_u64(f.mem_size));
op_gas:
	PUSHW(u256_from_u64((uint64_t)gas));
op_jumpdest:
	NEXT();
op_tload:
	sp[-1] = host->tload(host->ctx, msg->recipient, &sp[-1]);
	NEXT();
op_tstore:
	if (msg->is_static) {
		status = EVM_STATIC_VIOLATION;
		goto halt;
	}
	host->tstore(host->ctx, msg->recipient, &sp[-1], &sp[-2]);
	sp -= 2;
	NEXT();
op_mcopy: {
	const struct u256 *dst = &sp[-1], *src = &sp[-2], *len = &sp[-3];

	MEM(src, len);
	MEM(dst, len);
	CHARGE(3 * words_of(u256_to_u64_clamped(len)));
	if (!u256_is_zero(len))
		memmove(f.mem + dst->w[0], f.mem + src->w[0], len->w[0]);
	sp -= 3;
	NEXT();
}
op_push0:
	PUSHW(u256_from_u64(0));
op_push: {
	size_t n = (size_t)op - 0x5f;
	const uint8_t *p = code + pc + 1;

	if (likely(pc + n < code_len)) {
		if (n <= 8) {
			/* The common short pushes fit one limb. */
			uint64_t v = 0;

			for (size_t i = 0; i < n; i++)
				v = v << 8 | p[i];
			*sp = u256_from_u64(v);
		} else {
			uint8_t buf[32] = { 0 };

			memcpy(buf + 32 - n, p, n);
			u256_from_be32(sp, buf);
		}
	} else {
		/* PUSH data cut short by the end of code reads as zeros. */
		uint8_t buf[32] = { 0 };

		memcpy(buf + 32 - n, p, code_len - pc - 1);
		u256_from_be32(sp, buf);
	}
	sp++;
	pc += n;
	NEXT();
}
op_dup: {
	size_t n = (size_t)op - 0x7f;

	*sp = sp[-(ptrdiff_t)n];
	sp++;
	NEXT();
}
op_swap: {
	size_t n = (size_t)op - 0x8f;
	struct u256 t = sp[-1];

	sp[-1] = sp[-1 - (ptrdiff_t)n];
	sp[-1 - (ptrdiff_t)n] = t;
	NEXT();
}
op_log: {
	size_t ntopics = (size_t)op - 0xa0;
	struct u256 topics[4];

	if (msg->is_static) {
		status = EVM_STATIC_VIOLATION;
		goto halt;
	}
	MEM(&sp[-1], &sp[-2]);
	CHARGE(8 * u256_to_u64_clamped(&sp[-2]));
	for (size_t i = 0; i < ntopics; i++)
		topics[i] = sp[-3 - (ptrdiff_t)i];
	host->emit_log(host->ctx, msg->recipient, topics, ntopics,
		       u256_is_zero(&sp[-2]) ? NULL : f.mem + sp[-1].w[0],
		       u256_is_zero(&sp[-2]) ? 0 : sp[-2].w[0]);
	sp -= 2 + ntopics;
	NEXT();
}
op_create:
op_create2: {
	enum call_outcome o;
	int64_t g;
	bool two = op == 0xf5;
	struct u256 value = sp[-1], off = sp[-2], len = sp[-3];
	struct u256 salt = two ? sp[-4] : u256_from_u64(0);

	sp -= two ? 3 : 2;
	g = gas;
	o = do_create(&f, &g, &refund, two ? EVM_CREATE2 : EVM_CREATE, &value, &off, &len,
		      two ? &salt : NULL, &sp[-1]);
	gas = g;
	if (o == CALL_HALT_OOG)
		goto oog;
	if (o == CALL_HALT_STATIC) {
		status = EVM_STATIC_VIOLATION;
		goto halt;
	}
	NEXT();
}
op_call:
op_callcode:
op_delegatecall:
op_staticcall: {
	enum evm_kind kind = op == 0xf1 ? EVM_CALL : op == 0xf2 ? EVM_CALLCODE
			   : op == 0xf4 ? EVM_DELEGATECALL : EVM_STATICCALL;
	bool has_value = kind == EVM_CALL || kind == EVM_CALLCODE;
	struct u256 a[7];
	enum call_outcome o;
	size_t n = has_value ? 7 : 6;
	int64_t g;

	for (size_t i = 0; i < n; i++)
		a[i] = sp[-1 - (ptrdiff_t)i];
	sp -= n - 1;
	g = gas;
	if (has_value)
		o = do_call(&f, &g, &refund, kind, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &sp[-1]);
	else
		o = do_call(&f, &g, &refund, kind, &a[0], &a[1], &zero_word, &a[2], &a[3], &a[4], &a[5],
			    &sp[-1]);
	gas = g;
	if (o == CALL_HALT_OOG)
		goto oog;
	if (o == CALL_HALT_STATIC) {
		status = EVM_STATIC_VIOLATION;
		goto halt;
	}
	NEXT();
}
op_return:
op_revert:
	MEM(&sp[-1], &sp[-2]);
	if (!u256_is_zero(&sp[-2])) {
		res->output_len = sp[-2].w[0];
		res->output = xmalloc(res->output_len);
		memcpy(res->output, f.mem + sp[-1].w[0], res->output_len);
	}
	status = op == 0xf3 ? EVM_SUCCESS : EVM_REVERT;
	goto done;
op_selfdestruct: {
	uint8_t b[20];
	struct u256 bal;
	int64_t cost = G_SELFDESTRUCT;

	word_to_address(b, &sp[-1]);
	if (host->access_account(host->ctx, b))
		cost += G_COLD_ACCOUNT;
	bal = host->balance(host->ctx, msg->recipient);
	if (!u256_is_zero(&bal) && !host->is_alive(host->ctx, b))
		cost += G_NEW_ACCOUNT;
	CHARGE((uint64_t)cost);
	if (msg->is_static) {
		status = EVM_STATIC_VIOLATION;
		goto halt;
	}
	host->selfdestruct(host->ctx, msg->recipient, b);
	goto done;
}
op_invalid:
	status = EVM_INVALID_OPCODE;
	goto halt;
stack_error:
	status = (size_t)(sp - stack) < hot[op].min / 32 ? EVM_STACK_UNDERFLOW : EVM_STACK_OVERFLOW;
	goto halt;
badjump:
	status = EVM_BAD_JUMP;
	goto halt;
oog:
	status = EVM_OUT_OF_GAS;
halt:
	if (unlikely(host->fault != NULL))
		goto fault;
halted:
	/* An exceptional halt takes all gas and gives no output. */
	gas = 0;
	refund = 0;
	evm_result_release(res);
done:
	res->status = status;
	res->gas_left = gas;
	res->gas_refund = status == EVM_SUCCESS ? refund : 0;
	free(stack);
	free(f.mem);
	free(f.ret);
	free(jd_own);
	return;
fault:
	trace_fault(&f, pc, op, gas, stack, (size_t)(sp - stack), refund, status);
	goto halted;
#undef DISPATCH
#undef NEXT
#undef CHARGE
#undef MEM
#undef BINOP
#undef CMPOP
#undef PUSHW
}
