/* html_report.c — the page of html_report.h. One pass over the log's measurements of the
 * target (qt_db_each_measurement) keeps those of the model's tasks; the sections are drawn
 * from them and from the per-layer answers of report.h. Bars are CSS boxes, curves inline
 * SVG; there is no script, so the page shows the same wherever it is opened. */
#include "tuner/output/html_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tuner/output/report.h"

#define MAX_BOARDS 64
#define MAX_SESSIONS 64
#define MAX_FAILURE_EXAMPLES 20

qt_layer_kind qt_layer_kind_of(const qt_layer *l) {
  if (l->w.desc.p.op == QT_OP_DEPTHWISE) return QT_KIND_DEPTHWISE;
  if (l->w.desc.p.kernel_h == 1 && l->w.desc.p.kernel_w == 1) return QT_KIND_POINTWISE;
  return QT_KIND_STEM;
}

const char *qt_layer_kind_name(qt_layer_kind k) {
  static const char *const names[QT_KIND_COUNT] = {"stem", "depthwise", "pointwise"};
  return k >= 0 && k < QT_KIND_COUNT ? names[k] : "?";
}

/* One measurement of one of the model's tasks. */
typedef struct meas {
  int task, session, board; /* indices into the model's tasks, sessions[], boards[] */
  char *knobs;              /* canonical "template:knob=value,..." */
  char *error;              /* failed status: the error text, cut short */
  qt_status status;
  double median_ns;
} meas;

typedef struct session {
  int64_t id;
  char label[96]; /* "run 3: strategy ga" */
} session;

typedef struct collected {
  const qt_model *m;
  meas *v;
  int n, cap;
  char boards[MAX_BOARDS][QT_NAME_MAX];
  int n_boards;
  session sessions[MAX_SESSIONS];
  int n_sessions;
  double *task_best; /* per task: the lowest ok median in the log, 0 if none */
  qt_timing timing;  /* what the numbers count (the target's unit in the log) */
} collected;

/* A column heading's unit ("us", "emulated us", "instructions") and a logged value as shown
 * under it. */
static const char *unit_heading(qt_timing t) {
  return t == QT_TIMING_ICOUNT ? "instructions" : t == QT_TIMING_EMULATED ? "emulated us" : "us";
}
static double shown(qt_timing t, double v) { return v / qt_timing_divisor(t); }

/* ---- collecting ------------------------------------------------------------------------ */

/* The strategy a command line asked for ("model" when it named none), and whether it replayed
 * a log instead of measuring. */
static void session_label(int64_t id, const char *cmd, char *buf, size_t cap) {
  char strategy[32] = "model";
  const char *p = strstr(cmd, "--strategy");
  if (p) {
    p += strlen("--strategy");
    p += strspn(p, " =");
    size_t n = strcspn(p, " ");
    if (n > 0 && n < sizeof strategy) {
      memcpy(strategy, p, n);
      strategy[n] = '\0';
    }
  }
  snprintf(buf, cap, "run %lld: strategy %s%s", (long long)id, strategy,
           strstr(cmd, "--replay") ? " (replayed)" : "");
}

