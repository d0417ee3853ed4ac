/* qt_ukernel_gemm_i16_twin.h — the plain C twin loop of the gemm micro-kernels that widen
 * inputs to int16 against int16 weights (neon k1, avx2 k2, dsp k4): they differ only in how
 * many k values a packed weight group holds (kr) and where weight k % kr of a column sits in
 * its group (slot), so their twins are this one function with those two. Parameters at
 * include time: QT_UK_MR, QT_UK_NR.
 *
 * Packed column block: int32 bias[NR], then int16 w[ceil(K/kr)][NR][kr] (weight k of column
 * j at (k / kr) * NR * kr + kr * j + slot(k % kr)). acc[m][j] = bias[j] + sum_k (x(a[m][k]) -
 * zp) * w[k][j] modulo 2^32, x the byte as int8 (u8 = 0) or uint8; reads exactly K bytes of
 * each row. wide = 1: the rows are int16, already widened by the template (gemm's apack=pack),
 * and x is element k as it is. Product by product: a kernel that adds a group's products in
 * int32 first (VPMADDWD, SMLAD) gets the same sums modulo 2^32. */
#ifndef QT_UKERNEL_GEMM_I16_TWIN_H
#define QT_UKERNEL_GEMM_I16_TWIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void qt_uk_gemm_i16_twin(const uint8_t *const a[QT_UK_MR], const uint8_t *block,
                                       size_t k_len, int32_t acc[QT_UK_MR][QT_UK_NR], int u8,
                                       int32_t zp, size_t kr, size_t (*slot)(size_t),
                                       int wide) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t k = 0; k < k_len; k++) {
    const int16_t *wk = w + (k / kr) * QT_UK_NR * kr + slot(k % kr);
    for (int m = 0; m < QT_UK_MR; m++) {
      int16_t xw = 0;
      if (wide) memcpy(&xw, a[m] + 2 * k, sizeof xw);
      const int32_t x = (wide ? xw : u8 ? (int32_t)a[m][k] : (int32_t)(int8_t)a[m][k]) - zp;
      for (int j = 0; j < QT_UK_NR; j++) sum[m][j] += (uint32_t)(x * wk[kr * (size_t)j]);
    }
  }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

/* The slot of a layout that keeps a group's weights in k order. */
static inline size_t qt_uk_gemm_slot_in_order(size_t r) { return r; }

#endif /* QT_UKERNEL_GEMM_I16_TWIN_H */
