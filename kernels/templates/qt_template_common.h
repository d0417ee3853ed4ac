/* qt_template_common.h — the pieces every kernel template (gemm.c, direct.c, dwconv.c) shares:
 * argument checks of pack() and run(), sizes and writing of the packed column blocks, the
 * zero-point bordered input copy (pad=prepad), the interior of the output that reads no
 * padding (pad=strips), and the requantization of int32 spans and pixels. Internal to the
 * templates: plain C11 over qt_template.h's shape accessors, static inline only, so each
 * template compiles it with its own knobs and shapes and the code it yields is the code the
 * template had inline.
 *
 * Include after qt_template.h and after the template's knob defines and micro-kernel headers;
 * two optional knobs of the requantization are read here:
 *   QT_TPL_REQUANT_AVX512   1: fixedpoint spans take 16 channels at a time through
 *                           qt_ukernel_requant_fixedpoint__avx512 where the compiler targets
 *                           AVX-512 F+BW (the template includes that micro-kernel), the last
 *                           partial block masked, with the requant table below; fp32 spans
 *                           and tiles likewise through qt_ukernel_requant_fp32__avx512
 *                           (included here), each tile's scales loaded once per block
 *   QT_TPL_REQUANT_AVX2     1: the same with qt_ukernel_requant_fixedpoint__avx2, 8 channels
 *                           at a time, where the compiler targets AVX2
 *   QT_TPL_REQUANT_AVX2_FLOAT 1: with QT_TPL_REQUANT_AVX2, the requant table's blocks take that
 *                           micro-kernel's float form where its check passes and the compiler
 *                           targets FMA too; run() must then bracket its tiles with
 *                           qt_tpl_rq_mode_begin/_end (MXCSR rounding down)
 *   QT_TPL_REQUANT_NEON     1: the same with qt_ukernel_requant_fixedpoint__neon (8, then 4
 *                           channels at a time) on aarch64 NEON
 *   QT_TPL_REQUANT_HVX      1: the same with 32 channels at a time through
 *                           qt_ukernel_requant_fixedpoint__hvx where the compiler targets
 *                           128-byte HVX
 *   QT_TPL_REQUANT_DSP      1: every channel through qt_ukernel_requant_fixedpoint__dsp
 *                           (SMMULR instead of a 64-bit multiply) where the compiler
 *                           targets the Armv7E-M DSP extension
 *   QT_TPL_REQUANT_UNROLL   unroll limit put on the requantization loops (a template whose
 *                           loops the early complete unroller must not take)
 *   QT_TPL_INDEX            integer type of the requantization's channel and pixel counts
 *                           (default size_t): the template's own, so that sharing the code
 *                           left the instructions it compiles to as they were */
#ifndef QT_TEMPLATE_COMMON_H
#define QT_TEMPLATE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_requant.h"
#include "qt_template.h"

#if defined(__GNUC__)
#define QT_TPL_INLINE static inline __attribute__((always_inline))
#define QT_TPL_NOINLINE static __attribute__((noinline))
#else
#define QT_TPL_INLINE static inline
#define QT_TPL_NOINLINE static
#endif

#define QT_TPL_ALIGN_UP(x) (((x) + (size_t)QT_ALIGN - 1) & ~((size_t)QT_ALIGN - 1))

#ifndef QT_TPL_INDEX
#define QT_TPL_INDEX size_t
#endif

#if defined(QT_TPL_REQUANT_UNROLL)
#define QT_TPL_REQUANT_LOOP _Pragma(QT_STR(GCC unroll QT_TPL_REQUANT_UNROLL))
#else
#define QT_TPL_REQUANT_LOOP
#endif

/* ---- Argument checks ---------------------------------------------------------------------- */

/* The checks of pack() and run() after their NULL checks: QT_KERNEL_EINVAL for a scheme
 * other than fixedpoint and fp32 (QT_REQUANT_NONE's int32 output is the reference's only,
 * qt_kernels.h), QT_KERNEL_ESHAPE unless d is op (conv2d with depth multiplier 1) and matches
 * the compiled-in shapes, QT_KERNEL_EINVAL for a dtype other than s8 and u8, or other than s8
 * when the micro-kernel computes s8 only. */
QT_TPL_INLINE int qt_tpl_check_problem(const qt_conv_desc *d, const qt_quant_params *q,
                                       qt_op op, int s8_only) {
  if (q->requant != QT_REQUANT_FIXEDPOINT && q->requant != QT_REQUANT_FP32)
    return QT_KERNEL_EINVAL;
  if (!qt_shape_matches(d, q) || (int)S_OP(d) != (int)op || (op == QT_OP_CONV2D && S_DM(d) != 1))
    return QT_KERNEL_ESHAPE;
  if (S_DTYPE(q) != QT_DTYPE_S8 && (s8_only || S_DTYPE(q) != QT_DTYPE_U8)) return QT_KERNEL_EINVAL;
  return QT_KERNEL_OK;
}

/* Every argument check of pack(): NULL pointers, qt_tpl_check_problem, then the bias rule of
 * qt_kernels.h (the one the reference applies; bias NULL is all zero). Returns QT_KERNEL_OK
 * or the code pack() returns. */
QT_TPL_INLINE int qt_tpl_check_pack(const qt_conv_desc *d, const qt_quant_params *q,
                                    const void *weights, const int32_t *bias,
                                    const void *packed, qt_op op, int s8_only) {
  if (!d || !q || !weights || !packed) return QT_KERNEL_EINVAL;
  const int rc = qt_tpl_check_problem(d, q, op, s8_only);
  if (rc != QT_KERNEL_OK || !bias) return rc;
  const int64_t limit = qt_conv_bias_limit(d);
  for (int32_t oc = 0; oc < S_OUT_C(d); oc++)
    if (bias[oc] < -limit || bias[oc] > limit) return QT_KERNEL_EINVAL;
  return QT_KERNEL_OK;
}

/* Every argument check of run(): NULL pointers (scratch may be NULL only when scratch_size is
 * 0), then qt_tpl_check_problem. Returns QT_KERNEL_OK or the code run() returns. */
QT_TPL_INLINE int qt_tpl_check_run(const qt_conv_desc *d, const qt_quant_params *q,
                                   const void *input, const void *packed, const void *output,
                                   const void *scratch,
                                   size_t (*scratch_size)(const qt_conv_desc *d), qt_op op,
                                   int s8_only) {
  if (!d || !q || !input || !packed || !output) return QT_KERNEL_EINVAL;
  const int rc = qt_tpl_check_problem(d, q, op, s8_only);
  if (rc != QT_KERNEL_OK) return rc;
  if (!scratch && scratch_size(d) != 0) return QT_KERNEL_EINVAL;
  return QT_KERNEL_OK;
}

/* ---- Shapes ------------------------------------------------------------------------------- */

/* Length of a conv2d output channel's reduction: kh * kw * in_c. */
static inline size_t qt_tpl_reduction(const qt_conv_desc *d) {
  (void)d; /* unused when the shapes are compiled in */
  return (size_t)S_KH(d) * (size_t)S_KW(d) * (size_t)S_IN_C(d);
}

/* 1 if any side of the input is padded. */
static inline int qt_tpl_padded(const qt_conv_desc *d) {
  (void)d;
  return S_PT(d) || S_PL(d) || S_PB(d) || S_PR(d);
}

/* Output indices [lo, hi) along one axis whose taps all fall inside the input (first tap at
 * o * s - pad >= 0, last at o * s - pad + dil * (k - 1) < in); an empty interior comes back as
 * lo == hi. */
static inline void qt_tpl_interior(int32_t in, int32_t out, int32_t k, int32_t s, int32_t dil,
                                   int32_t pad, int32_t *lo, int32_t *hi) {
  int32_t l = (pad + s - 1) / s;
  const int32_t last = in - 1 + pad - (k - 1) * dil; /* largest o * s allowed */
  int32_t h = last < 0 ? 0 : last / s + 1;
  l = l < out ? l : out;
  h = h < out ? h : out;
  *lo = l;
  *hi = h < l ? l : h;
}

/* Element i of an int8 or uint8 array, widened; u8 (a constant at every call site after
 * inlining) picks the signedness. */
QT_TPL_INLINE int32_t qt_tpl_x(const void *p, size_t i, const int u8) {
  return u8 ? (int32_t)((const uint8_t *)p)[i] : (int32_t)((const int8_t *)p)[i];
}

/* ---- Padding ------------------------------------------------------------------------------ */

/* Bytes of one input image inside its padding border (pad=prepad's copy). */
static inline size_t qt_tpl_prepad_image_bytes(const qt_conv_desc *d) {
  (void)d;
  return (size_t)(S_IN_H(d) + S_PT(d) + S_PB(d)) * (size_t)(S_IN_W(d) + S_PL(d) + S_PR(d)) *
         (size_t)S_IN_C(d);
}

/* Copies n bytes from src to dst XORed with flip in every byte (0x80: the u8 x + 128 that
 * VPDPBUSD multiplies); dst may be src. In 8-byte words: a byte loop that may alias its
 * output GCC 12 unrolled byte by byte for a short constant n, 16 scalar XORs a row. */
