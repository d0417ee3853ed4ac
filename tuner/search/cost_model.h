/* cost_model.h — a learnt ranking of configs: gradient-boosted trees from XGBoost's C API with
 * the rank:pairwise objective (as AutoTVM's XGBTuner), over feature vectors (features.h).
 * Rows come in groups (one per workload): only the order of labels within a group is learnt,
 * so workloads of very different speed teach one model. Deterministic: one thread, fixed
 * seed. */
#ifndef QT_COST_MODEL_H
#define QT_COST_MODEL_H

#include "tuner/base/error.h"

typedef struct qt_cost_model qt_cost_model;

int qt_cost_model_create(int n_features, qt_cost_model **out, qt_err *err);
void qt_cost_model_destroy(qt_cost_model *m);

/* Fits anew on n rows x[n * n_features] with relevance labels (higher is better; any scale)
 * in groups of consecutive rows (group_sizes[n_groups], summing to n). QT_EINTERNAL with
 * XGBoost's message on failure. */
int qt_cost_model_fit(qt_cost_model *m, const float *x, const float *labels, int n,
                      const unsigned *group_sizes, int n_groups, qt_err *err);

/* Scores of n rows (higher: predicted faster) into scores[n]; the model must be fitted. */
int qt_cost_model_predict(qt_cost_model *m, const float *x, int n, float *scores, qt_err *err);

#endif
