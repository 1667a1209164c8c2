/* debug_traceTransaction and debug_traceCall, as geth answers them: the
 * trace options (geth's TraceConfig, and TraceCallConfig's block), the
 * replay in node/chain/trace.c, and the result in the JSON of geth's struct
 * logger or callTracer. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/trace.h"
#include "hex.h"
#include "rpc/codec.h"
#include "rpc/eth_int.h"
#include "xalloc.h"

/* Reads the trace options at param idx, geth's TraceConfig; absent, they
 * ask for the struct logger with its defaults.  Fields geth reads that
 * change nothing here (timeout, reexec, debug) pass unread.
 * Returns: 0 or -1.  Out: *o. */
static int
parse_opts(struct rpc_error *err, struct trace_opts *o, const json_t *v, size_t idx,
	   bool is_call)
{
	static const struct {
		const char *key;
		size_t off;
	} flags[] = {
		{ "disableStack", offsetof(struct trace_opts, disable_stack) },
		{ "disableStorage", offsetof(struct trace_opts, disable_storage) },
		{ "enableMemory", offsetof(struct trace_opts, enable_memory) },
		{ "enableReturnData", offsetof(struct trace_opts, enable_return_data) },
	}, config[] = {
		{ "onlyTopCall", offsetof(struct trace_opts, only_top_call) },
		{ "withLog", offsetof(struct trace_opts, with_log) },
	};
	const json_t *f, *cfg;

	memset(o, 0, sizeof(*o));
	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return param_expected(err, idx, "options", "a trace options object", v);
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		if ((f = opt_field(v, flags[i].key)) != NULL &&
		    parse_bool(err, (bool *)((char *)o + flags[i].off), f, idx, flags[i].key) != 0)
			return -1;
	}
	if ((f = opt_field(v, "limit")) != NULL && parse_u64(err, &o->limit, f, idx, "limit") != 0)
		return -1;
	if ((f = opt_field(v, "tracer")) != NULL) {
		if (!json_is_string(f))
			return param_expected(err, idx, "tracer", "a tracer's name", f);
		if (strcmp(json_string_value(f), "callTracer") == 0)
			o->kind = TRACE_CALLS;
		else if (json_string_length(f) != 0)
			return bad_param(err, idx, "tracer",
					 "unknown tracer \"%.64s\": chainbox-node has geth's struct "
					 "logger (no tracer) and \"callTracer\"",
					 json_string_value(f));
	}
	/* geth reads tracerConfig for the tracer named, and the struct
	 * logger has none. */
	if ((cfg = opt_field(v, "tracerConfig")) != NULL && o->kind == TRACE_CALLS) {
		if (!json_is_object(cfg))
			return param_expected(err, idx, "tracerConfig", "an object", cfg);
		for (size_t i = 0; i < ARRAY_SIZE(config); i++) {
			if ((f = opt_field(cfg, config[i].key)) != NULL &&
			    parse_bool(err, (bool *)((char *)o + config[i].off), f, idx,
				       config[i].key) != 0)
				return -1;
		}
	}
	if (is_call && (opt_field(v, "stateOverrides") != NULL ||
			opt_field(v, "blockOverrides") != NULL))
		return bad_param(err, idx, "options", "state and block overrides are not supported yet");
	return 0;
}

/* Reports why a trace could not be made.  Returns: -1. */
static int
trace_failure(struct rpc_error *err, int rc, const char *why, const struct trace_opts *o)
{
	if (rc == -E2BIG)
		return rpc_error_set(err, RPC_SERVER_ERROR,
				     "trace too large: it passes the node's cap of %zu MiB; ask for "
				     "less (disableStack, disableStorage, no enableMemory, a limit) "
				     "or use the callTracer",
				     (o->max_bytes ? o->max_bytes : TRACE_MAX_BYTES) >> 20);
	if (why == NULL)
		why = strerror(-rc);
	if (rc == -ENOENT || rc == -EINVAL || rc == -ESTALE)
		return rpc_error_set(err, RPC_SERVER_ERROR, "%s", why);
	return rpc_error_set(err, RPC_INTERNAL_ERROR, "%s", why);
}

