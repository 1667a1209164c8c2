/* The supervisor of one network (see supervisor.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "control.h"
#include "hdwallet.h"
#include "hex.h"
#include "keccak.h"
#include "log.h"
#include "logcap.h"
#include "loop.h"
#include "netcmd.h"
#include "plan.h"
#include "rpcclient.h"
#include "secp.h"
#include "spec.h"
#include "supervisor.h"
#include "units.h"
#include "xalloc.h"

#define READY_POLL_MS 10
#define RPC_TIMEOUT_MS 500
#define LOG_TAIL_LINES 20
#define RESTART_MIN_MS 250
#define RESTART_MAX_MS 10000
/* A node that ran this long before failing starts its backoff afresh. */
#define RESTART_RESET_MS 30000
#define NODE_CONTROL_TIMEOUT_MS 2000

enum node_state {
	NODE_STARTING, /* launched, not answering yet */
	NODE_RUNNING,
	NODE_PAUSED,
	NODE_STOPPING, /* SIGTERM sent */
	NODE_STOPPED, /* by a command */
	NODE_EXITED, /* on its own */
};

static const char *const state_names[] = {
	[NODE_STARTING] = "starting", [NODE_RUNNING] = "running", [NODE_PAUSED] = "paused",
	[NODE_STOPPING] = "stopping", [NODE_STOPPED] = "stopped", [NODE_EXITED] = "exited",
};

struct sup;

/* A control connection: one request, one reply. */
struct client {
	struct sup *sup;
	int fd;
	struct loop_watch *w;
	char *buf;
	size_t len;
	bool held; /* holds a snapshot's pins: stays open for one more line */
	struct client *next;
};

/* snapshot_pin under way, or held: every node's store pinned at one
 * height (each at its own head on solo networks, whose nodes do not share
 * a chain) for as long as the client's connection lasts. */
struct pin_op {
	struct client *client;
	struct loop_timer *timer; /* polls the nodes still short of the height */
	uint64_t *height; /* each node's */
	json_t **pinned; /* each node's pinned reply; NULL while pending */
	unsigned attempts;
	uint64_t started_ms;
	char *broken; /* a node that ended while pinned: the copy may be torn */
};

struct node {
	struct sup *sup;
	const struct plan_node *pn;
	const struct spec_group *group;
	struct backend_node *bn; /* NULL when not running */
	enum node_state state;
	char *why; /* why it last ended, or its seccomp report */
	struct loop_watch *exit_w, *event_w;
	struct loop_timer *kill_t, *restart_t;
	bool stop_requested, restart_after_stop;
	uint64_t started_ms;
	unsigned backoff_ms;
	unsigned log_id; /* its output's stream in the logcap */
	bool log_open; /* until the stream's LOGCAP_EOF */
	char *failed_start; /* why it ended while starting, once its log is in */
	char *rpc_url; /* NULL without RPC */
	char *last_error; /* the last readiness probe's */
	struct client *waiter; /* replied to once the node settles */
	const char *waiter_done; /* what the reply says: "stopped", "killed"... */
};

struct sup {
	struct spec *spec;
	struct plan *plan;
	struct loop *loop;
	struct logcap *cap;
	struct backend be;
	struct rpcclient *rpc;
	struct node *nodes;
	size_t nnodes;
	char *node_bin;
	/* Names the network's cgroups: its name and a hash of its state dir,
	 * since two networks of one name may run from two directories. */
	char cgroup_name[96];
	int ctl_fd, sig_fd;
	struct loop_watch *ctl_w, *sig_w;
	struct client *clients;
	struct pin_op *pin;
	/* stop_all and start_all: who waits for every node to settle. */
	struct client *all_waiter;
	bool all_start;
	struct loop_timer *ready_t;
	uint64_t up_ms;
	unsigned timeout_ms;
	int ready_fd; /* -d: the waiting parent's pipe; -1 */
	bool up; /* every node was ready once */
	bool down; /* stopping the network */
	int status; /* the exit status */
};

static void node_settled(struct node *n, const char *fmt, ...) PRINTFLIKE(2, 3);
static void pin_release(struct sup *s);
static void check_all(struct sup *s);

/* Says something about the network: on the terminal in the foreground, in
 * STATE/supervisor.log when detached. */
static void PRINTFLIKE(1, 2)
say(const char *fmt, ...)
{
	va_list ap;
	char stamp[32];
	time_t now = time(NULL);

	strftime(stamp, sizeof stamp, "%H:%M:%S", localtime(&now));
	fprintf(stderr, "chainbox: %s ", stamp);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- network.json ------------------------------------------------------------- */

static json_t *
node_json(const struct node *n, bool with_height)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(n->pn->name));
	json_object_set_new(o, "role", json_string(n->pn->validator ? "validator" : "full"));
	json_object_set_new(o, "state", json_string(state_names[n->state]));
	json_object_set_new(o, "pid", n->bn != NULL
				? json_integer(n->sup->be.ops->pid(n->bn)) : json_null());
	json_object_set_new(o, "rpc", n->rpc_url != NULL ? json_string(n->rpc_url)
							  : json_null());
	json_object_set_new(o, "log", json_string(n->pn->log));
	json_object_set_new(o, "dir", json_string(n->pn->dir));
	if (n->bn != NULL)
		json_object_set_new(o, "limits", json_string(n->sup->be.ops->limits(n->bn)));
	if (n->why != NULL)
		json_object_set_new(o, "why", json_string(n->why));
	if (with_height && n->bn != NULL && n->sup->spec->chain.consensus == SPEC_TBFT &&
	    n->state != NODE_PAUSED) {
		json_t *reply = NULL, *peer;
		char *cause = NULL;
		size_t i, up = 0;

		/* Its consensus and its peers, from its own control socket. */
		if (control_request(&reply, &cause, n->pn->dir, json_pack("{s:s}", "cmd", "status"),
				    NODE_CONTROL_TIMEOUT_MS) == 0) {
			json_array_foreach(json_object_get(reply, "peers"), i, peer)
				up += json_is_true(json_object_get(peer, "connected"));
			json_object_set_new(o, "round", json_incref(json_object_get(reply, "round")));
			json_object_set_new(o, "step", json_incref(json_object_get(reply, "step")));
			json_object_set_new(o, "peers", json_integer((json_int_t)up));
		}
		json_decref(reply);
		free(cause);
	}
	if (with_height && n->rpc_url != NULL &&
	    (n->state == NODE_RUNNING || n->state == NODE_STARTING)) {
		uint64_t h;
		char *cause = NULL;

		if (rpcclient_block_number(n->sup->rpc, &h, &cause, n->rpc_url,
					   RPC_TIMEOUT_MS) == 0)
			json_object_set_new(o, "height", json_integer((json_int_t)h));
		free(cause);
	}
	return o;
}

static json_t *
network_json(const struct sup *s, bool with_height)
{
	json_t *nodes = json_array();
	const char *limits = "not started";

	for (size_t i = 0; i < s->nnodes; i++) {
		json_array_append_new(nodes, node_json(&s->nodes[i], with_height));
		if (s->nodes[i].bn != NULL)
			limits = s->be.ops->limits(s->nodes[i].bn);
	}
	return json_pack("{s:{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I}, s:o}",
			 "network", "name", s->plan->name, "state_dir", s->plan->state_dir,
			 "supervisor_pid", (json_int_t)getpid(), "io", loop_describe(s->loop),
			 "backend", s->be.ops->name, "sandbox", limits,
			 "state", s->down ? "stopping" : s->up ? "up" : "starting",
			 "chain_id", (json_int_t)s->spec->chain.id, "nodes", nodes);
}

