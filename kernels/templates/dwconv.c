/* dwconv.c — kernel template: depthwise_conv2d, NHWC, direct (after TVM's Arm NHWC depthwise
 * schedule): output channels are split into blocks of QT_KNOB_CB, output pixels into tiles of
 * QT_KNOB_TH x QT_KNOB_TW, and each (tile, channel block) keeps an int32 accumulator array
 * acc[TH][TW][CB] in vector registers while it walks the kh x kw taps. The knobs below fix
 * the schedule at compile time (schedules/dwconv.c describes their space); shapes come from
 * qt_template.h's S_*() accessors, so one source serves fixed-shape tuning builds and the
 * runtime-shape test library. Weights are packed once by pack() as int16 (w - weight_zp)
 * (int8 for the k4 isas neondot and hvx: DW_WEIGHT_T) in [channel block][kh][kw][CB] order
 * (isa=c; the micro-kernels' own layouts otherwise), zero-filled past out.c, followed
 * (64-byte aligned) by the
 * int32 bias with the input zero point folded in (bias' = bias - input_zp * sum(w - weight_zp)),
 * so run() only accumulates x * (w - weight_zp) with padded positions reading x = input_zp.
 * Any stride, dilation, asymmetric padding, depth multiplier, batch and channel count is
 * handled (partial tiles and channel blocks run the same code with runtime extents); the
 * result is bit-exact with qt_ref_conv. With QT_KNOB_ISA=c the reduction is plain C11 for
 * GCC's auto-vectoriser; the other values hand each tile's reduction to an intrinsics
 * micro-kernel of kernels/ukernels/ (or its plain C twin), which packs the weights in its own
 * layout (documented in its header) while the tiling, padding and requantization stay here.
 * Kernels never allocate: scratch_size() says how much caller memory run() needs for the
 * knob values compiled in. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_requant.h"
#include "qt_template.h"

/* ---- Knobs. Defaults: what schedules/dwconv.c's default_config picks for a 256-bit x86
 * host (one vector of int8 channels, 2x2 tile, inputs first, strips, row requant), so the
 * file also compiles and runs well without any -D. ---------------------------------------- */

/* Channel split: output channels per inner block; the extent of the accumulator's innermost
 * dimension and of the vectorised loops, so it sets how many vector registers one output
 * pixel occupies (CB / int32 lanes). */
#ifndef QT_KNOB_CB
#define QT_KNOB_CB 32
#endif
/* Spatial tile: output rows x columns per register block. Larger tiles reuse each loaded
 * weight vector for more outputs, at the price of accumulator registers. */
#ifndef QT_KNOB_TH
#define QT_KNOB_TH 2
#endif
#ifndef QT_KNOB_TW
#define QT_KNOB_TW 2
#endif
/* Loop order of the outer loops. 0 = hwc: spatial tiles outer, channel blocks inner (each
 * input pixel is touched once per tile, weights cycle through L1). 1 = chw: channel blocks
 * outer, spatial tiles inner (one block's weights stay hot, input is walked once per block
 * with a stride of in.c). */
#ifndef QT_KNOB_ORDER
#define QT_KNOB_ORDER 0
#endif
/* Interleave: unroll factor of the innermost tap loop (over kw), i.e. how many taps' loads
 * and multiply-adds the compiler may schedule together. 1 keeps a rolled loop. */
#ifndef QT_KNOB_KU
#define QT_KNOB_KU 1
#endif
/* Load order inside one tap. 0 = weights-first: the channel loop is outside the tile's
 * positions, so each weight vector is loaded once and applied to all TH*TW input vectors.
 * 1 = inputs-first: the positions are outside the channel loop, so each output's input
 * vector is loaded and multiplied with the tap's weights (reloaded from L1 per position),
 * which keeps fewer values live but issues more weight loads. */
#ifndef QT_KNOB_LOAD
#define QT_KNOB_LOAD 1
#endif
/* compute_at padding. 0 = inline: every tile looks up each tap's input positions and reads
 * a row of input_zp where they fall outside the image. 1 = prepad: each batch image is first copied into scratch with a
 * border filled with input_zp, then every tile runs check-free. 2 = strips: tiles whose taps
 * are all inside the image (the interior) run check-free on the input itself, only the border
 * strips carry checks. */
#ifndef QT_KNOB_PAD
#define QT_KNOB_PAD 2
#endif
/* compute_at requantization. 0 = tile: fused, right after a tile's reduction, from
 * registers. 1 = row: tiles store int32 into a buffer of TH output rows, requantized when the
 * band of rows is complete. 2 = pass: the whole int32 output of a batch image goes to
 * scratch and is requantized in one separate streaming pass at the end. */
#ifndef QT_KNOB_RQ
#define QT_KNOB_RQ 1
#endif

/* ISA strategy of the tile's reduction. 0 = c: the auto-vectorised C of this file. 1 = avx2,
 * 2 = avx512: VPMADDWD on two taps at a time (kernels/ukernels/qt_ukernel_dwconv_k2__*.h),
 * 3 = neon: SMLAL/SMLAL2 with the input zero point subtracted while widening
 * (qt_ukernel_dwconv_k1__neon.h), 4 = neondot: SDOT (s8 x s8) on groups of 4 taps transposed
 * by ZIPs, weights int8 (s8 only; qt_ukernel_dwconv_s8_k4__neondot.h), 5 = hvx: Hexagon HVX
 * vrmpy (u8 x s8) on groups of 4 taps,
 * inputs flipped to x + 128, weights int8 (s8 only; qt_ukernel_dwconv_s8_k4__hvx.h), 6 = dsp:
 * SXTB16 pairs into SMLABB/SMLATT, one accumulator register per channel
 * (qt_ukernel_dwconv_k1__dsp.h, Armv7E-M), 7 = avx512vnni: VPDPBUSD (u8 x s8) on groups of 4
 * taps transposed by unpacks, inputs flipped to x + 128, weights int8 (s8 only;
 * qt_ukernel_dwconv_s8_k4__avx512vnni.h). Each compiles its intrinsics where the compiler
 * targets the ISA (the knob value adds the flags, schedules/dwconv.c) and its plain C twin
 * otherwise; the
 * packed weights take the micro-kernel's layout. The micro-kernels load CB consecutive input
 * channels, so a depth multiplier other than 1 runs the twin (the space rejects it). */
