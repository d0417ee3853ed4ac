/* workload.c — workloads (workload.h): the canonical key and its strict parser, the
 * field-by-field validity check that names the first offending field, the FNV-1a hash, MAC
 * counts and the names of ops, data types and requantization schemes. The key is the identity
 * of a task everywhere (dedup, the log, export), so the parser accepts exactly the strings the
 * writer produces and nothing else. */
#include "tuner/base/workload.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *qt_op_name(int32_t op) {
  switch (op) {
    case QT_OP_CONV2D: return "conv2d";
    case QT_OP_DEPTHWISE: return "dwconv";
  }
  return "?";
}

const char *qt_dtype_name(int32_t dtype) {
  switch (dtype) {
    case QT_DTYPE_S8: return "s8";
    case QT_DTYPE_U8: return "u8";
  }
  return "?";
}

const char *qt_requant_name(int32_t requant) {
  switch (requant) {
    case QT_REQUANT_FIXEDPOINT: return "fixedpoint";
    case QT_REQUANT_FP32: return "fp32";
  }
  return "?";
}

/* Formats the canonical key of w into buf; returns the length it needs (snprintf's count). */
static int format_key(const qt_workload *w, char *buf, size_t cap) {
  const qt_conv_desc *d = &w->desc;
  const qt_conv_params *p = &d->p;
  return snprintf(buf, cap,
                  "%s:%s:%s:n%" PRId32 ":i%" PRId32 "x%" PRId32 "x%" PRId32 ":o%" PRId32
                  "x%" PRId32 "x%" PRId32 ":k%" PRId32 "x%" PRId32 ":s%" PRId32 "x%" PRId32
                  ":d%" PRId32 "x%" PRId32 ":p%" PRId32 ",%" PRId32 ",%" PRId32 ",%" PRId32
                  ":m%" PRId32,
                  qt_op_name(p->op), qt_dtype_name(w->dtype), qt_requant_name(w->requant),
                  d->in.n, d->in.h, d->in.w, d->in.c, d->out.h, d->out.w, d->out.c, p->kernel_h,
                  p->kernel_w, p->stride_h, p->stride_w, p->dilation_h, p->dilation_w,
                  p->pad_top, p->pad_left, p->pad_bottom, p->pad_right, p->depth_multiplier);
}

/* Every workload that passes qt_workload_check fits (the check enforces it); any other may
 * be truncated, which is harmless because such a key never parses back. */
void qt_workload_key(const qt_workload *w, char key[QT_KEY_MAX]) {
  format_key(w, key, QT_KEY_MAX);
}

/* ---- parsing --------------------------------------------------------------------------- */

/* One ':'-separated field of a key: its grammar name (for messages), its prefix letter (0 for
 * the three name fields), how many integers it holds and the separator between them. */
typedef struct key_field {
  const char *name;
  char prefix;
  int count;
  char sep;
  const char *shape; /* the expected form after the prefix, for messages */
} key_field;

static const key_field key_fields[] = {
    {"op", 0, 0, 0, "conv2d or dwconv"},
    {"dtype", 0, 0, 0, "s8 or u8"},
    {"requant", 0, 0, 0, "fixedpoint or fp32"},
    {"n", 'n', 1, 0, "<N>"},
    {"i", 'i', 3, 'x', "<H>x<W>x<C>"},
    {"o", 'o', 3, 'x', "<H>x<W>x<C>"},
    {"k", 'k', 2, 'x', "<KH>x<KW>"},
    {"s", 's', 2, 'x', "<SH>x<SW>"},
    {"d", 'd', 2, 'x', "<DH>x<DW>"},
    {"p", 'p', 4, ',', "<T>,<L>,<B>,<R>"},
    {"m", 'm', 1, 0, "<M>"},
};
#define N_KEY_FIELDS ((int)(sizeof key_fields / sizeof key_fields[0]))

/* Why a numeric field failed, for the message. */
enum { NUM_OK = 0, NUM_MALFORMED, NUM_LEADING_ZERO, NUM_OVERFLOW };

/* Parses one canonical decimal integer (no sign, no leading zero, fits int32) from
 * [s, s+len); returns a NUM_* code. */
static int parse_dec(const char *s, size_t len, int32_t *out) {
  if (len == 0) return NUM_MALFORMED;
  int64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return NUM_MALFORMED;
    if (v <= INT32_MAX) v = v * 10 + (s[i] - '0');
  }
  if (s[0] == '0' && len > 1) return NUM_LEADING_ZERO; /* "03" would not round-trip */
  if (v > INT32_MAX) return NUM_OVERFLOW;
  *out = (int32_t)v;
  return NUM_OK;
}

