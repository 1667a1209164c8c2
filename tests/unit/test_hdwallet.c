/* Tests for lib/hdwallet.c and the secp.c functions it needs: the vectors of
 * BIP-39 (trezor/python-mnemonic's vectors.json, which BIP-39 cites) and of
 * BIP-32 (test vector 1), and anvil's and Hardhat's dev accounts.
 *
 * HMAC() and PKCS5_PBKDF2_HMAC() are wrapped (-Wl,--wrap in Makefile.am) so
 * that the tests can make libcrypto fail and force the invalid-key branches
 * that real inputs reach with odds of about 2^-127. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "harness.h"
#include "hdwallet.h"
#include "hex.h"
#include "secp.h"

#define DEV_MNEMONIC "test test test test test test test test test test test junk"

/* --- libcrypto failure injection ------------------------------------------ */

/* 0: pass every call through; k: call k from now (counting from 1) fails,
 * or, with hmac_forced set, returns hmac_forced instead. */
static int hmac_fail_at, pbkdf2_fail_at;
static const uint8_t *hmac_forced;

unsigned char *__real_HMAC(const EVP_MD *md, const void *key, int key_len,
    const unsigned char *data, size_t len, unsigned char *out, unsigned int *out_len);
unsigned char *__wrap_HMAC(const EVP_MD *md, const void *key, int key_len,
    const unsigned char *data, size_t len, unsigned char *out, unsigned int *out_len);
int __real_PKCS5_PBKDF2_HMAC(const char *pass, int pass_len, const unsigned char *salt,
    int salt_len, int iter, const EVP_MD *md, int key_len, unsigned char *out);
int __wrap_PKCS5_PBKDF2_HMAC(const char *pass, int pass_len, const unsigned char *salt,
    int salt_len, int iter, const EVP_MD *md, int key_len, unsigned char *out);

unsigned char *
__wrap_HMAC(const EVP_MD *md, const void *key, int key_len, const unsigned char *data,
    size_t len, unsigned char *out, unsigned int *out_len)
{
	if (hmac_fail_at > 0 && --hmac_fail_at == 0) {
		if (hmac_forced == NULL)
			return NULL;
		memcpy(out, hmac_forced, 64);
		*out_len = 64;
		return out;
	}
	return __real_HMAC(md, key, key_len, data, len, out, out_len);
}

int
__wrap_PKCS5_PBKDF2_HMAC(const char *pass, int pass_len, const unsigned char *salt,
    int salt_len, int iter, const EVP_MD *md, int key_len, unsigned char *out)
{
	if (pbkdf2_fail_at > 0 && --pbkdf2_fail_at == 0)
		return 0;
	return __real_PKCS5_PBKDF2_HMAC(pass, pass_len, salt, salt_len, iter, md, key_len, out);
}

/* --- helpers --------------------------------------------------------------- */

static struct secp *ctx;

