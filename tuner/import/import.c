/* import.c — a TFLite model's convolutions as a qtune model file (import.h). tflite_read.cc
 * verifies the flatbuffer and copies the raw facts; here they get TFLite's semantics: the
 * padding of SAME and VALID (ComputePaddingHeightWidth), the clamp of the fused activation
 * (CalculateActivationRangeQuantized) and the per-channel requantization
 * (PopulateConvolutionQuantizationParams: QuantizeMultiplier of input_scale * filter_scale /
 * output_scale, in double). What the model file cannot express is refused, naming the
 * operator, rather than approximated. */
#include "tuner/import/import.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qt_requant.h"
#include "tuner/base/config.h"
#include "tuner/import/tflite_read.h"

static const char *type_name(int t) {
  static const char *const names[] = {"FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64",
                                      "STRING",  "BOOL",    "INT16", "COMPLEX64", "INT8"};
  return t >= 0 && t < 10 ? names[t] : "an unknown type";
}

static const char *op_name(int builtin) {
  return builtin == QT_TFL_CONV_2D ? "CONV_2D" : "DEPTHWISE_CONV_2D";
}

/* One layer as it goes into the file. */
typedef struct layer_out {
  char name[QT_NAME_MAX];
  const char *role;
  int op; /* qt_op */
  int32_t in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, sh, sw, dil, dm;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t macs;
  qt_quant_given q;
  int32_t *multiplier, *shift; /* owned; q points at them */
} layer_out;

/* TFLite's ComputePaddingWithOffset for one axis: the total padding that makes the output
 * ceil(in / stride) (SAME) or none (VALID); the smaller half goes before. Also the output
 * extent TFLite computes (ComputeOutSize). */
static void axis_padding(int padding, int32_t in, int32_t k, int32_t stride, int32_t dil,
                         int32_t *before, int32_t *after, int32_t *out) {
  const int64_t eff = (int64_t)dil * (k - 1) + 1;
  int64_t o = padding == QT_TFL_SAME ? ((int64_t)in + stride - 1) / stride
                                     : ((int64_t)in - eff + stride) / stride;
  int64_t total = padding == QT_TFL_SAME ? (o - 1) * stride + eff - in : 0;
  if (total < 0) total = 0;
  *before = (int32_t)(total / 2);
  *after = (int32_t)(total - total / 2);
  *out = (int32_t)(o > 0 ? o : 0);
}

/* TFLite's Quantize of CalculateActivationRangeQuantized: zp + round(f / scale) in float, as
 * the kernel computes it; -1 where TFLite refuses it too (the rounded value leaves int32). The
 * sum is kept in 64 bits: the caller clamps it to the dtype's range. */
static int quantize_act(float f, float scale, int32_t zp, int64_t *q) {
  const float t = roundf(f / scale);
  if (!(t >= -2147483648.0f && t < 2147483648.0f)) return -1;
  *q = (int64_t)zp + (int64_t)t;
  return 0;
}

static int scale_ok(float s) { return isfinite(s) && s > 0.0f; }

/* A layer name from the output tensor's name: the characters a model file allows, or
 * "op<index>" when that leaves nothing, does not fit or repeats an earlier layer's. */
static void layer_name(const qt_tfl_conv *c, const layer_out *prev, int n_prev, char *dst) {
  size_t n = strlen(c->output.name);
  int ok = n > 0 && n < QT_NAME_MAX;
  for (size_t i = 0; ok && i < n; i++) {
    char ch = c->output.name[i];
    ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '-' || ch == '.' || ch == '/';
  }
  for (int i = 0; ok && i < n_prev; i++) ok = strcmp(prev[i].name, c->output.name) != 0;
  if (ok)
    snprintf(dst, QT_NAME_MAX, "%s", c->output.name);
  else
    snprintf(dst, QT_NAME_MAX, "op%d", c->op_index);
}

/* The role column (free text in the format): depthwise "dw"; a first spatial convolution
 * "stem"; 1x1 convolutions "expand" when they widen and "project" when they narrow, the last
 * widening one of the model "head" (the 1x1 before the pooling of MobileNet-style nets);
 * other convolutions "conv". */
