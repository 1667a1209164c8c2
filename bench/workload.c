/* The EVM benchmark's workloads (see workload.h), written in the assembler
 * of asm.h.  Stack comments show the stack bottom first, top last, from the
 * loop's own items up: "[cs i]" means i is on top and cs below it (and the
 * frame's first GAS reading below cs, never touched).
 *
 * Each loop counts i down from N to 1 and leaves the checksum cs.  The
 * counts are chosen so that each workload spends roughly 25-35 million gas,
 * a mainnet block's worth, and never runs out: a loop that ended by running
 * out of gas would return nothing to compare. */
#include <string.h>

#include "asm.h"
#include "hex.h"
#include "workload.h"
#include "xalloc.h"

#define OP(x) asm_op(a, ASM_##x)
#define PUSH(v) asm_push(a, (v))
#define PUSHX(hex) asm_push_hex(a, (hex))
#define LABEL(l) asm_label(a, (l))
#define PUSHL(l) asm_push_label(a, (l))

/* Odd 256-bit constants with no structure (hex digits of pi and e), and the
 * prime 2^255 - 19 for the modular instructions. */
#define K1 "243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89"
#define K2 "b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef"
#define P25519 "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed"

/* keccak256("Transfer(address,address,uint256)") */
#define TRANSFER_TOPIC "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
#define SEL_TRANSFER "a9059cbb" /* transfer(address,uint256) */
#define SEL_BALANCE_OF "70a08231" /* balanceOf(address) */
#define SEL_MINT "40c10f19" /* mint(address,uint256) */

/* Where the helper contracts live, the same on both EVMs. */
#define CALLEE_ADDR "be0c000000000000000000000000000000000001"
#define TOKEN_ADDR "be0c000000000000000000000000000000000020"

#define ARITH_N 100000
#define KECCAK_N 100000
#define MEMORY_N 14000
#define STORAGE_SLOTS 1000
#define STORAGE_ROUNDS 40
#define CALLS_N 150000
#define ERC20_N 10000
#define ERC20_HOLDERS 256 /* recipients cycle through this many addresses */

enum { L_LOOP, L_LOOP2, L_LOOP3, L_INNER, L_FAIL, L_TRANSFER, L_BALANCE_OF, L_MINT, L_REVERT };

/* The frame's start: [] -> [g0 cs] with cs = 0. */
static void
frame_begin(struct asm_prog *a)
{
	OP(GAS);
	PUSH(0);
}

/* The frame's end: [g0 cs] -> returns [g0 - g1, cs] where g1 is the second
 * GAS reading. */
static void
frame_end(struct asm_prog *a)
{
	OP(SWAP1);		/* [cs g0] */
	OP(GAS);		/* [cs g0 g1] */
	OP(SWAP1);
	OP(SUB);		/* [cs g0-g1] */
	PUSH(0);
	OP(MSTORE);		/* [cs]; mem[0] = g0 - g1 */
	PUSH(32);
	OP(MSTORE);		/* []; mem[32] = cs */
	PUSH(64);
	PUSH(0);
	OP(RETURN);
}

/* Loop control: [.. i] -> [.. i-1], and back to label while i-1 != 0. */
static void
loop_next(struct asm_prog *a, unsigned label)
{
	PUSH(1);
	OP(SWAP1);
	OP(SUB);
	OP(DUP1);
	PUSHL(label);
	OP(JUMPI);
}

/* Pushes a 20-byte address given as 40 hex digits. */
static void
push_address(struct asm_prog *a, const char *hex)
{
	PUSHX(hex);
}

/* arith: 100,000 rounds of a mixing function over one 256-bit word that
 * uses most arithmetic, bitwise and comparison instructions:
 *	t = cs * K1 + i;  t ^= t >> 67;  t += t^2 mod p;  t ^= t / (i | 3);
 *	t ^= t mod (i | 1);  t += t sdiv -7;  t *= 3 ** (i & 15);
 *	t ^= byte(i & 31, t) << (i & 255);  t ^= sar(3, signextend(i & 31, t));
 *	t += t < i;  t ^= addmod(t, K2, p);  cs = t */
