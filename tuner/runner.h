/* runner.h — where artifacts run: a board. One interface (a struct of function pointers) with
 * a factory per kind: `local` (fork/exec on this machine, optionally through an exec wrapper
 * such as "qemu-aarch64 -cpu cortex-a76") and `ssh` (libssh2, runner_ssh.c). A runner reports
 * how the process ended; judging the result is measure.h's job. One runner is used by one
 * thread at a time (the board pool gives each board its own worker). */
#ifndef QT_RUNNER_H
#define QT_RUNNER_H

#include <stddef.h>

#include "tuner/boards.h"
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
};

/* A local board. wrapper: exec wrapper command ("" for none), split on blanks. */
int qt_runner_local_create(const char *name, const char *wrapper, qt_runner **out, qt_err *err);
void qt_runner_destroy(qt_runner *rn);

/* An SSH board (b->kind must be ssh). Nothing is contacted until the first run (or
 * qt_runner_ssh_connect). accept_new_host_key: add a host key that known_hosts lacks instead
 * of refusing it (a changed key is refused regardless). */
int qt_runner_ssh_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                         qt_err *err);

/* The runner of board b by its kind: ssh, or local (its wrapper, pinned with taskset when it
 * lists cores). */
int qt_runner_board_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                           qt_err *err);

/* Brings an ssh runner's session up now (connect, host key, authentication, run directory);
 * a no-op for other kinds. Negative QT_E* code with the reason (an unknown or changed host
 * key, a refused or unreadable identity, a timeout) on failure. */
int qt_runner_ssh_connect(qt_runner *rn, qt_err *err);

/* Fault injection, for tests (SQLite-style): from now on the nth libssh2 call of an operation
 * of ssh runner rn fails as if the connection broke (persistent: that call and every later
 * one); nth 0 turns it off. qt_runner_ssh_fault_calls says how many calls were counted, so a
 * test can raise nth until no fault fires. QT_EINVAL for a runner of another kind. */
int qt_runner_ssh_inject_fault(qt_runner *rn, long nth, int persistent);
long qt_runner_ssh_fault_calls(const qt_runner *rn);

#endif
