/* peers.c — bench/peers: MobileNetV2's conv layers on the host, one thread, qtune against its
 * peers in one run with interleaved repetitions. Per layer it times qtune's default config,
 * qtune's best config (from a --db tuning log, else the fastest of a built-in sample: the
 * default plus --sample random valid configs of the host's space), XNNPACK (qc8: int8 with
 * per-channel weight scales, fp32 requantization), when built with it oneDNN (int8, one
 * thread, weights in format `any` then reordered) twice: with runtime zero points and in its
 * fastest configuration (zero points folded into the bias, exact on unpadded layers), and
 * qtune's best config of the fixed-point workload (--db-fixedpoint, else --db). Every fp32
 * method runs on the same seeded problem (s8, fp32 requantization); qtune's outputs must
 * equal the reference's (both schemes) and XNNPACK's byte for byte. It prints per-layer
 * medians, ratios and GMAC/s, totals per layer kind (stem, depthwise, pointwise) and for the
 * network, and each total as a fraction of the machine's int8 peak measured by a small
 * microbenchmark in the same program (VPDPBUSD with AVX-512 VNNI, else AVX2's fastest int8
 * sequence VPMADDUBSW + VPMADDWD + VPADDD; beside it the exact VPMADDWD + VPADDD ceiling). *
 * qtune variants are the real thing: the template compiled with the config's knob defines,
 * knob flags and shape constants exactly as `tune` builds them (cc + target cflags), as a
 * shared object loaded with dlopen (cached in --cache). Usage: bench/README.md. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xnnpack.h>

#ifdef QT_BENCH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

#include "db/db.h"
#include "qt_datagen.h"
#include "schedules/space.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"
#include "tuner/output/html_report.h"
#include "tuner/search/search.h"

#define MAX_LAYERS 128

/* One compiled qtune variant, packed and ready to run on one problem. */
typedef struct qt_bench_variant {
  void *so;
  char knobs[QT_KNOBS_MAX];
  int (*run)(const qt_conv_desc *, const qt_quant_params *, const void *, const void *, void *,
             void *);
  void *packed, *scratch;
} qt_bench_variant;

/* M_FIXED: qtune's best config of the layer's fixed-point workload (--requant fixedpoint),
 * run on the same seeded problem generated for that scheme. */
enum { M_DEFAULT, M_BEST, M_XNNPACK, M_ONEDNN, M_ONEDNN_FAST, M_FIXED, N_METHODS };
static const char *const method_names[N_METHODS] = {"qt-default", "qt-best",     "xnnpack",
                                                    "onednn",     "onednn-fast", "qt-best-fx"};
/* The methods of a --csv row, in the order of QT_PEERS_HEADER's columns. */
static const int csv_methods[] = {M_DEFAULT, M_BEST, M_XNNPACK, M_ONEDNN, M_ONEDNN_FAST};

#ifdef QT_BENCH_ONEDNN
/* One oneDNN convolution primitive with its memory objects, ready to execute. */
typedef struct qt_bench_dnnl {
  dnnl_primitive_t prim;
  dnnl_memory_t src, wei, bias, dst, zp_src_m, zp_dst_m;
  int32_t zp_src, zp_dst;
  int32_t *bias_folded; /* fast path: bias with the input zero point folded in */
  int n_args;
  char impl[64];
} qt_bench_dnnl;
#endif

typedef struct qt_bench_layer {
  const qt_layer *layer;
  int kind; /* 0 stem, 1 depthwise, 2 pointwise */
  double macs;
  qt_problem p, p_fx;    /* fp32 and fixed-point requantization, same shapes */
  qt_bench_variant v[3]; /* default, best (fp32), best (fixedpoint) */
  void *ref, *ref_fx;    /* qt_ref_conv's outputs of p and p_fx */
  int fast_exact;        /* oneDNN's fast path computes the same arithmetic (unpadded) */
  xnn_operator_t xnn;
#ifdef QT_BENCH_ONEDNN
  qt_bench_dnnl dnnl[2]; /* runtime zero points, fast */
#endif
  void *out[N_METHODS];
  double *times[N_METHODS]; /* per repetition, ns */
  int have[N_METHODS];
} qt_bench_layer;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The cache state every timed run starts from, the same for every method (qtune or peer):
 * cold: a buffer of twice the last-level cache written and read just before, so each run finds
 * its code, weights, input and output in memory, as a layer of a network whose predecessors
 * moved more than the caches hold; warm: an untimed run of the same method just before, so
 * it finds them all in the caches (what a loop over one layer measures). Before, the methods
 * ran in a fixed cyclic order: qt-best always ran right after qt-default, so where both were
 * the same config qt-best found its code and input warm and the fixed-point run did not
 * (block13_dw, one config: 7.5 against 15.9 us). */
typedef struct qt_bench_caches {
  int cold;
  unsigned char *flush; /* cold: the buffer */
  size_t flush_bytes;
} qt_bench_caches;

/* Twice the last-level cache (sysconf, else sysfs, else 32 MiB), at least 8 MiB. */
static size_t llc_bytes(void) {
  long v = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
  v = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
  if (v <= 0) {
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    unsigned long kb = 0;
    if (f && fscanf(f, "%luK", &kb) == 1) v = (long)(kb * 1024);
    if (f) fclose(f);
  }
  return v > 0 ? (size_t)v : (size_t)32 << 20;
}

static int caches_init(qt_bench_caches *c, int cold) {
  c->cold = cold;
  c->flush = NULL;
  c->flush_bytes = 0;
  if (!cold) return 0;
  c->flush_bytes = 2 * llc_bytes();
  if (c->flush_bytes < (size_t)8 << 20) c->flush_bytes = (size_t)8 << 20;
  c->flush = malloc(c->flush_bytes);
  return c->flush ? 0 : -1;
}

