/* `chainbox test` (see testrun.h). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "fsutil.h"
#include "hex.h"
#include "log.h"
#include "logcap.h"
#include "netcmd.h"
#include "rpcclient.h"
#include "snapshot.h"
#include "testrun.h"
#include "units.h"
#include "xalloc.h"

#define RPC_TIMEOUT_MS 10000
#define RECEIPT_TIMEOUT_MS 30000
#define POLL_MS 5
#define LOG_LINES 15
#define SETUP_SNAPSHOT "chainbox-test-setup"
#define UP_TRIES 3
#define UP_WAIT_MS 20000

/* One suite's run against its network. */
struct run {
	const struct suite *s;
	const struct testrun_options *o;
	struct rpcclient *rpc;
	char *work; /* the temporary directory */
	char *state_dir;
	bool tbft;
	size_t nnodes;
	char **urls; /* each node's RPC URL, or NULL */
	/* What a step did to each node: 0 nothing, else the step's kind
	 * (STEP_KILL, STEP_STOP or STEP_PAUSE). */
	enum step_kind *down;
	json_t *setup_vars; /* the results the setup kept */
	json_t *accounts; /* eth_accounts: the dev accounts' addresses */
	json_t *vars; /* results kept with 'as' */
	json_t **snap_ids; /* solo networks: each node's evm_snapshot id */
	bool saved; /* tbft: the setup's network snapshot exists */
	/* The step under way: for failure reports. */
	struct test_result *t;
	size_t step;
	const struct suite_step *st;
	const char *node; /* the node the step went through */
};

static double
now_ms(void)
{
	return (double)mono_ns() / 1e6;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? xstrdup(s) : NULL;
}

/* Fails the step under way: message, and the details given.  Returns: -1. */
static int PRINTFLIKE(2, 3)
fail(struct run *r, const char *fmt, ...)
{
	struct test_result *t = r->t;
	va_list ap;

	if (t->status == TEST_FAIL)
		return -1; /* the first failure is the one reported */
	t->status = TEST_FAIL;
	free(t->message);
	va_start(ap, fmt);
	xvasprintf(&t->message, fmt, ap);
	va_end(ap);
	if (r->st != NULL) {
		free(t->step);
		xasprintf(&t->step, "step %zu: %s (%s:%u:%u)", r->step + 1, r->st->what,
			  r->st->at->file, r->st->at->line, r->st->at->col);
	}
	return -1;
}

/* The last lines of the logs of the nodes the failed step involved: the
 * one it went through, else every node. */
static char *
node_logs(const struct run *r)
{
	char *all = xstrdup("");

	for (size_t i = 0; i < r->nnodes; i++) {
		const char *name = r->s->spec.nodes[i].name;
		char *path, *tail = NULL, *more;

		if (r->node != NULL && strcmp(r->node, name) != 0)
			continue;
		xasprintf(&path, "%s/logs/%s.log", r->state_dir, name);
		if (logcap_file_tail(&tail, path, LOG_LINES) == 0) {
			xasprintf(&more, "%s==> %s <==\n%s", all, name, tail);
			free(all);
			all = more;
		}
		free(tail);
		free(path);
	}
	return all;
}

/* --- values ------------------------------------------------------------------------------ */

/* Looks up "a.b.c" in the kept results.  Returns: the value, or NULL. */
static const json_t *
lookup(const struct run *r, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	const json_t *v = r->vars;

	for (char *k = strtok_r(copy, ".", &save); k != NULL && v != NULL;
	     k = strtok_r(NULL, ".", &save)) {
		char *end;
		unsigned long idx = strtoul(k, &end, 10);

		v = json_is_array(v) && *end == '\0' ? json_array_get(v, idx) : json_object_get(v, k);
	}
	free(copy);
	return v;
}

/* Replaces every ${name.path} in text with its value.  Returns: the text
 * (caller frees), or NULL after failing. */
static char *
substitute(struct run *r, const char *text)
{
	char *out = xstrdup(""), *more;
	const char *p = text, *open;

	while ((open = strstr(p, "${")) != NULL) {
		const char *close = strchr(open, '}');
		char *name;
		const json_t *v;
		char *s;

		if (close == NULL) {
			free(out);
			fail(r, "an unclosed ${ in '%s'", text);
			return NULL;
		}
		name = xstrndup(open + 2, (size_t)(close - open - 2));
		v = lookup(r, name);
		if (v == NULL) {
			fail(r, "${%s} has no value: no earlier step kept it with 'as: %.*s'", name,
			     (int)strcspn(name, "."), name);
			free(name);
			free(out);
			return NULL;
		}
		if (json_is_string(v))
			s = xstrdup(json_string_value(v));
		else if (json_is_integer(v))
			xasprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else
			s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		xasprintf(&more, "%s%.*s%s", out, (int)(open - p), p, s);
		free(out);
		free(s);
		free(name);
		out = more;
		p = close + 1;
	}
	xasprintf(&more, "%s%s", out, p);
	free(out);
	return more;
}

/* An account's address: an alias, an index, a contract alias, a ${ref},
 * or an address.  Returns: it (caller frees), or NULL after failing. */
static char *
address_of(struct run *r, const struct ynode *n)
{
	char *v = substitute(r, n->str);
	const json_t *kept;
	uint64_t idx;
	int a;

	if (v == NULL)
		return NULL;
	if (strncmp(v, "0x", 2) == 0)
		return v;
	a = suite_account(r->s, v);
	if (a < 0 && units_parse_u64(&idx, v) == 0)
		a = (int)idx;
	if (a >= 0) {
		const char *addr = json_string_value(json_array_get(r->accounts, (size_t)a));

		free(v);
		if (addr == NULL) {
			fail(r, "the network has no dev account %d", a);
			return NULL;
		}
		return xstrdup(addr);
	}
	if ((kept = lookup(r, v)) != NULL && json_is_string(json_object_get(kept, "address"))) {
		free(v);
		return xstrdup(json_string_value(json_object_get(kept, "address")));
	}
	fail(r, "'%s' is no account, contract or address", v);
	free(v);
	return NULL;
}

/* Makes JSON for abi_value_from_json() from YAML, by the type it must
 * have: amounts with units in wei, aliases as addresses, ${refs}
 * replaced.  Returns: new JSON, or NULL after failing. */