static int collect_row(void *ctx, const qt_db_meas *r) {
  collected *c = ctx;
  int task = -1;
  for (int i = 0; i < c->m->n_tasks && task < 0; i++)
    if (strcmp(c->m->tasks[i].key, r->workload_key) == 0) task = i;
  if (task < 0) return 0; /* another model's workload */
  if (c->n == c->cap) {
    int cap = c->cap ? 2 * c->cap : 1024;
    meas *v = realloc(c->v, sizeof *v * (size_t)cap);
    if (!v) return QT_ENOMEM;
    c->v = v;
    c->cap = cap;
  }
  int board = -1, sess = -1;
  for (int i = 0; i < c->n_boards && board < 0; i++)
    if (strcmp(c->boards[i], r->board) == 0) board = i;
  if (board < 0 && c->n_boards < MAX_BOARDS) {
    board = c->n_boards++;
    snprintf(c->boards[board], sizeof c->boards[board], "%s", r->board);
  }
  for (int i = 0; i < c->n_sessions && sess < 0; i++)
    if (c->sessions[i].id == r->session_id) sess = i;
  if (sess < 0 && c->n_sessions < MAX_SESSIONS) {
    sess = c->n_sessions++;
    c->sessions[sess].id = r->session_id;
    session_label(r->session_id, r->session_command ? r->session_command : "",
                  c->sessions[sess].label, sizeof c->sessions[sess].label);
  }
  meas *m = &c->v[c->n];
  m->task = task;
  m->session = sess; /* -1: beyond MAX_SESSIONS, left out of the curves */
  m->board = board;  /* -1: beyond MAX_BOARDS, counted as "other boards" */
  m->status = r->status;
  m->median_ns = r->median_ns;
  m->knobs = strdup(r->knobs ? r->knobs : "");
  m->error = r->status == QT_STATUS_OK ? NULL : strndup(r->error, 300);
  if (!m->knobs || (r->status != QT_STATUS_OK && !m->error)) {
    free(m->knobs);
    free(m->error);
    return QT_ENOMEM;
  }
  c->n++;
  if (r->status == QT_STATUS_OK && r->median_ns > 0 &&
      (c->task_best[task] <= 0 || r->median_ns < c->task_best[task]))
    c->task_best[task] = r->median_ns;
  return 0;
}

static void collected_free(collected *c) {
  for (int i = 0; i < c->n; i++) {
    free(c->v[i].knobs);
    free(c->v[i].error);
  }
  free(c->v);
  free(c->task_best);
}

/* ---- writing ----------------------------------------------------------------------------- */

/* Text from the log or the model, escaped for HTML text and attribute values. */
static void esc(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
      case '&': fputs("&amp;", f); break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&#39;", f); break;
      default: fputc(*s, f);
    }
  }
}

