/* direct.c — the knob space of the conv2d direct / spatial-pack template
 * (kernels/templates/direct.c): its knobs and values (the defines and value numbering must
 * match the template's), which configs are valid for a (workload, target) and why not, the
 * default config and the template's preference (first choice for the few-channel stem, last
 * resort elsewhere, where gemm wins). Register pressure is counted in vector registers of L =
 * qt_target_lanes32() int32 lanes, with the model documented at direct_registers(). */
#include <stdio.h>

#include "schedules/space.h"

enum { K_OCB, K_TH, K_TW, K_ORDER, K_KU, K_PAD, K_RQ, N_KNOBS };
enum { ORDER_HWC = 0, ORDER_HCW = 1 };
enum { PAD_INLINE = 0, PAD_PREPAD = 1, PAD_STRIPS = 2 };
enum { RQ_TILE = 0, RQ_ROW = 1, RQ_PASS = 2 };

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

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

static int direct_applies(const qt_workload *w) {
  return w->desc.p.op == QT_OP_CONV2D && w->desc.p.depth_multiplier == 1;
}

static int direct_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                        size_t cap) {
  const int ocb = v[K_OCB], th = v[K_TH], tw = v[K_TW], ku = v[K_KU];
  const qt_conv_desc *d = &w->desc;
  if (!direct_applies(w)) {
    snprintf(why, cap, "direct computes conv2d only");
    return 0;
  }
  if (v[K_PAD] != PAD_INLINE && !padded(w)) {
    snprintf(why, cap, "pad=%s: the layer has no padding", v[K_PAD] == PAD_PREPAD ? "prepad" : "strips");
    return 0;
  }
  if (ocb > 4 && ocb >= 2 * d->out.c) {
    snprintf(why, cap, "ocb=%d >= 2*out_c=%d: most of every channel block would be padding", ocb,
             2 * d->out.c);
    return 0;
  }
  if (th > 1 && th > d->out.h) {
    snprintf(why, cap, "th=%d > out_h=%d", th, d->out.h);
    return 0;
  }
  if (tw > 1 && tw > d->out.w) {
    snprintf(why, cap, "tw=%d > out_w=%d", tw, d->out.w);
    return 0;
  }
  if (ku > 1 && ku > d->in.c) {
    snprintf(why, cap, "ku=%d > in_c=%d", ku, d->in.c);
    return 0;
  }
  const int regs = direct_registers(ocb, th, tw, qt_target_lanes32(t));
  if (regs > t->vector_regs) {
    snprintf(why, cap, "%dx%d tile of %d channels needs %d vector registers (%d-bit), target has %d",
             th, tw, ocb, regs, t->vector_bits, t->vector_regs);
    return 0;
  }
  return 1;
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
}

/* First choice for few input channels (the RGB stem: im2col would copy every pixel nine
 * times for three multiply-adds each), below gemm everywhere else. */
static int direct_preference(const qt_workload *w) { return w->desc.in.c <= 4 ? 100 : 10; }

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
                      "unroll of the input-channel loop inside a tap", 3, {1, 2, 4}, {0}},
            [K_PAD] = {"pad", "QT_KNOB_PAD", QT_FAMILY_COMPUTE_AT,
                       "padding: inline bounds checks, prepadded input copy, or check-free "
                       "interior with checked border strips",
                       3, {PAD_INLINE, PAD_PREPAD, PAD_STRIPS}, {"inline", "prepad", "strips"}},
            [K_RQ] = {"rq", "QT_KNOB_RQ", QT_FAMILY_COMPUTE_AT,
                      "requantization: fused per tile, per band of rows from int32, or one pass "
                      "at the end",
                      3, {RQ_TILE, RQ_ROW, RQ_PASS}, {"tile", "row", "pass"}},
        },
    .applies = direct_applies,
    .valid = direct_valid,
    .default_config = direct_default,
    .preference = direct_preference,
};
