/* Tests for lib/rlp.c. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rlp.h"

const char *__asan_default_options(void);

/* test_rlp_enc_errors asks for more memory than there is; under ASan that
 * must come back as NULL, as it does from glibc, instead of aborting. */
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Checks that e holds exactly the bytes want[0..len). */
#define CHECK_ENC(e, want)                                                     \
	do {                                                                   \
		CU_ASSERT_EQUAL(rlp_enc_error(e), 0);                          \
		CU_ASSERT_EQUAL_FATAL((e)->len, sizeof(want));                 \
		CU_ASSERT(memcmp((e)->data, (want), sizeof(want)) == 0);       \
	} while (0)

static void
test_rlp_enc_bytes(void)
{
	static const uint8_t dog[] = { 0x83, 'd', 'o', 'g' };
	static const uint8_t empty[] = { 0x80 };
	static const uint8_t b00[] = { 0x00 };
	static const uint8_t b7f[] = { 0x7f };
	static const uint8_t b80[] = { 0x81, 0x80 };
	uint8_t buf[1024];
	struct rlp_enc e;

	memset(buf, 'x', sizeof(buf));
	rlp_enc_init(&e);
	rlp_enc_bytes(&e, (const uint8_t *)"dog", 3);
	CHECK_ENC(&e, dog);
	rlp_enc_reset(&e);
	rlp_enc_bytes(&e, NULL, 0);
	CHECK_ENC(&e, empty);
	rlp_enc_reset(&e);
	rlp_enc_bytes(&e, b00, 1);
	CHECK_ENC(&e, b00);
	rlp_enc_reset(&e);
	rlp_enc_bytes(&e, b7f, 1);
	CHECK_ENC(&e, b7f);
	rlp_enc_reset(&e);
	rlp_enc_bytes(&e, b80 + 1, 1);
	CHECK_ENC(&e, b80);

	/* 55 bytes is the longest short form, 56 the shortest long one. */
	rlp_enc_reset(&e);
	rlp_enc_bytes(&e, buf, 55);
	CU_ASSERT_EQUAL_FATAL(e.len, 56);
	CU_ASSERT_EQUAL(e.data[0], 0xb7);
	rlp_enc_reset(&e);
	rlp_enc_bytes(&e, buf, 56);
	CU_ASSERT_EQUAL_FATAL(e.len, 58);
	CU_ASSERT_EQUAL(e.data[0], 0xb8);
	CU_ASSERT_EQUAL(e.data[1], 56);
	rlp_enc_reset(&e);
	rlp_enc_bytes(&e, buf, 1024);
	CU_ASSERT_EQUAL_FATAL(e.len, 1027);
	CU_ASSERT_EQUAL(e.data[0], 0xb9);
	CU_ASSERT_EQUAL(e.data[1], 0x04);
	CU_ASSERT_EQUAL(e.data[2], 0x00);
	CU_ASSERT(memcmp(e.data + 3, buf, 1024) == 0);
	rlp_enc_release(&e);
}

static void
test_rlp_enc_integers(void)
{
	static const uint8_t zero[] = { 0x80 };
	static const uint8_t v15[] = { 0x0f };
	static const uint8_t v127[] = { 0x7f };
	static const uint8_t v128[] = { 0x81, 0x80 };
	static const uint8_t v1024[] = { 0x82, 0x04, 0x00 };
	static const uint8_t vmax[] = { 0x88, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff };
	struct u256 big = { { 0, 0, 0, 1ULL << 63 } };
	struct u256 small = u256_from_u64(0x1234);
	static const uint8_t v1234[] = { 0x82, 0x12, 0x34 };
	struct rlp_enc e;

	rlp_enc_init(&e);
	rlp_enc_u64(&e, 0);
	CHECK_ENC(&e, zero);
	rlp_enc_reset(&e);
	rlp_enc_u64(&e, 15);
	CHECK_ENC(&e, v15);
	rlp_enc_reset(&e);
	rlp_enc_u64(&e, 127);
	CHECK_ENC(&e, v127);
	rlp_enc_reset(&e);
	rlp_enc_u64(&e, 128);
	CHECK_ENC(&e, v128);
	rlp_enc_reset(&e);
	rlp_enc_u64(&e, 1024);
	CHECK_ENC(&e, v1024);
	rlp_enc_reset(&e);
	rlp_enc_u64(&e, UINT64_MAX);
	CHECK_ENC(&e, vmax);

	rlp_enc_reset(&e);
	rlp_enc_u256(&e, &small);
	CHECK_ENC(&e, v1234);
	rlp_enc_reset(&e);
	small = u256_from_u64(0);
	rlp_enc_u256(&e, &small);
	CHECK_ENC(&e, zero);
	rlp_enc_reset(&e);
	rlp_enc_u256(&e, &big);
	CU_ASSERT_EQUAL_FATAL(e.len, 33);
	CU_ASSERT_EQUAL(e.data[0], 0xa0);
	CU_ASSERT_EQUAL(e.data[1], 0x80);
	CU_ASSERT_EQUAL(e.data[32], 0x00);
	rlp_enc_release(&e);
}

