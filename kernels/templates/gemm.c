/* gemm.c — kernel template: conv2d (groups 1), NHWC, as im2col + interleaved GEMM (after TVM's
 * Arm int8 conv2d schedule and XNNPACK's igemm). Output pixels are the GEMM rows (M = n *
 * out_h * out_w), output channels the columns (N = out_c), and the reduction runs over K =
 * kh * kw * in_c in the weights' own OHWI order. pack() lays the weights out once as int16
 * (w - weight_zp) in column blocks of QT_KNOB_NR: per block the int32 bias with the input zero
 * point folded in (bias' = bias - input_zp * sum(w - weight_zp)), then the block's K x NR
 * weights (k-major or column-major, as QT_KNOB_VEC vectorises), zero past out.c. run() takes A
 * in blocks of QT_KNOB_MR rows given as row pointers: for a 1x1 unpadded convolution (any
 * stride) they point straight into the input, otherwise at rows that im2col gathered into
 * scratch (padded taps filled with input_zp so the fold stays exact). Each MR x NR tile
 * accumulates in int32 over the whole reduction without leaving registers (an outer product,
 * or per-pair vectors of partial sums), then requantizes (qt_requant.h only) where QT_KNOB_RQ
 * puts it. Rows past M in the last row block reuse
 * the last row's pointer and columns past out.c read zero weights; neither is stored, so every
 * extent runs the same code. Any stride, dilation, asymmetric padding and batch is handled and
 * the result is bit-exact with qt_ref_conv. isa=c is plain C11 written for GCC's
 * auto-vectoriser; isa=avx2/avx512vnni/neon/neondot hand the tile's reduction to an
 * intrinsics micro-kernel in kernels/ukernels/ (with its own packed layout, documented there),
 * or to its plain C twin when the compiler does not target that ISA. Kernels never allocate:
 * scratch_size() says how much caller memory run() needs for the knob values compiled in. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_requant.h"
#include "qt_template.h"

/* ---- Knobs (defaults = schedules/gemm.c's pick for a shallow layer, 256-bit host, fp32) -- */

/* Spatial tile: GEMM rows (output pixels) per register block. Each loaded weight vector is
 * reused MR times; MR accumulator rows and MR broadcast inputs compete for registers. */
#ifndef QT_KNOB_MR
#define QT_KNOB_MR 4
#endif
/* Channel split: GEMM columns (output channels) per block, the extent of the vectorised
 * loops and of the packed weight panels; NR / int32 lanes registers per accumulator row. */
#ifndef QT_KNOB_NR
#define QT_KNOB_NR 16
#endif
/* Interleave: unroll factor of the reduction loop (k). vec=outer: KU steps' input loads and
 * multiply-adds are scheduled together, a K that is not a multiple runs a rolled tail;
 * vec=dot: the vectorised reduction loop is unrolled KU times (more independent partial sums
 * in flight). */
#ifndef QT_KNOB_KU
#define QT_KNOB_KU 1
#endif
/* Interleave, inside the ISA micro-kernels only (isa=c has no instruction schedule of its
 * own: the space keeps these at their first value there). Load order of one k-step:
 * 0 = weights: its weight vectors first, then per row the input broadcast and that row's
 * multiply-adds (weights live in registers, one broadcast at a time); 1 = inputs: every
 * row's input broadcast first, then per weight vector the MR multiply-adds (one weight
 * vector live at a time, MR broadcasts). */
#ifndef QT_KNOB_LOAD
#define QT_KNOB_LOAD 0
#endif
/* Interleave: software-pipelining depth of the micro-kernel's k loop. 0 = none; P = the
 * loads (weights and input broadcasts) of k-step s + P are issued before the multiply-adds of
 * step s, in P + 1 rotating register sets (prologue and drain around it; the K % step tail
 * unpipelined). Hides load latency behind the multiply-adds at the price of registers. */
#ifndef QT_KNOB_PIPE
#define QT_KNOB_PIPE 0
#endif
/* Vectorisation axis of the micro-kernel (the plain-C form of the ISA strategies: widening
 * multiply-accumulate vs dot product). 0 = outer: weights packed [k][NR]; each step broadcasts
 * one input per row and multiply-adds a whole NR-column weight row (outer product, SMLAL-like;
 * accumulators live in registers for the whole reduction; best for short K). 1 = dot: weights
 * packed [NR][K] (each column's K weights contiguous); the reduction loop itself is vectorised,
 * each (row, column) pair keeping a vector of partial sums over k that is summed at the end
 * (dot product, VPMADDWD/VPDPWSSD-like; 2-3x faster for deep K, slow for K below ~64). */
#ifndef QT_KNOB_VEC
#define QT_KNOB_VEC 0
#endif
/* Loop order. 0 = mn: row blocks outer, column blocks inner (one row block's inputs stay in
 * L1 while all weights stream past; suits large M with small K x N, the early layers).
 * 1 = nm: column blocks outer (one weight panel stays hot while all rows stream past; suits
 * deep, wide late layers). */
#ifndef QT_KNOB_ORDER
#define QT_KNOB_ORDER 0
#endif
/* compute_at padding for im2col (unused, and constrained to inline, when A is read straight
 * from the input). 0 = inline: the gather checks every tap against the image bounds and
 * fills input_zp outside. 1 = prepad: the whole input is first copied into scratch inside a
 * border of input_zp, then the gather copies without any check. */
#ifndef QT_KNOB_PAD
#define QT_KNOB_PAD 0
#endif
/* compute_at requantization. 0 = tile: fused, right after each tile's reduction, from
 * registers. 1 = row: tiles store int32 into a buffer of MR rows x out_c, requantized when the
 * row block is complete (needs order mn), one long loop per row. 2 = pass: the whole int32
 * output goes to scratch and is requantized in one streaming pass at the end. */
#ifndef QT_KNOB_RQ
#define QT_KNOB_RQ 0
#endif

