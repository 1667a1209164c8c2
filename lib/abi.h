/* The Solidity contract ABI: types, signatures, JSON ABIs, and the encoding
 * of calls, return data, logs and revert data.
 *
 * Types: uint8 to uint256 and int8 to int256 in steps of 8 (uint and int
 * mean 256 bits), address, bool, bytes1 to bytes32, bytes, string, T[],
 * T[k] (k from 1) and tuples (T1,...,Tn), nested.  fixed, ufixed and the
 * function type are refused.
 *
 * Text: a type is written as in Solidity ("(address,uint256)[]", "tuple(
 * address to, uint256 amount)[2]").  A signature is ethers' human-readable
 * ABI: an optional keyword (function, event, error, constructor, fallback,
 * receive; none means function), a name, the parameters, each a type, the
 * words indexed, calldata, memory or storage, and an optional name, then
 * modifiers (view, pure, payable, nonpayable, constant, external, public,
 * virtual, override, anonymous) and "returns (...)":
 *   "transfer(address,uint256)"
 *   "function balanceOf(address owner) view returns (uint256)"
 *   "event Transfer(address indexed from, address indexed to, uint256 value)"
 *   "error InsufficientBalance(uint256 available, uint256 required)"
 *   "constructor(string name, string symbol)"
 *
 * Values come from JSON as a test suite writes them: integers as JSON
 * integers, whole JSON numbers below 2^53, or decimal or 0x-hex strings
 * with a leading '-' for negative intN values, all range-checked for their
 * type; address as "0x" and 40 hex digits, checked against EIP-55 when the
 * case is mixed; bool as true or false; bytes and bytesN as "0x" and hex
 * digits (exactly N bytes for bytesN); string as a JSON string; arrays as
 * JSON arrays; tuples as JSON arrays, or as objects keyed by component name
 * when every component has a distinct name.  Values go back to JSON the
 * same way, with integers as decimal strings, addresses checksummed, bytes
 * as 0x hex, and tuples as objects when their components have distinct
 * names, else arrays.
 *
 * Everything read is untrusted: text, JSON ABIs, values, return data, logs.
 * Nesting is capped at ABI_MAX_DEPTH, the recursion follows the (bounded)
 * types and never the data, offsets and lengths are checked before use,
 * and a value tree is capped at ABI_MAX_VALUE_BYTES of memory however its
 * encoding reuses offsets, so decoding costs time and memory linear in its
 * input plus at most that cap.
 *
 * Errors: functions return 0 or a negative errno:
 *   -EINVAL  malformed input: a bad type or signature, a JSON ABI of the
 *            wrong shape, a value of the wrong kind or out of range, data
 *            that does not decode as its type, an unknown or ambiguous name
 *   -E2BIG   input past a limit below
 * and set *cause (caller frees) to a message that says where: "argument 2
 * (amount) of transfer(address,uint256): expected an unsigned integer
 * below 2^256, got \"-1\"".  cause may be NULL; success leaves it alone.
 * Memory comes from the x allocators.  Passing the wrong kind of entry
 * (an event to abi_encode_call, say) is a bug and aborts. */
#ifndef CHAINBOX_ABI_H
#define CHAINBOX_ABI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "u256.h"

#define ABI_MAX_DEPTH 32		/* arrays and tuples nested in one type */
#define ABI_MAX_FIELDS 256		/* components of one tuple, parameters of one entry */
#define ABI_MAX_NAME 256		/* bytes of a name */
#define ABI_MAX_TEXT (64u << 10)	/* bytes of a type or signature */
#define ABI_MAX_HEAD (1u << 20)		/* bytes of a tuple's or a T[k]'s head */
#define ABI_MAX_NODES (1u << 16)	/* types in one ABI */
#define ABI_MAX_ENTRIES 4096		/* entries in one ABI */
#define ABI_MAX_JSON (16u << 20)	/* an ABI given as JSON text */
#define ABI_MAX_VALUE_BYTES (32u << 20)	/* memory of one value tree */

