/* Contract test suites: reading the language (see suite.h). */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex.h"
#include "log.h"
#include "suite.h"
#include "units.h"
#include "xalloc.h"

#define ARTIFACT_MAX (64u << 20)

struct ctx {
	struct suite *s;
	struct diag *d;
	char *dir; /* the suite's directory, for relative paths */
	/* Contract aliases that deploys have made so far, and their
	 * contracts: the setup's, then each test's own. */
	char **aliases;
	const struct suite_contract **alias_of;
	size_t naliases, setup_aliases;
};

static void PRINTFLIKE(3, 4)
err(struct ctx *c, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (at != NULL)
		diag_add(c->d, DIAG_ERROR, at->file, at->line, at->col, "%s", msg);
	else
		diag_add(c->d, DIAG_ERROR, c->s->file, 0, 0, "%s", msg);
	free(msg);
}

static const char *
scalar(const struct ynode *n)
{
	return n != NULL && n->kind == YNODE_SCALAR ? n->str : NULL;
}

/* Returns: the scalar text of n, or NULL after an error naming what. */
static const char *
want_scalar(struct ctx *c, const struct ynode *n, const char *what)
{
	if (n == NULL || n->kind != YNODE_SCALAR || ynode_is_null(n)) {
		err(c, n, "%s: expected a value, got %s", what, ynode_describe(n));
		return NULL;
	}
	return n->str;
}

/* Checks that every key of map is one of keys (NULL-terminated).
 * Returns: whether they all are. */
static bool
known_keys(struct ctx *c, const struct ynode *map, const char *what,
	   const char *const *keys)
{
	bool ok = true;

	for (size_t i = 0; i < map->n; i++) {
		const char *k = scalar(map->items[2 * i]);
		size_t j;

		for (j = 0; keys[j] != NULL && (k == NULL || strcmp(k, keys[j]) != 0); j++)
			;
		if (keys[j] == NULL) {
			char *list = xstrdup("");

			for (j = 0; keys[j] != NULL; j++) {
				char *more;

				xasprintf(&more, "%s%s%s", list, j ? ", " : "", keys[j]);
				free(list);
				list = more;
			}
			err(c, map->items[2 * i], "%s: unknown key '%s' (expected one of: %s)", what,
			    k != NULL ? k : "?", list);
			free(list);
			ok = false;
		}
	}
	return ok;
}

/* The scalar value of key in map: an error at map when it is missing,
 * at the value when it is not a single value.  Returns: it, or NULL. */
static const char *
need(struct ctx *c, const struct ynode *map, const char *key, const char *what)
{
	const struct ynode *v = ynode_get(map, key);

	if (v == NULL) {
		err(c, map, "%s: missing '%s'", what, key);
		return NULL;
	}
	return want_scalar(c, v, what);
}

/* A key's value that must be one value when given.  Returns: whether it
 * is absent or a scalar. */
static bool
optional_scalar(struct ctx *c, const struct ynode *map, const char *key, const char *what)
{
	const struct ynode *v = ynode_get(map, key);

	if (v == NULL || v->kind == YNODE_SCALAR)
		return true;
	err(c, v, "%s.%s: expected one value, got %s", what, key, ynode_describe(v));
	return false;
}

static bool
parse_u64(struct ctx *c, const struct ynode *n, const char *what, uint64_t *out)
{
	const char *v = want_scalar(c, n, what);

	if (v == NULL)
		return false;
	if (units_parse_u64(out, v) != 0) {
		err(c, n, "%s: expected a whole number, got '%s'", what, v);
		return false;
	}
	return true;
}

static bool
parse_duration(struct ctx *c, const struct ynode *n, const char *what, uint64_t *ms)
{
	const char *v = want_scalar(c, n, what);

	if (v == NULL)
		return false;
	if (units_parse_duration(ms, v) != 0) {
		err(c, n, "%s: expected a duration such as 500ms, 2s or 1m, got '%s'", what, v);
		return false;
	}
	return true;
}

/* --- artifacts ------------------------------------------------------------------------- */

/* Reads the bytecode field of an artifact: "0x..." or {"object": "0x..."}.
 * Returns: 0, or -1 when missing or not hex. */
static int
bytecode(uint8_t **code, size_t *len, const json_t *v)
{
	const char *hex;
	size_t n;

	if (json_is_object(v))
		v = json_object_get(v, "object");
	if ((hex = json_string_value(v)) == NULL)
		return -1;
	if (strncmp(hex, "0x", 2) == 0)
		hex += 2;
	n = strlen(hex);
	*len = n / 2;
	*code = xmalloc(*len + 1);
	if (hex_decode(*code, len, hex, n) != 0) {
		free(*code);
		*code = NULL;
		return -1;
	}
	return 0;
}

/* Loads contract k from an artifact: solc --combined-json (contracts keyed
 * "path:Name", "bin" without 0x), a Hardhat artifact ("abi", "bytecode")
 * or Foundry's out/ JSON ("abi", "bytecode": {"object"}).  which picks a
 * contract out of a combined-json file holding several.  Returns: 0 or -1
 * after an error at at. */
