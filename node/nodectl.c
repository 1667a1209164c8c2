/* The node's control channel (see control.h). */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nodectl.h"
#include "log.h"
#include "p2p/p2p.h"
#include "xalloc.h"

struct client {
	struct nodectl *c;
	struct client *prev, *next;
	struct bufferevent *bev;
	bool closing; /* freed once its last reply is out */
};

struct nodectl {
	struct event_base *base;
	struct nodectl_config cfg;
	struct evconnlistener *listener;
	int dirfd; /* the socket's directory, O_PATH */
	char *name; /* the socket's name in it */
	struct client *clients;
	size_t nclients;
};

/* --- the commands ----------------------------------------------------- */

typedef int (*control_fn)(struct nodectl *c, json_t *reply, char **cause, const json_t *req);

/* Returns: 0, or -1 with *cause set when c has no mesh to act on. */
static int
need_p2p(struct nodectl *c, char **cause)
{
	if (c->cfg.p2p != NULL)
		return 0;
	xasprintf(cause, "this node has no peers to act on");
	return -1;
}

static int
cmd_partition(struct nodectl *c, json_t *reply, char **cause, const json_t *req)
{
	json_t *allow = json_object_get(req, "allow"), *v;
	const char **names = NULL;
	size_t i;
	int rc = -1;

	if (need_p2p(c, cause) != 0)
		return -1;
	if (!json_is_array(allow)) {
		xasprintf(cause, "partition: expected \"allow\": a list of node names");
		return -1;
	}
	names = xcalloc(json_array_size(allow) + 1, sizeof(*names));
	json_array_foreach(allow, i, v) {
		names[i] = json_string_value(v);
		if (names[i] == NULL) {
			xasprintf(cause, "partition: \"allow\" item %zu is not a node name", i);
			goto out;
		}
	}
	if (p2p_partition(c->cfg.p2p, cause, names, json_array_size(allow)) != 0)
		goto out;
	log_info("partitioned by the supervisor: %zu nodes allowed", json_array_size(allow));
	rc = 0;
out:
	free(names);
	return rc;
}

static int
cmd_heal(struct nodectl *c, json_t *reply, char **cause, const json_t *req)
{
	const json_t *all = json_object_get(req, "all");

	if (need_p2p(c, cause) != 0)
		return -1;
	if (all != NULL && !json_is_boolean(all)) {
		xasprintf(cause, "heal: expected \"all\": true or false");
		return -1;
	}
	p2p_heal(c->cfg.p2p);
	if (json_is_true(all)) {
		if (p2p_set_delay(c->cfg.p2p, 0, 0) != 0 || p2p_set_loss(c->cfg.p2p, 0) != 0)
			BUG("the filter refuses to be cleared");
	}
	log_info("healed by the supervisor%s", json_is_true(all) ? ", delay and loss too" : "");
	return 0;
}

/* Reads the whole number req[key] into *v, from 0 to max; an absent key
 * leaves *v alone unless required.  Returns: 0 or -1 with *cause set. */
static int
get_ms(uint32_t *v, char **cause, const json_t *req, const char *key, bool required)
{
	const json_t *j = json_object_get(req, key);

	if (j == NULL && !required)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    json_integer_value(j) > (json_int_t)P2P_MAX_DELAY_MS) {
		xasprintf(cause, "delay: expected \"%s\": milliseconds from 0 to %u", key,
			  P2P_MAX_DELAY_MS);
		return -1;
	}
	*v = (uint32_t)json_integer_value(j);
	return 0;
}

static int
cmd_delay(struct nodectl *c, json_t *reply, char **cause, const json_t *req)
{
	uint32_t ms = 0, jitter = 0;

	if (need_p2p(c, cause) != 0 || get_ms(&ms, cause, req, "ms", true) != 0 ||
	    get_ms(&jitter, cause, req, "jitter_ms", false) != 0)
		return -1;
	if (p2p_set_delay(c->cfg.p2p, ms, jitter) != 0)
		BUG("a checked delay is refused");
	log_info("delay set by the supervisor: %u ms +- %u ms", ms, jitter);
	return 0;
}

static int
cmd_loss(struct nodectl *c, json_t *reply, char **cause, const json_t *req)
{
	const json_t *j = json_object_get(req, "percent");

	if (need_p2p(c, cause) != 0)
		return -1;
	if (!json_is_number(j) || p2p_set_loss(c->cfg.p2p, json_number_value(j)) != 0) {
		xasprintf(cause, "loss: expected \"percent\": a number from 0 to 100");
		return -1;
	}
	log_info("loss set by the supervisor: %g%%", json_number_value(j));
	return 0;
}

