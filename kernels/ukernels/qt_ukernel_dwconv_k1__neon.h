/* qt_ukernel_dwconv_k1__neon.h — the depthwise micro-kernel of the dwconv template's isa value
 * neon (kernels/templates/dwconv.c, QT_KNOB_ISA=3): one TH x TW x CB tile of int32
 * accumulators over all kh x kw taps with SMLAL/SMLAL2, one tap at a time, both dtypes (s8
 * and u8); and its plain C twin, bit-exact with it, used where the compiler does not target
 * aarch64 NEON (and tested everywhere).
 *
 * Form (TVM's int16 legalization of Arm int8 depthwise): per tap, output position and 8
 * channels, the 8 input bytes are widened with the input zero point subtracted (SSUBL for s8,
 * USUBL for u8: x - zp as int16, exact in [-255, 255]) and multiply-accumulated against the
 * int16 weights into two int32x4 accumulators (SMLAL low half, SMLAL2 high half): 8
 * multiply-adds in 1 load, 1 SSUBL/USUBL and 2 SMLAL. Since the zero point is subtracted from
 * the inputs, nothing is folded into the bias, and padded positions (reading input_zp bytes)
 * contribute 0.
 *
 * Parameters at include time: QT_UK_CB channels per block (a multiple of 8), QT_UK_TH x
 * QT_UK_TW output positions, QT_UK_KU taps per iteration of the tap loop, QT_UK_LOAD 0 =
 * weights first (each tap's weight vector is loaded once per 8 channels and applied to every
 * position), 1 = inputs first (positions outermost, the weights reloaded per position).
 *
 * Packed weights of one channel block (written by the template's pack()):
 *   int16 w[T][CB] = w_t[c] - weight_zp, T = kh * kw taps in row-major order; zero past out_c
 *   int32 bias[CB]   the bias as given (no zero point folded)
 * Each product is at most 255 * 255 in magnitude; accumulation is modulo 2^32 in both forms.
 *
 * Each function: out[i][j][c] = bias[c] + sum_t (x_t(i, j, c) - zp) * w_t[c] for i < th,
 * j < tw, c < ceil(cn / 8) * 8 (channels past cn are don't-care but inside out[]), reading
 * only the cn input channels of each position. */
#ifndef QT_UKERNEL_DWCONV_K1__NEON_H
#define QT_UKERNEL_DWCONV_K1__NEON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_dwconv_window.h"
_Static_assert(QT_UK_CB % 8 == 0, "neon dwconv micro-kernel: CB must be a multiple of 8");

/* Index in a block's packed weights of tap t, channel c. */
static inline size_t qt_ukernel_dwconv_k1__neon_index(size_t t, size_t c) { return t * QT_UK_CB + c; }
/* Packed tap slots per block: one per tap. */
static inline size_t qt_ukernel_dwconv_k1__neon_taps(size_t taps) { return taps; }

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler, any
 * depth multiplier. */
static inline void qt_ukernel_dwconv_k1__neon_c(const qt_uk_dw_window *win, const int16_t *w,
                                                const int32_t *bias,
                                                int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                int th, int tw, int cn, int checked, int u8) {
  qt_uk_dw_twin(win, w, 2, qt_ukernel_dwconv_k1__neon_index, -win->zp, bias, out, th, tw, cn,
                checked, u8);
}

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define QT_UK_DWN_NC (QT_UK_CB / 8) /* 8-channel chunks per block, 2 int32x4 accumulators each */

/* 8 input bytes at p, of which n are valid (n < 8 only in a block's last chunk, which must
 * not read past the pixel's channels), widened to int16 with the zero point subtracted. */
QT_UK_DW_INLINE int16x8_t qt_uk_dwn_load(const uint8_t *p, int n, int u8, uint8x8_t zp) {
  uint8x8_t x;
  if (n >= 8) {
    x = vld1_u8(p);
  } else {
    uint8_t tmp[16];
    qt_uk_dw_load_part(tmp, p, n);
    x = vld1_u8(tmp);
  }
  if (u8) return vreinterpretq_s16_u16(vsubl_u8(x, zp));
  return vsubl_s8(vreinterpret_s8_u8(x), vreinterpret_s8_u8(zp));
}

