/* anvil's methods for impersonation, the pool and state dumps (see
 * eth_int.h): anvil_impersonateAccount and kin, txpool_status,
 * txpool_content and txpool_inspect in geth's shapes, anvil_dropTransaction
 * and kin, and anvil_dumpState / anvil_loadState in anvil's format; and
 * the state files of chainbox-node's --dump-state and --load-state, in
 * the same format (anvil.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "chain/chain.h"
#include "hex.h"
#include "rpc/anvil.h"
#include "rpc/codec.h"
#include "rpc/eth_int.h"
#include "u256.h"
#include "xalloc.h"

/* anvil_loadState inflates a gzip'd dump to at most this: the request body
 * is capped at a few MiB, but gzip packs zeros a thousand to one.  A
 * state file may be as large. */
#define LOAD_MAX_JSON (256u << 20)
/* Loading mines empty blocks up to the dump's best block, each a real
 * block with its own state root (100,000 take a second and 90 MiB).
 * Over RPC a dump may ask for as many as anvil_mine may; a file, which
 * the node's operator gives, for as many as a node could have held. */
#define LOAD_MAX_BLOCKS_RPC 100000u
#define LOAD_MAX_BLOCKS_FILE 10000000u
/* The message anvil gives any dump it cannot read, which its users know. */
#define LOAD_ERROR "Failed to decode state dump"

/* --- impersonation -------------------------------------------------------- */

/* anvil_impersonateAccount / hardhat_impersonateAccount: [address]; null.
 * eth_sendTransaction then sends as address without its key. */
int
rpc_anvil_impersonate_account(void *ctx, const json_t *params, json_t **result,
			      struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20];

	if (check_params(err, params, "anvil_impersonateAccount", 1, 1) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0)
		return -1;
	chain_impersonate(e->chain, addr, true);
	return rpc_ok(result, json_null());
}

/* anvil_stopImpersonatingAccount / hardhat_stopImpersonatingAccount:
 * [address]; null, also for an address that was not impersonated. */
int
rpc_anvil_stop_impersonating_account(void *ctx, const json_t *params, json_t **result,
				     struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20];

	if (check_params(err, params, "anvil_stopImpersonatingAccount", 1, 1) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0)
		return -1;
	chain_impersonate(e->chain, addr, false);
	return rpc_ok(result, json_null());
}

/* anvil_autoImpersonateAccount / hardhat_autoImpersonateAccount: [enabled];
 * null.  While on, every sender counts as impersonated. */
int
rpc_anvil_auto_impersonate_account(void *ctx, const json_t *params, json_t **result,
				   struct rpc_error *err)
{
	struct eth *e = ctx;
	bool on = false;

	if (check_params(err, params, "anvil_autoImpersonateAccount", 1, 1) != 0 ||
	    parse_bool(err, &on, json_array_get(params, 0), 0, "enabled") != 0)
		return -1;
	chain_set_auto_impersonate(e->chain, on);
	return rpc_ok(result, json_null());
}

/* --- the pool ------------------------------------------------------------- */

/* txpool_status: {pending, queued}, each a QUANTITY. */
int
rpc_txpool_status(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	size_t pending, queued;

	if (check_params(err, params, "txpool_status", 0, 0) != 0)
		return -1;
	chain_pool_count(e->chain, &pending, &queued);
	return rpc_ok(result, json_pack("{s:o, s:o}", "pending", jsonhex_u64(pending), "queued",
					jsonhex_u64(queued)));
}

/* What txpool_content and txpool_inspect build: geth's
 * {pending: {sender: {nonce: entry}}, queued: {...}}. */
struct pool_json {
	json_t *pending, *queued;
	json_t *(*entry)(const struct chain_pooled *p);
};

/* txpool_inspect's entry, geth's and anvil's summary: "TO: VALUE wei + GAS
 * gas × PRICE wei", the price a dynamic-fee transaction's fee cap. */