/* The group order n. */
static const uint8_t order[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

static void
unhex(uint8_t *out, size_t len, const char *s)
{
	size_t n = len;

	CU_ASSERT_EQUAL_FATAL(hex_decode(out, &n, s, strlen(s)), 0);
	CU_ASSERT_EQUAL_FATAL(n, len);
}

static bool
is_hex(const uint8_t *b, size_t len, const char *s)
{
	char buf[2 * 64 + 1];

	if (len > 64)
		return false;
	hex_encode(buf, b, len);
	return strcmp(buf, s) == 0;
}

static bool
is_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Checks rc and that the message contains want, then frees it. */
static void
check_cause(int rc, int want_rc, char **cause, const char *want)
{
	CU_ASSERT_EQUAL(rc, want_rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*cause);
	if (strstr(*cause, want) == NULL)
		fprintf(stderr, "\n  message '%s' lacks '%s'\n", *cause, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(*cause, want));
	free(*cause);
	*cause = NULL;
}

/* Checks that mnemonic fails with want_rc and a message containing want. */
static void
check_mnemonic(const char *mnemonic, int want_rc, const char *want)
{
	char *cause = NULL;

	check_cause(hdwallet_mnemonic_check(&cause, mnemonic), want_rc, &cause, want);
	/* Without a cause, the result is the same. */
	CU_ASSERT_EQUAL(hdwallet_mnemonic_check(NULL, mnemonic), want_rc);
}

static void
check_path(const char *s, int want_rc, const char *want)
{
	struct hdwallet_path path;
	char *cause = NULL;

	check_cause(hdwallet_path_parse(&path, &cause, s), want_rc, &cause, want);
	CU_ASSERT_EQUAL(hdwallet_path_parse(&path, NULL, s), want_rc);
}

/* --- the word list --------------------------------------------------------- */

/* The list joined with newlines is bitcoin/bips bip-0039/english.txt, byte
 * for byte; its SHA-256 is the one other implementations pin too. */
static void
test_hdwallet_wordlist(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t hash[32];

	CU_ASSERT_STRING_EQUAL(hdwallet_word(0), "abandon");
	CU_ASSERT_STRING_EQUAL(hdwallet_word(HDWALLET_WORDS - 1), "zoo");
	CU_ASSERT_PTR_NULL(hdwallet_word(HDWALLET_WORDS));
	CU_ASSERT_PTR_NULL(hdwallet_word(~0u));
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	CU_ASSERT_FATAL(EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1);
	for (unsigned i = 0; i < HDWALLET_WORDS; i++) {
		const char *w = hdwallet_word(i);
		size_t len = strlen(w);

		CU_ASSERT(len >= 3 && len <= 8);
		for (size_t j = 0; j < len; j++)
			CU_ASSERT(w[j] >= 'a' && w[j] <= 'z');
		/* Sorted and unique, which the binary search needs; and the
		 * first four letters identify a word, as BIP-39 promises. */
		if (i > 0) {
			CU_ASSERT(strcmp(hdwallet_word(i - 1), w) < 0);
			CU_ASSERT(strncmp(hdwallet_word(i - 1), w, 4) != 0);
		}
		CU_ASSERT(EVP_DigestUpdate(md, w, len) == 1);
		CU_ASSERT(EVP_DigestUpdate(md, "\n", 1) == 1);
	}
	CU_ASSERT(EVP_DigestFinal_ex(md, hash, NULL) == 1);
	EVP_MD_CTX_free(md);
	CU_ASSERT(is_hex(hash, 32, "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"));
}

/* --- BIP-39 ---------------------------------------------------------------- */

/* From vectors.json: entropy, mnemonic, seed with the passphrase "TREZOR",
 * and the BIP-32 master key and chain code from that seed (decoded from the
 * vector's xprv). */
static const struct {
	const char *entropy, *mnemonic, *seed, *key, *chain_code;
} bip39_vectors[] = {
	{
		"00000000000000000000000000000000",
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon about",
		"c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e5349553"
		"1f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
		"cbedc75b0d6412c85c79bc13875112ef912fd1e756631b5a00330866f22ff184",
		"a3fa8c983223306de0f0f65e74ebb1e98aba751633bf91d5fb56529aa5c132c1",
	},
	{
		"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
		"legal winner thank year wave sausage worth useful legal winner "
		"thank yellow",
		"2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6f"
		"a457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
		"dddda5cdef032caf0b966bb1c7d2a8836e827aaa6480e9067080a075656d3228",
		"3dff8e4e898ecd7f09dd62023bd6ca129312216b427d4f6b650f456da06b543f",
	},
	{
		"ffffffffffffffffffffffffffffffff",
		"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
		"ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13"
		"332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
		"e1330e46e88f1c65cc1e228a16e3f0b94a316ae4fcfda1df4996b85c70d7b909",
		"2aca5330a87a7890f10c849ebf658c3cef30cc5bd9d3124bd236185d4cfcb107",
	},
	{
		"000000000000000000000000000000000000000000000000",
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon agent",
		"035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca"
		"06da5a9a565181599b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa",
		"410bbd9109b987e9e078ec6035745fa05515fda018214013153a5e6ed671d1b2",
		"ab389a07217fe4ebb57f0a3385a05455ecd351e3506c758bb7a15fc3f0bf0c56",
	},
	{
		"ffffffffffffffffffffffffffffffffffffffffffffffff",
		"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
		"zoo when",
		"0cd6e5d827bb62eb8fc1e262254223817fd068a74b5b449cc2f667c3f1f985a7"
		"6379b43348d952e2265b4cd129090758b3e3c2c49103b5051aac2eaeb890a528",
		"2786d73ac9c0261e01880df13e2751c89d3ac9f0cbdfd93fff342f122f80d04a",
		"6794973b75f4fd626030d7686b8617024bbb5c9df31ce43b9f48074b61e672eb",
	},
	{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon abandon abandon abandon art",
		"bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd30971"
		"70af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
		"c8b4073ccfcc63475c3d5202c6594484ee4e77b867cde3c3b46432fd71b467ae",
		"61ccb2bbe7d2a4fccd5f418ee931db7cbac9a153ec43b0ae3759ff991e4d23d1",
	},
	{
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
		"zoo zoo zoo zoo zoo zoo zoo vote",
		"dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e16"
		"13912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
		"40c1cf7c7d5fcd6a4b1f8460efb62a47c3680e4c378d70e6ffa5b5baa310efac",
		"2cd568d37c19eb04f6c8a06eb32c3058ab1dc8709d411afd259d6a82c967c395",
	},
	{
		"6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
		"gravity machine north sort system female filter attitude volume "
		"fold club stay feature office ecology stable narrow fog",
		"628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e"
		"4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac",
		"0bf8f75e9eb03c1fe723da7e30cae8d267a9adf4091dc8140868cbbf16f650df",
		"b975e8d7517ed618cbbebe87555e415874438b670c9e54e57f70ff02a15c4c10",
	},
	{
		"68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
		"hamster diagram private dutch cause delay private meat slide "
		"toddler razor book happy fancy gospel tennis maple dilemma loan "
		"word shrug inflict delay length",
		"64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d2"
		"0b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440",
		"f2a26d6881b5d3bbdc4e16f1339f345d688eb129b5f5a602cfb1ab9db09218a0",
		"2eebe52a1cbe55cbb845c4f8f03bd4580322d7f4bf3c6dd6d2276949bcf80afd",
	},
};

static void
test_hdwallet_bip39_vectors(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bip39_vectors); i++) {
		uint8_t entropy[HDWALLET_ENTROPY_MAX], seed[HDWALLET_SEED_LEN];
		struct hdwallet_key master;
		char *cause = NULL;
		size_t len = 0;

		CU_ASSERT_EQUAL_FATAL(hdwallet_mnemonic_entropy(entropy, &len, &cause,
		    bip39_vectors[i].mnemonic), 0);
		CU_ASSERT_PTR_NULL(cause);
		CU_ASSERT(is_hex(entropy, len, bip39_vectors[i].entropy));
		CU_ASSERT_EQUAL(hdwallet_mnemonic_check(NULL, bip39_vectors[i].mnemonic), 0);
		CU_ASSERT_EQUAL_FATAL(hdwallet_seed(seed, &cause, bip39_vectors[i].mnemonic,
		    "TREZOR"), 0);
		{
			char hexseed[2 * HDWALLET_SEED_LEN + 1];

			hex_encode(hexseed, seed, sizeof seed);
			CU_ASSERT_STRING_EQUAL(hexseed, bip39_vectors[i].seed);
		}
		CU_ASSERT_EQUAL_FATAL(hdwallet_master(&master, seed, sizeof seed), 0);
		CU_ASSERT(is_hex(master.key, 32, bip39_vectors[i].key));
		CU_ASSERT(is_hex(master.chain_code, 32, bip39_vectors[i].chain_code));
		hdwallet_key_release(&master);
		CU_ASSERT(is_zero(&master, sizeof master));
		explicit_bzero(seed, sizeof seed);
	}
}

