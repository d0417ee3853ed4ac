/* report.c — per-layer answers from the log (report.h). Times are the median per kernel run
 * of the best measurement; a layer whose workload has no ok measurement is reported as such,
 * never with an invented number. */
#include "tuner/output/report.h"

#include <string.h>

/* A logged value (ns, or instructions for an icount target) as the reports show it: us with
 * one decimal, or a whole count. */
static void fmt_value(char *buf, size_t cap, double v, qt_timing t) {
  snprintf(buf, cap, t == QT_TIMING_ICOUNT ? "%.0f" : "%.1f", v / qt_timing_divisor(t));
}

/* Says what the numbers are when they are not plain wall-clock time. */
static void print_unit_note(FILE *f, qt_timing t) {
  if (t == QT_TIMING_EMULATED)
    fprintf(f, "unit: %s: the emulator's wall clock, not the CPU's speed\n", qt_timing_unit(t));
  else if (t == QT_TIMING_ICOUNT)
    fprintf(f, "unit: %s: instructions executed, counted by the emulator, not time\n",
            qt_timing_unit(t));
}

int qt_report_collect(qt_db *db, const qt_model *m, const qt_target *t, qt_layer_report *rows,
                      qt_err *err) {
  for (int i = 0; i < m->n_layers; i++) {
    qt_layer_report *r = &rows[i];
    memset(r, 0, sizeof *r);
    r->layer = &m->layers[i];
    const qt_task *task = &m->tasks[r->layer->task];
    int rc = qt_db_best(db, task->key, t->name, &r->best, &r->has_best, err);
    if (rc) return rc;
    qt_space space;
    qt_config def;
    r->unsupported = !qt_space_fits(&task->w, t, NULL, 0);
    if (qt_space_init(&space, &task->w, t, err) == 0 && qt_space_default(&space, &def) == 0) {
      qt_config_format(&def, r->default_knobs, sizeof r->default_knobs);
      rc = qt_db_config_time(db, task->key, t->name, def.tpl->name, r->default_knobs,
                             &r->default_ns, &r->has_default, err);
      if (rc) return rc;
      /* When the default config is the best, both columns show the best's figure: its
       * fastest single sample against its re-measured median would read as a loss. */
      if (r->has_best && r->has_default && strcmp(r->best.knobs, r->default_knobs) == 0)
        r->default_ns = r->best.median_ns;
      /* A confirmed best is a median over interleaved rounds in which the default ran too:
       * set the default's median over those same rounds beside it, not its luckiest sample
       * (which could make the verdict's winner read as slower than the default). */
      int in_rounds = 0;
      double rounds_ns = 0;
      if (r->has_best && r->best.confirmed && r->has_default &&
          (rc = qt_db_verdict_config_time(db, task->key, t->name, def.tpl->name,
                                          r->default_knobs, &rounds_ns, &in_rounds, err)))
        return rc;
      if (in_rounds) r->default_ns = rounds_ns;
    }
  }
  return 0;
}

