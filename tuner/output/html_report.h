/* html_report.h — `tune report`: one self-contained HTML page (inline CSS and SVG, no script)
 * about a model tuned on a target: per layer default, best, speedup and config; the model's
 * totals per layer kind; each task's tuning curve per tuning run; failures by status; the
 * boards' shares of the measurements; the median relative time of each knob value; and,
 * given the CSV of a bench/peers run, per-layer ratios against XNNPACK and oneDNN. Everything
 * comes from the log through db/; every text from the log is HTML-escaped. */
#ifndef QT_HTML_REPORT_H
#define QT_HTML_REPORT_H

#include <stdio.h>

#include "db/db.h"
#include "tuner/base/config.h"

/* The kinds a layer's time is totalled under (bench/peers uses the same). */
typedef enum qt_layer_kind {
  QT_KIND_STEM, QT_KIND_DEPTHWISE, QT_KIND_POINTWISE, QT_KIND_COUNT
} qt_layer_kind;

/* Depthwise convolution, a 1x1 conv2d (pointwise), or any other conv2d (a stem: MobileNetV2's
 * first 3x3 layer). */
qt_layer_kind qt_layer_kind_of(const qt_layer *l);
const char *qt_layer_kind_name(qt_layer_kind k); /* "stem", "depthwise", "pointwise" */

/* One layer of a bench/peers CSV (bench/peers --csv): medians in us of one interleaved run;
 * 0 when the method did not run. onednn_us: oneDNN with runtime zero points; onednn_fast_us:
 * oneDNN's fastest int8 path (zero points folded into the bias; 0 in a CSV of the older
 * seven-column format). */
typedef struct qt_peer_row {
  char layer[QT_NAME_MAX];
  char kind[16];
  double mmac, default_us, best_us, xnnpack_us, onednn_us, onednn_fast_us;
} qt_peer_row;

#define QT_PEERS_HEADER "layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us,onednn_fast_us"
/* The format before onednn_fast_us, still read. */
#define QT_PEERS_HEADER_V1 "layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us"
#define QT_PEERS_MAX 256

typedef struct qt_peers {
  int n;
  qt_peer_row rows[QT_PEERS_MAX];
} qt_peers;

/* Reads a bench/peers CSV: the header line QT_PEERS_HEADER (or QT_PEERS_HEADER_V1), then one
 * row per layer with a name, a kind and six numbers (five under QT_PEERS_HEADER_V1) (an empty field: the method did not run). Anything else is
 * QT_EINVAL naming the file, the line and the field. */
int qt_peers_load(const char *path, qt_peers *out, qt_err *err);

typedef struct qt_html_options {
  const char *db_path;     /* shown on the page */
  const qt_peers *peers;   /* NULL: no comparison section */
  const char *peers_path;  /* shown with it */
} qt_html_options;

/* Writes the page for model m on target t from db to f. QT_EIO when f fails, the log's
 * error when reading it fails. */
int qt_html_report(FILE *f, qt_db *db, const qt_model *m, const qt_target *t,
                   const qt_html_options *o, qt_err *err);

#endif