/* Rewrites STATE/network.json (through a rename, so readers never see
 * half of it). */
static void
write_network_json(const struct sup *s)
{
	json_t *j = network_json(s, false);
	char *path, *tmp;

	xasprintf(&path, "%s/network.json", s->plan->state_dir);
	xasprintf(&tmp, "%s.tmp", path);
	if (json_dump_file(j, tmp, JSON_INDENT(2)) != 0 || rename(tmp, path) != 0)
		say("cannot write %s: %s", path, strerror(errno));
	free(path);
	free(tmp);
	json_decref(j);
}

/* --- control replies ------------------------------------------------------------ */

static void
client_free(struct client *c)
{
	struct client **pp;

	for (pp = &c->sup->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	for (size_t i = 0; i < c->sup->nnodes; i++) {
		if (c->sup->nodes[i].waiter == c)
			c->sup->nodes[i].waiter = NULL;
	}
	if (c->sup->all_waiter == c)
		c->sup->all_waiter = NULL;
	if (c->sup->pin != NULL && c->sup->pin->client == c)
		pin_release(c->sup);
	loop_unwatch(c->w);
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Sends reply (consumed) as one line.  Replies are small, and the
 * socket's buffer holds them. */
static void
client_send(struct client *c, json_t *reply)
{
	char *line = json_dumps(reply, JSON_COMPACT);
	size_t len, off = 0;

	json_decref(reply);
	if (line == NULL)
		return;
	len = strlen(line);
	line[len] = '\n';
	while (off < len + 1) {
		ssize_t n = send(c->fd, line + off, len + 1 - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(line);
}

/* Sends reply (consumed) and closes the connection. */
static void
client_reply(struct client *c, json_t *reply)
{
	client_send(c, reply);
	client_free(c);
}

static void PRINTFLIKE(2, 3)
client_error(struct client *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	client_reply(c, json_pack("{s:b, s:s}", "ok", 0, "error", msg));
	free(msg);
}

static void PRINTFLIKE(2, 3)
client_ok(struct client *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	client_reply(c, json_pack("{s:b, s:s}", "ok", 1, "message", msg));
	free(msg);
}

/* Answers the command waiting on n, if any. */
static void
node_settled(struct node *n, const char *fmt, ...)
{
	struct client *c = n->waiter;
	va_list ap;
	char *msg;

	if (c == NULL)
		return;
	n->waiter = NULL;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	client_ok(c, "%s", msg);
	free(msg);
}

/* --- nodes ------------------------------------------------------------------------ */

static void on_node_exit(struct loop_watch *w, int fd, unsigned revents, void *arg);
static void on_node_event(struct loop_watch *w, int fd, unsigned revents, void *arg);
static void check_down(struct sup *s);

static void
set_why(struct node *n, char *why)
{
	free(n->why);
	n->why = why;
}

/* Launches n.  Returns: 0, or -1 with *cause set. */
static int
node_start(struct node *n, char **cause)
{
	struct sup *s = n->sup;
	const struct spec_group *g = n->group;
	struct backend_launch l;
	char **argv = xcalloc(g->nargs + 4, sizeof(*argv));
	char **envp = xcalloc(g->nenv + 4, sizeof(*envp)), *asan = NULL, *ubsan = NULL;
	const char *v;
	size_t ne = 0;
	unsigned id;
	int p[2], efd, rc = -1;

	argv[0] = s->node_bin;
	argv[1] = "--config";
	argv[2] = n->pn->conf;
	for (size_t i = 0; i < g->nargs; i++)
		argv[3 + i] = g->args[i];
	envp[ne++] = "PATH=/usr/bin:/bin";
	/* A sanitizer build's node keeps its options, less the leak check,
	 * which needs ptrace, which no node may use. */
	if ((v = getenv("ASAN_OPTIONS")) != NULL) {
		xasprintf(&asan, "ASAN_OPTIONS=%s:detect_leaks=0", v);
		envp[ne++] = asan;
	}
	if ((v = getenv("UBSAN_OPTIONS")) != NULL) {
		xasprintf(&ubsan, "UBSAN_OPTIONS=%s", v);
		envp[ne++] = ubsan;
	}
	for (size_t i = 0; i < g->nenv; i++)
		envp[ne++] = g->env[i];
	if (pipe2(p, O_CLOEXEC) != 0) {
		xasprintf(cause, "cannot make a pipe for node %s: %s", n->pn->name,
			  strerror(errno));
		goto out;
	}
	memset(&l, 0, sizeof(l));
	l.network = s->cgroup_name;
	l.node = n->pn->name;
	l.argv = argv;
	l.envp = envp;
	l.dir = n->pn->dir;
	l.resources = &g->resources;
	l.sandbox = &s->spec->sandbox;
	l.out_fd = p[1];
	rc = s->be.ops->launch(s->be.be, &n->bn, cause, &l);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		goto out;
	}
	rc = logcap_add(s->cap, &id, cause, p[0], n->pn->log, NULL);
	n->log_id = id;
	n->log_open = rc == 0;
	if (rc != 0) {
		/* The node runs, but nothing would read its output. */
		s->be.ops->release(n->bn);
		n->bn = NULL;
		rc = -1;
		goto out;
	}
	n->exit_w = loop_watch(s->loop, s->be.ops->exit_fd(n->bn), LOOP_READ, on_node_exit, n);
	efd = s->be.ops->event_fd(n->bn);
	n->event_w = efd >= 0 ? loop_watch(s->loop, efd, LOOP_READ, on_node_event, n) : NULL;
	n->state = NODE_STARTING;
	n->stop_requested = false;
	n->started_ms = loop_now_ms(s->loop);
	set_why(n, NULL);
	log_info("node %s started, pid %d", n->pn->name, (int)s->be.ops->pid(n->bn));
	loop_timer_start(s->ready_t, 0, READY_POLL_MS);
	write_network_json(s);
out:
	free(argv);
	free(envp);
	free(asan);
	free(ubsan);
	return rc;
}

/* Asks n to stop: SIGTERM now, SIGKILL if it is still there after the
 * timeout (or at once with hard). */
static void
node_stop(struct node *n, bool hard)
{
	struct sup *s = n->sup;
	char *cause = NULL;

	loop_timer_stop(n->restart_t);
	n->stop_requested = true;
	if (n->bn == NULL)
		return;
	if (n->state == NODE_PAUSED && s->be.ops->resume(n->bn, &cause) != 0) {
		free(cause);
		hard = true;
	}
	if (hard) {
		s->be.ops->signal(n->bn, SIGKILL);
	} else {
		s->be.ops->signal(n->bn, SIGTERM);
		loop_timer_start(n->kill_t, SUPERVISOR_STOP_TIMEOUT_MS, 0);
	}
	n->state = NODE_STOPPING;
}

static void
on_kill_timer(struct loop_timer *t, void *arg)
{
	struct node *n = arg;

	if (n->bn != NULL) {
		say("node %s did not stop within %d s of SIGTERM: killing it", n->pn->name,
		    SUPERVISOR_STOP_TIMEOUT_MS / 1000);
		n->sup->be.ops->signal(n->bn, SIGKILL);
	}
}

static void
on_restart_timer(struct loop_timer *t, void *arg)
{
	struct node *n = arg;
	char *cause = NULL;

	if (n->sup->down || n->bn != NULL)
		return;
	say("restarting node %s", n->pn->name);
	if (node_start(n, &cause) != 0) {
		say("cannot restart node %s: %s", n->pn->name, cause);
		set_why(n, cause);
	}
}

static void fail_start(struct sup *s, struct node *n, const char *why);

static void
on_node_exit(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct node *n = arg;
	struct sup *s = n->sup;
	char *why = NULL;
	bool failed = false;
	int rc = s->be.ops->reap(n->bn, &why, &failed);

	if (rc == -EAGAIN)
		return;
	if (rc != 0)
		xasprintf(&why, "ended, but cannot be reaped: %s", strerror(-rc));
	loop_unwatch(n->exit_w);
	loop_unwatch(n->event_w);
	n->exit_w = n->event_w = NULL;
	loop_timer_stop(n->kill_t);
	s->be.ops->release(n->bn);
	n->bn = NULL;
	if (s->pin != NULL && s->pin->broken == NULL)
		s->pin->broken = xstrdup(n->pn->name);
	if (n->stop_requested) {
		n->state = NODE_STOPPED;
		log_info("node %s stopped: %s", n->pn->name, why);
		set_why(n, why);
		if (!n->restart_after_stop)
			node_settled(n, "node %s %s", n->pn->name, n->waiter_done);
	} else {
		n->state = NODE_EXITED;
		say("node %s %s", n->pn->name, why);
		set_why(n, why);
		node_settled(n, "node %s %s", n->pn->name, why);
		if (!s->up && !s->down) {
			/* Its last words may still be in the pipe: fail once the
			 * log has them all. */
			if (n->log_open)
				n->failed_start = xstrdup(why);
			else
				fail_start(s, n, why);
			return;
		}
		if (failed && n->group->restart == SPEC_RESTART_ON_FAILURE && !s->down) {
			uint64_t ran = loop_now_ms(s->loop) - n->started_ms;

			if (ran >= RESTART_RESET_MS || n->backoff_ms == 0)
				n->backoff_ms = RESTART_MIN_MS;
			else if (n->backoff_ms < RESTART_MAX_MS)
				n->backoff_ms *= 2;
			say("node %s restarts in %u ms (restart: on-failure)", n->pn->name,
			    n->backoff_ms);
			loop_timer_start(n->restart_t, n->backoff_ms, 0);
		}
	}
	write_network_json(s);
	if (n->restart_after_stop && !s->down) {
		char *cause = NULL;

		n->restart_after_stop = false;
		if (node_start(n, &cause) != 0) {
			say("cannot start node %s: %s", n->pn->name, cause);
			node_settled(n, "node %s stopped, but cannot start again: %s", n->pn->name,
				     cause);
			set_why(n, cause);
		}
	}
	check_all(s);
	check_down(s);
}

static void
on_node_event(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct node *n = arg;
	char *msg = NULL;
	int rc;

	while ((rc = n->sup->be.ops->event(n->bn, &msg)) == 0) {
		say("node %s: %s", n->pn->name, msg);
		set_why(n, msg);
		msg = NULL;
	}
	if (rc == -EPIPE) {
		loop_unwatch(n->event_w);
		n->event_w = NULL;
	}
}

/* --- readiness --------------------------------------------------------------------- */

/* Returns: whether n answers as a ready node does: JSON-RPC, and block 1
 * when blocks come by interval. */
static bool
node_answers(struct node *n)
{
	uint64_t h;
	char *cause = NULL;

	if (n->rpc_url == NULL)
		return true;
	if (rpcclient_block_number(n->sup->rpc, &h, &cause, n->rpc_url, RPC_TIMEOUT_MS) != 0) {
		free(n->last_error);
		n->last_error = cause;
		return false;
	}
	if (n->sup->spec->chain.block_time_ms > 0 && h < 1) {
		free(n->last_error);
		n->last_error = xstrdup("no block yet");
		return false;
	}
	return true;
}

static void print_banner(const struct sup *s);

/* The network is up: tell whoever waits. */
static void
network_up(struct sup *s)
{
	s->up = true;
	write_network_json(s);
	if (s->ready_fd >= 0) {
		if (write(s->ready_fd, "ok\n", 3) != 3)
			say("cannot tell the waiting 'up' that the network is ready");
		close(s->ready_fd);
		s->ready_fd = -1;
		say("network %s is up in %" PRIu64 " ms", s->plan->name,
		    loop_now_ms(s->loop) - s->up_ms);
	} else {
		print_banner(s);
		fprintf(stderr, "network %s is up in %" PRIu64 " ms; Ctrl-C stops it\n",
			s->plan->name, loop_now_ms(s->loop) - s->up_ms);
	}
}

/* The network did not come up: say why, with the node's last lines, and
 * take it down. */
static void
fail_start(struct sup *s, struct node *n, const char *why)
{
	char *tail = NULL, *msg;

	if (logcap_file_tail(&tail, n->pn->log, LOG_TAIL_LINES) != 0 || tail[0] == '\0') {
		free(tail);
		tail = xstrdup("(nothing)\n");
	}
	xasprintf(&msg, "node %s did not start: %s\nthe last lines of %s:\n%s", n->pn->name,
		  why, n->pn->log, tail);
	free(tail);
	if (s->ready_fd >= 0) {
		size_t len = strlen(msg);

		if (write(s->ready_fd, msg, len) != (ssize_t)len)
			say("cannot tell the waiting 'up' why");
		close(s->ready_fd);
		s->ready_fd = -1;
	}
	msg_error("%s", msg);
	free(msg);
	s->status = 1;
	s->down = true;
	for (size_t i = 0; i < s->nnodes; i++)
		node_stop(&s->nodes[i], false);
	check_down(s);
}

static void
on_ready_timer(struct loop_timer *t, void *arg)
{
	struct sup *s = arg;
	bool waiting = false;

	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];

		if (n->state != NODE_STARTING)
			continue;
		if (!node_answers(n)) {
			waiting = true;
			continue;
		}
		n->state = NODE_RUNNING;
		log_info("node %s is ready", n->pn->name);
		if (s->up)
			say("node %s is ready", n->pn->name);
		node_settled(n, "node %s %s", n->pn->name, n->waiter_done);
		write_network_json(s);
	}
	if (!waiting) {
		bool all = true;

		loop_timer_stop(t);
		for (size_t i = 0; i < s->nnodes; i++)
			all &= s->nodes[i].state == NODE_RUNNING;
		/* One that ended while starting fails the start instead. */
		if (all && !s->up && !s->down)
			network_up(s);
		check_all(s);
		return;
	}
	if (!s->up && !s->down && loop_now_ms(s->loop) - s->up_ms > s->timeout_ms) {
		for (size_t i = 0; i < s->nnodes; i++) {
			struct node *n = &s->nodes[i];

			if (n->state == NODE_STARTING) {
				char *why;

				xasprintf(&why, "no answer at %s within %u ms (%s)", n->rpc_url,
					  s->timeout_ms, n->last_error);
				fail_start(s, n, why);
				free(why);
				break;
			}
		}
	}
}

/* --- the banner -------------------------------------------------------------------- */

/* Prints what anvil prints, for the whole network: its nodes and their
 * RPC URLs, then the accounts and their keys. */
static void
print_banner(const struct sup *s)
{
	const struct spec_accounts *ac = &s->spec->accounts;
	struct hdwallet_account *accts = xcalloc(ac->count + 1, sizeof(*accts));
	struct secp *secp = secp_new();
	char ether[UNITS_ETHER_MAX], key[65], *cause = NULL;

	printf("\nchainbox %s: network %s, chain id %" PRIu64 ", %s consensus\n",
	       PACKAGE_VERSION, s->plan->name, s->spec->chain.id,
	       s->spec->chain.consensus == SPEC_TBFT ? "tbft" : "solo");
	printf("state in %s\n", s->plan->state_dir);
	printf("\nNodes\n==================\n\n");
	for (size_t i = 0; i < s->nnodes; i++)
		printf("%-16s %-10s %s\n", s->nodes[i].pn->name,
		       s->nodes[i].pn->validator ? "validator" : "full",
		       s->nodes[i].rpc_url != NULL ? s->nodes[i].rpc_url : "(no RPC)");
	if (secp != NULL && ac->count > 0 &&
	    hdwallet_accounts(secp, accts, ac->count, &cause, ac->mnemonic, NULL, NULL, 0) == 0) {
		units_format_ether(ether, &ac->balance);
		printf("\nAvailable Accounts\n==================\n\n");
		for (size_t i = 0; i < ac->count; i++)
			printf("(%zu) %s (%s ETH)\n", i, accts[i].addr_hex, ether);
		printf("\nPrivate Keys\n==================\n\n");
		for (size_t i = 0; i < ac->count; i++) {
			hex_encode(key, accts[i].key, sizeof accts[i].key);
			printf("(%zu) 0x%s\n", i, key);
			hdwallet_account_release(&accts[i]);
		}
		explicit_bzero(key, sizeof key);
		printf("\nWallet\n==================\n");
		printf("Mnemonic:          %s\n", ac->mnemonic);
		printf("Derivation path:   %s/\n", HDWALLET_ETH_PATH);
	}
	printf("\n");
	fflush(stdout);
	free(cause);
	free(accts);
	secp_free(secp);
}

/* --- the control socket ------------------------------------------------------------- */

static struct node *
find_node(struct sup *s, const char *name)
{
	for (size_t i = 0; name != NULL && i < s->nnodes; i++) {
		if (strcmp(s->nodes[i].pn->name, name) == 0)
			return &s->nodes[i];
	}
	return NULL;
}

static void shutdown_network(struct sup *s);

static bool
is_running(const struct node *n)
{
	return n->bn != NULL && n->state != NODE_STOPPING;
}

/* Sends req (consumed) to node n's control socket, in its own directory.
 * Returns: 0 with *reply set (caller frees; NULL: not wanted), or -1 with
 * *cause set. */
static int
node_call(struct node *n, json_t **reply, char **cause, json_t *req)
{
	json_t *r = NULL;
	int rc;

	if (n->bn == NULL) {
		json_decref(req);
		xasprintf(cause, "node %s is not running", n->pn->name);
		return -1;
	}
	rc = control_request(&r, cause, n->pn->dir, req, NODE_CONTROL_TIMEOUT_MS);
	json_decref(req);
	if (rc == -ENOENT)
		xasprintf(cause, "node %s has no control socket", n->pn->name);
	if (rc != 0 && rc != -ENOENT) {
		char *why = *cause;

		xasprintf(cause, "node %s: %s", n->pn->name, why);
		free(why);
	}
	if (reply != NULL)
		*reply = r;
	else
		json_decref(r);
	return rc == 0 ? 0 : -1;
}

static int
node_request(struct node *n, char **cause, json_t *req)
{
	return node_call(n, NULL, cause, req);
}

/* partition GROUPS, heal, delay NODE MS JITTER, loss NODE PERCENT: faults
 * the nodes' P2P layers apply, on their control sockets.  A node named in
 * no group of a partition is cut off from every other. */
static void
handle_fault(struct client *c, const char *cmd, const json_t *req)
{
	struct sup *s = c->sup;
	const json_t *groups = json_object_get(req, "groups"), *g, *name;
	const char *nname = json_string_value(json_object_get(req, "node"));
	char *cause = NULL;
	size_t i, k;
	int rc = 0;

	if (s->spec->chain.consensus != SPEC_TBFT)
		return client_error(c, "network %s has no P2P layer to fault: its consensus is "
				    "solo", s->plan->name);
	if (strcmp(cmd, "partition") == 0) {
		int *group = xcalloc(s->nnodes + 1, sizeof(*group));

		/* Each node's group, from 1; 0 for none. */
		json_array_foreach(groups, i, g) {
			json_array_foreach(g, k, name) {
				struct node *n = find_node(s, json_string_value(name));

				if (n == NULL || group[n - s->nodes] != 0) {
					client_error(c, n == NULL ? "network %s has no node named "
						     "'%s'" : "network %s: node '%s' is in two groups",
						     s->plan->name, json_string_value(name));
					free(group);
					return;
				}
				group[n - s->nodes] = (int)i + 1;
			}
		}
		for (i = 0; i < s->nnodes && rc == 0; i++) {
			json_t *allow = json_array();

			for (k = 0; k < s->nnodes; k++) {
				if (k != i && group[i] != 0 && group[k] == group[i])
					json_array_append_new(allow,
							      json_string(s->nodes[k].pn->name));
			}
			if (s->nodes[i].bn != NULL)
				rc = node_request(&s->nodes[i], &cause,
						  json_pack("{s:s, s:o}", "cmd", "partition", "allow",
							    allow));
			else
				json_decref(allow);
		}
		free(group);
	} else if (strcmp(cmd, "heal") == 0) {
		for (i = 0; i < s->nnodes && rc == 0; i++) {
			if (s->nodes[i].bn != NULL)
				rc = node_request(&s->nodes[i], &cause,
						  json_pack("{s:s}", "cmd", "heal"));
		}
	} else {
		struct node *n = find_node(s, nname);
		json_t *fwd = json_deep_copy(req);

		if (n == NULL) {
			json_decref(fwd);
			return client_error(c, "network %s has no node named '%s'", s->plan->name,
					    nname != NULL ? nname : "");
		}
		json_object_del(fwd, "node");
		rc = node_request(n, &cause, fwd);
	}
	if (rc != 0) {
		client_error(c, "%s", cause);
		free(cause);
		return;
	}
	say("%s applied", cmd);
	client_ok(c, "%s applied", cmd);
}

/* --- snapshots: pins, and every node stopped or started at once ------------------- */

#define PIN_POLL_MS 2
#define PIN_ATTEMPTS 8
/* How long nodes behind the chosen height have to reach it, beyond a
 * block interval. */
#define PIN_TIMEOUT_MS 10000

static bool
is_tbft(const struct sup *s)
{
	return s->spec->chain.consensus == SPEC_TBFT;
}

/* Drops every pin (or the wait for one) and ends the snapshot. */
static void
pin_release(struct sup *s)
{
	struct pin_op *op = s->pin;

	if (op == NULL)
		return;
	s->pin = NULL;
	for (size_t i = 0; i < s->nnodes; i++) {
		char *cause = NULL;

		if (s->nodes[i].bn != NULL &&
		    node_request(&s->nodes[i], &cause,
				 json_pack("{s:s}", "cmd", "snapshot_release")) != 0) {
			say("cannot release node %s's snapshot pin: %s", s->nodes[i].pn->name,
			    cause);
			free(cause);
		}
		json_decref(op->pinned[i]);
	}
	loop_timer_free(op->timer);
	free(op->height);
	free(op->pinned);
	free(op->broken);
	free(op);
}

/* Fails the snapshot under way with a message, releasing its pins. */
static void PRINTFLIKE(2, 3)
pin_fail(struct sup *s, const char *fmt, ...)
{
	struct client *c = s->pin->client;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	pin_release(s);
	client_error(c, "%s", msg);
	free(msg);
}

/* Chooses the height(s) to pin at.  Returns: 0, or -1 after failing. */
static int
pin_choose(struct sup *s)
{
	struct pin_op *op = s->pin;
	uint64_t top = 0;

	for (size_t i = 0; i < s->nnodes; i++) {
		json_t *st = NULL;
		char *cause = NULL;

		if (node_call(&s->nodes[i], &st, &cause, json_pack("{s:s}", "cmd", "status")) != 0) {
			pin_fail(s, "cannot take a snapshot: %s", cause);
			free(cause);
			return -1;
		}
		op->height[i] = (uint64_t)json_integer_value(json_object_get(st, "height"));
		if (op->height[i] > top)
			top = op->height[i];
		json_decref(st);
	}
	/* tbft nodes share one chain: all pin at the highest head, which
	 * those behind reach within a block or so. */
	for (size_t i = 0; is_tbft(s) && i < s->nnodes; i++)
		op->height[i] = top;
	return 0;
}

/* Asks every node not yet pinned to pin.  Returns: 0; 1 when every node
 * is pinned; -1 after failing. */
static int
pin_poll(struct sup *s)
{
	struct pin_op *op = s->pin;
	bool all = true, past = false;

	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];
		json_t *r = NULL;
		const char *state;
		char *cause = NULL;

		if (op->pinned[i] != NULL)
			continue;
		if (node_call(n, &r, &cause, json_pack("{s:s, s:I}", "cmd", "snapshot_pin",
						       "height", (json_int_t)op->height[i])) != 0) {
			pin_fail(s, "cannot take a snapshot: %s", cause);
			free(cause);
			return -1;
		}
		state = json_string_value(json_object_get(r, "state"));
		if (state != NULL && strcmp(state, "pinned") == 0) {
			op->pinned[i] = r;
			continue;
		}
		all = false;
		past |= state != NULL && strcmp(state, "past") == 0;
		if (!past && loop_now_ms(s->loop) - op->started_ms >
				     PIN_TIMEOUT_MS + s->spec->chain.block_time_ms) {
			pin_fail(s, "cannot take a snapshot: node %s did not reach block %" PRIu64
				 " within %" PRIu64 " ms (its head is %" PRId64 ")", n->pn->name,
				 op->height[i], PIN_TIMEOUT_MS + s->spec->chain.block_time_ms,
				 (int64_t)json_integer_value(json_object_get(r, "head")));
			json_decref(r);
			return -1;
		}
		json_decref(r);
	}
	if (past) {
		/* A node committed past the height between the status and
		 * the pin: start again from the new heads. */
		for (size_t i = 0; i < s->nnodes; i++) {
			json_decref(op->pinned[i]);
			op->pinned[i] = NULL;
			if (s->nodes[i].bn != NULL) {
				char *cause = NULL;

				if (node_request(&s->nodes[i], &cause,
						 json_pack("{s:s}", "cmd", "snapshot_release")) != 0)
					free(cause);
			}
		}
		if (++op->attempts == PIN_ATTEMPTS) {
			pin_fail(s, "cannot take a snapshot: the nodes moved past the chosen height "
				 "%u times", PIN_ATTEMPTS);
			return -1;
		}
		if (pin_choose(s) != 0)
			return -1;
		return pin_poll(s);
	}
	return all ? 1 : 0;
}

