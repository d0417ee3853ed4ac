/* model.c — the cost-model strategy, after AutoTVM's XGBTuner: gradient-boosted trees from
 * XGBoost's C API with a ranking objective (rank:pairwise) learn, from measured configs, which
 * configs are faster, and the next batch is the best-scored untaken configs, kept diverse (no
 * two in a batch differ in a single knob only) with an epsilon of random picks for
 * exploration. Where the candidates come from depends on the space's size: up to
 * ANNEAL_ABOVE valid configs every one is scored (today's spaces hold a few thousand, and
 * exhaustive scoring finds the model's true top for a few milliseconds); above it, parallel
 * chains of simulated annealing walk the space one knob at a time, scoring only what they
 * visit, and their best untaken finds are the candidates (qt_strategy_model_proposals
 * chooses either for tests and benchmarks).
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
/* Annealing (AutoTVM's SimulatedAnnealingOptimizer, smaller: the model is refitted every 8
 * trials, so each walk only needs to find this round's best few dozen). */
#define ANNEAL_ABOVE 20000 /* valid configs; at most this many are all scored */
#define CHAINS 16          /* parallel chains, scored together in one prediction per step */
#define STEPS 100          /* steps of each walk at most */
#define STALL 20           /* steps without a change in the kept top that end a walk */
#define KEEP (8 * BATCH)   /* best untaken finds kept: the candidates of a batch */

typedef struct row_set {
  float *x;      /* n * nf features */
  float *label;  /* n, filled at fit time for the task group */
  double *cost;  /* n: median ns, or < 0 for a failure */
  int n, cap;
} row_set;

typedef struct group {
  int start, n; /* rows of the history set */
} group;

typedef struct ranked {
  float score;
  uint64_t pos; /* in s->valid */
} ranked;

