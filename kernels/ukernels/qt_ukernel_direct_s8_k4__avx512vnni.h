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
 * 0x80) as it is broadcast, unless the template flipped its copy of the input already
 * (QT_UK_DIRECT_FLIP, what the kernel XORs into each input word: 0x80808080 by default, 0
 * for a flipped copy), and the 128 * sum(w) that adds is already taken out of bias''.
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

#include "qt_ukernel_common.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU)
#error "define QT_UK_MR, QT_UK_NR and QT_UK_KU before including this micro-kernel"
#endif
#ifndef QT_UK_DIRECT_FLIP
#define QT_UK_DIRECT_FLIP UINT32_C(0x80808080)
#endif
_Static_assert(QT_UK_NR % 16 == 0, "avx512vnni micro-kernel: NR must be a multiple of 16");

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
        const uint32_t x = qt_uk_word(a[m] + r * step + s, n) ^ QT_UK_DIRECT_FLIP;
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

/* The row loop's parameters (qt_ukernel_direct_rows.h): k4-steps of NR/16 zmm vectors. */
#define QT_UK_DR_KR 4
#define QT_UK_DR_NV (QT_UK_NR / 16)
#define QT_UK_DR_VU 4
#define QT_UK_DR_ACC __m512i
#define QT_UK_DR_WVEC __m512i
#define QT_UK_DR_XVEC __m512i
#define QT_UK_DR_WELEM int8_t
#define QT_UK_DR_WS(wr, s, u) ((wr) + ((s) / 4 + (size_t)(u)) * QT_UK_NR * 4)
#define QT_UK_DR_W(ws, v) _mm512_loadu_si512((const void *)((ws) + (v) * 64))
/* the 4 input bytes flipped to x + 128, in every lane (already flipped: a broadcast load) */
#if QT_UK_DIRECT_FLIP
#define QT_UK_DR_X(p, n)                                         \
  _mm512_xor_si512(_mm512_set1_epi32((int)qt_uk_word((p), (n))), \
                   _mm512_set1_epi32((int)QT_UK_DIRECT_FLIP))
#else
#define QT_UK_DR_X(p, n) _mm512_set1_epi32((int)qt_uk_word((p), (n)))
#endif
/* VPDPBUSD */
#define QT_UK_DR_MADD(acc, x, w) _mm512_dpbusd_epi32((acc), (x), (w))
#include "qt_ukernel_direct_rows.h"

static inline __attribute__((always_inline)) void qt_ukernel_direct_s8_k4__avx512vnni(
    const uint8_t *const a[QT_UK_MR], size_t step, size_t rows, size_t seg,
    const uint8_t *block, int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  __m512i acc[QT_UK_MR][QT_UK_DR_NV];
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DR_NV; v++) acc[m][v] =
          _mm512_loadu_si512((const void *)(bias + 16 * v));
  qt_uk_direct_rows(acc, a, step, rows, seg, w, 0);
  _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DR_NV; v++)
          _mm512_storeu_si512((void *)(acc_out[m] + 16 * v), acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_DIRECT_S8_K4__AVX512VNNI_H */
