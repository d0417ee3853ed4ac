/* qt_ukernel_dwconv_s8_k4__avx512vnni.h — the depthwise micro-kernel of the dwconv template's
 * isa value avx512vnni (kernels/templates/dwconv.c, QT_KNOB_ISA=7): one TH x TW x CB tile of
 * int32 accumulators over all kh x kw taps with VPDPBUSD (AVX512-VNNI, u8 x s8), taps taken
 * in groups of 4, int8 (s8) only; and its plain C twin, bit-exact with it, used where the
 * compiler does not target AVX512-VNNI (and tested everywhere).
 *
 * Form (the neondot kernel's, on zmm): VPDPBUSD adds to each int32 lane the four products of
 * its four u8 input bytes and four s8 weight bytes, so a lane is one channel and its four
 * bytes are four taps. Per group of 4 taps, output position and 64 channels: the 4 taps' 64
 * input bytes are loaded whole, flipped to x + 128 (XOR 0x80: VPDPBUSD's first operand is
 * unsigned; the 128 * sum(w) that adds is folded into the bias, as in the gemm avx512vnni
 * kernel), and made tap-interleaved by 4 VPUNPCK{L,H}BW (taps 0,1 and 2,3 paired) and 4
 * VPUNPCK{L,H}WD (the pairs joined), all within 128-bit lanes; then 4 VPDPBUSDs against the
 * group's packed weight vectors: 256 multiply-adds in 4 loads, 4 XORs, 8 unpacks and 4
 * VPDPBUSDs (the avx512 kernel's VPMADDWD on widened tap pairs takes about 16 instructions
 * per 128). A 3x3 kernel fills 9 of its 12 slots.
 *
 * The unpacks leave accumulator k (0..3) of a chunk holding, in 128-bit lane L and int32
 * lane d, channel 16L + 4k + d of the chunk. The packed weights are laid out in that order
 * (qt_ukernel_dwconv_s8_k4__avx512vnni_index), and the bias is brought into it and the sums
 * back out of it by a 4x4 transpose of 128-bit lanes (8 VSHUFI64X2; the bias's once per
 * tile and chunk).
 *
 * Parameters at include time: QT_UK_CB channels per block (a multiple of 64: one load of
 * input bytes; a block's last chunk loads only its cn channels, masked), QT_UK_TH x QT_UK_TW
 * output positions, QT_UK_KU tap groups per iteration of the tap loop, QT_UK_LOAD 0 = weights
 * first (a group's 4 weight vectors per 64 channels loaded once and applied to every
 * position), 1 = inputs first (positions outermost, the weight vectors taken from L1 per
 * position).
 *
 * Packed weights of one channel block (written by the template's pack()):
 *   int8 w[ceil(T/4)][CB][4]: tap t of channel c at index(t, c), T = kh * kw taps in
 *        row-major order; zero for t >= T and past out_c, so the bytes there add nothing
 *   int32 bias''[CB] = bias - (input_zp + 128) * sum_t w_t   (the +128 fold), natural order
 * Padded positions read input_zp (the window's zero-point row), flipped like any input, so
 * bias'' cancels them. A lane adds at most 4 * 255 * 128 per VPDPBUSD; accumulation is
 * modulo 2^32 in both forms (VPDPBUSD does not saturate).
 *
 * Each function: out[i][j][c] = bias''[c] + sum_t (x_t(i, j, c) + 128) * w_t[c] for i < th,
 * j < tw, c < cn (the rest of out[] is don't-care), reading only the cn input channels of
 * each position. */
#ifndef QT_UKERNEL_DWCONV_S8_K4__AVX512VNNI_H
#define QT_UKERNEL_DWCONV_S8_K4__AVX512VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_dwconv_window.h"
_Static_assert(QT_UK_CB % 64 == 0, "avx512vnni dwconv micro-kernel: CB must be a multiple of 64");

