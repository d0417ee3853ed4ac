/* test_gemm.c — the conv2d im2col + GEMM template (kernels/templates/gemm.c) against the
 * reference. gemm.cmake compiles the template once per entry of the table below with runtime
 * shapes and that entry's knobs; together the entries cover every value of every knob. Each
 * variant runs over every conv2d edge shape (edge_shapes.h) for both dtypes and both requant
 * schemes, and over a few MobileNetV2-sized conv layers, and must match qt_ref_conv byte for
 * byte (qt_check_variant: guard bytes, two output/scratch fills). It also checks the contract's
 * error returns and the scratch the knobs ask for. ISA variants (isa avx2/avx512vnni) come in
 * two builds: with the ISA's flags (x86 values on x86-64, QT_TEST_X86_ISA; neon/neondot on
 * aarch64, QT_TEST_ARM_ISA; skipped with a message on a CPU without the feature, e.g. neondot
 * under qemu -cpu cortex-a53) and without them, which runs the micro-kernel's plain C twin;
 * avx512vnni and neondot variants are s8 only (u8 must be refused). Links qtkernels only: it runs natively
 * and under qemu. */
#include <stdio.h>
#include <stdlib.h>

#include "edge_shapes.h"
#include "kernel_check.h"
#include "qt_datagen.h"
#include "qt_test.h"

