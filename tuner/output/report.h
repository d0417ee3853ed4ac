/* report.h — per-layer answers from the log: for each layer of a model on a target, the best
 * measured config and the default config's time. Serves the summary table printed after tuning
 * and `tune query` (text, JSON or CSV), optionally with the k best distinct configs per layer. */
#ifndef QT_REPORT_H
#define QT_REPORT_H

#include <stdio.h>

#include "db/db.h"
#include "schedules/space.h"
#include "tuner/base/config.h"

typedef struct qt_layer_report {
  const qt_layer *layer;
  int has_best;
  qt_db_row best;
  int has_default; /* the default config has an ok measurement */
  double default_ns;
  char default_knobs[QT_KNOBS_MAX];
  int unsupported; /* the target cannot run it (qt_space_fits): never tuned */
} qt_layer_report;

/* Fills rows[0..m->n_layers) from the log. */
int qt_report_collect(qt_db *db, const qt_model *m, const qt_target *t, qt_layer_report *rows,
                      qt_err *err);

/* The summary table: layer, workload, default us, best us, speedup, config; then totals. */
void qt_report_print_table(FILE *f, const qt_model *m, const qt_target *t,
                           const qt_layer_report *rows);

/* One JSON document: {"model":..., "target":..., "layers":[{...}, ...]}. */
void qt_report_print_json(FILE *f, const qt_model *m, const qt_target *t,
                          const qt_layer_report *rows);

/* The k best distinct configs (qt_db_topk) of every layer: top[i * k + j] is rank j + 1 of
 * layer i, n_top[i] how many layer i has (0..k). top holds m->n_layers * k rows, n_top
 * m->n_layers ints. Returns 0 or the log's error. */
int qt_report_collect_topk(qt_db *db, const qt_model *m, const qt_target *t, int k,
                           qt_db_row *top, int *n_top, qt_err *err);

/* Top-k as text: per layer a line per rank (layer, rank, us, config, board, record id), a
 * layer without any ok measurement as one line saying so. */
void qt_report_print_topk_text(FILE *f, const qt_model *m, const qt_target *t,
                               const qt_db_row *top, const int *n_top, int k);

/* The JSON document of qt_report_print_json with, per layer, "top": [{"rank":1, ...}, ...]. */
void qt_report_print_topk_json(FILE *f, const qt_model *m, const qt_target *t,
                               const qt_layer_report *rows, const qt_db_row *top,
                               const int *n_top, int k);

/* CSV (RFC 4180, header line first): layer,workload,rank,template,config,median_us,min_us,
 * max_us,board,source_hash,measurement_id,measured_at; one row per (layer, rank), a layer
 * without ok measurements as one row with empty rank and measurement fields. For a target
 * that counts instructions (timing icount) the columns are median_insns, min_insns, max_insns.
 *
 * Every printer shows the numbers in t->timing's unit: us for ns timings (an emulated one is
 * said so under the text tables), whole instruction counts with "insns" columns and keys for
 * icount; the JSON documents carry "unit" (qt_timing_unit). */
void qt_report_print_csv(FILE *f, const qt_model *m, const qt_target *t, const qt_db_row *top,
                         const int *n_top, int k);

#endif
