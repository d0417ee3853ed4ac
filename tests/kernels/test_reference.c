/* test_reference.c — the oracle checked by hand. qt_ref_conv against tiny conv2d and
 * depthwise cases whose outputs were worked out on paper (the arithmetic is in the comments),
 * for s8 and u8 with both requant schemes; qt_requant.h's functions against known values;
 * the descriptor and quant parameter checks; independent re-derivations of the reference on
 * every edge shape (depthwise as a conv2d with diagonal weights, padding as a pre-padded
 * input, batch 2 as two batches of 1); the seeded generator (determinism, golden checksums
 * that must match on every platform, value ranges, output spread); and qt_check_variant's
 * ability to catch broken variants. Links qtkernels only: runs natively and under qemu. */
#include <math.h> /* INFINITY and NAN only: no libm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_shapes.h"
#include "kernel_check.h"
#include "qt_datagen.h"
#include "qt_kernels.h"
#include "qt_requant.h"
#include "qt_test.h"

/* ---- helpers ------------------------------------------------------------------------- */

static size_t out_count(const qt_conv_desc *d) {
  return (size_t)d->out.n * d->out.h * d->out.w * d->out.c;
}

/* Runs the reference on a hand case and compares every output element with want (int8 or
 * uint8 by q->dtype), naming the NHWC position of a mismatch. */
static void check_hand_case(const char *name, const qt_conv_desc *d, const qt_quant_params *q,
                            const void *input, const void *weights, const int32_t *bias,
                            const void *want) {
  unsigned char out[256];
  const size_t n = out_count(d);
  CHECK(n <= sizeof out);
  memset(out, 0xEE, sizeof out);
  CHECK_MSG(qt_ref_conv(d, q, input, weights, bias, out) == QT_KERNEL_OK, "%s", name);
  for (size_t i = 0; i < n && i < sizeof out; i++) {
    const int got = q->dtype == QT_DTYPE_S8 ? (int)(int8_t)out[i] : (int)out[i];
    const int exp = q->dtype == QT_DTYPE_S8 ? (int)((const int8_t *)want)[i]
                                            : (int)((const uint8_t *)want)[i];
    CHECK_MSG(got == exp, "%s: output (y,x,c)=(%zu,%zu,%zu) got %d want %d", name,
              i / d->out.c / d->out.w, i / d->out.c % d->out.w, i % d->out.c, got, exp);
  }
  CHECK_MSG(out[n] == 0xEE, "%s: wrote past the output", name);
}

/* ---- conv2d, s8 ----------------------------------------------------------------------
 * Input 1x3x3x2, 2 filters of 2x2, stride 2, pads top 1 left 1 bottom 0 right 0:
 * out = (3 + 1 + 0 - 2) / 2 + 1 = 2 in each dimension. input_zp = 1, so x' = x - 1:
 *   x  y0: (2,3) (4,-1) (0,5)   y1: (1,1) (-2,6) (3,0)   y2: (7,2) (1,-4) (5,5)
 *   x' y0: (1,2) (3,-2) (-1,4)  y1: (0,0) (-3,5) (2,-1)  y2: (6,1) (0,-5) (4,4)
 * Weights OHWI, w[oc][ky][kx] = (ic0, ic1):
 *   oc0: [0][0]=(1,2) [0][1]=(-1,0) [1][0]=(3,1) [1][1]=(0,-2)    bias 10
 *   oc1: [0][0]=(2,-1) [0][1]=(1,1) [1][0]=(-2,0) [1][1]=(1,3)    bias -20
 * iy = 2 oy - 1 + ky, ix = 2 ox - 1 + kx:
 *   (0,0) padded corner, only tap [1][1] at x(0,0)=(1,2):
 *         oc0: 1*0 + 2*-2 = -4 -> acc 6;          oc1: 1*1 + 2*3 = 7 -> acc -13
 *   (0,1) taps [1][0] at x(0,1)=(3,-2), [1][1] at x(0,2)=(-1,4):
 *         oc0: (9-2) + (0-8) = -1 -> acc 9;       oc1: (-6+0) + (-1+12) = 5 -> acc -15
 *   (1,0) taps [0][1] at x(1,0)=(0,0), [1][1] at x(2,0)=(6,1):
 *         oc0: 0 + (0-2) = -2 -> acc 8;           oc1: 0 + (6+3) = 9 -> acc -11
 *   (1,1) all four: [0][0] x(1,1)=(-3,5), [0][1] x(1,2)=(2,-1), [1][0] x(2,1)=(0,-5),
 *         [1][1] x(2,2)=(4,4):
 *         oc0: (-3+10) + (-2+0) + (0-5) + (0-8) = -8 -> acc 2
 *         oc1: (-6-5) + (2-1) + (0+0) + (4+12) = 6 -> acc -14
 * acc oc0 = [6, 9, 8, 2], oc1 = [-13, -15, -11, -14] over (0,0) (0,1) (1,0) (1,1). */
static const int8_t conv_s8_input[] = {2, 3, 4, -1, 0, 5, 1, 1, -2, 6, 3, 0, 7, 2, 1, -4, 5, 5};
static const int8_t conv_s8_weights[] = {1, 2, -1, 0, 3, 1, 0, -2, 2, -1, 1, 1, -2, 0, 1, 3};
static const int32_t conv_s8_bias[] = {10, -20};
static const struct qt_edge_shape conv_s8_shape =
    QT_EDGE_CONV("hand_conv2d_s8", 1, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0);

static void test_conv2d_s8(void) {
  const qt_conv_desc *d = &conv_s8_shape.d;
  CHECK_EQ_INT(d->out.h, 2);
  CHECK_EQ_INT(d->out.w, 2);
  /* fixedpoint, zp_out -3, clamp [-128, 10]
   * oc0: M = 1610612736 = 0.75 * 2^31, shift +1 (left): acc * 2 * 0.75
   *   6 -> 12 -> 9 -> 6;  9 -> 18 -> 13.5, SRDHM tie rounds up -> 14 -> 11 -> clamp 10;
   *   8 -> 16 -> 12 -> 9;  2 -> 4 -> 3 -> 0
   * oc1: M = 2^30 = 0.5, shift -1: SRDHM = floor((acc + 1) / 2), then RDivPOT(., 1) rounds
   *   half away from zero:
   *   -13 -> -6.5 -> -6 (tie toward +inf) -> -3 -> -6
   *   -15 -> -7.5 -> -7 -> -3.5 -> -4 (away) -> -7
   *   -11 -> -5.5 -> -5 -> -2.5 -> -3 (away) -> -6
   *   -14 -> -7 -> -3.5 -> -4 (away) -> -7 */
  static const int32_t mult[] = {1610612736, 1 << 30}, shift[] = {1, -1};
  qt_quant_params q = {QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 1, 0, -3, -128, 10, mult, shift, NULL};
  static const int8_t want_fp[] = {6, -6, 10, -7, 9, -6, 0, -7};
  check_hand_case("conv2d s8 fixedpoint", d, &q, conv_s8_input, conv_s8_weights, conv_s8_bias,
                  want_fp);
  /* fp32, zp_out -3, clamp [-10, 10] so f is clamped to [-7, 13] before rounding
   * oc0: scale 0.5: 6 -> 3 -> 0;  9 -> 4.5 -> 4 (tie to even) -> 1;  8 -> 4 -> 1;  2 -> 1 -> -2
   * oc1: scale 0.5: -13 -> -6.5 -> -6 (even) -> -9;  -15 -> -7.5 -> clamp -7 -> -10;
   *      -11 -> -5.5 -> -6 (even) -> -9;  -14 -> -7 -> -10 */
  static const float scale[] = {0.5f, 0.5f};
  q = (qt_quant_params){QT_DTYPE_S8, QT_REQUANT_FP32, 1, 0, -3, -10, 10, NULL, NULL, scale};
  static const int8_t want_f32[] = {0, -9, 1, -10, 1, -9, -2, -10};
  check_hand_case("conv2d s8 fp32", d, &q, conv_s8_input, conv_s8_weights, conv_s8_bias,
                  want_f32);
  /* Unclamped -7.5 rounds to -8 (even): with clamp [-128, 127], (0,1) oc1 = -8 - 3 = -11. */
  q.act_min = -128;
  q.act_max = 127;
  static const int8_t want_f32_wide[] = {0, -9, 1, -11, 1, -9, -2, -10};
  check_hand_case("conv2d s8 fp32 wide clamp", d, &q, conv_s8_input, conv_s8_weights,
                  conv_s8_bias, want_f32_wide);
  /* QT_REQUANT_NONE (ONNX ConvInteger): the accumulators above, as int32, NHWC. */
  q = (qt_quant_params){QT_DTYPE_S8, QT_REQUANT_NONE, 1, 0, 0, 0, 0, NULL, NULL, NULL};
  static const int32_t want_acc[] = {6, -13, 9, -15, 8, -11, 2, -14};
  int32_t acc[9];
  acc[8] = 0x5A5A5A5A; /* guard: exactly 8 int32 outputs */
  CHECK_EQ_INT(qt_ref_conv(d, &q, conv_s8_input, conv_s8_weights, conv_s8_bias, acc),
               QT_KERNEL_OK);
  for (int i = 0; i < 8; i++) CHECK_EQ_INT(acc[i], want_acc[i]);
  CHECK_EQ_INT(acc[8], 0x5A5A5A5A);
  q.output_zp = 1; /* an int32 output has no zero point to add */
  CHECK_EQ_INT(qt_ref_conv(d, &q, conv_s8_input, conv_s8_weights, conv_s8_bias, acc),
               QT_KERNEL_EINVAL);
}