/* Cold: writes then reads the flush buffer (the sum through a volatile so the reads stay). */
static void caches_flush(const qt_bench_caches *c) {
  unsigned sum = 0;
  for (size_t i = 0; i < c->flush_bytes; i += 64) c->flush[i] = (unsigned char)(c->flush[i] + 1);
  for (size_t i = 0; i < c->flush_bytes; i += 64) sum += c->flush[i];
  volatile unsigned sink = sum;
  (void)sink;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(const double *v, int n) {
  double *c = malloc(sizeof *c * (size_t)n);
  memcpy(c, v, sizeof *c * (size_t)n);
  qsort(c, (size_t)n, sizeof *c, cmp_double);
  double m = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
  free(c);
  return m;
}

/* ---- qtune variants: compile (cached), load, pack ---------------------------------------- */

/* Folds the contents of kernels/<rel> into h (FNV-1a), so a cached variant is rebuilt when a
 * source it includes changes. Missing files fold in nothing. */
static uint64_t hash_source(uint64_t h, const char *kernels, const char *rel) {
  char path[QT_PATH_MAX + 128];
  snprintf(path, sizeof path, "%s/%s", kernels, rel);
  FILE *f = fopen(path, "rb");
  if (!f) return h;
  int ch;
  while ((ch = fgetc(f)) != EOF) h = (h ^ (uint64_t)(unsigned char)ch) * 0x100000001b3ULL;
  fclose(f);
  return h;
}

/* Folds every *.h of kernels/<sub> into h, in name order (the headers a template includes). */
static uint64_t hash_headers_of(uint64_t h, const char *kernels, const char *sub) {
  char dir[QT_PATH_MAX + 64];
  snprintf(dir, sizeof dir, "%s/%s", kernels, sub);
  struct dirent **names;
  const int n = scandir(dir, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    const size_t len = strlen(names[i]->d_name);
    if (len > 2 && strcmp(names[i]->d_name + len - 2, ".h") == 0) {
      char rel[512];
      snprintf(rel, sizeof rel, "%s/%s", sub, names[i]->d_name);
      h = hash_source(h, kernels, rel);
    }
    free(names[i]);
  }
  if (n >= 0) free(names);
  return h;
}

/* Compiles (w, c) for target t into a shared object under cache and loads it into v, packed
 * for problem p. Returns 0, or -1 with a message on stderr. */
static int load_variant(const qt_target *t, const char *kernels, const char *cache,
                        const qt_workload *w, const qt_config *c, const qt_problem *p,
                        qt_bench_variant *v) {
  char knobs[1024], flags[512], shape[1024], cmd[8192], so[QT_PATH_MAX + 64];
  memset(v, 0, sizeof *v);
  qt_config_format(c, v->knobs, sizeof v->knobs);
  if (qt_config_defines(c, knobs, sizeof knobs) || qt_config_flags(c, flags, sizeof flags) ||
      qt_shape_defines(w, shape, sizeof shape))
    return -1;
  snprintf(cmd, sizeof cmd,
           "%s %s -std=c11 -ffp-contract=off -fPIC -shared -I%s/include -I%s/templates %s %s %s "
           "%s/%s",
           t->compiler, t->cflags, kernels, kernels, knobs, flags, shape, kernels,
           c->tpl->source);
  uint64_t h = hash_source(qt_checksum(cmd, strlen(cmd)), kernels, c->tpl->source);
  h = hash_headers_of(hash_headers_of(h, kernels, "include"), kernels, "ukernels");
  h = hash_headers_of(h, kernels, "templates"); /* qt_template_common.h, the dw window */
  snprintf(so, sizeof so, "%s/%016llx.so", cache, (unsigned long long)h);
  struct stat st;
  if (stat(so, &st) != 0) {
    char full[8192 + 2 * QT_PATH_MAX];
    snprintf(full, sizeof full, "%s -o %s.tmp && mv %s.tmp %s", cmd, so, so, so);
    if (system(full) != 0) {
      fprintf(stderr, "bench: cannot compile %s\n", v->knobs);
      return -1;
    }
  }
  v->so = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (!v->so) {
    fprintf(stderr, "bench: dlopen %s: %s\n", so, dlerror());
    return -1;
  }
  size_t (*packed_size)(const qt_conv_desc *) = (size_t (*)(const qt_conv_desc *))dlsym(v->so, "qt_variant_packed_size");
  size_t (*scratch_size)(const qt_conv_desc *) = (size_t (*)(const qt_conv_desc *))dlsym(v->so, "qt_variant_scratch_size");
  int (*pack)(const qt_conv_desc *, const qt_quant_params *, const void *, const int32_t *,
              void *) = (int (*)(const qt_conv_desc *, const qt_quant_params *, const void *,
                                 const int32_t *, void *))dlsym(v->so, "qt_variant_pack");
  v->run = (int (*)(const qt_conv_desc *, const qt_quant_params *, const void *, const void *,
                    void *, void *))dlsym(v->so, "qt_variant_run");
  if (!packed_size || !scratch_size || !pack || !v->run) {
    fprintf(stderr, "bench: %s lacks the template contract's functions\n", so);
    return -1;
  }
  const size_t pb = packed_size(&p->d), sb = scratch_size(&p->d);
  v->packed = aligned_alloc(QT_ALIGN, (pb + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
  v->scratch = sb ? aligned_alloc(QT_ALIGN, (sb + QT_ALIGN) / QT_ALIGN * QT_ALIGN) : NULL;
  if (!v->packed || (sb && !v->scratch) ||
      pack(&p->d, &p->q, p->weights, p->bias, v->packed) != QT_KERNEL_OK) {
    fprintf(stderr, "bench: cannot pack %s\n", v->knobs);
    return -1;
  }
  return 0;
}

static void free_variant(qt_bench_variant *v) {
  free(v->packed);
  free(v->scratch);
  if (v->so) dlclose(v->so);
  memset(v, 0, sizeof *v);
}

/* Medians of `reps` runs each of a and b on p, alternating, so that a burst of noise on the
 * shared machine hits both (for picking the best of a few configs), each run from the cache
 * state of `caches` as the table's runs are. */
static void time_pair(const qt_bench_variant *a, const qt_bench_variant *b, const qt_problem *p,
                      void *out, int reps, const qt_bench_caches *caches, double *ta, double *tb) {
  double t[2][16];
  const qt_bench_variant *v[2] = {a, b};
  if (reps > 16) reps = 16;
  for (int r = -1; r < reps; r++) /* r = -1: warm-up */
    for (int k = 0; k < 2; k++) {
      if (caches->cold) caches_flush(caches);
      else v[k]->run(&p->d, &p->q, p->input, v[k]->packed, out, v[k]->scratch);
      const double t0 = now_ns();
      v[k]->run(&p->d, &p->q, p->input, v[k]->packed, out, v[k]->scratch);
      if (r >= 0) t[k][r] = now_ns() - t0;
    }
  *ta = median(t[0], reps);
  *tb = median(t[1], reps);
}

/* Replaces *best by candidate c if c runs faster here, timed against it interleaved (timed
 * one after the other, block16_project's 2x32 config once won, 333 us in the log against
 * the default's 238 and as slow in the table; whether noise or cache state favoured it was
 * not measured); frees the loser. Returns 1 when c won. */
static int consider(const qt_target *t, const char *kernels, const char *cache, const qt_space *s,
                    const qt_config *c, const qt_problem *p, void *out,
                    const qt_bench_caches *caches, qt_bench_variant *best) {
  qt_bench_variant cand;
  if (load_variant(t, kernels, cache, &s->w, c, p, &cand)) return 0;
  double tc, tb;
  time_pair(&cand, best, p, out, 9, caches, &tc, &tb);
  if (tc < tb) {
    free_variant(best);
    *best = cand;
    return 1;
  }
  free_variant(&cand);
  return 0;
}

/* The best config for w, re-judged here as docs/DESIGN.md §4 asks (noise in the log must not
 * pick the winner): the fastest, timed in this process, of the default and either the log's
 * three best configs and its verdict (--db, when it has any) or `sample` random valid configs. Loaded into
 * v; *from says which source won ("default", "log" or "sample"). */
static int load_best(const qt_target *t, const char *kernels, const char *cache, qt_db *db,
                     const qt_space *s, const qt_config *def, int sample, uint64_t *rng,
                     const qt_problem *p, void *out, const qt_bench_caches *caches,
                     qt_bench_variant *v, const char **from) {
  qt_err err;
  if (load_variant(t, kernels, cache, &s->w, def, p, v)) return -1;
  *from = "default";
  if (db) {
    char key[QT_KEY_MAX];
    qt_workload_key(&s->w, key);
    qt_db_row rows[4];
    int n_rows = 0, found = 0;
    /* the three lowest medians, and the tuner's verdict when it is none of them */
    if (qt_db_topk(db, key, t->name, 3, rows, &n_rows, &err) == 0 && n_rows > 0) {
      if (qt_db_best(db, key, t->name, &rows[n_rows], &found, &err) == 0 && found) {
        int known = 0;
        for (int i = 0; i < n_rows; i++) known |= strcmp(rows[i].knobs, rows[n_rows].knobs) == 0;
        if (!known) n_rows++;
      }
      for (int i = 0; i < n_rows; i++) {
        char text[QT_KNOBS_MAX + 80];
        qt_config c;
        snprintf(text, sizeof text, "%s:%s", rows[i].template_name, rows[i].knobs);
        if (qt_config_parse(s, strchr(rows[i].knobs, ':') ? rows[i].knobs : text, &c, &err)) {
          fprintf(stderr, "bench: log config %s for %s unusable (%s)\n", rows[i].knobs, key,
                  err.msg);
          continue;
        }
        if (consider(t, kernels, cache, s, &c, p, out, caches, v)) *from = "log";
      }
      return 0;
    }
  }
  uint64_t *valid, n;
  if (sample <= 0 || qt_space_enumerate_valid(s, &valid, &n, &err) || n == 0) return 0;
  for (int i = 0; i < sample; i++) {
    *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
    qt_config c;
    qt_space_decode(s, valid[(*rng >> 17) % n], &c);
    if (consider(t, kernels, cache, s, &c, p, out, caches, v)) *from = "sample";
  }
  free(valid);
  return 0;
}

/* ---- XNNPACK ------------------------------------------------------------------------------ */

/* Creates the qc8 convolution of p: input and output scale 1, per-channel kernel scale = the
 * problem's fp32 requantization scale, so XNNPACK's scale (input * kernel / output) is
 * exactly qtune's. Depthwise weights (1HWO) are XNNPACK's depthwise layout. */
static int xnn_make(const qt_problem *p, xnn_operator_t *op) {
  const qt_conv_desc *d = &p->d;
  const int dw = d->p.op == QT_OP_DEPTHWISE;
  const enum xnn_status st = xnn_create_convolution2d_nhwc_qc8(
      (uint32_t)d->p.pad_top, (uint32_t)d->p.pad_right, (uint32_t)d->p.pad_bottom,
      (uint32_t)d->p.pad_left, (uint32_t)d->p.kernel_h, (uint32_t)d->p.kernel_w,
      (uint32_t)d->p.stride_h, (uint32_t)d->p.stride_w, (uint32_t)d->p.dilation_h,
      (uint32_t)d->p.dilation_w, dw ? (uint32_t)d->in.c : 1, dw ? 1 : (size_t)d->in.c,
      dw ? (size_t)d->p.depth_multiplier : (size_t)d->out.c, (size_t)d->in.c, (size_t)d->out.c,
      (int8_t)p->q.input_zp, 1.0f, p->scale, (const int8_t *)p->weights, p->bias,
      (int8_t)p->q.output_zp, 1.0f, (int8_t)p->q.act_min, (int8_t)p->q.act_max,
      dw ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0, op);
  return st == xnn_status_success ? 0 : -1;
}

/* Whether the input zero point can be folded into the bias exactly: only when no tap ever
 * reads padding (padding must read as the zero point, which a folded bias treats as 0). */
static int zp_fold_exact(const qt_conv_desc *d) {
  return !d->p.pad_top && !d->p.pad_left && !d->p.pad_bottom && !d->p.pad_right;
}

/* ---- oneDNN ------------------------------------------------------------------------------- */
#ifdef QT_BENCH_ONEDNN
static dnnl_engine_t dnnl_eng;
static dnnl_stream_t dnnl_str;

#define DNNL_OK(call)                                                             \
  do {                                                                            \
    if ((call) != dnnl_success) {                                                 \
      fprintf(stderr, "bench: oneDNN: %s failed (line %d)\n", #call, __LINE__);  \
      return -1;                                                                  \
    }                                                                             \
  } while (0)

/* One thread: the Debian build uses OpenMP, whose runtime has read OMP_NUM_THREADS by now,
 * so the thread count is set through omp_set_num_threads, found in the loaded runtime. */
static int onednn_init(void) {
  void (*set_threads)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  if (set_threads) set_threads(1);
  else setenv("OMP_NUM_THREADS", "1", 1);
  DNNL_OK(dnnl_engine_create(&dnnl_eng, dnnl_cpu, 0));
  DNNL_OK(dnnl_stream_create(&dnnl_str, dnnl_eng, dnnl_stream_default_flags));
  return 0;
}

/* bias[oc] - zp_in * sum of output channel oc's weights (s8, weight zero point 0): the input
 * zero point folded into the bias, as a deployment of an unpadded layer does ahead of time.
 * The sums stay inside int32 by the bias rule of qt_kernels.h. */
static int32_t *fold_input_zp(const qt_problem *p) {
  const qt_conv_desc *d = &p->d;
  const int dw = d->p.op == QT_OP_DEPTHWISE;
  const int64_t taps = (int64_t)d->p.kernel_h * d->p.kernel_w, k = dw ? taps : taps * d->in.c;
  int32_t *out = malloc(sizeof *out * (size_t)d->out.c);
  if (!out) return NULL;
  const int8_t *w = (const int8_t *)p->weights;
  for (int32_t oc = 0; oc < d->out.c; oc++) {
    int64_t sum = 0;
    for (int64_t i = 0; i < k; i++) sum += dw ? w[i * d->out.c + oc] : w[(int64_t)oc * k + i];
    out[oc] = (int32_t)(p->bias[oc] - (int64_t)p->q.input_zp * sum);
  }
  return out;
}

/* The int8 convolution of b's problem: s8 NHWC in and out, weights in format `any` reordered
 * once from qtune's layout (OHWI, depthwise 1HWO = oneDNN's hwigo), per-channel output scales
 * (the fp32 requant scale). Two configurations:
 *  - runtime (fast = 0): runtime input/output zero points; no clamp beyond s8 saturation:
 *    timing only (its output is not compared).
 *  - fast (fast = 1): no runtime zero points, oneDNN's fastest int8 path: the input zero
 *    point folded into the bias (fold_input_zp), the clamp and the output zero point as
 *    post-ops (clip to [act_min - zp_out, act_max - zp_out], then linear + zp_out). Exact
 *    arithmetic for unpadded layers, whose output is compared with the reference; padded
 *    layers run the same instructions but read padding as 0, so there it is a speed bar. */
static int onednn_make(const qt_problem *p, int fast, void *out, qt_bench_dnnl *o) {
  const qt_conv_desc *d = &p->d;
  const int dw = d->p.op == QT_OP_DEPTHWISE;
  memset(o, 0, sizeof *o);
  dnnl_memory_desc_t src_md, dst_md, wei_any, wei_user, bias_md, zp_md;
  const dnnl_dims_t src_dims = {d->in.n, d->in.c, d->in.h, d->in.w};
  const dnnl_dims_t dst_dims = {d->out.n, d->out.c, d->out.h, d->out.w};
  const dnnl_dims_t bias_dims = {d->out.c}, zp_dims = {1};
  DNNL_OK(dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, dnnl_s8, dnnl_nhwc));
  DNNL_OK(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dnnl_s8, dnnl_nhwc));
  DNNL_OK(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_s32, dnnl_a));
  DNNL_OK(dnnl_memory_desc_init_by_tag(&zp_md, 1, zp_dims, dnnl_s32, dnnl_a));
  if (dw) {
    const dnnl_dims_t wd = {d->in.c, d->p.depth_multiplier, 1, d->p.kernel_h, d->p.kernel_w};
    DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_any, 5, wd, dnnl_s8, dnnl_format_tag_any));
    DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_user, 5, wd, dnnl_s8, dnnl_hwigo));
  } else {
    const dnnl_dims_t wd = {d->out.c, d->in.c, d->p.kernel_h, d->p.kernel_w};
    DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_any, 4, wd, dnnl_s8, dnnl_format_tag_any));
    DNNL_OK(dnnl_memory_desc_init_by_tag(&wei_user, 4, wd, dnnl_s8, dnnl_ohwi));
  }
  const dnnl_dims_t strides = {d->p.stride_h, d->p.stride_w};
  const dnnl_dims_t dil = {d->p.dilation_h - 1, d->p.dilation_w - 1};
  const dnnl_dims_t pad_l = {d->p.pad_top, d->p.pad_left}, pad_r = {d->p.pad_bottom, d->p.pad_right};
  dnnl_convolution_desc_t cd;
  DNNL_OK(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                                     dnnl_convolution_direct, &src_md, &wei_any,
                                                     &bias_md, &dst_md, strides, dil, pad_l,
                                                     pad_r));
  dnnl_primitive_attr_t attr;
  DNNL_OK(dnnl_primitive_attr_create(&attr));
  DNNL_OK(dnnl_primitive_attr_set_output_scales(attr, d->out.c, 1 << 1, p->scale));
  if (fast) {
    dnnl_post_ops_t po;
    DNNL_OK(dnnl_post_ops_create(&po));
    DNNL_OK(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip,
                                         (float)(p->q.act_min - p->q.output_zp),
                                         (float)(p->q.act_max - p->q.output_zp)));
    DNNL_OK(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_linear, 1.0f,
                                         (float)p->q.output_zp));
    DNNL_OK(dnnl_primitive_attr_set_post_ops(attr, po));
    dnnl_post_ops_destroy(po);
  } else {
    const int32_t rt = DNNL_RUNTIME_S32_VAL;
    DNNL_OK(dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_SRC, 1, 0, &rt));
    DNNL_OK(dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_DST, 1, 0, &rt));
  }
  dnnl_primitive_desc_t pd;
  DNNL_OK(dnnl_primitive_desc_create(&pd, &cd, attr, dnnl_eng, NULL));
  dnnl_primitive_attr_destroy(attr);
  const char *impl = NULL;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  snprintf(o->impl, sizeof o->impl, "%s", impl ? impl : "?");
  if (impl && strstr(impl, "ref")) fprintf(stderr, "bench: oneDNN picked %s (slow)\n", impl);
  const dnnl_memory_desc_t *wei_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  dnnl_memory_t user_wei;
  DNNL_OK(dnnl_memory_create(&user_wei, &wei_user, dnnl_eng, p->weights));
  DNNL_OK(dnnl_memory_create(&o->wei, wei_md, dnnl_eng, DNNL_MEMORY_ALLOCATE));
  dnnl_primitive_desc_t rpd;
  dnnl_primitive_t reorder;
  DNNL_OK(dnnl_reorder_primitive_desc_create(&rpd, &wei_user, dnnl_eng, wei_md, dnnl_eng, NULL));
  DNNL_OK(dnnl_primitive_create(&reorder, rpd));
  const dnnl_exec_arg_t rargs[] = {{DNNL_ARG_FROM, user_wei}, {DNNL_ARG_TO, o->wei}};
  DNNL_OK(dnnl_primitive_execute(reorder, dnnl_str, 2, rargs));
  DNNL_OK(dnnl_stream_wait(dnnl_str));
  dnnl_primitive_destroy(reorder);
  dnnl_primitive_desc_destroy(rpd);
  dnnl_memory_destroy(user_wei);
  o->zp_src = p->q.input_zp;
  o->zp_dst = p->q.output_zp;
  if (fast && !(o->bias_folded = fold_input_zp(p))) return -1;
  DNNL_OK(dnnl_memory_create(&o->src, &src_md, dnnl_eng, p->input));
  DNNL_OK(dnnl_memory_create(&o->dst, &dst_md, dnnl_eng, out));
  DNNL_OK(dnnl_memory_create(&o->bias, &bias_md, dnnl_eng, fast ? o->bias_folded : p->bias));
  o->n_args = 4;
  if (!fast) {
    DNNL_OK(dnnl_memory_create(&o->zp_src_m, &zp_md, dnnl_eng, &o->zp_src));
    DNNL_OK(dnnl_memory_create(&o->zp_dst_m, &zp_md, dnnl_eng, &o->zp_dst));
    o->n_args = 6;
  }
  DNNL_OK(dnnl_primitive_create(&o->prim, pd));
  dnnl_primitive_desc_destroy(pd);
  return 0;
}

