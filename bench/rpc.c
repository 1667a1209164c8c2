/* bench/rpc: chainbox-node --dev beside anvil, over JSON-RPC.  It prints
 * figures; it is not a test and passes or fails nothing.
 *
 * Each node is started the same way, alone on the machine's loopback
 * (chainbox-node --dev --port 0, which names its port on stdout; anvil
 * --host 127.0.0.1 --port P on a port found free), measured, and killed by
 * its PID before the other one starts:
 *   1. the time from posix_spawn() to the first answered eth_blockNumber,
 *      the median of --starts starts (polled every millisecond);
 *   2. VmRSS from /proc/PID/status after the last start and a settle;
 *   3. sequential eth_blockNumber requests per second on one kept-alive
 *      connection;
 *   4. automined transfers per second: 2000 EIP-1559 transfers from the 10
 *      dev accounts (nonces 0 to 199 each), signed before the clock starts;
 *      10 threads, one per account, each with its own kept-alive connection,
 *      send an account's transfers in nonce order, so 10 are in flight at a
 *      time (more would need nonce gaps).  Afterwards, untimed, 32 threads
 *      with a connection each check that all 2000 receipts have status 0x1;
 *   5. the median eth_call latency of a loop contract (put in place with
 *      anvil_setCode) that counts down from LOOP_COUNT. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "chain/tx.h"
#include "hdwallet.h"
#include "hex.h"
#include "log.h"
#include "secp.h"
#include "u256.h"
#include "xalloc.h"

extern char **environ;

#define EXIT_USAGE 2
#define DEFAULT_STARTS 5
#define DEFAULT_REQUESTS 5000
#define DEFAULT_CALLS 21
#define START_TIMEOUT_S 30.0
#define SETTLE_MS 1000
#define STOP_TIMEOUT_MS 5000
#define CHAIN_ID 31337
#define ACCOUNTS 10
#define TX_PER_ACCOUNT 200
#define TX_TOTAL (ACCOUNTS * TX_PER_ACCOUNT)
#define RECEIPT_THREADS 32
#define LOOP_COUNT 200000 /* iterations; 26 gas each */
#define DEV_MNEMONIC "test test test test test test test test test test test junk"
#define ANVIL_IN_PREFIX "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
#define LOOP_ADDRESS "0x00000000000000000000000000000000000c0de1"

/* The node that a signal or exit() must not leave behind. */
static volatile sig_atomic_t live_pid = -1;

/* One node under measurement. */
struct node {
	const char *name;
	const char *path;
	bool is_anvil;
	pid_t pid; /* -1 when none */
	int out_fd; /* chainbox-node's stdout, -1 when none */
	char url[64];
};

/* One kept-alive HTTP connection. */
struct conn {
	CURL *curl;
	struct curl_slist *headers;
	char *reply;
	size_t len, cap;
};

/* What is measured of one node; a figure below zero was not measured. */
struct figures {
	bool ok;
	char *version;
	double start_ms;
	double rss_mib;
	double rps;
	double send_tps; /* answered eth_sendRawTransaction per second */
	double tps; /* up to the last receipt */
	unsigned receipts_ok;
	double call_ms;
};

/* The pre-signed transfers, shared by both nodes (both are fresh chains of
 * the same accounts and chain id). */
struct transfers {
	char *body[TX_TOTAL]; /* eth_sendRawTransaction requests */
	char *receipt_body[TX_TOTAL]; /* eth_getTransactionReceipt requests */
	char from[ACCOUNTS][43];
};

/* A sender or receipt thread's work. */
struct job {
	const struct transfers *t;
	const char *url;
	struct conn c;
	size_t first, step, count; /* indexes first, first + step, ... */
	bool check_receipts;
	double deadline; /* for a receipt to appear */
	unsigned ok;
	char *cause;
};

static const char usage_text[] =
	"usage: bench/rpc [--node PATH] [--anvil PATH] [--starts N] [--requests N]\n"
	"       bench/rpc --url URL\n"
	"\n"
	"Starts chainbox-node --dev and anvil in turn, and prints for each the\n"
	"start-up time, idle RSS, eth_blockNumber requests per second, automined\n"
	"transfers per second and eth_call latency, with their ratio.\n"
	"\n"
	"  --node PATH     chainbox-node (else $CHAINBOX_NODE, else ../chainbox-node\n"
	"                  beside this program's folder)\n"
	"  --anvil PATH    anvil (else $ANVIL, else the npm cache)\n"
	"  --starts N      starts timed for the start-up median (default 5)\n"
	"  --requests N    sequential eth_blockNumber requests (default 5000)\n"
	"  --url URL       only send the transfers to a node that runs already (a\n"
	"                  network's), and wait for their receipts\n";

