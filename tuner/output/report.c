/* report.c — per-layer answers from the log (report.h). Times are the median per kernel run
 * of the best measurement; a layer whose workload has no ok measurement is reported as such,
 * never with an invented number. */
#include "tuner/output/report.h"

#include <string.h>

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
  fprintf(f, "%-18s %-64s %11s %11s %8s  %s\n", "layer", "workload", "default_us", "best_us",
          "speedup", "config");
  double total_def = 0, total_best = 0;
  int missing = 0, missing_def = 0, confirmed = 0;
  for (int i = 0; i < m->n_layers; i++) {
    const qt_layer_report *r = &rows[i];
    const char *key = m->tasks[r->layer->task].key;
    char def[32] = "-", best[32] = "-", speedup[32] = "-";
    if (r->has_default) {
      snprintf(def, sizeof def, "%.1f", r->default_ns / 1e3);
      total_def += r->default_ns;
    } else {
      missing_def++;
    }
    if (r->has_best) {
      snprintf(best, sizeof best, "%.1f%s", r->best.median_ns / 1e3, r->best.confirmed ? "*" : "");
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
    else
      snprintf(config, sizeof config, "(no ok measurement)");
    fprintf(f, "%-18s %-64s %11s %11s %8s  %s\n", r->layer->name, key, def, best, speedup, config);
  }
  fprintf(f, "total (%s on %s, %d layers): default %.1f us, best %.1f us", m->name, t->name,
          m->n_layers, total_def / 1e3, total_best / 1e3);
  if (total_best > 0 && !missing && !missing_def)
    fprintf(f, ", speedup %.2fx", total_def / total_best);
  fputc('\n', f);
  if (confirmed)
    fprintf(f, "*: best re-measured against its runners-up, interleaved (%d layers)\n", confirmed);
  if (missing) fprintf(f, "warning: %d layers have no ok measurement (not in the total)\n", missing);
  if (missing_def)
    fprintf(f, "warning: %d layers have no ok measurement of the default config\n", missing_def);
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
static void json_top(FILE *f, const qt_db_row *top, int n) {
  fprintf(f, ", \"top\": [");
  for (int j = 0; j < n; j++) {
    const qt_db_row *r = &top[j];
    fprintf(f, "%s{\"rank\": %d, \"template\": ", j ? ", " : "", j + 1);
    json_str(f, r->template_name);
    fprintf(f, ", \"config\": ");
    json_str(f, r->knobs);
    fprintf(f, ", \"median_us\": %.3f, \"min_us\": %.3f, \"max_us\": %.3f, \"board\": ",
            r->median_ns / 1e3, r->min_ns / 1e3, r->max_ns / 1e3);
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
      fprintf(f, ", \"median_us\": %.3f, \"min_us\": %.3f, \"max_us\": %.3f, \"board\": ",
              r->best.median_ns / 1e3, r->best.min_ns / 1e3, r->best.max_ns / 1e3);
      json_str(f, r->best.board);
      fprintf(f, ", \"source_hash\": ");
      json_str(f, r->best.source_hash);
      fprintf(f, ", \"protocol\": ");
      json_str(f, r->best.protocol);
      fprintf(f, ", \"measurement_id\": %lld, \"measured_at\": ", (long long)r->best.measurement_id);
      json_str(f, r->best.measured_at);
      fprintf(f, ", \"confirmed\": %s", r->best.confirmed ? "true" : "false");
    } else {
      fprintf(f, ", \"template\": null, \"config\": null, \"median_us\": null");
    }
    fprintf(f, ", \"default_config\": ");
    json_str(f, r->default_knobs);
    if (r->has_default) fprintf(f, ", \"default_us\": %.3f", r->default_ns / 1e3);
    else fprintf(f, ", \"default_us\": null");
    if (top) json_top(f, &top[(size_t)i * (size_t)k], n_top[i]);
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
  fprintf(f, "%-18s %4s %11s  %-10s %8s  %s\n", "layer", "rank", "median_us", "board", "record",
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
      fprintf(f, "%-18s %4d %11.1f  %-10s %8lld  %s\n", m->layers[i].name, j + 1,
              r->median_ns / 1e3, r->board, (long long)r->measurement_id, r->knobs);
    }
  }
  fprintf(f, "top %d of %s on %s: %d layers", k, m->name, t->name, m->n_layers);
  if (missing) fprintf(f, ", %d without an ok measurement", missing);
  fputc('\n', f);
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

void qt_report_print_csv(FILE *f, const qt_model *m, const qt_db_row *top, const int *n_top,
                         int k) {
  fprintf(f, "layer,workload,rank,template,config,median_us,min_us,max_us,board,source_hash,"
             "measurement_id,measured_at\r\n");
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
      fprintf(f, ",%.3f,%.3f,%.3f,", r->median_ns / 1e3, r->min_ns / 1e3, r->max_ns / 1e3);
      csv_str(f, r->board);
      fputc(',', f);
      csv_str(f, r->source_hash);
      fprintf(f, ",%lld,", (long long)r->measurement_id);
      csv_str(f, r->measured_at);
      fprintf(f, "\r\n");
    }
  }
}
