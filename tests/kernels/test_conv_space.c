/* test_conv_space.c — the knob spaces of the conv2d templates (schedules/gemm.c,
 * schedules/direct.c): the default config is valid for every MobileNetV2 conv layer on every
 * kind of target, the space picks direct for the stem and gemm elsewhere, the register model
 * rejects a hungry tile on 16 registers and accepts it on 32, the padding knobs are
 * constrained for 1x1 unpadded layers, and the pointwise spaces keep several hundred valid
 * configs (the sizes are printed for the record). Links libqtune (space.c's registry). */
#include <stdio.h>
#include <string.h>

#include "tests/qt_test.h"
#include "schedules/space.h"

extern const qt_template_def qt_template_gemm;
extern const qt_template_def qt_template_direct;

/* MobileNetV2 1.0-224's conv2d layers (configs/models/mobilenet_v2.yaml): the stem, then the
 * 34 pointwise layers. */
static const struct layer {
  const char *name;
  int h, w, ic, oc, k, s, pt, pl, pb, pr;
} mnv2[] = {
    {"conv0", 224, 224, 3, 32, 3, 2, 0, 0, 1, 1},
    {"block0_project", 112, 112, 32, 16, 1, 1, 0, 0, 0, 0},
    {"block1_expand", 112, 112, 16, 96, 1, 1, 0, 0, 0, 0},
    {"block1_project", 56, 56, 96, 24, 1, 1, 0, 0, 0, 0},
    {"block2_expand", 56, 56, 24, 144, 1, 1, 0, 0, 0, 0},
    {"block2_project", 56, 56, 144, 24, 1, 1, 0, 0, 0, 0},
    {"block3_expand", 56, 56, 24, 144, 1, 1, 0, 0, 0, 0},
    {"block3_project", 28, 28, 144, 32, 1, 1, 0, 0, 0, 0},
    {"block4_expand", 28, 28, 32, 192, 1, 1, 0, 0, 0, 0},
    {"block4_project", 28, 28, 192, 32, 1, 1, 0, 0, 0, 0},
    {"block5_expand", 28, 28, 32, 192, 1, 1, 0, 0, 0, 0},
    {"block5_project", 28, 28, 192, 32, 1, 1, 0, 0, 0, 0},
    {"block6_expand", 28, 28, 32, 192, 1, 1, 0, 0, 0, 0},
    {"block6_project", 14, 14, 192, 64, 1, 1, 0, 0, 0, 0},
    {"block7_expand", 14, 14, 64, 384, 1, 1, 0, 0, 0, 0},
    {"block7_project", 14, 14, 384, 64, 1, 1, 0, 0, 0, 0},
    {"block8_expand", 14, 14, 64, 384, 1, 1, 0, 0, 0, 0},
    {"block8_project", 14, 14, 384, 64, 1, 1, 0, 0, 0, 0},
    {"block9_expand", 14, 14, 64, 384, 1, 1, 0, 0, 0, 0},
    {"block9_project", 14, 14, 384, 64, 1, 1, 0, 0, 0, 0},
    {"block10_expand", 14, 14, 64, 384, 1, 1, 0, 0, 0, 0},
    {"block10_project", 14, 14, 384, 96, 1, 1, 0, 0, 0, 0},
    {"block11_expand", 14, 14, 96, 576, 1, 1, 0, 0, 0, 0},
    {"block11_project", 14, 14, 576, 96, 1, 1, 0, 0, 0, 0},
    {"block12_expand", 14, 14, 96, 576, 1, 1, 0, 0, 0, 0},
    {"block12_project", 14, 14, 576, 96, 1, 1, 0, 0, 0, 0},
    {"block13_expand", 14, 14, 96, 576, 1, 1, 0, 0, 0, 0},
    {"block13_project", 7, 7, 576, 160, 1, 1, 0, 0, 0, 0},
    {"block14_expand", 7, 7, 160, 960, 1, 1, 0, 0, 0, 0},
    {"block14_project", 7, 7, 960, 160, 1, 1, 0, 0, 0, 0},
    {"block15_expand", 7, 7, 160, 960, 1, 1, 0, 0, 0, 0},
    {"block15_project", 7, 7, 960, 160, 1, 1, 0, 0, 0, 0},
    {"block16_expand", 7, 7, 160, 960, 1, 1, 0, 0, 0, 0},
    {"block16_project", 7, 7, 960, 320, 1, 1, 0, 0, 0, 0},
    {"conv_head", 7, 7, 320, 1280, 1, 1, 0, 0, 0, 0},
};
enum { N_LAYERS = (int)(sizeof mnv2 / sizeof mnv2[0]) };

static qt_workload workload(const struct layer *l, int32_t dtype, int32_t requant) {
  qt_workload w;
  memset(&w, 0, sizeof w);
  w.desc.in = (qt_dims){1, l->h, l->w, l->ic};
  w.desc.p = (qt_conv_params){QT_OP_CONV2D, l->k, l->k, l->s, l->s, 1, 1,
                              l->pt, l->pl, l->pb, l->pr, 1};
  w.desc.out = (qt_dims){1, qt_conv_out_size(l->h, l->k, l->s, 1, l->pt, l->pb),
                         qt_conv_out_size(l->w, l->k, l->s, 1, l->pl, l->pr), l->oc};
  w.dtype = dtype;
  w.requant = requant;
  return w;
}

