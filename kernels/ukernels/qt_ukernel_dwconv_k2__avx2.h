/* qt_ukernel_dwconv_k2__avx2.h — the depthwise micro-kernel of the dwconv template's isa value
 * avx2 (kernels/templates/dwconv.c, QT_KNOB_ISA=1): one TH x TW x CB tile of int32
 * accumulators over all kh x kw taps with VPMADDWD, taps taken in pairs, both dtypes (s8 and
 * u8); and its plain C twin, bit-exact with it, used where the compiler does not target AVX2
 * (and tested everywhere, qemu included).
 *
 * Form, per tap pair, output position and 16 channels: the two taps' 16 input bytes are
 * interleaved byte-wise (VPUNPCKLBW/HBW, x0[c] next to x1[c]), each half widened to 8 int16
 * pairs (VPMOVSXBW for s8, VPMOVZXBW for u8) and VPMADDWD'ed against the packed weight pairs
 * (w_t0[c], w_t1[c]): 32 multiply-adds in 2 loads, 4 shuffles, 2 VPMADDWD and 2 VPADDD. The
 * plain C template needs a widening load, a VPMULLD and a VPADDD per 8 multiply-adds and
 * tap (VPMULLD is 2 uops on Zen 4). Interleaving before widening (not VPUNPCKLWD after it)
 * keeps the channels in natural order in every lane, so nothing is permuted at the end.
 * VPMADDUBSW is not used: it saturates its pair sums (255 * 127 * 2 > 32767).
 *
 * Parameters at include time (the template's knobs, so the tile loops have constant bounds
 * and the accumulators stay in registers): QT_UK_CB channels per block (a multiple of 16),
 * QT_UK_TH x QT_UK_TW output positions, QT_UK_KU tap pairs per iteration of the tap loop,
 * QT_UK_LOAD 0 = weights first (each pair's weight vectors are loaded once per 16 channels and
 * applied to every position), 1 = inputs first (positions outermost, the weights are memory
 * operands of VPMADDWD, re-read per position from L1).
 *
 * Packed weights of one channel block (written by the template's pack()):
 *   int16 w[ceil(T/2)][CB][2] = (w_t[c] - weight_zp, w_t+1[c] - weight_zp), T = kh * kw taps
 *                               in row-major order; zero for t >= T and past out_c.
 *   int32 bias'[CB] = bias - input_zp * sum_t (w_t - weight_zp)    (the zero point folded)
 * Padded positions read input_zp bytes (the window's zrow), which the folded bias cancels.
 * Every product is at most 255 * 255 in magnitude and a pair sum at most 130050: VPMADDWD
 * is exact; accumulation is modulo 2^32 in both forms.
 *
 * Each function: out[i][j][c] = bias'[c] + sum_t x_t(i, j, c) * w_t[c] for i < th, j < tw,
 * c < ceil(cn / 16) * 16 (channels past cn are don't-care but inside out[]), reading only
 * the cn input channels of each position. */
#ifndef QT_UKERNEL_DWCONV_K2__AVX2_H
#define QT_UKERNEL_DWCONV_K2__AVX2_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_dwconv_window.h"
_Static_assert(QT_UK_CB % 16 == 0, "avx2 dwconv micro-kernel: CB must be a multiple of 16");

/* Index in a block's packed weights of tap t, channel c. */
static inline size_t qt_ukernel_dwconv_k2__avx2_index(size_t t, size_t c) {
  return ((t / 2) * QT_UK_CB + c) * 2 + t % 2;
}
/* Packed tap slots per block: taps rounded up to pairs. */
static inline size_t qt_ukernel_dwconv_k2__avx2_taps(size_t taps) { return (taps + 1) & ~(size_t)1; }

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler, any
 * depth multiplier. */
static inline void qt_ukernel_dwconv_k2__avx2_c(const qt_uk_dw_window *win, const int16_t *w,
                                                const int32_t *bias,
                                                int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                int th, int tw, int cn, int checked, int u8) {
  qt_uk_dw_twin(win, w, 2, qt_ukernel_dwconv_k2__avx2_index, 0, bias, out, th, tw, cn,
                checked, u8);
}

#if defined(__AVX2__)
#include <immintrin.h>

#define QT_UK_DWA2_NC (QT_UK_CB / 16) /* 16-channel chunks per block, 2 ymm accumulators each */

/* 16 input bytes at p, of which n are valid (n < 16 only in a block's last chunk, which must
 * not read past the pixel's channels). */
QT_UK_DW_INLINE __m128i qt_uk_dwa2_load(const uint8_t *p, int n) {
  if (n >= 16) return _mm_loadu_si128((const __m128i *)(const void *)p);
  uint8_t tmp[16];
  qt_uk_dw_load_part(tmp, p, n);
  return _mm_loadu_si128((const __m128i *)(const void *)tmp);
}

