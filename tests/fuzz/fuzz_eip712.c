/* libFuzzer target for EIP-712 typed-data hashing (lib/eip712.c): the input
 * is JSON text, handed over both as a JSON string (the hasher parses it, as
 * MetaMask's requests need) and, when it parses here, as an object; both
 * must agree.  The types it declares are also run through encodeType.
 * Build with CC=clang ./configure --enable-fuzzing; run as
 * tests/fuzz/fuzz_eip712 -max_total_time=300 -max_len=65536 CORPUS_DIR */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eip712.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eip712_digest by_text, by_object;
	json_t *text, *obj;
	char *cause = NULL, *enc = NULL;
	int rc_text, rc_object;

	text = json_stringn_nocheck((const char *)data, size);
	if (text == NULL)
		return 0;
	rc_text = eip712_hash(&by_text, &cause, text);
	if ((rc_text == 0) != (cause == NULL))
		abort();
	free(cause);
	cause = NULL;
	json_decref(text);

	obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (obj == NULL)
		return 0;
	rc_object = eip712_hash(&by_object, NULL, obj);
	/* The text was parsed the same way, so the two must agree. */
	if (rc_object != rc_text ||
	    (rc_text == 0 && memcmp(&by_text, &by_object, sizeof(by_text)) != 0))
		abort();
	if (json_is_string(json_object_get(obj, "primaryType")) &&
	    eip712_encode_type(&enc, &cause, json_object_get(obj, "types"),
			       json_string_value(json_object_get(obj, "primaryType"))) == 0)
		free(enc);
	free(cause);
	json_decref(obj);
	return 0;
}