static json_t *
to_json(struct run *r, const struct ynode *n, const struct abi_type *t)
{
	json_t *out;

	if (n->kind == YNODE_SEQ) {
		out = json_array();
		for (size_t i = 0; i < n->n; i++) {
			const struct abi_type *et = t->kind == ABI_TUPLE
				? (i < t->nfields ? t->fields[i].type : NULL) : t->elem;
			json_t *v;

			if (et == NULL || (v = to_json(r, n->items[i], et)) == NULL) {
				if (et == NULL)
					fail(r, "%u:%u: more values than the type holds", n->line,
					     n->col);
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, v);
		}
		return out;
	}
	if (n->kind == YNODE_MAP) {
		out = json_object();
		for (size_t i = 0; i < n->n; i++) {
			const char *k = n->items[2 * i]->str;
			const struct abi_type *ft = NULL;
			json_t *v;

			for (size_t f = 0; t->kind == ABI_TUPLE && f < t->nfields; f++) {
				if (strcmp(t->fields[f].name, k) == 0)
					ft = t->fields[f].type;
			}
			if (ft == NULL) {
				fail(r, "%u:%u: the type has no component '%s'", n->line, n->col, k);
				json_decref(out);
				return NULL;
			}
			if ((v = to_json(r, n->items[2 * i + 1], ft)) == NULL) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, k, v);
		}
		return out;
	}
	switch (t->kind) {
	case ABI_ADDRESS: {
		char *a = address_of(r, n);

		if (a == NULL)
			return NULL;
		out = json_string(a);
		free(a);
		return out;
	}
	case ABI_BOOL:
		if (n->plain && (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0))
			return json_boolean(strcmp(n->str, "true") == 0);
		break;
	case ABI_UINT:
	case ABI_INT: {
		char *v = substitute(r, n->str);
		struct u256 wei;
		char dec[80];
		bool neg;

		if (v == NULL)
			return NULL;
		neg = v[0] == '-';
		/* "1.5 ether", "10 gwei": an amount in wei. */
		if (strpbrk(v, " ") != NULL && units_parse_amount(&wei, v + neg) == 0) {
			dec[0] = '-';
			u256_to_dec(dec + 1, &wei);
			out = json_string(neg ? dec : dec + 1);
		} else {
			out = json_string(v);
		}
		free(v);
		return out;
	}
	default:
		break;
	}
	{
		char *v = substitute(r, n->str);

		if (v == NULL)
			return NULL;
		out = json_string(v);
		free(v);
		return out;
	}
}

/* Makes an ABI value of type t from YAML.  Returns: it, or NULL after
 * failing with what. */
static struct abi_value *
to_value(struct run *r, const struct ynode *n, const struct abi_type *t, const char *what)
{
	struct abi_value *v = NULL;
	char *cause = NULL;
	json_t *j = to_json(r, n, t);

	if (j == NULL)
		return NULL;
	if (abi_value_from_json(&v, &cause, t, j) != 0) {
		fail(r, "%s: %s", what, cause);
		v = NULL;
	}
	free(cause);
	json_decref(j);
	return v;
}

/* A step's arguments as JSON for abi_encode_call(): a list or a mapping by
 * name.  Returns: new JSON (NULL for none given), or sets *bad. */
static json_t *
args_json(struct run *r, const struct ynode *args, const struct abi_type *params, bool *bad)
{
	json_t *j;

	*bad = false;
	if (args == NULL || ynode_is_null(args))
		return NULL;
	if (args->kind == YNODE_SCALAR) {
		json_t *one = to_json(r, args, params->fields[0].type);

		if (one == NULL) {
			*bad = true;
			return NULL;
		}
		j = json_array();
		json_array_append_new(j, one);
		return j;
	}
	if ((j = to_json(r, args, params)) == NULL)
		*bad = true;
	return j;
}

/* --- JSON-RPC ---------------------------------------------------------------------------- */

/* The URL of the node a step goes through: the one it names, else the
 * first that runs with RPC.  Returns: it, or NULL after failing. */
static const char *
node_url(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nnodes; i++) {
		if (name != NULL ? strcmp(r->s->spec.nodes[i].name, name) != 0
				 : (r->down[i] || r->urls[i] == NULL))
			continue;
		r->node = r->s->spec.nodes[i].name;
		if (r->urls[i] == NULL) {
			fail(r, "node %s has no RPC", name);
			return NULL;
		}
		return r->urls[i];
	}
	fail(r, "no node with RPC is running");
	return NULL;
}

/* Calls method (params consumed).  Returns: 0 with *result set, or -1
 * with *cause set, and a revert's data in *data when data is not NULL. */
static int
call(struct run *r, const char *url, json_t **result, char **cause, char **data,
     const char *method, json_t *params)
{
	int rc = rpcclient_request(r->rpc, result, cause, data, url, method, params,
				   RPC_TIMEOUT_MS);

	json_decref(params);
	return rc;
}

static int
block_number(struct run *r, const char *url, uint64_t *h)
{
	char *cause = NULL;
	int rc = rpcclient_block_number(r->rpc, h, &cause, url, RPC_TIMEOUT_MS);

	if (rc != 0)
		fail(r, "eth_blockNumber at %s: %s", url, cause);
	free(cause);
	return rc;
}

/* Waits for a transaction's receipt.  Returns: it, or NULL after failing. */
static json_t *
receipt(struct run *r, const char *url, const char *hash)
{
	double deadline = now_ms() + RECEIPT_TIMEOUT_MS;

	for (;;) {
		json_t *rec = NULL;
		char *cause = NULL;

		if (call(r, url, &rec, &cause, NULL, "eth_getTransactionReceipt",
			 json_pack("[s]", hash)) != 0) {
			fail(r, "eth_getTransactionReceipt: %s", cause);
			free(cause);
			return NULL;
		}
		if (json_is_object(rec))
			return rec;
		json_decref(rec);
		if (now_ms() > deadline) {
			set_str(&r->t->tx, hash);
			fail(r, "transaction %s was not included within %d s", hash,
			     RECEIPT_TIMEOUT_MS / 1000);
			return NULL;
		}
		usleep(POLL_MS * 1000);
	}
}

/* --- expectations ------------------------------------------------------------------------ */

