/* qt_ukernel_dwconv_window.h — what the dwconv micro-kernels (qt_ukernel_dwconv_*.h) share:
 * where a tile's taps read. The template (kernels/templates/dwconv.c) fills a window per
 * tile; a micro-kernel walks the taps with qt_uk_dw_next and takes each tap's input pointers
 * for the tile's positions with QT_UK_DW_TAP_PTRS. Needs QT_UK_TH and QT_UK_TW (the tile) at
 * the point of use. */
#ifndef QT_UKERNEL_DWCONV_WINDOW_H
#define QT_UKERNEL_DWCONV_WINDOW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_common.h"

#if defined(__GNUC__)
#define QT_UK_DW_INLINE static inline __attribute__((always_inline))
#else
#define QT_UK_DW_INLINE static inline
#endif
/* Where a tile's taps read (shared by the dwconv micro-kernels). Unchecked tiles read only
 * inside x's buffer; checked ones read zrow for positions outside the image. */
typedef struct qt_uk_dw_window {
  const uint8_t *x;     /* unchecked: tap (0,0) of output (0,0); checked: image pixel (0,0);
                           both at the block's first input channel */
  const uint8_t *zrow;  /* checked: CB + 1 bytes of input_zp, read for outside positions */
  ptrdiff_t rs, ps;     /* bytes per row and per pixel of x's buffer */
  int32_t y0, x0;       /* checked: image row and column of tap (0,0) of output (0,0) */
  int32_t ih, iw;       /* checked: image size */
  int32_t sh, sw, dh, dw, kh, kw;
  int32_t c0, dm;       /* first output channel, depth multiplier (twins; 1 for intrinsics) */
  int32_t zp;           /* input zero point */
} qt_uk_dw_window;

/* A tap: its kernel row and column, and (unchecked) its byte offset from tap (0,0). */
typedef struct qt_uk_dw_tapc {
  int32_t ky, kx;
  ptrdiff_t off;
} qt_uk_dw_tapc;

/* Input of tap k at tile position (i, j), at the block's first input channel. */
QT_UK_DW_INLINE const uint8_t *qt_uk_dw_tap(const qt_uk_dw_window *w, int i, int j,
                                            qt_uk_dw_tapc k, int checked) {
  const ptrdiff_t pos = (ptrdiff_t)i * w->sh * w->rs + (ptrdiff_t)j * w->sw * w->ps;
  if (!checked) return w->x + k.off + pos;
  const int32_t iy = w->y0 + i * w->sh + k.ky * w->dh, ix = w->x0 + j * w->sw + k.kx * w->dw;
  if ((uint32_t)iy < (uint32_t)w->ih && (uint32_t)ix < (uint32_t)w->iw)
    return w->x + (ptrdiff_t)iy * w->rs + (ptrdiff_t)ix * w->ps;
  return w->zrow;
}

/* Input element of output channel c0 + e at a tap pointer (depth multiplier dm). */
static inline int32_t qt_uk_dw_x(const qt_uk_dw_window *w, const uint8_t *p, int e, int u8) {
  const int32_t idx = w->dm == 1 ? e : (w->c0 + e) / w->dm - w->c0 / w->dm;
  return u8 ? (int32_t)p[idx] : (int32_t)(int8_t)p[idx];
}

/* Pointers of tap k for every position of a th x tw tile into xp[TH][TW] (positions past th,
 * tw get one that is never read). A checked tile first tests the corners of the tap's
 * footprint: when they are inside the image (most taps, even at the border) the pointers
 * are computed as in an unchecked tile, and only otherwise looked up one by one. */
#define QT_UK_DW_TAP_PTRS(xp, win, k, th, tw, checked)                                      \
  do {                                                                                    \
    const int32_t ty_ = (win)->y0 + (k).ky * (win)->dh, tx_ = (win)->x0 + (k).kx * (win)->dw; \
    if (!(checked) || (ty_ >= 0 && ty_ + ((th)-1) * (win)->sh < (win)->ih && tx_ >= 0 &&   \
                       tx_ + ((tw)-1) * (win)->sw < (win)->iw)) {                          \
      const uint8_t *b_ = (checked) ? (win)->x + (ptrdiff_t)ty_ * (win)->rs +              \
                                          (ptrdiff_t)tx_ * (win)->ps                       \
                                    : (win)->x + (k).off;                                  \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                          \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)(xp)[i][j] =           \
              i < (th) && j < (tw) ? b_ + (ptrdiff_t)i * (win)->sh * (win)->rs +             \
                                         (ptrdiff_t)j * (win)->sw * (win)->ps              \
                                   : b_;                                                   \
    } else {                                                                              \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                          \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)(xp)[i][j] =           \
              i < (th) && j < (tw) ? qt_uk_dw_tap((win), i, j, (k), 1) : (win)->zrow;      \
    }                                                                                     \
  } while (0)