/* ISA strategy of the tile's reduction. 0 = c: the plain C forms above (vec picks one).
 * 1 = avx2: VPMADDWD on inputs widened to int16, weights packed int16 [K/2][NR][2] (both
 * dtypes; NR a multiple of 8). 2 = avx512vnni: VPDPBUSD on inputs flipped to x + 128, weights
 * packed int8 [K/4][NR][4] with 128 * sum(w) folded into the bias (s8 only; NR a multiple
 * of 16). 3 = neon: SMLAL/SMLAL2 on inputs widened to int16 with the input zero point
 * subtracted, weights int16 [K][NR], nothing folded into the bias (both dtypes; NR a multiple
 * of 8). 4 = neondot: SDOT, weights int8 [K/4][NR][4] (s8 only; NR a multiple of 4). 5 = hvx:
 * Hexagon HVX vrmpy (u8 x s8) on inputs flipped to x + 128, the avx512vnni layout and fold
 * (s8 only; NR a multiple of 32, one 128-byte vector). 6 = dsp (Armv7E-M): SMLAD on int16
 * pairs widened by SXTB16/UXTB16, weights int16 [K/4][NR][4] in the order k+0, k+2, k+1, k+3
 * (both dtypes; pipe 0 only). All need
 * vec=outer (they broadcast inputs against a column panel) and take the ISA's compile flags
 * from the knob (schedules/gemm.c); without them the micro-kernel's plain C twin runs,
 * bit-exact. */
#ifndef QT_KNOB_ISA
#define QT_KNOB_ISA 0
#endif

/* compute_at of the widening of A to int16, for isa=avx2 (0 elsewhere). 0 = use: the
 * micro-kernel reads A's bytes and widens each input pair where it broadcasts it, again for
 * every column block (two shuffle-port instructions per row and k2-step, competing with the
 * multiply-adds for the vector ports). 1 = pack: A's rows are widened once into scratch as
 * int16, K rounded up to even with a zero (order mn: each row block before its column
 * blocks; nm: all rows before the loops), and the micro-kernel broadcasts each pair straight
 * from memory (a load only). Measured faster even with a single column block (the stem,
 * 28x28x192->32): a memory broadcast is a load, the widening pass a few vector instructions
 * per 16 bytes. */
#ifndef QT_KNOB_APACK
#define QT_KNOB_APACK 0
#endif

#define GM_MR QT_KNOB_MR
#define GM_NR QT_KNOB_NR
#define GM_KU QT_KNOB_KU

#define GM_VEC_OUTER 0
#define GM_VEC_DOT 1
#define GM_ORDER_MN 0
#define GM_ORDER_NM 1
#define GM_PAD_INLINE 0
#define GM_PAD_PREPAD 1
#define GM_RQ_TILE 0
#define GM_RQ_ROW 1
#define GM_RQ_PASS 2
#define GM_ISA_C 0
#define GM_ISA_AVX2 1
#define GM_ISA_AVX512VNNI 2
#define GM_ISA_NEON 3
#define GM_ISA_NEONDOT 4
#define GM_ISA_HVX 5
#define GM_ISA_DSP 6
#define GM_APACK_USE 0
#define GM_APACK_PACK 1
/* 1 for the ISA values whose micro-kernel computes s8 only */
#define GM_ISA_S8_ONLY                                                                       \
  (QT_KNOB_ISA == GM_ISA_AVX512VNNI || QT_KNOB_ISA == GM_ISA_NEONDOT || QT_KNOB_ISA == GM_ISA_HVX)
/* How much of the input zero point pack() folds into the bias (qt_template_common.h) */
#define GM_FOLD                                                                              \
  (QT_KNOB_ISA == GM_ISA_AVX512VNNI || QT_KNOB_ISA == GM_ISA_HVX ? QT_TPL_FOLD_ZP_PLUS_128   \
   : QT_KNOB_ISA == GM_ISA_NEON     ? QT_TPL_FOLD_NOTHING                                   \
                                    : QT_TPL_FOLD_ZP)
/* 1 where the micro-kernel reads A rows already flipped to x ^ 0x80 (u8 = x + 128) in
 * scratch: avx512vnni. Flipping each row once per row block, instead of every broadcast in
 * every column block, takes the scalar load, XOR and GPR-to-vector broadcast out of the k
 * loop: the broadcast becomes a load (VPBROADCASTD m32), which needs no vector ALU. On
 * MobileNetV2's pointwise layers (8x32 tile, fp32, one core, Zen 5) that took 0.71-0.84x
 * the time on 10 of the 12 shapes, 0.95x on 28x28x32->192 and the same within noise on
 * 56x56x144->24 (one column block). Even 1x1 unpadded layers (direct A) then read their
 * rows from the flipped copy. */
#define GM_FLIP_A (QT_KNOB_ISA == GM_ISA_AVX512VNNI)

_Static_assert(GM_MR >= 1 && GM_MR <= 16, "QT_KNOB_MR out of range");
_Static_assert(GM_NR >= 1 && GM_NR <= 256, "QT_KNOB_NR out of range");
_Static_assert(GM_KU >= 1 && GM_KU <= 16, "QT_KNOB_KU out of range");
_Static_assert(QT_KNOB_LOAD == 0 || QT_KNOB_LOAD == 1, "QT_KNOB_LOAD");
_Static_assert(QT_KNOB_PIPE >= 0 && QT_KNOB_PIPE <= 2, "QT_KNOB_PIPE");
_Static_assert(QT_KNOB_ISA != GM_ISA_C || (QT_KNOB_LOAD == 0 && QT_KNOB_PIPE == 0),
               "isa=c has no micro-kernel for QT_KNOB_LOAD/QT_KNOB_PIPE to schedule");
_Static_assert(QT_KNOB_VEC == GM_VEC_OUTER || QT_KNOB_VEC == GM_VEC_DOT, "QT_KNOB_VEC");
_Static_assert(QT_KNOB_ORDER == GM_ORDER_MN || QT_KNOB_ORDER == GM_ORDER_NM, "QT_KNOB_ORDER");
_Static_assert(QT_KNOB_PAD == GM_PAD_INLINE || QT_KNOB_PAD == GM_PAD_PREPAD, "QT_KNOB_PAD");
_Static_assert(QT_KNOB_RQ >= GM_RQ_TILE && QT_KNOB_RQ <= GM_RQ_PASS, "QT_KNOB_RQ");
_Static_assert(QT_KNOB_ISA >= GM_ISA_C && QT_KNOB_ISA <= GM_ISA_DSP, "QT_KNOB_ISA");
_Static_assert(QT_KNOB_APACK == GM_APACK_USE ||
                   (QT_KNOB_APACK == GM_APACK_PACK && QT_KNOB_ISA == GM_ISA_AVX2),
               "QT_KNOB_APACK=1 (pack) needs QT_KNOB_ISA=avx2, whose micro-kernel reads int16 rows");
