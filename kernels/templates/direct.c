/* direct.c — kernel template: conv2d (groups 1), NHWC, direct / spatial pack (after TVM's
 * conv2d_nhwc_spatial_pack), for the 3-channel stem and other small layers where im2col's copy
 * costs as much as the arithmetic. Output pixels are taken in tiles of QT_KNOB_TH rows x
 * QT_KNOB_TW columns and output channels in blocks of QT_KNOB_OCB; each (tile, block) keeps
 * int32 accumulators acc[TH*TW][OCB] in registers while it walks kh, kw and in_c straight
 * from the input: per tap one pointer per tile pixel, per input channel one broadcast per
 * pixel times one OCB-wide weight row (an outer product, vectorised across the block).
 * pack() lays the weights out once as int16 (w - weight_zp) per block: the int32 bias with the
 * input zero point folded in (bias' = bias - input_zp * sum(w - weight_zp)), then the block's
 * weights in [kh][kw][in_c][OCB] order, zero past out.c. Padded taps read input_zp (a row of
 * it in scratch, or the border of a prepadded copy), so the fold stays exact. Pixels past the
 * image in a partial tile repeat the last valid one and channels past out.c read zero weights;
 * neither is stored, so every extent runs the same code. Any stride, dilation, asymmetric
 * padding and batch is handled; the result is bit-exact with qt_ref_conv. isa=c is plain C11
 * written for GCC's auto-vectoriser; isa=avx2/avx512vnni/neon/neondot hand a tile's whole
 * reduction to an intrinsics micro-kernel in kernels/ukernels/ (qt_ukernel_direct_*: its own
 * packed layout, documented there), or to its plain C twin when the compiler does not target
 * that ISA. The micro-kernels walk each kernel row's kw * in_c bytes, contiguous in NHWC, in
 * place; tiles with a padded tap (or any tile when dilation_w > 1) first gather their rows
 * into scratch. Kernels never allocate: scratch_size() says how much caller memory run()
 * needs for the knob values compiled in. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_requant.h"
#include "qt_template.h"

/* ---- Knobs (defaults = schedules/direct.c's default for the stem on a 256-bit host) ------ */

/* Channel split: output channels per block, the extent of the vectorised multiply-adds and
 * of the accumulator rows (OCB / int32 lanes registers per tile pixel). */
#ifndef QT_KNOB_OCB
#define QT_KNOB_OCB 16
#endif
/* Spatial tile: output rows x columns per register block. Each loaded weight row is reused
 * TH * TW times; every tile pixel costs an accumulator row and an input broadcast. */
#ifndef QT_KNOB_TH
#define QT_KNOB_TH 1
#endif
#ifndef QT_KNOB_TW
#define QT_KNOB_TW 4
#endif
/* Loop order inside a band of TH output rows. 0 = hwc: column tiles outer, channel blocks
 * inner (a tile's input pixels stay in L1 while every block's weights pass). 1 = hcw: channel
 * blocks outer, column tiles inner (one block's weights stay hot across the band). */
#ifndef QT_KNOB_ORDER
#define QT_KNOB_ORDER 0
#endif
/* Interleave: unroll factor of the input-channel loop inside a tap; in_c not a multiple runs
 * a rolled tail. */
#ifndef QT_KNOB_KU
#define QT_KNOB_KU 1
#endif
/* compute_at padding. 0 = inline: every tap of every tile checks each pixel against the
 * image and points padded ones at a row of input_zp. 1 = prepad: the input is first copied
 * into scratch inside a border of input_zp, then every tile runs check-free. 2 = strips:
 * tiles whose taps all fall inside the image (the interior) run check-free on the input
 * itself, only tiles of the border strips carry checks. */
#ifndef QT_KNOB_PAD
#define QT_KNOB_PAD 2
#endif
/* compute_at requantization. 0 = tile: fused, right after a tile's reduction, from
 * registers. 1 = row: tiles store int32 into a buffer of TH output rows, requantized when the
 * band is complete, one long loop per pixel over out_c. 2 = pass: the whole int32 output goes
 * to scratch and is requantized in one streaming pass at the end. */
#ifndef QT_KNOB_RQ
#define QT_KNOB_RQ 0
#endif

