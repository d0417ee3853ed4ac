/* qt_ukernel_dwconv_s8_k4__neondot.h — the depthwise micro-kernel of the dwconv template's
 * isa value neondot (kernels/templates/dwconv.c, QT_KNOB_ISA=4): one TH x TW x CB tile of
 * int32 accumulators over all kh x kw taps with SDOT (armv8.2-a+dotprod), taps taken in
 * groups of 4, int8 (s8) only; and its plain C twin, bit-exact with it, used where the
 * compiler does not target dotprod (and tested everywhere, qemu -cpu cortex-a53 included).
 *
 * Form: SDOT adds to each int32 lane the four products of its four s8 input bytes and four
 * s8 weight bytes, so a lane is one channel and its four bytes are four taps (the k4 layout
 * the hvx kernel uses). Per group of 4 taps, output position and 16 channels: the 4 taps' 16
 * input bytes are loaded whole and transposed tap-interleaved by 4 ZIP1/ZIP2 on bytes (taps
 * 0,1 and 2,3 paired) and 4 on halfwords (the pairs joined), giving 4 vectors of 4 channels x
 * 4 taps; then 4 SDOTs against the group's packed weight vectors: 64 multiply-adds in 4
 * loads, 8 permutes and 4 SDOTs (the neon kernel needs a load, a widening subtract and
 * SMLAL + SMLAL2 per tap and 8 channels: 28 instructions per 64). A 3x3 kernel fills 9 of
 * its 12 slots. SDOT multiplies signed bytes, so unlike vrmpy no input flip is needed: the
 * input zero point is folded into the bias, as in the x86 kernels.
 *
 * Parameters at include time: QT_UK_CB channels per block (a multiple of 16: one load of
 * input bytes), QT_UK_TH x QT_UK_TW output positions, QT_UK_KU tap groups per iteration of
 * the tap loop, QT_UK_LOAD 0 = weights first (a group's 4 weight vectors per 16 channels
 * loaded once and applied to every position), 1 = inputs first (positions outermost, the
 * weight vectors reloaded per position from L1).
 *
 * Packed weights of one channel block (written by the template's pack()):
 *   int8 w[ceil(T/4)][CB][4] = w_t[c] (weight_zp is 0 for s8), T = kh * kw taps in row-major
 *        order; zero for t >= T and past out_c, so the input bytes there contribute nothing
 *   int32 bias'[CB] = bias - input_zp * sum_t w_t   (the zero point folded)
 * Padded positions read input_zp (the window's zero-point row), which bias' cancels. A lane
 * adds at most 4 * 128 * 128 per SDOT; accumulation is modulo 2^32 in both forms.
 *
 * Each function: out[i][j][c] = bias'[c] + sum_t x_t(i, j, c) * w_t[c] for i < th, j < tw,
 * c < ceil(cn / 4) * 4 (channels past cn are don't-care but inside out[]), reading only the
 * cn input channels of each position. */
#ifndef QT_UKERNEL_DWCONV_S8_K4__NEONDOT_H
#define QT_UKERNEL_DWCONV_S8_K4__NEONDOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_dwconv_window.h"
_Static_assert(QT_UK_CB % 16 == 0, "neondot dwconv micro-kernel: CB must be a multiple of 16");

/* Index in a block's packed weights of tap t, channel c, and the packed tap slots per block:
 * the k4 layout (qt_ukernel_dwconv_window.h). */
#define qt_ukernel_dwconv_s8_k4__neondot_index qt_uk_dw_k4_index
#define qt_ukernel_dwconv_s8_k4__neondot_taps qt_uk_dw_k4_taps

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler, any
 * depth multiplier. s8 only (the template refuses u8 for this isa), so u8 is unused. */
static inline void qt_ukernel_dwconv_s8_k4__neondot_c(const qt_uk_dw_window *win,
                                                      const int8_t *w, const int32_t *bias,
                                                      int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                      int th, int tw, int cn, int checked,
                                                      int u8) {
  (void)u8;
  qt_uk_dw_twin(win, w, 1, qt_uk_dw_k4_index, 0, bias, out, th, tw, cn, checked, 0);
}

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

#define QT_UK_DWD_NC (QT_UK_CB / 16) /* 16-channel chunks per block, 4 accumulators each */

/* 16 input bytes at p, of which n are valid (n < 16 only in a block's last chunk, which must
 * not read past the pixel's channels). */
QT_UK_DW_INLINE int8x16_t qt_uk_dwd_load(const uint8_t *p, int n) {
  if (n >= 16) return vld1q_s8((const int8_t *)(const void *)p);
  uint8_t tmp[16];
  qt_uk_dw_load_part(tmp, p, n);
  return vld1q_s8((const int8_t *)(const void *)tmp);
}