/* A horizontal bar of frac (0..1) of the cell's width; cls picks its colour. */
static void bar(FILE *f, const char *cls, double frac) {
  if (!(frac > 0)) frac = 0;
  if (frac > 1) frac = 1;
  fprintf(f, "<div class=\"bar\"><div class=\"%s\" style=\"width:%.1f%%\"></div></div>", cls,
          100 * frac);
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1500px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
    "border-bottom:1px solid #ddd;padding-bottom:4px}\n"
    "p.note{color:#555;margin:4px 0 10px}\n"
    "table{border-collapse:collapse;margin:6px 0}\n"
    "th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:middle}\n"
    "th{background:#f5f5f5;font-weight:600}td.n{text-align:right;font-variant-numeric:"
    "tabular-nums}\n"
    "code{font:12px ui-monospace,monospace;word-break:break-all}\n"
    "code.cfg{font-size:11px;white-space:nowrap;word-break:normal}\n"
    ".bar{width:150px;height:10px;background:#f0f0f0;position:relative}\n"
    ".bar>div{height:10px}.best{background:#2b7bb9}.def{background:#c9c9c9}"
    ".fail{background:#c0392b}.share{background:#27ae60}.rel{background:#8e44ad}"
    ".peer{background:#e67e22}\n"
    ".pair .bar+.bar{margin-top:2px}tr.tpl td{border-top:2px solid #bbb}\n"
    ".curves{display:flex;flex-wrap:wrap;gap:14px}\n"
    ".curve{border:1px solid #e3e3e3;padding:6px;width:330px}\n"
    ".curve h3{font-size:13px;margin:0 0 2px;word-break:break-all}\n"
    ".curve svg{display:block}\n"
    ".legend{font-size:12px}.legend span{display:inline-block;width:10px;height:10px;"
    "margin:0 4px 0 8px}\n"
    "</style>\n";

static const char *const session_colors[] = {"#2b7bb9", "#e67e22", "#27ae60", "#8e44ad",
                                             "#c0392b", "#16a085", "#7f8c8d", "#d35400"};
#define N_COLORS (sizeof session_colors / sizeof session_colors[0])

static void section_summary(FILE *f, const qt_model *m, const qt_target *t,
                            const qt_html_options *o, const collected *c) {
  fputs("<title>qtune report: ", f);
  esc(f, m->name);
  fputs(" on ", f);
  esc(f, t->name);
  fputs("</title>\n</head>\n<body>\n<h1>qtune report: ", f);
  esc(f, m->name);
  fputs(" on ", f);
  esc(f, t->name);
  fputs("</h1>\n<p class=\"note\">Log <code>", f);
  esc(f, o->db_path ? o->db_path : "");
  fprintf(f, "</code>: %d layers, %d distinct workloads (tasks), %d measurements of them in "
          "%d tuning runs. ", m->n_layers, m->n_tasks, c->n, c->n_sessions);
  if (c->timing == QT_TIMING_ICOUNT)
    fputs("Numbers are medians per kernel run in <b>instructions (qemu icount)</b>: "
          "instructions executed, counted by the emulator; they are not time.</p>\n", f);
  else
    fprintf(f, "Times are medians per kernel run in microseconds%s; compare them only within "
            "one log (one machine, one load).</p>\n", c->timing == QT_TIMING_EMULATED
            ? " of the <b>emulator's</b> wall clock (emulated: not the CPU's speed)" : "");
}

static void section_totals(FILE *f, const qt_model *m, const qt_layer_report *rows,
                           qt_timing tm) {
  double def[QT_KIND_COUNT + 1] = {0}, best[QT_KIND_COUNT + 1] = {0};
  int layers[QT_KIND_COUNT + 1] = {0}, missing = 0;
  for (int i = 0; i < m->n_layers; i++) {
    const qt_layer_report *r = &rows[i];
    if (!r->has_best || !r->has_default) {
      missing++;
      continue;
    }
    const int groups[2] = {qt_layer_kind_of(r->layer), QT_KIND_COUNT}; /* its kind, the model */
    for (int g = 0; g < 2; g++) {
      def[groups[g]] += r->default_ns;
      best[groups[g]] += r->best.median_ns;
      layers[groups[g]]++;
    }
  }
  fputs("<h2 id=\"totals\">Model total per kind</h2>\n<p class=\"note\">Sum over the layers "
        "(a workload shared by several layers counts once per layer). Bars: default (grey) "
        "and best (blue), to the scale of the model's default total.</p>\n<table>\n", f);
  fprintf(f, "<tr><th>kind</th><th>layers</th><th>default %s</th><th>best %s</th>"
          "<th>speedup</th><th>default / best</th></tr>\n", unit_heading(tm), unit_heading(tm));
  const double scale = def[QT_KIND_COUNT] > 0 ? def[QT_KIND_COUNT] : 1;
  for (int g = 0; g <= QT_KIND_COUNT; g++) {
    if (!layers[g]) continue;
    fprintf(f, "<tr><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%.1f</td>"
            "<td class=\"n\">%.1f</td><td class=\"n\">%s%.2fx%s</td><td class=\"pair\">",
            g == QT_KIND_COUNT ? "<b>model</b>" : qt_layer_kind_name((qt_layer_kind)g),
            layers[g], shown(tm, def[g]), shown(tm, best[g]), g == QT_KIND_COUNT ? "<b>" : "",
            def[g] / best[g], g == QT_KIND_COUNT ? "</b>" : "");
    bar(f, "def", def[g] / scale);
    bar(f, "best", best[g] / scale);
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
  if (missing)
    fprintf(f, "<p class=\"note\">%d layers lack an ok measurement of the best or the default "
            "config and are not in the totals.</p>\n", missing);
}

static void section_layers(FILE *f, const qt_model *m, const qt_layer_report *rows,
                           qt_timing tm) {
  double scale = 0;
  for (int i = 0; i < m->n_layers; i++) {
    if (rows[i].has_default && rows[i].default_ns > scale) scale = rows[i].default_ns;
    if (rows[i].has_best && rows[i].best.median_ns > scale) scale = rows[i].best.median_ns;
  }
  if (scale <= 0) scale = 1;
  fputs("<h2 id=\"layers\">Per layer</h2>\n<p class=\"note\">Best: the log's answer, as "
        "<code>tune query</code> gives it (* the median of its re-measurement against its "
        "runners-up and the default, interleaved); default: the space's default config, its "
        "median over those same rounds beside a * best, else its lowest median. Bars to the "
        "scale of the slowest layer.</p>\n<table>\n", f);
  fprintf(f, "<tr><th>layer</th><th>kind</th><th>default %s</th><th>best %s</th><th>speedup</th>"
          "<th>default / best</th><th>template</th><th>config</th></tr>\n", unit_heading(tm),
          unit_heading(tm));
  for (int i = 0; i < m->n_layers; i++) {
    const qt_layer_report *r = &rows[i];
    fputs("<tr><td>", f);
    esc(f, r->layer->name);
    fprintf(f, "</td><td>%s</td>", qt_layer_kind_name(qt_layer_kind_of(r->layer)));
    if (r->has_default) fprintf(f, "<td class=\"n\">%.1f</td>", shown(tm, r->default_ns));
    else fputs("<td class=\"n\">-</td>", f);
    if (r->has_best)
      fprintf(f, "<td class=\"n\">%.1f%s</td>", shown(tm, r->best.median_ns),
              r->best.confirmed ? "*" : "");
    else
      fputs("<td class=\"n\">-</td>", f);
    if (r->has_best && r->has_default)
      fprintf(f, "<td class=\"n\">%.2fx</td>", r->default_ns / r->best.median_ns);
    else
      fputs("<td class=\"n\">-</td>", f);
    fputs("<td class=\"pair\">", f);
    bar(f, "def", r->has_default ? r->default_ns / scale : 0);
    bar(f, "best", r->has_best ? r->best.median_ns / scale : 0);
    fputs("</td><td>", f);
    if (r->has_best) {
      esc(f, r->best.template_name);
      fputs("</td><td><code class=\"cfg\">", f);
      const char *colon = strchr(r->best.knobs, ':');
      esc(f, colon ? colon + 1 : r->best.knobs);
      fputs("</code></td></tr>\n", f);
    } else {
      fputs("-</td><td>no ok measurement</td></tr>\n", f);
    }
  }
  fputs("</table>\n", f);
}

/* One task's curves: per tuning run, the best median so far against the configs it tried
 * (a config tried again in the same run, by the re-measurement, is not a new trial). */
static void task_curve(FILE *f, const qt_model *m, const collected *c, int task) {
  int n_pts[MAX_SESSIONS] = {0}, max_x = 0;
  double lo = 0, hi = 0;
  double **pts = calloc(MAX_SESSIONS, sizeof *pts);
  if (!pts) return;
  for (int s = 0; s < c->n_sessions; s++) {
    int tried = 0;
    double best = 0;
    for (int i = 0; i < c->n; i++) {
      const meas *v = &c->v[i];
      if (v->task != task || v->session != s) continue;
      int again = 0;
      for (int j = 0; j < i && !again; j++)
        again = c->v[j].task == task && c->v[j].session == s &&
                strcmp(c->v[j].knobs, v->knobs) == 0;
      if (again) continue;
      tried++;
      if (v->status == QT_STATUS_OK && v->median_ns > 0 && (best <= 0 || v->median_ns < best))
        best = v->median_ns;
      double *p = realloc(pts[s], sizeof *p * (size_t)tried);
      if (!p) break;
      pts[s] = p;
      p[tried - 1] = best; /* 0 until the first ok measurement: not drawn */
      if (best > 0) {
        if (lo <= 0 || best < lo) lo = best;
        if (best > hi) hi = best;
      }
    }
    n_pts[s] = tried;
    if (tried > max_x) max_x = tried;
  }
  const qt_task *t = &m->tasks[task];
  fputs("<div class=\"curve\"><h3>", f);
  for (int i = 0; i < t->n_layers; i++) {
    if (i) fputs(", ", f);
    esc(f, m->layers[t->layers[i]].name);
  }
  fputs("</h3>", f);
  const int W = 320, H = 160, L = 64, R = 8, T = 8, B = 24;
  if (hi <= 0) {
    fputs("<p class=\"note\">no ok measurement</p></div>\n", f);
  } else {
    /* Log scale: a default ten times slower than the best would flatten the rest. */
    double ylo = log(lo * 0.95), yhi = log(hi * 1.05);
    if (yhi - ylo < 1e-9) yhi = ylo + 0.1;
    int xs = max_x > 1 ? max_x - 1 : 1;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "role=\"img\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
            "stroke=\"#ccc\"/>", W, H, L, T, W - L - R, H - T - B);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%.1f %s</text>",
            L - 4, T + 8, shown(c->timing, hi * 1.05), unit_heading(c->timing));
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%.1f %s</text>",
            L - 4, H - B, shown(c->timing, lo * 0.95), unit_heading(c->timing));
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\">1</text>", L, H - B + 12);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%d trials</text>",
            W - R, H - B + 12, max_x);
    for (int s = 0; s < c->n_sessions; s++) {
      if (!n_pts[s]) continue;
      fprintf(f, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
              session_colors[s % N_COLORS]);
      double prev_y = -1;
      for (int i = 0; i < n_pts[s]; i++) {
        if (pts[s][i] <= 0) continue;
        double x = L + (double)(W - L - R) * (max_x > 1 ? i : 0) / xs;
        double y = T + (H - T - B) * (yhi - log(pts[s][i])) / (yhi - ylo);
        if (prev_y >= 0) fprintf(f, "%.1f,%.1f ", x, prev_y); /* a step: best so far */
        fprintf(f, "%.1f,%.1f ", x, y);
        prev_y = y;
      }
      fputs("\"/>", f);
    }
    fputs("</svg>", f);
    fputs("<div class=\"legend\">", f);
    for (int s = 0; s < c->n_sessions; s++) {
      if (!n_pts[s]) continue;
      fprintf(f, "<span style=\"background:%s\"></span>", session_colors[s % N_COLORS]);
      esc(f, c->sessions[s].label);
    }
    fprintf(f, "<br>lowest median in the log %.1f %s (re-measurements included)</div></div>\n",
            shown(c->timing, c->task_best[task]), unit_heading(c->timing));
  }
  for (int s = 0; s < MAX_SESSIONS; s++) free(pts[s]);
  free(pts);
}