/* ISA strategy of a tile's reduction (numbering as gemm.c's). 0 = c: the plain C outer
 * product above. 1 = avx2: VPMADDWD on int16 pairs, weights int16 [kh][kw*in_c/2][OCB][2]
 * (both dtypes; OCB a multiple of 8). 2 = avx512vnni: VPDPBUSD on inputs flipped to x + 128,
 * weights int8 [kh][kw*in_c/4][OCB][4], 128 * sum(w) folded into the bias (s8; OCB a multiple
 * of 16). 3 = neon: SMLAL/SMLAL2 on inputs widened to int16 minus the input zero point,
 * weights int16 [kh][kw*in_c][OCB], bias unfolded (both dtypes; OCB a multiple of 8).
 * 4 = neondot: SDOT, weights int8 as avx512vnni's, bias - zp * sum(w) (s8; OCB a multiple of
 * 4). The ISA's compile flags come with the knob value (schedules/direct.c); without them the
 * micro-kernel's plain C twin runs, bit-exact. KU unrolls the micro-kernel's k-step loop. */
#ifndef QT_KNOB_ISA
#define QT_KNOB_ISA 0
#endif

#define DR_OCB QT_KNOB_OCB
#define DR_TH QT_KNOB_TH
#define DR_TW QT_KNOB_TW
#define DR_TP (DR_TH * DR_TW) /* tile pixels */
#define DR_KU QT_KNOB_KU

#define DR_ORDER_HWC 0
#define DR_ORDER_HCW 1
#define DR_PAD_INLINE 0
#define DR_PAD_PREPAD 1
#define DR_PAD_STRIPS 2
#define DR_RQ_TILE 0
#define DR_RQ_ROW 1
#define DR_RQ_PASS 2
#define DR_ISA_C 0
#define DR_ISA_AVX2 1
#define DR_ISA_AVX512VNNI 2
#define DR_ISA_NEON 3
#define DR_ISA_NEONDOT 4
#define DR_UK (QT_KNOB_ISA != DR_ISA_C)
/* 1 for the ISA values whose micro-kernel computes s8 only */
#define DR_ISA_S8_ONLY (QT_KNOB_ISA == DR_ISA_AVX512VNNI || QT_KNOB_ISA == DR_ISA_NEONDOT)
/* How much of the input zero point pack() folds into the bias (qt_template_common.h) */
#define DR_FOLD                                                                              \
  (QT_KNOB_ISA == DR_ISA_AVX512VNNI ? QT_TPL_FOLD_ZP_PLUS_128                               \
   : QT_KNOB_ISA == DR_ISA_NEON     ? QT_TPL_FOLD_NOTHING                                   \
                                    : QT_TPL_FOLD_ZP)

_Static_assert(DR_OCB >= 1 && DR_OCB <= 256, "QT_KNOB_OCB out of range");
_Static_assert(DR_TH >= 1 && DR_TH <= 16 && DR_TW >= 1 && DR_TW <= 16, "tile out of range");
_Static_assert(QT_KNOB_ORDER == DR_ORDER_HWC || QT_KNOB_ORDER == DR_ORDER_HCW, "QT_KNOB_ORDER");
_Static_assert(DR_KU >= 1 && DR_KU <= 16, "QT_KNOB_KU out of range");
_Static_assert(QT_KNOB_PAD >= DR_PAD_INLINE && QT_KNOB_PAD <= DR_PAD_STRIPS, "QT_KNOB_PAD");
_Static_assert(QT_KNOB_RQ >= DR_RQ_TILE && QT_KNOB_RQ <= DR_RQ_PASS, "QT_KNOB_RQ");
_Static_assert(QT_KNOB_ISA >= DR_ISA_C && QT_KNOB_ISA <= DR_ISA_NEONDOT, "QT_KNOB_ISA");
_Static_assert(!DR_UK || DR_TP <= 16, "ISA micro-kernels take at most 16 tile pixels");
_Static_assert((QT_KNOB_ISA != DR_ISA_AVX2 && QT_KNOB_ISA != DR_ISA_NEON) || DR_OCB % 8 == 0,
               "isa=avx2/neon needs OCB % 8 == 0");
_Static_assert(QT_KNOB_ISA != DR_ISA_AVX512VNNI || DR_OCB % 16 == 0,
               "isa=avx512vnni needs OCB % 16 == 0");
_Static_assert(QT_KNOB_ISA != DR_ISA_NEONDOT || DR_OCB % 4 == 0, "isa=neondot needs OCB % 4 == 0");

/* GCC 12 peels a block loop of <= 16 iterations before vectorising and then vectorises the
 * channel loop as TP * OCB strided reductions instead (several times slower). A small explicit
 * unroll keeps the block loop a loop until it has become whole-register multiply-adds. */
#define DR_BLOCK_LOOP _Pragma("GCC unroll 2")

