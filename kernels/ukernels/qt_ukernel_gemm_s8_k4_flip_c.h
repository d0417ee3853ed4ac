/* qt_ukernel_gemm_s8_k4_flip_c.h — the plain C twin of the gemm micro-kernels that multiply
 * inputs flipped to x + 128 (unsigned) by signed weight bytes, four products per 32-bit lane,
 * added modulo 2^32: VPDPBUSD (avx512vnni) and vrmpy u8 x s8 (hvx) compute the same sums on
 * the same packed column block, so their twins are this one function. Parameters at include
 * time: QT_UK_MR, QT_UK_NR. flip: what the kernel XORs into each input word, 0x80808080 where
 * it flips the rows as it reads them (hvx), 0 where the template flipped them already
 * (avx512vnni reads rows of x ^ 0x80 from scratch); the sums are the same.
 *
 * Packed column block: int32 bias''[NR] = bias - (input_zp + 128) * sum_k w, then int8
 * w[ceil(K/4)][NR][4], zero for k >= K or past out_c. acc[m][j] = bias''[j] +
 * sum_k (x[m][k] + 128) * w[k][j], x the rows' bytes as int8 (a[m][k] ^ flip's byte is
 * x + 128 as uint8); reads exactly K bytes of each row. The uint32 sums equal
 * the true sum whenever it fits int32, as it does for every accumulator the reference can
 * produce. */
#ifndef QT_UKERNEL_GEMM_S8_K4_FLIP_C_H
#define QT_UKERNEL_GEMM_S8_K4_FLIP_C_H

#include <stddef.h>
#include <stdint.h>

#include "qt_ukernel_common.h"

static inline void qt_uk_gemm_s8_k4_flip_c(const uint8_t *const a[QT_UK_MR], const uint8_t *block,
                                           size_t k_len, int32_t acc[QT_UK_MR][QT_UK_NR],
                                           uint32_t flip) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t k = 0; k < k_len; k += 4) {
    const size_t n = k_len - k < 4 ? k_len - k : 4;
    const int8_t *wk = w + (k / 4) * QT_UK_NR * 4;
    for (int m = 0; m < QT_UK_MR; m++) {
      const uint32_t x = qt_uk_word(a[m] + k, n) ^ flip;
      for (int j = 0; j < QT_UK_NR; j++)
        for (int t = 0; t < 4; t++)
          sum[m][j] += (uint32_t)((int32_t)((x >> (8 * t)) & 0xff) * (int32_t)wk[j * 4 + t]);
    }
  }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#endif /* QT_UKERNEL_GEMM_S8_K4_FLIP_C_H */