/* Returns: peer's line of the status. */
static json_t *
peer_status(const struct p2p *p, size_t i)
{
	struct p2p_peer_stats st;
	const char *err = p2p_peer_error(p, i);
	json_t *o;

	p2p_peer_stats(p, i, &st);
	o = json_pack("{s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
		      p2p_peer_name(p, i), "connected", p2p_is_peer_connected(p, i), "allowed",
		      p2p_is_peer_allowed(p, i), "frames_out", (json_int_t)st.frames_out,
		      "bytes_out", (json_int_t)st.bytes_out, "frames_in", (json_int_t)st.frames_in,
		      "bytes_in", (json_int_t)st.bytes_in, "dropped_loss",
		      (json_int_t)st.dropped_loss, "dropped_partition",
		      (json_int_t)st.dropped_partition, "dropped_full", (json_int_t)st.dropped_full,
		      "connects", (json_int_t)st.connects, "refusals", (json_int_t)st.refusals);
	if (o == NULL)
		BUG("cannot build a status");
	if (err != NULL)
		json_object_set_new(o, "error", json_string(err));
	return o;
}

static int
cmd_status(struct nodectl *c, json_t *reply, char **cause, const json_t *req)
{
	const struct p2p *p = c->cfg.p2p;
	json_t *peers = json_array();
	uint32_t delay, jitter;
	double loss;

	for (size_t i = 0; p != NULL && i < p2p_peer_count(p); i++)
		json_array_append_new(peers, peer_status(p, i));
	json_object_set_new(reply, "peers", peers);
	if (p != NULL) {
		p2p_faults(p, &delay, &jitter, &loss);
		json_object_set_new(reply, "faults",
				    json_pack("{s:b, s:I, s:I, s:f}", "partitioned",
					      p2p_is_partitioned(p), "delay_ms", (json_int_t)delay,
					      "jitter_ms", (json_int_t)jitter, "loss_percent", loss));
	}
	if (c->cfg.status != NULL)
		c->cfg.status(c->cfg.arg, reply);
	return 0;
}

static const struct {
	const char *name;
	control_fn fn;
} control_table[] = {
	{ "partition", cmd_partition },
	{ "heal", cmd_heal },
	{ "delay", cmd_delay },
	{ "loss", cmd_loss },
	{ "status", cmd_status },
};

/* Answers one request.  Out: *garbled, whether the line was not a JSON
 * object at all.  Returns: the reply (caller frees). */
