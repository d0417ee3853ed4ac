/* test_codegen.c — every knob changes the code that is compiled. For each template, on a
 * knob, it finds on a MobileNetV2 workload two valid configs that differ
 * only in that knob (starting from the default config), compiles the template alone for both
 * (-c, shape constants and knob defines as `tune` renders them), and requires their .text
 * sections to differ. A knob whose values compile to identical code would make the search
 * measure the same kernel twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qt_test.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"
#include "tuner/search/search.h"

static char workdir[] = "/tmp/qtune-codegen-XXXXXX";

/* Compiles c for w and returns the .text bytes (malloc'd) and their length, or NULL. */
static unsigned char *text_of(const qt_workload *w, const qt_config *c, const char *tag,
                              size_t *len) {
  char knobs[1024], flags[512], shape[1024], cmd[4096], obj[256], bin[256];
  qt_config_defines(c, knobs, sizeof knobs);
  qt_config_flags(c, flags, sizeof flags); /* an ISA value's -m flags, as tune adds them */
  qt_shape_defines(w, shape, sizeof shape);
  snprintf(obj, sizeof obj, "%s/%s.o", workdir, tag);
  snprintf(bin, sizeof bin, "%s/%s.text", workdir, tag);
  snprintf(cmd, sizeof cmd,
           "cc -O3 -std=c11 -ffp-contract=off -I%s/kernels/include -I%s/kernels/templates %s %s %s "
           "-c %s/kernels/%s -o %s && objcopy -O binary --only-section=.text %s %s",
           QT_SOURCE_DIR, QT_SOURCE_DIR, knobs, flags, shape, QT_SOURCE_DIR, c->tpl->source, obj,
           obj, bin);
  if (system(cmd) != 0) return NULL;
  FILE *f = fopen(bin, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc((size_t)n + 1);
  *len = fread(buf, 1, (size_t)n, f);
  fclose(f);
  return buf;
}

static const char *family_name(qt_knob_family f) {
  static const char *names[] = {"channel split", "spatial tile", "loop order", "interleave",
                                "compute_at", "isa"};
  return names[f];
}

int main(void) {
  qt_err err;
  CHECK(mkdtemp(workdir) != NULL);
  qt_target t;
  qt_model m;
  CHECK(qt_target_load(QT_SOURCE_DIR "/configs", "host", &t, &err) == 0);
  CHECK(qt_model_load(QT_SOURCE_DIR "/configs", "mobilenet_v2", &m, &err) == 0);
  int n_tpl;
  const qt_template_def *const *tpls = qt_templates(&n_tpl);
  for (int ti = 0; ti < n_tpl; ti++) {
    const qt_template_def *tpl = tpls[ti];
    int families_changed[QT_FAMILY_ISA + 1] = {0}, families_seen[QT_FAMILY_ISA + 1] = {0};
    unsigned char *base_text = NULL; /* the .text of compiled_base on base_w */
    size_t base_len = 0;
    qt_config compiled_base;
    const qt_workload *base_w = NULL;
    for (int k = 0; k < tpl->n_knobs; k++) {
      const qt_knob_def *kd = &tpl->knobs[k];
      families_seen[kd->family] = 1;
      /* Two valid configs that differ only in knob k, on the first MobileNetV2 workload that
       * has such a pair: from the default config if it has a valid neighbour, else from the
       * first valid config that has one. */
      qt_config base, alt;
      const qt_workload *w = NULL;
      int found = 0;
      for (int ti2 = 0; ti2 < m.n_tasks && !found; ti2++) {
        if (!tpl->applies(&m.tasks[ti2].w)) continue;
        w = &m.tasks[ti2].w;
        qt_space space, one;
        CHECK(qt_space_init(&space, w, &t, &err) == 0);
        one = space;
        for (int i = 0; i < space.n_tpls; i++)
          if (space.tpls[i] == tpl) {
            one.n_tpls = 1;
            one.tpls[0] = tpl;
            one.offset[0] = 0;
            one.offset[1] = space.offset[i + 1] - space.offset[i];
          }
        uint64_t *valid, n_valid;
        CHECK(qt_space_enumerate_valid(&one, &valid, &n_valid, &err) == 0);
        for (uint64_t i = 0; i <= n_valid && !found; i++) {
          if (i == 0) {
            memset(&base, 0, sizeof base);
            base.tpl = tpl;
            tpl->default_config(w, &t, base.vals);
          } else {
            qt_space_decode(&one, valid[i - 1], &base);
          }
          for (int v = 0; v < kd->n_values && !found; v++) {
            if (kd->values[v] == base.vals[k]) continue;
            alt = base;
            alt.vals[k] = kd->values[v];
            found = qt_space_valid(&one, &base, NULL, 0) && qt_space_valid(&one, &alt, NULL, 0);
          }
        }
        free(valid);
      }
      CHECK_MSG(found, "%s knob %s: two valid configs differing only in it", tpl->name, kd->name);
      if (!found) continue;
      char tag[64];
      size_t alt_len;
      /* Most knobs of a template find their pair at the default config of the same workload:
       * its code is compiled once (suite time). */
      if (!base_text || w != base_w || memcmp(&base, &compiled_base, sizeof base)) {
        free(base_text);
        snprintf(tag, sizeof tag, "%s-%s-a", tpl->name, kd->name);
        base_text = text_of(w, &base, tag, &base_len);
        base_w = w;
        compiled_base = base;
      }
      snprintf(tag, sizeof tag, "%s-%s-b", tpl->name, kd->name);
      unsigned char *alt_text = text_of(w, &alt, tag, &alt_len);
      char a[QT_KNOBS_MAX], b[QT_KNOBS_MAX];
      qt_config_format(&base, a, sizeof a);
      qt_config_format(&alt, b, sizeof b);
      CHECK_MSG(base_text && alt_text, "%s and %s compile", a, b);
      if (base_text && alt_text) {
        int differs = alt_len != base_len || memcmp(alt_text, base_text, base_len) != 0;
        CHECK_MSG(differs, "identical .text for %s and %s", a, b);
        if (differs) families_changed[kd->family] = 1;
      }
      free(alt_text);
    }
    free(base_text);
    for (int f = 0; f <= QT_FAMILY_ISA; f++)
      if (families_seen[f])
        CHECK_MSG(families_changed[f], "%s: family %s changes code", tpl->name, family_name(f));
    /* The design's five schedule families are all present in every template. */
    for (int f = QT_FAMILY_CHANNEL_SPLIT; f <= QT_FAMILY_COMPUTE_AT; f++)
      CHECK_MSG(families_seen[f], "%s has a knob of family %s", tpl->name, family_name(f));
  }
  qt_model_free(&m);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", workdir);
  CHECK(system(cmd) == 0);
  return qt_test_finish();
}
