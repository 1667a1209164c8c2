/* bench/evm: how fast chainbox's EVM runs fixed bytecode workloads, in
 * million gas per second, optionally beside anvil's (revm).  It prints
 * figures; it is not a test and passes or fails nothing.
 *
 * Each workload (workload.h) is the initcode of a creation transaction,
 * run through exec_tx() in a fresh state with a gas limit of 10^9: the
 * interpreter and its host, without RPC.  A workload runs --runs times
 * and the median wall time of exec_tx() counts, less the median time of a
 * creation with empty initcode.  The gas counted is the execution gas, the
 * receipt's gas less the intrinsic gas.
 *
 * With --vs-anvil the same initcode goes to anvil as eth_call
 * {from, data, gas}, after its helper contracts were put in place with
 * anvil_setCode.  Anvil's time is the median HTTP round trip less that of
 * an eth_call with empty data; its Mgas/s uses the gas chainbox measured,
 * once anvil's answer has shown that it ran the same computation at the
 * same gas (the 64 bytes each workload returns). */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "chain/exec.h"
#include "hex.h"
#include "log.h"
#include "state/state.h"
#include "workload.h"
#include "xalloc.h"

extern char **environ;

#define EXIT_USAGE 2
#define DEFAULT_RUNS 7
#define MIN_EMPTY_RUNS 21
#define GAS_LIMIT 1000000000ULL
#define ANVIL_PACKAGE "@foundry-rs/anvil-linux-amd64@1.7.1"
#define ANVIL_IN_PREFIX "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

/* Who sends every transaction and eth_call, the same on both EVMs so that
 * the created address (and so ADDRESS) is the same too. */
static const uint8_t bench_sender[20] = { 0xbe, 0x0c, [19] = 0x5e };
#define BENCH_SENDER_HEX "0xbe0c00000000000000000000000000000000005e"

/* The anvil a signal must not leave behind. */
static volatile sig_atomic_t child_pid = -1;

struct result {
	uint64_t gas; /* execution gas */
	uint8_t out[WORKLOAD_OUT_LEN];
	size_t out_len;
	double cb_seconds; /* medians, the empty run subtracted */
	double anvil_seconds;
	bool have_anvil, anvil_failed, anvil_differs;
};

static const char usage_text[] =
	"usage: bench/evm [--runs N] [--only NAME[,NAME...]] [--list]\n"
	"                 [--vs-anvil [--anvil PATH] [--install-anvil]]\n"
	"\n"
	"Runs fixed EVM bytecode workloads through chainbox's interpreter and\n"
	"host, and prints the median Mgas/s of each.\n"
	"\n"
	"  --runs N          timed runs of each workload (default 7)\n"
	"  --only NAMES      run only these workloads, comma-separated\n"
	"  --list            list the workloads and exit\n"
	"  --vs-anvil        also time anvil's eth_call of the same bytecode\n"
	"  --anvil PATH      the anvil binary (else $ANVIL, else the npm cache)\n"
	"  --install-anvil   npm install anvil into the cache when it is missing\n";

