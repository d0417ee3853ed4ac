/* qt_ukernel_dwconv_k2__avx512.h — the depthwise micro-kernel of the dwconv template's isa
 * value avx512 (kernels/templates/dwconv.c, QT_KNOB_ISA=2): one TH x TW x CB tile of int32
 * accumulators over all kh x kw taps with 512-bit VPMADDWD (AVX-512 F+BW), taps taken in
 * pairs, both dtypes (s8 and u8); and its plain C twin, bit-exact with it, used where the
 * compiler does not target AVX-512 (and tested everywhere, qemu included).
 *
 * Form, per tap pair, output position and 32 channels: as qt_ukernel_dwconv_k2__avx2.h, on
 * twice the width: the two taps' 32 input bytes (ymm) interleaved byte-wise per 128-bit lane
 * (VPUNPCKLBW/HBW), each half widened to 16 int16 pairs in a zmm (VPMOVSXBW/VPMOVZXBW) and
 * VPMADDWD'ed against the packed weight pairs: 64 multiply-adds in 2 loads, 4 shuffles, 2
 * VPMADDWD and 2 VPADDD. The in-lane interleave leaves the low accumulator with channels
 * 0-7 and 16-23 and the high one with 8-15 and 24-31; the weights are packed in that order
 * and the accumulators are put back in channel order once per tile (2 VSHUFI64X2 per 32
 * channels), where the bias is added. Zen 4 executes 512-bit operations as two 256-bit
 * halves, so this form saves front-end slots and instructions rather than ALU cycles against
 * the avx2 value; which wins is measured per layer by the tuner.
 *
 * Parameters at include time: QT_UK_CB channels per block (a multiple of 32), QT_UK_TH x
 * QT_UK_TW output positions, QT_UK_KU tap pairs per iteration of the tap loop, QT_UK_LOAD
 * 0 = weights first, 1 = inputs first (as in the avx2 micro-kernel).
 *
 * Packed weights of one channel block (written by the template's pack()):
 *   int16 w[ceil(T/2)][CB/32][32][2]: pair slot s of a 32-channel chunk holds channel
 *         16 * g + 8 * h + r for s = 16 * h + 8 * g + r (the in-lane interleave order), as
 *         (w_t[c] - weight_zp, w_t+1[c] - weight_zp); zero for t >= T and past out_c.
 *   int32 bias'[CB] = bias - input_zp * sum_t (w_t - weight_zp), in channel order.
 * Exactness and padding: as the avx2 micro-kernel (products <= 255 * 255, pair sums
 * <= 130050, accumulation modulo 2^32; padded positions read input_zp, cancelled by bias').
 *
 * Each function: out[i][j][c] = bias'[c] + sum_t x_t(i, j, c) * w_t[c] for i < th, j < tw,
 * c < ceil(cn / 32) * 32 (channels past cn are don't-care but inside out[]), reading only
 * the cn input channels of each position. */
#ifndef QT_UKERNEL_DWCONV_K2__AVX512_H
#define QT_UKERNEL_DWCONV_K2__AVX512_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_dwconv_window.h"
_Static_assert(QT_UK_CB % 32 == 0, "avx512 dwconv micro-kernel: CB must be a multiple of 32");

/* Index in a block's packed weights of tap t, channel c. */
static inline size_t qt_ukernel_dwconv_k2__avx512_index(size_t t, size_t c) {
  const size_t slot = (c & ~(size_t)31) + ((c >> 3) & 1) * 16 + ((c >> 4) & 1) * 8 + (c & 7);
  return ((t / 2) * QT_UK_CB + slot) * 2 + t % 2;
}
/* Packed tap slots per block: taps rounded up to pairs. */
static inline size_t qt_ukernel_dwconv_k2__avx512_taps(size_t taps) { return (taps + 1) & ~(size_t)1; }

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler, any
 * depth multiplier. */
static inline void qt_ukernel_dwconv_k2__avx512_c(const qt_uk_dw_window *win, const int16_t *w,
                                                const int32_t *bias,
                                                int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                int th, int tw, int cn, int checked, int u8) {
  qt_uk_dw_twin(win, w, 2, qt_ukernel_dwconv_k2__avx512_index, 0, bias, out, th, tw, cn,
                checked, u8);
}

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

#define QT_UK_DWA5_NC (QT_UK_CB / 32) /* 32-channel chunks per block, 2 zmm accumulators each */

/* 32 input bytes at p, of which n are valid (n < 32 only in a block's last chunk, which must
 * not read past the pixel's channels: a masked load, whose masked-off bytes never fault). */
QT_UK_DW_INLINE __m256i qt_uk_dwa5_load(const uint8_t *p, int n) {
  if (n >= 32) return _mm256_loadu_si256((const __m256i *)(const void *)p);
  return _mm512_castsi512_si256(
      _mm512_maskz_loadu_epi8((__mmask64)((UINT64_C(1) << n) - 1), (const void *)p));
}

/* acc + the int16 pair products of a and b: VPDPWSSD where the compiler targets AVX-512 VNNI
 * (one instruction for VPMADDWD + VPADDD, the same sum modulo 2^32; on Zen 5, fp32, one
 * core: 112x112x32 depthwise 68 -> 53 us, 56x56x144 100 -> 87 us), else the two. */
#if defined(__AVX512VNNI__)
#define QT_UK_DWA5_DPWSSD(acc, a, b) _mm512_dpwssd_epi32((acc), (a), (b))
#else
#define QT_UK_DWA5_DPWSSD(acc, a, b) _mm512_add_epi32((acc), _mm512_madd_epi16((a), (b)))
#endif

