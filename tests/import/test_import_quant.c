/* test_import_quant — a model file's own quantization parameters (`quant`, tuner/base/config.h)
 * from the loader to the data: parsed values, one value broadcast to every channel, kept by
 * --layers, dropped by a dtype override and kept by a requant override; every malformed
 * `quant` refused with file:line:column and the field; qt_problem_init_given uses the given
 * zero points, clamp and (multiplier, shift) while input and weights stay the seed's; and the
 * host's expected checksum changes with them (so a harness that ignored them would be a
 * wrong_answer, which test_import.sh's tuning run would show). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qt_datagen.h"
#include "tests/qt_test.h"
#include "tuner/base/config.h"
#include "tuner/run/measure.h"

static char dir[] = "/tmp/qtune-quant-XXXXXX";

#define DW "name: dw, op: depthwise_conv2d, role: dw, in_h: 10, in_w: 10, in_c: 4, out_c: 4, " \
           "kh: 3, kw: 3, stride_h: 1, stride_w: 1, pad_top: 1, pad_left: 1, pad_bottom: 1, "  \
           "pad_right: 1, dilation: 1, depth_multiplier: 1, out_h: 10, out_w: 10, macs: 3600"
#define PW "name: pw, op: conv2d, role: project, in_h: 10, in_w: 10, in_c: 4, out_c: 2, kh: 1, " \
           "kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, "          \
           "pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 10, out_w: 10, macs: 800"
#define GOOD_DW_QUANT "quant: {input_zp: -3, weight_zp: 0, output_zp: 5, act_min: -20, " \
                      "act_max: 100, multiplier: [1073741824, 1500000000, 2000000000, "  \
                      "1234567890], shift: [-7, -8, 0, 1]}"

/* Writes a model file q.yaml (model q) with the dw layer carrying dw_quant (may be "") and the
 * pw layer pw_quant, and loads it. */
static int load(const char *dtype, const char *dw_quant, const char *pw_quant, qt_model *m,
                qt_err *err) {
  char path[128];
  snprintf(path, sizeof path, "%s/q.yaml", dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "model: q\ndtype: %s\nlayers:\n  - {" DW "%s%s}\n  - {" PW "%s%s}\n", dtype,
          *dw_quant ? ", " : "", dw_quant, *pw_quant ? ", " : "", pw_quant);
  fclose(f);
  return qt_model_load_file(path, m, err);
}

/* Loads a model whose dw layer has quant text q and checks the error names the field. */
static void bad(const char *dtype, const char *q, const char *want) {
  qt_model m;
  qt_err err = {0};
  int rc = load(dtype, q, "", &m, &err);
  CHECK_MSG(rc == QT_ECONFIG, "%s: rc %d", q, rc);
  CHECK_MSG(strstr(err.msg, want) != NULL, "%s: message '%s' lacks '%s'", q, err.msg, want);
  CHECK_MSG(strstr(err.msg, "q.yaml:4:") != NULL, "%s: message '%s' lacks the line", q, err.msg);
  if (rc == 0) qt_model_free(&m);
}

