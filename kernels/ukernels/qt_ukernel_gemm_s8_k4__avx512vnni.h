/* qt_ukernel_gemm_s8_k4__avx512vnni.h — the GEMM micro-kernel of the gemm template's isa
 * value avx512vnni (kernels/templates/gemm.c, QT_KNOB_ISA=2): one MR x NR tile of int32
 * accumulators over the whole reduction with VPDPBUSD, K blocked by 4, int8 (s8) only; and
 * its plain C twin, bit-exact with it, used where the compiler does not target AVX-512 VNNI
 * (and tested everywhere, qemu included).
 *
 * Parameters at include time (the template's knobs, so every loop has constant bounds and the
 * accumulators stay in registers): QT_UK_MR rows (1..14: 14 x 32 is 28 accumulators, 2 weight
 * vectors and a broadcast, 31 of the 32 zmm registers), QT_UK_NR columns (a multiple of 16:
 * one zmm holds 16 int32 lanes), QT_UK_KU unroll of the k4 loop, QT_UK_LOAD the load order of
 * a k4-step (0 = weights: its NR/16 weight vectors first, then per row one broadcast and its
 * VPDPBUSDs; 1 = inputs: all MR broadcasts first, then per weight vector its MR VPDPBUSDs,
 * so one weight register is live instead of NR/16 but MR broadcasts are), QT_UK_PIPE the
 * software-pipelining depth (0 = none; P = the operands of k4-step s + P are loaded before
 * the VPDPBUSDs of step s, in P + 1 rotating register sets). The twin ignores the last two:
 * they only schedule the same arithmetic.
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias''[NR]  = bias - (input_zp + 128) * sum_k w        (the +128 fold)
 *   int8  w[ceil(K/4)][NR][4]                                    zero for k >= K or past out_c
 * VPDPBUSD multiplies unsigned by signed bytes: the rows a[] hold the input bytes flipped to
 * x + 128 (x ^ 0x80; the template flips each row once per row block), and the 128 * sum(w)
 * that adds is already taken out of bias''.
 * The hardware adds the four products and the accumulator modulo 2^32 (no saturation), which
 * the twin reproduces with uint32 arithmetic: both equal the true sum whenever it fits int32,
 * as it does for every accumulator the reference can produce.
 *
 * Each function: acc[m][j] = bias''[j] + sum_k a[m][k] * w[k][j] (a[m][k] as uint8: x + 128),
 * for a[] MR row pointers of K flipped input bytes each (rows may repeat), block the packed
 * column block. Reads
 * exactly K bytes of each row (the K % 4 tail is assembled byte by byte). */
#ifndef QT_UKERNEL_GEMM_S8_K4__AVX512VNNI_H
#define QT_UKERNEL_GEMM_S8_K4__AVX512VNNI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "qt_ukernel_common.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU) || !defined(QT_UK_LOAD) ||   \
    !defined(QT_UK_PIPE)
#error "define QT_UK_MR, QT_UK_NR, QT_UK_KU, QT_UK_LOAD and QT_UK_PIPE before including this micro-kernel"
#endif
_Static_assert(QT_UK_NR % 16 == 0, "avx512vnni micro-kernel: NR must be a multiple of 16");
_Static_assert(QT_UK_LOAD == 0 || QT_UK_LOAD == 1, "QT_UK_LOAD: 0 weights, 1 inputs");
_Static_assert(QT_UK_PIPE >= 0 && QT_UK_PIPE <= 2, "QT_UK_PIPE: 0..2");

#include "qt_ukernel_gemm_s8_k4_flip_c.h"

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler
 * (qt_ukernel_gemm_s8_k4_flip_c.h, shared by the u8 x s8 kernels). */
static inline void qt_ukernel_gemm_s8_k4__avx512vnni_c(const uint8_t *const a[QT_UK_MR],
                                            const uint8_t *block, size_t k_len,
                                            int32_t acc[QT_UK_MR][QT_UK_NR]) {
  qt_uk_gemm_s8_k4_flip_c(a, block, k_len, acc, 0);
}

#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#include <immintrin.h>

/* The k loop's parameters (qt_ukernel_gemm_kloop.h): k4-steps of NR/16 zmm vectors. */
#define QT_UK_GK_KR 4
#define QT_UK_GK_NV (QT_UK_NR / 16)
#define QT_UK_GK_VU 4
#define QT_UK_GK_ACC __m512i
#define QT_UK_GK_WVEC __m512i
#define QT_UK_GK_XVEC __m512i
#define QT_UK_GK_WELEM int8_t
#define QT_UK_GK_REG "+v"
/* The input word of row m at k4-step k (n bytes, already flipped), broadcast to 16 lanes:
 * VPBROADCASTD from memory for a full step. */
#define QT_UK_GK_X(a, m, k, n) _mm512_set1_epi32((int)qt_uk_word((a)[m] + (k), (n)))
/* Weight vector v (16 columns x 4 k) of k4-step k: at (k / 4) * NR * 4 + 64 v, written as
 * k * NR (k is a multiple of 4 at every k-step), which GCC strength-reduces to a pointer
 * increment. */
#define QT_UK_GK_W(w, k, v) _mm512_loadu_si512((const void *)((w) + (k)*QT_UK_NR + (v)*64))
/* Pin the accumulators in registers at the end of each unrolled iteration (kloop): without
 * it GCC 12 copied every accumulator to another register and spilled some in each iteration
 * of an 8x32 tile (16 VPDPBUSD, 16 register moves, 4 stack stores), as it did for avx2. */
#define QT_UK_GK_PIN_ITER 1
/* VPDPBUSD */
#define QT_UK_GK_MADD(acc, x, w) _mm512_dpbusd_epi32((acc), (x), (w))
#include "qt_ukernel_gemm_kloop.h"

static inline __attribute__((always_inline)) void qt_ukernel_gemm_s8_k4__avx512vnni(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t * w = (const int8_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  __m512i acc[QT_UK_MR][QT_UK_GK_NV];
  QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_GK_NV; v++) acc[m][v] =
          _mm512_loadu_si512((const void *)(bias + 16 * v));
  qt_uk_gemm_kloop(acc, a, w, k_len, 0);
  QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_GK_NV; v++)
          _mm512_storeu_si512((void *)(acc_out[m] + 16 * v), acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_S8_K4__AVX512VNNI_H */
