/* qt_ukernel_requant_float_steps.h — what the x86 requant micro-kernels' float forms of
 * TFLite's fixed-point requantization share (pack time only): the exact split of a
 * channel's scale M 2^(shift - 31) into two floats, and the check that a form equals the
 * oracle (qt_requant_fixedpoint) on every int32 accumulator. The forms differ in their
 * instructions (AVX-512 rounds per instruction; AVX2 in the mode MXCSR holds), so each
 * supplies its own evaluation; the check is the same argument for both: a form and the
 * oracle are non-decreasing steps from lo to hi in the accumulator, so they are equal iff
 * they step at the same accumulators. */
#ifndef QT_UKERNEL_REQUANT_FLOAT_STEPS_H
#define QT_UKERNEL_REQUANT_FLOAT_STEPS_H

#include <stdint.h>
#include <string.h>

#include "../include/qt_requant.h"

/* 2^e as a float, e in [-126, 127] (exact: built from its bits). */
static inline float qt_rq_pow2f(int e) {
  const uint32_t bits = (uint32_t)(e + 127) << 23;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* M 2^(sh - 31) as s_hi + s_lo, both exact floats: s_hi from M's top 24 bits, s_lo from the
 * rest (M >= 0, sh in [-31, 30]). */
static inline void qt_rq_float_split(int32_t m, int32_t sh, float *s_hi, float *s_lo) {
  const int bits = m ? 32 - __builtin_clz((unsigned)m) : 0;
  const int32_t m_hi = bits > 24 ? m >> (bits - 24) << (bits - 24) : m;
  *s_hi = (float)m_hi * qt_rq_pow2f(sh - 31);
  *s_lo = (float)(m - m_hi) * qt_rq_pow2f(sh - 31);
}

/* The least int32 x with F(x) = qt_requant_fixedpoint(x, m, sh, zp, lo, hi) >= k, searched
 * from the guess g (F is non-decreasing in x for m >= 0), given F(INT32_MIN) < k <=
 * F(INT32_MAX): a gallop away from g brackets it, then a bisection. A good guess costs two
 * evaluations. */
static inline int32_t qt_rq_step_at(int32_t m, int32_t sh, int32_t zp, int32_t lo, int32_t hi,
                                    int32_t k, int64_t g) {
  int64_t below, at; /* F(below) < k <= F(at) */
  g = g < INT32_MIN + 1 ? INT32_MIN + 1 : g > INT32_MAX ? INT32_MAX : g;
  if (qt_requant_fixedpoint((int32_t)g, m, sh, zp, lo, hi) >= k) {
    at = g;
    for (int64_t step = 1;; step *= 2) {
      below = at - step < INT32_MIN ? INT32_MIN : at - step;
      if (qt_requant_fixedpoint((int32_t)below, m, sh, zp, lo, hi) < k) break;
      at = below;
    }
  } else {
    below = g;
    for (int64_t step = 1;; step *= 2) {
      at = below + step > INT32_MAX ? INT32_MAX : below + step;
      if (qt_requant_fixedpoint((int32_t)at, m, sh, zp, lo, hi) >= k) break;
      below = at;
    }
  }
  while (at - below > 1) {
    const int64_t mid = below + (at - below) / 2;
    if (qt_requant_fixedpoint((int32_t)mid, m, sh, zp, lo, hi) >= k)
      at = mid;
    else
      below = mid;
  }
  return (int32_t)at;
}

/* A form's outputs: out[j] = its clamped output (zero point added) for accumulator x[j], for
 * the lanes j < 16 of one block (lanes past the block's channels are computed and ignored). */
typedef void qt_rq_float_eval_fn(const void *form, const int32_t x[16], int32_t out[16]);

/* 1 if eval's form gives the oracle's output for every int32 accumulator in each of the first
 * n (1..16) lanes of mul and shift, with zero point zp and the clamp [lo, hi]; else 0. The form
 * must be non-decreasing in the accumulator from lo to hi (its comment says why); then it equals
 * the oracle iff for every k in (lo, hi] and lane it gives >= k at the oracle's least x with
 * F(x) >= k and < k at the x before it (or < k at INT32_MAX where F stays below k, >= k at
 * INT32_MIN where F starts at or above it): 2 (hi - lo) evaluations of 16 lanes and about as
 * many scalar oracle calls per lane. */
static inline int qt_rq_float_steps_exact(const void *form, qt_rq_float_eval_fn *eval,
                                          const int32_t *mul, const int32_t *shift, int n,
                                          int32_t zp, int32_t lo, int32_t hi) {
  double step[16];              /* the accumulators per output step, 1 / s */
  int32_t f_min[16], f_max[16]; /* F(INT32_MIN), F(INT32_MAX) */
  for (int j = 0; j < n; j++) {
    if (mul[j] < 0 || shift[j] < -31 || shift[j] > 30) return 0;
    step[j] = mul[j] ? (double)(UINT64_C(1) << (31 - shift[j])) / (double)mul[j] : 0.0;
    f_min[j] = qt_requant_fixedpoint(INT32_MIN, mul[j], shift[j], zp, lo, hi);
    f_max[j] = qt_requant_fixedpoint(INT32_MAX, mul[j], shift[j], zp, lo, hi);
  }
  for (int32_t k = lo + 1; k <= hi; k++) {
    int32_t x_at[16] = {0}, x_below[16] = {0}, g_at[16], g_below[16];
    int want_at[16] = {0}, want_below[16] = {0}; /* lanes to check at their step, just below */
    for (int j = 0; j < n; j++) {
      if (f_min[j] >= k) {
        x_at[j] = INT32_MIN;
        want_at[j] = 1;
      } else if (f_max[j] < k) {
        x_below[j] = INT32_MAX;
        want_below[j] = 1;
      } else {
        /* where V + 1/2 + zp reaches k: within an accumulator or two of F's step, and inside
         * int32, so the double is close enough for a guess */
        const double guess = ((double)(k - zp) - 0.5) * step[j];
        x_at[j] = qt_rq_step_at(mul[j], shift[j], zp, lo, hi, k,
                                guess < -4e9  ? -(INT64_C(1) << 32)
                                : guess > 4e9 ? INT64_C(1) << 32
                                              : (int64_t)guess);
        x_below[j] = x_at[j] - 1;
        want_at[j] = want_below[j] = 1;
      }
    }
    eval(form, x_at, g_at);
    eval(form, x_below, g_below);
    for (int j = 0; j < n; j++)
      if ((want_at[j] && g_at[j] < k) || (want_below[j] && g_below[j] >= k)) return 0;
  }
  return 1;
}

#endif /* QT_UKERNEL_REQUANT_FLOAT_STEPS_H */
