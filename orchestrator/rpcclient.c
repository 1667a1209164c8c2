/* JSON-RPC over libcurl (see rpcclient.h). */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpcclient.h"
#include "xalloc.h"

/* An answer larger than this is not one the supervisor asked for. */
#define RESPONSE_MAX (1024 * 1024)

struct rpcclient {
	CURL *curl;
	struct curl_slist *headers;
	char *buf;
	size_t len, cap;
	uint64_t next_id;
};

struct rpcclient *
rpcclient_new(void)
{
	struct rpcclient *c;
	CURL *curl;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (curl = curl_easy_init()) == NULL)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->curl = curl;
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	return c;
}

void
rpcclient_free(struct rpcclient *c)
{
	if (c == NULL)
		return;
	curl_slist_free_all(c->headers);
	curl_easy_cleanup(c->curl);
	free(c->buf);
	free(c);
}

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct rpcclient *c = arg;
	size_t len = size * n;

	if (c->len + len > RESPONSE_MAX)
		return 0; /* curl then fails the transfer */
	if (c->len + len + 1 > c->cap) {
		c->cap = 2 * (c->len + len + 1);
		c->buf = xreallocarray(c->buf, c->cap, 1);
	}
	memcpy(c->buf + c->len, data, len);
	c->len += len;
	c->buf[c->len] = '\0';
	return len;
}

int
rpcclient_call(struct rpcclient *c, json_t **result, char **cause, const char *url,
	       const char *method, json_t *params, long timeout_ms)
{
	return rpcclient_request(c, result, cause, NULL, url, method, params, timeout_ms);
}

int
rpcclient_request(struct rpcclient *c, json_t **result, char **cause, char **data,
		  const char *url, const char *method, json_t *params, long timeout_ms)
{
	json_t *req, *resp = NULL, *err;
	json_error_t jerr;
	char *body;
	CURLcode cc;
	long status = 0;
	int rc = -1;

	*result = NULL;
	if (data != NULL)
		*data = NULL;
	req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)++c->next_id,
			"method", method, "params",
			params != NULL ? json_incref(params) : json_array());
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (body == NULL) {
		xasprintf(cause, "out of memory");
		return -1;
	}
	c->len = 0;
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_NOPROXY, "*");
	cc = curl_easy_perform(c->curl);
	free(body);
	if (cc != CURLE_OK) {
		xasprintf(cause, "%s", curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		xasprintf(cause, "HTTP status %ld", status);
		return -1;
	}
	resp = json_loadb(c->buf != NULL ? c->buf : "", c->len, 0, &jerr);
	if (!json_is_object(resp)) {
		xasprintf(cause, "the answer is not a JSON-RPC response");
	} else if ((err = json_object_get(resp, "error")) != NULL) {
		const char *msg = json_string_value(json_object_get(err, "message"));

		xasprintf(cause, "%s failed: %s", method, msg != NULL ? msg : "no message");
		if (data != NULL && json_is_string(json_object_get(err, "data")))
			*data = xstrdup(json_string_value(json_object_get(err, "data")));
	} else if (json_object_get(resp, "result") == NULL) {
		xasprintf(cause, "the answer has no result");
	} else {
		*result = json_incref(json_object_get(resp, "result"));
		rc = 0;
	}
	json_decref(resp);
	return rc;
}

int
rpcclient_block_number(struct rpcclient *c, uint64_t *height, char **cause, const char *url,
		       long timeout_ms)
{
	json_t *r;
	int rc = -1;

	if (rpcclient_call(c, &r, cause, url, "eth_blockNumber", NULL, timeout_ms) != 0)
		return -1;
	if (!json_is_string(r) || sscanf(json_string_value(r), "0x%" SCNx64, height) != 1)
		xasprintf(cause, "eth_blockNumber gave no quantity");
	else
		rc = 0;
	json_decref(r);
	return rc;
}
