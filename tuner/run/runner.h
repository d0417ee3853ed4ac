/* runner.h — where artifacts run: a board. One interface (a struct of function pointers) and
 * one factory, qt_runner_create, that picks the backend by the board's kind from its table
 * (runner.c): `local` (fork/exec on this machine, optionally through an exec wrapper such as
 * "qemu-aarch64 -cpu cortex-a76", runner_local.c) and `ssh` (libssh2, runner_ssh.c). Nothing
 * outside a backend's file looks at which backend a runner is. A runner reports how the
 * process ended; judging the result is measure.h's job. One runner is used by one thread at a
 * time (the board pool gives each board its own worker). */
#ifndef QT_RUNNER_H
#define QT_RUNNER_H

#include <stddef.h>

#include "tuner/base/error.h"
#include "tuner/run/boards.h"
#include "tuner/run/measure.h"
#include "tuner/sys/proc.h"

typedef struct qt_runner qt_runner;

typedef struct qt_runner_ops {
  const char *kind; /* "local" | "ssh", for messages */
  /* Brings the board up now (an ssh session: connect, host key, authentication, run
   * directory), so that a refused key shows before any build. Negative QT_E* code with the
   * reason. Runs are allowed without it (they connect on first use). */
  int (*connect)(qt_runner *rn, qt_err *err);
  /* Runs artifact with args under timeout_ms. Returns 0 when the artifact ran (r filled, any
   * exit); a negative code when the board itself failed (it could not be started, the
   * connection dropped): the measurement is then retried elsewhere, not recorded against the
   * variant. */
  int (*run)(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
             qt_proc_result *r, qt_err *err);
  void (*destroy)(qt_runner *rn);
  /* A runner that answers measurements from a record instead of running artifacts (the
   * replay runner): the recorded outcome of variant id into out and 0, or QT_ENOTFOUND when
   * the record lacks it. NULL for runners that run artifacts; a runner with it needs no
   * builds, and its run() is never called. */
  int (*answer)(qt_runner *rn, const qt_variant_id *id, qt_outcome *out, qt_err *err);
  /* Whether the board still answers, asked after a run timed out: 0 if it does (the variant
   * hung, and its run_timeout is final), a negative code if not (the board is wedged: the run
   * is a board failure, retried, not recorded). NULL: the board is this machine. */
  int (*alive)(qt_runner *rn, qt_err *err);
} qt_runner_ops;

/* Where the time of the last run went (ms); connect_ms is 0 when the session was reused.
 * Filled by the ssh runner (for `tune boards check` and the overhead figure). */
typedef struct qt_runner_times {
  double connect_ms, upload_ms, exec_ms;
} qt_runner_times;

struct qt_runner {
  const qt_runner_ops *ops;
  char name[64]; /* board name, as recorded in the log */
  void *impl;
  qt_runner_times last;
  int run_timeout_ms; /* the board's own run limit (boards file run_timeout_s); 0: the run's */
};

/* libssh2's process-wide set-up and tear-down, which are not thread-safe: a program that may
 * use ssh boards calls qt_runner_global_init once in main, before it starts threads or
 * creates runners, and qt_runner_global_exit at its end. The library keeps no state of its
 * own for it. */
int qt_runner_global_init(qt_err *err);
void qt_runner_global_exit(void);

/* The runner of board b, by its kind (local: its wrapper, pinned with taskset when it lists
 * cores; ssh: nothing is contacted before the first run or qt_runner_connect).
 * accept_new_host_key: add a host key that known_hosts lacks instead of refusing it (a
 * changed key is refused regardless). */
int qt_runner_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                     qt_err *err);
int qt_runner_connect(qt_runner *rn, qt_err *err);
void qt_runner_destroy(qt_runner *rn);

/* Called for each board qt_runners_open leaves out, with the reason. */
typedef void (*qt_board_left_out_fn)(void *ctx, const char *board, const qt_err *why);

/* The runners of the boards serving target in the boards file path, connected now (rns has
 * room for QT_BOARDS_MAX; their number into *n), local wrappers expanded with kernels_dir
 * (qt_boards_expand). A board that cannot be reached is left out (left_out tells which and
 * why; it may be NULL): the pool retries nothing it never had. Fails when the file cannot be
 * loaded, lists no board for the target, or none is usable. */
int qt_runners_open(const char *path, const char *target, const char *kernels_dir,
                    int accept_new_host_key, qt_runner **rns, int *n,
                    qt_board_left_out_fn left_out, void *ctx, qt_err *err);

/* Fault injection, for tests (SQLite-style): from now on the nth libssh2 call of an operation
 * of ssh runner rn fails as if the connection broke (persistent: that call and every later
 * one); nth 0 turns it off. qt_runner_ssh_fault_calls says how many calls were counted, so a
 * test can raise nth until no fault fires. QT_EINVAL for a runner of another kind. */
int qt_runner_ssh_inject_fault(qt_runner *rn, long nth, int persistent);
long qt_runner_ssh_fault_calls(const qt_runner *rn);

#endif
