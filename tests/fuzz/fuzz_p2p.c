/* libFuzzer target for the P2P layer's untrusted input: the frame parser
 * on its own, then the same bytes as a connection a stranger opened to a
 * running mesh (through a bufferevent pair, no sockets): framing limits,
 * HELLO, AUTH (signature recovery and the peer checks), ACCEPT, BYE and
 * anything out of place.  A valid signature is out of the fuzzer's reach,
 * so what comes after the handshake is covered by tests/unit/test_p2p.c. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "log.h"
#include "p2p/p2p.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct event_base *base;
static struct p2p *mesh;

static void
setup(void)
{
	static struct p2p_peer_config peer = { "peer", "127.0.0.1", 9, { 0 } };
	struct p2p_config cfg = {
		.name = "fuzz", .host = "127.0.0.1", .port = 0, .peers = &peer, .npeers = 1,
		.chain_id = 31337,
	};
	char *cause = NULL;

	log_init("fuzz_p2p");
	log_set_level(LOG_ERROR);
	keccak256(cfg.node_key, "fuzz key", 8);
	/* The peer has the lower address, so the mesh never dials it. */
	memset(peer.address, 0, 20);
	base = event_base_new();
	mesh = base != NULL ? p2p_new(base, &cfg, NULL, &cause) : NULL;
	if (mesh == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bufferevent *pair[2];
	struct p2p_frame f;
	size_t off = 0;

	if (mesh == NULL)
		setup();
	/* The parser alone, frame after frame, at the largest limit. */
	while (off < size && p2p_frame_parse(&f, data + off, size - off, P2P_MAX_FRAME) == 0) {
		if (f.size == 0 || f.size > size - off || f.payload + f.len != data + off + f.size)
			abort();
		off += f.size;
	}
	/* The whole machine, as one connection. */
	if (bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, pair) != 0)
		abort();
	p2p_adopt(mesh, pair[0]);
	bufferevent_enable(pair[1], EV_READ | EV_WRITE);
	bufferevent_write(pair[1], data, size);
	for (int i = 0; i < 8; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	/* The stranger hangs up, and the connection must go. */
	bufferevent_flush(pair[1], EV_WRITE, BEV_FINISHED);
	bufferevent_free(pair[1]);
	for (int i = 0; i < 8; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	return 0;
}
