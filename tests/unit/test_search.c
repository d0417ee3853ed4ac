/* test_search.c — the strategies: grid walks the valid configs in enumeration order; random
 * proposes every valid config exactly once, in an order fixed by the seed; ga, fed a synthetic
 * cost, proposes only valid configs, never one twice, the same sequence for the same seed, and
 * every valid config when drained; an excluded index is never proposed; model, with every
 * config scored and with annealing proposals, keeps the same promises; an unknown strategy is
 * refused. (The annealer against exhaustive scoring on a recorded log: test_cost_model.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../qt_test.h"
#include "tuner/base/config.h"
#include "tuner/search/search.h"

/* Drains s in batches of 7; returns the proposals (malloc'd) and their count. */
static uint64_t *drain(qt_strategy *s, uint64_t cap, uint64_t *n) {
  uint64_t *all = malloc(sizeof *all * (cap + 8));
  *n = 0;
  int got;
  while ((got = s->ops->next_batch(s, all + *n, 7)) > 0) {
    *n += (uint64_t)got;
    if (*n > cap) break;
  }
  return all;
}

/* A deterministic synthetic cost of a config: smooth in the knob values, so a learning
 * strategy has something to learn, plus a hash term so ties are rare. */
static double synthetic_cost(const qt_space *sp, uint64_t idx) {
  qt_config c;
  qt_space_decode(sp, idx, &c);
  int t = 0;
  while (sp->tpls[t] != c.tpl) t++;
  double cost = 1000.0 + 37.0 * t;
  for (int k = 0; k < c.tpl->n_knobs; k++) cost += (k + 1) * 3.0 * c.vals[k];
  return cost + (double)((idx * 2654435761u) % 97);
}

/* Runs strategy kind for up to cap proposals in batches of 5, feeding each batch its
 * synthetic costs (every 9th config fails); checks each proposal is valid and new. Returns
 * the proposals (malloc'd) and their count. */
static uint64_t *run_fed_how(const qt_space *sp, const char *kind, qt_proposals how,
                             uint64_t seed, uint64_t cap, const uint64_t *excluded,
                             uint64_t n_excluded, uint64_t *n) {
  qt_err err;
  qt_strategy *s;
  CHECK(qt_strategy_create(kind, sp, seed, &s, &err) == 0);
  qt_strategy_model_proposals(s, how);
  for (uint64_t i = 0; i < n_excluded; i++) qt_strategy_exclude(s, excluded[i]);
  uint64_t size = qt_space_size(sp);
  unsigned char *seen = calloc(size, 1);
  uint64_t *all = malloc(sizeof *all * (cap + 8));
  *n = 0;
  int got;
  while (*n < cap && (got = s->ops->next_batch(s, all + *n, 5)) > 0) {
    double costs[5];
    for (int i = 0; i < got; i++) {
      uint64_t idx = all[*n + (uint64_t)i];
      qt_config c;
      CHECK(idx < size && qt_space_decode(sp, idx, &c) == 0 && qt_space_valid(sp, &c, NULL, 0));
      CHECK(!seen[idx]);
      seen[idx] = 1;
      costs[i] = (*n + (uint64_t)i) % 9 == 8 ? -1 : synthetic_cost(sp, idx);
    }
    s->ops->update(s, all + *n, costs, got);
    *n += (uint64_t)got;
  }
  free(seen);
  qt_strategy_destroy(s);
  return all;
}

