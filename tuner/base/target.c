/* target.c — the ISA feature table of target.h: plain data, shared by the YAML loader (which
 * validates a target's isa list against it) and everything that prints a feature's name. */
#include "tuner/base/target.h"

#include <string.h>

static const qt_isa_feature features[] = {
    {QT_ISA_NEON, "neon", "aarch64", 0},
    {QT_ISA_DOTPROD, "dotprod", "aarch64", QT_ISA_NEON},
    {QT_ISA_SSE41, "sse41", "x86_64", 0},
    {QT_ISA_AVX2, "avx2", "x86_64", QT_ISA_SSE41},
    {QT_ISA_AVX512, "avx512", "x86_64", QT_ISA_AVX2},
    {QT_ISA_AVX512VNNI, "avx512vnni", "x86_64", QT_ISA_AVX512},
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