static qt_target target(const char *name, int regs, int bits) {
  qt_target t;
  memset(&t, 0, sizeof t);
  snprintf(t.name, sizeof t.name, "%s", name);
  t.vector_regs = regs;
  t.vector_bits = bits;
  return t;
}

/* Index of knob `name` in tpl, or -1. */
static int knob(const qt_template_def *tpl, const char *name) {
  for (int k = 0; k < tpl->n_knobs; k++)
    if (strcmp(tpl->knobs[k].name, name) == 0) return k;
  return -1;
}

/* Parses "name=value,..." (labels or numbers) over tpl's knobs into vals; 0 on success. A
 * knob the text leaves out takes its first listed value (as old tuning logs are read), so
 * the strings below name only the knobs they are about plus the ones they always did. */
static int config(const qt_template_def *tpl, const char *text, int *vals) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", text);
  for (int k = 0; k < tpl->n_knobs; k++) vals[k] = tpl->knobs[k].values[0];
  for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
    char *eq = strchr(item, '=');
    if (!eq) return -1;
    *eq = '\0';
    const int k = knob(tpl, item);
    if (k < 0) return -1;
    const qt_knob_def *kd = &tpl->knobs[k];
    int found = 0;
    for (int v = 0; v < kd->n_values && !found; v++) {
      char num[16];
      snprintf(num, sizeof num, "%d", kd->values[v]);
      if (strcmp(kd->labels[v] ? kd->labels[v] : num, eq + 1) == 0) {
        vals[k] = kd->values[v];
        found = 1;
      }
    }
    if (!found) return -1;
  }
  return 0;
}

static int valid(const qt_template_def *tpl, const qt_workload *w, const qt_target *t,
                 const char *text, char *why, size_t cap) {
  int vals[QT_MAX_KNOBS];
  if (config(tpl, text, vals)) {
    snprintf(why, cap, "bad config text");
    return -1;
  }
  why[0] = '\0';
  return tpl->valid(w, t, vals, why, cap);
}

/* The knob tables agree with what the templates read: every knob has a QT_KNOB_ define and
 * distinct values, labels on all values or on none. */
static void test_knob_tables(void) {
  const qt_template_def *tpls[] = {&qt_template_gemm, &qt_template_direct};
  for (int i = 0; i < 2; i++) {
    const qt_template_def *tpl = tpls[i];
    CHECK(tpl->n_knobs >= 7 && tpl->n_knobs <= QT_MAX_KNOBS);
    for (int k = 0; k < tpl->n_knobs; k++) {
      const qt_knob_def *kd = &tpl->knobs[k];
      CHECK_MSG(strncmp(kd->define, "QT_KNOB_", 8) == 0, "%s.%s", tpl->name, kd->name);
      CHECK_MSG(kd->n_values >= 2 && kd->n_values <= QT_MAX_KNOB_VALUES, "%s.%s", tpl->name,
                kd->name);
      int labelled = 0;
      for (int v = 0; v < kd->n_values; v++) {
        labelled += kd->labels[v] != NULL;
        for (int u = 0; u < v; u++)
          CHECK_MSG(kd->values[u] != kd->values[v], "%s.%s repeats %d", tpl->name, kd->name,
                    kd->values[v]);
      }
      CHECK_MSG(labelled == 0 || labelled == kd->n_values, "%s.%s", tpl->name, kd->name);
    }
  }
  CHECK_STR(qt_template_gemm.source, "templates/gemm.c");
  CHECK_STR(qt_template_direct.source, "templates/direct.c");
  CHECK(qt_template_find("gemm") == &qt_template_gemm);
  CHECK(qt_template_find("direct") == &qt_template_direct);
}

/* Both defaults are valid for every layer, dtype and requant scheme on every target kind;
 * the space's default is direct for the stem and gemm for every pointwise layer. */