/* Every node is pinned: tell the client where and what to copy. */
static void
pin_done(struct sup *s)
{
	struct pin_op *op = s->pin;
	json_t *nodes = json_array(), *r;
	char hash[67];

	for (size_t i = 0; i < s->nnodes; i++) {
		const char *h0 = json_string_value(json_object_get(op->pinned[0], "hash"));
		const char *hi = json_string_value(json_object_get(op->pinned[i], "hash"));
		char *file;

		if (is_tbft(s) && (h0 == NULL || hi == NULL || strcmp(h0, hi) != 0)) {
			json_decref(nodes);
			pin_fail(s, "cannot take a snapshot: nodes %s and %s hold different blocks at "
				 "height %" PRIu64 " (%s, %s)", s->nodes[0].pn->name,
				 s->nodes[i].pn->name, op->height[0], h0 ? h0 : "?", hi ? hi : "?");
			return;
		}
		r = json_deep_copy(op->pinned[i]);
		json_object_del(r, "ok");
		json_object_del(r, "state");
		xasprintf(&file, "%s/chain.mdb", s->nodes[i].pn->data_dir);
		json_object_set_new(r, "name", json_string(s->nodes[i].pn->name));
		json_object_set_new(r, "validator", json_boolean(s->nodes[i].pn->validator));
		json_object_set_new(r, "file", json_string(file));
		json_array_append_new(nodes, r);
		free(file);
	}
	hash[0] = '0';
	hash[1] = 'x';
	hex_encode(hash + 2, s->plan->spec_hash, 32);
	r = json_pack("{s:b, s:s, s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:o}", "ok", 1,
		      "network", s->plan->name, "consensus", is_tbft(s) ? "tbft" : "solo",
		      "chain_id", (json_int_t)s->spec->chain.id, "spec_hash", hash,
		      "genesis", s->plan->genesis, "state_dir", s->plan->state_dir,
		      "height", (json_int_t)op->height[0], "pin_ms",
		      (json_int_t)(loop_now_ms(s->loop) - op->started_ms), "nodes", nodes);
	loop_timer_stop(op->timer);
	log_info("snapshot: every node pinned at block %" PRIu64 " in %" PRIu64 " ms",
		 op->height[0], loop_now_ms(s->loop) - op->started_ms);
	/* The connection stays open, and with it the pins, until the client
	 * says it is done or goes. */
	op->client->held = true;
	client_send(op->client, r);
	free(op->client->buf);
	op->client->buf = NULL;
	op->client->len = 0;
	loop_watch_set(op->client->w, LOOP_READ);
}

