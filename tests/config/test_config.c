/* test_config.c — the shipped configs and the loader's behaviour on good input: every target
 * and model in configs/ loads; the models have the reference tables' layer counts, task
 * counts and total MACs (numbers hard-coded from the reference files); tasks dedupe in first
 * appearance order; layer selection; one-layer models from a key; unknown names list the
 * available ones; host ISA detection and its restriction; the listing of a configs directory. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/qt_test.h"
#include "tuner/base/config.h"

#define CONFIGS QT_SOURCE_DIR "/configs"

/* ---- a scratch configs directory ------------------------------------------------------ */

static char scratch[256];

static void write_text(const char *rel, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", scratch, rel);
  FILE *f = fopen(path, "wb");
  CHECK_MSG(f != NULL, "cannot create %s", path);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static void scratch_path(char *buf, size_t cap, const char *rel) {
  snprintf(buf, cap, "%s/%s", scratch, rel);
}

static void remove_scratch(void) {
  static const char *const files[] = {
      "targets/host.yaml", "targets/arm-detect.yaml", "targets/.hidden.yaml",
      "targets/notes.txt", "targets/sub.yaml/x", "models/custom.yaml", "models/empty0.yaml",
  };
  char p[512];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    scratch_path(p, sizeof p, files[i]);
    unlink(p);
  }
  static const char *const dirs[] = {"targets/sub.yaml", "targets", "models", ""};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    scratch_path(p, sizeof p, dirs[i]);
    rmdir(p);
  }
}

/* ---- targets --------------------------------------------------------------------------- */

/* Loads the shipped target name; 1 if it loaded (a failure is checked and reported). */
static int load_target_ok(const char *name, qt_target *t) {
  qt_err err;
  qt_err_clear(&err);
  int rc = qt_target_load(CONFIGS, name, t, &err);
  CHECK_MSG(rc == 0, "target %s: %s", name, err.msg);
  return rc == 0;
}

static void test_cross_targets(void) {
  static const struct {
    const char *name, *mcpu_flags, *emulator;
    uint32_t isa;
  } want[] = {
      {"cortex-a76", "-O3 -mcpu=cortex-a76", "qemu-aarch64 -cpu cortex-a76",
       QT_ISA_NEON | QT_ISA_DOTPROD},
      {"cortex-a55", "-O3 -mcpu=cortex-a55", "qemu-aarch64 -cpu cortex-a76",
       QT_ISA_NEON | QT_ISA_DOTPROD},
      {"cortex-a53", "-O3 -mcpu=cortex-a53", "qemu-aarch64 -cpu cortex-a53", QT_ISA_NEON},
      {"cortex-a72", "-O3 -mcpu=cortex-a72", "qemu-aarch64 -cpu cortex-a72", QT_ISA_NEON},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    qt_target t;
    if (!load_target_ok(want[i].name, &t)) continue;
    CHECK_STR(t.name, want[i].name);
    CHECK_STR(t.arch, "aarch64");
    CHECK_STR(t.compiler, "aarch64-linux-gnu-gcc");
    CHECK_STR(t.cflags, want[i].mcpu_flags);
    CHECK_STR(t.ldflags, "-static");
    CHECK_STR(t.emulator, want[i].emulator);
    CHECK_EQ_INT(t.isa, want[i].isa);
    CHECK_EQ_INT(t.vector_regs, 32);
    CHECK_EQ_INT(t.vector_bits, 128);
    CHECK_EQ_INT(t.detect_isa, 0);
  }
}

/* The bare-metal Cortex-M targets: their own harness shell, board linker script, instruction
 * counts as the unit, the board's memories, and the emulator relative to the kernels. */