_Static_assert(QT_KNOB_ISA == GM_ISA_C || QT_KNOB_VEC == GM_VEC_OUTER,
               "QT_KNOB_ISA other than c needs QT_KNOB_VEC=outer");
_Static_assert(QT_KNOB_ISA != GM_ISA_AVX2 || GM_NR % 8 == 0, "isa=avx2 needs NR % 8 == 0");
_Static_assert(QT_KNOB_ISA != GM_ISA_AVX512VNNI || GM_NR % 16 == 0,
               "isa=avx512vnni needs NR % 16 == 0");
_Static_assert(QT_KNOB_ISA != GM_ISA_NEON || GM_NR % 8 == 0, "isa=neon needs NR % 8 == 0");
_Static_assert(QT_KNOB_ISA != GM_ISA_NEONDOT || GM_NR % 4 == 0, "isa=neondot needs NR % 4 == 0");
_Static_assert(QT_KNOB_ISA != GM_ISA_HVX || GM_NR % 32 == 0, "isa=hvx needs NR % 32 == 0");
_Static_assert(QT_KNOB_ISA == GM_ISA_C || GM_MR <= 16, "ISA micro-kernels take MR <= 8");
_Static_assert(QT_KNOB_RQ != GM_RQ_ROW || QT_KNOB_ORDER == GM_ORDER_MN,
               "QT_KNOB_RQ=row needs QT_KNOB_ORDER=mn: with column blocks outer no row is "
               "complete before the last block (that is rq=pass)");

/* vec=outer: GCC 12 peels a column loop of <= 16 iterations before vectorising and then
 * vectorises the k loop as MR * NR reductions over strided weights instead (that is vec=dot's
 * job, done there with contiguous weights; here it measured up to 4x slower for short K and
 * spilled on aarch64). A small explicit unroll keeps the column loop a loop until the
 * vectoriser has turned it into whole-register multiply-adds. */
#define GM_COLUMN_LOOP _Pragma("GCC unroll 2")

#if QT_KNOB_ISA != GM_ISA_C
#define QT_UK_MR GM_MR
#define QT_UK_NR GM_NR
#define QT_UK_KU GM_KU
#define QT_UK_LOAD QT_KNOB_LOAD
#define QT_UK_PIPE QT_KNOB_PIPE
#define QT_UK_AWIDE QT_KNOB_APACK
#endif
#if QT_KNOB_ISA == GM_ISA_AVX2
#include "../ukernels/qt_ukernel_gemm_k2__avx2.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__avx2.h"
#elif QT_KNOB_ISA == GM_ISA_AVX512VNNI
#include "../ukernels/qt_ukernel_gemm_s8_k4__avx512vnni.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__avx512.h"
#elif QT_KNOB_ISA == GM_ISA_NEON
#include "../ukernels/qt_ukernel_gemm_k1__neon.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__neon.h"
#elif QT_KNOB_ISA == GM_ISA_NEONDOT
#include "../ukernels/qt_ukernel_gemm_s8_k4__neondot.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__neon.h"
#elif QT_KNOB_ISA == GM_ISA_HVX
#include "../ukernels/qt_ukernel_gemm_s8_k4__hvx.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__hvx.h"
#elif QT_KNOB_ISA == GM_ISA_DSP
#include "../ukernels/qt_ukernel_gemm_k4__dsp.h"
#include "../ukernels/qt_ukernel_requant_fixedpoint__dsp.h"
#endif
#define QT_TPL_REQUANT_AVX512 (QT_KNOB_ISA == GM_ISA_AVX512VNNI)
#define QT_TPL_REQUANT_AVX2 (QT_KNOB_ISA == GM_ISA_AVX2)
#define QT_TPL_REQUANT_NEON (QT_KNOB_ISA == GM_ISA_NEON || QT_KNOB_ISA == GM_ISA_NEONDOT)
#define QT_TPL_REQUANT_HVX (QT_KNOB_ISA == GM_ISA_HVX)
#define QT_TPL_REQUANT_DSP (QT_KNOB_ISA == GM_ISA_DSP)
#include "qt_template_common.h"

/* Packed weight element type and K rounded up to the micro-kernel's k-step. */
#if QT_KNOB_ISA == GM_ISA_AVX512VNNI || QT_KNOB_ISA == GM_ISA_NEONDOT || QT_KNOB_ISA == GM_ISA_HVX
#define GM_KR 4
#define GM_WBYTES 1
#elif QT_KNOB_ISA == GM_ISA_AVX2
#define GM_KR 2
#define GM_WBYTES 2
#elif QT_KNOB_ISA == GM_ISA_DSP
#define GM_KR 4
#define GM_WBYTES 2
#else
#define GM_KR 1
#define GM_WBYTES 2
#endif

/* ---- Shapes ------------------------------------------------------------------------------ */

static size_t gm_k(const qt_conv_desc *d) { return qt_tpl_reduction(d); }
static size_t gm_m(const qt_conv_desc *d) {
  (void)d; /* unused when the shapes are compiled in */
  return (size_t)S_N(d) * (size_t)S_OUT_H(d) * (size_t)S_OUT_W(d);
}
static size_t gm_blocks(const qt_conv_desc *d) { return qt_tpl_blocks(d, GM_NR); }

/* 1 if A can be read straight from the input: every GEMM row is one input pixel's in_c
 * contiguous channels (1x1 kernel, no padding; any stride). */
static int gm_direct_a(const qt_conv_desc *d) {
  (void)d; /* unused when the shapes are compiled in */
  return S_KH(d) == 1 && S_KW(d) == 1 && S_PT(d) == 0 && S_PL(d) == 0 && S_PB(d) == 0 &&
         S_PR(d) == 0;
}

