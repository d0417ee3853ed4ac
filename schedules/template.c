/* template.c — the ISA strategy table and isa checks of template.h, one for all templates, so
 * a strategy needs the same features and compiles alike wherever it is offered. */
#include "schedules/template.h"

#include <stdio.h>
#include <string.h>

/* c and neon (baseline aarch64) need no flags; nor does hvx: a Hexagon target's cflags already
 * carry -mhvx and -mhvx-length=128b, which every HVX variant needs alike; nor does dsp: a
 * target with the feature already compiles for its core (-mcpu=cortex-m4 defines
 * __ARM_FEATURE_DSP). */
static const qt_isa_strategy strategies[] = {
    {"c", "", 0, "", 0},
    /* FMA too: qtune's avx2 is x86-64-v3's vector level (every AVX2 CPU has FMA; the host
     * check asks for both), which the AVX2 requant micro-kernel's float form needs */
    {"avx2", "-mavx2 -mfma", QT_ISA_AVX2, "avx2", 0},
    {"avx512", "-mavx512f -mavx512bw", QT_ISA_AVX512, "avx512 (F+BW)", 0},
    {"avx512vnni", "-mavx512f -mavx512bw -mavx512vnni", QT_ISA_AVX512 | QT_ISA_AVX512VNNI,
     "avx512 + avx512vnni", 1},
    {"neon", "", QT_ISA_NEON, "neon", 0},
    {"neondot", "-march=armv8.2-a+dotprod", QT_ISA_NEON | QT_ISA_DOTPROD, "dotprod (SDOT)", 1},
    {"hvx", "", QT_ISA_HVX128, "hvx128 (128-byte HVX)", 1},
    {"dsp", "", QT_ISA_DSP, "the DSP extension (SMLAD, SXTB16)", 0},
};

const qt_isa_strategy *qt_isa_strategy_find(const char *label) {
  for (size_t i = 0; label && i < sizeof strategies / sizeof strategies[0]; i++)
    if (strcmp(strategies[i].label, label) == 0) return &strategies[i];
  return NULL;
}

const char *qt_isa_label(const qt_template_def *tpl, int knob, int value) {
  const qt_knob_def *kd = &tpl->knobs[knob];
  for (int v = 0; v < kd->n_values; v++)
    if (kd->values[v] == value) return kd->labels[v];
  return NULL;
}

int qt_isa_valid(const qt_workload *w, const qt_target *t, const char *label,
                 const char *block_knob, int block, int multiple, char *why, size_t cap) {
  const qt_isa_strategy *s = qt_isa_strategy_find(label);
  if (!s) {
    qt_why(why, cap, "isa=%s: no such ISA strategy", label ? label : "(unlabelled)");
    return 0;
  }
  if ((t->isa & s->needs) != s->needs) {
    qt_why(why, cap, "isa=%s: target %s lacks %s", label, t->name, s->lacks);
    return 0;
  }
  if (s->s8_only && w->dtype != QT_DTYPE_S8) {
    qt_why(why, cap,
           "isa=%s: its dot product needs signed int8 weights, u8 weights with a "
           "zero point do not fit (s8 only)",
           label);
    return 0;
  }
  if (block % multiple != 0) {
    qt_why(why, cap,
           "isa=%s: %s=%d is not a multiple of %d (one vector of the "
           "micro-kernel)",
           label, block_knob, block, multiple);
    return 0;
  }
  return 1;
}
