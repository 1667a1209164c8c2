/* bench/chainload: bench/snapshot.sh's helper on a running network.  It
 * prints figures; it is not a test and passes or fails nothing.
 *
 *   bench/chainload fill --file PATH --size BYTES [--tx-bytes N]
 *                        [--window N] [--max-seconds S] URL...
 *	grows a chain: every dev account (eth_accounts of the first URL)
 *	sends transactions of N bytes of calldata (102400 by default, all of
 *	them non-zero: 16 gas each) with eth_sendTransaction, account i
 *	through URL i mod the count, each with at most --window (8) sent and
 *	not yet in a block, until PATH (a node's chain.mdb) holds BYTES or
 *	--max-seconds (600) have passed.  Then it waits until every
 *	transaction sent is in a block, and prints one line:
 *	    txs T calldata B seconds S size Z reached 0|1
 *	(Z: PATH's size at the end).
 *   bench/chainload watch [--every MS] URL
 *	asks URL for eth_blockNumber every MS milliseconds (2 by default)
 *	over one kept-alive connection and prints "US HEIGHT" whenever the
 *	height changes, US being the wall clock (CLOCK_REALTIME) in
 *	microseconds, until SIGTERM or SIGINT.
 *
 * The nodes' logs cannot give commit times: a commit is logged at debug
 * level, and nothing turns that level on in a node. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
#include "log.h"
#include "rpcclient.h"
#include "xalloc.h"

#define EXIT_USAGE 2
#define SEND_TIMEOUT_MS 10000
#define POLL_TIMEOUT_MS 200
#define FULL_WAIT_US 5000
#define SIZE_POLL_US 20000
#define DRAIN_TIMEOUT_S 120
#define MAX_ERRORS 50
#define TX_GAS 21000
#define CALLDATA_GAS 16
/* Where the calldata goes: an account without code, so nothing runs. */
#define SINK "0x00000000000000000000000000000000000000aa"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* --- fill -------------------------------------------------------------------------------- */

struct sender {
	pthread_t thread;
	struct rpcclient *rpc;
	const char *url;
	char from[43];
	const char *data; /* "0x" and the calldata's hex; shared */
	uint64_t gas;
	unsigned window;
	atomic_bool *stop;
	uint64_t base, sent, mined; /* nonces */
	unsigned errors;
	char *cause; /* the last error */
	int rc;
	atomic_bool finished; /* the thread has ended */
};

/* Returns: 0 with *nonce set to from's transaction count at tag, or -1. */
static int
tx_count(struct sender *s, uint64_t *nonce, const char *tag)
{
	json_t *params = json_pack("[s, s]", s->from, tag), *r = NULL;
	char *cause = NULL;
	int rc = -1;

	/* rpcclient_call() takes its own reference to params. */
	if (rpcclient_call(s->rpc, &r, &cause, s->url, "eth_getTransactionCount", params,
			   POLL_TIMEOUT_MS) != 0) {
		free(s->cause);
		s->cause = cause;
	} else if (json_is_string(r) && sscanf(json_string_value(r), "0x%" SCNx64, nonce) == 1) {
		rc = 0;
	}
	json_decref(r);
	json_decref(params);
	return rc;
}

/* A sender: transactions in nonce order, at most window in flight,
 * until *stop; then it waits for the last to be in a block. */
static void
sender_send(struct sender *s)
{
	json_t *params = NULL;
	char gas[24];
	double deadline;

	snprintf(gas, sizeof gas, "0x%" PRIx64, s->gas);
	s->rc = -1;
	if (tx_count(s, &s->base, "pending") != 0)
		goto out;
	s->sent = s->mined = s->base;
	params = json_pack("[{s:s, s:s, s:s, s:s}]", "from", s->from, "to", SINK, "gas", gas,
			   "data", s->data);
	while (!atomic_load(s->stop)) {
		json_t *r;
		char *cause = NULL;

		if (s->sent - s->mined >= s->window) {
			if (tx_count(s, &s->mined, "latest") != 0 || s->sent - s->mined >= s->window)
				sleep_us(FULL_WAIT_US);
			continue;
		}
		if (rpcclient_call(s->rpc, &r, &cause, s->url, "eth_sendTransaction", params,
				   SEND_TIMEOUT_MS) != 0) {
			free(s->cause);
			s->cause = cause;
			if (++s->errors >= MAX_ERRORS)
				goto out;
			sleep_us(50000);
			continue;
		}
		json_decref(r);
		s->sent++;
	}
	deadline = now_s() + DRAIN_TIMEOUT_S;
	while (s->mined < s->sent) {
		if (now_s() > deadline) {
			free(s->cause);
			xasprintf(&s->cause, "%" PRIu64 " transactions still not in a block after %d s",
				  s->sent - s->mined, DRAIN_TIMEOUT_S);
			goto out;
		}
		if (tx_count(s, &s->mined, "latest") != 0 || s->mined < s->sent)
			sleep_us(FULL_WAIT_US);
	}
	s->rc = 0;
out:
	json_decref(params);
}

static void *
sender_run(void *arg)
{
	struct sender *s = arg;

	sender_send(s);
	atomic_store(&s->finished, true);
	return NULL;
}

/* Returns: the calldata as "0x" and hex: len bytes, none of them zero
 * (caller frees). */
