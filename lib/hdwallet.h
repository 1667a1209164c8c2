/* Dev-account keys the way anvil and Hardhat derive them: a BIP-39 mnemonic
 * gives a 64-byte seed, PBKDF2-HMAC-SHA512 over the mnemonic with the salt
 * "mnemonic" || passphrase and 2048 iterations; BIP-32 then derives account
 * i at m/44'/60'/0'/0/i from that seed.
 *
 * Only ASCII is accepted, in mnemonics and in passphrases.  BIP-39 hashes
 * the NFKD normalisation of both; NFKD leaves ASCII unchanged, so ASCII text
 * needs no normalisation, and any other text is refused rather than hashed
 * unnormalised into a seed that no other wallet would derive.  Mnemonics use
 * the English word list, lowercase, one space between words.
 *
 * Seeds, entropy, keys and chain codes are secrets: this module wipes its
 * own copies with explicit_bzero(), and callers wipe theirs with the
 * _release() functions below (or explicit_bzero() for plain arrays).
 *
 * Where a function takes char **cause, it may be NULL; otherwise an error
 * sets *cause to a message for humans (caller frees), and success leaves it
 * untouched. */
#ifndef CHAINBOX_HDWALLET_H
#define CHAINBOX_HDWALLET_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "eip55.h"
#include "secp.h"

#define HDWALLET_WORDS 2048		/* the BIP-39 word list's length */
#define HDWALLET_ENTROPY_MAX 32		/* the entropy of a 24-word mnemonic */
#define HDWALLET_SEED_LEN 64
#define HDWALLET_PASSPHRASE_MAX 1024	/* bytes; longer ones are refused */
#define HDWALLET_HARDENED 0x80000000u	/* child indexes from here are hardened */
#define HDWALLET_PATH_MAX 32		/* the deepest path hdwallet_path_parse() takes */
/* The account path anvil and Hardhat use by default; account i is its
 * child i. */
#define HDWALLET_ETH_PATH "m/44'/60'/0'/0"

/* A BIP-32 extended private key without its metadata (depth, parent
 * fingerprint, child number): what derivation needs.  Wipe it with
 * hdwallet_key_release(). */
struct hdwallet_key {
	uint8_t key[32];	/* the secret key, big-endian */
	uint8_t chain_code[32];
};

/* A parsed derivation path: index[0] is the master key's child.  Hardened
 * indexes have HDWALLET_HARDENED set. */
struct hdwallet_path {
	uint32_t index[HDWALLET_PATH_MAX];
	size_t depth;
};

/* One dev account.  Wipe it with hdwallet_account_release(). */
struct hdwallet_account {
	uint8_t key[32];		/* the private key */
	uint8_t addr[20];
	char addr_hex[EIP55_LEN + 1];	/* addr with its EIP-55 checksum */
};

/* Returns: word index of the BIP-39 English list (static storage), or NULL
 * when index is HDWALLET_WORDS or more. */
const char *hdwallet_word(unsigned index);

/* Checks a mnemonic and decodes its entropy.  The checks run in this order,
 * and the first that fails is reported:
 * Returns: 0;
 *   -EINVAL when a byte is not a lowercase ASCII letter or a space (the
 *   message names the offset, and says that only ASCII is supported when
 *   the byte is not ASCII), or when a word is empty (a leading, trailing or
 *   doubled space);
 *   -EINVAL when the word count is not 12, 15, 18, 21 or 24;
 *   -ENOENT when a word is not in the list (the message names the word and
 *   its position, counted from 1, and suggests a close word if there is one);
 *   -EBADMSG when the checksum bits do not match.
 * Out: entropy, *len bytes of it (16 to 32); on error both are zeroed. */
int hdwallet_mnemonic_entropy(uint8_t entropy[HDWALLET_ENTROPY_MAX], size_t *len, char **cause,
    const char *mnemonic) WARN_UNUSED;

/* Checks a mnemonic as hdwallet_mnemonic_entropy() does, for callers that
 * only validate (such as the spec checker).
 * Returns: as hdwallet_mnemonic_entropy(). */
int hdwallet_mnemonic_check(char **cause, const char *mnemonic) WARN_UNUSED;