static void
build_arith(struct asm_prog *a)
{
	frame_begin(a);
	PUSH(ARITH_N);			/* [cs i] */
	LABEL(L_LOOP);
	OP(SWAP1);			/* [i cs] */
	PUSHX(K1);
	OP(MUL);
	OP(DUP2);
	OP(ADD);			/* [i t]: t = cs * K1 + i */
	OP(DUP1);
	PUSH(67);
	OP(SHR);
	OP(XOR);			/* t ^= t >> 67 */
	PUSHX(P25519);
	OP(DUP2);
	OP(DUP1);
	OP(MULMOD);			/* [i t sq] */
	OP(ADD);			/* t += t * t mod p */
	OP(DUP2);
	PUSH(3);
	OP(OR);
	OP(DUP2);
	OP(DIV);
	OP(XOR);			/* t ^= t / (i | 3) */
	OP(DUP2);
	PUSH(1);
	OP(OR);
	OP(DUP2);
	OP(MOD);
	OP(XOR);			/* t ^= t mod (i | 1) */
	PUSH(7);
	PUSH(0);
	OP(SUB);			/* [i t -7] */
	OP(DUP2);
	OP(SDIV);
	OP(ADD);			/* t += t sdiv -7 */
	OP(DUP2);
	PUSH(15);
	OP(AND);
	PUSH(3);
	OP(EXP);
	OP(MUL);			/* t *= 3 ** (i & 15) */
	OP(DUP1);
	OP(DUP3);
	PUSH(31);
	OP(AND);
	OP(BYTE);			/* [i t b] */
	OP(DUP3);
	PUSH(255);
	OP(AND);
	OP(SHL);
	OP(XOR);			/* t ^= b << (i & 255) */
	OP(DUP1);
	OP(DUP3);
	PUSH(31);
	OP(AND);
	OP(SIGNEXTEND);
	PUSH(3);
	OP(SAR);
	OP(XOR);			/* t ^= sar(3, signextend(i & 31, t)) */
	OP(DUP2);
	OP(DUP2);
	OP(LT);
	OP(ADD);			/* t += t < i */
	PUSHX(P25519);
	PUSHX(K2);
	OP(DUP3);
	OP(ADDMOD);
	OP(XOR);			/* t ^= (t + K2) mod p */
	OP(SWAP1);			/* [t i] */
	loop_next(a, L_LOOP);
	OP(POP);			/* [cs] */
	frame_end(a);
}

/* keccak: fills 5 KiB of memory, then 100,000 times hashes a region of
 * 64 << (i mod 7) bytes (64 to 4096) at offset (32 i) & 0x3e0, writes the
 * hash back at that offset so that every input differs, and XORs it into
 * cs. */
static void
build_keccak(struct asm_prog *a)
{
	frame_begin(a);
	PUSH(0x13e0);			/* [cs k]: fill words 0x13e0 down to 32 */
	LABEL(L_LOOP2);
	OP(DUP1);
	PUSHX(K1);
	OP(MUL);
	OP(DUP2);
	OP(MSTORE);			/* mem[k] = k * K1 */
	PUSH(32);
	OP(SWAP1);
	OP(SUB);
	OP(DUP1);
	PUSHL(L_LOOP2);
	OP(JUMPI);
	OP(POP);			/* [cs] */
	PUSH(KECCAK_N);			/* [cs i] */
	LABEL(L_LOOP);
	OP(DUP1);
	PUSH(5);
	OP(SHL);
	PUSH(0x3e0);
	OP(AND);			/* [cs i off] */
	PUSH(64);
	PUSH(7);
	OP(DUP4);
	OP(MOD);
	OP(SHL);			/* [cs i off size] */
	OP(DUP2);
	OP(KECCAK256);			/* [cs i off h] */
	OP(DUP1);
	OP(SWAP2);
	OP(MSTORE);			/* [cs i h]; mem[off] = h */
	OP(DUP3);
	OP(XOR);
	OP(SWAP2);
	OP(POP);			/* [cs^h i] */
	loop_next(a, L_LOOP);
	OP(POP);
	frame_end(a);
}

