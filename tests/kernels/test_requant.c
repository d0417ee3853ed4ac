/* test_requant.c — the vectorisable fixed-point requantization (qt_requant_fixedpoint_vec in
 * kernels/include/qt_requant.h) against the documented scalar oracle (qt_requant_fixedpoint):
 * exhaustively over the cross product of edge values (accumulators around every power of two,
 * the int32 extremes and the saturation borders of every left shift; multipliers 0, 1, 2^30,
 * 2^31 - 1 and neighbours; every shift in [-31, 30]; output zero points and clamps at the
 * dtype limits), then over millions of random inputs, both element by element and through
 * array loops the compiler vectorises (the form templates use, so the vector code itself is
 * what is checked). The same for the AVX-512 micro-kernel
 * (kernels/ukernels/qt_ukernel_requant_fixedpoint__avx512.h) where the CPU has AVX-512, and
 * its C twin everywhere; and for the AVX2 and NEON micro-kernels (..._fixedpoint__avx2.h,
 * ..._fixedpoint__neon.h: 8 lanes, and NEON's 4-lane form) where the CPU has them (NEON:
 * every aarch64 build, so under qemu), their twins everywhere, over every edge accumulator x
 * every shift x edge multipliers (INT32_MIN and negatives too for the kernels exact for any
 * multiplier; the quant checks' [0, 2^31) for AVX2's), constructed ties of both rounding
 * steps, and random inputs. The AVX-512 fp32 micro-kernel (..._fp32__avx512.h) against
 * qt_requant_fp32 where the CPU has AVX-512 F+BW, its twin everywhere: edge accumulators x
 * edge and tie-making scales x clamps of both dtypes, random inputs, every partial width
 * (nothing written past it). Also prints the per-output cost of the forms in such a loop. Links
 * qtkernels only: runs natively and under qemu. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qt_requant.h"
#include "qt_test.h"
#include "../../kernels/ukernels/qt_ukernel_requant_fixedpoint__avx2.h"
#include "../../kernels/ukernels/qt_ukernel_requant_fixedpoint__avx512.h"
#include "../../kernels/ukernels/qt_ukernel_requant_fp32__avx512.h"
#include "../../kernels/ukernels/qt_ukernel_requant_fixedpoint__neon.h"
#include "../../kernels/ukernels/qt_ukernel_requant_fixedpoint__dsp.h"

static uint64_t rng_state = 0x243f6a8885a308d3ULL;
static uint64_t rng(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static long long mismatches;

static void check_one(int32_t acc, int32_t m, int32_t s, int32_t zp, int32_t lo, int32_t hi) {
  const int32_t want = qt_requant_fixedpoint(acc, m, s, zp, lo, hi);
  const int32_t got = qt_requant_fixedpoint_vec(acc, m, s, zp, lo, hi);
  if (want != got && mismatches++ < 10)
    fprintf(stderr, "acc %d M %d shift %d zp %d clamp [%d, %d]: vec %d, oracle %d\n", acc, m, s,
            zp, lo, hi, got, want);
}

/* Edge accumulators: 0, +-1, +-2^k and neighbours, the int32 extremes. */
static int edge_accs(int32_t *out) {
  int n = 0;
  out[n++] = 0;
  out[n++] = INT32_MAX;
  out[n++] = INT32_MIN;
  out[n++] = INT32_MIN + 1;
  out[n++] = INT32_MAX - 1;
  for (int k = 0; k < 31; k++) {
    const int64_t p = INT64_C(1) << k;
    const int64_t c[] = {p - 1, p, p + 1, -p - 1, -p, -p + 1};
    for (int i = 0; i < 6; i++)
      if (c[i] >= INT32_MIN && c[i] <= INT32_MAX) out[n++] = (int32_t)c[i];
  }
  return n;
}

static void test_edges(void) {
  int32_t accs[256];
  const int n_acc = edge_accs(accs);
  const int32_t muls[] = {0,           1,          2,          3,          (1 << 30) - 1,
                          1 << 30,     (1 << 30) + 1, 1610612736, INT32_MAX - 1, INT32_MAX,
                          1073741825,  1518500250, 1 << 16};
  /* (zp, lo, hi): s8 full range and relu6-like, u8 full range and narrow */
  const int32_t clamps[][3] = {
      {0, -128, 127}, {-128, -128, 127}, {127, -128, 127}, {-5, -128, 3},
      {0, 0, 255},    {255, 0, 255},     {128, 0, 255},    {7, 100, 100}};
  long long n = 0;
  for (int a = 0; a < n_acc; a++)
    for (size_t m = 0; m < sizeof muls / sizeof muls[0]; m++)
      for (int32_t s = -31; s <= 30; s++)
        for (size_t c = 0; c < sizeof clamps / sizeof clamps[0]; c++, n++)
          check_one(accs[a], muls[m], s, clamps[c][0], clamps[c][1], clamps[c][2]);
  /* the intermediate steps unclamped: a wide clamp lets x3 through as it is */
  for (int a = 0; a < n_acc; a++)
    for (size_t m = 0; m < sizeof muls / sizeof muls[0]; m++)
      for (int32_t s = -31; s <= 30; s++, n++)
        check_one(accs[a], muls[m], s, 0, -(1 << 30), 1 << 30);
  CHECK_MSG(mismatches == 0, "%lld of %lld edge cases differ from the oracle", mismatches, n);
  CHECK(n > 100000);
}

/* Random inputs, element by element: accumulators of all magnitudes (a random bit length,
 * so small values are as common as large ones), any valid multiplier and shift. */
static int32_t random_acc(void) {
  const uint64_t r = rng();
  const int bits = (int)(r % 32);
  int64_t v = (int64_t)((r >> 8) & ((UINT64_C(1) << bits) - 1));
  if (r & (UINT64_C(1) << 63)) v = -v - (int64_t)((r >> 7) & 1);
  return (int32_t)v;
}

static void test_random(long long n) {
  const long long before = mismatches;
  for (long long i = 0; i < n; i++) {
    const uint64_t r = rng();
    const int32_t m = (r & 3) == 0 ? (int32_t)((r >> 2) & 0x7fffffff)
                                   : (int32_t)(((r >> 2) & 0x3fffffff) | 0x40000000);
    const int32_t s = (int32_t)((r >> 40) % 62) - 31;
    const int32_t zp = (int32_t)((r >> 48) & 0xff) - 128;
    check_one(random_acc(), m, s, zp, -128, 127);
    check_one(random_acc(), m, s, zp + 128, 0, 255);
  }
  CHECK_MSG(mismatches == before, "%lld of %lld random inputs differ", mismatches - before,
            2 * n);
}

/* The loop shape templates use: per-channel multiplier and shift arrays, one output byte per
 * accumulator. noinline keeps each loop a separate vectorised function. */
