/* qt_ukernel_dwconv_s8_k4__hvx.h — the depthwise micro-kernel of the dwconv template's isa
 * value hvx (kernels/templates/dwconv.c, QT_KNOB_ISA=5): one TH x TW x CB tile of int32
 * accumulators over all kh x kw taps with Hexagon HVX vrmpy (V6_vrmpybusv, u8 x s8, 128-byte
 * vectors), taps taken in groups of 4, int8 (s8) only; and its plain C twin, bit-exact with
 * it, used where the compiler does not target HVX (and tested everywhere).
 *
 * Form: vrmpybusv adds to each 32-bit lane the four products of its four u8 input bytes and
 * four s8 weight bytes, so a lane is one channel and its four bytes are four taps: per group
 * of 4 taps, output position and 32 channels, one vector of weights (packed so at pack time)
 * against one vector of inputs gathered tap-interleaved, byte 4c + r = x_{4g+r}(channel c),
 * flipped to x + 128 (XOR 0x80) as in the gemm hvx kernel: 128 multiply-adds in 1 vrmpy. The
 * gather builds the 32 words of that vector from the 4 taps' 32 input bytes with scalar byte
 * loads into a 128-byte buffer (one vector load): exact and reading only the cn channels of
 * each position, but it costs 128 byte loads per vrmpy; a faster gather (HVX shuffles of
 * whole-vector loads) is not done.
 *
 * Parameters at include time: QT_UK_CB channels per block (a multiple of 32: one vector of
 * int32 lanes), QT_UK_TH x QT_UK_TW output positions, QT_UK_KU tap groups per iteration of the
 * tap loop, QT_UK_LOAD 0 = weights first (a group's weight vector loaded once per chunk and
 * applied to every position), 1 = inputs first (positions outermost, the weights reloaded per
 * position).
 *
 * Packed weights of one channel block (written by the template's pack()):
 *   int8 w[ceil(T/4)][CB][4] = w_t[c] (weight_zp is 0 for s8), T = kh * kw taps in row-major
 *        order; zero for t >= T and past out_c, so the input bytes there contribute nothing
 *   int32 bias''[CB] = bias - (input_zp + 128) * sum_t w_t   (the +128 fold)
 * Padded positions read input_zp (the window's zero-point row), flipped like any input, so
 * bias'' cancels them. Each lane adds at most 4 * 255 * 128 per vrmpy; accumulation is modulo
 * 2^32 in both forms.
 *
 * Each function: out[i][j][c] = bias''[c] + sum_t (x_t(i, j, c) + 128) * w_t[c] for i < th,
 * j < tw, c < ceil(cn / 32) * 32 (channels past cn are don't-care but inside out[]), reading
 * only the cn input channels of each position. */
#ifndef QT_UKERNEL_DWCONV_S8_K4__HVX_H
#define QT_UKERNEL_DWCONV_S8_K4__HVX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_dwconv_window.h"
_Static_assert(QT_UK_CB % 32 == 0, "hvx dwconv micro-kernel: CB must be a multiple of 32");

/* Index in a block's packed weights of tap t, channel c, and the packed tap slots per block:
 * the k4 layout (qt_ukernel_dwconv_window.h). */
#define qt_ukernel_dwconv_s8_k4__hvx_index qt_uk_dw_k4_index
#define qt_ukernel_dwconv_s8_k4__hvx_taps qt_uk_dw_k4_taps

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler, any
 * depth multiplier. s8 only (the template refuses u8 for this isa), so u8 is unused. */
static inline void qt_ukernel_dwconv_s8_k4__hvx_c(const qt_uk_dw_window *win, const int8_t *w,
                                                  const int32_t *bias,
                                                  int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                  int th, int tw, int cn, int checked, int u8) {
  (void)u8;
  qt_uk_dw_twin(win, w, 1, qt_ukernel_dwconv_s8_k4__hvx_index, 128, bias, out, th, tw, cn,
                checked, 0);
}

#if defined(__hexagon__) && defined(__HVX__) && __HVX_LENGTH__ == 128
#include "qt_ukernel_hvx.h"

#define QT_UK_DWH_NC (QT_UK_CB / 32) /* 32-channel chunks per block, one accumulator each */

