/* RLP encoding and strict decoding (see rlp.h), written from the yellow
 * paper's appendix B. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rlp.h"

/* Short forms carry lengths up to 55 in the prefix byte itself. */
#define RLP_SHORT_MAX 55

void
rlp_enc_init(struct rlp_enc *e)
{
	memset(e, 0, sizeof(*e));
}

void
rlp_enc_release(struct rlp_enc *e)
{
	free(e->data);
	memset(e, 0, sizeof(*e));
}

void
rlp_enc_reset(struct rlp_enc *e)
{
	e->len = 0;
	e->err = 0;
}

int
rlp_enc_error(const struct rlp_enc *e)
{
	return e->err;
}

uint8_t *
rlp_enc_detach(struct rlp_enc *e, size_t *len)
{
	uint8_t *data = e->data;

	*len = e->len;
	if (e->err != 0) {
		free(data);
		data = NULL;
		*len = 0;
	}
	memset(e, 0, sizeof(*e));
	return data;
}

/* Makes room for need more bytes.  The encoder runs in the node, so it
 * reports out-of-memory instead of exiting; the error is sticky so that
 * callers check once, after the last write.  Returns: whether there is
 * room. */
static bool
rlp_enc_grow(struct rlp_enc *e, size_t need)
{
	size_t cap;
	uint8_t *p;

	if (e->err != 0)
		return false;
	if (need > SIZE_MAX - e->len) {
		e->err = -EOVERFLOW;
		return false;
	}
	if (e->len + need <= e->cap)
		return true;
	cap = e->cap < 64 ? 64 : e->cap;
	while (cap < e->len + need) {
		if (cap > SIZE_MAX / 2) {
			cap = e->len + need;
			break;
		}
		cap *= 2;
	}
	p = realloc(e->data, cap);
	if (p == NULL) {
		e->err = -ENOMEM;
		return false;
	}
	e->data = p;
	e->cap = cap;
	return true;
}

size_t
rlp_header_len(size_t len)
{
	size_t n = 1;

	if (len <= RLP_SHORT_MAX)
		return 1;
	for (; len != 0; len >>= 8)
		n++;
	return n;
}

size_t
rlp_header_write(uint8_t out[RLP_HEADER_MAX], bool is_list, size_t len)
{
	uint8_t base = is_list ? 0xc0 : 0x80;
	size_t n = rlp_header_len(len);

	if (n == 1) {
		out[0] = (uint8_t)(base + len);
		return 1;
	}
	/* The long form: 0xb7 or 0xf7 plus the length of the length. */
	out[0] = (uint8_t)(base + RLP_SHORT_MAX + (n - 1));
	for (size_t i = n - 1; i >= 1; i--) {
		out[i] = (uint8_t)len;
		len >>= 8;
	}
	return n;
}

void
rlp_enc_bytes(struct rlp_enc *e, const uint8_t *p, size_t len)
{
	uint8_t hdr[RLP_HEADER_MAX];
	size_t hlen;

	if (len == 1 && p[0] < 0x80) {
		rlp_enc_raw(e, p, 1);
		return;
	}
	if (len > SIZE_MAX - RLP_HEADER_MAX) {
		if (e->err == 0)
			e->err = -EOVERFLOW;
		return;
	}
	hlen = rlp_header_write(hdr, false, len);
	if (!rlp_enc_grow(e, hlen + len))
		return;
	memcpy(e->data + e->len, hdr, hlen);
	if (len != 0)
		memcpy(e->data + e->len + hlen, p, len);
	e->len += hlen + len;
}

/* Writes the last len bytes of a big-endian number, skipping its leading
 * zeros: integers are canonical only without them. */
static void
rlp_enc_be(struct rlp_enc *e, const uint8_t *be, size_t len)
{
	size_t skip = 0;

	while (skip < len && be[skip] == 0)
		skip++;
	rlp_enc_bytes(e, be + skip, len - skip);
}

void
rlp_enc_u64(struct rlp_enc *e, uint64_t v)
{
	uint8_t be[8];

	for (int i = 7; i >= 0; i--) {
		be[i] = (uint8_t)v;
		v >>= 8;
	}
	rlp_enc_be(e, be, sizeof(be));
}

void
rlp_enc_u256(struct rlp_enc *e, const struct u256 *v)
{
	uint8_t be[32];

	u256_to_be(be, v);
	rlp_enc_be(e, be, sizeof(be));
}

void
rlp_enc_raw(struct rlp_enc *e, const uint8_t *p, size_t len)
{
	if (len == 0 || !rlp_enc_grow(e, len))
		return;
	memcpy(e->data + e->len, p, len);
	e->len += len;
}

size_t
rlp_enc_list_begin(struct rlp_enc *e)
{
	return e->len;
}

/* The payload is written first, so its length is known only here: the
 * header goes in front of it by moving the payload up.  That costs a copy
 * per nesting level, cheap for the shallow lists Ethereum uses. */
void
rlp_enc_list_end(struct rlp_enc *e, size_t mark)
{
	uint8_t hdr[RLP_HEADER_MAX];
	size_t hlen, payload;

	if (e->err != 0)
		return;
	if (mark > e->len)
		BUG("list mark beyond the end of the buffer");
	payload = e->len - mark;
	hlen = rlp_header_write(hdr, true, payload);
	if (!rlp_enc_grow(e, hlen))
		return;
	if (payload != 0)
		memmove(e->data + mark + hlen, e->data + mark, payload);
	memcpy(e->data + mark, hdr, hlen);
	e->len += hlen;
}

