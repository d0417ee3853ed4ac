/* ga.c — the genetic strategy. The population is the best POPULATION configs measured so far
 * (so the best ones always survive: elitism); until that many have been measured ok, it
 * proposes random configs. A child takes two parents, each the winner of a tournament of
 * TOURNAMENT random members; if they share a template, each knob comes from either parent
 * (uniform crossover), else the child copies the first; then each knob mutates with
 * probability 1/knobs (at least one knob when the child equals a parent). A child that is
 * invalid or already taken is mutated again, up to REPAIRS times, and otherwise replaced by a
 * random untaken config: proposals are always valid and never repeat. */
#include <stdlib.h>
#include <string.h>

#include "tuner/search/strategy.h"

#define POPULATION 16
#define TOURNAMENT 3
#define REPAIRS 32

typedef struct scored {
  uint64_t index;
  double cost; /* median ns; failures are not kept */
} scored;

typedef struct ga_impl {
  scored *ok; /* measured ok, sorted by cost (stable: ties keep arrival order) */
  int n_ok, cap;
} ga_impl;

static const scored *tournament(qt_strategy *s, const ga_impl *g, int pop) {
  const scored *best = NULL;
  for (int i = 0; i < TOURNAMENT; i++) {
    const scored *c = &g->ok[qt_rng_below(&s->rng, (uint64_t)pop)];
    if (!best || c->cost < best->cost) best = c;
  }
  return best;
}

/* Sets knob k of c to a random value other than its current one (when it has another). */
static void mutate(qt_strategy *s, qt_config *c, int at_least_one) {
  int n = c->tpl->n_knobs, changed = 0;
  for (int k = 0; k < n; k++)
    if (qt_rng_unit(&s->rng) < 1.0 / n) {
      qt_strategy_mutate_knob(s, c, k);
      changed = 1;
    }
  if (at_least_one && !changed)
    qt_strategy_mutate_knob(s, c, (int)qt_rng_below(&s->rng, (uint64_t)n));
}

/* One child index, taken; 0 when the space is exhausted. */
static int breed(qt_strategy *s, ga_impl *g, uint64_t *out) {
  int pop = g->n_ok < POPULATION ? g->n_ok : POPULATION;
  qt_config a, b, child;
  qt_space_decode(s->space, tournament(s, g, pop)->index, &a);
  qt_space_decode(s->space, tournament(s, g, pop)->index, &b);
  child = a;
  if (a.tpl == b.tpl)
    for (int k = 0; k < a.tpl->n_knobs; k++)
      if (qt_rng_unit(&s->rng) < 0.5) child.vals[k] = b.vals[k];
  int same = memcmp(child.vals, a.vals, sizeof a.vals) == 0 ||
             (a.tpl == b.tpl && memcmp(child.vals, b.vals, sizeof b.vals) == 0);
  mutate(s, &child, same);
  for (int r = 0; r < REPAIRS; r++) {
    uint64_t idx = qt_space_encode(s->space, &child);
    if (!qt_strategy_is_taken(s, idx) && qt_space_valid(s->space, &child, NULL, 0)) {
      qt_strategy_take(s, idx);
      *out = idx;
      return 1;
    }
    mutate(s, &child, 1);
  }
  return qt_strategy_draw(s, out);
}

static int ga_next_batch(qt_strategy *s, uint64_t *out, int max) {
  ga_impl *g = s->impl;
  int n = 0;
  while (n < max) {
    int got = g->n_ok < POPULATION ? qt_strategy_draw(s, &out[n]) : breed(s, g, &out[n]);
    if (!got) break;
    n++;
  }
  return n;
}

static void ga_update(qt_strategy *s, const uint64_t *indices, const double *costs, int n) {
  ga_impl *g = s->impl;
  for (int i = 0; i < n; i++) {
    if (!(costs[i] > 0)) continue;
    if (g->n_ok == g->cap) {
      int cap = g->cap ? 2 * g->cap : 64;
      scored *p = realloc(g->ok, sizeof *p * (size_t)cap);
      if (!p) return; /* the population stays as it is: still a valid search */
      g->ok = p;
      g->cap = cap;
    }
    /* Insert keeping the list sorted by cost. */
    int at = g->n_ok;
    while (at > 0 && g->ok[at - 1].cost > costs[i]) at--;
    memmove(&g->ok[at + 1], &g->ok[at], sizeof *g->ok * (size_t)(g->n_ok - at));
    g->ok[at] = (scored){indices[i], costs[i]};
    g->n_ok++;
  }
}

static void ga_destroy(qt_strategy *s) {
  ga_impl *g = s->impl;
  if (g) free(g->ok);
  free(g);
  qt_strategy_free_common(s);
}

static const qt_strategy_ops ga_ops = {"ga", ga_next_batch, ga_update, ga_destroy};

int qt_strategy_ga_init(qt_strategy *s, qt_err *err) {
  s->ops = &ga_ops;
  s->impl = calloc(1, sizeof(ga_impl));
  return s->impl ? 0 : qt_fail(err, QT_ENOMEM, "out of memory");
}