/* acc[2v], acc[2v+1] += chunk v of the pair (x0, x1) against weight pairs wlo, whi. */
#define QT_UK_DWA2_MADD(acc, x0, x1, wlo, whi, u8)                                          \
  do {                                                                                     \
    const __m128i l_ = _mm_unpacklo_epi8((x0), (x1)), h_ = _mm_unpackhi_epi8((x0), (x1)); \
    const __m256i pl_ = (u8) ? _mm256_cvtepu8_epi16(l_) : _mm256_cvtepi8_epi16(l_);       \
    const __m256i ph_ = (u8) ? _mm256_cvtepu8_epi16(h_) : _mm256_cvtepi8_epi16(h_);       \
    (acc)[0] = _mm256_add_epi32((acc)[0], _mm256_madd_epi16(pl_, (wlo)));                  \
    (acc)[1] = _mm256_add_epi32((acc)[1], _mm256_madd_epi16(ph_, (whi)));                  \
  } while (0)

/* Weight pairs of chunk v of pair slot p (low and high 8 channels). */
#define QT_UK_DWA2_W(w, p, v, h) \
  _mm256_loadu_si256((const __m256i *)(const void *)((w) + ((p) * QT_UK_CB + 16 * (v) + 8 * (h)) * 2))

/* KU tap pairs starting at pair slot p0 whose tap pointers are x[u][0|1][i][j]; one[u] marks
 * a pair with a single tap (the second reads as zero). Loop nest by QT_UK_LOAD. */
#if QT_UK_LOAD == 0
#define QT_UK_DWA2_PAIRS(acc, x, one, w, p0, nu, th, tw, cn, u8)                            \
  do {                                                                                      \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWA2_NC; v++) {                       \
      if (16 * v >= (cn)) break;                                                            \
      __m256i wl_[QT_UK_KU], wh_[QT_UK_KU];                                                 \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {              \
        wl_[u] = QT_UK_DWA2_W(w, (p0) + u, v, 0);                                           \
        wh_[u] = QT_UK_DWA2_W(w, (p0) + u, v, 1);                                           \
      }                                                                                     \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                           \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                     \
        if (i >= (th) || j >= (tw)) continue;                                               \
        _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {            \
          const __m128i a_ = qt_uk_dwa2_load((x)[u][0][i][j] + 16 * v, (cn) - 16 * v);      \
          const __m128i b_ = (one)[u] ? _mm_setzero_si128()                                 \
                                      : qt_uk_dwa2_load((x)[u][1][i][j] + 16 * v, (cn) - 16 * v); \
          QT_UK_DWA2_MADD((acc)[i][j] + 2 * v, a_, b_, wl_[u], wh_[u], u8);                 \
        }                                                                                   \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#else
#define QT_UK_DWA2_PAIRS(acc, x, one, w, p0, nu, th, tw, cn, u8)                            \
  do {                                                                                      \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                             \
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                       \
      if (i >= (th) || j >= (tw)) continue;                                                 \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++)                \
          _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWA2_NC; v++) {                 \
        if (16 * v >= (cn)) break;                                                          \
        const __m128i a_ = qt_uk_dwa2_load((x)[u][0][i][j] + 16 * v, (cn) - 16 * v);        \
        const __m128i b_ = (one)[u] ? _mm_setzero_si128()                                   \
                                    : qt_uk_dwa2_load((x)[u][1][i][j] + 16 * v, (cn) - 16 * v); \
        QT_UK_DWA2_MADD((acc)[i][j] + 2 * v, a_, b_, QT_UK_DWA2_W(w, (p0) + u, v, 0),       \
                        QT_UK_DWA2_W(w, (p0) + u, v, 1), u8);                               \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#endif

QT_UK_DW_INLINE void qt_ukernel_dwconv_k2__avx2(const qt_uk_dw_window *win, const int16_t *w,
                                                const int32_t *bias,
                                                int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                int th, int tw, int cn, int checked, int u8) {
  __m256i acc[QT_UK_TH][QT_UK_TW][2 * QT_UK_DWA2_NC];
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 16") for (int v = 0; v < 2 * QT_UK_DWA2_NC; v++) acc[i][j][v] =
              _mm256_loadu_si256((const __m256i *)(const void *)(bias + 8 * v));
  QT_UK_DW_TAP_PAIRS(QT_UK_DWA2_PAIRS, acc, w, win, th, tw, cn, checked, u8);
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 16") for (int v = 0; v < 2 * QT_UK_DWA2_NC; v++) {
    if (i < th && j < tw && 8 * v < cn)
      _mm256_storeu_si256((__m256i *)(void *)(out[i][j] + 8 * v), acc[i][j][v]);
  }
}
#endif

#endif /* QT_UKERNEL_DWCONV_K2__AVX2_H */
