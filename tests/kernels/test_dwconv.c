/* test_dwconv.c — the depthwise template (kernels/templates/dwconv.c) against the reference.
 * dwconv.cmake compiles the template once per entry of the table below with runtime shapes
 * and that entry's knobs; together the entries cover every value of every knob. Each variant
 * runs over every depthwise edge shape (edge_shapes.h) for both dtypes and both requant
 * schemes, and over a few MobileNetV2-sized depthwise layers, and must match qt_ref_conv
 * byte for byte (qt_check_variant, with guard bytes and stale-scratch detection). It also
 * checks the contract's error returns. ISA variants come in two builds: with the ISA's flags
 * (avx2/avx512 on x86-64, QT_TEST_X86_ISA; neon on aarch64, QT_TEST_ARM_ISA; skipped with a
 * message on a CPU without the feature) and without them, which runs the micro-kernel's plain
 * C twin. Links qtkernels only: it runs natively and under qemu. */
#include <stdio.h>
#include <stdlib.h>

#include "edge_shapes.h"
#include "kernel_check.h"
#include "qt_test.h"

QT_VARIANT_FNS(qt_dwconv_c32x2x2_hwc_ku1_inputs_strips_row__c_);
QT_VARIANT_FNS(qt_dwconv_c16x2x2_hwc_ku1_weights_strips_tile__c_);
QT_VARIANT_FNS(qt_dwconv_c4x1x1_chw_ku2_inputs_inline_row__c_);
QT_VARIANT_FNS(qt_dwconv_c8x4x8_hwc_ku3_weights_prepad_pass__c_);
QT_VARIANT_FNS(qt_dwconv_c32x2x4_chw_ku1_inputs_strips_row__c_);
QT_VARIANT_FNS(qt_dwconv_c64x1x2_hwc_ku2_weights_inline_pass__c_);
QT_VARIANT_FNS(qt_dwconv_c16x4x1_chw_ku3_weights_prepad_tile__c_);
QT_VARIANT_FNS(qt_dwconv_c8x2x8_chw_ku1_inputs_strips_pass__c_);
QT_VARIANT_FNS(qt_dwconv_c4x4x4_hwc_ku2_inputs_prepad_row__c_);
QT_VARIANT_FNS(qt_dwconv_c32x1x8_hwc_ku3_inputs_inline_tile__c_);
QT_VARIANT_FNS(qt_dwconv_c64x2x1_chw_ku3_weights_strips_row__c_);
QT_VARIANT_FNS(qt_dwconv_c8x1x4_hwc_ku1_weights_prepad_tile__c_);
QT_VARIANT_FNS(qt_dwconv_c16x4x2_chw_ku2_inputs_inline_pass__c_);
QT_VARIANT_FNS(qt_dwconv_c16x4x2_hwc_ku2_weights_inline_row__avx2_twin_);
QT_VARIANT_FNS(qt_dwconv_c32x1x1_chw_ku1_inputs_prepad_pass__avx2_twin_);
QT_VARIANT_FNS(qt_dwconv_c32x2x4_chw_ku2_weights_inline_tile__avx512_twin_);
QT_VARIANT_FNS(qt_dwconv_c64x4x1_hwc_ku1_inputs_prepad_pass__avx512_twin_);
QT_VARIANT_FNS(qt_dwconv_c16x2x2_hwc_ku1_inputs_strips_row__neon_twin_);
QT_VARIANT_FNS(qt_dwconv_c8x4x8_chw_ku2_weights_inline_pass__neon_twin_);
#ifdef QT_TEST_X86_ISA
QT_VARIANT_FNS(qt_dwconv_c16x2x2_hwc_ku1_weights_strips_row__avx2_);
QT_VARIANT_FNS(qt_dwconv_c32x1x4_chw_ku2_inputs_inline_tile__avx2_);
QT_VARIANT_FNS(qt_dwconv_c64x4x1_hwc_ku3_weights_prepad_pass__avx2_);
QT_VARIANT_FNS(qt_dwconv_c16x2x8_chw_ku3_inputs_strips_tile__avx2_);
QT_VARIANT_FNS(qt_dwconv_c32x2x2_hwc_ku1_inputs_strips_row__avx512_);
QT_VARIANT_FNS(qt_dwconv_c64x1x8_chw_ku2_weights_prepad_tile__avx512_);
QT_VARIANT_FNS(qt_dwconv_c32x4x4_hwc_ku3_inputs_inline_pass__avx512_);
QT_VARIANT_FNS(qt_dwconv_c64x2x1_chw_ku3_weights_strips_row__avx512_);
#endif
#ifdef QT_TEST_ARM_ISA
QT_VARIANT_FNS(qt_dwconv_c8x2x2_hwc_ku1_inputs_strips_row__neon_);
QT_VARIANT_FNS(qt_dwconv_c16x4x4_chw_ku2_weights_prepad_tile__neon_);
QT_VARIANT_FNS(qt_dwconv_c32x1x8_hwc_ku3_inputs_inline_pass__neon_);
QT_VARIANT_FNS(qt_dwconv_c64x2x1_chw_ku3_weights_strips_tile__neon_);
#endif

