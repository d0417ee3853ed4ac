/* test_sizes.c — extents whose products do not fit: a key or a model whose element counts
 * overflow 64 bits (and wrap to a small number if multiplied unchecked) is refused with a
 * message naming the tensor and its extents, never passed on to the reference and the data
 * generator; MAC counts saturate instead of wrapping; a real 1x1 depthwise layer with 50,000
 * channels is not taken for an in_c*out_c weight tensor. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/qt_test.h"
#include "tuner/base/config.h"
#include "tuner/base/workload.h"

int main(void) {
  qt_err err;
  qt_workload w;
  /* 2^17 * 2^16 * 2^16 * 2^15 = 2^64: wraps to 0 in int64 and uint64. */
  CHECK(qt_workload_parse("dwconv:s8:fp32:n131072:i65536x65536x32768:o65536x65536x32768:k1x1:"
                          "s1x1:d1x1:p0,0,0,0:m1", &w, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "input tensor n*h*w*c = 131072*65536*65536*32768") != NULL);
  /* Just over the limit without overflowing: refused the same way. */
  CHECK(qt_workload_parse("conv2d:s8:fp32:n2:i32768x32768x1:o32768x32768x1:k1x1:s1x1:d1x1:"
                          "p0,0,0,0:m1", &w, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "more than 2147483647 elements") != NULL);
  /* Weights: conv2d counts kh*kw*in_c*out_c, depthwise kh*kw*out_c. */
  CHECK(qt_workload_parse("conv2d:s8:fp32:n1:i1x1x16000:o1x1x200000:k1x1:s1x1:d1x1:p0,0,0,0:m1",
                          &w, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "weights kh*kw*in_c*out_c = 1*1*16000*200000") != NULL);
  int rc = qt_workload_parse("dwconv:s8:fp32:n1:i1x1x50000:o1x1x50000:k1x1:s1x1:d1x1:p0,0,0,0:m1",
                             &w, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);

  /* MACs saturate. */
  memset(&w, 0, sizeof w);
  w.desc.in = (qt_dims){INT32_MAX, 1, 1, 16000};
  w.desc.out = (qt_dims){INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
  w.desc.p.op = QT_OP_CONV2D;
  w.desc.p.kernel_h = w.desc.p.kernel_w = 1000;
  CHECK(qt_workload_macs(&w) == UINT64_MAX);

  /* The same shape from a model file: refused at its line, exit path of the loader. */
  char dir[] = "/tmp/qtune-sizes-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[256];
  snprintf(path, sizeof path, "%s/models", dir);
  CHECK(mkdir(path, 0755) == 0);
  snprintf(path, sizeof path, "%s/models/huge.yaml", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("model: huge\nbatch: 131072\nlayers:\n  - {name: dw, op: depthwise_conv2d, role: dw, "
          "in_h: 65536, in_w: 65536, in_c: 32768, out_c: 32768, kh: 1, kw: 1, stride_h: 1, "
          "stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, pad_right: 0, dilation: 1, "
          "depth_multiplier: 1, out_h: 65536, out_w: 65536, macs: 140737488355328}\n", f);
    fclose(f);
  }
  qt_model m;
  CHECK(qt_model_load(dir, "huge", &m, &err) == QT_ECONFIG);
  CHECK(strstr(err.msg, "huge.yaml:4:") != NULL && strstr(err.msg, "input tensor") != NULL);
  unlink(path);
  snprintf(path, sizeof path, "%s/models", dir);
  rmdir(path);
  rmdir(dir);
  return qt_test_finish();
}
