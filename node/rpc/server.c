/* JSON-RPC over HTTP (see server.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rpc/server.h"
#include "xalloc.h"

struct rpc_server {
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	const struct rpc_dispatch *d;
	uint16_t port;
};

/* Browser dapps call from another origin; the node is a local dev chain,
 * so any origin may. */
static void
add_common_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(h, "Access-Control-Allow-Methods", "POST, GET, OPTIONS");
	evhttp_add_header(h, "Access-Control-Allow-Headers", "*");
	evhttp_add_header(h, "Access-Control-Max-Age", "86400");
}

static void
reply_json(struct evhttp_request *req, int code, const char *reason, const char *body)
{
	struct evbuffer *out = evbuffer_new();

	add_common_headers(req);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	if (body != NULL)
		evbuffer_add(out, body, strlen(body));
	evhttp_send_reply(req, code, reason, out);
	evbuffer_free(out);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct rpc_server *s = arg;
	struct evbuffer *in;
	size_t len;
	char *resp;
	const char *body;

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_OPTIONS:
		add_common_headers(req);
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	case EVHTTP_REQ_POST:
		break;
	default:
		reply_json(req, 405, "Method Not Allowed",
			   "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
			   "\"message\":\"send JSON-RPC requests with POST\"}}");
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	body = (const char *)evbuffer_pullup(in, -1);
	resp = rpc_dispatch_body(s->d, body != NULL ? body : "", len);
	reply_json(req, 200, "OK", resp != NULL ? resp : "");
	free(resp);
}

struct rpc_server *
rpc_server_new(struct event_base *base, const char *host, uint16_t port,
	       const struct rpc_dispatch *d, size_t max_body, char **cause)
{
	struct rpc_server *s = xcalloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	s->d = d;
	s->http = evhttp_new(base);
	if (s->http == NULL) {
		xasprintf(cause, "cannot create the HTTP server");
		rpc_server_free(s);
		return NULL;
	}
	evhttp_set_max_body_size(s->http, (ev_ssize_t)max_body);
	evhttp_set_max_headers_size(s->http, 64 * 1024);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(s->http, on_request, s);
	s->sock = evhttp_bind_socket_with_handle(s->http, host, port);
	if (s->sock == NULL) {
		xasprintf(cause, "cannot listen on %s:%u: %s", host, port, strerror(errno));
		rpc_server_free(s);
		return NULL;
	}
	if (getsockname(evhttp_bound_socket_get_fd(s->sock), (struct sockaddr *)&ss, &sl) == 0)
		s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);
	return s;
}

uint16_t
rpc_server_port(const struct rpc_server *s)
{
	return s->port;
}

void
rpc_server_free(struct rpc_server *s)
{
	if (s == NULL)
		return;
	if (s->http != NULL)
		evhttp_free(s->http);
	free(s);
}
