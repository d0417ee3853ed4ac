/* test_config_broken.c — the malformed-YAML corpus: every .yaml file in tests/config/broken must
 * be rejected with QT_ECONFIG and a message containing the substring its first line names
 * ("# expect: <substring>", usually with file:line:column). The second line says how to load
 * it ("# kind: model" or "# kind: target"). Adding a case is adding a file. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "tests/qt_test.h"
#include "tuner/base/config.h"

#define BROKEN_DIR QT_TEST_DATA_DIR "/config/broken"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads the "# expect:" and "# kind:" header of path. Returns 0 if both are present. */
static int read_header(const char *path, char *expect, size_t cap, char *kind, size_t kcap) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char l1[2048], l2[256];
  int ok = fgets(l1, sizeof l1, f) && fgets(l2, sizeof l2, f);
  fclose(f);
  if (!ok || strncmp(l1, "# expect: ", 10) != 0 || strncmp(l2, "# kind: ", 8) != 0) return -1;
  l1[strcspn(l1, "\n")] = '\0';
  l2[strcspn(l2, "\n")] = '\0';
  if (snprintf(expect, cap, "%s", l1 + 10) >= (int)cap) return -1;
  if (snprintf(kind, kcap, "%s", l2 + 8) >= (int)kcap) return -1;
  return expect[0] ? 0 : -1;
}

static void check_file(const char *name) {
  char path[1024], expect[2048], kind[64];
  snprintf(path, sizeof path, "%s/%s", BROKEN_DIR, name);
  int hdr = read_header(path, expect, sizeof expect, kind, sizeof kind);
  CHECK_MSG(hdr == 0, "%s: missing '# expect:' / '# kind:' header", name);
  if (hdr != 0) return;

  qt_err err;
  qt_err_clear(&err);
  int rc;
  if (strcmp(kind, "model") == 0) {
    qt_model m;
    rc = qt_model_load_file(path, &m, &err);
    /* A failed load leaves nothing to free. */
    CHECK_MSG(m.layers == NULL && m.tasks == NULL && m.n_layers == 0, "%s: model not cleared",
              name);
    if (rc == 0) qt_model_free(&m);
  } else if (strcmp(kind, "target") == 0) {
    qt_target t;
    rc = qt_target_load_file(path, &t, &err);
  } else {
    CHECK_MSG(0, "%s: kind '%s' is neither model nor target", name, kind);
    return;
  }
  CHECK_MSG(rc == QT_ECONFIG, "%s: load returned %d (%s), expected QT_ECONFIG", name, rc,
            err.msg);
  CHECK_MSG(err.code == rc, "%s: err.code %d != rc %d", name, err.code, rc);
  CHECK_MSG(strstr(err.msg, expect) != NULL, "%s:\n  message: %s\n  expected: %s", name, err.msg,
            expect);
  /* Every message starts with the path it is about. */
  CHECK_MSG(strncmp(err.msg, path, strlen(path)) == 0, "%s: message does not start with the "
            "path: %s", name, err.msg);
}

int main(void) {
  DIR *d = opendir(BROKEN_DIR);
  CHECK_MSG(d != NULL, "cannot open %s", BROKEN_DIR);
  if (!d) return qt_test_finish();
  char *names[256];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < sizeof names / sizeof names[0]) {
    size_t len = strlen(e->d_name);
    if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  CHECK_MSG(n >= 15, "only %zu broken files", n);
  size_t models = 0, targets = 0;
  for (size_t i = 0; i < n; i++) {
    check_file(names[i]);
    if (strncmp(names[i], "model_", 6) == 0) models++;
    if (strncmp(names[i], "target_", 7) == 0) targets++;
    free(names[i]);
  }
  CHECK(models > 0 && targets > 0); /* both loaders are exercised */
  printf("%zu broken files checked\n", n);
  return qt_test_finish();
}
