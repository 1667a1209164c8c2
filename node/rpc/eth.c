/* The Ethereum JSON-RPC methods of a dev node (see eth.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "chain/chain.h"
#include "hex.h"
#include "keccak.h"
#include "rlp.h"
#include "rpc/eth.h"
#include "secp.h"
#include "u256.h"
#include "xalloc.h"

#define GWEI 1000000000ULL
/* The code geth gives transactions the pool refuses, and anvil's -32602
 * for a block past the head. */
#define RPC_SERVER_ERROR -32000
/* The code geth and anvil give a revert, with the revert data. */
#define RPC_REVERTED 3
/* geth's cap on eth_feeHistory's block count. */
#define FEE_HISTORY_MAX_BLOCKS 1024
#define FEE_HISTORY_MAX_PERCENTILES 100
/* Each block anvil_mine makes is a real block with its own state root, so
 * one call may not ask for an unbounded number of them. */
#define MINE_MAX_BLOCKS 100000
/* Caps that keep a block's timestamp, a u64, from wrapping: one at the cap
 * and a call's most blocks at the widest interval stay below 2^64. */
#define MINE_MAX_TIMESTAMP INT64_MAX
#define MINE_MAX_INTERVAL UINT32_MAX
/* eth_getLogs refuses a query with more results, as hosted nodes do. */
#define LOGS_MAX_RESULTS 10000
#define LOGS_MAX_TOPICS 4
/* Filters nobody polls go after five minutes, as in geth, and there may
 * be only so many at once. */
#define FILTER_TIMEOUT 300
#define FILTERS_MAX 10000

/* A sender's next nonce past its transactions in the pool. */
struct pooled_nonce {
	uint8_t addr[20];
	uint64_t next;
};

struct filter;

struct eth {
	struct chain *chain;
	struct secp *secp;
	struct hdwallet_account *accts; /* keys wiped in eth_free() */
	size_t naccts;
	uint8_t instance_id[32]; /* anvil_metadata's: tells a restart apart */
	struct pooled_nonce *pooled;
	size_t npooled;
	struct filter *filters; /* eth_newFilter and kin */
	size_t nfilters;
	uint64_t filter_ids; /* the last id given */
};

static void filters_free(struct eth *e);
static void filters_rewind(struct eth *e);

struct eth *
eth_new(struct chain *c, const struct hdwallet_account *accts, size_t n, char **cause)
{
	struct eth *e = xcalloc(1, sizeof(*e));

	e->chain = c;
	e->secp = secp_new();
	if (e->secp == NULL) {
		xasprintf(cause, "cannot create a signing context: %s", strerror(errno));
		eth_free(e);
		e = NULL;
		goto out;
	}
	if (n > 0) {
		e->accts = xreallocarray(NULL, n, sizeof(*e->accts));
		memcpy(e->accts, accts, n * sizeof(*accts));
	}
	e->naccts = n;
	/* The id only has to differ between runs; the clock will do when the
	 * kernel has no randomness to give. */
	if (getrandom(e->instance_id, sizeof e->instance_id, GRND_NONBLOCK) !=
	    (ssize_t)sizeof e->instance_id) {
		uint64_t seed[2] = { (uint64_t)time(NULL), (uint64_t)getpid() };

		keccak256(e->instance_id, seed, sizeof seed);
	}
out:
	return e;
}

void
eth_free(struct eth *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->naccts; i++)
		hdwallet_account_release(&e->accts[i]);
	free(e->accts);
	secp_free(e->secp);
	free(e->pooled);
	filters_free(e);
	free(e);
}

/* --- results ------------------------------------------------------------- */

/* QUANTITY: 0x-hex without leading zeros. */
static json_t *
jq_u64(uint64_t v)
{
	char buf[2 + 16 + 1];

	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	return json_string(buf);
}

static json_t *
jq_u256(const struct u256 *v)
{
	char buf[U256_HEX_MAX];

	u256_to_hex(buf, v);
	return json_string(buf);
}

/* DATA: 0x and two lowercase digits a byte. */
static json_t *
jdata(const uint8_t *p, size_t len)
{
	char *s = xmalloc(2 * len + 3);
	json_t *j;

	s[0] = '0';
	s[1] = 'x';
	hex_encode(s + 2, p, len);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
jaddr(const uint8_t addr[20])
{
	return jdata(addr, 20);
}

static json_t *
jhash(const uint8_t hash[32])
{
	return jdata(hash, 32);
}

/* A JSON number where it fits one, as anvil writes its u64 and u128
 * fields; hex beyond that. */
static json_t *
jnum_u256(const struct u256 *v)
{
	if (u256_fits_u64(v) && v->w[0] <= INT64_MAX)
		return json_integer((json_int_t)v->w[0]);
	return jq_u256(v);
}

/* Hands v over as the result.  Returns: 0, or -1 when jansson ran out of
 * memory (the dispatcher then answers an internal error). */
static int
ok(json_t **result, json_t *v)
{
	*result = v;
	return v != NULL ? 0 : -1;
}

/* --- params -------------------------------------------------------------- */

static const char *
json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a fractional number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "an unknown JSON value";
}

/* Out: buf, v as a message shows what it got: short strings quoted. */
static void
describe(char buf[96], const json_t *v)
{
	if (v == NULL)
		snprintf(buf, 96, "nothing");
	else if (json_is_string(v) && json_string_length(v) <= 70)
		snprintf(buf, 96, "\"%s\"", json_string_value(v));
	else if (json_is_string(v))
		snprintf(buf, 96, "a string of %zu characters", json_string_length(v));
	else if (json_is_integer(v))
		snprintf(buf, 96, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(buf, 96, "%s", json_type_name(v));
}

/* Reports a bad param, named by its position (from 0, as geth counts) and
 * its name.  Returns: -1. */
static int PRINTFLIKE(4, 5)
bad_param(struct rpc_error *err, size_t idx, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	rpc_error_set(err, RPC_INVALID_PARAMS, "invalid argument %zu (%s): %s", idx, name, msg);
	free(msg);
	return -1;
}

/* Returns: -1, after reporting that param idx is not what. */
static int
expected(struct rpc_error *err, size_t idx, const char *name, const char *what, const json_t *got)
{
	char desc[96];

	describe(desc, got);
	return bad_param(err, idx, name, "expected %s, got %s", what, desc);
}

/* Checks that params is an array of min to max values.  Returns: 0 or -1. */
static int
check_params(struct rpc_error *err, const json_t *params, const char *method, size_t min,
	     size_t max)
{
	size_t n;

	if (!json_is_array(params))
		return rpc_error_set(err, RPC_INVALID_PARAMS,
				     "%s takes its params as an array, not an object", method);
	n = json_array_size(params);
	if (n >= min && n <= max)
		return 0;
	if (max == 0)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "%s takes no params, got %zu", method,
				     n);
	if (min == max)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "%s expects %zu param%s, got %zu",
				     method, min, min == 1 ? "" : "s", n);
	return rpc_error_set(err, RPC_INVALID_PARAMS, "%s expects %zu to %zu params, got %zu",
			     method, min, max, n);
}

/* Returns: param i, or NULL when it is absent or null (an optional param
 * left out). */
static const json_t *
opt_param(const json_t *params, size_t i)
{
	const json_t *v = json_array_get(params, i);

	return json_is_null(v) ? NULL : v;
}

/* Parses a QUANTITY: 0x-hex (leading zeros allowed, as anvil allows them),
 * decimal text, or a JSON integer.  Returns: 0 or -1. */
static int
parse_u256(struct rpc_error *err, struct u256 *out, const json_t *v, size_t idx,
	   const char *name)
{
	int rc;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = u256_from_u64((uint64_t)json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v))
		return expected(err, idx, name, "a quantity like \"0x1a\"", v);
	rc = u256_parse(out, json_string_value(v), json_string_length(v));
	if (rc == -ERANGE)
		return bad_param(err, idx, name, "number too large: it must fit in 256 bits");
	if (rc != 0)
		return expected(err, idx, name, "a quantity like \"0x1a\"", v);
	return 0;
}

static int
parse_u64(struct rpc_error *err, uint64_t *out, const json_t *v, size_t idx, const char *name)
{
	struct u256 u;

	if (parse_u256(err, &u, v, idx, name) != 0)
		return -1;
	if (!u256_fits_u64(&u))
		return bad_param(err, idx, name, "number too large: it must fit in 64 bits");
	*out = u.w[0];
	return 0;
}

/* Parses DATA of exactly len bytes.  Returns: 0 or -1. */
static int
parse_fixed(struct rpc_error *err, uint8_t *out, size_t len, const json_t *v, size_t idx,
	    const char *name, const char *what)
{
	const char *s = json_string_value(v);
	size_t n = len;

	if (s == NULL || json_string_length(v) != 2 + 2 * len || s[0] != '0' ||
	    (s[1] != 'x' && s[1] != 'X') || hex_decode(out, &n, s, 2 + 2 * len) != 0 || n != len)
		return expected(err, idx, name, what, v);
	return 0;
}

static int
parse_address(struct rpc_error *err, uint8_t addr[20], const json_t *v, size_t idx,
	      const char *name)
{
	return parse_fixed(err, addr, 20, v, idx, name, "an address: 0x and 40 hex digits");
}

static int
parse_hash(struct rpc_error *err, uint8_t hash[32], const json_t *v, size_t idx,
	   const char *name)
{
	return parse_fixed(err, hash, 32, v, idx, name, "a 32-byte hash: 0x and 64 hex digits");
}

/* Parses DATA of any length.  The request body is capped, so its size is
 * too.  Returns: 0 or -1.  Out: *out (caller frees; never NULL), *len. */
