/* qt_ukernel_requant_fixedpoint__avx512.h — fixed-point requantization of 16 accumulators
 * with AVX-512 (VPMULUDQ on even and odd lanes and shifts of their high halves; VPMOVDB to
 * bytes), used by the avx512 and avx512vnni variants of
 * every template for their output channels (GCC's auto-vectorisation of
 * qt_requant_fixedpoint_vec needs several times more instructions per output); and its
 * plain C twin, the loop over qt_requant_fixedpoint_vec. Both equal qt_requant_fixedpoint
 * (the oracle in qt_requant.h) on the domain the quant checks admit: multiplier in [0, 2^31)
 * (so the SRDHM product never needs the INT32_MIN * INT32_MIN saturation), shift in
 * [-31, 30], zp_out, act_min, act_max in [-128, 255] (the twin for any multiplier);
 * tests/kernels/test_requant.c checks it on edge values, ties and millions of random inputs.
 *
 * qt_ukernel_requant_fixedpoint__avx512_params derives what 16 channels' multipliers and
 * shifts and the layer's output zero point give (once per channel block: the templates keep
 * them in their requant table). Where no lane shifts left (almost every layer),
 * ..._avx512_scale_noleft scales a register of 16 accumulators with them in 12 instructions:
 * both 32 x 32 -> 64-bit products as VPMULUDQ, and the two roundings as shifts of their high
 * halves (its comment says why that equals the oracle). Otherwise ..._avx512_scale takes the
 * AVX2 micro-kernel's steps (qt_ukernel_requant_fixedpoint__avx2.h, whose comments say why
 * each equals the oracle) on 16 lanes, 13 instructions plus 5 for the saturating left shift.
 * ..._avx512_apply picks one, adds the zero point and clamps;
 * qt_ukernel_requant_store16__avx512 stores the low bytes (of the first n lanes: a masked
 * store for a block's tail), and qt_ukernel_requant_fixedpoint__avx512 does all of it on
 * arrays: out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]) for i < 16. */
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

/* What 16 channels' multipliers and shifts, and the layer's output zero point, give every
 * accumulator of those channels. */
typedef struct qt_requant_fixedpoint_avx512_params {
  __m512i r; /* right shift max(-s, 0) */
  /* the constants of the form the block takes (5 vectors in all: a requant table entry stays
   * 384 bytes per 16 channels) */
  union {
    struct {            /* some lane shifts left: ..._scale */
      __m512i m, m_odd; /* M, and its odd lanes moved to the even ones (VPMULDQ reads those) */
      __m512i l;        /* left shift max(s, 0) */
      __m512i half;     /* 2^r / 2: 2^(r - 1), 0 for r = 0 */
    };
    struct {              /* none does: ..._scale_noleft */
      __m512i m2, m2_odd; /* 2M as uint32, and its odd lanes moved to the even ones */
      __m512i m2p1, rm1;  /* 2M + 1 (mod 2^32), r - 1 */
    };
  };
  int32_t zp;
  int left; /* some lane shifts left */
} qt_requant_fixedpoint_avx512_params;

static inline __attribute__((target("avx512f,avx512bw"))) qt_requant_fixedpoint_avx512_params
qt_ukernel_requant_fixedpoint__avx512_params(__m512i m, __m512i s, int32_t zp) {
  qt_requant_fixedpoint_avx512_params p;
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i l = _mm512_max_epi32(s, zero);
  p.r = _mm512_sub_epi32(l, s);
  p.zp = zp;
  /* per-layer scales almost never shift left: the branch (the same way for every block of a
   * layer) takes the shorter form then */
  p.left = _mm512_test_epi32_mask(l, l) != 0;
  if (p.left) {
    p.m = m;
    p.m_odd = _mm512_shuffle_epi32(m, (_MM_PERM_ENUM)0xF5);
    p.l = l;
    p.half = _mm512_srli_epi32(_mm512_sllv_epi32(one, p.r), 1);
  } else {
    p.m2 = _mm512_add_epi32(m, m);
    p.m2_odd = _mm512_shuffle_epi32(p.m2, (_MM_PERM_ENUM)0xF5);
    p.m2p1 = _mm512_add_epi32(p.m2, one);
    p.rm1 = _mm512_sub_epi32(p.r, one);
  }
  return p;
}