static void
test_rlp_enc_lists(void)
{
	/* ["cat", "dog"], and the set-theoretic three, [ [], [[]], [ [], [[]] ] ],
	 * both from the RLP page of the Ethereum wiki. */
	static const uint8_t catdog[] = { 0xc8, 0x83, 'c', 'a', 't', 0x83, 'd', 'o', 'g' };
	static const uint8_t three[] = { 0xc7, 0xc0, 0xc1, 0xc0, 0xc3, 0xc0, 0xc1, 0xc0 };
	static const uint8_t empty[] = { 0xc0 };
	uint8_t buf[60];
	struct rlp_enc e;
	size_t m0, m1, m2;

	rlp_enc_init(&e);
	m0 = rlp_enc_list_begin(&e);
	rlp_enc_list_end(&e, m0);
	CHECK_ENC(&e, empty);

	rlp_enc_reset(&e);
	m0 = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, (const uint8_t *)"cat", 3);
	rlp_enc_bytes(&e, (const uint8_t *)"dog", 3);
	rlp_enc_list_end(&e, m0);
	CHECK_ENC(&e, catdog);

	rlp_enc_reset(&e);
	m0 = rlp_enc_list_begin(&e);
	m1 = rlp_enc_list_begin(&e);
	rlp_enc_list_end(&e, m1);
	m1 = rlp_enc_list_begin(&e);
	m2 = rlp_enc_list_begin(&e);
	rlp_enc_list_end(&e, m2);
	rlp_enc_list_end(&e, m1);
	m1 = rlp_enc_list_begin(&e);
	m2 = rlp_enc_list_begin(&e);
	rlp_enc_list_end(&e, m2);
	m2 = rlp_enc_list_begin(&e);
	rlp_enc_raw(&e, empty, 1);
	rlp_enc_list_end(&e, m2);
	rlp_enc_list_end(&e, m1);
	rlp_enc_list_end(&e, m0);
	CHECK_ENC(&e, three);

	/* A list whose payload needs the long form moves it up by 2. */
	memset(buf, 'y', sizeof(buf));
	rlp_enc_reset(&e);
	m0 = rlp_enc_list_begin(&e);
	rlp_enc_bytes(&e, buf, sizeof(buf));
	rlp_enc_list_end(&e, m0);
	CU_ASSERT_EQUAL_FATAL(e.len, 2 + 2 + sizeof(buf));
	CU_ASSERT_EQUAL(e.data[0], 0xf8);
	CU_ASSERT_EQUAL(e.data[1], 2 + sizeof(buf));
	CU_ASSERT_EQUAL(e.data[2], 0xb8);
	CU_ASSERT_EQUAL(e.data[3], sizeof(buf));
	CU_ASSERT_EQUAL(e.data[4], 'y');
	rlp_enc_release(&e);
}

