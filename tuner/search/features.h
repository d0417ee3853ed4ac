/* features.h — a config of a workload as a vector of numbers, for the cost model. The layout
 * is the same for every workload of a target (templates in registry order, every knob of
 * every template), so records of one workload can teach the model about another; features
 * relative to the workload (tail waste, trip counts, footprint) are what lets that knowledge
 * carry over. Knobs of a template the config does not use are NaN (XGBoost's "missing"). */
#ifndef QT_FEATURES_H
#define QT_FEATURES_H

#include "schedules/space.h"

/* Number of features of every vector (the same for all spaces). */
int qt_features_count(void);

/* Fills f[qt_features_count()] for config c of space s. */
void qt_features(const qt_space *s, const qt_config *c, float *f);

#endif