static void section_curves(FILE *f, const qt_model *m, const collected *c) {
  fputs("<h2 id=\"curves\">Tuning curves</h2>\n<p class=\"note\">Per task (distinct workload):"
        " the best median so far against the configs tried, one line per tuning run in the "
        "log (log scale; a run that resumed an earlier one starts where it picked up).</p>\n"
        "<div class=\"curves\">\n", f);
  for (int t = 0; t < m->n_tasks; t++) task_curve(f, m, c, t);
  fputs("</div>\n", f);
}

static void section_failures(FILE *f, const qt_model *m, const collected *c) {
  int count[QT_STATUS_COUNT] = {0};
  for (int i = 0; i < c->n; i++) count[c->v[i].status]++;
  fputs("<h2 id=\"failures\">Failures by status</h2>\n<p class=\"note\">Every measurement of "
        "the model's workloads in the log. A failed variant is recorded once and never counts "
        "as a result; upload_error and board_lost are the board's faults, retried on another "
        "board, and appear only when a run recorded them.</p>\n<table>\n"
        "<tr><th>status</th><th>measurements</th><th>share</th></tr>\n", f);
  for (int s = 0; s < QT_STATUS_COUNT; s++) {
    fprintf(f, "<tr><td>%s</td><td class=\"n\">%d</td><td>", qt_status_name((qt_status)s),
            count[s]);
    bar(f, s == QT_STATUS_OK ? "share" : "fail", c->n ? (double)count[s] / c->n : 0);
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
  int shown = 0;
  for (int i = 0; i < c->n && shown < MAX_FAILURE_EXAMPLES; i++) {
    const meas *v = &c->v[i];
    if (v->status == QT_STATUS_OK) continue;
    if (!shown++)
      fputs("<table>\n<tr><th>task</th><th>status</th><th>config</th><th>error</th></tr>\n", f);
    fputs("<tr><td>", f);
    esc(f, m->layers[m->tasks[v->task].layers[0]].name);
    fprintf(f, "</td><td>%s</td><td><code>", qt_status_name(v->status));
    esc(f, v->knobs);
    fputs("</code></td><td><code>", f);
    esc(f, v->error);
    fputs("</code></td></tr>\n", f);
  }
  if (shown) fprintf(f, "</table>\n<p class=\"note\">The first %d failures.</p>\n", shown);
}

static void section_boards(FILE *f, const collected *c) {
  fputs("<h2 id=\"boards\">Boards</h2>\n<table>\n<tr><th>board</th><th>measurements</th>"
        "<th>share</th></tr>\n", f);
  int other = c->n;
  for (int b = 0; b < c->n_boards; b++) {
    int n = 0;
    for (int i = 0; i < c->n; i++) n += c->v[i].board == b;
    other -= n;
    fputs("<tr><td>", f);
    esc(f, c->boards[b]);
    fprintf(f, "</td><td class=\"n\">%d (%.1f%%)</td><td>", n, c->n ? 100.0 * n / c->n : 0);
    bar(f, "share", c->n ? (double)n / c->n : 0);
    fputs("</td></tr>\n", f);
  }
  if (other > 0)
    fprintf(f, "<tr><td>(%d more boards)</td><td class=\"n\">%d</td><td></td></tr>\n",
            MAX_BOARDS, other);
  fputs("</table>\n", f);
}

/* ---- knobs: the median relative time of each value ---------------------------------- */

typedef struct knob_value {
  char tpl[64], knob[32], value[32];
  double *rel;
  int n, cap;
} knob_value;

typedef struct knob_stats {
  knob_value *v;
  int n, cap;
} knob_stats;

static int knob_add(knob_stats *ks, const char *tpl, const char *knob, const char *value,
                    double rel) {
  knob_value *kv = NULL;
  for (int i = 0; i < ks->n && !kv; i++)
    if (!strcmp(ks->v[i].tpl, tpl) && !strcmp(ks->v[i].knob, knob) &&
        !strcmp(ks->v[i].value, value))
      kv = &ks->v[i];
  if (!kv) {
    if (strlen(tpl) >= sizeof kv->tpl || strlen(knob) >= sizeof kv->knob ||
        strlen(value) >= sizeof kv->value)
      return QT_EINVAL; /* not a knob of qtune's spaces: the log's text is foreign */
    if (ks->n == ks->cap) {
      int cap = ks->cap ? 2 * ks->cap : 64;
      knob_value *v = realloc(ks->v, sizeof *v * (size_t)cap);
      if (!v) return QT_ENOMEM;
      ks->v = v;
      ks->cap = cap;
    }
    kv = &ks->v[ks->n++];
    memset(kv, 0, sizeof *kv);
    memcpy(kv->tpl, tpl, strlen(tpl) + 1); /* lengths checked above */
    memcpy(kv->knob, knob, strlen(knob) + 1);
    memcpy(kv->value, value, strlen(value) + 1);
  }
  if (kv->n == kv->cap) {
    int cap = kv->cap ? 2 * kv->cap : 16;
    double *r = realloc(kv->rel, sizeof *r * (size_t)cap);
    if (!r) return QT_ENOMEM;
    kv->rel = r;
    kv->cap = cap;
  }
  kv->rel[kv->n++] = rel;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Keeps the order in which templates, knobs and values were first seen, grouped by
 * template and knob. */
static int cmp_group(const void *a, const void *b) {
  const knob_value *x = a, *y = b;
  int c = strcmp(x->tpl, y->tpl);
  return c ? c : strcmp(x->knob, y->knob);
}

static int section_knobs(FILE *f, const collected *c, qt_err *err) {
  knob_stats ks = {0};
  int rc = 0;
  for (int i = 0; i < c->n && !rc; i++) {
    const meas *v = &c->v[i];
    double best = c->task_best[v->task];
    if (v->status != QT_STATUS_OK || v->median_ns <= 0 || best <= 0) continue;
    char buf[QT_KNOBS_MAX];
    snprintf(buf, sizeof buf, "%s", v->knobs);
    char *colon = strchr(buf, ':');
    if (!colon) continue;
    *colon = '\0';
    char *save = NULL;
    for (char *kv = strtok_r(colon + 1, ",", &save); kv && !rc; kv = strtok_r(NULL, ",", &save)) {
      char *eq = strchr(kv, '=');
      if (!eq) continue;
      *eq = '\0';
      rc = knob_add(&ks, buf, kv, eq + 1, v->median_ns / best);
    }
  }
  if (rc) {
    for (int i = 0; i < ks.n; i++) free(ks.v[i].rel);
    free(ks.v);
    return rc == QT_EINVAL
               ? qt_fail(err, rc, "report: a config in the log has a knob name or value too long "
                         "for a qtune space (damaged or foreign log)")
               : qt_fail(err, rc, "report: out of memory for the knob statistics");
  }
  /* A stable grouping: insertion sort keeps first-seen order within a knob. */
  for (int i = 1; i < ks.n; i++)
    for (int j = i; j > 0 && cmp_group(&ks.v[j - 1], &ks.v[j]) > 0; j--) {
      knob_value t = ks.v[j];
      ks.v[j] = ks.v[j - 1];
      ks.v[j - 1] = t;
    }
  fputs("<h2 id=\"knobs\">Knobs</h2>\n<p class=\"note\">Per template and knob, for each value: "
        "the median over the ok measurements with that value of <i>time / best time of the "
        "same workload</i> (1.00 = the workload's best), aggregated over all the model's "
        "workloads, so values compare across shapes. A knob whose values differ little "
        "matters little. Bars: 1/relative time (full = the best).</p>\n<table>\n"
        "<tr><th>template</th><th>knob</th><th>value</th><th>measurements</th>"
        "<th>median relative time</th><th></th></tr>\n", f);
  for (int i = 0; i < ks.n; i++) {
    knob_value *kv = &ks.v[i];
    qsort(kv->rel, (size_t)kv->n, sizeof kv->rel[0], cmp_double);
    double med = kv->n % 2 ? kv->rel[kv->n / 2]
                           : (kv->rel[kv->n / 2 - 1] + kv->rel[kv->n / 2]) / 2;
    const int new_tpl = i == 0 || strcmp(ks.v[i - 1].tpl, kv->tpl) != 0;
    const int new_knob = new_tpl || strcmp(ks.v[i - 1].knob, kv->knob) != 0;
    fputs(new_tpl ? "<tr class=\"tpl\"><td>" : "<tr><td>", f);
    if (new_tpl) esc(f, kv->tpl);
    fputs("</td><td>", f);
    if (new_knob) esc(f, kv->knob);
    fputs("</td><td><code>", f);
    esc(f, kv->value);
    fprintf(f, "</code></td><td class=\"n\">%d</td><td class=\"n\">%.2f</td><td>", kv->n, med);
    bar(f, "rel", 1 / med);
    fputs("</td></tr>\n", f);
    free(kv->rel);
  }
  fputs("</table>\n", f);
  free(ks.v);
  return 0;
}

/* A table cell holding v with one or two decimals, or "-" when v is 0 (did not run). */
static void num_cell(FILE *f, double v, int decimals) {
  if (v > 0) fprintf(f, "<td class=\"n\">%.*f</td>", decimals, v);
  else fputs("<td class=\"n\">-</td>", f);
}

static void section_peers(FILE *f, const qt_html_options *o) {
  enum { N_PEERS = 3 }; /* XNNPACK, oneDNN with runtime zero points, oneDNN's fastest path */
  const qt_peers *p = o->peers;
  fputs("<h2 id=\"peers\">Against XNNPACK and oneDNN</h2>\n<p class=\"note\">From the bench/peers "
        "run in <code>", f);
  esc(f, o->peers_path ? o->peers_path : "");
  fputs("</code>: one run, interleaved, so its times compare with each other (not with the "
        "log's). oneDNN fast: its fastest int8 path, zero points folded into the bias (the "
        "goal is measured against the faster oneDNN). Ratio = peer time / qtune best time; "
        "above 1 qtune is faster. Bars to the scale of the largest ratio.</p>\n<table>\n"
        "<tr><th>layer</th><th>kind</th><th>qtune best us</th><th>XNNPACK us</th>"
        "<th>oneDNN us</th><th>oneDNN fast us</th><th>XNNPACK / best</th><th>oneDNN / best</th>"
        "<th>oneDNN fast / best</th><th></th></tr>\n", f);
  /* per kind and all: best, then the peers */
  double scale = 0, tot[QT_KIND_COUNT + 1][N_PEERS + 1] = {{0}};
  for (int i = 0; i < p->n; i++) {
    const qt_peer_row *r = &p->rows[i];
    const double peer[N_PEERS] = {r->xnnpack_us, r->onednn_us, r->onednn_fast_us};
    if (r->best_us <= 0) continue;
    for (int k = 0; k < N_PEERS; k++)
      if (peer[k] / r->best_us > scale) scale = peer[k] / r->best_us;
  }
  if (scale <= 0) scale = 1;
  for (int i = 0; i < p->n; i++) {
    const qt_peer_row *r = &p->rows[i];
    const double peer[N_PEERS] = {r->xnnpack_us, r->onednn_us, r->onednn_fast_us};
    int kind = QT_KIND_STEM; /* qt_peers_load accepts only the three names */
    while (kind < QT_KIND_COUNT && strcmp(qt_layer_kind_name((qt_layer_kind)kind), r->kind))
      kind++;
    const int groups[2] = {kind, QT_KIND_COUNT};
    for (int g = 0; g < 2; g++) {
      tot[groups[g]][0] += r->best_us;
      for (int k = 0; k < N_PEERS; k++) tot[groups[g]][k + 1] += peer[k];
    }
    fputs("<tr><td>", f);
    esc(f, r->layer);
    fputs("</td><td>", f);
    esc(f, r->kind);
    fprintf(f, "</td><td class=\"n\">%.1f</td>", r->best_us);
    for (int k = 0; k < N_PEERS; k++) num_cell(f, peer[k], 1);
    for (int k = 0; k < N_PEERS; k++) num_cell(f, r->best_us > 0 ? peer[k] / r->best_us : 0, 2);
    fputs("<td class=\"pair\">", f);
    for (int k = 0; k < N_PEERS; k++)
      bar(f, k ? "peer" : "best", r->best_us > 0 ? peer[k] / r->best_us / scale : 0);
    fputs("</td></tr>\n", f);
  }
  /* Totals as bench/peers prints them: per kind, then the network. */
  for (int g = 0; g <= QT_KIND_COUNT; g++) {
    const double *t = tot[g];
    if (t[0] <= 0) continue;
    fprintf(f, "<tr class=\"tpl\"><td><b>total</b></td><td>%s</td><td class=\"n\">%.1f</td>",
            g == QT_KIND_COUNT ? "network" : qt_layer_kind_name((qt_layer_kind)g), t[0]);
    for (int k = 0; k < N_PEERS; k++) num_cell(f, t[k + 1], 1);
    for (int k = 0; k < N_PEERS; k++) num_cell(f, t[k + 1] / t[0], 2);
    fputs("<td></td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

int qt_html_report(FILE *f, qt_db *db, const qt_model *m, const qt_target *t,
                   const qt_html_options *o, qt_err *err) {
  collected c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.timing = t->timing;
  c.task_best = calloc((size_t)m->n_tasks + 1, sizeof *c.task_best);
  qt_layer_report *rows = calloc((size_t)m->n_layers + 1, sizeof *rows);
  int rc = 0;
  if (!c.task_best || !rows)
    rc = qt_fail(err, QT_ENOMEM, "report: out of memory for %d layers", m->n_layers);
  if (!rc) rc = qt_report_collect(db, m, t, rows, err);
  if (!rc) rc = qt_db_each_measurement(db, t->name, collect_row, &c, err);
  if (!rc) {
    fputs(page_head, f);
    section_summary(f, m, t, o, &c);
    section_totals(f, m, rows, t->timing);
    section_layers(f, m, rows, t->timing);
    section_curves(f, m, &c);
    section_failures(f, m, &c);
    section_boards(f, &c);
    rc = section_knobs(f, &c, err);
  }
  if (!rc) {
    if (o->peers) section_peers(f, o);
    fputs("</body>\n</html>\n", f);
    if (fflush(f) || ferror(f)) rc = qt_fail(err, QT_EIO, "report: cannot write the page");
  }
  collected_free(&c);
  free(rows);
  return rc;
}
