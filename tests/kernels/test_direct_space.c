/* test_direct_space.c — the isa knob of the direct template's space (schedules/direct.c): a
 * micro-kernel only where the target has the feature, s8 only for avx512vnni/neondot, OCB a
 * multiple of the ISA's lanes, ku no deeper than the k-steps of a kernel row, the register
 * model per ISA, each rejection with its reason; c listed first (old logs without the knob
 * read as today's plain C); the default takes avx512vnni for s8 where it is offered and keeps
 * plain C elsewhere; the compile flags come from the knob value. Links libqtune. */
#include <stdio.h>
#include <string.h>

#include "tests/qt_test.h"
#include "schedules/space.h"

extern const qt_template_def qt_template_direct;

static qt_workload stem_workload(int32_t dtype) {
  qt_workload w;
  memset(&w, 0, sizeof w);
  w.desc.in = (qt_dims){1, 224, 224, 3};
  w.desc.p = (qt_conv_params){QT_OP_CONV2D, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1};
  w.desc.out = (qt_dims){1, 112, 112, 32};
  w.dtype = dtype;
  w.requant = QT_REQUANT_FP32;
  return w;
}

static qt_target target(const char *name, int regs, int bits, uint32_t isa) {
  qt_target t;
  memset(&t, 0, sizeof t);
  snprintf(t.name, sizeof t.name, "%s", name);
  t.vector_regs = regs;
  t.vector_bits = bits;
  t.isa = isa;
  return t;
}

static int knob(const char *name) {
  for (int k = 0; k < qt_template_direct.n_knobs; k++)
    if (strcmp(qt_template_direct.knobs[k].name, name) == 0) return k;
  return -1;
}

/* vals for "ocb,th,tw,ku,isa" with order hwc, pad strips, rq tile. */
static void config(int *vals, int ocb, int th, int tw, int ku, int isa) {
  memset(vals, 0, sizeof(int) * QT_MAX_KNOBS);
  vals[knob("ocb")] = ocb;
  vals[knob("th")] = th;
  vals[knob("tw")] = tw;
  vals[knob("order")] = 0;
  vals[knob("ku")] = ku;
  vals[knob("pad")] = 2;
  vals[knob("rq")] = 0;
  vals[knob("isa")] = isa;
}

/* valid() of one config; why must contain want_why when rejected (NULL: accepted). */
static void expect(const qt_workload *w, const qt_target *t, int ocb, int th, int tw, int ku,
                   int isa, const char *want_why) {
  int vals[QT_MAX_KNOBS];
  char why[256] = "";
  config(vals, ocb, th, tw, ku, isa);
  const int ok = qt_template_direct.valid(w, t, vals, why, sizeof why);
  CHECK_MSG(ok == (want_why == NULL), "ocb=%d %dx%d ku=%d isa=%d on %s: valid=%d (%s)", ocb, th, tw,
            ku, isa, t->name, ok, why);
  if (want_why && !ok)
    CHECK_MSG(strstr(why, want_why) != NULL, "why '%s' lacks '%s'", why, want_why);
}

enum { C = 0, AVX2 = 1, VNNI = 2, NEON = 3, SDOT = 4 };

static void test_knob_table(void) {
  const int k = knob("isa");
  CHECK(k == qt_template_direct.n_knobs - 1);
  const qt_knob_def *kd = &qt_template_direct.knobs[k];
  CHECK_EQ_INT(kd->family, QT_FAMILY_ISA);
  CHECK_EQ_INT(kd->n_values, 5);
  CHECK_STR(kd->labels[0], "c"); /* first: what a log written before the knob meant */
  CHECK_EQ_INT(kd->values[0], 0);
  CHECK_STR(kd->labels[2], "avx512vnni");
  CHECK_STR(kd->labels[4], "neondot");
}

