/* dwconv.c — the knob space of the depthwise template kernels/templates/dwconv.c: its knobs
 * (channel split, spatial tile, loop order, tap unroll, load order, padding, requant
 * placement and the ISA micro-kernel), which workloads it applies to, the constraints that
 * keep only configs that compile to sensible code on a target, and the default config. The
 * knob values and their meaning are defined by the template; keep the two files in step. */
#include <stdio.h>
#include <string.h>

#include "schedules/template.h"

/* Knob indices, in declaration order (the order of the canonical knob string). */
enum { K_CB, K_TH, K_TW, K_ORDER, K_KU, K_LOAD, K_PAD, K_RQ, K_ISA, K_COUNT };

/* Named values, as the template's #if tests them (the shared ones: template.h; dwconv's
 * avx512vnni is its own value 7, its avx512 being template.h's 2). */
enum { ORDER_HWC = 0, ORDER_CHW = 1 };
enum { ISA_DW_AVX512VNNI = 7 };
/* 1 for the k4 micro-kernels (taps in groups of 4 per dot-product lane) */
static int isa_k4(int isa) {
  return isa == ISA_HVX || isa == ISA_NEONDOT || isa == ISA_DW_AVX512VNNI;
}

/* Per ISA value, its micro-kernel (kernels/ukernels/qt_ukernel_dwconv_*.h): the channels one
 * vector of int16 holds (cb must be a multiple: the micro-kernel's chunk; hvx: the 32 int32
 * lanes of one 128-byte vector), the int32 lanes of an accumulator register, and the
 * registers of its inner loop beside the accumulators: weight vectors per tap pair
 * (weights-first), per tap (neon) or per group of 4 taps (hvx; neondot: 4, one per 4 of a
 * chunk's 16 channels), and the temporaries of one position (x86: two loaded taps and their
 * two widened halves; neon: the loaded bytes and the widened int16, plus the reloaded weight
 * vector inputs-first, which x86 takes as a memory operand; neondot: the 4 loaded taps and
 * their 4 transposed vectors; avx512vnni: 4 weight vectors per 64 channels, the 4 loaded
 * taps and their 4 interleaved vectors; hvx: the gathered input vector and the weight vector
 * reloaded inputs-first; dsp:
 * general registers of one int32 each, 2 weight words per 4 channels and tap, the two SXTB16
 * pairs of one input word, which overwrite it). */
static const struct isa_tile {
  int chunk, lanes, weights_per_step, temps;
} isa_tile[] = {
    [ISA_C] = {1, 0, 0, 0},    [ISA_AVX2] = {16, 8, 2, 4},           [ISA_AVX512] = {32, 16, 2, 4},
    [ISA_NEON] = {8, 4, 1, 2}, [ISA_NEONDOT] = {16, 4, 4, 8},        [ISA_HVX] = {32, 32, 1, 2},
    [ISA_DSP] = {4, 1, 2, 2},  [ISA_DW_AVX512VNNI] = {64, 16, 4, 8},
};

extern const qt_template_def qt_template_dwconv;

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

/* Vector registers an ISA micro-kernel keeps live: TH*TW*CB/L accumulators, the weight
 * vectors of the KU steps of one chunk when weights are loaded first (an inputs-first neon
 * kernel reloads one, dsp the 2 words of one chunk, neondot the 4 vectors of one chunk), and
 * the temporaries of one position.
 * dsp counts general registers: as for the gemm dsp kernel, the tap pointers and loop
 * bounds live in the registers vector_regs leaves (r12, lr) or are reloaded from the stack. */
static int isa_registers(const int *v) {
  const struct isa_tile *tile = &isa_tile[v[K_ISA]];
  const int acc = v[K_TH] * v[K_TW] * (v[K_CB] / tile->lanes);
  int weights = v[K_LOAD] == LOAD_WEIGHTS ? v[K_KU] * tile->weights_per_step : 0;
  if (v[K_ISA] == ISA_NEON && v[K_LOAD] == LOAD_INPUTS) weights = 1;
  if ((v[K_ISA] == ISA_DSP || v[K_ISA] == ISA_NEONDOT || v[K_ISA] == ISA_DW_AVX512VNNI) &&
      v[K_LOAD] == LOAD_INPUTS)
    weights = tile->weights_per_step;
  return acc + weights + tile->temps;
}

