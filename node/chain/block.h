/* Blocks as the chain keeps them: headers (Frontier through Cancun fields)
 * with their RLP and hash, receipts, log blooms, the roots of transaction
 * and receipt lists, and EIP-1559 / EIP-4844 fee evolution. */
#ifndef CHAINBOX_BLOCK_H
#define CHAINBOX_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/exec.h"
#include "compat.h"
#include "u256.h"

#define BLOCK_BLOOM_LEN 256
#define BLOCK_EXTRA_MAX 32
#define BLOCK_TARGET_BLOB_GAS 393216 /* EIP-4844, Cancun: 3 blobs */

struct block_header {
	uint8_t parent_hash[32];
	uint8_t ommers_hash[32];
	uint8_t coinbase[20];
	uint8_t state_root[32];
	uint8_t tx_root[32];
	uint8_t receipts_root[32];
	uint8_t bloom[BLOCK_BLOOM_LEN];
	struct u256 difficulty;
	uint64_t number, gas_limit, gas_used, timestamp;
	uint8_t extra[BLOCK_EXTRA_MAX];
	size_t extra_len;
	uint8_t mix_hash[32]; /* PREVRANDAO after the Merge */
	uint8_t nonce[8];
	/* The fields later forks added; each is encoded when its flag is set,
	 * and a later one needs every earlier one. */
	bool has_base_fee; /* London */
	struct u256 base_fee;
	bool has_withdrawals_root; /* Shanghai */
	uint8_t withdrawals_root[32];
	bool has_blob_gas; /* Cancun */
	uint64_t blob_gas_used, excess_blob_gas;
	bool has_beacon_root; /* Cancun */
	uint8_t beacon_root[32];
};

/* Out: *h, a Cancun header with the empty-list hashes and roots in place
 * (ommers, transactions, receipts, withdrawals) and everything else zero. */
void block_header_init(struct block_header *h);
/* Returns: 0, or -ENOMEM.  Out: *out (caller frees), *len: rlp(header). */
int block_header_encode(uint8_t **out, size_t *len, const struct block_header *h) WARN_UNUSED;
/* Decodes rlp(header) of any fork from Frontier to Cancun.
 * Returns: 0; -EINVAL (or an RLP error) for a malformed header.  Out: *h. */
int block_header_decode(struct block_header *h, const uint8_t *buf, size_t len) WARN_UNUSED;
/* Returns: 0 or -ENOMEM.  Out: hash, keccak256(rlp(header)). */
int block_header_hash(uint8_t hash[32], const struct block_header *h) WARN_UNUSED;

/* Adds data's three bloom bits (from keccak256(data)) to bloom. */
void block_bloom_add(uint8_t bloom[BLOCK_BLOOM_LEN], const uint8_t *data, size_t len);
/* Adds each log's address and topics to bloom. */
void block_bloom_logs(uint8_t bloom[BLOCK_BLOOM_LEN], const struct exec_log *logs, size_t n);
/* Returns: whether bloom may hold data (false means it surely does not). */
bool block_bloom_test(const uint8_t bloom[BLOCK_BLOOM_LEN], const uint8_t *data, size_t len);

/* Encodes a receipt as the receipts trie holds it: rlp([status,
 * cumulative gas, bloom, logs]), after the type byte for a typed one.
 * Returns: 0 or -ENOMEM.  Out: *out (caller frees), *len. */
int block_receipt_encode(uint8_t **out, size_t *len, unsigned type, bool success,
			 uint64_t cumulative_gas, const uint8_t bloom[BLOCK_BLOOM_LEN],
			 const struct exec_log *logs, size_t nlogs) WARN_UNUSED;
/* The root of a list as transactions and receipts are kept: the trie of
 * rlp(index) -> item.  Returns: 0 or -errno.  Out: root. */
int block_list_root(uint8_t root[32], const uint8_t *const *items, const size_t *lens,
		    size_t n) WARN_UNUSED;

/* Returns: the base fee of the block after parent (EIP-1559: the gas
 * target is half the limit; the fee moves by at most an eighth). */
struct u256 block_next_base_fee(const struct block_header *parent);
/* Returns: the excess blob gas of the block after parent (EIP-4844). */
uint64_t block_next_excess_blob_gas(const struct block_header *parent);

#endif
