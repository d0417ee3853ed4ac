/* gemm.c — the knob space of the conv2d im2col + GEMM template (kernels/templates/gemm.c):
 * its knobs and values (the defines and value numbering must match the template's), which
 * configs are valid for a (workload, target) and why not, the default config and the
 * template's preference. Register pressure is counted in vector registers of L =
 * qt_target_lanes32() int32 lanes (for isa=c; an ISA micro-kernel counts in its own
 * registers) with the model documented at gemm_registers(). The isa knob offers a micro-kernel
 * only where the target has its feature; its labels name the compile flags (space.c). */
#include <stdio.h>
#include <string.h>

#include "schedules/template.h"

enum { K_MR, K_NR, K_KU, K_LOAD, K_PIPE, K_VEC, K_ORDER, K_PAD, K_RQ, K_ISA, K_APACK, N_KNOBS };
enum { VEC_OUTER = 0, VEC_DOT = 1 };
enum { ORDER_MN = 0, ORDER_NM = 1 };
enum { APACK_USE = 0, APACK_PACK = 1 };

/* Per ISA value, its micro-kernel (kernels/ukernels/qt_ukernel_gemm_*.h): int32 lanes of an
 * accumulator register and the NR multiple it needs. */
static const struct isa_tile {
  int lanes, nr_multiple;
} isa_tile[] = {
    [ISA_C] = {0, 1},
    [ISA_AVX2] = {8, 8},
    [ISA_AVX512VNNI] = {16, 16},
    [ISA_NEON] = {4, 8},
    [ISA_NEONDOT] = {4, 4},
    [ISA_HVX] = {32, 32},
    [ISA_DSP] = {1, 1},
};

extern const qt_template_def qt_template_gemm;

/* GEMM dimensions of a conv2d workload: rows M (output pixels), reduction K. */
static long long gemm_m(const qt_workload *w) {
  return (long long)w->desc.out.n * w->desc.out.h * w->desc.out.w;
}
static long long gemm_k(const qt_workload *w) {
  return (long long)w->desc.p.kernel_h * w->desc.p.kernel_w * w->desc.in.c;
}

/* 1x1 and no padding: the template reads A in place, there is nothing to pad. */
static int direct_a(const qt_workload *w) {
  const qt_conv_params *p = &w->desc.p;
  return p->kernel_h == 1 && p->kernel_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
         p->pad_bottom == 0 && p->pad_right == 0;
}

/* Vector registers one micro-kernel tile keeps live, with L int32 lanes per register:
 *   vec=outer: accumulators MR * ceil(NR/L) (a row's columns cannot share a register with
 *              another row's), the weight row ceil(NR/L), and MR input broadcasts.
 *   vec=dot:   one vector of partial sums per (row, column) pair, two where L = 4 (128-bit
 *              NEON has no pairwise int16 multiply-add: a chunk of 8 int16 products widens
 *              into two int32x4 sums via SMLAL/SMLAL2), plus MR input and NR weight vectors
 *              loaded per chunk of k. */
static int gemm_registers(int mr, int nr, int vec, int lanes) {
  if (vec == VEC_DOT) return mr * nr * (lanes <= 4 ? 2 : 1) + mr + nr;
  return mr * ceil_div(nr, lanes) + ceil_div(nr, lanes) + mr;
}

/* Vector registers an ISA micro-kernel tile keeps live (kernels/ukernels/): MR * NR/L
 * accumulators with L int32 lanes (8 ymm avx2, 16 zmm avx512vnni, 4 NEON), plus the operands
 * of a k-step by load order and pipelining depth P:
 *   avx2, avx512vnni, neondot (NV = NR/L weight vectors per k-step):
 *     pipe=0, load=weights: NV weight vectors + 1 broadcast at a time;
 *     pipe=0, load=inputs:  MR broadcasts + 1 weight vector at a time;
 *     pipe=P:               P + 1 sets of NV weight vectors and MR broadcasts (the set in use
 *                           and the P loaded ahead).
 *   neon (MR widened input vectors per k8 block, NV = NR/8 int16x8 weight vectors per step):
 *     pipe=0: MR inputs + NV weights (load=weights) or 1 (load=inputs);
 *     pipe=P: 2 MR inputs (this block's and the next's) + P + 1 weight sets.
 *   dsp (general registers, one int32 each; a k4-step's input word widens into 2 pairs and a
 *   column's weights are 2 words): load=weights: 2 NR weight words + 2 pairs of one row;
 *   load=inputs: 2 MR pairs + 2 weight words of one column. pipe is 0 (isa_valid). The row
 *   and weight pointers and the loop bound live in the registers vector_regs leaves (r12, lr)
 *   or spill: of Armv7-M's 13 general registers the target counts 12. */