enum { LEN = 4096 };
static __attribute__((noinline)) void loop_vec(const int32_t *restrict acc, const int32_t *restrict m,
                                               const int32_t *restrict s, uint8_t *restrict out,
                                               int32_t zp, int32_t lo, int32_t hi) {
  for (int i = 0; i < LEN; i++) out[i] = (uint8_t)qt_requant_fixedpoint_vec(acc[i], m[i], s[i], zp, lo, hi);
}
static __attribute__((noinline)) void loop_ref(const int32_t *restrict acc, const int32_t *restrict m,
                                               const int32_t *restrict s, uint8_t *restrict out,
                                               int32_t zp, int32_t lo, int32_t hi) {
  for (int i = 0; i < LEN; i++) out[i] = (uint8_t)qt_requant_fixedpoint(acc[i], m[i], s[i], zp, lo, hi);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#if defined(__x86_64__)
static __attribute__((noinline, target("avx512f,avx512bw"))) void loop_avx512(
    const int32_t *acc, const int32_t *m, const int32_t *s, uint8_t *out, int32_t zp, int32_t lo,
    int32_t hi) {
  for (int i = 0; i < LEN; i += 16)
    qt_ukernel_requant_fixedpoint__avx512(acc + i, m + i, s + i, out + i, zp, lo, hi);
}
#endif

/* 1 where the AVX-512 micro-kernels can run natively (x86-64 with AVX-512 F+BW), else 0. */
static int cpu_has_avx512(void) {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#else
  return 0;
#endif
}

#if defined(__x86_64__)
/* Whether a block of these multipliers and shifts takes the no-left-shift form. */
static __attribute__((noinline, target("avx512f,avx512bw"))) int noleft_form(const int32_t *m,
                                                                             const int32_t *s,
                                                                             int32_t zp) {
  return qt_ukernel_requant_fixedpoint__avx512_params(_mm512_loadu_si512((const void *)m),
                                                      _mm512_loadu_si512((const void *)s), zp)
             .form == QT_RQ512_NOLEFT;
}
/* A block's params as the requant table holds them: the integer form, then the float form
 * where its check passes. */
/* The block's params, switched to the float form (one: the one-FMA form) where its check
 * passes. */
static __attribute__((noinline, target("avx512f,avx512bw"))) void float_params(
    qt_requant_fixedpoint_avx512_params *p, const int32_t *m, const int32_t *s, int32_t zp,
    int32_t lo, int32_t hi, int one) {
  *p = qt_ukernel_requant_fixedpoint__avx512_load_params(m, s, 16, zp);
  const int form = p->form;
  if (!(one ? qt_ukernel_requant_fixedpoint__avx512_try_float1(p, m, s, 16, zp, lo, hi)
            : qt_ukernel_requant_fixedpoint__avx512_try_float(p, m, s, 16, zp, lo, hi)))
    CHECK_MSG(p->form == form, "a block that failed the float form's check changed its form");
}
static __attribute__((noinline, target("avx512f,avx512bw"))) int float_exact(
    const qt_requant_fixedpoint_avx512_params *p, const int32_t *m, const int32_t *s, int32_t zp,
    int32_t lo, int32_t hi) {
  return qt_ukernel_requant_fixedpoint__avx512_float_exact(p, m, s, 16, zp, lo, hi);
}
/* The block's outputs (clamped, zp added) as int32, through apply (which takes the block's
 * form: the float form for a block that passed the check); a float form as the templates
 * run it, through the requant table's entry (s_hi, s_lo, e; k from zp), which must give the
 * same params, and with the layer's constants as the table keeps them (..._float_l), which
 * must give the same outputs, as must its relu form where the clamp's bottom is at or above
 * zp (counted in *n_relu). */
static __attribute__((noinline, target("avx512f,avx512bw"))) void float_apply(
    const int32_t *acc, const qt_requant_fixedpoint_avx512_params *p, int32_t lo, int32_t hi,
    int32_t *got, long long *n_relu) {
  const qt_requant_fixedpoint_avx512_float c = qt_ukernel_requant_fixedpoint__avx512_float_pack(p);
  const int one = p->form == QT_RQ512_FLOAT1;
  CHECK_EQ_INT(qt_ukernel_requant_fixedpoint__avx512_float_has(&c),
               p->form == QT_RQ512_FLOAT || one);
  if (p->form == QT_RQ512_FLOAT || one) {
    const qt_requant_fixedpoint_avx512_params u =
        qt_ukernel_requant_fixedpoint__avx512_float_unpack(&c, p->zp, one);
    /* s_hi, s_lo, e, k; or s1, tp, tn */
    CHECK(memcmp(&u.s_hi, &p->s_hi, (one ? 3 : 4) * sizeof(__m512)) == 0);
    _mm512_storeu_si512(got, qt_ukernel_requant_fixedpoint__avx512_apply(
                                 _mm512_loadu_si512((const void *)acc), &u, lo, hi));
    /* as the templates run it: the layer's constants from the table's copy */
    const qt_requant_fixedpoint_avx512_layer l =
        qt_ukernel_requant_fixedpoint__avx512_layer(p->zp, lo, hi);
    int32_t via_layer[16];
    _mm512_storeu_si512(via_layer, qt_ukernel_requant_fixedpoint__avx512_float_l(
                                       _mm512_loadu_si512((const void *)acc), &u, &l, 0, one));
    CHECK(memcmp(via_layer, got, sizeof via_layer) == 0);
    if (lo >= p->zp) {
      _mm512_storeu_si512(via_layer, qt_ukernel_requant_fixedpoint__avx512_float_l(
                                         _mm512_loadu_si512((const void *)acc), &u, &l, 1, one));
      CHECK(memcmp(via_layer, got, sizeof via_layer) == 0);
      *n_relu += 16;
    }
    return;
  }
  _mm512_storeu_si512(got, qt_ukernel_requant_fixedpoint__avx512_apply(
                               _mm512_loadu_si512((const void *)acc), p, lo, hi));
}
/* The dtype whose bytes ..._pack64 writes for a clamp: u8 where the clamp is outside s8,
 * else s8 or u8 as the caller's coin says, -1 where neither holds it. */
static int pack_dtype(int32_t lo, int32_t hi, int coin) {
  if (lo >= 0 && hi <= 255 && (hi > 127 || coin)) return 1;
  return lo >= -128 && hi <= 127 ? 0 : -1;
}

/* 1 if the templates may take the sat forms for these 16 accumulators and scales: the clamp
 * tops at the pack's dtype maximum and |acc scale| < 2^30 for every accumulator and lane
 * (a register lane may hold any of them), as qt_tpl_rq_sat_layer asks of a layer. */
static int sat_allowed(const int32_t *acc, const double *scale, int32_t hi, int u8) {
  if (hi != (u8 ? 255 : 127)) return 0;
  double a = 0, sc = 0;
  for (int i = 0; i < 16; i++) {
    const double v = acc[i] < 0 ? -(double)acc[i] : (double)acc[i];
    a = v > a ? v : a;
    sc = scale[i] > sc ? scale[i] : sc;
  }
  return a * sc < 1073741824.0;
}

/* The float form's 64-byte path as qt_tpl_requant_wide_avx512 runs it: register j holds, in
 * lane i, acc[(i + 4 j) % 16] (lane i's params apply to whichever value it holds), each
 * through ..._float_hi_l with the layer's constants (without the upper clamp if sat, without
 * the copysign if relu), then ..._pack64 into bytes[64]. */
static __attribute__((noinline, target("avx512f,avx512bw"))) void float_pack64(
    const int32_t *acc, const qt_requant_fixedpoint_avx512_params *p, int32_t lo, int32_t hi,
    int u8, int sat, int relu, uint8_t *bytes) {
  __m512i x[4];
  int32_t r[16];
  const qt_requant_fixedpoint_avx512_layer l =
      qt_ukernel_requant_fixedpoint__avx512_layer(p->zp, lo, hi);
  for (int j = 0; j < 4; j++) {
    for (int i = 0; i < 16; i++) r[i] = acc[(i + 4 * j) % 16];
    const __m512i a = _mm512_loadu_si512((const void *)r);
    x[j] = qt_ukernel_requant_fixedpoint__avx512_float_hi_l(a, p, &l, sat, relu,
                                                            p->form == QT_RQ512_FLOAT1);
  }
  _mm512_storeu_si512(bytes, qt_ukernel_requant_pack64__avx512(x[0], x[1], x[2], x[3],
                                                               _mm512_setzero_si512(), 0, lo, u8));
}

/* The AVX-512 kernel through its parts as the templates call them (the requant table's
 * params, then apply and store), 16 lanes at once. */
static __attribute__((noinline, target("avx512f,avx512bw"))) void requant_avx512(
    const int32_t *acc, const int32_t *m, const int32_t *s, uint8_t *out, int32_t zp, int32_t lo,
    int32_t hi) {
  qt_ukernel_requant_fixedpoint__avx512(acc, m, s, out, zp, lo, hi);
}
#endif

/* The 16-wide micro-kernel (AVX-512 where the CPU has it, else its twin) against the oracle:
 * every edge accumulator with every shift and edge multiplier, then random inputs. */
static void test_ukernel16(long long random_rounds) {
  const int use_avx512 = cpu_has_avx512();
  printf("requant micro-kernel: %s\n", use_avx512 ? "avx512" : "C twin");
  int32_t accs[256];
  const int n_acc = edge_accs(accs);
  const int32_t muls[] = {0, 1, 3, (1 << 30) - 1, 1 << 30, 1610612736, INT32_MAX - 1, INT32_MAX};
  const int32_t clamps[][3] = {{0, -128, 127}, {-128, -128, 127}, {127, -128, 127},
                               {0, 0, 255},    {255, 0, 255},     {7, 100, 100}};
  long long bad = 0, n = 0;
  int32_t acc[16], m[16], s[16];
  uint8_t got[16];
  for (size_t c = 0; c < sizeof clamps / sizeof clamps[0]; c++)
    for (size_t mi = 0; mi < sizeof muls / sizeof muls[0]; mi++)
      for (int32_t sh = -31; sh <= 30; sh++)
        for (int a0 = 0; a0 < n_acc; a0 += 16) {
          for (int i = 0; i < 16; i++) {
            acc[i] = accs[(a0 + i) % n_acc];
            m[i] = muls[(mi + (size_t)i) % (sizeof muls / sizeof muls[0])];
            s[i] = i % 2 ? sh : -sh - 1; /* both signs in one vector; -sh - 1 is in range too */
          }
#if defined(__x86_64__)
          if (use_avx512)
            qt_ukernel_requant_fixedpoint__avx512(acc, m, s, got, clamps[c][0], clamps[c][1], clamps[c][2]);
          else
#endif
            qt_ukernel_requant_fixedpoint__avx512_c(acc, m, s, got, clamps[c][0], clamps[c][1],
                                                    clamps[c][2]);
          for (int i = 0; i < 16; i++, n++)
            bad += got[i] != (uint8_t)qt_requant_fixedpoint(acc[i], m[i], s[i], clamps[c][0],
                                                             clamps[c][1], clamps[c][2]);
        }
  for (long long r = 0; r < random_rounds; r++) {
    for (int i = 0; i < 16; i++) {
      const uint64_t x = rng();
      acc[i] = random_acc();
      m[i] = (x & 3) == 0 ? (int32_t)((x >> 2) & 0x7fffffff)
                          : (int32_t)(((x >> 2) & 0x3fffffff) | 0x40000000);
      s[i] = (int32_t)((x >> 40) % 62) - 31;
    }
    const int32_t zp = (int32_t)(rng() % 256) - 128;
#if defined(__x86_64__)
    if (use_avx512)
      qt_ukernel_requant_fixedpoint__avx512(acc, m, s, got, zp, -128, 127);
    else
#endif
      qt_ukernel_requant_fixedpoint__avx512_c(acc, m, s, got, zp, -128, 127);
    for (int i = 0; i < 16; i++, n++)
      bad += got[i] != (uint8_t)qt_requant_fixedpoint(acc[i], m[i], s[i], zp, -128, 127);
  }
  CHECK_MSG(bad == 0, "%lld of %lld outputs of the 16-wide requant micro-kernel differ", bad, n);
}

/* The AVX-512 kernel's form for blocks where no lane shifts left
 * (qt_ukernel_requant_fixedpoint__avx512_scale_noleft): every edge accumulator x edge
 * multiplier x pairs of shifts in [-31, 0] x zero points and clamps at the dtype limits;
 * both rounding steps' ties with M = 2^30 (SRDHM halves exactly, so an odd accumulator is
 * its tie, and y = 2^(r-1) + j 2^r the divide's) for every r and both signs; random inputs.
 * Every one of these vectors must take the form (the params say so), and a block with one
 * lane shifting left must not. */
static void test_ukernel16_noleft(long long random_rounds) {
#if defined(__x86_64__)
  if (!cpu_has_avx512()) {
    printf("requant no-left-shift form: no AVX-512 here, skipped\n");
    return;
  }
  int32_t accs[256];
  const int n_acc = edge_accs(accs);
  const int32_t muls[] = {0, 1, 3, (1 << 30) - 1, 1 << 30, 1610612736, INT32_MAX - 1, INT32_MAX};
  const int32_t clamps[][3] = {{0, -128, 127}, {-128, -128, 127}, {127, -128, 127}, {0, 0, 255},
                               {255, 0, 255},  {-128, -128, 255}, {255, -128, 255}, {7, 100, 100}};
  long long bad = 0, n = 0, vectors = 0, one = 0;
  int32_t acc[16], m[16], s[16];
  uint8_t got[16];
#define NOLEFT_RUN(ZP, LO, HI)                                                                   \
  do {                                                                                           \
    one += noleft_form(m, s, (ZP));                                                              \
    vectors++;                                                                                   \
    requant_avx512(acc, m, s, got, (ZP), (LO), (HI));                                            \
    for (int i_ = 0; i_ < 16; i_++, n++)                                                         \
      bad += got[i_] != (uint8_t)qt_requant_fixedpoint(acc[i_], m[i_], s[i_], (ZP), (LO), (HI)); \
  } while (0)
  for (size_t c = 0; c < sizeof clamps / sizeof clamps[0]; c++)
    for (size_t mi = 0; mi < sizeof muls / sizeof muls[0]; mi++)
      for (int32_t sh = -31; sh <= 0; sh++)
        for (int a0 = 0; a0 < n_acc; a0 += 16) {
          for (int i = 0; i < 16; i++) {
            acc[i] = accs[(a0 + i) % n_acc];
            m[i] = muls[(mi + (size_t)i) % (sizeof muls / sizeof muls[0])];
            s[i] = i % 2 ? sh : -31 - sh; /* two shifts in one vector, both in [-31, 0] */
          }
          NOLEFT_RUN(clamps[c][0], clamps[c][1], clamps[c][2]);
        }
  for (int r = 0; r <= 30; r++)
    for (int sign = -1; sign <= 1; sign += 2)
      for (int zi = 0; zi < 3; zi++) {
        const int32_t zp = zi == 0 ? 0 : zi == 1 ? -128 : 255;
        for (int i = 0; i < 16; i++) {
          /* y = 2^(r-1) + j 2^r, a tie of the divide; acc = 2y, or 2y + 1 (SRDHM's tie too) */
          const int64_t jn = r >= 29   ? 0
                             : r >= 24 ? (INT64_C(1) << (29 - r))
                                       : 32; /* |2y| < 2^31 */
          const int64_t j = (int64_t)(rng() % (uint64_t)(2 * jn + 1)) - jn;
          const int64_t y = sign * ((r ? INT64_C(1) << (r - 1) : 0) + j * (INT64_C(1) << r));
          const int64_t a = 2 * y + (i % 2);
          acc[i] = a > INT32_MAX ? INT32_MAX - i : a < INT32_MIN ? INT32_MIN + i : (int32_t)a;
          m[i] = 1 << 30;
          s[i] = -r;
        }
        NOLEFT_RUN(zp, -(1 << 30), 1 << 30);
        NOLEFT_RUN(zp, -128, 255);
      }
  for (long long rd = 0; rd < random_rounds; rd++) {
    for (int i = 0; i < 16; i++) {
      const uint64_t x = rng();
      acc[i] = random_acc();
      m[i] = (x & 3) == 0 ? (int32_t)((x >> 2) & 0x7fffffff)
                          : (int32_t)(((x >> 2) & 0x3fffffff) | 0x40000000);
      s[i] = -(int32_t)((x >> 40) % 32);
    }
    const int32_t zp = (int32_t)(rng() % 384) - 128;
    NOLEFT_RUN(zp, -128, 255);
    NOLEFT_RUN(zp, zp, zp + 96 > 255 ? 255 : zp + 96); /* a ReLU-like clamp */
  }
  const long long one_before = one;
  s[5] = 1;
  NOLEFT_RUN(3, -128, 127);
  s[5] = 30;
  NOLEFT_RUN(3, -128, 127);
#undef NOLEFT_RUN
  printf("requant no-left-shift form: %lld outputs, %lld of %lld vectors in the form\n", n, one,
         vectors);
  CHECK_MSG(bad == 0, "%lld of %lld outputs of the no-left-shift form differ", bad, n);
  CHECK_MSG(one == vectors - 2 && one == one_before,
            "%lld of %lld vectors took the no-left-shift form (want all but the last 2)", one,
            vectors);
#else
  (void)random_rounds;
#endif
}

#if defined(__x86_64__)
/* A block of `lanes` channels for the float forms' tests: datagen-like where real (M in
 * [2^30, 2^31), shifts -13..-1, a left shift of 0 or 1 in 1 of 32 channels, s8 and u8 zero
 * points, full, window and fused-ReLU clamps), else at the edges (every shift in [-31, 30],
 * multipliers 0, 1, 2^30, 2^31 - 1, zero points and clamps at the dtype limits, a clamp of one
 * value). */
static void draw_float_block(int real, int lanes, int32_t *m, int32_t *s, int32_t *zp, int32_t *lo,
                             int32_t *hi) {
  static const int32_t edge_muls[] = {0, 1, 3, 1 << 30, 1610612736, INT32_MAX - 1, INT32_MAX};
  const int u8 = (int)(rng() % 2);
  if (real) {
    *zp = u8 ? 100 + (int32_t)(rng() % 51) : (int32_t)(rng() % 41) - 20;
    *lo = u8 ? 0 : -128;
    *hi = u8 ? 255 : 127;
    const int clamp = (int)(rng() % 3);
    if (clamp == 0) { /* a window around zp */
      *lo = *zp - 40 - (int32_t)(rng() % 51) < *lo ? *lo : *zp - 40 - (int32_t)(rng() % 51);
      *hi = *zp + 40 + (int32_t)(rng() % 51) > *hi ? *hi : *zp + 40 + (int32_t)(rng() % 51);
    } else if (clamp == 1) { /* a fused ReLU: the bottom at zp */
      *lo = *zp;
    }
    for (int i = 0; i < lanes; i++) {
      m[i] = (int32_t)((rng() & 0x3fffffff) | 0x40000000);
      s[i] = rng() % 32 == 0 ? (int32_t)(rng() % 2) : -1 - (int32_t)(rng() % 13);
    }
  } else {
    const int32_t zps[] = {-128, 0, 127, 255}, los[] = {-128, 0, 7}, his[] = {127, 255, 7};
    *zp = zps[rng() % 4];
    const int c = (int)(rng() % 3);
    *lo = los[c];
    *hi = his[c];
    for (int i = 0; i < lanes; i++) {
      m[i] = rng() % 2 ? edge_muls[rng() % 7] : (int32_t)((rng() & 0x3fffffff) | 0x40000000);
      s[i] = (int32_t)(rng() % 62) - 31;
    }
  }
}
#endif

/* The AVX-512 kernel's float form (qt_ukernel_requant_fixedpoint__avx512_float), which a
 * block takes only where ..._try_float's check of every output step says it equals the
 * oracle. Blocks like datagen's (M in [2^30, 2^31), shifts -13..-1, a left shift of 0 or 1 in
 * 1 of 32 channels, s8 and u8 zero points, full, window and fused-ReLU clamps) must nearly all take
 * it; blocks at the edges (every shift in [-31, 30], multipliers 0, 1, 2^30, 2^31 - 1, zero points
 * and clamps at the dtype limits, a clamp of one value) may or may not. Every block that takes it
 * is checked against the oracle on edge and random accumulators, and the first ones on every
 * accumulator of a wide window (all their output steps); params altered after the check (a lane's e
 * dropped, a scale off by 0.1 %, the offset off by 1/4) must fail it, a clamp wider than 1024 steps
 * is not tried, and a block that does not take the form keeps its integer params. */
#if defined(__x86_64__)
static __attribute__((noinline, target("avx512f,avx512bw"))) void float_form_avx512(int quick,
                                                                                    int one);
#endif
static void test_ukernel16_float(int quick) {
#if defined(__x86_64__)
  /* the check outside the AVX-512 function: GCC may use AVX-512 anywhere in one (ASan's
   * clearing of a frame's shadow memory on return took ZMM stores: SIGILL on an AVX2 host) */
  if (!cpu_has_avx512()) {
    printf("requant float form: no AVX-512 here, skipped\n");
    return;
  }
  float_form_avx512(quick, 0);
  float_form_avx512(quick, 1);
#else
  (void)quick;
#endif
}

#if defined(__x86_64__)
/* one: the one-FMA form (..._try_float1), else the two-FMA form. */
static void float_form_avx512(int quick, int one) {
  int32_t accs[256];
  const int n_acc = edge_accs(accs);
  long long bad = 0, n = 0, blocks = 0, taken = 0, real_blocks = 0, real_taken = 0, scanned = 0,
            n_pack = 0, n_sat = 0, n_relu = 0, mid_lanes = 0, mid_found = 0;
  int altered1 = 0;
  const char *name = one ? "one-FMA float form" : "float form";
  for (int round = 0; round < (quick ? 120 : 400); round++) {
    const int real = round % 2 == 0;
    int32_t m[16], s[16], zp, lo, hi;
    draw_float_block(real, 16, m, s, &zp, &lo, &hi);
    qt_requant_fixedpoint_avx512_params p;
    float_params(&p, m, s, zp, lo, hi, one);
    const int took = p.form == (one ? QT_RQ512_FLOAT1 : QT_RQ512_FLOAT);
    /* the one-FMA form's search must find constants for every datagen-like lane of a shift
     * of -9 or above (MobileNetV2's datagen layers all have such) */
    for (int i = 0; one && real && i < 16; i++) {
      float s1_, tp_, tn_;
      if (s[i] < -9) continue;
      mid_lanes++;
      mid_found += qt_rq512_float1_lane(m[i], s[i], zp, lo, hi, &s1_, &tp_, &tn_);
    }
    blocks++;
    taken += took;
    real_blocks += real;
    real_taken += real && took;
    if (!took) continue;
    int32_t acc[16], got[16];
    double scale[16]; /* M 2^(shift - 31): which accumulators the sat form may take */
    for (int i = 0; i < 16; i++) scale[i] = (double)m[i] * ldexp(1.0, s[i] - 31);
    /* the 64-byte path too, in a dtype that holds the clamp */
    const int pk = pack_dtype(lo, hi, (int)(rng() % 2));
    uint8_t bytes[64];
#define FLOAT_CHECK(with_pack)                                                                   \
  do {                                                                                           \
    float_apply(acc, &p, lo, hi, got, &n_relu);                                                  \
    for (int i_ = 0; i_ < 16; i_++, n++)                                                         \
      if (got[i_] != qt_requant_fixedpoint(acc[i_], m[i_], s[i_], zp, lo, hi) && bad++ < 5)      \
        fprintf(stderr, "float form: acc %d M %d shift %d zp %d [%d, %d]: %d, oracle %d\n",      \
                acc[i_], m[i_], s[i_], zp, lo, hi, got[i_],                                      \
                qt_requant_fixedpoint(acc[i_], m[i_], s[i_], zp, lo, hi));                       \
    for (int f_ = 0; (with_pack) && pk >= 0 && f_ < 4; f_++) {                                   \
      const int sat_ = f_ & 1, relu_ = f_ >> 1;                                                  \
      if ((sat_ && !sat_allowed(acc, scale, hi, pk)) || (relu_ && lo < zp)) continue;            \
      float_pack64(acc, &p, lo, hi, pk, sat_, relu_, bytes);                                     \
      for (int b_ = 0; b_ < 64; b_++, n_pack++, n_sat += sat_, n_relu += relu_) {                \
        const int i_ = b_ % 16, a_ = (i_ + 4 * (b_ / 16)) % 16;                                  \
        const uint8_t want_ = (uint8_t)qt_requant_fixedpoint(acc[a_], m[i_], s[i_], zp, lo, hi); \
        if (bytes[b_] != want_ && bad++ < 5)                                                     \
          fprintf(stderr,                                                                        \
                  "float form pack64%s%s %s: byte %d acc %d M %d shift %d zp %d [%d, %d]: %d, "  \
                  "oracle %d\n",                                                                 \
                  sat_ ? " (sat)" : "", relu_ ? " (relu)" : "", pk ? "u8" : "s8", b_, acc[a_],   \
                  m[i_], s[i_], zp, lo, hi, bytes[b_], want_);                                   \
      }                                                                                          \
    }                                                                                            \
  } while (0)
    for (int a0 = 0; a0 < n_acc; a0 += 16) {
      for (int i = 0; i < 16; i++) acc[i] = accs[(a0 + i) % n_acc];
      FLOAT_CHECK(1);
    }
    for (int r = 0; r < 2000; r++) {
      for (int i = 0; i < 16; i++) acc[i] = random_acc();
      FLOAT_CHECK(1);
    }
    /* every accumulator of [-2^20, 2^20): all the steps of shifts down to about -11 */
    if (scanned < (quick ? 2 : 6) && real) {
      scanned++;
      for (int32_t x = -(1 << 20); x < (1 << 20); x++) {
        for (int i = 0; i < 16; i++) acc[i] = x;
        FLOAT_CHECK(0); /* the pack path: above, 64 bytes a call */
      }
    }
#undef FLOAT_CHECK
    /* altered params must fail the check */
    if (real_taken == 1 && real && !one) {
      qt_requant_fixedpoint_avx512_params t = p;
      float e[16], sh[16];
      _mm512_storeu_ps(e, t.e);
      for (int i = 0; i < 16; i++) e[i] = s[i] < 0 && i == 3 ? 0.0f : e[i];
      t.e = _mm512_loadu_ps(e);
      CHECK_MSG(s[3] >= 0 || !float_exact(&t, m, s, zp, lo, hi), "float form without e passed");
      t = p;
      _mm512_storeu_ps(sh, t.s_hi);
      sh[0] *= 1.001f;
      t.s_hi = _mm512_loadu_ps(sh);
      CHECK_MSG(!float_exact(&t, m, s, zp, lo, hi), "float form with a scale off by 0.1 %% passed");
      t = p;
      t.k = _mm512_add_ps(t.k, _mm512_set1_ps(0.25f));
      CHECK_MSG(!float_exact(&t, m, s, zp, lo, hi), "float form with the offset off by 1/4 passed");
      float_params(&t, m, s, zp, -2000, 2000, 0);
      CHECK_MSG(t.form != QT_RQ512_FLOAT, "a clamp of 4000 steps took the float form");
    }
    /* the same for the one-FMA form, on a block whose clamp reaches below zp (where the
     * negative accumulators' offset decides steps) */
    if (one && real && lo < zp && zp <= hi && s[3] < 0 && !altered1) {
      altered1 = 1;
      qt_requant_fixedpoint_avx512_params t = p;
      float tn[16], tp[16];
      /* lane 3's negative offset as its positive one: the steps below zp move by more than
       * one accumulator (tp - tn is about 2^-r, more than the step s) */
      _mm512_storeu_ps(tn, t.tn);
      _mm512_storeu_ps(tp, t.tp);
      tn[3] = tp[3];
      t.tn = _mm512_loadu_ps(tn);
      CHECK_MSG(!float_exact(&t, m, s, zp, lo, hi),
                "one-FMA form with one offset for both signs passed");
      t = p;
      _mm512_storeu_ps(tp, t.s1);
      tp[0] *= 1.001f;
      t.s1 = _mm512_loadu_ps(tp);
      CHECK_MSG(!float_exact(&t, m, s, zp, lo, hi),
                "one-FMA form with a slope off by 0.1 %% passed");
      t = p;
      t.tp = _mm512_add_ps(t.tp, _mm512_set1_ps(0.25f));
      t.tn = _mm512_add_ps(t.tn, _mm512_set1_ps(0.25f));
      CHECK_MSG(!float_exact(&t, m, s, zp, lo, hi),
                "one-FMA form with the offsets off by 1/4 passed");
      float_params(&t, m, s, zp, -2000, 2000, 1);
      CHECK_MSG(t.form != QT_RQ512_FLOAT1, "a clamp of 4000 steps took the one-FMA form");
    }
  }
  printf(
      "requant %s: %lld of %lld datagen-like blocks and %lld of %lld edge blocks take "
      "it; %lld outputs checked (and %lld through the 64-byte pack, %lld of them without the "
      "upper clamp; %lld in the relu forms), %lld blocks on every accumulator of [-2^20, 2^20)",
      name, real_taken, real_blocks, taken - real_taken, blocks - real_blocks, n, n_pack, n_sat,
      n_relu, scanned);
  if (one)
    printf("; %lld of %lld datagen-like lanes of shifts -9 and above find constants", mid_found,
           mid_lanes);
  printf("\n");
  CHECK_MSG(bad == 0, "%lld of %lld outputs of the %s differ", bad, n + n_pack, name);
  CHECK_MSG(n_pack > 0, "no block went through the 64-byte pack");
  CHECK_MSG(n_sat > 0, "no block went through the 64-byte pack without the upper clamp");
  CHECK_MSG(n_relu > 0, "no output went through the relu forms");
  /* the one-FMA form: blocks with a lane of a small scale often find no constants (the
   * templates then take the two-FMA form for the layer); those of datagen's scales must */
  CHECK_MSG(one ? real_taken * 100 >= real_blocks * 25 && mid_found == mid_lanes && mid_lanes > 0
                : real_taken * 100 >= real_blocks * 98,
            "only %lld of %lld datagen-like blocks take the %s (%lld of %lld lanes of shifts -9 "
            "and above)",
            real_taken, real_blocks, name, mid_found, mid_lanes);
}
#endif

/* ---- The AVX2 float form --------------------------------------------------------------- */

#if defined(__x86_64__)
static int cpu_has_avx2_fma(void) {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* The bytes of 16 accumulators (two runs of the 8-channel block p) the two ways the templates
 * run the float form: 8 at a time clamped in int32 (..._apply_any, store8) into out8, and 16 at
 * a time clamped in int16 (store16) into out16; with round_down in MXCSR's round down, as run()
 * sets it, else in its default mode (round to nearest), which the form is not made for. */
static __attribute__((noinline, target("avx2,fma"))) void float2_eval(
    const int32_t *acc, const qt_requant_fixedpoint_avx2_params *p, int32_t zp, int32_t lo,
    int32_t hi, uint8_t out8[16], uint8_t out16[16]) {
  const __m256i a0 = _mm256_loadu_si256((const __m256i *)(const void *)acc);
  const __m256i a1 = _mm256_loadu_si256((const __m256i *)(const void *)(acc + 8));
  qt_ukernel_requant_store8__avx2(qt_ukernel_requant_fixedpoint__avx2_apply_any(a0, p, zp, lo, hi),
                                  out8);
  qt_ukernel_requant_store8__avx2(qt_ukernel_requant_fixedpoint__avx2_apply_any(a1, p, zp, lo, hi),
                                  out8 + 8);
  qt_ukernel_requant_store16__avx2(qt_ukernel_requant_fixedpoint__avx2_float(a0, p),
                                   qt_ukernel_requant_fixedpoint__avx2_float(a1, p), zp, lo, hi,
                                   out16);
}
/* float2_eval in its own function: no float instruction moves across the MXCSR writes */
static void float2_run(const int32_t *acc, const qt_requant_fixedpoint_avx2_params *p, int32_t zp,
                       int32_t lo, int32_t hi, int round_down, uint8_t out8[16],
                       uint8_t out16[16]) {
  const unsigned csr = round_down ? qt_ukernel_requant_round_down_begin() : 0u;
  float2_eval(acc, p, zp, lo, hi, out8, out16);
  if (round_down) qt_ukernel_requant_round_end(csr);
}
static __attribute__((noinline, target("avx2"))) qt_requant_fixedpoint_avx2_params float2_params(
    const int32_t *m, const int32_t *s) {
  return qt_ukernel_requant_fixedpoint__avx2_params(
      _mm256_loadu_si256((const __m256i *)(const void *)m),
      _mm256_loadu_si256((const __m256i *)(const void *)s));
}
#endif

/* The AVX2 kernel's float form (qt_ukernel_requant_fixedpoint__avx2_float), as
 * test_ukernel16_float tests AVX-512's: datagen-like blocks must nearly all take it, edge blocks
 * may or may not; every block that takes it is checked against the oracle on edge and random
 * accumulators, and the first ones on every accumulator of [-2^20, 2^20), both ways the templates
 * run it; the same scan in round to nearest must go wrong (why run() sets round down); altered
 * constants must fail the check; MXCSR must be as it was after a check; a clamp wider than 1024
 * steps is not tried; a block that does not take the form keeps its integer params. */
static void test_ukernel8_float_avx2(int quick) {
#if defined(__x86_64__)
  if (!cpu_has_avx2_fma()) {
    printf("requant avx2 float form: no AVX2 + FMA here, skipped\n");
    return;
  }
  int32_t accs[256];
  const int n_acc = edge_accs(accs);
  long long bad = 0, n = 0, blocks = 0, taken = 0, real_blocks = 0, real_taken = 0, scanned = 0,
            rn_bad = 0;
  const unsigned csr0 = _mm_getcsr();
  for (int round = 0; round < (quick ? 240 : 800); round++) {
    const int real = round % 2 == 0;
    int32_t m[8], s[8], zp, lo, hi;
    draw_float_block(real, 8, m, s, &zp, &lo, &hi);
    const qt_requant_fixedpoint_avx2_params p0 = float2_params(m, s);
    qt_requant_fixedpoint_avx2_params p = p0;
    const int took = qt_ukernel_requant_fixedpoint__avx2_try_float(&p, m, s, zp, lo, hi);
    CHECK_MSG(_mm_getcsr() == csr0, "the float form's check left MXCSR changed");
    CHECK_MSG(took == (p.form == QT_RQ256_FLOAT), "try_float's answer and the block's form differ");
    CHECK_MSG(took || memcmp(&p, &p0, sizeof p) == 0, "a block that failed the check changed");
    blocks++;
    taken += took;
    real_blocks += real;
    real_taken += real && took;
    if (!took) continue;
    int32_t acc[16];
    uint8_t got8[16], got16[16];
#define FLOAT2_CHECK(round_down, counter)                                                   \
  do {                                                                                      \
    float2_run(acc, &p, zp, lo, hi, round_down, got8, got16);                               \
    for (int i_ = 0; i_ < 16; i_++) {                                                       \
      const uint8_t want_ =                                                                 \
          (uint8_t)qt_requant_fixedpoint(acc[i_], m[i_ % 8], s[i_ % 8], zp, lo, hi);        \
      if ((got8[i_] != want_ || got16[i_] != want_) && (counter)++ < 5 && (round_down))     \
        fprintf(stderr,                                                                     \
                "avx2 float form: acc %d M %d shift %d zp %d [%d, %d]: %u %u, oracle %u\n", \
                acc[i_], m[i_ % 8], s[i_ % 8], zp, lo, hi, got8[i_], got16[i_], want_);     \
    }                                                                                       \
  } while (0)
    for (int a0 = 0; a0 < n_acc; a0 += 16, n += 16) {
      for (int i = 0; i < 16; i++) acc[i] = accs[(a0 + i) % n_acc];
      FLOAT2_CHECK(1, bad);
    }
    for (int r = 0; r < 2000; r++, n += 16) {
      for (int i = 0; i < 16; i++) acc[i] = random_acc();
      FLOAT2_CHECK(1, bad);
    }
    /* every accumulator of [-2^20, 2^20) (two per call): all the steps of shifts down to about
     * -11; then the same in round to nearest, which must go wrong somewhere */
    if (scanned < (quick ? 2 : 6) && real) {
      scanned++;
      for (int32_t x = -(1 << 20); x < (1 << 20); x += 2, n += 16) {
        for (int i = 0; i < 16; i++) acc[i] = x + i / 8;
        FLOAT2_CHECK(1, bad);
      }
      long long wrong = 0;
      for (int32_t x = -(1 << 20); x < (1 << 20) && !wrong; x += 2) {
        for (int i = 0; i < 16; i++) acc[i] = x + i / 8;
        FLOAT2_CHECK(0, wrong);
      }
      rn_bad += wrong > 0;
    }
#undef FLOAT2_CHECK
    /* altered constants must fail the check */
    if (real_taken == 1 && real) {
      qt_requant_fixedpoint_avx2_params t = p;
      float v[8];
      memcpy(v, &t.e, sizeof v);
      v[3] = 0.0f;
      memcpy(&t.e, v, sizeof v);
      memcpy(v, &t.ne, sizeof v);
      v[3] = 0.0f;
      memcpy(&t.ne, v, sizeof v);
      CHECK_MSG(s[3] >= 0 || !qt_ukernel_requant_fixedpoint__avx2_float_exact(&t, m, s, zp, lo, hi),
                "float form without e passed");
      t = p;
      t.e = p.ne;
      t.ne = p.e;
      CHECK_MSG(!qt_ukernel_requant_fixedpoint__avx2_float_exact(&t, m, s, zp, lo, hi),
                "float form with copysign reversed passed");
      t = p;
      memcpy(v, &t.s_hi, sizeof v);
      v[0] *= 1.001f;
      memcpy(&t.s_hi, v, sizeof v);
      CHECK_MSG(!qt_ukernel_requant_fixedpoint__avx2_float_exact(&t, m, s, zp, lo, hi),
                "float form with a scale off by 0.1 %% passed");
      CHECK_MSG(qt_ukernel_requant_fixedpoint__avx2_float_exact(&p, m, s, zp, lo, hi),
                "the unaltered float form failed its check");
      t = p0;
      CHECK_MSG(!qt_ukernel_requant_fixedpoint__avx2_try_float(&t, m, s, zp, -2000, 2000),
                "a clamp of 4000 steps took the float form");
    }
  }
  printf(
      "requant avx2 float form: %lld of %lld datagen-like blocks and %lld of %lld edge blocks "
      "take it; %lld outputs checked two ways, %lld blocks on every accumulator of [-2^20, "
      "2^20), of which %lld go wrong in round to nearest\n",
      real_taken, real_blocks, taken - real_taken, blocks - real_blocks, n, scanned, rn_bad);
  CHECK_MSG(bad == 0, "%lld of %lld outputs of the avx2 float form differ", bad, n);
  CHECK_MSG(scanned > 0 && rn_bad == scanned,
            "only %lld of %lld scanned blocks went wrong in "
            "round to nearest",
            rn_bad, scanned);
  CHECK_MSG(real_taken * 100 >= real_blocks * 98,
            "only %lld of %lld datagen-like blocks take the avx2 float form", real_taken,
            real_blocks);
#else
  (void)quick;
#endif
}

/* ---- The 8- and 4-lane micro-kernels (AVX2, NEON) -------------------------------------- */

typedef void requant_fn(const int32_t *acc, const int32_t *mul, const int32_t *shift,
                        uint8_t *out, int32_t zp, int32_t lo, int32_t hi);

#if defined(__x86_64__)
/* not inlined into main's code, which is not compiled for AVX2 */
static __attribute__((noinline, target("avx2"))) void requant_avx2(
    const int32_t *acc, const int32_t *m, const int32_t *s, uint8_t *out, int32_t zp,
    int32_t lo, int32_t hi) {
  qt_ukernel_requant_fixedpoint__avx2(acc, m, s, out, zp, lo, hi);
}

/* 16 lanes through qt_ukernel_requant_store16__avx2, whose int16 clamp holds for the
 * contract's zero point and clamp ([-128, 255], qt_quant_params_check); the tie checks' wide
 * clamps lie outside it and go through the 8-lane kernel (the same scaling code). */
static long long requant_avx2_16_runs;
static __attribute__((noinline, target("avx2"))) void requant_avx2_16(
    const int32_t *acc, const int32_t *m, const int32_t *s, uint8_t *out, int32_t zp,
    int32_t lo, int32_t hi) {
  if (zp >= -128 && zp <= 255 && lo >= -128 && hi <= 255) {
    qt_ukernel_requant_fixedpoint16__avx2(acc, m, s, out, zp, lo, hi);
    requant_avx2_16_runs++;
    return;
  }
  qt_ukernel_requant_fixedpoint__avx2(acc, m, s, out, zp, lo, hi);
  qt_ukernel_requant_fixedpoint__avx2(acc + 8, m + 8, s + 8, out + 8, zp, lo, hi);
}

/* The same 16 lanes as two partial blocks of 16 - n and n lanes (masked params, loads and
 * stores, as a layer's last block), n cycling through 1..15: a lane past a block's n must be
 * neither read into the result nor stored. */
static int requant_avx512_tail_n;
static __attribute__((noinline, target("avx512f,avx512bw"))) void requant_avx512_tail(
    const int32_t *acc, const int32_t *m, const int32_t *s, uint8_t *out, int32_t zp, int32_t lo,
    int32_t hi) {
  const int n = requant_avx512_tail_n = requant_avx512_tail_n % 15 + 1;
  const int part[2] = {16 - n, n};
  for (int h = 0, at = 0; h < 2; at += part[h], h++)
    qt_ukernel_requant_fixedpoint_n__avx512(acc + at, m + at, s + at, out + at, part[h], zp, lo,
                                            hi);
}
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
static void requant_neon4(const int32_t *acc, const int32_t *m, const int32_t *s, uint8_t *out,
                          int32_t zp, int32_t lo, int32_t hi) {
  qt_ukernel_requant_fixedpoint4__neon(acc, m, s, out, zp, lo, hi);
}
#endif

/* The dsp requant micro-kernel is one output per call: 8 calls make a lane group. */
static void requant_dsp_twin(const int32_t *acc, const int32_t *m, const int32_t *s,
                             uint8_t *out, int32_t zp, int32_t lo, int32_t hi) {
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)qt_ukernel_requant_fixedpoint__dsp_c(acc[i], m[i], s[i], zp, lo, hi);
}
#if defined(__ARM_FEATURE_DSP)
static void requant_dsp(const int32_t *acc, const int32_t *m, const int32_t *s, uint8_t *out,
                        int32_t zp, int32_t lo, int32_t hi) {
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)qt_ukernel_requant_fixedpoint__dsp(acc[i], m[i], s[i], zp, lo, hi);
}
#endif

