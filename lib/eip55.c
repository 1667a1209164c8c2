/* EIP-55 checksummed addresses (see eip55.h). */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>

#include "eip55.h"
#include "hex.h"
#include "keccak.h"

void
eip55_format(char out[EIP55_LEN + 1], const uint8_t addr[20])
{
	char lower[41];
	uint8_t hash[32];

	hex_encode(lower, addr, 20);
	keccak256(hash, lower, 40);
	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < 40; i++) {
		unsigned nibble = (hash[i / 2] >> (i % 2 ? 0 : 4)) & 15;
		char c = lower[i];

		out[2 + i] = nibble >= 8 ? (char)toupper((unsigned char)c) : c;
	}
	out[EIP55_LEN] = '\0';
}

int
eip55_parse(uint8_t addr[20], const char *s)
{
	char expect[EIP55_LEN + 1];
	bool upper = false, lower = false;
	size_t len = 20;

	if (strlen(s) != EIP55_LEN || s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	if (hex_decode(addr, &len, s + 2, 40) != 0)
		return -EINVAL;
	for (int i = 2; i < EIP55_LEN; i++) {
		upper |= isupper((unsigned char)s[i]) != 0;
		lower |= islower((unsigned char)s[i]) != 0;
	}
	if (!(upper && lower))
		return 0;
	eip55_format(expect, addr);
	return strcmp(expect, s) == 0 ? 0 : -EBADMSG;
}
