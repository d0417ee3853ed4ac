/* remeasure.c — times the best configs of two tuning logs of one model against each other,
 * interleaved in one run, so "how close does run A come to run B" is not a comparison of
 * numbers taken at different times on a noisy machine (bench/budget.sh: a default tune
 * against one with 4x the trials).
 *
 * For every task (distinct workload) of the model it takes each log's best config
 * (qt_db_best, what `tune` reports) and the default config, builds them as tune does (the
 * same cache), and runs them in rounds: every round runs each task's three configs once (the
 * order rotating from round to round), with tune's harness and its correctness check. A
 * config's time is its median over the rounds; a model total weights each task by its layer
 * count. Prints per task and the totals, and the total of A over the total of B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"
#include "tuner/run/measure.h"

#define N_CONF 3 /* default, A's best, B's best */
static const char *const conf_name[N_CONF] = {"default", "A", "B"};

typedef struct task_run {
  qt_artifact art[N_CONF];
  uint64_t expected;
  double *times; /* N_CONF * rounds: per round, the run's median ns */
} task_run;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median_of(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The best config of task in log path, into c. */
static int best_config(const char *path, const qt_task *task, const qt_space *sp,
                       const char *target, qt_config *c, qt_err *err) {
  qt_db *db;
  int rc = qt_db_open(path, 5000, &db, err);
  if (rc) return rc;
  qt_db_row row;
  int found = 0;
  rc = qt_db_best(db, task->key, target, &row, &found, err);
  qt_db_close(db);
  if (rc) return rc;
  if (!found) return qt_fail(err, QT_ENOTFOUND, "%s holds no ok measurement of %s", path,
                             task->key);
  char knobs[QT_KNOBS_MAX + 64];
  snprintf(knobs, sizeof knobs, "%s", row.knobs);
  return qt_config_parse(sp, knobs, c, err);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: remeasure --model M --db-a A.db --db-b B.db [options]\n"
          "Times each task's default config and the best configs of logs A and B, interleaved\n"
          "in rounds, and prints per task and model totals (layer-weighted) and A/B.\n"
          "  --layers LIST     only these layers of the model\n"
          "  --target T        target (default: host)\n"
          "  --rounds N        interleaved rounds (default 11)\n"
          "  --configs DIR     configs directory (default: the source tree's)\n"
          "  --kernels DIR     kernels directory (default: the source tree's)\n"
          "  --cache-dir DIR   artifact cache (use tune's to reuse its builds)\n");
}