/* 1 where the avx512vnni micro-kernel reads its input flipped to x ^ 0x80 (u8 x + 128) from
 * the prepadded copy, flipped as it is copied (even an unpadded layer's input is copied
 * then): the XOR leaves the inner loop, one VPXORD per broadcast. */
#define DR_FLIP_A (QT_KNOB_ISA == DR_ISA_AVX512VNNI && QT_KNOB_PAD == DR_PAD_PREPAD)

#if DR_UK
#define QT_UK_MR DR_TP
#define QT_UK_NR DR_OCB
#define QT_UK_KU DR_KU
/* what the avx512vnni micro-kernel XORs into each input word it reads */
#define QT_UK_DIRECT_FLIP (DR_FLIP_A ? UINT32_C(0) : UINT32_C(0x80808080))
#endif
#if QT_KNOB_ISA == DR_ISA_AVX2
#include "../ukernels/qt_ukernel_direct_k2__avx2.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__avx2.h"
#elif QT_KNOB_ISA == DR_ISA_AVX512VNNI
#include "../ukernels/qt_ukernel_direct_s8_k4__avx512vnni.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__avx512.h"
#elif QT_KNOB_ISA == DR_ISA_NEON
#include "../ukernels/qt_ukernel_direct_k1__neon.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__neon.h"
#elif QT_KNOB_ISA == DR_ISA_NEONDOT
#include "../ukernels/qt_ukernel_direct_s8_k4__neondot.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__neon.h"
#endif
#define QT_TPL_REQUANT_AVX512 (QT_KNOB_ISA == DR_ISA_AVX512VNNI)
#define QT_TPL_REQUANT_AVX2 (QT_KNOB_ISA == DR_ISA_AVX2)
#define QT_TPL_REQUANT_NEON (QT_KNOB_ISA == DR_ISA_NEON || QT_KNOB_ISA == DR_ISA_NEONDOT)
#include "qt_template_common.h"

/* Packed weight element size and the k-step a kernel row is rounded up to. */
#if QT_KNOB_ISA == DR_ISA_AVX512VNNI || QT_KNOB_ISA == DR_ISA_NEONDOT
#define DR_KR 4
#define DR_WBYTES 1
#elif QT_KNOB_ISA == DR_ISA_AVX2
#define DR_KR 2
#define DR_WBYTES 2
#else
#define DR_KR 1
#define DR_WBYTES 2
#endif

/* ---- Shapes and sizes ---------------------------------------------------------------------- */

static size_t dr_k(const qt_conv_desc *d) { return qt_tpl_reduction(d); }
static size_t dr_blocks(const qt_conv_desc *d) { return qt_tpl_blocks(d, DR_OCB); }

/* A kernel row's reduction (kw * in_c bytes, contiguous in NHWC) and its length rounded up
 * to the micro-kernel's k-step (the packed rows' depth; kw * in_c itself for isa=c). */
static size_t dr_seg(const qt_conv_desc *d) {
  (void)d; /* unused when the shapes are compiled in */
  return (size_t)S_KW(d) * (size_t)S_IN_C(d);
}
static size_t dr_seg_packed(const qt_conv_desc *d) { return (dr_seg(d) + DR_KR - 1) / DR_KR * DR_KR; }

/* One channel block in the packed buffer: OCB int32 (folded) biases, then kh x seg_packed x
 * OCB weights (int16, int8 for avx512vnni/neondot), rounded so the next block's bias stays
 * QT_ALIGN-aligned. */
static size_t dr_block_bytes(const qt_conv_desc *d) {
  return qt_tpl_block_bytes(DR_OCB, (size_t)S_KH(d) * dr_seg_packed(d), DR_WBYTES);
}

/* Bytes of the channel blocks: the requant table follows them. */
static size_t dr_blocks_bytes(const qt_conv_desc *d) {
  return dr_blocks(d) * dr_block_bytes(d);
}

size_t QT_FN(packed_size)(const qt_conv_desc *d) {
  return dr_blocks_bytes(d) + qt_tpl_rq_table_bytes(d);
}

/* Scratch layout, each part QT_ALIGN-aligned and present only when used:
 *   [padding source: PAD=prepad the zero-point-bordered copy of the input, PAD=inline/strips
 *    one row of in_c bytes of input_zp that padded taps point at (only if d is padded)]
 *   [int32 accumulators: RQ=row TH output rows, RQ=pass the whole output]
 *   [gathered kernel rows of one tile: ISA micro-kernels, when dr_gathers()] */