/* Parses the integers after the prefix of a numeric field, [s, s+len), into vals; returns
 * a NUM_* code. */
static int parse_numeric_field(const key_field *f, const char *s, size_t len, int32_t *vals) {
  const char *p = s, *end = s + len;
  for (int i = 0; i < f->count; i++) {
    const char *q = p;
    if (i == f->count - 1) {
      q = end; /* the last value runs to the end of the field */
    } else {
      while (q < end && *q != f->sep) q++;
      if (q == end) return NUM_MALFORMED;
    }
    int rc = parse_dec(p, (size_t)(q - p), &vals[i]);
    if (rc != NUM_OK) return rc;
    p = q + 1;
  }
  return NUM_OK;
}

static int lookup_name(const char *s, size_t len, const char *(*name_of)(int32_t), int n,
                       int32_t *out) {
  for (int32_t v = 0; v < n; v++) {
    const char *name = name_of(v);
    if (strlen(name) == len && memcmp(name, s, len) == 0) {
      *out = v;
      return 1;
    }
  }
  return 0;
}

int qt_workload_parse(const char *key, qt_workload *w, qt_err *err) {
  if (!key || !w) return qt_fail(err, QT_EINVAL, "parse workload key: NULL argument");
  size_t klen = strlen(key);
  if (klen >= QT_KEY_MAX)
    return qt_fail(err, QT_EINVAL, "workload key '%.40s...': %zu characters, longer than %d",
                   key, klen, QT_KEY_MAX - 1);

  /* Split into fields; a count mismatch is reported before any field is looked at. */
  const char *start[N_KEY_FIELDS + 1];
  size_t len[N_KEY_FIELDS + 1];
  int n = 0;
  const char *p = key;
  for (;;) {
    const char *q = strchr(p, ':');
    if (n <= N_KEY_FIELDS) {
      start[n] = p;
      len[n] = q ? (size_t)(q - p) : strlen(p);
    }
    n++;
    if (!q) break;
    p = q + 1;
  }
  if (n != N_KEY_FIELDS)
    return qt_fail(err, QT_EINVAL,
                   "workload key '%s': expected %d ':'-separated fields "
                   "(<op>:<dtype>:<requant>:n..:i..:o..:k..:s..:d..:p..:m..), got %d",
                   key, N_KEY_FIELDS, n);

  qt_workload v;
  memset(&v, 0, sizeof v);
  int32_t vals[N_KEY_FIELDS][4];
  for (int i = 0; i < N_KEY_FIELDS; i++) {
    const key_field *f = &key_fields[i];
    int ok = 0;
    if (i == 0)
      ok = lookup_name(start[i], len[i], qt_op_name, 2, &v.desc.p.op);
    else if (i == 1)
      ok = lookup_name(start[i], len[i], qt_dtype_name, 2, &v.dtype);
    else if (i == 2)
      ok = lookup_name(start[i], len[i], qt_requant_name, 2, &v.requant);
    if (i < 3) {
      if (!ok)
        return qt_fail(err, QT_EINVAL, "workload key '%s': field '%s': expected %s, got '%.*s'",
                       key, f->name, f->shape, (int)len[i], start[i]);
      continue;
    }
    if (len[i] == 0 || start[i][0] != f->prefix)
      return qt_fail(err, QT_EINVAL, "workload key '%s': field '%s': expected '%c%s', got '%.*s'",
                     key, f->name, f->prefix, f->shape, (int)len[i], start[i]);
    int rc = parse_numeric_field(f, start[i] + 1, len[i] - 1, vals[i]);
    if (rc != NUM_OK)
      return qt_fail(err, QT_EINVAL, "workload key '%s': field '%s': expected %s, got '%.*s'%s",
                     key, f->name, f->shape, (int)len[i] - 1, start[i] + 1,
                     rc == NUM_LEADING_ZERO ? " (leading zero: not canonical)"
                     : rc == NUM_OVERFLOW   ? " (value exceeds 2147483647)"
                                            : "");
  }
  qt_conv_desc *d = &v.desc;
  d->in.n = d->out.n = vals[3][0];
  d->in.h = vals[4][0], d->in.w = vals[4][1], d->in.c = vals[4][2];
  d->out.h = vals[5][0], d->out.w = vals[5][1], d->out.c = vals[5][2];
  d->p.kernel_h = vals[6][0], d->p.kernel_w = vals[6][1];
  d->p.stride_h = vals[7][0], d->p.stride_w = vals[7][1];
  d->p.dilation_h = vals[8][0], d->p.dilation_w = vals[8][1];
  d->p.pad_top = vals[9][0], d->p.pad_left = vals[9][1];
  d->p.pad_bottom = vals[9][2], d->p.pad_right = vals[9][3];
  d->p.depth_multiplier = vals[10][0];

  int rc = qt_workload_check(&v, err);
  if (rc < 0) return qt_err_wrap(err, "workload key '%s'", key);

  /* Every field was parsed in canonical form, so this holds by construction; checking it
   * keeps the "parse accepts only what key writes" promise if either side changes. */
  char again[QT_KEY_MAX];
  qt_workload_key(&v, again);
  if (strcmp(again, key) != 0)
    return qt_fail(err, QT_EINVAL, "workload key '%s': does not round-trip (canonical: '%s')",
                   key, again);
  *w = v;
  return 0;
}

