/* The TCP mesh between nodes (see p2p.h for the protocol). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
#include "keccak.h"
#include "log.h"
#include "p2p/p2p.h"
#include "secp.h"
#include "u256.h"
#include "xalloc.h"

#define P2P_VERSION 1
#define P2P_TAG "chainbox p2p v1"
/* Connections that have not finished their handshake, at most. */
#define P2P_MAX_PENDING 64
/* How long a refused connection may take to deliver its BYE. */
#define P2P_LINGER_MS 1000
/* Bytes read from a socket per callback, at most. */
#define P2P_READ_CHUNK (1u << 20)

/* A frame held by the delay filter, header included. */
struct qframe {
	struct qframe *next;
	uint64_t due_us;
	size_t size;
	uint8_t data[];
};

enum conn_state {
	CONN_CONNECTING, /* outbound, connect() under way */
	CONN_HELLO, /* HELLO sent, waiting for the other's */
	CONN_AUTH, /* AUTH sent, waiting for the other's */
	CONN_ACCEPT, /* the other's AUTH checked and ACCEPT sent, waiting for its */
	CONN_UP, /* authenticated */
	CONN_CLOSING, /* refused: flushing a BYE, then freed */
};

struct conn {
	struct p2p *p;
	struct conn *prev, *next; /* in p->conns */
	struct bufferevent *bev;
	struct event *timer; /* handshake timeout, then pings, then linger */
	enum conn_state state;
	long peer; /* the peer dialed, or authenticated; -1: not known yet */
	bool outbound;
	bool dead; /* closed; freed once no callback holds it */
	bool doomed; /* to be closed by the reaper, with doom_reason */
	int holds; /* callbacks under way on this connection */
	char *doom_reason;
	enum log_level doom_level;
	uint8_t nonce[32]; /* ours */
	uint8_t their_nonce[32];
	uint64_t their_chain_id;
	uint8_t their_genesis[32];
	uint64_t last_in_us;
	char where[64]; /* HOST:PORT of the other end, for messages */
};

struct peer {
	struct p2p *p;
	char *name;
	char *host;
	uint16_t port;
	uint8_t address[20];
	struct sockaddr_storage sa;
	socklen_t salen;
	bool dials; /* this node dials it (its address is higher) */
	bool allowed; /* by the partition */
	struct conn *conn; /* the authenticated connection, or NULL */
	struct conn *dialing; /* an outbound connection not yet up, or NULL */
	struct event *redial;
	uint32_t backoff_ms;
	char *error; /* why the last handshake was refused */
	struct qframe *qhead, *qtail; /* held by the delay filter */
	size_t qbytes;
	uint64_t qlast_due_us;
	struct event *qtimer;
	struct p2p_peer_stats st;
};

struct p2p {
	struct event_base *base;
	struct secp *secp;
	char *name;
	uint8_t key[32];
	uint8_t address[20];
	uint64_t chain_id;
	uint8_t genesis[32];
	size_t max_output;
	uint32_t idle_ms;
	struct p2p_handlers h;
	struct evconnlistener *listener;
	uint16_t port;
	struct peer *peers;
	size_t npeers;
	struct conn *conns;
	size_t npending;
	struct event *reaper; /* closes doomed connections from the loop */
	char *last_stranger; /* the last refusal of an unknown key, logged once */
	bool partitioned;
	uint32_t delay_ms, jitter_ms;
	double loss_percent;
	uint64_t rng;
};

static void conn_close(struct conn *c, bool bye, enum log_level level, const char *fmt, ...)
	PRINTFLIKE(4, 5);
static void dial(struct peer *pr);

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct timeval
tv_us(uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000u), (suseconds_t)(us % 1000000u) };

	return tv;
}

/* splitmix64: small, and the same sequence everywhere for one seed. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}



int
p2p_frame_parse(struct p2p_frame *f, const uint8_t *buf, size_t len, size_t max)
{
	uint32_t n;

	memset(f, 0, sizeof(*f));
	if (len < 4)
		return -EAGAIN;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if (n == 0)
		return -EBADMSG;
	if (n > max)
		return -EMSGSIZE;
	f->size = 4 + (size_t)n;
	if (len < f->size)
		return -EAGAIN;
	f->type = buf[4];
	f->len = (size_t)n - 1;
	f->payload = buf + 5;
	return 0;
}

/* The hash an AUTH signs (see p2p.h): chain_id and genesis are the
 * signer's, first_nonce the receiver's and second_nonce the signer's. */
static void
auth_hash(uint8_t out[32], uint64_t chain_id, const uint8_t genesis[32],
	  const uint8_t first_nonce[32], const uint8_t second_nonce[32])
{
	struct keccak k;
	uint8_t id[8];

	u256_store_be64(id, chain_id);
	keccak_init(&k);
	keccak_update(&k, P2P_TAG, strlen(P2P_TAG));
	keccak_update(&k, id, sizeof id);
	keccak_update(&k, genesis, 32);
	keccak_update(&k, first_nonce, 32);
	keccak_update(&k, second_nonce, 32);
	keccak_final(&k, out);
}

/* Out: hello, c's HELLO payload. */
static void
hello_payload(uint8_t hello[P2P_HELLO_LEN], const struct conn *c)
{
	hello[0] = P2P_VERSION;
	u256_store_be64(hello + 1, c->p->chain_id);
	memcpy(hello + 9, c->p->genesis, 32);
	memcpy(hello + 41, c->nonce, 32);
}

/* Out: out, "0x" and the hex of 20 bytes. */
static void
format_address(char out[43], const uint8_t addr[20])
{
	out[0] = '0';
	out[1] = 'x';
	hex_encode(out + 2, addr, 20);
}