static void test_defaults(void) {
  const qt_target targets[] = {target("avx512", 32, 512), target("avx2", 16, 256),
                               target("cortex-a76", 32, 128), target("sse", 16, 128)};
  for (int ti = 0; ti < 4; ti++)
    for (int li = 0; li < N_LAYERS; li++)
      for (int32_t dt = QT_DTYPE_S8; dt <= QT_DTYPE_U8; dt++)
        for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
          const qt_workload w = workload(&mnv2[li], dt, rq);
          const qt_target *t = &targets[ti];
          CHECK_MSG(qt_template_gemm.applies(&w) && qt_template_direct.applies(&w), "%s",
                    mnv2[li].name);
          int vals[QT_MAX_KNOBS];
          char why[256] = "";
          qt_template_gemm.default_config(&w, t, vals);
          CHECK_MSG(qt_template_gemm.valid(&w, t, vals, why, sizeof why), "gemm default for %s on %s: %s",
                    mnv2[li].name, t->name, why);
          qt_template_direct.default_config(&w, t, vals);
          CHECK_MSG(qt_template_direct.valid(&w, t, vals, why, sizeof why),
                    "direct default for %s on %s: %s", mnv2[li].name, t->name, why);
          qt_space s;
          qt_err err;
          CHECK_EQ_INT(qt_space_init(&s, &w, t, &err), 0);
          qt_config c;
          CHECK_EQ_INT(qt_space_default(&s, &c), 0);
          CHECK_STR(c.tpl ? c.tpl->name : NULL, li == 0 ? "direct" : "gemm");
        }
  /* with the ISA features: on an AVX2-only x86 the stem too goes to gemm (its avx2 kernel on
   * widened rows beat direct's there), with AVX-512 direct keeps it */
  qt_target avx2 = target("avx2", 16, 256), avx512 = target("avx512", 32, 512);
  avx2.isa = QT_ISA_AVX2;
  avx512.isa = QT_ISA_AVX2 | QT_ISA_AVX512 | QT_ISA_AVX512VNNI;
  const qt_workload stem = workload(&mnv2[0], QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT);
  qt_space s;
  qt_err err;
  qt_config c;
  char buf[QT_KNOBS_MAX];
  CHECK_EQ_INT(qt_space_init(&s, &stem, &avx2, &err), 0);
  CHECK_EQ_INT(qt_space_default(&s, &c), 0);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "gemm:mr=2,nr=32,ku=1,load=weights,pipe=0,vec=outer,order=mn,pad=inline,rq=tile,isa=avx2,apack=pack");
  CHECK_EQ_INT(qt_space_init(&s, &stem, &avx512, &err), 0);
  CHECK_EQ_INT(qt_space_default(&s, &c), 0);
  CHECK_STR(c.tpl ? c.tpl->name : NULL, "direct");
}

/* What the default heuristics pick where they were measured (the AVX-512 host). */
static void test_default_choices(void) {
  const qt_target host = target("host", 32, 512), a76 = target("cortex-a76", 32, 128);
  char buf[QT_KNOBS_MAX];
  qt_config c = {.tpl = &qt_template_direct};
  qt_workload stem = workload(&mnv2[0], QT_DTYPE_S8, QT_REQUANT_FP32);
  qt_template_direct.default_config(&stem, &host, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "direct:ocb=32,th=1,tw=8,order=hwc,ku=1,pad=strips,rq=tile,isa=c");
  qt_template_direct.default_config(&stem, &a76, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "direct:ocb=16,th=1,tw=4,order=hwc,ku=1,pad=strips,rq=tile,isa=c");

  c.tpl = &qt_template_gemm;
  /* short reduction (K = 24): outer product, widest block */
  qt_workload shallow = workload(&mnv2[4], QT_DTYPE_S8, QT_REQUANT_FP32);
  qt_template_gemm.default_config(&shallow, &host, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "gemm:mr=4,nr=32,ku=1,load=weights,pipe=0,vec=outer,order=mn,pad=inline,rq=tile,isa=c,apack=use");
  /* deep reduction (K = 960), fixed-point: dot product, per-row requantization */
  qt_workload deep = workload(&mnv2[29], QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT);
  qt_template_gemm.default_config(&deep, &host, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "gemm:mr=2,nr=8,ku=1,load=weights,pipe=0,vec=dot,order=mn,pad=inline,rq=row,isa=c,apack=use");
  qt_template_gemm.default_config(&deep, &a76, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "gemm:mr=2,nr=4,ku=1,load=weights,pipe=0,vec=dot,order=mn,pad=inline,rq=row,isa=c,apack=use");
  /* the head's weights (320 x 1280 int16 = 800 KiB) no longer fit the mn heuristic */
  qt_workload head = workload(&mnv2[34], QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT);
  int vals[QT_MAX_KNOBS];
  qt_template_gemm.default_config(&head, &host, vals);
  CHECK_EQ_INT(vals[knob(&qt_template_gemm, "order")], 1);
  CHECK_EQ_INT(vals[knob(&qt_template_gemm, "rq")], 0);

  CHECK(qt_template_direct.preference(&stem, &host) > qt_template_gemm.preference(&stem, &host));
  CHECK(qt_template_direct.preference(&deep, &host) < qt_template_gemm.preference(&deep, &host));
}

/* The isa knob: a micro-kernel only where the target has the feature, s8 only for VNNI,
 * vec=outer, NR a multiple of the ISA's lanes; why says which; the default takes VNNI for s8
 * where it is offered; the compile flags come from the knob value. */