static json_t *
inspect_entry(const struct chain_pooled *p)
{
	const struct tx *tx = p->tx;
	char to[43] = "contract creation", value[U256_DEC_MAX], price[U256_DEC_MAX];
	char *s;
	json_t *j;

	if (!tx->is_create) {
		to[0] = '0';
		to[1] = 'x';
		hex_encode(to + 2, tx->to, 20);
	}
	u256_to_dec(value, &tx->value);
	u256_to_dec(price, tx_has_dynamic_fee(tx) ? &tx->max_fee : &tx->gas_price);
	/* "\xc3\x97" is U+00D7, the multiplication sign, in UTF-8. */
	xasprintf(&s, "%s: %s wei + %" PRIu64 " gas \xc3\x97 %s wei", to, value, tx->gas_limit,
		  price);
	j = json_string(s);
	free(s);
	return j;
}

/* chain_pool_foreach()'s callback: files p under its sender and nonce. */
static int
add_pooled(void *arg, const struct chain_pooled *p)
{
	struct pool_json *pj = arg;
	json_t *group = p->pending ? pj->pending : pj->queued, *by_nonce;
	char sender[43], nonce[24];

	sender[0] = '0';
	sender[1] = 'x';
	hex_encode(sender + 2, p->sender, 20);
	snprintf(nonce, sizeof nonce, "%" PRIu64, p->tx->nonce);
	if ((by_nonce = json_object_get(group, sender)) == NULL) {
		by_nonce = json_object();
		if (json_object_set_new(group, sender, by_nonce) != 0)
			return -ENOMEM;
	}
	return json_object_set_new(by_nonce, nonce, pj->entry(p)) != 0 ? -ENOMEM : 0;
}

