/* test_gemm.c — the conv2d im2col + GEMM template (kernels/templates/gemm.c) against the
 * reference, one ISA group of its variants per test (test_gemm_<group>): CMake compiles the
 * template once per line of gemm_variants.def with runtime shapes and that line's knobs, and
 * hands this file its group's lines. Each variant runs over every conv2d edge shape
 * (edge_shapes.h) for both dtypes and both requant schemes, and over a few MobileNetV2-sized
 * conv layers, and must match qt_ref_conv byte for byte (qt_check_variant: guard bytes, two
 * output/scratch fills); every variant of the group must run and every case be compared in
 * full. It also checks the contract's error returns and the scratch the knobs ask for. A
 * group built with an ISA's flags (avx2, avx512vnni on x86-64; neon, neondot on aarch64)
 * exits as skipped, saying so, on a CPU without the feature (e.g. neondot under qemu -cpu
 * cortex-a53); the twin group runs the micro-kernels' plain C twins everywhere. avx512vnni
 * and neondot variants are s8 only (u8 must be refused). Links qtkernels only: it runs
 * natively and under qemu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_shapes.h"
#include "gemm_mnv2_shapes.h"
#include "kernel_check.h"
#include "qt_datagen.h"
#include "qt_test.h"

/* This test's variants: the lines of its ISA group in gemm_variants.def (QT_TEST_ISA; the
 * generated QT_TEST_VARIANTS_H holds just them), first declared, then tabled. */
#define VARIANT(group, prefix, ...) QT_VARIANT_FNS(prefix);
#include QT_TEST_VARIANTS_H
#undef VARIANT

enum { ISA_C = 0, ISA_AVX2 = 1, ISA_AVX512VNNI = 2, ISA_NEON = 3, ISA_NEONDOT = 4, ISA_HVX = 5,
       ISA_DSP = 6 };

/* 1 for the ISA values whose micro-kernel takes signed int8 weights only (VPDPBUSD, SDOT,
 * vrmpy u8 x s8) */
static int s8_only(int isa) {
  return isa == ISA_AVX512VNNI || isa == ISA_NEONDOT || isa == ISA_HVX;
}

/* Each variant with the knobs it was built with, for the scratch checks. */
static const struct variant {
  const qt_variant_fns *fns;
  int mr, nr, order_nm, prepad, rq; /* rq: 0 tile, 1 row, 2 pass */
  int isa;                          /* ISA_*: packed layout and dtypes */
  int apack;                        /* 1: A rows widened to int16 in scratch */
  const char *group;                /* its ctest group: "avx2" is built with AVX2's flags */
} variants[] = {
#define VARIANT(group, prefix, mr, nr, ku, load, pipe, vec, order, pad, rq, isa, apack) \
  {&prefix##fns, mr, nr, order, pad, rq, isa, apack, #group},
#include QT_TEST_VARIANTS_H
#undef VARIANT
};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };


/* The dtypes variant i computes: avx512vnni (VPDPBUSD), neondot (SDOT) and hvx (vrmpy) need
 * signed int8 weights, s8 only. */
static int32_t last_dtype(int i) { return s8_only(variants[i].isa) ? QT_DTYPE_S8 : QT_DTYPE_U8; }

/* Output bytes the sweeps mean to compare (qt_check_compared_bytes must reach it). */
static size_t want_compared;

/* Runs variant vi on d for every dtype x requant combination it supports; returns the number
 * of mismatches. */
static int sweep_shape(int vi, const char *name, const qt_conv_desc *d, uint64_t seed) {
  const qt_variant_fns *v = variants[vi].fns;
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

/* Every variant over every conv2d edge shape; every variant of the group must have run. */
static void test_edge_shapes(void) {
  int ran = 0;
  for (int v = 0; v < N_VARIANTS; v++) {
    int swept = 0;
    for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
      if (qt_edge_shapes[s].d.p.op != QT_OP_CONV2D) continue;
      sweep_shape(v, qt_edge_shapes[s].name, &qt_edge_shapes[s].d,
                  7000u + 1000u * (uint64_t)v + (uint64_t)s);
      swept++;
    }
    ran += swept > 0;
  }
  CHECK_EQ_INT(ran, QT_TEST_EXPECTED_VARIANTS);
}

/* MobileNetV2-sized channel counts: full blocks of every NR plus tails, deep reductions. */
static void test_mobilenet_v2_shapes(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_MNV2; s++)
      sweep_shape(v, mnv2_shapes[s].name, &mnv2_shapes[s].d,
                  90000u + 100u * (uint64_t)v + (uint64_t)s);
}

