/* qt_ukernel_gemm_k4__dsp.h — the GEMM micro-kernel of the gemm template's isa value dsp
 * (kernels/templates/gemm.c, QT_KNOB_ISA=5) for Armv7E-M with the DSP extension (Cortex-M4,
 * M7, M33 with DSP): one MR x NR tile of int32 accumulators over the whole reduction with
 * SMLAD (two 16 x 16 multiplies and both adds in one instruction), K blocked by 4, both
 * dtypes (s8 and u8); and its plain C twin, bit-exact with it, used where the compiler does
 * not target the DSP extension (tested everywhere).
 *
 * Input widening as CMSIS-NN's s8 kernels do it: one 32-bit load of 4 input bytes x0..x3,
 * SXTB16 (UXTB16 for u8) gives the int16 pair (x0, x2), SXTB16 of the word rotated by 8 (one
 * instruction, SXTB16 Rd, Rm, ROR #8) gives (x1, x3). pack() stores each column's weights of a
 * k4 group in that order, so no input is reshuffled: word 0 = (w0, w2), word 1 = (w1, w3).
 * The input zero point is folded into the bias (as CMSIS-NN folds it into its kernel sums), so
 * the inputs are multiplied as they are.
 *
 * Parameters at include time (the template's knobs): QT_UK_MR rows, QT_UK_NR columns,
 * QT_UK_KU unroll of the k4 loop, QT_UK_LOAD the load order of a k4-step (0 = weights: the
 * step's 2·NR weight words first, then per row its input word, widened, and its 2·NR SMLADs;
 * 1 = inputs: every row's input word widened first, then per column its two weight words and
 * 2·MR SMLADs). QT_UK_PIPE must be 0 (the in-order Cortex-M pipeline has no use for rotating
 * register sets it does not have; the space keeps pipe at 0). The twin ignores LOAD.
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias'[NR]   = bias - input_zp * sum_k (w - weight_zp)
 *   int16 w[ceil(K/4)][NR][4] = w - weight_zp in the order k+0, k+2, k+1, k+3, zero for
 *                               k >= K or past out_c
 * Each product is at most 255 * 255 in magnitude, and SMLAD adds modulo 2^32 (it only sets
 * the Q flag on overflow), like the twin's uint32 arithmetic.
 *
 * Each function: acc[m][j] = bias'[j] + sum_k x(a[m][k]) * w[k][j], x the input byte as int8
 * (u8 = 0) or uint8 (u8 = 1; a constant at every call site), for a[] MR row pointers of K
 * bytes each (rows may repeat), block the packed column block. Reads exactly K bytes of each
 * row (the last partial group byte by byte). */
#ifndef QT_UKERNEL_GEMM_K4__DSP_H
#define QT_UKERNEL_GEMM_K4__DSP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "qt_ukernel_gemm_i16_twin.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU) || !defined(QT_UK_LOAD) ||   \
    !defined(QT_UK_PIPE)
#error "define QT_UK_MR, QT_UK_NR, QT_UK_KU, QT_UK_LOAD and QT_UK_PIPE before including this micro-kernel"
#endif
_Static_assert(QT_UK_LOAD == 0 || QT_UK_LOAD == 1, "QT_UK_LOAD: 0 weights, 1 inputs");
_Static_assert(QT_UK_PIPE == 0, "dsp micro-kernel: QT_UK_PIPE must be 0");

/* Where weight k % 4 of a k4 group sits in a column's 4 int16: k+0, k+2, k+1, k+3. */
static inline size_t qt_uk_dsp_slot(size_t r) { return (r & 1) * 2 + (r >> 1); }

/* The input word of row bytes k..k+3, bytes past k_len zero (their weights are zero). */
static inline uint32_t qt_uk_dsp_word(const uint8_t *row, size_t k, size_t k_len) {
  uint32_t x = 0;
  if (k + 4 <= k_len) {
    memcpy(&x, row + k, 4); /* LDR: unaligned loads are allowed on Armv7-M */
  } else {
    for (size_t i = 0; k + i < k_len; i++) x |= (uint32_t)row[k + i] << (8 * i);
  }
  return x;
}

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_gemm_k4__dsp_c(const uint8_t *const a[QT_UK_MR],
                                             const uint8_t *block, size_t k_len,
                                             int32_t acc[QT_UK_MR][QT_UK_NR], int u8) {
  qt_uk_gemm_i16_twin(a, block, k_len, acc, u8, 0, 4, qt_uk_dsp_slot, 0);
}