/* QT_UK_DWV_RAW 1: whole 64-channel chunks of out[] are left in the accumulators' order
 * (out[i][j][64 v + 16 k + 4 L + d] holds channel 64 v + 16 L + 4 k + d), not transposed
 * back: for a caller that requantizes them in that order (qt_tpl_requant_block_raw64, whose
 * packs put the bytes back in natural order), which saves the 8 VSHUFI64X2 per chunk and
 * position. A block's last, partial chunk and the narrow blocks stay in natural order. The
 * intrinsics kernel defines QT_UK_DWV_RAW_OUT to what it did (undefined where only the C
 * twin is compiled, which stores natural order). */
#ifndef QT_UK_DWV_RAW
#define QT_UK_DWV_RAW 0
#endif

/* QT_UK_ROW3 (the template sets it where the kernel is 3 taps wide at compile time): a group
 * is one kernel row, its three taps in slots 0..2 and a zero in slot 3, instead of four taps
 * in row-major order; as many groups for 3x3 (3). QT_UK_PAIR (ROW3 with stride and dilation
 * 1 across): horizontally adjacent positions j, j + 1 share one group's interleaved input.
 * Their row reads the 4 consecutive pixels x[j .. j + 3]; position j takes them with the
 * row's weights (w0, w1, w2, 0), position j + 1 with the same dword shifted left by a byte,
 * (0, w0, w1, w2). A pair then costs 4 loads, 4 XORs, 8 unpacks and 8 VPDPBUSDs per group
 * and 64 channels instead of twice 4 + 4 + 8 + 4: about 40 % fewer instructions. */
#ifndef QT_UK_ROW3
#define QT_UK_ROW3 0
#endif
#ifndef QT_UK_PAIR
#define QT_UK_PAIR 0
#endif
_Static_assert(QT_UK_ROW3 || !QT_UK_PAIR, "QT_UK_PAIR needs QT_UK_ROW3");

/* Index in a block's packed weights of tap t, channel c: the k4 layout (tap groups of 4,
 * qt_ukernel_dwconv_window.h), or with QT_UK_ROW3 one group per kernel row, with each
 * 64-channel chunk's channels in the accumulators' order: channel 16L + 4k + d of a chunk at
 * slot 16k + 4L + d. */
static inline size_t qt_ukernel_dwconv_s8_k4__avx512vnni_index(size_t t, size_t c) {
  const size_t r = c % 64, slot = c - r + (r % 16) / 4 * 16 + r / 16 * 4 + r % 4;
#if QT_UK_ROW3
  return ((t / 3) * QT_UK_CB + slot) * 4 + t % 3;
#else
  return ((t / 4) * QT_UK_CB + slot) * 4 + t % 4;
#endif
}
/* Tap slots of a kernel of `taps` taps: groups of 4 (ROW3: `taps` / 3 rows). */
static inline size_t qt_ukernel_dwconv_s8_k4__avx512vnni_taps(size_t taps) {
#if QT_UK_ROW3
  return taps / 3 * 4;
#else
  return qt_uk_dw_k4_taps(taps);
#endif
}

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler, any
 * depth multiplier. s8 only (the template refuses u8 for this isa), so u8 is unused. */
static inline void qt_ukernel_dwconv_s8_k4__avx512vnni_c(const qt_uk_dw_window *win,
                                                         const int8_t *w, const int32_t *bias,
                                                         int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                         int th, int tw, int cn, int checked,
                                                         int u8) {
  (void)u8;
  qt_uk_dw_twin(win, w, 1, qt_ukernel_dwconv_s8_k4__avx512vnni_index, 128, bias, out, th, tw,
                cn, checked, 0);
}

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#include <immintrin.h>

#define QT_UK_DWV_NC (QT_UK_CB / 64) /* 64-channel chunks per block, 4 accumulators each */

/* 64 input bytes at p, of which n are valid (n < 64 only in a block's last chunk, which must
 * not read past the pixel's channels: a masked load, the rest zero), flipped to x + 128. */
QT_UK_DW_INLINE __m512i qt_uk_dwv_load(const uint8_t *p, int n) {
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  if (n >= 64) return _mm512_xor_si512(_mm512_loadu_si512((const void *)p), flip);
  return _mm512_xor_si512(_mm512_maskz_loadu_epi8((__mmask64)((UINT64_C(1) << n) - 1u), p), flip);
}

