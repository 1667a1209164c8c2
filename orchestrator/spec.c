/* Network specs (see spec.h and docs/chainbox-spec.5).
 *
 * Loading runs in three steps.  The YAML becomes a position-keeping tree
 * (yamltree.c); "extends" chains are resolved by deep-merging each file over
 * its base; then the merged tree is checked against the schema tables below,
 * which fill in a struct spec that starts out holding the defaults.  Every
 * problem is added to a struct diag at the line of the node that caused it,
 * and checking goes on after an error so that one run reports them all. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eip55.h"
#include "hdwallet.h"
#include "hex.h"
#include "spec.h"
#include "suggest.h"
#include "templates.h"
#include "units.h"
#include "xalloc.h"
#include "yamltree.h"

#define BLOCK_TIME_UNSET UINT64_MAX
#define TBFT_MIN_BLOCK_TIME_MS 50
#define CHAIN_ID_MAX ((1ULL << 53) - 1) /* JavaScript clients hold ids as doubles */
#define DEFAULT_MNEMONIC "test test test test test test test test test test test junk"

struct ctx {
	struct diag *d;
	unsigned flags;
	struct ytree *trees[SPEC_MAX_EXTENDS + 2];
	size_t ntrees;
	const struct ynode *root; /* the merged document */
	const struct ynode **group_at; /* each group's mapping, for messages */
};

struct field;
typedef void field_fn(struct ctx *c, const struct ynode *v, void *dst,
		      const struct field *f);

struct table {
	const char *path; /* "chain", "nodes[]": for messages */
	const struct field *fields; /* ends with a NULL key */
};

struct field {
	const char *key;
	field_fn *parse;
	size_t off;
	uint64_t min, max;
	const char *const *names; /* parse_enum: NULL-terminated */
	const struct table *sub; /* parse_map */
};

static void PRINTFLIKE(3, 4)
err(struct ctx *c, const struct ynode *at, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (at != NULL)
		diag_add(c->d, DIAG_ERROR, at->file, at->line, at->col, "%s", msg);
	else
		diag_add(c->d, DIAG_ERROR, NULL, 0, 0, "%s", msg);
	free(msg);
}

static void PRINTFLIKE(3, 4)
warn(struct ctx *c, const struct ynode *at, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	diag_add(c->d, DIAG_WARNING, at->file, at->line, at->col, "%s", msg);
	free(msg);
}

/* Returns: the scalar's text, or NULL after reporting what was expected. */
static const char *
want_scalar(struct ctx *c, const struct ynode *v, const char *what)
{
	if (v->kind != YNODE_SCALAR || ynode_is_null(v)) {
		err(c, v, "expected %s, got %s", what, ynode_describe(v));
		return NULL;
	}
	if (strlen(v->str) != v->len) {
		err(c, v, "expected %s, got text with a NUL byte", what);
		return NULL;
	}
	return v->str;
}

static const char *const consensus_names[] = { "solo", "tbft", NULL };
static const char *const hardfork_names[] = { "cancun", NULL };
static const char *const role_names[] = { "validator", "full", NULL };
static const char *const restart_names[] = { "never", "on-failure", NULL };
static const char *const seccomp_names[] = { "strict", "log", "off", NULL };
static const char *const network_names[] = { "loopback", "netns", NULL };
static const char *const filesystem_names[] = { "private", "shared", NULL };

static field_fn parse_string, parse_name, parse_u64, parse_bool,
	parse_duration, parse_size, parse_amount, parse_enum, parse_cpu,
	parse_map, parse_mnemonic, parse_extends, parse_alloc, parse_groups,
	parse_rpc, parse_args, parse_env, parse_address, parse_code,
	parse_storage;

#define FIELD(k, fn, type, member) { k, fn, offsetof(type, member), 0, 0, NULL, NULL }
#define RANGE(k, fn, type, member, lo, hi) { k, fn, offsetof(type, member), lo, hi, NULL, NULL }
#define ENUM(k, type, member, names) { k, parse_enum, offsetof(type, member), 0, 0, names, NULL }
#define SUB(k, type, member, table) { k, parse_map, offsetof(type, member), 0, 0, NULL, table }
#define END { NULL, NULL, 0, 0, 0, NULL, NULL }

static const struct field chain_fields[] = {
	RANGE("id", parse_u64, struct spec_chain, id, 1, CHAIN_ID_MAX),
	ENUM("consensus", struct spec_chain, consensus, consensus_names),
	FIELD("block_time", parse_duration, struct spec_chain, block_time_ms),
	FIELD("empty_blocks", parse_bool, struct spec_chain, empty_blocks),
	RANGE("gas_limit", parse_u64, struct spec_chain, gas_limit, 21000, INT64_MAX),
	FIELD("base_fee", parse_amount, struct spec_chain, base_fee),
	ENUM("hardfork", struct spec_chain, hardfork, hardfork_names),
	END,
};
static const struct table chain_table = { "chain", chain_fields };

static const struct field alloc_fields[] = {
	FIELD("address", parse_address, struct spec_alloc, address),
	FIELD("balance", parse_amount, struct spec_alloc, balance),
	RANGE("nonce", parse_u64, struct spec_alloc, nonce, 0, INT64_MAX),
	FIELD("code", parse_code, struct spec_alloc, code),
	FIELD("storage", parse_storage, struct spec_alloc, storage),
	END,
};
static const struct table alloc_table = { "accounts.alloc[]", alloc_fields };

static const struct field accounts_fields[] = {
	FIELD("mnemonic", parse_mnemonic, struct spec_accounts, mnemonic),
	RANGE("count", parse_u64, struct spec_accounts, count, 0, 10000),
	FIELD("balance", parse_amount, struct spec_accounts, balance),
	FIELD("alloc", parse_alloc, struct spec_accounts, alloc),
	END,
};
static const struct table accounts_table = { "accounts", accounts_fields };

