/* direct.c — the knob space of the conv2d direct / spatial-pack template
 * (kernels/templates/direct.c): its knobs and values (the defines and value numbering must
 * match the template's), which configs are valid for a (workload, target) and why not, the
 * default config and the template's preference (first choice for the few-channel stem, last
 * resort elsewhere, where gemm wins). Register pressure is counted in vector registers of L =
 * qt_target_lanes32() int32 lanes, with the model documented at direct_registers(). */
#include <stdio.h>
#include <string.h>

#include "schedules/template.h"

enum { K_OCB, K_TH, K_TW, K_ORDER, K_KU, K_PAD, K_RQ, K_ISA, N_KNOBS };
enum { ORDER_HWC = 0, ORDER_HCW = 1 };

/* Per ISA value, its micro-kernel (kernels/ukernels/qt_ukernel_direct_*.h): int32 lanes of an
 * accumulator register, the OCB multiple it needs, and the bytes of a kernel row one k-step
 * of its reduction loop takes (what ku unrolls). */
static const struct isa_tile {
  int lanes, ocb_multiple, kstep;
} isa_tile[] = {
    [ISA_C] = {0, 1, 1},
    [ISA_AVX2] = {8, 8, 2},
    [ISA_AVX512VNNI] = {16, 16, 4},
    [ISA_NEON] = {4, 8, 8},
    [ISA_NEONDOT] = {4, 4, 4},
};

extern const qt_template_def qt_template_direct;

static int padded(const qt_workload *w) {
  const qt_conv_params *p = &w->desc.p;
  return p->pad_top || p->pad_left || p->pad_bottom || p->pad_right;
}

/* Vector registers one tile keeps live, with L int32 lanes per register: th*tw accumulator
 * rows of ceil(OCB/L) registers each, the weight row being multiplied (ceil(OCB/L)), and one
 * input broadcast per tile pixel. */
static int direct_registers(int ocb, int th, int tw, int lanes) {
  return th * tw * ceil_div(ocb, lanes) + ceil_div(ocb, lanes) + th * tw;
}

/* Vector registers an ISA micro-kernel tile keeps live, with L int32 lanes per register:
 * th*tw * OCB/L accumulators, the weight vectors of one k-step and the input: one broadcast
 * (avx2, avx512vnni, neondot: OCB/L weight vectors), or th*tw widened input vectors and OCB/8
 * int16x8 weight vectors (neon). */
static int isa_registers(int ocb, int tp, int isa) {
  const int lanes = isa_tile[isa].lanes;
  if (isa == ISA_NEON) return tp * (ocb / lanes) + ocb / 8 + tp;
  return tp * (ocb / lanes) + ocb / lanes + 1;
}

/* 1 if the isa knob's micro-kernel can run this tile of (w, t), else 0 and why. ku unrolls
 * the micro-kernel's k-steps within a kernel row (kw * in_c bytes), so it must fit in one. */
static int isa_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                     size_t cap) {
  const int ocb = v[K_OCB], tp = v[K_TH] * v[K_TW], ku = v[K_KU], isa = v[K_ISA];
  const struct isa_tile *it = &isa_tile[isa];
  const char *name = qt_isa_label(&qt_template_direct, K_ISA, isa);
  if (!qt_isa_valid(w, t, name, "ocb", ocb, it->ocb_multiple, why, cap)) return 0;
  const int steps = w->desc.p.kernel_w * w->desc.in.c / it->kstep;
  if (ku > 1 && ku > steps) {
    qt_why(why, cap, "isa=%s: ku=%d > the %d whole %d-byte k-steps of a kernel row (kw*in_c=%d)",
           name, ku, steps, it->kstep, w->desc.p.kernel_w * w->desc.in.c);
    return 0;
  }
  const int regs = isa_registers(ocb, tp, isa);
  if (regs > t->vector_regs) {
    qt_why(why, cap, "%dx%d %s tile of %d channels needs %d vector registers, target has %d",
           v[K_TH], v[K_TW], name, ocb, regs, t->vector_regs);
    return 0;
  }
  return 1;
}

static int direct_applies(const qt_workload *w) { return qt_is_plain_conv2d(w); }

