/* runner.c — the runner factory (the one table from board kind to backend) and the opening
 * of a target's boards for a tuning run. */
#include "tuner/run/runner.h"

#include <stdlib.h>
#include <string.h>

#include "tuner/run/runner_backends.h"

typedef int (*runner_create_fn)(const qt_board_def *b, int accept_new_host_key,
                                qt_runner **out, qt_err *err);

static const struct {
  qt_board_kind kind;
  runner_create_fn create;
} backends[] = {
    {QT_BOARD_LOCAL, qt_runner_local_create},
    {QT_BOARD_SSH, qt_runner_ssh_create},
    {QT_BOARD_REPLAY, qt_runner_replay_create},
};

int qt_runner_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                     qt_err *err) {
  *out = NULL;
  for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
    if (backends[i].kind != b->kind) continue;
    int rc = backends[i].create(b, accept_new_host_key, out, err);
    if (rc == 0 && b->run_timeout_s > 0) (*out)->run_timeout_ms = b->run_timeout_s * 1000;
    return rc;
  }
  return qt_fail(err, QT_EINVAL, "board %s: no runner for its kind (%d)", b->name, (int)b->kind);
}

int qt_runner_connect(qt_runner *rn, qt_err *err) { return rn->ops->connect(rn, err); }

void qt_runner_destroy(qt_runner *rn) {
  if (rn) rn->ops->destroy(rn);
}

int qt_runners_open(const char *path, const char *target, const char *kernels_dir,
                    int accept_new_host_key, qt_runner **rns, int *n,
                    qt_board_left_out_fn left_out, void *ctx, qt_err *err) {
  *n = 0;
  qt_boards *bs = malloc(sizeof *bs);
  if (!bs) return qt_fail(err, QT_ENOMEM, "out of memory");
  int rc = qt_boards_load(path, bs, err);
  if (!rc) rc = qt_boards_expand(bs, kernels_dir, err);
  int idx[QT_BOARDS_MAX], k = rc ? 0 : qt_boards_for_target(bs, target, idx);
  if (!rc && k == 0)
    rc = qt_fail(err, QT_ECONFIG, "boards file %s has no board for target %s", path, target);
  qt_err last = {0, ""};
  for (int i = 0; i < k && !rc; i++) {
    const qt_board_def *b = &bs->boards[idx[i]];
    qt_runner *rn = NULL;
    qt_err e = {0, ""};
    if (qt_runner_create(b, accept_new_host_key, &rn, &e) == 0 && qt_runner_connect(rn, &e) == 0) {
      rns[(*n)++] = rn;
      continue;
    }
    if (strstr(e.msg, "board") == NULL) qt_err_wrap(&e, "board %s", b->name);
    if (left_out) left_out(ctx, b->name, &e);
    qt_runner_destroy(rn);
    last = e;
  }
  if (!rc && *n == 0) {
    *err = last;
    rc = qt_err_wrap(err, "no board of target %s in %s is usable", target, path);
  }
  free(bs);
  return rc;
}
