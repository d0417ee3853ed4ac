/* search.c — grid and random strategies (search.h). Both walk a list of the space's valid
 * indices; random shuffles it once with a seeded generator (Fisher-Yates), so proposals are
 * uniform without replacement and identical across runs with the same seed. */
#include "tuner/search/search.h"

#include <stdlib.h>
#include <string.h>

int qt_space_enumerate_valid(const qt_space *space, uint64_t **out, uint64_t *n, qt_err *err) {
  uint64_t size = qt_space_size(space), count = 0;
  uint64_t *list = malloc(sizeof *list * (size ? size : 1));
  if (!list) return qt_fail(err, QT_ENOMEM, "out of memory enumerating %llu configs",
                            (unsigned long long)size);
  qt_config c;
  for (uint64_t i = 0; i < size; i++)
    if (qt_space_decode(space, i, &c) == 0 && qt_space_valid(space, &c, NULL, 0))
      list[count++] = i;
  *out = list;
  *n = count;
  return 0;
}

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int walk_next_batch(qt_strategy *s, uint64_t *out, int max) {
  int n = 0;
  while (n < max && s->next < s->n_valid) {
    uint64_t idx = s->valid[s->next++];
    if (idx != UINT64_MAX) out[n++] = idx;
  }
  return n;
}

/* Neither grid nor random learns from costs; the cost-model strategy will. */
static void walk_update(qt_strategy *s, const uint64_t *indices, const double *costs, int n) {
  (void)s;
  (void)indices;
  (void)costs;
  (void)n;
}

static void walk_destroy(qt_strategy *s) {
  free(s->valid);
  free(s);
}

static const qt_strategy_ops grid_ops = {"grid", walk_next_batch, walk_update, walk_destroy};
static const qt_strategy_ops random_ops = {"random", walk_next_batch, walk_update, walk_destroy};

int qt_strategy_create(const char *kind, const qt_space *space, uint64_t seed,
                       qt_strategy **out, qt_err *err) {
  const qt_strategy_ops *ops = NULL;
  if (strcmp(kind, "grid") == 0) ops = &grid_ops;
  else if (strcmp(kind, "random") == 0) ops = &random_ops;
  else return qt_fail(err, QT_EINVAL, "unknown strategy '%s' (available: grid, random)", kind);
  qt_strategy *s = calloc(1, sizeof *s);
  if (!s) return qt_fail(err, QT_ENOMEM, "out of memory");
  s->ops = ops;
  s->space = space;
  s->rng = seed;
  int rc = qt_space_enumerate_valid(space, &s->valid, &s->n_valid, err);
  if (rc) {
    free(s);
    return rc;
  }
  if (ops == &random_ops)
    for (uint64_t i = s->n_valid; i > 1; i--) {
      uint64_t j = splitmix64(&s->rng) % i;
      uint64_t t = s->valid[i - 1];
      s->valid[i - 1] = s->valid[j];
      s->valid[j] = t;
    }
  *out = s;
  return 0;
}

void qt_strategy_destroy(qt_strategy *s) {
  if (s) s->ops->destroy(s);
}

void qt_strategy_exclude(qt_strategy *s, uint64_t index) {
  for (uint64_t i = s->next; i < s->n_valid; i++)
    if (s->valid[i] == index) s->valid[i] = UINT64_MAX;
}
