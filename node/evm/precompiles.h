/* The precompiled contracts at 0x01 to 0x0a, as Cancun runs them.  The
 * interpreter looks an address up, then hands the call over: this module
 * prices it, checks it against the gas given, and runs it.  Nothing here
 * does I/O or keeps state between calls. */
#ifndef CHAINBOX_PRECOMPILES_H
#define CHAINBOX_PRECOMPILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* Each contract's number is the last byte of its address. */
enum precompile_id {
	PRECOMPILE_ECRECOVER = 1,
	PRECOMPILE_SHA256 = 2,
	PRECOMPILE_RIPEMD160 = 3,
	PRECOMPILE_IDENTITY = 4,
	PRECOMPILE_MODEXP = 5,
	PRECOMPILE_BN_ADD = 6,
	PRECOMPILE_BN_MUL = 7,
	PRECOMPILE_BN_PAIRING = 8,
	PRECOMPILE_BLAKE2F = 9,
	/* EIP-4844's KZG point evaluation, on BLS12-381 (bls12_381.c). */
	PRECOMPILE_POINT_EVALUATION = 10,
};

/* The highest number the table has room for. */
#define PRECOMPILE_MAX 0x0a

/* A cost no amount of gas covers: a modexp whose price overflows 64 bits,
 * or a blake2f input that is not 213 bytes long. */
#define PRECOMPILE_GAS_INFINITE UINT64_MAX

/* The longest base, exponent or modulus modexp works on, in bytes.  Gas
 * allows about 11 MiB of exponent and 76 KiB of modulus for 30 million;
 * the cap only bites with absurd gas (an eth_call without a gas cap). */
#define PRECOMPILE_MODEXP_MAX_LEN (32u << 20)

struct precompile_call {
	unsigned id;          /* enum precompile_id */
	const uint8_t *input; /* may be NULL when input_len is 0 */
	size_t input_len;
	uint64_t gas;         /* gas available to the call */
};

struct precompile_result {
	bool success;      /* false: out of gas or invalid input */
	uint64_t gas_used; /* the price on success; all of gas on failure */
	uint8_t *output;   /* NULL when output_len is 0; see precompile_result_release() */
	size_t output_len; /* 0 on failure */
};

/* Returns: the contract number (1 to 10) at a 20-byte address, or 0 when no
 * precompile is active there in Cancun. */
unsigned precompile_lookup(const uint8_t addr[20]);

/* Returns: whether addr holds a precompile in Cancun (and so is warm from
 * the start of every transaction, EIP-2929). */
bool precompile_is_active(const uint8_t addr[20]);

/* Returns: the contract's name ("ecrecover", "modexp", ...), or NULL for
 * an id with none. */
const char *precompile_name(unsigned id);

/* Prices a call without running it.
 * Returns: 0; -EINVAL for an id with no contract.
 * Out: *gas, the gas the call charges, or PRECOMPILE_GAS_INFINITE.
 * In: input may be NULL when len is 0. */
int precompile_gas(uint64_t *gas, unsigned id, const uint8_t *input, size_t len) WARN_UNUSED;

/* Runs a call.  A call that runs out of gas or is given invalid input (a
 * point off the curve, a blake2f final flag above 1, a KZG proof that does
 * not verify, ...) still returns 0, with out->success false and
 * out->gas_used equal to in->gas, as the EVM wants.  ecrecover with a bad
 * signature succeeds with empty output.
 * Returns: 0; -EINVAL for an id with no contract; -ENOMEM when the output
 * or a working buffer cannot be allocated; -E2BIG for a modexp operand over
 * PRECOMPILE_MODEXP_MAX_LEN that the gas would pay for; -EIO when
 * libcrypto fails to hash.  On an error out holds no output and the caller
 * must treat the transaction as not run.
 * Out: out, released with precompile_result_release(). */
int precompile_run(struct precompile_result *out, const struct precompile_call *in) WARN_UNUSED;

/* Frees the output and clears r; r may come from a failed call. */
void precompile_result_release(struct precompile_result *r);

#endif