/* SRDHM through SMMULR (the dsp requant micro-kernel's, with SMMULR modelled in C) against
 * qt_srdhm for every pair of edge values (a around 0, every power of two, the 2^30 border
 * where the kernel changes path, the extremes; b likewise), b = a (INT32_MIN squared), ties
 * (a * b an odd multiple of 2^30) and random pairs of every magnitude. */
static void test_srdhm_smmulr(long long rounds) {
  int32_t edges[256];
  int n_edge = edge_accs(edges);
  const int32_t border[] = {(1 << 30) - 2, (1 << 30) - 1, 1 << 30, (1 << 30) + 1,
                            -(1 << 30) - 1, -(1 << 30), -(1 << 30) + 1};
  for (size_t i = 0; i < sizeof border / sizeof border[0]; i++) edges[n_edge++] = border[i];
  long long bad = 0, n = 0;
#define QT_TEST_SRDHM(a, b)                                                               \
  do {                                                                                    \
    const int32_t want_ = qt_srdhm((a), (b));                                             \
    const int32_t got_ = QT_UK_SRDHM_SMMULR((a), (b), qt_uk_smmulr_c);                     \
    if (want_ != got_ && bad++ < 10)                                                      \
      fprintf(stderr, "srdhm(%d, %d): smmulr form %d, oracle %d\n", (a), (b), got_, want_); \
    n++;                                                                                  \
  } while (0)
  for (int i = 0; i < n_edge; i++)
    for (int j = 0; j < n_edge; j++) QT_TEST_SRDHM(edges[i], edges[j]);
  for (int k = 0; k < 31; k++) { /* ties: a odd, b = 2^30: a * b an odd multiple of 2^30 */
    const int32_t a = (int32_t)((UINT32_C(1) << k) | 1u);
    QT_TEST_SRDHM(a, 1 << 30);
    QT_TEST_SRDHM(-a, 1 << 30);
  }
  for (long long r = 0; r < rounds; r++) {
    const uint64_t x = rng();
    const int sa = (int)(x % 32), sb = (int)((x >> 5) % 32);
    const int32_t a = (int32_t)(uint32_t)(x >> 32) >> sa, b = (int32_t)(uint32_t)rng() >> sb;
    QT_TEST_SRDHM(a, b);
  }
#undef QT_TEST_SRDHM
  printf("srdhm by smmulr: %lld pairs\n", n);
  CHECK_MSG(bad == 0, "%lld of %lld SRDHM results by SMMULR differ from qt_srdhm", bad, n);
  CHECK(n > 60000);
}