static inline void qt_tpl_flip(uint8_t *dst, const uint8_t *src, size_t n, uint8_t flip) {
  const uint64_t mask = UINT64_C(0x0101010101010101) * flip;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, src + i, sizeof v);
    v ^= mask;
    memcpy(dst + i, &v, sizeof v);
  }
  for (; i < n; i++) dst[i] = (uint8_t)(src[i] ^ flip);
}

/* Copies `images` consecutive NHWC input images from in to pad, each inside a border of zp
 * bytes as wide as the padding (pt/pb rows, pl/pr columns), every byte XORed with flip (0, or
 * 0x80 for a micro-kernel that reads x + 128). The byte pattern of input_zp is the same for
 * int8 and uint8. */
static inline void qt_tpl_prepad(const qt_conv_desc *d, const uint8_t *restrict in,
                                 uint8_t *restrict pad, size_t images, uint8_t zp, uint8_t flip) {
  (void)d;
  const size_t c = (size_t)S_IN_C(d), h = (size_t)S_IN_H(d), w = (size_t)S_IN_W(d);
  const size_t pt = (size_t)S_PT(d), pl = (size_t)S_PL(d), pr = (size_t)S_PR(d);
  const size_t hp = h + pt + (size_t)S_PB(d), wp = w + pl + pr;
  for (size_t n = 0; n < images; n++)
    for (size_t y = 0; y < hp; y++) {
      uint8_t *row = pad + (n * hp + y) * wp * c;
      const uint8_t fill = (uint8_t)(zp ^ flip);
      if (y < pt || y >= pt + h) {
        memset(row, fill, wp * c);
        continue;
      }
      memset(row, fill, pl * c);
      if (flip)
        qt_tpl_flip(row + pl * c, in + (n * h + (y - pt)) * w * c, w * c, flip);
      else
        memcpy(row + pl * c, in + (n * h + (y - pt)) * w * c, w * c);
      memset(row + (pl + w) * c, fill, pr * c);
    }
}

/* ---- Packed column blocks (gemm, direct) ----------------------------------------------------- */

/* Column blocks of `cols` output channels covering out_c. */
static inline size_t qt_tpl_blocks(const qt_conv_desc *d, size_t cols) {
  (void)d;
  return ((size_t)S_OUT_C(d) + cols - 1) / cols;
}

/* Bytes of one packed column block: cols int32 biases, then depth x cols weights of
 * weight_bytes each, rounded up so that the next block's bias stays QT_ALIGN-aligned. */
static inline size_t qt_tpl_block_bytes(size_t cols, size_t depth, size_t weight_bytes) {
  return QT_TPL_ALIGN_UP(cols * sizeof(int32_t) + depth * cols * weight_bytes);
}

/* Index of reduction step k, column j in a panel of cols columns interleaved by kr steps,
 * [depth / kr][cols][kr]: the k-major [depth][cols] for kr = 1, the pairs of VPMADDWD for 2,
 * the quads of VPDPBUSD/SDOT for 4. */
static inline size_t qt_tpl_panel_index(size_t k, size_t j, size_t cols, size_t kr) {
  return ((k / kr) * cols + j) * kr + k % kr;
}

/* What a micro-kernel does with the input zero point, so what pack() folds into the bias:
 * it multiplies the inputs as they are (fold zp), flipped to x + 128 for VPDPBUSD (fold
 * zp + 128), or it subtracts zp while widening (fold nothing). */
enum { QT_TPL_FOLD_ZP = 0, QT_TPL_FOLD_ZP_PLUS_128 = 1, QT_TPL_FOLD_NOTHING = 2 };

/* The value whose product with sum(w - weight_zp) pack() takes out of a channel's bias. */
static inline int32_t qt_tpl_fold_zp(const qt_quant_params *q, int fold) {
  return fold == QT_TPL_FOLD_NOTHING      ? 0
         : fold == QT_TPL_FOLD_ZP_PLUS_128 ? q->input_zp + 128
                                          : q->input_zp;
}

/* A channel's packed bias: bias - fold_zp * sum(w - weight_zp) (fold_zp from
 * qt_tpl_fold_zp). */
static inline int32_t qt_tpl_folded_bias(int32_t bias, int64_t sum, int32_t fold_zp) {
  return (int32_t)((int64_t)bias - (int64_t)fold_zp * sum);
}

/* Where a template stores weight (w - weight_zp) = v of reduction index k (OHWI order within
 * the output channel) and column j of a block whose weights start at pw. */
typedef void qt_tpl_put_weight(const qt_conv_desc *d, void *pw, size_t k, size_t j, int32_t v);

/* Packs OHWI weights (int8 for s8, uint8 for u8) into column blocks of `cols` output channels,
 * `block` bytes each: cols int32 biases folded as `fold` says (qt_tpl_fold_zp), then the
 * weights where put() says. Everything else (past out_c, past the reduction, alignment) is
 * zero, so packed bytes are reproducible. bias may be NULL (all zero). */
QT_TPL_INLINE void qt_tpl_pack_blocks(const qt_conv_desc *d, const qt_quant_params *q,
                                      const void *weights, const int32_t *bias, void *packed,
                                      size_t cols, size_t block, int fold,
                                      qt_tpl_put_weight *put) {
  const int u8 = S_DTYPE(q) == QT_DTYPE_U8;
  const int32_t fold_zp = qt_tpl_fold_zp(q, fold);
  const size_t k_len = qt_tpl_reduction(d), oc_n = (size_t)S_OUT_C(d);
  const size_t nb = qt_tpl_blocks(d, cols);
  const int32_t wzp = q->weight_zp;
  for (size_t b = 0; b < nb; b++) {
    uint8_t *base = (uint8_t *)packed + b * block;
    int32_t *pb = (int32_t *)(void *)base;
    void *pw = base + cols * sizeof(int32_t);
    memset(base, 0, block);
    for (size_t j = 0; j < cols; j++) {
      const size_t oc = b * cols + j;
      if (oc >= oc_n) continue;
      int64_t sum = 0;
      for (size_t k = 0; k < k_len; k++) {
        const int32_t v = qt_tpl_x(weights, oc * k_len + k, u8) - wzp;
        put(d, pw, k, j, v);
        sum += v;
      }
      pb[j] = qt_tpl_folded_bias(bias ? bias[oc] : 0, sum, fold_zp);
    }
  }
}

/* ---- Requantization ------------------------------------------------------------------------ */

#if defined(QT_TPL_REQUANT_AVX512) && QT_TPL_REQUANT_AVX512 && defined(__AVX512F__) && \
    defined(__AVX512BW__)
#include "../ukernels/qt_ukernel_common.h"
#include "../ukernels/qt_ukernel_requant_fp32__avx512.h"
#endif

/* out[i] = requant(acc[i]) for output channels c0 .. c0 + n - 1, through qt_requant.h only
 * (fixedpoint in its branch-free form, which GCC vectorises: ~20x cheaper than the oracle's).
 * The scheme's branch sits outside the loops so that each loop vectorises. Output bytes are
 * written as uint8 for both dtypes: the clamp keeps s8 values in [-128, 127], whose two's
 * complement low byte is the int8 result. */
QT_TPL_INLINE void qt_tpl_requant(const int32_t *restrict acc, uint8_t *restrict out,
                                  QT_TPL_INDEX c0, QT_TPL_INDEX n, const qt_quant_params *q) {
  const int32_t zp = q->output_zp, lo = q->act_min, hi = q->act_max;
  if (S_REQUANT(q) == QT_REQUANT_FP32) {
    const float *restrict scale = q->scale + c0;
#if defined(QT_TPL_REQUANT_AVX512) && QT_TPL_REQUANT_AVX512 && defined(__AVX512F__) && \
    defined(__AVX512BW__)
    /* 16 channels at a time with the AVX-512 micro-kernel, the last 1..15 masked */
    for (QT_TPL_INDEX i = 0; i < n; i += 16)
      qt_ukernel_requant_fp32__avx512(acc + i, scale + i, out + i, n - i < 16 ? (int)(n - i) : 16,
                                      zp, lo, hi);
#else
    QT_TPL_REQUANT_LOOP
    for (QT_TPL_INDEX i = 0; i < n; i++) out[i] = (uint8_t)qt_requant_fp32(acc[i], scale[i], zp, lo, hi);
#endif
  } else {
    const int32_t *restrict mul = q->multiplier + c0, *restrict sh = q->shift + c0;
    QT_TPL_INDEX i = 0;
#if defined(QT_TPL_REQUANT_AVX512) && QT_TPL_REQUANT_AVX512 && defined(__AVX512F__) &&       \
    defined(__AVX512BW__)
    /* 16 channels at a time with the AVX-512 requant micro-kernel (GCC's vectorisation of the
     * loop below needs several times more instructions), the rest masked */
    for (; i + 16 <= n; i += 16)
      qt_ukernel_requant_fixedpoint__avx512(acc + i, mul + i, sh + i, out + i, zp, lo, hi);
    if (i < n) { /* the last 1..15, masked */
      qt_ukernel_requant_fixedpoint_n__avx512(acc + i, mul + i, sh + i, out + i, (int)(n - i), zp,
                                              lo, hi);
      return;
    }
#endif
#if defined(QT_TPL_REQUANT_AVX2) && QT_TPL_REQUANT_AVX2 && defined(__AVX2__)
    /* 16, then 8 channels at a time with the AVX2 requant micro-kernel (GCC vectorises the
     * loop below with 64-bit products emulated lane by lane: ~1.5x fp32's network time) */
    for (; i + 16 <= n; i += 16)
      qt_ukernel_requant_fixedpoint16__avx2(acc + i, mul + i, sh + i, out + i, zp, lo, hi);
    for (; i + 8 <= n; i += 8)
      qt_ukernel_requant_fixedpoint__avx2(acc + i, mul + i, sh + i, out + i, zp, lo, hi);
#endif
#if defined(QT_TPL_REQUANT_NEON) && QT_TPL_REQUANT_NEON && defined(__aarch64__) &&          \
    defined(__ARM_NEON)
    /* TFLite's NEON sequence (SQSHL, SQRDMULH, SRSHL with its fix-up), 8 then 4 channels */
    for (; i + 8 <= n; i += 8)
      qt_ukernel_requant_fixedpoint__neon(acc + i, mul + i, sh + i, out + i, zp, lo, hi);
    for (; i + 4 <= n; i += 4)
      qt_ukernel_requant_fixedpoint4__neon(acc + i, mul + i, sh + i, out + i, zp, lo, hi);
#endif
#if defined(QT_TPL_REQUANT_HVX) && QT_TPL_REQUANT_HVX && defined(__hexagon__) &&               \
    defined(__HVX__) && __HVX_LENGTH__ == 128
    for (; i + 32 <= n; i += 32)
      qt_ukernel_requant_fixedpoint__hvx(acc + i, mul + i, sh + i, out + i, zp, lo, hi);
#endif
#if defined(QT_TPL_REQUANT_DSP) && QT_TPL_REQUANT_DSP && defined(__ARM_FEATURE_DSP)
    /* one channel at a time (no vectors): SRDHM by SMMULR, 64 bits only for |x1| >= 2^30 */
    for (; i < n; i++)
      out[i] = (uint8_t)qt_ukernel_requant_fixedpoint__dsp(acc[i], mul[i], sh[i], zp, lo, hi);
#endif
    QT_TPL_REQUANT_LOOP
    for (; i < n; i++)
      out[i] = (uint8_t)qt_requant_fixedpoint_vec(acc[i], mul[i], sh[i], zp, lo, hi);
  }
}