static int isa_registers(int mr, int nr, int isa, int load, int pipe) {
  const int lanes = isa_tile[isa].lanes;
  const int acc = mr * (nr / lanes);
  /* mr=1: one row, nothing to hold across columns, the two orders are the same code */
  if (isa == ISA_DSP) return acc + (load == LOAD_WEIGHTS && mr > 1 ? 2 * nr + 2 : 2 * mr + 2);
  if (isa == ISA_NEON) {
    const int nv = nr / 8;
    if (pipe > 0) return acc + 2 * mr + (pipe + 1) * nv;
    return acc + mr + (load == LOAD_WEIGHTS ? nv : 1);
  }
  const int nv = nr / lanes;
  if (pipe > 0) return acc + (pipe + 1) * (nv + mr);
  return acc + (load == LOAD_WEIGHTS ? nv + 1 : mr + 1);
}

/* 1 if isa is usable for (w, t) with this tile, else 0 and why. */
static int isa_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                     size_t cap) {
  const int mr = v[K_MR], nr = v[K_NR], isa = v[K_ISA];
  const char *name = qt_isa_label(&qt_template_gemm, K_ISA, isa);
  if (!qt_isa_valid(w, t, name, "nr", nr, isa_tile[isa].nr_multiple, why, cap)) return 0;
  if (v[K_VEC] != VEC_OUTER) {
    qt_why(why, cap,
           "isa=%s: the micro-kernel broadcasts inputs against a column panel "
           "(vec=outer)",
           name);
    return 0;
  }
  /* avx512vnni's 32 zmm registers hold up to 14 x 32 (isa_registers); the other kernels'
   * loops are written for 8 rows at most */
  if (mr > 8 && isa != ISA_AVX512VNNI) {
    qt_why(why, cap, "isa=%s: its micro-kernel takes mr <= 8 (avx512vnni up to 14)", name);
    return 0;
  }
  if (isa == ISA_DSP && v[K_PIPE] != 0) {
    qt_why(why, cap,
           "isa=dsp: pipe=%d: no register sets to rotate on a 32-bit core "
           "(pipe=0 only)",
           v[K_PIPE]);
    return 0;
  }
  const int regs = isa_registers(mr, nr, isa, v[K_LOAD], v[K_PIPE]);
  if (regs > t->vector_regs) {
    qt_why(why, cap, "%dx%d %s tile (load=%s, pipe=%d) needs %d vector registers, target has %d",
           mr, nr, name, v[K_LOAD] == LOAD_WEIGHTS ? "weights" : "inputs", v[K_PIPE], regs,
           t->vector_regs);
    return 0;
  }
  return 1;
}

static int gemm_applies(const qt_workload *w) { return qt_is_plain_conv2d(w); }