/* ---- conv2d, u8 ----------------------------------------------------------------------
 * Input 1x2x2x1, 2 filters of 3x3, stride 1, pad 1 all round: out 2x2, every output has
 * padded taps. input_zp 128, weight_zp 120, output_zp 130.
 *   x = [[130, 125], [128, 140]]  ->  x' = [[2, -3], [0, 12]]
 *   oc0 w = [[121,120,119],[122,124,120],[120,118,123]] -> w' = [[1,0,-1],[2,4,0],[0,-2,3]]
 *   oc1 w = [[110,130,120],[120,100,120],[125,120,115]] -> w' = [[-10,10,0],[0,-20,0],[5,0,-5]]
 *   bias oc0 7, oc1 -96
 * iy = oy - 1 + ky, ix = ox - 1 + kx; the four inputs meet taps:
 *   (0,0): w'[1][1] x'00, w'[1][2] x'01, w'[2][1] x'10, w'[2][2] x'11
 *          oc0: 4*2 + 0 + 0 + 3*12 = 44 -> acc 51;   oc1: -20*2 + 0 + 0 - 5*12 = -100 -> -196
 *   (0,1): w'[1][0] x'00, w'[1][1] x'01, w'[2][0] x'10, w'[2][1] x'11
 *          oc0: 2*2 - 4*3 + 0 - 2*12 = -32 -> -25;    oc1: 0 + 60 + 0 + 0 = 60 -> -36
 *   (1,0): w'[0][1] x'00, w'[0][2] x'01, w'[1][1] x'10, w'[1][2] x'11
 *          oc0: 0 + 3 + 0 + 0 = 3 -> 10;               oc1: 20 + 0 + 0 + 0 = 20 -> -76
 *   (1,1): w'[0][0] x'00, w'[0][1] x'01, w'[1][0] x'10, w'[1][1] x'11
 *          oc0: 2 + 0 + 0 + 48 = 50 -> 57;              oc1: -20 - 30 + 0 - 240 = -290 -> -386
 * acc oc0 = [51, -25, 10, 57], oc1 = [-196, -36, -76, -386]. */
static const uint8_t conv_u8_input[] = {130, 125, 128, 140};
static const uint8_t conv_u8_weights[] = {121, 120, 119, 122, 124, 120, 120, 118, 123,
                                          110, 130, 120, 120, 100, 120, 125, 120, 115};
static const int32_t conv_u8_bias[] = {7, -96};
static const struct qt_edge_shape conv_u8_shape =
    QT_EDGE_CONV("hand_conv2d_u8", 1, 2, 2, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);

static void test_conv2d_u8(void) {
  const qt_conv_desc *d = &conv_u8_shape.d;
  CHECK_EQ_INT(d->out.h, 2);
  CHECK_EQ_INT(d->out.w, 2);
  /* fixedpoint, per tensor M = 2^30 (0.5), shift -2: SRDHM = floor((acc + 1) / 2), then
   * RDivPOT(., 2) = x / 4 rounded half away from zero; zp 130, clamp [90, 255]
   *   oc0:   51 -> 26 (25.5 up) -> 6.5 -> 7 -> 137;   -25 -> -12 (-12.5 up) -> -3 -> 127
   *          10 -> 5 -> 1.25 -> 1 -> 131;              57 -> 29 (28.5 up) -> 7.25 -> 7 -> 137
   *   oc1: -196 -> -98 -> -24.5 -> -25 (away) -> 105;   -36 -> -18 -> -4.5 -> -5 -> 125
   *        -76 -> -38 -> -9.5 -> -10 -> 120;   -386 -> -193 -> -48.25 -> -48 -> 82 -> clamp 90 */
  static const int32_t mult[] = {1 << 30, 1 << 30}, shift[] = {-2, -2};
  qt_quant_params q = {QT_DTYPE_U8, QT_REQUANT_FIXEDPOINT, 128, 120, 130, 90, 255, mult, shift,
                       NULL};
  static const uint8_t want_fp[] = {137, 105, 127, 125, 131, 120, 137, 90};
  check_hand_case("conv2d u8 fixedpoint", d, &q, conv_u8_input, conv_u8_weights, conv_u8_bias,
                  want_fp);
  /* fp32, per tensor scale 0.125, zp 130, clamp [90, 136] -> f clamped to [-40, 6]
   *   oc0:  51 -> 6.375 -> 6 -> 136;  -25 -> -3.125 -> -3 -> 127;  10 -> 1.25 -> 1 -> 131;
   *         57 -> 7.125 -> clamp 6 -> 136
   *   oc1: -196 -> -24.5 -> -24 (even) -> 106;  -36 -> -4.5 -> -4 (even) -> 126;
   *        -76 -> -9.5 -> -10 (even) -> 120;  -386 -> -48.25 -> clamp -40 -> 90 */
  static const float scale[] = {0.125f, 0.125f};
  q = (qt_quant_params){QT_DTYPE_U8, QT_REQUANT_FP32, 128, 120, 130, 90, 136, NULL, NULL, scale};
  static const uint8_t want_f32[] = {136, 106, 127, 126, 131, 120, 136, 90};
  check_hand_case("conv2d u8 fp32", d, &q, conv_u8_input, conv_u8_weights, conv_u8_bias,
                  want_f32);
}

/* ---- depthwise, s8, depth multiplier 2 ------------------------------------------------
 * Input 1x4x4x1, dm 2 (out.c 2, both read input channel 0), 3x3, stride 2, pads top 1 left 1
 * bottom 0 right 0: out = (4 + 1 - 3) / 2 + 1 = 2. input_zp -2, so x' = x + 2:
 *   x  = [[0,3,-1,2],[4,-2,1,0],[-3,2,5,-4],[1,0,-2,6]]
 *   x' = [[2,5,1,4],[6,0,3,2],[-1,4,7,-2],[3,2,0,8]]
 * Weights 1HWO, per channel as 3x3:
 *   oc0 = [[1,0,-1],[2,1,0],[0,-1,1]]  bias 3;   oc1 = [[0,2,0],[-1,3,1],[1,0,-2]]  bias -5
 * iy = 2 oy - 1 + ky, ix = 2 ox - 1 + kx:
 *   (0,0) padded corner, rows ky 1..2 over x' rows 0..1, cols kx 1..2 over x' cols 0..1:
 *         oc0: 1*2 + 0*5 - 1*6 + 1*0 = -4 -> acc -1;   oc1: 3*2 + 1*5 + 0*6 - 2*0 = 11 -> 6
 *   (0,1) rows ky 1..2 over x' rows 0..1, cols 1..3:
 *         oc0: [2,1,0].[5,1,4] + [0,-1,1].[0,3,2] = 11 - 1 = 10 -> 13
 *         oc1: [-1,3,1].[5,1,4] + [1,0,-2].[0,3,2] = 2 - 4 = -2 -> -7
 *   (1,0) rows 1..3, cols kx 1..2 over x' cols 0..1:
 *         oc0: [0,-1].[6,0] + [1,0].[-1,4] + [-1,1].[3,2] = 0 - 1 - 1 = -2 -> 1
 *         oc1: [2,0].[6,0] + [3,1].[-1,4] + [0,-2].[3,2] = 12 + 1 - 4 = 9 -> 4
 *   (1,1) rows 1..3, cols 1..3: x' [0,3,2] [4,7,-2] [2,0,8]
 *         oc0: -2 + 15 + 8 = 21 -> 24;   oc1: 6 + 15 - 14 = 7 -> 2
 * acc oc0 = [-1, 13, 1, 24], oc1 = [6, -7, 4, 2]. */
