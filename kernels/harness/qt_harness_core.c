/* qt_harness_core.c — the portable core of the program that runs on a board: one kernel
 * variant, built for one workload, measured under the protocol given on the command line
 * (kernels/harness/README.md has the exact build commands and the protocol). It parses the
 * arguments, generates the problem from the seed, packs the weights (not timed), runs the
 * variant once and checksums the output, optionally verifies it against the reference (built
 * with -DQT_HARNESS_VERIFY, which also links qt_ref.c), then times warm-up runs and `repeat`
 * repeats of `number` runs each, and writes the one result line, format version 1, also on
 * failure. ISO C11 and its library only: the clock, the output, memory and CPU pinning come
 * from the platform (qt_harness_core.h), so the same file builds for bare metal;
 * qt_harness_posix.c is the shell that supplies them on POSIX systems. */
#include "qt_harness_core.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qt_datagen.h"
#include "qt_harness.h"
#include "qt_template.h"

/* The variant under test, named by QT_FN (qt_template.h) exactly as the template defines it. */
size_t QT_FN(packed_size)(const qt_conv_desc *d);
size_t QT_FN(scratch_size)(const qt_conv_desc *d);
int QT_FN(pack)(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
                const int32_t *bias, void *packed);
int QT_FN(run)(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
               const void *packed, void *output, void *scratch);

enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_WRONG = 2 };

/* Writes the one result line: the version prefix, then fields (at most 300 bytes; the long
 * ok line with its times is written by qt_harness_main itself). */
static void print_line(const qt_harness_platform *pf, const char *fields) {
  char line[320];
  snprintf(line, sizeof line, QT_HARNESS_RESULT_PREFIX "%s", fields);
  pf->write_line(line);
}

/* Prints "status=error reason=<reason> detail=<detail>" with every character of detail that
 * is not printable ASCII or is a space replaced by '_'; returns EXIT_ERROR. */
static int print_error(const qt_harness_platform *pf, const char *reason, const char *detail) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "status=error reason=%s detail=", reason);
  size_t i = (size_t)n;
  for (const char *c = detail; *c && i + 1 < sizeof buf; c++, i++)
    buf[i] = (*c > ' ' && *c < 127) ? *c : '_';
  if (i == (size_t)n) buf[i++] = '-'; /* never an empty detail */
  buf[i] = '\0';
  print_line(pf, buf);
  return EXIT_ERROR;
}

typedef struct options {
  uint64_t seed;
  long long warmup, number, repeat, min_repeat_ms, flush_kb, pin;
  int check_only, verify, evict;
} options;

/* Parses a whole decimal (or 0x hex) integer in [lo, hi] into *out; 0 on success. */
static int parse_ll(const char *s, long long lo, long long hi, long long *out) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* Parses argv into *o (defaults: seed 1, warmup 1, number 1, repeat 3, min-repeat-ms 0,
 * flush-kb 0, pin -1, no evict). On error fills detail (cap bytes) and returns -1. */
static int parse_args(int argc, char **argv, options *o, char *detail, size_t cap) {
  *o = (options){.seed = 1, .warmup = 1, .number = 1, .repeat = 3, .pin = -1};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long *dst = NULL, lo = 0, hi = 0;
    if (strcmp(a, "--check-only") == 0) {
      o->check_only = 1;
      continue;
    } else if (strcmp(a, "--evict") == 0) {
      o->evict = 1;
      continue;
    } else if (strcmp(a, "--verify") == 0) {
#ifdef QT_HARNESS_VERIFY
      o->verify = 1;
      continue;
#else
      snprintf(detail, cap, "--verify needs a build with -DQT_HARNESS_VERIFY");
      return -1;
#endif
    } else if (strcmp(a, "--seed") == 0) {
      char *end;
      errno = 0;
      o->seed = v && *v && *v != '-' ? strtoull(v, &end, 0) : 0;
      if (!v || !*v || *v == '-' || errno || *end) {
        snprintf(detail, cap, "--seed needs an unsigned 64-bit integer, got %s", v ? v : "nothing");
        return -1;
      }
      i++;
      continue;
    } else if (strcmp(a, "--warmup") == 0) {
      dst = &o->warmup, lo = 0, hi = 1000000000;
    } else if (strcmp(a, "--number") == 0) {
      dst = &o->number, lo = 1, hi = 1000000000;
    } else if (strcmp(a, "--repeat") == 0) {
      dst = &o->repeat, lo = 1, hi = 10000;
    } else if (strcmp(a, "--min-repeat-ms") == 0) {
      dst = &o->min_repeat_ms, lo = 0, hi = 3600000;
    } else if (strcmp(a, "--flush-kb") == 0) {
      dst = &o->flush_kb, lo = 0, hi = 1 << 20;
    } else if (strcmp(a, "--pin") == 0) {
      dst = &o->pin, lo = -1, hi = 1023;
    } else {
      snprintf(detail, cap, "unknown argument %s", a);
      return -1;
    }
    if (parse_ll(v, lo, hi, dst)) {
      snprintf(detail, cap, "%s needs an integer in [%lld, %lld], got %s", a, lo, hi,
               v ? v : "nothing");
      return -1;
    }
    i++;
  }
  return 0;
}