/* Returns: a monotonic time in seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps ms milliseconds, through signals. */
static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
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

/* Kills the live node, if any. */
static void
kill_live(void)
{
	if (live_pid > 0)
		(void)kill((pid_t)live_pid, SIGKILL);
}

/* Kills the live node, then dies of the same signal. */
static void
on_signal(int sig)
{
	kill_live();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* curl's write callback: appends to the reply, NUL-terminated. */
static size_t
on_reply(char *data, size_t size, size_t nmemb, void *arg)
{
	struct conn *c = arg;
	size_t n = size * nmemb;

	if (c->len + n + 1 > c->cap) {
		c->cap = 2 * (c->len + n + 1);
		c->reply = xreallocarray(c->reply, c->cap, 1);
	}
	memcpy(c->reply + c->len, data, n);
	c->len += n;
	c->reply[c->len] = '\0';
	return n;
}

/* Sets up a connection to url; it connects on the first request. */
static void
conn_init(struct conn *c, const char *url)
{
	memset(c, 0, sizeof(*c));
	c->curl = curl_easy_init();
	if (c->curl == NULL)
		BUG("cannot make a curl handle");
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, "Expect:");
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
}

/* Closes the connection and frees what c holds. */
static void
conn_release(struct conn *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->reply);
	memset(c, 0, sizeof(*c));
}

/* Posts body and checks that the answer has a result and no error; a cheap
 * test, for the timed loops.  Returns: 0, or -EIO with *cause set (caller
 * frees) when cause is not NULL.  Out: the reply in c->reply. */
static int
conn_post(struct conn *c, char **cause, const char *body)
{
	CURLcode cc;
	long code = 0;

	c->len = 0;
	if (c->reply != NULL)
		c->reply[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK) {
		if (cause != NULL)
			xasprintf(cause, "request failed: %s", curl_easy_strerror(cc));
		return -EIO;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 || c->reply == NULL || strstr(c->reply, "\"result\"") == NULL ||
	    strstr(c->reply, "\"error\"") != NULL) {
		if (cause != NULL)
			xasprintf(cause, "HTTP %ld, answer '%.300s'", code,
				  c->reply != NULL ? c->reply : "");
		return -EIO;
	}
	return 0;
}

/* Posts body and parses the answer.  Returns: as conn_post().  Out:
 * *result (caller decrefs). */
static int
conn_call(struct conn *c, json_t **result, char **cause, const char *body)
{
	json_t *root = NULL;
	json_error_t jerr;
	int rc;

	*result = NULL;
	rc = conn_post(c, cause, body);
	if (rc != 0)
		goto out;
	root = json_loadb(c->reply, c->len, 0, &jerr);
	if (root == NULL || json_object_get(root, "result") == NULL) {
		xasprintf(cause, "answer is not a JSON-RPC result: '%.300s'", c->reply);
		rc = -EIO;
		goto out;
	}
	*result = json_incref(json_object_get(root, "result"));
out:
	json_decref(root);
	return rc;
}

/* Finds a loopback TCP port that is free now.  Returns: 0 or -errno.
 * Out: *port. */
static int
free_port(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = -1, rc = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		rc = -errno;
		goto out;
	}
	*port = ntohs(sin.sin_port);
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* Kills the node by its PID (SIGTERM, then SIGKILL after 5 seconds) and
 * reaps it. */
static void
node_stop(struct node *n)
{
	long waited = 0;
	int st;

	if (n->pid > 0) {
		(void)kill(n->pid, SIGTERM);
		while (waitpid(n->pid, &st, WNOHANG) == 0) {
			if (waited >= STOP_TIMEOUT_MS) {
				(void)kill(n->pid, SIGKILL);
				(void)waitpid(n->pid, &st, 0);
				break;
			}
			sleep_ms(5);
			waited += 5;
		}
	}
	n->pid = -1;
	live_pid = -1;
	if (n->out_fd != -1)
		close(n->out_fd);
	n->out_fd = -1;
}

