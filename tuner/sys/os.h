/* os.h — the small operating-system services the host layers share: a monotonic clock and
 * creating a directory with its parents. One copy here, so timing and directory errors read
 * the same everywhere. */
#ifndef QT_OS_H
#define QT_OS_H

#include "tuner/base/error.h"

/* Milliseconds on CLOCK_MONOTONIC (unaffected by wall-clock changes; only differences mean
 * anything). */
double qt_now_ms(void);

/* Creates path and any missing parents (mode 0755); an existing directory is fine. QT_EIO
 * naming the component that could not be created. */
int qt_mkdir_p(const char *path, qt_err *err);

/* A directory whose contents the process will trust (the artifact cache: its files are run
 * as they are): created (with its parents) mode 0700 if missing; refused when it exists but
 * belongs to another user or is writable by group or others. */
int qt_mkdir_private(const char *path, qt_err *err);

#endif