static const int8_t dw_s8_input[] = {0, 3, -1, 2, 4, -2, 1, 0, -3, 2, 5, -4, 1, 0, -2, 6};
static const int8_t dw_s8_weights[] = {1, 0, 0, 2, -1, 0, 2, -1, 1, 3, 0, 1, 0, 1, -1, 0, 1, -2};
static const int32_t dw_s8_bias[] = {3, -5};
static const struct qt_edge_shape dw_s8_shape =
    QT_EDGE_DW("hand_dw_s8", 1, 4, 4, 1, 2, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0);

static void test_depthwise_s8(void) {
  const qt_conv_desc *d = &dw_s8_shape.d;
  CHECK_EQ_INT(d->out.h, 2);
  CHECK_EQ_INT(d->out.c, 2);
  /* fixedpoint, zp 5, clamp [-128, 20]
   * oc0: M = 1431655765 ~ 2/3 * 2^31, shift 0: SRDHM = floor(acc * M / 2^31 + 1/2)
   *   -1 -> -0.667 -> -1 -> 4;  13 -> 8.667 -> 9 -> 14;  1 -> 0.667 -> 1 -> 6;
   *   24 -> 24 * 1431655765 = 16 * 2^31 - 8 -> 16 -> 21 -> clamp 20
   * oc1: M = 1610612736 = 0.75 * 2^31, shift +2 (left): acc * 4 * 0.75 = 3 acc
   *   6 -> 18 -> 23 -> clamp 20;  -7 -> -21 -> -16;  4 -> 12 -> 17;  2 -> 6 -> 11 */
  static const int32_t mult[] = {1431655765, 1610612736}, shift[] = {0, 2};
  qt_quant_params q = {QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, -2, 0, 5, -128, 20, mult, shift, NULL};
  static const int8_t want_fp[] = {4, 20, 14, -16, 6, 17, 20, 11};
  check_hand_case("depthwise s8 fixedpoint", d, &q, dw_s8_input, dw_s8_weights, dw_s8_bias,
                  want_fp);
  /* fp32, zp 5, clamp [-128, 18] -> f in [-133, 13]
   * oc0 scale 0.5: -1 -> -0.5 -> 0 (even) -> 5;  13 -> 6.5 -> 6 (even) -> 11;
   *                1 -> 0.5 -> 0 (even) -> 5;  24 -> 12 -> 17
   * oc1 scale 2.5: 6 -> 15 -> clamp 13 -> 18;  -7 -> -17.5 -> -18 (even) -> -13;
   *                4 -> 10 -> 15;  2 -> 5 -> 10 */
  static const float scale[] = {0.5f, 2.5f};
  q = (qt_quant_params){QT_DTYPE_S8, QT_REQUANT_FP32, -2, 0, 5, -128, 18, NULL, NULL, scale};
  static const int8_t want_f32[] = {5, 18, 11, -13, 5, 15, 17, 10};
  check_hand_case("depthwise s8 fp32", d, &q, dw_s8_input, dw_s8_weights, dw_s8_bias, want_f32);
}

/* ---- depthwise, u8, dilation 2 --------------------------------------------------------
 * Input 1x3x3x2, 2x2 kernel, dilation 2 (span 3), pads 0,0,0 and right 1:
 * out h = (3 - 3) + 1 = 1, w = (3 + 1 - 3) + 1 = 2. input_zp 100, weight_zp 130, zp_out 120.
 *   x' = x - 100, row 0: (3,-2) (0,10) (-5,0); row 1 is skipped by the dilation;
 *                 row 2: (1,4) (-10,0) (20,-1)
 *   w' = w - 130: [0][0] = (2,-3), [0][1] = (-2,10), [1][0] = (5,0), [1][1] = (-4,1)
 *   bias (4, -3).  iy = 2 ky, ix = ox + 2 kx.
 *   (0,0): taps at x'(0,0), x'(0,2), x'(2,0), x'(2,2):
 *          c0: 2*3 + -2*-5 + 5*1 + -4*20 = -59 -> acc -55;  c1: -3*-2 + 0 + 0 + 1*-1 = 5 -> 2
 *   (0,1): ix = 1 or 3 (padding): taps x'(0,1), x'(2,1):
 *          c0: 2*0 + 5*-10 = -50 -> -46;   c1: -3*10 + 0*0 = -30 -> -33
 * acc c0 = [-55, -46], c1 = [2, -33]. */
static const uint8_t dw_u8_input[] = {103, 98,  100, 110, 95, 100, 200, 0,   255,
                                      50,  7,   9,   101, 104, 90, 100, 120, 99};
static const uint8_t dw_u8_weights[] = {132, 127, 128, 140, 135, 130, 126, 131};
static const int32_t dw_u8_bias[] = {4, -3};
static const struct qt_edge_shape dw_u8_shape =
    QT_EDGE_DW("hand_dw_u8", 1, 3, 3, 2, 1, 2, 2, 1, 1, 2, 2, 0, 0, 0, 1);

static void test_depthwise_u8(void) {
  const qt_conv_desc *d = &dw_u8_shape.d;
  CHECK_EQ_INT(d->out.h, 1);
  CHECK_EQ_INT(d->out.w, 2);
  /* fixedpoint, per tensor M = 1717986918 ~ 0.8 * 2^31, shift -2 (x 0.2); zp 120, clamp
   * [110, 255]:
   *   -55 -> -44.0000000 (ab = -(44 * 2^31 - 22)) -> -44 -> /4 = -11 -> 109 -> clamp 110
   *   -46 -> -36.8 -> -37 -> -9.25 -> -9 -> 111
   *     2 ->   1.6 ->   2 -> 0.5 -> 1 (half away) -> 121
   *   -33 -> -26.4 -> -26 -> -6.5 -> -7 (half away) -> 113 */
  static const int32_t mult[] = {1717986918, 1717986918}, shift[] = {-2, -2};
  qt_quant_params q = {QT_DTYPE_U8, QT_REQUANT_FIXEDPOINT, 100, 130, 120, 110, 255, mult, shift,
                       NULL};
  static const uint8_t want_fp[] = {110, 121, 111, 113};
  check_hand_case("depthwise u8 fixedpoint", d, &q, dw_u8_input, dw_u8_weights, dw_u8_bias,
                  want_fp);
  /* fp32, per tensor scale 0.25, zp 120, clamp [107, 126] -> f clamped to [-13, 6]:
   *   -55 -> -13.75 -> clamp -13 -> 107;   -46 -> -11.5 -> -12 (even) -> 108
   *     2 -> 0.5 -> 0 (even) -> 120;       -33 -> -8.25 -> -8 -> 112 */
  static const float scale[] = {0.25f, 0.25f};
  q = (qt_quant_params){QT_DTYPE_U8, QT_REQUANT_FP32, 100, 130, 120, 107, 126, NULL, NULL, scale};
  static const uint8_t want_f32[] = {107, 120, 108, 112};
  check_hand_case("depthwise u8 fp32", d, &q, dw_u8_input, dw_u8_weights, dw_u8_bias, want_f32);
  /* The upper clamp: scale 2.0 gives 2 -> 4 -> 124, capped at act_max 122; the rest
   * -110, -92, -66 fall below the floor 107 - 120 = -13. */
  static const float scale2[] = {2.0f, 2.0f};
  q.scale = scale2;
  q.act_max = 122;
  static const uint8_t want_f32_hi[] = {107, 122, 107, 107};
  check_hand_case("depthwise u8 fp32 upper clamp", d, &q, dw_u8_input, dw_u8_weights,
                  dw_u8_bias, want_f32_hi);
}

/* ---- qt_requant.h --------------------------------------------------------------------- */

