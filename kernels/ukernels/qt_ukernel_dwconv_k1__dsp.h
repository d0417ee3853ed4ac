/* qt_ukernel_dwconv_k1__dsp.h — the depthwise micro-kernel of the dwconv template's isa value
 * dsp (kernels/templates/dwconv.c, QT_KNOB_ISA=6) for Armv7E-M with the DSP extension
 * (Cortex-M4, M7): one TH x TW x CB tile of int32 accumulators (one general register each)
 * over all kh x kw taps, one tap at a time, both dtypes (s8 and u8); and its plain C twin,
 * bit-exact with it, used where the compiler does not target the DSP extension (tested
 * everywhere).
 *
 * Form, per tap, output position and 4 channels: one 32-bit load of the 4 input bytes
 * x0..x3, SXTB16 (UXTB16 for u8) gives the int16 pair (x0, x2), SXTB16 of the word rotated by
 * 8 gives (x1, x3) (as CMSIS-NN widens, and as the gemm dsp kernel does), and SMLABB/SMLATT
 * multiply each half by the matching half of a packed weight word into its channel's
 * accumulator: 4 multiply-adds in 1 LDR, 2 SXTB16 and 4 SMLAxy, plus the tap's weight words
 * (one LDRD of 2 words per 4 channels, shared by the tile's positions when weights are
 * loaded first). Why not SMLAD: it sums its two products into one accumulator, so in a
 * depthwise convolution (no reduction over channels) its pair must be two taps of one
 * channel, (x_t[c], x_t+1[c]); building those pairs from two taps' words costs 4 SXTB16 and 4
 * PKHBT/PKHTB per 8 multiply-adds, plus 4 SMLAD: the same 1.75 instructions per multiply-add
 * (without weights) as 2 SXTB16 + 4 SMLAxy per 4, with two more live temporaries and taps
 * padded to pairs. Plain C costs 3 (LDRSB, LDRSH or a weight kept in a register, MLA).
 * The input zero point is folded into the bias (as CMSIS-NN folds it into its kernel sums):
 * padded positions read input_zp bytes (the window's zrow), which the folded bias cancels.
 *
 * Parameters at include time: QT_UK_CB channels per block (a multiple of 4), QT_UK_TH x
 * QT_UK_TW output positions, QT_UK_KU taps of a kernel row per iteration of the tap loop
 * (an unroll over kw, as in the plain C template), QT_UK_LOAD 0 =
 * weights first (each tap's 2 weight words per 4 channels are loaded once and applied to
 * every position), 1 = inputs first (positions outermost, the weight words reloaded per
 * position).
 *
 * Packed weights of one channel block (written by the template's pack()):
 *   int16 w[T][CB] = w_t[c] - weight_zp, T = kh * kw taps in row-major order, each group of
 *                    4 channels in the order c+0, c+2, c+1, c+3 (word 0 = (w0, w2) meets
 *                    (x0, x2), word 1 = (w1, w3) meets (x1, x3)); zero past out_c
 *   int32 bias'[CB] = bias - input_zp * sum_t (w_t - weight_zp)    (the zero point folded)
 * Each product is at most 255 * 255 in magnitude (exact in SMLAxy's 16 x 16 multiply); the
 * accumulation is modulo 2^32 in both forms (SMLAxy only sets the Q flag on overflow).
 *
 * Each function: out[i][j][c] = bias'[c] + sum_t x_t(i, j, c) * w_t[c] for i < th, j < tw,
 * c < cn, reading only the cn input channels of each position. */
#ifndef QT_UKERNEL_DWCONV_K1__DSP_H
#define QT_UKERNEL_DWCONV_K1__DSP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

_Static_assert(QT_UK_CB % 4 == 0, "dsp dwconv micro-kernel: CB must be a multiple of 4");

#include "qt_ukernel_dwconv_window.h"

/* Index in a block's packed weights of tap t, channel c: within each group of 4 channels
 * the order c+0, c+2, c+1, c+3. */