/* txpool_content and txpool_inspect. */
static int
pool_result(struct eth *e, struct rpc_error *err, json_t **result, const json_t *params,
	    const char *method, json_t *(*entry)(const struct chain_pooled *p))
{
	struct pool_json pj = { json_object(), json_object(), entry };
	int rc = -1;

	if (check_params(err, params, method, 0, 0) != 0)
		goto out;
	if (pj.pending == NULL || pj.queued == NULL ||
	    chain_pool_foreach(e->chain, add_pooled, &pj) != 0) {
		rpc_error_set(err, RPC_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	rc = rpc_ok(result, json_pack("{s:O, s:O}", "pending", pj.pending, "queued", pj.queued));
out:
	json_decref(pj.pending);
	json_decref(pj.queued);
	return rc;
}

/* txpool_content: every pooled transaction, by sender and nonce. */
int
rpc_txpool_content(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	return pool_result(ctx, err, result, params, "txpool_content", pooled_json);
}

/* txpool_inspect: the same, each as a one-line summary. */
int
rpc_txpool_inspect(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	return pool_result(ctx, err, result, params, "txpool_inspect", inspect_entry);
}

/* anvil_dropTransaction / hardhat_dropTransaction: [hash]; the hash, or
 * null when the pool does not hold it. */
int
rpc_anvil_drop_transaction(void *ctx, const json_t *params, json_t **result,
			   struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t hash[32];

	if (check_params(err, params, "anvil_dropTransaction", 1, 1) != 0 ||
	    parse_hash(err, hash, json_array_get(params, 0), 0, "hash") != 0)
		return -1;
	if (!chain_pool_drop(e->chain, hash))
		return rpc_ok(result, json_null());
	return rpc_ok(result, jhash(hash));
}

/* anvil_dropAllTransactions / hardhat_dropAllTransactions: []; null. */
int
rpc_anvil_drop_all_transactions(void *ctx, const json_t *params, json_t **result,
				struct rpc_error *err)
{
	struct eth *e = ctx;

	if (check_params(err, params, "anvil_dropAllTransactions", 0, 0) != 0)
		return -1;
	chain_pool_clear(e->chain);
	return rpc_ok(result, json_null());
}

/* anvil_removePoolTransactions: [address]; null.  Drops the address's
 * pooled transactions. */
int
rpc_anvil_remove_pool_transactions(void *ctx, const json_t *params, json_t **result,
				   struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t addr[20];

	if (check_params(err, params, "anvil_removePoolTransactions", 1, 1) != 0 ||
	    parse_address(err, addr, json_array_get(params, 0), 0, "address") != 0)
		return -1;
	(void)chain_pool_drop_sender(e->chain, addr);
	return rpc_ok(result, json_null());
}

/* --- state dumps ------------------------------------------------------------ */

/* Compresses in as gzip.  Returns: 0; -E2BIG past what zlib takes in one
 * call; -ENOMEM.  Out: *out (caller frees), *len. */
static int
gzip_bytes(uint8_t **out, size_t *len, const char *in, size_t n)
{
	z_stream z;
	uint8_t *buf = NULL;
	uLong room;
	int rc = -ENOMEM;

	memset(&z, 0, sizeof(z));
	if (n > UINT_MAX)
		return -E2BIG;
	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	room = deflateBound(&z, (uLong)n);
	if (room > UINT_MAX) {
		rc = -E2BIG;
		goto out;
	}
	buf = xmalloc(room);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = buf;
	z.avail_out = (uInt)room;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto out;
	*out = buf;
	*len = z.total_out;
	buf = NULL;
	rc = 0;
out:
	deflateEnd(&z);
	free(buf);
	return rc;
}

/* Inflates a gzip'd (or zlib) stream of at most max bytes.
 * Returns: 0; -EINVAL for a corrupt or truncated stream; -E2BIG past max.
 * Out: *out (caller frees), *len. */
static int
gunzip_bytes(uint8_t **out, size_t *len, const uint8_t *in, size_t n, size_t max)
{
	z_stream z;
	uint8_t *buf = NULL;
	size_t cap = 0;
	int zrc = Z_OK, rc = -EINVAL;

	memset(&z, 0, sizeof(z));
	if (n > UINT_MAX)
		return -E2BIG;
	/* windowBits 15 + 32: either header, found by looking. */
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	while (zrc != Z_STREAM_END) {
		if (z.total_out == cap) {
			if (cap >= max) {
				rc = -E2BIG;
				goto out;
			}
			cap = cap == 0 ? 4 * n + 4096 : 2 * cap;
			if (cap > max)
				cap = max;
			buf = xreallocarray(buf, cap, 1);
		}
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		zrc = inflate(&z, Z_NO_FLUSH);
		/* Z_BUF_ERROR with output room left means the input ended
		 * early. */
		if (zrc != Z_OK && zrc != Z_STREAM_END &&
		    !(zrc == Z_BUF_ERROR && z.avail_out == 0))
			goto out;
	}
	*out = buf;
	*len = z.total_out;
	buf = NULL;
	rc = 0;
out:
	inflateEnd(&z);
	free(buf);
	return rc;
}

/* An account on its way into a dump. */
struct dump_account {
	uint8_t address[20];
	uint64_t nonce;
	struct u256 balance;
	const uint8_t *code; /* the state's; valid while it does not change */
	size_t code_len;
};

struct dump_walk {
	struct dump_account *v;
	size_t n, cap;
};

static int
collect_account(void *arg, const struct state_account_view *a)
{
	struct dump_walk *w = arg;
	struct dump_account *d;

	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->v = xreallocarray(w->v, w->cap, sizeof(*w->v));
	}
	d = &w->v[w->n++];
	memcpy(d->address, a->address, 20);
	d->nonce = a->nonce;
	d->balance = a->balance;
	d->code = a->code;
	d->code_len = a->code_len;
	return 0;
}

static int
account_cmp(const void *a, const void *b)
{
	return memcmp(((const struct dump_account *)a)->address,
		      ((const struct dump_account *)b)->address, 20);
}

/* A slot as a dump writes it: key and value as 32-byte words. */
struct dump_slot {
	uint8_t key[32], value[32];
};

struct slot_walk {
	struct dump_slot *v;
	size_t n, cap;
};

static int
collect_slot(void *arg, const struct u256 *key, const struct u256 *value)
{
	struct slot_walk *w = arg;

	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->v = xreallocarray(w->v, w->cap, sizeof(*w->v));
	}
	u256_to_be(w->v[w->n].key, key);
	u256_to_be(w->v[w->n].value, value);
	w->n++;
	return 0;
}

