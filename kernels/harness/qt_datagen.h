/* qt_datagen.h — the seeded problem generator shared by the host (qtkernels, tests, the
 * tuner's reference checksum) and every on-board harness artifact. From one desc, dtype,
 * requant scheme and 64-bit seed it builds a complete problem (input, weights, bias, zero
 * points, clamp, per-channel requant parameters) whose bytes are identical on every platform:
 * integer-only generation (splitmix64), floats built exactly from integers, no libm. The
 * values are realistic (zero points, ReLU6-like clamps, multipliers scaled from the reduction
 * depth) so that most outputs land inside the clamp rather than saturating. Also holds the
 * output checksum (FNV-1a 64) that harness and host compare. Plain C11 + libc. */
#ifndef QT_DATAGEN_H
#define QT_DATAGEN_H

#include <stddef.h>
#include <stdint.h>

#include "qt_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A generated problem. Owns every array; q's pointers point into them (multiplier/shift set
 * for fixedpoint, scale for fp32; the other scheme's arrays are NULL). */
typedef struct qt_problem {
  qt_conv_desc d;
  qt_quant_params q;
  void *input;
  size_t input_bytes;
  void *weights;
  size_t weight_bytes;
  int32_t *bias;
  int32_t *multiplier;
  int32_t *shift;
  float *scale;
  size_t output_bytes;
} qt_problem;

/* Fills *p with the problem of desc d, element type dtype (qt_dtype), scheme requant
 * (qt_requant) and seed; the same arguments give the same bytes everywhere. Returns
 * QT_KERNEL_OK; QT_KERNEL_EINVAL for a NULL argument, unknown dtype/requant or a failed
 * allocation; QT_KERNEL_ESHAPE if d fails qt_conv_desc_check. On error *p is zeroed and owns
 * nothing. On success release it with qt_problem_free. */
int qt_problem_init(qt_problem *p, const qt_conv_desc *d, int32_t dtype, int32_t requant,
                    uint64_t seed);

/* Quantization parameters given by a model (tune import, a model file's `quant`) instead of
 * drawn from the seed. The arrays have one entry per output channel; the caller keeps them. */
typedef struct qt_quant_given {
  int32_t input_zp, weight_zp, output_zp;
  int32_t act_min, act_max;
  int32_t channels;          /* = the desc's out.c */
  const int32_t *multiplier; /* Q31, [0, 2^31) */
  const int32_t *shift;      /* [-31, 30] */
} qt_quant_given;

/* qt_problem_init with the zero points, clamp and per-channel (multiplier, shift) of g (NULL:
 * all drawn, exactly as qt_problem_init). Input, weights and bias still come from the seed;
 * the bias cancels g's input zero point as it does a drawn one. For the fp32 scheme each
 * channel's scale is its (multiplier, shift) as a float, as for drawn ones. QT_KERNEL_EINVAL
 * if g->channels differs from d->out.c or an array is missing. */
int qt_problem_init_given(qt_problem *p, const qt_conv_desc *d, int32_t dtype, int32_t requant,
                          uint64_t seed, const qt_quant_given *g);

/* The zero points, clamp and per-channel (multiplier, shift) that qt_problem_init(p, d, dtype,
 * QT_REQUANT_FIXEDPOINT, seed) draws, into *out, without making the problem: the input's
 * draws are stepped over and the weights drawn for their per-channel sums but not kept, so
 * it allocates 16 bytes per output channel and takes time in the weights' size only (a model
 * loader drawing a layer's parameters). multiplier and shift must hold d->out.c entries; out
 * points at them. Returns QT_KERNEL_OK; QT_KERNEL_EINVAL for a NULL argument, an unknown
 * dtype or a failed allocation; QT_KERNEL_ESHAPE if d fails qt_conv_desc_check. */
int qt_quant_draw(const qt_conv_desc *d, int32_t dtype, uint64_t seed, int32_t *multiplier,
                  int32_t *shift, qt_quant_given *out);

/* Frees the arrays of p and zeroes it; safe on a zeroed or already freed problem and NULL. */
void qt_problem_free(qt_problem *p);

/* FNV-1a 64-bit hash of n bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3). */
uint64_t qt_checksum(const void *data, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* QT_DATAGEN_H */
