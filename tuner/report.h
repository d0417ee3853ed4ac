/* report.h — per-layer answers from the log: for each layer of a model on a target, the best
 * measured config and the default config's time. Serves the summary table printed after tuning
 * and `tune query` (text or JSON). */
#ifndef QT_REPORT_H
#define QT_REPORT_H

#include <stdio.h>

#include "db/db.h"
#include "schedules/space.h"
#include "tuner/config.h"

typedef struct qt_layer_report {
  const qt_layer *layer;
  int has_best;
  qt_db_row best;
  int has_default; /* the default config has an ok measurement */
  double default_ns;
  char default_knobs[QT_KNOBS_MAX];
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

#endif
