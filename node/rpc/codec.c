/* JSON-RPC values: params in, results out (see codec.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "rlp.h"
#include "rpc/codec.h"
#include "xalloc.h"

/* --- results ------------------------------------------------------------- */

json_t *
jaddr(const uint8_t addr[20])
{
	return jsonhex_bytes(addr, 20);
}

json_t *
jhash(const uint8_t hash[32])
{
	return jsonhex_bytes(hash, 32);
}

/* A JSON number where it fits one, as anvil writes its u64 and u128
 * fields; hex beyond that. */
json_t *
jnum_u256(const struct u256 *v)
{
	if (u256_fits_u64(v) && v->w[0] <= INT64_MAX)
		return json_integer((json_int_t)v->w[0]);
	return jsonhex_u256(v);
}

/* Hands v over as the result.  Returns: 0, or -1 when jansson ran out of
 * memory (the dispatcher then answers an internal error). */
int
rpc_ok(json_t **result, json_t *v)
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
int PRINTFLIKE(4, 5)
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
int
param_expected(struct rpc_error *err, size_t idx, const char *name, const char *what, const json_t *got)
{
	char desc[96];

	describe(desc, got);
	return bad_param(err, idx, name, "expected %s, got %s", what, desc);
}

/* Checks that params is an array of min to max values.  Returns: 0 or -1. */
int
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
const json_t *
opt_param(const json_t *params, size_t i)
{
	const json_t *v = json_array_get(params, i);

	return json_is_null(v) ? NULL : v;
}

/* Parses a QUANTITY: 0x-hex (leading zeros allowed, as anvil allows them),
 * decimal text, or a JSON integer.  Returns: 0 or -1. */
int
parse_u256(struct rpc_error *err, struct u256 *out, const json_t *v, size_t idx,
	   const char *name)
{
	int rc;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = u256_from_u64((uint64_t)json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v))
		return param_expected(err, idx, name, "a quantity like \"0x1a\"", v);
	rc = u256_parse(out, json_string_value(v), json_string_length(v));
	if (rc == -ERANGE)
		return bad_param(err, idx, name, "number too large: it must fit in 256 bits");
	if (rc != 0)
		return param_expected(err, idx, name, "a quantity like \"0x1a\"", v);
	return 0;
}

int
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
		return param_expected(err, idx, name, what, v);
	return 0;
}

int
parse_address(struct rpc_error *err, uint8_t addr[20], const json_t *v, size_t idx,
	      const char *name)
{
	return parse_fixed(err, addr, 20, v, idx, name, "an address: 0x and 40 hex digits");
}

int
parse_hash(struct rpc_error *err, uint8_t hash[32], const json_t *v, size_t idx,
	   const char *name)
{
	return parse_fixed(err, hash, 32, v, idx, name, "a 32-byte hash: 0x and 64 hex digits");
}

/* Parses DATA of any length.  The request body is capped, so its size is
 * too.  Returns: 0 or -1.  Out: *out (caller frees; never NULL), *len. */