#ifndef QT_KNOB_ISA
#define QT_KNOB_ISA 0
#endif

#define DW_CB QT_KNOB_CB
#define DW_TH QT_KNOB_TH
#define DW_TW QT_KNOB_TW
/* Unroll limit of the channel loops: below their trip count CB, at least CB / 4 (128-bit
 * vectors of int32 leave that many vector iterations to unroll after vectorisation). */
#define DW_CU (DW_CB / 4 > 1 ? DW_CB / 4 : 1)

#define DW_ORDER_HWC 0
#define DW_ORDER_CHW 1
#define DW_LOAD_WEIGHTS 0
#define DW_LOAD_INPUTS 1
#define DW_PAD_INLINE 0
#define DW_PAD_PREPAD 1
#define DW_PAD_STRIPS 2
#define DW_RQ_TILE 0
#define DW_RQ_ROW 1
#define DW_RQ_PASS 2
#define DW_ISA_C 0
#define DW_ISA_AVX2 1
#define DW_ISA_AVX512 2
#define DW_ISA_NEON 3
#define DW_ISA_NEONDOT 4
#define DW_ISA_HVX 5
#define DW_ISA_DSP 6
#define DW_ISA_AVX512VNNI 7
/* 1 for the ISA values whose micro-kernel takes signed int8 weights only (vrmpy and VPDPBUSD
 * u8 x s8, SDOT s8 x s8): the k4 kernels */
#define DW_ISA_K4 \
  (QT_KNOB_ISA == DW_ISA_NEONDOT || QT_KNOB_ISA == DW_ISA_HVX || QT_KNOB_ISA == DW_ISA_AVX512VNNI)
#define DW_ISA_S8_ONLY DW_ISA_K4

_Static_assert(DW_CB >= 1 && DW_CB <= 256, "QT_KNOB_CB out of range");
_Static_assert(DW_TH >= 1 && DW_TH <= 16 && DW_TW >= 1 && DW_TW <= 16, "tile out of range");
_Static_assert(QT_KNOB_ORDER == DW_ORDER_HWC || QT_KNOB_ORDER == DW_ORDER_CHW, "QT_KNOB_ORDER");
_Static_assert(QT_KNOB_KU >= 1 && QT_KNOB_KU <= 16, "QT_KNOB_KU out of range");
_Static_assert(QT_KNOB_LOAD == DW_LOAD_WEIGHTS || QT_KNOB_LOAD == DW_LOAD_INPUTS, "QT_KNOB_LOAD");
_Static_assert(QT_KNOB_PAD >= DW_PAD_INLINE && QT_KNOB_PAD <= DW_PAD_STRIPS, "QT_KNOB_PAD");
_Static_assert(QT_KNOB_RQ >= DW_RQ_TILE && QT_KNOB_RQ <= DW_RQ_PASS, "QT_KNOB_RQ");
_Static_assert(QT_KNOB_ISA >= DW_ISA_C && QT_KNOB_ISA <= DW_ISA_AVX512VNNI, "QT_KNOB_ISA");
_Static_assert(QT_KNOB_ISA != DW_ISA_AVX2 || DW_CB % 16 == 0, "isa=avx2 needs CB % 16 == 0");
_Static_assert(QT_KNOB_ISA != DW_ISA_AVX512 || DW_CB % 32 == 0, "isa=avx512 needs CB % 32 == 0");
_Static_assert(QT_KNOB_ISA != DW_ISA_NEON || DW_CB % 8 == 0, "isa=neon needs CB % 8 == 0");
_Static_assert(QT_KNOB_ISA != DW_ISA_NEONDOT || DW_CB % 16 == 0, "isa=neondot needs CB % 16 == 0");
_Static_assert(QT_KNOB_ISA != DW_ISA_HVX || DW_CB % 32 == 0, "isa=hvx needs CB % 32 == 0");
_Static_assert(QT_KNOB_ISA != DW_ISA_DSP || DW_CB % 4 == 0, "isa=dsp needs CB % 4 == 0");
_Static_assert(QT_KNOB_ISA != DW_ISA_AVX512VNNI || DW_CB % 64 == 0,
               "isa=avx512vnni needs CB % 64 == 0");

#if QT_KNOB_ISA != DW_ISA_C
#define QT_UK_CB DW_CB
#define QT_UK_TH DW_TH
#define QT_UK_TW DW_TW
#define QT_UK_KU QT_KNOB_KU
#define QT_UK_LOAD QT_KNOB_LOAD
#endif
#if QT_KNOB_ISA == DW_ISA_AVX2
#include "../ukernels/qt_ukernel_dwconv_k2__avx2.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__avx2.h"
#define DW_UK_TAPS qt_ukernel_dwconv_k2__avx2_taps
#define DW_UK_INDEX qt_ukernel_dwconv_k2__avx2_index
#define DW_UK_TWIN qt_ukernel_dwconv_k2__avx2_c
#if defined(__AVX2__)
#define DW_UK_NATIVE qt_ukernel_dwconv_k2__avx2
#endif
#elif QT_KNOB_ISA == DW_ISA_AVX512
#include "../ukernels/qt_ukernel_dwconv_k2__avx512.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__avx512.h"
#define DW_UK_TAPS qt_ukernel_dwconv_k2__avx512_taps
#define DW_UK_INDEX qt_ukernel_dwconv_k2__avx512_index
#define DW_UK_TWIN qt_ukernel_dwconv_k2__avx512_c
#if defined(__AVX512F__) && defined(__AVX512BW__)
#define DW_UK_NATIVE qt_ukernel_dwconv_k2__avx512
#endif
#elif QT_KNOB_ISA == DW_ISA_NEON
#include "../ukernels/qt_ukernel_dwconv_k1__neon.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__neon.h"
#define DW_UK_TAPS qt_ukernel_dwconv_k1__neon_taps
#define DW_UK_INDEX qt_ukernel_dwconv_k1__neon_index
#define DW_UK_TWIN qt_ukernel_dwconv_k1__neon_c
#if defined(__aarch64__) && defined(__ARM_NEON)
#define DW_UK_NATIVE qt_ukernel_dwconv_k1__neon
#endif
#elif QT_KNOB_ISA == DW_ISA_NEONDOT
#include "../ukernels/qt_ukernel_dwconv_s8_k4__neondot.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__neon.h"
#define DW_UK_TAPS qt_ukernel_dwconv_s8_k4__neondot_taps
#define DW_UK_INDEX qt_ukernel_dwconv_s8_k4__neondot_index
#define DW_UK_TWIN qt_ukernel_dwconv_s8_k4__neondot_c
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#define DW_UK_NATIVE qt_ukernel_dwconv_s8_k4__neondot
#endif
#elif QT_KNOB_ISA == DW_ISA_HVX
#include "../ukernels/qt_ukernel_dwconv_s8_k4__hvx.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__hvx.h"
#define DW_UK_TAPS qt_ukernel_dwconv_s8_k4__hvx_taps
#define DW_UK_INDEX qt_ukernel_dwconv_s8_k4__hvx_index
#define DW_UK_TWIN qt_ukernel_dwconv_s8_k4__hvx_c
#if defined(__hexagon__) && defined(__HVX__) && __HVX_LENGTH__ == 128
#define DW_UK_NATIVE qt_ukernel_dwconv_s8_k4__hvx
#endif
#elif QT_KNOB_ISA == DW_ISA_AVX512VNNI
/* a kernel 3 taps wide at compile time: one tap group per kernel row, and with stride and
 * dilation 1 across, adjacent positions in pairs (the micro-kernel's QT_UK_ROW3, QT_UK_PAIR) */
