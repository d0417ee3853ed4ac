/* kernel_check.c — qt_check_variant (kernel_check.h): one template variant against the
 * reference on a seeded problem. Every buffer the variant may write (packed weights, scratch,
 * output) is allocated QT_ALIGN-aligned with guard bytes right after its end, and the variant
 * runs twice with different fill patterns in output and scratch, so an overrun, an output
 * the variant never writes (even one whose right value equals a fill byte) or a dependence
 * on stale scratch contents is reported, as is any write to the inputs it only reads. Also
 * the count of output bytes compared, and which ISA groups of variants this CPU can run. */
#include "kernel_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qt_datagen.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

enum { GUARD_BYTES = 64, GUARD_FILL = 0xEB };

/* A QT_ALIGN-aligned buffer of size bytes followed by GUARD_BYTES guard bytes. */
typedef struct guarded {
  uint8_t *p;
  size_t size;
} guarded;

static int guarded_alloc(guarded *g, size_t size) {
  size_t total = (size + GUARD_BYTES + QT_ALIGN - 1) / QT_ALIGN * QT_ALIGN;
  g->size = size;
  g->p = aligned_alloc(QT_ALIGN, total);
  if (!g->p) return -1;
  memset(g->p, GUARD_FILL, total);
  return 0;
}

/* Fills the payload with fill and re-arms the guard. */
static void guarded_fill(guarded *g, int fill) {
  memset(g->p, fill, g->size);
  memset(g->p + g->size, GUARD_FILL, GUARD_BYTES);
}

/* Offset of the first overwritten guard byte, or -1 if the guard is intact. */
static long guarded_overrun(const guarded *g) {
  for (size_t i = 0; i < GUARD_BYTES; i++)
    if (g->p[g->size + i] != GUARD_FILL) return (long)i;
  return -1;
}

static const char *dtype_name(int32_t dtype) {
  return dtype == QT_DTYPE_S8 ? "s8" : dtype == QT_DTYPE_U8 ? "u8" : "?";
}

static const char *requant_name(int32_t requant) {
  return requant == QT_REQUANT_FIXEDPOINT ? "fixedpoint" : requant == QT_REQUANT_FP32 ? "fp32" : "?";
}

char *qt_desc_str(const qt_conv_desc *d, char *buf, size_t cap) {
  const qt_conv_params *p = &d->p;
  snprintf(buf, cap,
           "%s n%d %dx%dx%d -> %dx%dx%d k%dx%d s%dx%d d%dx%d p%d,%d,%d,%d dm%d",
           p->op == QT_OP_DEPTHWISE ? "depthwise" : "conv2d", (int)d->in.n, (int)d->in.h,
           (int)d->in.w, (int)d->in.c, (int)d->out.h, (int)d->out.w, (int)d->out.c,
           (int)p->kernel_h, (int)p->kernel_w, (int)p->stride_h, (int)p->stride_w,
           (int)p->dilation_h, (int)p->dilation_w, (int)p->pad_top, (int)p->pad_left,
           (int)p->pad_bottom, (int)p->pad_right, (int)p->depth_multiplier);
  return buf;
}