static uint8_t *
unhex(const char *s, size_t *len)
{
	size_t n;
	uint8_t *out;

	if (s == NULL)
		return NULL;
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	n = strlen(s);
	*len = n / 2;
	out = xmalloc(*len + 1);
	if (hex_decode(out, len, s, n) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Checks revert data against what the step expects.  Returns: 0 or -1. */
static int
check_revert(struct run *r, const char *data_hex, const char *message)
{
	const struct suite_step *st = r->st;
	const struct abi *abi = st->contract != NULL ? st->contract->abi : NULL;
	struct abi_revert rv;
	size_t len = 0;
	uint8_t *data = unhex(data_hex != NULL ? data_hex : "0x", &len);
	char *cause = NULL, *got;
	int rc = -1;

	if (data == NULL || abi_decode_revert(&rv, &cause, abi, data, len) != 0) {
		fail(r, "the revert data does not decode: %s", cause ? cause : message);
		free(cause);
		free(data);
		return -1;
	}
	got = abi_revert_format(&rv);
	set_str(&r->t->reason, got);
	if (!st->reverts) {
		fail(r, "%s", got);
	} else if (st->revert_error != NULL) {
		if (rv.kind != ABI_REVERT_CUSTOM || rv.error != st->revert_error) {
			set_str(&r->t->expected, st->revert_error->signature);
			set_str(&r->t->actual, got);
			fail(r, "expected a revert with %s, but it %s", st->revert_error->signature, got);
		} else if (st->revert_args != NULL) {
			struct abi_value *want = to_value(r, st->revert_args, st->revert_error->inputs,
							  "reverts.args");

			if (want != NULL && !abi_value_eq(want, rv.args)) {
				char *w = abi_value_format(want), *a = abi_value_format(rv.args);

				set_str(&r->t->expected, w);
				set_str(&r->t->actual, a);
				fail(r, "%s reverted with other arguments", st->revert_error->name);
				free(w);
				free(a);
			} else if (want != NULL) {
				rc = 0;
			}
			abi_value_free(want);
		} else {
			rc = 0;
		}
	} else if (st->revert != NULL) {
		char *want = substitute(r, st->revert->str);

		if (want != NULL && (rv.kind != ABI_REVERT_REASON || strcmp(rv.reason, want) != 0)) {
			set_str(&r->t->expected, want);
			set_str(&r->t->actual, got);
			fail(r, "expected a revert with reason \"%s\", but it %s", want, got);
		} else if (want != NULL) {
			rc = 0;
		}
		free(want);
	} else {
		rc = 0;
	}
	free(got);
	abi_revert_release(&rv);
	free(data);
	return rc;
}

/* Compares a number or a value with the step's expectation.  Returns: 0
 * or -1. */
static int
compare(struct run *r, const struct abi_value *got, const struct abi_type *t)
{
	const struct suite_step *st = r->st;
	struct abi_value *want = to_value(r, st->expect, t, "the expected value");
	int rc = -1;

	if (want == NULL)
		return -1;
	if (st->op == CMP_EQ) {
		rc = abi_value_eq(want, got) ? 0 : -1;
	} else {
		struct u256 a, b;
		int c;

		u256_from_be32(&a, got->word);
		u256_from_be32(&b, want->word);
		if (t->kind == ABI_INT)
			c = u256_slt(&a, &b) ? -1 : u256_sgt(&a, &b) ? 1 : 0;
		else
			c = u256_cmp(&a, &b);

		rc = (st->op == CMP_GT && c > 0) || (st->op == CMP_GTE && c >= 0) ||
		     (st->op == CMP_LT && c < 0) || (st->op == CMP_LTE && c <= 0) ? 0 : -1;
	}
	if (rc != 0) {
		static const char *const ops[] = { "", "", "> ", ">= ", "< ", "<= " };
		char *w = abi_value_format(want), *a = abi_value_format(got), *e;

		xasprintf(&e, "%s%s", ops[st->op], w);
		set_str(&r->t->expected, e);
		set_str(&r->t->actual, a);
		fail(r, "expected %s, got %s", e, a);
		free(w);
		free(a);
		free(e);
	}
	abi_value_free(want);
	return rc;
}

/* Checks a receipt's logs for each expected event.  Returns: 0 or -1. */
static int
check_emits(struct run *r, const json_t *rec)
{
	const struct suite_step *st = r->st;
	const json_t *logs = json_object_get(rec, "logs"), *log;
	size_t i;

	for (size_t e = 0; e < st->nemits; e++) {
		const struct suite_emit *em = &st->emits[e];
		struct abi_value *want = NULL;
		bool found = false;
		char *seen = xstrdup("");

		if (em->args != NULL && em->args->kind == YNODE_SEQ &&
		    (want = to_value(r, em->args, em->event->inputs, "emits.args")) == NULL) {
			free(seen);
			return -1;
		}
		json_array_foreach(logs, i, log) {
			const json_t *topics = json_object_get(log, "topics");
			uint8_t tp[4][32];
			size_t nt = json_array_size(topics), len = 0;
			uint8_t *data = unhex(json_string_value(json_object_get(log, "data")), &len);
			struct abi_value *got = NULL;
			char *more, *text;

			for (size_t k = 0; k < nt && k < 4; k++) {
				size_t l = 32;

				if (hex_decode(tp[k], &l, json_string_value(json_array_get(topics, k)),
					       66) != 0)
					nt = 0;
			}
			if (data == NULL || nt == 0 || nt > 4 || memcmp(tp[0], em->event->hash, 32) != 0 ||
			    abi_decode_log(&got, NULL, em->event, (const uint8_t(*)[32])tp, nt, data,
					   len) != 0) {
				free(data);
				continue;
			}
			free(data);
			text = abi_value_format(got);
			xasprintf(&more, "%s%s%s%s", seen, seen[0] ? ", " : "", em->event->name, text);
			free(seen);
			free(text);
			seen = more;
			if (want != NULL) {
				found |= abi_value_eq(want, got);
			} else if (em->args != NULL && em->args->kind == YNODE_MAP) {
				bool all = true;

				for (size_t k = 0; k < em->args->n && all; k++) {
					const char *name = em->args->items[2 * k]->str;
					size_t f;

					for (f = 0; f < em->event->inputs->nfields &&
						    strcmp(em->event->inputs->fields[f].name, name) != 0;
					     f++)
						;
					if (f == em->event->inputs->nfields) {
						all = false;
						fail(r, "emits: %s has no argument '%s'",
						     em->event->signature, name);
						break;
					}
					{
						struct abi_value *one = to_value(
							r, em->args->items[2 * k + 1],
							em->event->inputs->fields[f].type, "emits.args");

						all = one != NULL &&
						      abi_value_eq(one, &got->list.items[f]);
						abi_value_free(one);
					}
				}
				found |= all;
			} else {
				found = true;
			}
			abi_value_free(got);
		}
		if (!found && r->t->status != TEST_FAIL) {
			char *w = want != NULL ? abi_value_format(want) : xstrdup("");

			xasprintf(&r->t->expected, "%s%s", em->event->name, w);
			set_str(&r->t->actual, seen[0] ? seen : "(no such event)");
			fail(r, "expected the event %s%s, which was not emitted as such",
			     em->event->name, w);
			free(w);
		}
		abi_value_free(want);
		free(seen);
		if (!found)
			return -1;
	}
	return 0;
}

/* --- steps ------------------------------------------------------------------------------- */

/* Keeps a transaction's result under the step's 'as'. */
static void
keep_tx(struct run *r, const char *url, const char *hash, const json_t *rec)
{
	json_t *v;
	uint64_t bn = 0, gas = 0;

	if (r->st->as == NULL)
		return;
	sscanf(json_string_value(json_object_get(rec, "blockNumber")) ?: "0x0", "0x%" SCNx64, &bn);
	sscanf(json_string_value(json_object_get(rec, "gasUsed")) ?: "0x0", "0x%" SCNx64, &gas);
	v = json_pack("{s:s, s:I, s:{s:I, s:I, s:s}}", "hash", hash, "blockNumber",
		      (json_int_t)bn, "receipt", "blockNumber", (json_int_t)bn, "gasUsed",
		      (json_int_t)gas, "status", json_string_value(json_object_get(rec, "status")) ?: "");
	if (json_is_string(json_object_get(rec, "contractAddress")))
		json_object_set(v, "address", json_object_get(rec, "contractAddress"));
	/* The block's time, which contracts often record. */
	{
		json_t *b = NULL;
		char *cause = NULL;
		uint64_t ts;

		if (call(r, url, &b, &cause, NULL, "eth_getBlockByNumber",
			 json_pack("[O, b]", json_object_get(rec, "blockNumber"), 0)) == 0 &&
		    sscanf(json_string_value(json_object_get(b, "timestamp")) ?: "", "0x%" SCNx64,
			   &ts) == 1)
			json_object_set_new(v, "timestamp", json_integer((json_int_t)ts));
		json_decref(b);
		free(cause);
	}
	json_object_set_new(r->vars, r->st->as, v);
}

/* Adds the step's value, in wei, to a transaction.  Returns: 0 or -1. */
static int
add_value(struct run *r, json_t *tx)
{
	struct u256 wei;
	char hex[U256_HEX_MAX], *v;

	if (r->st->value == NULL)
		return 0;
	if ((v = substitute(r, r->st->value->str)) == NULL)
		return -1;
	if (units_parse_amount(&wei, v) != 0) {
		fail(r, "value: '%s' is not an amount", v);
		free(v);
		return -1;
	}
	free(v);
	u256_to_hex(hex, &wei);
	json_object_set_new(tx, "value", json_string(hex));
	return 0;
}

/* A mined transaction that failed (status 0): its reason comes from
 * running it again at its block's parent.  Returns: 0 when a revert was
 * expected (and matches), else -1. */
static int
failed_tx(struct run *r, const char *url, const json_t *tx, const json_t *rec)
{
	const char *bn = json_string_value(json_object_get(rec, "blockNumber"));
	uint64_t n = 0;
	char parent[24], *cause = NULL, *data_hex = NULL;
	json_t *res = NULL;
	int rc;

	if (bn == NULL || sscanf(bn, "0x%" SCNx64, &n) != 1 || n == 0)
		return r->st->reverts ? 0 : fail(r, "the transaction failed (status 0)");
	snprintf(parent, sizeof parent, "0x%" PRIx64, n - 1);
	if (call(r, url, &res, &cause, &data_hex, "eth_call", json_pack("[O, s]", tx, parent)) == 0 ||
	    data_hex == NULL)
		rc = r->st->reverts ? 0 : fail(r, "the transaction failed (status 0) in block %s", bn);
	else
		rc = check_revert(r, data_hex, cause);
	if (rc != 0 && r->t->message != NULL && strstr(r->t->message, "block") == NULL) {
		char *m = r->t->message;

		xasprintf(&r->t->message, "%s (mined in block %s, status 0)", m, bn);
		free(m);
	}
	json_decref(res);
	free(cause);
	free(data_hex);
	return rc;
}

/* The transaction a deploy, send or call step makes, as eth_sendTransaction
 * and eth_call take it: from (the first account unless the step says, or
 * none for a call), to (none for a deploy), data (the creation code and
 * the encoded constructor arguments, or the call) and value.
 * Returns: it (caller frees), or NULL after failing. */
static json_t *
step_request(struct run *r)
{
	const struct suite_step *st = r->st;
	json_t *tx = NULL, *args;
	char *from = NULL, *to = NULL, *cause = NULL, *hex;
	uint8_t *data = NULL;
	size_t len = 0;
	bool bad;

	if (st->from != NULL)
		from = address_of(r, st->from);
	else if (st->kind != STEP_CALL)
		from = xstrdup(json_string_value(json_array_get(r->accounts, 0)) ?: "");
	if ((st->from != NULL || st->kind != STEP_CALL) && from == NULL)
		return NULL;
	if (st->kind != STEP_DEPLOY && (to = address_of(r, st->to)) == NULL)
		goto out;
	args = args_json(r, st->args, st->fn->inputs, &bad);
	if (bad)
		goto out;
	if (abi_encode_call(&data, &len, &cause, st->fn, args) != 0) {
		fail(r, "%s", cause);
		json_decref(args);
		goto out;
	}
	json_decref(args);
	if (st->kind == STEP_DEPLOY) {
		data = xreallocarray(data, st->contract->code_len + len + 1, 1);
		memmove(data + st->contract->code_len, data, len);
		memcpy(data, st->contract->code, st->contract->code_len);
		len += st->contract->code_len;
	}
	hex = xmalloc(2 * len + 3);
	hex[0] = '0';
	hex[1] = 'x';
	hex_encode(hex + 2, data, len);
	tx = json_pack("{s:s}", "data", hex);
	free(hex);
	if (from != NULL)
		json_object_set_new(tx, "from", json_string(from));
	if (to != NULL)
		json_object_set_new(tx, "to", json_string(to));
	if (add_value(r, tx) != 0) {
		json_decref(tx);
		tx = NULL;
	}
out:
	free(data);
	free(cause);
	free(from);
	free(to);
	return tx;
}

/* deploy and send. */
static int
step_tx(struct run *r)
{
	const struct suite_step *st = r->st;
	const char *url = node_url(r, st->node);
	json_t *tx, *hash = NULL, *rec = NULL;
	char *cause = NULL, *data_hex = NULL;
	int rc = -1;

	if (url == NULL || (tx = step_request(r)) == NULL)
		return -1;
	if (call(r, url, &hash, &cause, &data_hex, "eth_sendTransaction",
		 json_pack("[O]", tx)) != 0) {
		/* Gas estimation runs the transaction: a revert shows here. */
		if (data_hex != NULL || st->reverts)
			rc = check_revert(r, data_hex, cause);
		else
			fail(r, "eth_sendTransaction: %s", cause);
		goto out;
	}
	set_str(&r->t->tx, json_string_value(hash));
	if ((rec = receipt(r, url, json_string_value(hash))) == NULL)
		goto out;
	if (strcmp(json_string_value(json_object_get(rec, "status")) ?: "", "0x1") != 0) {
		rc = failed_tx(r, url, tx, rec);
		goto out;
	}
	if (st->reverts) {
		fail(r, "expected a revert, but the transaction succeeded");
		goto out;
	}
	keep_tx(r, url, json_string_value(hash), rec);
	rc = check_emits(r, rec);
out:
	json_decref(tx);
	json_decref(hash);
	json_decref(rec);
	free(data_hex);
	free(cause);
	return rc;
}

static int
step_call(struct run *r)
{
	const struct suite_step *st = r->st;
	const char *url = node_url(r, st->node);
	json_t *tx, *res = NULL;
	char *cause = NULL, *data_hex = NULL;
	uint8_t *out = NULL;
	struct abi_value *got = NULL;
	size_t len = 0;
	int rc = -1;

	if (url == NULL || (tx = step_request(r)) == NULL)
		return -1;
	if (call(r, url, &res, &cause, &data_hex, "eth_call", json_pack("[o, s]", tx, "latest")) != 0) {
		if (data_hex != NULL || st->reverts)
			rc = check_revert(r, data_hex, cause);
		else
			fail(r, "eth_call: %s", cause);
		goto out;
	}
	if (st->reverts) {
		fail(r, "expected a revert, but the call returned");
		goto out;
	}
	out = unhex(json_string_value(res), &len);
	if (out == NULL || abi_decode_output(&got, &cause, st->fn, out, len) != 0) {
		fail(r, "the result does not decode as %s's: %s", st->fn->signature,
		     cause != NULL ? cause : "not hex");
		goto out;
	}
	if (st->as != NULL) {
		json_t *j = abi_value_to_json(got);

		json_object_set_new(r->vars, st->as, st->fn->outputs->nfields == 1
				    ? json_incref(json_array_get(j, 0)) : json_incref(j));
		json_decref(j);
	}
	if (st->op == CMP_NONE)
		rc = 0;
	else if (st->fn->outputs->nfields == 1)
		rc = compare(r, &got->list.items[0], st->fn->outputs->fields[0].type);
	else
		rc = compare(r, got, st->fn->outputs);
out:
	abi_value_free(got);
	json_decref(res);
	free(out);
	free(data_hex);
	free(cause);
	return rc;
}

/* balance and nonce. */
static int
step_account(struct run *r)
{
	const struct suite_step *st = r->st;
	const char *url = node_url(r, st->node);
	char *who, *cause = NULL, *want_s;
	json_t *res = NULL;
	struct u256 got, want;
	int c, rc = -1;

	if (url == NULL || (who = address_of(r, st->of)) == NULL)
		return -1;
	if (call(r, url, &res, &cause, NULL,
		 st->kind == STEP_BALANCE ? "eth_getBalance" : "eth_getTransactionCount",
		 json_pack("[s, s]", who, "latest")) != 0 ||
	    !json_is_string(res) ||
	    u256_parse(&got, json_string_value(res), strlen(json_string_value(res))) != 0) {
		fail(r, "%s: %s", st->what, cause != NULL ? cause : "not a quantity");
		goto out;
	}
	if ((want_s = substitute(r, st->expect->str)) == NULL)
		goto out;
	if (units_parse_amount(&want, want_s) != 0) {
		fail(r, "'%s' is not a number or an amount", want_s);
		free(want_s);
		goto out;
	}
	c = u256_cmp(&got, &want);
	rc = (st->op == CMP_EQ && c == 0) || (st->op == CMP_GT && c > 0) ||
	     (st->op == CMP_GTE && c >= 0) || (st->op == CMP_LT && c < 0) ||
	     (st->op == CMP_LTE && c <= 0) ? 0 : -1;
	if (rc != 0) {
		static const char *const ops[] = { "", "", "> ", ">= ", "< ", "<= " };
		char dec[80], *e;

		u256_to_dec(dec, &got);
		xasprintf(&e, "%s%s", ops[st->op], want_s);
		set_str(&r->t->expected, e);
		set_str(&r->t->actual, dec);
		fail(r, "%s is %s, expected %s", st->what, dec, e);
		free(e);
	}
	free(want_s);
out:
	json_decref(res);
	free(cause);
	free(who);
	return rc;
}

static int
step_wait(struct run *r)
{
	const struct suite_step *st = r->st;
	const char *url;
	uint64_t start, h;
	double deadline;

	if (st->ms > 0) {
		usleep((useconds_t)(st->ms * 1000));
		return 0;
	}
	if ((url = node_url(r, st->node)) == NULL || block_number(r, url, &start) != 0)
		return -1;
	deadline = now_ms() + (double)st->timeout_ms;
	while (block_number(r, url, &h) == 0) {
		if (h >= start + st->blocks)
			return 0;
		if (now_ms() > deadline) {
			char e[32], a[32];

			snprintf(e, sizeof e, "%" PRIu64, start + st->blocks);
			snprintf(a, sizeof a, "%" PRIu64, h);
			set_str(&r->t->expected, e);
			set_str(&r->t->actual, a);
			return fail(r, "the chain did not reach block %s within %" PRIu64 " ms (it is "
				    "at %s)", e, st->timeout_ms, a);
		}
		usleep(20 * 1000);
	}
	return -1;
}

/* kill, restart, stop, start, pause, resume, partition, heal, delay: the
 * supervisor's control socket, as the chainbox commands use it. */
static int
step_fault(struct run *r)
{
	const struct suite_step *st = r->st;
	static const char *const cmds[] = {
		[STEP_KILL] = "kill", [STEP_RESTART] = "restart", [STEP_STOP] = "stop",
		[STEP_START] = "start", [STEP_PAUSE] = "pause", [STEP_RESUME] = "resume",
		[STEP_PARTITION] = "partition", [STEP_HEAL] = "heal", [STEP_DELAY] = "delay",
	};
	json_t *req, *reply = NULL;
	char *cause = NULL;
	int rc;

	if (st->kind == STEP_PARTITION) {
		json_t *groups = json_array();

		for (size_t i = 0; i < st->nnodes; i++) {
			json_t *g = json_array();
			char *copy = xstrdup(st->nodes[i]), *save = NULL;

			for (char *t = strtok_r(copy, ",", &save); t != NULL;
			     t = strtok_r(NULL, ",", &save))
				json_array_append_new(g, json_string(t));
			free(copy);
			json_array_append_new(groups, g);
		}
		req = json_pack("{s:s, s:o}", "cmd", "partition", "groups", groups);
	} else if (st->kind == STEP_HEAL) {
		req = json_pack("{s:s}", "cmd", "heal");
	} else if (st->kind == STEP_DELAY) {
		req = json_pack("{s:s, s:s, s:I, s:I}", "cmd", "delay", "node", st->nodes[0], "ms",
				(json_int_t)st->delay_ms, "jitter_ms", (json_int_t)st->jitter_ms);
	} else {
		req = json_pack("{s:s, s:s}", "cmd", cmds[st->kind], "node", st->nodes[0]);
		r->node = st->nodes[0];
	}
	rc = control_request(&reply, &cause, r->state_dir, req, 60000);
	json_decref(req);
	json_decref(reply);
	if (rc != 0) {
		fail(r, "%s: %s", st->what, cause != NULL ? cause : "the supervisor is gone");
		free(cause);
		return -1;
	}
	for (size_t i = 0; st->nnodes == 1 && st->kind != STEP_DELAY && i < r->nnodes; i++) {
		if (strcmp(r->s->spec.nodes[i].name, st->nodes[0]) == 0)
			r->down[i] = st->kind == STEP_KILL || st->kind == STEP_STOP ||
				     st->kind == STEP_PAUSE ? st->kind : 0;
	}
	return 0;
}

/* Returns: the hash of block n at url (caller frees), or NULL. */
static char *
hash_at(struct run *r, const char *url, uint64_t n)
{
	json_t *b = NULL;
	char *cause = NULL, hx[24], *h = NULL;

	snprintf(hx, sizeof hx, "0x%" PRIx64, n);
	if (call(r, url, &b, &cause, NULL, "eth_getBlockByNumber", json_pack("[s, b]", hx, 0)) == 0 &&
	    json_is_string(json_object_get(b, "hash")))
		h = xstrdup(json_string_value(json_object_get(b, "hash")));
	json_decref(b);
	free(cause);
	return h;
}

static int
step_expect_network(struct run *r)
{
	const struct suite_step *st = r->st;
	uint64_t low = UINT64_MAX, h;

	if (st->advances > 0) {
		const char *url = node_url(r, NULL);
		uint64_t start;
		double deadline = now_ms() + (double)st->within_ms;

		if (url == NULL || block_number(r, url, &start) != 0)
			return -1;
		for (;;) {
			if (block_number(r, url, &h) != 0)
				return -1;
			if (h >= start + st->advances)
				break;
			if (now_ms() > deadline) {
				char e[48], a[48];

				snprintf(e, sizeof e, "%" PRIu64 " more blocks", st->advances);
				snprintf(a, sizeof a, "%" PRIu64, h - start);
				set_str(&r->t->expected, e);
				set_str(&r->t->actual, a);
				return fail(r, "the chain advanced %s blocks in %" PRIu64 " ms, not %"
					    PRIu64, a, st->within_ms, st->advances);
			}
			usleep(20 * 1000);
		}
	}
	if (!st->agree)
		return 0;
	/* Every running node holds one block at the lowest head among them. */
	for (size_t i = 0; i < r->nnodes; i++) {
		if (r->urls[i] == NULL || r->down[i])
			continue;
		if (block_number(r, r->urls[i], &h) != 0)
			return -1;
		if (h < low)
			low = h;
	}
	{
		char *first = NULL;
		const char *first_name = NULL;
		int rc = 0;

		for (size_t i = 0; i < r->nnodes && rc == 0; i++) {
			char *hh;

			if (r->urls[i] == NULL || r->down[i])
				continue;
			hh = hash_at(r, r->urls[i], low);
			if (first == NULL) {
				first = hh;
				first_name = r->s->spec.nodes[i].name;
				continue;
			}
			if (hh == NULL || strcmp(hh, first) != 0) {
				set_str(&r->t->expected, first);
				set_str(&r->t->actual, hh ? hh : "(none)");
				rc = fail(r, "nodes %s and %s hold different blocks at height %" PRIu64,
					  first_name, r->s->spec.nodes[i].name, low);
			}
			free(hh);
		}
		free(first);
		return rc;
	}
}

static int
run_step(struct run *r)
{
	r->node = NULL;
	switch (r->st->kind) {
	case STEP_DEPLOY:
	case STEP_SEND:
		return step_tx(r);
	case STEP_CALL:
		return step_call(r);
	case STEP_BALANCE:
	case STEP_NONCE:
		return step_account(r);
	case STEP_WAIT:
		return step_wait(r);
	case STEP_EXPECT_NETWORK:
		return step_expect_network(r);
	default:
		return step_fault(r);
	}
}

/* Runs a test's steps into t.  Returns: 0 or -1. */
static int
run_steps(struct run *r, const struct suite_test *test, struct test_result *t)
{
	double t0 = now_ms();

	r->t = t;
	for (r->step = 0; r->step < test->nsteps; r->step++) {
		r->st = &test->steps[r->step];
		free(t->tx);
		t->tx = NULL;
		if (run_step(r) != 0) {
			if (t->status != TEST_FAIL)
				fail(r, "failed");
			free(t->logs);
			t->logs = node_logs(r);
			break;
		}
	}
	r->st = NULL;
	t->ms = now_ms() - t0;
	return t->status == TEST_FAIL ? -1 : 0;
}

/* --- the network ----------------------------------------------------------------------- */

/* Returns: a mkdtemp() template for a directory named prefix-XXXXXX
 * under $TMPDIR, else /tmp (caller frees). */
static char *
temp_template(const char *prefix)
{
	const char *dir = getenv("TMPDIR");
	char *t;

	xasprintf(&t, "%s/%s-XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp", prefix);
	return t;
}

/* Waits until no supervisor holds state_dir's lock (it holds it until it
 * exits).  Returns: 0, or -1 after UP_WAIT_MS. */
static int
wait_unlocked(const char *state_dir)
{
	char *lock;
	int fd, rc = -1;

	xasprintf(&lock, "%s/supervisor.lock", state_dir);
	fd = open(lock, O_RDONLY | O_CLOEXEC);
	free(lock);
	if (fd < 0)
		return 0;
	for (int waited = 0; waited < UP_WAIT_MS; waited += POLL_MS) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			rc = 0;
			break;
		}
		usleep(POLL_MS * 1000);
	}
	close(fd);
	return rc;
}

