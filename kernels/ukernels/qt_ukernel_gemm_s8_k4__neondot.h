/* qt_ukernel_gemm_s8_k4__neondot.h — the GEMM micro-kernel of the gemm template's isa value
 * neondot (kernels/templates/gemm.c, QT_KNOB_ISA=4): one MR x NR tile of int32 accumulators
 * over the whole reduction with SDOT (armv8.2-a+dotprod), K blocked by 4, int8 (s8) only; and
 * its plain C twin, bit-exact with it, used where the compiler does not target dotprod (and
 * tested everywhere, qemu -cpu cortex-a53 included).
 *
 * Parameters at include time (the template's knobs): QT_UK_MR rows (1..8), QT_UK_NR columns
 * (a multiple of 4: one int32x4 accumulator holds 4 columns), QT_UK_KU unroll of the k4 loop,
 * QT_UK_LOAD the load order of a k4-step (0 = weights: its NR/4 weight vectors first, then
 * per row one input broadcast and its SDOTs; 1 = inputs: all MR broadcasts first, then per
 * weight vector its MR SDOTs), QT_UK_PIPE the software-pipelining depth (0 = none; P = the
 * operands of k4-step s + P are loaded before the SDOTs of step s, in P + 1 rotating register
 * sets). The twin ignores the last two: they only schedule the same arithmetic.
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias'[NR]   = bias - input_zp * sum_k w
 *   int8  w[ceil(K/4)][NR][4]                    zero for k >= K or past out_c
 * SDOT multiplies signed by signed bytes, so unlike VNNI no input shift is needed. Products
 * and the four-way sums fit int32; accumulation is modulo 2^32 in both forms.
 *
 * Each function: acc[m][j] = bias'[j] + sum_k a[m][k] * w[k][j] (a as int8), for a[] MR row
 * pointers of K bytes each (rows may repeat). Reads exactly K bytes of each row. */
#ifndef QT_UKERNEL_GEMM_S8_K4__NEONDOT_H
#define QT_UKERNEL_GEMM_S8_K4__NEONDOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_common.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU) || !defined(QT_UK_LOAD) ||   \
    !defined(QT_UK_PIPE)
#error "define QT_UK_MR, QT_UK_NR, QT_UK_KU, QT_UK_LOAD and QT_UK_PIPE before including this micro-kernel"
#endif
_Static_assert(QT_UK_LOAD == 0 || QT_UK_LOAD == 1, "QT_UK_LOAD: 0 weights, 1 inputs");
_Static_assert(QT_UK_PIPE >= 0 && QT_UK_PIPE <= 2, "QT_UK_PIPE: 0..2");
_Static_assert(QT_UK_NR % 4 == 0, "neondot micro-kernel: NR must be a multiple of 4");

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_gemm_s8_k4__neondot_c(const uint8_t *const a[QT_UK_MR],
                                                 const uint8_t *block, size_t k_len,
                                                 int32_t acc[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t k = 0; k < k_len; k += 4) {
    const size_t n = k_len - k < 4 ? k_len - k : 4;
    const int8_t *wk = w + (k / 4) * QT_UK_NR * 4;
    for (int m = 0; m < QT_UK_MR; m++) {
      const uint32_t x = qt_uk_word(a[m] + k, n);
      for (int j = 0; j < QT_UK_NR; j++)
        for (int t = 0; t < 4; t++)
          sum[m][j] += (uint32_t)((int32_t)(int8_t)(x >> (8 * t)) * (int32_t)wk[j * 4 + t]);
    }
  }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

/* The k loop's parameters (qt_ukernel_gemm_kloop.h): k4-steps of NR/4 int32x4 vectors. */
#define QT_UK_GK_KR 4
#define QT_UK_GK_NV (QT_UK_NR / 4)
#define QT_UK_GK_VU 8
#define QT_UK_GK_ACC int32x4_t
#define QT_UK_GK_WVEC int8x16_t
#define QT_UK_GK_XVEC int8x16_t
#define QT_UK_GK_WELEM int8_t
#define QT_UK_GK_REG "+w"
/* The input word of row m at k4-step k (n bytes), in every 32-bit lane. */
#define QT_UK_GK_X(a, m, k, n)                                                               \
  vreinterpretq_s8_u32(vdupq_n_u32(qt_uk_word((a)[m] + (k), (n))))
/* Weight vector v (4 columns x 4 k) of k4-step k. */
#define QT_UK_GK_W(w, k, v) vld1q_s8((w) + ((k) / 4) * QT_UK_NR * 4 + 16 * (v))
/* SDOT */
#define QT_UK_GK_MADD(acc, x, w) vdotq_s32((acc), (w), (x))
#include "qt_ukernel_gemm_kloop.h"

static inline __attribute__((always_inline)) void qt_ukernel_gemm_s8_k4__neondot(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t * w = (const int8_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  int32x4_t acc[QT_UK_MR][QT_UK_GK_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_GK_NV; v++) acc[m][v] = vld1q_s32(bias + 4 * v);
  qt_uk_gemm_kloop(acc, a, w, k_len, 0);
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_GK_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_S8_K4__NEONDOT_H */
