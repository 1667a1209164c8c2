/* EIP-712 typed structured data hashing (see eip712.h).
 *
 * The "types" object is read once into a table of struct types sorted by
 * name, with every field's type resolved and the whole checked for cycles;
 * hashing then walks the message along those types.  Each struct type's
 * typeHash is computed the first time it is needed and kept, so an array
 * of many structs costs one encodeType, not one each. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eip712.h"
#include "hex.h"
#include "keccak.h"
#include "u256.h"
#include "xalloc.h"

/* The longest path into the data that messages show ("message.a[3].b"). */
#define PATH_MAX_LEN 256
/* How much of an untrusted name or value a message quotes. */
#define SHOW_MAX 64
/* JavaScript's largest safe integer: a JSON number above it has already
 * lost digits in the client that wrote it. */
#define SAFE_INTEGER_MAX 9007199254740991.0
/* Digits of a fixed array length; more would not fit in a request. */
#define ARRAY_LEN_DIGITS 18

#define SHOW(buf, s, len) show((buf), sizeof(buf), (s), (len))

enum kind { K_STRUCT, K_UINT, K_INT, K_BOOL, K_ADDRESS, K_BYTESN, K_BYTES, K_STRING };

struct field {
	const char *name;	/* in the caller's JSON, or static */
	size_t name_len;
	const char *type;	/* as written, suffixes and all: "Person[2][]" */
	size_t type_len;
	size_t base_len;	/* the part before the first '[' */
	enum kind kind;		/* of the base */
	unsigned size;		/* bits of uintN and intN, bytes of bytesN */
	size_t ref;		/* K_STRUCT: the base's index in the table */
};

struct stype {
	const char *name;
	size_t name_len;
	struct field *fields;
	size_t nfields;
	int mark;		/* cycle search: 0 unseen, 1 on the path, 2 done */
	bool hashed;
	uint8_t hash[32];	/* typeHash, once hashed */
};

struct ctx {
	struct stype *types;
	size_t ntypes;		/* with a derived EIP712Domain, if any, last */
	size_t nsorted;		/* types[0..nsorted) come from "types", by name */
	char **cause;
	unsigned depth;		/* structs and arrays being encoded */
	size_t encoded;		/* bytes of encodeType text hashed so far */
	size_t path_len;
	char path[PATH_MAX_LEN];
};

/* A growable NUL-terminated string. */
struct text {
	char *p;
	size_t len, cap;
};

/* The domain fields EIP-712 names, in its order, for a domain without an
 * EIP712Domain type. */
static const struct {
	const char *name, *type;
} domain_std[] = {
	{ "name", "string" },
	{ "version", "string" },
	{ "chainId", "uint256" },
	{ "verifyingContract", "address" },
	{ "salt", "bytes32" },
};

static int hash_struct(struct ctx *c, uint8_t out[32], size_t ti, const json_t *v);

/* Appends s[0..len) to t. */
static void
text_add(struct text *t, const char *s, size_t len)
{
	if (t->len + len + 1 > t->cap) {
		t->cap = (t->len + len + 1) * 2;
		t->p = xreallocarray(t->p, t->cap, 1);
	}
	memcpy(t->p + t->len, s, len);
	t->len += len;
	t->p[t->len] = '\0';
}

/* Returns: buf, holding s[0..len) as a message may quote it: printable
 * ASCII only (anything else becomes '?'), cut to fit with "...". */
static const char *
show(char *buf, size_t size, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (n + 4 >= size && i + 1 < len) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		buf[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	}
	buf[n] = '\0';
	return buf;
}

/* Returns: what kind of JSON value v is, for messages. */
static const char *
kind_name(const json_t *v)
{
	if (v == NULL)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

/* Reports an error, after the path into the data when there is one.
 * Returns: rc. */
static int PRINTFLIKE(3, 4)
fail(struct ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (c->cause == NULL)
		return rc;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (c->path_len > 0) {
		xasprintf(c->cause, "%s: %s", c->path, msg);
		free(msg);
	} else {
		*c->cause = msg;
	}
	return rc;
}

/* Appends to the path; a path too long for the buffer is cut.
 * Returns: the length to give path_pop() to undo it. */
static size_t PRINTFLIKE(2, 3)
path_push(struct ctx *c, const char *fmt, ...)
{
	size_t old = c->path_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + old, sizeof(c->path) - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->path_len = old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1;
	return old;
}

/* Cuts the path back to len, as path_push() returned it. */
static void
path_pop(struct ctx *c, size_t len)
{
	c->path_len = len;
	c->path[len] = '\0';
}

/* Returns: whether s[0..len) is an identifier no longer than
 * EIP712_MAX_NAME: [A-Za-z_$][A-Za-z0-9_$]*. */
static bool
is_name(const char *s, size_t len)
{
	if (len == 0 || len > EIP712_MAX_NAME || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '$'))
			return false;
	}
	return true;
}