static void onednn_run(const qt_bench_dnnl *o) {
  const dnnl_exec_arg_t args[] = {
      {DNNL_ARG_SRC, o->src},
      {DNNL_ARG_WEIGHTS, o->wei},
      {DNNL_ARG_BIAS, o->bias},
      {DNNL_ARG_DST, o->dst},
      {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, o->zp_src_m},
      {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_DST, o->zp_dst_m},
  };
  dnnl_primitive_execute(o->prim, dnnl_str, o->n_args, args);
  dnnl_stream_wait(dnnl_str);
}

static void onednn_free(qt_bench_dnnl *o) {
  if (o->prim) dnnl_primitive_destroy(o->prim);
  dnnl_memory_t mems[] = {o->src, o->wei, o->bias, o->dst, o->zp_src_m, o->zp_dst_m};
  for (int i = 0; i < 6; i++)
    if (mems[i]) dnnl_memory_destroy(mems[i]);
  free(o->bias_folded);
  memset(o, 0, sizeof *o);
}
#endif

/* ---- Peak --------------------------------------------------------------------------------- */

/* int8 MACs per second of VPDPBUSD on zmm with 16 independent accumulators (enough to cover
 * its latency on both ports), the best of a few runs. 0 if the CPU lacks AVX-512 VNNI. */