static uint64_t *run_fed(const qt_space *sp, const char *kind, uint64_t seed, uint64_t cap,
                         uint64_t *n) {
  return run_fed_how(sp, kind, QT_PROPOSALS_AUTO, seed, cap, NULL, 0, n);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* got[n] (sorted here) holds exactly the indices of want[n_want] (sorted). */
static void check_same_set(uint64_t *got, uint64_t n, const uint64_t *want, uint64_t n_want) {
  CHECK_EQ_INT(n, n_want);
  qsort(got, n, sizeof *got, cmp_u64);
  CHECK(n == n_want && memcmp(got, want, sizeof *got * n) == 0);
}

/* model with its candidates found as how says: valid, new and deterministic for a seed (and
 * another seed proposes otherwise); drained, it proposes exactly what is not excluded (all but
 * every 40th valid config here: refitting after every batch over the whole space would make
 * the test slow; annealing finds nothing untaken near the end, and random draws finish the
 * space). Returns the mean synthetic cost of proposals 100 to 199. */
static double check_model(const qt_space *sp, qt_proposals how, const uint64_t *valid,
                          uint64_t n_valid) {
  uint64_t n1, n2, n3, nfull;
  uint64_t *m1 = run_fed_how(sp, "model", how, 5, 200, NULL, 0, &n1);
  uint64_t *m2 = run_fed_how(sp, "model", how, 5, 200, NULL, 0, &n2);
  uint64_t *m3 = run_fed_how(sp, "model", how, 6, 200, NULL, 0, &n3);
  CHECK_EQ_INT(n1, 200);
  CHECK(n1 == n2 && memcmp(m1, m2, sizeof *m1 * n1) == 0);
  CHECK(n1 == n3 && memcmp(m1, m3, sizeof *m1 * n1) != 0);
  double late = 0;
  for (uint64_t i = 100; i < 200; i++) late += synthetic_cost(sp, m1[i]);
  uint64_t *excl = malloc(sizeof *excl * n_valid), *kept = malloc(sizeof *kept * n_valid);
  uint64_t n_excl = 0, n_kept = 0;
  for (uint64_t i = 0; i < n_valid; i++) {
    if (i % 40) excl[n_excl++] = valid[i];
    else kept[n_kept++] = valid[i];
  }
  uint64_t *full = run_fed_how(sp, "model", how, 9, n_valid, excl, n_excl, &nfull);
  check_same_set(full, nfull, kept, n_kept);
  free(excl);
  free(kept);
  free(m1);
  free(m2);
  free(m3);
  free(full);
  return late / 100;
}

int main(void) {
  qt_err err;
  qt_target t;
  qt_model m;
  CHECK(qt_target_load(QT_SOURCE_DIR "/configs", "cortex-a76", &t, &err) == 0);
  CHECK(qt_model_load(QT_SOURCE_DIR "/configs", "mobilenet_v2", &m, &err) == 0);
  qt_space space;
  CHECK(qt_space_init(&space, &m.tasks[2].w, &t, &err) == 0); /* a pointwise conv */
  uint64_t *valid, n_valid;
  CHECK(qt_space_enumerate_valid(&space, &valid, &n_valid, &err) == 0);
  CHECK(n_valid > 10);

  qt_strategy *grid;
  CHECK(qt_strategy_create("grid", &space, 1, &grid, &err) == 0);
  uint64_t n;
  uint64_t *g = drain(grid, n_valid, &n);
  CHECK_EQ_INT(n, n_valid);
  CHECK(memcmp(g, valid, sizeof *g * n_valid) == 0);
  uint64_t extra;
  CHECK_EQ_INT(grid->ops->next_batch(grid, &extra, 1), 0);
  free(g);
  qt_strategy_destroy(grid);

  qt_strategy *r1, *r2, *r3;
  CHECK(qt_strategy_create("random", &space, 42, &r1, &err) == 0);
  CHECK(qt_strategy_create("random", &space, 42, &r2, &err) == 0);
  CHECK(qt_strategy_create("random", &space, 43, &r3, &err) == 0);
  uint64_t n1, n2, n3;
  uint64_t *a = drain(r1, n_valid, &n1), *b = drain(r2, n_valid, &n2), *c = drain(r3, n_valid, &n3);
  CHECK_EQ_INT(n1, n_valid);
  CHECK(n1 == n2 && memcmp(a, b, sizeof *a * n1) == 0);     /* same seed, same order */
  CHECK(n1 == n3 && memcmp(a, c, sizeof *a * n1) != 0);     /* another seed, another order */
  CHECK(memcmp(a, valid, sizeof *a * n1) != 0);             /* not the grid order */
  qsort(a, n1, sizeof *a, cmp_u64);
  CHECK(memcmp(a, valid, sizeof *a * n1) == 0);             /* a permutation of the valid set */
  free(a);
  free(b);
  free(c);
  qt_strategy_destroy(r1);
  qt_strategy_destroy(r2);
  qt_strategy_destroy(r3);

  /* Exclusion: the default config, measured first, is not proposed again. */
  qt_config def;
  CHECK(qt_space_default(&space, &def) == 0);
  uint64_t def_index = qt_space_encode(&space, &def);
  qt_strategy *r;
  CHECK(qt_strategy_create("random", &space, 7, &r, &err) == 0);
  qt_strategy_exclude(r, def_index);
  uint64_t *p = drain(r, n_valid, &n);
  CHECK_EQ_INT(n, n_valid - 1);
  int seen_default = 0;
  for (uint64_t i = 0; i < n; i++) seen_default |= p[i] == def_index;
  CHECK(!seen_default);
  free(p);
  qt_strategy_destroy(r);

  /* ga: valid, new, deterministic for a seed, and exhaustive when drained. */
  uint64_t ng1, ng2, ng3, nfull;
  uint64_t *g1 = run_fed(&space, "ga", 5, 200, &ng1), *g2 = run_fed(&space, "ga", 5, 200, &ng2);
  uint64_t *g3 = run_fed(&space, "ga", 6, 200, &ng3);
  CHECK_EQ_INT(ng1, 200);
  CHECK(ng1 == ng2 && memcmp(g1, g2, sizeof *g1 * ng1) == 0);
  CHECK(ng1 == ng3 && memcmp(g1, g3, sizeof *g1 * ng1) != 0);
  /* It uses the costs: once it breeds, its proposals beat random's on the synthetic cost. */
  uint64_t nr;
  uint64_t *rr = run_fed(&space, "random", 5, 200, &nr);
  double ga_late = 0, rnd_late = 0;
  for (uint64_t i = 100; i < 200; i++) {
    ga_late += synthetic_cost(&space, g1[i]);
    rnd_late += synthetic_cost(&space, rr[i]);
  }
  CHECK(ga_late < rnd_late);
  uint64_t *full = run_fed(&space, "ga", 9, n_valid + 10, &nfull);
  check_same_set(full, nfull, valid, n_valid);
  free(g1);
  free(g2);
  free(g3);
  free(rr);
  free(full);

  /* model, with every config scored (the spaces here) and with annealing proposals (what
   * spaces above 20,000 valid configs get). */
  const char *how_name[] = {"every config scored", "annealing"};
  for (int h = 0; h < 2; h++) {
    double late = check_model(&space, h ? QT_PROPOSALS_ANNEAL : QT_PROPOSALS_EXHAUSTIVE, valid,
                              n_valid);
    CHECK(late < rnd_late);
    fprintf(stderr, "late mean synthetic cost: random %.1f, ga %.1f, model (%s) %.1f\n",
            rnd_late / 100, ga_late / 100, how_name[h], late);
  }

  qt_strategy *bad;
  CHECK(qt_strategy_create("annealing", &space, 1, &bad, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "available: grid, random, ga, model") != NULL);
  CHECK(qt_strategy_exists("ga") && !qt_strategy_exists("annealing"));
  free(valid);
  qt_model_free(&m);
  return qt_test_finish();
}