static void test_requant_functions(void) {
  /* SRDHM: the one overflowing product saturates; ties go toward +inf like SQRDMULH. */
  CHECK_EQ_INT(qt_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
  CHECK_EQ_INT(qt_srdhm(INT32_MAX, INT32_MAX), 2147483646); /* (2^31-1)^2 / 2^31 = 2^31 - 2 + 2^-31 */
  CHECK_EQ_INT(qt_srdhm(INT32_MIN, INT32_MAX), -2147483647); /* -(2^31 - 1) exactly */
  CHECK_EQ_INT(qt_srdhm(INT32_MIN, 1 << 30), -(1 << 30));
  CHECK_EQ_INT(qt_srdhm(13, 1 << 30), 7);   /* 6.5 -> 7 */
  CHECK_EQ_INT(qt_srdhm(-13, 1 << 30), -6); /* -6.5 -> -6 */
  CHECK_EQ_INT(qt_srdhm(-14, 1 << 30), -7);
  CHECK_EQ_INT(qt_srdhm(1000, 1073741825), 500); /* 500.0000005 */
  CHECK_EQ_INT(qt_srdhm(0, INT32_MIN), 0);
  /* RoundingDivideByPOT: half away from zero, also for negative ties. */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(5, 1), 3);   /* 2.5 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(-5, 1), -3); /* -2.5 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(-6, 2), -2); /* -1.5 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(-7, 2), -2); /* -1.75 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(-5, 2), -1); /* -1.25 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(6, 2), 2);   /* 1.5 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(-98, 2), -25);
  CHECK_EQ_INT(qt_rounding_divide_by_pot(12345, 0), 12345);
  CHECK_EQ_INT(qt_rounding_divide_by_pot(INT32_MIN, 31), -1);
  CHECK_EQ_INT(qt_rounding_divide_by_pot(INT32_MAX, 31), 1);        /* 0.99999 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(1 << 30, 31), 1);          /* 0.5 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(-(1 << 30), 31), -1);      /* -0.5 */
  CHECK_EQ_INT(qt_rounding_divide_by_pot(-(1 << 30) + 1, 31), 0);   /* -0.4999 */
  /* Saturating left shift and the 64-bit clamp-add. */
  CHECK_EQ_INT(qt_sat_shl32(1 << 29, 1), 1 << 30);
  CHECK_EQ_INT(qt_sat_shl32(1 << 30, 1), INT32_MAX);
  CHECK_EQ_INT(qt_sat_shl32(-(1 << 30), 1), INT32_MIN);
  CHECK_EQ_INT(qt_sat_shl32(-(1 << 30) - 1, 1), INT32_MIN);
  CHECK_EQ_INT(qt_sat_shl32(-3, 30), INT32_MIN);
  CHECK_EQ_INT(qt_clamp_add(INT32_MAX, 127, -128, 127), 127);
  CHECK_EQ_INT(qt_clamp_add(INT32_MIN, -128, -128, 127), -128);
  CHECK_EQ_INT(qt_clamp_add(-7, 3, -128, 127), -4);
  /* Whole fixedpoint path. A saturated left shift: 2^30 << 1 -> INT32_MAX, x 0.5 -> 2^30,
   * clamp 127. */
  CHECK_EQ_INT(qt_requant_fixedpoint(1 << 30, 1 << 30, 1, 0, -128, 127), 127);
  CHECK_EQ_INT(qt_requant_fixedpoint(-(1 << 30), 1 << 30, 1, 0, 0, 255), 0);
  /* 100 x 0.75 / 8 = 9.375 -> 9; + zp 3 */
  CHECK_EQ_INT(qt_requant_fixedpoint(100, 1610612736, -3, 3, -128, 127), 12);
  /* -20 x 0.5 = -10, / 4 = -2.5 -> -3 (away) */
  CHECK_EQ_INT(qt_requant_fixedpoint(-20, 1 << 30, -2, 0, -128, 127), -3);
  /* shift -31, M = 2^31 - 1: SRDHM(2^30, M) = 2^30 - 1/2 -> 2^30 (tie up); 2^30 / 2^31 = 0.5
   * -> 1 (half away) */
  CHECK_EQ_INT(qt_requant_fixedpoint(1 << 30, INT32_MAX, -31, 0, -128, 127), 1);
  /* fp32: round half to even after the clamp. */
  CHECK_EQ_INT(qt_requant_fp32(5, 0.5f, 0, -128, 127), 2);   /* 2.5 -> 2 */
  CHECK_EQ_INT(qt_requant_fp32(7, 0.5f, 0, -128, 127), 4);   /* 3.5 -> 4 */
  CHECK_EQ_INT(qt_requant_fp32(-5, 0.5f, 0, -128, 127), -2); /* -2.5 -> -2 */
  CHECK_EQ_INT(qt_requant_fp32(-7, 0.5f, 0, -128, 127), -4); /* -3.5 -> -4 */
  CHECK_EQ_INT(qt_requant_fp32(3, 0.5f, 0, -128, 127), 2);   /* 1.5 -> 2 */
  CHECK_EQ_INT(qt_requant_fp32(1, 0.5f, 0, -128, 127), 0);   /* 0.5 -> 0 */
  CHECK_EQ_INT(qt_requant_fp32(-1, 0.5f, 0, -128, 127), 0);  /* -0.5 -> -0 -> 0 */
  CHECK_EQ_INT(qt_requant_fp32(5, 0.5f, 3, -128, 127), 5);   /* 2 + 3 */
  CHECK_EQ_INT(qt_requant_fp32(1000, 0.1f, 130, 0, 255), 230);
  CHECK_EQ_INT(qt_requant_fp32(INT32_MAX, 1.0f, 0, -128, 127), 127);
  CHECK_EQ_INT(qt_requant_fp32(INT32_MIN, 1.0f, 10, -128, 127), -128);
  CHECK_EQ_INT(qt_requant_fp32(-300, 1.0f, 100, 0, 255), 0);
}

/* ---- descriptor and quant parameter checks -------------------------------------------- */