__attribute__((target("avx512f,avx512bw,avx512vnni"), noinline)) static double peak_vnni_run(
    long iters) {
  __m512i a0 = _mm512_set1_epi32(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,
          a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
  const __m512i x = _mm512_set1_epi32(0x01010101), w = _mm512_set1_epi32(0x01ff01ff);
  const double t0 = now_ns();
  for (long i = 0; i < iters; i++) {
    /* opaque to the optimiser: every accumulator is live and really accumulated */
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6),
                     "+v"(a7));
    __asm__ volatile("" : "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(a12), "+v"(a13),
                     "+v"(a14), "+v"(a15));
    a0 = _mm512_dpbusd_epi32(a0, x, w); a1 = _mm512_dpbusd_epi32(a1, x, w);
    a2 = _mm512_dpbusd_epi32(a2, x, w); a3 = _mm512_dpbusd_epi32(a3, x, w);
    a4 = _mm512_dpbusd_epi32(a4, x, w); a5 = _mm512_dpbusd_epi32(a5, x, w);
    a6 = _mm512_dpbusd_epi32(a6, x, w); a7 = _mm512_dpbusd_epi32(a7, x, w);
    a8 = _mm512_dpbusd_epi32(a8, x, w); a9 = _mm512_dpbusd_epi32(a9, x, w);
    a10 = _mm512_dpbusd_epi32(a10, x, w); a11 = _mm512_dpbusd_epi32(a11, x, w);
    a12 = _mm512_dpbusd_epi32(a12, x, w); a13 = _mm512_dpbusd_epi32(a13, x, w);
    a14 = _mm512_dpbusd_epi32(a14, x, w); a15 = _mm512_dpbusd_epi32(a15, x, w);
  }
  const double dt = now_ns() - t0;
  __m512i s = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)),
                               _mm512_add_epi32(_mm512_add_epi32(a4, a5), _mm512_add_epi32(a6, a7)));
  s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a8, a9), _mm512_add_epi32(a10, a11)),
                                           _mm512_add_epi32(_mm512_add_epi32(a12, a13), _mm512_add_epi32(a14, a15))));
  volatile int sink = _mm512_reduce_add_epi32(s);
  (void)sink;
  return (double)iters * 16 * 64 / (dt * 1e-9);
}

/* int8 MACs per second on AVX2 of one k4-step of an int8 GEMM, 12 independent accumulators,
 * no loads. peak_avx2_fast_run: VPMADDUBSW (32 u8 x s8 products, pairs summed to int16,
 * saturating), VPMADDWD by ones, VPADDD: 32 MACs in 3 instructions, the fastest int8
 * sequence AVX2 has (oneDNN's and XNNPACK's inner step, not exact for all inputs).
 * peak_avx2_exact_run: VPMADDWD on int16 then VPADDD, 16 MACs in 2 (qtune's exact avx2
 * step). Each accumulator is its own multiplicand, so the 12 chains are distinct work and
 * cover the multiplies' latency. An earlier form, 16 chains of VPMADDUBSW alone, measured
 * 68 GMAC/s here, below what oneDNN reached on single layers, so it understated the peak.
 * Both loops are inline assembly: written in C, GCC spilled accumulators to the stack (the
 * exact ceiling read 41 instead of 82 GMAC/s), which measured the compiler, not the machine.
 * ymm0-11 accumulate, ymm12 is the multiplier, ymm13 the int16 ones, ymm14-15 the products. */
