/* JSON-RPC 2.0 dispatch (see dispatch.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rpc/dispatch.h"
#include "xalloc.h"

struct rpc_dispatch {
	struct rpc_method *methods; /* sorted by name */
	size_t n;
	void *ctx;
};

static int
method_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rpc_method *)a)->name, ((const struct rpc_method *)b)->name);
}

struct rpc_dispatch *
rpc_dispatch_new(const struct rpc_method *methods, size_t n, void *ctx)
{
	struct rpc_dispatch *d = xcalloc(1, sizeof(*d));

	d->methods = xreallocarray(NULL, n, sizeof(*d->methods));
	if (n > 0)
		memcpy(d->methods, methods, n * sizeof(*methods));
	d->n = n;
	d->ctx = ctx;
	if (n > 1)
		qsort(d->methods, n, sizeof(*d->methods), method_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(d->methods[i - 1].name, d->methods[i].name) == 0)
			BUG("a method is in the table twice");
	}
	return d;
}

void
rpc_dispatch_free(struct rpc_dispatch *d)
{
	if (d == NULL)
		return;
	free(d->methods);
	free(d);
}

int
rpc_error_set(struct rpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	free(err->message);
	err->code = code;
	va_start(ap, fmt);
	xvasprintf(&err->message, fmt, ap);
	va_end(ap);
	return -1;
}

static json_t *
error_response(const json_t *id, int code, const char *message, json_t *data)
{
	json_t *e = json_pack("{s:i, s:s}", "code", code, "message", message);

	if (data != NULL)
		json_object_set_new(e, "data", data);
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
			 id != NULL ? id : json_null(), "error", e);
}

/* Handles one request object.  Returns: the response, or NULL for a
 * notification. */
static json_t *
handle_one(const struct rpc_dispatch *d, const json_t *req)
{
	const json_t *id, *method, *params, *version;
	struct rpc_method key, *m;
	struct rpc_error err = { 0 };
	json_t *result = NULL, *empty = NULL, *resp;
	bool notification;

	if (!json_is_object(req))
		return error_response(NULL, RPC_INVALID_REQUEST, "invalid request: not an object", NULL);
	id = json_object_get(req, "id");
	notification = id == NULL;
	if (id != NULL && !json_is_string(id) && !json_is_integer(id) && !json_is_null(id))
		return error_response(NULL, RPC_INVALID_REQUEST,
				      "invalid request: id must be a string, a number or null", NULL);
	version = json_object_get(req, "jsonrpc");
	method = json_object_get(req, "method");
	params = json_object_get(req, "params");
	if (version != NULL && !(json_is_string(version) &&
				 strcmp(json_string_value(version), "2.0") == 0))
		return error_response(id, RPC_INVALID_REQUEST, "invalid request: jsonrpc must be \"2.0\"",
				      NULL);
	if (!json_is_string(method))
		return error_response(id, RPC_INVALID_REQUEST,
				      "invalid request: method must be a string", NULL);
	if (params != NULL && !json_is_array(params) && !json_is_object(params) &&
	    !json_is_null(params))
		return error_response(id, RPC_INVALID_REQUEST,
				      "invalid request: params must be an array or an object", NULL);
	key.name = json_string_value(method);
	m = d->n ? bsearch(&key, d->methods, d->n, sizeof(*m), method_cmp) : NULL;
	if (params == NULL || json_is_null(params))
		params = empty = json_array();
	if (m == NULL) {
		rpc_error_set(&err, RPC_METHOD_NOT_FOUND,
			      "the method %s does not exist/is not available", key.name);
		resp = error_response(id, err.code, err.message, NULL);
		free(err.message);
	} else if (m->fn(d->ctx, params, &result, &err) != 0 || result == NULL) {
		if (err.message == NULL)
			rpc_error_set(&err, RPC_INTERNAL_ERROR, "internal error in %s", key.name);
		resp = error_response(id, err.code, err.message, err.data);
		free(err.message);
	} else {
		free(err.message);
		json_decref(err.data);
		resp = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
	}
	json_decref(empty);
	if (notification) {
		json_decref(resp);
		return NULL;
	}
	return resp;
}

static char *
dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(j);
	if (s == NULL)
		die("out of memory encoding a JSON-RPC response");
	return s;
}

char *
rpc_dispatch_body(const struct rpc_dispatch *d, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *req = json_loadb(body, len, JSON_DECODE_ANY, &jerr), *out;

	if (req == NULL) {
		char *msg;
		json_t *resp;

		xasprintf(&msg, "parse error: %s at line %d, column %d", jerr.text, jerr.line,
			  jerr.column);
		resp = error_response(NULL, RPC_PARSE_ERROR, msg, NULL);
		free(msg);
		return dump(resp);
	}
	if (!json_is_array(req)) {
		out = handle_one(d, req);
		json_decref(req);
		return out != NULL ? dump(out) : NULL;
	}
	if (json_array_size(req) == 0 || json_array_size(req) > RPC_MAX_BATCH) {
		json_decref(req);
		return dump(error_response(NULL, RPC_INVALID_REQUEST,
					   json_array_size(req) == 0
						   ? "invalid request: empty batch"
						   : "invalid request: a batch holds at most 10000 requests",
					   NULL));
	}
	out = json_array();
	for (size_t i = 0; i < json_array_size(req); i++) {
		json_t *r = handle_one(d, json_array_get(req, i));

		if (r != NULL)
			json_array_append_new(out, r);
	}
	json_decref(req);
	if (json_array_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return dump(out);
}