/* ---- checking -------------------------------------------------------------------------- */

/* a*b*c*d into *out; 1 if it overflows int64 or exceeds INT32_MAX (a tensor the kernels'
 * int32 indexing cannot address), else 0. Negative extents are rejected before this. */
static int product4(int64_t a, int64_t b, int64_t c, int64_t d, int64_t *out) {
  int64_t ab, abc;
  if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc) ||
      __builtin_mul_overflow(abc, d, out))
    return 1;
  return *out > INT32_MAX;
}

/* A named field value, for the rules that report the first offender of a list. */
typedef struct int_field {
  const char *name;
  int32_t value;
} int_field;

/* Describes a kernel extent as "kh 3" or, when dilated, "kh 3, dilation 2". */
static void span_text(char *buf, size_t cap, const char *kname, int32_t k, int32_t dil) {
  if (dil == 1)
    snprintf(buf, cap, "%s %" PRId32, kname, k);
  else
    snprintf(buf, cap, "%s %" PRId32 ", dilation %" PRId32, kname, k, dil);
}

/* Checks one spatial dimension's output extent against qt_conv_out_size. */
static int check_out_extent(qt_err *err, const char *out_name, int32_t out, const char *in_name,
                            int32_t in, const char *k_name, int32_t k, int32_t stride,
                            int32_t dil, int32_t pad_a, int32_t pad_b) {
  int32_t want = qt_conv_out_size(in, k, stride, dil, pad_a, pad_b);
  char kt[64];
  span_text(kt, sizeof kt, k_name, k, dil);
  if (want <= 0)
    return qt_fail(err, QT_EINVAL,
                   "%s is %" PRId32 ", but the kernel (%s) does not fit in %s %" PRId32
                   " + pad %" PRId32 "+%" PRId32,
                   out_name, out, kt, in_name, in, pad_a, pad_b);
  if (out != want)
    return qt_fail(err, QT_EINVAL,
                   "%s is %" PRId32 ", expected %" PRId32 " from %s %" PRId32 ", %s, stride %" PRId32
                   ", pad %" PRId32 "+%" PRId32,
                   out_name, out, want, in_name, in, kt, stride, pad_a, pad_b);
  return 0;
}

