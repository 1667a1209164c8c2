/* The EVM benchmark's workloads: fixed bytecode, each run as the initcode
 * of a creation, so that chainbox and an eth_call to anvil execute the very
 * same bytes.  Some need contracts in place first (a callee, a token): those
 * come as accounts with code at fixed addresses.
 *
 * Every workload's initcode has the same frame: it reads GAS first, runs
 * its loop, which leaves a checksum word, reads GAS again and returns 64
 * bytes, [gas spent between the two reads, checksum].  Returned from a
 * creation, those bytes become the new contract's code; comparing them
 * shows that two EVMs did the same computation at the same gas. */
#ifndef CHAINBOX_BENCH_WORKLOAD_H
#define CHAINBOX_BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* The word that workload_out() decodes: gas between the GAS reads and the
 * checksum, both as returned. */
#define WORKLOAD_OUT_LEN 64

struct workload_account {
	uint8_t address[20];
	uint8_t *code;
	size_t len;
};

struct workload {
	const char *name;
	const char *summary;
	uint8_t *initcode;
	size_t initcode_len;
	struct workload_account *accounts; /* to install before it runs */
	size_t naccounts;
};

/* Returns: how many workloads there are. */
size_t workload_count(void);
/* Returns: workload i's name (a static string), i < workload_count(). */
const char *workload_name(size_t i);
/* Returns: workload i's one-line description (a static string). */
const char *workload_summary(size_t i);
/* Assembles workload i.  Out: w, released with workload_release(). */
void workload_build(struct workload *w, size_t i);
void workload_release(struct workload *w);

#endif
