/* qt_ukernel_requant_fixedpoint__avx2.h — fixed-point requantization of 8 accumulators with
 * AVX2 (VPSLLVD, VPMULDQ on even and odd lanes, VPABSD/VPSRLVD/VPSIGND for the rounding
 * divide, VPSHUFB to bytes), used by every template's avx2 variants for their output channels
 * (GCC's auto-vectorisation of qt_requant_fixedpoint_vec emulates the 64-bit products lane by
 * lane: fixedpoint cost ~1.5x fp32 over MobileNetV2); and its plain C twin, the loop over
 * qt_requant_fixedpoint_vec. Both equal qt_requant_fixedpoint (the oracle in qt_requant.h) on
 * the domain the quant checks admit: multiplier in [0, 2^31), shift in [-31, 30], zp_out,
 * act_min, act_max in [-128, 255] (the twin for any multiplier);
 * tests/kernels/test_requant.c checks it on edge values and on millions of random inputs.
 *
 * qt_ukernel_requant_fixedpoint__avx2_params derives what 8 channels' multipliers and
 * shifts give (once per channel block of a tile), qt_ukernel_requant_fixedpoint__avx2_apply
 * requantizes a register of 8 accumulators with them, qt_ukernel_requant_store8__avx2 stores
 * the low bytes, and qt_ukernel_requant_fixedpoint__avx2 does all three on arrays:
 * out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]) for i < 8.
 *
 * The float form: ..._avx2_try_float (pack time) switches a block's params to it where a check
 * of every output step says it equals the oracle (nearly every real block); ..._avx2_float then
 * scales 8 accumulators in 7 instructions against the integer form's 12, with FMA, and only
 * while MXCSR rounds down (qt_ukernel_requant_round_down_begin/_end around the run): AVX2 has
 * no rounding control per instruction. ..._avx2_scale_any and ..._avx2_apply_any take the
 * block's form. */
#ifndef QT_UKERNEL_REQUANT_FIXEDPOINT__AVX2_H
#define QT_UKERNEL_REQUANT_FIXEDPOINT__AVX2_H

#include <stdint.h>
#include <string.h>

#include "../include/qt_requant.h"
#include "qt_ukernel_requant_float_steps.h"