#if defined(QT_SHAPE_FIXED) && QT_SHAPE_KW == 3
#define QT_UK_ROW3 1
#define QT_UK_PAIR (QT_SHAPE_SW == 1 && QT_SHAPE_DW == 1)
#endif
/* requantized per tile: whole 64-channel chunks stay in the kernel's order, which
 * qt_tpl_requant_block_raw64 reads (dw_tile_emit) */
#define QT_UK_DWV_RAW (QT_KNOB_RQ == DW_RQ_TILE)
#include "../ukernels/qt_ukernel_dwconv_s8_k4__avx512vnni.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__avx512.h"
#define DW_UK_TAPS qt_ukernel_dwconv_s8_k4__avx512vnni_taps
#define DW_UK_INDEX qt_ukernel_dwconv_s8_k4__avx512vnni_index
#define DW_UK_TWIN qt_ukernel_dwconv_s8_k4__avx512vnni_c
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define DW_UK_NATIVE qt_ukernel_dwconv_s8_k4__avx512vnni
#endif
#elif QT_KNOB_ISA == DW_ISA_DSP
#include "../ukernels/qt_ukernel_dwconv_k1__dsp.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__dsp.h"
#define DW_UK_TAPS qt_ukernel_dwconv_k1__dsp_taps
#define DW_UK_INDEX qt_ukernel_dwconv_k1__dsp_index
#define DW_UK_TWIN qt_ukernel_dwconv_k1__dsp_c
#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FEATURE_DSP)
#define DW_UK_NATIVE qt_ukernel_dwconv_k1__dsp
#endif
#endif
/* Packed weight element: int16 (w - weight_zp) for the widening kernels (c, avx2, avx512,
 * neon, dsp), int8 w for the dot-product kernels (neondot, hvx, avx512vnni: s8 only,
 * weight_zp 0). */
#if DW_ISA_K4
#define DW_WEIGHT_T int8_t
#else
#define DW_WEIGHT_T int16_t
#endif
/* How much of the input zero point pack() folds into the bias: input_zp * sum(w - weight_zp),
 * except for the neon micro-kernel, which subtracts the zero point from the inputs instead,
 * and the hvx and avx512vnni ones, which flip their inputs to x + 128
 * ((input_zp + 128) * sum(w)). */
#define DW_FOLD                                                                              \
  (QT_KNOB_ISA == DW_ISA_NEON                                      ? QT_TPL_FOLD_NOTHING     \
   : QT_KNOB_ISA == DW_ISA_HVX || QT_KNOB_ISA == DW_ISA_AVX512VNNI ? QT_TPL_FOLD_ZP_PLUS_128 \
                                                                   : QT_TPL_FOLD_ZP)

/* The channel loops of the requantization take the same unroll limit as the tile's, and
 * count in int32_t like every loop of this file. */
#define QT_TPL_REQUANT_UNROLL DW_CU
/* fixedpoint requantization through the ISA's requant micro-kernel (qt_template_common.h) */
#define QT_TPL_REQUANT_AVX2 (QT_KNOB_ISA == DW_ISA_AVX2)
/* and its float form: 7 instructions per 8 outputs against 12, which a depthwise tile's few
 * multiply-adds per output (9 for 3x3) feel; run() sets MXCSR for it */
#define QT_TPL_REQUANT_AVX2_FLOAT 1
#define QT_TPL_REQUANT_AVX512 (QT_KNOB_ISA == DW_ISA_AVX512 || QT_KNOB_ISA == DW_ISA_AVX512VNNI)
#define QT_TPL_REQUANT_NEON (QT_KNOB_ISA == DW_ISA_NEON || QT_KNOB_ISA == DW_ISA_NEONDOT)
#define QT_TPL_REQUANT_HVX (QT_KNOB_ISA == DW_ISA_HVX)
#define QT_TPL_REQUANT_DSP (QT_KNOB_ISA == DW_ISA_DSP)
#define QT_TPL_INDEX int32_t
#include "qt_template_common.h"

/* The schedule's building blocks are written once, generic over the element type (u8),
 * the depth multiplier (dm1) and the extents of partial tiles; forcing them inline
 * (QT_TPL_INLINE) lets each
 * call site with constant arguments become straight-line vector code with the accumulators in
 * registers, while the few partial-tile call sites take the same code with runtime bounds. */

/* With fixed shapes the S_*() accessors ignore the descriptor; this keeps -Wextra quiet
 * about parameters that only feed them. */
#define DW_UNUSED(x) ((void)(x))

