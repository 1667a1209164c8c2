/* Ethereum transactions: legacy (with or without EIP-155), EIP-2930 access
 * lists, EIP-1559 dynamic fees and EIP-4844 blobs, and the rules about them
 * that need no world state (intrinsic gas, fee fields).  Also their network
 * encoding (EIP-2718: a legacy RLP list, or type || rlp(payload)), the
 * hashes that are signed, signing and sender recovery.
 *
 * Decoding is for untrusted bytes: it accepts only the one canonical
 * encoding of each transaction, so that tx_encode() gives back exactly the
 * bytes tx_decode() read, and it allocates only after checking that the
 * input holds what the size stands for. */
#ifndef CHAINBOX_TX_H
#define CHAINBOX_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "u256.h"

struct secp;

enum tx_type {
	TX_LEGACY = 0,
	TX_ACCESS_LIST = 1, /* EIP-2930 */
	TX_DYNAMIC_FEE = 2, /* EIP-1559 */
	TX_BLOB = 3, /* EIP-4844 */
};

#define TX_G_BASE 21000
#define TX_G_CREATE 32000
#define TX_G_DATA_ZERO 4
#define TX_G_DATA_NONZERO 16
#define TX_G_INITCODE_WORD 2
#define TX_G_ACCESS_ADDRESS 2400
#define TX_G_ACCESS_KEY 1900
#define TX_BLOB_GAS_PER_BLOB 131072
#define TX_MAX_BLOB_GAS_PER_BLOCK 786432
#define TX_BLOB_HASH_VERSION 0x01

struct tx_access {
	uint8_t address[20];
	uint8_t (*keys)[32];
	size_t nkeys;
};

struct tx {
	enum tx_type type;
	struct u256 chain_id; /* zero for a legacy transaction without EIP-155 */
	uint64_t nonce;
	struct u256 gas_price; /* legacy and EIP-2930 */
	struct u256 max_priority_fee, max_fee; /* EIP-1559 and EIP-4844 */
	uint64_t gas_limit;
	bool is_create;
	uint8_t to[20];
	struct u256 value;
	uint8_t *data;
	size_t data_len;
	struct tx_access *access_list;
	size_t naccess;
	struct u256 max_fee_per_blob_gas;
	uint8_t (*blob_hashes)[32];
	size_t nblob_hashes;
	/* The signature.  v is as encoded: 27 or 28, or chain_id * 2 + 35 or
	 * 36 (EIP-155) for a legacy transaction, the y parity (0 or 1) for a
	 * typed one. */
	struct u256 v, r, s;
	uint8_t hash[32]; /* keccak-256 of the network encoding */
	/* Sent by impersonation: its sender is given, not recovered (set by
	 * tx_impersonate() and tx_decode_impersonated()). */
	bool impersonated;
};

/* Frees what tx owns (data, access list, blob hashes) and clears it. */
void tx_release(struct tx *tx);
/* Returns: the gas every execution of tx costs before any code runs:
 * EIP-2028 calldata, EIP-2930 access list and EIP-3860 initcode words. */
uint64_t tx_intrinsic_gas(const struct tx *tx);
/* Returns: whether the type has EIP-1559 fee fields. */
static inline bool
tx_has_dynamic_fee(const struct tx *tx)
{
	return tx->type == TX_DYNAMIC_FEE || tx->type == TX_BLOB;
}
/* Returns: tx's blob gas (EIP-4844). */
static inline uint64_t
tx_blob_gas(const struct tx *tx)
{
	return (uint64_t)tx->nblob_hashes * TX_BLOB_GAS_PER_BLOB;
}
/* Returns: the blob base fee for a block's excess blob gas (EIP-4844's
 * fake_exponential with the Cancun update fraction). */
struct u256 tx_blob_base_fee(uint64_t excess_blob_gas);

