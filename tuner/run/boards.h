/* boards.h — the boards file: where a target's artifacts run. A YAML file lists boards, each
 * with a name (recorded in the log), the target it serves, its kind (local or ssh), the SSH
 * coordinates (host, port, user, identity file or ssh-agent, known_hosts file), the remote
 * work directory, an optional exec wrapper ("qemu-aarch64 -cpu cortex-a76"), the cores to pin
 * measurements to and a run-time limit. Format: configs/boards.example.yaml. */
#ifndef QT_BOARDS_H
#define QT_BOARDS_H

#include "tuner/base/error.h"
#include "tuner/base/target.h"

#define QT_BOARDS_MAX 32

/* replay: answers every measurement from a recorded log (its path in log) instead of running
 * anything; only from `tune --replay`, not from a boards file. */
typedef enum qt_board_kind { QT_BOARD_LOCAL, QT_BOARD_SSH, QT_BOARD_REPLAY } qt_board_kind;

typedef struct qt_board_def {
  char name[QT_NAME_MAX];        /* unique in the file; recorded with every measurement */
  char target[QT_NAME_MAX];      /* the target it serves (configs/targets/<target>.yaml) */
  qt_board_kind kind;
  char host[256];                /* ssh: host name or address */
  int port;                      /* ssh: default 22 */
  char user[QT_NAME_MAX];        /* ssh: login */
  char identity[QT_PATH_MAX];    /* ssh: private key file; "" to use ssh-agent */
  char known_hosts[QT_PATH_MAX]; /* ssh: OpenSSH known_hosts file the host key must be in */
  char workdir[QT_PATH_MAX];     /* ssh: remote directory per-run directories go under */
  char wrapper[QT_PATH_MAX];     /* exec wrapper on the board, "" for none */
  char run[QT_PATH_MAX];         /* ssh: command template that flashes and runs the image on
                                    an attached MCU: words, "{image}" the uploaded image,
                                    "{args}" the harness arguments (appended when absent);
                                    "" to run the image itself */
  char cores[64];                /* cores to pin to ("3", "2-3"), "" for none */
  int run_timeout_s;             /* run-time limit per measurement, 0: the tuner's */
  int connect_timeout_s;         /* ssh: deadline of connect + handshake + auth (default 10) */
  char log[QT_PATH_MAX];         /* replay: the recorded tuning log */
} qt_board_def;

typedef struct qt_boards {
  int n;
  qt_board_def boards[QT_BOARDS_MAX];
} qt_boards;

/* Loads a boards file. Relative identity and known_hosts paths are taken relative to the
 * file's directory. Fails with QT_EIO (unreadable) or QT_ECONFIG ("path:line:col: reason")
 * on a malformed file, an unknown or missing field, a duplicate board name, or an ssh board
 * without host, user or known_hosts. */
int qt_boards_load(const char *path, qt_boards *out, qt_err *err);

/* Replaces a leading "{kernels}" (QT_KERNELS_MARK) of every local board's wrapper by
 * kernels_dir, as a target's emulator is: a wrapper shipped with tune's kernels (the Cortex-M
 * boards' qt-mps2-run) then runs from any directory. (The loader refuses the mark on ssh
 * boards.) Fails with QT_ECONFIG when a wrapper would not fit. */
int qt_boards_expand(qt_boards *bs, const char *kernels_dir, qt_err *err);

/* The local board named name: this machine, through exec wrapper (e.g. "qemu-aarch64 -cpu
 * cortex-a76"; "" for none), for runs without a boards file. */
void qt_board_local(const char *name, const char *target, const char *wrapper, qt_board_def *out);

/* The replay board: answers measurements of target from the tuning log at path. */
void qt_board_replay(const char *path, const char *target, qt_board_def *out);

/* Indices of the boards serving target into idx (capacity QT_BOARDS_MAX); returns how many. */
int qt_boards_for_target(const qt_boards *b, const char *target, int *idx);

#endif