static void test_valid(void) {
  const qt_workload s8 = stem_workload(QT_DTYPE_S8), u8 = stem_workload(QT_DTYPE_U8);
  const qt_target plain = target("avx512", 32, 512, QT_ISA_AVX2 | QT_ISA_AVX512);
  const qt_target vnni = target("vnni", 32, 512, QT_ISA_AVX2 | QT_ISA_AVX512 | QT_ISA_AVX512VNNI);
  const qt_target avx2 = target("avx2", 16, 256, QT_ISA_AVX2);
  const qt_target a53 = target("cortex-a53", 32, 128, QT_ISA_NEON);
  const qt_target a76 = target("cortex-a76", 32, 128, QT_ISA_NEON | QT_ISA_DOTPROD);
  expect(&s8, &vnni, 32, 1, 8, 1, VNNI, NULL);
  expect(&s8, &plain, 32, 1, 8, 1, VNNI, "lacks avx512 + avx512vnni");
  expect(&u8, &vnni, 32, 1, 8, 1, VNNI, "s8 only");
  expect(&s8, &vnni, 8, 1, 8, 1, VNNI, "not a multiple of 16");
  /* the stem's kernel row is 9 bytes: two whole k4-steps, so ku 2 runs, ku 4 would not */
  expect(&s8, &vnni, 32, 1, 8, 2, VNNI, NULL);
  expect(&s8, &vnni, 32, 1, 8, 4, VNNI, "k-steps");
  /* 2x8 pixels x 2 zmm + 2 weights + 1 broadcast = 35 > 32; 2x8 x 16 channels = 18 */
  expect(&s8, &vnni, 32, 2, 8, 1, VNNI, "35 vector registers");
  expect(&s8, &vnni, 16, 2, 8, 1, VNNI, NULL);
  /* avx2: both dtypes; 1x8 x 32 channels = 8 * 4 + 4 + 1 = 37 ymm > 16 */
  expect(&u8, &avx2, 16, 1, 4, 4, AVX2, NULL);
  expect(&s8, &avx2, 32, 1, 8, 1, AVX2, "37 vector registers");
  expect(&s8, &avx2, 4, 1, 4, 1, AVX2, "not a multiple of 8");
  expect(&s8, &a53, 16, 1, 4, 1, AVX2, "lacks avx2");
  /* Arm: SDOT never on an Armv8.0 core, s8 only; neon (k8-steps: one in a 9-byte row) */
  expect(&s8, &a53, 16, 1, 4, 1, SDOT, "lacks dotprod");
  expect(&s8, &a76, 16, 1, 4, 2, SDOT, NULL);
  expect(&u8, &a76, 16, 1, 4, 1, SDOT, "s8 only");
  expect(&u8, &a53, 16, 1, 4, 1, NEON, NULL);
  expect(&u8, &a53, 16, 1, 4, 2, NEON, "k-steps");
  /* neon: 1x4 x 32 channels = 4 * 8 + 4 + 4 = 40 > 32 */
  expect(&s8, &a76, 32, 1, 4, 1, NEON, "40 vector registers");
  expect(&s8, &vnni, 16, 1, 4, 1, NEON, "lacks neon");
  /* isa=c keeps its rules: ku against in_c */
  expect(&s8, &vnni, 16, 1, 4, 4, C, "ku=4 > in_c=3");
  expect(&s8, &vnni, 16, 1, 4, 2, C, NULL);
}

static void format_default(const qt_workload *w, const qt_target *t, char *buf, size_t cap) {
  qt_config c;
  memset(&c, 0, sizeof c);
  c.tpl = &qt_template_direct;
  qt_template_direct.default_config(w, t, c.vals);
  char why[256] = "";
  CHECK_MSG(qt_template_direct.valid(w, t, c.vals, why, sizeof why), "default on %s: %s",
            t->name, why);
  CHECK_EQ_INT(qt_config_format(&c, buf, cap), 0);
}

static void test_default(void) {
  const qt_workload s8 = stem_workload(QT_DTYPE_S8), u8 = stem_workload(QT_DTYPE_U8);
  const qt_target plain = target("avx512", 32, 512, QT_ISA_AVX2 | QT_ISA_AVX512);
  const qt_target vnni = target("vnni", 32, 512, QT_ISA_AVX2 | QT_ISA_AVX512 | QT_ISA_AVX512VNNI);
  const qt_target a76 = target("cortex-a76", 32, 128, QT_ISA_NEON | QT_ISA_DOTPROD);
  char buf[QT_KNOBS_MAX];
  format_default(&s8, &vnni, buf, sizeof buf);
  CHECK_STR(buf, "direct:ocb=32,th=2,tw=4,order=hwc,ku=1,pad=prepad,rq=tile,isa=avx512vnni");
  format_default(&u8, &vnni, buf, sizeof buf);
  CHECK_STR(buf, "direct:ocb=32,th=1,tw=8,order=hwc,ku=1,pad=strips,rq=tile,isa=c");
  format_default(&s8, &plain, buf, sizeof buf);
  CHECK_STR(buf, "direct:ocb=32,th=1,tw=8,order=hwc,ku=1,pad=strips,rq=tile,isa=c");
  format_default(&s8, &a76, buf, sizeof buf);
  CHECK_STR(buf, "direct:ocb=16,th=1,tw=4,order=hwc,ku=1,pad=strips,rq=tile,isa=c");
  /* AVX2 the widest: the avx2 kernel, 16 channels x 1x4 pixels, both dtypes */
  const qt_target avx2 = target("avx2", 16, 256, QT_ISA_SSE41 | QT_ISA_AVX2);
  format_default(&s8, &avx2, buf, sizeof buf);
  CHECK_STR(buf, "direct:ocb=16,th=1,tw=4,order=hwc,ku=1,pad=strips,rq=tile,isa=avx2");
  format_default(&u8, &avx2, buf, sizeof buf);
  CHECK_STR(buf, "direct:ocb=16,th=1,tw=4,order=hwc,ku=1,pad=strips,rq=tile,isa=avx2");
}

static void test_flags(void) {
  qt_config c;
  memset(&c, 0, sizeof c);
  c.tpl = &qt_template_direct;
  char buf[256];
  config(c.vals, 32, 1, 8, 1, VNNI);
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "-mavx512f -mavx512bw -mavx512vnni");
  c.vals[knob("isa")] = AVX2;
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "-mavx2 -mfma");
  c.vals[knob("isa")] = SDOT;
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "-march=armv8.2-a+dotprod");
  c.vals[knob("isa")] = NEON;
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "");
  c.vals[knob("isa")] = C;
  CHECK_EQ_INT(qt_config_flags(&c, buf, sizeof buf), 0);
  CHECK_STR(buf, "");
}

int main(void) {
  test_knob_table();
  test_valid();
  test_default();
  test_flags();
  return qt_test_finish();
}