static void
test_rlp_header(void)
{
	uint8_t h[RLP_HEADER_MAX];

	CU_ASSERT_EQUAL(rlp_header_len(0), 1);
	CU_ASSERT_EQUAL(rlp_header_len(55), 1);
	CU_ASSERT_EQUAL(rlp_header_len(56), 2);
	CU_ASSERT_EQUAL(rlp_header_len(255), 2);
	CU_ASSERT_EQUAL(rlp_header_len(256), 3);
	CU_ASSERT_EQUAL(rlp_header_len(SIZE_MAX), 1 + sizeof(size_t));

	CU_ASSERT_EQUAL(rlp_header_write(h, false, 3), 1);
	CU_ASSERT_EQUAL(h[0], 0x83);
	CU_ASSERT_EQUAL(rlp_header_write(h, true, 55), 1);
	CU_ASSERT_EQUAL(h[0], 0xf7);
	CU_ASSERT_EQUAL(rlp_header_write(h, true, 0x10000), 4);
	CU_ASSERT_EQUAL(h[0], 0xfa);
	CU_ASSERT_EQUAL(h[1], 0x01);
	CU_ASSERT_EQUAL(h[2], 0x00);
	CU_ASSERT_EQUAL(h[3], 0x00);
	CU_ASSERT_EQUAL(rlp_header_write(h, false, SIZE_MAX), 9);
	CU_ASSERT_EQUAL(h[0], 0xbf);
	CU_ASSERT_EQUAL(h[8], 0xff);
}

static void
test_rlp_enc_detach(void)
{
	struct rlp_enc e;
	uint8_t *p;
	size_t len;

	rlp_enc_init(&e);
	p = rlp_enc_detach(&e, &len);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(len, 0);

	rlp_enc_u64(&e, 1000);
	p = rlp_enc_detach(&e, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_EQUAL(p[0], 0x82);
	CU_ASSERT_EQUAL(e.len, 0);
	CU_ASSERT_PTR_NULL(e.data);
	free(p);
	rlp_enc_release(&e);
}

static void
test_rlp_enc_errors(void)
{
	uint8_t b = 1;
	struct rlp_enc e;
	size_t len = 99, mark;

	/* A length that cannot fit with its header: -EOVERFLOW. */
	rlp_enc_init(&e);
	rlp_enc_bytes(&e, &b, SIZE_MAX);
	CU_ASSERT_EQUAL(rlp_enc_error(&e), -EOVERFLOW);
	rlp_enc_reset(&e);
	CU_ASSERT_EQUAL(rlp_enc_error(&e), 0);
	rlp_enc_u64(&e, 7);
	rlp_enc_raw(&e, &b, SIZE_MAX);
	CU_ASSERT_EQUAL(rlp_enc_error(&e), -EOVERFLOW);

	/* More memory than there is: -ENOMEM, and it sticks.  The size stays
	 * below 2^63, which valgrind would report as a negative one. */
	rlp_enc_reset(&e);
	mark = rlp_enc_list_begin(&e);
	rlp_enc_raw(&e, &b, SIZE_MAX / 4);
	CU_ASSERT_EQUAL(rlp_enc_error(&e), -ENOMEM);
	rlp_enc_u64(&e, 7);
	rlp_enc_bytes(&e, (const uint8_t *)"dog", 3);
	rlp_enc_list_end(&e, mark);
	CU_ASSERT_EQUAL(rlp_enc_error(&e), -ENOMEM);
	CU_ASSERT_EQUAL(e.len, 0);
	CU_ASSERT_PTR_NULL(rlp_enc_detach(&e, &len));
	CU_ASSERT_EQUAL(len, 0);
	rlp_enc_release(&e);
}

/* Decodes hex text (no "0x") into buf.  Returns: the byte count. */
static size_t
unhex(uint8_t *buf, const char *s)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(s + 2 * i, "%2x", &v);
		buf[i] = (uint8_t)v;
	}
	return n;
}

/* Returns: rlp_decode() of hex text. */
static int
decode_hex(struct rlp_item *it, const char *hex)
{
	static uint8_t buf[256];
	size_t n = unhex(buf, hex);

	/* A copy on the heap, so ASan sees any read past the end. */
	uint8_t *p = malloc(n ? n : 1);
	int rc;

	memcpy(p, buf, n);
	rc = rlp_decode(it, p, n);
	free(p);
	return rc;
}