/* The next tap in row-major order; the offset moves by adds only (no multiply per tap). */
QT_UK_DW_INLINE void qt_uk_dw_next(const qt_uk_dw_window *w, qt_uk_dw_tapc *k) {
  k->off += (ptrdiff_t)w->dw * w->ps;
  if (++k->kx == w->kw) {
    k->kx = 0;
    k->ky++;
    k->off += (ptrdiff_t)w->dh * w->rs - (ptrdiff_t)w->kw * w->dw * w->ps;
  }
}

/* The body of the plain C twins of the kernels that take one tap at a time (k1: neon, dsp):
 * out[i][j][c] = bias[c] + sum_t (x_t(i, j, c) - zp) * w[INDEX(t, c)] modulo 2^32, zp the
 * input zero point the kernel subtracts from the inputs (0 where pack() folds it into bias). */
#define QT_UK_DW_TWIN_K1(win, w, bias, out, th, tw, cn, checked, u8, INDEX, zp)               \
  do {                                                                                      \
    const int32_t taps_ = (win)->kh * (win)->kw;                                            \
    for (int i = 0; i < (th); i++)                                                          \
      for (int j = 0; j < (tw); j++)                                                        \
        for (int c = 0; c < (cn); c++) {                                                    \
          uint32_t s_ = (uint32_t)(bias)[c];                                                \
          qt_uk_dw_tapc k_ = {0, 0, 0};                                                     \
          for (int32_t t = 0; t < taps_; t++) {                                             \
            const uint8_t *p_ = qt_uk_dw_tap((win), i, j, k_, (checked));                    \
            const int32_t x_ = qt_uk_dw_x((win), p_, c, (u8));                                \
            qt_uk_dw_next((win), &k_);                                                      \
            s_ += (uint32_t)((x_ - (zp)) * (w)[INDEX((size_t)t, (size_t)c)]);               \
          }                                                                                 \
          (out)[i][j][c] = (int32_t)s_;                                                     \
        }                                                                                   \
  } while (0)

/* The tap loop of the kernels that take taps in pairs (k2: avx2, avx512): KU pairs per
 * iteration, then the rest one pair at a time; the loops are never unrolled further (not
 * even completely for a constant 3x3), so ku alone decides the interleaving. For each group
 * of nu pairs from pair slot p0 it calls PAIRS(acc, x, one, w, p0, nu, th, tw, cn, u8), the
 * kernel's multiply-adds, with the pairs' tap pointers x[u][0|1][i][j]; one[u] marks a pair
 * whose second tap is past the last (its second pointers repeat the first, never read). */
#define QT_UK_DW_TAP_PAIRS(PAIRS, acc, w, win, th, tw, cn, checked, u8)                     \
  do {                                                                                      \
    const int32_t taps_ = (win)->kh * (win)->kw;                                            \
    const uint8_t *x_[QT_UK_KU][2][QT_UK_TH][QT_UK_TW];                                     \
    int one_[QT_UK_KU];                                                                     \
    qt_uk_dw_tapc kc_ = {0, 0, 0};                                                          \
    int32_t t_ = 0;                                                                         \
    _Pragma("GCC unroll 1") for (; t_ + 2 * QT_UK_KU <= taps_ + 1; t_ += 2 * QT_UK_KU) {    \
      QT_UK_DW_PAIR_PTRS(x_, one_, win, kc_, t_, taps_, QT_UK_KU, th, tw, checked);         \
      PAIRS(acc, x_, one_, w, t_ / 2, QT_UK_KU, th, tw, cn, u8);                            \
    }                                                                                       \
    _Pragma("GCC unroll 1") for (; t_ < taps_; t_ += 2) {                                   \
      QT_UK_DW_PAIR_PTRS(x_, one_, win, kc_, t_, taps_, 1, th, tw, checked);                \
      PAIRS(acc, x_, one_, w, t_ / 2, 1, th, tw, cn, u8);                                   \
    }                                                                                       \
  } while (0)
/* Tap pointers of nu pairs from tap kc on (kc advanced past them), the first tap t. */
#define QT_UK_DW_PAIR_PTRS(x, one, win, kc, t, taps, nu, th, tw, checked)                   \
  do {                                                                                      \
    _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {                \
      (one)[u] = (t) + 2 * u + 1 >= (taps);                                                 \
      QT_UK_DW_TAP_PTRS((x)[u][0], (win), (kc), (th), (tw), (checked));                     \
      qt_uk_dw_next((win), &(kc));                                                          \
      if ((one)[u]) {                                                                       \
        memcpy((x)[u][1], (x)[u][0], sizeof (x)[u][0]);                                     \
      } else {                                                                              \
        QT_UK_DW_TAP_PTRS((x)[u][1], (win), (kc), (th), (tw), (checked));                   \
        qt_uk_dw_next((win), &(kc));                                                        \
      }                                                                                     \
    }                                                                                       \
  } while (0)

#endif /* QT_UKERNEL_DWCONV_WINDOW_H */
