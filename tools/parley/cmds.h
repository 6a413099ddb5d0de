/* cmds.h - the subcommands of the parley CLI, one module each. */
#ifndef CMDS_H
#define CMDS_H

#include <stdbool.h>

int cmd_extract(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_dead(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_ping(int argc, char **argv);

/* The CLI as a CURVE client of the store (--key FILE --server-key KEY|FILE). */
struct cli_curve {
    bool on;
    char public_key[41], secret_key[41], server_key[41];
};
/* Neither given: c->on false, 0. Both: loaded, 0. Otherwise a message and -1. */
int cli_curve_load(struct cli_curve *c, const char *keyfile, const char *server, const char *prog);
/* Before connect; 0 or -1. */
int cli_curve_apply(void *sock, const struct cli_curve *c);
/* A client socket of type on ctx connected to ep: no linger, sends and receives give up
 * after timeout_ms, CURVE as c says (NULL: off), a SUB subscribed to the event and heartbeat
 * topics. NULL after "PROG: cannot connect to EP: why" on stderr. */
void *cli_connect(void *ctx, int type, const char *ep, int timeout_ms, const struct cli_curve *c,
                  const char *prog);

/* The dictionary folder: the flag, else $PARLEY_DATA, else the one built in. */
const char *cli_data_dir(const char *flag);

#endif