#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>

/* (x0, x2) and (x1, x3) of an input word as int16 pairs: SXTB16 / SXTB16 ROR #8 (UXTB16
 * for u8). GCC 12's arm_acle.h has no __ror; it folds the plain C rotate into the extend's
 * rotate operand. */
#define QT_UK_DSP_WIDEN(word, lo, hi)                                                        \
  do {                                                                                       \
    if (u8) {                                                                                \
      (lo) = __uxtb16(word);                                                                 \
      (hi) = __uxtb16(((word) >> 8 | (word) << 24));                                                     \
    } else {                                                                                 \
      (lo) = __sxtb16(word);                                                                 \
      (hi) = __sxtb16(((word) >> 8 | (word) << 24));                                                     \
    }                                                                                        \
  } while (0)

/* One k4-step at group g: weights of column j are words wg[2j] (w0, w2) and wg[2j + 1]
 * (w1, w3). */
static inline __attribute__((always_inline)) void qt_uk_dsp_step(
    int32_t acc[QT_UK_MR][QT_UK_NR], const uint8_t *const a[QT_UK_MR], const uint32_t *wg,
    size_t k, size_t k_len, int u8) {
#if QT_UK_LOAD == 0
  uint32_t w0[QT_UK_NR], w1[QT_UK_NR];
  _Pragma("GCC unroll 32") for (int j = 0; j < QT_UK_NR; j++) {
    w0[j] = wg[2 * j];
    w1[j] = wg[2 * j + 1];
  }
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {
    const uint32_t word = qt_uk_dsp_word(a[m], k, k_len);
    uint32_t lo, hi;
    QT_UK_DSP_WIDEN(word, lo, hi);
    _Pragma("GCC unroll 32") for (int j = 0; j < QT_UK_NR; j++) {
      acc[m][j] = __smlad(lo, w0[j], acc[m][j]);
      acc[m][j] = __smlad(hi, w1[j], acc[m][j]);
    }
  }
#else
  uint32_t lo[QT_UK_MR], hi[QT_UK_MR];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {
    const uint32_t word = qt_uk_dsp_word(a[m], k, k_len);
    QT_UK_DSP_WIDEN(word, lo[m], hi[m]);
  }
  _Pragma("GCC unroll 32") for (int j = 0; j < QT_UK_NR; j++) {
    const uint32_t w0 = wg[2 * j], w1 = wg[2 * j + 1];
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {
      acc[m][j] = __smlad(lo[m], w0, acc[m][j]);
      acc[m][j] = __smlad(hi[m], w1, acc[m][j]);
    }
  }
#endif
}

static inline __attribute__((always_inline)) void qt_ukernel_gemm_k4__dsp(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc[QT_UK_MR][QT_UK_NR], int u8) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  /* 4-byte aligned: the block starts QT_ALIGN-aligned and bias' is NR int32 */
  const uint32_t *w = (const uint32_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 32") for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = bias[j];
  const size_t full = k_len / 4 * 4;
  size_t k = 0;
  for (; k + 4 * QT_UK_KU <= full; k += 4 * QT_UK_KU) {
    _Pragma("GCC unroll 16") for (int u = 0; u < QT_UK_KU; u++)
        qt_uk_dsp_step(acc, a, w + (k / 4 + (size_t)u) * QT_UK_NR * 2, k + 4 * (size_t)u,
                       k + 4 * (size_t)u + 4, u8); /* whole words: the length test folds away */
  }
  for (; k < k_len; k += 4) qt_uk_dsp_step(acc, a, w + (k / 4) * QT_UK_NR * 2, k, k_len, u8);
}
#undef QT_UK_DSP_WIDEN
#endif

#endif /* QT_UKERNEL_GEMM_K4__DSP_H */