/* The vectors have no 15- or 21-word mnemonics; these encode all-zero and
 * all-one entropy (checksums computed from BIP-39's definition). */
static void
test_hdwallet_mnemonic_lengths(void)
{
	static const struct {
		const char *mnemonic;
		size_t len;
		uint8_t fill;
	} cases[] = {
		{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
		  "abandon abandon abandon abandon abandon address", 20, 0x00 },
		{ "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrist", 20, 0xff },
		{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
		  "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
		  "abandon abandon admit", 28, 0x00 },
		{ "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
		  "zoo zoo veteran", 28, 0xff },
		{ DEV_MNEMONIC, 16, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t entropy[HDWALLET_ENTROPY_MAX];
		size_t len = 0;

		CU_ASSERT_EQUAL_FATAL(hdwallet_mnemonic_entropy(entropy, &len, NULL,
		    cases[i].mnemonic), 0);
		CU_ASSERT_EQUAL(len, cases[i].len);
		if (i + 1 < ARRAY_SIZE(cases))
			for (size_t j = 0; j < len; j++)
				CU_ASSERT_EQUAL(entropy[j], cases[i].fill);
	}
}

static void
test_hdwallet_mnemonic_unknown_word(void)
{
	uint8_t entropy[HDWALLET_ENTROPY_MAX];
	char *cause = NULL;
	size_t len = 7;
	char long_word[256];

	/* The position counts from 1, and a close word is suggested. */
	check_mnemonic("test test test test tesr test test test test test test junk", -ENOENT,
	    "word 5 of the mnemonic, 'tesr', is not in the BIP-39 English word list; did you "
	    "mean 'test'?");
	check_mnemonic("test test test test test test test test test test test junky", -ENOENT,
	    "word 12 of the mnemonic, 'junky'");
	check_mnemonic("qqqqqqqqqq test test test test test test test test test test junk", -ENOENT,
	    "word 1 of the mnemonic, 'qqqqqqqqqq', is not in the BIP-39 English word list");
	CU_ASSERT_EQUAL(hdwallet_mnemonic_check(&cause,
	    "qqqqqqqqqq test test test test test test test test test test junk"), -ENOENT);
	CU_ASSERT_PTR_NULL(strstr(cause, "did you mean"));
	free(cause);
	cause = NULL;
	/* A prefix of a word, or a word with a list word as its prefix. */
	check_mnemonic("test test test test test test test test test test test jun", -ENOENT,
	    "word 12 of the mnemonic, 'jun'");
	check_mnemonic("abandonx abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon about", -ENOENT, "word 1 of the mnemonic, 'abandonx'");
	check_mnemonic("test test test test test test test test test test test zoos", -ENOENT,
	    "word 12");
	check_mnemonic("aaa test test test test test test test test test test junk", -ENOENT,
	    "word 1");
	/* A long word is quoted in part. */
	memset(long_word, 'x', 150);
	strcpy(long_word + 150, " test test test test test test test test test test junk");
	check_mnemonic(long_word, -ENOENT, "word 1 of the mnemonic, 'xxxxxxxxxx");
	CU_ASSERT_EQUAL(hdwallet_mnemonic_check(&cause, long_word), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "x...'"));
	CU_ASSERT(strlen(cause) < 150);
	free(cause);
	cause = NULL;
	/* The outputs are zeroed on error. */
	memset(entropy, 0xaa, sizeof entropy);
	CU_ASSERT_EQUAL(hdwallet_mnemonic_entropy(entropy, &len, NULL,
	    "test test test test tset test test test test test test junk"), -ENOENT);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT(is_zero(entropy, sizeof entropy));
}

static void
test_hdwallet_mnemonic_word_count(void)
{
	check_mnemonic("", -EINVAL, "a mnemonic has 12, 15, 18, 21 or 24 words, not 0");
	check_mnemonic("test", -EINVAL, "not 1");
	check_mnemonic("test test test test test test test test test test junk", -EINVAL,
	    "not 11");
	check_mnemonic("test test test test test test test test test test test test junk",
	    -EINVAL, "not 13");
	check_mnemonic("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
	    "zoo zoo zoo zoo zoo zoo vote", -EINVAL, "not 25");
	check_mnemonic("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
	    "zoo zoo zoo zoo zoo zoo zoo zoo zoo", -EINVAL, "not 27");
	/* The count is checked before the words. */
	check_mnemonic("nope", -EINVAL, "not 1");
}

static void
test_hdwallet_mnemonic_checksum(void)
{
	check_mnemonic("test test test test test test test test test test test test", -EBADMSG,
	    "the mnemonic's checksum does not match");
	check_mnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon "
	    "abandon abandon abandon", -EBADMSG, "checksum");
	/* Two words swapped. */
	check_mnemonic("junk test test test test test test test test test test test", -EBADMSG,
	    "checksum");
	check_mnemonic("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
	    "zoo zoo zoo zoo zoo wrong", -EBADMSG, "checksum");
	check_mnemonic("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
	    "zoo zoo zoo zoo zoo zoo", -EBADMSG, "checksum");
}

static void
test_hdwallet_mnemonic_syntax(void)
{
	check_mnemonic("Test test test test test test test test test test test junk", -EINVAL,
	    "unexpected 'T' at offset 0 of the mnemonic");
	check_mnemonic("test test test test test test test test test test test junk1", -EINVAL,
	    "unexpected '1' at offset 59");
	check_mnemonic("test\ttest test test test test test test test test test junk", -EINVAL,
	    "unexpected byte 0x09 at offset 4");
	check_mnemonic("test test test test test test test test test test test junk\n", -EINVAL,
	    "unexpected byte 0x0a at offset 59");
	check_mnemonic("t\xc3\xa9st test test test test test test test test test test junk",
	    -EINVAL, "non-ASCII byte at offset 1 of the mnemonic: only English mnemonics in "
	    "ASCII are supported");
	check_mnemonic("test  test test test test test test test test test test junk", -EINVAL,
	    "empty word at offset 5 of the mnemonic");
	check_mnemonic(" test test test test test test test test test test test junk", -EINVAL,
	    "empty word at offset 0");
	check_mnemonic("test test test test test test test test test test test junk ", -EINVAL,
	    "empty word at offset 60");
	check_mnemonic(" ", -EINVAL, "empty word at offset 0");
}

