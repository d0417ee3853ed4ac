/* qt_ukernel_dwconv_window.h — what the dwconv micro-kernels (qt_ukernel_dwconv_*.h) share:
 * where a tile's taps read, and the loop of their plain C twins. The template
 * (kernels/templates/dwconv.c) fills a window per tile; a micro-kernel walks the taps with
 * qt_uk_dw_next and takes each tap's input pointers for the tile's positions with
 * QT_UK_DW_TAP_PTRS. Included by each micro-kernel after the template has defined its
 * parameters (checked here). */
#ifndef QT_UKERNEL_DWCONV_WINDOW_H
#define QT_UKERNEL_DWCONV_WINDOW_H

#if !defined(QT_UK_CB) || !defined(QT_UK_TH) || !defined(QT_UK_TW) || !defined(QT_UK_KU) || \
    !defined(QT_UK_LOAD)
#error "define QT_UK_CB, QT_UK_TH, QT_UK_TW, QT_UK_KU and QT_UK_LOAD before a dwconv micro-kernel"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_common.h"

#if defined(__GNUC__)
#define QT_UK_DW_INLINE static inline __attribute__((always_inline))
#define QT_UK_DW_NOINLINE static __attribute__((noinline, unused))
#else
#define QT_UK_DW_INLINE static inline
#define QT_UK_DW_NOINLINE static
#endif

/* The first n (0..16) bytes at p into dst[0..15], zeros after them: the load of a block's
 * partial last chunk, which must not read past the pixel's channels. Out of line because a
 * tile makes TH * TW * KU of these loads and the copy of a run-time length is a call either
 * way: expanded at every site, the partial-block tile instances of a runtime-shape variant
 * took 37-63 KB each and most of its compile time (avx2 c16 2x8 ku=3: 63 -> 35 s). */
QT_UK_DW_NOINLINE void qt_uk_dw_load_part(uint8_t dst[16], const void *p, int n) {
  memset(dst, 0, 16);
  memcpy(dst, p, (size_t)n);
}

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
 * tw get one that is safe to read and whose sums are never stored). A checked tile first
 * tests the corners of the tap's footprint: when they are inside the image (most taps, even
 * at the border) the pointers are computed as in an unchecked tile, and only otherwise
 * looked up one by one, all TH x TW of them: a lookup gives an image pixel or the zero-point
 * row, and testing th and tw there too let GCC thread those tests through every tap of an
 * unrolled iteration (60 s to compile one runtime-shape 2x8 ku=3 avx2 variant, 37 s
 * without). */
#define QT_UK_DW_TAP_PTRS(xp, win, k, th, tw, checked)                                             \
  do {                                                                                             \
    const int32_t ty_ = (win)->y0 + (k).ky * (win)->dh, tx_ = (win)->x0 + (k).kx * (win)->dw;      \
    if (!(checked) || (ty_ >= 0 && ty_ + ((th)-1) * (win)->sh < (win)->ih && tx_ >= 0 &&           \
                       tx_ + ((tw)-1) * (win)->sw < (win)->iw)) {                                  \
      const uint8_t *b_ = (checked)                                                                \
                              ? (win)->x + (ptrdiff_t)ty_ * (win)->rs + (ptrdiff_t)tx_ * (win)->ps \
                              : (win)->x + (k).off;                                                \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                                  \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)(xp)[i][j] =                  \
              i < (th) && j < (tw) ? b_ + (ptrdiff_t)i * (win)->sh * (win)->rs +                   \
                                         (ptrdiff_t)j * (win)->sw * (win)->ps                      \
                                   : b_;                                                           \
    } else {                                                                                       \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                                  \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)(xp)[i][j] =                  \
              qt_uk_dw_tap((win), i, j, (k), 1);                                                   \
    }                                                                                              \
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