/* Returns: 32 bytes as 64 hex digits without "0x", as geth writes memory
 * and storage in struct logs. */
static json_t *
jword(const uint8_t *p)
{
	char buf[65];

	hex_encode(buf, p, 32);
	return json_string(buf);
}

/* Returns: op's name as geth prints it. */
static json_t *
jop(uint8_t op)
{
	char buf[32];

	if (evm_opcode_name(op) != NULL)
		return json_string(evm_opcode_name(op));
	snprintf(buf, sizeof(buf), "opcode 0x%x not defined", op);
	return json_string(buf);
}

/* Returns: one struct log, with the fields geth's struct logger leaves out
 * when empty left out. */
static json_t *
step_json(const struct trace_step *s, const struct trace_opts *o)
{
	json_t *j = json_object();

	jset(j, "pc", json_integer(s->pc));
	jset(j, "op", jop(s->op));
	jset(j, "gas", json_integer((json_int_t)s->gas));
	jset(j, "gasCost", json_integer((json_int_t)s->gas_cost));
	jset(j, "depth", json_integer(s->depth));
	if (s->error != NULL)
		jset(j, "error", json_string(s->error));
	if (!o->disable_stack) {
		json_t *a = json_array();

		for (size_t i = 0; i < s->stack_len; i++)
			json_array_append_new(a, jsonhex_u256(&s->stack[i]));
		jset(j, "stack", a);
	}
	if (s->return_len > 0)
		jset(j, "returnData", jsonhex_bytes(s->return_data, s->return_len));
	if (s->mem_len > 0) {
		json_t *a = json_array();

		for (size_t i = 0; i + 32 <= s->mem_len; i += 32)
			json_array_append_new(a, jword(s->memory + i));
		jset(j, "memory", a);
	}
	if (s->nstorage > 0) {
		json_t *m = json_object();
		char key[65];

		for (size_t i = 0; i < s->nstorage; i++) {
			hex_encode(key, s->storage[i].key, 32);
			jset(m, key, jword(s->storage[i].value));
		}
		jset(j, "storage", m);
	}
	if (s->refund > 0)
		jset(j, "refund", json_integer((json_int_t)s->refund));
	return j;
}

/* Returns: why revert data out says a frame reverted, for a callTracer
 * frame's revertReason (caller frees): an Error(string)'s text, or a
 * Panic(uint256) named as anvil names it; NULL for anything else, which
 * geth leaves out too. */
static char *
frame_reason(const uint8_t *out, size_t len)
{
	static const uint8_t error_sel[4] = { 0x08, 0xc3, 0x79, 0xa0 };
	static const uint8_t panic_sel[4] = { 0x4e, 0x48, 0x7b, 0x71 };

	if (len < 4 || (memcmp(out, error_sel, 4) != 0 && memcmp(out, panic_sel, 4) != 0))
		return NULL;
	return revert_reason(out, len);
}