static void
test_hdwallet_seed(void)
{
	uint8_t seed[HDWALLET_SEED_LEN], again[HDWALLET_SEED_LEN];
	char passphrase[HDWALLET_PASSPHRASE_MAX + 2];
	char *cause = NULL;

	/* No passphrase: NULL and "" agree. */
	CU_ASSERT_EQUAL_FATAL(hdwallet_seed(seed, NULL, bip39_vectors[0].mnemonic, NULL), 0);
	CU_ASSERT(is_hex(seed, 32, "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1"));
	CU_ASSERT_EQUAL_FATAL(hdwallet_seed(again, NULL, bip39_vectors[0].mnemonic, ""), 0);
	CU_ASSERT(memcmp(seed, again, sizeof seed) == 0);

	/* The longest passphrase works; one byte more does not. */
	memset(passphrase, 'p', sizeof passphrase);
	passphrase[HDWALLET_PASSPHRASE_MAX] = '\0';
	CU_ASSERT_EQUAL(hdwallet_seed(seed, &cause, DEV_MNEMONIC, passphrase), 0);
	CU_ASSERT_PTR_NULL(cause);
	passphrase[HDWALLET_PASSPHRASE_MAX] = 'p';
	passphrase[HDWALLET_PASSPHRASE_MAX + 1] = '\0';
	check_cause(hdwallet_seed(seed, &cause, DEV_MNEMONIC, passphrase), -EINVAL, &cause,
	    "the passphrase is longer than 1024 bytes");
	CU_ASSERT(is_zero(seed, sizeof seed));

	check_cause(hdwallet_seed(seed, &cause, DEV_MNEMONIC, "caf\xc3\xa9"), -EINVAL, &cause,
	    "non-ASCII byte at offset 3 of the passphrase");
	/* Every byte below 0x80 is ASCII, and NFKD keeps it. */
	CU_ASSERT_EQUAL(hdwallet_seed(seed, NULL, DEV_MNEMONIC, "\x01\t~ x"), 0);

	/* An invalid mnemonic gives no seed. */
	memset(seed, 0xaa, sizeof seed);
	check_cause(hdwallet_seed(seed, &cause, "test test test test test test test test test "
	    "test test test", "TREZOR"), -EBADMSG, &cause, "checksum");
	CU_ASSERT(is_zero(seed, sizeof seed));
	check_cause(hdwallet_seed(seed, &cause, "tset", NULL), -EINVAL, &cause, "not 1");
	check_cause(hdwallet_seed(seed, &cause, "test test test test test test test test test "
	    "test test jnuk", NULL), -ENOENT, &cause, "word 12");

	/* libcrypto failing. */
	memset(seed, 0xaa, sizeof seed);
	pbkdf2_fail_at = 1;
	check_cause(hdwallet_seed(seed, &cause, DEV_MNEMONIC, NULL), -ENOMEM, &cause,
	    "libcrypto failed to compute PBKDF2-HMAC-SHA512");
	CU_ASSERT_EQUAL(pbkdf2_fail_at, 0);
	CU_ASSERT(is_zero(seed, sizeof seed));
}

/* --- BIP-32 ---------------------------------------------------------------- */

/* BIP-32 test vector 1: the key material of each chain's xprv. */
static const struct {
	const char *path, *key, *chain_code;
} bip32_vector1[] = {
	{ "m",
	  "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35",
	  "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508" },
	{ "m/0H",
	  "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea",
	  "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141" },
	{ "m/0H/1",
	  "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368",
	  "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19" },
	{ "m/0H/1/2H",
	  "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca",
	  "04466b9cc8e161e966409ca52986c584f07e9dc81f735db683c3ff6ec7b1503f" },
	{ "m/0H/1/2H/2",
	  "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4",
	  "cfb71883f01676f587d023cc53a35bc7f88f724b1f8c2892ac1275ac822a3edd" },
	{ "m/0H/1/2H/2/1000000000",
	  "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8",
	  "c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e" },
};

static void
test_hdwallet_bip32_vector1(void)
{
	uint8_t seed[16];
	struct hdwallet_key master, key, step;
	struct hdwallet_path path;

	unhex(seed, sizeof seed, "000102030405060708090a0b0c0d0e0f");
	CU_ASSERT_EQUAL_FATAL(hdwallet_master(&master, seed, sizeof seed), 0);
	step = master;
	for (size_t i = 0; i < ARRAY_SIZE(bip32_vector1); i++) {
		CU_ASSERT_EQUAL_FATAL(hdwallet_path_parse(&path, NULL, bip32_vector1[i].path), 0);
		CU_ASSERT_EQUAL_FATAL(path.depth, i);
		CU_ASSERT_EQUAL_FATAL(hdwallet_derive(ctx, &key, &master, &path), 0);
		CU_ASSERT(is_hex(key.key, 32, bip32_vector1[i].key));
		CU_ASSERT(is_hex(key.chain_code, 32, bip32_vector1[i].chain_code));
		/* One step at a time, in place, gives the same. */
		if (i > 0)
			CU_ASSERT_EQUAL_FATAL(hdwallet_child(ctx, &step, &step,
			    path.index[i - 1]), 0);
		CU_ASSERT(memcmp(&step, &key, sizeof key) == 0);
	}
	/* derive may write over its master. */
	CU_ASSERT_EQUAL_FATAL(hdwallet_derive(ctx, &master, &master, &path), 0);
	CU_ASSERT(memcmp(&master, &key, sizeof key) == 0);
	hdwallet_key_release(&master);
	hdwallet_key_release(&key);
	hdwallet_key_release(&step);
	hdwallet_key_release(NULL);
}