static int gemm_valid(const qt_workload *w, const qt_target *t, const int *v, char *why,
                      size_t cap) {
  const int mr = v[K_MR], nr = v[K_NR], ku = v[K_KU], vec = v[K_VEC];
  const int lanes = qt_target_lanes32(t);
  const long long m = gemm_m(w), k = gemm_k(w);
  const int oc = w->desc.out.c;
  if (!gemm_applies(w)) {
    qt_why(why, cap, "gemm computes conv2d only");
    return 0;
  }
  if (v[K_RQ] == RQ_ROW && v[K_ORDER] != ORDER_MN) {
    qt_why(why, cap,
           "rq=row needs order=mn: with column blocks outer a row is complete only "
           "at the end (that is rq=pass)");
    return 0;
  }
  if (v[K_PAD] == PAD_PREPAD && direct_a(w)) {
    qt_why(why, cap, "pad=prepad: a 1x1 unpadded convolution reads A in place, nothing to pad");
    return 0;
  }
  if (nr > 4 && nr >= 2 * oc) {
    qt_why(why, cap, "nr=%d >= 2*out_c=%d: most of every column block would be padding", nr,
           2 * oc);
    return 0;
  }
  if (mr > 1 && mr > m) {
    qt_why(why, cap, "mr=%d > %lld GEMM rows", mr, m);
    return 0;
  }
  if (ku > 1 && ku > k) {
    qt_why(why, cap, "ku=%d > K=%lld", ku, k);
    return 0;
  }
  if (vec == VEC_DOT && k < 2LL * lanes) {
    qt_why(why, cap, "vec=dot: K=%lld is less than one vector of %d int16 products", k, 2 * lanes);
    return 0;
  }
  if (mr == 1 && v[K_LOAD] != LOAD_WEIGHTS) {
    qt_why(why, cap,
           "load=inputs with mr=1: one input row leaves no order to choose (the same "
           "code as load=weights)");
    return 0;
  }
  /* the isa first: a target that lacks it says so, whatever the other knobs */
  if (v[K_ISA] != ISA_C && !isa_valid(w, t, v, why, cap)) return 0;
  if (v[K_APACK] == APACK_PACK && v[K_ISA] != ISA_AVX2) {
    qt_why(why, cap,
           "apack=pack: only the avx2 micro-kernel reads rows widened to int16 "
           "(isa=%s widens where it uses them)",
           qt_isa_label(&qt_template_gemm, K_ISA, v[K_ISA]));
    return 0;
  }
  if (v[K_ISA] != ISA_C) return 1;
  if (v[K_LOAD] != LOAD_WEIGHTS || v[K_PIPE] != 0) {
    qt_why(why, cap,
           "isa=c: load and pipe schedule the instructions of an ISA micro-kernel, "
           "plain C has none (the same code as load=weights, pipe=0)");
    return 0;
  }
  const int regs = gemm_registers(mr, nr, vec, lanes);
  if (regs > t->vector_regs) {
    qt_why(why, cap, "%dx%d %s tile needs %d vector registers (%d-bit), target has %d", mr, nr,
           vec == VEC_DOT ? "dot" : "outer", regs, t->vector_bits, t->vector_regs);
    return 0;
  }
  return 1;
}

/* Default (measured on an AVX-512 host with MobileNetV2's pointwise layers, plain C):
 *   vec:   dot from K >= 64 (1.3-2.6x faster there: 36-75 GMAC/s against 25-30), else outer.
 *   tile:  outer: the widest NR of 32/16/8/4 that is not mostly padding (< 2*out_c) and
 *          holds MR=4 in registers, then the tallest MR of 4/2/1 that fits (4x32 with 32
 *          512-bit registers, 4x16 with 16 AVX2 registers or on NEON; taller tiles measured
 *          no better and are left to the tuner);
 *          dot: the first of 2x8, 2x4, 1x8, 1x4 that fits.
 *   ku:    1 (unrolling mostly moved things by noise).
 *   order: mn while the packed weights (K * out_c int16) stay within 512 KiB, which keeps
 *          them in L2 while each row block streams past them; nm beyond.
 *   pad:   inline (the gather checks per tap, cheap against K * NR multiply-adds; always
 *          valid).
 *   rq:    row for fixed-point with order mn (its 64-bit vector arithmetic wants one long
 *          loop over out_c: 1.4x on 56x56x24->144), tile otherwise (fp32 requant is cheap
 *          from registers). */