QT_VARIANT_FNS(qt_gemm_4x16_ku1_weights_pipe0_outer_mn_inline_tile__c_);
QT_VARIANT_FNS(qt_gemm_1x4_ku2_weights_pipe0_dot_nm_prepad_pass__c_);
QT_VARIANT_FNS(qt_gemm_2x8_ku4_weights_pipe0_dot_mn_prepad_row__c_);
QT_VARIANT_FNS(qt_gemm_6x32_ku1_weights_pipe0_outer_nm_inline_tile__c_);
QT_VARIANT_FNS(qt_gemm_8x4_ku2_weights_pipe0_outer_mn_inline_pass__c_);
QT_VARIANT_FNS(qt_gemm_8x16_ku4_weights_pipe0_outer_nm_prepad_tile__c_);
QT_VARIANT_FNS(qt_gemm_6x8_ku2_weights_pipe0_outer_mn_inline_row__c_);
QT_VARIANT_FNS(qt_gemm_1x32_ku4_weights_pipe0_outer_mn_prepad_tile__c_);
QT_VARIANT_FNS(qt_gemm_2x16_ku1_weights_pipe0_dot_nm_inline_pass__c_);
QT_VARIANT_FNS(qt_gemm_4x4_ku4_weights_pipe0_dot_mn_prepad_row__c_);
QT_VARIANT_FNS(qt_gemm_8x32_ku1_weights_pipe0_outer_mn_prepad_pass__c_);
QT_VARIANT_FNS(qt_gemm_4x8_ku2_weights_pipe0_dot_nm_prepad_tile__c_);
QT_VARIANT_FNS(qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__avx2_twin_);
QT_VARIANT_FNS(qt_gemm_6x8_ku4_weights_pipe0_outer_nm_prepad_pass__avx2_twin_);
QT_VARIANT_FNS(qt_gemm_2x32_ku4_weights_pipe0_outer_mn_prepad_row__avx512vnni_twin_);
QT_VARIANT_FNS(qt_gemm_8x16_ku1_weights_pipe0_outer_nm_inline_tile__avx512vnni_twin_);
QT_VARIANT_FNS(qt_gemm_4x8_ku2_weights_pipe0_outer_mn_prepad_row__neon_twin_);
QT_VARIANT_FNS(qt_gemm_2x16_ku1_weights_pipe0_outer_nm_inline_pass__neondot_twin_);
QT_VARIANT_FNS(qt_gemm_2x8_ku1_inputs_pipe1_outer_mn_inline_tile__avx2_twin_);
QT_VARIANT_FNS(qt_gemm_1x16_ku2_weights_pipe2_outer_nm_prepad_pass__avx2_twin_);
QT_VARIANT_FNS(qt_gemm_4x16_ku1_inputs_pipe2_outer_mn_inline_row__avx512vnni_twin_);
QT_VARIANT_FNS(qt_gemm_2x32_ku2_weights_pipe1_outer_nm_prepad_tile__avx512vnni_twin_);
QT_VARIANT_FNS(qt_gemm_2x8_ku1_inputs_pipe1_outer_mn_prepad_pass__neon_twin_);
QT_VARIANT_FNS(qt_gemm_4x16_ku2_weights_pipe2_outer_mn_inline_tile__neon_twin_);
QT_VARIANT_FNS(qt_gemm_2x16_ku1_inputs_pipe2_outer_mn_inline_row__neondot_twin_);
QT_VARIANT_FNS(qt_gemm_4x8_ku2_weights_pipe1_outer_nm_prepad_tile__neondot_twin_);
#ifdef QT_TEST_ARM_ISA
#include <sys/auxv.h>
QT_VARIANT_FNS(qt_gemm_4x16_ku1_weights_pipe0_outer_mn_inline_tile__neon_);
QT_VARIANT_FNS(qt_gemm_8x8_ku2_weights_pipe0_outer_mn_prepad_row__neon_);
QT_VARIANT_FNS(qt_gemm_2x32_ku4_weights_pipe0_outer_mn_inline_pass__neon_);
QT_VARIANT_FNS(qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__neondot_);
QT_VARIANT_FNS(qt_gemm_8x8_ku1_weights_pipe0_outer_nm_prepad_tile__neondot_);
QT_VARIANT_FNS(qt_gemm_1x4_ku4_weights_pipe0_outer_mn_prepad_pass__neondot_);
QT_VARIANT_FNS(qt_gemm_4x8_ku1_inputs_pipe0_outer_mn_inline_tile__neon_);
QT_VARIANT_FNS(qt_gemm_2x16_ku2_weights_pipe1_outer_nm_prepad_pass__neon_);
QT_VARIANT_FNS(qt_gemm_4x16_ku1_inputs_pipe2_outer_mn_inline_row__neon_);
QT_VARIANT_FNS(qt_gemm_1x8_ku4_inputs_pipe1_outer_mn_prepad_tile__neon_);
QT_VARIANT_FNS(qt_gemm_4x8_ku1_inputs_pipe0_outer_mn_inline_pass__neondot_);
QT_VARIANT_FNS(qt_gemm_2x16_ku2_weights_pipe1_outer_mn_inline_tile__neondot_);
QT_VARIANT_FNS(qt_gemm_4x4_ku4_inputs_pipe2_outer_mn_prepad_row__neondot_);
QT_VARIANT_FNS(qt_gemm_6x8_ku1_inputs_pipe1_outer_mn_inline_tile__neondot_);
#endif
#ifdef QT_TEST_X86_ISA
QT_VARIANT_FNS(qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__avx2_);
QT_VARIANT_FNS(qt_gemm_2x8_ku1_weights_pipe0_outer_nm_prepad_tile__avx2_);
QT_VARIANT_FNS(qt_gemm_8x32_ku4_weights_pipe0_outer_mn_inline_pass__avx2_);
QT_VARIANT_FNS(qt_gemm_8x32_ku2_weights_pipe0_outer_mn_inline_tile__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_4x16_ku1_weights_pipe0_outer_nm_prepad_pass__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_1x16_ku4_weights_pipe0_outer_mn_prepad_row__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_6x32_ku1_weights_pipe0_outer_mn_inline_row__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_2x16_ku1_inputs_pipe0_outer_mn_inline_tile__avx2_);
QT_VARIANT_FNS(qt_gemm_2x8_ku2_inputs_pipe1_outer_mn_prepad_row__avx2_);
QT_VARIANT_FNS(qt_gemm_1x16_ku1_weights_pipe2_outer_nm_inline_pass__avx2_);
QT_VARIANT_FNS(qt_gemm_2x8_ku4_weights_pipe1_outer_mn_inline_tile__avx2_);
QT_VARIANT_FNS(qt_gemm_4x32_ku2_inputs_pipe1_outer_mn_inline_tile__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_6x16_ku1_weights_pipe1_outer_nm_prepad_pass__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_2x32_ku4_inputs_pipe2_outer_mn_inline_row__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_4x16_ku1_weights_pipe2_outer_mn_prepad_tile__avx512vnni_);
QT_VARIANT_FNS(qt_gemm_8x16_ku1_inputs_pipe0_outer_mn_inline_pass__avx512vnni_);
#endif