/* Reads chainbox-node's stdout until "Listening on HOST:PORT".  Returns: 0,
 * or -EIO with *cause set.  Out: n->url. */
static int
read_listening(struct node *n, char **cause, double deadline)
{
	char buf[8192];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = n->out_fd, .events = POLLIN };
		double left = deadline - now();
		char *line, *colon, *nl;
		ssize_t r;

		if (left <= 0) {
			xasprintf(cause, "'%s' printed no 'Listening on' line within %.0f s",
				  n->path, START_TIMEOUT_S);
			return -EIO;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) == -1 && errno != EINTR) {
			xasprintf(cause, "cannot poll '%s''s output: %s", n->path,
				  strerror(errno));
			return -EIO;
		}
		if (len + 1 >= sizeof(buf)) {
			/* Keep the unfinished end of a long banner. */
			memmove(buf, buf + len / 2, len - len / 2);
			len -= len / 2;
		}
		r = TEMP_FAILURE_RETRY_INT(read(n->out_fd, buf + len, sizeof(buf) - 1 - len));
		if (r <= 0) {
			xasprintf(cause, "'%s' closed its output before listening", n->path);
			return -EIO;
		}
		len += (size_t)r;
		buf[len] = '\0';
		line = strstr(buf, "Listening on ");
		if (line == NULL || (nl = strchr(line, '\n')) == NULL)
			continue;
		*nl = '\0';
		colon = strrchr(line, ':');
		if (colon == NULL) {
			xasprintf(cause, "cannot read a port in '%s'", line);
			return -EIO;
		}
		snprintf(n->url, sizeof(n->url), "http://127.0.0.1:%d/", atoi(colon + 1));
		return 0;
	}
}

/* Starts the node and waits for its first answer to eth_blockNumber.
 * Returns: 0, or -EIO with *cause set.  Out: *ms, the time from spawn to
 * that answer; n->pid, n->url. */
static int
node_start(struct node *n, double *ms, char **cause)
{
	posix_spawn_file_actions_t fa;
	char portstr[16], *argv[8];
	char *body = anvil_request("eth_blockNumber", json_array()), *why = NULL;
	int pipefd[2] = { -1, -1 }, port = 0, rc = -EIO, err, st;
	struct conn c = { 0 };
	bool have_fa = false;
	double t0, deadline;
	size_t k = 0;

	argv[k++] = (char *)n->path;
	if (n->is_anvil) {
		err = free_port(&port);
		if (err != 0) {
			xasprintf(cause, "cannot find a free loopback port: %s", strerror(-err));
			goto out;
		}
		snprintf(portstr, sizeof(portstr), "%d", port);
		snprintf(n->url, sizeof(n->url), "http://127.0.0.1:%d/", port);
		argv[k++] = (char *)"--host";
		argv[k++] = (char *)"127.0.0.1";
		argv[k++] = (char *)"--port";
		argv[k++] = portstr;
	} else {
		argv[k++] = (char *)"--dev";
		argv[k++] = (char *)"--port";
		argv[k++] = (char *)"0";
		if (pipe2(pipefd, O_CLOEXEC) == -1) {
			xasprintf(cause, "cannot make a pipe: %s", strerror(errno));
			goto out;
		}
	}
	argv[k] = NULL;
	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		xasprintf(cause, "cannot start '%s': %s", n->path, strerror(err));
		goto out;
	}
	have_fa = true;
	/* anvil's banner and logs go nowhere; chainbox-node's stdout comes to
	 * us for its port, and its stderr stays ours for its errors. */
	if ((err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (n->is_anvil &&
	     ((err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)) != 0 ||
	      (err = posix_spawn_file_actions_adddup2(&fa, 1, 2)) != 0)) ||
	    (!n->is_anvil && (err = posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1)) != 0)) {
		xasprintf(cause, "cannot start '%s': %s", n->path, strerror(err));
		goto out;
	}
	t0 = now();
	deadline = t0 + START_TIMEOUT_S;
	err = posix_spawn(&n->pid, n->path, &fa, NULL, argv, environ);
	if (err != 0) {
		n->pid = -1;
		xasprintf(cause, "cannot start '%s': %s", n->path, strerror(err));
		goto out;
	}
	live_pid = n->pid;
	if (!n->is_anvil) {
		close(pipefd[1]);
		pipefd[1] = -1;
		n->out_fd = pipefd[0];
		pipefd[0] = -1;
		if (read_listening(n, cause, deadline) != 0)
			goto out;
	}
	conn_init(&c, n->url);
	curl_easy_setopt(c.curl, CURLOPT_TIMEOUT_MS, 2000L);
	for (;;) {
		free(why);
		why = NULL;
		if (conn_post(&c, &why, body) == 0)
			break;
		if (waitpid(n->pid, &st, WNOHANG) == n->pid) {
			n->pid = -1;
			live_pid = -1;
			xasprintf(cause, "'%s' exited before answering (status 0x%x)", n->path, st);
			goto out;
		}
		if (now() > deadline) {
			xasprintf(cause, "'%s' did not answer within %.0f s: %s", n->path,
				  START_TIMEOUT_S, why);
			goto out;
		}
		sleep_ms(1);
	}
	*ms = (now() - t0) * 1e3;
	rc = 0;
out:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++)
		if (pipefd[i] != -1)
			close(pipefd[i]);
	if (rc != 0)
		node_stop(n);
	conn_release(&c);
	free(why);
	free(body);
	return rc;
}

/* Returns: the node's VmRSS in MiB, or -1 when it cannot be read. */
static double
rss_mib(pid_t pid)
{
	char path[64], line[256];
	double mib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			mib = strtod(line + 6, NULL) / 1024.0;
			break;
		}
	}
	fclose(f);
	return mib;
}

/* A sender or receipt checker: runs its share of job->t on its own
 * connection, in index order. */
static void *
job_run(void *arg)
{
	struct job *j = arg;
	json_t *res = NULL;

	for (size_t k = 0; k < j->count; k++) {
		size_t i = j->first + k * j->step;

		if (!j->check_receipts) {
			if (conn_post(&j->c, j->cause == NULL ? &j->cause : NULL, j->t->body[i]) == 0)
				j->ok++;
			continue;
		}
		char *why = NULL;
		int rc = conn_call(&j->c, &res, &why, j->t->receipt_body[i]);

		/* anvil answers eth_sendRawTransaction before it mines: wait. */
		if (rc == 0 && json_is_null(res) && now() < j->deadline) {
			json_decref(res);
			res = NULL;
			sleep_ms(1);
			k--;
			continue;
		}
		if (rc == 0 && json_is_object(res)) {
			const char *s = json_string_value(json_object_get(res, "status"));

			if (s != NULL && strcmp(s, "0x1") == 0)
				j->ok++;
			else if (j->cause == NULL)
				xasprintf(&j->cause, "transfer %zu has status %s", i, s ? s : "null");
		} else if (j->cause == NULL) {
			if (why == NULL)
				xasprintf(&why, "transfer %zu has no receipt", i);
			j->cause = why;
			why = NULL;
		}
		free(why);
		json_decref(res);
		res = NULL;
	}
	return NULL;
}

/* Runs n jobs in threads, each with a connection opened beforehand (by one
 * eth_blockNumber), and returns the wall time of the jobs alone.
 * Returns: 0, or -EIO with *cause set.  Out: *seconds, *ok (summed). */
