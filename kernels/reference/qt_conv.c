/* qt_conv.c — shape arithmetic and validation of the kernel API's descriptors (qt_kernels.h):
 * output extents, descriptor checks, quantization parameter checks, weight counts. Shared by
 * the reference, the harness and the host tools so every layer agrees on what is valid. */
#include "qt_kernels.h"

int32_t qt_conv_out_size(int32_t in, int32_t k, int32_t stride, int32_t dilation,
                         int32_t pad_before, int32_t pad_after) {
  if (in <= 0 || k <= 0 || stride <= 0 || dilation <= 0 || pad_before < 0 || pad_after < 0)
    return 0;
  int64_t span = (int64_t)dilation * (k - 1) + 1;
  int64_t padded = (int64_t)in + pad_before + pad_after;
  if (padded < span) return 0;
  return (int32_t)((padded - span) / stride + 1);
}

static int positive(int32_t v) { return v > 0; }

/* 1 if a*b*c*d (each in [1, INT32_MAX]) is at most INT32_MAX. */
static int fits_int32(int64_t a, int64_t b, int64_t c, int64_t d) {
  int64_t p = a;
  const int64_t f[] = {b, c, d};
  for (int i = 0; i < 3; i++) {
    if (p > INT32_MAX / f[i]) return 0;
    p *= f[i];
  }
  return 1;
}

int qt_conv_desc_check(const qt_conv_desc *d) {
  if (!d) return QT_KERNEL_EINVAL;
  const qt_conv_params *p = &d->p;
  if (p->op != QT_OP_CONV2D && p->op != QT_OP_DEPTHWISE) return QT_KERNEL_ESHAPE;
  if (!positive(d->in.n) || !positive(d->in.h) || !positive(d->in.w) || !positive(d->in.c) ||
      !positive(d->out.h) || !positive(d->out.w) || !positive(d->out.c) ||
      d->out.n != d->in.n || !positive(p->kernel_h) || !positive(p->kernel_w) ||
      !positive(p->stride_h) || !positive(p->stride_w) || !positive(p->dilation_h) ||
      !positive(p->dilation_w) || !positive(p->depth_multiplier))
    return QT_KERNEL_ESHAPE;
  if (p->pad_top < 0 || p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0)
    return QT_KERNEL_ESHAPE;
  /* A padding as large as the dilated kernel would give outputs that see only padding. */
  int64_t span_h = (int64_t)p->dilation_h * (p->kernel_h - 1) + 1;
  int64_t span_w = (int64_t)p->dilation_w * (p->kernel_w - 1) + 1;
  if (p->pad_top >= span_h || p->pad_bottom >= span_h || p->pad_left >= span_w ||
      p->pad_right >= span_w)
    return QT_KERNEL_ESHAPE;
  if (d->out.h != qt_conv_out_size(d->in.h, p->kernel_h, p->stride_h, p->dilation_h,
                                   p->pad_top, p->pad_bottom) ||
      d->out.w != qt_conv_out_size(d->in.w, p->kernel_w, p->stride_w, p->dilation_w,
                                   p->pad_left, p->pad_right))
    return QT_KERNEL_ESHAPE;
  if (p->op == QT_OP_DEPTHWISE) {
    if ((int64_t)d->in.c * p->depth_multiplier != d->out.c) return QT_KERNEL_ESHAPE;
  } else if (p->depth_multiplier != 1) {
    return QT_KERNEL_ESHAPE;
  }
  /* Accumulators are int32: K bounds what the bias may be (qt_conv_bias_limit), and past
   * QT_MAX_REDUCTION not even a zero bias keeps every partial sum inside int32. */
  int64_t k = (int64_t)p->kernel_h * p->kernel_w * (p->op == QT_OP_CONV2D ? d->in.c : 1);
  if (k > QT_MAX_REDUCTION) return QT_KERNEL_ESHAPE;
  /* Keep every tensor index inside int32 arithmetic. The products are checked step by step:
   * four int32 extents can reach 2^124, and a wrapped product would pass. Depthwise weights
   * are kh*kw*out_c. */
  if (!fits_int32(d->in.n, d->in.h, d->in.w, d->in.c) ||
      !fits_int32(d->out.n, d->out.h, d->out.w, d->out.c) ||
      !fits_int32(p->kernel_h, p->kernel_w, p->op == QT_OP_CONV2D ? d->in.c : 1, d->out.c))
    return QT_KERNEL_ESHAPE;
  return QT_KERNEL_OK;
}

int qt_quant_params_check(const qt_conv_desc *d, const qt_quant_params *q) {
  if (!d || !q) return QT_KERNEL_EINVAL;
  int32_t lo, hi;
  if (q->dtype == QT_DTYPE_S8) {
    lo = -128;
    hi = 127;
    if (q->weight_zp != 0) return QT_KERNEL_EINVAL;
  } else if (q->dtype == QT_DTYPE_U8) {
    lo = 0;
    hi = 255;
    if (q->weight_zp < 0 || q->weight_zp > 255) return QT_KERNEL_EINVAL;
  } else {
    return QT_KERNEL_EINVAL;
  }
  if (q->input_zp < lo || q->input_zp > hi) return QT_KERNEL_EINVAL;
  /* An int32 output has no zero point and no clamp: nonzero values would be dropped. */
  if (q->requant == QT_REQUANT_NONE)
    return q->output_zp == 0 && q->act_min == 0 && q->act_max == 0 ? QT_KERNEL_OK
                                                                   : QT_KERNEL_EINVAL;
  if (q->output_zp < lo || q->output_zp > hi || q->act_min < lo || q->act_max > hi ||
      q->act_min > q->act_max)
    return QT_KERNEL_EINVAL;
  if (q->requant == QT_REQUANT_FIXEDPOINT) {
    if (!q->multiplier || !q->shift) return QT_KERNEL_EINVAL;
    for (int32_t c = 0; c < d->out.c; c++)
      if (q->multiplier[c] < 0 || q->shift[c] < -31 || q->shift[c] > 30) return QT_KERNEL_EINVAL;
  } else if (q->requant == QT_REQUANT_FP32) {
    if (!q->scale) return QT_KERNEL_EINVAL;
    for (int32_t c = 0; c < d->out.c; c++)
      if (!(q->scale[c] > 0.0f && q->scale[c] < 3.0e38f)) return QT_KERNEL_EINVAL;
  } else {
    return QT_KERNEL_EINVAL;
  }
  return QT_KERNEL_OK;
}

int qt_conv_bias_check(const qt_conv_desc *d, const int32_t *bias) {
  if (!d) return QT_KERNEL_EINVAL;
  const int64_t limit = qt_conv_bias_limit(d);
  if (limit < 0) return QT_KERNEL_EINVAL;
  if (!bias) return QT_KERNEL_OK;
  for (int32_t oc = 0; oc < d->out.c; oc++)
    if (bias[oc] < -limit || bias[oc] > limit) return QT_KERNEL_EINVAL;
  return QT_KERNEL_OK;
}

size_t qt_conv_weight_count(const qt_conv_desc *d) {
  size_t taps = (size_t)d->p.kernel_h * (size_t)d->p.kernel_w;
  return d->p.op == QT_OP_DEPTHWISE ? taps * (size_t)d->out.c
                                    : taps * (size_t)d->in.c * (size_t)d->out.c;
}
