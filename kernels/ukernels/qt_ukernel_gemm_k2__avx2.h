/* qt_ukernel_gemm_k2__avx2.h — the GEMM micro-kernel of the gemm template's isa value avx2
 * (kernels/templates/gemm.c, QT_KNOB_ISA=1): one MR x NR tile of int32 accumulators over the
 * whole reduction with VPMADDWD on inputs widened to int16, K blocked by 2, both dtypes (s8
 * and u8); and its plain C twin, bit-exact with it, used where the compiler does not target
 * AVX2 (and tested everywhere, qemu included). VPMADDUBSW is deliberately not used: it
 * saturates its int16 pair sums (255 * 127 * 2 > 32767), so it is not exact for all inputs.
 *
 * Parameters at include time (the template's knobs): QT_UK_MR rows (1..8), QT_UK_NR columns
 * (a multiple of 8: one ymm holds 8 int32 lanes), QT_UK_KU unroll of the k2 loop, QT_UK_LOAD
 * the load order of a k2-step (0 = weights: its NR/8 weight vectors first, then per row one
 * broadcast pair and its multiply-adds; 1 = inputs: all MR broadcast pairs first, then per
 * weight vector its MR multiply-adds), QT_UK_PIPE the software-pipelining depth (0 = none;
 * P = the operands of k2-step s + P are loaded before the multiply-adds of step s, in P + 1
 * rotating register sets). The twin ignores the last two: they only schedule the same
 * arithmetic. QT_UK_AWIDE (default 0) says what a row is: 0 = K input bytes, each pair
 * widened where it is broadcast, in vector instructions (VPBROADCASTW of the two bytes, then
 * VPMOVSXBW/VPMOVZXBW: two shuffle-port instructions per row and k2-step); 1 = the row already
 * widened by the template (gemm's apack=pack): K int16 rounded up to even with a zero, each
 * pair broadcast straight from memory (VPBROADCASTD m32, a load only).
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias'[NR]   = bias - input_zp * sum_k (w - weight_zp)
 *   int16 w[ceil(K/2)][NR][2] = w - weight_zp, zero for k >= K or past out_c
 * Each product x * (w - weight_zp) is at most 255 * 255 and a pair sum at most 130050, so
 * VPMADDWD is exact; the accumulator adds modulo 2^32 like the twin's uint32 arithmetic.
 *
 * Each function: acc[m][j] = bias'[j] + sum_k x(a[m][k]) * w[k][j], x the input byte as int8
 * (u8 = 0) or uint8 (u8 = 1; a constant at every call site), for a[] MR row pointers of K
 * bytes each (rows may repeat), block the packed column block. Reads exactly K bytes of each
 * row (AWIDE: its K int16 and the even pad). */
#ifndef QT_UKERNEL_GEMM_K2__AVX2_H
#define QT_UKERNEL_GEMM_K2__AVX2_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "qt_ukernel_gemm_i16_twin.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU) || !defined(QT_UK_LOAD) ||   \
    !defined(QT_UK_PIPE)
#error "define QT_UK_MR, QT_UK_NR, QT_UK_KU, QT_UK_LOAD and QT_UK_PIPE before including this micro-kernel"
#endif
_Static_assert(QT_UK_LOAD == 0 || QT_UK_LOAD == 1, "QT_UK_LOAD: 0 weights, 1 inputs");
_Static_assert(QT_UK_PIPE >= 0 && QT_UK_PIPE <= 2, "QT_UK_PIPE: 0..2");
_Static_assert(QT_UK_NR % 8 == 0, "avx2 micro-kernel: NR must be a multiple of 8");
#ifndef QT_UK_AWIDE
#define QT_UK_AWIDE 0
#endif
_Static_assert(QT_UK_AWIDE == 0 || QT_UK_AWIDE == 1, "QT_UK_AWIDE: 0 bytes, 1 int16 rows");

/* Input byte k of a row widened to int32 (0 past the row's K bytes). */
static inline int32_t qt_uk_avx2_x(const uint8_t *row, size_t k, size_t k_len, int u8) {
  if (k >= k_len) return 0;
  return u8 ? (int32_t)row[k] : (int32_t)(int8_t)row[k];
}

/* Inputs k and k + 1 as two int16 in one word (k + 1 past the end reads as 0): the operand
 * VPMADDWD pairs with a column's two weights. */