enum { ISA_C = 0, ISA_AVX2 = 1, ISA_AVX512VNNI = 2, ISA_NEON = 3, ISA_NEONDOT = 4 };

/* Each variant with the knobs it was built with (gemm.cmake), for the scratch checks. */
static const struct variant {
  const qt_variant_fns *fns;
  int mr, nr, order_nm, prepad, rq; /* rq: 0 tile, 1 row, 2 pass */
  int isa;                          /* ISA_*: packed layout and dtypes */
  int native;                       /* 1: built with the ISA's flags (needs the CPU feature) */
} variants[] = {
    {&qt_gemm_4x16_ku1_weights_pipe0_outer_mn_inline_tile__c_fns, 4, 16, 0, 0, 0, ISA_C, 0},
    {&qt_gemm_1x4_ku2_weights_pipe0_dot_nm_prepad_pass__c_fns, 1, 4, 1, 1, 2, ISA_C, 0},
    {&qt_gemm_2x8_ku4_weights_pipe0_dot_mn_prepad_row__c_fns, 2, 8, 0, 1, 1, ISA_C, 0},
    {&qt_gemm_6x32_ku1_weights_pipe0_outer_nm_inline_tile__c_fns, 6, 32, 1, 0, 0, ISA_C, 0},
    {&qt_gemm_8x4_ku2_weights_pipe0_outer_mn_inline_pass__c_fns, 8, 4, 0, 0, 2, ISA_C, 0},
    {&qt_gemm_8x16_ku4_weights_pipe0_outer_nm_prepad_tile__c_fns, 8, 16, 1, 1, 0, ISA_C, 0},
    {&qt_gemm_6x8_ku2_weights_pipe0_outer_mn_inline_row__c_fns, 6, 8, 0, 0, 1, ISA_C, 0},
    {&qt_gemm_1x32_ku4_weights_pipe0_outer_mn_prepad_tile__c_fns, 1, 32, 0, 1, 0, ISA_C, 0},
    {&qt_gemm_2x16_ku1_weights_pipe0_dot_nm_inline_pass__c_fns, 2, 16, 1, 0, 2, ISA_C, 0},
    {&qt_gemm_4x4_ku4_weights_pipe0_dot_mn_prepad_row__c_fns, 4, 4, 0, 1, 1, ISA_C, 0},
    {&qt_gemm_8x32_ku1_weights_pipe0_outer_mn_prepad_pass__c_fns, 8, 32, 0, 1, 2, ISA_C, 0},
    {&qt_gemm_4x8_ku2_weights_pipe0_dot_nm_prepad_tile__c_fns, 4, 8, 1, 1, 0, ISA_C, 0},
    {&qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__avx2_twin_fns, 4, 16, 0, 0, 1, ISA_AVX2, 0},
    {&qt_gemm_6x8_ku4_weights_pipe0_outer_nm_prepad_pass__avx2_twin_fns, 6, 8, 1, 1, 2, ISA_AVX2, 0},
    {&qt_gemm_2x32_ku4_weights_pipe0_outer_mn_prepad_row__avx512vnni_twin_fns, 2, 32, 0, 1, 1, ISA_AVX512VNNI, 0},
    {&qt_gemm_8x16_ku1_weights_pipe0_outer_nm_inline_tile__avx512vnni_twin_fns, 8, 16, 1, 0, 0, ISA_AVX512VNNI, 0},
    {&qt_gemm_4x8_ku2_weights_pipe0_outer_mn_prepad_row__neon_twin_fns, 4, 8, 0, 1, 1, ISA_NEON, 0},
    {&qt_gemm_2x16_ku1_weights_pipe0_outer_nm_inline_pass__neondot_twin_fns, 2, 16, 1, 0, 2, ISA_NEONDOT, 0},
    {&qt_gemm_2x8_ku1_inputs_pipe1_outer_mn_inline_tile__avx2_twin_fns, 2, 8, 0, 0, 0, ISA_AVX2, 0},
    {&qt_gemm_1x16_ku2_weights_pipe2_outer_nm_prepad_pass__avx2_twin_fns, 1, 16, 1, 1, 2, ISA_AVX2, 0},
    {&qt_gemm_4x16_ku1_inputs_pipe2_outer_mn_inline_row__avx512vnni_twin_fns, 4, 16, 0, 0, 1, ISA_AVX512VNNI, 0},
    {&qt_gemm_2x32_ku2_weights_pipe1_outer_nm_prepad_tile__avx512vnni_twin_fns, 2, 32, 1, 1, 0, ISA_AVX512VNNI, 0},
    {&qt_gemm_2x8_ku1_inputs_pipe1_outer_mn_prepad_pass__neon_twin_fns, 2, 8, 0, 1, 2, ISA_NEON, 0},
    {&qt_gemm_4x16_ku2_weights_pipe2_outer_mn_inline_tile__neon_twin_fns, 4, 16, 0, 0, 0, ISA_NEON, 0},
    {&qt_gemm_2x16_ku1_inputs_pipe2_outer_mn_inline_row__neondot_twin_fns, 2, 16, 0, 0, 1, ISA_NEONDOT, 0},
    {&qt_gemm_4x8_ku2_weights_pipe1_outer_nm_prepad_tile__neondot_twin_fns, 4, 8, 1, 1, 0, ISA_NEONDOT, 0},
#ifdef QT_TEST_ARM_ISA
    {&qt_gemm_4x16_ku1_weights_pipe0_outer_mn_inline_tile__neon_fns, 4, 16, 0, 0, 0, ISA_NEON, 1},
    {&qt_gemm_8x8_ku2_weights_pipe0_outer_mn_prepad_row__neon_fns, 8, 8, 0, 1, 1, ISA_NEON, 1},
    {&qt_gemm_2x32_ku4_weights_pipe0_outer_mn_inline_pass__neon_fns, 2, 32, 0, 0, 2, ISA_NEON, 1},
    {&qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__neondot_fns, 4, 16, 0, 0, 1, ISA_NEONDOT, 1},
    {&qt_gemm_8x8_ku1_weights_pipe0_outer_nm_prepad_tile__neondot_fns, 8, 8, 1, 1, 0, ISA_NEONDOT, 1},
    {&qt_gemm_1x4_ku4_weights_pipe0_outer_mn_prepad_pass__neondot_fns, 1, 4, 0, 1, 2, ISA_NEONDOT, 1},
    {&qt_gemm_4x8_ku1_inputs_pipe0_outer_mn_inline_tile__neon_fns, 4, 8, 0, 0, 0, ISA_NEON, 1},
    {&qt_gemm_2x16_ku2_weights_pipe1_outer_nm_prepad_pass__neon_fns, 2, 16, 1, 1, 2, ISA_NEON, 1},
    {&qt_gemm_4x16_ku1_inputs_pipe2_outer_mn_inline_row__neon_fns, 4, 16, 0, 0, 1, ISA_NEON, 1},
    {&qt_gemm_1x8_ku4_inputs_pipe1_outer_mn_prepad_tile__neon_fns, 1, 8, 0, 1, 0, ISA_NEON, 1},
    {&qt_gemm_4x8_ku1_inputs_pipe0_outer_mn_inline_pass__neondot_fns, 4, 8, 0, 0, 2, ISA_NEONDOT, 1},
    {&qt_gemm_2x16_ku2_weights_pipe1_outer_mn_inline_tile__neondot_fns, 2, 16, 0, 0, 0, ISA_NEONDOT, 1},
    {&qt_gemm_4x4_ku4_inputs_pipe2_outer_mn_prepad_row__neondot_fns, 4, 4, 0, 1, 1, ISA_NEONDOT, 1},
    {&qt_gemm_6x8_ku1_inputs_pipe1_outer_mn_inline_tile__neondot_fns, 6, 8, 0, 0, 0, ISA_NEONDOT, 1},
#endif
#ifdef QT_TEST_X86_ISA
    {&qt_gemm_4x16_ku2_weights_pipe0_outer_mn_inline_row__avx2_fns, 4, 16, 0, 0, 1, ISA_AVX2, 1},
    {&qt_gemm_2x8_ku1_weights_pipe0_outer_nm_prepad_tile__avx2_fns, 2, 8, 1, 1, 0, ISA_AVX2, 1},
    {&qt_gemm_8x32_ku4_weights_pipe0_outer_mn_inline_pass__avx2_fns, 8, 32, 0, 0, 2, ISA_AVX2, 1},
    {&qt_gemm_8x32_ku2_weights_pipe0_outer_mn_inline_tile__avx512vnni_fns, 8, 32, 0, 0, 0, ISA_AVX512VNNI, 1},
    {&qt_gemm_4x16_ku1_weights_pipe0_outer_nm_prepad_pass__avx512vnni_fns, 4, 16, 1, 1, 2, ISA_AVX512VNNI, 1},
    {&qt_gemm_1x16_ku4_weights_pipe0_outer_mn_prepad_row__avx512vnni_fns, 1, 16, 0, 1, 1, ISA_AVX512VNNI, 1},
    {&qt_gemm_6x32_ku1_weights_pipe0_outer_mn_inline_row__avx512vnni_fns, 6, 32, 0, 0, 1, ISA_AVX512VNNI, 1},
    {&qt_gemm_2x16_ku1_inputs_pipe0_outer_mn_inline_tile__avx2_fns, 2, 16, 0, 0, 0, ISA_AVX2, 1},
    {&qt_gemm_2x8_ku2_inputs_pipe1_outer_mn_prepad_row__avx2_fns, 2, 8, 0, 1, 1, ISA_AVX2, 1},
    {&qt_gemm_1x16_ku1_weights_pipe2_outer_nm_inline_pass__avx2_fns, 1, 16, 1, 0, 2, ISA_AVX2, 1},
    {&qt_gemm_2x8_ku4_weights_pipe1_outer_mn_inline_tile__avx2_fns, 2, 8, 0, 0, 0, ISA_AVX2, 1},
    {&qt_gemm_4x32_ku2_inputs_pipe1_outer_mn_inline_tile__avx512vnni_fns, 4, 32, 0, 0, 0, ISA_AVX512VNNI, 1},
    {&qt_gemm_6x16_ku1_weights_pipe1_outer_nm_prepad_pass__avx512vnni_fns, 6, 16, 1, 1, 2, ISA_AVX512VNNI, 1},
    {&qt_gemm_2x32_ku4_inputs_pipe2_outer_mn_inline_row__avx512vnni_fns, 2, 32, 0, 0, 1, ISA_AVX512VNNI, 1},
    {&qt_gemm_4x16_ku1_weights_pipe2_outer_mn_prepad_tile__avx512vnni_fns, 4, 16, 0, 1, 0, ISA_AVX512VNNI, 1},
    {&qt_gemm_8x16_ku1_inputs_pipe0_outer_mn_inline_pass__avx512vnni_fns, 8, 16, 0, 0, 2, ISA_AVX512VNNI, 1},
#endif
};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };

