/* test_direct.c — the conv2d direct / spatial-pack template (kernels/templates/direct.c)
 * against the reference. direct.cmake compiles the template once per entry of the table below
 * with runtime shapes and that entry's knobs; together the entries cover every value of every
 * knob. Each variant runs over every conv2d edge shape (edge_shapes.h) for both dtypes and both
 * requant schemes, and over a few MobileNetV2-sized conv layers (the stem above all), and must
 * match qt_ref_conv byte for byte (qt_check_variant: guard bytes, two output/scratch fills). It
 * also checks the contract's error returns and the scratch the knobs ask for. Links qtkernels
 * only: it runs natively and under qemu. */
#include <stdio.h>
#include <stdlib.h>

#include "edge_shapes.h"
#include "kernel_check.h"
#include "qt_datagen.h"
#include "qt_test.h"

QT_VARIANT_FNS(qt_direct_1x4c16_hwc_ku1_strips_tile__c_);
QT_VARIANT_FNS(qt_direct_2x1c4_hcw_ku2_inline_row__c_);
QT_VARIANT_FNS(qt_direct_1x8c8_hwc_ku4_prepad_pass__c_);
QT_VARIANT_FNS(qt_direct_2x2c32_hcw_ku1_strips_row__c_);
QT_VARIANT_FNS(qt_direct_2x8c16_hwc_ku2_prepad_tile__c_);
QT_VARIANT_FNS(qt_direct_1x2c8_hcw_ku4_inline_pass__c_);
QT_VARIANT_FNS(qt_direct_1x1c32_hwc_ku2_prepad_row__c_);
QT_VARIANT_FNS(qt_direct_2x4c4_hwc_ku4_strips_pass__c_);
QT_VARIANT_FNS(qt_direct_1x2c16_hcw_ku1_prepad_tile__c_);
QT_VARIANT_FNS(qt_direct_2x4c8_hcw_ku1_inline_tile__c_);

/* Each variant with the knobs it was built with (direct.cmake), for the scratch checks. */
static const struct variant {
  const qt_variant_fns *fns;
  int ocb, th, tw, pad, rq; /* pad: 0 inline, 1 prepad, 2 strips; rq: 0 tile, 1 row, 2 pass */
} variants[] = {
    {&qt_direct_1x4c16_hwc_ku1_strips_tile__c_fns, 16, 1, 4, 2, 0},
    {&qt_direct_2x1c4_hcw_ku2_inline_row__c_fns, 4, 2, 1, 0, 1},
    {&qt_direct_1x8c8_hwc_ku4_prepad_pass__c_fns, 8, 1, 8, 1, 2},
    {&qt_direct_2x2c32_hcw_ku1_strips_row__c_fns, 32, 2, 2, 2, 1},
    {&qt_direct_2x8c16_hwc_ku2_prepad_tile__c_fns, 16, 2, 8, 1, 0},
    {&qt_direct_1x2c8_hcw_ku4_inline_pass__c_fns, 8, 1, 2, 0, 2},
    {&qt_direct_1x1c32_hwc_ku2_prepad_row__c_fns, 32, 1, 1, 1, 1},
    {&qt_direct_2x4c4_hwc_ku4_strips_pass__c_fns, 4, 2, 4, 2, 2},
    {&qt_direct_1x2c16_hcw_ku1_prepad_tile__c_fns, 16, 1, 2, 1, 0},
    {&qt_direct_2x4c8_hcw_ku1_inline_tile__c_fns, 8, 2, 4, 0, 0},
};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };

/* conv2d layers with MobileNetV2's channel counts, strides and paddings, spatially cut down
 * so that a sweep stays fast under qemu: QT_EDGE_CONV(name, n, h, w, ic, oc, kh, kw, sh, sw,
 * dh, dw, pt, pl, pb, pr). */
