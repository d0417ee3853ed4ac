/* cli.h — what the two files of the `tune` command share (not a library header): the exit
 * status of a usage error, the option codes and getopt entries of the options every
 * subcommand that selects layers takes, the compiled-in data directories, and the
 * subcommands implemented in cli_export.c and cli_merge.c. */
#ifndef QT_CLI_H
#define QT_CLI_H

#include <getopt.h>

#include "tuner/base/error.h"

#ifndef QT_DEFAULT_KERNELS_DIR
#define QT_DEFAULT_KERNELS_DIR "kernels"
#endif
#ifndef QT_DEFAULT_CONFIGS_DIR
#define QT_DEFAULT_CONFIGS_DIR "configs"
#endif

#define QT_CLI_EXIT_USAGE 2

/* Codes of the shared options; a file's own options continue from QT_CLI_OPT_OWN. */
enum {
  QT_CLI_OPT_TARGET = 256, QT_CLI_OPT_MODEL, QT_CLI_OPT_WORKLOAD, QT_CLI_OPT_LAYERS,
  QT_CLI_OPT_DTYPE, QT_CLI_OPT_REQUANT, QT_CLI_OPT_DB, QT_CLI_OPT_CONFIGS, QT_CLI_OPT_OWN
};

/* getopt_long entries of the options that select a model's layers and the log. */
#define QT_CLI_SELECTION_OPTIONS                                   \
  {"target", required_argument, NULL, QT_CLI_OPT_TARGET},          \
      {"model", required_argument, NULL, QT_CLI_OPT_MODEL},        \
      {"workload", required_argument, NULL, QT_CLI_OPT_WORKLOAD},  \
      {"layers", required_argument, NULL, QT_CLI_OPT_LAYERS},      \
      {"dtype", required_argument, NULL, QT_CLI_OPT_DTYPE},        \
      {"requant", required_argument, NULL, QT_CLI_OPT_REQUANT},    \
      {"db", required_argument, NULL, QT_CLI_OPT_DB},              \
      {"configs", required_argument, NULL, QT_CLI_OPT_CONFIGS}

/* Prints "tune: <message>" on stderr; returns exit status 1. */
int qt_cli_fail(const qt_err *e);

/* `tune export ...` and `tune query ...`: argv[0] is the subcommand. Return the exit status
 * (0 ok, 1 error, 2 usage). */
int qt_cli_export(int argc, char **argv);
int qt_cli_query(int argc, char **argv);

/* `tune merge OUT.db IN.db...` (cli_merge.c); the same exit statuses. */
int qt_cli_merge(int argc, char **argv);

#endif