/* K rounded up to the micro-kernel's k-step (the packed panels' depth). */
static size_t gm_k_packed(const qt_conv_desc *d) { return (gm_k(d) + GM_KR - 1) / GM_KR * GM_KR; }

/* One column block in the packed buffer: NR int32 folded biases, then K x NR weights (int16,
 * int8 for avx512vnni; layout by vec and isa), rounded so the next block's bias stays
 * QT_ALIGN-aligned. */
static size_t gm_block_bytes(const qt_conv_desc *d) {
  return qt_tpl_block_bytes(GM_NR, gm_k_packed(d), GM_WBYTES);
}

/* Bytes of the column blocks: the requant table follows them. */
static size_t gm_blocks_bytes(const qt_conv_desc *d) {
  return gm_blocks(d) * gm_block_bytes(d);
}

size_t QT_FN(packed_size)(const qt_conv_desc *d) {
  return gm_blocks_bytes(d) + qt_tpl_rq_table_bytes(d);
}

/* Scratch layout, each part QT_ALIGN-aligned and present only when used:
 *   [padded input copy: PAD=prepad and im2col]
 *   [im2col rows: order mn one row block (MR x K), order nm all rows (M x K)]
 *   [int32 accumulators: RQ=row MR x out_c, RQ=pass M x out_c]
 *   [widened A rows: APACK=pack, order mn MR rows, order nm M rows, of K int16 (even)] */
static size_t gm_prepad_bytes(const qt_conv_desc *d) {
#if QT_KNOB_PAD == GM_PAD_PREPAD
  if (gm_direct_a(d)) return 0;
  return QT_TPL_ALIGN_UP((size_t)S_N(d) * qt_tpl_prepad_image_bytes(d));
#else
  (void)d;
  return 0;
#endif
}

static size_t gm_cols_bytes(const qt_conv_desc *d) {
  /* apack=pack gathers straight into the widened rows; direct A is read in place unless the
   * micro-kernel wants it flipped */
  if ((gm_direct_a(d) && !GM_FLIP_A) || QT_KNOB_APACK == GM_APACK_PACK) return 0;
#if QT_KNOB_ORDER == GM_ORDER_MN
  return QT_TPL_ALIGN_UP((size_t)GM_MR * gm_k(d));
#else
  return QT_TPL_ALIGN_UP(gm_m(d) * gm_k(d));
#endif
}

static size_t gm_ibuf_bytes(const qt_conv_desc *d) {
  (void)d; /* unused when the shapes are compiled in */
#if QT_KNOB_RQ == GM_RQ_ROW
  return QT_TPL_ALIGN_UP((size_t)GM_MR * (size_t)S_OUT_C(d) * sizeof(int32_t));
#elif QT_KNOB_RQ == GM_RQ_PASS
  return QT_TPL_ALIGN_UP(gm_m(d) * (size_t)S_OUT_C(d) * sizeof(int32_t));
#else
  return 0;
#endif
}

#if QT_KNOB_APACK == GM_APACK_PACK
/* Bytes from one widened A row (apack=pack) to the next: K int16 rounded up to an even
 * count, then to whole cache lines. Scratch is QT_ALIGN-aligned, so no row shorter than a
 * line straddles a line or a page: the stem's 56-byte rows did where the caller's scratch
 * sat across a 4 KiB boundary, and the gather's stores and the micro-kernel's pair loads
 * split across pages (the stem took 1.21x the time with scratch at page offset 4032). */
static size_t gm_wide_row_bytes(const qt_conv_desc *d) {
  return QT_TPL_ALIGN_UP((gm_k(d) + 1) / 2 * 2 * sizeof(int16_t));
}
#endif

static size_t gm_wide_bytes(const qt_conv_desc *d) {
#if QT_KNOB_APACK == GM_APACK_PACK
#if QT_KNOB_ORDER == GM_ORDER_MN
  return QT_TPL_ALIGN_UP((size_t)GM_MR * gm_wide_row_bytes(d));
#else
  return QT_TPL_ALIGN_UP(gm_m(d) * gm_wide_row_bytes(d));
#endif
#else
  (void)d;
  return 0;
#endif
}

size_t QT_FN(scratch_size)(const qt_conv_desc *d) {
  return gm_prepad_bytes(d) + gm_cols_bytes(d) + gm_ibuf_bytes(d) + gm_wide_bytes(d);
}

/* ---- Packing ------------------------------------------------------------------------------ */

/* Stores weight (w - weight_zp) = v of reduction index k and column j of a block where the
 * isa reads it: int16 [k][NR] (vec=outer, neon) or [NR][k] (vec=dot), [k/2][NR][2] (avx2),
 * int8 [k/4][NR][4] (avx512vnni, neondot, hvx), int16 [k/4][NR][4] in SXTB16 order (dsp). */
static void gm_put_weight(const qt_conv_desc *d, void *pw, size_t k, size_t j, int32_t v) {
#if GM_WBYTES == 1
  (void)d;
  ((int8_t *)pw)[qt_tpl_panel_index(k, j, GM_NR, GM_KR)] = (int8_t)v;
#elif QT_KNOB_ISA == GM_ISA_DSP
  (void)d;
  ((int16_t *)pw)[qt_tpl_panel_index(k - k % 4, j, GM_NR, GM_KR) + qt_uk_dsp_slot(k % 4)] =
      (int16_t)v;
#elif QT_KNOB_VEC == GM_VEC_OUTER
  (void)d;
  ((int16_t *)pw)[qt_tpl_panel_index(k, j, GM_NR, GM_KR)] = (int16_t)v;
#else
  ((int16_t *)pw)[j * gm_k(d) + k] = (int16_t)v;
#endif
}

/* Packs OHWI weights (int8 for S8, uint8 for U8) into column blocks of NR: int32 folded bias,
 * then the weights where gm_put_weight() puts them, zero past out.c and K. bias may be NULL
 * (all zero). Returns QT_KERNEL_OK, QT_KERNEL_EINVAL for a NULL argument, an unknown dtype or
 * u8 with isa=avx512vnni/neondot, QT_KERNEL_ESHAPE for a desc that is not conv2d or differs
 * from compiled-in shapes. */
