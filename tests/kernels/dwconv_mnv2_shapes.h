/* dwconv_mnv2_shapes.h — the MobileNetV2 depthwise shapes the dwconv variants are swept over
 * besides edge_shapes.h: test_dwconv.c on hosts and under qemu, hexagon/sweep_hvx.c under
 * qemu-hexagon. */
#ifndef QT_DWCONV_MNV2_SHAPES_H
#define QT_DWCONV_MNV2_SHAPES_H

#include "edge_shapes.h"

/* Depthwise layers with MobileNetV2's channel counts, strides and paddings, spatially cut
 * down so that a sweep stays fast under qemu (the full layers are tuning workloads, not test
 * cases): QT_EDGE_DW(name, n, h, w, c, dm, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr). */
static const struct qt_edge_shape dw_mnv2_shapes[] = {
    QT_EDGE_DW("mnv2_block0_dw_c32_s1", 1, 12, 12, 32, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("mnv2_block1_dw_c96_s2", 1, 12, 12, 96, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_DW("mnv2_block2_dw_c144_s1", 1, 9, 9, 144, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("mnv2_block13_dw_c576_s2", 1, 6, 6, 576, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_DW("mnv2_block14_dw_c960_s1", 1, 7, 7, 960, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
};
enum { N_DW_MNV2 = (int)(sizeof dw_mnv2_shapes / sizeof dw_mnv2_shapes[0]) };

#endif /* QT_DWCONV_MNV2_SHAPES_H */