/* 1 if the isa value is usable for (w, t) with this block and tile, else 0 and why. */
static int isa_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                     size_t cap) {
  const char *name = qt_isa_label(&qt_template_dwconv, K_ISA, v[K_ISA]);
  if (!qt_isa_valid(w, t, name, "cb", v[K_CB], isa_tile[v[K_ISA]].chunk, why, cap)) return 0;
  if (w->desc.p.depth_multiplier != 1) {
    qt_why(why, cap,
           "isa=%s: the micro-kernel loads cb consecutive input channels; depth "
           "multiplier %d would need a gather",
           name, w->desc.p.depth_multiplier);
    return 0;
  }
  const int regs = isa_registers(v);
  if (regs > t->vector_regs) {
    qt_why(why, cap, "isa=%s registers: %d > %d", name, regs, t->vector_regs);
    return 0;
  }
  return 1;
}

/* Constraints, cheapest and most telling first; why gets the first that fails. */
static int dw_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                    size_t cap) {
  const qt_conv_desc *d = &w->desc;
  const int oc = d->out.c, oh = d->out.h, ow = d->out.w;
  const int isa = v[K_ISA];
  const int min_cb = isa == ISA_C ? min_vector_cb(t) : isa_tile[isa].chunk;
  if (!dw_applies(w)) {
    qt_why(why, cap, "not a depthwise workload");
    return 0;
  }
  /* Below the vector minimum the block compiles to scalar code; worth it only when the
   * channels are too few to fill even the smallest vector block. */
  if (isa == ISA_C && v[K_CB] < min_cb && oc >= min_cb) {
    qt_why(why, cap, "cb=%d < %d: no vector code on %s for out_c=%d", v[K_CB], min_cb, t->arch, oc);
    return 0;
  }
  /* A block at least twice the channels is mostly tail: only the smallest block that
   * covers them all is kept. */
  if (v[K_CB] >= 2 * oc && v[K_CB] > min_cb) {
    qt_why(why, cap, "cb=%d >= 2*out_c=%d", v[K_CB], 2 * oc);
    return 0;
  }
  if (v[K_TH] > 1 && v[K_TH] > oh) {
    qt_why(why, cap, "th=%d > out_h=%d", v[K_TH], oh);
    return 0;
  }
  if (v[K_TW] > 1 && v[K_TW] > ow) {
    qt_why(why, cap, "tw=%d > out_w=%d", v[K_TW], ow);
    return 0;
  }
  /* With one channel block both loop orders are the same loop nest (same code). */
  if (v[K_ORDER] == ORDER_CHW && v[K_CB] >= oc) {
    qt_why(why, cap, "order=chw with one channel block (cb=%d >= out_c=%d)", v[K_CB], oc);
    return 0;
  }
  /* Unrolling past the loop's trip count unrolls nothing more: same code as the largest
   * unroll below it. The C tap loop runs over kw; a micro-kernel's over all kh*kw taps, in
   * pairs for the k2 (avx2, avx512) ones, in groups of 4 for the k4 ones (neondot, hvx,
   * avx512vnni); dsp's over kw, as c's (it walks the taps row by row). */
  const int taps = d->p.kernel_h * d->p.kernel_w;
  const int steps = isa == ISA_C || isa == ISA_DSP ? d->p.kernel_w
                    : isa == ISA_NEON              ? taps
                    : isa_k4(isa)                  ? (taps + 3) / 4
                                                   : (taps + 1) / 2;
  if (v[K_KU] > 1 && v[K_KU] > steps) {
    if (isa == ISA_C || isa == ISA_DSP)
      qt_why(why, cap, "ku=%d > kw=%d", v[K_KU], d->p.kernel_w);
    else
      qt_why(why, cap, "ku=%d > %d %s of the isa=%s tap loop", v[K_KU], steps,
             isa == ISA_NEON ? "taps"
             : isa_k4(isa)   ? "tap groups of 4"
                             : "tap pairs",
             qt_isa_label(&qt_template_dwconv, K_ISA, isa));
    return 0;
  }
  /* Without padding every tile is interior: checks or a padded copy are pure overhead. */
  const int padded = d->p.pad_top || d->p.pad_left || d->p.pad_bottom || d->p.pad_right;
  if (!padded && v[K_PAD] != PAD_STRIPS) {
    qt_why(why, cap, "pad=%s without padding", v[K_PAD] == PAD_INLINE ? "inline" : "prepad");
    return 0;
  }
  if (isa != ISA_C) return isa_valid(w, t, v, why, cap);
  const int lanes = qt_target_lanes32(t);
  const int live = live_registers(v, lanes);
  if (live > t->vector_regs) {
    int per_block = ceil_div(v[K_CB], lanes);
    qt_why(why, cap, "registers: acc %d + weights %d + inputs %d = %d > %d",
           v[K_TH] * v[K_TW] * per_block, v[K_KU] * per_block, per_block, live, t->vector_regs);
    return 0;
  }
  return 1;
}