static int
parse_bytes(struct rpc_error *err, uint8_t **out, size_t *len, const json_t *v, size_t idx,
	    const char *name)
{
	const char *s = json_string_value(v);
	size_t slen = json_string_length(v);
	uint8_t *buf;

	if (s == NULL || slen < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return expected(err, idx, name, "hex data starting with 0x", v);
	if (slen % 2 != 0)
		return bad_param(err, idx, name, "hex data has an odd number of digits");
	*len = (slen - 2) / 2;
	buf = xmalloc(*len + 1);
	if (hex_decode(buf, len, s, slen) != 0) {
		free(buf);
		return bad_param(err, idx, name, "hex data has a character that is not a hex digit");
	}
	*out = buf;
	return 0;
}

static int
parse_bool(struct rpc_error *err, bool *out, const json_t *v, size_t idx, const char *name)
{
	if (!json_is_boolean(v))
		return expected(err, idx, name, "true or false", v);
	*out = json_is_true(v);
	return 0;
}

static bool
is_tag(const json_t *v, const char *tag)
{
	return json_is_string(v) && strcmp(json_string_value(v), tag) == 0;
}

/* Resolves a block param: a tag, a number, or EIP-1898's {"blockNumber"}
 * or {"blockHash"}.  The chain is a single dev node, so safe, finalized
 * and pending all name the head.
 * Returns: 0 with *n set (it may lie past the head), or -1. */
static int
parse_block(const struct eth *e, struct rpc_error *err, uint64_t *n, const json_t *v, size_t idx)
{
	static const char what[] =
		"a block number or one of latest, pending, earliest, safe, finalized";
	uint64_t head = chain_head(e->chain)->header.number;

	if (is_tag(v, "latest") || is_tag(v, "pending") || is_tag(v, "safe") ||
	    is_tag(v, "finalized")) {
		*n = head;
		return 0;
	}
	if (is_tag(v, "earliest")) {
		*n = 0;
		return 0;
	}
	if (json_is_object(v)) {
		const json_t *num = json_object_get(v, "blockNumber");
		const json_t *hash = json_object_get(v, "blockHash");
		const struct chain_block *b;
		uint8_t h[32];

		if (num != NULL && hash == NULL && !json_is_object(num))
			return parse_block(e, err, n, num, idx);
		if (hash == NULL || num != NULL)
			return expected(err, idx, "block",
					"{\"blockNumber\": N} or {\"blockHash\": H}", v);
		if (parse_hash(err, h, hash, idx, "blockHash") != 0)
			return -1;
		b = chain_block_by_hash(e->chain, h);
		if (b == NULL)
			return rpc_error_set(err, RPC_SERVER_ERROR, "header for hash not found");
		*n = b->header.number;
		return 0;
	}
	/* A word that is not a number is a tag misspelt. */
	if (json_is_string(v) && !(json_string_value(v)[0] >= '0' && json_string_value(v)[0] <= '9'))
		return expected(err, idx, "block", what, v);
	if (!json_is_string(v) && !json_is_integer(v))
		return expected(err, idx, "block", what, v);
	return parse_u64(err, n, v, idx, "block");
}

/* Resolves the optional block param at idx (absent: the head) to its
 * number and the state after it.  The chain keeps the last 128 blocks'
 * states; an older one is an error, never the head's state in its place.
 * Returns: 0 or -1.  Out: *n, *st. */
static int
block_state(const struct eth *e, struct rpc_error *err, uint64_t *n, const struct state **st,
	    const json_t *params, size_t idx)
{
	const json_t *v = opt_param(params, idx);
	uint64_t head = chain_head(e->chain)->header.number;

	*n = head;
	if (v != NULL && parse_block(e, err, n, v, idx) != 0)
		return -1;
	if (*n > head)
		return rpc_error_set(err, RPC_INVALID_PARAMS,
				     "BlockOutOfRangeError: block height is %" PRIu64
				     " but requested was %" PRIu64, head, *n);
	*st = chain_state_at(e->chain, *n);
	if (*st == NULL)
		return rpc_error_set(err, RPC_SERVER_ERROR,
				     "historical state not available: only the last %d blocks are kept",
				     CHAIN_KEEP_STATES);
	return 0;
}

/* --- transaction requests ------------------------------------------------- */

/* A transaction object as eth_call, eth_estimateGas and eth_sendTransaction
 * take it; what is absent stays unset. */
struct txreq {
	bool has_from, has_to, has_gas, has_gas_price, has_max_fee, has_prio, has_nonce;
	bool has_chain_id, has_type, has_access;
	uint8_t from[20], to[20];
	uint64_t gas, nonce, type;
	struct u256 gas_price, max_fee, prio, value, chain_id;
	uint8_t *data;
	size_t data_len;
	struct tx_access *access;
	size_t naccess;
};

/* Frees what q owns and clears it. */
static void
txreq_release(struct txreq *q)
{
	free(q->data);
	for (size_t i = 0; i < q->naccess; i++)
		free(q->access[i].keys);
	free(q->access);
	memset(q, 0, sizeof(*q));
}

/* Returns: field key of object v, or NULL when it is absent or null. */
static const json_t *
opt_field(const json_t *v, const char *key)
{
	const json_t *f = json_object_get(v, key);

	return json_is_null(f) ? NULL : f;
}

/* Parses an EIP-2930 access list: [{address, storageKeys: [hash...]}]. */
static int
parse_access_list(struct rpc_error *err, struct txreq *q, const json_t *v, size_t idx)
{
	size_t n = json_array_size(v);

	if (!json_is_array(v))
		return expected(err, idx, "accessList", "an array", v);
	q->access = xcalloc(n + 1, sizeof(*q->access));
	for (size_t i = 0; i < n; i++) {
		const json_t *item = json_array_get(v, i);
		const json_t *keys = json_object_get(item, "storageKeys");
		struct tx_access *a = &q->access[i];

		q->naccess = i + 1;
		if (!json_is_object(item))
			return expected(err, idx, "accessList", "entries like {\"address\", "
					"\"storageKeys\"}", item);
		if (parse_address(err, a->address, json_object_get(item, "address"), idx,
				  "accessList.address") != 0)
			return -1;
		if (keys != NULL && !json_is_null(keys) && !json_is_array(keys))
			return expected(err, idx, "accessList.storageKeys", "an array", keys);
		a->keys = xreallocarray(NULL, json_array_size(keys) + 1, sizeof(*a->keys));
		for (size_t k = 0; k < json_array_size(keys); k++) {
			if (parse_hash(err, a->keys[k], json_array_get(keys, k), idx,
				       "accessList.storageKeys") != 0)
				return -1;
			a->nkeys = k + 1;
		}
	}
	q->has_access = true;
	return 0;
}

/* Parses the transaction object at param idx.  Both "data" and "input" are
 * read, since cast sends both; they must then agree.
 * Returns: 0 or -1.  Out: q, released with txreq_release() either way. */
static int
parse_txreq(struct rpc_error *err, struct txreq *q, const json_t *v, size_t idx)
{
	const json_t *f, *input = opt_field(v, "input"), *data = opt_field(v, "data");

	memset(q, 0, sizeof(*q));
	if (!json_is_object(v))
		return expected(err, idx, "transaction", "a transaction object", v);
	if ((f = opt_field(v, "from")) != NULL) {
		if (parse_address(err, q->from, f, idx, "from") != 0)
			return -1;
		q->has_from = true;
	}
	if ((f = opt_field(v, "to")) != NULL) {
		if (parse_address(err, q->to, f, idx, "to") != 0)
			return -1;
		q->has_to = true;
	}
	if ((f = opt_field(v, "gas")) != NULL) {
		if (parse_u64(err, &q->gas, f, idx, "gas") != 0)
			return -1;
		q->has_gas = true;
	}
	if ((f = opt_field(v, "gasPrice")) != NULL) {
		if (parse_u256(err, &q->gas_price, f, idx, "gasPrice") != 0)
			return -1;
		q->has_gas_price = true;
	}
	if ((f = opt_field(v, "maxFeePerGas")) != NULL) {
		if (parse_u256(err, &q->max_fee, f, idx, "maxFeePerGas") != 0)
			return -1;
		q->has_max_fee = true;
	}
	if ((f = opt_field(v, "maxPriorityFeePerGas")) != NULL) {
		if (parse_u256(err, &q->prio, f, idx, "maxPriorityFeePerGas") != 0)
			return -1;
		q->has_prio = true;
	}
	if ((f = opt_field(v, "value")) != NULL && parse_u256(err, &q->value, f, idx, "value") != 0)
		return -1;
	if ((f = opt_field(v, "nonce")) != NULL) {
		if (parse_u64(err, &q->nonce, f, idx, "nonce") != 0)
			return -1;
		q->has_nonce = true;
	}
	if ((f = opt_field(v, "chainId")) != NULL) {
		if (parse_u256(err, &q->chain_id, f, idx, "chainId") != 0)
			return -1;
		q->has_chain_id = true;
	}
	if ((f = opt_field(v, "type")) != NULL) {
		if (parse_u64(err, &q->type, f, idx, "type") != 0)
			return -1;
		q->has_type = true;
	}
	if (input != NULL && data != NULL && !json_equal(input, data))
		return bad_param(err, idx, "transaction",
				 "both \"data\" and \"input\" are set and not equal; "
				 "use \"input\" to pass transaction call data");
	if ((input != NULL || data != NULL) &&
	    parse_bytes(err, &q->data, &q->data_len, input != NULL ? input : data, idx,
			input != NULL ? "input" : "data") != 0)
		return -1;
	if ((f = opt_field(v, "accessList")) != NULL && parse_access_list(err, q, f, idx) != 0)
		return -1;
	return 0;
}

/* Out: call, what q asks to run, reading q's data in place. */
static void
txreq_call(struct chain_call *call, const struct txreq *q)
{
	memset(call, 0, sizeof(*call));
	if (q->has_from)
		memcpy(call->from, q->from, 20);
	call->is_create = !q->has_to;
	if (q->has_to)
		memcpy(call->to, q->to, 20);
	call->value = q->value;
	call->data = q->data;
	call->data_len = q->data_len;
	call->gas = q->has_gas ? q->gas : 0;
}

/* --- errors from running code -------------------------------------------- */

/* Returns: whether out starts with the 4-byte ABI selector sel. */
static bool
is_selector(const uint8_t *out, size_t len, uint32_t sel)
{
	return len >= 4 && u256_load_be64(out) >> 32 == sel;
}

/* Returns: the word at out + off as a size, or SIZE_MAX when it lies past
 * len or is too large to be one. */
static size_t
abi_word(const uint8_t *out, size_t len, size_t off)
{
	struct u256 w;

	if (off > len || len - off < 32)
		return SIZE_MAX;
	u256_from_be32(&w, out + off);
	return u256_fits_u64(&w) && w.w[0] < len ? (size_t)w.w[0] : SIZE_MAX;
}

static const char *
panic_name(uint64_t code)
{
	switch (code) {
	case 0x00: return "generic/unspecified error";
	case 0x01: return "assertion failed";
	case 0x11: return "arithmetic underflow or overflow";
	case 0x12: return "division or modulo by zero";
	case 0x21: return "failed to convert value into enum type";
	case 0x22: return "storage byte array that is incorrectly encoded";
	case 0x31: return "out-of-bounds access of an array or bytesN";
	case 0x32: return "array out-of-bounds access";
	case 0x41: return "out of memory";
	case 0x51: return "uninitialized function";
	}
	return "unknown panic code";
}

/* Returns: why the revert data says the call reverted (caller frees), or
 * NULL when it says nothing readable.  Error(string) gives its text, as
 * geth does; Panic(uint256) and custom errors are named as anvil names
 * them. */
static char *
revert_reason(const uint8_t *out, size_t len)
{
	char *reason = NULL;

	if (is_selector(out, len, 0x08c379a0)) {
		/* Error(string): an offset from the arguments, then a length
		 * and the text, all of it checked against len. */
		size_t off = abi_word(out + 4, len - 4, 0), n;
		json_t *valid;

		if (off == SIZE_MAX || (n = abi_word(out + 4, len - 4, off)) == SIZE_MAX ||
		    n > len - 4 - off - 32)
			return NULL;
		/* The text comes from the contract: keep it only when it is
		 * UTF-8 that a JSON string can carry, and up to a NUL. */
		valid = json_stringn((const char *)out + 4 + off + 32, n);
		if (valid != NULL)
			reason = xstrndup((const char *)out + 4 + off + 32, n);
		json_decref(valid);
	} else if (is_selector(out, len, 0x4e487b71) && len == 36) {
		struct u256 code;

		u256_from_be32(&code, out + 4);
		if (u256_fits_u64(&code))
			xasprintf(&reason, "panic: %s (0x%" PRIx64 ")", panic_name(code.w[0]),
				  code.w[0]);
	} else if (len >= 4) {
		xasprintf(&reason, "custom error 0x%08" PRIx32, (uint32_t)(u256_load_be64(out) >> 32));
	}
	return reason;
}

/* Reports code that did not succeed: a revert with code 3, its reason and
 * its data; an exceptional halt with -32000 and the halt's name.
 * Returns: -1. */
static int
run_failure(struct rpc_error *err, const struct exec_receipt *r, uint64_t gas_cap)
{
	char *reason;

	if (r->status != EVM_REVERT) {
		if (r->status == EVM_OUT_OF_GAS && gas_cap > 0)
			return rpc_error_set(err, RPC_SERVER_ERROR,
					     "gas required exceeds allowance (%" PRIu64 ")", gas_cap);
		return rpc_error_set(err, RPC_SERVER_ERROR, "%s", evm_status_name(r->status));
	}
	reason = revert_reason(r->output, r->output_len);
	if (reason != NULL)
		rpc_error_set(err, RPC_REVERTED, "execution reverted: %s", reason);
	else
		rpc_error_set(err, RPC_REVERTED, "execution reverted");
	free(reason);
	err->data = jdata(r->output, r->output_len);
	return -1;
}

/* --- blocks, transactions, receipts and logs as JSON --------------------- */

static void
set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

/* Returns: 0 or -ENOMEM.  Out: *size, the length of rlp(block): the
 * header, the transactions (typed ones as strings, EIP-2718), no ommers and
 * no withdrawals. */
static int
block_size(uint64_t *size, const struct chain_block *b)
{
	uint8_t *hdr = NULL;
	size_t hlen, txs = 0, body;
	int rc;

	rc = block_header_encode(&hdr, &hlen, &b->header);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < b->ntxs; i++) {
		const struct chain_tx *t = b->txs[i];

		txs += t->raw_len;
		if (t->tx.type != TX_LEGACY)
			txs += rlp_header_len(t->raw_len);
	}
	body = hlen + rlp_header_len(txs) + txs + 1 + (b->header.has_withdrawals_root ? 1 : 0);
	*size = rlp_header_len(body) + body;
out:
	free(hdr);
	return rc;
}

