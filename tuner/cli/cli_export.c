/* cli_export.c — the `tune export` and `tune query` subcommands (export.h): argument parsing
 * and output only, over qt_export_model and the report functions. Linked into `tune`, whose
 * main() dispatches here. Exit status 0 on success, 1 on an error (one line on stderr naming
 * the cause), 2 on a usage error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db/db.h"
#include "tuner/base/config.h"
#include "tuner/output/export.h"
#include "tuner/output/report.h"


#define TOP_MAX 1000

static const char export_usage[] =
    "usage: tune export [--target T] (--model M | --workload KEY) [--layers LIST] --out DIR\n"
    "                   [--db F] [--strict] [--dtype s8|u8] [--requant fixedpoint|fp32]\n"
    "                   [--configs DIR] [--kernels DIR]\n"
    "Writes, for every layer, a C file instantiating its template with the log's best config\n"
    "(functions qt_<model>_<layer>_*), a header qt_<model>.h with the prototypes, a table from\n"
    "workload key to functions and a comment naming each layer's log record, the kernel\n"
    "sources they include, and sources.txt (the .c files to compile). Refuses, naming the\n"
    "layer and the file, when a kernel source changed since it was measured. A layer without\n"
    "an ok record gets its template's default config with a warning; --strict makes that an\n"
    "error. --db defaults to ./tuning.db and must exist.\n";

static const char query_usage[] =
    "usage: tune query [--target T] (--model M | --workload KEY) [--layers LIST] [--db F]\n"
    "                  [--top K] [--format text|json|csv] [--json] [--dtype s8|u8]\n"
    "                  [--requant fixedpoint|fp32] [--configs DIR]\n"
    "Prints the best measured config of every layer (a layer without an ok measurement says\n"
    "so) and the default config's time. --top K lists the K best distinct configs per layer\n"
    "instead; --format json prints one JSON document (with --top: a \"top\" array per layer),\n"
    "csv one row per layer and rank. --json is --format json. --dtype/--requant override the\n"
    "model's, as when it was tuned. Exits 1 if the log does not exist.\n";

int qt_cli_sub_parse(int argc, char **argv, const struct option *opts, const char *usage,
                 sub_args *a) {
  optind = 1;
  opterr = 0;
  int opt;
  while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(usage, stdout); return -1;
      case '?':
        fprintf(stderr, "tune %s: option '%s' is unknown or does not apply here (see tune %s --help)\n", argv[0],
                argv[optind - 1], argv[0]);
        return QT_CLI_EXIT_USAGE;
      case ':':
        fprintf(stderr, "tune %s: option '%s' needs a value\n", argv[0], argv[optind - 1]);
        return QT_CLI_EXIT_USAGE;
      case QT_CLI_OPT_TARGET: a->target = optarg; break;
      case QT_CLI_OPT_MODEL: a->model = optarg; break;
      case QT_CLI_OPT_WORKLOAD: a->workload = optarg; break;
      case QT_CLI_OPT_LAYERS: a->layers = optarg; break;
      case QT_CLI_OPT_DTYPE: a->dtype = optarg; break;
      case QT_CLI_OPT_REQUANT: a->requant = optarg; break;
      case QT_CLI_OPT_DB: a->db = optarg; break;
      case QT_CLI_SUB_OUT: a->out = optarg; break;
      case QT_CLI_SUB_STRICT: a->strict = 1; break;
      case QT_CLI_OPT_CONFIGS: a->configs_dir = optarg; break;
      case QT_CLI_SUB_KERNELS: a->kernels_dir = optarg; break;
      case QT_CLI_SUB_FORMAT: a->format = optarg; break;
      case QT_CLI_SUB_JSON: a->format = "json"; break;
      case QT_CLI_SUB_HTML: a->html = optarg; break;
      case QT_CLI_SUB_PEERS: a->peers = optarg; break;
      case QT_CLI_SUB_TOP: {
        char *end;
        errno = 0;
        long v = strtol(optarg, &end, 10);
        if (errno || end == optarg || *end || v < 1 || v > TOP_MAX) {
          fprintf(stderr, "tune %s: --top: expected an integer in [1, %d], got '%s'\n",
                  argv[0], TOP_MAX, optarg);
          return QT_CLI_EXIT_USAGE;
        }
        a->top = (int)v;
        break;
      }
    }
  }
  if (optind < argc) {
    fprintf(stderr, "tune %s: unexpected argument '%s'\n", argv[0], argv[optind]);
    return QT_CLI_EXIT_USAGE;
  }
  if (!!a->model == !!a->workload) {
    fprintf(stderr, "tune %s: give exactly one of --model M or --workload KEY (see --help)\n",
            argv[0]);
    return QT_CLI_EXIT_USAGE;
  }
  return 0;
}

void qt_cli_sub_defaults(sub_args *a) {
  memset(a, 0, sizeof *a);
  a->target = "host";
  a->db = "tuning.db";
  qt_data_dir("QTUNE_CONFIGS", "configs", QT_DEFAULT_CONFIGS_DIR, a->configs_buf,
              sizeof a->configs_buf);
  qt_data_dir("QTUNE_KERNELS", "kernels", QT_DEFAULT_KERNELS_DIR, a->kernels_buf,
              sizeof a->kernels_buf);
  a->configs_dir = a->configs_buf;
  a->kernels_dir = a->kernels_buf;
}

int qt_cli_sub_load(const sub_args *a, qt_target *t, qt_model *m, qt_db **db, qt_err *err) {
  *db = NULL;
  int rc = qt_target_load(a->configs_dir, a->target, t, err);
  if (rc) return rc;
  rc = a->model ? qt_model_load(a->configs_dir, a->model, m, err)
                : qt_model_from_workload(a->workload, m, err);
  if (rc) return rc;
  if ((a->layers && (rc = qt_model_select_layers(m, a->layers, err))) ||
      (rc = qt_model_override_quant(m, a->dtype, a->requant, err))) {
    qt_model_free(m);
    return rc;
  }
  if (access(a->db, F_OK) != 0)
    rc = qt_fail(err, QT_ENOTFOUND, "no tuning log at %s (run tune first, or pass --db)", a->db);
  else
    rc = qt_db_open(a->db, 5000, db, err);
  if (!rc && (rc = qt_cli_log_unit(*db, t, err))) {
    qt_db_close(*db);
    *db = NULL;
  }
  if (rc) qt_model_free(m);
  return rc;
}

int qt_cli_log_unit(qt_db *db, qt_target *t, qt_err *err) {
  char unit[128];
  int rc = qt_db_target_unit(db, t->name, unit, sizeof unit, err);
  if (rc || !unit[0]) return rc;
  if (qt_timing_from_unit(unit, &t->timing))
    return qt_fail(err, QT_EDB, "the tuning log records target %s's numbers in '%s', a unit "
                   "this qtune does not know", t->name, unit);
  return 0;
}


int qt_cli_fail(const qt_err *e) {
  fprintf(stderr, "tune: %s\n", e->msg);
  return 1;
}

int qt_cli_export(int argc, char **argv) {
  static const struct option opts[] = {
      QT_CLI_SELECTION_OPTIONS,
      {"out", required_argument, NULL, QT_CLI_SUB_OUT},
      {"strict", no_argument, NULL, QT_CLI_SUB_STRICT},
      {"kernels", required_argument, NULL, QT_CLI_SUB_KERNELS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  sub_args a;
  qt_cli_sub_defaults(&a);
  int rc = qt_cli_sub_parse(argc, argv, opts, export_usage, &a);
  if (rc) return rc < 0 ? 0 : rc;
  if (!a.out) {
    fprintf(stderr, "tune export: give --out DIR (see --help)\n");
    return QT_CLI_EXIT_USAGE;
  }
  qt_err err = {0, ""};
  qt_target t;
  qt_model m;
  qt_db *db;
  if (qt_cli_sub_load(&a, &t, &m, &db, &err)) return qt_cli_fail(&err);
  qt_export_options o = {a.kernels_dir, a.out, a.db, a.strict, stderr};
  qt_export_stats st;
  rc = qt_export_model(db, &m, &t, &o, &st, &err);
  qt_db_close(db);
  qt_model_free(&m);
  if (rc) return qt_cli_fail(&err);
  fprintf(stderr,
          "tune export: %s on %s: %d layers into %s (%d from the log, %d default configs)\n",
          a.model ? a.model : a.workload, t.name, st.layers, a.out, st.from_log, st.fallback);
  return 0;
}

int qt_cli_query(int argc, char **argv) {
  static const struct option opts[] = {
      QT_CLI_SELECTION_OPTIONS,
      {"top", required_argument, NULL, QT_CLI_SUB_TOP},
      {"format", required_argument, NULL, QT_CLI_SUB_FORMAT},
      {"json", no_argument, NULL, QT_CLI_SUB_JSON},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  sub_args a;
  qt_cli_sub_defaults(&a);
  a.format = "text";
  int rc = qt_cli_sub_parse(argc, argv, opts, query_usage, &a);
  if (rc) return rc < 0 ? 0 : rc;
  if (strcmp(a.format, "text") && strcmp(a.format, "json") && strcmp(a.format, "csv")) {
    fprintf(stderr, "tune query: --format: expected text, json or csv, got '%s'\n", a.format);
    return QT_CLI_EXIT_USAGE;
  }
  qt_err err = {0, ""};
  qt_target t;
  qt_model m;
  qt_db *db;
  if (qt_cli_sub_load(&a, &t, &m, &db, &err)) return qt_cli_fail(&err);
  int k = a.top ? a.top : 1;
  size_t n = (size_t)m.n_layers;
  qt_layer_report *rows = calloc(n, sizeof *rows);
  qt_db_row *top = calloc(n * (size_t)k, sizeof *top);
  int *n_top = calloc(n, sizeof *n_top);
  int status = 1;
  if (!rows || !top || !n_top) {
    qt_fail(&err, QT_ENOMEM, "query: out of memory for %d layers x top %d", m.n_layers, k);
  } else if (qt_report_collect(db, &m, &t, rows, &err) == 0 &&
             qt_report_collect_topk(db, &m, &t, k, top, n_top, &err) == 0) {
    if (strcmp(a.format, "csv") == 0) qt_report_print_csv(stdout, &m, &t, top, n_top, k);
    else if (strcmp(a.format, "json") == 0 && a.top)
      qt_report_print_topk_json(stdout, &m, &t, rows, top, n_top, k);
    else if (strcmp(a.format, "json") == 0) qt_report_print_json(stdout, &m, &t, rows);
    else if (a.top) qt_report_print_topk_text(stdout, &m, &t, top, n_top, k);
    else qt_report_print_table(stdout, &m, &t, rows);
    status = 0;
  }
  if (status) qt_cli_fail(&err);
  free(rows);
  free(top);
  free(n_top);
  qt_db_close(db);
  qt_model_free(&m);
  return status;
}