/* The ISA requant micro-kernel a block of pixels can share per-channel work in (the template
 * sets QT_TPL_REQUANT_AVX512/AVX2/NEON from its isa knob), and its channels per step. */
#if defined(QT_TPL_REQUANT_AVX512) && QT_TPL_REQUANT_AVX512 && defined(__AVX512F__) && \
    defined(__AVX512BW__)
#define QT_TPL_REQUANT_BLOCK 16
#define QT_TPL_RQ_AVX512 1
#elif defined(QT_TPL_REQUANT_AVX2) && QT_TPL_REQUANT_AVX2 && defined(__AVX2__)
#define QT_TPL_REQUANT_BLOCK 8
#define QT_TPL_RQ_AVX2 1
#if defined(QT_TPL_REQUANT_AVX2_FLOAT) && QT_TPL_REQUANT_AVX2_FLOAT && defined(__FMA__)
#define QT_TPL_RQ_AVX2_FLOAT 1
#endif
#elif defined(QT_TPL_REQUANT_NEON) && QT_TPL_REQUANT_NEON && defined(__aarch64__) &&        \
    defined(__ARM_NEON)
#define QT_TPL_REQUANT_BLOCK 8
#endif

/* The requant table: fixedpoint's per-channel constants as the x86 micro-kernel reads them
 * (its params: the form, M, 2M, their odd lanes, the shifts, half of 2^r, on AVX-512 the zero
 * point or the float form's constants) for every channel block, worked out once by pack() at
 * the end of the packed weights instead of by every tile. Deriving them takes 7 (AVX2) or 12
 * (AVX-512) instructions per block, against 12 for the scaling of 8 (AVX2) or 16 (AVX-512)
 * outputs, and a 1x2 depthwise or 2-row gemm tile shares them over 2 outputs only; AVX-512's
 * float form (qt_ukernel_requant_fixedpoint__avx512_try_float) is checked against the oracle
 * at every output step, about 80 us per block: pack time only. So run() must get the quant
 * params pack() got (as for the folded bias). AVX2: every whole 8-channel block (the rest
 * takes the per-pixel path); AVX-512: every 16-channel block, the last one partial where
 * out_c is not a multiple of 16 (its lanes past out_c get M = 0, shift 0; tiles store those
 * lanes masked). On AVX-512 the table is a 64-byte header (uint32s: where the whole params
 * start, where the raw copies start, the layer's requant flags: QT_TPL_RQ_SAT, QT_TPL_RQ_RELU; an
 * fp32 layer's table is this header alone, the rest zero), the layer's float-form constants
 * (qt_requant_fixedpoint_avx512_layer, 256 bytes), each block's float form, 192 bytes
 * (qt_requant_fixedpoint_avx512_float: with those, all a run reads where every block has it, 12
 * bytes per channel), for the dwconv avx512vnni kernel (QT_UK_DWV_RAW_OUT) the same again for every
 * whole 64-channel group in that kernel's lane order (qt_tpl_requant_block_raw64; the header's
 * second uint32 says where), then each block's whole params, 384 bytes, read only for a block
 * without it. */
#if defined(QT_TPL_RQ_AVX512)
#define QT_TPL_RQ_TABLE 1
typedef qt_requant_fixedpoint_avx512_params qt_tpl_rq_entry;
#define QT_TPL_RQ_ENTRIES(oc) (((oc) + 15) / 16)
/* Where the layer's constants and the float forms start, and the bytes of the header, those
 * and the float forms ahead of the whole params (multiples of 64). */
#define QT_TPL_RQ_LAYER_AT 64
#define QT_TPL_RQ_FLOATS_AT (QT_TPL_RQ_LAYER_AT + sizeof(qt_requant_fixedpoint_avx512_layer))
#if defined(QT_UK_DWV_RAW_OUT) && QT_UK_DWV_RAW_OUT
#define QT_TPL_RQ_RAW_GROUPS(oc) (QT_TPL_RQ_ENTRIES(oc) / 4)
#else
#define QT_TPL_RQ_RAW_GROUPS(oc) 0
#endif
#define QT_TPL_RQ_RAW_AT(oc) \
  (QT_TPL_RQ_FLOATS_AT + (size_t)QT_TPL_RQ_ENTRIES(oc) * sizeof(qt_requant_fixedpoint_avx512_float))
#define QT_TPL_RQ_FLOAT_BYTES(oc) \
  (QT_TPL_RQ_RAW_AT(oc) +         \
   (size_t)QT_TPL_RQ_RAW_GROUPS(oc) * 4 * sizeof(qt_requant_fixedpoint_avx512_float))
#elif defined(QT_TPL_RQ_AVX2)
#define QT_TPL_RQ_TABLE 1
typedef qt_requant_fixedpoint_avx2_params qt_tpl_rq_entry;
#define QT_TPL_RQ_ENTRIES(oc) ((oc) / 8)
#define QT_TPL_RQ_FLOAT_BYTES(oc) ((size_t)0)
#endif

/* Bytes of the requant table for d's output channels: packed bytes that packed_size() counts
 * after the weights. */
QT_TPL_INLINE size_t qt_tpl_rq_table_bytes(const qt_conv_desc *d) {
#if defined(QT_TPL_RQ_TABLE)
  return QT_TPL_ALIGN_UP(QT_TPL_RQ_FLOAT_BYTES(S_OUT_C(d)) +
                         (size_t)QT_TPL_RQ_ENTRIES(S_OUT_C(d)) * sizeof(qt_tpl_rq_entry));
#else
  (void)d;
  return 0;
#endif
}

/* The requant table at mem (qt_tpl_rq_table_bytes(d) bytes, QT_ALIGN-aligned, in the packed
 * buffer), or NULL where tiles derive the constants themselves: fp32 on AVX2, no whole AVX2
 * block, a build without an x86 requant micro-kernel. On AVX-512 fp32 has one too, of which
 * only the header's flags are read (qt_tpl_rq_flags). */
QT_TPL_INLINE const void *qt_tpl_rq_table(const qt_conv_desc *d, const qt_quant_params *q,
                                          const void *mem) {
#if defined(QT_TPL_RQ_AVX512)
  (void)q;
  return QT_TPL_RQ_ENTRIES(S_OUT_C(d)) > 0 ? mem : NULL;
#elif defined(QT_TPL_RQ_TABLE)
  return S_REQUANT(q) == QT_REQUANT_FIXEDPOINT && QT_TPL_RQ_ENTRIES(S_OUT_C(d)) > 0 ? mem : NULL;
#else
  (void)d, (void)q, (void)mem;
  return NULL;
#endif
}

#if defined(QT_TPL_RQ_AVX512)
/* Where the table's header keeps the layer's requant flags (uint32): QT_TPL_RQ_SAT where
 * qt_tpl_rq_sat_layer holds, QT_TPL_RQ_RELU where the fixed-point clamp's bottom is at or
 * above the output zero point (a fused ReLU, as TFLite's int8 models have on most layers: the
 * float form may skip its copysign, ..._float_zk's relu), QT_TPL_RQ_ONE where every block
 * took the one-FMA float form (QT_RQ512_FLOAT1: the float entries hold its constants). */
