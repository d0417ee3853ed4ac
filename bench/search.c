/* search.c — bench/search: how few trials each strategy needs, replayed from a recorded log.
 *
 * The log (a qtune tuning log, or a fixture "key|config|median_ns" file) holds measured
 * configs of several workloads of one target: every valid config, or a large sample of them.
 * Each strategy is replayed on each workload with several seeds, in process and without noise:
 * trial 1 is the default config (as tune measures it first), then the strategy proposes in
 * batches of 8 and every proposal is answered with its logged median. A sampled log is replayed
 * as the space it sampled: valid configs the log lacks are excluded before the first proposal,
 * so no strategy can propose them (the strategies already honour exclusions: the default).
 *
 * Per strategy and workload it prints the median over seeds of the trials to reach within 5 %
 * of the log's best (">N" when half the seeds never did within the cap) and the median
 * best-so-far ratio (best so far / log's best) at 8, 16, 32 and 64 trials. "model" learns from
 * the other workloads' records (transfer, as tune does by default), "model-notransfer" does
 * not: on each workload, held out from its own transfer, their difference is what transfer
 * saves. Medians over all workloads and seeds come twice: "all", and "all-hard" without the
 * workloads whose default config is already within 5 % of the best (trial 1 for every
 * strategy, which says nothing about search). "model-anneal" is "model" with simulated annealing proposals instead of exhaustive
 * scoring (what spaces above 20,000 valid configs get). No timing: the log is data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "schedules/space.h"
#include "tuner/base/config.h"
#include "tuner/search/search.h"

#define MAX_WORKLOADS 32
#define BATCH 8
#define WITHIN 1.05
static const int marks[] = {8, 16, 32, 64};
#define N_MARKS 4

typedef struct workload {
  char key[QT_KEY_MAX];
  qt_space space;
  uint64_t size;    /* qt_space_size */
  double *cost;     /* size: logged median ns, NAN where the log has none */
  uint64_t n_logged, n_valid;
  double best;
  int default_close; /* the default config is logged and within 5 % of the best */
} workload;

typedef struct bench {
  qt_target target;
  workload w[MAX_WORKLOADS];
  int n;
  int skipped; /* rows the current code cannot read back */
} bench;

typedef struct strategy_run {
  const char *label; /* in the table */
  const char *kind;  /* qt_strategy_create's name */
  int transfer;
  qt_proposals how;
} strategy_run;

static const strategy_run runs[] = {
    {"random", "random", 0, QT_PROPOSALS_AUTO},
    {"grid", "grid", 0, QT_PROPOSALS_AUTO},
    {"ga", "ga", 0, QT_PROPOSALS_AUTO},
    {"model", "model", 1, QT_PROPOSALS_AUTO},
    {"model-notransfer", "model", 0, QT_PROPOSALS_AUTO},
    {"model-anneal", "model", 1, QT_PROPOSALS_ANNEAL},
};
#define N_RUNS (sizeof runs / sizeof runs[0])

/* One logged measurement; the lowest median of a config wins. */
static int add_row(void *ctx, const char *key, const char *tpl, const char *knobs,
                   double median_ns) {
  bench *b = ctx;
  (void)tpl;
  int i = 0;
  while (i < b->n && strcmp(b->w[i].key, key) != 0) i++;
  qt_err err;
  if (i == b->n) {
    if (b->n == MAX_WORKLOADS) {
      fprintf(stderr, "search_bench: more than %d workloads in the log\n", MAX_WORKLOADS);
      return QT_EINVAL;
    }
    workload *w = &b->w[i];
    qt_workload wl;
    memset(w, 0, sizeof *w);
    snprintf(w->key, sizeof w->key, "%s", key);
    if (qt_workload_parse(key, &wl, &err) || qt_space_init(&w->space, &wl, &b->target, &err)) {
      fprintf(stderr, "search_bench: workload %s: %s\n", key, err.msg);
      return QT_EINVAL;
    }
    w->size = qt_space_size(&w->space);
    w->cost = malloc(sizeof *w->cost * (size_t)w->size);
    if (!w->cost) return QT_ENOMEM;
    for (uint64_t k = 0; k < w->size; k++) w->cost[k] = NAN;
    w->best = INFINITY;
    b->n++;
  }
  workload *w = &b->w[i];
  qt_config c;
  if (qt_config_parse(&w->space, knobs, &c, &err) || median_ns <= 0) {
    b->skipped++;
    return 0;
  }
  uint64_t idx = qt_space_encode(&w->space, &c);
  if (isnan(w->cost[idx])) w->n_logged++;
  if (isnan(w->cost[idx]) || median_ns < w->cost[idx]) w->cost[idx] = median_ns;
  if (median_ns < w->best) w->best = median_ns;
  return 0;
}

