/* test_dwconv_space.c — the depthwise template's knob space (schedules/dwconv.c): it is
 * registered and applies to depthwise only; its default config is valid for every
 * MobileNetV2 depthwise layer and every depthwise edge shape on an AVX2-class host (16 x 256
 * bits), an AVX-512 host (32 x 512) and a Cortex-A76 (32 x 128); each constraint rejects what
 * it should with a reason and admits its neighbour; the spaces stay large (hundreds of valid
 * configs) for MobileNetV2 on both host and cortex-a76. Prints the space sizes. */
#include <stdio.h>
#include <string.h>

#include "tests/qt_test.h"
#include "schedules/space.h"
#include "tests/kernels/edge_shapes.h"

enum { CB, TH, TW, ORDER, KU, LOAD, PAD, RQ, ISA, NK };
enum { ISA_C = 0, ISA_AVX2 = 1, ISA_AVX512 = 2, ISA_NEON = 3, ISA_NEONDOT = 4, ISA_HVX = 5,
       ISA_DSP = 6 };

/* A target with the ISA features its name implies: "host" AVX2, "host-avx512" AVX2 + AVX-512
 * F/BW/VNNI, aarch64 NEON (+ dotprod for cortex-a76), "hexagon-hvx" 128-byte HVX, armv7em the
 * DSP extension, anything
 * else none. */
static qt_target make_target(const char *name, const char *arch, int regs, int bits) {
  qt_target t;
  memset(&t, 0, sizeof t);
  snprintf(t.name, sizeof t.name, "%s", name);
  snprintf(t.arch, sizeof t.arch, "%s", arch);
  t.vector_regs = regs;
  t.vector_bits = bits;
  if (strcmp(name, "host") == 0) t.isa = QT_ISA_SSE41 | QT_ISA_AVX2;
  if (strcmp(name, "host-avx512") == 0)
    t.isa = QT_ISA_SSE41 | QT_ISA_AVX2 | QT_ISA_AVX512 | QT_ISA_AVX512VNNI;
  if (strcmp(arch, "aarch64") == 0) t.isa = QT_ISA_NEON;
  if (strcmp(name, "cortex-a76") == 0) t.isa |= QT_ISA_DOTPROD;
  if (strcmp(name, "hexagon-hvx") == 0) t.isa = QT_ISA_HVX128;
  if (strcmp(arch, "armv7em") == 0) t.isa = QT_ISA_DSP;
  return t;
}

/* A 3x3 depthwise workload, square input h x h x c, stride s, TF SAME padding as in
 * MobileNetV2 (1 on every side for stride 1, bottom/right only for stride 2). */
static qt_workload mnv2_dw(int h, int c, int s) {
  qt_workload w;
  memset(&w, 0, sizeof w);
  qt_conv_desc *d = &w.desc;
  int pb = 1, pa = s == 1 ? 1 : 0;
  d->p = (qt_conv_params){QT_OP_DEPTHWISE, 3, 3, s, s, 1, 1, pa, pa, pb, pb, 1};
  d->in = (qt_dims){1, h, h, c};
  int o = qt_conv_out_size(h, 3, s, 1, pa, pb);
  d->out = (qt_dims){1, o, o, c};
  w.dtype = QT_DTYPE_S8;
  w.requant = QT_REQUANT_FIXEDPOINT;
  return w;
}

/* MobileNetV2's distinct depthwise layers (17 layers, 10 workloads). */
static const struct {
  const char *name;
  int h, c, s;
} mnv2[] = {
    {"block0_dw", 112, 32, 1},  {"block1_dw", 112, 96, 2},  {"block2_dw", 56, 144, 1},
    {"block3_dw", 56, 144, 2},  {"block4_dw", 28, 192, 1},  {"block6_dw", 28, 192, 2},
    {"block7_dw", 14, 384, 1},  {"block11_dw", 14, 576, 1}, {"block13_dw", 14, 576, 2},
    {"block14_dw", 7, 960, 1},
};
enum { N_MNV2 = (int)(sizeof mnv2 / sizeof mnv2[0]) };

static const qt_template_def *tpl;

static int valid(const qt_workload *w, const qt_target *t, const int *v, char *why) {
  why[0] = '\0';
  return tpl->valid(w, t, v, why, 160);
}

/* Valid configs of the dwconv template alone, by enumeration of its knob values. */
static long count_valid(const qt_workload *w, const qt_target *t, long *total) {
  long n = 0;
  *total = 0;
  int idx[QT_MAX_KNOBS] = {0}, v[QT_MAX_KNOBS];
  for (;;) {
    for (int k = 0; k < tpl->n_knobs; k++) v[k] = tpl->knobs[k].values[idx[k]];
    char why[160];
    (*total)++;
    n += valid(w, t, v, why);
    int k = tpl->n_knobs - 1;
    while (k >= 0 && ++idx[k] == tpl->knobs[k].n_values) idx[k--] = 0;
    if (k < 0) break;
  }
  return n;
}