static size_t dr_pad_bytes(const qt_conv_desc *d) {
  if (!qt_tpl_padded(d) && !DR_FLIP_A) return 0;
#if QT_KNOB_PAD == DR_PAD_PREPAD
  return QT_TPL_ALIGN_UP((size_t)S_N(d) * qt_tpl_prepad_image_bytes(d));
#else
  return QT_TPL_ALIGN_UP((size_t)S_IN_C(d));
#endif
}

static size_t dr_ibuf_bytes(const qt_conv_desc *d) {
  (void)d;
#if QT_KNOB_RQ == DR_RQ_ROW
  return QT_TPL_ALIGN_UP((size_t)DR_TH * (size_t)S_OUT_W(d) * (size_t)S_OUT_C(d) * sizeof(int32_t));
#elif QT_KNOB_RQ == DR_RQ_PASS
  return QT_TPL_ALIGN_UP((size_t)S_N(d) * (size_t)S_OUT_H(d) * (size_t)S_OUT_W(d) *
                     (size_t)S_OUT_C(d) * sizeof(int32_t));
#else
  return 0;
#endif
}

/* ISA micro-kernels: 1 if some tile's kernel rows are not contiguous runs of the image (a
 * padded tap outside prepad's copy, or dilation_w > 1), so they are gathered first. */
static int dr_gathers(const qt_conv_desc *d) {
  (void)d;
#if DR_UK
  return S_DW(d) != 1 || (QT_KNOB_PAD != DR_PAD_PREPAD && qt_tpl_padded(d));
#else
  return 0;
#endif
}

/* The gathered rows of one tile: TP pixels x kh rows of seg_packed bytes. */
static size_t dr_gather_bytes(const qt_conv_desc *d) {
  if (!dr_gathers(d)) return 0;
  return QT_TPL_ALIGN_UP((size_t)DR_TP * (size_t)S_KH(d) * dr_seg_packed(d));
}

size_t QT_FN(scratch_size)(const qt_conv_desc *d) {
  return dr_pad_bytes(d) + dr_ibuf_bytes(d) + dr_gather_bytes(d);
}

/* ---- Packing ------------------------------------------------------------------------------ */

/* Stores weight (w - weight_zp) = v of reduction index k (kh, kw, in_c order) and channel j
 * of a block where the micro-kernel reads it: per kernel row kh = k / seg, byte s = k % seg,
 * the row's panel interleaved by the k-step: [kh][s/4][OCB][4] int8 (avx512vnni, neondot),
 * [kh][s/2][OCB][2] (avx2), [kh][s][OCB] (c, neon: [k][OCB]). */
static void dr_put_weight(const qt_conv_desc *d, void *pw, size_t k, size_t j, int32_t v) {
  const size_t seg = dr_seg(d);
  const size_t at = qt_tpl_panel_index(k / seg * dr_seg_packed(d) + k % seg, j, DR_OCB, DR_KR);
#if DR_WBYTES == 1
  ((int8_t *)pw)[at] = (int8_t)v;
#else
  ((int16_t *)pw)[at] = (int16_t)v;
#endif
}

/* Packs OHWI weights (int8 for S8, uint8 for U8) into channel blocks of OCB: int32 folded
 * bias, then (w - weight_zp) where the isa reads it (dr_put_weight), zero past out.c and
 * past a kernel row. bias may be NULL (all zero). Returns QT_KERNEL_OK, QT_KERNEL_EINVAL for a
 * NULL argument, an unknown dtype or u8 with isa=avx512vnni/neondot, QT_KERNEL_ESHAPE for a
 * desc that is not conv2d or differs from compiled-in shapes. */
int QT_FN(pack)(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
                const int32_t *bias, void *packed) {
  const int rc = qt_tpl_check_pack(d, q, weights, bias, packed, QT_OP_CONV2D, DR_ISA_S8_ONLY);
  if (rc != QT_KERNEL_OK) return rc;
  qt_tpl_pack_blocks(d, q, weights, bias, packed, DR_OCB, dr_block_bytes(d), DR_FOLD,
                     dr_put_weight);
  qt_tpl_rq_table_fill(d, q, weights, bias, (uint8_t *)packed + dr_blocks_bytes(d));
  return QT_KERNEL_OK;
}

#if QT_KNOB_RQ != DR_RQ_TILE
/* Requantizes `pixels` complete int32 pixels of out_c channels (RQ=row/pass). Out of line: it
 * runs once per band of rows, and inlined it would only grow run(). */
static void dr_requant_pixels(const int32_t *src, uint8_t *dst, size_t pixels,
                              const qt_conv_desc *d, const qt_quant_params *q,
                              const void *rq_table) {
  qt_tpl_requant_pixels(src, dst, pixels, 0, (size_t)S_OUT_C(d), d, q, rq_table);
}
#endif