/* ISA default, overriding vec, mr and nr (and rq: tile, for avx512vnni; for avx2 apack, rq
 * and order):
 * - avx512vnni for s8 wherever the target has it (measured on the AVX-512 VNNI host,
 *   MobileNetV2 pointwise layers, see bench/README.md), the first valid tile of 8x32, 6x32,
 *   4x32, 12x16, 8x16, 4x16, 2x16, 1x16, with 6x64 first where out_c >= 256 and there are at
 *   most 64 GEMM rows. Measured on Zen 5 (fp32, rq=tile, order mn, one core, interleaved
 *   medians, after the template flips A once per row block): 8x32 beat 12x32, 14x32 and
 *   12x16 or tied with them on 11 of MobileNetV2's 12 pointwise shapes; on the 32 -> 16
 *   layer (NR 16 only) 12x16 took 33 us against 45-50 for 4x16 and 35-42 for 8x16; 6x64
 *   took 0.93-0.97x the time of 8x32 on 7x7x960->320 and 7x7x320->1280 (each broadcast
 *   feeds 4 VPDPBUSD) and more elsewhere (1.1-1.7x where M is large or out_c small);
 * - else avx2 where it is the widest the target has (with AVX-512 the plain C default is
 *   auto-vectorised 512 bits wide; unmeasured against avx2 here), with A widened once per row
 *   block (apack=pack) and requantized per tile (rq=tile, both schemes), the first of 2x32,
 *   6x16, 6x8 whose columns are not mostly padding; 6x16 first where the int16 weights
 *   exceed 256 KiB (half of a 512 KiB L2): order mn streams all of them past every row
 *   block, so 2 rows per pass read them 3x as often as 6 rows do. On MobileNetV2's 7x7
 *   layers with such weights (160->960, 960->160, 960->320, 320->1280), 6x16 took 0.95,
 *   0.93, 0.87, 0.81 the time of 2x32 (caches flushed between runs, interleaved medians of
 *   41); on the 15 other pointwise shapes 2x32 was as fast or faster (6x16 1.00-1.49x,
 *   7x7x576->160 with 180 KiB of weights the closest). Order mn even where the weights pass
 *   512 KiB (the generic default's switch to nm): 6x16 nm took 1.69x, 1.64x and 1.71x the
 *   time of 6x16 mn on 7x7x960->320, 7x7x320->1280 and 7x7x960->160 (same conditions; why
 *   nm is this slow was not measured). Measured on the AVX2-only EPYC (Zen 3),
 *   shapes compiled in, fp32, 12 MobileNetV2 pointwise shapes from 112x112x16->96 to
 *   7x7x960->320, one core, interleaved medians of 41, time against the old default (1x32,
 *   apack=use): 2x32 pack geomean 0.76 [0.59, 0.87], 6x16 pack 0.83 [0.48, 1.26], 4x16 pack
 *   0.85, 2x32 and 6x16 with ku=2 0.86 and 0.96. Without the pack the broadcasts' widening
 *   shuffles (two per row and k-pair, repeated for every column block) competed with
 *   VPMADDWD for the vector ports, so taller tiles did not pay; from memory a broadcast is a
 *   load. rq=row measured 1.8-2.1x slower than rq=tile for this tile in both schemes (its
 *   int32 round trip; fixed point per tile 1.16x fp32 on 14x14x96->576);
 * - hvx (not measured: qemu-hexagon's times say nothing about a DSP) wherever the target has
 *   hvx128, for s8, the tallest of 8x32 .. 1x32 that is valid (one 128-byte vector of 32
 *   columns per row, MR accumulators, nothing spilled), on the same reasoning as avx512vnni:
 *   the more rows share each weight vector the fewer loads per vrmpy;
 * - else c (the plain C default above). neon and neondot are left to the tuner (on Arm only
 *   emulated runs exist here, whose times say nothing). */