static const struct field resources_fields[] = {
	RANGE("memory", parse_size, struct spec_resources, memory, 16 << 20, UINT64_MAX),
	FIELD("cpu", parse_cpu, struct spec_resources, cpu_milli),
	RANGE("pids", parse_u64, struct spec_resources, pids, 1, 1 << 22),
	RANGE("files", parse_u64, struct spec_resources, files, 16, 1 << 20),
	END,
};
static const struct table resources_table = { "resources", resources_fields };

static const struct field group_fields[] = {
	FIELD("name", parse_name, struct spec_group, name),
	RANGE("count", parse_u64, struct spec_group, count, 1, SPEC_MAX_NODES),
	ENUM("role", struct spec_group, role, role_names),
	FIELD("rpc", parse_rpc, struct spec_group, rpc),
	SUB("resources", struct spec_group, resources, &resources_table),
	ENUM("restart", struct spec_group, restart, restart_names),
	FIELD("args", parse_args, struct spec_group, args),
	FIELD("env", parse_env, struct spec_group, env),
	END,
};
static const struct table group_table = { "nodes[]", group_fields };

static const struct field sandbox_fields[] = {
	ENUM("seccomp", struct spec_sandbox, seccomp, seccomp_names),
	ENUM("network", struct spec_sandbox, network, network_names),
	ENUM("filesystem", struct spec_sandbox, filesystem, filesystem_names),
	END,
};
static const struct table sandbox_table = { "sandbox", sandbox_fields };

static const struct field logs_fields[] = {
	FIELD("dir", parse_string, struct spec_logs, dir),
	RANGE("max_size", parse_size, struct spec_logs, max_size, 4096, UINT64_MAX),
	RANGE("keep", parse_u64, struct spec_logs, keep, 0, 100),
	END,
};
static const struct table logs_table = { "logs", logs_fields };

static const struct field snapshots_fields[] = {
	FIELD("dir", parse_string, struct spec_snapshots, dir),
	END,
};
static const struct table snapshots_table = { "snapshots", snapshots_fields };

static const struct field top_fields[] = {
	RANGE("version", parse_u64, struct spec, version, 1, 1),
	FIELD("name", parse_name, struct spec, name),
	RANGE("seed", parse_u64, struct spec, seed, 0, INT64_MAX),
	FIELD("extends", parse_extends, struct spec, file),
	SUB("chain", struct spec, chain, &chain_table),
	SUB("accounts", struct spec, accounts, &accounts_table),
	FIELD("nodes", parse_groups, struct spec, groups),
	SUB("sandbox", struct spec, sandbox, &sandbox_table),
	SUB("logs", struct spec, logs, &logs_table),
	SUB("snapshots", struct spec, snapshots, &snapshots_table),
	END,
};
static const struct table top_table = { "", top_fields };

/* Every table, to point a key written in the wrong place to its home. */
static const struct table *const all_tables[] = {
	&top_table, &chain_table, &accounts_table, &alloc_table, &group_table,
	&resources_table, &sandbox_table, &logs_table, &snapshots_table,
};

static void
unknown_key(struct ctx *c, const struct ynode *k, const struct table *t)
{
	const char *cands[16];
	size_t n = 0;
	const char *hint;

	for (const struct field *f = t->fields; f->key != NULL && n < 16; f++)
		cands[n++] = f->key;
	hint = suggest_closest(k->str, cands, n);
	if (hint != NULL) {
		err(c, k, "unknown key '%s' (did you mean '%s'?)", k->str, hint);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(all_tables); i++) {
		const struct table *o = all_tables[i];

		for (const struct field *f = o->fields; o != t && f->key; f++) {
			if (strcmp(f->key, k->str) == 0) {
				err(c, k, "unknown key '%s' here (it belongs under '%s')",
				    k->str, o->path[0] ? o->path : "the top level");
				return;
			}
		}
	}
	err(c, k, "unknown key '%s'", k->str);
}

static void
parse_fields(struct ctx *c, const struct ynode *map, const struct table *t,
	     void *base)
{
	if (map->kind != YNODE_MAP) {
		err(c, map, "expected a mapping%s%s, got %s",
		    t->path[0] ? " for " : "", t->path, ynode_describe(map));
		return;
	}
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i], *v = map->items[2 * i + 1];
		const struct field *f = t->fields;

		while (f->key != NULL && strcmp(f->key, k->str) != 0)
			f++;
		if (f->key == NULL) {
			unknown_key(c, k, t);
			continue;
		}
		if (ynode_is_null(v)) {
			err(c, v, "'%s' needs a value", f->key);
			continue;
		}
		f->parse(c, v, (char *)base + f->off, f);
	}
}

static void
parse_map(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	parse_fields(c, v, f->sub, dst);
}

static void
set_string(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static void
parse_string(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a string");

	if (s != NULL)
		set_string(dst, s);
}

/* Names of networks and node groups end up in paths and host names. */
static bool
is_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	}
	return true;
}

static void
parse_name(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a name");

	if (s == NULL)
		return;
	if (!is_valid_name(s)) {
		err(c, v, "invalid name '%s': use 1 to 63 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit",
		    s);
		return;
	}
	set_string(dst, s);
}

static void
parse_u64(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a whole number");
	uint64_t n;

	if (s == NULL)
		return;
	if (units_parse_u64(&n, s) != 0 || n < f->min || n > f->max) {
		if (f->min == f->max)
			err(c, v, "'%s' must be %llu, not '%s'", f->key,
			    (unsigned long long)f->min, s);
		else
			err(c, v, "expected a whole number from %llu to %llu for '%s', got '%s'",
			    (unsigned long long)f->min,
			    (unsigned long long)f->max, f->key, s);
		return;
	}
	*(uint64_t *)dst = n;
}

