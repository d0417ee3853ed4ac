/* qt_ukernel_gemm_s8_k4__avx512vnni.h — the GEMM micro-kernel of the gemm template's isa
 * value avx512vnni (kernels/templates/gemm.c, QT_KNOB_ISA=2): one MR x NR tile of int32
 * accumulators over the whole reduction with VPDPBUSD, K blocked by 4, int8 (s8) only; and
 * its plain C twin, bit-exact with it, used where the compiler does not target AVX-512 VNNI
 * (and tested everywhere, qemu included).
 *
 * Parameters at include time (the template's knobs, so every loop has constant bounds and the
 * accumulators stay in registers): QT_UK_MR rows (1..8), QT_UK_NR columns (a multiple of 16:
 * one zmm holds 16 int32 lanes), QT_UK_KU unroll of the k4 loop.
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias''[NR]  = bias - (input_zp + 128) * sum_k w        (the +128 fold)
 *   int8  w[ceil(K/4)][NR][4]                                    zero for k >= K or past out_c
 * VPDPBUSD multiplies unsigned by signed bytes: every input byte is flipped to x + 128 (XOR
 * 0x80) as it is broadcast, and the 128 * sum(w) that adds is already taken out of bias''.
 * The hardware adds the four products and the accumulator modulo 2^32 (no saturation), which
 * the twin reproduces with uint32 arithmetic: both equal the true sum whenever it fits int32,
 * as it does for every accumulator the reference can produce.
 *
 * Each function: acc[m][j] = bias''[j] + sum_k (a[m][k] + 128) * w[k][j], for a[] MR row
 * pointers of K input bytes each (rows may repeat), block the packed column block. Reads
 * exactly K bytes of each row (the K % 4 tail is assembled byte by byte). */
#ifndef QT_UKERNEL_GEMM_S8_K4__AVX512VNNI_H
#define QT_UKERNEL_GEMM_S8_K4__AVX512VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 16 == 0, "avx512vnni micro-kernel: NR must be a multiple of 16");

#define QT_UK_VNNI_STR_(x) #x
#define QT_UK_VNNI_STR(x) QT_UK_VNNI_STR_(x)

/* Input bytes k .. k + n - 1 of a row (n <= 4) as one little-endian word, zero above. */
static inline uint32_t qt_uk_vnni_word(const uint8_t *row, size_t k, size_t n) {
  uint32_t v = 0;
  memcpy(&v, row + k, n);
  return v;
}

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_gemm_s8_k4__avx512vnni_c(const uint8_t *const a[QT_UK_MR],
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
      const uint32_t x = qt_uk_vnni_word(a[m], k, n) ^ UINT32_C(0x80808080);
      for (int j = 0; j < QT_UK_NR; j++)
        for (int t = 0; t < 4; t++)
          sum[m][j] += (uint32_t)((int32_t)((x >> (8 * t)) & 0xff) * (int32_t)wk[j * 4 + t]);
    }
  }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#include <immintrin.h>

#define QT_UK_VNNI_NV (QT_UK_NR / 16)

/* One k4 step: NV weight vectors, then per row one broadcast of its 4 flipped input bytes
 * and NV VPDPBUSD (weights loaded first, each reused MR times). */
#define QT_UK_VNNI_STEP(acc, a, w, k, n)                                                     \
  do {                                                                                       \
    __m512i wv_[QT_UK_VNNI_NV];                                                              \
    _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_VNNI_NV; v++) wv_[v] =                 \
        _mm512_loadu_si512((const void *)((w) + ((k) / 4) * QT_UK_NR * 4 + v * 64));         \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {                             \
      const __m512i x_ = _mm512_set1_epi32(                                                  \
          (int)(qt_uk_vnni_word((a)[m], (k), (n)) ^ UINT32_C(0x80808080)));                  \
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_VNNI_NV; v++) (acc)[m][v] =          \
          _mm512_dpbusd_epi32((acc)[m][v], x_, wv_[v]);                                      \
    }                                                                                        \
  } while (0)

static inline __attribute__((always_inline)) void qt_ukernel_gemm_s8_k4__avx512vnni(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  __m512i acc[QT_UK_MR][QT_UK_VNNI_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_VNNI_NV; v++) acc[m][v] =
          _mm512_loadu_si512((const void *)(bias + 16 * v));
  const size_t k_body = k_len & ~(size_t)3;
  size_t k = 0;
  /* KU k4-steps per iteration, unrolled by hand, the rest rolled. The loop itself is never
   * unrolled further, not even completely for a short constant K: ku alone decides, so each
   * of its values is different code. */
  _Pragma("GCC unroll 1") for (; k + 4 * QT_UK_KU <= k_body; k += 4 * QT_UK_KU) {
    _Pragma(QT_UK_VNNI_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
        QT_UK_VNNI_STEP(acc, a, w, k + 4 * (size_t)u, 4);
  }
  for (; k < k_body; k += 4) QT_UK_VNNI_STEP(acc, a, w, k, 4);
  if (k < k_len) QT_UK_VNNI_STEP(acc, a, w, k, k_len - k);
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_VNNI_NV; v++)
          _mm512_storeu_si512((void *)(acc_out[m] + 16 * v), acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_S8_K4__AVX512VNNI_H */