/* Computes the BIP-39 seed.  The mnemonic must be valid: anvil refuses
 * invalid ones too, although BIP-39 itself would hash any sentence.
 * Returns: 0; the errors of hdwallet_mnemonic_check(); -EINVAL when the
 * passphrase has a non-ASCII byte or is longer than HDWALLET_PASSPHRASE_MAX
 * bytes; -ENOMEM when libcrypto fails.
 * Out: seed (wiped on error).  In: passphrase, NULL for none (""). */
int hdwallet_seed(uint8_t seed[HDWALLET_SEED_LEN], char **cause, const char *mnemonic,
    const char *passphrase) WARN_UNUSED;

/* Computes the BIP-32 master key: HMAC-SHA512 keyed with "Bitcoin seed".
 * Returns: 0; -EINVAL when seed_len is not 16 to 64; -ERANGE when the seed
 * gives an invalid key (zero, or not below the group order: odds about
 * 2^-127, and BIP-32 says to use another seed); -ENOMEM when libcrypto
 * fails.
 * Out: master (wiped on error). */
int hdwallet_master(struct hdwallet_key *master, const uint8_t *seed, size_t seed_len) WARN_UNUSED;

/* Derives child index of parent: hardened when index has HDWALLET_HARDENED
 * set, else normal (from parent's compressed public key).  child may be
 * parent.
 * Returns: 0; -EINVAL when parent's key is zero or not below the group
 * order; -ERANGE when this index gives no valid key (odds about 2^-127;
 * BIP-32 says to go on to the next index); -ENOMEM when libcrypto fails.
 * Out: child (wiped on error, unless it is parent, which is then kept). */
int hdwallet_child(const struct secp *ctx, struct hdwallet_key *child,
    const struct hdwallet_key *parent, uint32_t index) WARN_UNUSED;

/* Parses a path like "m/44'/60'/0'/0/3": "m", then "/" and a decimal index
 * per level, hardened when followed by ', h or H.  "m" alone is the master.
 * Returns: 0; -EINVAL for bad syntax (not starting with "m", an empty index,
 * an unexpected character: the message names the offset); -ERANGE when an
 * index is 2^31 or more (the hardened flag is the suffix, not the number);
 * -E2BIG when the path is deeper than HDWALLET_PATH_MAX.
 * Out: path. */
int hdwallet_path_parse(struct hdwallet_path *path, char **cause, const char *s) WARN_UNUSED;

/* Derives path from master, one hdwallet_child() per level.
 * Returns: 0, or the errors of hdwallet_child().
 * Out: out (wiped on error); it may be master. */
int hdwallet_derive(const struct secp *ctx, struct hdwallet_key *out,
    const struct hdwallet_key *master, const struct hdwallet_path *path) WARN_UNUSED;

/* Derives n consecutive dev accounts: account i is child first + i of path
 * for i below n, from the seed of mnemonic and passphrase.
 * Returns: 0;
 *   the errors of hdwallet_seed() and hdwallet_path_parse() (path, NULL
 *   for HDWALLET_ETH_PATH, may end in one "/" as anvil's
 *   --derivation-path does);
 *   -E2BIG when path already has HDWALLET_PATH_MAX levels;
 *   -ERANGE when an account index would reach 2^31, where hardened indexes
 *   begin (first + n - 1 above 2147483647), or when a key on the way is
 *   invalid (odds about 2^-127);
 *   -ENOMEM when libcrypto fails.
 * Out: accts[0] to accts[n - 1] (all wiped on error). */
int hdwallet_accounts(const struct secp *ctx, struct hdwallet_account *accts, size_t n,
    char **cause, const char *mnemonic, const char *passphrase, const char *path,
    uint32_t first) WARN_UNUSED;

/* Derives account index at HDWALLET_ETH_PATH/index with no passphrase, as
 * anvil --mnemonic and Hardhat's default accounts do.  For many accounts,
 * hdwallet_accounts() computes the seed once rather than once each.
 * Returns: as hdwallet_accounts(); -ERANGE when index is 2^31 or more.
 * Out: acct (wiped on error). */
int hdwallet_account(const struct secp *ctx, struct hdwallet_account *acct, char **cause,
    const char *mnemonic, uint32_t index) WARN_UNUSED;

/* Wipes key with explicit_bzero(); key may be NULL. */
void hdwallet_key_release(struct hdwallet_key *key);
/* Wipes acct with explicit_bzero(); acct may be NULL. */
void hdwallet_account_release(struct hdwallet_account *acct);

#endif