#define QT_TPL_RQ_FLAGS_AT 8
#define QT_TPL_RQ_SAT 1u
#define QT_TPL_RQ_RELU 2u
#define QT_TPL_RQ_ONE 4u

/* 1 if the packs of the wide paths (qt_ukernel_requant_pack64__avx512) may clamp every output
 * of the layer above, so its requantization may skip its upper clamp (the requant
 * micro-kernels' _hi functions with sat): the clamp's top is the dtype's maximum, and for
 * every output channel c the accumulators the layer can produce from any input bytes,
 * |acc| <= |bias[c]| + 255 sum_k |w[c][k] - wzp| (|x - izp| <= 255), times c's scale
 * (fp32's, or M 2^(shift - 31)) stay below 2^30, so no conversion overflows. Real layers are
 * far inside that (datagen's, tiny channels included: below 2^18 by construction); a top
 * below the dtype's maximum keeps the clamp. weights as pack() takes them (OHWI for conv2d,
 * HWC for depthwise), bias may be NULL. */
QT_TPL_INLINE int qt_tpl_rq_sat_layer(const qt_conv_desc *d, const qt_quant_params *q,
                                      const void *weights, const int32_t *bias) {
  const int u8 = S_DTYPE(q) == QT_DTYPE_U8, dw = S_OP(d) == QT_OP_DEPTHWISE;
  const int fp32 = S_REQUANT(q) == QT_REQUANT_FP32;
  if (q->act_max != (u8 ? 255 : 127)) return 0;
  const size_t oc_n = (size_t)S_OUT_C(d);
  const size_t k_len = dw ? (size_t)S_KH(d) * (size_t)S_KW(d) : qt_tpl_reduction(d);
  for (size_t oc = 0; oc < oc_n; oc++) {
    int64_t sum = 0;
    for (size_t k = 0; k < k_len; k++) {
      const int32_t v = qt_tpl_x(weights, dw ? k * oc_n + oc : oc * k_len + k, u8) - q->weight_zp;
      sum += v < 0 ? -v : v;
    }
    const int64_t b = bias ? bias[oc] : 0;
    const double bound = (double)(b < 0 ? -b : b) + 255.0 * (double)sum;
    const double scale =
        fp32 ? (double)q->scale[oc] : (double)q->multiplier[oc] * qt_rq_pow2f(q->shift[oc] - 31);
    if (!(scale >= 0 && bound * scale < 1073741824.0)) return 0;
  }
  return 1;
}

/* The requant flags of the requant table at table (NULL: none). */
QT_TPL_INLINE uint32_t qt_tpl_rq_flags(const void *table) {
  uint32_t flags = 0;
  if (table) memcpy(&flags, (const uint8_t *)table + QT_TPL_RQ_FLAGS_AT, sizeof flags);
  return flags;
}

/* 1 if the n entries at c all hold the float form. */
QT_TPL_INLINE int qt_tpl_rq_float_all(const qt_requant_fixedpoint_avx512_float *c, int n) {
  for (int v = 0; v < n; v++)
    if (!qt_ukernel_requant_fixedpoint__avx512_float_has(&c[v])) return 0;
  return 1;
}

/* qt_uk_transpose4x128 in place on float vectors. */
QT_TPL_INLINE void qt_tpl_transpose4x128_ps(__m512 a[4]) {
  __m512i t[4];
  for (int k = 0; k < 4; k++) t[k] = _mm512_castps_si512(a[k]);
  qt_uk_transpose4x128(t, t);
  for (int k = 0; k < 4; k++) a[k] = _mm512_castsi512_ps(t[k]);
}

#endif

#if defined(QT_TPL_RQ_AVX512) && defined(QT_UK_DWV_RAW_OUT) && QT_UK_DWV_RAW_OUT
/* The float forms f[0..3] of a 64-channel group into r[0..3] in the dwconv avx512vnni kernel's
 * order: the values qt_tpl_requant_wide_avx512 used to make for every tile, made once at pack
 * time (per tile, the two transposes and e made MobileNetV2's fixed-point depthwise layers
 * 1.03-1.14x slower, most on the small tiles of the 28x28 and 14x14 layers). */
static __attribute__((target("avx512f,avx512bw"))) void qt_tpl_rq_raw_group(
    const qt_requant_fixedpoint_avx512_float *f, qt_requant_fixedpoint_avx512_float *r) {
  __m512 a[4], b[4], c[4]; /* each form's three vectors, lane by lane */
  for (int v = 0; v < 4; v++) {
    a[v] = f[v].s_hi;
    b[v] = f[v].s_lo;
    c[v] = f[v].e;
  }
  qt_tpl_transpose4x128_ps(a);
  qt_tpl_transpose4x128_ps(b);
  qt_tpl_transpose4x128_ps(c);
  for (int v = 0; v < 4; v++) {
    r[v].s_hi = a[v];
    r[v].s_lo = b[v];
    r[v].e = c[v];
  }
}
#endif

/* qt_tpl_rq_table_fill's work. */
QT_TPL_INLINE void qt_tpl_rq_table_fill_(const qt_conv_desc *d, const qt_quant_params *q,
                                         const void *weights, const int32_t *bias, void *mem) {
#if defined(QT_TPL_RQ_TABLE)
  const int32_t oc = S_OUT_C(d), blocks = QT_TPL_RQ_ENTRIES(oc);
  memset(mem, 0, qt_tpl_rq_table_bytes(d));
  if (!qt_tpl_rq_table(d, q, mem)) return;
#if defined(QT_TPL_RQ_AVX512)
  const uint32_t flags =
      (qt_tpl_rq_sat_layer(d, q, weights, bias) ? QT_TPL_RQ_SAT : 0u) |
      (S_REQUANT(q) == QT_REQUANT_FIXEDPOINT && q->act_min >= q->output_zp ? QT_TPL_RQ_RELU : 0u);
  memcpy((uint8_t *)mem + QT_TPL_RQ_FLAGS_AT, &flags, sizeof flags);
  if (S_REQUANT(q) != QT_REQUANT_FIXEDPOINT) return;
#else
  (void)weights, (void)bias;
#endif
  qt_tpl_rq_entry *t = (qt_tpl_rq_entry *)(void *)((uint8_t *)mem + QT_TPL_RQ_FLOAT_BYTES(oc));
#if defined(QT_TPL_RQ_AVX512)
  const uint32_t whole = (uint32_t)QT_TPL_RQ_FLOAT_BYTES(oc);
  memcpy(mem, &whole, sizeof whole);
  *(qt_requant_fixedpoint_avx512_layer *)(void *)((uint8_t *)mem + QT_TPL_RQ_LAYER_AT) =
      qt_ukernel_requant_fixedpoint__avx512_layer(q->output_zp, q->act_min, q->act_max);
#endif
#if defined(QT_TPL_RQ_AVX512)
  /* the one-FMA float form where every block takes it (the layer's QT_TPL_RQ_ONE: the wide
   * paths run that form only), else the two-FMA form in each block whose check passes */
  int one = 1;
  for (int32_t b = 0; b < blocks && one; b++) {
    const int n = oc - 16 * b < 16 ? (int)(oc - 16 * b) : 16;
    t[b] = qt_ukernel_requant_fixedpoint__avx512_load_params(q->multiplier + 16 * b,
                                                             q->shift + 16 * b, n, q->output_zp);
    one = qt_ukernel_requant_fixedpoint__avx512_try_float1(
        &t[b], q->multiplier + 16 * b, q->shift + 16 * b, n, q->output_zp, q->act_min, q->act_max);
  }
  if (one) {
    const uint32_t all = flags | QT_TPL_RQ_ONE;
    memcpy((uint8_t *)mem + QT_TPL_RQ_FLAGS_AT, &all, sizeof all);
  }
#endif
  for (int32_t b = 0; b < blocks; b++) {
#if defined(QT_TPL_RQ_AVX512)
    const int n = oc - 16 * b < 16 ? (int)(oc - 16 * b) : 16;
    if (!one) {
      t[b] = qt_ukernel_requant_fixedpoint__avx512_load_params(q->multiplier + 16 * b,
                                                               q->shift + 16 * b, n, q->output_zp);
      qt_ukernel_requant_fixedpoint__avx512_try_float(&t[b], q->multiplier + 16 * b,
                                                      q->shift + 16 * b, n, q->output_zp,
                                                      q->act_min, q->act_max);
    }
    ((qt_requant_fixedpoint_avx512_float *)(void *)((uint8_t *)mem + QT_TPL_RQ_FLOATS_AT))[b] =
        qt_ukernel_requant_fixedpoint__avx512_float_pack(&t[b]);
#else
    t[b] = qt_ukernel_requant_fixedpoint__avx2_params(
        _mm256_loadu_si256((const __m256i *)(const void *)(q->multiplier + 8 * b)),
        _mm256_loadu_si256((const __m256i *)(const void *)(q->shift + 8 * b)));
#if defined(QT_TPL_RQ_AVX2_FLOAT)
    qt_ukernel_requant_fixedpoint__avx2_try_float(&t[b], q->multiplier + 8 * b, q->shift + 8 * b,
                                                  q->output_zp, q->act_min, q->act_max);
#endif
#endif
  }
#if defined(QT_TPL_RQ_AVX512) && defined(QT_UK_DWV_RAW_OUT) && QT_UK_DWV_RAW_OUT
  /* the raw copies: each whole group's 4 float forms transposed as the kernel's sums are
   * (qt_uk_transpose4x128; e, derived lane by lane from s_hi, or the one-FMA form's vectors
   * alike); a group with a block lacking the float form gets the marker (its first entry's
   * first vector all ones) */
  const uint32_t raw_at = (uint32_t)QT_TPL_RQ_RAW_AT(oc);
  memcpy((uint8_t *)mem + 4, &raw_at, sizeof raw_at);
  const qt_requant_fixedpoint_avx512_float *f =
      (const qt_requant_fixedpoint_avx512_float *)(const void *)((uint8_t *)mem +
                                                                 QT_TPL_RQ_FLOATS_AT);
  qt_requant_fixedpoint_avx512_float *r =
      (qt_requant_fixedpoint_avx512_float *)(void *)((uint8_t *)mem + raw_at);
  for (int32_t g = 0; g < QT_TPL_RQ_RAW_GROUPS(oc); g++) {
    if (!qt_tpl_rq_float_all(f + 4 * g, 4)) {
      r[4 * g].s_hi = _mm512_castsi512_ps(_mm512_set1_epi32(-1));
      continue;
    }
    qt_tpl_rq_raw_group(f + 4 * g, r + 4 * g);
  }
#endif
#else
  (void)d, (void)q, (void)weights, (void)bias, (void)mem;
#endif
}