/* Returns: the number in s[0..len), 1 to 3 decimal digits without a
 * leading zero, or -1. */
static int
small_number(const char *s, size_t len)
{
	int n = 0;

	if (len == 0 || len > 3 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n;
}

/* Returns: whether s[0..len) starts with the NUL-terminated prefix. */
static bool
has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Returns: whether s[0..len) is exactly the NUL-terminated word. */
static bool
is_word(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Returns: whether base s[0..len) (no array suffix) is an atomic or
 * dynamic type.  Out: *kind and *size when it is. */
static bool
atomic_type(enum kind *kind, unsigned *size, const char *s, size_t len)
{
	int n;

	*size = 0;
	if (is_word(s, len, "bool"))
		*kind = K_BOOL;
	else if (is_word(s, len, "address"))
		*kind = K_ADDRESS;
	else if (is_word(s, len, "string"))
		*kind = K_STRING;
	else if (is_word(s, len, "bytes"))
		*kind = K_BYTES;
	else if (has_prefix(s, len, "bytes")) {
		if ((n = small_number(s + 5, len - 5)) < 1 || n > 32)
			return false;
		*kind = K_BYTESN;
		*size = (unsigned)n;
	} else if (has_prefix(s, len, "uint") || has_prefix(s, len, "int")) {
		size_t skip = s[0] == 'u' ? 4 : 3;

		/* uint and int are uint256 and int256, as in Solidity and ethers. */
		n = len == skip ? 256 : small_number(s + skip, len - skip);
		if (n < 8 || n > 256 || n % 8 != 0)
			return false;
		*kind = s[0] == 'u' ? K_UINT : K_INT;
		*size = (unsigned)n;
	} else {
		return false;
	}
	return true;
}

/* Checks a type's syntax: a name, then up to EIP712_MAX_DEPTH suffixes
 * "[]" or "[n]", n a decimal without leading zeros from 1.
 * Returns: whether it is well formed.  Out: *base_len, the name's length. */
static bool
parse_type(size_t *base_len, const char *s, size_t len)
{
	size_t i = 0, dims = 0;

	while (i < len && s[i] != '[')
		i++;
	*base_len = i;
	if (!is_name(s, i))
		return false;
	while (i < len) {
		size_t start;

		if (s[i++] != '[' || ++dims > EIP712_MAX_DEPTH)
			return false;
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i - start > ARRAY_LEN_DIGITS || (i > start && s[start] == '0'))
			return false;
		if (i >= len || s[i++] != ']')
			return false;
	}
	return true;
}

/* Returns: -1, 0 or 1 as name a sorts before, with or after name b, byte
 * by byte (JavaScript's default sort, for the identifiers allowed). */
static int
name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

/* Orders struct types by name, for qsort(). */
static int
stype_cmp(const void *a, const void *b)
{
	const struct stype *x = a, *y = b;

	return name_cmp(x->name, x->name_len, y->name, y->name_len);
}

/* Returns: the index of struct type name among those from "types", or
 * SIZE_MAX. */
static size_t
find_type(const struct ctx *c, const char *name, size_t len)
{
	size_t lo = 0, hi = c->nsorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = name_cmp(name, len, c->types[mid].name, c->types[mid].name_len);

		if (r == 0)
			return mid;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return SIZE_MAX;
}

/* Out: c, empty, reporting errors to cause (which may be NULL). */
static void
ctx_init(struct ctx *c, char **cause)
{
	memset(c, 0, sizeof(*c));
	c->cause = cause;
}

/* Frees the type table. */
static void
ctx_release(struct ctx *c)
{
	for (size_t i = 0; i < c->ntypes; i++)
		free(c->types[i].fields);
	free(c->types);
	c->types = NULL;
	c->ntypes = 0;
}

/* Reads one struct type's field list, checking names and type syntax; the
 * types are resolved later, once every name is known.  Returns: 0 or an
 * error. */
static int
fields_init(struct ctx *c, struct stype *st, const json_t *def)
{
	char shown[SHOW_MAX];
	const json_t *fj;
	size_t i;

	if (!json_is_array(def))
		return fail(c, -EINVAL, "must be an array of {name, type} objects, not %s",
			    kind_name(def));
	if (json_array_size(def) > EIP712_MAX_FIELDS)
		return fail(c, -E2BIG, "%zu fields, more than %d", json_array_size(def),
			    EIP712_MAX_FIELDS);
	st->nfields = json_array_size(def);
	st->fields = xcalloc(st->nfields, sizeof(*st->fields));
	json_array_foreach(def, i, fj) {
		struct field *f = &st->fields[i];
		const json_t *jn = json_object_get(fj, "name"), *jt = json_object_get(fj, "type");

		if (!json_is_string(jn) || !json_is_string(jt))
			return fail(c, -EINVAL, "field %zu must be an object with a string "
				    "'name' and a string 'type'", i);
		f->name = json_string_value(jn);
		f->name_len = json_string_length(jn);
		f->type = json_string_value(jt);
		f->type_len = json_string_length(jt);
		if (!is_name(f->name, f->name_len))
			return fail(c, -EINVAL, "field %zu: bad name '%s' (an identifier of "
				    "letters, digits, '_' and '$' is needed)", i,
				    SHOW(shown, f->name, f->name_len));
		for (size_t j = 0; j < i; j++) {
			if (name_cmp(f->name, f->name_len, st->fields[j].name,
				     st->fields[j].name_len) == 0)
				return fail(c, -EINVAL, "duplicate field '%s'", f->name);
		}
		if (!parse_type(&f->base_len, f->type, f->type_len))
			return fail(c, -EINVAL, "field '%s': bad type '%s'", f->name,
				    SHOW(shown, f->type, f->type_len));
	}
	return 0;
}

/* Resolves each field's base type to an atomic type or a struct type.
 * Returns: 0 or -EINVAL. */
static int
fields_resolve(struct ctx *c, struct stype *st)
{
	char shown[SHOW_MAX];

	for (size_t i = 0; i < st->nfields; i++) {
		struct field *f = &st->fields[i];

		if (atomic_type(&f->kind, &f->size, f->type, f->base_len))
			continue;
		f->kind = K_STRUCT;
		f->ref = find_type(c, f->type, f->base_len);
		if (f->ref == SIZE_MAX)
			return fail(c, -EINVAL, "field '%s': unknown type '%s'", f->name,
				    SHOW(shown, f->type, f->base_len));
	}
	return 0;
}

/* Walks the struct types that types[i] refers to, depth first, with the
 * path from the start in stack.  Recursion is bounded by the number of
 * types, EIP712_MAX_TYPES.  Returns: 0, or -ELOOP when a type refers back
 * to one on the path. */
static int
check_cycles(struct ctx *c, size_t *stack, size_t depth, size_t i)
{
	struct stype *st = &c->types[i];
	int rc;

	st->mark = 1;
	stack[depth] = i;
	for (size_t j = 0; j < st->nfields; j++) {
		const struct field *f = &st->fields[j];
		struct text t = { 0 };
		size_t k;

		if (f->kind != K_STRUCT || c->types[f->ref].mark == 2)
			continue;
		if (c->types[f->ref].mark == 0) {
			if ((rc = check_cycles(c, stack, depth + 1, f->ref)) != 0)
				return rc;
			continue;
		}
		for (k = 0; stack[k] != f->ref; k++)
			;
		for (; k <= depth; k++) {
			text_add(&t, c->types[stack[k]].name, c->types[stack[k]].name_len);
			text_add(&t, " -> ", 4);
		}
		text_add(&t, c->types[f->ref].name, c->types[f->ref].name_len);
		rc = fail(c, -ELOOP, "cyclic type reference: %s", t.p);
		free(t.p);
		return rc;
	}
	st->mark = 2;
	return 0;
}

/* Reads and checks "types" into the table.  Returns: 0 or an error. */
static int
types_init(struct ctx *c, const json_t *types)
{
	char shown[SHOW_MAX];
	const char *key;
	size_t klen, *stack = NULL, mark;
	json_t *def;
	int rc = 0;

	if (!json_is_object(types))
		return fail(c, -EINVAL, "'types' must be an object, not %s", kind_name(types));
	if (json_object_size(types) > EIP712_MAX_TYPES)
		return fail(c, -E2BIG, "'types' has %zu types, more than %d",
			    json_object_size(types), EIP712_MAX_TYPES);
	/* One more for an EIP712Domain taken from the domain's fields. */
	c->types = xcalloc(json_object_size(types) + 1, sizeof(*c->types));
	json_object_keylen_foreach((json_t *)types, key, klen, def) {
		struct stype *st = &c->types[c->ntypes++];
		enum kind kind;
		unsigned size;

		st->name = key;
		st->name_len = klen;
		if (!is_name(key, klen))
			return fail(c, -EINVAL, "types: bad type name '%s' (an identifier of "
				    "letters, digits, '_' and '$' is needed)", SHOW(shown, key, klen));
		if (atomic_type(&kind, &size, key, klen))
			return fail(c, -EINVAL, "types: '%s' is an atomic type, not a struct "
				    "name", key);
		mark = path_push(c, "types.%s", key);
		rc = fields_init(c, st, def);
		path_pop(c, mark);
		if (rc != 0)
			return rc;
	}
	c->nsorted = c->ntypes;
	qsort(c->types, c->nsorted, sizeof(*c->types), stype_cmp);
	for (size_t i = 0; i < c->nsorted && rc == 0; i++) {
		mark = path_push(c, "types.%s", c->types[i].name);
		rc = fields_resolve(c, &c->types[i]);
		path_pop(c, mark);
	}
	if (rc != 0)
		return rc;
	stack = xcalloc(c->nsorted, sizeof(*stack));
	for (size_t i = 0; i < c->nsorted && rc == 0; i++) {
		if (c->types[i].mark == 0)
			rc = check_cycles(c, stack, 0, i);
	}
	free(stack);
	return rc;
}

/* Finds the EIP712Domain type, or derives it from the domain's fields when
 * "types" has none.  Returns: 0 or -EINVAL.  Out: *index. */
static int
domain_type(struct ctx *c, size_t *index, const json_t *domain)
{
	char shown[SHOW_MAX];
	struct stype *st;
	const char *key;
	size_t klen, i;
	json_t *v;

	*index = find_type(c, "EIP712Domain", strlen("EIP712Domain"));
	if (*index != SIZE_MAX)
		return 0;
	if (!json_is_object(domain))
		return fail(c, -EINVAL, "'domain' must be an object, not %s", kind_name(domain));
	json_object_keylen_foreach((json_t *)domain, key, klen, v) {
		for (i = 0; i < ARRAY_SIZE(domain_std); i++) {
			if (is_word(key, klen, domain_std[i].name))
				break;
		}
		if (i == ARRAY_SIZE(domain_std))
			return fail(c, -EINVAL, "domain: field '%s' is none of name, version, "
				    "chainId, verifyingContract and salt, so 'types' must "
				    "define EIP712Domain", SHOW(shown, key, klen));
	}
	*index = c->ntypes;
	st = &c->types[c->ntypes++];
	st->name = "EIP712Domain";
	st->name_len = strlen(st->name);
	st->fields = xcalloc(ARRAY_SIZE(domain_std), sizeof(*st->fields));
	for (i = 0; i < ARRAY_SIZE(domain_std); i++) {
		struct field *f = &st->fields[st->nfields];

		/* A null field is left out, as ethers leaves it out. */
		v = json_object_get(domain, domain_std[i].name);
		if (v == NULL || json_is_null(v))
			continue;
		f->name = domain_std[i].name;
		f->name_len = strlen(f->name);
		f->type = domain_std[i].type;
		f->type_len = f->base_len = strlen(f->type);
		if (!atomic_type(&f->kind, &f->size, f->type, f->type_len))
			BUG("a standard domain field's type is not atomic");
		st->nfields++;
	}
	return 0;
}

/* Marks in seen every struct type that types[i] refers to, directly or
 * not.  Recursion is bounded by the number of types: there are no cycles,
 * and a type already seen is not walked again. */
static void
collect_deps(const struct ctx *c, bool *seen, size_t i)
{
	const struct stype *st = &c->types[i];

	for (size_t j = 0; j < st->nfields; j++) {
		size_t ref = st->fields[j].ref;

		if (st->fields[j].kind == K_STRUCT && !seen[ref]) {
			seen[ref] = true;
			collect_deps(c, seen, ref);
		}
	}
}

/* Appends "Name(type1 name1,type2 name2)" to t. */
static void
add_definition(struct text *t, const struct stype *st)
{
	text_add(t, st->name, st->name_len);
	text_add(t, "(", 1);
	for (size_t i = 0; i < st->nfields; i++) {
		const struct field *f = &st->fields[i];

		if (i > 0)
			text_add(t, ",", 1);
		text_add(t, f->type, f->type_len);
		text_add(t, " ", 1);
		text_add(t, f->name, f->name_len);
	}
	text_add(t, ")", 1);
}

/* Out: t, encodeType(types[i]): its definition, then its dependencies'
 * in name order (the table's order). */
static void
encode_type(struct text *t, const struct ctx *c, size_t i)
{
	bool *seen = xcalloc(c->ntypes, sizeof(*seen));

	collect_deps(c, seen, i);
	add_definition(t, &c->types[i]);
	for (size_t j = 0; j < c->ntypes; j++) {
		if (seen[j] && j != i)
			add_definition(t, &c->types[j]);
	}
	free(seen);
}

/* Each struct type's encodeType text holds those of the types it refers
 * to, so a few kilobytes of types can make megabytes of text to hash: a
 * budget for the whole call keeps that work in proportion.
 * Returns: 0 or -E2BIG.  Out: *hash, typeHash(types[i]), computed on first
 * use. */
static int
type_hash(struct ctx *c, const uint8_t **hash, size_t i)
{
	struct stype *st = &c->types[i];
	struct text t = { 0 };

	if (!st->hashed) {
		encode_type(&t, c, i);
		c->encoded += t.len;
		if (c->encoded > EIP712_MAX_ENCODED) {
			free(t.p);
			return fail(c, -E2BIG, "the encodeType texts of the types used add up to "
				    "more than %u bytes", EIP712_MAX_ENCODED);
		}
		keccak256(st->hash, t.p, t.len);
		free(t.p);
		st->hashed = true;
	}
	*hash = st->hash;
	return 0;
}

/* Returns: whether a is a power of two. */
static bool
is_pow2(const struct u256 *a)
{
	unsigned bits = 0;

	for (int i = 0; i < 4; i++)
		bits += (unsigned)__builtin_popcountll(a->w[i]);
	return bits == 1;
}

/* Encodes a uintN or intN value as a two's complement word.
 * Returns: 0 or -EINVAL. */
static int
encode_int(struct ctx *c, uint8_t out[32], const struct field *f, const json_t *v)
{
	char shown[SHOW_MAX], tname[SHOW_MAX];
	const char *s;
	struct u256 mag;
	bool neg = false, fits;
	unsigned bits = f->size, len;
	size_t slen;
	int rc;

	SHOW(tname, f->type, f->base_len);
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		neg = x < 0;
		mag = u256_from_u64(neg ? (uint64_t)0 - (uint64_t)x : (uint64_t)x);
		snprintf(shown, sizeof(shown), "%" JSON_INTEGER_FORMAT, x);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		/* NaN fails the first test, and infinities the second. */
		if (d != trunc(d) || fabs(d) > SAFE_INTEGER_MAX)
			return fail(c, -EINVAL, "%g is not a whole number below 2^53 for %s; "
				    "give large numbers as strings", d, tname);
		neg = d < 0;
		mag = u256_from_u64((uint64_t)fabs(d));
		snprintf(shown, sizeof(shown), "%.0f", d);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		slen = json_string_length(v);
		SHOW(shown, s, slen);
		if (slen > 0 && s[0] == '-') {
			neg = true;
			s++;
			slen--;
		}
		rc = u256_parse(&mag, s, slen);
		if (rc == -ERANGE)
			return fail(c, -EINVAL, "value %s out of range for %s", shown, tname);
		if (rc != 0)
			return fail(c, -EINVAL, "'%s' is not a number for %s (decimal or 0x-hex "
				    "digits are needed)", shown, tname);
	} else {
		return fail(c, -EINVAL, "expected a number for %s, got %s", tname, kind_name(v));
	}
	if (u256_is_zero(&mag))
		neg = false;
	len = u256_bit_len(&mag);
	if (f->kind == K_UINT)
		fits = !neg && len <= bits;
	else	/* -2^(bits-1) <= value < 2^(bits-1) */
		fits = len < bits || (neg && len == bits && is_pow2(&mag));
	if (!fits)
		return fail(c, -EINVAL, "value %s out of range for %s", shown, tname);
	if (neg)
		u256_neg(&mag, &mag);
	u256_to_be(out, &mag);
	return 0;
}