static void test_registered(void) {
  tpl = qt_template_find("dwconv");
  CHECK(tpl != NULL);
  if (!tpl) return;
  CHECK_STR(tpl->source, "templates/dwconv.c");
  CHECK_EQ_INT(tpl->n_knobs, NK);
  static const char *names[NK] = {"cb", "th", "tw", "order", "ku", "load", "pad", "rq", "isa"};
  static const char *defines[NK] = {"QT_KNOB_CB",   "QT_KNOB_TH",   "QT_KNOB_TW",
                                    "QT_KNOB_ORDER", "QT_KNOB_KU",  "QT_KNOB_LOAD",
                                    "QT_KNOB_PAD",  "QT_KNOB_RQ",   "QT_KNOB_ISA"};
  for (int k = 0; k < NK && k < tpl->n_knobs; k++) {
    CHECK_STR(tpl->knobs[k].name, names[k]);
    CHECK_STR(tpl->knobs[k].define, defines[k]);
    CHECK(tpl->knobs[k].n_values >= 2);
  }
  /* Every required family is present. */
  int fam[QT_FAMILY_ISA + 1] = {0};
  for (int k = 0; k < tpl->n_knobs; k++) fam[tpl->knobs[k].family]++;
  CHECK(fam[QT_FAMILY_CHANNEL_SPLIT] == 1 && fam[QT_FAMILY_SPATIAL_TILE] == 2);
  CHECK(fam[QT_FAMILY_LOOP_ORDER] == 1 && fam[QT_FAMILY_INTERLEAVE] == 2);
  CHECK(fam[QT_FAMILY_COMPUTE_AT] == 2 && fam[QT_FAMILY_ISA] == 1);
  /* isa lists c first (old knob strings without it mean c) and names its flags. */
  CHECK_EQ_INT(tpl->knobs[ISA].n_values, 8);
  CHECK_STR(tpl->knobs[ISA].labels[0], "c");
  CHECK_STR(tpl->knobs[ISA].labels[1], "avx2");
  CHECK_STR(tpl->knobs[ISA].labels[2], "avx512");
  CHECK_STR(tpl->knobs[ISA].labels[3], "neon");
  CHECK_STR(tpl->knobs[ISA].labels[4], "hvx");
  CHECK_EQ_INT(tpl->knobs[ISA].values[4], ISA_HVX);
  CHECK_STR(tpl->knobs[ISA].labels[5], "dsp");
  CHECK_EQ_INT(tpl->knobs[ISA].values[5], ISA_DSP);
  CHECK_STR(tpl->knobs[ISA].labels[6], "neondot");
  CHECK_EQ_INT(tpl->knobs[ISA].values[6], ISA_NEONDOT);
  CHECK_STR(tpl->knobs[ISA].labels[7], "avx512vnni");
  CHECK_EQ_INT(tpl->knobs[ISA].values[7], 7);
  {
    /* the flags come from space.c's table, by the isa label */
    qt_config c;
    memset(&c, 0, sizeof c);
    c.tpl = tpl;
    c.vals[CB] = 32;
    static const struct { int isa; const char *flags; } want[] = {
        {ISA_C, ""}, {ISA_AVX2, "-mavx2 -mfma"}, {ISA_AVX512, "-mavx512f -mavx512bw"}, {ISA_NEON, ""},
        {ISA_HVX, ""}, {ISA_DSP, ""}, {ISA_NEONDOT, "-march=armv8.2-a+dotprod"}};
    for (int i = 0; i < 7; i++) {
      char flags[256];
      c.vals[ISA] = want[i].isa;
      CHECK(qt_config_flags(&c, flags, sizeof flags) == 0);
      CHECK_STR(flags, want[i].flags);
    }
  }

  qt_workload dw = mnv2_dw(56, 144, 1), conv = dw;
  conv.desc.p.op = QT_OP_CONV2D;
  CHECK(tpl->applies(&dw));
  CHECK(!tpl->applies(&conv));
  qt_target none;
  memset(&none, 0, sizeof none);
  CHECK(tpl->preference(&dw, &none) > 0);
}

/* The default is valid on every MobileNetV2 depthwise layer and every depthwise edge shape,
 * for all five targets, and is what the space framework picks. */
static void test_default_valid(void) {
  qt_target targets[] = {make_target("host", "x86_64", 16, 256),
                         make_target("host-avx512", "x86_64", 32, 512),
                         make_target("cortex-a76", "aarch64", 32, 128),
                         make_target("hexagon-hvx", "hexagon", 32, 1024),
                         make_target("cortex-m4", "armv7em", 12, 32)};
  for (int t = 0; t < 5; t++) {
    for (int i = 0; i < N_MNV2 + QT_EDGE_SHAPE_COUNT; i++) {
      qt_workload w;
      const char *name;
      if (i < N_MNV2) {
        w = mnv2_dw(mnv2[i].h, mnv2[i].c, mnv2[i].s);
        name = mnv2[i].name;
      } else {
        const struct qt_edge_shape *e = &qt_edge_shapes[i - N_MNV2];
        if (e->d.p.op != QT_OP_DEPTHWISE) continue;
        memset(&w, 0, sizeof w);
        w.desc = e->d;
        w.dtype = QT_DTYPE_U8;
        w.requant = QT_REQUANT_FP32;
        name = e->name;
      }
      CHECK_EQ_INT(qt_conv_desc_check(&w.desc), QT_KERNEL_OK);
      int v[QT_MAX_KNOBS] = {0};
      tpl->default_config(&w, &targets[t], v);
      char why[160];
      CHECK_MSG(valid(&w, &targets[t], v, why), "%s on %s: default invalid: %s", name,
                targets[t].name, why);
      qt_space s;
      qt_err err;
      CHECK_EQ_INT(qt_space_init(&s, &w, &targets[t], &err), 0);
      qt_config c;
      CHECK_EQ_INT(qt_space_default(&s, &c), 0);
      CHECK(c.tpl == tpl);
    }
  }
}

/* The documented heuristic, on block2_dw. Plain C (a target without any micro-kernel's ISA):
 * one vector of int8 channels, 2x2 shrunk by register pressure on 16 registers, inputs first,
 * strips, row requant. With the ISA: avx512 cb=32 4x2 ku=3 inputs first rq=tile from 28x28
 * outputs (cb=64 1x2 ku=2 weights first below), avx2 cb=32 1x2 ku=2 weights first, neondot
 * (s8, dotprod) cb=32 1x2 ku=2 weights first, neon (a53) cb=16 2x2 weights first, hvx (s8) cb=32 2x2 weights first, dsp cb=4 1x1 ku=3 inputs first
 * prepad; depth multiplier 2 keeps plain C, and so does u8 on hvx. */
