/* dwconv.c — the knob space of the depthwise template kernels/templates/dwconv.c: its knobs
 * (channel split, spatial tile, loop order, tap unroll, load order, padding and requant
 * placement), which workloads it applies to, the constraints that keep only configs that
 * compile to sensible code on a target, and the default config. The knob values and their
 * meaning are defined by the template; keep the two files in step. */
#include <stdio.h>
#include <string.h>

#include "schedules/space.h"

/* Knob indices, in declaration order (the order of the canonical knob string). */
enum { K_CB, K_TH, K_TW, K_ORDER, K_KU, K_LOAD, K_PAD, K_RQ, K_COUNT };

/* Named values, as the template's #if tests them. */
enum { ORDER_HWC = 0, ORDER_CHW = 1 };
enum { LOAD_WEIGHTS = 0, LOAD_INPUTS = 1 };
enum { PAD_INLINE = 0, PAD_PREPAD = 1, PAD_STRIPS = 2 };
enum { RQ_TILE = 0, RQ_ROW = 1, RQ_PASS = 2 };

/* Smallest channel block whose int8 inputs GCC's loop vectoriser can load as one vector:
 * the vectorisation factor comes from the int8 input, and x86 has no 64-bit vector integer
 * multiply in GCC's mode set, so blocks under 16 channels compile to scalar code there
 * (measured); aarch64 vectorises 8 channels in D registers (SMLAL). Other ISAs: the scalar
 * C path, any block. */
static int min_vector_cb(const qt_target *t) {
  if (strncmp(t->arch, "x86", 3) == 0) return 16;
  if (strcmp(t->arch, "aarch64") == 0) return 8;
  return 4;
}

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* Vector registers a config keeps live in its inner loop, in int32 lanes of L per register:
 * the accumulators (TH*TW positions x ceil(CB/L) registers each, a block narrower than a
 * register still takes a whole one), the weights of the KU taps the unrolled tap loop may
 * interleave, and the input vector in flight. Weights-first also keeps its weight vector
 * while all TH*TW inputs stream through, which the same count covers. */
static int live_registers(const int *v, int lanes) {
  int per_block = ceil_div(v[K_CB], lanes);
  int acc = v[K_TH] * v[K_TW] * per_block;
  int weights = v[K_KU] * per_block;
  int inputs = per_block;
  return acc + weights + inputs;
}

static int dw_applies(const qt_workload *w) { return w->desc.p.op == QT_OP_DEPTHWISE; }

/* Constraints, cheapest and most telling first; why gets the first that fails. */
static int dw_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                    size_t cap) {
  const qt_conv_desc *d = &w->desc;
  const int oc = d->out.c, oh = d->out.h, ow = d->out.w;
  const int min_cb = min_vector_cb(t);
  if (!dw_applies(w)) {
    snprintf(why, cap, "not a depthwise workload");
    return 0;
  }
  /* Below the vector minimum the block compiles to scalar code; worth it only when the
   * channels are too few to fill even the smallest vector block. */
  if (v[K_CB] < min_cb && oc >= min_cb) {
    snprintf(why, cap, "cb=%d < %d: no vector code on %s for out_c=%d", v[K_CB], min_cb,
             t->arch, oc);
    return 0;
  }
  /* A block at least twice the channels is mostly tail: only the smallest block that
   * covers them all is kept. */
  if (v[K_CB] >= 2 * oc && v[K_CB] > min_cb) {
    snprintf(why, cap, "cb=%d >= 2*out_c=%d", v[K_CB], 2 * oc);
    return 0;
  }
  if (v[K_TH] > 1 && v[K_TH] > oh) {
    snprintf(why, cap, "th=%d > out_h=%d", v[K_TH], oh);
    return 0;
  }
  if (v[K_TW] > 1 && v[K_TW] > ow) {
    snprintf(why, cap, "tw=%d > out_w=%d", v[K_TW], ow);
    return 0;
  }
  /* With one channel block both loop orders are the same loop nest (same code). */
  if (v[K_ORDER] == ORDER_CHW && v[K_CB] >= oc) {
    snprintf(why, cap, "order=chw with one channel block (cb=%d >= out_c=%d)", v[K_CB], oc);
    return 0;
  }
  /* Unrolling past kw unrolls nothing more: same code as ku=kw. */
  if (v[K_KU] > 1 && v[K_KU] > d->p.kernel_w) {
    snprintf(why, cap, "ku=%d > kw=%d", v[K_KU], d->p.kernel_w);
    return 0;
  }
  /* Without padding every tile is interior: checks or a padded copy are pure overhead. */
  const int padded = d->p.pad_top || d->p.pad_left || d->p.pad_bottom || d->p.pad_right;
  if (!padded && v[K_PAD] != PAD_STRIPS) {
    snprintf(why, cap, "pad=%s without padding", v[K_PAD] == PAD_INLINE ? "inline" : "prepad");
    return 0;
  }
  const int lanes = qt_target_lanes32(t);
  const int live = live_registers(v, lanes);
  if (live > t->vector_regs) {
    int per_block = ceil_div(v[K_CB], lanes);
    snprintf(why, cap, "registers: acc %d + weights %d + inputs %d = %d > %d",
             v[K_TH] * v[K_TW] * per_block, v[K_KU] * per_block, per_block, live,
             t->vector_regs);
    return 0;
  }
  return 1;
}