/* conv2d layers with MobileNetV2's channel counts, strides and paddings, spatially cut down
 * so that a sweep stays fast under qemu: QT_EDGE_CONV(name, n, h, w, ic, oc, kh, kw, sh, sw,
 * dh, dw, pt, pl, pb, pr). */
static const struct qt_edge_shape mnv2_shapes[] = {
    QT_EDGE_CONV("mnv2_stem_c3_c32_s2_pad0011", 1, 17, 17, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_CONV("mnv2_block1_expand_c16_c96", 1, 9, 9, 16, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_block2_project_c144_c24", 1, 7, 7, 144, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_block14_expand_c160_c960", 1, 3, 3, 160, 960, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_block16_project_c960_c320", 1, 2, 3, 960, 320, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_head_n2_c320_c1280", 2, 2, 2, 320, 1280, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
};
enum { N_MNV2 = (int)(sizeof mnv2_shapes / sizeof mnv2_shapes[0]) };

/* 1 if variant i can run on this CPU: plain C and twins always, an ISA build only where the
 * CPU has the feature (checked at run time: the test binary itself is built without flags). */
static int runnable(int i) {
  if (!variants[i].native) return 1;
#ifdef QT_TEST_X86_ISA
  if (variants[i].isa == ISA_AVX2) return __builtin_cpu_supports("avx2");
  if (variants[i].isa == ISA_AVX512VNNI)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
#endif
#ifdef QT_TEST_ARM_ISA
  if (variants[i].isa == ISA_NEON) return 1; /* baseline aarch64 */
  if (variants[i].isa == ISA_NEONDOT) return (getauxval(AT_HWCAP) & (1ul << 20)) != 0; /* ASIMDDP */
#endif
  return 0;
}

/* The dtypes variant i computes: avx512vnni (VPDPBUSD) and neondot (SDOT) need signed int8
 * weights, s8 only. */
static int32_t last_dtype(int i) {
  return variants[i].isa == ISA_AVX512VNNI || variants[i].isa == ISA_NEONDOT ? QT_DTYPE_S8
                                                                              : QT_DTYPE_U8;
}

/* Runs variant vi on d for every dtype x requant combination it supports; returns the number
 * of mismatches. */
static int sweep_shape(int vi, const char *name, const qt_conv_desc *d, uint64_t seed) {
  const qt_variant_fns *v = variants[vi].fns;
  int failures = 0;
  for (int32_t dtype = QT_DTYPE_S8; dtype <= last_dtype(vi); dtype++)
    for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
      char msg[512];
      int rc = qt_check_variant(v, d, dtype, rq, seed + (uint64_t)(dtype * 2 + rq), msg, sizeof msg);
      CHECK_MSG(rc == 0, "%s: %s", name, msg);
      failures += rc != 0;
    }
  return failures;
}

/* Every variant over every conv2d edge shape. */
static void test_edge_shapes(void) {
  int swept = 0, skipped = 0;
  for (int v = 0; v < N_VARIANTS; v++) {
    if (!runnable(v)) {
      fprintf(stderr, "SKIP %s: this CPU lacks its ISA\n", variants[v].fns->name);
      skipped++;
      continue;
    }
    for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
      if (qt_edge_shapes[s].d.p.op != QT_OP_CONV2D) continue;
      sweep_shape(v, qt_edge_shapes[s].name, &qt_edge_shapes[s].d,
                  7000u + 1000u * (uint64_t)v + (uint64_t)s);
      swept++;
    }
  }
  /* The table must actually contain conv2d cases, or the sweep proves nothing. */
  CHECK(swept >= (N_VARIANTS - skipped) * 10);
}

