/* qt_harness.h — the seam between the precompiled harness (qt_harness_core.c, its shell and
 * qt_datagen.c: the same objects for every variant of a target) and the per-variant code: the
 * template, compiled with its knobs and shape constants, and qt_harness_shape.c, which tells
 * the harness which convolution the variant was built for. */
#ifndef QT_HARNESS_H
#define QT_HARNESS_H

#include <stdint.h>

#include "qt_datagen.h"
#include "qt_kernels.h"

/* The workload the variant was compiled for (its QT_SHAPE_* constants). */
void qt_harness_workload(qt_conv_desc *d, int32_t *dtype, int32_t *requant);

/* The model's quantization parameters the variant was built with (QT_HARNESS_QUANT_FILE), or
 * NULL: then they are drawn from the seed like the rest of the data. */
const qt_quant_given *qt_harness_quant(void);

#endif
