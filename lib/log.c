/* Leveled logging and command-line messages (see log.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum log_level log_threshold = LOG_WARN;

static const char *log_name = "chainbox";
static FILE *log_out;
static bool log_color;

static const struct {
	const char *name;
	const char *color;
} log_levels[] = {
	[LOG_ERROR] = { "error", "\033[1;31m" },
	[LOG_WARN] = { "warn", "\033[1;33m" },
	[LOG_INFO] = { "info", "\033[1;32m" },
	[LOG_DEBUG] = { "debug", "\033[36m" },
	[LOG_TRACE] = { "trace", "\033[2m" },
};

#define COLOR_RESET "\033[0m"
#define COLOR_BOLD "\033[1m"

static FILE *
log_stream(void)
{
	return log_out != NULL ? log_out : stderr;
}

/* Colour only for a terminal, and never when NO_COLOR is set to anything. */
static bool
log_want_color(int fd)
{
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && nc[0] != '\0')
		return false;
	return isatty(fd) == 1;
}

void
log_init(const char *progname)
{
	const char *slash;

	if (progname != NULL) {
		slash = strrchr(progname, '/');
		log_name = slash != NULL ? slash + 1 : progname;
	}
	log_out = NULL;
	log_color = log_want_color(STDERR_FILENO);
}

void
log_set_output(FILE *out, bool color)
{
	log_out = out;
	log_color = color;
}

void
log_set_level(enum log_level level)
{
	log_threshold = level;
}

int
log_parse_level(enum log_level *level, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++) {
		if (strcasecmp(name, log_levels[i].name) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool
log_has_color(void)
{
	return log_color;
}

const char *
log_progname(void)
{
	return log_name;
}

void
log_write(enum log_level level, const char *func, const char *fmt, ...)
{
	FILE *f = log_stream();
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	flockfile(f);
	fprintf(f, "%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000);
	if (log_color)
		fprintf(f, "%s%-5s%s ", log_levels[level].color,
			log_levels[level].name, COLOR_RESET);
	else
		fprintf(f, "%-5s ", log_levels[level].name);
	fprintf(f, "%s: ", func);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	funlockfile(f);
	fflush(f);
}

/* Prints "PROG: [kind]message[: errtext]" in one locked write. */
static void PRINTFLIKE(4, 0)
msg_vprint(const char *kind, const char *color, const char *errtext,
	   const char *fmt, va_list ap)
{
	FILE *f = log_stream();

	flockfile(f);
	if (log_color)
		fprintf(f, COLOR_BOLD "%s:" COLOR_RESET " ", log_name);
	else
		fprintf(f, "%s: ", log_name);
	if (kind != NULL)
		fprintf(f, "%s%s%s", log_color ? color : "", kind,
			log_color ? COLOR_RESET : "");
	vfprintf(f, fmt, ap);
	if (errtext != NULL)
		fprintf(f, ": %s", errtext);
	fputc('\n', f);
	funlockfile(f);
	fflush(f);
}

void
msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprint(NULL, NULL, NULL, fmt, ap);
	va_end(ap);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprint("warning: ", log_levels[LOG_WARN].color, NULL, fmt, ap);
	va_end(ap);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprint(NULL, NULL, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void
die_errno(const char *fmt, ...)
{
	const char *errtext = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	msg_vprint(NULL, NULL, errtext, fmt, ap);
	va_end(ap);
	exit(1);
}
