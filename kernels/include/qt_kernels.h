/* qt_kernels.h — the public kernel API of qtune: the types that describe a quantized
 * convolution (shapes, conv parameters, quantization parameters), the reference kernels
 * (the oracle every tuned variant must match bit for bit), and the contract every kernel
 * template implements. Firmware and users call kernels through these types with their own
 * tensors; nothing here allocates. Pure C11 plus <stdint.h>/<stddef.h>: it builds for hosts,
 * aarch64 boards and bare-metal targets alike.
 *
 * Tensor layouts (TFLite conventions):
 *   input   NHWC  [n][in.h][in.w][in.c]           int8 or uint8 (qt_dtype)
 *   output  NHWC  [n][out.h][out.w][out.c]        same element type as the input; int32 for
 *                                                 QT_REQUANT_NONE (ONNX ConvInteger)
 *   weights conv2d:     OHWI [out.c][kh][kw][in.c]
 *           depthwise:  1HWO [1][kh][kw][out.c], out.c = in.c * depth_multiplier;
 *                       output channel oc reads input channel oc / depth_multiplier
 *   bias    int32 [out.c]
 *
 * Alignment: input, weights and output are byte arrays and may start at any address (every
 * kernel reads and writes them bytewise or with unaligned vector loads and stores;
 * tests/kernels checks each variant with input, weights and output one byte off alignment).
 * An int32 output (QT_REQUANT_NONE), bias, multiplier, shift and scale need only their
 * type's own alignment. Packed weights and scratch are QT_ALIGN-aligned (below): kernels lay
 * out int16 and int32 arrays at QT_ALIGN-rounded offsets inside them.
 */
#ifndef QT_KERNELS_H
#define QT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qt_op { QT_OP_CONV2D = 0, QT_OP_DEPTHWISE = 1 } qt_op;

/* QT_DTYPE_S8: TFLite int8 scheme. int8 activations with a zero point, int8 weights symmetric
 *              per output channel (weight_zp must be 0), int32 bias, per-channel requant.
 * QT_DTYPE_U8: legacy TFLite/QNNPACK scheme. uint8 activations and uint8 weights, per-tensor
 *              zero points (input_zp, weight_zp, output_zp); requant arrays still hold one
 *              entry per output channel (all equal for a per-tensor model). */
typedef enum qt_dtype { QT_DTYPE_S8 = 0, QT_DTYPE_U8 = 1 } qt_dtype;

/* QT_REQUANT_FIXEDPOINT: TFLite/gemmlowp. Q31 multiplier and shift per channel.
 * QT_REQUANT_FP32:       XNNPACK/ONNX QLinearConv. float scale per channel, round half even.
 * QT_REQUANT_NONE:       ONNX ConvInteger: no requantization, the output is the int32
 *                        accumulator itself (bias + sum of (x - input_zp) * (w - weight_zp);
 *                        pass a zero bias for ConvInteger, which has none). multiplier, shift
 *                        and scale are not read; output_zp, act_min and act_max must be 0.
 *                        The reference and the checks implement it; the tuned templates do
 *                        not (their pack() and run() return QT_KERNEL_EINVAL, and the tuner's
 *                        workloads name only fixedpoint and fp32): their whole design is an
 *                        int8 epilogue, and an int32 store per output is a fourth of a
 *                        template's output loops that nothing measured yet needs. ONNX's mixed
 *                        case (uint8 input, int8 weights) is not expressible: dtype is one
 *                        element type for both. */
typedef enum qt_requant {
  QT_REQUANT_FIXEDPOINT = 0,
  QT_REQUANT_FP32 = 1,
  QT_REQUANT_NONE = 2
} qt_requant;

typedef struct qt_dims {
  int32_t n, h, w, c;
} qt_dims;

typedef struct qt_conv_params {
  int32_t op; /* qt_op */
  int32_t kernel_h, kernel_w;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t depth_multiplier; /* depthwise only; 1 for conv2d */
} qt_conv_params;

/* A complete convolution shape. out.n == in.n; out.h/out.w must equal qt_conv_out_size(). */
typedef struct qt_conv_desc {
  qt_dims in;
  qt_dims out;
  qt_conv_params p;
} qt_conv_desc;

typedef struct qt_quant_params {
  int32_t dtype;   /* qt_dtype */
  int32_t requant; /* qt_requant */
  int32_t input_zp, weight_zp, output_zp;
  int32_t act_min, act_max;  /* fused clamp, inside the dtype's range (0, 0 for NONE) */
  const int32_t *multiplier; /* fixedpoint: Q31 multiplier per output channel */
  const int32_t *shift;      /* fixedpoint: per output channel, > 0 left, < 0 right, [-31, 30] */
  const float *scale;        /* fp32: positive finite scale per output channel */
} qt_quant_params;

/* Largest reduction depth K = kh * kw * (in.c for conv2d, 1 for depthwise). Accumulation is
 * int32 (real networks stay far below: ResNet-50's deepest is 4608). */
#define QT_MAX_REDUCTION 16000

