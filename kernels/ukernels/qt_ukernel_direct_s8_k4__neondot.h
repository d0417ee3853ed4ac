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

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 4 == 0, "neondot micro-kernel: NR must be a multiple of 4");

#define QT_UK_DSDOT_STR_(x) #x
#define QT_UK_DSDOT_STR(x) QT_UK_DSDOT_STR_(x)

/* Bytes p[0 .. n - 1] (n <= 4) as one little-endian word, zero above. */
static inline uint32_t qt_uk_dsdot_word(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  memcpy(&v, p, n);
  return v;
}

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
        const uint32_t x = qt_uk_dsdot_word(a[m] + r * step + s, n);
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

#define QT_UK_DSDOT_NV (QT_UK_NR / 4)

/* One k4 step at byte offset off (n bytes): NV weight vectors (4 channels x 4 bytes each),
 * then per pixel one broadcast of its 4 input bytes and NV SDOT. */
#define QT_UK_DSDOT_STEP(acc, a, off, ws, n)                                                 \
  do {                                                                                       \
    int8x16_t wv_[QT_UK_DSDOT_NV];                                                           \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DSDOT_NV; v++) wv_[v] =                \
        vld1q_s8((ws) + 16 * v);                                                             \
    _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++) {                            \
      const int8x16_t x_ =                                                                   \
          vreinterpretq_s8_u32(vdupq_n_u32(qt_uk_dsdot_word((a)[m] + (off), (n))));          \
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DSDOT_NV; v++) (acc)[m][v] =         \
          vdotq_s32((acc)[m][v], wv_[v], x_);                                                \
    }                                                                                        \
  } while (0)

static inline __attribute__((always_inline)) void qt_ukernel_direct_s8_k4__neondot(
    const uint8_t *const a[QT_UK_MR], size_t step, size_t rows, size_t seg,
    const uint8_t *block, int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  const size_t seg_body = seg & ~(size_t)3, row_bytes = (seg + 3) / 4 * QT_UK_NR * 4;
  int32x4_t acc[QT_UK_MR][QT_UK_DSDOT_NV];
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DSDOT_NV; v++) acc[m][v] =
          vld1q_s32(bias + 4 * v);
  for (size_t r = 0; r < rows; r++) {
    const int8_t *wr = w + r * row_bytes;
    const size_t base = r * step;
    size_t s = 0;
    /* KU k4-steps per iteration, unrolled by hand, the rest rolled; never unrolled further,
     * so ku alone decides */
    _Pragma("GCC unroll 1") for (; s + 4 * QT_UK_KU <= seg_body; s += 4 * QT_UK_KU) {
      _Pragma(QT_UK_DSDOT_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
          QT_UK_DSDOT_STEP(acc, a, base + s + 4 * (size_t)u, wr + (s / 4 + (size_t)u) * QT_UK_NR * 4, 4);
    }
    for (; s < seg_body; s += 4) QT_UK_DSDOT_STEP(acc, a, base + s, wr + s / 4 * QT_UK_NR * 4, 4);
    if (s < seg) QT_UK_DSDOT_STEP(acc, a, base + s, wr + s / 4 * QT_UK_NR * 4, seg - s);
  }
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DSDOT_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_DIRECT_S8_K4__NEONDOT_H */