static void test_isa_knob(void) {
  qt_target plain = target("avx512", 32, 512), vnni = plain, avx2 = target("avx2", 16, 256);
  vnni.isa = QT_ISA_AVX2 | QT_ISA_AVX512 | QT_ISA_AVX512VNNI;
  avx2.isa = QT_ISA_AVX2;
  const qt_workload w = workload(&mnv2[14], QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT); /* 64 -> 384 */
  const qt_workload u8 = workload(&mnv2[14], QT_DTYPE_U8, QT_REQUANT_FIXEDPOINT);
  char why[256];
  const char *v8x32 = "mr=8,nr=32,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx512vnni";
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &plain, v8x32, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "lacks") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni, v8x32, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &u8, &vnni, v8x32, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "s8 only") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni,
                     "mr=8,nr=8,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx512vnni", why,
                     sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni,
                     "mr=8,nr=32,ku=1,vec=dot,order=mn,pad=inline,rq=tile,isa=avx512vnni", why,
                     sizeof why), 0);
  const char *a4x16 = "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx2";
  CHECK_EQ_INT(valid(&qt_template_gemm, &u8, &avx2, a4x16, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &plain, a4x16, why, sizeof why), 0);
  /* 8x32 avx2: 8 * 4 accumulators + 4 weights + 1 broadcast = 37 ymm */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2,
                     "mr=8,nr=32,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx2", why,
                     sizeof why), 0);
  CHECK_MSG(strstr(why, "37 vector registers") != NULL, "%s", why);
  /* avx512vnni up to 14 rows: 14x32 is 28 accumulators + 2 weights + 1 broadcast = 31 zmm;
   * with the inputs loaded first 14 broadcasts are live (43); 8x64 needs 37; the other
   * micro-kernels stop at 8 rows */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni,
                     "mr=14,nr=32,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx512vnni", why,
                     sizeof why),
               1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni,
                     "mr=14,nr=32,ku=1,load=inputs,vec=outer,order=mn,pad=inline,rq=tile,"
                     "isa=avx512vnni",
                     why, sizeof why),
               0);
  CHECK_MSG(strstr(why, "43 vector registers") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni,
                     "mr=6,nr=64,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx512vnni", why,
                     sizeof why),
               1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni,
                     "mr=8,nr=64,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx512vnni", why,
                     sizeof why),
               0);
  CHECK_MSG(strstr(why, "37 vector registers") != NULL, "%s", why);
  CHECK_EQ_INT(
      valid(&qt_template_gemm, &u8, &avx2,
            "mr=12,nr=8,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=avx2", why, sizeof why),
      0);
  CHECK_MSG(strstr(why, "mr <= 8") != NULL, "%s", why);
  qt_config c = {.tpl = &qt_template_gemm};
  char buf[QT_KNOBS_MAX];
  qt_template_gemm.default_config(&w, &vnni, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "gemm:mr=8,nr=32,ku=1,load=weights,pipe=0,vec=outer,order=mn,pad=inline,rq=tile,isa=avx512vnni,apack=use");
  /* 16 output channels: NR 16 only, 12 rows of it; 7x7 with 1280 channels: 6x64 */
  const qt_workload project16 = workload(&mnv2[1], QT_DTYPE_S8, QT_REQUANT_FP32);
  const qt_workload head = workload(&mnv2[34], QT_DTYPE_S8, QT_REQUANT_FP32);
  qt_template_gemm.default_config(&project16, &vnni, c.vals);
  CHECK_EQ_INT(c.vals[knob(&qt_template_gemm, "mr")], 12);
  CHECK_EQ_INT(c.vals[knob(&qt_template_gemm, "nr")], 16);
  qt_template_gemm.default_config(&head, &vnni, c.vals);
  CHECK_EQ_INT(c.vals[knob(&qt_template_gemm, "mr")], 6);
  CHECK_EQ_INT(c.vals[knob(&qt_template_gemm, "nr")], 64);
  qt_template_gemm.default_config(&w, &vnni, c.vals);
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "-mavx512f -mavx512bw -mavx512vnni");
  /* u8 has no VNNI kernel: plain C, auto-vectorised for AVX-512 */
  qt_template_gemm.default_config(&u8, &vnni, c.vals);
  CHECK_EQ_INT(c.vals[knob(&qt_template_gemm, "isa")], 0);
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "");
  /* an AVX2-only target: avx2, 2 rows of 32 columns, A widened once per row block, fixed
   * point requantized per tile; 6x16 where 32 would be mostly padding (16 out) */
  qt_template_gemm.default_config(&w, &avx2, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_MSG(strstr(buf, "mr=2,nr=32,") && strstr(buf, "rq=tile,isa=avx2,apack=pack"), "%s", buf);
  qt_workload narrow = w;
  narrow.desc.out.c = 16;
  qt_template_gemm.default_config(&narrow, &avx2, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_MSG(strstr(buf, "mr=6,nr=16,") && strstr(buf, "isa=avx2,apack=pack"), "%s", buf);
  /* 6x16 first where the int16 weights exceed 256 KiB (7x7x320->1280: 800 KiB), 2x32 just
   * below (7x7x576->160: 180 KiB) */
  qt_workload big = w;
  big.desc.in.h = big.desc.in.w = big.desc.out.h = big.desc.out.w = 7;
  big.desc.in.c = 320;
  big.desc.out.c = 1280;
  qt_template_gemm.default_config(&big, &avx2, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_MSG(strstr(buf, "mr=6,nr=16,") && strstr(buf, "order=mn,") &&
                strstr(buf, "rq=tile,isa=avx2,apack=pack"),
            "%s", buf);
  big.desc.in.c = 576;
  big.desc.out.c = 160;
  qt_template_gemm.default_config(&big, &avx2, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_MSG(strstr(buf, "mr=2,nr=32,"), "%s", buf);
  /* widened rows are the avx2 micro-kernel's form only */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2, "mr=2,nr=32,isa=avx2,apack=pack", why,
                     sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2, "mr=2,nr=32,isa=c,apack=pack", why,
                     sizeof why), 0);
  CHECK_MSG(strstr(why, "apack=pack: only the avx2 micro-kernel") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni, "mr=2,nr=32,isa=avx512vnni,apack=pack", why,
                     sizeof why), 0);
  CHECK_MSG(strstr(why, "isa=avx512vnni widens") != NULL, "%s", why);
  /* Arm: neon wherever NEON is; SDOT never for an Armv8.0 core (a53, a72: no dotprod bit),
   * on no layer and in no config; for the a76 only in s8, with the dotprod flag */
  qt_target a53 = target("cortex-a53", 32, 128), a76 = a53;
  a53.isa = QT_ISA_NEON;
  a76.isa = QT_ISA_NEON | QT_ISA_DOTPROD;
  const char *sdot = "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=neondot";
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &a53, sdot, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "lacks dotprod") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &a76, sdot, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &u8, &a76, sdot, why, sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_gemm, &u8, &a53,
                     "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=neon", why,
                     sizeof why), 1);
  const int k_isa = knob(&qt_template_gemm, "isa");
  int sdot_on_a53 = 0, sdot_on_a76 = 0;
  for (int li = 0; li < N_LAYERS; li++) {
    const qt_workload lw = workload(&mnv2[li], QT_DTYPE_S8, QT_REQUANT_FP32);
    int vals[QT_MAX_KNOBS] = {0};
    /* every config of the gemm space with isa=neondot: odometer over the other knobs */
    int idx[QT_MAX_KNOBS] = {0};
    for (;;) {
      for (int k = 0; k < qt_template_gemm.n_knobs; k++)
        vals[k] = qt_template_gemm.knobs[k].values[idx[k]];
      vals[k_isa] = 4; /* neondot */
      sdot_on_a53 += qt_template_gemm.valid(&lw, &a53, vals, why, sizeof why);
      sdot_on_a76 += qt_template_gemm.valid(&lw, &a76, vals, why, sizeof why);
      int k = 0;
      while (k < qt_template_gemm.n_knobs &&
             (k == k_isa || ++idx[k] == qt_template_gemm.knobs[k].n_values)) {
        if (k != k_isa) idx[k] = 0;
        k++;
      }
      if (k == qt_template_gemm.n_knobs) break;
    }
  }
  CHECK_EQ_INT(sdot_on_a53, 0);
  CHECK(sdot_on_a76 > 0);
  c.vals[k_isa] = 4;
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "-march=armv8.2-a+dotprod");
  /* Hexagon: hvx (vrmpy) only with hvx128, s8 only, NR a whole 32-lane vector, and a tile's
   * 32 vector registers counted (8x32 pipe=2: 8 accumulators + 3 sets of 1 weight vector and
   * 8 splats = 35); the default takes it for s8 with the tallest valid Mx32 tile and needs no
   * flags of its own (the target's cflags carry -mhvx) */
  qt_target hvx = target("hexagon-hvx", 32, 1024);
  hvx.isa = QT_ISA_HVX128;
  const char *h8x32 = "mr=8,nr=32,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=hvx";
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &hvx, h8x32, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &vnni, h8x32, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "lacks hvx128") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &u8, &hvx, h8x32, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "s8 only") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &hvx,
                     "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=hvx", why,
                     sizeof why), 0);
  CHECK_MSG(strstr(why, "not a multiple of 32") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &hvx,
                     "mr=8,nr=32,ku=1,pipe=2,vec=outer,order=mn,pad=inline,rq=tile,isa=hvx", why,
                     sizeof why), 0);
  CHECK_MSG(strstr(why, "35 vector registers") != NULL, "%s", why);
  qt_template_gemm.default_config(&w, &hvx, c.vals);
  CHECK_EQ_INT(qt_config_format(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "gemm:mr=8,nr=32,ku=1,load=weights,pipe=0,vec=outer,order=mn,pad=inline,rq=row,isa=hvx,apack=use");
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "");
  qt_template_gemm.default_config(&u8, &hvx, c.vals);
  CHECK_EQ_INT(c.vals[k_isa], 0);
}