static void test_default_heuristic(void) {
  qt_workload w = mnv2_dw(56, 144, 1);
  qt_target plain = make_target("plain-x86", "x86_64", 16, 256);
  qt_target plain_arm = make_target("plain-arm", "aarch64", 32, 128);
  plain_arm.isa = 0;
  qt_target host = make_target("host", "x86_64", 16, 256);
  qt_target wide = make_target("host-avx512", "x86_64", 32, 512);
  qt_target wide_novnni = wide; /* AVX-512 F+BW without VNNI: the avx512 (k2) defaults */
  wide_novnni.isa &= ~(uint32_t)QT_ISA_AVX512VNNI;
  qt_target a76 = make_target("cortex-a76", "aarch64", 32, 128);
  qt_target a53 = make_target("cortex-a53", "aarch64", 32, 128);
  qt_target hvx = make_target("hexagon-hvx", "hexagon", 32, 1024);
  qt_target m4 = make_target("cortex-m4", "armv7em", 12, 32);
  const struct {
    const qt_target *t;
    const char *want;
  } cases[] = {
      {&plain, "dwconv:cb=32,th=2,tw=1,order=hwc,ku=1,load=inputs,pad=strips,rq=row,isa=c"},
      {&plain_arm, "dwconv:cb=16,th=2,tw=2,order=hwc,ku=1,load=inputs,pad=strips,rq=row,isa=c"},
      {&host, "dwconv:cb=32,th=1,tw=2,order=hwc,ku=2,load=weights,pad=strips,rq=tile,isa=avx2"},
      {&wide,
       "dwconv:cb=64,th=2,tw=2,order=hwc,ku=3,load=inputs,pad=strips,rq=tile,isa=avx512vnni"},
      {&wide_novnni,
       "dwconv:cb=32,th=4,tw=2,order=hwc,ku=3,load=inputs,pad=strips,rq=tile,isa=avx512"},
      {&a76, "dwconv:cb=32,th=1,tw=2,order=hwc,ku=2,load=weights,pad=strips,rq=row,isa=neondot"},
      {&a53, "dwconv:cb=16,th=2,tw=2,order=hwc,ku=1,load=weights,pad=strips,rq=row,isa=neon"},
      {&hvx, "dwconv:cb=32,th=2,tw=2,order=hwc,ku=1,load=weights,pad=strips,rq=row,isa=hvx"},
      {&m4, "dwconv:cb=4,th=1,tw=1,order=hwc,ku=3,load=inputs,pad=prepad,rq=row,isa=dsp"},
  };
  for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
    qt_space s;
    qt_err err;
    qt_config c;
    char str[QT_KNOBS_MAX];
    CHECK_EQ_INT(qt_space_init(&s, &w, cases[i].t, &err), 0);
    CHECK_EQ_INT(qt_space_default(&s, &c), 0);
    CHECK_EQ_INT(qt_config_format(&c, str, sizeof str), 0);
    CHECK_MSG(strcmp(str, cases[i].want) == 0, "%s: %s != %s", cases[i].t->name, str,
              cases[i].want);
  }
  /* avx2 requantizes per tile in fp32 */
  qt_workload fp = w;
  fp.requant = QT_REQUANT_FP32;
  {
    qt_space s;
    qt_err err;
    qt_config c;
    CHECK_EQ_INT(qt_space_init(&s, &fp, &host, &err), 0);
    CHECK_EQ_INT(qt_space_default(&s, &c), 0);
    CHECK_EQ_INT(c.vals[RQ], 0);
    CHECK_EQ_INT(c.vals[ISA], ISA_AVX2);
  }
  /* 7x7x960 keeps the 2x2 tile; a 1x1 output gets a 1x1 tile. */
  qt_workload tiny = mnv2_dw(1, 17, 1);
  int v[QT_MAX_KNOBS];
  tpl->default_config(&tiny, &plain_arm, v);
  CHECK_EQ_INT(v[TH], 1);
  CHECK_EQ_INT(v[TW], 1);
  CHECK_EQ_INT(v[CB], 16); /* one NEON vector of int8 channels, not above out_c = 17 */
  tpl->default_config(&tiny, &plain, v);
  CHECK_EQ_INT(v[CB], 16); /* 32 halved: the block must not exceed out_c */
  tpl->default_config(&tiny, &host, v);
  CHECK_EQ_INT(v[ISA], ISA_AVX2);
  CHECK_EQ_INT(v[CB], 16); /* avx2's 32 halved to its chunk: out_c = 17 */
  CHECK_EQ_INT(v[TH] * v[TW], 1);
  CHECK_EQ_INT(v[KU], 2); /* a 1x1 output of a padded 3x3 still reads 9 taps: 5 pairs */
  qt_workload k1 = tiny; /* a 1x1 kernel has one tap: no pair to unroll, ku falls to 1 */
  k1.desc.p.kernel_h = k1.desc.p.kernel_w = 1;
  k1.desc.p.pad_top = k1.desc.p.pad_left = k1.desc.p.pad_bottom = k1.desc.p.pad_right = 0;
  CHECK_EQ_INT(qt_conv_desc_check(&k1.desc), QT_KERNEL_OK);
  tpl->default_config(&k1, &host, v);
  CHECK_EQ_INT(v[ISA], ISA_AVX2);
  CHECK_EQ_INT(v[KU], 1);
  tpl->default_config(&tiny, &wide, v);
  CHECK_EQ_INT(v[ISA], ISA_AVX512);
  CHECK_EQ_INT(v[CB], 32);
  /* AVX-512 without VNNI below 28x28 outputs: the 1x2 form, cb=64. */
  qt_workload b7 = mnv2_dw(14, 384, 1);
  tpl->default_config(&b7, &wide_novnni, v);
  CHECK_EQ_INT(v[ISA], ISA_AVX512);
  CHECK_EQ_INT(v[CB], 64);
  CHECK_EQ_INT(v[TH], 1);
  CHECK_EQ_INT(v[TW], 2);
  CHECK_EQ_INT(v[KU], 2);
  CHECK_EQ_INT(v[LOAD], 0);
  CHECK_EQ_INT(v[RQ], 1);
  /* With VNNI: s8 layers whose 64-channel chunks waste at most a quarter of their lanes
   * take the k4 kernel; 32 channels (half wasted) and u8 stay on avx512. */
  tpl->default_config(&b7, &wide, v);
  CHECK_EQ_INT(v[ISA], 7);
  CHECK_EQ_INT(v[CB], 64);
  qt_workload c32 = mnv2_dw(112, 32, 1), c96 = mnv2_dw(112, 96, 2), u8b7 = b7;
  u8b7.dtype = QT_DTYPE_U8;
  tpl->default_config(&c32, &wide, v);
  CHECK_EQ_INT(v[ISA], ISA_AVX512);
  tpl->default_config(&c96, &wide, v);
  CHECK_EQ_INT(v[ISA], 7);
  tpl->default_config(&u8b7, &wide, v);
  CHECK_EQ_INT(v[ISA], ISA_AVX512);
  /* Depth multiplier 2: no micro-kernel, plain C. */
  qt_workload dm2 = mnv2_dw(8, 16, 1);
  dm2.desc.p.depth_multiplier = 2;
  dm2.desc.in.c = 8;
  tpl->default_config(&dm2, &wide, v);
  CHECK_EQ_INT(v[ISA], ISA_C);
  tpl->default_config(&dm2, &a76, v);
  CHECK_EQ_INT(v[ISA], ISA_C);
  tpl->default_config(&dm2, &hvx, v);
  CHECK_EQ_INT(v[ISA], ISA_C);
  /* hvx: s8 only (u8 keeps plain C); 17 channels still take one whole 32-lane vector. */
  tpl->default_config(&tiny, &hvx, v);
  CHECK_EQ_INT(v[ISA], ISA_HVX);
  CHECK_EQ_INT(v[CB], 32);
  CHECK_EQ_INT(v[TH] * v[TW], 1);
  qt_workload u8w = w;
  u8w.dtype = QT_DTYPE_U8;
  tpl->default_config(&u8w, &hvx, v);
  CHECK_EQ_INT(v[ISA], ISA_C);
}

