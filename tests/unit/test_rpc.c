/* Tests for node/rpc/: the JSON-RPC 2.0 dispatcher, and the HTTP server in
 * a child process reached through libcurl. */
#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "rpc/dispatch.h"
#include "rpc/server.h"
#include "xalloc.h"

static int
m_echo(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	*result = json_deep_copy(params);
	return 0;
}

static int
m_fail(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	rpc_error_set(err, 3, "execution reverted: %s", "nope");
	err->data = json_string("0x08c379a0");
	return -1;
}

static int
m_version(void *ctx, const json_t *params, json_t **result, struct rpc_error *err)
{
	*result = json_string("anvil/v1.7.1-compatible chainbox/test");
	return 0;
}

static const struct rpc_method methods[] = {
	{ "web3_clientVersion", m_version },
	{ "test_echo", m_echo },
	{ "test_fail", m_fail },
};

/* Runs body through a dispatcher.  Returns: the parsed response (NULL for
 * none; caller frees). */
static json_t *
call(const char *body)
{
	struct rpc_dispatch *d = rpc_dispatch_new(methods, ARRAY_SIZE(methods), NULL);
	char *out = rpc_dispatch_body(d, body, strlen(body));
	json_t *j = out != NULL ? json_loads(out, 0, NULL) : NULL;

	CU_ASSERT_TRUE(out == NULL || j != NULL);
	free(out);
	rpc_dispatch_free(d);
	return j;
}

static int
error_code(const json_t *resp)
{
	return (int)json_integer_value(json_object_get(json_object_get(resp, "error"), "code"));
}

static void
test_rpc_single(void)
{
	json_t *r = call("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"test_echo\",\"params\":[1,\"a\"]}");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "id")), 7);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "result")), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
	json_decref(r);
	/* No params at all is the same as an empty list. */
	r = call("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"test_echo\"}");
	CU_ASSERT_TRUE(json_is_array(json_object_get(r, "result")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "id")), "x");
	json_decref(r);
}

static void
test_rpc_errors(void)
{
	json_t *r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_fillTransaction\"}");

	CU_ASSERT_EQUAL(error_code(r), RPC_METHOD_NOT_FOUND);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
			       "the method eth_fillTransaction does not exist/is not available");
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test_fail\"}");
	CU_ASSERT_EQUAL(error_code(r), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(r, "error"), "data")),
			       "0x08c379a0");
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
	CU_ASSERT_EQUAL(error_code(r), RPC_PARSE_ERROR);
	CU_ASSERT_TRUE(json_is_null(json_object_get(r, "id")));
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}");
	CU_ASSERT_EQUAL(error_code(r), RPC_INVALID_REQUEST);
	json_decref(r);
	r = call("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"test_echo\"}");
	CU_ASSERT_EQUAL(error_code(r), RPC_INVALID_REQUEST);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test_echo\",\"params\":3}");
	CU_ASSERT_EQUAL(error_code(r), RPC_INVALID_REQUEST);
	json_decref(r);
	r = call("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"test_echo\"}");
	CU_ASSERT_EQUAL(error_code(r), RPC_INVALID_REQUEST);
	json_decref(r);
	r = call("42");
	CU_ASSERT_EQUAL(error_code(r), RPC_INVALID_REQUEST);
	json_decref(r);
}

static void
test_rpc_batch(void)
{
	json_t *r = call("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"web3_clientVersion\"},"
			 "{\"jsonrpc\":\"2.0\",\"method\":\"test_echo\"},"
			 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope\"},"
			 "17]");

	CU_ASSERT_EQUAL_FATAL(json_array_size(r), 3); /* the notification gets nothing */
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(r, 0), "id")), 1);
	CU_ASSERT_EQUAL(error_code(json_array_get(r, 1)), RPC_METHOD_NOT_FOUND);
	CU_ASSERT_EQUAL(error_code(json_array_get(r, 2)), RPC_INVALID_REQUEST);
	json_decref(r);
	r = call("[]");
	CU_ASSERT_EQUAL(error_code(r), RPC_INVALID_REQUEST);
	json_decref(r);
	/* Notifications alone get no answer at all. */
	CU_ASSERT_PTR_NULL(call("{\"jsonrpc\":\"2.0\",\"method\":\"test_echo\"}"));
	CU_ASSERT_PTR_NULL(call("[{\"jsonrpc\":\"2.0\",\"method\":\"test_echo\"}]"));
}