/* Runs `chainbox up REF -d` for the suite's network: a process of its
 * own, since the detached supervisor lives on in a fork of whoever starts
 * it.  Its output goes to WORK/up.log, whose end says why when it fails.
 *
 * Ports are picked free when the network is planned and bound when the
 * nodes start; a network started beside it (-j) may take one in between.
 * Such a start is tried again, up to UP_TRIES times, with new ports.
 * Returns: 0, or -1 with *cause set. */
static int
up_detached(struct run *r, const char *ref, const char *name, char **cause)
{
	char *log, *tail = NULL;
	int status = 0, tries = 0;

	xasprintf(&log, "%s/up.log", r->work);
	for (;;) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			char *argv[] = { "chainbox", "up", (char *)ref, "-d", "--any-port", "--name",
					 (char *)name, "--state-dir", r->state_dir, "--timeout", "60",
					 NULL };
			int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0) {
			free(log);
			return 0;
		}
		if (logcap_file_tail(&tail, log, LOG_LINES) != 0) {
			free(tail);
			tail = xstrdup("");
		}
		if (++tries == UP_TRIES || strstr(tail, "Address already in use") == NULL)
			break;
		free(tail);
		tail = NULL;
		/* A failed start takes its nodes down; once its supervisor has
		 * let go of the state dir, the plan goes too. */
		if (wait_unlocked(r->state_dir) != 0 || fs_rmtree(r->state_dir) != 0)
			break;
	}
	xasprintf(cause, "the network did not start:\n%s", tail);
	free(tail);
	free(log);
	return -1;
}