static void test_cortexm_targets(void) {
  static const struct {
    const char *name, *fpu, *machine;
  } want[] = {{"cortex-m4", "fpv4-sp-d16", "mps2-an386"}, {"cortex-m7", "fpv5-d16", "mps2-an500"}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    qt_target t;
    if (!load_target_ok(want[i].name, &t)) continue;
    char s[256];
    CHECK_STR(t.arch, "armv7em");
    CHECK_STR(t.compiler, "arm-none-eabi-gcc");
    snprintf(s, sizeof s, "-O3 -mcpu=%s -mthumb -mfloat-abi=hard -mfpu=%s", want[i].name,
             want[i].fpu);
    CHECK_STR(t.cflags, s);
    CHECK_EQ_INT(t.isa, QT_ISA_DSP);
    CHECK_EQ_INT(t.vector_bits, 32);
    CHECK_EQ_INT(t.timing, QT_TIMING_ICOUNT);
    CHECK_EQ_INT(t.n_harness, 4);
    CHECK_STR(t.harness[0], "harness/cortexm/qt_harness_cortexm.c");
    snprintf(s, sizeof s, "harness/cortexm/%s.ld", want[i].machine);
    CHECK_STR(t.linker_script, s);
    CHECK(t.sram_bytes == 4096 * 1024 && t.flash_bytes == 4096 * 1024);
    char emu[512];
    CHECK_EQ_INT(qt_target_emulator(&t, "/k", emu, sizeof emu), 0);
    snprintf(s, sizeof s, "/k/harness/cortexm/qt-mps2-run %s", want[i].machine);
    CHECK_STR(emu, s);
    CHECK_EQ_INT(qt_target_emulator(&t, "/k", emu, 20), -1); /* does not fit */
  }
  /* Targets without the fields have no memory limit; other emulators are taken as they are. */
  qt_target t;
  qt_err err;
  CHECK_EQ_INT(qt_target_load(CONFIGS, "cortex-a53", &t, &err), 0);
  CHECK(t.sram_bytes == 0 && t.flash_bytes == 0);
  char emu[512];
  CHECK_EQ_INT(qt_target_emulator(&t, "/k", emu, sizeof emu), 0);
  CHECK_STR(emu, "qemu-aarch64 -cpu cortex-a53");
}

/* What the running x86 CPU offers, asked independently of the loader. */
static uint32_t expected_host_isa(void) {
  uint32_t isa = 0;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.1")) isa |= QT_ISA_SSE41;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa |= QT_ISA_AVX2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
    isa |= QT_ISA_AVX512;
  if ((isa & QT_ISA_AVX512) && __builtin_cpu_supports("avx512vnni")) isa |= QT_ISA_AVX512VNNI;
#endif
  return isa;
}

static void test_host_target(void) {
  qt_target t;
  qt_err err;
  int rc = qt_target_load(CONFIGS, "host", &t, &err);
  CHECK_MSG(rc == 0, "host: %s", err.msg);
  if (rc != 0) return;
  CHECK_STR(t.name, "host");
  CHECK_STR(t.compiler, "cc");
  CHECK_STR(t.cflags, "-O3 -march=native");
  CHECK_STR(t.ldflags, "");
  CHECK_STR(t.emulator, "");
  CHECK_EQ_INT(t.detect_isa, 1);
#if defined(__x86_64__)
  CHECK_STR(t.arch, "x86_64");
  CHECK_EQ_INT(t.isa, expected_host_isa());
  CHECK((t.isa & (QT_ISA_NEON | QT_ISA_DOTPROD)) == 0);
  /* The detected set is closed: every feature comes with what it builds on. */
  if (t.isa & QT_ISA_AVX512VNNI) CHECK(t.isa & QT_ISA_AVX512);
  if (t.isa & QT_ISA_AVX512) CHECK(t.isa & QT_ISA_AVX2);
  if (t.isa & QT_ISA_AVX2) CHECK(t.isa & QT_ISA_SSE41);
  if (t.isa & QT_ISA_AVX512) {
    CHECK_EQ_INT(t.vector_regs, 32);
    CHECK_EQ_INT(t.vector_bits, 512);
  } else if (t.isa & QT_ISA_AVX2) {
    CHECK_EQ_INT(t.vector_regs, 16);
    CHECK_EQ_INT(t.vector_bits, 256);
  } else {
    CHECK_EQ_INT(t.vector_bits, 128);
  }
  printf("host isa:");
  for (uint32_t b = 1; b <= QT_ISA_AVX512VNNI; b <<= 1)
    if (t.isa & b) printf(" %s", qt_isa_name(b));
  printf(" (%d x %d bits)\n", t.vector_regs, t.vector_bits);

  /* The file's isa list restricts detection: VNNI off, AVX-512 kept where detected. */
  write_text("targets/host.yaml",
             "name: host\narch: x86_64\ncompiler: cc\ncflags: \"-O3 -march=native\"\n"
             "detect_isa: true\nisa: [sse41, avx2, avx512]\nvector_regs: 16\nvector_bits: 256\n");
  qt_target r;
  rc = qt_target_load(scratch, "host", &r, &err);
  CHECK_MSG(rc == 0, "restricted host: %s", err.msg);
  CHECK_EQ_INT(r.isa, expected_host_isa() & ~(uint32_t)QT_ISA_AVX512VNNI);
  CHECK_EQ_INT(r.vector_bits, (r.isa & QT_ISA_AVX512) ? 512 : (r.isa & QT_ISA_AVX2) ? 256 : 128);

  /* Restricted to AVX2: the register file falls back to 16 x 256. */
  write_text("targets/host.yaml",
             "name: host\narch: x86_64\ncompiler: cc\ndetect_isa: true\nisa: [sse41, avx2]\n"
             "vector_regs: 16\nvector_bits: 256\n");
  rc = qt_target_load(scratch, "host", &r, &err);
  CHECK_MSG(rc == 0, "avx2 host: %s", err.msg);
  CHECK_EQ_INT(r.isa, expected_host_isa() & (QT_ISA_SSE41 | QT_ISA_AVX2));
  if (r.isa & QT_ISA_AVX2) {
    CHECK_EQ_INT(r.vector_regs, 16);
    CHECK_EQ_INT(r.vector_bits, 256);
  }

  /* Detection cannot look at a CPU of another architecture. */
  write_text("targets/arm-detect.yaml",
             "name: arm-detect\narch: aarch64\ncompiler: gcc\ndetect_isa: true\n"
             "vector_regs: 32\nvector_bits: 128\n");
  rc = qt_target_load(scratch, "arm-detect", &r, &err);
  CHECK_EQ_INT(rc, QT_ECONFIG);
  CHECK(strstr(err.msg, "arm-detect.yaml:4:13: field 'detect_isa' is true, but arch aarch64 is "
                        "not the running CPU's (x86_64)") != NULL);
#endif
}

