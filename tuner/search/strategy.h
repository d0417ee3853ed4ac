/* strategy.h — what the strategy files share with search.c (private to tuner/search): the
 * seeded generator, the bookkeeping of taken indices, random draws, and each strategy's
 * constructor. */
#ifndef QT_STRATEGY_H
#define QT_STRATEGY_H

#include "tuner/search/search.h"

/* splitmix64: the one generator of the search layer. */
uint64_t qt_rng_next(uint64_t *state);
/* Uniform in [0, n) (n > 0). */
uint64_t qt_rng_below(uint64_t *state, uint64_t n);
/* Uniform in [0, 1). */
double qt_rng_unit(uint64_t *state);

int qt_strategy_is_taken(const qt_strategy *s, uint64_t index);
void qt_strategy_take(qt_strategy *s, uint64_t index);
/* The next untaken valid index of the shuffled pool, taken; 0 when none is left. */
int qt_strategy_draw(qt_strategy *s, uint64_t *index);

/* Sets knob k of c to another of its values, drawn uniformly (unchanged if the knob has one
 * value); the result may be invalid. ga's mutation and the model's annealing both step so. */
void qt_strategy_mutate_knob(qt_strategy *s, qt_config *c, int k);

/* Constructors, called by qt_strategy_create once the shared part is set up: each sets
 * s->ops and its own s->impl. */
int qt_strategy_grid_init(qt_strategy *s, qt_err *err);
int qt_strategy_random_init(qt_strategy *s, qt_err *err);
int qt_strategy_ga_init(qt_strategy *s, qt_err *err);
int qt_strategy_model_init(qt_strategy *s, qt_err *err);

/* Frees the shared part (a strategy's destroy calls it after freeing its impl). */
void qt_strategy_free_common(qt_strategy *s);

#endif
