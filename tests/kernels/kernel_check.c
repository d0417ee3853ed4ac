/* kernel_check.c — qt_check_variant (kernel_check.h): one template variant against the
 * reference on a seeded problem. Every buffer the variant may write (packed weights, scratch,
 * output) is allocated QT_ALIGN-aligned with guard bytes right after its end, and the variant
 * runs twice with different fill patterns in output and scratch, so an overrun, an output
 * the variant never writes (even one whose right value equals a fill byte) or a dependence
 * on stale scratch contents is reported, as is any write to the inputs it only reads; the
 * weights, and in the second run input and output, sit one byte off alignment. Also the bias
 * rule at its limit (qt_check_variant_bias_limit), the count of output bytes compared, and
 * which ISA groups of variants this CPU can run. */
#include "kernel_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qt_datagen.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
#endif
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

/* MXCSR, which a variant may change for its run (the AVX2 requant's float form rounds down)
 * but must give back as it found it; 0 off x86. */
static unsigned fp_control(void) {
#if defined(__x86_64__)
  return _mm_getcsr();
#else
  return 0;
#endif
}

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
    *missing = "avx2 + fma";
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
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

/* Runs v on the problem p (its q, input, weights and bias, whatever made them) against the
 * reference: pack from a copy of the weights one byte off alignment, then two runs with
 * different output and scratch fills, the first on aligned input and output, the second on
 * copies one byte off (qt_kernels.h: those need no alignment). Messages name dtype, requant
 * and seed as given. */