static void test_isa_names(void) {
  CHECK_STR(qt_isa_name(QT_ISA_NEON), "neon");
  CHECK_STR(qt_isa_name(QT_ISA_DOTPROD), "dotprod");
  CHECK_STR(qt_isa_name(QT_ISA_SSE41), "sse41");
  CHECK_STR(qt_isa_name(QT_ISA_AVX2), "avx2");
  CHECK_STR(qt_isa_name(QT_ISA_AVX512), "avx512");
  CHECK_STR(qt_isa_name(QT_ISA_AVX512VNNI), "avx512vnni");
  CHECK_STR(qt_isa_name(1u << 20), "?");
}

/* ---- models ---------------------------------------------------------------------------- */

/* Checks the task structure of m: every layer in exactly one task with its key, tasks in
 * order of first appearance, keys distinct. */
static void check_tasks(const qt_model *m) {
  int seen = 0, next_new = 0;
  for (int i = 0; i < m->n_layers; i++) {
    int t = m->layers[i].task;
    CHECK(t >= 0 && t < m->n_tasks);
    if (t < 0 || t >= m->n_tasks) return;
    CHECK(t <= next_new); /* a new task gets the next index */
    if (t == next_new) next_new++;
    char key[QT_KEY_MAX];
    qt_workload_key(&m->layers[i].w, key);
    CHECK_STR(key, m->tasks[t].key);
  }
  CHECK_EQ_INT(next_new, m->n_tasks);
  for (int t = 0; t < m->n_tasks; t++) {
    seen += m->tasks[t].n_layers;
    for (int j = 0; j < m->tasks[t].n_layers; j++)
      CHECK_EQ_INT(m->layers[m->tasks[t].layers[j]].task, t);
    for (int u = 0; u < t; u++) CHECK(strcmp(m->tasks[t].key, m->tasks[u].key) != 0);
  }
  CHECK_EQ_INT(seen, m->n_layers);
}

static uint64_t total_macs(const qt_model *m) {
  uint64_t s = 0;
  for (int i = 0; i < m->n_layers; i++) s += qt_workload_macs(&m->layers[i].w);
  return s;
}