int QT_FN(pack)(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
                const int32_t *bias, void *packed) {
  const int rc = qt_tpl_check_pack(d, q, weights, bias, packed, QT_OP_CONV2D, GM_ISA_S8_ONLY);
  if (rc != QT_KERNEL_OK) return rc;
  qt_tpl_pack_blocks(d, q, weights, bias, packed, GM_NR, gm_block_bytes(d), GM_FOLD,
                     gm_put_weight);
  qt_tpl_rq_table_fill(d, q, weights, bias, (uint8_t *)packed + gm_blocks_bytes(d));
  return QT_KERNEL_OK;
}

#if QT_KNOB_RQ != GM_RQ_TILE
/* Requantizes `rows` complete int32 rows of out_c channels (RQ=row/pass). Out of line: it
 * runs once per row block, and inlined it would only grow run(). */
static void gm_requant_rows(const int32_t *src, uint8_t *dst, size_t rows, const qt_conv_desc *d,
                            const qt_quant_params *q, const void *rq_table) {
  qt_tpl_requant_pixels(src, dst, rows, 0, (size_t)S_OUT_C(d), d, q, rq_table);
}
#endif

/* ---- A rows: direct, im2col, prepad ------------------------------------------------------- */

/* Splits GEMM row r into batch item, output row and output column. */
QT_TPL_INLINE void gm_pixel(const qt_conv_desc *d, size_t r, size_t *n, size_t *oy, size_t *ox) {
  (void)d;
  const size_t ow = (size_t)S_OUT_W(d), hw = (size_t)S_OUT_H(d) * ow;
  *n = r / hw;
  const size_t p = r - *n * hw;
  *oy = p / ow;
  *ox = p - *oy * ow;
}

/* Address of GEMM row r's input pixel (direct A: 1x1, unpadded). */
QT_TPL_INLINE const uint8_t *gm_direct_row(const qt_conv_desc *d, const uint8_t *in, size_t r) {
  size_t n, oy, ox;
  gm_pixel(d, r, &n, &oy, &ox);
  return in + (((n * (size_t)S_IN_H(d) + oy * (size_t)S_SH(d)) * (size_t)S_IN_W(d)) +
               ox * (size_t)S_SW(d)) * (size_t)S_IN_C(d);
}

/* What im2col writes: n input bytes, or n copies of the input zero point, at element `at` of
 * a row that is bytes (wide = 0) or, for apack=pack, int16 widened as the micro-kernel reads
 * them (wide = 1: gathering straight into the widened rows saves a pass over them, and the
 * widening's loads no longer wait on the gather's just-stored bytes, which the stem paid
 * for). wide and u8 are constants at every call site. */
QT_TPL_INLINE void gm_put(void *restrict dst, size_t at, const uint8_t *restrict src, size_t n,
                          const int wide, const int u8) {
  if (!wide) {
    memcpy((uint8_t *)dst + at, src, n);
    return;
  }
  int16_t *restrict w = (int16_t *)dst + at;
  for (size_t i = 0; i < n; i++) w[i] = (int16_t)qt_tpl_x(src, i, u8);
}
QT_TPL_INLINE void gm_fill(void *restrict dst, size_t at, uint8_t zp, size_t n, const int wide,
                           const int u8) {
  if (!wide) {
    memset((uint8_t *)dst + at, zp, n);
    return;
  }
  int16_t *restrict w = (int16_t *)dst + at;
  const int16_t v = (int16_t)qt_tpl_x(&zp, 0, u8);
  for (size_t i = 0; i < n; i++) w[i] = v;
}

#if QT_KNOB_PAD == GM_PAD_PREPAD
/* im2col of GEMM row r from the padded copy: K elements in (kh, kw, in_c) order, no checks. */
QT_TPL_INLINE void gm_gather(const qt_conv_desc *d, const uint8_t *pad, size_t r,
                             void *restrict dst, uint8_t zp, const int wide, const int u8) {
  (void)zp;
  const size_t c = (size_t)S_IN_C(d), kw_n = (size_t)S_KW(d), dw = (size_t)S_DW(d);
  const size_t hp = (size_t)(S_IN_H(d) + S_PT(d) + S_PB(d));
  const size_t wp = (size_t)(S_IN_W(d) + S_PL(d) + S_PR(d));
  size_t n, oy, ox, at = 0;
  gm_pixel(d, r, &n, &oy, &ox);
  const size_t y0 = oy * (size_t)S_SH(d), x0 = ox * (size_t)S_SW(d);
  for (size_t kh = 0; kh < (size_t)S_KH(d); kh++) {
    const uint8_t *src = pad + ((n * hp + y0 + kh * (size_t)S_DH(d)) * wp + x0) * c;
    if (dw == 1) { /* the kw taps of one kernel row are adjacent pixels */
      gm_put(dst, at, src, kw_n * c, wide, u8);
      at += kw_n * c;
    } else {
      for (size_t kw = 0; kw < kw_n; kw++, at += c) gm_put(dst, at, src + kw * dw * c, c, wide, u8);
    }
  }
}
#else
/* im2col of GEMM row r straight from the input: K elements in (kh, kw, in_c) order, taps
 * outside the image filled with input_zp. */
QT_TPL_INLINE void gm_gather(const qt_conv_desc *d, const uint8_t *in, size_t r,
                             void *restrict dst, uint8_t zp, const int wide, const int u8) {
  const size_t c = (size_t)S_IN_C(d), kw_n = (size_t)S_KW(d);
  const int32_t h = S_IN_H(d), w = S_IN_W(d), dh = S_DH(d), dw = S_DW(d);
  size_t n, oy, ox, at = 0;
  gm_pixel(d, r, &n, &oy, &ox);
  const int32_t y0 = (int32_t)oy * S_SH(d) - S_PT(d), x0 = (int32_t)ox * S_SW(d) - S_PL(d);
  const int row_inside = x0 >= 0 && x0 + dw * ((int32_t)kw_n - 1) < w;
  for (int32_t kh = 0; kh < S_KH(d); kh++) {
    const int32_t iy = y0 + kh * dh;
    if (iy < 0 || iy >= h) {
      gm_fill(dst, at, zp, kw_n * c, wide, u8);
      at += kw_n * c;
      continue;
    }
    const uint8_t *src = in + ((n * (size_t)h + (size_t)iy) * (size_t)w) * c;
    if (row_inside && dw == 1) {
      gm_put(dst, at, src + (size_t)x0 * c, kw_n * c, wide, u8);
      at += kw_n * c;
      continue;
    }
    for (int32_t kw = 0; kw < (int32_t)kw_n; kw++, at += c) {
      const int32_t ix = x0 + kw * dw;
      if (ix < 0 || ix >= w)
        gm_fill(dst, at, zp, c, wide, u8);
      else
        gm_put(dst, at, src + (size_t)ix * c, c, wide, u8);
    }
  }
}
#endif

