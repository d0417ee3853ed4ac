/* kernel_check.h — test support for kernel templates: run one variant (a template compiled
 * with one set of knobs and its own QT_FN_PREFIX) on a seeded problem and compare it byte for
 * byte with the reference, with guard bytes behind every buffer the variant writes. Links
 * against qtkernels only, so the same tests run natively and cross-compiled under qemu. */
#ifndef QT_KERNEL_CHECK_H
#define QT_KERNEL_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "qt_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The four functions of the template contract (qt_kernels.h) for one compiled variant. */
typedef struct qt_variant_fns {
  const char *name;
  size_t (*packed_size)(const qt_conv_desc *d);
  size_t (*scratch_size)(const qt_conv_desc *d);
  int (*pack)(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
              const int32_t *bias, void *packed);
  int (*run)(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
             const void *packed, void *output, void *scratch);
} qt_variant_fns;

/* Declares the qt_variant_fns of the variant compiled with -DQT_FN_PREFIX=prefix (see
 * qt_kernel_instance in tests/kernels/CMakeLists.txt): prototypes plus a const table named
 * prefix##fns, e.g. QT_VARIANT_FNS(qt_dw_c16_) gives `qt_dw_c16_fns`. */
#define QT_VARIANT_FNS(prefix)                                                              \
  size_t prefix##packed_size(const qt_conv_desc *d);                                        \
  size_t prefix##scratch_size(const qt_conv_desc *d);                                       \
  int prefix##pack(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,    \
                   const int32_t *bias, void *packed);                                      \
  int prefix##run(const qt_conv_desc *d, const qt_quant_params *q, const void *input,       \
                  const void *packed, void *output, void *scratch);                         \
  static const qt_variant_fns prefix##fns = {#prefix, prefix##packed_size,                  \
                                             prefix##scratch_size, prefix##pack, prefix##run}

/* Generates the problem from seed, runs reference and variant, compares every output byte.
 * Packed, scratch and output buffers get guard bytes after their end (and output is
 * pre-filled with a pattern) to catch overruns and unwritten outputs. pack() reads the
 * weights one byte off alignment, and the second of the two runs reads input and writes
 * output one byte off too (qt_kernels.h: they need no alignment). Returns 0 if
 * bit-exact, else nonzero with a message (in msg, up to cap bytes, always terminated when
 * cap > 0) naming variant, shape, dtype, requant, first differing index (n,y,x,c), got and
 * want; a failing pack/run return code, a guard overwrite or a problem that cannot be
 * generated is also reported as nonzero with its own message. */
int qt_check_variant(const qt_variant_fns *v, const qt_conv_desc *d, int32_t dtype,
                     int32_t requant, uint64_t seed, char *msg, size_t cap);

/* The bias rule of qt_kernels.h on both sides of its limit, for v on d, in every dtype from
 * s8 to last_dtype and both requant schemes: with every input at |x - input_zp| = 255, every
 * weight at its largest magnitude and the bias at +qt_conv_bias_limit(d), then all of them
 * negated, the accumulator goes as far from zero as the rule admits, and v must match the
 * reference byte for byte (as qt_check_variant, one byte off alignment too; a scale of 2^-25
 * keeps outputs off the clamp, so a wrapped accumulator would show). One past the limit,
 * both the reference and v's pack() must return QT_KERNEL_EINVAL. Adds
 * QT_BIAS_LIMIT_RUNS * (last_dtype + 1) * qt_output_bytes(d) to qt_check_compared_bytes.
 * Returns 0 or nonzero with a message, as qt_check_variant. */
int qt_check_variant_bias_limit(const qt_variant_fns *v, const qt_conv_desc *d,
                                int32_t last_dtype, char *msg, size_t cap);
#define QT_BIAS_LIMIT_RUNS 8 /* 2 schemes x 2 signs x 2 runs */

/* One case of a test's bias-limit sweep: qt_check_variant_bias_limit, the output bytes it
 * compares added to *want_compared, a failure printed after the case's name. */
int qt_check_bias_limit_case(const qt_variant_fns *v, const char *name, const qt_conv_desc *d,
                             int32_t last_dtype, size_t *want_compared);

/* Bytes of d's int8 output: n * out_h * out_w * out_c. */
size_t qt_output_bytes(const qt_conv_desc *d);

/* Output bytes qt_check_variant has found equal to the reference so far, over all calls
 * (each run of each call counts): a sweep asserts it compared every case it meant to. */
size_t qt_check_compared_bytes(void);

/* The exit code ctest reports as skipped: SKIP_RETURN_CODE of every kernel variant test. */
#define QT_TEST_SKIPPED 77

/* 1 if this CPU (or the one qemu emulates) runs the variants of ISA group `group`: "c" and
 * "twin" (plain C) everywhere; an isa label built with its flags (avx2, avx512, avx512vnni,
 * neon, neondot) where the CPU has the features. Else 0, with *missing naming them. */
int qt_isa_group_runnable(const char *group, const char **missing);

/* For a test of one ISA group: returns if this CPU runs the group's variants, else prints why
 * the test's n_variants variants did not run and exits with QT_TEST_SKIPPED. */
void qt_skip_unless_runnable(const char *test, const char *group, int n_variants);

/* Writes a one-line description of d ("conv2d n1 8x8x3 -> 8x8x5 k3x3 s1x1 d1x1 p1,1,1,1
 * dm1") into buf (cap bytes); returns buf. For test messages. */
char *qt_desc_str(const qt_conv_desc *d, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* QT_KERNEL_CHECK_H */
