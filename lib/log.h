/* One module for everything chainbox prints about itself: leveled log lines
 * (each starting with the calling function) and the command-line messages
 * ("chainbox: cannot open 'x': No such file or directory").
 *
 * Colour is used only when the output is a terminal and NO_COLOR is unset or
 * empty (https://no-color.org). */
#ifndef CHAINBOX_LOG_H
#define CHAINBOX_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "compat.h"

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
	LOG_TRACE,
};

/* The current threshold; read by the macros so that a disabled line
 * evaluates none of its arguments.  Set it with log_set_level(). */
extern enum log_level log_threshold;

/* Sets the program name used in messages and picks colour for stderr.
 * In: progname, kept by pointer (a string literal or argv[0]). */
void log_init(const char *progname);
/* Sends every line to out from now on; colour is used when color is true.
 * In: out, not owned; NULL means stderr. */
void log_set_output(FILE *out, bool color);
void log_set_level(enum log_level level);
/* Returns: 0, or -EINVAL when name is none of error, warn, info, debug,
 * trace.  Out: *level. */
int log_parse_level(enum log_level *level, const char *name) WARN_UNUSED;
/* Returns: whether colour is on for the current output. */
bool log_has_color(void);
const char *log_progname(void);

void log_write(enum log_level level, const char *func, const char *fmt, ...)
	PRINTFLIKE(3, 4);

#define log_at(level, ...)                                                     \
	do {                                                                   \
		if ((level) <= log_threshold)                                  \
			log_write((level), __func__, __VA_ARGS__);             \
	} while (0)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_trace(...) log_at(LOG_TRACE, __VA_ARGS__)

/* Command-line messages, "PROG: message".  msg_warn() adds "warning: ".
 * die() and die_errno() exit with status 1; use them only in main() and in a
 * forked child before execve(). die_errno() appends strerror(errno). */
void msg_error(const char *fmt, ...) PRINTFLIKE(1, 2);
void msg_warn(const char *fmt, ...) PRINTFLIKE(1, 2);
void die(const char *fmt, ...) PRINTFLIKE(1, 2) NORETURN;
void die_errno(const char *fmt, ...) PRINTFLIKE(1, 2) NORETURN;

#endif
