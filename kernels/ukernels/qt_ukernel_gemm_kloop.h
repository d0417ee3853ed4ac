/* qt_ukernel_gemm_kloop.h — the k loop of the gemm micro-kernels that take a k-step of KR
 * bytes per instruction (avx2 k2, avx512vnni k4, neondot k4): one k-step in either load order
 * (QT_UK_LOAD), the loop unrolled QT_UK_KU times, software pipelining QT_UK_PIPE steps deep,
 * and the K % KR tail. The logic is the same for every ISA; the micro-kernel names its
 * vectors and instructions before including this header, inside its intrinsics section:
 *
 *   QT_UK_GK_KR              k-step in bytes (2 or 4)
 *   QT_UK_GK_NV              vectors per accumulator row (NR / int32 lanes)
 *   QT_UK_GK_VU              unroll limit of the loops over those vectors
 *   QT_UK_GK_ACC, _WVEC, _XVEC  types of an accumulator, a weight vector, an input broadcast
 *   QT_UK_GK_WELEM           element type of the packed weights
 *   QT_UK_GK_W(w, k, v)      weight vector v of the k-step at k
 *   QT_UK_GK_X(a, m, k, n)   row m's n (<= KR) inputs at k, broadcast (may read `u8`)
 *   QT_UK_GK_MADD(acc, x, w) acc plus the k-step's products of x and w
 *   QT_UK_GK_REG             asm constraint of a vector register ("+v", "+w")
 *   QT_UK_GK_PIN_ITER        optional, 1: pass the accumulators through an empty asm at the
 *                            end of each unrolled iteration (pipe=0), so they stay in
 *                            registers (avx2 sets it; unmeasured for the others)
 *
 * One micro-kernel per translation unit (a template includes one). Defines
 * qt_uk_gemm_kloop(): acc[m][v] += the whole reduction of rows a[] over k_len bytes. */
#ifndef QT_UKERNEL_GEMM_KLOOP_H
#define QT_UKERNEL_GEMM_KLOOP_H

#include "qt_ukernel_common.h"

#if !defined(QT_UK_GK_KR) || !defined(QT_UK_GK_NV) || !defined(QT_UK_GK_VU) ||                \
    !defined(QT_UK_GK_ACC) || !defined(QT_UK_GK_WVEC) || !defined(QT_UK_GK_XVEC) ||            \
    !defined(QT_UK_GK_WELEM) || !defined(QT_UK_GK_W) || !defined(QT_UK_GK_X) ||                \
    !defined(QT_UK_GK_MADD) || !defined(QT_UK_GK_REG)
#error "a gemm micro-kernel defines every QT_UK_GK_* parameter before including its k loop"
#endif

#define QT_UK_GK_VLOOP _Pragma(QT_UK_STR(GCC unroll QT_UK_GK_VU))
/* every row of the tile unrolled (up to 14 of avx512vnni's), so the accumulators stay in
 * registers */
#define QT_UK_GK_MLOOP _Pragma(QT_UK_STR(GCC unroll QT_UK_MR))

#if QT_UK_LOAD == 0
/* One k-step, weights first: NV weight vectors, then per row one broadcast and its NV
 * multiply-adds (each weight vector reused MR times from a register). */
#define QT_UK_GK_STEP(acc, a, w, k, n)                                                 \
  do {                                                                                 \
    QT_UK_GK_WVEC wv_[QT_UK_GK_NV];                                                    \
    QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++) wv_[v] = QT_UK_GK_W(w, k, v); \
    QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++) {                                \
      const QT_UK_GK_XVEC x_ = QT_UK_GK_X(a, m, k, n);                                 \
      QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++)(acc)[m][v] =                \
          QT_UK_GK_MADD((acc)[m][v], x_, wv_[v]);                                      \
    }                                                                                  \
  } while (0)
#else
/* One k-step, inputs first: MR broadcasts, then per weight vector its MR multiply-adds (each
 * broadcast reused NV times, one weight vector live at a time). */
#define QT_UK_GK_STEP(acc, a, w, k, n)                                                 \
  do {                                                                                 \
    QT_UK_GK_XVEC xv_[QT_UK_MR];                                                       \
    QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++) xv_[m] = QT_UK_GK_X(a, m, k, n); \
    QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++) {                             \
      const QT_UK_GK_WVEC w_ = QT_UK_GK_W(w, k, v);                                    \
      QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)(acc)[m][v] =                   \
          QT_UK_GK_MADD((acc)[m][v], xv_[m], w_);                                      \
    }                                                                                  \
  } while (0)