static int
slot_cmp(const void *a, const void *b)
{
	return memcmp(((const struct dump_slot *)a)->key, ((const struct dump_slot *)b)->key, 32);
}

/* Returns: one account as anvil dumps it: {nonce (a number), balance,
 * code, storage {key: value}}, with the slots in order. */
static json_t *
account_json(const struct state *st, const struct dump_account *a)
{
	struct slot_walk w = { NULL, 0, 0 };
	char balance[U256_HEX_MAX];
	json_t *storage = json_object();

	(void)state_foreach_slot(st, a->address, collect_slot, &w);
	if (w.n > 1)
		qsort(w.v, w.n, sizeof(*w.v), slot_cmp);
	for (size_t i = 0; i < w.n; i++) {
		char key[67];

		key[0] = '0';
		key[1] = 'x';
		hex_encode(key + 2, w.v[i].key, 32);
		json_object_set_new(storage, key, jhash(w.v[i].value));
	}
	free(w.v);
	u256_to_hex(balance, &a->balance);
	return json_pack("{s:I, s:s, s:o, s:o}", "nonce", (json_int_t)a->nonce, "balance", balance,
			 "code", jsonhex_bytes(a->code, a->code_len), "storage", storage);
}

/* Returns: c's head state as a dump (see anvil.h). */
json_t *
anvil_state_json(const struct chain *c)
{
	const struct state *st = chain_state(c);
	struct dump_walk w = { NULL, 0, 0 };
	json_t *accounts = json_object(), *root = NULL;

	if (accounts == NULL)
		goto out;
	(void)state_foreach(st, collect_account, &w);
	if (w.n > 1)
		qsort(w.v, w.n, sizeof(*w.v), account_cmp);
	for (size_t i = 0; i < w.n; i++) {
		char addr[43];

		addr[0] = '0';
		addr[1] = 'x';
		hex_encode(addr + 2, w.v[i].address, 20);
		if (json_object_set_new(accounts, addr, account_json(st, &w.v[i])) != 0)
			goto out;
	}
	root = json_pack("{s:n, s:O, s:I, s:[], s:[], s:n}", "block", "accounts", accounts,
			 "best_block_number", (json_int_t)chain_head(c)->header.number, "blocks",
			 "transactions", "historical_states");
out:
	json_decref(accounts);
	free(w.v);
	return root;
}

/* anvil_dumpState / hardhat_dumpState: [preserveHistoricalStates?]; "0x"
 * and the hex of gzip'd anvil_state_json(), as anvil answers. */
int
rpc_anvil_dump_state(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	json_t *root = NULL;
	const json_t *jh;
	char *text = NULL;
	uint8_t *gz = NULL;
	size_t gz_len;
	bool historical;
	int rc = -1;

	if (check_params(err, params, "anvil_dumpState", 0, 1) != 0)
		goto out;
	/* Checked, and then of no use: older states are never dumped. */
	if ((jh = opt_param(params, 0)) != NULL &&
	    parse_bool(err, &historical, jh, 0, "preserveHistoricalStates") != 0)
		goto out;
	root = anvil_state_json(e->chain);
	if (root == NULL || (text = json_dumps(root, JSON_COMPACT)) == NULL) {
		rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot dump the state: out of memory");
		goto out;
	}
	if (gzip_bytes(&gz, &gz_len, text, strlen(text)) != 0) {
		rpc_error_set(err, RPC_INTERNAL_ERROR, "cannot compress the state dump");
		goto out;
	}
	rc = rpc_ok(result, jsonhex_bytes(gz, gz_len));
out:
	free(gz);
	free(text);
	json_decref(root);
	return rc;
}

/* An account on its way out of a dump. */
struct load_account {
	uint8_t address[20];
	uint64_t nonce;
	struct u256 balance;
	uint8_t *code;
	size_t code_len;
	struct u256 (*slots)[2];
	size_t nslots;
};

static void
load_accounts_free(struct load_account *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].code);
		free(v[i].slots);
	}
	free(v);
}