/* Scratch follows the knobs: nothing for a pointwise layer read in place with fused
 * requantization (avx512vnni: its rows flipped to x ^ 0x80, a row block or by loop order
 * all rows, like im2col's), an im2col row block or the whole im2col matrix by loop order (none with
 * apack=pack, whose gather writes the widened rows), a padded copy for prepad, int32 rows
 * for rq=row/pass, for apack=pack the widened rows (K int16 rounded up to even, each row
 * in whole 64-byte lines) of a row block or, by loop order, of all rows. The packed weights
 * end, with an x86 requant micro-kernel built in (not its twin), in the requant table: AVX2
 * 192 bytes per whole block of 8 output channels, AVX-512 a 64-byte header, the layer's
 * float-form constants (256 bytes) and 192 + 384 bytes per block of 16 (its float form, then
 * its whole params), the last one partial. */
static size_t wide_row(size_t k) { return (2 * ((k + 1) / 2 * 2) + 63) / 64 * 64; }
static size_t rq_table(const struct variant *v, size_t out_c) {
  return strcmp(v->group, "avx2") == 0         ? out_c / 8 * 192
         : strcmp(v->group, "avx512vnni") == 0 ? 64 + 256 + (out_c + 15) / 16 * (192 + 384)
                                               : 0;
}

static void test_scratch_sizes(void) {
  const qt_conv_desc pw = mnv2_shapes[1].d;   /* 1x1 unpadded: A read straight from input */
  const qt_conv_desc stem = mnv2_shapes[0].d; /* 3x3 s2, padded: im2col */
  const size_t k = 27, m = (size_t)stem.out.h * (size_t)stem.out.w;
  const size_t padded = (size_t)(17 + 1) * (17 + 1) * 3;
  const size_t k_pw = (size_t)pw.in.c, m_pw = (size_t)pw.out.h * (size_t)pw.out.w;
  for (int i = 0; i < N_VARIANTS; i++) {
    const struct variant *v = &variants[i];
    const size_t ibuf_pw = v->rq == 0 ? 0
                           : v->rq == 1 ? (size_t)v->mr * 96 * 4
                                        : (size_t)9 * 9 * 96 * 4;
    const size_t wide_pw = !v->apack ? 0 : (v->order_nm ? m_pw : (size_t)v->mr) * wide_row(k_pw);
    const size_t flip_pw =
        v->isa != ISA_AVX512VNNI ? 0 : (v->order_nm ? m_pw : (size_t)v->mr) * k_pw;
    const size_t want_pw = ibuf_pw + wide_pw + flip_pw;
    const size_t scratch_pw = v->fns->scratch_size(&pw);
    CHECK_MSG(scratch_pw >= want_pw && scratch_pw < want_pw + 3 * 64,
              "%s: pointwise scratch %zu, want %zu (+ alignment)", v->fns->name, scratch_pw,
              want_pw);
    /* apack=pack gathers straight into the widened rows: no byte im2col then */
    const size_t cols = v->apack ? 0 : v->order_nm ? m * k : (size_t)v->mr * k;
    const size_t ibuf = v->rq == 0 ? 0 : v->rq == 1 ? (size_t)v->mr * 32 * 4 : m * 32 * 4;
    const size_t wide = !v->apack ? 0 : (v->order_nm ? m : (size_t)v->mr) * wide_row(k);
    const size_t want = cols + (v->prepad ? padded : 0) + ibuf + wide;
    const size_t got = v->fns->scratch_size(&stem);
    CHECK_MSG(got >= want && got < want + 5 * 64, "%s: stem scratch %zu, want %zu (+ alignment)",
              v->fns->name, got, want);
    /* packed: one int32 bias + K int16 weights per column (K rounded up to 2 for avx2, to 4
     * for dsp; K rounded up to 4 int8 weights for avx512vnni), whole blocks of NR; then the
     * requant table */
    const size_t blocks = (32 + (size_t)v->nr - 1) / (size_t)v->nr;
    const size_t wbytes = s8_only(v->isa)    ? (k + 3) / 4 * 4
                          : v->isa == ISA_AVX2     ? 2 * ((k + 1) / 2 * 2)
                          : v->isa == ISA_DSP      ? 2 * ((k + 3) / 4 * 4)
                                                   : 2 * k;
    const size_t packed = v->fns->packed_size(&stem);
    const size_t table = rq_table(v, 32);
    CHECK_MSG(packed >= blocks * (size_t)v->nr * (4 + wbytes) + table &&
                  packed < blocks * ((size_t)v->nr * (4 + wbytes) + 64) + table + 64,
              "%s: packed %zu", v->fns->name, packed);
  }
}