int qt_workload_check(const qt_workload *w, qt_err *err) {
  if (!w) return qt_fail(err, QT_EINVAL, "check workload: NULL argument");
  const qt_conv_desc *d = &w->desc;
  const qt_conv_params *p = &d->p;
  if (p->op != QT_OP_CONV2D && p->op != QT_OP_DEPTHWISE)
    return qt_fail(err, QT_EINVAL, "op is %" PRId32 ", expected %d (conv2d) or %d (dwconv)",
                   p->op, QT_OP_CONV2D, QT_OP_DEPTHWISE);
  if (w->dtype != QT_DTYPE_S8 && w->dtype != QT_DTYPE_U8)
    return qt_fail(err, QT_EINVAL, "dtype is %" PRId32 ", expected %d (s8) or %d (u8)", w->dtype,
                   QT_DTYPE_S8, QT_DTYPE_U8);
  if (w->requant != QT_REQUANT_FIXEDPOINT && w->requant != QT_REQUANT_FP32)
    return qt_fail(err, QT_EINVAL, "requant is %" PRId32 ", expected %d (fixedpoint) or %d (fp32)",
                   w->requant, QT_REQUANT_FIXEDPOINT, QT_REQUANT_FP32);

  /* The rules of qt_conv_desc_check, one at a time, so the message can name the field. */
  const int_field positive[] = {
      {"n", d->in.n},
      {"in_h", d->in.h},
      {"in_w", d->in.w},
      {"in_c", d->in.c},
      {"out_h", d->out.h},
      {"out_w", d->out.w},
      {"out_c", d->out.c},
      {"kh", p->kernel_h},
      {"kw", p->kernel_w},
      {"stride_h", p->stride_h},
      {"stride_w", p->stride_w},
      {"dilation_h", p->dilation_h},
      {"dilation_w", p->dilation_w},
      {"depth_multiplier", p->depth_multiplier},
  };
  for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++)
    if (positive[i].value <= 0)
      return qt_fail(err, QT_EINVAL, "%s must be positive, got %" PRId32, positive[i].name,
                     positive[i].value);
  if (d->out.n != d->in.n)
    return qt_fail(err, QT_EINVAL, "out_n is %" PRId32 ", expected n %" PRId32 " (batch)",
                   d->out.n, d->in.n);

  int64_t span_h = (int64_t)p->dilation_h * (p->kernel_h - 1) + 1;
  int64_t span_w = (int64_t)p->dilation_w * (p->kernel_w - 1) + 1;
  const struct {
    const char *name;
    int32_t value;
    int64_t span;
  } pads[] = {{"pad_top", p->pad_top, span_h},
              {"pad_left", p->pad_left, span_w},
              {"pad_bottom", p->pad_bottom, span_h},
              {"pad_right", p->pad_right, span_w}};
  for (size_t i = 0; i < 4; i++) {
    if (pads[i].value < 0)
      return qt_fail(err, QT_EINVAL, "%s must be >= 0, got %" PRId32, pads[i].name,
                     pads[i].value);
    /* A pad as wide as the dilated kernel makes output pixels that see only padding. */
    if (pads[i].value >= pads[i].span)
      return qt_fail(err, QT_EINVAL,
                     "%s is %" PRId32 ", must be smaller than the dilated kernel extent %" PRId64,
                     pads[i].name, pads[i].value, pads[i].span);
  }

  int rc = check_out_extent(err, "out_h", d->out.h, "in_h", d->in.h, "kh", p->kernel_h,
                            p->stride_h, p->dilation_h, p->pad_top, p->pad_bottom);
  if (rc < 0) return rc;
  rc = check_out_extent(err, "out_w", d->out.w, "in_w", d->in.w, "kw", p->kernel_w, p->stride_w,
                        p->dilation_w, p->pad_left, p->pad_right);
  if (rc < 0) return rc;

  if (p->op == QT_OP_DEPTHWISE) {
    if ((int64_t)d->in.c * p->depth_multiplier != d->out.c)
      return qt_fail(err, QT_EINVAL,
                     "out_c is %" PRId32 ", expected in_c %" PRId32 " x depth_multiplier %" PRId32
                     " = %" PRId64 " for dwconv",
                     d->out.c, d->in.c, p->depth_multiplier,
                     (int64_t)d->in.c * p->depth_multiplier);
  } else if (p->depth_multiplier != 1) {
    return qt_fail(err, QT_EINVAL, "depth_multiplier is %" PRId32 ", must be 1 for conv2d",
                   p->depth_multiplier);
  }

  int64_t depth = (int64_t)p->kernel_h * p->kernel_w * (p->op == QT_OP_CONV2D ? d->in.c : 1);
  if (depth > QT_MAX_REDUCTION)
    return qt_fail(err, QT_EINVAL,
                   "reduction depth kh*kw%s = %" PRId64 " exceeds %d (int32 accumulators could "
                   "overflow)",
                   p->op == QT_OP_CONV2D ? "*in_c" : "", depth, QT_MAX_REDUCTION);

  /* Element counts are products of four int32 extents: up to 2^124, which no int64 holds. A
   * product that overflows is "too large" like one that merely exceeds the limit; a wrapped
   * product could otherwise come out small and pass. Depthwise weights are kh*kw*out_c. */
  int64_t in_elems, out_elems, w_elems;
  int in_big = product4(d->in.n, d->in.h, d->in.w, d->in.c, &in_elems);
  int out_big = product4(d->out.n, d->out.h, d->out.w, d->out.c, &out_elems);
  int w_big = product4(p->kernel_h, p->kernel_w, p->op == QT_OP_CONV2D ? d->in.c : 1, d->out.c,
                       &w_elems);
  if (in_big)
    return qt_fail(err, QT_EINVAL, "input tensor n*h*w*c = %" PRId32 "*%" PRId32 "*%" PRId32
                   "*%" PRId32 " has more than %d elements", d->in.n, d->in.h, d->in.w, d->in.c,
                   INT32_MAX);
  if (out_big)
    return qt_fail(err, QT_EINVAL, "output tensor n*h*w*c = %" PRId32 "*%" PRId32 "*%" PRId32
                   "*%" PRId32 " has more than %d elements", d->out.n, d->out.h, d->out.w,
                   d->out.c, INT32_MAX);
  if (w_big)
    return qt_fail(err, QT_EINVAL, "weights kh*kw*%s*out_c = %" PRId32 "*%" PRId32 "*%" PRId32
                   "*%" PRId32 " have more than %d elements",
                   p->op == QT_OP_CONV2D ? "in_c" : "1", p->kernel_h, p->kernel_w,
                   p->op == QT_OP_CONV2D ? d->in.c : 1, d->out.c, INT32_MAX);
  (void)in_elems;
  (void)out_elems;
  (void)w_elems;

  /* Extreme but otherwise valid shapes (ten-digit strides, dilations and pads) can need more
   * than QT_KEY_MAX - 1 characters; such a workload could not be named, stored or parsed. */
  char big[2 * QT_KEY_MAX];
  int klen = format_key(w, big, sizeof big);
  if (klen >= QT_KEY_MAX)
    return qt_fail(err, QT_EINVAL, "canonical key is %d characters, longer than %d", klen,
                   QT_KEY_MAX - 1);

  /* The kernel layer has the last word: a rule added there but not here still rejects. */
  if (qt_conv_desc_check(d) != QT_KERNEL_OK)
    return qt_fail(err, QT_EINVAL, "descriptor rejected by qt_conv_desc_check (a rule not "
                                   "mirrored in qt_workload_check)");
  return 0;
}

