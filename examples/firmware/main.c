/* main.c — example firmware over `tune export` output: runs every exported conv layer of a
 * model (MobileNetV2's 52 by default) in sequence with the tuned kernels. At init it builds
 * each layer's problem from a seed with qt_datagen (real shapes from the model; weights,
 * biases, zero points, clamps and per-channel requantization generated, as the harness does)
 * and packs its weights once; the timed loop then only runs the kernels, each layer reading
 * the previous layer's output when the sizes chain (a layer after a residual add or with
 * another input size reads its own generated input). Every layer's output checksum is compared
 * with the reference (qt_ref_conv) on the same input. Prints the time per layer (best of the
 * repeats) and in total; exits 1 if any checksum differs or a kernel fails.
 * Built for a Cortex-M board (QT_FW_CORTEXM, the arm-none-eabi toolchain file) it runs bare
 * metal: the clock is qtune's Cortex-M clock (kernels/harness/cortexm/qt_clock_cm.h), whose
 * counts on the emulated MPS2 board (qemu -icount shift=0) are instructions, so it prints
 * instructions per layer instead of times.
 * usage: firmware [seed [repeats]] */
#ifndef QT_FW_CORTEXM
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef QT_FW_CORTEXM
#include <malloc.h>

#include "qt_clock_cm.h"
#else
#include <time.h>
#endif

#include "qt_datagen.h"
#include "qt_tuned.h"

#ifdef QT_FW_CORTEXM
#define FW_UNIT "instructions"
#define FW_FORMAT "%10.0f"
#define FW_TOTAL "%.0f"
#else
#define FW_UNIT "us"
#define FW_FORMAT "%10.1f"
#define FW_TOTAL "%.1f"
#endif

typedef struct layer_state {
  qt_problem p;
  void *packed, *scratch, *output, *ref;
} layer_state;

/* size bytes (at least one) aligned to QT_ALIGN, as the template contract asks. */
static void *alloc_aligned(size_t size) {
  size_t n = (size + QT_ALIGN - 1) / QT_ALIGN * QT_ALIGN;
#ifdef QT_FW_CORTEXM
  return memalign(QT_ALIGN, n ? n : QT_ALIGN);
#else
  return aligned_alloc(QT_ALIGN, n ? n : QT_ALIGN);
#endif
}

/* The clock in the unit the program prints: us, or instructions on the emulated Cortex-M. */
static double now_units(void) {
#ifdef QT_FW_CORTEXM
  return (double)qt_cm_now_ns();
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
#endif
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
  int repeats = argc > 2 ? atoi(argv[2]) : 3;
  if (repeats < 1) repeats = 1;
  static layer_state st[QT_TUNED_N_LAYERS];
#ifdef QT_FW_CORTEXM
  qt_cm_clock_start();
#endif
  printf("model %s, target %s, %d layers, seed %llu, best of %d runs\n", QT_TUNED_MODEL,
         QT_TUNED_TARGET, QT_TUNED_N_LAYERS, (unsigned long long)seed, repeats);

  /* Init: problems, buffers, and pack() once per layer, outside any timing. */
  for (int i = 0; i < QT_TUNED_N_LAYERS; i++) {
    const qt_tuned_layer *l = &qt_tuned_layers[i];
    layer_state *s = &st[i];
    if (qt_problem_init(&s->p, &l->desc, l->dtype, l->requant, seed + (uint64_t)i) != 0) {
      fprintf(stderr, "layer %s: cannot generate its problem\n", l->name);
      return 1;
    }
    s->packed = alloc_aligned(l->packed_size(&l->desc));
    s->scratch = alloc_aligned(l->scratch_size(&l->desc));
    s->output = alloc_aligned(s->p.output_bytes);
    s->ref = malloc(s->p.output_bytes);
    if (!s->packed || !s->scratch || !s->output || !s->ref) {
      fprintf(stderr, "layer %s: out of memory\n", l->name);
      return 1;
    }
    int rc = l->pack(&l->desc, &s->p.q, s->p.weights, s->p.bias, s->packed);
    if (rc != 0) {
      fprintf(stderr, "layer %s: pack failed (%d)\n", l->name, rc);
      return 1;
    }
  }

  /* The network: layers in sequence, each timed; then its reference check (untimed). */
  double total = 0;
  int bad = 0;
  const void *prev = NULL;
  size_t prev_bytes = 0;
  for (int i = 0; i < QT_TUNED_N_LAYERS; i++) {
    const qt_tuned_layer *l = &qt_tuned_layers[i];
    layer_state *s = &st[i];
    const void *input = prev && prev_bytes == s->p.input_bytes ? prev : s->p.input;
    double best = 0;
    int rc = 0;
    for (int r = 0; r < repeats && rc == 0; r++) {
      double t0 = now_units();
      rc = l->run(&l->desc, &s->p.q, input, s->packed, s->output, s->scratch);
      double t = now_units() - t0;
      if (r == 0 || t < best) best = t;
    }
    int ref_rc = qt_ref_conv(&l->desc, &s->p.q, input, s->p.weights, s->p.bias, s->ref);
    uint64_t got = qt_checksum(s->output, s->p.output_bytes);
    uint64_t want = qt_checksum(s->ref, s->p.output_bytes);
    int ok = rc == 0 && ref_rc == 0 && got == want;
    bad += !ok;
    total += best;
    printf("layer %2d %-18s " FW_FORMAT " " FW_UNIT "  checksum %016llx %s %016llx  %s%s\n", i, l->name, best,
           (unsigned long long)got, ok ? "==" : "!=", (unsigned long long)want,
           ok ? "ok" : "MISMATCH", l->from_log ? "" : " (default config)");
    prev = s->output;
    prev_bytes = s->p.output_bytes;
  }
  printf("total " FW_TOTAL " " FW_UNIT ", %d/%d checksums match\n", total, QT_TUNED_N_LAYERS - bad,
         QT_TUNED_N_LAYERS);
  for (int i = 0; i < QT_TUNED_N_LAYERS; i++) {
    qt_problem_free(&st[i].p);
    free(st[i].packed);
    free(st[i].scratch);
    free(st[i].output);
    free(st[i].ref);
  }
  return bad ? 1 : 0;
}
