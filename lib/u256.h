/* Unsigned 256-bit integers as four 64-bit limbs, least significant first. */
#ifndef CHAINBOX_U256_H
#define CHAINBOX_U256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

struct u256 {
	uint64_t w[4];
};

/* Longest text forms, with the NUL: 78 decimal digits; "0x" and 64 digits. */
#define U256_DEC_MAX 79
#define U256_HEX_MAX 67

static inline struct u256
u256_from_u64(uint64_t v)
{
	return (struct u256){ { v, 0, 0, 0 } };
}

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

/* Returns: -1, 0 or 1 as a is below, equal to or above b. */
int u256_cmp(const struct u256 *a, const struct u256 *b);
/* Out: *r = a + b mod 2^256 (r may alias a or b).  Returns: the carry. */
bool u256_add(struct u256 *r, const struct u256 *a, const struct u256 *b);
/* Out: *r = a * m mod 2^256 (r may alias a).  Returns: whether it wrapped. */
bool u256_mul_u64(struct u256 *r, const struct u256 *a, uint64_t m);

/* Out: *r from len <= 32 big-endian bytes. */
void u256_from_be(struct u256 *r, const uint8_t *in, size_t len);
/* Out: out, 32 big-endian bytes. */
void u256_to_be(uint8_t out[32], const struct u256 *a);

/* Parses decimal digits ("123"), or hex after "0x" ("0x7b").
 * Returns: 0; -EINVAL for an empty or malformed number; -ERANGE when it does
 * not fit in 256 bits. */
int u256_parse(struct u256 *r, const char *s, size_t len) WARN_UNUSED;
/* Out: buf, the decimal text. */
void u256_to_dec(char buf[U256_DEC_MAX], const struct u256 *a);
/* Out: buf, "0x" and the hex digits without leading zeros ("0x0" for 0). */
void u256_to_hex(char buf[U256_HEX_MAX], const struct u256 *a);

#endif
