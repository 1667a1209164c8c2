/* ethtest state: GeneralStateTests.  Each test object holds an "env" (the
 * block), a "pre" state, a "transaction" whose data, gasLimit and value are
 * arrays, and "post": per fork, a list of cases that each pick one element
 * of every array by "indexes" and give the state root ("hash") and logs
 * hash expected after the transaction runs alone in a block.  Only Cancun's
 * cases run; objects without any (other forks' Pyspecs) are not counted.
 *
 * A case with "expectException" names a transaction that must be refused,
 * leaving the pre state.  BLOCKHASH(n) answers keccak256 of n written in
 * decimal, as the reference runner does. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/exec.h"
#include "ethtest.h"
#include "evm/precompiles.h"
#include "keccak.h"
#include "rlp.h"
#include "state/state.h"
#include "xalloc.h"

/* Reads a JSON string of 0x-hex (or decimal) as a 256-bit number. */
static int
json_u256(struct u256 *v, const json_t *j)
{
	const char *s = json_string_value(j);

	if (s == NULL)
		return -EINVAL;
	return u256_parse(v, s, strlen(s));
}

static int
json_u64(uint64_t *v, const json_t *j)
{
	struct u256 w;
	int rc = json_u256(&w, j);

	if (rc != 0)
		return rc;
	if (!u256_fits_u64(&w))
		return -ERANGE;
	*v = w.w[0];
	return 0;
}

/* Reads exactly n bytes of hex from s. */
static int
hex_fixed(uint8_t *out, size_t n, const char *s)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (s == NULL || ethtest_hex_decode(&buf, &len, s, strlen(s)) != 0)
		return -EINVAL;
	rc = len == n ? 0 : -EINVAL;
	if (rc == 0)
		memcpy(out, buf, n);
	free(buf);
	return rc;
}

/* Loads the "pre" accounts into a fresh state.  Returns: 0 or -EINVAL. */
static int
load_pre(struct state *s, const json_t *pre, const char **why)
{
	const char *key;
	json_t *acct;

	json_object_foreach((json_t *)pre, key, acct) {
		uint8_t addr[20], *code = NULL;
		struct u256 bal;
		uint64_t nonce;
		size_t len;
		const char *k;
		json_t *v;

		if (hex_fixed(addr, 20, key) != 0) {
			*why = "a pre-state address that is not 20 bytes of hex";
			return -EINVAL;
		}
		if (json_u256(&bal, json_object_get(acct, "balance")) != 0 ||
		    json_u64(&nonce, json_object_get(acct, "nonce")) != 0) {
			*why = "a pre-state balance or nonce that does not parse";
			return -EINVAL;
		}
		state_create(s, addr);
		state_set_balance(s, addr, &bal);
		state_set_nonce(s, addr, nonce);
		v = json_object_get(acct, "code");
		if (!json_is_string(v) || ethtest_hex_decode(&code, &len, json_string_value(v),
							     json_string_length(v)) != 0) {
			*why = "pre-state code that is not hex";
			return -EINVAL;
		}
		if (len > 0)
			state_set_code(s, addr, code, len);
		free(code);
		json_object_foreach(json_object_get(acct, "storage"), k, v) {
			struct u256 slot, val;

			if (u256_parse(&slot, k, strlen(k)) != 0 || json_u256(&val, v) != 0) {
				*why = "pre-state storage that does not parse";
				return -EINVAL;
			}
			state_set_storage(s, addr, &slot, &val);
		}
	}
	/* The pre state is where the test starts, not a transaction's work. */
	state_end_tx(s);
	return 0;
}

static int
load_env(struct exec_block *b, const json_t *env)
{
	const json_t *v;

	memset(b, 0, sizeof(*b));
	if (hex_fixed(b->coinbase, 20, json_string_value(json_object_get(env, "currentCoinbase"))) ||
	    json_u64(&b->number, json_object_get(env, "currentNumber")) ||
	    json_u64(&b->timestamp, json_object_get(env, "currentTimestamp")) ||
	    json_u64(&b->gas_limit, json_object_get(env, "currentGasLimit")))
		return -EINVAL;
	if ((v = json_object_get(env, "currentBaseFee")) != NULL && json_u256(&b->base_fee, v))
		return -EINVAL;
	if ((v = json_object_get(env, "currentRandom")) != NULL && json_u256(&b->prevrandao, v))
		return -EINVAL;
	if ((v = json_object_get(env, "currentExcessBlobGas")) != NULL &&
	    json_u64(&b->excess_blob_gas, v))
		return -EINVAL;
	b->chain_id = u256_from_u64(1);
	return 0;
}

