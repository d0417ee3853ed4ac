/* runner_backends.h — the backends' constructors, for the factory in runner.c only (the
 * rest of the code gets runners from qt_runner_create). Not a public header of the layer. */
#ifndef QT_RUNNER_BACKENDS_H
#define QT_RUNNER_BACKENDS_H

#include "tuner/run/runner.h"

int qt_runner_local_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                           qt_err *err);
int qt_runner_ssh_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                         qt_err *err);

int qt_runner_replay_create(const qt_board_def *b, int accept_new_host_key, qt_runner **out,
                            qt_err *err);

#endif