/* --- HTTP, against a server in a child process ------------------------ */

static pid_t server_pid = -1;
static uint16_t server_port;

static void
start_server(void)
{
	int fds[2];

	CU_ASSERT_FATAL(pipe(fds) == 0);
	server_pid = fork();
	CU_ASSERT_FATAL(server_pid >= 0);
	if (server_pid == 0) {
		struct event_base *base = event_base_new();
		struct rpc_dispatch *d = rpc_dispatch_new(methods, ARRAY_SIZE(methods), NULL);
		char *cause = NULL;
		struct rpc_server *s = rpc_server_new(base, "127.0.0.1", 0, d, 4096, &cause);
		uint16_t port = s != NULL ? rpc_server_port(s) : 0;

		if (write(fds[1], &port, sizeof(port)) != sizeof(port))
			_exit(1);
		close(fds[1]);
		event_base_dispatch(base);
		_exit(0);
	}
	close(fds[1]);
	CU_ASSERT_FATAL(read(fds[0], &server_port, sizeof(server_port)) == sizeof(server_port));
	close(fds[0]);
	CU_ASSERT_FATAL(server_port != 0);
}

static void
stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
}

struct reply {
	char *body;
	size_t len;
	long code;
	char headers[2048];
	size_t hlen;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	r->body = xreallocarray(r->body, r->len + size * n + 1, 1);
	memcpy(r->body + r->len, p, size * n);
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t k = size * n;

	if (r->hlen + k < sizeof(r->headers)) {
		memcpy(r->headers + r->hlen, p, k);
		r->hlen += k;
		r->headers[r->hlen] = '\0';
	}
	return k;
}

/* Sends one request on handle h.  Out: *r (caller frees r->body). */
static void
http(CURL *h, struct reply *r, const char *method, const char *body)
{
	char url[64];
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", server_port);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	CU_ASSERT_EQUAL(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
	curl_slist_free_all(hdr);
}

static void
test_rpc_http(void)
{
	CURL *h = curl_easy_init();
	struct reply r;
	long connects = -1;
	char *big;

	start_server();
	http(h, &r, "POST", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"web3_clientVersion\"}");
	CU_ASSERT_EQUAL(r.code, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "anvil/v1.7.1-compatible"));
	CU_ASSERT_PTR_NOT_NULL(strcasestr(r.headers, "Access-Control-Allow-Origin: *"));
	CU_ASSERT_PTR_NOT_NULL(strcasestr(r.headers, "Content-Type: application/json"));
	free(r.body);
	/* The second request reuses the connection (keep-alive). */
	http(h, &r, "POST", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test_echo\"}]");
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
	CU_ASSERT_EQUAL(connects, 0);
	CU_ASSERT_EQUAL(r.body[0], '[');
	free(r.body);
	http(h, &r, "OPTIONS", NULL);
	CU_ASSERT_EQUAL(r.code, 200);
	CU_ASSERT_PTR_NOT_NULL(strcasestr(r.headers, "Access-Control-Allow-Methods:"));
	free(r.body);
	http(h, &r, "GET", NULL);
	CU_ASSERT_EQUAL(r.code, 405);
	free(r.body);
	/* Over the 4096-byte limit this server was given: 413. */
	big = xmalloc(10000);
	memset(big, ' ', 9999);
	big[9999] = '\0';
	memcpy(big, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test_echo\"}", 45);
	http(h, &r, "POST", big);
	CU_ASSERT_EQUAL(r.code, 413);
	free(r.body);
	free(big);
	curl_easy_cleanup(h);
	stop_server();
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_rpc_single),
		HARNESS_TEST(test_rpc_errors),
		HARNESS_TEST(test_rpc_batch),
		HARNESS_TEST(test_rpc_http),
		HARNESS_END,
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = harness_run("rpc", tests);
	stop_server();
	curl_global_cleanup();
	return rc;
}