static inline void qt_ukernel_requant_fixedpoint__avx2_c(const int32_t *acc, const int32_t *mul,
                                                        const int32_t *shift, uint8_t *out,
                                                        int32_t zp, int32_t lo, int32_t hi) {
  qt_requant_fixedpoint_span(acc, mul, shift, out, 8, zp, lo, hi);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* The forms a block's params take: which instructions scale its 8 accumulators. */
enum {
  QT_RQ256_INT = 0,  /* ..._avx2_scale's integer steps */
  QT_RQ256_FLOAT = 1 /* checked at pack time to equal the oracle on all of int32: ..._float */
};

/* What 8 channels' multipliers and shifts give every accumulator of those channels, worked
 * out once per channel block of a tile (qt_template_common.h's qt_tpl_requant_block) rather
 * than once per output pixel. */
typedef struct qt_requant_fixedpoint_avx2_params {
  union {
    struct {            /* QT_RQ256_INT */
      __m256i m, m_odd; /* M, and its odd lanes moved to the even ones (VPMULDQ reads those) */
      __m256i l, r;     /* left shift max(s, 0), right shift max(-s, 0) */
      __m256i half;     /* 2^r / 2: 2^(r - 1), 0 for r = 0 */
    };
    struct {             /* QT_RQ256_FLOAT */
      __m256 s_hi, s_lo; /* M 2^(s - 31) as a 24-bit float and the rest (M's last 7 bits) */
      __m256 e, ne;      /* 2^-(r + 1) for r >= 1, else 0; and -e */
    };
  };
  int left; /* QT_RQ256_INT: some lane shifts left */
  int form; /* QT_RQ256_* */
} qt_requant_fixedpoint_avx2_params;

static inline __attribute__((target("avx2"))) qt_requant_fixedpoint_avx2_params
qt_ukernel_requant_fixedpoint__avx2_params(__m256i m, __m256i s) {
  qt_requant_fixedpoint_avx2_params p;
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  p.m = m;
  p.m_odd = _mm256_shuffle_epi32(m, 0xF5);
  p.l = _mm256_max_epi32(s, zero);
  p.r = _mm256_sub_epi32(p.l, s);
  p.half = _mm256_srli_epi32(_mm256_sllv_epi32(one, p.r), 1);
  /* a left shift needs a scale >= 1, which per-layer scales almost never have: the branch
   * (the same way for every block of a layer) skips it then */
  p.left = !_mm256_testz_si256(p.l, p.l);
  p.form = QT_RQ256_INT;
  return p;
}

/* Returns x3, the scaled int32 values of 8 accumulators before the output zero point and the
 * clamp (the oracle's steps, each in its comment). */
static inline __attribute__((target("avx2"))) __m256i qt_ukernel_requant_fixedpoint__avx2_scale(
    __m256i a, const qt_requant_fixedpoint_avx2_params *p) {
  /* x1 = sat32(acc << l): overflowed iff shifting back does not give acc */
  __m256i x1 = a;
  if (p->left) {
    const __m256i shifted = _mm256_sllv_epi32(a, p->l);
    const __m256i ok = _mm256_cmpeq_epi32(_mm256_srav_epi32(shifted, p->l), a);
    const __m256i sat = _mm256_xor_si256(_mm256_srai_epi32(a, 31), _mm256_set1_epi32(INT32_MAX));
    x1 = _mm256_blendv_epi8(sat, shifted, ok);
  }
  /* x2 = SRDHM(x1, M) = floor((x1 * M + 2^30) / 2^31), bits 31..62 of the 64-bit sum: even
   * lanes shifted down, odd lanes (moved to the even positions by VPSHUFD) shifted up into
   * the high half of their 64-bit lane. With M >= 0 the oracle's saturation (x1 = M =
   * INT32_MIN) cannot occur, and x2 lies in (INT32_MIN, INT32_MAX - 1]: the product is in
   * [-2^62 + 2^31, 2^62 - 2^32 + 1]. */
  const __m256i nudge = _mm256_set1_epi64x(INT64_C(1) << 30);
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x1, p->m), nudge);
  const __m256i po =
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_shuffle_epi32(x1, 0xF5), p->m_odd), nudge);
  const __m256i x2 = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  /* x3 = x2 / 2^r rounded half away from zero = sign(x2) * floor((|x2| + 2^r / 2) / 2^r):
   * |x2| < 2^31 (x2 > INT32_MIN, above), so |x2| + 2^(r - 1) < 2^32 and the logical shift
   * reads it unsigned; VPSIGND gives the sign back (x2 = 0 gives 0, as it should). Four
   * instructions for the oracle's remainder-and-threshold six. */
  const __m256i q = _mm256_srlv_epi32(_mm256_add_epi32(_mm256_abs_epi32(x2), p->half), p->r);
  return _mm256_sign_epi32(q, x2);
}

/* Returns the clamped int32 output values (zp added) of 8 accumulators. */
static inline __attribute__((target("avx2"))) __m256i qt_ukernel_requant_fixedpoint__avx2_apply(
    __m256i a, const qt_requant_fixedpoint_avx2_params *p, int32_t zp, int32_t lo, int32_t hi) {
  __m256i x3 = qt_ukernel_requant_fixedpoint__avx2_scale(a, p);
  x3 = _mm256_min_epi32(x3, _mm256_set1_epi32(hi - zp));
  x3 = _mm256_max_epi32(x3, _mm256_set1_epi32(lo - zp));
  return _mm256_add_epi32(x3, _mm256_set1_epi32(zp));
}