static int direct_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                        size_t cap) {
  const int ocb = v[K_OCB], th = v[K_TH], tw = v[K_TW], ku = v[K_KU];
  const qt_conv_desc *d = &w->desc;
  if (!direct_applies(w)) {
    qt_why(why, cap, "direct computes conv2d only");
    return 0;
  }
  if (v[K_PAD] != PAD_INLINE && !padded(w)) {
    qt_why(why, cap, "pad=%s: the layer has no padding",
           v[K_PAD] == PAD_PREPAD ? "prepad" : "strips");
    return 0;
  }
  if (ocb > 4 && ocb >= 2 * d->out.c) {
    qt_why(why, cap, "ocb=%d >= 2*out_c=%d: most of every channel block would be padding", ocb,
           2 * d->out.c);
    return 0;
  }
  if (v[K_ORDER] == ORDER_HCW && ocb >= d->out.c) {
    /* one channel block: both orders are the same loops (and compile to the same code) */
    qt_why(why, cap, "order=hcw with one channel block (ocb=%d >= out_c=%d): the same loops as hwc",
           ocb, d->out.c);
    return 0;
  }
  if (th > 1 && th > d->out.h) {
    qt_why(why, cap, "th=%d > out_h=%d", th, d->out.h);
    return 0;
  }
  if (tw > 1 && tw > d->out.w) {
    qt_why(why, cap, "tw=%d > out_w=%d", tw, d->out.w);
    return 0;
  }
  if (v[K_ISA] != ISA_C) return isa_valid(w, t, v, why, cap);
  if (ku > 1 && ku > d->in.c) {
    qt_why(why, cap, "ku=%d > in_c=%d", ku, d->in.c);
    return 0;
  }
  const int regs = direct_registers(ocb, th, tw, qt_target_lanes32(t));
  if (regs > t->vector_regs) {
    qt_why(why, cap, "%dx%d tile of %d channels needs %d vector registers (%d-bit), target has %d",
           th, tw, ocb, regs, t->vector_bits, t->vector_regs);
    return 0;
  }
  return 1;
}

/* ISA default (measured on the AVX-512 VNNI host, Zen 4, MobileNetV2's stem, s8 fp32, one
 * run, interleaved; times relative to the plain C default 1x8 x 32 strips = 1.00):
 *   avx512vnni 2x4 x 32 prepad 0.23, 1x8 prepad 0.24, 1x4 prepad 0.24, 2x2 prepad 0.24,
 *   2x4 strips 0.25, 1x8 strips 0.27, 2x4 prepad ku2 0.28, 2x8 x 16 0.40;
 * so avx512vnni wherever the target has it and the layer is s8, with the first valid of the
 * tiles below and prepad for a padded layer (the copy of a 3-channel input costs less than
 * gathering the border strips' kernel rows);
 * else avx2 where it is the widest the target has (with AVX-512 the plain C default is
 * auto-vectorised 512 bits wide; unmeasured against avx2 here): 16 channels x 1x4 pixels with strips (measured on an
 * AVX2-only EPYC, the stem in fp32 and fixed point, 4 interleaved rounds on a busy machine:
 * 0.37x and 0.64x the plain C default's time; 1x8 strips 0.74x / 0.96x, 1x8 prepad 1.0x /
 * 0.98x, 8 channels 2x4 0.77x / 1.6x; the rest fell back to C: invalid on 16 ymm);
 * else c (the plain C default above). neon and neondot are left to the tuner (on Arm only
 * emulated runs exist here, whose times say nothing). Overrides ocb, th, tw and pad only. */
static void direct_default_isa(const qt_workload *w, const qt_target *t, int *v) {
  static const struct { int isa, ocb, th, tw, prepad; } tiles[] = {
      {ISA_AVX512VNNI, 32, 2, 4, 1}, {ISA_AVX512VNNI, 32, 1, 8, 1}, {ISA_AVX512VNNI, 16, 2, 8, 1},
      {ISA_AVX512VNNI, 32, 1, 4, 1}, {ISA_AVX512VNNI, 16, 1, 4, 1}, {ISA_AVX512VNNI, 16, 1, 1, 1},
      {ISA_AVX2, 16, 1, 4, 0},       {ISA_AVX2, 16, 1, 2, 0},       {ISA_AVX2, 8, 1, 4, 0},
      {ISA_AVX2, 8, 1, 1, 0}};
  int trial[QT_MAX_KNOBS];
  char why[8];
  for (int i = 0; i < (int)(sizeof tiles / sizeof tiles[0]); i++) {
    if (tiles[i].isa == ISA_AVX2 && (t->isa & QT_ISA_AVX512)) continue;
    memcpy(trial, v, sizeof trial);
    trial[K_ISA] = tiles[i].isa;
    trial[K_OCB] = tiles[i].ocb;
    trial[K_TH] = tiles[i].th;
    trial[K_TW] = tiles[i].tw;
    trial[K_PAD] = !padded(w) ? PAD_INLINE : tiles[i].prepad ? PAD_PREPAD : PAD_STRIPS;
    if (direct_valid(w, t, trial, why, sizeof why)) {
      memcpy(v, trial, sizeof trial);
      return;
    }
  }
}

/* Default (measured on the AVX-512 host with MobileNetV2's stem, 224x224x3 -> 32, s2):
 *   ocb:   the widest of 32/16/8/4 that is not mostly padding (< 2*out_c) and still leaves
 *          room for a tile of 4 pixels (32 with 512-bit registers, 16 with 256-bit AVX2 or
 *          128-bit NEON);
 *   tile:  the first of 1x8, 2x4, 1x4, 2x2, 1x2, 1x1 that fits the registers and the output
 *          (1x8 and 2x4 measured 15 % ahead of 1x4, 1x1 2.5x behind);
 *   order hwc, ku 1, rq tile: the alternatives measured within noise or slower on the stem;
 *   pad:   strips for a padded layer (the interior runs check-free on the input, no copy),
 *          inline otherwise (the only valid value). */