/* Returns: the name of c's peer when known, else where c comes from. */
static const char *
conn_who(const struct conn *c)
{
	return c->peer >= 0 ? c->p->peers[c->peer].name : c->where;
}

/* Appends one frame to c's output, bypassing the fault filter. */
static void
conn_write(struct conn *c, uint8_t type, const void *payload, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t hdr[5];

	put_be32(hdr, (uint32_t)(len + 1));
	hdr[4] = type;
	evbuffer_add(out, hdr, sizeof hdr);
	if (len > 0)
		evbuffer_add(out, payload, len);
}

static void
queue_clear(struct peer *pr)
{
	struct qframe *q, *next;

	for (q = pr->qhead; q != NULL; q = next) {
		next = q->next;
		free(q);
	}
	pr->qhead = pr->qtail = NULL;
	pr->qbytes = 0;
	pr->qlast_due_us = 0;
	if (pr->qtimer != NULL)
		event_del(pr->qtimer);
}

static void
conn_destroy(struct conn *c)
{
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c->doom_reason);
	free(c);
}

/* A callback starts using c: c stays allocated until conn_release(). */
static void
conn_hold(struct conn *c)
{
	c->holds++;
}

/* Returns: whether c is still usable by the caller. */
static bool
conn_release(struct conn *c)
{
	if (--c->holds > 0 || !c->dead)
		return !c->dead;
	conn_destroy(c);
	return false;
}

static void
schedule_redial(struct peer *pr, uint32_t ms)
{
	struct timeval tv = tv_us((uint64_t)ms * 1000u);

	if (!pr->dials || !pr->allowed || pr->conn != NULL || pr->dialing != NULL)
		return;
	event_add(pr->redial, &tv);
}

/* Sets peer's error to the text of a refusal.  Returns: whether it differs
 * from the last one (so that it is worth a warning). */
static bool
set_peer_error(struct peer *pr, const char *why)
{
	bool is_new = pr->error == NULL || strcmp(pr->error, why) != 0;

	if (is_new) {
		free(pr->error);
		pr->error = xstrdup(why);
	}
	return is_new;
}

/* Marks c closed and takes it out of the list; it is freed when the last
 * hold on it goes. */
