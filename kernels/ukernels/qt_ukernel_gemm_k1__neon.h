/* qt_ukernel_gemm_k1__neon.h — the GEMM micro-kernel of the gemm template's isa value neon
 * (kernels/templates/gemm.c, QT_KNOB_ISA=3): one MR x NR tile of int32 accumulators over the
 * whole reduction with SMLAL/SMLAL2 (widening int16 multiply-accumulate), both dtypes; and its
 * plain C twin, bit-exact with it, used where the compiler does not target NEON (and tested
 * everywhere). As TVM's int16 "legalization" of Arm int8 convolutions, the input zero point is
 * subtracted while widening, so nothing is folded into the bias for it.
 *
 * Parameters at include time (the template's knobs): QT_UK_MR rows (1..8), QT_UK_NR columns
 * (a multiple of 8: one int16x8 weight vector feeds two int32x4 accumulators, SMLAL for the
 * low and SMLAL2 for the high half), QT_UK_KU unroll of the k8 loop. QT_UK_LOAD, the load
 * order of one reduction step k (the inputs of 8 steps are always widened first, one vector
 * per row): 0 = weights: the step's NR/8 weight vectors first, then per row its SMLAL/SMLAL2;
 * 1 = inputs: per weight vector, loaded just before use, the MR rows' SMLAL/SMLAL2 (one
 * weight register live instead of NR/8). QT_UK_PIPE, the software-pipelining depth: 0 = none;
 * P = the weights of step k + P are loaded before the multiply-adds of step k (P + 1 rotating
 * weight sets; lanes are constants within a k8 block, so the rotation is a renaming) and the
 * next k8 block's inputs are widened before the current block's multiply-adds (two input
 * sets). The twin ignores both: they only schedule the same arithmetic.
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias[NR]             the bias as given (no zero point folded)
 *   int16 w[K][NR]             w - weight_zp, zero past out_c
 * Each product (x - input_zp) * (w - weight_zp) is at most 255 * 255 in magnitude, so int16
 * operands and int32 lanes are exact; accumulation is modulo 2^32 in both forms.
 *
 * Each function: acc[m][j] = bias[j] + sum_k (x(a[m][k]) - zp) * w[k][j], x the input byte as
 * int8 (u8 = 0) or uint8 (u8 = 1; a constant at every call site), for a[] MR row pointers of
 * K bytes each (rows may repeat). Reads exactly K bytes of each row. */
#ifndef QT_UKERNEL_GEMM_K1__NEON_H
#define QT_UKERNEL_GEMM_K1__NEON_H

#include <stddef.h>
#include <stdint.h>

#include "qt_ukernel_common.h"
#include "qt_ukernel_gemm_i16_twin.h"

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU) || !defined(QT_UK_LOAD) ||   \
    !defined(QT_UK_PIPE)
#error "define QT_UK_MR, QT_UK_NR, QT_UK_KU, QT_UK_LOAD and QT_UK_PIPE before including this micro-kernel"
#endif
_Static_assert(QT_UK_LOAD == 0 || QT_UK_LOAD == 1, "QT_UK_LOAD: 0 weights, 1 inputs");
_Static_assert(QT_UK_PIPE >= 0 && QT_UK_PIPE <= 2, "QT_UK_PIPE: 0..2");
_Static_assert(QT_UK_NR % 8 == 0, "neon micro-kernel: NR must be a multiple of 8");

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_gemm_k1__neon_c(const uint8_t *const a[QT_UK_MR], const uint8_t *block,
                                         size_t k_len, int32_t acc[QT_UK_MR][QT_UK_NR], int u8,
                                         int32_t zp) {
  qt_uk_gemm_i16_twin(a, block, k_len, acc, u8, zp, 1, qt_uk_gemm_slot_in_order, 0);
}

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define QT_UK_NEON_NV (QT_UK_NR / 8)

#if QT_UK_LOAD == 0
/* Lane L of the widened inputs against weight row k + L: SMLAL (low 4 columns) and SMLAL2
 * (high 4) per weight vector, weights loaded first and reused by every row. */
#define QT_UK_NEON_LANE(acc, xv, w, k, L)                                                    \
  do {                                                                                       \
    int16x8_t wv_[QT_UK_NEON_NV];                                                            \
    _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++) wv_[v] =                 \
        vld1q_s16((w) + ((k) + (L)) * QT_UK_NR + 8 * v);                                     \
    QT_UK_NEON_MACL(acc, xv, wv_, L);                                                        \
  } while (0)
/* Lane L's multiply-adds with the weights of its step in wv: rows outer. */
#define QT_UK_NEON_MACL(acc, xv, wv, L)                                                      \
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)                                 \
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++) {                      \
    (acc)[m][2 * v] = vmlal_laneq_s16((acc)[m][2 * v], vget_low_s16((wv)[v]), (xv)[m], L);   \
    (acc)[m][2 * v + 1] = vmlal_high_laneq_s16((acc)[m][2 * v + 1], (wv)[v], (xv)[m], L);    \
  }