static void
test_hdwallet_master_errors(void)
{
	static const uint8_t too_big[64] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	uint8_t seed[65];
	struct hdwallet_key master;

	memset(seed, 7, sizeof seed);
	CU_ASSERT_EQUAL(hdwallet_master(&master, seed, 16), 0);
	CU_ASSERT_EQUAL(hdwallet_master(&master, seed, 64), 0);
	memset(&master, 0xaa, sizeof master);
	CU_ASSERT_EQUAL(hdwallet_master(&master, seed, 15), -EINVAL);
	CU_ASSERT(is_zero(&master, sizeof master));
	CU_ASSERT_EQUAL(hdwallet_master(&master, seed, 65), -EINVAL);
	CU_ASSERT_EQUAL(hdwallet_master(&master, seed, 0), -EINVAL);

	/* A left half at or above n is no key. */
	hmac_forced = too_big;
	hmac_fail_at = 1;
	memset(&master, 0xaa, sizeof master);
	CU_ASSERT_EQUAL(hdwallet_master(&master, seed, 32), -ERANGE);
	CU_ASSERT(is_zero(&master, sizeof master));
	hmac_forced = NULL;
	hmac_fail_at = 1;
	CU_ASSERT_EQUAL(hdwallet_master(&master, seed, 32), -ENOMEM);
	CU_ASSERT_EQUAL(hmac_fail_at, 0);
}

static void
test_hdwallet_child_errors(void)
{
	static const uint8_t too_big[64] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct hdwallet_key parent, child, saved;
	uint8_t seed[16];

	unhex(seed, sizeof seed, "000102030405060708090a0b0c0d0e0f");
	CU_ASSERT_EQUAL_FATAL(hdwallet_master(&parent, seed, sizeof seed), 0);
	saved = parent;

	/* A parent key of zero or n is not a key, hardened or not. */
	for (int hardened = 0; hardened <= 1; hardened++) {
		uint32_t index = hardened ? HDWALLET_HARDENED : 0;
		struct hdwallet_key bad = parent;

		memset(bad.key, 0, sizeof bad.key);
		memset(&child, 0xaa, sizeof child);
		CU_ASSERT_EQUAL(hdwallet_child(ctx, &child, &bad, index), -EINVAL);
		CU_ASSERT(is_zero(&child, sizeof child));
		memcpy(bad.key, order, sizeof bad.key);
		CU_ASSERT_EQUAL(hdwallet_child(ctx, &child, &bad, index), -EINVAL);

		/* A left half at or above n: BIP-32 skips the index. */
		hmac_forced = too_big;
		hmac_fail_at = 1;
		memset(&child, 0xaa, sizeof child);
		CU_ASSERT_EQUAL(hdwallet_child(ctx, &child, &parent, index), -ERANGE);
		CU_ASSERT(is_zero(&child, sizeof child));
		/* Failing in place keeps the parent. */
		hmac_fail_at = 1;
		CU_ASSERT_EQUAL(hdwallet_child(ctx, &parent, &parent, index), -ERANGE);
		CU_ASSERT(memcmp(&parent, &saved, sizeof parent) == 0);
		hmac_forced = NULL;
		hmac_fail_at = 1;
		CU_ASSERT_EQUAL(hdwallet_child(ctx, &child, &parent, index), -ENOMEM);
		CU_ASSERT(is_zero(&child, sizeof child));
	}

	/* derive passes the errors up and wipes its output. */
	{
		struct hdwallet_path path;

		CU_ASSERT_EQUAL_FATAL(hdwallet_path_parse(&path, NULL, "m/0H/1"), 0);
		hmac_forced = too_big;
		hmac_fail_at = 2;
		memset(&child, 0xaa, sizeof child);
		CU_ASSERT_EQUAL(hdwallet_derive(ctx, &child, &parent, &path), -ERANGE);
		CU_ASSERT(is_zero(&child, sizeof child));
		hmac_forced = NULL;
	}
	hdwallet_key_release(&parent);
	hdwallet_key_release(&saved);
}