/* Parses a QUANTITY of a dump: a JSON integer, or hex or decimal text.
 * Returns: 0 or -EINVAL. */
static int
dump_u256(struct u256 *out, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = u256_from_u64((uint64_t)json_integer_value(v));
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	return u256_parse(out, json_string_value(v), json_string_length(v)) == 0 ? 0 : -EINVAL;
}

/* Parses one account of a dump into a, saying what is wrong in *why
 * (static). */
static int
parse_account(struct load_account *a, const char **why, const char *key, const json_t *v)
{
	const json_t *jnonce = json_object_get(v, "nonce"), *jcode = json_object_get(v, "code");
	const json_t *jstorage = json_object_get(v, "storage"), *slot;
	const char *s, *k;
	struct u256 nonce;
	size_t len = 20, slen, i = 0;

	*why = "an address is not 0x and 40 hex digits";
	if (strlen(key) != 42 || hex_decode(a->address, &len, key, 42) != 0 || len != 20)
		return -EINVAL;
	*why = "an account is not an object";
	if (!json_is_object(v))
		return -EINVAL;
	*why = "a nonce is not a number below 2^64";
	if (jnonce == NULL || dump_u256(&nonce, jnonce) != 0 || !u256_fits_u64(&nonce))
		return -EINVAL;
	a->nonce = u256_to_u64(&nonce);
	*why = "a balance is not a number below 2^256";
	if (dump_u256(&a->balance, json_object_get(v, "balance")) != 0)
		return -EINVAL;
	*why = "a code is not hex data";
	if (jcode != NULL && !json_is_null(jcode)) {
		s = json_string_value(jcode);
		slen = json_string_length(jcode);
		if (s == NULL || slen < 2 || s[0] != '0' || s[1] != 'x' || slen % 2 != 0)
			return -EINVAL;
		a->code_len = (slen - 2) / 2;
		a->code = xmalloc(a->code_len + 1);
		if (hex_decode(a->code, &a->code_len, s, slen) != 0)
			return -EINVAL;
	}
	*why = "a storage is not an object of slots";
	if (jstorage == NULL || json_is_null(jstorage))
		return 0;
	if (!json_is_object(jstorage))
		return -EINVAL;
	a->slots = xcalloc(json_object_size(jstorage) + 1, sizeof(*a->slots));
	*why = "a storage slot is not a number below 2^256";
	json_object_foreach((json_t *)jstorage, k, slot) {
		if (u256_parse(&a->slots[i][0], k, strlen(k)) != 0 ||
		    dump_u256(&a->slots[i][1], slot) != 0)
			return -EINVAL;
		i++;
	}
	a->nslots = i;
	return 0;
}

/* Finds a dump's best block as anvil does: "best_block_number", else the
 * number of "block" (older dumps have no best_block_number), else 0, for
 * a dump of accounts alone.  Returns: 0 or -EINVAL.  Out: *best. */
static int
dump_best_block(uint64_t *best, const json_t *root)
{
	const json_t *v = json_object_get(root, "best_block_number");
	struct u256 n;

	if (v == NULL || json_is_null(v))
		v = json_object_get(json_object_get(root, "block"), "number");
	*best = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (dump_u256(&n, v) != 0 || !u256_fits_u64(&n))
		return -EINVAL;
	*best = u256_to_u64(&n);
	return 0;
}