/* memory: 20 KiB of memory; 14,000 times: CODECOPY 4 KiB of data (from the
 * initcode's tail) to 0, MSTORE i into it, MCOPY those 4 KiB to
 * 0x1000 + (i & 31) (unaligned), MCOPY 8 KiB from 0x1000 to 0x2000
 * (overlapping), CALLDATACOPY 4 KiB to 0x4000 (zeros: initcode has no
 * calldata), then 8 MLOAD/XOR/MSTORE word moves.  At the end cs is the
 * keccak of all 20 KiB. */
static void
build_memory(struct asm_prog *a)
{
	uint8_t data[4096];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	frame_begin(a);
	PUSH(MEMORY_N);			/* [cs i] */
	LABEL(L_LOOP);
	PUSH(0x1000);
	OP(DUP1);
	OP(CODESIZE);
	OP(SUB);
	PUSH(0);
	OP(CODECOPY);			/* mem[0, 4K) = the data tail */
	OP(DUP1);
	OP(DUP1);
	PUSH(0xfe0);
	OP(AND);
	OP(MSTORE);			/* mem[i & 0xfe0] = i */
	PUSH(0x1000);
	PUSH(0);
	OP(DUP3);
	PUSH(31);
	OP(AND);
	PUSH(0x1000);
	OP(ADD);
	OP(MCOPY);			/* mem[0x1000 + (i & 31), +4K) = mem[0, 4K) */
	PUSH(0x2000);
	PUSH(0x1000);
	PUSH(0x2000);
	OP(MCOPY);			/* mem[0x2000, 0x4000) = mem[0x1000, 0x3000) */
	PUSH(0x1000);
	PUSH(0);
	PUSH(0x4000);
	OP(CALLDATACOPY);		/* mem[0x4000, 0x5000) = 0 */
	for (unsigned k = 0; k < 8; k++) {
		OP(DUP1);
		PUSH(0x2000 + 0x100 * k);
		OP(MLOAD);
		OP(XOR);
		PUSH(0x4000 + 0x200 * k);
		OP(MSTORE);		/* mem[0x4000 + 512k] = mem[0x2000 + 256k] ^ i */
	}
	loop_next(a, L_LOOP);
	OP(POP);			/* [cs] */
	PUSH(0x5000);
	PUSH(0);
	OP(KECCAK256);
	OP(XOR);
	frame_end(a);
	/* The data tail: never executed, only copied. */
	for (size_t i = 0; i < sizeof(data); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		data[i] = (uint8_t)x;
	}
	asm_bytes(a, data, sizeof(data));
}

/* storage: SSTORE 1,000 fresh slots at keys j * K1 (cold, zero to
 * non-zero); then 40 rounds over them of v = SLOAD(key), SSTORE(key, v + r),
 * cs += v + r (warm, already dirty); then SLOAD 1,000 untouched slots
 * j * K1 + 1 (cold, zero).  Nothing is set back to zero or to its original
 * value, so there is no refund to blur the gas. */
static void
build_storage(struct asm_prog *a)
{
	frame_begin(a);
	PUSH(STORAGE_SLOTS);		/* [cs j] */
	LABEL(L_LOOP);
	OP(DUP1);
	PUSHX(K2);
	OP(XOR);			/* [cs j v] */
	OP(DUP2);
	PUSHX(K1);
	OP(MUL);			/* [cs j v key] */
	OP(SSTORE);
	loop_next(a, L_LOOP);
	OP(POP);			/* [cs] */
	PUSH(STORAGE_ROUNDS);		/* [cs r] */
	LABEL(L_LOOP2);
	PUSH(STORAGE_SLOTS);		/* [cs r j] */
	LABEL(L_INNER);
	OP(DUP1);
	PUSHX(K1);
	OP(MUL);			/* [cs r j key] */
	OP(DUP1);
	OP(SLOAD);			/* [cs r j key v] */
	OP(DUP4);
	OP(ADD);			/* [cs r j key v'] */
	OP(DUP1);
	OP(SWAP2);
	OP(SSTORE);			/* [cs r j v'] */
	OP(DUP4);
	OP(ADD);
	OP(SWAP3);
	OP(POP);			/* [cs+v' r j] */
	loop_next(a, L_INNER);
	OP(POP);			/* [cs r] */
	loop_next(a, L_LOOP2);
	OP(POP);			/* [cs] */
	PUSH(STORAGE_SLOTS);		/* [cs j] */
	LABEL(L_LOOP3);
	OP(DUP1);
	PUSHX(K1);
	OP(MUL);
	PUSH(1);
	OP(ADD);
	OP(SLOAD);			/* [cs j v] */
	OP(DUP3);
	OP(XOR);
	OP(SWAP2);
	OP(POP);			/* [cs^v j] */
	loop_next(a, L_LOOP3);
	OP(POP);
	frame_end(a);
}

