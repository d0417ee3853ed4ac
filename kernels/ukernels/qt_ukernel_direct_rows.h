/* qt_ukernel_direct_rows.h — the reduction loop of the direct micro-kernels that take a
 * k-step of KR bytes per instruction (avx2 k2, avx512vnni k4, neondot k4): per kernel row,
 * KU k-steps per iteration, the rest of the full steps, then the row's last partial step
 * (its bytes assembled one by one, so nothing past the row is read). The logic is the same
 * for every ISA; the micro-kernel names its vectors and instructions before including this
 * header, inside its intrinsics section:
 *
 *   QT_UK_DR_KR              k-step in bytes (2 or 4)
 *   QT_UK_DR_NV              vectors per accumulator row (NR / int32 lanes)
 *   QT_UK_DR_VU              unroll limit of the loops over those vectors
 *   QT_UK_DR_ACC, _WVEC, _XVEC  types of an accumulator, a weight vector, an input broadcast
 *   QT_UK_DR_WELEM           element type of the packed weights
 *   QT_UK_DR_WS(wr, s, u)    where the weights of the k-step u steps after byte s (a
 *                            multiple of KR) of a row start, wr the row's: wr + (s + KR u) NR,
 *                            in the form the micro-kernel had (GCC does not see the forms
 *                            as equal, and they allocate registers differently)
 *   QT_UK_DR_W(ws, v)        weight vector v of the k-step whose weights start at ws
 *   QT_UK_DR_X(p, n)         the n (<= KR) inputs at p, broadcast (may read `u8`)
 *   QT_UK_DR_MADD(acc, x, w) acc plus the k-step's products of x and w
 *
 * One micro-kernel per translation unit (a template includes one). Defines
 * qt_uk_direct_rows(): acc[m][v] += the reduction over `rows` kernel rows of seg bytes. */
#ifndef QT_UKERNEL_DIRECT_ROWS_H
#define QT_UKERNEL_DIRECT_ROWS_H

#include "qt_ukernel_common.h"

#if !defined(QT_UK_DR_KR) || !defined(QT_UK_DR_NV) || !defined(QT_UK_DR_VU) ||                \
    !defined(QT_UK_DR_ACC) || !defined(QT_UK_DR_WVEC) || !defined(QT_UK_DR_XVEC) ||            \
    !defined(QT_UK_DR_WELEM) || !defined(QT_UK_DR_WS) || !defined(QT_UK_DR_W) ||               \
    !defined(QT_UK_DR_X) || !defined(QT_UK_DR_MADD)
#error "a direct micro-kernel defines every QT_UK_DR_* parameter before including its loop"
#endif

#define QT_UK_DR_VLOOP _Pragma(QT_UK_STR(GCC unroll QT_UK_DR_VU))

/* One k-step at byte offset off of every pixel (n bytes): NV weight vectors, then per pixel
 * one broadcast of its inputs and NV multiply-adds (each weight vector reused MR times). */
#define QT_UK_DR_STEP(acc, a, off, ws, n)                                                    \
  do {                                                                                       \
    QT_UK_DR_WVEC wv_[QT_UK_DR_NV];                                                          \
    QT_UK_DR_VLOOP for (int v = 0; v < QT_UK_DR_NV; v++) wv_[v] = QT_UK_DR_W(ws, v);         \
    _Pragma("GCC unroll 16") for (int m = 0; m < QT_UK_MR; m++) {                            \
      const QT_UK_DR_XVEC x_ = QT_UK_DR_X((a)[m] + (off), (n));                              \
      QT_UK_DR_VLOOP for (int v = 0; v < QT_UK_DR_NV; v++) (acc)[m][v] =                     \
          QT_UK_DR_MADD((acc)[m][v], x_, wv_[v]);                                            \
    }                                                                                        \
  } while (0)

/* acc[m][v] += sum over kernel rows r < rows and bytes s < seg of pixel m's input at
 * a[m] + r * step + s times the packed weights w ([rows][ceil(seg / KR)][NR][KR]). u8: the
 * dtype, where the broadcast reads it. */
static inline __attribute__((always_inline)) void qt_uk_direct_rows(
    QT_UK_DR_ACC acc[QT_UK_MR][QT_UK_DR_NV], const uint8_t *const a[QT_UK_MR], size_t step,
    size_t rows, size_t seg, const QT_UK_DR_WELEM *w, const int u8) {
  (void)u8;
  const size_t seg_body = seg & ~(size_t)(QT_UK_DR_KR - 1);
  const size_t row_elems = (seg + QT_UK_DR_KR - 1) / QT_UK_DR_KR * QT_UK_NR * QT_UK_DR_KR;
  for (size_t r = 0; r < rows; r++) {
    const QT_UK_DR_WELEM *wr = w + r * row_elems;
    const size_t base = r * step;
    size_t s = 0;
    /* KU k-steps per iteration, unrolled by hand, the rest rolled; never unrolled further,
     * so ku alone decides */
    _Pragma("GCC unroll 1") for (; s + QT_UK_DR_KR * QT_UK_KU <= seg_body;
                                 s += QT_UK_DR_KR * QT_UK_KU) {
      _Pragma(QT_UK_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
          QT_UK_DR_STEP(acc, a, base + s + QT_UK_DR_KR * (size_t)u, QT_UK_DR_WS(wr, s, u),
                        QT_UK_DR_KR);
    }
    for (; s < seg_body; s += QT_UK_DR_KR)
      QT_UK_DR_STEP(acc, a, base + s, QT_UK_DR_WS(wr, s, 0), QT_UK_DR_KR);
    /* the row's last partial step: one byte for a k-step of 2, a constant */
    if (s < seg)
      QT_UK_DR_STEP(acc, a, base + s, QT_UK_DR_WS(wr, s, 0), QT_UK_DR_KR == 2 ? 1 : seg - s);
  }
}

#endif /* QT_UKERNEL_DIRECT_ROWS_H */
