/* qt_test.h — the minimal assertion kit of qtune's test executables: each CHECK prints the
 * failing expression with file:line and counts a failure; main returns qt_test_finish(),
 * which prints "N passed, N failed" and exits non-zero on any failure. */
#ifndef QT_TEST_H
#define QT_TEST_H

#include <stdio.h>
#include <string.h>

static int qt_test_pass_count, qt_test_fail_count;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (cond) {                                                               \
      qt_test_pass_count++;                                                   \
    } else {                                                                  \
      qt_test_fail_count++;                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                         \
  } while (0)

#define CHECK_MSG(cond, ...)                                      \
  do {                                                            \
    if (cond) {                                                   \
      qt_test_pass_count++;                                       \
    } else {                                                      \
      qt_test_fail_count++;                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                               \
      fputc('\n', stderr);                                        \
    }                                                             \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                        \
  do {                                                                            \
    long long qt_a_ = (long long)(a), qt_b_ = (long long)(b);                     \
    CHECK_MSG(qt_a_ == qt_b_, "%s = %lld, %s = %lld", #a, qt_a_, #b, qt_b_);     \
  } while (0)

#define CHECK_STR(a, b)                                                          \
  do {                                                                           \
    const char *qt_a_ = (a), *qt_b_ = (b);                                       \
    CHECK_MSG(qt_a_ && qt_b_ && strcmp(qt_a_, qt_b_) == 0, "\"%s\" != \"%s\"",   \
              qt_a_ ? qt_a_ : "(null)", qt_b_ ? qt_b_ : "(null)");               \
  } while (0)

static inline int qt_test_finish(void) {
  printf("%d passed, %d failed\n", qt_test_pass_count, qt_test_fail_count);
  return qt_test_fail_count == 0 && qt_test_pass_count > 0 ? 0 : 1;
}

#endif