static bool
scalar_bool(const struct ynode *v, bool *out)
{
	if (v->kind != YNODE_SCALAR || !v->plain)
		return false;
	if (strcmp(v->str, "true") == 0 || strcmp(v->str, "True") == 0 ||
	    strcmp(v->str, "TRUE") == 0)
		*out = true;
	else if (strcmp(v->str, "false") == 0 || strcmp(v->str, "False") == 0 ||
		 strcmp(v->str, "FALSE") == 0)
		*out = false;
	else
		return false;
	return true;
}

static void
parse_bool(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	if (!scalar_bool(v, dst))
		err(c, v, "expected true or false for '%s'", f->key);
}

static void
parse_duration(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a duration like 200ms or 2s");

	if (s != NULL && units_parse_duration(dst, s) != 0)
		err(c, v, "expected a duration like 200ms or 2s, got '%s'", s);
}

static void
parse_size(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a size like 256MiB");
	char lo[32];
	uint64_t n;

	if (s == NULL)
		return;
	if (units_parse_size(&n, s) != 0) {
		err(c, v, "expected a size like 256MiB or 1GiB, got '%s'", s);
		return;
	}
	if (n < f->min) {
		units_format_size(lo, f->min);
		err(c, v, "'%s' must be at least %s, got '%s'", f->key, lo, s);
		return;
	}
	*(uint64_t *)dst = n;
}

static void
parse_amount(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "an amount like 10000 ether");

	if (s != NULL && units_parse_amount(dst, s) != 0)
		err(c, v, "expected an amount like 10000 ether, 1.5 gwei or 42 (wei), got '%s'",
		    s);
}

static void
parse_enum(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a word");
	char *list = NULL, *tmp;
	const char *hint;
	size_t n = 0;

	if (s == NULL)
		return;
	for (; f->names[n] != NULL; n++) {
		if (strcmp(f->names[n], s) == 0) {
			*(int *)dst = (int)n;
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		xasprintf(&tmp, "%s%s%s", list ? list : "",
			  i == 0 ? "" : i + 1 == n ? " or " : ", ", f->names[i]);
		free(list);
		list = tmp;
	}
	hint = suggest_closest(s, f->names, n);
	if (hint != NULL)
		err(c, v, "unknown %s '%s' (did you mean '%s'?)", f->key, s, hint);
	else
		err(c, v, "unknown %s '%s': expected %s", f->key, s, list);
	free(list);
}

static void
parse_cpu(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a number of CPUs");
	uint64_t milli;

	if (s == NULL)
		return;
	if (units_parse_milli(&milli, s) != 0 || milli == 0 || milli > 1024000) {
		err(c, v, "expected a number of CPUs like 0.5 or 2, got '%s'", s);
		return;
	}
	*(uint64_t *)dst = milli;
}

/* A mnemonic must be one the node can derive keys from: BIP-39 words, the
 * right count, and a checksum that matches, so that a typo is caught here
 * rather than when the network starts. */
static void
parse_mnemonic(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "a mnemonic");
	char *cause = NULL;

	if (s == NULL)
		return;
	if (hdwallet_mnemonic_check(&cause, s) != 0) {
		err(c, v, "%s", cause != NULL ? cause : "invalid mnemonic");
		free(cause);
		return;
	}
	set_string(dst, s);
}

/* extends was applied before the schema pass; here it only has to be a
 * string, so that a list or mapping is reported. */
static void
parse_extends(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	(void)want_scalar(c, v, "a template name or a path");
}

static void
parse_address(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	const char *s = want_scalar(c, v, "an address");
	char good[EIP55_LEN + 1];
	int rc;

	if (s == NULL)
		return;
	rc = eip55_parse(dst, s);
	if (rc == -EBADMSG) {
		eip55_format(good, dst);
		err(c, v, "address '%s' fails its EIP-55 checksum (expected %s)", s, good);
	} else if (rc != 0) {
		err(c, v, "expected an address (0x and 40 hex digits), got '%s'", s);
	}
}

static void
parse_code(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	struct spec_alloc *a = (struct spec_alloc *)((char *)dst - offsetof(struct spec_alloc, code));
	const char *s = want_scalar(c, v, "bytecode in hex");
	size_t len;

	if (s == NULL)
		return;
	len = strlen(s) / 2;
	free(a->code);
	a->code = xmalloc(len + 1);
	a->code_len = len;
	if (strncmp(s, "0x", 2) != 0 || hex_decode(a->code, &a->code_len, s, strlen(s)) != 0) {
		err(c, v, "expected bytecode as 0x and an even number of hex digits");
		free(a->code);
		a->code = NULL;
		a->code_len = 0;
	}
}

static bool
parse_word(struct ctx *c, const struct ynode *v, struct u256 *out)
{
	const char *s = want_scalar(c, v, "a 256-bit number");

	if (s == NULL)
		return false;
	if (u256_parse(out, s, strlen(s)) != 0) {
		err(c, v, "expected a 256-bit number in decimal or 0x-hex, got '%s'", s);
		return false;
	}
	return true;
}

static void
parse_storage(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	struct spec_alloc *a = (struct spec_alloc *)((char *)dst - offsetof(struct spec_alloc, storage));

	if (v->kind != YNODE_MAP) {
		err(c, v, "expected a mapping of slot: value for 'storage', got %s",
		    ynode_describe(v));
		return;
	}
	a->storage = xreallocarray(NULL, v->n, sizeof(*a->storage));
	a->nstorage = 0;
	for (size_t i = 0; i < v->n; i++) {
		struct spec_slot *slot = &a->storage[a->nstorage];

		if (parse_word(c, v->items[2 * i], &slot->key) &&
		    parse_word(c, v->items[2 * i + 1], &slot->value))
			a->nstorage++;
	}
}