static void
on_pin_timer(struct loop_timer *t, void *arg)
{
	struct sup *s = arg;
	int rc;

	(void)t;
	if (s->pin == NULL || s->pin->client->held)
		return;
	if ((rc = pin_poll(s)) == 1)
		pin_done(s);
}

/* snapshot_pin: pins every node's store at one height (see pin_op).  The
 * network must be whole: a stopped node's chain is not at the height. */
static void
handle_pin(struct client *c)
{
	struct sup *s = c->sup;
	struct pin_op *op;
	int rc;

	if (s->pin != NULL)
		return client_error(c, "a snapshot of network %s is already under way",
				    s->plan->name);
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct node *n = &s->nodes[i];

		if (n->state != NODE_RUNNING)
			return client_error(c, "node %s is %s: a snapshot needs every node running "
					    "('chainbox %s %s')", n->pn->name, state_names[n->state],
					    n->state == NODE_PAUSED ? "resume" : "start", n->pn->name);
	}
	op = xcalloc(1, sizeof(*op));
	op->client = c;
	op->height = xcalloc(s->nnodes, sizeof(*op->height));
	op->pinned = xcalloc(s->nnodes, sizeof(*op->pinned));
	op->started_ms = loop_now_ms(s->loop);
	op->timer = loop_timer_new(s->loop, on_pin_timer, s);
	s->pin = op;
	if (pin_choose(s) != 0 || (rc = pin_poll(s)) < 0)
		return;
	if (rc == 1)
		pin_done(s);
	else
		loop_timer_start(op->timer, PIN_POLL_MS, PIN_POLL_MS);
}