/* Each constraint rejects with a reason naming it, and admits the neighbouring config. */
static void test_constraints(void) {
  qt_target host = make_target("host", "x86_64", 16, 256);
  qt_target wide = make_target("host-avx512", "x86_64", 32, 512);
  qt_target a76 = make_target("cortex-a76", "aarch64", 32, 128);
  qt_workload w = mnv2_dw(56, 144, 1);
  char why[160];

  /* Register pressure: 32 channels x 2x2 x ku=3 needs 16 + 12 + 4 = 32 ymm of int32 lanes. */
  int hungry[NK] = {32, 2, 2, 0, 3, 1, 2, 1};
  CHECK(!valid(&w, &host, hungry, why));
  CHECK_MSG(strstr(why, "registers") != NULL, "why = %s", why);
  CHECK(valid(&w, &wide, hungry, why)); /* 8 + 6 + 2 zmm */
  int fits[NK] = {32, 2, 1, 0, 1, 1, 2, 1}; /* 8 + 4 + 4 = 16 */
  CHECK(valid(&w, &host, fits, why));
  int over[NK] = {32, 2, 2, 0, 1, 1, 2, 1}; /* 16 + 4 + 4 = 24 */
  CHECK(!valid(&w, &host, over, why));
  /* Boundaries on 16 ymm, one term at a time: the unrolled taps' weights count ku times. */
  CHECK(valid(&w, &host, (int[NK]){16, 2, 2, 0, 3, 0, 2, 0}, why));  /* 8 + 6 + 2 = 16 */
  CHECK(!valid(&w, &host, (int[NK]){32, 1, 1, 0, 3, 0, 2, 0}, why)); /* 4 + 12 + 4 = 20 */
  CHECK(valid(&w, &host, (int[NK]){32, 1, 1, 0, 2, 0, 2, 0}, why));  /* 4 + 8 + 4 = 16 */
  CHECK(!valid(&w, &host, (int[NK]){16, 4, 2, 0, 1, 0, 2, 0}, why)); /* 16 + 2 + 2 = 20 */
  CHECK(valid(&w, &host, (int[NK]){16, 2, 2, 1, 1, 1, 0, 2}, why));  /* 8 + 2 + 2 = 12 */
  /* On 128-bit NEON, 64 channels take 16 registers per output pixel: never fits. */
  int neon64[NK] = {64, 1, 1, 0, 1, 0, 2, 0};
  CHECK(!valid(&w, &a76, neon64, why));
  CHECK(valid(&w, &wide, neon64, why));

  /* Vector minimum: 8-channel blocks vectorise on aarch64 only. */
  int cb8[NK] = {8, 2, 2, 1, 1, 0, 2, 0};
  CHECK(!valid(&w, &host, cb8, why));
  CHECK_MSG(strstr(why, "cb=8") != NULL, "why = %s", why);
  CHECK(valid(&w, &a76, cb8, why));
  int cb4[NK] = {4, 2, 2, 0, 1, 0, 2, 0};
  CHECK(!valid(&w, &a76, cb4, why));
  qt_workload few = mnv2_dw(8, 3, 1); /* 3 channels: no vector block fits anyway */
  CHECK(valid(&few, &a76, cb4, why));
  CHECK(valid(&few, &host, cb4, why));

  /* Oversized channel blocks. */
  qt_workload c32 = mnv2_dw(112, 32, 1);
  int cb64[NK] = {64, 1, 1, 0, 1, 0, 2, 0};
  CHECK(!valid(&c32, &wide, cb64, why));
  CHECK_MSG(strstr(why, "out_c") != NULL, "why = %s", why);
  int cb32[NK] = {32, 1, 1, 0, 1, 0, 2, 0};
  CHECK(valid(&c32, &wide, cb32, why));
  CHECK(valid(&few, &host, (int[NK]){16, 1, 1, 0, 1, 0, 2, 0}, why)); /* smallest vector block */
  CHECK(!valid(&few, &host, (int[NK]){32, 1, 1, 0, 1, 0, 2, 0}, why));

  /* Tiles larger than the output. */
  qt_workload small = mnv2_dw(3, 16, 1); /* 3x3 output */
  CHECK(!valid(&small, &a76, (int[NK]){16, 4, 1, 0, 1, 0, 2, 0}, why));
  CHECK_MSG(strstr(why, "th=4") != NULL, "why = %s", why);
  CHECK(!valid(&small, &a76, (int[NK]){16, 1, 4, 0, 1, 0, 2, 0}, why));
  CHECK(valid(&small, &a76, (int[NK]){16, 2, 2, 0, 1, 0, 2, 0}, why));

  /* Loop order only matters with two or more channel blocks. */
  CHECK(!valid(&c32, &wide, (int[NK]){32, 1, 1, 1, 1, 0, 2, 0}, why));
  CHECK_MSG(strstr(why, "order=chw") != NULL, "why = %s", why);
  CHECK(valid(&c32, &wide, (int[NK]){16, 1, 1, 1, 1, 0, 2, 0}, why));

  /* Unroll beyond kw, and padding placement without padding. */
  qt_workload k7x1 = w;
  k7x1.desc.p.kernel_h = 7;
  k7x1.desc.p.kernel_w = 1;
  k7x1.desc.p.pad_top = k7x1.desc.p.pad_bottom = 3;
  k7x1.desc.p.pad_left = k7x1.desc.p.pad_right = 0;
  CHECK_EQ_INT(qt_conv_desc_check(&k7x1.desc), QT_KERNEL_OK);
  CHECK(!valid(&k7x1, &a76, (int[NK]){16, 1, 1, 0, 2, 0, 2, 0}, why));
  CHECK_MSG(strstr(why, "ku=2") != NULL, "why = %s", why);
  CHECK(valid(&k7x1, &a76, (int[NK]){16, 1, 1, 0, 1, 0, 2, 0}, why));
  qt_workload nopad = w;
  nopad.desc.p.pad_top = nopad.desc.p.pad_left = nopad.desc.p.pad_bottom =
      nopad.desc.p.pad_right = 0;
  nopad.desc.out.h = nopad.desc.out.w = 54;
  CHECK_EQ_INT(qt_conv_desc_check(&nopad.desc), QT_KERNEL_OK);
  for (int pad = 0; pad <= 2; pad++) {
    int v[NK] = {16, 2, 2, 0, 1, 0, pad, 0};
    CHECK_EQ_INT(valid(&nopad, &a76, v, why), pad == 2);
    CHECK_EQ_INT(valid(&w, &a76, v, why), 1);
  }
  /* Not depthwise: nothing is valid. */
  qt_workload conv = w;
  conv.desc.p.op = QT_OP_CONV2D;
  CHECK(!valid(&conv, &a76, fits, why));
}