#define QT_PEAK_AVX2_INIT                                                                     \
  "vpcmpeqd %%ymm13, %%ymm13, %%ymm13\n\t" "vpsrlw $15, %%ymm13, %%ymm13\n\t"                 \
  "vpaddw %%ymm13, %%ymm13, %%ymm12\n\t" "vpaddw %%ymm13, %%ymm12, %%ymm12\n\t"                \
  "vmovdqa %%ymm13, %%ymm0\n\t" "vmovdqa %%ymm13, %%ymm1\n\t" "vmovdqa %%ymm13, %%ymm2\n\t"   \
  "vmovdqa %%ymm13, %%ymm3\n\t" "vmovdqa %%ymm13, %%ymm4\n\t" "vmovdqa %%ymm13, %%ymm5\n\t"   \
  "vmovdqa %%ymm13, %%ymm6\n\t" "vmovdqa %%ymm13, %%ymm7\n\t" "vmovdqa %%ymm13, %%ymm8\n\t"   \
  "vmovdqa %%ymm13, %%ymm9\n\t" "vmovdqa %%ymm13, %%ymm10\n\t" "vmovdqa %%ymm13, %%ymm11\n\t"
#define QT_PEAK_AVX2_CLOBBERS                                                                 \
  "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",       \
      "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

#define QT_PEAK_AVX2_FAST_STEPS \
  "vpmaddubsw %%ymm12, %%ymm0, %%ymm14\n\t" "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm0, %%ymm0\n\t" \
  "vpmaddubsw %%ymm12, %%ymm1, %%ymm15\n\t" "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm1, %%ymm1\n\t" \
  "vpmaddubsw %%ymm12, %%ymm2, %%ymm14\n\t" "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm2, %%ymm2\n\t" \
  "vpmaddubsw %%ymm12, %%ymm3, %%ymm15\n\t" "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm3, %%ymm3\n\t" \
  "vpmaddubsw %%ymm12, %%ymm4, %%ymm14\n\t" "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm4, %%ymm4\n\t" \
  "vpmaddubsw %%ymm12, %%ymm5, %%ymm15\n\t" "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm5, %%ymm5\n\t" \
  "vpmaddubsw %%ymm12, %%ymm6, %%ymm14\n\t" "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm6, %%ymm6\n\t" \
  "vpmaddubsw %%ymm12, %%ymm7, %%ymm15\n\t" "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm7, %%ymm7\n\t" \
  "vpmaddubsw %%ymm12, %%ymm8, %%ymm14\n\t" "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm8, %%ymm8\n\t" \
  "vpmaddubsw %%ymm12, %%ymm9, %%ymm15\n\t" "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm9, %%ymm9\n\t" \
  "vpmaddubsw %%ymm12, %%ymm10, %%ymm14\n\t" "vpmaddwd %%ymm13, %%ymm14, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm10, %%ymm10\n\t" \
  "vpmaddubsw %%ymm12, %%ymm11, %%ymm15\n\t" "vpmaddwd %%ymm13, %%ymm15, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm11, %%ymm11\n\t"
#define QT_PEAK_AVX2_EXACT_STEPS \
  "vpmaddwd %%ymm12, %%ymm0, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm0, %%ymm0\n\t" \
  "vpmaddwd %%ymm12, %%ymm1, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm1, %%ymm1\n\t" \
  "vpmaddwd %%ymm12, %%ymm2, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm2, %%ymm2\n\t" \
  "vpmaddwd %%ymm12, %%ymm3, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm3, %%ymm3\n\t" \
  "vpmaddwd %%ymm12, %%ymm4, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm4, %%ymm4\n\t" \
  "vpmaddwd %%ymm12, %%ymm5, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm5, %%ymm5\n\t" \
  "vpmaddwd %%ymm12, %%ymm6, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm6, %%ymm6\n\t" \
  "vpmaddwd %%ymm12, %%ymm7, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm7, %%ymm7\n\t" \
  "vpmaddwd %%ymm12, %%ymm8, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm8, %%ymm8\n\t" \
  "vpmaddwd %%ymm12, %%ymm9, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm9, %%ymm9\n\t" \
  "vpmaddwd %%ymm12, %%ymm10, %%ymm14\n\t" "vpaddd %%ymm14, %%ymm10, %%ymm10\n\t" \
  "vpmaddwd %%ymm12, %%ymm11, %%ymm15\n\t" "vpaddd %%ymm15, %%ymm11, %%ymm11\n\t"
#define QT_PEAK_AVX2_RUN(name, steps, macs_per_step)                                         \
  __attribute__((target("avx2"), noinline)) static double name(long iters) {                  \
    const double t0 = now_ns();                                                               \
    long n = iters;                                                                           \
    __asm__ volatile(QT_PEAK_AVX2_INIT "1:\n\t" steps "dec %0\n\t"                            \
                     "jnz 1b\n\t"                                                             \
                     "vzeroupper"                                                             \
                     : "+r"(n)                                                                \
                     :                                                                        \
                     : QT_PEAK_AVX2_CLOBBERS);                                                \
    return (double)iters * 12 * (macs_per_step) / ((now_ns() - t0) * 1e-9);                   \
  }
QT_PEAK_AVX2_RUN(peak_avx2_fast_run, QT_PEAK_AVX2_FAST_STEPS, 32)
QT_PEAK_AVX2_RUN(peak_avx2_exact_run, QT_PEAK_AVX2_EXACT_STEPS, 16)
#undef QT_PEAK_AVX2_RUN
#undef QT_PEAK_AVX2_FAST_STEPS
#undef QT_PEAK_AVX2_EXACT_STEPS
#undef QT_PEAK_AVX2_INIT
#undef QT_PEAK_AVX2_CLOBBERS

/* The instruction sequence the peak is measured with on this CPU. */
static const char *peak_name(void) {
  return __builtin_cpu_supports("avx512vnni") ? "VPDPBUSD"
         : __builtin_cpu_supports("avx2")     ? "VPMADDUBSW+VPMADDWD+VPADDD"
                                              : "none";
}

/* The best of `runs` runs of about 1.5-2M multiply-add sequences each: VPDPBUSD where the
 * CPU has AVX-512 VNNI, else AVX2's fastest int8 sequence (exact = 0) or qtune's exact one
 * (exact = 1; 0 with VNNI, where it is not the avx kernels' step); 0 without either. */
static double peak_macs(int runs, int exact) {
  const int vnni = __builtin_cpu_supports("avx512vnni");
  if ((vnni && exact) || (!vnni && !__builtin_cpu_supports("avx2"))) return 0;
  double best = 0;
  for (int r = 0; r < runs; r++) {
    const double m = vnni    ? peak_vnni_run(128 * 1024)
                     : exact ? peak_avx2_exact_run(128 * 1024)
                             : peak_avx2_fast_run(128 * 1024);
    if (m > best) best = m;
  }
  return best;
}

/* ---- Main --------------------------------------------------------------------------------- */

static void usage(void) {
  fprintf(stderr,
          "usage: peers [--db tuning.db] [--db-fixedpoint F] [--reps N] [--sample N] "
          "[--layers N] [--caches cold|warm] [--clamps drawn|model] [--cache DIR] "
          "[--csv FILE] [--quiet]\n");
}

/* --clamps model: p's output quantization as TFLite's int8 MobileNetV2 has it. A layer with a
 * fused ReLU6 (`act` in the model file) takes the zero point and clamp the model loader made
 * for it (qt_model_load: zp = act_min = -128, act_max = 127, the fixed-point float form's relu
 * path); a projection's clamp is the whole s8 range around datagen's zero point. The
 * multipliers stay datagen's (about half of a ReLU6 layer's outputs then clamp at -128); the
 * bias does not depend on the output zero point. */
static void model_clamps(qt_problem *p, const qt_layer *l) {
  const qt_quant_given *g = l->act != QT_ACT_NONE && l->w.dtype == QT_DTYPE_S8 ? l->w.quant : NULL;
  if (g) p->q.output_zp = g->output_zp;
  p->q.act_min = g ? g->act_min : -128;
  p->q.act_max = g ? g->act_max : 127;
}