/* Returns: a monotonic time in seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Orders doubles for qsort(). */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Returns: the median of v's n values (n > 0); sorts v. */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Kills anvil, then dies of the same signal. */
static void
on_signal(int sig)
{
	if (child_pid > 0)
		(void)kill((pid_t)child_pid, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Runs w's initcode once as a creation in a fresh state that holds w's
 * helper accounts, timing exec_tx() alone.
 * Returns: 0, or -EIO with *cause set when the transaction was refused, did
 * not succeed or made more than WORKLOAD_OUT_LEN bytes of code.  Out:
 * *seconds, *gas (execution gas); out, the created code; *out_len. */
static int
chainbox_run(double *seconds, uint64_t *gas, uint8_t *out, size_t *out_len, char **cause,
	     const struct workload *w)
{
	struct exec_block block = { .coinbase = { 0xc0 }, .number = 1, .timestamp = 1,
				    .gas_limit = GAS_LIMIT };
	struct state *s = state_new();
	struct exec *x = NULL;
	struct exec_receipt r = { 0 };
	struct tx tx = { 0 };
	const uint8_t *code;
	const char *why = NULL;
	size_t len;
	double t0;
	int rc;

	block.chain_id = u256_from_u64(1);
	for (size_t i = 0; i < w->naccounts; i++)
		state_set_code(s, w->accounts[i].address, w->accounts[i].code, w->accounts[i].len);
	state_end_tx(s); /* the setting up is no transaction's work */
	x = exec_new(s);
	tx.type = TX_LEGACY;
	tx.gas_limit = GAS_LIMIT;
	tx.is_create = true;
	tx.data = w->initcode;
	tx.data_len = w->initcode_len;

	t0 = now();
	rc = exec_tx(x, &r, &why, &block, &tx, bench_sender, GAS_LIMIT, 0);
	*seconds = now() - t0;
	if (rc != 0) {
		xasprintf(cause, "chainbox refused the transaction: %s", why ? why : strerror(-rc));
		rc = -EIO;
		goto out;
	}
	if (r.status != EVM_SUCCESS) {
		xasprintf(cause, "the workload ended with %s after %" PRIu64 " gas",
			  evm_status_name(r.status), r.gas_used);
		rc = -EIO;
		goto out;
	}
	*gas = r.gas_used - tx_intrinsic_gas(&tx);
	code = state_code(s, r.contract_address, &len);
	if (len > WORKLOAD_OUT_LEN) {
		xasprintf(cause, "the workload returned %zu bytes, more than %d", len,
			  WORKLOAD_OUT_LEN);
		rc = -EIO;
		goto out;
	}
	*out_len = len;
	if (len > 0)
		memcpy(out, code, len);
out:
	exec_receipt_release(&r);
	exec_free(x);
	state_free(s);
	return rc;
}

/* Returns: the eth_call request for initcode (caller frees). */
static char *
eth_call_request(const uint8_t *initcode, size_t len)
{
	char *hex = xmalloc(2 * len + 3), *body;

	hex[0] = '0';
	hex[1] = 'x';
	hex_encode(hex + 2, initcode, len);
	body = anvil_request("eth_call", json_pack("[{s:s, s:s, s:s}, s]", "from", BENCH_SENDER_HEX,
						   "data", hex, "gas", "0x3b9aca00", "latest"));
	free(hex);
	return body;
}

/* Returns: whether anvil's answer is the 0x-hex of want. */
static bool
answer_is(const json_t *answer, const uint8_t *want, size_t len)
{
	const char *s = json_string_value(answer);
	uint8_t got[WORKLOAD_OUT_LEN + 1];
	size_t n = sizeof(got);

	if (s == NULL || hex_decode(got, &n, s, strlen(s)) != 0)
		return false;
	return n == len && memcmp(got, want, len) == 0;
}

/* Measures w.  Untimed runs come first, one on each side: page faults and
 * the allocator's first growth, and the check that anvil returns what
 * chainbox does.  Then the timed runs alternate, chainbox then anvil, so
 * that a machine that gets busier slows both alike.
 * Returns: 0, or -EIO with *cause set (caller frees) when chainbox fails or
 * two of its runs differ.  A failure or a different answer on anvil is no
 * error here: r says so, and *anvil_cause tells why (caller frees).
 * Out: r's gas, out, medians (not yet less the empty run's) and anvil
 * flags.  In: a, NULL for chainbox alone; body, the eth_call request. */
static int
measure(struct result *r, char **cause, char **anvil_cause, const struct workload *w,
	struct anvil *a, const char *body, int runs)
{
	double *cb = xcalloc((size_t)runs, sizeof(*cb)), *an = xcalloc((size_t)runs, sizeof(*an));
	uint8_t out[WORKLOAD_OUT_LEN];
	json_t *answer = NULL;
	size_t out_len;
	uint64_t gas;
	double t;
	int rc;

	rc = chainbox_run(&t, &r->gas, r->out, &r->out_len, cause, w);
	if (rc != 0)
		goto out;
	if (a != NULL && anvil_rpc_timed(a, &t, &answer, anvil_cause, body) != 0) {
		r->anvil_failed = true;
	} else if (a != NULL && !answer_is(answer, r->out, r->out_len)) {
		char want[2 * WORKLOAD_OUT_LEN + 1];

		hex_encode(want, r->out, r->out_len);
		xasprintf(anvil_cause, "anvil's answer differs from chainbox's:\n"
			  "  chainbox 0x%s\n  anvil    %s", want,
			  json_is_string(answer) ? json_string_value(answer) : "(not a string)");
		r->anvil_differs = true;
	} else if (a != NULL) {
		r->have_anvil = true;
	}
	for (int i = 0; i < runs; i++) {
		rc = chainbox_run(&cb[i], &gas, out, &out_len, cause, w);
		if (rc != 0)
			goto out;
		if (gas != r->gas || out_len != r->out_len || memcmp(out, r->out, out_len) != 0) {
			xasprintf(cause, "two runs of the same workload differ");
			rc = -EIO;
			goto out;
		}
		if (!r->have_anvil)
			continue;
		json_decref(answer);
		answer = NULL;
		if (anvil_rpc_timed(a, &an[i], &answer, anvil_cause, body) != 0) {
			r->have_anvil = false;
			r->anvil_failed = true;
		}
	}
	r->cb_seconds = median(cb, (size_t)runs);
	if (r->have_anvil)
		r->anvil_seconds = median(an, (size_t)runs);
out:
	json_decref(answer);
	free(cb);
	free(an);
	return rc;
}

/* Writes v with thousands separators.  Out: buf, at least 32 bytes. */
static void
group(char *buf, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, v), j = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
}

/* Returns: the npm prefix folder the anvil package is cached in (caller
 * frees), or NULL when neither XDG_CACHE_HOME nor HOME is set. */
static char *
cache_prefix(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *p = NULL;

	if (xdg != NULL && xdg[0] != '\0')
		xasprintf(&p, "%s/chainbox/npm", xdg);
	else if (home != NULL && home[0] != '\0')
		xasprintf(&p, "%s/.cache/chainbox/npm", home);
	return p;
}

/* Creates dir and its parents.  Returns: 0 or -errno. */
static int
mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* Runs npm install of anvil into prefix.  Returns: 0, or -EIO after
 * saying why. */
static int
install_anvil(const char *prefix)
{
	char *argv[] = { (char *)"npm", (char *)"install", (char *)"--no-audit",
			 (char *)"--no-fund", (char *)"--prefix", (char *)prefix,
			 (char *)ANVIL_PACKAGE, NULL };
	pid_t pid;
	int err, st;

	err = mkdir_p(prefix);
	if (err != 0) {
		msg_error("cannot create '%s': %s", prefix, strerror(-err));
		return -EIO;
	}
	fprintf(stderr, "installing %s into '%s'\n", ANVIL_PACKAGE, prefix);
	err = posix_spawnp(&pid, "npm", NULL, NULL, argv, environ);
	if (err != 0) {
		msg_error("cannot run 'npm': %s", strerror(err));
		return -EIO;
	}
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			msg_error("cannot wait for 'npm': %s", strerror(errno));
			return -EIO;
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		msg_error("'npm install %s' failed", ANVIL_PACKAGE);
		return -EIO;
	}
	return 0;
}