static void gemm_default_isa(const qt_workload *w, const qt_target *t, int *v) {
  static const int vnni_tiles[][2] = {{8, 32}, {6, 32}, {4, 32}, {12, 16},
                                      {8, 16}, {4, 16}, {2, 16}, {1, 16}};
  static const int vnni_tiles_wide[][2] = {{6, 64}, {8, 32}, {6, 32}, {4, 32}, {12, 16},
                                           {8, 16}, {4, 16}, {2, 16}, {1, 16}};
  static const int avx2_tiles[][2] = {{2, 32}, {6, 16}, {6, 8}};
  static const int avx2_tiles_big_weights[][2] = {{6, 16}, {2, 32}, {6, 8}};
  static const int hvx_tiles[][2] = {{8, 32}, {6, 32}, {4, 32}, {2, 32}, {1, 32}};
  const int hvx = (t->isa & QT_ISA_HVX128) != 0;
  const int oc = w->desc.out.c;
  const int wide = oc >= 256 && gemm_m(w) <= 64;
  const int(*vnni)[2] = wide ? vnni_tiles_wide : vnni_tiles;
  const int n = hvx    ? (int)(sizeof hvx_tiles / sizeof hvx_tiles[0])
                : wide ? (int)(sizeof vnni_tiles_wide / sizeof vnni_tiles_wide[0])
                       : (int)(sizeof vnni_tiles / sizeof vnni_tiles[0]);
  const int big_weights = gemm_k(w) * oc * 2 > 256LL * 1024;
  int trial[QT_MAX_KNOBS];
  char why[8];
  /* dsp (Cortex-M): the 1x4 tile (load=weights: with one row the orders are the same code),
   * the only tile of the space whose accumulators and operands fit 12 general registers
   * (isa_registers; 2x4 load=inputs needs 14); on VWW's conv5_pw (12x12x64->64, cortex-m4,
   * qemu icount) 1.71 M instructions against 3.87 M for a plain C 1x4 */
  if (t->isa & QT_ISA_DSP) {
    memcpy(trial, v, sizeof trial);
    trial[K_ISA] = ISA_DSP;
    trial[K_VEC] = VEC_OUTER;
    trial[K_MR] = 1;
    trial[K_NR] = 4;
    trial[K_LOAD] = LOAD_WEIGHTS;
    trial[K_PIPE] = 0;
    if (gemm_valid(w, t, trial, why, sizeof why)) memcpy(v, trial, sizeof trial);
    return;
  }
  for (int i = 0; i < n; i++) {
    memcpy(trial, v, sizeof trial);
    trial[K_ISA] = hvx ? ISA_HVX : ISA_AVX512VNNI;
    trial[K_VEC] = VEC_OUTER;
    trial[K_MR] = hvx ? hvx_tiles[i][0] : vnni[i][0];
    trial[K_NR] = hvx ? hvx_tiles[i][1] : vnni[i][1];
    /* fixed point too: its requantization runs in registers here (the table's forms, float
     * form included), and per row it costs a round trip of every int32 through memory: on
     * block2_expand (56x56x24 -> 144, 8x32) rq=row took 108-121 us warm and 80-137 cold,
     * rq=tile 63-71 and 57-99 (fp32's tile: 46-61 and 49-65) */
    if (!hvx) trial[K_RQ] = RQ_TILE;
    if (gemm_valid(w, t, trial, why, sizeof why)) {
      memcpy(v, trial, sizeof trial);
      return;
    }
  }
  for (int i = 0; i < (int)(sizeof avx2_tiles / sizeof avx2_tiles[0]); i++) {
    if (t->isa & QT_ISA_AVX512) break;
    const int *tile = big_weights ? avx2_tiles_big_weights[i] : avx2_tiles[i];
    if (tile[1] > 8 && tile[1] >= 2 * oc) continue;
    memcpy(trial, v, sizeof trial);
    trial[K_ISA] = ISA_AVX2;
    trial[K_VEC] = VEC_OUTER;
    trial[K_MR] = tile[0];
    trial[K_NR] = tile[1];
    trial[K_APACK] = APACK_PACK;
    trial[K_RQ] = RQ_TILE;
    trial[K_ORDER] = ORDER_MN;
    if (gemm_valid(w, t, trial, why, sizeof why)) {
      memcpy(v, trial, sizeof trial);
      return;
    }
  }
}

