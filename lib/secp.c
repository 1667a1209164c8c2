/* secp256k1 signatures through libsecp256k1 and its recovery module. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "keccak.h"
#include "secp.h"

struct secp {
	secp256k1_context *ctx;
};

/* Creating a context also runs the library's self-test; the randomisation
 * only blinds signing, so its seed needs no secrecy after this call. */
struct secp *
secp_new(void)
{
	struct secp *s = NULL;
	uint8_t seed[32];
	int err = 0;

	s = calloc(1, sizeof *s);
	if (s == NULL) {
		err = ENOMEM;
		goto out;
	}
	s->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (s->ctx == NULL) {
		err = ENOMEM;
		goto out;
	}
	if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
		err = errno != 0 ? errno : EIO;
		goto out;
	}
	if (!secp256k1_context_randomize(s->ctx, seed))
		err = EINVAL;

out:
	explicit_bzero(seed, sizeof seed);
	if (err != 0) {
		secp_free(s);
		s = NULL;
		errno = err;
	}
	return s;
}

void
secp_free(struct secp *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->ctx != NULL)
		secp256k1_context_destroy(ctx->ctx);
	free(ctx);
}

/* libsecp256k1 signs with a low s already, flipping the recovery id. */
int
secp_sign(const struct secp *ctx, uint8_t sig[65], const uint8_t hash[32], const uint8_t key[32])
{
	secp256k1_ecdsa_recoverable_signature rsig;
	int recid, rc = -EINVAL;

	if (!secp256k1_ecdsa_sign_recoverable(ctx->ctx, &rsig, hash, key, NULL, NULL))
		goto out;
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx->ctx, sig, &recid, &rsig);
	sig[64] = (uint8_t)recid;
	rc = 0;
out:
	return rc;
}

/* The serialised key starts with the 0x04 tag that Ethereum leaves out. */
static void
serialize_pubkey(const secp256k1_context *ctx, uint8_t pub[64], const secp256k1_pubkey *pk)
{
	uint8_t buf[65];
	size_t len = sizeof buf;

	secp256k1_ec_pubkey_serialize(ctx, buf, &len, pk, SECP256K1_EC_UNCOMPRESSED);
	memcpy(pub, buf + 1, 64);
}

int
secp_pubkey(const struct secp *ctx, uint8_t pub[64], const uint8_t key[32])
{
	secp256k1_pubkey pk;
	int rc = -EINVAL;

	if (!secp256k1_ec_pubkey_create(ctx->ctx, &pk, key))
		goto out;
	serialize_pubkey(ctx->ctx, pub, &pk);
	rc = 0;
out:
	return rc;
}

int
secp_pubkey_compressed(const struct secp *ctx, uint8_t pub[33], const uint8_t key[32])
{
	secp256k1_pubkey pk;
	size_t len = 33;
	int rc = -EINVAL;

	if (!secp256k1_ec_pubkey_create(ctx->ctx, &pk, key))
		goto out;
	secp256k1_ec_pubkey_serialize(ctx->ctx, pub, &len, &pk, SECP256K1_EC_COMPRESSED);
	rc = 0;
out:
	return rc;
}

/* libsecp256k1 leaves the key unspecified when it fails, so it works on a
 * copy; the copy is a secret and is wiped. */
int
secp_seckey_tweak_add(const struct secp *ctx, uint8_t key[32], const uint8_t tweak[32])
{
	uint8_t k[32];
	int rc = -EINVAL;

	memcpy(k, key, sizeof k);
	if (!secp256k1_ec_seckey_tweak_add(ctx->ctx, k, tweak))
		goto out;
	memcpy(key, k, sizeof k);
	rc = 0;
out:
	explicit_bzero(k, sizeof k);
	return rc;
}

/* Range checks on a scalar need no precomputed tables, so the static
 * context does. */
bool
secp_is_seckey(const uint8_t key[32])
{
	return secp256k1_ec_seckey_verify(secp256k1_context_static, key) == 1;
}

/* parse_compact rejects r or s at or above n and ids above 3; recover then
 * rejects zero r or s and an r with no point on the curve. */
int
secp_recover(uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[65])
{
	const secp256k1_context *ctx = secp256k1_context_static;
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_pubkey pk;
	int rc = -EINVAL;

	if (sig[64] > 3)
		goto out;
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, sig, sig[64]))
		goto out;
	if (!secp256k1_ecdsa_recover(ctx, &pk, &rsig, hash))
		goto out;
	serialize_pubkey(ctx, pub, &pk);
	rc = 0;
out:
	return rc;
}

void
secp_address(uint8_t addr[20], const uint8_t pub[64])
{
	uint8_t h[32];

	keccak256(h, pub, 64);
	memcpy(addr, h + 12, 20);
}
