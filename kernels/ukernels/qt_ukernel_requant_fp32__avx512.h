/* qt_ukernel_requant_fp32__avx512.h — fp32 requantization (qt_requant_fp32 in qt_requant.h:
 * XNNPACK's scheme) of 16 accumulators with AVX-512, used by the avx512 and avx512vnni
 * variants of every template; and its plain C twin, the loop over qt_requant_fp32.
 *
 * Per 16 outputs: VCVTDQ2PS, VMULPS by the channels' scales, VMAXPS/VMINPS to
 * [act_min - zp, act_max - zp], VCVTPS2DQ rounding to nearest even ({rn-sae}), VPADDD zp, then
 * VPMOVDB to bytes. GCC 12 vectorises the template's C loop 8 lanes wide under -march=native
 * on Zen (its tuning prefers 256 bits) with two byte permutes per 32 outputs, and reloads the
 * scales for every pixel: about twice the instructions, which on the 3-channel stem (27
 * multiply-adds per output) were half of the layer's time.
 *
 * Equal to qt_requant_fp32 for every accumulator: the conversion and the product round to
 * nearest even in both (MXCSR's default, which the C code assumes too); max/min pick what the
 * C comparisons pick (for f = -0.0 against a bound of 0.0 either zero rounds to 0); and once
 * clamped |f| <= 383 < 2^22, where the magic-bias rounding of the twin and VCVTPS2DQ's
 * round-to-nearest-even agree. tests/kernels/test_requant.c checks it on edge values, ties and
 * random inputs. */
#ifndef QT_UKERNEL_REQUANT_FP32__AVX512_H
#define QT_UKERNEL_REQUANT_FP32__AVX512_H

#include <stdint.h>

#include "../include/qt_requant.h"
#include "qt_ukernel_requant_fixedpoint__avx512.h"

/* out[i] = (uint8_t)qt_requant_fp32(acc[i], scale[i], ...) for i < n. */
static inline void qt_ukernel_requant_fp32__avx512_c(const int32_t *acc, const float *scale,
                                                     uint8_t *out, int n, int32_t zp, int32_t lo,
                                                     int32_t hi) {
  for (int i = 0; i < n; i++) out[i] = (uint8_t)qt_requant_fp32(acc[i], scale[i], zp, lo, hi);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* What 16 channels' scales and the layer's zero point and clamp give every accumulator of
 * those channels (derived once per channel block and tile). */
typedef struct qt_requant_fp32_avx512_params {
  __m512 scale, lo, hi; /* per-channel scales; act_min - zp, act_max - zp */
  __m512i zp;
} qt_requant_fp32_avx512_params;

/* The params of the first n (1..16) channels of scale (read masked: nothing past n is read;
 * the lanes past n get scale 0). */
static inline __attribute__((target("avx512f,avx512bw"))) qt_requant_fp32_avx512_params
qt_ukernel_requant_fp32__avx512_params(const float *scale, int n, int32_t zp, int32_t lo,
                                       int32_t hi) {
  qt_requant_fp32_avx512_params p;
  p.scale =
      n == 16 ? _mm512_loadu_ps(scale) : _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), scale);
  p.lo = _mm512_set1_ps((float)(lo - zp));
  p.hi = _mm512_set1_ps((float)(hi - zp));
  p.zp = _mm512_set1_epi32(zp);
  return p;
}

/* Returns the clamped int32 output values (zp added) of 16 accumulators. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fp32__avx512_apply(__m512i a, const qt_requant_fp32_avx512_params *p) {
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(a), p->scale);
  f = _mm512_min_ps(_mm512_max_ps(f, p->lo), p->hi);
  return _mm512_add_epi32(
      _mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), p->zp);
}

/* The rounded output values of 16 accumulators, zp not added, clamped at hi - zp only: the
 * input of qt_ukernel_requant_pack64__avx512 (which adds zp and clamps at lo on the bytes).
 * A product below INT32_MIN converts to INT32_MIN, which the packs saturate like any value
 * below lo - zp; above, the float clamp keeps it in range. sat (a constant): without that
 * clamp, for a layer whose hi is the dtype's maximum (the packs' saturation clamps above) and
 * whose accumulators x all have |x scale| < 2^30, so the conversion cannot overflow (the
 * templates' qt_tpl_rq_sat_layer proves it at pack time): a value above hi - zp saturates in
 * the packs to hi, as the clamp would, the same bytes with one instruction fewer (of 4 per 16
 * outputs). */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fp32__avx512_hi(__m512i a, const qt_requant_fp32_avx512_params *p,
                                   const int sat) {
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(a), p->scale);
  if (!sat) f = _mm512_min_ps(f, p->hi);
  return _mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* out[i] = requant(acc[i]) for the first n (1..16) channels of the block p was derived for:
 * acc read and out written masked when n < 16, so nothing past n is touched. Templates call
 * it per pixel of a tile with the tile's params. */
static inline __attribute__((target("avx512f,avx512bw"))) void
qt_ukernel_requant_fp32__avx512_pixel(const int32_t *acc, const qt_requant_fp32_avx512_params *p,
                                      uint8_t *out, int n) {
  const __m512i a = n == 16 ? _mm512_loadu_si512((const void *)acc)
                            : _mm512_maskz_loadu_epi32((__mmask16)((1u << n) - 1u), acc);
  qt_ukernel_requant_store16__avx512(qt_ukernel_requant_fp32__avx512_apply(a, p), out, n);
}

/* out[i] = (uint8_t)qt_requant_fp32(acc[i], scale[i], ...) for i < n (1..16): every array read
 * and written masked when n < 16, so nothing past n is touched (a span's last channels). */
static inline __attribute__((target("avx512f,avx512bw"))) void qt_ukernel_requant_fp32__avx512(
    const int32_t *acc, const float *scale, uint8_t *out, int n, int32_t zp, int32_t lo,
    int32_t hi) {
  const qt_requant_fp32_avx512_params p =
      qt_ukernel_requant_fp32__avx512_params(scale, n, zp, lo, hi);
  qt_ukernel_requant_fp32__avx512_pixel(acc, &p, out, n);
}
#endif

#endif /* QT_UKERNEL_REQUANT_FP32__AVX512_H */