static inline size_t qt_ukernel_dwconv_k1__dsp_index(size_t t, size_t c) {
  return t * QT_UK_CB + (c & ~(size_t)3) + (c & 1) * 2 + ((c >> 1) & 1);
}
/* Packed tap slots per block: one per tap. */
static inline size_t qt_ukernel_dwconv_k1__dsp_taps(size_t taps) { return taps; }

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler, any
 * depth multiplier. */
static inline void qt_ukernel_dwconv_k1__dsp_c(const qt_uk_dw_window *win, const int16_t *w,
                                               const int32_t *bias,
                                               int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                               int th, int tw, int cn, int checked, int u8) {
  qt_uk_dw_twin(win, w, 2, qt_ukernel_dwconv_k1__dsp_index, 0, bias, out, th, tw, cn, checked,
                u8);
}

#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>

#define QT_UK_DWD_NC (QT_UK_CB / 4) /* 4-channel chunks per block */

/* The 4 input bytes at p as one word, of which n are valid (n < 4 only in a block's last
 * chunk, which must not read past the pixel's channels: byte loads, the rest zero). */
QT_UK_DW_INLINE uint32_t qt_uk_dwd_load(const uint8_t *p, int n) {
  uint32_t x = 0;
  if (n >= 4) {
    memcpy(&x, p, 4); /* LDR: unaligned loads are allowed on Armv7-M */
  } else {
    for (int e = 0; e < n; e++) x |= (uint32_t)p[e] << (8 * e);
  }
  return x;
}

/* (x1, x3) of input word x as an int16 pair: SXTB16 (UXTB16) with its ROR #8 operand. GCC 12
 * does not fold a plain C rotate into __sxtb16 here (measured: a separate ROR per word), and
 * arm_acle.h has no rotating form, hence the asm. */
QT_UK_DW_INLINE int32_t qt_uk_dwd_odd(uint32_t x, int u8) {
  int32_t r;
  if (u8)
    __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  else
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}

/* acc[0..3] += the 4 channels of input word x times weight words w0 = (w0, w2), w1 = (w1, w3). */
#define QT_UK_DWD_MAC(acc, x, w0, w1, u8)                                   \
  do {                                                                      \
    const int32_t lo_ = (u8) ? (int32_t)__uxtb16(x) : (int32_t)__sxtb16(x); \
    const int32_t hi_ = qt_uk_dwd_odd((x), (u8));                           \
    (acc)[0] = __smlabb(lo_, (int32_t)(w0), (acc)[0]);                      \
    (acc)[2] = __smlatt(lo_, (int32_t)(w0), (acc)[2]);                      \
    (acc)[1] = __smlabb(hi_, (int32_t)(w1), (acc)[1]);                      \
    (acc)[3] = __smlatt(hi_, (int32_t)(w1), (acc)[3]);                      \
  } while (0)

/* Weight word h (0: channels 0, 2; 1: channels 1, 3) of chunk v of tap t; 4-byte aligned: a
 * block starts QT_ALIGN-aligned and a tap's CB int16 are a multiple of 8 bytes. */
#define QT_UK_DWD_W(w, t, v, h) \
  (((const uint32_t *)(const void *)((w) + (size_t)(t) * QT_UK_CB + 4 * (v)))[h])