#else
/* Lane L, inputs first: per weight vector, loaded just before use, every row's SMLAL and
 * SMLAL2 (the inputs are already in registers). The empty asm with a memory clobber keeps
 * each weight load in its place: GCC's aarch64 scheduler otherwise hoists all of them and
 * emits exactly the weights-first code. */
#define QT_UK_NEON_LANE(acc, xv, w, k, L)                                                    \
  _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++) {                          \
    __asm__ volatile("" ::: "memory");                                                       \
    const int16x8_t w_ = vld1q_s16((w) + ((k) + (L)) * QT_UK_NR + 8 * v);                    \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {                             \
      (acc)[m][2 * v] = vmlal_laneq_s16((acc)[m][2 * v], vget_low_s16(w_), (xv)[m], L);      \
      (acc)[m][2 * v + 1] = vmlal_high_laneq_s16((acc)[m][2 * v + 1], w_, (xv)[m], L);       \
    }                                                                                        \
  }
/* Lane L's multiply-adds with the weights of its step in wv: weight vectors outer. */
#define QT_UK_NEON_MACL(acc, xv, wv, L)                                                      \
  _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++)                            \
      _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {                           \
    (acc)[m][2 * v] = vmlal_laneq_s16((acc)[m][2 * v], vget_low_s16((wv)[v]), (xv)[m], L);   \
    (acc)[m][2 * v + 1] = vmlal_high_laneq_s16((acc)[m][2 * v + 1], (wv)[v], (xv)[m], L);    \
  }
#endif

/* Each row's 8 inputs from k widened with the zero point subtracted (USUBL/SSUBL-style:
 * widen, then subtract in int16). */
#define QT_UK_NEON_LOADX(xv, a, k, u8, zpv)                                                  \
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)(xv)[m] = vsubq_s16(             \
      (u8) ? vreinterpretq_s16_u16(vmovl_u8(vld1_u8((a)[m] + (k))))                          \
           : vmovl_s8(vld1_s8((const int8_t *)(a)[m] + (k))),                                \
      (zpv))

/* Eight reduction steps: the rows' inputs, then one lane per step. */
#define QT_UK_NEON_STEP8(acc, a, w, k, u8, zpv)                                              \
  do {                                                                                       \
    int16x8_t xv_[QT_UK_MR];                                                                 \
    QT_UK_NEON_LOADX(xv_, a, k, u8, zpv);                                                    \
    QT_UK_NEON_LANE(acc, xv_, w, k, 0); QT_UK_NEON_LANE(acc, xv_, w, k, 1);                 \
    QT_UK_NEON_LANE(acc, xv_, w, k, 2); QT_UK_NEON_LANE(acc, xv_, w, k, 3);                 \
    QT_UK_NEON_LANE(acc, xv_, w, k, 4); QT_UK_NEON_LANE(acc, xv_, w, k, 5);                 \
    QT_UK_NEON_LANE(acc, xv_, w, k, 6); QT_UK_NEON_LANE(acc, xv_, w, k, 7);                 \
  } while (0)

#if QT_UK_PIPE > 0
/* An empty asm taking loaded vectors as operands: they are materialised in registers at
 * this place in the schedule (otherwise GCC's PRE sees through the rotation and undoes the
 * pipelining with register copies). */
#define QT_UK_NEON_PIN(vs, n)                                                                \
  _Pragma("GCC unroll 8") for (int i_ = 0; i_ < (n); i_++) __asm__("" : "+w"((vs)[i_]))
#define QT_UK_NEON_PIN_ACC(acc)                                                              \
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)                                 \
      QT_UK_NEON_PIN((acc)[m], 2 * QT_UK_NEON_NV)
/* Lane L of a pipelined block: the weights of lane L + P (if in this block) first, then
 * lane L's multiply-adds from set 0, then the sets rotate. */
#define QT_UK_NEON_PLANE(acc, xv, wv, w, k, L)                                               \
  do {                                                                                       \
    if ((L) + QT_UK_PIPE < 8) {                                                              \
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++)(wv)[QT_UK_PIPE][v] =   \
          vld1q_s16((w) + ((k) + (L) + QT_UK_PIPE) * QT_UK_NR + 8 * v);                      \
      QT_UK_NEON_PIN((wv)[QT_UK_PIPE], QT_UK_NEON_NV);                                       \
    }                                                                                        \
    QT_UK_NEON_MACL(acc, xv, (wv)[0], L);                                                    \
    _Pragma("GCC unroll 2") for (int p_ = 0; p_ < QT_UK_PIPE; p_++)                          \
        _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++)(wv)[p_][v] =         \
            (wv)[p_ + 1][v];                                                                 \
  } while (0)
/* One k8 block with its inputs in xv, weights pipelined P lanes deep (prologue: lanes
 * 0 .. P - 1). */
