/* libFuzzer target for the RLP decoder: arbitrary bytes go through the
 * strict decoder, every nested item is read with the list cursor and the
 * integer readers, and whatever decodes is encoded again, item by item.
 * Strict RLP admits one encoding per value, so that must give back the
 * input exactly; a difference aborts.
 * Build with CC=clang ./configure --enable-fuzzing; run as
 * tests/fuzz/fuzz_rlp -max_total_time=300 CORPUS_DIR SEED_DIR */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encodes it again into e.  rlp_decode() has checked everything below it,
 * so the cursor cannot fail and the recursion stops at RLP_DEPTH_MAX. */
static void
reencode(struct rlp_enc *e, const struct rlp_item *it)
{
	struct rlp_item cur = *it, sub;
	struct u256 v256;
	uint64_t v64;
	size_t mark, n;
	int rc;

	if (!it->is_list) {
		/* The integer readers must agree with each other. */
		if ((rlp_item_u64(&v64, it) == 0) !=
		    (it->len <= 8 && rlp_item_u256(&v256, it) == 0))
			abort();
		rlp_enc_bytes(e, it->p, it->len);
		return;
	}
	if (rlp_list_count(&n, it) != 0)
		abort();
	mark = rlp_enc_list_begin(e);
	while ((rc = rlp_list_next(&sub, &cur)) > 0) {
		reencode(e, &sub);
		n--;
	}
	if (rc != 0 || n != 0)
		abort();
	rlp_enc_list_end(e, mark);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rlp_item item;
	struct rlp_enc e;

	if (rlp_decode(&item, data, size) != 0)
		return 0;
	rlp_enc_init(&e);
	reencode(&e, &item);
	if (rlp_enc_error(&e) != 0 || e.len != size ||
	    (size != 0 && memcmp(e.data, data, size) != 0)) {
		fprintf(stderr, "fuzz_rlp: input decoded but encodes differently\n");
		abort();
	}
	rlp_enc_release(&e);
	return 0;
}