/* Number of bytes where the int8 outputs a and b differ, and the largest |a - b| over them. */
static size_t count_diff(const void *a, const void *b, size_t n, int *max_abs) {
  const int8_t *x = a, *y = b;
  size_t count = 0;
  *max_abs = 0;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) {
      const int dv = abs((int)x[i] - (int)y[i]);
      if (dv > *max_abs) *max_abs = dv;
      count++;
    }
  return count;
}

/* Reports (stderr) and counts a qtune output that differs from the expected one. */
static int check_equal(const char *layer, const char *what, const char *against,
                       const void *out, const void *expect, size_t n) {
  if (memcmp(out, expect, n) == 0) return 0;
  size_t at = 0;
  while (((const uint8_t *)out)[at] == ((const uint8_t *)expect)[at]) at++;
  fprintf(stderr, "MISMATCH %s %s vs %s at byte %zu: %d vs %d\n", layer, what, against, at,
          ((const int8_t *)out)[at], ((const int8_t *)expect)[at]);
  return 1;
}

static double ratio(double num, double den) { return num > 0 && den > 0 ? num / den : 0; }

/* One run of method k on layer b. */
static void run_method(qt_bench_layer *b, int k) {
  if (k == M_DEFAULT || k == M_BEST) {
    const qt_bench_variant *v = &b->v[k];
    v->run(&b->p.d, &b->p.q, b->p.input, v->packed, b->out[k], v->scratch);
  } else if (k == M_FIXED) {
    const qt_bench_variant *v = &b->v[2];
    v->run(&b->p_fx.d, &b->p_fx.q, b->p.input, v->packed, b->out[k], v->scratch);
  } else if (k == M_XNNPACK) {
    xnn_run_operator(b->xnn, NULL);
  }
#ifdef QT_BENCH_ONEDNN
  else {
    onednn_run(&b->dnnl[k == M_ONEDNN_FAST]);
  }
#endif
}

int main(int argc, char **argv) {
  const char *db_path = NULL, *db_fx_path = NULL, *cache = "/tmp/qtune-bench-cache",
             *csv_path = NULL;
  int reps = 21, sample = 6, max_layers = MAX_LAYERS, quiet = 0, cold = 1, clamps_model = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < argc) db_path = argv[++i];
    else if (!strcmp(argv[i], "--db-fixedpoint") && i + 1 < argc) db_fx_path = argv[++i];
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--sample") && i + 1 < argc) sample = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--layers") && i + 1 < argc) max_layers = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cache") && i + 1 < argc) cache = argv[++i];
    else if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv_path = argv[++i];
    else if (!strcmp(argv[i], "--quiet")) quiet = 1;
    else if (!strcmp(argv[i], "--caches") && i + 1 < argc &&
             (!strcmp(argv[i + 1], "cold") || !strcmp(argv[i + 1], "warm")))
      cold = !strcmp(argv[++i], "cold");
    else if (!strcmp(argv[i], "--clamps") && i + 1 < argc &&
             (!strcmp(argv[i + 1], "drawn") || !strcmp(argv[i + 1], "model")))
      clamps_model = !strcmp(argv[++i], "model");
    else {
      usage();
      return 2;
    }
  }
  if (reps < 1) reps = 1;
  qt_bench_caches caches;
  if (caches_init(&caches, cold)) {
    fprintf(stderr, "bench: no memory for the cache flush buffer\n");
    return 1;
  }
  mkdir(cache, 0755);
  /* Opened first: a path that cannot be written should fail before minutes of measuring. */
  FILE *csv = NULL;
  if (csv_path && !(csv = fopen(csv_path, "w"))) {
    fprintf(stderr, "bench: cannot write %s: %s\n", csv_path, strerror(errno));
    return 1;
  }
  if (csv) fprintf(csv, "%s\n", QT_PEERS_HEADER);
  qt_err err;
  qt_target t;
  qt_model m;
  if (qt_target_load(QT_SOURCE_DIR "/configs", "host", &t, &err) ||
      qt_model_load(QT_SOURCE_DIR "/configs", "mobilenet_v2", &m, &err)) {
    fprintf(stderr, "bench: %s\n", err.msg);
    return 1;
  }
  /* The workload key names the requant scheme, so one log may hold both schemes' bests:
   * without --db-fixedpoint the fixed-point configs come from --db too. */
  qt_db *db = NULL, *db_fx = NULL;
  /* A log to read, not to start: a missing file would open as a new, empty log and the bench
   * would quietly fall back to sampling. */
  const char *logs[2] = {db_path, db_fx_path};
  for (int i = 0; i < 2; i++)
    if (logs[i] && access(logs[i], R_OK) != 0) {
      fprintf(stderr, "bench: tuning log %s: %s\n", logs[i], strerror(errno));
      return 1;
    }
  if (db_path && qt_db_open(db_path, 5000, &db, &err)) {
    fprintf(stderr, "bench: %s\n", err.msg);
    return 1;
  }
  if (db_fx_path && qt_db_open(db_fx_path, 5000, &db_fx, &err)) {
    fprintf(stderr, "bench: %s\n", err.msg);
    return 1;
  }
  if (xnn_initialize(NULL) != xnn_status_success) {
    fprintf(stderr, "bench: xnn_initialize failed\n");
    return 1;
  }
#ifdef QT_BENCH_ONEDNN
  if (onednn_init()) return 1;
