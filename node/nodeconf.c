/* node.conf and genesis.json (see nodeconf.h). */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nodeconf.h"
#include "hex.h"
#include "u256.h"
#include "xalloc.h"

/* Genesis code is not bound by EIP-170, but an untrusted file is. */
#define GENESIS_MAX_CODE (1024 * 1024)

/* Sets *cause to "FILE: what".  Returns: -1. */
static int PRINTFLIKE(3, 4)
fail(char **cause, const char *file, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s: %s", file, msg);
	free(msg);
	return -1;
}

/* Reads a JSON object from path.  Returns: it (caller frees), or NULL with
 * *cause set. */
static json_t *
load_object(char **cause, const char *path)
{
	json_error_t jerr;
	struct stat st;
	json_t *j;

	if (stat(path, &st) != 0) {
		xasprintf(cause, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (st.st_size > NODE_CONFIG_MAX_BYTES) {
		fail(cause, path, "too large: %lld bytes, at most %d", (long long)st.st_size,
		     NODE_CONFIG_MAX_BYTES);
		return NULL;
	}
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		if (jerr.line > 0)
			xasprintf(cause, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		else
			xasprintf(cause, "cannot read %s: %s", path, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		fail(cause, path, "expected a JSON object at the top");
		return NULL;
	}
	return j;
}

/* Parses a quantity: a non-negative JSON integer, or 0x-hex or decimal text.
 * Returns: 0, or -1 with *cause naming field. */
static int
get_u256(struct u256 *out, char **cause, const char *file, const char *field, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = u256_from_u64((uint64_t)json_integer_value(v));
		return 0;
	}
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    u256_parse(out, json_string_value(v), json_string_length(v)) == 0)
		return 0;
	return fail(cause, file, "%s: expected a number (0x-hex or decimal)", field);
}

static int
get_u64(uint64_t *out, char **cause, const char *file, const char *field, const json_t *v,
	uint64_t max)
{
	struct u256 u;

	if (get_u256(&u, cause, file, field, v) != 0)
		return -1;
	if (!u256_fits_u64(&u) || u.w[0] > max)
		return fail(cause, file, "%s: at most %llu", field, (unsigned long long)max);
	*out = u.w[0];
	return 0;
}

/* Parses hex, 0x-prefixed or not, of at most max bytes (exactly max when
 * exact); s is NULL when the value was not a string.
 * Returns: 0 or -1.  Out: out (caller frees; NULL for none), *len. */
static int
get_hex(uint8_t **out, size_t *len, char **cause, const char *file, const char *field,
	const char *s, size_t max, bool exact)
{
	size_t n = s != NULL ? strlen(s) : 0;

	*out = NULL;
	*len = 0;
	if (s != NULL && n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (s == NULL || n % 2 != 0 || n / 2 > max || (exact && n / 2 != max))
		goto bad;
	*len = n / 2;
	*out = xmalloc(*len + 1);
	if (hex_decode(*out, len, s, n) != 0) {
		free(*out);
		*out = NULL;
		goto bad;
	}
	return 0;
bad:
	if (exact)
		return fail(cause, file, "%s: expected 0x and %zu hex digits", field, 2 * max);
	return fail(cause, file, "%s: expected 0x-hex of at most %zu bytes", field, max);
}

/* Copies hex of exactly n bytes into out.  Returns: 0 or -1. */
static int
get_fixed(uint8_t *out, size_t n, char **cause, const char *file, const char *field,
	  const char *s)
{
	uint8_t *buf;
	size_t len;

	if (get_hex(&buf, &len, cause, file, field, s, n, true) != 0)
		return -1;
	memcpy(out, buf, n);
	free(buf);
	return 0;
}

/* A storage slot's key or value: hex of up to 32 bytes, right-aligned, as
 * geth writes them. */
static int
get_word(struct u256 *w, char **cause, const char *file, const char *field, const char *s)
{
	uint8_t *buf, be[32] = { 0 };
	size_t len;

	if (get_hex(&buf, &len, cause, file, field, s, 32, false) != 0)
		return -1;
	memcpy(be + 32 - len, buf, len);
	free(buf);
	u256_from_be32(w, be);
	return 0;
}

static int
load_account(struct chain_alloc *a, char **cause, const char *file, const char *addr,
	     const json_t *v)
{
	const json_t *f, *val;
	const char *key;
	struct u256 (*slots)[2];
	char field[128];
	uint8_t *code;
	size_t i = 0;

	snprintf(field, sizeof field, "alloc.%s", addr);
	if (get_fixed(a->address, 20, cause, file, field, addr) != 0)
		return -1;
	if (!json_is_object(v))
		return fail(cause, file, "%s: expected an object with a balance", field);
	json_object_foreach((json_t *)v, key, f) {
		if (strcmp(key, "balance") && strcmp(key, "nonce") && strcmp(key, "code") &&
		    strcmp(key, "storage") && strcmp(key, "secretKey"))
			return fail(cause, file, "%s: unknown field '%s' (expected balance, "
				    "nonce, code or storage)", field, key);
	}
	snprintf(field, sizeof field, "alloc.%s.balance", addr);
	if ((f = json_object_get(v, "balance")) == NULL)
		return fail(cause, file, "%s: missing", field);
	if (get_u256(&a->balance, cause, file, field, f) != 0)
		return -1;
	snprintf(field, sizeof field, "alloc.%s.nonce", addr);
	if ((f = json_object_get(v, "nonce")) != NULL &&
	    get_u64(&a->nonce, cause, file, field, f, UINT64_MAX - 1) != 0)
		return -1;
	snprintf(field, sizeof field, "alloc.%s.code", addr);
	if ((f = json_object_get(v, "code")) != NULL) {
		if (get_hex(&code, &a->code_len, cause, file, field, json_string_value(f),
			    GENESIS_MAX_CODE, false) != 0)
			return -1;
		a->code = code;
	}
	if ((f = json_object_get(v, "storage")) == NULL)
		return 0;
	snprintf(field, sizeof field, "alloc.%s.storage", addr);
	if (!json_is_object(f))
		return fail(cause, file, "%s: expected an object of slot: value", field);
	slots = xcalloc(json_object_size(f) + 1, sizeof(*slots));
	a->storage = (const struct u256(*)[2])slots;
	json_object_foreach((json_t *)f, key, val) {
		snprintf(field, sizeof field, "alloc.%s.storage.%.70s", addr, key);
		if (get_word(&slots[i][0], cause, file, field, key) != 0 ||
		    get_word(&slots[i][1], cause, file, field, json_string_value(val)) != 0)
			return -1;
		a->nstorage = ++i;
	}
	return 0;
}

void
node_genesis_release(struct node_genesis *g)
{
	for (size_t i = 0; i < g->nalloc; i++) {
		free((void *)g->alloc[i].code);
		free((void *)g->alloc[i].storage);
	}
	free(g->alloc);
	free(g->validators);
	memset(g, 0, sizeof(*g));
}

static int
load_chainbox_section(struct node_genesis *g, char **cause, const char *file, const json_t *cb)
{
	const json_t *f;

	if (cb == NULL)
		return 0;
	if (!json_is_object(cb))
		return fail(cause, file, "config.chainbox: expected an object");
	if ((f = json_object_get(cb, "consensus")) != NULL) {
		const char *s = json_string_value(f);

		if (s == NULL || (strcmp(s, "solo") != 0 && strcmp(s, "tbft") != 0))
			return fail(cause, file, "config.chainbox.consensus: expected \"solo\" or "
				    "\"tbft\"");
		g->tbft = strcmp(s, "tbft") == 0;
	}
	if ((f = json_object_get(cb, "blockTimeMs")) != NULL &&
	    get_u64(&g->block_time_ms, cause, file, "config.chainbox.blockTimeMs", f,
		    24 * 3600 * 1000) != 0)
		return -1;
	if ((f = json_object_get(cb, "emptyBlocks")) != NULL) {
		if (!json_is_boolean(f))
			return fail(cause, file, "config.chainbox.emptyBlocks: expected true or "
				    "false");
		g->empty_blocks = json_is_true(f);
	}
	if ((f = json_object_get(cb, "validators")) != NULL) {
		const json_t *v;
		size_t i;

		if (!json_is_array(f) || json_array_size(f) > NODE_MAX_VALIDATORS)
			return fail(cause, file, "config.chainbox.validators: expected an array of "
				    "at most %d addresses", NODE_MAX_VALIDATORS);
		g->validators = xcalloc(json_array_size(f) + 1, sizeof(*g->validators));
		json_array_foreach(f, i, v) {
			char field[64];

			snprintf(field, sizeof field, "config.chainbox.validators[%zu]", i);
			if (get_fixed(g->validators[i], 20, cause, file, field,
				      json_string_value(v)) != 0)
				return -1;
			g->nvalidators = i + 1;
		}
	}
	return 0;
}

int
node_genesis_load(struct node_genesis *g, char **cause, const char *path)
{
	json_t *j = load_object(cause, path), *alloc, *v, *cfg;
	struct chain_config *c = &g->chain;
	const char *key;
	uint8_t *buf;
	size_t len, i = 0;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	g->empty_blocks = true;
	c->gas_limit = 30000000;
	c->base_fee = u256_from_u64(1000000000);
	if (j == NULL)
		return -1;
	cfg = json_object_get(j, "config");
	if (!json_is_object(cfg)) {
		fail(cause, path, "config: expected an object with a chainId");
		goto out;
	}
	if ((v = json_object_get(cfg, "chainId")) == NULL) {
		fail(cause, path, "config.chainId: missing");
		goto out;
	}
	if (get_u64(&c->chain_id, cause, path, "config.chainId", v, UINT64_MAX / 2 - 36) != 0 ||
	    load_chainbox_section(g, cause, path, json_object_get(cfg, "chainbox")) != 0)
		goto out;
	if (c->chain_id == 0) {
		fail(cause, path, "config.chainId: must not be 0");
		goto out;
	}
	if ((v = json_object_get(j, "gasLimit")) != NULL &&
	    get_u64(&c->gas_limit, cause, path, "gasLimit", v, INT64_MAX) != 0)
		goto out;
	if (c->gas_limit < 21000) {
		fail(cause, path, "gasLimit: at least 21000, the cost of a transfer");
		goto out;
	}
	if ((v = json_object_get(j, "baseFeePerGas")) != NULL &&
	    get_u256(&c->base_fee, cause, path, "baseFeePerGas", v) != 0)
		goto out;
	if ((v = json_object_get(j, "timestamp")) != NULL &&
	    get_u64(&c->timestamp, cause, path, "timestamp", v, INT64_MAX) != 0)
		goto out;
	if ((v = json_object_get(j, "coinbase")) != NULL &&
	    get_fixed(c->coinbase, 20, cause, path, "coinbase", json_string_value(v)) != 0)
		goto out;
	if ((v = json_object_get(j, "extraData")) != NULL) {
		if (get_hex(&buf, &len, cause, path, "extraData", json_string_value(v),
			    sizeof g->extra, false) != 0)
			goto out;
		memcpy(g->extra, buf, len);
		free(buf);
		c->extra = g->extra;
		c->extra_len = len;
	}
	alloc = json_object_get(j, "alloc");
	if (alloc != NULL && !json_is_object(alloc)) {
		fail(cause, path, "alloc: expected an object of address: account");
		goto out;
	}
	g->alloc = xcalloc(json_object_size(alloc) + 1, sizeof(*g->alloc));
	json_object_foreach(alloc, key, v) {
		g->nalloc = ++i;
		if (load_account(&g->alloc[i - 1], cause, path, key, v) != 0)
			goto out;
	}
	c->alloc = g->alloc;
	c->nalloc = g->nalloc;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* Returns: path made relative to dir unless it is absolute (caller frees). */
static char *
resolve(const char *dir, const char *path)
{
	char *out;

	if (path[0] == '/')
		return xstrdup(path);
	xasprintf(&out, "%s/%s", dir, path);
	return out;
}

/* Reads an optional string field.  Returns: 0 or -1. */
static int
get_string(const char **out, char **cause, const char *file, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(cause, file, "%s: expected a non-empty string", key);
	*out = json_string_value(v);
	return 0;
}

/* Reads a "host" and "port" pair.  Returns: 0 or -1. */
static int
get_endpoint(char **host, uint16_t *port, char **cause, const char *file, const char *what,
	     const json_t *v)
{
	const char *h = json_string_value(json_object_get(v, "host"));
	uint64_t p;
	char field[96];

	snprintf(field, sizeof field, "%s.port", what);
	if (!json_is_object(v) || json_object_get(v, "port") == NULL)
		return fail(cause, file, "%s: expected {\"host\": ADDRESS, \"port\": N}", what);
	if (get_u64(&p, cause, file, field, json_object_get(v, "port"), UINT16_MAX) != 0)
		return -1;
	*host = xstrdup(h != NULL ? h : "127.0.0.1");
	*port = (uint16_t)p;
	return 0;
}

/* Reads p2p, peers, control and validator.  Returns: 0 or -1. */
static int
load_p2p(struct node_config *nc, char **cause, const char *path, const char *dir,
	 const json_t *j)
{
	const json_t *v, *peer;
	const char *s;
	size_t i;

	if ((v = json_object_get(j, "p2p")) != NULL) {
		if (get_endpoint(&nc->p2p_host, &nc->p2p_port, cause, path, "p2p", v) != 0)
			return -1;
		if (json_object_get(v, "seed") != NULL &&
		    get_u64(&nc->p2p_seed, cause, path, "p2p.seed", json_object_get(v, "seed"),
			    UINT64_MAX) != 0)
			return -1;
		nc->p2p = true;
	}
	if ((v = json_object_get(j, "peers")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) > NODE_MAX_VALIDATORS)
			return fail(cause, path, "peers: expected an array of at most %d peers",
				    NODE_MAX_VALIDATORS);
		nc->peers = xcalloc(json_array_size(v) + 1, sizeof(*nc->peers));
		json_array_foreach(v, i, peer) {
			struct node_peer *p = &nc->peers[i];
			char what[32];

			snprintf(what, sizeof what, "peers[%zu]", i);
			nc->npeers = i + 1;
			if (get_endpoint(&p->host, &p->port, cause, path, what, peer) != 0)
				return -1;
			s = json_string_value(json_object_get(peer, "name"));
			if (s == NULL || s[0] == '\0')
				return fail(cause, path, "%s.name: expected a node name", what);
			p->name = xstrdup(s);
			strcat(what, ".address");
			if (get_fixed(p->address, 20, cause, path, what,
				      json_string_value(json_object_get(peer, "address"))) != 0)
				return -1;
		}
	}
	if (get_string(&s, cause, path, j, "control") != 0)
		return -1;
	if (s != NULL)
		nc->control_path = resolve(dir, s);
	if ((v = json_object_get(j, "validator")) != NULL) {
		if (!json_is_boolean(v))
			return fail(cause, path, "validator: expected true or false");
		nc->validator = json_is_true(v);
	}
	return 0;
}

int
node_config_load(struct node_config *nc, char **cause, const char *path)
{
	json_t *j = load_object(cause, path), *v;
	char *copy = xstrdup(path), *dir = dirname(copy), *gpath = NULL;
	const char *s, *key;
	uint64_t port;
	int rc = -1;

	memset(nc, 0, sizeof(*nc));
	if (j == NULL)
		goto out;
	json_object_foreach(j, key, v) {
		static const char *const known[] = { "name", "genesis", "data_dir", "rpc",
						     "node_key", "accounts", "p2p", "peers",
						     "control", "validator" };
		size_t k;

		for (k = 0; k < ARRAY_SIZE(known) && strcmp(key, known[k]) != 0; k++)
			;
		if (k == ARRAY_SIZE(known)) {
			fail(cause, path, "unknown field '%s'", key);
			goto out;
		}
	}
	if (get_string(&s, cause, path, j, "name") != 0)
		goto out;
	nc->name = xstrdup(s != NULL ? s : "node");
	if (get_string(&s, cause, path, j, "genesis") != 0)
		goto out;
	if (s == NULL) {
		fail(cause, path, "genesis: missing (the path of a genesis.json)");
		goto out;
	}
	gpath = resolve(dir, s);
	if (get_string(&s, cause, path, j, "data_dir") != 0)
		goto out;
	if (s != NULL)
		nc->data_dir = resolve(dir, s);
	if ((v = json_object_get(j, "rpc")) != NULL && !json_is_null(v)) {
		if (!json_is_object(v)) {
			fail(cause, path, "rpc: expected {\"host\": ADDRESS, \"port\": N}");
			goto out;
		}
		if (get_string(&s, cause, path, v, "host") != 0)
			goto out;
		nc->rpc = true;
		nc->rpc_host = xstrdup(s != NULL ? s : "127.0.0.1");
		port = 8545;
		if (json_object_get(v, "port") != NULL &&
		    get_u64(&port, cause, path, "rpc.port", json_object_get(v, "port"),
			    UINT16_MAX) != 0)
			goto out;
		nc->rpc_port = (uint16_t)port;
	}
	if ((v = json_object_get(j, "node_key")) != NULL) {
		if (get_fixed(nc->node_key, 32, cause, path, "node_key", json_string_value(v)) != 0)
			goto out;
		nc->has_node_key = true;
	}
	if ((v = json_object_get(j, "accounts")) != NULL) {
		if (!json_is_object(v) || get_string(&s, cause, path, v, "mnemonic") != 0 ||
		    s == NULL) {
			fail(cause, path, "accounts: expected {\"mnemonic\": WORDS, \"count\": N}");
			goto out;
		}
		nc->mnemonic = xstrdup(s);
		nc->accounts = 10;
		if (json_object_get(v, "count") != NULL &&
		    get_u64(&nc->accounts, cause, path, "accounts.count",
			    json_object_get(v, "count"), 10000) != 0)
			goto out;
	}
	if (load_p2p(nc, cause, path, dir, j) != 0)
		goto out;
	rc = node_genesis_load(&nc->genesis, cause, gpath);
out:
	explicit_bzero(copy, strlen(copy));
	free(copy);
	free(gpath);
	json_decref(j);
	return rc;
}

void
node_config_release(struct node_config *nc)
{
	for (size_t i = 0; i < nc->npeers; i++) {
		free(nc->peers[i].name);
		free(nc->peers[i].host);
	}
	free(nc->peers);
	free(nc->p2p_host);
	free(nc->control_path);
	free(nc->name);
	free(nc->data_dir);
	free(nc->rpc_host);
	free(nc->mnemonic);
	node_genesis_release(&nc->genesis);
	explicit_bzero(nc->node_key, sizeof nc->node_key);
	memset(nc, 0, sizeof(*nc));
}
