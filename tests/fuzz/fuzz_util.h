/* fuzz_util.h — what the libFuzzer harnesses of tests/fuzz/ share (private to them): a NUL-
 * terminated copy of the input, a file the file-reading parsers can be given, and the abort
 * that turns a broken property into a crash libFuzzer reports and saves. */
#ifndef QT_FUZZ_UTIL_H
#define QT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuner/base/error.h"

/* A property of an accepted (or refused) input does not hold: print it and abort, so that
 * libFuzzer keeps the input as a crash. */
#define FUZZ_ASSERT(cond, ...)                                                   \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: property failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                              \
      fputc('\n', stderr);                                                       \
      abort();                                                                   \
    }                                                                            \
  } while (0)

/* The input as a C string (the parsers read C strings); NULL (skip it) if it holds a NUL,
 * which no text file or line given to them can. Free with free(). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
  if (memchr(data, 0, size)) return NULL;
  char *s = malloc(size + 1);
  if (!s) abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

/* A refused input must come with an error code and a message saying why. */
static inline void fuzz_check_refusal(int rc, const qt_err *err) {
  FUZZ_ASSERT(rc < 0 && err->code == rc && err->msg[0] != '\0',
              "rc %d, err.code %d, message '%s'", rc, err->code, err->msg);
}

/* The path <private temp dir>/<name>, made once per process (the loaders want a file and
 * check a config's name against the file's base name); the directory is removed at exit. */
static char fuzz_dir[256];
static char fuzz_file_path[320];

static void fuzz_cleanup(void) {
  if (fuzz_file_path[0]) unlink(fuzz_file_path);
  if (fuzz_dir[0]) rmdir(fuzz_dir);
}

static inline const char *fuzz_file(const char *name) {
  if (!fuzz_dir[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/qtfuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
      perror("mkdtemp");
      abort();
    }
    snprintf(fuzz_file_path, sizeof fuzz_file_path, "%s/%s", fuzz_dir, name);
    atexit(fuzz_cleanup);
  }
  return fuzz_file_path;
}

/* Writes the input to fuzz_file(name) and returns its path. */
static inline const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size) {
  const char *path = fuzz_file(name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    perror(path);
    abort();
  }
  return path;
}

#endif
