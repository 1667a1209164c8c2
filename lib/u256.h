/* Unsigned 256-bit integers as four 64-bit limbs, least significant first.
 *
 * The arithmetic follows the EVM (Cancun): results wrap modulo 2^256, a
 * value read as signed is two's complement, and division or reduction by
 * zero gives 0 instead of failing.  Every function is pure and allocates
 * nothing.  An output pointer r may alias any input unless its comment says
 * otherwise.  Operands come in the EVM's stack order: for SHL(shift, value)
 * the call is u256_shl(r, shift, value). */
#ifndef CHAINBOX_U256_H
#define CHAINBOX_U256_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"

struct u256 {
	uint64_t w[4];
};

/* Longest text forms, with the NUL: 78 decimal digits; "0x" and 64 digits. */
#define U256_DEC_MAX 79
#define U256_HEX_MAX 67

/* Returns: v as a u256. */
static inline struct u256
u256_from_u64(uint64_t v)
{
	return (struct u256){ { v, 0, 0, 0 } };
}

/* Returns: whether a is zero (the EVM's ISZERO). */
static inline bool
u256_is_zero(const struct u256 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* Returns: whether a fits in 64 bits. */
static inline bool
u256_fits_u64(const struct u256 *a)
{
	return (a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* Returns: the low 64 bits of a; the rest is dropped. */
static inline uint64_t
u256_to_u64(const struct u256 *a)
{
	return a->w[0];
}

/* Returns: a, or UINT64_MAX when a does not fit in 64 bits.  Memory offsets
 * and sizes go through this: a clamped value is always too large to pay
 * for, so the gas check rejects it without a separate overflow test. */
static inline uint64_t
u256_to_u64_clamped(const struct u256 *a)
{
	return u256_fits_u64(a) ? a->w[0] : UINT64_MAX;
}

/* Returns: whether a is negative when read as two's complement (bit 255). */
static inline bool
u256_is_negative(const struct u256 *a)
{
	return (a->w[3] >> 63) != 0;
}

/* Returns: -1, 0 or 1 as a is below, equal to or above b. */
int u256_cmp(const struct u256 *a, const struct u256 *b);

/* Returns: whether a == b (EQ). */
static inline bool
u256_eq(const struct u256 *a, const struct u256 *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) |
		(a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3])) == 0;
}

/* Returns: whether a < b, unsigned (LT). */
static inline bool
u256_lt(const struct u256 *a, const struct u256 *b)
{
	for (int i = 3; i > 0; i--) {
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i];
	}
	return a->w[0] < b->w[0];
}

/* Returns: whether a > b, unsigned (GT). */
static inline bool
u256_gt(const struct u256 *a, const struct u256 *b)
{
	return u256_lt(b, a);
}

/* Returns: whether a < b, both read as two's complement (SLT). */
static inline bool
u256_slt(const struct u256 *a, const struct u256 *b)
{
	bool na = u256_is_negative(a), nb = u256_is_negative(b);

	/* With equal signs the unsigned order is the signed order. */
	return na != nb ? na : u256_lt(a, b);
}

/* Returns: whether a > b, both read as two's complement (SGT). */
static inline bool
u256_sgt(const struct u256 *a, const struct u256 *b)
{
	return u256_slt(b, a);
}

/* Out: *r = a + b mod 2^256 (ADD).  Returns: the carry out of bit 255. */
static inline bool
u256_add(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	unsigned __int128 carry = 0;

	for (int i = 0; i < 4; i++) {
		carry += (unsigned __int128)a->w[i] + b->w[i];
		r->w[i] = (uint64_t)carry;
		carry >>= 64;
	}
	return carry != 0;
}

/* Out: *r = a - b mod 2^256 (SUB).  Returns: the borrow, that is a < b. */
static inline bool
u256_sub(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	uint64_t borrow = 0;

	for (int i = 0; i < 4; i++) {
		uint64_t x = a->w[i], y = b->w[i], d = x - y;
		uint64_t out = (x < y) | (d < borrow);

		r->w[i] = d - borrow;
		borrow = out;
	}
	return borrow != 0;
}

/* Out: *r = -a mod 2^256, the two's complement negation. */
static inline void
u256_neg(struct u256 *r, const struct u256 *a)
{
	struct u256 zero = u256_from_u64(0);

	u256_sub(r, &zero, a);
}

/* Out: *r = a & b (AND). */
static inline void
u256_and(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	for (int i = 0; i < 4; i++)
		r->w[i] = a->w[i] & b->w[i];
}

/* Out: *r = a | b (OR). */
static inline void
u256_or(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	for (int i = 0; i < 4; i++)
		r->w[i] = a->w[i] | b->w[i];
}

/* Out: *r = a ^ b (XOR). */
static inline void
u256_xor(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	for (int i = 0; i < 4; i++)
		r->w[i] = a->w[i] ^ b->w[i];
}

/* Out: *r = ~a (NOT). */
static inline void
u256_not(struct u256 *r, const struct u256 *a)
{
	for (int i = 0; i < 4; i++)
		r->w[i] = ~a->w[i];
}

/* Returns: the number of leading zero bits of a, 256 for zero. */
static inline unsigned
u256_clz(const struct u256 *a)
{
	for (int i = 3; i >= 0; i--) {
		if (a->w[i] != 0)
			return (unsigned)(64 * (3 - i) + __builtin_clzll(a->w[i]));
	}
	return 256;
}