/* Runs fn on `width` lanes and counts the outputs that differ from the oracle's (printing
 * the first few). Lanes past width get guard values that must stay untouched. */
static long long run_lanes(const char *name, requant_fn *fn, int width, const int32_t *acc,
                           const int32_t *m, const int32_t *s, int32_t zp, int32_t lo,
                           int32_t hi) {
  uint8_t got[16];
  memset(got, 0xA5, sizeof got);
  fn(acc, m, s, got, zp, lo, hi);
  long long bad = 0;
  for (int i = 0; i < width; i++) {
    const uint8_t want = (uint8_t)qt_requant_fixedpoint(acc[i], m[i], s[i], zp, lo, hi);
    if (got[i] != want && bad++ < 1 && mismatches++ < 20)
      fprintf(stderr, "%s: acc %d M %d shift %d zp %d clamp [%d, %d]: %u, oracle %u\n", name,
              acc[i], m[i], s[i], zp, lo, hi, got[i], want);
  }
  for (int i = width; i < 16; i++) bad += got[i] != 0xA5;
  return bad;
}

/* Every edge accumulator with every shift (both signs in one vector) and every edge
 * multiplier, every clamp; ties of SRDHM (odd x1 with M = 2^30) and of the rounding divide
 * (x2 = +-(2j + 1) 2^(r - 1) exactly, from acc = 2 x2 and M = 2^30) for every r; the
 * saturation of x1 = M = INT32_MIN; then random inputs. any_m 0: a kernel exact on the quant
 * checks' multipliers only, [0, 2^31): negative multipliers lose their sign bit (INT32_MIN
 * becomes 0, -1 INT32_MAX) and the saturation case is left out. */