/* Finds the anvil binary: --anvil, else $ANVIL, else the npm cache (which
 * --install-anvil fills).  Returns: the path (caller frees), or NULL after
 * saying how to get it. */
static char *
find_anvil(const char *opt, bool install)
{
	const char *env = getenv("ANVIL");
	char *prefix = NULL, *path = NULL;

	if (opt != NULL || (env != NULL && env[0] != '\0')) {
		const char *p = opt != NULL ? opt : env;

		if (access(p, X_OK) == 0)
			return xstrdup(p);
		msg_error("cannot run anvil at '%s' (from %s): %s", p,
			  opt != NULL ? "--anvil" : "ANVIL", strerror(errno));
		return NULL;
	}
	prefix = cache_prefix();
	if (prefix == NULL) {
		msg_error("cannot find anvil: neither XDG_CACHE_HOME nor HOME is set");
		fprintf(stderr, "hint: give its path with --anvil PATH or ANVIL=PATH\n");
		return NULL;
	}
	xasprintf(&path, "%s/%s", prefix, ANVIL_IN_PREFIX);
	if (access(path, X_OK) != 0 && install && install_anvil(prefix) != 0)
		goto fail;
	if (access(path, X_OK) == 0)
		goto out;
	msg_error("cannot find anvil at '%s'", path);
	fprintf(stderr,
		"hint: install it with\n"
		"hint:   npm install --prefix '%s' %s\n"
		"hint: or run bench/evm --vs-anvil --install-anvil, or give --anvil PATH "
		"(or ANVIL=PATH)\n",
		prefix, ANVIL_PACKAGE);
fail:
	free(path);
	path = NULL;
out:
	free(prefix);
	return path;
}

/* Puts every helper contract of the chosen workloads in place on anvil.
 * Returns: 0 or -EIO after saying why. */