/* Builds case (d, g, v) of the test's transaction.  Returns: 0, or -EINVAL
 * when a field does not parse, which makes the transaction invalid (some
 * tests give values wider than 256 bits on purpose). */
static int
load_tx(struct tx *tx, uint8_t sender[20], const json_t *j, size_t d, size_t g, size_t v)
{
	const json_t *f, *al;
	const char *to;
	size_t len;

	memset(tx, 0, sizeof(*tx));
	if (hex_fixed(sender, 20, json_string_value(json_object_get(j, "sender"))) ||
	    json_u64(&tx->nonce, json_object_get(j, "nonce")) ||
	    json_u64(&tx->gas_limit, json_array_get(json_object_get(j, "gasLimit"), g)) ||
	    json_u256(&tx->value, json_array_get(json_object_get(j, "value"), v)))
		return -EINVAL;
	f = json_array_get(json_object_get(j, "data"), d);
	if (!json_is_string(f) ||
	    ethtest_hex_decode(&tx->data, &tx->data_len, json_string_value(f), json_string_length(f)))
		return -EINVAL;
	to = json_string_value(json_object_get(j, "to"));
	tx->is_create = to == NULL || to[0] == '\0';
	if (!tx->is_create && hex_fixed(tx->to, 20, to))
		return -EINVAL;
	al = json_array_get(json_object_get(j, "accessLists"), d);
	if ((f = json_object_get(j, "maxFeePerGas")) != NULL) {
		tx->type = TX_DYNAMIC_FEE;
		if (json_u256(&tx->max_fee, f) ||
		    json_u256(&tx->max_priority_fee, json_object_get(j, "maxPriorityFeePerGas")))
			return -EINVAL;
	} else {
		tx->type = al != NULL && !json_is_null(al) ? TX_ACCESS_LIST : TX_LEGACY;
		if (json_u256(&tx->gas_price, json_object_get(j, "gasPrice")))
			return -EINVAL;
	}
	if ((f = json_object_get(j, "blobVersionedHashes")) != NULL) {
		tx->type = TX_BLOB;
		if (json_u256(&tx->max_fee_per_blob_gas, json_object_get(j, "maxFeePerBlobGas")))
			return -EINVAL;
		tx->nblob_hashes = json_array_size(f);
		tx->blob_hashes = xcalloc(tx->nblob_hashes + 1, 32);
		for (size_t i = 0; i < tx->nblob_hashes; i++) {
			if (hex_fixed(tx->blob_hashes[i], 32, json_string_value(json_array_get(f, i))))
				return -EINVAL;
		}
	}
	if (al != NULL && !json_is_null(al)) {
		len = json_array_size(al);
		tx->access_list = xcalloc(len + 1, sizeof(*tx->access_list));
		tx->naccess = len;
		for (size_t i = 0; i < len; i++) {
			const json_t *e = json_array_get(al, i), *keys = json_object_get(e, "storageKeys");
			struct tx_access *a = &tx->access_list[i];

			if (hex_fixed(a->address, 20, json_string_value(json_object_get(e, "address"))))
				return -EINVAL;
			a->nkeys = json_array_size(keys);
			a->keys = xcalloc(a->nkeys + 1, 32);
			for (size_t k = 0; k < a->nkeys; k++) {
				struct u256 key;

				if (json_u256(&key, json_array_get(keys, k)))
					return -EINVAL;
				u256_to_be(a->keys[k], &key);
			}
		}
	}
	tx->chain_id = u256_from_u64(1);
	return 0;
}

/* keccak256(rlp([[address, [topics...], data]...])) */
static void
logs_hash(uint8_t out[32], const struct exec_receipt *r)
{
	struct rlp_enc e;
	size_t outer, inner, topics;

	rlp_enc_init(&e);
	outer = rlp_enc_list_begin(&e);
	for (size_t i = 0; i < r->nlogs; i++) {
		const struct exec_log *l = &r->logs[i];

		inner = rlp_enc_list_begin(&e);
		rlp_enc_bytes(&e, l->address, 20);
		topics = rlp_enc_list_begin(&e);
		for (size_t k = 0; k < l->ntopics; k++)
			rlp_enc_bytes(&e, l->topics[k], 32);
		rlp_enc_list_end(&e, topics);
		rlp_enc_bytes(&e, l->data, l->len);
		rlp_enc_list_end(&e, inner);
	}
	rlp_enc_list_end(&e, outer);
	if (rlp_enc_error(&e) != 0)
		BUG("encoding logs failed");
	keccak256(out, e.data, e.len);
	rlp_enc_release(&e);
}