/* The register model: a tile that needs more than 16 registers is rejected on 16 and
 * accepted on 32 registers of the same width. */
static void test_register_pressure(void) {
  const qt_target r16 = target("avx2", 16, 256), r32 = target("wide", 32, 256);
  const qt_target a76 = target("cortex-a76", 32, 128), z = target("avx512", 32, 512);
  const qt_workload w = workload(&mnv2[14], QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT); /* 64 -> 384 */
  char why[256];
  /* gemm outer 6x16 with 8 lanes: 6*2 accumulators + 2 weights + 6 broadcasts = 20 */
  const char *hungry = "mr=6,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=c";
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &r16, hungry, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "20 vector registers") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &r32, hungry, why, sizeof why), 1);
  const char *small = "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=c"; /* 14 */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &r16, small, why, sizeof why), 1);
  /* gemm dot 4x4: 16 partial sums on AVX-512, twice that on NEON (SMLAL/SMLAL2) */
  const char *dot = "mr=4,nr=4,ku=2,vec=dot,order=nm,pad=inline,rq=pass,isa=c";
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &z, dot, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &a76, dot, why, sizeof why), 0);
  /* direct 2x4 pixels x 16 channels with 8 lanes: 8*2 + 2 + 8 = 26 */
  const qt_workload stem = workload(&mnv2[0], QT_DTYPE_U8, QT_REQUANT_FP32);
  const char *tile = "ocb=16,th=2,tw=4,order=hcw,ku=1,pad=strips,rq=row";
  CHECK_EQ_INT(valid(&qt_template_direct, &stem, &r16, tile, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "26 vector registers") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_direct, &stem, &r32, tile, why, sizeof why), 1);
}