int main(int argc, char **argv) {
  const char *model = NULL, *layers = NULL, *target = "host", *a_path = NULL, *b_path = NULL,
             *configs = QT_SOURCE_DIR "/configs", *kernels = QT_SOURCE_DIR "/kernels",
             *cache = "remeasure-cache";
  int rounds = 11;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    }
    char *end = NULL;
    if (!v) {
      fprintf(stderr, "remeasure: %s: unknown option or missing value\n", a);
      return 2;
    }
    i++;
    if (strcmp(a, "--model") == 0) model = v;
    else if (strcmp(a, "--layers") == 0) layers = v;
    else if (strcmp(a, "--target") == 0) target = v;
    else if (strcmp(a, "--db-a") == 0) a_path = v;
    else if (strcmp(a, "--db-b") == 0) b_path = v;
    else if (strcmp(a, "--configs") == 0) configs = v;
    else if (strcmp(a, "--kernels") == 0) kernels = v;
    else if (strcmp(a, "--cache-dir") == 0) cache = v;
    else if (strcmp(a, "--rounds") == 0 && (rounds = (int)strtol(v, &end, 10), *end == '\0') &&
             rounds > 0 && rounds <= 1000) {
    } else {
      fprintf(stderr, "remeasure: %s %s: unknown option or bad value\n", a, v);
      usage(stderr);
      return 2;
    }
  }
  if (!model || !a_path || !b_path) {
    fprintf(stderr, "remeasure: --model, --db-a and --db-b are required\n");
    usage(stderr);
    return 2;
  }
  qt_err err;
  qt_target t;
  qt_model m;
  if (qt_target_load(configs, target, &t, &err) || qt_model_load(configs, model, &m, &err) ||
      (layers && qt_model_select_layers(&m, layers, &err))) {
    fprintf(stderr, "remeasure: %s\n", err.msg);
    return 1;
  }
  qt_build_ctx bctx;
  if (qt_build_ctx_init(&bctx, kernels, cache, &t, 300000, &err)) {
    fprintf(stderr, "remeasure: %s\n", err.msg);
    return 1;
  }
  task_run *tr = calloc((size_t)m.n_tasks, sizeof *tr);
  if (!tr) return 1;
  qt_protocol p = QT_PROTOCOL_DEFAULTS;
  for (int k = 0; k < m.n_tasks; k++) {
    const qt_task *task = &m.tasks[k];
    qt_space sp;
    qt_config c[N_CONF];
    if (qt_space_init(&sp, &task->w, &t, &err) || qt_space_default(&sp, &c[0]) ||
        best_config(a_path, task, &sp, t.name, &c[1], &err) ||
        best_config(b_path, task, &sp, t.name, &c[2], &err) ||
        qt_expected_checksum(&task->w, p.data_seed, &tr[k].expected, &err)) {
      fprintf(stderr, "remeasure: task %s: %s\n", task->key, err.msg);
      return 1;
    }
    tr[k].times = calloc((size_t)N_CONF * (size_t)rounds, sizeof *tr[k].times);
    for (int j = 0; j < N_CONF; j++)
      if (qt_build_variant(&bctx, &task->w, &c[j], &tr[k].art[j], &err) ||
          tr[k].art[j].status != QT_STATUS_OK) {
        fprintf(stderr, "remeasure: task %s: %s config does not build: %s\n", task->key,
                conf_name[j], tr[k].art[j].error);
        return 1;
      }
  }
  char store[16][32];
  char *args[17];
  qt_protocol_args(&p, 0, store, args);
  for (int r = 0; r < rounds; r++)
    for (int k = 0; k < m.n_tasks; k++)
      for (int jj = 0; jj < N_CONF; jj++) {
        int j = (jj + r) % N_CONF; /* rotate who runs first */
        char *argv_run[18];
        argv_run[0] = tr[k].art[j].path;
        for (int a = 0; a < 17; a++) argv_run[a + 1] = args[a];
        qt_proc_result res;
        qt_outcome o;
        memset(&res, 0, sizeof res);
        memset(&o, 0, sizeof o);
        o.m.error = o.error;
        if (qt_proc_run(argv_run, 60000, 1 << 20, &res, &err)) {
          fprintf(stderr, "remeasure: %s\n", err.msg);
          return 1;
        }
        qt_judge_run(&res, 1, 60000, tr[k].expected, &o);
        qt_proc_result_free(&res);
        if (o.m.status != QT_STATUS_OK) {
          fprintf(stderr, "remeasure: task %s: %s config: %s %s\n", m.tasks[k].key,
                  conf_name[j], qt_status_name(o.m.status), o.error);
          return 1;
        }
        tr[k].times[j * rounds + r] = o.m.median_ns;
      }
  double total[N_CONF] = {0};
  printf("%-48s %6s %11s %11s %11s %7s\n", "task (layers)", "layers", "default_us", "A_us",
         "B_us", "A/B");
  for (int k = 0; k < m.n_tasks; k++) {
    double med[N_CONF];
    for (int j = 0; j < N_CONF; j++) {
      med[j] = median_of(tr[k].times + j * rounds, rounds);
      total[j] += med[j] * m.tasks[k].n_layers;
    }
    printf("%-48.48s %6d %11.1f %11.1f %11.1f %7.3f\n", m.layers[m.tasks[k].layers[0]].name,
           m.tasks[k].n_layers, med[0] / 1e3, med[1] / 1e3, med[2] / 1e3, med[1] / med[2]);
    free(tr[k].times);
  }
  printf("total (%s, %d tasks, medians of %d interleaved rounds): default %.1f us, A %.1f us, "
         "B %.1f us; A/B %.3f\n",
         m.name, m.n_tasks, rounds, total[0] / 1e3, total[1] / 1e3, total[2] / 1e3,
         total[1] / total[2]);
  free(tr);
  qt_model_free(&m);
  return 0;
}