/* Default heuristic, then the first valid config found by shrinking it:
 *   cb    = one vector of int8 channels (vector_bits / 8: 16 on NEON, 32 on AVX2, 64 on
 *           AVX-512), the smallest block the int8 loads fill; halved while it exceeds
 *           out_c (a block that is mostly tail runs the slow partial-block code), never
 *           below the target's vector minimum;
 *   tile  = 2x2 (TVM's Arm depthwise schedule), 1 where the output is a single row/column;
 *   order = hwc, ku = 1, load = inputs-first (measured ahead of weights-first on x86);
 *   pad   = strips (check-free interior, no copy), or the only valid one without padding;
 *   rq    = row (the requant loop then runs over whole rows of channels and vectorises at
 *           full width, measured ahead of per-tile requant with the fixedpoint scheme).
 * Register pressure then shrinks the tile (tw first, then th) and then the block. The
 * final fallback (smallest vector block, 1x1 tile) fits any target with 4+ registers. */
static void dw_default(const qt_workload *w, const qt_target *t, int *v) {
  const qt_conv_desc *d = &w->desc;
  const int min_cb = min_vector_cb(t);
  int cb = t->vector_bits / 8;
  if (cb > 64) cb = 64;
  if (cb < min_cb) cb = min_cb;
  while (cb > min_cb && cb > d->out.c) cb /= 2;
  v[K_CB] = cb;
  v[K_TH] = d->out.h >= 2 ? 2 : 1;
  v[K_TW] = d->out.w >= 2 ? 2 : 1;
  v[K_ORDER] = ORDER_HWC;
  v[K_KU] = 1;
  v[K_LOAD] = LOAD_INPUTS;
  v[K_PAD] = PAD_STRIPS;
  v[K_RQ] = RQ_ROW;
  char why[128];
  while (!dw_valid(w, t, v, why, sizeof why)) {
    if (v[K_TW] > 1)
      v[K_TW] /= 2;
    else if (v[K_TH] > 1)
      v[K_TH] /= 2;
    else if (v[K_CB] > 4)
      v[K_CB] /= 2;
    else
      break; /* cb=4, 1x1: every constraint above admits it or nothing is valid */
  }
}

/* Depthwise workloads have no other template. */
static int dw_preference(const qt_workload *w) { return dw_applies(w) ? 100 : 0; }

const qt_template_def qt_template_dwconv = {
    .name = "dwconv",
    .source = "templates/dwconv.c",
    .n_knobs = K_COUNT,
    .knobs =
        {
            [K_CB] = {"cb", "QT_KNOB_CB", QT_FAMILY_CHANNEL_SPLIT,
                      "output channels per inner block (accumulator vector extent)", 5,
                      {4, 8, 16, 32, 64}, {NULL}},
            [K_TH] = {"th", "QT_KNOB_TH", QT_FAMILY_SPATIAL_TILE,
                      "output rows per register tile", 3, {1, 2, 4}, {NULL}},
            [K_TW] = {"tw", "QT_KNOB_TW", QT_FAMILY_SPATIAL_TILE,
                      "output columns per register tile", 4, {1, 2, 4, 8}, {NULL}},
            [K_ORDER] = {"order", "QT_KNOB_ORDER", QT_FAMILY_LOOP_ORDER,
                         "hwc: tiles outer, channel blocks inner; chw: channel blocks outer",
                         2, {ORDER_HWC, ORDER_CHW}, {"hwc", "chw"}},
            [K_KU] = {"ku", "QT_KNOB_KU", QT_FAMILY_INTERLEAVE,
                      "unroll of the innermost tap loop (over kw)", 3, {1, 2, 3}, {NULL}},
            [K_LOAD] = {"load", "QT_KNOB_LOAD", QT_FAMILY_INTERLEAVE,
                        "weights: channel loop outside positions; inputs: positions outside",
                        2, {LOAD_WEIGHTS, LOAD_INPUTS}, {"weights", "inputs"}},
            [K_PAD] = {"pad", "QT_KNOB_PAD", QT_FAMILY_COMPUTE_AT,
                       "padding: inline checks, prepadded copy, or check-free interior + "
                       "checked strips",
                       3, {PAD_INLINE, PAD_PREPAD, PAD_STRIPS}, {"inline", "prepad", "strips"}},
            [K_RQ] = {"rq", "QT_KNOB_RQ", QT_FAMILY_COMPUTE_AT,
                      "requantization: per tile from registers, per band of rows, or one pass",
                      3, {RQ_TILE, RQ_ROW, RQ_PASS}, {"tile", "row", "pass"}},
        },
    .applies = dw_applies,
    .valid = dw_valid,
    .default_config = dw_default,
    .preference = dw_preference,
};