static void test_ukernel_lanes(const char *name, requant_fn *fn, int width, int any_m,
                               long long rounds) {
  const int32_t m_mask = any_m ? -1 : INT32_MAX;
  int32_t accs[256];
  const int n_acc = edge_accs(accs);
  const int32_t muls[] = {0,          1,           3,         (1 << 30) - 1, 1 << 30,
                          1610612736, INT32_MAX - 1, INT32_MAX, -1,           -(1 << 30),
                          INT32_MIN,  INT32_MIN + 1};
  const int n_mul = (int)(sizeof muls / sizeof muls[0]);
  const int32_t clamps[][3] = {{0, -128, 127}, {-128, -128, 127}, {127, -128, 127},
                               {-5, -128, 3},  {0, 0, 255},       {255, 0, 255},
                               {128, 0, 255},  {7, 100, 100}};
  long long bad = 0, n = 0;
  int32_t acc[16], m[16], s[16];
  for (size_t c = 0; c < sizeof clamps / sizeof clamps[0]; c++)
    for (int mi = 0; mi < n_mul; mi++)
      for (int32_t sh = -31; sh <= 30; sh++)
        for (int a0 = 0; a0 < n_acc; a0 += width) {
          for (int i = 0; i < width; i++) {
            acc[i] = accs[(a0 + i) % n_acc];
            m[i] = muls[(mi + i / 2) % n_mul] & m_mask;
            s[i] = i % 2 ? sh : -sh - 1; /* both signs in one vector; -sh - 1 is in range too */
          }
          bad += run_lanes(name, fn, width, acc, m, s, clamps[c][0], clamps[c][1], clamps[c][2]);
          n += width;
        }
  /* ties, unclamped (a wide clamp lets x3 through) so the rounding itself is compared;
   * the low byte is what the kernels store, so the ties are checked modulo 256 there */
  for (int32_t r = 0; r <= 31; r++)
    for (int32_t j = 0; j < 64; j += width / 2) {
      for (int i = 0; i < width; i++) {
        const int64_t x2 = (int64_t)(2 * (j + i / 2) + 1) << (r > 0 ? r - 1 : 0);
        const int64_t a = (i % 2 ? -2 : 2) * x2; /* x2 = a / 2 exactly with M = 2^30 */
        acc[i] = a > INT32_MAX ? INT32_MAX - i : a < INT32_MIN ? INT32_MIN + i : (int32_t)a;
        m[i] = 1 << 30;
        s[i] = -r;
      }
      bad += run_lanes(name, fn, width, acc, m, s, 0, -(1 << 30), 1 << 30);
      for (int i = 0; i < width; i++) acc[i] |= 1; /* odd: an SRDHM tie */
      bad += run_lanes(name, fn, width, acc, m, s, 0, -(1 << 30), 1 << 30);
      n += 2 * width;
    }
  for (int i = 0; i < width && any_m; i++) {
    acc[i] = INT32_MIN;
    m[i] = INT32_MIN;
    s[i] = -(i % 2) * 3;
  }
  if (any_m) {
    bad += run_lanes(name, fn, width, acc, m, s, 0, -(1 << 30), 1 << 30);
    bad += run_lanes(name, fn, width, acc, m, s, 0, -128, 127);
    n += 2 * width;
  }
  for (long long rd = 0; rd < rounds; rd++) {
    for (int i = 0; i < width; i++) {
      const uint64_t x = rng();
      acc[i] = random_acc();
      m[i] = ((x & 3) == 0   ? (int32_t)(uint32_t)(x >> 2)
              : (x & 3) == 1 ? (int32_t)((x >> 2) & 0x7fffffff)
                             : (int32_t)(((x >> 2) & 0x3fffffff) | 0x40000000)) &
             m_mask;
      s[i] = (int32_t)((x >> 40) % 62) - 31;
    }
    const int32_t zp = (int32_t)(rng() % 256) - 128;
    bad += run_lanes(name, fn, width, acc, m, s, zp, -128, 127);
    bad += run_lanes(name, fn, width, acc, m, s, zp + 128, 0, 255);
    n += 2 * width;
  }
  printf("requant micro-kernel %s: %lld outputs\n", name, n);
  CHECK_MSG(bad == 0, "%lld of %lld outputs of %s differ from the oracle", bad, n, name);
  CHECK(n > 100000);
}