/* Returns y, for a block in QT_RQ256_FLOAT, with clamp(y + zp, lo, hi) the oracle's output for
 * every accumulator of a (the integer form's x3 where that is inside the clamp; y is at most
 * 2^30, so adding zp cannot overflow). MXCSR must round down. TFLite's two roundings are one
 * floor: requant(x) = floor(V + 1/2) with V = x s + sign(x) e, s = M 2^(sh - 31), e = 2^-(r + 1)
 * (qt_ukernel_requant_fixedpoint__avx512.h, ..._avx512_float, derives it). s = s_hi + s_lo
 * exactly (floats), so x s_hi is exact inside the FMA; the inner FMA's error is far below the
 * step s of V wherever the output is inside an 8- or 16-bit clamp; the outer FMA, the add of
 * 1/2 and the conversion round down, and a float rounded down is >= an integer or half-integer
 * c iff the real value is. The conversion of x also rounds down (beyond 2^24). Every step is
 * non-decreasing in x, so the form equals the oracle iff it steps where the oracle does:
 * ..._try_float checks exactly that before a block takes it. VBLENDVPS takes copysign(e, x)
 * from a's sign bit (x = 0 takes +e, as the oracle's rounding wants). The VMINPS keeps the
 * conversion from overflowing above (a scale may be >= 1); below, an overflow gives INT32_MIN,
 * which clamps to lo as the oracle's output does. */
static inline __attribute__((target("avx2,fma"))) __m256i qt_ukernel_requant_fixedpoint__avx2_float(
    __m256i a, const qt_requant_fixedpoint_avx2_params *p) {
  const __m256 x = _mm256_cvtepi32_ps(a);
  const __m256 t = _mm256_blendv_ps(p->e, p->ne, _mm256_castsi256_ps(a));
  const __m256 v = _mm256_fmadd_ps(x, p->s_hi, _mm256_fmadd_ps(x, p->s_lo, t));
  const __m256 z = _mm256_min_ps(_mm256_add_ps(v, _mm256_set1_ps(0.5f)), _mm256_set1_ps(0x1p30f));
  return _mm256_cvtps_epi32(z);
}

/* x3 (or the float form's y) of 8 accumulators in the block's form. */
static inline __attribute__((target("avx2,fma"))) __m256i
qt_ukernel_requant_fixedpoint__avx2_scale_any(__m256i a,
                                              const qt_requant_fixedpoint_avx2_params *p) {
  return p->form == QT_RQ256_FLOAT ? qt_ukernel_requant_fixedpoint__avx2_float(a, p)
                                   : qt_ukernel_requant_fixedpoint__avx2_scale(a, p);
}

/* ..._avx2_apply in the block's form. */
static inline __attribute__((target("avx2,fma"))) __m256i
qt_ukernel_requant_fixedpoint__avx2_apply_any(__m256i a, const qt_requant_fixedpoint_avx2_params *p,
                                              int32_t zp, int32_t lo, int32_t hi) {
  __m256i y = qt_ukernel_requant_fixedpoint__avx2_scale_any(a, p);
  y = _mm256_min_epi32(y, _mm256_set1_epi32(hi - zp));
  y = _mm256_max_epi32(y, _mm256_set1_epi32(lo - zp));
  return _mm256_add_epi32(y, _mm256_set1_epi32(zp));
}

/* Sets MXCSR's rounding control to round down (RC = 01: the float form's mode) and returns the
 * register as it was, for ..._round_end to restore. A run that may take the float form brackets
 * its tiles with the two; the tiles must be in functions it calls (not inlined into it), so that
 * no float instruction can be scheduled across the writes. */
static inline unsigned qt_ukernel_requant_round_down_begin(void) {
  const unsigned old = _mm_getcsr();
  _mm_setcsr((old & ~0x6000u) | 0x2000u);
  return old;
}
static inline void qt_ukernel_requant_round_end(unsigned old) {
  _mm_setcsr(old);
}

/* A float form and the layer's zero point and clamp: what the check evaluates. */
typedef struct qt_rq256_check {
  qt_requant_fixedpoint_avx2_params p;
  int32_t zp, lo, hi;
} qt_rq256_check;

