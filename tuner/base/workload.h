/* workload.h — a workload: one convolution's shape, data type and requantization scheme,
 * the unit qtune tunes. Its canonical key is a string that names every field that can change
 * the generated code or its result; two layers with the same key are the same task.
 *
 * Key grammar (all integers decimal, fixed field order):
 *   <op>:<dtype>:<requant>:n<N>:i<H>x<W>x<C>:o<H>x<W>x<C>:k<KH>x<KW>:s<SH>x<SW>:d<DH>x<DW>:p<T>,<L>,<B>,<R>:m<M>
 *   op = conv2d | dwconv ; dtype = s8 | u8 ; requant = fixedpoint | fp32
 * e.g. dwconv:s8:fixedpoint:n1:i112x112x32:o112x112x32:k3x3:s1x1:d1x1:p1,1,1,1:m1
 * The 64-bit hash is FNV-1a over the key's bytes, printed as 16 lowercase hex digits. */
#ifndef QT_WORKLOAD_H
#define QT_WORKLOAD_H

#include <stdint.h>

#include "qt_datagen.h"
#include "qt_kernels.h"
#include "tuner/base/error.h"

#define QT_KEY_MAX 160

typedef struct qt_workload {
  qt_conv_desc desc;
  int32_t dtype;   /* qt_dtype */
  int32_t requant; /* qt_requant */
  /* The model's own quantization parameters (a model file's `quant`, owned by the qt_model),
   * or NULL: drawn from the data seed. Not part of the key: they change neither the code nor
   * its speed, only the data of the bit-exact check (docs/DESIGN.md §2). */
  const qt_quant_given *quant;
} qt_workload;

/* Writes the canonical key of w into key (QT_KEY_MAX bytes). */
void qt_workload_key(const qt_workload *w, char key[QT_KEY_MAX]);

/* Parses a canonical key; rejects anything that does not round-trip and any shape that
 * fails qt_conv_desc_check(), with a message naming the field. */
int qt_workload_parse(const char *key, qt_workload *w, qt_err *err);

/* Checks w: the descriptor (qt_conv_desc_check) plus dtype/requant values, with a message
 * naming the first offending field and value. */
int qt_workload_check(const qt_workload *w, qt_err *err);

uint64_t qt_hash64(const void *data, size_t len, uint64_t seed); /* FNV-1a 64 */
#define QT_HASH_SEED 0xcbf29ce484222325ULL
uint64_t qt_workload_hash(const qt_workload *w);

/* FNV-1a 64 of given quantization parameters (every field and array entry, fixed order and
 * width); 0 for NULL. Names the data a variant was checked with (tuner/build). */
uint64_t qt_quant_given_hash(const qt_quant_given *g);

/* Multiply-accumulates of one run (batch included). */
uint64_t qt_workload_macs(const qt_workload *w);

const char *qt_op_name(int32_t op);          /* "conv2d" | "dwconv" */
const char *qt_dtype_name(int32_t dtype);     /* "s8" | "u8" */
const char *qt_requant_name(int32_t requant); /* "fixedpoint" | "fp32" */

#endif