/* The line a held snapshot client sends when its copy is done: it learns
 * whether every pin held throughout, and the pins go. */
static void
handle_pin_done(struct client *c)
{
	struct sup *s = c->sup;
	char *broken = s->pin != NULL && s->pin->broken != NULL ? xstrdup(s->pin->broken) : NULL;

	pin_release(s);
	if (broken != NULL) {
		client_error(c, "node %s ended while the snapshot was copied: the copy may be torn",
			     broken);
		free(broken);
		return;
	}
	client_ok(c, "snapshot pins released");
}

/* Answers the stop_all or start_all under way once every node is there. */
static void
check_all(struct sup *s)
{
	struct client *c = s->all_waiter;

	if (c == NULL)
		return;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct node *n = &s->nodes[i];

		if (!s->all_start && n->bn != NULL)
			return;
		if (s->all_start && n->bn == NULL) {
			s->all_waiter = NULL;
			return client_error(c, "node %s did not start: %s", n->pn->name,
					    n->why != NULL ? n->why : "it ended");
		}
		if (s->all_start && n->state != NODE_RUNNING)
			return;
	}
	s->all_waiter = NULL;
	if (s->all_start) {
		json_t *r = network_json(s, false);

		json_object_set_new(r, "ok", json_true());
		client_reply(c, r);
	} else {
		client_ok(c, "every node of network %s is stopped", s->plan->name);
	}
}