/* The isa knob: the target's features, depth multiplier 1, cb a multiple of the micro-kernel's
 * vector of int16 channels, and its own register count, each with a reason and a valid
 * neighbour. */
static void test_isa_constraints(void) {
  qt_target host = make_target("host", "x86_64", 16, 256);
  qt_target wide = make_target("host-avx512", "x86_64", 32, 512);
  qt_target a76 = make_target("cortex-a76", "aarch64", 32, 128);
  qt_target hvx = make_target("hexagon-hvx", "hexagon", 32, 1024);
  qt_workload w = mnv2_dw(56, 144, 1);
  char why[160];

  /* Features. */
  CHECK(valid(&w, &host, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why));
  CHECK(!valid(&w, &host, (int[NK]){32, 2, 2, 0, 1, 1, 2, 1, ISA_AVX512}, why));
  CHECK_MSG(strstr(why, "lacks avx512") != NULL, "why = %s", why);
  CHECK(valid(&w, &wide, (int[NK]){32, 2, 2, 0, 1, 1, 2, 1, ISA_AVX512}, why));
  CHECK(!valid(&w, &a76, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why));
  CHECK_MSG(strstr(why, "lacks avx2") != NULL, "why = %s", why);
  CHECK(!valid(&w, &wide, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_NEON}, why));
  CHECK_MSG(strstr(why, "lacks neon") != NULL, "why = %s", why);
  CHECK(valid(&w, &a76, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_NEON}, why));

  /* Vector multiple: 16 int16 channels per ymm, 32 per zmm, 8 per NEON register. */
  CHECK(!valid(&w, &wide, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_AVX512}, why));
  CHECK_MSG(strstr(why, "multiple of 32") != NULL, "why = %s", why);
  CHECK(!valid(&w, &wide, (int[NK]){8, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why));
  CHECK_MSG(strstr(why, "multiple of 16") != NULL, "why = %s", why);
  CHECK(valid(&w, &wide, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why));
  CHECK(!valid(&w, &a76, (int[NK]){4, 1, 1, 0, 1, 1, 2, 1, ISA_NEON}, why));
  CHECK_MSG(strstr(why, "multiple of 8") != NULL, "why = %s", why);
  CHECK(valid(&w, &a76, (int[NK]){8, 1, 1, 0, 1, 1, 2, 1, ISA_NEON}, why));
  /* The C vector minimum does not apply: cb=8 is a whole NEON chunk, even on x86-sized
   * channel counts. */
  qt_workload few = mnv2_dw(8, 3, 1);
  CHECK(valid(&few, &wide, (int[NK]){32, 1, 1, 0, 1, 1, 2, 1, ISA_AVX512}, why));
  CHECK(valid(&few, &host, (int[NK]){16, 1, 1, 0, 1, 1, 2, 1, ISA_AVX2}, why));

  /* Depth multiplier: the micro-kernels load consecutive input channels. */
  qt_workload dm2 = mnv2_dw(8, 16, 1);
  dm2.desc.p.depth_multiplier = 2;
  dm2.desc.in.c = 8;
  CHECK_EQ_INT(qt_conv_desc_check(&dm2.desc), QT_KERNEL_OK);
  CHECK(!valid(&dm2, &host, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why));
  CHECK_MSG(strstr(why, "depth multiplier 2") != NULL, "why = %s", why);
  CHECK(valid(&dm2, &host, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_C}, why));

  /* Tap unroll: the micro-kernels' tap loop runs over all kh*kw taps (in pairs on x86). */
  qt_workload k7x1 = w;
  k7x1.desc.p.kernel_h = 7;
  k7x1.desc.p.kernel_w = 1;
  k7x1.desc.p.pad_top = k7x1.desc.p.pad_bottom = 3;
  k7x1.desc.p.pad_left = k7x1.desc.p.pad_right = 0;
  CHECK_EQ_INT(qt_conv_desc_check(&k7x1.desc), QT_KERNEL_OK);
  CHECK(!valid(&k7x1, &a76, (int[NK]){16, 1, 1, 0, 3, 0, 2, 1, ISA_C}, why)); /* kw = 1 */
  CHECK(valid(&k7x1, &a76, (int[NK]){16, 1, 1, 0, 3, 0, 2, 1, ISA_NEON}, why)); /* 7 taps */
  CHECK(valid(&k7x1, &host, (int[NK]){16, 1, 1, 0, 3, 0, 2, 1, ISA_AVX2}, why)); /* 4 pairs */
  qt_workload k1x1 = k7x1;
  k1x1.desc.p.kernel_h = 1;
  k1x1.desc.p.pad_top = k1x1.desc.p.pad_bottom = 0;
  CHECK_EQ_INT(qt_conv_desc_check(&k1x1.desc), QT_KERNEL_OK);
  CHECK(!valid(&k1x1, &host, (int[NK]){16, 1, 1, 0, 2, 0, 2, 1, ISA_AVX2}, why));
  CHECK_MSG(strstr(why, "ku=2 > 1 tap pairs") != NULL, "why = %s", why);
  CHECK(!valid(&k1x1, &a76, (int[NK]){16, 1, 1, 0, 2, 0, 2, 1, ISA_NEON}, why));
  CHECK_MSG(strstr(why, "ku=2 > 1 taps") != NULL, "why = %s", why);
  CHECK(valid(&k1x1, &a76, (int[NK]){16, 1, 1, 0, 1, 0, 2, 1, ISA_NEON}, why));

  /* Registers, in the micro-kernel's own count: acc TH*TW*CB/L + weights-first 2*KU (x86) or
   * KU (neon; inputs-first reloads 1) + temporaries 4 (x86) or 2 (neon). */
  CHECK(valid(&w, &host, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why));   /* 8+0+4 */
  CHECK(valid(&w, &host, (int[NK]){16, 2, 2, 0, 2, 0, 2, 1, ISA_AVX2}, why));   /* 8+4+4 */
  CHECK(!valid(&w, &host, (int[NK]){16, 2, 2, 0, 3, 0, 2, 1, ISA_AVX2}, why));  /* 8+6+4 */
  CHECK_MSG(strstr(why, "registers: 18 > 16") != NULL, "why = %s", why);
  CHECK(!valid(&w, &host, (int[NK]){32, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why)); /* 16+0+4 */
  CHECK(valid(&w, &wide, (int[NK]){32, 2, 2, 0, 1, 1, 2, 1, ISA_AVX2}, why));  /* 32 ymm */
  CHECK(valid(&w, &wide, (int[NK]){64, 2, 2, 0, 1, 1, 2, 1, ISA_AVX512}, why)); /* 16+0+4 */
  CHECK(valid(&w, &wide, (int[NK]){32, 2, 4, 0, 3, 0, 2, 1, ISA_AVX512}, why)); /* 16+6+4 */
  CHECK(!valid(&w, &wide, (int[NK]){32, 4, 4, 0, 1, 1, 2, 1, ISA_AVX512}, why)); /* 32+0+4 */
  CHECK_MSG(strstr(why, "registers: 36 > 32") != NULL, "why = %s", why);
  CHECK(valid(&w, &a76, (int[NK]){16, 2, 2, 0, 3, 0, 2, 1, ISA_NEON}, why));  /* 16+3+2 */
  CHECK(valid(&w, &a76, (int[NK]){8, 2, 4, 0, 1, 1, 2, 1, ISA_NEON}, why));   /* 16+1+2 */
  CHECK(valid(&w, &a76, (int[NK]){8, 2, 4, 0, 3, 0, 2, 1, ISA_NEON}, why));   /* 16+3+2 */
  CHECK(!valid(&w, &a76, (int[NK]){16, 2, 4, 0, 1, 1, 2, 1, ISA_NEON}, why)); /* 32+1+2 */
  CHECK_MSG(strstr(why, "registers: 35 > 32") != NULL, "why = %s", why);

  /* hvx: the target's 128-byte HVX, s8 only, cb a multiple of 32 (one vector of int32
   * lanes), ku over groups of 4 taps, registers acc TH*TW*CB/32 + weights-first KU + 2. */
  CHECK(valid(&w, &hvx, (int[NK]){32, 2, 2, 0, 1, 0, 2, 1, ISA_HVX}, why));
  CHECK(!valid(&w, &wide, (int[NK]){32, 2, 2, 0, 1, 0, 2, 1, ISA_HVX}, why));
  CHECK_MSG(strstr(why, "lacks hvx128") != NULL, "why = %s", why);
  CHECK(!valid(&w, &hvx, (int[NK]){32, 2, 2, 0, 1, 0, 2, 1, ISA_NEON}, why));
  qt_workload u8w = w;
  u8w.dtype = QT_DTYPE_U8;
  CHECK(!valid(&u8w, &hvx, (int[NK]){32, 2, 2, 0, 1, 0, 2, 1, ISA_HVX}, why));
  CHECK_MSG(strstr(why, "s8 only") != NULL, "why = %s", why);
  CHECK(valid(&u8w, &hvx, (int[NK]){32, 2, 2, 0, 1, 0, 2, 1, ISA_C}, why));
  CHECK(!valid(&w, &hvx, (int[NK]){16, 2, 2, 0, 1, 0, 2, 1, ISA_HVX}, why));
  CHECK_MSG(strstr(why, "multiple of 32") != NULL, "why = %s", why);
  CHECK(valid(&w, &hvx, (int[NK]){64, 2, 2, 0, 1, 0, 2, 1, ISA_HVX}, why));
  CHECK(valid(&w, &hvx, (int[NK]){32, 2, 2, 0, 3, 0, 2, 1, ISA_HVX}, why)); /* 9 taps: 3 groups */
  CHECK(!valid(&k7x1, &hvx, (int[NK]){32, 1, 1, 0, 3, 0, 2, 1, ISA_HVX}, why)); /* 7: 2 groups */
  CHECK_MSG(strstr(why, "ku=3 > 2 tap groups of 4") != NULL, "why = %s", why);
  CHECK(valid(&k7x1, &hvx, (int[NK]){32, 1, 1, 0, 2, 0, 2, 1, ISA_HVX}, why));
  CHECK(valid(&w, &hvx, (int[NK]){32, 4, 4, 0, 3, 0, 2, 1, ISA_HVX}, why));   /* 16+3+2 */
  CHECK(valid(&w, &hvx, (int[NK]){64, 2, 4, 0, 3, 0, 2, 1, ISA_HVX}, why));   /* 16+3+2 */
  CHECK(!valid(&w, &hvx, (int[NK]){32, 4, 8, 0, 1, 1, 2, 1, ISA_HVX}, why));  /* 32+0+2 */
  CHECK_MSG(strstr(why, "registers: 34 > 32") != NULL, "why = %s", why);

  /* neondot: dotprod (not on a53), s8 only, cb a multiple of 16 (one load of input bytes),
   * ku over groups of 4 taps, registers acc TH*TW*CB/4 + 4 weight vectors per KU group (4
   * reloaded inputs first) + 8 temporaries. */
  qt_target a53 = make_target("cortex-a53", "aarch64", 32, 128);
  CHECK(valid(&w, &a76, (int[NK]){16, 2, 2, 0, 1, 0, 2, 1, ISA_NEONDOT}, why)); /* 16+4+8 */
  CHECK(!valid(&w, &a53, (int[NK]){16, 2, 2, 0, 1, 0, 2, 1, ISA_NEONDOT}, why));
  CHECK_MSG(strstr(why, "lacks dotprod") != NULL, "why = %s", why);
  CHECK(!valid(&u8w, &a76, (int[NK]){16, 2, 2, 0, 1, 0, 2, 1, ISA_NEONDOT}, why));
  CHECK_MSG(strstr(why, "s8 only") != NULL, "why = %s", why);
  CHECK(!valid(&w, &a76, (int[NK]){8, 2, 2, 0, 1, 0, 2, 1, ISA_NEONDOT}, why));
  CHECK_MSG(strstr(why, "multiple of 16") != NULL, "why = %s", why);
  CHECK(!valid(&k7x1, &a76, (int[NK]){16, 1, 1, 0, 3, 0, 2, 1, ISA_NEONDOT}, why));
  CHECK_MSG(strstr(why, "ku=3 > 2 tap groups of 4") != NULL, "why = %s", why);
  CHECK(valid(&w, &a76, (int[NK]){16, 2, 2, 0, 1, 1, 2, 1, ISA_NEONDOT}, why)); /* 16+4+8 */
  CHECK(valid(&w, &a76, (int[NK]){32, 1, 2, 0, 3, 1, 2, 1, ISA_NEONDOT}, why)); /* 16+4+8 */
  CHECK(valid(&w, &a76, (int[NK]){16, 2, 2, 0, 2, 0, 2, 1, ISA_NEONDOT}, why));  /* 16+8+8 */
  CHECK(!valid(&w, &a76, (int[NK]){16, 2, 2, 0, 3, 0, 2, 1, ISA_NEONDOT}, why)); /* 16+12+8 */
  CHECK_MSG(strstr(why, "registers: 36 > 32") != NULL, "why = %s", why);
  CHECK(!valid(&w, &a76, (int[NK]){16, 2, 4, 0, 1, 1, 2, 1, ISA_NEONDOT}, why)); /* 32+4+8 */
  CHECK_MSG(strstr(why, "registers: 44 > 32") != NULL, "why = %s", why);

  /* dsp: the DSP extension only, cb a multiple of 4 channels (one input word), ku over kw
   * (it walks the taps row by row), and 12 general registers of one int32 each: acc
   * TH*TW*CB + weights-first 2*KU words (inputs-first reloads 2) + 2 widened pairs. */
  qt_target m4 = make_target("cortex-m4", "armv7em", 12, 32);
  CHECK(!valid(&w, &a76, (int[NK]){4, 1, 2, 0, 1, 0, 2, 1, ISA_DSP}, why));
  CHECK_MSG(strstr(why, "lacks the DSP extension") != NULL, "why = %s", why);
  CHECK(!valid(&w, &m4, (int[NK]){4, 1, 2, 0, 1, 0, 2, 1, ISA_NEON}, why));
  CHECK_MSG(strstr(why, "lacks neon") != NULL, "why = %s", why);
  CHECK(valid(&w, &m4, (int[NK]){4, 1, 2, 0, 1, 0, 2, 1, ISA_DSP}, why));   /* 8+2+2 */
  CHECK(valid(&w, &m4, (int[NK]){4, 1, 2, 0, 1, 1, 2, 1, ISA_DSP}, why));   /* 8+2+2 */
  CHECK(valid(&w, &m4, (int[NK]){4, 1, 1, 0, 3, 0, 2, 1, ISA_DSP}, why));   /* 4+6+2 */
  CHECK(!valid(&w, &m4, (int[NK]){4, 1, 2, 0, 2, 0, 2, 1, ISA_DSP}, why));  /* 8+4+2 */
  CHECK_MSG(strstr(why, "registers: 14 > 12") != NULL, "why = %s", why);
  CHECK(valid(&w, &m4, (int[NK]){8, 1, 1, 0, 2, 1, 2, 1, ISA_DSP}, why));   /* 8+2+2 */
  CHECK(!valid(&w, &m4, (int[NK]){8, 1, 1, 0, 2, 0, 2, 1, ISA_DSP}, why));  /* 8+4+2 */
  CHECK(!valid(&w, &m4, (int[NK]){4, 2, 2, 0, 1, 0, 2, 1, ISA_DSP}, why));  /* 16+2+2 */
  CHECK_MSG(strstr(why, "registers: 20 > 12") != NULL, "why = %s", why);
  CHECK(!valid(&k7x1, &m4, (int[NK]){4, 1, 1, 0, 3, 1, 2, 1, ISA_DSP}, why)); /* kw = 1 */
  CHECK_MSG(strstr(why, "ku=3 > kw=1") != NULL, "why = %s", why);
  CHECK(valid(&k7x1, &m4, (int[NK]){4, 1, 1, 0, 1, 1, 2, 1, ISA_DSP}, why));
  CHECK(!valid(&dm2, &m4, (int[NK]){4, 1, 1, 0, 1, 1, 2, 1, ISA_DSP}, why));
  CHECK_MSG(strstr(why, "depth multiplier 2") != NULL, "why = %s", why);
}