/* The bias rule, one for the reference, the checks and every template's pack():
 *   |bias[oc]| <= qt_conv_bias_limit(d) = INT32_MAX - 2 * K * 255 * 255
 * Why: a template folds the input zero point into the bias, bias' = bias - z * sum(w - wzp)
 * with |z| <= 255 and |w - wzp| <= 255, then adds K products x * (w - wzp) with |x| <= 255;
 * so every partial sum, the reference's (|bias| + K * 255^2) included, stays inside int32
 * for any input, and the result is exact. The limit is at least 66683647 (> 2^25) at
 * K = QT_MAX_REDUCTION and near 2^31 for small K (2146313197 for a 3x3 depthwise). fp32
 * requantization converts that same exact int32 accumulator to float in every
 * implementation, so it adds no tighter bound. Returns -1 when K is out of range, where no
 * bias is valid (qt_conv_desc_check fails such a desc too). */
static inline int64_t qt_conv_bias_limit(const qt_conv_desc *d) {
  const int64_t k = (int64_t)d->p.kernel_h * d->p.kernel_w *
                    (d->p.op == QT_OP_CONV2D ? (int64_t)d->in.c : 1);
  if (k < 1 || k > QT_MAX_REDUCTION) return -1;
  return (int64_t)INT32_MAX - 2 * k * 255 * 255;
}

/* Status codes of the kernel layer (0 = ok). */
enum { QT_KERNEL_OK = 0, QT_KERNEL_EINVAL = -1, QT_KERNEL_ESHAPE = -2 };

/* Output extent of one spatial dimension:
 *   (in + pad_before + pad_after - dilation*(k-1) - 1) / stride + 1, or <= 0 if the
 *   dilated kernel does not fit. */
int32_t qt_conv_out_size(int32_t in, int32_t k, int32_t stride, int32_t dilation,
                         int32_t pad_before, int32_t pad_after);

/* Checks a descriptor: positive extents, stride/dilation >= 1, padding >= 0 and smaller than
 * the dilated kernel, output extents consistent, channel relations of the op. Returns
 * QT_KERNEL_OK or QT_KERNEL_ESHAPE. */
int qt_conv_desc_check(const qt_conv_desc *d);

/* Checks quantization parameters against the desc (zero points and clamp inside the dtype's
 * range, weight_zp == 0 for S8, arrays present for the scheme; for QT_REQUANT_NONE output_zp,
 * act_min and act_max 0). */
int qt_quant_params_check(const qt_conv_desc *d, const qt_quant_params *q);

/* Checks bias (NULL: all zero) against qt_conv_bias_limit(d). Returns QT_KERNEL_OK or
 * QT_KERNEL_EINVAL. */
int qt_conv_bias_check(const qt_conv_desc *d, const int32_t *bias);

/* Number of weight elements (bytes) of the unpacked tensor. */
size_t qt_conv_weight_count(const qt_conv_desc *d);

/* Reference convolution (the oracle). Plain loops, no knobs. Returns QT_KERNEL_OK or an
 * error code if d, q or bias fails the checks above (QT_KERNEL_EINVAL for a NULL tensor).
 * output is int8/uint8 as the input, or int32 for QT_REQUANT_NONE. */
int qt_ref_conv(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
                const void *weights, const int32_t *bias, void *output);

/* ---- The template contract ------------------------------------------------------------
 * Every kernel template (kernels/templates/<name>.c) is compiled with its knob macros and,
 * when built for one workload, with the shape constants QT_SHAPE_* (see qt_template.h). It
 * defines four functions whose names come from QT_FN(): the prefix QT_FN_PREFIX (default
 * qt_variant_) followed by the suffix. Export renames them per layer with -DQT_FN_PREFIX=.
 *
 *   size_t QT_FN(packed_size)(const qt_conv_desc *d)
 *       bytes of packed weights (incl. folded bias) for d.
 *   size_t QT_FN(scratch_size)(const qt_conv_desc *d)
 *       bytes of caller-supplied scratch run() needs for d (may be 0).
 *   int QT_FN(pack)(const qt_conv_desc *d, const qt_quant_params *q,
 *                   const void *weights, const int32_t *bias, void *packed)
 *       packs weights once, ahead of time: layout for the schedule, zero points folded into
 *       the bias, and (x86 ISA variants) the fixed-point requantization's per-channel
 *       constants; run() must get the q pack() got. Never timed. QT_KERNEL_EINVAL for a bias beyond qt_conv_bias_limit(d) or
 *       q->requant QT_REQUANT_NONE.
 *   int QT_FN(run)(const qt_conv_desc *d, const qt_quant_params *q, const void *input,
 *                  const void *packed, void *output, void *scratch)
 *       the convolution. Returns QT_KERNEL_ESHAPE if d differs from compiled-in shapes.
 * Packed buffers and scratch are aligned to QT_ALIGN bytes by the caller; input, weights and
 * output need no alignment (top of file). */
#define QT_ALIGN 64

#ifdef __cplusplus
}
#endif
#endif /* QT_KERNELS_H */