/* Hashes dynamic bytes given as hex, without holding a decoded copy.
 * Returns: 0 or -EINVAL. */
static int
encode_bytes(struct ctx *c, uint8_t out[32], const json_t *v)
{
	char shown[SHOW_MAX];
	const char *s;
	uint8_t chunk[64];
	struct keccak k;
	size_t len, n = 0;

	if (!json_is_string(v))
		return fail(c, -EINVAL, "expected hex bytes for bytes, got %s", kind_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	SHOW(shown, s, len);
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	for (size_t i = 0; i < len; i++) {
		if (hex_digit(s[i]) < 0)
			return fail(c, -EINVAL, "'%s' is not hex bytes", shown);
	}
	if (len % 2 != 0)
		return fail(c, -EINVAL, "'%s' is not hex bytes: odd number of digits", shown);
	keccak_init(&k);
	for (size_t i = 0; i < len; i += 2) {
		chunk[n++] = (uint8_t)(hex_digit(s[i]) << 4 | hex_digit(s[i + 1]));
		if (n == sizeof(chunk)) {
			keccak_update(&k, chunk, n);
			n = 0;
		}
	}
	keccak_update(&k, chunk, n);
	keccak_final(&k, out);
	return 0;
}

/* Encodes an atomic or dynamic value, or hashes a struct.
 * Returns: 0 or an error. */
static int
encode_base(struct ctx *c, uint8_t out[32], const struct field *f, const json_t *v)
{
	char shown[SHOW_MAX];
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), n;
	int rc;

	memset(out, 0, 32);
	switch (f->kind) {
	case K_STRUCT:
		return hash_struct(c, out, f->ref, v);
	case K_UINT:
	case K_INT:
		return encode_int(c, out, f, v);
	case K_BOOL:
		if (json_is_boolean(v))
			out[31] = json_is_true(v);
		else if (s != NULL && (is_word(s, len, "true") || is_word(s, len, "false")))
			out[31] = s[0] == 't';
		else
			return fail(c, -EINVAL, "expected true or false for bool, got %s",
				    kind_name(v));
		return 0;
	case K_ADDRESS:
		if (s == NULL)
			return fail(c, -EINVAL, "expected an address string, got %s", kind_name(v));
		n = 20;
		if (len != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
		    hex_decode(out + 12, &n, s, len) != 0)
			return fail(c, -EINVAL, "bad address '%s': 0x and 40 hex digits are "
				    "needed", SHOW(shown, s, len));
		return 0;
	case K_BYTESN:
		if (s == NULL)
			return fail(c, -EINVAL, "expected hex bytes for bytes%u, got %s", f->size,
				    kind_name(v));
		n = f->size;
		rc = hex_decode(out, &n, s, len);
		if (rc == -ENOSPC)
			return fail(c, -EINVAL, "'%s' is longer than %u bytes for bytes%u",
				    SHOW(shown, s, len), f->size, f->size);
		if (rc != 0)
			return fail(c, -EINVAL, "'%s' is not hex bytes for bytes%u",
				    SHOW(shown, s, len), f->size);
		return 0;
	case K_BYTES:
		return encode_bytes(c, out, v);
	case K_STRING:
		if (s == NULL)
			return fail(c, -EINVAL, "expected a string, got %s", kind_name(v));
		keccak256(out, s, len);
		return 0;
	}
	BUG("unknown field kind");
}