/* Space sizes for MobileNetV2's depthwise workloads: large enough to be worth tuning on every
 * target, and every knob value is valid on some workload of some target (no dead values). */
static void test_space_sizes(void) {
  qt_target targets[] = {make_target("host", "x86_64", 16, 256),
                         make_target("host-avx512", "x86_64", 32, 512),
                         make_target("cortex-a76", "aarch64", 32, 128),
                         make_target("hexagon-hvx", "hexagon", 32, 1024),
                         make_target("cortex-m4", "armv7em", 12, 32)};
  int seen[QT_MAX_KNOBS][QT_MAX_KNOB_VALUES] = {{0}};
  for (int t = 0; t < 5; t++) {
    long min_valid = -1;
    for (int i = 0; i < N_MNV2; i++) {
      qt_workload w = mnv2_dw(mnv2[i].h, mnv2[i].c, mnv2[i].s);
      long total, n = count_valid(&w, &targets[t], &total);
      printf("%-11s %-11s %3dx%-3d c%-4d s%d: %ld configs, %ld valid\n", targets[t].name,
             mnv2[i].name, mnv2[i].h, mnv2[i].h, mnv2[i].c, mnv2[i].s, total, n);
      CHECK_EQ_INT(total, 51840); /* 5 * 3 * 4 * 2 * 3 * 2 * 3 * 3 * 8 */
      if (min_valid < 0 || n < min_valid) min_valid = n;
      qt_space s;
      qt_err err;
      CHECK_EQ_INT(qt_space_init(&s, &w, &targets[t], &err), 0);
      CHECK((long)qt_space_count_valid(&s) >= n); /* the framework sees them all */
      /* Record which knob values are ever valid. */
      int idx[QT_MAX_KNOBS] = {0}, v[QT_MAX_KNOBS];
      for (;;) {
        for (int k = 0; k < tpl->n_knobs; k++) v[k] = tpl->knobs[k].values[idx[k]];
        char why[160];
        if (valid(&w, &targets[t], v, why))
          for (int k = 0; k < tpl->n_knobs; k++) seen[k][idx[k]] = 1;
        int k = tpl->n_knobs - 1;
        while (k >= 0 && ++idx[k] == tpl->knobs[k].n_values) idx[k--] = 0;
        if (k < 0) break;
      }
    }
    CHECK_MSG(min_valid >= 300, "%s: smallest MobileNetV2 dw space has %ld valid configs",
              targets[t].name, min_valid);
  }
  for (int k = 0; k < tpl->n_knobs; k++)
    for (int v = 0; v < tpl->knobs[k].n_values; v++)
      /* cb=4 is for channel counts below every vector block, which MobileNetV2 lacks. */
      if (!(k == CB && tpl->knobs[k].values[v] == 4))
        CHECK_MSG(seen[k][v], "%s=%d never valid on MobileNetV2", tpl->knobs[k].name,
                  tpl->knobs[k].values[v]);
}

int main(void) {
  test_registered();
  if (!tpl) return qt_test_finish();
  test_default_valid();
  test_default_heuristic();
  test_constraints();
  test_isa_constraints();
  test_space_sizes();
  return qt_test_finish();
}