/* The same from arrays of n <= 16 channels (the lanes past n get M = 0, shift 0). */
static inline __attribute__((target("avx512f,avx512bw"))) qt_requant_fixedpoint_avx512_params
qt_ukernel_requant_fixedpoint__avx512_load_params(const int32_t *mul, const int32_t *shift, int n,
                                                  int32_t zp) {
  const __mmask16 k = (__mmask16)((1u << n) - 1u);
  return qt_ukernel_requant_fixedpoint__avx512_params(_mm512_maskz_loadu_epi32(k, mul),
                                                      _mm512_maskz_loadu_epi32(k, shift), zp);
}

/* Returns the scaled value of 16 accumulators x, before the zero point and the clamp, for a
 * block where no lane shifts left (!p->left: almost every layer): TFLite's two roundings in
 * 12 instructions instead of 13, the two 32 x 32 -> 64-bit multiplies included.
 * - SRDHM(x, M) = floor((x M + 2^30) / 2^31) for both signs of x M (its negative nudge
 *   1 - 2^30 and C's truncating divide make the same floor). VPMULUDQ of x read unsigned
 *   (u = x + 2^32 [x < 0]) by 2M (< 2^32) plus 2^31 has, in its high half,
 *   floor((2 x M + 2^31) / 2^32) + 2M [x < 0] = SRDHM + 2M [x < 0] (mod 2^32); the even
 *   lanes' high halves move down into the odd lanes' product with one masked VPSHUFD.
 * - Subtracting 2M + 1 where x < 0 leaves W = SRDHM - [x < 0], which fits int32.
 * - The divide by 2^r rounding half away from zero is floor((SRDHM + 2^(r-1) - [SRDHM < 0])
 *   / 2^r) for r >= 1; [x < 0] differs from [SRDHM < 0] only where SRDHM = 0, and both give
 *   0 there. That is (W >> r) + bit r - 1 of W, which cannot overflow. For r = 0 the shift
 *   count r - 1 is 2^32 - 1, for which VPSRAVD fills with the sign: W + [W < 0] = SRDHM. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_scale_noleft(__m512i a,
                                                   const qt_requant_fixedpoint_avx512_params *p) {
  const __m512i nudge = _mm512_set1_epi64(INT64_C(1) << 31);
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epu32(a, p->m2), nudge);
  const __m512i po = _mm512_add_epi64(
      _mm512_mul_epu32(_mm512_shuffle_epi32(a, (_MM_PERM_ENUM)0xF5), p->m2_odd), nudge);
  const __m512i hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, (_MM_PERM_ENUM)0xF5);
  const __m512i w =
      _mm512_mask_sub_epi32(hi, _mm512_cmplt_epi32_mask(a, _mm512_setzero_si512()), hi, p->m2p1);
  return _mm512_add_epi32(_mm512_srav_epi32(w, p->r),
                          _mm512_and_si512(_mm512_srav_epi32(w, p->rm1), _mm512_set1_epi32(1)));
}

/* Returns x3, the scaled int32 values of 16 accumulators before the output zero point and
 * the clamp, for a block where some lane shifts left (p->left: only then do the params hold
 * M, l and half). */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_scale(__m512i a,
                                            const qt_requant_fixedpoint_avx512_params *p) {
  /* x1 = sat32(acc << l): overflowed iff shifting back does not give acc */
  const __m512i shifted = _mm512_sllv_epi32(a, p->l);
  const __mmask16 ok = _mm512_cmpeq_epi32_mask(_mm512_srav_epi32(shifted, p->l), a);
  const __m512i sat = _mm512_xor_si512(_mm512_srai_epi32(a, 31), _mm512_set1_epi32(INT32_MAX));
  const __m512i x1 = _mm512_mask_blend_epi32(ok, sat, shifted);
  /* x2 = SRDHM(x1, M) = bits 31..62 of x1 * M + 2^30: even lanes shifted down, odd lanes
   * (moved to the even positions by VPSHUFD) shifted up into the high half of their lane */
  const __m512i nudge = _mm512_set1_epi64(INT64_C(1) << 30);
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x1, p->m), nudge);
  const __m512i po = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_shuffle_epi32(x1, (_MM_PERM_ENUM)0xF5), p->m_odd), nudge);
  const __m512i x2 =
      _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  /* x3 = sign(x2) * floor((|x2| + 2^r / 2) / 2^r), the rounding divide half away from zero
   * (|x2| < 2^31, so the logical shift reads the sum unsigned); AVX-512 has no VPSIGND: the
   * negative lanes are negated under their sign mask */
  const __m512i q = _mm512_srlv_epi32(_mm512_add_epi32(_mm512_abs_epi32(x2), p->half), p->r);
  const __m512i zero = _mm512_setzero_si512();
  return _mm512_mask_sub_epi32(q, _mm512_cmplt_epi32_mask(x2, zero), zero, q);
}