static int
load_artifact(struct ctx *c, struct suite_contract *k, const char *which, const struct ynode *at)
{
	json_error_t jerr;
	json_t *j, *entry = NULL, *all;
	char *cause = NULL;
	int rc = -1;

	{
		struct stat sb;

		if (stat(k->file, &sb) == 0 && (uint64_t)sb.st_size > ARTIFACT_MAX) {
			err(c, at, "contract %s: %s is larger than %u MiB", k->name, k->file,
			    ARTIFACT_MAX >> 20);
			return -1;
		}
	}
	j = json_load_file(k->file, 0, &jerr);
	if (j == NULL) {
		if (access(k->file, F_OK) != 0)
			err(c, at, "contract %s: cannot read %s", k->name, k->file);
		else
			err(c, at, "contract %s: %s:%d:%d: %s", k->name, k->file, jerr.line,
			    jerr.column, jerr.text);
		return -1;
	}
	if ((all = json_object_get(j, "contracts")) != NULL && json_is_object(all)) {
		const char *key, *pick = which != NULL ? which : k->name;
		json_t *v;
		size_t n = json_object_size(all);

		json_object_foreach(all, key, v) {
			const char *colon = strrchr(key, ':');

			if (strcmp(colon != NULL ? colon + 1 : key, pick) == 0 || n == 1)
				entry = v;
			if (entry != NULL && strcmp(colon != NULL ? colon + 1 : key, pick) == 0)
				break;
		}
		if (entry == NULL) {
			char *names = xstrdup("");

			json_object_foreach(all, key, v) {
				char *more;

				xasprintf(&more, "%s%s%s", names, names[0] ? ", " : "",
					  strrchr(key, ':') ? strrchr(key, ':') + 1 : key);
				free(names);
				names = more;
			}
			err(c, at, "contract %s: %s has no contract %s (it has: %s); say which with "
			    "'contract:'", k->name, k->file, pick, names);
			free(names);
			goto out;
		}
		if (abi_from_json(&k->abi, &cause, json_object_get(entry, "abi")) != 0 ||
		    bytecode(&k->code, &k->code_len, json_object_get(entry, "bin")) != 0) {
			err(c, at, "contract %s: %s: %s", k->name, k->file,
			    cause != NULL ? cause : "no creation code (\"bin\")");
			goto out;
		}
	} else {
		if (abi_from_json(&k->abi, &cause, json_object_get(j, "abi")) != 0 ||
		    bytecode(&k->code, &k->code_len, json_object_get(j, "bytecode")) != 0) {
			err(c, at, "contract %s: %s is not an artifact chainbox reads (solc "
			    "--combined-json, Hardhat or Foundry): %s", k->name, k->file,
			    cause != NULL ? cause : "no creation code (\"bytecode\")");
			goto out;
		}
	}
	if (k->code_len == 0) {
		err(c, at, "contract %s: %s has no creation code (an interface or abstract "
		    "contract?)", k->name, k->file);
		goto out;
	}
	rc = 0;
out:
	free(cause);
	json_decref(j);
	return rc;
}

static void
parse_contracts(struct ctx *c, const struct ynode *map)
{
	struct suite *s = c->s;

	if (map->kind != YNODE_MAP) {
		err(c, map, "contracts: expected a mapping of NAME: ARTIFACT, got %s",
		    ynode_describe(map));
		return;
	}
	s->contracts = xcalloc(map->n + 1, sizeof(*s->contracts));
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i], *v = map->items[2 * i + 1];
		struct suite_contract *sc = &s->contracts[s->ncontracts];
		const char *path = scalar(v), *which = NULL;

		if (v->kind == YNODE_MAP) {
			static const char *const keys[] = { "artifact", "contract", NULL };

			if (!known_keys(c, v, "contracts", keys))
				continue;
			path = scalar(ynode_get(v, "artifact"));
			which = scalar(ynode_get(v, "contract"));
		}
		if (path == NULL || path[0] == '\0') {
			err(c, v, "contract %s: expected an artifact's path", k->str);
			continue;
		}
		sc->name = xstrdup(k->str);
		if (path[0] == '/')
			sc->file = xstrdup(path);
		else
			xasprintf(&sc->file, "%s/%s", c->dir, path);
		s->ncontracts++;
		if (load_artifact(c, sc, which, v) != 0)
			continue;
	}
}

/* --- steps ----------------------------------------------------------------------------- */

static const char *const step_names[] = {
	[STEP_DEPLOY] = "deploy", [STEP_SEND] = "send", [STEP_CALL] = "call",
	[STEP_BALANCE] = "balance", [STEP_NONCE] = "nonce", [STEP_WAIT] = "wait",
	[STEP_KILL] = "kill", [STEP_RESTART] = "restart", [STEP_STOP] = "stop",
	[STEP_START] = "start", [STEP_PAUSE] = "pause", [STEP_RESUME] = "resume",
	[STEP_PARTITION] = "partition", [STEP_HEAL] = "heal", [STEP_DELAY] = "delay",
	[STEP_EXPECT_NETWORK] = "expect_network",
};

static const struct suite_contract *
alias_contract(const struct ctx *c, const char *alias)
{
	for (size_t i = c->naliases; i > 0; i--) {
		if (strcmp(c->aliases[i - 1], alias) == 0)
			return c->alias_of[i - 1];
	}
	return NULL;
}

static void
add_alias(struct ctx *c, const char *alias, const struct suite_contract *k)
{
	c->aliases = xreallocarray(c->aliases, c->naliases + 1, sizeof(*c->aliases));
	c->alias_of = xreallocarray(c->alias_of, c->naliases + 1, sizeof(*c->alias_of));
	c->aliases[c->naliases] = xstrdup(alias);
	c->alias_of[c->naliases++] = k;
}

/* Checks a node name against the network's.  Returns: it, or NULL after
 * an error. */
static const char *
node_name(struct ctx *c, const struct ynode *n, const char *what)
{
	const char *v = want_scalar(c, n, what);

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < c->s->spec.nnodes; i++) {
		if (strcmp(c->s->spec.nodes[i].name, v) == 0)
			return v;
	}
	err(c, n, "%s: the network has no node '%s'", what, v);
	return NULL;
}

/* Checks that an account reference is an alias, an index or an address. */
static void
check_account(struct ctx *c, const struct ynode *n, const char *what)
{
	const char *v = want_scalar(c, n, what);
	uint64_t idx;

	if (v == NULL || strncmp(v, "0x", 2) == 0 || strstr(v, "${") != NULL)
		return;
	if (units_parse_u64(&idx, v) == 0) {
		if (idx >= c->s->spec.accounts.count)
			err(c, n, "%s: the network has %u dev accounts; %s is not one",
			    what, (unsigned)c->s->spec.accounts.count, v);
		return;
	}
	if (suite_account(c->s, v) < 0 && alias_contract(c, v) == NULL)
		err(c, n, "%s: '%s' is no account alias (see 'accounts:'), contract alias or "
		    "address", what, v);
}

