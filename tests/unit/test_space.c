/* test_space.c — the knob-space framework over the real templates: dense index round trips,
 * canonical strings round trip, enumeration yields only valid configs (and all of them),
 * defaults are valid, spaces of MobileNetV2's depthwise and pointwise workloads hold hundreds
 * of valid configs on host and cortex-a76, and the parser rejects what it must. */
#include <stdlib.h>
#include <string.h>

#include "../qt_test.h"
#include "schedules/space.h"
#include "tuner/base/config.h"
#include "tuner/search/search.h"

/* The per-index checks visit every QT_SPACE_STRIDE-th index: all of them in the plain tree; a
 * fixed sample in the sanitizer tree (-DQT_SPACE_STRIDE=7 there), which checks the same code
 * for memory errors and undefined behaviour and would otherwise spend minutes on it at -O0. */
#ifndef QT_SPACE_STRIDE
#define QT_SPACE_STRIDE 1
#endif
/* Of the indices visited, the string round trip (format, parse) takes one in
 * QT_SPACE_STRING_EVERY, which one rotating with salt from space to space, so that together
 * the spaces of a target cover every residue: formatting and parsing 20 million configs was
 * 80 % of this test's time (suite time), and the string code does not depend on the index. */
#define QT_SPACE_STRING_EVERY 5

static void check_space(const qt_space *s, const char *what, uint64_t salt) {
  uint64_t size = qt_space_size(s), n_valid = 0;
  qt_config c, back;
  char str[QT_KNOBS_MAX], why[256];
  int roundtrip_ok = 1, parse_ok = 1, invalid_rejected = 1;
  for (uint64_t i = 0; i < size; i += QT_SPACE_STRIDE) {
    if (qt_space_decode(s, i, &c) != 0 || qt_space_encode(s, &c) != i) roundtrip_ok = 0;
    int valid = qt_space_valid(s, &c, why, sizeof why);
    n_valid += valid;
    if (!valid && why[0] == '\0') invalid_rejected = 0; /* every refusal says why */
    if ((i / QT_SPACE_STRIDE + salt) % QT_SPACE_STRING_EVERY) continue;
    CHECK(qt_config_format(&c, str, sizeof str) == 0);
    qt_err err;
    int rc = qt_config_parse(s, str, &back, &err);
    if (valid) {
      if (rc != 0 || qt_space_encode(s, &back) != i) parse_ok = 0;
    } else {
      if (rc == 0) invalid_rejected = 0; /* the parser refuses an invalid config */
    }
  }
  CHECK_MSG(roundtrip_ok, "%s: decode/encode round trip", what);
  CHECK_MSG(parse_ok, "%s: format/parse round trip", what);
  CHECK_MSG(invalid_rejected, "%s: invalid configs have a reason and do not parse", what);
  const uint64_t counted = qt_space_count_valid(s);
  if (QT_SPACE_STRIDE == 1) CHECK_EQ_INT(counted, n_valid);

  /* Enumeration (what every strategy draws from) yields exactly the valid configs. */
  uint64_t *list, n;
  qt_err err;
  CHECK(qt_space_enumerate_valid(s, &list, &n, &err) == 0);
  CHECK_EQ_INT(n, counted);
  int all_valid = 1;
  for (uint64_t i = 0; i < n; i++) {
    CHECK(qt_space_decode(s, list[i], &c) == 0);
    if (!qt_space_valid(s, &c, NULL, 0)) all_valid = 0;
  }
  CHECK_MSG(all_valid, "%s: enumeration produced a constrained-out config", what);
  free(list);

  qt_config def;
  CHECK_MSG(qt_space_default(s, &def) == 0, "%s: default config valid", what);
  char defines[1024];
  CHECK(qt_config_defines(&def, defines, sizeof defines) == 0);
  CHECK(strstr(defines, "-DQT_KNOB_") == defines);
}

/* A valid config of s whose template's last knob is at its first value, as a record logged
 * before that knob existed names: the default with that knob reset if valid, else the first
 * such config by index. 0 if there is none. */