static int
anvil_setup(struct anvil *a, const struct workload *ws, const bool *chosen, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; chosen[i] && k < ws[i].naccounts; k++) {
			const struct workload_account *acct = &ws[i].accounts[k];
			char addr[43] = "0x", *code = xmalloc(2 * acct->len + 3), *cause = NULL;
			json_t *res = NULL;
			int rc;

			hex_encode(addr + 2, acct->address, 20);
			code[0] = '0';
			code[1] = 'x';
			hex_encode(code + 2, acct->code, acct->len);
			rc = anvil_rpc(a, &res, &cause, "anvil_setCode", json_pack("[s, s]", addr, code));
			json_decref(res);
			free(code);
			if (rc != 0) {
				msg_error("cannot set %s's helper code on anvil: %s", ws[i].name, cause);
				free(cause);
				return -EIO;
			}
		}
	}
	return 0;
}

/* Parses --only's list.  Returns: 0, or -EINVAL after saying which name
 * is unknown.  Out: chosen. */
static int
parse_only(bool *chosen, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;

	for (size_t i = 0; i < workload_count(); i++)
		chosen[i] = false;
	for (char *name = strtok_r(copy, ",", &save); name != NULL;
	     name = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < workload_count(); i++) {
			if (strcmp(name, workload_name(i)) == 0)
				break;
		}
		if (i == workload_count()) {
			msg_error("unknown workload '%s'", name);
			fprintf(stderr, "hint: 'bench/evm --list' lists them\n");
			rc = -EINVAL;
			break;
		}
		chosen[i] = true;
	}
	free(copy);
	return rc;
}

