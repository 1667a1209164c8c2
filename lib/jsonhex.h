/* Ethereum's hex in JSON, as JSON-RPC and geth's files write it: QUANTITY
 * as 0x-hex without leading zeros ("0x0" for zero), DATA as 0x and two
 * lowercase digits a byte. */
#ifndef CHAINBOX_JSONHEX_H
#define CHAINBOX_JSONHEX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "u256.h"

/* Returns: a new JSON string (NULL when jansson is out of memory). */
json_t *jsonhex_u64(uint64_t v);
json_t *jsonhex_u256(const struct u256 *v);
json_t *jsonhex_bytes(const uint8_t *p, size_t len);

#endif
