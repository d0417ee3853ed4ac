/* cli_report.c — the `tune report` subcommand (html_report.h): argument parsing and output
 * only. Linked into `tune`, whose main() dispatches here. Exit status 0 on success, 1 on an
 * error (one line on stderr naming the cause), 2 on a usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tuner/output/html_report.h"

static const char report_usage[] =
    "usage: tune report [--target T] (--model M | --workload KEY) [--layers LIST] [--db F]\n"
    "                   --html OUT.html [--peers PEERS.csv] [--dtype s8|u8]\n"
    "                   [--requant fixedpoint|fp32] [--configs DIR]\n"
    "Writes one self-contained HTML page (inline CSS and SVG, no script) about the model as\n"
    "the log holds it: per layer default and best time, speedup, template and config; the\n"
    "total per layer kind; each workload's tuning curve, one line per tuning run; failures by\n"
    "status; the boards' shares of the measurements; per knob value the median time relative\n"
    "to its workload's best. --peers adds per-layer ratios against XNNPACK and oneDNN from the\n"
    "CSV of a bench/peers --csv run. --db defaults to ./tuning.db and must exist.\n";

int qt_cli_report(int argc, char **argv) {
  static const struct option opts[] = {
      QT_CLI_SELECTION_OPTIONS,
      {"html", required_argument, NULL, QT_CLI_SUB_HTML},
      {"peers", required_argument, NULL, QT_CLI_SUB_PEERS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  sub_args a;
  qt_cli_sub_defaults(&a);
  int rc = qt_cli_sub_parse(argc, argv, opts, report_usage, &a);
  if (rc) return rc < 0 ? 0 : rc;
  if (!a.html) {
    fprintf(stderr, "tune report: give --html OUT.html (see --help)\n");
    return QT_CLI_EXIT_USAGE;
  }
  qt_err err = {0, ""};
  /* The CSV first: a malformed one should not leave a half-written page behind. */
  qt_peers *peers = NULL;
  if (a.peers) {
    peers = malloc(sizeof *peers);
    if (!peers) {
      qt_fail(&err, QT_ENOMEM, "out of memory");
      return qt_cli_fail(&err);
    }
    if (qt_peers_load(a.peers, peers, &err)) {
      free(peers);
      return qt_cli_fail(&err);
    }
  }
  qt_target t;
  qt_model m;
  qt_db *db;
  if (qt_cli_sub_load(&a, &t, &m, &db, &err)) {
    free(peers);
    return qt_cli_fail(&err);
  }
  /* Written beside the target and renamed over it at the end: a failed report never leaves
   * a truncated page where a good one was. */
  char tmp[QT_PATH_MAX + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", a.html);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    rc = qt_fail(&err, QT_EIO, "cannot write %s: %s", tmp, strerror(errno));
  } else {
    qt_html_options o = {a.db, peers, a.peers};
    rc = qt_html_report(f, db, &m, &t, &o, &err);
    if (fclose(f) && !rc) rc = qt_fail(&err, QT_EIO, "cannot write %s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, a.html))
      rc = qt_fail(&err, QT_EIO, "cannot rename %s to %s: %s", tmp, a.html, strerror(errno));
    if (rc) remove(tmp);
  }
  qt_db_close(db);
  free(peers);
  if (!rc)
    fprintf(stderr, "tune report: %s on %s: %d layers into %s\n", m.name, t.name, m.n_layers,
            a.html);
  qt_model_free(&m);
  return rc ? qt_cli_fail(&err) : 0;
}