/* The contract's error returns: NULL arguments, a depthwise descriptor, an unknown dtype,
 * missing scratch, u8 for an s8-only ISA. */
static void test_errors(void) {
  /* the first variant that needs no scratch for a pointwise layer read in place: rq=tile,
   * no widened rows, no requant table, no flipped rows (none in the avx2 and avx512vnni
   * groups, whose variants all have one; the checks below that need it are skipped there) */
  int tile = -1;
  for (int i = 0; i < N_VARIANTS && tile < 0; i++)
    if (variants[i].rq == 0 && !variants[i].apack && !rq_table(&variants[i], 96) &&
        variants[i].isa != ISA_AVX512VNNI)
      tile = i;
  CHECK(tile >= 0 || strcmp(variants[0].group, "avx2") == 0 ||
        strcmp(variants[0].group, "avx512vnni") == 0);
  const qt_variant_fns *v = variants[tile < 0 ? 0 : tile].fns;
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
    if (tile >= 0) CHECK_EQ_INT(v->run(d, &p.q, p.input, packed, out, NULL), QT_KERNEL_OK);
    qt_conv_desc dw = *d;
    dw.p.op = QT_OP_DEPTHWISE;
    dw.out.c = dw.in.c;
    CHECK_EQ_INT(v->pack(&dw, &p.q, p.weights, p.bias, packed), QT_KERNEL_ESHAPE);
    CHECK_EQ_INT(v->run(&dw, &p.q, p.input, packed, out, NULL), QT_KERNEL_ESHAPE);
    qt_quant_params bad = p.q;
    bad.dtype = 7;
    CHECK_EQ_INT(v->run(d, &bad, p.input, packed, out, NULL), QT_KERNEL_EINVAL);
    /* The int32 output of QT_REQUANT_NONE is the reference's only (qt_kernels.h). */
    bad = p.q;
    bad.requant = QT_REQUANT_NONE;
    bad.output_zp = bad.act_min = bad.act_max = 0;
    CHECK_EQ_INT(qt_quant_params_check(d, &bad), QT_KERNEL_OK);
    CHECK_EQ_INT(v->pack(d, &bad, p.weights, p.bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->run(d, &bad, p.input, packed, out, NULL), QT_KERNEL_EINVAL);
    /* a variant that needs scratch (an int32 buffer for rq=row/pass, widened rows for
     * apack=pack, avx512vnni's flipped rows) refuses to run without it */
    for (int i = 0; i < N_VARIANTS; i++) {
      if (variants[i].fns->scratch_size(d) == 0) {
        CHECK_MSG(variants[i].rq == 0 && !variants[i].apack && variants[i].isa != ISA_AVX512VNNI,
                  "%s: no scratch", variants[i].fns->name);
        continue;
      }
      CHECK_EQ_INT(variants[i].fns->run(d, &p.q, p.input, packed, out, NULL), QT_KERNEL_EINVAL);
    }
    /* avx512vnni, neondot and hvx refuse u8 (its weights would not fit their signed bytes) */
    for (int i = 0; i < N_VARIANTS; i++) {
      if (!s8_only(variants[i].isa)) continue;
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

/* The bias rule of qt_kernels.h at its limit, both signs, for every variant on the padded stem layer and a
 * 144-deep reduction:
 * exact there, refused one past it. */
static void test_bias_limit(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_MNV2; s++)
      if (s == 0 || s == 2)
        CHECK(qt_check_bias_limit_case(variants[v].fns, mnv2_shapes[s].name, &mnv2_shapes[s].d, last_dtype(v),
                                       &want_compared) == 0);
}

int main(void) {
  qt_skip_unless_runnable("test_gemm_" QT_TEST_ISA, QT_TEST_ISA, N_VARIANTS);
  test_errors();
  test_scratch_sizes();
  test_edge_shapes();
  test_mobilenet_v2_shapes();
  test_bias_limit();
  /* Every case swept was compared in full against the reference, both runs. */
  CHECK(want_compared > 0);
  CHECK_EQ_INT(qt_check_compared_bytes(), want_compared);
  return qt_test_finish();
}
