/* sweep_hvx.c — the bit-exact sweep of one template's hvx variants on Hexagon, under
 * qemu-hexagon. Built by sweep_hvx.sh with the hexagon-hvx target's flags
 * (configs/targets/hexagon-hvx.yaml: HVX v66, 128-byte vectors) against the freestanding
 * runtime of kernels/harness/hexagon, so the variants run their vrmpy micro-kernels, not the
 * plain C twins (test_gemm_twin and test_dwconv_twin run those on every host). Every variant
 * of the hvx group of ../<template>_variants.def (the script passes them as HVX_VARIANTS, and
 * HVX_DWCONV=1 for the dwconv template) runs on every edge shape of its op (../edge_shapes.h)
 * and on MobileNetV2's channel counts (../gemm_mnv2_shapes.h, ../dwconv_mnv2_shapes.h), s8
 * (hvx computes s8 only) with fixed-point and fp32 requantization; each output is compared
 * byte for byte with qt_ref_conv. Prints one line per failure and a summary; exits 0 only if
 * every case ran and matched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_shapes.h"
#if HVX_DWCONV
#include "dwconv_mnv2_shapes.h"
#define HX_OP QT_OP_DEPTHWISE
#define HX_MNV2 dw_mnv2_shapes
#define HX_N_MNV2 N_DW_MNV2
#define HX_NAME "sweep_hvx dwconv"
#else
#include "gemm_mnv2_shapes.h"
#define HX_OP QT_OP_CONV2D
#define HX_MNV2 mnv2_shapes
#define HX_N_MNV2 N_MNV2
#define HX_NAME "sweep_hvx gemm"
#endif
#include "kernel_check.h"
#include "qt_datagen.h"
#include "qt_kernels.h"

/* printf for the runtime, which has snprintf and puts (puts adds the newline) */
#define hx_say(...)                                                                          \
  do {                                                                                       \
    char line_[256];                                                                         \
    snprintf(line_, sizeof line_, __VA_ARGS__);                                              \
    puts(line_);                                                                             \
  } while (0)

/* kernel_check.h's table of a variant's four functions (its header only: kernel_check.c
 * needs the hosted C library) */
#define HX_DECLARE(prefix) QT_VARIANT_FNS(prefix);
#define HX_ENTRY(prefix) &prefix##fns,
HVX_VARIANTS(HX_DECLARE)
static const qt_variant_fns *const variants[] = {HVX_VARIANTS(HX_ENTRY)};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };


/* QT_ALIGN-aligned buffer of n bytes, plus one byte so the variant can be given an odd
 * address for input and output (kernels take them at any address). */
static uint8_t *hx_alloc(size_t n) {
  return malloc((n + 1 + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
}

/* One case: variant v on shape d with dtype s8 and scheme rq. Returns 1 if it matched. */
static int hx_case(const qt_variant_fns *v, const char *name, const qt_conv_desc *d, int32_t rq,
                   uint64_t seed) {
  qt_problem p;
  if (qt_problem_init(&p, d, QT_DTYPE_S8, rq, seed) != QT_KERNEL_OK) {
    hx_say("FAIL %s %s rq=%d: problem not generated", v->name, name, (int)rq);
    return 0;
  }
  uint8_t *want = hx_alloc(p.output_bytes), *got = hx_alloc(p.output_bytes);
  uint8_t *packed = hx_alloc(v->packed_size(d)), *scratch = hx_alloc(v->scratch_size(d));
  uint8_t *input = hx_alloc(p.input_bytes);
  int ok = want && got && packed && scratch && input;
  if (ok) {
    memcpy(input + 1, p.input, p.input_bytes); /* one byte off alignment */
    memset(got, 0xa5, p.output_bytes + 1);
    const int rr = qt_ref_conv(d, &p.q, p.input, p.weights, p.bias, want);
    const int rp = v->pack(d, &p.q, p.weights, p.bias, packed);
    const int rv = rp == QT_KERNEL_OK ? v->run(d, &p.q, input + 1, packed, got + 1, scratch) : rp;
    if (rr != QT_KERNEL_OK || rv != QT_KERNEL_OK) {
      hx_say("FAIL %s %s rq=%d: reference %d, variant %d", v->name, name, (int)rq, rr, rv);
      ok = 0;
    } else {
      for (size_t i = 0; i < p.output_bytes && ok; i++)
        if (got[1 + i] != want[i]) {
          hx_say("FAIL %s %s rq=%d: output byte %zu is %d, reference %d", v->name, name,
                 (int)rq, i, got[1 + i], want[i]);
          ok = 0;
        }
      if (ok && got[0] != 0xa5) {
        hx_say("FAIL %s %s rq=%d: wrote before its output", v->name, name, (int)rq);
        ok = 0;
      }
    }
  } else {
    hx_say("FAIL %s %s: out of memory", v->name, name);
  }
  /* the runtime's free gives back only the newest block: newest first */
  free(input);
  free(scratch);
  free(packed);
  free(got);
  free(want);
  qt_problem_free(&p);
  return ok;
}

int main(void) {
  int cases = 0, passed = 0;
  for (int vi = 0; vi < N_VARIANTS; vi++)
    for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
      for (int s = 0; s < QT_EDGE_SHAPE_COUNT; s++) {
        if (qt_edge_shapes[s].d.p.op != HX_OP) continue;
        cases++;
        passed += hx_case(variants[vi], qt_edge_shapes[s].name, &qt_edge_shapes[s].d, rq,
                          7000u + 1000u * (uint64_t)vi + 10u * (uint64_t)s + (uint64_t)rq);
      }
      for (int s = 0; s < HX_N_MNV2; s++) {
        cases++;
        passed += hx_case(variants[vi], HX_MNV2[s].name, &HX_MNV2[s].d, rq,
                          90000u + 100u * (uint64_t)vi + 10u * (uint64_t)s + (uint64_t)rq);
      }
    }
  hx_say(HX_NAME ": %d variants, %d cases, %d bit-exact", N_VARIANTS, cases, passed);
  return cases > 0 && passed == cases ? 0 : 1;
}