/* Padding knobs have nothing to do for a 1x1 unpadded layer (A, or the taps, are read in
 * place) and are constrained to inline there; a padded layer takes every value. */
static void test_padding_constraint(void) {
  const qt_target t = target("avx512", 32, 512);
  const qt_workload pw = workload(&mnv2[2], QT_DTYPE_S8, QT_REQUANT_FP32);
  const qt_workload stem = workload(&mnv2[0], QT_DTYPE_S8, QT_REQUANT_FP32);
  char why[256];
  const char *prepad = "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=prepad,rq=tile,isa=c";
  const char *inl = "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=c";
  CHECK_EQ_INT(valid(&qt_template_gemm, &pw, &t, prepad, why, sizeof why), 0);
  CHECK_MSG(strstr(why, "pad=prepad") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &pw, &t, inl, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &stem, &t, prepad, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &stem, &t, inl, why, sizeof why), 1);
  /* a strided 1x1 layer is still read in place; a padded 3x3 one gathers */
  const struct layer s2 = {"pw_s2", 14, 14, 64, 128, 1, 2, 0, 0, 0, 0};
  const qt_workload pw_s2 = workload(&s2, QT_DTYPE_S8, QT_REQUANT_FP32);
  CHECK_EQ_INT(valid(&qt_template_gemm, &pw_s2, &t, prepad, why, sizeof why), 0);
  const struct layer c3 = {"conv3x3", 14, 14, 16, 32, 3, 1, 1, 1, 1, 1};
  const qt_workload conv3 = workload(&c3, QT_DTYPE_S8, QT_REQUANT_FP32);
  CHECK_EQ_INT(valid(&qt_template_gemm, &conv3, &t, prepad, why, sizeof why), 1);
  const char *strips = "ocb=16,th=1,tw=4,order=hwc,ku=1,pad=strips,rq=tile";
  const char *dprepad = "ocb=16,th=1,tw=4,order=hwc,ku=1,pad=prepad,rq=tile";
  CHECK_EQ_INT(valid(&qt_template_direct, &pw, &t, strips, why, sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_direct, &pw, &t, dprepad, why, sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_direct, &stem, &t, strips, why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_direct, &stem, &t, dprepad, why, sizeof why), 1);
}

/* The other constraints, each with its reason. */
static void test_other_constraints(void) {
  const qt_target t = target("avx512", 32, 512);
  char why[256];
  /* rq=row needs order=mn */
  const qt_workload w = workload(&mnv2[14], QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &t, "mr=4,nr=16,ku=1,vec=outer,order=nm,pad=inline,rq=row,isa=c",
                     why, sizeof why), 0);
  CHECK_MSG(strstr(why, "rq=row") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &t, "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=row,isa=c",
                     why, sizeof why), 1);
  /* nr much wider than out_c = 16 */
  const qt_workload narrow = workload(&mnv2[1], QT_DTYPE_S8, QT_REQUANT_FP32);
  CHECK_EQ_INT(valid(&qt_template_gemm, &narrow, &t, "mr=4,nr=32,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=c",
                     why, sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_gemm, &narrow, &t, "mr=4,nr=16,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=c",
                     why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_direct, &narrow, &t, "ocb=32,th=1,tw=4,order=hwc,ku=1,pad=inline,rq=tile",
                     why, sizeof why), 0);
  /* vec=dot needs at least one vector of k: the stem's K = 27 < 32 on 512-bit registers */
  const qt_workload stem = workload(&mnv2[0], QT_DTYPE_S8, QT_REQUANT_FP32);
  CHECK_EQ_INT(valid(&qt_template_gemm, &stem, &t, "mr=2,nr=8,ku=1,vec=dot,order=mn,pad=inline,rq=tile,isa=c",
                     why, sizeof why), 0);
  CHECK_MSG(strstr(why, "vec=dot") != NULL, "%s", why);
  /* tiles larger than a tiny output, unrolls deeper than the channels */
  struct layer tiny = {"tiny", 1, 1, 3, 8, 1, 1, 0, 0, 0, 0};
  const qt_workload one = workload(&tiny, QT_DTYPE_S8, QT_REQUANT_FP32);
  CHECK_EQ_INT(valid(&qt_template_gemm, &one, &t, "mr=2,nr=8,ku=1,vec=outer,order=mn,pad=inline,rq=tile,isa=c",
                     why, sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_gemm, &one, &t, "mr=1,nr=8,ku=4,vec=outer,order=mn,pad=inline,rq=tile,isa=c",
                     why, sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_gemm, &one, &t, "mr=1,nr=8,ku=2,vec=outer,order=mn,pad=inline,rq=tile,isa=c",
                     why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_direct, &one, &t, "ocb=8,th=1,tw=2,order=hwc,ku=1,pad=inline,rq=tile",
                     why, sizeof why), 0);
  CHECK_EQ_INT(valid(&qt_template_direct, &one, &t, "ocb=8,th=1,tw=1,order=hwc,ku=1,pad=inline,rq=tile",
                     why, sizeof why), 1);
  /* neither template computes depthwise */
  qt_workload dw = w;
  dw.desc.p.op = QT_OP_DEPTHWISE;
  CHECK(!qt_template_gemm.applies(&dw));
  CHECK(!qt_template_direct.applies(&dw));
}