static json_t *
access_list_json(const struct tx *tx)
{
	json_t *list = json_array();

	for (size_t i = 0; i < tx->naccess; i++) {
		const struct tx_access *a = &tx->access_list[i];
		json_t *keys = json_array();

		for (size_t k = 0; k < a->nkeys; k++)
			json_array_append_new(keys, jhash(a->keys[k]));
		json_array_append_new(list, json_pack("{s:o, s:o}", "address", jaddr(a->address),
						      "storageKeys", keys));
	}
	return list;
}

/* Returns: a transaction as geth shows it.  In: b, its block, or NULL for a
 * transaction not mined yet. */
static json_t *
tx_json(const struct chain_tx *t, const struct chain_block *b)
{
	const struct tx *tx = &t->tx;
	json_t *o = json_object();

	set(o, "hash", jhash(tx->hash));
	set(o, "type", jq_u64(tx->type));
	set(o, "nonce", jq_u64(tx->nonce));
	set(o, "blockHash", b != NULL ? jhash(b->hash) : json_null());
	set(o, "blockNumber", b != NULL ? jq_u64(b->header.number) : json_null());
	set(o, "transactionIndex", b != NULL ? jq_u64(t->index) : json_null());
	set(o, "from", jaddr(t->sender));
	set(o, "to", tx->is_create ? json_null() : jaddr(tx->to));
	set(o, "value", jq_u256(&tx->value));
	set(o, "gas", jq_u64(tx->gas_limit));
	set(o, "input", jdata(tx->data, tx->data_len));
	if (tx_has_dynamic_fee(tx)) {
		set(o, "maxFeePerGas", jq_u256(&tx->max_fee));
		set(o, "maxPriorityFeePerGas", jq_u256(&tx->max_priority_fee));
		set(o, "gasPrice", jq_u256(b != NULL ? &t->effective_gas_price : &tx->max_fee));
	} else {
		set(o, "gasPrice", jq_u256(&tx->gas_price));
	}
	if (tx->type != TX_LEGACY || !u256_is_zero(&tx->chain_id))
		set(o, "chainId", jq_u256(&tx->chain_id));
	if (tx->type != TX_LEGACY) {
		set(o, "accessList", access_list_json(tx));
		set(o, "yParity", jq_u256(&tx->v));
	}
	if (tx->type == TX_BLOB) {
		json_t *hashes = json_array();

		for (size_t i = 0; i < tx->nblob_hashes; i++)
			json_array_append_new(hashes, jhash(tx->blob_hashes[i]));
		set(o, "maxFeePerBlobGas", jq_u256(&tx->max_fee_per_blob_gas));
		set(o, "blobVersionedHashes", hashes);
	}
	set(o, "v", jq_u256(&tx->v));
	set(o, "r", jq_u256(&tx->r));
	set(o, "s", jq_u256(&tx->s));
	return o;
}

/* Returns: log i of t, in block b, as geth shows it. */
static json_t *
log_json(const struct chain_tx *t, const struct chain_block *b, size_t i)
{
	const struct exec_log *l = &t->receipt.logs[i];
	json_t *topics = json_array(), *o = json_object();

	for (size_t k = 0; k < l->ntopics; k++)
		json_array_append_new(topics, jhash(l->topics[k]));
	set(o, "address", jaddr(l->address));
	set(o, "topics", topics);
	set(o, "data", jdata(l->data, l->len));
	set(o, "blockHash", jhash(b->hash));
	set(o, "blockNumber", jq_u64(b->header.number));
	set(o, "blockTimestamp", jq_u64(b->header.timestamp));
	set(o, "transactionHash", jhash(t->tx.hash));
	set(o, "transactionIndex", jq_u64(t->index));
	set(o, "logIndex", jq_u64(t->first_log_index + i));
	set(o, "removed", json_false());
	return o;
}

/* Returns: t's receipt as geth shows it.  In: b, t's block. */
static json_t *
receipt_json(const struct chain_tx *t, const struct chain_block *b)
{
	const struct tx *tx = &t->tx;
	json_t *o = json_object(), *logs = json_array();

	for (size_t i = 0; i < t->receipt.nlogs; i++)
		json_array_append_new(logs, log_json(t, b, i));
	set(o, "type", jq_u64(tx->type));
	set(o, "status", jq_u64(t->receipt.status == EVM_SUCCESS ? 1 : 0));
	set(o, "cumulativeGasUsed", jq_u64(t->cumulative_gas));
	set(o, "logs", logs);
	set(o, "logsBloom", jdata(t->bloom, BLOCK_BLOOM_LEN));
	set(o, "transactionHash", jhash(tx->hash));
	set(o, "transactionIndex", jq_u64(t->index));
	set(o, "blockHash", jhash(b->hash));
	set(o, "blockNumber", jq_u64(b->header.number));
	set(o, "gasUsed", jq_u64(t->receipt.gas_used));
	set(o, "effectiveGasPrice", jq_u256(&t->effective_gas_price));
	set(o, "from", jaddr(t->sender));
	set(o, "to", tx->is_create ? json_null() : jaddr(tx->to));
	if (tx->is_create) {
		/* geth names the address a creation was to have even when it
		 * failed: the sender's CREATE address at the nonce. */
		uint8_t addr[20];

		exec_create_address(addr, t->sender, tx->nonce);
		set(o, "contractAddress", jaddr(addr));
	} else {
		set(o, "contractAddress", json_null());
	}
	if (tx->type == TX_BLOB) {
		struct u256 price = tx_blob_base_fee(b->header.excess_blob_gas);

		set(o, "blobGasUsed", jq_u64(t->receipt.blob_gas_used));
		set(o, "blobGasPrice", jq_u256(&price));
	}
	return o;
}

/* Returns: a block as geth shows it, with its transactions as objects when
 * full, else as hashes; NULL when out of memory. */
static json_t *
block_json(const struct chain_block *b, bool full)
{
	const struct block_header *h = &b->header;
	json_t *o, *txs;
	uint64_t size;

	if (block_size(&size, b) != 0)
		return NULL;
	o = json_object();
	txs = json_array();
	set(o, "hash", jhash(b->hash));
	set(o, "parentHash", jhash(h->parent_hash));
	set(o, "sha3Uncles", jhash(h->ommers_hash));
	set(o, "miner", jaddr(h->coinbase));
	set(o, "stateRoot", jhash(h->state_root));
	set(o, "transactionsRoot", jhash(h->tx_root));
	set(o, "receiptsRoot", jhash(h->receipts_root));
	set(o, "logsBloom", jdata(h->bloom, BLOCK_BLOOM_LEN));
	set(o, "difficulty", jq_u256(&h->difficulty));
	set(o, "number", jq_u64(h->number));
	set(o, "gasLimit", jq_u64(h->gas_limit));
	set(o, "gasUsed", jq_u64(h->gas_used));
	set(o, "timestamp", jq_u64(h->timestamp));
	set(o, "extraData", jdata(h->extra, h->extra_len));
	set(o, "mixHash", jhash(h->mix_hash));
	set(o, "nonce", jdata(h->nonce, sizeof h->nonce));
	if (h->has_base_fee)
		set(o, "baseFeePerGas", jq_u256(&h->base_fee));
	if (h->has_withdrawals_root)
		set(o, "withdrawalsRoot", jhash(h->withdrawals_root));
	if (h->has_blob_gas) {
		set(o, "blobGasUsed", jq_u64(h->blob_gas_used));
		set(o, "excessBlobGas", jq_u64(h->excess_blob_gas));
	}
	if (h->has_beacon_root)
		set(o, "parentBeaconBlockRoot", jhash(h->beacon_root));
	set(o, "size", jq_u64(size));
	for (size_t i = 0; i < b->ntxs; i++)
		json_array_append_new(txs, full ? tx_json(b->txs[i], b) : jhash(b->txs[i]->tx.hash));
	set(o, "transactions", txs);
	set(o, "uncles", json_array());
	if (h->has_withdrawals_root)
		set(o, "withdrawals", json_array());
	return o;
}

/* --- the pool's nonces ---------------------------------------------------- */

/* The chain tells how many transactions wait in its pool but not whose, so
 * the node remembers the nonces it put there, to fill in the next one when
 * automine is off.  It forgets them once the pool is empty. */
static void
pooled_forget_mined(struct eth *e)
{
	if (e->npooled > 0 && chain_pending(e->chain) == 0)
		e->npooled = 0;
}

/* Notes that addr's transaction with nonce went into the pool. */
static void
pooled_note(struct eth *e, const uint8_t addr[20], uint64_t nonce)
{
	pooled_forget_mined(e);
	if (chain_pending(e->chain) == 0 || nonce == UINT64_MAX)
		return;
	for (size_t i = 0; i < e->npooled; i++) {
		if (memcmp(e->pooled[i].addr, addr, 20) == 0) {
			if (nonce + 1 > e->pooled[i].next)
				e->pooled[i].next = nonce + 1;
			return;
		}
	}
	e->pooled = xreallocarray(e->pooled, e->npooled + 1, sizeof(*e->pooled));
	memcpy(e->pooled[e->npooled].addr, addr, 20);
	e->pooled[e->npooled].next = nonce + 1;
	e->npooled++;
}

/* Returns: addr's next nonce counting its transactions in the pool. */
static uint64_t
pending_nonce(struct eth *e, const uint8_t addr[20])
{
	uint64_t n = state_nonce(chain_state(e->chain), addr);

	pooled_forget_mined(e);
	for (size_t i = 0; i < e->npooled; i++) {
		if (memcmp(e->pooled[i].addr, addr, 20) == 0 && e->pooled[i].next > n)
			n = e->pooled[i].next;
	}
	return n;
}

/* Hands a signed transaction to the chain.  Returns: 0 or -1.
 * Out: hash. */
static int
submit(struct eth *e, struct rpc_error *err, uint8_t hash[32], const uint8_t *raw, size_t len,
       const uint8_t sender[20], uint64_t nonce)
{
	const char *why = NULL;
	int rc = chain_send_raw(e->chain, hash, &why, raw, len);

	if (rc == -EINVAL)
		return rpc_error_set(err, RPC_SERVER_ERROR, "%s",
				     why != NULL ? why : "transaction rejected");
	if (rc != 0) {
		if (why == NULL)
			why = chain_store_error(e->chain);
		return rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot take the transaction: %s",
				     why != NULL ? why : strerror(-rc));
	}
	if (!chain_automine(e->chain))
		pooled_note(e, sender, nonce);
	return 0;
}

