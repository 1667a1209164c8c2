/* secp256k1 as Ethereum uses it: recoverable ECDSA signatures over 32-byte
 * hashes, and addresses taken from public keys.  Signatures are 65 bytes:
 * r and s (32 bytes each, big-endian), then the recovery id (0 to 3). */
#ifndef CHAINBOX_SECP_H
#define CHAINBOX_SECP_H

#include <stdbool.h>
#include <stdint.h>

#include "compat.h"

/* A signing context: one libsecp256k1 context, randomised against side
 * channels.  Create one per process, at start-up, and pass it around. */
struct secp;

/* Creates the context; libsecp256k1 runs its self-test here, which also
 * covers the static context that secp_recover() uses.
 * Returns: the context (caller frees with secp_free()), or NULL with errno
 * set: ENOMEM, or the error of getrandom(2) for the randomisation seed. */
struct secp *secp_new(void) WARN_UNUSED;
/* Frees ctx; secp_free(NULL) does nothing. */
void secp_free(struct secp *ctx);

/* Signs hash with key, with RFC 6979 nonces and a low s (s <= n/2).
 * Returns: 0; -EINVAL when key is zero or not below the group order.
 * Out: sig, r || s || recovery id (0 or 1). */
int secp_sign(const struct secp *ctx, uint8_t sig[65], const uint8_t hash[32],
    const uint8_t key[32]) WARN_UNUSED;

/* Returns: 0; -EINVAL when key is zero or not below the group order.
 * Out: pub, the uncompressed public key as X || Y (no 0x04 prefix). */
int secp_pubkey(const struct secp *ctx, uint8_t pub[64], const uint8_t key[32]) WARN_UNUSED;

/* Returns: 0; -EINVAL when key is zero or not below the group order.
 * Out: pub, the compressed public key (SEC 1): 0x02 when Y is even, 0x03
 * when it is odd, then X.  BIP-32 hashes this form. */
int secp_pubkey_compressed(const struct secp *ctx, uint8_t pub[33], const uint8_t key[32]) WARN_UNUSED;

/* Adds tweak to key modulo the group order, as BIP-32 derives a child key.
 * Returns: 0; -EINVAL when key is zero or not below the group order, tweak
 * is not below the group order, or the sum is zero.
 * In/Out: key, unchanged on error. */
int secp_seckey_tweak_add(const struct secp *ctx, uint8_t key[32], const uint8_t tweak[32]) WARN_UNUSED;

/* Returns: whether key is a valid secret key: neither zero nor at or above
 * the group order.  Needs no context, like secp_recover(). */
bool secp_is_seckey(const uint8_t key[32]);

/* Recovers the key that signed hash.  Needs no context: recovery handles no
 * secret, so it runs on libsecp256k1's read-only static context, which keeps
 * it usable from the pure EVM.  A high s is accepted (callers that want
 * EIP-2's low-s rule check it themselves).
 * Returns: 0; -EINVAL when r or s is zero or not below the group order, the
 * recovery id is above 3, or no point has r as its x coordinate.
 * Out: pub, X || Y. */
int secp_recover(uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[65]) WARN_UNUSED;

/* Out: addr, the last 20 bytes of keccak-256(pub). */
void secp_address(uint8_t addr[20], const uint8_t pub[64]);

#endif