static void
test_rlp_decode_valid(void)
{
	uint8_t buf[128];
	struct rlp_item it;
	size_t n, used;

	n = unhex(buf, "00");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_FALSE(it.is_list);
	CU_ASSERT_EQUAL(it.len, 1);
	CU_ASSERT_PTR_EQUAL(it.p, buf);

	n = unhex(buf, "7f");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(it.p[0], 0x7f);

	n = unhex(buf, "80");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_FALSE(it.is_list);
	CU_ASSERT_EQUAL(it.len, 0);

	n = unhex(buf, "8180");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(it.len, 1);
	CU_ASSERT_EQUAL(it.p[0], 0x80);

	n = unhex(buf, "83646f67");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(it.len, 3);
	CU_ASSERT(memcmp(it.p, "dog", 3) == 0);

	n = unhex(buf, "c0");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_TRUE(it.is_list);
	CU_ASSERT_EQUAL(it.len, 0);

	n = unhex(buf, "c7c0c1c0c3c0c1c0");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_TRUE(it.is_list);
	CU_ASSERT_EQUAL(it.len, 7);

	/* The shortest long forms: 56 bytes. */
	memset(buf, 'z', sizeof(buf));
	buf[0] = 0xb8;
	buf[1] = 56;
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, 58), 0);
	CU_ASSERT_EQUAL(it.len, 56);
	CU_ASSERT_PTR_EQUAL(it.p, buf + 2);
	buf[0] = 0xf8;
	memset(buf + 2, 0x01, 56);
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, 58), 0);
	CU_ASSERT_TRUE(it.is_list);

	/* rlp_decode_item() reads one item and leaves the rest. */
	n = unhex(buf, "8180c0ff");
	CU_ASSERT_EQUAL_FATAL(rlp_decode_item(&it, &used, buf, n), 0);
	CU_ASSERT_EQUAL(used, 2);
	CU_ASSERT_EQUAL_FATAL(rlp_decode_item(&it, NULL, buf + 2, n - 2), 0);
	CU_ASSERT_TRUE(it.is_list);
}

static void
test_rlp_decode_noncanonical(void)
{
	uint8_t buf[128];
	struct rlp_item it = { NULL, 42, true };

	/* A byte below 0x80 written as a one-byte string. */
	CU_ASSERT_EQUAL(decode_hex(&it, "8100"), -EINVAL);
	CU_ASSERT_EQUAL(decode_hex(&it, "8101"), -EINVAL);
	CU_ASSERT_EQUAL(decode_hex(&it, "817f"), -EINVAL);
	CU_ASSERT_EQUAL(decode_hex(&it, "c28100"), -EINVAL);
	/* The long form for lengths below 56. */
	CU_ASSERT_EQUAL(decode_hex(&it, "b80161"), -EINVAL);
	CU_ASSERT_EQUAL(decode_hex(&it, "b837" "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637"), -EINVAL);
	CU_ASSERT_EQUAL(decode_hex(&it, "f80180"), -EINVAL);
	CU_ASSERT_EQUAL(decode_hex(&it, "f800"), -EINVAL);
	CU_ASSERT_EQUAL(decode_hex(&it, "b800"), -EINVAL);
	/* Lengths with leading zero bytes, even where the value is >= 56. */
	memset(buf, 0x61, sizeof(buf));
	buf[0] = 0xb9;
	buf[1] = 0x00;
	buf[2] = 0x40;
	CU_ASSERT_EQUAL(rlp_decode(&it, buf, 3 + 64), -EINVAL);
	buf[0] = 0xf9;
	CU_ASSERT_EQUAL(rlp_decode(&it, buf, 3 + 64), -EINVAL);
	buf[0] = 0xbb;
	buf[1] = buf[2] = buf[3] = 0x00;
	buf[4] = 0x40;
	CU_ASSERT_EQUAL(rlp_decode(&it, buf, 5 + 64), -EINVAL);
	/* Errors leave the output alone. */
	CU_ASSERT_PTR_NULL(it.p);
	CU_ASSERT_EQUAL(it.len, 42);
	CU_ASSERT_TRUE(it.is_list);
}

