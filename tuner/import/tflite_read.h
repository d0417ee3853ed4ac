/* tflite_read.h — private to tuner/import (not a public header of the layer): the raw facts
 * of a .tflite file's convolutions as the C++ flatbuffers reader (tflite_read.cc) hands them
 * to import.c, which turns them into a model file. No TFLite semantics are applied here: the
 * values are the file's, checked only for being present and in bounds. */
#ifndef QT_TFLITE_READ_H
#define QT_TFLITE_READ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "tuner/base/error.h" /* a C header without its own extern "C" */

/* TFLite's enum values (schema.fbs), as the file stores them. */
enum { QT_TFL_FLOAT32 = 0, QT_TFL_UINT8 = 3, QT_TFL_INT8 = 9 };
enum { QT_TFL_CONV_2D = 3, QT_TFL_DEPTHWISE_CONV_2D = 4 };
enum { QT_TFL_SAME = 0, QT_TFL_VALID = 1 };
enum { QT_TFL_ACT_NONE = 0, QT_TFL_ACT_RELU = 1, QT_TFL_ACT_RELU_N1_TO_1 = 2,
       QT_TFL_ACT_RELU6 = 3 };

typedef struct qt_tfl_tensor {
  int index; /* in the subgraph's tensors */
  int type;  /* TensorType */
  int rank;
  int32_t shape[4]; /* the first 4 dimensions (rank may say there are fewer or more) */
  char name[128];   /* truncated; "" if the file has none */
  int n_scale;
  float *scale;
  int n_zero_point;
  int64_t *zero_point;
  int quantized_dimension;
} qt_tfl_tensor;

typedef struct qt_tfl_conv {
  int op_index; /* in subgraph 0's operators */
  int builtin;  /* QT_TFL_CONV_2D or QT_TFL_DEPTHWISE_CONV_2D */
  int padding, stride_w, stride_h, dilation_w, dilation_h, depth_multiplier, activation;
  qt_tfl_tensor input, filter, output;
} qt_tfl_conv;

typedef struct qt_tfl_model {
  int n_operators; /* in subgraph 0 */
  int n_convs;
  qt_tfl_conv *convs; /* in execution order */
  int n_subgraphs;
} qt_tfl_model;

/* Verifies buf as a TFLite model (flatbuffers' Verifier: every offset, vector and string in
 * bounds, the "TFL3" identifier) and reads subgraph 0's CONV_2D and DEPTHWISE_CONV_2D
 * operators. QT_EINVAL with the reason for a file that fails verification or whose operators
 * point at missing tensors, options or operator codes; QT_ENOMEM. On error *m owns nothing. */
int qt_tfl_read(const void *buf, size_t len, qt_tfl_model *m, qt_err *err);
void qt_tfl_model_free(qt_tfl_model *m);

#ifdef __cplusplus
}
#endif
#endif