void qt_report_print_table(FILE *f, const qt_model *m, const qt_target *t,
                           const qt_layer_report *rows) {
  const char *sfx = qt_timing_suffix(t->timing);
  char h_def[32], h_best[32];
  snprintf(h_def, sizeof h_def, "default_%s", sfx);
  snprintf(h_best, sizeof h_best, "best_%s", sfx);
  fprintf(f, "%-18s %-64s %11s %11s %8s  %s\n", "layer", "workload", h_def, h_best, "speedup",
          "config");
  double total_def = 0, total_best = 0;
  int missing = 0, missing_def = 0, confirmed = 0;
  for (int i = 0; i < m->n_layers; i++) {
    const qt_layer_report *r = &rows[i];
    const char *key = m->tasks[r->layer->task].key;
    char def[32] = "-", best[32] = "-", speedup[32] = "-";
    if (r->has_default) {
      fmt_value(def, sizeof def, r->default_ns, t->timing);
      total_def += r->default_ns;
    } else {
      missing_def++;
    }
    if (r->has_best) {
      fmt_value(best, sizeof best - 1, r->best.median_ns, t->timing);
      if (r->best.confirmed) strcat(best, "*");
      total_best += r->best.median_ns;
      confirmed += r->best.confirmed;
    } else {
      missing++;
    }
    if (r->has_best && r->has_default)
      snprintf(speedup, sizeof speedup, "%.2fx", r->default_ns / r->best.median_ns);
    char config[QT_KNOBS_MAX + 80];
    if (r->has_best)
      snprintf(config, sizeof config, "%s:%s", r->best.template_name,
               strchr(r->best.knobs, ':') ? strchr(r->best.knobs, ':') + 1 : r->best.knobs);
    else if (r->unsupported)
      snprintf(config, sizeof config, "(unsupported on %s: its data does not fit the SRAM; "
               "tune space says by how much)", t->name);
    else
      snprintf(config, sizeof config, "(no ok measurement)");
    fprintf(f, "%-18s %-64s %11s %11s %8s  %s\n", r->layer->name, key, def, best, speedup, config);
  }
  char tdef[32], tbest[32];
  fmt_value(tdef, sizeof tdef, total_def, t->timing);
  fmt_value(tbest, sizeof tbest, total_best, t->timing);
  const char *word = t->timing == QT_TIMING_ICOUNT ? "instructions" : "us";
  fprintf(f, "total (%s on %s, %d layers): default %s %s, best %s %s", m->name, t->name,
          m->n_layers, tdef, word, tbest, word);
  if (total_best > 0 && !missing && !missing_def)
    fprintf(f, ", speedup %.2fx", total_def / total_best);
  fputc('\n', f);
  print_unit_note(f, t->timing);
  if (confirmed)
    fprintf(f, "*: best re-measured against its runners-up, interleaved (%d layers)\n", confirmed);
  int unsupported = 0;
  for (int i = 0; i < m->n_layers; i++) unsupported += rows[i].unsupported;
  if (unsupported)
    fprintf(f, "%d layers are unsupported on %s (not in the total)\n", unsupported, t->name);
  if (missing > unsupported)
    fprintf(f, "warning: %d layers have no ok measurement (not in the total)\n",
            missing - unsupported);
  if (missing_def > unsupported)
    fprintf(f, "warning: %d layers have no ok measurement of the default config\n",
            missing_def - unsupported);
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

/* Prints ", \"top\": [...]" for k best rows of one layer. */
static void json_top(FILE *f, const qt_db_row *top, int n, qt_timing t) {
  const char *sfx = qt_timing_suffix(t);
  const double div = qt_timing_divisor(t);
  fprintf(f, ", \"top\": [");
  for (int j = 0; j < n; j++) {
    const qt_db_row *r = &top[j];
    fprintf(f, "%s{\"rank\": %d, \"template\": ", j ? ", " : "", j + 1);
    json_str(f, r->template_name);
    fprintf(f, ", \"config\": ");
    json_str(f, r->knobs);
    fprintf(f, ", \"median_%s\": %.3f, \"min_%s\": %.3f, \"max_%s\": %.3f, \"board\": ", sfx,
            r->median_ns / div, sfx, r->min_ns / div, sfx, r->max_ns / div);
    json_str(f, r->board);
    fprintf(f, ", \"source_hash\": ");
    json_str(f, r->source_hash);
    fprintf(f, ", \"measurement_id\": %lld, \"measured_at\": ", (long long)r->measurement_id);
    json_str(f, r->measured_at);
    fputc('}', f);
  }
  fputc(']', f);
}

static void print_json(FILE *f, const qt_model *m, const qt_target *t,
                       const qt_layer_report *rows, const qt_db_row *top, const int *n_top,
                       int k);

void qt_report_print_json(FILE *f, const qt_model *m, const qt_target *t,
                          const qt_layer_report *rows) {
  print_json(f, m, t, rows, NULL, NULL, 0);
}

void qt_report_print_topk_json(FILE *f, const qt_model *m, const qt_target *t,
                               const qt_layer_report *rows, const qt_db_row *top,
                               const int *n_top, int k) {
  print_json(f, m, t, rows, top, n_top, k);
}

/* The JSON document; with top (k per layer) each layer also gets its "top" array. */
static void print_json(FILE *f, const qt_model *m, const qt_target *t,
                       const qt_layer_report *rows, const qt_db_row *top, const int *n_top,
                       int k) {
  fprintf(f, "{\"model\": ");
  json_str(f, m->name);
  fprintf(f, ", \"target\": ");
  json_str(f, t->name);
  const char *sfx = qt_timing_suffix(t->timing);
  const double div = qt_timing_divisor(t->timing);
  fprintf(f, ", \"unit\": ");
  json_str(f, qt_timing_unit(t->timing));
  fprintf(f, ", \"layers\": [");
  for (int i = 0; i < m->n_layers; i++) {
    const qt_layer_report *r = &rows[i];
    const qt_task *task = &m->tasks[r->layer->task];
    char hash[20];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)qt_workload_hash(&task->w));
    fprintf(f, "%s\n  {\"layer\": ", i ? "," : "");
    json_str(f, r->layer->name);
    fprintf(f, ", \"workload\": ");
    json_str(f, task->key);
    fprintf(f, ", \"workload_hash\": \"%s\", \"macs\": %llu", hash,
            (unsigned long long)qt_workload_macs(&task->w));
    if (r->has_best) {
      fprintf(f, ", \"template\": ");
      json_str(f, r->best.template_name);
      fprintf(f, ", \"config\": ");
      json_str(f, r->best.knobs);
      fprintf(f, ", \"median_%s\": %.3f, \"min_%s\": %.3f, \"max_%s\": %.3f, \"board\": ", sfx,
              r->best.median_ns / div, sfx, r->best.min_ns / div, sfx, r->best.max_ns / div);
      json_str(f, r->best.board);
      fprintf(f, ", \"source_hash\": ");
      json_str(f, r->best.source_hash);
      fprintf(f, ", \"protocol\": ");
      json_str(f, r->best.protocol);
      fprintf(f, ", \"measurement_id\": %lld, \"measured_at\": ", (long long)r->best.measurement_id);
      json_str(f, r->best.measured_at);
      fprintf(f, ", \"confirmed\": %s", r->best.confirmed ? "true" : "false");
    } else {
      fprintf(f, ", \"template\": null, \"config\": null, \"median_%s\": null", sfx);
    }
    fprintf(f, ", \"default_config\": ");
    json_str(f, r->default_knobs);
    if (r->has_default) fprintf(f, ", \"default_%s\": %.3f", sfx, r->default_ns / div);
    else fprintf(f, ", \"default_%s\": null", sfx);
    if (top) json_top(f, &top[(size_t)i * (size_t)k], n_top[i], t->timing);
    fputc('}', f);
  }
  fprintf(f, "\n]}\n");
}