/* --- methods: the node and the chain ------------------------------------- */

static int
rpc_web3_client_version(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "web3_clientVersion", 0, 0) != 0)
		return -1;
	return ok(result, json_string(ETH_CLIENT_VERSION));
}

static int
rpc_web3_sha3(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	uint8_t *data = NULL, hash[32];
	size_t len;
	int rc = -1;

	if (check_params(err, params, "web3_sha3", 1, 1) != 0 ||
	    parse_bytes(err, &data, &len, json_array_get(params, 0), 0, "data") != 0)
		goto out;
	keccak256(hash, data, len);
	rc = ok(result, jhash(hash));
out:
	free(data);
	return rc;
}

static int
rpc_net_version(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	char buf[24];

	if (check_params(err, params, "net_version", 0, 0) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%" PRIu64, chain_id(e->chain));
	return ok(result, json_string(buf));
}

static int
rpc_net_listening(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "net_listening", 0, 0) != 0)
		return -1;
	return ok(result, json_true());
}

static int
rpc_eth_chain_id(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "eth_chainId", 0, 0) != 0)
		return -1;
	return ok(result, jq_u64(chain_id(e->chain)));
}

static int
rpc_eth_block_number(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "eth_blockNumber", 0, 0) != 0)
		return -1;
	return ok(result, jq_u64(chain_head(e->chain)->header.number));
}

static int
rpc_eth_syncing(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "eth_syncing", 0, 0) != 0)
		return -1;
	return ok(result, json_false());
}

static int
rpc_eth_coinbase(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "eth_coinbase", 0, 0) != 0)
		return -1;
	return ok(result, jaddr(chain_head(e->chain)->header.coinbase));
}

static int
rpc_eth_accounts(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	json_t *list;

	if (check_params(err, params, "eth_accounts", 0, 0) != 0)
		return -1;
	list = json_array();
	for (size_t i = 0; i < e->naccts; i++)
		json_array_append_new(list, jaddr(e->accts[i].addr));
	return ok(result, list);
}

/* --- methods: state ------------------------------------------------------- */

static int
rpc_eth_get_balance(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20];
	struct u256 v;
	uint64_t n;

	if (check_params(err, params, "eth_getBalance", 1, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    block_state(e, err, &n, &st, params, 1) != 0)
		return -1;
	v = state_balance(st, addr);
	return ok(result, jq_u256(&v));
}

/* "pending" counts the transactions this node put in the pool (see
 * pending_nonce()); every other block names the head. */
static int
rpc_eth_get_transaction_count(void *ctx, const json_t *params, json_t **result,
			      struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20];
	uint64_t n;

	if (check_params(err, params, "eth_getTransactionCount", 1, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0)
		return -1;
	if (is_tag(json_array_get(params, 1), "pending"))
		return ok(result, jq_u64(pending_nonce(e, addr)));
	if (block_state(e, err, &n, &st, params, 1) != 0)
		return -1;
	return ok(result, jq_u64(state_nonce(st, addr)));
}

static int
rpc_eth_get_code(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20];
	const uint8_t *code;
	uint64_t n;
	size_t len;

	if (check_params(err, params, "eth_getCode", 1, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    block_state(e, err, &n, &st, params, 1) != 0)
		return -1;
	code = state_code(st, addr, &len);
	return ok(result, jdata(code, len));
}

/* eth_getStorageAt: the slot as a 32-byte word. */
static int
rpc_eth_get_storage_at(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct state *st;
	uint8_t addr[20], word[32];
	struct u256 slot, v;
	uint64_t n;

	if (check_params(err, params, "eth_getStorageAt", 2, 3) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u256(err, &slot, json_array_get(params, 1), 1, "slot") != 0 ||
	    block_state(e, err, &n, &st, params, 2) != 0)
		return -1;
	v = state_storage(st, addr, &slot);
	u256_to_be(word, &v);
	return ok(result, jhash(word));
}

/* --- methods: fees -------------------------------------------------------- */

/* eth_gasPrice: the next base fee and a 1 gwei tip, as anvil answers. */
static int
rpc_eth_gas_price(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct u256 price = chain_next_base_fee(e->chain), tip = u256_from_u64(GWEI);

	if (check_params(err, params, "eth_gasPrice", 0, 0) != 0)
		return -1;
	u256_add(&price, &price, &tip);
	return ok(result, jq_u256(&price));
}

static int
rpc_eth_max_priority_fee(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	if (check_params(err, params, "eth_maxPriorityFeePerGas", 0, 0) != 0)
		return -1;
	return ok(result, jq_u64(GWEI));
}

static int
rpc_eth_blob_base_fee(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct u256 fee;

	if (check_params(err, params, "eth_blobBaseFee", 0, 0) != 0)
		return -1;
	fee = tx_blob_base_fee(block_next_excess_blob_gas(&chain_head(e->chain)->header));
	return ok(result, jq_u256(&fee));
}

struct tip {
	struct u256 reward;
	uint64_t gas;
};

static int
tip_cmp(const void *a, const void *b)
{
	return u256_cmp(&((const struct tip *)a)->reward, &((const struct tip *)b)->reward);
}

/* Returns: the priority fees paid at each percentile of b's gas, as geth
 * computes them: transactions sorted by their tip, each weighing its gas. */
static json_t *
block_rewards(const struct chain_block *b, const double *pct, size_t npct)
{
	json_t *out = json_array();
	struct tip *tips = NULL;
	uint64_t sum;
	size_t i = 0;

	if (b->ntxs == 0 || b->header.gas_used == 0) {
		for (size_t k = 0; k < npct; k++)
			json_array_append_new(out, jq_u64(0));
		goto out;
	}
	tips = xreallocarray(NULL, b->ntxs, sizeof(*tips));
	for (size_t k = 0; k < b->ntxs; k++) {
		const struct chain_tx *t = b->txs[k];

		if (u256_sub(&tips[k].reward, &t->effective_gas_price, &b->header.base_fee))
			tips[k].reward = u256_from_u64(0);
		tips[k].gas = t->receipt.gas_used;
	}
	qsort(tips, b->ntxs, sizeof(*tips), tip_cmp);
	sum = tips[0].gas;
	for (size_t k = 0; k < npct; k++) {
		uint64_t threshold = (uint64_t)((double)b->header.gas_used * pct[k] / 100);

		while (sum < threshold && i < b->ntxs - 1)
			sum += tips[++i].gas;
		json_array_append_new(out, jq_u256(&tips[i].reward));
	}
out:
	free(tips);
	return out;
}

/* eth_feeHistory: [blockCount, newestBlock, rewardPercentiles?]. */
static int
rpc_eth_fee_history(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *head = chain_head(e->chain);
	const json_t *jpct;
	json_t *o = NULL, *base_fees, *ratios, *blob_fees, *blob_ratios, *rewards = NULL;
	double pct[FEE_HISTORY_MAX_PERCENTILES];
	size_t npct = 0;
	uint64_t count, newest;
	struct u256 next_fee, next_blob_fee;
	int rc = -1;

	if (check_params(err, params, "eth_feeHistory", 2, 3) != 0 ||
	    parse_u64(err, &count, json_array_get(params, 0), 0, "blockCount") != 0 ||
	    parse_block(e, err, &newest, json_array_get(params, 1), 1) != 0)
		goto out;
	if (newest > head->header.number) {
		rpc_error_set(err, RPC_INVALID_PARAMS,
			      "request beyond head block: requested %" PRIu64 ", head %" PRIu64,
			      newest, head->header.number);
		goto out;
	}
	if ((jpct = opt_param(params, 2)) != NULL) {
		if (!json_is_array(jpct) || json_array_size(jpct) > FEE_HISTORY_MAX_PERCENTILES) {
			expected(err, 2, "rewardPercentiles", "an array of at most 100 numbers", jpct);
			goto out;
		}
		for (npct = 0; npct < json_array_size(jpct); npct++) {
			const json_t *p = json_array_get(jpct, npct);

			pct[npct] = json_number_value(p);
			if (!json_is_number(p) || pct[npct] < 0 || pct[npct] > 100 ||
			    (npct > 0 && pct[npct] < pct[npct - 1])) {
				bad_param(err, 2, "rewardPercentiles",
					  "expected numbers from 0 to 100 in increasing order");
				goto out;
			}
		}
	}
	o = json_object();
	base_fees = json_array();
	ratios = json_array();
	blob_fees = json_array();
	blob_ratios = json_array();
	if (jpct != NULL)
		rewards = json_array();
	if (count == 0) {
		set(o, "oldestBlock", jq_u64(0));
		goto done;
	}
	if (count > FEE_HISTORY_MAX_BLOCKS)
		count = FEE_HISTORY_MAX_BLOCKS;
	if (count > newest + 1)
		count = newest + 1;
	set(o, "oldestBlock", jq_u64(newest + 1 - count));
	for (uint64_t n = newest + 1 - count; n <= newest; n++) {
		const struct chain_block *b = chain_block(e->chain, n);
		const struct block_header *h = &b->header;
		struct u256 blob_fee = tx_blob_base_fee(h->excess_blob_gas);

		json_array_append_new(base_fees, jq_u256(&h->base_fee));
		json_array_append_new(ratios, json_real(h->gas_limit > 0 ? (double)h->gas_used /
									    (double)h->gas_limit
									  : 0));
		json_array_append_new(blob_fees, jq_u256(&blob_fee));
		json_array_append_new(blob_ratios, json_real((double)h->blob_gas_used /
							     TX_MAX_BLOB_GAS_PER_BLOCK));
		if (rewards != NULL)
			json_array_append_new(rewards, block_rewards(b, pct, npct));
	}
	/* The arrays of fees hold one more entry: the block after newest. */
	if (newest == head->header.number) {
		next_fee = chain_next_base_fee(e->chain);
		next_blob_fee = tx_blob_base_fee(block_next_excess_blob_gas(&head->header));
	} else {
		const struct block_header *h = &chain_block(e->chain, newest + 1)->header;

		next_fee = h->base_fee;
		next_blob_fee = tx_blob_base_fee(h->excess_blob_gas);
	}
	json_array_append_new(base_fees, jq_u256(&next_fee));
	json_array_append_new(blob_fees, jq_u256(&next_blob_fee));
done:
	set(o, "baseFeePerGas", base_fees);
	set(o, "gasUsedRatio", ratios);
	set(o, "baseFeePerBlobGas", blob_fees);
	set(o, "blobGasUsedRatio", blob_ratios);
	if (rewards != NULL)
		set(o, "reward", rewards);
	rc = ok(result, o);
out:
	return rc;
}

/* --- methods: running code ------------------------------------------------ */

/* eth_call: [call, block?]; a revert is error 3 with its data. */
static int
rpc_eth_call(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct txreq q = { 0 };
	struct chain_call call;
	struct exec_receipt r = { 0 };
	const char *why = NULL;
	const struct state *st;
	uint64_t n;
	int rc = -1, ret;

	if (check_params(err, params, "eth_call", 1, 3) != 0 ||
	    parse_txreq(err, &q, json_array_get(params, 0), 0) != 0 ||
	    block_state(e, err, &n, &st, params, 1) != 0)
		goto out;
	if (opt_param(params, 2) != NULL) {
		bad_param(err, 2, "stateOverrides", "state overrides are not supported yet");
		goto out;
	}
	txreq_call(&call, &q);
	ret = chain_call_at(e->chain, n, &r, &why, &call);
	if (ret != 0) {
		rpc_error_set(err, ret == -EINVAL || ret == -ENOENT ? RPC_SERVER_ERROR
								    : RPC_INTERNAL_ERROR,
			      "%s", why != NULL ? why : strerror(-ret));
		goto out;
	}
	if (r.status != EVM_SUCCESS) {
		run_failure(err, &r, 0);
		goto out;
	}
	rc = ok(result, jdata(r.output, r.output_len));
out:
	exec_receipt_release(&r);
	txreq_release(&q);
	return rc;
}