enum { ISA_C = 0, ISA_AVX2 = 1, ISA_AVX512 = 2, ISA_NEON = 3 };

/* Each variant with its isa and whether it was built with the ISA's flags. */
static const struct variant {
  const qt_variant_fns *fns;
  int isa;
  int native; /* 1: built with the ISA's flags (needs the CPU feature) */
} variants[] = {
    {&qt_dwconv_c32x2x2_hwc_ku1_inputs_strips_row__c_fns, ISA_C, 0},
    {&qt_dwconv_c16x2x2_hwc_ku1_weights_strips_tile__c_fns, ISA_C, 0},
    {&qt_dwconv_c4x1x1_chw_ku2_inputs_inline_row__c_fns, ISA_C, 0},
    {&qt_dwconv_c8x4x8_hwc_ku3_weights_prepad_pass__c_fns, ISA_C, 0},
    {&qt_dwconv_c32x2x4_chw_ku1_inputs_strips_row__c_fns, ISA_C, 0},
    {&qt_dwconv_c64x1x2_hwc_ku2_weights_inline_pass__c_fns, ISA_C, 0},
    {&qt_dwconv_c16x4x1_chw_ku3_weights_prepad_tile__c_fns, ISA_C, 0},
    {&qt_dwconv_c8x2x8_chw_ku1_inputs_strips_pass__c_fns, ISA_C, 0},
    {&qt_dwconv_c4x4x4_hwc_ku2_inputs_prepad_row__c_fns, ISA_C, 0},
    {&qt_dwconv_c32x1x8_hwc_ku3_inputs_inline_tile__c_fns, ISA_C, 0},
    {&qt_dwconv_c64x2x1_chw_ku3_weights_strips_row__c_fns, ISA_C, 0},
    {&qt_dwconv_c8x1x4_hwc_ku1_weights_prepad_tile__c_fns, ISA_C, 0},
    {&qt_dwconv_c16x4x2_chw_ku2_inputs_inline_pass__c_fns, ISA_C, 0},
    {&qt_dwconv_c16x4x2_hwc_ku2_weights_inline_row__avx2_twin_fns, ISA_AVX2, 0},
    {&qt_dwconv_c32x1x1_chw_ku1_inputs_prepad_pass__avx2_twin_fns, ISA_AVX2, 0},
    {&qt_dwconv_c32x2x4_chw_ku2_weights_inline_tile__avx512_twin_fns, ISA_AVX512, 0},
    {&qt_dwconv_c64x4x1_hwc_ku1_inputs_prepad_pass__avx512_twin_fns, ISA_AVX512, 0},
    {&qt_dwconv_c16x2x2_hwc_ku1_inputs_strips_row__neon_twin_fns, ISA_NEON, 0},
    {&qt_dwconv_c8x4x8_chw_ku2_weights_inline_pass__neon_twin_fns, ISA_NEON, 0},
#ifdef QT_TEST_X86_ISA
    {&qt_dwconv_c16x2x2_hwc_ku1_weights_strips_row__avx2_fns, ISA_AVX2, 1},
    {&qt_dwconv_c32x1x4_chw_ku2_inputs_inline_tile__avx2_fns, ISA_AVX2, 1},
    {&qt_dwconv_c64x4x1_hwc_ku3_weights_prepad_pass__avx2_fns, ISA_AVX2, 1},
    {&qt_dwconv_c16x2x8_chw_ku3_inputs_strips_tile__avx2_fns, ISA_AVX2, 1},
    {&qt_dwconv_c32x2x2_hwc_ku1_inputs_strips_row__avx512_fns, ISA_AVX512, 1},
    {&qt_dwconv_c64x1x8_chw_ku2_weights_prepad_tile__avx512_fns, ISA_AVX512, 1},
    {&qt_dwconv_c32x4x4_hwc_ku3_inputs_inline_pass__avx512_fns, ISA_AVX512, 1},
    {&qt_dwconv_c64x2x1_chw_ku3_weights_strips_row__avx512_fns, ISA_AVX512, 1},
#endif
#ifdef QT_TEST_ARM_ISA
    {&qt_dwconv_c8x2x2_hwc_ku1_inputs_strips_row__neon_fns, ISA_NEON, 1},
    {&qt_dwconv_c16x4x4_chw_ku2_weights_prepad_tile__neon_fns, ISA_NEON, 1},
    {&qt_dwconv_c32x1x8_hwc_ku3_inputs_inline_pass__neon_fns, ISA_NEON, 1},
    {&qt_dwconv_c64x2x1_chw_ku3_weights_strips_tile__neon_fns, ISA_NEON, 1},
#endif
};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };

/* 1 if variant i can run on this CPU: plain C and twins always, an ISA build only where the
 * CPU has the feature (checked at run time: the test binary itself is built without flags). */
static int runnable(int i) {
  if (!variants[i].native) return 1;
#ifdef QT_TEST_X86_ISA
  if (variants[i].isa == ISA_AVX2) return __builtin_cpu_supports("avx2");
  if (variants[i].isa == ISA_AVX512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
#ifdef QT_TEST_ARM_ISA
  if (variants[i].isa == ISA_NEON) return 1; /* baseline aarch64 */
#endif
  return 0;
}

/* Depthwise layers with MobileNetV2's channel counts, strides and paddings, spatially cut
 * down so that a sweep stays fast under qemu (the full layers are tuning workloads, not test
 * cases): QT_EDGE_DW(name, n, h, w, c, dm, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr). */
static const struct qt_edge_shape mnv2_shapes[] = {
    QT_EDGE_DW("mnv2_block0_dw_c32_s1", 1, 12, 12, 32, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("mnv2_block1_dw_c96_s2", 1, 12, 12, 96, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_DW("mnv2_block2_dw_c144_s1", 1, 9, 9, 144, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("mnv2_block13_dw_c576_s2", 1, 6, 6, 576, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_DW("mnv2_block14_dw_c960_s1", 1, 7, 7, 960, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
};
enum { N_MNV2 = (int)(sizeof mnv2_shapes / sizeof mnv2_shapes[0]) };

/* Runs v on d for every dtype x requant combination; returns the number of mismatches. */
static int sweep_shape(const qt_variant_fns *v, const char *name, const qt_conv_desc *d,
                       uint64_t seed) {
  int failures = 0;
  for (int32_t dtype = QT_DTYPE_S8; dtype <= QT_DTYPE_U8; dtype++)
    for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
      char msg[512];
      int rc = qt_check_variant(v, d, dtype, rq, seed + (uint64_t)(dtype * 2 + rq), msg, sizeof msg);
      CHECK_MSG(rc == 0, "%s: %s", name, msg);
      failures += rc != 0;
    }
  return failures;
}

/* Every variant over every depthwise edge shape. */
static void test_edge_shapes(void) {
  int swept = 0, skipped = 0;
  for (int v = 0; v < N_VARIANTS; v++) {
    if (!runnable(v)) {
      fprintf(stderr, "SKIP %s: this CPU lacks its ISA\n", variants[v].fns->name);
      skipped++;
      continue;
    }
    for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
      if (qt_edge_shapes[s].d.p.op != QT_OP_DEPTHWISE) continue;
      sweep_shape(variants[v].fns, qt_edge_shapes[s].name, &qt_edge_shapes[s].d,
                  1000u * (uint64_t)v + (uint64_t)s);
      swept++;
    }
  }
  /* The table must actually contain depthwise cases, or the sweep proves nothing. */
  CHECK(swept >= (N_VARIANTS - skipped) * 10);
  CHECK(N_VARIANTS - skipped >= 19); /* at least the plain C variants and every twin ran */
}

/* MobileNetV2-sized channel counts (full blocks of every CB plus large tails). */
static void test_mobilenet_v2_shapes(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_MNV2 && runnable(v); s++)
      sweep_shape(variants[v].fns, mnv2_shapes[s].name, &mnv2_shapes[s].d, 77u + (uint64_t)(v * N_MNV2 + s));
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
    if (!runnable(v)) continue;
    const qt_variant_fns *f = variants[v].fns;
    size_t psize = f->packed_size(dw);
    CHECK_MSG(psize > 0 && psize % 4 == 0, "%s packed_size %zu", f->name, psize);
    void *packed = malloc(psize);
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
    /* A variant that needs scratch must refuse to run without it. */
    if (f->scratch_size(dw) > 0) CHECK_EQ_INT(f->run(dw, &q, in, packed, out, NULL), QT_KERNEL_EINVAL);
    free(packed);
  }
}

int main(void) {
  test_errors();
  test_edge_shapes();
  test_mobilenet_v2_shapes();
  return qt_test_finish();
}
