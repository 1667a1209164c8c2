/* Unit parsing (see units.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

struct unit {
	const char *name;
	uint64_t scale;
};

/* A number split into its parts: digits before and after the point, and
 * the unit after optional blanks.  Pointers point into the input. */
struct number {
	const char *whole, *frac, *unit;
	size_t nwhole, nfrac;
};

static int
number_split(struct number *n, const char *s)
{
	memset(n, 0, sizeof(*n));
	n->whole = s;
	while (isdigit((unsigned char)*s))
		s++;
	n->nwhole = (size_t)(s - n->whole);
	if (*s == '.') {
		n->frac = ++s;
		while (isdigit((unsigned char)*s))
			s++;
		n->nfrac = (size_t)(s - n->frac);
		if (n->nfrac == 0)
			return -EINVAL;
	}
	if (n->nwhole == 0 && n->nfrac == 0)
		return -EINVAL;
	while (*s == ' ')
		s++;
	n->unit = s;
	return 0;
}

static const struct unit *
unit_find(const struct unit *units, const char *name)
{
	for (; units->name != NULL; units++) {
		if (strcmp(units->name, name) == 0)
			return units;
	}
	return NULL;
}

/* Computes (whole.frac) * scale in 64 bits, requiring a whole result. */
static int
number_scale_u64(uint64_t *out, const struct number *n, uint64_t scale)
{
	unsigned __int128 v = 0, den = 1;

	if (n->nfrac > 18)
		return -EINVAL;
	for (size_t i = 0; i < n->nwhole; i++) {
		v = v * 10 + (unsigned)(n->whole[i] - '0');
		if (v > UINT64_MAX)
			return -ERANGE;
	}
	for (size_t i = 0; i < n->nfrac; i++) {
		v = v * 10 + (unsigned)(n->frac[i] - '0');
		den *= 10;
	}
	if (v > UINT64_MAX * den / scale + 1)
		return -ERANGE;
	v *= scale;
	if (v % den != 0)
		return -EINVAL;
	v /= den;
	if (v > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

int
units_parse_duration(uint64_t *ms, const char *s)
{
	static const struct unit units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ NULL, 0 },
	};
	const struct unit *u;
	struct number n;
	int rc;

	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if ((rc = number_split(&n, s)) != 0)
		return rc;
	if ((u = unit_find(units, n.unit)) == NULL)
		return -EINVAL;
	return number_scale_u64(ms, &n, u->scale);
}

int
units_parse_size(uint64_t *bytes, const char *s)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 },
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 },
		{ "kB", 1000ULL }, { "KB", 1000ULL }, { "MB", 1000000ULL },
		{ "GB", 1000000000ULL }, { "TB", 1000000000000ULL },
		{ NULL, 0 },
	};
	const struct unit *u;
	struct number n;
	int rc;

	if ((rc = number_split(&n, s)) != 0)
		return rc;
	if ((u = unit_find(units, n.unit)) == NULL)
		return -EINVAL;
	return number_scale_u64(bytes, &n, u->scale);
}

int
units_parse_amount(struct u256 *wei, const char *s)
{
	/* Scales are powers of ten; the fraction shifts into the integer. */
	static const struct unit units[] = {
		{ "", 0 }, { "wei", 0 }, { "kwei", 3 }, { "mwei", 6 },
		{ "gwei", 9 }, { "szabo", 12 }, { "finney", 15 },
		{ "ether", 18 }, { "eth", 18 },
		{ NULL, 0 },
	};
	char digits[160];
	const struct unit *u;
	struct number n;
	size_t len;
	int rc;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return u256_parse(wei, s, strlen(s));
	if ((rc = number_split(&n, s)) != 0)
		return rc;
	if ((u = unit_find(units, n.unit)) == NULL)
		return -EINVAL;
	if (n.nwhole > 100)
		return -ERANGE;
	/* Digits beyond the unit's scale must all be zero. */
	for (size_t i = u->scale; i < n.nfrac; i++) {
		if (n.frac[i] != '0')
			return -EINVAL;
	}
	memcpy(digits, n.whole, n.nwhole);
	len = n.nwhole;
	for (size_t i = 0; i < u->scale; i++)
		digits[len++] = i < n.nfrac ? n.frac[i] : '0';
	return u256_parse(wei, digits, len);
}

int
units_parse_milli(uint64_t *milli, const char *s)
{
	struct number n;
	int rc;

	if ((rc = number_split(&n, s)) != 0)
		return rc;
	if (n.unit[0] != '\0')
		return -EINVAL;
	return number_scale_u64(milli, &n, 1000);
}

int
units_parse_u64(uint64_t *v, const char *s)
{
	struct u256 big;
	int rc;

	if ((rc = u256_parse(&big, s, strlen(s))) != 0)
		return rc;
	if (!u256_fits_u64(&big))
		return -ERANGE;
	*v = big.w[0];
	return 0;
}

void
units_format_duration(char buf[32], uint64_t ms)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, 32, "%" PRIu64 "h", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, 32, "%" PRIu64 "m", ms / 60000);
	else if (ms != 0 && ms % 1000 == 0)
		snprintf(buf, 32, "%" PRIu64 "s", ms / 1000);
	else if (ms == 0)
		snprintf(buf, 32, "0");
	else
		snprintf(buf, 32, "%" PRIu64 "ms", ms);
}

void
units_format_milli(char buf[32], uint64_t milli)
{
	size_t n = (size_t)snprintf(buf, 32, "%" PRIu64 ".%03" PRIu64,
				    milli / 1000, milli % 1000);

	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[n - 1] = '\0';
}

void
units_format_size(char buf[32], uint64_t bytes)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned i = 0;

	while (i + 1 < ARRAY_SIZE(names) && bytes != 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	snprintf(buf, 32, "%" PRIu64 "%s", bytes, names[i]);
}

void
units_format_amount(char buf[96], const struct u256 *wei)
{
	static const struct {
		const char *name;
		size_t zeros;
	} units[] = { { "ether", 18 }, { "gwei", 9 } };
	char dec[U256_DEC_MAX];
	size_t len;

	u256_to_dec(dec, wei);
	len = strlen(dec);
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		size_t z = units[i].zeros;

		if (len > z && strspn(dec + len - z, "0") == z) {
			snprintf(buf, 96, "%.*s %s", (int)(len - z), dec,
				 units[i].name);
			return;
		}
	}
	snprintf(buf, 96, "%s wei", dec);
}

void
units_format_ether(char buf[UNITS_ETHER_MAX], const struct u256 *wei)
{
	char dec[U256_DEC_MAX], digits[U256_DEC_MAX + 19];
	size_t n, pad;

	u256_to_dec(dec, wei);
	n = strlen(dec);
	/* At least 19 digits: one before the point and 18 after. */
	pad = n < 19 ? 19 - n : 0;
	memset(digits, '0', pad);
	memcpy(digits + pad, dec, n + 1);
	n += pad;
	snprintf(buf, UNITS_ETHER_MAX, "%.*s.%s", (int)(n - 18), digits, digits + n - 18);
}