static void assign_roles(layer_out *l, int n) {
  for (int i = 0; i < n; i++) {
    if (l[i].op == QT_OP_DEPTHWISE)
      l[i].role = "dw";
    else if (l[i].kh == 1 && l[i].kw == 1)
      l[i].role = l[i].out_c > l[i].in_c ? (i == n - 1 ? "head" : "expand") : "project";
    else
      l[i].role = i == 0 ? "stem" : "conv";
  }
}

#define BAD(...) qt_fail(err, QT_EINVAL, __VA_ARGS__)

/* Shapes and options of convolution c into *l (QT_EINVAL naming the operator otherwise). */
static int convert_shape(const qt_tfl_conv *c, layer_out *l, int32_t *batch, qt_err *err) {
  const int op = c->op_index;
  const char *on = op_name(c->builtin);
  const qt_tfl_tensor *t[3] = {&c->input, &c->filter, &c->output};
  const char *tn[3] = {"input", "filter", "output"};
  for (int i = 0; i < 3; i++) {
    if (t[i]->rank != 4)
      return BAD("operator %d (%s): %s tensor %d ('%s') has rank %d, expected 4 (NHWC)", op, on,
                 tn[i], t[i]->index, t[i]->name, t[i]->rank);
    for (int d = 0; d < 4; d++)
      if (t[i]->shape[d] < 1)
        return BAD("operator %d (%s): %s tensor %d ('%s') has dimension %d = %" PRId32
                   ", expected >= 1", op, on, tn[i], t[i]->index, t[i]->name, d,
                   t[i]->shape[d]);
  }
  if (c->stride_h < 1 || c->stride_w < 1)
    return BAD("operator %d (%s): stride %dx%d, expected >= 1", op, on, c->stride_h, c->stride_w);
  if (c->dilation_h < 1 || c->dilation_w < 1)
    return BAD("operator %d (%s): dilation %dx%d, expected >= 1", op, on, c->dilation_h,
               c->dilation_w);
  if (c->dilation_h != c->dilation_w)
    return BAD("operator %d (%s): dilation %dx%d differs per axis; the model file has one "
               "dilation", op, on, c->dilation_h, c->dilation_w);
  if (c->padding != QT_TFL_SAME && c->padding != QT_TFL_VALID)
    return BAD("operator %d (%s): padding %d is neither SAME (0) nor VALID (1)", op, on,
               c->padding);
  const int32_t *in = c->input.shape, *f = c->filter.shape, *out = c->output.shape;
  l->op = c->builtin == QT_TFL_CONV_2D ? QT_OP_CONV2D : QT_OP_DEPTHWISE;
  l->in_h = in[1], l->in_w = in[2], l->in_c = in[3];
  l->out_c = out[3];
  l->kh = f[1], l->kw = f[2];
  l->sh = c->stride_h, l->sw = c->stride_w, l->dil = c->dilation_h;
  if (l->op == QT_OP_CONV2D) { /* filter OHWI */
    if (f[3] != in[3])
      return BAD("operator %d (CONV_2D): filter has %" PRId32 " input channels, the input %"
                 PRId32 " (a grouped convolution, which qtune does not tune)", op, f[3], in[3]);
    if (f[0] != out[3])
      return BAD("operator %d (CONV_2D): filter has %" PRId32 " output channels, the output "
                 "tensor %" PRId32, op, f[0], out[3]);
    l->dm = 1;
  } else { /* filter 1HWO; TFLite derives the multiplier from the channels */
    if (f[0] != 1)
      return BAD("operator %d (DEPTHWISE_CONV_2D): filter dimension 0 is %" PRId32
                 ", expected 1 (1HWO)", op, f[0]);
    if (f[3] != out[3] || out[3] % in[3] != 0)
      return BAD("operator %d (DEPTHWISE_CONV_2D): filter has %" PRId32 " channels, the output %"
                 PRId32 ", the input %" PRId32 " (output channels must be a multiple of the "
                 "input's)", op, f[3], out[3], in[3]);
    l->dm = out[3] / in[3];
  }
  int32_t oh, ow;
  axis_padding(c->padding, l->in_h, l->kh, l->sh, l->dil, &l->pad_top, &l->pad_bottom, &oh);
  axis_padding(c->padding, l->in_w, l->kw, l->sw, l->dil, &l->pad_left, &l->pad_right, &ow);
  if (oh != out[1] || ow != out[2] || in[0] != out[0])
    return BAD("operator %d (%s): output tensor is %" PRId32 "x%" PRId32 "x%" PRId32 "x%" PRId32
               ", but %s padding of the %" PRId32 "x%" PRId32 "x%" PRId32 "x%" PRId32
               " input gives %" PRId32 "x%" PRId32 "x%" PRId32 "x%" PRId32, op, on, out[0],
               out[1], out[2], out[3], c->padding == QT_TFL_SAME ? "SAME" : "VALID", in[0],
               in[1], in[2], in[3], in[0], oh, ow, out[3]);
  l->out_h = oh, l->out_w = ow;
  if (*batch == 0) *batch = in[0];
  if (in[0] != *batch)
    return BAD("operator %d (%s): batch %" PRId32 ", while an earlier convolution has %" PRId32
               " (the model file has one batch)", op, on, in[0], *batch);
  /* Products of file values: checked, so that a hostile shape is refused, not undefined. */
  const int64_t factor[6] = {oh, ow, l->out_c, l->kh, l->kw,
                             l->op == QT_OP_CONV2D ? l->in_c : 1};
  int64_t macs = 1;
  for (int i = 0; i < 6; i++)
    if (__builtin_mul_overflow(macs, factor[i], &macs))
      return BAD("operator %d (%s): %" PRId32 "x%" PRId32 " outputs of %" PRId32 " channels "
                 "with a %" PRId32 "x%" PRId32 " kernel: too many multiply-accumulates", op, on,
                 oh, ow, l->out_c, l->kh, l->kw);
  l->macs = macs;
  return 0;
}

