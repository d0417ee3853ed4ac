/* qt_ukernel_requant_fixedpoint__hvx.h — fixed-point requantization of 32 accumulators with
 * Hexagon HVX (128-byte vectors, HVX v66), used by the gemm template's hvx variants for their
 * output channels; and its plain C twin, the loop over qt_requant_fixedpoint_vec. Both equal
 * qt_requant_fixedpoint (the oracle in qt_requant.h) on the domain the quant checks admit:
 * M in [0, 2^31) (so the SRDHM product never needs the INT32_MIN * INT32_MIN saturation),
 * shift in [-31, 30], zp_out, act_min, act_max in [-128, 255].
 *
 * The SRDHM is exact, not HVX's rounding high multiply: vmpye(w, uh) and vmpyo(w, h)
 * accumulated as 64-bit pairs (V6_vmpyewuh_64, V6_vmpyowh_64_acc) give the whole product
 * x * M as high and low words, and floor((x * M + 2^30) / 2^31) is taken from them with the
 * carry of the low word. The rest is plain vector arithmetic (clang lowers it to vaslw/vasrw
 * by lane, compares and muxes). Checked under qemu-hexagon against the oracle on 6.4 million
 * random and edge inputs (tests/kernels/hexagon/sweep_hvx.sh runs the gemm variants that use
 * it against the reference).
 *
 * Each function: out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]) for i < 32. */
#ifndef QT_UKERNEL_REQUANT_FIXEDPOINT__HVX_H
#define QT_UKERNEL_REQUANT_FIXEDPOINT__HVX_H

#include <stdint.h>

#include "../include/qt_requant.h"

static inline void qt_ukernel_requant_fixedpoint__hvx_c(const int32_t *acc, const int32_t *mul,
                                                       const int32_t *shift, uint8_t *out,
                                                       int32_t zp, int32_t lo, int32_t hi) {
  for (int i = 0; i < 32; i++)
    out[i] = (uint8_t)qt_requant_fixedpoint_vec(acc[i], mul[i], shift[i], zp, lo, hi);
}

#if defined(__hexagon__) && defined(__HVX__) && __HVX_LENGTH__ == 128
#include "qt_ukernel_hvx.h"

typedef uint32_t qt_hvx_uwvec __attribute__((__vector_size__(128)));
typedef int32_t qt_hvx_pair __attribute__((__vector_size__(256)));

/* a where the lane mask c (all ones or zero, a vector compare's result) is set, else b */
#define QT_HVX_SEL(c, a, b) ((((qt_hvx_vec)(c)) & (a)) | (~((qt_hvx_vec)(c)) & (b)))

/* Step by step as qt_requant_fixedpoint_vec (whose comments say why each equals the oracle). */
static inline void qt_ukernel_requant_fixedpoint__hvx(const int32_t *acc, const int32_t *mul,
                                                     const int32_t *shift, uint8_t *out,
                                                     int32_t zp, int32_t lo, int32_t hi) {
  const qt_hvx_vec a = qt_hvx_loadu(acc), m = qt_hvx_loadu(mul), s = qt_hvx_loadu(shift);
  const qt_hvx_vec zero = {0}, one = zero + 1;
  const qt_hvx_vec l = QT_HVX_SEL(s > zero, s, zero), r = QT_HVX_SEL(s > zero, zero, -s);
  /* x1 = sat32(acc << l): overflowed iff shifting back does not give acc */
  const qt_hvx_vec shifted = a << l;
  const qt_hvx_vec x1 = QT_HVX_SEL((shifted >> l) == a, shifted, (a >> 31) ^ (zero + INT32_MAX));
  /* x2 = floor((x1 * M + 2^30) / 2^31) from the 64-bit product's words */
  qt_hvx_pair p = __builtin_HEXAGON_V6_vmpyewuh_64_128B(x1, m);
  p = __builtin_HEXAGON_V6_vmpyowh_64_acc_128B(p, x1, m);
  const qt_hvx_vec plo = __builtin_HEXAGON_V6_lo_128B(p), phi = __builtin_HEXAGON_V6_hi_128B(p);
  const qt_hvx_uwvec lo1 = (qt_hvx_uwvec)plo + (UINT32_C(1) << 30);
  const qt_hvx_vec carry = (qt_hvx_vec)(lo1 < (qt_hvx_uwvec)plo) & one;
  const qt_hvx_vec x2 = ((phi + carry) << 1) | (qt_hvx_vec)(lo1 >> 31);
  /* x3 = rounding divide by 2^r, half away from zero */
  const qt_hvx_vec mask = (one << r) - one;
  const qt_hvx_vec thr = (mask >> 1) + ((qt_hvx_vec)(x2 < zero) & one);
  qt_hvx_vec x3 = (x2 >> r) + ((qt_hvx_vec)((x2 & mask) > thr) & one);
  const qt_hvx_vec vlo = zero + (lo - zp), vhi = zero + (hi - zp);
  x3 = QT_HVX_SEL(x3 < vlo, vlo, x3);
  x3 = QT_HVX_SEL(x3 > vhi, vhi, x3);
  x3 = x3 + zp;
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)x3[i];
}
#endif

#endif /* QT_UKERNEL_REQUANT_FIXEDPOINT__HVX_H */
