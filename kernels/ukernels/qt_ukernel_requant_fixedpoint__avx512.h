/* qt_ukernel_requant_fixedpoint__avx512.h — fixed-point requantization of 16 accumulators
 * with AVX-512 (VPSLLVD, VPMULDQ on even and odd lanes, VPSRAVD, VPMOVDB), used by the gemm
 * template's avx512vnni variants for their output channels (GCC's auto-vectorisation of
 * qt_requant_fixedpoint_vec needs several times more instructions per output); and its plain
 * C twin, the loop over qt_requant_fixedpoint_vec. Both equal qt_requant_fixedpoint (the
 * oracle in qt_requant.h) on the domain the quant checks admit, M in [0, 2^31) (so the
 * SRDHM product never needs the INT32_MIN * INT32_MIN saturation), shift in [-31, 30],
 * zp_out, act_min, act_max in [-128, 255]; tests/kernels/test_requant.c checks it
 * exhaustively on edge values and on millions of random inputs.
 *
 * Each function: out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]) for i < 16. */
#ifndef QT_UKERNEL_REQUANT_FIXEDPOINT__AVX512_H
#define QT_UKERNEL_REQUANT_FIXEDPOINT__AVX512_H

#include <stdint.h>

#include "../include/qt_requant.h"

static inline void qt_ukernel_requant_fixedpoint__avx512_c(const int32_t *acc, const int32_t *mul,
                                                          const int32_t *shift, uint8_t *out,
                                                          int32_t zp, int32_t lo, int32_t hi) {
  qt_requant_fixedpoint_span(acc, mul, shift, out, 16, zp, lo, hi);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* Step by step as qt_requant_fixedpoint_vec (whose comments say why each equals the oracle):
 * saturating left shift, SRDHM as floor((x * M + 2^30) / 2^31) on even and odd lanes, the
 * rounding divide with its sign fix-up, the clamp in 32 bits, then the low bytes. */
static inline __attribute__((target("avx512f,avx512bw"))) void
qt_ukernel_requant_fixedpoint__avx512(const int32_t *acc, const int32_t *mul, const int32_t *shift,
                                      uint8_t *out, int32_t zp, int32_t lo, int32_t hi) {
  const __m512i a = _mm512_loadu_si512((const void *)acc);
  const __m512i m = _mm512_loadu_si512((const void *)mul);
  const __m512i s = _mm512_loadu_si512((const void *)shift);
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i l = _mm512_max_epi32(s, zero), r = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
  /* x1 = sat32(acc << l): overflowed iff shifting back does not give acc */
  const __m512i shifted = _mm512_sllv_epi32(a, l);
  const __mmask16 ovf = _mm512_cmpneq_epi32_mask(_mm512_srav_epi32(shifted, l), a);
  const __m512i sat = _mm512_xor_si512(_mm512_srai_epi32(a, 31), _mm512_set1_epi32(INT32_MAX));
  const __m512i x1 = _mm512_mask_blend_epi32(ovf, shifted, sat);
  /* x2 = bits 31..62 of x1 * M + 2^30: even lanes shifted down, odd lanes shifted up into the
   * high half of their 64-bit lane */
  const __m512i nudge = _mm512_set1_epi64(INT64_C(1) << 30);
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x1, m), nudge);
  const __m512i po = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(x1, 32), _mm512_srli_epi64(m, 32)), nudge);
  const __m512i x2 =
      _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  /* x3 = rounding divide by 2^r, half away from zero */
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, r), one);
  const __m512i rem = _mm512_and_si512(x2, mask);
  const __m512i thr = _mm512_sub_epi32(_mm512_srai_epi32(mask, 1), _mm512_srai_epi32(x2, 31));
  __m512i x3 = _mm512_srav_epi32(x2, r);
  x3 = _mm512_mask_add_epi32(x3, _mm512_cmpgt_epi32_mask(rem, thr), x3, one);
  x3 = _mm512_min_epi32(x3, _mm512_set1_epi32(hi - zp));
  x3 = _mm512_max_epi32(x3, _mm512_set1_epi32(lo - zp));
  x3 = _mm512_add_epi32(x3, _mm512_set1_epi32(zp));
  _mm_storeu_si128((__m128i *)(void *)out, _mm512_cvtepi32_epi8(x3));
}
#endif

#endif /* QT_UKERNEL_REQUANT_FIXEDPOINT__AVX512_H */