/* eth_estimateGas: [call, block?]; a revert is error 3, as for eth_call. */
static int
rpc_eth_estimate_gas(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct txreq q = { 0 };
	struct chain_call call;
	struct exec_receipt r = { 0 };
	const char *why = NULL;
	uint64_t gas;
	const struct state *st;
	uint64_t n;
	int rc = -1, ret;

	if (check_params(err, params, "eth_estimateGas", 1, 3) != 0 ||
	    parse_txreq(err, &q, json_array_get(params, 0), 0) != 0 ||
	    block_state(e, err, &n, &st, params, 1) != 0)
		goto out;
	if (n != chain_head(e->chain)->header.number) {
		rpc_error_set(err, RPC_SERVER_ERROR,
			      "eth_estimateGas runs on the latest block only, for now");
		goto out;
	}
	if (opt_param(params, 2) != NULL) {
		bad_param(err, 2, "stateOverrides", "state overrides are not supported yet");
		goto out;
	}
	txreq_call(&call, &q);
	ret = chain_estimate_gas(e->chain, &gas, &r, &why, &call);
	if (ret == -EINVAL && why == NULL) {
		run_failure(err, &r, q.has_gas ? q.gas : chain_head(e->chain)->header.gas_limit);
		goto out;
	}
	if (ret != 0) {
		rpc_error_set(err, ret == -EINVAL ? RPC_SERVER_ERROR : RPC_INTERNAL_ERROR, "%s",
			      why != NULL ? why : strerror(-ret));
		goto out;
	}
	rc = ok(result, jq_u64(gas));
out:
	exec_receipt_release(&r);
	txreq_release(&q);
	return rc;
}

/* --- methods: transactions ------------------------------------------------ */

/* Returns: the dev account with address addr, or NULL. */
static const struct hdwallet_account *
find_account(const struct eth *e, const uint8_t addr[20])
{
	for (size_t i = 0; i < e->naccts; i++) {
		if (memcmp(e->accts[i].addr, addr, 20) == 0)
			return &e->accts[i];
	}
	return NULL;
}

/* Fills in a transaction from q as anvil would send it for acct: EIP-1559
 * by default with a 1 gwei tip and twice the next base fee on top, legacy
 * when a gasPrice is given, the nonce past acct's pooled transactions, and
 * the gas from an estimate, or the block's gas limit when the estimate
 * fails (anvil's fallback: the transaction is then mined and fails).
 * Returns: 0 or -1.  Out: tx (released with tx_release() either way); q's
 * data and access list move into it. */
static int
fill_tx(struct eth *e, struct rpc_error *err, struct tx *tx, struct txreq *q,
	const struct hdwallet_account *acct)
{
	struct u256 base = chain_next_base_fee(e->chain), gwei = u256_from_u64(GWEI), id;
	uint64_t type;

	memset(tx, 0, sizeof(*tx));
	id = u256_from_u64(chain_id(e->chain));
	if (q->has_gas_price && (q->has_max_fee || q->has_prio))
		return bad_param(err, 0, "transaction",
				 "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
	if (q->has_type)
		type = q->type;
	else if (q->has_gas_price)
		type = q->has_access ? TX_ACCESS_LIST : TX_LEGACY;
	else
		type = TX_DYNAMIC_FEE;
	if (type > TX_DYNAMIC_FEE)
		return bad_param(err, 0, "type",
				 "transaction type %" PRIu64 " cannot be sent with eth_sendTransaction",
				 type);
	if (type != TX_DYNAMIC_FEE && (q->has_max_fee || q->has_prio))
		return bad_param(err, 0, "type", "a type %" PRIu64 " transaction takes gasPrice, "
				 "not maxFeePerGas or maxPriorityFeePerGas", type);
	if (type == TX_DYNAMIC_FEE && q->has_gas_price)
		return bad_param(err, 0, "type", "a type 2 transaction takes maxFeePerGas and "
				 "maxPriorityFeePerGas, not gasPrice");
	if (q->has_chain_id && !u256_eq(&q->chain_id, &id)) {
		char have[U256_DEC_MAX];

		u256_to_dec(have, &q->chain_id);
		return rpc_error_set(err, RPC_SERVER_ERROR,
				     "chainId does not match node's (have=%s, want=%" PRIu64 ")", have,
				     chain_id(e->chain));
	}
	tx->type = (enum tx_type)type;
	tx->chain_id = id;
	tx->nonce = q->has_nonce ? q->nonce : pending_nonce(e, acct->addr);
	if (type == TX_DYNAMIC_FEE) {
		if (q->has_prio)
			tx->max_priority_fee = q->prio;
		else if (q->has_max_fee && u256_lt(&q->max_fee, &gwei))
			tx->max_priority_fee = q->max_fee;
		else
			tx->max_priority_fee = gwei;
		if (q->has_max_fee) {
			tx->max_fee = q->max_fee;
		} else if (u256_add(&tx->max_fee, &base, &base) ||
			   u256_add(&tx->max_fee, &tx->max_fee, &tx->max_priority_fee)) {
			return rpc_error_set(err, RPC_SERVER_ERROR, "base fee too large to pay");
		}
	} else if (q->has_gas_price) {
		tx->gas_price = q->gas_price;
	} else if (u256_add(&tx->gas_price, &base, &gwei)) {
		return rpc_error_set(err, RPC_SERVER_ERROR, "base fee too large to pay");
	}
	tx->is_create = !q->has_to;
	memcpy(tx->to, q->to, 20);
	tx->value = q->value;
	tx->data = q->data;
	tx->data_len = q->data_len;
	q->data = NULL;
	q->data_len = 0;
	if (type != TX_LEGACY) {
		tx->access_list = q->access;
		tx->naccess = q->naccess;
		q->access = NULL;
		q->naccess = 0;
	}
	if (q->has_gas) {
		tx->gas_limit = q->gas;
	} else {
		struct chain_call call;
		struct exec_receipt r = { 0 };
		const char *why = NULL;
		uint64_t gas;
		int rc;

		txreq_call(&call, q);
		memcpy(call.from, acct->addr, 20);
		call.data = tx->data;
		call.data_len = tx->data_len;
		rc = chain_estimate_gas(e->chain, &gas, &r, &why, &call);
		exec_receipt_release(&r);
		if (rc == -EINVAL) {
			gas = chain_head(e->chain)->header.gas_limit;
		} else if (rc != 0) {
			return rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot estimate gas: %s",
					     why != NULL ? why : strerror(-rc));
		} else {
			/* chain_call() runs without the access list, so the
			 * estimate lacks what the list costs up front. */
			for (size_t i = 0; i < tx->naccess; i++)
				gas += TX_G_ACCESS_ADDRESS +
				       TX_G_ACCESS_KEY * (uint64_t)tx->access_list[i].nkeys;
		}
		tx->gas_limit = gas;
	}
	return 0;
}

/* eth_sendTransaction: signs for a dev account and submits. */
static int
rpc_eth_send_transaction(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	struct eth *e = ctx;
	struct txreq q = { 0 };
	struct tx tx = { 0 };
	const struct hdwallet_account *acct;
	uint8_t *raw = NULL, hash[32];
	size_t raw_len;
	int rc = -1;

	if (check_params(err, params, "eth_sendTransaction", 1, 1) != 0 ||
	    parse_txreq(err, &q, json_array_get(params, 0), 0) != 0)
		goto out;
	acct = q.has_from ? find_account(e, q.from) : e->naccts > 0 ? &e->accts[0] : NULL;
	if (acct == NULL) {
		/* anvil's words, which its users search for. */
		rpc_error_set(err, RPC_INVALID_PARAMS, "No Signer available");
		goto out;
	}
	if (fill_tx(e, err, &tx, &q, acct) != 0)
		goto out;
	if (tx_sign(e->secp, &tx, acct->key) != 0 || tx_encode(&raw, &raw_len, &tx) != 0) {
		rpc_error_set(err, RPC_SERVER_ERROR, "cannot sign the transaction");
		goto out;
	}
	if (submit(e, err, hash, raw, raw_len, acct->addr, tx.nonce) != 0)
		goto out;
	rc = ok(result, jhash(hash));
out:
	free(raw);
	tx_release(&tx);
	txreq_release(&q);
	return rc;
}

/* eth_sendRawTransaction: submits a signed transaction as it is. */
static int
rpc_eth_send_raw_transaction(void *ctx, const json_t *params, json_t **result,
			     struct rpc_error *err)
{
	struct eth *e = ctx;
	struct tx tx = { 0 };
	uint8_t *raw = NULL, hash[32], sender[20] = { 0 };
	const char *why = NULL;
	size_t len;
	int rc = -1;

	if (check_params(err, params, "eth_sendRawTransaction", 1, 1) != 0 ||
	    parse_bytes(err, &raw, &len, json_array_get(params, 0), 0, "data") != 0)
		goto out;
	/* Decoded here as well as in the chain, to tell a malformed
	 * transaction (-32602, as anvil answers) from one the pool refuses. */
	if (tx_decode(&tx, &why, raw, len) != 0) {
		bad_param(err, 0, "data", "failed to decode transaction: %s", why);
		goto out;
	}
	if (!chain_automine(e->chain) && tx_sender(sender, &tx) != 0) {
		rpc_error_set(err, RPC_SERVER_ERROR, "invalid sender");
		goto out;
	}
	if (submit(e, err, hash, raw, len, sender, tx.nonce) != 0)
		goto out;
	rc = ok(result, jhash(hash));
out:
	tx_release(&tx);
	free(raw);
	return rc;
}

/* Signs an EIP-191 personal message with a dev account's key.
 * Returns: 0 or -1.  Out: *result, the 65-byte signature r || s || v. */
static int
sign_message(struct eth *e, struct rpc_error *err, json_t **result, const json_t *jaddress,
	     size_t addr_idx, const json_t *jmsg, size_t msg_idx)
{
	const struct hdwallet_account *acct;
	uint8_t addr[20], *msg = NULL, hash[32], sig[65];
	char prefix[64];
	struct keccak k;
	size_t len;
	int rc = -1;

	if (parse_address(err, addr, jaddress, addr_idx, "address") != 0 ||
	    parse_bytes(err, &msg, &len, jmsg, msg_idx, "message") != 0)
		goto out;
	if ((acct = find_account(e, addr)) == NULL) {
		rpc_error_set(err, RPC_INVALID_PARAMS, "No Signer available");
		goto out;
	}
	snprintf(prefix, sizeof prefix, "\x19" "Ethereum Signed Message:\n%zu", len);
	keccak_init(&k);
	keccak_update(&k, prefix, strlen(prefix));
	keccak_update(&k, msg, len);
	keccak_final(&k, hash);
	if (secp_sign(e->secp, sig, hash, acct->key) != 0) {
		rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot sign the message");
		goto out;
	}
	sig[64] += 27;
	rc = ok(result, jdata(sig, sizeof sig));
out:
	free(msg);
	return rc;
}

/* eth_sign: [address, message]. */
static int
rpc_eth_sign(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "eth_sign", 2, 2) != 0)
		return -1;
	return sign_message(ctx, err, result, json_array_get(params, 0), 0,
			    json_array_get(params, 1), 1);
}