enum abi_kind {
	ABI_UINT,
	ABI_INT,
	ABI_ADDRESS,
	ABI_BOOL,
	ABI_FIXED_BYTES,	/* bytesN */
	ABI_BYTES,
	ABI_STRING,
	ABI_ARRAY,		/* T[] */
	ABI_FIXED_ARRAY,	/* T[k] */
	ABI_TUPLE,
};

struct abi_param;

/* A type; read-only for callers. */
struct abi_type {
	enum abi_kind kind;
	unsigned size;			/* bits of uintN and intN, bytes of bytesN */
	size_t len;			/* ABI_FIXED_ARRAY: k */
	struct abi_type *elem;		/* ABI_ARRAY, ABI_FIXED_ARRAY */
	struct abi_param *fields;	/* ABI_TUPLE: the components */
	size_t nfields;
	bool dynamic;			/* encoded after the head, behind an offset */
	size_t head;			/* bytes it takes in its parent's head */
	unsigned depth;			/* levels of nesting, 1 for a scalar */
	bool named;			/* ABI_TUPLE: components with distinct, non-empty names */
};

/* A tuple component, or an entry's parameter. */
struct abi_param {
	char *name;			/* "" when unnamed */
	struct abi_type *type;
	bool indexed;			/* event parameters only */
};

enum abi_entry_kind {
	ABI_FUNCTION,
	ABI_CONSTRUCTOR,
	ABI_EVENT,
	ABI_ERROR,
	ABI_FALLBACK,
	ABI_RECEIVE,
};

enum abi_mutability { ABI_NONPAYABLE, ABI_PAYABLE, ABI_VIEW, ABI_PURE };

/* A function, event, error, constructor, fallback or receive; read-only
 * for callers. */
struct abi_entry {
	enum abi_entry_kind kind;
	char *name;			/* "" for constructor, fallback and receive */
	char *signature;		/* canonical: "transfer(address,uint256)" */
	struct abi_type *inputs;	/* a tuple of the parameters */
	struct abi_type *outputs;	/* a tuple of the return values; empty but for functions */
	enum abi_mutability mutability;
	bool anonymous;			/* events */
	/* keccak256(signature) for functions, events and errors: the
	 * selector is its first 4 bytes, an event's topic0 all 32. */
	uint8_t hash[32];
};

/* A contract's interface. */
struct abi {
	struct abi_entry **entries;
	size_t nentries;
};

/* A value of a type, as a tree; read-only for callers. */
struct abi_value {
	const struct abi_type *type;
	/* An indexed event argument of a type other than uintN, intN,
	 * address, bool or bytesN: the log holds only its topic, in word. */
	bool hashed;
	union {
		/* uintN, intN (two's complement), address, bool, bytesN: the
		 * 32-byte word they encode to; or a hashed value's topic. */
		uint8_t word[32];
		struct {
			uint8_t *data;	/* NUL-terminated for convenience */
			size_t len;
		} bytes;		/* bytes, string (bytes as given, maybe not UTF-8) */
		struct {
			struct abi_value *items;
			size_t n;
		} list;			/* arrays; tuples, one item per component */
	};
};

/* The decoded data of a revert. */
enum abi_revert_kind {
	ABI_REVERT_EMPTY,	/* no data: revert(), require(c) */
	ABI_REVERT_REASON,	/* Error(string) */
	ABI_REVERT_PANIC,	/* Panic(uint256) */
	ABI_REVERT_CUSTOM,	/* an error of the ABI */
	ABI_REVERT_UNKNOWN,	/* a selector the ABI has no error for */
};

struct abi_revert {
	enum abi_revert_kind kind;
	uint8_t selector[4];		/* all but EMPTY */
	char *reason;			/* REASON: NUL-terminated (the bytes as sent) */
	size_t reason_len;
	struct u256 panic_code;		/* PANIC */
	const char *panic_meaning;	/* PANIC: static text, NULL for an unknown code */
	const struct abi_entry *error;	/* CUSTOM: the ABI's entry */
	struct abi_value *args;		/* CUSTOM: its arguments, a tuple */
	size_t len;			/* bytes of revert data */
};