/* Prints the table of results, and the ratios' geometric mean. */
static void
print_table(const struct workload *ws, const struct result *res, const bool *chosen, size_t n,
	    bool vs_anvil)
{
	double log_sum = 0;
	int nratio = 0;

	printf("\n%-8s %12s %12s %14s", "workload", "gas", "chainbox ms", "chainbox Mgas/s");
	if (vs_anvil)
		printf(" %10s %12s %7s", "anvil ms", "anvil Mgas/s", "ratio");
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &res[i];
		double cb_mgas = (double)r->gas / r->cb_seconds / 1e6;
		char gas[32];

		if (!chosen[i])
			continue;
		group(gas, r->gas);
		if (r->cb_seconds > 0)
			printf("%-8s %12s %12.2f %15.1f", ws[i].name, gas, r->cb_seconds * 1e3,
			       cb_mgas);
		else
			printf("%-8s %12s %12s %15s", ws[i].name, gas, "-", "too fast");
		if (vs_anvil && (r->anvil_failed || r->anvil_differs)) {
			printf(" %10s %12s %7s", "-", r->anvil_failed ? "failed" : "differs", "-");
		} else if (vs_anvil && r->have_anvil && r->anvil_seconds > 0) {
			double an_mgas = (double)r->gas / r->anvil_seconds / 1e6;

			printf(" %10.2f %12.1f %7.2f", r->anvil_seconds * 1e3, an_mgas,
			       cb_mgas / an_mgas);
			log_sum += log(cb_mgas / an_mgas);
			nratio++;
		} else if (vs_anvil) {
			printf(" %10s %12s %7s", "-", "too fast", "-");
		}
		printf("\n");
	}
	if (vs_anvil && nratio > 0)
		printf("\nratio = chainbox Mgas/s / anvil Mgas/s (above 1: chainbox is faster); "
		       "geometric mean %.2f\n", exp(log_sum / nratio));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "vs-anvil", no_argument, NULL, 'v' },
		{ "anvil", required_argument, NULL, 'a' },
		{ "install-anvil", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const anvil_args[] = {
		"--hardfork", "cancun", "--gas-limit", "1000000000", "--quiet", NULL,
	};
	size_t n = workload_count();
	struct workload *ws = xcalloc(n, sizeof(*ws));
	struct result *res = xcalloc(n, sizeof(*res));
	bool *chosen = xcalloc(n, sizeof(*chosen)), vs_anvil = false, install = false;
	bool curl_ready = false;
	const char *anvil_opt = NULL;
	char *anvil_path = NULL, *cause = NULL, *anvil_cause = NULL, *empty_body = NULL;
	struct anvil *a = NULL;
	struct workload empty = { .name = "empty" };
	struct result empty_res = { 0 };
	int runs = DEFAULT_RUNS, c, status = 1, empty_runs;
	char *end;

	log_init("bench/evm");
	for (size_t i = 0; i < n; i++)
		chosen[i] = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			errno = 0;
			runs = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || runs < 1 || runs > 1000) {
				msg_error("--runs takes a count from 1 to 1000, not '%s'", optarg);
				status = EXIT_USAGE;
				goto out;
			}
			break;
		case 'o':
			if (parse_only(chosen, optarg) != 0) {
				status = EXIT_USAGE;
				goto out;
			}
			break;
		case 'l':
			for (size_t i = 0; i < n; i++)
				printf("%-8s %s\n", workload_name(i), workload_summary(i));
			status = 0;
			goto out;
		case 'v':
			vs_anvil = true;
			break;
		case 'a':
			anvil_opt = optarg;
			break;
		case 'i':
			install = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			status = 0;
			goto out;
		default:
			msg_error("unknown option '%s'", argv[optind - 1]);
			fputs(usage_text, stderr);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		msg_error("unexpected argument '%s'", argv[optind]);
		status = EXIT_USAGE;
		goto out;
	}
	empty_runs = runs > MIN_EMPTY_RUNS ? runs : MIN_EMPTY_RUNS;
	for (size_t i = 0; i < n; i++)
		workload_build(&ws[i], i);

	if (vs_anvil) {
		anvil_path = find_anvil(anvil_opt, install);
		if (anvil_path == NULL)
			goto out;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			msg_error("cannot initialise libcurl");
			goto out;
		}
		curl_ready = true;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGHUP, on_signal);
		if (anvil_new(&a, &cause, anvil_path, anvil_args) != 0) {
			msg_error("%s", cause);
			goto out;
		}
		child_pid = anvil_pid(a);
		if (anvil_setup(a, ws, chosen, n) != 0)
			goto out;
	}

	printf("bench/evm: %d run%s of each workload, median wall time less an empty "
	       "creation's; gas is execution gas\n", runs, runs == 1 ? "" : "s");
	if (vs_anvil)
		empty_body = eth_call_request(NULL, 0);
	if (measure(&empty_res, &cause, &anvil_cause, &empty, a, empty_body, empty_runs) != 0) {
		msg_error("the empty creation failed on chainbox: %s", cause);
		goto out;
	}
	if (vs_anvil && !empty_res.have_anvil) {
		msg_error("an empty eth_call failed on anvil: %s", anvil_cause);
		goto out;
	}
	printf("chainbox: exec_tx() in-process; empty creation %.3f ms\n",
	       empty_res.cb_seconds * 1e3);
	if (vs_anvil)
		printf("anvil: %s at '%s', --hardfork cancun; eth_call over HTTP, "
		       "empty eth_call %.3f ms\n", anvil_version(a), anvil_path,
		       empty_res.anvil_seconds * 1e3);
	fflush(stdout);

	status = 0;
	for (size_t i = 0; i < n; i++) {
		struct result *r = &res[i];
		char *body = NULL;
		int rc;

		if (!chosen[i])
			continue;
		if (vs_anvil)
			body = eth_call_request(ws[i].initcode, ws[i].initcode_len);
		rc = measure(r, &cause, &anvil_cause, &ws[i], a, body, runs);
		free(body);
		if (rc != 0) {
			msg_error("workload '%s' failed on chainbox: %s", ws[i].name, cause);
			status = 1;
			goto out;
		}
		if (r->out_len != WORKLOAD_OUT_LEN) {
			msg_error("workload '%s' returned %zu bytes on chainbox, not %d", ws[i].name,
				  r->out_len, WORKLOAD_OUT_LEN);
			status = 1;
			goto out;
		}
		if (r->anvil_failed || r->anvil_differs) {
			msg_warn("workload '%s' on anvil: %s", ws[i].name, anvil_cause);
			free(anvil_cause);
			anvil_cause = NULL;
			status = 1;
		}
		r->cb_seconds -= empty_res.cb_seconds;
		r->anvil_seconds -= empty_res.anvil_seconds;
	}
	print_table(ws, res, chosen, n, vs_anvil);
out:
	child_pid = -1;
	anvil_free(a);
	if (curl_ready)
		curl_global_cleanup();
	for (size_t i = 0; i < n; i++)
		workload_release(&ws[i]);
	free(ws);
	free(res);
	free(chosen);
	free(cause);
	free(anvil_cause);
	free(anvil_path);
	free(empty_body);
	return status;
}