/* Returns the clamped int32 output values (zp added) of 16 accumulators: ..._scale_noleft
 * where no lane shifts left, else the general steps. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_apply(__m512i a, const qt_requant_fixedpoint_avx512_params *p,
                                            int32_t lo, int32_t hi) {
  const int32_t zp = p->zp;
  __m512i x3 = p->left ? qt_ukernel_requant_fixedpoint__avx512_scale(a, p)
                       : qt_ukernel_requant_fixedpoint__avx512_scale_noleft(a, p);
  x3 = _mm512_min_epi32(x3, _mm512_set1_epi32(hi - zp));
  x3 = _mm512_max_epi32(x3, _mm512_set1_epi32(lo - zp));
  return _mm512_add_epi32(x3, _mm512_set1_epi32(zp));
}

/* Stores the low bytes of the first n (1..16) lanes of v (truncation, as the twin's cast):
 * VPMOVDB, then one 16-byte store, or a masked one for n < 16. */
static inline __attribute__((target("avx512f,avx512bw"))) void qt_ukernel_requant_store16__avx512(
    __m512i v, uint8_t *out, int n) {
  if (n == 16)
    _mm_storeu_si128((__m128i *)(void *)out, _mm512_cvtepi32_epi8(v));
  else
    _mm512_mask_cvtepi32_storeu_epi8(out, (__mmask16)((1u << n) - 1u), v);
}

/* out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]) for i < n (1..16): every array read
 * and written masked, so nothing past n is touched (a span's last channels). */
static inline __attribute__((target("avx512f,avx512bw"))) void
qt_ukernel_requant_fixedpoint_n__avx512(const int32_t *acc, const int32_t *mul,
                                        const int32_t *shift, uint8_t *out, int n, int32_t zp,
                                        int32_t lo, int32_t hi) {
  const qt_requant_fixedpoint_avx512_params p =
      qt_ukernel_requant_fixedpoint__avx512_load_params(mul, shift, n, zp);
  qt_ukernel_requant_store16__avx512(
      qt_ukernel_requant_fixedpoint__avx512_apply(
          _mm512_maskz_loadu_epi32((__mmask16)((1u << n) - 1u), acc), &p, lo, hi),
      out, n);
}

static inline __attribute__((target("avx512f,avx512bw"))) void
qt_ukernel_requant_fixedpoint__avx512(const int32_t *acc, const int32_t *mul, const int32_t *shift,
                                      uint8_t *out, int32_t zp, int32_t lo, int32_t hi) {
  const qt_requant_fixedpoint_avx512_params p = qt_ukernel_requant_fixedpoint__avx512_params(
      _mm512_loadu_si512((const void *)mul), _mm512_loadu_si512((const void *)shift), zp);
  qt_ukernel_requant_store16__avx512(qt_ukernel_requant_fixedpoint__avx512_apply(
                                         _mm512_loadu_si512((const void *)acc), &p, lo, hi),
                                     out, 16);
}
#endif

#endif /* QT_UKERNEL_REQUANT_FIXEDPOINT__AVX512_H */