/* "key|config|median_ns" lines, '#' comments (the unit tests' fixture format). */
static int read_psv(const char *path, bench *b) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return QT_EIO;
  }
  char line[1024];
  int rc = 0, lineno = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    lineno++;
    if (line[0] == '#' || line[0] == '\n') continue;
    char *key = strtok(line, "|"), *cfg = strtok(NULL, "|"), *med = strtok(NULL, "|\n");
    char *end = NULL;
    double m = med ? strtod(med, &end) : 0;
    if (!key || !cfg || !med || end == med || *end != '\0') {
      fprintf(stderr, "%s:%d: expected key|config|median_ns\n", path, lineno);
      rc = QT_EINVAL;
    } else {
      const char *colon = strchr(cfg, ':');
      char tpl[64];
      snprintf(tpl, sizeof tpl, "%.*s", colon ? (int)(colon - cfg) : 0, cfg);
      rc = add_row(b, key, tpl, cfg, m);
    }
  }
  fclose(f);
  return rc;
}

static int read_log(const char *path, bench *b) {
  size_t len = strlen(path);
  if (len > 4 && strcmp(path + len - 4, ".psv") == 0) return read_psv(path, b);
  if (access(path, R_OK) != 0) {
    perror(path);
    return QT_EIO;
  }
  qt_db *db;
  qt_err err;
  int rc = qt_db_open(path, 5000, &db, &err);
  if (!rc) {
    rc = qt_db_history(db, b->target.name, "", add_row, b, &err);
    qt_db_close(db);
  }
  if (rc) fprintf(stderr, "search_bench: %s: %s\n", path, err.msg);
  return rc;
}

/* Replays strategy r on workload wi with seed for up to cap trials, or until it is within 5 %
 * of the best and past the last mark. Best-so-far after each trial into curve[cap]; the trials
 * actually run, or -1 on an error. */