static int check_problem(const qt_variant_fns *v, const qt_problem *p, uint64_t seed, char *msg,
                         size_t cap) {
  const qt_conv_desc *d = &p->d;
  const int32_t dtype = p->q.dtype, requant = p->q.requant;
  int status = 1;
  guarded packed = {0}, scratch = {0}, out = {0};
  uint8_t *want = malloc(p->output_bytes);
  uint8_t *weights = malloc(p->weight_bytes + 1), *input = malloc(p->input_bytes + 1);
  const uint64_t input_sum = qt_checksum(p->input, p->input_bytes);
  const uint64_t weight_sum = qt_checksum(p->weights, p->weight_bytes);
  const uint64_t bias_sum = qt_checksum(p->bias, sizeof(int32_t) * (size_t)d->out.c);
  /* One spare output byte: the output starts at out.p or at out.p + 1. */
  if (!want || !weights || !input || guarded_alloc(&packed, v->packed_size(d)) ||
      guarded_alloc(&scratch, v->scratch_size(d)) || guarded_alloc(&out, p->output_bytes + 1)) {
    fail(msg, cap, v, d, dtype, requant, seed, "out of memory");
    goto done;
  }
  memcpy(weights + 1, p->weights, p->weight_bytes);
  memcpy(input + 1, p->input, p->input_bytes);
  int rc = qt_ref_conv(d, &p->q, p->input, p->weights, p->bias, want);
  if (rc != QT_KERNEL_OK) {
    fail(msg, cap, v, d, dtype, requant, seed, "reference failed: code %d", rc);
    goto done;
  }
  const unsigned pack_csr = fp_control();
  rc = v->pack(d, &p->q, weights + 1, p->bias, packed.p);
  if (fp_control() != pack_csr) {
    fail(msg, cap, v, d, dtype, requant, seed, "pack left MXCSR %#x (was %#x)", fp_control(),
         pack_csr);
    goto done;
  }
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
    const size_t off = (size_t)pass; /* the second run's input and output: one byte off */
    const void *in = pass ? (const void *)(input + 1) : p->input;
    uint8_t *o = out.p + off;
    const size_t spare = pass ? 0 : p->output_bytes; /* the byte the run must not touch */
    guarded_fill(&out, fills[pass][0]);
    guarded_fill(&scratch, fills[pass][1]);
    const unsigned csr = fp_control();
    rc = v->run(d, &p->q, in, packed.p, o, scratch.p);
    if (fp_control() != csr) {
      fail(msg, cap, v, d, dtype, requant, seed, "run left MXCSR %#x (was %#x)", fp_control(), csr);
      goto done;
    }
    if (rc != QT_KERNEL_OK) {
      fail(msg, cap, v, d, dtype, requant, seed, "run returned %d (%s)", rc,
           pass ? "input and output 1 byte off alignment" : "aligned");
      goto done;
    }
    if (guarded_overrun(&out) >= 0 || out.p[spare] != fills[pass][0]) {
      fail(msg, cap, v, d, dtype, requant, seed,
           "run wrote outside the output's %zu bytes (output at offset %zu of its buffer)",
           p->output_bytes, off);
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
    size_t first = p->output_bytes, ndiff = 0, i = 0;
    for (; i < p->output_bytes; i++)
      if (o[i] != want[i] && ndiff++ == 0) first = i;
    if (ndiff) {
      const size_t c = first % (size_t)d->out.c, x = first / d->out.c % (size_t)d->out.w;
      const size_t y = first / ((size_t)d->out.c * d->out.w) % (size_t)d->out.h;
      const size_t n = first / ((size_t)d->out.c * d->out.w * d->out.h);
      const int got = dtype == QT_DTYPE_S8 ? (int)(int8_t)o[first] : (int)o[first];
      const int exp = dtype == QT_DTYPE_S8 ? (int)(int8_t)want[first] : (int)want[first];
      fail(msg, cap, v, d, dtype, requant, seed,
           "output (n,y,x,c)=(%zu,%zu,%zu,%zu) index %zu got %d want %d (%zu of %zu differ, "
           "run %d with output fill 0x%02X, %s)",
           n, y, x, c, first, got, exp, ndiff, p->output_bytes, pass + 1, fills[pass][0],
           pass ? "input, weights and output 1 byte off alignment" : "weights 1 byte off");
      goto done;
    }
    compared_bytes += i;
  }
  if (qt_checksum(p->input, p->input_bytes) != input_sum ||
      qt_checksum(input + 1, p->input_bytes) != input_sum ||
      qt_checksum(weights + 1, p->weight_bytes) != weight_sum ||
      qt_checksum(p->bias, sizeof(int32_t) * (size_t)d->out.c) != bias_sum) {
    fail(msg, cap, v, d, dtype, requant, seed, "pack or run modified its const input, weights or bias");
    goto done;
  }
  status = 0;
done:
  free(want);
  free(weights);
  free(input);
  free(packed.p);
  free(scratch.p);
  free(out.p);
  return status;
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
  int status = check_problem(v, &p, seed, msg, cap);
  /* Fixed point again. For even seeds with one channel of every 16 scaled by 2^-20: its output
   * steps lie beyond the 2^24 accumulators a float holds exactly, so the AVX-512 requant
   * table's float forms fail their checks for that block, which takes the integer forms, and
   * the layer takes the two-FMA float form in the others (datagen's blocks all take the
   * one-FMA form). For odd seeds the clamp becomes a fused ReLU up to the dtype's maximum
   * (bottom at the output zero point, as TFLite's ReLU6 layers have it), which datagen never
   * draws and for which the AVX-512 one-FMA form skips its select (QT_TPL_RQ_RELU). */
  if (status == 0 && requant == QT_REQUANT_FIXEDPOINT) {
    if (seed % 2) {
      p.q.act_min = p.q.output_zp;
      p.q.act_max = dtype == QT_DTYPE_U8 ? 255 : 127;
    } else {
      for (int32_t c = (int32_t)(seed % 16); c < d->out.c; c += 16) p.shift[c] = -20;
    }
    status = check_problem(v, &p, seed, msg, cap);
  }
  qt_problem_free(&p);
  return status;
}