/* Decodes a signed transaction from its network encoding: a legacy RLP list
 * of 9 items, or type || rlp(payload) for types 1, 2 and 3.  The whole of
 * buf must be that one transaction, in canonical form: integers without
 * leading zeros, nonce and gas limit below 2^64, the other integers below
 * 2^256, to empty (a creation, not for type 3) or 20 bytes, access-list
 * entries [20-byte address, [32-byte keys...]], 32-byte blob hashes, and a
 * signature with 1 <= r < n and 1 <= s <= n/2 (EIP-2), with a legacy v of
 * 27, 28 or chain_id * 2 + 35/36 for a chain id above 0 (EIP-155) and a
 * typed y parity of 0 or 1.  Rules that a valid encoding may still break
 * (intrinsic gas, chain id, fee caps) are tx_check()'s.
 * Returns: 0; -EINVAL with *why set to a static string, the name that the
 * Ethereum tests give the error (e.g. "TransactionException.RLP_ERROR_SIZE");
 * -ENOMEM.
 * Out: tx, released with tx_release(); its hash is keccak-256 of buf.  On
 * an error tx is left cleared, so releasing it does no harm.  tx's earlier
 * content is overwritten, not freed.
 * In: buf may be NULL when len is 0. */
int tx_decode(struct tx *tx, const char **why, const uint8_t *buf, size_t len) WARN_UNUSED;

/* Checks the rules of Cancun that need neither world state nor the block:
 * the chain id (a legacy transaction without EIP-155 passes on any chain),
 * a nonce below 2^64 - 1 (EIP-2681), the gas limit times the fee cap within
 * 256 bits, a priority fee within the fee cap, the intrinsic gas within the
 * gas limit, the EIP-3860 initcode limit, and for blobs at least one blob,
 * at most a block's worth and version 1 hashes.
 * Returns: 0; -EINVAL with *why set to a static string, named as the
 * Ethereum tests name the error (e.g. "TransactionException.INTRINSIC_GAS_TOO_LOW"). */
int tx_check(const struct tx *tx, const char **why, uint64_t chain_id) WARN_UNUSED;

/* Out: out, the hash that the sender signs: keccak-256 of the RLP of the
 * first 6 fields for a legacy transaction without EIP-155, of those 6 and
 * chain_id, 0, 0 with EIP-155, and of type || rlp(the payload without the
 * signature) for a typed one. */
void tx_signing_hash(uint8_t out[32], const struct tx *tx);

/* Recovers who signed tx.  Checks the signature as tx_decode() does, so a
 * transaction filled in by hand is checked too.
 * Returns: 0; -EINVAL when v, r or s is out of range or recovery fails.
 * Out: sender, the address. */
int tx_sender(uint8_t sender[20], const struct tx *tx) WARN_UNUSED;

/* Signs tx with key: sets v, r and s (v from tx->chain_id for a legacy
 * transaction: 27/28 when it is zero, else EIP-155's), then tx->hash.
 * Returns: 0; -EINVAL when key is not a valid secret key, when a legacy
 * chain id is too large for v, or when tx cannot be encoded (see
 * tx_encode()).
 * In: ctx, from secp_new(); the caller wipes key. */
int tx_sign(const struct secp *ctx, struct tx *tx, const uint8_t key[32]) WARN_UNUSED;

/* Encodes tx for the network, as tx_decode() reads it.
 * Returns: 0; -EINVAL for an unknown type or a type-3 creation; -ENOMEM.
 * Out: *out (caller frees), *len. */
int tx_encode(uint8_t **out, size_t *len, const struct tx *tx) WARN_UNUSED;

/* Impersonation (anvil_impersonateAccount): a transaction sent as sender
 * without sender's key carries anvil's stand-in signature, r = s = 0 with
 * y parity 0 (v 0 for a typed transaction, chain_id * 2 + 35 for a legacy
 * one, 27 without EIP-155), and anvil's hash: keccak-256 of its RLP
 * encoding (a typed one wrapped as an RLP string) followed by sender, so
 * that two senders' otherwise equal transactions differ.  Nothing can
 * recover a sender from it: whoever keeps one keeps its sender too. */
/* Sets the stand-in signature and that hash.
 * Returns: 0; -EINVAL or -ENOMEM as tx_encode(), or when a legacy chain id
 * is too large for v. */
int tx_impersonate(struct tx *tx, const uint8_t sender[20]) WARN_UNUSED;
/* Decodes a transaction as tx_decode() does, but one that carries the
 * stand-in signature (any other is refused), with the hash for sender.
 * Returns and Out: as tx_decode(). */
int tx_decode_impersonated(struct tx *tx, const char **why, const uint8_t *buf, size_t len,
			   const uint8_t sender[20]) WARN_UNUSED;
/* Returns: whether tx was sent by impersonation (a zero signature alone does
 * not say so: the official tests' unsigned transactions have one too). */
bool tx_is_impersonated(const struct tx *tx);

#endif