/* The callee of "calls": returns its first calldata word plus one. */
static void
build_callee(struct asm_prog *a)
{
	PUSH(0);
	OP(CALLDATALOAD);
	PUSH(1);
	OP(ADD);
	PUSH(0);
	OP(MSTORE);
	PUSH(32);
	PUSH(0);
	OP(RETURN);
}

/* calls: 150,000 CALLs, each passing cs in 32 bytes of calldata to the
 * callee (which returns it plus one) and folding the reply back in:
 * cs = (reply + success) ^ i. */
static void
build_calls(struct asm_prog *a)
{
	frame_begin(a);
	PUSH(CALLS_N);			/* [cs i] */
	LABEL(L_LOOP);
	OP(DUP2);
	PUSH(0);
	OP(MSTORE);			/* mem[0] = cs */
	PUSH(32);			/* retSize */
	PUSH(0);			/* retOffset */
	PUSH(32);			/* argsSize */
	PUSH(0);			/* argsOffset */
	PUSH(0);			/* value */
	push_address(a, CALLEE_ADDR);
	OP(GAS);
	OP(CALL);			/* [cs i ok] */
	PUSH(0);
	OP(MLOAD);
	OP(ADD);
	OP(DUP2);
	OP(XOR);
	OP(SWAP2);
	OP(POP);			/* [(reply + ok) ^ i, i] */
	loop_next(a, L_LOOP);
	OP(POP);
	frame_end(a);
}

/* Computes the balances slot of the address in mem[0]: keccak256 of
 * mem[0, 64) with mem[32] = 0, the mapping's slot, as Solidity lays out
 * mapping(address => uint256) at slot 0.  [] -> [slot] */
static void
balance_slot(struct asm_prog *a)
{
	PUSH(0);
	PUSH(32);
	OP(MSTORE);
	PUSH(64);
	PUSH(0);
	OP(KECCAK256);
}

/* The token of "erc20": a minimal ERC-20 with transfer, balanceOf and an
 * open mint, dispatching on the selector and checking what Solidity
 * checks (no value, clean address, balance, overflow). */
