/* test_search.c — grid and random strategies: grid walks the valid configs in enumeration
 * order; random proposes every valid config exactly once, in an order fixed by the seed; an
 * excluded index is never proposed; an unknown strategy is refused. */
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

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
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

  qt_strategy *bad;
  CHECK(qt_strategy_create("annealing", &space, 1, &bad, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "available: grid, random") != NULL);
  free(valid);
  qt_model_free(&m);
  return qt_test_finish();
}