/* Encodes a value of f's type cut to its first type_len bytes: an array
 * while suffixes remain (the last one is the outermost), else the base.
 * Returns: 0 or an error.  Out: out, the 32-byte word encodeData puts in
 * its struct for it. */
static int
encode_value(struct ctx *c, uint8_t out[32], const struct field *f, size_t type_len,
	     const json_t *v)
{
	char shown[SHOW_MAX];
	uint64_t fixed = 0;
	size_t open, mark, i;
	const json_t *elem;
	struct keccak k;
	uint8_t word[32];
	int rc = 0;

	if (type_len == f->base_len)
		return encode_base(c, out, f, v);
	for (open = type_len - 1; f->type[open] != '['; open--)
		;
	for (i = open + 1; i < type_len - 1; i++)
		fixed = fixed * 10 + (uint64_t)(f->type[i] - '0');
	SHOW(shown, f->type, type_len);
	if (!json_is_array(v))
		return fail(c, -EINVAL, "expected an array for %s, got %s", shown, kind_name(v));
	if (fixed != 0 && json_array_size(v) != fixed)
		return fail(c, -EINVAL, "array length %zu does not match type %s",
			    json_array_size(v), shown);
	if (c->depth >= EIP712_MAX_DEPTH)
		return fail(c, -ELOOP, "nested deeper than %d structs and arrays",
			    EIP712_MAX_DEPTH);
	c->depth++;
	keccak_init(&k);
	json_array_foreach(v, i, elem) {
		mark = path_push(c, "[%zu]", i);
		rc = encode_value(c, word, f, open, elem);
		path_pop(c, mark);
		if (rc != 0)
			break;
		keccak_update(&k, word, sizeof(word));
	}
	keccak_final(&k, out);
	c->depth--;
	return rc;
}