/* Everything one run needs, read-only during the loops. */
typedef struct dw_ctx {
  const qt_conv_desc *d;
  const qt_quant_params *q;
  const DW_WEIGHT_T *w; /* packed weights [block][tap slots][CB] in the isa's layout */
  const int32_t *bias;  /* folded bias [blocks * CB] */
  const uint8_t *img;   /* input image of the current batch item (bytes of int8/uint8) */
  const uint8_t *pimg;  /* its zero-point-padded copy in scratch (PAD=prepad) */
  uint8_t *out;         /* output image of the current batch item */
  int32_t *ibuf;        /* int32 accumulators awaiting requantization (RQ=row/pass) */
  const void *rq_table; /* qt_template_common.h's requant table, or NULL */
  int32_t y_lo, y_hi;   /* output rows [y_lo, y_hi) read no padding (PAD=strips) */
  int32_t x_lo, x_hi;   /* output columns [x_lo, x_hi) likewise */
  /* input_zp bytes standing in for a padded pixel's channel block. Not a local of the
   * tile: a local whose address is taken would make GCC assume it may alias the
   * accumulators and keep them in memory. */
  uint8_t zrow[DW_CB + 1];
} dw_ctx;

static size_t dw_blocks(const qt_conv_desc *d) { return qt_tpl_blocks(d, DW_CB); }

/* Packed tap slots of one channel block: the taps, rounded up to pairs for the k2 layouts. */
static size_t dw_tap_slots(const qt_conv_desc *d) {
  DW_UNUSED(d);
#if QT_KNOB_ISA == DW_ISA_C
  return (size_t)S_KH(d) * (size_t)S_KW(d);
#else
  return DW_UK_TAPS((size_t)S_KH(d) * (size_t)S_KW(d));
#endif
}

/* Index of tap t, channel c in a block's packed weights. */
static size_t dw_weight_index(size_t t, size_t c) {
#if QT_KNOB_ISA == DW_ISA_C
  return t * DW_CB + c;
#else
  return DW_UK_INDEX(t, c);
#endif
}

/* Bytes of the packed weights, rounded so that the bias after them is QT_ALIGN-aligned. */
static size_t dw_weight_bytes(const qt_conv_desc *d) {
  return QT_TPL_ALIGN_UP(dw_blocks(d) * dw_tap_slots(d) * DW_CB * sizeof(DW_WEIGHT_T));
}

/* Bytes of the weights and biases: the requant table follows them. */
static size_t dw_weights_bias_bytes(const qt_conv_desc *d) {
  return QT_TPL_ALIGN_UP(dw_weight_bytes(d) + dw_blocks(d) * DW_CB * sizeof(int32_t));
}

size_t QT_FN(packed_size)(const qt_conv_desc *d) {
  return dw_weights_bias_bytes(d) + qt_tpl_rq_table_bytes(d);
}

/* Scratch layout: [padded image copy (PAD=prepad)][int32 buffer (RQ=row: TH output rows,
 * RQ=pass: the whole output image)], each part QT_ALIGN-aligned. */
static size_t dw_prepad_bytes(const qt_conv_desc *d) {
  DW_UNUSED(d);
#if QT_KNOB_PAD == DW_PAD_PREPAD
  return QT_TPL_ALIGN_UP(qt_tpl_prepad_image_bytes(d));
#else
  return 0;
#endif
}

static size_t dw_ibuf_bytes(const qt_conv_desc *d) {
  DW_UNUSED(d);
#if QT_KNOB_RQ == DW_RQ_ROW
  return QT_TPL_ALIGN_UP((size_t)DW_TH * (size_t)S_OUT_W(d) * (size_t)S_OUT_C(d) * sizeof(int32_t));
#elif QT_KNOB_RQ == DW_RQ_PASS
  return QT_TPL_ALIGN_UP((size_t)S_OUT_H(d) * (size_t)S_OUT_W(d) * (size_t)S_OUT_C(d) *
                     sizeof(int32_t));
#else
  return 0;
#endif
}

size_t QT_FN(scratch_size)(const qt_conv_desc *d) {
  return dw_prepad_bytes(d) + dw_ibuf_bytes(d);
}

/* Packs 1HWO weights (int8 for S8, uint8 for U8) into DW_WEIGHT_T (w - weight_zp) blocks of CB
 * channels in the layout of the compiled-in isa (zero past out.c and in unused tap slots),
 * and writes the bias after them (folded unless the isa subtracts the zero point from the
 * inputs). bias may be NULL (all zero). Returns QT_KERNEL_OK, QT_KERNEL_EINVAL for a NULL
 * argument or unknown dtype, QT_KERNEL_ESHAPE for a non-depthwise desc or one that differs
 * from compiled-in shapes. */
int QT_FN(pack)(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
                const int32_t *bias, void *packed) {
  const int rc = qt_tpl_check_pack(d, q, weights, bias, packed, QT_OP_DEPTHWISE, DW_ISA_S8_ONLY);
  if (rc != QT_KERNEL_OK) return rc;
  const int u8 = S_DTYPE(q) == QT_DTYPE_U8;
  const size_t oc_n = (size_t)S_OUT_C(d), taps = (size_t)S_KH(d) * (size_t)S_KW(d);
  const size_t nb = dw_blocks(d), slots = dw_tap_slots(d);
  DW_WEIGHT_T *pw = (DW_WEIGHT_T *)packed;
  int32_t *pb = (int32_t *)((uint8_t *)packed + dw_weight_bytes(d));
  const int32_t wzp = q->weight_zp;
  memset(pw, 0, nb * slots * DW_CB * sizeof(DW_WEIGHT_T));
  for (size_t oc = 0; oc < nb * DW_CB; oc++) {
    DW_WEIGHT_T *blk = pw + (oc / DW_CB) * slots * DW_CB;
    int64_t sum = 0;
    for (size_t t = 0; t < taps && oc < oc_n; t++) {
      int32_t v = qt_tpl_x(weights, t * oc_n + oc, u8) - wzp;
      blk[dw_weight_index(t, oc % DW_CB)] = (DW_WEIGHT_T)v;
      sum += v;
    }
    pb[oc] = qt_tpl_folded_bias(oc < oc_n && bias ? bias[oc] : 0, sum,
                                qt_tpl_fold_zp(q, DW_FOLD));
  }
  qt_tpl_rq_table_fill(d, q, weights, bias, (uint8_t *)packed + dw_weights_bias_bytes(d));
  return QT_KERNEL_OK;
}

/* Input element e (0 <= e < cn) of the channel block at pixel pointer p: p already points at
 * input channel c0 / dm (c0 for dm 1), so this is p[e] for dm 1, else the input channel of
 * output channel c0 + e relative to c0 / dm. The zero-point row holds CB + 1 entries, enough
 * for every such index. */