#if QT_KNOB_APACK == GM_APACK_PACK
/* Widens one A row of K bytes to K int16 at dst (gm_put's widened form: GCC vectorises it,
 * VPMOVSXBW/VPMOVZXBW), and a zero after them when K is odd (the last pair's high half). */
QT_TPL_INLINE void gm_widen(const uint8_t *restrict src, size_t k_len, int16_t *restrict dst,
                            const int u8) {
  gm_put(dst, 0, src, k_len, 1, u8);
  if (k_len % 2) dst[k_len] = 0;
}

/* The same for `rows` rows a[0 .. rows - 1], each to dst + row * stride int16. u8 is a
 * constant in each loop. */
static void gm_widen_rows(const uint8_t *const *a, size_t rows, size_t k_len, int16_t *dst,
                          size_t stride, const int u8) {
  for (size_t m = 0; m < rows; m++) {
    if (u8)
      gm_widen(a[m], k_len, dst + m * stride, 1);
    else
      gm_widen(a[m], k_len, dst + m * stride, 0);
  }
}

/* im2col of GEMM row r straight into its widened row (K int16, a zero after them when K is
 * odd). u8 is a constant in each call. */
static void gm_gather_wide(const qt_conv_desc *d, const uint8_t *src, size_t r,
                           int16_t *restrict dst, uint8_t zp, const int u8) {
  const size_t k_len = gm_k(d);
  if (u8)
    gm_gather(d, src, r, dst, zp, 1, 1);
  else
    gm_gather(d, src, r, dst, zp, 1, 0);
  if (k_len % 2) dst[k_len] = 0;
}
#endif

#if GM_FLIP_A
/* Flips rows r0 .. r0 + mr - 1 of A into dst (mr rows of k_len bytes): from the input for
 * direct A, in one piece where those rows are adjacent pixels (stride 1, so each row starts
 * where the previous one ends), else already gathered at dst, flipped in place. */
QT_TPL_INLINE void gm_flip_rows(const qt_conv_desc *d, const uint8_t *in, size_t r0, size_t mr,
                                uint8_t *dst, size_t k_len, int direct) {
  (void)d; /* unused when the shapes are compiled in */
  if (!direct)
    qt_tpl_flip(dst, dst, mr * k_len, 0x80);
  else if (S_SH(d) == 1 && S_SW(d) == 1)
    qt_tpl_flip(dst, gm_direct_row(d, in, r0), mr * k_len, 0x80);
  else
    for (size_t m = 0; m < mr; m++)
      qt_tpl_flip(dst + m * k_len, gm_direct_row(d, in, r0 + m), k_len, 0x80);
}
#endif

/* ---- The micro-kernel ---------------------------------------------------------------------- */

#if QT_KNOB_VEC == GM_VEC_OUTER
/* One reduction step k: acc[m][:] += x(row m, k) * b[k][:]. */
QT_TPL_INLINE void gm_step(int32_t acc[GM_MR][GM_NR], const uint8_t *const a[GM_MR],
                       const int16_t *restrict b, size_t k, const int u8) {
  const int16_t *restrict bk = b + k * GM_NR;
  _Pragma(QT_STR(GCC unroll GM_MR))
  for (int m = 0; m < GM_MR; m++) {
    const int32_t x = qt_tpl_x(a[m], k, u8);
    GM_COLUMN_LOOP
    for (int j = 0; j < GM_NR; j++) acc[m][j] += x * (int32_t)bk[j];
  }
}
#endif

/* acc[m][j] = bias'[j] + sum_k x(row m, k) * w(k, column j) over the whole reduction, in the
 * form QT_KNOB_VEC picks. */