static void test_shipped_models(void) {
  /* Layer counts and MACs from the reference tables (num_layers, total_macs); task counts
   * are the distinct shapes among those layers. */
  static const struct {
    const char *name;
    int layers, tasks;
    uint64_t macs;
  } want[] = {
      {"mobilenet_v2", 52, 30, 299494272ULL},
      {"mobilenet_v1", 27, 19, 567716352ULL},
      {"resnet50", 53, 23, 4087136256ULL},
      {"inception_v3", 94, 43, 5711168096ULL},
      /* MLPerf Tiny: 7.49 M MACs (VWW) and 2.66 M (DS-CNN), from the layer tables */
      {"vww_mobilenet_v1", 27, 19, 7489152ULL},
      {"ds_cnn", 9, 3, 2656000ULL},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    qt_model m;
    qt_err err;
    qt_err_clear(&err);
    int rc = qt_model_load(CONFIGS, want[i].name, &m, &err);
    CHECK_MSG(rc == 0, "model %s: %s", want[i].name, err.msg);
    if (rc != 0) continue;
    CHECK_STR(m.name, want[i].name);
    CHECK_EQ_INT(m.n_layers, want[i].layers);
    CHECK_EQ_INT(m.n_tasks, want[i].tasks);
    CHECK_EQ_INT(total_macs(&m), want[i].macs);
    check_tasks(&m);
    for (int j = 0; j < m.n_layers; j++) {
      CHECK_EQ_INT(m.layers[j].w.dtype, QT_DTYPE_S8);
      CHECK_EQ_INT(m.layers[j].w.requant, QT_REQUANT_FIXEDPOINT);
      CHECK_EQ_INT(m.layers[j].w.desc.in.n, 1);
    }
    qt_model_free(&m);
    CHECK(m.layers == NULL && m.tasks == NULL && m.n_layers == 0 && m.n_tasks == 0);
    qt_model_free(&m); /* idempotent */
  }

  qt_model m;
  qt_err err;
  /* DS-CNN's 10x4 stride-2 stem under TF SAME on 49x10: pads 4 top, 5 bottom, 1 left, 1 right. */
  CHECK_EQ_INT(qt_model_load(CONFIGS, "ds_cnn", &m, &err), 0);
  CHECK_STR(m.tasks[0].key, "conv2d:s8:fixedpoint:n1:i49x10x1:o25x5x64:k10x4:s2x2:d1x1:p4,1,5,1:m1");
  qt_model_free(&m);
  CHECK_EQ_INT(qt_model_load(CONFIGS, "vww_mobilenet_v1", &m, &err), 0);
  CHECK_STR(m.tasks[0].key, "conv2d:s8:fixedpoint:n1:i96x96x3:o48x48x8:k3x3:s2x2:d1x1:p0,0,1,1:m1");
  CHECK_STR(m.layers[26].name, "conv13_pw");
  CHECK_STR(m.tasks[m.layers[26].task].key,
            "conv2d:s8:fixedpoint:n1:i3x3x256:o3x3x256:k1x1:s1x1:d1x1:p0,0,0,0:m1");
  qt_model_free(&m);
  CHECK_EQ_INT(qt_model_load(CONFIGS, "mobilenet_v2", &m, &err), 0);
  CHECK_STR(m.layers[0].name, "conv0");
  CHECK_STR(m.layers[0].role, "stem");
  CHECK_STR(m.tasks[0].key,
            "conv2d:s8:fixedpoint:n1:i224x224x3:o112x112x32:k3x3:s2x2:d1x1:p0,0,1,1:m1");
  CHECK_STR(m.layers[1].name, "block0_dw");
  CHECK_EQ_INT(m.layers[1].w.desc.p.op, QT_OP_DEPTHWISE);
  CHECK_STR(m.layers[51].name, "conv_head");
  /* ReLU6 everywhere but the projections: those layers get datagen's draw for their workload
   * (seed 1) with TFLite's clamp of a ReLU6 output, zp = act_min = -128, act_max = 127; the
   * projections stay drawn from the seed (no parameters of their own). */
  int relu6 = 0;
  for (int j = 0; j < m.n_layers; j++) {
    const qt_layer *l = &m.layers[j];
    const int project = strcmp(l->role, "project") == 0;
    CHECK_EQ_INT(l->act, project ? QT_ACT_NONE : QT_ACT_RELU6);
    CHECK_MSG((l->w.quant == NULL) == project, "layer %s: quant %p", l->name,
              (const void *)l->w.quant);
    if (project || !l->w.quant) continue;
    relu6++;
    const qt_quant_given *g = l->w.quant;
    CHECK(g->output_zp == -128 && g->act_min == -128 && g->act_max == 127);
    CHECK_EQ_INT(g->channels, l->w.desc.out.c);
    qt_problem p;
    CHECK_EQ_INT(qt_problem_init(&p, &l->w.desc, QT_DTYPE_S8, QT_REQUANT_FIXEDPOINT, 1), 0);
    CHECK_EQ_INT(g->input_zp, p.q.input_zp);
    CHECK_EQ_INT(g->weight_zp, p.q.weight_zp);
    CHECK(memcmp(g->multiplier, p.multiplier, sizeof(int32_t) * (size_t)g->channels) == 0);
    CHECK(memcmp(g->shift, p.shift, sizeof(int32_t) * (size_t)g->channels) == 0);
    qt_problem_free(&p);
  }
  CHECK_EQ_INT(relu6, 35);
  /* block4_dw and block5_dw have one shape: one task serving both, in layer order. */
  int t4 = m.layers[13].task;
  CHECK_STR(m.layers[13].name, "block4_dw");
  CHECK_STR(m.layers[16].name, "block5_dw");
  CHECK_EQ_INT(m.layers[16].task, t4);
  CHECK(m.tasks[t4].n_layers >= 2);
  CHECK_EQ_INT(m.tasks[t4].layers[0], 13);
  CHECK_EQ_INT(m.tasks[t4].layers[1], 16);
  qt_model_free(&m);

  /* Inception's factorized 1x7 / 7x1 kernels keep their asymmetric padding. */
  CHECK_EQ_INT(qt_model_load(CONFIGS, "inception_v3", &m, &err), 0);
  int found = 0;
  for (int i = 0; i < m.n_layers; i++) {
    const qt_conv_params *p = &m.layers[i].w.desc.p;
    if (p->kernel_h == 1 && p->kernel_w == 7) {
      found++;
      CHECK(p->pad_left == 3 && p->pad_right == 3 && p->pad_top == 0 && p->pad_bottom == 0);
    }
  }
  CHECK(found > 0);
  qt_model_free(&m);
}

