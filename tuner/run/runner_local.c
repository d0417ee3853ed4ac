/* runner_local.c — the local board: runs artifacts on this machine with fork/exec under a
 * deadline (proc.h), through an optional exec wrapper (qemu-aarch64 for emulated boards). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuner/run/runner_backends.h"

#define MAX_WRAPPER_WORDS 16
#define MAX_ARGS 64

typedef struct local_impl {
  char *wrapper[MAX_WRAPPER_WORDS];
  int n_wrapper;
} local_impl;

static int local_run(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
                     qt_proc_result *r, qt_err *err) {
  local_impl *impl = rn->impl;
  char *argv[MAX_WRAPPER_WORDS + MAX_ARGS + 2];
  int argc = 0;
  for (int i = 0; i < impl->n_wrapper; i++) argv[argc++] = impl->wrapper[i];
  argv[argc++] = (char *)artifact;
  for (int i = 0; args[i]; i++) {
    if (i >= MAX_ARGS) return qt_fail(err, QT_EINVAL, "too many harness arguments");
    argv[argc++] = args[i];
  }
  argv[argc] = NULL;
  int rc = qt_proc_run(argv, timeout_ms, 1 << 20, r, err);
  if (rc) return qt_err_wrap(err, "board %s", rn->name);
  return 0;
}

static void local_destroy(qt_runner *rn) {
  local_impl *impl = rn->impl;
  for (int i = 0; i < impl->n_wrapper; i++) free(impl->wrapper[i]);
  free(impl);
  free(rn);
}

static int local_connect(qt_runner *rn, qt_err *err) { return 0; }

static const qt_runner_ops local_ops = {"local", local_connect, local_run, local_destroy, NULL, NULL};

int qt_runner_local_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                           qt_err *err) {
  /* A local board pins through taskset, like an ssh board does on its side. */
  char wrapper[QT_PATH_MAX + 80];
  snprintf(wrapper, sizeof wrapper, "%s%s%s%s", b->cores[0] ? "taskset -c " : "", b->cores,
           b->cores[0] ? " " : "", b->wrapper);
  const char *name = b->name;
  qt_runner *rn = calloc(1, sizeof *rn);
  local_impl *impl = calloc(1, sizeof *impl);
  if (!rn || !impl) {
    free(rn);
    free(impl);
    return qt_fail(err, QT_ENOMEM, "out of memory");
  }
  rn->ops = &local_ops;
  rn->impl = impl;
  snprintf(rn->name, sizeof rn->name, "%s", name);
  int rc = qt_split_words(wrapper, impl->wrapper, &impl->n_wrapper,
                          MAX_WRAPPER_WORDS, err);
  if (rc) {
    local_destroy(rn);
    return qt_err_wrap(err, "exec wrapper of board %s", name);
  }
  *out = rn;
  return 0;
}