QT_TPL_INLINE void gm_tile_reduce(int32_t acc[GM_MR][GM_NR], const uint8_t *const a[GM_MR],
                              const uint8_t *block, size_t k_len, const int u8, int32_t zp) {
  (void)zp; /* only isa=neon subtracts it here; the others folded it into the bias */
#if QT_KNOB_ISA == GM_ISA_NEON
#if defined(__aarch64__) && defined(__ARM_NEON)
  qt_ukernel_gemm_k1__neon(a, block, k_len, acc, u8, zp);
#else
  qt_ukernel_gemm_k1__neon_c(a, block, k_len, acc, u8, zp);
#endif
#elif QT_KNOB_ISA == GM_ISA_NEONDOT
  (void)u8; /* s8 only: pack() and run() refuse u8 */
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
  qt_ukernel_gemm_s8_k4__neondot(a, block, k_len, acc);
#else
  qt_ukernel_gemm_s8_k4__neondot_c(a, block, k_len, acc);
#endif
#elif QT_KNOB_ISA == GM_ISA_AVX512VNNI
  (void)u8; /* s8 only: pack() and run() refuse u8 */
#if defined(__AVX512F__) && defined(__AVX512VNNI__)
  qt_ukernel_gemm_s8_k4__avx512vnni(a, block, k_len, acc);
#else
  qt_ukernel_gemm_s8_k4__avx512vnni_c(a, block, k_len, acc);
#endif
#elif QT_KNOB_ISA == GM_ISA_HVX
  (void)u8; /* s8 only: pack() and run() refuse u8 */
#if defined(__hexagon__) && defined(__HVX__) && __HVX_LENGTH__ == 128
  qt_ukernel_gemm_s8_k4__hvx(a, block, k_len, acc);
#else
  qt_ukernel_gemm_s8_k4__hvx_c(a, block, k_len, acc);
#endif
#elif QT_KNOB_ISA == GM_ISA_DSP
#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FEATURE_DSP)
  qt_ukernel_gemm_k4__dsp(a, block, k_len, acc, u8);
#else
  qt_ukernel_gemm_k4__dsp_c(a, block, k_len, acc, u8);
#endif
#elif QT_KNOB_ISA == GM_ISA_AVX2
#if defined(__AVX2__)
  qt_ukernel_gemm_k2__avx2(a, block, k_len, acc, u8);
#else
  qt_ukernel_gemm_k2__avx2_c(a, block, k_len, acc, u8);
#endif
#else
  const int32_t *restrict bias = (const int32_t *)block;
  const int16_t *restrict b = (const int16_t *)(block + GM_NR * sizeof(int32_t));
  for (int m = 0; m < GM_MR; m++)
    for (int j = 0; j < GM_NR; j++) acc[m][j] = bias[j];
#if QT_KNOB_VEC == GM_VEC_OUTER
  /* KU steps per iteration, the K % KU remaining steps rolled */
  size_t k = 0;
  for (; k + GM_KU <= k_len; k += GM_KU) {
    _Pragma(QT_STR(GCC unroll GM_KU))
    for (size_t u = 0; u < GM_KU; u++) gm_step(acc, a, b, k + u, u8);
  }
#if GM_KU > 1
  for (; k < k_len; k++) gm_step(acc, a, b, k, u8);
#endif
#else
  /* k innermost with every (row, column) pair unrolled: GCC vectorises k, MR * NR reductions
   * whose input rows and weight columns are both contiguous along k */
  _Pragma(QT_STR(GCC unroll GM_KU))
  for (size_t k = 0; k < k_len; k++) {
    _Pragma(QT_STR(GCC unroll GM_MR))
    for (int m = 0; m < GM_MR; m++) {
      const int32_t x = qt_tpl_x(a[m], k, u8);
      _Pragma(QT_STR(GCC unroll GM_NR))
      for (int j = 0; j < GM_NR; j++) acc[m][j] += x * (int32_t)b[j * k_len + k];
    }
  }
#endif
#endif /* QT_KNOB_ISA */
}

/* Everything one run needs, read-only during the loops. */
typedef struct gm_ctx {
  const qt_conv_desc *d;
  const qt_quant_params *q;
  const uint8_t *packed;
  uint8_t *out;
  int32_t *ibuf; /* RQ=row: MR x out_c; RQ=pass: M x out_c */
  size_t k_len, block_bytes;
  const void *rq_table; /* qt_template_common.h's requant table, or NULL */
} gm_ctx;

/* One MR x NR tile: rows r0 .. r0 + mr - 1 (mr <= MR; a[] already padded to MR rows), column
 * block b with nr <= NR valid channels. Reduces, then requantizes or parks the int32 result as
 * QT_KNOB_RQ says. */
QT_TPL_INLINE void gm_tile(const gm_ctx *x, const uint8_t *const a[GM_MR], size_t r0, size_t mr,
                       size_t b, const int u8) {
  int32_t acc[GM_MR][GM_NR];
  const size_t oc = (size_t)S_OUT_C(x->d), c0 = b * GM_NR;
  const size_t nr = oc - c0 < GM_NR ? oc - c0 : GM_NR;
  gm_tile_reduce(acc, a, x->packed + b * x->block_bytes, x->k_len, u8, x->q->input_zp);
#if GM_NR == 64 && QT_KNOB_ISA == GM_ISA_AVX512VNNI
  /* Fixed point with 64 columns: the accumulators go through memory (the empty asm reads acc's
   * address), so GCC allocates the reduction's registers and the float form's apart. Fused, it
   * moved and spilled accumulators inside the k-loop: on Zen 5 (avx512vnni, 6x64, one core)
   * 56x56x24->144 took 141 us against 75, 14x14x96->576 67 against 40, 7x7x160->960 32
   * against 28. fp32 lost 5-10 % by it, and the 8x32 tile 15 % in both schemes. */
  if (S_REQUANT(x->q) == QT_REQUANT_FIXEDPOINT) __asm__ volatile("" : : "r"(acc) : "memory");
#endif
#if QT_KNOB_RQ == GM_RQ_TILE
  /* the mr rows at once (fixedpoint derives its per-channel masks once); a full block gets a
   * constant trip count: whole vectors, no remainder code */
  uint8_t *o = x->out + r0 * oc + c0;
  if (nr == GM_NR)
    qt_tpl_requant_block((const int32_t *)(const void *)acc, GM_NR, 0, o, (ptrdiff_t)oc, 0, (int)mr,
                         1, c0, GM_NR, x->q, x->rq_table);
  else
    qt_tpl_requant_block((const int32_t *)(const void *)acc, GM_NR, 0, o, (ptrdiff_t)oc, 0, (int)mr,
                         1, c0, nr, x->q, x->rq_table);
#else
  for (size_t m = 0; m < mr; m++) {
#if QT_KNOB_RQ == GM_RQ_ROW
    (void)r0;
    memcpy(x->ibuf + m * oc + c0, acc[m], nr * sizeof(int32_t));
#else
    memcpy(x->ibuf + (r0 + m) * oc + c0, acc[m], nr * sizeof(int32_t));
#endif
  }
#endif
}

/* All column blocks of one row block (order mn). The row block is requantized here for
 * RQ=row. u8 is a constant at each call site, so each dtype gets its own inlined loop nest. */
QT_TPL_INLINE void gm_row_block(const gm_ctx *x, const uint8_t *const a[GM_MR], size_t r0, size_t mr,
                            const int u8) {
  const size_t nb = gm_blocks(x->d);
  for (size_t b = 0; b < nb; b++) gm_tile(x, a, r0, mr, b, u8);
#if QT_KNOB_RQ == GM_RQ_ROW
  gm_requant_rows(x->ibuf, x->out + r0 * (size_t)S_OUT_C(x->d), mr, x->d, x->q, x->rq_table);
#endif
}

