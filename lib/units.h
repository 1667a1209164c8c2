/* The units people write in specs: durations ("200ms"), sizes ("256MiB"),
 * ether amounts ("1.5 gwei") and plain quantities (decimal or 0x-hex).
 * A space may separate a number from its unit.  Every parser returns 0,
 * -EINVAL for text of the wrong form, or -ERANGE for a value too large. */
#ifndef CHAINBOX_UNITS_H
#define CHAINBOX_UNITS_H

#include <stdint.h>

#include "compat.h"
#include "u256.h"

/* Units ms, s, m and h, with an optional fraction ("1.5s"); "0" alone is
 * allowed.  The result must be whole milliseconds.  Out: *ms. */
int units_parse_duration(uint64_t *ms, const char *s) WARN_UNUSED;
/* Units B, KiB, MiB, GiB, TiB (powers of 1024) and kB, MB, GB, TB (of
 * 1000); a number without a unit is bytes.  Out: *bytes. */
int units_parse_size(uint64_t *bytes, const char *s) WARN_UNUSED;
/* Units wei, kwei, mwei, gwei, szabo, finney and ether (or eth); a number
 * without a unit is wei, as is 0x-hex.  The result must be whole wei.
 * Out: *wei. */
int units_parse_amount(struct u256 *wei, const char *s) WARN_UNUSED;
/* A decimal number with at most three decimals and no unit, in
 * thousandths ("0.5" is 500).  Out: *milli. */
int units_parse_milli(uint64_t *milli, const char *s) WARN_UNUSED;
/* A whole number in decimal or 0x-hex that fits in 64 bits.  Out: *v. */
int units_parse_u64(uint64_t *v, const char *s) WARN_UNUSED;
/* Out: buf, a duration as units_parse_duration() reads it ("1500ms", "2s"). */
void units_format_duration(char buf[32], uint64_t ms);
/* Out: buf, thousandths as a decimal without trailing zeros ("0.5"). */
void units_format_milli(char buf[32], uint64_t milli);
/* Out: buf, a size in the largest binary unit that divides it exactly. */
void units_format_size(char buf[32], uint64_t bytes);
/* Out: buf, an amount in the largest of ether and gwei that keeps it whole,
 * else in wei ("10000 ether", "1 gwei", "42 wei"). */
void units_format_amount(char buf[96], const struct u256 *wei);
/* Out: buf, wei in ether with all 18 decimals ("10000.000000000000000000"),
 * as anvil's banner shows a balance. */
#define UNITS_ETHER_MAX (U256_DEC_MAX + 20)
void units_format_ether(char buf[UNITS_ETHER_MAX], const struct u256 *wei);

#endif