/* Merges a dump into c (see anvil.h). */
int
anvil_state_load(struct chain *c, char **cause, const json_t *root, uint64_t max_blocks)
{
	const json_t *accounts = json_object_get(root, "accounts"), *jv;
	uint64_t best, head = chain_head(c)->header.number;
	struct load_account *v = NULL;
	const char *why, *key;
	size_t n = 0;
	int rc = -EINVAL;

	if (!json_is_object(accounts)) {
		xasprintf(cause, "it has no \"accounts\" object");
		goto out;
	}
	if (dump_best_block(&best, root) != 0) {
		xasprintf(cause, "its best block number is not a number below 2^64");
		goto out;
	}
	if (best > head && best - head > max_blocks) {
		xasprintf(cause, "its best block %" PRIu64 " is more than %" PRIu64
				 " blocks past block %" PRIu64, best, max_blocks, head);
		goto out;
	}
	v = xcalloc(json_object_size(accounts) + 1, sizeof(*v));
	json_object_foreach((json_t *)accounts, key, jv) {
		if (parse_account(&v[n++], &why, key, jv) != 0) {
			/* The key is the sender's: only so much of it is repeated. */
			xasprintf(cause, "account '%.42s%s': %s", key, strlen(key) > 42 ? "..." : "",
				  why);
			goto out;
		}
	}
	/* Only a dump read whole changes the state. */
	for (size_t i = 0; i < n; i++) {
		const struct load_account *a = &v[i];
		uint64_t nonce = state_nonce(chain_state(c), a->address);

		chain_set_balance(c, a->address, &a->balance);
		chain_set_nonce(c, a->address, a->nonce > nonce ? a->nonce : nonce);
		chain_set_code(c, a->address, a->code, a->code_len);
		for (size_t k = 0; k < a->nslots; k++)
			chain_set_storage(c, a->address, &a->slots[k][0], &a->slots[k][1]);
	}
	/* The dump's blocks are not loaded, so empty ones stand in for them,
	 * and the head's state root then covers the accounts just set. */
	rc = best > head ? chain_mine_many(c, best - head, 0, 1) : 0;
	if (rc != 0)
		xasprintf(cause, "cannot mine up to block %" PRIu64 ": %s", best,
			  chain_store_error(c) != NULL ? chain_store_error(c) : strerror(-rc));
out:
	load_accounts_free(v, n);
	return rc;
}

/* Reads the JSON of a dump, gzip'd (it begins 1f 8b) or not.
 * Returns: 0, or -EINVAL with *cause set (caller frees): JSON errors give
 * jansson's line and column.  Out: *root (caller json_decref()s). */
