/* error.h — qtune's host-side error codes and the message that travels with them.
 * Every host function that can fail returns 0 or a negative QT_E* code and, on failure, fills
 * a qt_err with one line naming the operation, the offending value and the reason
 * ("cannot read configs/targets/a76.yaml:12:5: 'vector_bits' must be 64 or 128, got 96").
 * Codes, names and default texts come from one X-macro table so they cannot drift. */
#ifndef QT_ERROR_H
#define QT_ERROR_H

#include <stddef.h>

#define QT_ERROR_TABLE(X)                                        \
  X(OK, 0, "ok")                                                 \
  X(INVAL, -1, "invalid argument")                               \
  X(NOMEM, -2, "out of memory")                                  \
  X(IO, -3, "i/o error")                                         \
  X(CONFIG, -4, "invalid configuration")                         \
  X(NOTFOUND, -5, "not found")                                   \
  X(DB, -6, "database error")                                    \
  X(DBFORMAT, -7, "not a qtune log or unsupported schema")       \
  X(BUSY, -8, "resource busy or locked")                         \
  X(BUILD, -9, "build failed")                                   \
  X(RUN, -10, "run failed")                                      \
  X(TIMEOUT, -11, "timed out")                                   \
  X(PROTOCOL, -12, "malformed reply")                            \
  X(INTERRUPTED, -13, "interrupted")                             \
  X(INTERNAL, -14, "internal error")                             \
  X(UNSUPPORTED, -15, "unsupported on the target")

enum {
#define QT_ERROR_ENUM(name, code, text) QT_E##name = code,
  QT_ERROR_TABLE(QT_ERROR_ENUM)
#undef QT_ERROR_ENUM
};

typedef struct qt_err {
  int code;
  char msg[1024];
} qt_err;

/* Fills e (if non-NULL) with code and a printf-formatted message; returns code. */
int qt_fail(qt_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefixes e->msg with a printf-formatted context and ": " (keeps e->code); returns e->code. */
int qt_err_wrap(qt_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *qt_strerror(int code); /* default text of a code */

/* For texts where cutting is intended (messages that quote a compiler's or a board's stderr):
 * n is snprintf's result into buf[cap]; a cut text gets "..." at its end, so a reader sees it
 * was cut. The build has -Wformat-truncation on: any other snprintf either cannot be cut or
 * checks its result. */
void qt_mark_cut(char *buf, size_t cap, int n);
const char *qt_errname(int code);  /* "QT_EINVAL" etc. */

void qt_err_clear(qt_err *e);

#endif