/* Brings the suite's network up in a temporary state directory.
 * Returns: 0, or -1 with *cause set. */
static int
net_up(struct run *r, char **cause)
{
	const char *ref;
	char *tmpl = temp_template("chainbox-test"), *spec_file = NULL, *name;
	json_t *net, *node;
	size_t i;
	int rc = -1;

	if (mkdtemp(tmpl) == NULL) {
		xasprintf(cause, "cannot make a temporary directory %s: %s", tmpl, strerror(errno));
		free(tmpl);
		return -1;
	}
	r->work = tmpl;
	xasprintf(&r->state_dir, "%s/net", r->work);
	if (r->s->spec_ref != NULL) {
		ref = r->s->spec_ref;
	} else {
		FILE *f;

		xasprintf(&spec_file, "%s/spec.yaml", r->work);
		if ((f = fopen(spec_file, "w")) == NULL) {
			xasprintf(cause, "cannot write %s: %s", spec_file, strerror(errno));
			goto out;
		}
		spec_write_yaml(f, &r->s->spec);
		fclose(f);
		ref = spec_file;
	}
	xasprintf(&name, "test-%d", (int)getpid());
	rc = up_detached(r, ref, name, cause);
	free(name);
	if (rc != 0)
		goto out;
	rc = -1;
	{
		char *path;

		xasprintf(&path, "%s/network.json", r->state_dir);
		net = json_load_file(path, 0, NULL);
		free(path);
	}
	r->nnodes = r->s->spec.nnodes;
	r->urls = xcalloc(r->nnodes + 1, sizeof(*r->urls));
	r->down = xcalloc(r->nnodes + 1, sizeof(*r->down));
	json_array_foreach(json_object_get(net, "nodes"), i, node) {
		const char *url = json_string_value(json_object_get(node, "rpc"));

		if (i < r->nnodes && url != NULL)
			r->urls[i] = xstrdup(url);
	}
	json_decref(net);
	{
		char *why = NULL;
		const char *url = NULL;

		for (i = 0; i < r->nnodes && url == NULL; i++)
			url = r->urls[i];
		if (url == NULL ||
		    call(r, url, &r->accounts, &why, NULL, "eth_accounts", NULL) != 0) {
			xasprintf(cause, "cannot list the dev accounts: %s",
				  why ? why : "no node has RPC");
			free(why);
			goto out;
		}
	}
	rc = 0;
out:
	free(spec_file);
	return rc;
}

