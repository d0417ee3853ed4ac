/* target.c — the ISA feature table of target.h: plain data, shared by the YAML loader (which
 * validates a target's isa list against it) and everything that prints a feature's name. */
#include "tuner/base/target.h"

#include <stdio.h>
#include <string.h>

static const qt_isa_feature features[] = {
    {QT_ISA_NEON, "neon", "aarch64", 0},
    {QT_ISA_DOTPROD, "dotprod", "aarch64", QT_ISA_NEON},
    {QT_ISA_SSE41, "sse41", "x86_64", 0},
    {QT_ISA_AVX2, "avx2", "x86_64", QT_ISA_SSE41},
    {QT_ISA_AVX512, "avx512", "x86_64", QT_ISA_AVX2},
    {QT_ISA_AVX512VNNI, "avx512vnni", "x86_64", QT_ISA_AVX512},
    {QT_ISA_DSP, "dsp", "armv7em", 0},
    {QT_ISA_HVX128, "hvx128", "hexagon", 0},
};
#define N_FEATURES ((int)(sizeof features / sizeof features[0]))

const qt_isa_feature *qt_isa_features(int *n) {
  *n = N_FEATURES;
  return features;
}

const qt_isa_feature *qt_isa_find(const char *name) {
  for (int i = 0; i < N_FEATURES; i++)
    if (strcmp(features[i].name, name) == 0) return &features[i];
  return NULL;
}

const char *qt_isa_name(uint32_t bit) {
  for (int i = 0; i < N_FEATURES; i++)
    if (features[i].bit == bit) return features[i].name;
  return "?";
}

const char *qt_timing_name(qt_timing t) {
  switch (t) {
  case QT_TIMING_WALL: return "wall";
  case QT_TIMING_EMULATED: return "emulated";
  case QT_TIMING_ICOUNT: return "icount";
  }
  return "?";
}

const char *qt_timing_unit(qt_timing t) {
  switch (t) {
  case QT_TIMING_WALL: return "ns";
  case QT_TIMING_EMULATED: return "ns (emulated)";
  case QT_TIMING_ICOUNT: return "instructions (qemu icount)";
  }
  return "?";
}

int qt_expand_kernels_mark(const char *cmd, const char *kernels_dir, char *out, size_t cap) {
  const size_t n = sizeof QT_KERNELS_MARK - 1;
  int len = strncmp(cmd, QT_KERNELS_MARK, n) == 0 ? snprintf(out, cap, "%s%s", kernels_dir, cmd + n)
                                                  : snprintf(out, cap, "%s", cmd);
  return len < 0 || (size_t)len >= cap ? -1 : 0;
}

int qt_target_emulator(const qt_target *t, const char *kernels_dir, char *out, size_t cap) {
  return qt_expand_kernels_mark(t->emulator, kernels_dir, out, cap);
}

int qt_timing_from_unit(const char *unit, qt_timing *out) {
  for (int t = QT_TIMING_WALL; t <= QT_TIMING_ICOUNT; t++)
    if (!strcmp(unit, qt_timing_unit((qt_timing)t))) {
      *out = (qt_timing)t;
      return 0;
    }
  return -1;
}

const char *qt_timing_suffix(qt_timing t) { return t == QT_TIMING_ICOUNT ? "insns" : "us"; }

double qt_timing_divisor(qt_timing t) { return t == QT_TIMING_ICOUNT ? 1.0 : 1e3; }

void qt_timing_format(qt_timing t, double v, char *buf, size_t cap) {
  if (t == QT_TIMING_ICOUNT) snprintf(buf, cap, "%.0f instructions", v);
  else snprintf(buf, cap, "%.1f us%s", v / 1e3, t == QT_TIMING_EMULATED ? " (emulated)" : "");
}