/* Sets the ISA default's knobs in v. */
static void dw_trial(int *v, int isa, int cb, int th, int tw, int ku, int load) {
  v[K_ISA] = isa;
  v[K_CB] = cb;
  v[K_TH] = th;
  v[K_TW] = tw;
  v[K_KU] = ku;
  v[K_LOAD] = load;
}

/* ISA default, measured on this host (Zen 4, AVX-512 F/BW/VL/VNNI; MobileNetV2's ten
 * distinct depthwise workloads, fp32 requant, interleaved runs of fixed-shape harness builds,
 * ratios within one run; kernels/ukernels/README.md, dwconv):
 *   avx512vnni (VPDPBUSD on groups of 4 taps) where the target has AVX512-VNNI, the layer is
 *          s8 and whole 64-channel chunks waste at most a quarter of the lanes (out_c 96,
 *          144, 192, 384, 576, 960; not 32): cb=64, a 2x2 tile, 3 tap groups per
 *          iteration, inputs first, rq=tile (16 accumulators + 4 weights + 8 temporaries).
 *          Zen 5, one core, fp32, against the avx512 default below: 14x14x576 27.0 -> 17.8
 *          us, 28x28x192 34.3 -> 21.5 us, 112x112x96 s2 120 -> 107 us; 56x56x144 s1 within
 *          noise (its third chunk holds 16 of 64 channels); 112x112x32 (half the lanes
 *          wasted) 1.7x slower, so it stays on avx512.
 *          Then, for stride 1 with outputs of 28x28 or fewer: a 4x1 tile, 2 tap groups (kernel
 *          rows) per iteration, weights first, pad=prepad where padded: the tile, ku and pad the
 *          fp32 search chose on all 11 such MobileNetV2 layers (weights first on 8; --trials
 *          12), where the fixed-point search, same budget, kept the 2x2 default on most. Zen 5,
 *          one core, interleaved harness runs (3 rounds), time against the 2x2 form, fixed
 *          point / fp32: 14x14x384 0.78-0.89 / 0.68-0.82x, 7x7x960 0.72-0.79 / 0.57-0.72x,
 *          28x28x192 0.79-0.93 / 0.74-0.88x; 56x56x144 s1 0.92-1.04x and 28x28x192 s2
 *          0.88-1.09x, so those keep the 2x2 form.
 *   avx512 (VPMADDWD on tap pairs, zmm) where the target has AVX-512:
 *          outputs of 28x28 and more: cb=32, a 4x2 tile, 3 tap pairs per iteration, inputs
 *          first, rq=tile (16 zmm accumulators); 7x7 and 14x14 outputs: cb=64 (halved while
 *          it exceeds out_c), a 1x2 tile, 2 tap pairs per iteration, weights first, whose
 *          few, narrow tiles lose least to the checked border tiles there. In one run the
 *          4x2 form took 0.90-0.95x the time of the 1x2 form on the five large workloads
 *          and 1.06-1.42x on the five small ones (the split: 0.94x of 1x2 everywhere, counting
 *          each layer of the model); the 1x2 form alone took 0.42x of the plain C default
 *          (cb=64 2x2 inputs first) over the ten workloads, cb=32 2x2 0.44x, cb=64 2x2 0.47x;
 *          ku=2 weights first was 0.85x of ku=1 inputs first for 1x2. In bench/peers (one
 *          run) the 1x2 default alone matched XNNPACK and oneDNN on depthwise.
 *   avx2   where the target has AVX2 but not AVX-512 (an AVX2-only host was not available; on
 *          this one the avx2 value took 0.60x of the C default with cb=32 2x2): the 1x2 form
 *          at half the width, cb=32 (16 ymm: 8 acc + 4 weights + 4 temporaries). On an
 *          AVX2-only EPYC (Zen 3; one core, shapes compiled in, interleaved medians of 41)
 *          rq=tile took 0.83-0.92x the time of rq=row for fp32 on six MobileNetV2 depthwise
 *          shapes from 112x112x32 to 14x14x576; for fixed point 0.92-1.03x with the first
 *          AVX2 requant micro-kernel, and 0.89-0.95x on seven shapes (112x112x32 to 7x7x960,
 *          both strides) once its rounding divide took four instructions: tile for both.
 *   neon   on aarch64 (only emulated runs here, so from the instruction count): cb=16, 2x2,
 *          weights first, ku=1: per tap and 8 channels one int16x8 weight load serves the
 *          4 positions, each 1 load + 1 SSUBL/USUBL + SMLAL + SMLAL2 (17 instructions per 64
 *          multiply-adds, 20 inputs first); 16 accumulators + 1 weight + 2 temporaries of
 *          the 32 registers, and the 2x2 tile reuses each weight vector 4 times (TVM's
 *          NHWC depthwise schedule).
 *   neondot on aarch64 with dotprod, s8 (only emulated runs here, so from qemu's dynamic
 *          instruction counts per run, fixed point, rq=row, strips): cb=32, 1x2, ku=2,
 *          weights first: 16 accumulators + 8 weight vectors + 8 temporaries. On 14x14x576,
 *          56x56x144 s1, 56x56x144 s2 and 28x28x192 s1 it took 0.65, 0.80, 0.76 and 0.71x
 *          the instructions of the neon default below, and 0.79, 0.80, 0.79 and 0.81x those
 *          of neon's own best of the tiles tried (cb=32 1x2); neondot cb=16 2x2 ku=1 took
 *          0.90-0.94x the neon default. u8 stays on neon.
 *   hvx    on targets with 128-byte HVX, s8 only (not measured: qemu-hexagon's times say
 *          nothing about a DSP): cb=32 (one vector of 32 int32 lanes), 2x2, weights first,
 *          ku=1: each group's weight vector serves the 4 positions; 4 accumulators + 1
 *          weight + 2 temporaries of the 32 registers. The kernel's cost is its scalar input
 *          gather (128 byte loads per vrmpy), which no tile or block shape amortises, so the
 *          smallest block that fills a vector is the default.
 *   dsp    on Armv7E-M (qemu icount instructions, VWW MobileNetV1 on cortex-m4, 6 trials
 *          per layer): cb=4, a 1x1 tile, a whole kernel row of taps per iteration (ku=3
 *          for 3x3), inputs first, pad=prepad where the layer is padded. The 4
 *          accumulators, 2 weight words and 2 pairs leave the tap loop's pointers and
 *          bounds in registers: a cb=4 1x2 tile's 8 accumulators spill 3 of them (GCC 12).
 *          0.76-0.90x the instructions of cb=4 1x1 ku=1 weights first with strips on the
 *          13 depthwise layers (0.835x in all), the best of 6 trials on each; larger tiles
 *          with the register limit lifted: 1.08-1.37x (kernels/ukernels/README.md, dwconv).
 * Overrides cb, th, tw, ku, load, rq and isa when the result is valid; otherwise the plain C
 * default stays (e.g. depth multiplier 2). */