/* Returns: whether v is a list, after reporting it when it is not. */
static bool
want_list(struct ctx *c, const struct ynode *v, const char *what)
{
	if (v->kind == YNODE_SEQ)
		return true;
	err(c, v, "expected a list of %s, got %s", what, ynode_describe(v));
	return false;
}

static void
parse_alloc(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	struct spec_accounts *acc = (struct spec_accounts *)((char *)dst - offsetof(struct spec_accounts, alloc));

	if (!want_list(c, v, "accounts"))
		return;
	acc->alloc = xcalloc(v->n, sizeof(*acc->alloc));
	acc->nalloc = v->n;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];

		parse_fields(c, item, &alloc_table, &acc->alloc[i]);
		if (item->kind == YNODE_MAP && ynode_get(item, "address") == NULL)
			err(c, item, "an alloc entry needs an 'address'");
		for (size_t j = 0; j < i; j++) {
			if (memcmp(acc->alloc[j].address, acc->alloc[i].address, 20) == 0 &&
			    ynode_get(item, "address") != NULL) {
				err(c, ynode_get(item, "address"),
				    "address given twice in alloc (entries %zu and %zu)",
				    j + 1, i + 1);
				break;
			}
		}
	}
}

static void
parse_rpc(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	struct spec_group *g = (struct spec_group *)((char *)dst - offsetof(struct spec_group, rpc));
	uint64_t port;

	g->rpc_port = 0;
	if (scalar_bool(v, &g->rpc))
		return;
	if (v->kind == YNODE_SCALAR && units_parse_u64(&port, v->str) == 0 &&
	    port >= 1 && port <= 65535) {
		g->rpc = true;
		g->rpc_port = port;
		return;
	}
	err(c, v, "expected true, false or a port number (1 to 65535) for 'rpc'");
}

static void
parse_args(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	struct spec_group *g = (struct spec_group *)((char *)dst - offsetof(struct spec_group, args));

	if (!want_list(c, v, "arguments"))
		return;
	g->args = xcalloc(v->n + 1, sizeof(*g->args));
	g->nargs = 0;
	for (size_t i = 0; i < v->n; i++) {
		const char *s = want_scalar(c, v->items[i], "an argument string");

		if (s != NULL)
			g->args[g->nargs++] = xstrdup(s);
	}
}

static bool
is_env_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	}
	return true;
}

static void
parse_env(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	struct spec_group *g = (struct spec_group *)((char *)dst - offsetof(struct spec_group, env));

	if (v->kind != YNODE_MAP) {
		err(c, v, "expected a mapping of NAME: value for 'env', got %s",
		    ynode_describe(v));
		return;
	}
	g->env = xcalloc(v->n + 1, sizeof(*g->env));
	g->nenv = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *k = v->items[2 * i];
		const char *val = want_scalar(c, v->items[2 * i + 1], "a string");

		if (!is_env_name(k->str)) {
			err(c, k, "invalid environment variable name '%s'", k->str);
			continue;
		}
		if (val != NULL)
			xasprintf(&g->env[g->nenv++], "%s=%s", k->str, val);
	}
}

static void
group_defaults(struct spec_group *g)
{
	memset(g, 0, sizeof(*g));
	g->count = 1;
	g->role = SPEC_VALIDATOR;
	g->rpc = true;
	g->restart = SPEC_RESTART_NEVER;
}

static void
parse_groups(struct ctx *c, const struct ynode *v, void *dst, const struct field *f)
{
	struct spec *spec = (struct spec *)((char *)dst - offsetof(struct spec, groups));

	if (!want_list(c, v, "node groups"))
		return;
	spec->groups = xcalloc(v->n, sizeof(*spec->groups));
	c->group_at = xcalloc(v->n, sizeof(*c->group_at));
	spec->ngroups = v->n;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];

		group_defaults(&spec->groups[i]);
		c->group_at[i] = item;
		parse_fields(c, item, &group_table, &spec->groups[i]);
		if (item->kind == YNODE_MAP && ynode_get(item, "name") == NULL)
			err(c, item, "a node group needs a 'name'");
	}
}

static void
spec_defaults(struct spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->chain.id = 31337;
	spec->chain.consensus = SPEC_SOLO;
	spec->chain.block_time_ms = BLOCK_TIME_UNSET;
	spec->chain.empty_blocks = true;
	spec->chain.gas_limit = 30000000;
	spec->chain.base_fee = u256_from_u64(1000000000);
	spec->chain.hardfork = SPEC_CANCUN;
	spec->accounts.mnemonic = xstrdup(DEFAULT_MNEMONIC);
	spec->accounts.count = 10;
	if (units_parse_amount(&spec->accounts.balance, "10000 ether") != 0)
		BUG("default balance does not parse");
	spec->sandbox.seccomp = SPEC_SECCOMP_STRICT;
	spec->sandbox.network = SPEC_NET_LOOPBACK;
	spec->sandbox.filesystem = SPEC_FS_PRIVATE;
	spec->logs.dir = xstrdup("logs");
	spec->logs.max_size = 64ULL << 20;
	spec->logs.keep = 3;
	spec->snapshots.dir = xstrdup("snapshots");
}

/* Returns: the node at a dotted path in the merged document, or the root
 * when there is none, so that a message always has a place. */
static const struct ynode *
where(const struct ctx *c, const char *section, const char *key)
{
	const struct ynode *n = ynode_get(c->root, section);

	if (n != NULL && key != NULL && ynode_get(n, key) != NULL)
		return ynode_get(n, key);
	return n != NULL ? n : c->root;
}

