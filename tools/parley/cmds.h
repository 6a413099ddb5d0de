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

/* The dictionary folder: the flag, else $PARLEY_DATA, else the one built in. */
const char *cli_data_dir(const char *flag);

#endif