/* stop_all, start_all: every node at once, as a restore needs. */
static void
handle_all(struct client *c, bool start)
{
	struct sup *s = c->sup;
	char *cause = NULL;

	if (s->all_waiter != NULL || s->pin != NULL)
		return client_error(c, "network %s is busy with a snapshot", s->plan->name);
	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];

		if (n->waiter != NULL)
			return client_error(c, "node %s is busy with another command", n->pn->name);
	}
	s->all_waiter = c;
	s->all_start = start;
	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];

		if (!start) {
			n->restart_after_stop = false;
			node_stop(n, false);
		} else if (n->bn == NULL) {
			loop_timer_stop(n->restart_t);
			if (node_start(n, &cause) != 0) {
				s->all_waiter = NULL;
				client_error(c, "cannot start node %s: %s", n->pn->name, cause);
				free(cause);
				return;
			}
		}
	}
	write_network_json(s);
	check_all(s);
}

/* Runs one request.  Every path replies, now or when the node settles. */
static void
handle_request(struct client *c, const json_t *req)
{
	struct sup *s = c->sup;
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	const char *name = json_string_value(json_object_get(req, "node"));
	struct node *n;
	char *cause = NULL;

	if (cmd == NULL)
		return client_error(c, "a request needs \"cmd\"");
	if (strcmp(cmd, "status") == 0) {
		json_t *r = network_json(s, true);

		json_object_set_new(r, "ok", json_true());
		return client_reply(c, r);
	}
	if (strcmp(cmd, "partition") == 0 || strcmp(cmd, "heal") == 0 ||
	    strcmp(cmd, "delay") == 0 || strcmp(cmd, "loss") == 0)
		return handle_fault(c, cmd, req);
	if (s->down && (strncmp(cmd, "snapshot", 8) == 0 || strstr(cmd, "_all") != NULL))
		return client_error(c, "network %s is stopping", s->plan->name);
	if (strcmp(cmd, "snapshot_pin") == 0)
		return handle_pin(c);
	if (strcmp(cmd, "stop_all") == 0 || strcmp(cmd, "start_all") == 0)
		return handle_all(c, strcmp(cmd, "start_all") == 0);
	if (strcmp(cmd, "down") == 0) {
		client_reply(c, json_pack("{s:b, s:I}", "ok", 1, "supervisor_pid",
					  (json_int_t)getpid()));
		say("stopping network %s ('chainbox down')", s->plan->name);
		shutdown_network(s);
		return;
	}
	if (strcmp(cmd, "stop") != 0 && strcmp(cmd, "start") != 0 &&
	    strcmp(cmd, "restart") != 0 && strcmp(cmd, "kill") != 0 &&
	    strcmp(cmd, "pause") != 0 && strcmp(cmd, "resume") != 0)
		return client_error(c, "unknown command '%s'", cmd);
	if ((n = find_node(s, name)) == NULL) {
		char *names = xstrdup("");

		for (size_t i = 0; i < s->nnodes; i++) {
			char *more;

			xasprintf(&more, "%s%s%s", names, i > 0 ? ", " : "", s->nodes[i].pn->name);
			free(names);
			names = more;
		}
		client_error(c, "network %s has no node named '%s' (its nodes: %s)",
			     s->plan->name, name != NULL ? name : "", names);
		free(names);
		return;
	}
	if (s->down)
		return client_error(c, "network %s is stopping", s->plan->name);
	if (n->waiter != NULL)
		return client_error(c, "node %s is busy with another command", n->pn->name);
	if (strcmp(cmd, "start") == 0) {
		if (n->bn != NULL)
			return client_error(c, "node %s is already running", n->pn->name);
		loop_timer_stop(n->restart_t);
		if (node_start(n, &cause) != 0) {
			client_error(c, "cannot start node %s: %s", n->pn->name, cause);
			free(cause);
			return;
		}
		n->waiter = c;
		n->waiter_done = "started";
		return;
	}
	if (!is_running(n))
		return client_error(c, "node %s is not running (%s)", n->pn->name,
				    state_names[n->state]);
	if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0) {
		bool pause = strcmp(cmd, "pause") == 0;

		if (pause == (n->state == NODE_PAUSED))
			return client_error(c, "node %s is already %s", n->pn->name,
					    pause ? "paused" : "running");
		if ((pause ? s->be.ops->pause : s->be.ops->resume)(n->bn, &cause) != 0) {
			client_error(c, "cannot %s node %s: %s", cmd, n->pn->name, cause);
			free(cause);
			return;
		}
		n->state = pause ? NODE_PAUSED : NODE_RUNNING;
		write_network_json(s);
		return client_ok(c, "node %s %s", n->pn->name, pause ? "paused" : "resumed");
	}
	n->restart_after_stop = strcmp(cmd, "restart") == 0;
	n->waiter = c;
	n->waiter_done = n->restart_after_stop ? "restarted" : strcmp(cmd, "kill") == 0
			 ? "killed" : "stopped";
	node_stop(n, strcmp(cmd, "kill") == 0);
}