static void
net_down(struct run *r)
{
	char *argv[] = { "down", "--purge", "--state-dir", r->state_dir, NULL };

	if (r->state_dir == NULL)
		return;
	if (r->o->keep) {
		fprintf(stderr, "chainbox test: suite %s: network kept in %s\n", r->s->name,
			r->state_dir);
		return;
	}
	optind = 1;
	(void)netcmd_down(4, argv);
	if (fs_rmtree(r->work) != 0)
		msg_warn("cannot remove %s", r->work);
}

/* Isolation: remember the state after the setup. */
static int
save_setup(struct run *r, char **cause)
{
	if (r->tbft) {
		struct snapshot_options so = { 0 };
		struct snapshot_stats ss;

		if (snapshot_save(r->state_dir, SETUP_SNAPSHOT, &so, &ss, cause) != 0)
			return -1;
		r->saved = true;
		return 0;
	}
	r->snap_ids = xcalloc(r->nnodes + 1, sizeof(*r->snap_ids));
	for (size_t i = 0; i < r->nnodes; i++) {
		if (r->urls[i] != NULL &&
		    call(r, r->urls[i], &r->snap_ids[i], cause, NULL, "evm_snapshot", NULL) != 0)
			return -1;
	}
	return 0;
}

/* Isolation: back to the state after the setup, every node running. */
static int
restore_setup(struct run *r, char **cause)
{
	if (r->tbft) {
		struct snapshot_options so = { .no_commit_wait = true };
		struct snapshot_stats ss;

		memset(r->down, 0, r->nnodes * sizeof(*r->down));
		return snapshot_restore(r->state_dir, SETUP_SNAPSHOT, &so, &ss, cause);
	}
	for (size_t i = 0; i < r->nnodes; i++) {
		json_t *ok = NULL;

		if (r->urls[i] == NULL)
			continue;
		/* A stopped node starts again first, a paused one resumes. */
		if (r->down[i]) {
			json_t *req = json_pack("{s:s, s:s}", "cmd",
						r->down[i] == STEP_PAUSE ? "resume" : "start", "node",
						r->s->spec.nodes[i].name), *rep = NULL;
			int rc = control_request(&rep, cause, r->state_dir, req, 60000);

			json_decref(req);
			json_decref(rep);
			if (rc != 0)
				return -1;
			r->down[i] = 0;
		}
		/* evm_revert uses the snapshot up: take it again. */
		if (call(r, r->urls[i], &ok, cause, NULL, "evm_revert",
			 json_pack("[O]", r->snap_ids[i])) != 0)
			return -1;
		json_decref(ok);
		json_decref(r->snap_ids[i]);
		r->snap_ids[i] = NULL;
		if (call(r, r->urls[i], &r->snap_ids[i], cause, NULL, "evm_snapshot", NULL) != 0)
			return -1;
	}
	return 0;
}

