/* edge_shapes.h — the shapes every kernel template is swept over in the kernel tests: conv2d
 * and depthwise cases chosen to hit the edges of tiled code (channel counts that are not a
 * multiple of 4/8/16, stride 2, dilation 2, depth multiplier 2, asymmetric and zero padding,
 * 1x1/3x3/5x5/7x1/1x7 kernels, the 3-channel stem, batch 2, 1x1 inputs and outputs, inputs
 * smaller than any tile). Each is small (< 100k MACs) so a sweep stays fast under qemu.
 * Output extents are computed by QT_EDGE_OUT, the formula of qt_conv_out_size; test_reference
 * checks every entry with qt_conv_desc_check. Include from test sources only (one static
 * table per translation unit). */
#ifndef QT_EDGE_SHAPES_H
#define QT_EDGE_SHAPES_H

#include "qt_kernels.h"

/* Output extent (in + pad_before + pad_after - dil*(k-1) - 1) / stride + 1, as a constant. */
#define QT_EDGE_OUT(in, k, s, dil, pb, pa) (((in) + (pb) + (pa) - (dil) * ((k)-1) - 1) / (s) + 1)

/* conv2d: batch n, input h x w x ic, oc filters of kh x kw, strides, dilations, pads t,l,b,r */
#define QT_EDGE_CONV(name, n, h, w, ic, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr)            \
  {                                                                                            \
    name, {                                                                                    \
      {n, h, w, ic},                                                                           \
          {n, QT_EDGE_OUT(h, kh, sh, dh, pt, pb), QT_EDGE_OUT(w, kw, sw, dw, pl, pr), oc},     \
          {QT_OP_CONV2D, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, 1},                           \
    }                                                                                          \
  }

/* depthwise: batch n, input h x w x c, depth multiplier dm (out.c = c * dm), rest as above */
#define QT_EDGE_DW(name, n, h, w, c, dm, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr)               \
  {                                                                                            \
    name, {                                                                                    \
      {n, h, w, c},                                                                            \
          {n, QT_EDGE_OUT(h, kh, sh, dh, pt, pb), QT_EDGE_OUT(w, kw, sw, dw, pl, pr), (c)*(dm)}, \
          {QT_OP_DEPTHWISE, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, dm},                       \
    }                                                                                          \
  }

static const struct qt_edge_shape {
  const char *name;
  qt_conv_desc d;
} qt_edge_shapes[] = {
    /* conv2d                 name                        n  h   w  ic  oc kh kw sh sw dh dw pt pl pb pr */
    QT_EDGE_CONV("conv_1x1_c3_c5",                        1, 8,  8,  3,  5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_1x1_c17_c33",                      1, 7,  7, 17, 33, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_1x1_c64_c24",                      1, 4,  4, 64, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_1x1s2_c8_c16",                     1, 7,  7,  8, 16, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_c13_c17_pad1",                 1, 6,  6, 13, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_CONV("conv_3x3_c16_c32_s2_nopad",             1, 8,  8, 16, 32, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_stem_c3_c16_s2_pad1",          1, 15, 15, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),
    QT_EDGE_CONV("conv_3x3_stem_c3_c8_s2_pad0011",        1, 16, 16, 3,  8, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_CONV("conv_3x3_c5_c13_pad0110",               1, 7,  7,  5, 13, 3, 3, 1, 1, 1, 1, 0, 1, 1, 0),
    QT_EDGE_CONV("conv_5x5_c5_c3_pad2013",                1, 9,  9,  5,  3, 5, 5, 1, 1, 1, 1, 2, 0, 1, 3),
    QT_EDGE_CONV("conv_3x3_c3_c8_d2_pad2",                1, 9,  9,  3,  8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2),
    QT_EDGE_CONV("conv_7x1_c5_c8_pad3030",                1, 10, 6,  5,  8, 7, 1, 1, 1, 1, 1, 3, 0, 3, 0),
    QT_EDGE_CONV("conv_1x7_c5_c8_pad0303",                1, 6, 10,  5,  8, 1, 7, 1, 1, 1, 1, 0, 3, 0, 3),
    QT_EDGE_CONV("conv_3x3_n2_c8_c17_s2_pad1",            2, 9,  9,  8, 17, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),
    QT_EDGE_CONV("conv_1x1_in1x1_c33_c17",                1, 1,  1, 33, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_out1x1_c5_c7",                 1, 3,  3,  5,  7, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_CONV("conv_3x3_tiny2x3_c3_c5_pad1",           1, 2,  3,  3,  5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    /* depthwise              name                        n  h   w   c  dm kh kw sh sw dh dw pt pl pb pr */
    QT_EDGE_DW("dw_3x3_c16_pad1",                         1, 8,  8, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_3x3_c13_pad1",                         1, 7,  7, 13, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_3x3_c64_pad1",                         1, 5,  5, 64, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_3x3_c16_nopad",                        1, 6,  6, 16, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_DW("dw_3x3_c17_s2_pad1",                      1, 9,  9, 17, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_3x3_c32_s2_pad0011",                   1, 8,  8, 32, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
    QT_EDGE_DW("dw_3x3_c33_pad0110",                      1, 6,  6, 33, 1, 3, 3, 1, 1, 1, 1, 0, 1, 1, 0),
    QT_EDGE_DW("dw_5x5_c5_pad2013",                       1, 9,  9,  5, 1, 5, 5, 1, 1, 1, 1, 2, 0, 1, 3),
    QT_EDGE_DW("dw_5x5_c24_s2_pad2",                      1, 11, 11, 24, 1, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2),
    QT_EDGE_DW("dw_3x3_c8_d2_pad2",                       1, 9,  9,  8, 1, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2),
    QT_EDGE_DW("dw_3x3_c3_dm2_pad1",                      1, 6,  6,  3, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_3x3_c5_dm2_s2_pad1",                   1, 7,  7,  5, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_7x1_c17_pad3030",                      1, 10, 5, 17, 1, 7, 1, 1, 1, 1, 1, 3, 0, 3, 0),
    QT_EDGE_DW("dw_1x7_c17_pad0303",                      1, 5, 10, 17, 1, 1, 7, 1, 1, 1, 1, 0, 3, 0, 3),
    QT_EDGE_DW("dw_1x1_c13",                              1, 5,  5, 13, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_DW("dw_3x3_n2_c24_pad1",                      2, 6,  6, 24, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_3x3_in1x1_c17_pad1",                   1, 1,  1, 17, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
    QT_EDGE_DW("dw_3x3_out1x1_c33",                       1, 3,  3, 33, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0),
    QT_EDGE_DW("dw_3x3_tiny2x2_c16_pad1",                 1, 2,  2, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
};

#define QT_EDGE_SHAPE_COUNT ((int)(sizeof qt_edge_shapes / sizeof qt_edge_shapes[0]))

#endif /* QT_EDGE_SHAPES_H */
