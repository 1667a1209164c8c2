/* Hexadecimal encoding (see hex.h). */
#include <errno.h>

#include "hex.h"

int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int
hex_decode(uint8_t *out, size_t *len, const char *s, size_t slen)
{
	size_t n;

	if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		slen -= 2;
	}
	if (slen % 2 != 0)
		return -EINVAL;
	n = slen / 2;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i >= *len)
			return -ENOSPC;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n;
	return 0;
}