/* The single zero point of a per-tensor quantized activation tensor (0 if the file has none,
 * as TFLite reads it), checked against the dtype's range. */
static int tensor_zp(const qt_tfl_conv *c, const qt_tfl_tensor *t, const char *role, int s8,
                     int32_t *zp, qt_err *err) {
  const int64_t v = t->n_zero_point > 0 ? t->zero_point[0] : 0;
  if (t->n_scale != 1 || (t->n_zero_point != 0 && t->n_zero_point != 1))
    return BAD("operator %d (%s): %s tensor '%s' has %d scales and %d zero points, expected "
               "one of each (per-tensor)", c->op_index, op_name(c->builtin), role, t->name,
               t->n_scale, t->n_zero_point);
  if (!scale_ok(t->scale[0]))
    return BAD("operator %d (%s): %s tensor '%s' has scale %g, expected a positive finite "
               "number", c->op_index, op_name(c->builtin), role, t->name, (double)t->scale[0]);
  if (v < (s8 ? -128 : 0) || v > (s8 ? 127 : 255))
    return BAD("operator %d (%s): %s tensor '%s' has zero point %" PRId64 ", outside %s",
               c->op_index, op_name(c->builtin), role, t->name, v, s8 ? "int8" : "uint8");
  *zp = (int32_t)v;
  return 0;
}