static void
expand_nodes(struct ctx *c, struct spec *spec)
{
	size_t total = 0;

	for (size_t i = 0; i < spec->ngroups; i++)
		total += spec->groups[i].count;
	if (total > SPEC_MAX_NODES) {
		err(c, where(c, "nodes", NULL), "%zu nodes is more than the %d a network may have",
		    total, SPEC_MAX_NODES);
		return;
	}
	spec->nodes = xcalloc(total, sizeof(*spec->nodes));
	for (size_t i = 0; i < spec->ngroups; i++) {
		const struct spec_group *g = &spec->groups[i];

		if (g->name == NULL)
			continue;
		for (uint64_t k = 1; k <= g->count; k++) {
			struct spec_node *n = &spec->nodes[spec->nnodes];

			if (g->count == 1)
				n->name = xstrdup(g->name);
			else
				xasprintf(&n->name, "%s-%llu", g->name, (unsigned long long)k);
			n->group = i;
			for (size_t j = 0; j < spec->nnodes; j++) {
				if (strcmp(spec->nodes[j].name, n->name) == 0) {
					err(c, ynode_get(c->group_at[i], "name"),
					    "node name '%s' is used twice (by groups '%s' and '%s')",
					    n->name, spec->groups[spec->nodes[j].group].name,
					    g->name);
					free(n->name);
					return;
				}
			}
			spec->nnodes++;
		}
	}
}

/* Returns: whether an error was already reported at n, so that checks
 * built on a bad value do not pile up messages about it. */
static bool
has_error_at(const struct ctx *c, const struct ynode *n)
{
	for (size_t i = 0; n != NULL && i < c->d->n; i++) {
		const struct diag_entry *e = &c->d->v[i];

		if (e->severity == DIAG_ERROR && e->line == n->line &&
		    e->col == n->col && e->file && strcmp(e->file, n->file) == 0)
			return true;
	}
	return false;
}

/* Checks that need the whole spec: node counts per consensus, ports, the
 * block time's default. */
static void
check_network(struct ctx *c, struct spec *spec)
{
	uint64_t validators = 0;

	if (spec->version == 0)
		err(c, c->root, "missing 'version: 1' (the spec format's version)");
	if (spec->ngroups == 0) {
		err(c, where(c, "nodes", NULL), "a network needs at least one node group under 'nodes'");
		return;
	}
	expand_nodes(c, spec);
	for (size_t i = 0; i < spec->ngroups; i++) {
		const struct spec_group *g = &spec->groups[i];

		if (g->role == SPEC_VALIDATOR)
			validators += g->count;
		if (g->rpc_port != 0 && g->count > 1)
			err(c, ynode_get(c->group_at[i], "rpc"),
			    "a fixed rpc port needs a group of one node, and '%s' has %llu",
			    g->name ? g->name : "?", (unsigned long long)g->count);
		for (size_t j = 0; j < i && g->rpc_port != 0; j++) {
			if (spec->groups[j].rpc_port == g->rpc_port)
				err(c, ynode_get(c->group_at[i], "rpc"),
				    "rpc port %llu is already given to '%s'",
				    (unsigned long long)g->rpc_port, spec->groups[j].name);
		}
	}
	if (has_error_at(c, where(c, "chain", "consensus")))
		return;
	if (validators == 0) {
		err(c, where(c, "nodes", NULL), "a network needs at least one node with role: validator");
	} else if (spec->chain.consensus == SPEC_SOLO && validators > 1) {
		err(c, where(c, "chain", "consensus"),
		    "solo consensus has one block producer, but %llu validators are given (use consensus: tbft, or role: full for the others)",
		    (unsigned long long)validators);
	} else if (spec->chain.consensus == SPEC_TBFT && validators < 4) {
		warn(c, where(c, "nodes", NULL),
		     "a tbft network of %llu validator%s tolerates no faulty validator; 4 tolerate one",
		     (unsigned long long)validators, validators == 1 ? "" : "s");
	}
	if (spec->chain.block_time_ms == BLOCK_TIME_UNSET)
		spec->chain.block_time_ms = spec->chain.consensus == SPEC_TBFT ? 1000 : 0;
	else if (spec->chain.consensus == SPEC_TBFT &&
		 spec->chain.block_time_ms < TBFT_MIN_BLOCK_TIME_MS)
		err(c, where(c, "chain", "block_time"),
		    "tbft needs a block_time of at least %dms (0 means automine, which only solo does)",
		    TBFT_MIN_BLOCK_TIME_MS);
}

bool
spec_ref_is_path(const char *ref)
{
	size_t n = strlen(ref);

	return strchr(ref, '/') != NULL ||
	       (n > 5 && strcmp(ref + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(ref + n - 4, ".yml") == 0);
}

/* Reads a whole file of at most YTREE_MAX_BYTES.
 * Returns: 0 or -errno (-EFBIG when too large).  Out: *buf (caller frees). */
static int
read_file(char **buf, size_t *len, const char *path)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, rc = 0;

	*buf = NULL;
	fd = TEMP_FAILURE_RETRY_INT(open(path, O_RDONLY | O_CLOEXEC));
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	if (st.st_size > YTREE_MAX_BYTES) {
		rc = -EFBIG;
		goto out;
	}
	*buf = xmalloc(YTREE_MAX_BYTES + 2);
	while ((n = TEMP_FAILURE_RETRY_INT(read(fd, *buf + got, YTREE_MAX_BYTES + 1 - got))) > 0)
		got += (size_t)n;
	if (n == -1) {
		rc = -errno;
		goto out;
	}
	if (got > YTREE_MAX_BYTES) {
		rc = -EFBIG;
		goto out;
	}
	(*buf)[got] = '\0';
	*len = got;
out:
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return rc;
}

static void
report_read_error(struct ctx *c, const struct ynode *at, const char *path, int rc)
{
	if (rc == -EFBIG && at != NULL)
		err(c, at, "cannot read '%s': larger than the 1 MiB a spec may be", path);
	else if (rc == -EFBIG)
		diag_add(c->d, DIAG_ERROR, path, 0, 0, "larger than the 1 MiB a spec may be");
	else if (at != NULL)
		err(c, at, "cannot read '%s': %s", path, strerror(-rc));
	else
		diag_add(c->d, DIAG_ERROR, NULL, 0, 0, "cannot read '%s': %s", path, strerror(-rc));
}