/* acc[0], acc[1] += widened inputs xw times the tap's weights wv (SMLAL, SMLAL2). */
#define QT_UK_DWN_MLAL(acc, xw, wv)                                          \
  do {                                                                     \
    (acc)[0] = vmlal_s16((acc)[0], vget_low_s16(xw), vget_low_s16(wv));    \
    (acc)[1] = vmlal_high_s16((acc)[1], (xw), (wv));                       \
  } while (0)

#define QT_UK_DWN_W(w, t, v) vld1q_s16((w) + (size_t)(t) * QT_UK_CB + 8 * (v))

/* nu taps starting at tap t whose pointers are x[u][i][j]. Loop nest by QT_UK_LOAD. */
#if QT_UK_LOAD == 0
#define QT_UK_DWN_TAPS(acc, x, w, t, nu, th, tw, cn, u8, zp)                                 \
  do {                                                                                      \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWN_NC; v++) {                        \
      if (8 * v >= (cn)) break;                                                             \
      int16x8_t wv_[QT_UK_KU];                                                              \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) wv_[u] =       \
          QT_UK_DWN_W(w, (t) + u, v);                                                       \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                           \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                     \
        if (i >= (th) || j >= (tw)) continue;                                               \
        _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {            \
          const int16x8_t xw_ = qt_uk_dwn_load((x)[u][i][j] + 8 * v, (cn) - 8 * v, u8, zp); \
          QT_UK_DWN_MLAL((acc)[i][j] + 2 * v, xw_, wv_[u]);                                 \
        }                                                                                   \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#else
#define QT_UK_DWN_TAPS(acc, x, w, t, nu, th, tw, cn, u8, zp)                                 \
  do {                                                                                      \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                             \
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                       \
      if (i >= (th) || j >= (tw)) continue;                                                 \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++)                \
          _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWN_NC; v++) {                  \
        if (8 * v >= (cn)) break;                                                           \
        const int16x8_t xw_ = qt_uk_dwn_load((x)[u][i][j] + 8 * v, (cn) - 8 * v, u8, zp);   \
        QT_UK_DWN_MLAL((acc)[i][j] + 2 * v, xw_, QT_UK_DWN_W(w, (t) + u, v));               \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#endif

/* Tap pointers of nu taps from tap kc on (advanced past them). */
#define QT_UK_DWN_PTRS(x, win, kc, nu, th, tw, checked)                                     \
  do {                                                                                      \
    _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {                \
      QT_UK_DW_TAP_PTRS((x)[u], (win), (kc), (th), (tw), (checked));                        \
      qt_uk_dw_next((win), &(kc));                                                          \
    }                                                                                       \
  } while (0)

QT_UK_DW_INLINE void qt_ukernel_dwconv_k1__neon(const qt_uk_dw_window *win, const int16_t *w,
                                                const int32_t *bias,
                                                int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                int th, int tw, int cn, int checked, int u8) {
  int32x4_t acc[QT_UK_TH][QT_UK_TW][2 * QT_UK_DWN_NC];
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 16") for (int v = 0; v < 2 * QT_UK_DWN_NC; v++) acc[i][j][v] =
              vld1q_s32(bias + 4 * v);
  const uint8x8_t zp = vdup_n_u8((uint8_t)win->zp);
  const int32_t taps = win->kh * win->kw;
  const uint8_t *x[QT_UK_KU][QT_UK_TH][QT_UK_TW];
  qt_uk_dw_tapc kc = {0, 0, 0};
  int32_t t = 0;
  /* KU taps per iteration, the rest one by one; the loop is never unrolled further (not even
   * completely for a constant 3x3), so ku alone decides the interleaving. */
  _Pragma("GCC unroll 1") for (; t + QT_UK_KU <= taps; t += QT_UK_KU) {
    QT_UK_DWN_PTRS(x, win, kc, QT_UK_KU, th, tw, checked);
    QT_UK_DWN_TAPS(acc, x, w, t, QT_UK_KU, th, tw, cn, u8, zp);
  }
  _Pragma("GCC unroll 1") for (; t < taps; t++) {
    QT_UK_DWN_PTRS(x, win, kc, 1, th, tw, checked);
    QT_UK_DWN_TAPS(acc, x, w, t, 1, th, tw, cn, u8, zp);
  }
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 16") for (int v = 0; v < 2 * QT_UK_DWN_NC; v++) {
    if (i < th && j < tw && 4 * v < cn) vst1q_s32(out[i][j] + 4 * v, acc[i][j][v]);
  }
}
#endif

#endif /* QT_UKERNEL_DWCONV_K1__NEON_H */
