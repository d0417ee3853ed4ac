/* qt_ukernel_gemm_s8_k4__neondot.h — the GEMM micro-kernel of the gemm template's isa value
 * neondot (kernels/templates/gemm.c, QT_KNOB_ISA=4): one MR x NR tile of int32 accumulators
 * over the whole reduction with SDOT (armv8.2-a+dotprod), K blocked by 4, int8 (s8) only; and
 * its plain C twin, bit-exact with it, used where the compiler does not target dotprod (and
 * tested everywhere, qemu -cpu cortex-a53 included).
 *
 * Parameters at include time (the template's knobs): QT_UK_MR rows (1..8), QT_UK_NR columns
 * (a multiple of 4: one int32x4 accumulator holds 4 columns), QT_UK_KU unroll of the k4 loop.
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

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 4 == 0, "neondot micro-kernel: NR must be a multiple of 4");

#define QT_UK_SDOT_STR_(x) #x
#define QT_UK_SDOT_STR(x) QT_UK_SDOT_STR_(x)

/* Input bytes k .. k + n - 1 of a row (n <= 4) as one little-endian word, zero above. */
static inline uint32_t qt_uk_sdot_word(const uint8_t *row, size_t k, size_t n) {
  uint32_t v = 0;
  memcpy(&v, row + k, n);
  return v;
}

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
      const uint32_t x = qt_uk_sdot_word(a[m], k, n);
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

#define QT_UK_SDOT_NV (QT_UK_NR / 4)

/* One k4 step: NV weight vectors (4 columns x 4 k each), then per row one broadcast of its 4
 * input bytes and NV SDOT. */
#define QT_UK_SDOT_STEP(acc, a, w, k, n)                                                     \
  do {                                                                                       \
    int8x16_t wv_[QT_UK_SDOT_NV];                                                            \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) wv_[v] =                 \
        vld1q_s8((w) + ((k) / 4) * QT_UK_NR * 4 + 16 * v);                                   \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {                             \
      const int8x16_t x_ =                                                                   \
          vreinterpretq_s8_u32(vdupq_n_u32(qt_uk_sdot_word((a)[m], (k), (n))));              \
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) (acc)[m][v] =          \
          vdotq_s32((acc)[m][v], wv_[v], x_);                                                \
    }                                                                                        \
  } while (0)

static inline __attribute__((always_inline)) void qt_ukernel_gemm_s8_k4__neondot(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  int32x4_t acc[QT_UK_MR][QT_UK_SDOT_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) acc[m][v] =
          vld1q_s32(bias + 4 * v);
  const size_t k_body = k_len & ~(size_t)3;
  size_t k = 0;
  /* KU k4-steps per iteration, unrolled by hand, the rest rolled; never unrolled further, so
   * ku alone decides */
  _Pragma("GCC unroll 1") for (; k + 4 * QT_UK_KU <= k_body; k += 4 * QT_UK_KU) {
    _Pragma(QT_UK_SDOT_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
        QT_UK_SDOT_STEP(acc, a, w, k + 4 * (size_t)u, 4);
  }
  for (; k < k_body; k += 4) QT_UK_SDOT_STEP(acc, a, w, k, 4);
  if (k < k_len) QT_UK_SDOT_STEP(acc, a, w, k, k_len - k);
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_S8_K4__NEONDOT_H */