/* Quantization parameters of c as TFLite's conv and depthwise kernels derive them. */
static int convert_quant(const qt_tfl_conv *c, layer_out *l, int32_t dtype, qt_err *err) {
  const int op = c->op_index;
  const char *on = op_name(c->builtin);
  const int s8 = dtype == QT_DTYPE_S8;
  int rc;
  int32_t izp = 0, ozp = 0; /* set by tensor_zp on success (GCC -O3 cannot tell) */
  if ((rc = tensor_zp(c, &c->input, "input", s8, &izp, err)) ||
      (rc = tensor_zp(c, &c->output, "output", s8, &ozp, err)))
    return rc;
  const qt_tfl_tensor *f = &c->filter;
  const int32_t ch = l->out_c;
  const int qdim = l->op == QT_OP_CONV2D ? 0 : 3; /* the output-channel axis of the filter */
  if (f->n_scale != 1 && f->n_scale != ch)
    return BAD("operator %d (%s): filter '%s' has %d scales, expected 1 or one per output "
               "channel (%" PRId32 ")", op, on, f->name, f->n_scale, ch);
  if (f->n_scale > 1 && f->quantized_dimension != qdim)
    return BAD("operator %d (%s): filter '%s' is quantized along dimension %d, expected %d "
               "(its output channels)", op, on, f->name, f->quantized_dimension, qdim);
  if (!s8 && f->n_scale != 1)
    return BAD("operator %d (%s): uint8 filter '%s' has %d scales; the uint8 scheme is "
               "per-tensor", op, on, f->name, f->n_scale);
  int32_t wzp = 0;
  for (int i = 0; i < f->n_zero_point; i++) {
    if (s8 && f->zero_point[i] != 0)
      return BAD("operator %d (%s): int8 filter '%s' has zero point %" PRId64 " at %d; int8 "
                 "weights are symmetric (zero point 0)", op, on, f->name, f->zero_point[i], i);
    if (!s8 && (f->zero_point[i] < 0 || f->zero_point[i] > 255 || f->n_zero_point != 1))
      return BAD("operator %d (%s): uint8 filter '%s' needs one zero point in 0..255", op, on,
                 f->name);
  }
  if (!s8 && f->n_zero_point == 1) wzp = (int32_t)f->zero_point[0];

  l->multiplier = malloc(sizeof(int32_t) * (size_t)ch);
  l->shift = malloc(sizeof(int32_t) * (size_t)ch);
  if (!l->multiplier || !l->shift) return qt_fail(err, QT_ENOMEM, "import: out of memory");
  const float in_s = c->input.scale[0], out_s = c->output.scale[0];
  for (int32_t k = 0; k < ch; k++) {
    const float fs = f->scale[f->n_scale == 1 ? 0 : k];
    if (!scale_ok(fs))
      return BAD("operator %d (%s): filter '%s' has scale %g for channel %" PRId32 ", expected a "
                 "positive finite number", op, on, f->name, (double)fs, k);
    /* int8 (per channel): the product in double; uint8 (per tensor, the 5-argument
     * GetQuantizedConvolutionMultipler the uint8 kernels' scalar multiplier comes from): the
     * input and filter scales multiplied in float first. */
    const double real = s8 ? (double)in_s * (double)fs / (double)out_s
                           : (double)(float)(in_s * fs) / (double)out_s;
    if (qt_quantize_multiplier(real, &l->multiplier[k], &l->shift[k]) != 0)
      return BAD("operator %d (%s): channel %" PRId32 "'s scale %g cannot be quantized", op, on,
                 k, real);
  }

  const int32_t qmin = s8 ? -128 : 0, qmax = s8 ? 127 : 255;
  int64_t lo = qmin, hi = qmax;
  int q_rc = 0;
  switch (c->activation) {
    case QT_TFL_ACT_NONE: break;
    case QT_TFL_ACT_RELU: q_rc = quantize_act(0.0f, out_s, ozp, &lo); break;
    case QT_TFL_ACT_RELU6:
      q_rc = quantize_act(0.0f, out_s, ozp, &lo) || quantize_act(6.0f, out_s, ozp, &hi);
      break;
    case QT_TFL_ACT_RELU_N1_TO_1:
      q_rc = quantize_act(-1.0f, out_s, ozp, &lo) || quantize_act(1.0f, out_s, ozp, &hi);
      break;
    default:
      return BAD("operator %d (%s): fused activation %d (TANH or SIGN_BIT) is not a clamp; "
                 "qtune's kernels fuse only NONE, RELU, RELU_N1_TO_1 and RELU6", op, on,
                 c->activation);
  }
  if (q_rc)
    return BAD("operator %d (%s): the fused activation's bounds overflow int32 at output scale "
               "%g (TFLite refuses this model too)", op, on, (double)out_s);
  lo = lo < qmin ? qmin : lo;
  hi = hi > qmax ? qmax : hi;
  if (lo > hi)
    return BAD("operator %d (%s): the fused activation's clamp is empty (%" PRId64 "..%" PRId64
               ")", op, on, lo, hi);
  l->q = (qt_quant_given){.input_zp = izp, .weight_zp = wzp, .output_zp = ozp,
                          .act_min = (int32_t)lo, .act_max = (int32_t)hi, .channels = ch,
                          .multiplier = l->multiplier, .shift = l->shift};
  return 0;
}

static void write_list(FILE *out, const char *key, const int32_t *v, int32_t n) {
  fprintf(out, "%s: [", key);
  for (int32_t i = 0; i < n; i++) fprintf(out, "%s%" PRId32, i ? ", " : "", v[i]);
  fputc(']', out);
}

