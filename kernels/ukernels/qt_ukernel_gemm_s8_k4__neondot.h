/* qt_ukernel_gemm_s8_k4__neondot.h — the GEMM micro-kernel of the gemm template's isa value
 * neondot (kernels/templates/gemm.c, QT_KNOB_ISA=4): one MR x NR tile of int32 accumulators
 * over the whole reduction with SDOT (armv8.2-a+dotprod), K blocked by 4, int8 (s8) only; and
 * its plain C twin, bit-exact with it, used where the compiler does not target dotprod (and
 * tested everywhere, qemu -cpu cortex-a53 included).
 *
 * Parameters at include time (the template's knobs): QT_UK_MR rows (1..8), QT_UK_NR columns
 * (a multiple of 4: one int32x4 accumulator holds 4 columns), QT_UK_KU unroll of the k4 loop,
 * QT_UK_LOAD the load order of a k4-step (0 = weights: its NR/4 weight vectors first, then
 * per row one input broadcast and its SDOTs; 1 = inputs: all MR broadcasts first, then per
 * weight vector its MR SDOTs), QT_UK_PIPE the software-pipelining depth (0 = none; P = the
 * operands of k4-step s + P are loaded before the SDOTs of step s, in P + 1 rotating register
 * sets). The twin ignores the last two: they only schedule the same arithmetic.
 *
 * Packed column block (written by the template's pack(), kernels/ukernels/README.md):
 *   int32 bias'[NR]   = bias - input_zp * sum_k w
 *   int8  w[ceil(K/4)][NR][4]                    zero for k >= K or past out_c
 * SDOT multiplies signed by signed bytes, so unlike VNNI no input shift is needed. Products
 * and the four-way sums fit int32; accumulation is modulo 2^32 in both forms.
 *
 * Each function: acc[m][j] = bias'[j] + sum_k a[m][k] * w[k][j] (a as int8), for a[] MR row
 * pointers of K bytes each (rows may repeat). Reads exactly K bytes of each row. */
#ifndef QT_UKERNEL_GEMM_S8_K4__NEONDOT_H
#define QT_UKERNEL_GEMM_S8_K4__NEONDOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if !defined(QT_UK_MR) || !defined(QT_UK_NR) || !defined(QT_UK_KU) || !defined(QT_UK_LOAD) ||   \
    !defined(QT_UK_PIPE)
#error "define QT_UK_MR, QT_UK_NR, QT_UK_KU, QT_UK_LOAD and QT_UK_PIPE before including this micro-kernel"
#endif
_Static_assert(QT_UK_LOAD == 0 || QT_UK_LOAD == 1, "QT_UK_LOAD: 0 weights, 1 inputs");
_Static_assert(QT_UK_PIPE >= 0 && QT_UK_PIPE <= 2, "QT_UK_PIPE: 0..2");
_Static_assert(QT_UK_NR % 4 == 0, "neondot micro-kernel: NR must be a multiple of 4");

#define QT_UK_SDOT_STR_(x) #x
#define QT_UK_SDOT_STR(x) QT_UK_SDOT_STR_(x)

/* Input bytes k .. k + n - 1 of a row (n <= 4) as one little-endian word, zero above. */
static inline uint32_t qt_uk_sdot_word(const uint8_t *row, size_t k, size_t n) {
  uint32_t v = 0;
  memcpy(&v, row + k, n);
  return v;
}

/* The plain C twin: same packed layout, same arithmetic (modulo 2^32), any compiler. */
static inline void qt_ukernel_gemm_s8_k4__neondot_c(const uint8_t *const a[QT_UK_MR],
                                                 const uint8_t *block, size_t k_len,
                                                 int32_t acc[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t *w = (const int8_t *)(block + QT_UK_NR * sizeof(int32_t));
  uint32_t sum[QT_UK_MR][QT_UK_NR];
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) sum[m][j] = (uint32_t)bias[j];
  for (size_t k = 0; k < k_len; k += 4) {
    const size_t n = k_len - k < 4 ? k_len - k : 4;
    const int8_t *wk = w + (k / 4) * QT_UK_NR * 4;
    for (int m = 0; m < QT_UK_MR; m++) {
      const uint32_t x = qt_uk_sdot_word(a[m], k, n);
      for (int j = 0; j < QT_UK_NR; j++)
        for (int t = 0; t < 4; t++)
          sum[m][j] += (uint32_t)((int32_t)(int8_t)(x >> (8 * t)) * (int32_t)wk[j * 4 + t]);
    }
  }
  for (int m = 0; m < QT_UK_MR; m++)
    for (int j = 0; j < QT_UK_NR; j++) acc[m][j] = (int32_t)sum[m][j];
}

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

#define QT_UK_SDOT_NV (QT_UK_NR / 4)
/* The input word of row m at k4-step k (n bytes), in every 32-bit lane. */
#define QT_UK_SDOT_X(a, m, k, n)                                                             \
  vreinterpretq_s8_u32(vdupq_n_u32(qt_uk_sdot_word((a)[m], (k), (n))))