#define DW_X(p, e) \
  ((int32_t)(u8 ? (p)[dm1 ? (e) : (c0 + (e)) / dm - c0 / dm] \
                : ((const int8_t *)(p))[dm1 ? (e) : (c0 + (e)) / dm - c0 / dm]))

/* The tap bodies: acc[i][j][c] += x(i, j, c) * wt[c] for i < th, j < tw, c < cn, with the
 * loop order of QT_KNOB_LOAD. The channel loops carry an unroll limit below their trip count:
 * it keeps GCC's early complete unroller off them so that the loop vectoriser, not the SLP
 * vectoriser, handles the channels (measured: otherwise small blocks compile to gathers). */
#if QT_KNOB_LOAD == DW_LOAD_WEIGHTS
/* weights first: each weight element is loaded once and applied to every input of the tile */
#define DW_TAP_BODY(X)                                                     \
  do {                                                                     \
    _Pragma(QT_STR(GCC unroll DW_CU))                                      \
    for (int c = 0; c < cn; c++) {                                         \
      const int32_t wc = wt[c];                                            \
      for (int i = 0; i < th; i++)                                         \
        for (int j = 0; j < tw; j++) acc[i][j][c] += (X) * wc;             \
    }                                                                      \
  } while (0)
#else
/* inputs first: each output pixel's input vector is loaded, then multiplied with the tap */
#define DW_TAP_BODY(X)                                                     \
  do {                                                                     \
    for (int i = 0; i < th; i++)                                           \
      for (int j = 0; j < tw; j++) {                                       \
        _Pragma(QT_STR(GCC unroll DW_CU))                                  \
        for (int c = 0; c < cn; c++) acc[i][j][c] += (X) * wt[c];          \
      }                                                                    \
  } while (0)
#endif

/* Where the int32 results of a tile go, as QT_KNOB_RQ says: requantized to the output, or to
 * the band buffer (whose row 0 is oy) or the image buffer. */
QT_TPL_INLINE void dw_tile_emit(const dw_ctx *restrict k, int32_t acc[DW_TH][DW_TW][DW_CB],
                                int32_t oy, int32_t ox, int th, int tw, int32_t c0, int cn,
                                int raw) {
  const qt_conv_desc *d = k->d;
  DW_UNUSED(d);
  const int32_t ow = S_OUT_W(d), oc = S_OUT_C(d);
  DW_UNUSED(oy); /* RQ=row: the band buffer's row 0 is oy */
  (void)raw;
#if QT_KNOB_RQ == DW_RQ_TILE
  /* the th x tw pixels at once (fixedpoint derives its per-channel masks once); raw: acc as
   * the avx512vnni kernel leaves it with QT_UK_DWV_RAW */
#if defined(QT_UK_DWV_RAW_OUT) && QT_UK_DWV_RAW_OUT
  if (raw) {
    qt_tpl_requant_block_raw64((int32_t *)(void *)acc, DW_TW * DW_CB, DW_CB,
                               k->out + ((ptrdiff_t)oy * ow + ox) * oc + c0, (ptrdiff_t)ow * oc, oc,
                               th, tw, c0, cn, k->q, k->rq_table);
    return;
  }
#endif
  qt_tpl_requant_block((const int32_t *)(const void *)acc, DW_TW * DW_CB, DW_CB,
                       k->out + ((ptrdiff_t)oy * ow + ox) * oc + c0, (ptrdiff_t)ow * oc, oc, th, tw,
                       c0, cn, k->q, k->rq_table);
#else
  for (int i = 0; i < th; i++)
    for (int j = 0; j < tw; j++) {
#if QT_KNOB_RQ == DW_RQ_ROW
      int32_t *restrict dst = k->ibuf + ((ptrdiff_t)i * ow + ox + j) * oc + c0;
#else
      int32_t *restrict dst = k->ibuf + ((ptrdiff_t)(oy + i) * ow + ox + j) * oc + c0;
#endif
      _Pragma(QT_STR(GCC unroll DW_CU))
      for (int c = 0; c < cn; c++) dst[c] = acc[i][j][c];
    }
#endif
}

#if QT_KNOB_ISA == DW_ISA_C
/* One register block: output rows [oy, oy+th) x columns [ox, ox+tw) x channels [c0, c0+cn),
 * th <= TH, tw <= TW, cn <= CB, c0 a multiple of CB. checked: the tile may read padding;
 * each tap then tests the corners of its footprint once and takes the check-free body when
 * they are all inside the image (most taps, even at the border), adds input_zp * w when the
 * footprint lies wholly in the padding, and only otherwise looks up each position, reading
 * a row of input_zp outside the image. Unchecked tiles are known to read only the image
 * (PAD=strips interior) or the padded copy (PAD=prepad). The result goes where QT_KNOB_RQ
 * says: requantized to the output, or int32 to the band buffer (whose row 0 is oy) or the
 * image buffer. */