/* Valid configs per template for MobileNetV2's distinct conv layers on the host (AVX-512 and
 * AVX2 register files) and the A76; the pointwise gemm spaces stay in the hundreds. */
static void test_space_sizes(void) {
  const qt_target targets[] = {target("host-avx512", 32, 512), target("host-avx2", 16, 256),
                               target("cortex-a76", 32, 128)};
  const qt_template_def *tpls[] = {&qt_template_gemm, &qt_template_direct};
  printf("%-16s %-12s %-8s %8s %8s\n", "layer", "target", "template", "size", "valid");
  for (int li = 0; li < N_LAYERS; li++) {
    int seen = 0; /* print each distinct shape once */
    for (int lj = 0; lj < li; lj++)
      seen |= mnv2[lj].h == mnv2[li].h && mnv2[lj].ic == mnv2[li].ic && mnv2[lj].oc == mnv2[li].oc;
    if (seen) continue;
    const qt_workload w = workload(&mnv2[li], QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT);
    for (int ti = 0; ti < 3; ti++)
      for (int k = 0; k < 2; k++) {
        const qt_template_def *tpl = tpls[k];
        long long size = 1, count = 0;
        for (int i = 0; i < tpl->n_knobs; i++) size *= tpl->knobs[i].n_values;
        int vals[QT_MAX_KNOBS];
        for (long long idx = 0; idx < size; idx++) {
          long long rest = idx;
          for (int i = tpl->n_knobs - 1; i >= 0; i--) {
            vals[i] = tpl->knobs[i].values[rest % tpl->knobs[i].n_values];
            rest /= tpl->knobs[i].n_values;
          }
          char why[256];
          count += tpl->valid(&w, &targets[ti], vals, why, sizeof why);
        }
        printf("%-16s %-12s %-8s %8lld %8lld\n", mnv2[li].name, targets[ti].name, tpl->name, size,
               count);
        if (tpl == &qt_template_gemm && li > 0 && mnv2[li].oc >= 32)
          CHECK_MSG(count >= 200, "%s on %s: only %lld valid gemm configs", mnv2[li].name,
                    targets[ti].name, count);
        if (tpl == &qt_template_direct && li == 0)
          CHECK_MSG(count >= 200, "stem on %s: only %lld valid direct configs", targets[ti].name,
                    count);
        CHECK(count < size);
      }
  }
}

/* load and pipe: isa=c has no micro-kernel for them to schedule, so only their first values
 * (today's code) are valid there; under an ISA they change the registers a tile needs
 * (isa_registers' model), so valid() rejects the tiles that would spill; the default keeps
 * load=weights, pipe=0 (measured, schedules/gemm.c). */
