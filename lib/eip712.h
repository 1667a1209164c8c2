/* EIP-712 typed structured data hashing, as eth_signTypedData_v4 signs it:
 * digest = keccak256(0x19 0x01 || domainSeparator || hashStruct(message)).
 *
 * The input is the JSON object wallets and libraries send (MetaMask, ethers,
 * viem), or the same object as a JSON string:
 *   { "types": { "Name": [ { "name": ..., "type": ... }, ... ], ... },
 *     "primaryType": "Name", "domain": { ... }, "message": { ... } }
 *
 * Types: bool, address, string, bytes, bytes1 to bytes32, uint8 to uint256
 * and int8 to int256 in steps of 8 (uint and int mean 256 bits), struct
 * types named in "types", and arrays of any of them, fixed (T[n]) or not
 * (T[]), nested (T[2][]: a list of pairs).  Type and field names must be
 * identifiers ([A-Za-z_$][A-Za-z0-9_$]*), which keeps encodeType's text
 * unambiguous.  Every type in "types" must be well formed and refer only to
 * known types, without cycles, whether the message uses it or not.
 *
 * Values: integers as JSON integers, as JSON numbers holding a whole value
 * below 2^53, or as decimal or 0x-hex strings, with a leading '-' for
 * negative intN values; bool as true or false (or those words as strings);
 * address as 40 hex digits after "0x" (the checksum case is not checked,
 * as anvil and MetaMask do not check it); bytes and bytesN as hex, with or
 * without "0x", bytesN at most N bytes, padded on the right; string as any
 * JSON string.  Every field of a struct must be present and not null;
 * fields the type does not name are ignored.
 *
 * The domain separator is hashStruct of the domain with the EIP712Domain
 * type given in "types".  Without one, the type is taken from the domain's
 * fields in the standard order (name, version, chainId, verifyingContract,
 * salt), as ethers does.  When primaryType is EIP712Domain the digest is
 * keccak256(0x19 0x01 || domainSeparator), as MetaMask and anvil sign it.
 *
 * The input is untrusted: struct and array nesting, type and field counts,
 * name lengths and the JSON text are capped below, the recursion follows
 * the (acyclic, bounded) types and never the data, and the work is linear
 * in the size of the input, plus at most EIP712_MAX_ENCODED bytes of
 * encodeType text (which repeats the types a type refers to).
 *
 * Errors, shared by the functions below; *cause then names where in the
 * input (such as "message.to.wallet" or "types.Mail"), the type, and what
 * was wrong:
 *   -EINVAL  malformed input: not JSON or not the shape above, a bad or
 *            unknown type, a missing field, a value of the wrong kind or
 *            out of range for its type, a bad address, a fixed array whose
 *            length does not match its type
 *   -ELOOP   types that refer to themselves, or values nested deeper than
 *            EIP712_MAX_DEPTH structs and arrays
 *   -E2BIG   more types, fields, JSON text or encodeType text than the
 *            limits below
 * cause may be NULL; otherwise an error sets *cause (caller frees) and
 * success leaves it untouched.  Memory comes from the x allocators, and
 * every size is capped before it is allocated. */
#ifndef CHAINBOX_EIP712_H
#define CHAINBOX_EIP712_H

#include <jansson.h>
#include <stdint.h>

#include "compat.h"

/* Struct and array levels a value may nest: Seaport's bulk orders, the
 * deepest in common use, need 28. */
#define EIP712_MAX_DEPTH 64
#define EIP712_MAX_TYPES 256		/* struct types in "types" */
#define EIP712_MAX_FIELDS 256		/* fields in one struct type */
#define EIP712_MAX_NAME 256		/* bytes in a type or field name */
#define EIP712_MAX_JSON (8u << 20)	/* typed data given as a JSON string */
/* The encodeType texts hashed for one call, each type's counted once. */
#define EIP712_MAX_ENCODED (4u << 20)

/* The three hashes of a typed-data signature. */
struct eip712_digest {
	uint8_t domain[32];	/* domainSeparator */
	uint8_t message[32];	/* hashStruct(message); zero when primaryType is EIP712Domain */
	uint8_t digest[32];	/* the hash that is signed */
};

/* Hashes typed data for signing.
 * Returns: 0, or -EINVAL, -ELOOP or -E2BIG with *cause set (see above).
 * Out: out, filled only on success.
 * In: typed_data, the object, or a JSON string holding it. */
int eip712_hash(struct eip712_digest *out, char **cause, const json_t *typed_data) WARN_UNUSED;

/* Returns: 0, or an error as above.
 * Out: *text, encodeType(type) as a NUL-terminated string (caller frees):
 * the type's definition, then those of the struct types it refers to,
 * directly or not, sorted by name.
 * In: types, the "types" object; type, one of its names. */
int eip712_encode_type(char **text, char **cause, const json_t *types,
    const char *type) WARN_UNUSED;

/* Returns: 0, or an error as above.
 * Out: out, hashStruct(data) = keccak256(typeHash(type) || encodeData(data)).
 * In: types, the "types" object; type, one of its names; data, its value. */
int eip712_hash_struct(uint8_t out[32], char **cause, const json_t *types, const char *type,
    const json_t *data) WARN_UNUSED;

#endif