static void
build_token(struct asm_prog *a)
{
	PUSH(0);
	OP(CALLDATALOAD);
	PUSH(0xe0);
	OP(SHR);			/* [sel] */
	OP(DUP1);
	PUSHX(SEL_TRANSFER);
	OP(EQ);
	PUSHL(L_TRANSFER);
	OP(JUMPI);
	OP(DUP1);
	PUSHX(SEL_BALANCE_OF);
	OP(EQ);
	PUSHL(L_BALANCE_OF);
	OP(JUMPI);
	OP(DUP1);
	PUSHX(SEL_MINT);
	OP(EQ);
	PUSHL(L_MINT);
	OP(JUMPI);
	LABEL(L_REVERT);
	PUSH(0);
	PUSH(0);
	OP(REVERT);

	/* transfer(to, amt): balances[caller] -= amt, balances[to] += amt,
	 * emit Transfer(caller, to, amt), return true. */
	LABEL(L_TRANSFER);
	OP(CALLVALUE);
	PUSHL(L_REVERT);
	OP(JUMPI);
	PUSH(4);
	OP(CALLDATALOAD);		/* [sel to] */
	OP(DUP1);
	PUSHX("ffffffffffffffffffffffffffffffffffffffff");
	OP(AND);
	OP(DUP2);
	OP(EQ);
	OP(ISZERO);
	PUSHL(L_REVERT);
	OP(JUMPI);
	PUSH(36);
	OP(CALLDATALOAD);		/* [sel to amt] */
	OP(CALLER);
	PUSH(0);
	OP(MSTORE);
	balance_slot(a);		/* [sel to amt sf] */
	OP(DUP1);
	OP(SLOAD);			/* [sel to amt sf bf] */
	OP(DUP1);
	OP(DUP4);
	OP(GT);
	PUSHL(L_REVERT);
	OP(JUMPI);			/* amt > bf: revert */
	OP(DUP3);
	OP(SWAP1);
	OP(SUB);			/* [sel to amt sf bf-amt] */
	OP(SWAP1);
	OP(SSTORE);			/* [sel to amt] */
	OP(DUP2);
	PUSH(0);
	OP(MSTORE);
	balance_slot(a);		/* [sel to amt st] */
	OP(DUP1);
	OP(SLOAD);
	OP(DUP3);
	OP(ADD);			/* [sel to amt st bt+amt] */
	OP(DUP1);
	OP(DUP4);
	OP(GT);
	PUSHL(L_REVERT);
	OP(JUMPI);			/* amt > bt + amt: overflow */
	OP(SWAP1);
	OP(SSTORE);			/* [sel to amt] */
	PUSH(0);
	OP(MSTORE);			/* [sel to]; mem[0] = amt */
	OP(CALLER);
	PUSHX(TRANSFER_TOPIC);
	PUSH(32);
	PUSH(0);
	OP(LOG3);			/* Transfer(caller, to, amt) */
	PUSH(1);
	PUSH(0);
	OP(MSTORE);
	PUSH(32);
	PUSH(0);
	OP(RETURN);

	/* balanceOf(owner) */
	LABEL(L_BALANCE_OF);
	PUSH(4);
	OP(CALLDATALOAD);
	PUSH(0);
	OP(MSTORE);
	balance_slot(a);
	OP(SLOAD);
	PUSH(0);
	OP(MSTORE);
	PUSH(32);
	PUSH(0);
	OP(RETURN);

	/* mint(to, amt): balances[to] += amt, for anyone (a test token). */
	LABEL(L_MINT);
	PUSH(4);
	OP(CALLDATALOAD);
	PUSH(0);
	OP(MSTORE);
	balance_slot(a);		/* [sel st] */
	OP(DUP1);
	OP(SLOAD);
	PUSH(36);
	OP(CALLDATALOAD);
	OP(ADD);
	OP(SWAP1);
	OP(SSTORE);
	OP(STOP);
}

/* Calls balanceOf(owner) with owner on the stack; [owner] -> [balance],
 * or reverts. */
static void
token_balance_of(struct asm_prog *a)
{
	PUSHX(SEL_BALANCE_OF);
	PUSH(0xe0);
	OP(SHL);
	PUSH(0);
	OP(MSTORE);
	PUSH(4);
	OP(MSTORE);			/* mem[4, 36) = owner */
	PUSH(32);
	PUSH(0x80);
	PUSH(36);
	PUSH(0);
	push_address(a, TOKEN_ADDR);
	OP(GAS);
	OP(STATICCALL);
	OP(ISZERO);
	PUSHL(L_FAIL);
	OP(JUMPI);
	PUSH(0x80);
	OP(MLOAD);
}

/* erc20: the driver mints itself 2^128 tokens, then makes 10,000
 * transfer(0x10000 + (i & 255), 1) calls to the token, requiring each to
 * succeed and return true: 256 holders, each receiving its first token in
 * a fresh slot and then some 38 more.  Every transfer reads and writes two
 * balance slots and logs a Transfer.  cs mixes the driver's final balance
 * and holder 0x10001's. */
