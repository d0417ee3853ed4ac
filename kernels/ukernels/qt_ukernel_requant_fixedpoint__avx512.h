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
 * ..._avx512_try_float (pack time: the requant table) switches a block to a third form where
 * its check of every output step passes (all but rare edge blocks): ..._avx512_float, TFLite's
 * two roundings as one floor in float arithmetic, 8 instructions with the clamp and the zero
 * point; ..._avx512_try_float1 to a fourth where its constants are found and checked (blocks of
 * shifts -9 and above always; smaller scales often not): ..._avx512_float1, one FMA with a
 * per-lane slope and an offset per sign, 6 instructions. The templates take the fourth for a
 * layer all of whose blocks take it (the wide paths run one form), else the third where it
 * passes. ..._avx512_apply picks the block's form, adds the zero point and clamps;
 * qt_ukernel_requant_store16__avx512 stores the low bytes (of the first n lanes: a masked
 * store for a block's tail), and qt_ukernel_requant_fixedpoint__avx512 does all of it on
 * arrays: out[i] = (uint8_t)requant(acc[i], mul[i], shift[i]) for i < 16. */
#ifndef QT_UKERNEL_REQUANT_FIXEDPOINT__AVX512_H
#define QT_UKERNEL_REQUANT_FIXEDPOINT__AVX512_H

#include <stdint.h>
#include <string.h>

#include "../include/qt_requant.h"
#include "qt_ukernel_requant_float_steps.h"

static inline void qt_ukernel_requant_fixedpoint__avx512_c(const int32_t *acc, const int32_t *mul,
                                                          const int32_t *shift, uint8_t *out,
                                                          int32_t zp, int32_t lo, int32_t hi) {
  qt_requant_fixedpoint_span(acc, mul, shift, out, 16, zp, lo, hi);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* The forms a block's params take: which instructions scale its 16 accumulators. */
enum {
  QT_RQ512_NOLEFT = 0, /* no lane shifts left: ..._scale_noleft */
  QT_RQ512_LEFT = 1,   /* some lane shifts left: ..._scale */
  QT_RQ512_FLOAT = 2,  /* checked at pack time to equal the oracle on all of int32: ..._float */
  QT_RQ512_FLOAT1 = 3  /* the same with one FMA, for a layer all of whose blocks take it */
};

/* What 16 channels' multipliers and shifts, and the layer's output zero point, give every
 * accumulator of those channels. */
typedef struct qt_requant_fixedpoint_avx512_params {
  __m512i r; /* right shift max(-s, 0) */
  /* the constants of the form the block takes (5 vectors in all: a requant table entry stays
   * 384 bytes per 16 channels) */
  union {
    struct {            /* QT_RQ512_LEFT */
      __m512i m, m_odd; /* M, and its odd lanes moved to the even ones (VPMULDQ reads those) */
      __m512i l;        /* left shift max(s, 0) */
      __m512i half;     /* 2^r / 2: 2^(r - 1), 0 for r = 0 */
    };
    struct {              /* QT_RQ512_NOLEFT */
      __m512i m2, m2_odd; /* 2M as uint32, and its odd lanes moved to the even ones */
      __m512i m2p1, rm1;  /* 2M + 1 (mod 2^32), r - 1 */
    };
    struct {             /* QT_RQ512_FLOAT */
      __m512 s_hi, s_lo; /* M 2^(s - 31) as a 24-bit float and the rest (M's last 7 bits) */
      __m512 e;          /* 2^-(r + 1) for r >= 1, else 0 */
      __m512 k;          /* zp + 1/2 */
    };
    struct {         /* QT_RQ512_FLOAT1 (..._float1_v) */
      __m512 s1;     /* a float within 8 ulps of M 2^(s - 31) */
      __m512 tp, tn; /* the offsets of accumulators >= 0 and < 0, zp + 1/2 included */
    };
  };
  int32_t zp;
  int form; /* QT_RQ512_* */
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
  p.form = _mm512_test_epi32_mask(l, l) != 0 ? QT_RQ512_LEFT : QT_RQ512_NOLEFT;
  if (p.form == QT_RQ512_LEFT) {
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
 * block where no lane shifts left (QT_RQ512_NOLEFT): TFLite's two roundings in
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
 * the clamp, for a block where some lane shifts left (QT_RQ512_LEFT: only then do the
 * params hold M, l and half). */
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

/* Returns the clamped int32 output values (zp added) of 16 accumulators x for a block in
 * QT_RQ512_FLOAT: 8 instructions with the clamp and the zero point, against 15 for
 * ..._scale_noleft with its own. Why it can equal the oracle F(x) (clamp(requant(x) + zp)):
 * - F is TFLite's two roundings in one: for r >= 1, requant(x) = floor((x M + 2^30 +
 *   2^(30 + r) - [x < 0] 2^31) / 2^(31 + r)) (the rounding divide adds 2^(r-1) - [SRDHM < 0]
 *   before its floor, and floor(floor(y) / 2^r) = floor(y / 2^r); [x < 0] and [SRDHM < 0]
 *   differ only where SRDHM = 0, which both send to 0). So requant(x) = floor(V + 1/2) with
 *   V = x s + sign(x) e, s = M 2^(sh - 31), e = 2^-(r + 1); for r = 0 (sh >= 0: a left shift
 *   that does not saturate) e = 0.
 * - s splits exactly into s_hi (M's top 24 bits) and s_lo (the other 7): floats, so
 *   x s_hi is exact inside the FMA. The inner FMA x s_lo + copysign(e, x) rounds to nearest:
 *   s_lo < 2^-23 s, so its error is below 2^-47 |x s| + 2^-25 e, far below the step s of V
 *   (>= 2^-32) wherever the output is inside a clamp of 8 or 16 bits.
 * - The outer FMA and the add of zp + 1/2 round down, and the conversion takes the floor:
 *   a float rounded down is >= an integer or half-integer c (both exact floats) iff the real
 *   value is, so no rounding of those steps can move an output across c. The clamp to the
 *   integers lo and hi commutes with the floor.
 * What is left, the inner rounding, could move V across an output boundary only where V +
 * 1/2 lies within that error of an integer: rare, and checked. Every step is non-decreasing in x
 * (s_hi, s_lo, e >= 0; the inner term jumps up at x = 0), so G(x) = F(x) for all int32 x iff G
 * takes each step of F at the same x: ..._try_float checks exactly that, all lo < k <= hi, per
 * lane, and only then lets a block take this form. Every rounding mode is explicit: MXCSR's does
 * not matter. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512
qt_ukernel_requant_fixedpoint__avx512_float_zk(__m512i a,
                                               const qt_requant_fixedpoint_avx512_params *p,
                                               __m512 k, __m512i sign, const int relu) {
  const __m512 x = _mm512_cvt_roundepi32_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  /* copysign(e, x): the sign bit (sign: INT32_MIN in every lane) from a, which the conversion
   * gives x (0 converts to +0), the rest from e. Read from a, not x, it need not wait for the
   * conversion, and GCC can write it over a (dead after the conversion) instead of copying x.
   * relu: +e in every lane, one instruction fewer, for a clamp whose bottom is at or above the
   * zero point (a fused ReLU): there both forms give every x < 0 an output <= zp, which clamps
   * to lo. With +e, x <= -1 has x s + e <= -s + e < 1/2 (e <= 1/4 from _float_e, s >= 0), so V
   * + 1/2 < 1 however the FMAs round (their errors are far below 1/4); and for x >= 0 the two
   * forms are the same instructions on the same values. So the block's check of the copysign
   * form covers this one too. */
  const __m512 t = relu ? p->e
                        : _mm512_castsi512_ps(
                              _mm512_ternarylogic_epi32(a, _mm512_castps_si512(p->e), sign, 0xE4));
  const __m512 inner =
      _mm512_fmadd_round_ps(x, p->s_lo, t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 v =
      _mm512_fmadd_round_ps(x, p->s_hi, inner, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm512_add_round_ps(v, k, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
static inline __attribute__((target("avx512f,avx512bw"))) __m512
qt_ukernel_requant_fixedpoint__avx512_float_z(__m512i a,
                                              const qt_requant_fixedpoint_avx512_params *p) {
  return qt_ukernel_requant_fixedpoint__avx512_float_zk(a, p, p->k, _mm512_set1_epi32(INT32_MIN),
                                                        0);
}

/* The upper clamp in float, where it also keeps the conversion from overflowing (a scale may
 * be >= 1: datagen's tiny channels have one); the lower one on the integers, VPMAXSD, which runs
 * beside the conversions instead of on their pipes (Zen 5: the float min, max, add and both
 * conversions share two pipes; the integer ones have four). An output below INT32_MIN converts
 * to INT32_MIN, which clamps to lo as it should. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_float(__m512i a, const qt_requant_fixedpoint_avx512_params *p,
                                            int32_t lo, int32_t hi) {
  const __m512i z = _mm512_cvt_roundps_epi32(
      _mm512_min_ps(qt_ukernel_requant_fixedpoint__avx512_float_z(a, p), _mm512_set1_ps((float)hi)),
      _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm512_max_epi32(z, _mm512_set1_epi32(lo));
}

/* The one-FMA float form (QT_RQ512_FLOAT1): the output of accumulator x before its clamp is
 * floor(x s1 + t), one FMA rounding down, t = tp for x >= 0 and tn for x < 0 (VPCMPD and
 * VBLENDMPS: the sign of x picks it), with per-lane constants that pack time finds and checks
 * (..._try_float1): 6 instructions per 16 outputs with the clamp, against 8 for ..._float (the
 * select replaces its copysign, the one FMA its two and its add of zp + 1/2). Why such
 * constants can exist and what makes them exact:
 * - The output is floor(x s + c) with s = M 2^(sh - 31) and one offset c per sign of x,
 *   zp + 1/2 +- 2^-(r + 1) (..._float says why).
 * - Only the steps inside the clamp matter: a few hundred per lane, each where F (the oracle,
 *   clamp(requant(x) + zp)) reaches k in (lo, hi]. They bound the slope and the offsets:
 *   ..._try_float1 takes a float s1 next to s and the least floats tp and tn that put every
 *   step where F has it (the bounds exact in double: x as the kernel converts it, a float,
 *   times a float). A 24-bit slope over accumulators up to 2^22 and more is not always close
 *   enough: lanes of scales below about 2^-40 M (shifts -11 and below) often find none, and a
 *   layer with such a lane takes ..._float in every block.
 * - The FMA rounds down and the conversion takes the floor: a float rounded down is >= an
 *   integer k (an exact float) iff the real value is, so no rounding can move an output across
 *   k. The clamp to the integers lo and hi commutes with the floor.
 * Every step is non-decreasing in x (s1 >= 0, tn <= tp), so G(x) = F(x) for all int32 x iff G
 * takes each step of F at the same x: ..._float_exact checks exactly that, per lane
 * (qt_rq_float_steps_exact), and only then lets a block take this form. Every rounding mode is
 * explicit: MXCSR's does not matter. relu (a constant): tp for every x, one instruction fewer,
 * for a clamp whose bottom is at or above the zero point (a fused ReLU); the check covers that
 * form too where the clamp allows it. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512
qt_ukernel_requant_fixedpoint__avx512_float1_v(__m512i a,
                                               const qt_requant_fixedpoint_avx512_params *p,
                                               const int relu) {
  const __m512 x = _mm512_cvt_roundepi32_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 t =
      relu ? p->tp
           : _mm512_mask_blend_ps(_mm512_cmplt_epi32_mask(a, _mm512_setzero_si512()), p->tp, p->tn);
  return _mm512_fmadd_round_ps(x, p->s1, t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}

/* The clamped int32 output values (zp added) of 16 accumulators in QT_RQ512_FLOAT1 (relu:
 * ..._float1_v's), clamped as ..._float clamps. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_float1(__m512i a,
                                             const qt_requant_fixedpoint_avx512_params *p,
                                             int32_t lo, int32_t hi, const int relu) {
  const __m512i z = _mm512_cvt_roundps_epi32(
      _mm512_min_ps(qt_ukernel_requant_fixedpoint__avx512_float1_v(a, p, relu),
                    _mm512_set1_ps((float)hi)),
      _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm512_max_epi32(z, _mm512_set1_epi32(lo));
}

/* What every block of a layer shares in the float form: its offset, clamp and copysign mask
 * as vectors, which the requant table keeps once per layer (pack time). Read from there, a
 * tile loads them; built from the scalars, GCC rebuilds them for every tile and block where
 * the tile's accumulators take the registers (on block1_expand, 6x32: 14 instructions per
 * block and tile, against 6 pixels x 8 for the block's outputs). */
typedef struct qt_requant_fixedpoint_avx512_layer {
  __m512 k;     /* zp + 1/2 */
  __m512 hi;    /* act_max as a float */
  __m512i lo;   /* act_min */
  __m512i sign; /* INT32_MIN: copysign's mask */
} qt_requant_fixedpoint_avx512_layer;

static inline __attribute__((target("avx512f,avx512bw"))) qt_requant_fixedpoint_avx512_layer
qt_ukernel_requant_fixedpoint__avx512_layer(int32_t zp, int32_t lo, int32_t hi) {
  qt_requant_fixedpoint_avx512_layer l;
  l.k = _mm512_set1_ps((float)zp + 0.5f);
  l.hi = _mm512_set1_ps((float)hi);
  l.lo = _mm512_set1_epi32(lo);
  l.sign = _mm512_set1_epi32(INT32_MIN);
  return l;
}

/* ..._float with the layer's constants from l (p's k unused), the same instructions on the
 * same values, so the same results; and the same clamped at hi only, for ..._pack64 (which
 * applies lo to the bytes): an output below INT32_MIN converts to INT32_MIN, which the packs
 * saturate like any value below lo. Both flags are constants at every call:
 * - sat: without the upper clamp, for ..._pack64 where hi is the dtype's maximum (its
 *   saturation clamps above) and every accumulator x the layer can produce has |x s| < 2^30,
 *   so the conversion cannot overflow (the templates' qt_tpl_rq_sat_layer proves it at pack
 *   time). Then floor(z) with z above hi saturates in the packs to hi, as min(floor(z), hi)
 *   does: the same bytes, one instruction fewer.
 * - relu: ..._float_zk's form without the copysign (..._float1_v's without the select), only
 *   where the layer's clamp bottom is at or above its zero point.
 * - one: the one-FMA form (QT_RQ512_FLOAT1: p holds its constants), as every block of the
 *   layer takes it (..._float1_v), where sat also needs |x s1 + t| < 2^31: s1 is within 8 ulps
 *   of s and |t| < 2^9. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_float_hi_l(__m512i a,
                                                 const qt_requant_fixedpoint_avx512_params *p,
                                                 const qt_requant_fixedpoint_avx512_layer *l,
                                                 const int sat, const int relu, const int one) {
  __m512 z = one ? qt_ukernel_requant_fixedpoint__avx512_float1_v(a, p, relu)
                 : qt_ukernel_requant_fixedpoint__avx512_float_zk(a, p, l->k, l->sign, relu);
  if (!sat) z = _mm512_min_ps(z, l->hi);
  return _mm512_cvt_roundps_epi32(z, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_float_l(__m512i a,
                                              const qt_requant_fixedpoint_avx512_params *p,
                                              const qt_requant_fixedpoint_avx512_layer *l,
                                              const int relu, const int one) {
  return _mm512_max_epi32(qt_ukernel_requant_fixedpoint__avx512_float_hi_l(a, p, l, 0, relu, one),
                          l->lo);
}

/* Returns the clamped int32 output values (zp added) of 16 accumulators in the block's form. */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_fixedpoint__avx512_apply(__m512i a, const qt_requant_fixedpoint_avx512_params *p,
                                            int32_t lo, int32_t hi) {
  if (p->form == QT_RQ512_FLOAT) return qt_ukernel_requant_fixedpoint__avx512_float(a, p, lo, hi);
  if (p->form == QT_RQ512_FLOAT1)
    return qt_ukernel_requant_fixedpoint__avx512_float1(a, p, lo, hi, 0);
  const int32_t zp = p->zp;
  __m512i x3 = p->form == QT_RQ512_LEFT ? qt_ukernel_requant_fixedpoint__avx512_scale(a, p)
                                        : qt_ukernel_requant_fixedpoint__avx512_scale_noleft(a, p);
  x3 = _mm512_min_epi32(x3, _mm512_set1_epi32(hi - zp));
  x3 = _mm512_max_epi32(x3, _mm512_set1_epi32(lo - zp));
  return _mm512_add_epi32(x3, _mm512_set1_epi32(zp));
}

/* A float form (either) and the layer's clamp: what the check evaluates (relu: the one-FMA
 * form's, ..._float1_v). */
typedef struct qt_rq512_check {
  qt_requant_fixedpoint_avx512_params p;
  int32_t lo, hi;
  int relu;
} qt_rq512_check;

/* The check's evaluation of a float form (qt_rq_float_eval_fn) on 16 lanes. */
static __attribute__((noinline, unused, target("avx512f,avx512bw"))) void qt_rq512_float_eval(
    const void *form, const int32_t x[16], int32_t out[16]) {
  const qt_rq512_check *c = (const qt_rq512_check *)form;
  const __m512i a = _mm512_loadu_si512((const void *)x);
  _mm512_storeu_si512(
      (void *)out, c->p.form == QT_RQ512_FLOAT
                       ? qt_ukernel_requant_fixedpoint__avx512_float(a, &c->p, c->lo, c->hi)
                   : c->relu
                       ? qt_ukernel_requant_fixedpoint__avx512_float1(a, &c->p, c->lo, c->hi, 1)
                       : qt_ukernel_requant_fixedpoint__avx512_float1(a, &c->p, c->lo, c->hi, 0));
}

/* 1 if f, params in QT_RQ512_FLOAT or QT_RQ512_FLOAT1, gives the oracle's output for every int32
 * accumulator of each of the first n (1..16) lanes of mul and shift, with zero point zp and the
 * clamp [lo, hi] (qt_rq_float_steps_exact; ..._float_zk and ..._float1_v say why the forms are
 * non-decreasing, and their rounding modes are explicit, so MXCSR's does not matter), the
 * one-FMA form where lo >= zp in its relu form too; else 0. The check's double arithmetic may
 * set MXCSR's inexact flag (the templates' pack restores MXCSR). */
static inline int qt_ukernel_requant_fixedpoint__avx512_float_exact(
    const qt_requant_fixedpoint_avx512_params *f, const int32_t *mul, const int32_t *shift, int n,
    int32_t zp, int32_t lo, int32_t hi) {
  qt_rq512_check c;
  c.p = *f;
  c.lo = lo;
  c.hi = hi;
  c.relu = 0;
  if (!qt_rq_float_steps_exact(&c, qt_rq512_float_eval, mul, shift, n, zp, lo, hi)) return 0;
  c.relu = 1;
  return f->form != QT_RQ512_FLOAT1 || lo < zp ||
         qt_rq_float_steps_exact(&c, qt_rq512_float_eval, mul, shift, n, zp, lo, hi);
}

/* The float form as the requant table keeps it: s_hi, s_lo and e of 16 channels, or s1, tp and
 * tn where the layer takes the one-FMA form (192 bytes,
 * 12 per channel, against fp32's 4; k and the clamp are the layer's,
 * qt_requant_fixedpoint_avx512_layer). A layer's run reads these and nothing else of the table
 * where every block takes the float form: from memory, as a layer of a network meets it, the
 * whole params (384 bytes per 16 channels) made the fixed-point pointwise layers 1.1-1.25x
 * fp32's time. e is stored, not derived from s_hi again: the derivation (a compare and a
 * masked and) ran for every block of every tile. A block without the float form has s_hi all
 * ones (NaN), its whole params kept elsewhere. */
typedef struct qt_requant_fixedpoint_avx512_float {
  union {
    struct {
      __m512 s_hi, s_lo, e; /* QT_RQ512_FLOAT */
    };
    struct {
      __m512 s1, tp, tn; /* QT_RQ512_FLOAT1 (the requant table's flags say which) */
    };
  };
} qt_requant_fixedpoint_avx512_float;

/* e of the float form from s_hi: s_hi's exponent bits (its sign is clear), 2^(s - 1) for M in
 * [2^30, 2^31) and s < 0, in lanes where s_hi < 1/2; 0 in the others (s >= 0). */
static inline __attribute__((target("avx512f,avx512bw"))) __m512
qt_ukernel_requant_fixedpoint__avx512_float_e(__m512 s_hi) {
  const __mmask16 small = _mm512_cmp_ps_mask(s_hi, _mm512_set1_ps(0.5f), _CMP_LT_OQ);
  return _mm512_castsi512_ps(
      _mm512_maskz_and_epi32(small, _mm512_castps_si512(s_hi), _mm512_set1_epi32(0x7F800000)));
}

/* Switches p, the params of the first n (1..16) channels of mul and shift with zero point zp,
 * to QT_RQ512_FLOAT when ..._float_exact says that form equals the oracle under the clamp
 * [lo, hi]; returns 1 then, else 0 with p as it was. About 80 us per block for an 8-bit
 * clamp (pack time: the requant table); clamps wider than 1024 steps are not tried. */
static inline __attribute__((target("avx512f,avx512bw"))) int
qt_ukernel_requant_fixedpoint__avx512_try_float(qt_requant_fixedpoint_avx512_params *p,
                                                const int32_t *mul, const int32_t *shift, int n,
                                                int32_t zp, int32_t lo, int32_t hi) {
  if (lo > hi || (int64_t)hi - lo > 1024 || zp < -(1 << 20) || zp > (1 << 20)) return 0;
  float s_hi[16], s_lo[16];
  for (int j = 0; j < 16; j++) {
    const int32_t m = j < n ? mul[j] : 0, sh = j < n ? shift[j] : 0;
    if (m < 0 || sh < -31 || sh > 30) return 0;
    qt_rq_float_split(m, sh, &s_hi[j], &s_lo[j]);
  }
  qt_requant_fixedpoint_avx512_params f = *p;
  f.s_hi = _mm512_loadu_ps(s_hi);
  f.s_lo = _mm512_loadu_ps(s_lo);
  /* e from s_hi's exponent (the table keeps this e): 2^(sh - 1) for sh < 0 and 0 otherwise
   * where M is in [2^30, 2^31), as TFLite's multipliers are; for other M what it gives is what
   * the check below judges */
  f.e = qt_ukernel_requant_fixedpoint__avx512_float_e(f.s_hi);
  f.k = _mm512_set1_ps((float)zp + 0.5f);
  f.form = QT_RQ512_FLOAT;
  if (!qt_ukernel_requant_fixedpoint__avx512_float_exact(&f, mul, shift, n, zp, lo, hi)) return 0;
  *p = f;
  return 1;
}

/* The least float >= v, for |v| < 2^100 (pack time). */
static inline float qt_rq_float_at_least(double v) {
  float f = (float)v;
  if ((double)f < v) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if (f > 0.0f)
      u++;
    else if (f < 0.0f)
      u--;
    else
      u = 1; /* the least positive float */
    memcpy(&f, &u, sizeof f);
  }
  return f;
}

/* Float f (finite, >= 0) moved d ulps (|d| <= 8; a negative result is caught by the caller). */
static inline float qt_rq_float_step(float f, int d) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  u = (uint32_t)((int64_t)u + d);
  memcpy(&f, &u, sizeof f);
  return f;
}

/* One lane's constants of the one-FMA form for multiplier m and shift sh (m >= 0, sh in
 * [-31, 30]) with zero point zp and the clamp [lo, hi] (hi - lo <= 1024): a slope s1 within 8
 * ulps of M 2^(sh - 31), nearest first, and the least offsets tp, tn (tn <= tp) that put
 * floor(x s1 + t) at or above every k in (lo, hi] at the oracle's least x with F(x) >= k and
 * below k just before it; the bounds are exact in double (x as the kernel converts it, a float,
 * times a float: 48 bits). Returns 1 with them, 0 where no slope tried leaves room for both
 * offsets. ..._float_exact judges the result, not this search. */
static inline int qt_rq512_float1_lane(int32_t m, int32_t sh, int32_t zp, int32_t lo, int32_t hi,
                                       float *s1_out, float *tp_out, float *tn_out) {
  int32_t x_at[1025]; /* F's step to k = lo + 1 + i, or INT32_MIN / INT32_MAX where F starts
                         at or above k / stays below it */
  if (lo > hi || (int64_t)hi - lo > 1024) return 0;
  const double s = (double)m * (double)qt_rq_pow2f(sh - 31); /* exact: 31 bits */
  const int32_t f_min = qt_requant_fixedpoint(INT32_MIN, m, sh, zp, lo, hi);
  const int32_t f_max = qt_requant_fixedpoint(INT32_MAX, m, sh, zp, lo, hi);
  for (int32_t k = lo + 1; k <= hi; k++) {
    if (f_min >= k || f_max < k) {
      x_at[k - lo - 1] = f_min >= k ? INT32_MIN : INT32_MAX;
      continue;
    }
    const double guess = m ? ((double)(k - zp) - 0.5) / s : 0.0;
    x_at[k - lo - 1] = qt_rq_step_at(m, sh, zp, lo, hi, k,
                                     guess < -4e9  ? -(INT64_C(1) << 32)
                                     : guess > 4e9 ? INT64_C(1) << 32
                                                   : (int64_t)guess);
  }
  const double big = 1e300;
  for (int c = 0; c < (m ? 17 : 1); c++) {
    const float s1 = qt_rq_float_step((float)s, (c + 1) / 2 * (c % 2 ? 1 : -1));
    if (!(s1 >= 0.0f)) continue;
    double lo_p = -big, hi_p = big, lo_n = -big, hi_n = big; /* t >= lo_*, t < hi_* */
    for (int32_t k = lo + 1; k <= hi; k++) {
      const int32_t xa = x_at[k - lo - 1];
      if (xa == INT32_MAX && f_max < k) { /* G(INT32_MAX) < k */
        const double b = (double)k - (double)(float)INT32_MAX * (double)s1;
        hi_p = b < hi_p ? b : hi_p;
        continue;
      }
      /* G(xa) >= k */
      const double ba = (double)k - (double)(float)xa * (double)s1;
      if (xa < 0)
        lo_n = ba > lo_n ? ba : lo_n;
      else
        lo_p = ba > lo_p ? ba : lo_p;
      if (xa == INT32_MIN) continue;
      /* G(xa - 1) < k */
      const double bb = (double)k - (double)(float)(xa - 1) * (double)s1;
      if (xa - 1 < 0)
        hi_n = bb < hi_n ? bb : hi_n;
      else
        hi_p = bb < hi_p ? bb : hi_p;
    }
    /* where a sign has no step, its offset only has to keep the form non-decreasing */
    float tp = lo_p > -big ? qt_rq_float_at_least(lo_p) : 0.0f;
    float tn = lo_n > -big ? qt_rq_float_at_least(lo_n) : 0.0f;
    if (lo_p <= -big) tp = lo_n > -big ? tn : (float)zp + 0.5f;
    if (lo_n <= -big) tn = tp;
    if (tp < tn) tp = tn;
    if ((double)tp < hi_p && (double)tn < hi_n && (double)tp >= lo_p && (double)tn >= lo_n) {
      *s1_out = s1;
      *tp_out = tp;
      *tn_out = tn;
      return 1;
    }
  }
  return 0;
}

/* Switches p, the params of the first n (1..16) channels of mul and shift with zero point zp,
 * to QT_RQ512_FLOAT1 when every lane finds constants (qt_rq512_float1_lane; the lanes past n
 * get M = 0) and ..._float_exact says that form equals the oracle under the clamp [lo, hi];
 * returns 1 then, else 0 with p as it was. About twice ..._try_float's work per block (pack
 * time); clamps wider than 1024 steps are not tried. */
static inline __attribute__((target("avx512f,avx512bw"))) int
qt_ukernel_requant_fixedpoint__avx512_try_float1(qt_requant_fixedpoint_avx512_params *p,
                                                 const int32_t *mul, const int32_t *shift, int n,
                                                 int32_t zp, int32_t lo, int32_t hi) {
  if (lo > hi || (int64_t)hi - lo > 1024 || zp < -(1 << 20) || zp > (1 << 20)) return 0;
  float s1[16], tp[16], tn[16];
  for (int j = 0; j < 16; j++) {
    const int32_t m = j < n ? mul[j] : 0, sh = j < n ? shift[j] : 0;
    if (m < 0 || sh < -31 || sh > 30) return 0;
    if (!qt_rq512_float1_lane(m, sh, zp, lo, hi, &s1[j], &tp[j], &tn[j])) return 0;
  }
  qt_requant_fixedpoint_avx512_params f = *p;
  f.s1 = _mm512_loadu_ps(s1);
  f.tp = _mm512_loadu_ps(tp);
  f.tn = _mm512_loadu_ps(tn);
  f.form = QT_RQ512_FLOAT1;
  if (!qt_ukernel_requant_fixedpoint__avx512_float_exact(&f, mul, shift, n, zp, lo, hi)) return 0;
  *p = f;
  return 1;
}

/* The table's entry of params p: its float form, or the marker of a block without it. */
static inline __attribute__((target("avx512f,avx512bw"))) qt_requant_fixedpoint_avx512_float
qt_ukernel_requant_fixedpoint__avx512_float_pack(const qt_requant_fixedpoint_avx512_params *p) {
  qt_requant_fixedpoint_avx512_float c;
  if (p->form == QT_RQ512_FLOAT) {
    c.s_hi = p->s_hi;
    c.s_lo = p->s_lo;
    c.e = p->e;
  } else if (p->form == QT_RQ512_FLOAT1) {
    c.s1 = p->s1;
    c.tp = p->tp;
    c.tn = p->tn;
  } else {
    c.s_hi = _mm512_castsi512_ps(_mm512_set1_epi32(-1));
    c.s_lo = _mm512_setzero_ps();
    c.e = _mm512_setzero_ps();
  }
  return c;
}

/* 1 if the table's entry c holds a float form (the marker is all of s_hi's bits set, which
 * no scale has: its sign is clear). */
static inline int qt_ukernel_requant_fixedpoint__avx512_float_has(
    const qt_requant_fixedpoint_avx512_float *c) {
  uint32_t lane0;
  memcpy(&lane0, c, sizeof lane0);
  return lane0 != UINT32_MAX;
}

/* The float form's params of entry c (which holds one; one: the one-FMA form) with zero
 * point zp: what ..._float or ..._float1 reads, equal to the params the entry was packed from. */
static inline __attribute__((target("avx512f,avx512bw"))) qt_requant_fixedpoint_avx512_params
qt_ukernel_requant_fixedpoint__avx512_float_unpack(const qt_requant_fixedpoint_avx512_float *c,
                                                   int32_t zp, const int one) {
  qt_requant_fixedpoint_avx512_params p;
  memset(&p, 0, sizeof p);
  if (one) {
    p.s1 = c->s1;
    p.tp = c->tp;
    p.tn = c->tn;
  } else {
    p.s_hi = c->s_hi;
    p.s_lo = c->s_lo;
    p.e = c->e;
    p.k = _mm512_set1_ps((float)zp + 0.5f);
  }
  p.zp = zp;
  p.form = one ? QT_RQ512_FLOAT1 : QT_RQ512_FLOAT;
  return p;
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

/* The output bytes of four registers of 16 int32 values each, a, b, c, d, in that order
 * (bytes 16 i .. 16 i + 15 from the i-th): zp16 (16-bit lanes) added, then clamped to
 * [lo, 127] (s8) or [lo, 255] (u8), for values that are already at most hi - zp16 (the
 * requant forms' _hi variants clamp above in float, where one instruction covers 16 lanes,
 * and leave the lower clamp to this, one VPMAXSB for 64). VPACKSSDW saturates each value
 * to int16, VPADDSW adds zp16 saturating, VPACKSSWB (VPACKUSWB for u8) saturates to bytes:
 * each step is monotone and moves a value only where it lies outside int16 or the byte
 * range, where it stays outside [lo, hi] (|zp16| <= 255 < 2^15 - 255), so the result is
 * clamp(x + zp16, lo, hi) exactly. The packs work within 128-bit lanes: lane L holds
 * dwords L of a, b, c, d; one VPERMD puts them back in order. Against four VPMOVDBs
 * (two uops each on Zen 4) and four 16-byte stores: 5 to 7 instructions and one store.
 * ..._pack64_lanes is the same without the VPERMD: byte 16 L + 4 k + d from dword 4 L + d of
 * the k-th register, for values already in that order (the dwconv avx512vnni kernel's). */
static inline __attribute__((target("avx512f,avx512bw"))) __m512i
qt_ukernel_requant_pack64_lanes__avx512(__m512i a, __m512i b, __m512i c, __m512i d, __m512i zp16,
                                        int add_zp, int32_t lo, int u8) {
  __m512i ab = _mm512_packs_epi32(a, b), cd = _mm512_packs_epi32(c, d);
  if (add_zp) {
    ab = _mm512_adds_epi16(ab, zp16);
    cd = _mm512_adds_epi16(cd, zp16);
  }
  return u8 ? _mm512_max_epu8(_mm512_packus_epi16(ab, cd), _mm512_set1_epi8((char)lo))
            : _mm512_max_epi8(_mm512_packs_epi16(ab, cd), _mm512_set1_epi8((char)lo));
}

static inline __attribute__((target("avx512f,avx512bw"))) __m512i qt_ukernel_requant_pack64__avx512(
    __m512i a, __m512i b, __m512i c, __m512i d, __m512i zp16, int add_zp, int32_t lo, int u8) {
  return _mm512_permutexvar_epi32(
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15),
      qt_ukernel_requant_pack64_lanes__avx512(a, b, c, d, zp16, add_zp, lo, u8));
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