#endif

#if QT_UK_PIPE > 0
/* Software pipelining: one register set = a k-step's NV weight vectors and MR broadcasts,
 * loaded in the load order; the multiply-adds of a set run in the same order (rows outer for
 * weights, weight vectors outer for inputs). */
#define QT_UK_GK_LOADW(wv, w, k)                                                             \
  QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++) (wv)[v] = QT_UK_GK_W(w, k, v)
#define QT_UK_GK_LOADX(xv, a, k) \
  QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)(xv)[m] = QT_UK_GK_X(a, m, k, QT_UK_GK_KR)
#if QT_UK_LOAD == 0
#define QT_UK_GK_LOAD(wv, xv, a, w, k)                                                       \
  do {                                                                                       \
    QT_UK_GK_LOADW(wv, w, k);                                                                \
    QT_UK_GK_LOADX(xv, a, k);                                                                \
  } while (0)
#define QT_UK_GK_MAC(acc, wv, xv)                                       \
  QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)                     \
      QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++)(acc)[m][v] = \
          QT_UK_GK_MADD((acc)[m][v], (xv)[m], (wv)[v])
#else
#define QT_UK_GK_LOAD(wv, xv, a, w, k)                                                       \
  do {                                                                                       \
    QT_UK_GK_LOADX(xv, a, k);                                                                \
    QT_UK_GK_LOADW(wv, w, k);                                                                \
  } while (0)
#define QT_UK_GK_MAC(acc, wv, xv)                                    \
  QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++)               \
      QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)(acc)[m][v] = \
          QT_UK_GK_MADD((acc)[m][v], (xv)[m], (wv)[v])
#endif
/* An empty asm that takes a loaded set as an operand: the set is materialised in registers
 * here, at its place in the schedule. Without it GCC's PRE sees through the rotation and
 * turns the pipelined loop into register copies (measured on GCC 12). */
/* A kernel may define QT_UK_GK_PIN1(x) as ((void)0) where the empty asm breaks its code
 * (clang 14 for Hexagon: pipelined hvx kernels gave wrong sums with it, right ones without;
 * qt_ukernel_gemm_s8_k4__hvx.h). */
#ifndef QT_UK_GK_PIN1
#define QT_UK_GK_PIN1(x) __asm__("" : QT_UK_GK_REG(x))
#endif
#define QT_UK_GK_PIN(wv, xv)                                                     \
  do {                                                                           \
    QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++) QT_UK_GK_PIN1((wv)[v]); \
    QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++) QT_UK_GK_PIN1((xv)[m]);    \
  } while (0)
/* The same for the accumulators between the pipelined loops and the drain: otherwise PRE
 * finds the drain's multiply-adds partially redundant with the loop's and keeps two copies
 * of every accumulator live through the loop. */
#define QT_UK_GK_PIN_ACC(acc)                       \
  QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++) \
      QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++) QT_UK_GK_PIN1((acc)[m][v])
#define QT_UK_GK_ROTATE(wv, xv)                                                        \
  _Pragma("GCC unroll 2") for (int p_ = 0; p_ < QT_UK_PIPE; p_++) {                    \
    QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++)(wv)[p_][v] = (wv)[p_ + 1][v]; \
    QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)(xv)[p_][m] = (xv)[p_ + 1][m];    \
  }
/* One pipelined step: load set P (the step P ahead), multiply-add set 0, rotate. */
#define QT_UK_GK_PSTEP(acc, wv, xv, a, w, k_ahead)                                           \
  do {                                                                                       \
    QT_UK_GK_LOAD((wv)[QT_UK_PIPE], (xv)[QT_UK_PIPE], a, w, k_ahead);                        \
    QT_UK_GK_PIN((wv)[QT_UK_PIPE], (xv)[QT_UK_PIPE]);                                        \
    QT_UK_GK_MAC(acc, (wv)[0], (xv)[0]);                                                     \
    QT_UK_GK_ROTATE(wv, xv);                                                                 \
  } while (0)

/* The full k-steps of [0, k_body) pipelined P deep: a prologue loads the first P steps,
 * each step then loads the one P ahead before its own multiply-adds, and the last P steps
 * drain without loads. Needs k_body >= KR * P (else the caller runs plain steps); returns
 * the k reached (k_body). The rotation is a renaming when KU is a multiple of P + 1, else it
 * costs register moves at the loop's back edge. */