/* personal_sign: [message, address, password?]; the password is ignored. */
static int
rpc_personal_sign(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	if (check_params(err, params, "personal_sign", 2, 3) != 0)
		return -1;
	return sign_message(ctx, err, result, json_array_get(params, 1), 1,
			    json_array_get(params, 0), 0);
}

/* eth_getTransactionByHash: null for a hash not mined (the pool is not
 * visible through the chain's interface). */
static int
rpc_eth_get_transaction_by_hash(void *ctx, const json_t *params, json_t **result,
				struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_tx *t;
	uint8_t hash[32];

	if (check_params(err, params, "eth_getTransactionByHash", 1, 1) != 0 ||
	    parse_hash(err, hash, json_array_get(params, 0), 0, "hash") != 0)
		return -1;
	t = chain_tx(e->chain, hash);
	if (t == NULL)
		return ok(result, json_null());
	return ok(result, tx_json(t, chain_block(e->chain, t->block_number)));
}

/* eth_getTransactionReceipt: null for a hash not mined. */
static int
rpc_eth_get_transaction_receipt(void *ctx, const json_t *params, json_t **result,
				struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_tx *t;
	uint8_t hash[32];

	if (check_params(err, params, "eth_getTransactionReceipt", 1, 1) != 0 ||
	    parse_hash(err, hash, json_array_get(params, 0), 0, "hash") != 0)
		return -1;
	t = chain_tx(e->chain, hash);
	if (t == NULL)
		return ok(result, json_null());
	return ok(result, receipt_json(t, chain_block(e->chain, t->block_number)));
}

/* --- methods: blocks ------------------------------------------------------ */

/* Finds the block a param names by number or tag.  Returns: 0 with *b set
 * (NULL past the head), or -1. */
static int
block_by_number_param(struct eth *e, struct rpc_error *err, const struct chain_block **b,
		      const json_t *params, size_t idx)
{
	uint64_t n;

	if (json_is_object(json_array_get(params, idx)))
		return expected(err, idx, "block", "a block number or tag",
				json_array_get(params, idx));
	if (parse_block(e, err, &n, json_array_get(params, idx), idx) != 0)
		return -1;
	*b = chain_block(e->chain, n);
	return 0;
}

/* Finds the block a hash param names.  Returns: 0 with *b set (NULL when
 * unknown), or -1. */
static int
block_by_hash_param(struct eth *e, struct rpc_error *err, const struct chain_block **b,
		    const json_t *params, size_t idx)
{
	uint8_t hash[32];

	if (parse_hash(err, hash, json_array_get(params, idx), idx, "blockHash") != 0)
		return -1;
	*b = chain_block_by_hash(e->chain, hash);
	return 0;
}

/* Answers a block lookup: the block with its transactions as objects when
 * param 1 is true, or null. */
static int
block_result(struct rpc_error *err, json_t **result, const struct chain_block *b,
	     const json_t *params)
{
	const json_t *jfull = opt_param(params, 1);
	bool full = false;

	if (jfull != NULL && parse_bool(err, &full, jfull, 1, "fullTransactions") != 0)
		return -1;
	return ok(result, b != NULL ? block_json(b, full) : json_null());
}

static int
rpc_eth_get_block_by_number(void *ctx, const json_t *params, json_t **result,
			    struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockByNumber", 1, 2) != 0 ||
	    block_by_number_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return block_result(err, result, b, params);
}

static int
rpc_eth_get_block_by_hash(void *ctx, const json_t *params, json_t **result,
			  struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockByHash", 1, 2) != 0 ||
	    block_by_hash_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return block_result(err, result, b, params);
}

static int
rpc_eth_get_block_tx_count_by_number(void *ctx, const json_t *params, json_t **result,
				     struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockTransactionCountByNumber", 1, 1) != 0 ||
	    block_by_number_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return ok(result, b != NULL ? jq_u64(b->ntxs) : json_null());
}

static int
rpc_eth_get_block_tx_count_by_hash(void *ctx, const json_t *params, json_t **result,
				   struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getBlockTransactionCountByHash", 1, 1) != 0 ||
	    block_by_hash_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return ok(result, b != NULL ? jq_u64(b->ntxs) : json_null());
}

/* Answers transaction param 1 of block b, or null. */
static int
tx_at_index(struct rpc_error *err, json_t **result, const struct chain_block *b,
	    const json_t *params)
{
	uint64_t i;

	if (parse_u64(err, &i, json_array_get(params, 1), 1, "index") != 0)
		return -1;
	if (b == NULL || i >= b->ntxs)
		return ok(result, json_null());
	return ok(result, tx_json(b->txs[i], b));
}

static int
rpc_eth_get_tx_by_block_number_and_index(void *ctx, const json_t *params, json_t **result,
					 struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getTransactionByBlockNumberAndIndex", 2, 2) != 0 ||
	    block_by_number_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return tx_at_index(err, result, b, params);
}

static int
rpc_eth_get_tx_by_block_hash_and_index(void *ctx, const json_t *params, json_t **result,
				       struct rpc_error *err)
{
	const struct chain_block *b;

	if (check_params(err, params, "eth_getTransactionByBlockHashAndIndex", 2, 2) != 0 ||
	    block_by_hash_param(ctx, err, &b, params, 0) != 0)
		return -1;
	return tx_at_index(err, result, b, params);
}

/* eth_getBlockReceipts: every receipt of a block, or null. */
static int
rpc_eth_get_block_receipts(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *b;
	json_t *list;
	uint64_t n;

	if (check_params(err, params, "eth_getBlockReceipts", 1, 1) != 0 ||
	    parse_block(e, err, &n, json_array_get(params, 0), 0) != 0)
		return -1;
	if ((b = chain_block(e->chain, n)) == NULL)
		return ok(result, json_null());
	list = json_array();
	for (size_t i = 0; i < b->ntxs; i++)
		json_array_append_new(list, receipt_json(b->txs[i], b));
	return ok(result, list);
}

/* --- methods: logs -------------------------------------------------------- */

struct log_filter {
	uint64_t from, to;
	uint8_t (*addrs)[20];
	size_t naddrs;
	uint8_t (*topics[LOGS_MAX_TOPICS])[32]; /* per position; none: any */
	size_t ntopic[LOGS_MAX_TOPICS];
	size_t npos; /* positions given, wildcards included */
	bool to_latest; /* the range ends at the head, wherever it is */
};

enum filter_kind {
	FILTER_LOGS,
	FILTER_BLOCKS,
	FILTER_PENDING,
};

/* An installed filter: eth_getFilterChanges reports from block next on. */
struct filter {
	uint64_t id;
	enum filter_kind kind;
	struct log_filter logs; /* FILTER_LOGS's */
	uint64_t next;
	time_t last_poll;
};

/* Frees what f owns and clears it. */
static void
log_filter_release(struct log_filter *f)
{
	free(f->addrs);
	for (size_t i = 0; i < LOGS_MAX_TOPICS; i++)
		free(f->topics[i]);
	memset(f, 0, sizeof(*f));
}

/* Parses one topic position: null for any, a hash, or a list of hashes of
 * which one must match. */
static int
parse_topic_position(struct rpc_error *err, struct log_filter *f, size_t pos, const json_t *v)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 1;

	if (json_is_null(v))
		return 0;
	f->topics[pos] = xreallocarray(NULL, n + 1, sizeof(*f->topics[pos]));
	for (size_t i = 0; i < n; i++) {
		const json_t *t = json_is_array(v) ? json_array_get(v, i) : v;

		/* A null inside the list matches anything, as in geth. */
		if (json_is_null(t)) {
			free(f->topics[pos]);
			f->topics[pos] = NULL;
			f->ntopic[pos] = 0;
			return 0;
		}
		if (parse_hash(err, f->topics[pos][f->ntopic[pos]], t, 0, "topics") != 0)
			return -1;
		f->ntopic[pos]++;
	}
	return 0;
}

/* Parses eth_getLogs's filter: a block range or a blockHash, addresses
 * and topics.  Returns: 0 or -1.  Out: f, released either way. */
static int
parse_log_filter(struct eth *e, struct rpc_error *err, struct log_filter *f, const json_t *v)
{
	const json_t *addr = opt_field(v, "address"), *topics = opt_field(v, "topics");
	const json_t *from = opt_field(v, "fromBlock"), *to = opt_field(v, "toBlock");
	const json_t *bhash = opt_field(v, "blockHash");
	uint64_t head = chain_head(e->chain)->header.number;

	memset(f, 0, sizeof(*f));
	if (!json_is_object(v))
		return expected(err, 0, "filter", "a filter object", v);
	if (bhash != NULL) {
		uint8_t h[32];
		const struct chain_block *b;

		if (from != NULL || to != NULL)
			return bad_param(err, 0, "filter", "blockHash cannot be given with "
					 "fromBlock or toBlock");
		if (parse_hash(err, h, bhash, 0, "blockHash") != 0)
			return -1;
		if ((b = chain_block_by_hash(e->chain, h)) == NULL)
			return rpc_error_set(err, RPC_SERVER_ERROR, "unknown block");
		f->from = f->to = b->header.number;
	} else {
		f->from = f->to = head;
		if (from != NULL && parse_block(e, err, &f->from, from, 0) != 0)
			return -1;
		if (to != NULL && parse_block(e, err, &f->to, to, 0) != 0)
			return -1;
		f->to_latest = to == NULL || is_tag(to, "latest") || is_tag(to, "pending") ||
			       is_tag(to, "safe") || is_tag(to, "finalized");
	}
	if (addr != NULL) {
		size_t n = json_is_array(addr) ? json_array_size(addr) : 1;

		f->addrs = xreallocarray(NULL, n + 1, sizeof(*f->addrs));
		for (size_t i = 0; i < n; i++) {
			if (parse_address(err, f->addrs[i],
					  json_is_array(addr) ? json_array_get(addr, i) : addr, 0,
					  "address") != 0)
				return -1;
			f->naddrs = i + 1;
		}
	}
	if (topics != NULL) {
		if (!json_is_array(topics) || json_array_size(topics) > LOGS_MAX_TOPICS)
			return expected(err, 0, "topics", "an array of at most 4 topics", topics);
		f->npos = json_array_size(topics);
		for (size_t i = 0; i < f->npos; i++) {
			if (parse_topic_position(err, f, i, json_array_get(topics, i)) != 0)
				return -1;
		}
	}
	return 0;
}

/* Returns: whether l passes f.  As in geth, a filter with more topic
 * positions than the log has topics never matches. */