/* Out: out, hashStruct(v) for struct type types[ti].
 * Returns: 0 or an error. */
static int
hash_struct(struct ctx *c, uint8_t out[32], size_t ti, const json_t *v)
{
	const struct stype *st = &c->types[ti];
	const uint8_t *th = NULL;
	const json_t *fv;
	struct keccak k;
	uint8_t word[32];
	size_t mark;
	int rc;

	if (!json_is_object(v))
		return fail(c, -EINVAL, "expected an object of type %s, got %s", st->name,
			    kind_name(v));
	if (c->depth >= EIP712_MAX_DEPTH)
		return fail(c, -ELOOP, "nested deeper than %d structs and arrays",
			    EIP712_MAX_DEPTH);
	if ((rc = type_hash(c, &th, ti)) != 0)
		return rc;
	c->depth++;
	keccak_init(&k);
	keccak_update(&k, th, 32);
	for (size_t i = 0; i < st->nfields && rc == 0; i++) {
		const struct field *f = &st->fields[i];

		fv = json_object_getn(v, f->name, f->name_len);
		if (fv == NULL || json_is_null(fv)) {
			rc = fail(c, -EINVAL, "missing field '%s' (%.*s) of %s", f->name,
				  (int)f->type_len, f->type, st->name);
			break;
		}
		mark = path_push(c, ".%s", f->name);
		rc = encode_value(c, word, f, f->type_len, fv);
		path_pop(c, mark);
		if (rc == 0)
			keccak_update(&k, word, sizeof(word));
	}
	keccak_final(&k, out);
	c->depth--;
	return rc;
}