static void
test_hdwallet_path_parse(void)
{
	struct hdwallet_path path;
	char *cause = NULL;
	char deep[3 * HDWALLET_PATH_MAX + 8];

	CU_ASSERT_EQUAL(hdwallet_path_parse(&path, &cause, "m"), 0);
	CU_ASSERT_EQUAL(path.depth, 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(hdwallet_path_parse(&path, NULL, "m/44'/60'/0'/0/3"), 0);
	CU_ASSERT_EQUAL_FATAL(path.depth, 5);
	CU_ASSERT_EQUAL(path.index[0], HDWALLET_HARDENED | 44);
	CU_ASSERT_EQUAL(path.index[1], HDWALLET_HARDENED | 60);
	CU_ASSERT_EQUAL(path.index[2], HDWALLET_HARDENED);
	CU_ASSERT_EQUAL(path.index[3], 0);
	CU_ASSERT_EQUAL(path.index[4], 3);
	CU_ASSERT_EQUAL_FATAL(hdwallet_path_parse(&path, NULL, "m/44h/60H/2147483647'/2147483647/007"), 0);
	CU_ASSERT_EQUAL_FATAL(path.depth, 5);
	CU_ASSERT_EQUAL(path.index[0], HDWALLET_HARDENED | 44);
	CU_ASSERT_EQUAL(path.index[1], HDWALLET_HARDENED | 60);
	CU_ASSERT_EQUAL(path.index[2], 0xffffffffu);
	CU_ASSERT_EQUAL(path.index[3], 0x7fffffffu);
	CU_ASSERT_EQUAL(path.index[4], 7);

	/* HDWALLET_PATH_MAX levels parse; one more does not. */
	strcpy(deep, "m");
	for (int i = 0; i < HDWALLET_PATH_MAX; i++)
		strcat(deep, "/1'");
	CU_ASSERT_EQUAL(hdwallet_path_parse(&path, NULL, deep), 0);
	CU_ASSERT_EQUAL(path.depth, HDWALLET_PATH_MAX);
	strcat(deep, "/2");
	check_path(deep, -E2BIG, "is deeper than 32 levels");
}

static void
test_hdwallet_path_errors(void)
{
	check_path("", -EINVAL, "path '' does not start with 'm'");
	check_path("44'/60'", -EINVAL, "path '44'/60'' does not start with 'm'");
	check_path("M/0", -EINVAL, "does not start with 'm'");
	check_path("/m/0", -EINVAL, "does not start with 'm'");
	check_path("m/", -EINVAL, "empty index at offset 2 of path 'm/'");
	check_path("m//0", -EINVAL, "empty index at offset 2 of path 'm//0'");
	check_path("m/44'/60'/0'/0/", -EINVAL, "empty index at offset 15");
	check_path("m0", -EINVAL, "unexpected '0' at offset 1 of path 'm0': expected '/'");
	check_path("m/1''", -EINVAL, "unexpected ''' at offset 4 of path 'm/1'''");
	check_path("m/1x", -EINVAL, "unexpected 'x' at offset 3");
	check_path("m/1'x", -EINVAL, "unexpected 'x' at offset 4");
	check_path("m/-1", -EINVAL, "unexpected '-' at offset 2 of path 'm/-1': expected a digit");
	check_path("m/'", -EINVAL, "unexpected ''' at offset 2");
	check_path("m/ 1", -EINVAL, "unexpected ' ' at offset 2");
	check_path("m/1 ", -EINVAL, "unexpected ' ' at offset 3");
	check_path("m/0x10", -EINVAL, "unexpected 'x' at offset 3");
	check_path("m/1\n", -EINVAL, "unexpected byte 0x0a at offset 3");
	check_path("m/2147483648", -ERANGE,
	    "index 2147483648 in path 'm/2147483648' is out of range");
	check_path("m/2147483648'", -ERANGE, "index 2147483648 in path");
	check_path("m/0/99999999999999999999999999", -ERANGE, "index 99999999999999999999999999");
	check_path("m/4294967296", -ERANGE, "out of range");
}

/* --- dev accounts ---------------------------------------------------------- */

/* anvil's and Hardhat's accounts for the default mnemonic; the first three
 * private keys are published with them. */
static const char *const dev_addrs[10] = {
	"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
	"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
	"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
	"0x90F79bf6EB2c4f870365E785982E1f101E93b906",
	"0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
	"0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
	"0x976EA74026E726554dB657fA54763abd0C3a0aa9",
	"0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
	"0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
	"0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
};
static const char *const dev_keys[3] = {
	"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	"5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
};

static void
test_hdwallet_dev_accounts(void)
{
	struct hdwallet_account accts[10], one;
	char *cause = NULL;

	CU_ASSERT_EQUAL_FATAL(hdwallet_accounts(ctx, accts, 10, &cause, DEV_MNEMONIC, NULL, NULL,
	    0), 0);
	CU_ASSERT_PTR_NULL(cause);
	for (size_t i = 0; i < 10; i++) {
		uint8_t addr[20];

		CU_ASSERT_STRING_EQUAL(accts[i].addr_hex, dev_addrs[i]);
		CU_ASSERT_EQUAL(eip55_parse(addr, dev_addrs[i]), 0);
		CU_ASSERT(memcmp(addr, accts[i].addr, sizeof addr) == 0);
		if (i < ARRAY_SIZE(dev_keys))
			CU_ASSERT(is_hex(accts[i].key, 32, dev_keys[i]));
	}

	/* One at a time, as anvil --mnemonic does. */
	CU_ASSERT_EQUAL_FATAL(hdwallet_account(ctx, &one, &cause, DEV_MNEMONIC, 0), 0);
	CU_ASSERT_STRING_EQUAL(one.addr_hex, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	CU_ASSERT(is_hex(one.key, 32, dev_keys[0]));
	CU_ASSERT_EQUAL_FATAL(hdwallet_account(ctx, &one, NULL, DEV_MNEMONIC, 9), 0);
	CU_ASSERT_STRING_EQUAL(one.addr_hex, dev_addrs[9]);

	/* The path spelled out, with anvil's trailing "/" and h for ', from
	 * an offset. */
	CU_ASSERT_EQUAL_FATAL(hdwallet_accounts(ctx, accts, 3, NULL, DEV_MNEMONIC, "",
	    "m/44h/60h/0h/0/", 5), 0);
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_STRING_EQUAL(accts[i].addr_hex, dev_addrs[5 + i]);

	/* The whole path through the lower-level calls. */
	{
		uint8_t seed[HDWALLET_SEED_LEN];
		struct hdwallet_key master, key;
		struct hdwallet_path path;

		CU_ASSERT_EQUAL_FATAL(hdwallet_seed(seed, NULL, DEV_MNEMONIC, NULL), 0);
		CU_ASSERT_EQUAL_FATAL(hdwallet_master(&master, seed, sizeof seed), 0);
		CU_ASSERT_EQUAL_FATAL(hdwallet_path_parse(&path, NULL, "m/44'/60'/0'/0/2"), 0);
		CU_ASSERT_EQUAL_FATAL(hdwallet_derive(ctx, &key, &master, &path), 0);
		CU_ASSERT(is_hex(key.key, 32, dev_keys[2]));
		explicit_bzero(seed, sizeof seed);
		hdwallet_key_release(&master);
		hdwallet_key_release(&key);
	}

	/* A passphrase or another path gives other accounts. */
	CU_ASSERT_EQUAL_FATAL(hdwallet_accounts(ctx, &one, 1, NULL, DEV_MNEMONIC, "x", NULL, 0), 0);
	CU_ASSERT_STRING_NOT_EQUAL(one.addr_hex, dev_addrs[0]);
	CU_ASSERT_EQUAL_FATAL(hdwallet_accounts(ctx, &one, 1, NULL, DEV_MNEMONIC, NULL, "m", 0), 0);
	CU_ASSERT_STRING_NOT_EQUAL(one.addr_hex, dev_addrs[0]);

	/* No accounts is no work, but the inputs are still checked. */
	CU_ASSERT_EQUAL(hdwallet_accounts(ctx, NULL, 0, NULL, DEV_MNEMONIC, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(hdwallet_accounts(ctx, NULL, 0, NULL, "test", NULL, NULL, 0), -EINVAL);

	hdwallet_account_release(&one);
	CU_ASSERT(is_zero(&one, sizeof one));
	for (size_t i = 0; i < 10; i++)
		hdwallet_account_release(&accts[i]);
	hdwallet_account_release(NULL);
}

static void
test_hdwallet_account_errors(void)
{
	static const uint8_t too_big[64] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct hdwallet_account accts[2];
	char deep[3 * HDWALLET_PATH_MAX + 8];
	char *cause = NULL;

	/* Indexes from 2^31 on are hardened, and no account's. */
	CU_ASSERT_EQUAL(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 0x7fffffff), 0);
	CU_ASSERT_PTR_NULL(cause);
	memset(accts, 0xaa, sizeof accts);
	check_cause(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 0x80000000), -ERANGE,
	    &cause, "account index 2147483648 is out of range: the last index that is not "
	    "hardened is 2147483647");
	CU_ASSERT(is_zero(accts, sizeof accts[0]));
	check_cause(hdwallet_accounts(ctx, accts, 2, &cause, DEV_MNEMONIC, NULL, NULL,
	    0x7fffffff), -ERANGE, &cause, "account index 2147483648 is out of range");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, NULL, NULL,
	    0xffffffff), -ERANGE, &cause, "account index 4294967295 is out of range");

	/* The mnemonic's, the passphrase's and the path's errors. */
	memset(accts, 0xaa, sizeof accts);
	check_cause(hdwallet_accounts(ctx, accts, 2, &cause, "test test test test tset test "
	    "test test test test test junk", NULL, NULL, 0), -ENOENT, &cause, "word 5");
	CU_ASSERT(is_zero(accts, sizeof accts));
	check_cause(hdwallet_account(ctx, accts, &cause, "test test", 0), -EINVAL, &cause,
	    "not 2");
	check_cause(hdwallet_account(ctx, accts, &cause, "test test test test test test test "
	    "test test test test test", 0), -EBADMSG, &cause, "checksum");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, "\xff", NULL, 0),
	    -EINVAL, &cause, "non-ASCII byte at offset 0 of the passphrase");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, NULL, "m/44'//0", 0),
	    -EINVAL, &cause, "empty index at offset 6");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, NULL, "m/44'/0//", 0),
	    -EINVAL, &cause, "empty index at offset 8");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, NULL, "/", 0),
	    -EINVAL, &cause, "path '/' does not start with 'm'");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, NULL, "m/3000000000/",
	    0), -ERANGE, &cause, "index 3000000000 in path 'm/3000000000'");
	strcpy(deep, "m");
	for (int i = 0; i < HDWALLET_PATH_MAX; i++)
		strcat(deep, "/1");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, NULL, deep, 0),
	    -E2BIG, &cause, "leaves no level for the account index: it may have at most 31 levels");
	deep[strlen(deep) - 2] = '\0';
	CU_ASSERT_EQUAL(hdwallet_accounts(ctx, accts, 1, NULL, DEV_MNEMONIC, NULL, deep, 0), 0);
	strcat(deep, "/1/1");
	check_cause(hdwallet_accounts(ctx, accts, 1, &cause, DEV_MNEMONIC, NULL, deep, 0),
	    -E2BIG, &cause, "is deeper than 32 levels");

	/* libcrypto failing, and invalid keys forced, at each step: the seed,
	 * the master key, a path level, an account. */
	pbkdf2_fail_at = 1;
	check_cause(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 0), -ENOMEM, &cause,
	    "libcrypto failed to compute PBKDF2-HMAC-SHA512");
	hmac_fail_at = 1;
	check_cause(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 0), -ENOMEM, &cause,
	    "libcrypto failed to compute HMAC-SHA512");
	hmac_fail_at = 3;
	check_cause(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 0), -ENOMEM, &cause,
	    "cannot derive path level 2: libcrypto failed to compute HMAC-SHA512");
	memset(accts, 0xaa, sizeof accts);
	hmac_fail_at = 7;
	check_cause(hdwallet_accounts(ctx, accts, 2, &cause, DEV_MNEMONIC, NULL, NULL, 4), -ENOMEM,
	    &cause, "cannot derive account 5: libcrypto failed to compute HMAC-SHA512");
	CU_ASSERT(is_zero(accts, sizeof accts));
	hmac_forced = too_big;
	hmac_fail_at = 1;
	check_cause(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 0), -ERANGE, &cause,
	    "the mnemonic gives an invalid BIP-32 master key");
	hmac_fail_at = 5;
	check_cause(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 0), -ERANGE, &cause,
	    "cannot derive path level 4: BIP-32 gives no valid key there");
	hmac_fail_at = 6;
	check_cause(hdwallet_account(ctx, accts, &cause, DEV_MNEMONIC, 3), -ERANGE, &cause,
	    "cannot derive account 3: BIP-32 gives no valid key there");
	hmac_forced = NULL;
	CU_ASSERT_EQUAL(hmac_fail_at, 0);
	CU_ASSERT_EQUAL(pbkdf2_fail_at, 0);
}

