/* model.c — the cost-model strategy, after AutoTVM's XGBTuner: gradient-boosted trees from
 * XGBoost's C API with a ranking objective (rank:pairwise) learn, from measured configs, which
 * configs are faster; every valid config of the space is scored (the spaces are a few thousand
 * configs, so exhaustive scoring is cheaper than annealing and finds the model's true top)
 * and the next batch is the best-scored untaken ones, kept diverse (no two in a batch differ
 * in a single knob only) with an epsilon of random picks for exploration.
 *
 * The model itself is cost_model.h. Training data: this task's measurements (one ranking group) and, for transfer, records of
 * other workloads on the target (one group each; qt_strategy_learn_other). Labels are
 * best_cost / cost within the group (1 for the group's best, towards 0 for slow ones; 0 for a
 * failure), so only the order within a workload matters. The model is refitted before each
 * batch when something new was learnt. Until it has MIN_FIT ok measurements of this task and
 * no history, it proposes random configs. Deterministic: one XGBoost thread, fixed seed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuner/search/cost_model.h"
#include "tuner/search/features.h"
#include "tuner/search/strategy.h"
#include "tuner/sys/os.h"

#define BATCH 8
#define MIN_FIT 8
#define EPSILON 0.1

typedef struct row_set {
  float *x;      /* n * nf features */
  float *label;  /* n, filled at fit time for the task group */
  double *cost;  /* n: median ns, or < 0 for a failure */
  int n, cap;
} row_set;

typedef struct group {
  int start, n; /* rows of the history set */
} group;

typedef struct model_impl {
  int nf;
  float *cand;        /* n_valid * nf: features of every valid config, enumeration order */
  row_set task;       /* this task's measurements */
  uint64_t *task_idx; /* their indices */
  row_set hist;       /* other workloads' records */
  group *groups;
  int n_groups, cap_groups;
  int n_task_ok;
  int dirty;          /* learnt something since the last fit */
  qt_cost_model *cm;
  int fitted;
  float *score;       /* n_valid: the last fit's scores */
  uint64_t queue[BATCH];
  int queued, queue_pos;
  double *ms;         /* where the time spent fitting and scoring is added */
} model_impl;

static int row_push(row_set *r, int nf, const float *x, double cost) {
  if (r->n == r->cap) {
    int cap = r->cap ? 2 * r->cap : 64;
    float *nx = realloc(r->x, sizeof *nx * (size_t)cap * (size_t)nf);
    if (nx) r->x = nx;
    float *nl = realloc(r->label, sizeof *nl * (size_t)cap);
    if (nl) r->label = nl;
    double *nc = realloc(r->cost, sizeof *nc * (size_t)cap);
    if (nc) r->cost = nc;
    if (!nx || !nl || !nc) return -1;
    r->cap = cap;
  }
  memcpy(r->x + (size_t)r->n * (size_t)nf, x, sizeof *x * (size_t)nf);
  r->cost[r->n++] = cost;
  return 0;
}

/* Position of index in s->valid (sorted ascending), or -1. */
static int64_t valid_pos(const qt_strategy *s, uint64_t index) {
  uint64_t lo = 0, hi = s->n_valid;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (s->valid[mid] < index) lo = mid + 1;
    else hi = mid;
  }
  return lo < s->n_valid && s->valid[lo] == index ? (int64_t)lo : -1;
}

/* best / cost within rows [start, start + n) of r; 0 for failures. */
static void label_group(row_set *r, int start, int n) {
  double best = INFINITY;
  for (int i = start; i < start + n; i++)
    if (r->cost[i] > 0 && r->cost[i] < best) best = r->cost[i];
  for (int i = start; i < start + n; i++)
    r->label[i] = r->cost[i] > 0 ? (float)(best / r->cost[i]) : 0.0f;
}

/* Refits the booster on history + task rows and rescores every candidate. 0, or -1 when
 * XGBoost fails (the strategy then proposes random configs). */