/* Checks a value written in the suite against the ABI type it must have,
 * as far as can be known before the network runs: ${refs} and contract
 * aliases get their values then, and are taken on trust here.  Problems
 * are reported at the value, in what's words. */
static void
check_value(struct ctx *c, const struct ynode *n, const struct abi_type *t, const char *what)
{
	struct abi_value *v = NULL;
	char *cause = NULL;
	json_t *j = NULL;

	if (n->kind == YNODE_SEQ) {
		bool tuple = t->kind == ABI_TUPLE;

		if (!tuple && t->kind != ABI_ARRAY && t->kind != ABI_FIXED_ARRAY) {
			char *f = abi_type_format(t);

			err(c, n, "%s: expected %s, got a list", what, f);
			free(f);
			return;
		}
		if ((tuple && n->n != t->nfields) || (t->kind == ABI_FIXED_ARRAY && n->n != t->len)) {
			char *f = abi_type_format(t);

			err(c, n, "%s: %s holds %zu values, got %zu", what, f,
			    tuple ? t->nfields : t->len, n->n);
			free(f);
			return;
		}
		for (size_t i = 0; i < n->n; i++)
			check_value(c, n->items[i], tuple ? t->fields[i].type : t->elem, what);
		return;
	}
	if (n->kind == YNODE_MAP) {
		if (t->kind != ABI_TUPLE) {
			char *f = abi_type_format(t);

			err(c, n, "%s: expected %s, got a mapping", what, f);
			free(f);
			return;
		}
		for (size_t i = 0; i < n->n; i++) {
			const char *k = n->items[2 * i]->str;
			size_t f;

			for (f = 0; f < t->nfields && strcmp(t->fields[f].name, k) != 0; f++)
				;
			if (f == t->nfields)
				err(c, n->items[2 * i], "%s: no component named '%s'", what, k);
			else
				check_value(c, n->items[2 * i + 1], t->fields[f].type, what);
		}
		return;
	}
	if (strstr(n->str, "${") != NULL)
		return;
	switch (t->kind) {
	case ABI_ADDRESS:
		if (strncmp(n->str, "0x", 2) != 0) {
			uint64_t idx;

			if (suite_account(c->s, n->str) < 0 && alias_contract(c, n->str) == NULL &&
			    (units_parse_u64(&idx, n->str) != 0 || idx >= c->s->spec.accounts.count))
				err(c, n, "%s: '%s' is no address, account alias, account number or "
				    "contract alias", what, n->str);
			return;
		}
		j = json_string(n->str);
		break;
	case ABI_BOOL:
		if (!n->plain || (strcmp(n->str, "true") != 0 && strcmp(n->str, "false") != 0)) {
			err(c, n, "%s: expected true or false, got '%s'", what, n->str);
			return;
		}
		return;
	case ABI_UINT:
	case ABI_INT:
		if (strchr(n->str, ' ') != NULL) {
			struct u256 wei;

			if (units_parse_amount(&wei, n->str + (n->str[0] == '-')) != 0)
				err(c, n, "%s: '%s' is not an amount such as 1.5 ether", what, n->str);
			return;
		}
		j = json_string(n->str);
		break;
	case ABI_TUPLE:
	case ABI_ARRAY:
	case ABI_FIXED_ARRAY: {
		char *f = abi_type_format(t);

		err(c, n, "%s: expected %s, a list, got '%s'", what, f, n->str);
		free(f);
		return;
	}
	default:
		j = json_string(n->str);
		break;
	}
	if (abi_value_from_json(&v, &cause, t, j) != 0)
		err(c, n, "%s: %s", what, cause);
	abi_value_free(v);
	free(cause);
	json_decref(j);
}

/* Checks a list of values, or a mapping by name, against params. */
static void
check_values(struct ctx *c, const struct ynode *vals, const struct abi_type *params,
	     const char *what)
{
	if (vals == NULL || ynode_is_null(vals))
		return;
	if (vals->kind == YNODE_SCALAR && params->nfields == 1)
		check_value(c, vals, params->fields[0].type, what);
	else if (vals->kind != YNODE_SCALAR &&
		 (vals->kind != YNODE_SEQ || vals->n == params->nfields))
		check_value(c, vals, params, what);
}

/* Counts a call's arguments against fn's parameters. */
static void
check_args(struct ctx *c, const struct ynode *at, const struct ynode *args,
	   const struct abi_entry *fn, const char *what)
{
	size_t want = fn->inputs->nfields;

	if (args == NULL) {
		if (want > 0)
			err(c, at, "%s takes %zu argument%s; give them as 'args:'", what, want,
			    want == 1 ? "" : "s");
		return;
	}
	if (args->kind == YNODE_SEQ && args->n != want)
		err(c, args, "%s takes %zu argument%s, got %zu", what, want, want == 1 ? "" : "s",
		    args->n);
	else if (args->kind == YNODE_SCALAR && !ynode_is_null(args) && want != 1)
		err(c, args, "%s takes %zu arguments: give them as a list", what, want);
}

/* Parses reverts: true, a reason string, an error's name or signature,
 * or {error: NAME, args: [...]}. */