/* Parses typed data given as a JSON string.  Duplicate keys are refused:
 * what is signed must not depend on which of two values a parser keeps.
 * Returns: 0 or an error.  Out: *parsed (caller frees). */
static int
parse_text(struct ctx *c, json_t **parsed, const json_t *v)
{
	char shown[SHOW_MAX * 4];
	json_error_t jerr;
	size_t len = json_string_length(v);

	if (len > EIP712_MAX_JSON)
		return fail(c, -E2BIG, "typed data of %zu bytes is larger than %u", len,
			    EIP712_MAX_JSON);
	*parsed = json_loadb(json_string_value(v), len, JSON_REJECT_DUPLICATES, &jerr);
	if (*parsed == NULL)
		return fail(c, -EINVAL, "typed data is not valid JSON: %s at line %d column %d",
			    SHOW(shown, jerr.text, strlen(jerr.text)), jerr.line, jerr.column);
	return 0;
}

int
eip712_hash(struct eip712_digest *out, char **cause, const json_t *typed_data)
{
	const json_t *td = typed_data, *primary, *domain;
	struct eip712_digest d = { 0 };
	uint8_t pre[2 + 64] = { 0x19, 0x01 };
	json_t *parsed = NULL;
	char shown[SHOW_MAX];
	size_t di, pi;
	struct ctx c;
	int rc;

	ctx_init(&c, cause);
	if (json_is_string(td)) {
		if ((rc = parse_text(&c, &parsed, td)) != 0)
			goto out;
		td = parsed;
	}
	if (!json_is_object(td)) {
		rc = fail(&c, -EINVAL, "typed data must be an object with types, primaryType, "
			  "domain and message, not %s", kind_name(td));
		goto out;
	}
	if ((rc = types_init(&c, json_object_get(td, "types"))) != 0)
		goto out;
	primary = json_object_get(td, "primaryType");
	if (!json_is_string(primary)) {
		rc = fail(&c, -EINVAL, "'primaryType' must be a string, not %s", kind_name(primary));
		goto out;
	}
	domain = json_object_get(td, "domain");
	if ((rc = domain_type(&c, &di, domain)) != 0)
		goto out;
	if (is_word(json_string_value(primary), json_string_length(primary), "EIP712Domain"))
		pi = di;
	else
		pi = find_type(&c, json_string_value(primary), json_string_length(primary));
	if (pi == SIZE_MAX) {
		rc = fail(&c, -EINVAL, "primaryType '%s' is not in types",
			  SHOW(shown, json_string_value(primary), json_string_length(primary)));
		goto out;
	}
	path_push(&c, "domain");
	if ((rc = hash_struct(&c, d.domain, di, domain)) != 0)
		goto out;
	path_pop(&c, 0);
	memcpy(pre + 2, d.domain, 32);
	if (pi == di) {
		/* Signing the domain alone: no message hash follows. */
		keccak256(d.digest, pre, 34);
	} else {
		path_push(&c, "message");
		if ((rc = hash_struct(&c, d.message, pi, json_object_get(td, "message"))) != 0)
			goto out;
		memcpy(pre + 34, d.message, 32);
		keccak256(d.digest, pre, sizeof(pre));
	}
	*out = d;
out:
	ctx_release(&c);
	json_decref(parsed);
	return rc;
}