static int64_t replay(bench *b, const strategy_run *r, int wi, uint64_t seed, int64_t cap,
                      double *curve) {
  workload *w = &b->w[wi];
  qt_strategy *s;
  qt_err err;
  if (qt_strategy_create(r->kind, &w->space, seed, &s, &err)) {
    fprintf(stderr, "search_bench: %s\n", err.msg);
    return -1;
  }
  qt_strategy_model_proposals(s, r->how);
  for (uint64_t i = 0; i < s->n_valid; i++)
    if (isnan(w->cost[s->valid[i]])) qt_strategy_exclude(s, s->valid[i]);
  for (int o = 0; r->transfer && o < b->n; o++) {
    if (o == wi) continue;
    qt_config *cfg = malloc(sizeof *cfg * (size_t)b->w[o].n_logged);
    double *cost = malloc(sizeof *cost * (size_t)b->w[o].n_logged);
    int n = 0;
    for (uint64_t k = 0; cfg && cost && k < b->w[o].size; k++) {
      if (isnan(b->w[o].cost[k])) continue;
      qt_space_decode(&b->w[o].space, k, &cfg[n]);
      cost[n++] = b->w[o].cost[k];
    }
    int rc = cfg && cost ? qt_strategy_learn_other(s, &b->w[o].space, cfg, cost, n) : QT_ENOMEM;
    free(cfg);
    free(cost);
    if (rc) {
      qt_strategy_destroy(s);
      return -1;
    }
  }
  int64_t t = 0;
  double best = INFINITY;
  qt_config def;
  if (qt_space_default(&w->space, &def) == 0) {
    uint64_t d = qt_space_encode(&w->space, &def);
    if (!isnan(w->cost[d])) {
      qt_strategy_exclude(s, d);
      s->ops->update(s, &d, &w->cost[d], 1);
      best = w->cost[d];
      curve[t++] = best;
    }
  }
  uint64_t batch[BATCH];
  double costs[BATCH];
  int got;
  while (t < cap && !(t >= marks[N_MARKS - 1] && best <= WITHIN * w->best) &&
         (got = s->ops->next_batch(s, batch, BATCH)) > 0) {
    for (int i = 0; i < got; i++) {
      costs[i] = w->cost[batch[i]];
      if (isnan(costs[i])) { /* an excluded config: a strategy broke its promise */
        fprintf(stderr, "search_bench: %s proposed config %llu that the log lacks\n", r->label,
                (unsigned long long)batch[i]);
        qt_strategy_destroy(s);
        return -1;
      }
      if (t < cap) {
        if (costs[i] < best) best = costs[i];
        curve[t++] = best;
      }
    }
    s->ops->update(s, batch, costs, got);
  }
  qt_strategy_destroy(s);
  return t;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median of v[n] (sorted in place); INFINITY counts as larger than everything. */
static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  if (n == 0) return NAN;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The summary of one strategy on one workload (or all of them), over its runs. */
typedef struct summary {
  double trials;          /* median trials to within 5 %; INFINITY: not reached */
  double ratio[N_MARKS];  /* median best-so-far / best */
} summary;

/* Per run: trials to within 5 % (INFINITY if never) and the ratios at the marks (the last
 * best-so-far when the run ended earlier, which it only does once within 5 %). */
static void run_stats(const workload *w, const double *curve, int64_t t, double *trials,
                      double *ratio) {
  *trials = INFINITY;
  for (int64_t i = 0; i < t; i++)
    if (curve[i] <= WITHIN * w->best) {
      *trials = (double)(i + 1);
      break;
    }
  for (int k = 0; k < N_MARKS; k++) {
    int64_t at = marks[k] <= t ? marks[k] - 1 : t - 1;
    ratio[k] = t > 0 ? curve[at] / w->best : NAN;
  }
}

static void fmt_trials(double v, int64_t cap, char *buf, size_t n) {
  if (isinf(v)) snprintf(buf, n, ">%lld", (long long)cap);
  else snprintf(buf, n, "%.1f", v);
}

/* A row's name in the table: "w3" (the workload list says which), "all", or "all-hard" (the
 * workloads whose default config is not already within 5 % of the best). */
static void row_name(const bench *b, int wi, char *buf, size_t cap) {
  if (wi < b->n) snprintf(buf, cap, "w%d", wi + 1);
  else snprintf(buf, cap, "%s", wi == b->n ? "all" : "all-hard");
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: search_bench --log FILE [options]\n"
          "Replays every strategy on every workload of a recorded log (offline, exact) and\n"
          "prints trials to reach within 5 %% of the log's best and best-so-far ratios.\n"
          "  --log FILE          a qtune tuning log (.db), or a key|config|median_ns file (.psv)\n"
          "  --target NAME       target of the log, from --configs (default: host)\n"
          "  --target-file F     target from a YAML file instead\n"
          "  --configs DIR       configs directory (default: the source tree's)\n"
          "  --seeds N           seeds per strategy and workload (default 5)\n"
          "  --max-trials N      trials per run at most (default: all the log holds)\n"
          "  --strategies LIST   comma-separated subset of random, grid, ga, model,\n"
          "                      model-notransfer, model-anneal (default: all)\n"
          "  --csv FILE          also write the table as CSV (workloads by key; an empty\n"
          "                      trials field: not reached within the cap)\n");
}