/* acc[0..3] (chunk v) += the group's 4 taps at pointers p[0..3] against weight vectors
 * wv[0..3]: the taps flipped and interleaved so that int32 lane d of 128-bit lane L of q[k]
 * holds the 4 taps of channel 16L + 4k + d, then one VPDPBUSD per accumulator. */
QT_UK_DW_INLINE void qt_uk_dwv_madd(__m512i *acc, const uint8_t *const p[4], int v, int n,
                                    const __m512i wv[4]) {
  const __m512i t0 = qt_uk_dwv_load(p[0] + 64 * v, n), t1 = qt_uk_dwv_load(p[1] + 64 * v, n);
  const __m512i t2 = qt_uk_dwv_load(p[2] + 64 * v, n), t3 = qt_uk_dwv_load(p[3] + 64 * v, n);
  const __m512i lo01 = _mm512_unpacklo_epi8(t0, t1), hi01 = _mm512_unpackhi_epi8(t0, t1);
  const __m512i lo23 = _mm512_unpacklo_epi8(t2, t3), hi23 = _mm512_unpackhi_epi8(t2, t3);
  acc[0] = _mm512_dpbusd_epi32(acc[0], _mm512_unpacklo_epi16(lo01, lo23), wv[0]);
  acc[1] = _mm512_dpbusd_epi32(acc[1], _mm512_unpackhi_epi16(lo01, lo23), wv[1]);
  acc[2] = _mm512_dpbusd_epi32(acc[2], _mm512_unpacklo_epi16(hi01, hi23), wv[2]);
  acc[3] = _mm512_dpbusd_epi32(acc[3], _mm512_unpackhi_epi16(hi01, hi23), wv[3]);
}

/* The same for a pair of positions (QT_UK_PAIR): one interleave of the 4 pixels at p[0..3],
 * VPDPBUSDs into acc0 (weights wa: the row's three taps and a zero) and acc1 (wb: the same
 * shifted by one byte). */
QT_UK_DW_INLINE void qt_uk_dwv_madd2(__m512i *acc0, __m512i *acc1, const uint8_t *const p[4], int v,
                                     int n, const __m512i wa[4], const __m512i wb[4]) {
  const __m512i t0 = qt_uk_dwv_load(p[0] + 64 * v, n), t1 = qt_uk_dwv_load(p[1] + 64 * v, n);
  const __m512i t2 = qt_uk_dwv_load(p[2] + 64 * v, n), t3 = qt_uk_dwv_load(p[3] + 64 * v, n);
  const __m512i lo01 = _mm512_unpacklo_epi8(t0, t1), hi01 = _mm512_unpackhi_epi8(t0, t1);
  const __m512i lo23 = _mm512_unpacklo_epi8(t2, t3), hi23 = _mm512_unpackhi_epi8(t2, t3);
  const __m512i q0 = _mm512_unpacklo_epi16(lo01, lo23), q1 = _mm512_unpackhi_epi16(lo01, lo23);
  const __m512i q2 = _mm512_unpacklo_epi16(hi01, hi23), q3 = _mm512_unpackhi_epi16(hi01, hi23);
  acc0[0] = _mm512_dpbusd_epi32(acc0[0], q0, wa[0]);
  acc1[0] = _mm512_dpbusd_epi32(acc1[0], q0, wb[0]);
  acc0[1] = _mm512_dpbusd_epi32(acc0[1], q1, wa[1]);
  acc1[1] = _mm512_dpbusd_epi32(acc1[1], q1, wb[1]);
  acc0[2] = _mm512_dpbusd_epi32(acc0[2], q2, wa[2]);
  acc1[2] = _mm512_dpbusd_epi32(acc1[2], q2, wb[2]);
  acc0[3] = _mm512_dpbusd_epi32(acc0[3], q3, wa[3]);
  acc1[3] = _mm512_dpbusd_epi32(acc1[3], q3, wb[3]);
}

/* The position loop of one group with pairing: positions j, j + 1 of row i as a pair where
 * both are in the tile, the 4th pixel being tap 2 of position j + 1; a last odd position
 * alone (its 4th pointer repeats tap 2, under a zero weight). */