static bool
selected(const struct testrun_options *o, const char *name)
{
	if (o->filter == NULL)
		return true;
	if (strpbrk(o->filter, "*?[") != NULL)
		return fnmatch(o->filter, name, 0) == 0;
	return strstr(name, o->filter) != NULL;
}

void
testrun_suite(const struct suite *s, const struct testrun_options *o, struct suite_result *res)
{
	struct run r = { .s = s, .o = o, .tbft = s->spec.chain.consensus == SPEC_TBFT };
	struct test_result setup = { 0 };
	char *cause = NULL;
	double t0 = now_ms();
	bool first = true;

	memset(res, 0, sizeof(*res));
	res->name = xstrdup(s->name);
	res->file = xstrdup(s->file);
	r.vars = json_object();
	r.rpc = rpcclient_new();
	if (r.rpc == NULL) {
		res->error = xstrdup("libcurl cannot make a handle");
		goto out;
	}
	if (!o->quiet)
		fprintf(stderr, "chainbox test: suite %s: starting its network\n", s->name);
	if (net_up(&r, &cause) != 0) {
		res->error = cause;
		cause = NULL;
		goto out;
	}
	if (run_steps(&r, &s->setup, &setup) != 0) {
		xasprintf(&res->error, "the setup failed at %s: %s", setup.step ? setup.step : "?",
			  setup.message ? setup.message : "?");
		res->logs = setup.logs;
		setup.logs = NULL;
		goto out;
	}
	r.setup_vars = json_deep_copy(r.vars);
	if (s->isolation == SUITE_FRESH && save_setup(&r, &cause) != 0) {
		xasprintf(&res->error, "cannot keep the state after the setup: %s", cause);
		goto out;
	}
	for (size_t i = 0; i < s->ntests; i++) {
		const struct suite_test *test = &s->tests[i];
		struct test_result *t;

		if (!selected(o, test->name))
			continue;
		t = report_add(res, test->name);
		if (s->isolation == SUITE_FRESH && !first && restore_setup(&r, &cause) != 0) {
			r.t = t;
			fail(&r, "cannot go back to the state after the setup: %s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		first = false;
		/* A test sees what the setup kept, and what it keeps itself. */
		json_decref(r.vars);
		r.vars = json_deep_copy(r.setup_vars);
		if (!o->quiet)
			fprintf(stderr, "chainbox test: suite %s: %s\n", s->name, test->name);
		(void)run_steps(&r, test, t);
	}
out:
	net_down(&r);
	res->ms = now_ms() - t0;
	free(cause);
	free(setup.name);
	free(setup.step);
	free(setup.message);
	free(setup.expected);
	free(setup.actual);
	free(setup.tx);
	free(setup.reason);
	free(setup.logs);
	for (size_t i = 0; r.snap_ids != NULL && i < r.nnodes; i++)
		json_decref(r.snap_ids[i]);
	free(r.snap_ids);
	for (size_t i = 0; i < r.nnodes; i++)
		free(r.urls[i]);
	free(r.urls);
	free(r.down);
	json_decref(r.accounts);
	json_decref(r.vars);
	json_decref(r.setup_vars);
	rpcclient_free(r.rpc);
	free(r.state_dir);
	free(r.work);
}

/* --- the command ----------------------------------------------------------------------- */

/* A suite's result as JSON, for a -j child to hand to its parent. */
static json_t *
result_json(const struct suite_result *r)
{
	json_t *tests = json_array();

	for (size_t i = 0; i < r->ntests; i++) {
		const struct test_result *t = &r->tests[i];

		json_array_append_new(tests, json_pack(
			"{s:s, s:i, s:f, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "name",
			t->name, "status", (int)t->status, "ms", t->ms, "step", t->step, "message",
			t->message, "expected", t->expected, "actual", t->actual, "tx", t->tx,
			"reason", t->reason, "logs", t->logs, "skip", t->skip));
	}
	return json_pack("{s:s, s:s, s:f, s:s?, s:s?, s:o}", "name", r->name, "file", r->file,
			 "ms", r->ms, "error", r->error, "logs", r->logs, "tests", tests);
}

static char *
dup_field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? xstrdup(s) : NULL;
}

static void
result_from_json(struct suite_result *r, const json_t *j)
{
	const json_t *t;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->name = dup_field(j, "name");
	r->file = dup_field(j, "file");
	r->ms = json_real_value(json_object_get(j, "ms"));
	r->error = dup_field(j, "error");
	r->logs = dup_field(j, "logs");
	json_array_foreach(json_object_get(j, "tests"), i, t) {
		struct test_result *x = report_add(r, json_string_value(json_object_get(t, "name")) ?: "?");

		x->status = (enum test_status)json_integer_value(json_object_get(t, "status"));
		x->ms = json_real_value(json_object_get(t, "ms"));
		x->step = dup_field(t, "step");
		x->message = dup_field(t, "message");
		x->expected = dup_field(t, "expected");
		x->actual = dup_field(t, "actual");
		x->tx = dup_field(t, "tx");
		x->reason = dup_field(t, "reason");
		x->logs = dup_field(t, "logs");
		x->skip = dup_field(t, "skip");
	}
}

static const char test_usage[] =
	"chainbox test SUITE... [--junit FILE] [--keep] [--filter PATTERN] [-j N]\n\n"
	"Runs contract test suites (chainbox-suite(5)), each on a network of its own:\n"
	"brings the network up, runs the setup and the tests, and takes it down.\n"
	"Writes TAP to standard output; exits 1 when a test fails.\n\n"
	"  --junit FILE        also write JUnit XML to FILE\n"
	"  -k, --keep          leave the networks up (their state directories are said)\n"
	"  -f, --filter PAT    run only the tests whose names match PAT (a glob, or a\n"
	"                      part of the name)\n"
	"  -j, --jobs N        run N suites at once, each on its own network\n"
	"  -q, --quiet         no progress on standard error\n";

/* Runs suites[from..] in children, n at a time, into results. */
static void
run_parallel(struct suite *suites, size_t n, unsigned jobs, const struct testrun_options *o,
	     struct suite_result *results, FILE *tap, unsigned *number)
{
	pid_t *pids = xcalloc(n + 1, sizeof(*pids));
	char **files = xcalloc(n + 1, sizeof(*files));
	size_t next = 0, done = 0, running = 0, printed = 0;
	bool *finished = xcalloc(n + 1, sizeof(*finished));
	char *dir = temp_template("chainbox-test-j");

	if (mkdtemp(dir) == NULL) {
		msg_error("cannot make a temporary directory: %s", strerror(errno));
		exit(1);
	}
	while (done < n) {
		while (running < jobs && next < n) {
			xasprintf(&files[next], "%s/%zu.json", dir, next);
			fflush(NULL);
			pids[next] = fork();
			if (pids[next] == 0) {
				struct suite_result r;
				json_t *j;

				testrun_suite(&suites[next], o, &r);
				j = result_json(&r);
				_exit(json_dump_file(j, files[next], 0) == 0 ? 0 : 1);
			}
			if (pids[next] < 0) {
				msg_error("cannot fork: %s", strerror(errno));
				exit(1);
			}
			running++;
			next++;
		}
		{
			int status;
			pid_t pid = wait(&status);

			for (size_t i = 0; pid > 0 && i < next; i++) {
				json_t *j;

				if (pids[i] != pid)
					continue;
				j = json_load_file(files[i], 0, NULL);
				if (j != NULL) {
					result_from_json(&results[i], j);
				} else {
					memset(&results[i], 0, sizeof(results[i]));
					results[i].name = xstrdup(suites[i].name);
					results[i].file = xstrdup(suites[i].file);
					xasprintf(&results[i].error, "its runner ended without a result "
						  "(status %d)", status);
				}
				json_decref(j);
				unlink(files[i]);
				finished[i] = true;
				running--;
				done++;
			}
		}
		/* TAP in the suites' order, as each is ready. */
		while (printed < n && finished[printed]) {
			report_tap_suite(tap, &results[printed], number);
			fflush(tap);
			printed++;
		}
	}
	rmdir(dir);
	free(dir);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(pids);
	free(finished);
}

int
testrun_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "junit", required_argument, NULL, 'J' },
		{ "keep", no_argument, NULL, 'k' },
		{ "filter", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct testrun_options o = { 0 };
	const char *junit = NULL;
	struct suite *suites;
	struct suite_result *results;
	size_t n, loaded = 0;
	unsigned jobs = 1, number = 0;
	uint64_t v;
	char *cause = NULL;
	int c, status = 0;
	struct diag d;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":J:kf:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': junit = optarg; break;
		case 'k': o.keep = true; break;
		case 'f': o.filter = optarg; break;
		case 'q': o.quiet = true; break;
		case 'j':
			if (units_parse_u64(&v, optarg) != 0 || v == 0 || v > 64) {
				msg_error("-j expects a number of suites from 1 to 64, got '%s'", optarg);
				return NETCMD_EXIT_USAGE;
			}
			jobs = (unsigned)v;
			break;
		case 'h': printf("usage: %s", test_usage); return 0;
		default:
			msg_error("%s '%s'", c == ':' ? "option needs a value:" : "unknown option",
				  argv[optind - 1]);
			fprintf(stderr, "See 'chainbox test --help'.\n");
			return NETCMD_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		msg_error("name at least one suite");
		fprintf(stderr, "usage: %s", test_usage);
		return NETCMD_EXIT_USAGE;
	}
	n = (size_t)(argc - optind);
	suites = xcalloc(n, sizeof(*suites));
	results = xcalloc(n, sizeof(*results));
	/* Every suite is read before any network starts: a mistake in the
	 * last one should not cost the time of the first. */
	diag_init(&d);
	for (size_t i = 0; i < n; i++) {
		if (suite_load(&suites[i], &d, argv[optind + i]) == 0)
			loaded++;
	}
	diag_print(&d);
	diag_release(&d);
	if (loaded < n) {
		status = 1;
		goto out;
	}
	report_tap_begin(stdout);
	fflush(stdout);
	if (jobs == 1) {
		for (size_t i = 0; i < n; i++) {
			testrun_suite(&suites[i], &o, &results[i]);
			report_tap_suite(stdout, &results[i], &number);
			fflush(stdout);
		}
	} else {
		run_parallel(suites, n, jobs, &o, results, stdout, &number);
	}
	report_tap_end(stdout, number);
	if (junit != NULL && report_junit(junit, results, n, &cause) != 0) {
		msg_error("%s", cause);
		free(cause);
		status = 1;
	}
	if (report_failures(results, n) > 0)
		status = 1;
out:
	for (size_t i = 0; i < n; i++) {
		if (i < n && suites[i].file != NULL)
			suite_release(&suites[i]);
		report_suite_release(&results[i]);
	}
	free(suites);
	free(results);
	return status;
}