static void dw_default_isa(const qt_workload *w, const qt_target *t, int *v) {
  int trial[QT_MAX_KNOBS];
  memcpy(trial, v, sizeof trial);
  const int large = w->desc.out.h * w->desc.out.w >= 28 * 28;
  const int oc = w->desc.out.c, chunks64 = (oc + 63) / 64;
  if ((t->isa & QT_ISA_AVX512VNNI) && w->dtype == QT_DTYPE_S8 && 3 * 64 * chunks64 <= 4 * oc) {
    const qt_conv_params *p = &w->desc.p;
    if (p->stride_h == 1 && p->stride_w == 1 && w->desc.out.h * w->desc.out.w <= 28 * 28) {
      dw_trial(trial, ISA_DW_AVX512VNNI, 64, 4, 1, 2, LOAD_WEIGHTS);
      if (p->pad_top || p->pad_left || p->pad_bottom || p->pad_right) trial[K_PAD] = PAD_PREPAD;
    } else {
      dw_trial(trial, ISA_DW_AVX512VNNI, 64, 2, 2, 3, LOAD_INPUTS);
    }
    trial[K_RQ] = RQ_TILE;
  } else if ((t->isa & QT_ISA_AVX512) && large) {
    dw_trial(trial, ISA_AVX512, 32, 4, 2, 3, LOAD_INPUTS);
    trial[K_RQ] = RQ_TILE;
  } else if (t->isa & QT_ISA_AVX512) {
    dw_trial(trial, ISA_AVX512, 64, 1, 2, 2, LOAD_WEIGHTS);
  } else if (t->isa & QT_ISA_AVX2) {
    dw_trial(trial, ISA_AVX2, 32, 1, 2, 2, LOAD_WEIGHTS);
    trial[K_RQ] = RQ_TILE;
  } else if (t->isa & QT_ISA_DSP) {
    const qt_conv_params *p = &w->desc.p;
    dw_trial(trial, ISA_DSP, 4, 1, 1, p->kernel_w < 3 ? p->kernel_w : 3, LOAD_INPUTS);
    if (p->pad_top || p->pad_left || p->pad_bottom || p->pad_right) trial[K_PAD] = PAD_PREPAD;
  } else if ((t->isa & QT_ISA_DOTPROD) && w->dtype == QT_DTYPE_S8) {
    dw_trial(trial, ISA_NEONDOT, 32, 1, 2, 2, LOAD_WEIGHTS);
  } else if (t->isa & QT_ISA_NEON) {
    dw_trial(trial, ISA_NEON, 16, 2, 2, 1, LOAD_WEIGHTS);
  } else if ((t->isa & QT_ISA_HVX128) && w->dtype == QT_DTYPE_S8) {
    dw_trial(trial, ISA_HVX, 32, 2, 2, 1, LOAD_WEIGHTS);
  } else {
    return;
  }
  const int chunk = isa_tile[trial[K_ISA]].chunk;
  while (trial[K_CB] > chunk && trial[K_CB] > w->desc.out.c) trial[K_CB] /= 2;
  if (trial[K_TH] > w->desc.out.h) trial[K_TH] = 1;
  if (trial[K_TW] > w->desc.out.w) trial[K_TW] = 1;
  char why[128];
  if (!dw_valid(w, t, trial, why, sizeof why)) trial[K_KU] = 1; /* a 1x1 kernel, say */
  if (!dw_valid(w, t, trial, why, sizeof why) && trial[K_TH] > 1) trial[K_TH] = 1;
  if (dw_valid(w, t, trial, why, sizeof why)) memcpy(v, trial, sizeof trial);
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
 * final fallback (smallest vector block, 1x1 tile) fits any target with 4+ registers.
 * Then the ISA default above, where the target has a micro-kernel's ISA (isa=c otherwise). */
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
  v[K_ISA] = ISA_C;
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
  dw_default_isa(w, t, v);
}

