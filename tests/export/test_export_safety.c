/* test_export_safety.c — what reaches generated C from outside cannot change it: a log whose
 * board name is `x*\/int y;/\*` (the boards loader refuses such a name, but a log may come
 * from anywhere) and a log path with `*\/` in it appear in the generated comments only in a
 * comment-safe form, and two layers whose names map to one C identifier are refused, naming
 * both, before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/qt_test.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"
#include "tuner/output/export.h"
#include "tuner/run/boards.h"

static const char *const layer_yaml =
    "{op: depthwise_conv2d, role: dw, in_h: 8, in_w: 8, in_c: 16, out_c: 16, kh: 3, kw: 3, "
    "stride_h: 1, stride_w: 1, pad_top: 1, pad_left: 1, pad_bottom: 1, pad_right: 1, "
    "dilation: 1, depth_multiplier: 1, out_h: 8, out_w: 8, macs: 9216}";

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 1 << 20);
  size_t n = fread(buf, 1, (1 << 20) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

int main(void) {
  char dir[] = "/tmp/qtune-export-safety-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[700], text[2048];
  snprintf(path, sizeof path, "%s/models", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/models/one.yaml", dir);
  snprintf(text, sizeof text, "model: one\nlayers:\n  - {name: b1.dw, %s\n", layer_yaml + 1);
  write_file(path, text);
  snprintf(path, sizeof path, "%s/models/clash.yaml", dir);
  snprintf(text, sizeof text, "model: clash\nlayers:\n  - {name: b1.dw, %s\n  - {name: b1_dw, %s\n",
           layer_yaml + 1, layer_yaml + 1);
  write_file(path, text);

  qt_err err;
  qt_target t;
  qt_model one, clash;
  CHECK(qt_target_load(QT_SOURCE_DIR "/configs", "host", &t, &err) == 0);
  CHECK(qt_model_load(dir, "one", &one, &err) == 0);
  CHECK(qt_model_load(dir, "clash", &clash, &err) == 0);

  /* A log with a hostile board name, for the default config of the one layer. */
  char db_path[600];
  snprintf(db_path, sizeof db_path, "%s/a*/x.db", dir);
  snprintf(path, sizeof path, "%s/a*", dir);
  mkdir(path, 0755);
  qt_db *db;
  CHECK(qt_db_open(db_path, 1000, &db, &err) == 0);
  int64_t session;
  CHECK(qt_db_session_begin(db, "test", "0", &session, &err) == 0);
  qt_space space;
  qt_config c;
  CHECK(qt_space_init(&space, &one.tasks[0].w, &t, &err) == 0);
  CHECK(qt_space_default(&space, &c) == 0);
  char knobs[QT_KNOBS_MAX], manifest[QT_MANIFEST_MAX];
  qt_config_format(&c, knobs, sizeof knobs);
  CHECK(qt_source_manifest(QT_SOURCE_DIR "/kernels", &one.tasks[0].w, &c, manifest,
                           sizeof manifest, &err) == 0);
  qt_measurement m;
  memset(&m, 0, sizeof m);
  m.id = (qt_variant_id){&one.tasks[0].w, t.name, c.tpl->name, knobs, "0123456789abcdef", "h1",
                         manifest};
  m.board = "x*/int y;/*";
  m.board_kind = "local";
  m.status = QT_STATUS_OK;
  m.n_times = 1;
  m.times_ns[0] = m.median_ns = m.min_ns = m.max_ns = 1000;
  CHECK(qt_db_record(db, session, &m, &err) == 0);

  char out[600];
  snprintf(out, sizeof out, "%s/out", dir);
  qt_export_options o = {QT_SOURCE_DIR "/kernels", out, db_path, 0, NULL};
  qt_export_stats st;
  int rc = qt_export_model(db, &one, &t, &o, &st, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  CHECK(st.from_log == 1);
  snprintf(path, sizeof path, "%s/qt_one_b1_dw.c", out);
  char *gen = read_file(path);
  CHECK(gen != NULL);
  if (gen) {
    CHECK(strstr(gen, "int y;") == NULL || strstr(gen, "x?/int y;/?") != NULL);
    CHECK(strstr(gen, "*/int y;") == NULL);
    CHECK(strstr(gen, "a?/x.db") != NULL); /* the path, comment-safe */
    /* Exactly one comment opener and closer: nothing ended it early. */
    int opens = 0, closes = 0;
    for (const char *p = gen; (p = strstr(p, "/*")); p++) opens++;
    for (const char *p = gen; (p = strstr(p, "*/")); p++) closes++;
    CHECK(opens == 1 && closes == 1);
    free(gen);
  }
  snprintf(path, sizeof path, "%s/qt_one.h", out);
  gen = read_file(path);
  CHECK(gen != NULL && strstr(gen, "*/int y;") == NULL);
  free(gen);

  /* Two layers, one identifier: refused before anything is written. */
  char out2[600];
  snprintf(out2, sizeof out2, "%s/out2", dir);
  o.out_dir = out2;
  CHECK(qt_export_model(db, &clash, &t, &o, &st, &err) == QT_EINVAL);
  CHECK(strstr(err.msg, "'b1.dw' and 'b1_dw'") != NULL);
  CHECK(access(out2, F_OK) != 0);

  /* The boards loader refuses such a name at its line. */
  snprintf(path, sizeof path, "%s/boards.yaml", dir);
  write_file(path, "boards:\n  - {name: \"x*/int y;/*\", target: host, kind: local}\n");
  qt_boards *bs = malloc(sizeof *bs);
  CHECK(qt_boards_load(path, bs, &err) == QT_ECONFIG);
  CHECK(strstr(err.msg, "boards.yaml:2:") != NULL && strstr(err.msg, "field 'name'") != NULL);
  free(bs);

  qt_db_close(db);
  qt_model_free(&one);
  qt_model_free(&clash);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  return qt_test_finish();
}
