/* Ethereum's hex in JSON (see jsonhex.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "hex.h"
#include "jsonhex.h"
#include "xalloc.h"

json_t *
jsonhex_u64(uint64_t v)
{
	char buf[2 + 16 + 1];

	snprintf(buf, sizeof buf, "0x%" PRIx64, v);
	return json_string(buf);
}

json_t *
jsonhex_u256(const struct u256 *v)
{
	char buf[U256_HEX_MAX];

	u256_to_hex(buf, v);
	return json_string(buf);
}

json_t *
jsonhex_bytes(const uint8_t *p, size_t len)
{
	char *s = xmalloc(2 * len + 3);
	json_t *j;

	s[0] = '0';
	s[1] = 'x';
	hex_encode(s + 2, p, len);
	j = json_string(s);
	free(s);
	return j;
}
