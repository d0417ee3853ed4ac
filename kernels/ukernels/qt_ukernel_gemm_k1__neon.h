/* qt_ukernel_gemm_k1__neon.h — the GEMM micro-kernel of the gemm template's isa value neon
 * (kernels/templates/gemm.c, QT_KNOB_ISA=3): one MR x NR tile of int32 accumulators over the
 * whole reduction with SMLAL/SMLAL2 (widening int16 multiply-accumulate), both dtypes; and its
 * plain C twin, bit-exact with it, used where the compiler does not target NEON (and tested
 * everywhere). As TVM's int16 "legalization" of Arm int8 convolutions, the input zero point is
 * subtracted while widening, so nothing is folded into the bias for it.
 *
 * Parameters at include time (the template's knobs): QT_UK_MR rows (1..8), QT_UK_NR columns
 * (a multiple of 8: one int16x8 weight vector feeds two int32x4 accumulators, SMLAL for the
 * low and SMLAL2 for the high half), QT_UK_KU unroll of the k8 loop.
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias[NR]             the bias as given (no zero point folded)
 *   int16 w[K][NR]             w - weight_zp, zero past out_c
 * Each product (x - input_zp) * (w - weight_zp) is at most 255 * 255 in magnitude, so int16
 * operands and int32 lanes are exact; accumulation is modulo 2^32 in both forms.
 *
 * Each function: acc[m][j] = bias[j] + sum_k (x(a[m][k]) - zp) * w[k][j], x the input byte as
 * int8 (u8 = 0) or uint8 (u8 = 1; a constant at every call site), for a[] MR row pointers of
 * K bytes each (rows may repeat). Reads exactly K bytes of each row. */
#ifndef QT_UKERNEL_GEMM_K1__NEON_H
#define QT_UKERNEL_GEMM_K1__NEON_H

#include <stddef.h>
#include <stdint.h>

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 8 == 0, "neon micro-kernel: NR must be a multiple of 8");

#define QT_UK_NEON_STR_(x) #x
#define QT_UK_NEON_STR(x) QT_UK_NEON_STR_(x)

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_gemm_k1__neon_c(const uint8_t *const a[QT_UK_MR], const uint8_t *block,
                                         size_t k_len, int32_t acc[QT_UK_MR][QT_UK_NR], int u8,
                                         int32_t zp) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t k = 0; k < k_len; k++)
    for (int m = 0; m < QT_UK_MR; m++) {
      const int32_t x = (u8 ? (int32_t)a[m][k] : (int32_t)(int8_t)a[m][k]) - zp;
      for (int j = 0; j < QT_UK_NR; j++) sum[m][j] += (uint32_t)(x * w[k * QT_UK_NR + j]);
    }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define QT_UK_NEON_NV (QT_UK_NR / 8)

/* Lane L of the widened inputs against weight row k + L: SMLAL (low 4 columns) and SMLAL2
 * (high 4) per weight vector, weights loaded first and reused by every row. */
#define QT_UK_NEON_LANE(acc, xv, w, k, L)                                                    \
  do {                                                                                       \
    int16x8_t wv_[QT_UK_NEON_NV];                                                            \
    _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++) wv_[v] =                 \
        vld1q_s16((w) + ((k) + (L)) * QT_UK_NR + 8 * v);                                     \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)                               \
        _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++) {                    \
      (acc)[m][2 * v] = vmlal_laneq_s16((acc)[m][2 * v], vget_low_s16(wv_[v]), (xv)[m], L);  \
      (acc)[m][2 * v + 1] = vmlal_high_laneq_s16((acc)[m][2 * v + 1], wv_[v], (xv)[m], L);   \
    }                                                                                        \
  } while (0)

/* Eight reduction steps: each row's 8 inputs widened with the zero point subtracted
 * (USUBL/SSUBL-style: widen, then subtract in int16), then one lane per step. */
#define QT_UK_NEON_STEP8(acc, a, w, k, u8, zpv)                                              \
  do {                                                                                       \
    int16x8_t xv_[QT_UK_MR];                                                                 \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) xv_[m] = vsubq_s16(           \
        (u8) ? vreinterpretq_s16_u16(vmovl_u8(vld1_u8((a)[m] + (k))))                        \
             : vmovl_s8(vld1_s8((const int8_t *)(a)[m] + (k))),                              \
        (zpv));                                                                              \
    QT_UK_NEON_LANE(acc, xv_, w, k, 0); QT_UK_NEON_LANE(acc, xv_, w, k, 1);                 \
    QT_UK_NEON_LANE(acc, xv_, w, k, 2); QT_UK_NEON_LANE(acc, xv_, w, k, 3);                 \
    QT_UK_NEON_LANE(acc, xv_, w, k, 4); QT_UK_NEON_LANE(acc, xv_, w, k, 5);                 \
    QT_UK_NEON_LANE(acc, xv_, w, k, 6); QT_UK_NEON_LANE(acc, xv_, w, k, 7);                 \
  } while (0)

static inline __attribute__((always_inline)) void qt_ukernel_gemm_k1__neon(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR], int u8, int32_t zp) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  int32x4_t acc[QT_UK_MR][2 * QT_UK_NEON_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < 2 * QT_UK_NEON_NV; v++) acc[m][v] =
          vld1q_s32(bias + 4 * v);
  const int16x8_t zpv = vdupq_n_s16((int16_t)zp);
  const size_t k_body = k_len & ~(size_t)7;
  size_t k = 0;
  /* KU k8-steps per iteration, unrolled by hand, the rest rolled; never unrolled further, so
   * ku alone decides */
  _Pragma("GCC unroll 1") for (; k + 8 * QT_UK_KU <= k_body; k += 8 * QT_UK_KU) {
    _Pragma(QT_UK_NEON_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
        QT_UK_NEON_STEP8(acc, a, w, k + 8 * (size_t)u, u8, zpv);
  }
  for (; k < k_body; k += 8) QT_UK_NEON_STEP8(acc, a, w, k, u8, zpv);
  /* K % 8 tail: one input at a time (SMLAL by a scalar), never reading past the row */
  for (; k < k_len; k++) {
    int16x8_t wv[QT_UK_NEON_NV];
    for (int v = 0; v < QT_UK_NEON_NV; v++) wv[v] = vld1q_s16(w + k * QT_UK_NR + 8 * v);
    for (int m = 0; m < QT_UK_MR; m++) {
      const int16_t x = (int16_t)((u8 ? (int32_t)a[m][k] : (int32_t)(int8_t)a[m][k]) - zp);
      for (int v = 0; v < QT_UK_NEON_NV; v++) {
        acc[m][2 * v] = vmlal_n_s16(acc[m][2 * v], vget_low_s16(wv[v]), x);
        acc[m][2 * v + 1] = vmlal_high_n_s16(acc[m][2 * v + 1], wv[v], x);
      }
    }
  }
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < 2 * QT_UK_NEON_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_K1__NEON_H */