/* load, pipe: weights, 0 (the micro-kernels' schedule from before these knobs) everywhere.
 * Measured for avx512vnni on this host (Zen 4), 14 MobileNetV2 pointwise shapes, s8 fp32,
 * one core, interleaved medians of 9, time ratio default/variant (> 1: variant faster),
 * geomean [min, max]: 8x32 load=inputs 0.97 [0.92, 1.00]; 6x32 pipe=1 0.93 [0.82, 1.02];
 * 4x32 ku=2 pipe=1 0.97 [0.87, 1.17]; 4x32 pipe=2 0.95 [0.86, 1.05]; 4x32 pipe=0 0.98
 * [0.89, 1.10]; the default rebuilt from the old source (identical code) 0.995 [0.89, 1.15],
 * i.e. the noise band. Out-of-order Zen 4 hides the L1 latency of the loads without help, so
 * nothing beat today's schedule; the tuner still searches both knobs. On aarch64 only
 * emulated runs exist here, so the default keeps the same values there. */
static void gemm_default(const qt_workload *w, const qt_target *t, int *v) {
  const int lanes = qt_target_lanes32(t);
  const long long k = gemm_k(w), m = gemm_m(w);
  const int oc = w->desc.out.c;
  v[K_KU] = 1;
  v[K_LOAD] = LOAD_WEIGHTS;
  v[K_PIPE] = 0;
  v[K_VEC] = k >= 64 && k >= 2LL * lanes ? VEC_DOT : VEC_OUTER;
  v[K_MR] = 1;
  v[K_NR] = 4;
  if (v[K_VEC] == VEC_DOT) {
    static const int tiles[][2] = {{2, 8}, {2, 4}, {1, 8}, {1, 4}};
    int found = 0;
    for (int i = 0; i < 4 && !found; i++) {
      const int mr = tiles[i][0], nr = tiles[i][1];
      if ((nr > 4 && nr >= 2 * oc) || (mr > 1 && mr > m)) continue;
      if (gemm_registers(mr, nr, VEC_DOT, lanes) > t->vector_regs) continue;
      v[K_MR] = mr;
      v[K_NR] = nr;
      found = 1;
    }
    /* No dot tile fits the register file (a 32-bit SIMD target, 12 general registers): the
     * outer form below, whose 1x4 tile always fits. */
    if (!found) v[K_VEC] = VEC_OUTER;
  }
  if (v[K_VEC] == VEC_OUTER) {
    static const int nrs[] = {32, 16, 8, 4}, mrs[] = {4, 2, 1};
    for (int i = 0; i < 4; i++) {
      const int nr = nrs[i];
      if (nr > 4 && nr >= 2 * oc) continue;
      if (nr > 4 && gemm_registers(4, nr, VEC_OUTER, lanes) > t->vector_regs) continue;
      v[K_NR] = nr;
      break;
    }
    for (int i = 0; i < 3; i++) {
      const int mr = mrs[i];
      if (mr > 1 && mr > m) continue;
      if (gemm_registers(mr, v[K_NR], VEC_OUTER, lanes) > t->vector_regs) continue;
      v[K_MR] = mr;
      break;
    }
  }
  const long long weight_bytes = k * oc * 2;
  v[K_ORDER] = weight_bytes <= 512 * 1024 ? ORDER_MN : ORDER_NM;
  v[K_PAD] = PAD_INLINE;
  v[K_RQ] = w->requant == QT_REQUANT_FIXEDPOINT && v[K_ORDER] == ORDER_MN ? RQ_ROW : RQ_TILE;
  v[K_ISA] = ISA_C;
  v[K_APACK] = APACK_USE;
  gemm_default_isa(w, t, v);
}

/* The general conv2d template: below direct for the 3-channel stem, the default elsewhere
 * (qt_space_default ranks a default with a micro-kernel first, whatever the preference). */
static int gemm_preference(const qt_workload *w, const qt_target *t) {
  (void)w;
  (void)t;
  return 50;
}