static const struct qt_edge_shape mnv2_shapes[] = {
    QT_EDGE_CONV("mnv2_stem_c3_c32_s2_pad0011", 1, 23, 23, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_CONV("mnv2_stem_n2_c3_c32_s2_pad0011", 2, 12, 10, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_CONV("mnv2_block0_project_c32_c16", 1, 6, 6, 32, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_block2_expand_c24_c144", 1, 5, 5, 24, 144, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
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

/* Every variant over every conv2d edge shape. */
static void test_edge_shapes(void) {
  int swept = 0;
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
      if (qt_edge_shapes[s].d.p.op != QT_OP_CONV2D) continue;
      sweep_shape(variants[v].fns, qt_edge_shapes[s].name, &qt_edge_shapes[s].d,
                  5000u + 1000u * (uint64_t)v + (uint64_t)s);
      swept++;
    }
  /* The table must actually contain conv2d cases, or the sweep proves nothing. */
  CHECK(swept >= N_VARIANTS * 10);
}

/* The stem (3 input channels, stride 2, TF-SAME bottom/right padding, odd and even extents,
 * batch 2) and two pointwise layers with full blocks of every OCB plus tails. */
static void test_mobilenet_v2_shapes(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_MNV2; s++)
      sweep_shape(variants[v].fns, mnv2_shapes[s].name, &mnv2_shapes[s].d,
                  70000u + 100u * (uint64_t)v + (uint64_t)s);
}

/* Scratch follows the knobs: nothing for an unpadded layer with fused requantization, one
 * row of input_zp (inline/strips) or a padded copy (prepad) for a padded one, and int32
 * pixels for rq=row (TH output rows) or rq=pass (the whole output). */
static void test_scratch_sizes(void) {
  const qt_conv_desc *stem = &mnv2_shapes[1].d; /* n2 12x10x3 -> 6x5x32, pads 0,0,1,1 */
  const qt_conv_desc *pw = &mnv2_shapes[3].d;   /* 5x5x24 -> 5x5x144, unpadded */
  CHECK_EQ_INT(stem->out.h, 6);
  CHECK_EQ_INT(stem->out.w, 5);
  for (int i = 0; i < N_VARIANTS; i++) {
    const struct variant *v = &variants[i];
    const size_t ibuf_stem = v->rq == 0 ? 0 : v->rq == 1 ? (size_t)v->th * 5 * 32 * 4
                                                         : (size_t)2 * 6 * 5 * 32 * 4;
    const size_t pad_stem = v->pad == 1 ? (size_t)2 * 13 * 11 * 3 : 3;
    const size_t want = ibuf_stem + pad_stem, got = v->fns->scratch_size(stem);
    CHECK_MSG(got >= want && got < want + 2 * 64, "%s: stem scratch %zu, want %zu (+ alignment)",
              v->fns->name, got, want);
    const size_t ibuf_pw = v->rq == 0 ? 0 : v->rq == 1 ? (size_t)v->th * 5 * 144 * 4
                                                       : (size_t)5 * 5 * 144 * 4;
    const size_t got_pw = v->fns->scratch_size(pw);
    CHECK_MSG(got_pw >= ibuf_pw && got_pw < ibuf_pw + 64, "%s: pointwise scratch %zu, want %zu",
              v->fns->name, got_pw, ibuf_pw);
    /* packed: one int32 bias + K int16 weights per channel, whole blocks of OCB */
    const size_t blocks = (32 + (size_t)v->ocb - 1) / (size_t)v->ocb, k = 27;
    const size_t packed = v->fns->packed_size(stem);
    CHECK_MSG(packed >= blocks * (size_t)v->ocb * (4 + 2 * k) &&
                  packed < blocks * ((size_t)v->ocb * (4 + 2 * k) + 64),
              "%s: packed %zu", v->fns->name, packed);
  }
}

/* The contract's error returns: NULL arguments, a depthwise descriptor, an unknown dtype,
 * missing scratch. */
static void test_errors(void) {
  const qt_variant_fns *v = variants[0].fns; /* strips: needs a zero-point row for the stem */
  const qt_conv_desc *d = &mnv2_shapes[0].d;
  qt_problem p;
  CHECK_EQ_INT(qt_problem_init(&p, d, QT_DTYPE_U8, QT_REQUANT_FP32, 9), QT_KERNEL_OK);
  void *packed = aligned_alloc(QT_ALIGN, (v->packed_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
  void *scratch = aligned_alloc(QT_ALIGN, (v->scratch_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
  uint8_t *out = malloc(p.output_bytes);
  CHECK(packed && scratch && out);
  if (packed && scratch && out) {
    CHECK_EQ_INT(v->pack(NULL, &p.q, p.weights, p.bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->pack(d, &p.q, NULL, p.bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->pack(d, &p.q, p.weights, p.bias, packed), QT_KERNEL_OK);
    CHECK(v->scratch_size(d) > 0);
    CHECK_EQ_INT(v->run(d, &p.q, p.input, packed, out, NULL), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->run(d, &p.q, NULL, packed, out, scratch), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(v->run(d, &p.q, p.input, packed, out, scratch), QT_KERNEL_OK);
    qt_conv_desc dw = *d;
    dw.p.op = QT_OP_DEPTHWISE;
    dw.out.c = dw.in.c;
    CHECK_EQ_INT(v->pack(&dw, &p.q, p.weights, p.bias, packed), QT_KERNEL_ESHAPE);
    CHECK_EQ_INT(v->run(&dw, &p.q, p.input, packed, out, scratch), QT_KERNEL_ESHAPE);
    qt_quant_params bad = p.q;
    bad.dtype = 7;
    CHECK_EQ_INT(v->pack(d, &bad, p.weights, p.bias, packed), QT_KERNEL_EINVAL);
  }
  free(packed);
  free(scratch);
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