static void
unknown_template(struct ctx *c, const struct ynode *at, const char *name)
{
	const char *names[64];
	char *list = NULL, *tmp;
	const char *hint;
	size_t n = templates_count < 64 ? templates_count : 64;

	for (size_t i = 0; i < n; i++) {
		names[i] = templates[i].name;
		xasprintf(&tmp, "%s%s%s", list ? list : "", i ? ", " : "", names[i]);
		free(list);
		list = tmp;
	}
	hint = suggest_closest(name, names, n);
	if (at == NULL)
		diag_add(c->d, DIAG_ERROR, NULL, 0, 0,
			 "no template named '%s' and no such file (templates: %s)", name, list);
	else if (hint != NULL)
		err(c, at, "unknown template '%s' (did you mean '%s'?)", name, hint);
	else
		err(c, at, "unknown template '%s' (templates: %s)", name, list);
	free(list);
}

/* Loads ref (a template name or a path, relative to the file that names it)
 * into a tree kept in c.  Returns: its root, or NULL after an error; *ok
 * tells an empty document from a failure. */
static const struct ynode *
load_ref(struct ctx *c, const char *ref, const char *from, const struct ynode *at,
	 bool *ok)
{
	const struct template *t = NULL;
	char *path = NULL, *buf = NULL, *label = NULL, *dir;
	struct ytree *tree = NULL;
	const struct ynode *root = NULL;
	size_t len = 0;
	int rc;

	*ok = false;
	if (!spec_ref_is_path(ref)) {
		if ((t = templates_find(ref)) == NULL) {
			unknown_template(c, at, ref);
			goto out;
		}
		xasprintf(&label, "<template %s>", ref);
		rc = ytree_parse(&tree, c->d, label, t->text, t->len);
	} else {
		if (c->flags & SPEC_NO_FILES) {
			err(c, at, "extends may name only a built-in template here");
			goto out;
		}
		if (ref[0] != '/' && from != NULL && from[0] != '<') {
			char *copy = xstrdup(from);

			dir = dirname(copy);
			xasprintf(&path, "%s/%s", dir, ref);
			free(copy);
		} else {
			path = xstrdup(ref);
		}
		if ((rc = read_file(&buf, &len, path)) != 0) {
			report_read_error(c, at, path, rc);
			goto out;
		}
		rc = ytree_parse(&tree, c->d, path, buf, len);
	}
	if (rc != 0)
		goto out;
	c->trees[c->ntrees++] = tree;
	root = ytree_root(tree);
	*ok = true;
out:
	free(path);
	free(buf);
	free(label);
	return root;
}

/* Applies root's extends chain.  Returns: the merged document, or NULL
 * after an error. */
static const struct ynode *
resolve_extends(struct ctx *c, const struct ynode *root, unsigned depth)
{
	const struct ynode *ext = ynode_get(root, "extends"), *base;
	bool ok;

	if (ext == NULL || ext->kind != YNODE_SCALAR || ynode_is_null(ext))
		return root; /* the schema pass reports a bad value */
	if (depth >= SPEC_MAX_EXTENDS) {
		err(c, ext, "extends nests more than %d deep (is there a cycle?)",
		    SPEC_MAX_EXTENDS);
		return NULL;
	}
	base = load_ref(c, ext->str, ext->file, ext, &ok);
	if (!ok)
		return NULL;
	if (base != NULL && base->kind == YNODE_MAP &&
	    (base = resolve_extends(c, base, depth + 1)) == NULL)
		return NULL;
	return ytree_merge(c->trees[0], base, root);
}

/* Picks the network's name from a file name: "nets/my-net.yaml" is
 * "my-net".  Returns: a valid name (caller frees). */
static char *
name_from_file(const char *file)
{
	const char *base = strrchr(file, '/');
	char *name = xstrdup(base ? base + 1 : file);
	char *dot = strrchr(name, '.');
	size_t j = 0;

	if (dot != NULL && dot != name)
		*dot = '\0';
	for (size_t i = 0; name[i] != '\0' && j < 63; i++) {
		char ch = (char)tolower((unsigned char)name[i]);

		if (isalnum((unsigned char)ch) || ((ch == '-' || ch == '_' || ch == '.') && j > 0))
			name[j++] = ch;
	}
	name[j] = '\0';
	if (j == 0) {
		free(name);
		name = xstrdup("network");
	}
	return name;
}

/* Reads the spec whose top is top (in c->trees[0]).  Returns: 0, or
 * -EINVAL with the problems added to c->d; frees every tree but the
 * first, and the spec on failure. */
static int
spec_from_top(struct spec *spec, struct ctx *c, const char *file, const struct ynode *top,
	      size_t errors)
{
	if (top == NULL) {
		diag_add(c->d, DIAG_ERROR, file, 0, 0, "the spec is empty");
		goto out;
	}
	if (top->kind != YNODE_MAP) {
		err(c, top, "expected a mapping at the top of the spec, got %s",
		    ynode_describe(top));
		goto out;
	}
	if ((c->root = resolve_extends(c, top, 0)) == NULL)
		goto out;
	parse_fields(c, c->root, &top_table, spec);
	/* The name is the file's own, or its file name: never inherited. */
	if (ynode_get(top, "name") == NULL) {
		free(spec->name);
		spec->name = name_from_file(file[0] == '<' ? "network" : file);
	}
	check_network(c, spec);
out:
	for (size_t i = 1; i < c->ntrees; i++)
		ytree_free(c->trees[i]);
	free(c->group_at);
	if (c->d->nerrors > errors) {
		spec_release(spec);
		return -EINVAL;
	}
	return 0;
}