#endif
  const int n = m.n_layers < max_layers ? m.n_layers : max_layers;
  qt_bench_layer *L = calloc((size_t)n, sizeof *L);
  uint64_t rng = 42;
  int mismatches = 0;
  fprintf(stderr, "bench: preparing %d layers (compiling qtune variants into %s)\n", n, cache);
  for (int i = 0; i < n; i++) {
    qt_bench_layer *b = &L[i];
    b->layer = &m.layers[i];
    qt_workload w = m.layers[i].w, w_fx;
    w.dtype = QT_DTYPE_S8;
    w.requant = QT_REQUANT_FP32;
    w_fx = w;
    w_fx.requant = QT_REQUANT_FIXEDPOINT;
    b->kind = (int)qt_layer_kind_of(b->layer);
    const qt_conv_desc *d = &w.desc;
    const double taps = (double)d->p.kernel_h * d->p.kernel_w;
    b->macs = (double)d->out.n * d->out.h * d->out.w * d->out.c * taps *
              (d->p.op == QT_OP_DEPTHWISE ? 1.0 : (double)d->in.c);
    if (qt_problem_init(&b->p, d, QT_DTYPE_S8, QT_REQUANT_FP32, 1000 + (uint64_t)i) ||
        qt_problem_init(&b->p_fx, d, QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 1000 + (uint64_t)i)) {
      fprintf(stderr, "bench: cannot generate layer %s\n", b->layer->name);
      return 1;
    }
    if (clamps_model) {
      model_clamps(&b->p, b->layer);
      model_clamps(&b->p_fx, b->layer);
    }
    b->ref = malloc(b->p.output_bytes);
    b->ref_fx = malloc(b->p_fx.output_bytes);
    if (!b->ref || !b->ref_fx ||
        qt_ref_conv(d, &b->p.q, b->p.input, b->p.weights, b->p.bias, b->ref) != QT_KERNEL_OK ||
        qt_ref_conv(d, &b->p_fx.q, b->p_fx.input, b->p_fx.weights, b->p_fx.bias, b->ref_fx) !=
            QT_KERNEL_OK) {
      fprintf(stderr, "bench: reference failed on layer %s\n", b->layer->name);
      return 1;
    }
    /* every method reads one input buffer (the timing loop's fixed-point runs read p.input
     * too): the same seed draws the same input for either scheme */
    if (b->p_fx.input_bytes != b->p.input_bytes ||
        memcmp(b->p_fx.input, b->p.input, b->p.input_bytes) != 0) {
      fprintf(stderr, "bench: the fixed-point problem of layer %s has another input\n",
              b->layer->name);
      return 1;
    }
    for (int k = 0; k < N_METHODS; k++) {
      b->out[k] = malloc(b->p.output_bytes);
      b->times[k] = calloc((size_t)reps, sizeof(double));
    }
    qt_space s, s_fx;
    qt_config def, def_fx;
    if (qt_space_init(&s, &w, &t, &err) || qt_space_default(&s, &def) ||
        qt_space_init(&s_fx, &w_fx, &t, &err) || qt_space_default(&s_fx, &def_fx)) {
      fprintf(stderr, "bench: no space for %s\n", b->layer->name);
      return 1;
    }
    const char *from = "", *from_fx = "";
    b->have[M_DEFAULT] =
        load_variant(&t, QT_SOURCE_DIR "/kernels", cache, &w, &def, &b->p, &b->v[0]) == 0;
    b->have[M_BEST] = load_best(&t, QT_SOURCE_DIR "/kernels", cache, db, &s, &def, sample, &rng,
                                &b->p, b->out[M_BEST], &caches, &b->v[1], &from) == 0;
    b->have[M_FIXED] = load_best(&t, QT_SOURCE_DIR "/kernels", cache, db_fx ? db_fx : db, &s_fx,
                                 &def_fx, sample, &rng, &b->p_fx, b->out[M_FIXED], &caches,
                                 &b->v[2], &from_fx) == 0;
    b->have[M_XNNPACK] = xnn_make(&b->p, &b->xnn) == 0 &&
                         xnn_setup_convolution2d_nhwc_qc8(
                             b->xnn, (size_t)d->in.n, (size_t)d->in.h, (size_t)d->in.w,
                             (const int8_t *)b->p.input, (int8_t *)b->out[M_XNNPACK],
                             NULL) == xnn_status_success;
    b->fast_exact = zp_fold_exact(d);
#ifdef QT_BENCH_ONEDNN
    b->have[M_ONEDNN] = onednn_make(&b->p, 0, b->out[M_ONEDNN], &b->dnnl[0]) == 0;
    b->have[M_ONEDNN_FAST] = onednn_make(&b->p, 1, b->out[M_ONEDNN_FAST], &b->dnnl[1]) == 0;
#endif
    if (!quiet) {
      fprintf(stderr, "  %-18s best (%s): %s\n", b->layer->name, from, b->v[1].knobs);
      fprintf(stderr, "  %-18s best fixedpoint (%s): %s\n", "", from_fx, b->v[2].knobs);
#ifdef QT_BENCH_ONEDNN
      fprintf(stderr, "  %-18s oneDNN: %s / fast: %s\n", "", b->dnnl[0].impl, b->dnnl[1].impl);
#endif
    }
  }

  /* Interleaved repetitions: every layer, every method, then again, each timed run from the
   * cache state of --caches (qt_bench_caches), the methods of a layer in an order that
   * rotates by one each repetition. */
  double peak = 0, peak_exact = 0;
  for (int r = -1; r < reps; r++) /* r = -1: warm-up */
    for (int i = 0; i < n; i++) {
      qt_bench_layer *b = &L[i];
      for (int kk = 0; kk < N_METHODS; kk++) {
        const int k = (kk + r + 1) % N_METHODS;
        if (!b->have[k]) continue;
        if (caches.cold) caches_flush(&caches);
        else run_method(b, k);
        const double t0 = now_ns();
        run_method(b, k);
        const double dt = now_ns() - t0;
        if (r >= 0) b->times[k][r] = dt;
      }
      /* the peak is sampled between layers too, so it sees the same machine state */
      if (i % 8 == 0) {
        const double pk = peak_macs(1, 0), pe = peak_macs(1, 1);
        if (pk > peak) peak = pk;
        if (pe > peak_exact) peak_exact = pe;
      }
    }

  /* qtune's outputs: bit equality with the reference in both schemes, and with XNNPACK (fp32
   * requantization on both sides). oneDNN's fast path: compared with the reference where its
   * folded bias is exact, reported but never a failure (it is the peer, not the subject). */
#ifdef QT_BENCH_ONEDNN
  int fast_compared = 0, fast_equal = 0, fast_max = 0, fast_vs_rt = 0, fast_vs_rt_equal = 0,
      fast_vs_rt_max = 0, fold_checked = 0, fold_ok = 0;
  size_t fast_bytes = 0;