static void write_model(FILE *out, const char *model_name, const char *source, int32_t dtype,
                        int32_t batch, const layer_out *l, int n, const qt_import_summary *s) {
  /* The description is a double-quoted scalar: keep the file name printable and unquoted. */
  char src[256];
  snprintf(src, sizeof src, "%s", source);
  for (char *p = src; *p; p++)
    if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) *p = '_';
  fprintf(out, "# %s: written by `tune import` from %s (TFLite flatbuffer): the %d CONV_2D and "
          "DEPTHWISE_CONV_2D operators of subgraph 0 (of %d operators in all).\n",
          model_name, src, n, s->n_operators);
  fprintf(out, "# quant: the file's zero points, the clamp of each fused activation, and per "
          "output channel\n# TFLite's QuantizeMultiplier of input_scale * filter_scale / "
          "output_scale. Format: configs/models/README.md.\n");
  fprintf(out, "model: %s\ndescription: \"imported from %s\"\ndtype: %s\nrequant: fixedpoint\n"
          "batch: %" PRId32 "\nlayers:\n", model_name, src, dtype == QT_DTYPE_S8 ? "s8" : "u8",
          batch);
  for (int i = 0; i < n; i++) {
    const layer_out *y = &l[i];
    fprintf(out, "  - {name: %s, op: %s, role: %s, in_h: %" PRId32 ", in_w: %" PRId32
            ", in_c: %" PRId32 ", out_c: %" PRId32 ", kh: %" PRId32 ", kw: %" PRId32
            ", stride_h: %" PRId32 ", stride_w: %" PRId32 ", pad_top: %" PRId32
            ", pad_left: %" PRId32 ", pad_bottom: %" PRId32 ", pad_right: %" PRId32
            ", dilation: %" PRId32 ", depth_multiplier: %" PRId32 ", out_h: %" PRId32
            ", out_w: %" PRId32 ", macs: %" PRId64 ",\n", y->name,
            y->op == QT_OP_CONV2D ? "conv2d" : "depthwise_conv2d", y->role, y->in_h, y->in_w,
            y->in_c, y->out_c, y->kh, y->kw, y->sh, y->sw, y->pad_top, y->pad_left,
            y->pad_bottom, y->pad_right, y->dil, y->dm, y->out_h, y->out_w, y->macs);
    fprintf(out, "     quant: {input_zp: %" PRId32 ", weight_zp: %" PRId32 ", output_zp: %" PRId32
            ", act_min: %" PRId32 ", act_max: %" PRId32 ", ", y->q.input_zp, y->q.weight_zp,
            y->q.output_zp, y->q.act_min, y->q.act_max);
    /* uint8 is per-tensor: one value stands for every channel. */
    const int32_t per = dtype == QT_DTYPE_S8 ? y->q.channels : 1;
    write_list(out, "multiplier", y->multiplier, per);
    fputs(", ", out);
    write_list(out, "shift", y->shift, per);
    fputs("}}\n", out);
  }
}

