/* qt_ukernel_direct_k1__neon.h — the micro-kernel of the direct template's isa value neon
 * (kernels/templates/direct.c, QT_KNOB_ISA=3): one tile of MR output pixels x NR output
 * channels of int32 accumulators over the whole kh x kw x in_c patch with SMLAL/SMLAL2 by
 * lane on int16, the input zero point subtracted while widening (TVM's int16 legalization of
 * int8 conv2d on Arm), both dtypes (s8 and u8); and its plain C twin, bit-exact with it (and
 * tested everywhere). Baseline aarch64: no flags needed.
 *
 * Parameters at include time (the template's knobs): QT_UK_MR pixels (1..16), QT_UK_NR
 * channels (a multiple of 8: one int16x8 weight register), QT_UK_KU unroll of the k8 loop
 * within a kernel row.
 *
 * Packed channel block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias[NR]                        (nothing folded: zp is subtracted from the inputs)
 *   int16 w[rows][seg][NR] = w - weight_zp, zero past out_c
 * Each product (x - zp) * (w - wzp) fits int16 x int16 -> int32 exactly (|x - zp| <= 255,
 * |w - wzp| <= 255); the accumulator adds modulo 2^32 like the twin's uint32 arithmetic.
 *
 * Each function: acc[m][j] = bias[j] + sum_r sum_s (x(a[m][r * step + s]) - zp) * w[r][s][j]
 * for r < rows, s < seg, x the byte as int8 (u8 = 0) or uint8 (u8 = 1): a[] MR pixel
 * pointers (may repeat), each at its first kernel row, `step` bytes between its kernel rows.
 * Reads exactly seg bytes of each row: 8 at a time, the seg % 8 tail one by one. */
#ifndef QT_UKERNEL_DIRECT_K1__NEON_H
#define QT_UKERNEL_DIRECT_K1__NEON_H

#include <stddef.h>
#include <stdint.h>

#include "qt_ukernel_common.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 8 == 0, "neon micro-kernel: NR must be a multiple of 8");

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_direct_k1__neon_c(const uint8_t *const a[QT_UK_MR], size_t step,
                                               size_t rows, size_t seg, const uint8_t *block,
                                               int32_t acc[QT_UK_MR][QT_UK_NR], int u8,
                                               int32_t zp) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t r = 0; r < rows; r++)
    for (size_t s = 0; s < seg; s++) {
      const int16_t *ws = w + (r * seg + s) * QT_UK_NR;
      for (int m = 0; m < QT_UK_MR; m++) {
        const uint8_t *p = a[m] + r * step + s;
        const int32_t x = (u8 ? (int32_t)p[0] : (int32_t)(int8_t)p[0]) - zp;
        for (int j = 0; j < QT_UK_NR; j++) sum[m][j] += (uint32_t)(x * ws[j]);
      }
    }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define QT_UK_DNEON_NV (QT_UK_NR / 8)

/* Lane L of the widened inputs against weight row L of ws: SMLAL (low 4 channels) and SMLAL2
 * (high 4) per int16x8 weight vector. */
#define QT_UK_DNEON_LANE(acc, xv, ws, L)                                                     \
  do {                                                                                       \
    int16x8_t wv_[QT_UK_DNEON_NV];                                                           \
    _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DNEON_NV; v++) wv_[v] =                \
        vld1q_s16((ws) + (L) * QT_UK_NR + 8 * v);                                            \
    _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)                              \
        _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DNEON_NV; v++) {                   \
      (acc)[m][2 * v] = vmlal_laneq_s16((acc)[m][2 * v], vget_low_s16(wv_[v]), (xv)[m], L);  \
      (acc)[m][2 * v + 1] = vmlal_high_laneq_s16((acc)[m][2 * v + 1], wv_[v], (xv)[m], L);   \
    }                                                                                        \
  } while (0)

/* Eight reduction steps at byte offset off: each pixel's 8 inputs widened with the zero
 * point subtracted (USUBL/SSUBL-like: VMOVL then VSUB), then one lane at a time. */
#define QT_UK_DNEON_STEP8(acc, a, off, ws, u8, zpv)                                          \
  do {                                                                                       \
    int16x8_t xv_[QT_UK_MR];                                                                 \
    _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++) xv_[m] = vsubq_s16(          \
        (u8) ? vreinterpretq_s16_u16(vmovl_u8(vld1_u8((a)[m] + (off))))                      \
             : vmovl_s8(vld1_s8((const int8_t *)(a)[m] + (off))),                            \
        (zpv));                                                                              \
    QT_UK_DNEON_LANE(acc, xv_, ws, 0); QT_UK_DNEON_LANE(acc, xv_, ws, 1);                   \
    QT_UK_DNEON_LANE(acc, xv_, ws, 2); QT_UK_DNEON_LANE(acc, xv_, ws, 3);                   \
    QT_UK_DNEON_LANE(acc, xv_, ws, 4); QT_UK_DNEON_LANE(acc, xv_, ws, 5);                   \
    QT_UK_DNEON_LANE(acc, xv_, ws, 6); QT_UK_DNEON_LANE(acc, xv_, ws, 7);                   \
  } while (0)

static inline __attribute__((always_inline)) void qt_ukernel_direct_k1__neon(
    const uint8_t *const a[QT_UK_MR], size_t step, size_t rows, size_t seg,
    const uint8_t *block, int32_t acc_out[QT_UK_MR][QT_UK_NR], int u8, int32_t zp) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  int32x4_t acc[QT_UK_MR][2 * QT_UK_DNEON_NV];
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < 2 * QT_UK_DNEON_NV; v++) acc[m][v] =
          vld1q_s32(bias + 4 * v);
  const int16x8_t zpv = vdupq_n_s16((int16_t)zp);
  const size_t seg_body = seg & ~(size_t)7;
  for (size_t r = 0; r < rows; r++) {
    const int16_t *wr = w + r * seg * QT_UK_NR;
    const size_t base = r * step;
    size_t s = 0;
    /* KU k8-steps per iteration, unrolled by hand, the rest rolled; never unrolled further,
     * so ku alone decides */
    _Pragma("GCC unroll 1") for (; s + 8 * QT_UK_KU <= seg_body; s += 8 * QT_UK_KU) {
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
          QT_UK_DNEON_STEP8(acc, a, base + s + 8 * (size_t)u, wr + (s + 8 * (size_t)u) * QT_UK_NR,
                            u8, zpv);
    }
    for (; s < seg_body; s += 8) QT_UK_DNEON_STEP8(acc, a, base + s, wr + s * QT_UK_NR, u8, zpv);
    /* seg % 8 tail: one input at a time (SMLAL by a scalar), never reading past the row */
    for (; s < seg; s++) {
      int16x8_t wv[QT_UK_DNEON_NV];
      for (int v = 0; v < QT_UK_DNEON_NV; v++) wv[v] = vld1q_s16(wr + s * QT_UK_NR + 8 * v);
      for (int m = 0; m < QT_UK_MR; m++) {
        const uint8_t *p = a[m] + base + s;
        const int16_t x = (int16_t)((u8 ? (int32_t)p[0] : (int32_t)(int8_t)p[0]) - zp);
        for (int v = 0; v < QT_UK_DNEON_NV; v++) {
          acc[m][2 * v] = vmlal_n_s16(acc[m][2 * v], vget_low_s16(wv[v]), x);
          acc[m][2 * v + 1] = vmlal_high_n_s16(acc[m][2 * v + 1], wv[v], x);
        }
      }
    }
  }
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < 2 * QT_UK_DNEON_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_DIRECT_K1__NEON_H */