typedef struct model_impl {
  int nf;
  int anneal;         /* 1: candidates from annealing; 0: every valid config is scored */
  float *cand;        /* n_valid * nf: features of every valid config, enumeration order
                       * (built when first scored exhaustively; NULL while annealing) */
  row_set task;       /* this task's measurements */
  uint64_t *task_idx; /* their indices */
  row_set hist;       /* other workloads' records */
  group *groups;
  int n_groups, cap_groups;
  int n_task_ok;
  int dirty;          /* learnt something since the last fit */
  qt_cost_model *cm;
  int fitted;
  float *score;       /* n_valid: the exhaustive scores (with cand) */
  uint64_t seeds[CHAINS / 4]; /* the last walk's best finds: where the next walk starts */
  int n_seeds;
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

/* Refits the booster on history + task rows. 0, or -1 when XGBoost fails (the strategy then
 * proposes random configs). */
static int fit(model_impl *m) {
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
  if (!rc) m->fitted = 1;
  free(x);
  free(y);
  free(gs);
  return rc ? -1 : 0;
}

/* Features of the valid config at pos into x[nf]: from the table when it is built. */
static void features_at(const qt_strategy *s, const model_impl *m, uint64_t pos, float *x) {
  if (m->cand) {
    memcpy(x, m->cand + pos * (size_t)m->nf, sizeof *x * (size_t)m->nf);
    return;
  }
  qt_config c;
  qt_space_decode(s->space, s->valid[pos], &c);
  qt_features(s->space, &c, x);
}

/* Builds the feature table of every valid config (once). 0, or -1 out of memory. */
static int build_table(qt_strategy *s, model_impl *m) {
  if (m->cand) return 0;
  size_t n = s->n_valid ? s->n_valid : 1;
  float *cand = malloc(sizeof *cand * n * (size_t)m->nf);
  float *score = calloc(n, sizeof *score);
  if (!cand || !score) {
    free(cand);
    free(score);
    return -1;
  }
  for (uint64_t i = 0; i < s->n_valid; i++) features_at(s, m, i, cand + i * (size_t)m->nf);
  m->cand = cand;
  m->score = score;
  return 0;
}

static int by_score(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos; /* ties by enumeration order */
}

/* Every untaken valid config with its score, best first, into *out (malloc'd); how many, or
 * -1 when scoring fails. */
static int64_t score_all(qt_strategy *s, model_impl *m, ranked **out) {
  qt_err e;
  if (build_table(s, m) ||
      qt_cost_model_predict(m->cm, m->cand, (int)s->n_valid, m->score, &e))
    return -1;
  ranked *r = malloc(sizeof *r * (s->n_valid ? s->n_valid : 1));
  if (!r) return -1;
  int64_t n = 0;
  for (uint64_t i = 0; i < s->n_valid; i++)
    if (!qt_strategy_is_taken(s, s->valid[i])) r[n++] = (ranked){m->score[i], i};
  qsort(r, (size_t)n, sizeof *r, by_score);
  *out = r;
  return n;
}

/* Offers (score, pos) to top[*n] (best first, at most keep, no position twice); 1 if it
 * changed the list. */
static int offer(ranked *top, int *n, int keep, float score, uint64_t pos) {
  for (int i = 0; i < *n; i++)
    if (top[i].pos == pos) return 0;
  ranked r = {score, pos};
  if (*n == keep && by_score(&r, &top[keep - 1]) > 0) return 0;
  int i = *n < keep ? (*n)++ : keep - 1;
  while (i > 0 && by_score(&r, &top[i - 1]) < 0) {
    top[i] = top[i - 1];
    i--;
  }
  top[i] = r;
  return 1;
}

/* Which values of each knob some valid config of the space takes: live[k] has bit i set for
 * value index i of knob k. A value no valid config takes (an ISA the target lacks, say) is
 * never a neighbour worth trying. */
typedef struct knob_live {
  uint32_t live[QT_MAX_KNOBS];
} knob_live;

static void find_live(const qt_strategy *s, knob_live *l) {
  memset(l, 0, sizeof *l);
  qt_config c;
  for (uint64_t i = 0; i < s->n_valid; i++) {
    if (qt_space_decode(s->space, s->valid[i], &c)) continue;
    for (int k = 0; k < c.tpl->n_knobs; k++) {
      const qt_knob_def *kd = &c.tpl->knobs[k];
      for (int v = 0; v < kd->n_values; v++)
        if (kd->values[v] == c.vals[k]) l->live[k] |= 1u << v;
    }
  }
}

/* Sets knob k of c to another of its live values, uniformly; 0 when it has none. */
static int mutate_live(qt_strategy *s, const knob_live *l, qt_config *c, int k) {
  const qt_knob_def *kd = &c->tpl->knobs[k];
  int others[QT_MAX_KNOB_VALUES], n = 0;
  for (int v = 0; v < kd->n_values; v++)
    if ((l->live[k] >> v & 1) && kd->values[v] != c->vals[k]) others[n++] = v;
  if (n == 0) return 0;
  c->vals[k] = kd->values[others[qt_rng_below(&s->rng, (uint64_t)n)]];
  return 1;
}

/* One step of a chain at pos: another valid config that differs in one knob, set to a live
 * value (a few tries, since a knob's other values may break a constraint), or pos itself
 * when none was found. */
static uint64_t neighbour(qt_strategy *s, const knob_live *l, uint64_t pos) {
  qt_config c;
  for (int attempt = 0; attempt < 8; attempt++) {
    qt_space_decode(s->space, s->valid[pos], &c);
    if (!mutate_live(s, l, &c, (int)qt_rng_below(&s->rng, (uint64_t)c.tpl->n_knobs))) continue;
    int64_t p = valid_pos(s, qt_space_encode(s->space, &c));
    if (p >= 0 && (uint64_t)p != pos) return (uint64_t)p;
  }
  return pos;
}

/* Sets bit pos of seen, counting it in *n if it was clear. */
static void mark(uint8_t *seen, uint64_t pos, uint64_t *n) {
  if (seen[pos / 8] >> (pos % 8) & 1) return;
  seen[pos / 8] |= (uint8_t)(1u << (pos % 8));
  ++*n;
}

/* Simulated annealing over the valid configs with the fitted model as the energy: CHAINS
 * chains start from the last walk's best finds, this task's fastest measured configs and
 * random valid configs; each step moves every chain to a neighbour, accepted if it scores
 * higher or else with probability exp(gain / temperature), the temperature falling linearly
 * from the starting scores' spread to 0. The best untaken configs visited, best first, go to
 * top[keep], and how many distinct configs it scored to *scored; how many, or -1 when scoring
 * fails. Chains walk through taken configs too (a
 * measured config's neighbours are where the good ones are); only the kept finds skip them. */
static int anneal(qt_strategy *s, model_impl *m, ranked *top, int keep, uint64_t *scored) {
  int n_top = 0, nf = m->nf, rc = -1;
  uint8_t *seen = calloc(s->n_valid / 8 + 1, 1); /* bitmap over s->valid: scored */
  uint64_t cur[CHAINS], next[CHAINS];
  float cur_score[CHAINS], next_score[CHAINS];
  float *x = malloc(sizeof *x * CHAINS * (size_t)nf);
  *scored = 0;
  if (!x || !seen || s->n_valid == 0) goto out;
  knob_live live;
  find_live(s, &live);
  int n = 0;
  for (int i = 0; i < m->n_seeds && n < CHAINS; i++) {
    int64_t p = valid_pos(s, m->seeds[i]);
    if (p >= 0) cur[n++] = (uint64_t)p;
  }
  /* This task's fastest measured configs (a partial selection: CHAINS / 4 of them). */
  for (int pick = 0; pick < CHAINS / 4 && n < CHAINS; pick++) {
    int best = -1;
    for (int r = 0; r < m->task.n; r++) {
      if (m->task.cost[r] <= 0) continue;
      if (best >= 0 && m->task.cost[r] >= m->task.cost[best]) continue;
      int used = 0;
      int64_t p = valid_pos(s, m->task_idx[r]);
      for (int j = 0; j < n && !used; j++) used = (int64_t)cur[j] == p;
      if (!used && p >= 0) best = r;
    }
    if (best < 0) break;
    cur[n++] = (uint64_t)valid_pos(s, m->task_idx[best]);
  }
  while (n < CHAINS) cur[n++] = qt_rng_below(&s->rng, s->n_valid);
  qt_err e;
  for (int c = 0; c < CHAINS; c++) {
    features_at(s, m, cur[c], x + (size_t)c * (size_t)nf);
    mark(seen, cur[c], scored);
  }
  if (qt_cost_model_predict(m->cm, x, CHAINS, cur_score, &e)) goto out;
  float lo = cur_score[0], hi = cur_score[0];
  for (int c = 0; c < CHAINS; c++) {
    if (cur_score[c] < lo) lo = cur_score[c];
    if (cur_score[c] > hi) hi = cur_score[c];
    if (!qt_strategy_is_taken(s, s->valid[cur[c]])) offer(top, &n_top, keep, cur_score[c], cur[c]);
  }
  double t0 = hi > lo ? (hi - lo) / 2 : 1.0;
  for (int step = 0, stall = 0; step < STEPS && stall < STALL; step++) {
    for (int c = 0; c < CHAINS; c++) {
      next[c] = neighbour(s, &live, cur[c]);
      mark(seen, next[c], scored);
      features_at(s, m, next[c], x + (size_t)c * (size_t)nf);
    }
    if (qt_cost_model_predict(m->cm, x, CHAINS, next_score, &e)) goto out;
    double temp = t0 * (1.0 - (double)step / STEPS);
    int changed = 0;
    for (int c = 0; c < CHAINS; c++) {
      double gain = (double)next_score[c] - cur_score[c];
      if (gain >= 0 || qt_rng_unit(&s->rng) < exp(gain / temp)) {
        cur[c] = next[c];
        cur_score[c] = next_score[c];
      }
      if (!qt_strategy_is_taken(s, s->valid[next[c]]))
        changed |= offer(top, &n_top, keep, next_score[c], next[c]);
    }
    stall = changed ? 0 : stall + 1;
  }
  m->n_seeds = 0;
  for (int i = 0; i < n_top && m->n_seeds < CHAINS / 4; i++)
    m->seeds[m->n_seeds++] = s->valid[top[i].pos];
  rc = n_top;
out:
  free(x);
  free(seen);
  return rc;
}

/* The current candidates, best first, into *out (malloc'd): every untaken config, or the
 * annealer's finds. How many, or -1 when scoring fails. */
static int64_t candidates(qt_strategy *s, model_impl *m, ranked **out) {
  if (!m->anneal) return score_all(s, m, out);
  ranked *top = malloc(sizeof *top * KEEP);
  if (!top) return -1;
  uint64_t scored;
  int n = anneal(s, m, top, KEEP, &scored);
  if (n < 0) {
    free(top);
    return -1;
  }
  *out = top;
  return n;
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

/* Fills the queue with up to BATCH proposals from the current candidates. 0, or -1 when
 * scoring fails. */
static int plan_batch(qt_strategy *s, model_impl *m) {
  m->queued = m->queue_pos = 0;
  ranked *cand = NULL;
  int64_t n = candidates(s, m, &cand);
  if (n < 0) return -1;
  /* Two passes: diverse picks first, then the best remaining if the batch is not full. */
  for (int pass = 0; pass < 2 && m->queued < BATCH; pass++)
    for (int64_t i = 0; i < n && m->queued < BATCH; i++) {
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
  return 0;
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
    int ok = !m->dirty || fit(m) == 0;
    m->dirty = 0;
    if (ok) ok = plan_batch(s, m) == 0;
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
  float *x = malloc(sizeof *x * (size_t)m->nf);
  if (!x) return;
  for (int i = 0; i < n; i++) {
    int64_t pos = valid_pos(s, indices[i]);
    if (pos < 0) continue;
    uint64_t *ti = realloc(m->task_idx, sizeof *ti * (size_t)(m->task.n + 1));
    if (!ti) break;
    m->task_idx = ti;
    features_at(s, m, (uint64_t)pos, x);
    if (row_push(&m->task, m->nf, x, costs[i])) break;
    m->task_idx[m->task.n - 1] = indices[i];
    if (costs[i] > 0) m->n_task_ok++;
    m->dirty = 1;
  }
  free(x);
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

void qt_strategy_model_proposals(qt_strategy *s, qt_proposals how) {
  if (s->ops != &model_ops) return;
  model_impl *m = s->impl;
  m->anneal = how == QT_PROPOSALS_AUTO ? s->n_valid > ANNEAL_ABOVE : how == QT_PROPOSALS_ANNEAL;
}

int qt_strategy_model_top(qt_strategy *s, uint64_t *out, int k, uint64_t *scored) {
  *scored = 0;
  if (s->ops != &model_ops || k <= 0) return 0;
  model_impl *m = s->impl;
  if (m->dirty) {
    if (fit(m)) return 0;
    m->dirty = 0;
  }
  if (!m->fitted) return 0;
  ranked *cand = NULL;
  int64_t n;
  if (m->anneal) {
    if (!(cand = malloc(sizeof *cand * (size_t)k))) return 0;
    n = anneal(s, m, cand, k, scored);
  } else {
    n = score_all(s, m, &cand);
    *scored = s->n_valid;
  }
  if (n < 0) {
    free(cand);
    return 0;
  }
  int got = n < k ? (int)n : k;
  for (int i = 0; i < got; i++) out[i] = s->valid[cand[i].pos];
  free(cand);
  return got;
}

int qt_strategy_model_init(qt_strategy *s, qt_err *err) {
  model_impl *m = calloc(1, sizeof *m);
  if (!m) return qt_fail(err, QT_ENOMEM, "out of memory");
  s->ops = &model_ops;
  s->impl = m;
  m->nf = qt_features_count();
  qt_strategy_model_proposals(s, QT_PROPOSALS_AUTO);
  return qt_cost_model_create(m->nf, &m->cm, err);
}
