/* libFuzzer target for the transaction decoder: arbitrary bytes go through
 * tx_decode(), and whatever decodes goes through sender recovery, the
 * stateless rules and the signing hash, and is encoded again.  The decoder
 * accepts only canonical encodings, so that must give back the input
 * exactly, with the hash of the input; a difference aborts.
 * Build with CC=clang ./configure --enable-fuzzing; run as
 * tests/fuzz/fuzz_tx -max_total_time=300 CORPUS_DIR SEED_DIR, with seeds
 * such as the txbytes of the TransactionTests, one file each. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "keccak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sender[20], hash[32], *enc = NULL;
	const char *why = NULL;
	struct tx tx;
	size_t len;
	int rc;

	rc = tx_decode(&tx, &why, data, size);
	if (rc != 0) {
		/* Every rejection names its reason. */
		if (rc == -EINVAL && why == NULL)
			abort();
		return 0;
	}
	(void)tx_sender(sender, &tx);
	(void)tx_check(&tx, &why, 1);
	tx_signing_hash(hash, &tx);
	keccak256(hash, data, size);
	if (memcmp(hash, tx.hash, 32) != 0)
		abort();
	if (tx_encode(&enc, &len, &tx) != 0)
		abort();
	if (len != size || memcmp(enc, data, size) != 0)
		abort();
	free(enc);
	tx_release(&tx);
	return 0;
}