static void
on_client(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct client *c = arg;
	json_error_t jerr;
	char *nl;
	json_t *req;
	ssize_t n;

	c->buf = xreallocarray(c->buf, c->len + 4096 + 1, 1);
	n = read(fd, c->buf + c->len, 4096);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		return client_free(c);
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len > CONTROL_LINE_MAX)
			client_error(c, "request too long");
		return;
	}
	loop_watch_set(c->w, 0); /* one request per connection */
	req = json_loadb(c->buf, (size_t)(nl - c->buf), 0, &jerr);
	if (c->held)
		handle_pin_done(c); /* whatever it says */
	else if (!json_is_object(req))
		client_error(c, "the request is not a JSON object: %s", jerr.text);
	else
		handle_request(c, req);
	json_decref(req);
}

static void
on_accept(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct sup *s = arg;
	struct client *c;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	c = xcalloc(1, sizeof(*c));
	c->sup = s;
	c->fd = cfd;
	c->next = s->clients;
	s->clients = c;
	c->w = loop_watch(s->loop, cfd, LOOP_READ, on_client, c);
}

/* --- stopping ------------------------------------------------------------------------ */

/* Stops the loop once every node has ended and every log is written. */
static void
check_down(struct sup *s)
{
	if (!s->down)
		return;
	for (size_t i = 0; i < s->nnodes; i++) {
		if (s->nodes[i].bn != NULL)
			return;
	}
	loop_stop(s->loop);
}

static void
shutdown_network(struct sup *s)
{
	s->down = true;
	loop_timer_stop(s->ready_t);
	for (size_t i = 0; i < s->nnodes; i++)
		node_stop(&s->nodes[i], false);
	write_network_json(s);
	check_down(s);
}

static void
on_signal(struct loop_watch *w, int fd, unsigned revents, void *arg)
{
	struct sup *s = arg;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof si) != sizeof si)
		return;
	if (s->down) {
		say("caught %s again: killing every node", strsignal((int)si.ssi_signo));
		for (size_t i = 0; i < s->nnodes; i++)
			node_stop(&s->nodes[i], true);
		return;
	}
	say("caught %s: stopping network %s", strsignal((int)si.ssi_signo), s->plan->name);
	shutdown_network(s);
}

static void
on_log_event(struct logcap *cap, unsigned id, enum logcap_event ev, int err, void *arg)
{
	struct sup *s = arg;

	if (ev == LOGCAP_WRITE_ERROR) {
		say("cannot write a node's log: %s; its output is dropped until it can",
		    strerror(-err));
		return;
	}
	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];

		if (!n->log_open || n->log_id != id)
			continue;
		n->log_open = false;
		if (n->failed_start != NULL) {
			char *why = n->failed_start;

			n->failed_start = NULL;
			fail_start(s, n, why);
			free(why);
		}
	}
	if (logcap_forget(cap, id) != 0)
		log_debug("log stream %u ended", id);
}

/* --- running the network --------------------------------------------------------------- */

/* Runs the network in this process until it is down.  Returns: the exit
 * status. */
