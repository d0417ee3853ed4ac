/* qt_datagen.c — the seeded problem generator and the output checksum (qt_datagen.h). All
 * randomness comes from one splitmix64 stream consumed in a fixed order, and every value is
 * computed with integers (floats only as exact products of integers and powers of two), so a
 * seed gives the same bytes on the host, on an aarch64 board and under qemu. The same seed
 * gives the same input, weights, bias and zero points for both requant schemes, and the fp32
 * scale equals the fixedpoint multiplier's real value rounded to 24 bits. Given quantization
 * parameters (qt_problem_init_given) replace the drawn zero points, clamp and requantization
 * after the same draws, so the input and weights of a seed stay the same with or without them.
 *
 * How values are chosen (why: realistic data that exercises every path, with most outputs
 * inside the clamp so a wrong kernel cannot hide behind saturation):
 *   zero points   s8: input/output in [-20, 20], weight 0;  u8: input/output/weight in [100, 150]
 *   input         s8: uniform [-128, 127];  u8: uniform [0, 255]
 *   weights       s8: uniform [-127, 127];  u8: uniform [wzp - 100, wzp + 100]
 *                 "tiny" channels (s8: 1 in 16 channels; u8: all channels of 1 in 8 problems)
 *                 have a single tap of +-1 around the weight zero point, the rest at it;
 *                 any channel whose (w - wzp) sum of squares is 1 counts as tiny
 *   clamp         2 in 3 problems the dtype's full range; otherwise a narrower window around
 *                 the output zero point (as a fused ReLU6 gives), 40..90 on each side
 *   requant       per channel c the real scale S = M * 2^(shift - 31), M in [2^30, 2^31):
 *                 regular channels S ~ h / (2 sigma) * [0.75, 1.25], where h is the smaller
 *                 distance from the output zero point to a clamp bound and sigma^2 =
 *                 Var(x) * sum_k (w_k - wzp)^2 the spread of the accumulator, so shifts fall
 *                 in [-13, -1] (mostly [-10, -1]); tiny channels take shift 0 or +1 (the
 *                 left-shift path) with a random M. u8 is per-tensor: one (M, shift) for every
 *                 channel, from the mean sum of squares.
 *   bias          -E[sum (x - izp)(w - wzp)] (cancels the zero points' offset) plus uniform
 *                 noise of +-sigma/2, clamped to [-2^16, 2^16]. */
#include "qt_datagen.h"

#include <stdlib.h>
#include <string.h>

typedef struct rng {
  uint64_t s;
} rng;