static void test_ukernels_8_4(long long rounds) {
  test_ukernel_lanes("avx2 twin", qt_ukernel_requant_fixedpoint__avx2_c, 8, 1, rounds);
  test_ukernel_lanes("neon twin", qt_ukernel_requant_fixedpoint__neon_c, 8, 1, rounds);
  test_ukernel_lanes("dsp twin", requant_dsp_twin, 8, 1, rounds);
#if defined(__ARM_FEATURE_DSP)
  test_ukernel_lanes("dsp", requant_dsp, 8, 1, rounds);
#endif
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) {
    test_ukernel_lanes("avx2", requant_avx2, 8, 0, rounds);
    test_ukernel_lanes("avx2 16-lane", requant_avx2_16, 16, 0, rounds);
    CHECK(requant_avx2_16_runs > 100000 / 16);
  } else {
    printf("requant micro-kernel avx2: not run (the CPU has no AVX2)\n");
  }
  if (cpu_has_avx512()) {
    test_ukernel_lanes("avx512", requant_avx512, 16, 0, rounds);
    test_ukernel_lanes("avx512 partial blocks", requant_avx512_tail, 16, 0, rounds);
  } else {
    printf("requant micro-kernel avx512: not run (the CPU has no AVX-512 F+BW)\n");
  }
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
  test_ukernel_lanes("neon", qt_ukernel_requant_fixedpoint__neon, 8, 1, rounds);
  test_ukernel_lanes("neon 4-lane", requant_neon4, 4, 1, rounds);