/* acc[0..3] (channels 16v .. 16v + 15) += the group's 4 taps at pointers p[0..3], chunk v,
 * against weight vectors wv[0..3]: the taps transposed so that int32 lane c of q[k] holds
 * the 4 taps of channel 4k + c, then one SDOT per 4 channels. */
QT_UK_DW_INLINE void qt_uk_dwd_madd(int32x4_t *acc, const uint8_t *const p[4], int v, int n,
                                    const int8x16_t wv[4]) {
  const int8x16_t t0 = qt_uk_dwd_load(p[0] + 16 * v, n), t1 = qt_uk_dwd_load(p[1] + 16 * v, n);
  const int8x16_t t2 = qt_uk_dwd_load(p[2] + 16 * v, n), t3 = qt_uk_dwd_load(p[3] + 16 * v, n);
  const int16x8_t lo01 = vreinterpretq_s16_s8(vzip1q_s8(t0, t1));
  const int16x8_t hi01 = vreinterpretq_s16_s8(vzip2q_s8(t0, t1));
  const int16x8_t lo23 = vreinterpretq_s16_s8(vzip1q_s8(t2, t3));
  const int16x8_t hi23 = vreinterpretq_s16_s8(vzip2q_s8(t2, t3));
  acc[0] = vdotq_s32(acc[0], vreinterpretq_s8_s16(vzip1q_s16(lo01, lo23)), wv[0]);
  acc[1] = vdotq_s32(acc[1], vreinterpretq_s8_s16(vzip2q_s16(lo01, lo23)), wv[1]);
  acc[2] = vdotq_s32(acc[2], vreinterpretq_s8_s16(vzip1q_s16(hi01, hi23)), wv[2]);
  acc[3] = vdotq_s32(acc[3], vreinterpretq_s8_s16(vzip2q_s16(hi01, hi23)), wv[3]);
}

/* The 4 weight vectors of group g, chunk v: channels 16v .. 16v + 15, 4 taps each. */
#define QT_UK_DWD_W(wv, w, g, v)                                                             \
  do {                                                                                      \
    const int8_t *wp_ = (w) + ((size_t)(g) * QT_UK_CB + 16 * (size_t)(v)) * 4;              \
    for (int k_ = 0; k_ < 4; k_++) (wv)[k_] = vld1q_s8(wp_ + 16 * k_);                      \
  } while (0)

/* The SDOTs of tap group g (pointers x[r][i][j]) with the kernel's w, th, tw and cn, loop
 * nest by QT_UK_LOAD. */
#if QT_UK_LOAD == 0
#define QT_UK_DWD_GROUP(acc, x, nu, g)                                                      \
  do {                                                                                    \
    (void)(nu);                                                                           \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWD_NC; v++) {                      \
      if (16 * v >= cn) break;                                                            \
      int8x16_t wv_[4];                                                                   \
      QT_UK_DWD_W(wv_, w, (g), v);                                                        \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                         \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                   \
        if (i >= th || j >= tw) continue;                                                 \
        const uint8_t *const p_[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j], (x)[3][i][j]}; \
        qt_uk_dwd_madd((acc)[i][j] + 4 * v, p_, v, cn - 16 * v, wv_);                     \
      }                                                                                   \
    }                                                                                     \
  } while (0)
#else
#define QT_UK_DWD_GROUP(acc, x, nu, g)                                                      \
  do {                                                                                    \
    (void)(nu);                                                                           \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                           \
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                     \
      if (i >= th || j >= tw) continue;                                                   \
      const uint8_t *const p_[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j], (x)[3][i][j]};   \
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_DWD_NC; v++) {                    \
        if (16 * v >= cn) break;                                                          \
        int8x16_t wv_[4];                                                                 \
        QT_UK_DWD_W(wv_, w, (g), v);                                                      \
        qt_uk_dwd_madd((acc)[i][j] + 4 * v, p_, v, cn - 16 * v, wv_);                     \
      }                                                                                   \
    }                                                                                     \
  } while (0)
#endif

QT_UK_DW_INLINE void qt_ukernel_dwconv_s8_k4__neondot(const qt_uk_dw_window *win,
                                                      const int8_t *w, const int32_t *bias,
                                                      int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                      int th, int tw, int cn, int checked,
                                                      int u8) {
  (void)u8;
  int32x4_t acc[QT_UK_TH][QT_UK_TW][4 * QT_UK_DWD_NC];
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 16") for (int v = 0; v < 4 * QT_UK_DWD_NC; v++) acc[i][j][v] =
              vld1q_s32(bias + 4 * v);
  QT_UK_DW_TAP_GROUPS(QT_UK_DWD_GROUP, acc, win, th, tw, checked);
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 16") for (int v = 0; v < 4 * QT_UK_DWD_NC; v++) {
    if (i < th && j < tw && 4 * v < cn) vst1q_s32(out[i][j] + 4 * v, acc[i][j][v]);
  }
}
#endif

#endif /* QT_UKERNEL_DWCONV_S8_K4__NEONDOT_H */