/* Returns: the number of significant bits of a, 0 for zero. */
static inline unsigned
u256_bit_len(const struct u256 *a)
{
	return 256 - u256_clz(a);
}

/* Returns: the number of significant bytes of a, 0 for zero; the
 * exponent's size that EXP charges gas for. */
static inline unsigned
u256_byte_len(const struct u256 *a)
{
	return (u256_bit_len(a) + 7) / 8;
}

/* Out: *r = a * m mod 2^256.  Returns: whether it wrapped. */
bool u256_mul_u64(struct u256 *r, const struct u256 *a, uint64_t m);
/* Out: *r = a * b mod 2^256 (MUL). */
void u256_mul(struct u256 *r, const struct u256 *a, const struct u256 *b);

/* Divides unsigned: a = q * b + rem with rem < b (DIV and MOD).  A zero b
 * gives q = 0 and rem = 0, as in the EVM.
 * Out: *q and *rem; either may be NULL when not wanted.  Each may alias a or
 * b, but q and rem must not be the same object. */
void u256_divmod(struct u256 *q, struct u256 *rem, const struct u256 *a,
		 const struct u256 *b);

/* Out: *r = a / b, unsigned, 0 when b is zero (DIV). */
static inline void
u256_div(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	u256_divmod(r, NULL, a, b);
}

/* Out: *r = a mod b, unsigned, 0 when b is zero (MOD). */
static inline void
u256_mod(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	u256_divmod(NULL, r, a, b);
}

/* Out: *r = a / b, both two's complement, rounded toward zero (SDIV).  A
 * zero b gives 0, and -2^255 / -1 overflows back to -2^255. */
void u256_sdiv(struct u256 *r, const struct u256 *a, const struct u256 *b);
/* Out: *r = the remainder of u256_sdiv(), with the sign of a (SMOD); 0 when
 * b is zero. */
void u256_smod(struct u256 *r, const struct u256 *a, const struct u256 *b);

/* Out: *r = (a + b) mod m, the sum taken without wrapping at 2^256
 * (ADDMOD); 0 when m is zero. */
void u256_addmod(struct u256 *r, const struct u256 *a, const struct u256 *b,
		 const struct u256 *m);
/* Out: *r = (a * b) mod m, the product taken in full 512 bits (MULMOD); 0
 * when m is zero. */
void u256_mulmod(struct u256 *r, const struct u256 *a, const struct u256 *b,
		 const struct u256 *m);

/* Out: *r = base^exponent mod 2^256 (EXP); 0^0 is 1.  The gas for EXP
 * depends on u256_byte_len(exponent). */
void u256_exp(struct u256 *r, const struct u256 *base,
	      const struct u256 *exponent);

/* Out: *r = x with byte b (counted from the least significant, 0) taken as
 * the sign bit and copied into every higher bit (SIGNEXTEND); x unchanged
 * when b >= 31. */
void u256_signextend(struct u256 *r, const struct u256 *b,
		     const struct u256 *x);
/* Out: *r = byte i of x counted from the most significant (0) in the low 8
 * bits, the rest zero (BYTE); 0 when i >= 32. */
void u256_byte(struct u256 *r, const struct u256 *i, const struct u256 *x);

/* Out: *r = value << shift mod 2^256 (SHL); 0 when shift >= 256. */
void u256_shl(struct u256 *r, const struct u256 *shift,
	      const struct u256 *value);
/* Out: *r = value >> shift, filling with zeros (SHR); 0 when shift >= 256. */
void u256_shr(struct u256 *r, const struct u256 *shift,
	      const struct u256 *value);
/* Out: *r = value >> shift, filling with copies of bit 255 (SAR); when shift
 * >= 256, 0 for a non-negative value and all ones (-1) for a negative one. */
void u256_sar(struct u256 *r, const struct u256 *shift,
	      const struct u256 *value);

/* Returns: the big-endian 64-bit word at p.  One load and a byte swap. */
static inline uint64_t
u256_load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

/* Out: p[0..7], v big-endian.  A byte swap and one store: compilers do not
 * always see that in a loop of byte stores. */
static inline void
u256_store_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

/* Out: *r from exactly 32 big-endian bytes (the EVM's word layout in memory,
 * storage and calldata). */
static inline void
u256_from_be32(struct u256 *r, const uint8_t in[32])
{
	for (int i = 0; i < 4; i++)
		r->w[3 - i] = u256_load_be64(in + 8 * i);
}

/* Out: *r from len big-endian bytes, as if zero-padded on the left to 32
 * (PUSHn).  In: len <= 32; a longer len is a bug and aborts. */
void u256_from_be(struct u256 *r, const uint8_t *in, size_t len);

/* Out: out, 32 big-endian bytes. */
static inline void
u256_to_be(uint8_t out[32], const struct u256 *a)
{
	for (int i = 0; i < 4; i++)
		u256_store_be64(out + 8 * i, a->w[3 - i]);
}

/* Parses decimal digits ("123"), or hex after "0x" ("0x7b").
 * Returns: 0; -EINVAL for an empty or malformed number; -ERANGE when it does
 * not fit in 256 bits. */
int u256_parse(struct u256 *r, const char *s, size_t len) WARN_UNUSED;
/* Out: buf, the decimal text. */
void u256_to_dec(char buf[U256_DEC_MAX], const struct u256 *a);
/* Out: buf, "0x" and the hex digits without leading zeros ("0x0" for 0). */
void u256_to_hex(char buf[U256_HEX_MAX], const struct u256 *a);

#endif
