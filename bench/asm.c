/* The benchmarks' EVM assembler (see asm.h). */
#include <stdint.h>
#include <string.h>

#include "asm.h"
#include "hex.h"
#include "xalloc.h"

void
asm_init(struct asm_prog *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < ASM_MAX_LABELS; i++)
		p->label[i] = SIZE_MAX;
}

void
asm_release(struct asm_prog *p)
{
	free(p->code);
	free(p->fix);
	asm_init(p);
}

void
asm_bytes(struct asm_prog *p, const uint8_t *b, size_t n)
{
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 256;

		while (cap < p->len + n)
			cap *= 2;
		p->code = xreallocarray(p->code, cap, 1);
		p->cap = cap;
	}
	memcpy(p->code + p->len, b, n);
	p->len += n;
}

void
asm_op(struct asm_prog *p, uint8_t op)
{
	asm_bytes(p, &op, 1);
}

void
asm_push_bytes(struct asm_prog *p, const uint8_t *b, size_t n)
{
	if (n < 1 || n > 32)
		BUG("push width outside 1..32");
	asm_op(p, (uint8_t)(ASM_PUSH1 + n - 1));
	asm_bytes(p, b, n);
}

void
asm_push(struct asm_prog *p, uint64_t v)
{
	uint8_t be[8];
	size_t n = 0;

	if (v == 0) {
		asm_op(p, ASM_PUSH0);
		return;
	}
	for (uint64_t t = v; t != 0; t >>= 8)
		n++;
	for (size_t i = 0; i < n; i++)
		be[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	asm_push_bytes(p, be, n);
}

void
asm_push_hex(struct asm_prog *p, const char *hex)
{
	uint8_t b[32];
	size_t n = sizeof(b);

	if (hex_decode(b, &n, hex, strlen(hex)) != 0)
		BUG("bad hex in a push");
	asm_push_bytes(p, b, n);
}

void
asm_label(struct asm_prog *p, unsigned id)
{
	if (id >= ASM_MAX_LABELS || p->label[id] != SIZE_MAX)
		BUG("label out of range or placed twice");
	p->label[id] = p->len;
	asm_op(p, ASM_JUMPDEST);
}

void
asm_push_label(struct asm_prog *p, unsigned id)
{
	static const uint8_t zero[2];

	if (id >= ASM_MAX_LABELS)
		BUG("label out of range");
	if (p->nfix == p->afix) {
		p->afix = p->afix ? 2 * p->afix : 16;
		p->fix = xreallocarray(p->fix, p->afix, sizeof(*p->fix));
	}
	p->fix[p->nfix++] = (struct asm_fixup){ p->len + 1, id };
	asm_push_bytes(p, zero, 2);
}

const uint8_t *
asm_finish(struct asm_prog *p, size_t *len)
{
	for (size_t i = 0; i < p->nfix; i++) {
		size_t to = p->label[p->fix[i].label];

		if (to == SIZE_MAX)
			BUG("a label was pushed but never placed");
		if (to > UINT16_MAX)
			BUG("a label lies beyond what a PUSH2 reaches");
		p->code[p->fix[i].at] = (uint8_t)(to >> 8);
		p->code[p->fix[i].at + 1] = (uint8_t)to;
	}
	*len = p->len;
	return p->code;
}