static int selected(const char *list, const char *label) {
  if (!list) return 1;
  size_t n = strlen(label);
  for (const char *p = list; *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && strncmp(p, label, n) == 0) return 1;
    p += len + (e != NULL);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *log = NULL, *target = "host", *target_file = NULL, *csv_path = NULL,
             *configs = QT_SOURCE_DIR "/configs", *only = NULL;
  long seeds = 5, max_trials = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (!v) {
      fprintf(stderr, "search_bench: %s: unknown option or missing value\n", a);
      usage(stderr);
      return 2;
    }
    i++;
    if (strcmp(a, "--log") == 0) log = v;
    else if (strcmp(a, "--target") == 0) target = v;
    else if (strcmp(a, "--target-file") == 0) target_file = v;
    else if (strcmp(a, "--configs") == 0) configs = v;
    else if (strcmp(a, "--csv") == 0) csv_path = v;
    else if (strcmp(a, "--strategies") == 0) only = v;
    else if (strcmp(a, "--seeds") == 0 && (seeds = strtol(v, &end, 10), *end == '\0') &&
             seeds > 0 && seeds <= 1000) {
    } else if (strcmp(a, "--max-trials") == 0 &&
               (max_trials = strtol(v, &end, 10), *end == '\0') && max_trials >= N_MARKS) {
    } else {
      fprintf(stderr, "search_bench: %s %s: unknown option or bad value\n", a, v);
      usage(stderr);
      return 2;
    }
  }
  if (!log) {
    fprintf(stderr, "search_bench: --log is required\n");
    usage(stderr);
    return 2;
  }
  for (const char *p = only; p && *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    int known = 0;
    for (size_t r = 0; r < N_RUNS; r++)
      known |= strlen(runs[r].label) == len && strncmp(p, runs[r].label, len) == 0;
    if (!known) {
      fprintf(stderr, "search_bench: --strategies: unknown strategy '%.*s'\n", (int)len, p);
      return 2;
    }
    p += len + (e != NULL);
  }
  static bench b;
  qt_err err;
  if (target_file ? qt_target_load_file(target_file, &b.target, &err)
                  : qt_target_load(configs, target, &b.target, &err)) {
    fprintf(stderr, "search_bench: target: %s\n", err.msg);
    return 1;
  }
  if (read_log(log, &b)) return 1;
  if (b.n == 0) {
    fprintf(stderr, "search_bench: %s holds no ok measurement on target %s\n", log,
            b.target.name);
    return 1;
  }
  FILE *csv = NULL;
  if (csv_path && !(csv = fopen(csv_path, "w"))) {
    perror(csv_path);
    return 1;
  }
  printf("log %s: %d workloads on %s%s\n", log, b.n, b.target.name,
         b.skipped ? " (some rows skipped: configs this version cannot read)" : "");
  int64_t cap_all = 0;
  for (int i = 0; i < b.n; i++) {
    workload *w = &b.w[i];
    w->n_valid = qt_space_count_valid(&w->space);
    qt_config def;
    if (qt_space_default(&w->space, &def) == 0) {
      double d = w->cost[qt_space_encode(&w->space, &def)];
      w->default_close = !isnan(d) && d <= WITHIN * w->best;
    }
    printf("  w%-2d %-72s %5llu of %5llu valid configs logged, best %.1f us%s\n", i + 1,
           w->key, (unsigned long long)w->n_logged, (unsigned long long)w->n_valid, w->best / 1e3,
           w->default_close ? " (the default is within 5 %)" : "");
    if ((int64_t)w->n_logged > cap_all) cap_all = (int64_t)w->n_logged;
  }
  int64_t cap = max_trials ? max_trials : cap_all;
  double *curve = malloc(sizeof *curve * (size_t)cap);
  /* trials[r][w][seed] and ratios, for the summaries. */
  size_t per = (size_t)b.n * (size_t)seeds;
  double *trials = malloc(sizeof *trials * N_RUNS * per);
  double *ratio = malloc(sizeof *ratio * N_RUNS * per * N_MARKS);
  /* [run][workload, all, all whose default is not within 5 %] */
  size_t n_rows = (size_t)b.n + 2;
  double *med = malloc(sizeof *med * N_RUNS * n_rows);
  if (!curve || !trials || !ratio || !med) return 1;
  printf("\n%-17s %-14s %10s %7s %7s %7s %7s\n", "strategy", "workload", "trials-5%", "@8",
         "@16", "@32", "@64");
  if (csv)
    fprintf(csv, "strategy,workload,seeds,median_trials_to_5pct,ratio_8,ratio_16,ratio_32,"
                 "ratio_64\n");
  for (size_t r = 0; r < N_RUNS; r++) {
    if (!selected(only, runs[r].label)) continue;
    for (int wi = 0; wi < (int)n_rows; wi++) {
      int all = wi >= b.n, hard = wi == b.n + 1;
      int n = 0;
      double *tt = malloc(sizeof *tt * per), *rr = malloc(sizeof *rr * per * N_MARKS);
      if (!tt || !rr) return 1;
      for (int w = all ? 0 : wi; w < (all ? b.n : wi + 1); w++)
        for (long sd = 0; sd < seeds && !(hard && b.w[w].default_close); sd++) {
          size_t at = r * per + (size_t)w * (size_t)seeds + (size_t)sd;
          if (!all) {
            int64_t t = replay(&b, &runs[r], w, (uint64_t)sd + 1, cap, curve);
            if (t < 0) return 1;
            run_stats(&b.w[w], curve, t, &trials[at], &ratio[at * N_MARKS]);
          }
          tt[n] = trials[at];
          for (int k = 0; k < N_MARKS; k++) rr[(size_t)k * per + (size_t)n] = ratio[at * N_MARKS + k];
          n++;
        }
      if (n == 0) {
        med[r * n_rows + (size_t)wi] = NAN;
        free(tt);
        free(rr);
        continue;
      }
      summary sm;
      sm.trials = median(tt, n);
      for (int k = 0; k < N_MARKS; k++) sm.ratio[k] = median(rr + (size_t)k * per, n);
      char tbuf[32];
      fmt_trials(sm.trials, cap, tbuf, sizeof tbuf);
      const char *name = !all ? b.w[wi].key : hard ? "all-default-not-within-5pct" : "all";
      char shortname[16];
      row_name(&b, wi, shortname, sizeof shortname);
      med[r * n_rows + (size_t)wi] = sm.trials;
      printf("%-17s %-14s %10s %7.3f %7.3f %7.3f %7.3f\n", runs[r].label, shortname, tbuf,
             sm.ratio[0], sm.ratio[1], sm.ratio[2], sm.ratio[3]);
      if (csv)
        fprintf(csv, "%s,\"%s\",%ld,%s,%.4f,%.4f,%.4f,%.4f\n", runs[r].label, name, seeds,
                isinf(sm.trials) ? "" : tbuf, sm.ratio[0], sm.ratio[1], sm.ratio[2],
                sm.ratio[3]);
      free(tt);
      free(rr);
      fflush(stdout);
    }
  }
  /* Leave-one-workload-out: on each workload, model learnt from the other workloads' records,
   * model-notransfer from nothing. */
  size_t with = 3, without = 4; /* runs[]: model, model-notransfer */
  if (selected(only, runs[with].label) && selected(only, runs[without].label) && b.n > 1) {
    printf("\ntransfer, leave one workload out: median trials to within 5 %%\n");
    printf("%-14s %10s %12s %8s\n", "held out", "transfer", "no transfer", "saved");
    for (int wi = 0; wi < (int)n_rows; wi++) {
      double a = med[with * n_rows + (size_t)wi];
      double z = med[without * n_rows + (size_t)wi];
      if (isnan(a) || isnan(z)) continue;
      char ta[32], tz[32], sv[32] = "-", name[16];
      row_name(&b, wi, name, sizeof name);
      fmt_trials(a, cap, ta, sizeof ta);
      fmt_trials(z, cap, tz, sizeof tz);
      if (!isinf(a) && !isinf(z)) snprintf(sv, sizeof sv, "%.0f %%", 100.0 * (1 - a / z));
      printf("%-14s %10s %12s %8s\n", name, ta, tz, sv);
    }
  }
  free(curve);
  free(trials);
  free(ratio);
  free(med);
  if (csv) fclose(csv);
  return 0;
}