static void test_custom_model(void) {
  /* Nothing to offer yet: the list is empty and says so. */
  char buf[64];
  qt_err lerr;
  CHECK_EQ_INT(qt_config_list(scratch, "models", buf, sizeof buf, &lerr), 0);
  CHECK_STR(buf, "");
  qt_model none;
  CHECK_EQ_INT(qt_model_load(scratch, "custom", &none, &lerr), QT_ENOTFOUND);
  CHECK_STR(lerr.msg, "unknown model 'custom' (available: none)");

  /* Block-style mappings, non-default dtype/requant/batch, dilation and a depth multiplier. */
  write_text("models/custom.yaml",
             "model: custom\n"
             "dtype: u8\n"
             "requant: fp32\n"
             "batch: 2\n"
             "layers:\n"
             "  - name: dil\n"
             "    op: depthwise_conv2d\n"
             "    role: dw\n"
             "    in_h: 9\n    in_w: 10\n    in_c: 4\n    out_c: 8\n    kh: 3\n    kw: 3\n"
             "    stride_h: 1\n    stride_w: 2\n    pad_top: 0\n    pad_left: 1\n"
             "    pad_bottom: 0\n    pad_right: 1\n    dilation: 2\n    depth_multiplier: 2\n"
             "    out_h: 5\n    out_w: 4\n    macs: 1440\n"
             "  - {name: pw, op: conv2d, role: pw, in_h: 5, in_w: 4, in_c: 8, out_c: 16, kh: 1, "
             "kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, "
             "pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 5, out_w: 4, macs: 2560}\n");
  char path[512];
  scratch_path(path, sizeof path, "models/custom.yaml");
  qt_model m;
  qt_err err;
  int rc = qt_model_load_file(path, &m, &err);
  CHECK_MSG(rc == 0, "custom: %s", err.msg);
  if (rc != 0) return;
  CHECK_EQ_INT(m.n_layers, 2);
  CHECK_EQ_INT(m.n_tasks, 2);
  CHECK_STR(m.tasks[0].key, "dwconv:u8:fp32:n2:i9x10x4:o5x4x8:k3x3:s1x2:d2x2:p0,1,0,1:m2");
  CHECK_STR(m.tasks[1].key, "conv2d:u8:fp32:n2:i5x4x8:o5x4x16:k1x1:s1x1:d1x1:p0,0,0,0:m1");
  CHECK_EQ_INT(qt_workload_macs(&m.layers[0].w), 2 * 1440); /* the file counts one image */
  qt_model_free(&m);

  /* act: a fused ReLU gets the clamp TFLite gives its output in the model's dtype (u8: zp =
   * act_min = 0, act_max = 255), `none` and no act stay drawn, a layer's own quant wins over
   * its act; another dtype (qt_model_set_quant) makes the ReLU's clamp again in that dtype, and
   * the layers kept by a selection keep theirs. */
  write_text("models/custom.yaml",
             "model: custom\n"
             "dtype: u8\n"
             "layers:\n"
             "  - {name: a, op: conv2d, role: pw, act: relu, in_h: 5, in_w: 4, in_c: 8, out_c: 16, "
             "kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, "
             "pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 5, out_w: 4, macs: 2560}\n"
             "  - {name: b, op: conv2d, role: pw, act: none, in_h: 5, in_w: 4, in_c: 16, out_c: 8, "
             "kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, "
             "pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 5, out_w: 4, macs: 2560}\n"
             "  - {name: c, op: conv2d, role: pw, act: relu6, in_h: 5, in_w: 4, in_c: 8, out_c: 2, "
             "kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, "
             "pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 5, out_w: 4, macs: 320, "
             "quant: {input_zp: 3, weight_zp: 5, output_zp: 9, act_min: 1, act_max: 200, "
             "multiplier: [1073741824], shift: [-3]}}\n"
             "  - {name: d, op: depthwise_conv2d, role: dw, in_h: 5, in_w: 4, in_c: 16, "
             "out_c: 16, kh: 3, kw: 3, stride_h: 1, stride_w: 1, pad_top: 1, pad_left: 1, "
             "pad_bottom: 1, pad_right: 1, dilation: 1, depth_multiplier: 1, out_h: 5, out_w: 4, "
             "macs: 2880}\n");
  scratch_path(path, sizeof path, "models/custom.yaml");
  rc = qt_model_load_file(path, &m, &err);
  CHECK_MSG(rc == 0, "custom with act: %s", err.msg);
  if (rc != 0) return;
  CHECK_EQ_INT(m.layers[0].act, QT_ACT_RELU);
  CHECK_EQ_INT(m.layers[1].act, QT_ACT_NONE);
  CHECK_EQ_INT(m.layers[2].act, QT_ACT_RELU6);
  CHECK_EQ_INT(m.layers[3].act, QT_ACT_NONE);
  const qt_quant_given *ga = m.layers[0].w.quant;
  CHECK(ga != NULL && ga->output_zp == 0 && ga->act_min == 0 && ga->act_max == 255);
  CHECK(m.layers[1].w.quant == NULL && m.layers[3].w.quant == NULL);
  const qt_quant_given *gc = m.layers[2].w.quant;
  CHECK(gc != NULL && gc->output_zp == 9 && gc->act_min == 1 && gc->act_max == 200);
  CHECK_EQ_INT(qt_model_set_quant(&m, QT_DTYPE_S8, QT_REQUANT_FP32, &err), 0);
  ga = m.layers[0].w.quant;
  CHECK(ga != NULL && ga->output_zp == -128 && ga->act_min == -128 && ga->act_max == 127);
  gc = m.layers[2].w.quant; /* the file's u8 parameters are dropped; its act gives s8 ones */
  CHECK(gc != NULL && gc->output_zp == -128 && gc->act_min == -128 && gc->act_max == 127);
  CHECK(m.layers[1].w.quant == NULL && m.layers[3].w.quant == NULL);
  CHECK_EQ_INT(qt_model_select_layers(&m, "c,d", &err), 0);
  CHECK_EQ_INT(m.n_layers, 2);
  CHECK(m.layers[0].w.quant == gc && m.layers[0].w.quant->act_min == -128);
  qt_model_free(&m);
  /* A layer with act draws its weights (not its input) at load time: a quarter-giga-element
   * input loads at once, a layer of more than 2^28 weights is refused with a message, and
   * the same layer loads without act (nothing is drawn for it). */
  static const char big_input[] =
      "model: custom\n"
      "layers:\n"
      "  - {name: wide, op: conv2d, role: pw, act: relu, in_h: 16385, in_w: 16384, in_c: 1, "
      "out_c: 1, kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, "
      "pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 16385, out_w: 16384, "
      "macs: 268451840}\n";
  write_text("models/custom.yaml", big_input);
  rc = qt_model_load_file(path, &m, &err);
  CHECK_MSG(rc == 0, "big input with act: %s", err.msg);
  if (rc == 0) {
    CHECK(m.layers[0].w.quant != NULL && m.layers[0].w.quant->act_min == -128);
    qt_model_free(&m);
  }
  static const char big[] =
      "model: custom\n"
      "layers:\n"
      "  - {name: big, op: conv2d, role: pw, act: relu, in_h: 1, in_w: 1, in_c: 16000, "
      "out_c: 16778, kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, "
      "pad_bottom: 0, pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 1, out_w: 1, "
      "macs: 268448000}\n";
  write_text("models/custom.yaml", big);
  rc = qt_model_load_file(path, &m, &err);
  CHECK_EQ_INT(rc, QT_ECONFIG);
  CHECK_MSG(strstr(err.msg,
                   "custom.yaml: model custom, layer 'big': act relu needs its "
                   "quantization drawn from its weights at load time (256 Mi weights; "
                   "limits 256 Mi a layer, 1024 Mi a model)") != NULL,
            "%s", err.msg);
  char unbig[sizeof big];
  memcpy(unbig, big, sizeof big);
  memcpy(strstr(unbig, "act: relu,"), "act: none,", 10);
  write_text("models/custom.yaml", unbig);
  rc = qt_model_load_file(path, &m, &err);
  CHECK_MSG(rc == 0, "big without act: %s", err.msg);
  if (rc == 0) qt_model_free(&m);

  /* A zero-byte file is empty too. */
  write_text("models/empty0.yaml", "");
  scratch_path(path, sizeof path, "models/empty0.yaml");
  rc = qt_model_load_file(path, &m, &err);
  CHECK_EQ_INT(rc, QT_ECONFIG);
  CHECK(strstr(err.msg, "empty0.yaml:1:1: empty file") != NULL);
}