/* Parses a type such as "uint256" or "(address to,uint256[2])[]".
 * Returns: 0, -EINVAL or -E2BIG with *cause set.
 * Out: *type (caller frees with abi_type_free()), set only on success. */
int abi_type_parse(struct abi_type **type, char **cause, const char *text) WARN_UNUSED;
/* Frees type and everything below it; NULL does nothing. */
void abi_type_free(struct abi_type *type);
/* Returns: the canonical text of type, "(address,uint256)[]" (caller
 * frees). */
char *abi_type_format(const struct abi_type *type);

/* Parses a human-readable signature (see above).
 * Returns: 0, -EINVAL or -E2BIG with *cause set.
 * Out: *entry (caller frees with abi_entry_free()), set only on success. */
int abi_entry_parse(struct abi_entry **entry, char **cause, const char *text) WARN_UNUSED;
/* Frees entry; NULL does nothing. */
void abi_entry_free(struct abi_entry *entry);

/* Reads a contract's ABI: a JSON array whose elements are JSON ABI objects
 * ({"type", "name", "inputs", "outputs", "stateMutability", "anonymous"},
 * parameters with "components" for tuples, as solc, Hardhat and Foundry
 * write them) or human-readable signatures; or an object with such an
 * array as "abi" (an artifact); or a string holding either as JSON text
 * (old solc --combined-json).  Two entries of one kind with one signature,
 * or two constructors, are an error.
 * Returns: 0, -EINVAL or -E2BIG with *cause set.
 * Out: *abi (caller frees with abi_free()), set only on success. */
int abi_from_json(struct abi **abi, char **cause, const json_t *json) WARN_UNUSED;
/* Frees abi and its entries; NULL does nothing. */
void abi_free(struct abi *abi);

/* Finds a function, event or error by name when the name is not
 * overloaded, or by signature ("transfer(address,uint256)", written as
 * abi_entry_parse() reads it, keyword optional).
 * Returns: 0; -EINVAL with *cause set when nothing matches (with a "did
 * you mean"), when a name is overloaded (naming the candidates), or when
 * the signature is malformed.
 * Out: *entry, owned by abi.  In: kind, ABI_FUNCTION, ABI_EVENT or
 * ABI_ERROR. */
int abi_find(const struct abi_entry **entry, char **cause, const struct abi *abi,
    enum abi_entry_kind kind, const char *name) WARN_UNUSED;
/* Returns: abi's constructor, or a static "constructor()" entry when abi
 * has none (Solidity's default constructor is not in the ABI). */
const struct abi_entry *abi_constructor(const struct abi *abi);
/* Returns: the event a log with these topics was emitted as, or NULL: a
 * non-anonymous event whose topic0 is topics[0] and that has
 * ntopics - 1 indexed parameters, else the first with that topic0. */
const struct abi_entry *abi_find_event(const struct abi *abi, const uint8_t (*topics)[32],
    size_t ntopics);
/* Returns: the error whose selector is selector, or NULL. */
const struct abi_entry *abi_find_error(const struct abi *abi, const uint8_t selector[4]);

/* Makes a value of type from JSON (see above).
 * Returns: 0, -EINVAL or -E2BIG with *cause set.
 * Out: *value (caller frees with abi_value_free()), set only on success;
 * it points into type, which must outlive it. */
int abi_value_from_json(struct abi_value **value, char **cause, const struct abi_type *type,
    const json_t *json) WARN_UNUSED;
/* Returns: value as JSON (see above; a hashed value as the 0x hex of its
 * topic), a new reference. */
json_t *abi_value_to_json(const struct abi_value *value);
/* Returns: value as text for messages, "(0xf39F...2266, 5, \"hi\", [1, 2])"
 * (caller frees). */
