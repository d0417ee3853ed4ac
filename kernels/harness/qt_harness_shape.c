/* qt_harness_shape.c — the one shape-dependent piece of the harness (qt_harness.h): compiled
 * next to the template with the workload's QT_SHAPE_* constants, so the rest of the harness
 * compiles once per target instead of once per variant. */
#include "qt_harness.h"
#include "qt_template.h"

#ifndef QT_SHAPE_FIXED
#error "qt_harness_shape.c is built for one workload: define QT_SHAPE_FIXED and every QT_SHAPE_* macro"
#endif

void qt_harness_workload(qt_conv_desc *d, int32_t *dtype, int32_t *requant) {
  static const qt_conv_desc desc = {
      {QT_SHAPE_N, QT_SHAPE_IN_H, QT_SHAPE_IN_W, QT_SHAPE_IN_C},
      {QT_SHAPE_N, QT_SHAPE_OUT_H, QT_SHAPE_OUT_W, QT_SHAPE_OUT_C},
      {QT_SHAPE_OP, QT_SHAPE_KH, QT_SHAPE_KW, QT_SHAPE_SH, QT_SHAPE_SW, QT_SHAPE_DH, QT_SHAPE_DW,
       QT_SHAPE_PT, QT_SHAPE_PL, QT_SHAPE_PB, QT_SHAPE_PR, QT_SHAPE_DM}};
  *d = desc;
  *dtype = QT_SHAPE_DTYPE;
  *requant = QT_SHAPE_REQUANT;
}

/* A model's own quantization parameters: the tuner writes them as a header (a qt_quant_given
 * named qt_harness_given, tuner/build) and names it here, so the artifact checks the layer
 * with the parameters it will run with. */
#ifdef QT_HARNESS_QUANT_FILE
#include QT_HARNESS_QUANT_FILE
const qt_quant_given *qt_harness_quant(void) { return &qt_harness_given; }
#else
const qt_quant_given *qt_harness_quant(void) { return NULL; }
#endif