/* qt_check_variant_bias_limit for one dtype and scheme. */
static int bias_limit(const qt_variant_fns *v, const qt_conv_desc *d, int32_t dtype,
                      int32_t requant, char *msg, size_t cap) {
  qt_problem p;
  int rc = qt_problem_init(&p, d, dtype, requant, 1);
  if (rc != QT_KERNEL_OK)
    return fail(msg, cap, v, d, dtype, requant, 0, "cannot generate the problem: code %d", rc);
  const int64_t limit = qt_conv_bias_limit(d);
  const int u8 = dtype == QT_DTYPE_U8;
  /* |x - input_zp| = 255 and |w - weight_zp| at its largest on every tap, all of one sign
   * with the bias: the accumulator runs as far from zero as the rule lets it. */
  p.q.input_zp = u8 ? 0 : -128;
  p.q.weight_zp = 0;
  p.q.output_zp = 0;
  p.q.act_min = u8 ? 0 : -128;
  p.q.act_max = u8 ? 255 : 127;
  memset(p.input, u8 ? 0xFF : 0x7F, p.input_bytes);
  for (int32_t oc = 0; oc < d->out.c; oc++) {
    /* scale 2^-25 (fixedpoint: 2^30 * 2^(-24 - 31)): |acc| < 2^31 lands inside [-64, 64] */
    if (p.multiplier) p.multiplier[oc] = INT32_C(1) << 30;
    if (p.shift) p.shift[oc] = -24;
    if (p.scale) p.scale[oc] = 1.0f / 33554432.0f;
  }
  int status = 0;
  for (int side = 0; side < 2 && !status; side++) {
    const int positive = side == 0;
    /* u8: w = 255 with x = 255 is a positive term; a negative accumulator needs
     * weight_zp = 255 and w = 0. s8: x - zp = 255, w = 127 or -128. */
    if (u8) p.q.weight_zp = positive ? 0 : 255;
    memset(p.weights, u8 ? (positive ? 0xFF : 0x00) : (positive ? 0x7F : 0x80), p.weight_bytes);
    for (int32_t oc = 0; oc < d->out.c; oc++)
      p.bias[oc] = (int32_t)(positive ? limit : -limit);
    status = check_problem(v, &p, 0, msg, cap);
    if (status) break;
    /* One past the limit: refused by both sides of the rule. */
    p.bias[0] = (int32_t)(positive ? limit + 1 : -limit - 1);
    void *packed = aligned_alloc(QT_ALIGN, (v->packed_size(d) + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
    uint8_t *out = malloc(p.output_bytes);
    if (!packed || !out) {
      status = fail(msg, cap, v, d, dtype, requant, 0, "out of memory");
    } else if ((rc = qt_ref_conv(d, &p.q, p.input, p.weights, p.bias, out)) != QT_KERNEL_EINVAL) {
      status = fail(msg, cap, v, d, dtype, requant, 0,
                    "reference returned %d for bias %lld, one past the limit", rc,
                    (long long)p.bias[0]);
    } else if ((rc = v->pack(d, &p.q, p.weights, p.bias, packed)) != QT_KERNEL_EINVAL) {
      status = fail(msg, cap, v, d, dtype, requant, 0,
                    "pack returned %d for bias %lld, one past the limit", rc,
                    (long long)p.bias[0]);
    }
    free(packed);
    free(out);
  }
  qt_problem_free(&p);
  return status;
}

int qt_check_variant_bias_limit(const qt_variant_fns *v, const qt_conv_desc *d,
                                int32_t last_dtype, char *msg, size_t cap) {
  if (msg && cap) msg[0] = '\0';
  if (!v || !d || !v->packed_size || !v->scratch_size || !v->pack || !v->run)
    return d ? fail(msg, cap, v, d, last_dtype, 0, 0, "incomplete variant table") : 1;
  for (int32_t dtype = QT_DTYPE_S8; dtype <= last_dtype; dtype++)
    for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++)
      if (bias_limit(v, d, dtype, rq, msg, cap)) return 1;
  return 0;
}

int qt_check_bias_limit_case(const qt_variant_fns *v, const char *name, const qt_conv_desc *d,
                             int32_t last_dtype, size_t *want_compared) {
  char msg[512];
  *want_compared += QT_BIAS_LIMIT_RUNS * (size_t)(last_dtype + 1) * qt_output_bytes(d);
  const int rc = qt_check_variant_bias_limit(v, d, last_dtype, msg, sizeof msg);
  if (rc) printf("%s: %s\n", name, msg);
  return rc;
}
