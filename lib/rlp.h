/* Recursive Length Prefix (RLP), Ethereum's serialisation (yellow paper,
 * appendix B): an encoder into a growable buffer, and a strict zero-copy
 * decoder for untrusted bytes.
 *
 * The decoder accepts only the canonical encoding, so that decoding and
 * encoding again gives back the same bytes: a byte below 0x80 must stand for
 * itself, a length below 56 must use the short form, and a long-form length
 * must have no leading zero byte.  It never allocates and never reads
 * outside [buf, buf + len); items point into the caller's buffer.
 *
 * Decoder errors, shared by every function below that reads bytes:
 *   -EMSGSIZE  the input ends inside an item: no bytes at all, a cut-off
 *              length field, or a length that runs past the end of the
 *              buffer or of the enclosing list (lengths too large for
 *              size_t are reported this way too)
 *   -EINVAL    a non-canonical form: 0x81 followed by a byte below 0x80,
 *              the long form (0xb8..0xbf, 0xf8..0xff) for a length below 56,
 *              or a length field with a leading zero byte
 *   -EBADMSG   bytes follow the item where exactly one item was wanted
 *   -ELOOP     lists nested more than RLP_DEPTH_MAX deep
 *   -EPROTO    the item is of the wrong kind: a list where a string was
 *              wanted or the reverse, or a list with the wrong item count
 *   -ERANGE    an integer is too large for the requested type
 * On an error the outputs are left as they were, except for
 * rlp_list_split()'s items. */
#ifndef CHAINBOX_RLP_H
#define CHAINBOX_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "u256.h"

/* The deepest list nesting rlp_decode() accepts: "0xc0" has depth 1 and
 * "0xc1c0" depth 2.  Ethereum's structures stay below 8. */
#define RLP_DEPTH_MAX 64

/* The longest header: a prefix byte and an 8-byte length. */
#define RLP_HEADER_MAX 9

/* --- encoding ------------------------------------------------------------ */

/* A growable output buffer.  The fields are read-only for callers; data is
 * NULL until the first byte is written. */
struct rlp_enc {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err; /* the first error, sticky until rlp_enc_reset() */
};

/* Out: e, empty; released with rlp_enc_release(). */
void rlp_enc_init(struct rlp_enc *e);
/* Frees e's buffer; e may then be initialised again. */
void rlp_enc_release(struct rlp_enc *e);
/* Empties e and clears its error, keeping the buffer for reuse. */
void rlp_enc_reset(struct rlp_enc *e);
/* Returns: 0, or the first error of the writes since init or reset:
 * -ENOMEM when the buffer could not grow, -EOVERFLOW when its size would
 * overflow.  After an error the writes do nothing and the content is
 * incomplete. */
int rlp_enc_error(const struct rlp_enc *e) WARN_UNUSED;
/* Returns: e's buffer (caller frees, NULL when nothing was written), or
 * NULL after an error.  Out: *len, its length.  e is left empty. */
uint8_t *rlp_enc_detach(struct rlp_enc *e, size_t *len);

/* Writes a byte string.  In: p may be NULL when len is 0. */
void rlp_enc_bytes(struct rlp_enc *e, const uint8_t *p, size_t len);
/* Writes an integer as a big-endian string without leading zeros: 0 is the
 * empty string (0x80), 127 is 0x7f and 128 is 0x8180. */
void rlp_enc_u64(struct rlp_enc *e, uint64_t v);
void rlp_enc_u256(struct rlp_enc *e, const struct u256 *v);
/* Writes bytes that already are an RLP encoding (an embedded trie node, a
 * stored transaction), unchecked. */
void rlp_enc_raw(struct rlp_enc *e, const uint8_t *p, size_t len);
/* Starts a list.  Returns: a mark to pass to rlp_enc_list_end(), which
 * closes the list after its items are written.  Lists nest. */
size_t rlp_enc_list_begin(struct rlp_enc *e);
void rlp_enc_list_end(struct rlp_enc *e, size_t mark);

/* Returns: the length of the header for a payload of len bytes (1 to 9).
 * A single byte below 0x80 written as a string has no header at all; that
 * case is the caller's to see. */
size_t rlp_header_len(size_t len);
/* Writes the header of a string (is_list false) or a list of len payload
 * bytes.  Returns: its length.  Out: out, RLP_HEADER_MAX bytes of room. */
size_t rlp_header_write(uint8_t out[RLP_HEADER_MAX], bool is_list, size_t len);

/* --- decoding ------------------------------------------------------------ */

/* One decoded item: p and len give a string's bytes or a list's payload
 * (the encodings of its items, back to back), inside the input buffer. */
struct rlp_item {
	const uint8_t *p;
	size_t len;
	bool is_list;
};

/* Decodes the one item at the start of buf, checking its header only: the
 * items inside a list are checked when they are read.
 * Returns: 0; -EMSGSIZE or -EINVAL (see above).
 * Out: *item; *used, the bytes the item takes with its header (may be NULL).
 * In: buf may be NULL when len is 0. */
int rlp_decode_item(struct rlp_item *item, size_t *used, const uint8_t *buf,
		    size_t len) WARN_UNUSED;
/* Decodes buf as exactly one item, checking everything inside it: each
 * nested item is canonical and fits its list, and lists nest at most
 * RLP_DEPTH_MAX deep.  This is the entry point for untrusted bytes.
 * Returns: 0; -EMSGSIZE, -EINVAL, -EBADMSG or -ELOOP (see above).
 * Out: *item, pointing into buf. */
int rlp_decode(struct rlp_item *item, const uint8_t *buf, size_t len) WARN_UNUSED;

/* Reads the next item of a list, advancing the list past it.
 * Returns: 1 with *item set; 0 when the list has no more items; -EPROTO
 * when list is a string; -EMSGSIZE or -EINVAL (see above).
 * Out: *item.  In/Out: *list, a list item, its payload shrunk from the
 * front (copy it first to read the list again). */
int rlp_list_next(struct rlp_item *item, struct rlp_item *list) WARN_UNUSED;
/* Reads a list of exactly n items, as transactions and headers are.
 * Returns: 0; -EPROTO when list is a string or has more or fewer than n
 * items; -EMSGSIZE or -EINVAL (see above).  Out: items[0..n-1]. */
int rlp_list_split(struct rlp_item *items, size_t n,
		   const struct rlp_item *list) WARN_UNUSED;
/* Returns: 0; -EPROTO when list is a string; -EMSGSIZE or -EINVAL (see
 * above).  Out: *n, the number of items in list. */
int rlp_list_count(size_t *n, const struct rlp_item *list) WARN_UNUSED;

/* Reads a string item as an unsigned integer in canonical form: big-endian
 * without leading zeros, so 0 must be the empty string.
 * Returns: 0; -EPROTO for a list; -EINVAL for a leading zero byte; -ERANGE
 * when it has more than 8 (u64) or 32 (u256) bytes.  Out: *v. */
int rlp_item_u64(uint64_t *v, const struct rlp_item *item) WARN_UNUSED;
int rlp_item_u256(struct u256 *v, const struct rlp_item *item) WARN_UNUSED;

#endif