static inline __attribute__((always_inline)) size_t qt_uk_gemm_pipelined(
    QT_UK_GK_ACC acc[QT_UK_MR][QT_UK_GK_NV], const uint8_t *const a[QT_UK_MR],
    const QT_UK_GK_WELEM *w, size_t k_body, const int u8) {
  (void)u8; /* read by the input broadcast where the kernel takes both dtypes */
  QT_UK_GK_WVEC wv[QT_UK_PIPE + 1][QT_UK_GK_NV];
  QT_UK_GK_XVEC xv[QT_UK_PIPE + 1][QT_UK_MR];
  _Pragma("GCC unroll 2") for (int p = 0; p < QT_UK_PIPE; p++) {
    QT_UK_GK_LOAD(wv[p], xv[p], a, w, QT_UK_GK_KR * (size_t)p);
    QT_UK_GK_PIN(wv[p], xv[p]);
  }
  /* steps that load one P ahead: KU per iteration, then one at a time. Written as do-while
   * loops with their trip counts: GCC's loop-header copying of two consecutive for loops
   * made its register allocator copy accumulators around the pipelined loop. */
  const size_t ahead = k_body / QT_UK_GK_KR - QT_UK_PIPE;
  size_t n = ahead / QT_UK_KU, k = 0;
  if (n) do {
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
          QT_UK_GK_PSTEP(acc, wv, xv, a, w, k + QT_UK_GK_KR * (size_t)(u + QT_UK_PIPE));
      k += QT_UK_GK_KR * QT_UK_KU;
    } while (--n);
  QT_UK_GK_PIN_ACC(acc);
#if QT_UK_KU > 1
  n = ahead % QT_UK_KU;
  if (n) do {
      QT_UK_GK_PSTEP(acc, wv, xv, a, w, k + QT_UK_GK_KR * (size_t)QT_UK_PIPE);
      k += QT_UK_GK_KR;
    } while (--n);
  QT_UK_GK_PIN_ACC(acc);
#endif
  _Pragma("GCC unroll 2") for (int p = 0; p < QT_UK_PIPE; p++) {
    QT_UK_GK_MAC(acc, wv[0], xv[0]);
    QT_UK_GK_ROTATE(wv, xv);
  }
  return k + QT_UK_GK_KR * QT_UK_PIPE;
}
#endif

/* acc[m][v] += the reduction of rows a[] (k_len bytes each) with the packed weights w:
 * pipelined (pipe > 0) or KU k-steps per iteration, then the rest of the full steps
 * (pipe: fewer than P of them) and the K % KR tail. u8: the dtype, where the broadcast reads
 * it. */
static inline __attribute__((always_inline)) void qt_uk_gemm_kloop(
    QT_UK_GK_ACC acc[QT_UK_MR][QT_UK_GK_NV], const uint8_t *const a[QT_UK_MR],
    const QT_UK_GK_WELEM *w, size_t k_len, const int u8) {
  (void)u8;
  const size_t k_body = k_len & ~(size_t)(QT_UK_GK_KR - 1);
  size_t k = 0;
#if QT_UK_PIPE > 0
  if (k_body >= QT_UK_GK_KR * (size_t)QT_UK_PIPE) k = qt_uk_gemm_pipelined(acc, a, w, k_body, u8);
#else
  /* KU k-steps per iteration, unrolled by hand, the rest rolled. The loop itself is never
   * unrolled further, not even completely for a short constant K: ku alone decides, so each
   * of its values is different code. */
  _Pragma("GCC unroll 1") for (; k + QT_UK_GK_KR * QT_UK_KU <= k_body;
                               k += QT_UK_GK_KR * QT_UK_KU) {
    _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
        QT_UK_GK_STEP(acc, a, w, k + QT_UK_GK_KR * (size_t)u, QT_UK_GK_KR);
#if defined(QT_UK_GK_PIN_ITER) && QT_UK_GK_PIN_ITER
    QT_UK_GK_MLOOP for (int m = 0; m < QT_UK_MR; m++)
        QT_UK_GK_VLOOP for (int v = 0; v < QT_UK_GK_NV; v++) __asm__("" : QT_UK_GK_REG(acc[m][v]));
#endif
  }
#endif
  for (; k < k_body; k += QT_UK_GK_KR) QT_UK_GK_STEP(acc, a, w, k, QT_UK_GK_KR);
  if (k < k_len) QT_UK_GK_STEP(acc, a, w, k, k_len - k);
}

#endif /* QT_UKERNEL_GEMM_KLOOP_H */