/* MobileNetV2-sized channel counts: full blocks of every NR plus tails, deep reductions. */
static void test_mobilenet_v2_shapes(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_MNV2 && runnable(v); s++)
      sweep_shape(v, mnv2_shapes[s].name, &mnv2_shapes[s].d,
                  90000u + 100u * (uint64_t)v + (uint64_t)s);
}

/* Scratch follows the knobs: nothing for a pointwise layer read in place with fused
 * requantization, an im2col row block or the whole im2col matrix by loop order, a padded
 * copy for prepad, and int32 rows for rq=row/pass. */
static void test_scratch_sizes(void) {
  const qt_conv_desc pw = mnv2_shapes[1].d;   /* 1x1 unpadded: A read straight from input */
  const qt_conv_desc stem = mnv2_shapes[0].d; /* 3x3 s2, padded: im2col */
  const size_t k = 27, m = (size_t)stem.out.h * (size_t)stem.out.w;
  const size_t padded = (size_t)(17 + 1) * (17 + 1) * 3;
  for (int i = 0; i < N_VARIANTS; i++) {
    const struct variant *v = &variants[i];
    const size_t ibuf_pw = v->rq == 0 ? 0
                           : v->rq == 1 ? (size_t)v->mr * 96 * 4
                                        : (size_t)9 * 9 * 96 * 4;
    const size_t scratch_pw = v->fns->scratch_size(&pw);
    CHECK_MSG(scratch_pw >= ibuf_pw && scratch_pw < ibuf_pw + 64, "%s: pointwise scratch %zu",
              v->fns->name, scratch_pw);
    const size_t cols = v->order_nm ? m * k : (size_t)v->mr * k;
    const size_t ibuf = v->rq == 0 ? 0 : v->rq == 1 ? (size_t)v->mr * 32 * 4 : m * 32 * 4;
    const size_t want = cols + (v->prepad ? padded : 0) + ibuf;
    const size_t got = v->fns->scratch_size(&stem);
    CHECK_MSG(got >= want && got < want + 3 * 64, "%s: stem scratch %zu, want %zu (+ alignment)",
              v->fns->name, got, want);
    /* packed: one int32 bias + K int16 weights per column (K rounded up to 2 for avx2; K
     * rounded up to 4 int8 weights for avx512vnni), whole blocks of NR */
    const size_t blocks = (32 + (size_t)v->nr - 1) / (size_t)v->nr;
    const size_t wbytes = v->isa == ISA_AVX512VNNI || v->isa == ISA_NEONDOT ? (k + 3) / 4 * 4
                          : v->isa == ISA_AVX2     ? 2 * ((k + 1) / 2 * 2)
                                                   : 2 * k;
    const size_t packed = v->fns->packed_size(&stem);
    CHECK_MSG(packed >= blocks * (size_t)v->nr * (4 + wbytes) &&
                  packed < blocks * ((size_t)v->nr * (4 + wbytes) + 64),
              "%s: packed %zu", v->fns->name, packed);
  }
}

