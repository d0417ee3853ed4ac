/* qt_requant.h — requantization, the one place its arithmetic is defined. Used by the
 * reference and by every template's plain C path; ISA micro-kernels must match it bit for bit.
 *
 * out = clamp(zp_out + requant(acc, c), act_min, act_max), in one of two schemes:
 *
 * fixedpoint (TFLite reference / gemmlowp), multiplier M in [0, 2^31), shift s in [-31, 30]:
 *   x1 = s > 0 ? sat32(acc * 2^s) : acc              (left shift saturates to int32)
 *   x2 = SaturatingRoundingDoublingHighMul(x1, M)     = floor(x1 * M / 2^31 + 1/2): ties
 *                                                       toward +inf (-6.5 -> -6), as NEON
 *                                                       SQRDMULH; INT32_MAX for x1 = M = INT32_MIN
 *   x3 = s < 0 ? RoundingDivideByPOT(x2, -s) : x2     = round_half_away_from_zero(x2 / 2^-s)
 *   out = clamp(x3 + zp_out, act_min, act_max)         (the add is done in 64 bits)
 * TFLite leaves overflow of the left shift undefined; qtune defines it as saturation (what
 * NEON's SQSHL does), which only matters for |acc| >= 2^(31-s).
 *
 * fp32 (XNNPACK, ONNX QLinearConv), scale > 0 finite:
 *   f   = (float)acc * scale                    (int->float rounds to nearest even; one mul)
 *   f   = min(max(f, act_min - zp_out), act_max - zp_out)
 *   out = round_half_to_even(f) + zp_out
 * Rounding uses the magic-bias trick (f + 1.5*2^23, read the low mantissa bits), which is
 * exact for |f| < 2^22 — guaranteed by the clamp — and needs no libm. The clamp sits between
 * the multiply and the add, so no compiler can contract them into an FMA; qtune still builds
 * with -ffp-contract=off. */
#ifndef QT_REQUANT_H
#define QT_REQUANT_H

#include <stdint.h>
#include <string.h>

static inline int32_t qt_srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : (1 - (INT64_C(1) << 30));
  /* division truncates toward zero, as gemmlowp's does */
  return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* Arithmetic right shift with rounding half away from zero; exponent in [0, 31]. */
static inline int32_t qt_rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t qt_sat_shl32(int32_t x, int s) {
  int64_t v = (int64_t)x * (INT64_C(1) << s);
  if (v > INT32_MAX) return INT32_MAX;
  if (v < INT32_MIN) return INT32_MIN;
  return (int32_t)v;
}

static inline int32_t qt_clamp_add(int32_t x, int32_t zp, int32_t lo, int32_t hi) {
  int64_t v = (int64_t)x + zp;
  return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* Fixed-point requantization of one accumulator to the clamped output value. */
static inline int32_t qt_requant_fixedpoint(int32_t acc, int32_t multiplier, int32_t shift,
                                            int32_t zp_out, int32_t act_min, int32_t act_max) {
  int32_t x = shift > 0 ? qt_sat_shl32(acc, shift) : acc;
  x = qt_srdhm(x, multiplier);
  if (shift < 0) x = qt_rounding_divide_by_pot(x, -shift);
  return qt_clamp_add(x, zp_out, act_min, act_max);
}

/* fp32 requantization of one accumulator to the clamped output value. */
static inline int32_t qt_requant_fp32(int32_t acc, float scale, int32_t zp_out,
                                      int32_t act_min, int32_t act_max) {
  const float lo = (float)(act_min - zp_out), hi = (float)(act_max - zp_out);
  float f = (float)acc * scale;
  f = f < lo ? lo : f;
  f = f > hi ? hi : f;
  const float magic = 12582912.0f; /* 1.5 * 2^23: the sum's low mantissa bits hold round(f) */
  float biased = f + magic;
  uint32_t bits;
  memcpy(&bits, &biased, sizeof bits);
  return (int32_t)bits - INT32_C(0x4B400000) + zp_out;
}

#endif /* QT_REQUANT_H */