/* Fills a[] with the row pointers of rows r0 .. r0 + mr - 1, the rest repeating the last one.
 * Rows come from the input (direct A), or from base + (row - base_row) * stride bytes (im2col
 * rows of K bytes or widened rows in scratch, which start at row base_row: r0 for order mn,
 * 0 for order nm). */
QT_TPL_INLINE void gm_rows(const qt_conv_desc *d, const uint8_t *a[GM_MR], const uint8_t *in,
                       const uint8_t *base, size_t base_row, size_t stride, size_t r0, size_t mr,
                       int direct) {
  for (size_t m = 0; m < GM_MR; m++) {
    const size_t r = r0 + (m < mr ? m : mr - 1);
    a[m] = direct ? gm_direct_row(d, in, r) : base + (r - base_row) * stride;
  }
}

/* Runs the convolution. Returns QT_KERNEL_OK, QT_KERNEL_EINVAL for a NULL argument or an
 * unknown dtype, QT_KERNEL_ESHAPE if d is not conv2d or differs from the compiled-in shapes.
 * scratch must hold scratch_size(d) bytes (may be NULL when that is 0). */
int QT_FN(run)(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
               const void *packed, void *output, void *scratch) {
  const int rc = qt_tpl_check_run(d, q, input, packed, output, scratch, QT_FN(scratch_size),
                                  QT_OP_CONV2D, GM_ISA_S8_ONLY);
  if (rc != QT_KERNEL_OK) return rc;
  const int u8 = S_DTYPE(q) == QT_DTYPE_U8;
  /* 1: the tiles read A in place (order nm with apack=pack reads the widened copy instead) */
  int direct = gm_direct_a(d);
  const uint8_t zp = (uint8_t)q->input_zp;
  const size_t k_len = gm_k(d), m_len = gm_m(d), nb = gm_blocks(d);
  uint8_t *s = (uint8_t *)scratch;
  const uint8_t *src = (const uint8_t *)input; /* what im2col gathers from */
#if QT_KNOB_PAD == GM_PAD_PREPAD
  if (!direct) {
    qt_tpl_prepad(d, (const uint8_t *)input, s, (size_t)S_N(d), zp, 0);
    src = s;
  }
#endif
  /* scratch may be NULL when nothing needs it: no arithmetic on it then */
  uint8_t *cols = s ? s + gm_prepad_bytes(d) : NULL;
  int32_t *ibuf = s ? (int32_t *)(void *)(cols + gm_cols_bytes(d)) : NULL;
#if QT_KNOB_APACK == GM_APACK_PACK
  int16_t *wide = (int16_t *)(void *)(cols + gm_cols_bytes(d) + gm_ibuf_bytes(d));
  const size_t wide_row = gm_wide_row_bytes(d), wide_n = wide_row / sizeof(int16_t);
#endif
  const void *rq_table = qt_tpl_rq_table(d, q, (const uint8_t *)packed + gm_blocks_bytes(d));
  gm_ctx x = {d,    q,     (const uint8_t *)packed, (uint8_t *)output,
              ibuf, k_len, gm_block_bytes(d),       rq_table};
  const uint8_t *a[GM_MR];

#if QT_KNOB_ORDER == GM_ORDER_MN
  for (size_t r0 = 0; r0 < m_len; r0 += GM_MR) {
    const size_t mr = m_len - r0 < GM_MR ? m_len - r0 : GM_MR;
#if QT_KNOB_APACK == GM_APACK_PACK
    if (direct) {
      gm_rows(d, a, (const uint8_t *)input, NULL, r0, 0, r0, mr, 1);
      gm_widen_rows(a, mr, k_len, wide, wide_n, u8);
    } else {
      for (size_t m = 0; m < mr; m++) gm_gather_wide(d, src, r0 + m, wide + m * wide_n, zp, u8);
    }
    gm_rows(d, a, NULL, (const uint8_t *)wide, r0, wide_row, r0, mr, 0);
#else
    if (!direct)
      for (size_t m = 0; m < mr; m++) gm_gather(d, src, r0 + m, cols + m * k_len, zp, 0, 0);
#if GM_FLIP_A
    gm_flip_rows(d, (const uint8_t *)input, r0, mr, cols, k_len, direct);
    gm_rows(d, a, NULL, cols, r0, k_len, r0, mr, 0);
#else
    gm_rows(d, a, (const uint8_t *)input, cols, r0, k_len, r0, mr, direct);
#endif
#endif
    if (u8)
      gm_row_block(&x, a, r0, mr, 1);
    else
      gm_row_block(&x, a, r0, mr, 0);
  }
#else
  /* where the tiles read their rows */
  const uint8_t *rows = cols;
  size_t stride = k_len;
#if QT_KNOB_APACK == GM_APACK_PACK
  for (size_t r = 0; r < m_len; r++) {
    if (direct) {
      const uint8_t *row = gm_direct_row(d, (const uint8_t *)input, r);
      gm_widen_rows(&row, 1, k_len, wide + r * wide_n, wide_n, u8);
    } else {
      gm_gather_wide(d, src, r, wide + r * wide_n, zp, u8);
    }
  }
  rows = (const uint8_t *)wide;
  stride = wide_row;
  direct = 0;
#else
  if (!direct)
    for (size_t r = 0; r < m_len; r++) gm_gather(d, src, r, cols + r * k_len, zp, 0, 0);
#if GM_FLIP_A
  gm_flip_rows(d, (const uint8_t *)input, 0, m_len, cols, k_len, direct);
  direct = 0;
#endif
#endif
  for (size_t b = 0; b < nb; b++)
    for (size_t r0 = 0; r0 < m_len; r0 += GM_MR) {
      const size_t mr = m_len - r0 < GM_MR ? m_len - r0 : GM_MR;
      gm_rows(d, a, (const uint8_t *)input, rows, 0, stride, r0, mr, direct);
      if (u8)
        gm_tile(&x, a, r0, mr, b, 1);
      else
        gm_tile(&x, a, r0, mr, b, 0);
    }
#endif
  (void)nb;
  (void)zp;
  (void)src;
#if QT_KNOB_RQ == GM_RQ_PASS
  gm_requant_rows(x.ibuf, x.out, m_len, d, q, x.rq_table);
#endif
  return QT_KERNEL_OK;
}
