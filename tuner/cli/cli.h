/* cli.h — what the files of the `tune` command share (not a library header): the exit
 * status of a usage error, the option codes and getopt entries of the options every
 * subcommand that selects layers takes, the compiled-in data directories, and the
 * subcommands implemented in cli_export.c, cli_report.c, cli_import.c and cli_merge.c, and
 * the progress renderer of cli_progress.c. */
#ifndef QT_CLI_H
#define QT_CLI_H

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>

#include "db/db.h"
#include "tuner/base/config.h"
#include "tuner/base/error.h"
#include "tuner/loop/tune.h"

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

/* The arguments of the subcommands that read a log (query, export, report). */
typedef struct sub_args {
  const char *target, *model, *workload, *layers, *db, *out, *configs_dir, *kernels_dir;
  const char *dtype, *requant;
  const char *html, *peers; /* report */
  char configs_buf[QT_PATH_MAX], kernels_buf[QT_PATH_MAX]; /* the defaults' storage */
  const char *format;
  int strict, top;
} sub_args;

/* Their own option codes (cli_export.c parses them all). */
enum {
  QT_CLI_SUB_OUT = QT_CLI_OPT_OWN, QT_CLI_SUB_STRICT, QT_CLI_SUB_KERNELS, QT_CLI_SUB_TOP,
  QT_CLI_SUB_FORMAT, QT_CLI_SUB_JSON, QT_CLI_SUB_HTML, QT_CLI_SUB_PEERS
};

/* The defaults: target host, log ./tuning.db, the data directories. */
void qt_cli_sub_defaults(sub_args *a);

/* Parses argv (argv[0] = the subcommand) with the options in opts. Returns 0,
 * QT_CLI_EXIT_USAGE, or -1 after printing the usage for --help. */
int qt_cli_sub_parse(int argc, char **argv, const struct option *opts, const char *usage,
                     sub_args *a);

/* Loads target and model (restricted to --layers) and opens the existing log. On error
 * everything loaded is released and err says why. */
int qt_cli_sub_load(const sub_args *a, qt_target *t, qt_model *m, qt_db **db, qt_err *err);
/* Sets t->timing to the unit the log records for t's numbers (the log knows what it measured;
 * the target file may have changed since); a log without one (written before units were
 * recorded, or without the target) leaves the file's. */
int qt_cli_log_unit(qt_db *db, qt_target *t, qt_err *err);

/* Prints "tune: <message>" on stderr; returns exit status 1. */
int qt_cli_fail(const qt_err *e);

/* `tune export ...` and `tune query ...`: argv[0] is the subcommand. Return the exit status
 * (0 ok, 1 error, 2 usage). */
int qt_cli_export(int argc, char **argv);
int qt_cli_query(int argc, char **argv);
/* `tune import ...` (cli_import.c), the same way. */
int qt_cli_import(int argc, char **argv);

/* `tune report ...` (cli_report.c), same conventions. */
int qt_cli_report(int argc, char **argv);

/* The tuning loop's events rendered on f (cli_progress.c): tty 1 for a live line rewritten
 * in place, 0 for plain lines. Pass qt_cli_progress_event with the struct as the loop's
 * on_event and event_ctx; qt_cli_progress_end when the loop has returned. */
typedef struct qt_cli_progress {
  FILE *f;
  int tty;
  pthread_mutex_t mu; /* board threads emit notes too */
  double start_ms;
  int last_plain;     /* run_done at the last plain progress line */
  char live[512];     /* the live line on screen ("" when none) */
  qt_timing timing;   /* what the numbers count (the target's unit) */
} qt_cli_progress;

void qt_cli_progress_init(qt_cli_progress *p, FILE *f, int tty, qt_timing timing);
void qt_cli_progress_event(void *ctx, const qt_tune_event *ev);
void qt_cli_progress_end(qt_cli_progress *p);

/* `tune merge OUT.db IN.db...` (cli_merge.c); the same exit statuses. */
int qt_cli_merge(int argc, char **argv);

#endif
