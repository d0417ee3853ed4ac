/* features.c — the feature vector of features.h:
 *   workload: log2 MACs, log2 of in and out channels and output pixels, kernel taps, stride,
 *             depthwise, dtype, requant;
 *   per registry template: 1 if it is the config's template; per knob its value and one
 *             indicator per candidate value (NaN for another template's knobs);
 *   derived:  channels per block over the layer's channels, the share of channel lanes
 *             wasted by the last block, the share of output pixels wasted by edge tiles,
 *             trip counts of the block loops (log2), accumulator registers the tile needs
 *             over the registers the target has, the tile's input and weight bytes over a
 *             32 KiB L1, and the ISA knob's vector width in bits. */
#include "tuner/search/features.h"

#include <math.h>
#include <string.h>

#define N_WORKLOAD 9
#define N_DERIVED 9

static int template_width(const qt_template_def *t) {
  int n = 1;
  for (int k = 0; k < t->n_knobs; k++) n += 1 + t->knobs[k].n_values;
  return n;
}

int qt_features_count(void) {
  int n_tpls, n = N_WORKLOAD + N_DERIVED;
  const qt_template_def *const *tpls = qt_templates(&n_tpls);
  for (int i = 0; i < n_tpls; i++) n += template_width(tpls[i]);
  return n;
}

static float lg(double x) { return (float)log2(x > 1 ? x : 1); }

/* Vector width in bits a config's ISA knob implies (the plain C code counts as 128). */
static int isa_bits(const qt_config *c) {
  for (int k = 0; k < c->tpl->n_knobs; k++) {
    const qt_knob_def *kd = &c->tpl->knobs[k];
    if (kd->family != QT_FAMILY_ISA) continue;
    for (int v = 0; v < kd->n_values; v++) {
      if (kd->values[v] != c->vals[k] || !kd->labels[v]) continue;
      if (strstr(kd->labels[v], "hvx")) return 1024; /* Hexagon HVX, 128-byte vectors */
      if (strstr(kd->labels[v], "avx512")) return 512;
      if (strstr(kd->labels[v], "avx2")) return 256;
    }
  }
  return 128;
}

void qt_features(const qt_space *s, const qt_config *c, float *f) {
  const qt_conv_desc *d = &s->w.desc;
  int n = 0;
  double pixels = (double)d->out.h * d->out.w * d->out.n;
  f[n++] = lg((double)qt_workload_macs(&s->w));
  f[n++] = lg(d->in.c);
  f[n++] = lg(d->out.c);
  f[n++] = lg(pixels);
  f[n++] = (float)(d->p.kernel_h * d->p.kernel_w);
  f[n++] = (float)d->p.stride_h;
  f[n++] = d->p.op == QT_OP_DEPTHWISE;
  f[n++] = (float)s->w.dtype;
  f[n++] = (float)s->w.requant;

  int n_tpls;
  const qt_template_def *const *tpls = qt_templates(&n_tpls);
  for (int i = 0; i < n_tpls; i++) {
    const qt_template_def *t = tpls[i];
    int mine = t == c->tpl;
    f[n++] = (float)mine;
    for (int k = 0; k < t->n_knobs; k++) {
      const qt_knob_def *kd = &t->knobs[k];
      f[n++] = mine ? (float)c->vals[k] : NAN;
      for (int v = 0; v < kd->n_values; v++)
        f[n++] = mine ? (float)(kd->values[v] == c->vals[k]) : NAN;
    }
  }

  /* The block a config computes at once: channels (channel split) x output pixels (spatial
   * tiles), as far as its knob families say. */
  double cb = 1, tile = 1, tile_h = 1, tile_w = 1;
  int spatial = 0;
  for (int k = 0; k < c->tpl->n_knobs; k++) {
    qt_knob_family fam = c->tpl->knobs[k].family;
    if (fam == QT_FAMILY_CHANNEL_SPLIT) cb *= c->vals[k];
    if (fam == QT_FAMILY_SPATIAL_TILE) {
      tile *= c->vals[k];
      if (spatial++ == 0) tile_h = c->vals[k];
      else tile_w = c->vals[k];
    }
  }
  double ch = d->out.c, blocks = ceil(ch / cb);
  /* Two spatial knobs tile rows and columns; one (a GEMM's rows) tiles the flattened pixels. */
  double rows = spatial == 1 ? (double)d->out.h * d->out.w : d->out.h;
  double cols = spatial == 1 ? 1 : d->out.w;
  double tiles_h = ceil(rows / tile_h), tiles_w = ceil(cols / tile_w);
  double lanes = qt_target_lanes32(&s->t), regs = s->t.vector_regs > 0 ? s->t.vector_regs : 16;
  double taps = (double)d->p.kernel_h * d->p.kernel_w;
  double depth = d->p.op == QT_OP_DEPTHWISE ? 1 : d->in.c;
  f[n++] = (float)(cb / ch);
  f[n++] = (float)((blocks * cb - ch) / (blocks * cb));
  f[n++] = (float)((tiles_h * tile_h * tiles_w * tile_w - rows * cols) /
                   (tiles_h * tile_h * tiles_w * tile_w));
  f[n++] = lg(blocks);
  f[n++] = lg(tiles_h * tiles_w);
  f[n++] = (float)(ceil(cb / lanes) * tile / regs);
  f[n++] = (float)(tile * taps * (d->p.op == QT_OP_DEPTHWISE ? cb : depth) / 32768.0);
  f[n++] = (float)(cb * taps * depth / 32768.0);
  f[n++] = (float)isa_bits(c);
}