static void test_interleave_knobs(void) {
  qt_target z = target("avx512", 32, 512), avx2 = target("avx2", 16, 256);
  qt_target a76 = target("cortex-a76", 32, 128);
  z.isa = QT_ISA_AVX2 | QT_ISA_AVX512 | QT_ISA_AVX512VNNI;
  avx2.isa = QT_ISA_AVX2;
  a76.isa = QT_ISA_NEON | QT_ISA_DOTPROD;
  const qt_workload w = workload(&mnv2[14], QT_DTYPE_S8, QT_REQUANT_FP32); /* 64 -> 384 */
  char why[256];
  /* isa=c: every non-first value is a redundant config */
  const char *c_cfgs[] = {"mr=4,nr=16,load=inputs,pipe=0,vec=outer,isa=c",
                          "mr=4,nr=16,load=weights,pipe=1,vec=outer,isa=c",
                          "mr=4,nr=16,load=weights,pipe=2,vec=outer,isa=c",
                          "mr=2,nr=8,load=inputs,pipe=2,vec=dot,isa=c"};
  for (int i = 0; i < 4; i++) {
    CHECK_EQ_INT(valid(&qt_template_gemm, &w, &z, c_cfgs[i], why, sizeof why), 0);
    CHECK_MSG(strstr(why, "isa=c") != NULL && strstr(why, "load=weights, pipe=0") != NULL,
              "%s: %s", c_cfgs[i], why);
  }
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &z, "mr=4,nr=16,vec=outer,isa=c", why, sizeof why), 1);
  /* every value is valid under each ISA for a small tile, but the load order of a one-row
   * tile (mr=1: one input row, nothing to order; the .text is identical, test_codegen) */
  const char *isa_cfgs[] = {"avx512vnni", "avx2"};
  const qt_target *isa_t[] = {&z, &avx2};
  for (int i = 0; i < 2; i++)
    for (int mr = 1; mr <= 2; mr++)
      for (int load = 0; load < 2; load++)
        for (int pipe = 0; pipe < 3; pipe++) {
          char text[160];
          snprintf(text, sizeof text, "mr=%d,nr=16,load=%s,pipe=%d,vec=outer,isa=%s", mr,
                   load ? "inputs" : "weights", pipe, isa_cfgs[i]);
          int want = !(mr == 1 && load);
          CHECK_MSG(valid(&qt_template_gemm, &w, isa_t[i], text, why, sizeof why) == want,
                    "%s: %s", text, why);
          if (!want) CHECK_MSG(strstr(why, "load=inputs with mr=1") != NULL, "%s", why);
        }
  /* avx512vnni 8x32: 16 accumulators + 2 weights + 1 broadcast = 19; inputs first 16 + 8 + 1
   * = 25; pipe=1: 16 + 2 * (2 + 8) = 36 > 32 */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &z, "mr=8,nr=32,load=inputs,vec=outer,isa=avx512vnni",
                     why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &z, "mr=8,nr=32,pipe=1,vec=outer,isa=avx512vnni",
                     why, sizeof why), 0);
  CHECK_MSG(strstr(why, "36 vector registers") != NULL, "%s", why);
  /* 4x32: pipe=1 16 + ... = 8 + 2 * 6 = 20 fits, pipe=2 8 + 3 * 6 = 26 fits */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &z, "mr=4,nr=32,pipe=2,vec=outer,isa=avx512vnni",
                     why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &z, "mr=6,nr=32,pipe=2,vec=outer,isa=avx512vnni",
                     why, sizeof why), 0);
  CHECK_MSG(strstr(why, "36 vector registers") != NULL, "%s", why); /* 12 + 3 * 8 */
  /* avx2 4x16 on 16 ymm: 8 + 2 + 1 = 11; inputs 8 + 4 + 1 = 13; pipe=1 8 + 2 * 6 = 20 */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2, "mr=4,nr=16,load=inputs,vec=outer,isa=avx2",
                     why, sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2, "mr=4,nr=16,pipe=1,vec=outer,isa=avx2",
                     why, sizeof why), 0);
  CHECK_MSG(strstr(why, "20 vector registers") != NULL, "%s", why);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2, "mr=2,nr=16,pipe=1,vec=outer,isa=avx2",
                     why, sizeof why), 1); /* 4 + 2 * 4 = 12 */
  /* inputs first costs registers when MR > NR/L: avx2 8x8 weights 8 + 1 + 1, inputs 8 + 8 + 1 */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2, "mr=8,nr=8,vec=outer,isa=avx2", why, sizeof why),
               1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &avx2, "mr=8,nr=8,load=inputs,vec=outer,isa=avx2",
                     why, sizeof why), 0);
  CHECK_MSG(strstr(why, "17 vector registers") != NULL, "%s", why);
  /* neon 4x16: 16 accumulators + 4 inputs + 2 weights = 22 (1 weight inputs first: 21);
   * pipe=2: 16 + 2 * 4 inputs + 3 * 2 weights = 30; 6x16 pipe=1: 24 + 12 + 4 = 40 */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &a76, "mr=4,nr=16,pipe=2,vec=outer,isa=neon", why,
                     sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &a76, "mr=6,nr=16,pipe=1,vec=outer,isa=neon", why,
                     sizeof why), 0);
  CHECK_MSG(strstr(why, "40 vector registers") != NULL, "%s", why);
  /* neondot 8x16: 32 accumulators already fill the file; 4x16 pipe=1: 16 + 2 * (4 + 4) = 32 */
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &a76, "mr=4,nr=16,pipe=1,vec=outer,isa=neondot", why,
                     sizeof why), 1);
  CHECK_EQ_INT(valid(&qt_template_gemm, &w, &a76, "mr=4,nr=16,pipe=2,vec=outer,isa=neondot", why,
                     sizeof why), 0);
  /* the default keeps today's schedule on every target */
  const int k_load = knob(&qt_template_gemm, "load"), k_pipe = knob(&qt_template_gemm, "pipe");
  const qt_target *all[] = {&z, &avx2, &a76};
  for (int ti = 0; ti < 3; ti++)
    for (int li = 1; li < N_LAYERS; li++) {
      const qt_workload lw = workload(&mnv2[li], QT_DTYPE_S8, QT_REQUANT_FP32);
      int vals[QT_MAX_KNOBS];
      qt_template_gemm.default_config(&lw, all[ti], vals);
      CHECK_EQ_INT(vals[k_load], 0);
      CHECK_EQ_INT(vals[k_pipe], 0);
    }
}

int main(void) {
  test_knob_tables();
  test_interleave_knobs();
  test_defaults();
  test_default_choices();
  test_register_pressure();
  test_isa_knob();
  test_padding_constraint();
  test_other_constraints();
  test_space_sizes();
  return qt_test_finish();
}