static void
conn_unlink(struct conn *c)
{
	struct p2p *p = c->p;

	if (c->dead)
		return;
	c->dead = true;
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static bool
is_pending(const struct conn *c)
{
	return c->state == CONN_CONNECTING || c->state == CONN_HELLO || c->state == CONN_AUTH ||
	       c->state == CONN_ACCEPT;
}

/* Closes c, a callback of the loop being under way: detaches it from its
 * peer (on_peer(down) when it was up, a redial with backoff when this node
 * dialed it), and frees it, or lets it linger to deliver a BYE with the
 * reason when bye is set (handshakes only: an established connection may
 * be in the middle of a frame).  The reason is logged at level. */
static void
conn_close(struct conn *c, bool bye, enum log_level level, const char *fmt, ...)
{
	struct p2p *p = c->p;
	struct peer *pr = c->peer >= 0 ? &p->peers[c->peer] : NULL;
	bool was_up = c->state == CONN_UP;
	uint32_t redial_ms = 0;
	char *why;
	va_list ap;

	if (c->dead || c->state == CONN_CLOSING)
		return;
	conn_hold(c);
	va_start(ap, fmt);
	xvasprintf(&why, fmt, ap);
	va_end(ap);
	log_at(level, "%s: %s", p->name, why);
	if (is_pending(c))
		p->npending--;
	if (pr != NULL && pr->conn == c) {
		pr->conn = NULL;
		queue_clear(pr);
	}
	if (pr != NULL && pr->dialing == c)
		pr->dialing = NULL;
	if (pr != NULL && c->outbound) {
		redial_ms = was_up ? P2P_REDIAL_MIN_MS : pr->backoff_ms;
		if (!was_up)
			pr->backoff_ms = pr->backoff_ms * 2 > P2P_REDIAL_MAX_MS
						 ? P2P_REDIAL_MAX_MS
						 : pr->backoff_ms * 2;
	}
	if (bye && is_pending(c) && c->state != CONN_CONNECTING) {
		struct timeval tv = tv_us(P2P_LINGER_MS * 1000u);

		c->state = CONN_CLOSING;
		event_add(c->timer, &tv);
		conn_write(c, P2P_TYPE_BYE, why, strnlen(why, P2P_BYE_MAX));
	} else {
		conn_unlink(c);
	}
	free(why);
	if (pr != NULL && c->outbound)
		schedule_redial(pr, redial_ms);
	if (pr != NULL && was_up && p->h.on_peer != NULL)
		p->h.on_peer(p->h.arg, (size_t)c->peer, false);
	conn_release(c);
}

/* Frees a lingering connection once its BYE is out, or its time is up. */
static void
conn_finish_linger(struct conn *c)
{
	conn_hold(c);
	conn_unlink(c);
	conn_release(c);
}

/* Marks c to be closed from the loop: a p2p_* call must not call the
 * handlers, which closing may. */
static void
conn_doom(struct conn *c, enum log_level level, const char *fmt, ...) PRINTFLIKE(3, 4);
static void
conn_doom(struct conn *c, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (c->doomed || c->dead)
		return;
	c->doomed = true;
	c->doom_level = level;
	va_start(ap, fmt);
	xvasprintf(&c->doom_reason, fmt, ap);
	va_end(ap);
	event_active(c->p->reaper, 0, 0);
}

static void
on_reaper(evutil_socket_t fd, short what, void *arg)
{
	struct p2p *p = arg;
	struct conn *c;

	/* Each close may change the list: start again after one. */
	for (;;) {
		for (c = p->conns; c != NULL; c = c->next)
			if (c->doomed && !c->dead && c->state != CONN_CLOSING)
				break;
		if (c == NULL)
			break;
		conn_close(c, false, c->doom_level, "%s", c->doom_reason);
	}
}

/* Hands one frame to c now, or holds it in the delay filter. */
static void
peer_emit(struct peer *pr, struct conn *c, uint8_t type, const uint8_t *payload, size_t len)
{
	struct p2p *p = pr->p;
	struct qframe *q;
	uint64_t due, now;
	int64_t off = 0;

	if (p->delay_ms == 0 && p->jitter_ms == 0 && pr->qhead == NULL) {
		conn_write(c, type, payload, len);
		return;
	}
	now = now_us();
	if (p->jitter_ms > 0)
		off = (int64_t)(rng_next(&p->rng) % (2 * (uint64_t)p->jitter_ms * 1000u + 1)) -
		      (int64_t)p->jitter_ms * 1000;
	due = now + (uint64_t)p->delay_ms * 1000u;
	due = off < 0 && (uint64_t)-off > due - now ? now : (uint64_t)((int64_t)due + off);
	/* Frames to one peer keep their order. */
	if (pr->qhead != NULL && due < pr->qlast_due_us)
		due = pr->qlast_due_us;
	q = xmalloc(sizeof(*q) + 5 + len);
	q->next = NULL;
	q->due_us = due;
	q->size = 5 + len;
	put_be32(q->data, (uint32_t)(len + 1));
	q->data[4] = type;
	if (len > 0)
		memcpy(q->data + 5, payload, len);
	if (pr->qtail != NULL)
		pr->qtail->next = q;
	else
		pr->qhead = q;
	pr->qtail = q;
	pr->qbytes += q->size;
	pr->qlast_due_us = due;
	if (pr->qhead == q) {
		struct timeval tv = tv_us(due - now);

		event_add(pr->qtimer, &tv);
	}
}

static void
free_qframe(const void *data, size_t len, void *arg)
{
	free(arg);
}

/* Releases the frames whose time has come to the peer's connection. */
static void
on_delay_timer(evutil_socket_t fd, short what, void *arg)
{
	struct peer *pr = arg;
	uint64_t now = now_us();
	struct qframe *q;

	while ((q = pr->qhead) != NULL && q->due_us <= now) {
		pr->qhead = q->next;
		if (pr->qhead == NULL)
			pr->qtail = NULL;
		pr->qbytes -= q->size;
		if (pr->conn != NULL && !pr->conn->doomed) {
			struct evbuffer *out = bufferevent_get_output(pr->conn->bev);

			if (evbuffer_add_reference(out, q->data, q->size, free_qframe, q) != 0)
				free(q);
		} else {
			free(q);
		}
	}
	if (q != NULL) {
		struct timeval tv = tv_us(q->due_us - now);

		event_add(pr->qtimer, &tv);
	}
}

/* Returns: the peer whose address is addr, or -1. */
static long
find_peer_by_address(const struct p2p *p, const uint8_t addr[20])
{
	for (size_t i = 0; i < p->npeers; i++)
		if (memcmp(p->peers[i].address, addr, 20) == 0)
			return (long)i;
	return -1;
}

/* Refuses a handshake: the reason is logged (at level the first time it
 * is given for this peer, or this stranger's address, then as debug), kept
 * as the peer's error, and sent in a BYE. */
static void
refuse(struct conn *c, struct peer *pr, enum log_level level, const char *why,
       const char *stranger)
{
	if (pr != NULL) {
		pr->st.refusals++;
		if (!set_peer_error(pr, why))
			level = LOG_DEBUG;
	} else {
		if (c->p->last_stranger != NULL && strcmp(c->p->last_stranger, stranger) == 0)
			level = LOG_DEBUG;
		free(c->p->last_stranger);
		c->p->last_stranger = xstrdup(stranger);
	}
	conn_close(c, true, level, "%s", why);
}

/* Reads the other end's HELLO and answers with this node's AUTH. */
static void
handle_hello(struct conn *c, const struct p2p_frame *f)
{
	struct p2p *p = c->p;
	uint8_t hash[32], sig[65];

	if (f->len != P2P_HELLO_LEN) {
		conn_close(c, true, LOG_WARN, "%s sent a hello of %zu bytes, not %u", conn_who(c),
			   f->len, P2P_HELLO_LEN);
		return;
	}
	if (f->payload[0] != P2P_VERSION) {
		conn_close(c, true, LOG_WARN, "%s speaks p2p version %u, not %u", conn_who(c),
			   f->payload[0], P2P_VERSION);
		return;
	}
	c->their_chain_id = u256_load_be64(f->payload + 1);
	memcpy(c->their_genesis, f->payload + 9, 32);
	memcpy(c->their_nonce, f->payload + 41, 32);
	auth_hash(hash, p->chain_id, p->genesis, c->their_nonce, c->nonce);
	if (secp_sign(p->secp, sig, hash, p->key) != 0)
		BUG("the node key was checked but does not sign");
	conn_write(c, P2P_TYPE_AUTH, sig, sizeof sig);
	c->state = CONN_AUTH;
}

/* Checks the other end's AUTH and, when it is a peer this node talks to,
 * makes the connection that peer's. */
static void
handle_auth(struct conn *c, const struct p2p_frame *f)
{
	struct p2p *p = c->p;
	uint8_t hash[32], pub[64], addr[20];
	char who[43], want[65], got[65], *why = NULL;
	struct peer *pr;
	long i;

	if (f->len != P2P_AUTH_LEN) {
		conn_close(c, true, LOG_WARN, "%s sent an auth of %zu bytes, not %u", conn_who(c),
			   f->len, P2P_AUTH_LEN);
		return;
	}
	auth_hash(hash, c->their_chain_id, c->their_genesis, c->nonce, c->their_nonce);
	if (secp_recover(pub, hash, f->payload) != 0) {
		conn_close(c, true, LOG_WARN, "%s sent an invalid signature", conn_who(c));
		return;
	}
	secp_address(addr, pub);
	format_address(who, addr);
	i = find_peer_by_address(p, addr);
	if (i < 0) {
		if (memcmp(addr, p->address, 20) == 0)
			xasprintf(&why, "refused a connection from %s: it is this node itself",
				  c->where);
		else
			xasprintf(&why, "refused a connection from %s: unknown node key (address %s)",
				  c->where, who);
		refuse(c, c->outbound ? &p->peers[c->peer] : NULL, LOG_WARN, why, who);
		goto out;
	}
	pr = &p->peers[i];
	if (c->outbound && i != c->peer) {
		xasprintf(&why, "the node at %s is %s, not %s", c->where, pr->name,
			  p->peers[c->peer].name);
		refuse(c, &p->peers[c->peer], LOG_WARN, why, NULL);
		goto out;
	}
	c->peer = i;
	if (c->their_chain_id != p->chain_id) {
		xasprintf(&why, "peer %s is on chain %llu, not %llu", pr->name,
			  (unsigned long long)c->their_chain_id, (unsigned long long)p->chain_id);
		refuse(c, pr, LOG_WARN, why, NULL);
		goto out;
	}
	if (memcmp(c->their_genesis, p->genesis, 32) != 0) {
		hex_encode(got, c->their_genesis, 32);
		hex_encode(want, p->genesis, 32);
		xasprintf(&why, "peer %s has genesis 0x%s, not 0x%s", pr->name, got, want);
		refuse(c, pr, LOG_WARN, why, NULL);
		goto out;
	}
	if (!pr->allowed) {
		xasprintf(&why, "peer %s is partitioned away from %s", pr->name, p->name);
		refuse(c, pr, LOG_INFO, why, NULL);
		goto out;
	}
	conn_write(c, P2P_TYPE_ACCEPT, NULL, 0);
	c->state = CONN_ACCEPT;
out:
	free(why);
}

/* The other end has accepted this node too: the connection is the peer's. */
static void
handle_accept(struct conn *c, const struct p2p_frame *f)
{
	struct p2p *p = c->p;
	struct peer *pr = &p->peers[c->peer];
	struct timeval tv = tv_us((uint64_t)p->idle_ms / 5 * 1000u);

	if (f->len != 0) {
		conn_close(c, true, LOG_WARN, "%s sent an accept of %zu bytes", conn_who(c), f->len);
		return;
	}
	/* A peer that restarted connects again before this node has seen
	 * its old connection end: the new one wins. */
	if (pr->conn != NULL)
		conn_close(pr->conn, false, LOG_INFO, "%s connected again; dropping its old connection",
			   pr->name);
	if (c->dead)
		return;
	if (pr->dialing == c)
		pr->dialing = NULL;
	p->npending--;
	c->state = CONN_UP;
	pr->conn = c;
	pr->backoff_ms = P2P_REDIAL_MIN_MS;
	pr->st.connects++;
	free(pr->error);
	pr->error = NULL;
	event_add(c->timer, &tv);
	log_info("%s: connected to %s (%s, %s)", p->name, pr->name, c->where,
		 c->outbound ? "dialed" : "accepted");
	if (p->h.on_peer != NULL)
		p->h.on_peer(p->h.arg, (size_t)c->peer, true);
}

/* Logs the reason the other end gave for closing, and closes. */
static void
handle_bye(struct conn *c, const struct p2p_frame *f)
{
	char text[P2P_BYE_MAX + 1];
	size_t n = 0;

	if (f->len > P2P_BYE_MAX) {
		conn_close(c, false, LOG_WARN, "%s sent a bye of %zu bytes", conn_who(c), f->len);
		return;
	}
	/* The text is the other end's; print it harmlessly. */
	for (size_t k = 0; k < f->len; k++)
		text[n++] = f->payload[k] >= 0x20 && f->payload[k] < 0x7f ? (char)f->payload[k] : '?';
	text[n] = '\0';
	if (c->peer >= 0 && c->state != CONN_UP) {
		struct peer *pr = &c->p->peers[c->peer];
		char *why;

		xasprintf(&why, "%s refused the connection: %s", pr->name, text);
		pr->st.refusals++;
		conn_close(c, false, set_peer_error(pr, why) ? LOG_WARN : LOG_DEBUG, "%s", why);
		free(why);
		return;
	}
	conn_close(c, false, LOG_INFO, "%s closed the connection: %s", conn_who(c), text);
}

static void
handle_frame(struct conn *c, const struct p2p_frame *f)
{
	struct p2p *p = c->p;
	struct peer *pr;

	if (f->type == P2P_TYPE_BYE) {
		handle_bye(c, f);
		return;
	}
	switch (c->state) {
	case CONN_HELLO:
		if (f->type != P2P_TYPE_HELLO) {
			conn_close(c, true, LOG_WARN, "%s sent frame type %u before its hello",
				   conn_who(c), f->type);
			return;
		}
		handle_hello(c, f);
		return;
	case CONN_AUTH:
		if (f->type != P2P_TYPE_AUTH) {
			conn_close(c, true, LOG_WARN, "%s sent frame type %u before its auth",
				   conn_who(c), f->type);
			return;
		}
		handle_auth(c, f);
		return;
	case CONN_ACCEPT:
		if (f->type != P2P_TYPE_ACCEPT) {
			conn_close(c, true, LOG_WARN, "%s sent frame type %u before accepting",
				   conn_who(c), f->type);
			return;
		}
		handle_accept(c, f);
		return;
	case CONN_UP:
		break;
	default:
		return;
	}
	if (f->type == P2P_TYPE_PING)
		return;
	if (f->type < P2P_TYPE_USER) {
		conn_close(c, false, LOG_WARN, "%s sent frame type %u out of place; closing",
			   conn_who(c), f->type);
		return;
	}
	if (c->doomed)
		return;
	pr = &p->peers[c->peer];
	pr->st.frames_in++;
	pr->st.bytes_in += f->len;
	if (p->h.on_message != NULL)
		p->h.on_message(p->h.arg, (size_t)c->peer, f->type, f->len > 0 ? f->payload : NULL,
				f->len);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t max = c->state == CONN_UP ? P2P_MAX_FRAME : P2P_HANDSHAKE_MAX_FRAME;
	struct p2p_frame f;
	uint8_t hdr[5];
	const uint8_t *data;
	size_t avail;
	int rc;

	/* A refused connection reads on only to see the other end close,
	 * so that closing it does not reset it before the BYE is read. */
	if (c->state == CONN_CLOSING) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	/* Any byte shows the other end alive, even a big frame's first. */
	c->last_in_us = now_us();
	conn_hold(c);
	while (!c->dead && !c->doomed && c->state != CONN_CLOSING) {
		max = c->state == CONN_UP ? P2P_MAX_FRAME : P2P_HANDSHAKE_MAX_FRAME;
		avail = evbuffer_get_length(in);
		if (evbuffer_copyout(in, hdr, avail < sizeof hdr ? avail : sizeof hdr) < 0)
			break;
		rc = p2p_frame_parse(&f, hdr, avail < sizeof hdr ? avail : sizeof hdr, max);
		if (rc == -EBADMSG) {
			conn_close(c, true, LOG_WARN, "%s sent a frame of length 0; closing",
				   conn_who(c));
			break;
		}
		if (rc == -EMSGSIZE) {
			conn_close(c, true, LOG_WARN,
				   "%s sent a frame of %u bytes, over the limit of %zu; closing",
				   conn_who(c),
				   (unsigned)((uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
					      (uint32_t)hdr[2] << 8 | hdr[3]),
				   max);
			break;
		}
		if (f.size == 0 || avail < f.size)
			break;
		data = evbuffer_pullup(in, (ev_ssize_t)f.size);
		if (data == NULL || p2p_frame_parse(&f, data, f.size, max) != 0)
			BUG("a whole frame does not parse");
		handle_frame(c, &f);
		if (!c->dead)
			evbuffer_drain(in, f.size);
	}
	conn_release(c);
}

/* Once a refused connection's BYE has gone out, says that nothing more
 * comes, and waits for the other end to close (or for the linger timer). */
static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	evutil_socket_t fd = bufferevent_getfd(bev);

	if (c->state != CONN_CLOSING || evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	if (fd < 0 || shutdown(fd, SHUT_WR) != 0)
		conn_finish_linger(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	int err = EVUTIL_SOCKET_ERROR();

	conn_hold(c);
	if (c->state == CONN_CLOSING) {
		if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
			conn_finish_linger(c);
	} else if (c->state == CONN_CONNECTING && (what & BEV_EVENT_CONNECTED)) {
		uint8_t hello[P2P_HELLO_LEN];

		c->state = CONN_HELLO;
		hello_payload(hello, c);
		conn_write(c, P2P_TYPE_HELLO, hello, sizeof hello);
	} else if (c->state == CONN_CONNECTING) {
		conn_close(c, false, LOG_DEBUG, "cannot reach %s at %s: %s",
			   c->p->peers[c->peer].name, c->where, evutil_socket_error_to_string(err));
	} else if (what & BEV_EVENT_EOF) {
		conn_close(c, false, c->state == CONN_UP ? LOG_INFO : LOG_WARN,
			   "%s closed the connection%s", conn_who(c),
			   c->state == CONN_UP ? "" : " during the handshake");
	} else if (what & BEV_EVENT_ERROR) {
		conn_close(c, false, LOG_INFO, "connection to %s failed: %s", conn_who(c),
			   evutil_socket_error_to_string(err));
	}
	conn_release(c);
}

/* The handshake's deadline, then the pings and the idle check, then the
 * end of a linger. */
static void
on_conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	conn_hold(c);
	switch (c->state) {
	case CONN_CONNECTING:
	case CONN_HELLO:
	case CONN_AUTH:
	case CONN_ACCEPT:
		conn_close(c, true, LOG_WARN, "%s did not finish the handshake in %d ms",
			   conn_who(c), P2P_HANDSHAKE_MS);
		break;
	case CONN_UP:
		if (now_us() - c->last_in_us > (uint64_t)c->p->idle_ms * 1000u) {
			conn_close(c, false, LOG_WARN, "%s sent nothing for %u ms; closing",
				   conn_who(c), c->p->idle_ms);
		} else {
			struct timeval tv = tv_us((uint64_t)c->p->idle_ms / 5 * 1000u);

			conn_write(c, P2P_TYPE_PING, NULL, 0);
			event_add(c->timer, &tv);
		}
		break;
	case CONN_CLOSING:
		conn_finish_linger(c);
		break;
	}
	conn_release(c);
}

/* Makes a connection on bev: peer is the peer dialed, or -1 for one
 * accepted.  Returns: it, in p->conns. */
static struct conn *
conn_new(struct p2p *p, struct bufferevent *bev, long peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	struct timeval tv = tv_us(P2P_HANDSHAKE_MS * 1000u);

	c->p = p;
	c->bev = bev;
	c->peer = peer;
	c->outbound = peer >= 0;
	c->last_in_us = now_us();
	snprintf(c->where, sizeof c->where, "an unknown address");
	if (getrandom(c->nonce, sizeof c->nonce, 0) != (ssize_t)sizeof c->nonce) {
		/* getrandom() blocks until the pool is ready and does not fail
		 * for 32 bytes; fall back to something unique anyway. */
		uint64_t t = now_us();

		keccak256(c->nonce, &t, sizeof t);
	}
	c->timer = event_new(p->base, -1, 0, on_conn_timer, c);
	if (c->timer == NULL)
		BUG("cannot create a timer");
	event_add(c->timer, &tv);
	bufferevent_setcb(bev, on_read, on_write, on_event, c);
	bufferevent_set_max_single_read(bev, P2P_READ_CHUNK);
	bufferevent_set_max_single_write(bev, P2P_READ_CHUNK);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	c->next = p->conns;
	if (p->conns != NULL)
		p->conns->prev = c;
	p->conns = c;
	return c;
}

/* Formats sa as HOST:PORT. */
static void
format_sockaddr(char *out, size_t len, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(out, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(out, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

void
p2p_adopt(struct p2p *p, struct bufferevent *bev)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	evutil_socket_t fd = bufferevent_getfd(bev);
	uint8_t hello[P2P_HELLO_LEN];
	struct conn *c;

	if (p->npending >= P2P_MAX_PENDING + p->npeers) {
		log_warn("%s: %d connections are in their handshake; refusing another", p->name,
			 P2P_MAX_PENDING);
		bufferevent_free(bev);
		return;
	}
	c = conn_new(p, bev, -1);
	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		format_sockaddr(c->where, sizeof c->where, (struct sockaddr *)&ss);
	c->state = CONN_HELLO;
	p->npending++;
	hello_payload(hello, c);
	conn_write(c, P2P_TYPE_HELLO, hello, sizeof hello);
}

static void
set_nodelay(evutil_socket_t fd)
{
	int one = 1;

	/* Consensus messages are small and want to go now. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct p2p *p = arg;
	struct bufferevent *bev;

	set_nodelay(fd);
	bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_warn("%s: cannot take a connection: out of memory", p->name);
		close(fd);
		return;
	}
	p2p_adopt(p, bev);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct p2p *p = arg;

	log_warn("%s: cannot accept a connection: %s", p->name,
		 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* Dials pr, unless it is connected, being dialed, or cut off. */
static void
dial(struct peer *pr)
{
	struct p2p *p = pr->p;
	struct bufferevent *bev = NULL;
	struct conn *c;
	int fd;

	if (!pr->dials || !pr->allowed || pr->conn != NULL || pr->dialing != NULL)
		return;
	fd = socket(pr->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("%s: cannot make a socket for %s: %s", p->name, pr->name, strerror(errno));
		goto retry;
	}
	set_nodelay(fd);
	bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		log_warn("%s: cannot dial %s: out of memory", p->name, pr->name);
		goto retry;
	}
	c = conn_new(p, bev, (long)(pr - p->peers));
	format_sockaddr(c->where, sizeof c->where, (struct sockaddr *)&pr->sa);
	c->state = CONN_CONNECTING;
	p->npending++;
	pr->dialing = c;
	/* libevent reports a connect() that fails at once through on_event,
	 * maybe before this returns: c is held until then. */
	conn_hold(c);
	(void)bufferevent_socket_connect(bev, (struct sockaddr *)&pr->sa, (int)pr->salen);
	conn_release(c);
	return;
retry:
	schedule_redial(pr, pr->backoff_ms);
	pr->backoff_ms = pr->backoff_ms * 2 > P2P_REDIAL_MAX_MS ? P2P_REDIAL_MAX_MS : pr->backoff_ms * 2;
}

static void
on_redial(evutil_socket_t fd, short what, void *arg)
{
	dial(arg);
}

/* Fills ss with host (a numeric address) and port.  Returns: 0 or -EINVAL. */
static int
make_sockaddr(struct sockaddr_storage *ss, socklen_t *len, const char *host, uint16_t port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (host != NULL && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (host != NULL && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

/* Checks cfg and copies its peers into p.  Returns: 0, or -EINVAL with
 * *cause set. */
static int
setup_peers(struct p2p *p, char **cause, const struct p2p_config *cfg)
{
	char who[43];

	p->peers = xcalloc(cfg->npeers + 1, sizeof(*p->peers));
	p->npeers = cfg->npeers;
	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct p2p_peer_config *pc = &cfg->peers[i];
		struct peer *pr = &p->peers[i];

		pr->p = p;
		pr->allowed = true;
		pr->backoff_ms = P2P_REDIAL_MIN_MS;
		pr->name = xstrdup(pc->name != NULL ? pc->name : "");
		pr->host = xstrdup(pc->host != NULL ? pc->host : "");
		pr->port = pc->port;
		memcpy(pr->address, pc->address, 20);
		format_address(who, pc->address);
		if (pr->name[0] == '\0') {
			xasprintf(cause, "peer %zu has no name", i);
			return -EINVAL;
		}
		if (make_sockaddr(&pr->sa, &pr->salen, pc->host, pc->port) != 0 || pc->port == 0) {
			xasprintf(cause, "peer %s: expected a numeric IP address and a port, got '%s' "
				  "port %u", pr->name, pr->host, pc->port);
			return -EINVAL;
		}
		if (memcmp(pr->address, p->address, 20) == 0) {
			xasprintf(cause, "peer %s has this node's own key (address %s)", pr->name,
				  who);
			return -EINVAL;
		}
		if (strcmp(pr->name, p->name) == 0) {
			xasprintf(cause, "peer %s has this node's own name", pr->name);
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(p->peers[k].name, pr->name) == 0) {
				xasprintf(cause, "two peers are called %s", pr->name);
				return -EINVAL;
			}
			if (memcmp(p->peers[k].address, pr->address, 20) == 0) {
				xasprintf(cause, "peers %s and %s have the same address %s",
					  p->peers[k].name, pr->name, who);
				return -EINVAL;
			}
		}
		/* One connection per pair: the lower address dials. */
		pr->dials = memcmp(p->address, pr->address, 20) < 0;
		pr->redial = event_new(p->base, -1, 0, on_redial, pr);
		pr->qtimer = event_new(p->base, -1, 0, on_delay_timer, pr);
		if (pr->redial == NULL || pr->qtimer == NULL)
			BUG("cannot create a timer");
	}
	return 0;
}

struct p2p *
p2p_new(struct event_base *base, const struct p2p_config *cfg, const struct p2p_handlers *handlers,
	char **cause)
{
	struct p2p *p = xcalloc(1, sizeof(*p));
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t pub[64];

	p->base = base;
	p->name = xstrdup(cfg->name != NULL ? cfg->name : "node");
	p->chain_id = cfg->chain_id;
	memcpy(p->genesis, cfg->genesis_hash, 32);
	p->max_output = cfg->max_output > 0 ? cfg->max_output : P2P_DEFAULT_MAX_OUTPUT;
	p->idle_ms = cfg->idle_ms > 0 ? cfg->idle_ms : P2P_IDLE_MS;
	p->rng = cfg->seed;
	if (handlers != NULL)
		p->h = *handlers;
	p->reaper = event_new(base, -1, 0, on_reaper, p);
	if (p->reaper == NULL)
		BUG("cannot create an event");
	p->secp = secp_new();
	if (p->secp == NULL) {
		xasprintf(cause, "cannot create a signing context: %s", strerror(errno));
		goto fail;
	}
	memcpy(p->key, cfg->node_key, 32);
	if (secp_pubkey(p->secp, pub, p->key) != 0) {
		xasprintf(cause, "the node key is not a valid secp256k1 key");
		goto fail;
	}
	secp_address(p->address, pub);
	if (setup_peers(p, cause, cfg) != 0)
		goto fail;
	if (make_sockaddr(&ss, &sl, cfg->host, cfg->port) != 0) {
		xasprintf(cause, "cannot listen on '%s': expected a numeric IP address",
			  cfg->host != NULL ? cfg->host : "");
		goto fail;
	}
	p->listener = evconnlistener_new_bind(base, on_accept, p,
					      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
						      LEV_OPT_REUSEABLE,
					      64, (struct sockaddr *)&ss, (int)sl);
	if (p->listener == NULL) {
		xasprintf(cause, "cannot listen on %s%s%s:%u: %s",
			  ss.ss_family == AF_INET6 ? "[" : "", cfg->host,
			  ss.ss_family == AF_INET6 ? "]" : "", cfg->port, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(p->listener, on_accept_error);
	sl = sizeof ss;
	if (getsockname(evconnlistener_get_fd(p->listener), (struct sockaddr *)&ss, &sl) == 0)
		p->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);
	for (size_t i = 0; i < p->npeers; i++)
		schedule_redial(&p->peers[i], 0);
	return p;
fail:
	p2p_free(p);
	return NULL;
}

void
p2p_free(struct p2p *p)
{
	struct conn *c, *next;

	if (p == NULL)
		return;
	for (c = p->conns; c != NULL; c = next) {
		next = c->next;
		conn_destroy(c);
	}
	for (size_t i = 0; i < p->npeers; i++) {
		struct peer *pr = &p->peers[i];

		queue_clear(pr);
		if (pr->redial != NULL)
			event_free(pr->redial);
		if (pr->qtimer != NULL)
			event_free(pr->qtimer);
		free(pr->name);
		free(pr->host);
		free(pr->error);
	}
	free(p->peers);
	if (p->listener != NULL)
		evconnlistener_free(p->listener);
	if (p->reaper != NULL)
		event_free(p->reaper);
	secp_free(p->secp);
	explicit_bzero(p->key, sizeof p->key);
	free(p->last_stranger);
	free(p->name);
	free(p);
}

uint16_t
p2p_port(const struct p2p *p)
{
	return p->port;
}

void
p2p_address(const struct p2p *p, uint8_t addr[20])
{
	memcpy(addr, p->address, 20);
}

/* Sends one frame to pr through the fault filter.  Returns: as p2p_send(). */
static int
peer_send(struct p2p *p, struct peer *pr, uint8_t type, const uint8_t *payload, size_t len)
{
	struct conn *c = pr->conn;
	size_t queued;

	if (!pr->allowed) {
		pr->st.dropped_partition++;
		return -ENOTCONN;
	}
	if (c == NULL || c->doomed)
		return -ENOTCONN;
	queued = evbuffer_get_length(bufferevent_get_output(c->bev)) + pr->qbytes;
	if (queued > 0 && queued + 5 + len > p->max_output) {
		pr->st.dropped_full++;
		conn_doom(c, LOG_WARN,
			  "%s is not reading: %zu bytes wait to be sent to it (%zu of them held "
			  "by the delay filter); closing",
			  pr->name, queued, pr->qbytes);
		return -ENOBUFS;
	}
	pr->st.frames_out++;
	pr->st.bytes_out += len;
	if (p->loss_percent > 0 &&
	    (double)(rng_next(&p->rng) >> 11) * 0x1.0p-53 * 100.0 < p->loss_percent) {
		pr->st.dropped_loss++;
		return 0;
	}
	peer_emit(pr, c, type, payload, len);
	return 0;
}

int
p2p_send(struct p2p *p, size_t peer, uint8_t type, const uint8_t *payload, size_t len)
{
	if (type < P2P_TYPE_USER || peer >= p->npeers || (payload == NULL && len > 0))
		return -EINVAL;
	if (len > P2P_MAX_PAYLOAD)
		return -EMSGSIZE;
	return peer_send(p, &p->peers[peer], type, payload, len);
}

int
p2p_broadcast(struct p2p *p, uint8_t type, const uint8_t *payload, size_t len)
{
	int n = 0;

	if (type < P2P_TYPE_USER || (payload == NULL && len > 0))
		return -EINVAL;
	if (len > P2P_MAX_PAYLOAD)
		return -EMSGSIZE;
	for (size_t i = 0; i < p->npeers; i++)
		if (p->peers[i].conn != NULL && peer_send(p, &p->peers[i], type, payload, len) == 0)
			n++;
	return n;
}

size_t
p2p_peers_connected(const struct p2p *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->npeers; i++)
		n += p2p_is_peer_connected(p, i);
	return n;
}

size_t
p2p_peer_count(const struct p2p *p)
{
	return p->npeers;
}

const char *
p2p_peer_name(const struct p2p *p, size_t peer)
{
	return p->peers[peer].name;
}

bool
p2p_is_peer_connected(const struct p2p *p, size_t peer)
{
	const struct conn *c = p->peers[peer].conn;

	return c != NULL && !c->doomed;
}

bool
p2p_is_peer_allowed(const struct p2p *p, size_t peer)
{
	return p->peers[peer].allowed;
}

const char *
p2p_peer_error(const struct p2p *p, size_t peer)
{
	return p->peers[peer].error;
}

void
p2p_peer_stats(const struct p2p *p, size_t peer, struct p2p_peer_stats *st)
{
	*st = p->peers[peer].st;
}

int
p2p_peer_find(const struct p2p *p, const char *name)
{
	for (size_t i = 0; i < p->npeers; i++)
		if (strcmp(p->peers[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

static size_t
n_allowed(const struct p2p *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->npeers; i++)
		n += p->peers[i].allowed;
	return n;
}

int
p2p_partition(struct p2p *p, char **cause, const char *const *allow, size_t n)
{
	bool *ok = xcalloc(p->npeers + 1, sizeof(*ok));
	int rc = 0;

	for (size_t k = 0; k < n; k++) {
		int i;

		if (strcmp(allow[k], p->name) == 0)
			continue;
		i = p2p_peer_find(p, allow[k]);
		if (i < 0) {
			xasprintf(cause, "no node is called '%s'", allow[k]);
			rc = -EINVAL;
			goto out;
		}
		ok[i] = true;
	}
	p->partitioned = true;
	for (size_t i = 0; i < p->npeers; i++) {
		struct peer *pr = &p->peers[i];
		bool was = pr->allowed;

		pr->allowed = ok[i];
		if (ok[i] && !was) {
			pr->backoff_ms = P2P_REDIAL_MIN_MS;
			schedule_redial(pr, 0);
		}
		if (ok[i])
			continue;
		event_del(pr->redial);
		queue_clear(pr);
		for (struct conn *c = p->conns; c != NULL; c = c->next)
			if (c->peer == (long)i)
				conn_doom(c, LOG_INFO, "partitioned away from %s; closing", pr->name);
	}
	log_info("%s: partitioned: talking to %zu of %zu peers", p->name, n_allowed(p),
		 p->npeers);
out:
	free(ok);
	return rc;
}

void
p2p_heal(struct p2p *p)
{
	if (p->partitioned)
		log_info("%s: partition healed", p->name);
	p->partitioned = false;
	for (size_t i = 0; i < p->npeers; i++) {
		struct peer *pr = &p->peers[i];

		if (pr->allowed)
			continue;
		pr->allowed = true;
		pr->backoff_ms = P2P_REDIAL_MIN_MS;
		free(pr->error);
		pr->error = NULL;
		schedule_redial(pr, 0);
	}
}

bool
p2p_is_partitioned(const struct p2p *p)
{
	return p->partitioned;
}

int
p2p_set_delay(struct p2p *p, uint32_t delay_ms, uint32_t jitter_ms)
{
	if (delay_ms > P2P_MAX_DELAY_MS || jitter_ms > P2P_MAX_DELAY_MS)
		return -EINVAL;
	p->delay_ms = delay_ms;
	p->jitter_ms = jitter_ms;
	return 0;
}

int
p2p_set_loss(struct p2p *p, double percent)
{
	if (!(percent >= 0 && percent <= 100))
		return -EINVAL;
	p->loss_percent = percent;
	return 0;
}

void
p2p_faults(const struct p2p *p, uint32_t *delay_ms, uint32_t *jitter_ms, double *loss_percent)
{
	*delay_ms = p->delay_ms;
	*jitter_ms = p->jitter_ms;
	*loss_percent = p->loss_percent;
}