static int fit(qt_strategy *s, model_impl *m) {
  int n = m->hist.n + m->task.n, nf = m->nf;
  float *x = malloc(sizeof *x * (size_t)n * (size_t)nf), *y = malloc(sizeof *y * (size_t)n);
  unsigned *gs = malloc(sizeof *gs * (size_t)(m->n_groups + 1));
  if (!x || !y || !gs) {
    free(x);
    free(y);
    free(gs);
    return -1;
  }
  for (int g = 0; g < m->n_groups; g++) {
    label_group(&m->hist, m->groups[g].start, m->groups[g].n);
    gs[g] = (unsigned)m->groups[g].n;
  }
  label_group(&m->task, 0, m->task.n);
  gs[m->n_groups] = (unsigned)m->task.n;
  /* Either set may still be empty (no history, or nothing measured yet): NULL buffers. */
  if (m->hist.n) {
    memcpy(x, m->hist.x, sizeof *x * (size_t)m->hist.n * (size_t)nf);
    memcpy(y, m->hist.label, sizeof *y * (size_t)m->hist.n);
  }
  if (m->task.n) {
    memcpy(x + (size_t)m->hist.n * (size_t)nf, m->task.x,
           sizeof *x * (size_t)m->task.n * (size_t)nf);
    memcpy(y + m->hist.n, m->task.label, sizeof *y * (size_t)m->task.n);
  }
  int n_gs = m->n_groups + (m->task.n > 0);
  qt_err e;
  int rc = qt_cost_model_fit(m->cm, x, y, n, gs, n_gs, &e);
  if (!rc) rc = qt_cost_model_predict(m->cm, m->cand, (int)s->n_valid, m->score, &e);
  if (!rc) m->fitted = 1;
  free(x);
  free(y);
  free(gs);
  return rc ? -1 : 0;
}

/* 1 if configs a and b share a template and differ in at most one knob. */
static int near(const qt_space *sp, uint64_t a, uint64_t b) {
  qt_config ca, cb;
  qt_space_decode(sp, a, &ca);
  qt_space_decode(sp, b, &cb);
  if (ca.tpl != cb.tpl) return 0;
  int diff = 0;
  for (int k = 0; k < ca.tpl->n_knobs; k++) diff += ca.vals[k] != cb.vals[k];
  return diff <= 1;
}

typedef struct ranked {
  float score;
  uint64_t pos; /* in s->valid */
} ranked;

static int by_score(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos; /* ties by enumeration order */
}

/* Fills the queue with up to BATCH proposals from the current scores. */
static void plan_batch(qt_strategy *s, model_impl *m) {
  m->queued = m->queue_pos = 0;
  ranked *cand = malloc(sizeof *cand * (s->n_valid ? s->n_valid : 1));
  uint64_t n = 0;
  if (!cand) return;
  for (uint64_t i = 0; i < s->n_valid; i++)
    if (!qt_strategy_is_taken(s, s->valid[i])) cand[n++] = (ranked){m->score[i], i};
  qsort(cand, n, sizeof *cand, by_score);
  /* Two passes: diverse picks first, then the best remaining if the batch is not full. */
  for (int pass = 0; pass < 2 && m->queued < BATCH; pass++)
    for (uint64_t i = 0; i < n && m->queued < BATCH; i++) {
      uint64_t idx = s->valid[cand[i].pos];
      if (qt_strategy_is_taken(s, idx)) continue;
      if (qt_rng_unit(&s->rng) < EPSILON) {
        uint64_t r;
        if (qt_strategy_draw(s, &r)) m->queue[m->queued++] = r;
        continue;
      }
      int crowded = 0;
      for (int q = 0; pass == 0 && q < m->queued && !crowded; q++)
        crowded = near(s->space, idx, m->queue[q]);
      if (crowded) continue;
      qt_strategy_take(s, idx);
      m->queue[m->queued++] = idx;
    }
  free(cand);
}