int qt_report_collect_topk(qt_db *db, const qt_model *m, const qt_target *t, int k,
                           qt_db_row *top, int *n_top, qt_err *err) {
  for (int i = 0; i < m->n_layers; i++) {
    const qt_task *task = &m->tasks[m->layers[i].task];
    int rc = qt_db_topk(db, task->key, t->name, k, &top[(size_t)i * (size_t)k], &n_top[i], err);
    if (rc) return rc;
  }
  return 0;
}

void qt_report_print_topk_text(FILE *f, const qt_model *m, const qt_target *t,
                               const qt_db_row *top, const int *n_top, int k) {
  char h_med[32];
  snprintf(h_med, sizeof h_med, "median_%s", qt_timing_suffix(t->timing));
  fprintf(f, "%-18s %4s %11s  %-10s %8s  %s\n", "layer", "rank", h_med, "board", "record",
          "config");
  int missing = 0;
  for (int i = 0; i < m->n_layers; i++) {
    if (n_top[i] == 0) {
      fprintf(f, "%-18s %4s %11s  %-10s %8s  (no ok measurement of %s)\n", m->layers[i].name,
              "-", "-", "-", "-", m->tasks[m->layers[i].task].key);
      missing++;
    }
    for (int j = 0; j < n_top[i]; j++) {
      const qt_db_row *r = &top[(size_t)i * (size_t)k + (size_t)j];
      char med[32];
      fmt_value(med, sizeof med, r->median_ns, t->timing);
      fprintf(f, "%-18s %4d %11s  %-10s %8lld  %s\n", m->layers[i].name, j + 1, med, r->board,
              (long long)r->measurement_id, r->knobs);
    }
  }
  fprintf(f, "top %d of %s on %s: %d layers", k, m->name, t->name, m->n_layers);
  if (missing) fprintf(f, ", %d without an ok measurement", missing);
  fputc('\n', f);
  print_unit_note(f, t->timing);
}

/* One CSV field: quoted (with doubled quotes) when it holds a comma, quote or line break. */
static void csv_str(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void qt_report_print_csv(FILE *f, const qt_model *m, const qt_target *t, const qt_db_row *top,
                         const int *n_top, int k) {
  const char *sfx = qt_timing_suffix(t->timing);
  const double div = qt_timing_divisor(t->timing);
  fprintf(f, "layer,workload,rank,template,config,median_%s,min_%s,max_%s,board,source_hash,"
             "measurement_id,measured_at\r\n", sfx, sfx, sfx);
  for (int i = 0; i < m->n_layers; i++) {
    const char *key = m->tasks[m->layers[i].task].key;
    if (n_top[i] == 0) {
      csv_str(f, m->layers[i].name);
      fputc(',', f);
      csv_str(f, key);
      fprintf(f, ",,,,,,,,,,\r\n");
    }
    for (int j = 0; j < n_top[i]; j++) {
      const qt_db_row *r = &top[(size_t)i * (size_t)k + (size_t)j];
      csv_str(f, m->layers[i].name);
      fputc(',', f);
      csv_str(f, key);
      fprintf(f, ",%d,", j + 1);
      csv_str(f, r->template_name);
      fputc(',', f);
      csv_str(f, r->knobs);
      fprintf(f, ",%.3f,%.3f,%.3f,", r->median_ns / div, r->min_ns / div, r->max_ns / div);
      csv_str(f, r->board);
      fputc(',', f);
      csv_str(f, r->source_hash);
      fprintf(f, ",%lld,", (long long)r->measurement_id);
      csv_str(f, r->measured_at);
      fprintf(f, "\r\n");
    }
  }
}
