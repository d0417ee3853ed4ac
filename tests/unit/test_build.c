/* test_build.c — the build context reads each template's sources once: the manifest it
 * records is what the source hash stands for, a variant builds while the files are unchanged,
 * and once a kernel file changes under a running tuner the build is refused, naming the file,
 * instead of caching new code under the old hash, also when it changes while the compiler
 * reads it. Works on a copy of kernels/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../qt_test.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"

int main(void) {
  qt_err err;
  qt_target t;
  CHECK(qt_target_load(QT_SOURCE_DIR "/configs", "host", &t, &err) == 0);
  char dir[] = "/tmp/qtune-build-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char cmd[512], kernels[300], cache[300];
  snprintf(kernels, sizeof kernels, "%s/kernels", dir);
  snprintf(cache, sizeof cache, "%s/cache", dir);
  snprintf(cmd, sizeof cmd, "cp -r %s/kernels %s", QT_SOURCE_DIR, kernels);
  CHECK(system(cmd) == 0);

  qt_build_ctx *ctx = malloc(sizeof *ctx);
  CHECK(qt_build_ctx_init(ctx, kernels, cache, &t, 120000, &err) == 0);
  /* The cache's artifacts run as they are: it is created private, and one others may write
   * is refused. */
  struct stat st;
  CHECK(stat(cache, &st) == 0 && (st.st_mode & 0777) == 0700);
  CHECK(chmod(cache, 0777) == 0);
  CHECK(qt_build_ctx_init(ctx, kernels, cache, &t, 120000, &err) == QT_EIO);
  CHECK_MSG(strstr(err.msg, cache) && strstr(err.msg, "writable by others"), "%s", err.msg);
  CHECK(chmod(cache, 0700) == 0);
  CHECK(qt_build_ctx_init(ctx, kernels, cache, &t, 120000, &err) == 0);
  qt_model m;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i6x6x8:o6x6x8:k3x3:s1x1:d1x1:p1,1,1,1:m1", &m,
                               &err) == 0);
  qt_space s;
  CHECK(qt_space_init(&s, &m.tasks[0].w, &t, &err) == 0);
  qt_config c;
  CHECK(qt_space_default(&s, &c) == 0);

  /* The recorded manifest equals the files as they are, and names the template. */
  char snap[QT_MANIFEST_MAX], disk[QT_MANIFEST_MAX];
  CHECK(qt_variant_manifest(ctx, &m.tasks[0].w, &c, snap, sizeof snap, &err) == 0);
  CHECK(qt_source_manifest(kernels, &m.tasks[0].w, &c, disk, sizeof disk, &err) == 0);
  CHECK_STR(snap, disk);
  CHECK(strstr(snap, "templates/dwconv.c ") != NULL);
  CHECK(strstr(snap, "\ndefines ") != NULL);

  qt_artifact a;
  CHECK(qt_build_variant(ctx, &m.tasks[0].w, &c, &a, &err) == 0);
  CHECK_MSG(a.status == QT_STATUS_OK, "%s", a.error);

  /* A header changes under the context: a new variant is refused, naming the file; one
   * already in the cache is still served (it was built from the files the hash names). */
  snprintf(cmd, sizeof cmd, "echo '/* edited */' >> %s/include/qt_requant.h", kernels);
  CHECK(system(cmd) == 0);
  qt_config other = c;
  other.vals[0] = c.vals[0] == s.tpls[0]->knobs[0].values[0] ? s.tpls[0]->knobs[0].values[1]
                                                              : s.tpls[0]->knobs[0].values[0];
  int rc = qt_build_variant(ctx, &m.tasks[0].w, &other, &a, &err);
  CHECK_EQ_INT(rc, QT_EBUILD);
  CHECK_MSG(strstr(err.msg, "kernel sources changed while tuning") &&
                strstr(err.msg, "include/qt_requant.h"), "%s", err.msg);
  CHECK(qt_build_variant(ctx, &m.tasks[0].w, &c, &a, &err) == 0 && a.cached);
  /* The snapshot is unchanged; the files on disk now differ from it. */
  CHECK(qt_variant_manifest(ctx, &m.tasks[0].w, &c, disk, sizeof disk, &err) == 0);
  CHECK_STR(snap, disk);
  CHECK(qt_source_manifest(kernels, &m.tasks[0].w, &c, disk, sizeof disk, &err) == 0);
  CHECK(strcmp(snap, disk) != 0);

  /* A file edited while the compiler reads it (an editor saving mid-build): the check before
   * the compiler passes, the one after it refuses the artifact, and nothing is cached under
   * the hash. A compiler wrapper makes the edit when the template itself is compiled. */
  char wrapper[400];
  snprintf(wrapper, sizeof wrapper, "%s/edit-cc.sh", dir);
  FILE *f = fopen(wrapper, "w");
  CHECK(f != NULL);
  if (f) {
    fprintf(f, "#!/bin/sh\ncase \"$*\" in *templates/*) [ -f %s/edited ] || "
               "{ echo '/* edited mid-build */' >> %s/include/qt_requant.h; touch %s/edited; };; "
               "esac\nexec \"$@\"\n", dir, kernels, dir);
    fclose(f);
  }
  CHECK(chmod(wrapper, 0700) == 0);
  const qt_build_opts opts = {.cc_wrapper = wrapper};
  CHECK(qt_build_ctx_init_with(ctx, kernels, cache, &t, 120000, &opts, &err) == 0);
  /* a valid config not built yet: the default with one more knob moved off its value */
  qt_config third = c;
  int moved = 0;
  for (int k = 1; k < c.tpl->n_knobs && !moved; k++)
    for (int v = 0; v < c.tpl->knobs[k].n_values && !moved; v++) {
      third = c;
      third.vals[k] = c.tpl->knobs[k].values[v];
      moved = third.vals[k] != c.vals[k] && qt_space_valid(&s, &third, NULL, 0);
    }
  CHECK(moved);
  rc = qt_build_variant(ctx, &m.tasks[0].w, &third, &a, &err);
  CHECK_EQ_INT(rc, QT_EBUILD);
  CHECK_MSG(strstr(err.msg, "kernel sources changed while tuning") &&
                strstr(err.msg, "include/qt_requant.h"), "%s", err.msg);
  CHECK_MSG(access(a.path, F_OK) != 0, "%s was cached", a.path);

  qt_model_free(&m);
  free(ctx);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK(system(cmd) == 0);
  return qt_test_finish();
}
