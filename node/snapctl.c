/* The node's side of a network snapshot (see snapctl.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonhex.h"
#include "log.h"
#include "snapctl.h"
#include "xalloc.h"

enum pin_state { PIN_NONE, PIN_WAITING, PIN_HELD, PIN_FAILED };

struct snapctl {
	struct chain *chain;
	void (*engine_status)(void *arg, json_t *reply);
	void *engine_arg;
	enum pin_state state;
	uint64_t height; /* the height asked for */
	struct store_pin pin; /* PIN_HELD */
	uint8_t hash[32], state_root[32]; /* the pinned head's */
	char *error; /* PIN_FAILED: why */
};

static uint64_t
head(const struct snapctl *s)
{
	return chain_head(s->chain)->header.number;
}

static void
release(struct snapctl *s)
{
	if (s->state == PIN_HELD)
		chain_unpin(s->chain);
	free(s->error);
	s->error = NULL;
	s->state = PIN_NONE;
	chain_set_stored_hook(s->chain, NULL, NULL);
}

/* Pins at the head, which is s->height. */
static void
pin_now(struct snapctl *s)
{
	const struct chain_block *b = chain_head(s->chain);
	int rc = chain_pin(s->chain, &s->error, &s->pin);

	chain_set_stored_hook(s->chain, NULL, NULL);
	if (rc != 0) {
		s->state = PIN_FAILED;
		log_warn("cannot pin the store at block %llu: %s",
			 (unsigned long long)s->height, s->error);
		return;
	}
	memcpy(s->hash, b->hash, 32);
	memcpy(s->state_root, b->header.state_root, 32);
	s->state = PIN_HELD;
	log_info("store pinned at block %llu for a snapshot", (unsigned long long)s->height);
}

static void
on_stored(void *arg, uint64_t h)
{
	struct snapctl *s = arg;

	if (h == s->height)
		pin_now(s);
	else if (h > s->height)
		chain_set_stored_hook(s->chain, NULL, NULL); /* past: the reply says so */
}

static int
cmd_pin(void *arg, json_t *reply, char **cause, const json_t *req)
{
	struct snapctl *s = arg;
	const json_t *hv = json_object_get(req, "height");
	uint64_t h;

	if (!json_is_integer(hv) || json_integer_value(hv) < 0) {
		xasprintf(cause, "snapshot_pin needs \"height\", a block number");
		return -1;
	}
	h = (uint64_t)json_integer_value(hv);
	if (s->state != PIN_NONE && s->height != h)
		release(s);
	if (s->state == PIN_NONE) {
		s->height = h;
		if (head(s) == h) {
			pin_now(s);
		} else if (head(s) < h) {
			s->state = PIN_WAITING;
			chain_set_stored_hook(s->chain, on_stored, s);
		}
	}
	if (s->state == PIN_FAILED) {
		xasprintf(cause, "cannot pin the store at block %llu: %s",
			  (unsigned long long)h, s->error);
		release(s);
		return -1;
	}
	if (s->state != PIN_HELD) {
		bool past = head(s) > h;

		if (past)
			release(s);
		json_object_set_new(reply, "state", json_string(past ? "past" : "pending"));
		json_object_set_new(reply, "head", json_integer((json_int_t)head(s)));
		return 0;
	}
	json_object_set_new(reply, "state", json_string("pinned"));
	json_object_set_new(reply, "height", json_integer((json_int_t)s->height));
	json_object_set_new(reply, "hash", jsonhex_bytes(s->hash, 32));
	json_object_set_new(reply, "state_root", jsonhex_bytes(s->state_root, 32));
	json_object_set_new(reply, "size", json_integer((json_int_t)s->pin.size));
	json_object_set_new(reply, "page_size", json_integer((json_int_t)s->pin.page_size));
	json_object_set_new(reply, "meta0", jsonhex_bytes(s->pin.meta[0], s->pin.page_size));
	json_object_set_new(reply, "meta1", jsonhex_bytes(s->pin.meta[1], s->pin.page_size));
	return 0;
}

static int
cmd_release(void *arg, json_t *reply, char **cause, const json_t *req)
{
	struct snapctl *s = arg;

	(void)reply;
	(void)cause;
	(void)req;
	if (s->state == PIN_HELD)
		log_info("store unpinned after the snapshot of block %llu",
			 (unsigned long long)s->height);
	release(s);
	return 0;
}

const struct nodectl_command snapctl_commands[] = {
	{ "snapshot_pin", cmd_pin },
	{ "snapshot_release", cmd_release },
};
const size_t snapctl_ncommands = sizeof(snapctl_commands) / sizeof(snapctl_commands[0]);

void
snapctl_status(void *arg, json_t *reply)
{
	struct snapctl *s = arg;

	json_object_set_new(reply, "height", json_integer((json_int_t)head(s)));
	if (s->engine_status != NULL)
		s->engine_status(s->engine_arg, reply);
}

struct snapctl *
snapctl_new(struct chain *chain, void (*engine_status)(void *arg, json_t *reply),
	    void *engine_arg)
{
	struct snapctl *s = xcalloc(1, sizeof(*s));

	s->chain = chain;
	s->engine_status = engine_status;
	s->engine_arg = engine_arg;
	return s;
}

void
snapctl_free(struct snapctl *s)
{
	if (s == NULL)
		return;
	release(s);
	free(s);
}
