/* error.c — the error table of error.h turned into names, texts and message helpers. */
#include "tuner/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int qt_fail(qt_err *e, int code, const char *fmt, ...) {
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code;
  }
  return code;
}

int qt_err_wrap(qt_err *e, const char *fmt, ...) {
  if (!e) return QT_EINTERNAL;
  char prefix[512], old[sizeof e->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, e->msg, sizeof old);
  qt_mark_cut(e->msg, sizeof e->msg, snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old));
  return e->code;
}

void qt_mark_cut(char *buf, size_t cap, int n) {
  if (n >= 0 && (size_t)n >= cap && cap >= 4) memcpy(buf + cap - 4, "...", 4);
}

const char *qt_strerror(int code) {
  switch (code) {
#define QT_ERROR_TEXT(name, c, text) \
  case c: return text;
    QT_ERROR_TABLE(QT_ERROR_TEXT)
#undef QT_ERROR_TEXT
  }
  return "unknown error";
}

const char *qt_errname(int code) {
  switch (code) {
#define QT_ERROR_NAME(name, c, text) \
  case c: return "QT_E" #name;
    QT_ERROR_TABLE(QT_ERROR_NAME)
#undef QT_ERROR_NAME
  }
  return "QT_E?";
}

void qt_err_clear(qt_err *e) {
  if (e) {
    e->code = 0;
    e->msg[0] = '\0';
  }
}