static void test_desc_checks(void) {
  const qt_conv_desc good = conv_s8_shape.d;
  CHECK_EQ_INT(qt_conv_desc_check(&good), QT_KERNEL_OK);
  CHECK_EQ_INT(qt_conv_desc_check(NULL), QT_KERNEL_EINVAL);
  qt_conv_desc d;
#define REJECT(mutation)                                         \
  do {                                                           \
    d = good;                                                    \
    mutation;                                                    \
    CHECK_MSG(qt_conv_desc_check(&d) == QT_KERNEL_ESHAPE, "%s", #mutation); \
  } while (0)
  REJECT(d.p.op = 2);
  REJECT(d.in.n = 0);
  REJECT(d.out.n = 2);
  REJECT(d.in.c = -1);
  REJECT(d.p.stride_h = 0);
  REJECT(d.p.dilation_w = 0);
  REJECT(d.p.pad_left = -1);
  REJECT(d.p.pad_top = 2);        /* >= dilated kernel extent 2 */
  REJECT(d.out.h = 3);            /* not the output extent of the shape */
  REJECT(d.p.depth_multiplier = 2); /* conv2d must have depth multiplier 1 */
  REJECT((d.in.c = 2000, d.p.kernel_h = 3, d.p.kernel_w = 3, d.out.h = 1, d.out.w = 1,
          d.p.stride_h = d.p.stride_w = 1, d.p.pad_top = d.p.pad_left = 0)); /* K > 16000 */
  d = dw_s8_shape.d;
  CHECK_EQ_INT(qt_conv_desc_check(&d), QT_KERNEL_OK);
  d.out.c = 3; /* depthwise: out.c must be in.c * depth_multiplier = 2 */
  CHECK_EQ_INT(qt_conv_desc_check(&d), QT_KERNEL_ESHAPE);
#undef REJECT
  /* qt_conv_out_size is the formula (in + pads - dil (k - 1) - 1) / stride + 1. */
  CHECK_EQ_INT(qt_conv_out_size(224, 3, 2, 1, 0, 1), 112);
  CHECK_EQ_INT(qt_conv_out_size(7, 3, 1, 2, 2, 2), 7);
  CHECK_EQ_INT(qt_conv_out_size(2, 5, 1, 1, 0, 0), 0);

  const int32_t mult[] = {1 << 30, 1 << 30}, shift[] = {-1, -1}, bad_shift[] = {-1, 31};
  const int32_t neg_mult[] = {1 << 30, -1};
  const float scale[] = {0.5f, 0.5f}, zero_scale[] = {0.5f, 0.0f};
  const float inf_scale[] = {0.5f, INFINITY}, nan_scale[] = {NAN, 0.5f};
  const qt_quant_params gq = {QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 1, 0, -3, -128, 127, mult, shift, scale};
  qt_quant_params q;
  CHECK_EQ_INT(qt_quant_params_check(&good, &gq), QT_KERNEL_OK);
#define REJECT_Q(mutation)                                                     \
  do {                                                                         \
    q = gq;                                                                    \
    mutation;                                                                  \
    CHECK_MSG(qt_quant_params_check(&good, &q) == QT_KERNEL_EINVAL, "%s", #mutation); \
  } while (0)
  REJECT_Q(q.weight_zp = 1);          /* s8 weights are symmetric */
  REJECT_Q(q.input_zp = 128);
  REJECT_Q(q.output_zp = -129);
  REJECT_Q((q.act_min = 5, q.act_max = 4));
  REJECT_Q(q.act_max = 128);
  REJECT_Q(q.dtype = 7);
  REJECT_Q(q.requant = 3);
  REJECT_Q(q.requant = QT_REQUANT_NONE); /* gq's output_zp and clamp would be dropped */
  REJECT_Q((q.requant = QT_REQUANT_NONE, q.output_zp = 0)); /* its clamp would be */
  REJECT_Q(q.multiplier = NULL);
  REJECT_Q(q.multiplier = neg_mult);
  REJECT_Q(q.shift = bad_shift);
  REJECT_Q((q.requant = QT_REQUANT_FP32, q.scale = NULL));
  REJECT_Q((q.requant = QT_REQUANT_FP32, q.scale = zero_scale));
  REJECT_Q((q.requant = QT_REQUANT_FP32, q.scale = inf_scale));
  REJECT_Q((q.requant = QT_REQUANT_FP32, q.scale = nan_scale));
  /* u8: per-tensor weight zero point in [0, 255], everything inside [0, 255] */
  const qt_quant_params u8 = {QT_DTYPE_U8, QT_REQUANT_FIXEDPOINT, 128, 255, 0, 0, 255, mult,
                              shift, NULL};
  CHECK_EQ_INT(qt_quant_params_check(&good, &u8), QT_KERNEL_OK);
  REJECT_Q((q = u8, q.weight_zp = 256));
  REJECT_Q((q = u8, q.weight_zp = -1));
  REJECT_Q((q = u8, q.act_min = -1));
  REJECT_Q((q = u8, q.input_zp = 256));
  REJECT_Q((q = u8, q.output_zp = -1));
#undef REJECT_Q

  /* The reference passes the checks' codes on and rejects what would overflow int32. */
  int8_t out[8];
  d = good;
  d.out.h = 3;
  CHECK_EQ_INT(qt_ref_conv(&d, &gq, conv_s8_input, conv_s8_weights, conv_s8_bias, out),
               QT_KERNEL_ESHAPE);
  q = gq;
  q.weight_zp = 3;
  CHECK_EQ_INT(qt_ref_conv(&good, &q, conv_s8_input, conv_s8_weights, conv_s8_bias, out),
               QT_KERNEL_EINVAL);
  /* The bias rule (qt_kernels.h): K = 2 * 2 * 2 = 8, limit INT32_MAX - 2 * 8 * 255^2, the
   * same number for the reference, qt_conv_bias_check and the templates' pack(). */
  const int64_t limit = qt_conv_bias_limit(&good);
  CHECK(limit == 2147483647 - 16 * 65025);
  const int32_t at_limit[] = {-(int32_t)limit, (int32_t)limit};
  const int32_t past_high[] = {10, (int32_t)limit + 1}, past_low[] = {-(int32_t)limit - 1, 0};
  CHECK_EQ_INT(qt_conv_bias_check(&good, at_limit), QT_KERNEL_OK);
  CHECK_EQ_INT(qt_conv_bias_check(&good, past_high), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_conv_bias_check(&good, past_low), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_conv_bias_check(&good, NULL), QT_KERNEL_OK); /* NULL: all zero */
  CHECK_EQ_INT(qt_ref_conv(&good, &gq, conv_s8_input, conv_s8_weights, at_limit, out),
               QT_KERNEL_OK);
  CHECK_EQ_INT(qt_ref_conv(&good, &gq, conv_s8_input, conv_s8_weights, past_high, out),
               QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_ref_conv(&good, &gq, conv_s8_input, conv_s8_weights, past_low, out),
               QT_KERNEL_EINVAL);
  /* At the deepest reduction the limit is smallest, still above 2^25; past it, none. */
  d = good;
  d.in.c = QT_MAX_REDUCTION / 4; /* 2x2 kernel: K = QT_MAX_REDUCTION */
  CHECK(qt_conv_bias_limit(&d) == 66683647 && qt_conv_bias_limit(&d) > (1 << 25));
  d.in.c++;
  CHECK(qt_conv_bias_limit(&d) == -1);
  CHECK_EQ_INT(qt_conv_bias_check(&d, NULL), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_ref_conv(&good, &gq, NULL, conv_s8_weights, conv_s8_bias, out),
               QT_KERNEL_EINVAL);
}

/* ---- the reference re-derived on every edge shape ------------------------------------- */

/* Number of multiply-accumulates of d. */
static long long macs(const qt_conv_desc *d) {
  return (long long)out_count(d) * d->p.kernel_h * d->p.kernel_w *
         (d->p.op == QT_OP_CONV2D ? d->in.c : 1);
}

/* Fraction (in 1/1000) of outputs at act_min or act_max. */
static int clamped_permille(const qt_problem *p, const void *out) {
  size_t n = 0;
  for (size_t i = 0; i < p->output_bytes; i++) {
    const int v = p->q.dtype == QT_DTYPE_S8 ? ((const int8_t *)out)[i] : ((const uint8_t *)out)[i];
    n += v == p->q.act_min || v == p->q.act_max;
  }
  return (int)(n * 1000 / p->output_bytes);
}

/* Reference output of problem p with desc d (same tensors, other geometry); NULL on error. */
static unsigned char *ref_output(const qt_problem *p) {
  unsigned char *out = malloc(p->output_bytes);
  if (out && qt_ref_conv(&p->d, &p->q, p->input, p->weights, p->bias, out) != QT_KERNEL_OK) {
    free(out);
    out = NULL;
  }
  return out;
}

/* Depthwise == conv2d over all input channels whose weights are weight_zp (contributing
 * nothing) except on the channel oc / dm, which carries the depthwise weight. */
static void check_depthwise_as_conv2d(const char *name, const qt_problem *p,
                                      const unsigned char *want) {
  const qt_conv_desc *d = &p->d;
  qt_conv_desc c = *d;
  c.p.op = QT_OP_CONV2D;
  c.p.depth_multiplier = 1;
  const size_t taps = (size_t)d->p.kernel_h * d->p.kernel_w;
  unsigned char *w = malloc(taps * d->in.c * d->out.c), *out = malloc(p->output_bytes);
  CHECK(w && out);
  if (!w || !out) goto done;
  const unsigned char *dw = p->weights;
  for (int32_t oc = 0; oc < d->out.c; oc++)
    for (size_t t = 0; t < taps; t++)
      for (int32_t ic = 0; ic < d->in.c; ic++)
        w[((size_t)oc * taps + t) * d->in.c + ic] =
            ic == oc / d->p.depth_multiplier ? dw[t * d->out.c + oc] : (unsigned char)p->q.weight_zp;
  CHECK_EQ_INT(qt_ref_conv(&c, &p->q, p->input, w, p->bias, out), QT_KERNEL_OK);
  CHECK_MSG(memcmp(out, want, p->output_bytes) == 0, "%s: depthwise != diagonal conv2d", name);
done:
  free(w);
  free(out);
}

/* Padding == the same conv with no padding on an input pre-padded with input_zp. */
static void check_padding_as_prepad(const char *name, const qt_problem *p,
                                    const unsigned char *want) {
  const qt_conv_desc *d = &p->d;
  qt_conv_desc c = *d;
  c.in.h = d->in.h + d->p.pad_top + d->p.pad_bottom;
  c.in.w = d->in.w + d->p.pad_left + d->p.pad_right;
  c.p.pad_top = c.p.pad_left = c.p.pad_bottom = c.p.pad_right = 0;
  CHECK_EQ_INT(qt_conv_desc_check(&c), QT_KERNEL_OK); /* same extents by the out-size formula */
  const size_t cs = (size_t)c.in.n * c.in.h * c.in.w * c.in.c;
  unsigned char *in = malloc(cs), *out = malloc(p->output_bytes);
  CHECK(in && out);
  if (!in || !out) goto done;
  memset(in, (unsigned char)p->q.input_zp, cs);
  const unsigned char *src = p->input;
  for (int32_t n = 0; n < d->in.n; n++)
    for (int32_t y = 0; y < d->in.h; y++)
      memcpy(in + (((size_t)n * c.in.h + y + d->p.pad_top) * c.in.w + d->p.pad_left) * c.in.c,
             src + (((size_t)n * d->in.h + y) * d->in.w) * d->in.c, (size_t)d->in.w * d->in.c);
  CHECK_EQ_INT(qt_ref_conv(&c, &p->q, in, p->weights, p->bias, out), QT_KERNEL_OK);
  CHECK_MSG(memcmp(out, want, p->output_bytes) == 0, "%s: padded != pre-padded", name);
done:
  free(in);
  free(out);
}

/* Batch n == n runs of batch 1 on the slices. */
static void check_batch_split(const char *name, const qt_problem *p, const unsigned char *want) {
  const qt_conv_desc *d = &p->d;
  qt_conv_desc c = *d;
  c.in.n = c.out.n = 1;
  const size_t in1 = (size_t)d->in.h * d->in.w * d->in.c, out1 = p->output_bytes / d->out.n;
  unsigned char *out = malloc(out1);
  CHECK(out != NULL);
  for (int32_t n = 0; out && n < d->in.n; n++) {
    CHECK_EQ_INT(qt_ref_conv(&c, &p->q, (const unsigned char *)p->input + n * in1, p->weights,
                             p->bias, out),
                 QT_KERNEL_OK);
    CHECK_MSG(memcmp(out, want + n * out1, out1) == 0, "%s: batch %d differs", name, (int)n);
  }
  free(out);
}

static void test_edge_shapes(void) {
  CHECK(QT_EDGE_SHAPE_COUNT >= 30);
  int conv = 0, dw = 0;
  for (int i = 0; i < QT_EDGE_SHAPE_COUNT; i++) {
    const struct qt_edge_shape *e = &qt_edge_shapes[i];
    CHECK_MSG(qt_conv_desc_check(&e->d) == QT_KERNEL_OK, "%s is not a valid desc", e->name);
    CHECK_MSG(macs(&e->d) < 100000, "%s: %lld MACs", e->name, macs(&e->d));
    conv += e->d.p.op == QT_OP_CONV2D;
    dw += e->d.p.op == QT_OP_DEPTHWISE;
    for (int32_t dtype = QT_DTYPE_S8; dtype <= QT_DTYPE_U8; dtype++)
      for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
        qt_problem p;
        CHECK_EQ_INT(qt_problem_init(&p, &e->d, dtype, rq, 100 + (uint64_t)i), QT_KERNEL_OK);
        unsigned char *want = ref_output(&p);
        CHECK_MSG(want != NULL, "%s: reference failed", e->name);
        if (want) {
          if (e->d.p.op == QT_OP_DEPTHWISE) check_depthwise_as_conv2d(e->name, &p, want);
          check_padding_as_prepad(e->name, &p, want);
          if (e->d.in.n > 1) check_batch_split(e->name, &p, want);
        }
        free(want);
        qt_problem_free(&p);
      }
  }
  CHECK(conv >= 10 && dw >= 10);
}

/* ---- the generator --------------------------------------------------------------------- */

/* Checksum of everything a problem holds: tensors, zero points, clamp and requant arrays. */
static uint64_t problem_checksum(const qt_problem *p) {
  const size_t oc = (size_t)p->d.out.c;
  const int32_t scalars[] = {p->q.input_zp, p->q.weight_zp, p->q.output_zp, p->q.act_min,
                             p->q.act_max};
  uint64_t h = qt_checksum(p->input, p->input_bytes);
  h ^= qt_checksum(p->weights, p->weight_bytes) * 3;
  h ^= qt_checksum(p->bias, oc * sizeof(int32_t)) * 5;
  h ^= qt_checksum(scalars, sizeof scalars) * 7;
  if (p->multiplier) h ^= qt_checksum(p->multiplier, oc * sizeof(int32_t)) * 11;
  if (p->shift) h ^= qt_checksum(p->shift, oc * sizeof(int32_t)) * 13;
  if (p->scale) h ^= qt_checksum(p->scale, oc * sizeof(float)) * 17;
  return h;
}

static void test_checksum(void) {
  /* FNV-1a 64 test vectors. */
  CHECK(qt_checksum("", 0) == UINT64_C(0xcbf29ce484222325));
  CHECK(qt_checksum("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
  CHECK(qt_checksum("foobar", 6) == UINT64_C(0x85944171f73967e8));
}

/* Golden values: the generator must give these bytes on every platform (they were computed
 * on x86-64; the aarch64 run under qemu checks them again). Problem checksums and the
 * reference output's checksum, for a 3x3 stride-2 depthwise and a 1x1 conv2d. A deliberate
 * change to the generator changes them: update them in the same change and say so. */
static const struct golden {
  int shape;
  int32_t dtype, requant;
  uint64_t seed, problem, output;
} goldens[] = {
#include "fixtures/datagen_golden.inc"
};

static const struct qt_edge_shape golden_shapes[] = {
    QT_EDGE_DW("golden_dw", 1, 9, 9, 17, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),
    QT_EDGE_CONV("golden_pw", 1, 5, 5, 13, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
};

static void test_generator_golden(void) {
  CHECK(sizeof goldens / sizeof goldens[0] >= 8);
  for (size_t i = 0; i < sizeof goldens / sizeof goldens[0]; i++) {
    const struct golden *g = &goldens[i];
    qt_problem p;
    CHECK_EQ_INT(qt_problem_init(&p, &golden_shapes[g->shape].d, g->dtype, g->requant, g->seed),
                 QT_KERNEL_OK);
    unsigned char *out = ref_output(&p);
    CHECK(out != NULL);
    const uint64_t ps = problem_checksum(&p), os = out ? qt_checksum(out, p.output_bytes) : 0;
    CHECK_MSG(ps == g->problem && os == g->output,
              "golden %zu: got {%d, %d, %d, %llu, UINT64_C(0x%016llx), UINT64_C(0x%016llx)}", i,
              g->shape, (int)g->dtype, (int)g->requant, (unsigned long long)g->seed,
              (unsigned long long)ps, (unsigned long long)os);
    free(out);
    qt_problem_free(&p);
  }
}

static void test_generator_determinism_and_errors(void) {
  const qt_conv_desc *d = &golden_shapes[0].d;
  qt_problem a, b;
  for (int32_t dtype = QT_DTYPE_S8; dtype <= QT_DTYPE_U8; dtype++)
    for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
      CHECK_EQ_INT(qt_problem_init(&a, d, dtype, rq, 42), QT_KERNEL_OK);
      CHECK_EQ_INT(qt_problem_init(&b, d, dtype, rq, 42), QT_KERNEL_OK);
      CHECK(problem_checksum(&a) == problem_checksum(&b));
      qt_problem_free(&b);
      CHECK_EQ_INT(qt_problem_init(&b, d, dtype, rq, 43), QT_KERNEL_OK);
      CHECK(qt_checksum(a.input, a.input_bytes) != qt_checksum(b.input, b.input_bytes));
      CHECK(qt_checksum(a.weights, a.weight_bytes) != qt_checksum(b.weights, b.weight_bytes));
      /* The problem owns its arrays and q points into them. */
      CHECK(a.q.dtype == dtype && a.q.requant == rq && a.d.out.c == d->out.c);
      CHECK(a.q.multiplier == a.multiplier && a.q.shift == a.shift && a.q.scale == a.scale);
      CHECK(rq == QT_REQUANT_FIXEDPOINT ? a.multiplier && a.shift && !a.scale
                                        : !a.multiplier && !a.shift && a.scale);
      CHECK_EQ_INT(a.input_bytes, (size_t)9 * 9 * 17);
      CHECK_EQ_INT(a.weight_bytes, (size_t)3 * 3 * 17);
      CHECK_EQ_INT(a.output_bytes, (size_t)5 * 5 * 17);
      qt_problem_free(&a);
      qt_problem_free(&b);
    }
  /* Same seed, other scheme: same tensors, and the fp32 scale is the fixedpoint multiplier's
   * value M * 2^(shift - 31) rounded down to 24 bits (relative error < 2^-23). */
  CHECK_EQ_INT(qt_problem_init(&a, d, QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 7), QT_KERNEL_OK);
  CHECK_EQ_INT(qt_problem_init(&b, d, QT_DTYPE_S8, QT_REQUANT_FP32, 7), QT_KERNEL_OK);
  CHECK(qt_checksum(a.input, a.input_bytes) == qt_checksum(b.input, b.input_bytes));
  CHECK(qt_checksum(a.weights, a.weight_bytes) == qt_checksum(b.weights, b.weight_bytes));
  CHECK(qt_checksum(a.bias, 17 * 4) == qt_checksum(b.bias, 17 * 4));
  for (int32_t c = 0; c < d->out.c; c++) {
    double v = (double)a.multiplier[c];
    for (int32_t s = a.shift[c] - 31; s < 0; s++) v *= 0.5;
    for (int32_t s = a.shift[c] - 31; s > 0; s--) v *= 2.0;
    const double f = b.scale[c];
    CHECK_MSG(f <= v && v - f < v / 8388608.0, "channel %d: scale %.9g, fixedpoint %.9g",
              (int)c, f, v);
  }
  qt_problem_free(&a);
  qt_problem_free(&b);
  /* Errors leave the problem empty. */
  qt_conv_desc bad = *d;
  bad.out.h = 4;
  CHECK_EQ_INT(qt_problem_init(&a, &bad, QT_DTYPE_S8, QT_REQUANT_FP32, 1), QT_KERNEL_ESHAPE);
  CHECK(a.input == NULL && a.weights == NULL && a.bias == NULL && a.scale == NULL);
  CHECK_EQ_INT(qt_problem_init(&a, d, 2, QT_REQUANT_FP32, 1), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_problem_init(&a, d, QT_DTYPE_S8, 5, 1), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_problem_init(NULL, d, QT_DTYPE_S8, QT_REQUANT_FP32, 1), QT_KERNEL_EINVAL);
  qt_problem_free(&a); /* harmless on an empty problem */
  qt_problem_free(NULL);
}

/* Value ranges over many seeds: zero points, weights, bias, multipliers, shifts (mostly
 * [-10, -1], the left-shift path sometimes), both clamp kinds, u8 per-tensor requant. */
static void test_generator_ranges(void) {
  const qt_conv_desc *d = &golden_shapes[1].d; /* 1x1 conv, K = 13, 7 channels */
  int shifts_main = 0, shifts_left = 0, shifts_total = 0, full = 0, narrow = 0;
  int in_min = 255, in_max = -255;
  for (int32_t dtype = QT_DTYPE_S8; dtype <= QT_DTYPE_U8; dtype++)
    for (uint64_t seed = 1; seed <= 200; seed++) {
      qt_problem p;
      if (qt_problem_init(&p, d, dtype, QT_REQUANT_FIXEDPOINT, seed) != QT_KERNEL_OK) {
        CHECK(0);
        continue;
      }
      const qt_quant_params *q = &p.q;
      CHECK_EQ_INT(qt_quant_params_check(d, q), QT_KERNEL_OK);
      const int s8 = dtype == QT_DTYPE_S8;
      const int32_t lo = s8 ? -128 : 0, hi = s8 ? 127 : 255;
      if (s8) {
        CHECK(q->input_zp >= -20 && q->input_zp <= 20 && q->output_zp >= -20 &&
              q->output_zp <= 20 && q->weight_zp == 0);
      } else {
        CHECK(q->input_zp >= 100 && q->input_zp <= 150 && q->output_zp >= 100 &&
              q->output_zp <= 150 && q->weight_zp >= 100 && q->weight_zp <= 150);
      }
      full += q->act_min == lo && q->act_max == hi;
      narrow += q->act_min > lo || q->act_max < hi;
      CHECK(q->act_min < q->output_zp && q->output_zp < q->act_max);
      for (size_t i = 0; i < p.input_bytes; i++) {
        const int v = s8 ? ((int8_t *)p.input)[i] : ((uint8_t *)p.input)[i];
        in_min = v < in_min ? v : in_min;
        in_max = v > in_max ? v : in_max;
      }
      for (size_t i = 0; s8 && i < p.weight_bytes; i++)
        CHECK(((int8_t *)p.weights)[i] >= -127);
      for (int32_t c = 0; c < d->out.c; c++) {
        CHECK(p.bias[c] >= -65536 && p.bias[c] <= 65536);
        CHECK(p.multiplier[c] >= (1 << 30));
        CHECK(p.shift[c] >= -31 && p.shift[c] <= 1);
        shifts_total++;
        shifts_main += p.shift[c] >= -10 && p.shift[c] <= -1;
        shifts_left += p.shift[c] >= 0;
        if (!s8) CHECK(p.multiplier[c] == p.multiplier[0] && p.shift[c] == p.shift[0]);
      }
      qt_problem_free(&p);
    }
  CHECK_MSG(shifts_main * 10 >= shifts_total * 8, "%d of %d shifts in [-10, -1]", shifts_main,
            shifts_total);
  CHECK_MSG(shifts_left > 0 && shifts_left * 5 < shifts_total, "%d of %d shifts >= 0",
            shifts_left, shifts_total);
  CHECK(full > 0 && narrow > 0);
  CHECK_EQ_INT(in_min, -128); /* s8 covers its full range ... */
  CHECK_EQ_INT(in_max, 255);  /* ... and so does u8 */
  /* u8 fp32: one scale for every channel. */
  qt_problem p;
  CHECK_EQ_INT(qt_problem_init(&p, d, QT_DTYPE_U8, QT_REQUANT_FP32, 5), QT_KERNEL_OK);
  for (int32_t c = 1; c < d->out.c; c++) CHECK(p.scale[c] == p.scale[0]);
  qt_problem_free(&p);
}

/* Most outputs must land inside the clamp (< 20% at act_min or act_max, averaged over seeds)
 * for MobileNetV2-like 3x3 depthwise and 1x1 conv layers, in every dtype and scheme. Single
 * seeds may clamp more: a u8 problem whose per-tensor shift is 0 or +1 (the left-shift path)
 * saturates a large part of its outputs by design. */
static void test_generator_spread(void) {
  static const struct qt_edge_shape layers[] = {
      QT_EDGE_DW("mnv2_dw_3x3_c96", 1, 14, 14, 96, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
      QT_EDGE_DW("mnv2_dw_3x3_s2_c144", 1, 14, 14, 144, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1),
      QT_EDGE_CONV("mnv2_pw_1x1_c32_c96", 1, 10, 10, 32, 96, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
      QT_EDGE_CONV("mnv2_pw_1x1_c96_c24", 1, 8, 8, 96, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
  };
  for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++)
    for (int32_t dtype = QT_DTYPE_S8; dtype <= QT_DTYPE_U8; dtype++)
      for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
        int total = 0, worst = 0;
        const uint64_t seeds = 8;
        for (uint64_t seed = 1; seed <= seeds; seed++) {
          qt_problem p;
          CHECK_EQ_INT(qt_problem_init(&p, &layers[l].d, dtype, rq, seed), QT_KERNEL_OK);
          unsigned char *out = ref_output(&p);
          CHECK(out != NULL);
          if (out) {
            const int pm = clamped_permille(&p, out);
            total += pm;
            worst = pm > worst ? pm : worst;
          }
          free(out);
          qt_problem_free(&p);
        }
        CHECK_MSG(total / (int)seeds < 200,
                  "%s dtype %d requant %d: %d permille clamped on average, %d at worst",
                  layers[l].name, (int)dtype, (int)rq, total / (int)seeds, worst);
      }
}

/* ---- qt_check_variant catches broken variants ----------------------------------------- */

/* A correct variant around the reference (packed = bias then weights), and broken ones. */
static size_t ref_packed_size(const qt_conv_desc *d) {
  return sizeof(int32_t) * (size_t)d->out.c + qt_conv_weight_count(d);
}
static size_t no_scratch(const qt_conv_desc *d) { return 0; }
static size_t some_scratch(const qt_conv_desc *d) { return 16; }
static int ref_pack(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
                    const int32_t *bias, void *packed) {
  memcpy(packed, bias, sizeof(int32_t) * (size_t)d->out.c);
  memcpy((char *)packed + sizeof(int32_t) * (size_t)d->out.c, weights, qt_conv_weight_count(d));
  return 0;
}
static int ref_run(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                   const void *packed, void *output, void *scratch) {
  return qt_ref_conv(d, q, input, (const char *)packed + sizeof(int32_t) * (size_t)d->out.c,
                     packed, output);
}
static int overpack(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
                    const int32_t *bias, void *packed) {
  ref_pack(d, q, weights, bias, packed);
  ((char *)packed)[ref_packed_size(d)] = 0;
  return 0;
}
static int run_off_by_one(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                          const void *packed, void *output, void *scratch) {
  int rc = ref_run(d, q, input, packed, output, scratch);
  ((unsigned char *)output)[d->out.c + 2] ^= 1; /* (0,0,1,2) */
  return rc;
}
static int run_overrun(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                       const void *packed, void *output, void *scratch) {
  int rc = ref_run(d, q, input, packed, output, scratch);
  ((unsigned char *)output)[out_count(d)] = 0;
  return rc;
}
/* A kernel that needs 2-byte aligned input: the misaligned run must catch it. */
static int run_aligned_only(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                            const void *packed, void *output, void *scratch) {
  if ((uintptr_t)input % 2) return QT_KERNEL_ESHAPE;
  return ref_run(d, q, input, packed, output, scratch);
}
static int run_skip_last(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                         const void *packed, void *output, void *scratch) {
  unsigned char *out = output;
  const size_t n = out_count(d);
  const unsigned char keep = out[n - 1];
  int rc = ref_run(d, q, input, packed, output, scratch);
  out[n - 1] = keep; /* as if the last element were never written */
  return rc;
}
static int run_stale_scratch(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                             const void *packed, void *output, void *scratch) {
  int rc = ref_run(d, q, input, packed, output, scratch);
  ((unsigned char *)output)[0] += ((unsigned char *)scratch)[0] == 0x3C; /* reads before writing */
  return rc;
}
static int run_scratch_overrun(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                               const void *packed, void *output, void *scratch) {
  memset(scratch, 0, 17);
  return ref_run(d, q, input, packed, output, scratch);
}
static int pack_clobber(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,
                        const int32_t *bias, void *packed) {
  ref_pack(d, q, weights, bias, packed);
  ((unsigned char *)(uintptr_t)weights)[0] ^= 0x80; /* after copying: outputs stay right */
  return 0;
}
static int run_fails(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                     const void *packed, void *output, void *scratch) {
  return QT_KERNEL_ESHAPE;
}

static void test_kernel_check(void) {
  const qt_conv_desc *d = &golden_shapes[0].d; /* depthwise 9x9x17, s2 -> 5x5x17 */
  char msg[512];
  const qt_variant_fns good = {"ref", ref_packed_size, no_scratch, ref_pack, ref_run};
  for (int32_t dtype = QT_DTYPE_S8; dtype <= QT_DTYPE_U8; dtype++)
    for (int32_t rq = QT_REQUANT_FIXEDPOINT; rq <= QT_REQUANT_FP32; rq++) {
      CHECK_EQ_INT(qt_check_variant(&good, d, dtype, rq, 3, msg, sizeof msg), 0);
      CHECK_STR(msg, "");
    }

  static const struct {
    qt_variant_fns v;
    const char *expect; /* a substring of the message */
  } broken[] = {
      {{"off_by_one", ref_packed_size, no_scratch, ref_pack, run_off_by_one},
       "output (n,y,x,c)=(0,0,1,2) index 19 got "},
      {{"overrun", ref_packed_size, no_scratch, ref_pack, run_overrun},
       "run wrote outside the output's 425 bytes (output at offset 0 of its buffer)"},
      {{"aligned_only", ref_packed_size, no_scratch, ref_pack, run_aligned_only},
       "run returned -2 (input and output 1 byte off alignment)"},
      {{"skip_last", ref_packed_size, no_scratch, ref_pack, run_skip_last},
       "(n,y,x,c)=(0,4,4,16) index 424"},
      {{"overpack", ref_packed_size, no_scratch, overpack, ref_run}, "pack wrote past packed_size"},
      {{"stale_scratch", ref_packed_size, some_scratch, ref_pack, run_stale_scratch},
       "run 2 with output fill 0xA5"},
      {{"scratch_overrun", ref_packed_size, some_scratch, ref_pack, run_scratch_overrun},
       "run wrote past scratch_size 16 (guard byte 0)"},
      {{"fails", ref_packed_size, no_scratch, ref_pack, run_fails}, "run returned -2"},
      {{"clobber", ref_packed_size, no_scratch, pack_clobber, ref_run},
       "modified its const input, weights or bias"},
  };
  for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
    CHECK_MSG(qt_check_variant(&broken[i].v, d, QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 3, msg,
                               sizeof msg) != 0,
              "%s passed", broken[i].v.name);
    CHECK_MSG(strstr(msg, broken[i].expect) != NULL, "%s: message '%s' lacks '%s'",
              broken[i].v.name, msg, broken[i].expect);
    CHECK_MSG(strstr(msg, broken[i].v.name) && strstr(msg, "depthwise n1 9x9x17 -> 5x5x17") &&
                  strstr(msg, "s8 fixedpoint seed 3"),
              "message lacks variant, shape, dtype or requant: %s", msg);
  }
  /* The message is cut, never overflowed. */
  char tiny[8];
  CHECK(qt_check_variant(&broken[0].v, d, QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 3, tiny,
                         sizeof tiny) != 0);
  CHECK_EQ_INT(strlen(tiny), sizeof tiny - 1);
}

/* qt_quant_draw gives exactly the zero points, clamp, multipliers and shifts of the fixed-
 * point problem of the same desc, dtype and seed (it steps over the input's draws and keeps
 * no weights), on every edge shape in both dtypes, u8's per-tensor and tiny problems
 * included; bad arguments are refused. */
static void test_quant_draw(void) {
  int tiny_u8 = 0;
  for (int i = 0; i < QT_EDGE_SHAPE_COUNT; i++) {
    const qt_conv_desc *d = &qt_edge_shapes[i].d;
    int32_t *mul = malloc(sizeof(int32_t) * (size_t)d->out.c);
    int32_t *sh = malloc(sizeof(int32_t) * (size_t)d->out.c);
    CHECK(mul && sh);
    for (int32_t dtype = QT_DTYPE_S8; dtype <= QT_DTYPE_U8; dtype++)
      for (uint64_t seed = 1; seed <= 24; seed++) {
        qt_problem p;
        qt_quant_given g;
        CHECK_EQ_INT(qt_problem_init(&p, d, dtype, QT_REQUANT_FIXEDPOINT, seed), QT_KERNEL_OK);
        CHECK_EQ_INT(qt_quant_draw(d, dtype, seed, mul, sh, &g), QT_KERNEL_OK);
        CHECK_MSG(g.input_zp == p.q.input_zp && g.weight_zp == p.q.weight_zp &&
                      g.output_zp == p.q.output_zp && g.act_min == p.q.act_min &&
                      g.act_max == p.q.act_max && g.channels == d->out.c && g.multiplier == mul &&
                      g.shift == sh &&
                      memcmp(mul, p.multiplier, sizeof(int32_t) * (size_t)d->out.c) == 0 &&
                      memcmp(sh, p.shift, sizeof(int32_t) * (size_t)d->out.c) == 0,
                  "%s, dtype %d, seed %llu: qt_quant_draw differs from the problem's",
                  qt_edge_shapes[i].name, dtype, (unsigned long long)seed);
        tiny_u8 += dtype == QT_DTYPE_U8 && p.shift[0] >= 0; /* a tiny u8 problem's left shift */
        qt_problem_free(&p);
      }
    free(mul);
    free(sh);
  }
  CHECK_MSG(tiny_u8 > 0, "no tiny u8 problem among the draws");
  int32_t m[4], s[4];
  qt_quant_given g;
  const qt_conv_desc *d = &golden_shapes[1].d; /* 7 channels */
  CHECK_EQ_INT(qt_quant_draw(NULL, QT_DTYPE_S8, 1, m, s, &g), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_quant_draw(d, 7, 1, m, s, &g), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_quant_draw(d, QT_DTYPE_S8, 1, NULL, s, &g), QT_KERNEL_EINVAL);
  CHECK_EQ_INT(qt_quant_draw(d, QT_DTYPE_S8, 1, m, s, NULL), QT_KERNEL_EINVAL);
  qt_conv_desc bad = *d;
  bad.out.c = 0;
  CHECK_EQ_INT(qt_quant_draw(&bad, QT_DTYPE_S8, 1, m, s, &g), QT_KERNEL_ESHAPE);
}

int main(void) {
  test_conv2d_s8();
  test_conv2d_u8();
  test_depthwise_s8();
  test_depthwise_u8();
  test_requant_functions();
  test_desc_checks();
  test_edge_shapes();
  test_checksum();
  test_generator_golden();
  test_quant_draw();
  test_generator_determinism_and_errors();
  test_generator_ranges();
  test_generator_spread();
  test_kernel_check();
  return qt_test_finish();
}