/* Evicts the variant's data from the caches between repeats: writes then reads a buffer of
 * size bytes. The sum goes through a volatile so the reads are not optimized away. */
static void flush_cache(unsigned char *buf, size_t size) {
  for (size_t i = 0; i < size; i += 64) buf[i] = (unsigned char)i;
  unsigned sum = 0;
  for (size_t i = 0; i < size; i += 64) sum += buf[i];
  volatile unsigned sink = sum;
  (void)sink;
}

typedef struct buffers {
  qt_problem p;
  void *packed, *scratch, *output, *flush;
} buffers;

static void buffers_free(buffers *b, const qt_harness_platform *pf) {
  qt_problem_free(&b->p);
  pf->release(b->packed);
  pf->release(b->scratch);
  pf->release(b->output);
  pf->release(b->flush);
}

/* Runs the variant n times; 0 or the first nonzero return code. */
static int run_n(const buffers *b, long long n) {
  for (long long i = 0; i < n; i++) {
    int rc = QT_FN(run)(&b->p.d, &b->p.q, b->p.input, b->packed, b->output, b->scratch);
    if (rc) return rc;
  }
  return 0;
}

#ifdef QT_HARNESS_VERIFY
/* Compares the output with the reference's; 0 if equal, else fills detail with
 * index_<i>_got_<g>_want_<w> (element values, signed for s8) and returns 1; -1 if the
 * reference cannot run (detail says why). */
static int verify_output(const buffers *b, const qt_harness_platform *pf, char *detail,
                         size_t cap) {
  unsigned char *want = pf->alloc(b->p.output_bytes);
  if (!want) {
    snprintf(detail, cap, "reference output of %zu bytes", b->p.output_bytes);
    return -1;
  }
  int rc = qt_ref_conv(&b->p.d, &b->p.q, b->p.input, b->p.weights, b->p.bias, want);
  int status = 0;
  if (rc != QT_KERNEL_OK) {
    snprintf(detail, cap, "reference returned %d", rc);
    status = -1;
  } else {
    const unsigned char *got = b->output;
    for (size_t i = 0; i < b->p.output_bytes; i++) {
      if (got[i] == want[i]) continue;
      int g = got[i], w = want[i];
      if (b->p.q.dtype == QT_DTYPE_S8) g = (int8_t)got[i], w = (int8_t)want[i];
      snprintf(detail, cap, "index_%zu_got_%d_want_%d", i, g, w);
      status = 1;
      break;
    }
  }
  pf->release(want);
  return status;
}
#endif

/* Evicts what a run reads and writes (input, packed weights, scratch, output) from the caches,
 * as a layer of a network finds them when the layers before it have run: without it the
 * repeats after the first find everything in L1 and L2, and rank configs by a state a network
 * never runs in (a config that reads its input in an order the prefetchers cannot follow
 * wins warm and loses from memory). */
static void evict_buffers(const buffers *b, const qt_harness_platform *pf) {
  pf->evict(b->p.input, b->p.input_bytes);
  pf->evict(b->packed, QT_FN(packed_size)(&b->p.d));
  pf->evict(b->scratch, QT_FN(scratch_size)(&b->p.d));
  pf->evict(b->output, b->p.output_bytes);
}

/* Times repeat repeats of number runs (growing number, TVM-style, while a repeat is shorter
 * than min_repeat_ms) into times[]; returns 0 or the variant's failing return code.
 * *number is updated to the count actually used. */
static int measure(const buffers *b, const options *o, const qt_harness_platform *pf,
                   long long *number, int64_t *times) {
  const int64_t min_ns = (int64_t)o->min_repeat_ms * 1000000;
  int rc = run_n(b, o->warmup);
  if (rc) return rc;
restart:
  for (long long r = 0; r < o->repeat; r++) {
    if (b->flush) flush_cache(b->flush, (size_t)o->flush_kb * 1024);
    if (o->evict) evict_buffers(b, pf);
    const int64_t t0 = pf->now_ns();
    rc = run_n(b, *number);
    const int64_t t = pf->now_ns() - t0;
    if (rc) return rc;
    if (t < min_ns && *number < 1000000000) {
      /* Aim past the minimum from the observed rate, growing at least by the golden ratio
       * so a noisy first estimate cannot make it creep; a zero reading (coarse clock) gives
       * no rate, only the golden step. */
      const long long golden = *number * 1618 / 1000 + 1;
      const double want = t > 0 ? (double)min_ns / (double)t * (double)*number + 1 : 0;
      const long long grown = want < 1e9 ? (long long)want : 1000000000;
      *number = grown > golden ? grown : golden;
      if (*number > 1000000000) *number = 1000000000;
      goto restart;
    }
    times[r] = t;
  }
  return 0;
}