/* Weight vector v (4 columns x 4 k) of k4-step k. */
#define QT_UK_SDOT_W(w, k, v) vld1q_s8((w) + ((k) / 4) * QT_UK_NR * 4 + 16 * (v))

#if QT_UK_LOAD == 0
/* One k4 step, weights first: NV weight vectors, then per row one broadcast of its 4 input bytes and its NV
 * SDOT (each weight vector reused MR times from a register). */
#define QT_UK_SDOT_STEP(acc, a, w, k, n)                                                     \
  do {                                                                                       \
    int8x16_t wv_[QT_UK_SDOT_NV];                                                              \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) wv_[v] = QT_UK_SDOT_W(w, k, v);   \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) {                             \
      const int8x16_t x_ = QT_UK_SDOT_X(a, m, k, n);                                           \
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) (acc)[m][v] = vdotq_s32((acc)[m][v], wv_[v], x_);   \
    }                                                                                        \
  } while (0)
#else
/* One k4 step, inputs first: MR broadcasts, then per weight vector its MR SDOT
 * (each broadcast reused NV times, one weight vector live at a time). */
#define QT_UK_SDOT_STEP(acc, a, w, k, n)                                                     \
  do {                                                                                       \
    int8x16_t xv_[QT_UK_MR];                                                                   \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) xv_[m] = QT_UK_SDOT_X(a, m, k, n); \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) {                        \
      const int8x16_t w_ = QT_UK_SDOT_W(w, k, v);                                              \
      _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) (acc)[m][v] = vdotq_s32((acc)[m][v], w_, xv_[m]); \
    }                                                                                        \
  } while (0)
#endif

#if QT_UK_PIPE > 0
/* Software pipelining: one register set = a k4-step's NV weight vectors and MR broadcasts,
 * loaded in the load order; the SDOTs of a set run in the same order (rows outer for
 * weights, weight vectors outer for inputs). */
#define QT_UK_SDOT_LOADW(wv, w, k)                                                           \
  _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) (wv)[v] = QT_UK_SDOT_W(w, k, v)
#define QT_UK_SDOT_LOADX(xv, a, k)                                                           \
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) (xv)[m] = QT_UK_SDOT_X(a, m, k, 4)
#if QT_UK_LOAD == 0
#define QT_UK_SDOT_LOAD(wv, xv, a, w, k)                                                     \
  do {                                                                                       \
    QT_UK_SDOT_LOADW(wv, w, k);                                                              \
    QT_UK_SDOT_LOADX(xv, a, k);                                                              \
  } while (0)
#define QT_UK_SDOT_MAC(acc, wv, xv)                                                          \
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)                                 \
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) (acc)[m][v] = vdotq_s32((acc)[m][v], (wv)[v], (xv)[m])
#else
#define QT_UK_SDOT_LOAD(wv, xv, a, w, k)                                                     \
  do {                                                                                       \
    QT_UK_SDOT_LOADX(xv, a, k);                                                              \
    QT_UK_SDOT_LOADW(wv, w, k);                                                              \
  } while (0)
#define QT_UK_SDOT_MAC(acc, wv, xv)                                                          \
  _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++)                            \
      _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) (acc)[m][v] = vdotq_s32((acc)[m][v], (wv)[v], (xv)[m])
#endif
/* An empty asm that takes a loaded set as an operand: the set is materialised in registers
 * here, at its place in the schedule. Without it GCC's PRE sees through the rotation and
 * turns the pipelined loop into register copies (measured on GCC 12). */
#define QT_UK_SDOT_PIN(wv, xv)                                                               \
  do {                                                                                       \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) __asm__("" : "+w"((wv)[v])); \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++) __asm__("" : "+w"((xv)[m]));  \
  } while (0)
/* The same for the accumulators between the pipelined loops and the drain: otherwise PRE
 * finds the drain's multiply-adds partially redundant with the loop's and keeps two copies
 * of every accumulator live through the loop. */
#define QT_UK_SDOT_PIN_ACC(acc)                                                              \
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)                                 \
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) __asm__("" : "+w"((acc)[m][v]))
#define QT_UK_SDOT_ROTATE(wv, xv)                                                            \
  _Pragma("GCC unroll 2") for (int p_ = 0; p_ < QT_UK_PIPE; p_++) {                          \
    _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++)(wv)[p_][v] = (wv)[p_ + 1][v];  \
    _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)(xv)[p_][m] = (xv)[p_ + 1][m]; \
  }
/* One pipelined step: load set P (the step P ahead), multiply-add set 0, rotate. */
#define QT_UK_SDOT_PSTEP(acc, wv, xv, a, w, k_ahead)                                         \
  do {                                                                                       \
    QT_UK_SDOT_LOAD((wv)[QT_UK_PIPE], (xv)[QT_UK_PIPE], a, w, k_ahead);                      \
    QT_UK_SDOT_PIN((wv)[QT_UK_PIPE], (xv)[QT_UK_PIPE]);                                      \
    QT_UK_SDOT_MAC(acc, (wv)[0], (xv)[0]);                                                   \
    QT_UK_SDOT_ROTATE(wv, xv);                                                               \
  } while (0)