int
spec_load_buffer(struct spec *spec, struct diag *d, const char *file,
		 const char *buf, size_t len, unsigned flags)
{
	struct ctx c = { .d = d, .flags = flags };
	size_t errors = d->nerrors;
	struct ytree *tree;
	int rc;

	spec_defaults(spec);
	spec->file = xstrdup(file);
	if (ytree_parse(&tree, d, file, buf, len) != 0) {
		spec_release(spec);
		return -EINVAL;
	}
	c.trees[c.ntrees++] = tree;
	rc = spec_from_top(spec, &c, file, ytree_root(tree), errors);
	ytree_free(tree);
	return rc;
}

int
spec_load_node(struct spec *spec, struct diag *d, struct ytree *tree, const struct ynode *top)
{
	struct ctx c = { .d = d };

	spec_defaults(spec);
	spec->file = xstrdup(top->file);
	c.trees[c.ntrees++] = tree;
	return spec_from_top(spec, &c, top->file, top, d->nerrors);
}

int
spec_load(struct spec *spec, struct diag *d, const char *ref)
{
	const struct template *t = NULL;
	char *buf = NULL, *label = NULL;
	size_t len = 0;
	int rc;

	if (!spec_ref_is_path(ref) && access(ref, F_OK) != 0) {
		if ((t = templates_find(ref)) == NULL) {
			struct ctx c = { .d = d };

			unknown_template(&c, NULL, ref);
			spec_defaults(spec);
			spec_release(spec);
			return -EINVAL;
		}
		xasprintf(&label, "<template %s>", ref);
		rc = spec_load_buffer(spec, d, label, t->text, t->len, 0);
		free(label);
		return rc;
	}
	if ((rc = read_file(&buf, &len, ref)) != 0) {
		struct ctx c = { .d = d };

		report_read_error(&c, NULL, ref, rc);
		spec_defaults(spec);
		spec_release(spec);
		return -EINVAL;
	}
	rc = spec_load_buffer(spec, d, ref, buf, len, 0);
	free(buf);
	return rc;
}

static void
group_release(struct spec_group *g)
{
	free(g->name);
	for (size_t i = 0; i < g->nargs; i++)
		free(g->args[i]);
	free(g->args);
	for (size_t i = 0; i < g->nenv; i++)
		free(g->env[i]);
	free(g->env);
}

void
spec_release(struct spec *spec)
{
	for (size_t i = 0; i < spec->accounts.nalloc; i++) {
		free(spec->accounts.alloc[i].code);
		free(spec->accounts.alloc[i].storage);
	}
	free(spec->accounts.alloc);
	free(spec->accounts.mnemonic);
	for (size_t i = 0; i < spec->ngroups; i++)
		group_release(&spec->groups[i]);
	free(spec->groups);
	for (size_t i = 0; i < spec->nnodes; i++)
		free(spec->nodes[i].name);
	free(spec->nodes);
	free(spec->logs.dir);
	free(spec->snapshots.dir);
	free(spec->name);
	free(spec->file);
	memset(spec, 0, sizeof(*spec));
}

static json_t *
json_amount(const struct u256 *wei)
{
	char buf[96];

	units_format_amount(buf, wei);
	return json_string(buf);
}

static json_t *
json_size(uint64_t bytes)
{
	char buf[32];

	units_format_size(buf, bytes);
	return json_string(buf);
}

static json_t *
json_word(const struct u256 *w)
{
	char buf[U256_HEX_MAX];

	u256_to_hex(buf, w);
	return json_string(buf);
}

static json_t *
alloc_to_json(const struct spec_alloc *a)
{
	json_t *o = json_object(), *storage;
	char addr[EIP55_LEN + 1], *code;

	eip55_format(addr, a->address);
	json_object_set_new(o, "address", json_string(addr));
	json_object_set_new(o, "balance", json_amount(&a->balance));
	json_object_set_new(o, "nonce", json_integer((json_int_t)a->nonce));
	if (a->code != NULL) {
		code = xmalloc(2 * a->code_len + 3);
		memcpy(code, "0x", 2);
		hex_encode(code + 2, a->code, a->code_len);
		json_object_set_new(o, "code", json_string(code));
		free(code);
	}
	if (a->nstorage > 0) {
		storage = json_object();
		for (size_t i = 0; i < a->nstorage; i++) {
			char key[U256_HEX_MAX];

			u256_to_hex(key, &a->storage[i].key);
			json_object_set_new(storage, key, json_word(&a->storage[i].value));
		}
		json_object_set_new(o, "storage", storage);
	}
	return o;
}

static json_t *
group_to_json(const struct spec_group *g)
{
	json_t *o = json_object(), *res = json_object(), *args, *env;
	char cpu[32];

	json_object_set_new(o, "name", json_string(g->name));
	json_object_set_new(o, "count", json_integer((json_int_t)g->count));
	json_object_set_new(o, "role", json_string(role_names[g->role]));
	if (g->rpc && g->rpc_port != 0)
		json_object_set_new(o, "rpc", json_integer((json_int_t)g->rpc_port));
	else
		json_object_set_new(o, "rpc", json_boolean(g->rpc));
	if (g->resources.memory)
		json_object_set_new(res, "memory", json_size(g->resources.memory));
	if (g->resources.cpu_milli) {
		units_format_milli(cpu, g->resources.cpu_milli);
		json_object_set_new(res, "cpu", json_string(cpu));
	}
	if (g->resources.pids)
		json_object_set_new(res, "pids", json_integer((json_int_t)g->resources.pids));
	if (g->resources.files)
		json_object_set_new(res, "files", json_integer((json_int_t)g->resources.files));
	json_object_set_new(o, "resources", res);
	json_object_set_new(o, "restart", json_string(restart_names[g->restart]));
	args = json_array();
	for (size_t i = 0; i < g->nargs; i++)
		json_array_append_new(args, json_string(g->args[i]));
	json_object_set_new(o, "args", args);
	env = json_object();
	for (size_t i = 0; i < g->nenv; i++) {
		const char *eq = strchr(g->env[i], '=');
		char *key = xstrndup(g->env[i], (size_t)(eq - g->env[i]));

		json_object_set_new(env, key, json_string(eq + 1));
		free(key);
	}
	json_object_set_new(o, "env", env);
	return o;
}