/* Reads "types" and finds type in it.  Returns: 0 or an error.
 * Out: *index. */
static int
types_find(struct ctx *c, size_t *index, const json_t *types, const char *type)
{
	char shown[SHOW_MAX];
	int rc;

	if ((rc = types_init(c, types)) != 0)
		return rc;
	*index = find_type(c, type, strlen(type));
	if (*index == SIZE_MAX)
		return fail(c, -EINVAL, "type '%s' is not in types", SHOW(shown, type, strlen(type)));
	return 0;
}

int
eip712_encode_type(char **text, char **cause, const json_t *types, const char *type)
{
	struct text t = { 0 };
	struct ctx c;
	size_t i;
	int rc;

	ctx_init(&c, cause);
	if ((rc = types_find(&c, &i, types, type)) != 0)
		goto out;
	encode_type(&t, &c, i);
	*text = t.p;
out:
	ctx_release(&c);
	return rc;
}

int
eip712_hash_struct(uint8_t out[32], char **cause, const json_t *types, const char *type,
		   const json_t *data)
{
	uint8_t h[32];
	struct ctx c;
	size_t i;
	int rc;

	ctx_init(&c, cause);
	/* EIP712Domain may be left out of types, as for eip712_hash(). */
	if (strcmp(type, "EIP712Domain") == 0) {
		if ((rc = types_init(&c, types)) != 0 || (rc = domain_type(&c, &i, data)) != 0)
			goto out;
	} else if ((rc = types_find(&c, &i, types, type)) != 0) {
		goto out;
	}
	path_push(&c, "data");
	if ((rc = hash_struct(&c, h, i, data)) != 0)
		goto out;
	memcpy(out, h, 32);
out:
	ctx_release(&c);
	return rc;
}