#endif
}

static void test_loops(int rounds) {
  static int32_t acc[LEN], m[LEN], s[LEN];
  static uint8_t a[LEN], b[LEN], c[LEN];
  long long bad = 0;
  double t_vec = 0, t_ref = 0, t_uk = 0;
  const int use_avx512 = cpu_has_avx512();
  (void)c; /* only the x86 micro-kernel writes it */
  for (int round = 0; round < rounds; round++) {
    for (int i = 0; i < LEN; i++) {
      const uint64_t r = rng();
      acc[i] = random_acc();
      m[i] = (int32_t)(((r >> 2) & 0x3fffffff) | 0x40000000);
      /* the shifts real layers have (-12..1), with every other value sometimes */
      s[i] = (r & 7) ? (int32_t)((r >> 40) % 14) - 12 : (int32_t)((r >> 40) % 62) - 31;
    }
    const int32_t zp = (int32_t)(rng() % 256) - 128;
    double t0 = now_ns();
    loop_vec(acc, m, s, a, zp, -128, 127);
    double t1 = now_ns();
    loop_ref(acc, m, s, b, zp, -128, 127);
    double t2 = now_ns();
    t_vec += t1 - t0;
    t_ref += t2 - t1;
    for (int i = 0; i < LEN; i++) bad += a[i] != b[i];
#if defined(__x86_64__)
    if (use_avx512) {
      const double t3 = now_ns();
      loop_avx512(acc, m, s, c, zp, -128, 127);
      t_uk += now_ns() - t3;
      for (int i = 0; i < LEN; i++) bad += c[i] != b[i];
    }
#endif
  }
  CHECK_MSG(bad == 0, "%lld of %lld outputs of the vectorised loop differ", bad,
            (long long)rounds * LEN);
  const double n = (double)rounds * LEN;
  printf("fixedpoint requant loop: vec %.2f ns/output, oracle %.2f ns/output, avx512 "
         "micro-kernel %.2f ns/output (%lld outputs)\n",
         t_vec / n, t_ref / n, use_avx512 ? t_uk / n : 0.0, (long long)n);
}

/* qt_quantize_multiplier against values worked out by hand from TFLite's QuantizeMultiplier
 * (frexp, round half away from zero, renormalise at 2^31, the range ends). */