/* ---- hash, MACs ------------------------------------------------------------------------ */

uint64_t qt_hash64(const void *data, size_t len, uint64_t seed) {
  const unsigned char *b = data;
  uint64_t h = seed;
  for (size_t i = 0; i < len; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL; /* FNV-1a 64-bit prime */
  }
  return h;
}

uint64_t qt_workload_hash(const qt_workload *w) {
  char key[QT_KEY_MAX];
  qt_workload_key(w, key);
  return qt_hash64(key, strlen(key), QT_HASH_SEED);
}

/* Returns 0 for a workload with a non-positive extent (no meaningful count). */
uint64_t qt_workload_macs(const qt_workload *w) {
  const qt_conv_desc *d = &w->desc;
  const qt_conv_params *p = &d->p;
  int32_t depth = p->op == QT_OP_CONV2D ? d->in.c : 1;
  if (d->in.n <= 0 || d->out.h <= 0 || d->out.w <= 0 || d->out.c <= 0 || p->kernel_h <= 0 ||
      p->kernel_w <= 0 || depth <= 0)
    return 0;
  /* Saturates instead of wrapping: a checked workload is far below 2^64 (at most 2^31 output
   * elements times QT_MAX_REDUCTION), an unchecked one must not look small. */
  const uint64_t f[] = {(uint64_t)d->in.n, (uint64_t)d->out.h, (uint64_t)d->out.w,
                        (uint64_t)d->out.c, (uint64_t)p->kernel_h, (uint64_t)p->kernel_w,
                        (uint64_t)depth};
  uint64_t macs = 1;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (__builtin_mul_overflow(macs, f[i], &macs)) return UINT64_MAX;
  return macs;
}

uint64_t qt_quant_given_hash(const qt_quant_given *g) {
  if (!g) return 0;
  /* Field by field in a fixed width, so padding or pointer values never enter the hash. */
  const int32_t head[6] = {g->input_zp, g->weight_zp, g->output_zp, g->act_min, g->act_max,
                           g->channels};
  uint64_t h = QT_HASH_SEED;
  for (int i = 0; i < 6; i++) h = qt_hash64(&head[i], sizeof head[i], h);
  for (int32_t c = 0; c < g->channels; c++) {
    h = qt_hash64(&g->multiplier[c], sizeof(int32_t), h);
    h = qt_hash64(&g->shift[c], sizeof(int32_t), h);
  }
  return h;
}