static void
test_rlp_decode_truncated(void)
{
	uint8_t buf[80];
	struct rlp_item it;
	size_t used = 99;

	CU_ASSERT_EQUAL(rlp_decode(&it, NULL, 0), -EMSGSIZE);
	CU_ASSERT_EQUAL(rlp_decode_item(&it, &used, NULL, 0), -EMSGSIZE);
	CU_ASSERT_EQUAL(used, 99);
	CU_ASSERT_EQUAL(decode_hex(&it, "81"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "836162"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "c3"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "c50102"), -EMSGSIZE);
	/* A long form cut inside its length, or short of its payload. */
	CU_ASSERT_EQUAL(decode_hex(&it, "b8"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "b901"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "f8"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "b840ffeeddccbbaa99887766554433221100"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "f90180"), -EMSGSIZE);
	/* Lengths far beyond the input, up to 2^64 - 1. */
	CU_ASSERT_EQUAL(decode_hex(&it, "bf0f000000000000021111"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "ffffffffffffffffff0001020304050607"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "bfffffffffffffffff"), -EMSGSIZE);
	/* An item that runs past the end of its list, not of the input. */
	CU_ASSERT_EQUAL(decode_hex(&it, "c2830102030405"), -EMSGSIZE);
	CU_ASSERT_EQUAL(decode_hex(&it, "c3c38001"), -EMSGSIZE);
	memset(buf, 0x05, sizeof(buf));
	buf[0] = 0xf8;
	buf[1] = 60;
	buf[2] = 0xb8;
	buf[3] = 60;
	CU_ASSERT_EQUAL(rlp_decode(&it, buf, 62), -EMSGSIZE);
	CU_ASSERT_EQUAL(rlp_decode(&it, buf, sizeof(buf)), -EMSGSIZE);
}

static void
test_rlp_decode_trailing(void)
{
	struct rlp_item it;

	CU_ASSERT_EQUAL(decode_hex(&it, "8080"), -EBADMSG);
	CU_ASSERT_EQUAL(decode_hex(&it, "c000"), -EBADMSG);
	CU_ASSERT_EQUAL(decode_hex(&it, "83646f6701"), -EBADMSG);
	CU_ASSERT_EQUAL(decode_hex(&it, "0000"), -EBADMSG);
}

/* Writes depth lists, each holding the next, the innermost empty. */
static void
nested(struct rlp_enc *e, unsigned depth)
{
	size_t marks[RLP_DEPTH_MAX + 8];

	for (unsigned i = 0; i < depth; i++)
		marks[i] = rlp_enc_list_begin(e);
	for (unsigned i = depth; i > 0; i--)
		rlp_enc_list_end(e, marks[i - 1]);
}

static void
test_rlp_decode_depth(void)
{
	struct rlp_item it;
	struct rlp_enc e;

	rlp_enc_init(&e);
	nested(&e, RLP_DEPTH_MAX);
	CU_ASSERT_EQUAL(rlp_decode(&it, e.data, e.len), 0);
	rlp_enc_reset(&e);
	nested(&e, RLP_DEPTH_MAX + 1);
	CU_ASSERT_EQUAL(rlp_decode(&it, e.data, e.len), -ELOOP);
	/* Depth counts lists inside lists, wherever they sit. */
	rlp_enc_reset(&e);
	{
		size_t m = rlp_enc_list_begin(&e);

		rlp_enc_u64(&e, 1);
		nested(&e, RLP_DEPTH_MAX - 1);
		rlp_enc_u64(&e, 2);
		nested(&e, RLP_DEPTH_MAX);
		rlp_enc_list_end(&e, m);
	}
	CU_ASSERT_EQUAL(rlp_decode(&it, e.data, e.len), -ELOOP);
	/* The shallow decoder leaves nesting to the caller. */
	CU_ASSERT_EQUAL(rlp_decode_item(&it, NULL, e.data, e.len), 0);
	rlp_enc_release(&e);
}

