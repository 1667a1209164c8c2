/* The control socket's both ends (see control.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "xalloc.h"

/* Fills sa with state_dir's socket reached through dirfd.
 * Returns: 0, or -1 with *cause set. */
static int
socket_addr(struct sockaddr_un *sa, int *dirfd, char **cause, const char *state_dir)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	*dirfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0) {
		xasprintf(cause, "cannot open %s: %s", state_dir, strerror(errno));
		return -1;
	}
	snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/%s", *dirfd,
		 CONTROL_SOCKET);
	return 0;
}

int
control_listen(char **cause, const char *state_dir)
{
	struct sockaddr_un sa;
	int dirfd, fd = -1;

	if (socket_addr(&sa, &dirfd, cause, state_dir) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		xasprintf(cause, "cannot make a socket: %s", strerror(errno));
		goto fail;
	}
	/* The caller has checked that no supervisor listens there. */
	if (unlinkat(dirfd, CONTROL_SOCKET, 0) != 0 && errno != ENOENT) {
		xasprintf(cause, "cannot remove the old %s/%s: %s", state_dir, CONTROL_SOCKET,
			  strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 64) != 0) {
		xasprintf(cause, "cannot listen on %s/%s: %s", state_dir, CONTROL_SOCKET,
			  strerror(errno));
		goto fail;
	}
	close(dirfd);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	close(dirfd);
	return -1;
}

static long
now_ms(void)
{
	return (long)(mono_ns() / 1000000);
}

/* Waits for fd to be ready for events until deadline.  Returns: 0 or
 * -ETIMEDOUT, or -errno. */
static int
wait_fd(int fd, short events, long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		long left = deadline - now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int
control_connect(char **cause, const char *state_dir)
{
	struct sockaddr_un sa;
	int dirfd, fd;

	if (access(state_dir, F_OK) != 0)
		return -ENOENT;
	if (socket_addr(&sa, &dirfd, cause, state_dir) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		xasprintf(cause, "cannot make a socket: %s", strerror(errno));
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int err = errno;

		close(fd);
		fd = err == ENOENT || err == ECONNREFUSED ? -ENOENT : -1;
		if (fd == -1)
			xasprintf(cause, "cannot reach the supervisor in %s: %s", state_dir,
				  strerror(err));
	}
	close(dirfd);
	return fd;
}

int
control_call(int fd, json_t **reply, char **cause, const json_t *req, int timeout_ms)
{
	json_error_t jerr;
	char *line = NULL, *buf = NULL, *nl;
	size_t len = 0, cap = 0, off = 0;
	long deadline = now_ms() + timeout_ms;
	int rc = -1;

	*reply = NULL;
	line = json_dumps(req, JSON_COMPACT);
	if (line == NULL) {
		xasprintf(cause, "out of memory");
		goto out;
	}
	len = strlen(line);
	line = xreallocarray(line, len + 2, 1);
	line[len++] = '\n';
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			xasprintf(cause, "cannot send to the supervisor: %s", strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	/* The supervisor sends one line, then waits for the next request:
	 * a read never takes in more than one reply. */
	len = 0;
	for (;;) {
		ssize_t n;
		int wrc;

		if (len + 4096 + 1 > cap) {
			cap = 2 * (len + 4096 + 1);
			buf = xreallocarray(buf, cap, 1);
		}
		if ((wrc = wait_fd(fd, POLLIN, deadline)) != 0) {
			xasprintf(cause, "the supervisor did not answer: %s", strerror(-wrc));
			goto out;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			xasprintf(cause, "cannot read the supervisor's answer: %s", strerror(errno));
			goto out;
		}
		if (n == 0) {
			xasprintf(cause, "the supervisor closed the connection without an answer");
			goto out;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (memchr(buf, '\n', len) != NULL)
			break;
		if (len > CONTROL_LINE_MAX) {
			xasprintf(cause, "the supervisor's answer is too long");
			goto out;
		}
	}
	nl = strchr(buf, '\n');
	*reply = json_loadb(buf, (size_t)(nl - buf), 0, &jerr);
	if (!json_is_object(*reply)) {
		xasprintf(cause, "the supervisor's answer is not JSON: %s", jerr.text);
	} else if (!json_is_true(json_object_get(*reply, "ok"))) {
		const char *e = json_string_value(json_object_get(*reply, "error"));

		xasprintf(cause, "%s", e != NULL ? e : "the supervisor refused");
	} else {
		rc = 0;
	}
	if (rc != 0) {
		json_decref(*reply);
		*reply = NULL;
	}
out:
	free(line);
	free(buf);
	return rc;
}

int
control_request(json_t **reply, char **cause, const char *state_dir, const json_t *req,
		int timeout_ms)
{
	int fd = control_connect(cause, state_dir), rc;

	*reply = NULL;
	if (fd < 0)
		return fd;
	rc = control_call(fd, reply, cause, req, timeout_ms);
	close(fd);
	return rc;
}