/* Writes "<variant> <shape> <dtype> <requant> seed <seed>: <reason>" into msg; returns 1. */
static int fail(char *msg, size_t cap, const qt_variant_fns *v, const qt_conv_desc *d,
                int32_t dtype, int32_t requant, uint64_t seed, const char *fmt, ...) {
  if (!msg || cap == 0) return 1;
  char shape[160];
  int n = snprintf(msg, cap, "%s [%s] %s %s seed %llu: ", v && v->name ? v->name : "(variant)",
                   qt_desc_str(d, shape, sizeof shape), dtype_name(dtype),
                   requant_name(requant), (unsigned long long)seed);
  if (n >= 0 && (size_t)n < cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return 1;
}

static size_t compared_bytes;

size_t qt_check_compared_bytes(void) { return compared_bytes; }

size_t qt_output_bytes(const qt_conv_desc *d) {
  return (size_t)d->out.n * (size_t)d->out.h * (size_t)d->out.w * (size_t)d->out.c;
}

int qt_isa_group_runnable(const char *group, const char **missing) {
  *missing = "";
  if (strcmp(group, "c") == 0 || strcmp(group, "twin") == 0) return 1;
#if defined(__x86_64__)
  /* The test binary is built without ISA flags; only the variants' objects have them. */
  __builtin_cpu_init();
  if (strcmp(group, "avx2") == 0) {
    *missing = "avx2";
    return __builtin_cpu_supports("avx2");
  }
  if (strcmp(group, "avx512") == 0) {
    *missing = "avx512f + avx512bw";
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  }
  if (strcmp(group, "avx512vnni") == 0) {
    *missing = "avx512f + avx512bw + avx512vnni";
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
  }
#elif defined(__aarch64__)
  if (strcmp(group, "neon") == 0) return 1; /* baseline aarch64 */
  if (strcmp(group, "neondot") == 0) {
    *missing = "dotprod (asimddp)";
    return (getauxval(AT_HWCAP) & (1ul << 20)) != 0; /* HWCAP_ASIMDDP */
  }
#endif
  *missing = "an ISA this architecture does not have";
  return 0;
}

void qt_skip_unless_runnable(const char *test, const char *group, int n_variants) {
  const char *missing;
  if (qt_isa_group_runnable(group, &missing)) return;
  printf("SKIP %s: this CPU lacks %s, so its %d %s variants did not run\n", test, missing,
         n_variants, group);
  exit(QT_TEST_SKIPPED);
}

int qt_check_variant(const qt_variant_fns *v, const qt_conv_desc *d, int32_t dtype,
                     int32_t requant, uint64_t seed, char *msg, size_t cap) {
  if (msg && cap) msg[0] = '\0';
  if (!v || !d || !v->packed_size || !v->scratch_size || !v->pack || !v->run)
    return d ? fail(msg, cap, v, d, dtype, requant, seed, "incomplete variant table") : 1;
  qt_problem p;
  int rc = qt_problem_init(&p, d, dtype, requant, seed);
  if (rc != QT_KERNEL_OK)
    return fail(msg, cap, v, d, dtype, requant, seed, "cannot generate the problem: code %d", rc);

  int status = 1;
  guarded packed = {0}, scratch = {0}, out = {0};
  uint8_t *want = malloc(p.output_bytes);
  const uint64_t input_sum = qt_checksum(p.input, p.input_bytes);
  const uint64_t weight_sum = qt_checksum(p.weights, p.weight_bytes);
  const uint64_t bias_sum = qt_checksum(p.bias, sizeof(int32_t) * (size_t)d->out.c);
  if (!want || guarded_alloc(&packed, v->packed_size(d)) ||
      guarded_alloc(&scratch, v->scratch_size(d)) || guarded_alloc(&out, p.output_bytes)) {
    fail(msg, cap, v, d, dtype, requant, seed, "out of memory");
    goto done;
  }
  rc = qt_ref_conv(d, &p.q, p.input, p.weights, p.bias, want);
  if (rc != QT_KERNEL_OK) {
    fail(msg, cap, v, d, dtype, requant, seed, "reference failed: code %d", rc);
    goto done;
  }
  rc = v->pack(d, &p.q, p.weights, p.bias, packed.p);
  if (rc != QT_KERNEL_OK) {
    fail(msg, cap, v, d, dtype, requant, seed, "pack returned %d", rc);
    goto done;
  }
  long over = guarded_overrun(&packed);
  if (over >= 0) {
    fail(msg, cap, v, d, dtype, requant, seed,
         "pack wrote past packed_size %zu (guard byte %ld)", packed.size, over);
    goto done;
  }
  /* Two runs with different fills: an unwritten output cannot match both. */
  static const int fills[2][2] = {{0x5A, 0xC3}, {0xA5, 0x3C}}; /* output, scratch */
  for (int pass = 0; pass < 2; pass++) {
    guarded_fill(&out, fills[pass][0]);
    guarded_fill(&scratch, fills[pass][1]);
    rc = v->run(d, &p.q, p.input, packed.p, out.p, scratch.p);
    if (rc != QT_KERNEL_OK) {
      fail(msg, cap, v, d, dtype, requant, seed, "run returned %d", rc);
      goto done;
    }
    if ((over = guarded_overrun(&out)) >= 0) {
      fail(msg, cap, v, d, dtype, requant, seed,
           "run wrote past the output's %zu bytes (guard byte %ld)", out.size, over);
      goto done;
    }
    if ((over = guarded_overrun(&scratch)) >= 0) {
      fail(msg, cap, v, d, dtype, requant, seed,
           "run wrote past scratch_size %zu (guard byte %ld)", scratch.size, over);
      goto done;
    }
    if ((over = guarded_overrun(&packed)) >= 0) {
      fail(msg, cap, v, d, dtype, requant, seed, "run wrote into packed guard byte %ld", over);
      goto done;
    }
    size_t first = p.output_bytes, ndiff = 0, i = 0;
    for (; i < p.output_bytes; i++)
      if (out.p[i] != want[i] && ndiff++ == 0) first = i;
    if (ndiff) {
      const size_t c = first % (size_t)d->out.c, x = first / d->out.c % (size_t)d->out.w;
      const size_t y = first / ((size_t)d->out.c * d->out.w) % (size_t)d->out.h;
      const size_t n = first / ((size_t)d->out.c * d->out.w * d->out.h);
      const int got = dtype == QT_DTYPE_S8 ? (int)(int8_t)out.p[first] : (int)out.p[first];
      const int exp = dtype == QT_DTYPE_S8 ? (int)(int8_t)want[first] : (int)want[first];
      fail(msg, cap, v, d, dtype, requant, seed,
           "output (n,y,x,c)=(%zu,%zu,%zu,%zu) index %zu got %d want %d (%zu of %zu differ, "
           "run %d with output fill 0x%02X)",
           n, y, x, c, first, got, exp, ndiff, p.output_bytes, pass + 1, fills[pass][0]);
      goto done;
    }
    compared_bytes += i;
  }
  if (qt_checksum(p.input, p.input_bytes) != input_sum ||
      qt_checksum(p.weights, p.weight_bytes) != weight_sum ||
      qt_checksum(p.bias, sizeof(int32_t) * (size_t)d->out.c) != bias_sum) {
    fail(msg, cap, v, d, dtype, requant, seed, "pack or run modified its const input, weights or bias");
    goto done;
  }
  status = 0;
done:
  free(want);
  free(packed.p);
  free(scratch.p);
  free(out.p);
  qt_problem_free(&p);
  return status;
}