/* The flipped inputs of chunk v (n valid channels, n < 32 only in a block's last chunk) of
 * the nu (1..4) taps whose pointers are p[0..nu-1], tap-interleaved: byte 4c + r = p[r][32v +
 * c] ^ 0x80. Lanes past n and bytes of taps past nu are zero (their weights are zero). */
QT_UK_DW_INLINE qt_hvx_vec qt_uk_dwh_gather(const uint8_t *const p[4], int nu, int v, int n) {
  union {
    qt_hvx_vec v;
    uint32_t w[32];
  } buf;
  const int m = n < 32 ? n : 32;
  for (int c = 0; c < 32; c++) {
    uint32_t word = 0;
    if (c < m)
      for (int r = 0; r < nu; r++) word |= (uint32_t)(p[r][32 * v + c] ^ 0x80u) << (8 * r);
    buf.w[c] = word;
  }
  return buf.v;
}

/* The weight vector of group g, chunk v: 32 channels x 4 taps. */
#define QT_UK_DWH_W(w, g, v) qt_hvx_loadu((w) + ((size_t)(g) * QT_UK_CB + 32 * (size_t)(v)) * 4)
/* vrmpy u8 x s8, accumulating */
#define QT_UK_DWH_MADD(acc, x, wv) __builtin_HEXAGON_V6_vrmpybusv_acc_128B((acc), (x), (wv))

/* The vrmpys of tap group g (nu taps, pointers x[r][i][j]), loop nest by QT_UK_LOAD. */
#if QT_UK_LOAD == 0
#define QT_UK_DWH_GROUP(acc, x, nu, g)                                                      \
  do {                                                                                    \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWH_NC; v++) {                      \
      if (32 * v >= cn) break;                                                            \
      const qt_hvx_vec wv = QT_UK_DWH_W(w, (g), v);                                       \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                         \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                   \
        if (i >= th || j >= tw) continue;                                                 \
        const uint8_t *const p[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j], (x)[3][i][j]}; \
        (acc)[i][j][v] =                                                                  \
            QT_UK_DWH_MADD((acc)[i][j][v], qt_uk_dwh_gather(p, (nu), v, cn - 32 * v), wv); \
      }                                                                                   \
    }                                                                                     \
  } while (0)
#else
#define QT_UK_DWH_GROUP(acc, x, nu, g)                                                      \
  do {                                                                                    \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                           \
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                     \
      if (i >= th || j >= tw) continue;                                                   \
      const uint8_t *const p[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j], (x)[3][i][j]};   \
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWH_NC; v++) {                    \
        if (32 * v >= cn) break;                                                          \
        (acc)[i][j][v] = QT_UK_DWH_MADD(                                                  \
            (acc)[i][j][v], qt_uk_dwh_gather(p, (nu), v, cn - 32 * v), QT_UK_DWH_W(w, (g), v)); \
      }                                                                                   \
    }                                                                                     \
  } while (0)
#endif

QT_UK_DW_INLINE void qt_ukernel_dwconv_s8_k4__hvx(const qt_uk_dw_window *win, const int8_t *w,
                                                  const int32_t *bias,
                                                  int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                  int th, int tw, int cn, int checked, int u8) {
  (void)u8;
  qt_hvx_vec acc[QT_UK_TH][QT_UK_TW][QT_UK_DWH_NC];
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWH_NC; v++) acc[i][j][v] =
              qt_hvx_loadu(bias + 32 * v);
  QT_UK_DW_TAP_GROUPS(QT_UK_DWH_GROUP, acc, win, th, tw, checked);
  /* Every accumulator, unconditionally (out[] has room for all; those past th, tw, cn hold
   * the bias, never read): with the store under the tile's runtime extents clang 14 emits
   * predicated vector stores, and with those some fixed-shape variants computed wrong sums
   * under qemu-hexagon (kernels/ukernels/README.md, hvx). */
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWH_NC; v++)
              qt_hvx_storeu(out[i][j] + 32 * v, acc[i][j][v]);
}
#endif

#endif /* QT_UKERNEL_DWCONV_S8_K4__HVX_H */
