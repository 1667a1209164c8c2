/* A tiny EVM assembler for the benchmarks' hand-written bytecode: opcodes by
 * name, pushes of the shortest width, and labels that jumps may name before
 * they are placed.  It exists so that a workload reads as a listing instead
 * of a hex string. */
#ifndef CHAINBOX_BENCH_ASM_H
#define CHAINBOX_BENCH_ASM_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* The instructions the workloads use (Cancun numbering). */
enum asm_opcode {
	ASM_STOP = 0x00,
	ASM_ADD = 0x01, ASM_MUL = 0x02, ASM_SUB = 0x03, ASM_DIV = 0x04, ASM_SDIV = 0x05,
	ASM_MOD = 0x06, ASM_SMOD = 0x07, ASM_ADDMOD = 0x08, ASM_MULMOD = 0x09,
	ASM_EXP = 0x0a, ASM_SIGNEXTEND = 0x0b,
	ASM_LT = 0x10, ASM_GT = 0x11, ASM_SLT = 0x12, ASM_SGT = 0x13, ASM_EQ = 0x14,
	ASM_ISZERO = 0x15, ASM_AND = 0x16, ASM_OR = 0x17, ASM_XOR = 0x18, ASM_NOT = 0x19,
	ASM_BYTE = 0x1a, ASM_SHL = 0x1b, ASM_SHR = 0x1c, ASM_SAR = 0x1d,
	ASM_KECCAK256 = 0x20,
	ASM_ADDRESS = 0x30, ASM_CALLER = 0x33, ASM_CALLVALUE = 0x34,
	ASM_CALLDATALOAD = 0x35, ASM_CALLDATASIZE = 0x36, ASM_CALLDATACOPY = 0x37,
	ASM_CODESIZE = 0x38, ASM_CODECOPY = 0x39,
	ASM_RETURNDATASIZE = 0x3d, ASM_RETURNDATACOPY = 0x3e,
	ASM_POP = 0x50, ASM_MLOAD = 0x51, ASM_MSTORE = 0x52, ASM_MSTORE8 = 0x53,
	ASM_SLOAD = 0x54, ASM_SSTORE = 0x55, ASM_JUMP = 0x56, ASM_JUMPI = 0x57,
	ASM_MSIZE = 0x59, ASM_GAS = 0x5a, ASM_JUMPDEST = 0x5b, ASM_MCOPY = 0x5e,
	ASM_PUSH0 = 0x5f, ASM_PUSH1 = 0x60, ASM_PUSH32 = 0x7f,
	ASM_DUP1 = 0x80, ASM_DUP2, ASM_DUP3, ASM_DUP4, ASM_DUP5, ASM_DUP6, ASM_DUP7,
	ASM_DUP8, ASM_DUP9, ASM_DUP10, ASM_DUP11, ASM_DUP12, ASM_DUP13, ASM_DUP14,
	ASM_DUP15, ASM_DUP16,
	ASM_SWAP1 = 0x90, ASM_SWAP2, ASM_SWAP3, ASM_SWAP4, ASM_SWAP5, ASM_SWAP6,
	ASM_SWAP7, ASM_SWAP8, ASM_SWAP9, ASM_SWAP10, ASM_SWAP11, ASM_SWAP12,
	ASM_SWAP13, ASM_SWAP14, ASM_SWAP15, ASM_SWAP16,
	ASM_LOG0 = 0xa0, ASM_LOG1, ASM_LOG2, ASM_LOG3, ASM_LOG4,
	ASM_CALL = 0xf1, ASM_RETURN = 0xf3, ASM_STATICCALL = 0xfa, ASM_REVERT = 0xfd,
	ASM_INVALID = 0xfe,
};

#define ASM_MAX_LABELS 32

struct asm_fixup {
	size_t at; /* where the PUSH2's two bytes go */
	unsigned label;
};

/* A program being assembled.  Storage the caller owns: asm_init() and
 * asm_release(). */
struct asm_prog {
	uint8_t *code;
	size_t len, cap;
	size_t label[ASM_MAX_LABELS]; /* SIZE_MAX until placed */
	struct asm_fixup *fix;
	size_t nfix, afix;
};

void asm_init(struct asm_prog *p);
void asm_release(struct asm_prog *p);

/* Appends one opcode byte. */
void asm_op(struct asm_prog *p, uint8_t op);
/* Appends raw bytes (a data section after the code, say). */
void asm_bytes(struct asm_prog *p, const uint8_t *b, size_t n);
/* Appends the shortest push of v: PUSH0 for zero, else PUSH1..PUSH8. */
void asm_push(struct asm_prog *p, uint64_t v);
/* Appends PUSHn of b's n bytes, big-endian as written.  In: 1 <= n <= 32. */
void asm_push_bytes(struct asm_prog *p, const uint8_t *b, size_t n);
/* Appends a PUSH of a hex string of up to 64 digits, without "0x"; its
 * width is the string's (leading zeros count), so "00ff" is a PUSH2. */
void asm_push_hex(struct asm_prog *p, const char *hex);
/* Places label id here and appends its JUMPDEST.  A label is placed once. */
void asm_label(struct asm_prog *p, unsigned id);
/* Appends a PUSH2 of label id's position, known now or later. */
void asm_push_label(struct asm_prog *p, unsigned id);

/* Fills in every label push.  A label pushed but never placed is a bug.
 * Returns: the code, owned by p (valid until asm_release()); *len its
 * length. */
const uint8_t *asm_finish(struct asm_prog *p, size_t *len);

#endif