static char *
calldata_hex(size_t len)
{
	uint8_t *b = xmalloc(len);
	char *hex = xmalloc(2 * len + 3);
	uint64_t x = 0x9e3779b97f4a7c15u;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)(1 + x % 255);
	}
	memcpy(hex, "0x", 2);
	hex_encode(hex + 2, b, len);
	free(b);
	return hex;
}

static int
file_size(const char *path, uint64_t *size)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -errno;
	*size = (uint64_t)sb.st_size;
	return 0;
}

static int
cmd_fill(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "tx-bytes", required_argument, NULL, 't' },
		{ "window", required_argument, NULL, 'w' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	uint64_t want = 0, size = 0, txs = 0;
	size_t txbytes = 102400, n = 0;
	unsigned window = 8;
	double max_s = 600, t0;
	atomic_bool stop = false;
	struct sender *s = NULL;
	struct rpcclient *rpc;
	json_t *accts = NULL;
	char *cause = NULL, *data;
	bool reached = false;
	int c, status = 1, nurls;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 's': want = strtoull(optarg, NULL, 10); break;
		case 't': txbytes = strtoul(optarg, NULL, 10); break;
		case 'w': window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': max_s = strtod(optarg, NULL); break;
		default: return EXIT_USAGE;
		}
	}
	nurls = argc - optind;
	if (file == NULL || nurls < 1 || txbytes == 0 || window == 0) {
		fprintf(stderr, "usage: bench/chainload fill --file PATH --size BYTES [--tx-bytes N] "
				"[--window N] [--max-seconds S] URL...\n");
		return EXIT_USAGE;
	}
	rpc = rpcclient_new();
	if (rpc == NULL)
		die("libcurl cannot make a handle");
	if (rpcclient_call(rpc, &accts, &cause, argv[optind], "eth_accounts", NULL,
			   SEND_TIMEOUT_MS) != 0 || json_array_size(accts) == 0)
		die("no dev accounts at %s: %s", argv[optind], cause != NULL ? cause : "none");
	rpcclient_free(rpc);
	n = json_array_size(accts);
	s = xcalloc(n, sizeof(*s));
	data = calldata_hex(txbytes);
	for (size_t i = 0; i < n; i++) {
		s[i].rpc = rpcclient_new();
		if (s[i].rpc == NULL)
			die("libcurl cannot make a handle");
		s[i].url = argv[optind + (int)(i % (size_t)nurls)];
		snprintf(s[i].from, sizeof s[i].from, "%s",
			 json_string_value(json_array_get(accts, i)));
		s[i].data = data;
		s[i].gas = TX_GAS + CALLDATA_GAS * (uint64_t)txbytes;
		s[i].window = window;
		s[i].stop = &stop;
	}
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		if (pthread_create(&s[i].thread, NULL, sender_run, &s[i]) != 0)
			die("cannot start a thread");
	}
	for (;;) {
		bool alive = false;

		if (file_size(file, &size) == 0 && size >= want) {
			reached = true;
			break;
		}
		if (now_s() - t0 > max_s)
			break;
		/* A sender that gave up ends its thread; when all did, stop. */
		for (size_t i = 0; i < n; i++)
			alive |= !atomic_load(&s[i].finished);
		if (!alive)
			break;
		sleep_us(SIZE_POLL_US);
	}
	atomic_store(&stop, true);
	status = 0;
	for (size_t i = 0; i < n; i++) {
		pthread_join(s[i].thread, NULL);
		txs += s[i].sent - s[i].base;
		if (s[i].rc != 0) {
			msg_error("account %s: %s", s[i].from,
				  s[i].cause != NULL ? s[i].cause : "failed");
			status = 1;
		}
		free(s[i].cause);
		rpcclient_free(s[i].rpc);
	}
	(void)file_size(file, &size);
	printf("txs %" PRIu64 " calldata %" PRIu64 " seconds %.2f size %" PRIu64 " reached %d\n",
	       txs, txs * (uint64_t)txbytes, now_s() - t0, size, reached);
	free(s);
	free(data);
	free(cause);
	json_decref(accts);
	return status;
}

/* --- watch ------------------------------------------------------------------------------- */

static volatile sig_atomic_t watch_stop;

static void
on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static int
cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "every", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct rpcclient *rpc;
	uint64_t last = UINT64_MAX, h;
	long every_us = 2000;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'e')
			return EXIT_USAGE;
		every_us = (long)(strtod(optarg, NULL) * 1000);
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: bench/chainload watch [--every MS] URL\n");
		return EXIT_USAGE;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rpc = rpcclient_new();
	if (rpc == NULL)
		die("libcurl cannot make a handle");
	while (!watch_stop) {
		char *cause = NULL;

		/* A node down (a restore) answers nothing: ask again. */
		if (rpcclient_block_number(rpc, &h, &cause, argv[optind], POLL_TIMEOUT_MS) == 0 &&
		    h != last) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			printf("%lld %" PRIu64 "\n",
			       (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, h);
			last = h;
		}
		free(cause);
		sleep_us(every_us);
	}
	rpcclient_free(rpc);
	return 0;
}

int
main(int argc, char **argv)
{
	log_init("bench/chainload");
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "watch") == 0)
		return cmd_watch(argc - 1, argv + 1);
	fprintf(stderr, "usage: bench/chainload fill --file PATH --size BYTES URL...\n"
			"       bench/chainload watch [--every MS] URL\n");
	return EXIT_USAGE;
}
