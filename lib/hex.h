/* Hexadecimal text to bytes and back. */
#ifndef CHAINBOX_HEX_H
#define CHAINBOX_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* Returns: the value of one hex digit (either case), or -1. */
int hex_digit(char c);
/* Writes 2 * len lowercase digits and a NUL; no "0x".
 * Out: out, at least 2 * len + 1 bytes. */
void hex_encode(char *out, const uint8_t *in, size_t len);
/* Decodes an even number of hex digits, with or without a leading "0x".
 * Returns: 0; -EINVAL for an odd count or a non-hex character; -ENOSPC when
 * the result would exceed *len bytes.
 * Out: out; *len, the number of bytes written.  In: *len, the room in out. */
int hex_decode(uint8_t *out, size_t *len, const char *s, size_t slen) WARN_UNUSED;

#endif