/* The check's evaluation of a float form (qt_rq_float_eval_fn, lanes 0-7; 8-15 copied), in its
 * own function so that it runs between ..._try_float's MXCSR writes. */
static __attribute__((noinline, unused, target("avx2,fma"))) void qt_rq256_float_eval(
    const void *form, const int32_t x[16], int32_t out[16]) {
  const qt_rq256_check *c = (const qt_rq256_check *)form;
  const __m256i y = qt_ukernel_requant_fixedpoint__avx2_apply_any(
      _mm256_loadu_si256((const __m256i *)(const void *)x), &c->p, c->zp, c->lo, c->hi);
  _mm256_storeu_si256((__m256i *)(void *)out, y);
  memcpy(out + 8, out, 8 * sizeof out[0]);
}

/* 1 if f, params in QT_RQ256_FLOAT, gives the oracle's output for every int32 accumulator of
 * the 8 channels of mul and shift with zero point zp and the clamp [lo, hi]
 * (qt_rq_float_steps_exact, run here with MXCSR rounding down, and MXCSR restored); else 0. */
static inline int qt_ukernel_requant_fixedpoint__avx2_float_exact(
    const qt_requant_fixedpoint_avx2_params *f, const int32_t *mul, const int32_t *shift,
    int32_t zp, int32_t lo, int32_t hi) {
  qt_rq256_check c;
  c.p = *f;
  c.zp = zp;
  c.lo = lo;
  c.hi = hi;
  const unsigned csr = qt_ukernel_requant_round_down_begin();
  const int exact = qt_rq_float_steps_exact(&c, qt_rq256_float_eval, mul, shift, 8, zp, lo, hi);
  qt_ukernel_requant_round_end(csr);
  return exact;
}

/* Switches p, the params of the 8 channels of mul and shift, to QT_RQ256_FLOAT when the float
 * form equals the oracle on every int32 accumulator with zero point zp and the clamp [lo, hi]
 * (..._float_exact); returns 1 then, else 0 with p as it was. About 2 (hi - lo) evaluations and
 * oracle calls per lane: pack time only. Clamps wider than 1024 steps are not tried. */
static inline int qt_ukernel_requant_fixedpoint__avx2_try_float(
    qt_requant_fixedpoint_avx2_params *p, const int32_t *mul, const int32_t *shift, int32_t zp,
    int32_t lo, int32_t hi) {
  if (lo > hi || (int64_t)hi - lo > 1024 || zp < -(1 << 20) || zp > (1 << 20)) return 0;
  float s_hi[8], s_lo[8], e[8], ne[8];
  for (int j = 0; j < 8; j++) {
    if (mul[j] < 0 || shift[j] < -31 || shift[j] > 30) return 0;
    qt_rq_float_split(mul[j], shift[j], &s_hi[j], &s_lo[j]);
    e[j] = shift[j] < 0 ? qt_rq_pow2f(shift[j] - 1) : 0.0f;
    ne[j] = -e[j];
  }
  qt_requant_fixedpoint_avx2_params f = *p;
  memcpy(&f.s_hi, s_hi, sizeof s_hi);
  memcpy(&f.s_lo, s_lo, sizeof s_lo);
  memcpy(&f.e, e, sizeof e);
  memcpy(&f.ne, ne, sizeof ne);
  f.form = QT_RQ256_FLOAT;
  if (!qt_ukernel_requant_fixedpoint__avx2_float_exact(&f, mul, shift, zp, lo, hi)) return 0;
  *p = f;
  return 1;
}

/* The low bytes of 8 int32 values (truncation, as the twin's cast: any int32, not only the
 * clamped [-128, 255]): VPSHUFB gathers each 128-bit half's 4 low bytes, VPUNPCKLDQ joins
 * the halves. */
