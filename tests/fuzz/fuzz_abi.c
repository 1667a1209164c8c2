/* libFuzzer target for the Solidity ABI (lib/abi.c).  The first byte picks
 * what the rest of the input is:
 *   0  a type: what parses prints a canonical text that parses back to
 *      the same text
 *   1  a signature: likewise for its canonical signature and hash
 *   2  a JSON ABI as text: every function, event and error is found again
 *      by its signature
 *   3  return data for one of a few fixed types (the second byte picks
 *      which): what decodes encodes canonically, decodes back equal, and
 *      goes through JSON and back
 *   4  revert data, against an ABI with a few errors
 *   5  a log (second byte: topic count and flags; then the topics, then
 *      the data), against an ABI with a few events
 * Every failure must come with a message, and every success without one.
 * Build with CC=clang ./configure --enable-fuzzing; run as
 * tests/fuzz/fuzz_abi -max_total_time=300 -max_len=65536 CORPUS_DIR */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "keccak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The types mode 3 decodes as. */
static const char *const fixed_types[] = {
	"(uint256,address,bool)",
	"(string,bytes,uint8[])",
	"((uint256,string)[],bytes32[2],int16)",
	"(uint256[][],string[])",
	"(int8,bytes3,(bool,address)[2],int256)",
	"((string[2],bytes)[],uint64)",
	"(uint8[3][],(bytes,(int24,bytes1[]))[2])",
};

/* The ABI modes 4 and 5 decode against. */
static const char fixed_abi[] =
	"[\"error Low(uint256 have, uint256 want)\","
	"\"error Bad(string why, (address who, bytes data)[] list)\","
	"\"error Empty()\","
	"\"event Transfer(address indexed from, address indexed to, uint256 value)\","
	"\"event Note(string indexed s, uint8 indexed k, (uint256,bytes)[] d, bool b)\","
	"\"event Deep((uint8,string) indexed t, int32[2] indexed a, bytes32 indexed h)\"]";

static struct abi_type *types[sizeof(fixed_types) / sizeof(fixed_types[0])];
static struct abi *abi;

/* Parses what every input shares, once. */
static void
setup(void)
{
	json_t *j;

	if (abi != NULL)
		return;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (abi_type_parse(&types[i], NULL, fixed_types[i]) != 0)
			abort();
	}
	j = json_loads(fixed_abi, 0, NULL);
	if (j == NULL || abi_from_json(&abi, NULL, j) != 0)
		abort();
	json_decref(j);
}

/* Aborts unless rc and cause agree; frees cause. */
static void
check_cause(int rc, char *cause)
{
	if ((rc == 0) != (cause == NULL))
		abort();
	free(cause);
}

/* Returns: whether t holds a string anywhere. */
static bool
has_string(const struct abi_type *t)
{
	if (t->kind == ABI_STRING)
		return true;
	if (t->elem != NULL)
		return has_string(t->elem);
	for (size_t i = 0; i < t->nfields; i++) {
		if (has_string(t->fields[i].type))
			return true;
	}
	return false;
}

/* Mode 0: a type. */
static void
fuzz_type(const char *text)
{
	struct abi_type *t = NULL, *u = NULL;
	char *cause = NULL, *s, *s2;
	int rc;

	rc = abi_type_parse(&t, &cause, text);
	check_cause(rc, cause);
	if (rc != 0)
		return;
	s = abi_type_format(t);
	if (abi_type_parse(&u, NULL, s) != 0)
		abort();
	s2 = abi_type_format(u);
	if (strcmp(s, s2) != 0 || u->head != t->head || u->dynamic != t->dynamic)
		abort();
	free(s);
	free(s2);
	abi_type_free(t);
	abi_type_free(u);
}

/* Mode 1: a signature. */
static void
fuzz_signature(const char *text)
{
	struct abi_entry *e = NULL, *f = NULL;
	char *cause = NULL;
	uint8_t hash[32];
	int rc;

	rc = abi_entry_parse(&e, &cause, text);
	check_cause(rc, cause);
	if (rc != 0)
		return;
	if (abi_entry_parse(&f, NULL, e->signature) != 0 || strcmp(e->signature, f->signature) != 0)
		abort();
	if (e->kind == ABI_FUNCTION || e->kind == ABI_EVENT || e->kind == ABI_ERROR) {
		keccak256(hash, e->signature, strlen(e->signature));
		if (memcmp(hash, e->hash, 32) != 0)
			abort();
	}
	abi_entry_free(e);
	abi_entry_free(f);
}