int qt_tflite_to_model(const void *buf, size_t len, const char *model_name, const char *source,
                       FILE *out, qt_import_summary *summary, qt_err *err) {
  qt_import_summary s = {0};
  qt_tfl_model m;
  int rc = qt_tfl_read(buf, len, &m, err);
  if (rc) return rc;
  s.n_operators = m.n_operators;
  s.n_subgraphs = m.n_subgraphs;
  layer_out *l = calloc(m.n_convs > 0 ? (size_t)m.n_convs : 1, sizeof *l);
  if (!l) {
    qt_tfl_model_free(&m);
    return qt_fail(err, QT_ENOMEM, "import: out of memory");
  }
  if (m.n_convs == 0)
    rc = BAD("the model has no CONV_2D or DEPTHWISE_CONV_2D operator in subgraph 0 (%d "
             "operators)", m.n_operators);
  int32_t batch = 0, dtype = -1;
  for (int i = 0; i < m.n_convs && !rc; i++) {
    const qt_tfl_conv *c = &m.convs[i];
    const int t_in = c->input.type;
    if (t_in != QT_TFL_INT8 && t_in != QT_TFL_UINT8) {
      rc = BAD("operator %d (%s): input tensor '%s' is %s; qtune tunes int8 and uint8 models "
               "(quantize the model first)", c->op_index, op_name(c->builtin), c->input.name,
               type_name(t_in));
      break;
    }
    if (c->filter.type != t_in || c->output.type != t_in) {
      rc = BAD("operator %d (%s): input, filter and output are %s, %s and %s; qtune needs one "
               "type for all three", c->op_index, op_name(c->builtin), type_name(t_in),
               type_name(c->filter.type), type_name(c->output.type));
      break;
    }
    const int32_t dt = t_in == QT_TFL_INT8 ? QT_DTYPE_S8 : QT_DTYPE_U8;
    if (dtype < 0) dtype = dt;
    if (dt != dtype) {
      rc = BAD("operator %d (%s): %s, while an earlier convolution is %s (the model file has "
               "one dtype)", c->op_index, op_name(c->builtin), type_name(t_in),
               dtype == QT_DTYPE_S8 ? "INT8" : "UINT8");
      break;
    }
    if ((rc = convert_shape(c, &l[i], &batch, err)) || (rc = convert_quant(c, &l[i], dt, err)))
      break;
    layer_name(c, l, i, l[i].name);
    s.n_layers = i + 1;
  }
  if (!rc) {
    assign_roles(l, m.n_convs);
    write_model(out, model_name, source, dtype, batch, l, m.n_convs, &s);
    if (fflush(out) != 0 || ferror(out))
      rc = qt_fail(err, QT_EIO, "writing the model file: %s", strerror(errno));
  }
  for (int i = 0; i < m.n_convs; i++) {
    free(l[i].multiplier);
    free(l[i].shift);
  }
  free(l);
  qt_tfl_model_free(&m);
  if (!rc && summary) *summary = s;
  return rc;
}

int qt_tflite_import_file(const char *tflite_path, const char *out_path,
                          qt_import_summary *summary, qt_err *err) {
  /* The model is named after the output file, as the loader requires. */
  const char *slash = strrchr(out_path, '/');
  const char *base = slash ? slash + 1 : out_path;
  size_t blen = strlen(base);
  if (blen <= 5 || strcmp(base + blen - 5, ".yaml") != 0 || blen - 5 >= QT_NAME_MAX)
    return qt_fail(err, QT_EINVAL, "--out %s: expected <dir>/<model name>.yaml (a name of 1 to "
                   "%d characters)", out_path, QT_NAME_MAX - 1);
  char name[QT_NAME_MAX];
  snprintf(name, sizeof name, "%.*s", (int)(blen - 5), base);
  const char *src = strrchr(tflite_path, '/');
  src = src ? src + 1 : tflite_path;

  char *buf = NULL;
  size_t len = 0;
  /* A .tflite flatbuffer cannot exceed 2 GiB (32-bit offsets). */
  int rc = qt_read_file(tflite_path, (size_t)1 << 31, &buf, &len, err);
  if (rc) return rc;
  /* Written into a private directory beside out_path under its own base name (the loader
   * checks that the model is named after its file), loaded back, then renamed into place. */
  char dir[QT_PATH_MAX + 32], tmp[2 * QT_PATH_MAX + 64];
  snprintf(dir, sizeof dir, "%.*s.qtune-import.%ld", (int)(base - out_path), out_path,
           (long)getpid());
  if (mkdir(dir, 0700) != 0) {
    free(buf);
    return qt_fail(err, QT_EIO, "cannot write %s: creating the temporary directory %s: %s",
                   out_path, dir, strerror(errno));
  }
  snprintf(tmp, sizeof tmp, "%s/%s", dir, base);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    rc = qt_fail(err, QT_EIO, "cannot write %s: %s", tmp, strerror(errno));
  } else {
    rc = qt_tflite_to_model(buf, len, name, src, f, summary, err);
    if (fclose(f) != 0 && !rc)
      rc = qt_fail(err, QT_EIO, "cannot write %s: %s", tmp, strerror(errno));
    /* What was written must load: the loader checks every rule of the format once more. */
    qt_model check;
    if (rc)
      qt_err_wrap(err, "import %s", tflite_path);
    else if ((rc = qt_model_load_file(tmp, &check, err)) == 0)
      qt_model_free(&check);
    else
      qt_err_wrap(err, "import %s: the written model does not load", tflite_path);
  }
  free(buf);
  if (!rc && rename(tmp, out_path) != 0)
    rc = qt_fail(err, QT_EIO, "cannot write %s: %s", out_path, strerror(errno));
  unlink(tmp);
  rmdir(dir);
  return rc;
}