QT_TPL_INLINE void dw_tile(const dw_ctx *restrict k, int32_t oy, int32_t ox, int th, int tw,
                       int32_t c0, int cn, int checked, int u8, int dm1) {
  const qt_conv_desc *d = k->d;
  DW_UNUSED(d);
  const int32_t ih = S_IN_H(d), iw = S_IN_W(d), ic = S_IN_C(d);
  const int32_t kh = S_KH(d), kw = S_KW(d), sh = S_SH(d), sw = S_SW(d);
  const int32_t dh = S_DH(d), dw = S_DW(d), pt = S_PT(d), pl = S_PL(d);
  const int32_t dm = dm1 ? 1 : S_DM(d);
  const int32_t cx = dm1 ? c0 : c0 / dm; /* first input channel the block reads */
  const int16_t *restrict wb = k->w + (size_t)(c0 / DW_CB) * (size_t)(kh * kw) * DW_CB;
  const int32_t *restrict bb = k->bias + c0;
  int32_t acc[DW_TH][DW_TW][DW_CB];

  for (int i = 0; i < th; i++)
    for (int j = 0; j < tw; j++)
      for (int c = 0; c < cn; c++) acc[i][j][c] = bb[c];

  /* The buffer read without checks and the (y, x) in it of the tile's first tap. */
  const uint8_t *xb = k->img;
  ptrdiff_t rs = (ptrdiff_t)iw * ic;
  int32_t y0 = oy * sh - pt, x0 = ox * sw - pl;
#if QT_KNOB_PAD == DW_PAD_PREPAD
  xb = k->pimg;
  rs = (ptrdiff_t)(iw + pl + S_PR(d)) * ic;
  y0 = oy * sh;
  x0 = ox * sw;
#endif
  const ptrdiff_t si = (ptrdiff_t)sh * rs, sj = (ptrdiff_t)sw * ic; /* position steps */

  for (int32_t ky = 0; ky < kh; ky++) {
    _Pragma(QT_STR(GCC unroll QT_KNOB_KU))
    for (int32_t kx = 0; kx < kw; kx++) {
      const int16_t *restrict wt = wb + (size_t)(ky * kw + kx) * DW_CB;
      const int32_t ty = y0 + ky * dh, tx = x0 + kx * dw; /* the tap's first position */
      if (checked) {
        const uint8_t *xp[DW_TH][DW_TW];
        for (int i = 0; i < DW_TH; i++) /* all of it: positions past th, tw stay unread */
          for (int j = 0; j < DW_TW; j++) {
            int32_t iy = ty + i * sh, ix = tx + j * sw;
            xp[i][j] = (uint32_t)iy < (uint32_t)ih && (uint32_t)ix < (uint32_t)iw
                           ? k->img + ((ptrdiff_t)iy * iw + ix) * ic + cx
                           : k->zrow;
          }
        DW_TAP_BODY(DW_X(xp[i][j], c));
        continue;
      }
      /* Check-free: every position of this tap is inside the buffer. */
      const uint8_t *restrict xt = xb + (ptrdiff_t)ty * rs + (ptrdiff_t)tx * ic + cx;
      DW_TAP_BODY(DW_X(xt + i * si + j * sj, c));
    }
  }

  dw_tile_emit(k, acc, oy, ox, th, tw, c0, cn, 0);
}
#undef DW_X
#undef DW_TAP_BODY
#else
/* One register block as above, its reduction done by the isa's micro-kernel: the window
 * tells it where each tap of each position reads (the image or padded copy without checks,
 * or the image with per-position checks and the zero-point row outside). Depth multiplier 1
 * runs the intrinsics where compiled in; anything else the plain C twin (same layout). */
QT_TPL_INLINE void dw_tile(const dw_ctx *restrict k, int32_t oy, int32_t ox, int th, int tw,
                       int32_t c0, int cn, int checked, int u8, int dm1) {
  const qt_conv_desc *d = k->d;
  DW_UNUSED(d);
  const int32_t ih = S_IN_H(d), iw = S_IN_W(d), ic = S_IN_C(d);
  const int32_t sh = S_SH(d), sw = S_SW(d), pt = S_PT(d), pl = S_PL(d);
  const int32_t dm = dm1 ? 1 : S_DM(d);
  const int32_t cx = dm1 ? c0 : c0 / dm; /* first input channel the block reads */
  qt_uk_dw_window win;
  win.zrow = k->zrow;
  win.ih = ih;
  win.iw = iw;
  win.sh = sh;
  win.sw = sw;
  win.dh = S_DH(d);
  win.dw = S_DW(d);
  win.kh = S_KH(d);
  win.kw = S_KW(d);
  win.c0 = c0;
  win.dm = dm;
  win.zp = k->q->input_zp;
  win.ps = ic;
  win.rs = (ptrdiff_t)iw * ic;
  win.y0 = oy * sh - pt;
  win.x0 = ox * sw - pl;
  if (checked) {
    win.x = k->img + cx;
  } else {
    const uint8_t *xb = k->img;
#if QT_KNOB_PAD == DW_PAD_PREPAD
    xb = k->pimg;
    win.rs = (ptrdiff_t)(iw + pl + S_PR(d)) * ic;
    win.y0 = oy * sh;
    win.x0 = ox * sw;
#endif
    win.x = xb + (ptrdiff_t)win.y0 * win.rs + (ptrdiff_t)win.x0 * ic + cx;
  }
  const DW_WEIGHT_T *wb = k->w + (size_t)(c0 / DW_CB) * dw_tap_slots(d) * DW_CB;
  int32_t acc[DW_TH][DW_TW][DW_CB];
#ifdef DW_UK_NATIVE
  if (dm1) {
    DW_UK_NATIVE(&win, wb, k->bias + c0, acc, th, tw, cn, checked, u8);
    dw_tile_emit(k, acc, oy, ox, th, tw, c0, cn, 1);
    return;
  }
#endif
  DW_UK_TWIN(&win, wb, k->bias + c0, acc, th, tw, cn, checked, u8);
  dw_tile_emit(k, acc, oy, ox, th, tw, c0, cn, 0);
}
#endif

/* The tile instances, each its own small function: inlined into one large loop nest, GCC
 * vectorises across the wrong loop and spills the accumulators, while a function holding one
 * tile keeps acc[][][] in registers. One call per TH*TW*CB*kh*kw multiply-adds is noise.
 * Extents: f = full tile (all constant), s = partial spatial extent with a full channel block
 * (edges of the image), p = full spatial extent with a partial channel block (the last block
 * when CB does not divide out.c: most of its tiles), c = both partial. (Before p, the last
 * block of 144 channels at CB 64 ran every tile with a run-time extent: a quarter of
 * block2_dw's time for a ninth of its work.) Name: dw_tile_<checked c|n>_<dtype>_<dm
 * 1|m>_<extent>. */
#define DW_TILE_INSTANCE(name, checked, u8, dm1, ext)                                         \
  QT_TPL_NOINLINE void name(const dw_ctx *restrict k, int32_t oy, int32_t ox, int th, int tw, \
                            int32_t c0, int cn) {                                             \
    if (ext == 0)                                                                             \
      dw_tile(k, oy, ox, DW_TH, DW_TW, c0, DW_CB, checked, u8, dm1);                          \
    else if (ext == 1)                                                                        \
      dw_tile(k, oy, ox, th, tw, c0, DW_CB, checked, u8, dm1);                                \
    else if (ext == 3)                                                                        \
      dw_tile(k, oy, ox, DW_TH, DW_TW, c0, cn, checked, u8, dm1);                             \
    else                                                                                      \
      dw_tile(k, oy, ox, th, tw, c0, cn, checked, u8, dm1);                                   \
  }