static json_t *
handle(struct nodectl *c, bool *garbled, const char *line, size_t len)
{
	json_t *req, *reply = json_object();
	json_error_t jerr;
	const char *cmd;
	char *cause = NULL;
	int rc = -1;
	size_t i;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	*garbled = !json_is_object(req);
	if (*garbled) {
		xasprintf(&cause, "expected a JSON object on one line%s%s",
			  req == NULL ? ": " : "", req == NULL ? jerr.text : "");
		goto out;
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (cmd == NULL) {
		xasprintf(&cause, "expected \"cmd\": the name of a command");
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(control_table); i++) {
		if (strcmp(control_table[i].name, cmd) == 0) {
			rc = control_table[i].fn(c, reply, &cause, req);
			goto out;
		}
	}
	for (i = 0; i < c->cfg.ncommands; i++) {
		if (strcmp(c->cfg.commands[i].name, cmd) == 0) {
			rc = c->cfg.commands[i].fn(c->cfg.arg, reply, &cause, req);
			goto out;
		}
	}
	xasprintf(&cause, "unknown command '%s'", cmd);
out:
	if (rc == 0) {
		json_object_set_new(reply, "ok", json_true());
	} else {
		json_object_clear(reply);
		json_object_set_new(reply, "ok", json_false());
		json_object_set_new(reply, "error", json_string(cause != NULL ? cause : "failed"));
	}
	free(cause);
	json_decref(req);
	return reply;
}

json_t *
nodectl_handle(struct nodectl *c, const char *line, size_t len)
{
	bool garbled;

	return handle(c, &garbled, line, len);
}

/* --- the socket ------------------------------------------------------- */

static void
client_free(struct client *cl)
{
	struct nodectl *c = cl->c;

	if (cl->prev != NULL)
		cl->prev->next = cl->next;
	else
		c->clients = cl->next;
	if (cl->next != NULL)
		cl->next->prev = cl->prev;
	c->nclients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/* Sends reply as one line. */
static void
client_reply(struct client *cl, json_t *reply)
{
	char *text = json_dumps(reply, JSON_COMPACT);

	if (text == NULL)
		BUG("cannot serialise a reply");
	evbuffer_add_printf(bufferevent_get_output(cl->bev), "%s\n", text);
	free(text);
}

/* Stops reading from cl, and frees it once its replies are out. */
static void
client_close(struct client *cl)
{
	cl->closing = true;
	bufferevent_disable(cl->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)
		client_free(cl);
}

static void
on_client_read(struct bufferevent *bev, void *arg)
{
	struct client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!cl->closing) {
		struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
		size_t len;
		char *line;
		json_t *reply;
		bool garbled;

		if (eol.pos < 0) {
			if (evbuffer_get_length(in) > NODECTL_LINE_MAX) {
				reply = json_pack("{s:b, s:s}", "ok", 0, "error",
						  "the request is too long");
				client_reply(cl, reply);
				json_decref(reply);
				client_close(cl);
			}
			return;
		}
		if ((size_t)eol.pos > NODECTL_LINE_MAX) {
			reply = json_pack("{s:b, s:s}", "ok", 0, "error", "the request is too long");
			client_reply(cl, reply);
			json_decref(reply);
			client_close(cl);
			return;
		}
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (line == NULL)
			return;
		reply = handle(cl->c, &garbled, line, len);
		client_reply(cl, reply);
		json_decref(reply);
		free(line);
		/* A client that does not speak the protocol gets one answer. */
		if (garbled) {
			client_close(cl);
			return;
		}
	}
}

static void
on_client_write(struct bufferevent *bev, void *arg)
{
	struct client *cl = arg;

	if (cl->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_free(cl);
}

static void
on_client_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *cl = arg;

	if (what & BEV_EVENT_ERROR) {
		client_free(cl);
		return;
	}
	if (what & BEV_EVENT_EOF)
		client_close(cl);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct nodectl *c = arg;
	struct client *cl;
	struct bufferevent *bev;

	if (c->nclients >= NODECTL_MAX_CLIENTS) {
		log_warn("the control socket has %d clients; refusing another",
			 NODECTL_MAX_CLIENTS);
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	cl = xcalloc(1, sizeof(*cl));
	cl->c = c;
	cl->bev = bev;
	cl->next = c->clients;
	if (c->clients != NULL)
		c->clients->prev = cl;
	c->clients = cl;
	c->nclients++;
	bufferevent_setcb(bev, on_client_read, on_client_write, on_client_event, cl);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct nodectl *
nodectl_new(struct event_base *base, const struct nodectl_config *cfg, char **cause)
{
	struct nodectl *c = xcalloc(1, sizeof(*c));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dir = xstrdup(cfg->path), *name = xstrdup(cfg->path);
	int fd = -1;

	c->base = base;
	c->cfg = *cfg;
	c->dirfd = -1;
	c->name = xstrdup(basename(name));
	/* The directory stays open: the socket is removed through it, and
	 * reached through /proc/self/fd/N/ when its path is too long. */
	c->dirfd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0) {
		xasprintf(cause, "cannot open the directory of '%s': %s", cfg->path,
			  strerror(errno));
		goto fail;
	}
	if (strlen(cfg->path) < sizeof sa.sun_path)
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", cfg->path);
	else if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s",
				  c->dirfd, c->name) >= sizeof sa.sun_path) {
		xasprintf(cause, "cannot listen on '%s': its name is too long", cfg->path);
		goto fail;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		xasprintf(cause, "cannot make a socket: %s", strerror(errno));
		goto fail;
	}
	/* The node owns its directory: what is there is a dead node's. */
	if (unlinkat(c->dirfd, c->name, 0) != 0 && errno != ENOENT) {
		xasprintf(cause, "cannot remove the old '%s': %s", cfg->path, strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    fchmodat(c->dirfd, c->name, 0600, 0) != 0 || listen(fd, 16) != 0) {
		xasprintf(cause, "cannot listen on '%s': %s", cfg->path, strerror(errno));
		goto fail;
	}
	c->listener = evconnlistener_new(base, on_accept, c,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (c->listener == NULL) {
		xasprintf(cause, "cannot listen on '%s': out of memory", cfg->path);
		goto fail;
	}
	free(dir);
	free(name);
	return c;
fail:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(name);
	nodectl_free(c);
	return NULL;
}

void
nodectl_free(struct nodectl *c)
{
	if (c == NULL)
		return;
	while (c->clients != NULL)
		client_free(c->clients);
	if (c->listener != NULL) {
		evconnlistener_free(c->listener);
		(void)unlinkat(c->dirfd, c->name, 0);
	}
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c->name);
	free(c);
}
