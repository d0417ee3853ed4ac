/* report.c — per-layer answers from the log (report.h). Times are the median per kernel run
 * of the best measurement; a layer whose workload has no ok measurement is reported as such,
 * never with an invented number. */
#include "tuner/report.h"

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
    }
  }
  return 0;
}

void qt_report_print_table(FILE *f, const qt_model *m, const qt_target *t,
                           const qt_layer_report *rows) {
  fprintf(f, "%-18s %-64s %11s %11s %8s  %s\n", "layer", "workload", "default_us", "best_us",
          "speedup", "config");
  double total_def = 0, total_best = 0;
  int missing = 0, missing_def = 0;
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
      snprintf(best, sizeof best, "%.1f", r->best.median_ns / 1e3);
      total_best += r->best.median_ns;
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

void qt_report_print_json(FILE *f, const qt_model *m, const qt_target *t,
                          const qt_layer_report *rows) {
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
    } else {
      fprintf(f, ", \"template\": null, \"config\": null, \"median_us\": null");
    }
    fprintf(f, ", \"default_config\": ");
    json_str(f, r->default_knobs);
    if (r->has_default) fprintf(f, ", \"default_us\": %.3f", r->default_ns / 1e3);
    else fprintf(f, ", \"default_us\": null");
    fputc('}', f);
  }
  fprintf(f, "\n]}\n");
}