static void direct_default(const qt_workload *w, const qt_target *t, int *v) {
  static const int ocbs[] = {32, 16, 8, 4};
  static const int tiles[][2] = {{1, 8}, {2, 4}, {1, 4}, {2, 2}, {1, 2}, {1, 1}};
  const int lanes = qt_target_lanes32(t);
  const qt_conv_desc *d = &w->desc;
  v[K_OCB] = 4;
  for (int i = 0; i < 4; i++) {
    const int ocb = ocbs[i];
    if (ocb > 4 && ocb >= 2 * d->out.c) continue;
    if (ocb > 4 && direct_registers(ocb, 1, 4, lanes) > t->vector_regs) continue;
    v[K_OCB] = ocb;
    break;
  }
  v[K_TH] = 1;
  v[K_TW] = 1;
  for (int i = 0; i < 6; i++) {
    const int th = tiles[i][0], tw = tiles[i][1];
    if ((th > 1 && th > d->out.h) || (tw > 1 && tw > d->out.w)) continue;
    if (direct_registers(v[K_OCB], th, tw, lanes) > t->vector_regs) continue;
    v[K_TH] = th;
    v[K_TW] = tw;
    break;
  }
  v[K_ORDER] = ORDER_HWC;
  v[K_KU] = 1;
  v[K_PAD] = padded(w) ? PAD_STRIPS : PAD_INLINE;
  v[K_RQ] = RQ_TILE;
  v[K_ISA] = ISA_C;
  direct_default_isa(w, t, v);
}

/* First choice for few input channels (the RGB stem: im2col would copy every pixel nine
 * times for three multiply-adds each), below gemm everywhere else; and below gemm for the
 * stem too on an AVX2 target without AVX-512, where gemm's avx2 kernel on rows widened once
 * (apack=pack, 2x32) took 0.79x the time of direct's avx2 default on MobileNetV2's stem
 * (224x224x3 -> 32, 3x3 s2; one core, shapes compiled in, interleaved medians of 41, both
 * requantization schemes): the 27-byte im2col rows cost less than direct's strided taps. */
static int direct_preference(const qt_workload *w, const qt_target *t) {
  const int avx2_only = (t->isa & QT_ISA_AVX2) && !(t->isa & QT_ISA_AVX512);
  return w->desc.in.c <= 4 && !avx2_only ? 100 : 10;
}

const qt_template_def qt_template_direct = {
    .name = "direct",
    .source = "templates/direct.c",
    .n_knobs = N_KNOBS,
    .knobs =
        {
            [K_OCB] = {"ocb", "QT_KNOB_OCB", QT_FAMILY_CHANNEL_SPLIT,
                       "output channels per block (vectorised multiply-add width)", 4,
                       {4, 8, 16, 32}, {0}},
            [K_TH] = {"th", "QT_KNOB_TH", QT_FAMILY_SPATIAL_TILE, "output rows per register tile",
                      2, {1, 2}, {0}},
            [K_TW] = {"tw", "QT_KNOB_TW", QT_FAMILY_SPATIAL_TILE,
                      "output columns per register tile", 4, {1, 2, 4, 8}, {0}},
            [K_ORDER] = {"order", "QT_KNOB_ORDER", QT_FAMILY_LOOP_ORDER,
                         "within a band of rows: hwc = column tiles outer, hcw = channel blocks "
                         "outer",
                         2, {ORDER_HWC, ORDER_HCW}, {"hwc", "hcw"}},
            [K_KU] = {"ku", "QT_KNOB_KU", QT_FAMILY_INTERLEAVE,
                      "unroll of the input-channel loop inside a tap (isa=c), of the micro-kernel's "
                      "k-steps within a kernel row (other isa values)",
                      3, {1, 2, 4}, {0}},
            [K_PAD] = {"pad", "QT_KNOB_PAD", QT_FAMILY_COMPUTE_AT,
                       "padding: inline bounds checks, prepadded input copy, or check-free "
                       "interior with checked border strips",
                       QT_PAD_STRIPS_KNOB_VALUES},
            [K_RQ] = {"rq", "QT_KNOB_RQ", QT_FAMILY_COMPUTE_AT,
                      "requantization: fused per tile, per band of rows from int32, or one pass "
                      "at the end",
                      QT_RQ_KNOB_VALUES},
            [K_ISA] = {"isa", "QT_KNOB_ISA", QT_FAMILY_ISA,
                       "ISA strategy of a tile's reduction: c = plain C outer product, avx2 = "
                       "VPMADDWD on int16, avx512vnni = VPDPBUSD (s8), neon = SMLAL/SMLAL2 on "
                       "int16, neondot = SDOT (s8); the micro-kernels walk kernel rows in place",
                       QT_CONV_ISA_KNOB_VALUES},
        },
    .applies = direct_applies,
    .valid = direct_valid,
    .default_config = direct_default,
    .preference = direct_preference,
};
