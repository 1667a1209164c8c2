/* Ethereum addresses as text: "0x" and 40 hex digits, with the EIP-55
 * mixed-case checksum. */
#ifndef CHAINBOX_EIP55_H
#define CHAINBOX_EIP55_H

#include <stdint.h>

#include "compat.h"

#define EIP55_LEN 42 /* "0x" + 40 digits, without the NUL */

/* Out: out, the checksummed form and a NUL. */
void eip55_format(char out[EIP55_LEN + 1], const uint8_t addr[20]);
/* Parses an address.  All-lowercase and all-uppercase digits carry no
 * checksum and are accepted; mixed case must match EIP-55.
 * Returns: 0; -EINVAL when s is not "0x" and 40 hex digits; -EBADMSG when
 * the mixed case does not match the checksum.  Out: addr. */
int eip55_parse(uint8_t addr[20], const char *s) WARN_UNUSED;

#endif