static inline __attribute__((target("avx2"))) void
qt_ukernel_requant_store8__avx2(__m256i v, uint8_t *out) {
  const __m256i low = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                       -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                       -1, -1);
  const __m256i b = _mm256_shuffle_epi8(v, low);
  const __m128i w = _mm_unpacklo_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
  _mm_storel_epi64((__m128i *)(void *)out, w);
}

/* Finishes 16 outputs from the x3 of two 8-channel blocks (channels 0-7 in a, 8-15 in b):
 * zero point, clamp and store at half the instructions per output of two store8 rounds,
 * in int16: VPACKSSDW saturates x3 to int16 and VPADDSW saturates the sum, which keeps
 * every value beyond int16 beyond the clamp on its own side (zp, lo, hi are in
 * [-128, 255]), so clamp(x3 + zp, lo, hi) is exact; VPSHUFB takes each int16's low byte,
 * VPERMD puts the packed lanes (a0-3 b0-3 | a4-7 b4-7) back in channel order. */
static inline __attribute__((target("avx2"))) void
qt_ukernel_requant_store16__avx2(__m256i a, __m256i b, int32_t zp, int32_t lo, int32_t hi,
                                 uint8_t *out) {
  __m256i v = _mm256_adds_epi16(_mm256_packs_epi32(a, b), _mm256_set1_epi16((short)zp));
  v = _mm256_min_epi16(_mm256_max_epi16(v, _mm256_set1_epi16((short)lo)),
                       _mm256_set1_epi16((short)hi));
  const __m256i low = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1,
                                       -1, 0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1,
                                       -1, -1);
  v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, low),
                                  _mm256_setr_epi32(0, 4, 1, 5, 2, 3, 6, 7));
  _mm_storeu_si128((__m128i *)(void *)out, _mm256_castsi256_si128(v));
}

/* out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]) for i < 16, by two 8-lane scales and
 * one store16. */
static inline __attribute__((target("avx2"))) void
qt_ukernel_requant_fixedpoint16__avx2(const int32_t *acc, const int32_t *mul,
                                      const int32_t *shift, uint8_t *out, int32_t zp, int32_t lo,
                                      int32_t hi) {
  const qt_requant_fixedpoint_avx2_params p0 = qt_ukernel_requant_fixedpoint__avx2_params(
      _mm256_loadu_si256((const __m256i *)(const void *)mul),
      _mm256_loadu_si256((const __m256i *)(const void *)shift));
  const qt_requant_fixedpoint_avx2_params p1 = qt_ukernel_requant_fixedpoint__avx2_params(
      _mm256_loadu_si256((const __m256i *)(const void *)(mul + 8)),
      _mm256_loadu_si256((const __m256i *)(const void *)(shift + 8)));
  qt_ukernel_requant_store16__avx2(
      qt_ukernel_requant_fixedpoint__avx2_scale(
          _mm256_loadu_si256((const __m256i *)(const void *)acc), &p0),
      qt_ukernel_requant_fixedpoint__avx2_scale(
          _mm256_loadu_si256((const __m256i *)(const void *)(acc + 8)), &p1),
      zp, lo, hi, out);
}

static inline __attribute__((target("avx2"))) void
qt_ukernel_requant_fixedpoint__avx2(const int32_t *acc, const int32_t *mul, const int32_t *shift,
                                    uint8_t *out, int32_t zp, int32_t lo, int32_t hi) {
  const qt_requant_fixedpoint_avx2_params p = qt_ukernel_requant_fixedpoint__avx2_params(
      _mm256_loadu_si256((const __m256i *)(const void *)mul),
      _mm256_loadu_si256((const __m256i *)(const void *)shift));
  qt_ukernel_requant_store8__avx2(
      qt_ukernel_requant_fixedpoint__avx2_apply(
          _mm256_loadu_si256((const __m256i *)(const void *)acc), &p, zp, lo, hi),
      out);
}
#endif

#endif /* QT_UKERNEL_REQUANT_FIXEDPOINT__AVX2_H */