/* Depthwise workloads have no other template. */
static int dw_preference(const qt_workload *w, const qt_target *t) {
  (void)t;
  return dw_applies(w) ? 100 : 0;
}

const qt_template_def qt_template_dwconv = {
    .name = "dwconv",
    .source = "templates/dwconv.c",
    .n_knobs = K_COUNT,
    .knobs =
        {
            [K_CB] = {"cb",
                      "QT_KNOB_CB",
                      QT_FAMILY_CHANNEL_SPLIT,
                      "output channels per inner block (accumulator vector extent)",
                      5,
                      {4, 8, 16, 32, 64},
                      {NULL}},
            [K_TH] = {"th",
                      "QT_KNOB_TH",
                      QT_FAMILY_SPATIAL_TILE,
                      "output rows per register tile",
                      3,
                      {1, 2, 4},
                      {NULL}},
            [K_TW] = {"tw",
                      "QT_KNOB_TW",
                      QT_FAMILY_SPATIAL_TILE,
                      "output columns per register tile",
                      4,
                      {1, 2, 4, 8},
                      {NULL}},
            [K_ORDER] = {"order",
                         "QT_KNOB_ORDER",
                         QT_FAMILY_LOOP_ORDER,
                         "hwc: tiles outer, channel blocks inner; chw: channel blocks outer",
                         2,
                         {ORDER_HWC, ORDER_CHW},
                         {"hwc", "chw"}},
            [K_KU] = {"ku",
                      "QT_KNOB_KU",
                      QT_FAMILY_INTERLEAVE,
                      "unroll of the innermost tap loop (c, dsp: over kw; other isa "
                      "micro-kernels: over all taps, in pairs on x86, in groups of 4 on "
                      "neondot and hvx)",
                      3,
                      {1, 2, 3},
                      {NULL}},
            [K_LOAD] = {"load",
                        "QT_KNOB_LOAD",
                        QT_FAMILY_INTERLEAVE,
                        "weights: channel loop outside positions; inputs: positions outside",
                        2,
                        {LOAD_WEIGHTS, LOAD_INPUTS},
                        {"weights", "inputs"}},
            [K_PAD] = {"pad", "QT_KNOB_PAD", QT_FAMILY_COMPUTE_AT,
                       "padding: inline checks, prepadded copy, or check-free interior + "
                       "checked strips",
                       QT_PAD_STRIPS_KNOB_VALUES},
            [K_RQ] = {"rq", "QT_KNOB_RQ", QT_FAMILY_COMPUTE_AT,
                      "requantization: per tile from registers, per band of rows, or one pass",
                      QT_RQ_KNOB_VALUES},
            [K_ISA] = {"isa",
                       "QT_KNOB_ISA",
                       QT_FAMILY_ISA,
                       "ISA strategy of the tile's reduction: c = auto-vectorised C, avx2 / "
                       "avx512 = VPMADDWD on tap pairs widened to int16, neon = SMLAL/SMLAL2 "
                       "with the input zero point subtracted while widening, hvx = Hexagon "
                       "vrmpy on groups of 4 taps (s8), dsp = SMLABB/SMLATT on SXTB16 pairs "
                       "(Armv7E-M), neondot = SDOT on groups of 4 taps (s8), avx512vnni = "
                       "VPDPBUSD on groups of 4 taps (s8)",
                       8,
                       {ISA_C, ISA_AVX2, ISA_AVX512, ISA_NEON, ISA_HVX, ISA_DSP, ISA_NEONDOT,
                        ISA_DW_AVX512VNNI},
                       {"c", "avx2", "avx512", "neon", "hvx", "dsp", "neondot", "avx512vnni"}},
        },
    .applies = dw_applies,
    .valid = dw_valid,
    .default_config = dw_default,
    .preference = dw_preference,
};
