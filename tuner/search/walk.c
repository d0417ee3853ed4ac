/* walk.c — the strategies that learn nothing: grid proposes the valid configs in enumeration
 * order, random in the seed's shuffled order (uniform without replacement). */
#include <stdlib.h>

#include "tuner/search/strategy.h"

static int grid_next_batch(qt_strategy *s, uint64_t *out, int max) {
  uint64_t *next = s->impl;
  int n = 0;
  while (n < max && *next < s->n_valid) {
    uint64_t idx = s->valid[(*next)++];
    if (qt_strategy_is_taken(s, idx)) continue;
    qt_strategy_take(s, idx);
    out[n++] = idx;
  }
  return n;
}

static int random_next_batch(qt_strategy *s, uint64_t *out, int max) {
  int n = 0;
  while (n < max && qt_strategy_draw(s, &out[n])) n++;
  return n;
}

static void walk_update(qt_strategy *s, const uint64_t *indices, const double *costs, int n) {
  (void)s;
  (void)indices;
  (void)costs;
  (void)n;
}

static void walk_destroy(qt_strategy *s) {
  free(s->impl);
  qt_strategy_free_common(s);
}

static const qt_strategy_ops grid_ops = {"grid", grid_next_batch, walk_update, walk_destroy};
static const qt_strategy_ops random_ops = {"random", random_next_batch, walk_update,
                                           walk_destroy};

int qt_strategy_grid_init(qt_strategy *s, qt_err *err) {
  s->ops = &grid_ops;
  s->impl = calloc(1, sizeof(uint64_t)); /* position in s->valid */
  return s->impl ? 0 : qt_fail(err, QT_ENOMEM, "out of memory");
}

int qt_strategy_random_init(qt_strategy *s, qt_err *err) {
  s->ops = &random_ops;
  s->impl = NULL;
  return 0;
}