static void test_quantize_multiplier(void) {
  static const struct {
    double scale;
    int32_t multiplier, shift;
  } cases[] = {
      {0.5, INT32_C(1) << 30, 0},
      {1.0, INT32_C(1) << 30, 1},
      {0.75, INT32_C(1610612736), 0},
      {0.1, INT32_C(1717986918), -3},             /* 0.8 * 2^31 = ...918.4, rounds down */
      {0.5 + 0x1p-32, INT32_C(1073741825), 0},    /* q * 2^31 = 2^30 + 0.5: half rounds up */
      {1.0 - 0x1p-40, INT32_C(1) << 30, 1},       /* q * 2^31 rounds to 2^31: renormalised */
      {0x1p-32, INT32_C(1) << 30, -31},           /* the lowest shift kept */
      {0x1p-33, 0, 0},                            /* shift -32: stored as zero */
      {0x1p29, INT32_C(1) << 30, 30},             /* the highest shift kept */
      {0x1p30, INT32_MAX, 30},                    /* shift 31: saturated */
      {0.0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int32_t m = -7, s = -7;
    int rc = qt_quantize_multiplier(cases[i].scale, &m, &s);
    CHECK_MSG(rc == 0 && m == cases[i].multiplier && s == cases[i].shift,
              "scale %a: got rc %d (%ld, %ld), expected (%ld, %ld)", cases[i].scale, rc,
              (long)m, (long)s, (long)cases[i].multiplier, (long)cases[i].shift);
  }
  static const double bad[] = {-0.5, -0x1p-40, (double)INFINITY, (double)NAN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int32_t m = -7, s = -7;
    CHECK_MSG(qt_quantize_multiplier(bad[i], &m, &s) != 0 && m == -7 && s == -7,
              "scale %a was accepted", bad[i]);
  }
  /* Every accepted result is in the fixedpoint scheme's domain and, where no range end
   * interferes, within half a unit of the multiplier of the scale. */
  for (int i = 0; i < 100000; i++) {
    const double scale = ldexp((double)(rng() >> 11) * 0x1p-53 + 0x1p-60, (int)(rng() % 50) - 35);
    int32_t m, s;
    CHECK(qt_quantize_multiplier(scale, &m, &s) == 0);
    CHECK(m >= 0 && s >= -31 && s <= 30);
    if (m != 0 && m != INT32_MAX)
      CHECK_MSG(fabs(ldexp((double)m, s - 31) - scale) <= ldexp(0.5, s - 31),
                "scale %a -> (%ld, %ld)", scale, (long)m, (long)s);
  }
}

#if defined(__x86_64__)
/* n (1..16) outputs of the fp32 micro-kernel: compiled for AVX-512 here only (main is not) */
static __attribute__((noinline, target("avx512f,avx512bw"))) void requant_fp32_avx512(
    const int32_t *acc, const float *scale, uint8_t *out, int n, int32_t zp, int32_t lo,
    int32_t hi) {
  qt_ukernel_requant_fp32__avx512(acc, scale, out, n, zp, lo, hi);
}

/* The 64-byte path as qt_tpl_requant_wide_avx512 runs it for fp32: register j holds, in lane
 * i, acc[(i + 4 j) % 16] (lane i's scale applies to whichever value it holds), each through
 * ..._fp32__avx512_hi (without its clamp if sat), then ..._pack64 adds zp into bytes[64]. */
static __attribute__((noinline, target("avx512f,avx512bw"))) void requant_fp32_pack64(
    const int32_t *acc, const float *scale, uint8_t *bytes, int32_t zp, int32_t lo, int32_t hi,
    int u8, int sat) {
  const qt_requant_fp32_avx512_params p =
      qt_ukernel_requant_fp32__avx512_params(scale, 16, zp, lo, hi);
  __m512i x[4];
  int32_t r[16];
  for (int j = 0; j < 4; j++) {
    for (int i = 0; i < 16; i++) r[i] = acc[(i + 4 * j) % 16];
    const __m512i a = _mm512_loadu_si512((const void *)r);
    x[j] = qt_ukernel_requant_fp32__avx512_hi(a, &p, sat);
  }
  _mm512_storeu_si512(bytes, qt_ukernel_requant_pack64__avx512(
                                 x[0], x[1], x[2], x[3], _mm512_set1_epi16((short)zp), 1, lo, u8));
}
#endif

/* Checks one call of the fp32 micro-kernel (or its twin) on n lanes against qt_requant_fp32,
 * and that the bytes past n stay untouched. */
static long long fp32_mismatches, fp32_packed, fp32_sat;
static void check_fp32(const int32_t acc[16], const float scale[16], int n, int32_t zp, int32_t lo,
                       int32_t hi, int native) {
  uint8_t got[20];
  memset(got, 0xA5, sizeof got);
#if defined(__x86_64__)
  if (native)
    requant_fp32_avx512(acc, scale, got, n, zp, lo, hi);
  else
#endif
    qt_ukernel_requant_fp32__avx512_c(acc, scale, got, n, zp, lo, hi);
#if defined(__x86_64__)
  /* the 64-byte path, for whole blocks, in a dtype that holds the clamp */
  const int pk = pack_dtype(lo, hi, (int)(rng() % 2));
  double sc[16];
  for (int i = 0; i < 16; i++) sc[i] = scale[i];
  for (int sat = 0; native && n == 16 && pk >= 0 && sat < 2; sat++) {
    if (sat && !sat_allowed(acc, sc, hi, pk)) break;
    uint8_t bytes[64];
    requant_fp32_pack64(acc, scale, bytes, zp, lo, hi, pk, sat);
    for (int b = 0; b < 64; b++) {
      const int i = b % 16, a = (i + 4 * (b / 16)) % 16;
      const int want = (uint8_t)qt_requant_fp32(acc[a], scale[i], zp, lo, hi);
      if (bytes[b] != want && fp32_mismatches++ < 10)
        fprintf(stderr,
                "fp32 pack64%s %s byte %d: acc %d scale %.9g zp %d clamp [%d, %d]: got %d, "
                "want %d\n",
                sat ? " (sat)" : "", pk ? "u8" : "s8", b, acc[a], (double)scale[i], zp, lo, hi,
                bytes[b], want);
    }
    fp32_packed += 64;
    fp32_sat += sat ? 64 : 0;
  }
#endif
  for (int i = 0; i < 20; i++) {
    const int want = i < n ? (uint8_t)qt_requant_fp32(acc[i], scale[i], zp, lo, hi) : 0xA5;
    if (got[i] != want && fp32_mismatches++ < 10)
      fprintf(stderr,
              "fp32 %s lane %d of %d: acc %d scale %.9g zp %d clamp [%d, %d]: got %d, want %d\n",
              native ? "avx512" : "twin", i, n, i < n ? acc[i] : 0, i < n ? (double)scale[i] : 0.0,
              zp, lo, hi, got[i], want);
  }
}

/* The fp32 micro-kernel: every edge accumulator x scales that are edges (the smallest normal,
 * 1, large) or make ties (2^-k: acc * 2^-k lands on x.5 for acc = 2^(k-1) mod 2^k, both
 * parities of x) x the clamps of s8 and u8 and narrow activation clamps, 16 lanes of mixed
 * scales; then random accumulators and scales, at every width 1..16. */
static void test_fp32_avx512(long long rounds) {
  const int native = cpu_has_avx512();
  printf("fp32 requant micro-kernel: %s\n", native ? "avx512" : "C twin");
  static const float scales[] = {1.17549435e-38f, 1e-9f, 0.0009765625f, 0.125f, 0.25f,   0.5f,
                                 0.75f,           1.0f,  1.5f,          3.0f,   1000.0f, 1e9f};
  enum { NS = (int)(sizeof scales / sizeof scales[0]) };
  static const int32_t clamps[][3] = {{0, -128, 127},  {-128, -128, 127},  {127, -128, 127},
                                      {-3, -128, 127}, {-128, -128, -122}, {0, 0, 255},
                                      {128, 0, 255},   {255, 0, 255},      {3, 3, 9}};
  enum { NC = (int)(sizeof clamps / sizeof clamps[0]) };
  int32_t accs[256];
  const int na = edge_accs(accs);
  long long checked = 0;
  for (int c = 0; c < NC; c++)
    for (int a0 = 0; a0 < na; a0 += 16) {
      int32_t acc[16];
      float sc[16];
      for (int rot = 0; rot < NS; rot++) {
        for (int i = 0; i < 16; i++) {
          acc[i] = accs[(a0 + i) % na];
          sc[i] = scales[(rot + i) % NS];
        }
        check_fp32(acc, sc, 16, clamps[c][0], clamps[c][1], clamps[c][2], native);
        checked += 16;
      }
    }
  /* ties: acc * 2^-k = x.5 exactly, x odd and even, positive and negative */
  for (int k = 1; k <= 8; k++)
    for (int c = 0; c < NC; c++) {
      int32_t acc[16];
      float sc[16];
      for (int i = 0; i < 16; i++) {
        acc[i] = (int32_t)((i - 8) * (1 << k) + (1 << (k - 1)));
        sc[i] = ldexpf(1.0f, -k);
      }
      check_fp32(acc, sc, 16, clamps[c][0], clamps[c][1], clamps[c][2], native);
      checked += 16;
    }
  for (long long r = 0; r < rounds; r++) {
    int32_t acc[16];
    float sc[16];
    const int bits = (int)(rng() % 32);
    for (int i = 0; i < 16; i++) {
      acc[i] = (int32_t)(uint32_t)rng() >> (31 - bits);
      sc[i] = ldexpf((float)(rng() % 1000000 + 1) / 1000000.0f, -(int)(rng() % 24));
    }
    const int *cl = clamps[rng() % NC];
    check_fp32(acc, sc, (int)(r % 16) + 1, cl[0], cl[1], cl[2], native);
    checked += (int)(r % 16) + 1;
  }
  CHECK_MSG(fp32_mismatches == 0, "fp32 micro-kernel: %lld mismatches in %lld outputs",
            fp32_mismatches, checked);
  CHECK_MSG(!native || fp32_packed > 0, "fp32: no output went through the 64-byte pack");
  CHECK_MSG(!native || fp32_sat > 0,
            "fp32: no output went through the 64-byte pack without the upper clamp");
  printf(
      "fp32 requant micro-kernel: %lld outputs checked (and %lld through the 64-byte pack, "
      "%lld of them without the upper clamp)\n",
      checked, fp32_packed, fp32_sat);
}

int main(int argc, char **argv) {
  /* QT_REQUANT_QUICK (or any argument) shortens the random part, for slow emulators */
  (void)argv;
  const int quick = argc > 1 || getenv("QT_REQUANT_QUICK") != NULL;
  test_quantize_multiplier();
  test_edges();
  test_random(quick ? 1000000 : 8000000);
  test_ukernel16(quick ? 100000 : 500000);
  test_ukernel16_noleft(quick ? 100000 : 500000);
  test_ukernel16_float(quick);
  test_ukernel8_float_avx2(quick);
  test_ukernels_8_4(quick ? 100000 : 500000);
  test_fp32_avx512(quick ? 100000 : 500000);
  test_srdhm_smmulr(quick ? 1000000 : 8000000);
  test_loops(quick ? 250 : 1000);
  return qt_test_finish();
}