/* splitmix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator, integer only. */
static uint64_t rng_next(rng *r) {
  uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Uniform-enough integer in [lo, hi] (modulo bias < 2^-32 for the ranges used here). */
static int32_t rng_range(rng *r, int32_t lo, int32_t hi) {
  return lo + (int32_t)(rng_next(r) % (uint64_t)((int64_t)hi - lo + 1));
}

/* Floor of the square root of v (v >= 0), bitwise; no libm. */
static int64_t isqrt64(int64_t v) {
  uint64_t x = (uint64_t)v, root = 0, bit = UINT64_C(1) << 62;
  while (bit > x) bit >>= 2;
  while (bit) {
    if (x >= root + bit) {
      x -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return (int64_t)root;
}

/* The normalized fixed-point form of the positive ratio num / den: *multiplier in
 * [2^30, 2^31) and *shift with num / den = multiplier * 2^(shift - 31), truncated. Requires
 * 0 < num, den < 2^61. The mantissa is a bitwise long division so no product can overflow. */
static void ratio_to_fixedpoint(int64_t num, int64_t den, int32_t *multiplier, int32_t *shift) {
  int32_t e = 0;
  while (num >= den) { /* ratio >= 1: halve it */
    den *= 2;
    e++;
  }
  while (2 * num < den) { /* ratio < 0.5: double it */
    num *= 2;
    e--;
  }
  int64_t m = 0; /* floor(num / den * 2^31), num / den in [0.5, 1) */
  for (int i = 0; i < 31; i++) {
    num *= 2;
    m *= 2;
    if (num >= den) {
      num -= den;
      m |= 1;
    }
  }
  *multiplier = (int32_t)m;
  *shift = e;
}

/* multiplier * 2^(shift - 31) as a float, exactly up to the 24-bit mantissa: the top 24 bits
 * of the multiplier (exact in a float) scaled by powers of two (exact; no underflow for
 * shift >= -31). */
static float fixedpoint_to_float(int32_t multiplier, int32_t shift) {
  float f = (float)(multiplier >> 7); /* < 2^24 */
  for (int32_t i = 0; i < 24 - shift; i++) f *= 0.5f;
  for (int32_t i = 0; i < shift - 24; i++) f *= 2.0f;
  return f;
}

static void *alloc_bytes(size_t n) { return malloc(n ? n : 1); }

void qt_problem_free(qt_problem *p) {
  if (!p) return;
  free(p->input);
  free(p->weights);
  free(p->bias);
  free(p->multiplier);
  free(p->shift);
  free(p->scale);
  memset(p, 0, sizeof *p);
}

static void set_weight(qt_problem *p, size_t i, int32_t v) {
  if (p->q.dtype == QT_DTYPE_S8)
    ((int8_t *)p->weights)[i] = (int8_t)v;
  else
    ((uint8_t *)p->weights)[i] = (uint8_t)v;
}

/* Stores channel oc's requantization, M * 2^(e - 31), in the problem's scheme. */
static void set_requant(qt_problem *p, int32_t oc, int32_t m, int32_t e) {
  if (p->multiplier) {
    p->multiplier[oc] = m;
    p->shift[oc] = e;
  } else {
    p->scale[oc] = fixedpoint_to_float(m, e);
  }
}

/* Index of tap k (0 <= k < K) of output channel oc in the unpacked weight tensor. */
static size_t weight_index(const qt_conv_desc *d, int32_t oc, int32_t k) {
  return d->p.op == QT_OP_DEPTHWISE ? (size_t)k * d->out.c + oc
                                    : (size_t)oc * (size_t)(d->p.kernel_h * d->p.kernel_w *
                                                            d->in.c) + k;
}

int qt_problem_init(qt_problem *p, const qt_conv_desc *d, int32_t dtype, int32_t requant,
                    uint64_t seed) {
  return qt_problem_init_given(p, d, dtype, requant, seed, NULL);
}

/* The draws of one problem into p's arrays, in the stream's fixed order. p->input, p->weights
 * and p->bias may be NULL: their values are drawn all the same (the input's by stepping the
 * stream past them, which splitmix64 allows by one addition) and not kept, so the
 * quantization comes out the same with or without them (qt_quant_draw). sums holds 2 * out.c
 * entries of scratch: each channel's sum of (w - wzp) and of its squares. */
static void generate(qt_problem *p, const qt_conv_desc *d, int32_t dtype, int32_t requant,
                     uint64_t seed, const qt_quant_given *g, int64_t *sums) {
  const int s8 = dtype == QT_DTYPE_S8;
  const int32_t oc_n = d->out.c;
  const int32_t taps = d->p.kernel_h * d->p.kernel_w * (d->p.op == QT_OP_CONV2D ? d->in.c : 1);
  rng r = {seed};
  qt_quant_params *q = &p->q;
  q->dtype = dtype;
  q->requant = requant;
  const int32_t lo = s8 ? -128 : 0, hi = s8 ? 127 : 255;
  q->input_zp = s8 ? rng_range(&r, -20, 20) : rng_range(&r, 100, 150);
  q->output_zp = s8 ? rng_range(&r, -20, 20) : rng_range(&r, 100, 150);
  q->weight_zp = s8 ? 0 : rng_range(&r, 100, 150);
  if (rng_range(&r, 0, 2) == 0) {
    const int32_t below = rng_range(&r, 40, 90), above = rng_range(&r, 40, 90);
    q->act_min = q->output_zp - below < lo ? lo : q->output_zp - below;
    q->act_max = q->output_zp + above > hi ? hi : q->output_zp + above;
  } else {
    q->act_min = lo;
    q->act_max = hi;
  }
  const int tiny_problem = !s8 && rng_range(&r, 0, 7) == 0;
  if (g) { /* drawn above all the same: the stream, so input and weights, does not depend on g */
    q->input_zp = g->input_zp;
    q->output_zp = g->output_zp;
    q->weight_zp = g->weight_zp;
    q->act_min = g->act_min;
    q->act_max = g->act_max;
  }

  /* Input: uniform bytes (as int8 they are uniform over [-128, 127]), 8 per draw, low byte
   * first so the order does not depend on the platform's endianness. */
  uint8_t *in = p->input;
  const uint64_t input_draws = (uint64_t)(p->input_bytes + 7) / 8;
  if (!in) r.s += UINT64_C(0x9e3779b97f4a7c15) * input_draws; /* rng_next's step, that often */
  for (size_t i = 0; in && i < p->input_bytes; i += 8) {
    uint64_t v = rng_next(&r);
    for (size_t j = 0; j < 8 && i + j < p->input_bytes; j++, v >>= 8) in[i + j] = (uint8_t)v;
  }

  /* Weights, per output channel so a channel can be made tiny as a whole. u8 weights stay
   * within [0, 255] for a given weight zero point near an end (drawn ones are in [100, 150],
   * where the bounds never bind and the values are as before). */
  const int32_t w_lo = q->weight_zp - 100 < 0 ? 0 : q->weight_zp - 100;
  const int32_t w_hi = q->weight_zp + 100 > 255 ? 255 : q->weight_zp + 100;
  int64_t *sum = sums, *sumsq = sums + oc_n;
  for (int32_t oc = 0; oc < oc_n; oc++) {
    const int tiny = s8 ? rng_range(&r, 0, 15) == 0 : tiny_problem;
    int32_t hot = -1, sign = 0;
    if (tiny) {
      hot = rng_range(&r, 0, taps - 1);
      sign = rng_range(&r, 0, 1) ? 1 : -1;
      if (!s8 && (q->weight_zp + sign < 0 || q->weight_zp + sign > 255)) sign = -sign;
    }
    sum[oc] = sumsq[oc] = 0;
    for (int32_t k = 0; k < taps; k++) {
      const int32_t v = tiny ? q->weight_zp + (k == hot ? sign : 0)
                             : (s8 ? rng_range(&r, -127, 127) : rng_range(&r, w_lo, w_hi));
      if (p->weights) set_weight(p, weight_index(d, oc, k), v);
      sum[oc] += v - q->weight_zp;
      sumsq[oc] += (int64_t)(v - q->weight_zp) * (v - q->weight_zp);
    }
  }

  /* Accumulator statistics per channel. Var(x) of a uniform byte is (256^2 - 1) / 12 ~ 5461;
   * E[x - izp] is (255 - 2 izp) / 2 for u8 and (-1 - 2 izp) / 2 for s8. */
  const int64_t var_x = 5461, twice_mean_x = (s8 ? -1 : 255) - 2 * (int64_t)q->input_zp;
  /* Given parameters may put the output zero point on a clamp bound (a fused ReLU): the draws
   * below still need a positive window, though g's values replace what they give. */
  const int32_t h_zp = q->output_zp - q->act_min < q->act_max - q->output_zp
                           ? q->output_zp - q->act_min
                           : q->act_max - q->output_zp;
  const int32_t h = h_zp < 1 ? 1 : h_zp;
  int64_t sumsq_total = 0;
  int32_t m0 = 0, e0 = 0; /* channel 0's parameters: the per-tensor ones of a tiny u8 problem */
  for (int32_t oc = 0; oc < oc_n; oc++) {
    sumsq_total += sumsq[oc];
    int64_t sigma = isqrt64(var_x * sumsq[oc]);
    if (sigma < 1) sigma = 1;
    const int64_t bias =
        -(twice_mean_x * sum[oc]) / 2 + rng_range(&r, -(int32_t)(sigma / 2), (int32_t)(sigma / 2));
    if (p->bias) p->bias[oc] = (int32_t)(bias < -65536 ? -65536 : bias > 65536 ? 65536 : bias);
    int32_t m, e;
    if (sumsq[oc] == 1) { /* a tiny channel: |acc| stays small, so the scale may be >= 0.5 */
      m = rng_range(&r, INT32_C(1) << 30, INT32_MAX);
      e = rng_range(&r, 0, 1);
    } else { /* S = h / (2 sigma) * j / 128, jitter j in [96, 160] */
      ratio_to_fixedpoint((int64_t)h * rng_range(&r, 96, 160), 2 * sigma * 128, &m, &e);
    }
    if (oc == 0) {
      m0 = m;
      e0 = e;
    }
    if (g) {
      m = g->multiplier[oc];
      e = g->shift[oc];
    }
    set_requant(p, oc, m, e);
  }
  if (!s8 && !g) { /* per-tensor: channel 0's draw for a tiny problem, else from the mean spread */
    const int64_t sigma = isqrt64(var_x * (sumsq_total / oc_n));
    const int32_t jitter = rng_range(&r, 96, 160);
    if (!tiny_problem)
      ratio_to_fixedpoint((int64_t)h * jitter, 2 * (sigma < 1 ? 1 : sigma) * 128, &m0, &e0);
    for (int32_t oc = 0; oc < oc_n; oc++) set_requant(p, oc, m0, e0);
  }
  q->multiplier = p->multiplier;
  q->shift = p->shift;
  q->scale = p->scale;
}

/* p's desc and tensor sizes, which both entry points set before generate(). */
static void problem_sizes(qt_problem *p, const qt_conv_desc *d) {
  p->d = *d;
  p->input_bytes = (size_t)d->in.n * d->in.h * d->in.w * d->in.c;
  p->weight_bytes = qt_conv_weight_count(d);
  p->output_bytes = (size_t)d->out.n * d->out.h * d->out.w * d->out.c;
}

/* The checks both entry points make. */
static int check_args(const qt_conv_desc *d, int32_t dtype, int32_t requant) {
  if (!d) return QT_KERNEL_EINVAL;
  int rc = qt_conv_desc_check(d);
  if (rc != QT_KERNEL_OK) return rc;
  if ((dtype != QT_DTYPE_S8 && dtype != QT_DTYPE_U8) ||
      (requant != QT_REQUANT_FIXEDPOINT && requant != QT_REQUANT_FP32))
    return QT_KERNEL_EINVAL;
  return QT_KERNEL_OK;
}

int qt_problem_init_given(qt_problem *p, const qt_conv_desc *d, int32_t dtype, int32_t requant,
                          uint64_t seed, const qt_quant_given *g) {
  if (!p) return QT_KERNEL_EINVAL;
  memset(p, 0, sizeof *p);
  const int rc = check_args(d, dtype, requant);
  if (rc != QT_KERNEL_OK) return rc;
  if (g && (g->channels != d->out.c || !g->multiplier || !g->shift)) return QT_KERNEL_EINVAL;

  const size_t oc_n = (size_t)d->out.c;
  problem_sizes(p, d);
  p->input = alloc_bytes(p->input_bytes);
  p->weights = alloc_bytes(p->weight_bytes);
  p->bias = alloc_bytes(sizeof(int32_t) * oc_n);
  if (requant == QT_REQUANT_FIXEDPOINT) {
    p->multiplier = alloc_bytes(sizeof(int32_t) * oc_n);
    p->shift = alloc_bytes(sizeof(int32_t) * oc_n);
  } else {
    p->scale = alloc_bytes(sizeof(float) * oc_n);
  }
  int64_t *sums = alloc_bytes(2 * sizeof(int64_t) * oc_n);
  if (!p->input || !p->weights || !p->bias || !sums ||
      (requant == QT_REQUANT_FIXEDPOINT ? !p->multiplier || !p->shift : !p->scale)) {
    free(sums);
    qt_problem_free(p);
    return QT_KERNEL_EINVAL;
  }
  generate(p, d, dtype, requant, seed, g, sums);
  free(sums);
  return QT_KERNEL_OK;
}

int qt_quant_draw(const qt_conv_desc *d, int32_t dtype, uint64_t seed, int32_t *multiplier,
                  int32_t *shift, qt_quant_given *out) {
  if (!multiplier || !shift || !out) return QT_KERNEL_EINVAL;
  const int rc = check_args(d, dtype, QT_REQUANT_FIXEDPOINT);
  if (rc != QT_KERNEL_OK) return rc;
  qt_problem p;
  memset(&p, 0, sizeof p);
  problem_sizes(&p, d); /* no input or weights: generate() steps over and sums them */
  p.multiplier = multiplier;
  p.shift = shift;
  int64_t *sums = alloc_bytes(2 * sizeof(int64_t) * (size_t)d->out.c);
  if (!sums) return QT_KERNEL_EINVAL;
  generate(&p, d, dtype, QT_REQUANT_FIXEDPOINT, seed, NULL, sums);
  free(sums);
  *out = (qt_quant_given){.input_zp = p.q.input_zp,
                          .weight_zp = p.q.weight_zp,
                          .output_zp = p.q.output_zp,
                          .act_min = p.q.act_min,
                          .act_max = p.q.act_max,
                          .channels = d->out.c,
                          .multiplier = multiplier,
                          .shift = shift};
  return QT_KERNEL_OK;
}

uint64_t qt_checksum(const void *data, size_t n) {
  const uint8_t *b = data;
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}