json_t *
spec_to_json(const struct spec *s)
{
	json_t *o = json_object(), *chain = json_object(), *acc = json_object();
	json_t *alloc = json_array(), *nodes = json_array();
	char dur[32];

	json_object_set_new(o, "version", json_integer((json_int_t)s->version));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "seed", json_integer((json_int_t)s->seed));

	json_object_set_new(chain, "id", json_integer((json_int_t)s->chain.id));
	json_object_set_new(chain, "consensus", json_string(consensus_names[s->chain.consensus]));
	units_format_duration(dur, s->chain.block_time_ms);
	json_object_set_new(chain, "block_time", json_string(dur));
	json_object_set_new(chain, "empty_blocks", json_boolean(s->chain.empty_blocks));
	json_object_set_new(chain, "gas_limit", json_integer((json_int_t)s->chain.gas_limit));
	json_object_set_new(chain, "base_fee", json_amount(&s->chain.base_fee));
	json_object_set_new(chain, "hardfork", json_string(hardfork_names[s->chain.hardfork]));
	json_object_set_new(o, "chain", chain);

	json_object_set_new(acc, "mnemonic", json_string(s->accounts.mnemonic));
	json_object_set_new(acc, "count", json_integer((json_int_t)s->accounts.count));
	json_object_set_new(acc, "balance", json_amount(&s->accounts.balance));
	for (size_t i = 0; i < s->accounts.nalloc; i++)
		json_array_append_new(alloc, alloc_to_json(&s->accounts.alloc[i]));
	json_object_set_new(acc, "alloc", alloc);
	json_object_set_new(o, "accounts", acc);

	for (size_t i = 0; i < s->ngroups; i++)
		json_array_append_new(nodes, group_to_json(&s->groups[i]));
	json_object_set_new(o, "nodes", nodes);

	json_object_set_new(o, "sandbox", json_pack("{s:s, s:s, s:s}",
		"seccomp", seccomp_names[s->sandbox.seccomp],
		"network", network_names[s->sandbox.network],
		"filesystem", filesystem_names[s->sandbox.filesystem]));
	json_object_set_new(o, "logs", json_pack("{s:s, s:o, s:I}",
		"dir", s->logs.dir, "max_size", json_size(s->logs.max_size),
		"keep", (json_int_t)s->logs.keep));
	json_object_set_new(o, "snapshots", json_pack("{s:s}", "dir", s->snapshots.dir));
	return o;
}

/* Plain YAML scalars that another reader would take for something other
 * than a string, or that YAML's syntax would misread, get double quotes. */
static bool
yaml_needs_quotes(const char *s)
{
	static const char *const special[] = {
		"true", "false", "yes", "no", "on", "off", "null", "~",
	};

	if (s[0] == '\0' || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) != NULL)
		return true;
	if (s[strlen(s) - 1] == ' ' || strstr(s, ": ") || strstr(s, " #"))
		return true;
	for (const char *p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(special); i++) {
		if (strcasecmp(s, special[i]) == 0)
			return true;
	}
	return false;
}

static void
yaml_write_scalar(FILE *out, const json_t *v)
{
	const char *s;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		fprintf(out, "%lld", (long long)json_integer_value(v));
		return;
	case JSON_TRUE:
		fputs("true", out);
		return;
	case JSON_FALSE:
		fputs("false", out);
		return;
	case JSON_STRING:
		break;
	default:
		fputs("null", out);
		return;
	}
	s = json_string_value(v);
	if (!yaml_needs_quotes(s)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void yaml_write_map(FILE *out, const json_t *obj, int indent, bool inline_first);

static bool
yaml_is_empty(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

static void
yaml_write_seq(FILE *out, const json_t *arr, int indent)
{
	size_t i;
	json_t *item;

	json_array_foreach(arr, i, item) {
		fprintf(out, "%*s- ", indent, "");
		if (json_is_object(item) && !yaml_is_empty(item)) {
			yaml_write_map(out, item, indent + 2, true);
		} else if (json_is_array(item) && !yaml_is_empty(item)) {
			fputc('\n', out);
			yaml_write_seq(out, item, indent + 2);
		} else {
			if (yaml_is_empty(item))
				fputs(json_is_object(item) ? "{}" : "[]", out);
			else
				yaml_write_scalar(out, item);
			fputc('\n', out);
		}
	}
}

static void
yaml_write_map(FILE *out, const json_t *obj, int indent, bool inline_first)
{
	const char *key;
	json_t *v;
	bool first = true;

	json_object_foreach((json_t *)obj, key, v) {
		if (!(first && inline_first))
			fprintf(out, "%*s", indent, "");
		first = false;
		if (yaml_needs_quotes(key)) {
			json_t *k = json_string(key);

			yaml_write_scalar(out, k);
			json_decref(k);
		} else {
			fputs(key, out);
		}
		fputc(':', out);
		if (yaml_is_empty(v)) {
			fputs(json_is_object(v) ? " {}\n" : " []\n", out);
		} else if (json_is_object(v)) {
			fputc('\n', out);
			yaml_write_map(out, v, indent + 2, false);
		} else if (json_is_array(v)) {
			fputc('\n', out);
			yaml_write_seq(out, v, indent + 2);
		} else {
			fputc(' ', out);
			yaml_write_scalar(out, v);
			fputc('\n', out);
		}
	}
}

void
spec_write_yaml(FILE *out, const struct spec *spec)
{
	json_t *j = spec_to_json(spec);

	yaml_write_map(out, j, 0, false);
	json_decref(j);
}