/* The reference runner's BLOCKHASH: keccak256 of the number in decimal. */
static void
test_block_hash(void *arg, uint64_t number, uint8_t hash[32])
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, number);

	keccak256(hash, buf, (size_t)n);
}

/* Prints one EIP-3155 line (geth's evm --json format). */
static void
trace_line(void *arg, const struct evm_trace_step *st)
{
	const char *name = evm_opcode_name(st->op);

	printf("{\"pc\":%u,\"op\":%u,\"gas\":\"0x%" PRIx64 "\",\"gasCost\":\"0x%" PRIx64
	       "\",\"memSize\":%zu,\"stack\":[",
	       st->pc, st->op, (uint64_t)st->gas, (uint64_t)st->gas_cost, st->mem_size);
	for (size_t i = 0; i < st->stack_len; i++) {
		char hex[U256_HEX_MAX];

		u256_to_hex(hex, &st->stack[i]);
		printf("%s\"%s\"", i ? "," : "", hex);
	}
	printf("],\"depth\":%d,\"refund\":%" PRId64 ",\"opName\":\"%s\"}\n", st->depth,
	       st->refund, name ? name : "opcode 0x??");
}

static void
run_case(struct ethtest *t, const char *file, const char *name, const json_t *test,
	 const json_t *c, size_t index)
{
	const json_t *idx = json_object_get(c, "indexes"), *exc = json_object_get(c, "expectException");
	size_t d = (size_t)json_integer_value(json_object_get(idx, "data"));
	size_t g = (size_t)json_integer_value(json_object_get(idx, "gas"));
	size_t v = (size_t)json_integer_value(json_object_get(idx, "value"));
	uint8_t want_root[32], want_logs[32], root[32], lh[32], sender[20];
	struct exec_receipt r = { 0 };
	struct state *s = state_new();
	struct exec *x = exec_new(s);
	const char *why = NULL;
	struct exec_block b;
	struct tx tx;
	char *label;
	int rc;

	xasprintf(&label, "%s[d=%zu,g=%zu,v=%zu]#%zu", name, d, g, v, index);
	if (!ethtest_wanted(t, label))
		goto out;
	if (hex_fixed(want_root, 32, json_string_value(json_object_get(c, "hash"))) ||
	    hex_fixed(want_logs, 32, json_string_value(json_object_get(c, "logs"))) ||
	    load_env(&b, json_object_get(test, "env")) != 0) {
		ethtest_fail(t, file, label, "the case's hash, logs or env does not parse");
		goto out;
	}
	if (load_pre(s, json_object_get(test, "pre"), &why) != 0) {
		ethtest_fail(t, file, label, "%s", why);
		goto out;
	}
	exec_set_block_hash(x, test_block_hash, NULL);
	if (t->trace)
		exec_set_tracer(x, trace_line, NULL);
	rc = load_tx(&tx, sender, json_object_get(test, "transaction"), d, g, v);
	if (rc != 0)
		why = "TransactionException: a field does not parse";
	else
		rc = exec_tx(x, &r, &why, &b, &tx, sender, b.gas_limit, TX_MAX_BLOB_GAS_PER_BLOCK);
	tx_release(&tx);
	if (exc != NULL && rc == 0) {
		ethtest_fail(t, file, label, "expected %s, but the transaction was applied",
			     json_string_value(exc));
		goto out;
	}
	if (exc == NULL && rc != 0) {
		ethtest_fail(t, file, label, "the transaction was refused: %s", why);
		goto out;
	}
	if (rc == 0)
		ethtest_trace(t, "status %s, gas used %" PRIu64, evm_status_name(r.status), r.gas_used);
	if (state_root(s, root) != 0) {
		ethtest_fail(t, file, label, "computing the state root failed");
		goto out;
	}
	if (memcmp(root, want_root, 32) != 0) {
		ethtest_fail_bytes(t, file, label, "state root", want_root, 32, root, 32);
		goto out;
	}
	logs_hash(lh, &r);
	if (memcmp(lh, want_logs, 32) != 0) {
		ethtest_fail_bytes(t, file, label, "logs hash", want_logs, 32, lh, 32);
		goto out;
	}
	ethtest_pass(t, file, label);
out:
	exec_receipt_release(&r);
	exec_free(x);
	state_free(s);
	free(label);
}

void
ethtest_state_file(struct ethtest *t, const char *file, const json_t *root)
{
	const char *name;
	json_t *test;

	json_object_foreach((json_t *)root, name, test) {
		const json_t *cases = json_object_get(json_object_get(test, "post"), "Cancun");
		size_t i;
		json_t *c;

		json_array_foreach(cases, i, c)
			run_case(t, file, name, test, c, i);
	}
}
