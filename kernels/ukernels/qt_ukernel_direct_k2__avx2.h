/* qt_ukernel_direct_k2__avx2.h — the micro-kernel of the direct template's isa value avx2
 * (kernels/templates/direct.c, QT_KNOB_ISA=1): one tile of MR output pixels x NR output
 * channels of int32 accumulators over the whole kh x kw x in_c patch with VPMADDWD on inputs
 * widened to int16, each kernel row's kw * in_c bytes (contiguous in NHWC) blocked by 2, both
 * dtypes (s8 and u8); and its plain C twin, bit-exact with it, used where the compiler does
 * not target AVX2 (and tested everywhere, qemu included). VPMADDUBSW is deliberately not
 * used: it saturates its int16 pair sums (255 * 127 * 2 > 32767).
 *
 * Parameters at include time (the template's knobs): QT_UK_MR pixels (1..16), QT_UK_NR
 * channels (a multiple of 8: one ymm holds 8 int32 lanes), QT_UK_KU unroll of the k2 loop
 * within a kernel row.
 *
 * Packed channel block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias'[NR]   = bias - input_zp * sum_k (w - weight_zp)
 *   int16 w[rows][ceil(seg/2)][NR][2] = w - weight_zp: row r's byte s at [r][s/2][j][s%2];
 *                                       zero for s >= seg or past out_c
 * Each product x * (w - weight_zp) is at most 255 * 255 and a pair sum at most 130050, so
 * VPMADDWD is exact; the accumulator adds modulo 2^32 like the twin's uint32 arithmetic.
 *
 * Each function: acc[m][j] = bias'[j] + sum_r sum_s x(a[m][r * step + s]) * w[r][s][j] for
 * r < rows, s < seg, x the byte as int8 (u8 = 0) or uint8 (u8 = 1; a constant at every call
 * site): a[] MR pixel pointers (may repeat), each at its first kernel row, `step` bytes
 * between its kernel rows. Reads exactly seg bytes of each row (an odd row's last input is
 * paired with 0). */
#ifndef QT_UKERNEL_DIRECT_K2__AVX2_H
#define QT_UKERNEL_DIRECT_K2__AVX2_H

#include <stddef.h>
#include <stdint.h>

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 8 == 0, "avx2 micro-kernel: NR must be a multiple of 8");

/* Input byte p[0] widened to int32. */
static inline int32_t qt_uk_davx2_x(const uint8_t *p, int u8) {
  return u8 ? (int32_t)p[0] : (int32_t)(int8_t)p[0];
}

/* Inputs p[0] and p[1] (p[1] only if n == 2, else 0) as two int16 in one word: the operand
 * VPMADDWD pairs with a channel's two weights. */
static inline uint32_t qt_uk_davx2_pair(const uint8_t *p, size_t n, int u8) {
  const int32_t hi = n == 2 ? qt_uk_davx2_x(p + 1, u8) : 0;
  return (uint32_t)(uint16_t)qt_uk_davx2_x(p, u8) | (uint32_t)(uint16_t)hi << 16;
}

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_direct_k2__avx2_c(const uint8_t *const a[QT_UK_MR], size_t step,
                                               size_t rows, size_t seg, const uint8_t *block,
                                               int32_t acc[QT_UK_MR][QT_UK_NR], int u8) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  const size_t seg2 = (seg + 1) / 2;
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t r = 0; r < rows; r++)
    for (size_t s = 0; s < seg; s += 2) {
      const int16_t *ws = w + (r * seg2 + s / 2) * QT_UK_NR * 2;
      for (int m = 0; m < QT_UK_MR; m++) {
        const uint8_t *p = a[m] + r * step + s;
        const int32_t x0 = qt_uk_davx2_x(p, u8), x1 = s + 1 < seg ? qt_uk_davx2_x(p + 1, u8) : 0;
        for (int j = 0; j < QT_UK_NR; j++)
          sum[m][j] += (uint32_t)(x0 * ws[2 * j] + x1 * ws[2 * j + 1]);
      }
    }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__AVX2__)
#include <immintrin.h>

/* The row loop's parameters (qt_ukernel_direct_rows.h): k2-steps of NR/8 ymm vectors. */
#define QT_UK_DR_KR 2
#define QT_UK_DR_NV (QT_UK_NR / 8)
#define QT_UK_DR_VU 4
#define QT_UK_DR_ACC __m256i
#define QT_UK_DR_WVEC __m256i
#define QT_UK_DR_XVEC __m256i
#define QT_UK_DR_WELEM int16_t
#define QT_UK_DR_WS(wr, s, u) ((wr) + ((s) + 2 * (size_t)(u)) * QT_UK_NR)
#define QT_UK_DR_W(ws, v) _mm256_loadu_si256((const __m256i *)(const void *)((ws) + (v) * 16))
/* the input pair in every lane */
#define QT_UK_DR_X(p, n) _mm256_set1_epi32((int)qt_uk_davx2_pair((p), (n), u8))
/* VPMADDWD + VPADDD */
#define QT_UK_DR_MADD(acc, x, w) _mm256_add_epi32((acc), _mm256_madd_epi16((x), (w)))
#include "qt_ukernel_direct_rows.h"

static inline __attribute__((always_inline)) void qt_ukernel_direct_k2__avx2(
    const uint8_t *const a[QT_UK_MR], size_t step, size_t rows, size_t seg,
    const uint8_t *block, int32_t acc_out[QT_UK_MR][QT_UK_NR], int u8) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  __m256i acc[QT_UK_MR][QT_UK_DR_NV];
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DR_NV; v++) acc[m][v] =
          _mm256_loadu_si256((const __m256i *)(const void *)(bias + 8 * v));
  qt_uk_direct_rows(acc, a, step, rows, seg, w, u8);
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DR_NV; v++)
          _mm256_storeu_si256((__m256i *)(void *)(acc_out[m] + 8 * v), acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_DIRECT_K2__AVX2_H */