#define QT_UK_DWV_PAIRS_OF_ROW(acc, x, i, v, wa, wb)                                               \
  _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j += 2) {                                 \
    if ((i) >= th || j >= tw) continue;                                                            \
    if (j + 1 < tw) {                                                                              \
      const uint8_t *const p_[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j],                      \
                                    (x)[2][i][j + 1 < QT_UK_TW ? j + 1 : j]};                      \
      qt_uk_dwv_madd2((acc)[i][j] + 4 * (v), (acc)[i][j + 1 < QT_UK_TW ? j + 1 : j] + 4 * (v), p_, \
                      (v), cn - 64 * (v), (wa), (wb));                                             \
    } else {                                                                                       \
      const uint8_t *const p_[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j], (x)[2][i][j]};       \
      qt_uk_dwv_madd((acc)[i][j] + 4 * (v), p_, (v), cn - 64 * (v), (wa));                         \
    }                                                                                              \
  }

/* The 4 weight vectors of group g, chunk v. */
#define QT_UK_DWV_W(wv, w, g, v)                                                             \
  do {                                                                                      \
    const int8_t *wp_ = (w) + ((size_t)(g) * QT_UK_CB + 64 * (size_t)(v)) * 4;              \
    for (int k_ = 0; k_ < 4; k_++) (wv)[k_] = _mm512_loadu_si512((const void *)(wp_ + 64 * k_)); \
  } while (0)

/* The VPDPBUSDs of tap group g (pointers x[r][i][j]) with the kernel's w, th, tw and cn,
 * loop nest by QT_UK_LOAD. */
#if QT_UK_PAIR && QT_UK_LOAD == 0
#define QT_UK_DWV_GROUP(acc, x, nu, g)                                        \
  do {                                                                        \
    (void)(nu);                                                               \
    _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DWV_NC; v++) {          \
      if (64 * v >= cn) break;                                                \
      __m512i wa_[4], wb_[4];                                                 \
      QT_UK_DWV_W(wa_, w, (g), v);                                            \
      for (int k_ = 0; k_ < 4; k_++) wb_[k_] = _mm512_slli_epi32(wa_[k_], 8); \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++) {           \
        QT_UK_DWV_PAIRS_OF_ROW(acc, x, i, v, wa_, wb_)                        \
      }                                                                       \
    }                                                                         \
  } while (0)
#elif QT_UK_PAIR
#define QT_UK_DWV_GROUP(acc, x, nu, g)                                          \
  do {                                                                          \
    (void)(nu);                                                                 \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++) {               \
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DWV_NC; v++) {          \
        if (64 * v >= cn) break;                                                \
        __m512i wa_[4], wb_[4];                                                 \
        QT_UK_DWV_W(wa_, w, (g), v);                                            \
        for (int k_ = 0; k_ < 4; k_++) wb_[k_] = _mm512_slli_epi32(wa_[k_], 8); \
        QT_UK_DWV_PAIRS_OF_ROW(acc, x, i, v, wa_, wb_)                          \
      }                                                                         \
    }                                                                           \
  } while (0)
#elif QT_UK_LOAD == 0
#define QT_UK_DWV_GROUP(acc, x, nu, g)                                                      \
  do {                                                                                    \
    (void)(nu);                                                                           \
    _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DWV_NC; v++) {                      \
      if (64 * v >= cn) break;                                                            \
      __m512i wv_[4];                                                                     \
      QT_UK_DWV_W(wv_, w, (g), v);                                                        \
      _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                         \
          _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                   \
        if (i >= th || j >= tw) continue;                                                 \
        const uint8_t *const p_[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j], (x)[3][i][j]}; \
        qt_uk_dwv_madd((acc)[i][j] + 4 * v, p_, v, cn - 64 * v, wv_);                     \
      }                                                                                   \
    }                                                                                     \
  } while (0)
