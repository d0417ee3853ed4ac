/* test_dwconv.c — the depthwise template (kernels/templates/dwconv.c) against the reference,
 * one ISA group of its variants per test (test_dwconv_<group>): CMake compiles the template
 * once per line of dwconv_variants.def with runtime shapes and that line's knobs, and hands
 * this file its group's lines. Each variant runs over every depthwise edge shape
 * (edge_shapes.h) for both dtypes (s8 only for isa=neondot and hvx, which must refuse u8) and
 * both requant schemes, and over a few MobileNetV2-sized
 * depthwise layers, and must match qt_ref_conv byte for byte (qt_check_variant, with guard
 * bytes and stale-scratch detection); every variant of the group must run and every case be
 * compared in full. It also checks the contract's error returns. A group built with an ISA's
 * flags (avx2, avx512, avx512vnni on x86-64; neon on aarch64) exits as skipped, saying so, on a CPU
 * without the feature; the twin group runs the micro-kernels' plain C twins everywhere. Links
 * qtkernels only: it runs natively and under qemu. */
#include <stdio.h>
#include <stdlib.h>

#include "dwconv_mnv2_shapes.h"
#include "edge_shapes.h"
#include "kernel_check.h"
#include "qt_test.h"

/* This test's variants: the lines of its ISA group in dwconv_variants.def (QT_TEST_ISA; the
 * generated QT_TEST_VARIANTS_H holds just them), first declared, then tabled. */
#define VARIANT(group, prefix, ...) QT_VARIANT_FNS(prefix);
#include QT_TEST_VARIANTS_H
#undef VARIANT

static const qt_variant_fns *const variants[] = {
#define VARIANT(group, prefix, ...) &prefix##fns,
#include QT_TEST_VARIANTS_H
#undef VARIANT
};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };

/* Each variant's isa knob value: the k4 ones, neondot (4, SDOT s8 x s8), hvx (5, vrmpy
 * u8 x s8) and avx512vnni (7, VPDPBUSD u8 x s8), compute s8 only. */
static const int variant_isa[] = {
#define VARIANT(group, prefix, cb, th, tw, order, ku, load, pad, rq, isa) isa,
#include QT_TEST_VARIANTS_H
#undef VARIANT
};
enum { ISA_NEONDOT = 4, ISA_HVX = 5, ISA_AVX512VNNI = 7 };
static int s8_only(int v) {
  return variant_isa[v] == ISA_NEONDOT || variant_isa[v] == ISA_HVX ||
         variant_isa[v] == ISA_AVX512VNNI;
}

/* The last dtype variant v computes (dtypes run from QT_DTYPE_S8 to it). */
static int32_t last_dtype(int v) { return s8_only(v) ? QT_DTYPE_S8 : QT_DTYPE_U8; }

/* Output bytes the sweeps mean to compare (qt_check_compared_bytes must reach it). */
static size_t want_compared;

/* Runs variant vi on d for every dtype x requant combination it supports; returns the number
 * of mismatches. */
static int sweep_shape(int vi, const char *name, const qt_conv_desc *d, uint64_t seed) {
  const qt_variant_fns *v = variants[vi];
  int failures = 0;
  for (int32_t dtype = QT_DTYPE_S8; dtype <= last_dtype(vi); dtype++)
    for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
      /* qt_check_variant runs it twice, fixed point twice more with some scales of 2^-20 */
      want_compared += (rq == QT_REQUANT_FIXEDPOINT ? 4 : 2) * qt_output_bytes(d);
      char msg[512];
      int rc = qt_check_variant(v, d, dtype, rq, seed + (uint64_t)(dtype * 2 + rq), msg, sizeof msg);
      CHECK_MSG(rc == 0, "%s: %s", name, msg);
      failures += rc != 0;
    }
  return failures;
}

/* Every variant over every depthwise edge shape; every variant of the group must have run. */
static void test_edge_shapes(void) {
  int ran = 0;
  for (int v = 0; v < N_VARIANTS; v++) {
    int swept = 0;
    for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
      if (qt_edge_shapes[s].d.p.op != QT_OP_DEPTHWISE) continue;
      sweep_shape(v, qt_edge_shapes[s].name, &qt_edge_shapes[s].d,
                  1000u * (uint64_t)v + (uint64_t)s);
      swept++;
    }
    ran += swept > 0;
  }
  CHECK_EQ_INT(ran, QT_TEST_EXPECTED_VARIANTS);
}