static int
dump_parse(json_t **root, char **cause, const uint8_t *buf, size_t len)
{
	uint8_t *text = NULL;
	size_t text_len;
	json_error_t jerr;
	int rc;

	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		rc = gunzip_bytes(&text, &text_len, buf, len, LOAD_MAX_JSON);
		if (rc != 0) {
			xasprintf(cause, "%s", rc == -E2BIG    ? "it inflates past 256 MiB"
					       : rc == -ENOMEM ? "out of memory inflating it"
							       : "it is not valid gzip");
			rc = -EINVAL;
			goto out;
		}
		buf = text;
		len = text_len;
	}
	*root = json_loadb((const char *)buf, len, 0, &jerr);
	if (*root == NULL) {
		xasprintf(cause, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		rc = -EINVAL;
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* anvil_loadState / hardhat_loadState: [hex of a dump, gzip'd or not];
 * true, after anvil_state_load(). */
int
rpc_anvil_load_state(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	uint8_t *raw = NULL;
	size_t raw_len;
	json_t *root = NULL;
	char *cause = NULL;
	int rc = -1, lrc;

	if (check_params(err, params, "anvil_loadState", 1, 1) != 0 ||
	    parse_bytes(err, &raw, &raw_len, json_array_get(params, 0), 0, "state") != 0)
		goto out;
	if ((lrc = dump_parse(&root, &cause, raw, raw_len)) != 0 ||
	    (lrc = anvil_state_load(e->chain, &cause, root, LOAD_MAX_BLOCKS_RPC)) != 0) {
		if (lrc == -EINVAL)
			rpc_error_set(err, RPC_INVALID_PARAMS, "%s: %s", LOAD_ERROR, cause);
		else
			rpc_error_set(err, RPC_INTERNAL_ERROR, "%s", cause);
		goto out;
	}
	rc = rpc_ok(result, json_true());
out:
	free(cause);
	json_decref(root);
	free(raw);
	return rc;
}

/* --- state files ------------------------------------------------------------ */

/* Returns: the file a state path names: path/state.json for a directory,
 * as anvil has it, else path itself (caller frees). */
static char *
state_file_path(const char *path)
{
	struct stat sb;
	char *file;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		xasprintf(&file, "%s/state.json", path);
	else
		file = xstrdup(path);
	return file;
}

/* Writes all len bytes of buf to fd.  Returns: 0 or -errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		long n = TEMP_FAILURE_RETRY_INT(write(fd, buf, len));

		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes a state file (see anvil.h). */
int
anvil_state_dump_file(const struct chain *c, char **cause, const char *path)
{
	char *file = state_file_path(path), *tmp = NULL, *text = NULL, *dir = NULL, *slash;
	json_t *root = NULL;
	int fd = -1, dfd = -1, rc;

	root = anvil_state_json(c);
	if (root == NULL || (text = json_dumps(root, JSON_COMPACT)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	/* The temporary file sits beside the file, on the same file system,
	 * so that rename() replaces the file in one step.  One left with
	 * this pid by a node that died mid-write is stale. */
	xasprintf(&tmp, "%s.tmp.%ld", file, (long)getpid());
	(void)unlink(tmp);
	fd = (int)TEMP_FAILURE_RETRY_INT(open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
	if (fd == -1) {
		rc = -errno;
		goto fail;
	}
	if ((rc = write_all(fd, text, strlen(text))) != 0)
		goto fail;
	if (fsync(fd) != 0) {
		rc = -errno;
		goto fail;
	}
	rc = close(fd) != 0 ? -errno : 0;
	fd = -1;
	if (rc != 0)
		goto fail;
	if (rename(tmp, file) != 0) {
		rc = -errno;
		goto fail;
	}
	/* The rename itself lasts through a power cut once the directory is
	 * synced too.  Should that fail, the file is whole all the same. */
	dir = xstrdup(file);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	dfd = (int)TEMP_FAILURE_RETRY_INT(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (dfd != -1)
		(void)fsync(dfd);
	rc = 0;
	goto out;
fail:
	xasprintf(cause, "cannot write state file '%s': %s", file, strerror(-rc));
	if (tmp != NULL)
		(void)unlink(tmp);
out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	free(dir);
	free(tmp);
	free(text);
	json_decref(root);
	free(file);
	return rc;
}

/* Reads all of fd, at most max bytes.  Returns: 0; -EFBIG past max;
 * -errno.  Out: *out (caller frees), *len. */
static int
read_all(uint8_t **out, size_t *len, int fd, size_t max)
{
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int rc;

	for (;;) {
		long got;

		if (n == cap) {
			if (cap > max) {
				rc = -EFBIG;
				goto out;
			}
			/* Room for one byte past max tells a file of max bytes
			 * from a longer one. */
			cap = cap == 0 ? 65536 : 2 * cap;
			if (cap > max + 1)
				cap = max + 1;
			buf = xreallocarray(buf, cap, 1);
		}
		got = TEMP_FAILURE_RETRY_INT(read(fd, buf + n, cap - n));
		if (got < 0) {
			rc = -errno;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Loads a state file (see anvil.h). */
int
anvil_state_load_file(struct chain *c, char **cause, const char *path)
{
	char *file = state_file_path(path), *why = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *root = NULL;
	int fd, rc;

	fd = (int)TEMP_FAILURE_RETRY_INT(open(file, O_RDONLY | O_CLOEXEC));
	if (fd == -1) {
		rc = -errno;
		xasprintf(cause, "cannot read state file '%s': %s", file, strerror(-rc));
		goto out;
	}
	rc = read_all(&buf, &len, fd, LOAD_MAX_JSON);
	close(fd);
	if (rc == -EFBIG) {
		xasprintf(cause, "cannot read state file '%s': it is larger than 256 MiB", file);
		goto out;
	}
	if (rc != 0) {
		xasprintf(cause, "cannot read state file '%s': %s", file, strerror(-rc));
		goto out;
	}
	rc = dump_parse(&root, &why, buf, len);
	if (rc == 0)
		rc = anvil_state_load(c, &why, root, LOAD_MAX_BLOCKS_FILE);
	if (rc != 0)
		xasprintf(cause, "cannot load state file '%s': %s", file, why);
out:
	json_decref(root);
	free(why);
	free(buf);
	free(file);
	return rc;
}
