/* qt_ukernel_direct_s8_k4__neondot.h — the micro-kernel of the direct template's isa value
 * neondot (kernels/templates/direct.c, QT_KNOB_ISA=4): one tile of MR output pixels x NR
 * output channels of int32 accumulators over the whole kh x kw x in_c patch with SDOT
 * (armv8.2-a+dotprod), each kernel row's kw * in_c bytes (contiguous in NHWC) blocked by 4,
 * int8 (s8) only; and its plain C twin, bit-exact with it, used where the compiler does not
 * target the dot product extension (and tested everywhere).
 *
 * Parameters at include time (the template's knobs): QT_UK_MR pixels (1..16), QT_UK_NR
 * channels (a multiple of 4: one int32x4 register), QT_UK_KU unroll of the k4 loop within a
 * kernel row.
 *
 * Packed channel block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias'[NR]   = bias - input_zp * sum_k w
 *   int8  w[rows][ceil(seg/4)][NR][4]     row r's byte s at [r][s/4][j][s%4]; zero for
 *                                         s >= seg or past out_c
 * SDOT multiplies signed by signed bytes and adds the four products and the accumulator
 * modulo 2^32, like the twin's uint32 arithmetic.
 *
 * Each function: acc[m][j] = bias'[j] + sum_r sum_s (int8)a[m][r * step + s] * w[r][s][j] for
 * r < rows, s < seg: a[] MR pixel pointers (may repeat), each at its first kernel row, `step`
 * bytes between its kernel rows. Reads exactly seg bytes of each row (the seg % 4 tail is
 * assembled byte by byte). */
#ifndef QT_UKERNEL_DIRECT_S8_K4__NEONDOT_H
#define QT_UKERNEL_DIRECT_S8_K4__NEONDOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_common.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 4 == 0, "neondot micro-kernel: NR must be a multiple of 4");

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_direct_s8_k4__neondot_c(const uint8_t *const a[QT_UK_MR],
                                                     size_t step, size_t rows, size_t seg,
                                                     const uint8_t *block,
                                                     int32_t acc[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  const size_t seg4 = (seg + 3) / 4;
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t r = 0; r < rows; r++)
    for (size_t s = 0; s < seg; s += 4) {
      const size_t n = seg - s < 4 ? seg - s : 4;
      const int8_t *ws = w + (r * seg4 + s / 4) * QT_UK_NR * 4;
      for (int m = 0; m < QT_UK_MR; m++) {
        const uint32_t x = qt_uk_word(a[m] + r * step + s, n);
        for (int j = 0; j < QT_UK_NR; j++)
          for (int t = 0; t < 4; t++)
            sum[m][j] += (uint32_t)((int32_t)(int8_t)(x >> (8 * t)) * (int32_t)ws[j * 4 + t]);
      }
    }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

/* The row loop's parameters (qt_ukernel_direct_rows.h): k4-steps of NR/4 int32x4 vectors. */
#define QT_UK_DR_KR 4
#define QT_UK_DR_NV (QT_UK_NR / 4)
#define QT_UK_DR_VU 8
#define QT_UK_DR_ACC int32x4_t
#define QT_UK_DR_WVEC int8x16_t
#define QT_UK_DR_XVEC int8x16_t
#define QT_UK_DR_WELEM int8_t
/* 4 channels x 4 bytes */
#define QT_UK_DR_WS(wr, s, u) ((wr) + ((s) / 4 + (size_t)(u)) * QT_UK_NR * 4)
#define QT_UK_DR_W(ws, v) vld1q_s8((ws) + 16 * (v))
/* the 4 input bytes in every 32-bit lane */
#define QT_UK_DR_X(p, n) vreinterpretq_s8_u32(vdupq_n_u32(qt_uk_word((p), (n))))
/* SDOT */
#define QT_UK_DR_MADD(acc, x, w) vdotq_s32((acc), (w), (x))
#include "qt_ukernel_direct_rows.h"

static inline __attribute__((always_inline)) void qt_ukernel_direct_s8_k4__neondot(
    const uint8_t *const a[QT_UK_MR], size_t step, size_t rows, size_t seg,
    const uint8_t *block, int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  int32x4_t acc[QT_UK_MR][QT_UK_DR_NV];
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DR_NV; v++) acc[m][v] =
          vld1q_s32(bias + 4 * v);
  qt_uk_direct_rows(acc, a, step, rows, seg, w, 0);
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DR_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_DIRECT_S8_K4__NEONDOT_H */
