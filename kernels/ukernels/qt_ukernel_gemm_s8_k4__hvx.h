/* qt_ukernel_gemm_s8_k4__hvx.h — the GEMM micro-kernel of the gemm template's isa value hvx
 * (kernels/templates/gemm.c, QT_KNOB_ISA=5): one MR x NR tile of int32 accumulators over the
 * whole reduction with Hexagon HVX vrmpy (V6_vrmpybusv, u8 x s8, 128-byte vectors), K blocked
 * by 4, int8 (s8) only; and its plain C twin, bit-exact with it, used where the compiler does
 * not target HVX (and tested everywhere).
 *
 * Same packed column block and the same +128 flip as the avx512vnni kernel (vrmpybusv, like
 * VPDPBUSD, multiplies unsigned by signed bytes and adds the four products of each 32-bit
 * lane to it modulo 2^32):
 *   int32 bias''[NR]  = bias - (input_zp + 128) * sum_k w        (the +128 fold)
 *   int8  w[ceil(K/4)][NR][4]                                    zero for k >= K or past out_c
 * so one k4-step of 32 columns is exactly one 128-byte vector, and one row's flipped input
 * word splat to 32 lanes (vsplat) is its other operand.
 *
 * Parameters at include time: QT_UK_MR rows (1..8), QT_UK_NR columns (a multiple of 32: one
 * HVX vector holds 32 int32 lanes), QT_UK_KU, QT_UK_LOAD, QT_UK_PIPE as for the other k4
 * kernels (qt_ukernel_gemm_kloop.h); the twin ignores the last two.
 *
 * Each function: acc[m][j] = bias''[j] + sum_k (a[m][k] + 128) * w[k][j], for a[] MR row
 * pointers of K input bytes each. Reads exactly K bytes of each row. */
#ifndef QT_UKERNEL_GEMM_S8_K4__HVX_H
#define QT_UKERNEL_GEMM_S8_K4__HVX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_common.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU) || !defined(QT_UK_LOAD) ||   \
    !defined(QT_UK_PIPE)
#error "define QT_UK_MR, QT_UK_NR, QT_UK_KU, QT_UK_LOAD and QT_UK_PIPE before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 32 == 0, "hvx micro-kernel: NR must be a multiple of 32");
_Static_assert(QT_UK_LOAD == 0 || QT_UK_LOAD == 1, "QT_UK_LOAD: 0 weights, 1 inputs");
_Static_assert(QT_UK_PIPE >= 0 && QT_UK_PIPE <= 2, "QT_UK_PIPE: 0..2");

#include "qt_ukernel_gemm_s8_k4_flip_c.h"

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler
 * (qt_ukernel_gemm_s8_k4_flip_c.h, shared by the u8 x s8 kernels). */
static inline void qt_ukernel_gemm_s8_k4__hvx_c(const uint8_t *const a[QT_UK_MR],
                                            const uint8_t *block, size_t k_len,
                                            int32_t acc[QT_UK_MR][QT_UK_NR]) {
  qt_uk_gemm_s8_k4_flip_c(a, block, k_len, acc, UINT32_C(0x80808080));
}

#if defined(__hexagon__) && defined(__HVX__) && __HVX_LENGTH__ == 128
#include "qt_ukernel_hvx.h"

/* The k loop's parameters (qt_ukernel_gemm_kloop.h): k4-steps of NR/32 HVX vectors. */
#define QT_UK_GK_KR 4
#define QT_UK_GK_NV (QT_UK_NR / 32)
#define QT_UK_GK_VU 4
#define QT_UK_GK_ACC qt_hvx_vec
#define QT_UK_GK_WVEC qt_hvx_vec
#define QT_UK_GK_XVEC qt_hvx_vec
#define QT_UK_GK_WELEM int8_t
#define QT_UK_GK_REG "+v"
/* No empty-asm pins (qt_ukernel_gemm_kloop.h, for GCC's PRE): with clang 14 for Hexagon an HVX
 * vector passed through `__asm__("" : "+v"(x))` made pipelined kernels (pipe 1, 2) compute
 * wrong sums under qemu-hexagon; without the pins they are exact (tests/kernels/hexagon). */
#define QT_UK_GK_PIN1(x) ((void)0)
/* The flipped input word of row m at k4-step k (n bytes), splat to 32 lanes. */
#define QT_UK_GK_X(a, m, k, n)                                                               \
  __builtin_HEXAGON_V6_lvsplatw_128B(                                                        \
      (int)(qt_uk_word((a)[m] + (k), (n)) ^ UINT32_C(0x80808080)))
/* Weight vector v (32 columns x 4 k) of k4-step k. */
#define QT_UK_GK_W(w, k, v) qt_hvx_loadu((w) + ((k) / 4) * QT_UK_NR * 4 + (v) * 128)
/* vrmpy u8 x s8, accumulating */
#define QT_UK_GK_MADD(acc, x, w) __builtin_HEXAGON_V6_vrmpybusv_acc_128B((acc), (x), (w))
#include "qt_ukernel_gemm_kloop.h"

static inline __attribute__((always_inline)) void qt_ukernel_gemm_s8_k4__hvx(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  qt_hvx_vec acc[QT_UK_MR][QT_UK_GK_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_GK_NV; v++) acc[m][v] =
          qt_hvx_loadu(bias + 32 * v);
  qt_uk_gemm_kloop(acc, a, w, k_len, 0);
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_GK_NV; v++)
          qt_hvx_storeu(acc_out[m] + 32 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_S8_K4__HVX_H */