/* MobileNetV2-sized channel counts (full blocks of every CB plus large tails). */
static void test_mobilenet_v2_shapes(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_DW_MNV2; s++)
      sweep_shape(v, dw_mnv2_shapes[s].name, &dw_mnv2_shapes[s].d,
                  77u + (uint64_t)(v * N_DW_MNV2 + s));
}

/* The contract's error returns: wrong op and NULL arguments are refused without touching
 * any buffer. */
static void test_errors(void) {
  const qt_conv_desc *dw = NULL, *conv = NULL;
  for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
    if (!dw && qt_edge_shapes[s].d.p.op == QT_OP_DEPTHWISE) dw = &qt_edge_shapes[s].d;
    if (!conv && qt_edge_shapes[s].d.p.op == QT_OP_CONV2D) conv = &qt_edge_shapes[s].d;
  }
  CHECK(dw != NULL);
  if (!dw) return;
  int32_t mult[4096], shift[4096];
  for (int i = 0; i < 4096; i++) {
    mult[i] = 1 << 30;
    shift[i] = 0;
  }
  qt_quant_params q = {QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 0, 0, 0, -128, 127, mult, shift, NULL};
  int8_t weights[4096] = {0}, in[1] = {0}, out[1] = {0};
  int32_t bias[4096] = {0};
  for (int v = 0; v < N_VARIANTS; v++) {
    const qt_variant_fns *f = variants[v];
    size_t psize = f->packed_size(dw);
    CHECK_MSG(psize > 0 && psize % 4 == 0, "%s packed_size %zu", f->name, psize);
    void *packed = aligned_alloc(64, (psize + 63) / 64 * 64); /* the contract's QT_ALIGN */
    CHECK(packed != NULL);
    if (!packed) return;
    CHECK_EQ_INT(f->pack(dw, &q, weights, bias, packed), QT_KERNEL_OK);
    CHECK_EQ_INT(f->pack(NULL, &q, weights, bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(f->pack(dw, &q, NULL, bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(f->run(dw, &q, NULL, packed, out, NULL), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(f->run(dw, NULL, in, packed, out, NULL), QT_KERNEL_EINVAL);
    if (conv) {
      CHECK_EQ_INT(f->pack(conv, &q, weights, bias, packed), QT_KERNEL_ESHAPE);
      CHECK_EQ_INT(f->run(conv, &q, in, packed, out, packed), QT_KERNEL_ESHAPE);
    }
    /* The int32 output of QT_REQUANT_NONE is the reference's only (qt_kernels.h). */
    qt_quant_params none = {QT_DTYPE_S8, QT_REQUANT_NONE, 0, 0, 0, 0, 0, NULL, NULL, NULL};
    CHECK_EQ_INT(f->pack(dw, &none, weights, bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(f->run(dw, &none, in, packed, out, packed), QT_KERNEL_EINVAL);
    /* A variant that needs scratch must refuse to run without it. */
    if (f->scratch_size(dw) > 0) CHECK_EQ_INT(f->run(dw, &q, in, packed, out, NULL), QT_KERNEL_EINVAL);
    /* the k4 isas refuse u8 (its weights would not fit their signed bytes) */
    if (last_dtype(v) == QT_DTYPE_S8) {
      qt_quant_params u8q = q;
      u8q.dtype = QT_DTYPE_U8;
      u8q.act_min = 0;
      u8q.act_max = 255;
      CHECK_EQ_INT(f->pack(dw, &u8q, weights, bias, packed), QT_KERNEL_EINVAL);
      CHECK_EQ_INT(f->run(dw, &u8q, in, packed, out, packed), QT_KERNEL_EINVAL);
    }
    free(packed);
  }
}

/* The bias rule of qt_kernels.h at its limit, both signs, for every variant on a padded stride-1 and a
 * stride-2 layer:
 * exact there, refused one past it. */
static void test_bias_limit(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_DW_MNV2; s++)
      if (s < 2)
        CHECK(qt_check_bias_limit_case(variants[v], dw_mnv2_shapes[s].name, &dw_mnv2_shapes[s].d,
                                       last_dtype(v), &want_compared) == 0);
}

int main(void) {
  qt_skip_unless_runnable("test_dwconv_" QT_TEST_ISA, QT_TEST_ISA, N_VARIANTS);
  test_errors();
  test_edge_shapes();
  test_mobilenet_v2_shapes();
  test_bias_limit();
  /* Every case swept was compared in full against the reference, both runs. */
  CHECK(want_compared > 0);
  CHECK_EQ_INT(qt_check_compared_bytes(), want_compared);
  return qt_test_finish();
}
