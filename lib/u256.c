/* 256-bit unsigned arithmetic (see u256.h). */
#include <errno.h>
#include <string.h>

#include "hex.h"
#include "u256.h"

int
u256_cmp(const struct u256 *a, const struct u256 *b)
{
	for (int i = 3; i >= 0; i--) {
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	}
	return 0;
}

bool
u256_add(struct u256 *r, const struct u256 *a, const struct u256 *b)
{
	unsigned __int128 carry = 0;

	for (int i = 0; i < 4; i++) {
		carry += (unsigned __int128)a->w[i] + b->w[i];
		r->w[i] = (uint64_t)carry;
		carry >>= 64;
	}
	return carry != 0;
}

bool
u256_mul_u64(struct u256 *r, const struct u256 *a, uint64_t m)
{
	unsigned __int128 carry = 0;

	for (int i = 0; i < 4; i++) {
		carry += (unsigned __int128)a->w[i] * m;
		r->w[i] = (uint64_t)carry;
		carry >>= 64;
	}
	return carry != 0;
}

void
u256_from_be(struct u256 *r, const uint8_t *in, size_t len)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < len; i++) {
		size_t bit = 8 * (len - 1 - i);

		r->w[bit / 64] |= (uint64_t)in[i] << (bit % 64);
	}
}

void
u256_to_be(uint8_t out[32], const struct u256 *a)
{
	for (int i = 0; i < 32; i++)
		out[31 - i] = (uint8_t)(a->w[i / 8] >> (8 * (i % 8)));
}

int
u256_parse(struct u256 *r, const char *s, size_t len)
{
	struct u256 v = u256_from_u64(0), d;
	unsigned base = 10;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int digit = hex_digit(s[i]);

		if (digit < 0 || (unsigned)digit >= base)
			return -EINVAL;
		d = u256_from_u64((uint64_t)digit);
		if (u256_mul_u64(&v, &v, base) || u256_add(&v, &v, &d))
			return -ERANGE;
	}
	*r = v;
	return 0;
}

/* Divides a by 10 in place.  Returns: the remainder. */
static unsigned
u256_div10(struct u256 *a)
{
	unsigned __int128 rem = 0;

	for (int i = 3; i >= 0; i--) {
		unsigned __int128 cur = rem << 64 | a->w[i];

		a->w[i] = (uint64_t)(cur / 10);
		rem = cur % 10;
	}
	return (unsigned)rem;
}

void
u256_to_dec(char buf[U256_DEC_MAX], const struct u256 *a)
{
	struct u256 v = *a;
	char tmp[U256_DEC_MAX];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + u256_div10(&v));
	while (!u256_is_zero(&v));
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

void
u256_to_hex(char buf[U256_HEX_MAX], const struct u256 *a)
{
	uint8_t be[32];
	char digits[65];
	const char *p;

	u256_to_be(be, a);
	hex_encode(digits, be, sizeof(be));
	p = digits;
	while (*p == '0' && p[1] != '\0')
		p++;
	buf[0] = '0';
	buf[1] = 'x';
	strcpy(buf + 2, p);
}
