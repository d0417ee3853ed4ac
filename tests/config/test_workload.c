/* test_workload.c — the workload module (tuner/base/workload.h): canonical keys written and parsed
 * back, the pinned FNV-1a hash (a change would orphan every log), the strict parser's
 * rejections and their messages, the field-naming validity check, MAC counts and names. */
#include <stdint.h>
#include <string.h>

#include "tests/qt_test.h"
#include "tuner/base/workload.h"

/* MobileNetV2's first depthwise layer, the example of workload.h. */
static qt_workload mnv2_block0_dw(void) {
  qt_workload w;
  memset(&w, 0, sizeof w);
  w.dtype = QT_DTYPE_S8;
  w.requant = QT_REQUANT_FIXEDPOINT;
  w.desc.in = (qt_dims){1, 112, 112, 32};
  w.desc.out = (qt_dims){1, 112, 112, 32};
  w.desc.p = (qt_conv_params){.op = QT_OP_DEPTHWISE, .kernel_h = 3, .kernel_w = 3,
                              .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
                              .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
                              .depth_multiplier = 1};
  return w;
}

/* MobileNetV2's stem: conv2d 3x3 stride 2 with TF SAME padding resolved to 0,0,1,1. */
static qt_workload mnv2_conv0(void) {
  qt_workload w = mnv2_block0_dw();
  w.desc.in = (qt_dims){1, 224, 224, 3};
  w.desc.out = (qt_dims){1, 112, 112, 32};
  w.desc.p.op = QT_OP_CONV2D;
  w.desc.p.stride_h = w.desc.p.stride_w = 2;
  w.desc.p.pad_top = w.desc.p.pad_left = 0;
  return w;
}

static const char *const DW_KEY =
    "dwconv:s8:fixedpoint:n1:i112x112x32:o112x112x32:k3x3:s1x1:d1x1:p1,1,1,1:m1";

static void test_key_and_round_trip(void) {
  char key[QT_KEY_MAX];
  qt_workload w = mnv2_block0_dw();
  qt_workload_key(&w, key);
  CHECK_STR(key, DW_KEY);

  w = mnv2_conv0();
  qt_workload_key(&w, key);
  CHECK_STR(key, "conv2d:s8:fixedpoint:n1:i224x224x3:o112x112x32:k3x3:s2x2:d1x1:p0,0,1,1:m1");

  /* Every field distinct, so a swapped pair in the writer or the parser shows. */
  static const char *const keys[] = {
      "dwconv:s8:fixedpoint:n1:i112x112x32:o112x112x32:k3x3:s1x1:d1x1:p1,1,1,1:m1",
      "conv2d:u8:fp32:n2:i17x19x5:o9x7x6:k3x5:s2x3:d1x1:p0,1,2,3:m1",
      "dwconv:u8:fixedpoint:n3:i20x21x4:o16x17x12:k3x3:s1x1:d2x2:p0,0,0,0:m3",
      "conv2d:s8:fp32:n1:i17x17x768:o17x17x192:k1x7:s1x1:d1x1:p0,3,0,3:m1",
  };
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    qt_err err;
    qt_err_clear(&err);
    qt_workload p;
    int rc = qt_workload_parse(keys[i], &p, &err);
    CHECK_MSG(rc == 0, "parse '%s': %s", keys[i], err.msg);
    if (rc != 0) continue;
    qt_workload_key(&p, key);
    CHECK_STR(key, keys[i]);
    CHECK_EQ_INT(qt_workload_check(&p, &err), 0);
  }

  qt_workload p;
  qt_err err;
  CHECK_EQ_INT(qt_workload_parse(keys[1], &p, &err), 0);
  CHECK_EQ_INT(p.desc.p.op, QT_OP_CONV2D);
  CHECK_EQ_INT(p.dtype, QT_DTYPE_U8);
  CHECK_EQ_INT(p.requant, QT_REQUANT_FP32);
  CHECK_EQ_INT(p.desc.in.n, 2);
  CHECK_EQ_INT(p.desc.out.n, 2);
  CHECK_EQ_INT(p.desc.in.h, 17);
  CHECK_EQ_INT(p.desc.in.w, 19);
  CHECK_EQ_INT(p.desc.in.c, 5);
  CHECK_EQ_INT(p.desc.out.h, 9);
  CHECK_EQ_INT(p.desc.out.w, 7);
  CHECK_EQ_INT(p.desc.out.c, 6);
  CHECK_EQ_INT(p.desc.p.kernel_h, 3);
  CHECK_EQ_INT(p.desc.p.kernel_w, 5);
  CHECK_EQ_INT(p.desc.p.stride_h, 2);
  CHECK_EQ_INT(p.desc.p.stride_w, 3);
  CHECK_EQ_INT(p.desc.p.pad_top, 0);
  CHECK_EQ_INT(p.desc.p.pad_left, 1);
  CHECK_EQ_INT(p.desc.p.pad_bottom, 2);
  CHECK_EQ_INT(p.desc.p.pad_right, 3);
  CHECK_EQ_INT(qt_workload_parse(keys[2], &p, &err), 0);
  CHECK_EQ_INT(p.desc.p.dilation_h, 2);
  CHECK_EQ_INT(p.desc.p.depth_multiplier, 3);
}