/* acc[0], acc[1] += one chunk of the pair (x0, x1) against weight pairs wlo, whi. */
#define QT_UK_DWA5_MADD(acc, x0, x1, wlo, whi, u8)                                              \
  do {                                                                                          \
    const __m256i l_ = _mm256_unpacklo_epi8((x0), (x1)), h_ = _mm256_unpackhi_epi8((x0), (x1)); \
    const __m512i pl_ = (u8) ? _mm512_cvtepu8_epi16(l_) : _mm512_cvtepi8_epi16(l_);             \
    const __m512i ph_ = (u8) ? _mm512_cvtepu8_epi16(h_) : _mm512_cvtepi8_epi16(h_);             \
    (acc)[0] = QT_UK_DWA5_DPWSSD((acc)[0], pl_, (wlo));                                         \
    (acc)[1] = QT_UK_DWA5_DPWSSD((acc)[1], ph_, (whi));                                         \
  } while (0)

/* Weight pairs of chunk v of pair slot p (low and high accumulator's 16 channels). */
#define QT_UK_DWA5_W(w, p, v, h) \
  _mm512_loadu_si512((const void *)((w) + ((p) * QT_UK_CB + 32 * (v) + 16 * (h)) * 2))

/* KU tap pairs starting at pair slot p0 whose tap pointers are x[u][0|1][i][j]; one[u] marks
 * a pair with a single tap (the second reads as zero). Loop nest by QT_UK_LOAD. */
#if QT_UK_LOAD == 0
#define QT_UK_DWA5_PAIRS(acc, x, one, w, p0, nu, th, tw, cn, u8)                            \
  do {                                                                                      \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWA5_NC; v++) {                       \
      if (32 * v >= (cn)) break;                                                            \
      __m512i wl_[QT_UK_KU], wh_[QT_UK_KU];                                                 \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {              \
        wl_[u] = QT_UK_DWA5_W(w, (p0) + u, v, 0);                                           \
        wh_[u] = QT_UK_DWA5_W(w, (p0) + u, v, 1);                                           \
      }                                                                                     \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                           \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                     \
        if (i >= (th) || j >= (tw)) continue;                                               \
        _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {            \
          const __m256i a_ = qt_uk_dwa5_load((x)[u][0][i][j] + 32 * v, (cn) - 32 * v);      \
          const __m256i b_ = (one)[u] ? _mm256_setzero_si256()                              \
                                      : qt_uk_dwa5_load((x)[u][1][i][j] + 32 * v, (cn) - 32 * v); \
          QT_UK_DWA5_MADD((acc)[i][j] + 2 * v, a_, b_, wl_[u], wh_[u], u8);                 \
        }                                                                                   \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#else
#define QT_UK_DWA5_PAIRS(acc, x, one, w, p0, nu, th, tw, cn, u8)                            \
  do {                                                                                      \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                             \
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                       \
      if (i >= (th) || j >= (tw)) continue;                                                 \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++)                \
          _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWA5_NC; v++) {                 \
        if (32 * v >= (cn)) break;                                                          \
        const __m256i a_ = qt_uk_dwa5_load((x)[u][0][i][j] + 32 * v, (cn) - 32 * v);        \
        const __m256i b_ = (one)[u] ? _mm256_setzero_si256()                                \
                                    : qt_uk_dwa5_load((x)[u][1][i][j] + 32 * v, (cn) - 32 * v); \
        QT_UK_DWA5_MADD((acc)[i][j] + 2 * v, a_, b_, QT_UK_DWA5_W(w, (p0) + u, v, 0),       \
                        QT_UK_DWA5_W(w, (p0) + u, v, 1), u8);                               \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#endif

QT_UK_DW_INLINE void qt_ukernel_dwconv_k2__avx512(const qt_uk_dw_window *win, const int16_t *w,
                                                  const int32_t *bias,
                                                  int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                  int th, int tw, int cn, int checked, int u8) {
  __m512i acc[QT_UK_TH][QT_UK_TW][2 * QT_UK_DWA5_NC];
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 16") for (int v = 0; v < 2 * QT_UK_DWA5_NC; v++) acc[i][j][v] =
              _mm512_setzero_si512();
  QT_UK_DW_TAP_PAIRS(QT_UK_DWA5_PAIRS, acc, w, win, th, tw, cn, checked, u8);
  /* Back to channel order (lanes 0-1 of both accumulators, then lanes 2-3), plus the bias. */
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWA5_NC; v++) {
    if (i >= th || j >= tw || 32 * v >= cn) continue;
    const __m512i lo = _mm512_shuffle_i64x2(acc[i][j][2 * v], acc[i][j][2 * v + 1],
                                            _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i hi = _mm512_shuffle_i64x2(acc[i][j][2 * v], acc[i][j][2 * v + 1],
                                            _MM_SHUFFLE(3, 2, 3, 2));
    _mm512_storeu_si512((void *)(out[i][j] + 32 * v),
                        _mm512_add_epi32(lo, _mm512_loadu_si512((const void *)(bias + 32 * v))));
    _mm512_storeu_si512((void *)(out[i][j] + 32 * v + 16),
                        _mm512_add_epi32(hi, _mm512_loadu_si512((const void *)(bias + 32 * v + 16))));
  }
}
#endif

#endif /* QT_UKERNEL_DWCONV_K2__AVX512_H */
