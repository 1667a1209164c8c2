/* A running anvil for the EVM benchmark (see anvil.h). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "xalloc.h"

extern char **environ;

#define START_TIMEOUT_MS 30000
#define POLL_MS 100
#define STOP_TIMEOUT_MS 5000
#define LOG_TAIL 1500

struct anvil {
	pid_t pid; /* -1 when none */
	char url[48];
	char *version;
	char *log_path; /* the node's output until it answers; then removed */
	CURL *curl;
	struct curl_slist *headers;
	char *reply;
	size_t reply_len, reply_cap;
};

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

/* Finds a loopback TCP port that is free now, by binding port 0.  Another
 * process may take it before anvil binds it; anvil then exits, and the
 * failure quotes its message.  Returns: 0 or -errno.  Out: *port. */
static int
free_port(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = -1, rc = 0;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		rc = -errno;
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
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

/* Returns: the last bytes of the node's output, for a message (caller
 * frees); "" when there is none. */
static char *
log_tail(const struct anvil *a)
{
	char buf[LOG_TAIL + 1];
	ssize_t n = 0;
	off_t size;
	int fd;

	fd = open(a->log_path, O_RDONLY | O_CLOEXEC);
	if (fd != -1) {
		size = lseek(fd, 0, SEEK_END);
		if (size > LOG_TAIL)
			(void)lseek(fd, size - LOG_TAIL, SEEK_SET);
		else
			(void)lseek(fd, 0, SEEK_SET);
		n = TEMP_FAILURE_RETRY_INT(read(fd, buf, LOG_TAIL));
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return xstrdup(buf);
}

/* curl's write callback: appends to the reply buffer, NUL-terminated. */
static size_t
on_reply(char *data, size_t size, size_t nmemb, void *arg)
{
	struct anvil *a = arg;
	size_t n = size * nmemb;

	if (a->reply_len + n + 1 > a->reply_cap) {
		a->reply_cap = 2 * (a->reply_len + n + 1);
		a->reply = xreallocarray(a->reply, a->reply_cap, 1);
	}
	memcpy(a->reply + a->reply_len, data, n);
	a->reply_len += n;
	a->reply[a->reply_len] = '\0';
	return n;
}

char *
anvil_request(const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1, "method",
				method, "params", params);
	char *text;

	if (req == NULL)
		BUG("cannot build a JSON-RPC request");
	text = json_dumps(req, JSON_COMPACT);
	if (text == NULL)
		BUG("cannot print a JSON-RPC request");
	json_decref(req);
	return text;
}

int
anvil_rpc_timed(struct anvil *a, double *seconds, json_t **result, char **cause,
		const char *body)
{
	json_t *root = NULL, *err, *res;
	json_error_t jerr;
	CURLcode cc;
	double t0;
	int rc = 0;

	*result = NULL;
	a->reply_len = 0;
	curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(a->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	t0 = now();
	cc = curl_easy_perform(a->curl);
	*seconds = now() - t0;
	if (cc != CURLE_OK) {
		xasprintf(cause, "cannot reach anvil at %s: %s", a->url, curl_easy_strerror(cc));
		rc = -EIO;
		goto out;
	}
	root = json_loadb(a->reply ? a->reply : "", a->reply_len, 0, &jerr);
	if (root == NULL) {
		xasprintf(cause, "anvil answered something that is not JSON: %s", jerr.text);
		rc = -EIO;
		goto out;
	}
	err = json_object_get(root, "error");
	if (err != NULL) {
		const char *msg = json_string_value(json_object_get(err, "message"));

		xasprintf(cause, "anvil answered an error: %s", msg ? msg : "(no message)");
		rc = -EIO;
		goto out;
	}
	res = json_object_get(root, "result");
	if (res == NULL) {
		xasprintf(cause, "anvil's answer has no result");
		rc = -EIO;
		goto out;
	}
	*result = json_incref(res);
out:
	json_decref(root);
	return rc;
}

int
anvil_rpc(struct anvil *a, json_t **result, char **cause, const char *method, json_t *params)
{
	char *body = anvil_request(method, params);
	double seconds;
	int rc;

	rc = anvil_rpc_timed(a, &seconds, result, cause, body);
	free(body);
	return rc;
}

/* Waits for the node to answer, or to exit.  Returns: 0, or -EIO with
 * *cause set. */
static int
wait_ready(struct anvil *a, char **cause)
{
	char *why = NULL, *tail = NULL;
	json_t *res = NULL;
	int rc = -EIO, st;

	for (long waited = 0; waited < START_TIMEOUT_MS; waited += POLL_MS) {
		pid_t r = waitpid(a->pid, &st, WNOHANG);

		if (r == a->pid) {
			a->pid = -1;
			tail = log_tail(a);
			if (WIFEXITED(st))
				xasprintf(cause, "anvil exited with status %d before answering; "
					  "its output ends:\n%s", WEXITSTATUS(st), tail);
			else
				xasprintf(cause, "anvil was killed by signal %d before answering; "
					  "its output ends:\n%s", WTERMSIG(st), tail);
			goto out;
		}
		free(why);
		why = NULL;
		if (anvil_rpc(a, &res, &why, "web3_clientVersion", json_array()) == 0) {
			a->version = xstrdup(json_is_string(res) ? json_string_value(res) : "?");
			rc = 0;
			goto out;
		}
		sleep_ms(POLL_MS);
	}
	tail = log_tail(a);
	xasprintf(cause, "anvil did not answer within %d s (%s); its output ends:\n%s",
		  START_TIMEOUT_MS / 1000, why ? why : "no answer", tail);
out:
	json_decref(res);
	free(why);
	free(tail);
	return rc;
}

int
anvil_new(struct anvil **out, char **cause, const char *path, const char *const *args)
{
	posix_spawn_file_actions_t fa;
	const char *tmp = getenv("TMPDIR");
	struct anvil *a = xcalloc(1, sizeof(*a));
	char portstr[16], **argv = NULL;
	size_t nargs = 0, n = 0;
	int port = 0, logfd = -1, rc, err;
	bool have_fa = false;

	a->pid = -1;
	*out = NULL;
	xasprintf(&a->log_path, "%s/chainbox-bench-anvil-XXXXXX",
		  tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	logfd = mkostemp(a->log_path, O_CLOEXEC);
	if (logfd == -1) {
		rc = -errno;
		xasprintf(cause, "cannot create '%s': %s", a->log_path, strerror(errno));
		free(a->log_path);
		a->log_path = NULL;
		goto out;
	}
	rc = free_port(&port);
	if (rc != 0) {
		xasprintf(cause, "cannot find a free loopback port: %s", strerror(-rc));
		goto out;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	snprintf(a->url, sizeof(a->url), "http://127.0.0.1:%d/", port);

	while (args != NULL && args[nargs] != NULL)
		nargs++;
	argv = xcalloc(nargs + 6, sizeof(*argv));
	argv[n++] = (char *)path;
	argv[n++] = (char *)"--host";
	argv[n++] = (char *)"127.0.0.1";
	argv[n++] = (char *)"--port";
	argv[n++] = portstr;
	for (size_t i = 0; i < nargs; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		rc = -err;
		xasprintf(cause, "cannot start anvil: %s", strerror(err));
		goto out;
	}
	have_fa = true;
	if ((err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, logfd, 1)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(&fa, logfd, 2)) != 0 ||
	    (err = posix_spawn(&a->pid, path, &fa, NULL, argv, environ)) != 0) {
		a->pid = -1;
		rc = -err;
		xasprintf(cause, "cannot start '%s': %s", path, strerror(err));
		goto out;
	}

	a->curl = curl_easy_init();
	if (a->curl == NULL) {
		rc = -ENOMEM;
		xasprintf(cause, "cannot make a curl handle");
		goto out;
	}
	a->headers = curl_slist_append(NULL, "Content-Type: application/json");
	/* Without this, curl waits for "100 Continue" before larger bodies. */
	a->headers = curl_slist_append(a->headers, "Expect:");
	curl_easy_setopt(a->curl, CURLOPT_URL, a->url);
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, a->headers);
	curl_easy_setopt(a->curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(a->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(a->curl, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, a);
	rc = wait_ready(a, cause);
	if (rc != 0)
		goto out;
	/* A workload may run for a while on a slow machine. */
	curl_easy_setopt(a->curl, CURLOPT_TIMEOUT_MS, 600000L);
	/* Only a failed start quotes the output; a signal that kills us later
	 * must not leave the file behind. */
	(void)unlink(a->log_path);
	free(a->log_path);
	a->log_path = NULL;
	*out = a;
	a = NULL;
out:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (logfd != -1)
		close(logfd);
	free(argv);
	anvil_free(a);
	return rc;
}

void
anvil_free(struct anvil *a)
{
	int st;

	if (a == NULL)
		return;
	if (a->pid > 0) {
		long waited = 0;

		(void)kill(a->pid, SIGTERM);
		while (waitpid(a->pid, &st, WNOHANG) == 0) {
			if (waited >= STOP_TIMEOUT_MS) {
				(void)kill(a->pid, SIGKILL);
				(void)waitpid(a->pid, &st, 0);
				break;
			}
			sleep_ms(20);
			waited += 20;
		}
	}
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
	curl_slist_free_all(a->headers);
	if (a->log_path != NULL)
		(void)unlink(a->log_path);
	free(a->log_path);
	free(a->version);
	free(a->reply);
	free(a);
}

pid_t
anvil_pid(const struct anvil *a)
{
	return a->pid;
}

const char *
anvil_version(const struct anvil *a)
{
	return a->version;
}