static void
test_rlp_list_next(void)
{
	uint8_t buf[32];
	struct rlp_item list, copy, it = { NULL, 7, false };
	uint64_t v;
	size_t n;

	/* [1, "dog", []] */
	n = unhex(buf, "c601" "83646f67" "c0");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&list, buf, n), 0);
	copy = list;
	CU_ASSERT_EQUAL_FATAL(rlp_list_next(&it, &list), 1);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL_FATAL(rlp_list_next(&it, &list), 1);
	CU_ASSERT_EQUAL(it.len, 3);
	CU_ASSERT_FALSE(it.is_list);
	CU_ASSERT_EQUAL_FATAL(rlp_list_next(&it, &list), 1);
	CU_ASSERT_TRUE(it.is_list);
	CU_ASSERT_EQUAL(it.len, 0);
	CU_ASSERT_EQUAL(rlp_list_next(&it, &list), 0);
	CU_ASSERT_EQUAL(rlp_list_next(&it, &list), 0);
	CU_ASSERT_EQUAL(rlp_list_count(&n, &copy), 0);
	CU_ASSERT_EQUAL(n, 3);

	/* A string is no list. */
	n = unhex(buf, "83646f67");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&list, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_next(&it, &list), -EPROTO);
	CU_ASSERT_EQUAL(rlp_list_count(&n, &list), -EPROTO);

	/* The shallow decoder lets bad items through to the cursor. */
	n = unhex(buf, "c3018100");
	CU_ASSERT_EQUAL_FATAL(rlp_decode_item(&list, NULL, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_next(&it, &list), 1);
	copy = list;
	CU_ASSERT_EQUAL(rlp_list_next(&it, &list), -EINVAL);
	CU_ASSERT_PTR_EQUAL(list.p, copy.p);
	CU_ASSERT_EQUAL(list.len, copy.len);
	n = unhex(buf, "c20183");
	CU_ASSERT_EQUAL_FATAL(rlp_decode_item(&list, NULL, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_count(&n, &list), -EMSGSIZE);
	n = unhex(buf, "c28100");
	CU_ASSERT_EQUAL_FATAL(rlp_decode_item(&list, NULL, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_count(&n, &list), -EINVAL);
}

static void
test_rlp_list_split(void)
{
	uint8_t buf[32];
	struct rlp_item list, items[4];
	uint64_t v;
	size_t n;

	n = unhex(buf, "c3010203");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&list, buf, n), 0);
	CU_ASSERT_EQUAL_FATAL(rlp_list_split(items, 3, &list), 0);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &items[2]), 0);
	CU_ASSERT_EQUAL(v, 3);
	CU_ASSERT_EQUAL(rlp_list_split(items, 2, &list), -EPROTO);
	CU_ASSERT_EQUAL(rlp_list_split(items, 4, &list), -EPROTO);
	CU_ASSERT_EQUAL(rlp_list_split(items, 0, &list), -EPROTO);
	/* The list itself is untouched. */
	CU_ASSERT_EQUAL(list.len, 3);

	n = unhex(buf, "c0");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&list, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_split(items, 0, &list), 0);

	n = unhex(buf, "820102");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&list, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_split(items, 1, &list), -EPROTO);

	/* Bad items give the decoder's error, also past the n wanted. */
	n = unhex(buf, "c401028100");
	CU_ASSERT_EQUAL_FATAL(rlp_decode_item(&list, NULL, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_split(items, 3, &list), -EINVAL);
	CU_ASSERT_EQUAL(rlp_list_split(items, 2, &list), -EINVAL);
	n = unhex(buf, "c3010283");
	CU_ASSERT_EQUAL_FATAL(rlp_decode_item(&list, NULL, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_list_split(items, 3, &list), -EMSGSIZE);
}

static void
test_rlp_item_integers(void)
{
	uint8_t buf[64];
	struct rlp_item it;
	struct u256 u, want;
	uint64_t v = 42;
	size_t n;

	n = unhex(buf, "80");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(rlp_item_u256(&u, &it), 0);
	CU_ASSERT_TRUE(u256_is_zero(&u));

	n = unhex(buf, "8180");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), 0);
	CU_ASSERT_EQUAL(v, 128);

	n = unhex(buf, "88ffffffffffffffff");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);

	/* Too large for the type. */
	n = unhex(buf, "89010000000000000000");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	v = 42;
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), -ERANGE);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(rlp_item_u256(&u, &it), 0);
	CU_ASSERT_EQUAL(u.w[1], 1);
	CU_ASSERT_EQUAL(u.w[0], 0);

	n = unhex(buf, "a0ff00000000000000000000000000000000000000000000000000000000000001");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u256(&u, &it), 0);
	want = (struct u256){ { 1, 0, 0, 0xffULL << 56 } };
	CU_ASSERT_EQUAL(u256_cmp(&u, &want), 0);
	n = unhex(buf, "a1010000000000000000000000000000000000000000000000000000000000000000");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u256(&u, &it), -ERANGE);

	/* Leading zeros: zero is the empty string, not 0x00. */
	n = unhex(buf, "00");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), -EINVAL);
	CU_ASSERT_EQUAL(rlp_item_u256(&u, &it), -EINVAL);
	n = unhex(buf, "820001");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), -EINVAL);
	CU_ASSERT_EQUAL(rlp_item_u256(&u, &it), -EINVAL);

	/* A list is no integer. */
	n = unhex(buf, "c0");
	CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, buf, n), 0);
	CU_ASSERT_EQUAL(rlp_item_u64(&v, &it), -EPROTO);
	CU_ASSERT_EQUAL(rlp_item_u256(&u, &it), -EPROTO);
}

