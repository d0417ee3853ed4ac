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
 * Two implementations of fixedpoint, bit-identical on the domain the quant checks admit
 * (M in [0, 2^31), s in [-31, 30], zp_out, act_min, act_max in [-2^30, 2^30]):
 *   qt_requant_fixedpoint       the documented oracle, written as the definition reads (the
 *                               reference uses it);
 *   qt_requant_fixedpoint_vec   the same function with no data-dependent branch and no 64-bit
 *                               division, every step a lane-wise vector operation (gemmlowp's
 *                               NEON formulation: SQSHL, SQRDMULH, then a rounding shift with a
 *                               sign fix-up). Templates use it in their requantization loops so
 *                               GCC vectorises them (x86: VPSLLVD/VPMULDQ/VPSRAVD; aarch64:
 *                               SSHL/SMULL/SSHR); tests/kernels/test_requant.c checks it
 *                               against the oracle on all edge values and millions of random
 *                               inputs.
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

/* qt_requant_fixedpoint, branch-free and vectorisable (contract and domain: top of file).
 * Why each step equals the oracle's:
 *  - left shift: acc << l in 32 bits overflowed iff shifting back does not give acc; then
 *    the result saturates toward acc's sign (SQSHL). l = max(s, 0), so l = 0 is the identity.
 *  - SRDHM: the oracle's nudge-and-truncate, (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31
 *    rounded toward zero, equals floor((ab + 2^30) / 2^31), i.e. an arithmetic shift (for
 *    ab = -n: trunc((1 - 2^30 - n) / 2^31) = -floor((n + 2^30 - 1) / 2^31) =
 *    -ceil((n - 2^30) / 2^31)). Only a = b = INT32_MIN exceeds int32 (2^31): the min with
 *    INT32_MAX is the oracle's saturation, so this holds even for negative multipliers.
 *  - rounding divide: remainder-vs-threshold as in the oracle, with (x < 0) a lane mask and
 *    r = 0 needing no branch (mask 0, remainder 0 is never above threshold >= 0).
 *  - clamp in 32 bits before adding zp: x in [lo - zp, hi - zp] cannot overflow there given
 *    the domain, and clamp(x + zp) = clamp(x, lo - zp, hi - zp) + zp. */
/* Its first step, the saturating left shift x1 (also the dsp requant micro-kernel's). */
static inline int32_t qt_requant_fixedpoint_shl(int32_t acc, int32_t shift) {
  const int32_t l = shift > 0 ? shift : 0;
  const int32_t shifted = (int32_t)((uint32_t)acc << l);
  const int32_t sat = acc < 0 ? INT32_MIN : INT32_MAX;
  return (shifted >> l) == acc ? shifted : sat;
}

/* Its last steps from x2 = SRDHM(x1, M): the rounding divide and the clamp (likewise). */
static inline int32_t qt_requant_fixedpoint_rdiv_clamp(int32_t x2, int32_t shift,
                                                       int32_t zp_out, int32_t act_min,
                                                       int32_t act_max) {
  const int32_t r = shift > 0 ? 0 : -shift;
  const int32_t mask = (int32_t)((UINT32_C(1) << r) - 1u);
  const int32_t threshold = (mask >> 1) + (x2 < 0 ? 1 : 0);
  int32_t x3 = (x2 >> r) + ((x2 & mask) > threshold ? 1 : 0);
  const int32_t lo = act_min - zp_out, hi = act_max - zp_out;
  x3 = x3 < lo ? lo : x3;
  x3 = x3 > hi ? hi : x3;
  return x3 + zp_out;
}

static inline int32_t qt_requant_fixedpoint_vec(int32_t acc, int32_t multiplier, int32_t shift,
                                                int32_t zp_out, int32_t act_min,
                                                int32_t act_max) {
  const int32_t x1 = qt_requant_fixedpoint_shl(acc, shift);
  int64_t p = ((int64_t)x1 * (int64_t)multiplier + (INT64_C(1) << 30)) >> 31;
  p = p > INT32_MAX ? INT32_MAX : p;
  return qt_requant_fixedpoint_rdiv_clamp((int32_t)p, shift, zp_out, act_min, act_max);
}

/* out[i] = (uint8_t)qt_requant_fixedpoint_vec(acc[i], mul[i], shift[i], ...) for i < n: the
 * plain C twin of the requant micro-kernels (kernels/ukernels/qt_ukernel_requant_*.h). */
static inline void qt_requant_fixedpoint_span(const int32_t *acc, const int32_t *mul,
                                              const int32_t *shift, uint8_t *out, int n,
                                              int32_t zp, int32_t lo, int32_t hi) {
  for (int i = 0; i < n; i++)
    out[i] = (uint8_t)qt_requant_fixedpoint_vec(acc[i], mul[i], shift[i], zp, lo, hi);
}

/* A real scale as the (multiplier, shift) of the fixedpoint scheme, exactly as TFLite's
 * QuantizeMultiplier: scale = q * 2^shift with q in [0.5, 1) (frexp), multiplier =
 * round_half_away_from_zero(q * 2^31); q rounding up to 1.0 becomes 2^30 with shift + 1; a
 * shift below -31 gives (0, 0), one above 30 saturates to (INT32_MAX, 30); scale 0 gives
 * (0, 0). Returns 0, or -1 (outputs untouched) for a negative, infinite or NaN scale.
 * Implemented in kernels/reference/qt_quantize.c (qtkernels; needs libm's frexp). */
int qt_quantize_multiplier(double scale, int32_t *multiplier, int32_t *shift);

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