static void
parse_reverts(struct ctx *c, struct suite_step *st, const struct ynode *v)
{
	const struct abi *abi = st->contract != NULL ? st->contract->abi : NULL;
	const char *name = NULL;
	char *cause = NULL;

	st->reverts = true;
	if (v->kind == YNODE_MAP) {
		static const char *const keys[] = { "error", "args", "reason", NULL };

		if (!known_keys(c, v, "reverts", keys))
			return;
		if ((name = scalar(ynode_get(v, "error"))) == NULL) {
			if (ynode_get(v, "reason") == NULL)
				err(c, v, "reverts: expected 'error:' or 'reason:'");
			else if (want_scalar(c, ynode_get(v, "reason"), "reverts.reason") != NULL)
				st->revert = ynode_get(v, "reason");
			return;
		}
		st->revert_args = ynode_get(v, "args");
	} else if (v->kind == YNODE_SCALAR) {
		if (v->plain && strcmp(v->str, "true") == 0)
			return; /* any revert */
		if (v->plain && strcmp(v->str, "false") == 0) {
			err(c, v, "reverts: false is the default; leave 'reverts' out");
			return;
		}
		/* An error of the ABI by name or signature, else a reason; a
		 * lone word close to an error's name is a typo, not a reason. */
		if (abi != NULL && abi_find(&st->revert_error, &cause, abi, ABI_ERROR, v->str) == 0)
			return;
		if (v->plain && cause != NULL && strstr(cause, "did you mean") != NULL &&
		    strspn(v->str, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
			    strlen(v->str)) {
			err(c, v, "reverts: %s (quote it to mean a reason string)", cause);
			free(cause);
			return;
		}
		free(cause);
		st->revert = v;
		return;
	} else {
		err(c, v, "reverts: expected true, a reason, an error's name, or {error, args}");
		return;
	}
	if (abi == NULL || abi_find(&st->revert_error, &cause, abi, ABI_ERROR, name) != 0)
		err(c, v, "reverts: %s", abi == NULL ? "the target's contract is not known"
						     : cause);
	else if (st->revert_args != NULL && st->revert_args->kind == YNODE_SEQ &&
		 st->revert_args->n != st->revert_error->inputs->nfields)
		err(c, st->revert_args, "reverts: %s has %zu arguments, got %zu",
		    st->revert_error->signature, st->revert_error->inputs->nfields,
		    st->revert_args->n);
	else if (st->revert_args != NULL)
		check_values(c, st->revert_args, st->revert_error->inputs, "reverts.args");
	free(cause);
}

static void
parse_emits(struct ctx *c, struct suite_step *st, const struct ynode *v)
{
	const struct ynode *one = v;
	size_t n = v->kind == YNODE_SEQ ? v->n : 1;

	st->emits = xcalloc(n + 1, sizeof(*st->emits));
	for (size_t i = 0; i < n; i++) {
		struct suite_emit *e = &st->emits[st->nemits];
		const char *name;
		char *cause = NULL;

		if (v->kind == YNODE_SEQ)
			one = v->items[i];
		e->at = one;
		if (one->kind == YNODE_MAP) {
			static const char *const keys[] = { "event", "args", "contract", NULL };
			const char *cn = scalar(ynode_get(one, "contract"));

			if (!known_keys(c, one, "emits", keys))
				continue;
			name = scalar(ynode_get(one, "event"));
			e->args = ynode_get(one, "args");
			e->contract = st->contract;
			if (cn != NULL && (e->contract = suite_contract(c->s, cn)) == NULL) {
				err(c, ynode_get(one, "contract"), "emits: no contract named '%s'", cn);
				continue;
			}
		} else {
			name = scalar(one);
			e->contract = st->contract;
		}
		if (name == NULL) {
			err(c, one, "emits: expected an event's name or signature, or {event, args}");
			continue;
		}
		/* The target's ABI first, then any contract's. */
		if (e->contract == NULL || e->contract->abi == NULL ||
		    abi_find(&e->event, &cause, e->contract->abi, ABI_EVENT, name) != 0) {
			for (size_t k = 0; k < c->s->ncontracts && e->event == NULL; k++) {
				if (c->s->contracts[k].abi != NULL &&
				    abi_find(&e->event, NULL, c->s->contracts[k].abi, ABI_EVENT,
					     name) == 0)
					e->contract = &c->s->contracts[k];
			}
			if (e->event == NULL) {
				err(c, one, "emits: %s", cause != NULL ? cause
								      : "no contract has that event");
				free(cause);
				continue;
			}
		}
		free(cause);
		if (e->args != NULL && e->args->kind == YNODE_SCALAR && !ynode_is_null(e->args)) {
			err(c, e->args, "emits: an event's args are a list, or a mapping by name");
			continue;
		}
		if (e->args != NULL && e->args->kind == YNODE_SEQ &&
		    e->args->n != e->event->inputs->nfields)
			err(c, e->args, "emits: %s has %zu arguments, got %zu", e->event->signature,
			    e->event->inputs->nfields, e->args->n);
		else if (e->args != NULL)
			check_values(c, e->args, e->event->inputs, "emits.args");
		st->nemits++;
	}
}

/* Parses the comparison keys of call, balance and nonce. */
static void
parse_compare(struct ctx *c, struct suite_step *st, const struct ynode *m)
{
	static const struct { const char *key; enum cmp_op op; } ops[] = {
		{ "equals", CMP_EQ }, { "gt", CMP_GT }, { "gte", CMP_GTE },
		{ "lt", CMP_LT }, { "lte", CMP_LTE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		const struct ynode *v = ynode_get(m, ops[i].key);

		if (v == NULL)
			continue;
		if (st->op != CMP_NONE) {
			err(c, v, "%s: give one of equals, gt, gte, lt and lte", step_names[st->kind]);
			return;
		}
		st->op = ops[i].op;
		st->expect = v;
	}
}

/* deploy, send and call. */
static void
parse_tx(struct ctx *c, struct suite_step *st, const struct ynode *m)
{
	static const char *const deploy_keys[] = { "contract", "args", "from", "value", "node",
						   "as", "reverts", "emits", NULL };
	static const char *const send_keys[] = { "to", "contract", "function", "args", "from",
						 "value", "node", "as", "reverts", "emits", NULL };
	static const char *const call_keys[] = { "to", "contract", "function", "args", "from",
						 "value", "node", "as", "reverts", "equals", "gt",
						 "gte", "lt", "lte", NULL };
	const char *const *keys = st->kind == STEP_DEPLOY ? deploy_keys
				  : st->kind == STEP_SEND ? send_keys : call_keys;
	const char *kname = step_names[st->kind], *v;
	char *cause = NULL;

	if (m->kind != YNODE_MAP) {
		err(c, m, "%s: expected a mapping, got %s", kname, ynode_describe(m));
		return;
	}
	if (!known_keys(c, m, kname, keys) || !optional_scalar(c, m, "to", kname) ||
	    !optional_scalar(c, m, "value", kname) || !optional_scalar(c, m, "as", kname) ||
	    !optional_scalar(c, m, "from", kname) || !optional_scalar(c, m, "contract", kname))
		return;
	st->args = ynode_get(m, "args");
	if (st->args != NULL && ynode_is_null(st->args))
		st->args = NULL;
	st->value = ynode_get(m, "value");
	st->from = ynode_get(m, "from");
	st->as = scalar(ynode_get(m, "as"));
	if (ynode_get(m, "node") != NULL)
		st->node = node_name(c, ynode_get(m, "node"), kname);
	if (st->from != NULL)
		check_account(c, st->from, "from");
	if (st->value != NULL && scalar(st->value) != NULL) {
		struct u256 wei;

		if (strstr(st->value->str, "${") == NULL && units_parse_amount(&wei, st->value->str) != 0)
			err(c, st->value, "value: expected an amount such as 1.5 ether or 100 gwei, "
			    "got '%s'", st->value->str);
	}
	if ((v = scalar(ynode_get(m, "contract"))) != NULL &&
	    (st->contract = suite_contract(c->s, v)) == NULL) {
		err(c, ynode_get(m, "contract"), "%s: no contract named '%s' (see 'contracts:')",
		    kname, v);
		return;
	}
	if (st->as != NULL && (suite_account(c->s, st->as) >= 0 ||
			       strspn(st->as, "0123456789") == strlen(st->as) ||
			       strchr(st->as, '.') != NULL)) {
		err(c, ynode_get(m, "as"), "%s: 'as: %s' would hide an account or read as a number; "
		    "choose another name", kname, st->as);
		return;
	}
	if (st->kind == STEP_DEPLOY) {
		if (st->contract == NULL) {
			err(c, m, "deploy: say which contract with 'contract:'");
			return;
		}
		if (st->contract->abi == NULL)
			return; /* its artifact did not load, as said */
		st->fn = abi_constructor(st->contract->abi);
		xasprintf(&st->what, "deploy %s", st->contract->name);
		check_args(c, m, st->args, st->fn, st->what);
		check_values(c, st->args, st->fn->inputs, st->what);
		if (st->as != NULL)
			add_alias(c, st->as, st->contract);
	} else {
		const char *fname = need(c, m, "function", kname);

		st->to = ynode_get(m, "to");
		if (st->to == NULL) {
			err(c, m, "%s: say whom with 'to:'", kname);
			return;
		}
		if (st->contract == NULL && (v = scalar(st->to)) != NULL &&
		    (st->contract = alias_contract(c, v)) == NULL) {
			err(c, st->to, "%s: '%s' is no contract alias made by an earlier deploy's "
			    "'as:'; for an address, name its ABI with 'contract:'", kname, v);
			return;
		}
		if (fname == NULL || st->contract == NULL || st->contract->abi == NULL)
			return;
		if (abi_find(&st->fn, &cause, st->contract->abi, ABI_FUNCTION, fname) != 0) {
			err(c, ynode_get(m, "function"), "%s: contract %s: %s", kname,
			    st->contract->name, cause);
			free(cause);
			return;
		}
		xasprintf(&st->what, "%s %s", kname, st->fn->signature);
		check_args(c, m, st->args, st->fn, st->what);
		check_values(c, st->args, st->fn->inputs, st->what);
	}
	if (ynode_get(m, "reverts") != NULL)
		parse_reverts(c, st, ynode_get(m, "reverts"));
	if (ynode_get(m, "emits") != NULL)
		parse_emits(c, st, ynode_get(m, "emits"));
	if (st->kind == STEP_CALL) {
		parse_compare(c, st, m);
		if (st->op != CMP_NONE && st->reverts)
			err(c, m, "call: expect a value or a revert, not both");
		if (st->op > CMP_EQ && st->fn != NULL && st->fn->outputs->nfields != 1)
			err(c, st->expect, "call: gt, gte, lt and lte compare one number, and %s "
			    "returns %zu values", st->fn->signature, st->fn->outputs->nfields);
		else if (st->op != CMP_NONE && st->fn != NULL && st->fn->outputs->nfields == 1)
			check_value(c, st->expect, st->fn->outputs->fields[0].type, "call's expected value");
		else if (st->op == CMP_EQ && st->fn != NULL)
			check_values(c, st->expect, st->fn->outputs, "call's expected values");
	}
}

static void
parse_fault(struct ctx *c, struct suite_step *st, const struct ynode *v)
{
	const char *kname = step_names[st->kind];

	if (st->kind == STEP_HEAL) {
		xasprintf(&st->what, "heal");
		return;
	}
	if (st->kind == STEP_PARTITION) {
		if (v->kind != YNODE_SEQ || v->n < 2) {
			err(c, v, "partition: expected a list of at least two groups, each a list of "
			    "nodes or \"a,b\"");
			return;
		}
		st->nodes = xcalloc(v->n + 1, sizeof(*st->nodes));
		for (size_t i = 0; i < v->n; i++) {
			const struct ynode *g = v->items[i];
			char *group = xstrdup(""), *more;

			if (g->kind == YNODE_SEQ) {
				for (size_t k = 0; k < g->n; k++) {
					const char *n = node_name(c, g->items[k], "partition");

					xasprintf(&more, "%s%s%s", group, k ? "," : "", n ? n : "?");
					free(group);
					group = more;
				}
			} else if (scalar(g) != NULL && g->str[0] != '\0') {
				char *copy = xstrdup(g->str), *save = NULL;

				for (char *t = strtok_r(copy, ",", &save); t != NULL;
				     t = strtok_r(NULL, ",", &save)) {
					size_t k;

					for (k = 0; k < c->s->spec.nnodes &&
						    strcmp(c->s->spec.nodes[k].name, t) != 0; k++)
						;
					if (k == c->s->spec.nnodes)
						err(c, g, "partition: the network has no node '%s'", t);
				}
				free(copy);
				free(group);
				group = xstrdup(g->str);
			} else {
				err(c, g, "partition: a group is a list of nodes or \"a,b\", got %s",
				    ynode_describe(g));
			}
			st->nodes[st->nnodes++] = group;
		}
		xasprintf(&st->what, "partition");
		return;
	}
	if (st->kind == STEP_DELAY) {
		static const char *const keys[] = { "node", "by", "jitter", NULL };
		const char *n;

		if (v->kind != YNODE_MAP || !known_keys(c, v, "delay", keys))
			return err(c, v, "delay: expected {node: NAME, by: DURATION, jitter: "
				   "DURATION}");
		if (need(c, v, "node", "delay") == NULL || need(c, v, "by", "delay") == NULL ||
		    (n = node_name(c, ynode_get(v, "node"), "delay")) == NULL ||
		    !parse_duration(c, ynode_get(v, "by"), "delay.by", &st->delay_ms))
			return;
		if (ynode_get(v, "jitter") != NULL &&
		    !parse_duration(c, ynode_get(v, "jitter"), "delay.jitter", &st->jitter_ms))
			return;
		st->nodes = xcalloc(2, sizeof(*st->nodes));
		st->nodes[st->nnodes++] = xstrdup(n);
		xasprintf(&st->what, "delay %s", n);
		return;
	}
	{
		static const char *const keys[] = { "node", NULL };
		const struct ynode *nv = v->kind == YNODE_MAP ? ynode_get(v, "node") : v;
		const char *n;

		if (v->kind == YNODE_MAP && (!known_keys(c, v, kname, keys) ||
					     need(c, v, "node", kname) == NULL))
			return;
		n = node_name(c, nv, kname);

		if (n == NULL)
			return;
		st->nodes = xcalloc(2, sizeof(*st->nodes));
		st->nodes[st->nnodes++] = xstrdup(n);
		xasprintf(&st->what, "%s %s", kname, n);
	}
}

static void
parse_step(struct ctx *c, struct suite_step *st, const struct ynode *n)
{
	const char *kname;
	const struct ynode *v;
	size_t k;

	st->at = n;
	if (n->kind != YNODE_MAP || n->n != 1) {
		err(c, n, "a step is a mapping with one key, the step's kind (deploy, send, call, "
		    "balance, nonce, wait, kill, restart, stop, start, pause, resume, partition, "
		    "heal, delay, expect_network)");
		return;
	}
	kname = scalar(n->items[0]);
	v = n->items[1];
	for (k = 0; k < ARRAY_SIZE(step_names) && (kname == NULL || strcmp(kname, step_names[k]) != 0);
	     k++)
		;
	if (k == ARRAY_SIZE(step_names)) {
		err(c, n->items[0], "unknown step '%s' (expected deploy, send, call, balance, nonce, "
		    "wait, kill, restart, stop, start, pause, resume, partition, heal, delay or "
		    "expect_network)", kname != NULL ? kname : "?");
		return;
	}
	st->kind = (enum step_kind)k;
	switch (st->kind) {
	case STEP_DEPLOY:
	case STEP_SEND:
	case STEP_CALL:
		parse_tx(c, st, v);
		break;
	case STEP_BALANCE:
	case STEP_NONCE: {
		static const char *const keys[] = { "of", "node", "equals", "gt", "gte", "lt",
						    "lte", NULL };

		if (v->kind != YNODE_MAP || !known_keys(c, v, kname, keys))
			return err(c, v, "%s: expected {of: ACCOUNT, equals: VALUE}", kname);
		st->of = ynode_get(v, "of");
		if (st->of == NULL)
			return err(c, v, "%s: say whose with 'of:'", kname);
		check_account(c, st->of, "of");
		if (ynode_get(v, "node") != NULL)
			st->node = node_name(c, ynode_get(v, "node"), kname);
		parse_compare(c, st, v);
		if (st->op == CMP_NONE) {
			err(c, v, "%s: expected equals, gt, gte, lt or lte", kname);
		} else if (want_scalar(c, st->expect, kname) != NULL &&
			   strstr(st->expect->str, "${") == NULL) {
			struct u256 wei;

			if (units_parse_amount(&wei, st->expect->str) != 0)
				err(c, st->expect, "%s: expected a number or an amount such as 1.5 ether, "
				    "got '%s'", kname, st->expect->str);
		}
		xasprintf(&st->what, "%s of %s", kname, scalar(st->of) ? scalar(st->of) : "?");
		break;
	}
	case STEP_WAIT:
		st->timeout_ms = 30000;
		if (v->kind == YNODE_SCALAR) {
			(void)parse_duration(c, v, "wait", &st->ms);
		} else if (v->kind == YNODE_MAP) {
			static const char *const keys[] = { "blocks", "for", "timeout", "node", NULL };

			if (!known_keys(c, v, "wait", keys))
				return;
			if (ynode_get(v, "blocks") != NULL)
				(void)parse_u64(c, ynode_get(v, "blocks"), "wait.blocks", &st->blocks);
			if (ynode_get(v, "for") != NULL)
				(void)parse_duration(c, ynode_get(v, "for"), "wait.for", &st->ms);
			if (ynode_get(v, "timeout") != NULL)
				(void)parse_duration(c, ynode_get(v, "timeout"), "wait.timeout",
						     &st->timeout_ms);
			if (ynode_get(v, "node") != NULL)
				st->node = node_name(c, ynode_get(v, "node"), "wait");
			if ((st->blocks == 0) == (st->ms == 0))
				err(c, v, "wait: give 'blocks: N' or 'for: DURATION'");
		} else {
			err(c, v, "wait: expected a duration or {blocks: N, timeout: DURATION}");
		}
		xasprintf(&st->what, "wait");
		break;
	case STEP_EXPECT_NETWORK: {
		static const char *const keys[] = { "agree", "advances", "within", NULL };

		if (v->kind != YNODE_MAP || !known_keys(c, v, kname, keys))
			return err(c, v, "expect_network: expected {agree: true} or {advances: N, "
				   "within: DURATION}");
		st->agree = scalar(ynode_get(v, "agree")) != NULL &&
			    strcmp(scalar(ynode_get(v, "agree")), "true") == 0;
		st->within_ms = 30000;
		if (ynode_get(v, "advances") != NULL)
			(void)parse_u64(c, ynode_get(v, "advances"), "advances", &st->advances);
		if (ynode_get(v, "within") != NULL)
			(void)parse_duration(c, ynode_get(v, "within"), "within", &st->within_ms);
		if (!st->agree && st->advances == 0)
			err(c, v, "expect_network: expected agree: true or advances: N");
		xasprintf(&st->what, "expect_network");
		break;
	}
	default:
		if (c->s->spec.chain.consensus != SPEC_TBFT &&
		    (st->kind == STEP_PARTITION || st->kind == STEP_HEAL || st->kind == STEP_DELAY))
			err(c, n, "%s: the network is solo, with no P2P layer to fault", kname);
		parse_fault(c, st, v);
		break;
	}
}

static void
parse_steps(struct ctx *c, struct suite_test *t, const struct ynode *list, const char *what)
{
	if (list == NULL || list->kind != YNODE_SEQ) {
		err(c, list != NULL ? list : t->at, "%s: expected a list of steps, got %s", what,
		    ynode_describe(list));
		return;
	}
	if (list->n > SUITE_MAX_STEPS) {
		err(c, list, "%s: more than %d steps", what, SUITE_MAX_STEPS);
		return;
	}
	t->steps = xcalloc(list->n + 1, sizeof(*t->steps));
	for (size_t i = 0; i < list->n; i++) {
		parse_step(c, &t->steps[i], list->items[i]);
		t->nsteps++;
		if (t->steps[t->nsteps - 1].what == NULL)
			xasprintf(&t->steps[t->nsteps - 1].what, "%s",
				  step_names[t->steps[t->nsteps - 1].kind]);
	}
}

/* --- the suite ------------------------------------------------------------------------- */

static void
parse_network(struct ctx *c, const struct ynode *v)
{
	struct suite *s = c->s;

	if (v == NULL) {
		err(c, NULL, "the suite needs 'network:', a template name, a spec file, or a spec");
		return;
	}
	if (v->kind == YNODE_MAP) {
		if (spec_load_node(&s->spec, c->d, s->tree, v) != 0)
			return;
	} else if (scalar(v) != NULL) {
		/* A path is relative to the suite; a template is a name. */
		if (spec_ref_is_path(v->str) && v->str[0] != '/')
			xasprintf(&s->spec_ref, "%s/%s", c->dir, v->str);
		else
			s->spec_ref = xstrdup(v->str);
		if (spec_load(&s->spec, c->d, s->spec_ref) != 0) {
			err(c, v, "network: cannot load '%s' (see above)", v->str);
			free(s->spec_ref);
			s->spec_ref = NULL;
			return;
		}
	} else {
		err(c, v, "network: expected a template name, a spec file or a spec, got %s",
		    ynode_describe(v));
		return;
	}
	s->have_spec = true;
}

static void
parse_accounts(struct ctx *c, const struct ynode *map)
{
	struct suite *s = c->s;

	if (map->kind != YNODE_MAP) {
		err(c, map, "accounts: expected a mapping of ALIAS: INDEX, got %s",
		    ynode_describe(map));
		return;
	}
	s->accounts = xcalloc(map->n + 1, sizeof(*s->accounts));
	for (size_t i = 0; i < map->n; i++) {
		uint64_t idx;

		if (!parse_u64(c, map->items[2 * i + 1], "accounts", &idx))
			continue;
		if (idx >= s->spec.accounts.count) {
			err(c, map->items[2 * i + 1], "accounts: the network has %u dev accounts, "
			    "numbered from 0", (unsigned)s->spec.accounts.count);
			continue;
		}
		s->accounts[s->naccounts].alias = xstrdup(map->items[2 * i]->str);
		s->accounts[s->naccounts++].index = (unsigned)idx;
	}
}

int
suite_load_buffer(struct suite *s, struct diag *d, const char *file, const char *buf, size_t len)
{
	static const char *const keys[] = { "version", "name", "network", "contracts", "accounts",
					    "isolation", "setup", "tests", NULL };
	struct ctx c = { .s = s, .d = d };
	const struct ynode *root, *v;
	size_t errors = d->nerrors;
	char *copy;
	const char *base;

	memset(s, 0, sizeof(*s));
	s->file = xstrdup(file);
	copy = xstrdup(file);
	c.dir = xstrdup(dirname(copy));
	free(copy);
	if (ytree_parse(&s->tree, d, file, buf, len) != 0)
		goto out;
	root = ytree_root(s->tree);
	if (root == NULL || root->kind != YNODE_MAP) {
		err(&c, root, "expected a mapping at the top of the suite, got %s",
		    ynode_describe(root));
		goto out;
	}
	if (!known_keys(&c, root, "suite", keys))
		goto out;
	if ((v = ynode_get(root, "version")) != NULL &&
	    (scalar(v) == NULL || strcmp(v->str, "1") != 0))
		err(&c, v, "version: this chainbox reads version 1 suites");
	copy = xstrdup(file);
	base = basename(copy);
	s->name = xstrdup(scalar(ynode_get(root, "name")) != NULL ? scalar(ynode_get(root, "name"))
								  : base);
	if (ynode_get(root, "name") == NULL && strrchr(s->name, '.') != NULL)
		*strrchr(s->name, '.') = '\0';
	free(copy);
	parse_network(&c, ynode_get(root, "network"));
	if (!s->have_spec)
		goto out; /* nothing else can be checked */
	if ((v = ynode_get(root, "contracts")) != NULL)
		parse_contracts(&c, v);
	if ((v = ynode_get(root, "accounts")) != NULL)
		parse_accounts(&c, v);
	if ((v = ynode_get(root, "isolation")) != NULL) {
		const char *iso = want_scalar(&c, v, "isolation");

		if (iso != NULL && strcmp(iso, "fresh") == 0)
			s->isolation = SUITE_FRESH;
		else if (iso != NULL && strcmp(iso, "shared") == 0)
			s->isolation = SUITE_SHARED;
		else if (iso != NULL)
			err(&c, v, "isolation: expected fresh or shared, got '%s'", iso);
	}
	s->setup.name = xstrdup("setup");
	s->setup.at = ynode_get(root, "setup");
	if (s->setup.at != NULL)
		parse_steps(&c, &s->setup, s->setup.at, "setup");
	c.setup_aliases = c.naliases;
	v = ynode_get(root, "tests");
	if (v == NULL || v->kind != YNODE_SEQ || v->n == 0) {
		err(&c, v, "tests: expected a list of tests, each {name, steps}");
		goto out;
	}
	s->tests = xcalloc(v->n + 1, sizeof(*s->tests));
	for (size_t i = 0; i < v->n; i++) {
		static const char *const tkeys[] = { "name", "steps", NULL };
		const struct ynode *t = v->items[i];
		struct suite_test *st = &s->tests[s->ntests];
		const char *name;

		if (t->kind != YNODE_MAP || !known_keys(&c, t, "tests", tkeys)) {
			if (t->kind != YNODE_MAP)
				err(&c, t, "tests: each test is {name, steps}, got %s",
				    ynode_describe(t));
			continue;
		}
		name = need(&c, t, "name", "test");
		for (size_t k = 0; name != NULL && k < s->ntests; k++) {
			if (strcmp(s->tests[k].name, name) == 0)
				err(&c, ynode_get(t, "name"), "two tests are named '%s'", name);
		}
		st->name = xstrdup(name != NULL ? name : "?");
		st->at = t;
		/* Each test sees the setup's aliases and its own. */
		while (c.naliases > c.setup_aliases)
			free(c.aliases[--c.naliases]);
		parse_steps(&c, st, ynode_get(t, "steps"), "steps");
		s->ntests++;
	}
out:
	for (size_t i = 0; i < c.naliases; i++)
		free(c.aliases[i]);
	free(c.aliases);
	free(c.alias_of);
	free(c.dir);
	if (d->nerrors > errors) {
		suite_release(s);
		return -EINVAL;
	}
	return 0;
}

int
suite_load(struct suite *s, struct diag *d, const char *file)
{
	FILE *f = fopen(file, "rb");
	char *buf;
	size_t len;
	int rc;

	if (f == NULL) {
		memset(s, 0, sizeof(*s));
		diag_add(d, DIAG_ERROR, file, 0, 0, "cannot read the suite: %s", strerror(errno));
		return -EINVAL;
	}
	buf = xmalloc(YTREE_MAX_BYTES + 1);
	len = fread(buf, 1, YTREE_MAX_BYTES + 1, f);
	fclose(f);
	if (len > YTREE_MAX_BYTES) {
		free(buf);
		memset(s, 0, sizeof(*s));
		diag_add(d, DIAG_ERROR, file, 0, 0, "the suite is larger than %d bytes",
			 YTREE_MAX_BYTES);
		return -EINVAL;
	}
	rc = suite_load_buffer(s, d, file, buf, len);
	free(buf);
	return rc;
}

static void
test_release(struct suite_test *t)
{
	for (size_t i = 0; i < t->nsteps; i++) {
		struct suite_step *st = &t->steps[i];

		free(st->what);
		free(st->emits);
		for (size_t k = 0; k < st->nnodes; k++)
			free(st->nodes[k]);
		free(st->nodes);
	}
	free(t->steps);
	free(t->name);
}

void
suite_release(struct suite *s)
{
	test_release(&s->setup);
	for (size_t i = 0; i < s->ntests; i++)
		test_release(&s->tests[i]);
	free(s->tests);
	for (size_t i = 0; i < s->ncontracts; i++) {
		abi_free(s->contracts[i].abi);
		free(s->contracts[i].code);
		free(s->contracts[i].name);
		free(s->contracts[i].file);
	}
	free(s->contracts);
	for (size_t i = 0; i < s->naccounts; i++)
		free(s->accounts[i].alias);
	free(s->accounts);
	if (s->have_spec)
		spec_release(&s->spec);
	free(s->spec_ref);
	ytree_free(s->tree);
	free(s->name);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

const struct suite_contract *
suite_contract(const struct suite *s, const char *name)
{
	for (size_t i = 0; i < s->ncontracts; i++) {
		if (strcmp(s->contracts[i].name, name) == 0)
			return &s->contracts[i];
	}
	return NULL;
}

int
suite_account(const struct suite *s, const char *alias)
{
	for (size_t i = 0; i < s->naccounts; i++) {
		if (strcmp(s->accounts[i].alias, alias) == 0)
			return (int)s->accounts[i].index;
	}
	return -1;
}