/* Encodes every value of a small grid and decodes it back. */
static void
test_rlp_roundtrip(void)
{
	static const size_t lens[] = { 0, 1, 2, 55, 56, 255, 256, 65535, 65536, 70000 };
	uint8_t *buf = malloc(70000);
	struct rlp_item it, sub;
	struct rlp_enc e;
	size_t mark;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t i = 0; i < 70000; i++)
		buf[i] = (uint8_t)(i * 7 + 0x80);
	rlp_enc_init(&e);
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		rlp_enc_reset(&e);
		rlp_enc_bytes(&e, buf, lens[i]);
		CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, e.data, e.len), 0);
		CU_ASSERT_FALSE(it.is_list);
		CU_ASSERT_EQUAL(it.len, lens[i]);
		CU_ASSERT(lens[i] == 0 || memcmp(it.p, buf, lens[i]) == 0);

		rlp_enc_reset(&e);
		mark = rlp_enc_list_begin(&e);
		rlp_enc_bytes(&e, buf, lens[i]);
		rlp_enc_u64(&e, lens[i]);
		rlp_enc_list_end(&e, mark);
		CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, e.data, e.len), 0);
		CU_ASSERT_TRUE(it.is_list);
		CU_ASSERT_EQUAL(rlp_list_next(&sub, &it), 1);
		CU_ASSERT_EQUAL(sub.len, lens[i]);
	}
	for (uint64_t v = 1; v != 0; v <<= 1) {
		uint64_t got;

		rlp_enc_reset(&e);
		rlp_enc_u64(&e, v - 1);
		CU_ASSERT_EQUAL_FATAL(rlp_decode(&it, e.data, e.len), 0);
		CU_ASSERT_EQUAL(rlp_item_u64(&got, &it), 0);
		CU_ASSERT_EQUAL(got, v - 1);
	}
	rlp_enc_release(&e);
	free(buf);
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_rlp_enc_bytes),
		HARNESS_TEST(test_rlp_enc_integers),
		HARNESS_TEST(test_rlp_enc_lists),
		HARNESS_TEST(test_rlp_header),
		HARNESS_TEST(test_rlp_enc_detach),
		HARNESS_TEST(test_rlp_enc_errors),
		HARNESS_TEST(test_rlp_decode_valid),
		HARNESS_TEST(test_rlp_decode_noncanonical),
		HARNESS_TEST(test_rlp_decode_truncated),
		HARNESS_TEST(test_rlp_decode_trailing),
		HARNESS_TEST(test_rlp_decode_depth),
		HARNESS_TEST(test_rlp_list_next),
		HARNESS_TEST(test_rlp_list_split),
		HARNESS_TEST(test_rlp_item_integers),
		HARNESS_TEST(test_rlp_roundtrip),
		HARNESS_END,
	};
	return harness_run("rlp", tests);
}