/* pack()'s part: fills the requant table at mem for q where qt_tpl_rq_table gives one (fp32:
 * its header's flags only), else zeroes its bytes (packed bytes stay reproducible).
 * weights and bias as pack() takes them. On x86 MXCSR is left as the caller had it: the
 * float forms' checks and the sat bound compute in doubles, which may set its inexact flag
 * (a caller that tests the flags would see pack() raise them). */
QT_TPL_INLINE void qt_tpl_rq_table_fill(const qt_conv_desc *d, const qt_quant_params *q,
                                        const void *weights, const int32_t *bias, void *mem) {
#if defined(QT_TPL_RQ_AVX512) || defined(QT_TPL_RQ_AVX2)
  const unsigned csr = _mm_getcsr();
  qt_tpl_rq_table_fill_(d, q, weights, bias, mem);
  _mm_setcsr(csr);
#else
  qt_tpl_rq_table_fill_(d, q, weights, bias, mem);
#endif
}

#if defined(QT_TPL_RQ_AVX512)
/* Pixels first .. first + count - 1 (row-major in rows of nj) of a tile whose accumulators
 * of a 16-channel block are x[0 .. count - 1], requantized with the integer forms of the
 * block's params p to out + (i / nj) * out_si + (i % nj) * out_sj (n channels). */
#define QT_TPL_RQ16_CHUNK 32
static __attribute__((noinline, target("avx512f,avx512bw"))) void qt_tpl_requant16_int_avx512(
    const __m512i *x, int first, int count, int nj, uint8_t *out, ptrdiff_t out_si,
    ptrdiff_t out_sj, int n, const qt_requant_fixedpoint_avx512_params *p, int32_t lo, int32_t hi) {
  const qt_requant_fixedpoint_avx512_params pl = *p;
  for (int i = 0; i < count; i++)
    qt_ukernel_requant_store16__avx512(
        qt_ukernel_requant_fixedpoint__avx512_apply(x[i], &pl, lo, hi),
        out + (first + i) / nj * out_si + (first + i) % nj * out_sj, n);
}

/* ni x nj pixels (strides as qt_tpl_requant_block's) of the first n (1..16) channels of
 * 16-channel block `block` of the requant table, whose float form entry is c: read straight
 * from the accumulators, loaded and stored masked when n < 16 (a masked load does not fault
 * past the buffer's end). Blocks without the float form read their whole params. one: the
 * layer's QT_TPL_RQ_ONE (the caller has read its flags). */
QT_TPL_INLINE void qt_tpl_requant16_avx512(const int32_t *acc, ptrdiff_t acc_si, ptrdiff_t acc_sj,
                                           uint8_t *out, ptrdiff_t out_si, ptrdiff_t out_sj, int ni,
                                           int nj, int n,
                                           const qt_requant_fixedpoint_avx512_float *c,
                                           const void *table, QT_TPL_INDEX block, int32_t zp,
                                           int32_t lo, int32_t hi, int one) {
  /* whole blocks load plainly (a masked load, even with a constant full mask, stays one: GCC
   * cannot forward a tile's accumulators to it from registers) */
#define QT_TPL_RQ16_LOAD(a, b)                                                 \
  (n == 16 ? _mm512_loadu_si512((const void *)(acc + (a)*acc_si + (b)*acc_sj)) \
           : _mm512_maskz_loadu_epi32((__mmask16)((1u << n) - 1u), acc + (a)*acc_si + (b)*acc_sj))
  /* the float form in a loop of its own: behind apply's branch GCC converts the clamp to
   * floats again for every pixel */
  if (qt_ukernel_requant_fixedpoint__avx512_float_has(c)) {
    /* copies the byte stores below cannot alias (read through c, the constants would be
     * reloaded after every store); the layer's constants loaded, not rebuilt from zp, lo, hi */
    const qt_requant_fixedpoint_avx512_params pl =
        qt_ukernel_requant_fixedpoint__avx512_float_unpack(c, zp, one);
    const qt_requant_fixedpoint_avx512_layer ll =
        *(const qt_requant_fixedpoint_avx512_layer *)(const void *)((const uint8_t *)table +
                                                                    QT_TPL_RQ_LAYER_AT);
    /* the copysign kept for a fused ReLU too: a second loop without it (QT_TPL_RQ_RELU) made
     * block2_expand (gemm mr=8 nr=16) 6 % slower on every clamp and gained nothing */
    if (one)
      for (int a = 0; a < ni; a++)
        for (int b = 0; b < nj; b++)
          qt_ukernel_requant_store16__avx512(
              qt_ukernel_requant_fixedpoint__avx512_float_l(QT_TPL_RQ16_LOAD(a, b), &pl, &ll, 0, 1),
              out + a * out_si + b * out_sj, n);
    else
      for (int a = 0; a < ni; a++)
        for (int b = 0; b < nj; b++)
          qt_ukernel_requant_store16__avx512(
              qt_ukernel_requant_fixedpoint__avx512_float_l(QT_TPL_RQ16_LOAD(a, b), &pl, &ll, 0, 0),
              out + a * out_si + b * out_sj, n);
    return;
  }
  /* the integer forms (blocks that fail the float form's check: rare) out of line, on a
   * copy of the pixels: inline, their constants crowd out the tile's accumulators, and GCC
   * spills those right after the reduction, on the float form's path too; a call per pixel
   * keeps the others live across it, which does the same */
  uint32_t whole;
  memcpy(&whole, table, sizeof whole);
  const qt_requant_fixedpoint_avx512_params *p =
      (const qt_requant_fixedpoint_avx512_params *)(const void *)((const uint8_t *)table + whole) +
      block;
  __m512i x[QT_TPL_RQ16_CHUNK];
  int k = 0, first = 0;
  for (int a = 0; a < ni; a++)
    for (int b = 0; b < nj; b++) {
      x[k++] = QT_TPL_RQ16_LOAD(a, b);
      if (k == QT_TPL_RQ16_CHUNK || (a == ni - 1 && b == nj - 1)) {
        qt_tpl_requant16_int_avx512(x, first, k, nj, out, out_si, out_sj, n, p, lo, hi);
        first += k;
        k = 0;
      }
    }
#undef QT_TPL_RQ16_LOAD
}
#endif

#if defined(QT_TPL_RQ_AVX512)
/* ni x nj pixels (strides as qt_tpl_requant_block's) of 32 whole channels, two 16-channel
 * blocks whose float form entries are c[0] and c[1] (both hold one), with the layer's
 * constants from the requant table: each pixel's two registers go through one
 * qt_ukernel_requant_pack64__avx512 (the second half repeats the first) and one 32-byte store.
 * Against a VPMAXSD, a VPMOVDB (two uops on Zen 4) and a store per register
 * (qt_tpl_requant16_avx512): 3 uops per 32 outputs fewer. One pixel at a time, not two as
 * fp32's wide path: with the float form's 3 constants per block, two pixels' registers in
 * flight made GCC spill the tile's accumulators (gemm nr=32, block1_expand: 3 % slower than
 * per register; this is 4-13 % faster). */