static int
run_jobs(struct job *jobs, size_t n, double *seconds, unsigned *ok, char **cause)
{
	char *warm = anvil_request("eth_blockNumber", json_array());
	pthread_t *th = xcalloc(n, sizeof(*th));
	double t0;
	int rc = 0, err;

	for (size_t i = 0; i < n; i++) {
		conn_init(&jobs[i].c, jobs[i].url);
		if (rc == 0 && conn_post(&jobs[i].c, cause, warm) != 0)
			rc = -EIO;
	}
	if (rc != 0)
		goto out;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		err = pthread_create(&th[i], NULL, job_run, &jobs[i]);
		if (err != 0)
			BUG("cannot start a thread");
	}
	for (size_t i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	*seconds = now() - t0;
	*ok = 0;
	for (size_t i = 0; i < n; i++) {
		*ok += jobs[i].ok;
		if (jobs[i].cause != NULL && *cause == NULL) {
			*cause = jobs[i].cause;
			jobs[i].cause = NULL;
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		conn_release(&jobs[i].c);
		free(jobs[i].cause);
		jobs[i].cause = NULL;
	}
	free(th);
	free(warm);
	return rc;
}

/* Sends the 2000 transfers (10 senders) and then checks their receipts (32
 * checkers).  Returns: 0, or -EIO with *cause set.  Out: f->tps,
 * f->receipts_ok. */
static int
measure_transfers(struct figures *f, char **cause, const struct node *n,
		  const struct transfers *t)
{
	struct job senders[ACCOUNTS] = { 0 }, checkers[RECEIPT_THREADS] = { 0 };
	double seconds = 0, mined = 0;
	unsigned sent = 0;

	for (size_t a = 0; a < ACCOUNTS; a++)
		senders[a] = (struct job){ .t = t, .url = n->url, .first = a * TX_PER_ACCOUNT,
					   .step = 1, .count = TX_PER_ACCOUNT };
	if (run_jobs(senders, ACCOUNTS, &seconds, &sent, cause) != 0)
		return -EIO;
	f->send_tps = sent / seconds;
	if (sent != TX_TOTAL)
		fprintf(stderr, "bench/rpc: %s: %u of %d transfers accepted: %s\n", n->name, sent,
			TX_TOTAL, *cause ? *cause : "?");
	free(*cause);
	*cause = NULL;
	for (size_t k = 0; k < RECEIPT_THREADS; k++)
		checkers[k] = (struct job){ .t = t, .url = n->url, .first = k,
					    .step = RECEIPT_THREADS, .check_receipts = true,
					    .deadline = now() + 60,
					    .count = (TX_TOTAL - k + RECEIPT_THREADS - 1) /
						     RECEIPT_THREADS };
	if (run_jobs(checkers, RECEIPT_THREADS, &mined, &f->receipts_ok, cause) != 0)
		return -EIO;
	/* Up to the last receipt, less the checkers' connection set-up. */
	f->tps = f->receipts_ok / (seconds + mined);
	if (*cause != NULL) {
		fprintf(stderr, "bench/rpc: %s: %u of %d receipts with status 0x1: %s\n", n->name,
			f->receipts_ok, TX_TOTAL, *cause);
		free(*cause);
		*cause = NULL;
	}
	return 0;
}

/* Puts the loop contract in place and times eth_call of it.  Returns: 0,
 * or -EIO with *cause set.  Out: f->call_ms. */
static int
measure_call(struct figures *f, char **cause, const struct node *n, const char *from, int calls)
{
	/* PUSH3 LOOP_COUNT; JUMPDEST; PUSH1 1; SWAP1; SUB; DUP1; PUSH1 4; JUMPI;
	 * then return the 32-byte word 0. */
	char code[64];
	char *set = NULL, *call = NULL;
	double *ms = xcalloc((size_t)calls, sizeof(*ms));
	struct conn c;
	json_t *res = NULL;
	int rc = -EIO;

	snprintf(code, sizeof(code), "0x62%06x5b600190038060045760005260206000f3", LOOP_COUNT);
	set = anvil_request("anvil_setCode", json_pack("[s, s]", LOOP_ADDRESS, code));
	call = anvil_request("eth_call", json_pack("[{s:s, s:s, s:s}, s]", "from", from, "to",
						   LOOP_ADDRESS, "gas", "0x1c9c380", "latest"));
	conn_init(&c, n->url);
	if (conn_post(&c, cause, set) != 0 || conn_call(&c, &res, cause, call) != 0)
		goto out;
	if (!json_is_string(res) || strcmp(json_string_value(res), "0x0000000000000000000000000000"
						"000000000000000000000000000000000000") != 0) {
		xasprintf(cause, "the loop returned '%.80s', not 32 zero bytes",
			  json_is_string(res) ? json_string_value(res) : "(not a string)");
		goto out;
	}
	for (int i = 0; i < calls; i++) {
		double t0 = now();

		if (conn_post(&c, cause, call) != 0)
			goto out;
		ms[i] = (now() - t0) * 1e3;
	}
	f->call_ms = median(ms, (size_t)calls);
	rc = 0;
out:
	json_decref(res);
	conn_release(&c);
	free(ms);
	free(set);
	free(call);
	return rc;
}

/* Measures everything of one node, leaving no process behind.  Returns: 0,
 * or -EIO with *cause set (figures measured so far are kept). */
static int
measure(struct figures *f, char **cause, struct node *n, const struct transfers *t,
	int starts, int requests)
{
	double *ms = xcalloc((size_t)starts, sizeof(*ms)), t0;
	char *bn = anvil_request("eth_blockNumber", json_array());
	char *ver = anvil_request("web3_clientVersion", json_array());
	struct conn c = { 0 };
	json_t *res = NULL;
	int rc = -EIO;

	for (int i = 0; i < starts; i++) {
		if (node_start(n, &ms[i], cause) != 0)
			goto out;
		if (i + 1 < starts)
			node_stop(n);
	}
	f->start_ms = median(ms, (size_t)starts);
	sleep_ms(SETTLE_MS);
	f->rss_mib = rss_mib(n->pid);

	conn_init(&c, n->url);
	if (conn_call(&c, &res, cause, ver) != 0)
		goto out;
	f->version = xstrdup(json_is_string(res) ? json_string_value(res) : "?");
	if (conn_post(&c, cause, bn) != 0)
		goto out;
	t0 = now();
	for (int i = 0; i < requests; i++)
		if (conn_post(&c, cause, bn) != 0)
			goto out;
	f->rps = requests / (now() - t0);

	if (measure_call(f, cause, n, t->from[0], DEFAULT_CALLS) != 0)
		goto out;
	if (measure_transfers(f, cause, n, t) != 0)
		goto out;
	f->ok = true;
	rc = 0;
out:
	node_stop(n);
	conn_release(&c);
	json_decref(res);
	free(ms);
	free(bn);
	free(ver);
	return rc;
}

/* Signs the transfers: account a sends nonces 0 to 199 to account a + 1.
 * Returns: 0, or -EINVAL with *cause set. */
static int
transfers_sign(struct transfers *t, char **cause)
{
	struct hdwallet_account accts[ACCOUNTS];
	struct secp *ctx = secp_new();
	int rc = -EINVAL;

	memset(accts, 0, sizeof(accts));
	if (ctx == NULL) {
		xasprintf(cause, "cannot make a secp256k1 context: %s", strerror(errno));
		goto out;
	}
	if (hdwallet_accounts(ctx, accts, ACCOUNTS, cause, DEV_MNEMONIC, NULL, NULL, 0) != 0)
		goto out;
	for (size_t a = 0; a < ACCOUNTS; a++) {
		snprintf(t->from[a], sizeof(t->from[a]), "%s", accts[a].addr_hex);
		for (uint64_t k = 0; k < TX_PER_ACCOUNT; k++) {
			struct tx tx = { .type = TX_DYNAMIC_FEE, .nonce = k, .gas_limit = 21000 };
			size_t i = a * TX_PER_ACCOUNT + k, len = 0;
			char hash[2 + 64 + 1] = "0x", *raw;
			uint8_t *enc = NULL;

			tx.chain_id = u256_from_u64(CHAIN_ID);
			tx.max_priority_fee = u256_from_u64(1000000000);
			tx.max_fee = u256_from_u64(100000000000ULL);
			tx.value = u256_from_u64(1);
			memcpy(tx.to, accts[(a + 1) % ACCOUNTS].addr, 20);
			if (tx_sign(ctx, &tx, accts[a].key) != 0 || tx_encode(&enc, &len, &tx) != 0) {
				xasprintf(cause, "cannot sign transfer %zu", i);
				free(enc);
				goto out;
			}
			raw = xmalloc(2 * len + 3);
			raw[0] = '0';
			raw[1] = 'x';
			hex_encode(raw + 2, enc, len);
			hex_encode(hash + 2, tx.hash, 32);
			t->body[i] = anvil_request("eth_sendRawTransaction", json_pack("[s]", raw));
			t->receipt_body[i] =
				anvil_request("eth_getTransactionReceipt", json_pack("[s]", hash));
			free(raw);
			free(enc);
		}
	}
	rc = 0;
out:
	for (size_t a = 0; a < ACCOUNTS; a++)
		hdwallet_account_release(&accts[a]);
	secp_free(ctx);
	return rc;
}

/* Returns: the chainbox-node beside this program's build folder, i.e.
 * dirname(dirname(/proc/self/exe))/chainbox-node (caller frees); NULL when
 * /proc/self/exe cannot be read. */
static char *
default_node(void)
{
	char exe[PATH_MAX], *slash, *p = NULL;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (len <= 0)
		return NULL;
	exe[len] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		if (slash == NULL)
			return NULL;
		*slash = '\0';
	}
	xasprintf(&p, "%s/chainbox-node", exe[0] != '\0' ? exe : "");
	return p;
}