static int first_value_config(const qt_space *s, const qt_config *def, qt_config *out) {
  *out = *def;
  out->vals[def->tpl->n_knobs - 1] = def->tpl->knobs[def->tpl->n_knobs - 1].values[0];
  for (uint64_t i = 0; !qt_space_valid(s, out, NULL, 0); i++) {
    if (i == qt_space_size(s)) return 0;
    if (qt_space_decode(s, i, out)) continue;
    const int last = out->tpl->n_knobs - 1;
    if (out->vals[last] != out->tpl->knobs[last].values[0]) out->tpl = NULL; /* not wanted */
  }
  return 1;
}

int main(void) {
  qt_err err;
  const char *targets[] = {"host", "cortex-a76", "cortex-a53"};
  qt_model m;
  CHECK(qt_model_load(QT_SOURCE_DIR "/configs", "mobilenet_v2", &m, &err) == 0);
  for (int ti = 0; ti < 3; ti++) {
    qt_target t;
    CHECK(qt_target_load(QT_SOURCE_DIR "/configs", targets[ti], &t, &err) == 0);
    int dw_hundreds = 1, pw_hundreds = 1, seen_dw = 0, seen_pw = 0;
    for (int i = 0; i < m.n_tasks; i++) {
      qt_space s;
      CHECK(qt_space_init(&s, &m.tasks[i].w, &t, &err) == 0);
      char what[256];
      snprintf(what, sizeof what, "%s on %s", m.tasks[i].key, t.name);
      check_space(&s, what, (uint64_t)i);
      uint64_t valid = qt_space_count_valid(&s);
      const qt_conv_desc *d = &m.tasks[i].w.desc;
      if (d->p.op == QT_OP_DEPTHWISE) {
        seen_dw = 1;
        if (valid < 200) dw_hundreds = 0;
      } else if (d->p.kernel_h == 1 && d->p.kernel_w == 1) {
        seen_pw = 1;
        if (valid < 200) pw_hundreds = 0;
      }
    }
    CHECK(seen_dw && seen_pw);
    CHECK_MSG(dw_hundreds, "every MobileNetV2 depthwise space on %s has >= 200 valid configs", t.name);
    CHECK_MSG(pw_hundreds, "every MobileNetV2 pointwise space on %s has >= 200 valid configs", t.name);
  }
  /* The microcontroller targets on the tinyML models: every workload has a space whose
   * default is valid (a 32-bit SIMD target has 12 general registers: the gemm default must
   * fall back to a tile that fits them). */
  const char *mcus[] = {"cortex-m4", "cortex-m7"}, *tiny[] = {"vww_mobilenet_v1", "ds_cnn"};
  for (int ti = 0; ti < 2; ti++)
    for (int mi = 0; mi < 2; mi++) {
      qt_target t;
      qt_model tm;
      CHECK(qt_target_load(QT_SOURCE_DIR "/configs", mcus[ti], &t, &err) == 0);
      if (qt_model_load(QT_SOURCE_DIR "/configs", tiny[mi], &tm, &err) != 0) {
        CHECK_MSG(0, "%s: %s", tiny[mi], err.msg);
        continue;
      }
      for (int i = 0; i < tm.n_tasks; i++) {
        qt_space s;
        CHECK(qt_space_init(&s, &tm.tasks[i].w, &t, &err) == 0);
        char what[256];
        snprintf(what, sizeof what, "%s on %s", tm.tasks[i].key, t.name);
        check_space(&s, what, (uint64_t)i);
      }
      qt_model_free(&tm);
    }

  /* The stem's default template: direct, unless the target gives gemm a micro-kernel and
   * direct none (Cortex-M dsp, Hexagon hvx for s8), where gemm's kernel wins; with no
   * micro-kernel in either (hvx is s8 only) direct's preference decides again. */
  const struct { const char *target, *model; int32_t dtype; const char *want; } stems[] = {
      {"cortex-m4", "vww_mobilenet_v1", QT_DTYPE_S8, "gemm:...isa=dsp"},
      {"cortex-m7", "vww_mobilenet_v1", QT_DTYPE_U8, "gemm:...isa=dsp"},
      {"hexagon-hvx", "mobilenet_v2", QT_DTYPE_S8, "gemm:...isa=hvx"},
      {"hexagon-hvx", "mobilenet_v2", QT_DTYPE_U8, "direct:...isa=c"},
      {"cortex-a76", "mobilenet_v2", QT_DTYPE_S8, "direct:...isa=c"},
  };
  for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++) {
    qt_target t;
    qt_model sm;
    CHECK(qt_target_load(QT_SOURCE_DIR "/configs", stems[i].target, &t, &err) == 0);
    CHECK(qt_model_load(QT_SOURCE_DIR "/configs", stems[i].model, &sm, &err) == 0);
    qt_workload w = sm.tasks[0].w; /* the stem comes first in both models */
    CHECK_EQ_INT(w.desc.in.c, 3);
    w.dtype = stems[i].dtype;
    qt_space s;
    qt_config def;
    char str[QT_KNOBS_MAX];
    CHECK(qt_space_init(&s, &w, &t, &err) == 0);
    CHECK(qt_space_default(&s, &def) == 0);
    CHECK(qt_config_format(&def, str, sizeof str) == 0);
    const char *isa = strstr(str, ",isa="), *want_isa = strstr(stems[i].want, "isa=");
    CHECK_MSG(strncmp(str, stems[i].want, strcspn(stems[i].want, ":")) == 0 && isa &&
                  strncmp(isa + 1, want_isa, strcspn(isa + 1, ",")) == 0 &&
                  strlen(want_isa) == strcspn(isa + 1, ","),
              "stem default on %s (%s): %s, want %s", t.name, stems[i].dtype ? "u8" : "s8", str,
              stems[i].want);
    qt_model_free(&sm);
  }

  /* Parser rejections. */
  qt_target host;
  CHECK(qt_target_load(QT_SOURCE_DIR "/configs", "host", &host, &err) == 0);
  qt_space s;
  CHECK(qt_space_init(&s, &m.tasks[1].w, &host, &err) == 0); /* block0_dw: depthwise */
  qt_config c;
  CHECK(qt_config_parse(&s, "nonsense", &c, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "expected <template>") != NULL);
  CHECK(qt_config_parse(&s, "gemm:mr=4", &c, &err) == QT_EINVAL); /* gemm is for conv2d */
  CHECK(strstr(err.msg, "does not apply") != NULL);
  qt_config def;
  char str[QT_KNOBS_MAX];
  CHECK(qt_space_default(&s, &def) == 0);
  CHECK(qt_config_format(&def, str, sizeof str) == 0);
  char bad[QT_KNOBS_MAX + 16];
  snprintf(bad, sizeof bad, "%s,zz=1", str);
  CHECK(qt_config_parse(&s, bad, &c, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "no knob 'zz'") != NULL);
  /* A string from before a knob existed: the missing knob takes its first value. Such a
   * record names a valid config with its last knob at the first value (the default need not
   * be one: on a host with an ISA the default picks it, and isa is the last knob). */
  qt_config before;
  CHECK(first_value_config(&s, &def, &before));
  CHECK(qt_space_valid(&s, &before, NULL, 0));
  CHECK(qt_config_format(&before, str, sizeof str) == 0);
  char *comma = strrchr(str, ',');
  *comma = '\0';
  CHECK_MSG(qt_config_parse(&s, str, &c, &err) == 0, "%s", err.msg);
  const int last = before.tpl->n_knobs - 1;
  CHECK(c.tpl == before.tpl && c.vals[last] == before.tpl->knobs[last].values[0]);
  CHECK(memcmp(c.vals, before.vals, sizeof(int) * (size_t)last) == 0);
  qt_model_free(&m);
  return qt_test_finish();
}