#define QT_UK_NEON_PBLOCK(acc, xv, w, k)                                                     \
  do {                                                                                       \
    int16x8_t wp_[QT_UK_PIPE + 1][QT_UK_NEON_NV];                                            \
    _Pragma("GCC unroll 2") for (int p_ = 0; p_ < QT_UK_PIPE; p_++) {                        \
      _Pragma("GCC unroll 4") for (int v = 0; v < QT_UK_NEON_NV; v++) wp_[p_][v] =           \
          vld1q_s16((w) + ((k) + p_) * QT_UK_NR + 8 * v);                                    \
      QT_UK_NEON_PIN(wp_[p_], QT_UK_NEON_NV);                                                \
    }                                                                                        \
    QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 0); QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 1);       \
    QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 2); QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 3);       \
    QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 4); QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 5);       \
    QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 6); QT_UK_NEON_PLANE(acc, xv, wp_, w, k, 7);       \
  } while (0)
/* The next block's inputs widened before this block's multiply-adds, then the input sets
 * swap. */
#define QT_UK_NEON_PSTEP8(acc, xc, xn, a, w, k, u8, zpv)                                     \
  do {                                                                                       \
    QT_UK_NEON_LOADX(xn, a, (k) + 8, u8, zpv);                                               \
    QT_UK_NEON_PIN(xn, QT_UK_MR);                                                            \
    QT_UK_NEON_PBLOCK(acc, xc, w, k);                                                        \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)(xc)[m] = (xn)[m];             \
  } while (0)

/* The k8 blocks of [0, k_body) pipelined (k_body >= 8); returns k_body. Blocks that have a
 * next block run KU per iteration, then one at a time, then the last block; do-while loops
 * with trip counts (loop-header copying made GCC copy accumulators around the loop). */
static inline __attribute__((always_inline)) size_t qt_uk_neon_pipelined(
    int32x4_t acc[QT_UK_MR][2 * QT_UK_NEON_NV], const uint8_t *const a[QT_UK_MR],
    const int16_t *w, size_t k_body, const int u8, const int16x8_t zpv) {
  int16x8_t xc[QT_UK_MR], xn[QT_UK_MR];
  QT_UK_NEON_LOADX(xc, a, 0, u8, zpv);
  const size_t with_next = k_body / 8 - 1;
  size_t n = with_next / QT_UK_KU, k = 0;
  if (n) do {
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++) {
        QT_UK_NEON_PSTEP8(acc, xc, xn, a, w, k, u8, zpv);
        k += 8;
      }
    } while (--n);
  QT_UK_NEON_PIN_ACC(acc);
#if QT_UK_KU > 1
  n = with_next % QT_UK_KU;
  if (n) do {
      QT_UK_NEON_PSTEP8(acc, xc, xn, a, w, k, u8, zpv);
      k += 8;
    } while (--n);
  QT_UK_NEON_PIN_ACC(acc);
#endif
  QT_UK_NEON_PBLOCK(acc, xc, w, k);
  return k + 8;
}
#endif

static inline __attribute__((always_inline)) void qt_ukernel_gemm_k1__neon(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR], int u8, int32_t zp) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int16_t *w = (const int16_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  int32x4_t acc[QT_UK_MR][2 * QT_UK_NEON_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < 2 * QT_UK_NEON_NV; v++) acc[m][v] =
          vld1q_s32(bias + 4 * v);
  const int16x8_t zpv = vdupq_n_s16((int16_t)zp);
  const size_t k_body = k_len & ~(size_t)7;
  size_t k = 0;
#if QT_UK_PIPE > 0
  if (k_body >= 8) k = qt_uk_neon_pipelined(acc, a, w, k_body, u8, zpv);
#else
  /* KU k8-steps per iteration, unrolled by hand, the rest rolled; never unrolled further, so
   * ku alone decides */
  _Pragma("GCC unroll 1") for (; k + 8 * QT_UK_KU <= k_body; k += 8 * QT_UK_KU) {
    _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
        QT_UK_NEON_STEP8(acc, a, w, k + 8 * (size_t)u, u8, zpv);
  }
  for (; k < k_body; k += 8) QT_UK_NEON_STEP8(acc, a, w, k, u8, zpv);
#endif
  /* K % 8 tail: one input at a time (SMLAL by a scalar), never reading past the row */
  for (; k < k_len; k++) {
    int16x8_t wv[QT_UK_NEON_NV];
    for (int v = 0; v < QT_UK_NEON_NV; v++) wv[v] = vld1q_s16(w + k * QT_UK_NR + 8 * v);
    for (int m = 0; m < QT_UK_MR; m++) {
      const int16_t x = (int16_t)((u8 ? (int32_t)a[m][k] : (int32_t)(int8_t)a[m][k]) - zp);
      for (int v = 0; v < QT_UK_NEON_NV; v++) {
        acc[m][2 * v] = vmlal_n_s16(acc[m][2 * v], vget_low_s16(wv[v]), x);
        acc[m][2 * v + 1] = vmlal_high_n_s16(acc[m][2 * v + 1], wv[v], x);
      }
    }
  }
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < 2 * QT_UK_NEON_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_K1__NEON_H */
