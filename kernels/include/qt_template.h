/* qt_template.h — what every kernel template includes. It maps shapes to compile-time
 * constants when the template is built for one workload (QT_SHAPE_FIXED defined, with every
 * QT_SHAPE_* macro below), and to the runtime descriptor otherwise, so that one source serves
 * tuning, export and a generic runtime-shape library. It also names the template's functions.
 *
 * Shape macros (all or none, integers):
 *   QT_SHAPE_OP QT_SHAPE_DTYPE QT_SHAPE_REQUANT
 *   QT_SHAPE_N QT_SHAPE_IN_H QT_SHAPE_IN_W QT_SHAPE_IN_C QT_SHAPE_OUT_H QT_SHAPE_OUT_W
 *   QT_SHAPE_OUT_C QT_SHAPE_KH QT_SHAPE_KW QT_SHAPE_SH QT_SHAPE_SW QT_SHAPE_DH QT_SHAPE_DW
 *   QT_SHAPE_PT QT_SHAPE_PL QT_SHAPE_PB QT_SHAPE_PR QT_SHAPE_DM
 * Inside a template, use the accessors S_N(d), S_IN_H(d), ... which take the descriptor
 * pointer and expand to the constant when it is fixed. */
#ifndef QT_TEMPLATE_H
#define QT_TEMPLATE_H

#include "qt_kernels.h"

#define QT_CAT_(a, b) a##b
#define QT_CAT(a, b) QT_CAT_(a, b)
#define QT_STR_(x) #x
#define QT_STR(x) QT_STR_(x)

#ifndef QT_FN_PREFIX
#define QT_FN_PREFIX qt_variant_
#endif
#define QT_FN(suffix) QT_CAT(QT_FN_PREFIX, suffix)

#ifdef QT_SHAPE_FIXED
#define S_OP(d) (QT_SHAPE_OP)
#define S_DTYPE(q) (QT_SHAPE_DTYPE)
#define S_REQUANT(q) (QT_SHAPE_REQUANT)
#define S_N(d) (QT_SHAPE_N)
#define S_IN_H(d) (QT_SHAPE_IN_H)
#define S_IN_W(d) (QT_SHAPE_IN_W)
#define S_IN_C(d) (QT_SHAPE_IN_C)
#define S_OUT_H(d) (QT_SHAPE_OUT_H)
#define S_OUT_W(d) (QT_SHAPE_OUT_W)
#define S_OUT_C(d) (QT_SHAPE_OUT_C)
#define S_KH(d) (QT_SHAPE_KH)
#define S_KW(d) (QT_SHAPE_KW)
#define S_SH(d) (QT_SHAPE_SH)
#define S_SW(d) (QT_SHAPE_SW)
#define S_DH(d) (QT_SHAPE_DH)
#define S_DW(d) (QT_SHAPE_DW)
#define S_PT(d) (QT_SHAPE_PT)
#define S_PL(d) (QT_SHAPE_PL)
#define S_PB(d) (QT_SHAPE_PB)
#define S_PR(d) (QT_SHAPE_PR)
#define S_DM(d) (QT_SHAPE_DM)
/* 1 if the runtime descriptor and quant params match the compiled-in constants. */
static inline int qt_shape_matches(const qt_conv_desc *d, const qt_quant_params *q) {
  return d->p.op == QT_SHAPE_OP && q->dtype == QT_SHAPE_DTYPE &&
         q->requant == QT_SHAPE_REQUANT && d->in.n == QT_SHAPE_N && d->in.h == QT_SHAPE_IN_H &&
         d->in.w == QT_SHAPE_IN_W && d->in.c == QT_SHAPE_IN_C && d->out.n == QT_SHAPE_N &&
         d->out.h == QT_SHAPE_OUT_H && d->out.w == QT_SHAPE_OUT_W &&
         d->out.c == QT_SHAPE_OUT_C && d->p.kernel_h == QT_SHAPE_KH &&
         d->p.kernel_w == QT_SHAPE_KW && d->p.stride_h == QT_SHAPE_SH &&
         d->p.stride_w == QT_SHAPE_SW && d->p.dilation_h == QT_SHAPE_DH &&
         d->p.dilation_w == QT_SHAPE_DW && d->p.pad_top == QT_SHAPE_PT &&
         d->p.pad_left == QT_SHAPE_PL && d->p.pad_bottom == QT_SHAPE_PB &&
         d->p.pad_right == QT_SHAPE_PR && d->p.depth_multiplier == QT_SHAPE_DM;
}
#else
#define S_OP(d) ((d)->p.op)
#define S_DTYPE(q) ((q)->dtype)
#define S_REQUANT(q) ((q)->requant)
#define S_N(d) ((d)->in.n)
#define S_IN_H(d) ((d)->in.h)
#define S_IN_W(d) ((d)->in.w)
#define S_IN_C(d) ((d)->in.c)
#define S_OUT_H(d) ((d)->out.h)
#define S_OUT_W(d) ((d)->out.w)
#define S_OUT_C(d) ((d)->out.c)
#define S_KH(d) ((d)->p.kernel_h)
#define S_KW(d) ((d)->p.kernel_w)
#define S_SH(d) ((d)->p.stride_h)
#define S_SW(d) ((d)->p.stride_w)
#define S_DH(d) ((d)->p.dilation_h)
#define S_DW(d) ((d)->p.dilation_w)
#define S_PT(d) ((d)->p.pad_top)
#define S_PL(d) ((d)->p.pad_left)
#define S_PB(d) ((d)->p.pad_bottom)
#define S_PR(d) ((d)->p.pad_right)
#define S_DM(d) ((d)->p.depth_multiplier)
static inline int qt_shape_matches(const qt_conv_desc *d, const qt_quant_params *q) {
  (void)d;
  (void)q;
  return 1;
}
#endif

#endif /* QT_TEMPLATE_H */