char *abi_value_format(const struct abi_value *value);
/* Returns: whether a and b are the same value of the same type; a hashed
 * value equals a value whose topic it is. */
bool abi_value_eq(const struct abi_value *a, const struct abi_value *b);
/* Out: topic, the log topic an indexed argument with this value gets: its
 * word, or for other types the keccak256 of its in-place encoding. */
void abi_value_topic(uint8_t topic[32], const struct abi_value *value);
/* Frees value; NULL does nothing. */
void abi_value_free(struct abi_value *value);

/* Returns: the ABI encoding of value, enc(value) (caller frees).
 * Out: *len, its length.  In: value, not hashed. */
uint8_t *abi_encode(size_t *len, const struct abi_value *value);
/* Decodes data as type; bytes after the value are ignored.
 * Returns: 0, -EINVAL or -E2BIG with *cause set.
 * Out: *value (caller frees with abi_value_free()), set only on success;
 * it points into type, which must outlive it. */
int abi_decode(struct abi_value **value, char **cause, const struct abi_type *type,
    const uint8_t *data, size_t len) WARN_UNUSED;

/* Encodes a call: the selector and the arguments for a function or an
 * error, the arguments alone for a constructor (to append to the creation
 * code).
 * Returns: 0, -EINVAL or -E2BIG with *cause set.
 * Out: *data (caller frees) and *len, set only on success.
 * In: args, a JSON array of the arguments, or an object keyed by
 * parameter name, or NULL for none. */
int abi_encode_call(uint8_t **data, size_t *len, char **cause, const struct abi_entry *entry,
    const json_t *args) WARN_UNUSED;
/* Decodes a function's return data.
 * Returns: 0, -EINVAL or -E2BIG with *cause set.
 * Out: *values, a tuple of the return values (caller frees with
 * abi_value_free()), set only on success.  entry must outlive it. */
int abi_decode_output(struct abi_value **values, char **cause, const struct abi_entry *fn,
    const uint8_t *data, size_t len) WARN_UNUSED;
/* Decodes a log as event ev: the indexed arguments from the topics (of
 * other types than uintN, intN, address, bool and bytesN only the topic,
 * marked hashed), the others from data.
 * Returns: 0, -EINVAL (wrong topic count or topic0, data that does not
 * decode) or -E2BIG with *cause set.
 * Out: *args, a tuple of all the arguments in order (caller frees with
 * abi_value_free()), set only on success.  ev must outlive it. */
int abi_decode_log(struct abi_value **args, char **cause, const struct abi_entry *ev,
    const uint8_t (*topics)[32], size_t ntopics, const uint8_t *data, size_t len) WARN_UNUSED;

/* Decodes revert data: Error(string), Panic(uint256), an error of abi (may
 * be NULL) with its arguments, or an unknown selector.
 * Returns: 0; -EINVAL with *cause set when the data is 1 to 3 bytes, or
 * holds the selector of Error, Panic or one of abi's errors but does not
 * decode as its arguments; -E2BIG.
 * Out: *revert (release with abi_revert_release()), set only on success;
 * it points into abi, which must outlive it. */
int abi_decode_revert(struct abi_revert *revert, char **cause, const struct abi *abi,
    const uint8_t *data, size_t len) WARN_UNUSED;
/* Returns: revert as a sentence: "reverted with reason \"too low\"",
 * "panicked with code 0x11 (arithmetic overflow or underflow)",
 * "reverted with Low(1, 2)", "reverted with unknown error 0x12345678
 * (36 bytes)" (caller frees). */
char *abi_revert_format(const struct abi_revert *revert);
/* Frees what revert holds. */
void abi_revert_release(struct abi_revert *revert);

/* Returns: the meaning of Solidity panic code, static text, or NULL for a
 * code Solidity does not use. */
const char *abi_panic_meaning(const struct u256 *code);

#endif