/* Returns: one callTracer frame and those below it, in geth's shape. */
static json_t *
frame_json(const struct trace_frame *fr)
{
	json_t *j = json_object();
	char *reason;

	jset(j, "from", jaddr(fr->from));
	jset(j, "gas", jsonhex_u64(fr->gas));
	jset(j, "gasUsed", jsonhex_u64(fr->gas_used));
	if (fr->has_to)
		jset(j, "to", jaddr(fr->to));
	jset(j, "input", jsonhex_bytes(fr->input, fr->input_len));
	if (fr->output_len > 0)
		jset(j, "output", jsonhex_bytes(fr->output, fr->output_len));
	if (fr->error != NULL)
		jset(j, "error", json_string(fr->error));
	if (fr->status == EVM_REVERT && (reason = frame_reason(fr->output, fr->output_len))) {
		jset(j, "revertReason", json_string(reason));
		free(reason);
	}
	if (fr->ncalls > 0) {
		json_t *a = json_array();

		for (size_t i = 0; i < fr->ncalls; i++)
			json_array_append_new(a, frame_json(&fr->calls[i]));
		jset(j, "calls", a);
	}
	if (fr->nlogs > 0) {
		json_t *a = json_array();

		for (size_t i = 0; i < fr->nlogs; i++) {
			const struct trace_log *l = &fr->logs[i];
			json_t *lj = json_object(), *topics = json_array();

			for (size_t k = 0; k < l->ntopics; k++)
				json_array_append_new(topics, jhash(l->topics[k]));
			jset(lj, "address", jaddr(l->address));
			jset(lj, "topics", topics);
			jset(lj, "data", jsonhex_bytes(l->data, l->len));
			jset(lj, "position", jsonhex_u64(l->position));
			json_array_append_new(a, lj);
		}
		jset(j, "logs", a);
	}
	if (fr->has_value)
		jset(j, "value", jsonhex_u256(&fr->value));
	jset(j, "type", json_string(evm_opcode_name(fr->type)));
	return j;
}

/* Returns: the trace as geth's tracer would give it. */
static json_t *
trace_json(const struct trace *t, const struct trace_opts *o)
{
	json_t *j, *logs;

	if (t->kind == TRACE_CALLS)
		return frame_json(&t->root);
	j = json_object();
	logs = json_array();
	for (size_t i = 0; i < t->nsteps; i++)
		json_array_append_new(logs, step_json(&t->steps[i], o));
	jset(j, "gas", json_integer((json_int_t)t->gas_used));
	jset(j, "failed", json_boolean(t->failed));
	jset(j, "returnValue", jsonhex_bytes(t->output, t->output_len));
	jset(j, "structLogs", logs);
	return j;
}

/* debug_traceTransaction: [hash, options?]. */
int
rpc_debug_trace_transaction(void *ctx, const json_t *params, json_t **result,
			    struct rpc_error *err)
{
	struct eth *e = ctx;
	struct trace_opts o;
	struct trace t = { 0 };
	const char *why = NULL;
	uint8_t hash[32];
	int rc = -1, ret;

	if (check_params(err, params, "debug_traceTransaction", 1, 2) != 0 ||
	    parse_hash(err, hash, json_array_get(params, 0), 0, "transactionHash") != 0 ||
	    parse_opts(err, &o, opt_param(params, 1), 1, false) != 0)
		goto out;
	ret = trace_tx(e->chain, &t, &why, hash, &o);
	if (ret != 0) {
		trace_failure(err, ret, why, &o);
		goto out;
	}
	rc = rpc_ok(result, trace_json(&t, &o));
out:
	trace_release(&t);
	return rc;
}

/* debug_traceCall: [call, block?, options?]; a call that reverts is a
 * trace that says so, not an error. */
int
rpc_debug_trace_call(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	struct eth *e = ctx;
	struct txreq q = { 0 };
	struct chain_call call;
	struct trace_opts o;
	struct trace t = { 0 };
	const struct state *st;
	const char *why = NULL;
	uint64_t n;
	int rc = -1, ret;

	if (check_params(err, params, "debug_traceCall", 1, 3) != 0 ||
	    parse_txreq(err, &q, json_array_get(params, 0), 0) != 0 ||
	    block_state(e->chain, err, &n, &st, params, 1) != 0 ||
	    parse_opts(err, &o, opt_param(params, 2), 2, true) != 0)
		goto out;
	txreq_call(&call, &q);
	ret = trace_call(e->chain, &t, &why, n, &call, &o);
	if (ret != 0) {
		trace_failure(err, ret, why, &o);
		goto out;
	}
	rc = rpc_ok(result, trace_json(&t, &o));
out:
	trace_release(&t);
	txreq_release(&q);
	return rc;
}