QT_TPL_INLINE void qt_tpl_requant32_avx512(const int32_t *acc, ptrdiff_t acc_si, ptrdiff_t acc_sj,
                                           uint8_t *out, ptrdiff_t out_si, ptrdiff_t out_sj, int ni,
                                           int nj, const qt_requant_fixedpoint_avx512_float *c,
                                           const void *table, const qt_quant_params *q,
                                           const int sat, const int relu) {
  const int32_t zp = q->output_zp, lo = q->act_min;
  const int u8 = S_DTYPE(q) == QT_DTYPE_U8;
  /* copies the stores cannot alias, as in qt_tpl_requant16_avx512 */
  const qt_requant_fixedpoint_avx512_params p0 =
      qt_ukernel_requant_fixedpoint__avx512_float_unpack(&c[0], zp, 1);
  const qt_requant_fixedpoint_avx512_params p1 =
      qt_ukernel_requant_fixedpoint__avx512_float_unpack(&c[1], zp, 1);
  const qt_requant_fixedpoint_avx512_layer ll =
      *(const qt_requant_fixedpoint_avx512_layer *)(const void *)((const uint8_t *)table +
                                                                  QT_TPL_RQ_LAYER_AT);
  /* the float form adds zp itself (its k): the pack adds none */
  const __m512i zp16 = _mm512_setzero_si512();
  for (int a = 0; a < ni; a++)
    for (int b = 0; b < nj; b++) {
      const int32_t *x = acc + a * acc_si + b * acc_sj;
      const __m512i x0 = _mm512_loadu_si512((const void *)x);
      const __m512i x1 = _mm512_loadu_si512((const void *)(x + 16));
      const __m512i r0 =
          qt_ukernel_requant_fixedpoint__avx512_float_hi_l(x0, &p0, &ll, sat, relu, 1);
      const __m512i r1 =
          qt_ukernel_requant_fixedpoint__avx512_float_hi_l(x1, &p1, &ll, sat, relu, 1);
      const __m512i v = qt_ukernel_requant_pack64__avx512(r0, r1, r0, r1, zp16, 0, lo, u8);
      _mm256_storeu_si256((__m256i *)(void *)(out + a * out_si + b * out_sj),
                          _mm512_castsi512_si256(v));
    }
}

/* The same for fp32: the block's scales (n of them, read masked) once for every pixel. */
QT_TPL_INLINE void qt_tpl_requant16_fp32_avx512(const int32_t *acc, ptrdiff_t acc_si,
                                                ptrdiff_t acc_sj, uint8_t *out, ptrdiff_t out_si,
                                                ptrdiff_t out_sj, int ni, int nj, int n,
                                                const float *scale, const qt_quant_params *q) {
  const qt_requant_fp32_avx512_params p =
      qt_ukernel_requant_fp32__avx512_params(scale, n, q->output_zp, q->act_min, q->act_max);
  for (int a = 0; a < ni; a++)
    for (int b = 0; b < nj; b++)
      qt_ukernel_requant_fp32__avx512_pixel(acc + a * acc_si + b * acc_sj, &p,
                                            out + a * out_si + b * out_sj, n);
}
#endif

#if defined(QT_TPL_RQ_AVX512)
/* w (16, 32 or 64) whole channels of each of ni x nj pixels (strides as
 * qt_tpl_requant_block's), 64 output bytes at a time: the w / 16 registers of 64 / w
 * consecutive pixels (row-major) go through one qt_ukernel_requant_pack64__avx512, and each
 * pixel's w bytes are stored at once (all 64 in one store where the group's pixels are
 * contiguous in out). fp32 (a constant at each call) from the block's scales, else the
 * fixed-point float form of the entries c (which all hold one; raw: already in the
 * accumulators' order, the table's raw copies) with the layer's constants (layer: the
 * requant table's). The last group repeats the last pixel and does not store it
 * twice. */
QT_TPL_INLINE void qt_tpl_requant_wide_avx512(const int32_t *acc, ptrdiff_t acc_si,
                                              ptrdiff_t acc_sj, uint8_t *out, ptrdiff_t out_si,
                                              ptrdiff_t out_sj, int ni, int nj, const int w,
                                              const int fp32, const int raw, const float *scale,
                                              const qt_requant_fixedpoint_avx512_float *c,
                                              const qt_requant_fixedpoint_avx512_layer *layer,
                                              const qt_quant_params *q, const int sat,
                                              const int relu) {
  const int nv = w / 16, group = 64 / w, count = ni * nj, u8 = S_DTYPE(q) == QT_DTYPE_U8;
  const int32_t zp = q->output_zp, lo = q->act_min, hi = q->act_max;
  qt_requant_fp32_avx512_params pf[4];
  qt_requant_fixedpoint_avx512_params px[4];
#pragma GCC unroll 4
  for (int v = 0; v < nv; v++) {
    if (fp32)
      pf[v] = qt_ukernel_requant_fp32__avx512_params(scale + 16 * v, 16, zp, lo, hi);
    else
      px[v] = qt_ukernel_requant_fixedpoint__avx512_float_unpack(&c[v], zp, 1);
  }
  if (raw && fp32) {
    __m512 t[4];
    for (int v = 0; v < 4; v++) t[v] = pf[v].scale;
    qt_tpl_transpose4x128_ps(t);
    for (int v = 0; v < 4; v++) pf[v].scale = t[v];
  }
  const __m512i zp16 = _mm512_set1_epi16((short)zp);
  /* the layer's float-form constants, a copy the stores cannot alias (fp32: unused, zero) */
  const qt_requant_fixedpoint_avx512_layer ll =
      fp32 ? (qt_requant_fixedpoint_avx512_layer){0} : *layer;
  /* a group's pixels lie back to back in out: one 64-byte store */
  const int whole = (nj == 1 && out_si == w) || (ni == 1 && out_sj == w);
  /* register v of the group's pixel g, requantized (named registers, not an array: GCC
   * keeps an array of them in memory) */
#define QT_TPL_RQW_A(g, v) _mm512_loadu_si512((const void *)(acc + ao[g] + 16 * (v)))
#define QT_TPL_RQW_X(g, v)                                                                       \
  (fp32 ? qt_ukernel_requant_fp32__avx512_hi(QT_TPL_RQW_A(g, v), &pf[v], sat)                    \
        : qt_ukernel_requant_fixedpoint__avx512_float_hi_l(QT_TPL_RQW_A(g, v), &px[v], &ll, sat, \
                                                           relu, 1))
  /* the next pixel's place, (pa, pb), stepped row-major (no divide by a run-time nj) */
  int pa = 0, pb = 0;
  for (int p = 0; p < count; p += group) {
    /* the group's pixels' offsets in acc and out; past the last pixel, the last again */
    ptrdiff_t ao[4], oo[4];
#pragma GCC unroll 4
    for (int g = 0; g < group; g++) {
      if (g > 0 && p + g >= count) {
        ao[g] = ao[g - 1];
        oo[g] = oo[g - 1];
        continue;
      }
      ao[g] = pa * acc_si + pb * acc_sj;
      oo[g] = pa * out_si + pb * out_sj;
      if (++pb == nj) {
        pb = 0;
        pa++;
      }
    }
    __m512i b;
    if (w == 64 && raw)
      b = qt_ukernel_requant_pack64_lanes__avx512(QT_TPL_RQW_X(0, 0), QT_TPL_RQW_X(0, 1),
                                                  QT_TPL_RQW_X(0, 2), QT_TPL_RQW_X(0, 3), zp16,
                                                  fp32, lo, u8);
    else if (w == 64)
      b = qt_ukernel_requant_pack64__avx512(QT_TPL_RQW_X(0, 0), QT_TPL_RQW_X(0, 1),
                                            QT_TPL_RQW_X(0, 2), QT_TPL_RQW_X(0, 3), zp16, fp32, lo,
                                            u8);
    else if (w == 32)
      b = qt_ukernel_requant_pack64__avx512(QT_TPL_RQW_X(0, 0), QT_TPL_RQW_X(0, 1),
                                            QT_TPL_RQW_X(1, 0), QT_TPL_RQW_X(1, 1), zp16, fp32, lo,
                                            u8);
    else
      b = qt_ukernel_requant_pack64__avx512(QT_TPL_RQW_X(0, 0), QT_TPL_RQW_X(1, 0),
                                            QT_TPL_RQW_X(2, 0), QT_TPL_RQW_X(3, 0), zp16, fp32, lo,
                                            u8);
    if (w == 64 || (whole && p + group <= count)) {
      _mm512_storeu_si512((void *)(out + oo[0]), b);
    } else if (w == 32) {
      _mm256_storeu_si256((__m256i *)(void *)(out + oo[0]), _mm512_castsi512_si256(b));
      if (p + 1 < count)
        _mm256_storeu_si256((__m256i *)(void *)(out + oo[1]), _mm512_extracti64x4_epi64(b, 1));
    } else {
      _mm_storeu_si128((__m128i *)(void *)(out + oo[0]), _mm512_castsi512_si128(b));
      if (p + 1 < count)
        _mm_storeu_si128((__m128i *)(void *)(out + oo[1]), _mm512_extracti32x4_epi32(b, 1));
      if (p + 2 < count)
        _mm_storeu_si128((__m128i *)(void *)(out + oo[2]), _mm512_extracti32x4_epi32(b, 2));
      if (p + 3 < count)
        _mm_storeu_si128((__m128i *)(void *)(out + oo[3]), _mm512_extracti32x4_epi32(b, 3));
    }
  }
#undef QT_TPL_RQW_X
#undef QT_TPL_RQW_A
}
#endif

#if defined(QT_TPL_RQ_AVX2)
/* The loop of qt_tpl_requant16_avx2 with SCALE, an 8-lane scale of the micro-kernel. */
#define QT_TPL_RQ16_AVX2_LOOP(SCALE)                                                         \
  for (int a = 0; a < ni; a++)                                                               \
    for (int b = 0; b < nj; b++) {                                                           \
      const int32_t *x = acc + a * acc_si + b * acc_sj;                                      \
      qt_ukernel_requant_store16__avx2(                                                      \
          SCALE(_mm256_loadu_si256((const __m256i *)(const void *)x), p0),                   \
          SCALE(_mm256_loadu_si256((const __m256i *)(const void *)(x + 8)), p1), zp, lo, hi, \
          out + a * out_si + b * out_sj);                                                    \
    }
