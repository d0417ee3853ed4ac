/* runner.h — where artifacts run: a board. One interface (a struct of function pointers) with
 * a factory per kind: `local` (fork/exec on this machine, optionally through an exec wrapper
 * such as "qemu-aarch64 -cpu cortex-a76") now, `ssh` later. A runner reports how the process
 * ended; judging the result is measure.h's job. */
#ifndef QT_RUNNER_H
#define QT_RUNNER_H

#include <stddef.h>

#include "tuner/error.h"
#include "tuner/proc.h"

typedef struct qt_runner qt_runner;

typedef struct qt_runner_ops {
  const char *kind; /* "local" | "ssh" */
  /* Runs artifact with args under timeout_ms. Returns 0 when the artifact ran (r filled, any
   * exit); a negative code when the board itself failed (it could not be started, the
   * connection dropped): the measurement is then retried elsewhere, not recorded against the
   * variant. */
  int (*run)(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
             qt_proc_result *r, qt_err *err);
  void (*destroy)(qt_runner *rn);
} qt_runner_ops;

struct qt_runner {
  const qt_runner_ops *ops;
  char name[64]; /* board name, as recorded in the log */
  void *impl;
};

/* A local board. wrapper: exec wrapper command ("" for none), split on blanks. */
int qt_runner_local_create(const char *name, const char *wrapper, qt_runner **out, qt_err *err);
void qt_runner_destroy(qt_runner *rn);

#endif