/* Returns: anvil's path from opt, $ANVIL or the npm cache (caller frees),
 * or NULL. */
static char *
find_anvil(const char *opt)
{
	const char *env = getenv("ANVIL"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;

	if (opt != NULL)
		return xstrdup(opt);
	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	if (xdg != NULL && xdg[0] != '\0')
		xasprintf(&p, "%s/chainbox/npm/%s", xdg, ANVIL_IN_PREFIX);
	else if (home != NULL && home[0] != '\0')
		xasprintf(&p, "%s/.cache/chainbox/npm/%s", home, ANVIL_IN_PREFIX);
	return p;
}

/* Prints one row: both figures and chainbox/anvil. */
static void
row(const char *what, const char *unit, const char *better, double cb, double an, int prec)
{
	char a[32] = "-", b[32] = "-", r[32] = "-";

	if (cb >= 0)
		snprintf(a, sizeof(a), "%.*f %s", prec, cb, unit);
	if (an >= 0)
		snprintf(b, sizeof(b), "%.*f %s", prec, an, unit);
	if (cb > 0 && an > 0)
		snprintf(r, sizeof(r), "%.2f", cb / an);
	printf("%-38s %16s %16s %9s  %s\n", what, a, b, r, better);
}

/* --url: the transfers alone, on a node that already runs (a network's
 * first node, whose blocks may come from consensus: receipts are waited
 * for).  Returns: the exit status. */
static int
measure_url(const char *url, struct transfers *t)
{
	struct figures f = { .tps = -1, .send_tps = -1 };
	struct node n = { .name = "the node", .pid = -1, .out_fd = -1 };
	char *cause = NULL;
	int rc;

	if (strlen(url) >= sizeof n.url) {
		msg_error("--url: at most %zu characters", sizeof n.url - 1);
		return EXIT_USAGE;
	}
	strcpy(n.url, url);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		msg_error("cannot initialise libcurl");
		return 1;
	}
	if (transfers_sign(t, &cause) != 0 || measure_transfers(&f, &cause, &n, t) != 0) {
		msg_error("%s", cause);
		free(cause);
		curl_global_cleanup();
		return 1;
	}
	printf("bench/rpc: %d transfers to %s (10 accounts x %d, one kept-alive connection per "
	       "account in nonce order)\n", TX_TOTAL, url, TX_PER_ACCOUNT);
	printf("  sent:      %8.0f tx/s\n", f.send_tps);
	printf("  committed: %8.0f tx/s to the last receipt (%u of %d with status 0x1)\n", f.tps,
	       f.receipts_ok, TX_TOTAL);
	rc = f.receipts_ok == TX_TOTAL ? 0 : 1;
	curl_global_cleanup();
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "anvil", required_argument, NULL, 'a' },
		{ "starts", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'r' },
		{ "url", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct figures fig[2];
	struct node nodes[2];
	struct transfers *t = xcalloc(1, sizeof(*t));
	const char *node_opt = NULL, *anvil_opt = NULL, *url = NULL, *env;
	char *node_path = NULL, *anvil_path = NULL, *cause = NULL, *end;
	int starts = DEFAULT_STARTS, requests = DEFAULT_REQUESTS, c, status = 1;
	bool curl_ready = false;
	long v;

	log_init("bench/rpc");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			node_opt = optarg;
			break;
		case 'a':
			anvil_opt = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 's':
		case 'r':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 || v > 1000000) {
				msg_error("--%s takes a count from 1 to 1000000, not '%s'",
					  c == 's' ? "starts" : "requests", optarg);
				status = EXIT_USAGE;
				goto out;
			}
			*(c == 's' ? &starts : &requests) = (int)v;
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
	if (url != NULL) {
		status = measure_url(url, t);
		goto out;
	}
	env = getenv("CHAINBOX_NODE");
	if (node_opt != NULL)
		node_path = xstrdup(node_opt);
	else if (env != NULL && env[0] != '\0')
		node_path = xstrdup(env);
	else
		node_path = default_node();
	if (node_path == NULL || access(node_path, X_OK) != 0) {
		msg_error("cannot run chainbox-node at '%s'", node_path ? node_path : "(unknown)");
		fprintf(stderr, "hint: give its path with --node PATH or CHAINBOX_NODE=PATH\n");
		goto out;
	}
	anvil_path = find_anvil(anvil_opt);
	if (anvil_path == NULL || access(anvil_path, X_OK) != 0) {
		msg_error("cannot run anvil at '%s'", anvil_path ? anvil_path : "(unknown)");
		fprintf(stderr, "hint: give its path with --anvil PATH or ANVIL=PATH, or run "
				"bench/evm --vs-anvil --install-anvil\n");
		goto out;
	}
	atexit(kill_live);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		msg_error("cannot initialise libcurl");
		goto out;
	}
	curl_ready = true;
	if (transfers_sign(t, &cause) != 0) {
		msg_error("%s", cause);
		goto out;
	}

	nodes[0] = (struct node){ .name = "chainbox", .path = node_path, .pid = -1, .out_fd = -1 };
	nodes[1] = (struct node){ .name = "anvil", .path = anvil_path, .is_anvil = true,
				  .pid = -1, .out_fd = -1 };
	for (int i = 0; i < 2; i++) {
		fig[i] = (struct figures){ .start_ms = -1, .rss_mib = -1, .rps = -1, .tps = -1,
					   .send_tps = -1,
					   .call_ms = -1 };
		fprintf(stderr, "bench/rpc: measuring %s (%s)\n", nodes[i].name, nodes[i].path);
		if (measure(&fig[i], &cause, &nodes[i], t, starts, requests) != 0) {
			msg_error("%s: %s", nodes[i].name, cause);
			free(cause);
			cause = NULL;
		}
	}

	printf("bench/rpc: %s vs %s, both --port on 127.0.0.1, one at a time\n",
	       fig[0].version ? fig[0].version : "chainbox-node", fig[1].version ? fig[1].version : "anvil");
	printf("%-38s %16s %16s %9s  %s\n", "figure", "chainbox", "anvil", "cb/anvil", "");
	row("spawn to 1st eth_blockNumber (median)", "ms", "lower is better", fig[0].start_ms,
	    fig[1].start_ms, 1);
	row("idle RSS (VmRSS after 1 s)", "MiB", "lower is better", fig[0].rss_mib,
	    fig[1].rss_mib, 1);
	row("eth_blockNumber, 1 connection", "req/s", "higher is better", fig[0].rps,
	    fig[1].rps, 0);
	row("transfers sent (10 senders)", "tx/s", "higher is better", fig[0].send_tps,
	    fig[1].send_tps, 0);
	row("transfers mined, to last receipt", "tx/s", "higher is better", fig[0].tps,
	    fig[1].tps, 0);
	row("eth_call, 200k-step loop (median)", "ms", "lower is better", fig[0].call_ms,
	    fig[1].call_ms, 2);
	printf("receipts with status 0x1: chainbox %u/%d, anvil %u/%d\n", fig[0].receipts_ok,
	       TX_TOTAL, fig[1].receipts_ok, TX_TOTAL);
	printf("(%d starts; %d sequential requests; %d transfers, 10 accounts x %d, one kept-alive\n"
	       " connection per account in nonce order; receipts checked over %d connections;\n"
	       " eth_call median of %d, about %d gas each)\n",
	       starts, requests, TX_TOTAL, TX_PER_ACCOUNT, RECEIPT_THREADS, DEFAULT_CALLS,
	       LOOP_COUNT * 26);
	status = fig[0].ok && fig[1].ok ? 0 : 1;
	for (int i = 0; i < 2; i++)
		free(fig[i].version);
out:
	for (size_t i = 0; i < TX_TOTAL; i++) {
		free(t->body[i]);
		free(t->receipt_body[i]);
	}
	free(t);
	free(node_path);
	free(anvil_path);
	free(cause);
	if (curl_ready)
		curl_global_cleanup();
	return status;
}
