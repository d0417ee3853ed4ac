/* gemm_mnv2_shapes.h — the MobileNetV2 conv2d shapes the gemm variants are swept over
 * besides edge_shapes.h: test_gemm.c on hosts and qemu-aarch64, hexagon/sweep_hvx.c under
 * qemu-hexagon. */
#ifndef QT_GEMM_MNV2_SHAPES_H
#define QT_GEMM_MNV2_SHAPES_H

#include "edge_shapes.h"

/* conv2d layers with MobileNetV2's channel counts, strides and paddings, spatially cut down
 * so that a sweep stays fast under qemu: QT_EDGE_CONV(name, n, h, w, ic, oc, kh, kw, sh, sw,
 * dh, dw, pt, pl, pb, pr). */
static const struct qt_edge_shape mnv2_shapes[] = {
    QT_EDGE_CONV("mnv2_stem_c3_c32_s2_pad0011", 1, 17, 17, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_CONV("mnv2_block1_expand_c16_c96", 1, 9, 9, 16, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_block2_project_c144_c24", 1, 7, 7, 144, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_block14_expand_c160_c960", 1, 3, 3, 160, 960, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_block16_project_c960_c320", 1, 2, 3, 960, 320, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("mnv2_head_n2_c320_c1280", 2, 2, 2, 320, 1280, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
};
enum { N_MNV2 = (int)(sizeof mnv2_shapes / sizeof mnv2_shapes[0]) };

#endif /* QT_GEMM_MNV2_SHAPES_H */