/* ni x nj pixels (strides as qt_tpl_requant_block's) of 16 channels, whose two 8-channel
 * blocks' constants are at p0 and p1 (the requant table's, or the caller's): one zero
 * point, clamp and store for the two 8-lane scales (qt_ukernel_requant_store16__avx2). */
QT_TPL_INLINE void qt_tpl_requant16_avx2(const int32_t *acc, ptrdiff_t acc_si, ptrdiff_t acc_sj,
                                         uint8_t *out, ptrdiff_t out_si, ptrdiff_t out_sj, int ni,
                                         int nj, const qt_requant_fixedpoint_avx2_params *p0,
                                         const qt_requant_fixedpoint_avx2_params *p1, int32_t zp,
                                         int32_t lo, int32_t hi) {
#if defined(QT_TPL_RQ_AVX2_FLOAT)
  /* both blocks in the float form (nearly always), else each in its own */
  if (p0->form == QT_RQ256_FLOAT && p1->form == QT_RQ256_FLOAT) {
    QT_TPL_RQ16_AVX2_LOOP(qt_ukernel_requant_fixedpoint__avx2_float)
  } else {
    QT_TPL_RQ16_AVX2_LOOP(qt_ukernel_requant_fixedpoint__avx2_scale_any)
  }
#else
  QT_TPL_RQ16_AVX2_LOOP(qt_ukernel_requant_fixedpoint__avx2_scale)
#endif
}
#undef QT_TPL_RQ16_AVX2_LOOP

/* The same for 8 channels, whose constants are at p. */
QT_TPL_INLINE void qt_tpl_requant8_avx2(const int32_t *acc, ptrdiff_t acc_si, ptrdiff_t acc_sj,
                                        uint8_t *out, ptrdiff_t out_si, ptrdiff_t out_sj, int ni,
                                        int nj, const qt_requant_fixedpoint_avx2_params *p,
                                        int32_t zp, int32_t lo, int32_t hi) {
#if defined(QT_TPL_RQ_AVX2_FLOAT)
#define QT_TPL_RQ8_APPLY qt_ukernel_requant_fixedpoint__avx2_apply_any
#else
#define QT_TPL_RQ8_APPLY qt_ukernel_requant_fixedpoint__avx2_apply
#endif
  for (int a = 0; a < ni; a++)
    for (int b = 0; b < nj; b++)
      qt_ukernel_requant_store8__avx2(
          QT_TPL_RQ8_APPLY(
              _mm256_loadu_si256((const __m256i *)(const void *)(acc + a * acc_si + b * acc_sj)), p,
              zp, lo, hi),
          out + a * out_si + b * out_sj);
#undef QT_TPL_RQ8_APPLY
}

#endif

/* MXCSR's mode for a run whose requant table is table (NULL: none): round down where the table
 * may hold float forms (QT_TPL_RQ_AVX2_FLOAT: every fixed-point table; a block in the integer
 * form does not care), unchanged otherwise. Returns what qt_tpl_rq_mode_end restores. The run's
 * tiles must be in functions it calls (qt_ukernel_requant_round_down_begin says why). */
QT_TPL_INLINE unsigned qt_tpl_rq_mode_begin(const void *table) {
#if defined(QT_TPL_RQ_AVX2_FLOAT)
  if (table) return qt_ukernel_requant_round_down_begin();
#endif
  (void)table;
  return 0;
}
QT_TPL_INLINE void qt_tpl_rq_mode_end(const void *table, unsigned saved) {
#if defined(QT_TPL_RQ_AVX2_FLOAT)
  if (table) qt_ukernel_requant_round_end(saved);
#endif
  (void)table, (void)saved;
}

#if defined(QT_TPL_RQ_AVX512)
/* call_ with sat_ the constant value of the layer's flag QT_TPL_RQ_SAT (of flags): written
 * twice, so each inlined copy of a wide path has its form's instructions only (fp32) */
#define QT_TPL_RQ_SAT_CALL(call_)    \
  do {                               \
    if (flags & QT_TPL_RQ_SAT) {     \
      const int sat_ = 1, relu_ = 0; \
      call_;                         \
    } else {                         \
      const int sat_ = 0, relu_ = 0; \
      call_;                         \
    }                                \
  } while (0)
/* The same with relu_ too, where both flags are set (fixed point: a fused ReLU with the clamp's
 * top at the dtype's maximum, TFLite's ReLU6 layers); a ReLU below that keeps the select
 * here (a fourth copy of every wide path for a rarer clamp). Fixed point's wide paths run
 * the one-FMA float form only (QT_TPL_RQ_ONE): a layer without it requantizes per register
 * (qt_tpl_requant16_avx512), where a fourth copy of every wide path for the two-FMA form had
 * cost about a fifth more compile time of every avx512 variant */
#define QT_TPL_RQ_FLAGS_CALL(call_)                                                       \
  do {                                                                                    \
    if ((flags & (QT_TPL_RQ_SAT | QT_TPL_RQ_RELU)) == (QT_TPL_RQ_SAT | QT_TPL_RQ_RELU)) { \
      const int sat_ = 1, relu_ = 1;                                                      \
      call_;                                                                              \
    } else {                                                                              \
      QT_TPL_RQ_SAT_CALL(call_);                                                          \
    }                                                                                     \
  } while (0)
#endif

/* A tile's requantization (rq=tile): ni x nj pixels that share channels c0 .. c0 + n - 1,
 * pixel (a, b)'s accumulators at acc + a * acc_si + b * acc_sj, its output at
 * out + a * out_si + b * out_sj. Each pixel as qt_tpl_requant, except that fixedpoint with an
 * ISA requant micro-kernel takes each channel block's constants once for all the tile's
 * pixels (AVX-512 and AVX2: from rq_table, the requant table qt_tpl_rq_table returned;
 * NEON: derived here, about a quarter of the per-pixel work) and requantizes straight from
 * the accumulators. */
