/* Tests for lib/keccak.c.  The vectors for lengths around the 136-byte
 * rate were computed with an independent implementation (@noble/hashes). */
#include <string.h>

#include "harness.h"
#include "hex.h"
#include "keccak.h"

static const struct {
	size_t len;
	const char *digest;
} vectors[] = {
	{ 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" },
	{ 1, "69c322e3248a5dfc29d73c5b0553b0185a35cd5bb6386747517ef7e53b15e287" },
	{ 135, "00ef96af9cf4b24c7f269d922294444a197d0a33638c2e56634c57e892103a8f" },
	{ 136, "742061bcad767ed4c4f5883b1dcb1aad11afdcc140dc469d953759b127b9f9ed" },
	{ 137, "e3371f61e770abf254c34239c3b0099ad90594507415bc81dd0a10b9692bbf2a" },
	{ 271, "4401c4afbe16ff911bdbf2d38e556e5b861f3fdf0f9d4306b1c46f6ae4f73584" },
	{ 272, "ac141fd7b0a0ffcd2e967254d508da3ec616596493c36fa304425647d90e6de5" },
	{ 1000, "80cdc8dd52cbb3dbaea8f383209893fa2bb52efbd5aedbb4b26dcfe307fcdc9b" },
};

static void
pattern(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
}

static void
test_keccak_vectors(void)
{
	uint8_t buf[1000], digest[32];
	char hex[65];

	pattern(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		keccak256(digest, buf, vectors[i].len);
		hex_encode(hex, digest, 32);
		CU_ASSERT_STRING_EQUAL(hex, vectors[i].digest);
	}
	keccak256(digest, "abc", 3);
	hex_encode(hex, digest, 32);
	CU_ASSERT_STRING_EQUAL(hex, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

/* Feeding the input in pieces of every size gives the one-shot digest. */
static void
test_keccak_incremental(void)
{
	uint8_t buf[1000], want[32], got[32];
	struct keccak k;

	pattern(buf, sizeof(buf));
	keccak256(want, buf, sizeof(buf));
	for (size_t step = 1; step <= 300; step += 7) {
		keccak_init(&k);
		for (size_t off = 0; off < sizeof(buf); off += step)
			keccak_update(&k, buf + off,
				      sizeof(buf) - off < step ? sizeof(buf) - off : step);
		keccak_final(&k, got);
		CU_ASSERT_EQUAL(memcmp(want, got, 32), 0);
	}
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_keccak_vectors),
		HARNESS_TEST(test_keccak_incremental),
		HARNESS_END,
	};
	return harness_run("keccak", tests);
}
