/* search.h — search strategies behind one interface: next_batch proposes configs (dense
 * indices of a qt_space) not proposed before, update feeds back measured costs. Every proposal
 * is a valid config: strategies draw only from the space's enumerated valid configs, so a
 * constrained-out config is never built. Deterministic for a given seed, which is what makes
 * an interrupted run resumable (the same command proposes the same configs again, and the log
 * says which are already measured). */
#ifndef QT_SEARCH_H
#define QT_SEARCH_H

#include <stdint.h>

#include "schedules/space.h"
#include "tuner/base/error.h"

typedef struct qt_strategy qt_strategy;

typedef struct qt_strategy_ops {
  const char *name;
  /* Up to max new valid indices into out; returns how many (0 = space exhausted). Never an
   * index proposed or excluded before. */
  int (*next_batch)(qt_strategy *s, uint64_t *out, int max);
  /* Costs (median ns; a negative cost marks a failed config) of measured indices, whether
   * this run measured them or the log already held them. */
  void (*update)(qt_strategy *s, const uint64_t *indices, const double *costs, int n);
  void (*destroy)(qt_strategy *s);
} qt_strategy_ops;

/* What every strategy shares (search.c keeps it; a strategy adds its own state in impl). */
struct qt_strategy {
  const qt_strategy_ops *ops;
  const qt_space *space;
  uint64_t *valid;    /* the space's valid indices, in enumeration order */
  uint64_t n_valid;
  uint64_t *pool;     /* the same, shuffled by the seed: where random draws come from */
  uint64_t pool_next; /* next position in pool not yet looked at */
  uint8_t *taken;     /* bitmap over dense indices: proposed or excluded */
  uint64_t rng;
  void *impl;
};

/* The strategies, by name: "grid" (enumeration order), "random" (uniform without
 * replacement), "ga" (genetic: tournament selection, uniform crossover over knobs, mutation,
 * elitism), "model" (an XGBoost ranking model of the costs picks each batch; model.c). The strategy keeps a pointer to space, which must outlive it. Deterministic for a
 * seed and a sequence of updates. */
int qt_strategy_create(const char *kind, const qt_space *space, uint64_t seed,
                       qt_strategy **out, qt_err *err);
void qt_strategy_destroy(qt_strategy *s);

/* Transfer: records of another workload (its space, configs of it and their costs, < 0 for a
 * failure) that a learning strategy may use as prior knowledge (the model strategy adds them
 * as one ranking group); other strategies ignore them. 0, or QT_ENOMEM. */
int qt_strategy_learn_other(qt_strategy *s, const qt_space *other, const qt_config *configs,
                            const double *costs, int n);

/* How the model strategy finds its candidates: AUTO (the default) scores every valid config of
 * a space of up to 20,000 and anneals above that; EXHAUSTIVE and ANNEAL force one (tests and
 * bench/search compare them). Other strategies ignore it. */
typedef enum qt_proposals {
  QT_PROPOSALS_AUTO,
  QT_PROPOSALS_EXHAUSTIVE,
  QT_PROPOSALS_ANNEAL,
} qt_proposals;
void qt_strategy_model_proposals(qt_strategy *s, qt_proposals how);

/* The model strategy's k best-scored untaken configs as its proposal method finds them
 * (before the batch's diversity and exploration), best first, into out[k], and how many
 * distinct configs the model scored to find them into *scored; how many (0 for
 * another strategy or a model not fitted yet, which needs MIN_FIT measurements or transfer
 * records). It fits first if something was learnt, and an annealing walk draws from the
 * seed's generator like a batch does. */
int qt_strategy_model_top(qt_strategy *s, uint64_t *out, int k, uint64_t *scored);

/* Where a strategy adds the milliseconds it spends deciding (fitting and scoring); NULL to
 * stop. Strategies that decide in no measurable time add nothing. */
void qt_strategy_time_into(qt_strategy *s, double *ms);

/* The names qt_strategy_create takes, comma-separated ("grid, random, ga, model"), and whether name
 * is one of them. */
const char *qt_strategy_names(void);
int qt_strategy_exists(const char *name);

/* Marks index as already proposed (e.g. the default config, measured first), and whether it
 * was proposed or excluded before. */
void qt_strategy_exclude(qt_strategy *s, uint64_t index);
int qt_strategy_was_excluded(const qt_strategy *s, uint64_t index);

/* Lists the valid indices of space in enumeration order (malloc'd; caller frees). */
int qt_space_enumerate_valid(const qt_space *space, uint64_t **out, uint64_t *n, qt_err *err);

#endif