/* The contract's error returns: NULL arguments, a depthwise descriptor. */
static void test_errors(void) {
  const qt_variant_fns *v = variants[0].fns;
  const qt_conv_desc *d = &mnv2_shapes[1].d;
  qt_problem p;
  CHECK_EQ_INT(qt_problem_init(&p, d, QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 5), QT_KERNEL_OK);
  void *packed = aligned_alloc(QT_ALIGN, (v->packed_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
  uint8_t *out = malloc(p.output_bytes);
  CHECK(packed && out);
  if (packed && out) {
    CHECK_EQ_INT(v->pack(NULL, &p.q, p.weights, p.bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->pack(d, &p.q, NULL, p.bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->pack(d, &p.q, p.weights, p.bias, packed), QT_KERNEL_OK);
    CHECK_EQ_INT(v->run(d, &p.q, NULL, packed, out, NULL), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->run(d, &p.q, p.input, packed, out, NULL), QT_KERNEL_OK);
    qt_conv_desc dw = *d;
    dw.p.op = QT_OP_DEPTHWISE;
    dw.out.c = dw.in.c;
    CHECK_EQ_INT(v->pack(&dw, &p.q, p.weights, p.bias, packed), QT_KERNEL_ESHAPE);
    CHECK_EQ_INT(v->run(&dw, &p.q, p.input, packed, out, NULL), QT_KERNEL_ESHAPE);
    qt_quant_params bad = p.q;
    bad.dtype = 7;
    CHECK_EQ_INT(v->run(d, &bad, p.input, packed, out, NULL), QT_KERNEL_EINVAL);
    /* a variant that needs scratch refuses to run without it */
    const qt_variant_fns *pass = variants[1].fns;
    CHECK(pass->scratch_size(d) > 0);
    CHECK_EQ_INT(pass->run(d, &p.q, p.input, packed, out, NULL), QT_KERNEL_EINVAL);
    /* avx512vnni and neondot refuse u8 (its weights would not fit their signed bytes) */
    for (int i = 0; i < N_VARIANTS; i++) {
      if (variants[i].isa != ISA_AVX512VNNI && variants[i].isa != ISA_NEONDOT) continue;
      qt_quant_params u8q = p.q;
      u8q.dtype = QT_DTYPE_U8;
      CHECK_EQ_INT(variants[i].fns->pack(d, &u8q, p.weights, p.bias, packed), QT_KERNEL_EINVAL);
      CHECK_EQ_INT(variants[i].fns->run(d, &u8q, p.input, packed, out, NULL), QT_KERNEL_EINVAL);
    }
  }
  free(packed);
  free(out);
  qt_problem_free(&p);
}

int main(void) {
  test_errors();
  test_scratch_sizes();
  test_edge_shapes();
  test_mobilenet_v2_shapes();
  return qt_test_finish();
}
