/* cost_model.c — cost_model.h over XGBoost's C API. Every XGBoost call's failure becomes
 * QT_EINTERNAL with XGBGetLastError(). */
#include "tuner/search/cost_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#define ROUNDS 100

struct qt_cost_model {
  int nf;
  BoosterHandle booster; /* NULL until fitted */
};

static int xgb_fail(qt_err *err, const char *what) {
  return qt_fail(err, QT_EINTERNAL, "cost model: %s: %s", what, XGBGetLastError());
}

int qt_cost_model_create(int n_features, qt_cost_model **out, qt_err *err) {
  qt_cost_model *m = calloc(1, sizeof *m);
  if (!m) return qt_fail(err, QT_ENOMEM, "out of memory");
  m->nf = n_features;
  *out = m;
  return 0;
}

void qt_cost_model_destroy(qt_cost_model *m) {
  if (!m) return;
  if (m->booster) XGBoosterFree(m->booster);
  free(m);
}

int qt_cost_model_fit(qt_cost_model *m, const float *x, const float *labels, int n,
                      const unsigned *group_sizes, int n_groups, qt_err *err) {
  DMatrixHandle d = NULL;
  BoosterHandle b = NULL;
  int rc = 0;
  if (XGDMatrixCreateFromMat(x, (bst_ulong)n, (bst_ulong)m->nf, NAN, &d) ||
      XGDMatrixSetFloatInfo(d, "label", labels, (bst_ulong)n) ||
      XGDMatrixSetUIntInfo(d, "group", group_sizes, (bst_ulong)n_groups) ||
      XGBoosterCreate(&d, 1, &b))
    rc = xgb_fail(err, "training data");
  static const char *const params[][2] = {
      {"objective", "rank:pairwise"}, {"eta", "0.1"},   {"max_depth", "4"},
      {"min_child_weight", "1"},      {"nthread", "1"}, {"seed", "1"},
      {"verbosity", "0"},             {"tree_method", "exact"}};
  for (size_t i = 0; !rc && i < sizeof params / sizeof params[0]; i++)
    if (XGBoosterSetParam(b, params[i][0], params[i][1])) rc = xgb_fail(err, params[i][0]);
  for (int it = 0; !rc && it < ROUNDS; it++)
    if (XGBoosterUpdateOneIter(b, it, d)) rc = xgb_fail(err, "training");
  if (d) XGDMatrixFree(d);
  if (rc) {
    if (b) XGBoosterFree(b);
    return rc;
  }
  if (m->booster) XGBoosterFree(m->booster);
  m->booster = b;
  return 0;
}

int qt_cost_model_predict(qt_cost_model *m, const float *x, int n, float *scores, qt_err *err) {
  if (!m->booster) return qt_fail(err, QT_EINVAL, "cost model: predict before fit");
  DMatrixHandle d = NULL;
  bst_ulong len = 0;
  const float *pred = NULL;
  int rc = 0;
  if (XGDMatrixCreateFromMat(x, (bst_ulong)n, (bst_ulong)m->nf, NAN, &d) ||
      XGBoosterPredict(m->booster, d, 0, 0, 0, &len, &pred))
    rc = xgb_fail(err, "prediction");
  else if (len != (bst_ulong)n)
    rc = qt_fail(err, QT_EINTERNAL, "cost model: %lu scores for %d rows", (unsigned long)len, n);
  else
    memcpy(scores, pred, sizeof *scores * (size_t)n);
  if (d) XGDMatrixFree(d);
  return rc;
}