int main(void) {
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  qt_err err = {0};
  qt_model m;

  /* Parsed values; a one-value list broadcast; a layer without quant has none. */
  CHECK_EQ_INT(load("s8", GOOD_DW_QUANT, "", &m, &err), 0);
  CHECK_MSG(m.n_layers == 2, "%s", err.msg);
  const qt_quant_given *g = m.layers[0].w.quant;
  CHECK(g != NULL);
  if (g) {
    CHECK_EQ_INT(g->input_zp, -3);
    CHECK_EQ_INT(g->output_zp, 5);
    CHECK_EQ_INT(g->act_min, -20);
    CHECK_EQ_INT(g->act_max, 100);
    CHECK_EQ_INT(g->channels, 4);
    CHECK_EQ_INT(g->multiplier[3], 1234567890);
    CHECK_EQ_INT(g->shift[3], 1);
  }
  CHECK(m.layers[1].w.quant == NULL);
  CHECK(m.tasks[m.layers[0].task].w.quant == g); /* the task checks with its layer's */
  qt_model_free(&m);

  CHECK_EQ_INT(load("s8", "", "quant: {input_zp: 0, weight_zp: 0, output_zp: 0, act_min: -128, "
                    "act_max: 127, multiplier: [1500000000], shift: [-9]}", &m, &err), 0);
  g = m.n_layers == 2 ? m.layers[1].w.quant : NULL;
  CHECK(g && g->channels == 2 && g->multiplier[1] == 1500000000 && g->shift[1] == -9);
  qt_model_free(&m);

  /* --layers keeps them; --requant fp32 keeps them; --dtype u8 drops them. */
  CHECK_EQ_INT(load("s8", GOOD_DW_QUANT, "", &m, &err), 0);
  CHECK_EQ_INT(qt_model_select_layers(&m, "dw", &err), 0);
  CHECK(m.n_layers == 1 && m.layers[0].w.quant && m.layers[0].w.quant->multiplier[2] == 2000000000);
  CHECK_EQ_INT(qt_model_override_quant(&m, NULL, "fp32", &err), 0);
  CHECK(m.layers[0].w.quant != NULL && m.tasks[0].w.quant != NULL);
  CHECK_EQ_INT(qt_model_override_quant(&m, "u8", NULL, &err), 0);
  CHECK(m.layers[0].w.quant == NULL && m.tasks[0].w.quant == NULL);
  qt_model_free(&m);

  /* Malformed quant: file:line:column, the field and the rule. */
  bad("s8", "quant: {input_zp: 0}", "missing field 'quant.weight_zp'");
  bad("s8", "quant: {input_zp: 0, weight_zp: 0, output_zp: 0, act_min: -128, act_max: 127, "
            "multiplier: [1, 2, 3], shift: [0]}",
      "field 'quant.multiplier' has 3 values, expected out_c = 4");
  bad("s8", "quant: {input_zp: 0, weight_zp: 0, output_zp: 0, act_min: -128, act_max: 127, "
            "multiplier: [1], shift: [31]}",
      "field 'quant.shift[0]' is 31, out of range (-31..30)");
  bad("s8", "quant: {input_zp: 0, weight_zp: 0, output_zp: 0, act_min: -128, act_max: 127, "
            "multiplier: [-1], shift: [0]}",
      "field 'quant.multiplier[0]' must be >= 0, got -1");
  bad("s8", "quant: {input_zp: 0, weight_zp: 3, output_zp: 0, act_min: -128, act_max: 127, "
            "multiplier: [1], shift: [0]}",
      "field 'quant.weight_zp' is 3, must be 0 for dtype s8");
  bad("s8", "quant: {input_zp: 200, weight_zp: 0, output_zp: 0, act_min: -128, act_max: 127, "
            "multiplier: [1], shift: [0]}",
      "field 'quant.input_zp' is 200, must be in -128..127 for dtype s8");
  bad("u8", "quant: {input_zp: -1, weight_zp: 0, output_zp: 0, act_min: 0, act_max: 255, "
            "multiplier: [1], shift: [0]}",
      "field 'quant.input_zp' is -1, must be in 0..255 for dtype u8");
  bad("s8", "quant: {input_zp: 0, weight_zp: 0, output_zp: 0, act_min: 10, act_max: 9, "
            "multiplier: [1], shift: [0]}",
      "field 'quant.act_max' is 9, below act_min 10");
  bad("s8", "quant: {input_zp: 0, weight_zp: 0, output_zp: 0, act_min: -128, act_max: 127, "
            "multiplier: 5, shift: [0]}",
      "field 'quant.multiplier': expected a sequence of integers, got a scalar");
  bad("s8", "quant: {input_zp: 0, weight_zp: 0, output_zp: 0, act_min: -128, act_max: 127, "
            "multiplier: [1], shift: [0], scale: [1]}",
      "unknown field 'scale' (quant fields: input_zp, weight_zp");
  bad("s8", "quant: [1, 2]", "expected a quant mapping, got a sequence");

  /* The data: given parameters replace the drawn ones; input and weights stay the seed's. */
  CHECK_EQ_INT(load("s8", GOOD_DW_QUANT, "", &m, &err), 0);
  const qt_workload *w = &m.layers[0].w;
  qt_problem a, b;
  CHECK_EQ_INT(qt_problem_init(&a, &w->desc, w->dtype, w->requant, 7), QT_KERNEL_OK);
  CHECK_EQ_INT(qt_problem_init_given(&b, &w->desc, w->dtype, w->requant, 7, w->quant),
               QT_KERNEL_OK);
  CHECK(memcmp(a.input, b.input, a.input_bytes) == 0);
  CHECK(memcmp(a.weights, b.weights, a.weight_bytes) == 0);
  CHECK_EQ_INT(b.q.input_zp, -3);
  CHECK_EQ_INT(b.q.output_zp, 5);
  CHECK_EQ_INT(b.q.act_min, -20);
  CHECK_EQ_INT(b.q.act_max, 100);
  CHECK(b.q.multiplier && b.q.multiplier[1] == 1500000000 && b.q.shift[1] == -8);
  CHECK(a.q.input_zp != -3 || a.q.multiplier[1] != 1500000000); /* the drawn ones differ */
  qt_problem_free(&a);
  qt_problem_free(&b);
  qt_quant_given wrong = *w->quant;
  wrong.channels = 3;
  CHECK_EQ_INT(qt_problem_init_given(&b, &w->desc, w->dtype, w->requant, 7, &wrong),
               QT_KERNEL_EINVAL);
  /* fp32: each channel's scale is its (multiplier, shift) as a float: 2^30 * 2^-38 = 2^-8. */
  CHECK_EQ_INT(qt_problem_init_given(&b, &w->desc, w->dtype, QT_REQUANT_FP32, 7, w->quant),
               QT_KERNEL_OK);
  CHECK(b.q.scale && b.q.scale[0] == 1.0f / 256.0f);
  qt_problem_free(&b);

  /* The host's expected checksum follows the workload's parameters. */
  uint64_t with, without;
  qt_workload plain = *w;
  plain.quant = NULL;
  CHECK_EQ_INT(qt_expected_checksum(w, 1, &with, &err), 0);
  CHECK_EQ_INT(qt_expected_checksum(&plain, 1, &without, &err), 0);
  CHECK(with != without);
  /* A ReLU clamp at the output zero point (h = 0) still generates (the draws need h >= 1). */
  qt_quant_given relu = *w->quant;
  relu.act_min = relu.output_zp;
  CHECK_EQ_INT(qt_problem_init_given(&b, &w->desc, w->dtype, w->requant, 3, &relu), QT_KERNEL_OK);
  qt_problem_free(&b);
  qt_model_free(&m);

  char path[128];
  snprintf(path, sizeof path, "%s/q.yaml", dir);
  unlink(path);
  rmdir(dir);
  return qt_test_finish();
}