#define DW_TILE_INSTANCES_1(chk, checked, dt, dmn, u8, dm1)               \
  DW_TILE_INSTANCE(dw_tile_##chk##_##dt##_##dmn##_f, checked, u8, dm1, 0) \
  DW_TILE_INSTANCE(dw_tile_##chk##_##dt##_##dmn##_s, checked, u8, dm1, 1) \
  DW_TILE_INSTANCE(dw_tile_##chk##_##dt##_##dmn##_p, checked, u8, dm1, 3) \
  DW_TILE_INSTANCE(dw_tile_##chk##_##dt##_##dmn##_c, checked, u8, dm1, 2)
#define DW_TILE_INSTANCES(chk, checked)                \
  DW_TILE_INSTANCES_1(chk, checked, s8, 1, 0, 1)       \
  DW_TILE_INSTANCES_1(chk, checked, u8, 1, 1, 1)       \
  DW_TILE_INSTANCES_1(chk, checked, s8, m, 0, 0)       \
  DW_TILE_INSTANCES_1(chk, checked, u8, m, 1, 0)
#if QT_KNOB_PAD != DW_PAD_PREPAD
DW_TILE_INSTANCES(c, 1)
#endif
#if QT_KNOB_PAD != DW_PAD_INLINE
DW_TILE_INSTANCES(n, 0)
#endif

/* Which extents can occur, where that is known before run time, so that the instances of
 * the others are never called and GCC drops them unbuilt: a channel block is partial only
 * where CB does not divide out.c and full only where out.c >= CB (both constant for a
 * compile-time shape), and a 1x1 tile is never partial (th and tw are at least 1). Half the
 * tile instances of most workloads' variants: their compile time 3.5-4.9 s -> 1.9-2.5 s
 * (MobileNetV2's shapes, AVX2). */
#ifdef QT_SHAPE_FIXED
#define DW_CB_FULL_ONLY (QT_SHAPE_OUT_C % DW_CB == 0)
#define DW_CB_PART_ONLY (QT_SHAPE_OUT_C < DW_CB)
#else
#define DW_CB_FULL_ONLY 0
#define DW_CB_PART_ONLY 0
#endif
#define DW_CN_PART(cn) (!DW_CB_FULL_ONLY && (DW_CB_PART_ONLY || (cn) != DW_CB))
#define DW_SPATIAL_FULL(th, tw) ((DW_TH == 1 && DW_TW == 1) || ((th) == DW_TH && (tw) == DW_TW))

/* Calls the instance for (dtype, dm1, extent) of one checked-ness. */
#define DW_TILE_CALL_EXT(chk, dt, dmn)                             \
  do {                                                             \
    if (DW_CN_PART(cn) && DW_SPATIAL_FULL(th, tw))                 \
      dw_tile_##chk##_##dt##_##dmn##_p(k, oy, ox, th, tw, c0, cn); \
    else if (DW_CN_PART(cn))                                       \
      dw_tile_##chk##_##dt##_##dmn##_c(k, oy, ox, th, tw, c0, cn); \
    else if (DW_SPATIAL_FULL(th, tw))                              \
      dw_tile_##chk##_##dt##_##dmn##_f(k, oy, ox, th, tw, c0, cn); \
    else                                                           \
      dw_tile_##chk##_##dt##_##dmn##_s(k, oy, ox, th, tw, c0, cn); \
  } while (0)
#define DW_TILE_CALL(chk)                                 \
  do {                                                    \
    if (u8) {                                             \
      if (dm1) DW_TILE_CALL_EXT(chk, u8, 1);              \
      else DW_TILE_CALL_EXT(chk, u8, m);                  \
    } else {                                              \
      if (dm1) DW_TILE_CALL_EXT(chk, s8, 1);              \
      else DW_TILE_CALL_EXT(chk, s8, m);                  \
    }                                                     \
  } while (0)

/* Dispatches a block to the constant-extent instance (full tile, full channel block: the
 * fast path) or the runtime-extent one (partial tiles at the right/bottom edge, the last
 * channel block), and to the checked or check-free code the padding knob compiles in. */
QT_TPL_INLINE void dw_block(const dw_ctx *restrict k, int32_t oy, int32_t ox, int th, int tw,
                        int32_t c0, int cn, int checked, int u8, int dm1) {
#if QT_KNOB_PAD != DW_PAD_PREPAD
  if (checked) {
    DW_TILE_CALL(c);
    return;
  }
#endif
  DW_UNUSED(checked);
#if QT_KNOB_PAD != DW_PAD_INLINE
  DW_TILE_CALL(n);
#endif
}

static int32_t dw_min(int32_t a, int32_t b) { return a < b ? a : b; }

/* Height of the band of output rows starting at oy, and whether its rows read no padding
 * (so that their interior columns may run check-free). */
QT_TPL_INLINE int dw_band(const dw_ctx *k, int32_t oy, int *interior) {
  DW_UNUSED(k);
  const int32_t oh = S_OUT_H(k->d);
#if QT_KNOB_PAD == DW_PAD_INLINE
  *interior = 0;
  return (int)dw_min(DW_TH, oh - oy);
#elif QT_KNOB_PAD == DW_PAD_PREPAD
  *interior = 1;
  return (int)dw_min(DW_TH, oh - oy);
#else
  if (oy < k->y_lo) {
    *interior = 0;
    return (int)dw_min(DW_TH, k->y_lo - oy);
  }
  if (oy < k->y_hi) {
    *interior = 1;
    return (int)dw_min(DW_TH, k->y_hi - oy);
  }
  *interior = 0;
  return (int)dw_min(DW_TH, oh - oy);
#endif
}

/* Width of the tile starting at column ox of a band, and whether it needs bounds checks. */
QT_TPL_INLINE int dw_col(const dw_ctx *k, int32_t ox, int interior, int *checked) {
  DW_UNUSED(k);
  const int32_t ow = S_OUT_W(k->d);
#if QT_KNOB_PAD == DW_PAD_STRIPS
  if (interior && ox >= k->x_lo && ox < k->x_hi) {
    *checked = 0;
    return (int)dw_min(DW_TW, k->x_hi - ox);
  }
  *checked = 1;
  if (interior && ox < k->x_lo) return (int)dw_min(DW_TW, k->x_lo - ox);
  return (int)dw_min(DW_TW, ow - ox);
#else
  *checked = !interior;
  return (int)dw_min(DW_TW, ow - ox);
#endif
}

/* All tiles of the band of rows [oy, oy+th) for channels [c0, c0+cn) (the whole channel
 * range when the loop order puts channel blocks inside tiles), then, for RQ=row, the band's
 * requantization of those channels. */
QT_TPL_INLINE void dw_band_tiles(const dw_ctx *restrict k, int32_t oy, int th, int interior,
                             int32_t c_begin, int32_t c_end, int u8, int dm1) {
  const int32_t ow = S_OUT_W(k->d);
  for (int32_t ox = 0; ox < ow;) {
    int checked;
    int tw = dw_col(k, ox, interior, &checked);
    for (int32_t c0 = c_begin; c0 < c_end; c0 += DW_CB)
      dw_block(k, oy, ox, th, tw, c0, (int)dw_min(DW_CB, c_end - c0), checked, u8, dm1);
    ox += tw;
  }
#if QT_KNOB_RQ == DW_RQ_ROW
  qt_tpl_requant_pixels(k->ibuf, k->out + (ptrdiff_t)oy * ow * S_OUT_C(k->d), (int32_t)th * ow,
                        c_begin, c_end - c_begin, k->d, k->q, k->rq_table);
#endif
}

/* One batch image, in the loop order of QT_KNOB_ORDER, then its separate requant pass
 * (RQ=pass). */
QT_TPL_INLINE void dw_image(const dw_ctx *restrict k, int u8, int dm1) {
  const qt_conv_desc *d = k->d;
  DW_UNUSED(d);
  const int32_t oh = S_OUT_H(d), oc = S_OUT_C(d);
#if QT_KNOB_ORDER == DW_ORDER_HWC
  for (int32_t oy = 0; oy < oh;) {
    int interior;
    int th = dw_band(k, oy, &interior);
    dw_band_tiles(k, oy, th, interior, 0, oc, u8, dm1);
    oy += th;
  }
#else
  for (int32_t c0 = 0; c0 < oc; c0 += DW_CB) {
    const int32_t c_end = dw_min(c0 + DW_CB, oc);
    for (int32_t oy = 0; oy < oh;) {
      int interior;
      int th = dw_band(k, oy, &interior);
      dw_band_tiles(k, oy, th, interior, c0, c_end, u8, dm1);
      oy += th;
    }
  }
#endif
#if QT_KNOB_RQ == DW_RQ_PASS
  qt_tpl_requant_pixels(k->ibuf, k->out, oh * S_OUT_W(d), 0, oc, d, k->q, k->rq_table);
#endif
}

/* The four instances of the image loop: element type x depth multiplier 1 or not. Separate
 * functions keep each one's registers and code to itself. */
QT_TPL_NOINLINE void dw_image_s8(const dw_ctx *k) { dw_image(k, 0, 1); }
QT_TPL_NOINLINE void dw_image_u8(const dw_ctx *k) { dw_image(k, 1, 1); }
QT_TPL_NOINLINE void dw_image_s8_dm(const dw_ctx *k) { dw_image(k, 0, 0); }
QT_TPL_NOINLINE void dw_image_u8_dm(const dw_ctx *k) { dw_image(k, 1, 0); }

/* Runs the convolution for every batch item. Returns QT_KERNEL_OK, QT_KERNEL_EINVAL for a
 * NULL argument (scratch may be NULL only when scratch_size is 0), QT_KERNEL_ESHAPE for a
 * desc that is not depthwise or differs from the compiled-in shapes. */
int QT_FN(run)(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
               const void *packed, void *output, void *scratch) {
  const int rc = qt_tpl_check_run(d, q, input, packed, output, scratch, QT_FN(scratch_size),
                                  QT_OP_DEPTHWISE, DW_ISA_S8_ONLY);
  if (rc != QT_KERNEL_OK) return rc;

  dw_ctx k;
  k.d = d;
  k.q = q;
  k.w = (const DW_WEIGHT_T *)packed;
  k.bias = (const int32_t *)((const uint8_t *)packed + dw_weight_bytes(d));
  k.pimg = (const uint8_t *)scratch;
  k.ibuf = (int32_t *)((uint8_t *)scratch + dw_prepad_bytes(d));
  k.rq_table = qt_tpl_rq_table(d, q, (const uint8_t *)packed + dw_weights_bias_bytes(d));
  memset(k.zrow, (uint8_t)q->input_zp, sizeof k.zrow);
  qt_tpl_interior(S_IN_H(d), S_OUT_H(d), S_KH(d), S_SH(d), S_DH(d), S_PT(d), &k.y_lo, &k.y_hi);
  qt_tpl_interior(S_IN_W(d), S_OUT_W(d), S_KW(d), S_SW(d), S_DW(d), S_PL(d), &k.x_lo, &k.x_hi);

  const size_t in_img = (size_t)S_IN_H(d) * S_IN_W(d) * S_IN_C(d);
  const size_t out_img = (size_t)S_OUT_H(d) * S_OUT_W(d) * S_OUT_C(d);
  /* s8-only micro-kernels never see u8 (checked above): a constant 0 drops the u8 instances
   * unbuilt, half the code of a runtime-shape variant (hvx c64 2x4: 27 -> 14 s to compile) */
  const int u8 = !DW_ISA_S8_ONLY && S_DTYPE(q) == QT_DTYPE_U8;
  /* the tiles run in the dw_image_* functions below, never inlined here */
  const unsigned csr = qt_tpl_rq_mode_begin(k.rq_table);
  for (int32_t n = 0; n < S_N(d); n++) {
    k.img = (const uint8_t *)input + (size_t)n * in_img;
    k.out = (uint8_t *)output + (size_t)n * out_img;
#if QT_KNOB_PAD == DW_PAD_PREPAD
    qt_tpl_prepad(d, k.img, (uint8_t *)scratch, 1, (uint8_t)q->input_zp, 0);
#endif
    if (S_DM(d) == 1) {
      if (u8)
        dw_image_u8(&k);
      else
        dw_image_s8(&k);
    } else {
      if (u8)
        dw_image_u8_dm(&k);
      else
        dw_image_s8_dm(&k);
    }
  }
  qt_tpl_rq_mode_end(k.rq_table, csr);
  return QT_KERNEL_OK;
}
