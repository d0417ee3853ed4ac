#include "tuner/sys/os.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double qt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* mkdir -p, the parents 0755 and path itself leaf_mode (when it is created). */
static int mkdir_tree(const char *path, mode_t leaf_mode, qt_err *err) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
    return qt_fail(err, QT_EIO, "cannot create directory %.200s...: path too long", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return qt_fail(err, QT_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
    *p = '/';
  }
  if (mkdir(tmp, leaf_mode) != 0 && errno != EEXIST)
    return qt_fail(err, QT_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
  return 0;
}

int qt_mkdir_p(const char *path, qt_err *err) { return mkdir_tree(path, 0755, err); }

int qt_mkdir_private(const char *path, qt_err *err) {
  int rc = mkdir_tree(path, 0700, err);
  if (rc) return rc;
  struct stat st;
  if (stat(path, &st) != 0)
    return qt_fail(err, QT_EIO, "cannot use directory %s: %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return qt_fail(err, QT_EIO, "cannot use directory %s: not a directory", path);
  if (st.st_uid != geteuid() || (st.st_mode & 022))
    return qt_fail(err, QT_EIO, "directory %s is %s: what it holds could be replaced by "
                   "others and would then run unchecked; use a private one", path,
                   st.st_uid != geteuid() ? "owned by another user" : "writable by others");
  return 0;
}