/* ---- The micro-kernel ---------------------------------------------------------------------- */

/* Everything one run needs, read-only during the loops. */
typedef struct dr_ctx {
  const qt_conv_desc *d;
  const qt_quant_params *q;
  const uint8_t *packed;
  const uint8_t *src;   /* image the taps read: the input, or its prepadded copy */
  const uint8_t *zrow;  /* in_c bytes of input_zp for padded taps (PAD=inline/strips) */
  uint8_t *out;         /* output of the current batch item */
  int32_t *ibuf;        /* int32 accumulators awaiting requantization (RQ=row/pass) */
#if DR_UK
  uint8_t *gbuf; /* one tile's gathered kernel rows (dr_gathers) */
#endif
  size_t src_h, src_w;  /* extents of src (the padded extents for prepad) */
  int32_t off_y, off_x; /* src row/column of output (0, 0)'s first tap: -pt/-pl, or 0 */
  int32_t y_lo, y_hi;   /* output rows [y_lo, y_hi) whose taps stay inside (PAD=strips) */
  int32_t x_lo, x_hi;   /* output columns [x_lo, x_hi) likewise */
  size_t k_len, block_bytes;
  const void *rq_table; /* qt_template_common.h's requant table, or NULL */
} dr_ctx;

/* acc[p][:] += x(pixel p, channel c) * w[c][:] for c < in_c, where pixel p's channels start
 * at px[p]; KU channels per iteration, the in_c % KU remaining ones rolled. */
QT_TPL_INLINE void dr_tap(int32_t acc[DR_TP][DR_OCB], const uint8_t *const px[DR_TP],
                      const int16_t *restrict w, size_t c_len, const int u8) {
  size_t c = 0;
  for (; c + DR_KU <= c_len; c += DR_KU) {
    _Pragma(QT_STR(GCC unroll DR_KU))
    for (size_t u = 0; u < DR_KU; u++) {
      const int16_t *restrict wc = w + (c + u) * DR_OCB;
      _Pragma(QT_STR(GCC unroll DR_TP))
      for (int p = 0; p < DR_TP; p++) {
        const int32_t x = qt_tpl_x(px[p], c + u, u8);
        DR_BLOCK_LOOP
        for (int j = 0; j < DR_OCB; j++) acc[p][j] += x * (int32_t)wc[j];
      }
    }
  }
#if DR_KU > 1
  for (; c < c_len; c++) {
    const int16_t *restrict wc = w + c * DR_OCB;
    for (int p = 0; p < DR_TP; p++) {
      const int32_t x = qt_tpl_x(px[p], c, u8);
      DR_BLOCK_LOOP
      for (int j = 0; j < DR_OCB; j++) acc[p][j] += x * (int32_t)wc[j];
    }
  }
#endif
}

#if DR_UK
/* Copies every tile pixel's kh kernel rows into gbuf, seg_packed bytes apart (pixel p's at
 * p * kh * seg_packed): per tap in_c bytes of the image, or of input_zp for a tap outside it
 * when checked. The bytes between seg and seg_packed are never read. */
static void dr_gather(const dr_ctx *x, const uint8_t *img, const int32_t iy0[DR_TP],
                      const int32_t ix0[DR_TP], const int checked) {
  const qt_conv_desc *d = x->d;
  (void)d; /* unused when the shapes are compiled in */
  const size_t c = (size_t)S_IN_C(d), kh_n = (size_t)S_KH(d), sp = dr_seg_packed(d);
  for (int p = 0; p < DR_TP; p++) {
    uint8_t *dst = x->gbuf + (size_t)p * kh_n * sp;
    for (int32_t kh = 0; kh < S_KH(d); kh++)
      for (int32_t kw = 0; kw < S_KW(d); kw++) {
        const int32_t iy = iy0[p] + kh * S_DH(d), ix = ix0[p] + kw * S_DW(d);
        const int outside =
            checked && (iy < 0 || iy >= (int32_t)x->src_h || ix < 0 || ix >= (int32_t)x->src_w);
        const uint8_t *src = outside ? x->zrow : img + ((size_t)iy * x->src_w + (size_t)ix) * c;
        memcpy(dst + (size_t)kh * sp + (size_t)kw * c, src, c);
      }
  }
}

/* acc = the tile's whole reduction by the ISA micro-kernel (or its twin): each pixel's kernel
 * rows read in place (one pointer per pixel, the dilated image row pitch between its rows)
 * when no tap is padded and dilation_w = 1, else from their gathered copy. */