static bool
log_matches(const struct log_filter *f, const struct exec_log *l)
{
	bool found = f->naddrs == 0;

	for (size_t i = 0; i < f->naddrs && !found; i++)
		found = memcmp(f->addrs[i], l->address, 20) == 0;
	if (!found || f->npos > l->ntopics)
		return false;
	for (size_t p = 0; p < f->npos; p++) {
		found = f->ntopic[p] == 0;
		for (size_t i = 0; i < f->ntopic[p] && !found; i++)
			found = memcmp(f->topics[p][i], l->topics[p], 32) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* eth_getLogs: every matching log of the range, in chain order. */
/* Appends to out the logs of blocks from to to (clamped to the head) that
 * pass f.  Returns: 0, or -1 when there are more than LOGS_MAX_RESULTS. */
static int
collect_logs(struct eth *e, struct rpc_error *err, json_t *out, const struct log_filter *f,
	     uint64_t from, uint64_t to)
{
	uint64_t head = chain_head(e->chain)->header.number;
	size_t count = json_array_size(out);

	if (to > head)
		to = head;
	for (uint64_t n = from; n <= to; n++) {
		const struct chain_block *b = chain_block(e->chain, n);

		for (size_t i = 0; i < b->ntxs; i++) {
			const struct chain_tx *t = b->txs[i];

			for (size_t k = 0; k < t->receipt.nlogs; k++) {
				if (!log_matches(f, &t->receipt.logs[k]))
					continue;
				if (++count > LOGS_MAX_RESULTS)
					return rpc_error_set(err, RPC_SERVER_ERROR,
							     "query returned more than %d results",
							     LOGS_MAX_RESULTS);
				json_array_append_new(out, log_json(t, b, k));
			}
		}
		if (n == UINT64_MAX)
			break;
	}
	return 0;
}

/* eth_getLogs: every matching log of the range, in chain order. */
static int
rpc_eth_get_logs(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct log_filter f;
	json_t *out = NULL;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (check_params(err, params, "eth_getLogs", 1, 1) != 0 ||
	    parse_log_filter(e, err, &f, json_array_get(params, 0)) != 0)
		goto out;
	if (f.from > f.to) {
		rpc_error_set(err, RPC_SERVER_ERROR, "invalid block range params");
		goto out;
	}
	out = json_array();
	if (collect_logs(e, err, out, &f, f.from, f.to) != 0)
		goto out;
	rc = ok(result, out);
	out = NULL;
out:
	json_decref(out);
	log_filter_release(&f);
	return rc;
}

/* --- methods: filters ------------------------------------------------------ */

/* Frees every filter. */
static void
filters_free(struct eth *e)
{
	for (size_t i = 0; i < e->nfilters; i++)
		log_filter_release(&e->filters[i].logs);
	free(e->filters);
	e->filters = NULL;
	e->nfilters = 0;
}

/* After evm_revert: no filter waits past the block after the new head,
 * except a log filter for a fromBlock still to come. */
static void
filters_rewind(struct eth *e)
{
	uint64_t next = chain_head(e->chain)->header.number + 1;

	for (size_t i = 0; i < e->nfilters; i++) {
		struct filter *f = &e->filters[i];

		if (f->next > next && !(f->kind == FILTER_LOGS && f->next == f->logs.from))
			f->next = next;
	}
}

/* Drops the filters nobody polled for FILTER_TIMEOUT seconds, as geth
 * does, so that clients that went away do not keep theirs forever. */
static void
filters_expire(struct eth *e)
{
	time_t now = time(NULL);
	size_t k = 0;

	for (size_t i = 0; i < e->nfilters; i++) {
		if (now - e->filters[i].last_poll > FILTER_TIMEOUT) {
			log_filter_release(&e->filters[i].logs);
			continue;
		}
		e->filters[k++] = e->filters[i];
	}
	e->nfilters = k;
}

/* Installs a filter that reports from the next block on (or from the log
 * filter's fromBlock when that is later).  Returns: 0 with its id as the
 * result, or -1.  In: logs, for FILTER_LOGS, moved into the filter. */
static int
filter_install(struct eth *e, struct rpc_error *err, json_t **result, enum filter_kind kind,
	       struct log_filter *logs)
{
	uint64_t head = chain_head(e->chain)->header.number;
	struct filter *f;

	filters_expire(e);
	if (e->nfilters >= FILTERS_MAX)
		return rpc_error_set(err, RPC_SERVER_ERROR, "too many filters (%d): uninstall "
				     "some with eth_uninstallFilter", FILTERS_MAX);
	e->filters = xreallocarray(e->filters, e->nfilters + 1, sizeof(*e->filters));
	f = &e->filters[e->nfilters++];
	memset(f, 0, sizeof(*f));
	f->id = ++e->filter_ids;
	f->kind = kind;
	f->next = head + 1;
	f->last_poll = time(NULL);
	if (logs != NULL) {
		f->logs = *logs;
		memset(logs, 0, sizeof(*logs));
		if (f->logs.from > f->next)
			f->next = f->logs.from;
	}
	return ok(result, jq_u64(f->id));
}

/* Returns: the filter param idx names, or NULL after reporting that there
 * is none (anvil's and geth's "filter not found"). */
static struct filter *
filter_param(struct eth *e, struct rpc_error *err, const json_t *params, size_t idx)
{
	struct u256 id;

	if (parse_u256(err, &id, json_array_get(params, idx), idx, "id") != 0)
		return NULL;
	filters_expire(e);
	for (size_t i = 0; u256_fits_u64(&id) && i < e->nfilters; i++) {
		if (e->filters[i].id == id.w[0])
			return &e->filters[i];
	}
	rpc_error_set(err, RPC_SERVER_ERROR, "filter not found");
	return NULL;
}

/* eth_newFilter: [filter]; changes are the matching logs of new blocks. */
static int
rpc_eth_new_filter(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct log_filter f;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	if (check_params(err, params, "eth_newFilter", 1, 1) != 0 ||
	    parse_log_filter(ctx, err, &f, json_array_get(params, 0)) != 0)
		goto out;
	rc = filter_install(ctx, err, result, FILTER_LOGS, &f);
out:
	log_filter_release(&f);
	return rc;
}

/* eth_newBlockFilter: changes are the hashes of new blocks. */
static int
rpc_eth_new_block_filter(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	if (check_params(err, params, "eth_newBlockFilter", 0, 0) != 0)
		return -1;
	return filter_install(ctx, err, result, FILTER_BLOCKS, NULL);
}

/* eth_newPendingTransactionFilter: the pool is not visible through the
 * chain's interface, so its changes are always empty. */
static int
rpc_eth_new_pending_filter(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	if (check_params(err, params, "eth_newPendingTransactionFilter", 0, 0) != 0)
		return -1;
	return filter_install(ctx, err, result, FILTER_PENDING, NULL);
}

/* eth_getFilterChanges: [id]; what came since the last poll. */
static int
rpc_eth_get_filter_changes(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t head = chain_head(e->chain)->header.number;
	struct filter *f;
	json_t *out = NULL;
	int rc = -1;

	if (check_params(err, params, "eth_getFilterChanges", 1, 1) != 0 ||
	    (f = filter_param(e, err, params, 0)) == NULL)
		goto out;
	out = json_array();
	if (f->kind == FILTER_BLOCKS) {
		for (uint64_t n = f->next; n <= head; n++)
			json_array_append_new(out, jhash(chain_block(e->chain, n)->hash));
	} else if (f->kind == FILTER_LOGS &&
		   collect_logs(e, err, out, &f->logs, f->next,
				f->logs.to_latest ? head : f->logs.to) != 0) {
		goto out;
	}
	if (head + 1 > f->next)
		f->next = head + 1;
	f->last_poll = time(NULL);
	rc = ok(result, out);
	out = NULL;
out:
	json_decref(out);
	return rc;
}

/* eth_getFilterLogs: [id]; every log of a log filter's range. */
static int
rpc_eth_get_filter_logs(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct filter *f;
	json_t *out = NULL;
	int rc = -1;

	if (check_params(err, params, "eth_getFilterLogs", 1, 1) != 0 ||
	    (f = filter_param(e, err, params, 0)) == NULL)
		goto out;
	if (f->kind != FILTER_LOGS) {
		rpc_error_set(err, RPC_SERVER_ERROR, "filter not found");
		goto out;
	}
	f->last_poll = time(NULL);
	out = json_array();
	if (collect_logs(e, err, out, &f->logs, f->logs.from,
			 f->logs.to_latest ? UINT64_MAX : f->logs.to) != 0)
		goto out;
	rc = ok(result, out);
	out = NULL;
out:
	json_decref(out);
	return rc;
}

/* eth_uninstallFilter: [id]; false for an unknown id. */
static int
rpc_eth_uninstall_filter(void *ctx, const json_t *params, json_t **result,
			 struct rpc_error *err)
{
	struct eth *e = ctx;
	struct filter *f;

	if (check_params(err, params, "eth_uninstallFilter", 1, 1) != 0)
		return -1;
	if ((f = filter_param(e, err, params, 0)) == NULL) {
		if (err->code != RPC_SERVER_ERROR)
			return -1;
		return ok(result, json_false());
	}
	log_filter_release(&f->logs);
	*f = e->filters[--e->nfilters];
	return ok(result, json_true());
}

/* --- methods: mining and the node ----------------------------------------- */

/* Mines count blocks: the first at ts, the others interval seconds
 * apart (1 when 0); the chain keeps timestamps increasing.
 * Returns: 0 or -1. */
static int
mine_blocks(struct eth *e, struct rpc_error *err, uint64_t count, uint64_t ts,
	    uint64_t interval)
{
	int rc = count == 1 ? chain_mine(e->chain, ts)
			    : chain_mine_many(e->chain, count, ts, interval);

	if (rc != 0) {
		const char *why = chain_store_error(e->chain);

		return rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot mine: %s",
				     why != NULL ? why : strerror(-rc));
	}
	return 0;
}

/* evm_mine: [], [timestamp], or Ganache's [{timestamp, blocks}]. */
static int
rpc_evm_mine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	const json_t *v;
	uint64_t ts = 0, count = 1; /* 0: the chain's clock */

	if (check_params(err, params, "evm_mine", 0, 1) != 0)
		return -1;
	if ((v = opt_param(params, 0)) != NULL && json_is_object(v)) {
		const json_t *jts = opt_field(v, "timestamp"), *jn = opt_field(v, "blocks");

		if (jts != NULL && parse_u64(err, &ts, jts, 0, "timestamp") != 0)
			return -1;
		if (jn != NULL && parse_u64(err, &count, jn, 0, "blocks") != 0)
			return -1;
	} else if (v != NULL && parse_u64(err, &ts, v, 0, "timestamp") != 0) {
		return -1;
	}
	if (count > MINE_MAX_BLOCKS)
		return bad_param(err, 0, "blocks", "at most %d blocks can be mined at once",
				 MINE_MAX_BLOCKS);
	if (ts > MINE_MAX_TIMESTAMP)
		return bad_param(err, 0, "timestamp", "at most %" PRIu64 " seconds",
				 (uint64_t)MINE_MAX_TIMESTAMP);
	if (count > 0 && mine_blocks(ctx, err, count, ts, 1) != 0)
		return -1;
	return ok(result, json_string("0x0"));
}

/* anvil_mine and hardhat_mine: [blocks?, interval?]. */
static int
rpc_anvil_mine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	const json_t *jn, *jint;
	uint64_t count = 1, interval = 1;

	if (check_params(err, params, "anvil_mine", 0, 2) != 0)
		return -1;
	if ((jn = opt_param(params, 0)) != NULL && parse_u64(err, &count, jn, 0, "blocks") != 0)
		return -1;
	if ((jint = opt_param(params, 1)) != NULL &&
	    parse_u64(err, &interval, jint, 1, "interval") != 0)
		return -1;
	if (count > MINE_MAX_BLOCKS)
		return bad_param(err, 0, "blocks", "at most %d blocks can be mined at once",
				 MINE_MAX_BLOCKS);
	if (interval > MINE_MAX_INTERVAL)
		return bad_param(err, 1, "interval", "at most %u seconds", MINE_MAX_INTERVAL);
	if (count > 0 && mine_blocks(ctx, err, count, (uint64_t)time(NULL), interval) != 0)
		return -1;
	return ok(result, json_null());
}

/* evm_setAutomine and anvil_setAutomine: [enabled]. */
static int
rpc_evm_set_automine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	bool on = false;

	if (check_params(err, params, "evm_setAutomine", 1, 1) != 0 ||
	    parse_bool(err, &on, json_array_get(params, 0), 0, "enabled") != 0)
		return -1;
	chain_set_automine(e->chain, on);
	return ok(result, json_null());
}

/* evm_snapshot: ids are hex strings, since Hardhat's helpers check that
 * they are strings. */