static void test_hash(void) {
  /* FNV-1a 64 test vectors from the reference implementation. */
  CHECK(qt_hash64("", 0, QT_HASH_SEED) == QT_HASH_SEED);
  CHECK(qt_hash64("a", 1, QT_HASH_SEED) == 0xaf63dc4c8601ec8cULL);
  CHECK(qt_hash64("foobar", 6, QT_HASH_SEED) == 0x85944171f73967e8ULL);
  /* Pinned: the log stores this hash; changing the key grammar or the hash breaks resume. */
  qt_workload w = mnv2_block0_dw();
  CHECK(qt_workload_hash(&w) == 0x4bd44fc0020331e2ULL);
  qt_workload other = mnv2_conv0();
  CHECK(qt_workload_hash(&other) != qt_workload_hash(&w));
}

typedef struct rejection {
  const char *key;
  const char *expect; /* substring of the message */
} rejection;

static void test_parse_rejections(void) {
  static const rejection cases[] = {
      {"conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3y3:s1x1:d1x1:p1,1,1,1:m1",
       "workload key 'conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3y3:s1x1:d1x1:p1,1,1,1:m1': "
       "field 'k': expected <KH>x<KW>, got '3y3'"},
      {"conv3d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'op': expected conv2d or dwconv, got 'conv3d'"},
      {"conv2d:s16:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'dtype': expected s8 or u8, got 's16'"},
      {"conv2d:s8:float:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'requant': expected fixedpoint or fp32, got 'float'"},
      {"conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1",
       "expected 11 ':'-separated fields"},
      {"conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1:",
       "got 12"},
      {"conv2d:s8:fixedpoint:n1:i56x56:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'i': expected <H>x<W>x<C>, got '56x56'"},
      {"conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1:m1",
       "field 'p': expected <T>,<L>,<B>,<R>, got '1,1,1'"},
      {"conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:q3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'k': expected 'k<KH>x<KW>', got 'q3x3'"},
      {"conv2d:s8:fixedpoint:n1:i56x56x064:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'i': expected <H>x<W>x<C>, got '56x56x064' (leading zero"},
      {"conv2d:s8:fixedpoint:n1:i56x56x99999999999:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "(value exceeds 2147483647)"},
      {"conv2d:s8:fixedpoint:n-1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'n': expected <N>, got '-1'"},
      {"conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1 ",
       "field 'm': expected <M>, got '1 '"},
      {"Conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "field 'op': expected conv2d or dwconv, got 'Conv2d'"},
      /* Well-formed keys of invalid shapes: the check names the field. */
      {"conv2d:s8:fixedpoint:n1:i112x112x32:o55x56x64:k3x3:s2x2:d1x1:p0,0,1,1:m1",
       "out_h is 55, expected 56 from in_h 112, kh 3, stride 2, pad 0+1"},
      {"conv2d:s8:fixedpoint:n1:i112x112x32:o56x57x64:k3x3:s2x2:d1x1:p0,0,1,1:m1",
       "out_w is 57, expected 56 from in_w 112, kw 3, stride 2, pad 0+1"},
      {"conv2d:s8:fixedpoint:n1:i56x56x0:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "in_c must be positive, got 0"},
      {"conv2d:s8:fixedpoint:n0:i56x56x8:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "n must be positive, got 0"},
      {"conv2d:s8:fixedpoint:n1:i56x56x8:o56x56x64:k3x3:s0x1:d1x1:p1,1,1,1:m1",
       "stride_h must be positive, got 0"},
      {"conv2d:s8:fixedpoint:n1:i56x56x8:o56x56x64:k3x3:s1x1:d1x1:p1,3,1,1:m1",
       "pad_left is 3, must be smaller than the dilated kernel extent 3"},
      {"dwconv:s8:fixedpoint:n1:i56x56x32:o56x56x48:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "out_c is 48, expected in_c 32 x depth_multiplier 1 = 32"},
      {"conv2d:s8:fixedpoint:n1:i56x56x32:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m2",
       "depth_multiplier is 2, must be 1 for conv2d"},
      {"conv2d:s8:fixedpoint:n1:i4x4x2000:o4x4x8:k3x3:s1x1:d1x1:p1,1,1,1:m1",
       "reduction depth kh*kw*in_c = 18000 exceeds 16000"},
      {"conv2d:s8:fixedpoint:n1:i2x2x8:o1x2x8:k3x3:s1x1:d1x1:p0,1,0,1:m1",
       "out_h is 1, but the kernel (kh 3) does not fit in in_h 2 + pad 0+0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qt_workload w = mnv2_conv0(), before = w;
    qt_err err;
    qt_err_clear(&err);
    int rc = qt_workload_parse(cases[i].key, &w, &err);
    CHECK_MSG(rc == QT_EINVAL, "'%s' gave %d", cases[i].key, rc);
    CHECK_EQ_INT(err.code, QT_EINVAL);
    CHECK_MSG(strstr(err.msg, cases[i].expect) != NULL, "message \"%s\" lacks \"%s\"", err.msg,
              cases[i].expect);
    CHECK_MSG(strncmp(err.msg, "workload key '", 14) == 0, "message \"%s\" does not name the key",
              err.msg);
    CHECK(memcmp(&w, &before, sizeof w) == 0); /* untouched on failure */
  }
  /* Dilation widens the kernel: span 5 in 9 gives 5 outputs, and 6 would be wrong. */
  qt_workload w;
  qt_err err;
  int rc = qt_workload_parse("dwconv:s8:fixedpoint:n1:i9x9x8:o5x5x8:k3x3:s1x1:d2x2:p0,0,0,0:m1",
                             &w, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  CHECK_EQ_INT(qt_workload_parse("dwconv:s8:fixedpoint:n1:i9x9x8:o7x5x8:k3x3:s1x1:d2x2:"
                                 "p0,0,0,0:m1", &w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "out_h is 7, expected 5 from in_h 9, kh 3, dilation 2, stride 1") != NULL);

  char longkey[300];
  memset(longkey, 'x', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = '\0';
  CHECK_EQ_INT(qt_workload_parse(longkey, &w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "longer than 159") != NULL);
  CHECK_EQ_INT(qt_workload_parse("", &w, &err), QT_EINVAL);
  CHECK_EQ_INT(qt_workload_parse(NULL, &w, &err), QT_EINVAL);
}

static void test_check_fields(void) {
  qt_err err;
  qt_workload w = mnv2_conv0();
  CHECK_EQ_INT(qt_workload_check(&w, &err), 0);

  w.dtype = 7;
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "dtype is 7") != NULL);

  w = mnv2_conv0();
  w.requant = -1;
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "requant is -1") != NULL);

  w = mnv2_conv0();
  w.desc.p.op = 5;
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "op is 5") != NULL);

  w = mnv2_conv0();
  w.desc.out.n = 2; /* the key cannot express this; the struct can */
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "out_n is 2, expected n 1") != NULL);

  w = mnv2_conv0();
  w.desc.p.pad_bottom = -1;
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "pad_bottom must be >= 0, got -1") != NULL);

  w = mnv2_conv0();
  w.desc.p.dilation_w = 0;
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "dilation_w must be positive, got 0") != NULL);

  /* Output tensor beyond int32 indexing, every other rule satisfied. */
  w = mnv2_block0_dw();
  w.desc.in = (qt_dims){1, 50000, 50000, 1};
  w.desc.out = (qt_dims){1, 50000, 50000, 1};
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "input tensor n*h*w*c = 1*50000*50000*1 has more than") != NULL);

  /* The kernel layer accepts this shape, but its key needs 161 characters. */
  w = mnv2_block0_dw();
  w.desc.in = (qt_dims){1, 2147483647, 1, 1};
  w.desc.out = (qt_dims){1, 2, 2, 536870911};
  w.desc.p = (qt_conv_params){.op = QT_OP_DEPTHWISE, .kernel_h = 2, .kernel_w = 2,
                              .stride_h = INT32_MAX, .stride_w = INT32_MAX,
                              .dilation_h = INT32_MAX, .dilation_w = INT32_MAX,
                              .pad_top = INT32_MAX, .pad_left = INT32_MAX,
                              .pad_bottom = INT32_MAX, .pad_right = INT32_MAX,
                              .depth_multiplier = 536870911};
  CHECK_EQ_INT(qt_conv_desc_check(&w.desc), QT_KERNEL_OK);
  CHECK_EQ_INT(qt_workload_check(&w, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "canonical key is 161 characters, longer than 159") != NULL);
  w.desc.out.c = w.desc.p.depth_multiplier = 5; /* 16 digits fewer: accepted, round-trips */
  CHECK_EQ_INT(qt_workload_check(&w, &err), 0);
  char key[QT_KEY_MAX];
  qt_workload_key(&w, key);
  qt_workload back;
  CHECK_EQ_INT(qt_workload_parse(key, &back, &err), 0);
  CHECK(memcmp(&back, &w, sizeof w) == 0);

  /* Everything this check accepts, the kernel layer accepts too. */
  w = mnv2_block0_dw();
  CHECK_EQ_INT(qt_conv_desc_check(&w.desc), QT_KERNEL_OK);
}