static inline uint32_t qt_uk_avx2_pair(const uint8_t *row, size_t k, size_t k_len, int u8) {
  return (uint32_t)(uint16_t)qt_uk_avx2_x(row, k, k_len, u8) |
         (uint32_t)(uint16_t)qt_uk_avx2_x(row, k + 1, k_len, u8) << 16;
}

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_gemm_k2__avx2_c(const uint8_t *const a[QT_UK_MR],
                                         const uint8_t *block, size_t k_len,
                                         int32_t acc[QT_UK_MR][QT_UK_NR], int u8) {
  qt_uk_gemm_i16_twin(a, block, k_len, acc, u8, 0, 2, qt_uk_gemm_slot_in_order, QT_UK_AWIDE);
}

#if defined(__AVX2__)
#include <immintrin.h>

/* The k loop's parameters (qt_ukernel_gemm_kloop.h): k2-steps of NR/8 ymm vectors. */
#define QT_UK_GK_KR 2
#define QT_UK_GK_NV (QT_UK_NR / 8)
#define QT_UK_GK_VU 4
#define QT_UK_GK_ACC __m256i
#define QT_UK_GK_WVEC __m256i
#define QT_UK_GK_XVEC __m256i
#define QT_UK_GK_WELEM int16_t
#define QT_UK_GK_REG "+v"
/* Inputs k and k + 1 of row m (n = 2; n = 1: k + 1 is past the row and reads as 0) as one
 * int16 pair in every lane. Bytes: the two broadcast as a 16-bit word (VPBROADCASTW), then
 * widened with VPMOVSXBW/VPMOVZXBW, so every dword is the pair; widened rows: the pair's
 * dword broadcast from memory. The input zero point needs nothing here (folded into bias').
 * u8 is the caller's. */
#define QT_UK_GK_X(a, m, k, n) qt_uk_avx2_bcast((a)[m], (k), (n), u8)
static inline __attribute__((always_inline)) __m256i qt_uk_avx2_bcast(const uint8_t *row,
                                                                       size_t k, size_t n,
                                                                       int u8) {
#if QT_UK_AWIDE
  /* the widened row's pair at k (k even; past K the template's zero) */
  (void)n;
  (void)u8;
  int32_t p;
  memcpy(&p, row + 2 * k, sizeof p);
  __m256i x = _mm256_set1_epi32(p);
  /* keeps the load=weights order (each row's broadcast just before its multiply-adds): with
   * constant row offsets GCC hoisted all MR broadcasts to the top of the step, MR live
   * registers more, and spilled */
  __asm__ volatile("" : "+x"(x));
  return x;
#else
  uint16_t p = row[k];
  if (n > 1) memcpy(&p, row + k, 2); /* little-endian: byte k low, k + 1 high */
  const __m128i b = _mm_set1_epi16((short)p);
  return u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
#endif
}
/* Weight vector v (8 columns x 2 k, int16) of k2-step k: at (k / 2) * NR * 2 + 16 v, written
 * as k * NR (k is even at every k-step), which GCC strength-reduces to a pointer increment;
 * the division cost a shift and two moves per step with the shape compiled in. */
#define QT_UK_GK_W(w, k, v)                                                                  \
  _mm256_loadu_si256((const __m256i *)(const void *)((w) + (k) * QT_UK_NR + (v) * 16))
/* Pin the accumulators in registers at the end of each unrolled iteration (kloop): with the
 * shape compiled in, GCC 12 otherwise kept most of a 6x16 tile's accumulators on the stack
 * (a load and a store per multiply-add), 1.6x slower than the same code with runtime shapes. */
#define QT_UK_GK_PIN_ITER 1
/* VPMADDWD + VPADDD */
#define QT_UK_GK_MADD(acc, x, w) _mm256_add_epi32((acc), _mm256_madd_epi16((x), (w)))
#include "qt_ukernel_gemm_kloop.h"

static inline __attribute__((always_inline)) void qt_ukernel_gemm_k2__avx2(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR], int u8) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t * w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  __m256i acc[QT_UK_MR][QT_UK_GK_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_GK_NV; v++) acc[m][v] = _mm256_loadu_si256((const __m256i *)(const void *)(bias + 8 * v));
  qt_uk_gemm_kloop(acc, a, w, k_len, u8);
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_GK_NV; v++)
          _mm256_storeu_si256((__m256i *)(void *)(acc_out[m] + 8 * v), acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_K2__AVX2_H */