#endif
  for (int i = 0; i < n; i++) {
    qt_bench_layer *b = &L[i];
    const char *name = b->layer->name;
    const size_t nb = b->p.output_bytes;
    for (int k = M_DEFAULT; k <= M_BEST; k++) {
      if (!b->have[k]) continue;
      mismatches += check_equal(name, method_names[k], "reference", b->out[k], b->ref, nb);
      if (b->have[M_XNNPACK])
        mismatches += check_equal(name, method_names[k], "xnnpack", b->out[k],
                                  b->out[M_XNNPACK], nb);
    }
    if (b->have[M_FIXED])
      mismatches += check_equal(name, method_names[M_FIXED], "reference (fixedpoint)",
                                b->out[M_FIXED], b->ref_fx, nb);
#ifdef QT_BENCH_ONEDNN
    if (b->have[M_ONEDNN_FAST] && b->fast_exact) {
      /* the fold itself, checked with the reference: input zero point 0, folded bias */
      qt_quant_params q0 = b->p.q;
      q0.input_zp = 0;
      void *folded = malloc(nb);
      fold_checked++;
      fold_ok += folded &&
                 qt_ref_conv(&b->p.d, &q0, b->p.input, b->p.weights, b->dnnl[1].bias_folded,
                             folded) == QT_KERNEL_OK &&
                 memcmp(folded, b->ref, nb) == 0;
      free(folded);
      int mx;
      const size_t nd = count_diff(b->out[M_ONEDNN_FAST], b->ref, nb, &mx);
      fast_compared++;
      fast_equal += nd == 0;
      fast_bytes += nd;
      if (mx > fast_max) fast_max = mx;
      /* Where the clamp is all of s8, the runtime-zero-point path (no clamp) computes the same
       * function; as the fold is checked exactly above, a difference between the two paths
       * is oneDNN's own arithmetic. */
      if (b->have[M_ONEDNN] && b->p.q.act_min == -128 && b->p.q.act_max == 127) {
        fast_vs_rt++;
        int rt_max;
        fast_vs_rt_equal += count_diff(b->out[M_ONEDNN_FAST], b->out[M_ONEDNN], nb, &rt_max) == 0;
        if (rt_max > fast_vs_rt_max) fast_vs_rt_max = rt_max;
      }
    }
#endif
  }

  {
    const double pk = peak_macs(5, 0), pe = peak_macs(5, 1);
    if (pk > peak) peak = pk;
    if (pe > peak_exact) peak_exact = pe;
  }
  printf("MobileNetV2 on host (%s), one thread, s8, median of %d interleaved reps; qtune and "
         "peers in fp32 requantization, fx = qtune in fixed-point requantization\n", t.name, reps);
  if (caches.cold)
    printf("caches cold: before every timed run (and every run that picks a best config) %zu MiB "
           "written and read, so code, weights, input and output come from memory\n",
           caches.flush_bytes >> 20);
  else
    printf("caches warm: every timed run (and every run that picks a best config) right after "
           "an untimed run of the same method\n");
  if (clamps_model)
    printf(
        "clamps: the model's (ReLU6 layers: output zero point -128 = act_min, act_max 127; "
        "projections: all of s8)\n");
  else
    printf(
        "clamps: datagen's (seed 1000 + layer index: a window around the zero point or all "
        "of s8)\n");
  printf("peak (%s microbenchmark): %.1f GMAC/s\n", peak_name(), peak / 1e9);
  if (peak_exact > 0)
    printf("exact ceiling (VPMADDWD+VPADDD on int16, qtune's avx2 step; not the peak): %.1f "
           "GMAC/s = %.0f%% of the peak\n", peak_exact / 1e9, 100 * peak_exact / peak);
  printf("onednn = runtime zero points; dnnl_fast = zero points folded into the bias and "
         "post-ops (oneDNN's fastest int8 path); ratios peer/best > 1: qtune faster; fx/fp32 "
         "> 1: fixed-point slower\n");
  printf("%-20s %-9s %8s %10s %9s %10s %9s %9s %9s %8s %9s %10s %7s %7s %6s  %s\n", "layer",
         "kind", "MMAC", "default_us", "best_us", "xnnpack_us", "onednn_us", "dnnlf_us",
         "fx_us", "xnn/best", "dnnl/best", "dnnlf/best", "fx/fp32", "GMAC/s", "%peak",
         "dnnl_fast output");
  double tot[4][N_METHODS] = {{0}}, mac[4] = {0};
  for (int i = 0; i < n; i++) {
    qt_bench_layer *b = &L[i];
    double med[N_METHODS] = {0};
    for (int k = 0; k < N_METHODS; k++) {
      if (!b->have[k]) continue;
      med[k] = median(b->times[k], reps);
      tot[b->kind][k] += med[k];
      tot[3][k] += med[k];
    }
    mac[b->kind] += b->macs;
    mac[3] += b->macs;
    const double gmacs = med[M_BEST] > 0 ? b->macs / med[M_BEST] : 0;
    char fast_out[48] = "-";
    if (b->have[M_ONEDNN_FAST] && !b->fast_exact) {
      snprintf(fast_out, sizeof fast_out, "not compared (padded)");
    } else if (b->have[M_ONEDNN_FAST]) {
      int mx;
      const size_t nd = count_diff(b->out[M_ONEDNN_FAST], b->ref, b->p.output_bytes, &mx);
      if (nd == 0) snprintf(fast_out, sizeof fast_out, "= reference");
      else snprintf(fast_out, sizeof fast_out, "%zu of %zu differ, max %d", nd,
                    b->p.output_bytes, mx);
    }
    printf("%-20s %-9s %8.2f %10.1f %9.1f %10.1f %9.1f %9.1f %9.1f %8.2f %9.2f %10.2f %7.2f "
           "%7.1f %5.1f%%  %s\n",
           b->layer->name, qt_layer_kind_name((qt_layer_kind)b->kind), b->macs / 1e6,
           med[M_DEFAULT] / 1e3, med[M_BEST] / 1e3, med[M_XNNPACK] / 1e3, med[M_ONEDNN] / 1e3,
           med[M_ONEDNN_FAST] / 1e3, med[M_FIXED] / 1e3, ratio(med[M_XNNPACK], med[M_BEST]),
           ratio(med[M_ONEDNN], med[M_BEST]), ratio(med[M_ONEDNN_FAST], med[M_BEST]),
           ratio(med[M_FIXED], med[M_BEST]), gmacs, peak > 0 ? 100 * gmacs * 1e9 / peak : 0,
           fast_out);
    if (csv) { /* the row tune report --peers reads (html_report.h); empty: did not run */
      fprintf(csv, "%s,%s,%.4f", b->layer->name, qt_layer_kind_name((qt_layer_kind)b->kind),
              b->macs / 1e6);
      for (size_t c = 0; c < sizeof csv_methods / sizeof *csv_methods; c++)
        if (b->have[csv_methods[c]]) fprintf(csv, ",%.3f", med[csv_methods[c]] / 1e3);
        else fputs(",", csv);
      fputc('\n', csv);
    }
  }
  printf("\n%-10s %7s %10s %9s %10s %9s %9s %9s %8s %8s %9s %10s %7s %7s %6s  %s\n", "total",
         "MMAC", "default_us", "best_us", "xnnpack_us", "onednn_us", "dnnlf_us", "fx_us",
         "def/best", "xnn/best", "dnnl/best", "dnnlf/best", "fx/fp32", "GMAC/s", "%peak",
         "faster (best vs fastest oneDNN)");
  static const char *const rows[4] = {"stem", "depthwise", "pointwise", "network"};
  for (int g = 0; g < 4; g++) {
    const double *tt = tot[g];
    const double gm = tt[M_BEST] > 0 ? mac[g] / tt[M_BEST] : 0;
    /* the faster of oneDNN's two configurations is the bar */
    double bar = tt[M_ONEDNN];
    if (tt[M_ONEDNN_FAST] > 0 && (bar <= 0 || tt[M_ONEDNN_FAST] < bar)) bar = tt[M_ONEDNN_FAST];
    char faster[48] = "-";
    if (bar > 0 && tt[M_BEST] > 0)
      snprintf(faster, sizeof faster, "%s by %.2fx",
               tt[M_BEST] <= bar ? "qtune" : "oneDNN",
               tt[M_BEST] <= bar ? bar / tt[M_BEST] : tt[M_BEST] / bar);
    printf("%-10s %7.1f %10.1f %9.1f %10.1f %9.1f %9.1f %9.1f %8.2f %8.2f %9.2f %10.2f %7.2f "
           "%7.1f %5.1f%%  %s\n",
           rows[g], mac[g] / 1e6, tt[M_DEFAULT] / 1e3, tt[M_BEST] / 1e3, tt[M_XNNPACK] / 1e3,
           tt[M_ONEDNN] / 1e3, tt[M_ONEDNN_FAST] / 1e3, tt[M_FIXED] / 1e3,
           ratio(tt[M_DEFAULT], tt[M_BEST]), ratio(tt[M_XNNPACK], tt[M_BEST]),
           ratio(tt[M_ONEDNN], tt[M_BEST]), ratio(tt[M_ONEDNN_FAST], tt[M_BEST]),
           ratio(tt[M_FIXED], tt[M_BEST]), gm, peak > 0 ? 100 * gm * 1e9 / peak : 0, faster);
  }
  printf("qtune bit equality (default and best with the reference and XNNPACK, fixed-point best "
         "with the fixed-point reference): %s (%d mismatching layer outputs)\n",
         mismatches ? "FAIL" : "ok", mismatches);
#ifdef QT_BENCH_ONEDNN
  printf("oneDNN fast path vs reference on the %d unpadded layers: %d bit-equal; %zu bytes "
         "differ, max |difference| %d; padded layers not compared (a folded zero point would "
         "need padding to read as it); the runtime-zero-point path is timed only\n",
         fast_compared, fast_equal, fast_bytes, fast_max);
  printf("folded bias (input zero point 0) in the reference = reference: %d of %d unpadded "
         "layers\n", fold_ok, fold_checked);
  printf("oneDNN fast path vs its runtime-zero-point path on the %d unpadded layers whose clamp "
         "is all of s8 (same function): %d bit-equal, max |difference| %d\n", fast_vs_rt,
         fast_vs_rt_equal, fast_vs_rt_max);
#endif
  if (csv && fclose(csv)) {
    fprintf(stderr, "bench: cannot write %s: %s\n", csv_path, strerror(errno));
    return 1;
  }
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < N_METHODS; k++) {
      free(L[i].out[k]);
      free(L[i].times[k]);
    }
    for (int v = 0; v < 3; v++) free_variant(&L[i].v[v]);
    if (L[i].xnn) xnn_delete_operator(L[i].xnn);
#ifdef QT_BENCH_ONEDNN
    onednn_free(&L[i].dnnl[0]);
    onednn_free(&L[i].dnnl[1]);
#endif
    free(L[i].ref);
    free(L[i].ref_fx);
    qt_problem_free(&L[i].p);
    qt_problem_free(&L[i].p_fx);
  }
  free(L);
  free(caches.flush);
  if (db) qt_db_close(db);
  if (db_fx) qt_db_close(db_fx);
  qt_model_free(&m);
  return mismatches ? 1 : 0;
}
