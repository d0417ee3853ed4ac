/* test_direct.c — the conv2d direct / spatial-pack template (kernels/templates/direct.c)
 * against the reference, one ISA group of its variants per test (test_direct_<group>): CMake
 * compiles the template once per line of direct_variants.def with runtime shapes and that
 * line's knobs, and hands this file its group's lines. Each variant runs over every conv2d
 * edge shape (edge_shapes.h), direct's own edge shapes (in_c 1 and 4, large strides and
 * padding, dilation along one axis only, a last kernel row ending at the input's last byte)
 * for both dtypes (s8 only for avx512vnni/neondot) and both requant schemes, and over a few
 * MobileNetV2-sized conv layers (the stem above all), and must match qt_ref_conv byte for
 * byte (qt_check_variant: guard bytes, two output/scratch fills); every variant of the group
 * must run and every case be compared in full. A group built with an ISA's flags (avx2,
 * avx512vnni on x86-64; neon, neondot on aarch64) exits as skipped, saying so, on a CPU
 * without the feature (e.g. neondot under qemu -cpu cortex-a53); the twin group runs the
 * micro-kernels' plain C twins everywhere. A page-guard test puts the input right before an
 * inaccessible page, so a micro-kernel that reads a k-step past the input's end faults. It
 * also checks the contract's error returns and the scratch and packed sizes the knobs ask
 * for. Links qtkernels only: it runs natively and under qemu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edge_shapes.h"
#include "kernel_check.h"
#include "qt_datagen.h"
#include "qt_test.h"

/* This test's variants: the lines of its ISA group in direct_variants.def (QT_TEST_ISA; the
 * generated QT_TEST_VARIANTS_H holds just them), first declared, then tabled. */
#define VARIANT(group, prefix, ...) QT_VARIANT_FNS(prefix);
#include QT_TEST_VARIANTS_H
#undef VARIANT

enum { ISA_C = 0, ISA_AVX2 = 1, ISA_AVX512VNNI = 2, ISA_NEON = 3, ISA_NEONDOT = 4 };

/* Each variant with the knobs it was built with, for the scratch checks. */
static const struct variant {
  const qt_variant_fns *fns;
  int ocb, th, tw, pad, rq; /* pad: 0 inline, 1 prepad, 2 strips; rq: 0 tile, 1 row, 2 pass */
  int isa;                  /* ISA_*: packed layout and dtypes */
  const char *group;        /* its ctest group: "avx2" is built with AVX2's flags */
} variants[] = {
#define VARIANT(group, prefix, ocb, th, tw, order, ku, pad, rq, isa) \
  {&prefix##fns, ocb, th, tw, pad, rq, isa, #group},
#include QT_TEST_VARIANTS_H
#undef VARIANT
};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };

/* The dtypes variant i computes: avx512vnni (VPDPBUSD) and neondot (SDOT) need signed int8
 * weights, s8 only. */
static int32_t last_dtype(int i) {
  return variants[i].isa == ISA_AVX512VNNI || variants[i].isa == ISA_NEONDOT ? QT_DTYPE_S8
                                                                              : QT_DTYPE_U8;
}

/* Bytes a kernel row of kw*in_c = seg bytes is padded to in variant i's packed layout (its
 * micro-kernel's k-step), and the bytes of one packed weight. */
static size_t seg_packed(int i, size_t seg) {
  const int isa = variants[i].isa;
  const size_t kr = isa == ISA_AVX512VNNI || isa == ISA_NEONDOT ? 4 : isa == ISA_AVX2 ? 2 : 1;
  return (seg + kr - 1) / kr * kr;
}
static size_t weight_bytes(int i) {
  return variants[i].isa == ISA_AVX512VNNI || variants[i].isa == ISA_NEONDOT ? 1 : 2;
}

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

/* Edges of the micro-kernels' kernel rows (kw * in_c bytes, k-steps of 1, 2, 4 or 8 bytes):
 * in_c 1 and 4, rows shorter than one k-step, large strides, padding as wide as the kernel
 * (whole tiles of padding), dilation along one axis only (rows read in place with a dilated
 * row pitch; dilated columns gathered), and unpadded layers whose last kernel row ends at the
 * input's last byte. */
