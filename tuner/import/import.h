/* import.h — `tune import`: the convolutions of a TFLite model (.tflite flatbuffer) as a qtune
 * model file (configs/models/README.md). Every CONV_2D and DEPTHWISE_CONV_2D of subgraph 0,
 * in execution order, becomes a layer with its shapes, strides, dilation, explicit padding
 * (SAME resolved as TFLite does: the odd pixel at the bottom/right), and its own quantization
 * parameters as TFLite's kernels derive them: zero points, the clamp of the fused activation
 * (CalculateActivationRangeQuantized) and per output channel the (multiplier, shift) of
 * input_scale * filter_scale / output_scale (QuantizeMultiplier, qt_quantize_multiplier).
 * The file is verified with flatbuffers' Verifier before anything is read. */
#ifndef QT_IMPORT_H
#define QT_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include "tuner/base/error.h"

typedef struct qt_import_summary {
  int n_layers;    /* convolutions written */
  int n_operators; /* operators of subgraph 0 */
  int n_subgraphs; /* subgraphs of the file (only the first is read) */
} qt_import_summary;

/* Writes the model file of the TFLite model in buf[len] to out, naming the model model_name
 * and citing source (the input's file name) in its header. QT_EINVAL with the operator and
 * the reason for a file that does not verify or a convolution qtune cannot express (float or
 * int16 tensors, grouped convolution, different dilations per axis, TANH or SIGN_BIT fused
 * activation, per-channel u8 weights, inconsistent shapes); QT_EIO if out fails. */
int qt_tflite_to_model(const void *buf, size_t len, const char *model_name, const char *source,
                       FILE *out, qt_import_summary *summary, qt_err *err);

/* Reads tflite_path, writes the model file to out_path (the model is named after its base
 * name without .yaml) through a temporary file that replaces out_path only once the written
 * file loads back with qt_model_load_file; on any error out_path is left as it was. */
int qt_tflite_import_file(const char *tflite_path, const char *out_path,
                          qt_import_summary *summary, qt_err *err);

#endif
