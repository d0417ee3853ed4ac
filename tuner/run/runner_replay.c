/* runner_replay.c — the replay board (simulation mode, as Kernel Tuner has): every
 * measurement is answered from a recorded tuning log instead of being built and run, so
 * search strategies can be compared offline, exactly and without noise. The answer for a
 * config is the log's fastest ok measurement of it, else its recorded failure
 * (qt_db_lookup); a config the log lacks is reported as QT_ENOTFOUND, never invented. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuner/run/runner_backends.h"

typedef struct replay_impl {
  qt_db *log;
  char path[QT_PATH_MAX];
} replay_impl;

static int replay_connect(qt_runner *rn, qt_err *err) { return 0; }

static int replay_run(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
                      qt_proc_result *r, qt_err *err) {
  return qt_fail(err, QT_EINTERNAL, "board %s replays a log and runs nothing", rn->name);
}

static int replay_answer(qt_runner *rn, const qt_variant_id *id, qt_outcome *out,
                         qt_err *err) {
  replay_impl *x = rn->impl;
  char key[QT_KEY_MAX];
  qt_workload_key(id->workload, key);
  qt_db_recorded rec;
  int found;
  int rc = qt_db_lookup(x->log, key, id->target, id->template_name, id->knobs, &rec, &found,
                        err);
  if (rc) return rc;
  if (!found)
    return qt_fail(err, QT_ENOTFOUND, "%s: no measurement of %s:%s on %s for %s", x->path,
                   id->template_name, id->knobs, id->target, key);
  memset(out, 0, sizeof *out);
  out->m.status = rec.status;
  snprintf(out->error, sizeof out->error, "%s", rec.error);
  out->m.error = out->error[0] ? out->error : NULL;
  out->m.n_times = rec.n_times;
  memcpy(out->m.times_ns, rec.times_ns, sizeof rec.times_ns);
  out->m.median_ns = rec.median_ns;
  out->m.min_ns = rec.min_ns;
  out->m.max_ns = rec.max_ns;
  out->m.checksum = rec.checksum;
  return 0;
}

static void replay_destroy(qt_runner *rn) {
  replay_impl *x = rn->impl;
  if (x) qt_db_close(x->log);
  free(x);
  free(rn);
}

static const qt_runner_ops replay_ops = {"replay", replay_connect, replay_run, replay_destroy,
                                         replay_answer, NULL};

int qt_runner_replay_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                            qt_err *err) {
  /* Opening a missing path would create an empty log: a typo must not replay nothing. */
  if (access(b->log, R_OK) != 0)
    return qt_fail(err, QT_EIO, "replay log %s: cannot read it", b->log);
  qt_runner *rn = calloc(1, sizeof *rn);
  replay_impl *x = calloc(1, sizeof *x);
  if (!rn || !x) {
    free(rn);
    free(x);
    return qt_fail(err, QT_ENOMEM, "out of memory");
  }
  rn->ops = &replay_ops;
  rn->impl = x;
  snprintf(rn->name, sizeof rn->name, "%s", b->name);
  snprintf(x->path, sizeof x->path, "%s", b->log);
  int rc = qt_db_open(b->log, 5000, &x->log, err);
  if (rc) {
    replay_destroy(rn);
    return qt_err_wrap(err, "replay log");
  }
  *out = rn;
  return 0;
}