static void test_macs_and_names(void) {
  qt_workload w = mnv2_conv0();
  CHECK_EQ_INT(qt_workload_macs(&w), 10838016); /* 112*112*32*3*3*3, as in the reference */
  w.desc.in.n = w.desc.out.n = 4;
  CHECK_EQ_INT(qt_workload_macs(&w), 4 * 10838016ULL); /* batch counts */
  w = mnv2_block0_dw();
  CHECK_EQ_INT(qt_workload_macs(&w), 3612672); /* depthwise: no in_c factor */
  qt_err err;
  CHECK_EQ_INT(qt_workload_parse("dwconv:s8:fixedpoint:n1:i20x21x4:o18x19x12:k3x3:s1x1:d1x1:"
                                 "p0,0,0,0:m3", &w, &err), 0);
  CHECK_EQ_INT(qt_workload_macs(&w), 18 * 19 * 12 * 9);
  w.desc.out.h = 0;
  CHECK_EQ_INT(qt_workload_macs(&w), 0);

  CHECK_STR(qt_op_name(QT_OP_CONV2D), "conv2d");
  CHECK_STR(qt_op_name(QT_OP_DEPTHWISE), "dwconv");
  CHECK_STR(qt_op_name(9), "?");
  CHECK_STR(qt_dtype_name(QT_DTYPE_S8), "s8");
  CHECK_STR(qt_dtype_name(QT_DTYPE_U8), "u8");
  CHECK_STR(qt_requant_name(QT_REQUANT_FIXEDPOINT), "fixedpoint");
  CHECK_STR(qt_requant_name(QT_REQUANT_FP32), "fp32");
  CHECK_STR(qt_requant_name(-3), "?");
}

int main(void) {
  test_key_and_round_trip();
  test_hash();
  test_parse_rejections();
  test_check_fields();
  test_macs_and_names();
  return qt_test_finish();
}
