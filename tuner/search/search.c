/* search.c — the strategy framework (search.h): the one table from strategy name to
 * constructor, and the part every strategy shares: the valid indices, a pool of them shuffled
 * by the seed (Fisher-Yates) for random draws, and the bitmap of taken indices that keeps any
 * strategy from proposing a config twice. */
#include "tuner/search/search.h"

#include <stdlib.h>
#include <string.h>

#include "tuner/search/strategy.h"

static const struct {
  const char *name;
  int (*init)(qt_strategy *s, qt_err *err);
} strategies[] = {
    {"grid", qt_strategy_grid_init},
    {"random", qt_strategy_random_init},
    {"ga", qt_strategy_ga_init},
    {"model", qt_strategy_model_init},
};
#define N_STRATEGIES (sizeof strategies / sizeof strategies[0])

const char *qt_strategy_names(void) { return "grid, random, ga, model"; }

int qt_strategy_exists(const char *name) {
  for (size_t k = 0; k < N_STRATEGIES; k++)
    if (strcmp(strategies[k].name, name) == 0) return 1;
  return 0;
}

int qt_space_enumerate_valid(const qt_space *space, uint64_t **out, uint64_t *n, qt_err *err) {
  uint64_t size = qt_space_size(space), count = 0;
  uint64_t *list = malloc(sizeof *list * (size ? size : 1));
  if (!list) return qt_fail(err, QT_ENOMEM, "out of memory enumerating %llu configs",
                            (unsigned long long)size);
  /* Each template's configs in index order (mixed radix, last knob fastest, as
   * qt_space_decode) by an odometer over value indices, asking the template's own check: the
   * same configs as decoding each index and calling qt_space_valid, without the divisions and
   * the membership check that a decoded config passes by construction (they were most of the
   * time of a strategy's start, once per task). */
  char none[1];
  for (int t = 0; t < space->n_tpls; t++) {
    const qt_template_def *tpl = space->tpls[t];
    int at[QT_MAX_KNOBS] = {0}, vals[QT_MAX_KNOBS] = {0};
    for (int k = 0; k < tpl->n_knobs; k++) vals[k] = tpl->knobs[k].values[0];
    for (uint64_t i = space->offset[t]; i < space->offset[t + 1]; i++) {
      if (tpl->valid(&space->w, &space->t, vals, none, 0)) list[count++] = i;
      for (int k = tpl->n_knobs - 1; k >= 0; k--) { /* the next index */
        if (++at[k] < tpl->knobs[k].n_values) {
          vals[k] = tpl->knobs[k].values[at[k]];
          break;
        }
        at[k] = 0;
        vals[k] = tpl->knobs[k].values[0];
      }
    }
  }
  *out = list;
  *n = count;
  return 0;
}

uint64_t qt_rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t qt_rng_below(uint64_t *state, uint64_t n) { return qt_rng_next(state) % n; }

double qt_rng_unit(uint64_t *state) { return (double)(qt_rng_next(state) >> 11) * 0x1p-53; }

int qt_strategy_is_taken(const qt_strategy *s, uint64_t index) {
  return (s->taken[index >> 3] >> (index & 7)) & 1;
}

void qt_strategy_take(qt_strategy *s, uint64_t index) {
  s->taken[index >> 3] |= (uint8_t)(1u << (index & 7));
}

int qt_strategy_draw(qt_strategy *s, uint64_t *index) {
  while (s->pool_next < s->n_valid) {
    uint64_t idx = s->pool[s->pool_next++];
    if (qt_strategy_is_taken(s, idx)) continue;
    qt_strategy_take(s, idx);
    *index = idx;
    return 1;
  }
  return 0;
}

void qt_strategy_free_common(qt_strategy *s) {
  free(s->valid);
  free(s->pool);
  free(s->taken);
  free(s);
}

int qt_strategy_create(const char *kind, const qt_space *space, uint64_t seed,
                       qt_strategy **out, qt_err *err) {
  size_t k = 0;
  while (k < N_STRATEGIES && strcmp(strategies[k].name, kind) != 0) k++;
  if (k == N_STRATEGIES)
    return qt_fail(err, QT_EINVAL, "unknown strategy '%s' (available: %s)", kind,
                   qt_strategy_names());
  qt_strategy *s = calloc(1, sizeof *s);
  if (!s) return qt_fail(err, QT_ENOMEM, "out of memory");
  s->space = space;
  s->rng = seed;
  int rc = qt_space_enumerate_valid(space, &s->valid, &s->n_valid, err);
  if (rc) {
    free(s);
    return rc;
  }
  uint64_t size = qt_space_size(space);
  s->pool = malloc(sizeof *s->pool * (s->n_valid ? s->n_valid : 1));
  s->taken = calloc(size / 8 + 1, 1);
  if (!s->pool || !s->taken) {
    qt_strategy_free_common(s);
    return qt_fail(err, QT_ENOMEM, "out of memory");
  }
  memcpy(s->pool, s->valid, sizeof *s->pool * s->n_valid);
  for (uint64_t i = s->n_valid; i > 1; i--) {
    uint64_t j = qt_rng_below(&s->rng, i), t = s->pool[i - 1];
    s->pool[i - 1] = s->pool[j];
    s->pool[j] = t;
  }
  if ((rc = strategies[k].init(s, err))) {
    if (s->ops) s->ops->destroy(s); /* an init that set its ops frees its own part too */
    else qt_strategy_free_common(s);
    return rc;
  }
  *out = s;
  return 0;
}

void qt_strategy_destroy(qt_strategy *s) {
  if (s) s->ops->destroy(s);
}

void qt_strategy_exclude(qt_strategy *s, uint64_t index) {
  if (index < qt_space_size(s->space)) qt_strategy_take(s, index);
}

int qt_strategy_was_excluded(const qt_strategy *s, uint64_t index) {
  return index < qt_space_size(s->space) && qt_strategy_is_taken(s, index);
}

void qt_strategy_mutate_knob(qt_strategy *s, qt_config *c, int k) {
  const qt_knob_def *kd = &c->tpl->knobs[k];
  if (kd->n_values < 2) return;
  int cur = 0;
  while (cur < kd->n_values && kd->values[cur] != c->vals[k]) cur++;
  int v = (int)qt_rng_below(&s->rng, (uint64_t)kd->n_values - 1);
  if (v >= cur) v++;
  c->vals[k] = kd->values[v];
}