QT_TPL_INLINE void dr_reduce_uk(const dr_ctx *x, const uint8_t *img, const int32_t iy0[DR_TP],
                            const int32_t ix0[DR_TP], const int checked, const uint8_t *block,
                            int32_t acc[DR_TP][DR_OCB], const int u8) {
  const qt_conv_desc *d = x->d;
  const size_t c = (size_t)S_IN_C(d), kh_n = (size_t)S_KH(d), seg = dr_seg(d);
  const uint8_t *a[DR_TP];
  size_t step;
  if (!checked && S_DW(d) == 1) {
    for (int p = 0; p < DR_TP; p++) a[p] = img + ((size_t)iy0[p] * x->src_w + (size_t)ix0[p]) * c;
    step = (size_t)S_DH(d) * x->src_w * c;
  } else {
    dr_gather(x, img, iy0, ix0, checked);
    step = dr_seg_packed(d);
    for (int p = 0; p < DR_TP; p++) a[p] = x->gbuf + (size_t)p * kh_n * step;
  }
  (void)u8;
#if QT_KNOB_ISA == DR_ISA_AVX512VNNI && defined(__AVX512F__) && defined(__AVX512VNNI__)
  qt_ukernel_direct_s8_k4__avx512vnni(a, step, kh_n, seg, block, acc);
#elif QT_KNOB_ISA == DR_ISA_AVX512VNNI
  qt_ukernel_direct_s8_k4__avx512vnni_c(a, step, kh_n, seg, block, acc);
#elif QT_KNOB_ISA == DR_ISA_AVX2 && defined(__AVX2__)
  qt_ukernel_direct_k2__avx2(a, step, kh_n, seg, block, acc, u8);
#elif QT_KNOB_ISA == DR_ISA_AVX2
  qt_ukernel_direct_k2__avx2_c(a, step, kh_n, seg, block, acc, u8);
#elif QT_KNOB_ISA == DR_ISA_NEON && defined(__aarch64__) && defined(__ARM_NEON)
  qt_ukernel_direct_k1__neon(a, step, kh_n, seg, block, acc, u8, x->q->input_zp);
#elif QT_KNOB_ISA == DR_ISA_NEON
  qt_ukernel_direct_k1__neon_c(a, step, kh_n, seg, block, acc, u8, x->q->input_zp);
#elif QT_KNOB_ISA == DR_ISA_NEONDOT && defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
  qt_ukernel_direct_s8_k4__neondot(a, step, kh_n, seg, block, acc);
#else
  qt_ukernel_direct_s8_k4__neondot_c(a, step, kh_n, seg, block, acc);
#endif
}
#endif

/* One tile: output rows oy0 .. oy0 + th - 1 and columns ox0 .. ox0 + tw - 1 (th <= TH,
 * tw <= TW; pixels past them repeat the last valid one) of batch item n, channel block b.
 * checked = 0 only when every tap of the tile is inside src (a constant at each call site). */
