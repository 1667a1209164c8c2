/* The commands that act on a running network through its supervisor's
 * control socket (status, stop, start, restart, kill, pause, resume, down)
 * or read its state directory (logs).  Each returns the exit status: 0, 1
 * for failure, 2 for wrong usage. */
#ifndef CHAINBOX_NETCMD_H
#define CHAINBOX_NETCMD_H

#define NETCMD_EXIT_USAGE 2
/* Where networks live unless --state-dir says otherwise: ./.chainbox/NAME. */
#define NETCMD_HOME ".chainbox"

/* Finds a network's state directory: dir when given, else
 * ./.chainbox/NAME, else the only network under ./.chainbox.
 * Returns: 0, or -1 after saying why.  Out: *out (caller frees). */
int netcmd_state_dir(char **out, const char *name, const char *dir);

int netcmd_status(int argc, char **argv);
/* stop, start, restart, kill, pause and resume: argv[0] says which. */
int netcmd_node(int argc, char **argv);
int netcmd_down(int argc, char **argv);
/* partition, heal, delay and loss: argv[0] says which. */
int netcmd_fault(int argc, char **argv);
int netcmd_logs(int argc, char **argv);

#endif