static void
build_erc20(struct asm_prog *a)
{
	frame_begin(a);
	/* mint(address(this), 2^128) */
	PUSHX(SEL_MINT);
	PUSH(0xe0);
	OP(SHL);
	PUSH(0);
	OP(MSTORE);
	OP(ADDRESS);
	PUSH(4);
	OP(MSTORE);
	PUSH(1);
	PUSH(128);
	OP(SHL);
	PUSH(36);
	OP(MSTORE);
	PUSH(0);			/* retSize */
	PUSH(0);			/* retOffset */
	PUSH(68);			/* argsSize */
	PUSH(0);			/* argsOffset */
	PUSH(0);			/* value */
	push_address(a, TOKEN_ADDR);
	OP(GAS);
	OP(CALL);
	OP(ISZERO);
	PUSHL(L_FAIL);
	OP(JUMPI);			/* [cs] */

	PUSHX(SEL_TRANSFER);
	PUSH(0xe0);
	OP(SHL);
	PUSH(0);
	OP(MSTORE);			/* mem[0, 4) = the selector */
	PUSH(ERC20_N);			/* [cs i] */
	LABEL(L_LOOP);
	OP(DUP1);
	PUSH(ERC20_HOLDERS - 1);
	OP(AND);
	PUSH(0x10000);
	OP(OR);
	PUSH(4);
	OP(MSTORE);			/* mem[4, 36) = to */
	PUSH(1);
	PUSH(36);
	OP(MSTORE);			/* mem[36, 68) = 1 */
	PUSH(32);			/* retSize */
	PUSH(0x80);			/* retOffset */
	PUSH(68);			/* argsSize */
	PUSH(0);			/* argsOffset */
	PUSH(0);			/* value */
	push_address(a, TOKEN_ADDR);
	OP(GAS);
	OP(CALL);			/* [cs i ok] */
	PUSH(0x80);
	OP(MLOAD);
	OP(AND);
	OP(ISZERO);
	PUSHL(L_FAIL);
	OP(JUMPI);			/* require(ok && returned true) */
	loop_next(a, L_LOOP);
	OP(POP);			/* [cs] */
	OP(ADDRESS);
	token_balance_of(a);
	OP(XOR);
	PUSH(0x10001);
	token_balance_of(a);
	PUSH(160);
	OP(SHL);
	OP(XOR);
	frame_end(a);
	LABEL(L_FAIL);
	PUSH(0);
	PUSH(0);
	OP(REVERT);
}

static const struct {
	const char *name;
	const char *summary;
	void (*build)(struct asm_prog *a);
	const char *helper_address; /* NULL for none */
	void (*helper)(struct asm_prog *a);
} workloads[] = {
	{ "arith", "256-bit arithmetic, bitwise and comparison mixing loop", build_arith,
	  NULL, NULL },
	{ "keccak", "KECCAK256 of 64..4096 bytes in a loop", build_keccak, NULL, NULL },
	{ "memory", "MCOPY, CODECOPY, CALLDATACOPY and MSTORE over 20 KiB", build_memory,
	  NULL, NULL },
	{ "storage", "SSTORE and SLOAD of 2,000 distinct slots", build_storage, NULL, NULL },
	{ "calls", "CALLs to a tiny contract in a loop", build_calls, CALLEE_ADDR,
	  build_callee },
	{ "erc20", "ERC-20 transfers called from a driver loop", build_erc20, TOKEN_ADDR,
	  build_token },
};

size_t
workload_count(void)
{
	return ARRAY_SIZE(workloads);
}

const char *
workload_name(size_t i)
{
	return workloads[i].name;
}

const char *
workload_summary(size_t i)
{
	return workloads[i].summary;
}

/* Returns: a copy of what a assembled (caller frees).  Out: *len. */
static uint8_t *
finish_copy(struct asm_prog *a, size_t *len)
{
	const uint8_t *code = asm_finish(a, len);
	uint8_t *copy = xmalloc(*len);

	memcpy(copy, code, *len);
	return copy;
}

void
workload_build(struct workload *w, size_t i)
{
	struct asm_prog a;

	memset(w, 0, sizeof(*w));
	w->name = workloads[i].name;
	w->summary = workloads[i].summary;
	asm_init(&a);
	workloads[i].build(&a);
	w->initcode = finish_copy(&a, &w->initcode_len);
	asm_release(&a);
	if (workloads[i].helper != NULL) {
		struct workload_account *acct;
		size_t n = 20;

		w->accounts = xcalloc(1, sizeof(*w->accounts));
		w->naccounts = 1;
		acct = &w->accounts[0];
		if (hex_decode(acct->address, &n, workloads[i].helper_address,
			       strlen(workloads[i].helper_address)) != 0 || n != 20)
			BUG("bad helper address");
		asm_init(&a);
		workloads[i].helper(&a);
		acct->code = finish_copy(&a, &acct->len);
		asm_release(&a);
	}
}

void
workload_release(struct workload *w)
{
	for (size_t i = 0; i < w->naccounts; i++)
		free(w->accounts[i].code);
	free(w->accounts);
	free(w->initcode);
	memset(w, 0, sizeof(*w));
}