static int
rpc_evm_snapshot(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "evm_snapshot", 0, 0) != 0)
		return -1;
	return ok(result, jq_u64(chain_snapshot(e->chain)));
}

/* evm_revert: true, or false for an unknown or used-up id. */
static int
rpc_evm_revert(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t id;

	if (check_params(err, params, "evm_revert", 1, 1) != 0 ||
	    parse_u64(err, &id, json_array_get(params, 0), 0, "id") != 0)
		return -1;
	if (!chain_revert(e->chain, id))
		return ok(result, json_false());
	/* The pool is gone, and the nonces noted with it.  Filters report
	 * the blocks mined from now on, which take the numbers of those
	 * that went. */
	e->npooled = 0;
	filters_rewind(e);
	return ok(result, json_true());
}

/* anvil_getAutomine and hardhat_getAutomine. */
static int
rpc_anvil_get_automine(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "anvil_getAutomine", 0, 0) != 0)
		return -1;
	return ok(result, json_boolean(chain_automine(e->chain)));
}

/* txpool_status: the pool holds only pending transactions. */
static int
rpc_txpool_status(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "txpool_status", 0, 0) != 0)
		return -1;
	return ok(result, json_pack("{s:o, s:s}", "pending", jq_u64(chain_pending(e->chain)),
				    "queued", "0x0"));
}

/* anvil_nodeInfo: what cast and hardhat-viem probe to detect anvil. */
static int
rpc_anvil_node_info(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *head = chain_head(e->chain);
	struct u256 base = chain_next_base_fee(e->chain), price, gwei = u256_from_u64(GWEI);

	if (check_params(err, params, "anvil_nodeInfo", 0, 0) != 0)
		return -1;
	u256_add(&price, &base, &gwei);
	return ok(result,
		  json_pack("{s:o, s:I, s:o, s:s, s:s, s:{s:o, s:I, s:I, s:o}, s:{s:n, s:n, s:n}}",
			    "currentBlockNumber", jq_u64(head->header.number),
			    "currentBlockTimestamp", (json_int_t)head->header.timestamp,
			    "currentBlockHash", jhash(head->hash),
			    "hardFork", "Cancun",
			    "transactionOrder", "fifo",
			    "environment",
			    "baseFee", jnum_u256(&base),
			    "chainId", (json_int_t)chain_id(e->chain),
			    "gasLimit", (json_int_t)head->header.gas_limit,
			    "gasPrice", jnum_u256(&price),
			    "forkConfig", "forkUrl", "forkBlockNumber", "forkRetryBackoff"));
}

/* anvil_metadata, and hardhat_metadata, its alias in anvil. */
static int
rpc_anvil_metadata(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	const struct chain_block *head = chain_head(e->chain);

	if (check_params(err, params, "anvil_metadata", 0, 0) != 0)
		return -1;
	return ok(result, json_pack("{s:s, s:s, s:s, s:I, s:o, s:I, s:o, s:n, s:{}}",
				    "clientVersion", ETH_CLIENT_VERSION,
				    "clientSemver", PACKAGE_VERSION,
				    "clientCommitSha", "",
				    "chainId", (json_int_t)chain_id(e->chain),
				    "instanceId", jhash(e->instance_id),
				    "latestBlockNumber", (json_int_t)head->header.number,
				    "latestBlockHash", jhash(head->hash),
				    "forkedNetwork",
				    "snapshots"));
}


/* --- methods: test control ------------------------------------------------- */

/* anvil_setBalance / hardhat_setBalance: [address, wei]; null, as anvil. */
static int
rpc_set_balance(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20];
	struct u256 v;

	if (check_params(err, params, "anvil_setBalance", 2, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u256(err, &v, json_array_get(params, 1), 1, "balance") != 0)
		return -1;
	chain_set_balance(e->chain, addr, &v);
	return ok(result, json_null());
}

/* anvil_setNonce / hardhat_setNonce: [address, nonce]; null. */
static int
rpc_set_nonce(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20];
	uint64_t n;

	if (check_params(err, params, "anvil_setNonce", 2, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u64(err, &n, json_array_get(params, 1), 1, "nonce") != 0)
		return -1;
	chain_set_nonce(e->chain, addr, n);
	return ok(result, json_null());
}

/* anvil_setCode / hardhat_setCode: [address, code]; null. */
static int
rpc_set_code(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20], *code = NULL;
	size_t len = 0;

	if (check_params(err, params, "anvil_setCode", 2, 2) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_bytes(err, &code, &len, json_array_get(params, 1), 1, "code") != 0)
		return -1;
	chain_set_code(e->chain, addr, code, len);
	free(code);
	return ok(result, json_null());
}

/* anvil_setStorageAt / hardhat_setStorageAt: [address, slot, word]; true.
 * The value must be a whole 32-byte word, as anvil insists. */
static int
rpc_set_storage_at(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20], word[32];
	struct u256 slot, v;

	if (check_params(err, params, "anvil_setStorageAt", 3, 3) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0 ||
	    parse_u256(err, &slot, json_array_get(params, 1), 1, "slot") != 0)
		return -1;
	if (json_string_length(json_array_get(params, 2)) != 66)
		return rpc_error_set(err, RPC_INVALID_PARAMS, "invalid string length");
	if (parse_hash(err, word, json_array_get(params, 2), 2, "value") != 0)
		return -1;
	u256_from_be32(&v, word);
	chain_set_storage(e->chain, addr, &slot, &v);
	return ok(result, json_true());
}

/* evm_increaseTime: [seconds]; the total offset, a JSON number as anvil's. */
static int
rpc_evm_increase_time(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t secs;

	if (check_params(err, params, "evm_increaseTime", 1, 1) != 0 ||
	    parse_u64(err, &secs, json_array_get(params, 0), 0, "seconds") != 0)
		return -1;
	if (secs > MINE_MAX_TIMESTAMP)
		return bad_param(err, 0, "seconds", "at most %" PRIu64, (uint64_t)MINE_MAX_TIMESTAMP);
	return ok(result, json_integer((json_int_t)chain_increase_time(e->chain, (int64_t)secs)));
}

/* evm_setNextBlockTimestamp: [timestamp]; null.  The next block gets
 * exactly that timestamp, which Hardhat's time.increase relies on. */
static int
rpc_evm_set_next_block_timestamp(void *ctx, const json_t *params, json_t **result,
				 struct rpc_error *err)
{
	struct eth *e = ctx;
	uint64_t ts;

	if (check_params(err, params, "evm_setNextBlockTimestamp", 1, 1) != 0 ||
	    parse_u64(err, &ts, json_array_get(params, 0), 0, "timestamp") != 0)
		return -1;
	if (ts > MINE_MAX_TIMESTAMP)
		return bad_param(err, 0, "timestamp", "at most %" PRIu64,
				 (uint64_t)MINE_MAX_TIMESTAMP);
	if (chain_set_next_timestamp(e->chain, ts) != 0)
		return rpc_error_set(err, RPC_INVALID_PARAMS,
				     "timestamp %" PRIu64 " is not after the latest block's (%" PRIu64 ")",
				     ts, chain_head(e->chain)->header.timestamp);
	return ok(result, json_null());
}

static const struct rpc_method methods[] = {
	{ "anvil_getAutomine", rpc_anvil_get_automine },
	{ "anvil_metadata", rpc_anvil_metadata },
	{ "anvil_mine", rpc_anvil_mine },
	{ "anvil_nodeInfo", rpc_anvil_node_info },
	{ "anvil_revert", rpc_evm_revert },
	{ "anvil_setAutomine", rpc_evm_set_automine },
	{ "anvil_snapshot", rpc_evm_snapshot },
	{ "eth_accounts", rpc_eth_accounts },
	{ "eth_blobBaseFee", rpc_eth_blob_base_fee },
	{ "eth_blockNumber", rpc_eth_block_number },
	{ "eth_call", rpc_eth_call },
	{ "eth_chainId", rpc_eth_chain_id },
	{ "eth_coinbase", rpc_eth_coinbase },
	{ "eth_estimateGas", rpc_eth_estimate_gas },
	{ "eth_feeHistory", rpc_eth_fee_history },
	{ "eth_gasPrice", rpc_eth_gas_price },
	{ "eth_getBalance", rpc_eth_get_balance },
	{ "eth_getBlockByHash", rpc_eth_get_block_by_hash },
	{ "eth_getBlockByNumber", rpc_eth_get_block_by_number },
	{ "eth_getBlockReceipts", rpc_eth_get_block_receipts },
	{ "eth_getBlockTransactionCountByHash", rpc_eth_get_block_tx_count_by_hash },
	{ "eth_getBlockTransactionCountByNumber", rpc_eth_get_block_tx_count_by_number },
	{ "eth_getCode", rpc_eth_get_code },
	{ "eth_getFilterChanges", rpc_eth_get_filter_changes },
	{ "eth_getFilterLogs", rpc_eth_get_filter_logs },
	{ "eth_getLogs", rpc_eth_get_logs },
	{ "eth_getStorageAt", rpc_eth_get_storage_at },
	{ "eth_getTransactionByBlockHashAndIndex", rpc_eth_get_tx_by_block_hash_and_index },
	{ "eth_getTransactionByBlockNumberAndIndex", rpc_eth_get_tx_by_block_number_and_index },
	{ "eth_getTransactionByHash", rpc_eth_get_transaction_by_hash },
	{ "eth_getTransactionCount", rpc_eth_get_transaction_count },
	{ "eth_getTransactionReceipt", rpc_eth_get_transaction_receipt },
	{ "eth_maxPriorityFeePerGas", rpc_eth_max_priority_fee },
	{ "eth_newBlockFilter", rpc_eth_new_block_filter },
	{ "eth_newFilter", rpc_eth_new_filter },
	{ "eth_newPendingTransactionFilter", rpc_eth_new_pending_filter },
	{ "eth_requestAccounts", rpc_eth_accounts },
	{ "eth_sendRawTransaction", rpc_eth_send_raw_transaction },
	{ "eth_sendTransaction", rpc_eth_send_transaction },
	{ "eth_sign", rpc_eth_sign },
	{ "eth_syncing", rpc_eth_syncing },
	{ "eth_uninstallFilter", rpc_eth_uninstall_filter },
	{ "evm_increaseTime", rpc_evm_increase_time },
	{ "evm_mine", rpc_evm_mine },
	{ "evm_setNextBlockTimestamp", rpc_evm_set_next_block_timestamp },
	{ "anvil_setBalance", rpc_set_balance },
	{ "anvil_setCode", rpc_set_code },
	{ "anvil_setNonce", rpc_set_nonce },
	{ "anvil_setStorageAt", rpc_set_storage_at },
	{ "hardhat_setBalance", rpc_set_balance },
	{ "hardhat_setCode", rpc_set_code },
	{ "hardhat_setNonce", rpc_set_nonce },
	{ "hardhat_setStorageAt", rpc_set_storage_at },
	{ "evm_revert", rpc_evm_revert },
	{ "evm_setAutomine", rpc_evm_set_automine },
	{ "evm_snapshot", rpc_evm_snapshot },
	{ "hardhat_getAutomine", rpc_anvil_get_automine },
	{ "hardhat_metadata", rpc_anvil_metadata },
	{ "hardhat_mine", rpc_anvil_mine },
	{ "net_listening", rpc_net_listening },
	{ "net_version", rpc_net_version },
	{ "personal_sign", rpc_personal_sign },
	{ "txpool_status", rpc_txpool_status },
	{ "web3_clientVersion", rpc_web3_client_version },
	{ "web3_sha3", rpc_web3_sha3 },
};

const struct rpc_method *
eth_methods(size_t *n)
{
	*n = ARRAY_SIZE(methods);
	return methods;
}