QT_TPL_INLINE void dr_tile(const dr_ctx *x, size_t n, int32_t oy0, int32_t ox0, int32_t th,
                       int32_t tw, size_t b, const int checked, const int u8) {
  const qt_conv_desc *d = x->d;
  (void)d; /* unused when the shapes are compiled in */
  const size_t c_len = (size_t)S_IN_C(d), oc = (size_t)S_OUT_C(d), c0 = b * DR_OCB;
  const size_t nc = oc - c0 < DR_OCB ? oc - c0 : DR_OCB;
  const uint8_t *block = x->packed + b * x->block_bytes;
  const int32_t *restrict bias = (const int32_t *)block;
  const int16_t *restrict w = (const int16_t *)(block + DR_OCB * sizeof(int32_t));
  const uint8_t *img = x->src + n * x->src_h * x->src_w * c_len;
  int32_t acc[DR_TP][DR_OCB];
  int32_t iy0[DR_TP], ix0[DR_TP]; /* first tap's src position of every tile pixel */
  for (int p = 0; p < DR_TP; p++) {
    const int32_t ty = p / DR_TW, tx = p % DR_TW;
    iy0[p] = (oy0 + (ty < th ? ty : th - 1)) * S_SH(d) + x->off_y;
    ix0[p] = (ox0 + (tx < tw ? tx : tw - 1)) * S_SW(d) + x->off_x;
#if !DR_UK
    for (int j = 0; j < DR_OCB; j++) acc[p][j] = bias[j];
#endif
  }
#if DR_UK
  (void)bias;
  (void)w;
  dr_reduce_uk(x, img, iy0, ix0, checked, block, acc, u8);
#else
  for (int32_t kh = 0; kh < S_KH(d); kh++)
    for (int32_t kw = 0; kw < S_KW(d); kw++) {
      const uint8_t *px[DR_TP];
      for (int p = 0; p < DR_TP; p++) {
        const int32_t iy = iy0[p] + kh * S_DH(d), ix = ix0[p] + kw * S_DW(d);
        if (checked && (iy < 0 || iy >= (int32_t)x->src_h || ix < 0 || ix >= (int32_t)x->src_w))
          px[p] = x->zrow;
        else
          px[p] = img + ((size_t)iy * x->src_w + (size_t)ix) * c_len;
      }
      dr_tap(acc, px, w + ((size_t)kh * (size_t)S_KW(d) + (size_t)kw) * c_len * DR_OCB, c_len, u8);
    }
#endif
#if QT_KNOB_RQ == DR_RQ_TILE
  /* the th x tw pixels at once (fixedpoint derives its per-channel masks once); a full block
   * gets a constant trip count */
  uint8_t *o = x->out + ((size_t)oy0 * (size_t)S_OUT_W(d) + (size_t)ox0) * oc + c0;
  const ptrdiff_t o_row = (ptrdiff_t)S_OUT_W(d) * (ptrdiff_t)oc;
  const int32_t *a0 = (const int32_t *)(const void *)acc;
  if (nc == DR_OCB)
    qt_tpl_requant_block(a0, DR_TW * DR_OCB, DR_OCB, o, o_row, (ptrdiff_t)oc, (int)th, (int)tw, c0,
                         DR_OCB, x->q, x->rq_table);
  else
    qt_tpl_requant_block(a0, DR_TW * DR_OCB, DR_OCB, o, o_row, (ptrdiff_t)oc, (int)th, (int)tw, c0,
                         nc, x->q, x->rq_table);
#else
  for (int32_t ty = 0; ty < th; ty++)
    for (int32_t tx = 0; tx < tw; tx++) {
      const int p = (int)(ty * DR_TW + tx);
#if QT_KNOB_RQ == DR_RQ_ROW
      /* the buffer holds the band's TH rows */
      memcpy(x->ibuf + ((size_t)ty * (size_t)S_OUT_W(d) + (size_t)(ox0 + tx)) * oc + c0, acc[p],
             nc * sizeof(int32_t));
#else
      memcpy(x->ibuf + (((n * (size_t)S_OUT_H(d) + (size_t)(oy0 + ty)) * (size_t)S_OUT_W(d)) +
                        (size_t)(ox0 + tx)) * oc + c0,
             acc[p], nc * sizeof(int32_t));
#endif
    }
#endif
}

/* A tile with the padding handling QT_KNOB_PAD asks for: strips take the check-free path for
 * interior tiles, inline always checks, prepad never needs to. */
QT_TPL_INLINE void dr_tile_pad(const dr_ctx *x, size_t n, int32_t oy0, int32_t ox0, int32_t th,
                           int32_t tw, size_t b, const int u8) {
#if QT_KNOB_PAD == DR_PAD_PREPAD
  dr_tile(x, n, oy0, ox0, th, tw, b, 0, u8);
#elif QT_KNOB_PAD == DR_PAD_STRIPS
  if (oy0 >= x->y_lo && oy0 + th <= x->y_hi && ox0 >= x->x_lo && ox0 + tw <= x->x_hi)
    dr_tile(x, n, oy0, ox0, th, tw, b, 0, u8);
  else
    dr_tile(x, n, oy0, ox0, th, tw, b, 1, u8);
#else
  if (x->zrow)
    dr_tile(x, n, oy0, ox0, th, tw, b, 1, u8);
  else /* an unpadded layer has no tap outside the image */
    dr_tile(x, n, oy0, ox0, th, tw, b, 0, u8);
#endif
}

/* One band of th <= TH output rows of batch item n, in the loop order QT_KNOB_ORDER picks;
 * the band is requantized here for RQ=row. */
