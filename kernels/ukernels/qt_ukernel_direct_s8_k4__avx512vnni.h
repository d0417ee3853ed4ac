/* qt_ukernel_direct_s8_k4__avx512vnni.h — the micro-kernel of the direct template's isa value
 * avx512vnni (kernels/templates/direct.c, QT_KNOB_ISA=2): one tile of MR output pixels x NR
 * output channels of int32 accumulators over the whole kh x kw x in_c patch with VPDPBUSD,
 * each kernel row's kw * in_c bytes (contiguous in NHWC) blocked by 4, int8 (s8) only; and
 * its plain C twin, bit-exact with it, used where the compiler does not target AVX-512 VNNI
 * (and tested everywhere, qemu included).
 *
 * Parameters at include time (the template's knobs, so every loop has constant bounds and the
 * accumulators stay in registers): QT_UK_MR pixels (1..16), QT_UK_NR channels (a multiple of
 * 16: one zmm holds 16 int32 lanes), QT_UK_KU unroll of the k4 loop within a kernel row.
 *
 * Packed channel block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias''[NR]  = bias - (input_zp + 128) * sum_k w        (the +128 fold)
 *   int8  w[rows][ceil(seg/4)][NR][4]     row r's byte s at [r][s/4][j][s%4]; zero for
 *                                         s >= seg or past out_c
 * VPDPBUSD multiplies unsigned by signed bytes: every input byte is flipped to x + 128 (XOR
 * 0x80) as it is broadcast, and the 128 * sum(w) that adds is already taken out of bias''.
 * The hardware adds the four products and the accumulator modulo 2^32 (no saturation), which
 * the twin reproduces with uint32 arithmetic.
 *
 * Each function: acc[m][j] = bias''[j] + sum_r sum_s (a[m][r * step + s] + 128) * w[r][s][j]
 * for r < rows, s < seg: a[] MR pixel pointers (may repeat), each at its first kernel row,
 * `step` bytes between its kernel rows (the image's dilated row pitch, or a gathered copy's).
 * Reads exactly seg bytes of each row: the seg % 4 tail is assembled byte by byte, so a row
 * ending at the end of the input never reads past it. */
#ifndef QT_UKERNEL_DIRECT_S8_K4__AVX512VNNI_H
#define QT_UKERNEL_DIRECT_S8_K4__AVX512VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 16 == 0, "avx512vnni micro-kernel: NR must be a multiple of 16");

#define QT_UK_DVNNI_STR_(x) #x
#define QT_UK_DVNNI_STR(x) QT_UK_DVNNI_STR_(x)

/* Bytes p[0 .. n - 1] (n <= 4) as one little-endian word, zero above. */
static inline uint32_t qt_uk_dvnni_word(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  memcpy(&v, p, n);
  return v;
}

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_direct_s8_k4__avx512vnni_c(const uint8_t *const a[QT_UK_MR],
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
        const uint32_t x = qt_uk_dvnni_word(a[m] + r * step + s, n) ^ UINT32_C(0x80808080);
        for (int j = 0; j < QT_UK_NR; j++)
          for (int t = 0; t < 4; t++)
            sum[m][j] += (uint32_t)((int32_t)((x >> (8 * t)) & 0xff) * (int32_t)ws[j * 4 + t]);
      }
    }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#include <immintrin.h>

#define QT_UK_DVNNI_NV (QT_UK_NR / 16)

/* One k4 step at byte s of kernel row r (n bytes): NV weight vectors, then per pixel one
 * broadcast of its 4 flipped input bytes and NV VPDPBUSD (each weight vector reused MR
 * times). */
#define QT_UK_DVNNI_STEP(acc, a, off, ws, n)                                                 \
  do {                                                                                       \
    __m512i wv_[QT_UK_DVNNI_NV];                                                             \
    _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DVNNI_NV; v++) wv_[v] =                \
        _mm512_loadu_si512((const void *)((ws) + v * 64));                                   \
    _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++) {                            \
      const __m512i x_ = _mm512_xor_si512(                                                   \
          _mm512_set1_epi32((int)qt_uk_dvnni_word((a)[m] + (off), (n))), flip_);             \
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DVNNI_NV; v++) (acc)[m][v] =         \
          _mm512_dpbusd_epi32((acc)[m][v], x_, wv_[v]);                                      \
    }                                                                                        \
  } while (0)

static inline __attribute__((always_inline)) void qt_ukernel_direct_s8_k4__avx512vnni(
    const uint8_t *const a[QT_UK_MR], size_t step, size_t rows, size_t seg,
    const uint8_t *block, int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  const size_t seg_body = seg & ~(size_t)3, row_bytes = (seg + 3) / 4 * QT_UK_NR * 4;
  const __m512i flip_ = _mm512_set1_epi32((int)UINT32_C(0x80808080));
  __m512i acc[QT_UK_MR][QT_UK_DVNNI_NV];
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DVNNI_NV; v++) acc[m][v] =
          _mm512_loadu_si512((const void *)(bias + 16 * v));
  for (size_t r = 0; r < rows; r++) {
    const int8_t *wr = w + r * row_bytes;
    const size_t base = r * step;
    size_t s = 0;
    /* KU k4-steps per iteration, unrolled by hand, the rest rolled. The loop itself is never
     * unrolled further, not even completely for a short constant row: ku alone decides, so
     * each of its values is different code. */
    _Pragma("GCC unroll 1") for (; s + 4 * QT_UK_KU <= seg_body; s += 4 * QT_UK_KU) {
      _Pragma(QT_UK_DVNNI_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
          QT_UK_DVNNI_STEP(acc, a, base + s + 4 * (size_t)u, wr + (s / 4 + (size_t)u) * QT_UK_NR * 4, 4);
    }
    for (; s < seg_body; s += 4) QT_UK_DVNNI_STEP(acc, a, base + s, wr + s / 4 * QT_UK_NR * 4, 4);
    if (s < seg) QT_UK_DVNNI_STEP(acc, a, base + s, wr + s / 4 * QT_UK_NR * 4, seg - s);
  }
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DVNNI_NV; v++)
          _mm512_storeu_si512((void *)(acc_out[m] + 16 * v), acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_DIRECT_S8_K4__AVX512VNNI_H */