int qt_harness_main(int argc, char **argv, const qt_harness_platform *pf) {
  qt_conv_desc desc;
  int32_t dtype, requant;
  qt_harness_workload(&desc, &dtype, &requant);
  buffers b;
  memset(&b, 0, sizeof b);

  char detail[200] = "";
  options o;
  if (parse_args(argc, argv, &o, detail, sizeof detail)) return print_error(pf, "args", detail);
  if (o.evict && !pf->evict) return print_error(pf, "args", "--evict: this platform cannot evict");
  if (o.pin >= 0 && (!pf->pin_cpu || pf->pin_cpu(o.pin))) {
    snprintf(detail, sizeof detail, "cannot pin to cpu %lld", o.pin);
    return print_error(pf, "args", detail);
  }

  int status = EXIT_ERROR;
  int64_t *times = NULL;
  const char *reason = NULL;
  uint64_t checksum = 0;
  long long number = o.number;
  int rc = qt_problem_init_given(&b.p, &desc, dtype, requant, o.seed, qt_harness_quant());
  if (rc != QT_KERNEL_OK) {
    reason = rc == QT_KERNEL_ESHAPE ? "args" : "alloc";
    snprintf(detail, sizeof detail, "%s (code %d)",
             rc == QT_KERNEL_ESHAPE ? "invalid QT_SHAPE_* workload" : "problem generation", rc);
    goto done;
  }
  b.packed = pf->alloc(QT_FN(packed_size)(&desc));
  b.scratch = pf->alloc(QT_FN(scratch_size)(&desc));
  b.output = pf->alloc(b.p.output_bytes);
  b.flush = o.flush_kb > 0 ? pf->alloc((size_t)o.flush_kb * 1024) : NULL;
  times = pf->alloc(sizeof *times * (size_t)o.repeat);
  if (!b.packed || !b.scratch || !b.output || (o.flush_kb > 0 && !b.flush) || !times) {
    reason = "alloc";
    snprintf(detail, sizeof detail, "out of memory");
    goto done;
  }
  rc = QT_FN(pack)(&b.p.d, &b.p.q, b.p.weights, b.p.bias, b.packed);
  if (rc) {
    reason = "pack";
    snprintf(detail, sizeof detail, "pack returned %d", rc);
    goto done;
  }
  rc = run_n(&b, 1);
  if (rc) {
    reason = "run";
    snprintf(detail, sizeof detail, "run returned %d", rc);
    goto done;
  }
  checksum = qt_checksum(b.output, b.p.output_bytes);
#ifdef QT_HARNESS_VERIFY
  if (o.verify) {
    int v = verify_output(&b, pf, detail, sizeof detail);
    if (v < 0) {
      reason = "alloc";
      goto done;
    }
    if (v > 0) {
      status = EXIT_WRONG;
      goto done;
    }
  }
#endif
  if (!o.check_only) {
    rc = measure(&b, &o, pf, &number, times);
    if (rc) {
      reason = "run";
      snprintf(detail, sizeof detail, "run returned %d during timing", rc);
      goto done;
    }
  }
  status = EXIT_OK;

done:
  buffers_free(&b, pf); /* before printing: a corrupted heap shows up as a signal line, not ok */
  if (status == EXIT_OK && o.check_only) {
    char buf[64];
    snprintf(buf, sizeof buf, "status=ok checksum=%016llx", (unsigned long long)checksum);
    print_line(pf, buf);
  } else if (status == EXIT_OK) {
    /* "status=ok checksum=<16 hex> number=N repeat=R times_ns=t1,...,tR" */
    const size_t cap = sizeof QT_HARNESS_RESULT_PREFIX + 128 + 24 * (size_t)o.repeat;
    char *line = pf->alloc(cap);
    if (!line) {
      pf->release(times);
      return print_error(pf, "alloc", "result line");
    }
    size_t n = (size_t)snprintf(line, cap,
                                QT_HARNESS_RESULT_PREFIX
                                "status=ok checksum=%016llx number=%lld repeat=%lld times_ns=",
                                (unsigned long long)checksum, number, o.repeat);
    for (long long r = 0; r < o.repeat; r++)
      n += (size_t)snprintf(line + n, cap - n, r ? ",%lld" : "%lld", (long long)times[r]);
    pf->write_line(line);
    pf->release(line);
  } else if (status == EXIT_WRONG) {
    char buf[260];
    snprintf(buf, sizeof buf, "status=wrong_answer detail=%s", detail);
    print_line(pf, buf);
  } else {
    print_error(pf, reason, detail);
  }
  pf->release(times);
  return status;
}