/* nu taps starting at tap t whose pointers are x[u][i][j]. Loop nest by QT_UK_LOAD. */
#if QT_UK_LOAD == 0
#define QT_UK_DWD_TAPS(acc, x, w, t, nu, th, tw, cn, u8)                                     \
  do {                                                                                      \
    _Pragma("GCC unroll 64") for (int v = 0; v < QT_UK_DWD_NC; v++) {                       \
      if (4 * v >= (cn)) break;                                                             \
      uint32_t w0_[QT_UK_KU], w1_[QT_UK_KU];                                                \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {              \
        w0_[u] = QT_UK_DWD_W(w, (t) + u, v, 0);                                             \
        w1_[u] = QT_UK_DWD_W(w, (t) + u, v, 1);                                             \
      }                                                                                     \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                           \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                     \
        if (i >= (th) || j >= (tw)) continue;                                               \
        _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {            \
          const uint32_t x_ = qt_uk_dwd_load((x)[u][i][j] + 4 * v, (cn) - 4 * v);           \
          QT_UK_DWD_MAC((acc)[i][j] + 4 * v, x_, w0_[u], w1_[u], u8);                       \
        }                                                                                   \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#else
#define QT_UK_DWD_TAPS(acc, x, w, t, nu, th, tw, cn, u8)                                     \
  do {                                                                                      \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                             \
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                       \
      if (i >= (th) || j >= (tw)) continue;                                                 \
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++)                \
          _Pragma("GCC unroll 64") for (int v = 0; v < QT_UK_DWD_NC; v++) {                 \
        if (4 * v >= (cn)) break;                                                           \
        const uint32_t x_ = qt_uk_dwd_load((x)[u][i][j] + 4 * v, (cn) - 4 * v);             \
        QT_UK_DWD_MAC((acc)[i][j] + 4 * v, x_, QT_UK_DWD_W(w, (t) + u, v, 0),               \
                      QT_UK_DWD_W(w, (t) + u, v, 1), u8);                                   \
      }                                                                                     \
    }                                                                                       \
  } while (0)
#endif

/* Tap pointers x[u][i][j] of the nu taps (ky, kx + u) of one kernel row; row and step: the
 * byte offsets of the row's first tap and between its taps. */
#define QT_UK_DWD_PTRS(x, win, ky, kx, row, step, nu, th, tw, checked)                       \
  do {                                                                                      \
    _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < (nu); u++) {                \
      const qt_uk_dw_tapc k_ = {(ky), (kx) + u, (row) + ((kx) + u) * (step)};               \
      QT_UK_DW_TAP_PTRS((x)[u], (win), k_, (th), (tw), (checked));                          \
    }                                                                                       \
  } while (0)

QT_UK_DW_INLINE void qt_ukernel_dwconv_k1__dsp(const qt_uk_dw_window *win, const int16_t *w,
                                               const int32_t *bias,
                                               int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                               int th, int tw, int cn, int checked, int u8) {
  int32_t acc[QT_UK_TH][QT_UK_TW][QT_UK_CB];
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 64") for (int c = 0; c < QT_UK_CB; c++) acc[i][j][c] = bias[c];
  const uint8_t *x[QT_UK_KU][QT_UK_TH][QT_UK_TW];
  const int16_t *wt = w;
  /* Rows of taps, KU taps of a row per iteration and the rest one by one (ku unrolls over kw,
   * as in the plain C template). Not the other kernels' flat walk over all taps
   * (qt_uk_dw_next): its wrap test and the reloads of its spilled state cost 12 of ~40
   * instructions per tap of a cb=4 1x2 tile (measured in GCC 12's code), more than the
   * 8 multiply-adds' own 10. */
  _Pragma("GCC unroll 1") for (int32_t ky = 0; ky < win->kh; ky++) {
    const ptrdiff_t row = (ptrdiff_t)ky * win->dh * win->rs, step = (ptrdiff_t)win->dw * win->ps;
    int32_t kx = 0;
    _Pragma("GCC unroll 1") for (; kx + QT_UK_KU <= win->kw; kx += QT_UK_KU) {
      QT_UK_DWD_PTRS(x, win, ky, kx, row, step, QT_UK_KU, th, tw, checked);
      QT_UK_DWD_TAPS(acc, x, wt, 0, QT_UK_KU, th, tw, cn, u8);
      wt += QT_UK_KU * QT_UK_CB;
    }
    _Pragma("GCC unroll 1") for (; kx < win->kw; kx++) {
      QT_UK_DWD_PTRS(x, win, ky, kx, row, step, 1, th, tw, checked);
      QT_UK_DWD_TAPS(acc, x, wt, 0, 1, th, tw, cn, u8);
      wt += QT_UK_CB;
    }
  }
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 64") for (int c = 0; c < QT_UK_CB; c++) {
    if (i < th && j < tw && c < cn) out[i][j][c] = acc[i][j][c];
  }
}
#endif

#endif /* QT_UKERNEL_DWCONV_K1__DSP_H */