/* The loop of every plain C twin, which differ only in their packed layout and what they add
 * to an input: out[i][j][c] = bias[c] + sum_t (x_t(i, j, c) + xoff) * w_t[c] modulo 2^32 for
 * i < th, j < tw, c < cn, w_t[c] the element index(t, c) of w, int8 (wbytes 1) or int16 (2).
 * Tap by tap also for the pair kernels: a pair's int32 sum (at most 2 * 255 * 255) is the sum
 * of its two products, so the result is the same modulo 2^32. */
static inline void qt_uk_dw_twin(const qt_uk_dw_window *win, const void *w, int wbytes,
                                 size_t (*index)(size_t, size_t), int32_t xoff,
                                 const int32_t *bias, int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                 int th, int tw, int cn, int checked, int u8) {
  const int32_t taps = win->kh * win->kw;
  for (int i = 0; i < th; i++)
    for (int j = 0; j < tw; j++)
      for (int c = 0; c < cn; c++) {
        uint32_t s = (uint32_t)bias[c];
        qt_uk_dw_tapc k = {0, 0, 0};
        for (int32_t t = 0; t < taps; t++) {
          const int32_t x = qt_uk_dw_x(win, qt_uk_dw_tap(win, i, j, k, checked), c, u8) + xoff;
          qt_uk_dw_next(win, &k);
          const size_t e = index((size_t)t, (size_t)c);
          const int32_t wt = wbytes == 1 ? ((const int8_t *)w)[e] : ((const int16_t *)w)[e];
          s += (uint32_t)(x * wt);
        }
        out[i][j][c] = (int32_t)s;
      }
}

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

/* The packed layout of the kernels that take taps in groups of 4 (k4: hvx, neondot), whose
 * dot-product instructions add four byte products into one int32 lane: int8
 * w[ceil(T/4)][CB][4], tap t of channel c at ((t / 4) * CB + c) * 4 + t % 4, T rounded up
 * to whole groups (the slots past T are zero). */
static inline size_t qt_uk_dw_k4_index(size_t t, size_t c) {
  return ((t / 4) * QT_UK_CB + c) * 4 + t % 4;
}
static inline size_t qt_uk_dw_k4_taps(size_t taps) { return (taps + 3) & ~(size_t)3; }

/* The tap loop of the k4 kernels: KU groups per unrolled iteration. For group g of nu (1..4)
 * taps it calls GROUP(acc, x, nu, g) with the taps' pointers x[r][i][j]; those of r >= nu
 * repeat tap 4g's, so reading them is safe, and their zero weights make them add nothing. */
#define QT_UK_DW_TAP_GROUPS(GROUP, acc, win, th, tw, checked)                                 \
  do {                                                                                        \
    const int32_t taps_ = (win)->kh * (win)->kw, groups_ = (taps_ + 3) / 4;                   \
    qt_uk_dw_tapc kc_ = {0, 0, 0};                                                            \
    /* zeroed: GCC 12 cannot see that a kernel has at least one group (-Wmaybe-uninitialized) \
     */                                                                                       \
    const uint8_t *x_[4][QT_UK_TH][QT_UK_TW] = {{{0}}};                                       \
    _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int32_t g_ = 0; g_ < groups_; g_++) {        \
      const int nu_ = taps_ - 4 * g_ < 4 ? (int)(taps_ - 4 * g_) : 4;                         \
      _Pragma("GCC unroll 4") for (int r_ = 0; r_ < 4; r_++) {                                \
        if (r_ < nu_) {                                                                       \
          QT_UK_DW_TAP_PTRS(x_[r_], (win), kc_, (th), (tw), (checked));                       \
          qt_uk_dw_next((win), &kc_);                                                         \
        } else {                                                                              \
          _Pragma("GCC unroll 16") for (int i_ = 0; i_ < QT_UK_TH; i_++)                      \
              _Pragma("GCC unroll 16") for (int j_ = 0; j_ < QT_UK_TW; j_++) x_[r_][i_][j_] = \
                  x_[0][i_][j_];                                                              \
        }                                                                                     \
      }                                                                                       \
      GROUP(acc, x_, nu_, g_);                                                                \
    }                                                                                         \
  } while (0)

#endif /* QT_UKERNEL_DWCONV_WINDOW_H */