/* --- secp.c's additions ---------------------------------------------------- */

static void
test_secp_pubkey_compressed(void)
{
	uint8_t key[32], pub[64], cpub[33];
	int parity[2] = { 0, 0 };

	memset(key, 0, sizeof key);
	key[31] = 1;
	CU_ASSERT_EQUAL_FATAL(secp_pubkey_compressed(ctx, cpub, key), 0);
	CU_ASSERT(is_hex(cpub, 33,
	    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"));
	/* The prefix is Y's parity, and X follows. */
	for (int i = 1; i <= 16; i++) {
		key[31] = (uint8_t)i;
		CU_ASSERT_EQUAL_FATAL(secp_pubkey(ctx, pub, key), 0);
		CU_ASSERT_EQUAL_FATAL(secp_pubkey_compressed(ctx, cpub, key), 0);
		CU_ASSERT_EQUAL(cpub[0], 0x02 | (pub[63] & 1));
		CU_ASSERT(memcmp(cpub + 1, pub, 32) == 0);
		parity[pub[63] & 1]++;
	}
	CU_ASSERT(parity[0] > 0 && parity[1] > 0);
	memset(key, 0, sizeof key);
	CU_ASSERT_EQUAL(secp_pubkey_compressed(ctx, cpub, key), -EINVAL);
	CU_ASSERT_EQUAL(secp_pubkey_compressed(ctx, cpub, order), -EINVAL);
}

static void
test_secp_seckey_tweak_add(void)
{
	uint8_t key[32], tweak[32], max[32], zero[32];

	memset(zero, 0, sizeof zero);
	memcpy(max, order, sizeof max);
	max[31]--; /* n - 1 */

	memset(key, 0, sizeof key);
	memset(tweak, 0, sizeof tweak);
	key[31] = 1;
	tweak[31] = 1;
	CU_ASSERT_EQUAL(secp_seckey_tweak_add(ctx, key, tweak), 0);
	CU_ASSERT(is_hex(key, 32, "0000000000000000000000000000000000000000000000000000000000000002"));
	/* The sum wraps modulo n: (n - 1) + 2 = 1. */
	memcpy(key, max, sizeof key);
	tweak[31] = 2;
	CU_ASSERT_EQUAL(secp_seckey_tweak_add(ctx, key, tweak), 0);
	CU_ASSERT(is_hex(key, 32, "0000000000000000000000000000000000000000000000000000000000000001"));
	/* A zero tweak leaves the key (BIP-32 allows a zero left half). */
	CU_ASSERT_EQUAL(secp_seckey_tweak_add(ctx, key, zero), 0);
	CU_ASSERT(is_hex(key, 32, "0000000000000000000000000000000000000000000000000000000000000001"));

	/* A zero sum, a tweak of n, and invalid keys fail and leave key. */
	memcpy(key, max, sizeof key);
	tweak[31] = 1;
	CU_ASSERT_EQUAL(secp_seckey_tweak_add(ctx, key, tweak), -EINVAL);
	CU_ASSERT(memcmp(key, max, sizeof key) == 0);
	CU_ASSERT_EQUAL(secp_seckey_tweak_add(ctx, key, order), -EINVAL);
	CU_ASSERT(memcmp(key, max, sizeof key) == 0);
	memset(key, 0, sizeof key);
	CU_ASSERT_EQUAL(secp_seckey_tweak_add(ctx, key, tweak), -EINVAL);
	CU_ASSERT(is_zero(key, sizeof key));
	memcpy(key, order, sizeof key);
	CU_ASSERT_EQUAL(secp_seckey_tweak_add(ctx, key, tweak), -EINVAL);
	CU_ASSERT(memcmp(key, order, sizeof key) == 0);
}

static void
test_secp_is_seckey(void)
{
	uint8_t key[32];

	memset(key, 0, sizeof key);
	CU_ASSERT_FALSE(secp_is_seckey(key));
	key[31] = 1;
	CU_ASSERT_TRUE(secp_is_seckey(key));
	CU_ASSERT_FALSE(secp_is_seckey(order));
	memcpy(key, order, sizeof key);
	key[31]--;
	CU_ASSERT_TRUE(secp_is_seckey(key));
	memset(key, 0xff, sizeof key);
	CU_ASSERT_FALSE(secp_is_seckey(key));
}

int
main(void)
{
	static const struct harness_test tests[] = {
		HARNESS_TEST(test_hdwallet_wordlist),
		HARNESS_TEST(test_hdwallet_bip39_vectors),
		HARNESS_TEST(test_hdwallet_mnemonic_lengths),
		HARNESS_TEST(test_hdwallet_mnemonic_unknown_word),
		HARNESS_TEST(test_hdwallet_mnemonic_word_count),
		HARNESS_TEST(test_hdwallet_mnemonic_checksum),
		HARNESS_TEST(test_hdwallet_mnemonic_syntax),
		HARNESS_TEST(test_hdwallet_seed),
		HARNESS_TEST(test_hdwallet_bip32_vector1),
		HARNESS_TEST(test_hdwallet_master_errors),
		HARNESS_TEST(test_hdwallet_child_errors),
		HARNESS_TEST(test_hdwallet_path_parse),
		HARNESS_TEST(test_hdwallet_path_errors),
		HARNESS_TEST(test_hdwallet_dev_accounts),
		HARNESS_TEST(test_hdwallet_account_errors),
		HARNESS_TEST(test_secp_pubkey_compressed),
		HARNESS_TEST(test_secp_seckey_tweak_add),
		HARNESS_TEST(test_secp_is_seckey),
		HARNESS_END,
	};
	int rc;

	ctx = secp_new();
	if (ctx == NULL) {
		perror("secp_new");
		return 1;
	}
	rc = harness_run("hdwallet", tests);
	secp_free(ctx);
	return rc;
}
