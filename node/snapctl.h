/* The node's side of a network snapshot: commands on its control socket
 * (nodectl.h) that pin its store at one height while it goes on running.
 *
 *   {"cmd":"snapshot_pin","height":H}
 *       pins the store when the head is H (chain_pin()): at once when it
 *       is, else at the write that brings it there.  The reply says which:
 *         {"ok":true,"state":"pinned","height":H,"hash":"0x..",
 *          "state_root":"0x..","size":N,"page_size":P,"meta0":"0x..",
 *          "meta1":"0x.."}   (see store_pin(); asking again repeats it)
 *         {"ok":true,"state":"pending","head":h}    h < H: ask again
 *         {"ok":true,"state":"past","head":h}       h > H: too late
 *   {"cmd":"snapshot_release"}
 *       drops the pin, or the wait for one.
 *
 * Its status callback adds the head's number as "height", and then the
 * consensus engine's fields when the node has one. */
#ifndef CHAINBOX_SNAPCTL_H
#define CHAINBOX_SNAPCTL_H

#include <jansson.h>

#include "chain/chain.h"
#include "nodectl.h"

struct snapctl;

/* Returns: the node's snapshot state (caller frees with snapctl_free()).
 * In: chain outlives it; engine_status, when not NULL, adds its fields
 * to status replies with engine_arg. */
struct snapctl *snapctl_new(struct chain *chain, void (*engine_status)(void *arg, json_t *reply),
			    void *engine_arg);
/* Releases any pin and frees s; NULL is fine. */
void snapctl_free(struct snapctl *s);

/* For nodectl_config: its commands (with s as arg) and status. */
extern const struct nodectl_command snapctl_commands[];
extern const size_t snapctl_ncommands;
void snapctl_status(void *arg, json_t *reply);

#endif
