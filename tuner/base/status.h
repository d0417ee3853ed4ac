/* status.h — the outcome classes of one measurement, as stored in the log. A failed
 * measurement is data, not a tuner error: it is recorded with its class so a failing config
 * is never retried blindly and the user can see why. */
#ifndef QT_STATUS_H
#define QT_STATUS_H

/* X(enum suffix, stored name, final): final classes are never measured again on resume;
 * transient ones (the machine or the board, not the variant, failed) are:
 *   build_timeout  the compiler's deadline passed: on a loaded host that says more about the
 *                  load than about the variant (a compile error, being deterministic, is final)
 *   build_killed   the compiler died of a signal it was not sent by the deadline (the OOM killer)
 *   upload_error, board_lost   the board failed around the run.
 * A board that cannot run the program at all (exec wrapper missing) or stops answering after a
 * run timeout is a board failure: the run is retried elsewhere and nothing is recorded. */
#define QT_STATUS_TABLE(X)                 \
  X(OK, "ok", 1)                           \
  X(COMPILE_ERROR, "compile_error", 1)     \
  X(BUILD_TIMEOUT, "build_timeout", 0)     \
  X(BUILD_KILLED, "build_killed", 0)       \
  X(UPLOAD_ERROR, "upload_error", 0)       \
  X(RUNTIME_ERROR, "runtime_error", 1)     \
  X(WRONG_ANSWER, "wrong_answer", 1)       \
  X(RUN_TIMEOUT, "run_timeout", 1)         \
  X(BOARD_LOST, "board_lost", 0)

typedef enum qt_status {
#define QT_STATUS_ENUM(e, name, final) QT_STATUS_##e,
  QT_STATUS_TABLE(QT_STATUS_ENUM)
#undef QT_STATUS_ENUM
  QT_STATUS_COUNT
} qt_status;

const char *qt_status_name(qt_status s);
int qt_status_parse(const char *name, qt_status *out); /* 0 or QT_EINVAL */
int qt_status_is_final(qt_status s);

#endif