/* Mode 2: a JSON ABI. */
static void
fuzz_json_abi(const uint8_t *data, size_t size)
{
	const struct abi_entry *found;
	struct abi *a = NULL;
	char *cause = NULL;
	json_t *j;
	int rc;

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (j == NULL)
		return;
	rc = abi_from_json(&a, &cause, j);
	check_cause(rc, cause);
	json_decref(j);
	if (rc != 0)
		return;
	for (size_t i = 0; i < a->nentries; i++) {
		const struct abi_entry *e = a->entries[i];

		if (e->kind != ABI_FUNCTION && e->kind != ABI_EVENT && e->kind != ABI_ERROR)
			continue;
		found = NULL;
		if (abi_find(&found, NULL, a, e->kind, e->signature) != 0 || found != e)
			abort();
		cause = NULL;
		rc = abi_find(&found, &cause, a, e->kind, e->name);
		check_cause(rc, cause);
	}
	abi_free(a);
}

/* Mode 3: return data for a fixed type. */
static void
fuzz_decode(const struct abi_type *t, const uint8_t *data, size_t size)
{
	struct abi_value *v = NULL, *w = NULL, *x = NULL;
	uint8_t *enc, *enc2;
	size_t len, len2;
	char *cause = NULL, *text;
	json_t *j;
	int rc;

	rc = abi_decode(&v, &cause, t, data, size);
	check_cause(rc, cause);
	if (rc != 0)
		return;
	/* The canonical encoding decodes to the same value and encodes the same. */
	enc = abi_encode(&len, v);
	if (abi_decode(&w, NULL, t, enc, len) != 0 || !abi_value_eq(v, w))
		abort();
	enc2 = abi_encode(&len2, w);
	if (len2 != len || memcmp(enc, enc2, len) != 0)
		abort();
	/* JSON and back; strings that are not UTF-8 come back changed. */
	j = abi_value_to_json(v);
	rc = abi_value_from_json(&x, NULL, t, j);
	if (!has_string(t) && (rc != 0 || !abi_value_eq(v, x)))
		abort();
	text = abi_value_format(v);
	free(text);
	json_decref(j);
	free(enc);
	free(enc2);
	abi_value_free(v);
	abi_value_free(w);
	abi_value_free(x);
}

/* Mode 4: revert data. */
static void
fuzz_revert(const uint8_t *data, size_t size)
{
	struct abi_revert r;
	char *cause = NULL, *text;
	int rc;

	rc = abi_decode_revert(&r, &cause, abi, data, size);
	check_cause(rc, cause);
	if (rc != 0)
		return;
	text = abi_revert_format(&r);
	free(text);
	abi_revert_release(&r);
}

/* Mode 5: a log.  flags: bits 0-2 the topic count, bit 3 whether topic0
 * is replaced by the hash of event number (flags >> 4) % 3. */
static void
fuzz_log(uint8_t flags, const uint8_t *data, size_t size)
{
	static const char *const events[] = { "Transfer", "Note", "Deep" };
	const struct abi_entry *ev = NULL;
	uint8_t topics[8][32];
	size_t ntopics = flags & 7;
	struct abi_value *v = NULL;
	char *cause = NULL, *text;
	json_t *j;
	int rc;

	if (size < 32 * ntopics)
		return;
	memcpy(topics, data, 32 * ntopics);
	data += 32 * ntopics;
	size -= 32 * ntopics;
	if ((flags & 8) && ntopics > 0) {
		if (abi_find(&ev, NULL, abi, ABI_EVENT, events[(flags >> 4) % 3]) != 0)
			abort();
		memcpy(topics[0], ev->hash, 32);
	}
	ev = abi_find_event(abi, (const uint8_t (*)[32])topics, ntopics);
	if (ev == NULL)
		return;
	rc = abi_decode_log(&v, &cause, ev, (const uint8_t (*)[32])topics, ntopics, data, size);
	check_cause(rc, cause);
	if (rc != 0)
		return;
	j = abi_value_to_json(v);
	text = abi_value_format(v);
	free(text);
	json_decref(j);
	abi_value_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	setup();
	if (size < 2)
		return 0;
	switch (data[0] % 6) {
	case 0:
	case 1:
		text = malloc(size);
		if (text == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		if (data[0] % 6 == 0)
			fuzz_type(text);
		else
			fuzz_signature(text);
		free(text);
		break;
	case 2:
		fuzz_json_abi(data + 1, size - 1);
		break;
	case 3:
		fuzz_decode(types[data[1] % (sizeof(types) / sizeof(types[0]))], data + 2, size - 2);
		break;
	case 4:
		fuzz_revert(data + 1, size - 1);
		break;
	case 5:
		fuzz_log(data[1], data + 2, size - 2);
		break;
	}
	return 0;
}