static const struct qt_edge_shape direct_shapes[] = {
    QT_EDGE_CONV("conv_3x3_c1_c16_pad1", 1, 9, 9, 1, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_CONV("conv_1x1_c1_c8", 1, 5, 7, 1, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_c4_c24_s2_pad0011", 1, 13, 13, 4, 24, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_CONV("conv_2x2_c4_c8_s3", 1, 11, 11, 4, 8, 2, 2, 3, 3, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_c3_c8_s4_pad1", 1, 17, 14, 3, 8, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1),
    QT_EDGE_CONV("conv_5x5_c3_c8_pad4", 1, 3, 3, 3, 8, 5, 5, 1, 1, 1, 1, 4, 4, 4, 4),
    QT_EDGE_CONV("conv_5x5_c2_c12_s3_pad2", 1, 11, 11, 2, 12, 5, 5, 3, 3, 1, 1, 2, 2, 2, 2),
    QT_EDGE_CONV("conv_3x3_c4_c8_dh2", 1, 9, 8, 4, 8, 3, 3, 1, 1, 2, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_c5_c8_dw3_pad1", 1, 8, 11, 5, 8, 3, 3, 1, 1, 1, 3, 1, 1, 1, 1),
    QT_EDGE_CONV("conv_3x3_c3_c32_s2_end", 1, 7, 7, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_n2_c3_c16_end", 2, 5, 6, 3, 16, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_c8_c40_pad1", 1, 6, 7, 8, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
};
enum { N_DIRECT = (int)(sizeof direct_shapes / sizeof direct_shapes[0]) };

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

/* Every variant over every conv2d edge shape and direct's own; every variant of the group
 * must have run. */
static void test_edge_shapes(void) {
  int ran = 0;
  for (int v = 0; v < N_VARIANTS; v++) {
    int swept = 0;
    for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
      if (qt_edge_shapes[s].d.p.op != QT_OP_CONV2D) continue;
      sweep_shape(v, qt_edge_shapes[s].name, &qt_edge_shapes[s].d,
                  5000u + 1000u * (uint64_t)v + (uint64_t)s);
      swept++;
    }
    for (int s = 0; s < N_DIRECT; s++)
      sweep_shape(v, direct_shapes[s].name, &direct_shapes[s].d,
                  300000u + 100u * (uint64_t)v + (uint64_t)s);
    ran += swept > 0;
  }
  CHECK_EQ_INT(ran, QT_TEST_EXPECTED_VARIANTS);
}

/* The stem (3 input channels, stride 2, TF-SAME bottom/right padding, odd and even extents,
 * batch 2) and two pointwise layers with full blocks of every OCB plus tails. */
static void test_mobilenet_v2_shapes(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_MNV2; s++)
      sweep_shape(v, mnv2_shapes[s].name, &mnv2_shapes[s].d,
                  70000u + 100u * (uint64_t)v + (uint64_t)s);
}

/* Maps size bytes followed by an inaccessible page; *base gets the mapping for unmap. */
static uint8_t *map_before_guard(size_t size, void **base, size_t *len) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const size_t pages = (size + page - 1) / page;
  *len = (pages + 1) * page;
  void *m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  if (mprotect((uint8_t *)m + pages * page, page, PROT_NONE) != 0) {
    munmap(m, *len);
    return NULL;
  }
  *base = m;
  return (uint8_t *)m + pages * page - size;
}

/* The input ends right before an inaccessible page: a kernel row read past the input's last
 * byte (a whole k-step over a row's tail) faults instead of passing. Unpadded layers whose
 * last kernel row ends at that byte, with rows of 9 (stem), 3 and 1 bytes; the output must
 * still equal the reference. */