#else
#define QT_UK_DWV_GROUP(acc, x, nu, g)                                                      \
  do {                                                                                    \
    (void)(nu);                                                                           \
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)                           \
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++) {                     \
      if (i >= th || j >= tw) continue;                                                   \
      const uint8_t *const p_[4] = {(x)[0][i][j], (x)[1][i][j], (x)[2][i][j], (x)[3][i][j]};   \
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DWV_NC; v++) {                    \
        if (64 * v >= cn) break;                                                          \
        __m512i wv_[4];                                                                   \
        QT_UK_DWV_W(wv_, w, (g), v);                                                      \
        qt_uk_dwv_madd((acc)[i][j] + 4 * v, p_, v, cn - 64 * v, wv_);                     \
      }                                                                                   \
    }                                                                                     \
  } while (0)
#endif

/* The tap walk: GROUP(acc, x, nu, g) per group of taps with their pointers x[r][i][j]. With
 * QT_UK_ROW3 one group per kernel row: its three taps' pointers, the 4th repeating the 3rd
 * (QT_UK_DWV_GROUP's pairs take position j + 1's instead and never read it). */
#if QT_UK_ROW3
#define QT_UK_DWV_TAPS(acc, GROUP)                                                     \
  do {                                                                                 \
    qt_uk_dw_tapc kc_ = {0, 0, 0};                                                     \
    const uint8_t *x_[4][QT_UK_TH][QT_UK_TW];                                          \
    _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int32_t g_ = 0; g_ < win->kh; g_++) { \
      _Pragma("GCC unroll 3") for (int r_ = 0; r_ < 3; r_++) {                         \
        QT_UK_DW_TAP_PTRS(x_[r_], win, kc_, th, tw, checked);                          \
        qt_uk_dw_next(win, &kc_);                                                      \
      }                                                                                \
      memcpy(x_[3], x_[2], sizeof x_[2]);                                              \
      GROUP(acc, x_, 3, g_);                                                           \
    }                                                                                  \
  } while (0)
#else
#define QT_UK_DWV_TAPS(acc, GROUP) QT_UK_DW_TAP_GROUPS(GROUP, acc, win, th, tw, checked)
#endif

/* A narrow block (cn <= 32: the last block of 80, 96 or 144 channels at CB 64) in the
 * chunk's full form would pay for 64 channels per position. Instead, NW = 16 or 32 channels
 * of 64 / NW positions share one zmm: 128-bit lane L holds channels 16 (L % (NW / 16)) .. + 15
 * of position L / (NW / 16) of a set, each tap's bytes loaded per position into its lanes.
 * The unpacks and VPDPBUSDs are the chunk's, against weight vectors that repeat the chunk's
 * first NW / 16 lanes (the same packed bytes, broadcast), and a set's sums leave by the same
 * transpose. Per group and position that is 4 loads and a quarter (NW 16) or half (NW 32) of
 * the XORs, unpacks and VPDPBUSDs. */
#define QT_UK_DWV_NPOS (QT_UK_TH * QT_UK_TW)

/* The NW (16 or 32) input bytes at p, of which n are valid, in a 128- or 256-bit vector (a
 * partial one by a 512-bit masked load: AVX512BW, without needing VL). */
QT_UK_DW_INLINE __m128i qt_uk_dwv_load16(const uint8_t *p, int n) {
  if (n >= 16) return _mm_loadu_si128((const __m128i *)(const void *)p);
  return _mm512_castsi512_si128(_mm512_maskz_loadu_epi8((__mmask64)((UINT64_C(1) << n) - 1u), p));
}
QT_UK_DW_INLINE __m256i qt_uk_dwv_load32(const uint8_t *p, int n) {
  if (n >= 32) return _mm256_loadu_si256((const __m256i *)(const void *)p);
  return _mm512_castsi512_si256(_mm512_maskz_loadu_epi8((__mmask64)((UINT64_C(1) << n) - 1u), p));
}

/* Tap r's bytes of position set s: position s * (64 / NW) + q in lanes of q (positions past
 * the tile read position 0's pointer; their sums are never stored), flipped to x + 128. */