static void test_select_layers(void) {
  qt_model m;
  qt_err err;
  CHECK_EQ_INT(qt_model_load(CONFIGS, "mobilenet_v2", &m, &err), 0);
  /* Model order is kept whatever the list order; spaces around names are ignored. */
  int rc = qt_model_select_layers(&m, "block5_dw, conv0,block4_dw", &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  CHECK_EQ_INT(m.n_layers, 3);
  CHECK_STR(m.name, "mobilenet_v2");
  if (m.n_layers == 3) {
    CHECK_STR(m.layers[0].name, "conv0");
    CHECK_STR(m.layers[1].name, "block4_dw");
    CHECK_STR(m.layers[2].name, "block5_dw");
  }
  CHECK_EQ_INT(m.n_tasks, 2); /* block4_dw and block5_dw share one */
  check_tasks(&m);

  /* Errors leave the model as it was. */
  rc = qt_model_select_layers(&m, "conv0,nope", &err);
  CHECK_EQ_INT(rc, QT_ENOTFOUND);
  CHECK(strstr(err.msg, "unknown layer 'nope' in model 'mobilenet_v2' (layers: conv0, "
                        "block4_dw, block5_dw)") != NULL);
  CHECK_EQ_INT(m.n_layers, 3);
  rc = qt_model_select_layers(&m, "conv0,conv0", &err);
  CHECK_EQ_INT(rc, QT_EINVAL);
  CHECK(strstr(err.msg, "layer 'conv0' is listed twice") != NULL);
  rc = qt_model_select_layers(&m, "conv0,,block4_dw", &err);
  CHECK_EQ_INT(rc, QT_EINVAL);
  CHECK(strstr(err.msg, "empty layer name") != NULL);
  rc = qt_model_select_layers(&m, "", &err);
  CHECK_EQ_INT(rc, QT_EINVAL);
  CHECK_EQ_INT(m.n_layers, 3);
  CHECK_EQ_INT(m.n_tasks, 2);

  rc = qt_model_select_layers(&m, "block4_dw", &err);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(m.n_layers, 1);
  CHECK_EQ_INT(m.n_tasks, 1);
  CHECK_EQ_INT(m.tasks[0].n_layers, 1);
  CHECK_EQ_INT(m.layers[0].task, 0);
  qt_model_free(&m);

  /* Long name lists are cut short in the message rather than overflowing it. */
  CHECK_EQ_INT(qt_model_load(CONFIGS, "inception_v3", &m, &err), 0);
  rc = qt_model_select_layers(&m, "Mixed_5b/b9_1x1", &err);
  CHECK_EQ_INT(rc, QT_ENOTFOUND);
  CHECK(strstr(err.msg, "(layers: Conv2d_1a_3x3, Conv2d_2a_3x3") != NULL);
  CHECK(strstr(err.msg, ", ...)") != NULL);
  CHECK_EQ_INT(m.n_layers, 94);
  qt_model_free(&m);
}

static void test_model_from_workload(void) {
  qt_model m;
  qt_err err;
  const char *key = "conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3:s1x1:d1x1:p1,1,1,1:m1";
  int rc = qt_model_from_workload(key, &m, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc != 0) return;
  CHECK_EQ_INT(m.n_layers, 1);
  CHECK_EQ_INT(m.n_tasks, 1);
  CHECK_STR(m.layers[0].name, "workload");
  CHECK_STR(m.tasks[0].key, key);
  CHECK_EQ_INT(m.tasks[0].n_layers, 1);
  CHECK_EQ_INT(m.tasks[0].layers[0], 0);
  CHECK_EQ_INT(qt_workload_macs(&m.layers[0].w), 56ULL * 56 * 64 * 9 * 64);
  qt_model_free(&m);

  rc = qt_model_from_workload("conv2d:s8:fixedpoint:n1:i56x56x64:o56x56x64:k3x3", &m, &err);
  CHECK_EQ_INT(rc, QT_EINVAL);
  CHECK(strstr(err.msg, "expected 11 ':'-separated fields") != NULL);
  CHECK(m.layers == NULL && m.n_layers == 0);
}

/* ---- names, listing, i/o errors --------------------------------------------------------- */

static void test_names_and_listing(void) {
  char buf[512];
  qt_err err;
  CHECK_EQ_INT(qt_config_list(CONFIGS, "targets", buf, sizeof buf, &err), 0);
  CHECK_STR(buf, "cortex-a53, cortex-a55, cortex-a72, cortex-a76, cortex-m4, cortex-m7, "
                 "hexagon-hvx, host");
  CHECK_EQ_INT(qt_config_list(CONFIGS, "models", buf, sizeof buf, &err), 0);
  CHECK_STR(buf, "ds_cnn, inception_v3, mobilenet_v1, mobilenet_v2, resnet50, vww_mobilenet_v1");
  CHECK_EQ_INT(qt_config_list(CONFIGS, "models", buf, 10, &err), QT_EINVAL);
  CHECK_EQ_INT(qt_config_list(CONFIGS, "nonexistent", buf, sizeof buf, &err), QT_EIO);
  CHECK(strstr(err.msg, "configs/nonexistent") != NULL);
  CHECK(strstr(err.msg, "No such file or directory") != NULL);

  /* Hidden files, other extensions and directories are not configs. */
  write_text("targets/.hidden.yaml", "name: x\n");
  write_text("targets/notes.txt", "not a target\n");
  char p[512];
  scratch_path(p, sizeof p, "targets/sub.yaml");
  CHECK(mkdir(p, 0700) == 0 || errno == EEXIST);
  CHECK_EQ_INT(qt_config_list(scratch, "targets", buf, sizeof buf, &err), 0);
  CHECK_STR(buf, "arm-detect, host");

  qt_model m;
  int rc = qt_model_load(CONFIGS, "foo", &m, &err);
  CHECK_EQ_INT(rc, QT_ENOTFOUND);
  CHECK_STR(err.msg,
            "unknown model 'foo' (available: ds_cnn, inception_v3, mobilenet_v1, mobilenet_v2, "
            "resnet50, vww_mobilenet_v1)");
  qt_target t;
  rc = qt_target_load(CONFIGS, "cortex-m33", &t, &err);
  CHECK_EQ_INT(rc, QT_ENOTFOUND);
  CHECK_STR(err.msg, "unknown target 'cortex-m33' (available: cortex-a53, cortex-a55, cortex-a72, "
                     "cortex-a76, cortex-m4, cortex-m7, hexagon-hvx, host)");
  /* The shipped Hexagon target: freestanding, its runtime as the harness's shell, emulated. */
  CHECK_EQ_INT(qt_target_load(CONFIGS, "hexagon-hvx", &t, &err), 0);
  CHECK_STR(t.arch, "hexagon");
  CHECK_EQ_INT((int)t.isa, (int)QT_ISA_HVX128);
  CHECK_EQ_INT(t.vector_regs, 32);
  CHECK_EQ_INT(t.vector_bits, 1024);
  CHECK_STR(t.emulator, "qemu-hexagon");
  CHECK_EQ_INT(t.n_harness, 3);
  CHECK_STR(t.harness[0], "harness/hexagon/qt_harness_hexagon.c");
  CHECK_EQ_INT((int)t.timing, (int)QT_TIMING_EMULATED);
  CHECK(strstr(t.cflags, "-ffreestanding -nostdlibinc") != NULL);
  rc = qt_model_load(CONFIGS, "../configs/models/resnet50", &m, &err);
  CHECK_EQ_INT(rc, QT_EINVAL);
  CHECK(strstr(err.msg, "invalid model name '../configs/models/resnet50'") != NULL);
  rc = qt_target_load(CONFIGS, "", &t, &err);
  CHECK_EQ_INT(rc, QT_EINVAL);

  rc = qt_model_load_file(CONFIGS "/models/missing.yaml", &m, &err);
  CHECK_EQ_INT(rc, QT_EIO);
  CHECK_STR(err.msg, "cannot open '" CONFIGS "/models/missing.yaml': No such file or directory");
  rc = qt_target_load_file(CONFIGS "/targets", &t, &err); /* a directory */
  CHECK_EQ_INT(rc, QT_EIO);
  CHECK(strstr(err.msg, "Is a directory") != NULL);
}

int main(void) {
  snprintf(scratch, sizeof scratch, "/tmp/qt_test_config.XXXXXX");
  if (!mkdtemp(scratch)) {
    perror("mkdtemp");
    return 1;
  }
  char p[512];
  scratch_path(p, sizeof p, "targets");
  mkdir(p, 0700);
  scratch_path(p, sizeof p, "models");
  mkdir(p, 0700);

  test_cross_targets();
  test_cortexm_targets();
  test_host_target();
  test_isa_names();
  test_shipped_models();
  test_custom_model();
  test_select_layers();
  test_model_from_workload();
  test_names_and_listing();

  remove_scratch();
  return qt_test_finish();
}