const qt_template_def qt_template_gemm = {
    .name = "gemm",
    .source = "templates/gemm.c",
    .n_knobs = N_KNOBS,
    .knobs =
        {
            [K_MR] = {"mr",
                      "QT_KNOB_MR",
                      QT_FAMILY_SPATIAL_TILE,
                      "GEMM rows (output pixels) per register tile",
                      7,
                      {1, 2, 4, 6, 8, 12, 14},
                      {0}},
            [K_NR] = {"nr",
                      "QT_KNOB_NR",
                      QT_FAMILY_CHANNEL_SPLIT,
                      "GEMM columns (output channels) per block and packed weight panel",
                      5,
                      {4, 8, 16, 32, 64},
                      {0}},
            [K_KU] = {"ku",
                      "QT_KNOB_KU",
                      QT_FAMILY_INTERLEAVE,
                      "unroll of the reduction loop",
                      3,
                      {1, 2, 4},
                      {0}},
            [K_LOAD] = {"load",
                        "QT_KNOB_LOAD",
                        QT_FAMILY_INTERLEAVE,
                        "load order inside the ISA micro-kernel's k-step: weights = its weight "
                        "vectors first, then per row the input broadcast and multiply-adds; "
                        "inputs = all rows' input broadcasts first, then per weight vector the "
                        "MR multiply-adds (isa=c: weights only)",
                        2,
                        {LOAD_WEIGHTS, LOAD_INPUTS},
                        {"weights", "inputs"}},
            [K_PIPE] = {"pipe",
                        "QT_KNOB_PIPE",
                        QT_FAMILY_INTERLEAVE,
                        "software-pipelining depth of the ISA micro-kernel: the loads of k-step "
                        "s + pipe are issued before the multiply-adds of step s, in pipe + 1 "
                        "rotating register sets (isa=c: 0 only)",
                        3,
                        {0, 1, 2},
                        {0}},
            [K_VEC] = {"vec",
                       "QT_KNOB_VEC",
                       QT_FAMILY_INTERLEAVE,
                       "vectorised axis: outer = columns (widening multiply-add), dot = the "
                       "reduction (dot product)",
                       2,
                       {VEC_OUTER, VEC_DOT},
                       {"outer", "dot"}},
            [K_ORDER] = {"order",
                         "QT_KNOB_ORDER",
                         QT_FAMILY_LOOP_ORDER,
                         "mn = row blocks outer, nm = column blocks outer",
                         2,
                         {ORDER_MN, ORDER_NM},
                         {"mn", "nm"}},
            [K_PAD] = {"pad",
                       "QT_KNOB_PAD",
                       QT_FAMILY_COMPUTE_AT,
                       "im2col padding: inline bounds checks, or a prepadded input copy",
                       2,
                       {PAD_INLINE, PAD_PREPAD},
                       {"inline", "prepad"}},
            [K_RQ] = {"rq", "QT_KNOB_RQ", QT_FAMILY_COMPUTE_AT,
                      "requantization: fused per tile, per row block from int32, or one pass "
                      "at the end",
                      QT_RQ_KNOB_VALUES},
            [K_ISA] = {"isa",
                       "QT_KNOB_ISA",
                       QT_FAMILY_ISA,
                       "ISA strategy of the micro-kernel: c = plain C (vec picks the form), "
                       "avx2 = VPMADDWD on int16, avx512vnni = VPDPBUSD (s8), neon = "
                       "SMLAL/SMLAL2 on int16, neondot = SDOT (s8), hvx = Hexagon vrmpy (s8), "
                       "dsp = SMLAD on SXTB16 pairs (Armv7E-M)",
                       7,
                       {ISA_C, ISA_AVX2, ISA_AVX512VNNI, ISA_NEON, ISA_NEONDOT, ISA_HVX, ISA_DSP},
                       {"c", "avx2", "avx512vnni", "neon", "neondot", "hvx", "dsp"}},
            [K_APACK] = {"apack",
                         "QT_KNOB_APACK",
                         QT_FAMILY_COMPUTE_AT,
                         "where A is widened to int16 (isa=avx2): use = at every broadcast, "
                         "in each column block; pack = once per row block into scratch, then "
                         "broadcast from memory",
                         2,
                         {APACK_USE, APACK_PACK},
                         {"use", "pack"}},
        },
    .applies = gemm_applies,
    .valid = gemm_valid,
    .default_config = gemm_default,
    .preference = gemm_preference,
};