#define QT_UK_DWV_NARROW_LOAD(v, x, r, s, NW, n)                                             \
  do {                                                                                       \
    const __m512i flip_ = _mm512_set1_epi8((char)0x80);                                      \
    const uint8_t *q_[4];                                                                    \
    for (int u_ = 0; u_ < 64 / (NW); u_++) {                                                 \
      const int pi_ = (s) * (64 / (NW)) + u_;                                                \
      q_[u_] = pi_ < QT_UK_DWV_NPOS ? (x)[r][pi_ / QT_UK_TW][pi_ % QT_UK_TW] : (x)[r][0][0]; \
    }                                                                                        \
    if ((NW) == 16) {                                                                        \
      (v) = _mm512_castsi128_si512(qt_uk_dwv_load16(q_[0], (n)));                            \
      (v) = _mm512_inserti32x4((v), qt_uk_dwv_load16(q_[1], (n)), 1);                        \
      (v) = _mm512_inserti32x4((v), qt_uk_dwv_load16(q_[2], (n)), 2);                        \
      (v) = _mm512_inserti32x4((v), qt_uk_dwv_load16(q_[3], (n)), 3);                        \
    } else {                                                                                 \
      (v) = _mm512_castsi256_si512(qt_uk_dwv_load32(q_[0], (n)));                            \
      (v) = _mm512_inserti64x4((v), qt_uk_dwv_load32(q_[1], (n)), 1);                        \
    }                                                                                        \
    (v) = _mm512_xor_si512((v), flip_);                                                      \
  } while (0)

/* Group g of a narrow block: its 4 weight vectors (the chunk's first NW / 16 lanes, repeated),
 * then per position set the 4 taps interleaved as in qt_uk_dwv_madd and 4 VPDPBUSDs. */
#define QT_UK_DWV_NARROW_GROUP(acc, x, NW, g)                                                     \
  do {                                                                                            \
    const int8_t *wp_ = w + (size_t)(g)*QT_UK_CB * 4;                                             \
    __m512i wv_[4];                                                                               \
    for (int k_ = 0; k_ < 4; k_++)                                                                \
      wv_[k_] = (NW) == 16 ? _mm512_broadcast_i32x4(                                              \
                                 _mm_loadu_si128((const __m128i *)(const void *)(wp_ + 64 * k_))) \
                           : _mm512_broadcast_i64x4(_mm256_loadu_si256(                           \
                                 (const __m256i *)(const void *)(wp_ + 64 * k_)));                \
    _Pragma("GCC unroll 16") for (int s_ = 0; s_ < (QT_UK_DWV_NPOS * (NW) + 63) / 64; s_++) {     \
      __m512i t_[4];                                                                              \
      _Pragma("GCC unroll 4") for (int r_ = 0; r_ < 4; r_++)                                      \
          QT_UK_DWV_NARROW_LOAD(t_[r_], x, r_, s_, NW, cn);                                       \
      const __m512i lo01_ = _mm512_unpacklo_epi8(t_[0], t_[1]);                                   \
      const __m512i hi01_ = _mm512_unpackhi_epi8(t_[0], t_[1]);                                   \
      const __m512i lo23_ = _mm512_unpacklo_epi8(t_[2], t_[3]);                                   \
      const __m512i hi23_ = _mm512_unpackhi_epi8(t_[2], t_[3]);                                   \
      (acc)[s_][0] =                                                                              \
          _mm512_dpbusd_epi32((acc)[s_][0], _mm512_unpacklo_epi16(lo01_, lo23_), wv_[0]);         \
      (acc)[s_][1] =                                                                              \
          _mm512_dpbusd_epi32((acc)[s_][1], _mm512_unpackhi_epi16(lo01_, lo23_), wv_[1]);         \
      (acc)[s_][2] =                                                                              \
          _mm512_dpbusd_epi32((acc)[s_][2], _mm512_unpacklo_epi16(hi01_, hi23_), wv_[2]);         \
      (acc)[s_][3] =                                                                              \
          _mm512_dpbusd_epi32((acc)[s_][3], _mm512_unpackhi_epi16(hi01_, hi23_), wv_[3]);         \
    }                                                                                             \
  } while (0)
#define QT_UK_DWV_NARROW_GROUP16(acc, x, nu, g) QT_UK_DWV_NARROW_GROUP(acc, x, 16, g)
#define QT_UK_DWV_NARROW_GROUP32(acc, x, nu, g) QT_UK_DWV_NARROW_GROUP(acc, x, 32, g)

