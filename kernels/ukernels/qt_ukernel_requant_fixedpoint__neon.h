/* qt_ukernel_requant_fixedpoint__neon.h — fixed-point requantization of 8 accumulators with
 * aarch64 NEON in TFLite's own sequence (its optimized MultiplyByQuantizedMultiplier):
 * SQSHL by the left shift, SQRDMULH by the multiplier, then RoundingDivideByPOT as SRSHL by
 * the negative right shift after a fix-up that moves negative values down by one (AND with
 * the negative shift, SSHR #31, SQADD), so that SRSHL's ties toward +inf become ties away
 * from zero. Used by the templates' neon and neondot variants; its plain C twin is the loop
 * over qt_requant_fixedpoint_vec. Both equal qt_requant_fixedpoint (the oracle in
 * qt_requant.h) for any multiplier (SQRDMULH saturates INT32_MIN * INT32_MIN itself), shift
 * in [-31, 30], zp_out, act_min, act_max in [-128, 255]; tests/kernels/test_requant.c checks
 * it under qemu.
 * Why each step equals the oracle's:
 *  - SQSHL saturates exactly as qt_sat_shl32; by a shift of 0 it is the identity.
 *  - SQRDMULH = sat32((2 x M + 2^31) >> 32) = floor((x M + 2^30) / 2^31), saturating only
 *    for x = M = INT32_MIN: the oracle's SRDHM (qt_requant.h shows the floor form).
 *  - fix-up: x AND -r has x's sign bit when r > 0 and is 0 when r = 0, so x' = x - 1 for
 *    negative x and r > 0 only. For x < 0 with remainder k = x mod 2^r, SRSHL rounds x' up
 *    iff k - 1 >= 2^(r-1) (k = 0 borrows and rounds back up), i.e. iff k > 2^(r-1): round half
 *    away from zero, as qt_rounding_divide_by_pot. SQADD keeps INT32_MIN (exact for any r).
 *  - the clamp in 32 bits before adding zp, as qt_requant_fixedpoint_vec.
 *
 * qt_ukernel_requant_fixedpoint__neon_params derives what 4 channels' multipliers and
 * shifts give (once per channel block of a tile), qt_ukernel_requant_fixedpoint__neon_apply
 * requantizes a register of 4 accumulators with them, qt_ukernel_requant_store8__neon stores
 * 8 low bytes; qt_ukernel_requant_fixedpoint__neon does it all on arrays of 8 and
 * qt_ukernel_requant_fixedpoint4__neon on arrays of 4:
 * out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]). */
#ifndef QT_UKERNEL_REQUANT_FIXEDPOINT__NEON_H
#define QT_UKERNEL_REQUANT_FIXEDPOINT__NEON_H

#include <stdint.h>
#include <string.h>

#include "../include/qt_requant.h"

static inline void qt_ukernel_requant_fixedpoint__neon_c(const int32_t *acc, const int32_t *mul,
                                                        const int32_t *shift, uint8_t *out,
                                                        int32_t zp, int32_t lo, int32_t hi) {
  qt_requant_fixedpoint_span(acc, mul, shift, out, 8, zp, lo, hi);
}

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

/* What 4 channels' multipliers and shifts give every accumulator of those channels, worked
 * out once per channel block of a tile (qt_template_common.h's qt_tpl_requant_block). */
typedef struct qt_requant_fixedpoint_neon_params {
  int32x4_t m;     /* M */
  int32x4_t l;     /* left shift max(s, 0), for SQSHL */
  int32x4_t neg_r; /* min(s, 0): SRSHL's right shift, and the fix-up's sign test */
} qt_requant_fixedpoint_neon_params;

static inline qt_requant_fixedpoint_neon_params
qt_ukernel_requant_fixedpoint__neon_params(int32x4_t m, int32x4_t s) {
  qt_requant_fixedpoint_neon_params p;
  p.m = m;
  p.l = vmaxq_s32(s, vdupq_n_s32(0));
  p.neg_r = vminq_s32(s, vdupq_n_s32(0));
  return p;
}

/* Returns the clamped int32 output values (zp added) of 4 accumulators. */
static inline int32x4_t qt_ukernel_requant_fixedpoint__neon_apply(
    int32x4_t a, const qt_requant_fixedpoint_neon_params *p, int32_t zp, int32_t lo, int32_t hi) {
  const int32x4_t x2 = vqrdmulhq_s32(vqshlq_s32(a, p->l), p->m);
  const int32x4_t fixup = vshrq_n_s32(vandq_s32(x2, p->neg_r), 31);
  int32x4_t x3 = vrshlq_s32(vqaddq_s32(x2, fixup), p->neg_r);
  x3 = vminq_s32(x3, vdupq_n_s32(hi - zp));
  x3 = vmaxq_s32(x3, vdupq_n_s32(lo - zp));
  return vaddq_s32(x3, vdupq_n_s32(zp));
}

/* params then apply, on arrays of 4 */
static inline int32x4_t qt_ukernel_requant_fixedpoint__neon_v(const int32_t *acc,
                                                              const int32_t *mul,
                                                              const int32_t *shift, int32_t zp,
                                                              int32_t lo, int32_t hi) {
  const qt_requant_fixedpoint_neon_params p =
      qt_ukernel_requant_fixedpoint__neon_params(vld1q_s32(mul), vld1q_s32(shift));
  return qt_ukernel_requant_fixedpoint__neon_apply(vld1q_s32(acc), &p, zp, lo, hi);
}

/* The low bytes of 8 int32 values in [-128, 255] (XTN twice: truncation keeps them). */
static inline void qt_ukernel_requant_store8__neon(int32x4_t v0, int32x4_t v1, uint8_t *out) {
  const int16x8_t w = vcombine_s16(vmovn_s32(v0), vmovn_s32(v1));
  vst1_u8(out, vreinterpret_u8_s8(vmovn_s16(w)));
}

static inline void qt_ukernel_requant_fixedpoint__neon(const int32_t *acc, const int32_t *mul,
                                                       const int32_t *shift, uint8_t *out,
                                                       int32_t zp, int32_t lo, int32_t hi) {
  const int32x4_t v0 = qt_ukernel_requant_fixedpoint__neon_v(acc, mul, shift, zp, lo, hi);
  const int32x4_t v1 = qt_ukernel_requant_fixedpoint__neon_v(acc + 4, mul + 4, shift + 4, zp, lo, hi);
  qt_ukernel_requant_store8__neon(v0, v1, out);
}

/* The same for 4 accumulators (the neondot kernels' NR is a multiple of 4 only). */
static inline void qt_ukernel_requant_fixedpoint4__neon(const int32_t *acc, const int32_t *mul,
                                                        const int32_t *shift, uint8_t *out,
                                                        int32_t zp, int32_t lo, int32_t hi) {
  const int32x4_t v = qt_ukernel_requant_fixedpoint__neon_v(acc, mul, shift, zp, lo, hi);
  const int16x4_t h = vmovn_s32(v);
  const uint32_t w = vget_lane_u32(vreinterpret_u32_s8(vmovn_s16(vcombine_s16(h, h))), 0);
  memcpy(out, &w, sizeof w);
}
#endif

#endif /* QT_UKERNEL_REQUANT_FIXEDPOINT__NEON_H */