int
parse_bytes(struct rpc_error *err, uint8_t **out, size_t *len, const json_t *v, size_t idx,
	    const char *name)
{
	const char *s = json_string_value(v);
	size_t slen = json_string_length(v);
	uint8_t *buf;

	if (s == NULL || slen < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return param_expected(err, idx, name, "hex data starting with 0x", v);
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

int
parse_bool(struct rpc_error *err, bool *out, const json_t *v, size_t idx, const char *name)
{
	if (!json_is_boolean(v))
		return param_expected(err, idx, name, "true or false", v);
	*out = json_is_true(v);
	return 0;
}

bool
is_tag(const json_t *v, const char *tag)
{
	return json_is_string(v) && strcmp(json_string_value(v), tag) == 0;
}

/* Resolves a block param: a tag, a number, or EIP-1898's {"blockNumber"}
 * or {"blockHash"}.  The chain is a single dev node, so safe, finalized
 * and pending all name the head.
 * Returns: 0 with *n set (it may lie past the head), or -1. */
int
parse_block(const struct chain *c, struct rpc_error *err, uint64_t *n, const json_t *v, size_t idx)
{
	static const char what[] =
		"a block number or one of latest, pending, earliest, safe, finalized";
	uint64_t head = chain_head(c)->header.number;

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
			return parse_block(c, err, n, num, idx);
		if (hash == NULL || num != NULL)
			return param_expected(err, idx, "block",
					"{\"blockNumber\": N} or {\"blockHash\": H}", v);
		if (parse_hash(err, h, hash, idx, "blockHash") != 0)
			return -1;
		b = chain_block_by_hash(c, h);
		if (b == NULL)
			return rpc_error_set(err, RPC_SERVER_ERROR, "header for hash not found");
		*n = b->header.number;
		return 0;
	}
	/* A word that is not a number is a tag misspelt. */
	if (json_is_string(v) && !(json_string_value(v)[0] >= '0' && json_string_value(v)[0] <= '9'))
		return param_expected(err, idx, "block", what, v);
	if (!json_is_string(v) && !json_is_integer(v))
		return param_expected(err, idx, "block", what, v);
	return parse_u64(err, n, v, idx, "block");
}

/* Resolves the optional block param at idx (absent: the head) to its
 * number and the state after it.  The chain keeps the last 128 blocks'
 * states; an older one is an error, never the head's state in its place.
 * Returns: 0 or -1.  Out: *n, *st. */
int
block_state(const struct chain *c, struct rpc_error *err, uint64_t *n, const struct state **st,
	    const json_t *params, size_t idx)
{
	const json_t *v = opt_param(params, idx);
	uint64_t head = chain_head(c)->header.number;

	*n = head;
	if (v != NULL && parse_block(c, err, n, v, idx) != 0)
		return -1;
	if (*n > head)
		return rpc_error_set(err, RPC_INVALID_PARAMS,
				     "BlockOutOfRangeError: block height is %" PRIu64
				     " but requested was %" PRIu64, head, *n);
	*st = chain_state_at(c, *n);
	if (*st == NULL)
		return rpc_error_set(err, RPC_SERVER_ERROR,
				     "historical state not available: only the last %d blocks are kept",
				     CHAIN_KEEP_STATES);
	return 0;
}

/* --- transaction requests ------------------------------------------------- */


/* Frees what q owns and clears it. */
void
txreq_release(struct txreq *q)
{
	free(q->data);
	for (size_t i = 0; i < q->naccess; i++)
		free(q->access[i].keys);
	free(q->access);
	memset(q, 0, sizeof(*q));
}

/* Returns: field key of object v, or NULL when it is absent or null. */
const json_t *
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
		return param_expected(err, idx, "accessList", "an array", v);
	q->access = xcalloc(n + 1, sizeof(*q->access));
	for (size_t i = 0; i < n; i++) {
		const json_t *item = json_array_get(v, i);
		const json_t *keys = json_object_get(item, "storageKeys");
		struct tx_access *a = &q->access[i];

		q->naccess = i + 1;
		if (!json_is_object(item))
			return param_expected(err, idx, "accessList", "entries like {\"address\", "
					"\"storageKeys\"}", item);
		if (parse_address(err, a->address, json_object_get(item, "address"), idx,
				  "accessList.address") != 0)
			return -1;
		if (keys != NULL && !json_is_null(keys) && !json_is_array(keys))
			return param_expected(err, idx, "accessList.storageKeys", "an array", keys);
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
int
parse_txreq(struct rpc_error *err, struct txreq *q, const json_t *v, size_t idx)
{
	const json_t *f, *input = opt_field(v, "input"), *data = opt_field(v, "data");

	memset(q, 0, sizeof(*q));
	if (!json_is_object(v))
		return param_expected(err, idx, "transaction", "a transaction object", v);
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
void
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

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns: whether out starts with the 4-byte ABI selector sel. */

static bool
is_selector(const uint8_t *out, size_t len, uint32_t sel)
{
	return len >= 4 && load_be32(out) == sel;
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
char *
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
		xasprintf(&reason, "custom error 0x%08" PRIx32, load_be32(out));
	}
	return reason;
}

/* Reports code that did not succeed: a revert with code 3, its reason and
 * its data; an exceptional halt with -32000 and the halt's name.
 * Returns: -1. */
int
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
	err->data = jsonhex_bytes(r->output, r->output_len);
	return -1;
}

/* --- blocks, transactions, receipts and logs as JSON --------------------- */

void
jset(json_t *o, const char *key, json_t *v)
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
json_t *
tx_json(const struct chain_tx *t, const struct chain_block *b)
{
	const struct tx *tx = &t->tx;
	json_t *o = json_object();

	jset(o, "hash", jhash(tx->hash));
	jset(o, "type", jsonhex_u64(tx->type));
	jset(o, "nonce", jsonhex_u64(tx->nonce));
	jset(o, "blockHash", b != NULL ? jhash(b->hash) : json_null());
	jset(o, "blockNumber", b != NULL ? jsonhex_u64(b->header.number) : json_null());
	jset(o, "transactionIndex", b != NULL ? jsonhex_u64(t->index) : json_null());
	jset(o, "from", jaddr(t->sender));
	jset(o, "to", tx->is_create ? json_null() : jaddr(tx->to));
	jset(o, "value", jsonhex_u256(&tx->value));
	jset(o, "gas", jsonhex_u64(tx->gas_limit));
	jset(o, "input", jsonhex_bytes(tx->data, tx->data_len));
	if (tx_has_dynamic_fee(tx)) {
		jset(o, "maxFeePerGas", jsonhex_u256(&tx->max_fee));
		jset(o, "maxPriorityFeePerGas", jsonhex_u256(&tx->max_priority_fee));
		jset(o, "gasPrice",
		     jsonhex_u256(b != NULL ? &t->effective_gas_price : &tx->max_fee));
	} else {
		jset(o, "gasPrice", jsonhex_u256(&tx->gas_price));
	}
	if (tx->type != TX_LEGACY || !u256_is_zero(&tx->chain_id))
		jset(o, "chainId", jsonhex_u256(&tx->chain_id));
	if (tx->type != TX_LEGACY) {
		jset(o, "accessList", access_list_json(tx));
		jset(o, "yParity", jsonhex_u256(&tx->v));
	}
	if (tx->type == TX_BLOB) {
		json_t *hashes = json_array();

		for (size_t i = 0; i < tx->nblob_hashes; i++)
			json_array_append_new(hashes, jhash(tx->blob_hashes[i]));
		jset(o, "maxFeePerBlobGas", jsonhex_u256(&tx->max_fee_per_blob_gas));
		jset(o, "blobVersionedHashes", hashes);
	}
	jset(o, "v", jsonhex_u256(&tx->v));
	jset(o, "r", jsonhex_u256(&tx->r));
	jset(o, "s", jsonhex_u256(&tx->s));
	return o;
}

/* Returns: log i of t, in block b, as geth shows it. */
json_t *
log_json(const struct chain_tx *t, const struct chain_block *b, size_t i)
{
	const struct exec_log *l = &t->receipt.logs[i];
	json_t *topics = json_array(), *o = json_object();

	for (size_t k = 0; k < l->ntopics; k++)
		json_array_append_new(topics, jhash(l->topics[k]));
	jset(o, "address", jaddr(l->address));
	jset(o, "topics", topics);
	jset(o, "data", jsonhex_bytes(l->data, l->len));
	jset(o, "blockHash", jhash(b->hash));
	jset(o, "blockNumber", jsonhex_u64(b->header.number));
	jset(o, "blockTimestamp", jsonhex_u64(b->header.timestamp));
	jset(o, "transactionHash", jhash(t->tx.hash));
	jset(o, "transactionIndex", jsonhex_u64(t->index));
	jset(o, "logIndex", jsonhex_u64(t->first_log_index + i));
	jset(o, "removed", json_false());
	return o;
}

/* Returns: t's receipt as geth shows it.  In: b, t's block. */
json_t *
receipt_json(const struct chain_tx *t, const struct chain_block *b)
{
	const struct tx *tx = &t->tx;
	json_t *o = json_object(), *logs = json_array();

	for (size_t i = 0; i < t->receipt.nlogs; i++)
		json_array_append_new(logs, log_json(t, b, i));
	jset(o, "type", jsonhex_u64(tx->type));
	jset(o, "status", jsonhex_u64(t->receipt.status == EVM_SUCCESS ? 1 : 0));
	jset(o, "cumulativeGasUsed", jsonhex_u64(t->cumulative_gas));
	jset(o, "logs", logs);
	jset(o, "logsBloom", jsonhex_bytes(t->bloom, BLOCK_BLOOM_LEN));
	jset(o, "transactionHash", jhash(tx->hash));
	jset(o, "transactionIndex", jsonhex_u64(t->index));
	jset(o, "blockHash", jhash(b->hash));
	jset(o, "blockNumber", jsonhex_u64(b->header.number));
	jset(o, "gasUsed", jsonhex_u64(t->receipt.gas_used));
	jset(o, "effectiveGasPrice", jsonhex_u256(&t->effective_gas_price));
	jset(o, "from", jaddr(t->sender));
	jset(o, "to", tx->is_create ? json_null() : jaddr(tx->to));
	if (tx->is_create) {
		/* geth names the address a creation was to have even when it
		 * failed: the sender's CREATE address at the nonce. */
		uint8_t addr[20];

		exec_create_address(addr, t->sender, tx->nonce);
		jset(o, "contractAddress", jaddr(addr));
	} else {
		jset(o, "contractAddress", json_null());
	}
	if (tx->type == TX_BLOB) {
		struct u256 price = tx_blob_base_fee(b->header.excess_blob_gas);

		jset(o, "blobGasUsed", jsonhex_u64(t->receipt.blob_gas_used));
		jset(o, "blobGasPrice", jsonhex_u256(&price));
	}
	return o;
}

/* Returns: a block as geth shows it, with its transactions as objects when
 * full, else as hashes; NULL when out of memory. */
json_t *
block_json(const struct chain_block *b, bool full)
{
	const struct block_header *h = &b->header;
	json_t *o, *txs;
	uint64_t size;

	if (block_size(&size, b) != 0)
		return NULL;
	o = json_object();
	txs = json_array();
	jset(o, "hash", jhash(b->hash));
	jset(o, "parentHash", jhash(h->parent_hash));
	jset(o, "sha3Uncles", jhash(h->ommers_hash));
	jset(o, "miner", jaddr(h->coinbase));
	jset(o, "stateRoot", jhash(h->state_root));
	jset(o, "transactionsRoot", jhash(h->tx_root));
	jset(o, "receiptsRoot", jhash(h->receipts_root));
	jset(o, "logsBloom", jsonhex_bytes(h->bloom, BLOCK_BLOOM_LEN));
	jset(o, "difficulty", jsonhex_u256(&h->difficulty));
	jset(o, "number", jsonhex_u64(h->number));
	jset(o, "gasLimit", jsonhex_u64(h->gas_limit));
	jset(o, "gasUsed", jsonhex_u64(h->gas_used));
	jset(o, "timestamp", jsonhex_u64(h->timestamp));
	jset(o, "extraData", jsonhex_bytes(h->extra, h->extra_len));
	jset(o, "mixHash", jhash(h->mix_hash));
	jset(o, "nonce", jsonhex_bytes(h->nonce, sizeof h->nonce));
	if (h->has_base_fee)
		jset(o, "baseFeePerGas", jsonhex_u256(&h->base_fee));
	if (h->has_withdrawals_root)
		jset(o, "withdrawalsRoot", jhash(h->withdrawals_root));
	if (h->has_blob_gas) {
		jset(o, "blobGasUsed", jsonhex_u64(h->blob_gas_used));
		jset(o, "excessBlobGas", jsonhex_u64(h->excess_blob_gas));
	}
	if (h->has_beacon_root)
		jset(o, "parentBeaconBlockRoot", jhash(h->beacon_root));
	jset(o, "size", jsonhex_u64(size));
	for (size_t i = 0; i < b->ntxs; i++)
		json_array_append_new(txs, full ? tx_json(b->txs[i], b) : jhash(b->txs[i]->tx.hash));
	jset(o, "transactions", txs);
	jset(o, "uncles", json_array());
	if (h->has_withdrawals_root)
		jset(o, "withdrawals", json_array());
	return o;
}

json_t *
pooled_json(const struct chain_pooled *p)
{
	struct chain_tx t;

	memset(&t, 0, sizeof(t));
	t.tx = *p->tx; /* borrowed for tx_json(), never released */
	memcpy(t.sender, p->sender, 20);
	return tx_json(&t, NULL);
}