static void test_input_end(void) {
  static const struct qt_edge_shape ends[] = {
      QT_EDGE_CONV("end_3x3_c3_s2", 1, 9, 9, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0),
      QT_EDGE_CONV("end_3x3_c1", 1, 6, 5, 1, 16, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0),
      QT_EDGE_CONV("end_1x1_c3", 1, 3, 5, 3, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
  };
  for (int i = 0; i < N_VARIANTS; i++) {
    const qt_variant_fns *v = variants[i].fns;
    for (int e = 0; e < 3; e++) {
      const qt_conv_desc *d = &ends[e].d;
      qt_problem p;
      CHECK_EQ_INT(qt_problem_init(&p, d, QT_DTYPE_S8, QT_REQUANT_FP32, 40u + (uint64_t)e), QT_KERNEL_OK);
      void *base = NULL;
      size_t len = 0;
      uint8_t *in = map_before_guard(p.input_bytes, &base, &len);
      const size_t pk = (v->packed_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN;
      const size_t sc = (v->scratch_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN;
      void *packed = aligned_alloc(QT_ALIGN, pk), *scratch = aligned_alloc(QT_ALIGN, sc);
      uint8_t *got = malloc(p.output_bytes), *want = malloc(p.output_bytes);
      CHECK(in && packed && scratch && got && want);
      if (in && packed && scratch && got && want) {
        memcpy(in, p.input, p.input_bytes);
        CHECK_EQ_INT(qt_ref_conv(d, &p.q, p.input, p.weights, p.bias, want), QT_KERNEL_OK);
        CHECK_EQ_INT(v->pack(d, &p.q, p.weights, p.bias, packed), QT_KERNEL_OK);
        CHECK_EQ_INT(v->run(d, &p.q, in, packed, got, scratch), QT_KERNEL_OK);
        CHECK_MSG(memcmp(got, want, p.output_bytes) == 0, "%s: %s differs from the reference",
                  v->name, ends[e].name);
      }
      if (base) munmap(base, len);
      free(packed);
      free(scratch);
      free(got);
      free(want);
      qt_problem_free(&p);
    }
  }
}

/* Scratch follows the knobs: nothing for an unpadded layer with fused requantization (but
 * avx512vnni's prepad copy, flipped, of any input), one
 * row of input_zp (inline/strips) or a padded copy (prepad) for a padded one, int32 pixels
 * for rq=row (TH output rows) or rq=pass (the whole output), for an ISA micro-kernel
 * outside prepad one tile's gathered kernel rows (TH*TW pixels x kh rows of kw*in_c bytes
 * rounded up to its k-step) when the layer is padded. The packed weights end, with an x86
 * requant micro-kernel built in (not its twin), in the requant table (AVX2: 192 bytes per
 * whole block of 8 output channels; AVX-512: a 64-byte header, the layer's float-form
 * constants (256 bytes) and 192 + 384 bytes per block of 16, its float form then its whole
 * params, the last one partial). */
static size_t rq_table(const struct variant *v, size_t out_c) {
  return strcmp(v->group, "avx2") == 0         ? out_c / 8 * 192
         : strcmp(v->group, "avx512vnni") == 0 ? 64 + 256 + (out_c + 15) / 16 * (192 + 384)
                                               : 0;
}

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
    const size_t gather =
        v->isa != ISA_C && v->pad != 1 ? (size_t)v->th * (size_t)v->tw * 3 * seg_packed(i, 9) : 0;
    const size_t want = ibuf_stem + pad_stem + gather, got = v->fns->scratch_size(stem);
    CHECK_MSG(got >= want && got < want + 4 * 64, "%s: stem scratch %zu, want %zu (+ alignment)",
              v->fns->name, got, want);
    const size_t ibuf_pw = v->rq == 0 ? 0 : v->rq == 1 ? (size_t)v->th * 5 * 144 * 4
                                                       : (size_t)5 * 5 * 144 * 4;
    /* avx512vnni prepad copies even an unpadded input, flipped to x + 128 */
    const size_t flip_pw = v->isa == ISA_AVX512VNNI && v->pad == 1 ? (size_t)5 * 5 * 24 : 0;
    const size_t want_pw = ibuf_pw + flip_pw;
    const size_t got_pw = v->fns->scratch_size(pw);
    CHECK_MSG(got_pw >= want_pw && got_pw < want_pw + 2 * 64, "%s: pointwise scratch %zu, want %zu",
              v->fns->name, got_pw, want_pw);
    /* packed: one int32 bias + kh rows of kw*in_c weights (rounded up to the k-step) per
     * channel, whole blocks of OCB; then the requant table */
    const size_t blocks = (32 + (size_t)v->ocb - 1) / (size_t)v->ocb;
    const size_t per_channel = 4 + 3 * seg_packed(i, 9) * weight_bytes(i);
    const size_t packed = v->fns->packed_size(stem);
    const size_t table = rq_table(v, 32);
    CHECK_MSG(packed >= blocks * (size_t)v->ocb * per_channel + table &&
                  packed < blocks * ((size_t)v->ocb * per_channel + 64) + table + 64,
              "%s: packed %zu", v->fns->name, packed);
  }
}

/* The contract's error returns: NULL arguments, a depthwise descriptor, an unknown dtype,
 * missing scratch, on the group's first variant that takes u8 (the padded stem needs scratch
 * in every variant: a zero-point row or more); u8 refused by every s8-only variant. */
static void test_errors(void) {
  int u8_variant = -1;
  for (int i = N_VARIANTS - 1; i >= 0; i--)
    if (last_dtype(i) == QT_DTYPE_U8) u8_variant = i;
  const qt_variant_fns *v = variants[u8_variant < 0 ? 0 : u8_variant].fns;
  const qt_conv_desc *d = &mnv2_shapes[0].d;
  qt_problem p;
  CHECK_EQ_INT(qt_problem_init(&p, d, QT_DTYPE_U8, QT_REQUANT_FP32, 9), QT_KERNEL_OK);
  void *packed = aligned_alloc(QT_ALIGN, (v->packed_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
  void *scratch = aligned_alloc(QT_ALIGN, (v->scratch_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
  uint8_t *out = malloc(p.output_bytes);
  CHECK(packed && scratch && out);
  if (packed && scratch && out && u8_variant >= 0) {
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
  /* avx512vnni and neondot refuse u8 (its weights would not fit their signed bytes), before
   * touching packed or scratch */
  for (int i = 0; i < N_VARIANTS && packed && scratch && out; i++) {
    if (last_dtype(i) != QT_DTYPE_S8) continue;
    CHECK_EQ_INT(variants[i].fns->pack(d, &p.q, p.weights, p.bias, packed), QT_KERNEL_EINVAL);
    CHECK_EQ_INT(variants[i].fns->run(d, &p.q, p.input, packed, out, scratch), QT_KERNEL_EINVAL);
  }
  free(packed);
  free(scratch);
  free(out);
  qt_problem_free(&p);
}

/* The bias rule of qt_kernels.h at its limit, both signs, for every variant on the padded stem layer and a
 * 24-deep pointwise layer:
 * exact there, refused one past it. */
static void test_bias_limit(void) {
  for (int v = 0; v < N_VARIANTS; v++)
    for (int s = 0; s < N_MNV2; s++)
      if (s == 0 || s == 3)
        CHECK(qt_check_bias_limit_case(variants[v].fns, mnv2_shapes[s].name, &mnv2_shapes[s].d, last_dtype(v),
                                       &want_compared) == 0);
}

int main(void) {
  qt_skip_unless_runnable("test_direct_" QT_TEST_ISA, QT_TEST_ISA, N_VARIANTS);
  test_errors();
  test_scratch_sizes();
  test_edge_shapes();
  test_mobilenet_v2_shapes();
  test_bias_limit();
  test_input_end();
  /* Every case swept was compared in full against the reference, both runs. */
  CHECK(want_compared > 0);
  CHECK_EQ_INT(qt_check_compared_bytes(), want_compared);
  return qt_test_finish();
}