/* The full k4-steps of [0, k_body) pipelined P deep: a prologue loads the first P steps,
 * each step then loads the one P ahead before its own SDOTs, and the last P steps drain
 * without loads. Needs k_body >= 4 * P (else the caller runs plain steps); returns the k
 * reached (k_body). The rotation is a renaming when KU is a multiple of P + 1, else it costs
 * register moves at the loop's back edge. */
static inline __attribute__((always_inline)) size_t qt_uk_sdot_pipelined(
    int32x4_t acc[QT_UK_MR][QT_UK_SDOT_NV], const uint8_t *const a[QT_UK_MR], const int8_t * w,
    size_t k_body, const int u8) {
  (void)u8; /* read by the input broadcast where the kernel takes both dtypes */
  int8x16_t wv[QT_UK_PIPE + 1][QT_UK_SDOT_NV], xv[QT_UK_PIPE + 1][QT_UK_MR];
  _Pragma("GCC unroll 2") for (int p = 0; p < QT_UK_PIPE; p++) {
    QT_UK_SDOT_LOAD(wv[p], xv[p], a, w, 4 * (size_t)p);
    QT_UK_SDOT_PIN(wv[p], xv[p]);
  }
  /* steps that load one P ahead: KU per iteration, then one at a time. Written as do-while
   * loops with their trip counts: GCC's loop-header copying of two consecutive for loops
   * made its register allocator copy accumulators around the pipelined loop. */
  const size_t ahead = k_body / 4 - QT_UK_PIPE;
  size_t n = ahead / QT_UK_KU, k = 0;
  if (n) do {
      _Pragma(QT_UK_SDOT_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
          QT_UK_SDOT_PSTEP(acc, wv, xv, a, w, k + 4 * (size_t)(u + QT_UK_PIPE));
      k += 4 * QT_UK_KU;
    } while (--n);
  QT_UK_SDOT_PIN_ACC(acc);
#if QT_UK_KU > 1
  n = ahead % QT_UK_KU;
  if (n) do {
      QT_UK_SDOT_PSTEP(acc, wv, xv, a, w, k + 4 * (size_t)QT_UK_PIPE);
      k += 4;
    } while (--n);
  QT_UK_SDOT_PIN_ACC(acc);
#endif
  _Pragma("GCC unroll 2") for (int p = 0; p < QT_UK_PIPE; p++) {
    QT_UK_SDOT_MAC(acc, wv[0], xv[0]);
    QT_UK_SDOT_ROTATE(wv, xv);
  }
  return k + 4 * QT_UK_PIPE;
}
#endif

static inline __attribute__((always_inline)) void qt_ukernel_gemm_s8_k4__neondot(
    const uint8_t *const a[QT_UK_MR], const uint8_t *block, size_t k_len,
    int32_t acc_out[QT_UK_MR][QT_UK_NR]) {
  const int32_t *bias = (const int32_t *)(const void *)block;
  const int8_t * w = (const int8_t *)(const void *)(block + QT_UK_NR * sizeof(int32_t));
  int32x4_t acc[QT_UK_MR][QT_UK_SDOT_NV];
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++) acc[m][v] = vld1q_s32(bias + 4 * v);
  const size_t k_body = k_len & ~(size_t)3;
  size_t k = 0;
#if QT_UK_PIPE > 0
  if (k_body >= 4 * (size_t)QT_UK_PIPE) k = qt_uk_sdot_pipelined(acc, a, w, k_body, 0);
#else
  /* KU k4-steps per iteration, unrolled by hand, the rest rolled. The loop itself is never
   * unrolled further, not even completely for a short constant K: ku alone decides, so each
   * of its values is different code. */
  _Pragma("GCC unroll 1") for (; k + 4 * QT_UK_KU <= k_body; k += 4 * QT_UK_KU) {
    _Pragma(QT_UK_SDOT_STR(GCC unroll QT_UK_KU)) for (int u = 0; u < QT_UK_KU; u++)
        QT_UK_SDOT_STEP(acc, a, w, k + 4 * (size_t)u, 4);
  }
#endif
  /* the rest of the full steps (pipe: fewer than P of them), then the K % 4 tail */
  for (; k < k_body; k += 4) QT_UK_SDOT_STEP(acc, a, w, k, 4);
  if (k < k_len) QT_UK_SDOT_STEP(acc, a, w, k, k_len - k);
  _Pragma("GCC unroll 8") for (int m = 0; m < QT_UK_MR; m++)
      _Pragma("GCC unroll 8") for (int v = 0; v < QT_UK_SDOT_NV; v++)
          vst1q_s32(acc_out[m] + 4 * v, acc[m][v]);
}
#endif

#endif /* QT_UKERNEL_GEMM_S8_K4__NEONDOT_H */