static int model_next_batch(qt_strategy *s, uint64_t *out, int max) {
  model_impl *m = s->impl;
  int n = 0;
  while (n < max) {
    if (m->queue_pos < m->queued) {
      out[n++] = m->queue[m->queue_pos++];
      continue;
    }
    int learnt = m->n_task_ok >= MIN_FIT || m->n_groups > 0;
    if (!learnt || (!m->fitted && !m->dirty)) {
      if (!qt_strategy_draw(s, &out[n])) break;
      n++;
      continue;
    }
    double t0 = qt_now_ms();
    int ok = !m->dirty || fit(s, m) == 0;
    m->dirty = 0;
    if (ok) plan_batch(s, m);
    if (m->ms) *m->ms += qt_now_ms() - t0;
    if (!ok || m->queued == 0) {
      if (!qt_strategy_draw(s, &out[n])) break;
      n++;
    }
  }
  return n;
}

static void model_update(qt_strategy *s, const uint64_t *indices, const double *costs, int n) {
  model_impl *m = s->impl;
  for (int i = 0; i < n; i++) {
    int64_t pos = valid_pos(s, indices[i]);
    if (pos < 0) continue;
    uint64_t *ti = realloc(m->task_idx, sizeof *ti * (size_t)(m->task.n + 1));
    if (!ti) return;
    m->task_idx = ti;
    if (row_push(&m->task, m->nf, m->cand + (size_t)pos * (size_t)m->nf, costs[i])) return;
    m->task_idx[m->task.n - 1] = indices[i];
    if (costs[i] > 0) m->n_task_ok++;
    m->dirty = 1;
  }
}

static void model_destroy(qt_strategy *s) {
  model_impl *m = s->impl;
  if (m) {
    qt_cost_model_destroy(m->cm);
    free(m->cand);
    free(m->score);
    free(m->task.x);
    free(m->task.label);
    free(m->task.cost);
    free(m->task_idx);
    free(m->hist.x);
    free(m->hist.label);
    free(m->hist.cost);
    free(m->groups);
    free(m);
  }
  qt_strategy_free_common(s);
}

static const qt_strategy_ops model_ops = {"model", model_next_batch, model_update,
                                          model_destroy};

int qt_strategy_learn_other(qt_strategy *s, const qt_space *other, const qt_config *configs,
                            const double *costs, int n) {
  if (s->ops != &model_ops || n <= 0) return 0;
  model_impl *m = s->impl;
  if (m->n_groups == m->cap_groups) {
    int cap = m->cap_groups ? 2 * m->cap_groups : 16;
    group *g = realloc(m->groups, sizeof *g * (size_t)cap);
    if (!g) return QT_ENOMEM;
    m->groups = g;
    m->cap_groups = cap;
  }
  float *x = malloc(sizeof *x * (size_t)m->nf);
  if (!x) return QT_ENOMEM;
  int start = m->hist.n;
  for (int i = 0; i < n; i++) {
    qt_features(other, &configs[i], x);
    if (row_push(&m->hist, m->nf, x, costs[i])) {
      free(x);
      return QT_ENOMEM;
    }
  }
  free(x);
  m->groups[m->n_groups++] = (group){start, n};
  m->dirty = 1;
  return 0;
}

void qt_strategy_time_into(qt_strategy *s, double *ms) {
  if (s->ops == &model_ops) ((model_impl *)s->impl)->ms = ms;
}

int qt_strategy_model_init(qt_strategy *s, qt_err *err) {
  model_impl *m = calloc(1, sizeof *m);
  if (!m) return qt_fail(err, QT_ENOMEM, "out of memory");
  s->ops = &model_ops;
  s->impl = m;
  m->nf = qt_features_count();
  size_t n = s->n_valid ? s->n_valid : 1;
  m->cand = malloc(sizeof *m->cand * n * (size_t)m->nf);
  m->score = calloc(n, sizeof *m->score);
  if (!m->cand || !m->score) return qt_fail(err, QT_ENOMEM, "out of memory");
  for (uint64_t i = 0; i < s->n_valid; i++) {
    qt_config c;
    qt_space_decode(s->space, s->valid[i], &c);
    qt_features(s->space, &c, m->cand + i * (size_t)m->nf);
  }
  return qt_cost_model_create(m->nf, &m->cm, err);
}
