/* The table of mpk commands: one line per command, implemented in cmd_<name>.c.
 * Add a command by adding its line here and its file; main.c builds the dispatch table from this. */
#ifndef MPK_COMMANDS_H
#define MPK_COMMANDS_H

#define MPK_CLI_COMMANDS(X)                                                                      \
    X("help", mpk_cmd_help, "show this help")

int mpk_cmd_help(int argc, char **argv);

#endif
