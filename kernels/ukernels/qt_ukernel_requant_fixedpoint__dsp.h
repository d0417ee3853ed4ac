/* qt_ukernel_requant_fixedpoint__dsp.h — fixedpoint requantization (kernels/include/
 * qt_requant.h) of one accumulator for the isa value dsp of the gemm and dwconv templates
 * (Armv7E-M: Cortex-M4, M7): TFLite's SaturatingRoundingDoublingHighMul with SMMULR (the
 * rounded high word of a 32 x 32 product, one instruction) instead of a 64-bit multiply,
 * shift and saturation; and its plain C twin, the same code with SMMULR modelled in C, used
 * where the compiler does not target the DSP extension (tested everywhere).
 *
 * Why SMMULR gives SRDHM exactly: SRDHM(a, b) = floor((a*b + 2^30) / 2^31) for every (a, b)
 * except a = b = INT32_MIN, where it saturates to INT32_MAX (qt_requant.h, _vec's proof), and
 * SMMULR(x, y) = floor((x*y + 2^31) / 2^32). With x = 2a that is floor((2ab + 2^31) / 2^32)
 * = SRDHM(a, b), valid while 2a fits in int32, i.e. a in [-2^30, 2^30). Outside it (|x1| >=
 * 2^30: large accumulators or a saturated left shift, rare in a network) a branch takes the
 * exact 64-bit path with the saturation. The left shift, the rounding divide and the clamp
 * are qt_requant.h's (qt_requant_fixedpoint_shl, _rdiv_clamp), so the function differs from
 * qt_requant_fixedpoint_vec only in the multiply; tests/kernels/test_requant.c checks the
 * twin against the oracle on every edge value, SRDHM and rounding ties and random inputs, and
 * the sweeps check the SMMULR form on qemu's MPS2 boards. */
#ifndef QT_UKERNEL_REQUANT_FIXEDPOINT__DSP_H
#define QT_UKERNEL_REQUANT_FIXEDPOINT__DSP_H

#include <stdint.h>

#include "qt_requant.h"

/* SMMULR as the instruction computes it: the high word of x*y + 2^31. */
static inline int32_t qt_uk_smmulr_c(int32_t x, int32_t y) {
  return (int32_t)(((int64_t)x * (int64_t)y + (INT64_C(1) << 31)) >> 32);
}

#if defined(__ARM_FEATURE_DSP)
/* arm_acle.h (GCC 12) has no SMMULR intrinsic. */
static inline int32_t qt_uk_smmulr(int32_t x, int32_t y) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(x), "r"(y));
  return r;
}
#else
#define qt_uk_smmulr qt_uk_smmulr_c
#endif

/* SRDHM(a, b) through SMMUL (smmulr: the instruction or its model) when 2a fits in int32,
 * else exactly in 64 bits, saturating a = b = INT32_MIN to INT32_MAX. */
#define QT_UK_SRDHM_SMMULR(a, b, smmulr)                                                   \
  ((uint32_t)(a) + (UINT32_C(1) << 30) < (UINT32_C(1) << 31)                               \
       ? smmulr((int32_t)((uint32_t)(a) << 1), (b))                                        \
       : qt_uk_srdhm_wide((a), (b)))

static inline int32_t qt_uk_srdhm_wide(int32_t a, int32_t b) {
  const int64_t p = ((int64_t)a * (int64_t)b + (INT64_C(1) << 30)) >> 31;
  return p > INT32_MAX ? INT32_MAX : (int32_t)p;
}

/* The plain C twin: qt_requant_fixedpoint_vec's result, through the SMMULR model. */
static inline int32_t qt_ukernel_requant_fixedpoint__dsp_c(int32_t acc, int32_t multiplier,
                                                           int32_t shift, int32_t zp,
                                                           int32_t lo, int32_t hi) {
  const int32_t x1 = qt_requant_fixedpoint_shl(acc, shift);
  return qt_requant_fixedpoint_rdiv_clamp(QT_UK_SRDHM_SMMULR(x1, multiplier, qt_uk_smmulr_c),
                                          shift, zp, lo, hi);
}

/* One output: SMMULR where compiled for the DSP extension, else the same as the twin. */
static inline int32_t qt_ukernel_requant_fixedpoint__dsp(int32_t acc, int32_t multiplier,
                                                         int32_t shift, int32_t zp, int32_t lo,
                                                         int32_t hi) {
  const int32_t x1 = qt_requant_fixedpoint_shl(acc, shift);
  return qt_requant_fixedpoint_rdiv_clamp(QT_UK_SRDHM_SMMULR(x1, multiplier, qt_uk_smmulr),
                                          shift, zp, lo, hi);
}

#endif /* QT_UKERNEL_REQUANT_FIXEDPOINT__DSP_H */
