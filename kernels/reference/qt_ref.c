/* qt_ref.c — the reference convolution, qtune's oracle: plain loops over the formulas of
 * qt_kernels.h, no knobs, no packing, no folding of zero points. Every tuned
 * variant of every template must reproduce its output bytes exactly; it is also what the
 * harness's --verify and the host's expected checksums are computed with. Requantization
 * comes from qt_requant.h, the only definition of that arithmetic. */
#include "qt_kernels.h"
#include "qt_requant.h"

/* Element i of an int8 (QT_DTYPE_S8) or uint8 (QT_DTYPE_U8) tensor, widened to int32. */
static int32_t ref_load(const void *t, size_t i, int32_t dtype) {
  return dtype == QT_DTYPE_S8 ? (int32_t)((const int8_t *)t)[i] : (int32_t)((const uint8_t *)t)[i];
}

/* Accumulator of one output element (n, oy, ox, oc), before requantization:
 *   acc = bias[oc] + sum over (ky, kx, ic) of (x[n][iy][ix][ic] - input_zp) * (w - weight_zp)
 *   iy  = oy * stride_h - pad_top  + ky * dilation_h
 *   ix  = ox * stride_w - pad_left + kx * dilation_w
 * A tap with iy or ix outside the input reads the padding value input_zp and so adds nothing;
 * it is skipped. conv2d sums ic over [0, in.c) with w = weights[oc][ky][kx][ic] (OHWI);
 * depthwise has the single ic = oc / depth_multiplier with w = weights[ky][kx][oc] (1HWO).
 * No partial sum overflows int32: |term| <= 255 * 255 and the caller checked |bias| against
 * qt_conv_bias_limit, which leaves room for 2 * K such terms. */
static int32_t ref_acc(const qt_conv_desc *d, const qt_quant_params *q, const void *x,
                       const void *w, int32_t bias, int32_t n, int32_t oy, int32_t ox,
                       int32_t oc) {
  const qt_conv_params *p = &d->p;
  const int depthwise = p->op == QT_OP_DEPTHWISE;
  const int32_t ic_begin = depthwise ? oc / p->depth_multiplier : 0;
  const int32_t ic_end = depthwise ? ic_begin + 1 : d->in.c;
  int32_t acc = bias;
  for (int32_t ky = 0; ky < p->kernel_h; ky++) {
    const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
    if (iy < 0 || iy >= d->in.h) continue;
    for (int32_t kx = 0; kx < p->kernel_w; kx++) {
      const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
      if (ix < 0 || ix >= d->in.w) continue;
      const size_t xrow = (((size_t)n * d->in.h + iy) * d->in.w + ix) * d->in.c;
      for (int32_t ic = ic_begin; ic < ic_end; ic++) {
        const size_t wi = depthwise
                              ? ((size_t)ky * p->kernel_w + kx) * d->out.c + oc
                              : (((size_t)oc * p->kernel_h + ky) * p->kernel_w + kx) * d->in.c + ic;
        acc += (ref_load(x, xrow + ic, q->dtype) - q->input_zp) *
               (ref_load(w, wi, q->dtype) - q->weight_zp);
      }
    }
  }
  return acc;
}

/* Requantizes acc for channel oc with q's scheme (qt_requant.h):
 *   fixedpoint: clamp(zp_out + RDivPOT(SRDHM(acc << max(s,0), M[oc]), max(-s,0)), min, max)
 *   fp32:       round_half_even(clamp(acc * scale[oc], min - zp_out, max - zp_out)) + zp_out */
static int32_t ref_requant(const qt_quant_params *q, int32_t acc, int32_t oc) {
  if (q->requant == QT_REQUANT_FIXEDPOINT)
    return qt_requant_fixedpoint(acc, q->multiplier[oc], q->shift[oc], q->output_zp,
                                 q->act_min, q->act_max);
  return qt_requant_fp32(acc, q->scale[oc], q->output_zp, q->act_min, q->act_max);
}

/* Contract in qt_kernels.h. Besides the desc and quant param checks it returns
 * QT_KERNEL_EINVAL for a NULL tensor or a bias beyond qt_conv_bias_limit, the bound under
 * which int32 accumulation provably cannot overflow (see ref_acc). QT_REQUANT_NONE writes the
 * accumulator itself, as int32. */
int qt_ref_conv(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                const void *weights, const int32_t *bias, void *output) {
  int rc = qt_conv_desc_check(d);
  if (rc != QT_KERNEL_OK) return rc;
  rc = qt_quant_params_check(d, q);
  if (rc != QT_KERNEL_OK) return rc;
  if (!input || !weights || !bias || !output) return QT_KERNEL_EINVAL;
  rc = qt_conv_bias_check(d, bias);
  if (rc != QT_KERNEL_OK) return rc;
  size_t o = 0; /* NHWC: oc is the fastest index, so outputs are written in order */
  for (int32_t n = 0; n < d->out.n; n++)
    for (int32_t oy = 0; oy < d->out.h; oy++)
      for (int32_t ox = 0; ox < d->out.w; ox++)
        for (int32_t oc = 0; oc < d->out.c; oc++, o++) {
          const int32_t acc = ref_acc(d, q, input, weights, bias[oc], n, oy, ox, oc);
          if (q->requant == QT_REQUANT_NONE) {
            ((int32_t *)output)[o] = acc;
            continue;
          }
          const int32_t v = ref_requant(q, acc, oc); /* inside [act_min, act_max] */
          if (q->dtype == QT_DTYPE_S8)
            ((int8_t *)output)[o] = (int8_t)v;
          else
            ((uint8_t *)output)[o] = (uint8_t)v;
        }
  return QT_KERNEL_OK;
}