QT_TPL_INLINE void dr_band(const dr_ctx *x, size_t n, int32_t oy0, int32_t th, const int u8) {
  const int32_t ow = S_OUT_W(x->d);
  const size_t nb = dr_blocks(x->d);
#if QT_KNOB_ORDER == DR_ORDER_HWC
  for (int32_t ox0 = 0; ox0 < ow; ox0 += DR_TW) {
    const int32_t tw = ow - ox0 < DR_TW ? ow - ox0 : DR_TW;
    for (size_t b = 0; b < nb; b++) dr_tile_pad(x, n, oy0, ox0, th, tw, b, u8);
  }
#else
  for (size_t b = 0; b < nb; b++)
    for (int32_t ox0 = 0; ox0 < ow; ox0 += DR_TW) {
      const int32_t tw = ow - ox0 < DR_TW ? ow - ox0 : DR_TW;
      dr_tile_pad(x, n, oy0, ox0, th, tw, b, u8);
    }
#endif
#if QT_KNOB_RQ == DR_RQ_ROW
  dr_requant_pixels(x->ibuf, x->out + (size_t)oy0 * (size_t)ow * (size_t)S_OUT_C(x->d),
                    (size_t)th * (size_t)ow, x->d, x->q, x->rq_table);
#endif
}

/* Runs the convolution. Returns QT_KERNEL_OK, QT_KERNEL_EINVAL for a NULL argument or an
 * unknown dtype, QT_KERNEL_ESHAPE if d is not conv2d or differs from the compiled-in shapes.
 * scratch must hold scratch_size(d) bytes (may be NULL when that is 0). */
int QT_FN(run)(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
               const void *packed, void *output, void *scratch) {
  const int rc = qt_tpl_check_run(d, q, input, packed, output, scratch, QT_FN(scratch_size),
                                  QT_OP_CONV2D, DR_ISA_S8_ONLY);
  if (rc != QT_KERNEL_OK) return rc;
  const int u8 = S_DTYPE(q) == QT_DTYPE_U8;
  const uint8_t zp = (uint8_t)q->input_zp;
  uint8_t *s = (uint8_t *)scratch;
  dr_ctx x = {.d = d,
              .q = q,
              .packed = (const uint8_t *)packed,
              .src = (const uint8_t *)input,
              .zrow = NULL,
              .ibuf = s ? (int32_t *)(void *)(s + dr_pad_bytes(d)) : NULL,
              .src_h = (size_t)S_IN_H(d),
              .src_w = (size_t)S_IN_W(d),
              .off_y = -S_PT(d),
              .off_x = -S_PL(d),
              .k_len = dr_k(d),
              .block_bytes = dr_block_bytes(d),
              .rq_table = qt_tpl_rq_table(d, q, (const uint8_t *)packed + dr_blocks_bytes(d))};
#if QT_KNOB_PAD == DR_PAD_PREPAD
  if (qt_tpl_padded(d) || DR_FLIP_A) {
    qt_tpl_prepad(d, (const uint8_t *)input, s, (size_t)S_N(d), zp, DR_FLIP_A ? 0x80 : 0);
    x.src = s;
    x.src_h = (size_t)(S_IN_H(d) + S_PT(d) + S_PB(d));
    x.src_w = (size_t)(S_IN_W(d) + S_PL(d) + S_PR(d));
    x.off_y = 0;
    x.off_x = 0;
  }
#else
  if (qt_tpl_padded(d)) {
    memset(s, zp, (size_t)S_IN_C(d));
    x.zrow = s;
  }
#endif
#if DR_UK
  x.gbuf = s ? s + dr_pad_bytes(d) + dr_ibuf_bytes(d) : NULL;
#endif
  qt_tpl_interior(S_IN_H(d), S_OUT_H(d), S_KH(d), S_SH(d), S_DH(d), S_PT(d), &x.y_lo, &x.y_hi);
  qt_tpl_interior(S_IN_W(d), S_OUT_W(d), S_KW(d), S_SW(d), S_DW(d), S_PL(d), &x.x_lo, &x.x_hi);
  (void)zp;
  const int32_t oh = S_OUT_H(d);
  const size_t image_out = (size_t)oh * (size_t)S_OUT_W(d) * (size_t)S_OUT_C(d);
  for (size_t n = 0; n < (size_t)S_N(d); n++) {
    x.out = (uint8_t *)output + n * image_out;
    for (int32_t oy0 = 0; oy0 < oh; oy0 += DR_TH) {
      const int32_t th = oh - oy0 < DR_TH ? oh - oy0 : DR_TH;
      if (u8)
        dr_band(&x, n, oy0, th, 1);
      else
        dr_band(&x, n, oy0, th, 0);
    }
  }
#if QT_KNOB_RQ == DR_RQ_PASS
  dr_requant_pixels(x.ibuf, (uint8_t *)output, (size_t)S_N(d) * (size_t)oh * (size_t)S_OUT_W(d), d,
                    q, x.rq_table);
#endif
  return QT_KERNEL_OK;
}