/* The narrow block: out[i][j][c] for c < cn <= NW, as the chunk form computes it. */
#define QT_UK_DWV_NARROW(NW)                                                                  \
  do {                                                                                        \
    enum { NS_ = (QT_UK_DWV_NPOS * (NW) + 63) / 64 };                                         \
    __m512i acc_[NS_][4];                                                                     \
    {                                                                                         \
      __m512i b_[4], bt_[4];                                                                  \
      for (int n_ = 0; n_ < 4; n_++)                                                          \
        b_[n_] = _mm512_loadu_si512((const void *)(bias + ((NW) == 32 ? 16 * (n_ % 2) : 0))); \
      qt_uk_transpose4x128(bt_, b_);                                                          \
      for (int s_ = 0; s_ < NS_; s_++)                                                        \
        for (int k_ = 0; k_ < 4; k_++) acc_[s_][k_] = bt_[k_];                                \
    }                                                                                         \
    QT_UK_DWV_TAPS(acc_, QT_UK_DWV_NARROW_GROUP##NW);                                         \
    _Pragma("GCC unroll 16") for (int s_ = 0; s_ < NS_; s_++) {                               \
      __m512i o_[4];                                                                          \
      qt_uk_transpose4x128(o_, acc_[s_]);                                                     \
      for (int n_ = 0; n_ < 4; n_++) {                                                        \
        const int pi_ = s_ * (64 / (NW)) + n_ / ((NW) / 16);                                  \
        const int i_ = pi_ / QT_UK_TW, j_ = pi_ % QT_UK_TW;                                   \
        if (pi_ >= QT_UK_DWV_NPOS || i_ >= th || j_ >= tw) continue;                          \
        _mm512_storeu_si512((void *)(out[i_][j_] + 16 * (n_ % ((NW) / 16))), o_[n_]);         \
      }                                                                                       \
    }                                                                                         \
  } while (0)

QT_UK_DW_INLINE void qt_ukernel_dwconv_s8_k4__avx512vnni(const qt_uk_dw_window *win,
                                                         const int8_t *w, const int32_t *bias,
                                                         int32_t out[QT_UK_TH][QT_UK_TW][QT_UK_CB],
                                                         int th, int tw, int cn, int checked,
                                                         int u8) {
  (void)u8;
  if (cn <= 16) { /* constant false in the full-block instances */
    QT_UK_DWV_NARROW(16);
    return;
  }
  if (cn <= 32) {
    QT_UK_DWV_NARROW(32);
    return;
  }
  __m512i acc[QT_UK_TH][QT_UK_TW][4 * QT_UK_DWV_NC];
  _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DWV_NC; v++) {
    __m512i b[4], bt[4];
    for (int k = 0; k < 4; k++) b[k] = _mm512_loadu_si512((const void *)(bias + 64 * v + 16 * k));
    qt_uk_transpose4x128(bt, b);
    _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
        _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
            _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) acc[i][j][4 * v + k] = bt[k];
  }
  QT_UK_DWV_TAPS(acc, QT_UK_DWV_GROUP);
  _Pragma("GCC unroll 16") for (int i = 0; i < QT_UK_TH; i++)
      _Pragma("GCC unroll 16") for (int j = 0; j < QT_UK_TW; j++)
          _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_DWV_NC; v++) {
    if (i >= th || j >= tw || 64 * v >= cn) continue;
    __m512i o[4];
#if QT_UK_DWV_RAW
    if (64 * v + 64 <= cn) {
      for (int k = 0; k < 4; k++)
        _mm512_storeu_si512((void *)(out[i][j] + 64 * v + 16 * k), acc[i][j][4 * v + k]);
      continue;
    }
#endif
    qt_uk_transpose4x128(o, acc[i][j] + 4 * v);
    for (int k = 0; k < 4; k++) _mm512_storeu_si512((void *)(out[i][j] + 64 * v + 16 * k), o[k]);
  }
}
/* what this kernel stores for whole chunks where QT_UK_DWV_RAW asks for its own order */
#define QT_UK_DWV_RAW_OUT QT_UK_DWV_RAW
#endif

#endif /* QT_UKERNEL_DWCONV_S8_K4__AVX512VNNI_H */