static int
supervise(struct sup *s)
{
	struct logcap_config lc = { s->spec->logs.max_size, (unsigned)s->spec->logs.keep };
	sigset_t mask;
	char *cause = NULL;
	int rc;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (s->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		msg_error("cannot catch signals: %s", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	s->loop = loop_new(LOOP_AUTO, &cause);
	s->rpc = rpcclient_new();
	if (s->loop == NULL || s->rpc == NULL) {
		msg_error("cannot start the supervisor: %s",
			  cause != NULL ? cause : "libcurl has no handle");
		free(cause);
		return 1;
	}
	if (backend_local_new(&s->be, &cause, s->spec->sandbox.seccomp) != 0) {
		msg_error("cannot prepare the sandbox: %s", cause);
		free(cause);
		return 1;
	}
	s->ctl_fd = control_listen(&cause, s->plan->state_dir);
	if (s->ctl_fd < 0) {
		msg_error("%s", cause);
		free(cause);
		return 1;
	}
	s->cap = logcap_new(s->loop, &lc, on_log_event, s);
	s->ctl_w = loop_watch(s->loop, s->ctl_fd, LOOP_READ, on_accept, s);
	s->sig_w = loop_watch(s->loop, s->sig_fd, LOOP_READ, on_signal, s);
	s->ready_t = loop_timer_new(s->loop, on_ready_timer, s);
	s->up_ms = loop_now_ms(s->loop);
	for (size_t i = 0; i < s->nnodes; i++) {
		struct node *n = &s->nodes[i];

		n->kill_t = loop_timer_new(s->loop, on_kill_timer, n);
		n->restart_t = loop_timer_new(s->loop, on_restart_timer, n);
	}
	log_info("io path: %s", loop_describe(s->loop));
	for (size_t i = 0; i < s->nnodes && !s->down; i++) {
		if (node_start(&s->nodes[i], &cause) != 0) {
			fail_start(s, &s->nodes[i], cause);
			free(cause);
			cause = NULL;
		}
	}
	rc = loop_run(s->loop);
	if (rc != 0)
		msg_error("the supervisor's loop failed: %s", strerror(-rc));
	/* Every node has ended: finish the logs, and leave no socket behind. */
	logcap_free(s->cap);
	for (struct client *c = s->clients, *next; c != NULL; c = next) {
		next = c->next;
		client_free(c);
	}
	for (size_t i = 0; i < s->nnodes; i++) {
		loop_timer_free(s->nodes[i].kill_t);
		loop_timer_free(s->nodes[i].restart_t);
	}
	loop_timer_free(s->ready_t);
	loop_unwatch(s->ctl_w);
	loop_unwatch(s->sig_w);
	close(s->ctl_fd);
	close(s->sig_fd);
	{
		char *sock;

		xasprintf(&sock, "%s/%s", s->plan->state_dir, CONTROL_SOCKET);
		unlink(sock);
		free(sock);
	}
	write_network_json(s);
	s->be.ops->free(s->be.be);
	rpcclient_free(s->rpc);
	loop_free(s->loop);
	return rc != 0 ? 1 : s->status;
}

/* --- up ---------------------------------------------------------------------------------- */

/* Returns: the chainbox-node to launch: $CHAINBOX_NODE, else the one beside
 * this program (caller frees), or NULL after saying why. */
static char *
find_node_binary(void)
{
	const char *env = getenv("CHAINBOX_NODE");
	char self[4096], *path, *dir;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		path = realpath(env, NULL);
		if (path == NULL)
			msg_error("CHAINBOX_NODE=%s: %s", env, strerror(errno));
		return path;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0) {
		msg_error("cannot find this program's path: %s", strerror(errno));
		return NULL;
	}
	self[n] = '\0';
	dir = dirname(self);
	xasprintf(&path, "%s/chainbox-node", dir);
	if (access(path, X_OK) != 0) {
		msg_error("cannot find chainbox-node beside chainbox (%s): %s; set CHAINBOX_NODE",
			  path, strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

/* Returns: whether pid runs the program named like exe. */
static bool
pid_runs(pid_t pid, const char *exe)
{
	char path[64], cmd[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, cmd, sizeof cmd - 1);
	close(fd);
	if (n <= 0)
		return false;
	cmd[n] = '\0';
	return strstr(cmd, exe) != NULL;
}

/* Takes the state dir's lock, and cleans up what a dead supervisor left.
 * Returns: the lock's fd, or -1 after saying why. */
static int
take_state_dir(const char *state_dir, const char *name)
{
	char *lock, *netjson;
	json_t *j, *node;
	size_t i;
	int fd, killed = 0;

	xasprintf(&lock, "%s/supervisor.lock", state_dir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		msg_error("cannot open %s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	free(lock);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		msg_error("network %s is already running in %s; stop it first with "
			  "'chainbox down --name %s', or use another --name", name, state_dir,
			  name);
		close(fd);
		return -1;
	}
	xasprintf(&netjson, "%s/network.json", state_dir);
	j = json_load_file(netjson, 0, NULL);
	if (j != NULL) {
		json_int_t spid = json_integer_value(
			json_object_get(json_object_get(j, "network"), "supervisor_pid"));
		bool dirty = false;

		json_array_foreach(json_object_get(j, "nodes"), i, node) {
			json_int_t pid = json_integer_value(json_object_get(node, "pid"));

			if (pid <= 0)
				continue;
			dirty = true;
			/* A pid is reused: kill only what still runs a sandbox
			 * of chainbox-node. */
			if (pid_runs((pid_t)pid, "chainbox-node") && kill((pid_t)pid, SIGKILL) == 0)
				killed++;
		}
		if (dirty)
			msg_warn("cleaned up the stale state of network %s: its supervisor (pid "
				 "%lld) is gone%s", name, (long long)spid,
				 killed > 0 ? ", and its left-over nodes are killed" : "");
		json_decref(j);
	}
	unlink(netjson);
	free(netjson);
	return fd;
}

/* -d: forks the supervisor into the background and waits until it says
 * the network is up or why it is not.  Returns: in the parent, the exit
 * status; in the child, -1 (go on supervising) with *ready_fd set. */
static int
detach(const char *state_dir, int *ready_fd)
{
	int p[2], out;
	char buf[65536], *log;
	size_t len = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		msg_error("cannot make a pipe: %s", strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		msg_error("cannot fork the supervisor: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(p[0]);
		xasprintf(&log, "%s/supervisor.log", state_dir);
		out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		free(log);
		if (out < 0 || setsid() < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(1);
		close(out);
		out = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (out >= 0 && out != 0) {
			dup2(out, 0);
			close(out);
		}
		*ready_fd = p[1];
		return -1;
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf + len, sizeof buf - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof buf - 1)
			break;
	}
	close(p[0]);
	buf[len] = '\0';
	if (len == 0) {
		msg_error("the supervisor ended before the network was up; see %s/supervisor.log",
			  state_dir);
		return 1;
	}
	if (strcmp(buf, "ok\n") != 0) {
		fprintf(stderr, "%s", buf);
		return 1;
	}
	return 0;
}

int
supervisor_up(const struct up_options *o)
{
	struct spec spec;
	struct plan plan;
	struct sup s;
	struct diag d;
	char *state_dir = NULL, *cause = NULL;
	int status = 1, lock_fd = -1, ready_fd = -1, rc;

	diag_init(&d);
	rc = spec_load(&spec, &d, o->ref);
	diag_print(&d);
	diag_release(&d);
	if (rc != 0)
		return 1;
	memset(&plan, 0, sizeof(plan));
	memset(&s, 0, sizeof(s));
	if (spec.sandbox.network == SPEC_NET_NETNS) {
		/* Each node alone in a namespace reaches neither its peers nor
		 * the host; the veth plumbing that would join them is not
		 * built. */
		msg_error("%s: sandbox.network: netns is not supported yet (nodes in their own "
			  "network namespaces could not reach each other); use loopback", o->ref);
		goto out;
	}
	if (spec.sandbox.filesystem == SPEC_FS_SHARED) {
		msg_error("%s: sandbox.filesystem: shared is not supported yet: every node gets "
			  "a private root; use private", o->ref);
		goto out;
	}
	if (o->name != NULL) {
		free(spec.name);
		spec.name = xstrdup(o->name);
	}
	if (netcmd_state_dir(&state_dir, spec.name, o->state_dir) != 0)
		goto out;
	if (mkdir(NETCMD_HOME, 0755) != 0 && errno != EEXIST && o->state_dir == NULL) {
		msg_error("cannot create ./%s: %s", NETCMD_HOME, strerror(errno));
		goto out;
	}
	if (mkdir(state_dir, 0755) != 0 && errno != EEXIST) {
		msg_error("cannot create %s: %s", state_dir, strerror(errno));
		goto out;
	}
	if ((lock_fd = take_state_dir(state_dir, spec.name)) < 0)
		goto out;
	if ((s.node_bin = find_node_binary()) == NULL)
		goto out;
	if (plan_make(&plan, &cause, &spec, state_dir, o->any_port) != 0) {
		msg_error("%s", cause);
		goto out;
	}
	if (plan.reused)
		log_info("network %s keeps its chain in %s", plan.name, plan.state_dir);
	if (o->detach && (status = detach(plan.state_dir, &ready_fd)) != -1) {
		if (status == 0) {
			/* The parent prints the banner, as the foreground does. */
			s.spec = &spec;
			s.plan = &plan;
			s.nnodes = plan.nnodes;
			s.nodes = xcalloc(plan.nnodes + 1, sizeof(*s.nodes));
			for (size_t i = 0; i < plan.nnodes; i++) {
				s.nodes[i].pn = &plan.nodes[i];
				if (plan.nodes[i].rpc)
					xasprintf(&s.nodes[i].rpc_url, "http://127.0.0.1:%u",
						  plan.nodes[i].rpc_port);
			}
			print_banner(&s);
			fprintf(stderr, "network %s is up; 'chainbox down --name %s' stops it\n",
				plan.name, plan.name);
		}
		goto out;
	}
	s.spec = &spec;
	s.plan = &plan;
	s.ready_fd = ready_fd;
	{
		uint8_t h[32];
		char hx[17];

		keccak256(h, plan.state_dir, strlen(plan.state_dir));
		hex_encode(hx, h, 8);
		snprintf(s.cgroup_name, sizeof s.cgroup_name, "%.60s-%s", plan.name, hx);
		for (char *c = s.cgroup_name; *c != '\0'; c++) {
			if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-')
				*c = '_';
		}
	}
	s.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : SUPERVISOR_READY_TIMEOUT_MS;
	s.ctl_fd = s.sig_fd = -1;
	s.nnodes = plan.nnodes;
	s.nodes = xcalloc(plan.nnodes + 1, sizeof(*s.nodes));
	for (size_t i = 0; i < plan.nnodes; i++) {
		struct node *n = &s.nodes[i];

		n->sup = &s;
		n->pn = &plan.nodes[i];
		n->group = &spec.groups[plan.nodes[i].group];
		if (n->pn->rpc)
			xasprintf(&n->rpc_url, "http://127.0.0.1:%u", n->pn->rpc_port);
	}
	if (!o->detach)
		fprintf(stderr, "starting network %s: %zu node%s in %s\n", plan.name, plan.nnodes,
			plan.nnodes == 1 ? "" : "s", plan.state_dir);
	status = supervise(&s);
	if (!o->detach || status != 0)
		fprintf(stderr, "network %s is down\n", plan.name);
out:
	for (size_t i = 0; s.nodes != NULL && i < s.nnodes; i++) {
		free(s.nodes[i].why);
		free(s.nodes[i].rpc_url);
		free(s.nodes[i].last_error);
		free(s.nodes[i].failed_start);
	}
	free(s.nodes);
	free(s.node_bin);
	if (ready_fd >= 0)
		close(ready_fd);
	if (lock_fd >= 0)
		close(lock_fd);
	plan_release(&plan);
	spec_release(&spec);
	free(state_dir);
	free(cause);
	return status;
}