QT_TPL_INLINE void qt_tpl_requant_block(const int32_t *acc, ptrdiff_t acc_si, ptrdiff_t acc_sj,
                                        uint8_t *out, ptrdiff_t out_si, ptrdiff_t out_sj, int ni,
                                        int nj, QT_TPL_INDEX c0, QT_TPL_INDEX n,
                                        const qt_quant_params *q, const void *rq_table) {
  QT_TPL_INDEX i = 0;
  (void)rq_table;
#if defined(QT_TPL_RQ_AVX512)
  const uint32_t flags = qt_tpl_rq_flags(rq_table);
  /* fp32: each 16-channel block's scales loaded once for the whole tile */
  if (S_REQUANT(q) == QT_REQUANT_FP32) {
    for (; i + 64 <= n; i += 64)
      QT_TPL_RQ_SAT_CALL(qt_tpl_requant_wide_avx512(acc + i, acc_si, acc_sj, out + i, out_si,
                                                    out_sj, ni, nj, 64, 1, 0, q->scale + c0 + i,
                                                    NULL, NULL, q, sat_, relu_));
    /* written out, not a loop over w: w must be a constant in each call */
    if (i + 32 <= n) {
      QT_TPL_RQ_SAT_CALL(qt_tpl_requant_wide_avx512(acc + i, acc_si, acc_sj, out + i, out_si,
                                                    out_sj, ni, nj, 32, 1, 0, q->scale + c0 + i,
                                                    NULL, NULL, q, sat_, relu_));
      i += 32;
    }
    if (i + 16 <= n) {
      QT_TPL_RQ_SAT_CALL(qt_tpl_requant_wide_avx512(acc + i, acc_si, acc_sj, out + i, out_si,
                                                    out_sj, ni, nj, 16, 1, 0, q->scale + c0 + i,
                                                    NULL, NULL, q, sat_, relu_));
      i += 16;
    }
    for (; i < n; i += 16)
      qt_tpl_requant16_fp32_avx512(acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj,
                                   n - i < 16 ? (int)(n - i) : 16, q->scale + c0 + i, q);
    return;
  }
#endif
#if defined(QT_TPL_REQUANT_BLOCK)
  if (S_REQUANT(q) == QT_REQUANT_FIXEDPOINT) {
    const int32_t zp = q->output_zp, lo = q->act_min, hi = q->act_max;
#if defined(QT_TPL_RQ_AVX512)
    /* the requant table's entries, read in place, where c0 starts one of its blocks (every
     * avx512 caller passes the table, and every avx512 tile's c0 is a multiple of 16); the
     * last block may be partial */
    if (rq_table && c0 % 16 == 0) {
      const qt_requant_fixedpoint_avx512_float *c =
          (const qt_requant_fixedpoint_avx512_float *)(const void *)((const uint8_t *)rq_table +
                                                                     QT_TPL_RQ_FLOATS_AT) +
          c0 / 16;
      /* 64 channels of a pixel as one 64-byte pack, then 32 as one half of a pack; not 32 or
       * 16 channels of 2 or 4 pixels, which fp32 gains from but the float form lost: the stem
       * (direct, ocb=32) and block1_expand (gemm, nr=32) took 5-20 % longer than per
       * register, and 16 channels of 2 pixels made the nr=16 gemm layers 9-20 % slower */
      const int one = (flags & QT_TPL_RQ_ONE) != 0;
      for (; one && i + 64 <= n && qt_tpl_rq_float_all(c + i / 16, 4); i += 64) {
        QT_TPL_RQ_FLAGS_CALL(qt_tpl_requant_wide_avx512(
            acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj, 64, 0, 0, NULL, c + i / 16,
            (const qt_requant_fixedpoint_avx512_layer *)(const void *)((const uint8_t *)rq_table +
                                                                       QT_TPL_RQ_LAYER_AT),
            q, sat_, relu_));
      }
      for (; one && i + 32 <= n && qt_tpl_rq_float_all(c + i / 16, 2); i += 32) {
        QT_TPL_RQ_FLAGS_CALL(qt_tpl_requant32_avx512(acc + i, acc_si, acc_sj, out + i, out_si,
                                                     out_sj, ni, nj, c + i / 16, rq_table, q, sat_,
                                                     relu_));
      }
      /* unrolled whole (a tile has at most 4 blocks): a loop indexes the tile's accumulators
       * at run time, which keeps them in memory */
#pragma GCC unroll 4
      for (; i + 16 <= n; i += 16)
        qt_tpl_requant16_avx512(acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj, 16,
                                &c[i / 16], rq_table, c0 / 16 + i / 16, zp, lo, hi, one);
      if (i < n)
        qt_tpl_requant16_avx512(acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj,
                                (int)(n - i), &c[i / 16], rq_table, c0 / 16 + i / 16, zp, lo, hi,
                                one);
      return;
    }
#elif defined(QT_TPL_RQ_AVX2)
    /* the requant table's entries, read in place, where c0 starts one of its blocks (every
     * avx2 caller passes the table, and every avx2 tile's c0 is a multiple of 8); without
     * them the per-pixel path below. 16 channels at a time where there are. */
    const qt_requant_fixedpoint_avx2_params *t =
        rq_table && c0 % 8 == 0 ? (const qt_requant_fixedpoint_avx2_params *)rq_table + c0 / 8
                                : NULL;
    for (; t && i + 16 <= n; i += 16)
      qt_tpl_requant16_avx2(acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj, &t[i / 8],
                            &t[i / 8 + 1], zp, lo, hi);
    for (; t && i + 8 <= n; i += 8)
      qt_tpl_requant8_avx2(acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj, &t[i / 8], zp,
                           lo, hi);
#else
    const int32_t *mul = q->multiplier + c0, *sh = q->shift + c0;
    for (; i + QT_TPL_REQUANT_BLOCK <= n; i += QT_TPL_REQUANT_BLOCK) {
      const qt_requant_fixedpoint_neon_params p0 =
          qt_ukernel_requant_fixedpoint__neon_params(vld1q_s32(mul + i), vld1q_s32(sh + i));
      const qt_requant_fixedpoint_neon_params p1 =
          qt_ukernel_requant_fixedpoint__neon_params(vld1q_s32(mul + i + 4), vld1q_s32(sh + i + 4));
      for (int a = 0; a < ni; a++)
        for (int b = 0; b < nj; b++) {
          const int32_t *x = acc + a * acc_si + b * acc_sj + i;
          uint8_t *o = out + a * out_si + b * out_sj + i;
          qt_ukernel_requant_store8__neon(
              qt_ukernel_requant_fixedpoint__neon_apply(vld1q_s32(x), &p0, zp, lo, hi),
              qt_ukernel_requant_fixedpoint__neon_apply(vld1q_s32(x + 4), &p1, zp, lo, hi), o);
        }
    }
#endif
    if (i == n) return;
  }
#endif
  /* fp32, and the channels past the last whole block */
  for (int a = 0; a < ni; a++)
    for (int b = 0; b < nj; b++)
      qt_tpl_requant(acc + a * acc_si + b * acc_sj + i, out + a * out_si + b * out_sj + i,
                     c0 + i, n - i, q);
}

#if defined(QT_TPL_RQ_AVX512)
/* qt_tpl_requant_block for accumulators whose whole 64-channel chunks (all but a partial last
 * one) hold channel 16 L + 4 k + d at 16 k + 4 L + d, the dwconv avx512vnni kernel's own order
 * (its QT_UK_DWV_RAW): those requantize with their params in that order (fp32: brought into
 * it once per call; fixed point: the requant table's raw copies, made at pack time) and the
 * packs' lane order kept, which is natural order again (..._pack64_lanes); the 8 VSHUFI64X2
 * per chunk and pixel that would bring the sums back are saved. A chunk whose fixed-point
 * blocks lack the float form is transposed back in acc, then requantized as any. */
QT_TPL_INLINE void qt_tpl_requant_block_raw64(int32_t *acc, ptrdiff_t acc_si, ptrdiff_t acc_sj,
                                              uint8_t *out, ptrdiff_t out_si, ptrdiff_t out_sj,
                                              int ni, int nj, QT_TPL_INDEX c0, QT_TPL_INDEX n,
                                              const qt_quant_params *q, const void *rq_table) {
  /* the table's raw copies (fixed point), where the header says they start */
  const qt_requant_fixedpoint_avx512_float *raw = NULL;
  if (rq_table && S_REQUANT(q) == QT_REQUANT_FIXEDPOINT) {
    uint32_t raw_at;
    memcpy(&raw_at, (const uint8_t *)rq_table + 4, sizeof raw_at);
    raw = (const qt_requant_fixedpoint_avx512_float *)(const void *)((const uint8_t *)rq_table +
                                                                     raw_at);
  }
  const uint32_t flags = qt_tpl_rq_flags(rq_table);
  QT_TPL_INDEX i = 0;
  for (; i + 64 <= n; i += 64) {
    if (S_REQUANT(q) == QT_REQUANT_FP32) {
      QT_TPL_RQ_SAT_CALL(qt_tpl_requant_wide_avx512(acc + i, acc_si, acc_sj, out + i, out_si,
                                                    out_sj, ni, nj, 64, 1, 1, q->scale + c0 + i,
                                                    NULL, NULL, q, sat_, relu_));
      continue;
    }
    /* the group's raw copies (chunks start at multiples of 64: the kernel's blocks are) */
    const qt_requant_fixedpoint_avx512_float *c =
        raw && (c0 + i) % 64 == 0 ? raw + (c0 + i) / 16 : NULL;
    if (c && (flags & QT_TPL_RQ_ONE) && qt_ukernel_requant_fixedpoint__avx512_float_has(c)) {
      QT_TPL_RQ_FLAGS_CALL(qt_tpl_requant_wide_avx512(
          acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj, 64, 0, 1, NULL, c,
          (const qt_requant_fixedpoint_avx512_layer *)(const void *)((const uint8_t *)rq_table +
                                                                     QT_TPL_RQ_LAYER_AT),
          q, sat_, relu_));
      continue;
    }
    for (int a = 0; a < ni; a++)
      for (int b = 0; b < nj; b++) {
        int32_t *x = acc + a * acc_si + b * acc_sj + i;
        __m512i t[4];
        for (int k = 0; k < 4; k++) t[k] = _mm512_loadu_si512(x + 16 * k);
        qt_uk_transpose4x128(t, t);
        for (int k = 0; k < 4; k++) _mm512_storeu_si512(x + 16 * k, t[k]);
      }
    qt_tpl_requant_block(acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj, c0 + i, 64, q,
                         rq_table);
  }
  if (i < n)
    qt_tpl_requant_block(acc + i, acc_si, acc_sj, out + i, out_si, out_sj, ni, nj, c0 + i, n - i, q,
                         rq_table);
}
#undef QT_TPL_RQ_FLAGS_CALL
#undef QT_TPL_RQ_SAT_CALL
#endif

/* Requantizes channels [c0, c0 + cn) of `pixels` consecutive int32 pixels of out_c channels
 * from src into the same places of dst (rq=row/pass). */
QT_TPL_INLINE void qt_tpl_requant_pixels(const int32_t *src, uint8_t *dst, QT_TPL_INDEX pixels,
                                         QT_TPL_INDEX c0, QT_TPL_INDEX cn, const qt_conv_desc *d,
                                         const qt_quant_params *q, const void *rq_table) {
  (void)d;
  (void)rq_table;
  const QT_TPL_INDEX oc = (QT_TPL_INDEX)S_OUT_C(d);
#if defined(QT_TPL_REQUANT_BLOCK)
  /* fixedpoint: groups of 16 pixels share each channel block's shift masks (as a tile's
   * pixels do); a group's 16 cache lines stay in L1 from one channel block to the next */
  if (S_REQUANT(q) == QT_REQUANT_FIXEDPOINT) {
    for (QT_TPL_INDEX p = 0; p < pixels; p += 16) {
      const int np = pixels - p < 16 ? (int)(pixels - p) : 16;
      qt_tpl_requant_block(src + p * oc + c0, (ptrdiff_t)oc, 0, dst + p * oc + c0, (ptrdiff_t)oc, 0,
                           np, 1, c0, cn, q, rq_table);
    }
    return;
  }
#endif
  for (QT_TPL_INDEX p = 0; p < pixels; p++)
    qt_tpl_requant(src + p * oc + c0, dst + p * oc + c0, c0, cn, q);
}

#endif /* QT_TEMPLATE_COMMON_H */