/* Reads a long-form length of ll bytes (1 to 8) from p, with room for the
 * payload checked against avail.  Returns: 0 or -errno as rlp.h lists. */
static int
rlp_long_len(size_t *out, const uint8_t *p, size_t ll, size_t avail)
{
	size_t n = 0;

	if (ll > avail)
		return -EMSGSIZE;
	if (p[0] == 0)
		return -EINVAL;
	for (size_t i = 0; i < ll; i++) {
		/* Only reachable where size_t is narrower than 64 bits. */
		if (n > SIZE_MAX >> 8)
			return -EMSGSIZE;
		n = n << 8 | p[i];
	}
	if (n <= RLP_SHORT_MAX)
		return -EINVAL;
	if (n > avail - ll)
		return -EMSGSIZE;
	*out = n;
	return 0;
}

int
rlp_decode_item(struct rlp_item *item, size_t *used, const uint8_t *buf,
		size_t len)
{
	struct rlp_item it = { buf, 1, false };
	size_t hlen = 1;
	uint8_t b;
	int rc;

	if (len == 0)
		return -EMSGSIZE;
	b = buf[0];
	/* A byte below 0x80 stands for itself, with no header. */
	if (b >= 0x80) {
		it.is_list = b >= 0xc0;
		if (b <= 0xb7 || (b >= 0xc0 && b <= 0xf7)) {
			it.len = b - (it.is_list ? 0xc0 : 0x80);
			if (it.len > len - 1)
				return -EMSGSIZE;
			if (!it.is_list && it.len == 1 && buf[1] < 0x80)
				return -EINVAL;
		} else {
			size_t ll = b - (it.is_list ? 0xf7 : 0xb7);

			rc = rlp_long_len(&it.len, buf + 1, ll, len - 1);
			if (rc != 0)
				return rc;
			hlen += ll;
		}
		it.p = buf + hlen;
	} else {
		hlen = 0;
	}
	*item = it;
	if (used != NULL)
		*used = hlen + it.len;
	return 0;
}

/* Checks every item nested in top.  It walks with an explicit stack of list
 * ends instead of recursing, so hostile input cannot exhaust the C stack
 * whatever the depth limit. */
static int
rlp_check_nested(const struct rlp_item *top)
{
	const uint8_t *end[RLP_DEPTH_MAX];
	const uint8_t *pos = top->p;
	struct rlp_item it;
	size_t depth = 1, used;
	int rc;

	if (!top->is_list)
		return 0;
	end[0] = top->p + top->len;
	while (depth > 0) {
		if (pos == end[depth - 1]) {
			depth--;
			continue;
		}
		rc = rlp_decode_item(&it, &used, pos, (size_t)(end[depth - 1] - pos));
		if (rc != 0)
			return rc;
		if (!it.is_list) {
			pos += used;
			continue;
		}
		if (depth == RLP_DEPTH_MAX)
			return -ELOOP;
		/* When this list ends, pos sits where its parent goes on. */
		end[depth++] = it.p + it.len;
		pos = it.p;
	}
	return 0;
}

int
rlp_decode(struct rlp_item *item, const uint8_t *buf, size_t len)
{
	struct rlp_item it;
	size_t used;
	int rc;

	rc = rlp_decode_item(&it, &used, buf, len);
	if (rc != 0)
		return rc;
	rc = rlp_check_nested(&it);
	if (rc != 0)
		return rc;
	if (used != len)
		return -EBADMSG;
	*item = it;
	return 0;
}

int
rlp_list_next(struct rlp_item *item, struct rlp_item *list)
{
	size_t used;
	int rc;

	if (!list->is_list)
		return -EPROTO;
	if (list->len == 0)
		return 0;
	rc = rlp_decode_item(item, &used, list->p, list->len);
	if (rc != 0)
		return rc;
	list->p += used;
	list->len -= used;
	return 1;
}

int
rlp_list_split(struct rlp_item *items, size_t n, const struct rlp_item *list)
{
	struct rlp_item cur = *list, extra;
	int rc;

	for (size_t i = 0; i < n; i++) {
		rc = rlp_list_next(&items[i], &cur);
		if (rc <= 0)
			return rc == 0 ? -EPROTO : rc;
	}
	rc = rlp_list_next(&extra, &cur);
	if (rc != 0)
		return rc > 0 ? -EPROTO : rc;
	return 0;
}

int
rlp_list_count(size_t *n, const struct rlp_item *list)
{
	struct rlp_item cur = *list, it;
	size_t count = 0;
	int rc;

	while ((rc = rlp_list_next(&it, &cur)) > 0)
		count++;
	if (rc < 0)
		return rc;
	*n = count;
	return 0;
}

/* Checks that item is a canonical integer of at most max bytes. */
static int
rlp_check_int(const struct rlp_item *item, size_t max)
{
	if (item->is_list)
		return -EPROTO;
	if (item->len > 0 && item->p[0] == 0)
		return -EINVAL;
	if (item->len > max)
		return -ERANGE;
	return 0;
}

int
rlp_item_u64(uint64_t *v, const struct rlp_item *item)
{
	uint64_t r = 0;
	int rc;

	rc = rlp_check_int(item, 8);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < item->len; i++)
		r = r << 8 | item->p[i];
	*v = r;
	return 0;
}

int
rlp_item_u256(struct u256 *v, const struct rlp_item *item)
{
	int rc;

	rc = rlp_check_int(item, 32);
	if (rc != 0)
		return rc;
	u256_from_be(v, item->p, item->len);
	return 0;
}
